/*
 * Crash recovery of the risk state from the audit journal (engine_recovery.h):
 * rg_engine_replay applies each record of the day's file to the fresh risk
 * state and the engine's order routes, the way the live engine applied the
 * event when it happened; afterwards the carried live orders are listed
 * (their venue state is unknown after a crash), the kills in force are kept
 * for the kill segment, and, when the config asks, the carried orders are
 * cancelled at their venue once it connects; carried IOC/FOK orders and
 * carried replaces the venue does not report on are settled a grace later.
 *
 * Cold path only: runs before the engine serves, except
 * rg_engine_recovery_on_connect, once per venue per start.
 */
#include "engine_recovery.h"

#include "log_line.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine_journal.h"
#include "engine_state.h"
#include "kill_segment.h"
#include "risk_events.h"
#include "self_match.h"

/* ---- orders ------------------------------------------------------------ */

static void route_del(struct rg_engine *e, uint64_t engine_seq)
{
	struct rg_order_route *route = rg_order_routes_get(&e->routes, engine_seq);

	if (route != NULL)
		rg_order_routes_del(&e->routes, route);
}

/*
 * Re-inserts a live order with its reservation, as rg_risk_check_order's
 * commit left it: leaves on its side of the position, its notional in the
 * account's and the global reserved gross.  A market order is valued at the
 * reference plus the collar band as they are now (the value at approval is
 * not journaled).  Also its route, so the venue's events for it are matched.
 */
static bool reinsert(struct rg_engine *e, uint32_t strategy, const struct rg_order *o, uint64_t engine_seq,
		     int64_t leaves_e8)
{
	struct rg_risk *r = e->risk;
	struct rg_strategy_state *st = &r->strategies[strategy];
	struct rg_open_order *slot = NULL, *e_oo;
	struct rg_position *pos;
	struct rg_account_state *acct;
	struct rg_order_route route;
	int64_t price, notional;

	if (o->symbol_id >= r->n_symbols || leaves_e8 <= 0 || o->client_order_id == 0 || engine_seq == 0)
		return false;
	if (rg_open_orders_find(&st->orders, o->client_order_id, &slot) != NULL)
		return true; /* already live (a snapshot of what the replay rebuilt) */
	if (st->orders.count >= (st->orders.mask + 1) / 2)
		return false;
	price = o->type == RG_TYPE_MARKET ? r->symbols[o->symbol_id].market_price_e8 : o->price_e8;
	if (!rg_notional_e8(leaves_e8, price, &notional))
		return false;
	e_oo = slot;
	memset(e_oo, 0, sizeof(*e_oo));
	e_oo->client_order_id = o->client_order_id;
	e_oo->engine_seq = engine_seq;
	e_oo->leaves_qty_e8 = leaves_e8;
	e_oo->price_e8 = price;
	e_oo->reserved_notional_e8 = notional;
	e_oo->symbol = o->symbol_id;
	e_oo->venue = r->symbols[o->symbol_id].venue;
	e_oo->side = o->side;
	e_oo->flags = o->type == RG_TYPE_MARKET ? RG_OO_MARKET : 0;
	if (o->tif == RG_TIF_IOC || o->tif == RG_TIF_FOK)
		e_oo->flags |= RG_OO_IOC;
	st->orders.count++;
	pos = rg_risk_position(r, st->account, o->symbol_id);
	acct = &r->accounts[st->account];
	if (o->side == RG_SIDE_BUY)
		pos->open_buy_qty_e8 += leaves_e8;
	else
		pos->open_sell_qty_e8 += leaves_e8;
	acct->open_notional_e8 += notional;
	r->global_gross_e8 += notional;
	if (r->credit != NULL) /* venue credit: its open part */
		rg_risk_credit(r, st->account, e_oo->venue)->open_e8 += notional;
	/* Self-match: a resting order is back in its group's book. */
	if (acct->smp != RG_SMP_OFF && !(e_oo->flags & (RG_OO_MARKET | RG_OO_IOC)))
		rg_smp_add(r, rg_smp_book_of(r, st->account, o->symbol_id), strategy,
			   (uint32_t)(e_oo - st->orders.slots), e_oo);
	memset(&route, 0, sizeof(route));
	route.engine_seq = engine_seq;
	route.client_order_id = o->client_order_id;
	route.symbol_id = o->symbol_id;
	route.strategy = (uint16_t)strategy;
	route.venue = e_oo->venue;
	if (rg_order_routes_get(&e->routes, engine_seq) == NULL)
		rg_order_routes_put(&e->routes, &route);
	return true;
}

/*
 * An approved replace, as the checks' commit left it: the replacement live
 * beside its target (same engine sequence, reserved at its own leaves and
 * price), the target replace-pending, the route waiting for the answer.  A
 * replace approved and then refused on the venue path was journaled as a
 * rejection and is not here.
 */
