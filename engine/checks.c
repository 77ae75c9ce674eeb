/*
 * The pre-trade checks (the order of evaluation and the definitions are in
 * checks.h).  Each check area is a static inline function over one decision
 * context; rg_risk_check_order runs them in order and the compiler folds them
 * into one straight-line function whose common path takes no call.  What
 * only a rejected or unusual order needs (trading states other than ACTIVE,
 * the day roll) lives in cold, out-of-line functions.
 *
 * Nothing is written until every check has passed; then _rg_commit applies
 * the order in one place: open-order slot, side reservation, account and
 * global reserved notional, rate tokens, daily count, breaker probe,
 * duplicate-guard entry.  The values it writes were computed (and checked for
 * overflow) by the checks, so the commit cannot fail half way.
 */
#include "checks.h"

#include <string.h>

#include "risk_events.h"

#define RG_LIKELY(x) __builtin_expect(!!(x), 1)
#define RG_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define RG_TRY(expr)                                             \
	do {                                                     \
		enum rg_reject_reason try_ = (expr);             \
		if (RG_UNLIKELY(try_ != RG_REJ_NONE))            \
			return try_;                             \
	} while (0)

/* Everything one decision works with. */
struct _rg_ctx {
	struct rg_risk *r;
	const struct rg_order *o;
	struct rg_decision *out;
	struct rg_strategy_state *st;
	struct rg_account_state *acct;
	struct rg_symbol_state *sym;  /* NULL when the symbol id is out of range */
	struct rg_position *pos;      /* NULL likewise */
	struct rg_open_order *orig;   /* replace: its live target, or NULL */
	struct rg_open_order *slot;   /* where the new order goes in the open-order table */
	uint64_t now;
	int64_t orig_leaves_e8;       /* replace: target's leaves on the same symbol and side */
	int64_t orig_reserved_e8;     /* replace: target's reserved notional */
	int64_t notional_e8;          /* the order's notional at its valuation price */
	int64_t value_price_e8;       /* limit price, or reference + band for a market order */
	int64_t new_open_side_e8;     /* commit: open quantity on the order's side */
	int64_t new_acct_open_e8;     /* commit: account reserved notional */
	int64_t new_global_e8;        /* commit: global gross */
	int reduces;                  /* -1 not yet known, else 0/1 */
	bool market;
	bool buy;
	bool probe;
};

static inline enum rg_reject_reason _rg_reject(struct _rg_ctx *c, enum rg_reject_reason why, int64_t limit,
					       int64_t value)
{
	c->out->reason = (uint16_t)why;
	c->out->limit = limit;
	c->out->value = value;
	return why;
}

static inline int64_t _rg_clamp_i128(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (int64_t)v;
}

/* Does the order move its side of the position toward zero without crossing it? */
static inline bool _rg_reduces(struct _rg_ctx *c)
{
	if (c->reduces < 0) {
		const struct rg_position *p = c->pos;
		int64_t q = c->o->qty_e8;

		if (p == NULL || q <= 0)
			c->reduces = 0;
		else if (c->o->side == RG_SIDE_BUY)
			c->reduces = (__int128)p->qty_e8 + p->open_buy_qty_e8 - c->orig_leaves_e8 + q <= 0;
		else if (c->o->side == RG_SIDE_SELL)
			c->reduces = (__int128)p->qty_e8 - p->open_sell_qty_e8 + c->orig_leaves_e8 - q >= 0;
		else
			c->reduces = 0;
	}
	return c->reduces != 0;
}

static inline bool _rg_ref_fresh(const struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	uint64_t age = c->now > s->ref_ts_ns ? c->now - s->ref_ts_ns : 0;

	return s->ref_price_e8 > 0 && age <= c->r->reference_max_age_ns;
}

/* ---- 1. kill switch and trading state ----------------------------------- */

