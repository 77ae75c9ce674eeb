/*
 * Clock reads as nanoseconds: CLOCK_MONOTONIC for intervals and the engine's
 * event times, CLOCK_REALTIME for wall-clock stamps.  One vDSO call each (no
 * system call on x86-64); the engine's hot loop stamps its passes from the
 * TSC instead (tsc_clock.h) and reads the monotonic clock only for the
 * sampled submit-to-decision times, never per order.
 */
#ifndef RG_CLOCK_H
#define RG_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rg_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rg_mono_ns(void)
{
	return rg_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t rg_real_ns(void)
{
	return rg_clock_ns(CLOCK_REALTIME);
}

#endif /* RG_CLOCK_H */
