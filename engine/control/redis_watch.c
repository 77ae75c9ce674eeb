/*
 * The Redis watcher thread (redis_watch.h): two hiredis connections, one
 * polling the kill keys with pipelined MGETs, one subscribed to the kill
 * channel, and a loop that waits on the subscription socket, the next poll
 * time and a stop eventfd.  Everything it learns goes into the kill segment;
 * its status goes there too.  Cold thread: it may block on the network
 * (bounded by the command timeout), never on the engine.
 */
#include "redis_watch.h"

#include "log_line.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "kill_segment.h"
#include "redis_message.h"
#include "secret.h"

#define MGET_CHUNK 256u        /* keys per MGET */
#define SLICE_MS 200u          /* longest wait: the heartbeat stays this fresh */
#define PENDING_MAX 32u        /* published actions waiting for the kill segment */
#define PASSWORD_MAX 512u

struct rg_redis_watch {
	pthread_t thread;
	int stop_fd;                 /* eventfd: written by rg_redis_watch_stop */
	int stopping;                /* atomic */
	struct rg_kill_seg seg;      /* the watcher's own handle (own writer lock) */
	struct rg_redis_cfg cfg;
	char endpoint[64];
	char password[PASSWORD_MAX];
	bool have_password;
	uint32_t timeout_ms;         /* connect and command timeout */
	/* the keys polled, and the scope each one kills */
	uint32_t n_keys;
	char **keys;
	size_t *key_lens;
	struct rg_kill_scope *scopes;
	const char *argv[MGET_CHUNK + 1];
	size_t argvlen[MGET_CHUNK + 1];
	/* kills the keys asked for at the last poll, and now */
	struct rg_kill_want *want, *prev;
	uint32_t n_want, n_prev;
	bool prev_valid;
	/* published actions the segment refused (busy): retried each pass */
	struct rg_redis_msg pending[PENDING_MAX];
	uint32_t n_pending;
	rg_redis_log_fn log;
	void *log_ctx;
	redisContext *pc, *sc;       /* polling, subscribed */
	struct rg_kill_redis st;     /* status as last published */
	struct rg_backoff backoff;
	bool up, ever_up;
	uint64_t outage_mono_ns;     /* start of the current outage (or of the watcher) */
	uint32_t attempts;           /* failed attempts in this outage */
	uint64_t next_poll_ns;
};

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void stderr_log(void *ctx, int level, const char *line)
{
	(void)ctx;
	rg_log(level == RG_REDIS_LOG_ALERT ? RG_LOG_WARN : RG_LOG_INFO, "riskgate: redis: %s%s",
	       level == RG_REDIS_LOG_ALERT ? "ALERT: " : "", line);
}

static void logf_(struct rg_redis_watch *w, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void logf_(struct rg_redis_watch *w, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->log(w->log_ctx, level, line);
}

static bool stopping(const struct rg_redis_watch *w)
{
	return __atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE) != 0;
}

static void publish_status(struct rg_redis_watch *w)
{
	rg_kill_redis_write(&w->seg, &w->st);
}

static void set_state(struct rg_redis_watch *w, uint32_t state, const char *error)
{
	if (w->st.state != state) {
		w->st.state = state;
		w->st.since_ns = now_ns(CLOCK_REALTIME);
		w->st.since_mono_ns = now_ns(CLOCK_MONOTONIC);
	}
	if (error != NULL)
		snprintf(w->st.last_error, sizeof(w->st.last_error), "%s", error);
	publish_status(w);
}

/* ---- connections ------------------------------------------------------------ */

