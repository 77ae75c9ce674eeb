/*
 * riskgate messages: the orders a strategy writes into its order ring and the
 * reports the engine writes back into its report ring.  Each message fills
 * one ring slot's 56-byte payload.  This is wire format: fields are only ever
 * appended into reserved space, enum values are never renumbered, and a change
 * of meaning bumps RG_ABI_VERSION (shm/abi.h).
 *
 * Fixed-point scales (docs/shm-abi.md, docs/config.md):
 *   price_e8  price in quote currency times 10^8   (1.25 USD -> 125000000)
 *   qty_e8    quantity in units times 10^8          (100 shares -> 10^10)
 *   notional  qty_e8 * price_e8 / 10^8, i.e. quote currency times 10^8
 */
#ifndef RG_MSG_H
#define RG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_PRICE_SCALE 100000000LL /* price_e8 units per 1.0 */
#define RG_QTY_SCALE 100000000LL   /* qty_e8 units per 1.0 */

/* Kinds of order message (strategy -> engine). */
enum rg_order_kind {
	RG_ORDER_NEW = 1,     /* a new order */
	RG_ORDER_CANCEL = 2,  /* cancel the live order orig_client_order_id */
	RG_ORDER_REPLACE = 3, /* cancel/replace orig_client_order_id: client_order_id a new id, qty_e8 the new open
			       * quantity (leaves), price_e8 the new price (docs/client.md "Replacing") */
};

enum rg_side {
	RG_SIDE_BUY = 1,
	RG_SIDE_SELL = 2,
};

enum rg_order_type {
	RG_TYPE_LIMIT = 1,
	RG_TYPE_MARKET = 2,
};

enum rg_time_in_force {
	RG_TIF_DAY = 1, /* rests until the end of the trading day */
	RG_TIF_IOC = 2, /* immediate or cancel */
	RG_TIF_FOK = 3, /* fill or kill */
	RG_TIF_GTC = 4, /* good till cancelled */
};

/* An order message.  56 bytes: one slot payload. */
struct rg_order {
	uint64_t client_order_id;      /* strategy-chosen id, unique among its live orders; > 0 */
	uint64_t orig_client_order_id; /* cancel/replace: the order it targets; new: 0 */
	int64_t qty_e8;                /* quantity, scale RG_QTY_SCALE; > 0 for new/replace */
	int64_t price_e8;              /* limit price, scale RG_PRICE_SCALE; 0 for market orders */
	uint64_t client_ts_ns;         /* strategy's CLOCK_MONOTONIC when submitted; echoed nowhere, journaled */
	uint32_t symbol_id;            /* id from the control segment's symbol table */
	uint8_t kind;                  /* enum rg_order_kind */
	uint8_t side;                  /* enum rg_side */
	uint8_t type;                  /* enum rg_order_type */
	uint8_t tif;                   /* enum rg_time_in_force */
	uint8_t reserved[8];           /* must be zero */
};

/* Kinds of report message (engine -> strategy). */
enum rg_report_kind {
	RG_REPORT_ACCEPTED = 1,     /* passed every check; forwarded to the venue (engine_seq set) */
	RG_REPORT_REJECTED = 2,     /* refused by riskgate: reason, and limit/value where they help */
	RG_REPORT_VENUE_ACK = 3,    /* the venue acknowledged the order */
	RG_REPORT_FILL = 4,         /* a full or partial fill: qty, price, leaves */
	RG_REPORT_CANCELLED = 5,    /* the order is done without (further) fills */
	RG_REPORT_VENUE_REJECT = 6, /* the venue refused the order or the cancel */
	RG_REPORT_REPLAY_DONE = 7,  /* the end of a replay the strategy asked for (rg_client_request_replay):
				     * reject.limit/value = the range asked, engine_seq = reports replayed,
				     * reason = 0, or RG_REJ_REPLAY_INCOMPLETE when the journal could not give them all */
	RG_REPORT_REPLACED = 8,     /* the venue replaced the order: from now on it is client_order_id (the
				     * replace's new id); fill.qty_e8 = its new total quantity at the venue,
				     * fill.price_e8 = its new price, fill.leaves_e8 = its new open quantity */
	RG_REPORT_REPLACE_REJECTED = 9, /* the venue refused the replace client_order_id (or the order ended
					 * first); the order it targeted stays as it was, under its own id;
					 * reject.value = the venue's code.  reason RG_REJ_REPLACE_OUTCOME_UNKNOWN:
					 * the engine restarted with the replace unanswered and the venue said
					 * nothing after it: the order stays under its own id, but the venue may
					 * hold it replaced (reconcile it) */
};

