/*
 * The end-to-end benchmark's timed loops, in C (the engine's headers are C):
 * a real riskgate engine (engine/daemon's runtime, a dry-run sim venue) whose
 * hot thread runs on one core, and a strategy on the other that submits
 * through <riskgate/client.h> and waits for the decision.
 */
#ifndef RGB_E2E_LOOPS_H
#define RGB_E2E_LOOPS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_e2e;

/* Starts an engine on its own instance with the engine thread pinned to
 * engine_cpu, and opens the strategy's session.  NULL (with a message on
 * stderr) on failure. */
struct rgb_e2e *rgb_e2e_create(int engine_cpu);
/* The same with engine.idle_policy `idle_policy` (e.g. "spin_sleep"). */
struct rgb_e2e *rgb_e2e_create_idle(int engine_cpu, const char *idle_policy);

/* n orders, each after the strategy slept gap_us (an engine that sleeps
 * when idle is asleep by then): ticks from submit to its decision into
 * lat[i].  Returns the number not ACCEPTED. */
uint64_t rgb_e2e_wakeup(struct rgb_e2e *e, uint32_t n, uint32_t gap_us, uint32_t *lat);

/* CPU time the engine thread has used so far, in ns. */
uint64_t rgb_e2e_engine_cpu_ns(struct rgb_e2e *e);
void rgb_e2e_destroy(struct rgb_e2e *e);

/* The engine's instance name (for a riskgate-exporter on it). */
const char *rgb_e2e_instance(const struct rgb_e2e *e);

/* Stops / restarts the engine thread (so another benchmark can use its core). */
void rgb_e2e_pause(struct rgb_e2e *e);
void rgb_e2e_resume(struct rgb_e2e *e);

/* n orders, one at a time: ticks from submit to its decision into lat[i].
 * Returns the number of orders that were not ACCEPTED (should be 0). */
uint64_t rgb_e2e_latency(struct rgb_e2e *e, uint32_t n, uint32_t *lat);

/* Ticks of n engine passes with no traffic, run on the calling thread (the
 * engine thread must be paused): the cost of one turn of the loop. */
uint64_t rgb_e2e_idle_passes(struct rgb_e2e *e, uint64_t n);

/* Ticks of n reads of the pass clock the engine stamps each pass with: on
 * the TSC (tsc_clock.h) when `tsc`, else CLOCK_MONOTONIC. */
uint64_t rgb_e2e_clock_reads(uint64_t n, bool tsc);

/* Where core 0's time went during a throughput trial, in CPU ns. */
struct rgb_tput_cpu {
	uint64_t strategy_ns; /* the calling thread: the strategy */
	uint64_t journal_ns;  /* the rest of the process but the engine thread: the journal writer, its io_uring
			       * workers (the kernel's copy into the page cache), the checkpoint thread */
};

/* n orders as fast as the engine decides them (bursts of 32, up to 2048 in
 * flight); returns elapsed ticks, or 0 when a decision went missing, adds
 * the orders answered REJECTED to *rejected (none while the engine and its
 * journal keep up) and sets *cpu to the CPU time core 0's threads used.
 * The strategy yields its core when it can neither submit nor read a report
 * (after a brief spin), as one sharing a core with the journal writer
 * should.  Returns once the writer has caught up (outside the timed span). */
uint64_t rgb_e2e_throughput(struct rgb_e2e *e, uint64_t n, uint64_t *rejected, struct rgb_tput_cpu *cpu);

#ifdef __cplusplus
}
#endif

#endif /* RGB_E2E_LOOPS_H */
