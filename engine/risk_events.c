/*
 * Risk state updates from everything that is not an order: venue events,
 * reference prices, the trading-day boundary, operator controls (contracts in
 * risk_events.h).
 *
 * These run on the engine thread between orders, so they are written to be
 * cheap and allocation-free, but clarity wins over cycles here: position
 * arithmetic goes through 128-bit intermediates and every sum is checked.
 * Two invariants hold after every function:
 *   - each position's open_buy/open_sell equals the sum of the leaves of the
 *     account's live orders on that side, and each account's
 *     open_notional_e8 the sum of their reserved notional;
 *   - global_gross_e8 = sum over accounts of gross_position_e8 + open_notional_e8.
 * tests/engine/test_checks_events.c and the fuzz target check both.
 */
#include "risk_events.h"

#include "self_match.h"

#include <riskgate/msg.h>

#include "position.h"

static int64_t _rg_clamp(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (int64_t)v;
}

static inline void _rg_roll_if_due(struct rg_risk *r, uint64_t now_ns)
{
	if (__builtin_expect(now_ns >= r->day_roll_mono_ns, 0))
		_rg_risk_roll_due(r, now_ns);
}

/* The account can no longer be valued: stop it (fail closed). */
__attribute__((cold)) static void _rg_fault(struct rg_account_state *a)
{
	a->state = RG_STATE_HALTED;
	a->arith_faults++;
}

static void _rg_latch_loss(struct rg_account_state *a, enum rg_reject_reason why)
{
	if (a->breach_state > a->loss_state) {
		a->loss_state = a->breach_state;
		a->loss_reason = (uint16_t)why;
	}
}

/* Recomputes the day's PnL and equity peak and latches a breach. */
static void _rg_eval_loss(struct rg_account_state *a)
{
	int64_t equity;

	a->day_pnl_e8 = _rg_clamp((__int128)a->realized_today_e8 + a->upnl_e8 - a->upnl_sod_e8);
	equity = _rg_clamp((__int128)a->equity_sod_e8 + a->day_pnl_e8);
	if (equity > a->peak_equity_e8)
		a->peak_equity_e8 = equity;
	if (a->loss_limit_on && a->day_pnl_e8 <= -a->loss_limit_e8)
		_rg_latch_loss(a, RG_REJ_DAILY_LOSS);
	else if (a->drawdown_limit_on && (__int128)a->peak_equity_e8 - equity > a->drawdown_limit_e8)
		_rg_latch_loss(a, RG_REJ_DRAWDOWN);
}

/* Re-marks one position at the symbol's reference (its average cost when
 * there is none) and carries the change into the account and global sums. */
static bool _rg_mark(struct rg_risk *r, struct rg_account_state *a, struct rg_position *p,
		     const struct rg_symbol_state *s)
{
	int64_t mark = s->ref_price_e8 > 0 ? s->ref_price_e8 : p->avg_price_e8;
	int64_t upnl = 0, gross = 0, du, dg, a_upnl, a_gross, global;

	/* All or nothing: on overflow the sums keep their old, consistent values
	 * (__builtin_*_overflow stores the wrapped result, so only temporaries). */
	if (p->qty_e8 != 0 && (!rg_pnl_e8(p->qty_e8, p->avg_price_e8, mark, &upnl) ||
			       !rg_notional_e8(rg_abs_i64(p->qty_e8), mark, &gross)))
		return false;
	dg = gross - p->gross_notional_e8; /* both >= 0: cannot overflow */
	if (!rg_sub_i64(upnl, p->upnl_e8, &du) || !rg_add_i64(a->upnl_e8, du, &a_upnl) ||
	    !rg_add_i64(a->gross_position_e8, dg, &a_gross) || !rg_add_i64(r->global_gross_e8, dg, &global))
		return false;
	a->upnl_e8 = a_upnl;
	a->gross_position_e8 = a_gross;
	r->global_gross_e8 = global;
	p->upnl_e8 = upnl;
	p->gross_notional_e8 = gross;
	return true;
}

