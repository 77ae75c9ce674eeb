/*
 * Kill segment stress: an engine-like reader thread snapshots whenever the
 * generation moves while two writers race it, a thread in this process (the
 * variant ThreadSanitizer can see) and a separate process (the real case:
 * riskctl), and the reader checks every snapshot it gets:
 *
 *   - every entry is whole: each writer writes reasons made of one repeated
 *     letter whose length that letter determines, so a torn copy shows;
 *   - the thread replaces the "redis" kills as a set, alternating a set of 3
 *     and a set of 5 carrying one token: a snapshot holds all of one set;
 *   - the process also queues requests, which the reader answers: each is
 *     delivered exactly once, in order, none lost.
 *
 * Snapshots that find a writer mid-update give up (-EAGAIN) and are retried
 * at the next pass, as in the engine.  Counts, never timings, are asserted.
 *
 *   kill_stress                       the test
 *   kill_stress --writer INSTANCE N   the writer process (run by the test)
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill_fixture.h"

#define THREAD_ROUNDS 20000
#define PROCESS_ROUNDS 20000
#define REQUESTS_EVERY 10 /* the process queues a request every this many rounds */

static int stop_reader;  /* atomic */
static int failed;       /* atomic */

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void failure(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kill_stress: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
}

/* Reason number k: letter 'a' + k % 26, repeated 20 + 4 * (k % 26) times. */
static void make_reason(char *out, unsigned k)
{
	unsigned len = 20 + 4 * (k % 26);

	memset(out, 'a' + (int)(k % 26), len);
	out[len] = '\0';
}

