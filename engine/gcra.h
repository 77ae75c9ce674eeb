/*
 * Rate limit as a Generic Cell Rate Algorithm: a token bucket of `count`
 * tokens refilled at `count` per `window_ns`, kept as one "theoretical
 * arrival time" instead of a token count and a refill timestamp, so a check
 * is one add and one compare and needs no division.
 *
 * Semantics: `count` events may arrive back to back; after that one more
 * conforms every interval_ns = ceil(window_ns / count).  An event at `now`
 * conforms when now >= tat - tolerance, tolerance = (count - 1) * interval.
 * Checking does not consume: the caller consumes only when the whole message
 * is approved, so a message rejected for another reason costs no token.
 * All times are CLOCK_MONOTONIC nanoseconds and must not go backwards.
 */
#ifndef RG_GCRA_H
#define RG_GCRA_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rg_gcra {
	uint64_t tat_ns;       /* theoretical arrival time of the next conforming event */
	uint64_t interval_ns;  /* ns per token; 0 = unlimited */
	uint64_t tolerance_ns; /* burst allowance: (count - 1) * interval_ns; unlimited: RG_GCRA_UNLIMITED */
};

/* An unlimited gate's tolerance: every event conforms (its TAT never passes
 * the latest event's time, and times are far below 2^63), so "conforms" is
 * one add and compare for every gate, with no test of "unlimited". */
#define RG_GCRA_UNLIMITED (1ull << 62)

/* A limiter for `count` events per `window_ns`; count 0 = unlimited.  Cold path. */
static inline void rg_gcra_init(struct rg_gcra *g, uint32_t count, uint64_t window_ns)
{
	g->tat_ns = 0;
	if (count == 0 || window_ns == 0) {
		g->interval_ns = 0;
		g->tolerance_ns = RG_GCRA_UNLIMITED;
		return;
	}
	g->interval_ns = window_ns / count + (window_ns % count != 0);
	g->tolerance_ns = g->interval_ns * (count - 1);
}

/* True when an event at now_ns conforms. */
static inline bool rg_gcra_conforms(const struct rg_gcra *g, uint64_t now_ns)
{
	return now_ns + g->tolerance_ns >= g->tat_ns;
}

/* Takes one token at now_ns (call after rg_gcra_conforms said yes). */
static inline void rg_gcra_consume(struct rg_gcra *g, uint64_t now_ns)
{
	uint64_t base = g->tat_ns > now_ns ? g->tat_ns : now_ns;

	g->tat_ns = base + g->interval_ns;
}

/* Earliest time an event conforms (for the reject detail); now_ns when it already does. */
static inline uint64_t rg_gcra_next_ns(const struct rg_gcra *g, uint64_t now_ns)
{
	return rg_gcra_conforms(g, now_ns) ? now_ns : g->tat_ns - g->tolerance_ns;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_GCRA_H */
