/*
 * The release of an order approved just now (rg_risk_release_committed: a
 * dry-run venue decides, journals, answers, then releases the reservation
 * from the slot the commit took) against the full cancel path
 * (rg_risk_on_cancelled).  Two states built from one configuration (two
 * accounts in one self-match group, venue credit, rate windows and a bucket,
 * the duplicate guard, a small open-order table so that index clusters form)
 * take the same stream of orders, fills and cancels; an approved order is
 * released through one entry point in one state and the other in the other,
 * at once or, holding on to its decision, later (after the table and the
 * books have moved: the release must notice and still give the same
 * outcome), sometimes with a slot handed out by a look-up waiting to be
 * settled, sometimes across a trading-day roll.  After every step the two
 * states must be the same, part for part: positions (with the self-match
 * bests), accounts, strategies (rates, counters, open-order table: slab,
 * index, free stack), self-match books, venue credit, rate windows,
 * duplicate guard, engine sequence and global gross; and the rates and
 * counts an order spent stay spent.
 */
#include "checks_fixture.h"

#include "risk_release.h"
#include "self_match.h"

#define STEPS 40000
#define LIVE_MAX 64

static void same_window(const struct rg_rate_window *a, const struct rg_rate_window *b, int step, const char *what)
{
	if (a == NULL || b == NULL) {
		if (a != b)
			fail_msg("step %d: %s: one state has it, the other not", step, what);
		return;
	}
	if (a->window_ns != b->window_ns || a->count != b->count || a->next - a->exit_ns != b->next - b->exit_ns ||
	    memcmp(a->exit_ns, b->exit_ns, (size_t)a->count * sizeof(uint64_t)) != 0)
		fail_msg("step %d: %s differs", step, what);
}

/* Fails naming the first part in which the two states differ. */
static void assert_same_state(const struct rg_risk *a, const struct rg_risk *b, int step)
{
	size_t n_pos = (size_t)a->n_symbols * a->n_accounts;

	if (a->next_seq != b->next_seq || a->global_gross_e8 != b->global_gross_e8 || a->day_rolls != b->day_rolls ||
	    a->day_index != b->day_index)
		fail_msg("step %d: the risk header differs (seq %llu/%llu, gross %lld/%lld)", step,
			 (unsigned long long)a->next_seq, (unsigned long long)b->next_seq, (long long)a->global_gross_e8,
			 (long long)b->global_gross_e8);
	if (memcmp(a->positions, b->positions, n_pos * sizeof(a->positions[0])) != 0)
		fail_msg("step %d: positions (or their self-match bests) differ", step);
	if (memcmp(a->accounts, b->accounts, a->n_accounts * sizeof(a->accounts[0])) != 0)
		fail_msg("step %d: accounts differ", step);
	if (memcmp(a->smp.heads, b->smp.heads, n_pos * 2 * sizeof(uint32_t)) != 0)
		fail_msg("step %d: self-match books' heads differ", step);
	if (memcmp(a->credit, b->credit, (size_t)a->n_accounts * a->n_venues * sizeof(struct rg_credit)) != 0)
		fail_msg("step %d: venue credit differs", step);
	for (uint32_t i = 0; i < a->n_strategies; i++) {
		const struct rg_strategy_state *x = &a->strategies[i], *y = &b->strategies[i];
		size_t cap = (size_t)x->orders.mask + 1;
		struct rg_strategy_state cx = *x, cy = *y;
		/* the pointers aside, the strategies' lines are the same */
		memset(&cx.orders, 0, sizeof(cx.orders));
		memset(&cy.orders, 0, sizeof(cy.orders));
		cx.dup = cy.dup = NULL;
		cx.order_window = cy.order_window = cx.message_window = cy.message_window = NULL;
		cx.fills.ts_ns = cy.fills.ts_ns = NULL;
		if (memcmp(&cx, &cy, sizeof(cx)) != 0)
			fail_msg("step %d: strategy %u's rates, counters or state differ", step, i);
		if (x->orders.mask != y->orders.mask || x->orders.count != y->orders.count ||
		    x->orders.free_top != y->orders.free_top || x->orders.max_count != y->orders.max_count)
			fail_msg("step %d: strategy %u's open-order counts differ (%u/%u live, %u/%u free)", step, i,
				 x->orders.count, y->orders.count, x->orders.free_top, y->orders.free_top);
		if (memcmp(x->orders.slots, y->orders.slots, cap * sizeof(x->orders.slots[0])) != 0)
			fail_msg("step %d: strategy %u's open-order slab differs", step, i);
		/* the index with, below it, the handout and the free stack */
		if (memcmp((const uint32_t *)x->orders.index - (cap + 2), (const uint32_t *)y->orders.index - (cap + 2),
			   (3 * cap + 2) * sizeof(uint32_t)) != 0)
			fail_msg("step %d: strategy %u's open-order index or free stack differs", step, i);
		if (memcmp(x->dup, y->dup, RG_DUP_SETS * sizeof(x->dup[0])) != 0)
			fail_msg("step %d: strategy %u's duplicate guard differs", step, i);
		same_window(x->order_window, y->order_window, step, "an order rate window");
		same_window(x->message_window, y->message_window, step, "a message rate window");
	}
}

