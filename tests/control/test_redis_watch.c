/*
 * Redis watcher tests (engine/control/redis_watch.c) against a real
 * redis-server started here on a free loopback port: SET kills and DEL
 * resumes, scoped keys touch only their scope, PUBLISH acts without a poll,
 * a wrong password or a missing one is a clear error that never shows the
 * password, an ACL user works, and Redis killed and restarted: the status goes
 * down and up again, "keep" trades on, "halt" halts after the grace and only
 * an operator lifts it.  Waits are for outcomes, never timed.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redis_fixture.h"
#include "redis_watch.h"

/* ---- log capture -------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1 << 16];

static void capture(void *ctx, int level, const char *line)
{
	size_t n;

	(void)ctx;
	pthread_mutex_lock(&log_lock);
	n = strlen(log_text);
	snprintf(log_text + n, sizeof(log_text) - n, "%d %s\n", level, line);
	pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *words)
{
	bool yes;

	pthread_mutex_lock(&log_lock);
	yes = strstr(log_text, words) != NULL;
	pthread_mutex_unlock(&log_lock);
	return yes;
}

static bool log_has_cond(void *words)
{
	return log_has((const char *)words);
}

/* The watcher logs after it writes: wait for the line, do not race it. */
static void wait_log(const char *words)
{
	if (!rg_test_wait(log_has_cond, (void *)words))
		fail_msg("no log line with \"%s\"", words);
}

/* ---- fixture ------------------------------------------------------------- */

struct fx {
	struct rg_redis_server redis;
	char instance[32];
	struct rg_kill_seg seg;   /* the engine's handle */
	struct rg_config cfg;
	struct rg_redis_watch *w;
	char err[256];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rg_operators_cfg ops = rg_test_ops();

