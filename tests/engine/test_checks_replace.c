/*
 * Tests of cancel/replace in the risk state: the rules a replace's target must
 * meet (engine/checks.c _rg_replace_classify), the modify rate, a replace that
 * only shrinks passing exposure and loss, and the venue's answers
 * (rg_risk_on_replaced, rg_risk_on_replace_rejected) or their loss across a
 * restart (rg_risk_on_replace_unknown): reservations and invariants after
 * every step.
 */
#include "checks_fixture.h"

static struct rg_position *pos(struct fx *f, uint32_t account, uint32_t sym)
{
	return rg_risk_position(f->r, account, sym);
}

static struct rg_order replace_of(struct fx *f, uint64_t target, int64_t qty, int64_t price)
{
	struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, qty, price);

	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = target;
	return o;
}

static void replaced_takes_the_venues_leaves_and_the_targets_fills(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	uint64_t seq = f->d.engine_seq;
	assert_true(rg_risk_on_ack(f->r, 0, target, f->now));
	o = replace_of(f, target, E8(50), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	/* The same order at the venue: the target's engine sequence. */
	assert_int_equal(f->d.engine_seq, seq);
	assert_true(fx_live(f, 0, target)->flags & RG_OO_REPLACE_PENDING);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(150));
	assert_invariants(f);
	/* A fill of the target races the replace: the venue's leaves are the new total less it. */
	assert_true(rg_risk_on_fill(f->r, 0, target, E8(10), E8(100), E8(90), f->now));
	assert_true(rg_risk_on_replaced(f->r, 0, o.client_order_id, E8(40), f->now));
	assert_null(fx_live(f, 0, target));
	assert_int_equal(fx_live(f, 0, o.client_order_id)->leaves_qty_e8, E8(40));
	assert_int_equal(fx_live(f, 0, o.client_order_id)->replaces, 0);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(40));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(40 * 101));
	assert_invariants(f);
	assert_false(rg_risk_on_replaced(f->r, 0, 999, E8(1), f->now));
}

static void replace_rejected_leaves_the_target_as_it_was(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;
	bool live = false;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	o = replace_of(f, target, E8(150), E8(99));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_true(rg_risk_on_replace_rejected(f->r, 0, o.client_order_id, &live, f->now));
	assert_true(live);
	assert_null(fx_live(f, 0, o.client_order_id));
	assert_false(fx_live(f, 0, target)->flags & RG_OO_REPLACE_PENDING);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(100));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10000));
	assert_invariants(f);
	/* It can be replaced again. */
	o = replace_of(f, target, E8(150), E8(99));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	/* A target filled in full before the refusal: gone, and said so. */
	assert_true(rg_risk_on_fill(f->r, 0, target, E8(100), E8(100), 0, f->now));
	assert_true(rg_risk_on_replace_rejected(f->r, 0, o.client_order_id, &live, f->now));
	assert_false(live);
	assert_int_equal(f->r->strategies[0].orders.count, 0);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, 0);
	assert_invariants(f);
	assert_false(rg_risk_on_replace_rejected(f->r, 0, o.client_order_id, &live, f->now));
}

/* A replace left unanswered by a restart: the target keeps the larger of
 * the two open quantities and reserved notionals, never their sum. */