static bool replay_replace(struct rg_engine *e, uint32_t strategy, const struct rg_jbody_decision *d)
{
	struct rg_strategy_state *st = &e->risk->strategies[strategy];
	struct rg_open_order *t = rg_open_orders_find(&st->orders, d->orig_client_order_id, NULL), *n;
	struct rg_order_route *route = rg_order_routes_get(&e->routes, d->engine_seq);
	struct rg_order o;
	uint8_t flags;

	if (t == NULL || route == NULL)
		return false;
	flags = t->flags;
	t->flags |= RG_OO_REPLACE_PENDING;
	memset(&o, 0, sizeof(o));
	o.client_order_id = d->client_order_id;
	o.qty_e8 = d->qty_e8;
	o.price_e8 = d->price_e8;
	o.symbol_id = d->symbol;
	o.kind = RG_ORDER_NEW;
	o.side = d->side;
	o.type = d->type;
	o.tif = d->tif;
	if (!reinsert(e, strategy, &o, d->engine_seq, d->qty_e8))
		return false;
	n = rg_open_orders_find(&st->orders, d->client_order_id, NULL);
	if (n == NULL)
		return false;
	n->replaces = d->orig_client_order_id;
	n->flags |= flags & RG_OO_ACKED;
	route->replacement_id = d->client_order_id;
	return true;
}

/* The venue's answer to a replace (REPLACED, or REPLACE_REJECT), as the
 * live engine applied it (engine_replace.c). */
static void replay_replace_answer(struct rg_engine *e, const struct rg_jrec *rec, uint64_t t)
{
	uint32_t strategy = rec->h.strategy;
	uint64_t seq = rec->h.type == RG_JREC_REPLACED ? rec->u.replaced.engine_seq : rec->u.venue_reject.engine_seq;
	struct rg_order_route *route = rg_order_routes_get(&e->routes, seq);
	bool target_live = false, done;

	if (rec->h.type == RG_JREC_REPLACED && rec->u.replaced.client_order_id == 0) {
		/* an answer to no replace the engine knew of (e.g. one that came
		 * after a restart had settled it): the order stays as it is */
		target_live = route != NULL && rg_open_orders_find(&e->risk->strategies[strategy].orders,
								    route->client_order_id, NULL) != NULL;
		done = !target_live;
	} else if (rec->h.type == RG_JREC_REPLACED) {
		rg_risk_on_replaced(e->risk, strategy, rec->u.replaced.client_order_id, rec->u.replaced.leaves_e8, t);
		done = rec->u.replaced.leaves_e8 <= 0;
		if (route != NULL) {
			route->client_order_id = rec->u.replaced.client_order_id;
			route->replacement_id = 0;
		}
	} else {
		if (rec->u.venue_reject.unknown) /* settled after a restart (RG_UNKNOWN_IOC_GRACE_NS) */
			rg_risk_on_replace_unknown(e->risk, strategy, rec->u.venue_reject.client_order_id, &target_live,
						   t);
		else
			rg_risk_on_replace_rejected(e->risk, strategy, rec->u.venue_reject.client_order_id,
						    &target_live, t);
		if (route != NULL) {
			route->replacement_id = 0;
			target_live = rg_open_orders_find(&e->risk->strategies[strategy].orders, route->client_order_id,
							  NULL) != NULL;
		}
		done = !target_live;
	}
	if (done)
		route_del(e, seq);
}

/* An order's end deletes its route, unless a replace of it is on its way
 * (its answer does then). */
static void route_end(struct rg_engine *e, uint64_t engine_seq)
{
	struct rg_order_route *route = rg_order_routes_get(&e->routes, engine_seq);

	if (route != NULL && route->replacement_id == 0)
		rg_order_routes_del(&e->routes, route);
}

static void replay_decision(struct rg_engine *e, uint32_t strategy, const struct rg_jbody_decision *d)
{
	struct rg_engine_recovery *rv = e->recovery;
	struct rg_risk *r = e->risk;
	struct rg_order o;

	rv->decisions++;
	if (d->engine_seq > rv->max_engine_seq && d->kind != RG_ORDER_CANCEL)
		rv->max_engine_seq = d->engine_seq;
	if (r->strategies[strategy].extra != 0 &&
	    (d->kind == RG_ORDER_CANCEL ? d->reason == RG_REJ_NONE : d->engine_seq != 0)) {
		/* order-to-trade: every message of the day the checks approved counts again */
		struct rg_strategy_state *st = &r->strategies[strategy];
		if (st->extra & RG_OTR_STRATEGY)
			rg_otr_count(&st->otr_day);
		if (st->extra & RG_OTR_ACCOUNT)
			rg_otr_count(&r->accounts[st->account].otr_day);
	}
	if (d->kind == RG_ORDER_CANCEL) {
		struct rg_open_order *target;
		if (d->reason == RG_REJ_NONE &&
		    (target = rg_open_orders_find(&r->strategies[strategy].orders, d->orig_client_order_id, NULL)) != NULL)
			target->flags |= RG_OO_CANCEL_PENDING;
		return;
	}
	if (d->kind == RG_ORDER_REPLACE) {
		if (d->reason == RG_REJ_NONE && d->engine_seq != 0 && !replay_replace(e, strategy, d))
			rv->ignored++;
		return;
	}
	if (d->kind != RG_ORDER_NEW || d->engine_seq == 0)
		return; /* rejected by the checks: nothing committed */
	/* Approved: the day count is taken.  Approved and then turned into a
	 * VENUE_* reject: it never left riskgate, the count was given back. */
	if (d->reason == RG_REJ_NONE)
		r->accounts[r->strategies[strategy].account].orders_today++;
	if (d->reason != RG_REJ_NONE || d->symbol >= r->n_symbols || e->cfg->venues[d->venue].dry_run)
		return; /* unwound at once, or never sent (dry run: released at once) */
	memset(&o, 0, sizeof(o));
	o.client_order_id = d->client_order_id;
	o.qty_e8 = d->qty_e8;
	o.price_e8 = d->price_e8;
	o.symbol_id = d->symbol;
	o.kind = d->kind;
	o.side = d->side;
	o.type = d->type;
	o.tif = d->tif;
	if (!reinsert(e, strategy, &o, d->engine_seq, d->qty_e8))
		rv->ignored++;
}

