/*
 * A byte-for-byte copy of everything the order path of a risk state can
 * write: the state's header, symbols, positions, accounts, strategies
 * (their rates and counters), venues (breakers), every strategy's open-order
 * slab, index, handout and free stack, duplicate-guard sets and rate
 * windows, the self-match books and the venue credit.  Two snapshots are
 * compared part by part, so a test that says "nothing moved" names what
 * did.  No cmocka here: rg_risk_snapshot_diff returns the part's name.
 */
#ifndef RG_TEST_RISK_SNAPSHOT_H
#define RG_TEST_RISK_SNAPSHOT_H

#include <stdlib.h>
#include <string.h>

#include "risk_state.h"

#define RG_SNAP_PARTS_MAX (16 + 8 * RG_MAX_STRATEGIES)

struct rg_risk_snapshot {
	unsigned n;
	const char *name[RG_SNAP_PARTS_MAX];
	void *copy[RG_SNAP_PARTS_MAX];
	size_t len[RG_SNAP_PARTS_MAX];
};

static inline void _rg_snap_add(struct rg_risk_snapshot *s, const char *name, const void *p, size_t len)
{
	if (p == NULL || len == 0 || s->n == RG_SNAP_PARTS_MAX)
		return;
	s->name[s->n] = name;
	s->copy[s->n] = malloc(len);
	s->len[s->n] = len;
	if (s->copy[s->n] != NULL)
		memcpy(s->copy[s->n], p, len);
	s->n++;
}

static inline size_t _rg_snap_window_len(const struct rg_rate_window *w)
{
	return w == NULL ? 0 : sizeof(*w) + (size_t)w->count * sizeof(uint64_t);
}

static inline void rg_risk_snapshot_take(struct rg_risk_snapshot *s, const struct rg_risk *r)
{
	size_t n_pos = (size_t)r->n_symbols * r->n_accounts;

	memset(s, 0, sizeof(*s));
	_rg_snap_add(s, "risk header", r, sizeof(*r));
	_rg_snap_add(s, "symbols", r->symbols, r->n_symbols * sizeof(r->symbols[0]));
	_rg_snap_add(s, "positions", r->positions, n_pos * sizeof(r->positions[0]));
	_rg_snap_add(s, "accounts", r->accounts, r->n_accounts * sizeof(r->accounts[0]));
	_rg_snap_add(s, "strategies", r->strategies, r->n_strategies * sizeof(r->strategies[0]));
	_rg_snap_add(s, "venues", r->venues, r->n_venues * sizeof(r->venues[0]));
	for (uint32_t i = 0; i < r->n_strategies; i++) {
		const struct rg_strategy_state *st = &r->strategies[i];
		size_t cap = (size_t)st->orders.mask + 1;
		/* the block below the index: free stack, handout, then the entries */
		const uint32_t *block = (const uint32_t *)st->orders.index - (cap + 2);
		_rg_snap_add(s, "open-order slab", st->orders.slots, cap * sizeof(st->orders.slots[0]));
		_rg_snap_add(s, "open-order index, handout and free stack", block, (3 * cap + 2) * sizeof(uint32_t));
		_rg_snap_add(s, "duplicate guard", st->dup, RG_DUP_SETS * sizeof(st->dup[0]));
		_rg_snap_add(s, "order rate window", st->order_window, _rg_snap_window_len(st->order_window));
		_rg_snap_add(s, "message rate window", st->message_window, _rg_snap_window_len(st->message_window));
	}
	if (r->smp.heads != NULL) /* the books' links are in the open-order slots */
		_rg_snap_add(s, "self-match books", r->smp.heads, n_pos * 2 * sizeof(uint32_t));
	_rg_snap_add(s, "venue credit", r->credit, (size_t)r->n_accounts * r->n_venues * sizeof(struct rg_credit));
}

/* NULL when `r` is as `s` saw it, else the name of the first part that
 * changed. */
static inline const char *rg_risk_snapshot_diff(const struct rg_risk_snapshot *s, const struct rg_risk *r)
{
	struct rg_risk_snapshot now;
	const char *bad = NULL;

	rg_risk_snapshot_take(&now, r);
	if (now.n != s->n)
		bad = "the state's shape";
	for (unsigned i = 0; bad == NULL && i < s->n; i++)
		if (now.len[i] != s->len[i] || s->copy[i] == NULL || now.copy[i] == NULL ||
		    memcmp(now.copy[i], s->copy[i], s->len[i]) != 0)
			bad = s->name[i];
	for (unsigned i = 0; i < now.n; i++)
		free(now.copy[i]);
	return bad;
}

static inline void rg_risk_snapshot_free(struct rg_risk_snapshot *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->copy[i]);
	s->n = 0;
}

#endif /* RG_TEST_RISK_SNAPSHOT_H */
