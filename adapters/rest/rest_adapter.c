/*
 * The REST adapter: riskgate's venue requests as signed calls of the
 * Binance-style spot API v3, and the venue's user-data stream and answers as
 * riskgate's venue events (docs/adapters.md has every mapping).
 *
 *   RG_VREQ_NEW     -> POST   /api/v3/order               newClientOrderId "<prefix>-<engine_seq>"
 *   RG_VREQ_CANCEL  -> DELETE /api/v3/order               origClientOrderId
 *   RG_VREQ_REPLACE -> POST   /api/v3/order/cancelReplace STOP_ON_FAILURE, new id "<prefix>-<seq>-<leg>"
 *   RG_VREQ_QUERY   -> GET    /api/v3/order (+ myTrades)  for an order the engine carried over a restart
 *   executionReport NEW / TRADE / CANCELED, EXPIRED / REJECTED
 *                   -> RG_VEV_ACK / FILL / CANCELLED / REJECT
 *
 * One thread does everything: up to max_in_flight HTTPS calls at once over
 * kept-alive connections (rest_http.c), the user stream (rest_stream.c), and
 * the venue's clock, listen key and limits.  The order of events is the
 * venue's, and each fill reaches the engine exactly once: the adapter keeps,
 * per order, the quantity it has reported filled; a report at or below it
 * is a duplicate, one that skips past it is a gap, filled from the venue's
 * trade list (GET /api/v3/myTrades) before anything later is reported; an
 * order's end (cancelled, expired) waits until its fills are all in.  After
 * the stream drops, the adapter opens a new one and then reads the venue's
 * open orders and queries every order it tracks that is no longer open, so
 * what happened while the stream was down reaches the engine once.
 *
 * A call that got no answer leaves its order in doubt, never refused: the
 * venue is asked once the request's recvWindow has passed (after which the
 * venue would refuse it), and only a venue that does not have the order
 * makes it a reject.  HTTP 429 holds new orders (here and in the venue's
 * shared rate limiter, so the engine throttles them too) for Retry-After;
 * 418 stops every call until the ban ends and opens the venue's breaker
 * (RG_VEV_BANNED); weight and order-count headers at the venue's limits hold
 * new orders until the venue's window turns.  A refused API key or signature
 * is said once, clearly, opens the breaker, and is retried with the
 * reconnect back-off only.
 */
#include "rest_adapter.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "credentials.h"
#include "rest_codec.h"
#include "rest_http.h"
#include "rest_orders.h"
#include "rest_stream.h"
#include "venue_limiter.h"

#define BURST 32u
#define IDLE_SPINS 2000u
#define ORDER_SLOTS 16384u
#define STATUS_EVERY_NS 100000000ull
#define SWEEP_EVERY_NS 20000000ull
#define GAP_WAIT_NS 250000000ull        /* a missed report may still come on the stream */
#define RETRY_SOON_NS 50000000ull       /* no free call right now */
#define QUERY_EVERY_NS 100000000ull     /* the adapter's own queries: at most 10 a second */
#define QUERY_RETRY_MIN_NS 250000000ull
#define QUERY_RETRY_MAX_NS 10000000000ull
#define TIME_SYNC_EVERY_NS 300000000000ull
#define ORPHAN_AFTER_NS 30000000000ull  /* an adopted order no engine query claimed by then is reported */
#define DEFAULT_RETRY_AFTER_S 1u
#define DEFAULT_BAN_S 120u
#define MAX_TRADES 1000u
#define NS_PER_MS 1000000ull

enum call_kind {
	CALL_TIME = 1,
	CALL_LISTEN_NEW,
	CALL_LISTEN_KEEP,
	CALL_NEW,
	CALL_CANCEL,
	CALL_REPLACE,
	CALL_QUERY,
	CALL_OPEN_ORDERS,
	CALL_TRADES,
};

struct rest_adapter {
	struct rg_adapter *a;
	const struct rg_venue_cfg *v;
	char prefix[RG_REST_PREFIX_MAX + 1];
	uint32_t recv_window_ms;
	uint32_t reserve_calls;          /* calls kept free of orders for the adapter's own */
	struct rg_rest_signer signer;
	struct rg_rest_http http;
	struct rg_rest_stream stream;
	struct rg_venue_limiter limiter;
	struct rg_rest_orders orders;
	/* the connection */
	uint8_t phase;                   /* enum rg_rest_phase */
	bool up;                         /* CONNECTED reported, no DISCONNECTED since */
	bool step_busy;                  /* the phase's call is in flight */
	bool adopting;                   /* the run's first reconciliation: our open orders are adopted */
	bool reconcile_failed;
	uint32_t reconcile_next;         /* symbols whose open orders were asked */
	uint32_t reconcile_pending;      /* ... and are still in flight */
	uint64_t reconcile_gen;          /* tags the calls of the current reconciliation */
	uint64_t up_ns;
	uint64_t next_try_ns, backoff_ns;
	char listen_key[128];            /* sensitive: never logged */
	uint64_t keepalive_due_ns;
	bool keepalive_busy;
	uint64_t time_due_ns;
	bool time_busy, clock_known;
	int64_t offset_ms;               /* venue clock - ours */
	/* the venue's limits */
	uint64_t throttled_until_ns;     /* 429 */
	uint64_t banned_until_ns;        /* 418 */
	uint64_t held_until_ns;          /* a weight or order count at its limit */
	bool auth_failed;
	uint64_t next_query_ns;          /* the adapter's own queries are paced (QUERY_EVERY_NS) */
	uint64_t next_sweep_ns;
	struct rg_rest_trade trades[MAX_TRADES]; /* a trade list being read */
	/* status */
	struct rg_rest_stats stats;
	char last_error[256];
	pthread_mutex_t status_lock;     /* guards status */
	struct rg_rest_adapter_status status;
	uint64_t status_ns;
};

/* ---- small helpers ------------------------------------------------------------- */

static void logf_(struct rest_adapter *r, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A line on stderr, and the last error when `error`.  No caller passes a
 * secret: keys, the listen key and signatures never reach a format. */
static void logf_(struct rest_adapter *r, bool error, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "riskgate rest venue %s: %s\n", r->v->name, line);
	if (error) {
		size_t n = strnlen(line, sizeof(r->last_error) - 1);
		memcpy(r->last_error, line, n);
		r->last_error[n] = '\0';
	}
}

/* Printable ASCII of a venue's text, at most cap - 1 characters. */
static void clean_text(char *out, size_t cap, const char *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++)
		out[k++] = (p[i] >= ' ' && p[i] <= '~') ? p[i] : '?';
	out[k] = '\0';
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The venue's clock now, as far as we know it. */
static uint64_t venue_ms(const struct rest_adapter *r)
{
	return (uint64_t)((int64_t)real_ms() + r->offset_ms);
}

static void emit(struct rest_adapter *r, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty,
		 int64_t px, int64_t leaves, uint32_t reason, uint64_t now)
{
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.engine_seq = engine_seq;
	ev.symbol_id = symbol;
	ev.qty_e8 = qty;
	ev.price_e8 = px;
	ev.leaves_e8 = leaves;
	ev.reason = reason > UINT16_MAX ? UINT16_MAX : (uint16_t)reason;
	ev.venue_ns = now;
	rg_adapter_emit(r->a, &ev);
}

static void protocol_error(struct rest_adapter *r, uint64_t now)
{
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RG_VEV_PROTOCOL_ERROR;
	ev.protocol_error = RG_VPE_MALFORMED;
	ev.venue_ns = now;
	r->stats.protocol_errors++;
	rg_adapter_emit(r->a, &ev);
}

static const char *symbol_name(const struct rest_adapter *r, uint32_t symbol_id)
{
	return r->a->cfg->symbols[symbol_id].name;
}

static uint32_t symbol_by_name(const struct rest_adapter *r, const struct rg_json_span *s)
{
	const struct rg_config *cfg = r->a->cfg;

	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if (cfg->symbols[i].venue == r->a->venue && strlen(cfg->symbols[i].name) == s->n &&
		    memcmp(cfg->symbols[i].name, s->p, s->n) == 0)
			return i;
	return UINT32_MAX;
}

static bool symbol_ours(const struct rest_adapter *r, uint32_t symbol_id)
{
	return symbol_id < r->a->cfg->n_symbols && r->a->cfg->symbols[symbol_id].venue == r->a->venue;
}

static bool banned(const struct rest_adapter *r, uint64_t now)
{
	return now < r->banned_until_ns;
}

/* Calls may go (no 429 back-off, no ban). */
static bool may_call(const struct rest_adapter *r, uint64_t now)
{
	return now >= r->throttled_until_ns && !banned(r, now);
}

