/*
 * The risk state: everything the pre-trade checks (checks.h) read and the
 * event handlers (risk_events.h) update, built once from a struct rg_config
 * on the cold path.  After rg_risk_create nothing allocates: every table has
 * its final size.
 *
 * Layout.  Arrays of cache-line-aligned structs indexed by the same indexes
 * the config uses; what one order reads is grouped so a decision touches
 * about ten lines:
 *   symbols[n_symbols]                      4 lines each: what a new limit order reads (0-1),
 *                                           the limits as configured (2-3)
 *   positions[n_symbols * n_accounts]       1 line each, index symbol * n_accounts + account
 *   accounts[n_accounts]                    line 0 is what orders read, the rest is PnL
 *   strategies[n_strategies]                rates, flags; plus its open-order table and
 *                                           duplicate-guard sets (allocated separately)
 *   venues[n_venues]                        circuit breaker
 * Positions are a dense [symbol][account] array: 64 bytes per pair, so
 * 10 000 symbols x 4 accounts is 2.5 MiB and the RG_MAX_ACCOUNTS = 64 worst
 * case is 41 MiB.  Dense keeps the order path to one multiply-add and a
 * reference-price update (which marks every account holding the symbol) to
 * one contiguous run of lines.  A deployment with many accounts and many
 * symbols would want a sparse map instead.
 *
 * Limits stored here are normalised: a "no limit" 0 from the config becomes
 * INT64_MAX, so the order path compares without asking whether a limit is
 * set.
 *
 * Threads: one.  The engine thread owns the state; nothing here is atomic.
 * Operators act through the engine (risk_events.h), never on another thread.
 */
#ifndef RG_RISK_STATE_H
#define RG_RISK_STATE_H

#include <assert.h> /* static_assert, in C and C++ */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "config.h"
#include "event_window.h"
#include "fixed.h"
#include "gcra.h"
#include "open_orders.h"
#include "order_to_trade.h"
#include "rate_window.h"
#include "trading_hours.h"
#include "venue_credit.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_DEFAULT_MAX_OPEN_ORDERS 4096u /* per strategy when the config leaves max_open_orders at 0 */
#define RG_MAX_OPEN_ORDERS_LIMIT (1u << 24)
#define RG_DUP_SETS 256u                 /* duplicate guard: sets per strategy (power of two) */
#define RG_DUP_WAYS 4u                   /* entries per set */
#define RG_DAY_NS 86400000000000ULL

/* Why a symbol's kill byte is set: the symbol's own kill, its venue's. */
#define RG_KILL_BY_SYMBOL 1u
#define RG_KILL_BY_VENUE 2u
/* Not a kill, but read with them: the symbol is outside its trading hours
 * (trading_hours.h); a new order is refused MARKET_CLOSED. */
#define RG_SYM_CLOSED 4u

/*
 * Per symbol.  Lines 0 and 1 (one 128-byte pair) are all a new limit order
 * reads: the state and whitelist bytes, and the structure, size, reference
 * and collar limits folded into two ranges and a deadline
 * (_rg_symbol_derive, at every change of what they are made of: config,
 * reload, reference); lines 2 and 3 hold the limits as configured, for
 * market orders, replaces and the classifiers that name a refusal.
 */
