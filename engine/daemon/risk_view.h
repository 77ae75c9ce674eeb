/*
 * The risk view: the engine's accounts and positions, copied into the
 * control segment for riskctl positions (and for tests and dashboards).
 *
 * The engine thread is the only writer.  Accounts are copied on every fill
 * and once per heartbeat; a position gets an entry in the segment's table
 * the first time it is non-zero (position or live orders) and is copied on
 * each of its fills and by a round-robin sweep at each heartbeat, which also
 * carries the changes of reference prices and live orders.  Nothing is
 * copied on the order path.
 */
#ifndef RG_RISK_VIEW_H
#define RG_RISK_VIEW_H

#include <stdint.h>

#include <riskgate/abi.h>

#include "config.h"
#include "risk_state.h"

struct rg_risk_view {
	struct rg_control *ctl;
	const struct rg_risk *risk;
	uint16_t *slot_of;  /* per dense position (symbol * n_accounts + account): entry index + 1, 0 = none */
	uint64_t n_dense;   /* n_symbols * n_accounts */
	uint64_t cursor;    /* next dense position the sweep looks at */
	uint64_t real_ns;   /* CLOCK_REALTIME of the last sweep: stamps an account's state change */
	struct rg_symbol_market *market; /* the control segment's market table (ABI 4), or NULL */
	uint32_t symbol_cursor;          /* next symbol the sweep copies */
};

/* The market table to publish symbols into, each copied at once (cold). */
void rg_risk_view_set_market(struct rg_risk_view *v, struct rg_symbol_market *market);

/* Cold: allocates the slot map and writes the account names.  0 or -ENOMEM. */
int rg_risk_view_init(struct rg_risk_view *v, struct rg_control *ctl, const struct rg_risk *risk,
		      const struct rg_config *cfg);
void rg_risk_view_fini(struct rg_risk_view *v);

/* After a fill: the position and its account. */
void rg_risk_view_on_fill(struct rg_risk_view *v, uint32_t account, uint32_t symbol);

/* Once per heartbeat: every account and the next slice of positions;
 * real_ns is the wall clock now (an account whose state moved is stamped). */
void rg_risk_view_sweep(struct rg_risk_view *v, uint64_t real_ns);

#endif /* RG_RISK_VIEW_H */
