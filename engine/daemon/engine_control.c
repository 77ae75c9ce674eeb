/*
 * Operator control in the engine (engine_control.h).  Everything here is
 * cold: it runs at open, at close, and on the pass after the kill segment's
 * generation moved.  A kill is known by its scope, name and source; the list
 * of the last applied snapshot tells which kills are new (journaled KILL,
 * their open orders cancelled when cancel_on_kill), renewed (a writer stamped
 * it again: journaled KILL again) or gone (journaled RESUME).  Requests are
 * carried out in order through the risk_events.h controls and answered with
 * what was done, each change journaled as a STATE_CHANGE.
 */
#include "engine_control.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "append.h"
#include "engine.h"
#include "engine_state.h"
#include "mass_cancel.h"

_Static_assert(RG_RSCOPE_INSTANCE == (int)RG_SCOPE_INSTANCE && RG_RSCOPE_ACCOUNT == (int)RG_SCOPE_ACCOUNT &&
		       RG_RSCOPE_STRATEGY == (int)RG_SCOPE_STRATEGY && RG_RSCOPE_SYMBOL == (int)RG_SCOPE_SYMBOL &&
		       RG_RSCOPE_VENUE == (int)RG_SCOPE_VENUE,
	       "risk scopes are numbered as the kill segment's");
_Static_assert(RG_JSCOPE_INSTANCE == (int)RG_SCOPE_INSTANCE && RG_JSCOPE_VENUE == (int)RG_SCOPE_VENUE,
	       "journal scopes are numbered as the kill segment's");

#define OPEN_SNAPSHOT_TRIES 2000 /* at open, 1 ms apart: a writer holds the lock for microseconds */

/* The index of the thing a scope names in the engine's config; -ENOENT when it serves no such thing. */
static int scope_index(const struct rg_config *cfg, uint8_t kind, const char *name)
{
	switch (kind) {
	case RG_SCOPE_INSTANCE: return 0;
	case RG_SCOPE_ACCOUNT: return rg_config_account_index(cfg, name);
	case RG_SCOPE_STRATEGY: return rg_config_strategy_index(cfg, name);
	case RG_SCOPE_SYMBOL: return rg_config_symbol_index(cfg, name);
	case RG_SCOPE_VENUE: return rg_config_venue_index(cfg, name);
	}
	return -ENOENT;
}

/* The journal header's strategy and account fields of a scope. */
static void scope_owner(const struct rg_config *cfg, uint8_t kind, int index, uint32_t *strategy, uint32_t *account)
{
	*strategy = RG_JREC_NONE;
	*account = RG_JREC_NONE;
	if (kind == RG_SCOPE_STRATEGY && index >= 0) {
		*strategy = (uint32_t)index;
		*account = cfg->strategies[index].account;
	} else if (kind == RG_SCOPE_ACCOUNT && index >= 0) {
		*account = (uint32_t)index;
	}
}

static uint8_t journal_source(uint8_t source)
{
	return source == RG_KSRC_RISKCTL ? RG_JSOURCE_RISKCTL : RG_JSOURCE_REDIS;
}

/* ---- kills ----------------------------------------------------------------- */

static void journal_kill(struct rg_engine *e, bool kill, const struct rg_kill_entry *k, int index, uint32_t uid,
			 int32_t pid, const char *reason, uint64_t now_ns)
{
	struct rg_jbody_kill b;
	uint32_t strategy, account;

	memset(&b, 0, sizeof(b));
	b.scope_id = index >= 0 ? (uint32_t)index : UINT32_MAX;
	b.uid = uid;
	b.pid = pid;
	b.scope = k->scope;
	b.source = journal_source(k->source);
	rg_jtext(b.reason, sizeof(b.reason), reason);
	scope_owner(e->cfg, k->scope, index, &strategy, &account);
	if (!(kill ? rg_journal_kill : rg_journal_resume)(&e->journal, now_ns, strategy, account, &b))
		rg_engine_log_at(&e->log, RG_LOG_ERROR, "riskgate: the audit journal is full: a %s was not journaled", kill ? "kill" : "resume");
}

