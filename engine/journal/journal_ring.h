/*
 * The journal ring: a single-producer / single-consumer ring of 128-byte
 * records in a named shared-memory segment (/rg.<instance>.journal), so that
 * records the engine appended outlive an engine crash and the next writer
 * stores them.
 *
 * Same design as shm/ring.h (Disruptor-style per-slot sequence), adapted to
 * the journal: shm/ring.h's 64-byte slots carry 56-byte payloads, so a
 * record would need two slots, a torn pair on a crash and reassembly; here a
 * slot is exactly one record, and the record's own sequence number is the
 * slot's publication word.  The producer fills bytes 8..127 of the slot and
 * then stores the record's sequence (= its ring position) with release
 * ordering; the consumer sees a record is ready when an acquire load of the
 * slot's sequence equals the position it expects.  Positions are the journal
 * sequence numbers themselves, so "gap-free" is a property of the ring.
 *
 * The consumer (the writer) publishes `written`: every record below it is in
 * a file (its write completed).  The producer reuses a slot only below
 * `written`, so a record stays in shared memory until it is on disk: a
 * writer that dies with records in its buffers loses nothing, the next one
 * rewrites them (and skips what the files already hold).
 *
 * Segment layout (five 128-byte blocks, then the slots):
 *   0 identity (written once)   1 producer-private   2 writer-published
 *   3-4 writer status (struct rg_journal_status, read by the engine and riskctl)
 *
 * The producer side (rg_journal_append and the typed appends in append.h) is
 * wait-free: no system call, no lock, no allocation; it returns false when
 * the ring is full.  The local struct rg_journal handle holds the validated
 * slot pointer and mask, so nothing read from shared memory indexes out of
 * bounds.
 */
#ifndef RG_JOURNAL_RING_H
#define RG_JOURNAL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <riskgate/segment.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_JOURNAL_MAGIC 0x4c4e524a47520a01ULL /* "\x01\nRGJRNL" little-endian */
#define RG_JOURNAL_ABI_VERSION 1u
#define RG_JOURNAL_BLOCK 128u
#define RG_JOURNAL_MIN_CAPACITY 64u
#define RG_JOURNAL_MAX_CAPACITY (1u << 24) /* 2 GiB of records */
#define RG_JOURNAL_NAME_MAX 80u

/* What the writer is doing, in rg_journal_status.state. */
enum rg_journal_writer_state {
	RG_JW_STOPPED = 0, /* no writer attached */
	RG_JW_RUNNING = 1, /* writing; records reach the files */
	RG_JW_ERROR = 2,   /* a write, open, preallocation or sync fails: records pile up in the ring */
};

/* The operation an error came from, in rg_journal_status.error_op. */
enum rg_journal_op {
	RG_JOP_NONE = 0,
	RG_JOP_OPEN = 1,      /* creating or opening the day's file or the directory */
	RG_JOP_FALLOCATE = 2, /* preallocating file space */
	RG_JOP_WRITE = 3,     /* writing a block */
	RG_JOP_FSYNC = 4,     /* fdatasync */
	RG_JOP_TRUNCATE = 5,  /* trimming the preallocated tail at close */
	RG_JOP_RETENTION = 6, /* removing an old day's file */
	RG_JOP_ROTATE = 7,    /* closing a day's file */
};

/*
 * The writer's status: single writer (the writer thread), every word read
 * and written with relaxed atomics, so readers (the engine, riskctl) see each
 * field whole.  The error fields describe the most recent error; state says
 * whether it is still in force.
 */
struct rg_journal_status {
	uint32_t state;            /* enum rg_journal_writer_state */
	int32_t error;             /* errno of the most recent error (positive); 0 = none ever */
	uint32_t error_op;         /* enum rg_journal_op of that error */
	uint32_t file_date;        /* YYYYMMDD of the file being written; 0 = none open */
	uint64_t error_real_ns;    /* CLOCK_REALTIME of that error */
	uint64_t heartbeat_ns;     /* writer's CLOCK_MONOTONIC at its last pass */
	uint64_t durable_seq;      /* every record below this was fdatasync'd */
	uint64_t records_written;  /* by writers of this segment, since it was created */
	uint64_t blocks_written;
	uint64_t bytes_written;
	uint64_t fsyncs;
	uint64_t write_errors;     /* failed writes, opens, preallocations and syncs */
	uint64_t rotations;        /* day files closed at the trading-day boundary */
	uint64_t files_removed;    /* by the retention setting */
	uint64_t last_hash[4];     /* chain hash of the last block written (32 bytes) */
	uint8_t pad[256 - 128];
};
RG_STATIC_ASSERT(sizeof(struct rg_journal_status) == 2 * RG_JOURNAL_BLOCK, "status is two blocks");

