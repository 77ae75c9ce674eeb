/*
 * riskgate ring: a wait-free single-producer / single-consumer ring of fixed
 * 64-byte slots, laid out for shared memory between two processes.
 *
 * Each slot carries its own sequence number next to a 56-byte payload, as in
 * the LMAX Disruptor and Aeron: the producer fills the payload and then
 * publishes the slot by storing its position into slot->seq with release
 * ordering; the consumer sees a slot is ready when an acquire load of
 * slot->seq equals the position it expects.  In the steady state one cache
 * line (the slot) crosses from the producer's core to the consumer's core per
 * message: the producer never reads a consumer-written line unless its cached
 * view says the ring is full, and the consumer publishes its position lazily.
 *
 * Memory layout (see docs/shm-abi.md):
 *   struct rg_ring_shared   four 128-byte blocks: config, producer-private,
 *                           consumer-private, consumer-published
 *   struct rg_slot[cap]     the slots, 64 bytes each
 * Counters are free-running 64-bit positions; a slot index is pos & mask.
 *
 * The shared memory is never trusted for anything that could take an access
 * out of bounds: each side works through a local struct rg_ring handle that
 * holds the slot pointer and mask it validated at attach time.  A peer that
 * scribbles on the shared counters can only confuse its own traffic.
 *
 * Every call is wait-free, never blocks, never allocates and makes no system
 * call.  Usable on its own: this header depends on nothing else in riskgate.
 */
#ifndef RG_RING_H
#define RG_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layout checks: _Static_assert in C, static_assert when included from C++. */
#ifdef __cplusplus
#define RG_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define RG_CACHELINE 64u
/* Producer- and consumer-written blocks are kept two lines apart so the
 * adjacent-line prefetcher does not pull one side's line with the other's. */
#define RG_RING_GUARD 128u
#define RG_SLOT_SIZE 64u
#define RG_SLOT_PAYLOAD 56u
#define RG_RING_MIN_CAPACITY 2u
#define RG_RING_MAX_CAPACITY (1u << 24)
#define RG_RING_MAGIC 0x474e495247520a01ULL /* "\x01\nRGRING" */

/* One slot: 8-byte sequence then the payload.  Exactly one cache line. */
struct rg_slot {
	uint64_t seq;                          /* position published here; release by producer, acquire by consumer */
	unsigned char payload[RG_SLOT_PAYLOAD]; /* message bytes, opaque to the ring */
} __attribute__((aligned(RG_CACHELINE)));

/* The part of the ring that lives in shared memory, ahead of the slots. */
struct rg_ring_shared {
	/* Block 0: written once by rg_ring_init, read-only afterwards. */
	uint64_t magic;           /* RG_RING_MAGIC */
	uint64_t capacity;        /* number of slots, a power of two */
	uint64_t slot_size;       /* RG_SLOT_SIZE */
	uint8_t pad0[RG_RING_GUARD - 3 * sizeof(uint64_t)];

	/* Block 1: producer-private.  Kept in shared memory so a restarted
	 * producer resumes where the previous one stopped. */
	uint64_t head;            /* next position the producer writes */
	uint64_t cached_tail;     /* producer's last acquired view of published_tail */
	uint8_t pad1[RG_RING_GUARD - 2 * sizeof(uint64_t)];

	/* Block 2: consumer-private. */
	uint64_t tail;            /* next position the consumer reads */
	uint64_t last_published;  /* value last stored into published_tail */
	uint8_t pad2[RG_RING_GUARD - 2 * sizeof(uint64_t)];

	/* Block 3: consumer-published, read by the producer only when full. */
	uint64_t published_tail;  /* release by consumer after it copied the slots out; acquire by producer before reusing them */
	uint8_t pad3[RG_RING_GUARD - sizeof(uint64_t)];
} __attribute__((aligned(RG_RING_GUARD)));

RG_STATIC_ASSERT(sizeof(struct rg_slot) == RG_SLOT_SIZE, "slot is one cache line");
RG_STATIC_ASSERT(offsetof(struct rg_slot, payload) == 8, "payload follows seq");
RG_STATIC_ASSERT(sizeof(struct rg_ring_shared) == 4 * RG_RING_GUARD, "ring metadata is four guarded blocks");
RG_STATIC_ASSERT(offsetof(struct rg_ring_shared, head) == 1 * RG_RING_GUARD, "producer block");
RG_STATIC_ASSERT(offsetof(struct rg_ring_shared, tail) == 2 * RG_RING_GUARD, "consumer block");
RG_STATIC_ASSERT(offsetof(struct rg_ring_shared, published_tail) == 3 * RG_RING_GUARD, "published block");

