/*
 * Check 9: the per-venue circuit breaker as a state machine over an injected
 * clock.  CLOSED -> OPEN on K consecutive failures or M within an hour;
 * OPEN -> HALF_OPEN after the recovery time; one probe; its success closes,
 * its failure reopens.
 */
#include "checks_fixture.h"

#define RECOVERY_NS (10 * SEC_NS)
#define MIN_NS (60 * SEC_NS)

static int breaker_setup(void **state)
{
	struct fx *f;

	if (fx_setup(state) != 0)
		return -1;
	f = *state;
	f->cfg.venues[0].breaker_consecutive = 3;
	f->cfg.venues[0].breaker_per_hour = 5;
	f->cfg.venues[0].breaker_recovery_ns = RECOVERY_NS;
	/* A second venue for BBB. */
	f->cfg.n_venues = 2;
	strcpy(f->cfg.venues[1].name, "OTHER");
	f->cfg.venues[1].breaker_consecutive = 3;
	f->cfg.venues[1].breaker_recovery_ns = RECOVERY_NS;
	f->syms[SYM_BBB].venue = 1;
	return 0;
}

#define BREAKER_TEST(fn) cmocka_unit_test_setup_teardown(fn, breaker_setup, fx_teardown)

static enum rg_reject_reason order(struct fx *f, uint64_t *id)
{
	return fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), id);
}

static enum rg_breaker_state state_of(struct fx *f, uint32_t venue)
{
	return rg_breaker_state_at(&f->r->venues[venue].breaker, f->now);
}

static void venue_fails(struct fx *f, int n)
{
	while (n-- > 0)
		rg_risk_on_venue_failure(f->r, 0, f->now);
}

static void consecutive_failures_open_the_breaker(void **state)
{
	struct fx *f = *state;
	uint64_t live;

	fx_create(f);
	assert_reason(order(f, &live), RG_REJ_NONE);
	venue_fails(f, 2);
	assert_int_equal(state_of(f, 0), RG_BREAKER_CLOSED);
	assert_reason(order(f, NULL), RG_REJ_NONE);
	/* A success in between restarts the count. */
	assert_false(rg_risk_on_venue_success(f->r, 0, f->now));
	venue_fails(f, 2);
	assert_reason(order(f, NULL), RG_REJ_NONE);
	assert_true(rg_risk_on_venue_failure(f->r, 0, f->now)); /* the third in a row */
	assert_int_equal(state_of(f, 0), RG_BREAKER_OPEN);
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	assert_int_equal(f->d.limit, RECOVERY_NS);
	assert_int_equal(f->d.value, 0);
	/* Cancels still go out. */
	assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
	/* Other venues are not affected. */
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_NONE);
	assert_int_equal(f->d.venue, 1);
}

static void after_recovery_one_probe_goes_and_its_success_closes(void **state)
{
	struct fx *f = *state;
	uint64_t opened, probe;

	fx_create(f);
	venue_fails(f, 3);
	opened = f->now;
	f->now = opened + RECOVERY_NS - 1;
	assert_int_equal(state_of(f, 0), RG_BREAKER_OPEN);
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	assert_int_equal(f->d.value, RECOVERY_NS - 1);
	f->now = opened + RECOVERY_NS;
	assert_int_equal(state_of(f, 0), RG_BREAKER_HALF_OPEN);
	assert_reason(order(f, &probe), RG_REJ_NONE);
	assert_true(f->d.probe);
	/* One probe at a time. */
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	f->now += SEC_NS;
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	assert_true(rg_risk_on_ack(f->r, 0, probe, f->now));
	assert_int_equal(state_of(f, 0), RG_BREAKER_CLOSED);
	assert_reason(order(f, NULL), RG_REJ_NONE);
	assert_false(f->d.probe);
	assert_reason(order(f, NULL), RG_REJ_NONE);
}

static void a_failed_probe_reopens_for_another_recovery_period(void **state)
{
	struct fx *f = *state;
	uint64_t probe, reopened;

	fx_create(f);
	venue_fails(f, 3);
	f->now += RECOVERY_NS;
	assert_reason(order(f, &probe), RG_REJ_NONE);
	f->now += 2 * SEC_NS;
	assert_true(rg_risk_on_venue_reject(f->r, 0, probe, f->now));
	reopened = f->now;
	assert_int_equal(state_of(f, 0), RG_BREAKER_OPEN);
	assert_int_equal(f->r->venues[0].breaker.opens, 2);
	f->now = reopened + RECOVERY_NS - 1;
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	f->now = reopened + RECOVERY_NS;
	assert_reason(order(f, &probe), RG_REJ_NONE);
	assert_true(f->d.probe);
	/* A fill is a success too. */
	fx_fill(f, 0, probe, E8(1), E8(100));
	assert_int_equal(state_of(f, 0), RG_BREAKER_CLOSED);
}

