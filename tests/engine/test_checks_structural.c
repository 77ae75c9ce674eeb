/*
 * Checks 2 and 3: the message's own fields, its fields against the symbol
 * (lot, tick, ranges, market orders), order identity (live ids, cancel and
 * replace targets) and the symbol whitelist.  Each boundary is tried just
 * inside, exactly at and just outside.
 */
#include "checks_fixture.h"

static enum rg_reject_reason send_order(struct fx *f, struct rg_order *o)
{
	return fx_decide(f, 0, o);
}

/* A valid order of 10 AAA at 100 with one field changed by `edit`. */
#define EXPECT_EDIT(f, want, edit)                                                  \
	do {                                                                        \
		struct rg_order o_ = fx_order((f), SYM_AAA, RG_SIDE_BUY, E8(10), E8(100)); \
		edit;                                                               \
		assert_reason(send_order((f), &o_), (want));                        \
	} while (0)

static void malformed_fields_are_refused_each_with_its_reason(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	EXPECT_EDIT(f, RG_REJ_NONE, (void)0);
	EXPECT_EDIT(f, RG_REJ_MALFORMED, o_.reserved[0] = 1);
	EXPECT_EDIT(f, RG_REJ_MALFORMED, o_.reserved[7] = 0x80);
	EXPECT_EDIT(f, RG_REJ_MALFORMED, o_.client_order_id = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_KIND, o_.kind = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_KIND, o_.kind = 4);
	EXPECT_EDIT(f, RG_REJ_BAD_KIND, o_.kind = 255);
	EXPECT_EDIT(f, RG_REJ_BAD_SIDE, o_.side = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_SIDE, o_.side = 3);
	EXPECT_EDIT(f, RG_REJ_BAD_ORDER_TYPE, o_.type = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_ORDER_TYPE, o_.type = 3);
	EXPECT_EDIT(f, RG_REJ_BAD_TIF, o_.tif = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_TIF, o_.tif = 5);
	EXPECT_EDIT(f, RG_REJ_NONE, o_.tif = RG_TIF_GTC);
	EXPECT_EDIT(f, RG_REJ_NONE, o_.tif = RG_TIF_IOC);
	EXPECT_EDIT(f, RG_REJ_NONE, o_.tif = RG_TIF_FOK);
	EXPECT_EDIT(f, RG_REJ_BAD_QTY, o_.qty_e8 = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_QTY, o_.qty_e8 = -E8(10));
	EXPECT_EDIT(f, RG_REJ_BAD_QTY, o_.qty_e8 = INT64_MIN);
	EXPECT_EDIT(f, RG_REJ_BAD_PRICE, o_.price_e8 = 0);
	EXPECT_EDIT(f, RG_REJ_BAD_PRICE, o_.price_e8 = -E8(100));
	/* A market order carries no price. */
	EXPECT_EDIT(f, RG_REJ_BAD_PRICE, o_.type = RG_TYPE_MARKET);
	EXPECT_EDIT(f, RG_REJ_NONE, (o_.type = RG_TYPE_MARKET, o_.price_e8 = 0));
	assert_invariants(f);
}

static void market_orders_only_where_the_symbol_allows_them(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), 0, NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(10), 0, NULL), RG_REJ_MARKET_NOT_ALLOWED);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(10), E8(50), NULL), RG_REJ_NONE);
}

static void quantity_must_be_a_multiple_of_the_lot(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].lot_e8 = E8(100);      /* round lots */
	f->syms[SYM_AAA].min_qty_e8 = E8(100);
	f->syms[SYM_BBB].lot_e8 = 3;            /* an odd lot, in the smallest unit */
	f->syms[SYM_BBB].min_qty_e8 = 3;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(200), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(200) - 1, E8(100), NULL), RG_REJ_LOT_SIZE);
	assert_int_equal(f->d.limit, E8(100));
	assert_int_equal(f->d.value, E8(200) - 1);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(200) + 1, E8(100), NULL), RG_REJ_LOT_SIZE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(150), E8(100), NULL), RG_REJ_LOT_SIZE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, 3 * 33333333, E8(50), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, 3 * 33333333 + 1, E8(50), NULL), RG_REJ_LOT_SIZE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, 3 * 33333333 - 1, E8(50), NULL), RG_REJ_LOT_SIZE);
}

