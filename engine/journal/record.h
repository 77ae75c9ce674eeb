/*
 * Audit journal records: the fixed 128-byte unit the engine appends to the
 * journal ring and the writer stores in the day's file.  docs/audit.md is the
 * byte-by-byte prose version of this file.
 *
 * Every record is a 32-byte header (sequence, CLOCK_REALTIME and
 * CLOCK_MONOTONIC timestamps, type, size, strategy, account) followed by a
 * 96-byte body whose layout depends on the type.  All integers are
 * little-endian (the only byte order riskgate builds for); prices,
 * quantities and money are the *_e8 fixed-point values of <riskgate/msg.h>.
 * Text fields are NUL-terminated inside their field and zero-padded; unused
 * body bytes are zero.  Record types are wire format: numbers are never
 * reused, a new type or a change of meaning bumps RG_JOURNAL_FORMAT_VERSION.
 *
 * Secrets never go into a record: bodies hold ids, numbers, reasons and
 * short texts the engine chooses; a config is recorded by its SHA-256.
 */
#ifndef RG_JOURNAL_RECORD_H
#define RG_JOURNAL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <riskgate/msg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_JOURNAL_FORMAT_VERSION 5u /* 2: VENUE_PROTOCOL_ERROR; 3: report_seq; 4: chunked block hash, ORDER_DECIDED;
				      * 5: CHECKPOINT; readers take 1 to 5 */
#define RG_JREC_SIZE 128u
#define RG_JREC_HDR_SIZE 32u
#define RG_JREC_BODY_SIZE 96u
#define RG_JREC_NONE 0xFFFFu /* strategy / account field: not about one */

/* Record types.  The comment names the export's event_type. */
enum rg_jrec_type {
	RG_JREC_ENGINE_START = 1,         /* ENGINE_STARTED */
	RG_JREC_ENGINE_STOP = 2,          /* ENGINE_STOPPED */
	RG_JREC_CONFIG_LOADED = 3,        /* CONFIG_LOADED, or CONFIG_RELOADED when reload is set */
	RG_JREC_NAME = 4,                 /* NAME: index -> name of a strategy, account, symbol or venue */
	RG_JREC_ORDER_RECEIVED = 10,      /* ORDER_SUBMITTED: a message read from a session ring */
	RG_JREC_DECISION = 11,            /* ORDER_APPROVED or ORDER_REJECTED */
	RG_JREC_FORWARDED = 12,           /* ORDER_FORWARDED: handed to the venue adapter */
	RG_JREC_VENUE_ACK = 13,           /* ORDER_ACKED */
	RG_JREC_FILL = 14,                /* ORDER_FILLED */
	RG_JREC_CANCELLED = 15,           /* ORDER_CANCELLED */
	RG_JREC_VENUE_REJECT = 16,        /* VENUE_REJECTED */
	RG_JREC_REPLACED = 17,            /* ORDER_REPLACED: the venue replaced the order (body: rg_jbody_replaced) */
	RG_JREC_REPLACE_REJECT = 18,      /* REPLACE_REJECTED: the venue refused a replace (body: rg_jbody_venue_reject,
					   * client_order_id the replacement's) */
	RG_JREC_ORDER_DECIDED = 19,       /* ORDER_SUBMITTED + ORDER_APPROVED/REJECTED in one record (format 4):
					   * the message as read and its verdict; exported as those two events */
	RG_JREC_KILL = 20,                /* KILL */
	RG_JREC_RESUME = 21,              /* RESUME */
	RG_JREC_STATE_CHANGE = 22,        /* STATE_CHANGE */
	RG_JREC_ADAPTER_CONNECTED = 30,   /* ADAPTER_CONNECTED */
	RG_JREC_ADAPTER_DISCONNECTED = 31, /* ADAPTER_DISCONNECTED */
	RG_JREC_VENUE_PROTOCOL_ERROR = 32, /* VENUE_PROTOCOL_ERROR: a venue sent something malformed */
	RG_JREC_POSITION = 40,            /* POSITION_SNAPSHOT: carried-over position */
	RG_JREC_ACCOUNT = 41,             /* ACCOUNT_SNAPSHOT: carried-over account PnL and state */
	RG_JREC_OPEN_ORDER = 42,          /* OPEN_ORDER_SNAPSHOT: carried-over live order */
	RG_JREC_CHECKPOINT = 43,          /* CHECKPOINT_WRITTEN: a risk-state checkpoint file was written (format 5) */
};

