/*
 * An instance as JSON: what `riskctl stats --json` prints and what the
 * exporter's dashboard (/api/snapshot) is drawn from, built by the same
 * code so the two always agree.  Counters are integers; money is an exact
 * decimal string; times are RFC 3339 UTC ("-" when unchanged since the
 * engine started); ages are microseconds, null when there is none.
 */
#ifndef RG_CTL_JSON_H
#define RG_CTL_JSON_H

#include <jansson.h>

#include "ctl_reader.h"

/* Age of a strategy's heartbeat at engine clock `now`, UINT64_MAX when it
 * never stamped one. */
uint64_t rg_ctl_strategy_heartbeat_age(const struct rg_strategy_view *v, uint64_t now);

/* {"count", "sum", "p50", "p90", "p99", "p999", "max"} in ns of a copied histogram. */
json_t *rg_ctl_latency_json(const struct rg_histogram *h);

/* Arrays of the operations view: strategies, venues (with their counters);
 * the journal object; accounts with gross and net notional. */
json_t *rg_ctl_strategies_json(const struct rg_ctl_reader *r);
json_t *rg_ctl_venues_json(const struct rg_ctl_reader *r);
json_t *rg_ctl_journal_json(const struct rg_ops_view *o);
/* Records in the files after the newest checkpoint's anchor (all of them
 * before the first): what a restart replays; it grows while the checkpoint
 * thread lags behind a flood. */
uint64_t rg_ctl_checkpoint_records_after(const struct rg_ops_view *o);
/* The risk-state checkpoints as the engine last published them (state OFF, RUNNING or STOPPED). */
json_t *rg_ctl_checkpoints_json(const struct rg_ops_view *o);
const char *rg_ctl_checkpoint_state_str(uint8_t state);
json_t *rg_ctl_accounts_json(const struct rg_ctl_reader *r);

/* The whole `riskctl stats --json` object, the engine's liveness included.
 * The caller owns it. */
json_t *rg_ctl_stats_json(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live);

#endif /* RG_CTL_JSON_H */
