/*
 * kill_bench's lab (kill_loops.h): a real engine, a strategy that streams
 * orders at it, and the three ways an operator kills: the kill segment
 * written as riskctl writes it, the riskctl program itself, and redis-server
 * through the engine's Redis watcher.  Setup and teardown are cold; the
 * strategy's loop is timed by its caller.
 */
#include "kill_loops.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_lab.h"
#include "kill_segment.h"
#include "timing.h"

extern char **environ;

struct rgb_kill_lab {
	struct rgb_engine_lab lab;
	int lab_open;
	struct rg_kill_seg writer; /* riskctl's view of the kill segment */
	int writer_open;
	/* redis */
	pid_t redis_pid;
	int redis_port;
	char redis_dir[64];
	redisContext *client;
};

static void sleep_us(unsigned us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};

	nanosleep(&ts, NULL);
}

static uint64_t ms_ticks(unsigned ms)
{
	return (uint64_t)((double)ms * 1e6 * rgb_ticks_per_ns);
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* redis-server on a free loopback port, with a client connected to it. */
static int start_redis(struct rgb_kill_lab *k, int *missing, char *err, size_t errlen)
{
	struct timeval tv = {2, 0};
	char port[16];

	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		*missing = 1;
		snprintf(err, errlen, "redis-server not installed");
		return -1;
	}
	k->redis_port = free_port();
	snprintf(k->redis_dir, sizeof(k->redis_dir), "/tmp/rg_kbench_XXXXXX");
	if (mkdtemp(k->redis_dir) == NULL) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		k->redis_dir[0] = '\0';
		return -1;
	}
	snprintf(port, sizeof(port), "%d", k->redis_port);
	k->redis_pid = fork();
	if (k->redis_pid == 0) {
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", k->redis_dir,
		       "--save", "", "--appendonly", "no", "--logfile", "redis.log", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 5000 && k->client == NULL; i++) {
		redisContext *c = redisConnectWithTimeout("127.0.0.1", k->redis_port, tv);
		if (c != NULL && c->err == 0)
			k->client = c;
		else if (c != NULL)
			redisFree(c);
		if (k->client == NULL)
			sleep_us(1000);
	}
	if (k->client == NULL) {
		snprintf(err, errlen, "redis-server did not start on port %d", k->redis_port);
		return -1;
	}
	return 0;
}

/* Until the engine's watcher says it is connected to Redis. */
static int wait_watcher(struct rgb_kill_lab *k, char *err, size_t errlen)
{
	struct rg_kill_redis st;

	for (int i = 0; i < 5000; i++) {
		if (rg_kill_redis_read(&k->writer, &st) == 0 && st.state == RG_REDIS_UP)
			return 0;
		sleep_us(1000);
	}
	snprintf(err, errlen, "the engine's Redis watcher did not connect");
	return -1;
}

struct rgb_kill_lab *rgb_kill_lab_open(int engine_cpu, int watcher_cpu, unsigned poll_ms, int *missing, char *err,
				       size_t errlen)
{
	struct rgb_kill_lab *k = rgb_lab_zalloc(sizeof(*k));
	char extra[256] = "";

	*missing = 0;
	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (poll_ms > 0) {
		if (start_redis(k, missing, err, errlen) != 0)
			goto fail;
		snprintf(extra, sizeof(extra), "\"redis\": {\"port\": %d, \"poll_ms\": %u, \"core\": %d},", k->redis_port,
			 poll_ms, watcher_cpu);
	}
	if (rgb_engine_lab_open(&k->lab, "kbench", engine_cpu, extra) != 0) {
		snprintf(err, errlen, "the engine did not start (see above)");
		goto fail;
	}
	k->lab_open = 1;
	if (rg_kill_attach(&k->writer, k->lab.instance, true, err, errlen) != 0)
		goto fail;
	k->writer_open = 1;
	if (poll_ms > 0 && wait_watcher(k, err, errlen) != 0)
		goto fail;
	return k;
fail:
	rgb_kill_lab_close(k);
	return NULL;
}

void rgb_kill_lab_close(struct rgb_kill_lab *k)
{
	char cmd[128];

	if (k == NULL)
		return;
	if (k->writer_open)
		rg_kill_close(&k->writer);
	if (k->lab_open)
		rgb_engine_lab_close(&k->lab);
	if (k->client != NULL)
		redisFree(k->client);
	if (k->redis_pid > 0) {
		kill(k->redis_pid, SIGKILL);
		waitpid(k->redis_pid, NULL, 0);
	}
	if (k->redis_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", k->redis_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "kill_bench: could not remove %s\n", k->redis_dir);
	}
	free(k);
}

/* ---- the strategy ------------------------------------------------------------ */

/* Sends one order and waits for its decision; *at: the tick it was read.
 * Returns the report's kind and sets *reason, or -1 after `limit`. */
static int one_order(struct rgb_kill_lab *k, uint64_t limit, uint64_t *at, unsigned *reason)
{
	struct rg_report r[8];
	struct rg_order o;
	uint64_t id = ++k->lab.next_id;

	rgb_engine_lab_order(&o, id);
	while (!rg_client_submit(&k->lab.client, &o))
		if (rgb_ticks() > limit)
			return -1;
	for (;;) {
		unsigned n = rg_client_poll(&k->lab.client, r, 8);
		for (unsigned j = 0; j < n; j++)
			if (r[j].client_order_id == id &&
			    (r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED)) {
				*at = rgb_ticks();
				*reason = r[j].reason;
				return r[j].kind;
			}
		if (n == 0 && rgb_ticks() > limit)
			return -1;
	}
}