struct rg_symbol_state {
	/* line 0: state, whitelist, structure */
	uint8_t state;                    /* enum rg_trading_state (operator) */
	uint8_t kill;                     /* RG_KILL_BY_SYMBOL | RG_KILL_BY_VENUE: a kill covers it (beside state:
					   * the order path's gate reads both as one word, checks.c) */
	uint8_t enabled;                  /* 0: SYMBOL_DISABLED */
	uint8_t market_allowed;           /* 0: market orders refused */
	uint16_t venue;                   /* venue index */
	uint8_t lot_shift;                /* lot.shift and tick.shift, beside their inverses below */
	uint8_t tick_shift;
	uint64_t permitted_accounts;      /* bit a set: account a may trade it (RG_MAX_ACCOUNTS == 64); 0 when
					   * not enabled, so one bit test passes an order of both */
	/*
	 * A limit order's quantity q passes the lot, the quantity range and
	 * max_order_qty iff k = rotr(q * lot.inverse, lot.shift), which is q / lot
	 * when the lot divides q and above UINT64_MAX / lot otherwise, lies in
	 * [qty_k_lo, qty_k_lo + qty_k_span]: the multiples of the lot from
	 * min_qty to min(max_qty, max_order_qty).  Its price likewise with the
	 * tick, from max(min_price, collar_lo) to min(max_price, collar_hi);
	 * without a reference the price range is empty (lo = span = 0: k = 0
	 * only for 0, which area 2a refuses).
	 */
	uint64_t lot_inverse;
	uint64_t tick_inverse;
	uint64_t qty_k_lo;
	uint64_t qty_k_span;
	uint64_t price_k_lo;
	uint64_t price_k_span;
	/* line 1: reference, size and exposure */
	uint64_t ref_fresh_until_ns;      /* ref_ts_ns + reference max age (saturated): fresh while now <= it */
	int64_t ref_price_e8;             /* 0 = none yet */
	int64_t max_side_qty_e8;          /* largest side quantity both position limits allow at the
					   * reference: min(max_position_qty, floor(max_position_notional
					   * * 10^8 / reference)); the notional limit INT64_MAX stands for
					   * "fits an int64" */
	int64_t min_notional_e8;          /* 0 = none */
	int64_t max_notional_e8;
	int64_t market_price_e8;          /* a market order is valued at this: reference + band */
	uint64_t ref_ts_ns;               /* CLOCK_MONOTONIC when the reference was set */
	int64_t collar_lo_e8;             /* lowest limit price the collar admits (0 without a collar) */
	/* line 2: the structure limits as configured (INT64_MAX = none) */
	struct rg_divisor lot;            /* quantity multiple */
	struct rg_divisor tick;           /* price multiple */
	int64_t min_qty_e8;
	int64_t max_qty_e8;
	/* line 3 */
	int64_t min_price_e8;
	int64_t max_price_e8;
	int64_t max_order_qty_e8;
	int64_t max_position_qty_e8;
	int64_t max_position_notional_e8;
	int64_t collar_hi_e8;             /* highest (INT64_MAX without a collar) */
	uint64_t ref_max_age_ns;          /* rg_risk.reference_max_age_ns, copied for ref_fresh_until_ns */
	uint32_t collar_bps;              /* band in basis points; 0 = no collar */
} __attribute__((aligned(128)));
static_assert(sizeof(struct rg_symbol_state) == 256, "a symbol is four lines");
static_assert(offsetof(struct rg_symbol_state, ref_fresh_until_ns) == 64 &&
		      offsetof(struct rg_symbol_state, lot) == 128,
	      "what a new limit order reads of its symbol is lines 0 and 1");

/* One account's position in one symbol.  One line. */
struct rg_position {
	int64_t qty_e8;               /* signed: long > 0 */
	int64_t avg_price_e8;         /* average cost of the open quantity; 0 when flat */
	int64_t open_buy_qty_e8;      /* leaves of live buy orders (all strategies of the account) */
	int64_t open_sell_qty_e8;     /* leaves of live sell orders */
	int64_t upnl_e8;              /* unrealized PnL at the last mark */
	int64_t gross_notional_e8;    /* |qty| at the last mark, counted in the account's gross */
	/* self-match prevention (self_match.h), in the group leader's line: the
	 * best key of the group's resting orders on the symbol, per resting side:
	 * [0] buys: the highest price; [1] sells: INT64_MAX - the lowest price;
	 * 0 = none */
	int64_t smp_best[2];
} __attribute__((aligned(64)));
static_assert(sizeof(struct rg_position) == 64, "a position is one line");
static_assert(offsetof(struct rg_symbol_state, kill) == offsetof(struct rg_symbol_state, state) + 1,
	      "the symbol's kill byte follows its state byte on line 0");