static uint64_t later_of(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- calls ------------------------------------------------------------------- */

static struct rg_rest_call *start(struct rest_adapter *r, uint8_t kind, uint8_t method, const char *path,
				  struct rg_rest_query *q, bool sign, uint64_t engine_seq, uint32_t symbol, uint64_t aux)
{
	struct rg_rest_call *c;
	uint64_t ts = 0;

	if (sign) {
		ts = venue_ms(r);
		rg_rest_query_stamp(q, r->recv_window_ms, ts);
		if (!rg_rest_query_sign(&r->signer, q))
			return NULL;
	}
	if (q->overflow || (c = rg_rest_http_acquire(&r->http)) == NULL)
		return NULL;
	c->kind = kind;
	c->engine_seq = engine_seq;
	c->symbol_id = symbol;
	c->aux = aux;
	c->timestamp_ms = ts;
	if (rg_rest_http_send(&r->http, c, method, path, q->buf) != 0)
		return NULL;
	r->stats.requests++;
	return c;
}

/* What an answer said, beyond its status. */
struct answer {
	bool has_code;
	int64_t code;
	char msg[128];
};

static void read_answer(const struct rg_rest_call *c, struct answer *ans)
{
	struct rg_json_span msg;

	memset(ans, 0, sizeof(*ans));
	if (c->outcome == RG_REST_ANSWERED && !c->body_overflow &&
	    rg_rest_decode_error(c->body, c->body_len, &ans->code, &msg)) {
		ans->has_code = true;
		clean_text(ans->msg, sizeof(ans->msg), msg.p, msg.n);
	}
}

static bool ok_status(const struct rg_rest_call *c)
{
	return c->outcome == RG_REST_ANSWERED && c->status >= 200 && c->status < 300 && !c->body_overflow;
}

/* Binance's codes, and MEXC's where they differ. */
static bool auth_refused(const struct rg_rest_call *c, const struct answer *ans)
{
	if (c->outcome != RG_REST_ANSWERED)
		return false;
	if (c->status == 401)
		return true;
	return ans->has_code && (ans->code == -2014 || ans->code == -2015 || ans->code == -1022 ||
				 ans->code == 700002 || ans->code == 10072);
}

static bool clock_refused(const struct answer *ans)
{
	return ans->has_code && (ans->code == -1021 || ans->code == 700003);
}

/* "Duplicate order sent.": our client id is already at the venue, so an
 * earlier copy of this very request arrived (libcurl sends a request again
 * once when a kept-alive connection dies before the answer): the order is
 * in doubt, not refused. */
static bool duplicate_order(const struct rg_rest_call *c, const struct answer *ans)
{
	return c->outcome == RG_REST_ANSWERED && ans->has_code && ans->code == -2010 &&
	       strncmp(ans->msg, "Duplicate order", 15) == 0;
}

static bool order_missing(const struct rg_rest_call *c, const struct answer *ans)
{
	return c->outcome == RG_REST_ANSWERED && ans->has_code && (ans->code == -2013 || ans->code == -2011);
}

/* The reason of a venue's refusal: its HTTP status, or ours when none came. */
static uint32_t refusal_reason(const struct rg_rest_call *c)
{
	if (c->outcome == RG_REST_ANSWERED)
		return (uint32_t)c->status;
	return c->outcome == RG_REST_NOT_SENT ? RG_REST_REASON_NOT_SENT : RG_REST_REASON_IN_DOUBT;
}

static void describe(const struct rg_rest_call *c, const struct answer *ans, char *out, size_t cap)
{
	if (c->outcome != RG_REST_ANSWERED)
		snprintf(out, cap, "%s (%s)", c->outcome == RG_REST_NOT_SENT ? "not sent" : "no answer",
			 c->error[0] != '\0' ? c->error : "transport error");
	else if (ans->has_code)
		snprintf(out, cap, "HTTP %ld, code %lld: %s", c->status, (long long)ans->code, ans->msg);
	else
		snprintf(out, cap, "HTTP %ld", c->status);
}

/* ---- the venue's limits ------------------------------------------------------- */

/* Holds new orders until `until` (monotonic): here, and in the shared limiter
 * the engine takes its tokens from, so orders not yet sent wait (or are
 * throttled) in the engine too. */
static void hold_orders(struct rest_adapter *r, uint64_t until)
{
	rg_venue_limiter_hold_until(&r->limiter, until);
	if (until > r->held_until_ns)
		r->held_until_ns = until;
}

/* The monotonic time at which the venue's window of interval_ms turns
 * (venue windows are aligned to the venue's clock). */
static uint64_t window_end(const struct rest_adapter *r, uint64_t now, uint64_t interval_ms)
{
	uint64_t v = venue_ms(r), next = (v / interval_ms + 1) * interval_ms;

	return now + (next - v) * NS_PER_MS;
}

static void read_limits(struct rest_adapter *r, const struct rg_rest_call *c, uint64_t now)
{
	const struct rg_venue_cfg *v = r->v;
	const struct rg_rest_limits *l = &c->limits;

	for (uint32_t i = 0; i < l->n_weight; i++) {
		if (v->rest_weight_limit == 0 || l->weight[i].interval_ms * NS_PER_MS != v->rest_weight_window_ns ||
		    l->weight[i].value + v->rest_weight_reserve < v->rest_weight_limit)
			continue;
		uint64_t until = window_end(r, now, l->weight[i].interval_ms);
		if (until > r->held_until_ns) {
			r->stats.limit_holds++;
			logf_(r, false, "request weight %llu of %u used: new orders wait %.1f s for the venue's window",
			      (unsigned long long)l->weight[i].value, v->rest_weight_limit, (double)(until - now) / 1e9);
		}
		hold_orders(r, until);
	}
	for (uint32_t i = 0; i < l->n_orders; i++) {
		for (uint32_t b = 0; b < v->n_buckets; b++) {
			if (l->orders[i].interval_ms * NS_PER_MS != v->buckets[b].window_ns ||
			    l->orders[i].value < v->buckets[b].count)
				continue;
			uint64_t until = window_end(r, now, l->orders[i].interval_ms);
			if (until > r->held_until_ns) {
				r->stats.limit_holds++;
				logf_(r, false, "the venue counts %llu orders of %u in its window: new orders wait %.1f s",
				      (unsigned long long)l->orders[i].value, v->buckets[b].count,
				      (double)(until - now) / 1e9);
			}
			hold_orders(r, until);
		}
	}
	if (c->status == 429) {
		uint64_t s = l->retry_after_s != 0 ? l->retry_after_s : DEFAULT_RETRY_AFTER_S;
		uint64_t until = now + s * 1000000000ull;
		r->stats.http_429++;
		if (now >= r->throttled_until_ns)
			logf_(r, true, "the venue answered 429 (too many requests): no call for %llu s",
			      (unsigned long long)s);
		r->throttled_until_ns = later_of(r->throttled_until_ns, until);
		hold_orders(r, until);
	} else if (c->status == 418) {
		uint64_t s = l->retry_after_s != 0 ? l->retry_after_s : DEFAULT_BAN_S;
		uint64_t until = now + s * 1000000000ull;
		r->stats.http_418++;
		if (!banned(r, now)) {
			logf_(r, true, "the venue banned this client (418): nothing is sent for %llu s; the breaker opens",
			      (unsigned long long)s);
			emit(r, RG_VEV_BANNED, 0, 0, 0, 0, 0, 418, now);
		}
		r->banned_until_ns = later_of(r->banned_until_ns, until);
		hold_orders(r, until);
	}
}

/* ---- the connection ------------------------------------------------------------ */

static void retry_later(struct rest_adapter *r, uint64_t now)
{
	r->next_try_ns = now + r->backoff_ns;
	r->backoff_ns = r->backoff_ns * 2 > r->v->rest_reconnect_max_ns ? r->v->rest_reconnect_max_ns : r->backoff_ns * 2;
}

/* The stream (or the credentials) failed: DISCONNECTED when we were up,
 * then a new listen key and stream after the back-off. */
static void go_down(struct rest_adapter *r, uint32_t reason, uint64_t now)
{
	if (r->up) {
		emit(r, RG_VEV_DISCONNECTED, 0, 0, 0, 0, 0, reason, now);
		r->up = false;
	}
	rg_rest_stream_close(&r->stream);
	r->phase = RG_REST_PHASE_LISTEN;
	r->step_busy = false;
	retry_later(r, now);
}

static void auth_failure(struct rest_adapter *r, const struct rg_rest_call *c, const struct answer *ans,
			 uint64_t now)
{
	char what[200];

	r->stats.auth_failures++;
	if (!r->auth_failed) {
		/* Said once, and the breaker opens once; retries follow the back-off. */
		r->auth_failed = true;
		describe(c, ans, what, sizeof(what));
		logf_(r, true,
		      "the venue refused the API key or the request signature (%s): check the venue's credentials "
		      "(credentials_file, or rest.api_key_env/api_secret_env); retrying with the reconnect back-off",
		      what);
		emit(r, RG_VEV_BANNED, 0, 0, 0, 0, 0, RG_REST_REASON_AUTH, now);
	}
	go_down(r, RG_REST_REASON_AUTH, now);
}

static void auth_ok(struct rest_adapter *r)
{
	if (r->auth_failed)
		logf_(r, false, "the venue accepts the credentials again");
	r->auth_failed = false;
}

static bool send_time(struct rest_adapter *r)
{
	struct rg_rest_query q;

	rg_rest_query_init(&q);
	if (start(r, CALL_TIME, RG_HTTP_GET, "/api/v3/time", &q, false, 0, 0, 0) == NULL)
		return false;
	r->time_busy = true;
	return true;
}

static void on_time(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	uint64_t server;
	char what[200];

	r->time_busy = false;
	if (ok_status(c) && rg_rest_decode_time(c->body, c->body_len, &server)) {
		int64_t mid = (int64_t)((c->started_real_ms + c->finished_real_ms) / 2);
		r->offset_ms = (int64_t)server - mid;
		r->clock_known = true;
		r->time_due_ns = now + TIME_SYNC_EVERY_NS;
		r->stats.time_syncs++;
		if (r->phase == RG_REST_PHASE_TIME) {
			r->phase = RG_REST_PHASE_LISTEN;
			r->step_busy = false;
		}
		return;
	}
	describe(c, ans, what, sizeof(what));
	logf_(r, true, "cannot read the venue's clock (GET /api/v3/time: %s)", what);
	if (r->phase == RG_REST_PHASE_TIME) {
		r->step_busy = false;
		retry_later(r, now);
	} else {
		r->time_due_ns = now + 10000000000ull;
	}
}

static void on_listen_new(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_json_span key;
	char what[200];

	if (r->phase != RG_REST_PHASE_LISTEN)
		return;
	r->step_busy = false;
	if (ok_status(c) && rg_rest_decode_listen_key(c->body, c->body_len, &key)) {
		memcpy(r->listen_key, key.p, key.n);
		r->listen_key[key.n] = '\0';
		r->stats.listen_keys++;
		r->keepalive_due_ns = now + r->v->rest_keepalive_ns;
		if (rg_rest_stream_open(&r->stream, r->listen_key) != 0) {
			logf_(r, true, "cannot open the user stream");
			retry_later(r, now);
			return;
		}
		r->phase = RG_REST_PHASE_STREAM;
		return;
	}
	if (auth_refused(c, ans)) {
		auth_failure(r, c, ans, now);
		return;
	}
	describe(c, ans, what, sizeof(what));
	logf_(r, true, "cannot get a listen key (POST /api/v3/userDataStream: %s)", what);
	retry_later(r, now);
}

static void on_keepalive(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	char what[200];

	r->keepalive_busy = false;
	if (ok_status(c)) {
		r->stats.keepalives++;
		r->keepalive_due_ns = now + r->v->rest_keepalive_ns;
		return;
	}
	if (c->outcome != RG_REST_ANSWERED || c->status == 429 || c->status == 418 || c->status >= 500) {
		r->keepalive_due_ns = now + 10000000000ull;
		return;
	}
	describe(c, ans, what, sizeof(what));
	logf_(r, true, "the venue refused to keep the listen key alive (%s): reopening the user stream", what);
	if (auth_refused(c, ans))
		auth_failure(r, c, ans, now);
	else if (r->phase >= RG_REST_PHASE_RECONCILE)
		go_down(r, RG_REST_REASON_STREAM_LOST, now);
}

/* ---- orders: what the venue says about one --------------------------------------- */

static int64_t leg_reported(const struct rg_rest_order *o)
{
	return o->reported_e8 - o->leg_base_e8;
}

static void remove_order(struct rest_adapter *r, struct rg_rest_order *o)
{
	rg_rest_orders_remove(&r->orders, o);
}

static void ack(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now)
{
	if (o->flags & RG_RO_ACKED)
		return;
	o->flags |= RG_RO_ACKED;
	emit(r, RG_VEV_ACK, o->engine_seq, o->symbol_id, o->qty_e8, 0, o->qty_e8 - o->reported_e8, 0, now);
}

/* One execution to the engine; true when it filled the order (o is gone). */
static bool fill(struct rest_adapter *r, struct rg_rest_order *o, int64_t qty, int64_t px, uint64_t now)
{
	int64_t leaves;

	ack(r, o, now);
	o->reported_e8 += qty;
	leaves = o->qty_e8 - o->reported_e8;
	if (leaves < 0) {
		logf_(r, true, "order %llu: the venue filled more than its quantity", (unsigned long long)o->engine_seq);
		leaves = 0;
	}
	if (leg_reported(o) > o->venue_cum_e8)
		o->venue_cum_e8 = leg_reported(o);
	r->stats.fills++;
	emit(r, RG_VEV_FILL, o->engine_seq, o->symbol_id, qty, px, leaves, 0, now);
	if (leaves == 0) {
		remove_order(r, o);
		return true;
	}
	return false;
}

static void due_at(struct rg_rest_order *o, uint64_t when)
{
	if (o->due_ns == 0 || when < o->due_ns)
		o->due_ns = when;
}

static bool send_query(struct rest_adapter *r, struct rg_rest_order *o, uint32_t leg, uint64_t now);
static bool send_trades(struct rest_adapter *r, struct rg_rest_order *o, uint64_t order_id, uint64_t now);
static void switch_leg(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now);

/*
 * Brings an order to what the venue said: fills missing (a gap) are fetched
 * (after `gap_wait`, as the stream may still bring them); an end is
 * reported once every fill before it is.  Returns true when o is gone.
 */
static bool settle(struct rest_adapter *r, struct rg_rest_order *o, uint64_t gap_wait, uint64_t now)
{
	int64_t done = leg_reported(o);

	if (o->state == RG_RO_ADOPTED)
		return false; /* the engine's query says what it knows first */
	if (o->replace_step == RG_RR_CATCH_UP) {
		if (done >= o->final_cum_e8) {
			switch_leg(r, o, now);
			return false;
		}
		due_at(o, now + gap_wait);
		return false;
	}
	if (o->end == RG_RO_END_NONE || o->replace_step != RG_RR_NONE) {
		if (o->venue_cum_e8 > done)
			due_at(o, now + gap_wait);
		return false;
	}
	if (done < o->final_cum_e8) {
		due_at(o, now + gap_wait);
		return false;
	}
	if (o->reported_e8 >= o->qty_e8) {
		remove_order(r, o); /* the last fill said leaves 0 */
		return true;
	}
	if (o->end == RG_RO_END_REJECTED && !(o->flags & RG_RO_ACKED) && o->reported_e8 == 0)
		emit(r, RG_VEV_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, o->reason, now);
	else
		emit(r, RG_VEV_CANCELLED, o->engine_seq, o->symbol_id, 0, 0, o->qty_e8 - o->reported_e8, o->reason, now);
	remove_order(r, o);
	return true;
}

/* What the venue said of an adopted order before the engine claimed it:
 * kept until then (its fills and end are reported after the engine's
 * query says what it already has). */
static void adopted_news(struct rg_rest_order *o, int64_t cum, uint8_t status)
{
	if (cum > o->venue_cum_e8)
		o->venue_cum_e8 = cum;
	if (o->end == RG_RO_END_NONE && rg_rest_status_final(status)) {
		o->end = status == RG_REST_ST_FILLED     ? RG_RO_END_FILLED
			 : status == RG_REST_ST_REJECTED ? RG_RO_END_REJECTED
							 : RG_RO_END_CANCELLED;
		o->final_cum_e8 = cum;
	}
}

/* The first answer about an order the engine asked for (RG_VREQ_QUERY) or
 * that was adopted: what the engine holds is what has been reported. */
static void take_engine_view(struct rg_rest_order *o, int64_t venue_qty)
{
	int64_t known = venue_qty - o->query_leaves_e8;

	o->qty_e8 = venue_qty;
	o->leg_base_e8 = 0;
	o->reported_e8 = known > 0 ? known : 0;
	o->flags |= RG_RO_ACKED; /* the engine has had it since before the restart */
	o->state = RG_RO_LIVE;
}

/* An order as a REST call returned it (new order, query, cancel, open
 * orders); returns true when o is gone. */
static bool apply_status(struct rest_adapter *r, struct rg_rest_order *o, const struct rg_rest_order_status *st,
			 uint64_t gap_wait, uint64_t now)
{
	if (o->state == RG_RO_ADOPTED) {
		adopted_news(o, st->executed_qty_e8, st->status);
		return false;
	}
	if ((o->flags & RG_RO_ENGINE_QUERY) && o->qty_e8 == 0) {
		take_engine_view(o, st->orig_qty_e8);
		if (o->side == 0)
			o->side = st->side;
	}
	if (st->order_id != 0)
		o->venue_order_id = st->order_id;
	if (st->status == RG_REST_ST_REJECTED) {
		o->end = RG_RO_END_REJECTED;
		o->final_cum_e8 = st->executed_qty_e8;
		o->reason = 400;
	} else {
		if (o->state == RG_RO_SENT || o->state == RG_RO_IN_DOUBT)
			o->state = RG_RO_LIVE;
		ack(r, o, now);
	}
	if (st->has_executed && st->executed_qty_e8 > o->venue_cum_e8)
		o->venue_cum_e8 = st->executed_qty_e8;
	if (o->end == RG_RO_END_NONE && rg_rest_status_final(st->status) && o->replace_step == RG_RR_NONE) {
		o->end = st->status == RG_REST_ST_FILLED ? RG_RO_END_FILLED : RG_RO_END_CANCELLED;
		o->final_cum_e8 = st->executed_qty_e8;
	}
	return settle(r, o, gap_wait, now);
}

/* ---- stream --------------------------------------------------------------------- */

static void on_report(struct rest_adapter *r, const struct rg_rest_exec *x, uint64_t now)
{
	const struct rg_json_span *id = x->exec_type == RG_REST_X_CANCELED && x->orig_client_id.n > 0
						? &x->orig_client_id
						: &x->client_id;
	struct rg_rest_order *o;
	uint64_t seq;
	uint32_t leg;

	if (!rg_rest_client_id_parse(id->p, id->n, r->prefix, &seq, &leg)) {
		r->stats.foreign++;
		return;
	}
	o = rg_rest_orders_find(&r->orders, seq);
	if (o == NULL) {
		r->stats.unknown++;
		return;
	}
	if (leg < o->leg)
		return; /* a leg replaced since: its fills were settled when it was */
	if (leg > o->leg) {
		o->flags |= RG_RO_FUTURE_SEEN; /* the replacement's leg, before the replace's answer */
		return;
	}
	if (o->state == RG_RO_ADOPTED) {
		adopted_news(o, x->cum_qty_e8, x->status);
		return;
	}
	o->venue_order_id = x->order_id;
	switch (x->exec_type) {
	case RG_REST_X_NEW:
		if (o->state != RG_RO_LIVE)
			o->state = RG_RO_LIVE;
		ack(r, o, now);
		break;
	case RG_REST_X_TRADE: {
		int64_t done = leg_reported(o);
		if (o->state != RG_RO_LIVE)
			o->state = RG_RO_LIVE;
		if (x->cum_qty_e8 <= done) {
			r->stats.duplicates++;
			return;
		}
		if (x->cum_qty_e8 - x->last_qty_e8 == done) {
			if (fill(r, o, x->last_qty_e8, x->last_px_e8, now))
				return;
		} else {
			r->stats.gaps++;
			if (x->cum_qty_e8 > o->venue_cum_e8)
				o->venue_cum_e8 = x->cum_qty_e8;
		}
		if (x->status == RG_REST_ST_FILLED && o->end == RG_RO_END_NONE && o->replace_step == RG_RR_NONE) {
			o->end = RG_RO_END_FILLED;
			o->final_cum_e8 = x->cum_qty_e8;
		}
		settle(r, o, GAP_WAIT_NS, now);
		break;
	}
	case RG_REST_X_CANCELED:
	case RG_REST_X_EXPIRED:
		if (x->cum_qty_e8 > o->venue_cum_e8)
			o->venue_cum_e8 = x->cum_qty_e8;
		if (o->replace_step != RG_RR_NONE)
			return; /* the replace's answer decides what the cancel of this leg means */
		if (o->end == RG_RO_END_NONE) {
			o->end = RG_RO_END_CANCELLED;
			o->final_cum_e8 = x->cum_qty_e8;
		}
		settle(r, o, GAP_WAIT_NS, now);
		break;
	case RG_REST_X_REJECTED:
		if (o->end == RG_RO_END_NONE && o->replace_step == RG_RR_NONE) {
			o->end = RG_RO_END_REJECTED;
			o->final_cum_e8 = x->cum_qty_e8;
			o->reason = RG_REST_REASON_STREAM_REJECT;
		}
		settle(r, o, GAP_WAIT_NS, now);
		break;
	default:
		break;
	}
}

static void on_stream_message(void *ctx, const char *msg, size_t n, bool too_long)
{
	struct rest_adapter *r = ctx;
	struct rg_rest_exec x;
	uint64_t now = rg_mono_ns();

	r->stats.stream_messages++;
	switch (too_long ? RG_REST_DECODE_MALFORMED : rg_rest_decode_stream(msg, n, &x)) {
	case RG_REST_DECODE_OK:
		on_report(r, &x, now);
		break;
	case RG_REST_DECODE_EXPIRED:
		logf_(r, true, "the venue expired the listen key: reopening the user stream");
		if (r->phase >= RG_REST_PHASE_RECONCILE)
			go_down(r, RG_REST_REASON_STREAM_LOST, now);
		break;
	case RG_REST_DECODE_OTHER:
		break;
	default:
		logf_(r, false, "a malformed user stream message (%zu bytes) was ignored", n);
		protocol_error(r, now);
		break;
	}
}

/* ---- requests from the engine ------------------------------------------------------- */

static void order_client_id(const struct rest_adapter *r, const struct rg_rest_order *o, uint32_t leg, char *out)
{
	rg_rest_client_id(out, r->prefix, o->engine_seq, leg);
}

static void on_new_request(struct rest_adapter *r, const struct rg_venue_request *req, uint64_t now)
{
	struct rg_rest_new_order no;
	struct rg_rest_query q;
	struct rg_rest_order *o = NULL;
	struct rg_rest_call *c;
	uint32_t why = 0;

	if (!symbol_ours(r, req->symbol_id))
		why = RG_REST_REASON_ENCODE;
	else if (r->auth_failed)
		why = RG_REST_REASON_AUTH;
	else if (!r->up)
		why = RG_REST_REASON_NOT_CONNECTED;
	else if (banned(r, now))
		why = RG_REST_REASON_BANNED;
	else if (now < r->throttled_until_ns || now < r->held_until_ns)
		why = RG_REST_REASON_THROTTLED;
	if (why == RG_REST_REASON_BANNED || why == RG_REST_REASON_THROTTLED)
		r->stats.throttled++;
	if (why == 0 && (o = rg_rest_orders_insert(&r->orders, req->engine_seq)) == NULL)
		why = RG_REST_REASON_TABLE_FULL;
	if (why != 0) {
		emit(r, RG_VEV_REJECT, req->engine_seq, req->symbol_id, 0, 0, 0, why, now);
		return;
	}
	o->qty_e8 = req->qty_e8;
	o->price_e8 = req->price_e8;
	o->symbol_id = req->symbol_id;
	o->side = req->side;
	o->type = req->type;
	o->tif = req->tif;
	o->state = RG_RO_SENT;
	o->sent_ns = now;
	no.symbol = symbol_name(r, req->symbol_id);
	no.prefix = r->prefix;
	no.engine_seq = req->engine_seq;
	no.leg = 0;
	no.qty_e8 = req->qty_e8;
	no.price_e8 = req->price_e8;
	no.side = req->side;
	no.type = req->type;
	no.tif = req->tif;
	rg_rest_encode_new_order(&q, &no);
	c = start(r, CALL_NEW, RG_HTTP_POST, "/api/v3/order", &q, true, req->engine_seq, req->symbol_id, 0);
	if (c == NULL) {
		remove_order(r, o);
		emit(r, RG_VEV_REJECT, req->engine_seq, req->symbol_id, 0, 0, 0, RG_REST_REASON_ENCODE, now);
		return;
	}
	o->timestamp_ms = c->timestamp_ms;
}

static void send_cancel(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now)
{
	char id[RG_REST_CLIENT_ID_MAX];
	struct rg_rest_query q;

	if (!may_call(r, now) || o->replace_step != RG_RR_NONE) {
		o->flags |= RG_RO_CANCEL_DUE;
		due_at(o, o->replace_step != RG_RR_NONE ? now + RETRY_SOON_NS
							 : later_of(r->throttled_until_ns, r->banned_until_ns));
		return;
	}
	order_client_id(r, o, o->leg, id);
	rg_rest_query_init(&q);
	rg_rest_query_add_str(&q, "symbol", symbol_name(r, o->symbol_id));
	rg_rest_query_add_str(&q, "origClientOrderId", id);
	if (start(r, CALL_CANCEL, RG_HTTP_DELETE, "/api/v3/order", &q, true, o->engine_seq, o->symbol_id, o->leg) ==
	    NULL) {
		o->flags |= RG_RO_CANCEL_DUE;
		due_at(o, now + RETRY_SOON_NS);
		return;
	}
	o->flags = (o->flags | RG_RO_CANCEL_SENT) & ~(uint32_t)RG_RO_CANCEL_DUE;
}

static void on_cancel_request(struct rest_adapter *r, const struct rg_venue_request *req, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, req->engine_seq);

	if (o == NULL || o->state == RG_RO_ADOPTED) {
		emit(r, RG_VEV_CANCEL_REJECT, req->engine_seq, req->symbol_id, 0, 0, 0, RG_REST_REASON_UNKNOWN_ORDER, now);
		return;
	}
	send_cancel(r, o, now);
}

