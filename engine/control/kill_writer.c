/*
 * Writers of the kill segment (kill_segment.h): riskctl and the Redis
 * watcher.  Each call takes the OFD write lock on the file, copies the body,
 * changes the copy, and publishes the entries that differ under the seqlock:
 * generation odd, stores, generation even.  A writer that died mid-update left
 * the generation odd; the next one, holding the lock, drops whatever entries
 * are malformed and completes it.  Requests go into a ring the engine drains.
 */
#include "kill_segment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <riskgate/abi.h>

#include "kill_words.h"

/* A writer's private copy of the seqlocked body. */
struct body {
	uint32_t n_kills;
	uint64_t cmd_head;
	struct rg_kill_entry kills[RG_KILL_MAX];
};

/* What a writer works on: the body as found (old) and as it will be (b). */
struct wctx {
	struct body old, b;
};

static bool text_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static bool entry_ok(const struct rg_kill_entry *e)
{
	if (e->scope < RG_SCOPE_INSTANCE || e->scope > RG_SCOPE_VENUE || e->source < RG_KSRC_RISKCTL ||
	    e->source > RG_KSRC_REDIS_LOSS || !text_ok(e->name, sizeof(e->name)) ||
	    !text_ok(e->reason, sizeof(e->reason)))
		return false;
	return e->scope == RG_SCOPE_INSTANCE ? e->name[0] == '\0' : rg_name_valid(e->name);
}

static void body_load(const struct rg_kill_shared *shm, struct body *b)
{
	b->n_kills = kw_load32(&shm->n_kills);
	if (b->n_kills > RG_KILL_MAX)
		b->n_kills = RG_KILL_MAX;
	b->cmd_head = kw_load64(&shm->cmd_head);
	kw_load(b->kills, shm->kills, b->n_kills * sizeof(b->kills[0]));
}

/* Keeps only well-formed entries: after a writer died mid-update. */
static void body_repair(struct body *b)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < b->n_kills; i++)
		if (entry_ok(&b->kills[i]))
			b->kills[out++] = b->kills[i];
	b->n_kills = out;
}