/* The header of every record: 32 bytes. */
struct rg_jrec_hdr {
	uint64_t seq;      /* gap-free journal sequence; also the record's ring position */
	uint64_t real_ns;  /* CLOCK_REALTIME, ns since the epoch (see rg_journal_set_clock) */
	uint64_t mono_ns;  /* CLOCK_MONOTONIC of the engine when it appended */
	uint16_t type;     /* enum rg_jrec_type */
	uint16_t size;     /* RG_JREC_SIZE */
	uint16_t strategy; /* strategy index, RG_JREC_NONE when not about one */
	uint16_t account;  /* account index, RG_JREC_NONE when not about one */
};

/* ORDER_RECEIVED: the message exactly as read from the strategy's ring. */
struct rg_jbody_order {
	struct rg_order order;
	uint8_t zero[40];
};

/* DECISION: the checks' verdict, with the order's identifying fields. */
struct rg_jbody_decision {
	uint64_t client_order_id;
	uint64_t orig_client_order_id;
	uint64_t engine_seq;  /* approved new/replace: its new engine sequence; approved cancel: the target's */
	int64_t qty_e8;
	int64_t price_e8;
	int64_t limit;        /* rejected: the limit that tripped, in the check's unit; else 0 */
	int64_t value;        /* rejected: the value that tripped it; else 0 */
	uint32_t symbol;      /* symbol index (a cancel: its target's) */
	uint16_t reason;      /* enum rg_reject_reason; RG_REJ_NONE = approved */
	uint16_t venue;       /* venue index of an approved order */
	uint8_t kind;         /* enum rg_order_kind */
	uint8_t side;         /* enum rg_side */
	uint8_t type;         /* enum rg_order_type */
	uint8_t tif;          /* enum rg_time_in_force */
	uint8_t probe;        /* 1: approved as the half-open breaker's probe */
	uint8_t zero0[3];
	uint64_t report_seq;  /* the report the strategy got for it (its session's report_seq); 0 none */
	uint8_t zero[16];
};

/* ORDER_DECIDED: a message read from a strategy's ring and the checks'
 * verdict on it, in one record: the hot path's one record per decided order
 * (format 4; before, an ORDER_RECEIVED and a DECISION).  rg_jrec_split gives
 * the two records it stands for. */
struct rg_jbody_order_decided {
	struct rg_order order; /* exactly as read (ORDER_RECEIVED's body) */
	uint64_t engine_seq;   /* approved new/replace: its new engine sequence; approved cancel: the target's */
	int64_t limit;         /* rejected: the limit that tripped, in the check's unit; else 0 */
	int64_t value;         /* rejected: the value that tripped it; else 0 */
	uint64_t report_seq;   /* the report the strategy got for it (its session's report_seq); 0 none */
	uint32_t symbol;       /* symbol index (a cancel: its target's) */
	uint16_t reason;       /* enum rg_reject_reason; RG_REJ_NONE = approved */
	uint8_t venue;         /* venue index of an approved order (fewer than 256 venues: engine/config.h) */
	uint8_t probe;         /* 1: approved as the half-open breaker's probe */
};

/* FORWARDED: the request pushed into the venue adapter's ring. */
struct rg_jbody_forwarded {
	uint64_t client_order_id;
	uint64_t orig_client_order_id;
	uint64_t engine_seq;
	int64_t qty_e8;
	int64_t price_e8;
	uint32_t symbol;
	uint16_t venue;
	uint8_t kind;
	uint8_t side;
	uint8_t type;
	uint8_t tif;
	uint8_t zero[46];
};

/* VENUE_ACK: the venue accepted the order. */
struct rg_jbody_ack {
	uint64_t client_order_id;
	uint64_t engine_seq;
	uint32_t symbol;
	uint16_t venue;
	uint16_t zero0;
	char venue_order_id[48]; /* the venue's id for the order, "" when it has none */
	uint64_t report_seq;     /* the strategy's report of it (report_seq); 0 none */
	uint8_t zero[16];
};

/* FILL: one execution. */
struct rg_jbody_fill {
	uint64_t client_order_id;
	uint64_t engine_seq;
	int64_t qty_e8;    /* filled by this execution */
	int64_t price_e8;  /* execution price */
	int64_t leaves_e8; /* still open after it */
	uint32_t symbol;
	uint16_t venue;
	uint8_t side;      /* enum rg_side */
	uint8_t zero0;
	char exec_id[40];  /* the venue's execution id, "" when it has none (48 bytes before format 3) */
	uint64_t report_seq; /* the strategy's report of it (report_seq); 0 none */
};

