/*
 * A strategy's open-order table (engine/open_orders.h): the slab and its
 * index by client order id.  A table at its fullest (3/4) finds every order
 * and takes the slot freed last; through the checks, a strategy at
 * max_open_orders is refused cleanly and takes the freed slot after a
 * cancel; a freed slot is the next one
 * taken (cache-warm reuse) and live orders never move; a slot handed out
 * and left empty (a refused order, in a cluster too) stays free and leaves
 * no entry behind; ids that share a home entry,
 * around the end of the index too, stay found as their neighbours are
 * removed; and a long random run against a reference model.
 */
#include "checks_fixture.h"
#include "open_orders.h"

#define CAP 64u

/* The caller's half of an insertion, as the checks' commit does it. */
static struct rg_open_order *insert(struct rg_open_orders *t, uint64_t id)
{
	struct rg_open_order *slot = NULL;

	if (rg_open_orders_find(t, id, &slot) != NULL || slot == NULL)
		return NULL;
	slot->client_order_id = id;
	slot->engine_seq = id * 3;
	slot->leaves_qty_e8 = (int64_t)id;
	t->count++;
	return slot;
}

static void expect_live(struct rg_open_orders *t, uint64_t id, const struct rg_open_order *where)
{
	struct rg_open_order *o = rg_open_orders_find(t, id, NULL);

	assert_non_null(o);
	assert_int_equal(o->client_order_id, id);
	assert_int_equal(o->engine_seq, id * 3);
	if (where != NULL)
		assert_ptr_equal(o, where);
}

static void a_table_three_quarters_full_finds_every_order_and_takes_freed_slots(void **state)
{
	struct rg_open_orders t;
	struct rg_open_order *first;

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	for (uint64_t id = 1; id <= CAP * 3 / 4; id++)
		assert_non_null(insert(&t, id * 1000003));
	assert_int_equal(t.count, CAP * 3 / 4);
	for (uint64_t id = 1; id <= CAP * 3 / 4; id++)
		expect_live(&t, id * 1000003, NULL);
	assert_null(rg_open_orders_find(&t, 77, NULL));
	first = rg_open_orders_find(&t, 1000003, NULL);
	rg_open_orders_remove(&t, first);
	assert_int_equal(t.count, CAP * 3 / 4 - 1);
	assert_null(rg_open_orders_find(&t, 1000003, NULL));
	assert_ptr_equal(insert(&t, 77), first);
	expect_live(&t, 77, first);
	rg_open_orders_fini(&t);
}

/* Through the checks: a strategy at max_open_orders is refused with
 * MAX_OPEN_ORDERS and nothing of the refused order stays (no slot, no
 * index entry, the count as it was); a cancel makes room in the slot it
 * frees. */
static void a_full_table_rejects_cleanly_and_takes_the_freed_slot(void **state)
{
	struct fx *f = *state;
	uint64_t ids[8], refused;
	struct rg_open_order *freed;

	f->cfg.strategies[0].max_open_orders = 8;
	fx_create(f);
	for (int i = 0; i < 8; i++) {
		struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
		ids[i] = o.client_order_id;
		assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	}
	struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	refused = o.client_order_id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MAX_OPEN_ORDERS);
	assert_int_equal(f->d.limit, 8);
	assert_int_equal(f->r->strategies[0].orders.count, 8);
	assert_null(fx_live(f, 0, refused));
	for (int i = 0; i < 8; i++)
		assert_non_null(fx_live(f, 0, ids[i]));
	assert_invariants(f);
	freed = fx_live(f, 0, ids[5]);
	assert_true(rg_risk_on_cancelled(f->r, 0, ids[5], f->now));
	assert_null(fx_live(f, 0, ids[5]));
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_ptr_equal(fx_live(f, 0, o.client_order_id), freed);
	/* the same id again is a duplicate, found through the index */
	assert_reason(fx_decide(f, 0, &o), RG_REJ_DUPLICATE_CLORDID);
	assert_int_equal(f->r->strategies[0].orders.count, 8);
	assert_invariants(f);
}