/* Sleeps out the rest of `pace` after `sent`: the CPU is left to redis-server
 * and the watcher, as a strategy sending now and then leaves it. */
static void pace_from(uint64_t sent, uint64_t pace)
{
	uint64_t spent = rgb_ticks() - sent;

	if (pace > spent)
		sleep_us((unsigned)(rgb_ticks_to_ns((double)(pace - spent)) / 1e3) + 1);
}

int rgb_kill_stream(struct rgb_kill_lab *k, uint64_t ticks, uint64_t pace)
{
	uint64_t end = rgb_ticks() + ticks, limit = end + ms_ticks(1000);

	while (rgb_ticks() < end) {
		uint64_t sent = rgb_ticks(), at;
		unsigned reason = 0;
		int kind = one_order(k, limit, &at, &reason);

		if (kind != RG_REPORT_ACCEPTED) {
			fprintf(stderr, "kill_bench: before the kill, an order was %s\n",
				kind < 0 ? "not decided" : rg_reject_str(reason));
			return -1;
		}
		pace_from(sent, pace);
	}
	return 0;
}

uint64_t rgb_kill_until_rejected(struct rgb_kill_lab *k, uint64_t pace, unsigned timeout_ms)
{
	/* Orders that were decided before the kill took hold are ACCEPTED;
	 * anything else before the first kill reject is a failure. */
	uint64_t limit = rgb_ticks() + ms_ticks(timeout_ms);

	for (;;) {
		uint64_t sent = rgb_ticks(), at;
		unsigned reason = 0;
		int kind = one_order(k, limit, &at, &reason);

		if (kind == RG_REPORT_REJECTED && reason == RG_REJ_KILL_SWITCH)
			return at;
		if (kind != RG_REPORT_ACCEPTED) {
			fprintf(stderr, "kill_bench: waiting for the kill, an order was %s\n",
				kind < 0 ? "not decided in time" : rg_reject_str(reason));
			return 0;
		}
		pace_from(sent, pace);
	}
}

int rgb_kill_until_accepted(struct rgb_kill_lab *k, uint64_t pace, unsigned timeout_ms)
{
	/* KILL_SWITCH rejects until the resume takes hold; nothing else. */
	uint64_t limit = rgb_ticks() + ms_ticks(timeout_ms);

	for (;;) {
		uint64_t sent = rgb_ticks(), at;
		unsigned reason = 0;
		int kind = one_order(k, limit, &at, &reason);

		if (kind == RG_REPORT_ACCEPTED)
			return 0;
		if (kind != RG_REPORT_REJECTED || reason != RG_REJ_KILL_SWITCH) {
			fprintf(stderr, "kill_bench: waiting for the resume, an order was %s\n",
				kind < 0 ? "not decided in time" : rg_reject_str(reason));
			return -1;
		}
		pace_from(sent, pace);
	}
}

/* ---- the operators ------------------------------------------------------------ */

int rgb_kill_shm_kill(struct rgb_kill_lab *k, uint64_t *t0, uint64_t *t1)
{
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	char err[256];
	int rc;

	*t0 = rgb_ticks();
	rc = rg_kill_apply(&k->writer, &inst, RG_KSRC_RISKCTL, "kill_bench", err, sizeof(err));
	*t1 = rgb_ticks();
	if (rc < 0)
		fprintf(stderr, "kill_bench: %s\n", err);
	return rc < 0 ? -1 : 0;
}

int rgb_kill_shm_resume(struct rgb_kill_lab *k)
{
	char err[256];
	int rc = rg_kill_lift(&k->writer, NULL, RG_KSRC_ALL, err, sizeof(err));

	if (rc < 0)
		fprintf(stderr, "kill_bench: %s\n", err);
	return rc < 0 ? -1 : 0;
}

int rgb_kill_riskctl(struct rgb_kill_lab *k, const char *path, int kill, uint64_t *t0, uint64_t *t1)
{
	char *kill_argv[] = {(char *)path, "kill", "--instance", k->lab.instance, "--reason", "kill_bench", NULL};
	char *resume_argv[] = {(char *)path, "resume", "--instance", k->lab.instance, NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc, status = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	*t0 = rgb_ticks();
	rc = posix_spawn(&pid, path, &fa, NULL, kill ? kill_argv : resume_argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "kill_bench: cannot run %s: %s\n", path, strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*t1 = rgb_ticks();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "kill_bench: riskctl %s failed (status %d)\n", kill ? "kill" : "resume", status);
		return -1;
	}
	return 0;
}

static int command(struct rgb_kill_lab *k, uint64_t *t0, const char *fmt, const char *a, const char *b)
{
	redisReply *r;

	if (t0 != NULL)
		*t0 = rgb_ticks();
	r = redisCommand(k->client, fmt, a, b);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "kill_bench: redis: %s\n", r != NULL ? r->str : k->client->errstr);
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

int rgb_kill_redis_set(struct rgb_kill_lab *k, uint64_t *t0)
{
	return command(k, t0, "SET %s %s", k->lab.cfg.redis.key, "kill_bench");
}

int rgb_kill_redis_del(struct rgb_kill_lab *k)
{
	return command(k, NULL, "DEL %s", k->lab.cfg.redis.key, NULL);
}

int rgb_kill_redis_publish(struct rgb_kill_lab *k, uint64_t *t0)
{
	return command(k, t0, "PUBLISH %s %s", k->lab.cfg.redis.channel, "kill instance kill_bench");
}

int rgb_kill_redis_publish_resume(struct rgb_kill_lab *k)
{
	return command(k, NULL, "PUBLISH %s %s", k->lab.cfg.redis.channel, "resume instance");
}
