/*
 * Checked fixed-point arithmetic for the risk checks.  Prices, quantities and
 * money are int64 scaled by 10^8 (RG_PRICE_SCALE, RG_QTY_SCALE); nothing here
 * is floating point and nothing wraps: every helper that can overflow returns
 * false instead of a value.
 *
 * The hot path needs two things fast: a notional (qty_e8 * price_e8 / 10^8)
 * and "is x a multiple of the tick/lot".  A 128-bit product divided by 10^8
 * would call __udivti3 (a hardware divide, tens of cycles), so
 * rg_notional_e8 splits both factors at 10^8 and only divides 64-bit values by
 * the constant 10^8, which the compiler turns into multiplies.  Divisibility
 * uses a precomputed modular inverse (struct rg_divisor), one multiply and a
 * compare instead of a 64-bit divide.  tests/engine/test_checks_arith.c checks
 * both against a plain __int128 reference on random and edge inputs.
 *
 * Rounding: a notional is rounded UP to the next 10^-8, so a sum of
 * reservations never undercounts and a maximum-notional check never lets a
 * fractional excess through.  A basis-point fraction of a limit is rounded
 * DOWN (the limit gets tighter, never looser).
 */
#ifndef RG_FIXED_H
#define RG_FIXED_H

#include <stdbool.h>
#include <stdint.h>

#define RG_E8 100000000ULL  /* 10^8: the scale of every *_e8 value */
#define RG_BPS_ONE 10000ULL /* basis points in 1.0 */

