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

static int64_t *_rg_smp_best(struct rg_risk *r, uint32_t book, uint8_t side)
{
	struct rg_position *p = &r->positions[book];

	return side == 0 ? &p->smp_bid_e8 : &p->smp_ask_e8;
}

/* The last order at a side's best price left: walk the side's list. */
static void _rg_smp_rescan(struct rg_risk *r, uint32_t book, uint8_t side)
{
	struct rg_smp_book *b = &r->smp.books[book];
	int64_t best = 0;
	uint32_t at = 0;

	for (uint32_t i = b->head[side]; i != 0; i = r->smp.nodes[i].next) {
		int64_t p = r->smp.nodes[i].price_e8;
		if (best == 0 || (side == 0 ? p > best : p < best)) {
			best = p;
			at = 1;
		} else if (p == best) {
			at++;
		}
	}
	*_rg_smp_best(r, book, side) = best;
	b->at_best[side] = at;
}

static void _rg_smp_unlink(struct rg_risk *r, uint32_t i)
{
	struct rg_smp_node *n = &r->smp.nodes[i];
	struct rg_smp_book *b = &r->smp.books[n->book];
	int64_t *best = _rg_smp_best(r, n->book, n->side);

	if (n->prev != 0)
		r->smp.nodes[n->prev].next = n->next;
	else
		b->head[n->side] = n->next;
	if (n->next != 0)
		r->smp.nodes[n->next].prev = n->prev;
	if (n->price_e8 == *best && --b->at_best[n->side] == 0)
		_rg_smp_rescan(r, n->book, n->side);
}

void rg_smp_remove(struct rg_risk *r, struct rg_open_order *e)
{
	uint32_t i = e->smp_node;

	if (i == 0 || r->smp.nodes == NULL)
		return;
	_rg_smp_unlink(r, i);
	r->smp.nodes[i].next = r->smp.free_head;
	r->smp.free_head = i;
	e->smp_node = 0;
}

void rg_smp_reprice(struct rg_risk *r, struct rg_open_order *e, int64_t new_price_e8)
{
	uint32_t i = e->smp_node, book;
	uint16_t strategy;

	if (i == 0 || r->smp.nodes == NULL) {
		e->price_e8 = new_price_e8;
		return;
	}
	book = r->smp.nodes[i].book;
	strategy = r->smp.nodes[i].strategy;
	rg_smp_remove(r, e);
	e->price_e8 = new_price_e8;
	rg_smp_add(r, book, strategy, e);
}

uint32_t rg_smp_crossing(const struct rg_risk *r, uint32_t account, uint32_t symbol, uint8_t side, bool market,
			 int64_t price_e8, uint64_t *seqs, uint32_t max)
{
	uint32_t book, found = 0;
	uint8_t opposite = side == RG_SIDE_BUY ? 1 : 0;

	if (r->smp.nodes == NULL || account >= r->n_accounts || symbol >= r->n_symbols)
		return 0;
	book = rg_smp_book_of(r, account, symbol);
	for (uint32_t i = r->smp.books[book].head[opposite]; i != 0; i = r->smp.nodes[i].next) {
		int64_t p = r->smp.nodes[i].price_e8;
		/* a buy crosses sells at or below its price, a sell buys at or above */
		if (market || (side == RG_SIDE_BUY ? p <= price_e8 : p >= price_e8)) {
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
		r->accounts[a].smp = (uint8_t)(ac->self_match | (ac->self_match != RG_SMP_OFF && leader != a ? RG_SMP_GROUPED : 0));
		any |= ac->self_match != RG_SMP_OFF;
	}
	if (!any)
		return 0;
	for (uint32_t s = 0; s < r->n_strategies; s++)
		if (r->accounts[r->strategies[s].account].smp != RG_SMP_OFF)
			cap += (r->strategies[s].orders.mask + 1) / 2; /* what the table ever holds */
	r->smp.cap = (uint32_t)cap;
	r->smp.nodes = calloc(cap + 1, sizeof(struct rg_smp_node));
	r->smp.books = calloc((size_t)r->n_symbols * r->n_accounts, sizeof(struct rg_smp_book));
	if (r->smp.nodes == NULL || r->smp.books == NULL)
		return -ENOMEM;
	for (uint32_t i = 1; i <= cap; i++)
		r->smp.nodes[i].next = i < cap ? i + 1 : 0;
	r->smp.free_head = cap > 0 ? 1 : 0;
	return 0;
}

void rg_smp_fini(struct rg_risk *r)
{
	free(r->smp.nodes);
	free(r->smp.books);
	memset(&r->smp, 0, sizeof(r->smp));
}
