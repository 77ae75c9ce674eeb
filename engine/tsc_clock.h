/*
 * The time-stamp counter as the engine's clock.
 *
 * The hot loop stamps every pass with the time; through the vDSO a
 * CLOCK_MONOTONIC read costs 24-35 ns on the VMs riskgate runs on, as much as
 * the rest of an idle pass, and an order that arrives while it runs waits for
 * it.  Reading the TSC costs about 10 ns and overlaps with the pass's work.
 *
 * The pass clock turns ticks into CLOCK_MONOTONIC nanoseconds: the tick rate
 * is calibrated once per process, and the clock is re-anchored on
 * CLOCK_MONOTONIC every RG_PASS_CLOCK_ANCHOR_NS, so it stays within the
 * calibration's error over that interval of it (nanoseconds) and never goes
 * backwards across an anchor.  Where the TSC cannot be trusted (no invariant
 * TSC, a kernel whose clocksource is not the TSC nor kvm-clock, not x86-64)
 * the pass clock is CLOCK_MONOTONIC itself.  Each anchor also checks the
 * counter against CLOCK_MONOTONIC: a rate off by more than 1 % over three
 * intervals in a row, and the clock drops the counter for good.
 */
#ifndef RG_TSC_CLOCK_H
#define RG_TSC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

#define RG_PASS_CLOCK_ANCHOR_NS 1000000ull /* re-anchored on CLOCK_MONOTONIC every 1 ms */
#define RG_PASS_CLOCK_IDLE_READS 16u       /* an idle loop reads the counter every 16th pass */
#define RG_PASS_CLOCK_STRIKES 3u           /* intervals in a row off by > 1 % before the counter is dropped */

#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t rg_tsc_ticks(void)
{
	return __rdtsc();
}
#else
static inline uint64_t rg_tsc_ticks(void)
{
	return 0;
}
#endif

/* Nanoseconds per TSC tick in 32.32 fixed point, measured once per process
 * (the first call sleeps 20 ms) and cached; 0 without a TSC.  Good for
 * timing short intervals on one thread.  Thread-safe. */
uint64_t rg_tsc_ns_per_tick_q32(void);

/* True when the TSC can stand in for CLOCK_MONOTONIC: invariant, and what
 * the kernel keeps time with, directly ("tsc") or scaled by the hypervisor
 * ("kvm-clock", which reads the same counter). */
bool rg_tsc_is_clock(void);

struct rg_pass_clock {
	uint64_t ns_per_tick_q32; /* 0: every reading is a CLOCK_MONOTONIC read */
	uint64_t anchor_tsc;
	uint64_t anchor_ns;
	uint64_t floor_ns;        /* no reading before the last anchor was later than this */
	uint64_t next_anchor_ns;
	uint64_t last_ns;         /* the last reading, for rg_pass_clock_next */
	uint32_t idle_passes;     /* passes since it was read */
	uint32_t strikes;         /* anchor intervals in a row the counter's rate was off by > 1 % */
	bool dropped_tsc;         /* the counter failed the check: CLOCK_MONOTONIC from then on */
};

/* Starts a pass clock on the TSC when `use_tsc` and the TSC is usable, else
 * on CLOCK_MONOTONIC.  Returns true when it runs on the TSC. */
bool rg_pass_clock_init(struct rg_pass_clock *c, bool use_tsc);

/* Re-anchors on CLOCK_MONOTONIC and returns the time (rg_pass_clock_now
 * calls it when an anchor is due; out of line, once a millisecond). */
uint64_t rg_pass_clock_anchor(struct rg_pass_clock *c);

/* CLOCK_MONOTONIC nanoseconds, from the TSC.  Readings never decrease. */
static inline uint64_t rg_pass_clock_now(struct rg_pass_clock *c)
{
	if (__builtin_expect(c->ns_per_tick_q32 == 0, 0)) {
		uint64_t mono = rg_mono_ns();
		return mono > c->floor_ns ? mono : c->floor_ns; /* floor_ns: 0 unless the counter was dropped */
	}
	uint64_t ticks = rg_tsc_ticks() - c->anchor_tsc;
	if ((int64_t)ticks < 0) /* read on a core whose counter trails the anchoring one's */
		ticks = 0;
	uint64_t ns = c->anchor_ns + (uint64_t)(((unsigned __int128)ticks * c->ns_per_tick_q32) >> 32);
	if (__builtin_expect(ns >= c->next_anchor_ns, 0))
		return rg_pass_clock_anchor(c);
	return ns > c->floor_ns ? ns : c->floor_ns;
}

/*
 * The time for the next pass of a busy-polling loop: read after a pass that
 * did work or gave the CPU away (`fresh`), and every RG_PASS_CLOCK_IDLE_READS-th
 * pass of an idle spin; in between, the last reading.  A counter read is most
 * of an idle pass (11 of 12.5 ns here), and an order that arrives waits on
 * average half a pass to be seen: without the read an idle pass is a few ns,
 * and the time a pass is stamped with is at most 15 idle passes old.
 */
static inline uint64_t rg_pass_clock_next(struct rg_pass_clock *c, bool fresh)
{
	if (fresh || ++c->idle_passes >= RG_PASS_CLOCK_IDLE_READS) {
		c->idle_passes = 0;
		c->last_ns = rg_pass_clock_now(c);
	}
	return c->last_ns;
}

#endif /* RG_TSC_CLOCK_H */
