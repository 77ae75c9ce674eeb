/*
 * Area 8b: the order-to-trade ratio, per strategy and per account: the floor
 * below which it does not apply, the boundary message refused and the
 * allowance a fill adds, cancels counted but never refused, each action
 * (reject, reducing, halted and its latch lifted by a resume), and the new
 * trading day starting afresh.
 */
#include "checks_fixture.h"

#include "risk_events.h"

static enum rg_reject_reason buy(struct fx *f, uint32_t strategy, uint64_t *id)
{
	return fx_send(f, strategy, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), id);
}

static void the_floor_then_the_ratio(void **state)
{
	struct fx *f = *state;
	uint64_t id = 0, first = 0;

	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 3, .floor = 4, .action = RG_OTR_REJECT};
	fx_create(f);
	/* the floor: four messages whatever the fills (a cancel counts) */
	assert_reason(buy(f, 0, &first), RG_REJ_NONE);
	assert_reason(buy(f, 0, &id), RG_REJ_NONE);
	assert_reason(fx_cancel(f, 0, id), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_int_equal(f->d.limit, 4);
	assert_int_equal(f->d.value, 5);
	/* a cancel is never refused for it, and counts */
	assert_reason(fx_cancel(f, 0, first), RG_REJ_NONE);
	assert_int_equal(f->r->strategies[0].otr_day.msgs, 5);
	/* two fills allow six messages: one more */
	fx_fill(f, 0, first, E8(1) / 2, E8(100));
	fx_fill(f, 0, first, E8(1) / 2, E8(100));
	assert_int_equal(f->r->strategies[0].otr_day.allowed, 6);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	/* the other strategy has no ratio */
	assert_reason(buy(f, 1, NULL), RG_REJ_NONE);
	/* tomorrow (midnight UTC is 12 h after REAL0) starts afresh */
	f->now += 12 * 3600 * SEC_NS;
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_int_equal(f->r->strategies[0].otr_day.msgs, 1);
}

static void the_account_counts_every_strategy(void **state)
{
	struct fx *f = *state;

	f->cfg.accounts[0].otr = (struct rg_otr_cfg){.ratio = 10, .floor = 3, .action = RG_OTR_REJECT};
	f->cfg.strategies[1].account = 0;
	fx_create(f);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_reason(buy(f, 1, NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_reason(buy(f, 1, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
}

static void reducing_lets_a_reducing_order_go(void **state)
{
	struct fx *f = *state;

	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 1, .floor = 2, .action = RG_OTR_REDUCING};
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100)); /* message 1, one fill: allows 2 */
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);              /* message 2 */
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_NONE); /* reduces */
}

static void halted_latches_until_a_resume(void **state)
{
	struct fx *f = *state;
	uint64_t id;

	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 2, .floor = 2, .action = RG_OTR_HALTED};
	fx_create(f);
	assert_reason(buy(f, 0, &id), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
	assert_true(rg_otr_latched(&f->r->strategies[0].otr_day));
	/* fills would allow more, but the latch holds */
	fx_fill(f, 0, id, E8(1), E8(100));
	fx_fill(f, 0, 2, E8(1), E8(100));
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_true(rg_risk_resume_strategy(f->r, 0));
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE);
}

/* Resumed while still at its allowance, with no message since: the next
 * fills raise the allowance again (the latch is not taken again by a fill),
 * and a message at the allowance latches anew. */
static void a_resume_at_the_allowance_lets_fills_raise_it(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;

	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 2, .floor = 2, .action = RG_OTR_HALTED};
	fx_create(f);
	assert_reason(buy(f, 0, &a), RG_REJ_NONE);
	assert_reason(buy(f, 0, &b), RG_REJ_NONE);
	assert_true(rg_risk_resume_strategy(f->r, 0));
	assert_false(rg_otr_latched(&f->r->strategies[0].otr_day));
	fx_fill(f, 0, a, E8(1), E8(100)); /* allowance 2: still refused, not latched */
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_int_equal(f->d.limit, 2);
	fx_fill(f, 0, b, E8(1), E8(100)); /* allowance 4 */
	assert_reason(buy(f, 0, &a), RG_REJ_NONE);
	assert_reason(buy(f, 0, NULL), RG_REJ_NONE); /* the fourth message reaches the allowance: latched */
	assert_true(rg_otr_latched(&f->r->strategies[0].otr_day));
	fx_fill(f, 0, a, E8(1), E8(100)); /* the latch holds the allowance at 4 */
	assert_reason(buy(f, 0, NULL), RG_REJ_ORDER_TO_TRADE);
	assert_int_equal(f->d.limit, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(the_floor_then_the_ratio),
		FX_TEST(the_account_counts_every_strategy),
		FX_TEST(reducing_lets_a_reducing_order_go),
		FX_TEST(halted_latches_until_a_resume),
		FX_TEST(a_resume_at_the_allowance_lets_fills_raise_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
