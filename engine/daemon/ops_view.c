/*
 * The operations view (ops_view.h): a copy, once per heartbeat, of what
 * monitoring reads.  Every store is a relaxed atomic store of one word, the
 * readers' loads are relaxed too: a reader wants a recent value of each
 * counter, not a consistent set, and the engine never waits for anyone.
 */
#include "ops_view.h"

#include <string.h>

#include "checkpointer.h"
#include "engine_state.h"

#define PUT(field, value) __atomic_store_n(&(field), (value), __ATOMIC_RELAXED)

static uint64_t realtime_of(const struct rg_engine *e, uint64_t now_ns)
{
	return now_ns + (uint64_t)e->journal.real_offset_ns;
}

static uint8_t strategy_bits(const struct rg_engine *e, uint32_t i)
{
	const struct rg_strategy_state *st = &e->risk->strategies[i];

	return (uint8_t)(st->state | (st->kill ? 4u : 0u) | (e->dead_man[i].tripped ? 8u : 0u));
}

void rg_ops_view_init(struct rg_engine *e)
{
	struct rg_control *c = e->inst.ctl;
	struct rg_ops_view_state *w = &e->ops;
	uint32_t ns = e->cfg->n_strategies < RG_CTL_STRATEGIES ? e->cfg->n_strategies : RG_CTL_STRATEGIES;
	uint32_t nv = e->cfg->n_venues < RG_CTL_VENUES ? e->cfg->n_venues : RG_CTL_VENUES;

	memset(w, 0, sizeof(*w));
	for (uint32_t i = 0; i < ns; i++) {
		struct rg_strategy_view *v = &c->strategies[i];
		memcpy(v->name, e->cfg->strategies[i].name, RG_NAME_MAX);
		v->account = e->cfg->strategies[i].account;
		v->dead_man_timeout_ns = e->cfg->strategies[i].dead_man_timeout_ns;
		w->strategy_seen[i] = strategy_bits(e, i);
	}
	for (uint32_t i = 0; i < nv; i++) {
		memcpy(c->venues[i].name, e->cfg->venues[i].name, RG_NAME_MAX);
		c->venues[i].dry_run = e->cfg->venues[i].dry_run ? 1 : 0;
		w->venue_breaker[i] = (uint8_t)e->risk->venues[i].breaker.state;
	}
	w->instance_state = e->risk->instance_state;
	w->instance_kill = e->risk->kill;
	PUT(c->n_strategies, ns);
	PUT(c->n_venues, nv);
}

void rg_ops_view_venue_session(struct rg_engine *e, uint16_t venue, int up)
{
	if (venue < RG_CTL_VENUES)
		e->ops.venue_session[venue] = up ? RG_VENUE_SESSION_UP : RG_VENUE_SESSION_DOWN;
}

/* Events a GCRA admits back to back at now_ns (UINT32_MAX when unlimited). */
static uint32_t gcra_tokens(const struct rg_gcra *g, uint64_t now_ns)
{
	uint64_t from, n;

	if (g->interval_ns == 0)
		return UINT32_MAX;
	from = g->tat_ns > now_ns ? g->tat_ns : now_ns;
	if (from > now_ns + g->tolerance_ns)
		return 0;
	n = (now_ns + g->tolerance_ns - from) / g->interval_ns + 1;
	return n >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)n;
}

static void publish_strategies(struct rg_engine *e, uint64_t now_ns, uint64_t real_ns)
{
	struct rg_control *c = e->inst.ctl;
	uint32_t n = __atomic_load_n(&c->n_strategies, __ATOMIC_RELAXED);

	for (uint32_t i = 0; i < n && i < e->inst.n_sessions; i++) {
		const struct rg_session *s = &e->inst.sessions[i];
		const struct rg_strategy_state *st = &e->risk->strategies[i];
		struct rg_strategy_view *v = &c->strategies[i];
		uint8_t bits = strategy_bits(e, i);

		PUT(v->dead_man_timeout_ns, e->cfg->strategies[i].dead_man_timeout_ns); /* a reload may change it */
		PUT(v->msgs_in, s->n_msgs);
		PUT(v->approved, s->n_approved);
		PUT(v->rejected, s->n_rejected);
		PUT(v->fills, s->n_fills);
		PUT(v->dead_man_trips, s->n_dead_man_trips);
		if (!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED)) {
			PUT(v->heartbeat_mono_ns, __atomic_load_n(&s->peer->heartbeat_ns, __ATOMIC_RELAXED));
			PUT(v->pid, __atomic_load_n(&s->peer->pid, __ATOMIC_RELAXED));
		} else {
			PUT(v->pid, 0);
		}
		PUT(v->state, st->state);
		PUT(v->kill, (uint8_t)(st->kill ? 1 : 0));
		PUT(v->dead_man_tripped, (uint8_t)(e->dead_man[i].tripped ? 1 : 0));
		PUT(v->throttle_latched, (uint8_t)(st->throttle_latched ? 1 : 0));
		PUT(v->order_tokens, gcra_tokens(&st->order_rate, now_ns));
		PUT(v->modify_tokens, gcra_tokens(&st->modify_rate, now_ns));
		if (bits != e->ops.strategy_seen[i]) {
			e->ops.strategy_seen[i] = bits;
			PUT(v->state_since_realtime_ns, real_ns);
		}
	}
}

