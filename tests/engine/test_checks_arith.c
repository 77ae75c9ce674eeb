/*
 * The fixed-point helpers (engine/fixed.h, engine/position.h) against
 * straightforward __int128 references, on edge values and millions of random
 * inputs spread over every magnitude; and the order path's overflow handling:
 * an order whose notional does not fit is refused with ARITH_OVERFLOW exactly
 * when the 128-bit reference says it does not fit.
 * RG_TEST_SEED=<n> in the environment changes the random seed.  Built twice:
 * test_checks_arith uses the x86-64 divq notional, test_checks_arith_portable
 * (RG_NO_ASM) the split-at-10^8 one every other machine uses.
 */
#include "checks_fixture.h"

#include "position.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

static uint64_t rng_state = 0x5eed5eed12345678ull;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A non-negative int64 of random magnitude (every bit length equally likely),
 * sometimes near a multiple of 10^8. */
static int64_t rnd_mag(void)
{
	uint64_t v = rnd() >> (rnd() % 64);

	switch (rnd() % 4) {
	case 0: v = (v / RG_E8) * RG_E8 + (rnd() % 3) - 1; break;
	case 1: v = RG_E8 - 1 - (rnd() % 2); break;
	default: break;
	}
	return (int64_t)(v & (uint64_t)INT64_MAX);
}

static int seed_from_env(void **state)
{
	const char *s = getenv("RG_TEST_SEED");

	(void)state;
	if (s != NULL)
		rng_state = strtoull(s, NULL, 0);
	print_message("seed 0x%llx\n", (unsigned long long)rng_state);
	return 0;
}

/* ---- references ------------------------------------------------------------ */

static bool ref_notional(int64_t q, int64_t p, int64_t *out)
{
	u128 prod = (u128)(uint64_t)q * (uint64_t)p;
	u128 quot = prod / RG_E8 + (prod % RG_E8 != 0);

	if (quot > (u128)INT64_MAX)
		return false;
	*out = (int64_t)quot;
	return true;
}

static bool ref_pnl(int64_t q, int64_t from, int64_t to, int64_t *out)
{
	i128 x = (i128)q * ((i128)to - (i128)from);
	i128 quot = x / (i128)RG_E8; /* C truncates toward zero */

	if (quot > INT64_MAX || quot < -INT64_MAX)
		return false;
	*out = (int64_t)quot;
	return true;
}

static bool ref_fill(int64_t *q, int64_t *a, int64_t f, int64_t p, int64_t *realized)
{
	i128 nq = (i128)*q + f;

	if (f == 0 || f == INT64_MIN || p <= 0 || nq > INT64_MAX || nq <= INT64_MIN)
		return false;
	if (*q == 0 || (*q > 0 && f > 0) || (*q < 0 && f < 0)) {
		i128 aq = *q < 0 ? -(i128)*q : *q, af = f < 0 ? -(i128)f : f;
		u128 num = (u128)aq * (u128)*a + (u128)af * (u128)p;
		*a = (int64_t)(num / (u128)(aq + af));
		*q = (int64_t)nq;
		*realized = 0;
		return true;
	}
	i128 aq = *q < 0 ? -(i128)*q : *q, af = f < 0 ? -(i128)f : f;
	i128 closed = aq < af ? aq : af;
	i128 pnl = (*q > 0 ? closed : -closed) * ((i128)p - *a) / (i128)RG_E8;
	if (pnl > INT64_MAX || pnl < -INT64_MAX)
		return false;
	*realized = (int64_t)pnl;
	if (nq == 0)
		*a = 0;
	else if ((nq > 0) != (*q > 0))
		*a = p;
	*q = (int64_t)nq;
	return true;
}

/* ---- helpers vs references ---------------------------------------------------- */

static void check_notional(int64_t q, int64_t p)
{
	int64_t got = -7, want = -7;
	bool ok = rg_notional_e8(q, p, &got), want_ok = ref_notional(q, p, &want);

	if (ok != want_ok || (ok && got != want))
		fail_msg("notional(%lld, %lld): got %d/%lld, want %d/%lld", (long long)q, (long long)p, ok,
			 (long long)got, want_ok, (long long)want);
}

