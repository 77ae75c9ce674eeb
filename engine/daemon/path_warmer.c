/*
 * The path warmer (path_warmer.h): every engine.warm_interval_us of
 * idleness, the check pipeline run read only on each strategy's canned
 * order, and the lines its answer will write prefetched, so that the next
 * real order finds code and data in cache.  Writes nothing but its own
 * fields; stops as soon as an order or a venue event waits.
 */
#include "path_warmer.h"

#include "checks.h"
#include "engine_state.h"
#include "risk_prefetch.h"

/* Journal records an order's answer and its venue's first events append:
 * ORDER_DECIDED, FORWARDED, then the ack and the fill or cancel. */
#define WARM_JOURNAL_RECORDS 4u

/* Strategies (with an order to check like) a warm pass takes at most. */
#define WARM_STRATEGIES_PER_PASS 4u

void rg_path_warmer_set_interval(struct rg_path_warmer *w, uint64_t interval_ns, uint64_t now_ns)
{
	w->interval_ns = interval_ns;
	w->next_ns = interval_ns != 0 ? now_ns + interval_ns : UINT64_MAX;
}

void rg_path_warmer_init(struct rg_path_warmer *w, const struct rg_config *cfg, uint64_t now_ns)
{
	rg_path_warmer_set_interval(w, (uint64_t)cfg->warm_interval_us * 1000u, now_ns);
	w->passes = 0;
	w->cut_short = 0;
	w->cursor = 0;
	for (uint32_t i = 0; i < RG_MAX_STRATEGIES; i++) {
		w->last_id[i] = 0;
		w->canned[i].client_order_id = 0;
	}
}

/* Anything for the poll loop: an order in a session's ring, an event in an
 * adapter's.  (One look at the next slot of each, as the idle pass takes.) */
static bool work_waiting(const struct rg_engine *e)
{
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		const struct rg_session *s = &e->inst.sessions[i];
		if (!__atomic_load_n(&s->revoked, __ATOMIC_RELAXED) && rg_ring_pending(&s->orders, 1) != 0)
			return true;
	}
	for (uint32_t v = 0; v < e->n_adapters; v++)
		if (rg_ring_pending(&e->adapters[v].events, 1) != 0)
			return true;
	return false;
}

/* The lines the strategy's next order and its answer write that the dry
 * check does not read: the rate windows' next slots (the commit's), its
 * session's counters and next report slot, its journal share, its
 * quarantine window.  (always_inline: see risk_prefetch.h.) */
static inline __attribute__((always_inline)) void prefetch_session(struct rg_engine *e, struct rg_session *s)
{
	const struct rg_strategy_state *st = &e->risk->strategies[s->strategy];

	if (st->order_window != NULL)
		__builtin_prefetch(st->order_window->next, 1, 3);
	if (st->message_window != NULL)
		__builtin_prefetch(st->message_window->next, 1, 3);
	__builtin_prefetch(&s->n_msgs, 1, 3);
	__builtin_prefetch(&s->next_report_seq, 1, 3);
	__builtin_prefetch(&s->reports.slots[s->reports.shared->head & s->reports.mask], 1, 3);
	__builtin_prefetch(&e->jshare.s[s->strategy], 1, 3);
	__builtin_prefetch(&e->quarantine[s->strategy], 1, 3);
}

void rg_path_warm(struct rg_engine *e, uint64_t now_ns)
{
	struct rg_path_warmer *w = &e->warm;
	uint32_t n = e->inst.n_sessions, warmed = 0;

	w->next_ns = w->interval_ns != 0 ? now_ns + w->interval_ns : UINT64_MAX; /* (a pass run by hand when off) */
	/* A few strategies a pass, round robin from where the last one stopped:
	 * a pass stays short however many there are. */
	for (uint32_t k = 0; k < n && warmed < WARM_STRATEGIES_PER_PASS; k++) {
		uint32_t i = (w->cursor + k) % n;
		struct rg_session *s = &e->inst.sessions[i];
		struct rg_order o = w->canned[s->strategy];

		if (work_waiting(e)) {
			w->cursor = i;
			w->cut_short++;
			return;
		}
		if (o.client_order_id == 0 || __atomic_load_n(&s->revoked, __ATOMIC_RELAXED))
			continue;
		warmed++;
		w->cursor = i + 1;
		/* The id its next order most likely has: its open-order index line. */
		o.client_order_id = w->last_id[s->strategy] + 1;
		if (o.client_order_id == 0)
			continue;
		rg_risk_prefetch_order(e->risk, s->strategy, &o);
		(void)rg_risk_check_order_dry(e->risk, s->strategy, &o, now_ns);
		prefetch_session(e, s);
	}
	/* What every answer writes: its journal records, its route, the
	 * decision counters of the control segment. */
	_rg_journal_prefetch(&e->journal, e->journal.shared->head, WARM_JOURNAL_RECORDS);
	__builtin_prefetch(&e->routes.slots[(e->risk->next_seq + 1) & e->routes.mask], 1, 3);
	__builtin_prefetch(&e->inst.ctl->msgs_in, 1, 3);
	__builtin_prefetch(&e->inst.ctl->approved, 1, 3);
	__builtin_prefetch(&e->inst.ctl->reports_out, 1, 3);
	w->passes++;
}
