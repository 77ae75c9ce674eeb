/*
 * An instance as JSON (ctl_json.h).  Reads go through ctl_reader.h: relaxed
 * loads of counters, seqlocked copies of accounts.
 */
#include "ctl_json.h"

#include <string.h>

#include "journal_ring.h"

static uint64_t load64(const uint64_t *p)
{
	return rg_ld64(p);
}

static uint32_t load32(const uint32_t *p)
{
	return rg_ld32(p);
}

json_t *rg_ctl_latency_json(const struct rg_histogram *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count, "sum", (json_int_t)h->sum,
			 "p50", (json_int_t)rg_histogram_percentile(h, 500000), "p90",
			 (json_int_t)rg_histogram_percentile(h, 900000), "p99",
			 (json_int_t)rg_histogram_percentile(h, 990000), "p999",
			 (json_int_t)rg_histogram_percentile(h, 999000), "max", (json_int_t)h->max);
}

/* Age of a strategy's heartbeat, UINT64_MAX when it never stamped one. */
uint64_t rg_ctl_strategy_heartbeat_age(const struct rg_strategy_view *v, uint64_t now)
{
	uint64_t hb = rg_ld64(&v->heartbeat_mono_ns);

	return hb == 0 ? UINT64_MAX : now > hb ? now - hb : 0;
}

static json_t *age_us_json(uint64_t age_ns)
{
	return age_ns == UINT64_MAX ? json_null() : json_integer((json_int_t)(age_ns / 1000));
}

json_t *rg_ctl_strategies_json(const struct rg_ctl_reader *r)
{
	json_t *a = json_array();
	uint64_t now = rg_ctl_mono_ns();
	char since[40];

	for (uint32_t i = 0; i < rg_ctl_n_strategies(r); i++) {
		const struct rg_strategy_view *v = &r->ctl->strategies[i];
		uint32_t acct = __atomic_load_n(&v->account, __ATOMIC_RELAXED);
		char name[RG_NAME_MAX], account[RG_NAME_MAX];
		json_t *o;

		rg_ctl_name(name, v->name);
		if (acct < rg_ctl_n_accounts(r))
			rg_ctl_name(account, r->ctl->accounts[acct].name);
		else
			snprintf(account, sizeof(account), "?");
		o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "name", name, "account", account, "state",
				      rg_ctl_trading_state_str(rg_ld8(&v->state)), "state_since",
				      rg_format_utc(since, sizeof(since), rg_ld64(&v->state_since_realtime_ns)), "killed",
				      rg_ld8(&v->kill) != 0, "dead_man_tripped", rg_ld8(&v->dead_man_tripped) != 0,
				      "throttle_latched", rg_ld8(&v->throttle_latched) != 0);
		json_object_set_new(o, "msgs_in", json_integer((json_int_t)load64(&v->msgs_in)));
		json_object_set_new(o, "approved", json_integer((json_int_t)load64(&v->approved)));
		json_object_set_new(o, "rejected", json_integer((json_int_t)load64(&v->rejected)));
		json_object_set_new(o, "fills", json_integer((json_int_t)load64(&v->fills)));
		json_object_set_new(o, "dead_man_trips", json_integer((json_int_t)load64(&v->dead_man_trips)));
		json_object_set_new(o, "pid", json_integer(rg_ldi32(&v->pid)));
		json_object_set_new(o, "heartbeat_age_us", age_us_json(rg_ctl_strategy_heartbeat_age(v, now)));
		json_object_set_new(o, "dead_man_timeout_ms", json_integer((json_int_t)(load64(&v->dead_man_timeout_ns) / 1000000)));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *rg_ctl_venues_json(const struct rg_ctl_reader *r)
{
	const struct rg_control *c = r->ctl;
	json_t *a = json_array();
	char s1[40], s2[40];

	for (uint32_t i = 0; i < rg_ctl_n_venues(r); i++) {
		const struct rg_venue_view *v = &c->venues[i];
		char name[RG_NAME_MAX];
		json_t *o;

		rg_ctl_name(name, v->name);
		o = json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:b, s:b}", "venue", (int)i,
				      "name", name, "sent", (json_int_t)load64(&c->venue_sent[i]), "throttled",
				      (json_int_t)load64(&c->venue_throttled[i]), "held", (json_int_t)load64(&c->venue_held[i]),
				      "protocol_errors", (json_int_t)load32(&c->venue_protocol_errors[i]), "session",
				      rg_ctl_venue_session_str(rg_ld8(&v->session)), "session_since",
				      rg_format_utc(s1, sizeof(s1), load64(&v->session_since_realtime_ns)), "breaker",
				      rg_ctl_breaker_str(rg_ld8(&v->breaker)), "breaker_since",
				      rg_format_utc(s2, sizeof(s2), load64(&v->breaker_since_realtime_ns)), "breaker_opens",
				      (json_int_t)load64(&v->breaker_opens), "killed", rg_ld8(&v->kill) != 0, "dry_run",
				      rg_ld8(&v->dry_run) != 0);
		json_array_append_new(a, o);
	}
	return a;
}

