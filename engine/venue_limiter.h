/*
 * Venue rate limiter: the token buckets of one venue account, kept in shared
 * memory ("/rg.rate.<venue>") so that every engine process sending to that
 * account draws on one budget.
 *
 * Each bucket is a GCRA over one 64-bit word, its theoretical arrival time
 * (TAT, CLOCK_MONOTONIC ns, system-wide), advanced by compare-and-swap.  A
 * venue enforces "count per window" over every sliding window, so the GCRA
 * is set up to keep exactly that: with a burst of B sends allowed back to
 * back (tolerance (B - 1) * T), the emission interval is
 * T = ceil(window / (count - B + 1)).  A conforming stream then holds at most
 * B - 1 + ceil(window / T) <= count sends in any window: the burst is paid
 * for with a lower sustained rate, (count - B + 1) per window.  B = 1, the
 * default, spaces sends evenly at window / count.  The venue counts on
 * arrival, and the path to it adds a delay that varies by some jitter: the
 * window T is computed from is lengthened by the venue's rate_margin
 * (config), so that arrivals keep the limit as long as the jitter stays
 * under the margin.  An order needs a
 * token from every bucket: all are checked first, then taken in order.  When
 * another sender wins a race for a later bucket in between, the order is
 * refused and the tokens already taken stay spent: under contention a token
 * can be wasted, but a limit is never exceeded.
 */
#ifndef RG_VENUE_LIMITER_H
#define RG_VENUE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define RG_LIMITER_MAGIC 0x54494d494c4752ULL /* "RGLIMIT\0" little-endian */
#define RG_LIMITER_VERSION 2u /* 2: buckets carry a burst */
#define RG_LIMITER_MAX_TOLERANCE_NS (86400ull * 1000000000ull) /* burst allowance: at most a day */

/* One bucket's word, alone on its cache line: every sender CASes it. */
struct rg_limiter_word {
	uint64_t tat_ns; /* theoretical arrival time of the next conforming send */
	uint8_t pad[RG_CACHELINE - 8];
};

/* The shared segment. */
struct rg_limiter_shared {
	uint64_t magic;                                 /* RG_LIMITER_MAGIC */
	uint32_t version;                               /* RG_LIMITER_VERSION */
	uint32_t n_buckets;                             /* buckets in use */
	struct rg_rate_limit buckets[RG_MAX_VENUE_BUCKETS]; /* what every user must agree on */
	uint8_t pad[2 * RG_CACHELINE - 16 - RG_MAX_VENUE_BUCKETS * sizeof(struct rg_rate_limit)];
	struct rg_limiter_word words[RG_MAX_VENUE_BUCKETS];
};
RG_STATIC_ASSERT(sizeof(struct rg_rate_limit) == 16, "rate limit is two words");
RG_STATIC_ASSERT(offsetof(struct rg_limiter_shared, words) == 2 * RG_CACHELINE, "words start on line 2");

/* A process's handle: the mapping plus each bucket's interval, local. */
struct rg_venue_limiter {
	struct rg_limiter_shared *shm; /* NULL: unlimited (no buckets configured) */
	int fd;                        /* the segment, share-locked while in use (when has_fd) */
	bool has_fd;
	uint32_t n_buckets;
	uint64_t interval_ns[RG_MAX_VENUE_BUCKETS];
	uint64_t tolerance_ns[RG_MAX_VENUE_BUCKETS]; /* (burst - 1) * interval */
};

/*
 * Creates or attaches the venue's limiter segment and holds a shared lock on
 * it until rg_venue_limiter_close.  A process that finds no other user
 * formats it when it is new or does not match (another version, other
 * limits, damaged) and keeps it, with its recent sends, when it does.  One
 * that finds other users must have configured the same buckets or gets
 * -EINVAL ("different rate limits"); a damaged or foreign segment in use is
 * -EBADMSG.  A venue with no rate limits gets an unlimited limiter and no
 * segment.  0 or -errno with err.  Cold.
 */
int rg_venue_limiter_open(struct rg_venue_limiter *l, const struct rg_venue_cfg *venue, char *err, size_t errlen);

/* Unmaps and drops the lock (the segment stays for other processes).  Safe on
 * a zeroed or closed handle. */
void rg_venue_limiter_close(struct rg_venue_limiter *l);

/* Removes the venue's segment name (tests, operators).  0 or -errno. */
int rg_venue_limiter_unlink(const char *venue);

/*
 * Takes one token from every bucket at now_ns, or none.  True when the send
 * may go.  Lock-free: a bounded number of CAS retries under contention (then
 * false, as if throttled).  No system call.
 */
static inline bool rg_venue_limiter_try_acquire(struct rg_venue_limiter *l, uint64_t now_ns)
{
	if (l->shm == NULL)
		return true;
	/* Pairs with the release half of the CAS below, in this or another process. */
	for (uint32_t b = 0; b < l->n_buckets; b++)
		if (__atomic_load_n(&l->shm->words[b].tat_ns, __ATOMIC_ACQUIRE) > now_ns + l->tolerance_ns[b])
			return false;
	for (uint32_t b = 0; b < l->n_buckets; b++) {
		uint64_t *word = &l->shm->words[b].tat_ns;
		uint64_t tat = __atomic_load_n(word, __ATOMIC_ACQUIRE);

		if (tat > now_ns + l->tolerance_ns[b] ||
		    !__atomic_compare_exchange_n(word, &tat, (tat > now_ns ? tat : now_ns) + l->interval_ns[b], false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return false;
	}
	return true;
}

/*
 * The venue told us to wait (a rate-limit answer, a weight or order count at
 * its limit): no send conforms before until_ns, in this process or any other
 * on the segment.  Each bucket's TAT is raised to until_ns plus its burst
 * tolerance (never lowered), so sending resumes at until_ns at the buckets'
 * own pace.  Lock-free; any thread (the adapters' call it).  No-op on an
 * unlimited limiter.
 */
static inline void rg_venue_limiter_hold_until(struct rg_venue_limiter *l, uint64_t until_ns)
{
	if (l->shm == NULL)
		return;
	for (uint32_t b = 0; b < l->n_buckets; b++) {
		uint64_t *word = &l->shm->words[b].tat_ns;
		uint64_t want = until_ns + l->tolerance_ns[b];
		uint64_t tat = __atomic_load_n(word, __ATOMIC_ACQUIRE);

		/* Pairs with the acquire loads of rg_venue_limiter_try_acquire. */
		while (tat < want &&
		       !__atomic_compare_exchange_n(word, &tat, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
	}
}

#endif /* RG_VENUE_LIMITER_H */
