/*
 * The path warmer: keeps the order path in cache while the engine is idle.
 *
 * Under paced flow (one order every 50 us) the next order's check used to
 * cost ~4 times the checks' hot loop: between two orders whatever else
 * shares the core's caches pushes out the lines it reads (its open-order
 * index line, the symbol, the position, the account, the rates, the
 * duplicate-guard set) and the code that reads them, and the order pays
 * their misses one after another (docs/design.md, "Keeping the order path
 * warm").  So every `engine.warm_interval_us` of idleness the engine runs a
 * warm pass: for each strategy (up to four a pass, round robin), the check
 * pipeline, read only
 * (rg_risk_check_order_dry), on a canned order (a recent new order of the
 * strategy under the id after its last one), and prefetches of the lines
 * the next order's answer will write (its rate windows' slots, its report
 * slot, its journal records, its route slot).  A warm pass writes nothing
 * but the warmer's own fields: no position, open order, rate window,
 * counter or journal sequence moves.
 * It looks at every order ring before it starts and between strategies, and
 * stops when an order (or a venue event) waits, so an order is delayed by
 * at most one strategy's part of one pass (about a check).  Engine thread
 * only.
 */
#ifndef RG_PATH_WARMER_H
#define RG_PATH_WARMER_H

#include <stdint.h>

#include <riskgate/msg.h>

#include "config.h"

struct rg_engine;

struct rg_path_warmer {
	uint64_t interval_ns;  /* engine.warm_interval_us; 0 = off */
	uint64_t next_ns;      /* the next warm pass is due at this CLOCK_MONOTONIC time (UINT64_MAX: off) */
	uint64_t passes;       /* warm passes run to the end (the warmer's own statistics) */
	uint64_t cut_short;    /* warm passes that stopped for an order */
	uint32_t cursor;       /* the session the next pass starts from (a few strategies a pass, round robin) */
	uint64_t last_id[RG_MAX_STRATEGIES];       /* each strategy's last client order id seen */
	struct rg_order canned[RG_MAX_STRATEGIES]; /* a recent new order of each (id 0: none yet) */
};

/* From the config (engine.warm_interval_us).  Cold. */
void rg_path_warmer_init(struct rg_path_warmer *w, const struct rg_config *cfg, uint64_t now_ns);

/* Another interval (0 = off), from now on: benchmarks and tests, between
 * passes on the engine thread (or with it stopped). */
void rg_path_warmer_set_interval(struct rg_path_warmer *w, uint64_t interval_ns, uint64_t now_ns);

/* The engine took order message `o` (the last of a burst) from session
 * `strategy` (< RG_MAX_STRATEGIES: a session's index): the next warm pass
 * uses the id after it.  Every burst: one store. */
static inline void rg_path_warmer_note_id(struct rg_path_warmer *w, uint16_t strategy, const struct rg_order *o)
{
	w->last_id[strategy] = o->client_order_id;
}

/* And, now and then (a burst the timing sample came round in), the order
 * itself: a new order is what warm passes check one like (symbol, side,
 * price, quantity; a market order is not run). */
static inline void rg_path_warmer_note(struct rg_path_warmer *w, uint16_t strategy, const struct rg_order *o)
{
	if (o->kind == RG_ORDER_NEW)
		w->canned[strategy] = *o;
}

/* One warm pass over every strategy (out of line: the caller saw it due). */
void rg_path_warm(struct rg_engine *e, uint64_t now_ns);

/* After a pass of rg_engine_poll that found nothing to do. */
static inline void rg_path_warmer_idle(struct rg_engine *e, struct rg_path_warmer *w, uint64_t now_ns)
{
	if (__builtin_expect(now_ns >= w->next_ns, 0)) /* never when off: next_ns is UINT64_MAX */
		rg_path_warm(e, now_ns);
}

#endif /* RG_PATH_WARMER_H */