/* Shrinks a live order's leaves to new_leaves (<= leaves) and releases the
 * difference from its side, its account and the global gross. */
static void _rg_release(struct rg_risk *r, struct rg_strategy_state *st, struct rg_open_order *e, int64_t new_leaves)
{
	int64_t new_res = 0;

	if (new_leaves > 0 && !rg_notional_e8(new_leaves, e->price_e8, &new_res))
		new_res = e->reserved_notional_e8; /* cannot happen: new_leaves < leaves fitted before */
	if (new_res > e->reserved_notional_e8)
		new_res = e->reserved_notional_e8;
	rg_risk_unreserve(r, st->account, e, e->leaves_qty_e8 - new_leaves, e->reserved_notional_e8 - new_res);
	e->leaves_qty_e8 = new_leaves;
	e->reserved_notional_e8 = new_res;
}

static void _rg_remove(struct rg_risk *r, struct rg_strategy_state *st, struct rg_open_order *e)
{
	_rg_release(r, st, e, 0);
	if (e->flags & RG_OO_SMP)
		rg_smp_remove(r, st->index, e);
	rg_open_orders_remove(&st->orders, e);
}

/* A replacement the venue took: its target is gone.  Invalidates pointers
 * into the table. */
static void _rg_complete_replace(struct rg_risk *r, struct rg_strategy_state *st, struct rg_open_order *e)
{
	uint64_t target = e->replaces;
	struct rg_open_order *t;

	e->replaces = 0;
	t = rg_open_orders_find(&st->orders, target, NULL);
	if (t != NULL)
		_rg_remove(r, st, t);
}

static struct rg_open_order *_rg_find(struct rg_risk *r, uint32_t strategy, uint64_t id, struct rg_strategy_state **st)
{
	if (strategy >= r->n_strategies || id == 0)
		return NULL;
	*st = &r->strategies[strategy];
	return rg_open_orders_find(&(*st)->orders, id, NULL);
}

bool rg_risk_on_ack(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e;
	uint16_t venue;

	_rg_roll_if_due(r, now_ns);
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL)
		return false;
	e->flags |= RG_OO_ACKED;
	venue = e->venue;
	if (e->replaces != 0)
		_rg_complete_replace(r, st, e);
	rg_breaker_on_success(&r->venues[venue].breaker, now_ns);
	return true;
}

bool rg_risk_on_fill(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, int64_t qty_e8,
		     int64_t price_e8, int64_t leaves_e8, uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e;
	struct rg_account_state *a;
	struct rg_position *p;
	int64_t realized = 0, realized_today, remaining;
	uint32_t symbol;
	uint16_t venue;

	_rg_roll_if_due(r, now_ns);
	if (qty_e8 <= 0 || price_e8 <= 0)
		return false;
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL)
		return false;
	if (e->replaces != 0) {
		_rg_complete_replace(r, st, e);
		e = rg_open_orders_find(&st->orders, client_order_id, NULL);
	}
	e->flags |= RG_OO_ACKED;
	symbol = e->symbol;
	venue = e->venue;
	a = &r->accounts[st->account];
	if (r->credit != NULL) { /* venue credit: what is filled stays used for the day */
		struct rg_credit *cr = rg_risk_credit(r, st->account, venue);
		int64_t n, f;
		cr->filled_e8 = rg_notional_e8(qty_e8, price_e8, &n) && rg_add_i64(cr->filled_e8, n, &f) ? f : INT64_MAX;
	}
	if (st->extra != 0) { /* order-to-trade: a fill raises the allowance */
		rg_otr_on_fill(&st->otr_day);
		if (st->extra & RG_OTR_ACCOUNT)
			rg_otr_on_fill(&a->otr_day);
	}
	p = rg_risk_position(r, st->account, symbol);

	/* Position, average cost, realized PnL. */
	if (!rg_position_apply_fill(&p->qty_e8, &p->avg_price_e8, e->side == RG_SIDE_BUY ? qty_e8 : -qty_e8, price_e8,
				    &realized) ||
	    !rg_add_i64(a->realized_today_e8, realized, &realized_today))
		_rg_fault(a);
	else
		a->realized_today_e8 = realized_today;


	/* Reservation: never grows on a fill. */
	remaining = e->leaves_qty_e8 > qty_e8 ? e->leaves_qty_e8 - qty_e8 : 0;
	if (leaves_e8 < remaining)
		remaining = leaves_e8 > 0 ? leaves_e8 : 0;
	if (remaining == 0)
		_rg_remove(r, st, e);
	else
		_rg_release(r, st, e, remaining);

	if (!_rg_mark(r, a, p, &r->symbols[symbol]))
		_rg_fault(a);
	_rg_eval_loss(a);

	if (rg_event_window_record(&st->fills, now_ns, st->exec_window_ns) && !st->throttle_latched) {
		st->throttle_latched = 1;
		st->throttle_trips++;
	}
	rg_breaker_on_success(&r->venues[venue].breaker, now_ns);
	return true;
}

