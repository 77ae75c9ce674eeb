/*
 * What a VENUE_THROTTLED reject tells the strategy, like ORDER_RATE does: the
 * limit that binds (the window of the venue limit that refused, margin
 * included, in ns) and how long until that window has room again (ns).
 * Read from the limiter's shared rings after rg_venue_limiter_try_acquire
 * refused: a few loads, no system call; racy by nature (another engine may
 * take the room first), so the wait is a hint, never a promise.
 */
#ifndef RG_VENUE_LIMITER_WAIT_H
#define RG_VENUE_LIMITER_WAIT_H

#include <stdint.h>

#include "venue_limiter.h"

/* The longest wait over the venue's limits at now_ns (0 when every window
 * has room now), and in *window_ns that limit's window (0: unlimited).  A
 * hold the venue asked for counts as a wait with the binding window kept. */
static inline uint64_t rg_venue_limiter_wait_ns(const struct rg_venue_limiter *l, uint64_t now_ns,
						uint64_t *window_ns)
{
	uint64_t wait = 0;

	*window_ns = 0;
	if (l->shm == NULL)
		return 0;
	for (uint32_t b = 0; b < l->n_buckets; b++) {
		uint64_t h = __atomic_load_n(l->head[b], __ATOMIC_ACQUIRE);
		uint64_t s = __atomic_load_n(&l->ring[b][_RG_WL_POS(h)], __ATOMIC_ACQUIRE);
		uint64_t free_at = s == 1u ? 0 : (s & ~1ull) + l->span_ns[b];
		uint64_t w = free_at > now_ns ? free_at - now_ns : 0;

		if (w > wait || *window_ns == 0) {
			wait = w > wait ? w : wait;
			*window_ns = l->span_ns[b];
		}
	}
	uint64_t hold = __atomic_load_n(&l->shm->hold_until.v, __ATOMIC_ACQUIRE);
	if (hold > now_ns && hold - now_ns > wait)
		wait = hold - now_ns;
	return wait;
}

#endif /* RG_VENUE_LIMITER_WAIT_H */