__attribute__((cold, noinline)) static enum rg_reject_reason _rg_check_state_slow(struct _rg_ctx *c)
{
	static const enum rg_reject_reason halted[4] = {RG_REJ_INSTANCE_HALTED, RG_REJ_ACCOUNT_HALTED,
							RG_REJ_STRATEGY_HALTED, RG_REJ_SYMBOL_HALTED};
	uint8_t states[4] = {c->r->instance_state, c->acct->state, c->st->state,
			     c->sym != NULL ? c->sym->state : (uint8_t)RG_STATE_ACTIVE};
	int i;

	for (i = 0; i < 4; i++) {
		if (states[i] == RG_STATE_HALTED)
			return _rg_reject(c, halted[i], 0, 0);
		if (states[i] == RG_STATE_REDUCING && !_rg_reduces(c))
			return _rg_reject(c, RG_REJ_REDUCE_ONLY, 0, c->pos != NULL ? c->pos->qty_e8 : 0);
	}
	return RG_REJ_NONE;
}

static inline enum rg_reject_reason _rg_check_state(struct _rg_ctx *c)
{
	unsigned any;

	if (RG_UNLIKELY(c->r->kill))
		return _rg_reject(c, RG_REJ_KILL_SWITCH, 0, 0);
	any = (unsigned)c->r->instance_state | c->acct->state | c->st->state | (c->sym != NULL ? c->sym->state : 0u);
	if (RG_LIKELY(any == RG_STATE_ACTIVE))
		return RG_REJ_NONE;
	return _rg_check_state_slow(c);
}

/* ---- 2a. message structure ---------------------------------------------- */

static inline enum rg_reject_reason _rg_check_message(struct _rg_ctx *c)
{
	const struct rg_order *o = c->o;
	uint64_t reserved;

	memcpy(&reserved, o->reserved, sizeof(reserved));
	if (RG_UNLIKELY(reserved != 0 || o->client_order_id == 0))
		return _rg_reject(c, RG_REJ_MALFORMED, 0, 0);
	if (RG_UNLIKELY(o->kind != RG_ORDER_NEW && o->kind != RG_ORDER_REPLACE))
		return _rg_reject(c, RG_REJ_BAD_KIND, 0, o->kind);
	if (RG_UNLIKELY((unsigned)o->side - 1u > 1u))
		return _rg_reject(c, RG_REJ_BAD_SIDE, 0, o->side);
	if (RG_UNLIKELY((unsigned)o->type - 1u > 1u))
		return _rg_reject(c, RG_REJ_BAD_ORDER_TYPE, 0, o->type);
	if (RG_UNLIKELY((unsigned)o->tif - 1u > 3u))
		return _rg_reject(c, RG_REJ_BAD_TIF, 0, o->tif);
	if (RG_UNLIKELY(o->qty_e8 <= 0))
		return _rg_reject(c, RG_REJ_BAD_QTY, 0, o->qty_e8);
	if (RG_UNLIKELY(c->market ? o->price_e8 != 0 : o->price_e8 <= 0))
		return _rg_reject(c, RG_REJ_BAD_PRICE, 0, o->price_e8);
	if (RG_UNLIKELY(rg_open_orders_find(&c->st->orders, o->client_order_id, &c->slot) != NULL))
		return _rg_reject(c, RG_REJ_DUPLICATE_CLORDID, 0, (int64_t)o->client_order_id);
	if (o->kind == RG_ORDER_REPLACE) {
		if (c->orig == NULL)
			return _rg_reject(c, RG_REJ_UNKNOWN_ORDER, 0, (int64_t)o->orig_client_order_id);
		if (c->orig->symbol != o->symbol_id || c->orig->side != o->side)
			return _rg_reject(c, RG_REJ_MALFORMED, 0, 0);
	}
	return RG_REJ_NONE;
}

/* ---- 3. symbol whitelist ------------------------------------------------ */

static inline enum rg_reject_reason _rg_check_whitelist(struct _rg_ctx *c)
{
	if (RG_UNLIKELY(c->sym == NULL))
		return _rg_reject(c, RG_REJ_UNKNOWN_SYMBOL, c->r->n_symbols, c->o->symbol_id);
	if (RG_UNLIKELY(!c->sym->enabled))
		return _rg_reject(c, RG_REJ_SYMBOL_DISABLED, 0, c->o->symbol_id);
	if (RG_UNLIKELY(!((c->sym->permitted_accounts >> c->st->account) & 1u)))
		return _rg_reject(c, RG_REJ_SYMBOL_NOT_PERMITTED, 0, c->o->symbol_id);
	return RG_REJ_NONE;
}

/* ---- 2b. structure against the symbol ----------------------------------- */

