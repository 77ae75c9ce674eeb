/*
 * Check 1: kill switch and trading states.  A kill of each scope (instance,
 * account, strategy, symbol, venue) refuses exactly the new orders it covers
 * with KILL_SWITCH and lets cancels through.  Every scope (instance, account,
 * strategy, symbol) in every state: HALTED refuses new orders with its own
 * reason and lets cancels through; REDUCING admits exactly the orders that
 * move the position toward zero without crossing it, counting open orders on
 * the order's side.
 */
#include "checks_fixture.h"

enum scope { SC_INSTANCE, SC_ACCOUNT, SC_STRATEGY, SC_SYMBOL, SC_N };

static const char *const scope_name[SC_N] = {"instance", "account", "strategy", "symbol"};
static const enum rg_reject_reason halted_reason[SC_N] = {RG_REJ_INSTANCE_HALTED, RG_REJ_ACCOUNT_HALTED,
							   RG_REJ_STRATEGY_HALTED, RG_REJ_SYMBOL_HALTED};

/* Puts the scope that covers strategy 0 trading AAA into `state`. */
static void set_scope(struct fx *f, int sc, uint8_t state)
{
	bool ok = false;

	switch (sc) {
	case SC_INSTANCE: ok = rg_risk_set_instance_state(f->r, state); break;
	case SC_ACCOUNT: ok = rg_risk_set_account_state(f->r, 0, state); break;
	case SC_STRATEGY: ok = rg_risk_set_strategy_state(f->r, 0, state); break;
	case SC_SYMBOL: ok = rg_risk_set_symbol_state(f->r, SYM_AAA, state); break;
	}
	assert_true(ok);
}

/* Sends an order that must pass, then confirms its cancel (reservation released). */
static void expect_pass_then_drop(struct fx *f, uint32_t strategy, uint32_t sym, uint8_t side, int64_t qty)
{
	uint64_t id;

	assert_reason(fx_send(f, strategy, sym, side, qty, E8(100), &id), RG_REJ_NONE);
	assert_true(rg_risk_on_cancelled(f->r, strategy, id, f->now));
}

static void active_everywhere_approves(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
	assert_int_equal(f->d.reason, RG_REJ_NONE);
	assert_int_equal(f->d.engine_seq, 1);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), NULL), RG_REJ_NONE);
	assert_int_equal(f->d.engine_seq, 2);
}

static void kill_switch_refuses_new_orders_and_passes_cancels(void **state)
{
	struct fx *f = *state;
	uint64_t live;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &live), RG_REJ_NONE);
	rg_risk_set_kill(f->r, true);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_KILL_SWITCH);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), NULL), RG_REJ_KILL_SWITCH);
	assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
	rg_risk_set_kill(f->r, false);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
}

/* Symbol BBB moves to a second venue so a venue kill has something outside it. */
static void fx_two_venues(struct fx *f)
{
	f->cfg.n_venues = 2;
	strcpy(f->cfg.venues[1].name, "SIM2");
	f->syms[SYM_BBB].venue = 1;
}

static void kill_of_each_scope_refuses_its_orders_only_and_passes_cancels(void **state)
{
	static const struct rg_risk_scope kills[] = {
		{RG_RSCOPE_INSTANCE, 0}, {RG_RSCOPE_ACCOUNT, 0}, {RG_RSCOPE_STRATEGY, 0},
		{RG_RSCOPE_SYMBOL, SYM_AAA}, {RG_RSCOPE_VENUE, 0},
	};
	static const char *const names[] = {"instance", "account", "strategy", "symbol", "venue"};
	struct fx *f = *state;

	fx_two_venues(f);
	fx_create(f);
	for (unsigned k = 0; k < sizeof(kills) / sizeof(kills[0]); k++) {
		uint64_t live;
		print_message("kill %s\n", names[k]);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &live), RG_REJ_NONE);
		assert_int_equal(rg_risk_set_kills(f->r, &kills[k], 1), 0);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_KILL_SWITCH);
		assert_int_equal(f->d.value, kills[k].kind);
		/* A sell (reducing nothing, or anything) is refused the same way. */
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), NULL), RG_REJ_KILL_SWITCH);
		assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
		assert_true(rg_risk_on_cancelled(f->r, 0, live, f->now));
		/* Outside the scope: strategy 1 is account 1's; BBB is venue 1's. */
		assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL),
			      kills[k].kind == RG_RSCOPE_ACCOUNT || kills[k].kind == RG_RSCOPE_STRATEGY ? RG_REJ_NONE
												       : RG_REJ_KILL_SWITCH);
		assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(10), E8(50), NULL),
			      kills[k].kind == RG_RSCOPE_SYMBOL || kills[k].kind == RG_RSCOPE_VENUE ? RG_REJ_NONE
												    : RG_REJ_KILL_SWITCH);
		assert_int_equal(rg_risk_set_kills(f->r, NULL, 0), 0);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
	}
	assert_invariants(f);
}

