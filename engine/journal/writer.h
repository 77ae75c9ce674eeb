/*
 * The journal writer: drains the journal ring into day files.  It copies
 * records into large buffers (one block each), seals each block into the
 * hash chain, and writes them with io_uring, several in flight, into file
 * space preallocated with fallocate; fdatasync runs on an interval and at
 * rotation and shutdown.  One file per trading day; at the boundary the
 * writer closes the day's file and opens the next, chained to it; old days
 * are removed per the retention setting.
 *
 * Failures (ENOSPC, EFBIG, EIO, EACCES...) never end the process: the
 * writer publishes them in the ring's status (journal_ring.h), keeps the
 * unwritten records in the ring and retries; the ring fills and the engine
 * refuses orders with AUDIT_BACKPRESSURE.  Nothing is lost or written twice:
 * a record leaves the ring only once its block's write has completed.
 *
 * Threads: the writer runs on its own thread (rg_journal_writer_start),
 * pinned to cfg.cpu; every other call is for the thread that owns the writer
 * while that thread is not running.  The process should ignore SIGXFSZ
 * (signal(SIGXFSZ, SIG_IGN)) so that a file-size limit is an EFBIG error and
 * not a kill; the writer thread blocks it for itself as well.
 */
#ifndef RG_JOURNAL_WRITER_H
#define RG_JOURNAL_WRITER_H

#include <stdint.h>
#include <sys/types.h>

#include "file_format.h"
#include "journal_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_JW_MIN_BLOCK_BYTES (64u * 1024)
#define RG_JW_MAX_BLOCK_BYTES (256u * 1024)
#define RG_JW_MAX_INFLIGHT 16u

/* Writer settings; a 0 takes the default in brackets. */
struct rg_journal_writer_cfg {
	const char *dir;             /* directory of the day files; created (one level) if missing */
	uint32_t day_start_utc_s;    /* trading-day boundary, seconds after 00:00 UTC, as the engine's [0] */
	uint32_t retention_days;     /* day files kept, today included; 0 = keep all [0] */
	uint32_t block_bytes;        /* block size, 64..256 KiB [256 KiB] */
	uint32_t inflight;           /* buffers, so writes in flight, 2..16 [4] */
	uint64_t prealloc_bytes;     /* fallocate this much ahead of the data [64 MiB] */
	uint64_t flush_ns;           /* a partly filled buffer is written after this long [1 ms] */
	uint64_t fsync_interval_ns;  /* fdatasync at most this long after a write [1 s] */
	uint64_t retry_ns;           /* after an error, retry this often [1 s] */
	uint64_t idle_ns;            /* sleep when few records wait [100 us; doubling to 8x while none come] */
	int cpu;                     /* pin the writer thread here; -1 = don't pin */
	mode_t file_mode;            /* mode of new day files [0640] */
	bool from_checkpoint;        /* the start-up scan of the latest file verifies from its newest
				      * checkpoint's anchor on (checkpoint_file.h), not from its start [false] */
};

struct rg_journal_writer;

/*
 * Opens the directory, sets up io_uring and its buffers, finds the latest
 * day file and reconciles it with the ring: the sequence continues after the
 * files (an empty ring is moved forward to them); records the files already
 * hold are not written again; a torn tail left by a crash is cut off when
 * the ring still holds its records.  Call before the engine appends and
 * before rg_journal_writer_start.
 * Returns 0 and *out, or -errno with the reason in err:
 *   -EINVAL   a setting out of range
 *   -ENOENT / -EACCES / -ENOTDIR   the directory
 *   -ENOSYS / -EPERM   io_uring is not available (kernel.io_uring_disabled, seccomp)
 *   -EBADMSG  the latest day file fails verification where the ring cannot
 *             repair it, or files and ring disagree (records acknowledged
 *             as written are missing): move the file aside (riskctl audit
 *             verify names the problem) and start again
 */
int rg_journal_writer_create(struct rg_journal_writer **out, struct rg_journal *j,
			     const struct rg_journal_writer_cfg *cfg, char *err, size_t errlen);

/*
 * Writes every record now in the ring, waits for the writes and syncs the
 * file, on the calling thread (recovery at start, tests).  Returns 0, or the
 * -errno of a failure (the status says which operation); the records not
 * written stay in the ring.
 */
int rg_journal_writer_flush(struct rg_journal_writer *w);

/* Starts the writer thread.  0, -EALREADY, or -errno of pthread_create. */
int rg_journal_writer_start(struct rg_journal_writer *w);

/*
 * Stops the writer thread after it wrote everything the producer appended
 * (stop the producer first), syncs and closes the day file (trimming its
 * preallocated tail).  Returns 0, or the -errno of the failure that kept
 * records from being written (they stay in the ring for the next start).
 */
int rg_journal_writer_stop(struct rg_journal_writer *w);

/* Stops the thread if running, closes the day file (trimmed and synced
 * unless a failure is pending), marks the status STOPPED; NULL is fine.
 * Records not yet handed to a write stay in the ring. */
void rg_journal_writer_destroy(struct rg_journal_writer *w);

/* Where the writer is: for tests and the recovery; not while its thread runs. */
struct rg_journal_writer_info {
	uint64_t next_seq;        /* first sequence not yet handed to a write */
	int64_t day;              /* trading day of the open file; INT64_MIN when none */
	uint64_t tail_truncated;  /* bytes of torn tail cut off at create */
	bool found_files;         /* a day file existed at create */
};
void rg_journal_writer_info(const struct rg_journal_writer *w, struct rg_journal_writer_info *out);

/*
 * The first sequence this writer writes: every record below it was in the
 * files (or a torn tail it cut) before create; every block starting at it
 * or later is one this writer hashes and writes.  Fixed at create, so any
 * thread started after create may read it (rg_jreader_trust_from).
 */
uint64_t rg_journal_writer_first_seq(const struct rg_journal_writer *w);

/* The directory's file descriptor (read-only use: recovery opens day files through it). */
int rg_journal_writer_dirfd(const struct rg_journal_writer *w);

/* The writer's settings with defaults applied. */
const struct rg_journal_writer_cfg *rg_journal_writer_cfg(const struct rg_journal_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_WRITER_H */