static struct timeval tv_ms(uint32_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

/* Redis error replies that mean "your credentials or rights", not "I am down". */
static bool auth_error(const char *s)
{
	return strncmp(s, "NOAUTH", 6) == 0 || strncmp(s, "WRONGPASS", 9) == 0 || strncmp(s, "NOPERM", 6) == 0 ||
	       strncmp(s, "ERR invalid password", 20) == 0 || strncmp(s, "ERR AUTH", 8) == 0 ||
	       strncmp(s, "ERR Client sent AUTH", 20) == 0;
}

/* Describes an error reply; sets *auth when it is about credentials. */
static void reply_error(struct rg_redis_watch *w, const char *what, const redisReply *r, char *why, size_t len,
			bool *auth)
{
	*auth = auth_error(r->str);
	if (strncmp(r->str, "NOAUTH", 6) == 0)
		snprintf(why, len, "%s: the server requires a password: set redis.password_file or RG_REDIS_PASSWORD (%s)",
			 what, r->str);
	else if (*auth && strncmp(r->str, "NOPERM", 6) == 0)
		snprintf(why, len, "%s: user '%s' lacks a permission: %s", what, w->cfg.user[0] ? w->cfg.user : "default",
			 r->str);
	else if (*auth)
		snprintf(why, len, "%s: authentication failed for user '%s': %s", what,
			 w->cfg.user[0] ? w->cfg.user : "default", r->str);
	else
		snprintf(why, len, "%s: %s", what, r->str);
}

static redisContext *connect_one(struct rg_redis_watch *w, char *why, size_t len, bool *auth)
{
	redisContext *c = redisConnectWithTimeout(w->cfg.host, w->cfg.port, tv_ms(w->timeout_ms));
	redisReply *r;

	if (c == NULL) {
		snprintf(why, len, "connect to %s: out of memory", w->endpoint);
		return NULL;
	}
	if (c->err != 0) {
		snprintf(why, len, "connect to %s: %s", w->endpoint, c->errstr);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv_ms(w->timeout_ms));
	redisEnableKeepAlive(c);
	if (!w->have_password)
		return c;
	{
		const char *argv[3];
		size_t lens[3];
		int argc = 0;

		argv[argc] = "AUTH";
		lens[argc++] = 4;
		if (w->cfg.user[0] != '\0') {
			argv[argc] = w->cfg.user;
			lens[argc++] = strlen(w->cfg.user);
		}
		argv[argc] = w->password;
		lens[argc++] = strlen(w->password);
		r = redisCommandArgv(c, argc, argv, lens);
	}
	if (r == NULL) {
		snprintf(why, len, "AUTH at %s: %s", w->endpoint, c->errstr);
		redisFree(c);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		reply_error(w, "AUTH", r, why, len, auth);
		freeReplyObject(r);
		redisFree(c);
		return NULL;
	}
	freeReplyObject(r);
	return c;
}

static void disconnect(struct rg_redis_watch *w)
{
	if (w->pc != NULL)
		redisFree(w->pc);
	if (w->sc != NULL)
		redisFree(w->sc);
	w->pc = w->sc = NULL;
}

/* Before each connection: the password file again, so a rotated password
 * is picked up at the next reconnect without restarting the engine. */
static void reread_password(struct rg_redis_watch *w)
{
	char fresh[PASSWORD_MAX], err[256];
	bool loose;

	if (w->cfg.password_file[0] == '\0')
		return;
	if (rg_secret_load(w->cfg.password_file, NULL, fresh, sizeof(fresh), &loose, err, sizeof(err)) == 1)
		memcpy(w->password, fresh, sizeof(fresh));
	else
		logf_(w, RG_REDIS_LOG_WARN, "keeping the password read before: %s", err);
	explicit_bzero(fresh, sizeof(fresh));
}

static int connect_all(struct rg_redis_watch *w, char *why, size_t len, bool *auth)
{
	const char *argv[2] = {"SUBSCRIBE", w->cfg.channel};
	size_t lens[2] = {9, strlen(w->cfg.channel)};
	redisReply *r;

	*auth = false;
	reread_password(w);
	if ((w->pc = connect_one(w, why, len, auth)) == NULL || (w->sc = connect_one(w, why, len, auth)) == NULL) {
		disconnect(w);
		return -1;
	}
	r = redisCommandArgv(w->sc, 2, argv, lens);
	if (r == NULL) {
		snprintf(why, len, "SUBSCRIBE at %s: %s", w->endpoint, w->sc->errstr);
	} else if (r->type == REDIS_REPLY_ERROR) {
		reply_error(w, "SUBSCRIBE", r, why, len, auth);
	} else if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
		snprintf(why, len, "SUBSCRIBE at %s: unexpected reply", w->endpoint);
	} else {
		freeReplyObject(r);
		return 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	disconnect(w);
	return -1;
}

/* ---- the kill segment: keys, messages, loss ---------------------------------- */

static const struct rg_kill_want *find_want(const struct rg_kill_want *set, uint32_t n, const struct rg_kill_want *x)
{
	for (uint32_t i = 0; i < n; i++)
		if (set[i].scope.kind == x->scope.kind && strcmp(set[i].scope.name, x->scope.name) == 0)
			return &set[i];
	return NULL;
}

/* Logs what changed between the previous poll and this one. */
static void log_key_changes(struct rg_redis_watch *w)
{
	char scope[48];

	for (uint32_t i = 0; i < w->n_want; i++) {
		const struct rg_kill_want *p = find_want(w->prev, w->prev_valid ? w->n_prev : 0, &w->want[i]);
		if (p == NULL || strcmp(p->reason, w->want[i].reason) != 0)
			logf_(w, RG_REDIS_LOG_ALERT, "KILL %s: Redis key set: %s",
			      rg_kill_scope_format(scope, sizeof(scope), w->want[i].scope.kind, w->want[i].scope.name),
			      w->want[i].reason);
	}
	for (uint32_t i = 0; w->prev_valid && i < w->n_prev; i++)
		if (find_want(w->want, w->n_want, &w->prev[i]) == NULL)
			logf_(w, RG_REDIS_LOG_ALERT, "resume %s: Redis key deleted",
			      rg_kill_scope_format(scope, sizeof(scope), w->prev[i].scope.kind, w->prev[i].scope.name));
}

static void take_value(struct rg_kill_want *x, const struct rg_kill_scope *scope, const redisReply *v)
{
	size_t n = v->len < sizeof(x->reason) - 1 ? v->len : sizeof(x->reason) - 1;

	x->scope = *scope;
	for (size_t i = 0; i < n; i++)
		x->reason[i] = (v->str[i] >= 0x20 && v->str[i] < 0x7f) ? v->str[i] : '?';
	x->reason[n] = '\0';
}

/* One poll: every key, then the segment's "redis" kills made to match. */
static int poll_keys(struct rg_redis_watch *w, char *why, size_t len, bool *auth)
{
	char err[256];
	uint32_t chunks = 0;
	int rc = 0;

	*auth = false;
	for (uint32_t i = 0; i < w->n_keys; i += MGET_CHUNK, chunks++) {
		uint32_t cnt = w->n_keys - i < MGET_CHUNK ? w->n_keys - i : MGET_CHUNK;
		w->argv[0] = "MGET";
		w->argvlen[0] = 4;
		for (uint32_t k = 0; k < cnt; k++) {
			w->argv[1 + k] = w->keys[i + k];
			w->argvlen[1 + k] = w->key_lens[i + k];
		}
		if (redisAppendCommandArgv(w->pc, (int)cnt + 1, w->argv, w->argvlen) != REDIS_OK) {
			snprintf(why, len, "MGET: %s", w->pc->errstr);
			return -1;
		}
	}
	w->n_want = 0;
	for (uint32_t c = 0; c < chunks; c++) {
		uint32_t first = c * MGET_CHUNK, cnt = w->n_keys - first < MGET_CHUNK ? w->n_keys - first : MGET_CHUNK;
		redisReply *r = NULL;

		if (redisGetReply(w->pc, (void **)&r) != REDIS_OK || r == NULL) {
			snprintf(why, len, "MGET at %s: %s", w->endpoint, w->pc->errstr[0] ? w->pc->errstr : "no reply");
			return -1;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			reply_error(w, "MGET", r, why, len, auth);
			rc = -1;
		} else if (r->type != REDIS_REPLY_ARRAY || r->elements != cnt) {
			snprintf(why, len, "MGET at %s: unexpected reply", w->endpoint);
			rc = -1;
		} else {
			for (uint32_t k = 0; k < cnt; k++)
				if (r->element[k]->type == REDIS_REPLY_STRING && w->n_want < RG_KILL_MAX - RG_KILL_INSTANCE_RESERVE)
					take_value(&w->want[w->n_want++], &w->scopes[first + k], r->element[k]);
		}
		freeReplyObject(r);
		if (rc != 0)
			return rc; /* the connection is dropped: unread replies go with it */
	}
	rc = rg_kill_replace_source(&w->seg, RG_KSRC_REDIS, w->want, w->n_want, err, sizeof(err));
	if (rc < 0) {
		logf_(w, RG_REDIS_LOG_WARN, "cannot write the Redis kills into the kill segment (retrying): %s", err);
		return 0;
	}
	if (rc == 1 || !w->prev_valid)
		log_key_changes(w);
	memcpy(w->prev, w->want, w->n_want * sizeof(w->want[0]));
	w->n_prev = w->n_want;
	w->prev_valid = true;
	rg_kill_redis_heartbeat(&w->seg, now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_REALTIME));
	return 0;
}

