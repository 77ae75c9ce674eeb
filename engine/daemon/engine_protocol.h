/*
 * Protocol errors from venues (RG_VEV_PROTOCOL_ERROR): the engine thread's
 * side.  An adapter cannot write the audit journal (the engine thread is its
 * only producer), so it reports each malformed message or garbage run as a
 * venue event; the engine journals it as a VENUE_PROTOCOL_ERROR record and
 * counts it per venue in the control segment (venue_protocol_errors).
 */
#ifndef RG_ENGINE_PROTOCOL_H
#define RG_ENGINE_PROTOCOL_H

#include <stdint.h>

#include "adapter.h"

struct rg_engine;

/*
 * Journals and counts protocol error `ev` of venue `venue`.  Engine thread
 * only; no allocation, lock or system call.  A record the journal ring has
 * no room for is counted by the ring as refused (its status) and halts the
 * instance (engine_journal.h); the counter still moves.
 */
void rg_engine_on_protocol_error(struct rg_engine *e, uint16_t venue, const struct rg_venue_event *ev,
				 uint64_t now_ns);

#endif /* RG_ENGINE_PROTOCOL_H */
