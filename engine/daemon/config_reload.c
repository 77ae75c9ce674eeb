/*
 * The reload thread (config_reload.h): loads, compares, builds and hashes on
 * the cold core, so the engine thread only copies limits at a pass boundary.
 * It polls its state word every 10 ms: a reload is rare and needs no
 * lower latency, and polling keeps the engine's side free of locks and
 * system calls.
 */
#include "config_reload.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "record.h"

#define POLL_NS 10000000L

void rg_reload_config_free(struct rg_config *cfg)
{
	if (cfg == NULL)
		return;
	rg_config_free(cfg);
	free(cfg);
}

static int sha256_file(const char *path, uint8_t out[32], char *msg, size_t len)
{
	unsigned char buf[65536];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = rg_config_open_file(path, msg, len); /* the loader's checks: never blocks on a FIFO */
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	size_t n;
	int rc = 0;

	if (f == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = fd < 0 ? fd : f == NULL ? -errno : -ENOMEM;
		if (fd >= 0 && f == NULL)
			close(fd);
		if (fd >= 0)
			snprintf(msg, len, "%s: cannot hash: %s", path, strerror(-rc));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	if (ferror(f) || EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		rc = -EIO;
		snprintf(msg, len, "%s: read error while hashing", path);
	}
out:
	if (f != NULL)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return rc;
}

#define REFUSE(...)                                                              \
	do {                                                                     \
		int n_ = snprintf(msg, len, "structural change refused: ");      \
		snprintf(msg + n_, len - (size_t)n_, __VA_ARGS__);               \
		return -EINVAL;                                                  \
	} while (0)

/* 0 when b changes only what a reload may change (config_reload.h); -EINVAL with what else changed. */
static int compare(const struct rg_config *a, const struct rg_config *b, char *msg, size_t len)
{
	if (strcmp(a->instance, b->instance) != 0)
		REFUSE("it is the config of instance '%s', not '%s'", b->instance, a->instance);
	if (a->n_symbols != b->n_symbols || a->n_accounts != b->n_accounts || a->n_strategies != b->n_strategies ||
	    a->n_venues != b->n_venues)
		REFUSE("entries added or removed (symbols %u -> %u, accounts %u -> %u, strategies %u -> %u, venues %u -> %u)",
		       a->n_symbols, b->n_symbols, a->n_accounts, b->n_accounts, a->n_strategies, b->n_strategies,
		       a->n_venues, b->n_venues);
	if (a->engine_core != b->engine_core || a->idle_policy != b->idle_policy || a->lock_memory != b->lock_memory ||
	    a->control_mode != b->control_mode || a->control_gid != b->control_gid ||
	    a->warm_interval_us != b->warm_interval_us)
		REFUSE("the engine section changed");
	if (a->day_start_utc_s != b->day_start_utc_s)
		REFUSE("the trading day's start changed");
	if (memcmp(&a->redis, &b->redis, sizeof(a->redis)) != 0)
		REFUSE("the redis section changed");
	if (a->operators.gid != b->operators.gid || a->operators.mode != b->operators.mode)
		REFUSE("the operators section changed");
	for (uint32_t i = 0; i < a->n_venues; i++)
		if (memcmp(&a->venues[i], &b->venues[i], sizeof(a->venues[i])) != 0)
			REFUSE("venues[%u] (%s) changed: venue settings need a restart", i, a->venues[i].name);
	for (uint32_t i = 0; i < a->n_symbols; i++) {
		const struct rg_symbol_cfg *x = &a->symbols[i], *y = &b->symbols[i];
		if (strcmp(x->name, y->name) != 0)
			REFUSE("symbols[%u] renamed %s -> %s", i, x->name, y->name);
		if (x->venue != y->venue || x->tick_e8 != y->tick_e8 || x->lot_e8 != y->lot_e8)
			REFUSE("symbols[%u] (%s): its venue, tick or lot changed", i, x->name);
	}
	for (uint32_t i = 0; i < a->n_accounts; i++) {
		if (strcmp(a->accounts[i].name, b->accounts[i].name) != 0)
			REFUSE("accounts[%u] renamed %s -> %s", i, a->accounts[i].name, b->accounts[i].name);
		if (a->accounts[i].equity_e8 != b->accounts[i].equity_e8)
			REFUSE("accounts[%u] (%s): its equity changed (start-of-day equity moves with trading)", i,
			       a->accounts[i].name);
	}
	for (uint32_t i = 0; i < a->n_strategies; i++) {
		const struct rg_strategy_cfg *x = &a->strategies[i], *y = &b->strategies[i];
		if (strcmp(x->name, y->name) != 0)
			REFUSE("strategies[%u] renamed %s -> %s", i, x->name, y->name);
		if (x->account != y->account || x->owner_uid != y->owner_uid || x->owner_gid != y->owner_gid ||
		    x->mode != y->mode || x->order_ring_capacity != y->order_ring_capacity ||
		    x->report_ring_capacity != y->report_ring_capacity || x->max_open_orders != y->max_open_orders ||
		    x->exec_throttle_fills != y->exec_throttle_fills || x->dead_man_timeout_ns != y->dead_man_timeout_ns ||
		    x->dead_man_cancel != y->dead_man_cancel)
			REFUSE("strategies[%u] (%s): its account, session, open-order capacity, execution throttle size or "
			       "dead-man settings changed", i, x->name);
	}
	return 0;
}

static bool account_differs(const struct rg_account_cfg *x, const struct rg_account_cfg *y)
{
	struct rg_account_cfg a = *x, b = *y;

	a.permitted = b.permitted = NULL;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		return true;
	return !x->all_symbols && x->n_permitted != 0 &&
	       memcmp(x->permitted, y->permitted, x->n_permitted * sizeof(x->permitted[0])) != 0;
}

static void note_diff(struct rg_reload_job *j, uint8_t entity, uint32_t index)
{
	if (j->diff != NULL)
		j->diff[j->n_diff++] = (struct rg_reload_diff){entity, index};
}

/* "N symbol(s), N account(s), N strateg(ies) changed", and the names (as many
 * as fit); every changed entry into j->diff. */
static void summarise(struct rg_reload_job *j, const struct rg_config *a, const struct rg_config *b, char *msg,
		      size_t len)
{
	char names[RG_KILL_MSG_MAX] = "";
	unsigned ns = 0, na = 0, nt = 0, top = 0;
	size_t at = 0;

#define NOTE(kind, name)                                                                                   \
	do {                                                                                               \
		if (at < sizeof(names))                                                                    \
			at += (size_t)snprintf(names + at, sizeof(names) - at, " %s:%s", kind, name);      \
	} while (0)
	for (uint32_t i = 0; i < a->n_symbols; i++) {
		struct rg_symbol_cfg x = a->symbols[i], y = b->symbols[i];
		x.reference_price_e8 = y.reference_price_e8 = 0; /* the live reference stays */
		if (memcmp(&x, &y, sizeof(x)) != 0) {
			ns++;
			note_diff(j, RG_JENTITY_SYMBOL, i);
			NOTE("symbol", x.name);
		}
	}
	for (uint32_t i = 0; i < a->n_accounts; i++)
		if (account_differs(&a->accounts[i], &b->accounts[i])) {
			na++;
			note_diff(j, RG_JENTITY_ACCOUNT, i);
			NOTE("account", a->accounts[i].name);
		}
	for (uint32_t i = 0; i < a->n_strategies; i++)
		if (memcmp(&a->strategies[i], &b->strategies[i], sizeof(a->strategies[i])) != 0) {
			nt++;
			note_diff(j, RG_JENTITY_STRATEGY, i);
			NOTE("strategy", a->strategies[i].name);
		}
#undef NOTE
	top = a->global_gross_limit_e8 != b->global_gross_limit_e8 || a->reference_max_age_ns != b->reference_max_age_ns ||
	      a->cancel_on_kill != b->cancel_on_kill || a->mass_cancel_stall_ns != b->mass_cancel_stall_ns;
	if (top)
		note_diff(j, RG_JENTITY_INSTANCE, 0);
	snprintf(msg, len, "%u symbol(s), %u account(s), %u strateg%s%s changed:%s", ns, na, nt, nt == 1 ? "y" : "ies",
		 top ? " and top-level limits" : "", ns + na + nt + top == 0 ? " nothing" : names);
}

static void run_job(struct rg_reload_job *j)
{
	struct rg_config_error cerr;
	char err[256];
	int rc;

	j->cfg = calloc(1, sizeof(*j->cfg));
	j->risk = NULL;
	if (j->cfg == NULL) {
		j->rc = -ENOMEM;
		snprintf(j->msg, sizeof(j->msg), "out of memory");
		return;
	}
	rc = rg_config_load_file(j->cfg, j->path, &cerr);
	if (rc != 0) {
		j->rc = rc < 0 ? rc : -EINVAL;
		if (cerr.line > 0)
			snprintf(j->msg, sizeof(j->msg), "line %d: %s: %s", cerr.line, cerr.path, cerr.message);
		else
			snprintf(j->msg, sizeof(j->msg), "%s: %s", cerr.path, cerr.message);
		free(j->cfg); /* the loader frees what it allocated on failure */
		j->cfg = NULL;
		return;
	}
	rc = compare(j->current, j->cfg, j->msg, sizeof(j->msg));
	if (rc == 0)
		rc = sha256_file(j->path, j->sha256, j->msg, sizeof(j->msg));
	if (rc == 0) {
		rc = rg_risk_create(&j->risk, j->cfg, j->now_ns, j->now_realtime_ns, err, sizeof(err));
		if (rc != 0)
			snprintf(j->msg, sizeof(j->msg), "%s", err);
	}
	if (rc != 0) {
		rg_reload_config_free(j->cfg);
		j->cfg = NULL;
	} else {
		/* Out of memory only costs the journal its list of what changed. */
		j->diff = calloc((size_t)j->cfg->n_symbols + j->cfg->n_accounts + j->cfg->n_strategies + 1, sizeof(*j->diff));
		summarise(j, j->current, j->cfg, j->msg, sizeof(j->msg));
	}
	j->rc = rc;
}

static void *reload_thread(void *arg)
{
	struct rg_reloader *r = arg;

	for (;;) {
		uint32_t s = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
		struct timespec nap = {0, POLL_NS};

		if (s == RG_RELOAD_STOP)
			return NULL;
		if (s == RG_RELOAD_POSTED) {
			run_job(&r->job);
			/* Only the engine moves POSTED on, and it waits for DONE; stop waits for it too. */
			__atomic_store_n(&r->state, RG_RELOAD_DONE, __ATOMIC_RELEASE);
			continue;
		}
		nanosleep(&nap, NULL);
	}
}

int rg_reloader_start(struct rg_reloader *r, int cpu, char *err, size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->cpu = cpu;
	rc = pthread_create(&r->thread, NULL, reload_thread, r);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the config reload thread: %s", strerror(rc));
		return -rc;
	}
	r->started = true;
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_setaffinity_np(r->thread, sizeof(set), &set); /* best effort, as the adapters' */
	}
	pthread_setname_np(r->thread, "rg-reload");
	return 0;
}