json_t *rg_ctl_journal_json(const struct rg_ops_view *o)
{
	uint64_t appended = load64(&o->journal_appended), written = load64(&o->journal_written);
	uint64_t durable = load64(&o->journal_durable), last = load64(&o->journal_last_fsync_mono_ns);
	uint64_t now = rg_ctl_mono_ns();
	json_t *j = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "state",
			      rg_journal_state_str(load32(&o->journal_state)), "error", (int)rg_ldi32(&o->journal_error),
			      "appended", (json_int_t)appended, "written", (json_int_t)written, "durable",
			      (json_int_t)durable, "waiting", (json_int_t)(appended > written ? appended - written : 0),
			      "not_durable", (json_int_t)(appended > durable ? appended - durable : 0), "refused",
			      (json_int_t)load64(&o->journal_refused), "bytes", (json_int_t)load64(&o->journal_bytes),
			      "fsyncs", (json_int_t)load64(&o->journal_fsyncs));

	json_object_set_new(j, "last_fsync_age_us", age_us_json(last == 0 ? UINT64_MAX : now > last ? now - last : 0));
	json_object_set_new(j, "checkpoints", rg_ctl_checkpoints_json(o));
	return j;
}

const char *rg_ctl_checkpoint_state_str(uint8_t state)
{
	static const char *const names[] = {"OFF", "RUNNING", "STOPPED"};

	return state < 3 ? names[state] : "UNKNOWN";
}

uint64_t rg_ctl_checkpoint_records_after(const struct rg_ops_view *o)
{
	uint64_t written = load64(&o->journal_written), anchor = load64(&o->checkpoint_anchor_seq);

	return written > anchor ? written - anchor : 0;
}

json_t *rg_ctl_checkpoints_json(const struct rg_ops_view *o)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "state", rg_ctl_checkpoint_state_str(rg_ld8(&o->checkpoint_state)),
			 "written", (json_int_t)load64(&o->checkpoints_written), "anchor_seq",
			 (json_int_t)load64(&o->checkpoint_anchor_seq), "records_after",
			 (json_int_t)rg_ctl_checkpoint_records_after(o), "failures",
			 (json_int_t)load64(&o->checkpoint_failures));
}

static json_t *amount(int64_t v)
{
	char buf[32];

	rg_format_e8(buf, sizeof(buf), v);
	return json_string(buf);
}

json_t *rg_ctl_accounts_json(const struct rg_ctl_reader *r)
{
	int64_t net[RG_CTL_ACCOUNTS];
	json_t *a = json_array();
	char name[RG_NAME_MAX], since[40];

	rg_ctl_net_notionals(r, net);
	for (uint32_t i = 0; i < rg_ctl_n_accounts(r); i++) {
		struct rg_account_view v;
		rg_ctl_read_account(r, i, &v);
		rg_ctl_name(name, v.name);
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "account", name, "state",
				     rg_ctl_trading_state_str(v.state), "loss_state", rg_ctl_trading_state_str(v.loss_state),
				     "state_since", rg_format_utc(since, sizeof(since), v.state_since_ns), "realized",
				     amount(v.realized_today_e8), "unrealized", amount(v.upnl_e8), "day_pnl",
				     amount(v.day_pnl_e8), "gross", amount(v.gross_position_e8), "net", amount(net[i]),
				     "open_notional", amount(v.open_notional_e8), "equity_sod", amount(v.equity_sod_e8),
				     "orders_today", (json_int_t)v.orders_today));
	}
	return a;
}

