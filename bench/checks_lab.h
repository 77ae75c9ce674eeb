/*
 * The risk-check benchmarks' laboratory: a risk state with every check
 * switched on (limits set so that the benchmark's orders pass them), order
 * batches that never repeat within the duplicate window, and the timed batch
 * loops.  C, shared by checks_bench (Google Benchmark) and checks_callgrind
 * (instruction counts under valgrind).
 *
 * The state: 4 accounts, 2 strategies (orders come from strategy 0, account
 * 0), 2 venues with breakers, n_symbols symbols with reference 100, collar
 * 10 %, all size and exposure limits set, loss limits set, rates at
 * 1 000 000 per second (the clock advances 1 us per order, so every order
 * conforms but the GCRA arithmetic runs), duplicate window 1 ms.
 */
#ifndef RGB_CHECKS_LAB_H
#define RGB_CHECKS_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "risk_events.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RGB_CHECKS_STEP_NS 1000u /* the injected clock advances this much per order */

enum rgb_symbol_pattern {
	RGB_SYMBOLS_ROUND_ROBIN = 0, /* symbol i % n: every symbol's lines stay warm when n is small */
	RGB_SYMBOLS_RANDOM = 1,      /* a hashed symbol per order: defeats the prefetchers */
};

struct rgb_checks_lab {
	struct rg_config cfg;
	struct rg_symbol_cfg *symbols;
	struct rg_risk *r;
	uint32_t n_symbols;
	uint64_t now;     /* CLOCK_MONOTONIC the lab injects */
	uint64_t next_id; /* client order ids */
	uint64_t serial;  /* orders generated: keeps (symbol, price, qty) from repeating */
};

/* Builds the state; 0 or -errno (message on stderr). */
int rgb_checks_lab_open(struct rgb_checks_lab *lab, uint32_t n_symbols);
void rgb_checks_lab_close(struct rgb_checks_lab *lab);

/* Fills o[0..n) with new limit buys that pass every check: fresh ids,
 * prices 95.00..104.99 and quantities 1..10 that do not repeat within
 * 10 000 orders. */
void rgb_checks_orders(struct rgb_checks_lab *lab, struct rg_order *o, unsigned n, enum rgb_symbol_pattern p);

/* The timed loop: decides o[0..n) from strategy 0, advancing the clock by
 * RGB_CHECKS_STEP_NS per order.  Returns how many were approved. */
unsigned rgb_checks_decide(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n);

/* One check area alone (rg_risk_check_area) over o[0..n); returns how many passed. */
unsigned rgb_checks_area(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n, unsigned area);

/* Untimed cleanup: confirms the cancel of every live order in o[0..n). */
void rgb_checks_release(struct rgb_checks_lab *lab, const struct rg_order *o, unsigned n);

#ifdef __cplusplus
}
#endif

#endif /* RGB_CHECKS_LAB_H */
