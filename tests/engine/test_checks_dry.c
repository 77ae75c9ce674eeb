/*
 * rg_risk_check_order_dry, the path warmer's read-only check: on a risk
 * state with every check on and a day behind it (open orders of both
 * strategies, a position, rate windows and the duplicate guard filled,
 * self-match books, venue credit, order-to-trade counts), dry checks of
 * orders that would pass, orders each area would refuse, an id that is live
 * and a full open-order table leave every byte of the state as it was
 * (risk_snapshot.h), and say what the real check then says of the same
 * order.  A due trading-day roll is left to the real check.
 */
#include "checks_fixture.h"
#include "risk_snapshot.h"

static void configure_everything(struct fx *f)
{
	f->cfg.strategies[0].order_rate.count = 50;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].message_rate.count = 60;
	f->cfg.strategies[0].message_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].duplicate_window_ns = SEC_NS;
	f->cfg.strategies[0].max_open_orders = 16;
	f->cfg.strategies[0].otr = (struct rg_otr_cfg){.ratio = 100, .floor = 1000, .action = RG_OTR_REJECT};
	f->cfg.accounts[0].self_match = RG_SMP_REJECT_NEW;
	f->cfg.accounts[0].venue_credit_e8[0] = E8(100000);
	f->cfg.accounts[0].max_orders_per_day = 1000;
}

/* The dry check of `o` changes nothing and agrees with the real check that
 * follows it; returns what both said. */
static enum rg_reject_reason dry_then_real(struct fx *f, uint32_t strategy, const struct rg_order *o)
{
	struct rg_risk_snapshot before;
	enum rg_reject_reason dry, real;
	const char *moved;

	rg_risk_snapshot_take(&before, f->r);
	for (int i = 0; i < 3; i++) /* as a warm pass would, again and again */
		dry = rg_risk_check_order_dry(f->r, strategy, o, f->now);
	moved = rg_risk_snapshot_diff(&before, f->r);
	rg_risk_snapshot_free(&before);
	if (moved != NULL)
		fail_msg("a dry check of order %llu changed the %s", (unsigned long long)o->client_order_id, moved);
	real = rg_risk_check_order(f->r, strategy, o, f->now, &f->d);
	if (dry != real)
		fail_msg("order %llu: dry check %s, real check %s", (unsigned long long)o->client_order_id,
			 rg_reject_str(dry), rg_reject_str(real));
	return real;
}

static void dry_check_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t resting_sell = 0, live[8];

	configure_everything(f);
	fx_create(f);
	/* a day behind it: a position, resting orders on both sides, the windows filling */
	assert_int_equal(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &live[0]), RG_REJ_NONE);
	fx_fill(f, 0, live[0], E8(10), E8(100));
	assert_int_equal(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(5), E8(105), &resting_sell), RG_REJ_NONE);
	for (int i = 1; i < 6; i++) {
		f->now += 1000;
		assert_int_equal(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(95 + i), &live[i]), RG_REJ_NONE);
	}
	assert_int_equal(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(3), E8(99), NULL), RG_REJ_NONE);
	assert_int_equal(fx_cancel(f, 0, live[1]), RG_REJ_NONE);
	assert_true(rg_risk_on_cancelled(f->r, 0, live[1], f->now));
	f->now += 1000;

	/* would pass, on each strategy: both checks approve, and only the real one commits */
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(97));
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_NONE);
	assert_non_null(fx_live(f, 0, o.client_order_id));
	o = fx_order(f, SYM_AAA, RG_SIDE_SELL, E8(1), E8(101));
	assert_int_equal(dry_then_real(f, 1, &o), RG_REJ_NONE);
	/* refused by one area or another */
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(97)); /* the same order again */
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_DUPLICATE_ORDER);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(106)); /* crosses its own resting sell */
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_SELF_MATCH);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(200)); /* outside the collar */
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_PRICE_COLLAR);
	o = fx_order(f, SYM_CCC, RG_SIDE_BUY, E8(1), E8(10));
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_SYMBOL_DISABLED);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(98));
	o.client_order_id = live[2]; /* an id that is live */
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_DUPLICATE_CLORDID);
	/* the open-order table full */
	for (int i = 0; f->r->strategies[0].orders.count < f->r->strategies[0].orders.max_count; i++) {
		o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90) + CENTS(i + 1));
		assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_NONE);
	}
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(91));
	assert_int_equal(dry_then_real(f, 0, &o), RG_REJ_MAX_OPEN_ORDERS);
	assert_invariants(f);
}

static void dry_check_leaves_a_due_roll_alone(void **state)
{
	struct fx *f = *state;
	struct rg_risk_snapshot before;
	struct rg_order o;
	int64_t day;

	configure_everything(f);
	fx_create(f);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	f->now = f->r->day_roll_mono_ns + 1;
	day = f->r->day_index;
	rg_risk_snapshot_take(&before, f->r);
	assert_int_equal(rg_risk_check_order_dry(f->r, 0, &o, f->now), RG_REJ_MALFORMED);
	assert_null(rg_risk_snapshot_diff(&before, f->r));
	rg_risk_snapshot_free(&before);
	/* cancels and replaces are not the warmer's */
	o.kind = RG_ORDER_CANCEL;
	assert_int_equal(rg_risk_check_order_dry(f->r, 0, &o, T0), RG_REJ_MALFORMED);
	/* the real check rolls the day */
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	fx_decide(f, 0, &o);
	assert_int_equal(f->r->day_index, day + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dry_check_changes_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(dry_check_leaves_a_due_roll_alone, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
