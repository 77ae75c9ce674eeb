/*
 * Mass cancel (mass_cancel.h): first the orders still held at queueing venues
 * are taken out and dropped (each drop deletes its route, so this runs before
 * the walk over the route table, which must not see the table change), then
 * every remaining route in scope gets a cancel request at its venue.  A walk
 * that found no room for some cancels arms the retry, and every walk the
 * retry repeats is logged and counted in the control segment.
 *
 * Each walk marks the open order of every route it visits (RG_OO_MASS_CANCEL:
 * sent a cancel or not), and a repeated walk passes over the marked ones.  At
 * a slow venue the first cancels are still unconfirmed 100 ms later; sent
 * again, they took the ring's room before the walk reached the orders that
 * had none yet, walk after walk, until the retry gave up with those open.
 * Nor does a repeated walk touch an order sent after the mass cancel began
 * (a kill lifted meanwhile, a dead-man halt lifted by a new process): those
 * are not what it was asked to cancel.
 */
#include "mass_cancel.h"

#include <stdio.h>
#include <string.h>

#include "engine_state.h"

_Static_assert(RG_MAX_VENUES <= 32, "a walk notes the venues whose ring was full in 32 bits");

/* What one walk did. */
struct walk {
	unsigned done;        /* dropped or sent a cancel */
	unsigned not_sent;    /* no room in the venue's request ring */
	uint32_t full_venues; /* bit v: venue v's ring refused a cancel */
};

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

/* upto: the newest engine sequence the mass cancel covers.  A held order the
 * journal has no room to record as CANCELLED stays held and is counted in
 * *not_sent, for the walk to be repeated. */
static unsigned drop_held_in_scope(struct rg_engine *e, uint16_t venue, enum rg_cancel_scope scope, uint32_t index,
				   uint64_t upto, uint64_t now_ns, unsigned *not_sent)
{
	struct rg_venue_hold *h = &e->holds[venue];
	unsigned dropped = 0;

	for (uint32_t i = 0; i < h->used && h->live != 0; i++) {
		struct rg_venue_request *req = &h->slots[_rg_venue_hold_index(h, i)];
		struct rg_order_route *route;
		struct rg_venue_request copy;

		if (req->kind == 0 || req->engine_seq > upto ||
		    (route = rg_order_routes_get(&e->routes, req->engine_seq)) == NULL || !in_scope(e, route, scope, index))
			continue;
		if (!rg_journal_room(&e->journal, 1)) {
			(*not_sent)++;
			continue;
		}
		copy = *req;
		req->kind = 0; /* a hole, as rg_venue_hold_take leaves */
		h->live--;
		_rg_engine_drop_held(e, venue, &copy, now_ns);
		dropped++;
	}
	return dropped;
}

/* repeat: the retry whose walk this repeats (NULL: a first walk), which
 * sends no second cancel and leaves alone the orders sent after it began. */
static struct walk walk_scope(struct rg_engine *e, enum rg_cancel_scope scope, uint32_t index,
			      const struct rg_cancel_retry *repeat, uint64_t now_ns)
{
	uint64_t upto = repeat != NULL ? repeat->last_seq : UINT64_MAX;
	struct walk w = {0, 0, 0};

	if (e->held_total != 0)
		for (uint16_t v = 0; v < e->n_adapters; v++)
			if (e->holds[v].live != 0)
				w.done += drop_held_in_scope(e, v, scope, index, upto, now_ns, &w.not_sent);
	for (uint64_t i = 0; i <= e->routes.mask && e->routes.count != 0; i++) {
		const struct rg_order_route *r = &e->routes.slots[i];
		struct rg_open_order *o;

		if (r->engine_seq == 0 || r->engine_seq > upto || r->venue >= e->n_adapters ||
		    !in_scope(e, r, scope, index) || e->cfg->venues[r->venue].dry_run)
			continue;
		o = r->strategy < e->risk->n_strategies
			    ? rg_open_orders_find(&e->risk->strategies[r->strategy].orders, r->client_order_id, NULL)
			    : NULL;
		if (repeat != NULL && o != NULL && (o->flags & RG_OO_MASS_CANCEL))
			continue;
		if (_rg_engine_send_cancel(e, r, now_ns)) {
			w.done++;
			if (o != NULL)
				o->flags |= RG_OO_MASS_CANCEL;
		} else {
			w.not_sent++;
			w.full_venues |= 1u << r->venue;
			if (o != NULL)
				o->flags &= (uint8_t)~RG_OO_MASS_CANCEL;
		}
	}
	e->inst.ctl->mass_cancel_no_room += w.not_sent;
	return w;
}

unsigned rg_engine_cancel_where(struct rg_engine *e, enum rg_cancel_scope scope, uint32_t index, uint64_t now_ns,
				unsigned *missed)
{
	struct walk w = walk_scope(e, scope, index, NULL, now_ns);

	if (missed != NULL)
		*missed = w.not_sent;
	return w.done;
}

/* "strategy:alpha", as riskctl names a scope. */
static const char *scope_label(const struct rg_engine *e, enum rg_cancel_scope scope, uint32_t index, char *buf,
			       size_t len)
{
	const struct rg_config *c = e->cfg;

	switch (scope) {
	case RG_CANCEL_ALL: snprintf(buf, len, "instance"); break;
	case RG_CANCEL_ACCOUNT:
		snprintf(buf, len, "account:%s", index < c->n_accounts ? c->accounts[index].name : "?");
		break;
	case RG_CANCEL_STRATEGY:
		snprintf(buf, len, "strategy:%s", index < c->n_strategies ? c->strategies[index].name : "?");
		break;
	case RG_CANCEL_SYMBOL:
		snprintf(buf, len, "symbol:%s", index < c->n_symbols ? c->symbols[index].name : "?");
		break;
	case RG_CANCEL_VENUE:
		snprintf(buf, len, "venue:%s", index < c->n_venues ? c->venues[index].name : "?");
		break;
	default: snprintf(buf, len, "scope %d:%u", (int)scope, index); break;
	}
	return buf;
}

