/*
 * The fast path of a new limit order (rg_risk_check_order: structure, size,
 * reference and collar as two range tests and a deadline, from limits
 * derived at config, reload and reference time) against the same checks
 * run area by area (rg_risk_check_order_stepwise).  Two states built from
 * one configuration take the same stream of orders, fills, cancels,
 * reference moves, reloads and clock steps, one through each entry point;
 * every decision must be the same, field for field, and so must the states.
 * The orders sit on and around every boundary the fast path folds: lot and
 * tick multiples, quantity and price ranges, max order quantity, collar,
 * symbol and account notional limits, reference age, overflow.
 */
#include "checks_fixture.h"

#define STEPS 60000

static int64_t pick(struct fx_rng *g, const int64_t *v, size_t n)
{
	return v[fx_rnd(g) % n];
}

/* A value on or beside one of the boundaries of `v`: the boundary, +-1, +-step. */
static int64_t near(struct fx_rng *g, const int64_t *v, size_t n, int64_t step)
{
	int64_t x = pick(g, v, n);
	static const int64_t k[] = {0, 0, 0, 1, -1, 2, -2};
	int64_t d = k[fx_rnd(g) % 7];

	switch (fx_rnd(g) % 3) {
	case 0: return x + d;
	case 1: return x + d * step;
	default: return x;
	}
}

static void configure(struct fx *f)
{
	struct rg_config *c = &f->cfg;

	c->reference_max_age_ns = 5 * SEC_NS;
	/* AAA: tick 0.01, lot 1, max order 500, notional [10, 20 000], collar 10 % */
	f->syms[SYM_AAA].max_order_qty_e8 = E8(500);
	f->syms[SYM_AAA].min_notional_e8 = E8(10);
	f->syms[SYM_AAA].max_notional_e8 = E8(20000);
	/* BBB: tick 0.05, lot 0.001, quantities [0.005, 40], prices [1, 80], no collar */
	f->syms[SYM_BBB].tick_e8 = CENTS(5);
	f->syms[SYM_BBB].lot_e8 = 100000;
	f->syms[SYM_BBB].min_qty_e8 = 500000;
	f->syms[SYM_BBB].max_qty_e8 = E8(40);
	f->syms[SYM_BBB].min_price_e8 = E8(1);
	f->syms[SYM_BBB].max_price_e8 = E8(80);
	f->syms[SYM_BBB].collar_bps = 0;
	/* CCC: enabled, no reference until the stream sets one; lot 3, tick 0.07 */
	f->syms[SYM_CCC].enabled = true;
	f->syms[SYM_CCC].reference_price_e8 = 0;
	f->syms[SYM_CCC].lot_e8 = E8(3);
	f->syms[SYM_CCC].tick_e8 = CENTS(7);
	f->syms[SYM_CCC].max_qty_e8 = E8(3000000000LL); /* a notional that overflows an int64 */
	f->syms[SYM_CCC].max_price_e8 = E8(90000000LL);
	f->syms[SYM_CCC].collar_bps = 0;
	c->accounts[0].min_notional_e8 = E8(5);
	c->accounts[0].max_notional_e8 = E8(30000);
	c->accounts[0].max_position_equity_bps = 5000;
	c->accounts[1].max_notional_e8 = E8(1000);
	c->strategies[0].duplicate_window_ns = 1000;
}

static void assert_same_decision(const struct rg_decision *a, const struct rg_decision *b, int step)
{
	if (a->reason != b->reason || a->venue != b->venue || a->symbol != b->symbol ||
	    a->engine_seq != b->engine_seq || a->limit != b->limit || a->value != b->value || a->probe != b->probe ||
	    a->first_cancel != b->first_cancel || a->smp_cancel != b->smp_cancel)
		fail_msg("step %d: fast %s (limit %lld value %lld seq %llu) vs stepwise %s (limit %lld value %lld seq %llu)",
			 step, rg_reject_str((enum rg_reject_reason)a->reason), (long long)a->limit,
			 (long long)a->value, (unsigned long long)a->engine_seq,
			 rg_reject_str((enum rg_reject_reason)b->reason), (long long)b->limit, (long long)b->value,
			 (unsigned long long)b->engine_seq);
}

