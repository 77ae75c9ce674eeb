/*
 * Check 6: exposure, counting open orders at once.  Per-symbol position in
 * quantity and in notional (at the reference price), position as a fraction
 * of equity, account gross exposure as a fraction of equity, global gross.
 * Each limit just inside, at and just outside, and for each limit a closing
 * order that passes although the position is already beyond it.
 */
#include "checks_fixture.h"

/* Sends an order that must get `want`; when approved, confirms its cancel. */
static void expect_and_drop(struct fx *f, uint32_t strategy, uint32_t sym, uint8_t side, int64_t qty, int64_t price,
			    enum rg_reject_reason want)
{
	uint64_t id;

	assert_reason(fx_send(f, strategy, sym, side, qty, price, &id), want);
	if (want == RG_REJ_NONE)
		assert_true(rg_risk_on_cancelled(f->r, strategy, id, f->now));
}

static void max_position_quantity_counts_the_position_and_open_orders_of_the_side(void **state)
{
	struct fx *f = *state;
	uint64_t working;

	f->syms[SYM_AAA].max_position_qty_e8 = E8(100);
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(60), E8(100));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(30), E8(100), &working), RG_REJ_NONE);
	/* long side: 60 + 30 + q */
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(9), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(11), E8(100), RG_REJ_MAX_POSITION_QTY);
	assert_int_equal(f->d.limit, E8(100));
	assert_int_equal(f->d.value, E8(101));
	/* short side: 60 - q (the working buy does not offset it) */
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(159), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(160), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(161), E8(100), RG_REJ_MAX_POSITION_QTY);
	assert_int_equal(f->d.value, E8(101));
	/* Other accounts have their own positions. */
	expect_and_drop(f, 1, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), RG_REJ_NONE);
	assert_invariants(f);
}

static void max_position_notional_is_valued_at_the_reference(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].max_position_notional_e8 = E8(10000);
	fx_create(f);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(99), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), RG_REJ_NONE);
	/* 101 at a limit of 99 is still 101 x reference 100. */
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(101), E8(99), RG_REJ_MAX_POSITION_NOTIONAL);
	assert_int_equal(f->d.limit, E8(10000));
	assert_int_equal(f->d.value, E8(10100));
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(50), f->now));
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(200), E8(50), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(201), E8(50), RG_REJ_MAX_POSITION_NOTIONAL);
}

static void position_as_a_fraction_of_equity(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].max_position_equity_bps = 100; /* 1 % of 1 000 000 = 10 000 */
	fx_create(f);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(99), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(101), E8(100), RG_REJ_POSITION_EQUITY_PCT);
	assert_int_equal(f->d.limit, E8(10000));
	assert_int_equal(f->d.value, E8(10100));
	/* Per symbol: 200 BBB at 50 is its own 10 000. */
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(200), E8(50), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(201), E8(50), RG_REJ_POSITION_EQUITY_PCT);
	expect_and_drop(f, 1, SYM_AAA, RG_SIDE_BUY, E8(500), E8(100), RG_REJ_NONE);
}

static void account_gross_exposure_counts_positions_and_every_open_order(void **state)
{
	struct fx *f = *state;
	uint64_t working_buy, working_sell;

	f->cfg.accounts[0].max_gross_equity_bps = 200; /* 2 % = 20 000 */
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));                       /* 10 000 */
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(100), E8(50), &working_buy), RG_REJ_NONE); /* 5 000 */
	assert_int_equal(f->r->accounts[0].gross_position_e8, E8(10000));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(5000));
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(99), E8(50), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(100), E8(50), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(100), E8(50) + CENTS(1), RG_REJ_ACCOUNT_GROSS_EXPOSURE);
	assert_int_equal(f->d.limit, E8(20000));
	assert_int_equal(f->d.value, E8(20001));
	/* A closing sell passes and, working, counts in the gross (both sides count). */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), &working_sell), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(80), E8(50), RG_REJ_NONE);   /* 20 000 */
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(81), E8(50), RG_REJ_ACCOUNT_GROSS_EXPOSURE);
	/* Marking the position down frees room. */
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(90), f->now));
	assert_int_equal(f->r->accounts[0].gross_position_e8, E8(9000));
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(100), E8(50), RG_REJ_NONE);
	assert_invariants(f);
}

static void global_gross_exposure_across_accounts(void **state)
{
	struct fx *f = *state;

	f->cfg.global_gross_limit_e8 = E8(30000);
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100)); /* 10 000 */
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(199), E8(100), NULL), RG_REJ_NONE); /* 29 900 */
	expect_and_drop(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE); /* 30 000 */
	expect_and_drop(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + CENTS(1), RG_REJ_GLOBAL_GROSS_EXPOSURE);
	assert_int_equal(f->d.limit, E8(30000));
	assert_int_equal(f->d.value, E8(30000) + CENTS(1));
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(2), E8(50), RG_REJ_NONE);
	expect_and_drop(f, 0, SYM_BBB, RG_SIDE_BUY, E8(3), E8(50), RG_REJ_GLOBAL_GROSS_EXPOSURE);
	/* Account 0 may still close. */
	expect_and_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(100), E8(100), RG_REJ_NONE);
	assert_invariants(f);
}