static void unknown_replace_keeps_the_larger_reservation(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t target;
	bool live = false;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &target), RG_REJ_NONE);
	/* a larger replacement: its quantity and notional stay reserved */
	o = replace_of(f, target, E8(150), E8(99));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(10000 + 14850));
	assert_true(rg_risk_on_replace_unknown(f->r, 0, o.client_order_id, &live, f->now));
	assert_true(live);
	assert_null(fx_live(f, 0, o.client_order_id));
	assert_false(fx_live(f, 0, target)->flags & RG_OO_REPLACE_PENDING);
	assert_int_equal(fx_live(f, 0, target)->leaves_qty_e8, E8(150));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(150));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(14850));
	assert_int_equal(f->r->global_gross_e8, E8(14850));
	assert_invariants(f);
	/* a venue fill of what may be either: the reservation follows its leaves down, never up */
	assert_true(rg_risk_on_fill(f->r, 0, target, E8(20), E8(99), E8(130), f->now));
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, E8(130));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(13000));
	assert_invariants(f);
	/* a smaller replacement: the target stays as it was */
	o = replace_of(f, target, E8(50), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_true(rg_risk_on_replace_unknown(f->r, 0, o.client_order_id, &live, f->now));
	assert_true(live);
	assert_int_equal(fx_live(f, 0, target)->leaves_qty_e8, E8(130));
	assert_int_equal(f->r->accounts[0].open_notional_e8, E8(13000));
	assert_invariants(f);
	/* a target that ended meanwhile (a cancel at the venue): both reservations go */
	o = replace_of(f, target, E8(200), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_true(rg_risk_on_cancelled(f->r, 0, target, f->now));
	assert_true(rg_risk_on_replace_unknown(f->r, 0, o.client_order_id, &live, f->now));
	assert_false(live);
	assert_int_equal(f->r->strategies[0].orders.count, 0);
	assert_int_equal(pos(f, 0, SYM_AAA)->open_buy_qty_e8, 0);
	assert_int_equal(f->r->accounts[0].open_notional_e8, 0);
	assert_invariants(f);
	assert_false(rg_risk_on_replace_unknown(f->r, 0, o.client_order_id, &live, f->now));
}

static void a_replace_needs_a_resting_target_free_of_pending_requests(void **state)
{
	struct fx *f = *state;
	struct rg_order o, p;
	uint64_t target, ioc, mkt, gone;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &target), RG_REJ_NONE);
	/* Unknown, and filled (no longer live). */
	o = replace_of(f, 4242, E8(5), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_UNKNOWN_ORDER);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(99), &gone), RG_REJ_NONE);
	fx_fill(f, 0, gone, E8(10), E8(99));
	o = replace_of(f, gone, E8(5), E8(99));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_UNKNOWN_ORDER);
	/* No change. */
	o = replace_of(f, target, E8(10), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_REPLACE_NO_CHANGE);
	/* Not resting: a market or IOC target, or a replace into one. */
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), 0);
	mkt = o.client_order_id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(98));
	o.tif = RG_TIF_IOC;
	ioc = o.client_order_id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	o = replace_of(f, mkt, E8(2), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_REPLACE_NOT_RESTING);
	o = replace_of(f, ioc, E8(2), E8(98));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_REPLACE_NOT_RESTING);
	o = replace_of(f, target, E8(11), E8(100));
	o.tif = RG_TIF_FOK;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_REPLACE_NOT_RESTING);
	/* Replace pending: of the target again, and of the replacement. */
	o = replace_of(f, target, E8(11), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	p = replace_of(f, target, E8(12), E8(100));
	assert_reason(fx_decide(f, 0, &p), RG_REJ_REPLACE_PENDING);
	p = replace_of(f, o.client_order_id, E8(12), E8(100));
	assert_reason(fx_decide(f, 0, &p), RG_REJ_REPLACE_PENDING);
	/* Cancel pending. */
	assert_true(rg_risk_on_replaced(f->r, 0, o.client_order_id, E8(11), f->now));
	assert_reason(fx_cancel(f, 0, o.client_order_id), RG_REJ_NONE);
	p = replace_of(f, o.client_order_id, E8(12), E8(100));
	assert_reason(fx_decide(f, 0, &p), RG_REJ_REPLACE_CANCEL_PENDING);
	assert_invariants(f);
}

static void modify_rate_limits_replaces_only(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t id;

	f->cfg.strategies[0].modify_rate.count = 2;
	f->cfg.strategies[0].modify_rate.window_ns = SEC_NS;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &id), RG_REJ_NONE);
	for (int i = 0; i < 2; i++) {
		o = replace_of(f, id, E8(9 - i), E8(100));
		assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
		assert_true(rg_risk_on_replaced(f->r, 0, o.client_order_id, E8(9 - i), f->now));
		id = o.client_order_id;
	}
	o = replace_of(f, id, E8(5), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MODIFY_RATE);
	assert_int_equal(f->d.limit, SEC_NS / 2);
	/* New orders and cancels do not count against it. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(97), NULL), RG_REJ_NONE);
	f->now += SEC_NS / 2;
	o = replace_of(f, id, E8(5), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_invariants(f);
}

static void a_shrinking_replace_passes_exposure_and_loss(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t id;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100), &id), RG_REJ_NONE);
	/* The account is stopped for loss and its position limit lowered below what the order holds. */
	f->r->accounts[0].loss_state = RG_STATE_HALTED;
	f->r->accounts[0].loss_reason = RG_REJ_DAILY_LOSS;
	f->r->symbols[SYM_AAA].max_side_qty_e8 = E8(10);
	f->r->symbols[SYM_AAA].max_position_qty_e8 = E8(10);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_MAX_POSITION_QTY);
	o = replace_of(f, id, E8(101), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MAX_POSITION_QTY);
	o = replace_of(f, id, E8(100), E8(101));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MAX_POSITION_QTY); /* a higher price is more notional */
	o = replace_of(f, id, E8(60), E8(99));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(replaced_takes_the_venues_leaves_and_the_targets_fills),
		FX_TEST(replace_rejected_leaves_the_target_as_it_was),
		FX_TEST(unknown_replace_keeps_the_larger_reservation),
		FX_TEST(a_replace_needs_a_resting_target_free_of_pending_requests),
		FX_TEST(modify_rate_limits_replaces_only),
		FX_TEST(a_shrinking_replace_passes_exposure_and_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