static inline enum rg_reject_reason _rg_check_symbol_structure(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	int64_t q = c->o->qty_e8, p = c->o->price_e8;

	if (RG_UNLIKELY(c->market && !s->market_allowed))
		return _rg_reject(c, RG_REJ_MARKET_NOT_ALLOWED, 0, 0);
	if (RG_UNLIKELY(!rg_divisible((uint64_t)q, &s->lot)))
		return _rg_reject(c, RG_REJ_LOT_SIZE, s->lot_e8, q);
	if (RG_UNLIKELY(q < s->min_qty_e8))
		return _rg_reject(c, RG_REJ_QTY_OUT_OF_RANGE, s->min_qty_e8, q);
	if (RG_UNLIKELY(q > s->max_qty_e8))
		return _rg_reject(c, RG_REJ_QTY_OUT_OF_RANGE, s->max_qty_e8, q);
	if (!c->market) {
		if (RG_UNLIKELY(!rg_divisible((uint64_t)p, &s->tick)))
			return _rg_reject(c, RG_REJ_TICK_SIZE, s->tick_e8, p);
		if (RG_UNLIKELY(p < s->min_price_e8))
			return _rg_reject(c, RG_REJ_PRICE_OUT_OF_RANGE, s->min_price_e8, p);
		if (RG_UNLIKELY(p > s->max_price_e8))
			return _rg_reject(c, RG_REJ_PRICE_OUT_OF_RANGE, s->max_price_e8, p);
	}
	return RG_REJ_NONE;
}

/* ---- 4. size ------------------------------------------------------------ */

/* Sets value_price_e8 and notional_e8; false when a market order has no
 * usable reference yet (area 5 refuses it) or the notional overflows
 * (notional_e8 = -1). */
static inline bool _rg_value_order(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;

	if (!c->market) {
		c->value_price_e8 = c->o->price_e8;
	} else {
		if (!_rg_ref_fresh(c)) {
			c->notional_e8 = 0;
			return false;
		}
		c->value_price_e8 = s->collar_bps != 0 ? s->collar_hi_e8 : s->ref_price_e8;
	}
	if (RG_UNLIKELY(!rg_notional_e8(c->o->qty_e8, c->value_price_e8, &c->notional_e8))) {
		c->notional_e8 = -1;
		return false;
	}
	return true;
}

static inline enum rg_reject_reason _rg_check_size(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	const struct rg_account_state *a = c->acct;
	int64_t q = c->o->qty_e8, n;

	if (RG_UNLIKELY(q > s->max_order_qty_e8))
		return _rg_reject(c, RG_REJ_MAX_ORDER_QTY, s->max_order_qty_e8, q);
	if (RG_UNLIKELY(!_rg_value_order(c))) {
		if (c->notional_e8 < 0)
			return _rg_reject(c, RG_REJ_ARITH_OVERFLOW, INT64_MAX, q);
		return RG_REJ_NONE; /* market order without a reference: area 5 refuses it */
	}
	n = c->notional_e8;
	if (RG_UNLIKELY(n < s->min_notional_e8))
		return _rg_reject(c, RG_REJ_MIN_NOTIONAL, s->min_notional_e8, n);
	if (RG_UNLIKELY(n > s->max_notional_e8))
		return _rg_reject(c, RG_REJ_MAX_NOTIONAL, s->max_notional_e8, n);
	if (RG_UNLIKELY(n < a->min_notional_e8))
		return _rg_reject(c, RG_REJ_MIN_NOTIONAL, a->min_notional_e8, n);
	if (RG_UNLIKELY(n > a->max_notional_e8))
		return _rg_reject(c, RG_REJ_MAX_NOTIONAL, a->max_notional_e8, n);
	return RG_REJ_NONE;
}

/* ---- 5. reference price and collar -------------------------------------- */

