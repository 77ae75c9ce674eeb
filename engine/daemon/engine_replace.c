/*
 * Cancel/replace through the engine: the venue side of a strategy's replace
 * (engine_replace.h).  The checks decided it; here it is sent to the venue
 * as RG_VREQ_REPLACE on the target's engine sequence, and the venue's answer
 * is applied to the risk state, the order's route and the strategy's report.
 */
#include "engine_replace.h"

#include <string.h>

#include "engine_journal.h"
#include "engine_state.h"
#include "risk_events.h"

enum rg_reject_reason rg_engine_replace_precheck(struct rg_engine *e, uint32_t strategy, const struct rg_order *o)
{
	const struct rg_adapter_ops *ops;
	const struct rg_open_order *t;
	struct rg_venue_hold *h;
	uint16_t venue;

	if (o->symbol_id >= e->cfg->n_symbols || strategy >= e->cfg->n_strategies)
		return RG_REJ_NONE; /* the checks name what is wrong */
	venue = e->cfg->symbols[o->symbol_id].venue;
	ops = venue < e->n_adapters ? e->adapters[venue].ops : NULL;
	if (e->cfg->venues[venue].dry_run || ops == NULL || !(ops->caps & RG_ADAPTER_CAN_REPLACE))
		return RG_REJ_REPLACE_NOT_SUPPORTED;
	h = &e->holds[venue];
	if (h->live != 0 && o->orig_client_order_id != 0 &&
	    (t = rg_open_orders_find(&e->risk->strategies[strategy].orders, o->orig_client_order_id, NULL)) != NULL)
		for (uint32_t i = 0; i < h->used; i++) {
			const struct rg_venue_request *r = &h->slots[_rg_venue_hold_index(h, i)];
			if (r->kind != 0 && r->engine_seq == t->engine_seq)
				return RG_REJ_REPLACE_NOT_SENT;
		}
	return RG_REJ_NONE;
}

/* Takes the replacement out again: nothing went to the venue. */
static void unwind(struct rg_engine *e, uint32_t strategy, const struct rg_order *o, uint64_t now_ns)
{
	bool target_live;

	rg_risk_on_replace_rejected(e->risk, strategy, o->client_order_id, &target_live, now_ns);
}

enum rg_reject_reason rg_engine_forward_replace(struct rg_engine *e, uint32_t strategy, const struct rg_order *o,
						const struct rg_decision *d, uint64_t now_ns)
{
	struct rg_order_route *route = rg_order_routes_get(&e->routes, d->engine_seq);
	const struct rg_open_order *t =
		rg_open_orders_find(&e->risk->strategies[strategy].orders, o->orig_client_order_id, NULL);
	/* what the order has filled at the venue, as the engine has heard: the
	 * venue takes the new total less what it has filled by then */
	struct rg_venue_request req;
	int64_t total;

	if (route == NULL || t == NULL) {
		unwind(e, strategy, o, now_ns);
		return RG_REJ_UNKNOWN_ORDER; /* cannot happen: a live order sent to a venue has its route */
	}
	/*
	 * HOOK(issue 16, venue limits / self-match): the order's price and
	 * quantity change here; a venue limiter window or a self-match guard
	 * that keys on them is told of the change at this point.
	 */
	if (!rg_venue_limiter_try_acquire(&e->limiters[d->venue], now_ns)) {
		e->inst.ctl->venue_throttled[d->venue]++;
		unwind(e, strategy, o, now_ns);
		return RG_REJ_VENUE_THROTTLED;
	}
	if (!rg_add_i64(route->filled_e8, o->qty_e8, &total)) {
		unwind(e, strategy, o, now_ns);
		return RG_REJ_ARITH_OVERFLOW;
	}
	memset(&req, 0, sizeof(req));
	req.kind = RG_VREQ_REPLACE;
	req.engine_seq = d->engine_seq;
	req.client_order_id = o->client_order_id;
	req.qty_e8 = total;
	req.price_e8 = o->price_e8;
	req.sent_ns = now_ns;
	req.symbol_id = o->symbol_id;
	req.side = o->side;
	req.type = o->type;
	req.tif = o->tif;
	req.strategy = (uint16_t)strategy;
	if (!rg_journal_room(&e->journal, 1) || !rg_adapter_submit(&e->adapters[d->venue], &req)) {
		unwind(e, strategy, o, now_ns);
		return RG_REJ_VENUE_QUEUE_FULL;
	}
	route->replacement_id = o->client_order_id;
	rg_ej_forwarded(e, d->venue, &req, now_ns);
	e->inst.ctl->venue_sent[d->venue]++;
	return RG_REJ_NONE;
}

bool rg_engine_replace_answered(struct rg_engine *e, struct rg_order_route *route, const struct rg_venue_event *ev,
				struct rg_report *r, uint64_t now_ns)
{
	uint64_t id = route->replacement_id;
	bool target_live = false;

	memset(r, 0, sizeof(*r));
	r->engine_seq = route->engine_seq;
	r->symbol_id = route->symbol_id;
	r->client_order_id = rg_engine_replace_id(route);
	if (ev->kind == RG_VEV_REPLACED && id != 0 &&
	    rg_risk_on_replaced(e->risk, route->strategy, id, ev->leaves_e8, now_ns)) {
		r->kind = RG_REPORT_REPLACED;
		r->fill.qty_e8 = ev->qty_e8;
		r->fill.price_e8 = ev->price_e8;
		r->fill.leaves_e8 = ev->leaves_e8;
		route->client_order_id = id;
		route->replacement_id = 0;
		return ev->leaves_e8 <= 0;
	}
	/* Refused, or an answer to no replace the engine knows of (the order
	 * stays as it is). */
	r->kind = RG_REPORT_REPLACE_REJECTED;
	r->reject.value = ev->kind == RG_VEV_REPLACE_REJECT ? ev->reason : 0;
	if (id != 0)
		rg_risk_on_replace_rejected(e->risk, route->strategy, id, &target_live, now_ns);
	else
		target_live = rg_open_orders_find(&e->risk->strategies[route->strategy].orders, route->client_order_id,
						  NULL) != NULL;
	route->replacement_id = 0;
	return !target_live;
}
