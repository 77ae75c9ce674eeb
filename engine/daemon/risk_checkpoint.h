/*
 * Risk-state checkpoints, the engine's side (the file is checkpoint_file.h):
 * the body is everything a replay of the day's journal builds
 * (engine_recovery.h lists it record by record), as the state holds it:
 *
 *   risk state     instance state, trading day, global gross; each symbol's
 *                  operator state; every position (quantity, average price,
 *                  open buy and sell quantities, marks, self-match bests);
 *                  every account (PnL, peaks, loss latch, orders today,
 *                  order-to-trade count, reserved notional, faults, limits
 *                  derived from its equity); each strategy's operator state,
 *                  throttle latch and trips, order-to-trade count, open
 *                  orders (reservations, flags, replaces) and fill window;
 *                  each venue's breaker (state, counts, times, hour window);
 *                  venue credit; the self-match books
 *   engine         the order routes (venue, replaces on their way, filled)
 *   recovery       records seen, highest engine sequence, last record's
 *                  type, counts, the kills in force, each session's last
 *                  report number
 *
 * Rate limiters and the duplicate guard are not rebuilt by a replay (they
 * start full, engine_recovery.h) and are not in a checkpoint either.
 *
 * One walk over these fields writes a body, checks one and loads one, so
 * the three cannot disagree.  Loading one and replaying the records after
 * its anchor gives the state a replay of the whole file gives, when the
 * config file (SHA-256), the build's layout (the shape and size) and the
 * boot (event times are CLOCK_MONOTONIC) are the same; otherwise the
 * checkpoint is refused and an older one or the full replay is used.
 *
 * Cold path only.
 */
#ifndef RG_RISK_CHECKPOINT_H
#define RG_RISK_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint_file.h"
#include "journal.h"

struct rg_engine;

/* Bytes of e's body as its state stands. */
size_t rg_risk_ckpt_size(struct rg_engine *e);

/* Writes e's body into buf (len = rg_risk_ckpt_size bytes); false with the
 * reason in err when the state is not consistent (a table's count). */
bool rg_risk_ckpt_save(struct rg_engine *e, void *buf, size_t len, char *err, size_t errlen);

/* Checks that body (len bytes) is a body for e's shape; false with the
 * reason in err.  Nothing is changed. */
bool rg_risk_ckpt_check(struct rg_engine *e, const void *body, size_t len, char *err, size_t errlen);

/* Loads a checked body into e, replacing what a replay builds. */
void rg_risk_ckpt_load(struct rg_engine *e, const void *body, size_t len);

/*
 * Fills what a checkpoint's header says about the state and its anchor:
 * instance, shape, config SHA-256 (e->recovery's), boot id, and from the
 * reader (at a block boundary) the day file and the anchor.
 */
void rg_risk_ckpt_header(struct rg_engine *e, const struct rg_jreader *r, int64_t day,
			 struct rg_ckpt_header *hdr);

/*
 * rg_journal_resume_fn, arg the struct rg_engine: when e->recovery has
 * checkpoints on, loads the newest checkpoint of the day file that verifies
 * (own file, digest, same instance, config, boot and shape, anchor a block
 * of this file with that chain hash) and positions the reader after its
 * anchor; each one refused is logged with why, and so is the full replay
 * when none is left.  Returns 0.
 */
int rg_risk_ckpt_resume(struct rg_jreader *r, int dirfd, int64_t day, void *arg);

/* The journal's CHECKPOINT body for a checkpoint's header. */
void rg_risk_ckpt_journal_body(const struct rg_ckpt_header *hdr, struct rg_jbody_checkpoint *out);

/*
 * A shadow engine for replaying on another thread or in a tool: only what
 * rg_engine_replay touches (config, risk state, order routes, recovery
 * record with checkpoints off and quiet), event times never clamped (as a
 * restart on this boot sees them) and no day roll inside the file (as a
 * restart's replay).  0 and *out, or -errno with err.
 */
int rg_risk_ckpt_shadow_new(struct rg_engine **out, const struct rg_config *cfg, const uint8_t config_sha256[32],
			    char *err, size_t errlen);
void rg_risk_ckpt_shadow_free(struct rg_engine *e);

/*
 * riskgate --verify-checkpoints: replays the journal directory's latest day
 * file from its start in a shadow state and, at each checkpoint's anchor,
 * compares the state with the checkpoint byte for byte.  A line per
 * checkpoint on stdout.  Returns 0 when each is reproduced (or there is
 * none), 1 when one is not or cannot be read, with the reasons.
 */
int rg_risk_ckpt_verify_replay(const struct rg_config *cfg, const char *config_path);

#endif /* RG_RISK_CHECKPOINT_H */
