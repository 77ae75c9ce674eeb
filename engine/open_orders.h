/*
 * A strategy's live orders: a slab of 64-byte slots behind a compact index
 * by client order id (docs/design.md, "Open orders: slab and index").
 *
 * The slab holds the orders themselves.  A slot never moves while its order
 * lives (pointers stay valid until it is removed), and a new order takes the
 * slot freed most recently (a LIFO stack of free slots), which the engine
 * touched a moment ago: the few slots in use stay in cache, however the ids
 * scatter.  The index is open addressing with linear probing and
 * backward-shift deletion (no tombstones) over 8-byte entries: a tag (the
 * top 32 bits of the id's hash, with the top bit set; 0 = empty) and the
 * slot number, read only when the tag matches.  The slab slot's id is the
 * key compared.  The free stack sits below the entries.  A new order's
 * duplicate check reads one line of the index (8 entries); a look-up of a
 * live order that line and its slot; the home of an entry is its tag's low
 * bits, so deletion reads no slab slot.  Index and slab
 * have the same power-of-two capacity, at least twice the strategy's
 * max_open_orders, so the index stays at most 3/4 full (1/2 without
 * replaces) and a probe ends at an empty entry.
 *
 * The checks insert in two halves: rg_open_orders_probe (area 2a's
 * duplicate-id look-up) writes nothing and notes the empty entry its probe
 * ended on; the commit's rg_open_orders_insert_at takes the free slot at the
 * top of the stack and enters it there, so a refused order costs the table
 * nothing.  Recovery keeps the interface of a plain table:
 * rg_open_orders_find(t, id, &free), missing, takes the free slot, enters it
 * in the index at the empty entry its probe ended on and hands it out; the
 * caller fills it with that id and counts it (count++).  The next find with
 * &free or removal looks at the slot handed out: filled, nothing is left to
 * do; left empty, its entry goes and the slot goes back on the stack (until
 * then a look-up passes that entry by: its slot holds no id).
 * Everything is allocated once with the risk state; the hot path only
 * probes and writes.  Engine thread only.
 */
#ifndef RG_OPEN_ORDERS_H
#define RG_OPEN_ORDERS_H

#include <assert.h> /* static_assert, in C and C++ */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
#define RG_OO_SMP 0x40u            /* it rests in its self-match book (self_match.h), linked through smp_next */
#define RG_OO_REPLACE_CARRIED 0x80u /* a replacement carried over a restart unanswered (engine_recovery.c) */

/* One live order and what it reserves.  64 bytes: one cache line. */
struct rg_open_order {
	uint64_t client_order_id;      /* key; 0 = free slot */
	uint64_t replaces;             /* a replace not yet acked: the order it replaces (still live); else 0 */
	uint64_t engine_seq;           /* the engine's sequence for it */
	int64_t leaves_qty_e8;         /* open quantity, reserved on its side of the position */
	int64_t price_e8;              /* valuation price: the limit, or reference + band for a market order */
	int64_t reserved_notional_e8;  /* notional reserved in the account's and the global gross */
	uint32_t symbol;               /* symbol index */
	uint16_t venue;                /* venue index (the symbol's) */
	uint8_t side;                  /* enum rg_side */
	uint8_t flags;                 /* RG_OO_* */
	uint32_t smp_next;             /* RG_OO_SMP: the next order of its self-match book side (self_match.h); 0 = none */
	uint8_t pad[4];
};
static_assert(sizeof(struct rg_open_order) == 64, "one line per open order");

/* An index entry. */
struct rg_oo_entry {
	uint32_t tag;  /* the id's tag (_rg_oo_tag); 0 = empty */
	uint32_t slot; /* its slab slot */
};
static_assert(sizeof(struct rg_oo_entry) == 8 && offsetof(struct rg_oo_entry, slot) == 4,
	      "{tag, slot} is one word (rg_open_orders_remove_at compares it as one)");

/* The slot find handed out last, right below the index entries. */
struct rg_oo_handout {
	uint32_t slot1; /* its slot + 1; 0 = none waiting to be looked at */
	uint32_t entry; /* its index entry */
};

struct rg_open_orders {
	struct rg_open_order *slots; /* the slab: mask + 1 slots; a free one is all zeros */
	struct rg_oo_entry *index;   /* mask + 1 entries; below them the handout, then the free stack, top down */
	uint32_t mask;               /* capacity - 1 (a power of two, >= 2) */
	uint32_t count;              /* live orders (the callers of find count an insertion) */
	uint32_t max_count;          /* orders beyond this are refused (RG_REJ_MAX_OPEN_ORDERS) */
	uint32_t free_top;           /* free slots on the stack */
};
static_assert(sizeof(struct rg_open_orders) == 32, "the table's header is half a line of the strategy's state");

static inline struct rg_oo_handout *_rg_oo_handout(const struct rg_open_orders *t)
{
	return (struct rg_oo_handout *)t->index - 1;
}