/* CANCELLED: the order is done without further fills. */
struct rg_jbody_cancelled {
	uint64_t client_order_id;
	uint64_t engine_seq;
	int64_t cancelled_qty_e8; /* open quantity that was cancelled */
	uint32_t symbol;
	uint16_t venue;
	uint8_t zero0[2];
	uint64_t report_seq;      /* the strategy's report of it (report_seq); 0 none */
	uint8_t zero[56];
};

/* VENUE_REJECT: the venue refused the order, or a cancel of it. */
struct rg_jbody_venue_reject {
	uint64_t client_order_id;
	uint64_t engine_seq;
	uint32_t symbol;
	uint16_t venue;
	uint8_t cancel;      /* 1: a cancel request was refused (the order stays live) */
	uint8_t unknown;     /* REPLACE_REJECT: 1 when riskgate settled a replace left unanswered by a restart
			      * (outcome unknown: the target keeps the larger reservation); else 0 */
	int32_t venue_code;  /* the venue's reason code, 0 when it gave none */
	char text[60];       /* the venue's reason text, truncated (68 bytes before format 3) */
	uint64_t report_seq; /* the strategy's report of it (report_seq); 0 none */
};

/* REPLACED: the venue replaced the order orig_client_order_id; from now on it
 * is client_order_id (the replace's new id), same engine_seq. */
struct rg_jbody_replaced {
	uint64_t client_order_id;      /* the replacement's id */
	uint64_t orig_client_order_id; /* the order it replaced */
	uint64_t engine_seq;
	int64_t qty_e8;                /* the new total quantity at the venue */
	int64_t price_e8;              /* the new price */
	int64_t leaves_e8;             /* open after the replace */
	uint32_t symbol;
	uint16_t venue;
	uint16_t venue_code;           /* what the venue said beside (the sim: 1 = the order kept its queue place) */
	uint8_t zero[32];
	uint64_t report_seq;           /* the strategy's report of it (report_seq); 0 none */
};

/* Scope of a kill or resume. */
enum rg_jscope {
	RG_JSCOPE_INSTANCE = 1,
	RG_JSCOPE_ACCOUNT = 2,
	RG_JSCOPE_STRATEGY = 3,
	RG_JSCOPE_SYMBOL = 4,
	RG_JSCOPE_VENUE = 5,
};

/* Who asked for a kill or resume. */
enum rg_jsource {
	RG_JSOURCE_RISKCTL = 1,  /* an operator through riskctl (kill segment) */
	RG_JSOURCE_REDIS = 2,    /* the Redis kill key or channel */
	RG_JSOURCE_SIGNAL = 3,   /* a signal to the engine */
	RG_JSOURCE_DEADMAN = 4,  /* a heartbeat that stopped */
	RG_JSOURCE_ENGINE = 5,   /* the engine itself (e.g. audit failure) */
	RG_JSOURCE_CONFIG = 6,   /* the config file */
};

/* KILL and RESUME. */
struct rg_jbody_kill {
	uint32_t scope_id; /* index within the scope (0 for the instance) */
	uint32_t uid;      /* uid of the requester, UINT32_MAX when unknown */
	int32_t pid;       /* pid of the requester, 0 when unknown */
	uint8_t scope;     /* enum rg_jscope */
	uint8_t source;    /* enum rg_jsource */
	uint16_t zero0;
	char reason[80];   /* the requester's reason text, truncated */
};

/* What a STATE_CHANGE is about. */
enum rg_jentity {
	RG_JENTITY_INSTANCE = 1,     /* trading state: enum rg_trading_state */
	RG_JENTITY_ACCOUNT = 2,      /* operator trading state */
	RG_JENTITY_STRATEGY = 3,
	RG_JENTITY_SYMBOL = 4,
	RG_JENTITY_ACCOUNT_LOSS = 5, /* the loss/drawdown latch: ACTIVE, REDUCING or HALTED */
	RG_JENTITY_BREAKER = 6,      /* a venue's breaker: enum rg_breaker_state */
	RG_JENTITY_THROTTLE = 7,     /* a strategy's execution throttle: ACTIVE or HALTED (latched) */
};

