/*
 * The restart benchmark's loops, in C (the engine's headers are C): a real
 * riskgate engine (engine_lab.h) journals a day of orders, stops cleanly,
 * and is started again on the same journal, which it replays before it
 * serves.
 */
#ifndef RGB_RECOVERY_LOOPS_H
#define RGB_RECOVERY_LOOPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_recovery_result {
	uint64_t records;       /* records in the day's journal when the engine stopped */
	uint64_t restart_ns;    /* rg_engine_open of the restarted engine, from its call to RUNNING (checkpoints on) */
	uint64_t ckpt_records;  /* records the checkpoint it loaded covers */
	uint64_t replayed;      /* records it replayed after the checkpoint */
	uint64_t full_ns;       /* the same start with checkpoints off: the whole day replayed */
	uint64_t full_records;  /* records that start replayed */
	uint64_t every_records; /* journal.checkpoint_every_records of the run */
};

/*
 * Starts an engine (hot thread on engine_cpu) on a fresh instance, sends
 * orders as fast as it decides them until its journal holds n_records,
 * stops it (drain, close: the checkpoint thread writes its last checkpoint),
 * starts it again and times that start; then stops it and starts it once
 * more with checkpoints off (the whole day replayed) and times that.  0, or
 * -1 with a message on stderr.
 */
int rgb_recovery_run(int engine_cpu, uint64_t n_records, struct rgb_recovery_result *out);

#ifdef __cplusplus
}
#endif

#endif /* RGB_RECOVERY_LOOPS_H */
