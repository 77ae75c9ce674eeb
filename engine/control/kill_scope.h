/*
 * Kill scopes as text: "instance", "account:A", "strategy:S", "symbol:X",
 * "venue:V", parsed and printed the same way by riskctl, the Redis watcher
 * and the engine's log; and the names of sources, trading states and
 * command kinds.
 */
#ifndef RG_KILL_SCOPE_H
#define RG_KILL_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kill_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rg_kill_scope {
	uint8_t kind;                /* enum rg_kill_scope_kind */
	char name[RG_KILL_NAME_MAX]; /* "" for the instance */
};

/* "strategy:S" etc. into *out.  0, or -EINVAL with the reason in err. */
int rg_kill_scope_parse(const char *text, struct rg_kill_scope *out, char *err, size_t errlen);

/* The scope as text ("instance", "strategy:S"); returns buf. */
const char *rg_kill_scope_format(char *buf, size_t len, uint8_t kind, const char *name);

/* "account", "strategy", ...; "?" for an unknown kind. */
const char *rg_kill_scope_kind_str(uint8_t kind);

/* "riskctl", "redis", "redis-publish", "redis-loss"; "?" otherwise. */
const char *rg_kill_source_str(uint8_t source);

/* "ACTIVE", "REDUCING", "HALTED"; and back (case-insensitive), -1 if none. */
const char *rg_kill_state_str(uint8_t state);
int rg_kill_state_parse(const char *text);

/* "set-state", "resume-throttle", "reset-breaker", "set-reference", "reload". */
const char *rg_kill_cmd_str(uint8_t kind);

/* "up", "down", ... for enum rg_redis_state. */
const char *rg_redis_state_str(uint32_t state);

#ifdef __cplusplus
}
#endif

#endif /* RG_KILL_SCOPE_H */
