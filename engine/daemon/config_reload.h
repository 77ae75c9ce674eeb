/*
 * Config reload off the engine thread: a small thread on the cold core that,
 * when the engine posts a path, loads and validates the file, refuses a
 * structural change, builds a risk state from it (whose normalised limits
 * the engine then adopts) and hashes the file; the engine polls for the
 * result at a pass boundary and swaps (engine_control.c).
 *
 * What a reload may change: limits and flags of the existing symbols,
 * accounts and strategies (sizes, notionals, prices, position and exposure
 * limits, collars, loss and drawdown limits, rates, duplicate window, enabled,
 * market orders, permitted symbols, orders per day), the global gross limit,
 * the reference price age, cancel_on_kill and mass_cancel_stall_ms.  Anything else (a name, an
 * entry added or removed, a symbol's venue, tick or lot, a strategy's account,
 * rings, permissions, open-order capacity, execution-throttle size or
 * dead-man settings, any venue setting, the engine, Redis and operators
 * sections, the instance, the trading day) is a structural change: refused
 * with what changed; the engine keeps its config.
 *
 * Handshake: one job at a time through an atomic state word (idle -> posted
 * by the engine -> done by the thread -> idle when the engine takes it), so
 * the job's fields are owned by one side at a time.
 */
#ifndef RG_CONFIG_RELOAD_H
#define RG_CONFIG_RELOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kill_abi.h"
#include "risk_state.h"

enum rg_reload_state {
	RG_RELOAD_IDLE = 0,
	RG_RELOAD_POSTED = 1,
	RG_RELOAD_DONE = 2,
	RG_RELOAD_STOP = 3,
};

/* One entry the reload changes, for the journal (enum rg_jentity: symbol, account, strategy; instance for
 * the top-level limits). */
struct rg_reload_diff {
	uint8_t entity;
	uint32_t index;
};

struct rg_reload_job {
	/* the engine's, while posted */
	char path[RG_KILL_PATH_MAX];
	const struct rg_config *current;
	uint64_t now_ns, now_realtime_ns;
	/* the thread's answer, once done */
	int rc;                          /* 0: cfg and risk are set */
	char msg[RG_KILL_MSG_MAX];       /* what changed, or why refused */
	struct rg_config *cfg;           /* the new config (the taker frees it with rg_reload_config_free) */
	struct rg_risk *risk;            /* a risk state of cfg: its limits are adopted, then it is destroyed */
	uint8_t sha256[32];
	struct rg_reload_diff *diff;     /* what changed (the taker frees it), n_diff entries */
	uint32_t n_diff;
};

struct rg_reloader {
	pthread_t thread;
	bool started;
	int cpu;                         /* pinned here; -1 = not pinned */
	uint32_t state;                  /* enum rg_reload_state, atomic */
	struct rg_reload_job job;
};

/* Cold: starts the thread.  0 or -errno with err. */
int rg_reloader_start(struct rg_reloader *r, int cpu, char *err, size_t errlen);

/* Stops the thread (a job in progress finishes first) and frees an untaken result. */
void rg_reloader_stop(struct rg_reloader *r);

/* Engine: posts a job; false while one is in progress. */
bool rg_reloader_post(struct rg_reloader *r, const char *path, const struct rg_config *current, uint64_t now_ns,
		      uint64_t now_realtime_ns);

/* Engine: the posted job is done (its result may be read). */
static inline bool rg_reloader_done(const struct rg_reloader *r)
{
	return __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == RG_RELOAD_DONE;
}

/* Engine: the result is taken; the thread may take the next job. */
void rg_reloader_release(struct rg_reloader *r);

/* Frees a config the reloader loaded (rg_config_free and the struct). */
void rg_reload_config_free(struct rg_config *cfg);

#endif /* RG_CONFIG_RELOAD_H */