static void send_replace(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now)
{
	char old_id[RG_REST_CLIENT_ID_MAX], new_id[RG_REST_CLIENT_ID_MAX];
	struct rg_rest_query q;
	struct rg_rest_call *c;

	order_client_id(r, o, o->leg, old_id);
	order_client_id(r, o, o->leg + 1, new_id);
	rg_rest_query_init(&q);
	rg_rest_query_add_str(&q, "symbol", symbol_name(r, o->symbol_id));
	rg_rest_query_add_str(&q, "side", rg_rest_side_str(o->side));
	rg_rest_query_add_str(&q, "type", "LIMIT");
	rg_rest_query_add_str(&q, "cancelReplaceMode", "STOP_ON_FAILURE");
	rg_rest_query_add_str(&q, "timeInForce", rg_rest_tif_str(o->tif));
	rg_rest_query_add_e8(&q, "quantity", o->new_qty_e8);
	rg_rest_query_add_e8(&q, "price", o->new_price_e8);
	rg_rest_query_add_str(&q, "cancelOrigClientOrderId", old_id);
	rg_rest_query_add_str(&q, "newClientOrderId", new_id);
	rg_rest_query_add_str(&q, "newOrderRespType", "RESULT");
	c = start(r, CALL_REPLACE, RG_HTTP_POST, "/api/v3/order/cancelReplace", &q, true, o->engine_seq, o->symbol_id,
		  o->leg);
	if (c == NULL) {
		emit(r, RG_VEV_REPLACE_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, RG_REST_REASON_ENCODE, now);
		return;
	}
	o->timestamp_ms = c->timestamp_ms;
	o->replace_step = RG_RR_SENT;
	o->flags |= RG_RO_REPLACING;
}

