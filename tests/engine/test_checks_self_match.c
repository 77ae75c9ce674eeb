/*
 * Check 11: self-match prevention.  An order that would cross a resting
 * order of its account (or self-match group) on the same symbol, at each
 * price boundary, in each mode; the best resting prices kept exact as orders
 * rest, fill, are cancelled, are refused by the venue and are repriced;
 * orders that cannot rest (market, IOC) never block; a checked order of an
 * account with self-match off is never refused for it.
 */
#include "checks_fixture.h"

#include "self_match.h"

static enum rg_reject_reason send(struct fx *f, uint32_t strategy, uint8_t side, int64_t price, uint64_t *id)
{
	return fx_send(f, strategy, SYM_AAA, side, E8(1), price, id);
}

static void setup_mode(struct fx *f, uint8_t mode)
{
	f->cfg.accounts[0].self_match = mode;
	f->cfg.accounts[1].all_symbols = true;
	fx_create(f);
}

static const struct rg_position *book(struct fx *f, uint32_t account)
{
	return rg_risk_position(f->r, f->r->accounts[account].smp_leader, SYM_AAA);
}

static void a_crossing_order_is_refused_at_each_boundary(void **state)
{
	struct fx *f = *state;
	uint64_t sell, buy;

	setup_mode(f, RG_SMP_REJECT_NEW);
	assert_reason(send(f, 0, RG_SIDE_SELL, CENTS(10050), &sell), RG_REJ_NONE);
	assert_int_equal(rg_smp_best_ask(book(f, 0)), CENTS(10050));
	/* a buy one tick below the resting sell rests beside it */
	assert_reason(send(f, 0, RG_SIDE_BUY, CENTS(10049), &buy), RG_REJ_NONE);
	/* at the sell's price it would trade with it */
	assert_reason(send(f, 0, RG_SIDE_BUY, CENTS(10050), NULL), RG_REJ_SELF_MATCH);
	assert_int_equal(f->d.limit, CENTS(10050));
	assert_int_equal(f->d.value, CENTS(10050));
	assert_false(f->d.smp_cancel);
	assert_reason(send(f, 0, RG_SIDE_BUY, CENTS(10100), NULL), RG_REJ_SELF_MATCH);
	/* a sell at the resting buy's price, and below it, would too; above, not */
	assert_reason(send(f, 0, RG_SIDE_SELL, CENTS(10049), NULL), RG_REJ_SELF_MATCH);
	assert_reason(send(f, 0, RG_SIDE_SELL, CENTS(10000), NULL), RG_REJ_SELF_MATCH);
	assert_reason(send(f, 0, RG_SIDE_SELL, CENTS(10051), NULL), RG_REJ_NONE);
	/* a market order crosses any resting order of the other side */
	assert_reason(send(f, 0, RG_SIDE_BUY, 0, NULL), RG_REJ_SELF_MATCH);
	assert_int_equal(f->d.value, 0);
	/* the other account's orders are not ours: no self-match */
	assert_reason(send(f, 1, RG_SIDE_BUY, CENTS(10100), NULL), RG_REJ_NONE);
	/* a refused order took nothing */
	assert_int_equal(f->r->strategies[0].orders.count, 3);
	assert_invariants(f);
}

static void the_best_prices_follow_fills_cancels_and_rejects(void **state)
{
	struct fx *f = *state;
	uint64_t s1, s2, s3;

	setup_mode(f, RG_SMP_REJECT_NEW);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(101), &s1), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(101), &s2), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(103), &s3), RG_REJ_NONE);
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(101));
	/* one of the two at the best leaves: the best stays */
	assert_true(rg_risk_on_cancelled(f->r, 0, s1, f->now));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(101));
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(101), NULL), RG_REJ_SELF_MATCH);
	/* a partial fill leaves it resting; the full fill takes it away */
	fx_fill(f, 0, s2, E8(1) / 2, E8(101));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(101));
	fx_fill(f, 0, s2, E8(1) / 2, E8(101));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(103));
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(102), NULL), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(103), NULL), RG_REJ_SELF_MATCH);
	/* the venue refuses the last sell: nothing rests on that side */
	assert_true(rg_risk_on_venue_reject(f->r, 0, s3, f->now));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), 0);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(105), NULL), RG_REJ_NONE);
	assert_int_equal(rg_smp_best_bid(book(f, 0)), E8(105));
	assert_invariants(f);
}

static void orders_that_cannot_rest_never_block(void **state)
{
	struct fx *f = *state;
	struct rg_order o;

	setup_mode(f, RG_SMP_REJECT_NEW);
	o = fx_order(f, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100));
	o.tif = RG_TIF_IOC;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_SELL, 0, NULL), RG_REJ_NONE); /* market */
	assert_int_equal(rg_smp_best_ask(book(f, 0)), 0);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(100), NULL), RG_REJ_NONE);
	/* but an IOC that would cross a resting order is refused like any other */
	o = fx_order(f, SYM_AAA, RG_SIDE_SELL, E8(1), E8(99));
	o.tif = RG_TIF_IOC;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_SELF_MATCH);
}

