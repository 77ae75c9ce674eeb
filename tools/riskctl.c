/*
 * riskctl: the operators' command line.  Reads an instance's shared memory,
 * and writes its kill segment for kill, resume and the operators' requests
 * (riskctl_kill.c); never talks to the engine any other way, so it works
 * while the engine's core is busy.
 *
 *   riskctl status [--instance NAME] [--json]   engine state, liveness
 *   riskctl stats  [--instance NAME] [--json]   counters and rejects by reason
 *   riskctl positions [--instance NAME] [--json] accounts' PnL and positions
 *   riskctl audit ...                           the audit journal (riskctl_audit.h)
 *
 * Output is a table for people or, with --json, one JSON object for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <riskgate/segment.h>

#include "journal_ring.h"
#include "riskctl_audit.h"
#include "riskctl_kill.h"
#include "riskctl_positions.h"

struct ctl_view {
	struct rg_seg_map map;
	const struct rg_seg_header *hdr;
	const struct rg_control *ctl;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *engine_state_str(uint32_t s)
{
	switch (s) {
	case RG_ENGINE_STARTING: return "STARTING";
	case RG_ENGINE_RUNNING: return "RUNNING";
	case RG_ENGINE_DRAINING: return "DRAINING";
	case RG_ENGINE_STOPPED: return "STOPPED";
	default: return "UNKNOWN";
	}
}

static int open_control(struct ctl_view *v, const char *instance)
{
	char err[256];
	int rc = rg_seg_attach(&v->map, instance, NULL, false, err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "riskctl: %s\n", err);
		return rc;
	}
	v->hdr = rg_seg_header_of(&v->map);
	v->ctl = (const struct rg_control *)((const char *)v->map.base + v->map.layout.control_off);
	return 0;
}

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* True when venue i has any counter to show. */
static bool venue_active(const struct rg_control *c, unsigned i)
{
	return load64(&c->venue_sent[i]) != 0 || load64(&c->venue_throttled[i]) != 0 ||
	       load64(&c->venue_held[i]) != 0 || load32(&c->venue_protocol_errors[i]) != 0;
}

/* The journal writer's state in one line, e.g. "ERROR: write journal-20240501.rgj failed: No space left
 * on device (ENOSPC); 8192 records wait in the ring"; *view filled when it returns true. */
static bool journal_line(const char *instance, char *line, size_t len, struct rg_journal_status_view *view)
{
	struct rg_journal j;
	char err[256];

	memset(&j, 0, sizeof(j));
	if (rg_journal_attach_readonly(&j, instance, err, sizeof(err)) != 0) {
		snprintf(line, len, "no journal ring (%s)", err);
		return false;
	}
	rg_journal_status_read(&j, view);
	rg_journal_status_str(view, line, len);
	rg_journal_close(&j);
	return true;
}

static int cmd_status(const struct ctl_view *v, const char *instance, int json)
{
	struct rg_journal_status_view jv;
	char jline[512];
	bool jok = journal_line(v->hdr->instance, jline, sizeof(jline), &jv);

	uint64_t hb = __atomic_load_n(&v->hdr->heartbeat_ns, __ATOMIC_RELAXED), now = monotonic_ns();
	uint64_t age_us = now > hb ? (now - hb) / 1000 : 0;
	uint32_t state = __atomic_load_n(&v->ctl->engine_state, __ATOMIC_ACQUIRE);

	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:i, s:i, s:b, s:I}", "instance", v->hdr->instance,
				      "engine_state", engine_state_str(state), "engine_pid", (int)v->hdr->creator_pid,
				      "heartbeat_age_us", (json_int_t)age_us, "symbols",
				      (int)__atomic_load_n(&v->ctl->symbol_count, __ATOMIC_ACQUIRE), "config_generation",
				      (int)v->ctl->config_generation, "kill_active",
				      __atomic_load_n(&v->ctl->kill_active, __ATOMIC_RELAXED) != 0, "created_realtime_ns",
				      (json_int_t)v->hdr->created_realtime_ns);
		json_object_set_new(o, "journal", jok ? json_pack("{s:s, s:i, s:s, s:s, s:I, s:I}", "state",
								   rg_journal_state_str(jv.state), "error", (int)jv.error,
								   "error_op", rg_journal_op_str(jv.error_op), "line", jline,
								   "waiting", (json_int_t)(jv.head - jv.written),
								   "refused", (json_int_t)jv.full_count)
						      : json_pack("{s:s, s:s}", "state", "NONE", "line", jline));
		json_object_set_new(o, "kill", rg_riskctl_kill_status_json(instance));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		return 0;
	}
	printf("instance          %s\n", v->hdr->instance);
	printf("engine            %s (pid %d)\n", engine_state_str(state), (int)v->hdr->creator_pid);
	printf("heartbeat age     %" PRIu64 " us%s\n", age_us, age_us > 1000000 ? "   <-- ENGINE NOT RESPONDING" : "");
	printf("symbols           %u\n", __atomic_load_n(&v->ctl->symbol_count, __ATOMIC_ACQUIRE));
	printf("journal           %s%s\n", jline,
	       jok && jv.state == RG_JW_ERROR ? "   <-- JOURNAL FAILING: orders get AUDIT_BACKPRESSURE once the ring fills" : "");
	rg_riskctl_kill_status_print(stdout, instance);
	return 0;
}

