/*
 * The pass clock (engine/tsc_clock.h): its readings stay within a bracket of
 * CLOCK_MONOTONIC reads taken around them, never decrease, and re-anchoring
 * keeps a counter rate that is off by half a percent from drifting (the
 * error stays that of one anchor interval) or from stepping back; a counter
 * 5 % off is dropped for CLOCK_MONOTONIC, one that jumps once is kept.  Without
 * the TSC it is CLOCK_MONOTONIC itself.  A long gap between readings does
 * not carry the rate's error over the gap.  A busy-polling loop reads it after
 * work and every sixteenth idle pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "tsc_clock.h"

/* Long enough to cross an anchor (1 ms) a few times. */
#define SPAN_NS 5000000ull

/* Reads the clock between two CLOCK_MONOTONIC reads for at least SPAN_NS
 * and until it has re-anchored `anchors` times (or dropped the counter): a
 * preempted test sees fewer anchors in a span.  Asserts each reading lies in
 * its bracket, widened by `slack_ns`, and is no earlier than the one before. */
static void track_anchors(struct rg_pass_clock *c, uint64_t slack_ns, unsigned anchors)
{
	uint64_t start = rg_mono_ns(), prev = 0, n = 0, anchor = c->anchor_ns;
	unsigned seen = 0;

	for (;;) {
		uint64_t before = rg_mono_ns(), now = rg_pass_clock_now(c), after = rg_mono_ns();
		assert_true(now + slack_ns >= before);
		assert_true(now <= after + slack_ns);
		assert_true(now >= prev);
		prev = now;
		n++;
		if (c->anchor_ns != anchor) {
			anchor = c->anchor_ns;
			seen++;
		}
		if (after - start > SPAN_NS && (seen >= anchors || c->ns_per_tick_q32 == 0))
			break;
	}
	assert_true(n > 100);
}

static void assert_tracks_monotonic(struct rg_pass_clock *c, uint64_t slack_ns)
{
	track_anchors(c, slack_ns, 0);
}

static void follows_clock_monotonic(void **state)
{
	struct rg_pass_clock c;
	bool tsc = rg_pass_clock_init(&c, true);

	(void)state;
	assert_int_equal(tsc, rg_tsc_is_clock());
	/* A calibrated rate is good to a few parts per million: over one anchor
	 * interval that is nanoseconds; 20 us is room for the counter's 10 ns
	 * step and a preemption-skewed calibration. */
	assert_tracks_monotonic(&c, tsc ? 20000 : 0);
}

/* A clock whose rate is off by `ppm_off` parts per million (of the measured
 * rate), as a poor calibration would leave it. */
static void skewed_clock(struct rg_pass_clock *c, int64_t ppm_off)
{
	uint64_t rate = rg_tsc_ns_per_tick_q32();

	if (rate == 0)
		skip();
	assert_true(rg_pass_clock_init(c, false) == false);
	c->ns_per_tick_q32 = (uint64_t)((int64_t)rate + (int64_t)rate / 1000000 * ppm_off);
	c->anchor_tsc = rg_tsc_ticks(); /* from time zero: no floor worth the name */
	rg_pass_clock_anchor(c);
}

static void a_fast_counter_neither_drifts_nor_steps_back(void **state)
{
	struct rg_pass_clock c;

	(void)state;
	skewed_clock(&c, 5000); /* 0.5 % fast: 5 us ahead by each anchor */
	assert_tracks_monotonic(&c, 25000);
	/* Several anchors later the clock is still within one interval's error. */
	assert_tracks_monotonic(&c, 25000);
}

static void a_slow_counter_catches_up_at_each_anchor(void **state)
{
	struct rg_pass_clock c;

	(void)state;
	skewed_clock(&c, -5000); /* 0.5 % slow */
	assert_tracks_monotonic(&c, 25000);
	assert_tracks_monotonic(&c, 25000);
}

/* A gap of many anchor intervals between readings (an idle sleep, a
 * preemption) must not let the rate's error accumulate over the gap: the
 * reading after it is a fresh anchor, and the floor that keeps readings from
 * stepping back holds no more than the old anchor's last interval. */