static void set_kills_makes_the_kills_exactly_the_list(void **state)
{
	const struct rg_risk_scope both[] = {{RG_RSCOPE_STRATEGY, 0}, {RG_RSCOPE_VENUE, 1}};
	const struct rg_risk_scope bad[] = {{RG_RSCOPE_ACCOUNT, 2}, {RG_RSCOPE_SYMBOL, N_SYMS}, {RG_RSCOPE_VENUE, 2},
					    {RG_RSCOPE_STRATEGY, 2}, {9, 0}, {RG_RSCOPE_STRATEGY, 1}};
	struct fx *f = *state;

	fx_two_venues(f);
	fx_create(f);
	assert_int_equal(rg_risk_set_kills(f->r, both, 2), 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_KILL_SWITCH);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	/* Strategy 0 is killed, and so is BBB through its venue: the most global kill is named. */
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_KILL_SWITCH);
	assert_int_equal(f->d.value, RG_RSCOPE_STRATEGY);
	/* Only the venue left: strategy 0 trades AAA again, BBB stays killed. */
	assert_int_equal(rg_risk_set_kills(f->r, &both[1], 1), 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_KILL_SWITCH);
	assert_int_equal(f->d.value, RG_RSCOPE_VENUE);
	/* Entries naming nothing are counted and ignored; the one good entry holds. */
	assert_int_equal(rg_risk_set_kills(f->r, bad, 6), 5);
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_KILL_SWITCH);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_NONE);
	/* The instance switch is one of the flags the list sets and clears. */
	rg_risk_set_kill(f->r, true);
	assert_int_equal(rg_risk_set_kills(f->r, NULL, 0), 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
}

/* A kill outranks every trading state, and a halted scope still says HALTED once the kill is lifted. */
static void a_scoped_kill_outranks_trading_states(void **state)
{
	const struct rg_risk_scope sym = {RG_RSCOPE_SYMBOL, SYM_AAA};
	struct fx *f = *state;

	fx_create(f);
	rg_risk_set_instance_state(f->r, RG_STATE_HALTED);
	rg_risk_set_kills(f->r, &sym, 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_KILL_SWITCH);
	assert_int_equal(f->d.value, RG_RSCOPE_SYMBOL);
	rg_risk_set_kills(f->r, NULL, 0);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_INSTANCE_HALTED);
}

static void halted_scope_refuses_new_orders_with_its_reason_and_passes_cancels(void **state)
{
	struct fx *f = *state;
	int sc;

	fx_create(f);
	for (sc = 0; sc < SC_N; sc++) {
		uint64_t live;
		print_message("scope %s\n", scope_name[sc]);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &live), RG_REJ_NONE);
		set_scope(f, sc, RG_STATE_HALTED);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), halted_reason[sc]);
		/* A sell that would close nothing is refused the same way. */
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(10), E8(100), NULL), halted_reason[sc]);
		assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
		assert_true(rg_risk_on_cancelled(f->r, 0, live, f->now));
		/* What the scope does not cover still trades. */
		if (sc == SC_ACCOUNT || sc == SC_STRATEGY)
			assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
		if (sc == SC_SYMBOL)
			assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(10), E8(50), NULL), RG_REJ_NONE);
		if (sc == SC_INSTANCE)
			assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL),
				      RG_REJ_INSTANCE_HALTED);
		set_scope(f, sc, RG_STATE_ACTIVE);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), NULL), RG_REJ_NONE);
	}
	assert_invariants(f);
}

static void reducing_scope_admits_exactly_the_orders_that_reduce_a_long(void **state)
{
	struct fx *f = *state;
	int sc;

	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100)); /* long 100 */
	for (sc = 0; sc < SC_N; sc++) {
		uint64_t working;
		print_message("scope %s\n", scope_name[sc]);
		set_scope(f, sc, RG_STATE_REDUCING);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		assert_int_equal(f->d.value, E8(100)); /* the position */
		expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(99));                     /* inside */
		expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(100));                    /* exactly flat */
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(101), E8(100), NULL), RG_REJ_REDUCE_ONLY); /* flips */
		/* Open sells count: with 60 working, 40 more reach flat and 41 would cross. */
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(60), E8(100), &working), RG_REJ_NONE);
		expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(40));
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(41), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		assert_true(rg_risk_on_cancelled(f->r, 0, working, f->now));
		set_scope(f, sc, RG_STATE_ACTIVE);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), &working), RG_REJ_NONE);
		assert_true(rg_risk_on_cancelled(f->r, 0, working, f->now));
	}
	assert_invariants(f);
}