/* A reader's copy of a histogram the engine keeps writing. */
static void snapshot(const struct rg_histogram *live, struct rg_histogram *copy)
{
	memcpy(copy, live, sizeof(*copy));
}

static json_t *latency_json(const struct rg_histogram *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count, "p50",
			 (json_int_t)rg_histogram_percentile(h, 500000), "p90", (json_int_t)rg_histogram_percentile(h, 900000),
			 "p99", (json_int_t)rg_histogram_percentile(h, 990000), "p999",
			 (json_int_t)rg_histogram_percentile(h, 999000), "max", (json_int_t)h->max);
}

static void latency_row(const char *what, const struct rg_histogram *h)
{
	printf("%-28s p50 %8" PRIu64 "  p90 %8" PRIu64 "  p99 %8" PRIu64 "  p99.9 %8" PRIu64 "  max %8" PRIu64 " ns\n",
	       what, rg_histogram_percentile(h, 500000), rg_histogram_percentile(h, 900000),
	       rg_histogram_percentile(h, 990000), rg_histogram_percentile(h, 999000), h->max);
}

static int cmd_stats(const struct ctl_view *v, int json)
{
	const struct rg_control *c = v->ctl;
	static struct rg_histogram check, decision;
	/* Report delivery and session health (docs/operations.md "Look"). */
	const struct {
		const char *key, *label;
		const uint64_t *word;
	} delivery[] = {
		{"reports_held", "reports held (ring full)", &c->reports_held},
		{"event_waits", "venue events waited", &c->event_waits},
		{"journal_share_refused", "journal share refused", &c->journal_share_refused},
		{"sessions_truncated", "sessions truncated", &c->sessions_truncated},
		{"sessions_reopened", "sessions made afresh", &c->sessions_reopened},
		{"sessions_quarantined", "sessions quarantined", &c->sessions_quarantined},
		{"report_replays", "report replays", &c->report_replays},
		{"reports_replayed", "reports replayed", &c->reports_replayed},
	};

	snapshot(&c->check_ns, &check);
	snapshot(&c->decision_ns, &decision);

	if (json) {
		json_t *by = json_object();
		for (unsigned r = 1; r < RG_REJ_REASON_MAX; r++) {
			uint64_t n = load64(&c->rejected_by_reason[r]);
			if (n != 0)
				json_object_set_new(by, rg_reject_str(r), json_integer((json_int_t)n));
		}
		json_t *venues = json_array();
		for (unsigned i = 0; i < RG_CTL_VENUES; i++)
			if (venue_active(c, i))
				json_array_append_new(
					venues, json_pack("{s:i, s:I, s:I, s:I, s:I}", "venue", (int)i, "sent",
							  (json_int_t)load64(&c->venue_sent[i]), "throttled",
							  (json_int_t)load64(&c->venue_throttled[i]), "held",
							  (json_int_t)load64(&c->venue_held[i]), "protocol_errors",
							  (json_int_t)load32(&c->venue_protocol_errors[i])));
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "instance", v->hdr->instance,
				      "msgs_in", (json_int_t)load64(&c->msgs_in), "approved", (json_int_t)load64(&c->approved),
				      "rejected", (json_int_t)load64(&c->rejected), "fills", (json_int_t)load64(&c->fills),
				      "reports_out", (json_int_t)load64(&c->reports_out), "rejected_by_reason", by, "venues",
				      venues, "check_ns", latency_json(&check), "submit_to_decision_ns",
				      latency_json(&decision));
		json_object_set_new(o, "dead_man_trips", json_integer((json_int_t)load64(&c->dead_man_trips)));
		json_object_set_new(o, "dead_man_lifts", json_integer((json_int_t)load64(&c->dead_man_lifts)));
		json_object_set_new(o, "mass_cancel_no_room", json_integer((json_int_t)load64(&c->mass_cancel_no_room)));
		json_object_set_new(o, "mass_cancel_retries", json_integer((json_int_t)load64(&c->mass_cancel_retries)));
		json_object_set_new(o, "mass_cancel_abandoned",
				    json_integer((json_int_t)load64(&c->mass_cancel_abandoned)));
		for (unsigned i = 0; i < sizeof(delivery) / sizeof(delivery[0]); i++)
			json_object_set_new(o, delivery[i].key, json_integer((json_int_t)load64(delivery[i].word)));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		return 0;
	}
	printf("%-28s %14" PRIu64 "\n", "messages in", load64(&c->msgs_in));
	printf("%-28s %14" PRIu64 "\n", "approved", load64(&c->approved));
	printf("%-28s %14" PRIu64 "\n", "rejected", load64(&c->rejected));
	printf("%-28s %14" PRIu64 "\n", "fills", load64(&c->fills));
	printf("%-28s %14" PRIu64 "\n", "reports out", load64(&c->reports_out));
	printf("%-28s %14" PRIu64 "\n", "dead-man trips", load64(&c->dead_man_trips));
	printf("%-28s %14" PRIu64 "\n", "dead-man lifts", load64(&c->dead_man_lifts));
	printf("%-28s %14" PRIu64 "\n", "mass cancels: no room", load64(&c->mass_cancel_no_room));
	printf("%-28s %14" PRIu64 "\n", "mass cancels: walks again", load64(&c->mass_cancel_retries));
	printf("%-28s %14" PRIu64 "\n", "mass cancels: abandoned", load64(&c->mass_cancel_abandoned));
	for (unsigned i = 0; i < sizeof(delivery) / sizeof(delivery[0]); i++)
		printf("%-28s %14" PRIu64 "\n", delivery[i].label, load64(delivery[i].word));
	for (unsigned r = 1; r < RG_REJ_REASON_MAX; r++) {
		uint64_t n = load64(&c->rejected_by_reason[r]);
		if (n != 0)
			printf("  rejected %-19s %14" PRIu64 "\n", rg_reject_str(r), n);
	}
	for (unsigned i = 0; i < RG_CTL_VENUES; i++)
		if (venue_active(c, i))
			printf("venue %-2u sent %14" PRIu64 "   throttled %10" PRIu64 "   held %8" PRIu64
			       "   protocol errors %8" PRIu32 "\n",
			       i, load64(&c->venue_sent[i]), load64(&c->venue_throttled[i]), load64(&c->venue_held[i]),
			       load32(&c->venue_protocol_errors[i]));
	latency_row("check pipeline", &check);
	latency_row("submit to decision", &decision);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: riskctl status|stats|positions [--instance NAME] [--json]\n"
		   "       riskctl audit export|verify|status ... (riskctl audit --help)\n"
		   "  --instance NAME   instance to inspect (default: $RISKGATE_INSTANCE or \"demo\")\n"
		   "  --json            one JSON object instead of a table\n");
	rg_riskctl_control_usage(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *instance = getenv("RISKGATE_INSTANCE");
	const char *cmd;
	struct ctl_view v = {0};
	int json = 0, c, rc;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "audit") == 0)
		return rg_riskctl_audit_main(argc - 1, argv + 1);
	if (rg_riskctl_is_control_cmd(cmd))
		return rg_riskctl_control_main(argc, argv);
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': instance = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (instance == NULL)
		instance = "demo";
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "stats") != 0 && strcmp(cmd, "positions") != 0) {
		fprintf(stderr, "riskctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (open_control(&v, instance) != 0)
		return 1;
	if (strcmp(cmd, "positions") == 0)
		rc = rg_riskctl_positions(&v.map, json);
	else
		rc = strcmp(cmd, "status") == 0 ? cmd_status(&v, instance, json) : cmd_stats(&v, json);
	rg_seg_detach(&v.map);
	return rc;
}
