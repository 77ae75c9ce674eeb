/*
 * Venue rate limiter tests: exact GCRA spacing and bursts with an injected
 * clock, no sliding window over its count whatever the arrival pattern, every
 * bucket enforced, configuration mismatch and corruption refused while the
 * segment is in use and repaired once it is not, and two
 * processes hammering one venue account never exceed any limit in any
 * sliding window (checked from the timestamps of the granted sends).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "venue_limiter.h"

#define MS 1000000ull

static struct rg_venue_cfg venue(const char *name, uint32_t n, const struct rg_rate_limit *b)
{
	struct rg_venue_cfg v;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "%s%d", name, (int)getpid());
	v.n_buckets = n;
	if (n > 0)
		memcpy(v.buckets, b, n * sizeof(*b));
	return v;
}

static void no_buckets_is_unlimited(void **state)
{
	struct rg_venue_cfg v = venue("none", 0, NULL);
	struct rg_venue_limiter l;
	char err[256];

	(void)state;
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0);
	for (int i = 0; i < 1000; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, 5));
	rg_venue_limiter_close(&l);
}

static void one_bucket_spaces_sends_exactly(void **state)
{
	struct rg_rate_limit b = {.count = 10, .window_ns = 1000 * MS}; /* 10 per second: one per 100 ms */
	struct rg_venue_cfg v = venue("one", 1, &b);
	struct rg_venue_limiter l;
	char err[256];
	uint64_t t = 1000 * MS;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0);
	assert_true(rg_venue_limiter_try_acquire(&l, t));
	assert_false(rg_venue_limiter_try_acquire(&l, t));               /* same instant */
	assert_false(rg_venue_limiter_try_acquire(&l, t + 100 * MS - 1)); /* just inside the interval */
	assert_true(rg_venue_limiter_try_acquire(&l, t + 100 * MS));      /* exactly at it */
	assert_true(rg_venue_limiter_try_acquire(&l, t + 250 * MS));      /* well after */
	assert_false(rg_venue_limiter_try_acquire(&l, t + 349 * MS));
	assert_true(rg_venue_limiter_try_acquire(&l, t + 350 * MS));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

static void interval_rounds_up(void **state)
{
	struct rg_rate_limit b = {.count = 3, .window_ns = 1000 * MS}; /* 333.33.. ms: must round up, or 4 fit in a second */
	struct rg_venue_cfg v = venue("round", 1, &b);
	struct rg_venue_limiter l;
	uint64_t t = 0, granted = 0;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	assert_int_equal(l.interval_ns[0], 333333334ull);
	for (t = 1; t < 1000 * MS; t += 1000)
		granted += rg_venue_limiter_try_acquire(&l, t);
	assert_int_equal(granted, 3);
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* A burst of B goes at once; then sends are paced so that no window of the
 * bucket's length ever holds more than its count. */
static void burst_then_paced(void **state)
{
	struct rg_rate_limit b = {.count = 10, .burst = 4, .window_ns = 1000 * MS}; /* 7 paced: one per 142.857.. ms */
	struct rg_venue_cfg v = venue("burst", 1, &b);
	struct rg_venue_limiter l;
	uint64_t t = 1000 * MS;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	assert_int_equal(l.interval_ns[0], 142857143ull);
	for (int i = 0; i < 4; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, t));
	assert_false(rg_venue_limiter_try_acquire(&l, t));
	assert_false(rg_venue_limiter_try_acquire(&l, t + 142857143ull - 1));
	assert_true(rg_venue_limiter_try_acquire(&l, t + 142857143ull));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* Arrivals in random clumps against buckets with and without bursts: the
 * granted sends never put more than count in any window. */
static void bursts_never_exceed_any_window(void **state)
{
	static const uint32_t bursts[] = {1, 2, 5, 10, 20};
	enum { N = 4000 };
	uint64_t *got = malloc(N * sizeof(*got));

	(void)state;
	assert_non_null(got);
	for (size_t k = 0; k < sizeof(bursts) / sizeof(bursts[0]); k++) {
		struct rg_rate_limit b = {.count = 20, .burst = bursts[k], .window_ns = 100 * MS};
		struct rg_venue_cfg v = venue("clumps", 1, &b);
		struct rg_venue_limiter l;
		uint64_t t = 5 * MS, rng = 88172645463325252ull + k;
		size_t n = 0;

		rg_venue_limiter_unlink(v.name);
		assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
		while (n < N && t < 60000 * MS) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			t += rng % 4 == 0 ? (rng >> 8) % (50 * MS) : (rng >> 8) % (MS / 10); /* clumps and gaps */
			if (rg_venue_limiter_try_acquire(&l, t))
				got[n++] = t;
		}
		assert_true(n > 100);
		for (size_t i = 0; i + b.count < n; i++)
			if (got[i + b.count] - got[i] < b.window_ns)
				fail_msg("burst %u: %u+1 sends within %llu ns", bursts[k], b.count,
					 (unsigned long long)(got[i + b.count] - got[i]));
		rg_venue_limiter_close(&l);
		rg_venue_limiter_unlink(v.name);
	}
	free(got);
}