/* The part of the segment ahead of the slots. */
struct rg_journal_shared {
	/* Block 0: identity, written once by the creator. */
	uint64_t magic;            /* RG_JOURNAL_MAGIC */
	uint32_t abi_version;      /* RG_JOURNAL_ABI_VERSION */
	uint32_t record_size;      /* RG_JREC_SIZE */
	uint64_t capacity;         /* records, a power of two */
	uint64_t total_size;       /* bytes in the segment */
	uint64_t created_real_ns;
	int32_t creator_pid;
	uint32_t header_size;      /* sizeof(struct rg_journal_shared) */
	char instance[RG_NAME_MAX];
	uint8_t pad0[RG_JOURNAL_BLOCK - 48 - RG_NAME_MAX];

	/* Block 1: producer-private, in shared memory so a restarted producer
	 * resumes the sequence where the previous one stopped. */
	uint64_t head;             /* next sequence the producer writes */
	uint64_t cached_written;   /* producer's last acquired view of `written` */
	uint64_t full_count;       /* appends refused because the ring was full */
	uint8_t pad1[RG_JOURNAL_BLOCK - 24];

	/* Block 2: writer-published. */
	uint64_t written;          /* every record below is in a file; release by the writer */
	uint8_t pad2[RG_JOURNAL_BLOCK - 8];

	/* Blocks 3-4. */
	struct rg_journal_status status;
} __attribute__((aligned(RG_JOURNAL_BLOCK)));

RG_STATIC_ASSERT(sizeof(struct rg_journal_shared) == 5 * RG_JOURNAL_BLOCK, "journal header is five blocks");
RG_STATIC_ASSERT(offsetof(struct rg_journal_shared, head) == 1 * RG_JOURNAL_BLOCK, "producer block");
RG_STATIC_ASSERT(offsetof(struct rg_journal_shared, written) == 2 * RG_JOURNAL_BLOCK, "writer block");
RG_STATIC_ASSERT(offsetof(struct rg_journal_shared, status) == 3 * RG_JOURNAL_BLOCK, "status blocks");

/* A process-local handle on the journal ring. */
struct rg_journal {
	struct rg_journal_shared *shared;
	struct rg_jrec *slots;       /* capacity records after the header */
	uint64_t mask;               /* capacity - 1 */
	uint64_t reserve;            /* slots rg_journal_admit keeps free for non-order records */
	int64_t real_offset_ns;      /* CLOCK_REALTIME - CLOCK_MONOTONIC, see rg_journal_set_clock */
	size_t map_size;
	int fd;
	bool created;                /* this open created the segment (no records of a previous run) */
	bool writable;
	char name[RG_JOURNAL_NAME_MAX];
};

/* How to create or attach the ring. */
struct rg_journal_ring_cfg {
	const char *instance;        /* 1..31 of [A-Za-z0-9_-] */
	uint64_t capacity;           /* records, power of two in [RG_JOURNAL_MIN_CAPACITY, RG_JOURNAL_MAX_CAPACITY] */
	uint64_t reserve;            /* kept for non-order records; 0 = capacity / 8 */
	uint64_t start_seq;          /* first sequence of a newly created ring; 0 = 1 (the writer
				      * moves an empty ring forward to follow the files) */
	struct rg_seg_perms perms;   /* owner, group, mode (e.g. 0600), mlock */
};

