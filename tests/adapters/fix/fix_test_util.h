/*
 * Helpers shared by the FIX tests: build a wire message from a readable
 * body ('|' stands for SOH), compute BodyLength and CheckSum like a venue.
 */
#ifndef RG_FIX_TEST_UTIL_H
#define RG_FIX_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

/* Turns '|' into SOH in place; returns s. */
static inline char *fixt_soh(char *s)
{
	for (char *p = s; *p != '\0'; p++)
		if (*p == '|')
			*p = '\x01';
	return s;
}

/* Wraps `body` ("35=...|...|", '|' = SOH) into a complete FIX.4.4 message in
 * out (cap bytes).  checksum_delta is added to the correct CheckSum (0 for a
 * good message).  Returns the length. */
static inline size_t fixt_build(char *out, size_t cap, const char *body, int checksum_delta)
{
	char tmp[4096];
	unsigned sum = 0;
	int n;

	snprintf(tmp, sizeof(tmp), "%s", body);
	fixt_soh(tmp);
	n = snprintf(out, cap, "8=FIX.4.4\x01" "9=%zu\x01%s", strlen(tmp), tmp);
	for (int i = 0; i < n; i++)
		sum += (unsigned char)out[i];
	sum = (sum + (unsigned)checksum_delta) & 0xffu;
	n += snprintf(out + n, cap - (size_t)n, "10=%03u\x01", sum);
	return (size_t)n;
}

#endif