static const struct rg_applied_kill *find_applied(const struct rg_engine_control *c, const struct rg_kill_entry *k)
{
	for (uint32_t i = 0; i < c->n_applied; i++)
		if (c->applied[i].scope == k->scope && c->applied[i].source == k->source &&
		    strcmp(c->applied[i].name, k->name) == 0)
			return &c->applied[i];
	return NULL;
}

static bool in_snapshot(const struct rg_kill_snapshot *s, const struct rg_applied_kill *a)
{
	for (uint32_t i = 0; i < s->n_kills; i++)
		if (s->kills[i].scope == a->scope && s->kills[i].source == a->source && strcmp(s->kills[i].name, a->name) == 0)
			return true;
	return false;
}

static void cancel_in_scope(struct rg_engine *e, const struct rg_kill_entry *k, int index, const char *what,
			    uint64_t now_ns)
{
	static const enum rg_cancel_scope by_kind[] = {
		[RG_SCOPE_INSTANCE] = RG_CANCEL_ALL,       [RG_SCOPE_ACCOUNT] = RG_CANCEL_ACCOUNT,
		[RG_SCOPE_STRATEGY] = RG_CANCEL_STRATEGY, [RG_SCOPE_SYMBOL] = RG_CANCEL_SYMBOL,
		[RG_SCOPE_VENUE] = RG_CANCEL_VENUE,
	};
	struct rg_cancel_retry *retry = NULL;
	unsigned missed = 0, n;

	for (uint32_t i = 0; i < RG_KILL_CANCEL_RETRIES; i++) {
		struct rg_cancel_retry *r = &e->control.kill_cancels[i];
		if (r->next_ns != 0 && r->scope == (uint8_t)by_kind[k->scope] && r->index == (uint32_t)index)
			retry = r; /* the same scope killed again: one retry */
		else if (retry == NULL && r->next_ns == 0)
			retry = r;
	}
	n = rg_engine_cancel_retrying(e, retry, by_kind[k->scope], (uint32_t)index, now_ns, &missed);
	if (missed != 0)
		rg_engine_logf(&e->log,
			       "riskgate: kill %s: cancel_on_kill cancelled %u open order(s); %u found a venue request ring "
			       "full (the mass cancel above)",
			       what, n, missed);
	else if (n != 0)
		rg_engine_logf(&e->log, "riskgate: kill %s: cancel_on_kill cancelled %u open order(s)", what, n);
}

static void run_pending(struct rg_engine *e, uint64_t now_ns);

/* A reload the signal asked for joins the operators' requests as one with
 * no number (seq 0: answered in the log only). */
static void take_reload_signal(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;
	struct rg_reload_signal *s = c->reload_signal;
	struct rg_kill_cmd *cmd;

	if (__atomic_load_n(&s->asked, __ATOMIC_RELAXED) == 0 || __atomic_exchange_n(&s->asked, 0, __ATOMIC_ACQUIRE) == 0)
		return; /* a plain load each tick; the locked exchange only when asked */
	if (c->n_pending >= RG_KILL_CMD_MAX) {
		rg_engine_logf(&e->log, "riskgate: SIGHUP from pid %d: reload refused: %u requests are waiting",
			       __atomic_load_n(&s->pid, __ATOMIC_RELAXED), c->n_pending);
		return;
	}
	cmd = &c->pending[c->n_pending++];
	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = RG_KCMD_RELOAD;
	cmd->pid = __atomic_load_n(&s->pid, __ATOMIC_RELAXED);
	cmd->uid = (uint32_t)__atomic_load_n(&s->uid, __ATOMIC_RELAXED);
	run_pending(e, now_ns);
}

void rg_engine_control_tick(struct rg_engine *e, uint64_t now_ns)
{
	for (uint32_t i = 0; i < RG_KILL_CANCEL_RETRIES; i++)
		rg_cancel_retry_tick(e, &e->control.kill_cancels[i], now_ns);
	if (e->control.reload_signal != NULL)
		take_reload_signal(e, now_ns);
}

