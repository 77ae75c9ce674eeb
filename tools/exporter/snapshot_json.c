/*
 * /api/snapshot (snapshot_json.h).  One fresh attach per request, like
 * /metrics.  Times the page needs to compute rates: the exporter's wall
 * clock in ms (now_ms) next to the counters.
 */
#include "snapshot_json.h"

#include <string.h>
#include <time.h>

#include "ctl_json.h"
#include "ctl_reader.h"
#include "kill_segment.h"
#include "latency_buckets.h"

static json_t *buckets_json(const struct rg_histogram *live)
{
	static struct rg_histogram h;
	uint64_t cum[RG_LB_COUNT], total;
	json_t *a = json_array(), *o;

	rg_ctl_read_histogram(live, &h);
	total = rg_lb_cumulative(&h, cum);
	for (uint32_t k = 0; k < RG_LB_COUNT; k++)
		json_array_append_new(a, json_integer((json_int_t)cum[k]));
	o = rg_ctl_latency_json(&h);
	json_object_set_new(o, "cumulative", a);
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static json_t *kills_json(const char *instance)
{
	static struct rg_kill_entry k[RG_KILL_MAX];
	struct rg_kill_seg seg;
	uint32_t n = 0;
	char err[256], name[RG_KILL_NAME_MAX], reason[RG_KILL_REASON_MAX], when[40];
	json_t *a;

	if (rg_kill_attach(&seg, instance, false, err, sizeof(err)) != 0)
		return json_null();
	if (rg_kill_list(&seg, k, RG_KILL_MAX, &n, NULL) != 0) {
		rg_kill_close(&seg);
		return json_null();
	}
	rg_kill_close(&seg);
	a = json_array();
	for (uint32_t i = 0; i < n; i++) {
		memcpy(name, k[i].name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		memcpy(reason, k[i].reason, sizeof(reason));
		reason[sizeof(reason) - 1] = '\0';
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "scope", rg_kill_scope_kind_str(k[i].scope),
						   "name", name, "source", rg_kill_source_str(k[i].source), "since",
						   rg_format_utc(when, sizeof(when), k[i].time_ns), "reason", reason));
	}
	return a;
}

json_t *rg_snapshot_json(const char *instance)
{
	struct rg_ctl_reader r;
	struct rg_ctl_liveness live;
	struct timespec now;
	json_t *o, *le;

	clock_gettime(CLOCK_REALTIME, &now);
	rg_ctl_open(&r, instance, &live);
	if (live.health == RG_HEALTH_RUNNING || live.health == RG_HEALTH_STOPPING) {
		o = rg_ctl_stats_json(&r, &live);
		json_object_set_new(o, "accounts", rg_ctl_accounts_json(&r));
		json_object_set_new(o, "check_buckets", buckets_json(&r.ctl->check_ns));
		json_object_set_new(o, "decision_buckets", buckets_json(&r.ctl->decision_ns));
		le = json_array();
		for (uint32_t k = 0; k < RG_LB_COUNT; k++)
			json_array_append_new(le, json_integer((json_int_t)rg_lb_le_ns(k)));
		json_object_set_new(o, "bucket_le_ns", le);
		json_object_set_new(o, "kills", kills_json(instance));
		json_object_set_new(o, "serving", json_true());
	} else {
		o = json_pack("{s:s, s:o, s:b}", "instance", instance, "engine", rg_ctl_liveness_json(&live), "serving", 0);
	}
	rg_ctl_close(&r);
	json_object_set_new(o, "now_ms",
			    json_integer((json_int_t)now.tv_sec * 1000 + (json_int_t)(now.tv_nsec / 1000000)));
	return o;
}
