/*
 * riskgate shared-memory ABI: the byte layout of the two kinds of segment an
 * instance publishes in /dev/shm, and the pure functions that compute and
 * validate it.  docs/shm-abi.md is the prose version of this file.
 *
 *   control segment  /rg.<instance>.ctl        engine-written, read-only for strategies
 *   session segment  /rg.<instance>.s.<name>   one per strategy: order ring + report ring
 *
 * Every segment begins with struct rg_seg_header.  A reader checks magic, ABI
 * version and every size before it trusts anything else (rg_seg_validate).
 */
#ifndef RG_ABI_H
#define RG_ABI_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "histogram.h"
#include "msg.h"
#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_SEG_MAGIC 0x47455348534752ULL /* "RGSHSEG\0" little-endian */
#define RG_ABI_VERSION 4u /* 3: report_seq in reports, replay requests, session counters; the operations view;
                                * 4: the symbols' market table (reference price, limits) after the symbol table */
#define RG_NAME_MAX 32u              /* bytes for an instance/strategy/symbol name, NUL included */
#define RG_SEG_PREFIX "/rg."
#define RG_MAX_SYMBOLS 65536u
#define RG_SEG_NAME_MAX 80u          /* buffer size for rg_seg_name() */
#define RG_CTL_VENUES 16u            /* per-venue counters in the control segment */
#define RG_CTL_ACCOUNTS 64u          /* account entries of the risk view */
#define RG_CTL_POSITIONS 4096u       /* (account, symbol) position entries of the risk view */
#define RG_CTL_STRATEGIES 64u        /* strategy entries of the operations view */

enum rg_seg_kind {
	RG_SEG_CONTROL = 1,
	RG_SEG_SESSION = 2,
};

/* Lifecycle of a segment, in rg_seg_header.state. */
enum rg_seg_state {
	RG_SEG_INITIALIZING = 0, /* being created: readers must not attach */
	RG_SEG_READY = 1,        /* the engine serves it */
	RG_SEG_CLOSED = 2,       /* the engine stopped and drained it */
};

/* Engine state, in rg_control.engine_state. */
enum rg_engine_state {
	RG_ENGINE_STARTING = 0,
	RG_ENGINE_RUNNING = 1,
	RG_ENGINE_DRAINING = 2, /* stopping: no new orders accepted */
	RG_ENGINE_STOPPED = 3,
};

/*
 * The first three cache lines of every segment.  Lines 0-1 are written once
 * by the creator before it stores state = READY (release); line 2 is the
 * creator's liveness, updated while it runs.
 */
struct rg_seg_header {
	/* line 0 */
	uint64_t magic;                /* RG_SEG_MAGIC */
	uint32_t abi_version;          /* RG_ABI_VERSION */
	uint32_t kind;                 /* enum rg_seg_kind */
	uint32_t header_size;          /* sizeof(struct rg_seg_header) */
	uint32_t slot_size;            /* RG_SLOT_SIZE */
	uint64_t total_size;           /* bytes in the segment; equals the file size */
	uint32_t order_ring_capacity;  /* session: slots in the order ring; control: 0 */
	uint32_t report_ring_capacity; /* session: slots in the report ring; control: 0 */
	uint32_t symbol_capacity;      /* control: entries in the symbol table; session: 0 */
	int32_t creator_pid;           /* pid of the engine that created it */
	uint64_t created_realtime_ns;  /* CLOCK_REALTIME at creation */
	uint8_t pad0[8];
	/* line 1 */
	char instance[RG_NAME_MAX];    /* instance name, NUL-terminated */
	char name[RG_NAME_MAX];        /* session: strategy name; control: "" */
	/* line 2: creator-written liveness */
	uint32_t state;                /* enum rg_seg_state; release by creator, acquire by readers */
	uint32_t replay_done;          /* session: the last replay request the engine finished (release) */
	uint64_t heartbeat_ns;         /* creator's CLOCK_MONOTONIC, refreshed while it runs (relaxed) */
	uint64_t next_report_seq;      /* session: report_seq the engine gives the next report, refreshed
				        * with the heartbeat (relaxed); 0 before the first refresh */
	uint8_t pad2[RG_CACHELINE - 24];
} __attribute__((aligned(RG_CACHELINE)));

