/*
 * Self-match prevention: an order that would cross a resting order of its
 * own account, or of an account in the same self-match group, on the same
 * symbol is refused, or the resting orders are cancelled, or both
 * (accounts[].self_match, enum rg_smp_mode).
 *
 * The check is one compare: for every (group, symbol) the best resting buy
 * and sell prices sit in the group leader's position line (smp_best, as keys
 * that make "reaches the best" one signed compare for both sides; 0 = none),
 * the line the order reads anyway when the account leads its group (an
 * account alone leads itself).  They are kept exact as
 * orders rest and leave: each resting order of an account with self-match
 * on holds a node in a pool allocated with the risk state, linked at the
 * head of its (group, symbol, side) list.  Adding is O(1): a push and a
 * max.  Removing is O(1) unless the order was at the best price, when that
 * side's list (the group's resting orders on that side of that symbol,
 * nothing else) is walked for the new best, on the event path.  Orders that cannot rest (market, IOC, FOK) get
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

/* rg_account_state.smp: the mode (enum rg_smp_mode) in the low two bits,
 * the distance back to the account's group leader above them (accounts of
 * one group share the books in the leader's position lines, and the
 * leader's line for a symbol is the account's own minus that distance). */
#define RG_SMP_MODE_MASK 0x03u
#define RG_SMP_ON 0x08u /* rg_strategy_state.extra: its account has self-match on */
#define RG_SMP_LEADER_SHIFT 2

/* A price as a best key of resting side `side` (0 buy, 1 sell): the best
 * resting order of a side has the highest key, so one compare says whether
 * an order of the other side reaches it. */
static inline int64_t rg_smp_key(uint32_t side, int64_t price_e8)
{
	return side == 0 ? price_e8 : INT64_MAX - price_e8;
}

/* The group's best resting buy and sell prices in a leader's line; 0 = none. */
static inline int64_t rg_smp_best_bid(const struct rg_position *p)
{
	return p->smp_best[0];
}

static inline int64_t rg_smp_best_ask(const struct rg_position *p)
{
	return p->smp_best[1] != 0 ? INT64_MAX - p->smp_best[1] : 0;
}

/*
 * A resting order of an account with self-match on joins the list of its
 * side in book `book` (its group leader's position index for the symbol):
 * node index in rg_open_order.smp_node.  Refused orders never get one.
 * Commit (checks.c) and crash recovery call it; an order that cannot rest is
 * left out by the caller.  rg_smp_add_at is the same with what the commit
 * has at hand: the leader's line, the order's side (0 buy) and its key.
 */
static inline void rg_smp_add_at(struct rg_smp *m, uint32_t book, struct rg_position *leader, uint32_t side,
				 int64_t key, struct rg_open_order *e)
{
	struct rg_smp_node *nodes = m->nodes;
	uint32_t i = m->free_head, old;
	struct rg_smp_node *n = &nodes[i];
	uint32_t *head = &m->heads[(size_t)book * 2 + side];
	int64_t *best = &leader->smp_best[side];

	old = *head;
	m->free_head = n->next; /* never empty: the pool holds every order the tables can */
	n->key = key;
	n->engine_seq = e->engine_seq;
	n->prev = 0;
	n->next = old;
	nodes[old].prev = i; /* node 0 takes the write when the list was empty */
	*head = i;
	e->smp_node = i;
	*best = key > *best ? key : *best;
}

static inline void rg_smp_add(struct rg_risk *r, uint32_t book, struct rg_open_order *e)
{
	uint32_t side = e->side == RG_SIDE_BUY ? 0 : 1;

	rg_smp_add_at(&r->smp, book, &r->positions[book], side, rg_smp_key(side, e->price_e8), e);
}

/* The book index of an account's orders on a symbol: its group leader's
 * position, the same index as rg_risk_position. */
static inline uint32_t rg_smp_book_of(const struct rg_risk *r, uint32_t account, uint32_t symbol)
{
	return symbol * r->n_accounts + account - (r->accounts[account].smp >> RG_SMP_LEADER_SHIFT);
}

/* A resting order of `account` leaves (done, cancelled, rejected, replaced
 * away): its node goes back to the pool and the best prices stay exact.
 * No-op for an order without a node. */
void rg_smp_remove(struct rg_risk *r, uint32_t account, struct rg_open_order *e);

/* A resting order's price changes in place (a replace that keeps the
 * order's entry): it moves in its list and the best prices follow. */
void rg_smp_reprice(struct rg_risk *r, uint32_t account, struct rg_open_order *e, int64_t new_price_e8);

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