/* Why a state changed. */
enum rg_jcause {
	RG_JCAUSE_OTHER = 0,
	RG_JCAUSE_OPERATOR = 1,
	RG_JCAUSE_LOSS_LIMIT = 2,
	RG_JCAUSE_DRAWDOWN = 3,
	RG_JCAUSE_EXEC_THROTTLE = 4,
	RG_JCAUSE_VENUE_FAILURE = 5,  /* breaker opened */
	RG_JCAUSE_RECOVERY_TIME = 6,  /* breaker half-open after its recovery time */
	RG_JCAUSE_VENUE_SUCCESS = 7,  /* breaker closed */
	RG_JCAUSE_DAY_ROLL = 8,
	RG_JCAUSE_ARITH_FAULT = 9,
	RG_JCAUSE_CONFIG = 10,
	RG_JCAUSE_DEAD_MAN = 11,      /* the strategy's heartbeat stopped for longer than its dead-man timeout */
	RG_JCAUSE_REATTACHED = 12,    /* the strategy's session was opened again after a dead-man halt */
	RG_JCAUSE_QUARANTINE = 13,    /* the strategy sent mostly malformed messages (`value` of the last `limit`) */
	RG_JCAUSE_TRUNCATED = 14,     /* the strategy's session segment was truncated under the engine */
};

/* STATE_CHANGE: a trading state, loss latch, breaker or throttle moved. */
struct rg_jbody_state {
	int64_t value;      /* the figure that caused it, in the unit of `reason` (0 when none) */
	int64_t limit;      /* the limit it crossed (0 when none) */
	uint32_t entity_id; /* index of the account/strategy/symbol/venue; 0 for the instance */
	uint8_t entity;     /* enum rg_jentity */
	uint8_t old_state;
	uint8_t new_state;
	uint8_t cause;      /* enum rg_jcause */
	uint16_t reason;    /* enum rg_reject_reason it maps to (e.g. DAILY_LOSS), or 0 */
	uint8_t zero[70];
};

/* CONFIG_LOADED: which config file the engine runs with. */
struct rg_jbody_config {
	uint8_t sha256[32];  /* SHA-256 of the file's bytes */
	uint32_t generation; /* the control segment's config_generation after the load */
	uint8_t reload;      /* 0: loaded at start, 1: a reload */
	uint8_t zero0[3];
	char path[56];       /* the file's path; a longer one keeps its end after "..." (rg_jtext_tail) */
};

/* ADAPTER_CONNECTED and ADAPTER_DISCONNECTED. */
struct rg_jbody_adapter {
	uint16_t venue;
	uint8_t venue_kind; /* enum rg_venue_kind (engine/config.h) */
	uint8_t zero0;
	int32_t error;      /* disconnect: errno or venue code, 0 for an orderly one */
	char detail[88];    /* e.g. "logon", "heartbeat timeout" */
};

/* What a VENUE_PROTOCOL_ERROR is about: the numbers of enum
 * rg_venue_protocol_error (adapters/adapter.h), fixed here as wire format. */
enum rg_jprotocol_error {
	RG_JPROTO_MALFORMED = 1,      /* a message failed parsing or validation */
	RG_JPROTO_BAD_CHECKSUM = 2,   /* a framed message with a wrong CheckSum */
	RG_JPROTO_GARBAGE = 3,        /* bytes that cannot start a message were skipped */
	RG_JPROTO_COMP_ID = 4,        /* a message not between the session's CompIDs */
	RG_JPROTO_SEQ_RESET_BACK = 5, /* a SequenceReset that would lower the sequence number */
};

/* VENUE_PROTOCOL_ERROR: one malformed message from a venue's session, or one
 * run of garbage bytes, as its adapter saw it (RG_VEV_PROTOCOL_ERROR).
 * Numbers only: nothing from the wire is copied. */
struct rg_jbody_protocol_error {
	uint64_t ref_seq_num;   /* the offending message's sequence number, 0 when unknown */
	uint64_t bytes_skipped; /* garbage: bytes dropped in the run; else 0 */
	uint32_t ref_tag;       /* the tag refused, 0 when none */
	uint16_t venue;
	uint8_t venue_kind;     /* enum rg_venue_kind (engine/config.h) */
	uint8_t what;           /* enum rg_jprotocol_error */
	uint16_t reject_reason; /* the session-level reject reason sent (FIX SessionRejectReason, 373) */
	uint8_t reject_sent;    /* 1: the adapter answered with a session-level reject (reject_reason) */
	uint8_t zero[69];
};

