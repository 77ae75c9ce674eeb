/*
 * riskctl's operator commands (tools/riskctl_kill.c), run as real processes
 * (riskctl_driver dispatches them as riskctl.c does) against a real kill
 * segment, with a stand-in engine: a control segment in state RUNNING with a
 * symbol table, and a thread that applies snapshots and answers requests the
 * way the engine will.  Checks what lands in the segment, what the operator
 * reads, and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include <riskgate/segment.h>

#include "kill_fixture.h"

#ifndef RG_DRIVER
#error "RG_DRIVER must name the riskctl_driver binary"
#endif

/* ---- running the driver ------------------------------------------------------ */

static char output[1 << 16];

/* Runs the driver with the NULL-terminated arguments; output gets stdout and
 * stderr together; returns the exit status.  uid > 0: run as that user. */
static int run_as(uid_t uid, const char *arg, ...)
{
	const char *argv[32];
	int pipefd[2], status = -1, n = 0;
	size_t used = 0;
	ssize_t got;
	va_list ap;
	pid_t pid;

	argv[n++] = RG_DRIVER;
	va_start(ap, arg);
	for (const char *a = arg; a != NULL && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (uid > 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid(uid) != 0))
			_exit(99);
		execv(RG_DRIVER, (char *const *)argv);
		_exit(98);
	}
	close(pipefd[1]);
	while ((got = read(pipefd[0], output + used, sizeof(output) - 1 - used)) > 0)
		used += (size_t)got;
	output[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define run(...) run_as(0, __VA_ARGS__, (const char *)NULL)

static void expect_output(const char *words)
{
	if (strstr(output, words) == NULL)
		fail_msg("expected \"%s\" in:\n%s", words, output);
}

/* ---- a stand-in engine ---------------------------------------------------------- */

struct engine {
	char instance[32];
	struct rg_kill_seg seg;
	struct rg_seg_map ctl;
	bool ctl_open;
	pthread_t thread;
	int stop;      /* atomic */
	int paused;    /* atomic: neither applies nor answers */
	/* what it was asked, for the test to check */
	pthread_mutex_t lock;
	struct rg_kill_cmd last;
	unsigned n_cmds;
};

static void *engine_loop(void *p)
{
	struct engine *e = p;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;
	char msg[RG_KILL_MSG_MAX];

	rg_kill_reader_init(&r, &e->seg, false);
	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		/* a live engine's heartbeat: riskctl judges an engine by it */
		__atomic_store_n(&rg_seg_header_of(&e->ctl)->heartbeat_ns,
				 (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, __ATOMIC_RELAXED);
		if (__atomic_load_n(&e->paused, __ATOMIC_ACQUIRE) || !rg_kill_changed(&r) || rg_kill_snapshot(&r, &snap) != 0) {
			rg_test_sleep_ms(1);
			continue;
		}
		for (uint32_t i = 0; i < snap.n_cmds; i++) {
			const struct rg_kill_cmd *c = &snap.cmds[i];
			int rc = 0;
			pthread_mutex_lock(&e->lock);
			e->last = *c;
			e->n_cmds++;
			pthread_mutex_unlock(&e->lock);
			if (c->kind == RG_KCMD_SET_STATE)
				snprintf(msg, sizeof(msg), "%s %s: ACTIVE -> %s", rg_kill_scope_kind_str(c->scope), c->name,
					 rg_kill_state_str(c->state));
			else if (c->kind == RG_KCMD_RELOAD && strstr(c->path, "refuse") != NULL)
				rc = -EINVAL, snprintf(msg, sizeof(msg), "$.symbols[0].tick: must be greater than 0");
			else
				snprintf(msg, sizeof(msg), "%s done", rg_kill_cmd_str(c->kind));
			rg_kill_command_done(&r, c->seq, rc, msg);
		}
		rg_kill_applied(&r);
	}
	return NULL;
}

static int setup(void **state)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct rg_operators_cfg ops = rg_test_ops();
	char err[256];

	pthread_mutex_init(&e->lock, NULL);
	rg_test_instance(e->instance, sizeof(e->instance), "rc");
	if (rg_kill_create(&e->seg, e->instance, &ops, err, sizeof(err)) != 0)
		return -1;
	*state = e;
	return 0;
}