void rg_reloader_stop(struct rg_reloader *r)
{
	struct timespec nap = {0, POLL_NS};

	if (!r->started)
		return;
	while (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == RG_RELOAD_POSTED)
		nanosleep(&nap, NULL);
	if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == RG_RELOAD_DONE) {
		rg_reload_config_free(r->job.cfg);
		rg_risk_destroy(r->job.risk);
		free(r->job.diff);
	}
	__atomic_store_n(&r->state, RG_RELOAD_STOP, __ATOMIC_RELEASE);
	pthread_join(r->thread, NULL);
	r->started = false;
}

bool rg_reloader_post(struct rg_reloader *r, const char *path, const struct rg_config *current, uint64_t now_ns,
		      uint64_t now_realtime_ns)
{
	if (!r->started || __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != RG_RELOAD_IDLE)
		return false;
	snprintf(r->job.path, sizeof(r->job.path), "%s", path);
	r->job.current = current;
	r->job.now_ns = now_ns;
	r->job.now_realtime_ns = now_realtime_ns;
	r->job.cfg = NULL;
	r->job.risk = NULL;
	r->job.diff = NULL;
	r->job.n_diff = 0;
	r->job.rc = 0;
	r->job.msg[0] = '\0';
	__atomic_store_n(&r->state, RG_RELOAD_POSTED, __ATOMIC_RELEASE);
	return true;
}

void rg_reloader_release(struct rg_reloader *r)
{
	free(r->job.diff);
	r->job.diff = NULL;
	r->job.cfg = NULL;
	r->job.risk = NULL;
	__atomic_store_n(&r->state, RG_RELOAD_IDLE, __ATOMIC_RELEASE);
}
