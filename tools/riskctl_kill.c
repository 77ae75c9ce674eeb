/*
 * riskctl kill, resume, set-state, resume-throttle, reset-breaker,
 * set-reference, reload, and the kill switch lines of `riskctl status`
 * (riskctl_kill.h).
 *
 * Each command writes the kill segment (engine/control/kill_segment.h) the
 * way every writer does, then waits, up to --wait, for the engine to confirm:
 * a kill or resume is confirmed when the engine has applied a generation that
 * includes it; a request when the engine has answered it, and its answer
 * (e.g. why a config was refused) is printed.  Names are checked against the
 * engine's roster and symbol table when an engine has published them, so a
 * typo is refused instead of killing nothing.  Kills work with no engine
 * running (they apply when it starts); requests need a running engine.
 */
#include "riskctl_kill.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <riskgate/segment.h>

#include "config.h"
#include "ctl_reader.h"
#include "kill_segment.h"
#include "price_text.h"

#define DEFAULT_WAIT_MS 2000

/* ---- output: lines for people, or one JSON object with --json ---------------- */

static struct {
	bool json;
	json_t *obj; /* with --json: what the command reports */
} g_out;

static void out_begin(bool json, const char *cmd, const char *instance)
{
	g_out.json = json;
	g_out.obj = json ? json_pack("{s:s, s:s, s:[], s:[]}", "command", cmd, "instance", instance, "messages", "errors")
		       : NULL;
}

static void out_line(const char *key, const char *fmt, va_list ap, FILE *f, const char *prefix)
{
	char line[1024];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (!g_out.json || f == stderr)
		fprintf(f, "%s%s\n", prefix, line);
	if (g_out.json) {
		json_array_append_new(json_object_get(g_out.obj, key), json_string(line));
		if (f == stderr)
			json_object_set_new(g_out.obj, "error", json_string(line));
	}
}

/* A line of the command's outcome (stdout, or "messages" in JSON). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_line("messages", fmt, ap, stdout, "");
	va_end(ap);
}

/* A problem (stderr always, and "errors"/"error" in JSON). */
static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_line("errors", fmt, ap, stderr, "riskctl: ");
	va_end(ap);
}

static void out_set(const char *key, json_t *v)
{
	if (g_out.json)
		json_object_set_new(g_out.obj, key, v);
	else
		json_decref(v);
}