/* Makes the instance look served: control segment RUNNING, symbols, roster, engine thread. */
static void start_engine(struct engine *e)
{
	struct rg_seg_perms perms = {(uid_t)-1, (gid_t)-1, 0644, false};
	struct rg_symbol_entry *sym;
	struct rg_control *c;
	struct rg_config cfg;
	char err[256];

	assert_int_equal(rg_seg_create(&e->ctl, e->instance, NULL, 0, 0, 8, &perms, err, sizeof(err)), 0);
	e->ctl_open = true;
	c = (struct rg_control *)((char *)e->ctl.base + e->ctl.layout.control_off);
	sym = (struct rg_symbol_entry *)((char *)e->ctl.base + e->ctl.layout.symbols_off);
	snprintf(sym[0].name, sizeof(sym[0].name), "AAA");
	snprintf(sym[1].name, sizeof(sym[1].name), "BBB");
	sym[1].id = 1;
	__atomic_store_n(&c->symbol_count, 2, __ATOMIC_RELEASE);
	__atomic_store_n(&c->engine_state, RG_ENGINE_RUNNING, __ATOMIC_RELEASE);
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts); /* alive from the start; engine_loop keeps it fresh */
		rg_seg_header_of(&e->ctl)->heartbeat_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	rg_seg_publish_ready(&e->ctl);
	assert_int_equal(rg_test_config(&cfg, e->instance, ""), 0);
	assert_int_equal(rg_kill_publish_roster(&e->seg, &cfg), 0);
	rg_config_free(&cfg);
	assert_int_equal(pthread_create(&e->thread, NULL, engine_loop, e), 0);
}

static int teardown(void **state)
{
	struct engine *e = *state;

	if (e->ctl_open) {
		__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
		pthread_join(e->thread, NULL);
		rg_seg_detach(&e->ctl);
		rg_seg_unlink(e->instance, NULL);
	}
	rg_kill_close(&e->seg);
	rg_kill_unlink(e->instance);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return 0;
}

static uint32_t kills(struct engine *e, struct rg_kill_entry *out)
{
	uint32_t n = 0;

	assert_int_equal(rg_kill_list(&e->seg, out, RG_KILL_MAX, &n, NULL), 0);
	return n;
}

static struct rg_kill_cmd last_cmd(struct engine *e, unsigned *count)
{
	struct rg_kill_cmd c;

	pthread_mutex_lock(&e->lock);
	c = e->last;
	*count = e->n_cmds;
	pthread_mutex_unlock(&e->lock);
	return c;
}

/* ---- tests ------------------------------------------------------------------------ */

static void kill_and_resume_with_no_engine_running(void **state)
{
	struct engine *e = *state;
	struct rg_kill_entry k[RG_KILL_MAX];

	/* Written, and in force when an engine starts; exit 4 says no engine confirmed it. */
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "strategy:s1", "--reason", "runaway orders"), 4);
	expect_output("KILLED strategy:s1; no engine is running");
	assert_int_equal(kills(e, k), 1);
	assert_int_equal(k[0].scope, RG_SCOPE_STRATEGY);
	assert_string_equal(k[0].name, "s1");
	assert_int_equal(k[0].source, RG_KSRC_RISKCTL);
	assert_string_equal(k[0].reason, "runaway orders");
	assert_int_equal(k[0].uid, getuid());
	assert_true(k[0].pid != getpid() && k[0].pid > 0); /* the riskctl process's own */

	assert_int_equal(run("kill", "--instance", e->instance, "--reason", "all of it", "--json"), 4); /* default scope */
	expect_output("\"exit_code\": 4");
	expect_output("\"health\": \"ABSENT\"");
	assert_int_equal(kills(e, k), 2);
	assert_int_equal(k[1].scope, RG_SCOPE_INSTANCE);

	assert_int_equal(run("resume", "--instance", e->instance, "--scope", "strategy:s1"), 4);
	expect_output("RESUMED strategy:s1: 1 kill lifted");
	assert_int_equal(kills(e, k), 1);
	assert_int_equal(run("resume", "--instance", e->instance, "--scope", "strategy:s1"), 0);
	expect_output("nothing to resume at strategy:s1");
	assert_int_equal(run("resume", "--instance", e->instance, "--all"), 4);
	assert_int_equal(kills(e, k), 0);
}

