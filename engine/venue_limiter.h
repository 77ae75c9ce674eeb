/*
 * Venue rate limiter: the exact sliding windows of one venue account, kept in
 * shared memory ("/rg.rate.<venue>") so that every engine process sending to
 * that account draws on one budget, and a restarted engine still counts the
 * sends of the one before it.
 *
 * A venue limit "count per window" means: at most `count` orders arrive in
 * any window of that length.  Each limit keeps a ring of the send times of
 * its last `count` sends; a send at `now` is admitted if and only if the
 * oldest of them (the slot the ring's head points at) is at least window +
 * rate_margin old.  So the whole count may go back to back, and nothing more
 * goes until the oldest send leaves the window: exactly what the venue
 * allows, less the jitter margin.  O(1) per send, no division.
 *
 * Lock-free across the engines of a host: the head word packs the position
 * in the ring with the lap it is on; a sender writes the slot first (a CAS
 * from the value it checked, the previous lap's time, to its own time
 * stamped with this lap's parity) and then advances the head.  A sender that
 * finds the slot under the head already stamped with the head's own lap sees
 * a send whose head advance is still to come (its sender was preempted or
 * died) and advances the head for it.  Recorded times never go backwards
 * along the ring (a send records max(now, the previous send's time)), so the
 * slot under the head is always the oldest of the last `count`.
 *
 * Several limits on one venue combine exactly: every limit is checked
 * first, then each takes its slot.  When another sender wins a slot in
 * between, the check of that limit is repeated; if it no longer passes the
 * order is refused and the slots already taken stay spent: under contention
 * a send can be wasted, but a limit is never exceeded.
 */
#ifndef RG_VENUE_LIMITER_H
#define RG_VENUE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define RG_LIMITER_MAGIC 0x54494d494c4752ULL /* "RGLIMIT\0" little-endian */
#define RG_LIMITER_VERSION 3u /* 3: exact sliding windows (rings of send times); 2 was GCRA buckets */
#define RG_LIMITER_TRIES 8u /* CAS attempts per limit before a send is refused as throttled */

/* One word alone on its cache line: every sender CASes it. */
struct rg_limiter_word {
	uint64_t v;
	uint8_t pad[RG_CACHELINE - 8];
};

/*
 * The shared segment: a header, the hold word, each limit's head (lap << 32 |
 * position), then the rings, one after the other (limit b's ring starts
 * after the counts of the limits before it).  A ring slot holds a send time
 * (CLOCK_MONOTONIC ns, rounded up to even) with the parity of the lap that
 * wrote it in bit 0; a fresh ring holds 1 (time 0 of lap -1: empty).
 */
struct rg_limiter_shared {
	uint64_t magic;                                 /* RG_LIMITER_MAGIC */
	uint32_t version;                               /* RG_LIMITER_VERSION */
	uint32_t n_buckets;                             /* limits in use */
	struct rg_rate_limit buckets[RG_MAX_VENUE_BUCKETS]; /* what every user must agree on */
	uint8_t pad[2 * RG_CACHELINE - 16 - RG_MAX_VENUE_BUCKETS * sizeof(struct rg_rate_limit)];
	struct rg_limiter_word hold_until;              /* no send before this (the venue said wait) */
	struct rg_limiter_word head[RG_MAX_VENUE_BUCKETS];
	uint64_t slots[];                               /* the rings */
};
RG_STATIC_ASSERT(sizeof(struct rg_rate_limit) == 16, "rate limit is two words");
RG_STATIC_ASSERT(offsetof(struct rg_limiter_shared, hold_until) == 2 * RG_CACHELINE, "words start on line 2");
RG_STATIC_ASSERT(offsetof(struct rg_limiter_shared, slots) == (3 + RG_MAX_VENUE_BUCKETS) * RG_CACHELINE,
		 "the rings start on their own line");

/* A process's handle: the mapping plus each limit's ring, window and size. */
struct rg_venue_limiter {
	struct rg_limiter_shared *shm; /* NULL: unlimited (no limits configured) */
	size_t size;                   /* bytes mapped */
	int fd;                        /* the segment, share-locked while in use (when has_fd) */
	bool has_fd;
	uint32_t n_buckets;
	uint32_t count[RG_MAX_VENUE_BUCKETS];
	uint64_t span_ns[RG_MAX_VENUE_BUCKETS]; /* window + rate margin */
	uint64_t *ring[RG_MAX_VENUE_BUCKETS];
	uint64_t *head[RG_MAX_VENUE_BUCKETS];
};

/*
 * Creates or attaches the venue's limiter segment and holds a shared lock on
 * it until rg_venue_limiter_close.  A process that finds no other user
 * formats it when it is new or does not match (another version, other
 * limits, damaged) and keeps it, with its recent sends, when it does.  One
 * that finds other users must have configured the same limits or gets
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

#define _RG_WL_LAP(h) (((h) >> 32) & 1u)
#define _RG_WL_POS(h) ((uint32_t)(h))

static inline uint64_t _rg_wl_next(uint64_t h, uint32_t count)
{
	return _RG_WL_POS(h) + 1u < count ? h + 1 : ((h >> 32) + 1) << 32;
}

/*
 * Limit b's head and the slot under it, once no send is half done (helping
 * one along).  True when the oldest of the last `count` sends lets a send go
 * at now (*head, *old: what to take).  False when it does not, or after
 * RG_LIMITER_TRIES rounds of contention.
 */
