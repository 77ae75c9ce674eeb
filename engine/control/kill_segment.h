/*
 * The kill segment "/rg.<instance>.kill": the kill switch and the operators'
 * requests, shared between the engine, riskctl and the Redis watcher.  Its
 * layout is kill_abi.h.
 *
 * What it holds:
 *   kills     a table of kills in force, each with a scope (instance,
 *             account:A, strategy:S, symbol:X, venue:V), a source (riskctl,
 *             redis, redis-publish, redis-loss), who (uid, pid), when
 *             (CLOCK_REALTIME) and why (reason text)
 *   commands  requests the engine takes once each, in order, and answers:
 *             set a trading state, resume a latched execution throttle,
 *             reset a breaker, set a reference price, reload the config
 *   status    the Redis watcher's connection state, for riskctl and the engine
 *   roster    the names the engine serves, so riskctl refuses a typo
 *
 * Lifetime and permissions.  The engine creates it (rg_kill_create) with the
 * group and mode of the config's "operators" section, default 0660: only the
 * engine's user and the operators' group may write it.  It is not removed when
 * the engine stops, so a kill written while no engine runs, or before a crash,
 * is in force when the engine starts.
 *
 * Concurrency.  Writers (riskctl, the watcher) are cold and take an OFD write
 * lock on the file (fcntl F_OFD_SETLK: held per open file, dropped by the
 * kernel when the holder dies, and only a process that opened the segment for
 * writing can take it), then update the body as a seqlock: the generation word
 * is odd during the update and even, one higher, after it.  The engine never
 * takes the lock and never blocks: once per poll batch it compares the
 * generation with the one it last applied (rg_kill_changed: one acquire load,
 * no system call) and, only when it moved, copies the kills and new commands
 * into a plain struct (rg_kill_snapshot, cold, bounded: it gives up with
 * -EAGAIN rather than wait for a writer, and the next batch tries again).
 *
 * Errors are 0 or -errno with a sentence in err; nothing here logs or exits.
 */
#ifndef RG_KILL_SEGMENT_H
#define RG_KILL_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kill_abi.h"
#include "kill_scope.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_KILL_SEG_NAME_MAX 64u
#define RG_KILL_LOCK_TIMEOUT_MS 2000u

/* A process's handle on the segment. */
struct rg_kill_seg {
	struct rg_kill_shared *shm;
	int fd;                          /* its own open file: the writer lock is per open file */
	bool writable;
	uint32_t lock_timeout_ms;        /* writers wait this long for the lock (default 2000) */
	char name[RG_KILL_SEG_NAME_MAX]; /* "/rg.<instance>.kill" */
};

/* "/rg.<instance>.kill" into buf.  0 or -EINVAL (invalid instance name). */
int rg_kill_seg_name(char *buf, size_t len, const char *instance);

/*
 * Engine: creates the segment, owned by the caller, group and mode from
 * `ops`; or, when it exists, attaches it read-write (its kills stay in force)
 * and sets its group and mode to what `ops` says.  One that a crashed creator
 * left unformatted is formatted again (only the engine creates, under its
 * instance lock).  Returns 0, -EPROTONOSUPPORT (an existing segment of another
 * kill ABI version: it is left alone), -EBADMSG (corrupt), -EPERM (cannot set
 * its group or mode), or another -errno.
 */
int rg_kill_create(struct rg_kill_seg *s, const char *instance, const struct rg_operators_cfg *ops, char *err,
		   size_t errlen);

/*
 * riskctl, the watcher: maps an existing segment, read-write for writers.
 * Checks, in order: the name (-EINVAL), existence (-ENOENT), permission
 * (-EACCES: "permission denied: only group G may write ..."), size (-EBADMSG),
 * magic (-EAGAIN while being created, -EBADMSG otherwise), ABI version
 * (-EPROTONOSUPPORT), sizes and capacities (-EBADMSG), instance (-EBADMSG).
 */
int rg_kill_attach(struct rg_kill_seg *s, const char *instance, bool writable, char *err, size_t errlen);

