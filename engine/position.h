/*
 * Average-cost position accounting: what one fill does to a position's
 * quantity, average price and realized PnL.  A pure function over integers so
 * the randomised test can hold it against a 128-bit reference.
 *
 *   adding (flat, or same direction):  avg = (|q|*avg + |f|*price) / (|q|+|f|), truncated
 *   reducing (opposite direction):     realized += closed * (price - avg) * sign(q) / 10^8
 *                                      avg unchanged; 0 when flat
 *   flipping (|f| > |q|):              realizes all of q, the rest opens at `price`
 */
#ifndef RG_POSITION_H
#define RG_POSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "fixed.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Applies a fill of `fill_e8` (signed: a buy is > 0) at price_e8 (> 0) to the
 * position (*qty_e8, *avg_e8).  Sets *realized_e8 to the PnL it realized.
 * Returns false, changing nothing, when the new quantity, average or PnL would
 * not fit an int64 (the caller halts the account: it can no longer be valued).
 */
static inline bool rg_position_apply_fill(int64_t *qty_e8, int64_t *avg_e8, int64_t fill_e8, int64_t price_e8,
					  int64_t *realized_e8)
{
	int64_t q = *qty_e8, a = *avg_e8, nq;

	if (fill_e8 == 0 || fill_e8 == INT64_MIN || price_e8 <= 0 || !rg_add_i64(q, fill_e8, &nq) || nq == INT64_MIN)
		return false;
	if (q == 0 || (q > 0) == (fill_e8 > 0)) {
		unsigned __int128 aq = (unsigned __int128)(uint64_t)rg_abs_i64(q);
		unsigned __int128 af = (unsigned __int128)(uint64_t)rg_abs_i64(fill_e8);
		unsigned __int128 na = (aq * (uint64_t)a + af * (uint64_t)price_e8) / (aq + af);
		*qty_e8 = nq;
		*avg_e8 = (int64_t)na; /* between a and price: fits */
		*realized_e8 = 0;
		return true;
	}
	/* Opposite direction: close min(|q|, |f|) at price. */
	int64_t closed = rg_abs_i64(fill_e8) < rg_abs_i64(q) ? -fill_e8 : q; /* signed like q */
	int64_t pnl;
	if (!rg_pnl_e8(closed, a, price_e8, &pnl))
		return false;
	*qty_e8 = nq;
	*avg_e8 = nq == 0 ? 0 : ((nq > 0) == (q > 0) ? a : price_e8);
	*realized_e8 = pnl;
	return true;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_POSITION_H */