/* Bytes a ring of `capacity` records needs, or 0 for a bad capacity. */
static inline size_t rg_journal_memsize(uint64_t capacity)
{
	if (capacity < RG_JOURNAL_MIN_CAPACITY || capacity > RG_JOURNAL_MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
		return 0;
	return sizeof(struct rg_journal_shared) + (size_t)capacity * RG_JREC_SIZE;
}

/*
 * Creates the instance's journal ring, or attaches to the one a previous
 * engine left (its unwritten records are kept: start the writer before
 * appending).  Attach checks magic, ABI version, record size, capacity and
 * size, and moves the producer position past any record a crashed producer
 * published without advancing it.  Returns 0, or -EINVAL (bad name or
 * capacity), -EBADMSG (not a journal ring, or another capacity: its records
 * are not yet written, so it is never reformatted silently),
 * -EPROTONOSUPPORT (another ABI version), or another -errno of
 * shm_open/ftruncate/mmap/mlock/fchown, with the reason in err.  Cold path.
 */
int rg_journal_open(struct rg_journal *j, const struct rg_journal_ring_cfg *cfg, char *err, size_t errlen);

/* Maps an existing journal ring read-only (riskctl: status only). */
int rg_journal_attach_readonly(struct rg_journal *j, const char *instance, char *err, size_t errlen);

/* Unmaps; the segment and its records stay.  Safe on a closed handle. */
void rg_journal_close(struct rg_journal *j);

/* Removes the instance's journal segment name.  0 or -errno. */
int rg_journal_unlink(const char *instance);

/* The shm name of the instance's journal ring: "/rg.<instance>.journal". */
int rg_journal_name(char *buf, size_t len, const char *instance);

/*
 * Sets the offset the producer adds to a record's CLOCK_MONOTONIC stamp to
 * get its CLOCK_REALTIME stamp: real = mono + (real_ns - mono_ns), from a
 * pair the caller read close together.  The engine calls it at start and
 * then about once a second from its cold work, so the hot path never reads
 * the realtime clock; a stepped clock moves the stamps at the next call.
 */
static inline void rg_journal_set_clock(struct rg_journal *j, uint64_t mono_ns, uint64_t real_ns)
{
	j->real_offset_ns = (int64_t)(real_ns - mono_ns);
}

/* ---- producer side: the engine thread ---------------------------------- */

/* Internal: records the producer may append, refreshing its view of the
 * writer only when the cached one shows fewer than `want`. */
static inline uint64_t _rg_journal_free(struct rg_journal *j, uint64_t head, uint64_t want)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t cap = j->mask + 1;
	uint64_t used = head - s->cached_written;

	if (used > cap || cap - used < want) {
		/* Pairs with the writer's release store of `written`. */
		s->cached_written = __atomic_load_n(&s->written, __ATOMIC_ACQUIRE);
		used = head - s->cached_written;
		if (used > cap)
			return 0;
	}
	return cap - used;
}

/* True when `n` records can be appended now. */
static inline bool rg_journal_room(struct rg_journal *j, uint64_t n)
{
	return _rg_journal_free(j, j->shared->head, n) >= n;
}

/*
 * True when an order may be admitted: `n` records fit with the reserve left
 * over for the records that must never be refused (venue events, kills,
 * state changes).  The engine rejects an order with AUDIT_BACKPRESSURE when
 * this is false.
 */
static inline bool rg_journal_admit(struct rg_journal *j, uint64_t n)
{
	return rg_journal_room(j, n + j->reserve);
}

/*
 * Records are written straight into their slot, field by field, never built
 * elsewhere and copied: a record assembled from narrow stores and then
 * copied with wide loads stalls on store-to-load forwarding (about 20 ns a
 * record on the machine of docs/benchmarks.md, against a few ns this way).
 */

/* Internal: the slot of position pos. */
static inline struct rg_jrec *_rg_journal_slot(struct rg_journal *j, uint64_t pos)
{
	return &j->slots[pos & j->mask];
}

/* Internal: the header fields after the sequence, as two stamps and one word. */
static inline void _rg_journal_hdr(const struct rg_journal *j, struct rg_jrec *slot, uint16_t type, uint64_t now_ns,
				   uint32_t strategy, uint32_t account)
{
	uint64_t w = (uint64_t)type | (uint64_t)RG_JREC_SIZE << 16 | (uint64_t)(uint16_t)strategy << 32 |
		     (uint64_t)(uint16_t)account << 48;

	slot->h.real_ns = now_ns + (uint64_t)j->real_offset_ns;
	slot->h.mono_ns = now_ns;
	memcpy(&slot->h.type, &w, sizeof(w));
}

/*
 * Internal: fetches the slots of positions pos .. pos + n - 1 ahead of their
 * use.  With a ring larger than the caches, a slot's lines were last touched
 * a lap ago and come from L3 or memory; on x86 stores become visible in
 * order, so a slot missing the cache would hold back the store that follows
 * the append (the engine's report to the strategy).  Fetching the next
 * record's lines after each append takes the miss off that path.
 */
static inline void _rg_journal_prefetch(struct rg_journal *j, uint64_t pos, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *p = (const char *)_rg_journal_slot(j, pos + i);
		__builtin_prefetch(p, 1, 3);
		__builtin_prefetch(p + 64, 1, 3);
	}
}

/* Internal: publishes the filled slot of position pos. */
static inline void _rg_journal_publish(struct rg_jrec *slot, uint64_t pos)
{
	/* Pairs with the writer's acquire load of the slot's sequence. */
	__atomic_store_n(&slot->h.seq, pos, __ATOMIC_RELEASE);
}

/* Internal: counts an append refused for want of room. */
static inline void _rg_journal_refused(struct rg_journal_shared *s)
{
	/* Relaxed atomics: riskctl and the status reader look at it. */
	__atomic_store_n(&s->full_count, s->full_count + 1, __ATOMIC_RELAXED);
}

/*
 * Appends one record: type, CLOCK_MONOTONIC now_ns (the realtime stamp is
 * derived, see rg_journal_set_clock), strategy and account indexes
 * (RG_JREC_NONE when not about one) and the 96-byte body.  Returns true, or
 * false when the ring is full (nothing written; counted in full_count).
 * Wait-free, no system call; engine thread only.
 */
