/*
 * A strategy's rate limit as an exact sliding window: at most `count` events
 * in any window of `window_ns` (config "kind": "window", the default; a
 * "bucket" is the GCRA of gcra.h).
 *
 * The window keeps the times of the last `count` events in a ring allocated
 * with the risk state.  It shares the check with the bucket: a struct
 * rg_gcra whose tolerance is 0 and whose TAT is the time the oldest of the
 * last `count` events leaves the window (0 while fewer than `count` were
 * recorded), so "conforms" is the same add and compare for both kinds and
 * the order path does not ask which it is.  Only the commit differs:
 * rg_rate_window_consume records the event and moves the TAT to the new
 * oldest's exit.  O(1), no division.  Engine thread only.
 */
#ifndef RG_RATE_WINDOW_H
#define RG_RATE_WINDOW_H

#include <stdint.h>
#include <stdlib.h>

#include "gcra.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rg_rate_window {
	uint32_t count;     /* events per window (ring slots) */
	uint32_t head;      /* next slot to write: the oldest event's once the ring is full */
	uint64_t window_ns;
	uint64_t ts_ns[];   /* count slots; 0 = empty */
};

/* Cold: a window of count events per window_ns and the gate that checks it
 * (interval_ns = the window, for reject details and "limited?" tests).
 * NULL on allocation failure. */
static inline struct rg_rate_window *rg_rate_window_new(struct rg_gcra *g, uint32_t count, uint64_t window_ns)
{
	struct rg_rate_window *w = (struct rg_rate_window *)calloc(1, sizeof(*w) + (size_t)count * sizeof(uint64_t));

	if (w == NULL)
		return NULL;
	w->count = count;
	w->window_ns = window_ns;
	g->tat_ns = 0;
	g->interval_ns = window_ns;
	g->tolerance_ns = 0;
	return w;
}

/* Records an event at now_ns (after rg_gcra_conforms said yes). */
static inline void rg_rate_window_consume(struct rg_gcra *g, struct rg_rate_window *w, uint64_t now_ns)
{
	uint64_t oldest;

	w->ts_ns[w->head] = now_ns;
	w->head = w->head + 1 == w->count ? 0 : w->head + 1;
	oldest = w->ts_ns[w->head];
	g->tat_ns = oldest != 0 ? oldest + w->window_ns : 0;
}

/* Either kind: records an event at now_ns. */
static inline void rg_rate_consume(struct rg_gcra *g, struct rg_rate_window *w, uint64_t now_ns)
{
	if (w != NULL)
		rg_rate_window_consume(g, w, now_ns);
	else
		rg_gcra_consume(g, now_ns);
}

/* Cold (config reload): carries the most recent events of `from` into `to`
 * (oldest first, as many as `to` holds) and sets to's gate.  Either may be
 * NULL: nothing to carry. */
static inline void rg_rate_window_carry(struct rg_gcra *g, struct rg_rate_window *to,
					const struct rg_rate_window *from)
{
	uint32_t n, i;

	if (to == NULL || from == NULL)
		return;
	n = from->count < to->count ? from->count : to->count;
	for (i = 0; i < n; i++) {
		/* the n most recent of from, oldest first */
		uint32_t at = (from->head + from->count - n + i) % from->count;
		if (from->ts_ns[at] != 0)
			rg_rate_window_consume(g, to, from->ts_ns[at]);
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RATE_WINDOW_H */
