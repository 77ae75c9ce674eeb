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
 * account alone leads itself).  They are kept exact as orders rest and
 * leave.  Each resting order of an account with self-match on (RG_OO_SMP) is
 * linked at the head of its (group, symbol, side) list through its own
 * open-order slot (smp_next: an order id, rg_smp_id, naming the strategy and
 * the slot), so adding one is O(1) and touches only the list's head and the
 * best: a push and a max.  The list is singly linked: an order leaving walks
 * its side's list (the group's resting orders on that side of that symbol,
 * nothing else) to unlink itself and, when it was at the best price, to find
 * the new best in the same walk, on the event path.  Orders that cannot rest
 * (market, IOC, FOK) are not in a book.  Orders waiting for their ack count
 * as resting: they may rest.
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

/* An order's id in a book list: its strategy and slot, + 1 (0 = none). */
#define RG_SMP_SLOT_BITS 26
static_assert(RG_MAX_STRATEGIES <= (1u << (32 - RG_SMP_SLOT_BITS)), "a strategy index fits an id's top bits");
static_assert(2ull * RG_MAX_OPEN_ORDERS_LIMIT <= (1ull << RG_SMP_SLOT_BITS) - 1, "a slot fits an id's low bits");

static inline uint32_t rg_smp_id(uint32_t strategy, uint32_t slot)
{
	return (strategy << RG_SMP_SLOT_BITS | slot) + 1;
}

/*
 * A resting order of an account with self-match on joins its book side's
 * list: pushed at `head` with its id (rg_smp_id), and its key (rg_smp_key)
 * raises the side's `best` if higher.  Refused orders never join; an order
 * that cannot rest is left out by the caller.  The checks push an approved
 * order where its check passed (checks.c, _rg_self_match_join); crash
 * recovery through rg_smp_add.
 */
static inline void rg_smp_push(uint32_t *head, int64_t *best, int64_t key, uint32_t id, struct rg_open_order *e)
{
	e->smp_next = *head;
	e->flags |= RG_OO_SMP;
	*head = id;
	*best = key > *best ? key : *best;
}

/* The same from the order alone: e is slot `slot` of `strategy`, in book
 * `book` (its group leader's position index for the symbol). */
static inline void rg_smp_add(struct rg_risk *r, uint32_t book, uint32_t strategy, uint32_t slot,
			      struct rg_open_order *e)
{
	uint32_t side = e->side == RG_SIDE_BUY ? 0 : 1;

	rg_smp_push(&r->smp.heads[(size_t)book * 2 + side], &r->positions[book].smp_best[side],
		    rg_smp_key(side, e->price_e8), rg_smp_id(strategy, slot), e);
}

/* A book's two heads (buy, sell) from its leader's position line: a shift
 * and an add (a line is 64 bytes, a book's heads 8). */
static inline uint32_t *rg_smp_heads_of(const struct rg_smp *m, const struct rg_position *leader)
{
	static_assert(sizeof(struct rg_position) == 8 * 2 * sizeof(uint32_t), "a line is 8 times a book's heads");
	return (uint32_t *)(m->heads_by_line + ((uintptr_t)leader >> 3));
}

/* The book index of an account's orders on a symbol: its group leader's
 * position, the same index as rg_risk_position. */
static inline uint32_t rg_smp_book_of(const struct rg_risk *r, uint32_t account, uint32_t symbol)
{
	return symbol * r->n_accounts + account - (r->accounts[account].smp >> RG_SMP_LEADER_SHIFT);
}

/* A resting order of strategy `strategy` leaves (done, cancelled, rejected,
 * replaced away): it leaves its list and the best prices stay exact.  No-op
 * for an order not in a book. */
void rg_smp_remove(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e);

/* The same for an order that joined its book just now (a dry-run venue's
 * release): taken off its list's head, and its side's best walked for only
 * when the order held it.  Not at the head any more: rg_smp_remove. */
void rg_smp_remove_pushed(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e);

/* A resting order's price changes in place (a replace that keeps the
 * order's entry): it moves in its list and the best prices follow. */
void rg_smp_reprice(struct rg_risk *r, uint32_t strategy, struct rg_open_order *e, int64_t new_price_e8);

/*
 * The resting orders an order of `account` on `symbol` (side, limit price or
 * market) would cross: their engine sequences into seqs (at most max), and
 * how many there are in all.  Cold: for the cancel modes.
 */
uint32_t rg_smp_crossing(const struct rg_risk *r, uint32_t account, uint32_t symbol, uint8_t side, bool market,
			 int64_t price_e8, uint64_t *seqs, uint32_t max);

/* Cold, at create: the leaders and the books' heads.  0 or -ENOMEM. */
int rg_smp_init(struct rg_risk *r, const struct rg_config *cfg);

/* Frees what rg_smp_init allocated. */
void rg_smp_fini(struct rg_risk *r);

#ifdef __cplusplus
}
#endif

#endif /* RG_SELF_MATCH_H */