static void quantity_must_be_inside_the_symbol_range(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].min_qty_e8 = E8(10);
	f->syms[SYM_AAA].max_qty_e8 = E8(1000);
	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(9), E8(1), NULL), RG_REJ_QTY_OUT_OF_RANGE);
	assert_int_equal(f->d.limit, E8(10));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(11), E8(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(999), E8(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1000), E8(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1001), E8(1), NULL), RG_REJ_QTY_OUT_OF_RANGE);
	assert_int_equal(f->d.limit, E8(1000));
	assert_int_equal(f->d.value, E8(1001));
}

static void price_must_be_a_multiple_of_the_tick(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_BBB].tick_e8 = CENTS(5); /* 0.05 */
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) + 1, NULL), RG_REJ_TICK_SIZE);
	assert_int_equal(f->d.limit, CENTS(1));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100) - 1, NULL), RG_REJ_TICK_SIZE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50) + CENTS(5), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50) + CENTS(4), NULL), RG_REJ_TICK_SIZE);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50) + CENTS(6), NULL), RG_REJ_TICK_SIZE);
}

static void price_must_be_inside_the_symbol_range(void **state)
{
	struct fx *f = *state;

	f->syms[SYM_AAA].min_price_e8 = E8(90);
	f->syms[SYM_AAA].max_price_e8 = E8(110);
	f->syms[SYM_AAA].collar_bps = 0;
	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90) - CENTS(1), NULL), RG_REJ_PRICE_OUT_OF_RANGE);
	assert_int_equal(f->d.limit, E8(90));
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(90) + CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(110) - CENTS(1), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(110), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), E8(110) + CENTS(1), NULL), RG_REJ_PRICE_OUT_OF_RANGE);
	assert_int_equal(f->d.limit, E8(110));
	/* Market orders have no price to range-check. */
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(1), 0, NULL), RG_REJ_NONE);
}

static void cancel_needs_a_live_target(void **state)
{
	struct fx *f = *state;
	uint64_t live, filled, cancelled;
	struct rg_order o;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &live), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &filled), RG_REJ_NONE);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &cancelled), RG_REJ_NONE);
	fx_fill(f, 0, filled, E8(10), E8(100));
	assert_true(rg_risk_on_cancelled(f->r, 0, cancelled, f->now));

	assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE);
	assert_int_equal(f->d.symbol, SYM_AAA);
	assert_int_equal(f->d.engine_seq, 1); /* the target's sequence */
	assert_true(f->d.first_cancel);
	assert_reason(fx_cancel(f, 0, live), RG_REJ_NONE); /* a repeated cancel is harmless */
	assert_false(f->d.first_cancel);             /* the first one is still pending */
	assert_reason(fx_cancel(f, 0, filled), RG_REJ_UNKNOWN_ORDER);
	assert_reason(fx_cancel(f, 0, cancelled), RG_REJ_UNKNOWN_ORDER);
	assert_reason(fx_cancel(f, 0, 999999), RG_REJ_UNKNOWN_ORDER);
	assert_reason(fx_cancel(f, 0, 0), RG_REJ_UNKNOWN_ORDER);
	/* Another strategy's order is unknown to this one. */
	assert_reason(fx_cancel(f, 1, live), RG_REJ_UNKNOWN_ORDER);
	o = fx_cancel_of(f, live);
	o.reserved[3] = 1;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MALFORMED);
	/* The cancel leaves the reservation until the venue confirms. */
	assert_int_equal(rg_risk_position(f->r, 0, SYM_AAA)->open_buy_qty_e8, E8(10));
	assert_true(fx_live(f, 0, live)->flags & RG_OO_CANCEL_PENDING);
	assert_invariants(f);
}

