/*
 * Check 7 and the trading day: realized plus unrealized PnL (marked to the
 * reference) at or below the daily loss limit, absolute or as a fraction of
 * start-of-day equity, or a drawdown from the day's peak beyond its limit,
 * latches the account into REDUCING (or HALTED); the day roll at the
 * configured UTC time resets the latch and the daily counters.
 */
#include "checks_fixture.h"

#define HOUR_NS (3600ULL * SEC_NS)

static void expect_and_drop(struct fx *f, uint32_t strategy, uint8_t side, int64_t qty, int64_t price,
			    enum rg_reject_reason want)
{
	uint64_t id;

	assert_reason(fx_send(f, strategy, SYM_AAA, side, qty, price, &id), want);
	if (want == RG_REJ_NONE)
		assert_true(rg_risk_on_cancelled(f->r, strategy, id, f->now));
}

static void mark(struct fx *f, int64_t ref)
{
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, ref, f->now));
}

/* Long 100 at 100, then the reference walks down: -999 is inside, -1000 at the limit. */
static void check_loss_limit_boundary(struct fx *f)
{
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	mark(f, E8(90) + CENTS(1));
	assert_int_equal(f->r->accounts[0].day_pnl_e8, -E8(999));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(90), RG_REJ_NONE);
	mark(f, E8(90));
	assert_int_equal(f->r->accounts[0].day_pnl_e8, -E8(1000));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(90), RG_REJ_DAILY_LOSS);
	assert_int_equal(f->d.limit, -E8(1000));
	assert_int_equal(f->d.value, -E8(1000));
	/* REDUCING: a closing sell passes, an opening sell does not. */
	expect_and_drop(f, 0, RG_SIDE_SELL, E8(100), E8(90), RG_REJ_NONE);
	expect_and_drop(f, 0, RG_SIDE_SELL, E8(101), E8(90), RG_REJ_DAILY_LOSS);
	/* It latches: a recovery does not lift it. */
	mark(f, E8(95));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(95), RG_REJ_DAILY_LOSS);
	/* Only this account; its operator state is untouched. */
	expect_and_drop(f, 1, RG_SIDE_BUY, E8(1), E8(95), RG_REJ_NONE);
	assert_int_equal(f->r->accounts[0].state, RG_STATE_ACTIVE);
	assert_int_equal(f->r->accounts[0].loss_state, RG_STATE_REDUCING);
}

static void daily_loss_absolute_limit(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].daily_loss_limit_e8 = E8(1000);
	fx_create(f);
	check_loss_limit_boundary(f);
}

static void daily_loss_as_a_fraction_of_start_of_day_equity(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].daily_loss_bps = 10; /* 0.1 % of 1 000 000 */
	f->cfg.accounts[0].daily_loss_limit_e8 = E8(2000); /* the tighter of the two applies */
	fx_create(f);
	assert_int_equal(f->r->accounts[0].loss_limit_e8, E8(1000));
	check_loss_limit_boundary(f);
}

static void realized_losses_count(void **state)
{
	struct fx *f = *state;
	int64_t exit_price[2] = {E8(90) + CENTS(1), E8(90)};
	int i;

	f->cfg.accounts[0].daily_loss_limit_e8 = E8(1000);
	for (i = 0; i < 2; i++) {
		rg_risk_destroy(f->r);
		fx_create(f);
		fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
		fx_position(f, 0, SYM_AAA, RG_SIDE_SELL, E8(100), exit_price[i]); /* flat again */
		assert_int_equal(f->r->accounts[0].realized_today_e8, i == 0 ? -E8(999) : -E8(1000));
		/* Flat: any order opens, so REDUCING refuses all of them. */
		expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), i == 0 ? RG_REJ_NONE : RG_REJ_DAILY_LOSS);
	}
}

static void breach_can_halt_instead(void **state)
{
	struct fx *f = *state;
	uint64_t working;

	f->cfg.accounts[0].daily_loss_limit_e8 = E8(1000);
	f->cfg.accounts[0].loss_state = RG_STATE_HALTED;
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), &working), RG_REJ_NONE);
	mark(f, E8(90));
	expect_and_drop(f, 0, RG_SIDE_SELL, E8(10), E8(90), RG_REJ_DAILY_LOSS);
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(10), E8(90), RG_REJ_DAILY_LOSS);
	assert_reason(fx_cancel(f, 0, working), RG_REJ_NONE);
	/* The operator can lift it; the next mark re-evaluates from the current equity. */
	assert_true(rg_risk_reset_loss(f->r, 0));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(10), E8(90), RG_REJ_NONE);
	mark(f, E8(90) - CENTS(1));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(10), E8(90), RG_REJ_DAILY_LOSS);
}

