/*
 * riskgate decimal helpers: prices and quantities between their text or
 * (mantissa, exponent) form and riskgate's fixed point (_e8: units of 10^-8),
 * exactly, and rounding to a symbol's tick or lot in a chosen direction.
 *
 * Integer arithmetic only (no floating point), no allocation, no system
 * call: safe on a strategy's hot path.  Every function returns 0 or a
 * negative errno and writes its result only on success:
 *   -EINVAL  malformed text, a bad rounding mode, a step <= 0
 *   -ERANGE  the value does not fit an int64 in _e8 (|value| > 92233720368.54775807)
 *   -EDOM    the value is not exact at the precision asked (more than 8
 *            decimals, or not a multiple of the step) and the mode is
 *            RG_ROUND_EXACT
 * docs/client.md "Prices and quantities".
 */
#ifndef RG_DECIMAL_H
#define RG_DECIMAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_DECIMAL_E8 100000000LL /* _e8 units per 1.0 (RG_PRICE_SCALE, RG_QTY_SCALE) */

/* How a value that is not exact at the precision asked is made so. */
enum rg_round {
	RG_ROUND_EXACT = 0,       /* not at all: -EDOM */
	RG_ROUND_DOWN = 1,        /* toward minus infinity (a buy's price: never pay more) */
	RG_ROUND_UP = 2,          /* toward plus infinity (a sell's price: never sell for less) */
	RG_ROUND_TOWARD_ZERO = 3, /* a quantity: never more than asked */
	RG_ROUND_NEAREST = 4,     /* the nearest; a tie goes away from zero */
};

/* Whether an inexact value moves away from zero under `mode`: `rem_half` is
 * <0, 0, >0 as the remainder is below, at or above half a unit.  1, 0, or
 * -EDOM (RG_ROUND_EXACT) / -EINVAL (no such mode). */
static inline int _rg_dec_away(int negative, int rem_half, unsigned mode)
{
	switch (mode) {
	case RG_ROUND_EXACT: return -EDOM;
	case RG_ROUND_DOWN: return negative;
	case RG_ROUND_UP: return !negative;
	case RG_ROUND_TOWARD_ZERO: return 0;
	case RG_ROUND_NEAREST: return rem_half >= 0;
	default: return -EINVAL;
	}
}

/* Applies `mode` to magnitude q, which had a remainder when `inexact`. */
static inline int _rg_dec_round_mag(uint64_t *q, int negative, int inexact, int rem_half, unsigned mode)
{
	int away = inexact ? _rg_dec_away(negative, rem_half, mode) : 0;

	if (away < 0)
		return away;
	if (away && __builtin_add_overflow(*q, 1u, q))
		return -ERANGE;
	return 0;
}

