/*
 * The engine's idle policy (idle.h).  spin_sleep: after IDLE_SPIN_NS with
 * nothing to do, the engine stores engine_asleep = 1, reads the doorbell
 * words of its sessions and adapters, then looks once more at every input
 * (order rings, adapter event rings and stashes, the kill segment, report
 * replays) and, finding none, waits on all the words at once (futex_waitv,
 * doorbell_wait.h) until one moves or its next heartbeat tick is due (with
 * nothing at all to tend, no held order and no report waiting for room, the
 * tick after 10 ms: heartbeat, dead-man and views are then 10 ms apart, far
 * inside what watches them).  A producer that put work in a ring after that
 * look moved its word and saw engine_asleep = 1 (seq_cst, shm/doorbell.h),
 * so the wait returns at once or is woken: no wake-up is lost, and none is
 * needed for what the tick does anyway (held orders waiting for venue
 * tokens, reports waiting for room, the dead-man, the heartbeat).  A kernel
 * without futex_waitv (before Linux 5.16) gets the tick alone: a wake-up
 * within 10 ms.
 */
#include "idle.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "doorbell_wait.h"
#include "engine_state.h"

#define IDLE_SPIN_NS 50000ull     /* spin_sleep: spin this long with nothing to do before sleeping (orders
                                   * 50 us apart, 20000 a second, keep it awake) */
#define IDLE_YIELD_PASSES 1000u   /* spin_yield: empty passes before each sched_yield */
#define IDLE_LONG_NS 10000000ull  /* spin_sleep, with nothing at all to tend: sleep up to 10 ms between ticks */

void rg_idle_init(struct rg_engine *e)
{
	if (e->cfg->idle_policy != RG_IDLE_SPIN_SLEEP)
		return;
	for (uint32_t v = 0; v < e->n_adapters; v++)
		rg_adapter_set_doorbell(&e->adapters[v], &e->inst.ctl->engine_asleep, &e->idle.adapter_bell);
	__atomic_store_n(&e->inst.ctl->doorbell_on, 1, __ATOMIC_RELEASE);
}

/* Nothing for the next pass to do but what the tick does. */
static bool quiet(struct rg_engine *e)
{
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];
		if (!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED) && rg_ring_pending(&s->orders, 1) != 0)
			return false;
	}
	for (uint32_t v = 0; v < e->n_adapters; v++)
		if (rg_ring_pending(&e->adapters[v].events, 1) != 0 || e->stash[v].next < e->stash[v].n)
			return false;
	return !rg_engine_control_changed(&e->control) && !rg_report_replay_busy(&e->replay);
}

/* Nothing the tick tends in a hurry either: no order held for a venue
 * token, no report waiting for room in a strategy's ring. */
static bool nothing_to_tend(const struct rg_engine *e)
{
	if (e->held_total != 0)
		return false;
	for (uint32_t i = 0; i < e->inst.n_sessions; i++)
		if (e->inst.sessions[i].backlog_head != e->inst.sessions[i].backlog_tail)
			return false;
	return true;
}

static void sleep_until_rung(struct rg_engine *e)
{
	struct rg_doorbell_wait *d = &e->idle.wait;
	uint32_t *asleep = &e->inst.ctl->engine_asleep;
	uint64_t until = e->next_heartbeat_ns + (nothing_to_tend(e) ? IDLE_LONG_NS - HEARTBEAT_EVERY_NS : 0);
	long rc;

	rg_doorbell_wait_begin(d, asleep);
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];
		if (!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED))
			rg_doorbell_wait_add(d, &s->peer->doorbell, false);
	}
	rg_doorbell_wait_add(d, &e->idle.adapter_bell, true); /* RG_MAX_STRATEGIES + 1 <= RG_DOORBELL_WAIT_MAX */
	if (quiet(e) && rg_mono_ns() < until) {
		e->idle.sleeps++;
		rc = e->idle.no_waitv ? -ENOSYS : rg_doorbell_wait_until(d, until);
		if (rc >= 0 || rc == RG_DOORBELL_MOVED)
			e->idle.rung++;
		if (rc >= 0 && (unsigned long)rc < d->n - 1)
			e->idle.rung_by_strategy++; /* woken by a session's bell (not the adapters') */
		if (rc == -ENOSYS) { /* no futex_waitv: the adapters' bell and the tick */
			struct timespec ts = {.tv_sec = (time_t)(until / 1000000000ull), .tv_nsec = (long)(until % 1000000000ull)};
			e->idle.no_waitv = true;
			syscall(SYS_futex, &e->idle.adapter_bell, FUTEX_WAIT_BITSET_PRIVATE, (uint32_t)d->w[d->n - 1].val, &ts,
				NULL, FUTEX_BITSET_MATCH_ANY);
		}
	}
	rg_doorbell_wait_end(asleep);
}

bool rg_engine_idle(struct rg_engine *e, unsigned work)
{
	if (work != 0) {
		e->idle.idle_passes = 0;
		return false;
	}
	switch (e->cfg->idle_policy) {
	case RG_IDLE_SPIN_YIELD:
		if (++e->idle.idle_passes <= IDLE_YIELD_PASSES)
			return false;
		sched_yield();
		return true;
	case RG_IDLE_SPIN_SLEEP:
		if (e->idle.idle_passes++ == 0) {
			e->idle.idle_since_ns = rg_mono_ns();
			return false;
		}
		if (rg_mono_ns() - e->idle.idle_since_ns < IDLE_SPIN_NS)
			return false;
		sleep_until_rung(e);
		e->idle.idle_passes = 0;
		return true;
	default:
		return false;
	}
}