static void bad_usage_is_refused_with_a_reason(void **state)
{
	struct engine *e = *state;
	char none[32];

	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "strategy:s1"), 2);
	expect_output("kill needs --reason TEXT");
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "desk:3", "--reason", "x"), 2);
	expect_output("expected instance, account:A");
	assert_int_equal(run("resume", "--instance", e->instance, "--scope", "instance", "--all"), 2);
	assert_int_equal(run("kill", "--instance", e->instance, "--reason", "x", "--wait", "soon"), 2);
	assert_int_equal(run("kill", "--instance", e->instance, "--reason", "x", "extra"), 2);
	expect_output("unexpected argument 'extra'");
	assert_int_equal(run("set-state", "--instance", e->instance, "--scope", "account:A1", "PAUSED"), 2);
	expect_output("not a trading state");
	assert_int_equal(run("set-state", "--instance", e->instance, "--scope", "venue:V", "HALTED"), 2);
	assert_int_equal(run("set-reference", "--instance", e->instance, "--symbol", "AAA", "--price", "1.123456789"), 2);
	assert_int_equal(run("set-reference", "--instance", e->instance, "--symbol", "AAA", "--price", "-5"), 2);
	assert_int_equal(run("reset-breaker", "--instance", e->instance), 2);
	expect_output("reset-breaker needs --venue NAME");
	rg_test_instance(none, sizeof(none), "none");
	assert_int_equal(run("kill", "--instance", none, "--reason", "x"), 1);
	expect_output("no kill segment for instance");
	/* requests need a running engine: exit 4, no engine */
	assert_int_equal(run("reset-breaker", "--instance", e->instance, "--venue", "V"), 4);
	expect_output("no engine runs on instance");
}

static void with_an_engine_kills_are_confirmed_and_names_checked(void **state)
{
	struct engine *e = *state;
	struct rg_kill_entry k[RG_KILL_MAX];

	start_engine(e);
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "account:A2", "--reason", "margin"), 0);
	expect_output("KILLED account:A2; the engine applied it within");
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "account:A2", "--reason", "margin, again"), 0);
	expect_output("kill updated: account:A2");
	assert_int_equal(kills(e, k), 1);
	assert_string_equal(k[0].reason, "margin, again");
	/* a typo names nothing the engine serves: refused, nothing written */
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "strategy:s9", "--reason", "typo"), 1);
	expect_output("unknown strategy 's9' on instance");
	expect_output("(it has: s1, s2)");
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "symbol:ZZZ", "--reason", "typo"), 1);
	expect_output("unknown symbol 'ZZZ'");
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "venue:W", "--reason", "typo"), 1);
	assert_int_equal(kills(e, k), 1);
	assert_int_equal(run("kill", "--instance", e->instance, "--scope", "symbol:BBB", "--reason", "halted upstream"), 0);
	assert_int_equal(run("resume", "--instance", e->instance, "--all"), 0);
	expect_output("RESUMED every scope: 2 kills lifted; the engine applied it");

	/* an engine that does not apply: written, but not confirmed (exit 3) */
	__atomic_store_n(&e->paused, 1, __ATOMIC_RELEASE);
	assert_int_equal(run("kill", "--instance", e->instance, "--reason", "stuck engine", "--wait", "50"), 3);
	expect_output("has not confirmed it within 50 ms");
	assert_int_equal(kills(e, k), 1);
	__atomic_store_n(&e->paused, 0, __ATOMIC_RELEASE);
}

