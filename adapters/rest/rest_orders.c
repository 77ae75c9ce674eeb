/*
 * The REST adapter's order table (rest_orders.h): linear probing on a
 * multiplicative hash of engine_seq, at most half full, with backward-shift
 * deletion so that lookups never cross tombstones.
 */
#include "rest_orders.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t home(const struct rg_rest_orders *t, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ull) >> 17 & t->mask;
}

int rg_rest_orders_init(struct rg_rest_orders *t, uint64_t capacity)
{
	t->slots = calloc(capacity, sizeof(*t->slots));
	t->mask = capacity - 1;
	t->count = 0;
	return t->slots == NULL ? -ENOMEM : 0;
}

void rg_rest_orders_fini(struct rg_rest_orders *t)
{
	free(t->slots);
	t->slots = NULL;
	t->count = 0;
}

struct rg_rest_order *rg_rest_orders_find(struct rg_rest_orders *t, uint64_t engine_seq)
{
	if (engine_seq == 0)
		return NULL;
	for (uint64_t i = home(t, engine_seq);; i = (i + 1) & t->mask) {
		struct rg_rest_order *o = &t->slots[i];
		if (o->engine_seq == engine_seq)
			return o;
		if (o->engine_seq == 0)
			return NULL;
	}
}

struct rg_rest_order *rg_rest_orders_insert(struct rg_rest_orders *t, uint64_t engine_seq)
{
	if (engine_seq == 0 || t->count >= (t->mask + 1) / 2)
		return NULL;
	for (uint64_t i = home(t, engine_seq);; i = (i + 1) & t->mask) {
		struct rg_rest_order *o = &t->slots[i];
		if (o->engine_seq == engine_seq)
			return NULL;
		if (o->engine_seq == 0) {
			memset(o, 0, sizeof(*o));
			o->engine_seq = engine_seq;
			t->count++;
			return o;
		}
	}
}

void rg_rest_orders_remove(struct rg_rest_orders *t, struct rg_rest_order *o)
{
	uint64_t hole = (uint64_t)(o - t->slots), i = hole;

	for (;;) {
		i = (i + 1) & t->mask;
		struct rg_rest_order *n = &t->slots[i];
		if (n->engine_seq == 0)
			break;
		uint64_t h = home(t, n->engine_seq);
		/* n may move into the hole when its home is not in (hole, i]. */
		if (((i - h) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = *n;
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
}