RG_STATIC_ASSERT(sizeof(struct rg_seg_header) == 3 * RG_CACHELINE, "header is three lines");
RG_STATIC_ASSERT(offsetof(struct rg_seg_header, instance) == RG_CACHELINE, "identity line");
RG_STATIC_ASSERT(offsetof(struct rg_seg_header, state) == 2 * RG_CACHELINE, "liveness line");

/* Session segment, strategy-written line right after the header. */
struct rg_session_peer {
	uint64_t heartbeat_ns; /* strategy's CLOCK_MONOTONIC, written by rg_client_heartbeat (relaxed) */
	int32_t pid;           /* pid of the process holding the session, 0 when none */
	uint32_t attach_count; /* times a strategy has opened this session */
	uint64_t replay_from;  /* replay request: first report_seq wanted */
	uint64_t replay_to;    /* and the last */
	uint32_t replay_request; /* incremented (release) after replay_from/to are written: a new request */
	uint32_t doorbell;     /* incremented (and futex-woken) by the client after it put orders in a ring
				* while the engine said it was asleep (doorbell.h; engine idle_policy spin_sleep) */
	uint8_t pad[RG_RING_GUARD - 40];
};
RG_STATIC_ASSERT(sizeof(struct rg_session_peer) == RG_RING_GUARD, "peer block is guarded");

/*
 * Risk view entries.  Each begins with a seqlock word: the engine makes it
 * odd, writes the fields, makes it even again; a reader copies the entry
 * between two equal, even reads of it (rg_view_read_begin / _retry).
 */
struct rg_account_view {
	uint32_t seq;
	uint8_t state;                /* enum rg_trading_state: operator state */
	uint8_t loss_state;           /* state entered on a loss or drawdown breach; ACTIVE when none */
	uint16_t loss_reason;         /* RG_REJ_DAILY_LOSS or RG_REJ_DRAWDOWN while breached */
	uint32_t orders_today;
	uint32_t max_orders_per_day;  /* the account's limit (UINT32_MAX none); 0 from engines before it was published */
	int64_t equity_sod_e8;        /* start-of-day equity */
	int64_t realized_today_e8;    /* realized PnL of the trading day */
	int64_t upnl_e8;              /* unrealized PnL of open positions at the reference */
	int64_t day_pnl_e8;           /* realized + change of unrealized since the day started */
	int64_t peak_equity_e8;       /* the day's equity peak (drawdown) */
	int64_t gross_position_e8;    /* sum of |position| at the reference */
	int64_t open_notional_e8;     /* notional reserved by live orders */
	char name[RG_NAME_MAX];       /* account name */
	uint64_t state_since_ns;      /* CLOCK_REALTIME when state or loss_state last changed; 0 = not since start */
	uint8_t pad1[16];
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_account_view) == 2 * RG_CACHELINE, "account view is two lines");
RG_STATIC_ASSERT(offsetof(struct rg_account_view, state_since_ns) == 104, "account view layout");

struct rg_position_view {
	uint32_t seq;
	uint16_t account;             /* index of accounts[] */
	uint16_t pad0;
	uint32_t symbol_id;           /* index of the symbol table */
	uint32_t pad1;
	int64_t qty_e8;               /* signed: long > 0 */
	int64_t avg_price_e8;         /* average cost of the open quantity; 0 when flat */
	int64_t open_buy_qty_e8;      /* leaves of live buy orders */
	int64_t open_sell_qty_e8;     /* leaves of live sell orders */
	int64_t upnl_e8;              /* unrealized PnL at mark_price_e8 */
	int64_t mark_price_e8;        /* the symbol's reference price; 0 when none yet */
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_position_view) == RG_CACHELINE, "position view is one line");

