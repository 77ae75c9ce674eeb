/*
 * The engine runtime (engine.h): the hot loop and everything it owns.
 *
 * One pass of rg_engine_poll visits each strategy session round-robin and
 * drains its order ring in bursts, then drains every adapter's event ring.
 * Per message the work is: decide (engine/checks), take a venue token
 * (engine/venue_limiter), push to the venue's request ring, write the report.
 * Nothing in a pass allocates, locks, logs or makes a system call.
 *
 * Back-pressure never loses a message: orders are only taken from a session
 * whose report ring has room for their answers and whose backlog is empty, so
 * a strategy that does not read its reports is slowed down, not dropped; a
 * report that finds the ring full waits in the session's backlog (engine
 * memory, sized for what the live orders owe), and a venue event that finds
 * no room for its report or its journal records waits in its adapter's
 * stash.  Every report is numbered per session (report_seq).  An order is
 * admitted only within its session's share of the journal (journal_share.h).
 * An approved order the venue cannot take (no token, request ring full) is
 * unwound and rejected with its own reason, or, at a venue whose on_throttle
 * policy is "queue", held in the venue's bounded queue (venue_hold.h) and
 * sent when a token comes.
 */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "clock.h"
#include "engine_journal.h"
#include "engine_protocol.h"
#include "engine_recovery.h"
#include "engine_replace.h"
#include "engine_state.h"
#include "log_line.h"
#include "path_warmer.h"
#include "risk_events.h"
#include "risk_prefetch.h"
#include "risk_release.h"
#include "self_match_cancel.h"
#include "sigbus_guard.h"
#include "tsc_clock.h"
#include "venue_limiter_wait.h"

/* ---- reports ----------------------------------------------------------- */

/* The report_seq of the session's next report. */
static inline uint64_t take_report_seq(struct rg_session *s)
{
	return s->next_report_seq++;
}

static inline uint64_t backlog_free(const struct rg_session *s)
{
	return s->backlog_mask + 1 - (s->backlog_head - s->backlog_tail);
}

/*
 * Writes a report to the strategy: into its ring, or, when the ring is full
 * (or earlier reports still wait, or the session is revoked), at the end of
 * its backlog, from where poll_session moves it into the ring as the
 * strategy reads.  Room in the backlog is made sure of before anything that
 * reports is done: an order is taken only while the backlog is empty, a
 * venue event only while there is room for its report (event_fits), and the
 * backlog holds every report the live orders still owe.
 */
void _rg_engine_push_report(struct rg_engine *e, struct rg_session *s, const struct rg_report *r)
{
	if (s->backlog_head == s->backlog_tail && !__atomic_load_n(&s->revoked, __ATOMIC_RELAXED) &&
	    rg_ring_push_spsc(&s->reports, r)) {
		e->inst.ctl->reports_out++;
		return;
	}
	if (__builtin_expect(backlog_free(s) == 0, 0)) {
		e->inst.ctl->rejected_by_reason[RG_REJ_REPORT_RING_FULL]++; /* cannot happen: counted if it does */
		return;
	}
	s->backlog[s->backlog_head++ & s->backlog_mask] = *r;
	e->inst.ctl->reports_held++;
}

bool _rg_engine_report_fits(const struct rg_engine *e, const struct rg_session *s, bool budgeted)
{
	uint64_t need = 1;

	if (!budgeted)
		need += 2ull * e->risk->strategies[s->strategy].orders.count;
	return backlog_free(s) >= need;
}

/* Moves waiting reports into the ring, oldest first; true once none waits. */
static bool flush_backlog(struct rg_engine *e, struct rg_session *s)
{
	while (s->backlog_tail != s->backlog_head) {
		if (!rg_ring_push_spsc(&s->reports, &s->backlog[s->backlog_tail & s->backlog_mask]))
			return false;
		s->backlog_tail++;
		e->inst.ctl->reports_out++;
	}
	return true;
}

/* Every decided message counts towards its session's quarantine window. */
static inline void count_decided(struct rg_engine *e, struct rg_session *s, unsigned reason, uint64_t now_ns)
{
	uint32_t malformed = rg_quarantine_count(&e->quarantine[s->strategy], reason);

	if (__builtin_expect(malformed != 0, 0))
		rg_quarantine_trip(e, s, malformed, now_ns);
}

/* An order's answer (ACCEPTED or REJECTED), every byte of it. */
static inline void fill_answer(struct rg_report *r, uint8_t kind, const struct rg_order *o, uint64_t engine_seq,
			       uint16_t reason, int64_t limit, int64_t value, uint64_t report_seq)
{
	r->client_order_id = o->client_order_id;
	r->engine_seq = engine_seq;
	r->reject.limit = limit;
	r->reject.value = value;
	r->reject.reserved = 0;
	r->report_seq = report_seq;
	r->symbol_id = o->symbol_id;
	r->reason = reason;
	r->kind = kind;
	r->flags = 0;
}

/* Writes an order's answer as _rg_engine_push_report does, but straight into
 * the strategy's ring slot when it goes there (no report built and copied). */
static inline void push_answer(struct rg_engine *e, struct rg_session *s, uint8_t kind, const struct rg_order *o,
			       uint64_t engine_seq, uint16_t reason, int64_t limit, int64_t value, uint64_t report_seq)
{
	struct rg_report *slot, r;
	uint64_t pos;

	if (__builtin_expect(s->backlog_head == s->backlog_tail && !__atomic_load_n(&s->revoked, __ATOMIC_RELAXED), 1) &&
	    (slot = rg_ring_claim_spsc(&s->reports, &pos)) != NULL) {
		fill_answer(slot, kind, o, engine_seq, reason, limit, value, report_seq);
		rg_ring_commit_spsc(&s->reports, pos);
		e->inst.ctl->reports_out++;
		return;
	}
	fill_answer(&r, kind, o, engine_seq, reason, limit, value, report_seq);
	_rg_engine_push_report(e, s, &r);
}

