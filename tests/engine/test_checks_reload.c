/*
 * Config reload in the risk state (rg_risk_adopt_limits): a state built from
 * the new config lends its limits to the live one, and what moved with
 * trading (positions, open orders and their reservations, trading states,
 * kills, references) stays.
 */
#include "checks_fixture.h"

/* A state of f->cfg as edited now, its limits adopted by the live state. */
static void fx_reload(struct fx *f)
{
	struct rg_risk *fresh;
	char err[256];

	if (rg_risk_create(&fresh, &f->cfg, f->now, fx_real(f), err, sizeof(err)) != 0)
		fail_msg("rg_risk_create: %s", err);
	rg_risk_adopt_limits(f->r, fresh);
	rg_risk_destroy(fresh);
}

static void new_limits_apply_and_trading_state_stays(void **state)
{
	const struct rg_risk_scope kill = {RG_RSCOPE_STRATEGY, 1};
	struct fx *f = *state;
	uint64_t live;

	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(50), E8(100), &live), RG_REJ_NONE);
	rg_risk_set_symbol_state(f->r, SYM_BBB, RG_STATE_HALTED);
	rg_risk_set_kills(f->r, &kill, 1);
	rg_risk_set_reference(f->r, SYM_AAA, E8(101), f->now);
	f->syms[SYM_AAA].max_order_qty_e8 = E8(20);
	f->syms[SYM_AAA].collar_bps = 100; /* 1 % around the live reference 101 */
	f->cfg.accounts[0].max_orders_per_day = 3;
	fx_reload(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(21), E8(101), NULL), RG_REJ_MAX_ORDER_QTY);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(99), NULL), RG_REJ_PRICE_COLLAR);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(101), NULL), RG_REJ_NONE);
	/* Two orders approved before the reload and one after: the day's 3 are used. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(101), NULL), RG_REJ_DAILY_ORDER_COUNT);
	assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->qty_e8, E8(100));
	assert_int_equal(f->r->symbols[SYM_AAA].ref_price_e8, E8(101));
	assert_non_null(fx_live(f, 0, live));
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_SYMBOL_HALTED);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(10), E8(101), NULL), RG_REJ_KILL_SWITCH);
	assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
	assert_true(rg_risk_on_cancelled(f->r, 0, live, f->now));
	assert_invariants(f);
}

static void limits_lifted_by_a_reload_admit_again(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].max_order_qty_e8 = E8(5);
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_MAX_ORDER_QTY);
	f->syms[SYM_AAA].max_order_qty_e8 = 0; /* none */
	fx_reload(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
}

/* A strategy's window keeps its recent orders across a reload that changes
 * its count: the new ring starts with the most recent it can hold. */
static void a_rate_window_carries_its_recent_orders(void **state)
{
	struct fx *f = *state;
	uint64_t t;

	f->cfg.strategies[0].order_rate.count = 3;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	fx_create(f);
	t = f->now;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	f->now = t + 100000000; /* +100 ms */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100), NULL), RG_REJ_NONE);
	f->now = t + 200000000;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(3), E8(100), NULL), RG_REJ_NONE);
	/* 2 per second now: the orders at +100 and +200 ms fill the window */
	f->cfg.strategies[0].order_rate.count = 2;
	fx_reload(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_ORDER_RATE);
	f->now = t + SEC_NS + 100000000 - 1;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_ORDER_RATE);
	f->now = t + SEC_NS + 100000000;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), NULL), RG_REJ_ORDER_RATE);
	/* and to a bucket: it starts full */
	f->cfg.strategies[0].order_rate.kind = RG_RATE_BUCKET;
	fx_reload(f);
	assert_null(f->r->strategies[0].order_window);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), NULL), RG_REJ_NONE);
}

/* Order-to-trade ratios and venue credit caps change with a reload; the
 * day's counts and open notional stay. */
static void ratios_and_credit_caps_follow_a_reload(void **state)
{
	struct fx *f = *state;
	uint64_t id, id2;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), &id), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), &id2), RG_REJ_NONE);
	/* a cap of 1000 at the venue: 900 open already */
	f->cfg.accounts[0].venue_credit_e8[0] = E8(1000);
	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 1, .floor = 5, .action = RG_OTR_REJECT};
	fx_reload(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100), NULL), RG_REJ_VENUE_CREDIT);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE); /* 1000 */
	/* messages count from the reload: 1 so far, the floor is 5 */
	assert_true(rg_risk_on_cancelled(f->r, 0, id, f->now));
	assert_true(rg_risk_on_cancelled(f->r, 0, id2, f->now));
	for (int k = 0; k < 4; k++)
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_ORDER_TO_TRADE);
	/* lifted again */
	f->cfg.accounts[0].venue_credit_e8[0] = 0;
	f->cfg.strategies[0].otr.ratio = 0;
	fx_reload(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(20), E8(100), NULL), RG_REJ_NONE);
	assert_invariants(f);
}

/* A cap a reload gives an account counts the orders it already has open,
 * also when another account had a cap all along, and after every cap was
 * lifted and one given again.  (Before, only capped accounts' commits added
 * to their lines while every release took off: account 1's line went
 * negative and its new cap let it past.) */
static void a_cap_given_by_a_reload_counts_open_orders(void **state)
{
	struct fx *f = *state;
	uint64_t id[9];

	f->cfg.accounts[0].venue_credit_e8[0] = E8(1000);
	fx_create(f);
	for (int k = 0; k < 9; k++)
		assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), &id[k]), RG_REJ_NONE);
	assert_true(rg_risk_on_cancelled(f->r, 1, id[0], f->now));
	assert_int_equal(rg_risk_credit(f->r, 1, 0)->open_e8, E8(800));
	/* a cap of 1000 for account 1: 800 open */
	f->cfg.accounts[1].venue_credit_e8[0] = E8(1000);
	fx_reload(f);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(3), E8(100), NULL), RG_REJ_VENUE_CREDIT);
	assert_int_equal(f->d.value, E8(1100));
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100), NULL), RG_REJ_NONE); /* 1000 */
	/* every cap lifted: trading goes on, the lines stay exact */
	f->cfg.accounts[0].venue_credit_e8[0] = 0;
	f->cfg.accounts[1].venue_credit_e8[0] = 0;
	fx_reload(f);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), NULL), RG_REJ_NONE); /* 1500 */
	for (int k = 1; k < 4; k++)
		assert_true(rg_risk_on_cancelled(f->r, 1, id[k], f->now)); /* 1200 */
	assert_int_equal(rg_risk_credit(f->r, 1, 0)->open_e8, E8(1200));
	/* given again: 1200 open over a cap of 1250 */
	f->cfg.accounts[1].venue_credit_e8[0] = E8(1250);
	fx_reload(f);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_VENUE_CREDIT);
	assert_true(rg_risk_on_cancelled(f->r, 1, id[4], f->now)); /* 1100 */
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE); /* 1200 */
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(new_limits_apply_and_trading_state_stays),
		FX_TEST(limits_lifted_by_a_reload_admit_again),
		FX_TEST(a_rate_window_carries_its_recent_orders),
		FX_TEST(ratios_and_credit_caps_follow_a_reload),
		FX_TEST(a_cap_given_by_a_reload_counts_open_orders),
	};
	return cmocka_run_group_tests_name("checks_reload", tests, NULL, NULL);
}
