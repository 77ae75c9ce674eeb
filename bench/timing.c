/*
 * Benchmark timing: calibration of the tick clock and the give-up path of
 * the bounded spin (see timing.h).  Cold code; nothing here runs inside a
 * timed loop except _rgb_spin_check, once every 2^20 polls of a stuck wait.
 */
#include "timing.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

double rgb_ticks_per_ns = 1.0;
uint64_t rgb_tick_quantum = 1;
uint64_t rgb_spin_limit_ticks = UINT64_MAX;

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
/* The TSC is a wall clock only when the kernel says it is invariant. */
static int tsc_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int constant = 0, nonstop = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}
#endif

/* The clock's step.  The candidate is the most frequent distance between
 * two back-to-back readings; it is the step if nearly every distance between
 * readings taken after uneven amounts of work is a multiple of it (a few
 * readings off by one tick are tolerated: this VM has them).  A fine clock
 * fails the test and gets 1. */
static uint64_t tick_quantum(void)
{
	enum { PAIRS = 1000, TRIES = 4000 };
	uint64_t d[PAIRS], cand = 1, first, multiples = 0;
	unsigned best = 0;
	volatile unsigned sink = 0;

	for (unsigned i = 0; i < PAIRS; i++) {
		uint64_t a = rgb_ticks();
		d[i] = rgb_ticks() - a;
	}
	for (unsigned i = 0; i < PAIRS; i++) {
		unsigned count = 0;
		for (unsigned j = 0; j < PAIRS; j++)
			count += d[j] == d[i];
		if (d[i] >= 2 && count > best) {
			best = count;
			cand = d[i];
		}
	}
	if (cand < 2)
		return 1;
	first = rgb_ticks();
	for (unsigned i = 0; i < TRIES; i++) {
		for (unsigned j = 0; j < i % 97; j++)
			sink += j;
		multiples += (rgb_ticks() - first) % cand == 0;
	}
	return multiples >= TRIES * 98 / 100 ? cand : 1;
}

double rgb_timing_init(double spin_limit_s)
{
	uint64_t t0, t1, c0, c1;

#if defined(__x86_64__) || defined(__i386__)
	if (!tsc_invariant()) {
		fprintf(stderr, "bench: the TSC is not invariant (no constant_tsc/nonstop_tsc); cannot time\n");
		return 0;
	}
#endif
	t0 = raw_ns();
	c0 = rgb_ticks();
	do
		t1 = raw_ns();
	while (t1 - t0 < 200000000u);
	c1 = rgb_ticks();
	if (c1 <= c0)
		return 0;
	rgb_ticks_per_ns = (double)(c1 - c0) / (double)(t1 - t0);
	rgb_tick_quantum = tick_quantum();
	rgb_spin_limit_ticks = (uint64_t)(spin_limit_s * 1e9 * rgb_ticks_per_ns);
	return rgb_ticks_per_ns;
}

void _rgb_spin_check(uint64_t *since, const char *what)
{
	uint64_t now = rgb_ticks();

	if (*since == 0) {
		*since = now;
		return;
	}
	if (now - *since > rgb_spin_limit_ticks) {
		fprintf(stderr, "bench: gave up after %.0f s spinning on %s\n",
			rgb_ticks_to_ns((double)(now - *since)) / 1e9, what);
		fflush(stderr);
		_exit(3);
	}
}