/* Acts on one published message; false when the segment was busy (retry). */
static bool act(struct rg_redis_watch *w, const struct rg_redis_msg *m)
{
	char scope[48], err[256];
	int rc;

	rg_kill_scope_format(scope, sizeof(scope), m->scope.kind, m->scope.name);
	if (m->action == RG_RMSG_KILL) {
		rc = rg_kill_apply(&w->seg, &m->scope, RG_KSRC_REDIS_PUBLISH, m->reason, err, sizeof(err));
		if (rc >= 0)
			logf_(w, RG_REDIS_LOG_ALERT, "KILL %s: message on %s: %s%s", scope, w->cfg.channel,
			      m->reason[0] ? m->reason : "(no reason given)",
			      m->understood ? "" : " (not a kill/resume command: taken as an instance kill)");
	} else {
		rc = rg_kill_lift(&w->seg, &m->scope, RG_KSRC_MASK(RG_KSRC_REDIS_PUBLISH), err, sizeof(err));
		if (rc >= 0)
			logf_(w, RG_REDIS_LOG_ALERT, "resume %s: message on %s: %d published kill(s) lifted", scope,
			      w->cfg.channel, rc);
	}
	if (rc >= 0)
		return true;
	logf_(w, RG_REDIS_LOG_WARN, "cannot apply the message on %s yet (retrying): %s", w->cfg.channel, err);
	return false;
}