static void report_reject(struct rg_engine *e, struct rg_session *s, const struct rg_order *o, unsigned reason,
			  int64_t limit, int64_t value, uint64_t now_ns)
{
	/* AUDIT_BACKPRESSURE is not journaled (no room): nothing could replay
	 * it, so it takes no number. */
	uint64_t rseq = reason == RG_REJ_AUDIT_BACKPRESSURE ? 0 : take_report_seq(s);

	rg_ej_decided(e, s->strategy, o, reason, limit, value, e->deciding != NULL ? e->deciding->engine_seq : 0, rseq,
		      now_ns);
	e->inst.ctl->rejected++;
	s->n_rejected++;
	e->inst.ctl->rejected_by_reason[reason < RG_REJ_REASON_MAX ? reason : 0]++;
	push_answer(e, s, RG_REPORT_REJECTED, o, 0, (uint16_t)reason, limit, value, rseq);
	count_decided(e, s, reason, now_ns);
}

/* Inlined into the order path (a call and its frame cost a tenth of it). */
static inline __attribute__((always_inline)) void report_accept(struct rg_engine *e, struct rg_session *s,
								 const struct rg_order *o, uint64_t seq, uint64_t now_ns)
{
	uint64_t rseq = take_report_seq(s);

	rg_ej_decided(e, s->strategy, o, RG_REJ_NONE, 0, 0, seq, rseq, now_ns);
	e->inst.ctl->approved++;
	s->n_approved++;
	push_answer(e, s, RG_REPORT_ACCEPTED, o, seq, RG_REJ_NONE, 0, 0, rseq);
	count_decided(e, s, RG_REJ_NONE, now_ns);
}

/* ---- routes: every live order has one, and owes the journal its records -- */

static bool route_put(struct rg_engine *e, const struct rg_order_route *route)
{
	if (!rg_order_routes_put(&e->routes, route))
		return false;
	rg_jshare_order_live(&e->jshare, route->strategy);
	return true;
}

static void route_del(struct rg_engine *e, struct rg_order_route *route)
{
	rg_jshare_order_done(&e->jshare, route->strategy);
	rg_order_routes_del(&e->routes, route);
}

/* ---- orders: strategy -> engine -> venue ------------------------------ */

/* Undoes an approval the venue path could not carry out (the order is taken
 * out as if cancelled: its reservation is released, the rate tokens it took
 * stay spent, and, as it never leaves riskgate, its place in the account's
 * daily order count is given back: max_orders_per_day counts orders sent to
 * venues), then rejects it with the venue path's reason. */
static void unwind_and_reject(struct rg_engine *e, struct rg_session *s, const struct rg_order *o, unsigned reason,
			      int64_t limit, int64_t value, uint64_t now_ns)
{
	rg_risk_on_cancelled(e->risk, s->strategy, o->client_order_id, now_ns);
	rg_risk_order_never_sent(e->risk, s->strategy);
	report_reject(e, s, o, reason, limit, value, now_ns);
}

static void fill_request(struct rg_venue_request *req, const struct rg_session *s, const struct rg_order *o,
			 uint64_t engine_seq, uint64_t now_ns)
{
	memset(req, 0, sizeof(*req));
	req->kind = RG_VREQ_NEW;
	req->engine_seq = engine_seq;
	req->client_order_id = o->client_order_id;
	req->qty_e8 = o->qty_e8;
	req->price_e8 = o->price_e8;
	req->sent_ns = now_ns;
	req->symbol_id = o->symbol_id;
	req->side = o->side;
	req->type = o->type;
	req->tif = o->tif;
	req->strategy = s->strategy;
}

static void set_held_gauge(struct rg_engine *e, uint16_t venue)
{
	if (venue < RG_CTL_VENUES)
		e->inst.ctl->venue_held[venue] = e->holds[venue].live;
}

/* Holds an approved order at a queueing venue that has no token for it (or
 * older orders waiting); false when the queue is full. */
static bool hold_new(struct rg_engine *e, uint16_t venue, const struct rg_venue_request *req)
{
	if (!rg_venue_hold_push(&e->holds[venue], req))
		return false;
	e->held_total++;
	set_held_gauge(e, venue);
	return true;
}

static void forward_new(struct rg_engine *e, struct rg_session *s, const struct rg_order *o,
			const struct rg_decision *d, uint64_t now_ns)
{
	const struct rg_venue_cfg *v = &e->cfg->venues[d->venue];
	struct rg_adapter *a = &e->adapters[d->venue];
	struct rg_venue_request req;
	struct rg_order_route route;
	bool queueing = v->throttle_policy == RG_THROTTLE_QUEUE, sendable;

	/* (A dry-run venue's orders never come here: answer_approved answers them.)
	 * Behind held orders an order waits its turn, token or not. */
	sendable = !(queueing && e->holds[d->venue].live != 0) &&
		   rg_venue_limiter_try_acquire(&e->limiters[d->venue], now_ns);
	if (!sendable && (!queueing || e->holds[d->venue].used == e->holds[d->venue].cap)) {
		uint64_t interval_ns, wait_ns = rg_venue_limiter_wait_ns(&e->limiters[d->venue], now_ns, &interval_ns);
		/* Like ORDER_RATE: limit the binding bucket's interval (ns), value
		 * the wait for its next token (ns; may be 0 at a queueing venue
		 * whose full queue, not a token, refused it). */
		e->inst.ctl->venue_throttled[d->venue]++;
		unwind_and_reject(e, s, o, RG_REJ_VENUE_THROTTLED, (int64_t)interval_ns, (int64_t)wait_ns, now_ns);
		return;
	}
	fill_request(&req, s, o, d->engine_seq, now_ns);
	memset(&route, 0, sizeof(route));
	route.engine_seq = d->engine_seq;
	route.client_order_id = o->client_order_id;
	route.symbol_id = o->symbol_id;
	route.strategy = s->strategy;
	route.venue = d->venue;
	if (!route_put(e, &route)) {
		unwind_and_reject(e, s, o, RG_REJ_VENUE_QUEUE_FULL, 0, 0, now_ns);
		return;
	}
	if (!sendable) {
		hold_new(e, d->venue, &req); /* room was checked above */
		report_accept(e, s, o, d->engine_seq, now_ns);
		return;
	}
	if (!rg_adapter_submit(a, &req)) {
		route_del(e, rg_order_routes_get(&e->routes, d->engine_seq));
		unwind_and_reject(e, s, o, RG_REJ_VENUE_QUEUE_FULL, 0, 0, now_ns);
		return;
	}
	rg_ej_forwarded(e, d->venue, &req, now_ns);
	e->inst.ctl->venue_sent[d->venue]++;
	report_accept(e, s, o, d->engine_seq, now_ns);
}