static inline enum rg_reject_reason _rg_check_collar(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	uint64_t age;
	int64_t p = c->o->price_e8;

	if (RG_UNLIKELY(s->ref_price_e8 <= 0))
		return _rg_reject(c, RG_REJ_NO_REFERENCE_PRICE, 0, 0);
	age = c->now > s->ref_ts_ns ? c->now - s->ref_ts_ns : 0;
	if (RG_UNLIKELY(age > c->r->reference_max_age_ns))
		return _rg_reject(c, RG_REJ_STALE_REFERENCE_PRICE, (int64_t)c->r->reference_max_age_ns,
				  age > INT64_MAX ? INT64_MAX : (int64_t)age);
	if (!c->market) {
		if (RG_UNLIKELY(p < s->collar_lo_e8))
			return _rg_reject(c, RG_REJ_PRICE_COLLAR, s->collar_lo_e8, p);
		if (RG_UNLIKELY(p > s->collar_hi_e8))
			return _rg_reject(c, RG_REJ_PRICE_COLLAR, s->collar_hi_e8, p);
	}
	return RG_REJ_NONE;
}

/* ---- 6. exposure -------------------------------------------------------- */

static inline enum rg_reject_reason _rg_check_exposure(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	const struct rg_position *p = c->pos;
	const struct rg_account_state *a = c->acct;
	int64_t q = c->o->qty_e8, n = c->notional_e8, side_open = c->buy ? p->open_buy_qty_e8 : p->open_sell_qty_e8;
	int64_t e, en;
	__int128 side, gross, delta;

	/* What the commit will write; an overflow here refuses even a reducing order. */
	if (RG_UNLIKELY(!rg_add_i64(side_open, q, &c->new_open_side_e8) ||
			!rg_add_i64(a->open_notional_e8, n, &c->new_acct_open_e8) ||
			!rg_add_i64(c->r->global_gross_e8, n, &c->new_global_e8)))
		return _rg_reject(c, RG_REJ_ARITH_OVERFLOW, INT64_MAX, n);
	if (_rg_reduces(c))
		return RG_REJ_NONE;
	/* Not reducing, so the side ends away from zero: its magnitude is > 0. */
	side = c->buy ? (__int128)p->qty_e8 + side_open - c->orig_leaves_e8 + q
		      : -((__int128)p->qty_e8 - side_open + c->orig_leaves_e8 - q);
	if (RG_UNLIKELY(side > INT64_MAX))
		return _rg_reject(c, RG_REJ_ARITH_OVERFLOW, INT64_MAX, INT64_MAX);
	e = (int64_t)side;
	if (RG_UNLIKELY(e > s->max_position_qty_e8))
		return _rg_reject(c, RG_REJ_MAX_POSITION_QTY, s->max_position_qty_e8, e);
	if (RG_UNLIKELY(!rg_notional_e8(e, s->ref_price_e8, &en)))
		return _rg_reject(c, RG_REJ_ARITH_OVERFLOW, INT64_MAX, e);
	if (RG_UNLIKELY(en > s->max_position_notional_e8))
		return _rg_reject(c, RG_REJ_MAX_POSITION_NOTIONAL, s->max_position_notional_e8, en);
	if (RG_UNLIKELY(en > a->position_equity_limit_e8))
		return _rg_reject(c, RG_REJ_POSITION_EQUITY_PCT, a->position_equity_limit_e8, en);
	delta = (__int128)n - c->orig_reserved_e8;
	gross = (__int128)a->gross_position_e8 + a->open_notional_e8 + delta;
	if (RG_UNLIKELY(gross > a->gross_limit_e8))
		return _rg_reject(c, RG_REJ_ACCOUNT_GROSS_EXPOSURE, a->gross_limit_e8, _rg_clamp_i128(gross));
	gross = (__int128)c->r->global_gross_e8 + delta;
	if (RG_UNLIKELY(gross > c->r->global_gross_limit_e8))
		return _rg_reject(c, RG_REJ_GLOBAL_GROSS_EXPOSURE, c->r->global_gross_limit_e8, _rg_clamp_i128(gross));
	return RG_REJ_NONE;
}

/* ---- 7. daily loss and drawdown ----------------------------------------- */

static inline enum rg_reject_reason _rg_check_loss(struct _rg_ctx *c)
{
	const struct rg_account_state *a = c->acct;

	if (RG_LIKELY(a->loss_state == RG_STATE_ACTIVE))
		return RG_REJ_NONE;
	if (a->loss_state == RG_STATE_HALTED || !_rg_reduces(c))
		return _rg_reject(c, (enum rg_reject_reason)a->loss_reason,
				  a->loss_reason == RG_REJ_DRAWDOWN ? a->drawdown_limit_e8 : -a->loss_limit_e8,
				  a->loss_reason == RG_REJ_DRAWDOWN ? a->peak_equity_e8 - (a->equity_sod_e8 + a->day_pnl_e8)
								    : a->day_pnl_e8);
	return RG_REJ_NONE;
}

