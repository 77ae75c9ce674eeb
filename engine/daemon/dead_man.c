/*
 * The dead-man watch (dead_man.h): the engine's side of the strategy
 * heartbeat.  rg_dead_man_step is the rule, kept pure so it can be tested
 * tick by tick; rg_dead_man_check reads each session's peer line and acts.
 *
 * The peer line is written by the strategy's process, so nothing read from
 * it is trusted beyond that one strategy's own fate: a bogus heartbeat can
 * only keep its own strategy from being halted, never touch another.  The
 * client publishes an attach as heartbeat, then pid (release), then
 * attach_count (release); reading them in the reverse order with acquire
 * loads means a new pid or attach_count always comes with its fresh
 * heartbeat, so a process that is just attaching never looks stalled.
 */
#include "dead_man.h"

#include <string.h>

#include "engine_state.h"
#include "mass_cancel.h"
#include "risk_events.h"

static bool heartbeat_fresh(uint64_t heartbeat_ns, uint64_t timeout_ns, uint64_t now_ns)
{
	return heartbeat_ns >= now_ns || now_ns - heartbeat_ns <= timeout_ns;
}

enum rg_dead_man_action rg_dead_man_step(struct rg_dead_man *w, const struct rg_dead_man_peer *p,
					 uint64_t timeout_ns, uint8_t strategy_state, uint64_t now_ns)
{
	bool live = p->pid != 0 && p->heartbeat_ns != 0;

	if (timeout_ns == 0)
		return RG_DEAD_MAN_NONE;
	if (!w->tripped) {
		if (!live || heartbeat_fresh(p->heartbeat_ns, timeout_ns, now_ns))
			return RG_DEAD_MAN_NONE;
		w->tripped = 1;
		w->tripped_attach = p->attach_count;
		w->state_before = strategy_state;
		w->holds_halt = strategy_state != RG_STATE_HALTED;
		return RG_DEAD_MAN_TRIP;
	}
	if (w->holds_halt && strategy_state != RG_STATE_HALTED)
		w->holds_halt = 0; /* someone else set the state since: it is theirs now */
	if (p->attach_count == w->tripped_attach || !live || !heartbeat_fresh(p->heartbeat_ns, timeout_ns, now_ns))
		return RG_DEAD_MAN_NONE;
	w->tripped = 0;
	if (!w->holds_halt)
		return RG_DEAD_MAN_NONE;
	w->holds_halt = 0;
	return RG_DEAD_MAN_LIFT;
}

static void read_peer(const struct rg_session *s, struct rg_dead_man_peer *p)
{
	/* Pairs with the release stores of attach_count and pid in rg_client_open. */
	p->attach_count = __atomic_load_n(&s->peer->attach_count, __ATOMIC_ACQUIRE);
	p->pid = __atomic_load_n(&s->peer->pid, __ATOMIC_ACQUIRE);
	p->heartbeat_ns = __atomic_load_n(&s->peer->heartbeat_ns, __ATOMIC_RELAXED);
}

static void journal_state(struct rg_engine *e, uint16_t strategy, uint8_t old_state, uint8_t new_state,
			  uint8_t cause, uint16_t reason, int64_t value, int64_t limit, uint64_t now_ns)
{
	struct rg_jbody_state b;

	memset(&b, 0, sizeof(b));
	b.value = value;
	b.limit = limit;
	b.entity_id = strategy;
	b.entity = RG_JENTITY_STRATEGY;
	b.old_state = old_state;
	b.new_state = new_state;
	b.cause = cause;
	b.reason = reason;
	/* A state change uses the reserve the order path leaves free; should it
	 * still fail, the journal counts it in full_count. */
	rg_journal_state_change(&e->journal, now_ns, strategy, e->cfg->strategies[strategy].account, &b);
}

/* Cancel-on-disconnect: a cancel for each of the strategy's open orders (one
 * walk of the route table, about a millisecond, once per trip; walked again
 * while a full request ring refused some: mass_cancel.h). */
static void cancel_orders(struct rg_engine *e, uint16_t strategy, struct rg_dead_man *w, uint64_t now_ns)
{
	rg_engine_cancel_retrying(e, &w->cancels, RG_CANCEL_STRATEGY, strategy, now_ns, NULL);
}

static void trip(struct rg_engine *e, uint16_t strategy, struct rg_dead_man *w, const struct rg_dead_man_peer *p,
		 uint64_t now_ns)
{
	const struct rg_strategy_cfg *st = &e->cfg->strategies[strategy];

	e->inst.ctl->dead_man_trips++;
	e->inst.sessions[strategy].n_dead_man_trips++;
	if (w->holds_halt) {
		rg_risk_set_strategy_state(e->risk, strategy, RG_STATE_HALTED);
		journal_state(e, strategy, w->state_before, RG_STATE_HALTED, RG_JCAUSE_DEAD_MAN,
			      RG_REJ_STRATEGY_HALTED, (int64_t)(now_ns - p->heartbeat_ns), (int64_t)st->dead_man_timeout_ns,
			      now_ns);
	}
	if (st->dead_man_cancel)
		cancel_orders(e, strategy, w, now_ns);
}

static void lift(struct rg_engine *e, uint16_t strategy, const struct rg_dead_man *w, uint64_t now_ns)
{
	e->inst.ctl->dead_man_lifts++;
	rg_risk_set_strategy_state(e->risk, strategy, w->state_before);
	journal_state(e, strategy, RG_STATE_HALTED, w->state_before, RG_JCAUSE_REATTACHED, 0, 0, 0, now_ns);
}

void rg_dead_man_check_session(struct rg_engine *e, struct rg_session *s, uint64_t now_ns)
{
	uint64_t timeout_ns = e->cfg->strategies[s->strategy].dead_man_timeout_ns;
	struct rg_dead_man *w = &e->dead_man[s->strategy];
	struct rg_dead_man_peer p;

	if (timeout_ns == 0 || __atomic_load_n(&s->revoked, __ATOMIC_RELAXED))
		return;
	read_peer(s, &p);
	switch (rg_dead_man_step(w, &p, timeout_ns, e->risk->strategies[s->strategy].state, now_ns)) {
	case RG_DEAD_MAN_TRIP: trip(e, s->strategy, w, &p, now_ns); break;
	case RG_DEAD_MAN_LIFT: lift(e, s->strategy, w, now_ns); break;
	default: break;
	}
}

void rg_dead_man_check(struct rg_engine *e, uint64_t now_ns)
{
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];

		rg_cancel_retry_tick(e, &e->dead_man[s->strategy].cancels, now_ns);
		rg_dead_man_check_session(e, s, now_ns);
	}
}
