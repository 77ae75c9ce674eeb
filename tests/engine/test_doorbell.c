/*
 * The doorbell (shm/doorbell.h, engine/daemon/doorbell_wait.h) raced for
 * real: a producer thread puts 200000 messages into an SPSC ring and rings
 * after each, pausing now and then so that the consumer falls asleep; the
 * consumer drains, and whenever it finds the ring empty falls asleep the way
 * the engine does (asleep = 1, fence, bells, look again, futex_waitv) with a
 * 30 s deadline.  A lost wake-up would leave it asleep until that deadline:
 * the test asserts it never came, that every message arrived in order, and
 * that the consumer did sleep and was woken by the bell.  Also under
 * ThreadSanitizer (label tsan).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <riskgate/doorbell.h>
#include <riskgate/ring.h>

#include "doorbell_wait.h"

#define MESSAGES 200000u
#define CAPACITY 1024u
#define DEADLINE_NS 30000000000ull

struct race {
	struct rg_ring producer, consumer;
	uint32_t asleep; /* the engine's flag */
	uint32_t bell;   /* the ring's doorbell */
	void *mem;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *produce(void *arg)
{
	struct race *r = arg;
	uint8_t msg[RG_SLOT_PAYLOAD];

	memset(msg, 0, sizeof(msg));
	for (uint64_t i = 1; i <= MESSAGES; i++) {
		memcpy(msg, &i, sizeof(i));
		while (!rg_ring_push_spsc(&r->producer, msg))
			;
		rg_doorbell_ring(&r->asleep, &r->bell, 1);
		if (i % 97 == 0) { /* a pause: the consumer goes to sleep */
			struct timespec pause = {0, 20000};
			nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

static void no_wake_up_is_lost(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	uint8_t msg[RG_SLOT_PAYLOAD];
	uint64_t next = 1, sleeps = 0, rung = 0, timeouts = 0;
	struct rg_doorbell_wait *d = calloc(1, sizeof(*d));
	pthread_t t;

	(void)state;
	assert_non_null(r);
	assert_non_null(d);
	r->mem = aligned_alloc(RG_RING_GUARD, rg_ring_memsize(CAPACITY));
	assert_non_null(r->mem);
	assert_int_equal(rg_ring_init(r->mem, CAPACITY), 0);
	assert_int_equal(rg_ring_attach(&r->producer, r->mem, CAPACITY), 0);
	assert_int_equal(rg_ring_attach(&r->consumer, r->mem, CAPACITY), 0);
	assert_int_equal(pthread_create(&t, NULL, produce, r), 0);
	while (next <= MESSAGES) {
		uint64_t got;
		long rc;

		if (rg_ring_pop_spsc(&r->consumer, msg)) {
			memcpy(&got, msg, sizeof(got));
			assert_int_equal(got, next);
			next++;
			continue;
		}
		rg_doorbell_wait_begin(d, &r->asleep);
		rg_doorbell_wait_add(d, &r->bell, true);
		if (rg_ring_pending(&r->consumer, 1) == 0) {
			sleeps++;
			rc = rg_doorbell_wait_until(d, now_ns() + DEADLINE_NS);
			if (rc == -ENOSYS) {
				skip(); /* Linux before 5.16: the engine then relies on its tick */
			}
			rung += rc >= 0 || rc == RG_DOORBELL_MOVED;
			timeouts += rc == RG_DOORBELL_TIMEOUT;
			if (rc == RG_DOORBELL_TIMEOUT)
				break;
		}
		rg_doorbell_wait_end(&r->asleep);
	}
	pthread_join(t, NULL);
	assert_int_equal(timeouts, 0);
	assert_int_equal(next, MESSAGES + 1);
	assert_true(sleeps > 0);
	assert_true(rung > 0);
	print_message("slept %llu times, woken by the bell %llu times\n", (unsigned long long)sleeps,
		      (unsigned long long)rung);
	free(r->mem);
	free(r);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_wake_up_is_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
