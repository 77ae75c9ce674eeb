/*
 * Circuit breaker transitions on venue outcomes (the state machine is drawn
 * in breaker.h).  These run on the event path, when the engine hears from a
 * venue adapter, never on the order path, which only reads the breaker.
 */
#include "breaker.h"

static void _rg_breaker_open(struct rg_breaker *b, uint64_t now_ns)
{
	b->state = RG_BREAKER_OPEN;
	b->opened_ns = now_ns;
	b->probe_outstanding = false;
	b->opens++;
}

bool rg_breaker_on_failure(struct rg_breaker *b, uint64_t now_ns)
{
	bool hourly = rg_event_window_record(&b->hour, now_ns, RG_BREAKER_HOUR_NS);
	enum rg_breaker_state s = rg_breaker_state_at(b, now_ns);

	if (b->consecutive < UINT32_MAX)
		b->consecutive++;
	switch (s) {
	case RG_BREAKER_HALF_OPEN:
		/* The probe (or anything else) failed: back to OPEN for another recovery period. */
		_rg_breaker_open(b, now_ns);
		return true;
	case RG_BREAKER_OPEN:
		return false; /* already open; the recovery timer keeps running */
	case RG_BREAKER_CLOSED:
	default:
		if ((b->consecutive_limit != 0 && b->consecutive >= b->consecutive_limit) || hourly) {
			_rg_breaker_open(b, now_ns);
			return true;
		}
		return false;
	}
}

bool rg_breaker_trip(struct rg_breaker *b, uint64_t now_ns)
{
	bool was_open = rg_breaker_state_at(b, now_ns) == RG_BREAKER_OPEN;

	rg_event_window_record(&b->hour, now_ns, RG_BREAKER_HOUR_NS);
	if (b->consecutive < UINT32_MAX)
		b->consecutive++;
	_rg_breaker_open(b, now_ns); /* restarts the recovery time even when already open */
	return !was_open;
}

bool rg_breaker_on_success(struct rg_breaker *b, uint64_t now_ns)
{
	b->consecutive = 0;
	if (rg_breaker_state_at(b, now_ns) == RG_BREAKER_HALF_OPEN) {
		b->state = RG_BREAKER_CLOSED;
		b->probe_outstanding = false;
		return true;
	}
	return false;
}

void rg_breaker_reset(struct rg_breaker *b)
{
	b->state = RG_BREAKER_CLOSED;
	b->probe_outstanding = false;
	b->consecutive = 0;
	rg_event_window_clear(&b->hour);
}
