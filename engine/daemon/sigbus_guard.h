/*
 * SIGBUS guard: a strategy can ftruncate its own session segment (it holds it
 * open for writing), which would make the engine's next access to that
 * mapping raise SIGBUS and kill it.  The guard turns that into a revoked
 * session instead: the faulting range is replaced with zeroed anonymous
 * memory, the session is flagged, and the engine keeps serving everyone else.
 */
#ifndef RG_SIGBUS_GUARD_H
#define RG_SIGBUS_GUARD_H

#include "instance.h"

/* Installs the handler for the sessions of `in` (which must outlive it).
 * Returns 0 or -errno.  Call once, before polling. */
int rg_sigbus_guard_install(struct rg_instance *in);

#endif /* RG_SIGBUS_GUARD_H */
