/*
 * A strategy's rate limit as an exact sliding window: at most `count` events
 * in any window of `window_ns` (config "kind": "window", the default; a
 * "bucket" is the GCRA of gcra.h).
 *
 * The window keeps, for each of the last `count` events, the time it leaves
 * the window, in a ring allocated with the risk state.  It shares the check
 * with the bucket: a struct rg_gcra whose tolerance is 0 and whose TAT is
 * the exit time of the oldest of the last `count` events (0 while fewer were
 * recorded), so "conforms" is the same add and compare for both kinds and
 * the order path does not ask which it is.  Only the commit differs:
 * rg_rate_window_consume stores the event's exit time and loads the next
 * slot's as the TAT: a store, a load, a pointer step.  O(1), no division.
 * Engine thread only.
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
	uint64_t *next;     /* the slot the next event writes: the oldest event's once the ring is full */
	uint64_t *end;      /* one past the ring's last slot */
	uint64_t window_ns;
	uint32_t count;     /* events per window (ring slots) */
	uint32_t pad;
	uint64_t exit_ns[]; /* count slots: when each recorded event leaves the window; 0 = empty */
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
	w->next = w->exit_ns;
	w->end = w->exit_ns + count;
	g->tat_ns = 0;
	g->interval_ns = window_ns;
	g->tolerance_ns = 0;
	return w;
}

/* Records an event leaving the window at exit_ns (the ring keeps exit times,
 * so the gate's TAT is one load: the oldest's exit). */
static inline void _rg_rate_window_push(struct rg_gcra *g, struct rg_rate_window *w, uint64_t exit_ns)
{
	uint64_t *p = w->next;

	*p++ = exit_ns;
	p = p == w->end ? w->exit_ns : p;
	w->next = p;
	g->tat_ns = *p;
}

/* Records an event at now_ns (after rg_gcra_conforms said yes). */
static inline void rg_rate_window_consume(struct rg_gcra *g, struct rg_rate_window *w, uint64_t now_ns)
{
	_rg_rate_window_push(g, w, now_ns + w->window_ns);
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
 * (oldest first, as many as `to` holds, each leaving to's window as long
 * after it happened as to's window is) and sets to's gate.  Either may be
 * NULL: nothing to carry. */
static inline void rg_rate_window_carry(struct rg_gcra *g, struct rg_rate_window *to,
					const struct rg_rate_window *from)
{
	uint32_t n, i, head;

	if (to == NULL || from == NULL)
		return;
	n = from->count < to->count ? from->count : to->count;
	head = (uint32_t)(from->next - from->exit_ns);
	for (i = 0; i < n; i++) {
		/* the n most recent of from, oldest first */
		uint64_t exit = from->exit_ns[(head + from->count - n + i) % from->count];
		if (exit != 0)
			_rg_rate_window_push(g, to, exit - from->window_ns + to->window_ns);
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RATE_WINDOW_H */
