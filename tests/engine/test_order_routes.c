/*
 * The engine's route table (engine/daemon/order_routes.h), indexed by the
 * engine sequence: consecutive sequences, a route live for laps while new
 * ones map onto its slot (collisions), deletion that shifts a probe chain
 * back, a table refusing routes past three quarters full and taking them
 * again after deletions, and a long run against a reference model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "order_routes.h"

#define CAP 64u

static struct rg_order_route route(uint64_t seq)
{
	struct rg_order_route r = {.engine_seq = seq,
				   .client_order_id = seq * 10 + 1,
				   .symbol_id = (uint32_t)(seq % 7),
				   .strategy = (uint16_t)(seq % 3),
				   .venue = (uint16_t)(seq % 5)};

	return r;
}

static void expect_route(struct rg_order_routes *t, uint64_t seq)
{
	struct rg_order_route *r = rg_order_routes_get(t, seq);

	assert_non_null(r);
	assert_int_equal(r->engine_seq, seq);
	assert_int_equal(r->client_order_id, seq * 10 + 1);
	assert_int_equal(r->strategy, seq % 3);
}

static void consecutive_sequences_take_their_own_slots(void **state)
{
	struct rg_order_routes t;

	(void)state;
	assert_int_equal(rg_order_routes_init(&t, CAP), 0);
	for (uint64_t s = 1; s <= 40; s++) {
		struct rg_order_route r = route(s);
		assert_true(rg_order_routes_put(&t, &r));
		assert_ptr_equal(rg_order_routes_get(&t, s), &t.slots[s & t.mask]);
	}
	assert_null(rg_order_routes_get(&t, 41));
	assert_null(rg_order_routes_get(&t, 0));
	rg_order_routes_fini(&t);
}

/* Sequence 5 stays live while 69, 133 (5 + 64k) and their neighbours arrive:
 * the probe chain runs past it, every route is found, and deleting 5 shifts
 * the chain back so nothing is lost. */
static void collisions_and_backward_shift(void **state)
{
	struct rg_order_routes t;
	uint64_t seqs[] = {5, 6, 69, 70, 133, 71, 7};
	struct rg_order_route r;

	(void)state;
	assert_int_equal(rg_order_routes_init(&t, CAP), 0);
	for (unsigned i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		r = route(seqs[i]);
		assert_true(rg_order_routes_put(&t, &r));
	}
	for (unsigned i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		expect_route(&t, seqs[i]);
	rg_order_routes_del(&t, rg_order_routes_get(&t, 5));
	assert_null(rg_order_routes_get(&t, 5));
	for (unsigned i = 1; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		expect_route(&t, seqs[i]);
	assert_ptr_equal(rg_order_routes_get(&t, 69), &t.slots[5]); /* moved home */
	rg_order_routes_del(&t, rg_order_routes_get(&t, 70));
	rg_order_routes_del(&t, rg_order_routes_get(&t, 6));
	for (unsigned i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		if (seqs[i] != 5 && seqs[i] != 6 && seqs[i] != 70)
			expect_route(&t, seqs[i]);
	assert_int_equal(t.count, 4);
	rg_order_routes_fini(&t);
}

static void full_table_refuses_and_takes_again_after_deletes(void **state)
{
	struct rg_order_routes t;
	struct rg_order_route r;
	uint64_t s;

	(void)state;
	assert_int_equal(rg_order_routes_init(&t, CAP), 0);
	for (s = 1; s <= CAP / 4 * 3; s++) {
		r = route(s);
		assert_true(rg_order_routes_put(&t, &r));
	}
	r = route(s);
	assert_false(rg_order_routes_put(&t, &r));
	assert_null(rg_order_routes_get(&t, s));
	rg_order_routes_del(&t, rg_order_routes_get(&t, 10));
	assert_true(rg_order_routes_put(&t, &r));
	expect_route(&t, s);
	for (uint64_t k = 1; k < s; k++)
		if (k != 10)
			expect_route(&t, k);
	rg_order_routes_fini(&t);
}

/* Many laps: orders done in a mixed order, some resting for laps, checked
 * against a plain list of what is live. */
static void long_run_matches_a_model(void **state)
{
	enum { LIVE_MAX = 40 };
	struct rg_order_routes t;
	uint64_t live[LIVE_MAX], n = 0, next = 1, x = 12345;

	(void)state;
	assert_int_equal(rg_order_routes_init(&t, CAP), 0);
	for (unsigned step = 0; step < 200000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n < LIVE_MAX && (x & 3) != 0) {
			struct rg_order_route r = route(next);
			assert_true(rg_order_routes_put(&t, &r));
			live[n++] = next++;
		} else if (n > 0) {
			/* the oldest few rest long: pick mostly among the newest */
			uint64_t i = (x >> 8) % 5 == 0 ? (x >> 16) % n : n - 1 - (x >> 16) % (n < 4 ? n : 4);
			rg_order_routes_del(&t, rg_order_routes_get(&t, live[i]));
			assert_null(rg_order_routes_get(&t, live[i]));
			live[i] = live[--n];
		}
		if (step % 997 == 0)
			for (uint64_t k = 0; k < n; k++)
				expect_route(&t, live[k]);
	}
	assert_int_equal(t.count, n);
	rg_order_routes_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(consecutive_sequences_take_their_own_slots),
		cmocka_unit_test(collisions_and_backward_shift),
		cmocka_unit_test(full_table_refuses_and_takes_again_after_deletes),
		cmocka_unit_test(long_run_matches_a_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
