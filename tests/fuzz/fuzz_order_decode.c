/*
 * Fuzzes the order decoder and the risk state machine behind it: arbitrary
 * 56-byte order messages, and sequences of messages interleaved with venue
 * events, reference prices, operator controls and clock jumps, against a
 * small configuration with every check switched on.
 *
 * Input: a single message (< 57 bytes, zero-padded) is decided as is.
 * Otherwise a sequence of 57-byte steps: one control byte, then 56 bytes used
 * as a struct rg_order (and as arguments for events):
 *   control bits 0-2  action: 0 raw order, 1 order coerced toward validity,
 *                     2 ack, 3 fill, 4 cancel confirmed / venue reject,
 *                     5 reference price, 6 venue failure / success,
 *                     7 operator control or day roll
 *   control bit 3     strategy 0 or 1
 *   control bits 4-7  the clock advances 4^bits * 4 ns (0: not at all; 15: 6 hours)
 * Events name a live order picked from the ones approved so far.
 *
 * After every step it checks: the decision's reason is a known reason; an
 * approval has a new, increasing engine sequence and a well-formed message;
 * the bookkeeping invariants of tests/engine/risk_invariants.h hold (no
 * negative reservation, sums consistent).  A violation traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../engine/risk_invariants.h"
#include "checks.h"
#include "risk_events.h"

#define N_SYMBOLS 4
#define N_IDS 64
#define E8(x) ((int64_t)(x) * 100000000LL)

static struct rg_config cfg;
static struct rg_symbol_cfg symbols[N_SYMBOLS];
static uint32_t permitted[1] = {0};

static void build_config(void)
{
	int i;

	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.instance, "fuzz");
	cfg.reference_max_age_ns = 1000000000ull;
	cfg.global_gross_limit_e8 = E8(5000000);
	cfg.day_start_utc_s = 3600;
	cfg.n_venues = 2;
	for (i = 0; i < 2; i++) {
		cfg.venues[i].breaker_consecutive = 3;
		cfg.venues[i].breaker_per_hour = 5;
		cfg.venues[i].breaker_recovery_ns = 1000000;
	}
	cfg.n_accounts = 2;
	for (i = 0; i < 2; i++) {
		struct rg_account_cfg *a = &cfg.accounts[i];
		a->equity_e8 = E8(1000000);
		a->min_notional_e8 = i == 1 ? E8(500) : 0;
		a->max_notional_e8 = i == 1 ? E8(15000) : E8(200000);
		a->max_position_equity_bps = 5000;
		a->max_gross_equity_bps = 20000;
		a->daily_loss_limit_e8 = E8(20000);
		a->drawdown_bps = 300;
		a->loss_state = i == 0 ? RG_STATE_REDUCING : RG_STATE_HALTED;
		a->max_orders_per_day = 12;
	}
	cfg.accounts[0].all_symbols = true;
	cfg.accounts[1].n_permitted = 1;
	cfg.accounts[1].permitted = permitted;
	cfg.n_strategies = 2;
	for (i = 0; i < 2; i++) {
		struct rg_strategy_cfg *s = &cfg.strategies[i];
		s->account = (uint16_t)i;
		s->order_rate.count = 5;
		s->order_rate.window_ns = 1000000;
		s->message_rate.count = 8;
		s->message_rate.window_ns = 1000000;
		s->exec_throttle_fills = 4;
		s->exec_throttle_window_ns = 1000000;
		s->duplicate_window_ns = 1000;
		s->max_open_orders = 6;
	}
	for (i = 0; i < N_SYMBOLS; i++) {
		struct rg_symbol_cfg *s = &symbols[i];
		s->venue = (uint16_t)(i % 2);
		s->enabled = i != 3;
		s->market_allowed = i != 1;
		s->tick_e8 = i == 2 ? 1 : 1000000;
		s->lot_e8 = i == 2 ? 3 : E8(1);
		s->min_qty_e8 = i == 0 ? E8(2) : s->lot_e8;
		s->max_qty_e8 = i == 2 ? 0 : E8(100000);
		s->min_price_e8 = i == 0 ? E8(91) : 1;
		s->max_price_e8 = i == 2 ? 0 : E8(100000);
		s->max_order_qty_e8 = E8(5000);
		s->min_notional_e8 = i == 0 ? E8(10) : 0;
		s->max_notional_e8 = E8(100000);
		s->collar_bps = i == 2 ? 0 : 1000;
		s->max_position_qty_e8 = E8(300);
		s->max_position_notional_e8 = E8(400000);
		s->reference_price_e8 = i == 3 ? 0 : E8(100);
	}
	cfg.symbols = symbols;
	cfg.n_symbols = N_SYMBOLS;
}

struct run {
	struct rg_risk *r;
	uint64_t now, real0, now0;
	uint64_t last_seq;
	uint64_t ids[2][N_IDS]; /* client order ids approved, per strategy (a ring) */
	uint32_t n_ids[2];
};

