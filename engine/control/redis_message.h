/*
 * Messages on the Redis kill channel, as the watcher reads them:
 *
 *   kill SCOPE [REASON...]   kill SCOPE (instance, account:A, strategy:S, ...)
 *   kill [REASON...]         kill the instance, when the word after "kill" is
 *                            not a scope
 *   resume [SCOPE]           lift the kills that earlier messages put on SCOPE
 *                            (default: the instance)
 *   anything else            kills the instance, the message as its reason:
 *                            the channel exists to stop trading, and a message
 *                            nobody understands must not be ignored
 *
 * A "resume" whose scope does not parse is refused (-EINVAL) and does nothing.
 * Commands are case-insensitive; leading and trailing blanks are ignored.
 */
#ifndef RG_REDIS_MESSAGE_H
#define RG_REDIS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "kill_scope.h"

enum rg_redis_action {
	RG_RMSG_KILL = 1,
	RG_RMSG_RESUME = 2,
};

struct rg_redis_msg {
	int action;                        /* enum rg_redis_action */
	bool understood;                   /* false: an unknown message taken as an instance kill */
	struct rg_kill_scope scope;
	char reason[RG_KILL_REASON_MAX];   /* kill: the reason, truncated */
};

/* Parses `len` bytes (not NUL-terminated).  0, or -EINVAL with err. */
int rg_redis_parse_message(const char *msg, size_t len, struct rg_redis_msg *out, char *err, size_t errlen);

#endif /* RG_REDIS_MESSAGE_H */
