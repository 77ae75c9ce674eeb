/*
 * Self-match prevention (self_match.h): the group books' heads built at
 * create, and the cold half of keeping the best resting prices exact: an
 * order leaving (a walk of its side's list, which finds the new best on the
 * way), an order repriced, and the list of resting orders an order would
 * cross (for the cancel modes).
 */
#include "self_match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The order an id names. */
static struct rg_open_order *_rg_smp_order(const struct rg_risk *r, uint32_t id)
{
	uint32_t x = id - 1;

	return &r->strategies[x >> RG_SMP_SLOT_BITS].orders.slots[x & ((1u << RG_SMP_SLOT_BITS) - 1)];
}

/* The best key of the orders of a list from `id` on; 0 for none. */
static int64_t _rg_smp_best_from(const struct rg_risk *r, uint32_t side, uint32_t id)
{
	int64_t best = 0;

	while (id != 0) {
		const struct rg_open_order *o = _rg_smp_order(r, id);
		int64_t key = rg_smp_key(side, o->price_e8);
		best = key > best ? key : best;
		id = o->smp_next;
	}
	return best;
}

void rg_smp_remove_pushed(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e)
{
	const struct rg_strategy_state *st = &r->strategies[strategy];
	uint32_t slot = (uint32_t)(e - st->orders.slots), book, side, *head;
	int64_t *best;

	if (!(e->flags & RG_OO_SMP) || r->smp.heads == NULL)
		return;
	book = rg_smp_book_of(r, st->account, e->symbol);
	side = e->side == RG_SIDE_BUY ? 0 : 1;
	head = &r->smp.heads[(size_t)book * 2 + side];
	if (*head != rg_smp_id(strategy, slot)) {
		rg_smp_remove(r, strategy, e);
		return;
	}
	*head = e->smp_next;
	/* The best is exact: below it, the order leaves it where it is (what
	 * the walk would find); at it, the others' best is walked for. */
	best = &r->positions[book].smp_best[side];
	if (rg_smp_key(side, e->price_e8) >= *best)
		*best = _rg_smp_best_from(r, side, *head);
	e->smp_next = 0;
	e->flags &= (uint8_t)~RG_OO_SMP;
}

void rg_smp_remove(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e)
{
	const struct rg_strategy_state *st = &r->strategies[strategy];
	uint32_t me, book, side, *link;
	int64_t best = 0;

	if (!(e->flags & RG_OO_SMP) || r->smp.heads == NULL)
		return;
	me = rg_smp_id(strategy, (uint32_t)(e - st->orders.slots));
	book = rg_smp_book_of(r, st->account, e->symbol);
	side = e->side == RG_SIDE_BUY ? 0 : 1;
	/* One walk: unlink it, and the best of the others. */
	for (link = &r->smp.heads[(size_t)book * 2 + side]; *link != 0;) {
		struct rg_open_order *o = _rg_smp_order(r, *link);
		if (*link == me) {
			*link = o->smp_next;
			continue;
		}
		int64_t key = rg_smp_key(side, o->price_e8);
		best = key > best ? key : best;
		link = &o->smp_next;
	}
	e->smp_next = 0;
	e->flags &= (uint8_t)~RG_OO_SMP;
	r->positions[book].smp_best[side] = best;
}

void rg_smp_reprice(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e, int64_t new_price_e8)
{
	const struct rg_strategy_state *st = &r->strategies[strategy];

	if (!(e->flags & RG_OO_SMP) || r->smp.heads == NULL) {
		e->price_e8 = new_price_e8;
		return;
	}
	rg_smp_remove(r, strategy, e);
	e->price_e8 = new_price_e8;
	rg_smp_add(r, rg_smp_book_of(r, st->account, e->symbol), strategy, (uint32_t)(e - st->orders.slots), e);
}

uint32_t rg_smp_crossing(const struct rg_risk *r, uint32_t account, uint32_t symbol, uint8_t side, bool market,
			 int64_t price_e8, uint64_t *seqs, uint32_t max)
{
	uint32_t book, found = 0, opposite = side == RG_SIDE_BUY ? 1 : 0;
	int64_t reach = rg_smp_key(opposite, price_e8); /* a resting order at or above this key is crossed */

	if (r->smp.heads == NULL || account >= r->n_accounts || symbol >= r->n_symbols)
		return 0;
	book = rg_smp_book_of(r, account, symbol);
	for (uint32_t i = r->smp.heads[(size_t)book * 2 + opposite]; i != 0;) {
		const struct rg_open_order *o = _rg_smp_order(r, i);
		/* a buy crosses sells at or below its price, a sell buys at or above */
		if (market || rg_smp_key(opposite, o->price_e8) >= reach) {
			if (found < max)
				seqs[found] = o->engine_seq;
			found++;
		}
		i = o->smp_next;
	}
	return found;
}

int rg_smp_init(struct rg_risk *r, const struct rg_config *cfg)
{
	bool any = false;

	for (uint32_t a = 0; a < cfg->n_accounts; a++) {
		const struct rg_account_cfg *ac = &cfg->accounts[a];
		uint32_t leader = a;
		/* the group's first account leads it */
		if (ac->self_match_group[0] != '\0')
			for (uint32_t b = 0; b < a; b++)
				if (strcmp(cfg->accounts[b].self_match_group, ac->self_match_group) == 0) {
					leader = b;
					break;
				}
		r->accounts[a].smp_leader = (uint16_t)leader;
		r->accounts[a].smp = ac->self_match == RG_SMP_OFF
					     ? 0
					     : (uint8_t)(ac->self_match | (a - leader) << RG_SMP_LEADER_SHIFT);
		any |= ac->self_match != RG_SMP_OFF;
	}
	if (!any)
		return 0;
	for (uint32_t s = 0; s < r->n_strategies; s++) {
		r->strategies[s].smp_id_base = rg_smp_id(s, 0);
		if (r->accounts[r->strategies[s].account].smp != 0)
			r->strategies[s].extra |= RG_SMP_ON;
	}
	r->smp.heads = calloc((size_t)r->n_symbols * r->n_accounts * 2, sizeof(uint32_t));
	if (r->smp.heads == NULL)
		return -ENOMEM;
	/* positions are 64-byte aligned: (line - positions) / 8 is the book's byte offset in heads */
	r->smp.heads_by_line = (uintptr_t)r->smp.heads - ((uintptr_t)r->positions >> 3);
	return 0;
}

void rg_smp_fini(struct rg_risk *r)
{
	free(r->smp.heads);
	memset(&r->smp, 0, sizeof(r->smp));
}
