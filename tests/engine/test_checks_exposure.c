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
	};
	return cmocka_run_group_tests_name("checks_exposure", tests, NULL, NULL);
}