static inline bool _rg_wl_peek(const struct rg_venue_limiter *l, uint32_t b, uint64_t now, uint64_t *head,
			       uint64_t *old)
{
	for (uint32_t tries = 0; tries < RG_LIMITER_TRIES; tries++) {
		/* Pairs with the release half of the CASes in _rg_wl_take. */
		uint64_t h = __atomic_load_n(l->head[b], __ATOMIC_ACQUIRE);
		uint64_t s = __atomic_load_n(&l->ring[b][_RG_WL_POS(h)], __ATOMIC_ACQUIRE);

		if ((s & 1u) == _RG_WL_LAP(h)) {
			/* Taken by a send of this lap whose head advance is still to
			 * come: advance it (a failure means someone else did). */
			__atomic_compare_exchange_n(l->head[b], &h, _rg_wl_next(h, l->count[b]), false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
			continue;
		}
		*head = h;
		*old = s;
		return s == 1u || (s & ~1ull) + l->span_ns[b] <= now;
	}
	return false;
}

/* Takes limit b's slot checked by _rg_wl_peek (re-checking when another
 * sender took it first).  True when the send is recorded. */
static inline bool _rg_wl_take(const struct rg_venue_limiter *l, uint32_t b, uint64_t now, uint64_t h, uint64_t s)
{
	for (uint32_t tries = 0; tries < RG_LIMITER_TRIES; tries++) {
		uint32_t pos = _RG_WL_POS(h);
		uint64_t prev = __atomic_load_n(&l->ring[b][pos == 0 ? l->count[b] - 1 : pos - 1], __ATOMIC_ACQUIRE) & ~1ull;
		uint64_t t = now > prev ? now : prev;
		uint64_t rec = ((t + 1) & ~1ull) | _RG_WL_LAP(h);

		if (__atomic_compare_exchange_n(&l->ring[b][pos], &s, rec, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			/* Fails only when another sender already advanced it for us. */
			__atomic_compare_exchange_n(l->head[b], &h, _rg_wl_next(h, l->count[b]), false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
			return true;
		}
		if (!_rg_wl_peek(l, b, now, &h, &s))
			return false;
	}
	return false;
}

/*
 * Records one send at now_ns against every limit, or none when a limit is
 * full (or the venue said wait).  True when the send may go.  Lock-free: a
 * bounded number of CAS retries under contention (then false, as if
 * throttled).  No system call.
 */
static inline bool rg_venue_limiter_try_acquire(struct rg_venue_limiter *l, uint64_t now_ns)
{
	uint64_t head[RG_MAX_VENUE_BUCKETS], old[RG_MAX_VENUE_BUCKETS];

	if (l->shm == NULL)
		return true;
	if (now_ns < __atomic_load_n(&l->shm->hold_until.v, __ATOMIC_ACQUIRE))
		return false;
	for (uint32_t b = 0; b < l->n_buckets; b++)
		if (!_rg_wl_peek(l, b, now_ns, &head[b], &old[b]))
			return false;
	for (uint32_t b = 0; b < l->n_buckets; b++)
		if (!_rg_wl_take(l, b, now_ns, head[b], old[b]))
			return false;
	return true;
}

/*
 * Earliest time at or after now_ns at which every limit would admit a send,
 * as things stand (another sender may take it first).  For the hold queue's
 * wake-up and the reject detail.  Lock-free, read only.
 */
static inline uint64_t rg_venue_limiter_next_ns(const struct rg_venue_limiter *l, uint64_t now_ns)
{
	uint64_t at = now_ns;

	if (l->shm == NULL)
		return now_ns;
	uint64_t hold = __atomic_load_n(&l->shm->hold_until.v, __ATOMIC_ACQUIRE);
	at = hold > at ? hold : at;
	for (uint32_t b = 0; b < l->n_buckets; b++) {
		uint64_t h = __atomic_load_n(l->head[b], __ATOMIC_ACQUIRE);
		uint64_t s = __atomic_load_n(&l->ring[b][_RG_WL_POS(h)], __ATOMIC_ACQUIRE);
		uint64_t free_at = s == 1u ? 0 : (s & ~1ull) + l->span_ns[b];

		at = free_at > at ? free_at : at;
	}
	return at;
}

/*
 * The venue told us to wait (a rate-limit answer, a weight or order count at
 * its limit): no send conforms before until_ns, in this process or any other
 * on the segment.  Raised, never lowered.  Lock-free; any thread (the
 * adapters call it).  No-op on an unlimited limiter.
 */
static inline void rg_venue_limiter_hold_until(struct rg_venue_limiter *l, uint64_t until_ns)
{
	if (l->shm == NULL)
		return;
	uint64_t *word = &l->shm->hold_until.v;
	uint64_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	/* Pairs with the acquire load of rg_venue_limiter_try_acquire. */
	while (cur < until_ns &&
	       !__atomic_compare_exchange_n(word, &cur, until_ns, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

#endif /* RG_VENUE_LIMITER_H */