static void reducing_scope_admits_exactly_the_orders_that_reduce_a_short(void **state)
{
	struct fx *f = *state;
	int sc;

	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_SELL, E8(50), E8(100)); /* short 50 */
	for (sc = 0; sc < SC_N; sc++) {
		print_message("scope %s\n", scope_name[sc]);
		set_scope(f, sc, RG_STATE_REDUCING);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(49));
		expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_BUY, E8(50));
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(51), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		set_scope(f, sc, RG_STATE_ACTIVE);
	}
}

static void reducing_refuses_everything_when_flat(void **state)
{
	struct fx *f = *state;
	int sc;

	fx_create(f);
	for (sc = 0; sc < SC_N; sc++) {
		set_scope(f, sc, RG_STATE_REDUCING);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(1), E8(100), NULL), RG_REJ_REDUCE_ONLY);
		set_scope(f, sc, RG_STATE_ACTIVE);
	}
}

/* The position and open orders are the account's: another strategy's working
 * sell counts against a reducing sell. */
static void reducing_counts_open_orders_of_every_strategy_of_the_account(void **state)
{
	struct fx *f = *state;
	uint64_t other;

	f->cfg.n_strategies = 3;
	strcpy(f->cfg.strategies[2].name, "strat2");
	f->cfg.strategies[2].account = 0;
	fx_create(f);
	fx_position(f, 0, SYM_AAA, RG_SIDE_BUY, E8(100), E8(100));
	assert_reason(fx_send(f, 2, SYM_AAA, RG_SIDE_SELL, E8(60), E8(100), &other), RG_REJ_NONE);
	rg_risk_set_account_state(f->r, 0, RG_STATE_REDUCING);
	expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(40));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_SELL, E8(41), E8(100), NULL), RG_REJ_REDUCE_ONLY);
	assert_true(rg_risk_on_cancelled(f->r, 2, other, f->now));
	expect_pass_then_drop(f, 0, SYM_AAA, RG_SIDE_SELL, E8(100));
}

static void the_most_global_state_decides_first(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	rg_risk_set_account_state(f->r, 0, RG_STATE_HALTED);
	rg_risk_set_strategy_state(f->r, 0, RG_STATE_HALTED);
	rg_risk_set_instance_state(f->r, RG_STATE_HALTED);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_INSTANCE_HALTED);
	rg_risk_set_instance_state(f->r, RG_STATE_REDUCING);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_REDUCE_ONLY);
	rg_risk_set_instance_state(f->r, RG_STATE_ACTIVE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_ACCOUNT_HALTED);
	rg_risk_set_account_state(f->r, 0, RG_STATE_ACTIVE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_STRATEGY_HALTED);
	rg_risk_set_kill(f->r, true);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_KILL_SWITCH);
}

static void state_setters_refuse_bad_indexes_and_states(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	assert_false(rg_risk_set_instance_state(f->r, 3));
	assert_false(rg_risk_set_account_state(f->r, 2, RG_STATE_HALTED));
	assert_false(rg_risk_set_strategy_state(f->r, 2, RG_STATE_HALTED));
	assert_false(rg_risk_set_symbol_state(f->r, N_SYMS, RG_STATE_HALTED));
	assert_false(rg_risk_set_symbol_state(f->r, 0, 7));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
}

static void unknown_strategy_index_is_malformed(void **state)
{
	struct fx *f = *state;
	struct rg_order o;

	fx_create(f);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100));
	assert_reason(fx_decide(f, 2, &o), RG_REJ_MALFORMED);
	assert_reason(fx_decide(f, UINT32_MAX, &o), RG_REJ_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(active_everywhere_approves),
		FX_TEST(kill_switch_refuses_new_orders_and_passes_cancels),
		FX_TEST(kill_of_each_scope_refuses_its_orders_only_and_passes_cancels),
		FX_TEST(set_kills_makes_the_kills_exactly_the_list),
		FX_TEST(a_scoped_kill_outranks_trading_states),
		FX_TEST(halted_scope_refuses_new_orders_with_its_reason_and_passes_cancels),
		FX_TEST(reducing_scope_admits_exactly_the_orders_that_reduce_a_long),
		FX_TEST(reducing_scope_admits_exactly_the_orders_that_reduce_a_short),
		FX_TEST(reducing_refuses_everything_when_flat),
		FX_TEST(reducing_counts_open_orders_of_every_strategy_of_the_account),
		FX_TEST(the_most_global_state_decides_first),
		FX_TEST(state_setters_refuse_bad_indexes_and_states),
		FX_TEST(unknown_strategy_index_is_malformed),
	};
	return cmocka_run_group_tests_name("checks_state", tests, NULL, NULL);
}
