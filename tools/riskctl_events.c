/*
 * riskctl events (riskctl_events.h): a reader that follows the journal ring.
 *
 * The ring's slots hold records until a later lap overwrites them, and each
 * slot's first word is its record's sequence, stored last by the engine
 * (release).  So the reader waits at position `next` until the slot there
 * carries sequence `next`, copies it with acquire loads, and then checks
 * that the engine's head has not come within half a ring of lapping it (a
 * record being overwritten would still show the old sequence until the
 * overwrite ends).  A reader that falls that far behind skips ahead and says
 * how many records it missed: `riskctl audit export` reads them from the
 * files.  Names come from the control segment, and from NAME records as
 * they pass.  It never writes anything and costs the engine nothing.
 */
#include "riskctl_events.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_reader.h"
#include "export.h"
#include "journal_ring.h"

#define MAX_TYPES 32
#define POLL_NS 5000000L /* 5 ms between looks at an idle ring */

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: riskctl events [--instance NAME] [--json] [--backlog N] [--count N] [--timeout MS]\n"
		"                      [--all | --type EVENT[,EVENT...]]\n"
		"  follows the journal live: KILL, RESUME, STATE_CHANGE, CONFIG_LOADED, CONFIG_RELOADED,\n"
		"  ENGINE_STARTED, ENGINE_STOPPED, ADAPTER_CONNECTED, ADAPTER_DISCONNECTED, VENUE_PROTOCOL_ERROR\n"
		"  --backlog N   start with the last N records still in the ring (default 0: from now on)\n"
		"  --count N     exit 0 after N events;  --timeout MS  stop after MS milliseconds\n"
		"  --all         every record;  --type EVENT,...  only these event types (riskctl audit --help)\n"
		"exit status: 0 stopped (signal, --count reached, --timeout without --count), 1 --timeout before\n"
		"             --count events or an unreadable ring, 2 usage, 4 no journal ring for the instance\n");
}

static const char *const default_types[] = {"KILL", "RESUME", "STATE_CHANGE", "CONFIG_LOADED", "CONFIG_RELOADED",
					    "ENGINE_STARTED", "ENGINE_STOPPED", "ADAPTER_CONNECTED",
					    "ADAPTER_DISCONNECTED", "VENUE_PROTOCOL_ERROR", NULL};

struct filter {
	bool all;
	const char *types[MAX_TYPES];
	unsigned n;
	char buf[512];
};

static bool wanted(const struct filter *f, const struct rg_jrec *rec)
{
	const char *t = rg_jrec_event_type(rec);

	if (f->all)
		return true;
	for (unsigned i = 0; i < f->n; i++)
		if (strcmp(f->types[i], t) == 0)
			return true;
	return false;
}

/* Teaches names the control segment knows (the ring's NAME records may be long gone). */
static void learn(struct rg_jnames *names, unsigned what, uint32_t index, const char *field)
{
	struct rg_jrec rec;

	memset(&rec, 0, sizeof(rec));
	rec.h.type = RG_JREC_NAME;
	rec.u.name.what = (uint8_t)what;
	rec.u.name.index = index;
	rg_ctl_name(rec.u.name.name, field);
	rg_jnames_learn(names, &rec);
}

static void learn_from_control(struct rg_jnames *names, const char *instance)
{
	struct rg_ctl_reader r;
	struct rg_ctl_liveness live;

	if (rg_ctl_open(&r, instance, &live) != 0) {
		rg_ctl_close(&r);
		return;
	}
	for (uint32_t i = 0; i < rg_ctl_n_strategies(&r); i++)
		learn(names, RG_JNAME_STRATEGY, i, r.ctl->strategies[i].name);
	for (uint32_t i = 0; i < rg_ctl_n_accounts(&r); i++)
		learn(names, RG_JNAME_ACCOUNT, i, r.ctl->accounts[i].name);
	for (uint32_t i = 0; i < rg_ctl_n_venues(&r); i++)
		learn(names, RG_JNAME_VENUE, i, r.ctl->venues[i].name);
	for (uint32_t i = 0; i < rg_ctl_n_symbols(&r); i++)
		learn(names, RG_JNAME_SYMBOL, i, r.symbols[i].name);
	rg_ctl_close(&r);
}

static void print_event(const struct rg_jrec *rec, const struct rg_jnames *names, bool json)
{
	json_t *o = rg_jrec_to_json(rec, names);
	char *text;

	if (o == NULL)
		return;
	if (json) {
		text = json_dumps(o, JSON_COMPACT);
	} else {
		char when[48];
		const char *type = rg_jrec_event_type(rec);
		rg_jtime_str(rec->h.real_ns, when, sizeof(when));
		json_object_del(o, "timestamp");
		json_object_del(o, "real_ns");
		json_object_del(o, "mono_ns");
		json_object_del(o, "event_type");
		text = json_dumps(o, JSON_COMPACT);
		if (text != NULL) {
			printf("%s %-20s %s\n", when, type, text);
			free(text);
		}
		json_decref(o);
		return;
	}
	if (text != NULL) {
		printf("%s\n", text);
		free(text);
	}
	json_decref(o);
}

/* Copies the record at position pos if it is there; 1 copied, 0 not yet
 * written, -1 overwritten (or about to be) by a later lap. */