/* ---- 8. rates ----------------------------------------------------------- */

static inline enum rg_reject_reason _rg_check_rates(struct _rg_ctx *c)
{
	const struct rg_strategy_state *st = c->st;

	if (c->o->kind == RG_ORDER_NEW) {
		if (RG_UNLIKELY(!rg_gcra_conforms(&st->order_rate, c->now)))
			return _rg_reject(c, RG_REJ_ORDER_RATE, (int64_t)st->order_rate.interval_ns,
					  (int64_t)(rg_gcra_next_ns(&st->order_rate, c->now) - c->now));
		if (RG_UNLIKELY(c->acct->orders_today >= c->acct->max_orders_per_day))
			return _rg_reject(c, RG_REJ_DAILY_ORDER_COUNT, c->acct->max_orders_per_day,
					  (int64_t)c->acct->orders_today + 1);
	}
	if (RG_UNLIKELY(!rg_gcra_conforms(&st->message_rate, c->now)))
		return _rg_reject(c, RG_REJ_MESSAGE_RATE, (int64_t)st->message_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&st->message_rate, c->now) - c->now));
	if (RG_UNLIKELY(st->throttle_latched))
		return _rg_reject(c, RG_REJ_EXECUTION_THROTTLE, st->fills.capacity, st->fills.count);
	if (RG_UNLIKELY(st->orders.count >= st->orders.max_count))
		return _rg_reject(c, RG_REJ_MAX_OPEN_ORDERS, st->orders.max_count, st->orders.count);
	return RG_REJ_NONE;
}

/* ---- 9. circuit breaker ------------------------------------------------- */

static inline enum rg_reject_reason _rg_check_breaker(struct _rg_ctx *c)
{
	const struct rg_breaker *b = &c->r->venues[c->sym->venue].breaker;

	if (RG_UNLIKELY(!rg_breaker_admits(b, c->now, &c->probe)))
		return _rg_reject(c, RG_REJ_CIRCUIT_OPEN, (int64_t)b->recovery_ns,
				  (int64_t)(c->now - b->opened_ns) < 0 ? 0 : (int64_t)(c->now - b->opened_ns));
	return RG_REJ_NONE;
}

/* ---- 10. duplicate order ------------------------------------------------ */

static inline struct rg_dup_entry *_rg_dup_set(const struct rg_strategy_state *st, const struct rg_order *o)
{
	uint64_t h = (uint64_t)o->price_e8 * 0x9E3779B97F4A7C15ull + (uint64_t)o->qty_e8;

	h ^= ((uint64_t)o->symbol_id << 2) | o->side;
	h *= 0xBF58476D1CE4E5B9ull;
	return &st->dup[(h >> (64 - 8)) * RG_DUP_WAYS];
}

_Static_assert(RG_DUP_SETS == 256, "_rg_dup_set takes 8 bits");

static inline enum rg_reject_reason _rg_check_duplicate(struct _rg_ctx *c)
{
	const struct rg_strategy_state *st = c->st;
	const struct rg_order *o = c->o;
	const struct rg_dup_entry *set;
	unsigned w;

	if (o->kind != RG_ORDER_NEW || st->duplicate_window_ns == 0)
		return RG_REJ_NONE;
	set = _rg_dup_set(st, o);
	for (w = 0; w < RG_DUP_WAYS; w++) {
		const struct rg_dup_entry *e = &set[w];
		/* qty_e8 == 0 marks an empty entry: no order has quantity 0. */
		if (e->qty_e8 == o->qty_e8 && e->price_e8 == o->price_e8 && e->symbol == o->symbol_id &&
		    e->side == o->side && c->now - e->ts_ns < st->duplicate_window_ns)
			return _rg_reject(c, RG_REJ_DUPLICATE_ORDER, (int64_t)st->duplicate_window_ns,
					  (int64_t)(c->now - e->ts_ns));
	}
	return RG_REJ_NONE;
}

