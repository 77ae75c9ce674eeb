/*
 * A small JSON scanner for the REST adapter: walks the members of an object
 * or the elements of an array in place, handing out spans of the source text
 * (no allocation, no copy, no number conversion).  Nested values are skipped
 * whole and checked as they are skipped, so a caller that reads only flat
 * members (every message of the venue's API it uses) still refuses a
 * malformed document.  Strings are returned raw, between their quotes:
 * escapes are checked but not decoded (has_escape says when there are some),
 * which is all the API's ids, symbols and decimals need.
 *
 * Any thread; the iterator is the caller's.  Input need not be
 * NUL-terminated.
 */
#ifndef RG_REST_JSON_H
#define RG_REST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_JSON_MAX_DEPTH 32

enum rg_json_type {
	RG_JSON_NONE = 0,
	RG_JSON_STRING = 1, /* p, n: the characters between the quotes */
	RG_JSON_NUMBER = 2, /* p, n: the number's text */
	RG_JSON_TRUE = 3,
	RG_JSON_FALSE = 4,
	RG_JSON_NULL = 5,
	RG_JSON_OBJECT = 6, /* p, n: the whole object, braces included */
	RG_JSON_ARRAY = 7,  /* p, n: the whole array, brackets included */
};

struct rg_json_span {
	const char *p;
	size_t n;
	uint8_t type;       /* enum rg_json_type */
	bool has_escape;    /* a string with backslash escapes (raw in p) */
};

struct rg_json_iter {
	const char *p, *end;
	bool first;         /* no member/element read yet */
	bool error;         /* the text is not valid JSON (or too deep) */
	bool done;          /* the closing brace/bracket was reached */
};

/* Starts iterating the object (or array) that is the whole of text[0, n),
 * surrounding white space allowed.  False (it->error) when it is not one. */
bool rg_json_object_begin(struct rg_json_iter *it, const char *text, size_t n);
bool rg_json_array_begin(struct rg_json_iter *it, const char *text, size_t n);

/* Starts iterating a value the scanner returned (RG_JSON_OBJECT / ARRAY). */
bool rg_json_object_enter(struct rg_json_iter *it, const struct rg_json_span *v);
bool rg_json_array_enter(struct rg_json_iter *it, const struct rg_json_span *v);

/* The next member (key, value) of the object; false at its end (it->done)
 * or on malformed text (it->error). */
bool rg_json_object_next(struct rg_json_iter *it, struct rg_json_span *key, struct rg_json_span *value);

/* The next element of the array; false at its end or on malformed text. */
bool rg_json_array_next(struct rg_json_iter *it, struct rg_json_span *value);

/* True when a member iteration ended cleanly (done, no error, nothing but
 * white space after the closing brace when it was a whole document). */
static inline bool rg_json_ok(const struct rg_json_iter *it)
{
	return it->done && !it->error;
}

/* True when span s is the string (or number text) `lit`. */
static inline bool rg_json_is(const struct rg_json_span *s, const char *lit, size_t n)
{
	return s->n == n && memcmp(s->p, lit, n) == 0;
}
#define RG_JSON_IS(s, lit) rg_json_is((s), (lit), sizeof(lit) - 1)

/* An unsigned integer number (no sign, fraction or exponent) that fits in
 * 64 bits; false otherwise. */
bool rg_json_u64(const struct rg_json_span *s, uint64_t *out);

/* A signed integer number that fits in 64 bits. */
bool rg_json_i64(const struct rg_json_span *s, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_JSON_H */