/* Ends the command: prints the JSON object, returns the exit status. */
static int out_end(int rc)
{
	if (g_out.json) {
		json_object_set_new(g_out.obj, "ok", json_boolean(rc == 0));
		json_object_set_new(g_out.obj, "exit_code", json_integer(rc));
		json_dumpf(g_out.obj, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(g_out.obj);
		g_out.obj = NULL;
	}
	return rc;
}

struct opts {
	const char *instance;
	const char *scope;
	const char *reason;
	const char *strategy;
	const char *venue;
	const char *symbol;
	const char *price;
	const char *config;
	const char *state;     /* set-state: the positional ACTIVE|REDUCING|HALTED */
	long wait_ms;
	bool all, force;
};

static const char *const commands[] = {"kill", "resume", "set-state", "resume-throttle", "reset-breaker",
				       "set-reference", "reload", NULL};

bool rg_riskctl_is_control_cmd(const char *cmd)
{
	for (const char *const *c = commands; *c != NULL; c++)
		if (strcmp(*c, cmd) == 0)
			return true;
	return false;
}

void rg_riskctl_control_usage(FILE *f)
{
	fprintf(f, "       riskctl kill [--scope SCOPE] --reason TEXT\n"
		   "       riskctl resume [--scope SCOPE | --all] [--force]\n"
		   "       riskctl set-state --scope instance|account:A|strategy:S|symbol:X ACTIVE|REDUCING|HALTED\n"
		   "       riskctl resume-throttle --strategy S\n"
		   "       riskctl reset-breaker --venue V\n"
		   "       riskctl set-reference --symbol X --price P\n"
		   "       riskctl reload [--config FILE]\n"
		   "  SCOPE             instance (default), account:A, strategy:S, symbol:X, venue:V\n"
		   "  --wait MS         how long to wait for the engine to confirm (default %d; 0: do not wait)\n"
		   "  --force           resume: also lift kills from Redis keys (the watcher sets them again\n"
		   "                    while the key exists)\n"
		   "  --json            one JSON object: what was done, the engine's liveness, exit_code\n",
		DEFAULT_WAIT_MS);
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* "2024-05-01 12:00:00.123Z" from CLOCK_REALTIME ns. */
static const char *utc(char *buf, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (ns == 0 || gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned)(ns / 1000000u % 1000u));
	return buf;
}

static const char *user_of(char *buf, size_t len, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char scratch[1024];

	if (getpwuid_r((uid_t)uid, &pw, scratch, sizeof(scratch), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "uid %u", uid);
	return buf;
}

/* ---- the engine, as riskctl sees it ------------------------------------------ */

struct engine_view {
	struct rg_ctl_reader ctl;
	struct rg_ctl_liveness live;
	bool running; /* RUNNING and responding */
};

static void engine_open(struct engine_view *e, const char *instance)
{
	rg_ctl_open(&e->ctl, instance, &e->live);
	e->running = e->live.health == RG_HEALTH_RUNNING;
	out_set("engine", rg_ctl_liveness_json(&e->live));
}

static void engine_close(struct engine_view *e)
{
	rg_ctl_close(&e->ctl);
}

/* 0 when the engine publishes the symbol (or publishes no table), -ENOENT otherwise. */
static int symbol_known(const struct engine_view *e, const char *name)
{
	uint32_t n;

	if (!e->ctl.attached || (n = rg_ctl_n_symbols(&e->ctl)) == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (strncmp(e->ctl.symbols[i].name, name, RG_NAME_MAX) == 0)
			return 0;
	return -ENOENT;
}

static void list_names(char *buf, size_t len, const char (*names)[RG_KILL_NAME_MAX], uint32_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used + 2 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

/* Refuses a scope that names nothing the engine serves; 0 or -ENOENT. */
static int check_name(const struct rg_kill_seg *seg, const struct engine_view *e, const struct rg_kill_scope *scope,
		      const char *instance)
{
	struct rg_kill_roster r;
	char known[1024] = "";

	if (scope->kind == RG_SCOPE_SYMBOL) {
		if (symbol_known(e, scope->name) == 0)
			return 0;
		complain("unknown symbol '%s' on instance '%s' (not in the engine's symbol table)\n",
			scope->name, instance);
		return -ENOENT;
	}
	if (rg_kill_roster_read(seg, &r) != 0 || r.published_ns == 0 || rg_kill_roster_check(&r, scope) == 0)
		return 0;
	if (scope->kind == RG_SCOPE_ACCOUNT)
		list_names(known, sizeof(known), r.accounts, r.n_accounts);
	else if (scope->kind == RG_SCOPE_STRATEGY)
		list_names(known, sizeof(known), r.strategies, r.n_strategies);
	else
		list_names(known, sizeof(known), r.venues, r.n_venues);
	complain("unknown %s '%s' on instance '%s' (it has: %s)\n", rg_kill_scope_kind_str(scope->kind),
		scope->name, instance, known);
	return -ENOENT;
}

/* ---- waiting for the engine --------------------------------------------------- */

/* 0 when the engine has applied generation `gen`, 3 after wait_ms. */
static int wait_applied(const struct rg_kill_seg *seg, uint64_t gen, long wait_ms, double *ms)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), end = start + (uint64_t)wait_ms * 1000000u;

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		uint64_t got = __atomic_load_n(&seg->shm->applied_generation, __ATOMIC_ACQUIRE);
		if (got >= gen) {
			*ms = (double)(now - start) / 1e6;
			return 0;
		}
		if (now >= end)
			return RG_EXIT_NOT_CONFIRMED;
		sleep_ms(1);
	}
}

/* After a kill or resume: reports whether the engine acts on it.  A kill
 * is in the segment whatever the engine does; the exit status says whether
 * an engine confirmed it (0), did not within --wait (3), or could not: none
 * runs (4, it applies when one starts), not responding (5), starting (6: it
 * applies before the first order), stopping (7). */
static int confirm(const struct rg_kill_seg *seg, const struct engine_view *e, const struct opts *o, const char *what)
{
	uint64_t gen = __atomic_load_n(&seg->shm->generation, __ATOMIC_ACQUIRE);
	double ms = 0;

	out_set("confirmed", json_false());
	if (!e->running) {
		if (e->live.health == RG_HEALTH_ABSENT)
			say("%s; no engine is running on instance '%s': it applies when the engine starts", what,
			    o->instance);
		else if (e->live.health == RG_HEALTH_STARTING)
			say("%s; the engine is starting: it applies before the engine's first order", what);
		else
			say("%s; not confirmed: %s", what, e->live.why);
		complain("%s", e->live.why);
		return rg_ctl_health_exit(e->live.health);
	}
	if (o->wait_ms == 0) {
		say("%s (not waiting for the engine)\n", what);
		return 0;
	}
	if (wait_applied(seg, gen, o->wait_ms, &ms) == 0) {
		say("%s; the engine applied it within %.1f ms\n", what, ms);
		out_set("confirmed", json_true());
		out_set("confirm_ms", json_real(ms));
		return 0;
	}
	say("%s\n", what);
	complain("the engine has not confirmed it within %ld ms (is it stuck? see riskctl status)\n",
		o->wait_ms);
	return RG_EXIT_NOT_CONFIRMED;
}

/* ---- commands ---------------------------------------------------------------- */

static int open_seg(struct rg_kill_seg *seg, const char *instance, bool writable)
{
	char err[320];
	int rc = rg_kill_attach(seg, instance, writable, err, sizeof(err));

	if (rc != 0)
		complain("%s\n", err);
	return rc;
}

static int parse_scope(const char *text, struct rg_kill_scope *s)
{
	char err[160];

	if (rg_kill_scope_parse(text, s, err, sizeof(err)) == 0)
		return 0;
	complain("%s\n", err);
	return -EINVAL;
}

static int cmd_kill(const struct opts *o)
{
	struct rg_kill_seg seg;
	struct engine_view e;
	struct rg_kill_scope scope;
	char err[320], what[256], text[48];
	int rc;

	if (o->reason == NULL || o->reason[0] == '\0') {
		complain("kill needs --reason TEXT (it goes to the journal and to riskctl status)\n");
		return 2;
	}
	if (parse_scope(o->scope != NULL ? o->scope : "instance", &scope) != 0)
		return 2;
	if (open_seg(&seg, o->instance, true) != 0)
		return 1;
	engine_open(&e, o->instance);
	rc = check_name(&seg, &e, &scope, o->instance);
	if (rc == 0 && (rc = rg_kill_apply(&seg, &scope, RG_KSRC_RISKCTL, o->reason, err, sizeof(err))) < 0)
		complain("%s\n", err);
	if (rc >= 0) {
		snprintf(what, sizeof(what), "%s %s", rc == 1 ? "kill updated:" : "KILLED",
			 rg_kill_scope_format(text, sizeof(text), scope.kind, scope.name));
		rc = confirm(&seg, &e, o, what);
	} else {
		rc = 1;
	}
	engine_close(&e);
	rg_kill_close(&seg);
	return rc;
}

static int cmd_resume(const struct opts *o)
{
	struct rg_kill_seg seg;
	struct engine_view e;
	struct rg_kill_scope scope, *sp = NULL;
	struct rg_kill_entry left[RG_KILL_MAX];
	unsigned mask = RG_KSRC_ALL & ~(o->force ? 0u : RG_KSRC_MASK(RG_KSRC_REDIS));
	char err[320], what[256], text[48];
	uint32_t n = 0;
	int lifted, rc = 0, still_killed = 0;

	if (o->all && o->scope != NULL) {
		complain("give --scope or --all, not both\n");
		return 2;
	}
	if (!o->all) {
		if (parse_scope(o->scope != NULL ? o->scope : "instance", &scope) != 0)
			return 2;
		sp = &scope;
	}
	if (open_seg(&seg, o->instance, true) != 0)
		return 1;
	engine_open(&e, o->instance);
	lifted = rg_kill_lift(&seg, sp, mask, err, sizeof(err));
	if (lifted < 0) {
		complain("%s\n", err);
		rc = 1;
		goto out;
	}
	/* What still holds at that scope: kills from Redis keys. */
	if (rg_kill_list(&seg, left, RG_KILL_MAX, &n, NULL) == 0)
		for (uint32_t i = 0; i < n; i++)
			if (sp == NULL || (left[i].scope == sp->kind && strcmp(left[i].name, sp->name) == 0))
				still_killed++, complain("%s is still killed by a Redis key (%s): delete the key in Redis, or "
						"resume with --force\n",
					rg_kill_scope_format(text, sizeof(text), left[i].scope, left[i].name), left[i].reason);
	if (o->force)
		complain("--force: the Redis watcher kills again while a kill key is set in Redis\n");
	out_set("lifted", json_integer(lifted));
	out_set("still_killed", json_integer(still_killed));
	if (lifted == 0) {
		say("nothing to resume at %s\n", sp != NULL ? rg_kill_scope_format(text, sizeof(text), sp->kind, sp->name)
							       : "any scope");
		rc = still_killed ? RG_EXIT_STILL_KILLED : 0;
		goto out;
	}
	snprintf(what, sizeof(what), "RESUMED %s: %d kill%s lifted",
		 sp != NULL ? rg_kill_scope_format(text, sizeof(text), sp->kind, sp->name) : "every scope", lifted,
		 lifted == 1 ? "" : "s");
	rc = confirm(&seg, &e, o, what);
	if (still_killed)
		rc = RG_EXIT_STILL_KILLED; /* what the operator asked for did not happen, engine or not */
out:
	engine_close(&e);
	rg_kill_close(&seg);
	return rc;
}

/* Builds the request of a command from its options; 0, or 2 (usage). */
static int build_request(const char *cmd, const struct opts *o, struct rg_kill_cmd *c)
{
	struct rg_kill_scope s;
	const char *name = NULL;
	int state;

	memset(c, 0, sizeof(*c));
	if (strcmp(cmd, "set-state") == 0) {
		c->kind = RG_KCMD_SET_STATE;
		if (o->scope == NULL || o->state == NULL) {
			complain("set-state needs --scope instance|account:A|strategy:S|symbol:X and a state\n");
			return 2;
		}
		if ((state = rg_kill_state_parse(o->state)) < 0) {
			complain("'%s' is not a trading state (ACTIVE, REDUCING, HALTED)\n", o->state);
			return 2;
		}
		if (parse_scope(o->scope, &s) != 0)
			return 2;
		if (s.kind == RG_SCOPE_VENUE) {
			complain("set-state applies to the instance, account:A, strategy:S or symbol:X\n");
			return 2;
		}
		c->scope = s.kind;
		c->state = (uint8_t)state;
		memcpy(c->name, s.name, sizeof(c->name));
		return 0;
	}
	if (strcmp(cmd, "resume-throttle") == 0)
		c->kind = RG_KCMD_RESUME_THROTTLE, c->scope = RG_SCOPE_STRATEGY, name = o->strategy;
	else if (strcmp(cmd, "reset-breaker") == 0)
		c->kind = RG_KCMD_RESET_BREAKER, c->scope = RG_SCOPE_VENUE, name = o->venue;
	else if (strcmp(cmd, "set-reference") == 0)
		c->kind = RG_KCMD_SET_REFERENCE, c->scope = RG_SCOPE_SYMBOL, name = o->symbol;
	else
		c->kind = RG_KCMD_RELOAD;
	if (c->kind != RG_KCMD_RELOAD) {
		if (name == NULL) {
			complain("%s needs --%s NAME\n", cmd, rg_kill_scope_kind_str(c->scope));
			return 2;
		}
		if (!rg_name_valid(name)) {
			complain("'%s' is not a valid %s name (1-31 of A-Z a-z 0-9 _ -)\n", name,
				rg_kill_scope_kind_str(c->scope));
			return 2;
		}
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	if (c->kind == RG_KCMD_SET_REFERENCE &&
	    (o->price == NULL || !rg_price_text_e8(o->price, &c->price_e8))) {
		complain("set-reference needs --price P, a decimal > 0 with at most 8 places\n");
		return 2;
	}
	return 0;
}

/* reload: the file is checked here first, so a bad one is refused at once
 * with its JSON path, and the engine gets an absolute path. */
static int check_reload(const struct opts *o, struct rg_kill_cmd *c)
{
	struct rg_config cfg;
	struct rg_config_error err;
	char abs[PATH_MAX];
	int rc;

	if (o->config == NULL)
		return 0; /* the engine reloads the file it was started with */
	if (realpath(o->config, abs) == NULL) {
		complain("%s: %s\n", o->config, strerror(errno));
		return 1;
	}
	if (strlen(abs) >= sizeof(c->path)) {
		complain("%s: path longer than %zu bytes\n", abs, sizeof(c->path) - 1);
		return 1;
	}
	rc = rg_config_load_file(&cfg, abs, &err);
	if (rc != 0) {
		if (err.line > 0)
			complain("%s:%d: %s: %s (the engine keeps its config)\n", abs, err.line, err.path,
				err.message);
		else
			complain("%s: %s: %s (the engine keeps its config)\n", abs, err.path, err.message);
		return 1;
	}
	if (strcmp(cfg.instance, o->instance) != 0) {
		complain("%s is the config of instance '%s', not '%s'\n", abs, cfg.instance, o->instance);
		rg_config_free(&cfg);
		return 1;
	}
	rg_config_free(&cfg);
	memcpy(c->path, abs, strlen(abs) + 1); /* fits: checked above */
	return 0;
}

static int cmd_request(const char *cmd, const struct opts *o)
{
	struct rg_kill_seg seg;
	struct engine_view e;
	struct rg_kill_cmd c;
	struct rg_kill_result res;
	struct rg_kill_scope scope;
	char err[320];
	uint64_t end;
	int rc;

	if ((rc = build_request(cmd, o, &c)) != 0)
		return rc;
	if (c.kind == RG_KCMD_RELOAD && (rc = check_reload(o, &c)) != 0)
		return rc;
	if (open_seg(&seg, o->instance, true) != 0)
		return 1;
	engine_open(&e, o->instance);
	rc = 1;
	if (!e.running) {
		complain("%s: requests are taken only by a running engine", e.live.why);
		rc = rg_ctl_health_exit(e.live.health);
		goto out;
	}
	scope.kind = c.scope;
	memcpy(scope.name, c.name, sizeof(scope.name));
	if (c.kind != RG_KCMD_RELOAD && check_name(&seg, &e, &scope, o->instance) != 0)
		goto out;
	if (rg_kill_request(&seg, &c, err, sizeof(err)) != 0) {
		complain("%s\n", err);
		goto out;
	}
	if (o->wait_ms == 0) {
		say("%s: request %" PRIu64 " queued (not waiting for the engine)\n", cmd, c.seq);
		rc = 0;
		goto out;
	}
	end = now_ns(CLOCK_MONOTONIC) + (uint64_t)o->wait_ms * 1000000u;
	while ((rc = rg_kill_result(&seg, c.seq, &res)) == -EINPROGRESS && now_ns(CLOCK_MONOTONIC) < end)
		sleep_ms(1);
	if (rc == -EINPROGRESS) {
		complain("%s: request %" PRIu64 " queued; the engine has not answered within %ld ms\n", cmd,
			c.seq, o->wait_ms);
		rc = RG_EXIT_NOT_CONFIRMED;
	} else if (rc != 0) {
		complain("%s: the answer to request %" PRIu64 " was overwritten by later requests\n", cmd,
			c.seq);
		rc = RG_EXIT_NOT_CONFIRMED;
	} else if (res.rc != 0) {
		complain("%s refused by the engine: %s (%s)\n", cmd, res.message, strerror(-res.rc));
		out_set("result", json_string(res.message));
		rc = 1;
	} else {
		say("%s: %s\n", cmd, res.message[0] ? res.message : "done");
		out_set("result", json_string(res.message));
		rc = 0;
	}
out:
	engine_close(&e);
	rg_kill_close(&seg);
	return rc;
}

static int control_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"instance", required_argument, NULL, 'i'}, {"scope", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'r'},   {"strategy", required_argument, NULL, 'S'},
		{"venue", required_argument, NULL, 'V'},    {"symbol", required_argument, NULL, 'X'},
		{"price", required_argument, NULL, 'p'},    {"config", required_argument, NULL, 'c'},
		{"wait", required_argument, NULL, 'w'},     {"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},          {"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0},
	};
	struct opts o;
	const char *cmd;
	char *end;
	int ch;

	if (argc < 2 || !rg_riskctl_is_control_cmd(argv[1])) {
		rg_riskctl_control_usage(stderr);
		return RG_EXIT_USAGE;
	}
	memset(&o, 0, sizeof(o));
	o.instance = getenv("RISKGATE_INSTANCE") != NULL ? getenv("RISKGATE_INSTANCE") : "demo";
	o.wait_ms = DEFAULT_WAIT_MS;
	cmd = argv[1];
	optind = 2;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "i:s:r:w:afhj", lopts, NULL)) != -1) {
		switch (ch) {
		case 'i': o.instance = optarg; break;
		case 's': o.scope = optarg; break;
		case 'r': o.reason = optarg; break;
		case 'S': o.strategy = optarg; break;
		case 'V': o.venue = optarg; break;
		case 'X': o.symbol = optarg; break;
		case 'p': o.price = optarg; break;
		case 'c': o.config = optarg; break;
		case 'a': o.all = true; break;
		case 'f': o.force = true; break;
		case 'j': break; /* seen by rg_riskctl_control_main */
		case 'w':
			o.wait_ms = strtol(optarg, &end, 10);
			if (*end != '\0' || o.wait_ms < 0 || o.wait_ms > 3600000) {
				complain("--wait wants milliseconds, 0..3600000\n");
				return 2;
			}
			break;
		case 'h': rg_riskctl_control_usage(stdout); return 0;
		default: rg_riskctl_control_usage(stderr); return 2;
		}
	}
	if (strcmp(cmd, "set-state") == 0 && optind < argc)
		o.state = argv[optind++];
	if (optind < argc) {
		complain("%s: unexpected argument '%s'\n", cmd, argv[optind]);
		return 2;
	}
	if (!rg_name_valid(o.instance)) {
		complain("'%s' is not a valid instance name\n", o.instance);
		return 2;
	}
	if (strcmp(cmd, "kill") == 0)
		return cmd_kill(&o);
	if (strcmp(cmd, "resume") == 0)
		return cmd_resume(&o);
	return cmd_request(cmd, &o);
}

