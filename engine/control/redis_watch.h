/*
 * The Redis watcher: a thread of the engine process (never its hot core)
 * that turns Redis into kills in the kill segment, with source "redis".
 *
 * Keys.  Every poll_ms it reads, with MGET (pipelined, 256 keys per MGET),
 * the kill key ("emergency_stop") and the scoped keys of every name the
 * config knows: "<key>:account:A", "<key>:strategy:S", "<key>:symbol:X",
 * "<key>:venue:V".  A key holding a string is a kill of its scope, the value
 * its reason; a deleted key is a resume.  MGET of known names rather than
 * SCAN: one round trip whatever the size of the shared keyspace, and a key
 * naming something this engine does not serve costs nothing.  The segment's
 * "redis" kills are made to match the keys exactly (rg_kill_replace_source),
 * so an operator cannot lift a Redis kill with riskctl while its key is set.
 *
 * Channel.  It also SUBSCRIBEs to the kill channel ("riskgate.kill"), so a
 * PUBLISH acts at once (redis_message.h: "kill SCOPE REASON", "resume SCOPE",
 * anything else kills the instance).  Those kills have source
 * "redis-publish" and hold until a published resume or an operator's resume.
 *
 * Loss.  When Redis is unreachable it reconnects with exponential backoff and
 * jitter (reconnect_min_ms..reconnect_max_ms), logs the loss loudly, and
 * keeps its status in the kill segment (connected, down since T, last error)
 * for the engine and `riskctl status`.  Redis kills stay as they were while
 * it is down.  With on_redis_loss "halt", once Redis has been unreachable for
 * loss_grace_ms it kills the instance with source "redis-loss"; that kill is
 * lifted only by an operator (riskctl resume), never by Redis coming back.
 * A wrong password or ACL user is status "auth-failed" with Redis's own
 * error text; the password itself is never logged or stored anywhere but
 * the watcher's memory, which is cleared on stop.  The password file is read
 * again before every connection attempt, so a rotated password takes effect
 * at the next reconnect.
 *
 * The engine thread never waits for it: they share only the kill segment.
 */
#ifndef RG_REDIS_WATCH_H
#define RG_REDIS_WATCH_H

#include <stddef.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rg_redis_log_level {
	RG_REDIS_LOG_INFO = 0,
	RG_REDIS_LOG_WARN = 1,
	RG_REDIS_LOG_ALERT = 2, /* Redis lost, loss halt, kills: an operator must see these */
};

/* A log line (no trailing newline); called on the watcher's thread. */
typedef void (*rg_redis_log_fn)(void *ctx, int level, const char *line);

struct rg_redis_watch_opts {
	rg_redis_log_fn log;     /* NULL: "riskgate: redis: ..." on stderr */
	void *log_ctx;
};

struct rg_redis_watch;

/*
 * Starts the watcher for cfg (cfg->redis.enabled must be true; the kill
 * segment of cfg->instance must exist: the engine creates it first).  It
 * copies what it needs from cfg.  The password is read here, from
 * redis.password_file or else RG_REDIS_PASSWORD, so a missing file is an
 * error now rather than a silent reconnect loop.  Pins the thread to
 * redis.core when that is >= 0.  Returns 0 with *out, or -errno with err.
 */
int rg_redis_watch_start(struct rg_redis_watch **out, const struct rg_config *cfg,
			 const struct rg_redis_watch_opts *opts, char *err, size_t errlen);

/* Stops the thread (at most about one network timeout), closes its
 * connections, clears the password, marks the status "off".  NULL is fine. */
void rg_redis_watch_stop(struct rg_redis_watch *w);

#ifdef __cplusplus
}
#endif

#endif /* RG_REDIS_WATCH_H */