/* Configures one exposure limit that a 100-share position at 100 just meets. */
enum limit_kind { LK_QTY, LK_NOTIONAL, LK_EQUITY, LK_GROSS, LK_GLOBAL, LK_N };
static const enum rg_reject_reason limit_reason[LK_N] = {
	RG_REJ_MAX_POSITION_QTY, RG_REJ_MAX_POSITION_NOTIONAL, RG_REJ_POSITION_EQUITY_PCT,
	RG_REJ_ACCOUNT_GROSS_EXPOSURE, RG_REJ_GLOBAL_GROSS_EXPOSURE};

static void configure_limit(struct fx *f, int kind)
{
	f->syms[SYM_AAA].max_position_qty_e8 = kind == LK_QTY ? E8(100) : 0;
	f->syms[SYM_AAA].max_position_notional_e8 = kind == LK_NOTIONAL ? E8(10000) : 0;
	f->cfg.accounts[0].max_position_equity_bps = kind == LK_EQUITY ? 100 : 0;
	f->cfg.accounts[0].max_gross_equity_bps = kind == LK_GROSS ? 100 : 0;
	f->cfg.global_gross_limit_e8 = kind == LK_GLOBAL ? E8(10000) : 0;
}

static void closing_orders_pass_every_exposure_limit_even_beyond_it(void **state)
{
	struct fx *f = *state;
	int kind, dir;

	for (kind = 0; kind < LK_N; kind++) {
		for (dir = 0; dir < 2; dir++) {
			uint8_t open_side = dir == 0 ? RG_SIDE_BUY : RG_SIDE_SELL;
			uint8_t close_side = dir == 0 ? RG_SIDE_SELL : RG_SIDE_BUY;
			uint64_t id;

			print_message("limit %s, %s position\n", rg_reject_str(limit_reason[kind]),
				      dir == 0 ? "long" : "short");
			rg_risk_destroy(f->r);
			configure_limit(f, kind);
			fx_create(f);
			/* 100 at 100 is exactly at the limit: approved. */
			assert_reason(fx_send(f, 0, SYM_AAA, open_side, E8(100), E8(100), &id), RG_REJ_NONE);
			/* The venue overfills to 150: now beyond the limit. */
			assert_true(rg_risk_on_fill(f->r, 0, id, E8(150), E8(100), 0, f->now));
			expect_and_drop(f, 0, SYM_AAA, open_side, E8(1), E8(100), limit_reason[kind]);
			/* Closing orders: partly, exactly to flat. */
			expect_and_drop(f, 0, SYM_AAA, close_side, E8(1), E8(100), RG_REJ_NONE);
			expect_and_drop(f, 0, SYM_AAA, close_side, E8(149), E8(100), RG_REJ_NONE);
			expect_and_drop(f, 0, SYM_AAA, close_side, E8(150), E8(100), RG_REJ_NONE);
			/* Crossing through flat is not closing: 150 + 101 leaves 101 the other way. */
			expect_and_drop(f, 0, SYM_AAA, close_side, E8(251), E8(100), limit_reason[kind]);
			assert_invariants(f);
		}
	}
}

static void replace_is_checked_as_the_state_after_it(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;

	f->syms[SYM_AAA].max_position_qty_e8 = E8(100);
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(101), E8(101));
	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = target;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MAX_POSITION_QTY);
	assert_int_equal(f->d.value, E8(101));
	o.qty_e8 = E8(100);
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	/* Until the venue acks it, both stay reserved. */
	assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->open_buy_qty_e8, E8(200));
	assert_true(rg_risk_on_ack(f->r, 0, o.client_order_id, f->now));
	assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->open_buy_qty_e8, E8(100));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10100));
	assert_null(fx_live(f, 0, target));
	assert_invariants(f);
}

/* The precomputed bound is exact at a reference that does not divide the
 * limit: the largest quantity whose notional rounds up to the limit passes,
 * one unit more does not. */