static inline bool rg_journal_append(struct rg_journal *j, uint16_t type, uint64_t now_ns, uint32_t strategy,
				     uint32_t account, const void *body)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t head = s->head;
	struct rg_jrec *slot;

	if (__builtin_expect(_rg_journal_free(j, head, 1) == 0, 0)) {
		_rg_journal_refused(s);
		return false;
	}
	slot = _rg_journal_slot(j, head);
	_rg_journal_hdr(j, slot, type, now_ns, strategy, account);
	memcpy(slot->u.body, body, RG_JREC_BODY_SIZE);
	_rg_journal_publish(slot, head);
	__atomic_store_n(&s->head, head + 1, __ATOMIC_RELAXED);
	_rg_journal_prefetch(j, head + 1, 1);
	return true;
}

/*
 * Zero-copy append, for records built on the hot path: rg_journal_claim
 * returns the next slot with its body zeroed (NULL when the ring is full,
 * counted like a refused append); fill slot->u.<body> and publish it with
 * rg_journal_commit.  One claim at a time; nothing else may be appended
 * between the two calls.
 */
static inline struct rg_jrec *rg_journal_claim(struct rg_journal *j)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t head = s->head;
	struct rg_jrec *slot;

	if (__builtin_expect(_rg_journal_free(j, head, 1) == 0, 0)) {
		_rg_journal_refused(s);
		return NULL;
	}
	slot = _rg_journal_slot(j, head);
	memset(slot->u.body, 0, RG_JREC_BODY_SIZE);
	return slot;
}

static inline void rg_journal_commit(struct rg_journal *j, struct rg_jrec *slot, uint16_t type, uint64_t now_ns,
				     uint32_t strategy, uint32_t account)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t head = s->head;

	_rg_journal_hdr(j, slot, type, now_ns, strategy, account);
	_rg_journal_publish(slot, head);
	__atomic_store_n(&s->head, head + 1, __ATOMIC_RELAXED);
	_rg_journal_prefetch(j, head + 1, 1);
}

/* The sequence the next record will get. */
static inline uint64_t rg_journal_next_seq(const struct rg_journal *j)
{
	return __atomic_load_n(&j->shared->head, __ATOMIC_RELAXED);
}

/* ---- consumer side: the writer ----------------------------------------- */

/* The record at sequence `pos` if the producer has published it, else NULL.
 * The record stays valid until `written` passes it. */
static inline const struct rg_jrec *rg_journal_peek(const struct rg_journal *j, uint64_t pos)
{
	const struct rg_jrec *r = &j->slots[pos & j->mask];

	/* Pairs with the release store in _rg_journal_publish. */
	return __atomic_load_n(&r->h.seq, __ATOMIC_ACQUIRE) == pos ? r : NULL;
}

/* Every record below `pos` is in a file: the producer may reuse their slots. */
static inline void rg_journal_publish_written(struct rg_journal *j, uint64_t pos)
{
	/* Pairs with the acquire load in _rg_journal_free.  Release: the
	 * writer's reads of the slots happen before their reuse. */
	__atomic_store_n(&j->shared->written, pos, __ATOMIC_RELEASE);
}

static inline uint64_t rg_journal_written(const struct rg_journal *j)
{
	return __atomic_load_n(&j->shared->written, __ATOMIC_ACQUIRE);
}

/*
 * Internal (writer start-up only, with no producer running): restarts an
 * empty ring at sequence `seq`, so the sequence continues after the files.
 */
void _rg_journal_restart_at(struct rg_journal *j, uint64_t seq);

/* ---- status ------------------------------------------------------------ */

/* A consistent-enough copy of the writer status (each field read whole). */
struct rg_journal_status_view {
	uint32_t state, error_op, file_date;
	int32_t error;
	uint64_t error_real_ns, heartbeat_ns, durable_seq, records_written, blocks_written, bytes_written, fsyncs,
		write_errors, rotations, files_removed;
	uint8_t last_hash[32];
	uint64_t head, written, full_count, capacity; /* ring positions: head - written records wait */
};

/* Reads the status; any thread or process with the segment mapped. */
void rg_journal_status_read(const struct rg_journal *j, struct rg_journal_status_view *out);

/* "RUNNING", "ERROR", "STOPPED". */
const char *rg_journal_state_str(uint32_t state);

/* "write", "fallocate", ... for enum rg_journal_op. */
const char *rg_journal_op_str(uint32_t op);

/*
 * One line for people about the status, e.g.
 * "ERROR: write journal-20240501.rgj failed: File too large (EFBIG); 8192 records wait in the ring".
 * Returns buf.
 */
char *rg_journal_status_str(const struct rg_journal_status_view *v, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_RING_H */