static void retry_pending(struct rg_redis_watch *w)
{
	uint32_t done = 0;

	while (done < w->n_pending && act(w, &w->pending[done]))
		done++;
	memmove(w->pending, w->pending + done, (w->n_pending - done) * sizeof(w->pending[0]));
	w->n_pending -= done;
}

static void on_message(struct rg_redis_watch *w, const redisReply *r)
{
	struct rg_redis_msg m;
	char err[160];

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0 || r->element[2]->type != REDIS_REPLY_STRING)
		return;
	if (rg_redis_parse_message(r->element[2]->str, r->element[2]->len, &m, err, sizeof(err)) != 0) {
		logf_(w, RG_REDIS_LOG_WARN, "ignored a message on %s: %s", w->cfg.channel, err);
		return;
	}
	if (w->n_pending > 0 || !act(w, &m)) {
		if (w->n_pending < PENDING_MAX)
			w->pending[w->n_pending++] = m;
		else
			logf_(w, RG_REDIS_LOG_ALERT, "dropped a message on %s: %u are already waiting for the kill segment",
			      w->cfg.channel, PENDING_MAX);
	}
}

static int read_messages(struct rg_redis_watch *w, char *why, size_t len)
{
	if (redisBufferRead(w->sc) != REDIS_OK) {
		snprintf(why, len, "subscription at %s: %s", w->endpoint, w->sc->errstr);
		return -1;
	}
	for (;;) {
		void *r = NULL;
		if (redisGetReplyFromReader(w->sc, &r) != REDIS_OK) {
			snprintf(why, len, "subscription at %s: %s", w->endpoint, w->sc->errstr);
			return -1;
		}
		if (r == NULL)
			return 0;
		on_message(w, (const redisReply *)r);
		freeReplyObject(r);
	}
}

