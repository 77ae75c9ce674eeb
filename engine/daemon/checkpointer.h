/*
 * The checkpoint thread: off the hot path, on the journal writer's core, at
 * nice 19 (it yields the core to everything else there), it tails the
 * records the writer has put in the day file (rg_journal_written says how
 * far; the reader checks each block's structure, and the chain hash of the
 * blocks this process's writer did not seal itself) and
 * applies them to a shadow risk state with the recovery's own replay
 * (rg_engine_replay), starting from the newest checkpoint that verifies.
 * Every journal.checkpoint_every_records records, or checkpoint_interval_ms
 * after the last one when records came since, and once more at a clean stop,
 * it writes a checkpoint anchored at the block boundary it stands on
 * (risk_checkpoint.h, checkpoint_file.h) and keeps the newest two of the
 * day.  At a new day file it starts a fresh shadow, as a restart would.
 *
 * The engine thread does no work for it: the thread reads the files and
 * one atomic counter of the journal ring.
 */
#ifndef RG_CHECKPOINTER_H
#define RG_CHECKPOINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rg_engine;
struct rg_checkpointer;

/* Checkpoints written so far, the newest anchor, whether the thread gave
 * up, and how far behind the writer it is. */
struct rg_checkpointer_stats {
	uint64_t written;
	uint64_t anchor_seq;
	uint64_t failures;
	bool stopped_on_error;
	uint64_t applied_seq;  /* the shadow state holds every record below this */
	uint64_t behind;       /* records in the files not yet applied (it lags under a flood) */
};

/*
 * Starts the thread for engine e (its config, journal ring and writer's
 * directory; config_sha256 is the config file's), pinned to the journal
 * writer's core.  0, or -errno with err.
 */
int rg_checkpointer_start(struct rg_checkpointer **out, struct rg_engine *e, const uint8_t config_sha256[32],
			  char *err, size_t errlen);

/*
 * Stops the thread (it leaves at its next record).  With `final` (a clean
 * stop, the writer has written everything), the calling thread then reads
 * on to the end of the written records and writes a checkpoint there.
 * NULL is fine.
 */
void rg_checkpointer_stop(struct rg_checkpointer *c, bool final);

void rg_checkpointer_stats(const struct rg_checkpointer *c, struct rg_checkpointer_stats *out);

struct rg_jbody_checkpoint;

/*
 * The newest checkpoint written since the last call, as the journal's
 * CHECKPOINT record has it: true once per checkpoint.  For the engine's
 * heartbeat: never waits (false while the thread is publishing one).
 */
bool rg_checkpointer_take(struct rg_checkpointer *c, struct rg_jbody_checkpoint *out);

#endif /* RG_CHECKPOINTER_H */
