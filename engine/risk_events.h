/*
 * What changes the risk state besides an approved order: venue events (ack,
 * fill, cancel confirmation, venue reject, venue failure), market data (the
 * reference price), the trading-day boundary and operator controls.
 *
 * Every function runs on the engine thread, never allocates, never blocks and
 * takes CLOCK_MONOTONIC now_ns from the caller.  Orders are named as the
 * engine knows them: strategy index + client order id.  A function that
 * names an order returns false, changing nothing, when that order is not live
 * (a late or duplicate venue event); the caller decides whether to log.
 *
 * Arithmetic faults.  A fill or mark whose PnL or position arithmetic would
 * overflow an int64 cannot be valued; the account is moved to HALTED
 * (operator state) and its arith_faults counter incremented: fail closed.
 */
#ifndef RG_RISK_EVENTS_H
#define RG_RISK_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "risk_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- venue events --------------------------------------------------------- */

/*
 * The venue acknowledged the order.  Counts as a venue success for the
 * breaker.  For a replacement, the ack completes the replace: the target is
 * removed and its reservation released.
 */
bool rg_risk_on_ack(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns);

/*
 * A fill of qty_e8 (> 0) at price_e8 (> 0), the venue saying leaves_e8 remain.
 * Updates the account's position (average cost, realized PnL), releases the
 * filled part of the reservation (the new leaves are min(leaves_e8, old
 * leaves - qty), never more than were reserved; at 0 the order is done),
 * marks the position, re-evaluates daily loss and drawdown, feeds the
 * strategy's execution throttle (which may latch) and counts as a venue
 * success.  A fill of a replacement completes its replace like an ack.
 * Returns false for an unknown order or a non-positive qty/price.
 */
bool rg_risk_on_fill(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, int64_t qty_e8,
		     int64_t price_e8, int64_t leaves_e8, uint64_t now_ns);

/* The order is done without further fills (cancel confirmed, IOC remainder,
 * expiry): removes it and releases its reservation. */
bool rg_risk_on_cancelled(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns);

/*
 * An approved new order of the strategy never left riskgate (its venue
 * path refused it: VENUE_THROTTLED, VENUE_QUEUE_FULL): its place in the
 * account's daily order count (max_orders_per_day counts orders sent to
 * venues) is given back.  Call after the approval, in the same pass.
 */
void rg_risk_order_never_sent(struct rg_risk *r, uint32_t strategy);

/*
 * The venue refused the order (or the replacement): removes it, releases its
 * reservation and counts a failure on its venue's breaker.  A refused
 * replacement leaves its target live.  Not for a refused cancel request: the
 * order stays live; report that, if at all, with rg_risk_on_venue_failure.
 */
bool rg_risk_on_venue_reject(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns);

/*
 * The venue replaced the order: the replacement client_order_id (approved by
 * rg_risk_check_order, live beside its target since) takes its target's place.
 * The target is removed with its reservation and the replacement's leaves
 * become min(leaves_e8, its reserved leaves) (at 0 the order is done).  Counts as a venue success.  False when
 * the replacement is not live.
 */
bool rg_risk_on_replaced(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, int64_t leaves_e8,
			 uint64_t now_ns);

/*
 * The venue refused the replace client_order_id (or the order ended before
 * it): the replacement is removed with its reservation; its target, when
 * still live, is no longer replace-pending (*target_live says whether it is).
 * Not a venue failure for the breaker.  False when no such replacement.
 */
bool rg_risk_on_replace_rejected(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, bool *target_live,
				 uint64_t now_ns);

/*
 * A replace whose answer is lost (the engine restarted before the venue
 * answered, and the venue said nothing after): which order stands at the
 * venue is unknown.  The target, when still live, takes the larger of the two
 * open quantities and of the two reserved notionals (what either could hold)
 * and is no longer replace-pending; the replacement is removed with its
 * reservation.  *target_live as above; false when no such replacement.
 * Cold path (recovery).
 */
bool rg_risk_on_replace_unknown(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, bool *target_live,
				uint64_t now_ns);

/* A venue failure not tied to an order (lost session, send error) / a
 * success (heartbeat answered).  Return true when the breaker changed state. */
bool rg_risk_on_venue_failure(struct rg_risk *r, uint32_t venue, uint64_t now_ns);
bool rg_risk_on_venue_success(struct rg_risk *r, uint32_t venue, uint64_t now_ns);

/* The venue refuses this client (a ban, credentials refused): a failure that
 * opens the venue's breaker at once, whatever its counts.  True when the
 * breaker was not open before. */
