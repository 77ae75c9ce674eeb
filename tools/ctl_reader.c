/*
 * A monitor's view of an instance (ctl_reader.h).  Attaching maps the
 * control segment read-only (rg_seg_attach checks magic, ABI, sizes); the
 * health check then reads the engine's state, heartbeat and pid.  A pid is
 * asked with kill(pid, 0): ESRCH means the process is gone (a crashed engine
 * leaves its segment READY until the next engine reclaims it), EPERM that it
 * exists under another user; and since a dead engine's pid exists until it
 * is reaped, and may be reused, the instance's lock says whether it is
 * really still there (instance_lock.h).
 */
#include <stddef.h>
#include "ctl_reader.h"
#include "instance_lock.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t rg_ctl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *rg_ctl_engine_state_str(uint32_t s)
{
	switch (s) {
	case RG_ENGINE_STARTING: return "STARTING";
	case RG_ENGINE_RUNNING: return "RUNNING";
	case RG_ENGINE_DRAINING: return "DRAINING";
	case RG_ENGINE_STOPPED: return "STOPPED";
	default: return "UNKNOWN";
	}
}

const char *rg_ctl_trading_state_str(uint32_t s)
{
	switch (s) {
	case 0: return "ACTIVE";
	case 1: return "REDUCING";
	case 2: return "HALTED";
	default: return "UNKNOWN";
	}
}

const char *rg_ctl_breaker_str(uint32_t s)
{
	switch (s) {
	case 0: return "CLOSED";
	case 1: return "OPEN";
	case 2: return "HALF_OPEN";
	default: return "UNKNOWN";
	}
}

const char *rg_ctl_venue_session_str(uint32_t s)
{
	switch (s) {
	case RG_VENUE_SESSION_UP: return "UP";
	case RG_VENUE_SESSION_DOWN: return "DOWN";
	default: return "UNKNOWN";
	}
}

const char *rg_ctl_health_str(int h)
{
	switch (h) {
	case RG_HEALTH_RUNNING: return "RUNNING";
	case RG_HEALTH_ABSENT: return "ABSENT";
	case RG_HEALTH_NOT_RESPONDING: return "NOT_RESPONDING";
	case RG_HEALTH_STARTING: return "STARTING";
	case RG_HEALTH_STOPPING: return "STOPPING";
	default: return "UNREADABLE";
	}
}

int rg_ctl_health_exit(int h)
{
	switch (h) {
	case RG_HEALTH_RUNNING: return RG_EXIT_OK;
	case RG_HEALTH_ABSENT: return RG_EXIT_NO_ENGINE;
	case RG_HEALTH_NOT_RESPONDING: return RG_EXIT_NOT_RESPONDING;
	case RG_HEALTH_STARTING: return RG_EXIT_STARTING;
	case RG_HEALTH_STOPPING: return RG_EXIT_STOPPING;
	default: return RG_EXIT_FAILED;
	}
}