void rg_engine_watch_reload_signal(struct rg_engine *e, struct rg_reload_signal *s)
{
	e->control.reload_signal = s;
}

static void apply_kills(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;
	const struct rg_kill_snapshot *s = c->snap;
	const struct rg_kill_writer_note *lifter = rg_kill_snapshot_writer(s);
	uint32_t n = 0;
	char what[RG_KILL_NAME_MAX + 16];

	for (uint32_t i = 0; i < s->n_kills; i++) {
		int x = scope_index(e->cfg, s->kills[i].scope, s->kills[i].name);
		if (x >= 0)
			c->scopes[n++] = (struct rg_risk_scope){s->kills[i].scope, (uint32_t)x};
	}
	rg_risk_set_kills(e->risk, c->scopes, n);
	__atomic_store_n(&e->inst.ctl->kill_active, (uint32_t)e->risk->kill, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < s->n_kills; i++) {
		const struct rg_kill_entry *k = &s->kills[i];
		const struct rg_applied_kill *was = find_applied(c, k);
		int x;

		if (was != NULL && was->time_ns == k->time_ns)
			continue;
		x = scope_index(e->cfg, k->scope, k->name);
		rg_kill_scope_format(what, sizeof(what), k->scope, k->name);
		rg_engine_log_at(&e->log, RG_LOG_WARN, "riskgate: KILL %s%s by %s (uid %u, pid %d): %s%s", what, was != NULL ? " renewed" : "",
			rg_kill_source_str(k->source), k->uid, (int)k->pid, k->reason,
			x < 0 ? " (names nothing this engine serves: no order is affected)" : "");
		journal_kill(e, true, k, x, k->uid, k->pid, k->reason, now_ns);
		if (x >= 0 && e->cfg->cancel_on_kill && k->scope >= RG_SCOPE_INSTANCE && k->scope <= RG_SCOPE_VENUE)
			cancel_in_scope(e, k, x, what, now_ns);
	}
	for (uint32_t i = 0; i < c->n_applied; i++) {
		const struct rg_applied_kill *a = &c->applied[i];
		struct rg_kill_entry k;

		if (in_snapshot(s, a))
			continue;
		memset(&k, 0, sizeof(k));
		k.scope = a->scope;
		k.source = a->source;
		memcpy(k.name, a->name, sizeof(k.name));
		rg_kill_scope_format(what, sizeof(what), a->scope, a->name);
		if (lifter != NULL)
			rg_engine_logf(&e->log, "riskgate: RESUME %s (%s kill lifted by uid %u, pid %d)", what,
				rg_kill_source_str(a->source), lifter->uid, (int)lifter->pid);
		else
			rg_engine_logf(&e->log, "riskgate: RESUME %s (%s kill lifted; several updates at once, lifter unknown)",
				what, rg_kill_source_str(a->source));
		journal_kill(e, false, &k, scope_index(e->cfg, a->scope, a->name), lifter != NULL ? lifter->uid : UINT32_MAX,
			     lifter != NULL ? lifter->pid : 0, "kill lifted", now_ns);
	}
	for (uint32_t i = 0; i < s->n_kills; i++) {
		c->applied[i].scope = s->kills[i].scope;
		c->applied[i].source = s->kills[i].source;
		c->applied[i].time_ns = s->kills[i].time_ns;
		memcpy(c->applied[i].name, s->kills[i].name, sizeof(c->applied[i].name));
	}
	c->n_applied = s->n_kills;
}

/* ---- requests -------------------------------------------------------------- */

