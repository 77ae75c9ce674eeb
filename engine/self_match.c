/*
 * Self-match prevention (self_match.h): the node pool and the group books
 * built at create, and the cold half of keeping the best resting prices
 * exact: an order leaving, an order repriced, and the list of resting orders
 * an order would cross (for the cancel modes).
 */
#include "self_match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An order at a side's best key left: walk the side's list for the best. */
static void _rg_smp_rescan(struct rg_risk *r, uint32_t book, uint32_t side)
{
	int64_t best = 0;

	for (uint32_t i = r->smp.heads[(size_t)book * 2 + side]; i != 0; i = r->smp.nodes[i].next)
		best = r->smp.nodes[i].key > best ? r->smp.nodes[i].key : best;
	r->positions[book].smp_best[side] = best;
}

void rg_smp_remove(struct rg_risk *r, uint32_t account, struct rg_open_order *e)
{
	uint32_t i = e->smp_node, book, side;
	struct rg_smp_node *n;

	if (i == 0 || r->smp.nodes == NULL)
		return;
	n = &r->smp.nodes[i];
	book = rg_smp_book_of(r, account, e->symbol);
	side = e->side == RG_SIDE_BUY ? 0 : 1;
	if (n->prev != 0)
		r->smp.nodes[n->prev].next = n->next;
	else
		r->smp.heads[(size_t)book * 2 + side] = n->next;
	if (n->next != 0)
		r->smp.nodes[n->next].prev = n->prev;
	n->next = r->smp.free_head;
	r->smp.free_head = i;
	e->smp_node = 0;
	if (n->key == r->positions[book].smp_best[side])
		_rg_smp_rescan(r, book, side);
}

void rg_smp_reprice(struct rg_risk *r, uint32_t account, struct rg_open_order *e, int64_t new_price_e8)
{
	if (e->smp_node == 0 || r->smp.nodes == NULL) {
		e->price_e8 = new_price_e8;
		return;
	}
	rg_smp_remove(r, account, e);
	e->price_e8 = new_price_e8;
	rg_smp_add(r, rg_smp_book_of(r, account, e->symbol), e);
}

uint32_t rg_smp_crossing(const struct rg_risk *r, uint32_t account, uint32_t symbol, uint8_t side, bool market,
			 int64_t price_e8, uint64_t *seqs, uint32_t max)
{
	uint32_t book, found = 0, opposite = side == RG_SIDE_BUY ? 1 : 0;
	int64_t reach = rg_smp_key(opposite, price_e8); /* a resting order at or above this key is crossed */

	if (r->smp.nodes == NULL || account >= r->n_accounts || symbol >= r->n_symbols)
		return 0;
	book = rg_smp_book_of(r, account, symbol);
	for (uint32_t i = r->smp.heads[(size_t)book * 2 + opposite]; i != 0; i = r->smp.nodes[i].next) {
		/* a buy crosses sells at or below its price, a sell buys at or above */
		if (market || r->smp.nodes[i].key >= reach) {
			if (found < max)
				seqs[found] = r->smp.nodes[i].engine_seq;
			found++;
		}
	}
	return found;
}

int rg_smp_init(struct rg_risk *r, const struct rg_config *cfg)
{
	uint64_t cap = 0;
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
	for (uint32_t s = 0; s < r->n_strategies; s++)
		if (r->accounts[r->strategies[s].account].smp != 0)
			r->strategies[s].extra |= RG_SMP_ON;
	for (uint32_t s = 0; s < r->n_strategies; s++)
		if (r->accounts[r->strategies[s].account].smp != RG_SMP_OFF)
			cap += (r->strategies[s].orders.mask + 1) / 2; /* what the table ever holds */
	r->smp.cap = (uint32_t)cap;
	r->smp.nodes = calloc(cap + 1, sizeof(struct rg_smp_node));
	r->smp.heads = calloc((size_t)r->n_symbols * r->n_accounts * 2, sizeof(uint32_t));
	if (r->smp.nodes == NULL || r->smp.heads == NULL)
		return -ENOMEM;
	for (uint32_t i = 1; i <= cap; i++)
		r->smp.nodes[i].next = i < cap ? i + 1 : 0;
	r->smp.free_head = cap > 0 ? 1 : 0;
	return 0;
}

void rg_smp_fini(struct rg_risk *r)
{
	free(r->smp.nodes);
	free(r->smp.heads);
	memset(&r->smp, 0, sizeof(r->smp));
}
