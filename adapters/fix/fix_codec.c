/*
 * FIX 4.4 codec: the byte-level half of the FIX adapter.
 *
 * Framing (rg_fix_frame) finds message boundaries in a TCP byte stream from
 * the BeginString/BodyLength prefix and the CheckSum trailer, and tells the
 * caller how many bytes of garbage to drop to resynchronise on the next
 * "8=FIX.4.4".  Parsing (rg_fix_parse) makes one pass over a framed message,
 * recording (tag, offset, length) for each field into a fixed array and
 * checking the checksum, so a message costs no allocation and no copy.
 * Validation (rg_fix_validate) knows the handful of message types riskgate
 * speaks and which of their tags it relies on.  Encoding writes the body after
 * a reserved gap and then places BeginString and BodyLength immediately in
 * front of it, so BodyLength is known without a second pass or a memmove.
 *
 * Everything here is pure (no clock, no I/O, no globals written), which is
 * what lets tests/fuzz/fuzz_fix_parse.c hammer it and bench/fix_bench.cc time
 * it in isolation.  Every read is bounds-checked against the length the
 * caller passed; every write against the writer's capacity.
 */
#include "fix_codec.h"

#include <string.h>

#include <riskgate/msg.h>

#define PREFIX "8=FIX.4.4\x01" "9="
#define PREFIX_LEN 12u
#define START "8=FIX.4.4\x01"
#define START_LEN 10u
#define TRAILER_LEN 7u         /* "10=ddd" SOH */
#define BODY_LEN_MAX_DIGITS 5u /* RG_FIX_MAX_MSG < 10^5 */
#define E8 100000000ull

_Static_assert(RG_FIX_MAX_MSG <= 65535, "field offsets are 16-bit");
_Static_assert(RG_FIX_MAX_FIELDS < 255, "index entries are 8-bit");
_Static_assert(RG_FIX_HDR_RESERVE >= PREFIX_LEN + 11 + 1, "reserve holds the prefix and an 11-digit BodyLength");

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The FIX CheckSum of n bytes: their sum modulo 256.  Eight bytes at a time
 * into four 16-bit lanes; a lane may wrap, which keeps its sum modulo 256. */
static unsigned checksum(const char *p, size_t n)
{
	const uint64_t even = 0x00ff00ff00ff00ffull;
	uint64_t acc = 0;
	unsigned sum;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc += (w & even) + ((w >> 8) & even);
	}
	sum = (unsigned)((acc * 0x0001000100010001ull) >> 48);
	for (; i < n; i++)
		sum += (unsigned char)p[i];
	return sum & 0xffu;
}

/* ---- framing ------------------------------------------------------------ */

/* Bytes to drop before the next possible message start, at least 1. */
static size_t resync(const char *buf, size_t len)
{
	size_t i = 1;

	while (i < len) {
		const char *p = memchr(buf + i, '8', len - i);
		size_t avail, cmp;

		if (p == NULL)
			return len;
		i = (size_t)(p - buf);
		avail = len - i;
		cmp = avail < START_LEN ? avail : START_LEN;
		if (memcmp(p, START, cmp) == 0)
			return i;
		i++;
	}
	return len;
}

/* Framing shared by rg_fix_frame and rg_fix_parse: 0 need more, <0 garbage,
 * >0 total length with *body_start set. */
