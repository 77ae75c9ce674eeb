/*
 * The engine's use of the audit journal (engine/journal, docs/audit.md):
 * start-up (writer, recovery, the start records), the once-a-second clock
 * refresh, shutdown, and the hooks engine.c calls on the hot path.
 *
 * The hooks are inline and do what append.h allows on the hot path: build a
 * record in its ring slot, no system call, no lock, no allocation.  Order
 * decisions are admitted first (rg_jshare_admit in handle_order: room for
 * the order's records, for every record the live orders still owe, for the
 * reserve and for the other sessions' shares, journal_share.h; no room means
 * AUDIT_BACKPRESSURE, unjournaled).  Venue events are handled only when
 * their records fit (engine.c, event_fits), so they are never refused; a
 * record of no order (kills, operator requests, day-roll snapshots) uses
 * the reserve, and should one still be refused the instance halts (fail
 * closed, reported by the next rg_engine_journal_tick).
 *
 * What the DECISION record holds: the verdict the strategy received.  The
 * hooks sit in report_accept / report_reject, the two places an order's
 * answer is written, so an approval the venue path turns into a reject
 * (VENUE_THROTTLED, VENUE_QUEUE_FULL) is journaled once, as that reject;
 * such a reject keeps the engine_seq the checks gave the order, so a replay
 * never hands that sequence out again.
 */
#ifndef RG_ENGINE_JOURNAL_H
#define RG_ENGINE_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "engine_state.h"
#include "journal.h"
#include "risk_events.h"

/* SHA-256 of a file's bytes (the config's, for CONFIG_LOADED and
 * checkpoints).  0, or -errno. */
int rg_file_sha256(const char *path, uint8_t out[32]);

/*
 * Cold, from rg_engine_open once the risk state, routes and instance exist
 * and before the adapters start: creates the writer on cfg->journal.dir,
 * recovers (writes what a crashed engine left in the ring, replays the day's
 * file into the risk state and routes: engine_recovery.h), starts the writer
 * thread, and appends ENGINE_START, CONFIG_LOADED (SHA-256 of config_path's
 * bytes; NULL = none), the NAME records and the snapshots of what the day
 * carries.  Returns 0 or -errno with the cause in err.
 */
int rg_engine_journal_start(struct rg_engine *e, const char *config_path, uint64_t now_ns, char *err,
			    size_t errlen);

/* Cold, from the heartbeat: about once a second refreshes the journal's
 * realtime offset, rolls the trading day when the wall clock passed the
 * boundary and journals the names and snapshots after a roll; reports
 * (once) a halt caused by a refused record. */
void rg_engine_journal_tick(struct rg_engine *e, uint64_t now_ns);

/* Cold, from rg_engine_close: ENGINE_STOP, then the writer drains, syncs and
 * stops.  When every record is in a file the ring segment is removed. */
void rg_engine_journal_stop(struct rg_engine *e, uint8_t cause);

/* ---- hot-path hooks ---------------------------------------------------- */

/* A non-order record was refused (the reserve is gone: the journal has been
 * stuck for a long time): nothing more is approved. */
static inline void rg_ej_refused(struct rg_engine *e)
{
	if (!e->journal_failed) {
		e->journal_failed = true;
		rg_risk_set_instance_state(e->risk, RG_STATE_HALTED);
	}
}

/* ORDER_DECIDED keeps a venue index in one byte. */
_Static_assert(RG_MAX_VENUES <= 256, "venue index fits ORDER_DECIDED's venue byte");

static inline uint32_t rg_ej_account_of(const struct rg_engine *e, uint32_t strategy)
{
	return strategy < e->cfg->n_strategies ? e->cfg->strategies[strategy].account : RG_JREC_NONE;
}

/* The DECISION of order `o`, as the strategy receives it: approved when
 * reason is 0 (e->deciding is the checks' verdict), else rejected; the
 * record carries the number of the report that answers it. */
