/*
 * The operations view: per-strategy and per-venue counters and states, the
 * instance's trading state and kills, and the audit journal's progress,
 * copied into the control segment (struct rg_ops_view, rg_strategy_view,
 * rg_venue_view in <riskgate/abi.h>) for riskctl stats and riskgate-exporter.
 *
 * The order path counts into the engine's private struct rg_session; this
 * module copies those counts and reads the risk state once per heartbeat
 * (1 ms), on the engine thread, with relaxed stores.  So the lines a monitor
 * reads are never the lines an order writes, and a monitor reading them
 * costs the order path nothing.  A state that moved since the last copy is
 * stamped with the wall clock: "HALTED since 12:03:07".
 */
#ifndef RG_OPS_VIEW_H
#define RG_OPS_VIEW_H

#include <stdint.h>

#include <riskgate/abi.h>

#include "config.h"

struct rg_engine;

/* What the copy remembers to tell a change from the last copy. */
struct rg_ops_view_state {
	uint8_t strategy_seen[RG_CTL_STRATEGIES]; /* state | kill << 2 | dead-man << 3 at the last copy */
	uint8_t venue_breaker[RG_CTL_VENUES];
	uint8_t venue_session[RG_CTL_VENUES];     /* enum rg_venue_session, from the adapters' events */
	uint8_t instance_state;
	uint8_t instance_kill;
	uint64_t fsyncs;                          /* the journal writer's count at the last copy */
};

/* Cold, at open: names, config flags and the starting states (no change
 * stamps for them). */
void rg_ops_view_init(struct rg_engine *e);

/* Engine thread, at its heartbeat: copies every counter and state. */
void rg_ops_view_publish(struct rg_engine *e, uint64_t now_ns);

/* Engine thread, on a venue's CONNECTED (up) or DISCONNECTED event. */
void rg_ops_view_venue_session(struct rg_engine *e, uint16_t venue, int up);

#endif /* RG_OPS_VIEW_H */