static inline void _rg_dup_record(struct _rg_ctx *c)
{
	struct rg_dup_entry *set = _rg_dup_set(c->st, c->o), *victim = &set[0];
	unsigned w;

	for (w = 1; w < RG_DUP_WAYS; w++)
		if (set[w].qty_e8 == 0 || set[w].ts_ns < victim->ts_ns)
			victim = &set[w];
	victim->price_e8 = c->o->price_e8;
	victim->qty_e8 = c->o->qty_e8;
	victim->ts_ns = c->now;
	victim->symbol = c->o->symbol_id;
	victim->side = c->o->side;
}

/* ---- commit ------------------------------------------------------------- */

static inline void _rg_commit(struct _rg_ctx *c)
{
	const struct rg_order *o = c->o;
	struct rg_strategy_state *st = c->st;
	struct rg_open_order *e = c->slot;
	uint64_t seq = ++c->r->next_seq;

	e->client_order_id = o->client_order_id;
	e->replaces = o->kind == RG_ORDER_REPLACE ? o->orig_client_order_id : 0;
	e->engine_seq = seq;
	e->leaves_qty_e8 = o->qty_e8;
	e->price_e8 = c->value_price_e8;
	e->reserved_notional_e8 = c->notional_e8;
	e->symbol = o->symbol_id;
	e->venue = c->sym->venue;
	e->side = o->side;
	e->flags = c->market ? RG_OO_MARKET : 0;
	st->orders.count++;
	if (c->buy)
		c->pos->open_buy_qty_e8 = c->new_open_side_e8;
	else
		c->pos->open_sell_qty_e8 = c->new_open_side_e8;
	c->acct->open_notional_e8 = c->new_acct_open_e8;
	c->r->global_gross_e8 = c->new_global_e8;
	if (o->kind == RG_ORDER_NEW) {
		c->acct->orders_today++;
		rg_gcra_consume(&st->order_rate, c->now);
		if (st->duplicate_window_ns != 0)
			_rg_dup_record(c);
	}
	rg_gcra_consume(&st->message_rate, c->now);
	if (RG_UNLIKELY(c->probe))
		rg_breaker_take_probe(&c->r->venues[e->venue].breaker, c->now);
	c->out->reason = RG_REJ_NONE;
	c->out->engine_seq = seq;
	c->out->venue = e->venue;
	c->out->probe = c->probe;
}

/* ---- cancel ------------------------------------------------------------- */

static enum rg_reject_reason _rg_decide_cancel(struct _rg_ctx *c)
{
	const struct rg_order *o = c->o;
	struct rg_open_order *target;
	uint64_t reserved;

	memcpy(&reserved, o->reserved, sizeof(reserved));
	if (reserved != 0 || o->client_order_id == 0)
		return _rg_reject(c, RG_REJ_MALFORMED, 0, 0);
	target = o->orig_client_order_id != 0 ? rg_open_orders_find(&c->st->orders, o->orig_client_order_id, NULL)
					      : NULL;
	if (target == NULL)
		return _rg_reject(c, RG_REJ_UNKNOWN_ORDER, 0, (int64_t)o->orig_client_order_id);
	c->out->symbol = target->symbol;
	if (!rg_gcra_conforms(&c->st->message_rate, c->now))
		return _rg_reject(c, RG_REJ_MESSAGE_RATE, (int64_t)c->st->message_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&c->st->message_rate, c->now) - c->now));
	rg_gcra_consume(&c->st->message_rate, c->now);
	target->flags |= RG_OO_CANCEL_PENDING;
	c->out->reason = RG_REJ_NONE;
	c->out->engine_seq = target->engine_seq;
	c->out->venue = target->venue;
	return RG_REJ_NONE;
}

/* ---- entry points ------------------------------------------------------- */

