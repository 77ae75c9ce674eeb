/*
 * Bookkeeping invariants of the risk state, recomputed from scratch: the sum
 * of live orders' leaves per account, symbol and side equals the position's
 * open_buy/open_sell; the sum of their reserved notional per account equals
 * open_notional_e8; the sum of the positions' gross notional per account
 * equals gross_position_e8 and of their upnl upnl_e8; the global gross is the sum over accounts; no
 * reservation is negative; open-order counts match the tables.  Used by the
 * cmocka tests and the fuzz target; no cmocka here.
 */
#ifndef RG_TEST_RISK_INVARIANTS_H
#define RG_TEST_RISK_INVARIANTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk_state.h"

/* NULL when every invariant holds, else a description (static buffer). */
static inline const char *rg_risk_invariant_violation(const struct rg_risk *r)
{
	static char why[256];
	size_t n_pos = (size_t)r->n_symbols * r->n_accounts;
	__int128 *buy = calloc(n_pos + 1, sizeof(__int128)), *sell = calloc(n_pos + 1, sizeof(__int128));
	__int128 open_notional[RG_MAX_ACCOUNTS] = {0}, gross_pos[RG_MAX_ACCOUNTS] = {0}, upnl[RG_MAX_ACCOUNTS] = {0};
	__int128 global = 0;
	const char *bad = NULL;
	uint32_t s, a;
	size_t i;

	if (buy == NULL || sell == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		bad = why;
		goto out;
	}
	for (s = 0; s < r->n_strategies && bad == NULL; s++) {
		const struct rg_strategy_state *st = &r->strategies[s];
		uint32_t count = 0;
		for (i = 0; i <= st->orders.mask; i++) {
			const struct rg_open_order *e = &st->orders.slots[i];
			if (e->client_order_id == 0)
				continue;
			count++;
			if (e->leaves_qty_e8 <= 0 || e->reserved_notional_e8 < 0 || e->symbol >= r->n_symbols) {
				snprintf(why, sizeof(why), "strategy %u order %llu: leaves %lld reserved %lld symbol %u", s,
					 (unsigned long long)e->client_order_id, (long long)e->leaves_qty_e8,
					 (long long)e->reserved_notional_e8, e->symbol);
				bad = why;
				break;
			}
			size_t k = (size_t)e->symbol * r->n_accounts + st->account;
			if (e->side == 1)
				buy[k] += e->leaves_qty_e8;
			else
				sell[k] += e->leaves_qty_e8;
			open_notional[st->account] += e->reserved_notional_e8;
		}
		if (bad == NULL && count != st->orders.count) {
			snprintf(why, sizeof(why), "strategy %u: table holds %u orders, count says %u", s, count,
				 st->orders.count);
			bad = why;
		}
	}
	for (i = 0; i < n_pos && bad == NULL; i++) {
		const struct rg_position *p = &r->positions[i];
		if (p->open_buy_qty_e8 != buy[i] || p->open_sell_qty_e8 != sell[i] || p->open_buy_qty_e8 < 0 ||
		    p->open_sell_qty_e8 < 0) {
			snprintf(why, sizeof(why), "position %zu: open buy %lld (orders %.0f), sell %lld (orders %.0f)", i,
				 (long long)p->open_buy_qty_e8, (double)buy[i], (long long)p->open_sell_qty_e8,
				 (double)sell[i]);
			bad = why;
		}
		gross_pos[i % r->n_accounts] += p->gross_notional_e8;
		upnl[i % r->n_accounts] += p->upnl_e8;
	}
	for (a = 0; a < r->n_accounts && bad == NULL; a++) {
		const struct rg_account_state *acct = &r->accounts[a];
		if (acct->open_notional_e8 != open_notional[a] || acct->open_notional_e8 < 0) {
			snprintf(why, sizeof(why), "account %u: open notional %lld, orders sum %.0f", a,
				 (long long)acct->open_notional_e8, (double)open_notional[a]);
			bad = why;
		} else if (acct->gross_position_e8 != gross_pos[a]) {
			snprintf(why, sizeof(why), "account %u: gross position %lld, positions sum %.0f", a,
				 (long long)acct->gross_position_e8, (double)gross_pos[a]);
			bad = why;
		} else if (acct->upnl_e8 != upnl[a]) {
			snprintf(why, sizeof(why), "account %u: upnl %lld, positions sum %.0f", a, (long long)acct->upnl_e8,
				 (double)upnl[a]);
			bad = why;
		}
		global += (__int128)acct->gross_position_e8 + acct->open_notional_e8;
	}
	if (bad == NULL && global != r->global_gross_e8) {
		snprintf(why, sizeof(why), "global gross %lld, accounts sum %.0f", (long long)r->global_gross_e8,
			 (double)global);
		bad = why;
	}
out:
	free(buy);
	free(sell);
	return bad;
}

#endif /* RG_TEST_RISK_INVARIANTS_H */
