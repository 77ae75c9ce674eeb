/*
 * A strategy's live orders keyed by client order id: fixed-capacity open
 * addressing with linear probing and backward-shift deletion (no tombstones,
 * so probe chains never degrade).  The slots are allocated once with the risk
 * state; the hot path only probes and writes slots.  The capacity is a power
 * of two at least twice the strategy's max_open_orders, so the load factor
 * stays <= 1/2 and a probe ends at an empty slot.  Engine thread only.
 */
#ifndef RG_OPEN_ORDERS_H
#define RG_OPEN_ORDERS_H

#include <assert.h> /* static_assert, in C and C++ */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* rg_open_order.flags */
#define RG_OO_ACKED 0x01u          /* the venue acknowledged it */
#define RG_OO_CANCEL_PENDING 0x02u /* a cancel was approved and sent */
#define RG_OO_MARKET 0x04u         /* a market order: valued at the reference plus the collar band */
#define RG_OO_MASS_CANCEL 0x08u    /* the engine's last mass cancel walk over it sent it a cancel (mass_cancel.c) */
#define RG_OO_IOC 0x10u            /* IOC or FOK: it cannot rest at the venue */
#define RG_OO_REPLACE_PENDING 0x20u /* a replace of it was approved and sent; its replacement is live beside it */

/* One live order and what it reserves.  64 bytes: one cache line. */
struct rg_open_order {
	uint64_t client_order_id;      /* key; 0 = empty slot */
	uint64_t replaces;             /* a replace not yet acked: the order it replaces (still live); else 0 */
	uint64_t engine_seq;           /* the engine's sequence for it */
	int64_t leaves_qty_e8;         /* open quantity, reserved on its side of the position */
	int64_t price_e8;              /* valuation price: the limit, or reference + band for a market order */
	int64_t reserved_notional_e8;  /* notional reserved in the account's and the global gross */
	uint32_t symbol;               /* symbol index */
	uint16_t venue;                /* venue index (the symbol's) */
	uint8_t side;                  /* enum rg_side */
	uint8_t flags;                 /* RG_OO_* */
	uint32_t smp_node;             /* its self-match node (self_match.h); 0 = none */
	uint8_t pad[4];
};
static_assert(sizeof(struct rg_open_order) == 64, "one line per open order");

struct rg_open_orders {
	struct rg_open_order *slots; /* mask + 1 slots */
	uint64_t mask;               /* capacity - 1 */
	uint32_t shift;              /* 64 - log2(capacity): hash uses the product's top bits */
	uint32_t count;              /* live orders */
	uint32_t max_count;          /* orders beyond this are refused (RG_REJ_MAX_OPEN_ORDERS) */
};

static inline uint64_t _rg_oo_home(const struct rg_open_orders *t, uint64_t id)
{
	return (id * 0x9E3779B97F4A7C15ull) >> t->shift;
}

/*
 * Probes for `id` (> 0).  Returns the slot holding it, or NULL and sets *free
 * (may be NULL) to the empty slot where it would be inserted.
 */
static inline struct rg_open_order *rg_open_orders_find(const struct rg_open_orders *t, uint64_t id,
							 struct rg_open_order **free)
{
	uint64_t i = _rg_oo_home(t, id);

	for (;; i = (i + 1) & t->mask) {
		struct rg_open_order *s = &t->slots[i];
		if (s->client_order_id == id)
			return s;
		if (s->client_order_id == 0) {
			if (free != NULL)
				*free = s;
			return NULL;
		}
	}
}

/* Fills the empty slot `at` (from rg_open_orders_find) with *o. */
static inline void rg_open_orders_insert_at(struct rg_open_orders *t, struct rg_open_order *at,
					    const struct rg_open_order *o)
{
	*at = *o;
	t->count++;
}

/* Removes the live order in slot `s`, shifting the rest of its cluster back. */
static inline void rg_open_orders_remove(struct rg_open_orders *t, struct rg_open_order *s)
{
	uint64_t hole = (uint64_t)(s - t->slots), i = hole;

	for (;;) {
		i = (i + 1) & t->mask;
		if (t->slots[i].client_order_id == 0)
			break;
		uint64_t home = _rg_oo_home(t, t->slots[i].client_order_id);
		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_OPEN_ORDERS_H */
