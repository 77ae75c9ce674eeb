/*
 * The engine's audit journal lifecycle (engine_journal.h): at start the
 * writer is created on the configured directory, a crashed engine's records
 * are written out and the day's journal is replayed into the risk state
 * (engine_recovery.c), the writer thread starts on its core, and the start
 * records go in (ENGINE_START, CONFIG_LOADED with the file's SHA-256, NAME
 * for every strategy, account, symbol and venue, the snapshots of what the
 * engine carries).  About once a second the heartbeat refreshes the
 * journal's realtime offset and, after a trading-day roll, journals the
 * names and snapshots again so that each day's file is enough to recover
 * from.  At close ENGINE_STOP goes in and the writer
 * drains, syncs and stops.
 *
 * Cold path only, except where engine_journal.h's inline hooks call in
 * (rg_ej_state_changes, on a state change).
 */
#include "engine_journal.h"

#include "log_line.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "checkpointer.h"
#include "clock.h"
#include "engine_recovery.h"
#include "risk_checkpoint.h"

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif

#define CLOCK_EVERY_NS 1000000000ull

/* mkdir -p of the journal directory's parents (the writer creates the last level). */
static int make_parents(const char *dir, char *err, size_t errlen)
{
	char path[RG_PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST) {
			int rc = -errno;
			snprintf(err, errlen, "journal directory %s: cannot create %s: %s", dir, path, strerror(-rc));
			return rc;
		}
		*p = '/';
	}
	return 0;
}

