/*
 * Venue events and market data: acks, fills (position, average cost,
 * realized PnL, reservation release), cancels, venue rejects, the replace
 * lifecycle and marking to the reference price.  After every step the
 * bookkeeping invariants (risk_invariants.h) must hold.
 */
#include "checks_fixture.h"

static struct rg_position *pos(struct fx *f, uint32_t account, uint32_t sym)
{
	return rg_risk_position(f->r, account, sym);
}

static void fills_keep_average_cost_and_realized_pnl(void **state)
{
	struct fx *f = *state;
	struct rg_position *p;
	struct rg_account_state *a;

	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	p = pos(f, 0, SYM_AAA);
	a = &f->r->accounts[0];
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(110));
	assert_int_equal(p->qty_e8, E8(200));
	assert_int_equal(p->avg_price_e8, E8(105));
	assert_int_equal(a->realized_today_e8, 0);
	fx_position(f, 0, SYM_AAA, RG_SIDE_SELL, E8(50), E8(120)); /* +50 x 15 */
	assert_int_equal(p->qty_e8, E8(150));
	assert_int_equal(p->avg_price_e8, E8(105));
	assert_int_equal(a->realized_today_e8, E8(750));
	fx_position(f, 0, SYM_AAA, RG_SIDE_SELL, E8(200), E8(100)); /* closes 150 at -5, opens 50 short at 100 */
	assert_int_equal(p->qty_e8, -E8(50));
	assert_int_equal(p->avg_price_e8, E8(100));
	assert_int_equal(a->realized_today_e8, 0);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(50), E8(90)); /* short covered 10 lower */
	assert_int_equal(p->qty_e8, 0);
	assert_int_equal(p->avg_price_e8, 0);
	assert_int_equal(a->realized_today_e8, E8(500));
	assert_int_equal(a->upnl_e8, 0);
	assert_int_equal(a->gross_position_e8, 0);
	assert_invariants(f);
}

static void partial_fills_release_the_reservation_as_they_go(void **state)
{
	struct fx *f = *state;
	struct rg_account_state *a;
	uint64_t id;

	fx_create(f);
	a = &f->r->accounts[0];
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &id), RG_REJ_NONE);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(100));
	assert_int_equal(a->open_notional_e8, E8(10000));
	assert_int_equal(f->r->global_gross_e8, E8(10000));
	assert_true(rg_risk_on_ack(f->r, 0, id, f->now));
	assert_true(fx_live(f, 0, id)->flags & RG_OO_ACKED);
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(40), E8(99), E8(60), f->now));
	assert_int_equal(pos(f, 0, SYM_AAA)->qty_e8, E8(40));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(60));
	assert_int_equal(a->open_notional_e8, E8(6000)); /* leaves stay reserved at the limit price */
	assert_int_equal(a->gross_position_e8, E8(4000)); /* position at the reference */
	assert_int_equal(a->upnl_e8, E8(40));             /* bought at 99, marked at 100 */
	assert_int_equal(f->r->global_gross_e8, E8(10000));
	assert_invariants(f);
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(60), E8(100), 0, f->now));
	assert_null(fx_live(f, 0, id));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, 0);
	assert_int_equal(a->open_notional_e8, 0);
	assert_int_equal(pos(f, 0, SYM_AAA)->avg_price_e8, 9960000000LL); /* (40 x 99 + 60 x 100) / 100 */
	assert_false(rg_risk_on_fill(f->r, 0, id, E8(1), E8(100), 0, f->now)); /* finished */
	assert_invariants(f);
}

static void venue_leaves_below_ours_release_more_and_never_grow_the_reservation(void **state)
{
	struct fx *f = *state;
	uint64_t id;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(100), E8(100), &id), RG_REJ_NONE);
	/* The venue says 20 left after a fill of 30 (it cancelled 50 on its side). */
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(30), E8(100), E8(20), f->now));
	assert_int_equal(fx_live(f, 0, id)->leaves_qty_e8, E8(20));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_sell_qty_e8, E8(20));
	/* It says 500 left after 10 more: we keep 10. */
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(10), E8(100), E8(500), f->now));
	assert_int_equal(fx_live(f, 0, id)->leaves_qty_e8, E8(10));
	assert_int_equal(pos(f, 0, SYM_AAA)->qty_e8, -E8(40));
	/* An overfill books the whole fill and finishes the order. */
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(25), E8(100), 0, f->now));
	assert_null(fx_live(f, 0, id));
	assert_int_equal(pos(f, 0, SYM_AAA)->qty_e8, -E8(65));
	assert_invariants(f);
}

static void cancels_and_venue_rejects_release_everything(void **state)
{
	struct fx *f = *state;
	uint64_t a, b;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &a), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_SELL, E8(10), E8(50), &b), RG_REJ_NONE);
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(1500));
	assert_true(rg_risk_on_cancelled(f->r, 0, a, f->now));
	assert_false(rg_risk_on_cancelled(f->r, 0, a, f->now));
	assert_true(rg_risk_on_venue_reject(f->r, 0, b, f->now));
	assert_false(rg_risk_on_venue_reject(f->r, 0, b, f->now));
	assert_int_equal(f->r->accounts[0].open_notional_e8, 0);
	assert_int_equal(f->r->global_gross_e8, 0);
	assert_int_equal(f->r->strategies[0].orders.count, 0);
	/* Unknown strategies and ids are refused. */
	assert_false(rg_risk_on_ack(f->r, 5, a, f->now));
	assert_false(rg_risk_on_fill(f->r, 0, 0, E8(1), E8(1), 0, f->now));
	assert_false(rg_risk_on_fill(f->r, 0, a, 0, E8(1), 0, f->now));
	assert_invariants(f);
}