/* The names of the venues in a walk's full_venues, comma separated. */
static const char *venue_names(const struct rg_engine *e, uint32_t full_venues, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (uint32_t v = 0; v < e->cfg->n_venues && at < len; v++)
		if (full_venues & (1u << v)) {
			int n = snprintf(buf + at, len - at, "%s%s", at == 0 ? "" : ",", e->cfg->venues[v].name);
			at += n > 0 ? (size_t)n : 0;
		}
	return buf;
}

unsigned rg_engine_cancel_retrying(struct rg_engine *e, struct rg_cancel_retry *r, enum rg_cancel_scope scope,
				   uint32_t index, uint64_t now_ns, unsigned *missed)
{
	struct walk w = walk_scope(e, scope, index, NULL, now_ns);
	char what[RG_NAME_MAX + 16], venues[RG_MAX_VENUES * (RG_NAME_MAX + 1)];

	if (missed != NULL)
		*missed = w.not_sent;
	if (r != NULL)
		memset(r, 0, sizeof(*r)); /* a new mass cancel: its own count of walks */
	if (w.not_sent == 0)
		return w.done;
	scope_label(e, scope, index, what, sizeof(what));
	venue_names(e, w.full_venues, venues, sizeof(venues));
	if (r == NULL) {
		rg_engine_logf(&e->log,
			"riskgate: mass cancel of %s: %u cancel(s) sent, %u found no room in the request ring of venue %s, "
			"and too many mass cancels wait for a retry: these are not walked again",
			what, w.done, w.not_sent, venues);
		e->inst.ctl->mass_cancel_abandoned++;
		return w.done;
	}
	rg_engine_logf(&e->log,
		"riskgate: mass cancel of %s: %u cancel(s) sent, %u found no room in the request ring of venue %s; "
		"walking again every %llu ms while the venue takes them (given up after %llu ms without room)",
		what, w.done, w.not_sent, venues, (unsigned long long)(RG_CANCEL_RETRY_EVERY_NS / 1000000u),
		(unsigned long long)(e->cfg->mass_cancel_stall_ns / 1000000u));
	r->scope = (uint8_t)scope;
	r->index = index;
	r->last_seq = e->risk->next_seq;
	r->moved_ns = now_ns;
	r->next_ns = now_ns + RG_CANCEL_RETRY_EVERY_NS;
	return w.done;
}

enum rg_cancel_retry_step rg_cancel_retry_next(struct rg_cancel_retry *r, unsigned sent, unsigned not_sent,
					       uint64_t stall_ns, uint64_t now_ns)
{
	r->walks++;
	if (not_sent == 0) {
		memset(r, 0, sizeof(*r));
		return RG_CANCEL_RETRY_DONE;
	}
	if (sent != 0)
		r->moved_ns = now_ns;
	else if (now_ns - r->moved_ns >= stall_ns) {
		memset(r, 0, sizeof(*r));
		return RG_CANCEL_RETRY_GIVE_UP;
	}
	r->next_ns = now_ns + RG_CANCEL_RETRY_EVERY_NS;
	return RG_CANCEL_RETRY_AGAIN;
}

void rg_cancel_retry_tick(struct rg_engine *e, struct rg_cancel_retry *r, uint64_t now_ns)
{
	char what[RG_NAME_MAX + 16], venues[RG_MAX_VENUES * (RG_NAME_MAX + 1)];
	uint64_t moved_ns = r->moved_ns;
	uint32_t walk = r->walks + 1;
	struct walk w;

	if (r->next_ns == 0 || now_ns < r->next_ns)
		return;
	w = walk_scope(e, (enum rg_cancel_scope)r->scope, r->index, r, now_ns);
	e->inst.ctl->mass_cancel_retries++;
	scope_label(e, (enum rg_cancel_scope)r->scope, r->index, what, sizeof(what));
	venue_names(e, w.full_venues, venues, sizeof(venues));
	switch (rg_cancel_retry_next(r, w.done, w.not_sent, e->cfg->mass_cancel_stall_ns, now_ns)) {
	case RG_CANCEL_RETRY_DONE:
		rg_engine_logf(&e->log, "riskgate: mass cancel of %s: walk again %u: %u cancel(s) sent, none refused: done",
			what, walk, w.done);
		break;
	case RG_CANCEL_RETRY_GIVE_UP:
		rg_engine_logf(&e->log,
			"riskgate: mass cancel of %s: walk again %u: %u cancel(s) still found no room in the request ring "
			"of venue %s, none has for %llu ms: giving up; those orders stay open",
			what, walk, w.not_sent, venues, (unsigned long long)((now_ns - moved_ns) / 1000000u));
		e->inst.ctl->mass_cancel_abandoned++;
		break;
	case RG_CANCEL_RETRY_AGAIN:
		rg_engine_logf(&e->log,
			"riskgate: mass cancel of %s: walk again %u: %u cancel(s) sent, %u found no room in the request "
			"ring of venue %s; walking again in %llu ms",
			what, walk, w.done, w.not_sent, venues, (unsigned long long)(RG_CANCEL_RETRY_EVERY_NS / 1000000u));
		break;
	}
}
