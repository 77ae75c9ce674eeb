/*
 * The pre-trade checks: one call decides one order message against the risk
 * state and, when it approves, applies what the order commits (its
 * reservation, its rate tokens, its counters).  Hot path: no allocation, no
 * system call, no lock, no logging, no floating point; the caller passes the
 * time in.
 *
 * Order of evaluation, cheapest and most global first; the first failure
 * decides (reasons are enum rg_reject_reason in <riskgate/msg.h>):
 *   1. kill switch of the instance, the account, the strategy, the symbol or
 *      the symbol's venue (KILL_SWITCH, value = the scope kind of
 *      rg_risk_scope_kind, the most global first); trading state of instance,
 *      account, strategy, symbol (HALTED refuses, REDUCING admits only a
 *      reducing order)
 *   2a. message structure: reserved bytes, id, kind, side, type, tif,
 *      quantity > 0, price sign; the client order id not live; a replace's
 *      target live and of the same symbol and side
 *   3. symbol known, enabled, permitted for the account
 *   2b. symbol structure: market allowed, lot multiple, tick multiple,
 *      quantity and price ranges.  (These need a known symbol, so the
 *      whitelist runs between the two halves of the structural check.)
 *   4. size: max order quantity; min/max notional of symbol and account;
 *      ARITH_OVERFLOW when the notional does not fit an int64
 *   5. reference price present and fresh (required for every new order and
 *      replace, with or without a collar: exposure is valued at it), and the
 *      limit price inside the collar
 *   6. exposure: position qty and notional, position / equity, account
 *      gross / equity, global gross; skipped by a reducing order
 *   7. daily loss / drawdown latch of the account (REDUCING or HALTED)
 *   8. order rate, orders per day, message rate, execution throttle latch,
 *      open-order capacity (MAX_OPEN_ORDERS)
 *   9. circuit breaker of the symbol's venue
 *   10. duplicate-order guard
 *   11. the optional limits, only for a strategy whose flags byte
 *      (rg_strategy_state.extra) says one applies, in this order:
 *      a. venue credit: the account's open + filled notional at the venue
 *         with the order over its cap (VENUE_CREDIT, limit = cap, value =
 *         the notional with the order)
 *      b. order-to-trade ratio of the strategy, then of the account
 *         (ORDER_TO_TRADE, limit = messages allowed, value = with this one;
 *         action "reducing" lets a reducing order go)
 *      c. self-match (accounts[].self_match on): a limit buy at or above the
 *         best resting sell of its account's self-match group on the symbol
 *         (a sell at or below the best resting buy; a market order against
 *         any) is refused SELF_MATCH (limit = the resting price, value = the
 *         order's; reject_new, cancel_both) and/or marks the decision
 *         smp_cancel (cancel_resting, cancel_both: the engine cancels the
 *         resting orders it would cross)
 *   Trading hours are not an area: outside its schedule a symbol's kill byte
 *   carries RG_SYM_CLOSED and area 1 refuses MARKET_CLOSED (after a kill).
 * A cancel only passes 2a (reserved bytes, its target live) and the message
 * rate: cancels pass every trading state, the kill switch, an open breaker and
 * a closed market; they count toward an order-to-trade ratio, never refused.
 *
 * "Reducing": a buy of q reduces when position + open buys + q <= 0, a sell
 * when position - open sells - q >= 0 (the account's position in the symbol,
 * open orders of every strategy of the account, a replace's target excluded).
 * So an order reduces only if, together with every order already working on
 * its side, it moves the position toward zero without crossing it.  This is
 * conservative: it assumes every open order on the side fills.
 *
 * Valuation: notional = ceil(qty * price / 10^8); a market order is valued at
 * the reference plus the collar band (the reference when there is no collar),
 * on either side.  Position exposure of a side is |position + open orders on
 * the side + this order| in quantity, valued at the reference price.  Gross
 * exposure of an account is the sum over symbols of |position| at its mark
 * plus the reserved notional of every live order.
 *
 * Replace: qty_e8 is the replacement's open quantity; its client_order_id
 * must be a new id.  The checks see the state as it will be once the replace
 * completes (the target's leaves and reservation swapped for the new ones),
 * but until the venue acks it both the target and the replacement stay
 * reserved (conservative).  See risk_events.h for the ack.
 */
