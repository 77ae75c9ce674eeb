/*
 * A price written by a person ("123.45") into price x 10^8, exactly: at most
 * eight decimals, greater than zero.  For command lines and small text files
 * (riskctl set-reference, the sim venue's market file); the config loader
 * has its own, with JSON paths in its errors.
 */
#ifndef RG_PRICE_TEXT_H
#define RG_PRICE_TEXT_H

#include <stdbool.h>
#include <stdint.h>

/* True with *out_e8 set when `s` is such a price. */
static inline bool rg_price_text_e8(const char *s, int64_t *out_e8)
{
	__int128 v = 0;
	unsigned frac = 0;
	bool dot = false, digits = false;

	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9' || (dot && ++frac > 8))
			return false;
		v = v * 10 + (*s - '0');
		digits = true;
		if (v > INT64_MAX)
			return false;
	}
	for (; frac < 8; frac++)
		if ((v *= 10) > INT64_MAX)
			return false;
	if (!digits || v <= 0)
		return false;
	*out_e8 = (int64_t)v;
	return true;
}

#endif /* RG_PRICE_TEXT_H */
