/*
 * Credit per venue: a cap on the open plus filled notional of an account at
 * a venue for the trading day (accounts[].venue_credit: {"VENUE": money}).
 * A new order (or a replace's growth) that would take the account's open
 * notional at the venue plus what it has filled there today over the cap is
 * refused VENUE_CREDIT (limit: the cap, value: the notional with the order).
 *
 * The counters live in one line per (account, venue), which exist only
 * when some account has a cap; then every account's lines are kept, so that
 * a cap a reload gives an account that had none counts the orders it
 * already has open.  The check and the commit run for a strategy whose
 * flags byte says so (RG_CREDIT in rg_strategy_state.extra, on the line the
 * order reads anyway: every strategy while the lines exist); the open part
 * moves with the reservation (commit, release), the filled part with fills
 * and is cleared at the day roll.  Crash recovery rebuilds both: open
 * orders are reinserted and the day's fills replayed.  Engine thread only.
 */
#ifndef RG_VENUE_CREDIT_H
#define RG_VENUE_CREDIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_CREDIT 0x04u /* rg_strategy_state.extra: the venue credit lines exist (some account has a cap) */

struct rg_credit {
	int64_t open_e8;   /* reserved notional of the account's live orders at the venue */
	int64_t filled_e8; /* notional filled there today */
	int64_t limit_e8;  /* INT64_MAX = no cap */
	int64_t pad;
};

#ifdef __cplusplus
}
#endif

#endif /* RG_VENUE_CREDIT_H */
