/*
 * The sim venue's scripted market (sim.market_file): a file of lines
 *
 *     SYMBOL PRICE     hold the symbol's market at PRICE (decimal, on its tick grid, within its min/max price)
 *     SYMBOL walk      let it walk randomly again
 *     # a comment
 *
 * read again whenever it changes (its size, modification time or inode:
 * write a new file and rename it over the old one).  A held symbol does not
 * walk: the sim publishes the held price every tick as the reference, fills
 * marketable orders there and resting orders the held price reaches, so
 * loss, drawdown and collar scenarios can be driven from outside (riskctl
 * set-reference changes only the engine's reference, which the sim's next
 * publication overwrites).  Lines naming no symbol of this venue, or a bad
 * price, are logged and skipped.  Cold: the sim thread looks at the file
 * once per price step (a stat), reads it (no allocation) when it changed.
 */
#ifndef RG_SIM_MARKET_H
#define RG_SIM_MARKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

#define RG_SIM_MARKET_MAX_BYTES 16384

struct rg_sim_market {
	const char *path;          /* sim.market_file; "" = none */
	struct timespec mtime;     /* what the file looked like when last read */
	off_t size;
	ino_t ino;
	bool read_once;
	uint64_t applied;          /* lines applied since start */
	char buf[RG_SIM_MARKET_MAX_BYTES + 1];
};

/*
 * Reads the market file again if it changed since the last call and applies
 * it to the venue's symbols: price_e8[id] and held[id] (1 held, 0 walking),
 * both indexed by symbol id.  Returns the lines applied (0 when unchanged or
 * absent), or -errno when the file cannot be opened safely (logged).
 */
int rg_sim_market_poll(struct rg_sim_market *m, const struct rg_config *cfg, uint16_t venue, int64_t *price_e8,
		       uint8_t *held);

#endif /* RG_SIM_MARKET_H */
