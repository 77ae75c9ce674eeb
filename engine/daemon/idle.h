/*
 * What the engine thread does with a pass that found nothing to do, by the
 * config's idle policy: spin (nothing), spin_yield (sched_yield after a
 * while) or spin_sleep: after a short spin it says it is asleep and waits in
 * the kernel on the doorbells of its sessions and adapters (futex_waitv),
 * at most until its next heartbeat tick (1 ms; 10 ms with nothing held or
 * waiting), so that an idle engine on a
 * shared machine costs ~0 CPU and a strategy's order still wakes it at once
 * (shm/doorbell.h has the protocol).  Engine thread only, between passes:
 * never inside a pass, so the hot path itself makes no system call.
 */
#ifndef RG_IDLE_H
#define RG_IDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "doorbell_wait.h"
#include "engine.h"
#include "tsc_clock.h"

struct rg_engine;

/* The engine's idle bookkeeping. */
struct rg_idle {
	uint64_t idle_passes;  /* empty passes since the last one with work */
	uint64_t idle_since_ns; /* when the first of them began */
	bool no_waitv;         /* the kernel has no futex_waitv: the tick alone wakes it */
	struct rg_doorbell_wait wait; /* the bells of its last sleep */
	uint32_t adapter_bell; /* the doorbell its adapters ring (process-private futex word) */
	uint64_t sleeps;       /* times it slept */
	uint64_t rung;         /* of those, woken by a doorbell before the tick */
	uint64_t rung_by_strategy; /* of those, woken in the wait by a strategy's doorbell */
};

/* Sets up the doorbells for spin_sleep: says so in the control segment
 * (doorbell_on) and hands every adapter its bell.  Cold; after the adapters
 * started, before the sessions are published. */
void rg_idle_init(struct rg_engine *e);

/* After each pass: `work` is what rg_engine_poll returned.  True when it
 * gave the CPU away (a yield or a sleep): the next pass needs a fresh time. */
bool rg_engine_idle(struct rg_engine *e, unsigned work);

/* One turn of the engine thread's loop: a pass stamped *now, the idle
 * policy, and the time for the next pass (tsc_clock.h: read after work or a
 * yield or sleep, and every few idle passes).  The daemon's loop and the
 * benchmarks' engine thread are this. */
static inline void rg_engine_turn(struct rg_engine *e, struct rg_pass_clock *clock, uint64_t *now)
{
	unsigned work = rg_engine_poll(e, *now);

	*now = rg_pass_clock_next(clock, rg_engine_idle(e, work) || work != 0);
}

#endif /* RG_IDLE_H */
