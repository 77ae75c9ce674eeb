/*
 * Area 6b: credit per venue.  The cap on an account's open plus filled
 * notional at a venue, at its boundary; released by cancels, kept by fills
 * for the day, cleared by the day roll; per account and per venue; a
 * replace held against its growth, also on a line over a lowered cap.
 */
#include "checks_fixture.h"

#include "risk_events.h"

static void open_plus_filled_up_to_the_cap(void **state)
{
	struct fx *f = *state;
	uint64_t a, b, sell;

	f->cfg.accounts[0].venue_credit_e8[0] = E8(1000);
	fx_create(f);
	/* 4 x 100 + 6 x 100 = 1000: exactly the cap */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), &a), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(6), E8(100), &b), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_VENUE_CREDIT);
	assert_int_equal(f->d.limit, E8(1000));
	assert_int_equal(f->d.value, E8(1090));
	/* the other account has no cap */
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(20), E8(100), NULL), RG_REJ_NONE);
	/* a cancel frees its part */
	assert_true(rg_risk_on_cancelled(f->r, 0, b, f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(6), E8(100), &sell), RG_REJ_NONE);
	/* a fill keeps its notional used (at the fill price) */
	fx_fill(f, 0, a, E8(4), E8(99));
	assert_int_equal(rg_risk_credit(f->r, 0, 0)->filled_e8, E8(396));
	assert_int_equal(rg_risk_credit(f->r, 0, 0)->open_e8, E8(600));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_VENUE_CREDIT);
	assert_true(rg_risk_on_cancelled(f->r, 0, sell, f->now));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(6), E8(100), NULL), RG_REJ_NONE); /* 996 */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_VENUE_CREDIT);
	/* the next trading day: the fills no longer count */
	f->now += 12 * 3600 * SEC_NS;
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_NONE); /* 1000 */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_VENUE_CREDIT);
	assert_invariants(f);
}

static enum rg_reject_reason replace(struct fx *f, uint64_t target, int64_t qty, int64_t price)
{
	struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, qty, price);

	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = target;
	return fx_decide(f, 0, &o);
}

/* A replace is held against its growth only, at the cap's boundary; a line
 * already over its cap (a reload lowered it) refuses growth and lets a
 * replace that shrinks go. */
static void a_replace_counts_its_growth(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;

	f->cfg.accounts[0].venue_credit_e8[0] = E8(1000);
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(6), E8(100), &a), RG_REJ_NONE);
	assert_reason(replace(f, a, E8(11), E8(100)), RG_REJ_VENUE_CREDIT); /* 600 + 500 */
	assert_int_equal(f->d.limit, E8(1000));
	assert_int_equal(f->d.value, E8(1100));
	assert_reason(replace(f, a, E8(10), E8(100)), RG_REJ_NONE); /* 600 + 400: the cap */
	assert_int_equal(rg_risk_credit(f->r, 0, 0)->open_e8, E8(1600)); /* both live until the venue answers */
	rg_risk_destroy(f->r);
	f->r = NULL;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(6), E8(100), &b), RG_REJ_NONE);
	rg_risk_credit(f->r, 0, 0)->limit_e8 = E8(500); /* as a reload lowering the cap leaves it */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_VENUE_CREDIT);
	assert_int_equal(f->d.value, E8(690));
	assert_reason(replace(f, b, E8(7), E8(100)), RG_REJ_VENUE_CREDIT); /* 600 + 100 */
	assert_int_equal(f->d.value, E8(700));
	assert_reason(replace(f, b, E8(4), E8(100)), RG_REJ_NONE); /* 600 - 200 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(open_plus_filled_up_to_the_cap),
		FX_TEST(a_replace_counts_its_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
