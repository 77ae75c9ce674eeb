/*
 * The audit journal, as the engine uses it.  docs/audit.md has the formats
 * and the operator's view; this header is the integration contract.
 *
 * Pieces (each its own header):
 *   record.h       the 128-byte records and their bodies
 *   journal_ring.h the shared-memory ring the engine thread appends to
 *   append.h       one typed append per record type (hot path)
 *   writer.h       the writer thread: ring -> io_uring -> day files
 *   file_format.h  day files, blocks, the SHA-256 chain
 *   reader.h       iterate and verify a day file
 *   export.h       a record as JSON (riskctl audit export)
 *
 * Engine start-up, in order:
 *
 *   struct rg_journal j;                       // process-local handle
 *   struct rg_journal_ring_cfg rc = {.instance = cfg->instance, .capacity = 1 << 16,
 *                                    .perms = {(uid_t)-1, (gid_t)-1, 0600, false}};
 *   rg_journal_open(&j, &rc, err, sizeof(err));           // create, or attach with leftovers
 *   struct rg_journal_writer_cfg wc = {.dir = "/var/lib/riskgate/journal",
 *                                      .day_start_utc_s = cfg->day_start_utc_s, .cpu = 0, ...};
 *   rg_journal_writer_create(&w, &j, &wc, err, sizeof(err)); // scan files, line the ring up
 *   rg_journal_recover(w, now_real, replay_fn, engine, &rec, err, sizeof(err));
 *       // writes a crashed engine's records still in the ring, then hands
 *       // every record of the day's file to replay_fn: rebuild positions,
 *       // open orders, realized PnL, counters, kills, halts, breakers
 *   rg_journal_writer_start(w);                           // the writer thread, on cfg.cpu
 *   rg_journal_set_clock(&j, now_mono, now_real);         // and about once a second after
 *   rg_journal_engine_start(&j, ...); rg_journal_config_loaded(&j, ...); names, snapshots...
 *
 * Hot path, per order (append.h):
 *   if (!rg_journal_admit(&j, 1)) reject with RG_REJ_AUDIT_BACKPRESSURE;
 *   else { rg_risk_check_order(...); rg_journal_order_decided(&j, now, s, a, &o, &d); }
 * Venue events, kills, state changes: the matching rg_journal_<type>() call.
 *
 * Status (any time, any thread; riskctl through rg_journal_attach_readonly):
 *   struct rg_journal_status_view v; rg_journal_status_read(&j, &v);
 *   v.state == RG_JW_ERROR: v.error (errno), v.error_op (enum rg_journal_op),
 *   rg_journal_status_str(&v, buf, len) for one line.
 *
 * Shutdown: stop appending, append ENGINE_STOP, rg_journal_writer_stop(w)
 * (drains, syncs, trims), rg_journal_writer_destroy(w), rg_journal_close(&j).
 * The ring segment may stay: the next start attaches to it.
 */
#ifndef RG_JOURNAL_H
#define RG_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "append.h"
#include "file_format.h"
#include "journal_ring.h"
#include "reader.h"
#include "record.h"
#include "writer.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called once per record in sequence order.  Return 0 to go on; any other
 * value stops the replay and is returned by rg_journal_recover.
 */
typedef int (*rg_journal_replay_fn)(const struct rg_jrec *rec, void *arg);

/* What rg_journal_recover did. */
struct rg_journal_recovery {
	int64_t trading_day;     /* the trading day replayed (today's, or the latest before it) */
	uint32_t date;           /* its YYYYMMDD; 0 when no file was replayed */
	bool today;              /* the file replayed is today's: false means the latest file is from
				  * an earlier day (the engine was down at the boundary): apply what
				  * carries over (positions, open orders, kills, halts, breakers),
				  * then roll the day */
	uint64_t flushed;        /* records of a previous run written out of the ring first */
	uint64_t records;        /* records handed to fn */
	uint64_t first_seq;      /* first sequence replayed (0 when none) */
	uint64_t next_seq;       /* the sequence the engine's next record gets */
	uint64_t tail_truncated; /* bytes of a torn tail cut off when the writer was created */
};

/*
 * Recovery at engine start, before rg_journal_writer_start and before the
 * engine appends: first writes every record still in the ring (left by a
 * crashed engine) and syncs, then hands each record of the journal file of
 * trading day rg_jday_of(now_real_ns) -- or, when there is none, of the
 * latest day before it -- to fn, in sequence order, each block verified
 * before its records are handed out.
 * Returns 0 (out filled; no file at all is not an error: records = 0), the
 * non-zero value fn returned, or -errno: the flush failed (the status says
 * which operation; the records stay in the ring) or -EBADMSG when the file
 * fails verification (err names the block and record).
 */
int rg_journal_recover(struct rg_journal_writer *w, uint64_t now_real_ns, rg_journal_replay_fn fn, void *arg,
		       struct rg_journal_recovery *out, char *err, size_t errlen);

/*
 * Handed the opened reader of the day's file before its replay: may load
 * state from elsewhere (a checkpoint) and position the reader after what
 * that state covers (rg_jreader_seek_anchor), so the replay hands out only
 * what follows.  Returns 0, or a value that stops the recovery (returned).
 */
typedef int (*rg_journal_resume_fn)(struct rg_jreader *r, int dirfd, int64_t day, void *arg);

/* rg_journal_recover with a resume step (NULL: none); `arg` goes to both. */
int rg_journal_recover_from(struct rg_journal_writer *w, uint64_t now_real_ns, rg_journal_resume_fn resume,
			    rg_journal_replay_fn fn, void *arg, struct rg_journal_recovery *out, char *err,
			    size_t errlen);

/*
 * Iterates one journal file (path) with fn, verifying as it goes: for tools
 * and tests.  Same return values as rg_journal_recover's replay part.
 */
int rg_journal_replay_file(const char *path, rg_journal_replay_fn fn, void *arg, uint64_t *records, char *err,
			   size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_H */