/* A process-local handle on a ring.  Holds the validated slot pointer and
 * mask so that nothing read from shared memory can index out of bounds. */
struct rg_ring {
	struct rg_ring_shared *shared; /* metadata in shared memory */
	struct rg_slot *slots;         /* capacity slots following the metadata */
	uint64_t mask;                 /* capacity - 1 */
};

static inline bool rg_ring_capacity_valid(uint64_t capacity)
{
	return capacity >= RG_RING_MIN_CAPACITY && capacity <= RG_RING_MAX_CAPACITY &&
	       (capacity & (capacity - 1)) == 0;
}

/*
 * Bytes of memory a ring of `capacity` slots needs (metadata plus slots), or 0
 * when capacity is not a power of two in [RG_RING_MIN_CAPACITY,
 * RG_RING_MAX_CAPACITY].  The memory must be RG_RING_GUARD-aligned.
 */
static inline size_t rg_ring_memsize(uint64_t capacity)
{
	if (!rg_ring_capacity_valid(capacity))
		return 0;
	return sizeof(struct rg_ring_shared) + (size_t)capacity * sizeof(struct rg_slot);
}

/* Internal: format at an arbitrary starting position, so tests can start the
 * counters near 2^32 or 2^64.  Slot j gets the sequence of the previous lap,
 * which never equals a position the consumer will expect there. */
static inline int _rg_ring_init_at(void *mem, uint64_t capacity, uint64_t start)
{
	struct rg_ring_shared *s = (struct rg_ring_shared *)mem;
	struct rg_slot *slots;
	uint64_t i;

	if (mem == NULL || ((uintptr_t)mem % RG_RING_GUARD) != 0 || !rg_ring_capacity_valid(capacity))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->magic = RG_RING_MAGIC;
	s->capacity = capacity;
	s->slot_size = RG_SLOT_SIZE;
	s->head = s->cached_tail = start;
	s->tail = s->last_published = s->published_tail = start;
	slots = (struct rg_slot *)(s + 1);
	for (i = 0; i < capacity; i++) {
		uint64_t pos = start + i;
		memset(&slots[pos & (capacity - 1)], 0, sizeof(struct rg_slot));
		slots[pos & (capacity - 1)].seq = pos - capacity;
	}
	return 0;
}

/*
 * Formats `mem` (rg_ring_memsize(capacity) bytes, RG_RING_GUARD-aligned) as an
 * empty ring.  Returns 0, or -EINVAL for a bad capacity, NULL or misaligned
 * memory.  Not thread-safe: call before either side attaches.
 */
static inline int rg_ring_init(void *mem, uint64_t capacity)
{
	return _rg_ring_init_at(mem, capacity, 0);
}

/*
 * Binds a local handle to a ring formatted by rg_ring_init.  `capacity` is
 * what the caller expects (from its own configuration or a validated segment
 * header); the shared metadata must agree.  Returns 0, or -EINVAL (bad
 * arguments) or -EBADMSG (the metadata disagrees: corrupt or not a ring).
 * The handle borrows `mem`; it stays valid as long as the mapping does.
 */
static inline int rg_ring_attach(struct rg_ring *r, void *mem, uint64_t capacity)
{
	const struct rg_ring_shared *s = (const struct rg_ring_shared *)mem;

	if (r == NULL || mem == NULL || ((uintptr_t)mem % RG_RING_GUARD) != 0 || !rg_ring_capacity_valid(capacity))
		return -EINVAL;
	if (s->magic != RG_RING_MAGIC || s->capacity != capacity || s->slot_size != RG_SLOT_SIZE)
		return -EBADMSG;
	r->shared = (struct rg_ring_shared *)mem;
	r->slots = (struct rg_slot *)(r->shared + 1);
	r->mask = capacity - 1;
	return 0;
}

/* ---- producer side: one thread at a time ------------------------------ */