/* Sends held orders, oldest first, while the venue has tokens and room. */
static unsigned release_held(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	struct rg_venue_hold *h = &e->holds[venue];
	struct rg_venue_request *req;
	unsigned sent = 0;

	while ((req = rg_venue_hold_front(h)) != NULL) {
		if (_rg_ring_free(&e->adapters[venue].requests, e->adapters[venue].requests.shared->head, 1) == 0 ||
		    !rg_journal_room(&e->journal, 1) || !rg_venue_limiter_try_acquire(&e->limiters[venue], now_ns))
			break;
		req->sent_ns = now_ns;
		rg_adapter_submit(&e->adapters[venue], req); /* room was checked: the engine is the only producer */
		rg_ej_forwarded(e, venue, req, now_ns);
		rg_venue_hold_pop(h);
		e->held_total--;
		e->inst.ctl->venue_sent[venue]++;
		sent++;
	}
	if (sent != 0)
		set_held_gauge(e, venue);
	return sent;
}

static void forward_cancel(struct rg_engine *e, struct rg_session *s, const struct rg_order *o,
			   const struct rg_decision *d, uint64_t now_ns)
{
	struct rg_venue_request req;

	if (e->holds[d->venue].live != 0 && rg_venue_hold_take(&e->holds[d->venue], d->engine_seq, &req)) {
		/* Still waiting for a token: it never reaches the venue. */
		report_accept(e, s, o, d->engine_seq, now_ns);
		_rg_engine_drop_held(e, d->venue, &req, now_ns);
		return;
	}
	struct rg_order_route target = {.engine_seq = d->engine_seq, .client_order_id = o->orig_client_order_id,
					.symbol_id = d->symbol, .strategy = s->strategy, .venue = d->venue};
	if (e->cfg->venues[d->venue].dry_run || !_rg_engine_send_cancel(e, &target, now_ns)) {
		struct rg_open_order *live;
		/* Nothing went out: unless an earlier cancel is still on its way,
		 * the order is not cancel-pending (a reconnect's recovery walk
		 * must still cancel it). */
		if (d->first_cancel &&
		    (live = rg_open_orders_find(&e->risk->strategies[s->strategy].orders, o->orig_client_order_id, NULL)) != NULL)
			live->flags &= (uint8_t)~RG_OO_CANCEL_PENDING;
		report_reject(e, s, o, RG_REJ_VENUE_QUEUE_FULL, 0, 0, now_ns);
		return;
	}
	report_accept(e, s, o, d->engine_seq, now_ns);
}

bool _rg_engine_send_cancel(struct rg_engine *e, const struct rg_order_route *target, uint64_t now_ns)
{
	struct rg_venue_request req;

	memset(&req, 0, sizeof(req));
	req.kind = RG_VREQ_CANCEL;
	req.engine_seq = target->engine_seq;
	req.client_order_id = target->client_order_id;
	req.symbol_id = target->symbol_id;
	req.strategy = target->strategy;
	req.sent_ns = now_ns;
	/* Nothing goes to a venue that the journal cannot record first. */
	if (!rg_journal_room(&e->journal, 1) || !rg_adapter_submit(&e->adapters[target->venue], &req))
		return false;
	rg_ej_forwarded(e, target->venue, &req, now_ns);
	return true;
}

bool _rg_engine_send_query(struct rg_engine *e, const struct rg_order_route *target, int64_t leaves_e8,
			   uint64_t now_ns)
{
	struct rg_venue_request req;

	memset(&req, 0, sizeof(req));
	req.kind = RG_VREQ_QUERY;
	req.engine_seq = target->engine_seq;
	req.client_order_id = target->client_order_id;
	req.symbol_id = target->symbol_id;
	req.strategy = target->strategy;
	req.qty_e8 = leaves_e8;
	req.sent_ns = now_ns;
	return rg_adapter_submit(&e->adapters[target->venue], &req);
}

static inline __attribute__((always_inline)) void answer_approved(struct rg_engine *e, struct rg_session *s,
								   const struct rg_order *o, struct rg_decision *d,
								   uint64_t now_ns);

static void decide_order(struct rg_engine *e, struct rg_session *s, const struct rg_order *o, uint64_t now_ns)
{
	struct rg_decision d;

	if (e->draining) {
		report_reject(e, s, o, RG_REJ_ENGINE_STOPPING, 0, 0, now_ns);
		return;
	}
	/* A replace no venue would carry out is refused before the checks, so
	 * nothing is reserved for it (engine_replace.c). */
	if (__builtin_expect(o->kind == RG_ORDER_REPLACE, 0)) {
		enum rg_reject_reason no = rg_engine_replace_precheck(e, s->strategy, o);
		if (no != RG_REJ_NONE) {
			report_reject(e, s, o, no, 0, (int64_t)o->orig_client_order_id, now_ns);
			return;
		}
	}
	/* One message in RG_TIMING_SAMPLE is timed: two TSC reads and a
	 * histogram entry cost more than a tenth of the checks.  The entry is
	 * made once the order is answered. */
	bool timed = (++e->timing_tick & (RG_TIMING_SAMPLE - 1)) == 0;
	uint64_t t0 = timed ? rg_tsc_ticks() : 0;
	enum rg_reject_reason why = rg_risk_check_order(e->risk, s->strategy, o, now_ns, &d);
	uint64_t t1 = timed ? rg_tsc_ticks() : 0;

	if (__builtin_expect(d.smp_cancel, 0)) /* self-match: the crossed resting orders go first */
		rg_engine_smp_cancel(e, s->strategy, o, now_ns);
	if (why != RG_REJ_NONE) {
		report_reject(e, s, o, d.reason, d.limit, d.value, now_ns);
	} else {
		e->deciding = &d; /* the answer's journal record carries the checks' verdict */
		answer_approved(e, s, o, &d, now_ns);
	}
	if (timed)
		rg_histogram_record(&e->inst.ctl->check_ns, ((t1 - t0) * e->ns_per_tick_q16) >> 16);
}

