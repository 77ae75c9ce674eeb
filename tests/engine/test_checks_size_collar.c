/*
 * Checks 4 and 5: order size (maximum quantity, minimum and maximum notional
 * per symbol and per account, overflow) and the reference price (present,
 * fresh, collar).  Each limit just inside, exactly at, just outside.
 */
#include "checks_fixture.h"

static void max_order_quantity(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].max_order_qty_e8 = E8(500);
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(499), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(500), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(501), E8(100), NULL), RG_REJ_MAX_ORDER_QTY);
	assert_int_equal(f->d.limit, E8(500));
	assert_int_equal(f->d.value, E8(501));
}

static void symbol_min_and_max_notional(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].min_notional_e8 = E8(1000);
	f->syms[SYM_AAA].max_notional_e8 = E8(10000);
	fx_create(f);
	/* 10 shares: 999.90 / 1000.00 / 1000.10 */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100) - CENTS(1), NULL), RG_REJ_MIN_NOTIONAL);
	assert_int_equal(f->d.limit, E8(1000));
	assert_int_equal(f->d.value, E8(1000) - CENTS(10));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100) + CENTS(1), NULL), RG_REJ_NONE);
	/* 100 shares: 9999.00 / 10000.00 / 10001.00 */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100) - CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100) + CENTS(1), NULL), RG_REJ_MAX_NOTIONAL);
	assert_int_equal(f->d.limit, E8(10000));
	assert_int_equal(f->d.value, E8(10001));
	/* Other symbols are not limited. */
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1000), E8(50), NULL), RG_REJ_NONE);
}

static void account_min_and_max_notional(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].min_notional_e8 = E8(1000);
	f->cfg.accounts[0].max_notional_e8 = E8(10000);
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100) - CENTS(1), NULL), RG_REJ_MIN_NOTIONAL);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100) + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100) - CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100) + CENTS(1), NULL), RG_REJ_MAX_NOTIONAL);
	/* The limit applies to every symbol of the account: 200 BBB at 50.00 is at it, at 50.01 over. */
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(200), E8(50), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(200), E8(50) + CENTS(1), NULL), RG_REJ_MAX_NOTIONAL);
	/* Account 1 has no such limit. */
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
}

static void notional_rounds_up_to_the_next_1e_minus_8(void **state)
{
	struct fx *f = *state;

	/* A lot and a tick of 10^-8, so a notional can fall between two e8 units. */
	f->syms[SYM_AAA].lot_e8 = 1;
	f->syms[SYM_AAA].min_qty_e8 = 1;
	f->syms[SYM_AAA].tick_e8 = 1;
	f->syms[SYM_AAA].collar_bps = 0;
	f->syms[SYM_AAA].max_notional_e8 = 100;
	fx_create(f);
	/* 10^-8 units at 100.00000000 is exactly 100 e8 units of money; at 100.00000001 it is
	 * 100.00000001 units, rounded up to 101. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, 1, E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, 1, E8(100) + 1, NULL), RG_REJ_MAX_NOTIONAL);
	assert_int_equal(f->d.value, 101);
}

static void market_orders_are_valued_at_the_reference_plus_the_band(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].max_notional_e8 = E8(11000); /* reference 100 + 10 % = 110 */
	f->syms[SYM_BBB].max_notional_e8 = E8(5000);  /* reference 50, no collar */
	f->syms[SYM_BBB].market_allowed = true;
	f->syms[SYM_BBB].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(99), 0, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), 0, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(101), 0, NULL), RG_REJ_MAX_NOTIONAL);
	assert_int_equal(f->d.value, E8(11110));
	/* Sells too: the band is added whatever the side (conservative). */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(101), 0, NULL), RG_REJ_MAX_NOTIONAL);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_SELL, E8(100), 0, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_SELL, E8(101), 0, NULL), RG_REJ_MAX_NOTIONAL);
	assert_int_equal(f->d.value, E8(5050));
	/* The reservation is made at that valuation. */
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10890 + 11000 + 5000));
	assert_invariants(f);
}