/* Unmaps and closes; safe on a zeroed or closed handle. */
void rg_kill_close(struct rg_kill_seg *s);

/* Removes the segment's name (tests; operators after an ABI change).  0 or -errno. */
int rg_kill_unlink(const char *instance);

/* ---- writers (cold; each call takes and drops the writer lock) ----------- */

/*
 * Puts a kill in force: scope, source, reason (NULL or "" = "(no reason
 * given)"; at most RG_KILL_REASON_MAX - 1 bytes kept, anything but printable
 * ASCII becomes '?'), with the caller's uid, pid and the time.  A kill of the
 * same scope from the same source is updated instead of added.  Returns 0
 * (added), 1 (updated), -ENOSPC (table full: the last RG_KILL_INSTANCE_RESERVE
 * entries are kept for instance-wide kills), -EBUSY (lock not obtained within
 * lock_timeout_ms), -EBADF (handle not writable), -EINVAL.
 */
int rg_kill_apply(struct rg_kill_seg *s, const struct rg_kill_scope *scope, uint8_t source, const char *reason,
		  char *err, size_t errlen);

/*
 * Lifts the kills at `scope` (NULL: at every scope) whose source is in
 * `source_mask` (RG_KSRC_MASK(source) ORed; RG_KSRC_ALL).  Returns how many
 * were lifted (0 is not an error), or -errno.
 */
int rg_kill_lift(struct rg_kill_seg *s, const struct rg_kill_scope *scope, unsigned source_mask, char *err,
		 size_t errlen);

/* A kill a source wants in force (rg_kill_replace_source). */
struct rg_kill_want {
	struct rg_kill_scope scope;
	char reason[RG_KILL_REASON_MAX];
};

/*
 * Makes the kills of `source` exactly `want[0..n)`: adds the missing ones,
 * updates changed reasons, lifts the others, in one atomic update.  Compares
 * first without the lock and writes nothing when they already agree (the
 * watcher calls it every poll).  Returns 1 (changed), 0 (already so), -errno.
 */
int rg_kill_replace_source(struct rg_kill_seg *s, uint8_t source, const struct rg_kill_want *want, uint32_t n,
			   char *err, size_t errlen);

/*
 * Queues a request for the engine.  The caller fills kind, scope, name and
 * state / price_e8 / path as the kind needs; seq, time, uid and pid are filled
 * here (cmd->seq tells the caller which result to wait for).  Returns 0,
 * -EAGAIN when RG_KILL_CMD_MAX requests already wait for the engine (is it
 * running?), -EINVAL for a malformed request, or another -errno.
 */
int rg_kill_request(struct rg_kill_seg *s, struct rg_kill_cmd *cmd, char *err, size_t errlen);

/* The engine's answer to request `seq`: 0 (in *out), -EINPROGRESS (not yet
 * answered), -ESTALE (its slot has been reused by a later request). */
int rg_kill_result(const struct rg_kill_seg *s, uint64_t seq, struct rg_kill_result *out);

/* ---- readers (riskctl status, the watcher; cold, bounded) ---------------- */

/* Copies the kills in force (at most cap) and the generation they belong to.
 * 0, or -EAGAIN if writers kept the table busy for every retry. */
int rg_kill_list(const struct rg_kill_seg *s, struct rg_kill_entry *out, uint32_t cap, uint32_t *n,
		 uint64_t *generation);

/* The Redis watcher's status (state RG_REDIS_OFF when no watcher ever ran). */
int rg_kill_redis_read(const struct rg_kill_seg *s, struct rg_kill_redis *out);

/* The engine's roster; published_ns 0 when no engine has published one. */
int rg_kill_roster_read(const struct rg_kill_seg *s, struct rg_kill_roster *out);

/* Whether `scope` names something in `roster`: 0 yes (or a symbol or
 * instance scope, which the roster does not list), -ENOENT no. */
int rg_kill_roster_check(const struct rg_kill_roster *roster, const struct rg_kill_scope *scope);

/* ---- the engine ----------------------------------------------------------- */

