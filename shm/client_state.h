/*
 * riskgate client: the strategy's own state, read from the control segment's
 * risk and operations views (shm/abi.h).  Included by <riskgate/client.h>.
 *
 * Every call is read-only, makes no system call and copies what it reads
 * out of shared memory: account and position entries under their seqlock
 * (a consistent snapshot of the entry; a writer in the middle of an update
 * is waited for at most RG_CLIENT_STATE_TRIES times, then -EAGAIN), the
 * strategy's flags with single-word loads.  The engine publishes accounts on
 * every fill and at its 1 ms heartbeat, positions on fills and in a sweep of
 * 64 (account, symbol) pairs per heartbeat, strategy flags at the heartbeat:
 * a read is at most a few milliseconds behind the engine, and is exactly
 * what `riskctl positions` and `riskctl stats` show at the same moment.
 * docs/client.md "The strategy's own state".
 */
#ifndef RG_CLIENT_STATE_H
#define RG_CLIENT_STATE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "abi.h"
#include "segment.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_CLIENT_STATE_TRIES 64u /* seqlock attempts before -EAGAIN */

/* The strategy's account (positions, PnL and day counters are per account). */
struct rg_client_account {
	int64_t equity_sod_e8;      /* start-of-day equity */
	int64_t realized_today_e8;  /* realized PnL of the trading day */
	int64_t upnl_e8;            /* unrealized PnL at the reference prices */
	int64_t day_pnl_e8;         /* realized + change of unrealized since the day started */
	int64_t peak_equity_e8;     /* the day's equity peak */
	int64_t gross_position_e8;  /* sum of |position| at the reference prices */
	int64_t open_notional_e8;   /* notional reserved by live orders */
	uint32_t orders_today;      /* new orders approved this trading day */
	uint32_t max_orders_per_day; /* its limit (DAILY_ORDER_COUNT); UINT32_MAX = none; 0 = unknown (older engine) */
	uint32_t orders_left_today; /* headroom: max_orders_per_day - orders_today (UINT32_MAX: no limit) */
	uint16_t loss_reason;       /* RG_REJ_DAILY_LOSS or RG_REJ_DRAWDOWN while breached */
	uint8_t state;              /* enum rg_trading_state set by operators */
	uint8_t loss_state;         /* state entered on a loss or drawdown breach; ACTIVE when none */
	uint16_t account;           /* its index */
};

/* The account's position in one symbol and its live orders there. */
struct rg_client_position {
	int64_t qty_e8;             /* signed: long > 0 */
	int64_t avg_price_e8;       /* average cost; 0 when flat */
	int64_t open_buy_qty_e8;    /* leaves of the account's live buy orders */
	int64_t open_sell_qty_e8;   /* leaves of its live sell orders */
	int64_t upnl_e8;            /* unrealized PnL at mark_price_e8 */
	int64_t mark_price_e8;      /* the symbol's reference price at the last publication; 0: none yet */
	bool published;             /* false: the engine has published nothing for this pair (all zero) */
};

/* Whether the strategy may open risk now, and why not. */
struct rg_client_trading {
	uint8_t instance_state;     /* enum rg_trading_state of the instance */
	uint8_t account_state;      /* its account's (operator) */
	uint8_t loss_state;         /* its account's loss latch */
	uint8_t strategy_state;     /* its own (operator) */
	bool instance_kill;         /* an instance-wide kill is in force */
	bool strategy_kill;         /* a kill of this strategy is in force */
	bool dead_man_tripped;      /* halted by its dead-man watch (re-open the session) */
	bool throttle_latched;      /* its execution throttle latched (an operator resumes it) */
	bool may_open;              /* all of the above ACTIVE / false: new orders can pass these checks */
};

/* Copies a seqlocked view entry; 0, or -EAGAIN when a writer held it
 * through every try.  dst is zeroed first (never read uninitialised). */
