/*
 * Tests of the decimal helpers (shm/decimal.h): text and (mantissa, exponent)
 * to _e8 and back, exact; each rounding direction at the 10^-8 digit and to a
 * tick or lot, on both signs and at ties; the limits of int64 and the errors
 * (-EINVAL, -ERANGE, -EDOM) with nothing written.  A randomised round trip
 * holds format and parse against each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <riskgate/decimal.h>

static int64_t parse(const char *t, enum rg_round m)
{
	int64_t v = 777;
	int rc = rg_decimal_parse_e8(t, m, &v);

	if (rc != 0)
		fail_msg("parse %s: %d", t, rc);
	return v;
}

static void parse_is_exact(void **state)
{
	(void)state;
	assert_int_equal(parse("187.25", RG_ROUND_EXACT), 18725000000LL);
	assert_int_equal(parse("-0.5", RG_ROUND_EXACT), -50000000LL);
	assert_int_equal(parse("+3", RG_ROUND_EXACT), 300000000LL);
	assert_int_equal(parse(".00000001", RG_ROUND_EXACT), 1);
	assert_int_equal(parse("7.", RG_ROUND_EXACT), 700000000LL);
	assert_int_equal(parse("0.1234567800000", RG_ROUND_EXACT), 12345678);
	assert_int_equal(parse("92233720368.54775807", RG_ROUND_EXACT), INT64_MAX);
	assert_int_equal(parse("-92233720368.54775807", RG_ROUND_EXACT), -INT64_MAX);
}

static void parse_rounds_below_the_eighth_decimal(void **state)
{
	(void)state;
	assert_int_equal(parse("1.000000015", RG_ROUND_DOWN), 100000001);
	assert_int_equal(parse("1.000000015", RG_ROUND_UP), 100000002);
	assert_int_equal(parse("1.000000015", RG_ROUND_NEAREST), 100000002); /* tie: away from zero */
	assert_int_equal(parse("1.0000000149", RG_ROUND_NEAREST), 100000001);
	assert_int_equal(parse("1.0000000150001", RG_ROUND_NEAREST), 100000002);
	assert_int_equal(parse("-1.000000015", RG_ROUND_DOWN), -100000002);
	assert_int_equal(parse("-1.000000015", RG_ROUND_UP), -100000001);
	assert_int_equal(parse("-1.000000015", RG_ROUND_TOWARD_ZERO), -100000001);
	assert_int_equal(parse("-1.000000015", RG_ROUND_NEAREST), -100000002);
	assert_int_equal(parse("1.000000010000000001", RG_ROUND_UP), 100000002); /* a far digit counts */
}