/* Publishes the names of accounts, strategies and venues of `cfg` (at start
 * and after a reload).  Single writer: the engine.  0 or -EBADF. */
int rg_kill_publish_roster(struct rg_kill_seg *s, const struct rg_config *cfg);

/* The engine's reader state. */
struct rg_kill_reader {
	struct rg_kill_shared *shm;
	uint64_t seen;       /* generation of the last snapshot; UINT64_MAX before the first */
	uint64_t cmd_taken;  /* commands delivered by snapshots so far */
};

/* A snapshot: what rg_kill_snapshot copies out.  ~72 KiB: allocate it once. */
struct rg_kill_snapshot {
	uint64_t generation;                     /* even */
	uint64_t prev_generation;                /* the previous snapshot's (UINT64_MAX before the first) */
	struct rg_kill_writer_note last_writer;  /* who made the last update */
	uint32_t n_kills;
	uint32_t n_cmds;                         /* new commands since the last snapshot, oldest first */
	struct rg_kill_entry kills[RG_KILL_MAX];
	struct rg_kill_cmd cmds[RG_KILL_CMD_MAX];
};

/*
 * Sets up the engine's reader on a segment from rg_kill_create and records
 * the engine's pid.  With discard_pending, requests queued while no engine
 * ran are answered -ECANCELED ("requested while no engine was running") and
 * never delivered; otherwise the first snapshot delivers them.  Returns how
 * many were discarded, or -EBADF (handle not writable).
 */
int rg_kill_reader_init(struct rg_kill_reader *r, struct rg_kill_seg *s, bool discard_pending);

/* Hot path, once per poll batch: has anything changed since the last
 * snapshot?  One acquire load (a plain load on x86-64), no system call. */
static inline bool rg_kill_changed(const struct rg_kill_reader *r)
{
	/* Pairs with the writer's release store of the even generation. */
	return __atomic_load_n(&r->shm->generation, __ATOMIC_ACQUIRE) != r->seen;
}

/*
 * Cold, when rg_kill_changed said so: copies every kill in force and the
 * commands not yet delivered into *out.  0, or -EAGAIN when a writer is in the
 * middle of an update (try again at the next batch: never waits).  Names,
 * reasons and paths in *out are NUL-terminated whatever the segment held.
 */
int rg_kill_snapshot(struct rg_kill_reader *r, struct rg_kill_snapshot *out);

/* Who made the one update between the previous snapshot and `snap` (the
 * writer note matches and exactly one update happened), else NULL: the writer
 * of a change the table cannot show, such as a lifted kill. */
static inline const struct rg_kill_writer_note *rg_kill_snapshot_writer(const struct rg_kill_snapshot *snap)
{
	return snap->generation == snap->prev_generation + 2 && snap->last_writer.generation == snap->generation
		       ? &snap->last_writer
		       : NULL;
}

/* After applying a snapshot: tells riskctl the engine acts on this generation. */
void rg_kill_applied(struct rg_kill_reader *r);

/* Answers command `seq` (in order: each delivered command once): rc 0 or
 * -errno, message (may be NULL) for riskctl to print. */
void rg_kill_command_done(struct rg_kill_reader *r, uint64_t seq, int rc, const char *message);

/* The first kill in `snap` at exactly this scope, or NULL. */
const struct rg_kill_entry *rg_kill_snapshot_find(const struct rg_kill_snapshot *snap, uint8_t kind,
						  const char *name);

/* ---- the Redis watcher's status (its single writer) ---------------------- */

/* Publishes a new status (everything up to heartbeat_mono_ns). */
void rg_kill_redis_write(struct rg_kill_seg *s, const struct rg_kill_redis *status);

/* Stamps the watcher's liveness; last_ok_ns 0 leaves it as it is. */
void rg_kill_redis_heartbeat(struct rg_kill_seg *s, uint64_t mono_ns, uint64_t last_ok_ns);

#ifdef __cplusplus
}
#endif

#endif /* RG_KILL_SEGMENT_H */
