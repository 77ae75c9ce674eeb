/*
 * Self-match prevention's cancels (self_match_cancel.h).  The checks found
 * that an order would cross resting orders of its self-match group and the
 * account's mode cancels them: their engine sequences come from the group's
 * book (rg_smp_crossing), their routes from the route table, and each gets a
 * venue cancel through the path every cancel takes (journaled first).  A
 * resting order still held for a venue window leaves the queue at once.
 * Runs on the engine thread, only for such an order: a short walk of the
 * group's resting orders on one side of one symbol.
 */
#include "self_match_cancel.h"

#include "engine_state.h"
#include "self_match.h"

#define SMP_CANCEL_MAX 64u /* per order; the rest wait for the group's next crossing order */

unsigned rg_engine_smp_cancel(struct rg_engine *e, uint32_t strategy, const struct rg_order *o, uint64_t now_ns)
{
	struct rg_risk *r = e->risk;
	uint64_t seqs[SMP_CANCEL_MAX];
	uint32_t account = r->strategies[strategy].account, n;
	unsigned sent = 0;

	n = rg_smp_crossing(r, account, o->symbol_id, o->side, o->type == RG_TYPE_MARKET, o->price_e8, seqs,
			    SMP_CANCEL_MAX);
	if (n > SMP_CANCEL_MAX)
		n = SMP_CANCEL_MAX;
	for (uint32_t k = 0; k < n; k++) {
		struct rg_order_route *route = rg_order_routes_get(&e->routes, seqs[k]);
		struct rg_venue_request held;
		struct rg_open_order *live;

		if (route == NULL || route->strategy >= r->n_strategies)
			continue;
		live = rg_open_orders_find(&r->strategies[route->strategy].orders, route->client_order_id, NULL);
		if (live == NULL || (live->flags & RG_OO_CANCEL_PENDING))
			continue;
		if (e->holds[route->venue].live != 0 &&
		    rg_venue_hold_take(&e->holds[route->venue], route->engine_seq, &held)) {
			_rg_engine_drop_held(e, route->venue, &held, now_ns); /* never reached the venue */
			sent++;
			continue;
		}
		if (e->cfg->venues[route->venue].dry_run || !_rg_engine_send_cancel(e, route, now_ns))
			continue;
		live->flags |= RG_OO_CANCEL_PENDING;
		sent++;
	}
	e->inst.ctl->self_match_cancels += sent;
	return sent;
}