void rg_format_e8(char *buf, size_t len, int64_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char frac[9];
	int n;

	snprintf(frac, sizeof(frac), "%08" PRIu64, mag % 100000000u);
	for (n = 7; n >= 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	snprintf(buf, len, "%s%" PRIu64 "%s%s", v < 0 ? "-" : "", mag / 100000000u, n >= 0 ? "." : "", frac);
}

const char *rg_format_utc(char *buf, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	if (ns == 0 || gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(ns / 1000u % 1000000u));
	return buf;
}

/* Whether process pid exists (EPERM: it does, under another user). */
static bool process_exists(int32_t pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Whether the instance's lock is free: its engine died, though its pid may
 * still exist (not yet reaped, or reused). */
static bool instance_lock_released(const struct rg_ctl_reader *r)
{
	char instance[RG_NAME_MAX + 1];

	snprintf(instance, sizeof(instance), "%.*s", (int)RG_NAME_MAX, r->hdr->instance);
	return rg_instance_lock_held(instance) == 0;
}

void rg_ctl_liveness(const struct rg_ctl_reader *r, struct rg_ctl_liveness *live)
{
	uint64_t hb, now = rg_ctl_mono_ns();

	live->engine_state = __atomic_load_n(&r->ctl->engine_state, __ATOMIC_ACQUIRE);
	live->pid = r->hdr->creator_pid;
	hb = __atomic_load_n(&r->hdr->heartbeat_ns, __ATOMIC_RELAXED);
	live->heartbeat_age_ns = hb == 0 ? UINT64_MAX : now > hb ? now - hb : 0;
	live->heartbeat_ns = hb;
	if (__atomic_load_n(&r->hdr->state, __ATOMIC_ACQUIRE) == RG_SEG_CLOSED ||
	    live->engine_state == RG_ENGINE_STOPPED) {
		live->health = RG_HEALTH_ABSENT;
		snprintf(live->why, sizeof(live->why), "no engine: the engine (pid %d) stopped", (int)live->pid);
	} else if (!process_exists(live->pid) || instance_lock_released(r)) {
		live->health = RG_HEALTH_ABSENT;
		snprintf(live->why, sizeof(live->why),
			 "no engine: engine pid %d is gone (crashed?); its segment stays until an engine starts on '%s'",
			 (int)live->pid, r->hdr->instance);
	} else if (live->engine_state == RG_ENGINE_STARTING) {
		live->health = RG_HEALTH_STARTING;
		snprintf(live->why, sizeof(live->why), "the engine (pid %d) is STARTING: replaying its journal, no orders yet",
			 (int)live->pid);
	} else if (live->engine_state == RG_ENGINE_DRAINING) {
		live->health = RG_HEALTH_STOPPING;
		snprintf(live->why, sizeof(live->why), "the engine (pid %d) is DRAINING: stopping, no new orders",
			 (int)live->pid);
	} else if (live->engine_state == RG_ENGINE_RUNNING && live->heartbeat_age_ns <= RG_CTL_STALE_NS) {
		live->health = RG_HEALTH_RUNNING;
		snprintf(live->why, sizeof(live->why), "RUNNING");
	} else {
		live->health = RG_HEALTH_NOT_RESPONDING;
		if (live->heartbeat_age_ns == UINT64_MAX)
			snprintf(live->why, sizeof(live->why), "the engine (pid %d) is NOT RESPONDING: no heartbeat",
				 (int)live->pid);
		else
			snprintf(live->why, sizeof(live->why),
				 "the engine (pid %d) is NOT RESPONDING: last heartbeat %.3f s ago", (int)live->pid,
				 (double)live->heartbeat_age_ns / 1e9);
	}
}

int rg_ctl_open(struct rg_ctl_reader *r, const char *instance, struct rg_ctl_liveness *live)
{
	char err[256];
	int rc;

	memset(r, 0, sizeof(*r));
	memset(live, 0, sizeof(*live));
	live->heartbeat_age_ns = UINT64_MAX;
	rc = rg_seg_attach(&r->map, instance, NULL, false, err, sizeof(err));
	if (rc != 0) {
		switch (rc) {
		case -ENOENT:
		case -ESHUTDOWN:
			live->health = RG_HEALTH_ABSENT;
			snprintf(live->why, sizeof(live->why), "no engine runs on instance '%s' (%s)", instance, err);
			break;
		case -EAGAIN:
			live->health = RG_HEALTH_STARTING;
			snprintf(live->why, sizeof(live->why), "the engine of '%s' is STARTING (%s)", instance, err);
			break;
		default:
			live->health = RG_HEALTH_UNREADABLE;
			snprintf(live->why, sizeof(live->why), "%s", err);
			break;
		}
		return rc;
	}
	r->attached = true;
	r->hdr = rg_seg_header_of(&r->map);
	r->ctl = (const struct rg_control *)((const char *)r->map.base + r->map.layout.control_off);
	r->symbols = (const struct rg_symbol_entry *)((const char *)r->map.base + r->map.layout.symbols_off);
	rg_ctl_liveness(r, live);
	return 0;
}

void rg_ctl_close(struct rg_ctl_reader *r)
{
	if (r->attached)
		rg_seg_detach(&r->map);
	r->attached = false;
}

json_t *rg_ctl_liveness_json(const struct rg_ctl_liveness *live)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "health", rg_ctl_health_str(live->health), "engine_state",
			      live->health == RG_HEALTH_ABSENT && live->pid == 0 ? "ABSENT"
										 : rg_ctl_engine_state_str(live->engine_state),
			      "pid", (int)live->pid, "detail", live->why);

	json_object_set_new(o, "heartbeat_age_us", live->heartbeat_age_ns == UINT64_MAX
							   ? json_null()
							   : json_integer((json_int_t)(live->heartbeat_age_ns / 1000)));
	return o;
}

