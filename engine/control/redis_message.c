/*
 * Parser of the Redis kill channel's messages (redis_message.h).  Pure
 * string handling; the watcher acts on the result.
 */
#include "redis_message.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies at most len bytes into reason, printable ASCII as the kill segment keeps it. */
static void set_reason(struct rg_redis_msg *m, const char *s, size_t len)
{
	if (len >= sizeof(m->reason))
		len = sizeof(m->reason) - 1;
	for (size_t i = 0; i < len; i++)
		m->reason[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	m->reason[len] = '\0';
}

/* The next blank-delimited word of [*p, end): its start and length. */
static size_t word(const char **p, const char *end, const char **start)
{
	while (*p < end && blank(**p))
		(*p)++;
	*start = *p;
	while (*p < end && !blank(**p))
		(*p)++;
	return (size_t)(*p - *start);
}

int rg_redis_parse_message(const char *msg, size_t len, struct rg_redis_msg *out, char *err, size_t errlen)
{
	const char *p = msg, *end = msg + len, *w, *rest;
	char token[64], why[160];
	size_t n;

	memset(out, 0, sizeof(*out));
	while (end > p && blank(end[-1]))
		end--;
	n = word(&p, end, &w);
	out->scope.kind = RG_SCOPE_INSTANCE;
	out->understood = true;
	if (n == 6 && strncasecmp(w, "resume", 6) == 0) {
		out->action = RG_RMSG_RESUME;
		n = word(&p, end, &w);
		if (n == 0)
			return 0;
		snprintf(token, sizeof(token), "%.*s", (int)(n < sizeof(token) ? n : sizeof(token) - 1), w);
		if (n >= sizeof(token) || rg_kill_scope_parse(token, &out->scope, why, sizeof(why)) != 0 ||
		    word(&p, end, &rest) != 0) {
			snprintf(err, errlen, "'resume' wants one scope (instance, account:A, strategy:S, symbol:X, venue:V)");
			return -EINVAL;
		}
		return 0;
	}
	out->action = RG_RMSG_KILL;
	if (n == 4 && strncasecmp(w, "kill", 4) == 0) {
		const char *after = p;
		n = word(&p, end, &w);
		snprintf(token, sizeof(token), "%.*s", (int)(n < sizeof(token) ? n : sizeof(token) - 1), w);
		if (n > 0 && n < sizeof(token) && rg_kill_scope_parse(token, &out->scope, why, sizeof(why)) == 0)
			after = p;
		else
			out->scope.kind = RG_SCOPE_INSTANCE;
		while (after < end && blank(*after))
			after++;
		set_reason(out, after, (size_t)(end - after));
		return 0;
	}
	out->understood = false;
	p = msg;
	while (p < end && blank(*p))
		p++;
	set_reason(out, p, (size_t)(end - p));
	return 0;
}