/* Reader side of a view entry's seqlock:
 *     do { seq = rg_view_read_begin(&e->seq); rg_view_copy(&copy, e, sizeof(copy)); }
 *     while (rg_view_read_retry(&e->seq, seq));
 * The copy is made of acquire loads, so the second read of seq cannot pass
 * any of them (no standalone fence, which ThreadSanitizer cannot model). */
static inline uint32_t rg_view_read_begin(const uint32_t *seq)
{
	uint32_t s;

	while ((s = __atomic_load_n(seq, __ATOMIC_ACQUIRE)) & 1u)
		;
	return s;
}

static inline void rg_view_copy(void *dst, const void *src, size_t bytes)
{
	const uint64_t *from = (const uint64_t *)src;
	uint64_t *to = (uint64_t *)dst;

	for (size_t i = 0; i < bytes / 8; i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_ACQUIRE);
}

static inline bool rg_view_read_retry(const uint32_t *seq, uint32_t begun)
{
	return __atomic_load_n(seq, __ATOMIC_RELAXED) != begun;
}

/*
 * Operations view: what monitoring reads (riskctl stats, riskgate-exporter).
 * The engine copies it from its private state once per heartbeat (1 ms), so
 * the order path never writes these lines and a reader never slows it down.
 * Single writer; every field is one naturally aligned word, stored and read
 * with relaxed atomics: a reader needs recent values, not a consistent set.
 * Times: *_realtime_ns are CLOCK_REALTIME (0 = unchanged since the engine
 * started); *_mono_ns are the engine's CLOCK_MONOTONIC, like heartbeat_ns.
 */

/* What a venue's session with the venue is doing, in rg_venue_view.session. */
enum rg_venue_session {
	RG_VENUE_SESSION_UNKNOWN = 0, /* no connect or disconnect seen yet */
	RG_VENUE_SESSION_UP = 1,      /* connected (the adapter said CONNECTED) */
	RG_VENUE_SESSION_DOWN = 2,    /* disconnected */
};

/* Instance-wide part of the operations view: one line, then the journal's. */
struct rg_ops_view {
	uint64_t published_mono_ns;       /* engine's clock at the last copy */
	uint64_t state_since_realtime_ns; /* the instance trading state last changed */
	uint64_t kill_since_realtime_ns;  /* the instance-wide kill last came or went */
	uint64_t log_lines_lost;          /* engine log lines dropped for a full log ring */
	uint32_t kills_in_force;          /* kills the engine applies now, every scope */
	uint8_t instance_state;           /* enum rg_trading_state of the instance */
	uint8_t checkpoint_state;         /* risk-state checkpoints: 0 OFF, 1 RUNNING, 2 STOPPED on an error */
	uint8_t pad0[2];
	uint64_t checkpoints_written;     /* checkpoints written since the engine started */
	uint64_t checkpoint_anchor_seq;   /* the newest one's anchor: it covers every record below; 0 = none yet */
	uint64_t checkpoint_failures;     /* checkpoint writes that failed (the thread retries at the next one) */
	/* the audit journal, as the engine sees its ring and writer */
	uint64_t journal_appended;        /* records appended (the ring's head sequence) */
	uint64_t journal_written;         /* records in files (every sequence below this) */
	uint64_t journal_durable;         /* records fdatasync'd (every sequence below this) */
	uint64_t journal_refused;         /* appends refused because the ring was full */
	uint64_t journal_bytes;           /* bytes written to files by writers of this ring */
	uint64_t journal_fsyncs;          /* fdatasyncs done */
	uint64_t journal_last_fsync_mono_ns; /* when the engine saw fsyncs move; 0 = none since start */
	uint32_t journal_state;           /* writer: 0 STOPPED, 1 RUNNING, 2 ERROR (engine/journal) */
	int32_t journal_error;            /* errno of its most recent error, 0 = none */
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_ops_view) == 2 * RG_CACHELINE, "ops view is two lines");
RG_STATIC_ASSERT(offsetof(struct rg_ops_view, journal_appended) == RG_CACHELINE, "ops view layout");
RG_STATIC_ASSERT(offsetof(struct rg_ops_view, checkpoint_failures) == 56, "ops view layout");

