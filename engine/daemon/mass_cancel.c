/*
 * Mass cancel (mass_cancel.h): first the orders still held at queueing venues
 * are taken out and dropped (each drop deletes its route, so this runs before
 * the walk over the route table, which must not see the table change), then
 * every remaining route in scope gets a cancel request at its venue.
 */
#include "mass_cancel.h"

#include <string.h>

#include "engine_state.h"

static bool in_scope(const struct rg_engine *e, const struct rg_order_route *r, enum rg_cancel_scope scope,
		     uint32_t index)
{
	switch (scope) {
	case RG_CANCEL_ALL: return true;
	case RG_CANCEL_ACCOUNT: return r->strategy < e->cfg->n_strategies && e->cfg->strategies[r->strategy].account == index;
	case RG_CANCEL_STRATEGY: return r->strategy == index;
	case RG_CANCEL_SYMBOL: return r->symbol_id == index;
	case RG_CANCEL_VENUE: return r->venue == index;
	}
	return false;
}

static unsigned drop_held_in_scope(struct rg_engine *e, uint16_t venue, enum rg_cancel_scope scope, uint32_t index,
				   uint64_t now_ns)
{
	struct rg_venue_hold *h = &e->holds[venue];
	unsigned dropped = 0;

	for (uint32_t i = 0; i < h->used && h->live != 0; i++) {
		struct rg_venue_request *req = &h->slots[_rg_venue_hold_index(h, i)];
		struct rg_order_route *route;
		struct rg_venue_request copy;

		if (req->kind == 0 || (route = rg_order_routes_get(&e->routes, req->engine_seq)) == NULL ||
		    !in_scope(e, route, scope, index))
			continue;
		copy = *req;
		req->kind = 0; /* a hole, as rg_venue_hold_take leaves */
		h->live--;
		_rg_engine_drop_held(e, venue, &copy, now_ns);
		dropped++;
	}
	return dropped;
}

unsigned rg_engine_cancel_where(struct rg_engine *e, enum rg_cancel_scope scope, uint32_t index, uint64_t now_ns,
				unsigned *missed)
{
	unsigned done = 0, not_sent = 0;

	if (e->held_total != 0)
		for (uint16_t v = 0; v < e->n_adapters; v++)
			if (e->holds[v].live != 0)
				done += drop_held_in_scope(e, v, scope, index, now_ns);
	for (uint64_t i = 0; i <= e->routes.mask && e->routes.count != 0; i++) {
		const struct rg_order_route *r = &e->routes.slots[i];

		if (r->engine_seq == 0 || r->venue >= e->n_adapters || !in_scope(e, r, scope, index) ||
		    e->cfg->venues[r->venue].dry_run)
			continue;
		if (_rg_engine_send_cancel(e, r, now_ns))
			done++;
		else
			not_sent++;
	}
	if (missed != NULL)
		*missed = not_sent;
	return done;
}

unsigned rg_engine_cancel_retrying(struct rg_engine *e, struct rg_cancel_retry *r, enum rg_cancel_scope scope,
				   uint32_t index, uint64_t now_ns, unsigned *missed)
{
	unsigned not_sent = 0, done = rg_engine_cancel_where(e, scope, index, now_ns, &not_sent);
	bool again = r->next_ns != 0 && r->scope == (uint8_t)scope && r->index == index;

	if (missed != NULL)
		*missed = not_sent;
	if (not_sent == 0 || (again && r->tries == RG_CANCEL_RETRIES)) {
		memset(r, 0, sizeof(*r));
		return done;
	}
	r->tries = again ? (uint8_t)(r->tries + 1) : 0;
	r->scope = (uint8_t)scope;
	r->index = index;
	r->next_ns = now_ns + RG_CANCEL_RETRY_EVERY_NS;
	return done;
}

void rg_cancel_retry_tick(struct rg_engine *e, struct rg_cancel_retry *r, uint64_t now_ns)
{
	if (r->next_ns != 0 && now_ns >= r->next_ns)
		rg_engine_cancel_retrying(e, r, (enum rg_cancel_scope)r->scope, r->index, now_ns, NULL);
}