void rg_risk_order_never_sent(struct rg_risk *r, uint32_t strategy)
{
	struct rg_account_state *a = &r->accounts[r->strategies[strategy].account];

	if (a->orders_today != 0)
		a->orders_today--;
}

bool rg_risk_on_cancelled(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e;

	_rg_roll_if_due(r, now_ns);
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL)
		return false;
	_rg_remove(r, st, e);
	return true;
}

bool rg_risk_on_venue_reject(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e;
	uint16_t venue;

	_rg_roll_if_due(r, now_ns);
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL)
		return false;
	venue = e->venue;
	_rg_remove(r, st, e);
	rg_breaker_on_failure(&r->venues[venue].breaker, now_ns);
	return true;
}

bool rg_risk_on_replaced(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, int64_t leaves_e8,
			 uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e, *t;
	uint16_t venue;

	_rg_roll_if_due(r, now_ns);
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL)
		return false;
	if (e->replaces != 0 && (t = rg_open_orders_find(&st->orders, e->replaces, NULL)) != NULL) {
		_rg_remove(r, st, t);
		e = rg_open_orders_find(&st->orders, client_order_id, NULL); /* the removal may move it */
	}
	e->replaces = 0;
	e->flags |= RG_OO_ACKED;
	venue = e->venue;
	if (leaves_e8 <= 0)
		_rg_remove(r, st, e);
	else if (leaves_e8 < e->leaves_qty_e8)
		_rg_release(r, st, e, leaves_e8);
	rg_breaker_on_success(&r->venues[venue].breaker, now_ns);
	return true;
}

bool rg_risk_on_replace_rejected(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, bool *target_live,
				 uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e, *t;
	uint64_t target;

	_rg_roll_if_due(r, now_ns);
	*target_live = false;
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL || e->replaces == 0)
		return false;
	target = e->replaces;
	_rg_remove(r, st, e);
	if ((t = rg_open_orders_find(&st->orders, target, NULL)) != NULL) {
		t->flags &= (uint8_t)~RG_OO_REPLACE_PENDING;
		*target_live = true;
	}
	return true;
}

bool rg_risk_on_replace_unknown(struct rg_risk *r, uint32_t strategy, uint64_t client_order_id, bool *target_live,
				uint64_t now_ns)
{
	struct rg_strategy_state *st = NULL;
	struct rg_open_order *e, *t;

	*target_live = false;
	e = _rg_find(r, strategy, client_order_id, &st);
	if (e == NULL || e->replaces == 0)
		return false;
	t = rg_open_orders_find(&st->orders, e->replaces, NULL);
	if (t != NULL && t->symbol == e->symbol && t->side == e->side) {
		int64_t more_qty = e->leaves_qty_e8 > t->leaves_qty_e8 ? e->leaves_qty_e8 - t->leaves_qty_e8 : 0;
		int64_t more_notional = e->reserved_notional_e8 > t->reserved_notional_e8
						? e->reserved_notional_e8 - t->reserved_notional_e8
						: 0;
		/* reserved with the replacement's own; released with it below */
		rg_risk_unreserve(r, st->account, t, -more_qty, -more_notional);
		t->leaves_qty_e8 += more_qty;
		t->reserved_notional_e8 += more_notional;
	}
	return rg_risk_on_replace_rejected(r, strategy, client_order_id, target_live, now_ns);
}