/* An approved message goes its way and is answered. */
static inline __attribute__((always_inline)) void answer_approved(struct rg_engine *e, struct rg_session *s,
								   const struct rg_order *o, struct rg_decision *d,
								   uint64_t now_ns)
{
	if (o->kind == RG_ORDER_CANCEL) {
		forward_cancel(e, s, o, d, now_ns);
	} else if (__builtin_expect(o->kind == RG_ORDER_REPLACE, 0)) {
		enum rg_reject_reason no = rg_engine_forward_replace(e, s->strategy, o, d, now_ns);
		if (no == RG_REJ_NONE)
			report_accept(e, s, o, d->engine_seq, now_ns);
		else
			report_reject(e, s, o, no, 0, 0, now_ns);
	} else if (e->cfg->venues[d->venue].dry_run) {
		/* Decided and journaled, never sent: the reservation is released
		 * once the answer is out, from the slot the commit took (no
		 * look-up), here in line (forward_new's frame is the venue path's). */
		report_accept(e, s, o, d->engine_seq, now_ns);
		rg_risk_release_committed(e->risk, s->strategy, d, o->client_order_id, now_ns);
	} else {
		forward_new(e, s, o, d, now_ns);
	}
}

/* Records the order path may append for one message: the message with its
 * decision (one ORDER_DECIDED), and the request forwarded (or a held
 * order's CANCELLED). */
#define ORDER_RECORDS_MAX 2u

/* Records a message may make owed: a new order's, should it go live. */
static inline uint64_t order_owes(const struct rg_order *o)
{
	return o->kind == RG_ORDER_NEW ? RG_JSHARE_OWED_PER_ORDER : 0;
}

/* Decides one message of the burst `b` admitted to the journal. */
static void handle_order(struct rg_engine *e, struct rg_session *s, const struct rg_order *o,
			 struct rg_jshare_burst *b, uint64_t now_ns)
{
	uint64_t owe = order_owes(o);

	e->deciding = NULL;
	/* Fail closed: nothing is decided that the journal cannot hold, and a
	 * session over its share of the journal is refused before it can take
	 * another's (journal_share.h).  The burst's admission covers the
	 * message, or it is admitted alone. */
	if (__builtin_expect(!rg_jshare_burst_covers(&e->journal, b, ORDER_RECORDS_MAX, owe), 0)) {
		rg_jshare_burst_charge(&e->jshare, &e->journal, b);
		if (!rg_jshare_admit(&e->jshare, &e->journal, s->strategy, ORDER_RECORDS_MAX, owe)) {
			uint64_t used = rg_jshare_used(&e->jshare, s->strategy), share = e->jshare.s[s->strategy].share;
			if (used + ORDER_RECORDS_MAX > share)
				e->inst.ctl->journal_share_refused++;
			report_reject(e, s, o, RG_REJ_AUDIT_BACKPRESSURE, (int64_t)share, (int64_t)used, now_ns);
			return;
		}
	}
	decide_order(e, s, o, now_ns);
}

/* True when ring `r` holds a message for its consumer: one look at the next
 * slot's sequence. */
static inline bool ring_ready(const struct rg_ring *r)
{
	uint64_t tail = r->shared->tail;

	return __atomic_load_n(&r->slots[tail & r->mask].seq, __ATOMIC_ACQUIRE) == tail;
}

/* Free report slots as the producer sees them: pessimistic (the strategy may
 * have read more since), and refreshed from the strategy's published position
 * only when the cached view shows fewer than `want`. */
static uint64_t report_room(struct rg_session *s, uint64_t want)
{
	return _rg_ring_free(&s->reports, s->reports.shared->head, want);
}

/* Takes and decides a burst of the session's orders (poll_session found
 * one waiting and no report waiting for room).  Out of line: the idle pass
 * does not pay for its frame. */
static __attribute__((noinline)) unsigned take_orders(struct rg_engine *e, struct rg_session *s, uint64_t now_ns)
{
	struct rg_order batch[BURST];
	uint64_t room;
	unsigned n, want = BURST;

	/* Each order needs one report slot for its decision; keep a quarter of
	 * the ring for venue events so fills are not starved by new orders. */
	room = report_room(s, (s->reports.mask + 1) / 4 + BURST);
	if (room <= (s->reports.mask + 1) / 4)
		return 0;
	room -= (s->reports.mask + 1) / 4;
	if (room < want)
		want = (unsigned)room;
	n = rg_ring_pop_burst_spsc(&s->orders, batch, want);
	if (n == 0)
		return 0;
	if (rg_dead_man_tripped(&e->dead_man[s->strategy]))
		rg_dead_man_check_session(e, s, now_ns); /* a re-attach lifts the halt before its first order */
	if (rg_quarantine_tripped(&e->quarantine[s->strategy]))
		rg_quarantine_check_session(e, s, now_ns); /* as it lifts a quarantine */
	/* The lines the burst's checks will read, and the routes the approved
	 * ones will take, all at once (risk_prefetch.h).  Not for a lone order:
	 * its check reads them at once, no hint would come sooner. */
	uint64_t owe = 0;
	if (n > 1) {
		rg_risk_prefetch_burst(e->risk, s->strategy, batch, n);
		for (unsigned i = 0; i < n; i++)
			owe += order_owes(&batch[i]);
	}
	__builtin_prefetch(&e->routes.slots[(e->risk->next_seq + 1) & e->routes.mask], 1, 3);
	/* The whole burst is admitted to the journal at once, and charged once
	 * (journal_share.h: the outcome is message-by-message admission's). */
	struct rg_jshare_burst jb;
	/* A burst of one is admitted alone (asking for the burst would be the
	 * same question, and the covering look one more). */
	rg_jshare_burst_begin(&e->jshare, &e->journal, s->strategy, (uint64_t)n * ORDER_RECORDS_MAX, owe, n > 1, &jb);
	e->inst.ctl->msgs_in += n;
	s->n_msgs += n;
	uint32_t tick0 = e->timing_tick;
	for (unsigned i = 0; i < n; i++)
		handle_order(e, s, &batch[i], &jb, now_ns);
	/* What need not precede the answers. */
	rg_jshare_burst_charge(&e->jshare, &e->journal, &jb);
	rg_path_warmer_note_id(&e->warm, s->strategy, &batch[n - 1]);
	e->last_activity_ns = now_ns;
	/* Submit-to-decision, from the strategy's stamp to the end of the burst
	 * (one clock read per burst, through the vDSO), for one message in
	 * RG_TIMING_SAMPLE: in a burst in which the sampling tick came round,
	 * every RG_TIMING_SAMPLE-th message from the first one timed (the
	 * messages whose checks were timed when all were checked). */
	if (((e->timing_tick ^ tick0) & ~(RG_TIMING_SAMPLE - 1)) != 0) {
		uint64_t done = rg_mono_ns();
		rg_path_warmer_note(&e->warm, s->strategy, &batch[n - 1]);
		for (unsigned i = (0u - (tick0 + 1)) & (RG_TIMING_SAMPLE - 1); i < n; i += RG_TIMING_SAMPLE)
			if (batch[i].client_ts_ns != 0 && batch[i].client_ts_ns <= done)
				rg_histogram_record(&e->inst.ctl->decision_ns, done - batch[i].client_ts_ns);
	}
	return n;
}