#ifndef RG_CHECKS_H
#define RG_CHECKS_H

#include <stdint.h>

#include <riskgate/msg.h>

#include "risk_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one decision. */
struct rg_decision {
	uint16_t reason;     /* enum rg_reject_reason; RG_REJ_NONE when approved */
	uint16_t venue;      /* venue the order goes to (approved new/replace/cancel), else 0 */
	uint32_t symbol;     /* symbol index of the order (a cancel: of its target) */
	uint64_t engine_seq; /* approved new/replace: its new engine sequence; approved cancel: the target's */
	int64_t limit;       /* rejected: the limit that tripped, in the check's unit; else 0 */
	int64_t value;       /* rejected: the value that tripped it; else 0 */
	bool probe;          /* approved as the half-open breaker's probe */
	bool first_cancel;   /* approved cancel: its target had no cancel pending before this one */
	bool smp_cancel;     /* self-match: cancel the resting orders it would cross (rg_smp_crossing), approved
			      * (cancel_resting) or refused SELF_MATCH (cancel_both) */
	uint32_t oo_slot;    /* approved new/replace: its open-order slot and index entry, for */
	uint32_t oo_entry;   /* rg_risk_release_committed (valid until the strategy's table next changes) */
};

/*
 * Decides order message `o` from strategy index `strategy` (the session it
 * arrived on; never a field of the message) at CLOCK_MONOTONIC now_ns.
 * Returns the reason (RG_REJ_NONE = approved) and fills *out.  On approval it
 * has already inserted the open order, reserved its exposure, taken its rate
 * tokens and counted it; a rejection changes nothing except that a due
 * trading-day roll happens first.  Engine thread only; O(1), wait-free.
 */
enum rg_reject_reason rg_risk_check_order(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					  uint64_t now_ns, struct rg_decision *out);

/*
 * rg_risk_check_order's pipeline for a new limit order, read only: every
 * area runs against `o` and reads the lines a real check of it would read
 * (the open-order index line of its id, the symbol, the position, the
 * account, the rates, the duplicate-guard set, ...), but no slot is taken
 * and nothing is committed or written, and a due trading-day roll is left to
 * the next real order.  Returns what the checks found (RG_REJ_MALFORMED for
 * anything but a new limit order, or when a roll is due: nothing ran), a
 * hint only: it never takes a free slot, so a full open-order table passes.
 * It runs the same instructions as rg_risk_check_order's fast path (one body
 * with a `dry` flag), so it warms that code and its branches too.
 * For the engine's path warmer (engine/daemon/path_warmer.h), which runs it
 * on a canned order while idle so that the next real order finds its lines
 * in cache.  Engine thread only.
 */
enum rg_reject_reason rg_risk_check_order_dry(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					      uint64_t now_ns);

/*
 * rg_risk_check_order without its fast path for new limit orders (the areas
 * one by one, as for a replace): the same decision and the same effects, for
 * the test that holds the two against each other.  Not for the engine.
 */
enum rg_reject_reason rg_risk_check_order_stepwise(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
						   uint64_t now_ns, struct rg_decision *out);

/*
 * One check area alone, for the benchmarks and tests: runs the checks of
 * `area` (1..11 as numbered above; 2 means both structural halves) against
 * `o` without committing anything.  The areas an order needs before it
 * (e.g. a known symbol for area 4) are assumed to pass; an order that breaks
 * that assumption gets RG_REJ_MALFORMED.
 */
enum rg_reject_reason rg_risk_check_area(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					 uint64_t now_ns, unsigned area, struct rg_decision *out);

#ifdef __cplusplus
}
#endif

#endif /* RG_CHECKS_H */