static inline void rg_ej_decided(struct rg_engine *e, uint16_t strategy, const struct rg_order *o, unsigned reason,
				 int64_t limit, int64_t value, uint64_t engine_seq, uint64_t report_seq, uint64_t now_ns)
{
	const struct rg_decision *d = e->deciding;
	bool ok;

	if (reason == RG_REJ_AUDIT_BACKPRESSURE)
		return; /* no room: the one decision that cannot be journaled (counted by reason) */
	/* Written field by field from the checks' verdict (no copy of it):
	 * an approval carries it as it is, a reject its own limit and value. */
	if (reason == RG_REJ_NONE && d != NULL)
		ok = rg_journal_order_verdict(&e->journal, now_ns, strategy, rg_ej_account_of(e, strategy), o, engine_seq,
					      d->limit, d->value, report_seq, d->symbol, RG_REJ_NONE, (uint8_t)d->venue,
					      d->probe);
	else
		ok = rg_journal_order_verdict(&e->journal, now_ns, strategy, rg_ej_account_of(e, strategy), o, engine_seq,
					      limit, value, report_seq, d != NULL ? d->symbol : o->symbol_id,
					      (uint16_t)reason, d != NULL ? (uint8_t)d->venue : 0, false);
	if (!ok)
		rg_ej_refused(e);
}

/* FORWARDED: request `req` went into venue `venue`'s request ring. */
static inline void rg_ej_forwarded(struct rg_engine *e, uint16_t venue, const struct rg_venue_request *req,
				   uint64_t now_ns)
{
	struct rg_jrec *slot = rg_journal_claim(&e->journal);
	struct rg_jbody_forwarded *b;

	if (slot == NULL) {
		rg_ej_refused(e);
		return;
	}
	b = &slot->u.forwarded;
	b->client_order_id = req->client_order_id;
	b->engine_seq = req->engine_seq;
	b->qty_e8 = req->qty_e8;
	b->price_e8 = req->price_e8;
	b->symbol = req->symbol_id;
	b->venue = venue;
	b->kind = req->kind == RG_VREQ_CANCEL ? RG_ORDER_CANCEL : req->kind == RG_VREQ_REPLACE ? RG_ORDER_REPLACE : RG_ORDER_NEW;
	b->side = req->side;
	b->type = req->type;
	b->tif = req->tif;
	rg_journal_commit(&e->journal, slot, RG_JREC_FORWARDED, now_ns, req->strategy,
			  rg_ej_account_of(e, req->strategy));
}

/* State that venue events may move, read before the event to journal a change. */
struct rg_ej_watch {
	uint8_t breaker, loss, throttle;
};

static inline void rg_ej_watch_read(const struct rg_engine *e, uint16_t venue, const struct rg_order_route *route,
				    struct rg_ej_watch *w)
{
	w->breaker = e->risk->venues[venue].breaker.state;
	w->loss = route != NULL ? e->risk->accounts[rg_ej_account_of(e, route->strategy)].loss_state : 0;
	w->throttle = route != NULL ? e->risk->strategies[route->strategy].throttle_latched : 0;
}

/* Cold: the STATE_CHANGE records of what moved since `before`. */
void rg_ej_state_changes(struct rg_engine *e, uint16_t venue, const struct rg_order_route *route,
			 const struct rg_ej_watch *before, uint64_t now_ns);

static inline void rg_ej_watch_check(struct rg_engine *e, uint16_t venue, const struct rg_order_route *route,
				     const struct rg_ej_watch *before, uint64_t now_ns)
{
	struct rg_ej_watch after;

	rg_ej_watch_read(e, venue, route, &after);
	if (__builtin_expect(after.breaker != before->breaker || after.loss != before->loss ||
				     after.throttle != before->throttle,
			     0))
		rg_ej_state_changes(e, venue, route, before, now_ns);
}

/* The record of venue event `ev` about the order of `route` (NULL for
 * connection events), journaled before the strategy hears of it in the
 * report numbered report_seq (0 for connection events). */