static inline int _rg_client_view_copy(void *dst, const void *entry, size_t bytes)
{
	const uint32_t *seq = (const uint32_t *)entry;

	memset(dst, 0, bytes);
	for (unsigned i = 0; i < RG_CLIENT_STATE_TRIES; i++) {
		uint32_t s = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
		if (s & 1u)
			continue;
		rg_view_copy(dst, entry, bytes);
		if (!rg_view_read_retry(seq, s))
			return 0;
	}
	return -EAGAIN;
}

/* The strategy's entry in the operations view (by its session's name), or NULL. */
static inline const struct rg_strategy_view *_rg_client_strategy_view(const struct rg_client *c)
{
	uint32_t n = __atomic_load_n(&c->ctl->n_strategies, __ATOMIC_ACQUIRE);
	const char *name;

	if (c->session.base == NULL)
		return NULL;
	name = rg_seg_header_of(&c->session)->name;
	for (uint32_t i = 0; i < n && i < RG_CTL_STRATEGIES; i++)
		if (strncmp(c->ctl->strategies[i].name, name, RG_NAME_MAX) == 0)
			return &c->ctl->strategies[i];
	return NULL;
}

/* The strategy's account index; -ENOENT until the engine has published it. */
static inline int rg_client_account_index(const struct rg_client *c)
{
	const struct rg_strategy_view *sv = _rg_client_strategy_view(c);
	uint16_t a;

	if (sv == NULL)
		return -ENOENT;
	a = __atomic_load_n(&sv->account, __ATOMIC_RELAXED);
	return a < RG_CTL_ACCOUNTS && a < __atomic_load_n(&c->ctl->n_accounts, __ATOMIC_ACQUIRE) ? (int)a : -ENOENT;
}

/* The account's PnL, counters and states.  0, -ENOENT, -EAGAIN. */
static inline int rg_client_read_account(const struct rg_client *c, struct rg_client_account *out)
{
	struct rg_account_view v;
	int a = rg_client_account_index(c), rc;

	memset(out, 0, sizeof(*out));
	if (a < 0)
		return a;
	rc = _rg_client_view_copy(&v, &c->ctl->accounts[a], sizeof(v));
	if (rc != 0)
		return rc;
	out->equity_sod_e8 = v.equity_sod_e8;
	out->realized_today_e8 = v.realized_today_e8;
	out->upnl_e8 = v.upnl_e8;
	out->day_pnl_e8 = v.day_pnl_e8;
	out->peak_equity_e8 = v.peak_equity_e8;
	out->gross_position_e8 = v.gross_position_e8;
	out->open_notional_e8 = v.open_notional_e8;
	out->orders_today = v.orders_today;
	out->max_orders_per_day = v.max_orders_per_day;
	out->orders_left_today = v.max_orders_per_day == UINT32_MAX ? UINT32_MAX
				 : v.max_orders_per_day > v.orders_today ? v.max_orders_per_day - v.orders_today
									: 0;
	out->loss_reason = v.loss_reason;
	out->state = v.state;
	out->loss_state = v.loss_state;
	out->account = (uint16_t)a;
	return 0;
}

/* The account's position in symbol_id.  0 (published false and zeros when the
 * engine has published nothing for it yet), -ENOENT, -EAGAIN.  Looks through
 * the published positions: O(positions published), not for every order. */
static inline int rg_client_read_position(const struct rg_client *c, uint32_t symbol_id,
					  struct rg_client_position *out)
{
	uint32_t n = __atomic_load_n(&c->ctl->n_positions, __ATOMIC_ACQUIRE);
	int a = rg_client_account_index(c);