/* Per account. */
struct rg_account_state {
	/* line 0: read by every order; its first four bytes are all 0 for an order to pass (the gate, checks.c) */
	uint8_t state;                    /* enum rg_trading_state (operator) */
	uint8_t loss_state;               /* enum rg_trading_state entered on a loss/drawdown breach; ACTIVE otherwise */
	uint8_t kill;                     /* a kill of this account is in force */
	uint8_t gate_zero;                /* always 0 */
	uint16_t loss_reason;             /* RG_REJ_DAILY_LOSS or RG_REJ_DRAWDOWN while loss_state != ACTIVE */
	uint8_t index;                    /* this account's index (< RG_MAX_ACCOUNTS) */
	uint8_t smp;                      /* self-match prevention: enum rg_smp_mode | (index - group leader) << 2 */
	uint32_t orders_today;            /* new orders approved this trading day */
	uint32_t max_orders_per_day;      /* UINT32_MAX = none */
	int64_t min_notional_e8;          /* 0 = none */
	int64_t max_notional_e8;
	int64_t position_equity_limit_e8; /* equity_sod * max_position_equity_bps (INT64_MAX = none) */
	int64_t gross_limit_e8;           /* equity_sod * max_gross_equity_bps (INT64_MAX = none) */
	int64_t gross_position_e8;        /* sum over symbols of |position| at its mark */
	int64_t open_notional_e8;         /* sum of live orders' reserved notional */
	/* line 1: PnL, updated by events */
	int64_t equity_sod_e8;            /* start-of-day equity */
	int64_t realized_today_e8;        /* realized PnL since the day started */
	int64_t upnl_e8;                  /* sum of the positions' upnl */
	int64_t upnl_sod_e8;              /* upnl when the day started (carried positions) */
	int64_t day_pnl_e8;               /* realized_today + upnl - upnl_sod */
	int64_t peak_equity_e8;           /* highest equity_sod + day_pnl seen today */
	int64_t loss_limit_e8;            /* day PnL at or below -this breaches (tightest of absolute and bps) */
	int64_t drawdown_limit_e8;        /* peak - equity above this breaches */
	/* line 2: config and statistics */
	bool loss_limit_on;
	bool drawdown_limit_on;
	uint8_t breach_state;             /* config loss_state: what a breach enters (REDUCING or HALTED) */
	uint32_t max_position_equity_bps;
	uint32_t max_gross_equity_bps;
	uint32_t daily_loss_bps;
	uint32_t drawdown_bps;
	int64_t daily_loss_abs_e8;        /* config daily_loss_limit_e8, 0 = none */
	uint64_t arith_faults;            /* events whose arithmetic overflowed (the account was halted) */
	uint16_t smp_leader;              /* the account whose position lines hold its self-match group's books */
	struct rg_otr otr_day;            /* its order-to-trade ratio (order_to_trade.h) */
	/* position_equity_limit_e8 * 10^8 + 1 as a 128-bit lo, hi: the smallest
	 * product quantity * reference (e16) the limit refuses, for one compare
	 * on the order path (_rg_account_derive_limits) */
	uint64_t position_equity_refused_e16[2];
} __attribute__((aligned(64)));
static_assert(offsetof(struct rg_account_state, loss_state) == 1 && offsetof(struct rg_account_state, kill) == 2 &&
		      offsetof(struct rg_account_state, gate_zero) == 3 &&
		      offsetof(struct rg_account_state, equity_sod_e8) == 64,
	      "what every order reads of its account is line 0, led by the gate's four bytes");
static_assert(RG_MAX_ACCOUNTS <= 256 && RG_MAX_STRATEGIES <= 256, "an account's and a strategy's index fit a byte");

/*
 * Duplicate guard: RG_DUP_SETS sets of RG_DUP_WAYS recent new orders.  A
 * set's first line holds 32-bit keys (a hash of symbol, side, price,
 * quantity), the way the next order takes and the approval times, which is
 * all the order path reads; the exact fields follow in the set's next lines,
 * read only when a key matches (so a hash collision never refuses an order)
 * and written beside the key when an order is recorded.  Ways are taken in
 * turn: times do not go backwards, so the next way is the oldest and a set
 * keeps its four most recent orders.
 */
struct rg_dup_detail {
	int64_t qty_e8;                   /* the order's quantity and price, as in struct rg_order */
	int64_t price_e8;
	uint32_t symbol;                  /* and its symbol, kind, side, type, tif: symbol and side compared */
	uint8_t kind, side, type, tif;
};

struct rg_dup_set {
	uint32_t key[RG_DUP_WAYS];        /* hash of the order's fields; 0 = empty way */
	uint32_t next;                    /* the way the next recorded order takes (mod RG_DUP_WAYS) */
	uint32_t pad[3];
	uint64_t ts_ns[RG_DUP_WAYS];      /* when approved */
	struct rg_dup_detail detail[RG_DUP_WAYS]; /* the exact fields of each way */
} __attribute__((aligned(64)));
static_assert(offsetof(struct rg_dup_set, detail) == 64, "the keys and times are the set's first line");

