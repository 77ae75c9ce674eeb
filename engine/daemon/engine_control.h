/*
 * The engine's side of operator control: the kill segment
 * (engine/control/kill_segment.h) it creates at open, the kills and requests
 * it applies when the segment changes, and the Redis watcher thread it runs
 * when the config enables Redis.
 *
 * The hot loop pays one load per pass (rg_engine_control_changed); only when
 * the segment's generation moved does rg_engine_control_apply (cold) copy the
 * kills and requests out, recompute the risk state's kill flags, journal what
 * changed, cancel the open orders of every new kill (cancel_on_kill), carry
 * out the requests and answer them.
 */
#ifndef RG_ENGINE_CONTROL_H
#define RG_ENGINE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_reload.h"
#include "kill_segment.h"
#include "mass_cancel.h"
#include "redis_watch.h"
#include "risk_events.h"

struct rg_engine;

#define RG_KILL_CANCEL_RETRIES 8u /* kills at once whose cancel_on_kill is retried (more: counted, not retried) */

/* A reload asked for by a signal (SIGHUP, as `systemctl reload` sends):
 * the handler stores the sender and then `asked` (atomics: the handler may
 * run on any thread); the engine's tick takes it as `riskctl reload` of the
 * engine's own file. */
struct rg_reload_signal {
	int asked;
	int pid; /* the sender's, from siginfo */
	int uid;
};

/* What the engine knows of a kill it applied, to tell added from lifted. */
struct rg_applied_kill {
	uint8_t scope;
	uint8_t source;
	uint64_t time_ns;
	char name[RG_KILL_NAME_MAX];
};

struct rg_engine_control {
	struct rg_kill_seg seg;
	struct rg_kill_reader reader;
	struct rg_kill_snapshot *snap;      /* the one snapshot buffer (~72 KiB, allocated at open) */
	struct rg_applied_kill *applied;    /* RG_KILL_MAX: the kills of the last applied snapshot */
	uint32_t n_applied;
	struct rg_risk_scope *scopes;       /* RG_KILL_MAX: scratch for rg_risk_set_kills */
	struct rg_redis_watch *redis;       /* NULL unless redis.enabled */
	struct rg_kill_cmd *pending;        /* RG_KILL_CMD_MAX: requests taken, not yet carried out (behind a reload) */
	uint32_t n_pending;
	struct rg_reloader reloader;        /* loads and checks a config off the engine thread */
	bool reload_busy;                   /* a reload request is with the reloader */
	struct rg_kill_cmd reload_cmd;      /* that request */
	struct rg_config *owned_cfg;        /* a reloaded config the engine now runs with (NULL: the caller's) */
	const struct rg_config *base_cfg;   /* the caller's config (rg_engine_open) */
	char config_path[RG_KILL_PATH_MAX]; /* the engine's config file, for a reload without a path */
	struct rg_reload_signal *reload_signal; /* NULL: no signal asks for reloads */
	uint64_t snapshot_retries;          /* statistics: snapshots that met a writer mid-update */
	struct rg_cancel_retry kill_cancels[RG_KILL_CANCEL_RETRIES]; /* kills whose cancels are walked again */
};

/* Cold, from rg_engine_open once the instance is open: creates (or attaches)
 * the kill segment, publishes the roster, discards requests queued while no
 * engine ran, applies the kills already in force, starts the Redis watcher
 * when enabled.  0 or -errno with err. */
int rg_engine_control_open(struct rg_engine *e, uint64_t now_ns, char *err, size_t errlen);

/* The file the config came from, for `riskctl reload` without --config
 * (rg_engine_open passes its config_path).  Cold. */
void rg_engine_set_config_path(struct rg_engine *e, const char *path);

/* Has the engine's tick watch `s` for reloads asked by a signal (an engine
 * whose control is open: rg_engine_open).  Cold. */
void rg_engine_watch_reload_signal(struct rg_engine *e, struct rg_reload_signal *s);

/* Stops the watcher and unmaps the segment; the segment itself stays, so
 * kills survive a restart.  Safe on a control never opened. */
void rg_engine_control_close(struct rg_engine *e);

/* On the engine's heartbeat tick: walks again for kill cancels a full venue
 * request ring refused (mass_cancel.h).  Cold. */
void rg_engine_control_tick(struct rg_engine *e, uint64_t now_ns);

/* Hot: did the kill segment change since the last apply?  One load. */
static inline bool rg_engine_control_changed(const struct rg_engine_control *c)
{
	return c->snap != NULL && (rg_kill_changed(&c->reader) || c->reload_busy);
}

/* Cold: takes a snapshot and applies it (a writer mid-update leaves it for
 * the next pass), and finishes a reload the reloader is done with. */
void rg_engine_control_apply(struct rg_engine *e, uint64_t now_ns);

#endif /* RG_ENGINE_CONTROL_H */