static void check(struct run *u)
{
	if (rg_risk_invariant_violation(u->r) != NULL)
		__builtin_trap();
}

static void decide(struct run *u, uint32_t strategy, const struct rg_order *o)
{
	struct rg_decision d;
	enum rg_reject_reason why = rg_risk_check_order(u->r, strategy, o, u->now, &d);

	if (d.reason != why || strcmp(rg_reject_str(why), "UNKNOWN_REASON") == 0)
		__builtin_trap();
	if (why != RG_REJ_NONE)
		return;
	if (o->kind == RG_ORDER_CANCEL)
		return;
	/* Approved new/replace: well formed, sequenced, recorded.  A replace
	 * goes on its target's sequence; a new order takes the next one. */
	if ((o->kind == RG_ORDER_REPLACE ? d.engine_seq == 0 || d.engine_seq > u->last_seq
					 : d.engine_seq <= u->last_seq) ||
	    o->qty_e8 <= 0 || o->symbol_id >= N_SYMBOLS || o->client_order_id == 0 ||
	    (o->type == RG_TYPE_LIMIT && o->price_e8 <= 0) || (o->type == RG_TYPE_MARKET && o->price_e8 != 0) ||
	    o->side < 1 || o->side > 2 || o->tif < 1 || o->tif > 4)
		__builtin_trap();
	if (o->kind != RG_ORDER_REPLACE)
		u->last_seq = d.engine_seq;
	u->ids[strategy][u->n_ids[strategy]++ % N_IDS] = o->client_order_id;
}

static uint64_t pick_id(struct run *u, uint32_t strategy, uint8_t b)
{
	uint32_t n = u->n_ids[strategy] < N_IDS ? u->n_ids[strategy] : N_IDS;

	return n == 0 ? 1 : u->ids[strategy][b % n];
}

static int64_t clamp_pos(int64_t v, int64_t max)
{
	if (v == INT64_MIN)
		return 1;
	v = v < 0 ? -v : v;
	return v % max + 1;
}

