/*
 * Cancel/replace through the engine (engine_replace.c): what the engine does
 * around the checks for a strategy's RG_ORDER_REPLACE, and with the venue's
 * answer (RG_VEV_REPLACED, RG_VEV_REPLACE_REJECT).
 *
 * A replace carries a new client order id; the checks (engine/checks.c) put
 * the replacement beside its target in the open-order table, both reserved,
 * and mark the target replace-pending.  At the venue it is the same order:
 * the request names the target's engine sequence, with the new total
 * quantity (what the target has filled plus the new leaves) and price.  The
 * order's route keeps the target's id for the venue's events until the
 * replace is answered; REPLACED moves it to the new id and shrinks the
 * reservation to the venue's leaves, REPLACE_REJECT drops the replacement.
 * An order that ends (filled, cancelled) while its replace is on its way
 * keeps its route until the venue answers the replace, so the strategy gets
 * REPLACE_REJECTED for it.  Engine thread only; no allocation, no system call.
 */
#ifndef RG_ENGINE_REPLACE_H
#define RG_ENGINE_REPLACE_H

#include <stdbool.h>
#include <stdint.h>

#include <riskgate/msg.h>

#include "checks.h"
#include "order_routes.h"

struct rg_engine;
struct rg_venue_event;

/* Before the checks: RG_REJ_NONE, or why the replace cannot go to the
 * symbol's venue at all (REPLACE_NOT_SUPPORTED) or its target is not there
 * yet (REPLACE_NOT_SENT). */
enum rg_reject_reason rg_engine_replace_precheck(struct rg_engine *e, uint32_t strategy, const struct rg_order *o);

/* After the checks approved it (d): sends RG_VREQ_REPLACE.  RG_REJ_NONE when
 * sent; otherwise the venue path's reason, the replacement already unwound. */
enum rg_reject_reason rg_engine_forward_replace(struct rg_engine *e, uint32_t strategy, const struct rg_order *o,
						const struct rg_decision *d, uint64_t now_ns);

/*
 * The venue's answer to a replace of the order of `route` (its record is
 * journaled): updates the risk state and the route and fills the report
 * *r (kind, client_order_id, detail; the caller numbers and pushes it).
 * Returns true when the route is done with (the caller deletes it).
 */
bool rg_engine_replace_answered(struct rg_engine *e, struct rg_order_route *route, const struct rg_venue_event *ev,
				struct rg_report *r, uint64_t now_ns);

/* The client order id the journal and the report name for a replace's
 * answer: the replacement's. */
static inline uint64_t rg_engine_replace_id(const struct rg_order_route *route)
{
	return route->replacement_id != 0 ? route->replacement_id : route->client_order_id;
}

#endif /* RG_ENGINE_REPLACE_H */
