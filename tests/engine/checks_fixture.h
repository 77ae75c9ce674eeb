/*
 * Fixture for the risk-check tests: a small configuration built in C (no JSON
 * loader involved), an injected clock, and helpers to send orders and venue
 * events.  Each test edits f->cfg, then calls fx_create().
 *
 * Default configuration:
 *   venue 0 "SIM"   breaker off
 *   account 0       equity 1 000 000, every symbol permitted
 *   account 1       equity 1 000 000, only symbol 0 permitted
 *   strategy 0 -> account 0, strategy 1 -> account 1; no rate limits
 *   symbol 0 AAA    tick 0.01, lot 1, qty [1, 1 000 000], price [0.01, 10 000],
 *                   reference 100, collar 10 % (90..110), market orders allowed
 *   symbol 1 BBB    same, reference 50, market orders not allowed
 *   symbol 2 CCC    disabled
 * The monotonic clock starts at T0; CLOCK_REALTIME is REAL0 + (now - T0),
 * REAL0 being 2024-01-02 12:00:00 UTC.
 */
#ifndef RG_TEST_CHECKS_FIXTURE_H
#define RG_TEST_CHECKS_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks.h"
#include "risk_events.h"
#include "risk_invariants.h"

#define E8(units) ((int64_t)(units) * 100000000LL)  /* whole units to e8 */
#define CENTS(c) ((int64_t)(c) * 1000000LL)        /* hundredths to e8 */
#define SEC_NS 1000000000ULL
#define T0 (1000ULL * SEC_NS)
#define REAL0 (1704196800ULL * SEC_NS) /* 2024-01-02T12:00:00Z */

enum { SYM_AAA = 0, SYM_BBB = 1, SYM_CCC = 2, N_SYMS = 3 };

struct fx {
	struct rg_config cfg;
	struct rg_symbol_cfg syms[N_SYMS];
	uint32_t permitted[N_SYMS];
	struct rg_risk *r;
	uint64_t now;     /* CLOCK_MONOTONIC the tests inject */
	uint64_t next_id; /* client order ids */
	struct rg_decision d;
};

static inline void fx_symbol(struct rg_symbol_cfg *s, const char *name, int64_t ref)
{
	memset(s, 0, sizeof(*s));
	strncpy(s->name, name, sizeof(s->name) - 1);
	s->venue = 0;
	s->enabled = true;
	s->market_allowed = true;
	s->tick_e8 = CENTS(1);
	s->lot_e8 = E8(1);
	s->min_qty_e8 = E8(1);
	s->max_qty_e8 = E8(1000000);
	s->min_price_e8 = CENTS(1);
	s->max_price_e8 = E8(10000);
	s->collar_bps = 1000;
	s->reference_price_e8 = ref;
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rg_config *c;
	int i;

	if (f == NULL)
		return -1;
	c = &f->cfg;
	strcpy(c->instance, "test");
	c->n_venues = 1;
	strcpy(c->venues[0].name, "SIM");
	c->n_accounts = 2;
	for (i = 0; i < 2; i++) {
		snprintf(c->accounts[i].name, sizeof(c->accounts[i].name), "acct%d", i);
		c->accounts[i].equity_e8 = E8(1000000);
		c->accounts[i].loss_state = RG_STATE_REDUCING;
	}
	c->accounts[0].all_symbols = true;
	f->permitted[0] = SYM_AAA;
	c->accounts[1].n_permitted = 1;
	c->accounts[1].permitted = f->permitted;
	c->n_strategies = 2;
	for (i = 0; i < 2; i++) {
		snprintf(c->strategies[i].name, sizeof(c->strategies[i].name), "strat%d", i);
		c->strategies[i].account = (uint16_t)i;
	}
	fx_symbol(&f->syms[SYM_AAA], "AAA", E8(100));
	fx_symbol(&f->syms[SYM_BBB], "BBB", E8(50));
	f->syms[SYM_BBB].market_allowed = false;
	fx_symbol(&f->syms[SYM_CCC], "CCC", E8(10));
	f->syms[SYM_CCC].enabled = false;
	c->symbols = f->syms;
	c->n_symbols = N_SYMS;
	f->now = T0;
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	rg_risk_destroy(f->r);
	free(f);
	return 0;
}