/* SHA-256 of the file's bytes. */
int rg_file_sha256(const char *path, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[8192];
	unsigned int len = 0;
	ssize_t n;
	int fd, rc = 0;

	if (ctx == NULL)
		return -ENOMEM;
	char why[256];

	fd = rg_config_open_file(path, why, sizeof(why)); /* never blocks on a FIFO swapped in */
	if (fd < 0) {
		EVP_MD_CTX_free(ctx);
		return fd;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0)
		rc = -errno;
	EVP_DigestFinal_ex(ctx, out, &len);
	close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static void engine_body(const struct rg_engine *e, struct rg_jbody_engine *b, uint8_t cause, const char *detail)
{
	char host[64] = "";

	memset(b, 0, sizeof(*b));
	b->pid = (int32_t)getpid();
	b->uid = (uint32_t)getuid();
	b->abi_version = RG_ABI_VERSION;
	b->config_generation = (uint32_t)e->inst.ctl->config_generation;
	b->cause = cause;
	rg_jtext(b->version, sizeof(b->version), RG_VERSION);
	gethostname(host, sizeof(host) - 1);
	rg_jtext(b->host, sizeof(b->host), host);
	rg_jtext(b->detail, sizeof(b->detail), detail);
}

static bool name_record(struct rg_engine *e, uint64_t now, uint8_t what, uint32_t index, const char *name)
{
	struct rg_jbody_name b;

	memset(&b, 0, sizeof(b));
	b.index = index;
	b.what = what;
	rg_jtext(b.name, sizeof(b.name), name);
	/* A strategy's report numbering, so that each day's file continues it. */
	if (what == RG_JNAME_STRATEGY && index < e->inst.n_sessions)
		b.next_report_seq = e->inst.sessions[index].next_report_seq;
	return rg_journal_name_record(&e->journal, now, RG_JREC_NONE, RG_JREC_NONE, &b);
}

/* NAME records for every strategy, account, symbol and venue: at start and at each day roll. */
static bool name_records(struct rg_engine *e, uint64_t now)
{
	const struct rg_config *cfg = e->cfg;
	bool ok = true;

	for (uint32_t i = 0; i < cfg->n_strategies; i++)
		ok &= name_record(e, now, RG_JNAME_STRATEGY, i, cfg->strategies[i].name);
	for (uint32_t i = 0; i < cfg->n_accounts; i++)
		ok &= name_record(e, now, RG_JNAME_ACCOUNT, i, cfg->accounts[i].name);
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		ok &= name_record(e, now, RG_JNAME_SYMBOL, i, cfg->symbols[i].name);
	for (uint32_t i = 0; i < cfg->n_venues; i++)
		ok &= name_record(e, now, RG_JNAME_VENUE, i, cfg->venues[i].name);
	return ok;
}

static bool start_records(struct rg_engine *e, const char *config_path, uint64_t now, uint8_t cause,
			  const char *detail)
{
	struct rg_jbody_engine eb;
	struct rg_jbody_config cb;
	bool ok;

	engine_body(e, &eb, cause, detail);
	ok = rg_journal_engine_start(&e->journal, now, RG_JREC_NONE, RG_JREC_NONE, &eb);
	memset(&cb, 0, sizeof(cb));
	if (config_path != NULL && rg_file_sha256(config_path, cb.sha256) != 0)
		memset(cb.sha256, 0, sizeof(cb.sha256));
	cb.generation = (uint32_t)e->inst.ctl->config_generation;
	rg_jtext_tail(cb.path, sizeof(cb.path), config_path != NULL ? config_path : "");
	ok &= rg_journal_config_loaded(&e->journal, now, RG_JREC_NONE, RG_JREC_NONE, &cb);
	return ok && name_records(e, now);
}

int rg_engine_journal_start(struct rg_engine *e, const char *config_path, uint64_t now_ns, char *err,
			    size_t errlen)
{
	const struct rg_config *cfg = e->cfg;
	struct rg_journal_writer_cfg wc;
	struct rg_engine_recovery *rv;
	uint64_t now_real = rg_real_ns();
	char detail[32];
	int rc;

	rv = calloc(1, sizeof(*rv));
	if (rv == NULL)
		return -ENOMEM;
	e->recovery = rv;
	rv->now_ns = now_ns;
	rv->ckpt_enabled = cfg->journal.checkpoint_every_records != 0;
	if (config_path != NULL && rg_file_sha256(config_path, rv->config_sha256) != 0)
		memset(rv->config_sha256, 0, sizeof(rv->config_sha256));
	rc = make_parents(cfg->journal.dir, err, errlen);
	if (rc != 0)
		return rc;
	memset(&wc, 0, sizeof(wc));
	wc.dir = cfg->journal.dir;
	wc.day_start_utc_s = cfg->day_start_utc_s;
	wc.retention_days = cfg->journal.retention_days;
	wc.fsync_interval_ns = cfg->journal.fsync_interval_ns;
	wc.cpu = cfg->journal.core;
	wc.from_checkpoint = rv->ckpt_enabled;
	rc = rg_journal_writer_create(&e->journal_writer, &e->journal, &wc, err, errlen);
	if (rc != 0)
		return rc;
	rg_journal_set_clock(&e->journal, now_ns, now_real);
	rc = rg_journal_recover_from(e->journal_writer, now_real, rv->ckpt_enabled ? rg_risk_ckpt_resume : NULL,
				     rg_engine_replay, e, &rv->rec, err, errlen);
	if (rc != 0) {
		if (rc == -EBADMSG)
			snprintf(err + strlen(err), errlen - strlen(err),
				 " (move the file aside: riskctl audit verify names the problem)");
		return rc;
	}
	rg_engine_recovery_finish(e, now_ns, now_real);
	rc = rg_journal_writer_start(e->journal_writer);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the journal writer thread: %s", strerror(-rc));
		return rc;
	}
	if (rv->ckpt_forged_seq != 0)
		rg_log(RG_LOG_ERROR,
		       "riskgate: journal: checkpoint %s is not the one the journal recorded at sequence %llu (its digest "
		       "differs): the state came from a changed file; remove it and restart, and treat it as tampering",
		       rv->ckpt_name, (unsigned long long)rv->ckpt_forged_seq);
	if (rv->ckpt_enabled) {
		char why[320];
		rc = rg_checkpointer_start(&e->checkpointer, e, rv->config_sha256, why, sizeof(why));
		if (rc != 0)
			rg_log(RG_LOG_WARN, "riskgate: journal: %s: no checkpoints this run", why);
	}
	/* A run that did not end with ENGINE_STOP (or left records in the ring) crashed. */
	uint64_t covered = rv->ckpt_records + rv->rec.records;
	bool crashed = rv->rec.flushed != 0 || (covered != 0 && rv->last_type != RG_JREC_ENGINE_STOP);
	snprintf(detail, sizeof(detail), "replayed %llu", (unsigned long long)rv->rec.records);
	if (!start_records(e, config_path, now_ns, crashed ? RG_JENGINE_START_RECOVERED : RG_JENGINE_START_CLEAN,
			   detail) ||
	    !rg_engine_journal_snapshots(e, now_ns) ||
	    (rv->ckpt_seq != 0 && !rg_journal_checkpoint(&e->journal, now_ns, RG_JREC_NONE, RG_JREC_NONE, &rv->ckpt_journal))) {
		snprintf(err, errlen, "the journal ring %s has no room for the start records", e->journal.name);
		return -ENOSPC;
	}
	e->next_clock_ns = now_ns + CLOCK_EVERY_NS;
	e->journal_day = e->risk->day_index;
	e->journal_started = true;
	if (covered != 0 || rv->rec.flushed != 0) {
		char from[128] = "";
		if (rv->ckpt_records != 0)
			snprintf(from, sizeof(from), " after checkpoint %s (%llu records)", rv->ckpt_name,
				 (unsigned long long)rv->ckpt_records);
		rg_log(RG_LOG_INFO,
			"riskgate: journal %s: %s; wrote %llu record(s) left in the ring, replayed %llu of "
			"journal-%08u.rgj%s (%llu decisions, %llu fills); %llu open order(s) carried, %u kill(s) in force",
			cfg->journal.dir, crashed ? "recovered after a crash" : "clean restart",
			(unsigned long long)rv->rec.flushed, (unsigned long long)rv->rec.records, rv->rec.date, from,
			(unsigned long long)rv->decisions, (unsigned long long)rv->fills, (unsigned long long)rv->unknown,
			rv->kills.n);
	}
	return 0;
}

