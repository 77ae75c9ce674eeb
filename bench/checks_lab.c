/*
 * The risk-check benchmarks' laboratory (see checks_lab.h).  The loops are C
 * and out of line so that what the benchmark times is the engine's call
 * exactly as the engine thread makes it.
 */
#include "checks_lab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E8(x) ((int64_t)(x) * 100000000LL)

/* RGB_NEW_CHECKS=0: issue 16's checks off (self-match, order-to-trade, venue
 * credit, trading hours; the strategy rates stay windows unless
 * RGB_RATE_KIND=bucket), to compare. */
static bool lab_new_checks_off(void)
{
	return getenv("RGB_NEW_CHECKS") != NULL && atoi(getenv("RGB_NEW_CHECKS")) == 0;
}

int rgb_checks_lab_open(struct rgb_checks_lab *lab, uint32_t n_symbols)
{
	struct rg_config *c = &lab->cfg;
	char err[256];
	uint32_t i;
	int rc;

	memset(lab, 0, sizeof(*lab));
	lab->n_symbols = n_symbols;
	lab->symbols = calloc(n_symbols, sizeof(*lab->symbols));
	if (lab->symbols == NULL)
		return -ENOMEM;
	strcpy(c->instance, "bench");
	c->reference_max_age_ns = 3600ull * 1000000000ull;
	c->global_gross_limit_e8 = E8(10000000000LL);
	c->n_venues = 2;
	for (i = 0; i < 2; i++) {
		c->venues[i].breaker_consecutive = 3;
		c->venues[i].breaker_per_hour = 10;
		c->venues[i].breaker_recovery_ns = 1000000000;
	}
	c->n_accounts = 4;
	for (i = 0; i < 4; i++) {
		struct rg_account_cfg *a = &c->accounts[i];
		a->equity_e8 = E8(1000000000);
		a->min_notional_e8 = E8(1);
		a->max_notional_e8 = E8(10000000);
		a->max_position_equity_bps = 5000;
		a->max_gross_equity_bps = 50000;
		a->daily_loss_limit_e8 = E8(1000000);
		a->daily_loss_bps = 100;
		a->drawdown_bps = 200;
		a->loss_state = RG_STATE_REDUCING;
		a->max_orders_per_day = 4000000000u;
		a->all_symbols = true;
		/* every order is checked and rests in its book; RGB_SMP=0: self-match off */
		a->self_match = lab_new_checks_off() || (getenv("RGB_SMP") && atoi(getenv("RGB_SMP")) == 0)
					? RG_SMP_OFF
					: RG_SMP_REJECT_NEW;
		if (!lab_new_checks_off()) {
			/* an order-to-trade ratio and a venue credit cap that never trip */
			a->otr = (struct rg_otr_cfg){.ratio = 1000, .floor = 4000000000u, .action = RG_OTR_REJECT};
			a->venue_credit_e8[0] = a->venue_credit_e8[1] = E8(10000000000LL);
		}
	}
	c->n_strategies = 2;
	for (i = 0; i < 2; i++) {
		struct rg_strategy_cfg *s = &c->strategies[i];
		s->account = (uint16_t)i;
		/* sliding windows (the default kind) of a million orders, twice the
		 * lab's pace (one per RGB_CHECKS_STEP_NS): checked and kept, never full */
		s->order_rate.count = 1000000;
		s->order_rate.window_ns = 500000000;
		s->message_rate.count = 1000000;
		s->message_rate.window_ns = 500000000;
		/* RGB_RATE_KIND=bucket: the strategy rates as token buckets instead */
		if (getenv("RGB_RATE_KIND") && strcmp(getenv("RGB_RATE_KIND"), "bucket") == 0)
			s->order_rate.kind = s->message_rate.kind = RG_RATE_BUCKET;
		if (!lab_new_checks_off())
			s->otr = (struct rg_otr_cfg){.ratio = 1000, .floor = 4000000000u, .action = RG_OTR_REJECT};
		s->exec_throttle_fills = 1000;
		s->exec_throttle_window_ns = 1000000000;
		s->duplicate_window_ns = 1000000;
		s->max_open_orders = getenv("RGB_MAX_OPEN") ? (uint32_t)atoi(getenv("RGB_MAX_OPEN")) : 4096;
	}
	for (i = 0; i < n_symbols; i++) {
		struct rg_symbol_cfg *s = &lab->symbols[i];
		snprintf(s->name, sizeof(s->name), "S%u", i);
		s->venue = (uint16_t)(i % 2);
		s->enabled = true;
		s->market_allowed = true;
		s->tick_e8 = 1000000;
		s->lot_e8 = E8(1);
		s->min_qty_e8 = E8(1);
		s->max_qty_e8 = E8(1000000);
		s->min_price_e8 = 1000000;
		s->max_price_e8 = E8(100000);
		s->max_order_qty_e8 = E8(100000);
		s->min_notional_e8 = E8(1);
		s->max_notional_e8 = E8(1000000);
		s->collar_bps = 1000;
		s->max_position_qty_e8 = E8(100000000);
		s->max_position_notional_e8 = E8(10000000000LL);
		s->reference_price_e8 = E8(100);
	}
	c->symbols = lab->symbols;
	c->n_symbols = n_symbols;
	if (!lab_new_checks_off()) {
		/* trading hours: a schedule open all week on both venues */
		c->n_hours = 1;
		strcpy(c->hours[0].name, "ALWAYS");
		strcpy(c->hours[0].time_zone, "UTC");
		c->hours[0].days = 0x7f;
		c->hours[0].n_sessions = 1;
		c->hours[0].close_min[0] = 24 * 60;
		c->venues[0].hours = c->venues[1].hours = 1;
	}
	lab->now = 1000000000000ull;
	/* 2024-01-02 00:00:01 UTC: the next day boundary is a day away. */
	rc = rg_risk_create(&lab->r, c, lab->now, 1704153601ull * 1000000000ull, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "checks lab: %s\n", err);
		free(lab->symbols);
		lab->symbols = NULL;
	}
	return rc;
}