/* The k-th free slot from the top of the stack (k >= 1): the stack sits
 * below the handout, its top nearest to it. */
static inline uint32_t *_rg_oo_free(const struct rg_open_orders *t, uint32_t k)
{
	/* a negative index: one scaled address, no subtraction of a shifted k */
	return &((uint32_t *)_rg_oo_handout(t))[-(ptrdiff_t)k];
}

/* The id's tag: the top half of a Fibonacci hash, its top bit set (never 0). */
static inline uint32_t _rg_oo_tag(uint64_t id)
{
	return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 32) | 0x80000000u;
}

/* A tag's home entry: its low log2(capacity) bits (capacity <= 2^31). */
static inline uint32_t _rg_oo_home(const struct rg_open_orders *t, uint32_t tag)
{
	return tag & t->mask;
}

/* Entry i goes: the rest of its cluster shifts back over it. */
static inline void _rg_oo_unlink_at(struct rg_open_orders *t, uint32_t i)
{
	struct rg_oo_entry *x = t->index;
	uint32_t hole = i;

	for (;;) {
		uint32_t g;
		i = (i + 1) & t->mask;
		g = x[i].tag;
		if (g == 0)
			break;
		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		if (((i - _rg_oo_home(t, g)) & t->mask) >= ((i - hole) & t->mask)) {
			x[hole] = x[i];
			hole = i;
		}
	}
	x[hole].tag = 0;
}

/* The slot find handed out: filled since (its order was taken), it stays in
 * the index; still empty, its entry goes and it is free again. */
static inline void _rg_oo_settle(struct rg_open_orders *t, struct rg_oo_handout *h)
{
	uint32_t s = h->slot1 - 1;

	h->slot1 = 0;
	if (__builtin_expect(t->slots[s].client_order_id == 0, 0)) {
		_rg_oo_unlink_at(t, h->entry);
		*_rg_oo_free(t, ++t->free_top) = s;
	}
}

/*
 * Cold, at create: a table of `capacity` slots (a power of two >= 2) that
 * takes up to max_count orders.  0, or -EINVAL / -ENOMEM.
 */
static inline int rg_open_orders_init(struct rg_open_orders *t, uint32_t capacity, uint32_t max_count)
{
	memset(t, 0, sizeof(*t));
	uint32_t *block;

	memset(t, 0, sizeof(*t));
	if (capacity < 2 || capacity > (1u << 30) || (capacity & (capacity - 1)) != 0 || max_count > capacity / 2)
		return -EINVAL;
	t->slots = (struct rg_open_order *)calloc(capacity, sizeof(struct rg_open_order));
	block = (uint32_t *)calloc(3 * (size_t)capacity + 2, sizeof(uint32_t)); /* stack, handout, entries */
	if (t->slots == NULL || block == NULL) {
		free(t->slots);
		free(block);
		memset(t, 0, sizeof(*t));
		return -ENOMEM;
	}
	t->index = (struct rg_oo_entry *)(block + capacity + 2);
	t->mask = capacity - 1;
	t->max_count = max_count;
	/* slot 0 on top: the slab fills from its start */
	for (uint32_t k = 1; k <= capacity; k++)
		*_rg_oo_free(t, k) = capacity - k;
	t->free_top = capacity;
	return 0;
}

static inline void rg_open_orders_fini(struct rg_open_orders *t)
{
	free(t->slots);
	if (t->index != NULL)
		free(_rg_oo_free(t, t->mask + 1));
	memset(t, 0, sizeof(*t));
}

/* Slots in the slab (iterate t->slots[0 .. capacity - 1]; live ones have a
 * client_order_id). */
static inline uint32_t rg_open_orders_capacity(const struct rg_open_orders *t)
{
	return t->mask + 1;
}

/*
 * Looks `id` (> 0) up.  Returns its live order, or NULL and, when free is
 * not NULL, sets *free to the free slot an order with that id takes (the
 * most recently freed one; NULL only when every slot is live, which the
 * callers' count limits rule out), already in the index under that id.  A
 * caller that fills *free (with that id) counts it (count++); one that
 * leaves it empty leaves it free.
 */
static inline struct rg_open_order *rg_open_orders_find(struct rg_open_orders *t, uint64_t id,
							 struct rg_open_order **free)
{
	uint32_t tag = _rg_oo_tag(id), i;

	/* A slot handed out and left empty is settled before another is handed
	 * out; a plain look-up passes its entry by (its slot holds no id). */
	if (free != NULL && _rg_oo_handout(t)->slot1 != 0)
		_rg_oo_settle(t, _rg_oo_handout(t));
	for (i = _rg_oo_home(t, tag);; i = (i + 1) & t->mask) {
		uint32_t g = t->index[i].tag;
		if (g == tag) {
			struct rg_open_order *s = &t->slots[t->index[i].slot];
			if (s->client_order_id == id)
				return s;
		} else if (g == 0) {
			break;
		}
	}
	if (free != NULL) {
		uint32_t top = t->free_top, s;
		if (__builtin_expect(top == 0, 0)) {
			*free = NULL;
			return NULL;
		}
		s = *_rg_oo_free(t, top);
		t->free_top = top - 1;
		t->index[i].tag = tag; /* the empty entry the probe ended on */
		t->index[i].slot = s;
		_rg_oo_handout(t)->slot1 = s + 1;
		_rg_oo_handout(t)->entry = i;
		*free = &t->slots[s];
	}
	return NULL;
}

