/*
 * Replays of a session's reports from the audit journal, on the strategy's
 * request (rg_client_request_replay): how a strategy recovers reports it
 * lost, typically those an engine crash took with the report ring's unread
 * slots.  Every report the engine writes (but AUDIT_BACKPRESSURE) is the
 * copy of a journal record that carries its report_seq, so the journal can
 * give each one back.
 *
 *   engine thread, heartbeat tick   reads each session's request counter (one
 *                                   acquire load) and hands a new request to
 *   replay thread (cold core)       which waits until the writer has written
 *                                   every record up to the request, finds the
 *                                   oldest day file it needs, reads forward and
 *                                   turns each record of that session with a
 *                                   report_seq in the range back into its
 *                                   report (flag REPLAYED), then REPLAY_DONE;
 *   engine thread, each pass        moves those reports into the session's
 *                                   report path (ring or backlog) while the
 *                                   backlog has room, so they are ordered with
 *                                   the live ones and never dropped, and on
 *                                   REPLAY_DONE publishes replay_done.
 *
 * Requests are served one at a time, in the order they came; the two queues
 * are in-process SPSC rings (shm/ring.h).  Nothing here runs per order: the
 * order path pays one load for "a replay is in flight".
 */
#ifndef RG_REPORT_REPLAY_H
#define RG_REPORT_REPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <riskgate/msg.h>
#include <riskgate/ring.h>

#include "config.h"

struct rg_engine;
struct rg_journal;
struct rg_journal_writer;
struct rg_jrec;

#define RG_REPLAY_REQUESTS 64u      /* requests handed over and not yet finished */
#define RG_REPLAY_QUEUE 4096u       /* replayed reports on their way to the engine thread */
#define RG_REPLAY_MAX_REPORTS (1u << 22) /* a request asks for at most this many */
#define RG_REPLAY_MAX_FILES 62u     /* day files searched back for the first report asked */

/* A request as handed to the replay thread (one slot payload). */
struct rg_replay_request {
	uint64_t from, to;      /* report_seq range asked (to capped at the last report written) */
	uint64_t journal_head;  /* every record below this must be in a file before reading */
	uint32_t session;       /* strategy index */
	uint32_t id;            /* the strategy's request number (replay_request) */
	uint8_t pad[24];
};

struct rg_report_replay {
	/* engine thread */
	uint32_t seen[RG_MAX_STRATEGIES];   /* the last request counter read from each session */
	uint32_t order[RG_REPLAY_REQUESTS]; /* sessions of the requests handed over, oldest first */
	uint32_t order_head, order_tail;
	struct rg_report item;              /* a replayed report taken from the queue, waiting for room */
	bool have_item;
	/* the replay thread's */
	struct rg_ring requests;            /* engine -> replay thread */
	struct rg_ring reports;             /* replay thread -> engine: reports, each request ending with REPLAY_DONE */
	void *ring_memory;
	const struct rg_config *cfg;
	struct rg_journal *journal;
	struct rg_journal_writer *writer;
	pthread_t thread;
	bool started;
	int stop;                           /* relaxed atomic: the thread returns */
	int cpu;
};

/* Allocates the queues and starts the thread on `cpu` (-1 unpinned).
 * 0 or -errno with the cause in err.  Cold. */
int rg_report_replay_start(struct rg_report_replay *r, const struct rg_config *cfg, struct rg_journal *journal,
			   struct rg_journal_writer *writer, int cpu, char *err, size_t errlen);

/* Stops the thread and frees the queues; safe on a zeroed one. */
void rg_report_replay_stop(struct rg_report_replay *r);

/* Engine thread, heartbeat tick: hands new requests to the replay thread. */
void rg_report_replay_tick(struct rg_engine *e);

/* Engine thread, each pass while a request is in flight: delivers what the
 * replay thread produced.  Returns the reports moved. */
unsigned rg_report_replay_deliver(struct rg_engine *e);

/* True while a request is handed over and not finished (one load). */
static inline bool rg_report_replay_busy(const struct rg_report_replay *r)
{
	return r->order_head != r->order_tail;
}

/*
 * The report a journal record stands for, as the engine wrote it, flagged
 * REPLAYED; false when the record is of no report.  Pure: for the thread
 * and for tests.
 */
bool rg_report_of_record(const struct rg_jrec *rec, struct rg_report *out);

#endif /* RG_REPORT_REPLAY_H */