static void notional_that_does_not_fit_is_an_overflow_not_a_wrap(void **state)
{
	struct fx *f = *state;
	int64_t max_price = INT64_MAX - INT64_MAX % CENTS(1);

	f->syms[SYM_AAA].max_qty_e8 = 0; /* no range: let the product grow */
	f->syms[SYM_AAA].max_price_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	/* 1 share at the largest price: the notional is the price itself and fits. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), max_price, NULL), RG_REJ_NONE);
	/* 2 shares do not: 2 x 9.2e10 overflows an int64 of e8 money. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(2), max_price, NULL), RG_REJ_ARITH_OVERFLOW);
	/* Nor the largest quantity at 1.00. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, INT64_MAX - INT64_MAX % E8(1), E8(2), NULL),
		      RG_REJ_ARITH_OVERFLOW);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, INT64_MAX - INT64_MAX % E8(1), max_price, NULL),
		      RG_REJ_ARITH_OVERFLOW);
	/* The refused orders reserved nothing. */
	assert_int_equal(f->r->accounts[0].open_notional_e8, max_price);
	assert_invariants(f);
}

static void exposure_sums_that_overflow_are_refused(void **state)
{
	struct fx *f = *state;
	int64_t half = (INT64_MAX / 2) - (INT64_MAX / 2) % CENTS(1);

	f->syms[SYM_AAA].max_price_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), half, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), half, NULL), RG_REJ_NONE);
	/* A third would make the account's reserved notional wrap. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), half, NULL), RG_REJ_ARITH_OVERFLOW);
	assert_invariants(f);
}

static void reference_price_must_exist(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].reference_price_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0; /* required even without a collar */
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NO_REFERENCE_PRICE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), 0, NULL), RG_REJ_NO_REFERENCE_PRICE);
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(100), f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), 0, NULL), RG_REJ_NONE);
	/* Clearing it stops the symbol again. */
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, 0, f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NO_REFERENCE_PRICE);
	assert_false(rg_risk_set_reference(f->r, SYM_AAA, -1, f->now));
	assert_false(rg_risk_set_reference(f->r, N_SYMS, E8(1), f->now));
}

static void stale_reference_price_fails_closed(void **state)
{
	struct fx *f = *state;
	uint64_t set_at;

	f->cfg.reference_max_age_ns = 5 * SEC_NS;
	fx_create(f);
	set_at = f->now;
	f->now = set_at + 5 * SEC_NS - 1;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	f->now = set_at + 5 * SEC_NS;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	f->now = set_at + 5 * SEC_NS + 1;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_STALE_REFERENCE_PRICE);
	assert_int_equal(f->d.limit, 5 * SEC_NS);
	assert_int_equal(f->d.value, 5 * SEC_NS + 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), 0, NULL), RG_REJ_STALE_REFERENCE_PRICE);
	/* A fresh reference revives it. */
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(100), f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
}

static void limit_price_must_be_inside_the_collar(void **state)
{
	struct fx *f = *state;

	fx_create(f); /* AAA: reference 100, collar 10 %: [90, 110] */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90) - CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
	assert_int_equal(f->d.limit, E8(90));
	assert_int_equal(f->d.value, E8(90) - CENTS(1));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90) + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(110) - CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(110), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(110) + CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
	assert_int_equal(f->d.limit, E8(110));
	/* The collar follows the reference. */
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(200), f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(180) - CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(180), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(220), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(220) + CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
}

static void collar_band_rounds_toward_the_reference(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].tick_e8 = 1;
	f->syms[SYM_AAA].collar_bps = 1; /* 0.01 % of 100.00000003 = 0.0100000000003 -> 0.01 */
	f->syms[SYM_AAA].reference_price_e8 = E8(100) + 3;
	fx_create(f);
	assert_int_equal(f->r->symbols[SYM_AAA].collar_hi_e8, E8(100) + 3 + CENTS(1));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + 3 + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + 4 + CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + 3 - CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + 2 - CENTS(1), NULL), RG_REJ_PRICE_COLLAR);
}

static void no_collar_admits_any_price_in_range(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(10000), NULL), RG_REJ_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(max_order_quantity),
		FX_TEST(symbol_min_and_max_notional),
		FX_TEST(account_min_and_max_notional),
		FX_TEST(notional_rounds_up_to_the_next_1e_minus_8),
		FX_TEST(market_orders_are_valued_at_the_reference_plus_the_band),
		FX_TEST(notional_that_does_not_fit_is_an_overflow_not_a_wrap),
		FX_TEST(exposure_sums_that_overflow_are_refused),
		FX_TEST(reference_price_must_exist),
		FX_TEST(stale_reference_price_fails_closed),
		FX_TEST(limit_price_must_be_inside_the_collar),
		FX_TEST(collar_band_rounds_toward_the_reference),
		FX_TEST(no_collar_admits_any_price_in_range),
	};
	return cmocka_run_group_tests_name("checks_size_collar", tests, NULL, NULL);
}