static ptrdiff_t frame(const char *buf, size_t len, size_t *body_start)
{
	size_t cmp = len < PREFIX_LEN ? len : PREFIX_LEN;
	size_t i = PREFIX_LEN, body = 0, total;
	const char *t;

	if (len == 0)
		return 0;
	if (memcmp(buf, PREFIX, cmp) != 0)
		return -(ptrdiff_t)resync(buf, len);
	if (len < PREFIX_LEN)
		return 0;
	for (;;) {
		if (i >= len)
			return 0;
		if (buf[i] == RG_FIX_SOH)
			break;
		if (!is_digit(buf[i]) || i - PREFIX_LEN >= BODY_LEN_MAX_DIGITS)
			return -(ptrdiff_t)resync(buf, len);
		body = body * 10 + (size_t)(buf[i] - '0');
		i++;
	}
	total = i + 1 + body + TRAILER_LEN;
	if (i == PREFIX_LEN || body == 0 || total > RG_FIX_MAX_MSG)
		return -(ptrdiff_t)resync(buf, len);
	if (len < total)
		return 0;
	t = buf + i + 1 + body;
	if (t[-1] != RG_FIX_SOH || t[0] != '1' || t[1] != '0' || t[2] != '=' || !is_digit(t[3]) || !is_digit(t[4]) ||
	    !is_digit(t[5]) || t[6] != RG_FIX_SOH)
		return -(ptrdiff_t)resync(buf, len);
	*body_start = i + 1;
	return (ptrdiff_t)total;
}

ptrdiff_t rg_fix_frame(const char *buf, size_t len)
{
	size_t body_start;

	return frame(buf, len, &body_start);
}

/* ---- number parsing ----------------------------------------------------- */

bool rg_fix_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool rg_fix_parse_e8(const char *s, size_t n, int64_t *out)
{
	static const uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
	uint64_t ip = 0, fp = 0, v;
	size_t i = 0, digits = 0, fdig = 0;
	bool neg = false;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	for (; i < n && is_digit(s[i]); i++, digits++) {
		ip = ip * 10 + (uint64_t)(s[i] - '0');
		if (ip > (uint64_t)INT64_MAX / E8)
			return false;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++, digits++) {
			if (fdig < 8) {
				fp = fp * 10 + (uint64_t)(s[i] - '0');
				fdig++;
			} else if (s[i] != '0') {
				return false;
			}
		}
	}
	if (i != n || digits == 0)
		return false;
	v = ip * E8 + fp * pow10[8 - fdig];
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* ---- parsing ------------------------------------------------------------ */

/* Best effort for a message that failed: MsgType and MsgSeqNum, if readable. */
static void salvage(const char *buf, size_t body_start, size_t body_end, struct rg_fix_parse_error *err)
{
	size_t p = body_start;

	while (p < body_end) {
		const char *soh = memchr(buf + p, RG_FIX_SOH, body_end - p);
		size_t end = soh != NULL ? (size_t)(soh - buf) : body_end;

		if (end - p > 3 && memcmp(buf + p, "35=", 3) == 0 && end - p - 3 <= 2 && err->msg_type[0] == '\0') {
			memcpy(err->msg_type, buf + p + 3, end - p - 3);
			err->msg_type[end - p - 3] = '\0';
		} else if (end - p > 3 && memcmp(buf + p, "34=", 3) == 0 && err->seq == 0) {
			uint64_t seq;
			if (rg_fix_parse_u64(buf + p + 3, end - p - 3, &seq))
				err->seq = seq;
		}
		p = end + 1;
	}
}

