/*
 * The path warmer (engine/daemon/path_warmer.h) in a real engine: the
 * daemon's runtime opened on a JSON config with a live sim venue, a
 * strategy's session, the journal writer; the test thread runs the poll
 * loop.  After a small day (orders resting at the venue, one IOC), it
 * checks that idle polls run warm passes, that a warm pass changes nothing
 * (every byte of the risk state, the control segment's counters, the
 * journal's sequence, the session's report numbers, the routes), that an
 * order waiting in the ring cuts a pass short and is then decided, that
 * warm_interval_us 0 turns it off, and that the config key is validated.
 * Waits on events (reports, the warmer's counters), never on durations.
 * Also under ThreadSanitizer (label tsan): the warmer reads the rings the
 * strategy and the venue write.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <riskgate/client.h>

#include "clock.h"
#include "engine.h"
#include "engine_state.h"
#include "path_warmer.h"
#include "risk_snapshot.h"

#define GUARD_NS 30000000000ull /* a safety bound on waiting for an event, not a timing */

struct world {
	struct rg_config cfg;
	struct rg_engine *e;
	struct rg_client client;
	char instance[40];
	char dir[64];
	uint64_t next_id;
	unsigned accepted, acked, ended; /* reports seen */
};

static int open_world_n(void **state, unsigned strategies)
{
	static const char *fmt =
		"{ \"instance\": \"%s\", \"engine\": {\"core\": -1, \"idle_policy\": \"spin\", \"warm_interval_us\": 1},"
		"  \"journal\": {\"dir\": \"%s/journal\"}, \"reference_price_max_age_ms\": 0,"
		"  \"venues\": [ {\"name\": \"V%s\", \"adapter\": \"sim\", \"sim\": {\"seed\": 7}} ],"
		"  \"symbols\": [ {\"name\": \"AAPL\", \"venue\": \"V%s\", \"tick\": \"0.01\", \"lot\": \"1\","
		"                  \"max_qty\": \"100000\", \"max_price\": \"10000\", \"collar_bps\": 1000,"
		"                  \"max_notional\": \"10000000\", \"max_position_qty\": \"1000000\","
		"                  \"reference_price\": \"190.00\"} ],"
		"  \"accounts\": [ {\"name\": \"A\", \"equity\": \"100000000\", \"max_position_pct_equity\": 50,"
		"                   \"max_gross_pct_equity\": 200} ],"
		"  \"strategies\": [ %s ] }";
	struct world *w = calloc(1, sizeof(*w));
	struct rg_config_error cerr;
	char json[8192], strats[2048] = "", err[512];

	assert_non_null(w);
	for (unsigned i = 0; i < strategies; i++) /* "warm" first: the session the test's client opens */
		snprintf(strats + strlen(strats), sizeof(strats) - strlen(strats),
			 "%s{\"name\": \"%s%u\", \"account\": \"A\", \"order_ring\": 1024, \"report_ring\": 1024}",
			 i == 0 ? "" : ", ", i == 0 ? "warm" : "other", i);
	snprintf(w->instance, sizeof(w->instance), "paced13-warm%d", (int)getpid());
	snprintf(w->dir, sizeof(w->dir), "/tmp/rg-paced13-warm-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(json, sizeof(json), fmt, w->instance, w->dir, w->instance, w->instance, strats);
	if (rg_config_load_string(&w->cfg, json, &cerr) != 0)
		fail_msg("config %s: %s", cerr.path, cerr.message);
	if (rg_engine_open(&w->e, &w->cfg, NULL, rg_mono_ns(), err, sizeof(err)) != 0)
		fail_msg("rg_engine_open: %s", err);
	if (rg_client_open(&w->client, w->instance, "warm0", err, sizeof(err)) != 0)
		fail_msg("rg_client_open: %s", err);
	*state = w;
	return 0;
}

static int open_world(void **state)
{
	return open_world_n(state, 1);
}

static int open_world6(void **state)
{
	return open_world_n(state, 6);
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[512];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			remove_tree(sub);
		}
	closedir(d);
	rmdir(path);
}

