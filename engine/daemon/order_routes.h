/*
 * Order routes: which strategy and client order id an engine sequence number
 * belongs to, so that a venue event (which names only the engine's sequence)
 * reaches the right strategy's report ring.
 *
 * Fixed-capacity open addressing with linear probing and backward-shift
 * deletion: no allocation after init, no tombstones, O(1) expected.  Only the
 * engine thread touches it.
 *
 * A route's home slot is its engine sequence & mask: the engine hands
 * sequences out one after the other, so a new route lands next to the last
 * one, on a line the previous orders warmed (the prefetchers see the stride),
 * and the live routes sit in a window that moves through the table.  A route
 * still live a whole lap later (a resting order) takes its home from the new
 * sequence that maps there, which then probes to the next free slot.
 */
#ifndef RG_ORDER_ROUTES_H
#define RG_ORDER_ROUTES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rg_order_route {
	uint64_t engine_seq;      /* key; 0 = empty slot */
	uint64_t client_order_id; /* the strategy's id for the order */
	uint32_t symbol_id;
	uint16_t strategy;        /* owning strategy index */
	uint16_t venue;
	uint64_t replacement_id;  /* a replace on its way to the venue: the replacement's client order id; else 0
				   * (engine_replace.c: the route outlives its order's end until the answer) */
	int64_t filled_e8;        /* quantity the venue has filled of the order (its replaces' too): a replace's
				   * new total at the venue is this plus the new leaves */
};

struct rg_order_routes {
	struct rg_order_route *slots;
	uint64_t mask;  /* capacity - 1 */
	uint64_t count; /* live routes */
};

/* capacity: a power of two, at least twice the live orders expected.
 * 0 or -ENOMEM.  Cold path. */
static inline int rg_order_routes_init(struct rg_order_routes *t, uint64_t capacity)
{
	t->slots = (struct rg_order_route *)calloc(capacity, sizeof(*t->slots));
	t->mask = capacity - 1;
	t->count = 0;
	return t->slots != NULL ? 0 : -12 /* ENOMEM */;
}

static inline void rg_order_routes_fini(struct rg_order_routes *t)
{
	free(t->slots);
	t->slots = NULL;
}

/* The home slot before masking: the sequence itself (see above). */
static inline uint64_t _rg_route_hash(uint64_t seq)
{
	return seq;
}

/* Adds a route.  False when the table is more than 3/4 full (the caller
 * rejects the order rather than degrade the table). */
static inline bool rg_order_routes_put(struct rg_order_routes *t, const struct rg_order_route *r)
{
	uint64_t i;

	if (t->count >= ((t->mask + 1) >> 2) * 3)
		return false;
	for (i = _rg_route_hash(r->engine_seq) & t->mask; t->slots[i].engine_seq != 0; i = (i + 1) & t->mask)
		;
	t->slots[i] = *r;
	t->count++;
	return true;
}

/* The route of engine_seq, or NULL. */
static inline struct rg_order_route *rg_order_routes_get(struct rg_order_routes *t, uint64_t engine_seq)
{
	uint64_t i;

	if (engine_seq == 0)
		return NULL;
	for (i = _rg_route_hash(engine_seq) & t->mask; t->slots[i].engine_seq != 0; i = (i + 1) & t->mask)
		if (t->slots[i].engine_seq == engine_seq)
			return &t->slots[i];
	return NULL;
}

/* Removes the route `r` (a pointer from rg_order_routes_get). */
static inline void rg_order_routes_del(struct rg_order_routes *t, struct rg_order_route *r)
{
	uint64_t hole = (uint64_t)(r - t->slots), i = hole;

	for (;;) {
		i = (i + 1) & t->mask;
		if (t->slots[i].engine_seq == 0)
			break;
		uint64_t home = _rg_route_hash(t->slots[i].engine_seq) & t->mask;
		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
}

#endif /* RG_ORDER_ROUTES_H */