static inline void rg_ej_venue_event(struct rg_engine *e, uint16_t venue, const struct rg_order_route *route,
				     const struct rg_venue_event *ev, uint64_t report_seq, uint64_t now_ns)
{
	struct rg_jrec *slot;
	uint16_t type;
	uint32_t strategy = route != NULL ? route->strategy : RG_JREC_NONE;

	slot = rg_journal_claim(&e->journal);
	if (slot == NULL) {
		rg_ej_refused(e);
		return;
	}
	switch (ev->kind) {
	case RG_VEV_ACK:
		type = RG_JREC_VENUE_ACK;
		slot->u.ack.client_order_id = route->client_order_id;
		slot->u.ack.engine_seq = route->engine_seq;
		slot->u.ack.symbol = route->symbol_id;
		slot->u.ack.venue = venue;
		slot->u.ack.report_seq = report_seq;
		break;
	case RG_VEV_FILL:
		type = RG_JREC_FILL;
		slot->u.fill.client_order_id = route->client_order_id;
		slot->u.fill.engine_seq = route->engine_seq;
		slot->u.fill.qty_e8 = ev->qty_e8;
		slot->u.fill.price_e8 = ev->price_e8;
		slot->u.fill.leaves_e8 = ev->leaves_e8;
		slot->u.fill.symbol = route->symbol_id;
		slot->u.fill.venue = venue;
		slot->u.fill.report_seq = report_seq;
		break;
	case RG_VEV_CANCELLED:
		type = RG_JREC_CANCELLED;
		slot->u.cancelled.client_order_id = route->client_order_id;
		slot->u.cancelled.engine_seq = route->engine_seq;
		slot->u.cancelled.cancelled_qty_e8 = ev->leaves_e8;
		slot->u.cancelled.symbol = route->symbol_id;
		slot->u.cancelled.venue = venue;
		slot->u.cancelled.report_seq = report_seq;
		break;
	case RG_VEV_REJECT:
	case RG_VEV_CANCEL_REJECT:
		type = RG_JREC_VENUE_REJECT;
		slot->u.venue_reject.client_order_id = route->client_order_id;
		slot->u.venue_reject.engine_seq = route->engine_seq;
		slot->u.venue_reject.symbol = route->symbol_id;
		slot->u.venue_reject.venue = venue;
		slot->u.venue_reject.cancel = ev->kind == RG_VEV_CANCEL_REJECT;
		slot->u.venue_reject.venue_code = ev->reason;
		slot->u.venue_reject.report_seq = report_seq;
		break;
	case RG_VEV_REPLACED:
		type = RG_JREC_REPLACED;
		slot->u.replaced.client_order_id = route->replacement_id;
		slot->u.replaced.orig_client_order_id = route->client_order_id;
		slot->u.replaced.engine_seq = route->engine_seq;
		slot->u.replaced.qty_e8 = ev->qty_e8;
		slot->u.replaced.price_e8 = ev->price_e8;
		slot->u.replaced.leaves_e8 = ev->leaves_e8;
		slot->u.replaced.symbol = route->symbol_id;
		slot->u.replaced.venue = venue;
		slot->u.replaced.venue_code = ev->reason;
		slot->u.replaced.report_seq = report_seq;
		break;
	case RG_VEV_REPLACE_REJECT:
		type = RG_JREC_REPLACE_REJECT;
		slot->u.venue_reject.client_order_id = route->replacement_id != 0 ? route->replacement_id
										   : route->client_order_id;
		slot->u.venue_reject.engine_seq = route->engine_seq;
		slot->u.venue_reject.symbol = route->symbol_id;
		slot->u.venue_reject.venue = venue;
		slot->u.venue_reject.venue_code = ev->reason;
		slot->u.venue_reject.report_seq = report_seq;
		break;
	case RG_VEV_CONNECTED:
	case RG_VEV_DISCONNECTED:
	case RG_VEV_BANNED: /* a disconnect whose error is the ban's reason */
		type = ev->kind == RG_VEV_CONNECTED ? RG_JREC_ADAPTER_CONNECTED : RG_JREC_ADAPTER_DISCONNECTED;
		slot->u.adapter.venue = venue;
		slot->u.adapter.venue_kind = e->cfg->venues[venue].kind;
		slot->u.adapter.error = ev->reason;
		break;
	default:
		return; /* claimed but not committed: the slot is simply reused */
	}
	rg_journal_commit(&e->journal, slot, type, now_ns, strategy,
			  strategy != RG_JREC_NONE ? rg_ej_account_of(e, strategy) : RG_JREC_NONE);
}

#endif /* RG_ENGINE_JOURNAL_H */