static void notional_matches_the_128_bit_reference(void **state)
{
	static const int64_t edge[] = {0, 1, 2, 99999999, 100000000, 100000001, 199999999, 3037000499LL,
				       3037000500LL, 9999999999LL, 96038388349944LL, 960383883499445LL,
				       INT64_MAX / 100000000, INT64_MAX / 100000000 + 1, INT64_MAX / 2, INT64_MAX - 1,
				       INT64_MAX};
	size_t i, j;
	long n;

	(void)state;
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (j = 0; j < sizeof(edge) / sizeof(edge[0]); j++)
			check_notional(edge[i], edge[j]);
	for (n = 0; n < 4000000; n++)
		check_notional(rnd_mag(), rnd_mag());
	/* Around the overflow boundary: q * p / 1e8 close to INT64_MAX. */
	for (n = 0; n < 1000000; n++) {
		int64_t q = rnd_mag() | 1, p;
		u128 edge_p = ((u128)INT64_MAX * RG_E8) / (uint64_t)q; /* q * edge_p / 1e8 ~ INT64_MAX */
		p = edge_p > (u128)INT64_MAX - 2 ? INT64_MAX - 2 : (int64_t)edge_p;
		p += (int64_t)(rnd() % 5) - 2;
		check_notional(q, p < 0 ? 0 : p);
	}
}

static void check_divisible(uint64_t n, uint64_t d)
{
	struct rg_divisor dv = rg_divisor_make(d);

	if (rg_divisor_value(&dv) != d)
		fail_msg("divisor_value(make(%llu)) = %llu", (unsigned long long)d,
			 (unsigned long long)rg_divisor_value(&dv));
	if (rg_divisible(n, &dv) != (n % d == 0))
		fail_msg("divisible(%llu, %llu): got %d", (unsigned long long)n, (unsigned long long)d,
			 rg_divisible(n, &dv));
}

static void divisibility_matches_the_remainder(void **state)
{
	static const uint64_t divs[] = {1, 2, 3, 5, 7, 8, 10, 64, 100, 1000000, 100000000, 3 * 100000000ull,
					(uint64_t)INT64_MAX, UINT64_MAX, 1ull << 63};
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		uint64_t d = divs[i], k;
		for (k = 0; k < 1000; k++) {
			check_divisible(k, d);
			check_divisible(k * d, d);
			check_divisible(k * d + 1, d);
			check_divisible(k * d - 1, d);
			check_divisible(UINT64_MAX - k, d);
		}
	}
	for (n = 0; n < 1000000; n++) {
		uint64_t d = (rnd() >> (rnd() % 64)) | 1;
		d <<= rnd() % 8;
		if (d == 0)
			d = 1;
		uint64_t m = rnd() >> (rnd() % 64);
		check_divisible(m, d);
		check_divisible(m * d, d);
		check_divisible(m * d + 1 + rnd() % 3, d);
	}
}

static void bps_and_pnl_match_the_references(void **state)
{
	long n;

	(void)state;
	for (n = 0; n < 1000000; n++) {
		int64_t v = rnd_mag(), got = 0, want = 0;
		uint32_t bps = (uint32_t)(rnd() >> (rnd() % 64));
		u128 x = (u128)(uint64_t)v * bps / 10000;
		bool ok = rg_bps_of(v, bps, &got);
		if (ok != (x <= (u128)INT64_MAX) || (ok && (u128)got != x))
			fail_msg("bps_of(%lld, %u)", (long long)v, bps);

		int64_t q = rnd() % 2 ? rnd_mag() : -rnd_mag(), from = rnd_mag(), to = rnd_mag();
		bool pok = rg_pnl_e8(q, from, to, &got), pwant = ref_pnl(q, from, to, &want);
		if (pok != pwant || (pok && got != want))
			fail_msg("pnl(%lld, %lld, %lld): got %d/%lld want %d/%lld", (long long)q, (long long)from,
				 (long long)to, pok, (long long)got, pwant, (long long)want);
	}
}