	pthread_mutex_lock(&log_lock);
	log_text[0] = '\0';
	pthread_mutex_unlock(&log_lock);
	rg_test_instance(f->instance, sizeof(f->instance), "rw");
	if (rg_kill_create(&f->seg, f->instance, &ops, f->err, sizeof(f->err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rg_redis_watch_stop(f->w);
	if (getenv("RG_TEST_VERBOSE") != NULL)
		fputs(log_text, stderr);
	rg_config_free(&f->cfg);
	rg_redis_stop(&f->redis);
	rg_kill_close(&f->seg);
	rg_kill_unlink(f->instance);
	unsetenv("RG_REDIS_PASSWORD");
	free(f);
	return 0;
}

/* Config with a redis section on the fixture's port, plus `more` redis keys. */
static void configure(struct fx *f, const char *more)
{
	char extra[1024];

	snprintf(extra, sizeof(extra), "\"redis\": {\"port\": %d, \"reconnect_min_ms\": 20, \"reconnect_max_ms\": 200 %s},",
		 f->redis.port, more);
	assert_int_equal(rg_test_config(&f->cfg, f->instance, extra), 0);
}

static void start_watch(struct fx *f)
{
	struct rg_redis_watch_opts opts = {capture, NULL};

	if (rg_redis_watch_start(&f->w, &f->cfg, &opts, f->err, sizeof(f->err)) != 0)
		fail_msg("watcher: %s", f->err);
}

static struct rg_kill_redis status(struct fx *f)
{
	struct rg_kill_redis st;

	assert_int_equal(rg_kill_redis_read(&f->seg, &st), 0);
	return st;
}

/* ---- conditions waited for ----------------------------------------------- */

struct want_state {
	struct fx *f;
	uint32_t state;
};

static bool state_is(void *arg)
{
	struct want_state *w = arg;

	return status(w->f).state == w->state;
}

static void wait_state(struct fx *f, uint32_t state)
{
	struct want_state w = {f, state};

	if (!rg_test_wait(state_is, &w))
		fail_msg("Redis status stayed %s, expected %s (last error: %s)", rg_redis_state_str(status(f).state),
			 rg_redis_state_str(state), status(f).last_error);
}

struct want_kill {
	struct fx *f;
	uint8_t kind;
	const char *name;
	uint8_t source;
	const char *reason; /* NULL: any */
	bool present;
};

static bool kill_matches(void *arg)
{
	struct want_kill *k = arg;
	struct rg_kill_entry e[RG_KILL_MAX];
	uint32_t n = 0;
	bool found = false;

	if (rg_kill_list(&k->f->seg, e, RG_KILL_MAX, &n, NULL) != 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (e[i].scope == k->kind && strcmp(e[i].name, k->name) == 0 && e[i].source == k->source &&
		    (k->reason == NULL || strcmp(e[i].reason, k->reason) == 0))
			found = true;
	return found == k->present;
}

static void wait_kill(struct fx *f, uint8_t kind, const char *name, uint8_t source, const char *reason, bool present)
{
	struct want_kill k = {f, kind, name, source, reason, present};

	if (!rg_test_wait(kill_matches, &k))
		fail_msg("kill %s:%s from %s %s", rg_kill_scope_kind_str(kind), name, rg_kill_source_str(source),
			 present ? "never appeared" : "never went away");
}

static uint32_t n_kills(struct fx *f)
{
	struct rg_kill_entry e[RG_KILL_MAX];
	uint32_t n = 0;

	assert_int_equal(rg_kill_list(&f->seg, e, RG_KILL_MAX, &n, NULL), 0);
	return n;
}

struct after {
	struct fx *f;
	uint64_t t;
};

static bool polled_after(void *arg)
{
	struct after *a = arg;

	return status(a->f).last_ok_ns > a->t;
}

/* Waits until the watcher has completed a poll that began after now. */
static void wait_fresh_poll(struct fx *f)
{
	struct timespec ts;
	struct after a;

	clock_gettime(CLOCK_REALTIME, &ts);
	a.f = f;
	a.t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	assert_true(rg_test_wait(polled_after, &a));
	a.t = status(f).last_ok_ns; /* the poll that ended then may have begun before: one more */
	assert_true(rg_test_wait(polled_after, &a));
}

static bool heartbeat_after(void *arg)
{
	struct after *a = arg;

	return status(a->f).heartbeat_mono_ns > a->t;
}

/* ---- tests ----------------------------------------------------------------- */

static void set_kills_and_del_resumes(void **state)
{
	struct fx *f = *state;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;

	assert_int_equal(rg_redis_start(&f->redis), 0);
	configure(f, ", \"poll_ms\": 20");
	assert_int_equal(rg_kill_reader_init(&r, &f->seg, false), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_false(rg_kill_changed(&r)); /* connecting changed no kill */
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop %s", "desk 4 says stop", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, "desk 4 says stop", true);
	assert_true(rg_kill_changed(&r));
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_non_null(rg_kill_snapshot_find(&snap, RG_SCOPE_INSTANCE, ""));
	/* a new value is a new reason */
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop %s", "still stopped", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, "still stopped", true);
	assert_true(rg_redis_do(&f->redis, "DEL emergency_stop", NULL, NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, NULL, false);
	assert_int_equal(n_kills(f), 0);
	wait_log("KILL instance: Redis key set: desk 4 says stop");
	wait_log("resume instance: Redis key deleted");
	/* an operator cannot lift a Redis kill while its key is set */
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop %s", "held", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, "held", true);
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	assert_int_equal(rg_kill_lift(&f->seg, &inst, RG_KSRC_ALL, f->err, sizeof(f->err)), 1);
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, "held", true);
}

static void scoped_keys_touch_only_their_scope(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rg_redis_start(&f->redis), 0);
	configure(f, ", \"poll_ms\": 20, \"key\": \"stop_all\"");
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_true(rg_redis_do(&f->redis, "SET stop_all:strategy:s1 %s", "s1 misbehaves", NULL));
	assert_true(rg_redis_do(&f->redis, "SET stop_all:account:A2 %s", "A2 margin", NULL));
	assert_true(rg_redis_do(&f->redis, "SET stop_all:symbol:BBB %s", "halted at the venue", NULL));
	assert_true(rg_redis_do(&f->redis, "SET stop_all:venue:V %s", "venue degraded", NULL));
	assert_true(rg_redis_do(&f->redis, "SET stop_all:strategy:s9 %s", "not ours", NULL));
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop %s", "another key name", NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s1", RG_KSRC_REDIS, "s1 misbehaves", true);
	wait_kill(f, RG_SCOPE_ACCOUNT, "A2", RG_KSRC_REDIS, "A2 margin", true);
	wait_kill(f, RG_SCOPE_SYMBOL, "BBB", RG_KSRC_REDIS, "halted at the venue", true);
	wait_kill(f, RG_SCOPE_VENUE, "V", RG_KSRC_REDIS, "venue degraded", true);
	wait_fresh_poll(f);
	/* exactly those four: not s2, not A1, not AAA, not the instance, nothing for s9 */
	assert_int_equal(n_kills(f), 4);
	assert_true(rg_redis_do(&f->redis, "DEL stop_all:strategy:s1", NULL, NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s1", RG_KSRC_REDIS, NULL, false);
	assert_int_equal(n_kills(f), 3);
}

static void publish_acts_without_waiting_for_a_poll(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rg_redis_start(&f->redis), 0);
	/* one poll a minute: only the subscription can explain what follows */
	configure(f, ", \"poll_ms\": 60000, \"channel\": \"ops.kill\"");
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "kill strategy:s2 runaway quoting", NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s2", RG_KSRC_REDIS_PUBLISH, "runaway quoting", true);
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "kill everything now", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_PUBLISH, "everything now", true);
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "resume strategy:s2", NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s2", RG_KSRC_REDIS_PUBLISH, NULL, false);
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "resume", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_PUBLISH, NULL, false);
	/* not a command: it kills, it is never ignored */
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "STOP STOP STOP", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_PUBLISH, "STOP STOP STOP", true);
	wait_log("taken as an instance kill");
	/* a malformed resume does nothing */
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "resume strategy", NULL));
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "kill symbol:AAA", NULL));
	wait_kill(f, RG_SCOPE_SYMBOL, "AAA", RG_KSRC_REDIS_PUBLISH, NULL, true);
	assert_true(log_has("ignored a message on ops.kill"));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_PUBLISH, "STOP STOP STOP", true);
	/* another channel is not ours */
	assert_true(rg_redis_do(&f->redis, "PUBLISH riskgate.kill %s", "kill venue:V", NULL));
	assert_true(rg_redis_do(&f->redis, "PUBLISH ops.kill %s", "kill account:A1 marker", NULL));
	wait_kill(f, RG_SCOPE_ACCOUNT, "A1", RG_KSRC_REDIS_PUBLISH, NULL, true);
	wait_kill(f, RG_SCOPE_VENUE, "V", RG_KSRC_REDIS_PUBLISH, NULL, false);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void a_wrong_password_is_a_clear_error_that_hides_the_password(void **state)
{
	struct fx *f = *state;
	struct rg_kill_redis st;
	char pwfile[128], more[256];

	snprintf(f->redis.password, sizeof(f->redis.password), "correct-horse-77");
	assert_int_equal(rg_redis_start(&f->redis), 0);
	snprintf(pwfile, sizeof(pwfile), "%s/pw", f->redis.dir);
	write_file(pwfile, "wrong-battery-42\n");
	snprintf(more, sizeof(more), ", \"poll_ms\": 20, \"password_file\": \"%s\"", pwfile);
	configure(f, more);
	start_watch(f);
	wait_state(f, RG_REDIS_AUTH_FAILED);
	st = status(f);
	assert_non_null(strstr(st.last_error, "authentication failed"));
	assert_non_null(strstr(st.last_error, "WRONGPASS"));
	assert_null(strstr(st.last_error, "wrong-battery-42"));
	assert_true(log_has("refused by Redis"));
	assert_false(log_has("wrong-battery-42"));
	assert_false(log_has("correct-horse-77"));
	/* a corrected (rotated) password file is read at the next reconnect */
	write_file(pwfile, "correct-horse-77\n");
	wait_state(f, RG_REDIS_UP);
	assert_false(log_has("correct-horse-77"));
	rg_redis_watch_stop(f->w);
	f->w = NULL;
	assert_int_equal(status(f).state, RG_REDIS_OFF);

	/* no password at all, from the environment either */
	rg_config_free(&f->cfg);
	configure(f, ", \"poll_ms\": 20");
	start_watch(f);
	wait_state(f, RG_REDIS_AUTH_FAILED);
	assert_non_null(strstr(status(f).last_error, "requires a password"));
	rg_redis_watch_stop(f->w);
	f->w = NULL;

	/* the right one from the environment */
	setenv("RG_REDIS_PASSWORD", "correct-horse-77", 1);
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop %s", "authenticated", NULL));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS, "authenticated", true);
	assert_false(log_has("correct-horse-77"));
}