static void a_probe_that_never_answers_is_replaced_after_the_recovery_time(void **state)
{
	struct fx *f = *state;
	uint64_t sent;

	fx_create(f);
	venue_fails(f, 3);
	f->now += RECOVERY_NS;
	assert_reason(order(f, NULL), RG_REJ_NONE);
	sent = f->now;
	f->now = sent + RECOVERY_NS - 1;
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	f->now = sent + RECOVERY_NS;
	assert_reason(order(f, NULL), RG_REJ_NONE);
	assert_true(f->d.probe);
}

static void failures_within_the_last_hour_open_it(void **state)
{
	struct fx *f = *state;
	uint64_t t;
	int i;

	f->cfg.venues[0].breaker_consecutive = 0; /* only the hourly rule */
	fx_create(f);
	t = f->now;
	/* Five failures, the first exactly one hour before the fifth: only four are within it. */
	for (i = 0; i < 5; i++) {
		f->now = t + (uint64_t)i * 15 * MIN_NS;
		assert_false(rg_risk_on_venue_failure(f->r, 0, f->now));
		assert_false(rg_risk_on_venue_success(f->r, 0, f->now)); /* never consecutive */
	}
	assert_reason(order(f, NULL), RG_REJ_NONE);
	/* A sixth 1 ns short of an hour after the second: five within the hour. */
	f->now = t + 75 * MIN_NS - 1;
	assert_true(rg_risk_on_venue_failure(f->r, 0, f->now));
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
}

static void five_failures_inside_an_hour_open_it(void **state)
{
	struct fx *f = *state;
	uint64_t t;
	int i;

	f->cfg.venues[0].breaker_consecutive = 0;
	fx_create(f);
	t = f->now;
	for (i = 0; i < 4; i++) {
		f->now = t + (uint64_t)i * 15 * MIN_NS;
		rg_risk_on_venue_failure(f->r, 0, f->now);
	}
	f->now = t + 60 * MIN_NS - 1;
	assert_true(rg_risk_on_venue_failure(f->r, 0, f->now));
	assert_int_equal(state_of(f, 0), RG_BREAKER_OPEN);
}

static void venue_rejects_count_as_failures(void **state)
{
	struct fx *f = *state;
	uint64_t ids[3];
	int i;

	fx_create(f);
	for (i = 0; i < 3; i++)
		assert_reason(order(f, &ids[i]), RG_REJ_NONE);
	for (i = 0; i < 3; i++)
		assert_true(rg_risk_on_venue_reject(f->r, 0, ids[i], f->now));
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	assert_invariants(f);
}

static void a_late_success_while_open_does_not_close_it(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	venue_fails(f, 3);
	f->now += SEC_NS;
	assert_false(rg_risk_on_venue_success(f->r, 0, f->now));
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	/* Once half-open, any success closes it. */
	f->now += RECOVERY_NS;
	assert_true(rg_risk_on_venue_success(f->r, 0, f->now));
	assert_reason(order(f, NULL), RG_REJ_NONE);
}

static void operator_reset_closes_it_and_forgets_failures(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	venue_fails(f, 3);
	assert_reason(order(f, NULL), RG_REJ_CIRCUIT_OPEN);
	assert_true(rg_risk_reset_breaker(f->r, 0));
	assert_reason(order(f, NULL), RG_REJ_NONE);
	venue_fails(f, 2);
	assert_reason(order(f, NULL), RG_REJ_NONE);
	assert_false(rg_risk_reset_breaker(f->r, 2));
	assert_false(rg_risk_on_venue_failure(f->r, 2, f->now));
}

static void disabled_breaker_never_opens(void **state)
{
	struct fx *f = *state;

	f->cfg.venues[0].breaker_consecutive = 0;
	f->cfg.venues[0].breaker_per_hour = 0;
	fx_create(f);
	venue_fails(f, 1000);
	assert_reason(order(f, NULL), RG_REJ_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BREAKER_TEST(consecutive_failures_open_the_breaker),
		BREAKER_TEST(after_recovery_one_probe_goes_and_its_success_closes),
		BREAKER_TEST(a_failed_probe_reopens_for_another_recovery_period),
		BREAKER_TEST(a_probe_that_never_answers_is_replaced_after_the_recovery_time),
		BREAKER_TEST(failures_within_the_last_hour_open_it),
		BREAKER_TEST(five_failures_inside_an_hour_open_it),
		BREAKER_TEST(venue_rejects_count_as_failures),
		BREAKER_TEST(a_late_success_while_open_does_not_close_it),
		BREAKER_TEST(operator_reset_closes_it_and_forgets_failures),
		BREAKER_TEST(disabled_breaker_never_opens),
	};
	return cmocka_run_group_tests_name("checks_breaker", tests, NULL, NULL);
}