/* One strategy (index = its index in the config). */
struct rg_strategy_view {
	char name[RG_NAME_MAX];           /* 0: strategy name */
	uint64_t msgs_in;                 /* 32: messages read from its order ring */
	uint64_t approved;                /* 40: its orders approved */
	uint64_t rejected;                /* 48: its orders refused */
	uint64_t fills;                   /* 56: fills of its orders */
	uint64_t dead_man_trips;          /* 64: its dead-man watch tripped */
	uint64_t heartbeat_mono_ns;       /* 72: its last rg_client_heartbeat (its CLOCK_MONOTONIC); 0 never */
	uint64_t state_since_realtime_ns; /* 80: state, kill or dead-man halt last changed */
	uint64_t dead_man_timeout_ns;     /* 88: from the config; 0 = not watched */
	int32_t pid;                      /* 96: process holding its session; 0 none */
	uint16_t account;                 /* 100: index of accounts[] */
	uint8_t state;                    /* 102: enum rg_trading_state (operator) */
	uint8_t kill;                     /* 103: 1 while a kill of this strategy is in force */
	uint8_t dead_man_tripped;         /* 104: 1 while halted by its dead-man watch */
	uint8_t throttle_latched;         /* 105: 1 while its execution throttle is latched */
	uint8_t pad0[2];
	uint32_t order_tokens;            /* 108: new orders its order_rate admits now back to back; UINT32_MAX = no limit */
	uint32_t modify_tokens;           /* 112: replaces its modify_rate admits now; UINT32_MAX = no limit */
	uint8_t pad[12];
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_strategy_view) == 2 * RG_CACHELINE, "strategy view is two lines");
RG_STATIC_ASSERT(offsetof(struct rg_strategy_view, pid) == 96 && offsetof(struct rg_strategy_view, state) == 102,
		 "strategy view layout");

/* One venue (index = its index in the config); its counters are venue_*[] of rg_control. */
struct rg_venue_view {
	char name[RG_NAME_MAX];             /* 0: venue name */
	uint64_t breaker_opens;             /* 32: times its circuit breaker opened */
	uint64_t session_since_realtime_ns; /* 40: session state last changed */
	uint64_t breaker_since_realtime_ns; /* 48: breaker state last changed */
	uint8_t session;                    /* 56: enum rg_venue_session */
	uint8_t breaker;                    /* 57: 0 CLOSED, 1 OPEN, 2 HALF_OPEN (engine/breaker.h) */
	uint8_t kill;                       /* 58: 1 while a kill of this venue is in force */
	uint8_t dry_run;                    /* 59: 1: decided, never sent */
	uint8_t pad[4];
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_venue_view) == RG_CACHELINE, "venue view is one line");

