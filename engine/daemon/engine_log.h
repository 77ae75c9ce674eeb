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
 * Each slot keeps the wall-clock time and level the line was logged with;
 * the logger formats it (engine/log_line.h) when it writes it out.
 */
#ifndef RG_ENGINE_LOG_H
#define RG_ENGINE_LOG_H

#include <pthread.h>
#include <stdint.h>

#include "log_line.h"

#define RG_ENGINE_LOG_LINES 256u   /* a power of two */
#define RG_ENGINE_LOG_LINE_MAX 384 /* longer lines are cut */

struct rg_engine_log_slot {
	uint64_t real_ns;                 /* CLOCK_REALTIME when it was logged */
	uint32_t level;                   /* enum rg_log_level */
	char text[RG_ENGINE_LOG_LINE_MAX]; /* without its newline */
};

struct rg_engine_log {
	uint64_t head;          /* atomic: lines written; the engine thread's */
	uint64_t tail;          /* atomic: lines written out; the logger's */
	uint64_t lost;          /* atomic: lines that found the ring full */
	int fd;                 /* atomic: where lines go (stderr unless the embedder says otherwise) */
	int running;            /* the logger thread runs (set and cleared by the engine thread) */
	int stop;               /* atomic: the logger finishes */
	pthread_t thread;
	struct rg_engine_log_slot lines[RG_ENGINE_LOG_LINES];
};

/* Zeroes the log and sets its sink (fd stays the caller's). */
void rg_engine_log_init(struct rg_engine_log *l, int fd);

/* Starts the logger thread on `cpu` (-1: unpinned).  0 or -errno; without
 * it, lines are written directly. */
int rg_engine_log_start(struct rg_engine_log *l, int cpu);

/* Writes out what is queued and stops the thread (no-op if not running). */
void rg_engine_log_stop(struct rg_engine_log *l);

/* One line, without its newline, at `level` (enum rg_log_level).  Engine
 * thread only while running; one clock read (vDSO), no system call. */
void rg_engine_log_at(struct rg_engine_log *l, unsigned level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same at INFO. */
#define rg_engine_logf(l, ...) rg_engine_log_at((l), RG_LOG_INFO, __VA_ARGS__)

#endif /* RG_ENGINE_LOG_H */