static void an_acl_user_with_only_what_it_needs_works(void **state)
{
	struct fx *f = *state;
	char pwfile[128], more[256];

	assert_int_equal(rg_redis_start(&f->redis), 0);
	assert_true(rg_redis_do(&f->redis, "ACL SETUSER rgwatch on >%s ~emergency_stop* &riskgate.kill +mget +subscribe",
				"acl-pass-1", NULL));
	snprintf(pwfile, sizeof(pwfile), "%s/pw", f->redis.dir);
	write_file(pwfile, "acl-pass-1");
	snprintf(more, sizeof(more), ", \"poll_ms\": 20, \"user\": \"rgwatch\", \"password_file\": \"%s\"", pwfile);
	configure(f, more);
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop:strategy:s1 %s", "acl", NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s1", RG_KSRC_REDIS, "acl", true);
}

static void restart_under_keep_goes_down_and_up_and_trades_on(void **state)
{
	struct fx *f = *state;
	struct rg_kill_redis st;
	struct after a;

	assert_int_equal(rg_redis_start(&f->redis), 0);
	configure(f, ", \"poll_ms\": 20, \"on_redis_loss\": \"keep\", \"loss_grace_ms\": 100");
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_true(rg_redis_do(&f->redis, "SET emergency_stop:strategy:s2 %s", "before the outage", NULL));
	wait_kill(f, RG_SCOPE_STRATEGY, "s2", RG_KSRC_REDIS, NULL, true);

	rg_redis_kill(&f->redis);
	wait_state(f, RG_REDIS_DOWN);
	st = status(f);
	assert_true(st.last_error[0] != '\0');
	assert_true(log_has("LOST Redis"));
	/* let the watcher run well past the grace, then look */
	a.f = f;
	a.t = st.since_mono_ns + 3ull * st.loss_grace_ms * 1000000u;
	assert_true(rg_test_wait(heartbeat_after, &a));
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_LOSS, NULL, false);
	/* kills from Redis hold while it is down */
	wait_kill(f, RG_SCOPE_STRATEGY, "s2", RG_KSRC_REDIS, NULL, true);
	assert_int_equal(n_kills(f), 1);

	assert_int_equal(rg_redis_start(&f->redis), 0); /* same port, empty: the key is gone */
	wait_state(f, RG_REDIS_UP);
	assert_true(status(f).reconnects >= 1);
	assert_true(log_has("restored after"));
	wait_kill(f, RG_SCOPE_STRATEGY, "s2", RG_KSRC_REDIS, NULL, false);
	assert_int_equal(n_kills(f), 0);
}

