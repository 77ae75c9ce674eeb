/*
 * The journal writer (writer.h): ring -> buffers -> io_uring -> day files.
 *
 * Each buffer is one block: a 64-byte block header and up to
 * (block_bytes - 64) / 128 records.  The records are never copied: they stay
 * in their ring slots, which the producer cannot reuse before `written`
 * passes them, and the block goes out as one io_uring writev of the header
 * and the records where they lie (one or two pieces of the ring).  Their
 * chunk digests (format 4) are computed as the records come in, a batch of
 * chunks at a time (sixteen with AVX-512, two with the SHA extensions)
 * while the lines are still in cache; sealing a block hashes the rest and
 * then the header and the chunk digests.  A buffer is sealed and submitted when it
 * is full, when its oldest record has waited flush_ns, or at a day
 * boundary; up to `inflight` buffers are in flight, and their completions
 * may arrive in any order.  `written` (the ring's consumer position)
 * advances over the buffers in sequence order only when every earlier
 * buffer has completed, so a record leaves the ring once it is in the file
 * and never before.
 *
 * A failed write keeps its buffer, marks the status ERROR and is retried
 * every retry_ns; the producer sees the ring fill and the engine refuses
 * orders.  An fdatasync is submitted through io_uring on an interval; it
 * covers every write that had completed when it was submitted.
 *
 * Day files: a buffer only holds records of one trading day (by the record's
 * CLOCK_REALTIME stamp).  The first record past the open file's day closes
 * that file (all writes completed, trimmed, synced) and opens the next one,
 * whose header carries the previous file's last chain hash.  A record stamped
 * before the open file's day (a clock stepped back) stays in the open file.
 */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "checkpoint_file.h"
#include "clock.h"
#include "day_files.h"
#include "owned_file.h"
#include "reader.h"

#define FSYNC_TAG UINT64_MAX
#define DRAIN_ATTEMPTS 3

enum buf_state { BUF_FREE = 0, BUF_FILLING, BUF_INFLIGHT, BUF_DONE, BUF_FAILED };

/* Chunk digests of the largest block. */
#define WB_MAX_CHUNKS \
	(((RG_JW_MAX_BLOCK_BYTES - RG_JBLOCK_HEADER_SIZE) / RG_JREC_SIZE + RG_JCHUNK_RECORDS - 1) / RG_JCHUNK_RECORDS)

struct wbuf {
	struct rg_jblock_header hdr;  /* goes ahead of the records */
	struct rg_jrec *rec[2];       /* the records in the journal ring: one piece, or two where it wraps */
	uint32_t nrec[2];
	struct iovec iov[3];          /* what is left to write of the block */
	uint32_t hashed;              /* records whose chunk digests are in `digests` */
	uint8_t digests[WB_MAX_CHUNKS * RG_JHASH_SIZE];
	uint32_t len;        /* bytes of the sealed block */
	uint32_t done;       /* bytes of it written so far */
	uint32_t n;          /* records */
	uint64_t first_seq;
	uint64_t off;        /* file offset of the block */
	int state;           /* enum buf_state */
};

struct rg_journal_writer {
	struct rg_journal *j;
	struct rg_journal_writer_cfg cfg;
	char dir[PATH_MAX];
	int dirfd;
	struct rg_jhasher *hasher;
	struct io_uring ring;
	bool ring_ok;
	struct wbuf bufs[RG_JW_MAX_INFLIGHT];
	unsigned nbufs;
	unsigned fifo[RG_JW_MAX_INFLIGHT]; /* submitted buffers in sequence order */
	unsigned fifo_head, fifo_len;
	int cur;                  /* buffer being filled, -1 when none */
	uint32_t max_records;     /* per block */
	uint64_t oldest_ns;       /* when the buffer being filled got its first record */
	unsigned ops;             /* submitted operations not yet completed */

	/* the open day file */
	int fd;
	int64_t day;              /* INT64_MIN when no file is open */
	uint64_t day_end_ns;      /* CLOCK_REALTIME where the open file's day ends */
	uint64_t file_off, alloc_end, block_index;
	uint32_t file_version;    /* its header's format version: how its blocks are hashed */
	uint8_t hash[RG_JHASH_SIZE];

	/* the latest day file found at create, to append to or chain from */
	bool have_latest;
	int64_t latest_day;
	uint64_t latest_end, latest_blocks, latest_next_seq;
	uint32_t latest_version;
	uint8_t latest_hash[RG_JHASH_SIZE];

	/* the chain of the last closed file, for the next file's header */
	bool have_prev;
	uint64_t prev_last_seq;
	uint8_t prev_hash[RG_JHASH_SIZE];

	uint64_t read_pos;        /* next sequence to take from the ring */
	unsigned quiet;           /* passes in a row that found nothing to do */
	uint64_t written;         /* every record below is in a file */
	bool dirty;               /* writes completed since the last fdatasync was submitted */
	bool fsync_inflight;
	uint64_t fsync_seq, last_sync_ns;

	unsigned err_active;      /* bit per enum rg_journal_op still failing */
	uint64_t retry_at;        /* no open / write retry before this CLOCK_MONOTONIC */

	/* a chunk that wraps around the end of the ring, made contiguous */
	uint8_t wrapped[RG_JCHUNK_RECORDS * RG_JREC_SIZE];
	uint32_t early;           /* records not yet hashed that make a batch worth hashing early */