static void new_order_reusing_a_live_client_order_id_is_refused(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t id;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &id), RG_REJ_NONE);
	o = fx_order(f, SYM_AAA, RG_SIDE_SELL, E8(5), E8(101));
	o.client_order_id = id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_DUPLICATE_CLORDID);
	/* Ids are per strategy. */
	o.symbol_id = SYM_AAA;
	assert_reason(fx_decide(f, 1, &o), RG_REJ_NONE);
	/* Once finished, the id may be used again. */
	fx_fill(f, 0, id, E8(10), E8(100));
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
}

static void replace_needs_a_live_target_of_the_same_symbol_and_side(void **state)
{
	struct fx *f = *state;
	struct rg_order o;
	uint64_t id;

	fx_create(f);
	assert_reason(fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100), &id), RG_REJ_NONE);
	o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(20), E8(101));
	o.kind = RG_ORDER_REPLACE;
	o.orig_client_order_id = 4242;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_UNKNOWN_ORDER);
	o.orig_client_order_id = id;
	o.side = RG_SIDE_SELL;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MALFORMED);
	o.side = RG_SIDE_BUY;
	o.symbol_id = SYM_BBB;
	o.price_e8 = E8(50);
	assert_reason(fx_decide(f, 0, &o), RG_REJ_MALFORMED);
	o.symbol_id = SYM_AAA;
	o.price_e8 = E8(101);
	o.client_order_id = id; /* a replace needs a new id */
	assert_reason(fx_decide(f, 0, &o), RG_REJ_DUPLICATE_CLORDID);
	o.client_order_id = ++f->next_id;
	assert_reason(fx_decide(f, 0, &o), RG_REJ_NONE);
	assert_int_equal(fx_live(f, 0, o.client_order_id)->replaces, id);
	assert_invariants(f);
}