static void drawdown_from_the_days_peak(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].drawdown_bps = 20; /* 0.2 % of 1 000 000 = 2 000 */
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	mark(f, E8(120)); /* peak 1 002 000 */
	assert_int_equal(f->r->accounts[0].peak_equity_e8, E8(1002000));
	mark(f, E8(100) + CENTS(1)); /* drawdown 1 999 */
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	mark(f, E8(100)); /* drawdown 2 000: at the limit, not beyond */
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	mark(f, E8(100) - CENTS(1)); /* 2 001 */
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DRAWDOWN);
	assert_int_equal(f->d.limit, E8(2000));
	assert_int_equal(f->d.value, E8(2001));
	expect_and_drop(f, 0, RG_SIDE_SELL, E8(100), E8(100), RG_REJ_NONE);
	/* The day's PnL is only -1: a loss limit alone would not have stopped it. */
	assert_true(f->r->accounts[0].day_pnl_e8 < 0 && f->r->accounts[0].day_pnl_e8 > -E8(2));
}

static void day_roll_resets_the_latch_and_carries_equity(void **state)
{
	struct fx *f = *state;
	struct rg_account_state *a;

	f->cfg.accounts[0].daily_loss_limit_e8 = E8(1000);
	f->cfg.accounts[0].max_position_equity_bps = 100;
	fx_create(f);
	a = &f->r->accounts[0];
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	mark(f, E8(90));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(90), RG_REJ_DAILY_LOSS);
	assert_int_equal(a->orders_today, 1);

	/* Midnight UTC (day_start_utc_s = 0) is 12 h after REAL0. */
	assert_false(rg_risk_roll_day(f->r, f->now, fx_real(f)));
	f->now += 12 * HOUR_NS - 1;
	assert_false(rg_risk_roll_day(f->r, f->now, fx_real(f)));
	f->now += 1;
	assert_true(rg_risk_roll_day(f->r, f->now, fx_real(f)));
	assert_false(rg_risk_roll_day(f->r, f->now, fx_real(f))); /* once */
	assert_int_equal(a->loss_state, RG_STATE_ACTIVE);
	assert_int_equal(a->orders_today, 0);
	assert_int_equal(a->equity_sod_e8, E8(999000));
	assert_int_equal(a->position_equity_limit_e8, E8(9990));
	assert_int_equal(a->day_pnl_e8, 0);
	assert_int_equal(a->realized_today_e8, 0);
	/* Positions carry over; yesterday's mark does not count against today. */
	assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->qty_e8, E8(100));
	expect_and_drop(f, 0, RG_SIDE_SELL, E8(1), E8(90), RG_REJ_NONE);
	mark(f, E8(90) - CENTS(1));
	assert_int_equal(a->day_pnl_e8, -E8(1));
	mark(f, E8(80) + CENTS(1));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(80), RG_REJ_NONE);  /* -999 today */
	mark(f, E8(80));
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(80), RG_REJ_DAILY_LOSS);
}

static void day_boundary_is_configurable_and_the_order_path_rolls_by_itself(void **state)
{
	struct fx *f = *state;
	uint64_t start = T0;

	f->cfg.day_start_utc_s = 22 * 3600; /* 10 h after REAL0 */
	f->cfg.accounts[0].max_orders_per_day = 1;
	fx_create(f);
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DAILY_ORDER_COUNT);
	f->now = start + 10 * HOUR_NS - 1;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DAILY_ORDER_COUNT);
	assert_int_equal(f->r->day_rolls, 0);
	/* No rg_risk_roll_day call: the order at the boundary rolls the day. */
	f->now = start + 10 * HOUR_NS;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	assert_int_equal(f->r->day_rolls, 1);
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DAILY_ORDER_COUNT);
	/* The realtime clock agrees: no second roll. */
	assert_false(rg_risk_roll_day(f->r, f->now, fx_real(f)));
	/* The next boundary is 24 h later. */
	f->now = start + 34 * HOUR_NS - 1;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DAILY_ORDER_COUNT);
	f->now = start + 34 * HOUR_NS;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	assert_int_equal(f->r->day_rolls, 2);
}

static void a_stepped_realtime_clock_resynchronises_the_boundary(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].max_orders_per_day = 1;
	fx_create(f);
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
	/* The wall clock is stepped forward 11 h 59 min: midnight is now 1 min away on the monotonic clock. */
	assert_false(rg_risk_roll_day(f->r, f->now, fx_real(f) + 11 * HOUR_NS + 59 * 60 * SEC_NS));
	f->now += 60 * SEC_NS - 1;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_DAILY_ORDER_COUNT);
	f->now += 1;
	expect_and_drop(f, 0, RG_SIDE_BUY, E8(1), E8(100), RG_REJ_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(daily_loss_absolute_limit),
		FX_TEST(daily_loss_as_a_fraction_of_start_of_day_equity),
		FX_TEST(realized_losses_count),
		FX_TEST(breach_can_halt_instead),
		FX_TEST(drawdown_from_the_days_peak),
		FX_TEST(day_roll_resets_the_latch_and_carries_equity),
		FX_TEST(day_boundary_is_configurable_and_the_order_path_rolls_by_itself),
		FX_TEST(a_stepped_realtime_clock_resynchronises_the_boundary),
	};
	return cmocka_run_group_tests_name("checks_loss", tests, NULL, NULL);
}