	pthread_t thread;
	bool running;
	int stop;                 /* atomic: the thread drains and exits */
	int thread_rc;
	uint64_t tail_truncated;
	bool found_files;
	uint64_t first_seq;       /* the first sequence this writer writes (fixed at create) */
};

/* ---- status ---------------------------------------------------------------- */

#define ST(w) (&(w)->j->shared->status)
#define SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define ADD(field, v) __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)

/* Records an error; a `blocking` one puts the writer in ERROR until cleared. */
static void set_error(struct rg_journal_writer *w, unsigned op, int errnum, bool blocking)
{
	struct rg_journal_status *st = ST(w);

	SET(st->error, (int32_t)errnum);
	SET(st->error_op, (uint32_t)op);
	SET(st->error_real_ns, rg_real_ns());
	ADD(st->write_errors, 1);
	if (blocking) {
		w->err_active |= 1u << op;
		SET(st->state, (uint32_t)RG_JW_ERROR);
		w->retry_at = rg_mono_ns() + w->cfg.retry_ns;
	}
}

static void clear_error(struct rg_journal_writer *w, unsigned op)
{
	if ((w->err_active & (1u << op)) == 0)
		return;
	w->err_active &= ~(1u << op);
	if (w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_RUNNING);
}

/* ---- io_uring ---------------------------------------------------------------- */

static struct io_uring_sqe *get_sqe(struct rg_journal_writer *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (sqe == NULL) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

/* The unwritten rest of a sealed block into b->iov; returns the pieces. */
static unsigned rest_iov(struct wbuf *b)
{
	const struct iovec all[3] = {
		{&b->hdr, RG_JBLOCK_HEADER_SIZE},
		{b->rec[0], (size_t)b->nrec[0] * RG_JREC_SIZE},
		{b->rec[1], (size_t)b->nrec[1] * RG_JREC_SIZE},
	};
	size_t skip = b->done;
	unsigned k = 0;

	for (unsigned i = 0; i < 3; i++) {
		if (skip >= all[i].iov_len) {
			skip -= all[i].iov_len;
			continue;
		}
		b->iov[k].iov_base = (char *)all[i].iov_base + skip;
		b->iov[k].iov_len = all[i].iov_len - skip;
		skip = 0;
		k++;
	}
	return k;
}

/* Queues the unwritten rest of buffer i; false when the ring refused it. */
static bool queue_write(struct rg_journal_writer *w, unsigned i)
{
	struct wbuf *b = &w->bufs[i];
	struct io_uring_sqe *sqe = get_sqe(w);
	int rc;

	if (sqe == NULL) {
		/* Cannot happen with the ring sized for every buffer plus a
		 * sync; if it does, the retry timer resubmits it. */
		b->state = BUF_FAILED;
		set_error(w, RG_JOP_WRITE, EAGAIN, true);
		return false;
	}
	/* b->iov stays put until the write completes (a failed submission
	 * leaves the SQE queued for the next one). */
	io_uring_prep_writev(sqe, w->fd, b->iov, rest_iov(b), b->off + b->done);
	io_uring_sqe_set_data64(sqe, i);
	b->state = BUF_INFLIGHT;
	w->ops++;
	rc = io_uring_submit(&w->ring);
	if (rc < 0) {
		/* The SQE stays queued and goes with the next submission. */
		set_error(w, RG_JOP_WRITE, -rc, false);
	}
	return true;
}

static void publish_progress(struct rg_journal_writer *w)
{
	struct rg_journal_status *st = ST(w);
	uint64_t before = w->written;

	while (w->fifo_len > 0 && w->bufs[w->fifo[w->fifo_head]].state == BUF_DONE) {
		struct wbuf *b = &w->bufs[w->fifo[w->fifo_head]];
		uint64_t h[4];

		w->written = b->first_seq + b->n;
		memcpy(h, b->hdr.hash, sizeof(h));
		for (int k = 0; k < 4; k++)
			SET(st->last_hash[k], h[k]);
		ADD(st->blocks_written, 1);
		ADD(st->bytes_written, b->len);
		b->state = BUF_FREE;
		w->fifo_head = (w->fifo_head + 1) % RG_JW_MAX_INFLIGHT;
		w->fifo_len--;
	}
	if (w->written != before) {
		ADD(st->records_written, w->written - before);
		rg_journal_publish_written(w->j, w->written);
		w->dirty = true;
	}
}

static bool any_failed(const struct rg_journal_writer *w)
{
	for (unsigned k = 0; k < w->fifo_len; k++)
		if (w->bufs[w->fifo[(w->fifo_head + k) % RG_JW_MAX_INFLIGHT]].state == BUF_FAILED)
			return true;
	return false;
}

static void complete(struct rg_journal_writer *w, uint64_t tag, int res)
{
	struct wbuf *b;

	w->ops--;
	if (tag == FSYNC_TAG) {
		w->fsync_inflight = false;
		if (res < 0) {
			set_error(w, RG_JOP_FSYNC, -res, true);
			w->dirty = true;
			return;
		}
		SET(ST(w)->durable_seq, w->fsync_seq);
		ADD(ST(w)->fsyncs, 1);
		clear_error(w, RG_JOP_FSYNC);
		return;
	}
	b = &w->bufs[tag];
	if (res == -EAGAIN || res == -EINTR) {
		queue_write(w, (unsigned)tag);
		return;
	}
	if (res <= 0) {
		b->state = BUF_FAILED;
		set_error(w, RG_JOP_WRITE, res < 0 ? -res : EIO, true);
		return;
	}
	b->done += (uint32_t)res;
	if (b->done < b->len) {
		queue_write(w, (unsigned)tag); /* short write: the rest */
		return;
	}
	b->state = BUF_DONE;
	if (!any_failed(w))
		clear_error(w, RG_JOP_WRITE);
	publish_progress(w);
}

/* Handles every completion ready now; with `wait`, first waits up to
 * wait_ns for one when operations are in flight.  Returns how many. */
static unsigned reap(struct rg_journal_writer *w, uint64_t wait_ns)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	if (wait_ns != 0 && w->ops > 0) {
		struct __kernel_timespec ts = {(long long)(wait_ns / 1000000000ull), (long long)(wait_ns % 1000000000ull)};
		io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts);
	}
	while (io_uring_peek_cqe(&w->ring, &cqe) == 0) {
		uint64_t tag = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&w->ring, cqe);
		complete(w, tag, res);
		n++;
	}
	return n;
}

