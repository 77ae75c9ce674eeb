/*
 * kill_bench's lab (kill_loops.h): the kill segment, an engine-like reader
 * thread, a riskctl-like writer, and optionally redis-server plus the Redis
 * watcher.  Setup and teardown are cold; the reader's loop is what the engine
 * does per poll batch: one generation load, and a snapshot when it moved.
 */
#include "kill_loops.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kill_segment.h"
#include "redis_watch.h"
#include "timing.h"

struct rgb_kill_lab {
	char instance[32];
	struct rg_kill_seg engine_seg, writer_seg;
	struct rg_kill_snapshot *snap;
	pthread_t reader;
	int reader_cpu;
	int stop;              /* atomic */
	unsigned mark;         /* atomic: mark of the latest snapshot's instance kill, 0 = none */
	uint64_t mark_tick;    /* atomic: when the reader first saw it */
	/* redis */
	pid_t redis_pid;
	int redis_port;
	char redis_dir[64];
	redisContext *client;
	struct rg_config cfg;
	struct rg_redis_watch *watch;
};

static void quiet_log(void *ctx, int level, const char *line)
{
	(void)ctx;
	if (level >= RG_REDIS_LOG_WARN && strstr(line, "KILL") == NULL && strstr(line, "resume") == NULL)
		fprintf(stderr, "kill_bench: redis: %s\n", line);
}

static unsigned mark_of(const struct rg_kill_snapshot *s)
{
	const struct rg_kill_entry *e = rg_kill_snapshot_find(s, RG_SCOPE_INSTANCE, "");

	return e != NULL && e->reason[0] == 'k' ? (unsigned)strtoul(e->reason + 1, NULL, 10) : 0;
}