json_t *rg_ctl_stats_json(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live)
{
	const struct rg_control *c = r->ctl;
	static struct rg_histogram check, decision;
	json_t *by = json_object(), *o;
	char since[40];

	rg_ctl_read_histogram(&c->check_ns, &check);
	rg_ctl_read_histogram(&c->decision_ns, &decision);
	for (unsigned i = 1; i < RG_REJ_REASON_MAX; i++) {
		uint64_t n = load64(&c->rejected_by_reason[i]);
		if (n != 0)
			json_object_set_new(by, rg_reject_str(i), json_integer((json_int_t)n));
	}
	/* Counters first: scripts that grep a key take its first occurrence. */
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "instance", r->hdr->instance, "msgs_in",
		      (json_int_t)load64(&c->msgs_in), "approved", (json_int_t)load64(&c->approved), "rejected",
		      (json_int_t)load64(&c->rejected), "fills", (json_int_t)load64(&c->fills), "reports_out",
		      (json_int_t)load64(&c->reports_out));
	json_object_set_new(o, "dead_man_trips", json_integer((json_int_t)load64(&c->dead_man_trips)));
	json_object_set_new(o, "dead_man_lifts", json_integer((json_int_t)load64(&c->dead_man_lifts)));
	json_object_set_new(o, "mass_cancel_no_room", json_integer((json_int_t)load64(&c->mass_cancel_no_room)));
	json_object_set_new(o, "mass_cancel_retries", json_integer((json_int_t)load64(&c->mass_cancel_retries)));
	json_object_set_new(o, "mass_cancel_abandoned", json_integer((json_int_t)load64(&c->mass_cancel_abandoned)));
	json_object_set_new(o, "self_match_cancels", json_integer((json_int_t)load64(&c->self_match_cancels)));
	for (unsigned i = 0; i < rg_ctl_n_delivery_counters; i++)
		json_object_set_new(o, rg_ctl_delivery_counters[i].key,
				    json_integer((json_int_t)load64((const uint64_t *)((const char *)c +
										rg_ctl_delivery_counters[i].offset))));
	json_object_set_new(o, "rejected_by_reason", by);
	json_object_set_new(o, "venues", rg_ctl_venues_json(r));
	json_object_set_new(o, "strategies", rg_ctl_strategies_json(r));
	json_object_set_new(o, "check_ns", rg_ctl_latency_json(&check));
	json_object_set_new(o, "submit_to_decision_ns", rg_ctl_latency_json(&decision));
	json_object_set_new(o, "trading_state", json_string(rg_ctl_trading_state_str(rg_ld8(&c->ops.instance_state))));
	json_object_set_new(o, "trading_state_since",
			    json_string(rg_format_utc(since, sizeof(since), load64(&c->ops.state_since_realtime_ns))));
	json_object_set_new(o, "kill_active", json_boolean(load32(&c->kill_active) != 0));
	json_object_set_new(o, "kill_since",
			    json_string(rg_format_utc(since, sizeof(since), load64(&c->ops.kill_since_realtime_ns))));
	json_object_set_new(o, "kills_in_force", json_integer(load32(&c->ops.kills_in_force)));
	json_object_set_new(o, "journal", rg_ctl_journal_json(&c->ops));
	json_object_set_new(o, "log_lines_lost", json_integer((json_int_t)load64(&c->ops.log_lines_lost)));
	json_object_set_new(o, "engine", rg_ctl_liveness_json(live));
	return o;
}
