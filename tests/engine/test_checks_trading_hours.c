/*
 * Trading hours: a zone's offsets from its TZif file (standard and daylight
 * time), a schedule open and closed at each boundary (the session's open and
 * close, the weekend, a closed date, across a daylight-saving change), the
 * next time it may change, and through the checks: new orders refused
 * MARKET_CLOSED outside the session while cancels pass, a symbol's own
 * schedule before its venue's, a kill lifted leaving the market closed.
 */
#include "checks_fixture.h"

#include "trading_hours.h"

/* UTC seconds of a civil date and time. */
static int64_t utc(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return rg_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static struct rg_hours_cfg xnys(void)
{
	struct rg_hours_cfg h;

	memset(&h, 0, sizeof(h));
	strcpy(h.name, "XNYS");
	strcpy(h.time_zone, "America/New_York");
	h.days = 0x3e; /* Monday .. Friday */
	h.n_sessions = 1;
	h.open_min[0] = 9 * 60 + 30;
	h.close_min[0] = 16 * 60;
	h.n_closed = 1;
	h.closed[0] = (int32_t)rg_days_from_civil(2026, 12, 25);
	return h;
}

static void a_zone_has_standard_and_daylight_time(void **state)
{
	struct rg_tz tz;
	char err[256];

	(void)state;
	assert_int_equal(rg_tz_load(&tz, NULL, "America/New_York", err, sizeof(err)), 0);
	assert_int_equal(rg_tz_offset(&tz, utc(2026, 1, 15, 12, 0, 0)), -5 * 3600);
	assert_int_equal(rg_tz_offset(&tz, utc(2026, 7, 1, 12, 0, 0)), -4 * 3600);
	/* 2026-03-08 02:00 EST -> 03:00 EDT, at 07:00 UTC */
	assert_int_equal(rg_tz_offset(&tz, utc(2026, 3, 8, 6, 59, 59)), -5 * 3600);
	assert_int_equal(rg_tz_offset(&tz, utc(2026, 3, 8, 7, 0, 0)), -4 * 3600);
	rg_tz_free(&tz);
	assert_int_equal(rg_tz_load(&tz, NULL, "Nowhere/Atlantis", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "tzdata"));
	assert_int_equal(rg_tz_load(&tz, NULL, "../etc/passwd", err, sizeof(err)), -EINVAL);
}

static void a_schedule_opens_and_closes_at_its_boundaries(void **state)
{
	struct rg_hours_sched s;
	char err[256];
	int64_t next;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.cfg = xnys();
	assert_int_equal(rg_tz_load(&s.tz, NULL, s.cfg.time_zone, err, sizeof(err)), 0);
	/* Thursday 2026-12-03, EST: 09:30 is 14:30 UTC, 16:00 is 21:00 UTC */
	assert_false(rg_hours_open_at(&s, utc(2026, 12, 3, 14, 29, 59), &next, NULL));
	assert_int_equal(next, utc(2026, 12, 3, 14, 30, 0));
	assert_true(rg_hours_open_at(&s, utc(2026, 12, 3, 14, 30, 0), &next, NULL));
	assert_int_equal(next, utc(2026, 12, 3, 21, 0, 0));
	assert_true(rg_hours_open_at(&s, utc(2026, 12, 3, 20, 59, 59), &next, NULL));
	assert_false(rg_hours_open_at(&s, utc(2026, 12, 3, 21, 0, 0), &next, NULL));
	/* the weekend, and a closed date (Friday 2026-12-25) */
	assert_false(rg_hours_open_at(&s, utc(2026, 12, 5, 15, 0, 0), &next, NULL));
	assert_false(rg_hours_open_at(&s, utc(2026, 12, 25, 15, 0, 0), &next, NULL));
	assert_true(rg_hours_open_at(&s, utc(2026, 12, 24, 15, 0, 0), &next, NULL));
	/* summer, EDT: 09:30 is 13:30 UTC */
	assert_false(rg_hours_open_at(&s, utc(2026, 7, 1, 13, 29, 59), &next, NULL));
	assert_true(rg_hours_open_at(&s, utc(2026, 7, 1, 13, 30, 0), &next, NULL));
	rg_tz_free(&s.tz);
}

static void outside_the_session_new_orders_are_refused_and_cancels_pass(void **state)
{
	struct fx *f = *state;
	uint64_t id;
	/* REAL0 is Tuesday 2024-01-02 12:00 UTC: 07:00 in New York */
	uint64_t open_ns = (uint64_t)utc(2024, 1, 2, 14, 30, 0) * SEC_NS;
	uint64_t close_ns = (uint64_t)utc(2024, 1, 2, 21, 0, 0) * SEC_NS;
	struct rg_risk_scope kill = {RG_RSCOPE_SYMBOL, SYM_AAA};

	f->cfg.n_hours = 2;
	f->cfg.hours[0] = xnys();
	f->cfg.hours[1] = xnys();
	strcpy(f->cfg.hours[1].name, "ALWAYS");
	f->cfg.hours[1].days = 0x7f;
	f->cfg.hours[1].open_min[0] = 0;
	f->cfg.hours[1].close_min[0] = 24 * 60;
	f->cfg.hours[1].n_closed = 0;
	f->cfg.venues[0].hours = 1;  /* the venue trades New York hours */
	f->syms[SYM_BBB].hours = 2; /* BBB has its own: always */
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_MARKET_CLOSED);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_NONE);
	/* one second before the open nothing changes; at the open it does */
	rg_risk_hours_tick(f->r, open_ns - SEC_NS);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_MARKET_CLOSED);
	rg_risk_hours_tick(f->r, open_ns);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), &id), RG_REJ_NONE);
	/* a kill and its lifting leave the hours alone */
	rg_risk_set_kills(f->r, &kill, 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100), NULL), RG_REJ_KILL_SWITCH);
	rg_risk_set_kills(f->r, NULL, 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100), NULL), RG_REJ_NONE);
	/* at the close new orders stop; the cancel of a live one passes */
	rg_risk_hours_tick(f->r, close_ns - 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(3), E8(100), NULL), RG_REJ_NONE);
	rg_risk_hours_tick(f->r, close_ns);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_MARKET_CLOSED);
	assert_reason(fx_cancel(f, 0, id), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(2), E8(50), NULL), RG_REJ_NONE);
	/* a kill over a closed market is reported as the kill */
	rg_risk_set_kills(f->r, &kill, 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), NULL), RG_REJ_KILL_SWITCH);
	rg_risk_set_kills(f->r, NULL, 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(5), E8(100), NULL), RG_REJ_MARKET_CLOSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_zone_has_standard_and_daylight_time),
		cmocka_unit_test(a_schedule_opens_and_closes_at_its_boundaries),
		FX_TEST(outside_the_session_new_orders_are_refused_and_cancels_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