static void on_replace_request(struct rest_adapter *r, const struct rg_venue_request *req, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, req->engine_seq);
	uint32_t why = 0;

	if (!r->v->rest_cancel_replace)
		why = RG_REST_REASON_NO_REPLACE;
	else if (o == NULL || o->state == RG_RO_ADOPTED)
		why = RG_REST_REASON_UNKNOWN_ORDER;
	else if (o->state != RG_RO_LIVE || o->end != RG_RO_END_NONE || o->replace_step != RG_RR_NONE ||
		 (o->flags & (RG_RO_CANCEL_SENT | RG_RO_CANCEL_DUE)) || o->type != RG_TYPE_LIMIT ||
		 req->price_e8 <= 0 || req->qty_e8 - o->reported_e8 <= 0)
		why = RG_REST_REASON_NOT_REPLACEABLE;
	else if (!r->up)
		why = RG_REST_REASON_NOT_CONNECTED;
	else if (banned(r, now))
		why = RG_REST_REASON_BANNED;
	else if (now < r->throttled_until_ns || now < r->held_until_ns)
		why = RG_REST_REASON_THROTTLED;
	if (why != 0) {
		emit(r, RG_VEV_REPLACE_REJECT, req->engine_seq, req->symbol_id, 0, 0, 0, why, now);
		return;
	}
	o->new_qty_e8 = req->qty_e8 - o->reported_e8;
	o->new_price_e8 = req->price_e8;
	send_replace(r, o, now);
}

