/*
 * An engine instance's shared memory: the single-instance lock, the control
 * segment with its symbol table, and one session segment per strategy.
 */
#ifndef RG_INSTANCE_H
#define RG_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include <riskgate/segment.h>

#include "config.h"

/* The engine's view of one strategy session.  `orders`/`reports` are local
 * handles whose mask and slot pointers come from the engine's own config,
 * never from the segment a strategy can write. */
struct rg_session {
	struct rg_seg_map map;         /* the session segment */
	struct rg_ring orders;         /* strategy -> engine: we consume */
	struct rg_ring reports;        /* engine -> strategy: we produce */
	struct rg_session_peer *peer;  /* strategy heartbeat line */
	uint16_t strategy;             /* index in the config: the only identity an order has */
	char name[RG_NAME_MAX];        /* strategy name, from the config */
	int revoked;                   /* set by the SIGBUS guard when the segment was truncated under us */
	/* Its counters, engine thread only; ops_view.c copies them into the
	 * control segment at the heartbeat, so the order path writes only here. */
	uint64_t n_msgs;               /* messages read from its order ring */
	uint64_t n_approved;           /* its orders approved */
	uint64_t n_rejected;           /* its orders refused */
	uint64_t n_fills;              /* fills of its orders */
	uint64_t n_dead_man_trips;     /* its dead-man watch tripped */
	bool revoked_seen;             /* the engine logged and counted the revocation */
	uint64_t reopen_at_ns;         /* revoked: when to try making the segment afresh */
	uint64_t next_report_seq;      /* report_seq of the session's next report (1 first; continues after a restart) */
	/* Reports waiting for room in the report ring, oldest first (engine memory:
	 * a report is never dropped).  Orders are taken from the session only while
	 * it is empty.  Sized so that every report the live orders still owe fits. */
	struct rg_report *backlog;
	uint64_t backlog_mask;         /* capacity - 1 */
	uint64_t backlog_head, backlog_tail; /* positions: head - tail reports wait */
};

struct rg_instance {
	char name[RG_NAME_MAX];
	int lock_fd;                   /* flock'ed "/rg.<instance>.lock": one engine per instance */
	struct rg_seg_map control;     /* control segment */
	struct rg_seg_header *control_header;
	struct rg_control *ctl;        /* counters and state in the control segment */
	struct rg_symbol_entry *symbols;
	struct rg_symbol_market *market;   /* the symbols' market table (ABI 4), parallel to symbols */
	uint32_t n_sessions;
	struct rg_session sessions[RG_MAX_STRATEGIES];
	bool reclaimed;                /* a crashed engine's segments were found and replaced */
};

/*
 * Takes the instance lock, reclaims a crashed engine's leftover segments,
 * creates the control segment (symbol table filled from cfg) and one session
 * segment per strategy with the owner, group and mode cfg gives, and publishes
 * the control segment READY (riskctl sees the engine STARTING).  The session
 * segments stay INITIALIZING (a strategy's open gets -EAGAIN, "retry
 * shortly") until rg_instance_publish_sessions.  Returns 0, or -EBUSY
 * (another engine holds this instance) or another -errno with the cause in
 * err.  Cold path.
 */
int rg_instance_open(struct rg_instance *in, const struct rg_config *cfg, char *err, size_t errlen);

/* Publishes every session segment READY: strategies may open them.  The
 * engine calls it once it is ready to serve (its journal replayed), just
 * before it says RUNNING, so that no strategy fills its ring and waits out
 * a replay. */
void rg_instance_publish_sessions(struct rg_instance *in);

/* Marks every segment CLOSED, unlinks them, unmaps, releases the lock. */
void rg_instance_close(struct rg_instance *in);

/* Refreshes the engine heartbeat in the control and session headers, and each
 * session's next report sequence. */
void rg_instance_heartbeat(struct rg_instance *in, uint64_t now_ns);

/*
 * A revoked session (its segment truncated under the engine) made afresh: the
 * old name is unlinked, a new segment created with the config's owner, group
 * and mode and published READY, so the strategy can open it again.  The
 * report sequence and backlog carry on.  Returns 0 or -errno with the cause
 * in err.  Cold: engine thread, from the heartbeat tick.
 */
int rg_instance_reopen_session(struct rg_instance *in, const struct rg_config *cfg, uint16_t idx, char *err,
			       size_t errlen);

#endif /* RG_INSTANCE_H */