static void a_freed_slot_is_taken_next_and_live_orders_never_move(void **state)
{
	struct rg_open_orders t;
	struct rg_open_order *at[CAP / 2];

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	for (uint64_t i = 0; i < CAP / 2; i++)
		assert_non_null(at[i] = insert(&t, 500 + i));
	/* the slab fills from its start */
	assert_ptr_equal(at[0], &t.slots[0]);
	assert_ptr_equal(at[1], &t.slots[1]);
	/* last freed, first taken: 20, then 9 */
	rg_open_orders_remove(&t, at[9]);
	rg_open_orders_remove(&t, at[20]);
	assert_int_equal(at[9]->client_order_id, 0);
	assert_int_equal(at[9]->smp_next, 0);
	assert_ptr_equal(insert(&t, 9001), at[20]);
	assert_ptr_equal(insert(&t, 9002), at[9]);
	for (uint64_t i = 0; i < CAP / 2; i++)
		if (i != 9 && i != 20)
			expect_live(&t, 500 + i, at[i]);
	expect_live(&t, 9001, at[20]);
	expect_live(&t, 9002, at[9]);
	/* a whole fill and cancel cycle reuses the same few slots */
	for (int round = 0; round < 100; round++) {
		struct rg_open_order *o = insert(&t, 100000 + (uint64_t)round);
		assert_ptr_equal(o, &t.slots[CAP / 2]);
		rg_open_orders_remove(&t, o);
	}
	assert_int_equal(t.count, CAP / 2);
	rg_open_orders_fini(&t);
}

static void a_slot_handed_out_and_left_empty_stays_free(void **state)
{
	struct rg_open_orders t;
	struct rg_open_order *slot = NULL, *again = NULL;

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	assert_non_null(insert(&t, 1));
	assert_null(rg_open_orders_find(&t, 2, &slot)); /* refused after the look-up: nothing written */
	assert_non_null(slot);
	assert_null(rg_open_orders_find(&t, 2, NULL));
	assert_null(rg_open_orders_find(&t, 3, &again));
	assert_ptr_equal(again, slot);
	assert_int_equal(t.count, 1);
	/* handed out again, filled, and removed before any other look-up */
	again->client_order_id = 3;
	again->engine_seq = 9;
	t.count++;
	rg_open_orders_remove(&t, again);
	assert_int_equal(t.count, 1);
	assert_null(rg_open_orders_find(&t, 3, NULL));
	expect_live(&t, 1, NULL);
	rg_open_orders_fini(&t);
}

/* n ids whose home entry is `home`. */
static void ids_at_home(const struct rg_open_orders *t, uint32_t home, uint64_t *ids, unsigned n)
{
	unsigned k = 0;

	for (uint64_t id = 1; k < n; id++)
		if (_rg_oo_home(t, _rg_oo_tag(id)) == home)
			ids[k++] = id;
}

/* The checks' halves: a probe writes nothing (an order refused after it
 * costs the table nothing); insert_at takes the slot on top of the stack at
 * the entry the probe ended on, also in a cluster that wraps, and beside a
 * slot another look-up handed out and left empty. */
static void a_probe_writes_nothing_and_insert_at_enters_the_slot_there(void **state)
{
	struct rg_open_orders t;
	struct rg_open_order *e, *handed = NULL;
	uint64_t at_end[4], pos = 0, pos2 = 0;
	uint32_t top;

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	ids_at_home(&t, CAP - 1, at_end, 4);
	assert_non_null(insert(&t, at_end[0]));
	assert_non_null(insert(&t, at_end[1]));
	top = t.free_top;
	assert_null(rg_open_orders_probe(&t, at_end[2], &pos));
	assert_int_equal((uint32_t)pos, 1); /* entries CAP-1 and 0 taken: the cluster wrapped */
	assert_int_equal(t.free_top, top);
	assert_null(rg_open_orders_find(&t, at_end[2], NULL));
	/* probed again (the first order was refused), then entered */
	assert_null(rg_open_orders_probe(&t, at_end[2], &pos2));
	assert_int_equal(pos2, pos);
	e = rg_open_orders_insert_at(&t, pos2);
	assert_ptr_equal(e, &t.slots[*_rg_oo_free(&t, top)]);
	assert_int_equal(t.free_top, top - 1);
	e->client_order_id = at_end[2];
	e->engine_seq = at_end[2] * 3;
	t.count++;
	assert_ptr_equal(rg_open_orders_probe(&t, at_end[2], &pos), e);
	expect_live(&t, at_end[2], e);
	/* a slot handed out by find and left empty: a probe passes its entry by */
	assert_null(rg_open_orders_find(&t, at_end[3], &handed));
	assert_non_null(handed);
	assert_null(rg_open_orders_probe(&t, at_end[3], &pos));
	e = rg_open_orders_insert_at(&t, pos);
	e->client_order_id = at_end[3];
	e->engine_seq = at_end[3] * 3;
	t.count++;
	assert_ptr_not_equal(e, handed);
	/* the next removal settles the empty handout; everything stays found */
	rg_open_orders_remove(&t, rg_open_orders_find(&t, at_end[0], NULL));
	expect_live(&t, at_end[1], NULL);
	expect_live(&t, at_end[2], NULL);
	expect_live(&t, at_end[3], e);
	assert_int_equal(t.count, 3);
	assert_int_equal(t.free_top, CAP - 3);
	rg_open_orders_fini(&t);
}

