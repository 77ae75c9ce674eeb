/*
 * Venue rate limiter tests: exact sliding windows with an injected clock (the
 * count back to back, then nothing until the oldest leaves; the 20/s +
 * 100/10 s venue across a restart), admissions identical to an exact
 * reference whatever the arrival pattern, a half-done send finished by the
 * next sender, the venue's hold, every limit enforced, configuration mismatch and corruption refused while the
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

/* The whole count goes at once; the next send waits until the oldest is a
 * window old, not a moment less. */
static void a_window_admits_its_count_back_to_back(void **state)
{
	struct rg_rate_limit b = {.count = 10, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("one", 1, &b);
	struct rg_venue_limiter l;
	char err[256];
	uint64_t t = 1000 * MS;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), 0);
	for (int i = 0; i < 10; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, t + (uint64_t)i * MS));
	assert_false(rg_venue_limiter_try_acquire(&l, t + 10 * MS)); /* the 11th within the second */
	assert_int_equal(rg_venue_limiter_next_ns(&l, t + 10 * MS), t + 1000 * MS);
	assert_false(rg_venue_limiter_try_acquire(&l, t + 1000 * MS - 1)); /* the oldest is still inside */
	assert_true(rg_venue_limiter_try_acquire(&l, t + 1000 * MS));      /* it has left */
	assert_false(rg_venue_limiter_try_acquire(&l, t + 1000 * MS));     /* the second one has not */
	assert_true(rg_venue_limiter_try_acquire(&l, t + 1001 * MS));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* The jitter margin lengthens every window. */
static void the_margin_lengthens_the_window(void **state)
{
	struct rg_rate_limit b = {.count = 2, .window_ns = 100 * MS};
	struct rg_venue_cfg v = venue("margin", 1, &b);
	struct rg_venue_limiter l;
	uint64_t t = 1000 * MS;

	(void)state;
	v.rate_margin_ns = 3 * MS;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	assert_true(rg_venue_limiter_try_acquire(&l, t));
	assert_true(rg_venue_limiter_try_acquire(&l, t));
	assert_false(rg_venue_limiter_try_acquire(&l, t + 103 * MS - 1));
	assert_true(rg_venue_limiter_try_acquire(&l, t + 103 * MS));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* The venue: 20 per second and 100 per 10 seconds.  A burst of 15 is
 * admitted whole, the 21st order in a second is refused, after the 100th in
 * 10 s nothing passes until the oldest leaves the window, and a restart in the
 * middle keeps the windows. */
static void twenty_a_second_and_a_hundred_in_ten(void **state)
{
	struct rg_rate_limit b[2] = {{.count = 20, .window_ns = 1000 * MS}, {.count = 100, .window_ns = 10000 * MS}};
	struct rg_venue_cfg v = venue("issue16", 2, b);
	struct rg_venue_limiter l;
	uint64_t t0 = 50000 * MS, sent = 0;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	for (int i = 0; i < 15; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, t0));
	for (int i = 0; i < 5; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, t0 + 500 * MS));
	assert_false(rg_venue_limiter_try_acquire(&l, t0 + 999 * MS)); /* the 21st in a second */
	sent = 20;
	/* Seconds 1..4: 20 each, back to back at the half second, when the
	 * previous second's sends have all left the 1 s window. */
	for (uint64_t s = 1; s <= 4; s++) {
		uint64_t at = t0 + s * 1000 * MS + 500 * MS;
		if (s == 3) { /* a restart in the middle: the windows are the segment's */
			rg_venue_limiter_close(&l);
			assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
			assert_false(rg_venue_limiter_try_acquire(&l, at - 1));
		}
		for (int i = 0; i < 20; i++)
			assert_true(rg_venue_limiter_try_acquire(&l, at));
		assert_false(rg_venue_limiter_try_acquire(&l, at));
		sent += 20;
	}
	assert_int_equal(sent, 100);
	/* The 10 s window is full: nothing passes until t0 + 10 s, when the first
	 * 15 leave it (the 1 s window has long been free). */
	for (uint64_t t = t0 + 5000 * MS; t < t0 + 10000 * MS; t += 250 * MS)
		assert_false(rg_venue_limiter_try_acquire(&l, t));
	assert_false(rg_venue_limiter_try_acquire(&l, t0 + 10000 * MS - 1));
	for (int i = 0; i < 15; i++)
		assert_true(rg_venue_limiter_try_acquire(&l, t0 + 10000 * MS));
	assert_false(rg_venue_limiter_try_acquire(&l, t0 + 10000 * MS));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* An exact limiter of reference: admit at t iff fewer than count of the
 * admitted sends lie in (t - window, t], for every limit. */
static bool reference_admits(const uint64_t *got, size_t n, const struct rg_rate_limit *b, uint32_t nb, uint64_t t)
{
	for (uint32_t k = 0; k < nb; k++) {
		uint32_t in = 0;
		for (size_t i = n; i > 0 && got[i - 1] + b[k].window_ns > t; i--)
			in++;
		if (in >= b[k].count)
			return false;
	}
	return true;
}

/* Arrivals in random clumps against two windows: the limiter admits exactly
 * what the exact reference admits, send for send (so no window ever holds
 * more than its count, and none is wasted). */