static inline unsigned poll_session(struct rg_engine *e, struct rg_session *s, uint64_t now_ns)
{
	if (__atomic_load_n(&s->revoked, __ATOMIC_RELAXED))
		return 0;
	/* Back-pressure: while reports wait for room, no new order is taken
	 * (its decision would wait behind them, and the backlog must keep room
	 * for what the live orders still owe). */
	if (__builtin_expect(s->backlog_head != s->backlog_tail, 0) && !flush_backlog(e, s))
		return 0;
	/* No order waiting (the idle pass): one look at the next slot, before
	 * any report room is worked out or the ring's tail written. */
	if (!ring_ready(&s->orders))
		return 0;
	return take_orders(e, s, now_ns);
}

/* ---- venue events: venue -> engine -> strategy ------------------------- */

static void report_event(struct rg_engine *e, const struct rg_order_route *route, uint8_t kind,
			 const struct rg_venue_event *ev, uint64_t report_seq)
{
	struct rg_session *s = &e->inst.sessions[route->strategy];
	struct rg_report r;

	memset(&r, 0, sizeof(r));
	r.report_seq = report_seq;
	r.kind = kind;
	r.client_order_id = route->client_order_id;
	r.engine_seq = route->engine_seq;
	r.symbol_id = route->symbol_id;
	if (kind == RG_REPORT_FILL) {
		r.fill.qty_e8 = ev->qty_e8;
		r.fill.price_e8 = ev->price_e8;
		r.fill.leaves_e8 = ev->leaves_e8;
	} else if (kind == RG_REPORT_VENUE_REJECT) {
		r.reject.value = ev->reason;
	}
	_rg_engine_push_report(e, s, &r);
}

/* A held order leaves without reaching the venue (cancelled by its strategy,
 * or the engine is stopping): its reservation is released and its strategy
 * gets CANCELLED, as if the venue had cancelled it.  The caller took it out
 * of the queue. */
void _rg_engine_settle_locally(struct rg_engine *e, uint16_t venue, struct rg_order_route *route, int64_t leaves_e8,
			       uint64_t now_ns)
{
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RG_VEV_CANCELLED;
	ev.leaves_e8 = leaves_e8;
	uint64_t rseq = take_report_seq(&e->inst.sessions[route->strategy]);
	rg_ej_venue_event(e, venue, route, &ev, rseq, now_ns);
	rg_risk_on_cancelled(e->risk, route->strategy, route->client_order_id, now_ns);
	report_event(e, route, RG_REPORT_CANCELLED, &ev, rseq);
	route_del(e, route);
}

void _rg_engine_drop_held(struct rg_engine *e, uint16_t venue, const struct rg_venue_request *req, uint64_t now_ns)
{
	struct rg_order_route *route = rg_order_routes_get(&e->routes, req->engine_seq);

	e->held_total--;
	set_held_gauge(e, venue);
	if (route != NULL)
		_rg_engine_settle_locally(e, venue, route, 0, now_ns);
}

/* `route` is the route of an event about an order (event_fits looked it up),
 * NULL when there is none. */
static void handle_event(struct rg_engine *e, uint16_t venue, const struct rg_venue_event *ev,
			 struct rg_order_route *route, uint64_t now_ns)
{
	struct rg_order_route routed;
	struct rg_ej_watch watch;