static void ids_sharing_a_home_stay_found_as_their_neighbours_leave(void **state)
{
	struct rg_open_orders t;
	uint64_t last[7], first[3];
	struct rg_open_order *refused = NULL;

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	/* six at the index's last entry: their cluster wraps to entries 0..4,
	 * where three more have their home at entry 0 */
	ids_at_home(&t, CAP - 1, last, 7);
	ids_at_home(&t, 0, first, 3);
	for (int i = 0; i < 6; i++)
		assert_non_null(insert(&t, last[i]));
	for (int i = 0; i < 3; i++)
		assert_non_null(insert(&t, first[i]));
	/* a seventh is handed a slot at the cluster's end and refused: its entry goes again */
	assert_null(rg_open_orders_find(&t, last[6], &refused));
	assert_non_null(refused);
	rg_open_orders_remove(&t, rg_open_orders_find(&t, last[0], NULL));
	rg_open_orders_remove(&t, rg_open_orders_find(&t, last[3], NULL));
	rg_open_orders_remove(&t, rg_open_orders_find(&t, first[1], NULL));
	assert_null(rg_open_orders_find(&t, last[0], NULL));
	assert_null(rg_open_orders_find(&t, last[3], NULL));
	assert_null(rg_open_orders_find(&t, first[1], NULL));
	assert_null(rg_open_orders_find(&t, last[6], NULL));
	expect_live(&t, last[1], NULL);
	expect_live(&t, last[2], NULL);
	expect_live(&t, last[4], NULL);
	expect_live(&t, last[5], NULL);
	expect_live(&t, first[0], NULL);
	expect_live(&t, first[2], NULL);
	/* nothing is left out of place: every entry sits within reach of its home */
	for (uint32_t i = 0; i <= t.mask; i++) {
		uint32_t g = t.index[i].tag;
		if (g == 0)
			continue;
		for (uint32_t j = _rg_oo_home(&t, g); j != i; j = (j + 1) & t.mask)
			assert_int_not_equal(t.index[j].tag, 0);
	}
	assert_int_equal(t.count, 6);
	rg_open_orders_fini(&t);
}

static void a_long_random_run_matches_a_reference_model(void **state)
{
	struct rg_open_orders t;
	uint64_t live[CAP];
	unsigned n = 0;

	(void)state;
	srand(7);
	assert_int_equal(rg_open_orders_init(&t, CAP, CAP / 2), 0);
	for (int step = 0; step < 200000; step++) {
		if (n < CAP * 3 / 4 && (n == 0 || rand() % 2 == 0)) {
			uint64_t id = (uint64_t)rand() % 500 + 1;
			bool known = false;
			for (unsigned k = 0; k < n; k++)
				known |= live[k] == id;
			struct rg_open_order *o = insert(&t, id);
			assert_true(known ? o == NULL : o != NULL);
			if (!known)
				live[n++] = id;
		} else {
			unsigned k = (unsigned)rand() % n;
			struct rg_open_order *o = rg_open_orders_find(&t, live[k], NULL);
			assert_non_null(o);
			rg_open_orders_remove(&t, o);
			live[k] = live[--n];
		}
		assert_int_equal(t.count, n);
		if (step % 1000 == 0)
			for (unsigned k = 0; k < n; k++)
				expect_live(&t, live[k], NULL);
	}
	rg_open_orders_fini(&t);
}

static void a_bad_capacity_is_refused(void **state)
{
	struct rg_open_orders t;

	(void)state;
	assert_int_equal(rg_open_orders_init(&t, 48, 8), -EINVAL);
	assert_int_equal(rg_open_orders_init(&t, 64, 33), -EINVAL);
	assert_int_equal(rg_open_orders_init(&t, 1, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_table_three_quarters_full_finds_every_order_and_takes_freed_slots),
		FX_TEST(a_full_table_rejects_cleanly_and_takes_the_freed_slot),
		cmocka_unit_test(a_freed_slot_is_taken_next_and_live_orders_never_move),
		cmocka_unit_test(a_slot_handed_out_and_left_empty_stays_free),
		cmocka_unit_test(a_probe_writes_nothing_and_insert_at_enters_the_slot_there),
		cmocka_unit_test(ids_sharing_a_home_stay_found_as_their_neighbours_leave),
		cmocka_unit_test(a_long_random_run_matches_a_reference_model),
		cmocka_unit_test(a_bad_capacity_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