void rg_engine_journal_tick(struct rg_engine *e, uint64_t now_ns)
{
	if (e->journal_writer == NULL || now_ns < e->next_clock_ns)
		return;
	/* A (monotonic, realtime) pair read together: the hot path's stamps follow the wall clock. */
	uint64_t mono = rg_mono_ns(), real = rg_real_ns();
	rg_journal_set_clock(&e->journal, mono, real);
	e->next_clock_ns = now_ns + CLOCK_EVERY_NS;
	/* The day's file must be enough to recover from: after a roll (here, or by
	 * the order path at its estimate) it gets the names and the carried state. */
	if (rg_risk_day_of(e->risk, real) > e->risk->day_index)
		rg_risk_roll_day(e->risk, mono, real);
	if (e->risk->day_index != e->journal_day) {
		e->journal_day = e->risk->day_index;
		if (!name_records(e, mono) || !rg_engine_journal_snapshots(e, mono))
			rg_ej_refused(e);
	}
	/* A checkpoint the thread wrote goes into the chain; with no room to
	 * spare (orders would be refused) it is left out: not a record anything
	 * depends on. */
	struct rg_jbody_checkpoint ck;
	if (e->checkpointer != NULL && rg_journal_admit(&e->journal, 1) && rg_checkpointer_take(e->checkpointer, &ck))
		rg_journal_checkpoint(&e->journal, mono, RG_JREC_NONE, RG_JREC_NONE, &ck);
	if (e->journal_failed && !e->journal_failed_reported) {
		struct rg_journal_status_view v;
		char line[256];
		e->journal_failed_reported = true;
		rg_journal_status_read(&e->journal, &v);
		rg_engine_log_at(&e->log, RG_LOG_ERROR, "riskgate: journal ring full, a record was refused: trading HALTED (journal: %s)",
			rg_journal_status_str(&v, line, sizeof(line)));
	}
}

