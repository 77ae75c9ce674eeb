/*
 * /metrics (metrics_text.h).  One pass over a fresh attach of the control
 * segment: a scrape never keeps a mapping between calls, so an engine that
 * restarts (a new segment under the same name) is seen at the next scrape.
 *
 * Naming follows Prometheus conventions: base units (seconds, and the quote
 * currency for money), counters end in _total, states are one gauge per
 * possible state with 1 on the current one (so `== 1` selects it and an
 * alert can say which).  Money is the engine's fixed point divided by 10^8:
 * a float here is for graphs, never for risk arithmetic.
 */
#include "metrics_text.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "ctl_reader.h"
#include "kill_segment.h"
#include "latency_buckets.h"

struct out {
	struct rg_strbuf *b;
	bool om; /* OpenMetrics */
	const char *inst;
};

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	bool counter = strcmp(type, "counter") == 0;

	/* OpenMetrics names the counter family without _total, the text format with it. */
	rg_strbuf_printf(o->b, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, counter && !o->om ? "_total" : "", help, name,
			 counter && !o->om ? "_total" : "", type);
}

/* Label value, escaped for the exposition. */
static void put_escaped(struct rg_strbuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		char c = s[i];
		if (c == '\\' || c == '"')
			rg_strbuf_printf(b, "\\%c", c);
		else if (c == '\n')
			rg_strbuf_put(b, "\\n", 2);
		else
			rg_strbuf_put(b, &c, 1);
	}
}

/* name{instance="..."[,k="v"]...} : labels is NULL or "k1", "v1", "k2", "v2", NULL. */
static void sample_head(struct out *o, const char *name, const char *suffix, const char *const *labels)
{
	rg_strbuf_printf(o->b, "%s%s{riskgate_instance=\"", name, suffix);
	put_escaped(o->b, o->inst, RG_NAME_MAX);
	rg_strbuf_put(o->b, "\"", 1);
	for (; labels != NULL && labels[0] != NULL; labels += 2) {
		rg_strbuf_printf(o->b, ",%s=\"", labels[0]);
		put_escaped(o->b, labels[1], 256);
		rg_strbuf_put(o->b, "\"", 1);
	}
	rg_strbuf_put(o->b, "} ", 2);
}

static void u64(struct out *o, const char *name, const char *suffix, const char *const *labels, uint64_t v)
{
	sample_head(o, name, suffix, labels);
	rg_strbuf_printf(o->b, "%" PRIu64 "\n", v);
}

static void dbl(struct out *o, const char *name, const char *suffix, const char *const *labels, double v)
{
	sample_head(o, name, suffix, labels);
	rg_strbuf_printf(o->b, "%.10g\n", v);
}

/* Unix time in seconds, with microseconds. */
static void when(struct out *o, const char *name, const char *const *labels, uint64_t real_ns)
{
	sample_head(o, name, "", labels);
	rg_strbuf_printf(o->b, "%" PRIu64 ".%06" PRIu64 "\n", real_ns / 1000000000u, real_ns / 1000u % 1000000u);
}