static void configure(struct fx *f)
{
	struct rg_config *c = &f->cfg;

	c->accounts[1].all_symbols = true;
	c->accounts[0].self_match = RG_SMP_REJECT_NEW;
	c->accounts[1].self_match = RG_SMP_REJECT_NEW;
	strcpy(c->accounts[0].self_match_group, "desk");
	strcpy(c->accounts[1].self_match_group, "desk");
	c->accounts[0].venue_credit_e8[0] = E8(100000000);
	for (int i = 0; i < 2; i++)
		c->strategies[i].max_open_orders = LIVE_MAX; /* 128 slots: clusters in the index */
	c->strategies[0].order_rate.count = 5000;
	c->strategies[0].order_rate.window_ns = SEC_NS; /* a window: its ring records every order */
	c->strategies[0].message_rate.count = 1000000;
	c->strategies[0].message_rate.kind = RG_RATE_BUCKET;
	c->strategies[0].message_rate.window_ns = SEC_NS;
	c->strategies[1].message_rate.count = 1000;
	c->strategies[1].message_rate.window_ns = SEC_NS;
	c->strategies[0].duplicate_window_ns = 1000;
}

struct held {
	uint64_t id;
	struct rg_decision d; /* its approval, for a late release through it */
};

static void a_released_order_leaves_the_state_the_cancel_path_leaves(void **state)
{
	struct fx *f = *state;
	struct rg_risk *twin = NULL;
	struct fx_rng g = {0x2545F4914F6CDD1Dull};
	struct held live[2][LIVE_MAX];
	unsigned n_live[2] = {0, 0}, at_once = 0, late = 0, late_moved = 0, smp_walks = 0, handouts = 0, rolls = 0;
	char err[256] = "";

	configure(f);
	fx_create(f);
	assert_int_equal(rg_risk_create(&twin, &f->cfg, f->now, fx_real(f), err, sizeof(err)), 0);
	for (int step = 0; step < STEPS; step++) {
		uint64_t r = fx_rnd(&g);
		uint32_t strat = (uint32_t)(fx_rnd(&g) % 2);
		if (r % 101 == 0) { /* time passes: windows empty, now and then a trading day ends */
			f->now += r % 7 == 0 ? 86400 * SEC_NS : (fx_rnd(&g) % 2000) * 1000000ull;
			continue;
		}
		if (n_live[strat] > 0 && (n_live[strat] == LIVE_MAX || r % 4 == 0)) {
			/* a resting order ends: cancelled, filled, or released late through its decision */
			unsigned k = (unsigned)(fx_rnd(&g) % n_live[strat]);
			struct held h = live[strat][k];
			struct rg_open_order *e = fx_live(f, strat, h.id);
			assert_non_null(e);
			switch (fx_rnd(&g) % 3) {
			case 0: {
				int64_t q = e->leaves_qty_e8, p = e->price_e8;
				assert_true(rg_risk_on_fill(f->r, strat, h.id, q, p, 0, f->now));
				assert_true(rg_risk_on_fill(twin, strat, h.id, q, p, 0, f->now));
				break;
			}
			case 1:
				assert_true(rg_risk_on_cancelled(f->r, strat, h.id, f->now));
				assert_true(rg_risk_on_cancelled(twin, strat, h.id, f->now));
				break;
			default:
				late++;
				late_moved += (uint32_t)(e - f->r->strategies[strat].orders.slots) != h.d.oo_slot ||
					      f->r->strategies[strat].orders.index[h.d.oo_entry].slot != h.d.oo_slot;
				assert_true(rg_risk_release_committed(f->r, strat, &h.d, h.id, f->now));
				assert_true(rg_risk_on_cancelled(twin, strat, h.id, f->now));
				break;
			}
			live[strat][k] = live[strat][--n_live[strat]];
			assert_same_state(f->r, twin, step);
			continue;
		}
		/* a new limit order around the reference, a few ticks either side (the books cross often) */
		uint32_t sym = strat == 1 || fx_rnd(&g) % 2 ? SYM_AAA : SYM_BBB;
		int64_t ref = sym == SYM_AAA ? E8(100) : E8(50);
		struct rg_order o = fx_order(f, sym, fx_rnd(&g) % 2 ? RG_SIDE_BUY : RG_SIDE_SELL,
					     E8(1 + (int64_t)(fx_rnd(&g) % 3)), ref + CENTS(1) * ((int64_t)(fx_rnd(&g) % 9) - 4));
		static const uint8_t tifs[] = {RG_TIF_DAY, RG_TIF_GTC, RG_TIF_DAY, RG_TIF_IOC};
		o.tif = tifs[fx_rnd(&g) % 4];
		do /* ids whose homes crowd an eighth of the index: long clusters, which removals shift */
			o.client_order_id = fx_rnd(&g) >> 1 | 1;
		while ((_rg_oo_tag(o.client_order_id) & f->r->strategies[strat].orders.mask) >= 16);
		if (fx_rnd(&g) % 16 == 0) { /* a look-up hands a slot out (as recovery does) and leaves it empty */
			struct rg_open_order *free_a = NULL, *free_b = NULL;
			uint64_t ghost = 1000000000ull + (uint64_t)step;
			assert_null(rg_open_orders_find(&f->r->strategies[strat].orders, ghost, &free_a));
			assert_null(rg_open_orders_find(&twin->strategies[strat].orders, ghost, &free_b));
			handouts++;
		}
		struct rg_decision da, db;
		bool roll_due = f->now >= f->r->day_roll_mono_ns;
		enum rg_reject_reason a = rg_risk_check_order(f->r, strat, &o, f->now, &da);
		enum rg_reject_reason b = rg_risk_check_order(twin, strat, &o, f->now, &db);
		assert_int_equal(a, b);
		assert_int_equal(da.engine_seq, db.engine_seq);
		if (a != RG_REJ_NONE) {
			assert_same_state(f->r, twin, step);
			continue;
		}
		rolls += roll_due;
		if (fx_rnd(&g) % 2 == 0 || n_live[strat] == LIVE_MAX) { /* a dry-run venue: released at once */
			const struct rg_open_order *e = &f->r->strategies[strat].orders.slots[da.oo_slot];
			uint32_t side = o.side == RG_SIDE_BUY ? 0 : 1;
			const struct rg_position *book =
				rg_risk_position(f->r, f->r->accounts[strat].smp_leader, sym);
			assert_int_equal(e->client_order_id, o.client_order_id);
			smp_walks += (e->flags & RG_OO_SMP) && rg_smp_key(side, e->price_e8) >= book->smp_best[side];
			assert_true(rg_risk_release_committed(f->r, strat, &da, o.client_order_id, f->now));
			assert_true(rg_risk_on_cancelled(twin, strat, o.client_order_id, f->now));
			assert_null(fx_live(f, strat, o.client_order_id));
			at_once++;
		} else {
			live[strat][n_live[strat]++] = (struct held){o.client_order_id, da};
		}
		assert_same_state(f->r, twin, step);
	}
	assert_invariants(f);
	print_message("released at once %u (%u walked for the best), late %u (%u moved since), with a handout "
		      "waiting %u, after a roll %u\n",
		      at_once, smp_walks, late, late_moved, handouts, rolls);
	/* The stream reached every branch of the release. */
	assert_true(at_once > STEPS / 10);
	assert_true(smp_walks > 100 && smp_walks < at_once);
	assert_true(late > 1000 && late_moved > 100);
	assert_true(handouts > 100);
	rg_risk_destroy(twin);
}

