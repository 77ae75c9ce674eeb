/*
 * The dashboard's data (/api/snapshot): `riskctl stats --json` (ctl_json.h)
 * plus the accounts, the kills in force, and both latency histograms as the
 * same cumulative buckets /metrics publishes, so the page can draw
 * percentiles over any window from two snapshots.  While the engine is not
 * RUNNING or DRAINING only its liveness is given.
 */
#ifndef RG_SNAPSHOT_JSON_H
#define RG_SNAPSHOT_JSON_H

#include <jansson.h>

/* A new object for `instance` (the caller owns it). */
json_t *rg_snapshot_json(const char *instance);

#endif /* RG_SNAPSHOT_JSON_H */
