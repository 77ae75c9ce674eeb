/*
 * The last N timestamps of some event (venue failures, fills), to answer
 * "have N of them happened within the last W ns?".  A ring of N slots that
 * the caller allocates once; recording is O(1) and never allocates.  Used by
 * the circuit breaker (M failures within an hour) and the execution throttle
 * (N fills within a window).
 */
#ifndef RG_EVENT_WINDOW_H
#define RG_EVENT_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rg_event_window {
	uint64_t *ts_ns;   /* capacity slots, owned by the risk state; oldest at `head` once full */
	uint32_t capacity; /* N; 0 = disabled */
	uint32_t head;     /* next slot to write */
	uint32_t count;    /* slots filled, <= capacity */
};

/* Forgets every recorded event. */
static inline void rg_event_window_clear(struct rg_event_window *w)
{
	w->head = 0;
	w->count = 0;
}

/*
 * Records an event at now_ns and returns true when the last `capacity` events
 * all fall within (now_ns - window_ns, now_ns]: an event exactly window_ns
 * old no longer counts.  Always false when capacity is 0.
 */
static inline bool rg_event_window_record(struct rg_event_window *w, uint64_t now_ns, uint64_t window_ns)
{
	uint64_t oldest;

	if (w->capacity == 0)
		return false;
	w->ts_ns[w->head] = now_ns;
	w->head = w->head + 1 == w->capacity ? 0 : w->head + 1;
	if (w->count < w->capacity)
		w->count++;
	if (w->count < w->capacity)
		return false;
	oldest = w->ts_ns[w->head]; /* full ring: head is the oldest */
	return now_ns - oldest < window_ns;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_EVENT_WINDOW_H */