/* Per strategy. */
struct rg_strategy_state {
	/* line 0: read by every order; its first four bytes are all 0 for an order to pass (the gate, checks.c) */
	uint8_t state;                    /* enum rg_trading_state (operator) */
	uint8_t throttle_latched;         /* execution throttle tripped; only rg_risk_resume_strategy clears it */
	uint8_t kill;                     /* a kill of this strategy is in force */
	uint8_t gate_zero;                /* always 0 */
	uint16_t account;                 /* account index */
	uint8_t index;                    /* this strategy's index (< RG_MAX_STRATEGIES) */
	uint8_t extra;                    /* optional checks that apply: RG_OTR_STRATEGY, RG_OTR_ACCOUNT, RG_CREDIT,
					   * RG_SMP_ON */
	struct rg_gcra order_rate;        /* new orders: the gate of a bucket or of order_window */
	struct rg_gcra message_rate;      /* new + cancel + replace */
	uint64_t duplicate_window_ns;     /* 0 = guard off */
	/* line 1: what the commit writes */
	struct rg_open_orders orders;     /* live orders by client order id */
	struct rg_dup_set *dup;           /* RG_DUP_SETS sets */
	struct rg_rate_window *order_window;   /* "kind": "window": the last events; NULL for a bucket */
	struct rg_rate_window *message_window;
	uint32_t smp_id_base;             /* self-match: rg_smp_id(index, 0), its slots' ids are this + slot */
	uint32_t credit_row;              /* venue credit: account * n_venues, its account's first line */
	/* execution throttle */
	struct rg_event_window fills;     /* last exec_throttle_fills fill times */
	uint64_t exec_window_ns;
	uint64_t throttle_trips;          /* statistics */
	struct rg_otr otr_day;            /* its order-to-trade ratio (order_to_trade.h) */
	struct rg_gcra modify_rate;       /* replaces (modify_rate; MODIFY_RATE) */
} __attribute__((aligned(64)));
static_assert(offsetof(struct rg_strategy_state, throttle_latched) == 1 && offsetof(struct rg_strategy_state, kill) == 2 &&
		      offsetof(struct rg_strategy_state, gate_zero) == 3 &&
		      offsetof(struct rg_strategy_state, order_rate) == 8,
	      "the gate's four bytes lead a strategy's line 0");
static_assert(offsetof(struct rg_strategy_state, credit_row) + sizeof(uint32_t) <= 128,
	      "the commit writes line 1 only");

/* Self-match prevention (self_match.h): per book (symbol, group leader: the
 * positions' index) and side, the first of its resting orders, which are
 * linked through their open-order slots. */
struct rg_smp {
	uint32_t *heads;                  /* [book * 2 + side]: an order id (rg_smp_id); 0 = none.  NULL when no
					   * account has self-match on */
	uintptr_t heads_by_line;          /* heads - positions / 8: a book's heads at this + its line's address / 8
					   * (rg_smp_heads_of) */
};

struct rg_venue_state {
	struct rg_breaker breaker;
	uint8_t kill;                     /* a kill of this venue is in force (copied into its symbols) */
} __attribute__((aligned(64)));

/* Trading hours at run time (trading_hours.c). */
struct rg_hours_rt {
	int64_t next_s;                   /* earliest UTC second any schedule may change */
	uint32_t n;
	struct rg_hours_sched s[RG_MAX_HOURS];
	uint8_t *of_symbol;               /* per symbol: schedule index + 1, 0 = always open */
};

/* The whole risk state. */
struct rg_risk {
	/* line 0: read by every order */
	uint8_t kill;                     /* instance-wide kill switch (rg_risk_set_kill, rg_risk_set_kills) */
	uint8_t instance_state;           /* enum rg_trading_state (beside kill: the gate reads both as one word) */
	uint16_t pad0;
	uint32_t n_accounts;
	uint32_t n_strategies;
	uint32_t n_symbols;
	uint64_t next_seq;                /* last engine sequence handed out */
	uint64_t day_roll_mono_ns;        /* CLOCK_MONOTONIC estimate of the next trading-day boundary */
	uint64_t reference_max_age_ns;    /* UINT64_MAX = never stale */
	int64_t global_gross_e8;          /* sum of every account's gross_position + open_notional */
	int64_t global_gross_limit_e8;    /* INT64_MAX = none */
	struct rg_symbol_state *symbols;
	/* line 1 */
	struct rg_position *positions;
	struct rg_account_state *accounts;
	struct rg_strategy_state *strategies;
	struct rg_venue_state *venues;
	uint32_t n_venues;
	uint32_t day_start_utc_s;         /* trading day starts this many seconds after 00:00 UTC */
	int64_t day_index;                /* current trading day: days since the epoch's first boundary */
	uint64_t sync_mono_ns;            /* last (monotonic, realtime) pair seen, for the day estimate */
	uint64_t sync_real_ns;
	uint64_t day_rolls;               /* statistics */
	/* line 2 */
	struct rg_smp smp;                /* self-match prevention (self_match.h) */
	struct rg_hours_rt *hours;        /* trading hours; NULL when no schedule is configured */
	struct rg_credit *credit;         /* [account * n_venues + venue] (venue_credit.h); NULL when no cap */
} __attribute__((aligned(64)));
static_assert(offsetof(struct rg_risk, instance_state) == offsetof(struct rg_risk, kill) + 1,
	      "the instance's kill and state bytes are one word");

