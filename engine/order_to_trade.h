/*
 * Order-to-trade ratio, per strategy and per account, per trading day
 * ("order_to_trade": {"ratio", "floor", "action"}): the messages of the day
 * (new orders, replaces and cancels approved) against its fills.  A new
 * order or replace is refused ORDER_TO_TRADE (limit: the messages allowed,
 * value: the messages with it) once the messages reach
 * max(floor, ratio * fills): with action "reject" until fills raise the
 * allowance, with "reducing" unless the order reduces the position, with
 * "halted" for the rest of the day (latched; an operator's resume of the
 * strategy or the next day lifts it).  Cancels are counted, never refused.
 *
 * Cost: the allowance is recomputed on each fill (an event), so the order
 * path compares two counters, and only for a strategy whose flags byte
 * (rg_strategy_state.extra, on its line 0) says a ratio applies to it; off, one
 * load of a byte the order reads anyway and one branch.  An approved order
 * adds one to the count and nothing else: "halted" latches lazily.  Once the
 * count reaches the allowance every message is refused anyway; what the
 * latch adds is that a fill then no longer raises the allowance, so the fill
 * takes the latch (rg_otr_on_fill: the count reached the allowance with a
 * message counted since the last resume or reset) and keeps the allowance
 * where it was.  A cancel still latches at once (rg_otr_count).  Engine thread
 * only.
 */
#ifndef RG_ORDER_TO_TRADE_H
#define RG_ORDER_TO_TRADE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rg_otr_action {
	RG_OTR_REJECT = 0,
	RG_OTR_REDUCING = 1,
	RG_OTR_HALTED = 2,
};

/* rg_strategy_state.extra: which ratios apply to a strategy's orders. */
#define RG_OTR_STRATEGY 0x01u
#define RG_OTR_ACCOUNT 0x02u

struct rg_otr {
	uint32_t msgs;     /* messages today */
	uint32_t fills;    /* fills today */
	uint32_t allowed;  /* max(floor, ratio * fills), saturated */
	uint32_t floor;    /* messages always allowed */
	uint32_t ratio;    /* messages per fill; 0 = off */
	uint32_t since;    /* msgs at the last resume (0 at the day's start): "halted" latches on a later message */
	uint8_t action;    /* enum rg_otr_action */
	uint8_t latched;   /* "halted": tripped today (the allowance no longer grows); see rg_otr_latched */
	uint8_t pad[2];
};

static inline void rg_otr_init(struct rg_otr *o, uint32_t ratio, uint32_t floor, uint8_t action)
{
	o->msgs = o->fills = o->since = 0;
	o->ratio = ratio;
	o->floor = floor;
	o->action = action;
	o->latched = 0;
	o->allowed = ratio == 0 ? UINT32_MAX : floor;
}

/* Has "halted" tripped: latched, or (not yet taken by a fill) the count
 * reached the allowance with a message counted since the last resume? */
static inline bool rg_otr_latched(const struct rg_otr *o)
{
	return o->latched || (o->action == RG_OTR_HALTED && o->msgs >= o->allowed && o->msgs > o->since);
}

/* The allowance for the fills so far: max(floor, ratio * fills), saturated. */
static inline void _rg_otr_allow(struct rg_otr *o)
{
	uint64_t a = (uint64_t)o->ratio * o->fills;

	a = a < o->floor ? o->floor : a;
	o->allowed = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
}

/* A fill: the allowance grows by the ratio, unless "halted" tripped. */
static inline void rg_otr_on_fill(struct rg_otr *o)
{
	if (o->ratio == 0)
		return;
	o->latched = rg_otr_latched(o);
	o->fills++;
	if (!o->latched)
		_rg_otr_allow(o);
}

/* The operator's resume of "halted": the allowance of the fills so far. */
static inline void rg_otr_resume(struct rg_otr *o)
{
	o->latched = 0;
	o->since = o->msgs;
	if (o->ratio != 0)
		_rg_otr_allow(o);
}

/* A message was approved (new, replace or cancel). */
static inline void rg_otr_count(struct rg_otr *o)
{
	if (o->ratio == 0)
		return;
	o->msgs += o->msgs != UINT32_MAX;
	o->latched |= o->action == RG_OTR_HALTED && o->msgs >= o->allowed;
}

/* Would one more message breach it (before reducing is considered)?  A
 * latch keeps the allowance at or below the count, so one compare. */
static inline bool rg_otr_breached(const struct rg_otr *o)
{
	return o->msgs >= o->allowed;
}

/* The new day (and an operator's resume, for the latch). */
static inline void rg_otr_reset(struct rg_otr *o)
{
	rg_otr_init(o, o->ratio, o->floor, o->action);
}

#ifdef __cplusplus
}
#endif

#endif /* RG_ORDER_TO_TRADE_H */