/* Control segment: engine block after the header. */
struct rg_control {
	uint32_t engine_state;     /* enum rg_engine_state (release by engine) */
	uint32_t symbol_count;     /* valid entries in the symbol table (release by engine after filling them) */
	uint32_t kill_active;      /* nonzero while an instance-wide kill is in force (relaxed) */
	uint32_t config_generation; /* incremented on each config load */
	uint32_t doorbell_on;      /* 1: the engine may sleep when idle (idle_policy spin_sleep): ring its doorbell
				    * (doorbell.h) after putting orders in a ring; written before READY */
	uint8_t pad0[RG_CACHELINE - 20];
	/* Its own line: written by the engine each time it falls asleep and wakes. */
	uint32_t engine_asleep;    /* 1 while the engine waits on its doorbells (seq_cst, doorbell.h) */
	uint8_t pad0b[RG_RING_GUARD - RG_CACHELINE - 4];
	/* Counters, single writer (the engine thread), relaxed. */
	uint64_t msgs_in;          /* messages read from session rings */
	uint64_t approved;         /* orders forwarded to a venue */
	uint64_t rejected;         /* orders refused (sum of rejected_by_reason) */
	uint64_t fills;            /* fills received from venues */
	uint64_t reports_out;      /* reports written to strategies */
	uint32_t venue_protocol_errors[RG_CTL_VENUES]; /* malformed messages / garbage runs from each venue (wrap at 2^32) */
	uint8_t pad1[RG_RING_GUARD - 40 - 4 * RG_CTL_VENUES];
	uint64_t rejected_by_reason[RG_REJ_REASON_MAX]; /* indexed by enum rg_reject_reason */
	uint64_t venue_sent[RG_CTL_VENUES];      /* requests handed to each venue's adapter */
	uint64_t venue_throttled[RG_CTL_VENUES]; /* approvals refused for want of a venue token */
	uint64_t venue_held[RG_CTL_VENUES];      /* approved orders waiting now for a venue token (on_throttle queue) */
	struct rg_histogram check_ns;    /* time in the check pipeline per message (engine clock) */
	struct rg_histogram decision_ns; /* strategy's submit stamp to the engine's decision */
	/* Risk view (riskctl positions): the engine's accounts and positions, copied out
	 * under a per-entry seqlock (rg_view_read_*).  Not on the order path. */
	uint32_t n_accounts;             /* valid entries in accounts[] */
	uint32_t n_positions;            /* entries of positions[] in use (release by engine) */
	uint64_t positions_unpublished;  /* positions that found positions[] full */
	/* Dead-man watch (engine heartbeat tick), single writer, relaxed. */
	uint64_t dead_man_trips;         /* strategies found with a heartbeat older than their timeout */
	uint64_t dead_man_lifts;         /* dead-man halts lifted by the session being opened again */
	/* Mass cancels (cancel_on_kill, cancel-on-disconnect), single writer, relaxed. */
	uint64_t mass_cancel_no_room;    /* cancels a walk found no room for in a venue's request ring */
	uint64_t mass_cancel_retries;    /* walks repeated because of them (every 100 ms) */
	uint64_t mass_cancel_abandoned;  /* mass cancels given up with cancels unsent (no room for mass_cancel_stall_ms) */
	uint8_t pad2[RG_CACHELINE - 56];
	/* Delivery and sessions, single writer (the engine thread), relaxed. */
	uint64_t reports_held;           /* reports that found a report ring full and waited in the engine for room */
	uint64_t event_waits;            /* times a venue's events had to wait (no room in the journal or a backlog) */
	uint64_t journal_share_refused;  /* orders refused AUDIT_BACKPRESSURE for being over their session's share */
	uint64_t sessions_truncated;     /* sessions revoked because their segment was truncated under the engine */
	uint64_t sessions_reopened;      /* revoked sessions made afresh for their strategy to open again */
	uint64_t sessions_quarantined;   /* sessions halted for sending mostly malformed messages */
	uint64_t report_replays;         /* replays of reports from the journal carried out on request */
	uint64_t reports_replayed;       /* reports those replays delivered */
	struct rg_account_view accounts[RG_CTL_ACCOUNTS];
	struct rg_position_view positions[RG_CTL_POSITIONS];
	/* Operations view (ABI 3), copied at the engine's heartbeat. */
	uint32_t n_strategies;           /* valid entries in strategies[] */
	uint32_t n_venues;               /* valid entries in venues[] */
	uint64_t self_match_cancels;     /* resting orders cancelled because an order of their self-match group
					  * would have crossed them (self_match cancel_resting / cancel_both); relaxed */
	uint8_t pad3[RG_CACHELINE - 16];
	struct rg_ops_view ops;
	struct rg_strategy_view strategies[RG_CTL_STRATEGIES];
	struct rg_venue_view venues[RG_CTL_VENUES];
};
RG_STATIC_ASSERT(offsetof(struct rg_control, venue_sent) == 2 * RG_RING_GUARD + 8 * RG_REJ_REASON_MAX,
		 "control block layout");