static void cancel_modes_mark_the_decision(void **state)
{
	struct fx *f = *state;
	uint64_t buy, ids[4];

	f->cfg.accounts[1].self_match = RG_SMP_CANCEL_BOTH;
	setup_mode(f, RG_SMP_CANCEL_RESTING);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(100), &buy), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(99), NULL), RG_REJ_NONE);
	/* cancel_resting: the order goes, the decision asks for the cancels */
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(99), NULL), RG_REJ_NONE);
	assert_true(f->d.smp_cancel);
	assert_int_equal(rg_smp_crossing(f->r, 0, SYM_AAA, RG_SIDE_SELL, false, E8(99), ids, 4), 2);
	assert_int_equal(rg_smp_crossing(f->r, 0, SYM_AAA, RG_SIDE_SELL, false, E8(100), ids, 4), 1);
	assert_int_equal(ids[0], fx_live(f, 0, buy)->engine_seq);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(101), NULL), RG_REJ_NONE);
	assert_false(f->d.smp_cancel);
	/* cancel_both: refused, and the cancels asked for */
	assert_reason(send(f, 1, RG_SIDE_BUY, E8(100), NULL), RG_REJ_NONE);
	assert_reason(send(f, 1, RG_SIDE_SELL, E8(100), NULL), RG_REJ_SELF_MATCH);
	assert_true(f->d.smp_cancel);
	assert_invariants(f);
}

static void a_group_shares_one_book(void **state)
{
	struct fx *f = *state;
	uint64_t sell;

	strcpy(f->cfg.accounts[0].self_match_group, "desk");
	strcpy(f->cfg.accounts[1].self_match_group, "desk");
	f->cfg.accounts[1].self_match = RG_SMP_REJECT_NEW;
	setup_mode(f, RG_SMP_REJECT_NEW);
	assert_int_equal(f->r->accounts[1].smp_leader, 0);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(100), &sell), RG_REJ_NONE);
	/* account 1's buy would meet account 0's sell */
	assert_reason(send(f, 1, RG_SIDE_BUY, E8(100), NULL), RG_REJ_SELF_MATCH);
	assert_reason(send(f, 1, RG_SIDE_SELL, E8(98), NULL), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(98), NULL), RG_REJ_SELF_MATCH); /* and the other way */
	assert_true(rg_risk_on_cancelled(f->r, 0, sell, f->now));
	assert_reason(send(f, 1, RG_SIDE_BUY, E8(97), NULL), RG_REJ_NONE);
	assert_invariants(f);
}

static void off_never_refuses_and_reprice_moves_the_best(void **state)
{
	struct fx *f = *state;
	uint64_t s1, s2;

	setup_mode(f, RG_SMP_OFF);
	assert_null(f->r->smp.heads);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(100), NULL), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(101), NULL), RG_REJ_NONE);
	rg_risk_destroy(f->r);
	f->r = NULL;
	setup_mode(f, RG_SMP_REJECT_NEW);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(100), &s1), RG_REJ_NONE);
	assert_reason(send(f, 0, RG_SIDE_SELL, E8(102), &s2), RG_REJ_NONE);
	rg_smp_reprice(f->r, 0, fx_live(f, 0, s1), E8(104));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(102));
	rg_smp_reprice(f->r, 0, fx_live(f, 0, s2), E8(99));
	assert_int_equal(rg_smp_best_ask(book(f, 0)), E8(99));
	assert_reason(send(f, 0, RG_SIDE_BUY, E8(99), NULL), RG_REJ_SELF_MATCH);
}

/* Many orders resting, leaving in random order: the best prices always equal
 * a recomputation from the live orders. */
static void the_books_stay_exact_under_churn(void **state)
{
	struct fx *f = *state;
	uint64_t ids[256], rng = 0x9E3779B97F4A7C15ull;
	unsigned n = 0;

	f->cfg.strategies[0].max_open_orders = 300;
	f->cfg.accounts[0].max_gross_equity_bps = 0;
	setup_mode(f, RG_SMP_REJECT_NEW);
	for (int k = 0; k < 4000; k++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		if (n < 256 && (rng & 1)) {
			/* buys at 90..99, sells at 101..110: they never cross */
			bool buy = (rng >> 1) & 1;
			int64_t px = buy ? E8(90 + (int64_t)((rng >> 8) % 10)) : E8(101 + (int64_t)((rng >> 8) % 10));
			uint64_t id;
			if (send(f, 0, buy ? RG_SIDE_BUY : RG_SIDE_SELL, px, &id) == RG_REJ_NONE)
				ids[n++] = id;
		} else if (n > 0) {
			unsigned at = (unsigned)((rng >> 16) % n);
			if ((rng >> 40) & 1)
				assert_true(rg_risk_on_cancelled(f->r, 0, ids[at], f->now));
			else
				fx_fill(f, 0, ids[at], E8(1), fx_live(f, 0, ids[at])->price_e8);
			ids[at] = ids[--n];
		}
		int64_t bid = 0, ask = 0;
		for (unsigned i = 0; i < n; i++) {
			const struct rg_open_order *e = fx_live(f, 0, ids[i]);
			if (e->side == RG_SIDE_BUY && e->price_e8 > bid)
				bid = e->price_e8;
			if (e->side == RG_SIDE_SELL && (ask == 0 || e->price_e8 < ask))
				ask = e->price_e8;
		}
		assert_int_equal(rg_smp_best_bid(book(f, 0)), bid);
		assert_int_equal(rg_smp_best_ask(book(f, 0)), ask);
	}
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(a_crossing_order_is_refused_at_each_boundary),
		FX_TEST(the_best_prices_follow_fills_cancels_and_rejects),
		FX_TEST(orders_that_cannot_rest_never_block),
		FX_TEST(cancel_modes_mark_the_decision),
		FX_TEST(a_group_shares_one_book),
		FX_TEST(off_never_refuses_and_reprice_moves_the_best),
		FX_TEST(the_books_stay_exact_under_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