static inline uint64_t fx_real(const struct fx *f)
{
	return REAL0 + (f->now - T0);
}

static inline void fx_create(struct fx *f)
{
	char err[256] = "";
	int rc = rg_risk_create(&f->r, &f->cfg, f->now, fx_real(f), err, sizeof(err));

	if (rc != 0)
		fail_msg("rg_risk_create: %d %s", rc, err);
}

static inline struct rg_order fx_order(struct fx *f, uint32_t sym, uint8_t side, int64_t qty, int64_t price)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = ++f->next_id;
	o.kind = RG_ORDER_NEW;
	o.side = side;
	o.type = price != 0 ? RG_TYPE_LIMIT : RG_TYPE_MARKET;
	o.tif = RG_TIF_DAY;
	o.qty_e8 = qty;
	o.price_e8 = price;
	o.symbol_id = sym;
	return o;
}

static inline struct rg_order fx_cancel_of(struct fx *f, uint64_t target)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = ++f->next_id;
	o.orig_client_order_id = target;
	o.kind = RG_ORDER_CANCEL;
	return o;
}

static inline enum rg_reject_reason fx_decide(struct fx *f, uint32_t strategy, const struct rg_order *o)
{
	return rg_risk_check_order(f->r, strategy, o, f->now, &f->d);
}

/* Sends a new order; returns the reason, *id (may be NULL) gets its client order id. */
static inline enum rg_reject_reason fx_send(struct fx *f, uint32_t strategy, uint32_t sym, uint8_t side,
					    int64_t qty, int64_t price, uint64_t *id)
{
	struct rg_order o = fx_order(f, sym, side, qty, price);

	if (id != NULL)
		*id = o.client_order_id;
	return fx_decide(f, strategy, &o);
}

/* Sends a cancel for `target`. */
static inline enum rg_reject_reason fx_cancel(struct fx *f, uint32_t strategy, uint64_t target)
{
	struct rg_order o = fx_cancel_of(f, target);

	return fx_decide(f, strategy, &o);
}

/* The live order `id` of `strategy`, or NULL. */
static inline struct rg_open_order *fx_live(struct fx *f, uint32_t strategy, uint64_t id)
{
	return rg_open_orders_find(&f->r->strategies[strategy].orders, id, NULL);
}

/* Fills `qty` of live order `id` at `price`; leaves = its leaves - qty. */
static inline void fx_fill(struct fx *f, uint32_t strategy, uint64_t id, int64_t qty, int64_t price)
{
	struct rg_open_order *e = fx_live(f, strategy, id);
	int64_t leaves;

	assert_non_null(e);
	leaves = e->leaves_qty_e8 > qty ? e->leaves_qty_e8 - qty : 0;
	assert_true(rg_risk_on_fill(f->r, strategy, id, qty, price, leaves, f->now));
}

/* Opens a position: an order for `qty` at `price`, approved and filled in full. */
static inline void fx_position(struct fx *f, uint32_t strategy, uint32_t sym, uint8_t side, int64_t qty,
			       int64_t price)
{
	uint64_t id;
	enum rg_reject_reason why = fx_send(f, strategy, sym, side, qty, price, &id);

	if (why != RG_REJ_NONE)
		fail_msg("fx_position: order refused: %s", rg_reject_str(why));
	fx_fill(f, strategy, id, qty, price);
}

/* A xorshift64 stream for the randomized tests (seed s != 0). */
struct fx_rng {
	uint64_t s;
};

static inline uint64_t fx_rnd(struct fx_rng *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return g->s;
}

#define assert_reason(got, want) assert_string_equal(rg_reject_str(got), rg_reject_str(want))

#define assert_invariants(f)                                                  \
	do {                                                                  \
		const char *why_ = rg_risk_invariant_violation((f)->r);      \
		if (why_ != NULL)                                             \
			fail_msg("invariant: %s", why_);                      \
	} while (0)

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

#endif /* RG_TEST_CHECKS_FIXTURE_H */