static void symbol_must_be_known_enabled_and_permitted(void **state)
{
	struct fx *f = *state;

	fx_create(f);
	assert_reason(fx_send(f, 0, N_SYMS, RG_SIDE_BUY, E8(1), E8(10), NULL), RG_REJ_UNKNOWN_SYMBOL);
	assert_int_equal(f->d.limit, N_SYMS);
	assert_reason(fx_send(f, 0, UINT32_MAX, RG_SIDE_BUY, E8(1), E8(10), NULL), RG_REJ_UNKNOWN_SYMBOL);
	assert_reason(fx_send(f, 0, N_SYMS - 1, RG_SIDE_BUY, E8(1), E8(10), NULL), RG_REJ_SYMBOL_DISABLED);
	/* Account 1 may trade AAA only. */
	assert_reason(fx_send(f, 1, SYM_AAA, RG_SIDE_BUY, E8(1), E8(100), NULL), RG_REJ_NONE);
	assert_reason(fx_send(f, 1, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_SYMBOL_NOT_PERMITTED);
	assert_reason(fx_send(f, 0, SYM_BBB, RG_SIDE_BUY, E8(1), E8(50), NULL), RG_REJ_NONE);
}

static void message_checks_come_before_symbol_checks(void **state)
{
	struct fx *f = *state;
	struct rg_order o;

	fx_create(f);
	o = fx_order(f, N_SYMS, RG_SIDE_BUY, 0, E8(10)); /* unknown symbol and bad quantity */
	assert_reason(fx_decide(f, 0, &o), RG_REJ_BAD_QTY);
	o = fx_order(f, N_SYMS, RG_SIDE_BUY, E8(1) + 1, E8(10)); /* unknown symbol and (for AAA) bad lot */
	assert_reason(fx_decide(f, 0, &o), RG_REJ_UNKNOWN_SYMBOL);
	o = fx_order(f, SYM_BBB, RG_SIDE_BUY, E8(1) + 1, E8(50));
	assert_reason(fx_decide(f, 1, &o), RG_REJ_SYMBOL_NOT_PERMITTED);
}

/* The reason the documented order of checks gives for these enum bytes on a
 * limit buy of 10 AAA at 100 (orig id 0). */
static enum rg_reject_reason expected_for_enums(unsigned kind, unsigned side, unsigned type, unsigned tif)
{
	if (kind == RG_ORDER_CANCEL)
		return RG_REJ_UNKNOWN_ORDER; /* a cancel of order 0 */
	if (kind != RG_ORDER_NEW && kind != RG_ORDER_REPLACE)
		return RG_REJ_BAD_KIND;
	if (side != RG_SIDE_BUY && side != RG_SIDE_SELL)
		return RG_REJ_BAD_SIDE;
	if (type != RG_TYPE_LIMIT && type != RG_TYPE_MARKET)
		return RG_REJ_BAD_ORDER_TYPE;
	if (tif < RG_TIF_DAY || tif > RG_TIF_GTC)
		return RG_REJ_BAD_TIF;
	if (type == RG_TYPE_MARKET)
		return RG_REJ_BAD_PRICE; /* it carries a price */
	if (kind == RG_ORDER_REPLACE)
		return RG_REJ_UNKNOWN_ORDER;
	return RG_REJ_NONE;
}

static void check_enums(struct fx *f, unsigned kind, unsigned side, unsigned type, unsigned tif)
{
	struct rg_order o = fx_order(f, SYM_AAA, RG_SIDE_BUY, E8(10), E8(100));
	enum rg_reject_reason want = expected_for_enums(kind, side, type, tif), got;

	o.kind = (uint8_t)kind;
	o.side = (uint8_t)side;
	o.type = (uint8_t)type;
	o.tif = (uint8_t)tif;
	got = fx_decide(f, 0, &o);
	if (got != want)
		fail_msg("kind %u side %u type %u tif %u: got %s, want %s", kind, side, type, tif, rg_reject_str(got),
			 rg_reject_str(want));
	if (got == RG_REJ_NONE)
		assert_true(rg_risk_on_cancelled(f->r, 0, o.client_order_id, f->now));
}

/* The four enum bytes are validated together (one 32-bit word): every value
 * of each byte, and every pair of bytes, gets the reason of the documented
 * order. */
static void enum_bytes_are_validated_exactly(void **state)
{
	struct fx *f = *state;
	unsigned v, w;

	fx_create(f);
	for (v = 0; v < 256; v++) {
		check_enums(f, v, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_DAY);
		check_enums(f, RG_ORDER_NEW, v, RG_TYPE_LIMIT, RG_TIF_DAY);
		check_enums(f, RG_ORDER_NEW, RG_SIDE_BUY, v, RG_TIF_DAY);
		check_enums(f, RG_ORDER_NEW, RG_SIDE_BUY, RG_TYPE_LIMIT, v);
	}
	for (v = 0; v < 256; v++)
		for (w = 0; w < 256; w++) {
			check_enums(f, v, w, RG_TYPE_LIMIT, RG_TIF_DAY);
			check_enums(f, RG_ORDER_NEW, v, w, RG_TIF_DAY);
			check_enums(f, RG_ORDER_NEW, RG_SIDE_BUY, v, w);
			check_enums(f, v, RG_SIDE_BUY, RG_TYPE_LIMIT, w);
		}
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(malformed_fields_are_refused_each_with_its_reason),
		FX_TEST(market_orders_only_where_the_symbol_allows_them),
		FX_TEST(quantity_must_be_a_multiple_of_the_lot),
		FX_TEST(quantity_must_be_inside_the_symbol_range),
		FX_TEST(price_must_be_a_multiple_of_the_tick),
		FX_TEST(price_must_be_inside_the_symbol_range),
		FX_TEST(cancel_needs_a_live_target),
		FX_TEST(new_order_reusing_a_live_client_order_id_is_refused),
		FX_TEST(replace_needs_a_live_target_of_the_same_symbol_and_side),
		FX_TEST(symbol_must_be_known_enabled_and_permitted),
		FX_TEST(message_checks_come_before_symbol_checks),
		FX_TEST(enum_bytes_are_validated_exactly),
	};
	return cmocka_run_group_tests_name("checks_structural", tests, NULL, NULL);
}
