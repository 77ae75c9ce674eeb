/*
 * Dead-man rule tests (engine/daemon/dead_man.h, rg_dead_man_step), tick by
 * tick: who is watched, when it trips, that it trips once per stall, what a
 * re-attach lifts and what it leaves alone.  The engine side (halt, journal,
 * counters, the SIGSTOP case) is tests/integration's
 * engine_dead_man_halts_frozen_strategy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "dead_man.h"

#define MS 1000000ull
#define TIMEOUT (300 * MS)
#define T0 (1000000 * MS) /* an arbitrary CLOCK_MONOTONIC instant */

static struct rg_dead_man_peer peer(uint64_t heartbeat_ns, int32_t pid, uint32_t attach_count)
{
	struct rg_dead_man_peer p = {.heartbeat_ns = heartbeat_ns, .pid = pid, .attach_count = attach_count};
	return p;
}

static enum rg_dead_man_action step(struct rg_dead_man *w, struct rg_dead_man_peer p, uint8_t state, uint64_t now)
{
	return rg_dead_man_step(w, &p, TIMEOUT, state, now);
}

static void a_session_nobody_holds_is_never_tripped(void **state)
{
	struct rg_dead_man w;

	(void)state;
	memset(&w, 0, sizeof(w));
	/* Never attached: all zeros, however late it gets. */
	assert_int_equal(step(&w, peer(0, 0, 0), RG_STATE_ACTIVE, T0 + 3600000 * MS), RG_DEAD_MAN_NONE);
	/* Attached once, then closed cleanly (pid 0): its old heartbeat is no stall. */
	assert_int_equal(step(&w, peer(T0, 0, 1), RG_STATE_ACTIVE, T0 + 10 * TIMEOUT), RG_DEAD_MAN_NONE);
	/* A pid without a heartbeat yet (an attach in progress) is no stall either. */
	assert_int_equal(step(&w, peer(0, 42, 1), RG_STATE_ACTIVE, T0 + 10 * TIMEOUT), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 0);
}

static void trips_once_the_heartbeat_is_older_than_the_timeout(void **state)
{
	struct rg_dead_man w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_ACTIVE, T0 + TIMEOUT), RG_DEAD_MAN_NONE);
	/* Stamped after the engine read its clock: fresh, not a huge age. */
	assert_int_equal(step(&w, peer(T0 + 5 * MS, 42, 1), RG_STATE_ACTIVE, T0), RG_DEAD_MAN_NONE);
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_REDUCING, T0 + TIMEOUT + 1), RG_DEAD_MAN_TRIP);
	assert_int_equal(w.tripped, 1);
	assert_int_equal(w.holds_halt, 1);
	assert_int_equal(w.state_before, RG_STATE_REDUCING);
	assert_int_equal(w.tripped_attach, 1);
	/* The same stall never trips again, heartbeat or not, until a re-attach. */
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_HALTED, T0 + 10 * TIMEOUT), RG_DEAD_MAN_NONE);
	assert_int_equal(step(&w, peer(T0 + 10 * TIMEOUT, 42, 1), RG_STATE_HALTED, T0 + 10 * TIMEOUT), RG_DEAD_MAN_NONE);
	assert_int_equal(step(&w, peer(T0 + 10 * TIMEOUT, 42, 1), RG_STATE_HALTED, T0 + 30 * TIMEOUT), RG_DEAD_MAN_NONE);
}

static void a_strategy_that_was_already_halted_trips_without_holding_the_halt(void **state)
{
	struct rg_dead_man w;

	(void)state;
	memset(&w, 0, sizeof(w));
	/* Tripped (its orders are still cancelled), but the HALTED in force is
	 * someone else's: the re-attach must not lift it. */
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_HALTED, T0 + 2 * TIMEOUT), RG_DEAD_MAN_TRIP);
	assert_int_equal(w.holds_halt, 0);
	assert_int_equal(step(&w, peer(T0 + 2 * TIMEOUT, 43, 2), RG_STATE_HALTED, T0 + 2 * TIMEOUT), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 0); /* watching the new process */
}