/* What a released order spent stays spent: its rate tokens, its place in the
 * day's count, its engine sequence and its duplicate-guard entry; what it
 * reserved is free again. */
static void a_released_order_keeps_its_rates_and_counts_spent(void **state)
{
	struct fx *f = *state;
	struct rg_decision d;

	f->cfg.strategies[0].order_rate.count = 3;
	f->cfg.strategies[0].order_rate.window_ns = SEC_NS;
	f->cfg.strategies[0].duplicate_window_ns = SEC_NS;
	fx_create(f);
	for (int i = 0; i < 2; i++) {
		struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100) + CENTS(i));
		assert_reason(rg_risk_check_order(f->r, 0, &o, f->now, &d), RG_REJ_NONE);
		assert_int_equal(f->r->strategies[0].orders.count, 1);
		assert_true(rg_risk_release_committed(f->r, 0, &d, o.client_order_id, f->now));
		assert_int_equal(f->r->strategies[0].orders.count, 0);
		assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->open_buy_qty_e8, 0);
		assert_int_equal(f->r->accounts[0].open_notional_e8, 0);
		assert_int_equal(f->r->global_gross_e8, 0);
	}
	assert_int_equal(f->r->accounts[0].orders_today, 2);
	assert_int_equal(f->r->next_seq, 2);
	/* the same order again is a duplicate; the window has one order left, then none */
	struct rg_order again = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100) + CENTS(1));
	assert_reason(rg_risk_check_order(f->r, 0, &again, f->now, &d), RG_REJ_DUPLICATE_ORDER);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(3), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(4), E8(100), NULL), RG_REJ_ORDER_RATE);
	f->now += SEC_NS + 1;
	struct rg_order later = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(2), E8(100) + CENTS(1));
	assert_reason(rg_risk_check_order(f->r, 0, &later, f->now, &d), RG_REJ_NONE);
	/* released twice: the second finds nothing */
	assert_true(rg_risk_release_committed(f->r, 0, &d, later.client_order_id, f->now));
	assert_false(rg_risk_release_committed(f->r, 0, &d, later.client_order_id, f->now));
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(a_released_order_leaves_the_state_the_cancel_path_leaves),
		FX_TEST(a_released_order_keeps_its_rates_and_counts_spent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
