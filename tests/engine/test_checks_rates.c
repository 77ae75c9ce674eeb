/*
 * Checks 8 and 10: order and message rates (sliding windows, and buckets:
 * GCRA), orders per day, the
 * execution throttle latch, open-order capacity and the duplicate-order
 * guard, all against an injected clock.
 */
#include "checks_fixture.h"

#define MS_NS 1000000ULL

static enum rg_reject_reason buy(struct fx *f, uint32_t strategy, int64_t qty, uint64_t *id)
{
	return fx_send(f, strategy, SYM_AAA, RG_SIDE_BUY, qty, E8(100), id);
}

static void order_rate_bucket_admits_a_burst_then_one_per_interval(void **state)
{
	struct fx *f = *state;
	uint64_t t, interval = 333333334; /* ceil(1 s / 3) */
	int i;

	f->cfg.strategies[0].order_rate.count = 3;
	f->cfg.strategies[0].order_rate.kind = RG_RATE_BUCKET;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	fx_create(f);
	t = f->now;
	for (i = 0; i < 3; i++)
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	assert_int_equal(f->d.limit, interval);
	assert_int_equal(f->d.value, interval); /* ns until the next one conforms */
	f->now = t + interval - 1;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	assert_int_equal(f->d.value, 1);
	f->now = t + interval;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	/* Idle for a full window refills the bucket, never beyond `count`. */
	f->now = t + 10 * SEC_NS;
	for (i = 0; i < 3; i++)
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	/* Per strategy. */
	assert_reason(buy(f, 1, E8(1), NULL), RG_REJ_NONE);
}

/* The default kind: at most `count` in any window, the count back to back. */
static void order_rate_window_admits_its_count_then_waits_for_the_oldest(void **state)
{
	struct fx *f = *state;
	uint64_t t;
	int i;

	f->cfg.strategies[0].order_rate.count = 3;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	fx_create(f);
	t = f->now;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	f->now = t + 400 * MS_NS;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	assert_int_equal(f->d.limit, SEC_NS);          /* the window */
	assert_int_equal(f->d.value, 600 * MS_NS);     /* ns until the oldest leaves it */
	f->now = t + SEC_NS - 1;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
	f->now = t + SEC_NS;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE); /* the two at 400 ms are still inside */
	f->now = t + 1400 * MS_NS;
	for (i = 0; i < 2; i++)
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
}

/* The strategy at 15 per second: orders as fast as they come never put
 * more than 15 in any second (a bucket let 29 through), and a window's worth
 * goes whenever the last second held none. */
static void order_rate_window_never_holds_more_than_its_count(void **state)
{
	struct fx *f = *state;
	uint64_t at[400], rng = 0x2545F4914F6CDD1Dull;
	size_t n = 0;

	f->cfg.strategies[0].order_rate.count = 15;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].max_open_orders = 1000;
	f->cfg.accounts[0].max_orders_per_day = 0;
	fx_create(f);
	for (int k = 0; k < 3000 && n < 400; k++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		f->now += (rng % 8 == 0) ? (rng >> 8) % (400 * MS_NS) : (rng >> 8) % MS_NS;
		enum rg_reject_reason why = buy(f, 0, E8(1), NULL);
		if (why == RG_REJ_NONE)
			at[n++] = f->now;
		else
			assert_reason(why, RG_REJ_ORDER_RATE);
	}
	assert_true(n > 100);
	for (size_t i = 0; i + 15 < n; i++)
		assert_true(at[i + 15] - at[i] >= SEC_NS);
	f->now += SEC_NS;
	for (int i = 0; i < 15; i++)
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
}

static void refused_orders_take_no_token(void **state)
{
	struct fx *f = *state;

	f->cfg.strategies[0].order_rate.count = 1;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].message_rate.count = 1;
	f->cfg.strategies[0].message_rate.window_ns = SEC_NS;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(200), NULL), RG_REJ_PRICE_COLLAR);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_ORDER_RATE);
}

static void orders_per_day_per_account(void **state)
{
	struct fx *f = *state;
	int i;

	f->cfg.accounts[0].max_orders_per_day = 3;
	fx_create(f);
	for (i = 0; i < 3; i++)
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_DAILY_ORDER_COUNT);
	assert_int_equal(f->d.limit, 3);
	assert_int_equal(f->d.value, 4);
	assert_reason(buy(f, 1, E8(1), NULL), RG_REJ_NONE);
	/* Cancels are not orders. */
	assert_reason(fx_cancel(f, 0, 1), RG_REJ_NONE);
	/* Tomorrow (midnight UTC is 12 h after REAL0). */
	f->now += 12 * 3600 * SEC_NS;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
}