static void position_notional_limit_is_exact_at_awkward_references(void **state)
{
	struct fx *f = *state;
	static const int64_t refs[] = {3, 300000003, 777777777, 12345678901LL, 99999999999LL};
	size_t i;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		int64_t ref = refs[i], limit = E8(1000), qmax;
		int64_t n;
		rg_risk_destroy(f->r);
		f->syms[SYM_AAA].collar_bps = 0;
		f->syms[SYM_AAA].max_price_e8 = 0;
		f->syms[SYM_AAA].max_qty_e8 = 0;
		f->syms[SYM_AAA].tick_e8 = 1;
		f->syms[SYM_AAA].lot_e8 = 1;
		f->syms[SYM_AAA].min_qty_e8 = 1;
		f->syms[SYM_AAA].min_price_e8 = 1;
		f->syms[SYM_AAA].reference_price_e8 = ref;
		f->syms[SYM_AAA].max_position_notional_e8 = limit;
		fx_create(f);
		qmax = (int64_t)((unsigned __int128)(uint64_t)limit * 100000000u / (uint64_t)ref);
		/* By the definition: ceil(qmax * ref / 1e8) <= limit < ceil((qmax + 1) * ref / 1e8). */
		assert_true(rg_notional_e8(qmax, ref, &n) && n <= limit);
		assert_true(!rg_notional_e8(qmax + 1, ref, &n) || n > limit);
		expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, qmax - 1, ref, RG_REJ_NONE);
		expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, qmax, ref, RG_REJ_NONE);
		expect_and_drop(f, 0, SYM_AAA, RG_SIDE_BUY, qmax + 1, ref, RG_REJ_MAX_POSITION_NOTIONAL);
		assert_int_equal(f->d.limit, limit);
		assert_true(f->d.value > limit);
	}
}

/* The order path compares the side quantity with one precomputed bound
 * (min of the quantity limit and floor(notional limit * 10^8 / reference));
 * random references, limits and orders against the direct 128-bit rule. */
static void position_limits_match_the_128_bit_rule(void **state)
{
	struct fx *f = *state;
	uint64_t x = 0x1234567887654321ull;
	int i;

	for (i = 0; i < 200; i++) {
		int64_t ref, max_qty, max_not, q;
		int j;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		ref = CENTS(1 + (int64_t)((x >> 20) % 2000000));           /* 0.01 .. 20 000 */
		max_qty = (x >> 8) % 3 == 0 ? 0 : E8(1 + (int64_t)((x >> 30) % 5000));
		max_not = (x >> 12) % 3 == 0 ? 0 : CENTS(1 + (int64_t)((x >> 33) % 100000000));
		rg_risk_destroy(f->r);
		f->syms[SYM_AAA].collar_bps = 0;
		f->syms[SYM_AAA].max_price_e8 = 0;
		f->syms[SYM_AAA].max_qty_e8 = 0;
		f->syms[SYM_AAA].tick_e8 = 1;
		f->syms[SYM_AAA].lot_e8 = 1;
		f->syms[SYM_AAA].min_qty_e8 = 1;
		f->syms[SYM_AAA].reference_price_e8 = ref;
		f->syms[SYM_AAA].max_position_qty_e8 = max_qty;
		f->syms[SYM_AAA].max_position_notional_e8 = max_not;
		fx_create(f);
		for (j = 0; j < 50; j++) {
			uint64_t id;
			enum rg_reject_reason want = RG_REJ_NONE, got;
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			q = 1 + (int64_t)((x >> 11) % (uint64_t)E8(6000));
			unsigned __int128 en16 = (unsigned __int128)(uint64_t)q * (uint64_t)ref;
			if (max_qty != 0 && q > max_qty)
				want = RG_REJ_MAX_POSITION_QTY;
			else if (en16 > (unsigned __int128)INT64_MAX * 100000000u)
				want = RG_REJ_ARITH_OVERFLOW;
			else if (max_not != 0 && en16 > (unsigned __int128)(uint64_t)max_not * 100000000u)
				want = RG_REJ_MAX_POSITION_NOTIONAL;
			got = fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, q, ref, &id);
			if (got != want)
				fail_msg("ref %lld max_qty %lld max_notional %lld qty %lld: got %s want %s", (long long)ref,
					 (long long)max_qty, (long long)max_not, (long long)q, rg_reject_str(got),
					 rg_reject_str(want));
			if (got == RG_REJ_NONE)
				assert_true(rg_risk_on_cancelled(f->r, 0, id, f->now));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(max_position_quantity_counts_the_position_and_open_orders_of_the_side),
		FX_TEST(max_position_notional_is_valued_at_the_reference),
		FX_TEST(position_as_a_fraction_of_equity),
		FX_TEST(account_gross_exposure_counts_positions_and_every_open_order),
		FX_TEST(global_gross_exposure_across_accounts),
		FX_TEST(closing_orders_pass_every_exposure_limit_even_beyond_it),
		FX_TEST(replace_is_checked_as_the_state_after_it),
		FX_TEST(position_limits_match_the_128_bit_rule),
		FX_TEST(position_notional_limit_is_exact_at_awkward_references),
	};
	return cmocka_run_group_tests_name("checks_exposure", tests, NULL, NULL);
}
