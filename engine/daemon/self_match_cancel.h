/*
 * Self-match prevention's cancels (accounts[].self_match "cancel_resting" or
 * "cancel_both"): the engine's half of a decision marked smp_cancel.
 */
#ifndef RG_SELF_MATCH_CANCEL_H
#define RG_SELF_MATCH_CANCEL_H

#include <stdint.h>

#include <riskgate/msg.h>

struct rg_engine;

/*
 * Sends a venue cancel for every resting order of the order's self-match
 * group on its symbol that the order (of strategy `strategy`) would cross,
 * oldest journal first, before the order itself is forwarded, so that the
 * venue, which takes one session's requests in order, has them cancelled by
 * the time the new order arrives.  Orders already cancel-pending are left
 * alone; a held order (on_throttle queue) leaves the queue CANCELLED.  Counts
 * each cancel sent in self_match_cancels.  Returns the cancels sent.
 */
unsigned rg_engine_smp_cancel(struct rg_engine *e, uint32_t strategy, const struct rg_order *o, uint64_t now_ns);

#endif /* RG_SELF_MATCH_CANCEL_H */