/* rg_report.flags */
#define RG_REPORT_F_REPLAYED 0x01u /* a copy from the journal, replayed on request: report_seq is its original one */

/* Why riskgate refused a message.  Values are wire format: append only. */
enum rg_reject_reason {
	RG_REJ_NONE = 0,
	/* kill switch and trading state */
	RG_REJ_KILL_SWITCH = 1,      /* a kill is active in the order's scope */
	RG_REJ_INSTANCE_HALTED = 2,
	RG_REJ_ACCOUNT_HALTED = 3,
	RG_REJ_STRATEGY_HALTED = 4,
	RG_REJ_SYMBOL_HALTED = 5,
	RG_REJ_REDUCE_ONLY = 6,      /* state is REDUCING and the order does not reduce the position */
	/* structural validation */
	RG_REJ_MALFORMED = 10,       /* reserved bytes set or impossible field combination */
	RG_REJ_BAD_KIND = 11,
	RG_REJ_BAD_SIDE = 12,
	RG_REJ_BAD_ORDER_TYPE = 13,
	RG_REJ_BAD_TIF = 14,
	RG_REJ_BAD_QTY = 15,         /* quantity <= 0 */
	RG_REJ_BAD_PRICE = 16,       /* limit price <= 0, or a price on a market order */
	RG_REJ_MARKET_NOT_ALLOWED = 17,
	RG_REJ_LOT_SIZE = 18,        /* quantity not a multiple of the lot size */
	RG_REJ_TICK_SIZE = 19,       /* price not a multiple of the tick size */
	RG_REJ_QTY_OUT_OF_RANGE = 20,   /* outside the symbol's [min, max] quantity */
	RG_REJ_PRICE_OUT_OF_RANGE = 21, /* outside the symbol's [min, max] price */
	RG_REJ_UNKNOWN_ORDER = 22,   /* cancel/replace of an unknown or finished order */
	RG_REJ_DUPLICATE_CLORDID = 23, /* client order id of a live order reused */
	/* replace (docs/client.md "Replacing") */
	RG_REJ_REPLACE_CANCEL_PENDING = 24, /* the target has a cancel on its way */
	RG_REJ_REPLACE_PENDING = 25,  /* the target has a replace on its way, or is one not yet done */
	RG_REJ_REPLACE_NOT_SUPPORTED = 26, /* the symbol's venue cannot replace (adapter, or a dry-run venue) */
	RG_REJ_REPLACE_NOT_SENT = 27, /* the target is not at the venue yet (held for a venue token) */
	RG_REJ_REPLACE_NOT_RESTING = 28, /* the target or the replace is a market, IOC or FOK order */
	RG_REJ_REPLACE_NO_CHANGE = 29, /* same quantity and price as the target */
	/* symbol whitelist */
	RG_REJ_UNKNOWN_SYMBOL = 30,
	RG_REJ_SYMBOL_DISABLED = 31,
	RG_REJ_SYMBOL_NOT_PERMITTED = 32,
	RG_REJ_MARKET_CLOSED = 33,   /* outside the symbol's (or its venue's) trading hours (config "trading_hours"); limit, value 0 */
	/* size */
	RG_REJ_MAX_ORDER_QTY = 40,
	RG_REJ_MIN_NOTIONAL = 41,
	RG_REJ_MAX_NOTIONAL = 42,
	RG_REJ_ARITH_OVERFLOW = 43,  /* a product of the order's fields does not fit */
	/* price collar */
	RG_REJ_PRICE_COLLAR = 50,
	RG_REJ_NO_REFERENCE_PRICE = 51,
	RG_REJ_STALE_REFERENCE_PRICE = 52,
	/* exposure */
	RG_REJ_MAX_POSITION_QTY = 60,
	RG_REJ_MAX_POSITION_NOTIONAL = 61,
	RG_REJ_POSITION_EQUITY_PCT = 62,
	RG_REJ_ACCOUNT_GROSS_EXPOSURE = 63,
	RG_REJ_GLOBAL_GROSS_EXPOSURE = 64,
	/* loss */
	RG_REJ_DAILY_LOSS = 70,
	RG_REJ_DRAWDOWN = 71,
	/* rates */
	RG_REJ_ORDER_RATE = 80,
	RG_REJ_DAILY_ORDER_COUNT = 81,
	RG_REJ_MESSAGE_RATE = 82,
	RG_REJ_EXECUTION_THROTTLE = 83,
	RG_REJ_MAX_OPEN_ORDERS = 84,   /* the strategy already holds its max_open_orders live orders */
	RG_REJ_ORDER_TO_TRADE = 85,    /* messages today against fills over the order-to-trade ratio; limit: messages allowed, value: messages with this one */
	RG_REJ_MODIFY_RATE = 86,       /* the strategy's replaces per window (modify_rate) used up */
	/* venue */
	RG_REJ_CIRCUIT_OPEN = 90,
	RG_REJ_VENUE_THROTTLED = 91,
	RG_REJ_VENUE_QUEUE_FULL = 92,
	RG_REJ_DUPLICATE_ORDER = 93, /* same symbol, side, price, qty within the duplicate window */
	RG_REJ_SELF_MATCH = 94,      /* would cross a resting order of the same account (or self-match group); limit: the resting price, value: the order's */
	RG_REJ_VENUE_CREDIT = 95,    /* open + filled notional of the account at the venue over its credit; limit, value: notionals */
	/* engine */
	RG_REJ_REPORT_RING_FULL = 100,
	RG_REJ_AUDIT_BACKPRESSURE = 101,
	RG_REJ_ENGINE_STOPPING = 102,
	RG_REJ_REPLAY_INCOMPLETE = 103, /* REPLAY_DONE only: not every report asked for could be read back */
	RG_REJ_REPLACE_OUTCOME_UNKNOWN = 104, /* REPLACE_REJECTED only: unanswered across an engine restart */
	RG_REJ_REASON_MAX = 128 /* bound for per-reason counters; not a reason */
};

