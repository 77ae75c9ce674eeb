/*
 * The engine's log.  What the engine thread has to say while it serves (a
 * kill applied, an operator's request carried out, the journal refusing a
 * record) must not cost it a syscall: a write to stderr is one, takes tens of
 * microseconds on a pipe, and blocks outright when whoever reads the pipe
 * stops.  So a line is formatted into a slot of a single-producer ring, and a
 * logger thread on a cold core writes it out.  When the ring is full the line
 * is dropped and counted, and the logger says how many were lost; the audit
 * journal, not the log, is the record.  Before the thread starts and after it
 * stops (the engine's start-up and close, cold) lines are written directly.
 */
#ifndef RG_ENGINE_LOG_H
#define RG_ENGINE_LOG_H

#include <pthread.h>
#include <stdint.h>

#define RG_ENGINE_LOG_LINES 256u   /* a power of two */
#define RG_ENGINE_LOG_LINE_MAX 384 /* longer lines are cut */

struct rg_engine_log {
	uint64_t head;          /* atomic: lines written; the engine thread's */
	uint64_t tail;          /* atomic: lines written out; the logger's */
	uint64_t lost;          /* atomic: lines that found the ring full */
	int fd;                 /* atomic: where lines go (stderr unless the embedder says otherwise) */
	int running;            /* the logger thread runs (set and cleared by the engine thread) */
	int stop;               /* atomic: the logger finishes */
	pthread_t thread;
	char lines[RG_ENGINE_LOG_LINES][RG_ENGINE_LOG_LINE_MAX];
};

/* Zeroes the log and sets its sink (fd stays the caller's). */
void rg_engine_log_init(struct rg_engine_log *l, int fd);

/* Starts the logger thread on `cpu` (-1: unpinned).  0 or -errno; without
 * it, lines are written directly. */
int rg_engine_log_start(struct rg_engine_log *l, int cpu);

/* Writes out what is queued and stops the thread (no-op if not running). */
void rg_engine_log_stop(struct rg_engine_log *l);

/* One line, without its newline.  Engine thread only while running. */
void rg_engine_logf(struct rg_engine_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* RG_ENGINE_LOG_H */