static void on_query_request(struct rest_adapter *r, const struct rg_venue_request *req, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, req->engine_seq);

	if (o != NULL) {
		if (o->state != RG_RO_ADOPTED)
			return; /* already tracked: the venue's reports reach the engine anyway */
		o->query_leaves_e8 = req->qty_e8;
		o->flags |= RG_RO_ENGINE_QUERY;
		take_engine_view(o, o->qty_e8);
		o->venue_cum_e8 = o->venue_cum_e8 > leg_reported(o) ? o->venue_cum_e8 : leg_reported(o);
		logf_(r, false, "order %llu open at the venue since before this start: following it again",
		      (unsigned long long)o->engine_seq);
		settle(r, o, 0, now);
		return;
	}
	if (!symbol_ours(r, req->symbol_id) || (o = rg_rest_orders_insert(&r->orders, req->engine_seq)) == NULL) {
		emit(r, RG_VEV_CANCEL_REJECT, req->engine_seq, req->symbol_id, 0, 0, 0, RG_REST_REASON_TABLE_FULL, now);
		return;
	}
	/* Not open at the venue at start: ended while the engine was away, or
	 * never arrived.  The venue's answer says which. */
	o->symbol_id = req->symbol_id;
	o->query_leaves_e8 = req->qty_e8;
	o->state = RG_RO_IN_DOUBT;
	o->flags |= RG_RO_ENGINE_QUERY;
	o->type = RG_TYPE_LIMIT;
	send_query(r, o, 0, now);
}

static unsigned drain_requests(struct rest_adapter *r, uint64_t now)
{
	struct rg_venue_request req;
	unsigned n = 0;

	while (n < BURST && rg_rest_http_free(&r->http) > r->reserve_calls && rg_ring_pop_spsc(&r->a->requests, &req)) {
		n++;
		switch (req.kind) {
		case RG_VREQ_NEW: on_new_request(r, &req, now); break;
		case RG_VREQ_CANCEL: on_cancel_request(r, &req, now); break;
		case RG_VREQ_REPLACE: on_replace_request(r, &req, now); break;
		case RG_VREQ_QUERY: on_query_request(r, &req, now); break;
		default: break;
		}
	}
	return n;
}

/* ---- answers about orders ----------------------------------------------------------- */

static void on_new_answer(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, c->engine_seq);
	struct rg_rest_order_status st;
	char what[200];

	if (o == NULL)
		return; /* the stream ended it already */
	if (ok_status(c) && rg_rest_decode_order(c->body, c->body_len, &st)) {
		apply_status(r, o, &st, GAP_WAIT_NS, now);
		return;
	}
	if (ok_status(c) || c->outcome == RG_REST_IN_DOUBT || (c->outcome == RG_REST_ANSWERED && c->status >= 500) ||
	    duplicate_order(c, ans)) {
		if (ok_status(c))
			protocol_error(r, now);
		/* Maybe live: ask once the venue would have refused it. */
		r->stats.in_doubt += c->outcome == RG_REST_IN_DOUBT;
		describe(c, ans, what, sizeof(what));
		logf_(r, true, "order %llu: no usable answer (%s): its state is unknown until the venue is asked",
		      (unsigned long long)o->engine_seq, what);
		if (o->state == RG_RO_SENT)
			o->state = RG_RO_IN_DOUBT;
		o->retry_ns = QUERY_RETRY_MIN_NS;
		due_at(o, now + (uint64_t)r->recv_window_ms * NS_PER_MS + 1000 * NS_PER_MS);
		return;
	}
	if (o->flags & RG_RO_ACKED)
		return; /* the stream says it is live after all */
	if (c->outcome == RG_REST_NOT_SENT)
		r->stats.not_sent++;
	describe(c, ans, what, sizeof(what));
	logf_(r, c->status != 429 && c->status != 418, "order %llu refused: %s", (unsigned long long)o->engine_seq, what);
	emit(r, RG_VEV_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, refusal_reason(c), now);
	remove_order(r, o);
}

static void on_cancel_answer(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, c->engine_seq);
	struct rg_rest_order_status st;
	char what[200];

	if (o == NULL)
		return;
	o->flags &= ~(uint32_t)RG_RO_CANCEL_SENT;
	if (ok_status(c) && rg_rest_decode_order(c->body, c->body_len, &st)) {
		if (!rg_rest_status_final(st.status))
			st.status = RG_REST_ST_CANCELED;
		apply_status(r, o, &st, GAP_WAIT_NS, now);
		return;
	}
	if (c->outcome == RG_REST_ANSWERED && (c->status == 429 || c->status == 418)) {
		send_cancel(r, o, now); /* held until the back-off ends */
		return;
	}
	if (c->outcome == RG_REST_IN_DOUBT || (c->outcome == RG_REST_ANSWERED && c->status >= 500) || ok_status(c)) {
		r->stats.in_doubt += c->outcome == RG_REST_IN_DOUBT;
		o->flags |= RG_RO_CANCEL_IN_DOUBT;
		o->retry_ns = QUERY_RETRY_MIN_NS;
		due_at(o, now + 1000 * NS_PER_MS);
		return;
	}
	describe(c, ans, what, sizeof(what));
	logf_(r, false, "cancel of order %llu refused: %s", (unsigned long long)o->engine_seq, what);
	emit(r, RG_VEV_CANCEL_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, refusal_reason(c), now);
	if (order_missing(c, ans))
		due_at(o, now); /* done already: the query finds how */
}

static void switch_leg(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now)
{
	o->leg++;
	o->leg_base_e8 = o->reported_e8;
	o->venue_cum_e8 = 0;
	o->final_cum_e8 = 0;
	o->venue_order_id = o->new_order_id;
	o->qty_e8 = o->reported_e8 + o->new_qty_e8;
	o->price_e8 = o->new_price_e8;
	o->replace_step = RG_RR_NONE;
	o->flags &= ~(uint32_t)RG_RO_REPLACING;
	emit(r, RG_VEV_REPLACED, o->engine_seq, o->symbol_id, o->qty_e8, o->price_e8, o->new_qty_e8, 0, now);
	if (o->flags & RG_RO_FUTURE_SEEN) {
		o->flags &= ~(uint32_t)RG_RO_FUTURE_SEEN;
		due_at(o, now); /* the stream spoke of this leg before: read it */
	}
}

/* The venue replaced the order: the old leg ended at old_final; the new one
 * is new_id with new_qty open. */
static void replaced(struct rest_adapter *r, struct rg_rest_order *o, int64_t old_final, uint64_t new_id,
		     int64_t new_qty, uint64_t now)
{
	o->new_order_id = new_id;
	if (new_qty > 0)
		o->new_qty_e8 = new_qty;
	o->final_cum_e8 = old_final > o->venue_cum_e8 ? old_final : o->venue_cum_e8;
	o->replace_step = RG_RR_CATCH_UP;
	settle(r, o, 0, now);
}

/* The replace did not happen: the order is as it was, unless its old leg
 * was cancelled (ended at old_final) without a new one. */
static void replace_failed(struct rest_adapter *r, struct rg_rest_order *o, uint32_t reason, bool old_cancelled,
			   int64_t old_final, uint64_t now)
{
	o->replace_step = RG_RR_NONE;
	o->flags &= ~(uint32_t)RG_RO_REPLACING;
	emit(r, RG_VEV_REPLACE_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, reason, now);
	if (old_cancelled) {
		o->end = RG_RO_END_CANCELLED;
		o->final_cum_e8 = old_final > o->venue_cum_e8 ? old_final : o->venue_cum_e8;
		o->reason = reason;
		settle(r, o, GAP_WAIT_NS, now);
	} else if (o->flags & RG_RO_CANCEL_DUE) {
		due_at(o, now);
	}
}

static void on_replace_answer(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, c->engine_seq);
	struct rg_rest_replace_answer ra;
	struct rg_rest_order_status old_st, new_st;
	bool decoded, old_ok, new_ok;
	char what[200];

	if (o == NULL || o->replace_step != RG_RR_SENT)
		return;
	decoded = c->outcome == RG_REST_ANSWERED && !c->body_overflow &&
		  rg_rest_decode_replace(c->body, c->body_len, &ra);
	old_ok = decoded && ra.cancel_response.type == RG_JSON_OBJECT &&
		 rg_rest_decode_order(ra.cancel_response.p, ra.cancel_response.n, &old_st);
	new_ok = decoded && ra.new_response.type == RG_JSON_OBJECT &&
		 rg_rest_decode_order(ra.new_response.p, ra.new_response.n, &new_st);
	if (decoded && ra.cancel_ok == 1 && ra.new_ok == 1 && old_ok && new_ok) {
		replaced(r, o, old_st.executed_qty_e8, new_st.order_id, new_st.orig_qty_e8, now);
		return;
	}
	describe(c, ans, what, sizeof(what));
	if (decoded && ra.cancel_ok == 0) {
		logf_(r, false, "replace of order %llu refused: %s", (unsigned long long)o->engine_seq, what);
		replace_failed(r, o, refusal_reason(c), false, 0, now);
		return;
	}
	if (decoded && ra.cancel_ok == 1 && ra.new_ok == 0) {
		logf_(r, true, "replace of order %llu: the order was cancelled but its replacement refused (%s)",
		      (unsigned long long)o->engine_seq, what);
		replace_failed(r, o, refusal_reason(c), true, old_ok ? old_st.executed_qty_e8 : o->venue_cum_e8, now);
		return;
	}
	if (c->outcome == RG_REST_ANSWERED && c->status >= 400 && c->status < 500) {
		/* Refused before it was tried (limits, signature, parameters). */
		logf_(r, false, "replace of order %llu refused: %s", (unsigned long long)o->engine_seq, what);
		replace_failed(r, o, refusal_reason(c), false, 0, now);
		return;
	}
	/* No usable answer: the new leg, once the venue would have refused it,
	 * says whether it happened. */
	logf_(r, true, "replace of order %llu: no usable answer (%s): asking the venue", (unsigned long long)o->engine_seq,
	      what);
	r->stats.in_doubt += c->outcome == RG_REST_IN_DOUBT;
	o->replace_step = RG_RR_ASK_NEW;
	o->retry_ns = QUERY_RETRY_MIN_NS;
	due_at(o, now + (uint64_t)r->recv_window_ms * NS_PER_MS + 1000 * NS_PER_MS);
}