static void bad_burst_is_refused(void **state)
{
	struct rg_rate_limit b = {.count = 10, .burst = 11, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("badburst", 1, &b);
	struct rg_venue_limiter l;
	char err[256];

	(void)state;
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "burst"));
	b.count = 4000000000u;
	b.burst = 3999999999u;
	b.window_ns = 86400000 * MS;
	v = venue("badburst", 1, &b);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than a day"));
}

static void every_bucket_must_grant(void **state)
{
	struct rg_rate_limit b[2] = {{.count = 100, .window_ns = 1000 * MS}, {.count = 2, .window_ns = 1000 * MS}}; /* the second is tighter */
	struct rg_venue_cfg v = venue("two", 2, b);
	struct rg_venue_limiter l;
	uint64_t granted = 0;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	for (uint64_t t = 1; t <= 1000 * MS; t += MS)
		granted += rg_venue_limiter_try_acquire(&l, t);
	assert_int_equal(granted, 2);
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

static void shared_segment_must_agree(void **state)
{
	struct rg_rate_limit b = {.count = 10, .window_ns = 1000 * MS}, other = {.count = 20, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("agree", 1, &b), w = v;
	struct rg_venue_limiter l1, l2;
	char err[256];

	(void)state;
	w.buckets[0] = other;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l1, &v, err, sizeof(err)), 0);
	assert_int_equal(rg_venue_limiter_open(&l2, &w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "different rate limits"));
	assert_int_equal(rg_venue_limiter_open(&l2, &v, err, sizeof(err)), 0);
	/* the budget is shared: a token taken through one handle is gone for the other */
	assert_true(rg_venue_limiter_try_acquire(&l1, 5 * MS));
	assert_false(rg_venue_limiter_try_acquire(&l2, 5 * MS));
	rg_venue_limiter_close(&l1);
	rg_venue_limiter_close(&l2);
	rg_venue_limiter_unlink(v.name);
}

/* Damaged or stale segments: refused while another process uses them,
 * formatted again by the first engine that finds itself alone with them. */
static void corrupt_segment_is_refused_while_in_use(void **state)
{
	struct rg_rate_limit b = {.count = 10, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("corrupt", 1, &b);
	struct rg_venue_limiter l;
	char name[64], err[256];
	int fd, user;

	(void)state;
	snprintf(name, sizeof(name), "/rg.rate.%s", v.name);
	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100), 0);
	user = shm_open(name, O_RDWR, 0600); /* another engine holding it */
	assert_int_equal(flock(user, LOCK_SH), 0);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "corrupt"));
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(ftruncate(fd, sizeof(struct rg_limiter_shared)), 0);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EBADMSG); /* zeros: no magic */
	assert_non_null(strstr(err, "version"));
	close(user); /* its user is gone: the next engine formats it */
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0);
	assert_true(rg_venue_limiter_try_acquire(&l, 5 * MS));
	rg_venue_limiter_close(&l);
	close(fd);
	shm_unlink(name);
}

/* A segment left by engines with other limits that have all stopped is taken
 * over; one with the same limits keeps its recent sends across a restart. */
static void stopped_users_segment_is_reused(void **state)
{
	struct rg_rate_limit b = {.count = 1, .window_ns = 1000 * MS}, other = {.count = 5, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("reuse", 1, &b), w = v;
	struct rg_venue_limiter l;
	char err[256];

	(void)state;
	w.buckets[0] = other;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0);
	assert_true(rg_venue_limiter_try_acquire(&l, 5000 * MS));
	rg_venue_limiter_close(&l);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0); /* restart: the send still counts */
	assert_false(rg_venue_limiter_try_acquire(&l, 5000 * MS + 1));
	rg_venue_limiter_close(&l);
	assert_int_equal(rg_venue_limiter_open(&l, &w, err, sizeof(err)), 0); /* new limits, nobody else: taken over */
	assert_int_equal(l.shm->buckets[0].count, 5);
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Two processes try to send as fast as they can for 300 ms through one venue
 * account limited to 50 per 100 ms and 200 per 1000 ms; the timestamps of
 * every granted send, from both, must never put more than a limit's count in
 * any window of its length. */