	memset(out, 0, sizeof(*out));
	if (a < 0)
		return a;
	for (uint32_t i = 0; i < n && i < RG_CTL_POSITIONS; i++) {
		const struct rg_position_view *e = &c->ctl->positions[i];
		struct rg_position_view v;
		int rc;
		/* account and symbol never change once an entry is handed out */
		if (__atomic_load_n(&e->symbol_id, __ATOMIC_RELAXED) != symbol_id ||
		    __atomic_load_n(&e->account, __ATOMIC_RELAXED) != (uint16_t)a)
			continue;
		rc = _rg_client_view_copy(&v, e, sizeof(v));
		if (rc != 0)
			return rc;
		out->qty_e8 = v.qty_e8;
		out->avg_price_e8 = v.avg_price_e8;
		out->open_buy_qty_e8 = v.open_buy_qty_e8;
		out->open_sell_qty_e8 = v.open_sell_qty_e8;
		out->upnl_e8 = v.upnl_e8;
		out->mark_price_e8 = v.mark_price_e8;
		out->published = true;
		return 0;
	}
	return 0;
}

/* The trading states and kills that bear on the strategy.  0, -ENOENT, -EAGAIN. */
static inline int rg_client_read_trading(const struct rg_client *c, struct rg_client_trading *out)
{
	const struct rg_strategy_view *sv = _rg_client_strategy_view(c);
	struct rg_client_account acct;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sv == NULL)
		return -ENOENT;
	rc = rg_client_read_account(c, &acct);
	if (rc != 0)
		return rc;
	out->instance_state = __atomic_load_n(&c->ctl->ops.instance_state, __ATOMIC_RELAXED);
	out->account_state = acct.state;
	out->loss_state = acct.loss_state;
	out->strategy_state = __atomic_load_n(&sv->state, __ATOMIC_RELAXED);
	out->instance_kill = __atomic_load_n(&c->ctl->kill_active, __ATOMIC_RELAXED) != 0;
	out->strategy_kill = __atomic_load_n(&sv->kill, __ATOMIC_RELAXED) != 0;
	out->dead_man_tripped = __atomic_load_n(&sv->dead_man_tripped, __ATOMIC_RELAXED) != 0;
	out->throttle_latched = __atomic_load_n(&sv->throttle_latched, __ATOMIC_RELAXED) != 0;
	out->may_open = out->instance_state == 0 && out->account_state == 0 && out->loss_state == 0 &&
			out->strategy_state == 0 && !out->instance_kill && !out->strategy_kill && !out->dead_man_tripped &&
			!out->throttle_latched;
	return 0;
}

/* A symbol: its grid (from the symbol table), its reference price and the
 * limits the engine applies to it (the market table, ABI 4).  INT64_MAX = no limit. */
struct rg_client_symbol_state {
	int64_t tick_e8, lot_e8, min_qty_e8;
	int64_t ref_price_e8;           /* the reference price; 0 = none yet */
	uint64_t ref_age_ns;            /* how old it is (the engine's and the strategy's CLOCK_MONOTONIC) */
	int64_t collar_lo_e8, collar_hi_e8; /* the limit prices the collar admits now */
	int64_t max_order_qty_e8, max_qty_e8, min_notional_e8, max_notional_e8;
	int64_t min_price_e8, max_price_e8;
	int64_t max_position_qty_e8, max_position_notional_e8;
	int64_t max_side_qty_e8;        /* the largest position side both position limits allow at the reference */
	uint8_t state;                  /* enum rg_trading_state of the symbol */
	bool kill;                      /* a kill covers it (the symbol's or its venue's) */
	bool enabled, market_allowed;
};

/* What the strategy may still send in one symbol before a limit refuses it. */
struct rg_client_room {
	int64_t buy_qty_e8;             /* more buying the symbol's position limits admit: max_side - (position + open buys) */
	int64_t sell_qty_e8;            /* more selling: max_side - (open sells - position) */
	int64_t order_qty_e8;           /* one order's quantity: max_order_qty */
	int64_t order_notional_e8;      /* one order's notional: the symbol's max_notional */
	int64_t max_side_qty_e8;        /* the side limit the room was computed from (it moves with the reference) */
	uint32_t orders_left_today;     /* the account's day count (UINT32_MAX: no limit) */
	uint32_t order_tokens;          /* new orders the order rate admits back to back now (UINT32_MAX: no limit) */
	uint32_t modify_tokens;         /* replaces the modify rate admits now (UINT32_MAX: no limit) */
};

