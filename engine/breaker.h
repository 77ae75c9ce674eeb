/*
 * Circuit breaker of one venue.
 *
 *   CLOSED --(K consecutive failures, or M failures within the last hour)--> OPEN
 *   OPEN --(recovery_ns elapsed)--> HALF_OPEN       (computed when asked: no timer)
 *   HALF_OPEN: one probe order passes; further orders are refused until the
 *              probe's outcome is known (or it has been outstanding for
 *              recovery_ns, after which another probe may go)
 *   HALF_OPEN --success--> CLOSED         HALF_OPEN --failure--> OPEN (timer restarts)
 *
 * A failure is what the engine reports: a venue reject of an order, a lost
 * connection, a send error (rg_risk_on_venue_failure).  A success is a venue
 * ack or fill.  A success while OPEN and still inside the recovery time only
 * resets the consecutive count (a late answer to an order sent before the
 * breaker opened does not close it).  The operator can close it at any time.
 *
 * The order path only reads (rg_breaker_admits); rg_breaker_take_probe marks
 * the probe once the order is approved.  Time is CLOCK_MONOTONIC ns.
 */
#ifndef RG_BREAKER_H
#define RG_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "event_window.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_BREAKER_HOUR_NS 3600000000000ULL

enum rg_breaker_state {
	RG_BREAKER_CLOSED = 0,
	RG_BREAKER_OPEN = 1,
	RG_BREAKER_HALF_OPEN = 2, /* stored once a probe was let through; also what OPEN becomes after recovery */
};

struct rg_breaker {
	uint8_t state;                  /* enum rg_breaker_state as last stored */
	bool probe_outstanding;         /* HALF_OPEN: a probe is at the venue */
	uint32_t consecutive;           /* failures since the last success */
	uint32_t consecutive_limit;     /* K; 0 = off */
	uint64_t recovery_ns;           /* OPEN -> HALF_OPEN after this */
	uint64_t opened_ns;             /* when it last opened */
	uint64_t probe_ns;              /* when the outstanding probe went */
	uint64_t opens;                 /* times it opened (statistics) */
	struct rg_event_window hour;    /* last M failures; capacity 0 = the hourly rule is off */
};

/* The state at now_ns, with OPEN past its recovery time reported as HALF_OPEN. */
static inline enum rg_breaker_state rg_breaker_state_at(const struct rg_breaker *b, uint64_t now_ns)
{
	if (b->state == RG_BREAKER_OPEN && now_ns - b->opened_ns >= b->recovery_ns)
		return RG_BREAKER_HALF_OPEN;
	return (enum rg_breaker_state)b->state;
}

/*
 * True when an order may go to the venue at now_ns.  Sets *probe when the
 * order would be the half-open probe (the caller then calls
 * rg_breaker_take_probe on approval).
 */
static inline bool rg_breaker_admits(const struct rg_breaker *b, uint64_t now_ns, bool *probe)
{
	*probe = false;
	if (__builtin_expect(b->state == RG_BREAKER_CLOSED, 1))
		return true;
	if (rg_breaker_state_at(b, now_ns) != RG_BREAKER_HALF_OPEN)
		return false;
	if (b->probe_outstanding && now_ns - b->probe_ns < b->recovery_ns)
		return false;
	*probe = true;
	return true;
}

/* The approved order is the probe: the breaker is HALF_OPEN with it outstanding. */
static inline void rg_breaker_take_probe(struct rg_breaker *b, uint64_t now_ns)
{
	b->state = RG_BREAKER_HALF_OPEN;
	b->probe_outstanding = true;
	b->probe_ns = now_ns;
}

/* Records a failure at now_ns; returns true when it (re)opened the breaker.
 * Defined in breaker.c. */
bool rg_breaker_on_failure(struct rg_breaker *b, uint64_t now_ns);

/* Records a failure that opens the breaker whatever its counts (a venue that
 * bans this client): OPEN from now_ns, for another recovery time if it was
 * open already.  Returns true when it was not OPEN before. */
bool rg_breaker_trip(struct rg_breaker *b, uint64_t now_ns);

/* Records a success at now_ns; returns true when it closed the breaker. */
bool rg_breaker_on_success(struct rg_breaker *b, uint64_t now_ns);

/* Operator: closes the breaker and forgets every failure. */
void rg_breaker_reset(struct rg_breaker *b);

#ifdef __cplusplus
}
#endif

#endif /* RG_BREAKER_H */