RG_STATIC_ASSERT(offsetof(struct rg_control, venue_protocol_errors) == RG_RING_GUARD + 40,
		 "protocol error counters sit in what was padding (no ABI change)");
RG_STATIC_ASSERT(offsetof(struct rg_control, dead_man_trips) == offsetof(struct rg_control, n_accounts) + 16,
		 "dead-man counters sit in what was padding (no ABI change)");
RG_STATIC_ASSERT(offsetof(struct rg_control, mass_cancel_abandoned) == offsetof(struct rg_control, n_accounts) + 48,
		 "mass cancel counters sit in what was padding (no ABI change)");
RG_STATIC_ASSERT(offsetof(struct rg_control, reports_held) == offsetof(struct rg_control, n_accounts) + RG_CACHELINE &&
			 offsetof(struct rg_control, accounts) == offsetof(struct rg_control, n_accounts) + 2 * RG_CACHELINE,
		 "delivery and session counters: one line of their own (ABI 3)");
RG_STATIC_ASSERT(offsetof(struct rg_control, self_match_cancels) == offsetof(struct rg_control, n_strategies) + 8,
		 "the self-match counter sits in what was padding (no ABI change)");
RG_STATIC_ASSERT(offsetof(struct rg_seg_header, next_report_seq) == 2 * RG_CACHELINE + 16, "liveness line layout");
RG_STATIC_ASSERT(offsetof(struct rg_session_peer, replay_request) == 32, "peer line layout");
RG_STATIC_ASSERT(sizeof(struct rg_histogram) == 8 * (4 + RG_HIST_BUCKETS), "histogram is plain words");
RG_STATIC_ASSERT(offsetof(struct rg_control, ops) == offsetof(struct rg_control, positions) +
								 RG_CTL_POSITIONS * sizeof(struct rg_position_view) +
								 RG_CACHELINE,
		 "the operations view follows the risk view");
RG_STATIC_ASSERT(offsetof(struct rg_control, strategies) % RG_CACHELINE == 0 &&
			 offsetof(struct rg_control, venues) ==
				 offsetof(struct rg_control, strategies) + RG_CTL_STRATEGIES * sizeof(struct rg_strategy_view),
		 "operations view layout");

/* One symbol table entry: 64 bytes, written by the engine before symbol_count
 * is published; read-only for everyone else. */
struct rg_symbol_entry {
	char name[RG_NAME_MAX]; /* e.g. "AAPL", NUL-terminated */
	uint32_t id;            /* the symbol_id orders carry (its index in the table) */
	uint8_t enabled;        /* 0: orders are refused with SYMBOL_DISABLED */
	uint8_t market_allowed; /* 0: market orders refused */
	uint8_t pad[2];
	int64_t tick_e8;        /* price increment, scale RG_PRICE_SCALE */
	int64_t lot_e8;         /* quantity increment, scale RG_QTY_SCALE */
	int64_t min_qty_e8;     /* minimum order quantity */
};
RG_STATIC_ASSERT(sizeof(struct rg_symbol_entry) == RG_CACHELINE, "symbol entry is one line");

/*
 * A symbol's market and limits (ABI 4): the entry of the same index in the
 * market table that follows the symbol table, under a seqlock like the risk
 * view's entries (rg_view_read_*).  The engine copies it from its risk state
 * at its heartbeat, 64 symbols a millisecond, and a symbol whose reference
 * moved first.  Limits are INT64_MAX when none.
 */