static void message_rate_counts_new_orders_and_cancels(void **state)
{
	struct fx *f = *state;
	uint64_t ids[2], t;

	f->cfg.strategies[0].message_rate.count = 2;
	f->cfg.strategies[0].message_rate.window_ns = SEC_NS;
	f->cfg.strategies[1].message_rate.count = 2;
	f->cfg.strategies[1].message_rate.kind = RG_RATE_BUCKET;
	f->cfg.strategies[1].message_rate.window_ns = SEC_NS;
	fx_create(f);
	t = f->now;
	for (uint32_t s = 0; s < 2; s++) {
		assert_reason(buy(f, s, E8(1), &ids[s]), RG_REJ_NONE);
		assert_reason(fx_cancel(f, s, ids[s]), RG_REJ_NONE);
		assert_reason(fx_cancel(f, s, ids[s]), RG_REJ_MESSAGE_RATE);
		assert_reason(buy(f, s, E8(1), NULL), RG_REJ_MESSAGE_RATE);
	}
	/* the bucket (strategy 1) has one token back after half a second, the
	 * window (strategy 0) only when its oldest message is a second old */
	f->now = t + SEC_NS / 2 - 1;
	assert_reason(fx_cancel(f, 1, ids[1]), RG_REJ_MESSAGE_RATE);
	f->now = t + SEC_NS / 2;
	assert_reason(fx_cancel(f, 1, ids[1]), RG_REJ_NONE);
	assert_reason(fx_cancel(f, 0, ids[0]), RG_REJ_MESSAGE_RATE);
	f->now = t + SEC_NS;
	assert_reason(fx_cancel(f, 0, ids[0]), RG_REJ_NONE);
}

static void execution_throttle_latches_until_an_operator_resumes(void **state)
{
	struct fx *f = *state;
	uint64_t id, working, t;

	f->cfg.strategies[0].exec_throttle_fills = 3;
	f->cfg.strategies[0].exec_throttle_window_ns = SEC_NS;
	fx_create(f);
	assert_reason(buy(f, 0, E8(100), &id), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), &working), RG_REJ_NONE);
	t = f->now;
	fx_fill(f, 0, id, E8(10), E8(100));
	f->now = t + SEC_NS / 2;
	fx_fill(f, 0, id, E8(10), E8(100));
	/* Third fill exactly one window after the first: the first no longer counts. */
	f->now = t + SEC_NS;
	fx_fill(f, 0, id, E8(10), E8(100));
	assert_false(f->r->strategies[0].throttle_latched);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	/* Fourth fill: the last three (t + 0.5 s .. t + 1.5 s - 1) are within one window. */
	f->now = t + 3 * SEC_NS / 2 - 1;
	fx_fill(f, 0, id, E8(10), E8(100));
	assert_true(f->r->strategies[0].throttle_latched);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_EXECUTION_THROTTLE);
	assert_int_equal(f->d.limit, 3);
	/* Cancels still pass; fills keep being booked. */
	assert_reason(fx_cancel(f, 0, working), RG_REJ_NONE);
	fx_fill(f, 0, id, E8(10), E8(100));
	/* It never resumes by itself. */
	f->now += 24 * 3600 * SEC_NS;
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_EXECUTION_THROTTLE);
	assert_reason(buy(f, 1, E8(1), NULL), RG_REJ_NONE); /* other strategies trade */
	assert_true(rg_risk_resume_strategy(f->r, 0));
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	/* Resuming forgets the fills: it takes three new ones to trip again. */
	fx_fill(f, 0, id, E8(10), E8(100));
	fx_fill(f, 0, id, E8(10), E8(100));
	assert_false(f->r->strategies[0].throttle_latched);
	fx_fill(f, 0, id, E8(10), E8(100));
	assert_true(f->r->strategies[0].throttle_latched);
	assert_int_equal(f->r->strategies[0].throttle_trips, 2);
	assert_false(rg_risk_resume_strategy(f->r, 2));
}

static void open_order_capacity(void **state)
{
	struct fx *f = *state;
	uint64_t first;

	f->cfg.strategies[0].max_open_orders = 2;
	fx_create(f);
	assert_reason(buy(f, 0, E8(1), &first), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_MAX_OPEN_ORDERS);
	assert_int_equal(f->d.limit, 2);
	assert_true(rg_risk_on_cancelled(f->r, 0, first, f->now));
	assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_NONE);
}