/* ---- state -------------------------------------------------------------- */

static void replay_state(struct rg_engine *e, const struct rg_jbody_state *s, uint64_t t)
{
	struct rg_risk *r = e->risk;
	uint32_t id = s->entity_id;

	switch (s->entity) {
	case RG_JENTITY_INSTANCE: rg_risk_set_instance_state(r, s->new_state); break;
	case RG_JENTITY_ACCOUNT: rg_risk_set_account_state(r, id, s->new_state); break;
	case RG_JENTITY_STRATEGY: rg_risk_set_strategy_state(r, id, s->new_state); break;
	case RG_JENTITY_SYMBOL: rg_risk_set_symbol_state(r, id, s->new_state); break;
	case RG_JENTITY_ACCOUNT_LOSS:
		if (id < r->n_accounts && s->new_state <= RG_STATE_HALTED) {
			r->accounts[id].loss_state = s->new_state;
			r->accounts[id].loss_reason = s->new_state == RG_STATE_ACTIVE ? 0 : s->reason;
		}
		break;
	case RG_JENTITY_BREAKER:
		if (id < r->n_venues && s->new_state <= RG_BREAKER_HALF_OPEN) {
			struct rg_breaker *b = &r->venues[id].breaker;
			if (s->new_state == RG_BREAKER_OPEN && b->state != RG_BREAKER_OPEN)
				b->opened_ns = t;
			b->state = s->new_state;
			if (s->new_state == RG_BREAKER_CLOSED)
				b->probe_outstanding = false;
		}
		break;
	case RG_JENTITY_THROTTLE:
		if (id < r->n_strategies)
			r->strategies[id].throttle_latched = s->new_state == RG_STATE_HALTED;
		break;
	default:
		break;
	}
}

/* ---- kills -------------------------------------------------------------- */

void rg_recovered_kills_replay(struct rg_recovered_kills *k, const struct rg_jrec *rec)
{
	const struct rg_jbody_kill *b = &rec->u.kill;
	bool resume = rec->h.type == RG_JREC_RESUME;
	uint32_t i;

	if (rec->h.type != RG_JREC_KILL && !resume)
		return;
	if (resume) {
		/* A resume lifts the scope's kills, whoever set them. */
		for (i = 0; i < k->n;)
			if (k->k[i].scope == b->scope && k->k[i].scope_id == b->scope_id)
				k->k[i] = k->k[--k->n];
			else
				i++;
		return;
	}
	for (i = 0; i < k->n; i++)
		if (k->k[i].scope == b->scope && k->k[i].scope_id == b->scope_id && k->k[i].source == b->source)
			break;
	if (i == k->n) {
		if (k->n == RG_RECOVERED_KILLS_MAX) {
			k->overflow = true;
			return;
		}
		k->n++;
	}
	k->k[i].scope = b->scope;
	k->k[i].source = b->source;
	k->k[i].scope_id = b->scope_id;
	k->k[i].uid = b->uid;
	k->k[i].pid = b->pid;
	memcpy(k->k[i].reason, b->reason, sizeof(k->k[i].reason));
	k->k[i].reason[sizeof(k->k[i].reason) - 1] = '\0';
}

/* ---- snapshots ---------------------------------------------------------- */

static void replay_position(struct rg_engine *e, uint32_t account, const struct rg_jbody_position *p)
{
	struct rg_position *pos;

	if (account >= e->risk->n_accounts || p->symbol >= e->risk->n_symbols)
		return;
	pos = rg_risk_position(e->risk, account, p->symbol);
	pos->qty_e8 = p->qty_e8;
	pos->avg_price_e8 = p->avg_price_e8;
}