/*
 * The checks' two halves of an insertion, with nothing written in between
 * (so a refused order writes nothing):
 * rg_open_orders_probe looks a new order's id up: its live order, or NULL
 * and *pos the index entry an insertion takes (the empty one the probe ended
 * on, and the id's tag); rg_open_orders_insert_at then takes the free slot at
 * the top of the stack, enters it there and returns it, all zeros, for the
 * caller to fill with that id and count (count++).  Nothing may change the
 * table between the two.  One probe per order, no handout to settle.
 */
static inline struct rg_open_order *rg_open_orders_probe(const struct rg_open_orders *t, uint64_t id, uint64_t *pos)
{
	const struct rg_oo_entry *x = t->index;
	struct rg_open_order *slots = t->slots;
	uint32_t tag = _rg_oo_tag(id), mask = t->mask, i;

	for (i = tag & mask;; i = (i + 1) & mask) {
		uint32_t g = x[i].tag;
		if (g == tag) {
			struct rg_open_order *s = &slots[x[i].slot];
			if (s->client_order_id == id)
				return s;
		} else if (g == 0) {
			break;
		}
	}
	*pos = (uint64_t)tag << 32 | i;
	return NULL;
}

/* pos from rg_open_orders_probe; the count limits leave a free slot. */
static inline struct rg_open_order *rg_open_orders_insert_at(struct rg_open_orders *t, uint64_t pos)
{
	uint32_t top = t->free_top, s = *_rg_oo_free(t, top);
	struct rg_oo_entry *x = &t->index[(uint32_t)pos];

	t->free_top = top - 1;
	x->tag = (uint32_t)(pos >> 32);
	x->slot = s;
	return &t->slots[s];
}

/* Removes the live order in slot `s`: its index entry goes (the rest of its
 * cluster shifted back), its slot is zeroed and goes on top of the free
 * stack. */
static inline void rg_open_orders_remove(struct rg_open_orders *t, struct rg_open_order *s)
{
	uint32_t slot = (uint32_t)(s - t->slots), tag, i;

	if (_rg_oo_handout(t)->slot1 != 0)
		_rg_oo_settle(t, _rg_oo_handout(t));
	tag = _rg_oo_tag(s->client_order_id);
	for (i = _rg_oo_home(t, tag);; i = (i + 1) & t->mask) {
		if (t->index[i].tag == 0)
			return; /* not live: nothing to remove */
		if (t->index[i].tag == tag && t->index[i].slot == slot)
			break;
	}
	_rg_oo_unlink_at(t, i);
	memset(s, 0, sizeof(*s));
	*_rg_oo_free(t, ++t->free_top) = slot;
	t->count--;
}

/* The same for live order `id`, seen in slot `slot` (< capacity), whose
 * index entry the commit that entered it returned (`entry`): no probe.
 * False, changing nothing, when the entry no longer names the slot (the
 * table changed since: it moved or went) or a slot handed out by find waits
 * to be settled; rg_open_orders_remove then does it. */
static inline bool rg_open_orders_remove_at(struct rg_open_orders *t, uint64_t id, uint32_t slot, uint32_t entry)
{
	uint64_t want = (uint64_t)slot << 32 | _rg_oo_tag(id), have; /* {tag, slot} as one word */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	want = want << 32 | want >> 32;
#endif
	entry &= t->mask;
	memcpy(&have, &t->index[entry], sizeof(have));
	if (__builtin_expect(have != want || _rg_oo_handout(t)->slot1 != 0, 0))
		return false;
	_rg_oo_unlink_at(t, entry);
	memset(&t->slots[slot], 0, sizeof(t->slots[slot]));
	*_rg_oo_free(t, ++t->free_top) = slot;
	t->count--;
	return true;
}

/* A hint for an order about to be looked up: its index line (and, for a
 * new order, the slot it would take).  always_inline: gcc takes a function
 * of prefetches alone for one without effects and drops the call to it
 * before inlining it (risk_prefetch.h). */
static inline __attribute__((always_inline)) void rg_open_orders_prefetch(const struct rg_open_orders *t, uint64_t id, bool takes_slot)
{
	uint32_t top = t->free_top;

	__builtin_prefetch(&t->index[_rg_oo_home(t, _rg_oo_tag(id))], 1, 3);
	if (takes_slot && top != 0)
		__builtin_prefetch(&t->slots[*_rg_oo_free(t, top)], 1, 3);
}

#ifdef __cplusplus
}
#endif

#endif /* RG_OPEN_ORDERS_H */