static void two_processes_never_exceed_any_window(void **state)
{
	struct rg_rate_limit b[2] = {{.count = 50, .window_ns = 100 * MS}, {.count = 200, .window_ns = 1000 * MS}};
	struct rg_venue_cfg v = venue("race", 2, b);
	const size_t cap = 4096;
	uint64_t *stamps = mmap(NULL, 2 * cap * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	size_t counts[2] = {0, 0}, n = 0;
	pid_t pid;
	int status;

	(void)state;
	assert_true(stamps != MAP_FAILED);
	rg_venue_limiter_unlink(v.name);
	pid = fork();
	for (int who = 0; who < 2; who++) {
		if ((who == 0) != (pid == 0))
			continue;
		struct rg_venue_limiter l;
		size_t k = 0;
		if (rg_venue_limiter_open(&l, &v, NULL, 0) != 0)
			_exit(3);
		for (uint64_t end = mono_ns() + 300 * MS; mono_ns() < end && k < cap;) {
			uint64_t now = mono_ns();
			if (rg_venue_limiter_try_acquire(&l, now))
				stamps[who * cap + k++] = now;
		}
		stamps[who * cap + cap - 1] = k; /* count, in the last slot */
		rg_venue_limiter_close(&l);
		if (pid == 0)
			_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	counts[0] = stamps[cap - 1];
	counts[1] = stamps[2 * cap - 1];
	uint64_t *all = calloc(counts[0] + counts[1], sizeof(uint64_t));
	for (int who = 0; who < 2; who++)
		for (size_t i = 0; i < counts[who]; i++)
			all[n++] = stamps[who * cap + i];
	/* sort (insertion: a few hundred entries) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
			uint64_t t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	/* Without bursts the slower bucket (200 per s: one per 5 ms) spaces
	 * every grant after the one before it, whichever process took it, so the
	 * grants span at least (n - 1) * 5 ms.  The span, not the 300 ms each
	 * process ran, bounds n: the child may start well after the parent on a
	 * busy machine.  The lower bound only shows that sends went through. */
	assert_true(n >= 5);
	assert_true(all[n - 1] - all[0] >= (n - 1) * ((1000 * MS) / 200));
	for (int bi = 0; bi < 2; bi++)
		for (size_t i = 0; i + b[bi].count < n; i++)
			if (all[i + b[bi].count] - all[i] < b[bi].window_ns)
				fail_msg("%u+1 sends within %llu ns", b[bi].count, (unsigned long long)b[bi].window_ns);
	free(all);
	munmap(stamps, 2 * cap * sizeof(uint64_t));
	rg_venue_limiter_unlink(v.name);
}

struct racer {
	struct rg_venue_limiter l;
	uint64_t stamps[512];
	size_t n;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	for (uint64_t end = mono_ns() + 200 * MS; mono_ns() < end && r->n < 512;) {
		uint64_t now = mono_ns();
		if (rg_venue_limiter_try_acquire(&r->l, now))
			r->stamps[r->n++] = now;
	}
	return NULL;
}

/* The same property with two threads of one process on one handle each:
 * the variant ThreadSanitizer can watch. */
static void two_threads_never_exceed_the_limit(void **state)
{
	struct rg_rate_limit b = {.count = 20, .window_ns = 100 * MS};
	struct rg_venue_cfg v = venue("threads", 1, &b);
	struct racer *r = calloc(2, sizeof(*r));
	uint64_t all[1024];
	size_t n = 0;
	pthread_t t;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&r[0].l, &v, NULL, 0), 0);
	assert_int_equal(rg_venue_limiter_open(&r[1].l, &v, NULL, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, race, &r[1]), 0);
	race(&r[0]);
	pthread_join(t, NULL);
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < r[w].n; i++)
			all[n++] = r[w].stamps[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
			uint64_t x = all[j];
			all[j] = all[j - 1];
			all[j - 1] = x;
		}
	/* One per 5 ms spaces every grant after the one before it, whichever
	 * thread took it: the grants' span, not the 200 ms each thread ran
	 * (the second may start well after the first on a busy machine),
	 * bounds how many there are. */
	assert_true(n >= 1);
	assert_true(all[n - 1] - all[0] >= (n - 1) * (b.window_ns / b.count));
	for (size_t i = 0; i + b.count < n; i++)
		assert_true(all[i + b.count] - all[i] >= b.window_ns);
	rg_venue_limiter_close(&r[0].l);
	rg_venue_limiter_close(&r[1].l);
	rg_venue_limiter_unlink(v.name);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_buckets_is_unlimited),
		cmocka_unit_test(one_bucket_spaces_sends_exactly),
		cmocka_unit_test(interval_rounds_up),
		cmocka_unit_test(burst_then_paced),
		cmocka_unit_test(bursts_never_exceed_any_window),
		cmocka_unit_test(bad_burst_is_refused),
		cmocka_unit_test(every_bucket_must_grant),
		cmocka_unit_test(shared_segment_must_agree),
		cmocka_unit_test(corrupt_segment_is_refused_while_in_use),
		cmocka_unit_test(stopped_users_segment_is_reused),
		cmocka_unit_test(two_processes_never_exceed_any_window),
		cmocka_unit_test(two_threads_never_exceed_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
