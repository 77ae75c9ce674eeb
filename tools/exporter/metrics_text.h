/*
 * The exporter's /metrics: an instance's control segment (and kill segment)
 * as Prometheus text exposition 0.0.4 or OpenMetrics 1.0 text.  Every
 * series is described in docs/operations.md ("Monitoring").
 *
 * A dead engine shows as such: riskgate_up 0 and riskgate_engine_health
 * with its state, and none of the engine's counters, so a graph gaps and an
 * alert fires instead of a flat line of stale numbers.  Counters are shown
 * while the engine is RUNNING or DRAINING.
 */
#ifndef RG_METRICS_TEXT_H
#define RG_METRICS_TEXT_H

#include <stdbool.h>

#include "strbuf.h"

/* Content types of the two formats. */
#define RG_METRICS_CT_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"
#define RG_METRICS_CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Appends the exposition of `instance` to b (OpenMetrics when openmetrics,
 * ending "# EOF"; else Prometheus text).  Cold: attaches and reads the
 * segments once per call. */
void rg_metrics_write(struct rg_strbuf *b, const char *instance, bool openmetrics);

#endif /* RG_METRICS_TEXT_H */