int rg_fix_parse(const char *buf, size_t len, struct rg_fix_msg *m, struct rg_fix_parse_error *err)
{
	struct rg_fix_parse_error scratch;
	size_t body_start = 0, body_end, p;
	unsigned sum, want;
	ptrdiff_t total;
	uint32_t n = 0;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	m->buf = buf;
	m->len = 0;
	m->n_fields = 0;
	memset(m->index, 0, sizeof(m->index));
	m->msg_type[0] = '\0';
	m->msg_type_len = 0;
	total = frame(buf, len, &body_start);
	if (total <= 0 || (size_t)total != len)
		return RG_FIX_PARSE_GARBLED;
	body_end = len - TRAILER_LEN;
	sum = checksum(buf, body_end);
	want = (unsigned)(buf[body_end + 3] - '0') * 100 + (unsigned)(buf[body_end + 4] - '0') * 10 +
	       (unsigned)(buf[body_end + 5] - '0');
	if (sum != want) {
		salvage(buf, body_start, body_end, err);
		return RG_FIX_PARSE_BAD_CHECKSUM;
	}

	p = body_start;
	while (p < body_end) {
		uint32_t tag = 0;
		size_t q = p, vlen;
		const char *soh;

		while (q < body_end && is_digit(buf[q]) && q - p < 9)
			tag = tag * 10 + (uint32_t)(buf[q++] - '0');
		if (q == p || q >= body_end || buf[q] != '=' || buf[p] == '0') {
			err->ref_tag = tag;
			salvage(buf, body_start, body_end, err);
			return RG_FIX_PARSE_BAD_TAG;
		}
		q++;
		/* body_end - 1 is an SOH (checked by frame), so this stops there at
		 * the latest; values are short, so a loop beats a call to memchr. */
		for (soh = buf + q; *soh != RG_FIX_SOH; soh++)
			;
		vlen = (size_t)(soh - (buf + q));
		if (vlen == 0) {
			err->ref_tag = tag;
			salvage(buf, body_start, body_end, err);
			return RG_FIX_PARSE_EMPTY_VALUE;
		}
		if (n == RG_FIX_MAX_FIELDS) {
			salvage(buf, body_start, body_end, err);
			return RG_FIX_PARSE_TOO_MANY_FIELDS;
		}
		m->fields[n].tag = tag;
		m->fields[n].off = (uint16_t)q;
		m->fields[n].len = (uint16_t)vlen;
		n++;
		p = q + vlen + 1;
	}
	m->n_fields = n;
	if (n == 0 || m->fields[0].tag != RG_FIX_TAG_MSG_TYPE || m->fields[0].len > 2) {
		m->n_fields = 0;
		err->ref_tag = RG_FIX_TAG_MSG_TYPE;
		salvage(buf, body_start, body_end, err);
		return RG_FIX_PARSE_NO_MSG_TYPE;
	}
	memcpy(m->msg_type, buf + m->fields[0].off, m->fields[0].len);
	m->msg_type[m->fields[0].len] = '\0';
	m->msg_type_len = (uint8_t)m->fields[0].len;
	m->len = (uint32_t)len;
	/* Backwards, so a repeated tag's first occurrence is the one kept. */
	for (uint32_t i = n; i-- > 0;)
		if (m->fields[i].tag < RG_FIX_INDEX_TAGS)
			m->index[m->fields[i].tag] = (uint8_t)(i + 1);
	return RG_FIX_PARSE_OK;
}

bool rg_fix_get(const struct rg_fix_msg *m, uint32_t tag, const char **val, size_t *len)
{
	if (tag < RG_FIX_INDEX_TAGS) {
		unsigned k = m->index[tag];
		if (k == 0 || k > m->n_fields)
			return false;
		*val = m->buf + m->fields[k - 1].off;
		*len = m->fields[k - 1].len;
		return true;
	}
	for (uint32_t i = 0; i < m->n_fields; i++) {
		if (m->fields[i].tag == tag) {
			*val = m->buf + m->fields[i].off;
			*len = m->fields[i].len;
			return true;
		}
	}
	return false;
}

int rg_fix_get_u64(const struct rg_fix_msg *m, uint32_t tag, uint64_t *out)
{
	const char *v;
	size_t n;

	if (!rg_fix_get(m, tag, &v, &n))
		return 0;
	return rg_fix_parse_u64(v, n, out) ? 1 : -1;
}

int rg_fix_get_char(const struct rg_fix_msg *m, uint32_t tag, char *out)
{
	const char *v;
	size_t n;

	if (!rg_fix_get(m, tag, &v, &n))
		return 0;
	if (n != 1)
		return -1;
	*out = v[0];
	return 1;
}

int rg_fix_get_bool(const struct rg_fix_msg *m, uint32_t tag, bool *out)
{
	char c;
	int rc = rg_fix_get_char(m, tag, &c);

	if (rc != 1)
		return rc;
	if (c != 'Y' && c != 'N')
		return -1;
	*out = c == 'Y';
	return 1;
}

int rg_fix_get_e8(const struct rg_fix_msg *m, uint32_t tag, int64_t *out)
{
	const char *v;
	size_t n;

	if (!rg_fix_get(m, tag, &v, &n))
		return 0;
	return rg_fix_parse_e8(v, n, out) ? 1 : -1;
}