/* Fill detail of a RG_REPORT_FILL. */
struct rg_fill_detail {
	int64_t qty_e8;    /* quantity filled by this execution */
	int64_t price_e8;  /* execution price */
	int64_t leaves_e8; /* quantity still open after it; 0 when done */
};

/* Detail of a RG_REPORT_REJECTED: the limit and the value that tripped it,
 * in the unit of the check (qty_e8, price_e8, notional e8, count...), 0/0 when
 * no numbers apply. */
struct rg_reject_detail {
	int64_t limit;
	int64_t value;
	int64_t reserved; /* zero */
};

/*
 * A report message.  56 bytes: one slot payload.
 *
 * report_seq numbers a session's reports 1, 2, 3, ... with no gap: the engine
 * never drops a report (one that finds the ring full waits in the engine
 * until the strategy reads), and the numbering continues across engine
 * restarts (it is journaled with the record the report comes from).  A
 * strategy that sees a number skipped lost reports (an engine crash took
 * the ring's unread ones) and can have them replayed from the journal
 * (rg_client_request_replay).  0 means unsequenced: AUDIT_BACKPRESSURE
 * rejects (there was no room to journal them, so nothing could replay them)
 * and REPLAY_DONE.
 */
struct rg_report {
	uint64_t client_order_id; /* the order this report is about */
	uint64_t engine_seq;      /* engine's sequence for the order (set from ACCEPTED on), else 0 */
	union {
		struct rg_fill_detail fill;     /* RG_REPORT_FILL */
		struct rg_reject_detail reject; /* RG_REPORT_REJECTED, RG_REPORT_VENUE_REJECT, RG_REPORT_REPLAY_DONE */
	};
	uint64_t report_seq;      /* the session's report sequence (above); 0 = unsequenced */
	uint32_t symbol_id;       /* symbol of the order */
	uint16_t reason;          /* enum rg_reject_reason for REJECTED, else 0 */
	uint8_t kind;             /* enum rg_report_kind */
	uint8_t flags;            /* RG_REPORT_F_* */
};

