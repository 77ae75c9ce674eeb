/*
 * The dead-man watch: each strategy with "dead_man" configured must keep
 * stamping its heartbeat (rg_client_heartbeat) into its session segment.
 * When a watched strategy's heartbeat is older than its timeout, the engine
 * halts the strategy (trading state HALTED, journaled as STATE_CHANGE with
 * cause DEAD_MAN) and, with "cancel_orders", cancels its open orders.
 *
 * Rules (docs/operations.md, "Dead-man heartbeat"):
 *   - only a session held by a process is watched: peer pid 0 (never
 *     attached, or closed with rg_client_close) or a heartbeat never
 *     stamped is not a stall;
 *   - a stall trips once: nothing more happens until the session is opened
 *     again (rg_client_open: attach_count moves) by a live process with a
 *     fresh heartbeat;
 *   - that re-attach lifts the halt, restoring the state the strategy had
 *     before it, but only while the HALTED in force is the dead-man's own:
 *     a state an operator (or anything else) set since is left alone, and
 *     an operator's set-state takes the halt over even when it sets the
 *     value already in force (HALTED -> HALTED): operator overrides win;
 *   - a frozen process that resumes without re-opening its session stays
 *     halted (its orders are refused STRATEGY_HALTED).
 *
 * Runs on the engine thread from its heartbeat tick (every 1 ms): a few
 * loads per session, no system call, no allocation, no logging.
 */
#ifndef RG_DEAD_MAN_H
#define RG_DEAD_MAN_H

#include <stdbool.h>
#include <stdint.h>

#include "mass_cancel.h"

struct rg_engine;
struct rg_session;

/* The engine's dead-man bookkeeping for one session (engine-private). */
struct rg_dead_man {
	struct rg_cancel_retry cancels; /* cancel-on-disconnect a full request ring left unfinished */
	uint32_t tripped_attach;  /* the peer's attach_count when it tripped */
	uint8_t tripped;          /* tripped, and the session was not opened again since */
	uint8_t holds_halt;       /* the strategy's HALTED state in force is the one the dead-man set */
	uint8_t state_before;     /* enum rg_trading_state the strategy had when it tripped */
};

/* What the strategy's process last wrote into its session's peer line. */
struct rg_dead_man_peer {
	uint64_t heartbeat_ns;   /* CLOCK_MONOTONIC of its last rg_client_heartbeat; 0 never */
	int32_t pid;             /* 0: no process holds the session */
	uint32_t attach_count;   /* times the session has been opened */
};

enum rg_dead_man_action {
	RG_DEAD_MAN_NONE = 0,
	RG_DEAD_MAN_TRIP = 1,    /* halt it (when holds_halt) and, per config, cancel its orders */
	RG_DEAD_MAN_LIFT = 2,    /* re-attached: set the strategy back to state_before */
};

/*
 * One tick of one session's watch: updates *w from what the peer shows and
 * the strategy's current trading state, and says what the engine must do.
 * timeout_ns 0 means not watched.  A heartbeat later than now_ns (stamped
 * after the engine read its clock) is fresh.  Pure: no I/O, any thread.
 */
enum rg_dead_man_action rg_dead_man_step(struct rg_dead_man *w, const struct rg_dead_man_peer *p,
					 uint64_t timeout_ns, uint8_t strategy_state, uint64_t now_ns);

/*
 * Runs every session's watch and carries out what it decides: the halt or
 * lift (rg_risk_set_strategy_state), its STATE_CHANGE journal record, the
 * control segment's dead_man_trips / dead_man_lifts counters and, for a
 * trip with dead_man_cancel, a cancel of each open order of the strategy
 * (rg_engine_cancel_where: one walk of the route table, about a
 * millisecond, once per trip; cancels a full request ring refused are sent
 * again every 100 ms while the venue takes them: mass_cancel.h).  Engine thread only, from the
 * heartbeat tick; no system call.
 */
void rg_dead_man_check(struct rg_engine *e, uint64_t now_ns);

/*
 * The same for one session, without the retry of cancels a trip could not
 * send.  The order path calls it for a tripped session that has orders,
 * after taking them from the ring and before deciding them: an order a
 * re-attached process sent was pushed after its attach, so the attach is
 * visible by then and its first order already finds the halt lifted (the
 * 1 ms tick alone would refuse orders for up to a tick).  A tripped session
 * can only be lifted, never trip again, so there it never cancels.
 */
void rg_dead_man_check_session(struct rg_engine *e, struct rg_session *s, uint64_t now_ns);

/* The session was made afresh (after a truncation): its next open is a
 * re-attach whatever attach_count the new segment starts from. */
static inline void rg_dead_man_session_renewed(struct rg_dead_man *w)
{
	w->tripped_attach = UINT32_MAX;
}

/* An operator set the strategy's trading state (riskctl set-state, any
 * value, the same one included): the state in force is the operator's from
 * now on, and no re-attach lifts it. */
static inline void rg_dead_man_operator_set(struct rg_dead_man *w)
{
	w->holds_halt = 0;
}

/* True when the session's watch has tripped and waits for a re-attach. */
static inline bool rg_dead_man_tripped(const struct rg_dead_man *w)
{
	return __builtin_expect(w->tripped != 0, 0);
}

#endif /* RG_DEAD_MAN_H */