/*
 * Builds the risk state for `cfg` at CLOCK_MONOTONIC now_ns and CLOCK_REALTIME
 * now_realtime_ns (the latter places the trading-day boundary).  cfg is read
 * only during the call.  Returns 0 and sets *out, or -EINVAL with the cause in
 * err (an index out of range, a tick or lot <= 0, ...) or -ENOMEM.  Cold path:
 * allocates everything the state will ever use.
 */
int rg_risk_create(struct rg_risk **out, const struct rg_config *cfg, uint64_t now_ns, uint64_t now_realtime_ns,
		   char *err, size_t errlen);

/*
 * Trading hours: sets or clears each symbol's RG_SYM_CLOSED as its schedule
 * opens and closes.  The engine calls it on its heartbeat with
 * CLOCK_REALTIME; it costs one compare until a schedule may change.  Cold.
 */
void rg_risk_hours_tick(struct rg_risk *r, uint64_t now_real_ns);

/* Builds r->hours from the config (zones read from zoneinfo_dir, NULL: the
 * system's) and applies them at now_real_ns.  0, or -errno with err.  Cold. */
int rg_risk_hours_init(struct rg_risk *r, const struct rg_config *cfg, const char *zoneinfo_dir,
		       uint64_t now_real_ns, char *err, size_t errlen);

void _rg_risk_hours_free(struct rg_risk *r);

/* The credit line of an account at a venue (r->credit must be set). */
static inline struct rg_credit *rg_risk_credit(const struct rg_risk *r, uint32_t account, uint32_t venue)
{
	return &r->credit[(size_t)account * r->n_venues + venue];
}

/* Frees the state; NULL is fine. */
void rg_risk_destroy(struct rg_risk *r);

/* Position of account a in symbol s (both in range). */
static inline struct rg_position *rg_risk_position(const struct rg_risk *r, uint32_t account, uint32_t symbol)
{
	return &r->positions[(size_t)symbol * r->n_accounts + account];
}

/* Gives back `qty_e8` of open order e's quantity and `notional_e8` of its
 * reservation: off its side of the position, the account's and the global
 * reserved notional, and its venue credit.  The caller updates e itself. */
static inline void rg_risk_unreserve(struct rg_risk *r, uint32_t account, const struct rg_open_order *e, int64_t qty_e8,
				     int64_t notional_e8)
{
	struct rg_position *p = rg_risk_position(r, account, e->symbol);

	if (e->side == RG_SIDE_BUY)
		p->open_buy_qty_e8 -= qty_e8;
	else
		p->open_sell_qty_e8 -= qty_e8;
	r->accounts[account].open_notional_e8 -= notional_e8;
	r->global_gross_e8 -= notional_e8;
	if (r->credit != NULL) /* venue credit: the open part follows the reservation */
		rg_risk_credit(r, account, e->venue)->open_e8 -= notional_e8;
}

/* Trading day of a CLOCK_REALTIME instant (boundary at day_start_utc_s). */
int64_t rg_risk_day_of(const struct rg_risk *r, uint64_t realtime_ns);

/* Sets the symbol's reference price and the derived collar (used by the
 * events module and at create), and re-derives lines 0 and 1
 * (_rg_symbol_derive).  Cold path. */
void _rg_symbol_set_reference(struct rg_symbol_state *s, int64_t price_e8, uint64_t now_ns);

/* Derives the ranges and the deadline of lines 0 and 1 from the limits,
 * the reference and ref_max_age_ns.  Cold path. */
void _rg_symbol_derive(struct rg_symbol_state *s);

/* Recomputes an account's equity-derived limits from equity_sod_e8. */
void _rg_account_derive_limits(struct rg_account_state *a);

/*
 * Config reload: takes into `live` the limits and flags of `fresh` (a state
 * built from the new config, of the same shape: same counts, symbols on the
 * same venues): symbols' enabled, market orders, permitted accounts, size,
 * price, notional, position limits and collar (re-derived at the live
 * reference); accounts' notionals, orders per day, equity fractions, loss
 * and drawdown limits and breach state (re-derived at the live start-of-day
 * equity); strategies' rates (their tokens carry over), duplicate window and
 * throttle window; the global gross limit and reference age.  Everything
 * that moves with trading (positions, open orders, PnL, counters, rate
 * tokens, trading states, kills, breakers, references) stays.  Cold.
 */
void rg_risk_adopt_limits(struct rg_risk *live, const struct rg_risk *fresh);

#ifdef __cplusplus
}
#endif

#endif /* RG_RISK_STATE_H */