static void publish_venues(struct rg_engine *e, uint64_t now_ns, uint64_t real_ns)
{
	struct rg_control *c = e->inst.ctl;
	uint32_t n = __atomic_load_n(&c->n_venues, __ATOMIC_RELAXED);

	for (uint32_t i = 0; i < n && i < e->risk->n_venues; i++) {
		const struct rg_venue_state *vs = &e->risk->venues[i];
		struct rg_venue_view *v = &c->venues[i];
		uint8_t breaker = (uint8_t)rg_breaker_state_at(&vs->breaker, now_ns);

		PUT(v->breaker_opens, vs->breaker.opens);
		PUT(v->kill, (uint8_t)(vs->kill ? 1 : 0));
		if (breaker != e->ops.venue_breaker[i]) {
			e->ops.venue_breaker[i] = breaker;
			PUT(v->breaker_since_realtime_ns, real_ns);
		}
		PUT(v->breaker, breaker);
		if (e->ops.venue_session[i] != __atomic_load_n(&v->session, __ATOMIC_RELAXED)) {
			PUT(v->session, e->ops.venue_session[i]);
			PUT(v->session_since_realtime_ns, real_ns);
		}
	}
}

static void publish_journal(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_ops_view *o = &e->inst.ctl->ops;
	const struct rg_journal_shared *j = e->journal.shared;
	const struct rg_journal_status *st;
	uint64_t fsyncs;

	if (j == NULL)
		return;
	st = &j->status;
	fsyncs = __atomic_load_n(&st->fsyncs, __ATOMIC_RELAXED);
	if (fsyncs != e->ops.fsyncs) {
		e->ops.fsyncs = fsyncs;
		PUT(o->journal_last_fsync_mono_ns, now_ns);
	}
	PUT(o->journal_appended, __atomic_load_n(&j->head, __ATOMIC_RELAXED));
	PUT(o->journal_written, __atomic_load_n(&j->written, __ATOMIC_ACQUIRE));
	PUT(o->journal_durable, __atomic_load_n(&st->durable_seq, __ATOMIC_RELAXED));
	PUT(o->journal_refused, __atomic_load_n(&j->full_count, __ATOMIC_RELAXED));
	PUT(o->journal_bytes, __atomic_load_n(&st->bytes_written, __ATOMIC_RELAXED));
	PUT(o->journal_fsyncs, fsyncs);
	PUT(o->journal_state, __atomic_load_n(&st->state, __ATOMIC_RELAXED));
	PUT(o->journal_error, __atomic_load_n(&st->error, __ATOMIC_RELAXED));
}

static void publish_checkpoints(struct rg_engine *e)
{
	struct rg_ops_view *o = &e->inst.ctl->ops;
	struct rg_checkpointer_stats st;

	rg_checkpointer_stats(e->checkpointer, &st);
	PUT(o->checkpoint_state, (uint8_t)(e->checkpointer == NULL ? 0 : st.stopped_on_error ? 2 : 1));
	PUT(o->checkpoints_written, st.written);
	PUT(o->checkpoint_anchor_seq, st.anchor_seq);
	PUT(o->checkpoint_failures, st.failures);
}

void rg_ops_view_publish(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_ops_view *o = &e->inst.ctl->ops;
	uint64_t real_ns = realtime_of(e, now_ns);

	publish_strategies(e, now_ns, real_ns);
	publish_venues(e, now_ns, real_ns);
	publish_journal(e, now_ns);
	publish_checkpoints(e);
	if (e->risk->instance_state != e->ops.instance_state) {
		e->ops.instance_state = e->risk->instance_state;
		PUT(o->state_since_realtime_ns, real_ns);
	}
	if (e->risk->kill != e->ops.instance_kill) {
		e->ops.instance_kill = e->risk->kill;
		PUT(o->kill_since_realtime_ns, real_ns);
	}
	PUT(o->instance_state, e->risk->instance_state);
	PUT(o->kills_in_force, e->control.n_applied);
	PUT(o->log_lines_lost, __atomic_load_n(&e->log.lost, __ATOMIC_RELAXED));
	PUT(o->published_mono_ns, now_ns);
}