int rg_riskctl_control_main(int argc, char **argv)
{
	const char *instance = getenv("RISKGATE_INSTANCE") != NULL ? getenv("RISKGATE_INSTANCE") : "demo";
	bool json = false;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--instance") == 0 && i + 1 < argc)
			instance = argv[i + 1];
		else if (strncmp(argv[i], "--instance=", 11) == 0)
			instance = argv[i] + 11;
	}
	out_begin(json, argc > 1 ? argv[1] : "", instance);
	return out_end(control_main(argc, argv));
}

/* ---- status -------------------------------------------------------------------- */

struct kill_state {
	struct rg_kill_entry kills[RG_KILL_MAX];
	uint32_t n;
	uint64_t generation, applied;
	int32_t engine_pid;
	struct rg_kill_redis redis;
};

static int read_state(const char *instance, struct kill_state *k, char *err, size_t errlen)
{
	struct rg_kill_seg seg;
	int rc = rg_kill_attach(&seg, instance, false, err, errlen);

	if (rc != 0)
		return rc;
	if ((rc = rg_kill_list(&seg, k->kills, RG_KILL_MAX, &k->n, &k->generation)) == 0)
		rc = rg_kill_redis_read(&seg, &k->redis);
	if (rc != 0)
		snprintf(err, errlen, "%s: writers kept it busy; try again", seg.name);
	k->applied = __atomic_load_n(&seg.shm->applied_generation, __ATOMIC_ACQUIRE);
	k->engine_pid = __atomic_load_n(&seg.shm->engine_pid, __ATOMIC_RELAXED);
	rg_kill_close(&seg);
	return rc;
}

