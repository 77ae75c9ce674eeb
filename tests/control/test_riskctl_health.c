/*
 * riskctl's exit status follows the engine it reads (tools/ctl_reader.h):
 * status, stats, positions, events and the operator commands each exit 4
 * with no engine, 6 while it is STARTING, 5 when its heartbeat is stale, 7
 * while it drains, 4 when its process is gone, and 0 only when it runs.  The
 * "engine" here is a control segment this test writes in each state, and the
 * real riskctl program reads it.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <riskgate/segment.h>

#include "kill_fixture.h"
#include "kill_segment.h"

static char output[1 << 16];

/* Runs riskctl with the NULL-terminated arguments; stdout and stderr into
 * output; returns the exit status. */
static int riskctl(const char *arg, ...)
{
	const char *argv[32];
	int pipefd[2], status = -1, n = 0;
	size_t used = 0;
	ssize_t got;
	va_list ap;
	pid_t pid;

	argv[n++] = RG_RISKCTL;
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
		execv(RG_RISKCTL, (char *const *)argv);
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

static void expect_output(const char *text)
{
	if (strstr(output, text) == NULL)
		fail_msg("output lacks \"%s\":\n%s", text, output);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct fake {
	char instance[RG_NAME_MAX];
	struct rg_seg_map ctl;
	struct rg_control *c;
	struct rg_kill_seg kill;
};

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct rg_operators_cfg ops = rg_test_ops();
	char err[256];

	rg_test_instance(f->instance, sizeof(f->instance), "hl");
	if (rg_kill_create(&f->kill, f->instance, &ops, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	if (f->ctl.base != NULL) {
		rg_seg_detach(&f->ctl);
		rg_seg_unlink(f->instance, NULL);
	}
	rg_kill_close(&f->kill);
	rg_kill_unlink(f->instance);
	free(f);
	return 0;
}

/* A control segment in engine state `state`, heartbeat `age_ns` old, created by `pid`. */
static void engine_in(struct fake *f, uint32_t state, uint64_t age_ns, int32_t pid)
{
	struct rg_seg_perms perms = {(uid_t)-1, (gid_t)-1, 0644, false};
	char err[256];

	if (f->ctl.base == NULL) {
		assert_int_equal(rg_seg_create(&f->ctl, f->instance, NULL, 0, 0, 8, &perms, err, sizeof(err)), 0);
		f->c = (struct rg_control *)((char *)f->ctl.base + f->ctl.layout.control_off);
		rg_seg_publish_ready(&f->ctl);
	}
	rg_seg_header_of(&f->ctl)->creator_pid = pid;
	__atomic_store_n(&f->c->engine_state, state, __ATOMIC_RELEASE);
	__atomic_store_n(&rg_seg_header_of(&f->ctl)->heartbeat_ns, mono_ns() - age_ns, __ATOMIC_RELAXED);
}

/* A pid that no process has: a child that has exited and been reaped. */
static int32_t gone_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (int32_t)p;
}

static void every_command_exits_with_the_engines_health(void **state)
{
	struct fake *f = *state;
	const char *i = f->instance;

	/* no engine: 4 */
	assert_int_equal(riskctl("status", "--instance", i, NULL), 4);
	expect_output("no engine runs on instance");
	assert_int_equal(riskctl("stats", "--instance", i, "--json", NULL), 4);
	expect_output("\"health\": \"ABSENT\"");
	assert_int_equal(riskctl("positions", "--instance", i, NULL), 4);
	assert_int_equal(riskctl("set-state", "--instance", i, "--scope", "instance", "HALTED", NULL), 4);

	/* starting (replaying its journal): 6, numbers shown with the warning */
	engine_in(f, RG_ENGINE_STARTING, 0, getpid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 6);
	expect_output("STARTING");
	assert_int_equal(riskctl("stats", "--instance", i, NULL), 6);
	expect_output("messages in");
	assert_int_equal(riskctl("kill", "--instance", i, "--reason", "while starting", NULL), 6);
	expect_output("it applies before the engine's first order");
	assert_int_equal(riskctl("resume", "--instance", i, "--json", NULL), 6);
	expect_output("\"exit_code\": 6");

	/* running, heartbeat fresh: 0 */
	engine_in(f, RG_ENGINE_RUNNING, 0, getpid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 0);
	assert_int_equal(riskctl("positions", "--instance", i, "--json", NULL), 0);
	expect_output("\"health\": \"RUNNING\"");

	/* running but its heartbeat is 10 s old: not responding, 5 */
	engine_in(f, RG_ENGINE_RUNNING, 10000000000ull, getpid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 5);
	expect_output("NOT RESPONDING");
	assert_int_equal(riskctl("stats", "--instance", i, NULL), 5);
	assert_int_equal(riskctl("reset-breaker", "--instance", i, "--venue", "V", NULL), 5);
	assert_int_equal(riskctl("status", "--instance", i, "--json", NULL), 5);
	expect_output("\"health\": \"NOT_RESPONDING\"");

	/* draining after SIGTERM: 7 */
	engine_in(f, RG_ENGINE_DRAINING, 0, getpid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 7);
	assert_int_equal(riskctl("kill", "--instance", i, "--reason", "while draining", NULL), 7);

	/* the segment of an engine whose process is gone (crashed): 4 */
	engine_in(f, RG_ENGINE_RUNNING, 0, gone_pid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 4);
	expect_output("is gone");
	assert_int_equal(riskctl("stats", "--instance", i, "--json", NULL), 4);

	/* an engine that stopped and closed its segment: 4 */
	engine_in(f, RG_ENGINE_STOPPED, 0, getpid());
	assert_int_equal(riskctl("status", "--instance", i, NULL), 4);

	/* events: no journal ring for the instance at all: 4 */
	assert_int_equal(riskctl("events", "--instance", i, "--timeout", "10", NULL), 4);
	/* usage stays 2 */
	assert_int_equal(riskctl("stats", "--instance", i, "--bogus", NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_command_exits_with_the_engines_health, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