bool rg_risk_on_venue_failure(struct rg_risk *r, uint32_t venue, uint64_t now_ns)
{
	if (venue >= r->n_venues)
		return false;
	return rg_breaker_on_failure(&r->venues[venue].breaker, now_ns);
}

bool rg_risk_on_venue_ban(struct rg_risk *r, uint32_t venue, uint64_t now_ns)
{
	if (venue >= r->n_venues)
		return false;
	return rg_breaker_trip(&r->venues[venue].breaker, now_ns);
}

bool rg_risk_on_venue_success(struct rg_risk *r, uint32_t venue, uint64_t now_ns)
{
	if (venue >= r->n_venues)
		return false;
	return rg_breaker_on_success(&r->venues[venue].breaker, now_ns);
}

bool rg_risk_set_reference(struct rg_risk *r, uint32_t symbol, int64_t price_e8, uint64_t now_ns)
{
	struct rg_symbol_state *s;
	uint32_t a;

	if (symbol >= r->n_symbols || price_e8 < 0)
		return false;
	_rg_roll_if_due(r, now_ns);
	s = &r->symbols[symbol];
	_rg_symbol_set_reference(s, price_e8, now_ns);
	for (a = 0; a < r->n_accounts; a++) {
		struct rg_position *p = rg_risk_position(r, a, symbol);
		struct rg_account_state *acct = &r->accounts[a];

		if (p->qty_e8 == 0 && p->gross_notional_e8 == 0 && p->upnl_e8 == 0)
			continue;
		if (!_rg_mark(r, acct, p, s))
			_rg_fault(acct);
		_rg_eval_loss(acct);
	}
	return true;
}

/* ---- trading day ---------------------------------------------------------- */

static void _rg_roll_accounts(struct rg_risk *r)
{
	uint32_t i;

	for (i = 0; i < r->n_strategies; i++)
		rg_otr_reset(&r->strategies[i].otr_day); /* order-to-trade counts are per day */
	for (i = 0; r->credit != NULL && i < r->n_accounts * r->n_venues; i++)
		r->credit[i].filled_e8 = 0; /* venue credit: fills count for their day */
	for (i = 0; i < r->n_accounts; i++) {
		struct rg_account_state *a = &r->accounts[i];

		_rg_eval_loss(a);
		a->equity_sod_e8 = _rg_clamp((__int128)a->equity_sod_e8 + a->day_pnl_e8);
		a->peak_equity_e8 = a->equity_sod_e8;
		a->realized_today_e8 = 0;
		a->upnl_sod_e8 = a->upnl_e8;
		a->day_pnl_e8 = 0;
		a->orders_today = 0;
		rg_otr_reset(&a->otr_day);
		a->loss_state = RG_STATE_ACTIVE;
		a->loss_reason = 0;
		_rg_account_derive_limits(a);
	}
}

bool rg_risk_roll_day(struct rg_risk *r, uint64_t now_ns, uint64_t now_realtime_ns)
{
	int64_t day = rg_risk_day_of(r, now_realtime_ns);
	bool rolled = false;
	uint64_t next_real;

	if (day > r->day_index) {
		_rg_roll_accounts(r);
		r->day_index = day;
		r->day_rolls++;
		rolled = true;
	}
	r->sync_mono_ns = now_ns;
	r->sync_real_ns = now_realtime_ns;
	next_real = (uint64_t)((r->day_index + 1) * 86400 + (int64_t)r->day_start_utc_s) * 1000000000ull;
	r->day_roll_mono_ns = next_real > now_realtime_ns ? now_ns + (next_real - now_realtime_ns) : now_ns + 1;
	return rolled;
}