static inline int _rg_dec_signed(uint64_t mag, int negative, int64_t *out)
{
	if (mag > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = negative ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

/*
 * Text to _e8: an optional sign, digits, an optional '.' and digits (at least
 * one digit in all; no exponent, no spaces), e.g. "187.25", "-0.5", "100".
 * More than 8 decimals are rounded by `mode` (RG_ROUND_EXACT: -EDOM unless
 * they are zeros).  "187.25" -> 18725000000.
 */
static inline int rg_decimal_parse_e8(const char *text, enum rg_round mode, int64_t *out_e8)
{
	const char *p = text;
	uint64_t ip = 0, frac = 0, mag;
	unsigned nfrac = 0, digits = 0, first = 0;
	int negative = 0, excess = 0, sticky = 0, inexact, rem_half;

	if (p == NULL || (unsigned)mode > RG_ROUND_NEAREST)
		return -EINVAL;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (__builtin_mul_overflow(ip, 10u, &ip) || __builtin_add_overflow(ip, (uint64_t)(*p - '0'), &ip))
			return -ERANGE;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			unsigned d = (unsigned)(*p - '0');
			if (nfrac < 8) {
				frac = frac * 10u + d;
				nfrac++;
			} else if (!excess) {
				excess = 1;
				first = d; /* the first digit below 10^-8 */
			} else {
				sticky |= d != 0;
			}
		}
	if (*p != '\0' || digits == 0)
		return -EINVAL;
	inexact = first != 0 || sticky;
	rem_half = first > 5 || (first == 5 && sticky) ? 1 : first == 5 ? 0 : -1;
	while (nfrac < 8) {
		frac *= 10u;
		nfrac++;
	}
	if (__builtin_mul_overflow(ip, (uint64_t)RG_DECIMAL_E8, &mag) || __builtin_add_overflow(mag, frac, &mag))
		return -ERANGE;
	int rc = _rg_dec_round_mag(&mag, negative, inexact, rem_half, mode);
	return rc != 0 ? rc : _rg_dec_signed(mag, negative, out_e8);
}

/*
 * mantissa x 10^exponent to _e8 (the form exchanges' APIs and FIX libraries
 * give decimals in): (18725, -2) -> 18725000000.  Digits below 10^-8 are
 * rounded by `mode`.
 */
static inline int rg_decimal_from_mantissa(int64_t mantissa, int exponent, enum rg_round mode, int64_t *out_e8)
{
	int negative = mantissa < 0, shift = exponent + 8;
	uint64_t mag = negative ? (uint64_t)0 - (uint64_t)mantissa : (uint64_t)mantissa;

	if ((unsigned)mode > RG_ROUND_NEAREST)
		return -EINVAL;
	if (shift >= 0) {
		for (; shift > 0 && mag != 0; shift--)
			if (__builtin_mul_overflow(mag, 10u, &mag))
				return -ERANGE;
		return _rg_dec_signed(mag, negative, out_e8);
	}
	/* Divide by 10^-shift, keeping what the remainder says about rounding. */
	uint64_t q = 0, rem = mag, div = 1;
	int inexact, rem_half = -1;
	if (shift >= -19) {
		for (; shift < 0; shift++)
			div *= 10u; /* at most 10^19: fits */
		q = mag / div;
		rem = mag % div;
		rem_half = rem > div / 2u ? 1 : rem == div / 2u ? 0 : -1;
	} /* else: |mantissa| < 2^64 < 10^20 / 5, so below half a unit */
	inexact = rem != 0;
	int rc = _rg_dec_round_mag(&q, negative, inexact, rem_half, mode);
	return rc != 0 ? rc : _rg_dec_signed(q, negative, out_e8);
}

/* _e8 to (mantissa, exponent) with no trailing zero in the mantissa:
 * 18725000000 -> (18725, -2); 0 -> (0, 0).  Always exact. */
static inline void rg_decimal_to_mantissa(int64_t e8, int64_t *mantissa, int *exponent)
{
	int exp = -8;

	if (e8 == 0) {
		*mantissa = 0;
		*exponent = 0;
		return;
	}
	while (e8 % 10 == 0) {
		e8 /= 10;
		exp++;
	}
	*mantissa = e8;
	*exponent = exp;
}

/*
 * _e8 to text with no trailing zeros: 18725000000 -> "187.25", -50000000 ->
 * "-0.5".  Returns the length written (NUL not counted), or 0 when buf is
 * too small (RG_DECIMAL_TEXT_MAX always fits).
 */
#define RG_DECIMAL_TEXT_MAX 32
static inline size_t rg_decimal_format_e8(char *buf, size_t cap, int64_t e8)
{
	char tmp[RG_DECIMAL_TEXT_MAX];
	uint64_t mag = e8 < 0 ? (uint64_t)0 - (uint64_t)e8 : (uint64_t)e8, ip = mag / (uint64_t)RG_DECIMAL_E8;
	uint64_t frac = mag % (uint64_t)RG_DECIMAL_E8;
	size_t n = 0, i;
	char digits[24];
	size_t nd = 0;

	if (e8 < 0)
		tmp[n++] = '-';
	do {
		digits[nd++] = (char)('0' + ip % 10u);
		ip /= 10u;
	} while (ip != 0);
	while (nd > 0)
		tmp[n++] = digits[--nd];
	if (frac != 0) {
		unsigned w = 8;
		while (frac % 10u == 0) {
			frac /= 10u;
			w--;
		}
		tmp[n++] = '.';
		for (i = w; i > 0; i--) {
			tmp[n + i - 1] = (char)('0' + frac % 10u);
			frac /= 10u;
		}
		n += w;
	}
	if (n + 1 > cap)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = tmp[i];
	buf[n] = '\0';
	return n;
}

/*
 * Rounds value_e8 to a multiple of step_e8 (> 0: a symbol's tick_e8 or
 * lot_e8) by `mode`.  RG_ROUND_EXACT: -EDOM when it is not one already.
 */
static inline int rg_decimal_round_to(int64_t value_e8, int64_t step_e8, enum rg_round mode, int64_t *out_e8)
{
	int64_t q, r, res;
	int away, negative = value_e8 < 0;

	if (step_e8 <= 0 || (unsigned)mode > RG_ROUND_NEAREST)
		return -EINVAL;
	q = value_e8 / step_e8;
	r = value_e8 % step_e8;
	if (r == 0) {
		*out_e8 = value_e8;
		return 0;
	}
	/* |r| < step, so 2|r| cannot overflow unsigned */
	uint64_t twice = 2u * (negative ? (uint64_t)0 - (uint64_t)r : (uint64_t)r);
	away = _rg_dec_away(negative, twice > (uint64_t)step_e8 ? 1 : twice == (uint64_t)step_e8 ? 0 : -1, mode);
	if (away < 0)
		return away;
	if (away && __builtin_add_overflow(q, negative ? -1 : 1, &q))
		return -ERANGE;
	if (__builtin_mul_overflow(q, step_e8, &res))
		return -ERANGE;
	*out_e8 = res;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_DECIMAL_H */