static struct rg_order replace_of(struct fx *f, uint64_t target, int64_t qty, int64_t price)
{
	struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, qty, price);

	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = target;
	return o;
}

static void acked_replace_retires_its_target(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	o = replace_of(f, target, E8(50), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(150));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10000 + 5050));
	assert_invariants(f);
	/* The target can still fill while the replace is in flight. */
	assert_true(rg_risk_on_fill(f->r, 0, target, E8(10), E8(100), E8(90), f->now));
	assert_true(rg_risk_on_ack(f->r, 0, o.client_order_id, f->now));
	assert_null(fx_live(f, 0, target));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(50));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(5050));
	assert_int_equal(fx_live(f, 0, o.client_order_id)->replaces, 0);
	assert_invariants(f);
}

static void refused_replace_leaves_its_target_live(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	o = replace_of(f, target, E8(50), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_true(rg_risk_on_venue_reject(f->r, 0, o.client_order_id, f->now));
	assert_non_null(fx_live(f, 0, target));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(100));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10000));
	assert_invariants(f);
}

static void a_fill_on_the_replacement_completes_the_replace(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	o = replace_of(f, target, E8(50), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_true(rg_risk_on_fill(f->r, 0, o.client_order_id, E8(20), E8(101), E8(30), f->now));
	assert_null(fx_live(f, 0, target));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(30));
	assert_int_equal(pos(f, 0, SYM_AAA)->qty_e8, E8(20));
	assert_invariants(f);
}

static void reference_updates_mark_every_account_holding_the_symbol(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	fx_position(f, 1, SYM_AAA, RG_SIDE_SELL, E8(30), E8(100));
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, E8(105), f->now));
	assert_int_equal(f->r->accounts[0].upnl_e8, E8(500));
	assert_int_equal(f->r->accounts[1].upnl_e8, -E8(150));
	assert_int_equal(f->r->accounts[0].gross_position_e8, E8(10500));
	assert_int_equal(f->r->accounts[1].gross_position_e8, E8(3150));
	assert_int_equal(f->r->global_gross_e8, E8(13650));
	assert_int_equal(f->r->accounts[0].day_pnl_e8, E8(500));
	assert_int_equal(f->r->accounts[0].peak_equity_e8, E8(1000500));
	assert_invariants(f);
}

static void arithmetic_fault_in_an_event_halts_the_account(void **state)
{
	struct fx *f = *state;
	int64_t price = INT64_MAX - INT64_MAX % CENTS(1);
	uint64_t id;

	f->syms[SYM_AAA].max_price_e8 = 0;
	f->syms[SYM_AAA].max_qty_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), price, &id), RG_REJ_NONE);
	fx_fill(f, 0, id, E8(1), price);
	/* Marking 1 share bought at ~9.2e10 down to 100 is fine... */
	assert_int_equal(f->r->accounts[0].state, RG_STATE_ACTIVE);
	/* ...a fill of 10^6 shares at that price cannot be valued. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), &id), RG_REJ_NONE);
	assert_true(rg_risk_on_fill(f->r, 0, id, E8(1000000), price, 0, f->now));
	assert_int_equal(f->r->accounts[0].state, RG_STATE_HALTED);
	assert_int_equal(f->r->accounts[0].arith_faults, 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_ACCOUNT_HALTED);
}

/* Regression (found by fuzz_order_decode): an overflowing mark wrote the
 * wrapped sum into the account's and the global gross before failing. */
static void mark_overflow_keeps_the_sums_consistent(void **state)
{
	struct fx *f = *state;
	int64_t huge = 6000000000000000000LL; /* one share here is 6e10 of money: fits; two do not */
	int64_t bbb_gross;

	f->syms[SYM_AAA].max_price_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0;
	f->syms[SYM_BBB].max_price_e8 = 0;
	f->syms[SYM_BBB].collar_bps = 0;
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	fx_position(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50));
	assert_true(rg_risk_set_reference(f->r, SYM_AAA, huge, f->now));
	assert_int_equal(f->r->accounts[0].state, RG_STATE_ACTIVE);
	bbb_gross = rg_risk_position(f->r, 0, SYM_BBB)->gross_notional_e8;
	/* Marking BBB as high makes the account's gross (and upnl) sum overflow. */
	assert_true(rg_risk_set_reference(f->r, SYM_BBB, huge, f->now));
	assert_int_equal(f->r->accounts[0].state, RG_STATE_HALTED);
	assert_int_equal(f->r->accounts[0].arith_faults, 1);
	assert_int_equal(f->r->accounts[0].gross_position_e8, huge + bbb_gross); /* BBB keeps its last good mark */
	assert_int_equal(f->r->global_gross_e8, huge + bbb_gross);
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(fills_keep_average_cost_and_realized_pnl),
		FX_TEST(partial_fills_release_the_reservation_as_they_go),
		FX_TEST(venue_leaves_below_ours_release_more_and_never_grow_the_reservation),
		FX_TEST(cancels_and_venue_rejects_release_everything),
		FX_TEST(acked_replace_retires_its_target),
		FX_TEST(refused_replace_leaves_its_target_live),
		FX_TEST(a_fill_on_the_replacement_completes_the_replace),
		FX_TEST(reference_updates_mark_every_account_holding_the_symbol),
		FX_TEST(arithmetic_fault_in_an_event_halts_the_account),
		FX_TEST(mark_overflow_keeps_the_sums_consistent),
	};
	return cmocka_run_group_tests_name("checks_events", tests, NULL, NULL);
}