__attribute__((cold, noinline)) void _rg_risk_roll_due(struct rg_risk *r, uint64_t now_ns)
{
	uint64_t real = r->sync_real_ns + (now_ns - r->sync_mono_ns);

	rg_risk_roll_day(r, now_ns, real);
}

/* ---- operator controls ------------------------------------------------------ */

void rg_risk_set_kill(struct rg_risk *r, bool on)
{
	r->kill = on ? 1 : 0;
}

uint32_t rg_risk_set_kills(struct rg_risk *r, const struct rg_risk_scope *kills, uint32_t n)
{
	uint32_t ignored = 0;

	r->kill = 0;
	for (uint32_t i = 0; i < r->n_accounts; i++)
		r->accounts[i].kill = 0;
	for (uint32_t i = 0; i < r->n_strategies; i++)
		r->strategies[i].kill = 0;
	for (uint32_t i = 0; i < r->n_venues; i++)
		r->venues[i].kill = 0;
	for (uint32_t i = 0; i < r->n_symbols; i++)
		r->symbols[i].kill &= RG_SYM_CLOSED; /* trading hours are not a kill */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t x = kills[k].index;
		switch (kills[k].kind) {
		case RG_RSCOPE_INSTANCE: r->kill = 1; continue;
		case RG_RSCOPE_ACCOUNT: if (x < r->n_accounts) { r->accounts[x].kill = 1; continue; } break;
		case RG_RSCOPE_STRATEGY: if (x < r->n_strategies) { r->strategies[x].kill = 1; continue; } break;
		case RG_RSCOPE_SYMBOL: if (x < r->n_symbols) { r->symbols[x].kill |= RG_KILL_BY_SYMBOL; continue; } break;
		case RG_RSCOPE_VENUE: if (x < r->n_venues) { r->venues[x].kill = 1; continue; } break;
		default: break;
		}
		ignored++;
	}
	for (uint32_t i = 0; i < r->n_symbols; i++)
		if (r->symbols[i].venue < r->n_venues && r->venues[r->symbols[i].venue].kill)
			r->symbols[i].kill |= RG_KILL_BY_VENUE;
	return ignored;
}

bool rg_risk_set_instance_state(struct rg_risk *r, uint8_t state)
{
	if (state > RG_STATE_HALTED)
		return false;
	r->instance_state = state;
	return true;
}

bool rg_risk_set_account_state(struct rg_risk *r, uint32_t account, uint8_t state)
{
	if (account >= r->n_accounts || state > RG_STATE_HALTED)
		return false;
	r->accounts[account].state = state;
	return true;
}

bool rg_risk_set_strategy_state(struct rg_risk *r, uint32_t strategy, uint8_t state)
{
	if (strategy >= r->n_strategies || state > RG_STATE_HALTED)
		return false;
	r->strategies[strategy].state = state;
	return true;
}

bool rg_risk_set_symbol_state(struct rg_risk *r, uint32_t symbol, uint8_t state)
{
	if (symbol >= r->n_symbols || state > RG_STATE_HALTED)
		return false;
	r->symbols[symbol].state = state;
	return true;
}

bool rg_risk_resume_strategy(struct rg_risk *r, uint32_t strategy)
{
	if (strategy >= r->n_strategies)
		return false;
	r->strategies[strategy].throttle_latched = 0;
	rg_event_window_clear(&r->strategies[strategy].fills);
	rg_otr_resume(&r->strategies[strategy].otr_day); /* order-to-trade "halted": the operator lifts it */
	return true;
}

bool rg_risk_reset_breaker(struct rg_risk *r, uint32_t venue)
{
	if (venue >= r->n_venues)
		return false;
	rg_breaker_reset(&r->venues[venue].breaker);
	return true;
}

bool rg_risk_reset_loss(struct rg_risk *r, uint32_t account)
{
	struct rg_account_state *a;

	if (account >= r->n_accounts)
		return false;
	a = &r->accounts[account];
	a->loss_state = RG_STATE_ACTIVE;
	a->loss_reason = 0;
	a->peak_equity_e8 = _rg_clamp((__int128)a->equity_sod_e8 + a->day_pnl_e8);
	return true;
}
