/*
 * The mass cancel's walks again (engine/daemon/mass_cancel.h,
 * rg_cancel_retry_next), walk by walk on a made-up clock: a venue that keeps
 * taking cancels, however slowly, is walked to the end; one that takes none
 * for the stall time is given up.  The walks themselves, through the real
 * engine and a slow sim venue, are tests/integration's
 * engine_cancel_on_kill_retries_full_ring and engine_dead_man_cancel_retries_full_ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mass_cancel.h"

#define MS 1000000ull
#define STALL (5000 * MS)
#define T0 (1000000 * MS) /* an arbitrary CLOCK_MONOTONIC instant */

/* A retry armed by a first walk at `at`, as rg_engine_cancel_retrying arms it. */
static struct rg_cancel_retry armed(uint64_t at)
{
	struct rg_cancel_retry r;

	memset(&r, 0, sizeof(r));
	r.scope = RG_CANCEL_STRATEGY;
	r.index = 3;
	r.last_seq = 42;
	r.moved_ns = at;
	r.next_ns = at + RG_CANCEL_RETRY_EVERY_NS;
	return r;
}

static void a_walk_that_sends_the_rest_is_done(void **state)
{
	struct rg_cancel_retry r = armed(T0), zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(rg_cancel_retry_next(&r, 100, 0, STALL, T0 + RG_CANCEL_RETRY_EVERY_NS), RG_CANCEL_RETRY_DONE);
	assert_memory_equal(&r, &zero, sizeof(r)); /* disarmed */
}

static void a_venue_that_drains_slowly_is_walked_to_the_end(void **state)
{
	struct rg_cancel_retry r = armed(T0);
	uint64_t now = T0;

	(void)state;
	/* Each walk finds room for one cancel only, for ten times the stall: a
	 * venue slower than any fixed number of walks, but moving. */
	for (uint32_t i = 1; now - T0 < 10 * STALL; i++) {
		now = r.next_ns;
		assert_int_equal(rg_cancel_retry_next(&r, 1, 1000, STALL, now), RG_CANCEL_RETRY_AGAIN);
		assert_int_equal(r.walks, i);
		assert_int_equal(r.moved_ns, now);
		assert_int_equal(r.next_ns, now + RG_CANCEL_RETRY_EVERY_NS);
		assert_int_equal(r.last_seq, 42); /* still the first walk's orders only */
	}
	assert_int_equal(rg_cancel_retry_next(&r, 1, 0, STALL, r.next_ns), RG_CANCEL_RETRY_DONE);
}

static void no_room_short_of_the_stall_walks_again(void **state)
{
	struct rg_cancel_retry r = armed(T0);

	(void)state;
	/* Nothing sent for just under the stall (the venue still holding what it
	 * took before the kill): walked again, the stall counted from the first walk. */
	assert_int_equal(rg_cancel_retry_next(&r, 0, 500, STALL, T0 + STALL - 1), RG_CANCEL_RETRY_AGAIN);
	assert_int_equal(r.moved_ns, T0);
	/* Then the venue takes some: the stall starts again from that walk. */
	assert_int_equal(rg_cancel_retry_next(&r, 7, 493, STALL, T0 + STALL), RG_CANCEL_RETRY_AGAIN);
	assert_int_equal(rg_cancel_retry_next(&r, 0, 493, STALL, T0 + 2 * STALL - 1), RG_CANCEL_RETRY_AGAIN);
	assert_int_equal(r.walks, 3);
}

static void a_venue_that_takes_nothing_for_the_stall_is_given_up(void **state)
{
	struct rg_cancel_retry r = armed(T0), zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(rg_cancel_retry_next(&r, 3, 500, STALL, T0 + 10 * MS), RG_CANCEL_RETRY_AGAIN);
	assert_int_equal(rg_cancel_retry_next(&r, 0, 497, STALL, T0 + 10 * MS + STALL), RG_CANCEL_RETRY_GIVE_UP);
	assert_memory_equal(&r, &zero, sizeof(r));
	/* A first walk that sent nothing and nothing after it: the stall runs from the first walk. */
	r = armed(T0);
	assert_int_equal(rg_cancel_retry_next(&r, 0, 500, STALL, T0 + STALL), RG_CANCEL_RETRY_GIVE_UP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_walk_that_sends_the_rest_is_done),
		cmocka_unit_test(a_venue_that_drains_slowly_is_walked_to_the_end),
		cmocka_unit_test(no_room_short_of_the_stall_walks_again),
		cmocka_unit_test(a_venue_that_takes_nothing_for_the_stall_is_given_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
