/*
 * riskctl: the operators' command line.  Reads an instance's shared memory,
 * and writes its kill segment for kill, resume and the operators' requests
 * (riskctl_kill.c); never talks to the engine any other way, so it works
 * while the engine's core is busy.
 *
 *   riskctl status [--instance NAME] [--json]   engine state, liveness, journal, kills
 *   riskctl stats  [--instance NAME] [--json]   counters, strategies and venues by name
 *   riskctl positions [--instance NAME] [--json] accounts' PnL and positions
 *   riskctl events [--instance NAME] [--json] ... operator and state-change records, live
 *   riskctl audit ...                           the audit journal (riskctl_audit.h)
 *
 * Output is a table for people or, with --json, one JSON object for scripts.
 * Every command that reads an engine exits with the engine's health when it
 * is not RUNNING (ctl_reader.h: 4 no engine, 5 not responding, 6 starting,
 * 7 stopping), after printing what it could read.
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

#include "ctl_json.h"
#include "ctl_reader.h"
#include "journal_ring.h"
#include "riskctl_audit.h"
#include "riskctl_events.h"
#include "riskctl_kill.h"
#include "riskctl_positions.h"

static uint64_t load64(const uint64_t *p)
{
	return rg_ld64(p);
}

static uint32_t load32(const uint32_t *p)
{
	return rg_ld32(p);
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

static void dump(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

static void checkpoints_line(const struct rg_ops_view *o)
{
	uint8_t state = rg_ld8(&o->checkpoint_state);
	uint64_t failures = load64(&o->checkpoint_failures);

	printf("checkpoints       %s", rg_ctl_checkpoint_state_str(state));
	if (state != 0)
		printf(", %" PRIu64 " written, newest covers records below %" PRIu64 " (%" PRIu64 " after it), %" PRIu64
		       " failed",
		       load64(&o->checkpoints_written), load64(&o->checkpoint_anchor_seq),
		       rg_ctl_checkpoint_records_after(o), failures);
	printf("%s\n", state == 2 ? "   <-- CHECKPOINTS STOPPED: see the engine log; a restart replays more" : "");
}

static int cmd_status(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live, const char *instance,
		      int json)
{
	struct rg_journal_status_view jv;
	char jline[512];
	bool jok = journal_line(instance, jline, sizeof(jline), &jv);
	int rc = rg_ctl_health_exit(live->health);

	if (json) {
		json_t *o = json_pack("{s:s, s:o}", "instance", instance, "engine", rg_ctl_liveness_json(live));
		if (r->attached) {
			json_object_set_new(o, "engine_state", json_string(rg_ctl_engine_state_str(live->engine_state)));
			json_object_set_new(o, "engine_pid", json_integer(live->pid));
			json_object_set_new(o, "heartbeat_age_us", live->heartbeat_age_ns == UINT64_MAX
									   ? json_null()
									   : json_integer((json_int_t)(live->heartbeat_age_ns / 1000)));
			json_object_set_new(o, "heartbeat_ns", json_integer((json_int_t)live->heartbeat_ns));
			json_object_set_new(o, "symbols", json_integer(rg_ctl_n_symbols(r)));
			json_object_set_new(o, "config_generation", json_integer(load32(&r->ctl->config_generation)));
			json_object_set_new(o, "kill_active", json_boolean(load32(&r->ctl->kill_active) != 0));
			json_object_set_new(o, "trading_state",
					    json_string(rg_ctl_trading_state_str(rg_ld8(&r->ctl->ops.instance_state))));
			json_object_set_new(o, "created_realtime_ns", json_integer((json_int_t)r->hdr->created_realtime_ns));
			json_object_set_new(o, "checkpoints", rg_ctl_checkpoints_json(&r->ctl->ops));
		} else {
			json_object_set_new(o, "engine_state", json_string("ABSENT"));
		}
		json_object_set_new(o, "journal", jok ? json_pack("{s:s, s:i, s:s, s:s, s:I, s:I}", "state",
								   rg_journal_state_str(jv.state), "error", (int)jv.error,
								   "error_op", rg_journal_op_str(jv.error_op), "line", jline,
								   "waiting", (json_int_t)(jv.head - jv.written),
								   "refused", (json_int_t)jv.full_count)
						      : json_pack("{s:s, s:s}", "state", "NONE", "line", jline));
		json_object_set_new(o, "kill", rg_riskctl_kill_status_json(instance));
		json_object_set_new(o, "exit_code", json_integer(rc));
		dump(o);
		return rc;
	}
	printf("instance          %s\n", instance);
	if (!r->attached) {
		printf("engine            %s   <-- %s\n", rg_ctl_health_str(live->health), live->why);
	} else {
		printf("engine            %s (pid %d)%s%s\n", rg_ctl_engine_state_str(live->engine_state), (int)live->pid,
		       live->health == RG_HEALTH_RUNNING ? "" : "   <-- ", live->health == RG_HEALTH_RUNNING ? "" : live->why);
		if (live->heartbeat_age_ns == UINT64_MAX)
			printf("heartbeat age     none yet\n");
		else
			printf("heartbeat age     %" PRIu64 " us%s\n", live->heartbeat_age_ns / 1000,
			       live->health == RG_HEALTH_NOT_RESPONDING ? "   <-- ENGINE NOT RESPONDING" : "");
		printf("trading state     %s\n", rg_ctl_trading_state_str(rg_ld8(&r->ctl->ops.instance_state)));
		printf("symbols           %u\n", rg_ctl_n_symbols(r));
		checkpoints_line(&r->ctl->ops);
	}
	printf("journal           %s%s\n", jline,
	       jok && jv.state == RG_JW_ERROR ? "   <-- JOURNAL FAILING: orders get AUDIT_BACKPRESSURE once the ring fills" : "");
	rg_riskctl_kill_status_print(stdout, instance);
	return rc;
}

static void latency_row(const char *what, const struct rg_histogram *h)
{
	printf("%-28s p50 %8" PRIu64 "  p90 %8" PRIu64 "  p99 %8" PRIu64 "  p99.9 %8" PRIu64 "  max %8" PRIu64 " ns\n",
	       what, rg_histogram_percentile(h, 500000), rg_histogram_percentile(h, 900000),
	       rg_histogram_percentile(h, 990000), rg_histogram_percentile(h, 999000), h->count ? h->max : 0);
}

static int cmd_stats(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live, int json)
{
	const struct rg_control *c = r->ctl;
	static struct rg_histogram check, decision;
	uint64_t now = rg_ctl_mono_ns();
	char since[40];

	rg_ctl_read_histogram(&c->check_ns, &check);
	rg_ctl_read_histogram(&c->decision_ns, &decision);

	if (json) {
		dump(rg_ctl_stats_json(r, live));
		return rg_ctl_health_exit(live->health);
	}
	if (live->health != RG_HEALTH_RUNNING)
		printf("ENGINE %s: %s\n", rg_ctl_health_str(live->health), live->why);
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
	printf("%-28s %14" PRIu64 "\n", "self-match cancels", load64(&c->self_match_cancels));
	for (unsigned i = 0; i < rg_ctl_n_delivery_counters; i++)
		printf("%-28s %14" PRIu64 "\n", rg_ctl_delivery_counters[i].label,
		       load64((const uint64_t *)((const char *)c + rg_ctl_delivery_counters[i].offset)));
	for (unsigned i = 1; i < RG_REJ_REASON_MAX; i++) {
		uint64_t n = load64(&c->rejected_by_reason[i]);
		if (n != 0)
			printf("  rejected %-19s %14" PRIu64 "\n", rg_reject_str(i), n);
	}
	printf("\n%-16s %-9s %-21s %-7s %10s %10s %10s %10s %8s %12s\n", "strategy", "state", "since (UTC)", "flags",
	       "messages", "approved", "rejected", "fills", "dead-man", "heartbeat");
	for (uint32_t i = 0; i < rg_ctl_n_strategies(r); i++) {
		const struct rg_strategy_view *v = &c->strategies[i];
		uint64_t age = rg_ctl_strategy_heartbeat_age(v, now);
		char flags[8] = "-", hb[24];
		size_t f = 0;
		if (rg_ld8(&v->kill))
			flags[f++] = 'K';
		if (rg_ld8(&v->dead_man_tripped))
			flags[f++] = 'D';
		if (rg_ld8(&v->throttle_latched))
			flags[f++] = 'T';
		if (f > 0)
			flags[f] = '\0';
		if (rg_ldi32(&v->pid) == 0)
			snprintf(hb, sizeof(hb), "detached");
		else if (age == UINT64_MAX)
			snprintf(hb, sizeof(hb), "none");
		else
			snprintf(hb, sizeof(hb), "%.3f s", (double)age / 1e9);
		rg_format_utc(since, sizeof(since), load64(&v->state_since_realtime_ns));
		printf("%-16.31s %-9s %-21.21s %-7s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %12s\n",
		       v->name, rg_ctl_trading_state_str(rg_ld8(&v->state)), since, flags, load64(&v->msgs_in),
		       load64(&v->approved), load64(&v->rejected), load64(&v->fills), load64(&v->dead_man_trips), hb);
	}
	printf("  flags: K killed, D halted by its dead-man watch, T execution throttle latched\n");
	printf("\n%-16s %-8s %-10s %-5s %12s %10s %8s %10s\n", "venue", "session", "breaker", "kill", "sent", "throttled",
	       "held", "protocol errors");
	for (uint32_t i = 0; i < rg_ctl_n_venues(r); i++) {
		const struct rg_venue_view *v = &c->venues[i];
		printf("%-16.31s %-8s %-10s %-5s %12" PRIu64 " %10" PRIu64 " %8" PRIu64 " %10" PRIu32 "\n", v->name,
		       rg_ctl_venue_session_str(rg_ld8(&v->session)), rg_ctl_breaker_str(rg_ld8(&v->breaker)),
		       rg_ld8(&v->kill) ? "yes" : "no", load64(&c->venue_sent[i]), load64(&c->venue_throttled[i]),
		       load64(&c->venue_held[i]), load32(&c->venue_protocol_errors[i]));
	}
	printf("\n");
	latency_row("check pipeline", &check);
	latency_row("submit to decision", &decision);
	return rg_ctl_health_exit(live->health);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: riskctl status|stats|positions [--instance NAME] [--json]\n"
		   "       riskctl events [--instance NAME] [--json] [--backlog N] [--count N] [--timeout MS] [--all]\n"
		   "       riskctl audit export|verify|status ... (riskctl audit --help)\n"
		   "  --instance NAME   instance to inspect (default: $RISKGATE_INSTANCE or \"demo\")\n"
		   "  --json            one JSON object instead of a table (events: one per line)\n");
	rg_riskctl_control_usage(f);
	fprintf(f, "exit status: 0 done; 1 failed or refused; 2 usage; 3 not confirmed by the engine within --wait;\n"
		   "             4 no engine runs on the instance; 5 the engine is not responding; 6 the engine is\n"
		   "             starting; 7 the engine is stopping; 8 resume: a Redis key still kills the scope\n");
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
	struct rg_ctl_reader r;
	struct rg_ctl_liveness live;
	int json = 0, c, rc;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? RG_EXIT_USAGE : RG_EXIT_OK;
	}
	cmd = argv[1];
	if (strcmp(cmd, "audit") == 0)
		return rg_riskctl_audit_main(argc - 1, argv + 1);
	if (strcmp(cmd, "events") == 0)
		return rg_riskctl_events_main(argc - 1, argv + 1);
	if (rg_riskctl_is_control_cmd(cmd))
		return rg_riskctl_control_main(argc, argv);
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': instance = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return RG_EXIT_OK;
		default: usage(stderr); return RG_EXIT_USAGE;
		}
	}
	if (instance == NULL)
		instance = "demo";
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "stats") != 0 && strcmp(cmd, "positions") != 0) {
		fprintf(stderr, "riskctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return RG_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "riskctl: %s: unexpected argument '%s'\n", cmd, argv[optind]);
		return RG_EXIT_USAGE;
	}
	if (!rg_name_valid(instance)) {
		fprintf(stderr, "riskctl: '%s' is not a valid instance name\n", instance);
		return RG_EXIT_USAGE;
	}
	rg_ctl_open(&r, instance, &live);
	if (strcmp(cmd, "status") == 0) {
		rc = cmd_status(&r, &live, instance, json);
	} else if (!r.attached) {
		fprintf(stderr, "riskctl: %s\n", live.why);
		if (json)
			dump(json_pack("{s:s, s:o, s:s, s:i}", "instance", instance, "engine", rg_ctl_liveness_json(&live),
				       "error", live.why, "exit_code", rg_ctl_health_exit(live.health)));
		rc = rg_ctl_health_exit(live.health);
	} else {
		if (live.health != RG_HEALTH_RUNNING)
			fprintf(stderr, "riskctl: %s\n", live.why);
		rc = strcmp(cmd, "positions") == 0 ? rg_riskctl_positions(&r, &live, json) : cmd_stats(&r, &live, json);
		if (rc == 0)
			rc = rg_ctl_health_exit(live.health);
	}
	rg_ctl_close(&r);
	return rc;
}