/* Waits until nothing is in flight. */
static void wait_idle(struct rg_journal_writer *w)
{
	while (w->ops > 0)
		reap(w, 100000000ull);
}

static void retry_failed(struct rg_journal_writer *w)
{
	for (unsigned k = 0; k < w->fifo_len; k++) {
		unsigned i = w->fifo[(w->fifo_head + k) % RG_JW_MAX_INFLIGHT];
		if (w->bufs[i].state == BUF_FAILED)
			queue_write(w, i);
	}
}

static void maybe_fsync(struct rg_journal_writer *w, uint64_t now, bool force)
{
	struct io_uring_sqe *sqe;

	if (w->fd < 0 || w->fsync_inflight || !w->dirty || (!force && now - w->last_sync_ns < w->cfg.fsync_interval_ns))
		return;
	sqe = get_sqe(w);
	if (sqe == NULL)
		return;
	io_uring_prep_fsync(sqe, w->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, FSYNC_TAG);
	w->fsync_inflight = true;
	w->fsync_seq = w->written;
	w->dirty = false;
	w->last_sync_ns = now;
	w->ops++;
	io_uring_submit(&w->ring);
}

/* ---- day files ------------------------------------------------------------- */

static uint64_t day_end_ns(const struct rg_journal_writer *w, int64_t day)
{
	int64_t s = (day + 1) * 86400 + (int64_t)w->cfg.day_start_utc_s;

	return s <= 0 ? 0 : (uint64_t)s * 1000000000ull;
}

static void preallocate(struct rg_journal_writer *w, uint64_t upto)
{
	uint64_t len;

	if (upto <= w->alloc_end)
		return;
	len = upto - w->alloc_end;
	if (len < w->cfg.prealloc_bytes)
		len = w->cfg.prealloc_bytes;
	if (fallocate(w->fd, 0, (off_t)w->alloc_end, (off_t)len) == 0) {
		w->alloc_end += len;
		return;
	}
	/* Not fatal by itself: the write that follows reports the real error. */
	set_error(w, RG_JOP_FALLOCATE, errno, false);
	w->alloc_end = upto;
}

static int sync_dir(struct rg_journal_writer *w)
{
	return fsync(w->dirfd) == 0 ? 0 : -errno;
}

/*
 * Creates day file `name` with header *h and returns its descriptor, or
 * -errno.  The file appears under its name only whole: the header is written
 * and synced under a temporary name (".<name>.new") that is then linked to
 * the real one, so that neither a crash of the engine nor one of the machine
 * can leave a day file shorter than its header, which a restart would have
 * to refuse.  A temporary file left by such a crash is replaced: the
 * directory is the engine's own.  Fails with -EEXIST when the day file
 * exists.
 */