static void replay_account(struct rg_engine *e, uint32_t account, const struct rg_jbody_account *a)
{
	struct rg_account_state *acct;

	if (account >= e->risk->n_accounts)
		return;
	acct = &e->risk->accounts[account];
	acct->equity_sod_e8 = a->equity_sod_e8;
	acct->realized_today_e8 = a->realized_today_e8;
	acct->peak_equity_e8 = a->peak_equity_e8;
	acct->orders_today = a->orders_today;
	acct->state = a->state <= RG_STATE_HALTED ? a->state : RG_STATE_HALTED;
	acct->loss_state = a->loss_state <= RG_STATE_HALTED ? a->loss_state : RG_STATE_HALTED;
	acct->loss_reason = a->loss_reason;
	_rg_account_derive_limits(acct);
}

/* ---- the callback -------------------------------------------------------- */

int rg_engine_replay(const struct rg_jrec *rec, void *arg)
{
	if (rec->h.type == RG_JREC_ORDER_DECIDED) {
		/* Format 4's one record per order: its DECISION half is what the
		 * replay uses (the ORDER_RECEIVED half only precedes it). */
		struct rg_jrec parts[2];
		rg_jrec_split(rec, parts);
		return rg_engine_replay(&parts[1], arg);
	}
	struct rg_engine *e = arg;
	struct rg_engine_recovery *rv = e->recovery;
	struct rg_risk *r = e->risk;
	uint64_t t = rec->h.mono_ns <= rv->now_ns ? rec->h.mono_ns : rv->now_ns;
	uint32_t strategy = rec->h.strategy;
	bool known_strategy = strategy < e->cfg->n_strategies;

	if (rv->seen++ == 0) {
		/* The file's day: an earlier one rolls at the end of the replay. */
		int64_t day = rg_risk_day_of(r, rec->h.real_ns);
		if (day < r->day_index)
			r->day_index = day;
	}
	rv->last_type = rec->h.type;
	/* Report numbers: a record's (files of older formats have zeros
	 * there, which never raise the count). */
	if (known_strategy && rg_jrec_report_seq(rec) > rv->last_report_seq[strategy])
		rv->last_report_seq[strategy] = rg_jrec_report_seq(rec);
	if (rec->h.type == RG_JREC_NAME && rec->u.name.what == RG_JNAME_STRATEGY &&
	    rec->u.name.index < e->cfg->n_strategies && rec->u.name.next_report_seq != 0 &&
	    rec->u.name.next_report_seq - 1 > rv->last_report_seq[rec->u.name.index])
		rv->last_report_seq[rec->u.name.index] = rec->u.name.next_report_seq - 1;
	switch (rec->h.type) {
	case RG_JREC_DECISION:
		if (known_strategy)
			replay_decision(e, strategy, &rec->u.decision);
		break;
	case RG_JREC_VENUE_ACK:
		if (known_strategy)
			rg_risk_on_ack(r, strategy, rec->u.ack.client_order_id, t);
		break;
	case RG_JREC_FILL:
		rv->fills++;
		if (known_strategy)
			rg_risk_on_fill(r, strategy, rec->u.fill.client_order_id, rec->u.fill.qty_e8, rec->u.fill.price_e8,
					rec->u.fill.leaves_e8, t);
		{
			struct rg_order_route *fr = rg_order_routes_get(&e->routes, rec->u.fill.engine_seq);
			if (fr != NULL && rec->u.fill.qty_e8 > 0 && !rg_add_i64(fr->filled_e8, rec->u.fill.qty_e8, &fr->filled_e8))
				fr->filled_e8 = INT64_MAX;
		}
		if (rec->u.fill.leaves_e8 == 0)
			route_end(e, rec->u.fill.engine_seq);
		break;
	case RG_JREC_CANCELLED:
		if (known_strategy)
			rg_risk_on_cancelled(r, strategy, rec->u.cancelled.client_order_id, t);
		route_end(e, rec->u.cancelled.engine_seq);
		break;
	case RG_JREC_REPLACED:
	case RG_JREC_REPLACE_REJECT:
		if (known_strategy)
			replay_replace_answer(e, rec, t);
		break;
	case RG_JREC_VENUE_REJECT:
		if (rec->u.venue_reject.cancel)
			break; /* a refused cancel: the order stays live */
		if (known_strategy)
			rg_risk_on_venue_reject(r, strategy, rec->u.venue_reject.client_order_id, t);
		route_end(e, rec->u.venue_reject.engine_seq);
		break;
	case RG_JREC_ADAPTER_DISCONNECTED:
		if (rec->u.adapter.venue < r->n_venues)
			rg_risk_on_venue_failure(r, rec->u.adapter.venue, t);
		break;
	case RG_JREC_STATE_CHANGE:
		replay_state(e, &rec->u.state, t);
		break;
	case RG_JREC_KILL:
	case RG_JREC_RESUME:
		rg_recovered_kills_replay(&rv->kills, rec);
		break;
	case RG_JREC_POSITION:
		replay_position(e, rec->h.account, &rec->u.position);
		break;
	case RG_JREC_ACCOUNT:
		replay_account(e, rec->h.account, &rec->u.account);
		break;
	case RG_JREC_OPEN_ORDER:
		if (known_strategy) {
			const struct rg_jbody_open_order *oo = &rec->u.open_order;
			if (oo->engine_seq > rv->max_engine_seq)
				rv->max_engine_seq = oo->engine_seq;
			if (!reinsert(e, strategy, &oo->order, oo->engine_seq, oo->leaves_e8))
				rv->ignored++;
		}
		break;
	case RG_JREC_CHECKPOINT:
		/* The checkpoint this start loaded, journaled since: its digest must
		 * be the one the journal recorded then. */
		if (rv->ckpt_seq != 0 && rec->u.checkpoint.anchor_seq == rv->ckpt_seq &&
		    memcmp(rec->u.checkpoint.digest, rv->ckpt_journal.digest, sizeof(rv->ckpt_journal.digest)) != 0)
			rv->ckpt_forged_seq = rec->h.seq;
		break;
	default:
		break; /* ORDER_RECEIVED (its DECISION follows), FORWARDED, names, starts and stops */
	}
	return 0;
}