static void requests_reach_the_engine_and_its_answer_is_printed(void **state)
{
	struct engine *e = *state;
	struct rg_kill_cmd c;
	unsigned n;

	start_engine(e);
	assert_int_equal(run("set-state", "--instance", e->instance, "--scope", "account:A1", "halted"), 0);
	expect_output("set-state: account A1: ACTIVE -> HALTED");
	c = last_cmd(e, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c.kind, RG_KCMD_SET_STATE);
	assert_int_equal(c.scope, RG_SCOPE_ACCOUNT);
	assert_string_equal(c.name, "A1");
	assert_int_equal(c.state, RG_STATE_HALTED);
	assert_true(c.pid > 0 && c.pid != getpid());

	assert_int_equal(run("resume-throttle", "--instance", e->instance, "--strategy", "s2"), 0);
	expect_output("resume-throttle: resume-throttle done");
	c = last_cmd(e, &n);
	assert_int_equal(c.kind, RG_KCMD_RESUME_THROTTLE);
	assert_string_equal(c.name, "s2");
	assert_int_equal(run("reset-breaker", "--instance", e->instance, "--venue", "V"), 0);
	c = last_cmd(e, &n);
	assert_int_equal(c.kind, RG_KCMD_RESET_BREAKER);
	assert_int_equal(run("set-reference", "--instance", e->instance, "--symbol", "AAA", "--price", "123.45"), 0);
	c = last_cmd(e, &n);
	assert_int_equal(c.kind, RG_KCMD_SET_REFERENCE);
	assert_int_equal(c.price_e8, 12345000000);
	assert_int_equal(n, 4);
	/* unknown names are refused before they are queued */
	assert_int_equal(run("resume-throttle", "--instance", e->instance, "--strategy", "nope"), 1);
	assert_int_equal(run("set-reference", "--instance", e->instance, "--symbol", "QQQ", "--price", "1"), 1);
	c = last_cmd(e, &n);
	assert_int_equal(n, 4);

	/* an engine that does not answer: queued, exit 3 */
	__atomic_store_n(&e->paused, 1, __ATOMIC_RELEASE);
	assert_int_equal(run("reset-breaker", "--instance", e->instance, "--venue", "V", "--wait", "50"), 3);
	expect_output("the engine has not answered within 50 ms");
	__atomic_store_n(&e->paused, 0, __ATOMIC_RELEASE);
}

static void write_config(const char *path, const char *instance, const char *tick)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
		"{ \"instance\": \"%s\", \"venues\": [ {\"name\": \"V\", \"adapter\": \"sim\"} ],"
		"  \"symbols\": [ {\"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"%s\", \"lot\": \"1\","
		"                  \"max_qty\": \"1000\", \"max_price\": \"1000\"} ],"
		"  \"accounts\": [ {\"name\": \"A1\", \"equity\": \"100000\"} ],"
		"  \"strategies\": [ {\"name\": \"s1\", \"account\": \"A1\"} ] }\n",
		instance, tick);
	fclose(f);
}

static void reload_checks_the_file_then_asks_the_engine(void **state)
{
	struct engine *e = *state;
	char dir[] = "/tmp/rg_reload_XXXXXX", good[64], bad[64], other[64], refused[64], cwd[4096];
	struct rg_kill_cmd c;
	unsigned n;

	assert_non_null(mkdtemp(dir));
	snprintf(good, sizeof(good), "%s/good.json", dir);
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	snprintf(other, sizeof(other), "%s/other.json", dir);
	snprintf(refused, sizeof(refused), "%s/refuse.json", dir);
	write_config(good, e->instance, "0.01");
	write_config(bad, e->instance, "0");
	write_config(other, "someone_else", "0.01");
	write_config(refused, e->instance, "0.01");
	start_engine(e);

	assert_int_equal(run("reload", "--instance", e->instance, "--config", bad), 1);
	expect_output("$.symbols[0].tick: must be greater than 0 (the engine keeps its config)");
	assert_int_equal(run("reload", "--instance", e->instance, "--config", other), 1);
	expect_output("is the config of instance 'someone_else'");
	assert_int_equal(run("reload", "--instance", e->instance, "--config", "/nonexistent.json"), 1);
	c = last_cmd(e, &n);
	assert_int_equal(n, 0);

	/* a relative path reaches the engine absolute */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(run("reload", "--instance", e->instance, "--config", "good.json"), 0);
	assert_int_equal(chdir(cwd), 0);
	expect_output("reload: reload done");
	c = last_cmd(e, &n);
	assert_int_equal(c.kind, RG_KCMD_RELOAD);
	assert_string_equal(c.path, good);
	assert_int_equal(run("reload", "--instance", e->instance), 0);
	c = last_cmd(e, &n);
	assert_string_equal(c.path, "");
	/* the engine's refusal is the operator's answer */
	assert_int_equal(run("reload", "--instance", e->instance, "--config", refused), 1);
	expect_output("reload refused by the engine: $.symbols[0].tick: must be greater than 0");
	unlink(good);
	unlink(bad);
	unlink(other);
	unlink(refused);
	rmdir(dir);
}