static void a_long_gap_does_not_carry_the_rate_error(void **state)
{
	struct timespec gap = {0, 20000000}; /* 20 anchor intervals: 100 us of a 0.5 % error */
	struct rg_pass_clock c;

	(void)state;
	skewed_clock(&c, 5000);
	assert_tracks_monotonic(&c, 25000);
	nanosleep(&gap, NULL);
	assert_tracks_monotonic(&c, 25000);
}

/* A counter whose rate is 5 % off fails the anchors' check three intervals
 * in a row and is dropped; the clock goes on as CLOCK_MONOTONIC, never
 * stepping back from what the counter last said. */
static void a_counter_off_by_five_percent_is_dropped(void **state)
{
	struct rg_pass_clock fast, slow;

	(void)state;
	skewed_clock(&fast, 50000);
	skewed_clock(&slow, -50000);
	track_anchors(&fast, 100000, RG_PASS_CLOCK_STRIKES);
	track_anchors(&slow, 100000, RG_PASS_CLOCK_STRIKES);
	assert_true(fast.dropped_tsc);
	assert_true(slow.dropped_tsc);
	assert_int_equal(fast.ns_per_tick_q32, 0);
	assert_tracks_monotonic(&fast, 100000);
	assert_tracks_monotonic(&slow, 100000);
}

/* A counter that jumps once (ahead by 300 us, as after a VM's migration) is
 * absorbed by re-anchoring: one interval fails the check, the next ones
 * pass, and the counter stays in use. */
static void one_jump_does_not_drop_the_counter(void **state)
{
	struct rg_pass_clock c;

	(void)state;
	skewed_clock(&c, 0);
	assert_tracks_monotonic(&c, 25000);
	c.anchor_tsc -= (uint64_t)(((unsigned __int128)300000 << 32) / c.ns_per_tick_q32);
	track_anchors(&c, 400000, RG_PASS_CLOCK_STRIKES + 1);
	assert_false(c.dropped_tsc);
	assert_int_equal(c.strikes, 0);
	assert_int_not_equal(c.ns_per_tick_q32, 0);
}

static void without_the_tsc_it_is_clock_monotonic(void **state)
{
	struct rg_pass_clock c;

	(void)state;
	assert_false(rg_pass_clock_init(&c, false));
	assert_int_equal(c.ns_per_tick_q32, 0);
	assert_tracks_monotonic(&c, 0);
}

/* Until CLOCK_MONOTONIC has moved on by a microsecond. */
static void let_time_pass(void)
{
	uint64_t t0 = rg_mono_ns();

	while (rg_mono_ns() - t0 < 1000)
		;
}

static void an_idle_loop_reads_it_every_sixteenth_pass(void **state)
{
	struct rg_pass_clock c;
	uint64_t first, t;

	(void)state;
	rg_pass_clock_init(&c, true);
	first = rg_pass_clock_next(&c, true);
	let_time_pass();
	for (unsigned i = 1; i < RG_PASS_CLOCK_IDLE_READS; i++)
		assert_int_equal(rg_pass_clock_next(&c, false), first); /* idle passes: the last reading */
	t = rg_pass_clock_next(&c, false); /* the 16th reads the clock */
	assert_true(t > first);
	let_time_pass();
	assert_true(rg_pass_clock_next(&c, true) > t); /* after work (or a sleep): a fresh reading */
	assert_int_equal(c.idle_passes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(follows_clock_monotonic),
		cmocka_unit_test(a_fast_counter_neither_drifts_nor_steps_back),
		cmocka_unit_test(a_slow_counter_catches_up_at_each_anchor),
		cmocka_unit_test(a_long_gap_does_not_carry_the_rate_error),
		cmocka_unit_test(a_counter_off_by_five_percent_is_dropped),
		cmocka_unit_test(one_jump_does_not_drop_the_counter),
		cmocka_unit_test(without_the_tsc_it_is_clock_monotonic),
		cmocka_unit_test(an_idle_loop_reads_it_every_sixteenth_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
