/*
 * Scope and name tables of the kill segment (kill_scope.h): the one place
 * that spells scopes, sources, trading states and command kinds as text.
 */
#include "kill_scope.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <riskgate/abi.h>

static const char *const kinds[] = {NULL, "instance", "account", "strategy", "symbol", "venue"};

int rg_kill_scope_parse(const char *text, struct rg_kill_scope *out, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	size_t klen = colon != NULL ? (size_t)(colon - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	if (colon == NULL && strcmp(text, "instance") == 0) {
		out->kind = RG_SCOPE_INSTANCE;
		return 0;
	}
	for (uint8_t k = RG_SCOPE_ACCOUNT; k <= RG_SCOPE_VENUE; k++) {
		if (colon == NULL || strlen(kinds[k]) != klen || strncmp(text, kinds[k], klen) != 0)
			continue;
		if (!rg_name_valid(colon + 1)) {
			snprintf(err, errlen, "scope '%s': '%s' is not a valid %s name (1-31 of A-Z a-z 0-9 _ -)", text,
				 colon + 1, kinds[k]);
			return -EINVAL;
		}
		out->kind = k;
		snprintf(out->name, sizeof(out->name), "%s", colon + 1);
		return 0;
	}
	snprintf(err, errlen, "scope '%s': expected instance, account:A, strategy:S, symbol:X or venue:V", text);
	return -EINVAL;
}

const char *rg_kill_scope_format(char *buf, size_t len, uint8_t kind, const char *name)
{
	if (kind == RG_SCOPE_INSTANCE)
		snprintf(buf, len, "instance");
	else
		snprintf(buf, len, "%s:%s", rg_kill_scope_kind_str(kind), name);
	return buf;
}

const char *rg_kill_scope_kind_str(uint8_t kind)
{
	return kind >= RG_SCOPE_INSTANCE && kind <= RG_SCOPE_VENUE ? kinds[kind] : "?";
}

const char *rg_kill_source_str(uint8_t source)
{
	switch (source) {
	case RG_KSRC_RISKCTL: return "riskctl";
	case RG_KSRC_REDIS: return "redis";
	case RG_KSRC_REDIS_PUBLISH: return "redis-publish";
	case RG_KSRC_REDIS_LOSS: return "redis-loss";
	default: return "?";
	}
}

static const char *const states[] = {"ACTIVE", "REDUCING", "HALTED"};

const char *rg_kill_state_str(uint8_t state)
{
	return state < 3 ? states[state] : "?";
}

int rg_kill_state_parse(const char *text)
{
	for (int i = 0; i < 3; i++)
		if (strcasecmp(text, states[i]) == 0)
			return i;
	return -1;
}

const char *rg_kill_cmd_str(uint8_t kind)
{
	switch (kind) {
	case RG_KCMD_SET_STATE: return "set-state";
	case RG_KCMD_RESUME_THROTTLE: return "resume-throttle";
	case RG_KCMD_RESET_BREAKER: return "reset-breaker";
	case RG_KCMD_SET_REFERENCE: return "set-reference";
	case RG_KCMD_RELOAD: return "reload";
	default: return "?";
	}
}

const char *rg_redis_state_str(uint32_t state)
{
	switch (state) {
	case RG_REDIS_OFF: return "off";
	case RG_REDIS_CONNECTING: return "connecting";
	case RG_REDIS_UP: return "up";
	case RG_REDIS_DOWN: return "down";
	case RG_REDIS_AUTH_FAILED: return "auth-failed";
	default: return "?";
	}
}