void rg_ctl_read_account(const struct rg_ctl_reader *r, uint32_t i, struct rg_account_view *out)
{
	const struct rg_account_view *live = &r->ctl->accounts[i];
	uint32_t seq;

	do {
		seq = rg_view_read_begin(&live->seq);
		rg_view_copy(out, live, sizeof(*out));
	} while (rg_view_read_retry(&live->seq, seq));
}

void rg_ctl_read_position(const struct rg_ctl_reader *r, uint32_t i, struct rg_position_view *out)
{
	const struct rg_position_view *live = &r->ctl->positions[i];
	uint32_t seq;

	do {
		seq = rg_view_read_begin(&live->seq);
		rg_view_copy(out, live, sizeof(*out));
	} while (rg_view_read_retry(&live->seq, seq));
}

static uint32_t bounded(uint32_t n, uint32_t cap)
{
	return n < cap ? n : cap;
}

uint32_t rg_ctl_n_accounts(const struct rg_ctl_reader *r)
{
	return bounded(rg_ld32(&r->ctl->n_accounts), RG_CTL_ACCOUNTS);
}

uint32_t rg_ctl_n_positions(const struct rg_ctl_reader *r)
{
	/* Pairs with the engine's release store after it wrote an entry's identity. */
	return bounded(__atomic_load_n(&r->ctl->n_positions, __ATOMIC_ACQUIRE), RG_CTL_POSITIONS);
}

uint32_t rg_ctl_n_strategies(const struct rg_ctl_reader *r)
{
	return bounded(rg_ld32(&r->ctl->n_strategies), RG_CTL_STRATEGIES);
}

const struct rg_ctl_counter rg_ctl_delivery_counters[] = {
	{"reports_held", "reports held (ring full)", offsetof(struct rg_control, reports_held)},
	{"event_waits", "venue events waited", offsetof(struct rg_control, event_waits)},
	{"journal_share_refused", "journal share refused", offsetof(struct rg_control, journal_share_refused)},
	{"sessions_truncated", "sessions truncated", offsetof(struct rg_control, sessions_truncated)},
	{"sessions_reopened", "sessions made afresh", offsetof(struct rg_control, sessions_reopened)},
	{"sessions_quarantined", "sessions quarantined", offsetof(struct rg_control, sessions_quarantined)},
	{"report_replays", "report replays", offsetof(struct rg_control, report_replays)},
	{"reports_replayed", "reports replayed", offsetof(struct rg_control, reports_replayed)},
};
const unsigned rg_ctl_n_delivery_counters = sizeof(rg_ctl_delivery_counters) / sizeof(rg_ctl_delivery_counters[0]);

uint32_t rg_ctl_n_venues(const struct rg_ctl_reader *r)
{
	return bounded(rg_ld32(&r->ctl->n_venues), RG_CTL_VENUES);
}

uint32_t rg_ctl_n_symbols(const struct rg_ctl_reader *r)
{
	/* Pairs with the engine's release store after it filled the table. */
	return bounded(__atomic_load_n(&r->ctl->symbol_count, __ATOMIC_ACQUIRE), r->hdr->symbol_capacity);
}

const char *rg_ctl_symbol_name(const struct rg_ctl_reader *r, uint32_t id)
{
	return id < rg_ctl_n_symbols(r) ? r->symbols[id].name : "?";
}

void rg_ctl_read_histogram(const struct rg_histogram *live, struct rg_histogram *out)
{
	uint64_t n = 0;

	out->sum = rg_ld64(&live->sum);
	out->min = rg_ld64(&live->min);
	out->max = rg_ld64(&live->max);
	for (uint32_t i = 0; i < RG_HIST_BUCKETS; i++) {
		out->buckets[i] = rg_ld64(&live->buckets[i]);
		n += out->buckets[i];
	}
	out->count = n;
}

void rg_ctl_net_notionals(const struct rg_ctl_reader *r, int64_t *net)
{
	__int128 sum[RG_CTL_ACCOUNTS] = {0};
	uint32_t n = rg_ctl_n_positions(r), n_accounts = rg_ctl_n_accounts(r);

	for (uint32_t i = 0; i < n; i++) {
		struct rg_position_view p;
		rg_ctl_read_position(r, i, &p);
		if (p.account < n_accounts)
			sum[p.account] += (__int128)p.qty_e8 * p.mark_price_e8 / 100000000;
	}
	for (uint32_t a = 0; a < n_accounts; a++)
		net[a] = sum[a] > INT64_MAX ? INT64_MAX : sum[a] < INT64_MIN ? INT64_MIN : (int64_t)sum[a];
}