static void on_query_answer(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, c->engine_seq);
	struct rg_rest_order_status st;
	uint32_t leg = (uint32_t)c->aux;
	char what[200];

	if (o == NULL)
		return;
	o->flags &= ~(uint32_t)RG_RO_QUERY_ASKED;
	if (ok_status(c) && rg_rest_decode_order(c->body, c->body_len, &st)) {
		o->retry_ns = 0;
		switch (o->replace_step) {
		case RG_RR_ASK_NEW:
			o->new_order_id = st.order_id;
			o->new_qty_e8 = st.orig_qty_e8;
			o->replace_step = RG_RR_ASK_OLD_OK;
			send_query(r, o, o->leg, now);
			return;
		case RG_RR_ASK_OLD_OK:
			if (st.executed_qty_e8 > o->venue_cum_e8)
				o->venue_cum_e8 = st.executed_qty_e8;
			replaced(r, o, st.executed_qty_e8, o->new_order_id, 0, now);
			return;
		case RG_RR_ASK_OLD_FAIL:
			if (st.executed_qty_e8 > o->venue_cum_e8)
				o->venue_cum_e8 = st.executed_qty_e8;
			replace_failed(r, o, RG_REST_REASON_IN_DOUBT, rg_rest_status_final(st.status), st.executed_qty_e8,
				       now);
			return;
		default:
			break;
		}
		if (leg != o->leg)
			return;
		bool open = !rg_rest_status_final(st.status);
		bool cancel_doubt = (o->flags & RG_RO_CANCEL_IN_DOUBT) != 0;
		o->flags &= ~(uint32_t)RG_RO_CANCEL_IN_DOUBT;
		uint64_t seq = o->engine_seq;
		uint32_t symbol = o->symbol_id;
		bool gone = apply_status(r, o, &st, 0, now);
		if (cancel_doubt && open && !gone)
			emit(r, RG_VEV_CANCEL_REJECT, seq, symbol, 0, 0, 0, RG_REST_REASON_IN_DOUBT, now);
		return;
	}
	if (order_missing(c, ans)) {
		o->retry_ns = 0;
		if (o->replace_step == RG_RR_ASK_NEW) {
			o->replace_step = RG_RR_ASK_OLD_FAIL;
			send_query(r, o, o->leg, now);
			return;
		}
		if (o->replace_step != RG_RR_NONE) {
			replace_failed(r, o, RG_REST_REASON_IN_DOUBT, false, 0, now);
			return;
		}
		if ((o->flags & RG_RO_ENGINE_QUERY) && o->qty_e8 == 0) {
			/* The engine's order never reached the venue (or was there before
			 * the venue's history): nothing executed, nothing open. */
			logf_(r, false, "order %llu, carried by the engine, is unknown to the venue: cancelled",
			      (unsigned long long)o->engine_seq);
			emit(r, RG_VEV_CANCELLED, o->engine_seq, o->symbol_id, 0, 0, o->query_leaves_e8,
			     RG_REST_REASON_NOT_PLACED, now);
			remove_order(r, o);
			return;
		}
		if (o->state == RG_RO_IN_DOUBT && !(o->flags & RG_RO_ACKED) &&
		    venue_ms(r) > o->timestamp_ms + r->recv_window_ms + 1000) {
			logf_(r, false, "order %llu did not reach the venue: rejected", (unsigned long long)o->engine_seq);
			emit(r, RG_VEV_REJECT, o->engine_seq, o->symbol_id, 0, 0, 0, RG_REST_REASON_NOT_PLACED, now);
			remove_order(r, o);
			return;
		}
	}
	/* Ask again later, more slowly each time. */
	describe(c, ans, what, sizeof(what));
	if (o->retry_ns >= QUERY_RETRY_MAX_NS / 2)
		logf_(r, true, "order %llu: the venue still cannot say what became of it (%s)",
		      (unsigned long long)o->engine_seq, what);
	o->retry_ns = o->retry_ns == 0 ? QUERY_RETRY_MIN_NS
					: (o->retry_ns * 2 > QUERY_RETRY_MAX_NS ? QUERY_RETRY_MAX_NS : o->retry_ns * 2);
	due_at(o, now + o->retry_ns);
}