/* ---- after the replay ---------------------------------------------------- */

static const char *side_str(uint8_t side)
{
	return side == RG_SIDE_BUY ? "BUY" : side == RG_SIDE_SELL ? "SELL" : "?";
}

static bool adapter_can_query(const struct rg_engine *e, uint16_t venue)
{
	const struct rg_adapter_ops *ops = rg_adapter_ops_find(e->cfg->venues[venue].kind);

	return ops != NULL && (ops->caps & RG_ADAPTER_CAN_QUERY) != 0;
}

void rg_engine_recovery_finish(struct rg_engine *e, uint64_t now_ns, uint64_t now_real_ns)
{
	struct rg_engine_recovery *rv = e->recovery;
	struct rg_risk *r = e->risk;

	rg_risk_roll_day(r, now_ns, now_real_ns); /* a file of an earlier day: the day rolls now */
	for (uint32_t i = 0; i < e->inst.n_sessions; i++)
		if (rv->last_report_seq[i] + 1 > e->inst.sessions[i].next_report_seq)
			e->inst.sessions[i].next_report_seq = rv->last_report_seq[i] + 1;
	if (rv->max_engine_seq > r->next_seq)
		r->next_seq = rv->max_engine_seq;
	/* Positions were rebuilt at the fills' prices: mark them at today's references. */
	for (uint32_t s = 0; s < r->n_symbols; s++)
		if (r->symbols[s].ref_price_e8 > 0)
			rg_risk_set_reference(r, s, r->symbols[s].ref_price_e8, r->symbols[s].ref_ts_ns);
	rv->unknown = 0;
	for (uint32_t i = 0; i < r->n_strategies; i++) {
		struct rg_open_orders *t = &r->strategies[i].orders;
		for (uint64_t k = 0; t->count != 0 && k <= t->mask; k++) {
			struct rg_open_order *o = &t->slots[k];
			char leaves[32], replacing[96] = "";
			if (o->client_order_id == 0)
				continue;
			rv->unknown++;
			if (o->replaces != 0 && o->venue < RG_MAX_VENUES) {
				/* a replace with no answer journaled (RG_UNKNOWN_IOC_GRACE_NS) */
				o->flags |= RG_OO_REPLACE_CARRIED;
				rv->unknown_replace[o->venue]++;
				snprintf(replacing, sizeof(replacing),
					 " (replacing %llu, unanswered: settled once the venue has connected, unless it "
					 "answers)",
					 (unsigned long long)o->replaces);
			}
			if (e->cfg->journal.cancel_unknown_on_restart && o->venue < RG_MAX_VENUES)
				rv->cancel_due[o->venue] = true;
			if (o->venue < RG_MAX_VENUES && adapter_can_query(e, o->venue))
				rv->query_due[o->venue] = true;
			if ((o->flags & RG_OO_IOC) && o->venue < RG_MAX_VENUES)
				rv->unknown_ioc[o->venue]++;
			snprintf(leaves, sizeof(leaves), "%lld.%08lld", (long long)(o->leaves_qty_e8 / 100000000),
				 (long long)(o->leaves_qty_e8 % 100000000));
			rg_log(RG_LOG_WARN,
				"riskgate: recovered open order, venue state unknown: strategy %s client_order_id %llu "
				"engine_seq %llu %s %s leaves %s at venue %s%s%s%s",
				e->cfg->strategies[i].name, (unsigned long long)o->client_order_id,
				(unsigned long long)o->engine_seq, side_str(o->side), e->cfg->symbols[o->symbol].name, leaves,
				e->cfg->venues[o->venue].name,
				e->cfg->journal.cancel_unknown_on_restart ? " (a cancel goes to the venue when it connects)"
				: adapter_can_query(e, o->venue)       ? " (the venue is asked when it connects)"
								       : "",
				(o->flags & RG_OO_IOC) ? " (IOC: done at the venue; taken as done without a fill once the venue "
							 "has connected, unless it reports on it)"
						       : "",
				replacing);
		}
	}
}