static void a_process_that_resumes_without_reattaching_stays_halted(void **state)
{
	struct rg_dead_man w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_ACTIVE, T0 + 2 * TIMEOUT), RG_DEAD_MAN_TRIP);
	/* SIGCONT: the same process heartbeats again on the same attach. */
	for (uint64_t t = T0 + 2 * TIMEOUT; t < T0 + 20 * TIMEOUT; t += MS)
		assert_int_equal(step(&w, peer(t, 42, 1), RG_STATE_HALTED, t), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 1);
	assert_int_equal(w.holds_halt, 1);
}

static void a_reattach_with_a_fresh_heartbeat_lifts_the_halt(void **state)
{
	struct rg_dead_man w;
	uint64_t now = T0 + 2 * TIMEOUT;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_REDUCING, now), RG_DEAD_MAN_TRIP);
	/* A new attach that has not stamped its heartbeat yet (old one seen) waits. */
	assert_int_equal(step(&w, peer(T0, 43, 2), RG_STATE_HALTED, now), RG_DEAD_MAN_NONE);
	/* Attached and closed again before the tick saw it: nothing to lift for. */
	assert_int_equal(step(&w, peer(now, 0, 2), RG_STATE_HALTED, now), RG_DEAD_MAN_NONE);
	assert_int_equal(step(&w, peer(now, 44, 3), RG_STATE_HALTED, now), RG_DEAD_MAN_LIFT);
	assert_int_equal(w.state_before, RG_STATE_REDUCING); /* what the engine restores */
	assert_int_equal(w.tripped, 0);
	assert_int_equal(w.holds_halt, 0);
	/* Armed again: the new process is watched like the first. */
	assert_int_equal(step(&w, peer(now, 44, 3), RG_STATE_REDUCING, now + TIMEOUT + 1), RG_DEAD_MAN_TRIP);
}

static void an_operator_state_set_during_the_stall_is_left_alone(void **state)
{
	struct rg_dead_man w;
	uint64_t now = T0 + 2 * TIMEOUT;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_ACTIVE, now), RG_DEAD_MAN_TRIP);
	/* The operator sets ACTIVE (the process is still frozen): no new trip
	 * for this stall, and the dead-man lets go of the state. */
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_ACTIVE, now + MS), RG_DEAD_MAN_NONE);
	assert_int_equal(w.holds_halt, 0);
	/* ... and halts it again by hand: the re-attach does not lift that. */
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_HALTED, now + 2 * MS), RG_DEAD_MAN_NONE);
	assert_int_equal(step(&w, peer(now, 43, 2), RG_STATE_HALTED, now + 3 * MS), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 0);
}

static void an_operator_halt_over_the_dead_mans_own_is_never_lifted(void **state)
{
	struct rg_dead_man w;
	uint64_t now = T0 + 2 * TIMEOUT;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_ACTIVE, now), RG_DEAD_MAN_TRIP);
	assert_int_equal(w.holds_halt, 1);
	/* riskctl set-state HALTED while the dead-man's HALTED is in force: the
	 * value does not change, yet the halt is the operator's from now on. */
	rg_dead_man_operator_set(&w);
	assert_int_equal(step(&w, peer(T0, 42, 1), RG_STATE_HALTED, now + MS), RG_DEAD_MAN_NONE);
	/* The process resumes and re-opens its session: it stays halted. */
	assert_int_equal(step(&w, peer(now + 2 * MS, 43, 2), RG_STATE_HALTED, now + 2 * MS), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 0);
	assert_int_equal(w.holds_halt, 0);
}

static void a_zero_timeout_watches_nothing(void **state)
{
	struct rg_dead_man w;
	struct rg_dead_man_peer p = peer(T0, 42, 1);

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(rg_dead_man_step(&w, &p, 0, RG_STATE_ACTIVE, T0 + 3600000 * MS), RG_DEAD_MAN_NONE);
	assert_int_equal(w.tripped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_session_nobody_holds_is_never_tripped),
		cmocka_unit_test(trips_once_the_heartbeat_is_older_than_the_timeout),
		cmocka_unit_test(a_strategy_that_was_already_halted_trips_without_holding_the_halt),
		cmocka_unit_test(a_process_that_resumes_without_reattaching_stays_halted),
		cmocka_unit_test(a_reattach_with_a_fresh_heartbeat_lifts_the_halt),
		cmocka_unit_test(an_operator_state_set_during_the_stall_is_left_alone),
		cmocka_unit_test(an_operator_halt_over_the_dead_mans_own_is_never_lifted),
		cmocka_unit_test(a_zero_timeout_watches_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
