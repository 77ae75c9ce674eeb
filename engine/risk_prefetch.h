/*
 * Prefetching an order's risk lines before it is checked.  Between two
 * orders the engine streams through its rings and the journal, which evicts
 * the few lines the next check reads (docs/design.md, "Order state and the
 * cache"): the order's line of its strategy's open-order index (placed by a
 * hash of the client order id, so never warm by chance) and, for a new
 * order, the free slot it will take, its
 * symbol's state and its account's position in the symbol.  The engine
 * prefetches them for every order of a popped burst at once, so their misses
 * overlap each other and the first order's check instead of following one
 * another.  A hint only: no effect on the outcome, bounds checked so that no
 * address outside the tables is formed.
 */
#ifndef RG_RISK_PREFETCH_H
#define RG_RISK_PREFETCH_H

#include "risk_state.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline void rg_risk_prefetch_order(const struct rg_risk *r, uint32_t strategy, const struct rg_order *o)
{
	const struct rg_strategy_state *st;
	uint64_t id;

	if (strategy >= r->n_strategies)
		return;
	st = &r->strategies[strategy];
	/* a new order probes from its own id's home; a cancel or replace looks its target up */
	id = o->kind == RG_ORDER_NEW ? o->client_order_id : o->orig_client_order_id;
	if (id != 0 && st->orders.index != NULL)
		rg_open_orders_prefetch(&st->orders, id, o->kind == RG_ORDER_NEW);
	if (o->symbol_id < r->n_symbols) {
		__builtin_prefetch(&r->symbols[o->symbol_id], 1, 3);
		if (st->account < r->n_accounts)
			__builtin_prefetch(rg_risk_position(r, st->account, o->symbol_id), 1, 3);
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RISK_PREFETCH_H */
