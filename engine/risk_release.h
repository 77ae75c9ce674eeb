/*
 * Releasing an order approved a moment ago: a dry-run venue decides,
 * journals and answers an order, then releases its reservation at once
 * (engine/daemon/engine.c, answer_approved).  The outcome is rg_risk_on_cancelled's
 * (risk_events.h), but the commit's slot and index entry are in the
 * decision, so nothing is looked up: its exposure is undone in place (its
 * side's open quantity, the account's and the global reserved notional, the
 * venue credit), a self-match book entry it just pushed comes off the head
 * of its list (rg_smp_remove_pushed), and its index entry goes where the
 * commit put it.  Rate tokens, the day's count, the engine sequence and the
 * duplicate guard stay spent, as on a cancel.  Should the table have changed
 * since (its entry moved or a handed-out slot waits: rg_open_orders_remove_at
 * says so), or a trading-day roll be due, it takes the full path.
 * tests/engine/test_checks_dry_release.c holds the two paths against each
 * other.  Engine thread only.
 */
#ifndef RG_RISK_RELEASE_H
#define RG_RISK_RELEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "risk_events.h"
#include "self_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Order `client_order_id` of `strategy`, approved with decision `d`, is done
 * without a fill: true, or false when it is not live (as rg_risk_on_cancelled). */
static inline bool rg_risk_release_committed(struct rg_risk *r, uint32_t strategy, const struct rg_decision *d,
					     uint64_t client_order_id, uint64_t now_ns)
{
	struct rg_strategy_state *st;
	struct rg_open_order *e;
	uint32_t slot;

	if (__builtin_expect(strategy >= r->n_strategies || now_ns >= r->day_roll_mono_ns || client_order_id == 0, 0))
		return rg_risk_on_cancelled(r, strategy, client_order_id, now_ns);
	st = &r->strategies[strategy];
	slot = d->oo_slot & st->orders.mask;
	e = &st->orders.slots[slot];
	if (__builtin_expect(e->client_order_id != client_order_id, 0))
		return rg_risk_on_cancelled(r, strategy, client_order_id, now_ns);
	rg_risk_unreserve(r, st->account, e, e->leaves_qty_e8, e->reserved_notional_e8); /* all of it */
	if (__builtin_expect(e->flags & RG_OO_SMP, 0))
		rg_smp_remove_pushed(r, strategy, e);
	if (__builtin_expect(!rg_open_orders_remove_at(&st->orders, client_order_id, slot, d->oo_entry), 0))
		rg_open_orders_remove(&st->orders, e);
	return true;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RISK_RELEASE_H */