bool rg_engine_journal_snapshots(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_risk *r = e->risk;
	bool ok = true;

	for (uint32_t a = 0; a < r->n_accounts; a++) {
		const struct rg_account_state *acct = &r->accounts[a];
		struct rg_jbody_account b;
		memset(&b, 0, sizeof(b));
		b.equity_sod_e8 = acct->equity_sod_e8;
		b.realized_today_e8 = acct->realized_today_e8;
		b.peak_equity_e8 = acct->peak_equity_e8;
		b.trading_day = r->day_index;
		b.orders_today = acct->orders_today;
		b.state = acct->state;
		b.loss_state = acct->loss_state;
		b.loss_reason = acct->loss_reason;
		ok &= rg_journal_account(&e->journal, now_ns, RG_JREC_NONE, a, &b);
		for (uint32_t s = 0; s < r->n_symbols; s++) {
			const struct rg_position *p = rg_risk_position(r, a, s);
			struct rg_jbody_position pb;
			if (p->qty_e8 == 0 && p->open_buy_qty_e8 == 0 && p->open_sell_qty_e8 == 0)
				continue;
			memset(&pb, 0, sizeof(pb));
			pb.qty_e8 = p->qty_e8;
			pb.avg_price_e8 = p->avg_price_e8;
			pb.open_buy_qty_e8 = p->open_buy_qty_e8;
			pb.open_sell_qty_e8 = p->open_sell_qty_e8;
			pb.symbol = s;
			ok &= rg_journal_position(&e->journal, now_ns, RG_JREC_NONE, a, &pb);
		}
	}
	for (uint32_t i = 0; i < r->n_strategies; i++) {
		const struct rg_open_orders *t = &r->strategies[i].orders;
		for (uint64_t k = 0; t->count != 0 && k <= t->mask; k++) {
			const struct rg_open_order *o = &t->slots[k];
			struct rg_jbody_open_order b;
			if (o->client_order_id == 0)
				continue;
			memset(&b, 0, sizeof(b));
			b.order.client_order_id = o->client_order_id;
			b.order.qty_e8 = o->leaves_qty_e8;
			b.order.price_e8 = (o->flags & RG_OO_MARKET) ? 0 : o->price_e8;
			b.order.symbol_id = o->symbol;
			b.order.kind = RG_ORDER_NEW;
			b.order.side = o->side;
			b.order.type = (o->flags & RG_OO_MARKET) ? RG_TYPE_MARKET : RG_TYPE_LIMIT;
			b.order.tif = (o->flags & RG_OO_IOC) ? RG_TIF_IOC : RG_TIF_DAY;
			b.engine_seq = o->engine_seq;
			b.leaves_e8 = o->leaves_qty_e8;
			b.venue = o->venue;
			ok &= rg_journal_open_order(&e->journal, now_ns, i, r->strategies[i].account, &b);
		}
	}
	return ok;
}

void rg_engine_recovery_on_connect(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	struct rg_engine_recovery *rv = e->recovery;
	bool query, cancel;

	if (rv == NULL || venue >= RG_MAX_VENUES)
		return;
	if ((rv->unknown_ioc[venue] != 0 || rv->unknown_replace[venue] != 0) && rv->unknown_expire_ns[venue] == 0)
		rv->unknown_expire_ns[venue] = now_ns + RG_UNKNOWN_IOC_GRACE_NS;
	if (!rv->cancel_due[venue] && !rv->query_due[venue])
		return;
	query = rv->query_due[venue];
	cancel = rv->cancel_due[venue];
	rv->query_due[venue] = rv->cancel_due[venue] = false;
	for (uint64_t k = 0; k <= e->routes.mask; k++) {
		const struct rg_order_route *route = &e->routes.slots[k];
		struct rg_open_order *o;
		if (route->engine_seq == 0 || route->venue != venue)
			continue;
		o = rg_open_orders_find(&e->risk->strategies[route->strategy].orders, route->client_order_id, NULL);
		if (o == NULL)
			continue;
		/* A full ring: the whole walk again at the next connect (the
		 * adapter answers a repeated query with nothing new). */
		if (query && !_rg_engine_send_query(e, route, o->leaves_qty_e8, now_ns)) {
			rv->query_due[venue] = true;
			rv->cancel_due[venue] = cancel;
			break;
		}
		if (!cancel || (o->flags & RG_OO_CANCEL_PENDING))
			continue;
		if (!_rg_engine_send_cancel(e, route, now_ns)) {
			rv->cancel_due[venue] = true; /* the ring is full: try again at the next connect */
			rv->query_due[venue] = query;
			break;
		}
		o->flags |= RG_OO_CANCEL_PENDING;
	}
}

/* Takes venue `venue`'s carried IOC/FOK orders as done; false when the
 * journal or a report backlog had no room for one (the next tick goes on). */