static void journal_state_why(struct rg_engine *e, uint64_t now_ns, uint8_t cause, uint8_t entity, uint8_t kind,
			      int index, uint8_t old_state, uint8_t new_state, int64_t value, int64_t limit)
{
	struct rg_jbody_state b;
	uint32_t strategy, account;

	memset(&b, 0, sizeof(b));
	b.entity = entity;
	b.entity_id = (uint32_t)index;
	b.old_state = old_state;
	b.new_state = new_state;
	b.cause = cause;
	b.value = value;
	b.limit = limit;
	scope_owner(e->cfg, kind, index, &strategy, &account);
	if (!rg_journal_state_change(&e->journal, now_ns, strategy, account, &b))
		rg_engine_logf(&e->log, "riskgate: the audit journal is full: a state change was not journaled");
}

static void journal_state(struct rg_engine *e, uint64_t now_ns, uint8_t entity, uint8_t kind, int index,
			  uint8_t old_state, uint8_t new_state, int64_t value, int64_t limit)
{
	journal_state_why(e, now_ns, RG_JCAUSE_OPERATOR, entity, kind, index, old_state, new_state, value, limit);
}

/* The entries a reload changed: a STATE_CHANGE with cause CONFIG each, their state as it stays. */
static void journal_reload_diff(struct rg_engine *e, const struct rg_reload_job *j, uint64_t now_ns)
{
	for (uint32_t i = 0; i < j->n_diff; i++) {
		const struct rg_reload_diff *d = &j->diff[i];
		uint8_t st = d->entity == RG_JENTITY_SYMBOL     ? e->risk->symbols[d->index].state
			     : d->entity == RG_JENTITY_ACCOUNT  ? e->risk->accounts[d->index].state
			     : d->entity == RG_JENTITY_STRATEGY ? e->risk->strategies[d->index].state
								: e->risk->instance_state;
		journal_state_why(e, now_ns, RG_JCAUSE_CONFIG, d->entity, d->entity /* numbered as scopes */,
				  (int)d->index, st, st, 0, 0);
	}
}

static void format_e8(char *buf, size_t len, int64_t v)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(buf, len, "%s%" PRIu64 ".%08" PRIu64, v < 0 ? "-" : "", m / 100000000u, m % 100000000u);
}

static int set_state(struct rg_engine *e, const struct rg_kill_cmd *c, int x, const char *what, uint64_t now_ns,
		     char *msg, size_t len)
{
	struct rg_risk *r = e->risk;
	uint8_t old;
	bool ok;

	switch (c->scope) {
	case RG_SCOPE_INSTANCE: old = r->instance_state, ok = rg_risk_set_instance_state(r, c->state); break;
	case RG_SCOPE_ACCOUNT: old = r->accounts[x].state, ok = rg_risk_set_account_state(r, (uint32_t)x, c->state); break;
	case RG_SCOPE_STRATEGY: old = r->strategies[x].state, ok = rg_risk_set_strategy_state(r, (uint32_t)x, c->state); break;
	case RG_SCOPE_SYMBOL: old = r->symbols[x].state, ok = rg_risk_set_symbol_state(r, (uint32_t)x, c->state); break;
	default:
		snprintf(msg, len, "set-state applies to the instance, an account, a strategy or a symbol");
		return -EINVAL;
	}
	if (!ok) {
		snprintf(msg, len, "%s: %u is not a trading state", what, c->state);
		return -EINVAL;
	}
	if (c->scope == RG_SCOPE_STRATEGY)
		rg_dead_man_operator_set(&e->dead_man[x]); /* HALTED -> HALTED too: the operator's now */
	journal_state(e, now_ns, c->scope /* RG_JENTITY_INSTANCE..SYMBOL */, c->scope, x, old, c->state, 0, 0);
	snprintf(msg, len, "%s: %s -> %s", what, rg_kill_state_str(old), rg_kill_state_str(c->state));
	return 0;
}