static double e8(int64_t v)
{
	return (double)v / 1e8;
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One gauge per state, 1 on the current: NAME{KEY=...,state="S"}. */
static void states(struct out *o, const char *name, const char *key, const char *who, const char *const *names,
		   unsigned n, unsigned current)
{
	for (unsigned s = 0; s < n; s++)
		u64(o, name, "", key != NULL ? L(key, who, "state", names[s]) : L("state", names[s]), s == current);
}

static const char *const trading_states[] = {"ACTIVE", "REDUCING", "HALTED"};
static const char *const breaker_states[] = {"CLOSED", "OPEN", "HALF_OPEN"};
static const char *const session_states[] = {"UNKNOWN", "UP", "DOWN"};
static const char *const journal_states[] = {"STOPPED", "RUNNING", "ERROR"};
static const char *const checkpoint_states[] = {"OFF", "RUNNING", "STOPPED"};
static const char *const health_states[] = {"RUNNING", "ABSENT", "NOT_RESPONDING", "STARTING", "STOPPING",
					    "UNREADABLE"};

static void histogram(struct out *o, const char *name, const char *help, const struct rg_histogram *live)
{
	static struct rg_histogram h;
	uint64_t cum[RG_LB_COUNT], total;
	char le[32];

	rg_ctl_read_histogram(live, &h);
	total = rg_lb_cumulative(&h, cum);
	family(o, name, "histogram", help);
	for (uint32_t k = 0; k < RG_LB_COUNT; k++) {
		snprintf(le, sizeof(le), "%.9g", (double)rg_lb_le_ns(k) / 1e9);
		u64(o, name, "_bucket", L("le", le), cum[k]);
	}
	u64(o, name, "_bucket", L("le", "+Inf"), total);
	dbl(o, name, "_sum", NULL, (double)h.sum / 1e9);
	u64(o, name, "_count", NULL, total);
}

static void engine_block(struct out *o, const struct rg_ctl_reader *r)
{
	const struct rg_control *c = r->ctl;
	const struct rg_ops_view *ops = &c->ops;
	char reason[40];

	family(o, "riskgate_engine_start_time_seconds", "gauge", "When the engine created its control segment (Unix time).");
	when(o, "riskgate_engine_start_time_seconds", NULL, r->hdr->created_realtime_ns);
	family(o, "riskgate_config_generation", "gauge", "Config loads since the engine started (a reload adds one).");
	u64(o, "riskgate_config_generation", "", NULL, rg_ld32(&c->config_generation));

	family(o, "riskgate_messages", "counter", "Messages read from the strategies' order rings.");
	u64(o, "riskgate_messages", "_total", NULL, rg_ld64(&c->msgs_in));
	family(o, "riskgate_decisions", "counter", "Orders decided, by outcome.");
	u64(o, "riskgate_decisions", "_total", L("outcome", "approved"), rg_ld64(&c->approved));
	u64(o, "riskgate_decisions", "_total", L("outcome", "rejected"), rg_ld64(&c->rejected));
	family(o, "riskgate_rejects", "counter", "Orders refused, by reject reason.");
	for (unsigned i = 1; i < RG_REJ_REASON_MAX; i++) {
		const char *s = rg_reject_str(i);
		if (strcmp(s, "UNKNOWN_REASON") == 0)
			continue;
		snprintf(reason, sizeof(reason), "%s", s);
		u64(o, "riskgate_rejects", "_total", L("reason", reason), rg_ld64(&c->rejected_by_reason[i]));
	}
	family(o, "riskgate_fills", "counter", "Fills received from venues.");
	u64(o, "riskgate_fills", "_total", NULL, rg_ld64(&c->fills));
	family(o, "riskgate_reports", "counter", "Reports written to strategies.");
	u64(o, "riskgate_reports", "_total", NULL, rg_ld64(&c->reports_out));
	family(o, "riskgate_dead_man_trips", "counter", "Strategies halted for a heartbeat older than their dead-man timeout.");
	u64(o, "riskgate_dead_man_trips", "_total", NULL, rg_ld64(&c->dead_man_trips));
	family(o, "riskgate_dead_man_lifts", "counter", "Dead-man halts lifted by the strategy opening its session again.");
	u64(o, "riskgate_dead_man_lifts", "_total", NULL, rg_ld64(&c->dead_man_lifts));
	family(o, "riskgate_mass_cancel_abandoned", "counter", "Mass cancels given up with cancels unsent.");
	u64(o, "riskgate_mass_cancel_abandoned", "_total", NULL, rg_ld64(&c->mass_cancel_abandoned));
	family(o, "riskgate_self_match_cancels", "counter",
	       "Resting orders cancelled because an order of their self-match group would have crossed them.");
	u64(o, "riskgate_self_match_cancels", "_total", NULL, rg_ld64(&c->self_match_cancels));
	for (unsigned i = 0; i < rg_ctl_n_delivery_counters; i++) {
		const struct rg_ctl_counter *k = &rg_ctl_delivery_counters[i];
		char name[64];
		snprintf(name, sizeof(name), "riskgate_%s", k->key);
		family(o, name, "counter", k->label);
		u64(o, name, "_total", NULL, rg_ld64((const uint64_t *)((const char *)c + k->offset)));
	}
	family(o, "riskgate_engine_log_lines_lost", "counter", "Engine log lines dropped because the log could not keep up.");
	u64(o, "riskgate_engine_log_lines_lost", "_total", NULL, rg_ld64(&ops->log_lines_lost));

	family(o, "riskgate_trading_state", "gauge", "The instance's trading state (1 on the current state).");
	states(o, "riskgate_trading_state", NULL, NULL, trading_states, 3, rg_ld8(&ops->instance_state));
	if (rg_ld64(&ops->state_since_realtime_ns) != 0) {
		family(o, "riskgate_trading_state_since_seconds", "gauge", "When the instance's trading state last changed (Unix time).");
		when(o, "riskgate_trading_state_since_seconds", NULL, rg_ld64(&ops->state_since_realtime_ns));
	}
	family(o, "riskgate_kill_active", "gauge", "1 while an instance-wide kill is in force.");
	u64(o, "riskgate_kill_active", "", NULL, rg_ld32(&c->kill_active) != 0);
	family(o, "riskgate_kills_in_force", "gauge", "Kills the engine applies now, at every scope.");
	u64(o, "riskgate_kills_in_force", "", NULL, rg_ld32(&ops->kills_in_force));
}

static void strategies_block(struct out *o, const struct rg_ctl_reader *r)
{
	const struct rg_control *c = r->ctl;
	uint32_t n = rg_ctl_n_strategies(r);
	uint64_t now = rg_ctl_mono_ns();
	char name[RG_NAME_MAX];

#define EACH for (uint32_t i = 0; i < n && (rg_ctl_name(name, c->strategies[i].name), 1); i++)
	family(o, "riskgate_strategy_messages", "counter", "Messages read from the strategy's order ring.");
	EACH u64(o, "riskgate_strategy_messages", "_total", L("strategy", name), rg_ld64(&c->strategies[i].msgs_in));
	family(o, "riskgate_strategy_decisions", "counter", "The strategy's orders decided, by outcome.");
	EACH {
		u64(o, "riskgate_strategy_decisions", "_total", L("strategy", name, "outcome", "approved"),
		    rg_ld64(&c->strategies[i].approved));
		u64(o, "riskgate_strategy_decisions", "_total", L("strategy", name, "outcome", "rejected"),
		    rg_ld64(&c->strategies[i].rejected));
	}
	family(o, "riskgate_strategy_fills", "counter", "Fills of the strategy's orders.");
	EACH u64(o, "riskgate_strategy_fills", "_total", L("strategy", name), rg_ld64(&c->strategies[i].fills));
	family(o, "riskgate_strategy_dead_man_trips", "counter", "Times the strategy's dead-man watch tripped.");
	EACH u64(o, "riskgate_strategy_dead_man_trips", "_total", L("strategy", name),
		 rg_ld64(&c->strategies[i].dead_man_trips));
	family(o, "riskgate_strategy_trading_state", "gauge", "The strategy's trading state (1 on the current state).");
	EACH states(o, "riskgate_strategy_trading_state", "strategy", name, trading_states, 3,
		    rg_ld8(&c->strategies[i].state));
	family(o, "riskgate_strategy_state_since_seconds", "gauge",
	       "When the strategy's state, kill or dead-man halt last changed (Unix time).");
	EACH if (rg_ld64(&c->strategies[i].state_since_realtime_ns) != 0)
		when(o, "riskgate_strategy_state_since_seconds", L("strategy", name),
		     rg_ld64(&c->strategies[i].state_since_realtime_ns));
	family(o, "riskgate_strategy_killed", "gauge", "1 while a kill of the strategy is in force.");
	EACH u64(o, "riskgate_strategy_killed", "", L("strategy", name), rg_ld8(&c->strategies[i].kill));
	family(o, "riskgate_strategy_dead_man_tripped", "gauge", "1 while the strategy is halted by its dead-man watch.");
	EACH u64(o, "riskgate_strategy_dead_man_tripped", "", L("strategy", name), rg_ld8(&c->strategies[i].dead_man_tripped));
	family(o, "riskgate_strategy_throttle_latched", "gauge", "1 while the strategy's execution throttle is latched.");
	EACH u64(o, "riskgate_strategy_throttle_latched", "", L("strategy", name), rg_ld8(&c->strategies[i].throttle_latched));
	family(o, "riskgate_strategy_attached", "gauge", "1 while a process holds the strategy's session.");
	EACH u64(o, "riskgate_strategy_attached", "", L("strategy", name), rg_ldi32(&c->strategies[i].pid) != 0);
	family(o, "riskgate_strategy_heartbeat_age_seconds", "gauge",
	       "Age of the strategy's last heartbeat (only while attached and once it stamped one).");
	EACH {
		uint64_t hb = rg_ld64(&c->strategies[i].heartbeat_mono_ns);
		if (hb != 0 && rg_ldi32(&c->strategies[i].pid) != 0)
			dbl(o, "riskgate_strategy_heartbeat_age_seconds", "", L("strategy", name),
			    now > hb ? (double)(now - hb) / 1e9 : 0.0);
	}
	family(o, "riskgate_strategy_dead_man_timeout_seconds", "gauge", "The strategy's dead-man timeout; 0: not watched.");
	EACH dbl(o, "riskgate_strategy_dead_man_timeout_seconds", "", L("strategy", name),
		 (double)rg_ld64(&c->strategies[i].dead_man_timeout_ns) / 1e9);
#undef EACH
}

static void venues_block(struct out *o, const struct rg_ctl_reader *r)
{
	const struct rg_control *c = r->ctl;
	uint32_t n = rg_ctl_n_venues(r);
	char name[RG_NAME_MAX];

#define EACH for (uint32_t i = 0; i < n && (rg_ctl_name(name, c->venues[i].name), 1); i++)
	family(o, "riskgate_venue_sent", "counter", "Requests handed to the venue's adapter.");
	EACH u64(o, "riskgate_venue_sent", "_total", L("venue", name), rg_ld64(&c->venue_sent[i]));
	family(o, "riskgate_venue_throttled", "counter", "Approvals refused for want of a venue rate token.");
	EACH u64(o, "riskgate_venue_throttled", "_total", L("venue", name), rg_ld64(&c->venue_throttled[i]));
	family(o, "riskgate_venue_held", "gauge", "Approved orders waiting now for a venue rate token.");
	EACH u64(o, "riskgate_venue_held", "", L("venue", name), rg_ld64(&c->venue_held[i]));
	family(o, "riskgate_venue_protocol_errors", "counter", "Malformed messages and garbage runs from the venue.");
	EACH u64(o, "riskgate_venue_protocol_errors", "_total", L("venue", name), rg_ld32(&c->venue_protocol_errors[i]));
	family(o, "riskgate_venue_breaker_state", "gauge", "The venue's circuit breaker (1 on the current state).");
	EACH states(o, "riskgate_venue_breaker_state", "venue", name, breaker_states, 3, rg_ld8(&c->venues[i].breaker));
	family(o, "riskgate_venue_breaker_opens", "counter", "Times the venue's circuit breaker opened.");
	EACH u64(o, "riskgate_venue_breaker_opens", "_total", L("venue", name), rg_ld64(&c->venues[i].breaker_opens));
	family(o, "riskgate_venue_session_state", "gauge", "The venue session as its adapter reports it (1 on the current state).");
	EACH states(o, "riskgate_venue_session_state", "venue", name, session_states, 3, rg_ld8(&c->venues[i].session));
	family(o, "riskgate_venue_killed", "gauge", "1 while a kill of the venue is in force.");
	EACH u64(o, "riskgate_venue_killed", "", L("venue", name), rg_ld8(&c->venues[i].kill));
#undef EACH
}

static void accounts_block(struct out *o, const struct rg_ctl_reader *r)
{
	static struct rg_account_view a[RG_CTL_ACCOUNTS];
	int64_t net[RG_CTL_ACCOUNTS];
	uint32_t n = rg_ctl_n_accounts(r);
	char name[RG_NAME_MAX];

	for (uint32_t i = 0; i < n; i++)
		rg_ctl_read_account(r, i, &a[i]);
	rg_ctl_net_notionals(r, net);
#define EACH for (uint32_t i = 0; i < n && (rg_ctl_name(name, a[i].name), 1); i++)
#define MONEY(metric, help, expr)                                                   \
	do {                                                                        \
		family(o, metric, "gauge", help);                                   \
		EACH dbl(o, metric, "", L("account", name), e8(expr));              \
	} while (0)
	MONEY("riskgate_account_gross_notional", "Sum of |position| x mark over the account's symbols (quote currency).",
	      a[i].gross_position_e8);
	MONEY("riskgate_account_net_notional", "Sum of signed position x mark over the account's symbols (quote currency).",
	      net[i]);
	MONEY("riskgate_account_open_notional", "Notional reserved by the account's live orders (quote currency).",
	      a[i].open_notional_e8);
	MONEY("riskgate_account_realized_pnl", "Realized PnL of the trading day (quote currency).", a[i].realized_today_e8);
	MONEY("riskgate_account_unrealized_pnl", "Unrealized PnL of open positions at their mark (quote currency).",
	      a[i].upnl_e8);
	MONEY("riskgate_account_day_pnl", "Realized plus change of unrealized since the day started (quote currency).",
	      a[i].day_pnl_e8);
	MONEY("riskgate_account_equity_start_of_day", "Start-of-day equity (quote currency).", a[i].equity_sod_e8);
	MONEY("riskgate_account_peak_equity", "The day's equity peak, for drawdown (quote currency).", a[i].peak_equity_e8);
#undef MONEY
	family(o, "riskgate_account_orders_today", "gauge", "New orders approved for the account this trading day.");
	EACH u64(o, "riskgate_account_orders_today", "", L("account", name), a[i].orders_today);
	family(o, "riskgate_account_trading_state", "gauge", "The account's operator trading state (1 on the current state).");
	EACH states(o, "riskgate_account_trading_state", "account", name, trading_states, 3, a[i].state);
	family(o, "riskgate_account_loss_state", "gauge",
	       "The account's loss/drawdown latch: ACTIVE, or the state a breach entered (1 on the current state).");
	EACH states(o, "riskgate_account_loss_state", "account", name, trading_states, 3, a[i].loss_state);
	family(o, "riskgate_account_state_since_seconds", "gauge", "When the account's state or loss latch last changed (Unix time).");
	EACH if (a[i].state_since_ns != 0)
		when(o, "riskgate_account_state_since_seconds", L("account", name), a[i].state_since_ns);
#undef EACH
}

static void journal_block(struct out *o, const struct rg_ctl_reader *r)
{
	const struct rg_ops_view *j = &r->ctl->ops;
	uint64_t appended = rg_ld64(&j->journal_appended), written = rg_ld64(&j->journal_written);
	uint64_t durable = rg_ld64(&j->journal_durable), last = rg_ld64(&j->journal_last_fsync_mono_ns);
	uint64_t now = rg_ctl_mono_ns();

	family(o, "riskgate_journal_records_appended", "counter", "Records the engine appended to the audit journal.");
	u64(o, "riskgate_journal_records_appended", "_total", NULL, appended);
	family(o, "riskgate_journal_records_written", "counter", "Records written to journal files.");
	u64(o, "riskgate_journal_records_written", "_total", NULL, written);
	family(o, "riskgate_journal_records_waiting", "gauge", "Records appended but not yet in a file (the journal's lag).");
	u64(o, "riskgate_journal_records_waiting", "", NULL, appended > written ? appended - written : 0);
	family(o, "riskgate_journal_records_not_durable", "gauge", "Records appended but not yet fdatasync'd.");
	u64(o, "riskgate_journal_records_not_durable", "", NULL, appended > durable ? appended - durable : 0);
	family(o, "riskgate_journal_appends_refused", "counter", "Appends refused because the journal ring was full.");
	u64(o, "riskgate_journal_appends_refused", "_total", NULL, rg_ld64(&j->journal_refused));
	family(o, "riskgate_journal_written_bytes", "counter", "Bytes written to journal files.");
	u64(o, "riskgate_journal_written_bytes", "_total", NULL, rg_ld64(&j->journal_bytes));
	family(o, "riskgate_journal_fsyncs", "counter", "fdatasyncs of journal files.");
	u64(o, "riskgate_journal_fsyncs", "_total", NULL, rg_ld64(&j->journal_fsyncs));
	if (last != 0) {
		family(o, "riskgate_journal_last_fsync_age_seconds", "gauge", "Time since the journal's last fdatasync.");
		dbl(o, "riskgate_journal_last_fsync_age_seconds", "", NULL, now > last ? (double)(now - last) / 1e9 : 0.0);
	}
	family(o, "riskgate_journal_writer_state", "gauge", "The journal writer (1 on the current state).");
	states(o, "riskgate_journal_writer_state", NULL, NULL, journal_states, 3, rg_ld32(&j->journal_state));
	family(o, "riskgate_journal_error", "gauge", "errno of the journal writer's most recent error; 0: none.");
	u64(o, "riskgate_journal_error", "", NULL, (uint64_t)(uint32_t)rg_ldi32(&j->journal_error));
	family(o, "riskgate_checkpoint_state", "gauge", "Risk-state checkpoints (1 on the current state).");
	states(o, "riskgate_checkpoint_state", NULL, NULL, checkpoint_states, 3, rg_ld8(&j->checkpoint_state));
	family(o, "riskgate_checkpoints_written", "counter", "Risk-state checkpoints written since the engine started.");
	u64(o, "riskgate_checkpoints_written", "_total", NULL, rg_ld64(&j->checkpoints_written));
	family(o, "riskgate_checkpoint_anchor_seq", "gauge", "Journal sequence the newest checkpoint covers up to (0: none).");
	u64(o, "riskgate_checkpoint_anchor_seq", "", NULL, rg_ld64(&j->checkpoint_anchor_seq));
	family(o, "riskgate_checkpoint_failures", "counter", "Checkpoint writes that failed.");
	u64(o, "riskgate_checkpoint_failures", "_total", NULL, rg_ld64(&j->checkpoint_failures));
}

/* Kills in force, from the kill segment (readable by the operators' group). */
static void kills_block(struct out *o)
{
	static struct rg_kill_entry k[RG_KILL_MAX];
	struct rg_kill_seg seg;
	uint32_t n = 0;
	char err[256], name[RG_KILL_NAME_MAX];
	int ok = rg_kill_attach(&seg, o->inst, false, err, sizeof(err)) == 0;

	if (ok) {
		ok = rg_kill_list(&seg, k, RG_KILL_MAX, &n, NULL) == 0;
		rg_kill_close(&seg);
	}
	family(o, "riskgate_kill_segment_readable", "gauge", "1 when the exporter could read the kill segment.");
	u64(o, "riskgate_kill_segment_readable", "", NULL, ok);
	if (!ok)
		return;
	family(o, "riskgate_kill_since_seconds", "gauge",
	       "One series per kill in force: when it was put in force (Unix time), by scope, name and source.");
	for (uint32_t i = 0; i < n; i++) {
		memcpy(name, k[i].name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		when(o, "riskgate_kill_since_seconds",
		     L("scope", rg_kill_scope_kind_str(k[i].scope), "name", name, "source", rg_kill_source_str(k[i].source)),
		     k[i].time_ns);
	}
}

void rg_metrics_write(struct rg_strbuf *b, const char *instance, bool openmetrics)
{
	struct out o = {b, openmetrics, instance};
	struct rg_ctl_reader r;
	struct rg_ctl_liveness live;
	bool serving;

	rg_ctl_open(&r, instance, &live);
	serving = live.health == RG_HEALTH_RUNNING || live.health == RG_HEALTH_STOPPING;
	family(&o, "riskgate_up", "gauge", "1 while the engine is running and its heartbeat is fresh.");
	u64(&o, "riskgate_up", "", NULL, live.health == RG_HEALTH_RUNNING);
	family(&o, "riskgate_engine_health", "gauge",
	       "The engine as the exporter sees it (1 on the current state); only RUNNING and STOPPING show counters.");
	states(&o, "riskgate_engine_health", NULL, NULL, health_states, 6, (unsigned)live.health);
	if (r.attached && live.heartbeat_age_ns != UINT64_MAX) {
		family(&o, "riskgate_engine_heartbeat_age_seconds", "gauge", "Age of the engine's heartbeat (it beats every millisecond).");
		dbl(&o, "riskgate_engine_heartbeat_age_seconds", "", NULL, (double)live.heartbeat_age_ns / 1e9);
	}
	if (serving) {
		engine_block(&o, &r);
		strategies_block(&o, &r);
		venues_block(&o, &r);
		accounts_block(&o, &r);
		journal_block(&o, &r);
		kills_block(&o);
		histogram(&o, "riskgate_check_duration_seconds", "Time in the engine's check pipeline per message.",
			  &r.ctl->check_ns);
		histogram(&o, "riskgate_submit_to_decision_seconds",
			  "From the strategy's submit stamp to the engine's decision (same host clock).", &r.ctl->decision_ns);
	}
	rg_ctl_close(&r);
	if (openmetrics)
		rg_strbuf_put(b, "# EOF\n", 6);
}
