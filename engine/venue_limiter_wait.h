/*
 * What a VENUE_THROTTLED reject tells the strategy, like ORDER_RATE does: the
 * limit that binds (the interval of the venue bucket that refused, in ns)
 * and how long until that bucket has a token again (ns).  Read from the
 * limiter's shared words after rg_venue_limiter_try_acquire refused: a few
 * loads, no system call; racy by nature (another engine may take the token
 * first), so the wait is a hint, never a promise.
 */
#ifndef RG_VENUE_LIMITER_WAIT_H
#define RG_VENUE_LIMITER_WAIT_H

#include <stdint.h>

#include "venue_limiter.h"

/* The longest wait over the venue's buckets at now_ns (0 when a token is
 * there now), and in *interval_ns that bucket's interval (0: unlimited). */
static inline uint64_t rg_venue_limiter_wait_ns(const struct rg_venue_limiter *l, uint64_t now_ns,
						uint64_t *interval_ns)
{
	uint64_t wait = 0;

	*interval_ns = 0;
	if (l->shm == NULL)
		return 0;
	for (uint32_t b = 0; b < l->n_buckets; b++) {
		uint64_t tat = __atomic_load_n(&l->shm->words[b].tat_ns, __ATOMIC_ACQUIRE);
		uint64_t free_at = tat > l->tolerance_ns[b] ? tat - l->tolerance_ns[b] : 0;
		uint64_t w = free_at > now_ns ? free_at - now_ns : 0;

		if (w > wait || *interval_ns == 0) {
			wait = w > wait ? w : wait;
			*interval_ns = l->interval_ns[b];
		}
	}
	return wait;
}

#endif /* RG_VENUE_LIMITER_WAIT_H */