static uint64_t heartbeat_age_ms(const struct rg_kill_redis *r)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	return r->heartbeat_mono_ns != 0 && now > r->heartbeat_mono_ns ? (now - r->heartbeat_mono_ns) / 1000000u : 0;
}

int rg_riskctl_kill_status_print(FILE *out, const char *instance)
{
	struct kill_state *k = calloc(1, sizeof(*k));
	char err[320], when[40], who[64], scope[48];
	const struct rg_kill_redis *r;
	int rc;

	if (k == NULL)
		return -ENOMEM;
	rc = read_state(instance, k, err, sizeof(err));
	if (rc != 0) {
		fprintf(out, "kill switch       unknown: %s\n", err);
		free(k);
		return rc;
	}
	if (k->n == 0)
		fprintf(out, "kill switch       off (no kill in force)\n");
	else
		fprintf(out, "kill switch       %u KILL%s IN FORCE\n", k->n, k->n == 1 ? "" : "S");
	if (k->n > 0)
		fprintf(out, "  %-22s %-14s %-25s %-18s %s\n", "SCOPE", "SOURCE", "SINCE (UTC)", "BY", "REASON");
	for (uint32_t i = 0; i < k->n; i++) {
		const struct rg_kill_entry *e = &k->kills[i];
		char by[96];
		snprintf(by, sizeof(by), "%s pid %d", user_of(who, sizeof(who), e->uid), (int)e->pid);
		fprintf(out, "  %-22s %-14s %-25s %-18s %s\n", rg_kill_scope_format(scope, sizeof(scope), e->scope, e->name),
			rg_kill_source_str(e->source), utc(when, sizeof(when), e->time_ns), by, e->reason);
	}
	if (k->applied < k->generation && k->engine_pid != 0)
		fprintf(out, "  the engine has not yet applied the latest change (generation %" PRIu64 ", applied %" PRIu64 ")\n",
			k->generation, k->applied);
	r = &k->redis;
	if (r->state == RG_REDIS_OFF) {
		fprintf(out, "redis             not watched (no redis section, or no engine running)\n");
	} else {
		uint64_t age = heartbeat_age_ms(r);
		fprintf(out, "redis             %s since %s, %s, poll %u ms, on_redis_loss %s (grace %u ms), reconnects %u%s\n",
			r->state == RG_REDIS_UP ? "up" : r->state == RG_REDIS_CONNECTING ? "connecting" : "DOWN",
			utc(when, sizeof(when), r->since_ns), r->endpoint, r->poll_ms, r->halt_on_loss ? "halt" : "keep",
			r->loss_grace_ms, r->reconnects,
			r->state == RG_REDIS_DOWN || r->state == RG_REDIS_AUTH_FAILED ? "   <-- ALERT" : "");
		if (r->state == RG_REDIS_AUTH_FAILED)
			fprintf(out, "                  authentication refused: %s\n", r->last_error);
		else if (r->state == RG_REDIS_DOWN)
			fprintf(out, "                  last error: %s\n", r->last_error);
		if (r->loss_halted)
			fprintf(out, "                  the instance was halted for the loss of Redis (riskctl resume lifts it)\n");
		if (age > 2000)
			fprintf(out, "                  watcher last seen %" PRIu64 " ms ago   <-- WATCHER NOT RESPONDING\n", age);
	}
	free(k);
	return 0;
}

