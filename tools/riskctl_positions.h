/* riskctl positions: accounts and positions from the control segment's risk view. */
#ifndef RG_RISKCTL_POSITIONS_H
#define RG_RISKCTL_POSITIONS_H

#include <stdint.h>

#include "ctl_reader.h"

/* Prints every account (state, PnL, gross and net exposure) and every
 * non-flat position: a table, or with json one JSON object that includes the
 * engine's liveness.  Returns 0. */
int rg_riskctl_positions(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live, int json);

#endif /* RG_RISKCTL_POSITIONS_H */