static int create_whole(struct rg_journal_writer *w, const char *name, const struct rg_jfile_header *h)
{
	char tmp[RG_JFILE_NAME_MAX + 8];
	ssize_t wrote;
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	if (unlinkat(w->dirfd, tmp, 0) != 0 && errno != ENOENT)
		return -errno;
	fd = openat(w->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, w->cfg.file_mode);
	if (fd < 0)
		return -errno;
	wrote = pwrite(fd, h, sizeof(*h), 0);
	if (wrote != (ssize_t)sizeof(*h))
		rc = wrote < 0 ? -errno : -EIO; /* short: errno says nothing */
	else if (fdatasync(fd) != 0 || linkat(w->dirfd, tmp, w->dirfd, name, 0) != 0)
		rc = -errno;
	else
		rc = 0;
	unlinkat(w->dirfd, tmp, 0);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Opens the file for records of trading day `day`: the latest existing file
 * if it is that day or later, else a new file chained to the previous one. */
static int open_day(struct rg_journal_writer *w, int64_t day)
{
	struct rg_jfile_header h;
	char name[RG_JFILE_NAME_MAX];
	uint64_t removed = 0;
	int fd, rc;

	if (w->have_latest && day <= w->latest_day) {
		rg_jfile_name(name, sizeof(name), w->latest_day);
		fd = openat(w->dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			goto fail_errno;
		w->fd = fd;
		w->day = w->latest_day;
		w->file_off = w->alloc_end = w->latest_end;
		w->block_index = w->latest_blocks;
		w->file_version = w->latest_version; /* an older file keeps its chain scheme */
		memcpy(w->hash, w->latest_hash, RG_JHASH_SIZE);
		w->have_latest = false;
	} else {
		if (w->have_latest) {
			w->have_prev = true;
			w->prev_last_seq = w->latest_next_seq - 1;
			memcpy(w->prev_hash, w->latest_hash, RG_JHASH_SIZE);
			w->have_latest = false;
		}
		if (rg_jfile_name(name, sizeof(name), day) != 0) {
			errno = EINVAL;
			goto fail_errno;
		}
		memset(&h, 0, sizeof(h));
		h.magic = RG_JFILE_MAGIC;
		h.version = RG_JOURNAL_FORMAT_VERSION;
		h.header_size = RG_JFILE_HEADER_SIZE;
		h.record_size = RG_JREC_SIZE;
		h.block_header_size = RG_JBLOCK_HEADER_SIZE;
		h.trading_day = day;
		h.date = rg_jday_date(day);
		h.day_start_utc_s = w->cfg.day_start_utc_s;
		h.first_seq = w->read_pos;
		h.created_real_ns = rg_real_ns();
		snprintf(h.instance, sizeof(h.instance), "%s", w->j->shared->instance);
		if (w->have_prev) {
			h.prev_last_seq = w->prev_last_seq;
			memcpy(h.prev_hash, w->prev_hash, RG_JHASH_SIZE);
		}
		fd = create_whole(w, name, &h);
		if (fd < 0) {
			errno = -fd;
			goto fail_errno;
		}
		w->fd = fd;
		w->day = day;
		w->file_off = w->alloc_end = RG_JFILE_HEADER_SIZE;
		w->block_index = 0;
		w->file_version = h.version;
		rg_jchain_seed(w->hasher, &h, w->hash);
		w->dirty = true;
		rc = sync_dir(w);
		if (rc != 0)
			set_error(w, RG_JOP_OPEN, -rc, false);
	}
	w->day_end_ns = day_end_ns(w, w->day);
	SET(ST(w)->file_date, rg_jday_date(w->day));
	clear_error(w, RG_JOP_OPEN);
	rc = rg_jdir_retain(w->dirfd, w->day, w->cfg.retention_days, &removed);
	if (removed != 0)
		ADD(ST(w)->files_removed, removed);
	if (rc != 0)
		set_error(w, RG_JOP_RETENTION, -rc, false);
	return 0;
fail_errno:
	rc = -errno;
	set_error(w, RG_JOP_OPEN, -rc, true);
	return rc;
}

/* Closes the open file once all its writes are done: trims the preallocated
 * tail, syncs.  Returns 0, or -errno and leaves the file open. */
static int close_day(struct rg_journal_writer *w)
{
	int rc = 0;

	if (w->fd < 0)
		return 0;
	wait_idle(w);
	if (w->fifo_len > 0) /* a write failed: nothing after it may be cut */
		return ST(w)->error != 0 ? -(int)ST(w)->error : -EIO;
	if (ftruncate(w->fd, (off_t)w->file_off) != 0) {
		rc = -errno;
		set_error(w, RG_JOP_TRUNCATE, -rc, false);
		rc = 0; /* the zero tail is harmless; go on */
	}
	if (fdatasync(w->fd) != 0) {
		rc = -errno;
		set_error(w, RG_JOP_FSYNC, -rc, true);
		return rc;
	}
	clear_error(w, RG_JOP_FSYNC);
	SET(ST(w)->durable_seq, w->written);
	ADD(ST(w)->fsyncs, 1);
	close(w->fd);
	w->fd = -1;
	w->dirty = false;
	w->have_prev = true;
	w->prev_last_seq = w->written - 1;
	memcpy(w->prev_hash, w->hash, RG_JHASH_SIZE);
	w->day = INT64_MIN;
	SET(ST(w)->file_date, 0u);
	return 0;
}

/* ---- blocks ---------------------------------------------------------------- */

static int take_buffer(struct rg_journal_writer *w)
{
	for (unsigned i = 0; i < w->nbufs; i++)
		if (w->bufs[i].state == BUF_FREE) {
			w->bufs[i].state = BUF_FILLING;
			w->bufs[i].n = 0;
			w->bufs[i].done = 0;
			w->bufs[i].hashed = 0;
			w->bufs[i].first_seq = w->read_pos;
			return (int)i;
		}
	return -1;
}

/* n records from sequence seq, contiguous: in the ring, or (where the ring
 * wraps inside them; once in a block at most) copied into a scratch buffer. */
static const void *records_at(struct rg_journal_writer *w, uint64_t seq, uint32_t n)
{
	uint64_t cap = w->j->mask + 1, i = seq & w->j->mask, first = cap - i;

	if (n <= first)
		return &w->j->slots[i];
	memcpy(w->wrapped, &w->j->slots[i], (size_t)first * RG_JREC_SIZE);
	memcpy(w->wrapped + first * RG_JREC_SIZE, w->j->slots, (size_t)(n - first) * RG_JREC_SIZE);
	return w->wrapped;
}

/* Chunk digests of the buffer's records not yet hashed: only whole chunks,
 * or with `all` every record left. */
static void hash_chunks(struct rg_journal_writer *w, struct wbuf *b, bool all)
{
	const void *chunks[WB_MAX_CHUNKS];
	uint32_t counts[WB_MAX_CHUNKS];
	uint32_t at = b->hashed, m = 0;

	while (b->n - at >= RG_JCHUNK_RECORDS || (all && at < b->n)) {
		counts[m] = b->n - at < RG_JCHUNK_RECORDS ? b->n - at : RG_JCHUNK_RECORDS;
		chunks[m] = records_at(w, b->first_seq + at, counts[m]);
		at += counts[m++];
	}
	rg_jchain_chunk_digests(w->hasher, chunks, counts, m,
				b->digests + (size_t)(b->hashed / RG_JCHUNK_RECORDS) * RG_JHASH_SIZE);
	b->hashed = at;
}

/* Seals the buffer being filled into the chain and submits it. */
static void submit_current(struct rg_journal_writer *w)
{
	unsigned i = (unsigned)w->cur;
	struct wbuf *b = &w->bufs[i];
	struct rg_jblock_header *bh = &b->hdr;
	uint64_t cap = w->j->mask + 1, first = b->first_seq & w->j->mask;

	b->rec[0] = &w->j->slots[first];
	b->nrec[0] = cap - first < b->n ? (uint32_t)(cap - first) : b->n;
	b->rec[1] = w->j->slots;
	b->nrec[1] = b->n - b->nrec[0];
	bh->magic = RG_JBLOCK_MAGIC;
	bh->first_seq = b->first_seq;
	bh->n_records = b->n;
	bh->record_size = RG_JREC_SIZE;
	bh->block_index = w->block_index++;
	if (w->file_version >= RG_JFORMAT_CHUNKED) {
		hash_chunks(w, b, true);
		rg_jchain_block_digests(w->hasher, w->hash, bh, b->digests,
					(b->n + RG_JCHUNK_RECORDS - 1) / RG_JCHUNK_RECORDS, bh->hash);
	} else {
		rg_jchain_block_v3(w->hasher, w->hash, bh, b->rec[0], b->nrec[0], b->rec[1], b->nrec[1], bh->hash);
	}
	memcpy(w->hash, bh->hash, RG_JHASH_SIZE);
	b->len = RG_JBLOCK_HEADER_SIZE + b->n * RG_JREC_SIZE;
	b->off = w->file_off;
	w->file_off += b->len;
	preallocate(w, w->file_off);
	w->fifo[(w->fifo_head + w->fifo_len) % RG_JW_MAX_INFLIGHT] = i;
	w->fifo_len++;
	w->cur = -1;
	queue_write(w, i);
}

/*
 * Takes published records into the buffer being filled (they stay in the
 * ring), hashes each batch of whole chunks as it completes and submits full
 * buffers.  Returns the number of records taken; sets *rotate when the next
 * record belongs to a later trading day than the open file.
 */
static uint64_t fill(struct rg_journal_writer *w, uint64_t now, bool *rotate)
{
	uint64_t copied = 0;

	*rotate = false;
	for (;;) {
		const struct rg_jrec *rec = rg_journal_peek(w->j, w->read_pos);
		struct wbuf *b;

		if (rec == NULL)
			break;
		if (w->fd < 0) {
			if ((w->err_active & (1u << RG_JOP_OPEN)) != 0 && now < w->retry_at)
				break;
			if (open_day(w, rg_jday_of(rec->h.real_ns, w->cfg.day_start_utc_s)) != 0)
				break;
		}
		if (rec->h.real_ns >= w->day_end_ns) {
			*rotate = true;
			break;
		}
		if (w->cur < 0 && (w->cur = take_buffer(w)) < 0)
			break;
		b = &w->bufs[w->cur];
		if (b->n++ == 0)
			w->oldest_ns = now;
		w->read_pos++;
		copied++;
		if (b->n == w->max_records)
			submit_current(w);
		else if (b->n - b->hashed == w->early && w->file_version >= RG_JFORMAT_CHUNKED)
			hash_chunks(w, b, false);
	}
	return copied;
}

/* Closes the open day's file and lets the next record open its own. */
static void rotate(struct rg_journal_writer *w)
{
	if (w->cur >= 0 && w->bufs[w->cur].n > 0)
		submit_current(w);
	if (close_day(w) == 0)
		ADD(ST(w)->rotations, 1);
}

/*
 * One pass of the writer: completions, retries, copying, submission,
 * rotation, fdatasync.  `flush` submits a partly filled buffer at once.
 * Returns true when it did enough to be worth another pass at once: a
 * completion, a submission, or a quarter block copied.  Fewer records than
 * that are left to accumulate while the writer sleeps, so that on a core
 * it shares (with strategies, on small machines) a trickle of records does
 * not keep it spinning.
 */
static bool pass(struct rg_journal_writer *w, bool flush)
{
	uint64_t now = rg_mono_ns();
	bool busy = false, rot;
	uint64_t took;

	SET(ST(w)->heartbeat_ns, now);
	busy |= reap(w, 0) > 0;
	if ((w->err_active & (1u << RG_JOP_WRITE)) != 0 && now >= w->retry_at) {
		w->retry_at = now + w->cfg.retry_ns;
		retry_failed(w);
	}
	took = fill(w, now, &rot);
	busy |= took >= w->max_records / 4;
	if (w->cur >= 0 && w->bufs[w->cur].n > 0 && (flush || rot || now - w->oldest_ns >= w->cfg.flush_ns)) {
		submit_current(w);
		busy = true;
	}
	if (rot && (w->err_active & (1u << RG_JOP_WRITE)) == 0) {
		rotate(w);
		busy = true;
	}
	maybe_fsync(w, now, false);
	w->quiet = took == 0 && !busy ? w->quiet + 1 : 0;
	return busy;
}

/* Doublings of idle_ns while passes in a row find nothing: an idle writer
 * wakes about every 8 x idle_ns, not every idle_ns, on the core it shares.
 * Only with a ring of IDLE_BACKOFF_RING records or more: a burst that
 * follows an idle spell must not fill a small ring before the writer wakes
 * (the engine would refuse orders AUDIT_BACKPRESSURE meanwhile). */
#define IDLE_BACKOFF 3u
#define IDLE_BACKOFF_RING 16384u

static void idle(struct rg_journal_writer *w)
{
	uint64_t wait = w->cfg.idle_ns;

	if (w->j->mask + 1 >= IDLE_BACKOFF_RING)
		for (unsigned k = 1; k < w->quiet && k <= IDLE_BACKOFF && wait < (1ull << 60); k++)
			wait <<= 1;

	if (w->cur >= 0 && w->bufs[w->cur].n > 0) {
		uint64_t age = rg_mono_ns() - w->oldest_ns;
		wait = age >= w->cfg.flush_ns ? 1000 : (w->cfg.flush_ns - age < wait ? w->cfg.flush_ns - age : wait);
	}
	if (w->ops > 0) {
		reap(w, wait);
	} else {
		struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

/* True when everything published so far is written. */
static bool drained(struct rg_journal_writer *w)
{
	return rg_journal_peek(w->j, w->read_pos) == NULL && (w->cur < 0 || w->bufs[w->cur].n == 0) &&
	       w->fifo_len == 0 && w->ops == 0;
}

/* Writes everything in the ring now; gives up after a few failed retries. */
static int drain(struct rg_journal_writer *w)
{
	unsigned failures = 0;

	for (;;) {
		pass(w, true);
		wait_idle(w);
		/* A failed sync is retried below, after the last write. */
		if ((w->err_active & ~(1u << RG_JOP_FSYNC)) != 0) {
			if (++failures >= DRAIN_ATTEMPTS)
				return ST(w)->error != 0 ? -(int)ST(w)->error : -EIO;
			w->retry_at = 0;
			continue;
		}
		if (drained(w))
			break;
	}
	if (w->fd >= 0 && w->dirty) {
		if (fdatasync(w->fd) != 0) {
			int rc = -errno;
			set_error(w, RG_JOP_FSYNC, -rc, true);
			return rc;
		}
		w->dirty = false;
		ADD(ST(w)->fsyncs, 1);
		clear_error(w, RG_JOP_FSYNC);
	}
	SET(ST(w)->durable_seq, w->written);
	return 0;
}

int rg_journal_writer_flush(struct rg_journal_writer *w)
{
	int rc;

	if (w->running)
		return -EBUSY;
	if (w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_RUNNING);
	rc = drain(w);
	if (rc == 0 && w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_STOPPED);
	return rc;
}

/* ---- thread ---------------------------------------------------------------- */

static void *writer_main(void *arg)
{
	struct rg_journal_writer *w = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (w->cfg.cpu >= 0) {
		cpu_set_t cpus;
		CPU_ZERO(&cpus);
		CPU_SET(w->cfg.cpu, &cpus);
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	}
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
		if (!pass(w, false))
			idle(w);
	w->thread_rc = drain(w);
	if (w->thread_rc == 0)
		w->thread_rc = close_day(w);
	return NULL;
}

int rg_journal_writer_start(struct rg_journal_writer *w)
{
	int rc;

	if (w->running)
		return -EALREADY;
	__atomic_store_n(&w->stop, 0, __ATOMIC_RELEASE);
	if (w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_RUNNING);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0)
		return -rc;
	w->running = true;
	return 0;
}

int rg_journal_writer_stop(struct rg_journal_writer *w)
{
	int rc;

	if (!w->running)
		return 0;
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_join(w->thread, NULL);
	w->running = false;
	rc = w->thread_rc;
	if (w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_STOPPED);
	return rc;
}

/* ---- create ---------------------------------------------------------------- */

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int apply_defaults(struct rg_journal_writer_cfg *c, char *err, size_t errlen)
{
	if (c->dir == NULL || c->dir[0] == '\0')
		return fail(err, errlen, -EINVAL, "journal: no directory configured");
	if (c->block_bytes == 0)
		c->block_bytes = RG_JW_MAX_BLOCK_BYTES;
	if (c->inflight == 0)
		c->inflight = 4;
	if (c->prealloc_bytes == 0)
		c->prealloc_bytes = 64ull << 20;
	if (c->flush_ns == 0)
		c->flush_ns = 1000000ull;
	if (c->fsync_interval_ns == 0)
		c->fsync_interval_ns = 1000000000ull;
	if (c->retry_ns == 0)
		c->retry_ns = 1000000000ull;
	if (c->idle_ns == 0)
		c->idle_ns = 100000ull;
	if (c->file_mode == 0)
		c->file_mode = 0640;
	if (c->block_bytes < RG_JW_MIN_BLOCK_BYTES || c->block_bytes > RG_JW_MAX_BLOCK_BYTES)
		return fail(err, errlen, -EINVAL, "journal: block size %u is outside [%u, %u] bytes", c->block_bytes,
			    RG_JW_MIN_BLOCK_BYTES, RG_JW_MAX_BLOCK_BYTES);
	if (c->inflight < 2 || c->inflight > RG_JW_MAX_INFLIGHT)
		return fail(err, errlen, -EINVAL, "journal: %u buffers in flight is outside [2, %u]", c->inflight,
			    RG_JW_MAX_INFLIGHT);
	if (c->day_start_utc_s >= 86400)
		return fail(err, errlen, -EINVAL, "journal: day start %u s is not within a day", c->day_start_utc_s);
	if (c->cpu >= CPU_SETSIZE)
		return fail(err, errlen, -EINVAL, "journal: cpu %d out of range", c->cpu);
	return 0;
}

static int open_dir(struct rg_journal_writer *w, char *err, size_t errlen)
{
	int rc;

	if (mkdir(w->dir, 0750) != 0 && errno != EEXIST)
		return fail(err, errlen, -errno, "journal directory %s: mkdir: %s", w->dir, strerror(errno));
	w->dirfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		rc = -errno;
		return fail(err, errlen, rc, "journal directory %s: %s", w->dir, strerror(-rc));
	}
	/* Files are opened relative to this descriptor from here on: whoever
	 * else could write the directory could swap the day files under us. */
	static const struct rg_owned_rule dir_rule = {"journal directory", S_IFDIR, true, 0022};
	rc = rg_owned_check_fd(w->dirfd, w->dir, &dir_rule, err, errlen);
	if (rc != 0) {
		close(w->dirfd);
		w->dirfd = -1;
	}
	return rc;
}

static int setup_uring(struct rg_journal_writer *w, char *err, size_t errlen)
{
	int rc;

	rc = io_uring_queue_init(2 * w->nbufs + 4, &w->ring, 0);
	if (rc < 0)
		return fail(err, errlen, rc,
			    "journal: io_uring_queue_init: %s (is io_uring disabled? see sysctl kernel.io_uring_disabled)",
			    strerror(-rc));
	w->ring_ok = true;
	if (w->cfg.cpu >= 0) {
		cpu_set_t cpus;
		CPU_ZERO(&cpus);
		CPU_SET(w->cfg.cpu, &cpus);
		/* Writes the kernel cannot do inline run on io-wq workers: keep
		 * them off the engine's core.  Best effort. */
		io_uring_register_iowq_aff(&w->ring, sizeof(cpus), &cpus);
	}
	return 0;
}

/* Reads the latest day file: where it ends, its chain, and what is torn. */
static int scan_latest(struct rg_journal_writer *w, char *err, size_t errlen)
{
	char name[RG_JFILE_NAME_MAX], emsg[320];
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_jposition pos;
	struct stat st;
	uint64_t written = rg_journal_written(w->j);
	int64_t day;
	int rc, fd;

	rc = rg_jdir_latest(w->dirfd, INT64_MAX, &day);
	if (rc < 0)
		return fail(err, errlen, rc, "journal directory %s: %s", w->dir, strerror(-rc));
	if (rc == 0)
		return 0;
	w->found_files = true;
	rg_jfile_name(name, sizeof(name), day);
	rc = rg_jreader_openat(&r, w->dirfd, name, emsg, sizeof(emsg));
	if (rc != 0)
		return fail(err, errlen, rc == -EBADMSG ? -EBADMSG : rc, "journal %s/%s", w->dir, emsg);
	if (strcmp(rg_jreader_header(r)->instance, w->j->shared->instance) != 0) {
		rc = fail(err, errlen, -EBADMSG, "journal %s/%s belongs to instance '%s', not '%s'", w->dir, name,
			  rg_jreader_header(r)->instance, w->j->shared->instance);
		rg_jreader_close(r);
		return rc;
	}
	/* What the newest checkpoint covers was verified when it was taken
	 * (riskctl audit verify checks it all): start after its anchor. */
	if (w->cfg.from_checkpoint)
		rg_ckpt_seek_newest(r, w->dirfd, NULL, 0);
	while ((rc = rg_jreader_next(r, &rec)) > 0)
		;
	rg_jreader_position(r, &pos);
	if (rc < 0) {
		/* Bad data after the verified part.  Cut it only when the ring
		 * still holds every record from there on (a crash while writing);
		 * otherwise it is damage the writer must not paper over. */
		if (rc != -EBADMSG || w->j->created || written > pos.next_seq) {
			rc = fail(err, errlen, -EBADMSG,
				  "journal %s/%s fails verification and the journal ring cannot restore it: %s; "
				  "move the file aside to start a new one",
				  w->dir, name, rg_jreader_problem(r)->message);
			rg_jreader_close(r);
			return rc;
		}
		fd = openat(w->dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st) != 0 || ftruncate(fd, (off_t)pos.end_offset) != 0 || fdatasync(fd) != 0) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			rg_jreader_close(r);
			return fail(err, errlen, rc, "journal %s/%s: cutting the torn tail: %s", w->dir, name, strerror(-rc));
		}
		w->tail_truncated = (uint64_t)st.st_size - pos.end_offset;
		close(fd);
	}
	w->latest_version = rg_jreader_header(r)->version;
	rg_jreader_close(r);
	w->have_latest = true;
	w->latest_day = day;
	w->latest_end = pos.end_offset;
	w->latest_blocks = pos.blocks;
	w->latest_next_seq = pos.next_seq;
	memcpy(w->latest_hash, pos.hash, RG_JHASH_SIZE);
	return 0;
}