RG_STATIC_ASSERT(sizeof(struct rg_order) == RG_SLOT_PAYLOAD, "an order fills one slot payload");
RG_STATIC_ASSERT(sizeof(struct rg_report) == RG_SLOT_PAYLOAD, "a report fills one slot payload");
RG_STATIC_ASSERT(offsetof(struct rg_order, symbol_id) == 40, "order layout");
RG_STATIC_ASSERT(offsetof(struct rg_order, reserved) == 48, "order layout");
RG_STATIC_ASSERT(offsetof(struct rg_report, report_seq) == 40, "report layout");
RG_STATIC_ASSERT(offsetof(struct rg_report, kind) == 54, "report layout");

/* Name of a reject reason, e.g. "MAX_NOTIONAL"; "UNKNOWN_REASON" for values
 * this build does not know.  Returns a static string. */
static inline const char *rg_reject_str(unsigned reason)
{
	switch (reason) {
	case RG_REJ_NONE: return "NONE";
	case RG_REJ_KILL_SWITCH: return "KILL_SWITCH";
	case RG_REJ_INSTANCE_HALTED: return "INSTANCE_HALTED";
	case RG_REJ_ACCOUNT_HALTED: return "ACCOUNT_HALTED";
	case RG_REJ_STRATEGY_HALTED: return "STRATEGY_HALTED";
	case RG_REJ_SYMBOL_HALTED: return "SYMBOL_HALTED";
	case RG_REJ_REDUCE_ONLY: return "REDUCE_ONLY";
	case RG_REJ_MALFORMED: return "MALFORMED";
	case RG_REJ_BAD_KIND: return "BAD_KIND";
	case RG_REJ_BAD_SIDE: return "BAD_SIDE";
	case RG_REJ_BAD_ORDER_TYPE: return "BAD_ORDER_TYPE";
	case RG_REJ_BAD_TIF: return "BAD_TIF";
	case RG_REJ_BAD_QTY: return "BAD_QTY";
	case RG_REJ_BAD_PRICE: return "BAD_PRICE";
	case RG_REJ_MARKET_NOT_ALLOWED: return "MARKET_NOT_ALLOWED";
	case RG_REJ_LOT_SIZE: return "LOT_SIZE";
	case RG_REJ_TICK_SIZE: return "TICK_SIZE";
	case RG_REJ_QTY_OUT_OF_RANGE: return "QTY_OUT_OF_RANGE";
	case RG_REJ_PRICE_OUT_OF_RANGE: return "PRICE_OUT_OF_RANGE";
	case RG_REJ_UNKNOWN_ORDER: return "UNKNOWN_ORDER";
	case RG_REJ_DUPLICATE_CLORDID: return "DUPLICATE_CLORDID";
	case RG_REJ_REPLACE_CANCEL_PENDING: return "REPLACE_CANCEL_PENDING";
	case RG_REJ_REPLACE_PENDING: return "REPLACE_PENDING";
	case RG_REJ_REPLACE_NOT_SUPPORTED: return "REPLACE_NOT_SUPPORTED";
	case RG_REJ_REPLACE_NOT_SENT: return "REPLACE_NOT_SENT";
	case RG_REJ_REPLACE_NOT_RESTING: return "REPLACE_NOT_RESTING";
	case RG_REJ_REPLACE_NO_CHANGE: return "REPLACE_NO_CHANGE";
	case RG_REJ_UNKNOWN_SYMBOL: return "UNKNOWN_SYMBOL";
	case RG_REJ_SYMBOL_DISABLED: return "SYMBOL_DISABLED";
	case RG_REJ_SYMBOL_NOT_PERMITTED: return "SYMBOL_NOT_PERMITTED";
	case RG_REJ_MARKET_CLOSED: return "MARKET_CLOSED";
	case RG_REJ_MAX_ORDER_QTY: return "MAX_ORDER_QTY";
	case RG_REJ_MIN_NOTIONAL: return "MIN_NOTIONAL";
	case RG_REJ_MAX_NOTIONAL: return "MAX_NOTIONAL";
	case RG_REJ_ARITH_OVERFLOW: return "ARITH_OVERFLOW";
	case RG_REJ_PRICE_COLLAR: return "PRICE_COLLAR";
	case RG_REJ_NO_REFERENCE_PRICE: return "NO_REFERENCE_PRICE";
	case RG_REJ_STALE_REFERENCE_PRICE: return "STALE_REFERENCE_PRICE";
	case RG_REJ_MAX_POSITION_QTY: return "MAX_POSITION_QTY";
	case RG_REJ_MAX_POSITION_NOTIONAL: return "MAX_POSITION_NOTIONAL";
	case RG_REJ_POSITION_EQUITY_PCT: return "POSITION_EQUITY_PCT";
	case RG_REJ_ACCOUNT_GROSS_EXPOSURE: return "ACCOUNT_GROSS_EXPOSURE";
	case RG_REJ_GLOBAL_GROSS_EXPOSURE: return "GLOBAL_GROSS_EXPOSURE";
	case RG_REJ_DAILY_LOSS: return "DAILY_LOSS";
	case RG_REJ_DRAWDOWN: return "DRAWDOWN";
	case RG_REJ_ORDER_RATE: return "ORDER_RATE";
	case RG_REJ_DAILY_ORDER_COUNT: return "DAILY_ORDER_COUNT";
	case RG_REJ_MESSAGE_RATE: return "MESSAGE_RATE";
	case RG_REJ_EXECUTION_THROTTLE: return "EXECUTION_THROTTLE";
	case RG_REJ_MAX_OPEN_ORDERS: return "MAX_OPEN_ORDERS";
	case RG_REJ_ORDER_TO_TRADE: return "ORDER_TO_TRADE";
	case RG_REJ_MODIFY_RATE: return "MODIFY_RATE";
	case RG_REJ_CIRCUIT_OPEN: return "CIRCUIT_OPEN";
	case RG_REJ_VENUE_THROTTLED: return "VENUE_THROTTLED";
	case RG_REJ_VENUE_QUEUE_FULL: return "VENUE_QUEUE_FULL";
	case RG_REJ_DUPLICATE_ORDER: return "DUPLICATE_ORDER";
	case RG_REJ_SELF_MATCH: return "SELF_MATCH";
	case RG_REJ_VENUE_CREDIT: return "VENUE_CREDIT";
	case RG_REJ_REPORT_RING_FULL: return "REPORT_RING_FULL";
	case RG_REJ_AUDIT_BACKPRESSURE: return "AUDIT_BACKPRESSURE";
	case RG_REJ_ENGINE_STOPPING: return "ENGINE_STOPPING";
	case RG_REJ_REPLAY_INCOMPLETE: return "REPLAY_INCOMPLETE";
	case RG_REJ_REPLACE_OUTCOME_UNKNOWN: return "REPLACE_OUTCOME_UNKNOWN";
	default: return "UNKNOWN_REASON";
	}
}

/* Name of a report kind, e.g. "FILL"; "UNKNOWN" otherwise. */
static inline const char *rg_report_kind_str(unsigned kind)
{
	switch (kind) {
	case RG_REPORT_ACCEPTED: return "ACCEPTED";
	case RG_REPORT_REJECTED: return "REJECTED";
	case RG_REPORT_VENUE_ACK: return "VENUE_ACK";
	case RG_REPORT_FILL: return "FILL";
	case RG_REPORT_CANCELLED: return "CANCELLED";
	case RG_REPORT_VENUE_REJECT: return "VENUE_REJECT";
	case RG_REPORT_REPLAY_DONE: return "REPLAY_DONE";
	case RG_REPORT_REPLACED: return "REPLACED";
	case RG_REPORT_REPLACE_REJECTED: return "REPLACE_REJECTED";
	default: return "UNKNOWN";
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RG_MSG_H */
