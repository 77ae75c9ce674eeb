/*
 * Benchmark timing: a cheap tick clock (the TSC on x86, CLOCK_MONOTONIC_RAW
 * elsewhere) calibrated once against CLOCK_MONOTONIC_RAW, and a bounded spin
 * for the benchmarks' wait loops.
 *
 * Benchmarks spin without pause or yield so that what they time is the
 * memory system, not the scheduler; RGB_SPIN_UNTIL keeps such a spin from
 * hanging a run forever: every 2^20 failed polls it looks at the clock and
 * gives up (message, exit status 3) after rgb_spin_limit_ticks.  The check
 * costs one increment and one predictable branch per poll.
 *
 * Shared by every program under bench/; C so the timed loops can be C.
 */
#ifndef RGB_TIMING_H
#define RGB_TIMING_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Current tick count: TSC on x86 (invariant on any machine this runs on;
 * checked by rgb_timing_init), nanoseconds of CLOCK_MONOTONIC_RAW elsewhere. */
static inline uint64_t rgb_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

extern double rgb_ticks_per_ns;        /* set by rgb_timing_init */
extern uint64_t rgb_tick_quantum;      /* the clock's step in ticks (1 unless it is coarse); set by rgb_timing_init */
extern uint64_t rgb_spin_limit_ticks;  /* a bounded spin gives up after this long */

/*
 * Calibrates the tick clock against CLOCK_MONOTONIC_RAW over ~200 ms, finds
 * its step (some VMs advance the TSC in steps of tens of ticks: 26 ticks,
 * 10 ns, on the AMD EPYC KVM guest of docs/benchmarks.md) and sets the spin
 * limit to `spin_limit_s` seconds.  Returns ticks per ns, or a value <= 0
 * when the clock is unusable (non-invariant TSC, no progress).  Call once,
 * from main, before any benchmark runs.
 */
double rgb_timing_init(double spin_limit_s);

/* Ticks to nanoseconds. */
static inline double rgb_ticks_to_ns(double ticks)
{
	return ticks / rgb_ticks_per_ns;
}

/* Internal to RGB_SPIN_UNTIL: starts the clock on the first call, exits the
 * process with status 3 naming `what` once the limit has passed. */
void _rgb_spin_check(uint64_t *since, const char *what);

/* Spins until `cond` holds, re-evaluating it on every iteration; gives up
 * (see above) naming `what` if it never does. */
#define RGB_SPIN_UNTIL(cond, what)                                                   \
	do {                                                                         \
		uint64_t rgb_polls_ = 0, rgb_since_ = 0;                             \
		while (!(cond)) {                                                    \
			if (__builtin_expect((++rgb_polls_ & 0xfffffu) == 0, 0))     \
				_rgb_spin_check(&rgb_since_, (what));               \
		}                                                                    \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif /* RGB_TIMING_H */