static bool expire_unknown_iocs(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	struct rg_engine_recovery *rv = e->recovery;

	for (uint64_t k = 0; k <= e->routes.mask;) {
		struct rg_order_route *route = &e->routes.slots[k];
		struct rg_open_order *o;

		if (route->engine_seq == 0 || route->venue != venue ||
		    (o = rg_open_orders_find(&e->risk->strategies[route->strategy].orders, route->client_order_id, NULL)) ==
			    NULL ||
		    !(o->flags & RG_OO_IOC)) {
			k++;
			continue;
		}
		if (!rg_journal_room(&e->journal, 1) || !_rg_engine_report_fits(e, &e->inst.sessions[route->strategy], true))
			return false;
		/* The route is deleted: a later entry of its cluster may move into
		 * slot k, so k is looked at again. */
		_rg_engine_settle_locally(e, venue, route, o->leaves_qty_e8, now_ns);
		rv->unknown_ioc[venue]--;
	}
	return true;
}

static void qty_text(char *buf, size_t size, int64_t e8)
{
	snprintf(buf, size, "%lld.%08lld", (long long)(e8 / 100000000), (long long)(e8 % 100000000));
}

/*
 * Settles the carried replace on `route` (still unanswered) as of unknown
 * outcome (RG_UNKNOWN_IOC_GRACE_NS): journaled first, then the risk state,
 * the strategy's report and the operator's line.  The route is deleted when
 * the target had ended; returns whether it was.
 */
static bool settle_unknown_replace(struct rg_engine *e, uint16_t venue, struct rg_order_route *route,
				   uint64_t now_ns)
{
	struct rg_session *s = &e->inst.sessions[route->strategy];
	const char *strategy = e->cfg->strategies[route->strategy].name;
	uint64_t target = route->client_order_id, id = route->replacement_id, rseq = s->next_report_seq++;
	const struct rg_open_order *t;
	struct rg_jbody_venue_reject b;
	struct rg_report r;
	bool target_live = false;

	memset(&b, 0, sizeof(b));
	b.client_order_id = id;
	b.engine_seq = route->engine_seq;
	b.symbol = route->symbol_id;
	b.venue = venue;
	b.unknown = 1;
	rg_jtext(b.text, sizeof(b.text), "riskgate: unanswered across a restart, outcome unknown");
	b.report_seq = rseq;
	if (!rg_journal_append(&e->journal, RG_JREC_REPLACE_REJECT, now_ns, route->strategy,
			       rg_ej_account_of(e, route->strategy), &b))
		rg_ej_refused(e);
	rg_risk_on_replace_unknown(e->risk, route->strategy, id, &target_live, now_ns);
	memset(&r, 0, sizeof(r));
	r.kind = RG_REPORT_REPLACE_REJECTED;
	r.reason = RG_REJ_REPLACE_OUTCOME_UNKNOWN;
	r.client_order_id = id;
	r.engine_seq = route->engine_seq;
	r.symbol_id = route->symbol_id;
	r.report_seq = rseq;
	_rg_engine_push_report(e, s, &r);
	route->replacement_id = 0;
	t = target_live ? rg_open_orders_find(&e->risk->strategies[route->strategy].orders, target, NULL) : NULL;
	if (t != NULL) {
		char leaves[32], notional[32];
		qty_text(leaves, sizeof(leaves), t->leaves_qty_e8);
		qty_text(notional, sizeof(notional), t->reserved_notional_e8);
		rg_engine_log_at(&e->log, RG_LOG_WARN,
				 "riskgate: unanswered replace: strategy %s client_order_id %llu (replacing %llu) at venue %s "
				 "had no answer after the restart, outcome unknown: taken as not done, the order stays %llu with "
				 "the larger of the two reservations (leaves %s, notional %s); the strategy is told "
				 "REPLACE_REJECTED (REPLACE_OUTCOME_UNKNOWN): reconcile the order with the venue",
				 strategy, (unsigned long long)id, (unsigned long long)target, e->cfg->venues[venue].name,
				 (unsigned long long)target, leaves, notional);
		return false;
	}
	rg_engine_log_at(&e->log, RG_LOG_WARN,
			 "riskgate: unanswered replace: strategy %s client_order_id %llu (replacing %llu) at venue %s "
			 "had no answer after the restart, outcome unknown; the order has ended (%llu is done): both reservations "
			 "released; the strategy is told REPLACE_REJECTED (REPLACE_OUTCOME_UNKNOWN)",
			 strategy, (unsigned long long)id, (unsigned long long)target, e->cfg->venues[venue].name,
			 (unsigned long long)target);
	rg_order_routes_del(&e->routes, route);
	return true;
}

/* Settles venue `venue`'s carried replaces still unanswered; false when the
 * journal or a report backlog had no room for one (the next tick goes on). */