static void open_order_table_survives_heavy_churn(void **state)
{
	struct fx *f = *state;
	uint64_t ids[64];
	int round, i;

	f->cfg.strategies[0].max_open_orders = 64;
	fx_create(f);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < 64; i++)
			assert_reason(buy(f, 0, E8(1), &ids[i]), RG_REJ_NONE);
		assert_reason(buy(f, 0, E8(1), NULL), RG_REJ_MAX_OPEN_ORDERS);
		/* Remove in a scrambled order to exercise backward-shift deletion. */
		for (i = 0; i < 64; i++) {
			int k = (i * 37 + round) % 64;
			assert_true(rg_risk_on_cancelled(f->r, 0, ids[k], f->now));
			assert_null(fx_live(f, 0, ids[k]));
		}
		assert_int_equal(f->r->strategies[0].orders.count, 0);
	}
	assert_invariants(f);
}

static void duplicate_order_within_the_window(void **state)
{
	struct fx *f = *state;
	uint64_t t;

	f->cfg.strategies[0].duplicate_window_ns = 100 * MS_NS;
	fx_create(f);
	t = f->now;
	assert_reason(buy(f, 0, E8(10), NULL), RG_REJ_NONE);
	f->now = t + 100 * MS_NS - 1;
	assert_reason(buy(f, 0, E8(10), NULL), RG_REJ_DUPLICATE_ORDER);
	assert_int_equal(f->d.limit, 100 * MS_NS);
	assert_int_equal(f->d.value, 100 * MS_NS - 1);
	/* Any field different is a different order. */
	assert_reason(buy(f, 0, E8(11), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100) + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(10), E8(50), NULL), RG_REJ_NONE);
	/* Another strategy is not a duplicate. */
	assert_reason(buy(f, 1, E8(10), NULL), RG_REJ_NONE);
	/* At exactly the window it is no longer one. */
	f->now = t + 100 * MS_NS;
	assert_reason(buy(f, 0, E8(10), NULL), RG_REJ_NONE);
	/* ...and the new one starts a new window. */
	assert_reason(buy(f, 0, E8(10), NULL), RG_REJ_DUPLICATE_ORDER);
	/* Market orders too. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), 0, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), 0, NULL), RG_REJ_DUPLICATE_ORDER);
}

static void duplicate_guard_remembers_many_recent_orders(void **state)
{
	struct fx *f = *state;
	int i;

	f->cfg.strategies[0].duplicate_window_ns = SEC_NS;
	fx_create(f);
	/* 100 different orders.  The most recent four are always remembered (a set
	 * holds four); the rest unless more than four of the 100 land in one of
	 * the 256 sets (rare at this count). */
	for (i = 0; i < 100; i++)
		assert_reason(buy(f, 0, E8(1 + i), NULL), RG_REJ_NONE);
	for (i = 99; i >= 96; i--)
		assert_reason(buy(f, 0, E8(1 + i), NULL), RG_REJ_DUPLICATE_ORDER);
	int caught = 0;
	for (i = 0; i < 96; i++)
		caught += buy(f, 0, E8(1 + i), NULL) == RG_REJ_DUPLICATE_ORDER;
	print_message("caught %d of the 96 older repeats\n", caught);
	assert_true(caught >= 94);
}

static void rate_limit_refuses_a_replace_as_a_message(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t id;

	f->cfg.strategies[0].order_rate.count = 1;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].message_rate.count = 2;
	f->cfg.strategies[0].message_rate.window_ns = SEC_NS;
	fx_create(f);
	assert_reason(buy(f, 0, E8(1), &id), RG_REJ_NONE);
	/* A replace is not a new order: the order rate does not apply, the message rate does. */
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100));
	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_reason(fx_cancel(f, 0, o.client_order_id), RG_REJ_MESSAGE_RATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(order_rate_bucket_admits_a_burst_then_one_per_interval),
		FX_TEST(order_rate_window_admits_its_count_then_waits_for_the_oldest),
		FX_TEST(order_rate_window_never_holds_more_than_its_count),
		FX_TEST(refused_orders_take_no_token),
		FX_TEST(orders_per_day_per_account),
		FX_TEST(message_rate_counts_new_orders_and_cancels),
		FX_TEST(execution_throttle_latches_until_an_operator_resumes),
		FX_TEST(open_order_capacity),
		FX_TEST(open_order_table_survives_heavy_churn),
		FX_TEST(duplicate_order_within_the_window),
		FX_TEST(duplicate_guard_remembers_many_recent_orders),
		FX_TEST(rate_limit_refuses_a_replace_as_a_message),
	};
	return cmocka_run_group_tests_name("checks_rates", tests, NULL, NULL);
}