json_t *rg_riskctl_kill_status_json(const char *instance)
{
	struct kill_state *k = calloc(1, sizeof(*k));
	char err[320], when[40], who[64], scope[48];
	const struct rg_kill_redis *r;
	json_t *kills, *o;

	if (k == NULL)
		return json_pack("{s:s}", "error", "out of memory");
	if (read_state(instance, k, err, sizeof(err)) != 0) {
		free(k);
		return json_pack("{s:s}", "error", err);
	}
	kills = json_array();
	for (uint32_t i = 0; i < k->n; i++) {
		const struct rg_kill_entry *e = &k->kills[i];
		json_array_append_new(kills, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:s}", "scope",
						       rg_kill_scope_format(scope, sizeof(scope), e->scope, e->name),
						       "kind", rg_kill_scope_kind_str(e->scope), "name", e->name, "source",
						       rg_kill_source_str(e->source), "reason", e->reason, "uid", (int)e->uid,
						       "user", user_of(who, sizeof(who), e->uid), "pid", (int)e->pid,
						       "time_ns", (json_int_t)e->time_ns, "time", utc(when, sizeof(when), e->time_ns)));
	}
	r = &k->redis;
	o = json_pack("{s:o, s:I, s:I, s:{s:s, s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:b, s:I, s:I}}", "kills",
		      kills, "generation", (json_int_t)k->generation, "applied_generation", (json_int_t)k->applied,
		      "redis", "state", rg_redis_state_str(r->state), "since_ns", (json_int_t)r->since_ns, "since",
		      utc(when, sizeof(when), r->since_ns), "endpoint", r->endpoint, "last_error", r->last_error,
		      "reconnects", (int)r->reconnects, "failures", (int)r->failures, "poll_ms", (int)r->poll_ms,
		      "on_redis_loss", r->halt_on_loss ? "halt" : "keep", "loss_grace_ms", (int)r->loss_grace_ms,
		      "loss_halted", r->loss_halted != 0, "last_ok_ns", (json_int_t)r->last_ok_ns, "heartbeat_age_ms",
		      (json_int_t)heartbeat_age_ms(r));
	free(k);
	return o != NULL ? o : json_pack("{s:s}", "error", "cannot build the JSON status");
}