static void resume_leaves_redis_key_kills_unless_forced(void **state)
{
	struct engine *e = *state;
	struct rg_kill_entry k[RG_KILL_MAX];
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	char err[256];

	start_engine(e);
	assert_int_equal(rg_kill_apply(&e->seg, &inst, RG_KSRC_REDIS, "key set in redis", err, sizeof(err)), 0);
	assert_int_equal(rg_kill_apply(&e->seg, &inst, RG_KSRC_REDIS_LOSS, "redis unreachable", err, sizeof(err)), 0);
	/* blocked by the Redis key: exit 8, not success */
	assert_int_equal(run("resume", "--instance", e->instance), 8);
	expect_output("RESUMED instance: 1 kill lifted");
	expect_output("instance is still killed by a Redis key (key set in redis)");
	assert_int_equal(kills(e, k), 1);
	assert_int_equal(k[0].source, RG_KSRC_REDIS);
	assert_int_equal(run("resume", "--instance", e->instance, "--force"), 0);
	expect_output("the Redis watcher kills again while a kill key is set");
	assert_int_equal(kills(e, k), 0);
}

static void status_lists_kills_and_the_redis_alert(void **state)
{
	struct engine *e = *state;
	struct rg_kill_scope s1 = {RG_SCOPE_STRATEGY, "s1"};
	struct rg_kill_redis st;
	json_error_t je;
	json_t *o, *kill0;
	char err[256];

	assert_int_equal(run("status", e->instance), 0);
	expect_output("kill switch       off (no kill in force)");
	expect_output("redis             not watched");
	assert_int_equal(rg_kill_apply(&e->seg, &s1, RG_KSRC_RISKCTL, "fat finger", err, sizeof(err)), 0);
	memset(&st, 0, sizeof(st));
	st.state = RG_REDIS_DOWN;
	st.since_ns = 1700000000000000000ull;
	st.poll_ms = 50;
	st.halt_on_loss = 1;
	st.loss_grace_ms = 5000;
	snprintf(st.endpoint, sizeof(st.endpoint), "10.1.1.1:6379");
	snprintf(st.last_error, sizeof(st.last_error), "connect to 10.1.1.1:6379: Connection refused");
	rg_kill_redis_write(&e->seg, &st);
	assert_int_equal(run("status", e->instance), 0);
	expect_output("1 KILL IN FORCE");
	expect_output("strategy:s1");
	expect_output("riskctl");
	expect_output("fat finger");
	expect_output("DOWN since 2023-11-14 22:13:20.000Z, 10.1.1.1:6379, poll 50 ms, on_redis_loss halt");
	expect_output("<-- ALERT");
	expect_output("last error: connect to 10.1.1.1:6379: Connection refused");

	assert_int_equal(run("status", e->instance, "--json"), 0);
	o = json_loads(output, 0, &je);
	assert_non_null(o);
	kill0 = json_array_get(json_object_get(o, "kills"), 0);
	assert_string_equal(json_string_value(json_object_get(kill0, "scope")), "strategy:s1");
	assert_string_equal(json_string_value(json_object_get(kill0, "source")), "riskctl");
	assert_string_equal(json_string_value(json_object_get(kill0, "reason")), "fat finger");
	assert_int_equal(json_integer_value(json_object_get(kill0, "uid")), getuid());
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "redis"), "state")), "down");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "redis"), "on_redis_loss")), "halt");
	json_decref(o);
}

static void a_user_outside_the_operators_group_is_refused(void **state)
{
	struct engine *e = *state;
	struct rg_kill_entry k[RG_KILL_MAX];

	if (geteuid() != 0) {
		skip(); /* only root can act as another user */
		return;
	}
	/* the segment: root's group, 0660 (setup) */
	assert_int_equal(run_as(65534, "kill", "--instance", e->instance, "--reason", "not mine", (const char *)NULL), 1);
	expect_output("permission denied: only group root may write the kill segment");
	assert_int_equal(run_as(65534, "status", e->instance, (const char *)NULL), 1);
	expect_output("permission denied");
	assert_int_equal(kills(e, k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kill_and_resume_with_no_engine_running, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_usage_is_refused_with_a_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(with_an_engine_kills_are_confirmed_and_names_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(requests_reach_the_engine_and_its_answer_is_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_checks_the_file_then_asks_the_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_leaves_redis_key_kills_unless_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(status_lists_kills_and_the_redis_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(a_user_outside_the_operators_group_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