/* ---- validation --------------------------------------------------------- */

enum want { W_ANY, W_U64, W_CHAR, W_BOOL, W_E8 };

/* 0 when tag is present (or optional and absent) and of type w. */
static int check(const struct rg_fix_msg *m, uint32_t tag, enum want w, bool required, uint32_t *ref_tag,
		 unsigned *reason)
{
	const char *v;
	size_t n;
	uint64_t u;
	int64_t e;
	bool ok = true;

	if (!rg_fix_get(m, tag, &v, &n)) {
		if (!required)
			return 0;
		*ref_tag = tag;
		*reason = RG_FIX_REJ_REQUIRED_TAG_MISSING;
		return -1;
	}
	switch (w) {
	case W_ANY: break;
	case W_U64: ok = rg_fix_parse_u64(v, n, &u); break;
	case W_CHAR: ok = n == 1; break;
	case W_BOOL: ok = n == 1 && (v[0] == 'Y' || v[0] == 'N'); break;
	case W_E8: ok = rg_fix_parse_e8(v, n, &e); break;
	}
	if (ok)
		return 0;
	*ref_tag = tag;
	*reason = RG_FIX_REJ_INCORRECT_DATA_FORMAT;
	return -1;
}

struct rule {
	uint16_t tag;
	uint8_t want;     /* enum want */
	uint8_t required;
};

static const struct rule k_header[] = {
	{RG_FIX_TAG_SENDER_COMP_ID, W_ANY, 1},
	{RG_FIX_TAG_TARGET_COMP_ID, W_ANY, 1},
	{RG_FIX_TAG_MSG_SEQ_NUM, W_U64, 1},
	{RG_FIX_TAG_SENDING_TIME, W_ANY, 1},
	{RG_FIX_TAG_POSS_DUP_FLAG, W_BOOL, 0},
	{RG_FIX_TAG_POSS_RESEND, W_BOOL, 0},
	{0, 0, 0},
};
static const struct rule k_test_request[] = {{RG_FIX_TAG_TEST_REQ_ID, W_ANY, 1}, {0, 0, 0}};
static const struct rule k_resend_request[] = {
	{RG_FIX_TAG_BEGIN_SEQ_NO, W_U64, 1},
	{RG_FIX_TAG_END_SEQ_NO, W_U64, 1},
	{0, 0, 0},
};
static const struct rule k_reject[] = {{RG_FIX_TAG_REF_SEQ_NUM, W_U64, 1}, {0, 0, 0}};
static const struct rule k_sequence_reset[] = {
	{RG_FIX_TAG_NEW_SEQ_NO, W_U64, 1},
	{RG_FIX_TAG_GAP_FILL_FLAG, W_BOOL, 0},
	{0, 0, 0},
};
static const struct rule k_logon[] = {
	{RG_FIX_TAG_ENCRYPT_METHOD, W_U64, 1},
	{RG_FIX_TAG_HEART_BT_INT, W_U64, 1},
	{RG_FIX_TAG_RESET_SEQ_NUM_FLAG, W_BOOL, 0},
	{0, 0, 0},
};
static const struct rule k_exec_report[] = {
	{RG_FIX_TAG_ORDER_ID, W_ANY, 1},
	{RG_FIX_TAG_EXEC_ID, W_ANY, 1},
	{RG_FIX_TAG_EXEC_TYPE, W_CHAR, 1},
	{RG_FIX_TAG_ORD_STATUS, W_CHAR, 1},
	{RG_FIX_TAG_SIDE, W_CHAR, 1},
	{RG_FIX_TAG_SYMBOL, W_ANY, 1},
	{RG_FIX_TAG_LEAVES_QTY, W_E8, 1},
	{RG_FIX_TAG_CUM_QTY, W_E8, 1},
	{RG_FIX_TAG_LAST_QTY, W_E8, 0},
	{RG_FIX_TAG_LAST_PX, W_E8, 0},
	{RG_FIX_TAG_ORD_REJ_REASON, W_U64, 0},
	{0, 0, 0},
};
static const struct rule k_exec_fill[] = {
	{RG_FIX_TAG_LAST_QTY, W_E8, 1},
	{RG_FIX_TAG_LAST_PX, W_E8, 1},
	{0, 0, 0},
};
static const struct rule k_cancel_reject[] = {
	{RG_FIX_TAG_CL_ORD_ID, W_ANY, 1},
	{RG_FIX_TAG_ORDER_ID, W_ANY, 1},
	{RG_FIX_TAG_ORD_STATUS, W_CHAR, 1},
	{RG_FIX_TAG_ORIG_CL_ORD_ID, W_ANY, 1},
	{RG_FIX_TAG_CXL_REJ_RESPONSE_TO, W_CHAR, 1},
	{RG_FIX_TAG_CXL_REJ_REASON, W_U64, 0},
	{0, 0, 0},
};

