/*
 * The engine's own state (struct rg_engine), shared by the files of the
 * engine runtime: engine.c (the loop and the order path) and the parts that
 * hang off it.  Private to engine/daemon; users see only engine.h.
 */
#ifndef RG_ENGINE_STATE_H
#define RG_ENGINE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "checks.h"
#include "config.h"
#include "dead_man.h"
#include "engine_control.h"
#include "engine_log.h"
#include "idle.h"
#include "instance.h"
#include "journal.h"
#include "ops_view.h"
#include "journal_share.h"
#include "order_routes.h"
#include "path_warmer.h"
#include "quarantine.h"
#include "report_replay.h"
#include "risk_state.h"
#include "risk_view.h"
#include "venue_hold.h"
#include "venue_limiter.h"

#define BURST 32u
#define HEARTBEAT_EVERY_NS 1000000ull     /* engine heartbeat: 1 ms */
#define DRAIN_QUIET_NS 200000000ull       /* drained once adapters are quiet this long */
#define DRAIN_DEADLINE_NS 5000000000ull   /* and never wait longer than this */
#define ROUTE_CAPACITY (1u << 18)
/* The check_ns and decision_ns histograms time one checked message in this
 * many (a power of two). */
#define RG_TIMING_SAMPLE 4u

struct rg_engine_recovery;

/* Venue events taken from an adapter's ring and not yet handled: one waits
 * here, with those behind it, while the journal or its strategy's report
 * backlog has no room for what it produces (engine.c, poll_adapter). */
struct rg_event_stash {
	struct rg_venue_event ev[BURST];
	uint32_t n;       /* events taken */
	uint32_t next;    /* the next one to handle */
	bool waiting;     /* the next one found no room (counted once in event_waits) */
};

/*
 * Laid out for the hot loop: what every pass and every order reads of the
 * engine's own fields leads the struct (the scalars, the route table, the
 * journal ring's view, then the instance whose sessions and control block
 * the pass walks), so that a pass touches a few lines of it, not one per
 * field; the big tables and what only the cold paths use follow.
 */
struct rg_engine {
	/* line 0: every pass and every order */
	const struct rg_config *cfg;
	struct rg_risk *risk;
	const struct rg_decision *deciding;     /* the checks' approval of the order being answered, else NULL */
	uint64_t next_heartbeat_ns;
	uint64_t last_activity_ns;
	uint64_t ns_per_tick_q16;               /* TSC ticks to ns, 16.16 fixed point (0: no TSC) */
	uint32_t n_adapters;
	uint32_t held_total;                    /* orders held at every venue: the pass skips release_held when 0 */
	uint32_t timing_tick;                   /* checked messages, for RG_TIMING_SAMPLE */
	bool draining;
	bool journal_failed;                    /* a record was refused: the instance is HALTED */
	bool journal_failed_reported;
	bool journal_started;                   /* ENGINE_START is in: ENGINE_STOP goes in at close */
	/* line 1 on: the route table, the journal ring, the shares of it (their header) */
	struct rg_order_routes routes;
	struct rg_journal journal;              /* the audit journal ring (engine/journal) */
	struct rg_jshare jshare;                /* who may use how much of the journal ring (journal_share.h) */
	struct rg_instance inst;
	struct rg_engine_control control;       /* kill segment, operators' requests, Redis watcher */
	struct rg_report_replay replay;         /* replays of sessions' reports from the journal (report_replay.h) */
	struct rg_adapter adapters[RG_MAX_VENUES];
	struct rg_event_stash stash[RG_MAX_VENUES];
	struct rg_venue_hold holds[RG_MAX_VENUES];
	struct rg_venue_limiter limiters[RG_MAX_VENUES];
	struct rg_dead_man dead_man[RG_MAX_STRATEGIES]; /* per strategy: the heartbeat watch (dead_man.h) */
	struct rg_quarantine quarantine[RG_MAX_STRATEGIES]; /* per strategy: malformed-message quarantine (quarantine.h) */
	struct rg_journal_run decided[RG_MAX_STRATEGIES]; /* per strategy: its ORDER_DECIDED records (append.h) */
	/* cold */
	struct rg_risk_view view;
	struct rg_journal_writer *journal_writer; /* its writer thread (engine_journal.c) */
	struct rg_checkpointer *checkpointer;   /* risk-state checkpoints, cold thread (checkpointer.h); NULL = off */
	struct rg_engine_recovery *recovery;    /* what the start-up replay rebuilt (engine_recovery.h) */
	uint64_t next_clock_ns;                 /* next refresh of the journal's realtime offset */
	int64_t journal_day;                    /* trading day whose snapshots are journaled */
	uint64_t next_engine_seq;
	uint64_t drain_started_ns;
	struct rg_ops_view_state ops;           /* what the operations view last copied (ops_view.h) */
	struct rg_idle idle;                    /* what an idle engine does: spin, yield or sleep (idle.h) */
	struct rg_path_warmer warm;             /* keeps the order path in cache while idle (path_warmer.h) */
	struct rg_engine_log log;               /* what the engine thread logs, written out on a cold core */
};
_Static_assert(offsetof(struct rg_engine, routes) <= 64, "the engine's hot scalars fit line 0");

/* A held order leaves its venue's queue without reaching the venue (the
 * caller took it out): its reservation is released, its strategy gets
 * CANCELLED, its route goes.  engine.c. */
void _rg_engine_drop_held(struct rg_engine *e, uint16_t venue, const struct rg_venue_request *req, uint64_t now_ns);

/* The order of `route` is done without the venue saying so: journaled
 * CANCELLED (cancelled_qty `leaves_e8`), its reservation released, its
 * strategy told CANCELLED, its route deleted (`route` is invalid after).
 * The caller made sure of room in the journal and the backlog.  engine.c. */
void _rg_engine_settle_locally(struct rg_engine *e, uint16_t venue, struct rg_order_route *route, int64_t leaves_e8,
			       uint64_t now_ns);

/* Writes report `r` to session `s`: into its ring, or at the end of its
 * backlog (room must have been made sure of: _rg_engine_report_fits).
 * engine.c. */
void _rg_engine_push_report(struct rg_engine *e, struct rg_session *s, const struct rg_report *r);

/* True when session `s` has room for one more report: any room in its
 * backlog for a report a live order was owed (`budgeted`: an ack, an
 * order's last report), else room left over after every live order's two.
 * engine.c. */
bool _rg_engine_report_fits(const struct rg_engine *e, const struct rg_session *s, bool budgeted);

/* Sends a cancel of the live order `target` names to its venue and journals
 * it as FORWARDED; false (nothing sent) when the venue's request ring is
 * full.  engine.c. */
bool _rg_engine_send_cancel(struct rg_engine *e, const struct rg_order_route *target, uint64_t now_ns);

/* Asks the adapter of target's venue about the carried order (RG_VREQ_QUERY
 * with the leaves the engine holds); not journaled: it changes nothing until
 * the venue's answer comes back as events.  False when the ring is full. */
bool _rg_engine_send_query(struct rg_engine *e, const struct rg_order_route *target, int64_t leaves_e8,
			   uint64_t now_ns);

#endif /* RG_ENGINE_STATE_H */