static int run_command(struct rg_engine *e, const struct rg_kill_cmd *c, uint64_t now_ns, char *msg, size_t len)
{
	char what[RG_KILL_NAME_MAX + 16], a[32], b[32];
	int x;

	_Static_assert(RG_JENTITY_INSTANCE == (int)RG_SCOPE_INSTANCE && RG_JENTITY_ACCOUNT == (int)RG_SCOPE_ACCOUNT &&
			       RG_JENTITY_STRATEGY == (int)RG_SCOPE_STRATEGY && RG_JENTITY_SYMBOL == (int)RG_SCOPE_SYMBOL,
		       "state entities are numbered as scopes");
	rg_kill_scope_format(what, sizeof(what), c->scope, c->name);
	x = scope_index(e->cfg, c->scope, c->name);
	if (x < 0) {
		snprintf(msg, len, "%s: this engine serves no such %s", what, rg_kill_scope_kind_str(c->scope));
		return -ENOENT;
	}
	switch (c->kind) {
	case RG_KCMD_SET_STATE:
		return set_state(e, c, x, what, now_ns, msg, len);
	case RG_KCMD_RESUME_THROTTLE: {
		bool latched = e->risk->strategies[x].throttle_latched != 0;
		if (c->scope != RG_SCOPE_STRATEGY)
			break;
		rg_risk_resume_strategy(e->risk, (uint32_t)x);
		journal_state(e, now_ns, RG_JENTITY_THROTTLE, c->scope, x, latched ? RG_STATE_HALTED : RG_STATE_ACTIVE,
			      RG_STATE_ACTIVE, 0, 0);
		snprintf(msg, len, "%s: %s", what,
			 latched ? "execution throttle lifted" : "execution throttle was not latched; its fill history is cleared");
		return 0;
	}
	case RG_KCMD_RESET_BREAKER: {
		static const char *const names[] = {"CLOSED", "OPEN", "HALF_OPEN"};
		uint8_t old;
		if (c->scope != RG_SCOPE_VENUE)
			break;
		old = (uint8_t)rg_breaker_state_at(&e->risk->venues[x].breaker, now_ns);
		rg_risk_reset_breaker(e->risk, (uint32_t)x);
		journal_state(e, now_ns, RG_JENTITY_BREAKER, c->scope, x, old, RG_BREAKER_CLOSED, 0, 0);
		snprintf(msg, len, "%s: breaker %s -> CLOSED", what, old <= 2 ? names[old] : "?");
		return 0;
	}
	case RG_KCMD_SET_REFERENCE: {
		int64_t old;
		if (c->scope != RG_SCOPE_SYMBOL)
			break;
		old = e->risk->symbols[x].ref_price_e8;
		if (c->price_e8 <= 0 || !rg_risk_set_reference(e->risk, (uint32_t)x, c->price_e8, now_ns)) {
			snprintf(msg, len, "%s: the reference price must be > 0", what);
			return -EINVAL;
		}
		/* No record type of its own: a STATE_CHANGE of the symbol whose
		 * state stays, value the new reference and limit the old one. */
		journal_state(e, now_ns, RG_JENTITY_SYMBOL, c->scope, x, e->risk->symbols[x].state,
			      e->risk->symbols[x].state, c->price_e8, old);
		format_e8(a, sizeof(a), old);
		format_e8(b, sizeof(b), c->price_e8);
		snprintf(msg, len, "%s: reference %s -> %s", what, old != 0 ? a : "(none)", b);
		return 0;
	}
	default:
		snprintf(msg, len, "unknown request kind %u", c->kind);
		return -EINVAL;
	}
	snprintf(msg, len, "%s does not apply to %s", rg_kill_cmd_str(c->kind), what);
	return -EINVAL;
}

/* ---- the pass hook and lifetime ------------------------------------------- */

static void answer(struct rg_engine *e, const struct rg_kill_cmd *cmd, int rc, const char *msg)
{
	bool of_file = cmd->kind == RG_KCMD_RELOAD && cmd->path[0] != '\0';

	rg_engine_logf(&e->log, "riskgate: %s%s%.*s%s by uid %u (pid %d): %s%s", rg_kill_cmd_str(cmd->kind),
		       of_file ? " of " : "", of_file ? RG_KILL_PATH_MAX : 0, cmd->path, cmd->seq == 0 ? " (SIGHUP)" : "",
		       cmd->uid, (int)cmd->pid, rc == 0 ? "" : "refused: ", msg);
	rg_kill_command_done(&e->control.reader, cmd->seq, rc, msg);
}