static void restart_under_halt_halts_after_the_grace_until_an_operator_resumes(void **state)
{
	struct fx *f = *state;
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};

	assert_int_equal(rg_redis_start(&f->redis), 0);
	configure(f, ", \"poll_ms\": 20, \"on_redis_loss\": \"halt\", \"loss_grace_ms\": 100");
	start_watch(f);
	wait_state(f, RG_REDIS_UP);
	assert_int_equal(status(f).halt_on_loss, 1);
	rg_redis_kill(&f->redis);
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_LOSS, NULL, true);
	wait_log("HALT instance"); /* logged after the status says so */
	assert_int_equal(status(f).loss_halted, 1);

	assert_int_equal(rg_redis_start(&f->redis), 0);
	wait_state(f, RG_REDIS_UP);
	wait_fresh_poll(f);
	/* Redis is back, and the halt holds */
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_LOSS, NULL, true);
	assert_int_equal(rg_kill_lift(&f->seg, &inst, RG_KSRC_ALL, f->err, sizeof(f->err)), 1);
	wait_fresh_poll(f);
	wait_kill(f, RG_SCOPE_INSTANCE, "", RG_KSRC_REDIS_LOSS, NULL, false);
	assert_int_equal(n_kills(f), 0);
}

static void start_refuses_what_cannot_work(void **state)
{
	struct fx *f = *state;
	struct rg_redis_watch_opts opts = {capture, NULL};
	char other[32];

	f->redis.port = rg_redis_free_port();
	assert_int_equal(rg_test_config(&f->cfg, f->instance, ""), 0);
	assert_int_equal(rg_redis_watch_start(&f->w, &f->cfg, &opts, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "not configured"));
	rg_config_free(&f->cfg);
	configure(f, ", \"password_file\": \"/nonexistent/redis.pw\"");
	assert_int_equal(rg_redis_watch_start(&f->w, &f->cfg, &opts, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "password file /nonexistent/redis.pw"));
	rg_config_free(&f->cfg);
	rg_test_instance(other, sizeof(other), "nokill");
	{
		char extra[128];
		snprintf(extra, sizeof(extra), "\"redis\": {\"port\": %d},", f->redis.port);
		assert_int_equal(rg_test_config(&f->cfg, other, extra), 0);
	}
	assert_int_equal(rg_redis_watch_start(&f->w, &f->cfg, &opts, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no kill segment"));
	assert_null(f->w);
	rg_config_free(&f->cfg);

	/* nothing listening: down, reconnecting with backoff, and stop still returns */
	configure(f, ", \"poll_ms\": 20");
	start_watch(f);
	wait_state(f, RG_REDIS_DOWN);
	assert_non_null(strstr(status(f).last_error, "Connection refused"));
	assert_true(log_has("cannot reach Redis"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(set_kills_and_del_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(scoped_keys_touch_only_their_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(publish_acts_without_waiting_for_a_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(a_wrong_password_is_a_clear_error_that_hides_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(an_acl_user_with_only_what_it_needs_works, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_under_keep_goes_down_and_up_and_trades_on, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_under_halt_halts_after_the_grace_until_an_operator_resumes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(start_refuses_what_cannot_work, setup, teardown),
	};

	if (!rg_redis_available()) {
		fprintf(stderr, "test_redis_watch: redis-server not installed (tools/deps.sh installs it); skipped\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