/* Why the engine stopped (ENGINE_STOP) or how it started (ENGINE_START). */
enum rg_jengine_cause {
	RG_JENGINE_START_CLEAN = 1,     /* no leftovers found */
	RG_JENGINE_START_RECOVERED = 2, /* records of a previous run were recovered */
	RG_JENGINE_STOP_SIGNAL = 3,     /* SIGTERM / SIGINT */
	RG_JENGINE_STOP_ERROR = 4,      /* a fatal error */
	RG_JENGINE_STOP_REQUEST = 5,    /* an operator request */
};

/* ENGINE_START and ENGINE_STOP. */
struct rg_jbody_engine {
	int32_t pid;
	uint32_t uid;
	uint32_t abi_version;       /* RG_ABI_VERSION of the shared memory */
	uint32_t config_generation;
	uint8_t cause;              /* enum rg_jengine_cause */
	uint8_t zero0[3];
	char version[16];           /* riskgate version, e.g. "0.1.0" */
	char host[32];              /* host name, truncated */
	char detail[28];            /* e.g. the signal or the error */
};

/* What a NAME record names. */
enum rg_jname_kind {
	RG_JNAME_STRATEGY = 1,
	RG_JNAME_ACCOUNT = 2,
	RG_JNAME_SYMBOL = 3,
	RG_JNAME_VENUE = 4,
};

/* NAME: so an exported file speaks names without the config. */
struct rg_jbody_name {
	uint32_t index;
	uint8_t what;      /* enum rg_jname_kind */
	uint8_t zero0[3];
	char name[32];     /* RG_NAME_MAX bytes: the config's name */
	uint64_t next_report_seq; /* a strategy's: report_seq of its session's next report here (format 3); else 0 */
	uint8_t zero[48];
};

/* POSITION: an account's position in a symbol carried into the day. */
struct rg_jbody_position {
	int64_t qty_e8;
	int64_t avg_price_e8;
	int64_t open_buy_qty_e8;
	int64_t open_sell_qty_e8;
	uint32_t symbol;
	uint8_t zero[60];
};

/* ACCOUNT: an account's day-level state (the record's account field names it). */
struct rg_jbody_account {
	int64_t equity_sod_e8;
	int64_t realized_today_e8;
	int64_t peak_equity_e8;
	int64_t trading_day;   /* the engine's day index (days since the epoch's first boundary) */
	uint32_t orders_today;
	uint8_t state;         /* operator trading state */
	uint8_t loss_state;    /* loss latch */
	uint16_t loss_reason;  /* RG_REJ_DAILY_LOSS / RG_REJ_DRAWDOWN while latched */
	uint8_t zero[56];
};

/* OPEN_ORDER: a live order carried into the day (or across a restart). */
struct rg_jbody_open_order {
	struct rg_order order; /* as submitted (a replace: the replacement) */
	uint64_t engine_seq;
	int64_t leaves_e8;
	uint16_t venue;
	uint8_t zero[22];
};

/* CHECKPOINT: the engine wrote checkpoint-YYYYMMDD-<anchor_seq>.rgc
 * (checkpoint_file.h) for the day file of the record's date; its digest
 * here puts the checkpoint under the journal's chain. */
struct rg_jbody_checkpoint {
	uint64_t anchor_seq;   /* the checkpoint covers the records below this */
	uint64_t records;      /* records of the day file it covers */
	uint64_t anchor_block; /* index of the block holding record anchor_seq - 1 */
	uint64_t body_size;    /* bytes of its body */
	uint8_t anchor_hash[32]; /* that block's chain hash */
	uint8_t digest[32];    /* the checkpoint file's digest (its header's) */
};

/* One record.  Two cache lines. */
struct rg_jrec {
	struct rg_jrec_hdr h;
	union {
		unsigned char body[RG_JREC_BODY_SIZE];
		struct rg_jbody_order order;
		struct rg_jbody_decision decision;
		struct rg_jbody_order_decided order_decided;
		struct rg_jbody_forwarded forwarded;
		struct rg_jbody_ack ack;
		struct rg_jbody_fill fill;
		struct rg_jbody_cancelled cancelled;
		struct rg_jbody_venue_reject venue_reject;
		struct rg_jbody_replaced replaced;
		struct rg_jbody_kill kill;
		struct rg_jbody_state state;
		struct rg_jbody_config config;
		struct rg_jbody_adapter adapter;
		struct rg_jbody_protocol_error protocol_error;
		struct rg_jbody_engine engine;
		struct rg_jbody_name name;
		struct rg_jbody_position position;
		struct rg_jbody_account account;
		struct rg_jbody_open_order open_order;
		struct rg_jbody_checkpoint checkpoint;
	} u;
} __attribute__((aligned(64)));

