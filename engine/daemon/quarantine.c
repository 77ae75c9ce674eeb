/*
 * Quarantine of sessions that send mostly malformed messages (quarantine.h):
 * the trip and the lift, both cold.  The rule for who owns the HALTED state
 * is the dead-man's (dead_man.c): the quarantine lifts only a halt it set
 * itself and that is still in force.
 */
#include "quarantine.h"

#include <string.h>

#include "engine_journal.h"
#include "engine_state.h"
#include "risk_events.h"

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
	if (!rg_journal_state_change(&e->journal, now_ns, strategy, e->cfg->strategies[strategy].account, &b))
		rg_ej_refused(e);
}

void rg_quarantine_trip(struct rg_engine *e, struct rg_session *s, uint32_t malformed, uint64_t now_ns)
{
	struct rg_quarantine *q = &e->quarantine[s->strategy];
	uint8_t state = e->risk->strategies[s->strategy].state;

	q->tripped = 1;
	/* Pairs with the release increment of attach_count in rg_client_open. */
	q->tripped_attach = __atomic_load_n(&s->peer->attach_count, __ATOMIC_ACQUIRE);
	q->state_before = state;
	q->holds_halt = state != RG_STATE_HALTED;
	e->inst.ctl->sessions_quarantined++;
	if (q->holds_halt) {
		rg_risk_set_strategy_state(e->risk, s->strategy, RG_STATE_HALTED);
		journal_state(e, s->strategy, state, RG_STATE_HALTED, RG_JCAUSE_QUARANTINE, RG_REJ_STRATEGY_HALTED, malformed,
			      RG_QUARANTINE_WINDOW, now_ns);
	}
	rg_engine_logf(&e->log,
		       "riskgate: strategy %s quarantined: %u of its last %u messages were malformed; its orders are "
		       "refused STRATEGY_HALTED until its session is opened again",
		       s->name, malformed, RG_QUARANTINE_WINDOW);
}

void rg_quarantine_check_session(struct rg_engine *e, struct rg_session *s, uint64_t now_ns)
{
	struct rg_quarantine *q = &e->quarantine[s->strategy];
	uint8_t state = e->risk->strategies[s->strategy].state;

	if (q->holds_halt && state != RG_STATE_HALTED)
		q->holds_halt = 0; /* someone else set the state since: it is theirs */
	if (__atomic_load_n(&s->peer->attach_count, __ATOMIC_ACQUIRE) == q->tripped_attach)
		return;
	q->tripped = 0;
	q->seen = q->malformed = 0;
	if (!q->holds_halt) {
		rg_engine_logf(&e->log, "riskgate: strategy %s opened its session again: quarantine over (its state was set "
					"by someone else meanwhile and stays)", s->name);
		return;
	}
	q->holds_halt = 0;
	rg_risk_set_strategy_state(e->risk, s->strategy, q->state_before);
	journal_state(e, s->strategy, RG_STATE_HALTED, q->state_before, RG_JCAUSE_REATTACHED, 0, 0, 0, now_ns);
	rg_engine_logf(&e->log, "riskgate: strategy %s opened its session again: quarantine lifted", s->name);
}

void rg_quarantine_session_renewed(struct rg_quarantine *q)
{
	q->tripped_attach = UINT32_MAX;
}