static bool reason_whole(const char *r)
{
	size_t len = strlen(r);

	if (r[0] < 'a' || r[0] > 'z' || len != 20 + 4 * (size_t)(r[0] - 'a'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (r[i] != r[0])
			return false;
	return true;
}

/* ---- the writer process ----------------------------------------------------- */

static int writer_process(const char *instance, unsigned rounds)
{
	struct rg_kill_seg s;
	struct rg_kill_scope scope = {RG_SCOPE_STRATEGY, ""};
	char err[256], reason[RG_KILL_REASON_MAX];
	unsigned queued = 0;
	int rc;

	if (rg_kill_attach(&s, instance, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "kill_stress writer: %s\n", err);
		return 1;
	}
	for (unsigned k = 0; k < rounds; k++) {
		snprintf(scope.name, sizeof(scope.name), "p%u", k % 7);
		make_reason(reason, k);
		rc = (k & 1) == 0 ? rg_kill_apply(&s, &scope, RG_KSRC_RISKCTL, reason, err, sizeof(err))
				  : rg_kill_lift(&s, &scope, RG_KSRC_MASK(RG_KSRC_RISKCTL), err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "kill_stress writer: %s\n", err);
			return 1;
		}
		if (k % REQUESTS_EVERY == 0) {
			struct rg_kill_cmd c;
			memset(&c, 0, sizeof(c));
			c.kind = RG_KCMD_RESUME_THROTTLE;
			c.scope = RG_SCOPE_STRATEGY;
			snprintf(c.name, sizeof(c.name), "q%u", queued % 1000);
			while ((rc = rg_kill_request(&s, &c, err, sizeof(err))) == -EAGAIN)
				rg_test_sleep_ms(1); /* 64 waiting: let the reader catch up */
			if (rc != 0) {
				fprintf(stderr, "kill_stress writer: %s\n", err);
				return 1;
			}
			queued++;
		}
	}
	rg_kill_close(&s);
	printf("kill_stress writer: %u rounds, %u requests\n", rounds, queued);
	return 0;
}

/* ---- the writer thread ----------------------------------------------------------- */

struct thread_arg {
	const char *instance;
};

static void *writer_thread(void *p)
{
	struct thread_arg *a = p;
	struct rg_kill_seg s;
	struct rg_kill_want want[5];
	char err[256];

	if (rg_kill_attach(&s, a->instance, true, err, sizeof(err)) != 0) {
		failure("writer thread: %s", err);
		return NULL;
	}
	for (unsigned k = 0; k < THREAD_ROUNDS; k++) {
		uint32_t n = (k & 1) ? 5 : 3;
		memset(want, 0, sizeof(want));
		for (uint32_t i = 0; i < n; i++) {
			want[i].scope.kind = RG_SCOPE_SYMBOL;
			snprintf(want[i].scope.name, sizeof(want[i].scope.name), "SET%u_%u", n, i);
			make_reason(want[i].reason, k);
		}
		if (rg_kill_replace_source(&s, RG_KSRC_REDIS, want, n, err, sizeof(err)) < 0) {
			failure("writer thread: %s", err);
			break;
		}
	}
	rg_kill_close(&s);
	return NULL;
}

/* ---- the reader (the engine's side) ------------------------------------------------ */

struct reader_stats {
	unsigned long long snapshots, busy, commands, sets_of_3, sets_of_5;
	uint64_t next_seq;
};

static void check(const struct rg_kill_snapshot *snap, struct reader_stats *st)
{
	uint32_t redis = 0;
	char token = 0;

	for (uint32_t i = 0; i < snap->n_kills; i++) {
		const struct rg_kill_entry *e = &snap->kills[i];
		if (!reason_whole(e->reason))
			failure("torn reason '%s' (entry %u)", e->reason, i);
		if (e->source == RG_KSRC_REDIS) {
			redis++;
			if (token == 0)
				token = e->reason[0];
			else if (e->reason[0] != token)
				failure("two generations of the redis set in one snapshot: '%s' (entry %u)", e->reason, i);
			if (strncmp(e->name, "SET", 3) != 0)
				failure("redis entry '%s' is not the thread's (entry %u)", e->name, i);
		} else if (e->source != RG_KSRC_RISKCTL || e->scope != RG_SCOPE_STRATEGY || e->name[0] != 'p') {
			failure("unexpected entry '%s' (entry %u)", e->name, i);
		}
	}
	if (redis == 3)
		st->sets_of_3++;
	else if (redis == 5)
		st->sets_of_5++;
	else if (redis != 0)
		failure("a redis set of %u entries: half of one update", redis);
}

static void *reader(void *p)
{
	struct rg_kill_seg *seg = p;
	static struct rg_kill_snapshot snap;
	static struct reader_stats st;
	struct rg_kill_reader r;

	if (rg_kill_reader_init(&r, seg, false) < 0) {
		failure("reader init");
		return NULL;
	}
	st.next_seq = 1;
	for (;;) {
		bool last = __atomic_load_n(&stop_reader, __ATOMIC_ACQUIRE) != 0;
		if (!rg_kill_changed(&r)) {
			if (last)
				break;
			continue;
		}
		if (rg_kill_snapshot(&r, &snap) != 0) {
			st.busy++;
			continue;
		}
		st.snapshots++;
		check(&snap, &st);
		for (uint32_t i = 0; i < snap.n_cmds; i++) {
			if (snap.cmds[i].seq != st.next_seq)
				failure("command %llu out of order", (unsigned long long)snap.cmds[i].seq);
			st.next_seq = snap.cmds[i].seq + 1;
			st.commands++;
			rg_kill_command_done(&r, snap.cmds[i].seq, 0, "done");
		}
		rg_kill_applied(&r);
	}
	return &st;
}

int main(int argc, char **argv)
{
	struct rg_operators_cfg ops = rg_test_ops();
	struct rg_kill_seg seg;
	struct reader_stats *st = NULL;
	struct thread_arg ta;
	pthread_t rt, wt;
	char instance[32], err[256], rounds[16];
	int status = -1;
	pid_t pid;

	if (argc == 4 && strcmp(argv[1], "--writer") == 0)
		return writer_process(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	rg_test_instance(instance, sizeof(instance), "stress");
	if (rg_kill_create(&seg, instance, &ops, err, sizeof(err)) != 0) {
		fprintf(stderr, "kill_stress: %s\n", err);
		return 1;
	}
	snprintf(rounds, sizeof(rounds), "%u", PROCESS_ROUNDS);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "--writer", instance, rounds, (char *)NULL);
		_exit(127);
	}
	ta.instance = instance;
	pthread_create(&rt, NULL, reader, &seg);
	pthread_create(&wt, NULL, writer_thread, &ta);
	pthread_join(wt, NULL);
	waitpid(pid, &status, 0);
	__atomic_store_n(&stop_reader, 1, __ATOMIC_RELEASE);
	pthread_join(rt, (void **)&st);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "kill_stress: the writer process failed\n");
		failed = 1;
	}
	if (st != NULL) {
		unsigned long long want_cmds = (PROCESS_ROUNDS + REQUESTS_EVERY - 1) / REQUESTS_EVERY;
		printf("kill_stress: %llu snapshots (%llu found a writer mid-update), %llu with the set of 3, %llu with "
		       "the set of 5, %llu requests answered\n",
		       st->snapshots, st->busy, st->sets_of_3, st->sets_of_5, st->commands);
		if (st->commands != want_cmds) {
			fprintf(stderr, "kill_stress: %llu requests delivered, %llu queued\n", st->commands, want_cmds);
			failed = 1;
		}
		if (st->snapshots == 0 || st->sets_of_3 + st->sets_of_5 == 0) {
			fprintf(stderr, "kill_stress: the reader never saw the writers' work\n");
			failed = 1;
		}
	}
	rg_kill_close(&seg);
	rg_kill_unlink(instance);
	return failed ? 1 : 0;
}
