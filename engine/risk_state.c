/*
 * Building the risk state from a configuration: the cold path that runs once
 * at start (and on a reload).  It checks what the order path will rely on
 * without checking again (indexes in range, tick and lot > 0), turns "0 = no
 * limit" into INT64_MAX, precomputes the tick/lot divisors and the
 * equity-derived limits, and allocates every table the state will ever use,
 * so that nothing allocates once orders flow.  Allocation goes through one
 * wrapper (cache-line aligned, zeroed).
 */
#include "risk_state.h"

#include "self_match.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *_rg_risk_alloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (n == 0)
		n = 1;
	if (__builtin_mul_overflow(n, size, &bytes) || bytes > SIZE_MAX - 128)
		return NULL;
	/* 128: struct rg_symbol_state's alignment, the largest of the state's types */
	_Static_assert(_Alignof(struct rg_symbol_state) <= 128, "the risk state's arrays are 128-byte aligned");
	bytes = (bytes + 127) & ~(size_t)127;
	p = aligned_alloc(128, bytes);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

static int _rg_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int64_t _rg_limit_or_none(int64_t v)
{
	return v > 0 ? v : INT64_MAX;
}

int64_t rg_risk_day_of(const struct rg_risk *r, uint64_t realtime_ns)
{
	int64_t s = (int64_t)(realtime_ns / 1000000000ull) - (int64_t)r->day_start_utc_s;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

/* The multiples of d in [lo, hi] as a range of quotients: *k_lo and *span
 * (empty: 0 and 0, which no positive multiple hits). */
static void _rg_k_range(uint64_t d, int64_t lo, int64_t hi, uint64_t *k_lo, uint64_t *span)
{
	uint64_t a = lo > 0 ? ((uint64_t)lo + d - 1) / d : 1, b = hi > 0 ? (uint64_t)hi / d : 0;

	*k_lo = a <= b ? a : 0;
	*span = a <= b ? b - a : 0;
}

void _rg_symbol_derive(struct rg_symbol_state *s)
{
	uint64_t lot = rg_divisor_value(&s->lot), tick = rg_divisor_value(&s->tick);
	int64_t qty_hi = s->max_qty_e8 < s->max_order_qty_e8 ? s->max_qty_e8 : s->max_order_qty_e8;
	int64_t price_lo = s->min_price_e8 > s->collar_lo_e8 ? s->min_price_e8 : s->collar_lo_e8;
	int64_t price_hi = s->max_price_e8 < s->collar_hi_e8 ? s->max_price_e8 : s->collar_hi_e8;

	s->lot_inverse = s->lot.inverse;
	s->lot_shift = (uint8_t)s->lot.shift;
	s->tick_inverse = s->tick.inverse;
	s->tick_shift = (uint8_t)s->tick.shift;
	_rg_k_range(lot, s->min_qty_e8, qty_hi, &s->qty_k_lo, &s->qty_k_span);
	if (s->ref_price_e8 > 0) {
		_rg_k_range(tick, price_lo, price_hi, &s->price_k_lo, &s->price_k_span);
	} else {
		s->price_k_lo = 0;
		s->price_k_span = 0;
	}
	s->ref_fresh_until_ns = s->ref_ts_ns > UINT64_MAX - s->ref_max_age_ns ? UINT64_MAX
										 : s->ref_ts_ns + s->ref_max_age_ns;
}

static void _rg_symbol_set_collar(struct rg_symbol_state *s)
{
	int64_t band = 0;

	s->market_price_e8 = s->ref_price_e8;
	s->max_side_qty_e8 = s->max_position_qty_e8;
	if (s->ref_price_e8 == 0) {
		s->collar_lo_e8 = 0;
		s->collar_hi_e8 = s->collar_bps == 0 ? INT64_MAX : 0;
		return;
	}
	/* e * ref / 10^8 (rounded up) <= L  <=>  e <= floor(L * 10^8 / ref) */
	{
		unsigned __int128 q = (unsigned __int128)(uint64_t)s->max_position_notional_e8 * RG_E8 /
				      (uint64_t)s->ref_price_e8;
		if (q < (unsigned __int128)(uint64_t)s->max_side_qty_e8)
			s->max_side_qty_e8 = (int64_t)q;
	}
	if (s->collar_bps == 0) {
		s->collar_lo_e8 = 0;
		s->collar_hi_e8 = INT64_MAX;
		return;
	}
	if (!rg_bps_of(s->ref_price_e8, s->collar_bps, &band))
		band = INT64_MAX;
	s->collar_lo_e8 = s->ref_price_e8 - band > 0 ? s->ref_price_e8 - band : 0;
	s->collar_hi_e8 = band > INT64_MAX - s->ref_price_e8 ? INT64_MAX : s->ref_price_e8 + band;
	s->market_price_e8 = s->collar_hi_e8;
}

void _rg_symbol_set_reference(struct rg_symbol_state *s, int64_t price_e8, uint64_t now_ns)
{
	s->ref_price_e8 = price_e8 > 0 ? price_e8 : 0;
	s->ref_ts_ns = now_ns;
	_rg_symbol_set_collar(s);
	_rg_symbol_derive(s);
}

void _rg_account_derive_limits(struct rg_account_state *a)
{
	int64_t eq = a->equity_sod_e8 > 0 ? a->equity_sod_e8 : 0, v;

	/* Equity at or below zero leaves every equity fraction at 0: only reducing orders pass. */
	a->position_equity_limit_e8 = INT64_MAX;
	if (a->max_position_equity_bps != 0)
		a->position_equity_limit_e8 = rg_bps_of(eq, a->max_position_equity_bps, &v) ? v : INT64_MAX;
	{
		unsigned __int128 refused = (unsigned __int128)(uint64_t)a->position_equity_limit_e8 * RG_E8 + 1;
		a->position_equity_refused_e16[0] = (uint64_t)refused;
		a->position_equity_refused_e16[1] = (uint64_t)(refused >> 64);
	}
	a->gross_limit_e8 = INT64_MAX;
	if (a->max_gross_equity_bps != 0)
		a->gross_limit_e8 = rg_bps_of(eq, a->max_gross_equity_bps, &v) ? v : INT64_MAX;
	a->loss_limit_on = a->daily_loss_abs_e8 > 0 || a->daily_loss_bps != 0;
	a->loss_limit_e8 = a->daily_loss_abs_e8 > 0 ? a->daily_loss_abs_e8 : INT64_MAX;
	if (a->daily_loss_bps != 0 && rg_bps_of(eq, a->daily_loss_bps, &v) && v < a->loss_limit_e8)
		a->loss_limit_e8 = v;
	a->drawdown_limit_on = a->drawdown_bps != 0;
	a->drawdown_limit_e8 = INT64_MAX;
	if (a->drawdown_bps != 0 && rg_bps_of(eq, a->drawdown_bps, &v))
		a->drawdown_limit_e8 = v;
}

static uint64_t _rg_pow2_at_least(uint64_t v)
{
	uint64_t p = 16;

	while (p < v)
		p <<= 1;
	return p;
}

static int _rg_init_symbols(struct rg_risk *r, const struct rg_config *cfg, uint64_t now_ns, char *err, size_t errlen)
{
	uint32_t i, a, k;

	for (i = 0; i < cfg->n_symbols; i++) {
		const struct rg_symbol_cfg *c = &cfg->symbols[i];
		struct rg_symbol_state *s = &r->symbols[i];

		if (c->tick_e8 <= 0 || c->lot_e8 <= 0)
			return _rg_fail(err, errlen, -EINVAL, "symbols[%u] (%s): tick and lot must be > 0", i, c->name);
		if (c->venue >= cfg->n_venues)
			return _rg_fail(err, errlen, -EINVAL, "symbols[%u] (%s): venue %u out of range (%u venues)", i,
					c->name, c->venue, cfg->n_venues);
		s->state = RG_STATE_ACTIVE;
		s->enabled = c->enabled;
		s->market_allowed = c->market_allowed;
		s->venue = c->venue;
		s->lot = rg_divisor_make((uint64_t)c->lot_e8);
		s->tick = rg_divisor_make((uint64_t)c->tick_e8);
		s->min_qty_e8 = c->min_qty_e8 > 0 ? c->min_qty_e8 : 1;
		s->max_qty_e8 = _rg_limit_or_none(c->max_qty_e8);
		s->min_price_e8 = c->min_price_e8 > 0 ? c->min_price_e8 : 1;
		s->max_price_e8 = _rg_limit_or_none(c->max_price_e8);
		s->max_order_qty_e8 = _rg_limit_or_none(c->max_order_qty_e8);
		s->min_notional_e8 = c->min_notional_e8 > 0 ? c->min_notional_e8 : 0;
		s->max_notional_e8 = _rg_limit_or_none(c->max_notional_e8);
		s->max_position_qty_e8 = _rg_limit_or_none(c->max_position_qty_e8);
		s->max_position_notional_e8 = _rg_limit_or_none(c->max_position_notional_e8);
		s->collar_bps = c->collar_bps;
		s->ref_max_age_ns = r->reference_max_age_ns;
		_rg_symbol_set_reference(s, c->reference_price_e8, now_ns);
	}
	for (a = 0; a < cfg->n_accounts; a++) {
		const struct rg_account_cfg *c = &cfg->accounts[a];

		if (c->all_symbols) {
			for (i = 0; i < cfg->n_symbols; i++)
				r->symbols[i].permitted_accounts |= 1ull << a;
			continue;
		}
		if (c->n_permitted > 0 && c->permitted == NULL)
			return _rg_fail(err, errlen, -EINVAL, "accounts[%u] (%s): permitted list missing", a, c->name);
		for (k = 0; k < c->n_permitted; k++) {
			if (c->permitted[k] >= cfg->n_symbols)
				return _rg_fail(err, errlen, -EINVAL, "accounts[%u] (%s): permitted[%u] = %u out of range",
						a, c->name, k, c->permitted[k]);
			r->symbols[c->permitted[k]].permitted_accounts |= 1ull << a;
		}
	}
	for (i = 0; i < cfg->n_symbols; i++) /* a disabled symbol permits no one (rg_symbol_state) */
		if (!r->symbols[i].enabled)
			r->symbols[i].permitted_accounts = 0;
	return 0;
}

static int _rg_init_accounts(struct rg_risk *r, const struct rg_config *cfg, char *err, size_t errlen)
{
	uint32_t a;

	for (a = 0; a < cfg->n_accounts; a++) {
		const struct rg_account_cfg *c = &cfg->accounts[a];
		struct rg_account_state *s = &r->accounts[a];

		if (c->loss_state != RG_STATE_REDUCING && c->loss_state != RG_STATE_HALTED && c->loss_state != 0)
			return _rg_fail(err, errlen, -EINVAL, "accounts[%u] (%s): loss_state must be REDUCING or HALTED",
					a, c->name);
		s->index = (uint8_t)a;
		s->state = RG_STATE_ACTIVE;
		s->loss_state = RG_STATE_ACTIVE;
		s->max_orders_per_day = c->max_orders_per_day != 0 ? c->max_orders_per_day : UINT32_MAX;
		s->min_notional_e8 = c->min_notional_e8 > 0 ? c->min_notional_e8 : 0;
		s->max_notional_e8 = _rg_limit_or_none(c->max_notional_e8);
		s->equity_sod_e8 = c->equity_e8;
		s->peak_equity_e8 = c->equity_e8;
		/* A config that leaves loss_state at 0 (ACTIVE) gets the default, REDUCING. */
		s->breach_state = c->loss_state == RG_STATE_HALTED ? RG_STATE_HALTED : RG_STATE_REDUCING;
		s->max_position_equity_bps = c->max_position_equity_bps;
		s->max_gross_equity_bps = c->max_gross_equity_bps;
		s->daily_loss_bps = c->daily_loss_bps;
		s->drawdown_bps = c->drawdown_bps;
		s->daily_loss_abs_e8 = c->daily_loss_limit_e8 > 0 ? c->daily_loss_limit_e8 : 0;
		_rg_account_derive_limits(s);
	}
	return 0;
}

static int _rg_init_strategies(struct rg_risk *r, const struct rg_config *cfg, char *err, size_t errlen)
{
	uint32_t i;

	for (i = 0; i < cfg->n_strategies; i++) {
		const struct rg_strategy_cfg *c = &cfg->strategies[i];
		struct rg_strategy_state *s = &r->strategies[i];
		uint32_t max_open = c->max_open_orders != 0 ? c->max_open_orders : RG_DEFAULT_MAX_OPEN_ORDERS;
		uint64_t cap;

		if (c->account >= cfg->n_accounts)
			return _rg_fail(err, errlen, -EINVAL, "strategies[%u] (%s): account %u out of range", i, c->name,
					c->account);
		if (max_open > RG_MAX_OPEN_ORDERS_LIMIT)
			return _rg_fail(err, errlen, -EINVAL, "strategies[%u] (%s): max_open_orders above %u", i,
					c->name, RG_MAX_OPEN_ORDERS_LIMIT);
		if ((c->order_rate.count != 0 && c->order_rate.window_ns == 0) ||
		    (c->message_rate.count != 0 && c->message_rate.window_ns == 0) ||
		    (c->modify_rate.count != 0 && c->modify_rate.window_ns == 0) ||
		    (c->exec_throttle_fills != 0 && c->exec_throttle_window_ns == 0))
			return _rg_fail(err, errlen, -EINVAL, "strategies[%u] (%s): a rate limit has a zero window", i,
					c->name);
		s->index = (uint8_t)i;
		s->account = c->account;
		s->state = RG_STATE_ACTIVE;
		rg_gcra_init(&s->order_rate, c->order_rate.count, c->order_rate.window_ns);
		rg_gcra_init(&s->message_rate, c->message_rate.count, c->message_rate.window_ns);
		rg_gcra_init(&s->modify_rate, c->modify_rate.count, c->modify_rate.window_ns);
		if ((c->order_rate.count != 0 && c->order_rate.kind == RG_RATE_WINDOW &&
		     (s->order_window = rg_rate_window_new(&s->order_rate, c->order_rate.count, c->order_rate.window_ns)) ==
			     NULL) ||
		    (c->message_rate.count != 0 && c->message_rate.kind == RG_RATE_WINDOW &&
		     (s->message_window = rg_rate_window_new(&s->message_rate, c->message_rate.count,
							     c->message_rate.window_ns)) == NULL))
			return _rg_fail(err, errlen, -ENOMEM, "strategies[%u] (%s): out of memory", i, c->name);
		s->duplicate_window_ns = c->duplicate_window_ns;
		rg_otr_init(&s->otr_day, c->otr.ratio, c->otr.floor, c->otr.action);
		s->extra = (uint8_t)((c->otr.ratio != 0 ? RG_OTR_STRATEGY : 0) |
				   (cfg->accounts[c->account].otr.ratio != 0 ? RG_OTR_ACCOUNT : 0));
		rg_otr_init(&r->accounts[c->account].otr_day, cfg->accounts[c->account].otr.ratio,
			    cfg->accounts[c->account].otr.floor, cfg->accounts[c->account].otr.action);
		cap = _rg_pow2_at_least(2ull * max_open);
		if (rg_open_orders_init(&s->orders, (uint32_t)cap, max_open) != 0)
			return _rg_fail(err, errlen, -ENOMEM, "strategies[%u] (%s): out of memory", i, c->name);
		s->dup = _rg_risk_alloc(RG_DUP_SETS, sizeof(struct rg_dup_set));
		s->fills.capacity = c->exec_throttle_fills;
		s->fills.ts_ns = _rg_risk_alloc(c->exec_throttle_fills, sizeof(uint64_t));
		s->exec_window_ns = c->exec_throttle_window_ns;
		if (s->dup == NULL || s->fills.ts_ns == NULL)
			return _rg_fail(err, errlen, -ENOMEM, "strategies[%u] (%s): out of memory", i, c->name);
	}
	return 0;
}

static int _rg_init_venues(struct rg_risk *r, const struct rg_config *cfg, char *err, size_t errlen)
{
	uint32_t v;

	for (v = 0; v < cfg->n_venues; v++) {
		const struct rg_venue_cfg *c = &cfg->venues[v];
		struct rg_breaker *b = &r->venues[v].breaker;

		b->state = RG_BREAKER_CLOSED;
		b->consecutive_limit = c->breaker_consecutive;
		b->recovery_ns = c->breaker_recovery_ns;
		b->hour.capacity = c->breaker_per_hour;
		b->hour.ts_ns = _rg_risk_alloc(c->breaker_per_hour, sizeof(uint64_t));
		if (b->hour.ts_ns == NULL)
			return _rg_fail(err, errlen, -ENOMEM, "venues[%u] (%s): out of memory", v, c->name);
	}
	return 0;
}

/* Venue credit (venue_credit.h): the lines, when any account has a cap. */
static int _rg_init_credit(struct rg_risk *r, const struct rg_config *cfg, char *err, size_t errlen)
{
	bool any = false;

	for (uint32_t s = 0; s < r->n_strategies; s++) /* the shape, the same after a reload */
		r->strategies[s].credit_row = (uint32_t)r->strategies[s].account * cfg->n_venues;
	for (uint32_t a = 0; a < cfg->n_accounts; a++)
		for (uint32_t v = 0; v < cfg->n_venues; v++)
			any |= cfg->accounts[a].venue_credit_e8[v] != 0;
	if (!any)
		return 0;
	r->credit = _rg_risk_alloc((size_t)cfg->n_accounts * cfg->n_venues, sizeof(struct rg_credit));
	if (r->credit == NULL)
		return _rg_fail(err, errlen, -ENOMEM, "out of memory for venue credit");
	for (uint32_t a = 0; a < cfg->n_accounts; a++)
		for (uint32_t v = 0; v < cfg->n_venues; v++)
			rg_risk_credit(r, a, v)->limit_e8 = _rg_limit_or_none(cfg->accounts[a].venue_credit_e8[v]);
	/* Every account's lines are kept, capped or not, so that a cap a
	 * reload gives an account finds its open part exact. */
	for (uint32_t s = 0; s < r->n_strategies; s++)
		r->strategies[s].extra |= RG_CREDIT;
	return 0;
}

int rg_risk_create(struct rg_risk **out, const struct rg_config *cfg, uint64_t now_ns, uint64_t now_realtime_ns,
		   char *err, size_t errlen)
{
	struct rg_risk *r = NULL;
	size_t n_pos;
	int rc;

	*out = NULL;
	if (cfg->n_accounts == 0 || cfg->n_accounts > RG_MAX_ACCOUNTS || cfg->n_strategies > RG_MAX_STRATEGIES ||
	    cfg->n_venues > RG_MAX_VENUES || cfg->n_symbols > RG_MAX_SYMBOLS || (cfg->n_symbols > 0 && cfg->symbols == NULL))
		return _rg_fail(err, errlen, -EINVAL, "counts out of range: %u accounts (1..%u), %u strategies, %u venues, %u symbols",
				cfg->n_accounts, RG_MAX_ACCOUNTS, cfg->n_strategies, cfg->n_venues, cfg->n_symbols);
	if (cfg->day_start_utc_s >= 86400)
		return _rg_fail(err, errlen, -EINVAL, "day_start_utc_s %u is not within a day", cfg->day_start_utc_s);
	r = _rg_risk_alloc(1, sizeof(*r));
	if (r == NULL)
		return _rg_fail(err, errlen, -ENOMEM, "out of memory");
	r->n_accounts = cfg->n_accounts;
	r->n_strategies = cfg->n_strategies;
	r->n_symbols = cfg->n_symbols;
	r->n_venues = cfg->n_venues;
	n_pos = (size_t)cfg->n_symbols * cfg->n_accounts;
	r->symbols = _rg_risk_alloc(cfg->n_symbols, sizeof(struct rg_symbol_state));
	r->positions = _rg_risk_alloc(n_pos, sizeof(struct rg_position));
	r->accounts = _rg_risk_alloc(cfg->n_accounts, sizeof(struct rg_account_state));
	r->strategies = _rg_risk_alloc(cfg->n_strategies, sizeof(struct rg_strategy_state));
	r->venues = _rg_risk_alloc(cfg->n_venues, sizeof(struct rg_venue_state));
	if (r->symbols == NULL || r->positions == NULL || r->accounts == NULL || r->strategies == NULL ||
	    r->venues == NULL) {
		rc = _rg_fail(err, errlen, -ENOMEM, "out of memory for %u symbols x %u accounts", cfg->n_symbols,
			      cfg->n_accounts);
		goto fail;
	}
	r->instance_state = RG_STATE_ACTIVE;
	r->reference_max_age_ns = cfg->reference_max_age_ns != 0 ? cfg->reference_max_age_ns : UINT64_MAX;
	r->global_gross_limit_e8 = _rg_limit_or_none(cfg->global_gross_limit_e8);
	r->day_start_utc_s = cfg->day_start_utc_s;
	if ((rc = _rg_init_venues(r, cfg, err, errlen)) != 0 || (rc = _rg_init_symbols(r, cfg, now_ns, err, errlen)) != 0 ||
	    (rc = _rg_init_accounts(r, cfg, err, errlen)) != 0 || (rc = _rg_init_strategies(r, cfg, err, errlen)) != 0)
		goto fail;
	if ((rc = rg_smp_init(r, cfg)) != 0) {
		rc = _rg_fail(err, errlen, rc, "out of memory for self-match prevention");
		goto fail;
	}
	if ((rc = rg_risk_hours_init(r, cfg, NULL, now_realtime_ns, err, errlen)) != 0)
		goto fail;
	if ((rc = _rg_init_credit(r, cfg, err, errlen)) != 0)
		goto fail;
	r->day_index = rg_risk_day_of(r, now_realtime_ns);
	r->sync_mono_ns = now_ns;
	r->sync_real_ns = now_realtime_ns;
	{
		uint64_t next_real = (uint64_t)((r->day_index + 1) * 86400 + (int64_t)r->day_start_utc_s) * 1000000000ull;
		r->day_roll_mono_ns = now_ns + (next_real - now_realtime_ns);
	}
	*out = r;
	return 0;
fail:
	rg_risk_destroy(r);
	return rc;
}

void rg_risk_destroy(struct rg_risk *r)
{
	uint32_t i;

	if (r == NULL)
		return;
	rg_smp_fini(r);
	_rg_risk_hours_free(r);
	free(r->credit);
	if (r->strategies != NULL) {
		for (i = 0; i < r->n_strategies; i++) {
			rg_open_orders_fini(&r->strategies[i].orders);
			free(r->strategies[i].dup);
			free(r->strategies[i].fills.ts_ns);
			free(r->strategies[i].order_window);
			free(r->strategies[i].message_window);
		}
	}
	if (r->venues != NULL)
		for (i = 0; i < r->n_venues; i++)
			free(r->venues[i].breaker.hour.ts_ns);
	free(r->symbols);
	free(r->positions);
	free(r->accounts);
	free(r->strategies);
	free(r->venues);
	free(r);
}

/* A strategy rate of the new config: a bucket's interval and tolerance (its
 * TAT carries over); a window takes the fresh ring, with the live window's
 * recent events carried into it (the fresh state, destroyed after, gets the
 * old ring).  Cold, allocates nothing. */
static void _rg_adopt_rate(struct rg_gcra *g, struct rg_rate_window **w, const struct rg_gcra *fg,
			   struct rg_rate_window *const *fw)
{
	struct rg_rate_window *old = *w;

	if (*fw == NULL) {
		if (old != NULL) { /* from window to bucket: the fresh state frees the ring; start full */
			*(struct rg_rate_window **)fw = old;
			*w = NULL;
			g->tat_ns = 0;
		}
		g->interval_ns = fg->interval_ns;
		g->tolerance_ns = fg->tolerance_ns;
		return;
	}
	*w = *fw;
	*(struct rg_rate_window **)fw = old;
	g->tat_ns = 0;
	g->interval_ns = fg->interval_ns;
	g->tolerance_ns = 0;
	rg_rate_window_carry(g, *w, old);
}

/* An order-to-trade ratio of the new config; the day's counts stay. */
static void _rg_adopt_otr(struct rg_otr *o, const struct rg_otr *f)
{
	uint32_t msgs = o->msgs, fills = o->fills, since = o->since;
	uint8_t latched = rg_otr_latched(o);

	rg_otr_init(o, f->ratio, f->floor, f->action);
	if (o->ratio == 0)
		return;
	o->msgs = msgs;
	o->since = since;
	o->latched = latched && o->action == RG_OTR_HALTED;
	o->fills = fills;
	_rg_otr_allow(o); /* max(floor, ratio * fills) */
	if (o->latched && o->allowed > o->msgs)
		o->allowed = o->msgs; /* a latch keeps the allowance at or below the count */
}

/* Venue credit caps of the new config.  A state that had none takes the
 * fresh lines and counts its live orders into them (the day's fills before
 * the reload are not known to it: they count from now).  A state that had
 * lines keeps them, with no cap where the new config has none: every
 * account's lines are kept exact while they exist (rg_risk_adopt_limits
 * keeps RG_CREDIT on every strategy). */
static void _rg_adopt_credit(struct rg_risk *live, const struct rg_risk *fresh)
{
	size_t n = (size_t)live->n_accounts * live->n_venues;

	if (fresh->credit == NULL) {
		for (size_t k = 0; live->credit != NULL && k < n; k++)
			live->credit[k].limit_e8 = INT64_MAX;
		return;
	}
	if (live->credit == NULL) {
		struct rg_credit *c = fresh->credit;
		*(struct rg_credit **)&fresh->credit = NULL; /* the fresh state, destroyed after, must not free it */
		live->credit = c;
		for (size_t k = 0; k < n; k++)
			c[k].open_e8 = c[k].filled_e8 = 0;
		for (uint32_t s = 0; s < live->n_strategies; s++) {
			const struct rg_open_orders *t = &live->strategies[s].orders;
			for (uint64_t k = 0; k <= t->mask; k++)
				if (t->slots[k].client_order_id != 0 && t->slots[k].venue < live->n_venues)
					rg_risk_credit(live, live->strategies[s].account, t->slots[k].venue)->open_e8 +=
						t->slots[k].reserved_notional_e8;
		}
		return;
	}
	for (size_t k = 0; k < n; k++)
		live->credit[k].limit_e8 = fresh->credit[k].limit_e8;
}

void rg_risk_adopt_limits(struct rg_risk *live, const struct rg_risk *fresh)
{
	live->reference_max_age_ns = fresh->reference_max_age_ns;
	_rg_adopt_credit(live, fresh);
	live->global_gross_limit_e8 = fresh->global_gross_limit_e8;
	for (uint32_t i = 0; i < live->n_symbols && i < fresh->n_symbols; i++) {
		struct rg_symbol_state *s = &live->symbols[i];
		const struct rg_symbol_state *f = &fresh->symbols[i];

		s->enabled = f->enabled;
		s->market_allowed = f->market_allowed;
		s->permitted_accounts = f->permitted_accounts;
		s->min_qty_e8 = f->min_qty_e8;
		s->max_qty_e8 = f->max_qty_e8;
		s->min_price_e8 = f->min_price_e8;
		s->max_price_e8 = f->max_price_e8;
		s->max_order_qty_e8 = f->max_order_qty_e8;
		s->min_notional_e8 = f->min_notional_e8;
		s->max_notional_e8 = f->max_notional_e8;
		s->max_position_qty_e8 = f->max_position_qty_e8;
		s->max_position_notional_e8 = f->max_position_notional_e8;
		s->collar_bps = f->collar_bps;
		s->ref_max_age_ns = live->reference_max_age_ns;
		_rg_symbol_set_reference(s, s->ref_price_e8, s->ref_ts_ns);
	}
	for (uint32_t i = 0; i < live->n_accounts && i < fresh->n_accounts; i++) {
		struct rg_account_state *a = &live->accounts[i];
		const struct rg_account_state *f = &fresh->accounts[i];

		a->max_orders_per_day = f->max_orders_per_day;
		a->min_notional_e8 = f->min_notional_e8;
		a->max_notional_e8 = f->max_notional_e8;
		a->breach_state = f->breach_state;
		a->max_position_equity_bps = f->max_position_equity_bps;
		a->max_gross_equity_bps = f->max_gross_equity_bps;
		a->daily_loss_bps = f->daily_loss_bps;
		a->drawdown_bps = f->drawdown_bps;
		_rg_adopt_otr(&a->otr_day, &f->otr_day);
		a->daily_loss_abs_e8 = f->daily_loss_abs_e8;
		_rg_account_derive_limits(a);
	}
	for (uint32_t i = 0; i < live->n_strategies && i < fresh->n_strategies; i++) {
		struct rg_strategy_state *st = &live->strategies[i];
		const struct rg_strategy_state *f = &fresh->strategies[i];

		_rg_adopt_rate(&st->order_rate, &st->order_window, &f->order_rate, &f->order_window);
		_rg_adopt_rate(&st->message_rate, &st->message_window, &f->message_rate, &f->message_window);
		_rg_adopt_otr(&st->otr_day, &f->otr_day);
		/* which optional checks apply: the new ratios and caps; self-match as it was (restart) */
		st->extra = (uint8_t)((f->extra & (RG_OTR_STRATEGY | RG_OTR_ACCOUNT)) | (st->extra & RG_SMP_ON));
		if (live->credit != NULL) /* the lines stay kept once they exist, even with every cap lifted */
			st->extra |= RG_CREDIT;
		st->modify_rate.interval_ns = f->modify_rate.interval_ns;
		st->modify_rate.tolerance_ns = f->modify_rate.tolerance_ns;
		st->duplicate_window_ns = f->duplicate_window_ns;
		st->exec_window_ns = f->exec_window_ns;
	}
}
