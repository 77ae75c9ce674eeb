/*
 * The risk view (risk_view.h): copies the engine's accounts and positions
 * into the control segment, each entry under its seqlock, so that riskctl
 * and tests can read positions and PnL from another process.  Called by the
 * engine thread on fills and at its heartbeat, never per order.
 */
#include "risk_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_SLICE 64u /* dense positions looked at per heartbeat */
_Static_assert(RG_CTL_POSITIONS < UINT16_MAX, "slot_of keeps entry + 1 in 16 bits, UINT16_MAX for 'never'");

/* Each field is a release store, so none can be seen before the odd seq
 * that precedes it (no standalone fence: ThreadSanitizer cannot model one).
 * On x86 these are plain moves. */
#define VIEW_STORE(field, value) __atomic_store_n(&(field), (value), __ATOMIC_RELEASE)

static void write_begin(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1u, __ATOMIC_RELAXED);
}

static void write_end(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1u, __ATOMIC_RELEASE);
}

int rg_risk_view_init(struct rg_risk_view *v, struct rg_control *ctl, const struct rg_risk *risk,
		      const struct rg_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->ctl = ctl;
	v->risk = risk;
	v->n_dense = (uint64_t)risk->n_symbols * risk->n_accounts;
	v->slot_of = calloc(v->n_dense ? v->n_dense : 1, sizeof(*v->slot_of));
	if (v->slot_of == NULL)
		return -ENOMEM;
	for (uint32_t a = 0; a < cfg->n_accounts && a < RG_CTL_ACCOUNTS; a++) {
		memcpy(ctl->accounts[a].name, cfg->accounts[a].name, RG_NAME_MAX);
		/* The states the engine starts with (recovered ones included) are no change. */
		if (a < risk->n_accounts) {
			ctl->accounts[a].state = risk->accounts[a].state;
			ctl->accounts[a].loss_state = risk->accounts[a].loss_state;
		}
	}
	ctl->n_accounts = cfg->n_accounts < RG_CTL_ACCOUNTS ? cfg->n_accounts : RG_CTL_ACCOUNTS;
	__atomic_store_n(&ctl->n_positions, 0, __ATOMIC_RELEASE);
	return 0;
}

void rg_risk_view_fini(struct rg_risk_view *v)
{
	free(v->slot_of);
	v->slot_of = NULL;
}

static void publish_account(struct rg_risk_view *v, uint32_t a)
{
	const struct rg_account_state *s = &v->risk->accounts[a];
	struct rg_account_view *d;

	if (a >= RG_CTL_ACCOUNTS)
		return;
	d = &v->ctl->accounts[a];
	write_begin(&d->seq);
	if ((d->state != s->state || d->loss_state != s->loss_state) && v->real_ns != 0)
		VIEW_STORE(d->state_since_ns, v->real_ns);
	VIEW_STORE(d->state, s->state);
	VIEW_STORE(d->loss_state, s->loss_state);
	VIEW_STORE(d->loss_reason, s->loss_reason);
	VIEW_STORE(d->orders_today, s->orders_today);
	VIEW_STORE(d->max_orders_per_day, s->max_orders_per_day);
	VIEW_STORE(d->equity_sod_e8, s->equity_sod_e8);
	VIEW_STORE(d->realized_today_e8, s->realized_today_e8);
	VIEW_STORE(d->upnl_e8, s->upnl_e8);
	VIEW_STORE(d->day_pnl_e8, s->day_pnl_e8);
	VIEW_STORE(d->peak_equity_e8, s->peak_equity_e8);
	VIEW_STORE(d->gross_position_e8, s->gross_position_e8);
	VIEW_STORE(d->open_notional_e8, s->open_notional_e8);
	write_end(&d->seq);
}

/* Copies dense position i if it has an entry, giving it one the first time
 * it is non-zero. */