RG_STATIC_ASSERT(sizeof(struct rg_jrec_hdr) == RG_JREC_HDR_SIZE, "record header is 32 bytes");
RG_STATIC_ASSERT(sizeof(struct rg_jrec) == RG_JREC_SIZE, "a record is 128 bytes");
RG_STATIC_ASSERT(offsetof(struct rg_jrec, u) == RG_JREC_HDR_SIZE, "body follows the header");
RG_STATIC_ASSERT(offsetof(struct rg_jrec_hdr, type) == 24 && offsetof(struct rg_jrec_hdr, account) == 30,
		 "record header layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_order) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_decision) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_decision, symbol) == 56 && offsetof(struct rg_jbody_decision, kind) == 64 &&
			 offsetof(struct rg_jbody_decision, probe) == 68,
		 "decision layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_order_decided) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_order_decided, engine_seq) == 56 &&
			 offsetof(struct rg_jbody_order_decided, report_seq) == 80 &&
			 offsetof(struct rg_jbody_order_decided, symbol) == 88 &&
			 offsetof(struct rg_jbody_order_decided, venue) == 94 &&
			 offsetof(struct rg_jbody_order_decided, probe) == 95,
		 "order decided layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_forwarded) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_forwarded, symbol) == 40 && offsetof(struct rg_jbody_forwarded, tif) == 49,
		 "forwarded layout");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_decision, report_seq) == 72, "decision layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_ack) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_ack, report_seq) == 72, "ack layout");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_ack, venue_order_id) == 24, "ack layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_fill) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_fill, symbol) == 40 && offsetof(struct rg_jbody_fill, exec_id) == 48 &&
			 offsetof(struct rg_jbody_fill, report_seq) == 88,
		 "fill layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_cancelled) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_cancelled, report_seq) == 32, "cancelled layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_venue_reject) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_venue_reject, venue_code) == 24 &&
			 offsetof(struct rg_jbody_venue_reject, text) == 28 &&
			 offsetof(struct rg_jbody_venue_reject, report_seq) == 88,
		 "venue reject layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_replaced) == RG_JREC_BODY_SIZE &&
			 offsetof(struct rg_jbody_replaced, report_seq) == 88,
		 "replaced layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_kill) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_kill, reason) == 16, "kill layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_state) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_state, entity_id) == 16 && offsetof(struct rg_jbody_state, reason) == 24,
		 "state layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_config) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_config, path) == 40, "config layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_adapter) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_protocol_error) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_protocol_error, ref_tag) == 16 &&
			 offsetof(struct rg_jbody_protocol_error, what) == 23 &&
			 offsetof(struct rg_jbody_protocol_error, zero) == 27,
		 "protocol error layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_engine) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_engine, version) == 20 && offsetof(struct rg_jbody_engine, host) == 36 &&
			 offsetof(struct rg_jbody_engine, detail) == 68,
		 "engine layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_name) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_name, next_report_seq) == 40, "name layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_position) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_account) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_account, orders_today) == 32, "account layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_open_order) == RG_JREC_BODY_SIZE, "body size");
RG_STATIC_ASSERT(offsetof(struct rg_jbody_open_order, engine_seq) == 56, "open order layout");
RG_STATIC_ASSERT(sizeof(struct rg_jbody_checkpoint) == RG_JREC_BODY_SIZE &&
			 offsetof(struct rg_jbody_checkpoint, digest) == 64,
		 "checkpoint layout");

/*
 * The report_seq of the strategy's report a record stands for (DECISION,
 * VENUE_ACK, FILL, CANCELLED, VENUE_REJECT), or 0: another type, or no
 * report.  Records of formats 1 and 2 have zeros there (riskgate never
 * filled the ends of exec_id and text), so the field is read whatever the
 * file's version: an engine of format 3 appending to the file an older one
 * began that day writes it.
 */