void rgb_checks_lab_close(struct rgb_checks_lab *lab)
{
	rg_risk_destroy(lab->r);
	free(lab->symbols);
	lab->r = NULL;
	lab->symbols = NULL;
}

void rgb_checks_orders(struct rgb_checks_lab *lab, struct rg_order *o, unsigned n, enum rgb_symbol_pattern p)
{
	unsigned k;

	for (k = 0; k < n; k++) {
		uint64_t i = lab->serial++;
		memset(&o[k], 0, sizeof(o[k]));
		o[k].client_order_id = ++lab->next_id;
		o[k].kind = RG_ORDER_NEW;
		o[k].side = RG_SIDE_BUY;
		o[k].type = RG_TYPE_LIMIT;
		o[k].tif = RG_TIF_DAY;
		o[k].qty_e8 = E8(1 + (i / 1000) % 10);
		o[k].price_e8 = E8(95) + (int64_t)(i % 1000) * 1000000;
		o[k].symbol_id = p == RGB_SYMBOLS_RANDOM ? (uint32_t)(((i * 0x9E3779B97F4A7C15ull) >> 32) % lab->n_symbols)
							 : (uint32_t)(i % lab->n_symbols);
	}
}

unsigned rgb_checks_decide(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n)
{
	struct rg_decision d;
	uint64_t now = lab->now;
	unsigned k, ok = 0;

	for (k = 0; k < n; k++) {
		ok += rg_risk_check_order(lab->r, 0, &o[k], now, &d) == RG_REJ_NONE;
		now += RGB_CHECKS_STEP_NS;
	}
	lab->now = now;
	return ok;
}

unsigned rgb_checks_area(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n, unsigned area)
{
	struct rg_decision d;
	uint64_t now = lab->now;
	unsigned k, ok = 0;

	for (k = 0; k < n; k++) {
		ok += rg_risk_check_area(lab->r, 0, &o[k], now, area, &d) == RG_REJ_NONE;
		now += RGB_CHECKS_STEP_NS;
	}
	lab->now = now;
	return ok;
}

void rgb_checks_release(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n)
{
	unsigned k;

	for (k = 0; k < n; k++)
		rg_risk_on_cancelled(lab->r, 0, o[k].client_order_id, lab->now);
}