/* Lines the ring up with the files: where writing resumes. */
static int reconcile(struct rg_journal_writer *w, char *err, size_t errlen)
{
	struct rg_journal_shared *s = w->j->shared;
	uint64_t written = rg_journal_written(w->j), head = s->head, next;

	if (!w->have_latest) {
		w->read_pos = w->written = written;
		return 0;
	}
	next = w->latest_next_seq;
	if (next < written)
		return fail(err, errlen, -EBADMSG,
			    "journal %s: the files end before sequence %" PRIu64 " but the ring says every record below %" PRIu64
			    " was written: a file was truncated, removed or replaced",
			    w->dir, next, written);
	if (next > head) {
		if (written != head)
			return fail(err, errlen, -EBADMSG,
				    "journal %s: the files go up to sequence %" PRIu64 " but the ring holds records %" PRIu64
				    "..%" PRIu64 ": the ring belongs to another journal",
				    w->dir, next - 1, written, head - 1);
		_rg_journal_restart_at(w->j, next);
	} else if (next > written) {
		rg_journal_publish_written(w->j, next);
	}
	w->read_pos = w->written = next;
	return 0;
}

int rg_journal_writer_create(struct rg_journal_writer **out, struct rg_journal *j,
			     const struct rg_journal_writer_cfg *cfg, char *err, size_t errlen)
{
	struct rg_journal_writer *w;
	char scratch[256];
	int rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	*out = NULL;
	if (j == NULL || j->shared == NULL || !j->writable || cfg == NULL)
		return fail(err, errlen, -EINVAL, "journal: no writable journal ring");
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fail(err, errlen, -ENOMEM, "journal: out of memory");
	w->j = j;
	w->cfg = *cfg;
	w->dirfd = w->fd = -1;
	w->cur = -1;
	w->day = INT64_MIN;
	rc = apply_defaults(&w->cfg, err, errlen);
	if (rc == 0 && snprintf(w->dir, sizeof(w->dir), "%s", cfg->dir) >= (int)sizeof(w->dir))
		rc = fail(err, errlen, -ENAMETOOLONG, "journal: directory name too long");
	w->cfg.dir = w->dir;
	w->nbufs = w->cfg.inflight;
	w->max_records = (w->cfg.block_bytes - RG_JBLOCK_HEADER_SIZE) / RG_JREC_SIZE;
	if (rc == 0 && rg_jhasher_new(&w->hasher) != 0)
		rc = fail(err, errlen, -ENOMEM, "journal: out of memory");
	if (rc == 0) {
		w->early = rg_jhasher_batch(w->hasher) * RG_JCHUNK_RECORDS;
		rc = open_dir(w, err, errlen);
	}
	if (rc == 0)
		rc = setup_uring(w, err, errlen);
	if (rc == 0)
		rc = scan_latest(w, err, errlen);
	if (rc == 0)
		rc = reconcile(w, err, errlen);
	if (rc != 0) {
		rg_journal_writer_destroy(w);
		return rc;
	}
	w->first_seq = w->read_pos;
	SET(ST(w)->durable_seq, w->written);
	SET(ST(w)->state, (uint32_t)RG_JW_STOPPED);
	SET(ST(w)->file_date, 0u);
	*out = w;
	return 0;
}

void rg_journal_writer_destroy(struct rg_journal_writer *w)
{
	if (w == NULL)
		return;
	if (w->running)
		rg_journal_writer_stop(w);
	if (w->ring_ok) {
		wait_idle(w);
		if (w->err_active == 0)
			close_day(w);
		io_uring_queue_exit(&w->ring);
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	rg_jhasher_free(w->hasher);
	if (w->j != NULL && w->j->shared != NULL && w->err_active == 0)
		SET(ST(w)->state, (uint32_t)RG_JW_STOPPED);
	free(w);
}

void rg_journal_writer_info(const struct rg_journal_writer *w, struct rg_journal_writer_info *out)
{
	out->next_seq = w->read_pos;
	out->day = w->day;
	out->tail_truncated = w->tail_truncated;
	out->found_files = w->found_files;
}

uint64_t rg_journal_writer_first_seq(const struct rg_journal_writer *w)
{
	return w->first_seq;
}

int rg_journal_writer_dirfd(const struct rg_journal_writer *w)
{
	return w->dirfd;
}

const struct rg_journal_writer_cfg *rg_journal_writer_cfg(const struct rg_journal_writer *w)
{
	return &w->cfg;
}