static int close_world(void **state)
{
	struct world *w = *state;
	char name[RG_SEG_NAME_MAX];

	rg_client_close(&w->client);
	rg_engine_close(w->e);
	remove_tree(w->dir);
	snprintf(name, sizeof(name), RG_SEG_PREFIX "%s.kill", w->instance);
	shm_unlink(name);
	snprintf(name, sizeof(name), RG_SEG_PREFIX "%s.lock", w->instance);
	shm_unlink(name);
	rg_config_free(&w->cfg);
	free(w);
	return 0;
}

/* One pass of the engine's loop, the strategy's reports counted. */
static unsigned pass(struct world *w)
{
	struct rg_report r[64];
	unsigned work = rg_engine_poll(w->e, rg_mono_ns()), n = rg_client_poll(&w->client, r, 64);

	for (unsigned i = 0; i < n; i++) {
		w->accepted += r[i].kind == RG_REPORT_ACCEPTED;
		assert_int_not_equal(r[i].kind, RG_REPORT_REJECTED);
		w->acked += r[i].kind == RG_REPORT_VENUE_ACK;
		w->ended += r[i].kind == RG_REPORT_CANCELLED || (r[i].kind == RG_REPORT_FILL && r[i].fill.leaves_e8 == 0);
	}
	return work + n;
}

static void submit(struct world *w, uint8_t tif, int64_t price_e8)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = ++w->next_id;
	o.symbol_id = 0;
	o.side = RG_SIDE_BUY;
	o.type = RG_TYPE_LIMIT;
	o.tif = tif;
	o.qty_e8 = RG_QTY_SCALE;
	o.price_e8 = price_e8;
	assert_true(rg_client_submit(&w->client, &o));
}

/* A small day: three DAY buys resting under the market, one IOC. */
static void trade_a_little(struct world *w)
{
	uint64_t guard = rg_mono_ns() + GUARD_NS;

	for (int i = 0; i < 3; i++)
		submit(w, RG_TIF_DAY, 17500000000LL + i * 1000000LL);
	submit(w, RG_TIF_IOC, 19000000000LL);
	while ((w->accepted < 4 || w->acked < 4 || w->ended < 1) && rg_mono_ns() < guard)
		pass(w);
	assert_int_equal(w->accepted, 4);
	assert_true(w->e->risk->strategies[0].orders.count >= 3);
}

/* Polls until a pass with nothing to do finds no event waiting either. */
static void settle(struct world *w)
{
	uint64_t guard = rg_mono_ns() + GUARD_NS;

	while ((pass(w) != 0 || rg_ring_pending(&w->e->adapters[0].events, 1) != 0) && rg_mono_ns() < guard)
		;
}

static void idle_polls_run_warm_passes(void **state)
{
	struct world *w = *state;
	uint64_t guard, p0;

	trade_a_little(w);
	assert_int_equal(w->e->warm.interval_ns, 1000);
	assert_int_equal(w->e->warm.last_id[0], w->next_id); /* the last id noted */
	assert_int_not_equal(w->e->warm.canned[0].client_order_id, 0); /* and an order of the day (the sampled burst's) */
	p0 = w->e->warm.passes;
	guard = rg_mono_ns() + GUARD_NS;
	while (w->e->warm.passes < p0 + 10 && rg_mono_ns() < guard)
		pass(w);
	assert_true(w->e->warm.passes >= p0 + 10);
}

struct counters {
	uint64_t msgs_in, approved, rejected, reports_out, by_reason[RG_REJ_REASON_MAX];
	uint64_t journal_head, next_seq, next_report_seq, n_msgs, routes, timing_tick;
};