static void start_reload(struct rg_engine *e, const struct rg_kill_cmd *cmd, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;
	const char *path = cmd->path[0] != '\0' ? cmd->path : c->config_path;
	struct timespec rt;

	if (path[0] == '\0') {
		answer(e, cmd, -EINVAL, "this engine does not know its config file: give --config PATH");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	if (!rg_reloader_post(&c->reloader, path, e->cfg, now_ns,
			      (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec)) {
		answer(e, cmd, -EBUSY, "the config reload thread is not running");
		return;
	}
	c->reload_cmd = *cmd;
	snprintf(c->reload_cmd.path, sizeof(c->reload_cmd.path), "%s", path);
	c->reload_busy = true;
}

/* At a pass boundary: swaps in a config the reloader accepted, or keeps the old one. */
static void finish_reload(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;
	struct rg_reload_job *j = &c->reloader.job;
	char msg[RG_KILL_MSG_MAX];

	if (j->rc != 0) {
		answer(e, &c->reload_cmd, j->rc, j->msg);
		rg_engine_logf(&e->log, "riskgate: the engine keeps its config");
	} else {
		struct rg_jbody_config b;
		struct rg_config *old = c->owned_cfg;

		rg_risk_adopt_limits(e->risk, j->risk);
		rg_risk_destroy(j->risk);
		e->cfg = j->cfg; /* same names and shape: every index stays valid */
		c->owned_cfg = j->cfg;
		rg_reload_config_free(old);
		e->inst.ctl->config_generation++;
		memset(&b, 0, sizeof(b));
		memcpy(b.sha256, j->sha256, sizeof(b.sha256));
		b.generation = e->inst.ctl->config_generation;
		b.reload = 1;
		rg_jtext_tail(b.path, sizeof(b.path), c->reload_cmd.path);
		if (!rg_journal_config_loaded(&e->journal, now_ns, RG_JREC_NONE, RG_JREC_NONE, &b))
			rg_engine_logf(&e->log, "riskgate: the audit journal is full: a config load was not journaled");
		journal_reload_diff(e, j, now_ns);
		snprintf(msg, sizeof(msg), "%s", j->msg);
		answer(e, &c->reload_cmd, 0, msg);
	}
	rg_reloader_release(&c->reloader);
	c->reload_busy = false;
}

/* Carries out the requests taken so far, in order, until one is a reload
 * (the rest wait for its answer: answers go out in request order). */
static void run_pending(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;
	char msg[RG_KILL_MSG_MAX];
	uint32_t i = 0;

	while (i < c->n_pending && !c->reload_busy) {
		const struct rg_kill_cmd *cmd = &c->pending[i++];
		int rc;

		if (cmd->kind == RG_KCMD_RELOAD) {
			start_reload(e, cmd, now_ns);
			continue;
		}
		msg[0] = '\0';
		rc = run_command(e, cmd, now_ns, msg, sizeof(msg));
		answer(e, cmd, rc, msg);
	}
	memmove(c->pending, c->pending + i, (c->n_pending - i) * sizeof(c->pending[0]));
	c->n_pending -= i;
}

void rg_engine_control_apply(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_control *c = &e->control;

	if (c->reload_busy && rg_reloader_done(&c->reloader))
		finish_reload(e, now_ns);
	if (rg_kill_changed(&c->reader)) {
		if (rg_kill_snapshot(&c->reader, c->snap) != 0) {
			c->snapshot_retries++; /* a writer is mid-update: the next pass tries again */
		} else {
			apply_kills(e, now_ns);
			for (uint32_t i = 0; i < c->snap->n_cmds && c->n_pending < RG_KILL_CMD_MAX; i++)
				c->pending[c->n_pending++] = c->snap->cmds[i];
			rg_kill_applied(&c->reader);
		}
	}
	run_pending(e, now_ns);
}

void rg_engine_set_config_path(struct rg_engine *e, const char *path)
{
	char abs[PATH_MAX];

	if (realpath(path, abs) == NULL || strlen(abs) >= sizeof(e->control.config_path))
		return; /* a reload then needs --config */
	memcpy(e->control.config_path, abs, strlen(abs) + 1);
}

/* The watcher's lines go where the engine's do (it writes them itself: it is
 * a cold thread). */
static void redis_log(void *ctx, int level, const char *line)
{
	const struct rg_engine_log *l = ctx;

	rg_log_fd(__atomic_load_n(&l->fd, __ATOMIC_RELAXED), level == RG_REDIS_LOG_ALERT ? RG_LOG_WARN : RG_LOG_INFO,
		  "riskgate: redis: %s%s", level == RG_REDIS_LOG_ALERT ? "ALERT: " : "", line);
}

int rg_engine_control_open(struct rg_engine *e, uint64_t now_ns, char *err, size_t errlen)
{
	struct rg_engine_control *c = &e->control;
	int rc, discarded, tries;

	c->base_cfg = e->cfg;
	c->snap = calloc(1, sizeof(*c->snap));
	c->applied = calloc(RG_KILL_MAX, sizeof(*c->applied));
	c->scopes = calloc(RG_KILL_MAX, sizeof(*c->scopes));
	c->pending = calloc(RG_KILL_CMD_MAX, sizeof(*c->pending));
	if (c->snap == NULL || c->applied == NULL || c->scopes == NULL || c->pending == NULL) {
		snprintf(err, errlen, "cannot allocate the kill snapshot");
		return -ENOMEM;
	}
	rc = rg_kill_create(&c->seg, e->cfg->instance, &e->cfg->operators, err, errlen);
	if (rc != 0)
		return rc;
	rc = rg_kill_publish_roster(&c->seg, e->cfg);
	if (rc != 0) {
		snprintf(err, errlen, "kill segment %s: cannot publish the roster: %s", c->seg.name, strerror(-rc));
		return rc;
	}
	discarded = rg_kill_reader_init(&c->reader, &c->seg, true);
	if (discarded < 0) {
		snprintf(err, errlen, "kill segment %s: not writable by the engine", c->seg.name);
		return discarded;
	}
	if (discarded > 0)
		rg_engine_logf(&e->log, "riskgate: %d request(s) queued while no engine ran were refused", discarded);
	/* Kills written while no engine ran are in force before the first order. */
	for (tries = 0; tries < OPEN_SNAPSHOT_TRIES && rg_kill_changed(&c->reader); tries++) {
		struct timespec ms = {0, 1000000};
		rg_engine_control_apply(e, now_ns);
		if (rg_kill_changed(&c->reader))
			nanosleep(&ms, NULL);
	}
	if (rg_kill_changed(&c->reader) && c->reader.seen == UINT64_MAX) {
		snprintf(err, errlen, "kill segment %s: a writer kept it busy; cannot read the kills in force",
			 c->seg.name);
		return -EBUSY;
	}
	rc = rg_reloader_start(&c->reloader, e->cfg->engine_core == 0 ? 1 : 0, err, errlen);
	if (rc != 0)
		return rc;
	if (e->cfg->redis.enabled) {
		struct rg_redis_watch_opts opts = {redis_log, &e->log};
		rc = rg_redis_watch_start(&c->redis, e->cfg, &opts, err, errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void rg_engine_control_close(struct rg_engine *e)
{
	struct rg_engine_control *c = &e->control;

	rg_redis_watch_stop(c->redis);
	c->redis = NULL;
	rg_reloader_stop(&c->reloader);
	if (c->owned_cfg != NULL) {
		e->cfg = c->base_cfg; /* the caller's, which outlives the engine */
		rg_reload_config_free(c->owned_cfg);
		c->owned_cfg = NULL;
	}
	rg_kill_close(&c->seg);
	free(c->snap);
	free(c->applied);
	free(c->scopes);
	free(c->pending);
	c->pending = NULL;
	c->snap = NULL;
	c->applied = NULL;
	c->scopes = NULL;
}