/* Symbol `id`'s grid, reference price and limits.  0, -ENOENT (no such
 * symbol), -EAGAIN. */
static inline int rg_client_read_symbol(const struct rg_client *c, uint32_t id, struct rg_client_symbol_state *out)
{
	const struct rg_symbol_entry *e = rg_client_symbol(c, id);
	const struct rg_symbol_market *table;
	struct rg_symbol_market m;
	uint64_t now;
	int rc;

	memset(out, 0, sizeof(*out));
	if (e == NULL)
		return -ENOENT;
	table = (const struct rg_symbol_market *)((const char *)c->control.base + c->control.layout.market_off);
	rc = _rg_client_view_copy(&m, &table[id], sizeof(m));
	if (rc != 0)
		return rc;
	out->tick_e8 = e->tick_e8;
	out->lot_e8 = e->lot_e8;
	out->min_qty_e8 = e->min_qty_e8;
	out->enabled = e->enabled != 0;
	out->market_allowed = e->market_allowed != 0;
	out->ref_price_e8 = m.ref_price_e8;
	now = rg_client_now_ns();
	out->ref_age_ns = m.ref_price_e8 > 0 && now > m.ref_mono_ns ? now - m.ref_mono_ns : 0;
	out->collar_lo_e8 = m.collar_lo_e8;
	out->collar_hi_e8 = m.collar_hi_e8;
	out->max_order_qty_e8 = m.max_order_qty_e8;
	out->max_qty_e8 = m.max_qty_e8;
	out->min_notional_e8 = m.min_notional_e8;
	out->max_notional_e8 = m.max_notional_e8;
	out->min_price_e8 = m.min_price_e8;
	out->max_price_e8 = m.max_price_e8;
	out->max_position_qty_e8 = m.max_position_qty_e8;
	out->max_position_notional_e8 = m.max_position_notional_e8;
	out->max_side_qty_e8 = m.max_side_qty_e8;
	out->state = m.state;
	out->kill = m.kill != 0;
	return 0;
}

static inline int64_t _rg_client_room(int64_t limit, int64_t used)
{
	int64_t r;

	if (limit == INT64_MAX)
		return INT64_MAX;
	if (__builtin_sub_overflow(limit, used, &r))
		return used < 0 ? INT64_MAX : 0;
	return r > 0 ? r : 0;
}

/* The strategy's headroom in symbol `id`: the symbol's position limits
 * against the account's position and open orders, one order's size limits,
 * the account's day count and the strategy's rate tokens.  Account-wide
 * limits (position against equity, gross exposure) and the collar can still
 * refuse an order within it.  0, -ENOENT, -EAGAIN. */
static inline int rg_client_read_room(const struct rg_client *c, uint32_t id, struct rg_client_room *out)
{
	struct rg_client_symbol_state s;
	struct rg_client_position p;
	struct rg_client_account a;
	const struct rg_strategy_view *sv = _rg_client_strategy_view(c);
	int rc;

	memset(out, 0, sizeof(*out));
	if (sv == NULL)
		return -ENOENT;
	if ((rc = rg_client_read_symbol(c, id, &s)) != 0 || (rc = rg_client_read_position(c, id, &p)) != 0 ||
	    (rc = rg_client_read_account(c, &a)) != 0)
		return rc;
	out->buy_qty_e8 = _rg_client_room(s.max_side_qty_e8, p.qty_e8 + p.open_buy_qty_e8);
	out->sell_qty_e8 = _rg_client_room(s.max_side_qty_e8, p.open_sell_qty_e8 - p.qty_e8);
	out->order_qty_e8 = s.max_order_qty_e8;
	out->order_notional_e8 = s.max_notional_e8;
	out->max_side_qty_e8 = s.max_side_qty_e8;
	out->orders_left_today = a.orders_left_today;
	out->order_tokens = __atomic_load_n(&sv->order_tokens, __ATOMIC_RELAXED);
	out->modify_tokens = __atomic_load_n(&sv->modify_tokens, __ATOMIC_RELAXED);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_CLIENT_STATE_H */