#ifdef __cplusplus
extern "C" {
#endif

/* a + b into *out; false (and *out unspecified) on int64 overflow. */
static inline bool rg_add_i64(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* a - b into *out; false on int64 overflow. */
static inline bool rg_sub_i64(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_sub_overflow(a, b, out);
}

/* a * b into *out; false on int64 overflow. */
static inline bool rg_mul_i64(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* |v| for v > INT64_MIN (callers keep every stored value above it). */
static inline int64_t rg_abs_i64(int64_t v)
{
	return v < 0 ? -v : v;
}

/*
 * Notional of qty_e8 at price_e8: ceil(qty_e8 * price_e8 / 10^8), in e8 money.
 * Both inputs must be >= 0.  Returns false when the result exceeds INT64_MAX
 * (about 9.2e10 units of quote currency); that is RG_REJ_ARITH_OVERFLOW.
 *
 * With S = 10^8, q = qh*S + ql and p = ph*S + pl (ql, pl < S):
 *   q*p/S = qh*ph*S + qh*pl + ql*ph + ql*pl/S
 * Every term but the last is an integer and ql*pl < 10^16 fits in 64 bits, so
 * the floor is exact and the remainder (for the ceiling) is ql*pl mod S.
 */
static inline bool rg_notional_e8(int64_t qty_e8, int64_t price_e8, int64_t *out)
{
#if defined(__x86_64__) && !defined(RG_NO_ASM)
	/* One 64x64->128 multiply, one 128-bit compare and one 128/64 divide:
	 * the ceiling fits an int64 exactly when the product is at most
	 * INT64_MAX * 10^8, and then its high half is below 10^8, so the
	 * quotient fits the divide's 64-bit result. */
	unsigned __int128 prod = (unsigned __int128)(uint64_t)qty_e8 * (uint64_t)price_e8;
	uint64_t quot, rem;

	if (prod > (unsigned __int128)INT64_MAX * RG_E8)
		return false;
	__asm__("divq %4"
		: "=a"(quot), "=d"(rem)
		: "a"((uint64_t)prod), "d"((uint64_t)(prod >> 64)), "r"((uint64_t)RG_E8)
		: "cc");
	*out = (int64_t)(quot + (rem != 0));
	return true;
#else
	uint64_t q = (uint64_t)qty_e8, p = (uint64_t)price_e8;
	uint64_t qh = q / RG_E8, ql = q % RG_E8, ph = p / RG_E8, pl = p % RG_E8;
	uint64_t low = ql * pl;
	uint64_t acc = low / RG_E8 + (low % RG_E8 != 0);
	uint64_t t;

	if (__builtin_mul_overflow(qh, ph, &t) || __builtin_mul_overflow(t, RG_E8, &t) ||
	    __builtin_add_overflow(acc, t, &acc))
		return false;
	t = qh * pl; /* < 9.3e10 * 1e8 < 2^64: cannot wrap */
	if (__builtin_add_overflow(acc, t, &acc))
		return false;
	t = ql * ph; /* same bound */
	if (__builtin_add_overflow(acc, t, &acc) || acc > (uint64_t)INT64_MAX)
		return false;
	*out = (int64_t)acc;
	return true;
#endif
}

/*
 * floor(v * bps / 10000) for v >= 0: a basis-point fraction of an amount.
 * Returns false when the result exceeds INT64_MAX (bps > 10000 can do that).
 * Not on the per-order path (limits are derived when equity or a reference
 * price changes), so it may divide 128-bit values.
 */
static inline bool rg_bps_of(int64_t v, uint32_t bps, int64_t *out)
{
	unsigned __int128 x = (unsigned __int128)(uint64_t)v * bps / RG_BPS_ONE;

	if (x > (unsigned __int128)INT64_MAX)
		return false;
	*out = (int64_t)x;
	return true;
}

/*
 * PnL of `qty_e8` (signed: long > 0) moved from price `from_e8` to `to_e8`:
 * qty * (to - from) / 10^8, truncated toward zero.  False when it does not fit.
 */
static inline bool rg_pnl_e8(int64_t qty_e8, int64_t from_e8, int64_t to_e8, int64_t *out)
{
	__int128 x = (__int128)qty_e8 * ((__int128)to_e8 - from_e8) / (__int128)RG_E8;

	if (x > INT64_MAX || x < -INT64_MAX)
		return false;
	*out = (int64_t)x;
	return true;
}

/*
 * A divisor prepared for divisibility tests without a divide (Granlund and
 * Montgomery; Hacker's Delight 10-17).  With d = d_odd * 2^shift,
 *   n % d == 0  <=>  rotr(n * inverse(d_odd) mod 2^64, shift) <= (2^64-1)/d
 * d = 1 makes every n divisible; d = 0 is not allowed.
 */
struct rg_divisor {
	uint64_t inverse; /* d_odd^-1 mod 2^64 */
	uint64_t limit;   /* UINT64_MAX / d */
	uint32_t shift;   /* trailing zero bits of d */
};

/* Prepares d (> 0).  Cold path. */
static inline struct rg_divisor rg_divisor_make(uint64_t d)
{
	struct rg_divisor r;
	uint64_t odd, x;
	int i;

	r.shift = (uint32_t)__builtin_ctzll(d);
	odd = d >> r.shift;
	x = odd; /* correct to 3 bits: odd * odd == 1 mod 8 */
	for (i = 0; i < 5; i++)
		x *= 2 - odd * x; /* Newton: doubles the correct bits, 3 -> 96 */
	r.inverse = x;
	r.limit = UINT64_MAX / d;
	return r;
}

/* The d a divisor was made from (cold paths: reject details). */
static inline uint64_t rg_divisor_value(const struct rg_divisor *d)
{
	uint64_t x = d->inverse, odd = d->inverse;
	int i;

	for (i = 0; i < 5; i++)
		x *= 2 - odd * x; /* the inverse of the inverse is d_odd */
	return x << d->shift;
}

/* True when n is a multiple of the divisor (n >= 0 as unsigned). */
static inline bool rg_divisible(uint64_t n, const struct rg_divisor *d)
{
	uint64_t x = n * d->inverse;

	x = (x >> d->shift) | (x << ((64 - d->shift) & 63));
	return x <= d->limit;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_FIXED_H */
