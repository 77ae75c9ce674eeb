/*
 * The engine runtime: one hot thread that busy-polls every strategy's order
 * ring, decides each message against the risk state, answers on the
 * strategy's report ring, forwards approved orders to venue adapters, and
 * feeds the adapters' events back into the risk state and the owning
 * strategy's reports.
 */
#ifndef RG_ENGINE_H
#define RG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct rg_engine;

/*
 * Creates the instance (shared memory, risk state, audit journal and its
 * recovery, adapters and their threads) from a validated config that must
 * outlive the engine.  config_path is the file the config came from (its
 * SHA-256 is journaled; NULL = none).  Returns 0 and sets *out, or -errno
 * with the cause in err (-EBUSY: another engine serves this instance).
 * Cold path.
 */
int rg_engine_open(struct rg_engine **out, const struct rg_config *cfg, const char *config_path, uint64_t now_ns,
		   char *err, size_t errlen);

/* One pass over every ring.  Returns the number of messages handled (0 when
 * idle).  Hot path: engine thread only. */
unsigned rg_engine_poll(struct rg_engine *e, uint64_t now_ns);

/* Stop accepting: orders still in the rings are answered ENGINE_STOPPING. */
void rg_engine_begin_drain(struct rg_engine *e, uint64_t now_ns);

/* True once every ring is empty and the adapters have gone quiet (or the
 * drain deadline passed). */
bool rg_engine_drained(struct rg_engine *e, uint64_t now_ns);

/* Where the engine's log lines go from now on (stderr by default); fd stays
 * the caller's and must outlive the engine.  Cold: engine thread, or before
 * it runs. */
void rg_engine_set_log_fd(struct rg_engine *e, int fd);

/* A WARN line in the engine's log, written out by its logger thread (no
 * syscall on the engine thread).  For the loop that drives the engine. */
void rg_engine_log_warn(struct rg_engine *e, const char *line);

/* Stops adapters, marks segments closed, frees everything. */
void rg_engine_close(struct rg_engine *e);

#endif /* RG_ENGINE_H */