static int lock_fd(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Allocates *w, takes the writer lock within lock_timeout_ms and loads the body. */
static int writer_begin(struct rg_kill_seg *s, struct wctx **wp, char *err, size_t errlen)
{
	struct wctx *w;
	uint64_t deadline;
	int rc;

	*wp = NULL;
	if (s->shm == NULL || !s->writable) {
		snprintf(err, errlen, "%s: not attached for writing", s->name);
		return -EBADF;
	}
	if ((w = malloc(sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	deadline = rg_clock_ns(CLOCK_MONOTONIC) + (uint64_t)s->lock_timeout_ms * 1000000u;
	while (lock_fd(s->fd, F_WRLCK) != 0) {
		rc = -errno;
		if (rc != -EAGAIN && rc != -EACCES && rc != -EINTR) {
			snprintf(err, errlen, "%s: writer lock: %s", s->name, strerror(-rc));
			free(w);
			return rc;
		}
		if (rg_clock_ns(CLOCK_MONOTONIC) > deadline) {
			snprintf(err, errlen, "%s: another writer has held the lock for %u ms (a stopped riskctl?)",
				 s->name, s->lock_timeout_ms);
			free(w);
			return -EBUSY;
		}
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	body_load(s->shm, &w->old);
	w->b.n_kills = w->old.n_kills;
	w->b.cmd_head = w->old.cmd_head;
	memcpy(w->b.kills, w->old.kills, w->old.n_kills * sizeof(w->old.kills[0])); /* not all 48 KiB */
	if (kw_load64(&s->shm->generation) & 1)
		body_repair(&w->b);
	*wp = w;
	return 0;
}

static void writer_end(struct rg_kill_seg *s, struct wctx *w)
{
	lock_fd(s->fd, F_UNLCK);
	free(w);
}

/* Publishes *b: only the entries that differ from *old, under the seqlock. */
static void writer_publish(struct rg_kill_seg *s, const struct body *b, const struct body *old)
{
	struct rg_kill_shared *shm = s->shm;
	uint64_t g = kw_load64(&shm->generation);

	if ((g & 1) == 0)
		__atomic_store_n(&shm->generation, ++g, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < b->n_kills; i++)
		if (i >= old->n_kills || memcmp(&b->kills[i], &old->kills[i], sizeof(b->kills[i])) != 0)
			kw_store(&shm->kills[i], &b->kills[i], sizeof(b->kills[i]));
	__atomic_store_n(&shm->n_kills, b->n_kills, __ATOMIC_RELEASE);
	__atomic_store_n(&shm->cmd_head, b->cmd_head, __ATOMIC_RELEASE);
	struct rg_kill_writer_note note = {.generation = g + 1, .time_ns = rg_clock_ns(CLOCK_REALTIME),
					   .uid = (uint32_t)getuid(), .pid = (int32_t)getpid()};
	kw_store(&shm->last_writer, &note, sizeof(note));
	/* Pairs with the acquire load in rg_kill_changed / the readers. */
	__atomic_store_n(&shm->generation, g + 1, __ATOMIC_RELEASE);
}

/* Printable ASCII only, at most RG_KILL_REASON_MAX - 1 bytes. */
static void copy_reason(char *dst, const char *src)
{
	size_t i = 0;

	if (src == NULL || src[0] == '\0')
		src = "(no reason given)";
	for (; src[i] != '\0' && i < RG_KILL_REASON_MAX - 1; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	memset(dst + i, 0, RG_KILL_REASON_MAX - i);
}

static int check_scope(const struct rg_kill_scope *scope, char *err, size_t errlen)
{
	bool ok = scope->kind == RG_SCOPE_INSTANCE
			  ? scope->name[0] == '\0'
			  : scope->kind >= RG_SCOPE_ACCOUNT && scope->kind <= RG_SCOPE_VENUE && rg_name_valid(scope->name);

	if (!ok)
		snprintf(err, errlen, "invalid scope (kind %u, name '%.31s')", scope->kind, scope->name);
	return ok ? 0 : -EINVAL;
}

static bool same_scope(const struct rg_kill_entry *e, const struct rg_kill_scope *scope)
{
	return e->scope == scope->kind && strncmp(e->name, scope->name, sizeof(e->name)) == 0;
}

static void fill_entry(struct rg_kill_entry *e, const struct rg_kill_scope *scope, uint8_t source, const char *reason)
{
	memset(e, 0, sizeof(*e));
	e->scope = scope->kind;
	e->source = source;
	e->uid = (uint32_t)getuid();
	e->pid = (int32_t)getpid();
	e->time_ns = rg_clock_ns(CLOCK_REALTIME);
	snprintf(e->name, sizeof(e->name), "%s", scope->name);
	copy_reason(e->reason, reason);
}

/* Adds or updates (scope, source) in *b.  0 added, 1 updated, -ENOSPC. */
static int body_put(struct body *b, const struct rg_kill_scope *scope, uint8_t source, const char *reason)
{
	uint32_t limit = scope->kind == RG_SCOPE_INSTANCE ? RG_KILL_MAX : RG_KILL_MAX - RG_KILL_INSTANCE_RESERVE;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		if (same_scope(&b->kills[i], scope) && b->kills[i].source == source) {
			fill_entry(&b->kills[i], scope, source, reason);
			return 1;
		}
	}
	if (b->n_kills >= limit)
		return -ENOSPC;
	fill_entry(&b->kills[b->n_kills++], scope, source, reason);
	return 0;
}

int rg_kill_apply(struct rg_kill_seg *s, const struct rg_kill_scope *scope, uint8_t source, const char *reason,
		  char *err, size_t errlen)
{
	struct wctx *w;
	int rc;

	if ((rc = check_scope(scope, err, errlen)) != 0)
		return rc;
	if (source < RG_KSRC_RISKCTL || source > RG_KSRC_REDIS_LOSS) {
		snprintf(err, errlen, "invalid kill source %u", source);
		return -EINVAL;
	}
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	rc = body_put(&w->b, scope, source, reason);
	if (rc >= 0)
		writer_publish(s, &w->b, &w->old);
	else
		snprintf(err, errlen, "%s: kill table full (%u entries; %u kept for instance-wide kills)", s->name,
			 RG_KILL_MAX, RG_KILL_INSTANCE_RESERVE);
	writer_end(s, w);
	return rc;
}

/* Removes entries matching (scope or any, source in mask); returns how many. */
static int body_remove(struct body *b, const struct rg_kill_scope *scope, unsigned mask)
{
	uint32_t out = 0;
	int removed = 0;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		const struct rg_kill_entry *e = &b->kills[i];
		if ((scope == NULL || same_scope(e, scope)) && (mask & RG_KSRC_MASK(e->source)) != 0)
			removed++;
		else
			b->kills[out++] = *e;
	}
	b->n_kills = out;
	return removed;
}

int rg_kill_lift(struct rg_kill_seg *s, const struct rg_kill_scope *scope, unsigned source_mask, char *err,
		 size_t errlen)
{
	struct wctx *w;
	int rc;

	if (scope != NULL && (rc = check_scope(scope, err, errlen)) != 0)
		return rc;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	rc = body_remove(&w->b, scope, source_mask);
	if (rc > 0 || (kw_load64(&s->shm->generation) & 1))
		writer_publish(s, &w->b, &w->old);
	writer_end(s, w);
	return rc;
}

/* Whether the kills of `source` in b are exactly want[0..n). */
static bool source_matches(const struct body *b, uint8_t source, const struct rg_kill_want *want, uint32_t n)
{
	uint32_t have = 0;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		const struct rg_kill_entry *e = &b->kills[i];
		bool found = false;
		if (e->source != source)
			continue;
		have++;
		for (uint32_t j = 0; j < n && !found; j++) {
			char reason[RG_KILL_REASON_MAX];
			copy_reason(reason, want[j].reason);
			found = same_scope(e, &want[j].scope) && strncmp(e->reason, reason, sizeof(reason)) == 0;
		}
		if (!found)
			return false;
	}
	return have == n;
}

int rg_kill_replace_source(struct rg_kill_seg *s, uint8_t source, const struct rg_kill_want *want, uint32_t n,
			   char *err, size_t errlen)
{
	struct wctx *w;
	struct body *b;
	int rc = 0;

	if (s->shm == NULL) {
		snprintf(err, errlen, "kill segment not attached");
		return -EBADF;
	}
	for (uint32_t j = 0; j < n; j++)
		if ((rc = check_scope(&want[j].scope, err, errlen)) != 0)
			return rc;
	if ((b = malloc(sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = rg_kill_list(s, b->kills, RG_KILL_MAX, &b->n_kills, NULL) == 0 && source_matches(b, source, want, n);
	free(b);
	if (rc)
		return 0;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	if (!source_matches(&w->b, source, want, n) || (kw_load64(&s->shm->generation) & 1)) {
		/* Kills that stay keep their time and writer: "since" holds. */
		body_remove(&w->b, NULL, RG_KSRC_MASK(source));
		for (uint32_t j = 0; j < n && rc >= 0; j++) {
			const struct rg_kill_entry *prev = NULL;
			char reason[RG_KILL_REASON_MAX];
			copy_reason(reason, want[j].reason);
			for (uint32_t i = 0; i < w->old.n_kills && prev == NULL; i++)
				if (w->old.kills[i].source == source && same_scope(&w->old.kills[i], &want[j].scope) &&
				    strncmp(w->old.kills[i].reason, reason, sizeof(reason)) == 0)
					prev = &w->old.kills[i];
			rc = body_put(&w->b, &want[j].scope, source, want[j].reason);
			if (rc == 0 && prev != NULL)
				w->b.kills[w->b.n_kills - 1] = *prev;
		}
		if (rc >= 0) {
			writer_publish(s, &w->b, &w->old);
			rc = 1;
		} else {
			snprintf(err, errlen, "%s: kill table full (%u entries)", s->name, RG_KILL_MAX);
		}
	}
	writer_end(s, w);
	return rc;
}

/* ---- commands -------------------------------------------------------------- */

static int check_cmd(const struct rg_kill_cmd *c, char *err, size_t errlen)
{
	struct rg_kill_scope scope;
	uint8_t want = 0;

	switch (c->kind) {
	case RG_KCMD_SET_STATE:
		if (c->scope != RG_SCOPE_INSTANCE && c->scope != RG_SCOPE_ACCOUNT && c->scope != RG_SCOPE_STRATEGY &&
		    c->scope != RG_SCOPE_SYMBOL) {
			snprintf(err, errlen, "set-state applies to the instance, an account, a strategy or a symbol");
			return -EINVAL;
		}
		if (c->state > RG_STATE_HALTED) {
			snprintf(err, errlen, "invalid trading state %u", c->state);
			return -EINVAL;
		}
		want = c->scope;
		break;
	case RG_KCMD_RESUME_THROTTLE: want = RG_SCOPE_STRATEGY; break;
	case RG_KCMD_RESET_BREAKER: want = RG_SCOPE_VENUE; break;
	case RG_KCMD_SET_REFERENCE:
		want = RG_SCOPE_SYMBOL;
		if (c->price_e8 <= 0) {
			snprintf(err, errlen, "a reference price must be greater than 0");
			return -EINVAL;
		}
		break;
	case RG_KCMD_RELOAD:
		if (!text_ok(c->path, sizeof(c->path))) {
			snprintf(err, errlen, "config path longer than %u bytes", RG_KILL_PATH_MAX - 1);
			return -EINVAL;
		}
		return 0;
	default:
		snprintf(err, errlen, "unknown request kind %u", c->kind);
		return -EINVAL;
	}
	if (c->scope != want) {
		snprintf(err, errlen, "%s applies to a %s", rg_kill_cmd_str(c->kind), rg_kill_scope_kind_str(want));
		return -EINVAL;
	}
	scope.kind = c->scope;
	memcpy(scope.name, c->name, sizeof(scope.name));
	return text_ok(c->name, sizeof(c->name)) ? check_scope(&scope, err, errlen) : -EINVAL;
}

int rg_kill_request(struct rg_kill_seg *s, struct rg_kill_cmd *cmd, char *err, size_t errlen)
{
	struct rg_kill_shared *shm;
	struct wctx *w;
	uint64_t done, g;
	int rc;

	if ((rc = check_cmd(cmd, err, errlen)) != 0)
		return rc;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	shm = s->shm;
	done = __atomic_load_n(&shm->cmd_done, __ATOMIC_ACQUIRE);
	if (w->b.cmd_head - done >= RG_KILL_CMD_MAX) {
		snprintf(err, errlen, "%s: %u requests are waiting for the engine (is it running?)", s->name,
			 RG_KILL_CMD_MAX);
		writer_end(s, w);
		return -EAGAIN;
	}
	cmd->seq = ++w->b.cmd_head;
	cmd->time_ns = rg_clock_ns(CLOCK_REALTIME);
	cmd->uid = (uint32_t)getuid();
	cmd->pid = (int32_t)getpid();
	memset(cmd->pad0, 0, sizeof(cmd->pad0));
	memset(cmd->pad1, 0, sizeof(cmd->pad1));
	/* The slot is written inside the update, so a reader's copy of it is
	 * checked by the same generation as cmd_head. */
	g = kw_load64(&shm->generation);
	if ((g & 1) == 0)
		__atomic_store_n(&shm->generation, g + 1, __ATOMIC_RELAXED);
	kw_store(&shm->cmds[(cmd->seq - 1) % RG_KILL_CMD_MAX], cmd, sizeof(*cmd));
	writer_publish(s, &w->b, &w->old);
	writer_end(s, w);
	return 0;
}

int rg_kill_result(const struct rg_kill_seg *s, uint64_t seq, struct rg_kill_result *out)
{
	const struct rg_kill_result *slot;

	if (seq == 0 || __atomic_load_n(&s->shm->cmd_done, __ATOMIC_ACQUIRE) < seq)
		return -EINPROGRESS;
	slot = &s->shm->results[(seq - 1) % RG_KILL_CMD_MAX];
	kw_load(out, slot, sizeof(*out));
	if (out->seq != seq || kw_load64(&slot->seq) != seq)
		return -ESTALE;
	out->message[sizeof(out->message) - 1] = '\0';
	return 0;
}
