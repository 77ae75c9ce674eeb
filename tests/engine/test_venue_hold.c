/*
 * Venue hold queue tests (engine/daemon/venue_hold.h): oldest first across
 * the wrap, a full queue refuses, a cancel leaves a hole that the head skips
 * and that still takes room until the head passes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "venue_hold.h"

static struct rg_venue_request req(uint64_t seq)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = RG_VREQ_NEW;
	r.engine_seq = seq;
	return r;
}

static void fifo_across_the_wrap(void **state)
{
	struct rg_venue_hold h;
	struct rg_venue_request r;
	uint64_t next_in = 1, next_out = 1;

	(void)state;
	assert_int_equal(rg_venue_hold_init(&h, 3), 0);
	for (int round = 0; round < 10; round++) {
		while (rg_venue_hold_push(&h, (r = req(next_in), &r)))
			next_in++;
		assert_int_equal(h.live, 3); /* full at exactly its capacity */
		for (int k = 0; k < 2; k++) {
			struct rg_venue_request *f = rg_venue_hold_front(&h);
			assert_non_null(f);
			assert_int_equal(f->engine_seq, next_out++);
			rg_venue_hold_pop(&h);
		}
	}
	assert_int_equal(h.live, 1);
	rg_venue_hold_fini(&h);
}

static void a_taken_order_leaves_a_hole_the_head_skips(void **state)
{
	struct rg_venue_hold h;
	struct rg_venue_request r, out;

	(void)state;
	assert_int_equal(rg_venue_hold_init(&h, 4), 0);
	for (uint64_t s = 1; s <= 4; s++)
		assert_true(rg_venue_hold_push(&h, (r = req(s), &r)));
	assert_false(rg_venue_hold_take(&h, 9, &out));
	assert_true(rg_venue_hold_take(&h, 1, &out));
	assert_int_equal(out.engine_seq, 1);
	assert_true(rg_venue_hold_take(&h, 3, &out));
	assert_false(rg_venue_hold_take(&h, 3, &out)); /* once */
	assert_int_equal(h.live, 2);
	assert_false(rg_venue_hold_push(&h, (r = req(5), &r))); /* holes still take room */
	assert_int_equal(rg_venue_hold_front(&h)->engine_seq, 2);
	rg_venue_hold_pop(&h);
	assert_int_equal(rg_venue_hold_front(&h)->engine_seq, 4); /* 3 skipped */
	assert_true(rg_venue_hold_push(&h, (r = req(5), &r)));
	rg_venue_hold_pop(&h);
	assert_int_equal(rg_venue_hold_front(&h)->engine_seq, 5);
	rg_venue_hold_pop(&h);
	assert_null(rg_venue_hold_front(&h));
	assert_int_equal(h.live, 0);
	rg_venue_hold_fini(&h);
}

static void a_zero_capacity_queue_holds_nothing(void **state)
{
	struct rg_venue_hold h;
	struct rg_venue_request r = req(1);

	(void)state;
	assert_int_equal(rg_venue_hold_init(&h, 0), 0);
	assert_false(rg_venue_hold_push(&h, &r));
	assert_null(rg_venue_hold_front(&h));
	rg_venue_hold_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_across_the_wrap),
		cmocka_unit_test(a_taken_order_leaves_a_hole_the_head_skips),
		cmocka_unit_test(a_zero_capacity_queue_holds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
