/*
 * Reconnect delays: exponential backoff with jitter.  Each failure doubles
 * the ceiling from min_ms up to max_ms, and the delay is drawn at random from
 * the ceiling's upper half, so many engines that lost one Redis at the same
 * moment do not come back in step.  Header-only, no system calls.
 */
#ifndef RG_BACKOFF_H
#define RG_BACKOFF_H

#include <stdint.h>

struct rg_backoff {
	uint32_t min_ms, max_ms;
	uint32_t ceiling_ms;  /* the next delay is drawn from [ceiling / 2, ceiling] */
	uint64_t rng;         /* xorshift64 state, never 0 */
};

static inline void rg_backoff_init(struct rg_backoff *b, uint32_t min_ms, uint32_t max_ms, uint64_t seed)
{
	b->min_ms = min_ms > 0 ? min_ms : 1;
	b->max_ms = max_ms >= b->min_ms ? max_ms : b->min_ms;
	b->ceiling_ms = b->min_ms;
	b->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

static inline void rg_backoff_reset(struct rg_backoff *b)
{
	b->ceiling_ms = b->min_ms;
}

/* The delay before the next attempt, in ms; doubles the ceiling. */
static inline uint32_t rg_backoff_next(struct rg_backoff *b)
{
	uint32_t c = b->ceiling_ms, half = c / 2, d;

	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	d = (c - half) + (uint32_t)(b->rng % ((uint64_t)half + 1));
	b->ceiling_ms = c > b->max_ms / 2 ? b->max_ms : c * 2;
	return d;
}

#endif /* RG_BACKOFF_H */
