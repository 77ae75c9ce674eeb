/*
 * The REST adapter's JSON scanner (rest_json.h): a recursive-descent walk
 * over RFC 8259 text that returns spans instead of building a tree.  Nested
 * values are validated while they are skipped, at most RG_JSON_MAX_DEPTH
 * deep, so the recursion is bounded whatever the venue sends.
 */
#include "rest_json.h"

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* What a string's byte needs: 0 nothing, 1 the closing quote, 2 an escape,
 * 3 refused (a control character). */
static const unsigned char g_string_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	['"'] = 1, ['\\'] = 2,
};

/* At the opening quote: the string up to its closing quote. */
static const char *scan_string(const char *p, const char *end, struct rg_json_span *s)
{
	const char *q = ++p;

	s->has_escape = false;
	for (;;) {
		/* The common case: plain bytes, four at a time. */
		while (end - q >= 4 && (g_string_class[(unsigned char)q[0]] | g_string_class[(unsigned char)q[1]] |
					g_string_class[(unsigned char)q[2]] | g_string_class[(unsigned char)q[3]]) == 0)
			q += 4;
		if (q >= end)
			return NULL;
		switch (g_string_class[(unsigned char)*q]) {
		case 0:
			q++;
			continue;
		case 1:
			s->p = p;
			s->n = (size_t)(q - p);
			s->type = RG_JSON_STRING;
			return q + 1;
		case 3:
			return NULL;
		default:
			break;
		}
		s->has_escape = true;
		if (++q >= end)
			return NULL;
		switch (*q) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (end - q < 5 || !is_hex(q[1]) || !is_hex(q[2]) || !is_hex(q[3]) || !is_hex(q[4]))
				return NULL;
			q += 4;
			break;
		default:
			return NULL;
		}
		q++;
	}
}

static const char *scan_digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return q == p ? NULL : q;
}

static const char *scan_number(const char *p, const char *end, struct rg_json_span *s)
{
	const char *q = p;

	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0')
		q++;
	else if ((q = scan_digits(q, end)) == NULL)
		return NULL;
	if (q < end && *q == '.' && (q = scan_digits(q + 1, end)) == NULL)
		return NULL;
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if ((q = scan_digits(q, end)) == NULL)
			return NULL;
	}
	s->p = p;
	s->n = (size_t)(q - p);
	s->type = RG_JSON_NUMBER;
	s->has_escape = false;
	return q;
}

static const char *scan_literal(const char *p, const char *end, const char *lit, size_t n, uint8_t type,
				struct rg_json_span *s)
{
	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	s->p = p;
	s->n = n;
	s->type = type;
	s->has_escape = false;
	return p + n;
}

static const char *scan_value(const char *p, const char *end, struct rg_json_span *s, unsigned depth);

/* At '{' or '[': the whole container, checked. */
static const char *scan_container(const char *p, const char *end, struct rg_json_span *s, unsigned depth)
{
	const char *start = p;
	char close = *p == '{' ? '}' : ']';
	bool object = *p == '{';
	struct rg_json_span tmp;

	if (depth >= RG_JSON_MAX_DEPTH)
		return NULL;
	p = skip_ws(p + 1, end);
	if (p < end && *p == close)
		goto closed;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || (p = scan_string(p, end, &tmp)) == NULL)
				return NULL;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = skip_ws(p + 1, end);
		}
		if ((p = scan_value(p, end, &tmp, depth + 1)) == NULL)
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == close)
			break;
		return NULL;
	}
closed:
	s->p = start;
	s->n = (size_t)(p + 1 - start);
	s->type = object ? RG_JSON_OBJECT : RG_JSON_ARRAY;
	s->has_escape = false;
	return p + 1;
}

static const char *scan_value(const char *p, const char *end, struct rg_json_span *s, unsigned depth)
{
	if (p >= end)
		return NULL;
	switch (*p) {
	case '"': return scan_string(p, end, s);
	case '{': case '[': return scan_container(p, end, s, depth);
	case 't': return scan_literal(p, end, "true", 4, RG_JSON_TRUE, s);
	case 'f': return scan_literal(p, end, "false", 5, RG_JSON_FALSE, s);
	case 'n': return scan_literal(p, end, "null", 4, RG_JSON_NULL, s);
	default: return scan_number(p, end, s);
	}
}

/* ---- iteration -------------------------------------------------------------- */

static bool begin(struct rg_json_iter *it, const char *text, size_t n, char open)
{
	const char *end = text + n, *p = skip_ws(text, end);

	it->first = true;
	it->done = false;
	it->error = p >= end || *p != open;
	it->p = it->error ? end : p + 1;
	it->end = end;
	return !it->error;
}

bool rg_json_object_begin(struct rg_json_iter *it, const char *text, size_t n)
{
	return begin(it, text, n, '{');
}

bool rg_json_array_begin(struct rg_json_iter *it, const char *text, size_t n)
{
	return begin(it, text, n, '[');
}

bool rg_json_object_enter(struct rg_json_iter *it, const struct rg_json_span *v)
{
	if (v->type != RG_JSON_OBJECT) {
		it->error = true;
		it->done = false;
		return false;
	}
	return begin(it, v->p, v->n, '{');
}

bool rg_json_array_enter(struct rg_json_iter *it, const struct rg_json_span *v)
{
	if (v->type != RG_JSON_ARRAY) {
		it->error = true;
		it->done = false;
		return false;
	}
	return begin(it, v->p, v->n, '[');
}

static bool fail(struct rg_json_iter *it)
{
	it->error = true;
	return false;
}

/* Before the next member/element: the separator, or the end. */
static bool step(struct rg_json_iter *it, char close)
{
	const char *p = skip_ws(it->p, it->end);

	if (p < it->end && *p == close) {
		it->done = true;
		/* Nothing but white space may follow the document's last brace. */
		if (skip_ws(p + 1, it->end) != it->end)
			return fail(it);
		it->p = p + 1;
		return false;
	}
	if (!it->first) {
		if (p >= it->end || *p != ',')
			return fail(it);
		p = skip_ws(p + 1, it->end);
	}
	it->first = false;
	it->p = p;
	return true;
}

bool rg_json_object_next(struct rg_json_iter *it, struct rg_json_span *key, struct rg_json_span *value)
{
	const char *p;

	if (it->error || it->done || !step(it, '}'))
		return false;
	p = it->p;
	if (p >= it->end || *p != '"' || (p = scan_string(p, it->end, key)) == NULL)
		return fail(it);
	p = skip_ws(p, it->end);
	if (p >= it->end || *p != ':')
		return fail(it);
	p = skip_ws(p + 1, it->end);
	if ((p = scan_value(p, it->end, value, 1)) == NULL)
		return fail(it);
	it->p = p;
	return true;
}

bool rg_json_array_next(struct rg_json_iter *it, struct rg_json_span *value)
{
	const char *p;

	if (it->error || it->done || !step(it, ']'))
		return false;
	if ((p = scan_value(it->p, it->end, value, 1)) == NULL)
		return fail(it);
	it->p = p;
	return true;
}

/* ---- numbers ------------------------------------------------------------------ */

bool rg_json_u64(const struct rg_json_span *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s->type != RG_JSON_NUMBER || s->n == 0 || s->n > 20)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		unsigned d = (unsigned)(s->p[i] - '0');
		if (d > 9 || __builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

bool rg_json_i64(const struct rg_json_span *s, int64_t *out)
{
	struct rg_json_span m = *s;
	bool neg = s->n > 0 && s->p[0] == '-';
	uint64_t v;

	if (neg) {
		m.p++;
		m.n--;
	}
	if (!rg_json_u64(&m, &v) || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}