static void step(struct run *u, uint8_t ctl, const uint8_t *msg)
{
	struct rg_order o;
	uint32_t strategy = (ctl >> 3) & 1;
	unsigned shift = ctl >> 4;

	memcpy(&o, msg, sizeof(o));
	if (shift == 15)
		u->now += 6 * 3600000000000ull; /* toward the day boundary */
	else if (shift != 0)
		u->now += 1ull << (shift * 2 + 2); /* 16 ns .. 2^30 ns (~1 s) */
	switch (ctl & 7) {
	case 0:
		decide(u, strategy, &o);
		break;
	case 1: /* coerce toward a valid message so deeper checks run */
		memset(o.reserved, 0, sizeof(o.reserved));
		o.kind = (uint8_t)(o.kind % 3 + 1);
		o.side = (uint8_t)(o.side % 2 + 1);
		o.type = (uint8_t)(o.type % 4 == 0 ? RG_TYPE_MARKET : RG_TYPE_LIMIT);
		o.tif = (uint8_t)(o.tif % 4 + 1);
		o.symbol_id %= N_SYMBOLS + 1;
		o.qty_e8 = clamp_pos(o.qty_e8, 200) * E8(1) + (msg[48] & 1); /* sometimes off the lot */
		o.price_e8 = o.type == RG_TYPE_MARKET ? 0 : E8(90) + clamp_pos(o.price_e8, 2000) * 1000000;
		if (o.client_order_id % 4 == 0)
			o.client_order_id = pick_id(u, strategy, (uint8_t)(o.client_order_id >> 8));
		if (o.kind != RG_ORDER_NEW)
			o.orig_client_order_id = pick_id(u, strategy, (uint8_t)o.orig_client_order_id);
		decide(u, strategy, &o);
		break;
	case 2:
		rg_risk_on_ack(u->r, strategy, pick_id(u, strategy, msg[0]), u->now);
		break;
	case 3: {
		uint64_t id = pick_id(u, strategy, msg[0]);
		struct rg_open_order *e = rg_open_orders_find(&u->r->strategies[strategy].orders, id, NULL);
		int64_t qty = clamp_pos(o.qty_e8, e != NULL && e->leaves_qty_e8 > 0 ? e->leaves_qty_e8 + 2 : E8(50));
		rg_risk_on_fill(u->r, strategy, id, qty, E8(80) + clamp_pos(o.price_e8, E8(40)), o.orig_client_order_id % 2 ? 0 : (int64_t)(o.client_ts_ns % (uint64_t)E8(100)), u->now);
		break;
	}
	case 4:
		if (msg[1] & 1)
			rg_risk_on_cancelled(u->r, strategy, pick_id(u, strategy, msg[0]), u->now);
		else
			rg_risk_on_venue_reject(u->r, strategy, pick_id(u, strategy, msg[0]), u->now);
		break;
	case 5:
		rg_risk_set_reference(u->r, o.symbol_id % (N_SYMBOLS + 1), msg[1] & 1 ? o.price_e8 : E8(70) + clamp_pos(o.price_e8, E8(60)), u->now);
		break;
	case 6:
		if (msg[1] & 1)
			rg_risk_on_venue_failure(u->r, msg[0] % 3, u->now);
		else
			rg_risk_on_venue_success(u->r, msg[0] % 3, u->now);
		break;
	default:
		switch (msg[0] % 10) {
		case 0: rg_risk_set_kill(u->r, msg[1] & 1); break;
		case 1: rg_risk_set_instance_state(u->r, msg[1] % 4); break;
		case 2: rg_risk_set_account_state(u->r, msg[2] % 3, msg[1] % 4); break;
		case 3: rg_risk_set_strategy_state(u->r, msg[2] % 3, msg[1] % 4); break;
		case 4: rg_risk_set_symbol_state(u->r, msg[2] % 5, msg[1] % 4); break;
		case 5: rg_risk_resume_strategy(u->r, msg[2] % 3); break;
		case 6: rg_risk_reset_breaker(u->r, msg[2] % 3); break;
		case 7: rg_risk_reset_loss(u->r, msg[2] % 3); break;
		default:
			rg_risk_roll_day(u->r, u->now, u->real0 + (u->now - u->now0) + (uint64_t)msg[1] * 3600000000000ull);
			break;
		}
		break;
	}
	check(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool built;
	struct run u;
	char err[128];

	if (!built) {
		build_config();
		built = true;
	}
	memset(&u, 0, sizeof(u));
	u.now = u.now0 = 1000000000000ull;
	u.real0 = 1704196800ull * 1000000000ull;
	if (rg_risk_create(&u.r, &cfg, u.now, u.real0, err, sizeof(err)) != 0)
		__builtin_trap();
	if (size < 1 + sizeof(struct rg_order)) {
		struct rg_order o;
		memset(&o, 0, sizeof(o));
		memcpy(&o, data, size);
		decide(&u, 0, &o);
		check(&u);
	} else {
		for (; size >= 1 + sizeof(struct rg_order); data += 1 + sizeof(struct rg_order),
							 size -= 1 + sizeof(struct rg_order))
			step(&u, data[0], data + 1);
	}
	rg_risk_destroy(u.r);
	return 0;
}