static void *reader_main(void *p)
{
	struct rgb_kill_lab *lab = p;
	struct rg_kill_reader r;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(lab->reader_cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	rg_kill_reader_init(&r, &lab->engine_seg, true);
	while (!__atomic_load_n(&lab->stop, __ATOMIC_RELAXED)) {
		unsigned m;
		if (!rg_kill_changed(&r) || rg_kill_snapshot(&r, lab->snap) != 0)
			continue;
		uint64_t now = rgb_ticks();
		m = mark_of(lab->snap);
		rg_kill_applied(&r);
		if (m != __atomic_load_n(&lab->mark, __ATOMIC_RELAXED)) {
			__atomic_store_n(&lab->mark_tick, now, __ATOMIC_RELAXED);
			__atomic_store_n(&lab->mark, m, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

struct rgb_kill_lab *rgb_kill_lab_open(int reader_cpu, char *err, size_t errlen)
{
	struct rgb_kill_lab *lab = calloc(1, sizeof(*lab));
	struct rg_operators_cfg ops = {(gid_t)-1, 0660};

	if (lab == NULL || (lab->snap = calloc(1, sizeof(*lab->snap))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(lab);
		return NULL;
	}
	snprintf(lab->instance, sizeof(lab->instance), "kbench%d", (int)getpid());
	lab->reader_cpu = reader_cpu;
	if (rg_kill_create(&lab->engine_seg, lab->instance, &ops, err, errlen) != 0 ||
	    rg_kill_attach(&lab->writer_seg, lab->instance, true, err, errlen) != 0 ||
	    pthread_create(&lab->reader, NULL, reader_main, lab) != 0) {
		rg_kill_close(&lab->engine_seg);
		rg_kill_unlink(lab->instance);
		free(lab->snap);
		free(lab);
		return NULL;
	}
	return lab;
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

static void sleep_us(unsigned us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};

	nanosleep(&ts, NULL);
}

int rgb_kill_lab_redis(struct rgb_kill_lab *lab, unsigned poll_ms, char *err, size_t errlen)
{
	struct timeval tv = {2, 0};
	struct rg_config_error cerr;
	struct rg_redis_watch_opts opts = {quiet_log, NULL};
	struct rg_kill_redis st;
	char port[16], json[1024];

	if (system("command -v redis-server >/dev/null 2>&1") != 0) {
		snprintf(err, errlen, "redis-server not installed");
		return 77;
	}
	lab->redis_port = free_port();
	snprintf(lab->redis_dir, sizeof(lab->redis_dir), "/tmp/rg_kbench_XXXXXX");
	if (mkdtemp(lab->redis_dir) == NULL) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(port, sizeof(port), "%d", lab->redis_port);
	lab->redis_pid = fork();
	if (lab->redis_pid == 0) {
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", lab->redis_dir,
		       "--save", "", "--appendonly", "no", "--logfile", "redis.log", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 5000 && lab->client == NULL; i++) {
		redisContext *c = redisConnectWithTimeout("127.0.0.1", lab->redis_port, tv);
		if (c != NULL && c->err == 0)
			lab->client = c;
		else if (c != NULL)
			redisFree(c);
		if (lab->client == NULL)
			sleep_us(1000);
	}
	if (lab->client == NULL) {
		snprintf(err, errlen, "redis-server did not start on port %d", lab->redis_port);
		return -1;
	}
	snprintf(json, sizeof(json),
		 "{ \"instance\": \"%s\", \"redis\": {\"port\": %d, \"poll_ms\": %u},"
		 "  \"venues\": [ {\"name\": \"V\", \"adapter\": \"sim\"} ],"
		 "  \"symbols\": [ {\"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"0.01\", \"lot\": \"1\","
		 "                  \"max_qty\": \"1000\", \"max_price\": \"1000\"} ],"
		 "  \"accounts\": [ {\"name\": \"A1\", \"equity\": \"100000\"} ],"
		 "  \"strategies\": [ {\"name\": \"s1\", \"account\": \"A1\"} ] }",
		 lab->instance, lab->redis_port, poll_ms);
	if (rg_config_load_string(&lab->cfg, json, &cerr) != 0) {
		snprintf(err, errlen, "config: %s: %s", cerr.path, cerr.message);
		return -1;
	}
	if (rg_redis_watch_start(&lab->watch, &lab->cfg, &opts, err, errlen) != 0)
		return -1;
	for (int i = 0; i < 5000; i++) {
		if (rg_kill_redis_read(&lab->engine_seg, &st) == 0 && st.state == RG_REDIS_UP)
			return 0;
		sleep_us(1000);
	}
	snprintf(err, errlen, "the watcher did not connect");
	return -1;
}

void rgb_kill_lab_close(struct rgb_kill_lab *lab)
{
	char cmd[128];

	if (lab == NULL)
		return;
	rg_redis_watch_stop(lab->watch);
	if (lab->client != NULL)
		redisFree(lab->client);
	if (lab->redis_pid > 0) {
		kill(lab->redis_pid, SIGKILL);
		waitpid(lab->redis_pid, NULL, 0);
	}
	if (lab->redis_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", lab->redis_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "kill_bench: could not remove %s\n", lab->redis_dir);
	}
	rg_config_free(&lab->cfg);
	__atomic_store_n(&lab->stop, 1, __ATOMIC_RELAXED);
	pthread_join(lab->reader, NULL);
	rg_kill_close(&lab->writer_seg);
	rg_kill_close(&lab->engine_seg);
	rg_kill_unlink(lab->instance);
	free(lab->snap);
	free(lab);
}

int rgb_kill_shm_kill(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0, uint64_t *t1)
{
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	char reason[32], err[256];
	int rc;

	snprintf(reason, sizeof(reason), "k%u", mark);
	*t0 = rgb_ticks();
	rc = rg_kill_apply(&lab->writer_seg, &inst, RG_KSRC_RISKCTL, reason, err, sizeof(err));
	*t1 = rgb_ticks();
	if (rc < 0)
		fprintf(stderr, "kill_bench: %s\n", err);
	return rc < 0 ? -1 : 0;
}

int rgb_kill_shm_resume(struct rgb_kill_lab *lab)
{
	char err[256];

	return rg_kill_lift(&lab->writer_seg, NULL, RG_KSRC_ALL, err, sizeof(err)) < 0 ? -1 : 0;
}

static int command(struct rgb_kill_lab *lab, uint64_t *t0, const char *fmt, const char *a, const char *b)
{
	redisReply *r;

	if (t0 != NULL)
		*t0 = rgb_ticks();
	r = redisCommand(lab->client, fmt, a, b);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "kill_bench: redis: %s\n", r != NULL ? r->str : lab->client->errstr);
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

int rgb_kill_redis_set(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0)
{
	char v[32];

	snprintf(v, sizeof(v), "k%u", mark);
	return command(lab, t0, "SET %s %s", lab->cfg.redis.key, v);
}

int rgb_kill_redis_del(struct rgb_kill_lab *lab)
{
	return command(lab, NULL, "DEL %s", lab->cfg.redis.key, NULL);
}

int rgb_kill_redis_publish(struct rgb_kill_lab *lab, unsigned mark, uint64_t *t0)
{
	char msg[48];

	snprintf(msg, sizeof(msg), "kill instance k%u", mark);
	return command(lab, t0, "PUBLISH %s %s", lab->cfg.redis.channel, msg);
}

int rgb_kill_redis_publish_resume(struct rgb_kill_lab *lab)
{
	return command(lab, NULL, "PUBLISH %s %s", lab->cfg.redis.channel, "resume instance");
}

uint64_t rgb_kill_wait_mark(struct rgb_kill_lab *lab, unsigned mark, int spin, unsigned timeout_ms)
{
	uint64_t limit = rgb_ticks() + (uint64_t)((double)timeout_ms * 1e6 * rgb_ticks_per_ns);

	while (__atomic_load_n(&lab->mark, __ATOMIC_ACQUIRE) != mark) {
		if (rgb_ticks() > limit)
			return 0;
		if (!spin)
			sleep_us(500); /* the reader stamps the time: this only frees the CPU */
	}
	return __atomic_load_n(&lab->mark_tick, __ATOMIC_RELAXED);
}
