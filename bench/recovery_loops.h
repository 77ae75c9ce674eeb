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
	uint64_t records;    /* records in the day's journal when the engine stopped */
	uint64_t restart_ns; /* rg_engine_open of the restarted engine, from its call to RUNNING */
};

/*
 * Starts an engine (hot thread on engine_cpu) on a fresh instance, sends
 * orders as fast as it decides them until its journal holds n_records,
 * stops it (drain, close), starts it again and times that start.  0, or -1
 * with a message on stderr.
 */
int rgb_recovery_run(int engine_cpu, uint64_t n_records, struct rgb_recovery_result *out);

#ifdef __cplusplus
}
#endif

#endif /* RGB_RECOVERY_LOOPS_H */