void rg_engine_journal_stop(struct rg_engine *e, uint8_t cause)
{
	struct rg_jbody_engine eb;
	int rc;

	if (e->journal_writer != NULL) {
		engine_body(e, &eb, cause, cause == RG_JENGINE_STOP_SIGNAL ? "signal" : "start-up failed");
		if (e->journal_started &&
		    !rg_journal_engine_stop(&e->journal, rg_mono_ns(), RG_JREC_NONE, RG_JREC_NONE, &eb))
			rg_log(RG_LOG_ERROR, "riskgate: journal ring full: ENGINE_STOP not journaled");
		rc = rg_journal_writer_stop(e->journal_writer);
		if (rc != 0)
			rg_log(RG_LOG_ERROR, "riskgate: journal: %s: records stay in the ring %s for the next start",
				strerror(-rc), e->journal.name);
		/* Everything is in the file: the last checkpoint covers it all. */
		rg_checkpointer_stop(e->checkpointer, rc == 0 && e->journal_started);
		e->checkpointer = NULL;
		rg_journal_writer_destroy(e->journal_writer);
		e->journal_writer = NULL;
		if (rc == 0 && rg_journal_written(&e->journal) == rg_journal_next_seq(&e->journal) &&
		    e->journal.shared != NULL)
			rg_journal_unlink(e->cfg->instance); /* everything is in the files */
	}
	free(e->recovery);
	e->recovery = NULL;
}

void rg_ej_state_changes(struct rg_engine *e, uint16_t venue, const struct rg_order_route *route,
			 const struct rg_ej_watch *before, uint64_t now_ns)
{
	struct rg_ej_watch after;
	struct rg_jbody_state b;

	rg_ej_watch_read(e, venue, route, &after);
	if (after.breaker != before->breaker) {
		memset(&b, 0, sizeof(b));
		b.entity = RG_JENTITY_BREAKER;
		b.entity_id = venue;
		b.old_state = before->breaker;
		b.new_state = after.breaker;
		b.cause = after.breaker == RG_BREAKER_CLOSED ? RG_JCAUSE_VENUE_SUCCESS : RG_JCAUSE_VENUE_FAILURE;
		b.value = e->risk->venues[venue].breaker.consecutive;
		b.limit = e->risk->venues[venue].breaker.consecutive_limit;
		b.reason = after.breaker == RG_BREAKER_CLOSED ? 0 : RG_REJ_CIRCUIT_OPEN;
		if (!rg_journal_state_change(&e->journal, now_ns, RG_JREC_NONE, RG_JREC_NONE, &b))
			rg_ej_refused(e);
	}
	if (route == NULL)
		return;
	uint32_t account = rg_ej_account_of(e, route->strategy);
	if (after.loss != before->loss) {
		const struct rg_account_state *a = &e->risk->accounts[account];
		memset(&b, 0, sizeof(b));
		b.entity = RG_JENTITY_ACCOUNT_LOSS;
		b.entity_id = account;
		b.old_state = before->loss;
		b.new_state = after.loss;
		b.reason = a->loss_reason;
		b.cause = a->loss_reason == RG_REJ_DRAWDOWN ? RG_JCAUSE_DRAWDOWN : RG_JCAUSE_LOSS_LIMIT;
		b.value = a->day_pnl_e8;
		b.limit = a->loss_reason == RG_REJ_DRAWDOWN ? a->drawdown_limit_e8 : a->loss_limit_e8;
		if (!rg_journal_state_change(&e->journal, now_ns, RG_JREC_NONE, account, &b))
			rg_ej_refused(e);
	}
	if (after.throttle != before->throttle) {
		memset(&b, 0, sizeof(b));
		b.entity = RG_JENTITY_THROTTLE;
		b.entity_id = route->strategy;
		b.old_state = before->throttle ? RG_STATE_HALTED : RG_STATE_ACTIVE;
		b.new_state = after.throttle ? RG_STATE_HALTED : RG_STATE_ACTIVE;
		b.cause = RG_JCAUSE_EXEC_THROTTLE;
		b.reason = RG_REJ_EXECUTION_THROTTLE;
		b.limit = e->cfg->strategies[route->strategy].exec_throttle_fills;
		if (!rg_journal_state_change(&e->journal, now_ns, route->strategy, account, &b))
			rg_ej_refused(e);
	}
}
