/*
 * Self-match prevention: an order that would cross a resting order of its
 * own account, or of an account in the same self-match group, on the same
 * symbol is refused, or the resting orders are cancelled, or both
 * (accounts[].self_match, enum rg_smp_mode).
 *
 * The check is one compare: for every (group, symbol) the best resting buy
 * and sell prices sit in the group leader's position line (smp_bid_e8,
 * smp_ask_e8; 0 = none), the line the order reads anyway when the account
 * leads its group (an account alone leads itself).  They are kept exact as
 * orders rest and leave: each resting order of an account with self-match
 * on holds a node in a pool allocated with the risk state, linked into its
 * (group, symbol, side) list; the book of each (group, symbol) counts the
 * orders at the best price of each side.  Adding is O(1) (a better or equal
 * price moves the best or counts one more at it); removing is O(1) unless
 * the last order at the best price leaves, when that side's list (the
 * group's resting orders on that side of that symbol, nothing else) is
 * walked for the new best.  Orders that cannot rest (market, IOC, FOK) get
 * no node.  Orders waiting for their ack count as resting: they may rest.
 *
 * Engine thread only; no allocation after rg_risk_create.
 */
#ifndef RG_SELF_MATCH_H
#define RG_SELF_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "risk_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* rg_account_state.smp: the mode (enum rg_smp_mode) and whether the account
 * is in a group it does not lead (its books are on the leader's lines). */
#define RG_SMP_MODE_MASK 0x03u
#define RG_SMP_GROUPED 0x80u

/*
 * A resting order of an account with self-match on: node index in
 * rg_open_order.smp_node.  Refused orders never get one.  Commit (checks.c)
 * and crash recovery call it; an order that cannot rest is left out.
 */
static inline void rg_smp_add(struct rg_risk *r, uint32_t book, uint16_t strategy, struct rg_open_order *e)
{
	struct rg_smp *m = &r->smp;
	uint32_t i = m->free_head, side = e->side == RG_SIDE_BUY ? 0 : 1;
	struct rg_smp_node *n;
	struct rg_smp_book *b = &m->books[book];
	struct rg_position *p = &r->positions[book];
	int64_t *best = side == 0 ? &p->smp_bid_e8 : &p->smp_ask_e8;
	bool better;

	if (i == 0) /* cannot happen: the pool holds every order the tables can */
		return;
	n = &m->nodes[i];
	m->free_head = n->next;
	n->price_e8 = e->price_e8;
	n->engine_seq = e->engine_seq;
	n->book = book;
	n->strategy = strategy;
	n->side = (uint8_t)side;
	n->prev = 0;
	n->next = b->head[side];
	if (n->next != 0)
		m->nodes[n->next].prev = i;
	b->head[side] = i;
	e->smp_node = i;
	better = *best == 0 || (side == 0 ? e->price_e8 > *best : e->price_e8 < *best);
	if (better) {
		*best = e->price_e8;
		b->at_best[side] = 1;
	} else if (e->price_e8 == *best) {
		b->at_best[side]++;
	}
}

/* The book index of an account's orders on a symbol: its group leader's
 * position, the same index as rg_risk_position. */
static inline uint32_t rg_smp_book_of(const struct rg_risk *r, uint32_t account, uint32_t symbol)
{
	return symbol * r->n_accounts + r->accounts[account].smp_leader;
}

/* A resting order leaves (done, cancelled, rejected, replaced away): its
 * node goes back to the pool and the best prices stay exact.  No-op for an
 * order without a node. */
void rg_smp_remove(struct rg_risk *r, struct rg_open_order *e);

/* A resting order's price changes in place (a replace that keeps the
 * order's entry): it moves in its list and the best prices follow. */
void rg_smp_reprice(struct rg_risk *r, struct rg_open_order *e, int64_t new_price_e8);

/*
 * The resting orders an order of `account` on `symbol` (side, limit price or
 * market) would cross: their engine sequences into seqs (at most max), and
 * how many there are in all.  Cold: for the cancel modes.
 */
uint32_t rg_smp_crossing(const struct rg_risk *r, uint32_t account, uint32_t symbol, uint8_t side, bool market,
			 int64_t price_e8, uint64_t *seqs, uint32_t max);

/* Cold, at create: the leaders, the books and the node pool (sized for
 * every live order the strategies of accounts with self-match on can hold).
 * 0 or -ENOMEM. */
int rg_smp_init(struct rg_risk *r, const struct rg_config *cfg);

/* Frees what rg_smp_init allocated. */
void rg_smp_fini(struct rg_risk *r);

#ifdef __cplusplus
}
#endif

#endif /* RG_SELF_MATCH_H */