static int apply(const struct rg_fix_msg *m, const struct rule *r, uint32_t *ref_tag, unsigned *reason)
{
	for (; r->tag != 0; r++)
		if (check(m, r->tag, (enum want)r->want, r->required != 0, ref_tag, reason) != 0)
			return -1;
	return 0;
}

int rg_fix_validate(const struct rg_fix_msg *m, uint32_t *ref_tag, unsigned *reason)
{
	const struct rule *body = NULL;
	char exec_type;

	if (apply(m, k_header, ref_tag, reason) != 0)
		return -1;
	if (m->msg_type_len == 1) {
		switch (m->msg_type[0]) {
		case '1': body = k_test_request; break;
		case '2': body = k_resend_request; break;
		case '3': body = k_reject; break;
		case '4': body = k_sequence_reset; break;
		case 'A': body = k_logon; break;
		case '8': body = k_exec_report; break;
		case '9': body = k_cancel_reject; break;
		default: break;
		}
	}
	if (body != NULL && apply(m, body, ref_tag, reason) != 0)
		return -1;
	if (body == k_exec_report && rg_fix_get_char(m, RG_FIX_TAG_EXEC_TYPE, &exec_type) == 1 && exec_type == 'F' &&
	    apply(m, k_exec_fill, ref_tag, reason) != 0)
		return -1;
	return 0;
}

/* ---- encoding ----------------------------------------------------------- */

static const char k_digits2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				   "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				   "8081828384858687888990919293949596979899";

/* Writes v in decimal ending just before `end`; returns the first byte. */
static inline char *u64_rev(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--end = k_digits2[d + 1];
		*--end = k_digits2[d];
	}
	if (v >= 10) {
		unsigned d = (unsigned)v * 2;
		*--end = k_digits2[d + 1];
		*--end = k_digits2[d];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

static inline void put(struct rg_fix_writer *w, const char *s, size_t n)
{
	if (w->overflow || n > w->cap - w->pos) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->pos, s, n);
	w->pos += n;
}