static void publish_position(struct rg_risk_view *v, uint64_t i)
{
	const struct rg_position *p = &v->risk->positions[i];
	uint32_t symbol = (uint32_t)(i / v->risk->n_accounts), account = (uint32_t)(i % v->risk->n_accounts);
	struct rg_position_view *d;
	uint32_t slot = v->slot_of[i];

	if (slot == 0) {
		uint32_t used = v->ctl->n_positions;
		if (p->qty_e8 == 0 && p->open_buy_qty_e8 == 0 && p->open_sell_qty_e8 == 0)
			return;
		if (used == RG_CTL_POSITIONS || account >= RG_CTL_ACCOUNTS) {
			v->ctl->positions_unpublished++;
			v->slot_of[i] = UINT16_MAX; /* counted once; never published */
			return;
		}
		d = &v->ctl->positions[used];
		d->account = (uint16_t)account;
		d->symbol_id = symbol;
		v->slot_of[i] = (uint16_t)(used + 1u);
		slot = used + 1u;
		/* The identity is written before the count that makes it visible. */
		__atomic_store_n(&v->ctl->n_positions, used + 1u, __ATOMIC_RELEASE);
	}
	if (slot == UINT16_MAX)
		return;
	d = &v->ctl->positions[slot - 1u];
	write_begin(&d->seq);
	VIEW_STORE(d->qty_e8, p->qty_e8);
	VIEW_STORE(d->avg_price_e8, p->avg_price_e8);
	VIEW_STORE(d->open_buy_qty_e8, p->open_buy_qty_e8);
	VIEW_STORE(d->open_sell_qty_e8, p->open_sell_qty_e8);
	VIEW_STORE(d->upnl_e8, p->upnl_e8);
	VIEW_STORE(d->mark_price_e8, v->risk->symbols[symbol].ref_price_e8);
	write_end(&d->seq);
}

void rg_risk_view_on_fill(struct rg_risk_view *v, uint32_t account, uint32_t symbol)
{
	if (account >= v->risk->n_accounts || symbol >= v->risk->n_symbols)
		return;
	publish_position(v, (uint64_t)symbol * v->risk->n_accounts + account);
	publish_account(v, account);
}

/* A symbol's reference, collar and limits, for strategies to read (ABI 4). */
static void publish_symbol(struct rg_risk_view *v, uint32_t i)
{
	const struct rg_symbol_state *s = &v->risk->symbols[i];
	struct rg_symbol_market *d = &v->market[i];

	write_begin(&d->seq);
	VIEW_STORE(d->state, s->state);
	VIEW_STORE(d->kill, s->kill);
	VIEW_STORE(d->collar_bps, (uint16_t)(s->collar_bps > UINT16_MAX ? UINT16_MAX : s->collar_bps));
	VIEW_STORE(d->ref_price_e8, s->ref_price_e8);
	VIEW_STORE(d->ref_mono_ns, s->ref_ts_ns);
	VIEW_STORE(d->collar_lo_e8, s->collar_lo_e8);
	VIEW_STORE(d->collar_hi_e8, s->collar_hi_e8);
	VIEW_STORE(d->max_order_qty_e8, s->max_order_qty_e8);
	VIEW_STORE(d->min_notional_e8, s->min_notional_e8);
	VIEW_STORE(d->max_notional_e8, s->max_notional_e8);
	VIEW_STORE(d->min_price_e8, s->min_price_e8);
	VIEW_STORE(d->max_price_e8, s->max_price_e8);
	VIEW_STORE(d->max_qty_e8, s->max_qty_e8);
	VIEW_STORE(d->max_position_qty_e8, s->max_position_qty_e8);
	VIEW_STORE(d->max_position_notional_e8, s->max_position_notional_e8);
	VIEW_STORE(d->max_side_qty_e8, s->max_side_qty_e8);
	write_end(&d->seq);
}

void rg_risk_view_set_market(struct rg_risk_view *v, struct rg_symbol_market *market)
{
	v->market = market;
	for (uint32_t i = 0; market != NULL && i < v->risk->n_symbols; i++)
		publish_symbol(v, i);
}

void rg_risk_view_sweep(struct rg_risk_view *v, uint64_t real_ns)
{
	v->real_ns = real_ns;
	for (uint32_t k = 0; k < SWEEP_SLICE && v->market != NULL && v->risk->n_symbols != 0; k++) {
		publish_symbol(v, v->symbol_cursor);
		if (++v->symbol_cursor == v->risk->n_symbols)
			v->symbol_cursor = 0;
	}
	for (uint32_t a = 0; a < v->risk->n_accounts; a++)
		publish_account(v, a);
	for (uint32_t k = 0; k < SWEEP_SLICE && v->n_dense != 0; k++) {
		publish_position(v, v->cursor);
		if (++v->cursor == v->n_dense)
			v->cursor = 0;
	}
}