/* Internal: slots the producer may fill, refreshing its view of the
 * consumer only when the cached one shows fewer than `want`.  A consumer
 * position ahead of head (corruption) reads as a full ring. */
static inline uint64_t _rg_ring_free(struct rg_ring *r, uint64_t head, uint64_t want)
{
	struct rg_ring_shared *s = r->shared;
	uint64_t cap = r->mask + 1;
	uint64_t used = head - s->cached_tail;

	if (used > cap || cap - used < want) {
		/* Pairs with the release store of published_tail in _rg_ring_publish. */
		s->cached_tail = __atomic_load_n(&s->published_tail, __ATOMIC_ACQUIRE);
		used = head - s->cached_tail;
		if (used > cap)
			return 0;
	}
	return cap - used;
}

/*
 * Copies one RG_SLOT_PAYLOAD-byte message into the ring.  Returns true, or
 * false when the ring is full (nothing written).  Wait-free; safe with one
 * concurrent consumer; at most one producer at a time.
 */
static inline bool rg_ring_push_spsc(struct rg_ring *r, const void *msg)
{
	struct rg_ring_shared *s = r->shared;
	uint64_t head = s->head;
	struct rg_slot *slot;

	if (_rg_ring_free(r, head, 1) == 0)
		return false;
	slot = &r->slots[head & r->mask];
	memcpy(slot->payload, msg, RG_SLOT_PAYLOAD);
	/* Pairs with the acquire load of slot->seq in the consumer. */
	__atomic_store_n(&slot->seq, head, __ATOMIC_RELEASE);
	s->head = head + 1;
	return true;
}

/* Internal: rg_ring_push_burst_spsc; with `stamp`, byte `stamp_off` of each
 * message is then set to `stamp_byte` in its slot, before it is published
 * (the client marks an order's kind so without copying the order twice). */
static inline unsigned _rg_ring_push_burst(struct rg_ring *r, const void *msgs, unsigned n, bool stamp,
					   size_t stamp_off, unsigned char stamp_byte)
{
	struct rg_ring_shared *s = r->shared;
	const unsigned char *src = (const unsigned char *)msgs;
	uint64_t head = s->head;
	uint64_t room = _rg_ring_free(r, head, n);
	unsigned i;

	if (room < n)
		n = (unsigned)room;
	for (i = 0; i < n; i++) {
		struct rg_slot *slot = &r->slots[(head + i) & r->mask];
		memcpy(slot->payload, src + (size_t)i * RG_SLOT_PAYLOAD, RG_SLOT_PAYLOAD);
		if (stamp && stamp_off < RG_SLOT_PAYLOAD)
			slot->payload[stamp_off] = stamp_byte;
		/* Pairs with the acquire load of slot->seq in the consumer. */
		__atomic_store_n(&slot->seq, head + i, __ATOMIC_RELEASE);
	}
	s->head = head + n;
	return n;
}

/*
 * Copies up to `n` consecutive messages (each RG_SLOT_PAYLOAD bytes, packed)
 * into the ring.  Returns how many were pushed: n, fewer when the ring fills,
 * 0 when full.  Same guarantees as rg_ring_push_spsc.
 */
static inline unsigned rg_ring_push_burst_spsc(struct rg_ring *r, const void *msgs, unsigned n)
{
	return _rg_ring_push_burst(r, msgs, n, false, 0, 0);
}

/*
 * Zero-copy push: the payload of the next free slot (RG_SLOT_PAYLOAD bytes),
 * with its position in *pos, or NULL when the ring is full.  Write every
 * byte of the message there, then publish it with rg_ring_commit_spsc(r,
 * *pos); nothing else may be pushed in between.  Same guarantees as
 * rg_ring_push_spsc, without building the message elsewhere and copying it.
 */
static inline void *rg_ring_claim_spsc(struct rg_ring *r, uint64_t *pos)
{
	uint64_t head = r->shared->head;

	if (_rg_ring_free(r, head, 1) == 0)
		return NULL;
	*pos = head;
	return r->slots[head & r->mask].payload;
}

static inline void rg_ring_commit_spsc(struct rg_ring *r, uint64_t pos)
{
	/* Pairs with the acquire load of slot->seq in the consumer. */
	__atomic_store_n(&r->slots[pos & r->mask].seq, pos, __ATOMIC_RELEASE);
	r->shared->head = pos + 1;
}