	switch (ev->kind) {
	case RG_VEV_REFERENCE:
		if (ev->symbol_id < e->cfg->n_symbols && e->cfg->symbols[ev->symbol_id].venue == venue)
			rg_risk_set_reference(e->risk, ev->symbol_id, ev->price_e8, now_ns);
		return;
	case RG_VEV_CONNECTED:
		rg_ej_venue_event(e, venue, NULL, ev, 0, now_ns);
		rg_ops_view_venue_session(e, venue, 1);
		rg_engine_recovery_on_connect(e, venue, now_ns);
		return; /* the breaker closes on the next order the venue accepts */
	case RG_VEV_DISCONNECTED:
		rg_ej_venue_event(e, venue, NULL, ev, 0, now_ns);
		rg_ops_view_venue_session(e, venue, 0);
		rg_ej_watch_read(e, venue, NULL, &watch);
		rg_risk_on_venue_failure(e->risk, venue, now_ns);
		rg_ej_watch_check(e, venue, NULL, &watch, now_ns);
		return;
	case RG_VEV_BANNED:
		/* Journaled as a disconnect with the venue's reason; the breaker
		 * opens at once (its STATE_CHANGE record follows). */
		rg_ej_venue_event(e, venue, NULL, ev, 0, now_ns);
		rg_ops_view_venue_session(e, venue, 0);
		rg_ej_watch_read(e, venue, NULL, &watch);
		rg_risk_on_venue_ban(e->risk, venue, now_ns);
		rg_ej_watch_check(e, venue, NULL, &watch, now_ns);
		return;
	case RG_VEV_PROTOCOL_ERROR:
		rg_engine_on_protocol_error(e, venue, ev, now_ns);
		return;
	default:
		break;
	}
	e->last_activity_ns = now_ns; /* order traffic: a drain waits for it to settle */
	if (route == NULL)
		return; /* an event for an order this engine does not know (counted by the adapter), or of no kind */
	/* Every event about an order reports to its strategy: the number is
	 * taken first, the journal record carries it. */
	uint64_t rseq = take_report_seq(&e->inst.sessions[route->strategy]), head = rg_journal_next_seq(&e->journal);
	rg_ej_venue_event(e, venue, route, ev, rseq, now_ns);
	routed = *route; /* the route may be deleted below */
	rg_ej_watch_read(e, venue, &routed, &watch);
	switch (ev->kind) {
	case RG_VEV_ACK:
		rg_risk_on_ack(e->risk, route->strategy, route->client_order_id, now_ns);
		report_event(e, route, RG_REPORT_VENUE_ACK, ev, rseq);
		break;
	case RG_VEV_FILL:
		e->inst.ctl->fills++;
		e->inst.sessions[route->strategy].n_fills++;
		rg_risk_on_fill(e->risk, route->strategy, route->client_order_id, ev->qty_e8, ev->price_e8,
				ev->leaves_e8, now_ns);
		if (ev->qty_e8 > 0 && !rg_add_i64(route->filled_e8, ev->qty_e8, &route->filled_e8))
			route->filled_e8 = INT64_MAX;
		rg_risk_view_on_fill(&e->view, e->cfg->strategies[route->strategy].account, route->symbol_id);
		report_event(e, route, RG_REPORT_FILL, ev, rseq);
		if (ev->leaves_e8 == 0 && route->replacement_id == 0)
			route_del(e, route); /* (with a replace on its way, its answer ends the route) */
		break;
	case RG_VEV_CANCELLED:
		rg_risk_on_cancelled(e->risk, route->strategy, route->client_order_id, now_ns);
		report_event(e, route, RG_REPORT_CANCELLED, ev, rseq);
		if (route->replacement_id == 0)
			route_del(e, route);
		break;
	case RG_VEV_REJECT:
		rg_risk_on_venue_reject(e->risk, route->strategy, route->client_order_id, now_ns);
		report_event(e, route, RG_REPORT_VENUE_REJECT, ev, rseq);
		if (route->replacement_id == 0)
			route_del(e, route);
		break;
	case RG_VEV_REPLACED:
	case RG_VEV_REPLACE_REJECT: {
		struct rg_report r;
		bool done = rg_engine_replace_answered(e, route, ev, &r, now_ns);
		r.report_seq = rseq;
		_rg_engine_push_report(e, &e->inst.sessions[route->strategy], &r);
		if (done)
			route_del(e, route);
		break;
	}
	default: /* RG_VEV_CANCEL_REJECT */
		report_event(e, route, RG_REPORT_VENUE_REJECT, ev, rseq);
		break;
	}
	rg_ej_watch_check(e, venue, &routed, &watch, now_ns);
	uint64_t end = rg_journal_next_seq(&e->journal);
	rg_jshare_charge(&e->jshare, routed.strategy, end - head, end); /* what the order owed, now in the ring */
}

/* Journal records one venue event can append: its own and a state change
 * each of the breaker, the account's loss latch and the strategy's throttle. */
#define EVENT_RECORDS_MAX 4u

/*
 * True when `ev` can be handled now without anything it produces being
 * refused: room in the journal ring for its records (it may use the
 * reserve the order path leaves), and, for an event about an order, room in
 * the strategy's report backlog for its report.  An ack or an order's last
 * report was provided for when the order was taken; a partial fill or a
 * refused cancel is not, so it needs room left over for what every live
 * order of the strategy still owes (two reports each).
 */
static bool event_fits(struct rg_engine *e, const struct rg_venue_event *ev, struct rg_order_route **route)
{
	*route = NULL;
	if (ev->kind == RG_VEV_REFERENCE)
		return true; /* no record, no report */
	if (!rg_journal_room(&e->journal, EVENT_RECORDS_MAX))
		return false;
	if (((ev->kind < RG_VEV_ACK || ev->kind > RG_VEV_CANCEL_REJECT) && ev->kind != RG_VEV_REPLACED &&
	     ev->kind != RG_VEV_REPLACE_REJECT) ||
	    (*route = rg_order_routes_get(&e->routes, ev->engine_seq)) == NULL)
		return true;
	return _rg_engine_report_fits(e, &e->inst.sessions[(*route)->strategy],
				      !((ev->kind == RG_VEV_FILL && ev->leaves_e8 != 0) || ev->kind == RG_VEV_CANCEL_REJECT));
}

/* Handles the venue's events in order.  One that does not fit waits, with
 * every event behind it, in the stash (and the adapter's ring behind that,
 * the adapter waiting to push): events are never dropped, nor reordered. */
static __attribute__((noinline)) unsigned take_events(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	struct rg_event_stash *st = &e->stash[venue];
	unsigned handled = 0;

	if (st->next == st->n) {
		st->n = rg_adapter_poll_events(&e->adapters[venue], st->ev, BURST);
		st->next = 0;
	}
	while (st->next < st->n) {
		struct rg_order_route *route;
		if (__builtin_expect(!event_fits(e, &st->ev[st->next], &route), 0)) {
			if (!st->waiting)
				e->inst.ctl->event_waits++;
			st->waiting = true;
			break;
		}
		st->waiting = false;
		handle_event(e, venue, &st->ev[st->next++], route, now_ns);
		handled++;
	}
	return handled;
}

static inline unsigned poll_adapter(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	const struct rg_event_stash *st = &e->stash[venue];

	/* Nothing stashed and no event waiting (the idle pass): one look at
	 * the next slot (the last burst taken published the ring's tail). */
	if (st->next == st->n && !ring_ready(&e->adapters[venue].events))
		return 0;
	return take_events(e, venue, now_ns);
}

/* ---- sessions truncated under the engine -------------------------------- */

#define REOPEN_RETRY_NS 1000000000ull

/*
 * A session whose segment its strategy truncated (the SIGBUS guard revoked
 * it and put zeroed memory in its place) is logged, counted and journaled
 * once, then made afresh with the config's owner and mode so that its
 * strategy can open it again: reports for it meanwhile wait in its backlog
 * and are delivered then; those the old ring held unread are a gap the
 * strategy sees and can have replayed.  A failed attempt is logged and
 * tried again every second.  Cold: heartbeat tick.
 */