static void clumps_are_admitted_exactly(void **state)
{
	enum { N = 20000 };
	struct rg_rate_limit b[2] = {{.count = 20, .window_ns = 100 * MS}, {.count = 50, .window_ns = 1000 * MS}};
	uint64_t *got = malloc(N * sizeof(*got));

	(void)state;
	assert_non_null(got);
	for (unsigned k = 0; k < 3; k++) {
		struct rg_venue_cfg v = venue("clumps", 2, b);
		struct rg_venue_limiter l;
		uint64_t t = 5 * MS, rng = 88172645463325252ull + k;
		size_t n = 0, refused = 0;

		rg_venue_limiter_unlink(v.name);
		assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
		while (n < N && t < 60000 * MS) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			t += rng % 4 == 0 ? (rng >> 8) % (50 * MS) : (rng >> 8) % (MS / 10); /* clumps and gaps */
			bool want = reference_admits(got, n, b, 2, t);
			bool have = rg_venue_limiter_try_acquire(&l, t);
			if (want != have)
				fail_msg("send %zu at %llu: the limiter said %d, an exact window %d", n,
					 (unsigned long long)t, have, want);
			if (have)
				got[n++] = t;
			else
				refused++;
		}
		assert_true(n > 1000 && refused > 1000);
		rg_venue_limiter_close(&l);
		rg_venue_limiter_unlink(v.name);
	}
	free(got);
}

static void bad_limits_are_refused(void **state)
{
	struct rg_rate_limit b = {.count = RG_VENUE_RATE_MAX_COUNT + 1, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("badcount", 1, &b);
	struct rg_venue_limiter l;
	char err[256];

	(void)state;
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "count of 1..1000000"));
	b.count = 5;
	b.window_ns = 0;
	v = venue("badcount", 1, &b);
	assert_int_equal(rg_venue_limiter_open(&l, &v, err, sizeof(err)), -EINVAL);
}

/* A sender that took its slot and died before advancing the head does not
 * stop the venue: the next sender advances it, and the dead one's send
 * counts. */
static void a_half_done_send_is_finished_by_the_next(void **state)
{
	struct rg_rate_limit b = {.count = 3, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("half", 1, &b);
	struct rg_venue_limiter l;
	uint64_t t = 7000 * MS;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l, &v, NULL, 0), 0);
	assert_true(rg_venue_limiter_try_acquire(&l, t));
	/* slot 1 taken at t with lap 0's parity, head left at 1 */
	assert_int_equal(*l.head[0], 1);
	l.ring[0][1] = t & ~1ull;
	assert_true(rg_venue_limiter_try_acquire(&l, t)); /* the third */
	assert_int_equal(*l.head[0], 3 - 3 + (1ull << 32)); /* a lap done */
	assert_false(rg_venue_limiter_try_acquire(&l, t)); /* three in the window, the dead one's included */
	assert_true(rg_venue_limiter_try_acquire(&l, t + 1000 * MS));
	rg_venue_limiter_close(&l);
	rg_venue_limiter_unlink(v.name);
}

/* The venue said wait: nothing goes before then, through any handle. */
static void hold_until_stops_every_sender(void **state)
{
	struct rg_rate_limit b = {.count = 100, .window_ns = 1000 * MS};
	struct rg_venue_cfg v = venue("hold", 1, &b);
	struct rg_venue_limiter l1, l2;

	(void)state;
	rg_venue_limiter_unlink(v.name);
	assert_int_equal(rg_venue_limiter_open(&l1, &v, NULL, 0), 0);
	assert_int_equal(rg_venue_limiter_open(&l2, &v, NULL, 0), 0);
	rg_venue_limiter_hold_until(&l1, 9000 * MS);
	rg_venue_limiter_hold_until(&l1, 8000 * MS); /* never lowered */
	assert_false(rg_venue_limiter_try_acquire(&l2, 9000 * MS - 1));
	assert_int_equal(rg_venue_limiter_next_ns(&l2, 100 * MS), 9000 * MS);
	assert_true(rg_venue_limiter_try_acquire(&l2, 9000 * MS));
	rg_venue_limiter_close(&l1);
	rg_venue_limiter_close(&l2);
	rg_venue_limiter_unlink(v.name);
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
	/* the budget is shared: sends through one handle count for the other */
	for (int i = 0; i < 10; i++)
		assert_true(rg_venue_limiter_try_acquire(i % 2 ? &l1 : &l2, 5 * MS));
	assert_false(rg_venue_limiter_try_acquire(&l2, 5 * MS));
	assert_false(rg_venue_limiter_try_acquire(&l1, 5 * MS));
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
	/* The lower bound only shows that sends went through; the upper one is
	 * what the windows allow over the span the grants took (the child may
	 * start well after the parent on a busy machine). */
	assert_true(n >= 5);
	assert_true(n <= 200 * ((all[n - 1] - all[0]) / (1000 * MS) + 1));
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
	/* at most a window's worth of 20 per window the grants spanned (the
	 * second thread may start late on a busy machine) */
	assert_true(n >= 1 && n <= 20 * ((all[n - 1] - all[0]) / b.window_ns + 1));
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
		cmocka_unit_test(a_window_admits_its_count_back_to_back),
		cmocka_unit_test(the_margin_lengthens_the_window),
		cmocka_unit_test(twenty_a_second_and_a_hundred_in_ten),
		cmocka_unit_test(clumps_are_admitted_exactly),
		cmocka_unit_test(bad_limits_are_refused),
		cmocka_unit_test(a_half_done_send_is_finished_by_the_next),
		cmocka_unit_test(hold_until_stops_every_sender),
		cmocka_unit_test(every_bucket_must_grant),
		cmocka_unit_test(shared_segment_must_agree),
		cmocka_unit_test(corrupt_segment_is_refused_while_in_use),
		cmocka_unit_test(stopped_users_segment_is_reused),
		cmocka_unit_test(two_processes_never_exceed_any_window),
		cmocka_unit_test(two_threads_never_exceed_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