bool rg_risk_on_venue_ban(struct rg_risk *r, uint32_t venue, uint64_t now_ns);

/* ---- market data ---------------------------------------------------------- */

/*
 * Sets the symbol's reference price (> 0; 0 clears it: orders then get
 * NO_REFERENCE_PRICE) as of now_ns, recomputes the collar, marks every
 * account's position in the symbol and re-evaluates their daily loss and
 * drawdown.  Cost: one line per account.  Returns false for a bad symbol or
 * a negative price.
 */
bool rg_risk_set_reference(struct rg_risk *r, uint32_t symbol, int64_t price_e8, uint64_t now_ns);

/* ---- trading day ---------------------------------------------------------- */

/*
 * Resynchronises the trading-day clock with CLOCK_REALTIME and rolls the day
 * when now_realtime_ns is past the boundary (day_start_utc_s after 00:00
 * UTC).  A roll resets every account's daily counters: orders today, realized
 * PnL today, the loss/drawdown latch; start-of-day equity becomes the
 * equity at the roll (start-of-day equity + the day's PnL), the equity peak
 * restarts there and the equity-derived limits are recomputed.  Positions,
 * open orders, rate limiters, breakers, trading states and the execution
 * throttle latch carry over.  Returns true when it rolled.
 *
 * The order path also rolls by itself: rg_risk_create and this function
 * leave the CLOCK_MONOTONIC instant of the next boundary, and the first call
 * at or after it rolls.  Calling this now and then (say each second) keeps
 * that estimate honest if the realtime clock is stepped.
 */
bool rg_risk_roll_day(struct rg_risk *r, uint64_t now_ns, uint64_t now_realtime_ns);

/* Internal: the order path's roll at the monotonic estimate (cold). */
void _rg_risk_roll_due(struct rg_risk *r, uint64_t now_ns);

/* ---- operator controls ----------------------------------------------------- */

/* Kill switch: while on, every new order and replace is refused with
 * KILL_SWITCH; cancels pass. */
void rg_risk_set_kill(struct rg_risk *r, bool on);

/* What a kill covers: the instance, or one account, strategy, symbol or venue
 * by index (a venue's kill covers every symbol routed to it).  The kinds have
 * the numbers of the kill segment's scopes (engine/control/kill_abi.h). */
enum rg_risk_scope_kind {
	RG_RSCOPE_INSTANCE = 1,
	RG_RSCOPE_ACCOUNT = 2,
	RG_RSCOPE_STRATEGY = 3,
	RG_RSCOPE_SYMBOL = 4,
	RG_RSCOPE_VENUE = 5,
};

struct rg_risk_scope {
	uint8_t kind;   /* enum rg_risk_scope_kind */
	uint32_t index; /* ignored for the instance */
};

/*
 * Makes the kills in force exactly kills[0..n): clears every kill flag
 * (instance, accounts, strategies, symbols, venues), then sets those the list
 * names.  An order any of them covers is refused KILL_SWITCH (the decision's
 * value names the scope kind, the most global first); cancels pass.  Returns
 * how many entries were ignored (unknown kind or index out of range).  Cold:
 * one walk over every account, strategy, symbol and venue.
 */
uint32_t rg_risk_set_kills(struct rg_risk *r, const struct rg_risk_scope *kills, uint32_t n);

/* Trading state of the instance / an account / a strategy / a symbol
 * (enum rg_trading_state).  Return false for a bad index or state. */
bool rg_risk_set_instance_state(struct rg_risk *r, uint8_t state);
bool rg_risk_set_account_state(struct rg_risk *r, uint32_t account, uint8_t state);
bool rg_risk_set_strategy_state(struct rg_risk *r, uint32_t strategy, uint8_t state);
bool rg_risk_set_symbol_state(struct rg_risk *r, uint32_t symbol, uint8_t state);

/* Clears a latched execution throttle and forgets the fills that tripped it. */
bool rg_risk_resume_strategy(struct rg_risk *r, uint32_t strategy);

/* Closes a venue's breaker and forgets its failures. */
bool rg_risk_reset_breaker(struct rg_risk *r, uint32_t venue);

/* Clears an account's loss/drawdown latch and restarts its equity peak at the
 * current equity; the next mark re-evaluates from there. */
bool rg_risk_reset_loss(struct rg_risk *r, uint32_t account);

#ifdef __cplusplus
}
#endif

#endif /* RG_RISK_EVENTS_H */