static void tend_revoked_sessions(struct rg_engine *e, uint64_t now_ns)
{
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];
		struct rg_jbody_state b;
		char err[256];

		if (__builtin_expect(!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED), 1))
			continue;
		if (!s->revoked_seen) {
			s->revoked_seen = true;
			s->reopen_at_ns = now_ns;
			e->inst.ctl->sessions_truncated++;
			memset(&b, 0, sizeof(b));
			b.entity = RG_JENTITY_STRATEGY;
			b.entity_id = s->strategy;
			b.old_state = b.new_state = e->risk->strategies[s->strategy].state;
			b.cause = RG_JCAUSE_TRUNCATED;
			if (!rg_journal_state_change(&e->journal, now_ns, s->strategy, rg_ej_account_of(e, s->strategy), &b))
				rg_ej_refused(e);
			rg_engine_logf(&e->log,
				       "riskgate: session %s was truncated under the engine: revoked, %llu report(s) wait for "
				       "it; making it afresh",
				       s->name, (unsigned long long)(s->backlog_head - s->backlog_tail));
		}
		if (now_ns < s->reopen_at_ns)
			continue;
		if (rg_instance_reopen_session(&e->inst, e->cfg, s->strategy, err, sizeof(err)) != 0) {
			s->reopen_at_ns = now_ns + REOPEN_RETRY_NS;
			rg_engine_logf(&e->log, "riskgate: %s (trying again in a second)", err);
			continue;
		}
		e->inst.ctl->sessions_reopened++;
		/* The new segment's peer line starts from zero: its first open is a
		 * re-attach, its request counter a new one. */
		e->replay.seen[i] = 0;
		rg_quarantine_session_renewed(&e->quarantine[i]);
		rg_dead_man_session_renewed(&e->dead_man[i]);
		rg_instance_heartbeat(&e->inst, now_ns);
		rg_engine_logf(&e->log, "riskgate: session %s made afresh: its strategy can open it again", s->name);
	}
}

/* ---- the loop ---------------------------------------------------------- */

unsigned rg_engine_poll(struct rg_engine *e, uint64_t now_ns)
{
	unsigned work = 0;

	if (__builtin_expect(rg_engine_control_changed(&e->control), 0))
		rg_engine_control_apply(e, now_ns); /* kills and operators' requests, before this pass's orders */
	for (uint32_t i = 0; i < e->inst.n_sessions; i++)
		work += poll_session(e, &e->inst.sessions[i], now_ns);
	for (uint16_t v = 0; v < e->n_adapters; v++)
		work += poll_adapter(e, v, now_ns);
	if (e->held_total != 0)
		for (uint16_t v = 0; v < e->n_adapters; v++)
			if (e->holds[v].live != 0)
				work += release_held(e, v, now_ns);
	if (__builtin_expect(rg_report_replay_busy(&e->replay), 0))
		work += rg_report_replay_deliver(e);
	if (now_ns >= e->next_heartbeat_ns) {
		rg_instance_heartbeat(&e->inst, now_ns);
		rg_dead_man_check(e, now_ns);
		rg_engine_control_tick(e, now_ns);
		rg_risk_view_sweep(&e->view, now_ns + (uint64_t)e->journal.real_offset_ns);
		rg_risk_hours_tick(e->risk, now_ns + (uint64_t)e->journal.real_offset_ns); /* trading hours */
		rg_engine_journal_tick(e, now_ns);
		rg_ops_view_publish(e, now_ns);
		rg_jshare_settle(&e->jshare, &e->journal);
		rg_report_replay_tick(e);
		tend_revoked_sessions(e, now_ns);
		rg_engine_recovery_tick(e, now_ns);
		e->next_heartbeat_ns = now_ns + HEARTBEAT_EVERY_NS;
	}
	if (work == 0)
		rg_path_warmer_idle(e, &e->warm, now_ns); /* while idle, keep the order path in cache */
	return work;
}

void rg_engine_begin_drain(struct rg_engine *e, uint64_t now_ns)
{
	/* Nothing new goes to a venue once stopping: held orders are cancelled. */
	for (uint16_t v = 0; v < e->n_adapters; v++) {
		struct rg_venue_request *req;
		while ((req = rg_venue_hold_front(&e->holds[v])) != NULL) {
			struct rg_venue_request copy = *req;
			rg_venue_hold_pop(&e->holds[v]);
			_rg_engine_drop_held(e, v, &copy, now_ns);
		}
	}
	e->draining = true;
	e->drain_started_ns = now_ns;
	e->last_activity_ns = now_ns;
	__atomic_store_n(&e->inst.ctl->engine_state, (uint32_t)RG_ENGINE_DRAINING, __ATOMIC_RELEASE);
}

bool rg_engine_drained(struct rg_engine *e, uint64_t now_ns)
{
	if (now_ns - e->drain_started_ns > DRAIN_DEADLINE_NS)
		return true;
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];
		if (!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED) && rg_ring_pending(&s->orders, 1) != 0)
			return false;
	}
	for (uint16_t v = 0; v < e->n_adapters; v++)
		if (e->stash[v].next != e->stash[v].n)
			return false; /* venue events still wait for room */
	return now_ns - e->last_activity_ns > DRAIN_QUIET_NS;
}

/* ---- lifecycle (cold) -------------------------------------------------- */

