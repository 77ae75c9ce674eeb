/*
 * Quarantine of a session that sends mostly malformed messages: a strategy
 * whose process writes garbage into its ring (a bug, a corrupted mapping, a
 * hostile program) is stopped from trading, logged and counted, instead of
 * having thousands of messages a second each rejected on their own.
 *
 * The engine counts each session's decided messages in windows of
 * RG_QUARANTINE_WINDOW; when more than half of a window were malformed
 * (reasons MALFORMED through BAD_PRICE: not a limit, a message that is not
 * an order at all), the strategy is halted (trading state HALTED, journaled
 * as STATE_CHANGE with cause QUARANTINE, value the malformed count and limit
 * the window), logged once and counted (sessions_quarantined).  Its messages
 * are still each decided (STRATEGY_HALTED; cancels pass) and journaled within
 * its share of the journal.  Like a dead-man halt it is lifted when the
 * session is opened again (a new process, or the same one after
 * rg_client_close): the strategy goes back to the state it had, journaled as
 * STATE_CHANGE cause REATTACHED; a state an operator set meanwhile is theirs
 * and left alone.  A strategy that sends a few bad orders among good ones
 * (loadgen --bad-pct 20: fewer than one in ten malformed) is never near it.
 *
 * Counting is two adds per decided message on the engine thread; the trip
 * and the lift are cold.
 */
#ifndef RG_QUARANTINE_H
#define RG_QUARANTINE_H

#include <stdbool.h>
#include <stdint.h>

#include <riskgate/msg.h>

struct rg_engine;
struct rg_session;

#define RG_QUARANTINE_WINDOW 1024u
#define RG_QUARANTINE_MALFORMED (RG_QUARANTINE_WINDOW / 2 + 1) /* more than half */

/* The engine's quarantine bookkeeping for one session (engine-private). */
struct rg_quarantine {
	uint32_t seen;           /* messages decided in the current window */
	uint32_t malformed;      /* of which malformed */
	uint32_t tripped_attach; /* the peer's attach_count when it tripped */
	uint8_t tripped;         /* quarantined, and the session was not opened again since */
	uint8_t holds_halt;      /* the HALTED in force is the quarantine's own */
	uint8_t state_before;    /* the strategy's trading state when it tripped */
};

/* True for the reasons of a message that is not an order at all. */
static inline bool rg_reason_malformed(unsigned reason)
{
	return reason >= RG_REJ_MALFORMED && reason <= RG_REJ_BAD_PRICE;
}

/* Counts one decided message.  Returns the malformed count of the window it
 * closed when that was most of it and the session is not already
 * quarantined (the caller trips it), else 0.  Hot path. */
static inline uint32_t rg_quarantine_count(struct rg_quarantine *q, unsigned reason)
{
	uint32_t malformed;

	q->malformed += rg_reason_malformed(reason);
	if (__builtin_expect(++q->seen < RG_QUARANTINE_WINDOW, 1))
		return 0;
	malformed = q->malformed;
	q->seen = q->malformed = 0;
	return malformed >= RG_QUARANTINE_MALFORMED && !q->tripped ? malformed : 0;
}

static inline bool rg_quarantine_tripped(const struct rg_quarantine *q)
{
	return __builtin_expect(q->tripped != 0, 0);
}

/* Quarantines session `s` (the window just closed held `malformed`
 * malformed messages): halts its strategy, journals, logs, counts.  Cold. */
void rg_quarantine_trip(struct rg_engine *e, struct rg_session *s, uint32_t malformed, uint64_t now_ns);

/* For a quarantined session that has orders, before they are decided: lifts
 * the quarantine when the session was opened again since.  Cold. */
void rg_quarantine_check_session(struct rg_engine *e, struct rg_session *s, uint64_t now_ns);

/* The session was made afresh (after a truncation): its next open is a
 * re-attach whatever attach_count the new segment starts from. */
void rg_quarantine_session_renewed(struct rg_quarantine *q);

#endif /* RG_QUARANTINE_H */