/* A trade list is in the venue's order (ascending id); sorted defensively. */
static int trade_cmp(const void *a, const void *b)
{
	const struct rg_rest_trade *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void on_trades_answer(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_rest_trade *trades = r->trades;
	struct rg_rest_order *o = rg_rest_orders_find(&r->orders, c->engine_seq);
	struct rg_json_iter it;
	struct rg_json_span v;
	unsigned n = 0;
	int64_t cum = 0;
	char what[200];

	if (o == NULL)
		return;
	o->flags &= ~(uint32_t)RG_RO_TRADES_ASKED;
	if (c->aux != o->venue_order_id)
		return; /* the order moved to another leg since */
	if (!ok_status(c) || !rg_json_array_begin(&it, c->body, c->body_len)) {
		describe(c, ans, what, sizeof(what));
		logf_(r, true, "order %llu: cannot read its trades (%s)", (unsigned long long)o->engine_seq, what);
		o->retry_ns = o->retry_ns == 0 ? QUERY_RETRY_MIN_NS : o->retry_ns * 2;
		if (o->retry_ns > QUERY_RETRY_MAX_NS)
			o->retry_ns = QUERY_RETRY_MAX_NS;
		due_at(o, now + o->retry_ns);
		return;
	}
	while (n < MAX_TRADES && rg_json_array_next(&it, &v)) {
		if (v.type != RG_JSON_OBJECT || !rg_rest_decode_trade(v.p, v.n, &trades[n])) {
			protocol_error(r, now);
			return;
		}
		if (trades[n].order_id == o->venue_order_id)
			n++;
	}
	if (it.error) {
		protocol_error(r, now);
		return;
	}
	o->retry_ns = 0;
	qsort(trades, n, sizeof(trades[0]), trade_cmp);
	for (unsigned i = 0; i < n; i++) {
		int64_t before = cum, done = leg_reported(o);
		cum += trades[i].qty_e8;
		if (cum <= done)
			continue;
		r->stats.fills_recovered++;
		/* A trade partly reported already (the engine's leaves fell inside it) gives its remainder. */
		if (fill(r, o, cum - (before > done ? before : done), trades[i].price_e8, now))
			return;
	}
	if (cum > o->venue_cum_e8)
		o->venue_cum_e8 = cum;
	if (n == MAX_TRADES)
		logf_(r, true, "order %llu has more trades than one query returns: the rest follow", (unsigned long long)o->engine_seq);
	settle(r, o, GAP_WAIT_NS, now);
}

/* ---- reconciliation ------------------------------------------------------------ */

static void adopt(struct rest_adapter *r, const struct rg_rest_order_status *st, uint64_t seq, uint32_t leg,
		  uint64_t now)
{
	uint32_t symbol = symbol_by_name(r, &st->symbol);
	struct rg_rest_order *o;

	if (symbol == UINT32_MAX || (o = rg_rest_orders_insert(&r->orders, seq)) == NULL)
		return;
	o->state = RG_RO_ADOPTED;
	o->symbol_id = symbol;
	o->leg = leg;
	o->side = st->side;
	o->type = RG_TYPE_LIMIT;
	o->qty_e8 = st->orig_qty_e8;
	o->price_e8 = st->price_e8;
	o->venue_order_id = st->order_id;
	o->venue_cum_e8 = st->executed_qty_e8;
	o->flags |= RG_RO_SEEN_OPEN;
	o->due_ns = now + ORPHAN_AFTER_NS;
	r->stats.adopted++;
}

static void on_open_orders(struct rest_adapter *r, struct rg_rest_call *c, const struct answer *ans, uint64_t now)
{
	struct rg_json_iter it;
	struct rg_json_span v;
	char what[200];
	uint64_t foreign = 0;

	if (r->phase != RG_REST_PHASE_RECONCILE || c->aux != r->reconcile_gen)
		return; /* of a reconciliation given up since */
	r->reconcile_pending--;
	if (!ok_status(c) || !rg_json_array_begin(&it, c->body, c->body_len)) {
		if (auth_refused(c, ans)) {
			auth_failure(r, c, ans, now);
			return;
		}
		describe(c, ans, what, sizeof(what));
		logf_(r, true, "cannot read the open orders of %s (%s)", symbol_name(r, c->symbol_id), what);
		r->reconcile_failed = true;
		return;
	}
	auth_ok(r);
	while (rg_json_array_next(&it, &v)) {
		struct rg_rest_order_status st;
		struct rg_rest_order *o;
		uint64_t seq;
		uint32_t leg;
		if (v.type != RG_JSON_OBJECT || !rg_rest_decode_order(v.p, v.n, &st)) {
			protocol_error(r, now);
			r->reconcile_failed = true;
			return;
		}
		if (!rg_rest_client_id_parse(st.client_id.p, st.client_id.n, r->prefix, &seq, &leg)) {
			foreign++;
			continue;
		}
		o = rg_rest_orders_find(&r->orders, seq);
		if (o == NULL) {
			if (r->adopting) {
				adopt(r, &st, seq, leg, now);
			} else {
				r->stats.orphans++;
				logf_(r, true, "order %.*s is open at the venue but riskgate does not track it: cancel it "
					       "by hand if it is not wanted", (int)st.client_id.n, st.client_id.p);
			}
			continue;
		}
		if (leg == o->leg && o->state != RG_RO_ADOPTED) {
			o->flags |= RG_RO_SEEN_OPEN;
			if (o->state == RG_RO_SENT)
				continue; /* its own answer is on the way */
			apply_status(r, o, &st, 0, now);
		}
	}
	if (it.error) {
		protocol_error(r, now);
		r->reconcile_failed = true;
	}
	if (foreign != 0)
		r->stats.foreign += foreign;
}

static void start_reconcile(struct rest_adapter *r)
{
	r->phase = RG_REST_PHASE_RECONCILE;
	r->reconcile_gen++;
	r->reconcile_next = 0;
	r->reconcile_pending = 0;
	r->reconcile_failed = false;
	for (uint64_t k = 0; k <= r->orders.mask; k++)
		r->orders.slots[k].flags &= ~(uint32_t)RG_RO_SEEN_OPEN;
}

/* Asks for the open orders of the next symbols, while calls are free. */
static void continue_reconcile(struct rest_adapter *r, uint64_t now)
{
	const struct rg_config *cfg = r->a->cfg;

	while (r->reconcile_next < cfg->n_symbols && may_call(r, now)) {
		uint32_t s = r->reconcile_next;
		struct rg_rest_query q;
		if (cfg->symbols[s].venue != r->a->venue) {
			r->reconcile_next++;
			continue;
		}
		rg_rest_query_init(&q);
		rg_rest_query_add_str(&q, "symbol", cfg->symbols[s].name);
		if (start(r, CALL_OPEN_ORDERS, RG_HTTP_GET, "/api/v3/openOrders", &q, true, 0, s, r->reconcile_gen) == NULL)
			return;
		r->reconcile_next++;
		r->reconcile_pending++;
	}
}

static void finish_reconcile(struct rest_adapter *r, uint64_t now)
{
	uint64_t asked = 0, adopted = 0;

	/* Orders tracked but no longer open: they ended (or filled) while
	 * the stream was down; their queries bring the rest. */
	for (uint64_t k = 0; k <= r->orders.mask; k++) {
		struct rg_rest_order *o = &r->orders.slots[k];
		if (o->engine_seq == 0)
			continue;
		if (o->state == RG_RO_ADOPTED) {
			adopted++;
			continue;
		}
		if (!(o->flags & RG_RO_SEEN_OPEN) && o->state != RG_RO_SENT && o->replace_step == RG_RR_NONE) {
			o->flags |= RG_RO_NEEDS_QUERY;
			due_at(o, now);
			asked++;
		}
	}
	if (r->adopting && adopted != 0)
		logf_(r, false,
		      "%llu riskgate orders are open at the venue from before this start; those the engine carried "
		      "are followed again once it asks",
		      (unsigned long long)adopted);
	r->adopting = false;
	r->phase = RG_REST_PHASE_UP;
	r->up = true;
	r->up_ns = now;
	r->backoff_ns = r->v->rest_reconnect_min_ns;
	r->last_error[0] = '\0';
	logf_(r, false, "user stream up; %llu tracked orders to check with the venue", (unsigned long long)asked);
	emit(r, RG_VEV_CONNECTED, 0, 0, 0, 0, 0, 0, now);
}

/* ---- the sweep: what is due about orders ----------------------------------------- */

/* Asks the venue about the order's leg; true when the call went (or one is
 * already out), false when it must wait (then o is due again). */
static bool send_query(struct rest_adapter *r, struct rg_rest_order *o, uint32_t leg, uint64_t now)
{
	char id[RG_REST_CLIENT_ID_MAX];
	struct rg_rest_query q;

	if (o->flags & RG_RO_QUERY_ASKED)
		return true;
	if (!may_call(r, now) || now < r->next_query_ns) {
		due_at(o, later_of(r->next_query_ns, later_of(r->throttled_until_ns, r->banned_until_ns)));
		return false;
	}
	order_client_id(r, o, leg, id);
	rg_rest_query_init(&q);
	rg_rest_query_add_str(&q, "symbol", symbol_name(r, o->symbol_id));
	rg_rest_query_add_str(&q, "origClientOrderId", id);
	if (start(r, CALL_QUERY, RG_HTTP_GET, "/api/v3/order", &q, true, o->engine_seq, o->symbol_id, leg) == NULL) {
		due_at(o, now + RETRY_SOON_NS);
		return false;
	}
	o->flags |= RG_RO_QUERY_ASKED;
	r->next_query_ns = now + QUERY_EVERY_NS;
	return true;
}

/* Reads the trades of the order's leg order_id; as send_query. */
static bool send_trades(struct rest_adapter *r, struct rg_rest_order *o, uint64_t order_id, uint64_t now)
{
	struct rg_rest_query q;

	if (o->flags & RG_RO_TRADES_ASKED)
		return true;
	if (!may_call(r, now) || now < r->next_query_ns) {
		due_at(o, later_of(r->next_query_ns, later_of(r->throttled_until_ns, r->banned_until_ns)));
		return false;
	}
	rg_rest_query_init(&q);
	rg_rest_query_add_str(&q, "symbol", symbol_name(r, o->symbol_id));
	rg_rest_query_add_u64(&q, "orderId", order_id);
	rg_rest_query_add_u64(&q, "limit", MAX_TRADES);
	if (start(r, CALL_TRADES, RG_HTTP_GET, "/api/v3/myTrades", &q, true, o->engine_seq, o->symbol_id, order_id) ==
	    NULL) {
		due_at(o, now + RETRY_SOON_NS);
		return false;
	}
	o->flags |= RG_RO_TRADES_ASKED;
	r->next_query_ns = now + QUERY_EVERY_NS;
	return true;
}

static void check_order(struct rest_adapter *r, struct rg_rest_order *o, uint64_t now)
{
	int64_t done = leg_reported(o);

	if (o->state == RG_RO_ADOPTED) {
		if (!(o->flags & RG_RO_ORPHAN_LOGGED)) {
			o->flags |= RG_RO_ORPHAN_LOGGED;
			r->stats.orphans++;
			logf_(r, true,
			      "order %llu is open at the venue but the engine did not claim it: cancel it by hand if "
			      "it is not wanted",
			      (unsigned long long)o->engine_seq);
		}
		return;
	}
	if (o->flags & RG_RO_CANCEL_DUE) {
		send_cancel(r, o, now);
		return;
	}
	switch (o->replace_step) {
	case RG_RR_ASK_NEW: send_query(r, o, o->leg + 1, now); return;
	case RG_RR_ASK_OLD_OK: case RG_RR_ASK_OLD_FAIL: send_query(r, o, o->leg, now); return;
	case RG_RR_SENT: return;
	default: break;
	}
	if (o->state == RG_RO_IN_DOUBT || (o->flags & RG_RO_CANCEL_IN_DOUBT) || o->venue_order_id == 0 ||
	    (o->flags & (RG_RO_NEEDS_QUERY | RG_RO_FUTURE_SEEN))) {
		/* What the venue has: the answer may show a gap, then the trades follow. */
		if (send_query(r, o, o->leg, now))
			o->flags &= ~(uint32_t)(RG_RO_NEEDS_QUERY | RG_RO_FUTURE_SEEN);
		return;
	}
	if (o->venue_cum_e8 > done || (o->end != RG_RO_END_NONE && o->final_cum_e8 > done) ||
	    (o->replace_step == RG_RR_CATCH_UP && o->final_cum_e8 > done))
		send_trades(r, o, o->venue_order_id, now);
}

static void sweep(struct rest_adapter *r, uint64_t now)
{
	if (r->orders.count == 0)
		return;
	for (uint64_t k = 0; k <= r->orders.mask; k++) {
		struct rg_rest_order *o = &r->orders.slots[k];
		if (o->engine_seq == 0 || o->due_ns == 0 || o->due_ns > now)
			continue;
		o->due_ns = 0;
		check_order(r, o, now);
	}
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_done(void *ctx, struct rg_rest_call *c)
{
	struct rest_adapter *r = ctx;
	uint64_t now = c->finished_ns;
	struct answer ans;

	read_answer(c, &ans);
	if (c->outcome == RG_REST_ANSWERED) {
		if (c->status < 300)
			r->stats.answers_ok++;
		else if (c->status < 500)
			r->stats.answers_refused++;
		else
			r->stats.answers_failed++;
		read_limits(r, c, now);
		if (clock_refused(&ans) && !r->time_busy) {
			logf_(r, true, "the venue refused a request's timestamp: reading its clock again");
			r->time_due_ns = now;
		}
	} else if (c->outcome == RG_REST_NOT_SENT && c->kind != CALL_NEW) {
		r->stats.not_sent++;
	}
	if (ok_status(c) && c->timestamp_ms != 0)
		auth_ok(r);
	else if (auth_refused(c, &ans) && c->kind != CALL_OPEN_ORDERS && c->kind != CALL_LISTEN_NEW &&
		 c->kind != CALL_LISTEN_KEEP)
		auth_failure(r, c, &ans, now);
	switch (c->kind) {
	case CALL_TIME: on_time(r, c, &ans, now); break;
	case CALL_LISTEN_NEW: on_listen_new(r, c, &ans, now); break;
	case CALL_LISTEN_KEEP: on_keepalive(r, c, &ans, now); break;
	case CALL_NEW: on_new_answer(r, c, &ans, now); break;
	case CALL_CANCEL: on_cancel_answer(r, c, &ans, now); break;
	case CALL_REPLACE: on_replace_answer(r, c, &ans, now); break;
	case CALL_QUERY: on_query_answer(r, c, &ans, now); break;
	case CALL_OPEN_ORDERS: on_open_orders(r, c, &ans, now); break;
	case CALL_TRADES: on_trades_answer(r, c, &ans, now); break;
	default: break;
	}
}

/* The connection's next step, when its time has come. */
static void step(struct rest_adapter *r, uint64_t now)
{
	struct rg_rest_query q;

	/* The stream first: it moves on its own. */
	if (r->stream.state == RG_STREAM_UP && r->phase == RG_REST_PHASE_STREAM) {
		r->stats.stream_connects++;
		start_reconcile(r);
	} else if (r->stream.state == RG_STREAM_CLOSED) {
		if (r->phase == RG_REST_PHASE_STREAM) {
			logf_(r, true, "cannot open the user stream (%s)", r->stream.why);
			r->phase = RG_REST_PHASE_LISTEN;
			retry_later(r, now);
		} else if (r->phase >= RG_REST_PHASE_RECONCILE) {
			r->stats.stream_drops++;
			logf_(r, true, "user stream lost (%s): reconnecting", r->stream.why);
			go_down(r, RG_REST_REASON_STREAM_LOST, now);
		}
		rg_rest_stream_reset(&r->stream);
	}
	if (banned(r, now))
		return;
	if (r->clock_known && now >= r->time_due_ns && !r->time_busy && may_call(r, now))
		send_time(r);
	if (r->phase >= RG_REST_PHASE_RECONCILE && now >= r->keepalive_due_ns && !r->keepalive_busy &&
	    may_call(r, now)) {
		rg_rest_query_init(&q);
		rg_rest_query_add_str(&q, "listenKey", r->listen_key);
		if (start(r, CALL_LISTEN_KEEP, RG_HTTP_PUT, "/api/v3/userDataStream", &q, false, 0, 0, 0) != NULL)
			r->keepalive_busy = true;
	}
	if (now < r->next_try_ns || r->step_busy || !may_call(r, now))
		return;
	switch (r->phase) {
	case RG_REST_PHASE_TIME:
		if (!r->time_busy && send_time(r))
			r->step_busy = true;
		break;
	case RG_REST_PHASE_LISTEN:
		if (r->stream.state != RG_STREAM_IDLE) {
			rg_rest_stream_close(&r->stream); /* the last stream is still closing */
			break;
		}
		rg_rest_query_init(&q);
		if (start(r, CALL_LISTEN_NEW, RG_HTTP_POST, "/api/v3/userDataStream", &q, false, 0, 0, 0) != NULL)
			r->step_busy = true;
		break;
	case RG_REST_PHASE_RECONCILE:
		continue_reconcile(r, now);
		if (r->reconcile_pending == 0 && r->reconcile_next >= r->a->cfg->n_symbols) {
			if (r->reconcile_failed) {
				start_reconcile(r);
				retry_later(r, now);
			} else {
				finish_reconcile(r, now);
			}
		}
		break;
	default:
		break;
	}
}

static void publish(struct rest_adapter *r, uint64_t now)
{
	pthread_mutex_lock(&r->status_lock);
	r->status.phase = r->phase;
	r->status.up = r->up;
	r->status.banned = banned(r, now);
	r->status.throttled = now < r->throttled_until_ns;
	r->status.held = now < r->held_until_ns;
	r->status.auth_failed = r->auth_failed;
	r->status.clock_offset_ms = r->offset_ms;
	r->status.live_orders = r->orders.count;
	r->status.connections = (uint32_t)r->http.connections;
	r->status.stats = r->stats;
	memcpy(r->status.last_error, r->last_error, sizeof(r->status.last_error));
	r->status.published++;
	pthread_mutex_unlock(&r->status_lock);
	r->status_ns = now;
}

int rg_rest_adapter_status(struct rg_adapter *a, struct rg_rest_adapter_status *out)
{
	struct rest_adapter *r;

	if (a == NULL || a->ops != &rg_rest_adapter_ops || a->priv == NULL)
		return -EINVAL;
	r = a->priv;
	pthread_mutex_lock(&r->status_lock);
	*out = r->status;
	pthread_mutex_unlock(&r->status_lock);
	return 0;
}

static void rest_run(struct rg_adapter *a)
{
	struct rest_adapter *r = a->priv;
	bool spin_only = a->cfg->idle_policy == RG_IDLE_SPIN;
	unsigned idle = 0;

	while (!rg_adapter_stopping(a)) {
		uint64_t now = rg_mono_ns();
		uint64_t before = r->stats.requests + r->stats.stream_messages;
		int wait = !spin_only && idle > IDLE_SPINS && !rg_rest_stream_pending(&r->stream) ? 1 : 0;
		unsigned work;

		work = rg_rest_http_poll(&r->http, rg_rest_stream_fd(&r->stream), wait, on_done, r);
		work += (unsigned)rg_rest_stream_service(&r->stream);
		now = rg_mono_ns();
		work += drain_requests(r, now);
		step(r, now);
		if (now >= r->next_sweep_ns) {
			sweep(r, now);
			r->next_sweep_ns = now + SWEEP_EVERY_NS;
		}
		work += r->stats.requests + r->stats.stream_messages != before;
		if (work != 0 || now - r->status_ns > STATUS_EVERY_NS)
			publish(r, now);
		idle = work != 0 ? 0 : idle + 1;
	}
	rg_rest_stream_close(&r->stream);
	for (int i = 0; i < 20 && r->stream.wsi != NULL; i++)
		rg_rest_stream_service(&r->stream);
	publish(r, rg_mono_ns());
}

/* ---- credentials and set-up ------------------------------------------------------------ */

static int read_secrets(const struct rg_venue_cfg *v, char *key, size_t key_cap, char *secret, size_t secret_cap,
			char *err, size_t errlen)
{
	if (v->credentials_file[0] != '\0') {
		struct rg_credential creds[2] = {{"api_key", key, key_cap, 0}, {"api_secret", secret, secret_cap, 0}};
		char why[300];
		int rc = rg_credentials_read(v->credentials_file, creds, 2, why, sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "venue '%s': %s", v->name, why);
			return rc;
		}
		if (!creds[0].found || !creds[1].found || key[0] == '\0' || secret[0] == '\0') {
			snprintf(err, errlen, "venue '%s': credentials_file %s needs the lines api_key=... and api_secret=...",
				 v->name, v->credentials_file);
			return -EINVAL;
		}
		return 0;
	}
	const char *kn = v->rest_api_key_env[0] != '\0' ? v->rest_api_key_env : "RG_REST_API_KEY";
	const char *sn = v->rest_api_secret_env[0] != '\0' ? v->rest_api_secret_env : "RG_REST_API_SECRET";
	const char *k = getenv(kn), *s = getenv(sn);
	if (k == NULL || s == NULL || k[0] == '\0' || s[0] == '\0') {
		snprintf(err, errlen,
			 "venue '%s': no API credentials: give the venue a credentials_file, or set %s and %s in the "
			 "environment",
			 v->name, kn, sn);
		return -ENOENT;
	}
	if (strlen(k) >= key_cap || strlen(s) >= secret_cap) {
		snprintf(err, errlen, "venue '%s': %s or %s too long", v->name, kn, sn);
		return -EINVAL;
	}
	strcpy(key, k);
	strcpy(secret, s);
	return 0;
}

static void rest_fini(struct rg_adapter *a)
{
	struct rest_adapter *r = a->priv;

	if (r == NULL)
		return;
	rg_rest_stream_fini(&r->stream);
	rg_rest_http_fini(&r->http);
	rg_rest_signer_fini(&r->signer);
	rg_venue_limiter_close(&r->limiter);
	rg_rest_orders_fini(&r->orders);
	explicit_bzero(r->listen_key, sizeof(r->listen_key));
	pthread_mutex_destroy(&r->status_lock);
	free(r);
	a->priv = NULL;
}

static int rest_init(struct rg_adapter *a, char *err, size_t errlen)
{
	const struct rg_venue_cfg *v = &a->cfg->venues[a->venue];
	struct rg_rest_stream_callbacks cb;
	char key[256], secret[256], why[256];
	struct rest_adapter *r;
	int rc;

	rc = read_secrets(v, key, sizeof(key), secret, sizeof(secret), err, errlen);
	if (rc != 0)
		goto out;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "venue '%s': cannot allocate the REST adapter", v->name);
		rc = -ENOMEM;
		goto out;
	}
	a->priv = r;
	r->a = a;
	r->v = v;
	pthread_mutex_init(&r->status_lock, NULL);
	const char *prefix = v->rest_client_id_prefix[0] != '\0' ? v->rest_client_id_prefix : "rg";
	size_t prefix_len = strnlen(prefix, RG_REST_PREFIX_MAX); /* the config allows no more */
	memcpy(r->prefix, prefix, prefix_len);
	r->prefix[prefix_len] = '\0';
	r->recv_window_ms = v->rest_recv_window_ms != 0 ? v->rest_recv_window_ms : 5000;
	r->backoff_ns = v->rest_reconnect_min_ns;
	r->adopting = true;
	r->phase = RG_REST_PHASE_TIME;
	uint32_t calls = v->rest_max_in_flight != 0 ? v->rest_max_in_flight : 16;
	r->reserve_calls = calls > 4 ? 2 : 0;
	if ((rc = rg_rest_orders_init(&r->orders, ORDER_SLOTS)) != 0) {
		snprintf(err, errlen, "venue '%s': cannot allocate the order table", v->name);
		goto fail;
	}
	if ((rc = rg_rest_signer_init(&r->signer, secret, strlen(secret))) != 0) {
		snprintf(err, errlen, "venue '%s': cannot set up HMAC-SHA256 signing (OpenSSL)", v->name);
		goto fail;
	}
	rc = rg_rest_http_init(&r->http, v->rest_base_url, v->rest_ca_file,
			       v->rest_api_key_header[0] != '\0' ? v->rest_api_key_header : "X-MBX-APIKEY", key, calls,
			       v->rest_timeout_ns != 0 ? v->rest_timeout_ns : 10000000000ull, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errlen, "venue '%s': %s", v->name, why);
		goto fail;
	}
	cb.ctx = r;
	cb.on_message = on_stream_message;
	rc = rg_rest_stream_init(&r->stream, v->rest_ws_url, v->rest_ca_file, &cb, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errlen, "venue '%s': %s", v->name, why);
		goto fail;
	}
	rc = rg_venue_limiter_open(&r->limiter, v, err, errlen);
	if (rc != 0)
		goto fail;
	publish(r, rg_mono_ns());
	goto out;
fail:
	rest_fini(a);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

const struct rg_adapter_ops rg_rest_adapter_ops = {
	.kind = "rest",
	.caps = RG_ADAPTER_CAN_QUERY | RG_ADAPTER_CAN_REPLACE,
	.init = rest_init,
	.run = rest_run,
	.fini = rest_fini,
};