static void parse_errors_write_nothing(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(rg_decimal_parse_e8("1.000000015", RG_ROUND_EXACT, &v), -EDOM);
	assert_int_equal(rg_decimal_parse_e8("", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8("-", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8(".", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8("1e5", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8(" 1", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8("1,5", RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8(NULL, RG_ROUND_EXACT, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8("1", (enum rg_round)9, &v), -EINVAL);
	assert_int_equal(rg_decimal_parse_e8("92233720368.54775808", RG_ROUND_EXACT, &v), -ERANGE);
	assert_int_equal(rg_decimal_parse_e8("92233720368.547758071", RG_ROUND_UP, &v), -ERANGE);
	assert_int_equal(rg_decimal_parse_e8("99999999999999999999999", RG_ROUND_EXACT, &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void mantissa_and_exponent_both_ways(void **state)
{
	int64_t v = 0, m;
	int e;

	(void)state;
	assert_int_equal(rg_decimal_from_mantissa(18725, -2, RG_ROUND_EXACT, &v), 0);
	assert_int_equal(v, 18725000000LL);
	rg_decimal_to_mantissa(v, &m, &e);
	assert_int_equal(m, 18725);
	assert_int_equal(e, -2);
	assert_int_equal(rg_decimal_from_mantissa(5, 3, RG_ROUND_EXACT, &v), 0);
	assert_int_equal(v, 500000000000LL);
	rg_decimal_to_mantissa(v, &m, &e);
	assert_true(m == 5 && e == 3);
	rg_decimal_to_mantissa(0, &m, &e);
	assert_true(m == 0 && e == 0);
	assert_int_equal(rg_decimal_from_mantissa(-123456789, -9, RG_ROUND_EXACT, &v), -EDOM);
	assert_int_equal(rg_decimal_from_mantissa(-123456789, -9, RG_ROUND_TOWARD_ZERO, &v), 0);
	assert_int_equal(v, -12345678);
	assert_int_equal(rg_decimal_from_mantissa(-123456785, -9, RG_ROUND_NEAREST, &v), 0);
	assert_int_equal(v, -12345679);
	assert_int_equal(rg_decimal_from_mantissa(1, -40, RG_ROUND_UP, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(rg_decimal_from_mantissa(INT64_MAX, -40, RG_ROUND_NEAREST, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rg_decimal_from_mantissa(0, 300, RG_ROUND_EXACT, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rg_decimal_from_mantissa(1, 11, RG_ROUND_EXACT, &v), -ERANGE);
	assert_int_equal(rg_decimal_from_mantissa(INT64_MIN, -8, RG_ROUND_EXACT, &v), -ERANGE);
}

static void round_to_a_tick_or_lot(void **state)
{
	int64_t v = 0, tick = 5000000; /* 0.05 */

	(void)state;
	assert_int_equal(rg_decimal_round_to(18727000000LL, tick, RG_ROUND_DOWN, &v), 0);
	assert_int_equal(v, 18725000000LL);
	assert_int_equal(rg_decimal_round_to(18727000000LL, tick, RG_ROUND_UP, &v), 0);
	assert_int_equal(v, 18730000000LL);
	assert_int_equal(rg_decimal_round_to(18727500000LL, tick, RG_ROUND_NEAREST, &v), 0);
	assert_int_equal(v, 18730000000LL);
	assert_int_equal(rg_decimal_round_to(-18727000000LL, tick, RG_ROUND_DOWN, &v), 0);
	assert_int_equal(v, -18730000000LL);
	assert_int_equal(rg_decimal_round_to(-18727000000LL, tick, RG_ROUND_TOWARD_ZERO, &v), 0);
	assert_int_equal(v, -18725000000LL);
	v = 1;
	assert_int_equal(rg_decimal_round_to(18727000000LL, tick, RG_ROUND_EXACT, &v), -EDOM);
	assert_int_equal(rg_decimal_round_to(18725000000LL, 0, RG_ROUND_DOWN, &v), -EINVAL);
	assert_int_equal(rg_decimal_round_to(INT64_MAX, 2, RG_ROUND_UP, &v), -ERANGE);
	assert_int_equal(v, 1);
	assert_int_equal(rg_decimal_round_to(18725000000LL, tick, RG_ROUND_EXACT, &v), 0);
	assert_int_equal(v, 18725000000LL);
}

static void format_and_parse_round_trip(void **state)
{
	char buf[RG_DECIMAL_TEXT_MAX];
	uint64_t x = 88172645463325252ull;

	(void)state;
	assert_int_equal(rg_decimal_format_e8(buf, sizeof(buf), 18725000000LL), 6);
	assert_string_equal(buf, "187.25");
	rg_decimal_format_e8(buf, sizeof(buf), -50000000);
	assert_string_equal(buf, "-0.5");
	rg_decimal_format_e8(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0");
	rg_decimal_format_e8(buf, sizeof(buf), INT64_MIN);
	assert_string_equal(buf, "-92233720368.54775808");
	assert_int_equal(rg_decimal_format_e8(buf, 6, 18725000000LL), 0);
	for (int i = 0; i < 100000; i++) {
		int64_t v, back = 0;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v = (int64_t)(x >> (x % 40)) * ((x & 1) ? -1 : 1);
		rg_decimal_format_e8(buf, sizeof(buf), v);
		assert_int_equal(rg_decimal_parse_e8(buf, RG_ROUND_EXACT, &back), 0);
		assert_int_equal(back, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_is_exact),
		cmocka_unit_test(parse_rounds_below_the_eighth_decimal),
		cmocka_unit_test(parse_errors_write_nothing),
		cmocka_unit_test(mantissa_and_exponent_both_ways),
		cmocka_unit_test(round_to_a_tick_or_lot),
		cmocka_unit_test(format_and_parse_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