static void assert_same_state(const struct rg_risk *a, const struct rg_risk *b)
{
	assert_int_equal(a->next_seq, b->next_seq);
	assert_int_equal(a->global_gross_e8, b->global_gross_e8);
	for (uint32_t i = 0; i < a->n_accounts; i++) {
		assert_int_equal(a->accounts[i].open_notional_e8, b->accounts[i].open_notional_e8);
		assert_int_equal(a->accounts[i].orders_today, b->accounts[i].orders_today);
	}
	for (size_t i = 0; i < (size_t)a->n_symbols * a->n_accounts; i++)
		assert_memory_equal(&a->positions[i], &b->positions[i], sizeof(a->positions[i]));
	for (uint32_t i = 0; i < a->n_strategies; i++)
		assert_int_equal(a->strategies[i].orders.count, b->strategies[i].orders.count);
}

static void fast_path_decides_as_the_areas_do(void **state)
{
	struct fx *f = *state;
	struct rg_risk *twin = NULL;
	struct fx_rng g = {0x9E3779B97F4A7C15ull};
	static const int64_t qty_edges[] = {E8(1), E8(500), E8(501), E8(1000000), 500000, 100000, E8(40),
					    E8(3), E8(6), E8(3000000000LL), E8(100), 1, 0};
	static const int64_t price_edges[] = {E8(90), E8(110), E8(100), CENTS(1), E8(10000), E8(1), E8(80),
					      E8(50), E8(45), E8(55), CENTS(7), E8(90000000LL), E8(20), E8(40)};
	static const int64_t steps[] = {1, 100000, 500000, CENTS(1), CENTS(5), CENTS(7), E8(1), E8(3)};
	uint64_t live[2][64] = {{0}};
	unsigned n_live[2] = {0, 0}, approved = 0, refused = 0, reasons = 0;
	bool seen[256] = {false};
	unsigned count[256] = {0};
	char err[256] = "";

	configure(f);
	fx_create(f);
	assert_int_equal(rg_risk_create(&twin, &f->cfg, f->now, fx_real(f), err, sizeof(err)), 0);
	for (int step = 0; step < STEPS; step++) {
		uint64_t r = fx_rnd(&g);
		if (r % 97 == 0) { /* the clock steps, sometimes onto a reference's last fresh ns or the next */
			uint64_t edge = f->r->symbols[fx_rnd(&g) % N_SYMS].ref_ts_ns + f->cfg.reference_max_age_ns +
					fx_rnd(&g) % 2;
			if (fx_rnd(&g) % 2 == 0 && edge > f->now)
				f->now = edge;
			else
				f->now += (fx_rnd(&g) % 3) * SEC_NS + fx_rnd(&g) % 1000;
			continue;
		}
		if (r % 89 == 0) { /* a reference moves (or appears) */
			uint32_t sym = (uint32_t)(fx_rnd(&g) % N_SYMS);
			int64_t px = near(&g, price_edges, sizeof(price_edges) / sizeof(price_edges[0]), CENTS(1));
			if (sym != SYM_CCC && px > E8(200)) /* (marks that high would halt the accounts holding them) */
				px = E8(100);
			bool ok = rg_risk_set_reference(f->r, sym, px, f->now);
			assert_int_equal(ok, rg_risk_set_reference(twin, sym, px, f->now));
			continue;
		}
		if (r % 83 == 0) { /* a reload with the same limits */
			struct rg_risk *fresh = NULL;
			assert_int_equal(rg_risk_create(&fresh, &f->cfg, f->now, fx_real(f), err, sizeof(err)), 0);
			rg_risk_adopt_limits(f->r, fresh);
			rg_risk_adopt_limits(twin, fresh);
			rg_risk_destroy(fresh);
			continue;
		}
		uint32_t strat = fx_rnd(&g) % 4 == 0 ? 1 : 0;
		if (n_live[strat] == 64 || (n_live[strat] > 0 && r % 5 == 0)) { /* a live order ends */
			unsigned k = (unsigned)(fx_rnd(&g) % n_live[strat]);
			uint64_t id = live[strat][k];
			struct rg_open_order *e = fx_live(f, strat, id);
			assert_non_null(e);
			if (fx_rnd(&g) % 2 == 0 && e->symbol != SYM_CCC) { /* (CCC's notionals would halt the account) */
				int64_t q = e->leaves_qty_e8, p = e->price_e8;
				assert_true(rg_risk_on_fill(f->r, strat, id, q, p, 0, f->now));
				assert_true(rg_risk_on_fill(twin, strat, id, q, p, 0, f->now));
			} else {
				assert_true(rg_risk_on_cancelled(f->r, strat, id, f->now));
				assert_true(rg_risk_on_cancelled(twin, strat, id, f->now));
			}
			live[strat][k] = live[strat][--n_live[strat]];
			continue;
		}
		int64_t step_sz = pick(&g, steps, sizeof(steps) / sizeof(steps[0]));
		uint32_t sym = fx_rnd(&g) % 16 == 0 ? N_SYMS : (uint32_t)(fx_rnd(&g) % N_SYMS);
		/* half the time a good order of the symbol, one field moved off it sometimes */
		int64_t qty = near(&g, qty_edges, sizeof(qty_edges) / sizeof(qty_edges[0]), step_sz);
		int64_t price = near(&g, price_edges, sizeof(price_edges) / sizeof(price_edges[0]), step_sz);
		if (sym < N_SYMS && fx_rnd(&g) % 2 == 0) {
			static const int64_t good_qty[N_SYMS] = {E8(10), E8(2), E8(3)};
			static const int64_t good_price[N_SYMS] = {E8(100), E8(50), E8(21)};
			static const int64_t tick[N_SYMS] = {CENTS(1), CENTS(5), CENTS(7)};
			uint64_t which = fx_rnd(&g) % 4;
			if (which != 0)
				qty = good_qty[sym] * (int64_t)(1 + fx_rnd(&g) % 5);
			if (which != 1)
				price = good_price[sym] + tick[sym] * ((int64_t)(fx_rnd(&g) % 11) - 5);
		}
		struct rg_order o = fx_order(f, sym, fx_rnd(&g) % 2 ? RG_SIDE_BUY : RG_SIDE_SELL, qty, price);
		struct rg_decision da, db;
		if (o.price_e8 <= 0) /* keep it a limit order: the fast path's kind */
			o.price_e8 = 1;
		o.type = RG_TYPE_LIMIT;
		o.tif = (uint8_t)(1 + fx_rnd(&g) % 4);
		enum rg_reject_reason a = rg_risk_check_order(f->r, strat, &o, f->now, &da);
		enum rg_reject_reason b = rg_risk_check_order_stepwise(twin, strat, &o, f->now, &db);
		assert_int_equal(a, b);
		assert_same_decision(&da, &db, step);
		if (a == RG_REJ_NONE) {
			approved++;
			live[strat][n_live[strat]++] = o.client_order_id;
		} else {
			refused++;
			reasons += !seen[a];
			seen[a] = true;
			count[a]++;
		}
	}
	assert_same_state(f->r, twin);
	assert_invariants(f);
	print_message("%u approved, %u refused, %u reasons:", approved, refused, reasons);
	for (int i = 0; i < 256; i++)
		if (seen[i])
			print_message(" %s %u", rg_reject_str((enum rg_reject_reason)i), count[i]);
	print_message("\n");
	/* The stream reached both sides of the boundaries. */
	assert_true(approved > STEPS / 20);
	assert_true(refused > STEPS / 20);
	assert_true(seen[RG_REJ_LOT_SIZE] && seen[RG_REJ_TICK_SIZE] && seen[RG_REJ_QTY_OUT_OF_RANGE] &&
		    seen[RG_REJ_PRICE_OUT_OF_RANGE] && seen[RG_REJ_MAX_ORDER_QTY] && seen[RG_REJ_MIN_NOTIONAL] &&
		    seen[RG_REJ_MAX_NOTIONAL] && seen[RG_REJ_PRICE_COLLAR] && seen[RG_REJ_STALE_REFERENCE_PRICE] &&
		    seen[RG_REJ_NO_REFERENCE_PRICE] && seen[RG_REJ_ARITH_OVERFLOW]);
	rg_risk_destroy(twin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(fast_path_decides_as_the_areas_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