int rg_engine_open(struct rg_engine **out, const struct rg_config *cfg, const char *config_path, uint64_t now_ns,
		   char *err, size_t errlen)
{
	struct rg_engine *e = calloc(1, sizeof(*e));
	struct timespec rt;
	int rc;

	if (e == NULL)
		return -ENOMEM;
	e->cfg = cfg;
	rg_engine_log_init(&e->log, STDERR_FILENO);
	e->ns_per_tick_q16 = rg_tsc_ns_per_tick_q32() >> 16; /* the check path is timed with the TSC */
	clock_gettime(CLOCK_REALTIME, &rt);
	rc = rg_risk_create(&e->risk, cfg, now_ns, (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec, err,
			    errlen);
	if (rc != 0)
		goto fail;
	rc = rg_order_routes_init(&e->routes, ROUTE_CAPACITY);
	if (rc != 0) {
		snprintf(err, errlen, "cannot allocate the order route table");
		goto fail;
	}
	rc = rg_instance_open(&e->inst, cfg, err, errlen);
	if (rc != 0)
		goto fail;
	struct rg_journal_ring_cfg jrc = {.instance = cfg->instance, .capacity = cfg->journal.ring_capacity,
					  .perms = {(uid_t)-1, (gid_t)-1, 0600, cfg->lock_memory}};
	rc = rg_journal_open(&e->journal, &jrc, err, errlen);
	if (rc != 0)
		goto fail;
	rc = rg_engine_journal_start(e, config_path, now_ns, err, errlen);
	if (rc != 0)
		goto fail;
	/* Shares of the journal ring; the orders the recovery carried owe theirs. */
	rg_jshare_init(&e->jshare, e->journal.mask + 1, e->journal.reserve, cfg->n_strategies,
		       rg_journal_written(&e->journal));
	for (uint64_t k = 0; k <= e->routes.mask; k++)
		if (e->routes.slots[k].engine_seq != 0 && e->routes.slots[k].strategy < cfg->n_strategies)
			rg_jshare_order_live(&e->jshare, e->routes.slots[k].strategy);
	rc = rg_engine_control_open(e, now_ns, err, errlen);
	if (rc != 0)
		goto fail;
	if (config_path != NULL)
		rg_engine_set_config_path(e, config_path);
	/* Kills the journal knows of but the segment lost (a reboot wiped
	 * /dev/shm) are put back before the first order; the first pass
	 * applies them. */
	rc = e->recovery != NULL ? rg_recovered_kills_reapply(&e->recovery->kills, cfg, &e->control.seg, err, errlen) : 0;
	if (rc > 0)
		rg_log(RG_LOG_WARN, "riskgate: %d kill(s) from the journal put back in force", rc);
	rc = rc > 0 ? 0 : rc;
	if (rc != 0)
		goto fail;
	rc = rg_risk_view_init(&e->view, e->inst.ctl, e->risk, cfg);
	if (rc != 0) {
		snprintf(err, errlen, "cannot allocate the risk view");
		goto fail;
	}
	rg_risk_view_set_market(&e->view, e->inst.market);
	rg_ops_view_init(e);
	rg_histogram_reset(&e->inst.ctl->check_ns);
	rg_histogram_reset(&e->inst.ctl->decision_ns);
	if (e->inst.reclaimed)
		rg_log(RG_LOG_WARN, "riskgate: reclaimed the segments of a crashed engine on instance '%s'", cfg->instance);
	rc = rg_sigbus_guard_install(&e->inst);
	if (rc != 0) {
		snprintf(err, errlen, "cannot install the SIGBUS guard: %s", strerror(-rc));
		goto fail;
	}
	for (uint16_t v = 0; v < cfg->n_venues; v++) {
		rc = rg_venue_limiter_open(&e->limiters[v], &cfg->venues[v], err, errlen);
		if (rc != 0)
			goto fail;
		rc = rg_venue_hold_init(&e->holds[v], cfg->venues[v].throttle_policy == RG_THROTTLE_QUEUE
								 ? cfg->venues[v].queue_capacity
								 : 0);
		if (rc != 0) {
			snprintf(err, errlen, "venue '%s': cannot allocate its hold queue", cfg->venues[v].name);
			goto fail;
		}
		rc = rg_adapter_start(&e->adapters[v], cfg, v, cfg->engine_core == 0 ? 1 : 0, err, errlen);
		if (rc != 0)
			goto fail;
		e->n_adapters = v + 1u;
	}
	rc = rg_report_replay_start(&e->replay, cfg, &e->journal, e->journal_writer, cfg->engine_core == 0 ? 1 : 0, err,
				    errlen);
	if (rc != 0)
		goto fail;
	rc = rg_engine_log_start(&e->log, cfg->engine_core == 0 ? 1 : 0);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the logger thread: %s", strerror(-rc));
		goto fail;
	}
	rg_ops_view_publish(e, now_ns);
	/* Sessions open only now, with the journal replayed: a strategy that
	 * started early gets "retry shortly" (-EAGAIN) instead of filling its
	 * ring and waiting out the replay.  The heartbeat is stamped first so
	 * that the first open finds the engine alive. */
	rg_idle_init(e);
	rg_path_warmer_init(&e->warm, cfg, now_ns);
	rg_instance_heartbeat(&e->inst, rg_mono_ns());
	rg_instance_publish_sessions(&e->inst);
	__atomic_store_n(&e->inst.ctl->engine_state, (uint32_t)RG_ENGINE_RUNNING, __ATOMIC_RELEASE);
	*out = e;
	return 0;
fail:
	rg_engine_close(e);
	return rc;
}

void rg_engine_set_log_fd(struct rg_engine *e, int fd)
{
	bool was_running = e->log.running;

	rg_engine_log_stop(&e->log);
	__atomic_store_n(&e->log.fd, fd, __ATOMIC_RELAXED);
	if (was_running && rg_engine_log_start(&e->log, e->cfg->engine_core == 0 ? 1 : 0) != 0)
		rg_engine_logf(&e->log, "riskgate: cannot restart the logger thread: the engine logs directly");
}

void rg_engine_log_warn(struct rg_engine *e, const char *line)
{
	rg_engine_log_at(&e->log, RG_LOG_WARN, "%s", line);
}

void rg_engine_close(struct rg_engine *e)
{
	if (e == NULL)
		return;
	rg_engine_log_stop(&e->log); /* from here on, lines are written directly */
	if (e->cfg->idle_policy == RG_IDLE_SPIN_SLEEP && e->inst.ctl != NULL)
		rg_log(RG_LOG_INFO,
		       "riskgate: idle: slept %llu time(s), %llu of them woken by a doorbell before the tick (%llu by a "
		       "strategy's)%s",
		       (unsigned long long)e->idle.sleeps, (unsigned long long)e->idle.rung,
		       (unsigned long long)e->idle.rung_by_strategy,
		       e->idle.no_waitv ? " (no futex_waitv in this kernel: the 1 ms tick wakes it)" : "");
	for (uint16_t v = 0; v < e->n_adapters; v++)
		rg_adapter_stop(&e->adapters[v]);
	rg_report_replay_stop(&e->replay); /* reads through the journal writer's directory */
	rg_engine_journal_stop(e, e->draining ? RG_JENGINE_STOP_SIGNAL : RG_JENGINE_STOP_ERROR);
	for (uint16_t v = 0; v < RG_MAX_VENUES; v++) {
		rg_venue_limiter_close(&e->limiters[v]);
		rg_venue_hold_fini(&e->holds[v]);
	}
	rg_engine_control_close(e);
	rg_journal_close(&e->journal);
	rg_instance_close(&e->inst);
	rg_risk_view_fini(&e->view);
	rg_order_routes_fini(&e->routes);
	rg_risk_destroy(e->risk);
	free(e);
}
