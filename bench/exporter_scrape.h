/*
 * A riskgate-exporter process on a benchmark's engine instance and a
 * scraper that GETs its /metrics every 100 ms while switched on: what a
 * Prometheus scraping the exporter costs the engine, for e2e_bench.  The
 * exporter and the scraper thread run on the strategy's core (cpu), never
 * the engine's, as the exporter's systemd unit places it.
 */
#ifndef RGB_EXPORTER_SCRAPE_H
#define RGB_EXPORTER_SCRAPE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_scrape;

/* Starts `exporter` (the program's path) on `instance`, pinned to cpu, and
 * the scraper thread (off).  NULL, with a message on stderr, on failure. */
struct rgb_scrape *rgb_scrape_start(const char *exporter, const char *instance, int cpu, unsigned interval_ms);

/* Switches scraping on or off (it starts off). */
void rgb_scrape_set(struct rgb_scrape *s, bool on);

/* Scrapes answered 200 with a body so far, and scrapes that failed. */
uint64_t rgb_scrape_done(const struct rgb_scrape *s);
uint64_t rgb_scrape_failed(const struct rgb_scrape *s);

/* Stops the scraper and the exporter. */
void rgb_scrape_stop(struct rgb_scrape *s);

#ifdef __cplusplus
}
#endif

#endif /* RGB_EXPORTER_SCRAPE_H */
