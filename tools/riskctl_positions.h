/* riskctl positions: accounts and positions from the control segment's risk view. */
#ifndef RG_RISKCTL_POSITIONS_H
#define RG_RISKCTL_POSITIONS_H

#include <riskgate/segment.h>

/* Prints every account (state, PnL, exposure) and every non-flat position:
 * a table, or with json one JSON object.  Returns 0. */
int rg_riskctl_positions(const struct rg_seg_map *control, int json);

/* Writes a scaled-by-10^8 integer as an exact decimal ("-12.5", "0.00000001"). */
void rg_format_e8(char *buf, size_t len, int64_t v);

#endif /* RG_RISKCTL_POSITIONS_H */