static inline void _rg_ctx_init(struct _rg_ctx *c, struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
				uint64_t now_ns, struct rg_decision *out)
{
	c->r = r;
	c->o = o;
	c->out = out;
	c->now = now_ns;
	c->st = &r->strategies[strategy];
	c->acct = &r->accounts[c->st->account];
	c->market = o->type == RG_TYPE_MARKET;
	c->buy = o->side == RG_SIDE_BUY;
	c->probe = false;
	c->reduces = -1;
	c->slot = NULL;
	c->orig = NULL;
	c->orig_leaves_e8 = 0;
	c->orig_reserved_e8 = 0;
	c->notional_e8 = 0;
	c->value_price_e8 = 0;
	if (RG_LIKELY(o->symbol_id < r->n_symbols)) {
		c->sym = &r->symbols[o->symbol_id];
		c->pos = rg_risk_position(r, c->st->account, o->symbol_id);
	} else {
		c->sym = NULL;
		c->pos = NULL;
	}
	if (o->kind == RG_ORDER_REPLACE && o->orig_client_order_id != 0) {
		c->orig = rg_open_orders_find(&c->st->orders, o->orig_client_order_id, NULL);
		if (c->orig != NULL && c->orig->symbol == o->symbol_id && c->orig->side == o->side) {
			c->orig_leaves_e8 = c->orig->leaves_qty_e8;
			c->orig_reserved_e8 = c->orig->reserved_notional_e8;
		}
	}
	out->reason = RG_REJ_NONE;
	out->venue = 0;
	out->symbol = o->symbol_id;
	out->engine_seq = 0;
	out->limit = 0;
	out->value = 0;
	out->probe = false;
}

__attribute__((hot)) enum rg_reject_reason rg_risk_check_order(struct rg_risk *r, uint32_t strategy,
							       const struct rg_order *o, uint64_t now_ns,
							       struct rg_decision *out)
{
	struct _rg_ctx c;

	if (RG_UNLIKELY(now_ns >= r->day_roll_mono_ns))
		_rg_risk_roll_due(r, now_ns);
	if (RG_UNLIKELY(strategy >= r->n_strategies)) {
		memset(out, 0, sizeof(*out));
		out->reason = RG_REJ_MALFORMED;
		return RG_REJ_MALFORMED;
	}
	_rg_ctx_init(&c, r, strategy, o, now_ns, out);
	if (RG_UNLIKELY(o->kind == RG_ORDER_CANCEL))
		return _rg_decide_cancel(&c);
	RG_TRY(_rg_check_state(&c));
	RG_TRY(_rg_check_message(&c));
	RG_TRY(_rg_check_whitelist(&c));
	RG_TRY(_rg_check_symbol_structure(&c));
	RG_TRY(_rg_check_size(&c));
	RG_TRY(_rg_check_collar(&c));
	RG_TRY(_rg_check_exposure(&c));
	RG_TRY(_rg_check_loss(&c));
	RG_TRY(_rg_check_rates(&c));
	RG_TRY(_rg_check_breaker(&c));
	RG_TRY(_rg_check_duplicate(&c));
	_rg_commit(&c);
	return RG_REJ_NONE;
}

enum rg_reject_reason rg_risk_check_area(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					 uint64_t now_ns, unsigned area, struct rg_decision *out)
{
	struct _rg_ctx c;

	if (strategy >= r->n_strategies) {
		memset(out, 0, sizeof(*out));
		out->reason = RG_REJ_MALFORMED;
		return RG_REJ_MALFORMED;
	}
	_rg_ctx_init(&c, r, strategy, o, now_ns, out);
	if (area == 1)
		return _rg_check_state(&c);
	if (area == 2) {
		RG_TRY(_rg_check_message(&c));
		if (c.sym == NULL)
			return _rg_reject(&c, RG_REJ_MALFORMED, 0, 0);
		return _rg_check_symbol_structure(&c);
	}
	if (area == 3)
		return _rg_check_whitelist(&c);
	if (c.sym == NULL || area > 10 || area == 0 || (unsigned)o->side - 1u > 1u || o->qty_e8 <= 0)
		return _rg_reject(&c, RG_REJ_MALFORMED, 0, 0);
	if (area == 4)
		return _rg_check_size(&c);
	if (!_rg_value_order(&c) && area == 6)
		return _rg_reject(&c, RG_REJ_MALFORMED, 0, 0);
	switch (area) {
	case 5: return _rg_check_collar(&c);
	case 6: return _rg_check_exposure(&c);
	case 7: return _rg_check_loss(&c);
	case 8: return _rg_check_rates(&c);
	case 9: return _rg_check_breaker(&c);
	default: return _rg_check_duplicate(&c);
	}
}