static inline uint64_t rg_jrec_report_seq(const struct rg_jrec *r)
{
	switch (r->h.type) {
	case RG_JREC_DECISION: return r->u.decision.report_seq;
	case RG_JREC_ORDER_DECIDED: return r->u.order_decided.report_seq;
	case RG_JREC_VENUE_ACK: return r->u.ack.report_seq;
	case RG_JREC_FILL: return r->u.fill.report_seq;
	case RG_JREC_CANCELLED: return r->u.cancelled.report_seq;
	case RG_JREC_VENUE_REJECT: return r->u.venue_reject.report_seq;
	case RG_JREC_REPLACED: return r->u.replaced.report_seq;
	case RG_JREC_REPLACE_REJECT: return r->u.venue_reject.report_seq;
	default: return 0;
	}
}

/* True for a type this build knows. */
static inline int rg_jrec_type_known(unsigned type)
{
	switch (type) {
	case RG_JREC_ENGINE_START: case RG_JREC_ENGINE_STOP: case RG_JREC_CONFIG_LOADED: case RG_JREC_NAME:
	case RG_JREC_ORDER_RECEIVED: case RG_JREC_DECISION: case RG_JREC_ORDER_DECIDED: case RG_JREC_FORWARDED: case RG_JREC_VENUE_ACK:
	case RG_JREC_FILL: case RG_JREC_CANCELLED: case RG_JREC_VENUE_REJECT: case RG_JREC_KILL:
	case RG_JREC_REPLACED: case RG_JREC_REPLACE_REJECT:
	case RG_JREC_RESUME: case RG_JREC_STATE_CHANGE: case RG_JREC_ADAPTER_CONNECTED:
	case RG_JREC_ADAPTER_DISCONNECTED: case RG_JREC_VENUE_PROTOCOL_ERROR: case RG_JREC_POSITION: case RG_JREC_ACCOUNT: case RG_JREC_OPEN_ORDER:
	case RG_JREC_CHECKPOINT:
		return 1;
	default:
		return 0;
	}
}

/*
 * The records of the older layout that `rec` stands for: an ORDER_DECIDED
 * gives its ORDER_RECEIVED (out[0]) and its DECISION (out[1]), both with
 * its header (seq, stamps, strategy, account) and their own type; any other
 * record gives itself.  Returns how many (2 or 1).  Export, recovery and
 * report replay read the compact record through this, so they have one
 * meaning for an order's two events whichever format wrote them.
 */
static inline unsigned rg_jrec_split(const struct rg_jrec *rec, struct rg_jrec out[2])
{
	const struct rg_jbody_order_decided *b = &rec->u.order_decided;
	struct rg_jbody_decision *d;

	if (rec->h.type != RG_JREC_ORDER_DECIDED) {
		out[0] = *rec;
		return 1;
	}
	out[0].h = rec->h;
	out[0].h.type = RG_JREC_ORDER_RECEIVED;
	memset(&out[0].u, 0, sizeof(out[0].u));
	out[0].u.order.order = b->order;
	out[1].h = rec->h;
	out[1].h.type = RG_JREC_DECISION;
	memset(&out[1].u, 0, sizeof(out[1].u));
	d = &out[1].u.decision;
	d->client_order_id = b->order.client_order_id;
	d->orig_client_order_id = b->order.orig_client_order_id;
	d->engine_seq = b->engine_seq;
	d->qty_e8 = b->order.qty_e8;
	d->price_e8 = b->order.price_e8;
	d->limit = b->limit;
	d->value = b->value;
	d->symbol = b->symbol;
	d->reason = b->reason;
	d->venue = b->venue;
	d->kind = b->order.kind;
	d->side = b->order.side;
	d->type = b->order.type;
	d->tif = b->order.tif;
	d->probe = b->probe;
	d->report_seq = b->report_seq;
	return 2;
}

/*
 * Copies NUL-terminated `src` into a record text field of `size` bytes:
 * at most size - 1 bytes, the rest zero.  NULL is "".  Bytes outside
 * printable ASCII become '?', so an export is always valid UTF-8.
 */
static inline void rg_jtext(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	if (src != NULL)
		for (; i + 1 < size && src[i] != '\0'; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	memset(dst + i, 0, size - i);
}

/*
 * Like rg_jtext, but a `src` longer than the field keeps its end after
 * "...": for paths, whose last part says the most.
 */
static inline void rg_jtext_tail(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n + 1 <= size || size < 5) {
		rg_jtext(dst, size, src);
		return;
	}
	memcpy(dst, "...", 3);
	rg_jtext(dst + 3, size - 3, src + n - (size - 4));
}

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_RECORD_H */
