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

/* always_inline, as every helper made of prefetches alone: gcc 12 at -O2
 * and -O3 finds such a function free of side effects (a prefetch is none to
 * it) and deletes the calls to it before it would inline them, so a plain
 * static inline helper here compiled to nothing. */
static inline __attribute__((always_inline)) void rg_risk_prefetch_order(const struct rg_risk *r, uint32_t strategy, const struct rg_order *o)
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

/* The same for the n orders of a popped burst of `strategy`, what they
 * share looked up once: each one's index line and, when it moves on from
 * the order before it, its symbol and position lines; the free slots the
 * burst's new orders take, from the top of the stack down. */
static inline __attribute__((always_inline)) void rg_risk_prefetch_burst(const struct rg_risk *r, uint32_t strategy,
									  const struct rg_order *o, unsigned n)
{
	const struct rg_strategy_state *st;
	const struct rg_open_orders *t;
	uint32_t account, last_symbol = UINT32_MAX, top, k = 0;

	if (strategy >= r->n_strategies || r->strategies[strategy].orders.index == NULL)
		return;
	st = &r->strategies[strategy];
	t = &st->orders;
	account = st->account < r->n_accounts ? st->account : UINT32_MAX;
	top = t->free_top;
	for (unsigned i = 0; i < n; i++) {
		bool is_new = o[i].kind == RG_ORDER_NEW;
		uint64_t id = is_new ? o[i].client_order_id : o[i].orig_client_order_id;
		uint32_t symbol = o[i].symbol_id;
		__builtin_prefetch(&t->index[_rg_oo_home(t, _rg_oo_tag(id))], 1, 3);
		if (is_new && k < top)
			__builtin_prefetch(&t->slots[*_rg_oo_free(t, top - k++)], 1, 3);
		if (symbol != last_symbol && symbol < r->n_symbols) {
			last_symbol = symbol;
			__builtin_prefetch(&r->symbols[symbol], 1, 3);
			if (account != UINT32_MAX)
				__builtin_prefetch(rg_risk_position(r, account, symbol), 1, 3);
		}
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RISK_PREFETCH_H */