static void position_fills_match_the_reference(void **state)
{
	long n;

	(void)state;
	for (n = 0; n < 2000000; n++) {
		/* Mostly realistic magnitudes, sometimes extreme ones. */
		bool wild = rnd() % 8 == 0;
		int64_t q = wild ? rnd_mag() : (int64_t)(rnd() % 100000) * (int64_t)RG_E8;
		int64_t a = q == 0 ? 0 : (wild ? rnd_mag() : (int64_t)(rnd() % 100000000000ull) + 1);
		int64_t f = wild ? rnd_mag() : (int64_t)(rnd() % 100000 + 1) * (int64_t)RG_E8;
		int64_t p = wild ? rnd_mag() : (int64_t)(rnd() % 100000000000ull) + 1;
		if (rnd() % 2)
			q = -q;
		if (rnd() % 2)
			f = -f;
		int64_t gq = q, ga = a, gr = 0, wq = q, wa = a, wr = 0;
		bool got = rg_position_apply_fill(&gq, &ga, f, p, &gr);
		bool want = ref_fill(&wq, &wa, f, p, &wr);
		if (got != want || (got && (gq != wq || ga != wa || gr != wr)))
			fail_msg("fill q=%lld a=%lld f=%lld p=%lld: got %d %lld/%lld/%lld want %d %lld/%lld/%lld",
				 (long long)q, (long long)a, (long long)f, (long long)p, got, (long long)gq,
				 (long long)ga, (long long)gr, want, (long long)wq, (long long)wa, (long long)wr);
		if (!got && (gq != q || ga != a))
			fail_msg("a failed fill changed the position");
	}
}

/* ---- the order path ------------------------------------------------------------- */

static void order_overflow_is_refused_exactly_when_the_reference_overflows(void **state)
{
	struct fx *f = *state;
	long n, refused = 0;

	f->syms[SYM_AAA].tick_e8 = 1;
	f->syms[SYM_AAA].lot_e8 = 1;
	f->syms[SYM_AAA].min_qty_e8 = 1;
	f->syms[SYM_AAA].max_qty_e8 = 0;
	f->syms[SYM_AAA].min_price_e8 = 1;
	f->syms[SYM_AAA].max_price_e8 = 0;
	f->syms[SYM_AAA].collar_bps = 0;
	f->syms[SYM_AAA].reference_price_e8 = 1; /* exposure valued tiny: only the order's notional matters */
	fx_create(f);
	for (n = 0; n < 200000; n++) {
		int64_t q = rnd_mag(), p = rnd_mag(), want;
		uint64_t id;
		if (q == 0 || p == 0)
			continue;
		enum rg_reject_reason why = fx_send(f, 0, SYM_AAA, RG_SIDE_BUY, q, p, &id);
		bool fits = ref_notional(q, p, &want);
		if (fits) {
			assert_reason(why, RG_REJ_NONE);
			assert_int_equal(fx_live(f, 0, id)->reserved_notional_e8, want);
			assert_true(rg_risk_on_cancelled(f->r, 0, id, f->now));
		} else {
			assert_reason(why, RG_REJ_ARITH_OVERFLOW);
			refused++;
		}
	}
	print_message("%ld of the random orders overflowed\n", refused);
	assert_true(refused > 1000);
	assert_int_equal(f->r->global_gross_e8, 0);
	assert_invariants(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(notional_matches_the_128_bit_reference),
		cmocka_unit_test(divisibility_matches_the_remainder),
		cmocka_unit_test(bps_and_pnl_match_the_references),
		cmocka_unit_test(position_fills_match_the_reference),
		FX_TEST(order_overflow_is_refused_exactly_when_the_reference_overflows),
	};
	return cmocka_run_group_tests_name("checks_arith", tests, seed_from_env, NULL);
}