static int take(const struct rg_journal *j, uint64_t pos, struct rg_jrec *out)
{
	const struct rg_jrec *slot = &j->slots[pos & j->mask];
	/* Pairs with the engine's release store of the slot's sequence. */
	uint64_t seq = __atomic_load_n(&slot->h.seq, __ATOMIC_ACQUIRE), head;

	/* A later lap's record means this one is gone.  Compared as a signed
	 * distance: a fresh ring's first lap holds pos - capacity, which
	 * wraps below zero (journal_ring.c) and is no later record. */
	if (seq != pos)
		return (int64_t)(seq - pos) > 0 ? -1 : 0;
	rg_view_copy(out, slot, sizeof(*out));
	head = __atomic_load_n(&j->shared->head, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&slot->h.seq, __ATOMIC_RELAXED) != pos || head - pos >= (j->mask + 1) / 2)
		return -1;
	return 1;
}

static uint64_t mono_ms(void)
{
	return rg_ctl_mono_ns() / 1000000u;
}

int rg_riskctl_events_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'}, {"json", no_argument, NULL, 'j'},
		{"backlog", required_argument, NULL, 'b'},  {"count", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'},  {"all", no_argument, NULL, 'a'},
		{"type", required_argument, NULL, 'T'},     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *instance = getenv("RISKGATE_INSTANCE") != NULL ? getenv("RISKGATE_INSTANCE") : "demo";
	unsigned long long backlog = 0, count = 0, timeout_ms = 0;
	struct filter f;
	struct rg_journal j;
	struct rg_jnames *names;
	struct sigaction sa;
	char err[256], *end;
	bool json = false;
	uint64_t next, seen = 0, missed = 0, deadline;
	int c, rc = 0;

	memset(&f, 0, sizeof(f));
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': instance = optarg; break;
		case 'j': json = true; break;
		case 'a': f.all = true; break;
		case 'b':
		case 'n':
		case 't': {
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*end != '\0' || end == optarg) {
				fprintf(stderr, "riskctl events: --%s wants a number\n", c == 'b' ? "backlog" : c == 'n' ? "count" : "timeout");
				return RG_EXIT_USAGE;
			}
			*(c == 'b' ? &backlog : c == 'n' ? &count : &timeout_ms) = v;
			break;
		}
		case 'T': {
			char *save = NULL, *tok;
			snprintf(f.buf, sizeof(f.buf), "%s", optarg);
			for (tok = strtok_r(f.buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
				if (!rg_jevent_type_valid(tok) || f.n == MAX_TYPES) {
					fprintf(stderr, "riskctl events: unknown event type '%s'\n", tok);
					return RG_EXIT_USAGE;
				}
				f.types[f.n++] = tok;
			}
			break;
		}
		case 'h': usage(stdout); return RG_EXIT_OK;
		default: usage(stderr); return RG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "riskctl events: unexpected argument '%s'\n", argv[optind]);
		return RG_EXIT_USAGE;
	}
	if (!rg_name_valid(instance)) {
		fprintf(stderr, "riskctl events: '%s' is not a valid instance name\n", instance);
		return RG_EXIT_USAGE;
	}
	if (f.n == 0)
		for (const char *const *t = default_types; *t != NULL; t++)
			f.types[f.n++] = *t;
	memset(&j, 0, sizeof(j));
	if ((rc = rg_journal_attach_readonly(&j, instance, err, sizeof(err))) != 0) {
		fprintf(stderr, "riskctl events: %s\n", err);
		return rc == -ENOENT ? RG_EXIT_NO_ENGINE : RG_EXIT_FAILED;
	}
	names = rg_jnames_new();
	if (names == NULL) {
		rg_journal_close(&j);
		return RG_EXIT_FAILED;
	}
	learn_from_control(names, instance);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	next = __atomic_load_n(&j.shared->head, __ATOMIC_ACQUIRE);
	if (backlog > (j.mask + 1) / 4)
		backlog = (j.mask + 1) / 4;
	next = next > backlog ? next - backlog : 0;
	deadline = timeout_ms != 0 ? mono_ms() + timeout_ms : UINT64_MAX;
	rc = RG_EXIT_OK;
	while (!stop && (count == 0 || seen < count)) {
		struct rg_jrec rec;
		int got = take(&j, next, &rec);

		if (got == 1) {
			next++;
			struct rg_jrec parts[2];
			unsigned np;
			rg_jnames_learn(names, &rec);
			np = rg_jrec_split(&rec, parts); /* an ORDER_DECIDED: its two events */
			for (unsigned k = 0; k < np && (count == 0 || seen < count); k++)
				if (wanted(&f, &parts[k])) {
					print_event(&parts[k], names, json);
					seen++;
				}
			continue;
		}
		if (got < 0) {
			uint64_t head = __atomic_load_n(&j.shared->head, __ATOMIC_ACQUIRE);
			missed += head - next;
			fprintf(stderr, "riskctl events: fell behind the journal: %" PRIu64
					" record(s) skipped (riskctl audit export has them)\n", head - next);
			next = head;
			continue;
		}
		/* The engine publishes a slot before it moves head past it, so a head
		 * beyond an unpublished slot means the ring was moved forward (a new
		 * engine following the files): go with it. */
		uint64_t head = __atomic_load_n(&j.shared->head, __ATOMIC_ACQUIRE);
		if (head > next && take(&j, next, &rec) == 0) {
			next = head;
			continue;
		}
		if (mono_ms() >= deadline) {
			rc = count != 0 ? RG_EXIT_FAILED : RG_EXIT_OK;
			break;
		}
		struct timespec nap = {0, POLL_NS};
		nanosleep(&nap, NULL);
	}
	fflush(stdout);
	(void)missed;
	rg_jnames_free(names);
	rg_journal_close(&j);
	return rc;
}