struct rg_symbol_market {
	uint32_t seq;
	uint8_t state;                  /* enum rg_trading_state (operator) */
	uint8_t kill;                   /* nonzero while a kill covers it (of the symbol or its venue) */
	uint16_t collar_bps;            /* the collar's band; 0 = none */
	int64_t ref_price_e8;           /* the reference price; 0 = none yet */
	uint64_t ref_mono_ns;           /* CLOCK_MONOTONIC when the engine set it (the strategy's clock too) */
	int64_t collar_lo_e8;           /* lowest limit price the collar admits now (0: no collar) */
	int64_t collar_hi_e8;           /* highest (INT64_MAX: no collar) */
	int64_t max_order_qty_e8;       /* MAX_ORDER_QTY */
	int64_t min_notional_e8;        /* MIN_NOTIONAL (the symbol's; 0 = none) */
	int64_t max_notional_e8;        /* MAX_NOTIONAL (the symbol's) */
	/* line 1 */
	int64_t min_price_e8, max_price_e8; /* PRICE_OUT_OF_RANGE */
	int64_t max_qty_e8;             /* QTY_OUT_OF_RANGE (min: the symbol entry's min_qty_e8) */
	int64_t max_position_qty_e8;    /* MAX_POSITION_QTY */
	int64_t max_position_notional_e8; /* MAX_POSITION_NOTIONAL */
	int64_t max_side_qty_e8;        /* the largest side quantity both position limits allow at the reference */
	uint8_t pad[16];
} __attribute__((aligned(RG_CACHELINE)));
RG_STATIC_ASSERT(sizeof(struct rg_symbol_market) == 2 * RG_CACHELINE, "a symbol's market entry is two lines");
RG_STATIC_ASSERT(offsetof(struct rg_symbol_market, min_price_e8) == RG_CACHELINE, "symbol market layout");

/* Byte offsets of everything in a segment, derived from the header sizes. */
struct rg_seg_layout {
	size_t peer_off;     /* session: struct rg_session_peer */
	size_t order_off;    /* session: order ring (struct rg_ring_shared + slots) */
	size_t report_off;   /* session: report ring */
	size_t control_off;  /* control: struct rg_control */
	size_t symbols_off;  /* control: struct rg_symbol_entry[symbol_capacity] */
	size_t market_off;   /* control: struct rg_symbol_market[symbol_capacity] (ABI 4) */
	size_t total;        /* bytes in the segment */
};

