/*
 * Venue hold queue: the bounded FIFO of approved orders waiting for a venue
 * token, for a venue whose on_throttle policy is "queue".
 *
 * An order joins it when the venue's rate limit has no token (or when older
 * orders are already waiting: the queue keeps the order in which orders were
 * approved), and leaves it on the pass that finds a token.  A cancel for a
 * held order takes it out where it stands: its slot becomes a hole that the
 * head skips, so nothing moves.  The slots are allocated once at start; no
 * call here allocates, locks or makes a system call.
 */
#ifndef RG_VENUE_HOLD_H
#define RG_VENUE_HOLD_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "adapter.h"

struct rg_venue_hold {
	struct rg_venue_request *slots; /* cap entries; kind 0 marks a hole left by a cancel */
	uint32_t cap;                   /* 0: the venue does not queue */
	uint32_t head;                  /* index of the oldest entry */
	uint32_t used;                  /* entries from head on, holes included */
	uint32_t live;                  /* entries that are not holes */
};

/* Cold: allocates cap slots (cap 0: an empty, unusable queue).  0 or -ENOMEM. */
static inline int rg_venue_hold_init(struct rg_venue_hold *h, uint32_t cap)
{
	h->head = h->used = h->live = 0;
	h->cap = cap;
	h->slots = NULL;
	if (cap == 0)
		return 0;
	h->slots = calloc(cap, sizeof(*h->slots));
	return h->slots == NULL ? -ENOMEM : 0;
}

static inline void rg_venue_hold_fini(struct rg_venue_hold *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = 0;
}

static inline uint32_t _rg_venue_hold_index(const struct rg_venue_hold *h, uint32_t i)
{
	uint32_t at = h->head + i;

	return at >= h->cap ? at - h->cap : at;
}

/* Appends a request; false when the queue is full. */
static inline bool rg_venue_hold_push(struct rg_venue_hold *h, const struct rg_venue_request *req)
{
	if (h->used == h->cap)
		return false;
	h->slots[_rg_venue_hold_index(h, h->used)] = *req;
	h->used++;
	h->live++;
	return true;
}

/* The oldest held request (holes skipped and dropped), or NULL when none. */
static inline struct rg_venue_request *rg_venue_hold_front(struct rg_venue_hold *h)
{
	while (h->used != 0) {
		struct rg_venue_request *r = &h->slots[h->head];
		if (r->kind != 0)
			return r;
		h->head = _rg_venue_hold_index(h, 1);
		h->used--;
	}
	return NULL;
}

/* Removes the request rg_venue_hold_front returned. */
static inline void rg_venue_hold_pop(struct rg_venue_hold *h)
{
	h->slots[h->head].kind = 0;
	h->head = _rg_venue_hold_index(h, 1);
	h->used--;
	h->live--;
}

/* Takes the held order engine_seq out, copying it to *out; false when it is
 * not held.  A walk over the queue: called only for cancels while the venue
 * holds orders. */
static inline bool rg_venue_hold_take(struct rg_venue_hold *h, uint64_t engine_seq, struct rg_venue_request *out)
{
	for (uint32_t i = 0; i < h->used; i++) {
		struct rg_venue_request *r = &h->slots[_rg_venue_hold_index(h, i)];
		if (r->kind != 0 && r->engine_seq == engine_seq) {
			*out = *r;
			r->kind = 0;
			h->live--;
			return true;
		}
	}
	return false;
}

#endif /* RG_VENUE_HOLD_H */
