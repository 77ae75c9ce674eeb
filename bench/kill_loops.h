/*
 * kill_bench's C side: a real engine (engine_lab.h) with its hot thread on
 * one core and a strategy on the other that keeps sending orders, so that a
 * kill is timed to the first order the engine rejects for it; the kill comes
 * from a riskctl-like writer, the real riskctl program, or a real
 * redis-server through the engine's own Redis watcher.
 *
 * All times are ticks (timing.h), read on the strategy's core.
 */
#ifndef RGB_KILL_LOOPS_H
#define RGB_KILL_LOOPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_kill_lab;

/*
 * Starts the engine on engine_cpu and attaches a writer to its kill segment
 * as riskctl does.  poll_ms > 0: first starts redis-server on a free loopback
 * port and configures the engine's Redis watcher to it, polling every
 * poll_ms, on watcher_cpu.  NULL with err on failure; *missing is set when
 * redis-server is not installed.
 */
struct rgb_kill_lab *rgb_kill_lab_open(int engine_cpu, int watcher_cpu, unsigned poll_ms, int *missing, char *err,
				       size_t errlen);
void rgb_kill_lab_close(struct rgb_kill_lab *lab);

/*
 * The strategy: one order at a time, each waited for until decided.  pace:
 * ticks from one submit to the next, the rest of it asleep so that
 * redis-server and the watcher, on the strategy's core, get it (0: back to
 * back, busy).
 *   _stream: for `ticks`; -1 if an order was not ACCEPTED.
 *   _until_rejected: until an order is REJECTED KILL_SWITCH; returns the tick
 *     at which the strategy read that decision, 0 on a different outcome or
 *     after timeout_ms.
 *   _until_accepted: until an order is ACCEPTED again (after a resume); 0 or -1.
 */
int rgb_kill_stream(struct rgb_kill_lab *lab, uint64_t ticks, uint64_t pace);
uint64_t rgb_kill_until_rejected(struct rgb_kill_lab *lab, uint64_t pace, unsigned timeout_ms);
int rgb_kill_until_accepted(struct rgb_kill_lab *lab, uint64_t pace, unsigned timeout_ms);

/* A kill of the instance written as riskctl writes it (rg_kill_apply on an
 * attached writer); *t0 / *t1: ticks just before / after the call.  0 or -1. */
int rgb_kill_shm_kill(struct rgb_kill_lab *lab, uint64_t *t0, uint64_t *t1);
/* Lifts every kill from the segment (riskctl resume --all).  0 or -1. */
int rgb_kill_shm_resume(struct rgb_kill_lab *lab);

/* Runs the riskctl program at `path`: `riskctl kill --reason ...` (kill) or
 * `riskctl resume` on the lab's instance, output discarded; *t0 before the
 * spawn, *t1 once waitpid has seen it exit.  0 when it exited 0, else -1. */
int rgb_kill_riskctl(struct rgb_kill_lab *lab, const char *path, int kill, uint64_t *t0, uint64_t *t1);

/* SET <key> <reason> / DEL <key>; PUBLISH "kill instance <reason>" /
 * "resume instance" on the kill channel.  *t0: the tick just before the
 * command is sent.  0 or -1. */
int rgb_kill_redis_set(struct rgb_kill_lab *lab, uint64_t *t0);
int rgb_kill_redis_del(struct rgb_kill_lab *lab);
int rgb_kill_redis_publish(struct rgb_kill_lab *lab, uint64_t *t0);
int rgb_kill_redis_publish_resume(struct rgb_kill_lab *lab);

#ifdef __cplusplus
}
#endif

#endif /* RGB_KILL_LOOPS_H */