static void read_counters(const struct world *w, struct counters *c)
{
	const struct rg_control *ctl = w->e->inst.ctl;

	memset(c, 0, sizeof(*c));
	c->msgs_in = ctl->msgs_in;
	c->approved = ctl->approved;
	c->rejected = ctl->rejected;
	c->reports_out = ctl->reports_out;
	memcpy(c->by_reason, ctl->rejected_by_reason, sizeof(c->by_reason));
	c->journal_head = w->e->journal.shared->head;
	c->next_seq = w->e->risk->next_seq;
	c->next_report_seq = w->e->inst.sessions[0].next_report_seq;
	c->n_msgs = w->e->inst.sessions[0].n_msgs;
	c->routes = w->e->routes.count;
	c->timing_tick = w->e->timing_tick;
}

static void a_warm_pass_changes_nothing(void **state)
{
	struct world *w = *state;
	unsigned whole = 0;

	rg_path_warmer_set_interval(&w->e->warm, 0, rg_mono_ns()); /* the warm passes are the test's own below */
	trade_a_little(w);
	for (unsigned tries = 0; whole < 50 && tries < 100000; tries++) {
		struct rg_risk_snapshot before;
		struct counters c0, c1;
		uint64_t p0 = w->e->warm.passes;
		const char *moved;

		settle(w);
		rg_risk_snapshot_take(&before, w->e->risk);
		read_counters(w, &c0);
		rg_path_warm(w->e, rg_mono_ns());
		read_counters(w, &c1);
		moved = rg_risk_snapshot_diff(&before, w->e->risk);
		rg_risk_snapshot_free(&before);
		if (w->e->warm.passes == p0)
			continue; /* cut short by a venue event: the next try */
		whole++;
		if (moved != NULL)
			fail_msg("a warm pass changed the %s", moved);
		assert_memory_equal(&c0, &c1, sizeof(c0));
	}
	assert_int_equal(whole, 50);
}

static void an_order_waiting_cuts_a_pass_short(void **state)
{
	struct world *w = *state;
	uint64_t p0, c0, guard;
	unsigned accepted;

	trade_a_little(w);
	settle(w);
	accepted = w->accepted;
	p0 = w->e->warm.passes;
	c0 = w->e->warm.cut_short;
	submit(w, RG_TIF_IOC, 19001000000LL); /* (not the day's IOC again: the duplicate guard is on) */
	rg_path_warm(w->e, rg_mono_ns());
	assert_int_equal(w->e->warm.cut_short, c0 + 1);
	assert_int_equal(w->e->warm.passes, p0);
	guard = rg_mono_ns() + GUARD_NS;
	while (w->accepted == accepted && rg_mono_ns() < guard)
		pass(w);
	assert_int_equal(w->accepted, accepted + 1);
}

static void interval_zero_is_off(void **state)
{
	struct world *w = *state;
	uint64_t p0;

	trade_a_little(w);
	rg_path_warmer_set_interval(&w->e->warm, 0, rg_mono_ns());
	p0 = w->e->warm.passes;
	for (int i = 0; i < 20000; i++)
		pass(w);
	assert_int_equal(w->e->warm.passes, p0);
}

/*
 * Six strategies with an order to check like: a whole pass takes four, the
 * next the other two and the first two again, each starting where the last
 * stopped; none of it moves anything.  The sim venue ticks every 10 ms, so
 * some passes are cut short: such a pass stops at the session it did not
 * warm, and the next starts there.  Every other try skips the state
 * snapshot, which a sanitizer build on a busy machine can stretch past a
 * tick, so that whole passes come; a_warm_pass_changes_nothing compares the
 * whole state on whole passes.
 */