static inline size_t _rg_align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Layout of a session segment; returns 0 or -EINVAL for a bad capacity. */
static inline int rg_session_layout(uint64_t order_cap, uint64_t report_cap, struct rg_seg_layout *l)
{
	size_t o = rg_ring_memsize(order_cap), r = rg_ring_memsize(report_cap);

	if (o == 0 || r == 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->peer_off = _rg_align_up(sizeof(struct rg_seg_header), RG_RING_GUARD);
	l->order_off = l->peer_off + sizeof(struct rg_session_peer);
	l->report_off = _rg_align_up(l->order_off + o, RG_RING_GUARD);
	l->total = _rg_align_up(l->report_off + r, 4096);
	return 0;
}

/* Layout of a control segment; returns 0 or -EINVAL for a bad capacity. */
static inline int rg_control_layout(uint64_t symbol_cap, struct rg_seg_layout *l)
{
	if (symbol_cap == 0 || symbol_cap > RG_MAX_SYMBOLS)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->control_off = _rg_align_up(sizeof(struct rg_seg_header), RG_RING_GUARD);
	l->symbols_off = _rg_align_up(l->control_off + sizeof(struct rg_control), RG_RING_GUARD);
	l->market_off = _rg_align_up(l->symbols_off + symbol_cap * sizeof(struct rg_symbol_entry), RG_RING_GUARD);
	l->total = _rg_align_up(l->market_off + symbol_cap * sizeof(struct rg_symbol_market), 4096);
	return 0;
}

/* True when `s` is a usable instance or strategy name: 1..31 characters of
 * [A-Za-z0-9_-]. */
static inline bool rg_name_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (n + 1 >= RG_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

/*
 * Writes the POSIX shm name of a segment into buf (RG_SEG_NAME_MAX bytes):
 * "/rg.<instance>.ctl" when `session` is NULL, else "/rg.<instance>.s.<session>".
 * Returns 0, or -EINVAL when a name is not rg_name_valid.
 */
static inline int rg_seg_name(char *buf, size_t len, const char *instance, const char *session)
{
	int n;

	if (!rg_name_valid(instance) || (session != NULL && !rg_name_valid(session)))
		return -EINVAL;
	if (session == NULL)
		n = snprintf(buf, len, RG_SEG_PREFIX "%s.ctl", instance);
	else
		n = snprintf(buf, len, RG_SEG_PREFIX "%s.s.%s", instance, session);
	return (n < 0 || (size_t)n >= len) ? -EINVAL : 0;
}

/*
 * Checks that the `size` bytes at `base` hold a segment of `kind` this build
 * can use.  Reads only within [base, base + size) and copies the header first,
 * so a hostile or truncated file cannot make it read out of bounds.  Fills
 * `layout` (may be NULL) on success.
 * Returns 0, or
 *   -EBADMSG          not a riskgate segment, corrupt, or truncated
 *   -EPROTONOSUPPORT  a riskgate segment of another ABI version
 *   -EAGAIN           still being created by the engine
 *   -ESHUTDOWN        the engine closed it
 * and writes a one-line explanation into err (may be NULL).
 */
static inline int rg_seg_validate(const void *base, size_t size, uint32_t kind, struct rg_seg_layout *layout,
				  char *err, size_t errlen)
{
	struct rg_seg_header h;
	struct rg_seg_layout l;
	char scratch[256];

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	if (base == NULL || size < sizeof(h)) {
		snprintf(err, errlen, "truncated segment: %zu bytes, a header needs %zu", size, sizeof(h));
		return -EBADMSG;
	}
	memcpy(&h, base, sizeof(h));
	if (h.magic != RG_SEG_MAGIC) {
		snprintf(err, errlen, "not a riskgate segment (bad magic 0x%016llx)", (unsigned long long)h.magic);
		return -EBADMSG;
	}
	if (h.abi_version != RG_ABI_VERSION) {
		snprintf(err, errlen, "ABI version mismatch: segment has %u, this build speaks %u", h.abi_version,
			 RG_ABI_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (h.header_size != sizeof(h) || h.slot_size != RG_SLOT_SIZE) {
		snprintf(err, errlen, "corrupt segment: header size %u (want %zu), slot size %u (want %u)", h.header_size,
			 sizeof(h), h.slot_size, RG_SLOT_SIZE);
		return -EBADMSG;
	}
	if (h.kind != kind) {
		snprintf(err, errlen, "corrupt segment: kind %u, expected %u", h.kind, kind);
		return -EBADMSG;
	}
	if (kind == RG_SEG_SESSION ? rg_session_layout(h.order_ring_capacity, h.report_ring_capacity, &l) != 0
				   : rg_control_layout(h.symbol_capacity, &l) != 0) {
		snprintf(err, errlen, "corrupt segment: impossible capacities (orders %u, reports %u, symbols %u)",
			 h.order_ring_capacity, h.report_ring_capacity, h.symbol_capacity);
		return -EBADMSG;
	}
	if (h.total_size != l.total || size < l.total) {
		snprintf(err, errlen, "truncated segment: %zu bytes, header says %llu, layout needs %zu", size,
			 (unsigned long long)h.total_size, l.total);
		return -EBADMSG;
	}
	/* Pairs with the creator's release store of state = READY. */
	switch (__atomic_load_n(&((const struct rg_seg_header *)base)->state, __ATOMIC_ACQUIRE)) {
	case RG_SEG_READY:
		break;
	case RG_SEG_INITIALIZING:
		snprintf(err, errlen, "segment is still being created");
		return -EAGAIN;
	case RG_SEG_CLOSED:
		snprintf(err, errlen, "the engine has closed this segment");
		return -ESHUTDOWN;
	default:
		snprintf(err, errlen, "corrupt segment: unknown state");
		return -EBADMSG;
	}
	if (layout != NULL)
		*layout = l;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_ABI_H */