/* "tag=" */
static inline void put_tag(struct rg_fix_writer *w, uint32_t tag)
{
	char tmp[16], *end = tmp + sizeof(tmp), *p;

	*--end = '=';
	p = u64_rev(end, tag);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

static inline void put_soh(struct rg_fix_writer *w)
{
	static const char soh = RG_FIX_SOH;

	put(w, &soh, 1);
}

void rg_fix_add_strn(struct rg_fix_writer *w, uint32_t tag, const char *s, size_t n)
{
	put_tag(w, tag);
	put(w, s, n);
	put_soh(w);
}

void rg_fix_add_str(struct rg_fix_writer *w, uint32_t tag, const char *s)
{
	rg_fix_add_strn(w, tag, s, strlen(s));
}

void rg_fix_add_u64(struct rg_fix_writer *w, uint32_t tag, uint64_t v)
{
	char tmp[32], *end = tmp + sizeof(tmp), *p;

	*--end = RG_FIX_SOH;
	p = u64_rev(end, v);
	*--p = '=';
	p = u64_rev(p, tag);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void rg_fix_add_char(struct rg_fix_writer *w, uint32_t tag, char c)
{
	put_tag(w, tag);
	put(w, &c, 1);
	put_soh(w);
}

void rg_fix_add_e8(struct rg_fix_writer *w, uint32_t tag, int64_t v)
{
	char tmp[48], *end = tmp + sizeof(tmp), *p = end;
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t ip = mag / E8, fp = mag % E8;

	*--p = RG_FIX_SOH;
	if (fp != 0) {
		int digits = 8;
		while (fp % 10 == 0) {
			fp /= 10;
			digits--;
		}
		for (int i = 0; i < digits; i++) {
			*--p = (char)('0' + fp % 10);
			fp /= 10;
		}
		*--p = '.';
	}
	p = u64_rev(p, ip);
	if (v < 0)
		*--p = '-';
	*--p = '=';
	p = u64_rev(p, tag);
	put(w, p, (size_t)(end - p));
}

void rg_fix_begin(struct rg_fix_writer *w, char *buf, size_t cap, const char *msg_type, const struct rg_fix_header *h)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = RG_FIX_HDR_RESERVE;
	w->overflow = cap < RG_FIX_HDR_RESERVE + TRAILER_LEN;
	if (w->overflow)
		return;
	w->cap = cap - TRAILER_LEN; /* the trailer always fits */
	rg_fix_add_str(w, RG_FIX_TAG_MSG_TYPE, msg_type);
	rg_fix_add_str(w, RG_FIX_TAG_SENDER_COMP_ID, h->sender);
	rg_fix_add_str(w, RG_FIX_TAG_TARGET_COMP_ID, h->target);
	rg_fix_add_u64(w, RG_FIX_TAG_MSG_SEQ_NUM, h->seq);
	if (h->poss_dup)
		rg_fix_add_char(w, RG_FIX_TAG_POSS_DUP_FLAG, 'Y');
	rg_fix_add_strn(w, RG_FIX_TAG_SENDING_TIME, h->sending_time, RG_FIX_TIME_LEN);
	if (h->poss_dup)
		rg_fix_add_strn(w, RG_FIX_TAG_ORIG_SENDING_TIME, h->sending_time, RG_FIX_TIME_LEN);
}

size_t rg_fix_finish(struct rg_fix_writer *w, const char **out)
{
	char len_digits[24], *end = len_digits + sizeof(len_digits), *d;
	size_t body = w->pos - RG_FIX_HDR_RESERVE, nd, start, total;
	unsigned sum;
	char *t;

	if (w->overflow || body == 0)
		return 0;
	d = u64_rev(end, body);
	nd = (size_t)(end - d);
	start = RG_FIX_HDR_RESERVE - (PREFIX_LEN + nd + 1);
	memcpy(w->buf + start, PREFIX, PREFIX_LEN);
	memcpy(w->buf + start + PREFIX_LEN, d, nd);
	w->buf[RG_FIX_HDR_RESERVE - 1] = RG_FIX_SOH;
	sum = checksum(w->buf + start, w->pos - start);
	/* rg_fix_begin kept TRAILER_LEN bytes out of w->cap. */
	t = w->buf + w->pos;
	t[0] = '1';
	t[1] = '0';
	t[2] = '=';
	t[3] = (char)('0' + sum / 100);
	t[4] = (char)('0' + sum / 10 % 10);
	t[5] = (char)('0' + sum % 10);
	t[6] = RG_FIX_SOH;
	total = w->pos + TRAILER_LEN - start;
	*out = w->buf + start;
	return total;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static inline void two(char *p, unsigned v)
{
	p[0] = k_digits2[v * 2];
	p[1] = k_digits2[v * 2 + 1];
}

void rg_fix_format_time(char *out, uint64_t realtime_ns)
{
	uint64_t s = realtime_ns / 1000000000ull;
	unsigned ms = (unsigned)(realtime_ns / 1000000ull % 1000);
	unsigned sod = (unsigned)(s % 86400), mon, day;
	int64_t year;

	civil_from_days((int64_t)(s / 86400), &year, &mon, &day);
	if (year > 9999)
		year = 9999;
	two(out, (unsigned)(year / 100));
	two(out + 2, (unsigned)(year % 100));
	two(out + 4, mon);
	two(out + 6, day);
	out[8] = '-';
	two(out + 9, sod / 3600);
	out[11] = ':';
	two(out + 12, sod / 60 % 60);
	out[14] = ':';
	two(out + 15, sod % 60);
	out[17] = '.';
	out[18] = (char)('0' + ms / 100);
	out[19] = (char)('0' + ms / 10 % 10);
	out[20] = (char)('0' + ms % 10);
	out[21] = '\0';
}

/* ---- order identifiers -------------------------------------------------- */

/* v in decimal at out; returns the length (no NUL). */
static size_t put_u64(char *out, uint64_t v)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p = u64_rev(end, v);
	size_t n = (size_t)(end - p);

	memcpy(out, p, n);
	return n;
}

size_t rg_fix_clordid_new(char *out, uint32_t run, uint64_t engine_seq)
{
	size_t n = put_u64(out, run);

	out[n++] = '-';
	n += put_u64(out + n, engine_seq);
	out[n] = '\0';
	return n;
}

size_t rg_fix_clordid_cancel(char *out, uint32_t run, uint64_t engine_seq, uint64_t msg_seq)
{
	size_t n = rg_fix_clordid_new(out, run, engine_seq);

	out[n++] = '-';
	out[n++] = 'C';
	n += put_u64(out + n, msg_seq);
	out[n] = '\0';
	return n;
}

size_t rg_fix_clordid_replace(char *out, uint32_t run, uint64_t engine_seq, uint64_t msg_seq)
{
	size_t n = rg_fix_clordid_new(out, run, engine_seq);

	if (msg_seq == 0)
		return n;
	out[n++] = '-';
	out[n++] = 'R';
	n += put_u64(out + n, msg_seq);
	out[n] = '\0';
	return n;
}

/* A number without a leading zero at s[*i...]; advances *i past it. */
static bool take_number(const char *s, size_t n, size_t *i, uint64_t *out)
{
	size_t start = *i;

	while (*i < n && is_digit(s[*i]))
		(*i)++;
	return *i > start && s[start] != '0' && rg_fix_parse_u64(s + start, *i - start, out);
}

bool rg_fix_clordid_parse(const char *s, size_t n, uint32_t *run, uint64_t *engine_seq)
{
	size_t i = 0;
	uint64_t r, seq, tail;

	if (!take_number(s, n, &i, &r) || r > UINT32_MAX || i >= n || s[i++] != '-' ||
	    !take_number(s, n, &i, &seq))
		return false;
	if (i != n) {
		/* "-C<MsgSeqNum>" of a cancel, "-R<MsgSeqNum>" of a replace */
		if (n - i < 3 || s[i] != '-' || (s[i + 1] != 'C' && s[i + 1] != 'R'))
			return false;
		i += 2;
		if (!take_number(s, n, &i, &tail) || i != n)
			return false;
	}
	*run = (uint32_t)r;
	*engine_seq = seq;
	return true;
}

/* ---- application messages ---------------------------------------------- */

size_t rg_fix_encode_new_order(char *buf, size_t cap, const struct rg_fix_header *h, const struct rg_fix_new_order *o,
			       const char **out)
{
	struct rg_fix_writer w;
	char id[RG_FIX_CLORDID_MAX], side, type, tif;
	size_t n;

	switch (o->side) {
	case RG_SIDE_BUY: side = '1'; break;
	case RG_SIDE_SELL: side = '2'; break;
	default: return 0;
	}
	switch (o->type) {
	case RG_TYPE_LIMIT: type = '2'; break;
	case RG_TYPE_MARKET: type = '1'; break;
	default: return 0;
	}
	switch (o->tif) {
	case RG_TIF_DAY: tif = '0'; break;
	case RG_TIF_GTC: tif = '1'; break;
	case RG_TIF_IOC: tif = '3'; break;
	case RG_TIF_FOK: tif = '4'; break;
	default: return 0;
	}
	n = rg_fix_clordid_new(id, o->run, o->engine_seq);
	rg_fix_begin(&w, buf, cap, "D", h);
	rg_fix_add_strn(&w, RG_FIX_TAG_CL_ORD_ID, id, n);
	rg_fix_add_str(&w, RG_FIX_TAG_SYMBOL, o->symbol);
	rg_fix_add_char(&w, RG_FIX_TAG_SIDE, side);
	rg_fix_add_strn(&w, RG_FIX_TAG_TRANSACT_TIME, h->sending_time, RG_FIX_TIME_LEN);
	rg_fix_add_e8(&w, RG_FIX_TAG_ORDER_QTY, o->qty_e8);
	rg_fix_add_char(&w, RG_FIX_TAG_ORD_TYPE, type);
	if (o->type == RG_TYPE_LIMIT)
		rg_fix_add_e8(&w, RG_FIX_TAG_PRICE, o->price_e8);
	rg_fix_add_char(&w, RG_FIX_TAG_TIME_IN_FORCE, tif);
	return rg_fix_finish(&w, out);
}

int rg_fix_decode_exec(const struct rg_fix_msg *m, struct rg_fix_exec *e, uint32_t *ref_tag)
{
	const char *v;
	size_t n;
	uint64_t u;
	int rc;

	memset(e, 0, sizeof(*e));
	if (rg_fix_get(m, RG_FIX_TAG_CL_ORD_ID, &v, &n))
		e->ours = rg_fix_clordid_parse(v, n, &e->run, &e->engine_seq);
	if (!e->ours && rg_fix_get(m, RG_FIX_TAG_ORIG_CL_ORD_ID, &v, &n))
		e->ours = rg_fix_clordid_parse(v, n, &e->run, &e->engine_seq);
	if (rg_fix_get_char(m, RG_FIX_TAG_EXEC_TYPE, &e->exec_type) != 1) {
		*ref_tag = RG_FIX_TAG_EXEC_TYPE;
		return -1;
	}
	if (rg_fix_get_char(m, RG_FIX_TAG_ORD_STATUS, &e->ord_status) != 1) {
		*ref_tag = RG_FIX_TAG_ORD_STATUS;
		return -1;
	}
	if (rg_fix_get_e8(m, RG_FIX_TAG_LEAVES_QTY, &e->leaves_e8) != 1) {
		*ref_tag = RG_FIX_TAG_LEAVES_QTY;
		return -1;
	}
	if (rg_fix_get_e8(m, RG_FIX_TAG_CUM_QTY, &e->cum_qty_e8) != 1) {
		*ref_tag = RG_FIX_TAG_CUM_QTY;
		return -1;
	}
	if (!rg_fix_get(m, RG_FIX_TAG_SYMBOL, &v, &n)) {
		*ref_tag = RG_FIX_TAG_SYMBOL;
		return -1;
	}
	e->symbol = v;
	e->symbol_len = (uint32_t)n;
	rc = rg_fix_get_e8(m, RG_FIX_TAG_LAST_QTY, &e->last_qty_e8);
	if (rc < 0 || (rc == 0 && e->exec_type == 'F')) {
		*ref_tag = RG_FIX_TAG_LAST_QTY;
		return -1;
	}
	rc = rg_fix_get_e8(m, RG_FIX_TAG_LAST_PX, &e->last_px_e8);
	if (rc < 0 || (rc == 0 && e->exec_type == 'F')) {
		*ref_tag = RG_FIX_TAG_LAST_PX;
		return -1;
	}
	rc = rg_fix_get_u64(m, RG_FIX_TAG_ORD_REJ_REASON, &u);
	if (rc < 0) {
		*ref_tag = RG_FIX_TAG_ORD_REJ_REASON;
		return -1;
	}
	e->ord_rej_reason = rc == 1 && u <= UINT32_MAX ? (uint32_t)u : 0;
	return 0;
}
