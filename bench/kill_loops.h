/*
 * kill_bench's C side: a kill segment with an engine-like reader thread
 * pinned to a core (busy-polling the generation, snapshotting when it moves,
 * as the engine's loop does once per batch), a writer handle as riskctl uses,
 * and optionally a real redis-server with the Redis watcher.  The reader
 * stamps the tick at which a snapshot first shows a given instance kill.
 */
#ifndef RGB_KILL_LOOPS_H
#define RGB_KILL_LOOPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_kill_lab;

/* Creates the segment and starts the reader on reader_cpu.  NULL with err. */
struct rgb_kill_lab *rgb_kill_lab_open(int reader_cpu, char *err, size_t errlen);

/* Starts redis-server on a free loopback port and the watcher (poll_ms).
 * 0; 77 when redis-server is not installed; -1 with err otherwise. */
int rgb_kill_lab_redis(struct rgb_kill_lab *lab, unsigned poll_ms, char *err, size_t errlen);

void rgb_kill_lab_close(struct rgb_kill_lab *lab);

/* A kill of the instance with reason "k<mark>", written as riskctl writes it
 * (rg_kill_apply); *t0 is the tick just before the call, *t1 just after. */
int rgb_kill_shm_kill(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0, uint64_t *t1);
/* Lifts every kill (riskctl resume). */
int rgb_kill_shm_resume(struct rgb_kill_lab *lab);

/* SET <key> "k<mark>" / DEL <key>; PUBLISH "kill instance k<mark>" / "resume".
 * *t0: the tick just before the command is sent.  0 or -1. */
int rgb_kill_redis_set(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0);
int rgb_kill_redis_del(struct rgb_kill_lab *lab);
int rgb_kill_redis_publish(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0);
int rgb_kill_redis_publish_resume(struct rgb_kill_lab *lab);

/* Waits until the reader's latest snapshot shows mark (0: no instance kill)
 * and returns the tick at which it first did.  spin: busy-wait (both cores
 * are ours); else sleep 500 us between looks (Redis and the watcher need the
 * CPU).  0 after timeout_ms. */
uint64_t rgb_kill_wait_mark(struct rgb_kill_lab *lab, unsigned mark, int spin, unsigned timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* RGB_KILL_LOOPS_H */