static bool settle_unknown_replaces(struct rg_engine *e, uint16_t venue, uint64_t now_ns)
{
	for (uint64_t k = 0; k <= e->routes.mask;) {
		struct rg_order_route *route = &e->routes.slots[k];
		const struct rg_open_order *n;

		if (route->engine_seq == 0 || route->venue != venue || route->replacement_id == 0 ||
		    (n = rg_open_orders_find(&e->risk->strategies[route->strategy].orders, route->replacement_id,
					     NULL)) == NULL ||
		    !(n->flags & RG_OO_REPLACE_CARRIED)) {
			k++;
			continue;
		}
		if (!rg_journal_room(&e->journal, 1) || !_rg_engine_report_fits(e, &e->inst.sessions[route->strategy], true))
			return false;
		/* A deleted route: a later entry of its cluster may move into slot k. */
		if (!settle_unknown_replace(e, venue, route, now_ns))
			k++;
	}
	return true;
}

void rg_engine_recovery_tick(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_engine_recovery *rv = e->recovery;

	if (rv == NULL)
		return;
	for (uint16_t v = 0; v < e->n_adapters && v < RG_MAX_VENUES; v++) {
		uint32_t n = rv->unknown_ioc[v];
		if (rv->unknown_expire_ns[v] == 0 || now_ns < rv->unknown_expire_ns[v])
			continue;
		if (n != 0) {
			if (!expire_unknown_iocs(e, v, now_ns))
				continue;
			if (n != rv->unknown_ioc[v])
				rg_engine_logf(&e->log,
					       "riskgate: %u IOC/FOK order(s) of unknown outcome at venue %s taken as done "
					       "without a fill (CANCELLED): reconcile their fills with the venue",
					       n - rv->unknown_ioc[v], e->cfg->venues[v].name);
			rv->unknown_ioc[v] = 0; /* the rest the venue reported on */
		}
		if (rv->unknown_replace[v] != 0) {
			if (!settle_unknown_replaces(e, v, now_ns))
				continue;
			rv->unknown_replace[v] = 0; /* the rest the venue answered */
		}
		rv->unknown_expire_ns[v] = 0;
	}
}

/* ---- kills in force back into the kill segment ---------------------------- */

static const char *jsource_str(uint8_t source)
{
	switch (source) {
	case RG_JSOURCE_SIGNAL: return "signal";
	case RG_JSOURCE_DEADMAN: return "dead man";
	case RG_JSOURCE_ENGINE: return "engine";
	case RG_JSOURCE_CONFIG: return "config";
	default: return "journal";
	}
}

/* The kill's scope as the segment names it; false when the config no longer has it. */
static bool kill_scope_of(const struct rg_recovered_kill *k, const struct rg_config *cfg, struct rg_kill_scope *out)
{
	const char *name = "";

	memset(out, 0, sizeof(*out));
	out->kind = k->scope;
	switch (k->scope) {
	case RG_JSCOPE_INSTANCE: break;
	case RG_JSCOPE_ACCOUNT:
		if (k->scope_id >= cfg->n_accounts)
			return false;
		name = cfg->accounts[k->scope_id].name;
		break;
	case RG_JSCOPE_STRATEGY:
		if (k->scope_id >= cfg->n_strategies)
			return false;
		name = cfg->strategies[k->scope_id].name;
		break;
	case RG_JSCOPE_SYMBOL:
		if (k->scope_id >= cfg->n_symbols)
			return false;
		name = cfg->symbols[k->scope_id].name;
		break;
	case RG_JSCOPE_VENUE:
		if (k->scope_id >= cfg->n_venues)
			return false;
		name = cfg->venues[k->scope_id].name;
		break;
	default:
		return false;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	return true;
}

int rg_recovered_kills_reapply(const struct rg_recovered_kills *kills, const struct rg_config *cfg,
			       struct rg_kill_seg *seg, char *err, size_t errlen)
{
	static struct rg_kill_entry have[RG_KILL_MAX]; /* cold, one caller at a time: not on the stack */
	uint32_t n_have = 0;
	uint64_t gen;
	int applied = 0, rc;

	rc = rg_kill_list(seg, have, RG_KILL_MAX, &n_have, &gen);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the kill segment's kills: %s", strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < kills->n; i++) {
		const struct rg_recovered_kill *k = &kills->k[i];
		struct rg_kill_scope scope;
		uint8_t source = k->source == RG_JSOURCE_REDIS ? RG_KSRC_REDIS : RG_KSRC_RISKCTL;
		char reason[RG_KILL_REASON_MAX];
		bool present = false;

		if (!kill_scope_of(k, cfg, &scope))
			continue; /* the config no longer names it */
		for (uint32_t j = 0; j < n_have && !present; j++)
			present = have[j].scope == scope.kind && have[j].source == source &&
				  strncmp(have[j].name, scope.name, sizeof(have[j].name)) == 0;
		if (present)
			continue;
		if (k->source == RG_JSOURCE_RISKCTL || k->source == RG_JSOURCE_REDIS)
			snprintf(reason, sizeof(reason), "%s", k->reason);
		else
			snprintf(reason, sizeof(reason), "%s: %s", jsource_str(k->source), k->reason);
		rc = rg_kill_apply(seg, &scope, source, reason, err, errlen);
		if (rc < 0)
			return rc;
		applied++;
	}
	return applied;
}