/* on_redis_loss halt: the instance stops once the outage outlasts the grace. */
static void check_loss(struct rg_redis_watch *w)
{
	struct rg_kill_scope inst = {RG_SCOPE_INSTANCE, ""};
	char reason[RG_KILL_REASON_MAX], err[256];
	uint64_t down_ms = (now_ns(CLOCK_MONOTONIC) - w->outage_mono_ns) / 1000000u;

	if (!w->cfg.halt_on_loss || w->st.loss_halted || down_ms < w->cfg.loss_grace_ms)
		return;
	snprintf(reason, sizeof(reason), "Redis at %s unreachable for %llu ms (on_redis_loss: halt)", w->endpoint,
		 (unsigned long long)down_ms);
	if (rg_kill_apply(&w->seg, &inst, RG_KSRC_REDIS_LOSS, reason, err, sizeof(err)) < 0) {
		logf_(w, RG_REDIS_LOG_WARN, "cannot write the redis-loss halt yet (retrying): %s", err);
		return;
	}
	w->st.loss_halted = 1;
	publish_status(w);
	logf_(w, RG_REDIS_LOG_ALERT, "HALT instance: %s; lifted only by an operator (riskctl resume)", reason);
}

static void went_up(struct rg_redis_watch *w)
{
	uint64_t down_ms = (now_ns(CLOCK_MONOTONIC) - w->outage_mono_ns) / 1000000u;

	if (w->ever_up) {
		w->st.reconnects++;
		logf_(w, RG_REDIS_LOG_ALERT, "connection to %s restored after %llu ms%s", w->endpoint,
		      (unsigned long long)down_ms,
		      w->st.loss_halted ? "; the redis-loss halt stays until an operator resumes (riskctl resume)" : "");
	} else {
		logf_(w, RG_REDIS_LOG_INFO, "connected to %s: polling %s every %u ms, subscribed to %s", w->endpoint,
		      w->cfg.key, w->cfg.poll_interval_ms, w->cfg.channel);
	}
	w->up = w->ever_up = true;
	w->attempts = 0;
	rg_backoff_reset(&w->backoff);
	w->next_poll_ns = 0;
	set_state(w, RG_REDIS_UP, NULL);
}

static void went_down(struct rg_redis_watch *w, const char *why, bool auth)
{
	uint32_t state = auth ? RG_REDIS_AUTH_FAILED : RG_REDIS_DOWN;
	bool changed = w->st.state != state || strcmp(w->st.last_error, why) != 0;

	disconnect(w);
	if (w->up) {
		w->up = false;
		w->outage_mono_ns = now_ns(CLOCK_MONOTONIC);
		w->st.loss_halted = 0;
		logf_(w, RG_REDIS_LOG_ALERT, "LOST Redis at %s: %s; Redis kills stay as they are; %s", w->endpoint, why,
		      w->cfg.halt_on_loss ? "on_redis_loss halt: the instance halts if this lasts" : "on_redis_loss keep: trading goes on");
		w->attempts = 0;
	} else {
		w->st.failures++;
		w->attempts++;
		if (changed || (w->attempts & (w->attempts - 1)) == 0)
			logf_(w, auth || w->attempts == 1 ? RG_REDIS_LOG_ALERT : RG_REDIS_LOG_WARN,
			      "%s Redis at %s (attempt %u): %s",
			      auth ? "refused by" : "cannot reach", w->endpoint, w->attempts, why);
	}
	set_state(w, state, why);
}

/* Waits up to ns for the stop event or (when sub) the subscription socket;
 * ppoll, not poll, so a poll interval is not stretched to whole milliseconds.
 * Returns 1 when the subscription is readable, 0 otherwise. */
