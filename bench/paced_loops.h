/*
 * The paced benchmark's loops (e2e_bench's second part), in C: the real
 * engine with a live sim venue and a populated day, a strategy sending at a
 * fixed rate, and the daemon's own histograms read at the end, as an
 * operator reads them with `riskctl stats`.  A hot loop (the checks alone,
 * back to back, as checks_bench times them) in the same run gives the
 * ratio that says how much of a check's cost under paced flow is the cache.
 */
#ifndef RGB_PACED_LOOPS_H
#define RGB_PACED_LOOPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_paced;

/* An engine on its own instance (hot thread pinned to engine_cpu) with a
 * live sim venue, and the strategy's session.  NULL (message on stderr) on
 * failure. */
struct rgb_paced *rgb_paced_create(int engine_cpu);
void rgb_paced_destroy(struct rgb_paced *p);

/* Populates the day: `resting` DAY buys priced below the market, which rest
 * on the venue's book (waits until the venue acked each), then `decided`
 * IOC orders decided in bursts (their fills and cancels drained).  0, or -1
 * with a message on stderr. */
int rgb_paced_populate(struct rgb_paced *p, uint32_t resting, uint32_t decided);

struct rgb_paced_result {
	double check_p50_ns, check_p99_ns;       /* the daemon's check_ns over the phase */
	double decision_p50_ns, decision_p99_ns; /* the daemon's decision_ns: submit stamp to decision */
	double strategy_p50_ns;                  /* the strategy's own submit-to-report, TSC */
	uint64_t orders, not_accepted;                /* not accepted: for another reason than... */
	uint64_t venue_full;                          /* VENUE_QUEUE_FULL: the sim venue's request ring was full */
};

/* n IOC orders at `rate` per second, each sent at its time (the strategy
 * yields its core between orders), reports drained throughout.  0, or -1
 * when decisions went missing. */
int rgb_paced_run(struct rgb_paced *p, uint64_t rate, uint32_t n, struct rgb_paced_result *out);

/* Sets the engine's path warmer (engine.warm_interval_us; 0 = off) between
 * phases: the engine thread is stopped, set and started again. */
void rgb_paced_set_warm(struct rgb_paced *p, uint32_t interval_us);
/* The interval its config gives it (the default). */
uint32_t rgb_paced_config_warm(const struct rgb_paced *p);

/* The checks' hot loop on its own risk state (bench/checks_lab.h, 100
 * symbols): median over `rounds` batches of 64 orders decided back to back
 * of the time per order, in ns; 0 on failure. */
double rgb_paced_hot_check_ns(unsigned rounds);

#ifdef __cplusplus
}
#endif

#endif /* RGB_PACED_LOOPS_H */