static void a_pass_takes_four_strategies_round_robin(void **state)
{
	struct world *w = *state;
	uint64_t guard;
	uint32_t expect_start = 0;
	unsigned whole = 0, cut = 0;

	rg_path_warmer_set_interval(&w->e->warm, 0, rg_mono_ns());
	trade_a_little(w);
	assert_int_equal(w->e->inst.n_sessions, 6);
	for (uint32_t i = 1; i < 6; i++) { /* the others as if they had sent one like it */
		w->e->warm.canned[i] = w->e->warm.canned[0];
		w->e->warm.last_id[i] = 1000 * i;
	}
	guard = rg_mono_ns() + GUARD_NS;
	for (unsigned tries = 0; whole < 3; tries++) {
		struct rg_risk_snapshot before;
		struct counters c0, c1;
		bool snapshot = tries % 2 == 0;
		uint32_t start, advanced;
		uint64_t p0;

		if (rg_mono_ns() > guard)
			fail_msg("%u whole warm passes and %u cut short in %u tries", whole, cut, tries);
		settle(w);
		if (snapshot)
			rg_risk_snapshot_take(&before, w->e->risk);
		read_counters(w, &c0);
		start = w->e->warm.cursor % 6;
		assert_int_equal(start, expect_start); /* where the last pass stopped */
		p0 = w->e->warm.passes;
		rg_path_warm(w->e, rg_mono_ns());
		read_counters(w, &c1);
		if (snapshot) {
			const char *moved = rg_risk_snapshot_diff(&before, w->e->risk);
			rg_risk_snapshot_free(&before);
			if (moved != NULL)
				fail_msg("a warm pass changed the %s", moved);
		}
		assert_memory_equal(&c0, &c1, sizeof(c0));
		expect_start = w->e->warm.cursor % 6;
		advanced = (expect_start + 6 - start) % 6;
		if (w->e->warm.passes != p0) {
			whole++;
			assert_int_equal(advanced, 4);
		} else {
			cut++;
			assert_in_range(advanced, 0, 3);
		}
	}
	assert_int_equal(w->e->warm.passes, 3); /* none but the test's: off stays off */
}

static void the_config_key_is_checked(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	char json[1024];
	static const char *fmt =
		"{ \"instance\": \"x\", %s \"journal\": {\"dir\": \"/tmp\"},"
		"  \"venues\": [ {\"name\": \"V\", \"adapter\": \"sim\"} ], \"symbols\": [ {\"name\": \"S\", \"venue\": \"V\","
		"  \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"10\", \"max_price\": \"10\"} ],"
		"  \"accounts\": [ {\"name\": \"A\", \"equity\": \"100\"} ], \"strategies\": [ {\"name\": \"s\", \"account\": \"A\"} ] }";
	static const struct {
		const char *engine;
		int ok;
		uint32_t us;
	} cases[] = {
		{"", 1, 5}, /* the default: on */
		{"\"engine\": {\"warm_interval_us\": 0},", 1, 0},
		{"\"engine\": {\"warm_interval_us\": 20},", 1, 20},
		{"\"engine\": {\"warm_interval_us\": -1},", 0, 0},
		{"\"engine\": {\"warm_interval_us\": 1000001},", 0, 0},
		{"\"engine\": {\"warm_interval_us\": \"5\"},", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json), fmt, cases[i].engine);
		int rc = rg_config_load_string(&cfg, json, &err);
		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("case %zu: config %s: %s", i, err.path, err.message);
			assert_int_equal(cfg.warm_interval_us, cases[i].us);
			rg_config_free(&cfg);
		} else {
			assert_int_not_equal(rc, 0);
			if (strstr(err.path, "warm_interval_us") == NULL)
				fail_msg("case %zu: refused at %s (%s), not at warm_interval_us", i, err.path, err.message);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(idle_polls_run_warm_passes, open_world, close_world),
		cmocka_unit_test_setup_teardown(a_warm_pass_changes_nothing, open_world, close_world),
		cmocka_unit_test_setup_teardown(an_order_waiting_cuts_a_pass_short, open_world, close_world),
		cmocka_unit_test_setup_teardown(interval_zero_is_off, open_world, close_world),
		cmocka_unit_test_setup_teardown(a_pass_takes_four_strategies_round_robin, open_world6, close_world),
		cmocka_unit_test(the_config_key_is_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