/* ---- consumer side: one thread at a time ------------------------------ */

/* Internal: make the consumer's position visible to the producer.  Release:
 * our copies out of the slots happen before the producer may overwrite them
 * (pairs with the acquire load in _rg_ring_free). */
static inline void _rg_ring_publish(struct rg_ring_shared *s, uint64_t tail)
{
	__atomic_store_n(&s->published_tail, tail, __ATOMIC_RELEASE);
	s->last_published = tail;
}

/*
 * Copies the next message out of the ring into `msg` (RG_SLOT_PAYLOAD bytes).
 * Returns true, or false when the ring is empty.  The consumer's position is
 * published lazily: every quarter ring, and whenever the ring is found empty,
 * so a producer waiting on a full ring always sees progress.
 */
static inline bool rg_ring_pop_spsc(struct rg_ring *r, void *msg)
{
	struct rg_ring_shared *s = r->shared;
	uint64_t tail = s->tail;
	const struct rg_slot *slot = &r->slots[tail & r->mask];

	/* Pairs with the release store of slot->seq in the producer. */
	if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != tail) {
		if (s->last_published != tail)
			_rg_ring_publish(s, tail);
		return false;
	}
	memcpy(msg, slot->payload, RG_SLOT_PAYLOAD);
	s->tail = ++tail;
	if (tail - s->last_published > (r->mask >> 2))
		_rg_ring_publish(s, tail);
	return true;
}

/*
 * Copies up to `n` messages out of the ring into `msgs` (packed, each
 * RG_SLOT_PAYLOAD bytes).  Returns how many were popped (0 when empty) and
 * publishes the consumer's position once for the whole burst.
 */
static inline unsigned rg_ring_pop_burst_spsc(struct rg_ring *r, void *msgs, unsigned n)
{
	struct rg_ring_shared *s = r->shared;
	unsigned char *dst = (unsigned char *)msgs;
	uint64_t tail = s->tail;
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct rg_slot *slot = &r->slots[(tail + i) & r->mask];
		/* Pairs with the release store of slot->seq in the producer. */
		if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != tail + i)
			break;
		memcpy(dst + (size_t)i * RG_SLOT_PAYLOAD, slot->payload, RG_SLOT_PAYLOAD);
	}
	tail += i;
	s->tail = tail;
	if (s->last_published != tail)
		_rg_ring_publish(s, tail);
	return i;
}

/*
 * Zero-copy pop, the consumer's counterpart of claim / commit: read messages
 * in place in their slots.  rg_ring_read_pos gives the consumer's position
 * p; rg_ring_peek_spsc(r, p), (r, p + 1), ... the payload (RG_SLOT_PAYLOAD
 * bytes) of each message that has arrived, NULL from the first that has
 * not; rg_ring_release_spsc(r, q) then gives every slot before position q
 * back to the producer (q no further than the last message peeked, plus
 * one), publishing the consumer's position.  Slots given back may be
 * overwritten at once: read what you need before.  One consumer at a time;
 * nothing else may pop in between.
 */
static inline uint64_t rg_ring_read_pos(const struct rg_ring *r)
{
	return r->shared->tail;
}

static inline const void *rg_ring_peek_spsc(const struct rg_ring *r, uint64_t pos)
{
	const struct rg_slot *slot = &r->slots[pos & r->mask];

	/* Pairs with the release store of slot->seq in the producer. */
	return __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) == pos ? slot->payload : NULL;
}

static inline void rg_ring_release_spsc(struct rg_ring *r, uint64_t pos)
{
	struct rg_ring_shared *s = r->shared;

	s->tail = pos;
	if (s->last_published != pos)
		_rg_ring_publish(s, pos);
}

/*
 * Messages waiting, as seen from the consumer side by reading the slots'
 * sequences (at most `limit` are examined).  For monitoring; not exact
 * while the producer runs.
 */
static inline uint64_t rg_ring_pending(const struct rg_ring *r, uint64_t limit)
{
	uint64_t tail = r->shared->tail;
	uint64_t n = 0;

	while (n < limit && n <= r->mask &&
	       __atomic_load_n(&r->slots[(tail + n) & r->mask].seq, __ATOMIC_ACQUIRE) == tail + n)
		n++;
	return n;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_RING_H */