static int wait_for(struct rg_redis_watch *w, uint64_t ns, bool sub)
{
	struct pollfd fds[2] = {{w->stop_fd, POLLIN, 0}, {sub && w->sc != NULL ? w->sc->fd : -1, POLLIN, 0}};
	struct timespec ts;

	if (ns > (uint64_t)SLICE_MS * 1000000u)
		ns = (uint64_t)SLICE_MS * 1000000u;
	ts.tv_sec = (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	if (ppoll(fds, 2, &ts, NULL) <= 0)
		return 0;
	return (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

static void *run(void *arg)
{
	struct rg_redis_watch *w = (struct rg_redis_watch *)arg;
	char why[RG_KILL_ERROR_MAX];
	bool auth;

	w->outage_mono_ns = now_ns(CLOCK_MONOTONIC);
	set_state(w, RG_REDIS_CONNECTING, "");
	while (!stopping(w)) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		rg_kill_redis_heartbeat(&w->seg, now, 0);
		if (!w->up) {
			uint64_t until;
			if (connect_all(w, why, sizeof(why), &auth) == 0) {
				went_up(w);
				continue;
			}
			went_down(w, why, auth);
			until = now_ns(CLOCK_MONOTONIC) + (uint64_t)rg_backoff_next(&w->backoff) * 1000000u;
			while (!stopping(w) && (now = now_ns(CLOCK_MONOTONIC)) < until) {
				uint64_t wake = until, grace_end = w->outage_mono_ns + (uint64_t)w->cfg.loss_grace_ms * 1000000u;
				check_loss(w);
				retry_pending(w);
				rg_kill_redis_heartbeat(&w->seg, now, 0);
				/* wake at the end of the grace, not at the end of a long backoff */
				if (w->cfg.halt_on_loss && !w->st.loss_halted && grace_end > now && grace_end < wake)
					wake = grace_end;
				wait_for(w, wake - now, false);
			}
			continue;
		}
		if (now >= w->next_poll_ns) {
			if (poll_keys(w, why, sizeof(why), &auth) != 0) {
				went_down(w, why, auth);
				continue;
			}
			w->next_poll_ns = now + (uint64_t)w->cfg.poll_interval_ms * 1000000u;
		}
		retry_pending(w);
		now = now_ns(CLOCK_MONOTONIC);
		if (now < w->next_poll_ns && wait_for(w, w->next_poll_ns - now, true) &&
		    read_messages(w, why, sizeof(why)) != 0)
			went_down(w, why, false);
	}
	disconnect(w);
	return NULL;
}

/* ---- start / stop ----------------------------------------------------------------- */

static int add_key(struct rg_redis_watch *w, uint8_t kind, const char *name)
{
	char buf[160];
	int n = kind == RG_SCOPE_INSTANCE
			? snprintf(buf, sizeof(buf), "%s", w->cfg.key)
			: snprintf(buf, sizeof(buf), "%s:%s:%s", w->cfg.key, rg_kill_scope_kind_str(kind), name);

	if (n < 0 || (size_t)n >= sizeof(buf) || (w->keys[w->n_keys] = strdup(buf)) == NULL)
		return -ENOMEM;
	w->key_lens[w->n_keys] = (size_t)n;
	w->scopes[w->n_keys].kind = kind;
	snprintf(w->scopes[w->n_keys].name, sizeof(w->scopes[0].name), "%s", name);
	w->n_keys++;
	return 0;
}

static int build_keys(struct rg_redis_watch *w, const struct rg_config *cfg)
{
	uint32_t total = 1 + cfg->n_accounts + cfg->n_strategies + cfg->n_venues + cfg->n_symbols;
	int rc;

	w->keys = calloc(total, sizeof(*w->keys));
	w->key_lens = calloc(total, sizeof(*w->key_lens));
	w->scopes = calloc(total, sizeof(*w->scopes));
	w->want = calloc(RG_KILL_MAX, sizeof(*w->want));
	w->prev = calloc(RG_KILL_MAX, sizeof(*w->prev));
	if (w->keys == NULL || w->key_lens == NULL || w->scopes == NULL || w->want == NULL || w->prev == NULL)
		return -ENOMEM;
	/* The instance key first: it always fits the kill table. */
	if ((rc = add_key(w, RG_SCOPE_INSTANCE, "")) != 0)
		return rc;
	for (uint32_t i = 0; i < cfg->n_accounts; i++)
		if ((rc = add_key(w, RG_SCOPE_ACCOUNT, cfg->accounts[i].name)) != 0)
			return rc;
	for (uint32_t i = 0; i < cfg->n_strategies; i++)
		if ((rc = add_key(w, RG_SCOPE_STRATEGY, cfg->strategies[i].name)) != 0)
			return rc;
	for (uint32_t i = 0; i < cfg->n_venues; i++)
		if ((rc = add_key(w, RG_SCOPE_VENUE, cfg->venues[i].name)) != 0)
			return rc;
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if ((rc = add_key(w, RG_SCOPE_SYMBOL, cfg->symbols[i].name)) != 0)
			return rc;
	return 0;
}

static void destroy(struct rg_redis_watch *w)
{
	disconnect(w);
	explicit_bzero(w->password, sizeof(w->password));
	for (uint32_t i = 0; w->keys != NULL && i < w->n_keys; i++)
		free(w->keys[i]);
	free(w->keys);
	free(w->key_lens);
	free(w->scopes);
	free(w->want);
	free(w->prev);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	rg_kill_close(&w->seg);
	free(w);
}

int rg_redis_watch_start(struct rg_redis_watch **out, const struct rg_config *cfg,
			 const struct rg_redis_watch_opts *opts, char *err, size_t errlen)
{
	struct rg_redis_watch *w;
	pthread_attr_t attr;
	sigset_t pipe_only, saved;
	cpu_set_t cpus;
	bool loose = false;
	int rc;

	*out = NULL;
	if (!cfg->redis.enabled) {
		snprintf(err, errlen, "redis is not configured");
		return -EINVAL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->stop_fd = -1;
	w->seg.fd = -1;
	w->cfg = cfg->redis;
	w->log = opts != NULL && opts->log != NULL ? opts->log : stderr_log;
	w->log_ctx = opts != NULL ? opts->log_ctx : NULL;
	snprintf(w->endpoint, sizeof(w->endpoint), "%.50s:%u", w->cfg.host, (unsigned)w->cfg.port);
	w->timeout_ms = w->cfg.poll_interval_ms * 4 < 250 ? 250 : w->cfg.poll_interval_ms * 4 > 2000 ? 2000 : w->cfg.poll_interval_ms * 4;
	rc = rg_secret_load(w->cfg.password_file, "RG_REDIS_PASSWORD", w->password, sizeof(w->password), &loose, err,
			    errlen);
	if (rc < 0)
		goto fail;
	w->have_password = rc == 1;
	if (loose)
		logf_(w, RG_REDIS_LOG_WARN, "password file %s can be read by users other than its owner (chmod 0400 it)",
		      w->cfg.password_file);
	if ((rc = rg_kill_attach(&w->seg, cfg->instance, true, err, errlen)) != 0)
		goto fail;
	w->seg.lock_timeout_ms = 500;
	if ((rc = build_keys(w, cfg)) != 0) {
		snprintf(err, errlen, "out of memory building the Redis key list");
		goto fail;
	}
	if ((w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-rc));
		goto fail;
	}
	rg_backoff_init(&w->backoff, w->cfg.reconnect_min_ms, w->cfg.reconnect_max_ms,
			now_ns(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 32));
	w->st.pid = (int32_t)getpid();
	w->st.poll_ms = w->cfg.poll_interval_ms;
	w->st.loss_grace_ms = w->cfg.loss_grace_ms;
	w->st.halt_on_loss = w->cfg.halt_on_loss;
	snprintf(w->st.endpoint, sizeof(w->st.endpoint), "%s", w->endpoint);
	w->st.state = RG_REDIS_OFF;
	pthread_attr_init(&attr);
	if (w->cfg.core >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(w->cfg.core, &cpus);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	}
	/* The thread starts with SIGPIPE blocked: a write to a Redis that went
	 * away fails with EPIPE instead of killing the process. */
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &saved);
	rc = -pthread_create(&w->thread, &attr, run, w);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the Redis watcher thread%s: %s",
			 w->cfg.core >= 0 ? " on redis.core" : "", strerror(-rc));
		goto fail;
	}
	*out = w;
	return 0;
fail:
	destroy(w);
	return rc;
}

void rg_redis_watch_stop(struct rg_redis_watch *w)
{
	uint64_t one = 1;

	if (w == NULL)
		return;
	__atomic_store_n(&w->stopping, 1, __ATOMIC_RELEASE);
	if (write(w->stop_fd, &one, sizeof(one)) < 0) {
		/* the flag alone stops it within one slice */
	}
	pthread_join(w->thread, NULL);
	w->st.state = RG_REDIS_OFF;
	w->st.since_ns = now_ns(CLOCK_REALTIME);
	w->st.since_mono_ns = now_ns(CLOCK_MONOTONIC);
	publish_status(w);
	destroy(w);
}
