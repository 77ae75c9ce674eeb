/*
 * The TSC as a clock (tsc_clock.h): whether the counter can be trusted, its
 * rate measured once per process, and the pass clock's anchoring on
 * CLOCK_MONOTONIC.
 */
#include "tsc_clock.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

static uint64_t ns_per_tick_q32;
static bool trusted;
static pthread_once_t calibrated = PTHREAD_ONCE_INIT;

/* An invariant TSC (cpuid 0x80000007, EDX bit 8) that the kernel itself keeps
 * time with: a kernel that found the counter unstable has switched its
 * clocksource away from it.  kvm-clock is the guest's TSC scaled by
 * parameters the hypervisor publishes; a hypervisor that changed them under
 * the guest would show as a rate the anchors' check refuses. */
static bool tsc_trusted(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;
	char source[32] = "";
	FILE *f;

	if (!__get_cpuid(0x80000007u, &a, &b, &c, &d) || (d & (1u << 8)) == 0)
		return false;
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (f == NULL)
		return false;
	if (fgets(source, sizeof(source), f) == NULL)
		source[0] = '\0';
	fclose(f);
	return strcmp(source, "tsc\n") == 0 || strcmp(source, "kvm-clock\n") == 0;
#else
	return false;
#endif
}

/* A (ticks, ns) pair read as close together as this thread manages: the
 * clock read bracketed by two counter reads, the tightest of up to 8 tries,
 * done early once a bracket is no wider than `good_ticks`.  A preemption
 * between the reads would skew a calibration, or put every reading until the
 * next anchor ahead by its length. */
static void paired_read(uint64_t good_ticks, uint64_t *ticks, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 8 && best > good_ticks; i++) {
		uint64_t t0 = rg_tsc_ticks(), n = rg_mono_ns(), t1 = rg_tsc_ticks();
		if (t1 >= t0 && t1 - t0 < best) {
			best = t1 - t0;
			*ticks = t0 + best / 2;
			*ns = n;
		}
	}
	if (best == UINT64_MAX) { /* the counter never moved forward */
		*ticks = rg_tsc_ticks();
		*ns = rg_mono_ns();
	}
}

static void calibrate(void)
{
	struct timespec nap = {0, 20000000};
	uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;

	trusted = tsc_trusted();
	paired_read(0, &t0, &n0);
	nanosleep(&nap, NULL);
	paired_read(0, &t1, &n1);
	if (t1 > t0 && n1 > n0)
		ns_per_tick_q32 = (uint64_t)(((unsigned __int128)(n1 - n0) << 32) / (t1 - t0));
}

uint64_t rg_tsc_ns_per_tick_q32(void)
{
	pthread_once(&calibrated, calibrate);
	return ns_per_tick_q32;
}

bool rg_tsc_is_clock(void)
{
	return rg_tsc_ns_per_tick_q32() != 0 && trusted;
}

/* Anchors are read to within a microsecond. */
static uint64_t anchor_good_ticks(const struct rg_pass_clock *c)
{
	return (uint64_t)((1000ull << 32) / c->ns_per_tick_q32);
}

/* The counter against CLOCK_MONOTONIC over the interval since the last
 * anchor (`ns` what the counter says the time is, `mono` what it is): off by
 * more than 1 % over RG_PASS_CLOCK_STRIKES intervals in a row (one bad
 * interval is a counter that jumped once, which re-anchoring absorbs), and
 * the clock reads CLOCK_MONOTONIC for good. */
static void check_rate(struct rg_pass_clock *c, uint64_t ns, uint64_t mono)
{
	uint64_t span = mono - c->anchor_ns, off = ns > mono ? ns - mono : mono - ns;

	if (mono <= c->anchor_ns || span < RG_PASS_CLOCK_ANCHOR_NS / 2)
		return; /* too short to tell 1 % from the reads' own jitter */
	if (off <= span / 100) {
		c->strikes = 0;
		return;
	}
	if (++c->strikes >= RG_PASS_CLOCK_STRIKES) {
		c->ns_per_tick_q32 = 0;
		c->dropped_tsc = true;
	}
}

uint64_t rg_pass_clock_anchor(struct rg_pass_clock *c)
{
	uint64_t tsc = 0, mono = 0, ticks, ns;

	paired_read(anchor_good_ticks(c), &tsc, &mono);
	ticks = tsc - c->anchor_tsc;
	if ((int64_t)ticks < 0)
		ticks = 0;
	/* What the old anchor reads now, and no later reading may be earlier;
	 * but none of its readings reached next_anchor_ns, and after a long gap
	 * (a sleep, a preemption) its extrapolation would carry the rate's error
	 * over the whole gap. */
	ns = c->anchor_ns + (uint64_t)(((unsigned __int128)ticks * c->ns_per_tick_q32) >> 32);
	check_rate(c, ns, mono);
	if (ns > c->next_anchor_ns)
		ns = c->next_anchor_ns;
	if (ns > c->floor_ns)
		c->floor_ns = ns;
	c->anchor_tsc = tsc;
	c->anchor_ns = mono;
	c->next_anchor_ns = mono + RG_PASS_CLOCK_ANCHOR_NS;
	return mono > c->floor_ns ? mono : c->floor_ns;
}

bool rg_pass_clock_init(struct rg_pass_clock *c, bool use_tsc)
{
	memset(c, 0, sizeof(*c));
	if (!use_tsc || !rg_tsc_is_clock())
		return false;
	c->ns_per_tick_q32 = rg_tsc_ns_per_tick_q32();
	paired_read(anchor_good_ticks(c), &c->anchor_tsc, &c->anchor_ns);
	c->next_anchor_ns = c->anchor_ns + RG_PASS_CLOCK_ANCHOR_NS;
	return true;
}
