/*
 * The REST adapter's codec (rest_codec.h): decimals, client order ids, query
 * strings, HMAC-SHA256 signatures and the decoding of the venue's JSON and
 * headers.  Everything works in caller buffers; the one stateful object is
 * the signer, whose OpenSSL MAC context is keyed once so that a signature
 * costs only the hash of the query.
 */
#include "rest_codec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <riskgate/msg.h>

#define E8 100000000

/* ---- decimals ------------------------------------------------------------------ */

/* Digits of v, most significant first; returns how many. */
static size_t put_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t rg_rest_e8_format(char *out, int64_t v)
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	uint64_t ip = u / E8, fp = u % E8;
	size_t n = 0;

	if (v < 0)
		out[n++] = '-';
	n += put_u64(out + n, ip);
	if (fp != 0) {
		char frac[8];
		size_t k = 8;
		for (int i = 7; i >= 0; i--) {
			frac[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		while (k > 0 && frac[k - 1] == '0')
			k--;
		out[n++] = '.';
		memcpy(out + n, frac, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

bool rg_rest_e8_parse(const char *p, size_t n, int64_t *out)
{
	const char *end = p + n;
	bool neg = false, digits = false;
	uint64_t ip = 0, fp = 0;
	unsigned places = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		digits = true;
		if (__builtin_mul_overflow(ip, 10u, &ip) || __builtin_add_overflow(ip, (unsigned)(*p - '0'), &ip))
			return false;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return false;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (places < 8) {
				fp = fp * 10 + (unsigned)(*p - '0');
				places++;
			} else if (*p != '0') {
				return false; /* finer than 10^-8: not exact */
			}
		}
	}
	if (!digits || p != end)
		return false;
	while (places < 8) {
		fp *= 10;
		places++;
	}
	uint64_t u;
	if (__builtin_mul_overflow(ip, (uint64_t)E8, &u) || __builtin_add_overflow(u, fp, &u) ||
	    u > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return true;
}

/* ---- client order ids ---------------------------------------------------------- */

size_t rg_rest_client_id(char *out, const char *prefix, uint64_t engine_seq, uint32_t leg)
{
	size_t n = strnlen(prefix, RG_REST_PREFIX_MAX);

	memcpy(out, prefix, n);
	out[n++] = '-';
	n += put_u64(out + n, engine_seq);
	if (leg != 0) {
		out[n++] = '-';
		n += put_u64(out + n, leg);
	}
	out[n] = '\0';
	return n;
}

/* Decimal digits p[0, n) without a leading zero, into *v; false otherwise. */
static bool parse_id_number(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (p[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9 || __builtin_mul_overflow(x, 10u, &x) || __builtin_add_overflow(x, d, &x))
			return false;
	}
	*v = x;
	return true;
}

bool rg_rest_client_id_parse(const char *p, size_t n, const char *prefix, uint64_t *engine_seq, uint32_t *leg)
{
	size_t k = strnlen(prefix, RG_REST_PREFIX_MAX), dash;
	uint64_t seq, l = 0;

	if (n <= k + 1 || memcmp(p, prefix, k) != 0 || p[k] != '-')
		return false;
	p += k + 1;
	n -= k + 1;
	for (dash = 0; dash < n && p[dash] != '-'; dash++)
		;
	if (!parse_id_number(p, dash, &seq) || seq == 0)
		return false;
	if (dash < n && (!parse_id_number(p + dash + 1, n - dash - 1, &l) || l == 0 || l > UINT32_MAX))
		return false;
	*engine_seq = seq;
	*leg = (uint32_t)l;
	return true;
}

/* ---- queries ------------------------------------------------------------------- */

void rg_rest_query_init(struct rg_rest_query *q)
{
	q->len = 0;
	q->overflow = false;
	q->buf[0] = '\0';
}

void rg_rest_query_add(struct rg_rest_query *q, const char *key, const char *value, size_t n)
{
	size_t k = strlen(key), need = (q->len != 0) + k + 1 + n;

	if (q->overflow || q->len + need >= sizeof(q->buf)) {
		q->overflow = true;
		return;
	}
	if (q->len != 0)
		q->buf[q->len++] = '&';
	memcpy(q->buf + q->len, key, k);
	q->len += k;
	q->buf[q->len++] = '=';
	memcpy(q->buf + q->len, value, n);
	q->len += n;
	q->buf[q->len] = '\0';
}

void rg_rest_query_add_str(struct rg_rest_query *q, const char *key, const char *value)
{
	rg_rest_query_add(q, key, value, strlen(value));
}

void rg_rest_query_add_u64(struct rg_rest_query *q, const char *key, uint64_t v)
{
	char tmp[21];
	size_t n = put_u64(tmp, v);

	rg_rest_query_add(q, key, tmp, n);
}

void rg_rest_query_add_e8(struct rg_rest_query *q, const char *key, int64_t v)
{
	char tmp[RG_REST_E8_TEXT_MAX];
	size_t n = rg_rest_e8_format(tmp, v);

	rg_rest_query_add(q, key, tmp, n);
}

const char *rg_rest_side_str(uint8_t side)
{
	return side == RG_SIDE_SELL ? "SELL" : "BUY";
}

const char *rg_rest_tif_str(uint8_t tif)
{
	switch (tif) {
	case RG_TIF_IOC: return "IOC";
	case RG_TIF_FOK: return "FOK";
	default: return "GTC"; /* a 24/7 venue has no trading day: DAY rests like GTC */
	}
}

void rg_rest_encode_new_order(struct rg_rest_query *q, const struct rg_rest_new_order *o)
{
	char id[RG_REST_CLIENT_ID_MAX];
	size_t idn = rg_rest_client_id(id, o->prefix, o->engine_seq, o->leg);

	rg_rest_query_init(q);
	rg_rest_query_add_str(q, "symbol", o->symbol);
	rg_rest_query_add_str(q, "side", rg_rest_side_str(o->side));
	if (o->type == RG_TYPE_MARKET) {
		rg_rest_query_add(q, "type", "MARKET", 6);
		rg_rest_query_add_e8(q, "quantity", o->qty_e8);
	} else {
		rg_rest_query_add(q, "type", "LIMIT", 5);
		rg_rest_query_add_str(q, "timeInForce", rg_rest_tif_str(o->tif));
		rg_rest_query_add_e8(q, "quantity", o->qty_e8);
		rg_rest_query_add_e8(q, "price", o->price_e8);
	}
	rg_rest_query_add(q, "newClientOrderId", id, idn);
	rg_rest_query_add(q, "newOrderRespType", "RESULT", 6);
}

void rg_rest_query_stamp(struct rg_rest_query *q, uint32_t recv_window_ms, uint64_t timestamp_ms)
{
	rg_rest_query_add_u64(q, "recvWindow", recv_window_ms);
	rg_rest_query_add_u64(q, "timestamp", timestamp_ms);
}

/* ---- signing ---------------------------------------------------------------------- */

int rg_rest_signer_init(struct rg_rest_signer *s, const char *secret, size_t n)
{
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	s->mac = NULL;
	if (n == 0)
		return -EINVAL;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		return -ENOMEM;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (ctx == NULL)
		return -ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, (const unsigned char *)secret, n, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return -EINVAL;
	}
	s->mac = ctx;
	return 0;
}

void rg_rest_signer_fini(struct rg_rest_signer *s)
{
	EVP_MAC_CTX_free(s->mac); /* OpenSSL clears the key material it frees */
	s->mac = NULL;
}

bool rg_rest_sign_hex(struct rg_rest_signer *s, const void *data, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	size_t len = 0;

	/* A NULL key re-initialises HMAC with the key already set. */
	if (s->mac == NULL || EVP_MAC_init(s->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(s->mac, data, n) != 1 || EVP_MAC_final(s->mac, md, &len, sizeof(md)) != 1 || len != 32)
		return false;
	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return true;
}

bool rg_rest_query_sign(struct rg_rest_signer *s, struct rg_rest_query *q)
{
	char hex[RG_REST_SIGNATURE_HEX + 1];

	if (q->overflow || !rg_rest_sign_hex(s, q->buf, q->len, hex))
		return false;
	rg_rest_query_add(q, "signature", hex, RG_REST_SIGNATURE_HEX);
	return !q->overflow;
}

/* ---- answers ------------------------------------------------------------------------ */

static bool e8_of(const struct rg_json_span *v, int64_t *out)
{
	return v->type == RG_JSON_STRING && !v->has_escape && rg_rest_e8_parse(v->p, v->n, out);
}

static uint8_t status_of(const struct rg_json_span *v)
{
	if (v->type != RG_JSON_STRING)
		return RG_REST_ST_UNKNOWN;
	if (RG_JSON_IS(v, "NEW"))
		return RG_REST_ST_NEW;
	if (RG_JSON_IS(v, "PARTIALLY_FILLED"))
		return RG_REST_ST_PARTIALLY_FILLED;
	if (RG_JSON_IS(v, "FILLED"))
		return RG_REST_ST_FILLED;
	if (RG_JSON_IS(v, "CANCELED"))
		return RG_REST_ST_CANCELED;
	if (RG_JSON_IS(v, "PENDING_CANCEL"))
		return RG_REST_ST_PENDING_CANCEL;
	if (RG_JSON_IS(v, "REJECTED"))
		return RG_REST_ST_REJECTED;
	if (RG_JSON_IS(v, "EXPIRED") || RG_JSON_IS(v, "EXPIRED_IN_MATCH"))
		return RG_REST_ST_EXPIRED;
	return RG_REST_ST_UNKNOWN;
}

static uint8_t exec_type_of(const struct rg_json_span *v)
{
	if (RG_JSON_IS(v, "TRADE"))
		return RG_REST_X_TRADE;
	if (RG_JSON_IS(v, "NEW"))
		return RG_REST_X_NEW;
	if (RG_JSON_IS(v, "CANCELED"))
		return RG_REST_X_CANCELED;
	if (RG_JSON_IS(v, "REJECTED"))
		return RG_REST_X_REJECTED;
	if (RG_JSON_IS(v, "EXPIRED") || RG_JSON_IS(v, "TRADE_PREVENTION"))
		return RG_REST_X_EXPIRED;
	if (RG_JSON_IS(v, "REPLACED"))
		return RG_REST_X_REPLACED;
	return RG_REST_X_OTHER;
}

/* Bits of the executionReport fields that must be present. */
enum {
	F_S = 1 << 0, F_C = 1 << 1, F_SIDE = 1 << 2, F_X = 1 << 3, F_XS = 1 << 4, F_I = 1 << 5, F_Q = 1 << 6,
	F_P = 1 << 7, F_L = 1 << 8, F_LP = 1 << 9, F_Z = 1 << 10,
	F_ALL = (1 << 11) - 1,
};

enum rg_rest_decode rg_rest_decode_stream(const char *msg, size_t n, struct rg_rest_exec *out)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	unsigned seen = 0;
	int kind = -1; /* 0 executionReport, 1 listenKeyExpired, 2 other */
	bool ok = true;
	int64_t t;

	memset(out, 0, sizeof(*out));
	if (!rg_json_object_begin(&it, msg, n))
		return RG_REST_DECODE_MALFORMED;
	while (ok && rg_json_object_next(&it, &k, &v)) {
		if (k.n != 1)
			continue;
		switch (k.p[0]) {
		case 'e':
			kind = RG_JSON_IS(&v, "executionReport") ? 0 : RG_JSON_IS(&v, "listenKeyExpired") ? 1 : 2;
			break;
		case 'E': ok = rg_json_u64(&v, &out->event_ms); break;
		case 's': out->symbol = v; seen |= F_S; ok = v.type == RG_JSON_STRING; break;
		case 'c': out->client_id = v; seen |= F_C; ok = v.type == RG_JSON_STRING; break;
		case 'C':
			if (v.type == RG_JSON_STRING)
				out->orig_client_id = v;
			break;
		case 'S':
			seen |= F_SIDE;
			out->side = RG_JSON_IS(&v, "BUY") ? RG_SIDE_BUY : RG_JSON_IS(&v, "SELL") ? RG_SIDE_SELL : 0;
			ok = out->side != 0;
			break;
		case 'x': seen |= F_X; out->exec_type = exec_type_of(&v); ok = v.type == RG_JSON_STRING; break;
		case 'X': seen |= F_XS; out->status = status_of(&v); ok = out->status != RG_REST_ST_UNKNOWN; break;
		case 'i': seen |= F_I; ok = rg_json_u64(&v, &out->order_id); break;
		case 't':
			ok = rg_json_i64(&v, &t);
			out->trade_id = ok && t > 0 ? (uint64_t)t : 0;
			break;
		case 'q': seen |= F_Q; ok = e8_of(&v, &out->qty_e8); break;
		case 'p': seen |= F_P; ok = e8_of(&v, &out->price_e8); break;
		case 'l': seen |= F_L; ok = e8_of(&v, &out->last_qty_e8); break;
		case 'L': seen |= F_LP; ok = e8_of(&v, &out->last_px_e8); break;
		case 'z': seen |= F_Z; ok = e8_of(&v, &out->cum_qty_e8); break;
		default: break;
		}
	}
	if (!ok || !rg_json_ok(&it) || kind < 0)
		return RG_REST_DECODE_MALFORMED;
	if (kind == 1)
		return RG_REST_DECODE_EXPIRED;
	if (kind == 2)
		return RG_REST_DECODE_OTHER;
	if (seen != F_ALL || out->last_qty_e8 < 0 || out->cum_qty_e8 < out->last_qty_e8 || out->qty_e8 <= 0)
		return RG_REST_DECODE_MALFORMED;
	return RG_REST_DECODE_OK;
}

bool rg_rest_decode_order(const char *text, size_t n, struct rg_rest_order_status *out)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	bool ok = true, has_id = false;

	memset(out, 0, sizeof(*out));
	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (ok && rg_json_object_next(&it, &k, &v)) {
		if (RG_JSON_IS(&k, "orderId"))
			ok = has_id = rg_json_u64(&v, &out->order_id);
		else if (RG_JSON_IS(&k, "symbol"))
			out->symbol = v;
		else if (RG_JSON_IS(&k, "clientOrderId"))
			out->client_id = v;
		else if (RG_JSON_IS(&k, "origClientOrderId"))
			out->orig_client_id = v;
		else if (RG_JSON_IS(&k, "status"))
			ok = (out->status = status_of(&v)) != RG_REST_ST_UNKNOWN;
		else if (RG_JSON_IS(&k, "origQty"))
			ok = e8_of(&v, &out->orig_qty_e8);
		else if (RG_JSON_IS(&k, "executedQty"))
			ok = out->has_executed = e8_of(&v, &out->executed_qty_e8);
		else if (RG_JSON_IS(&k, "price"))
			ok = e8_of(&v, &out->price_e8);
		else if (RG_JSON_IS(&k, "side"))
			out->side = RG_JSON_IS(&v, "BUY") ? RG_SIDE_BUY : RG_JSON_IS(&v, "SELL") ? RG_SIDE_SELL : 0;
	}
	return ok && has_id && rg_json_ok(&it) && out->client_id.type == RG_JSON_STRING &&
	       out->executed_qty_e8 >= 0;
}

bool rg_rest_decode_trade(const char *text, size_t n, struct rg_rest_trade *out)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	unsigned seen = 0;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (ok && rg_json_object_next(&it, &k, &v)) {
		if (RG_JSON_IS(&k, "id"))
			seen |= 1, ok = rg_json_u64(&v, &out->id);
		else if (RG_JSON_IS(&k, "orderId"))
			seen |= 2, ok = rg_json_u64(&v, &out->order_id);
		else if (RG_JSON_IS(&k, "qty"))
			seen |= 4, ok = e8_of(&v, &out->qty_e8);
		else if (RG_JSON_IS(&k, "price"))
			seen |= 8, ok = e8_of(&v, &out->price_e8);
	}
	return ok && seen == 15 && rg_json_ok(&it) && out->qty_e8 > 0;
}

bool rg_rest_decode_error(const char *text, size_t n, int64_t *code, struct rg_json_span *msg)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	bool has_code = false;

	memset(msg, 0, sizeof(*msg));
	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (rg_json_object_next(&it, &k, &v)) {
		if (RG_JSON_IS(&k, "code"))
			has_code = rg_json_i64(&v, code);
		else if (RG_JSON_IS(&k, "msg") && v.type == RG_JSON_STRING)
			*msg = v;
	}
	return has_code && rg_json_ok(&it);
}

static int8_t result_of(const struct rg_json_span *v)
{
	return RG_JSON_IS(v, "SUCCESS") ? 1 : 0;
}

static bool replace_members(const char *text, size_t n, struct rg_rest_replace_answer *out, bool *data_seen)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;

	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (rg_json_object_next(&it, &k, &v)) {
		if (RG_JSON_IS(&k, "cancelResult"))
			out->cancel_ok = result_of(&v);
		else if (RG_JSON_IS(&k, "newOrderResult"))
			out->new_ok = result_of(&v);
		else if (RG_JSON_IS(&k, "cancelResponse"))
			out->cancel_response = v;
		else if (RG_JSON_IS(&k, "newOrderResponse"))
			out->new_response = v;
		else if (RG_JSON_IS(&k, "data") && v.type == RG_JSON_OBJECT && data_seen != NULL) {
			*data_seen = true;
			if (!replace_members(v.p, v.n, out, NULL))
				return false;
		}
	}
	return rg_json_ok(&it);
}

bool rg_rest_decode_replace(const char *text, size_t n, struct rg_rest_replace_answer *out)
{
	bool data = false;

	memset(out, 0, sizeof(*out));
	out->cancel_ok = out->new_ok = -1;
	return replace_members(text, n, out, &data) && out->cancel_ok >= 0;
}

bool rg_rest_decode_time(const char *text, size_t n, uint64_t *server_ms)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	bool ok = false;

	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (rg_json_object_next(&it, &k, &v))
		if (RG_JSON_IS(&k, "serverTime"))
			ok = rg_json_u64(&v, server_ms);
	return ok && rg_json_ok(&it);
}

bool rg_rest_decode_listen_key(const char *text, size_t n, struct rg_json_span *key)
{
	struct rg_json_iter it;
	struct rg_json_span k, v;
	bool ok = false;

	if (!rg_json_object_begin(&it, text, n))
		return false;
	while (rg_json_object_next(&it, &k, &v)) {
		if (RG_JSON_IS(&k, "listenKey") && v.type == RG_JSON_STRING && !v.has_escape && v.n > 0 && v.n < 128) {
			bool clean = true;
			for (size_t i = 0; i < v.n && clean; i++)
				clean = (v.p[i] >= 'A' && v.p[i] <= 'Z') || (v.p[i] >= 'a' && v.p[i] <= 'z') ||
					(v.p[i] >= '0' && v.p[i] <= '9') || v.p[i] == '-' || v.p[i] == '_';
			*key = v;
			ok = clean;
		}
	}
	return ok && rg_json_ok(&it);
}

/* ---- headers ------------------------------------------------------------------------- */

static bool starts_nocase(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

/* The number after the colon of a header line; false when there is none. */
static bool header_u64(const char *p, size_t n, uint64_t *out)
{
	const char *end = p + n, *colon = memchr(p, ':', n);
	uint64_t v = 0;
	bool digits = false;

	if (colon == NULL)
		return false;
	for (p = colon + 1; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		digits = true;
		if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, (unsigned)(*p - '0'), &v))
			return false;
	}
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (!digits || p != end)
		return false;
	*out = v;
	return true;
}

/* "<n><S|M|H|D>:" at p: the interval in ms. */
static bool interval_ms(const char *p, size_t n, uint64_t *ms)
{
	uint64_t v = 0, unit;
	size_t i = 0;

	for (; i < n && i < 6 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	if (i == 0 || i + 1 >= n || p[i + 1] != ':' || v == 0)
		return false;
	switch (p[i]) {
	case 's': case 'S': unit = 1000; break;
	case 'm': case 'M': unit = 60000; break;
	case 'h': case 'H': unit = 3600000; break;
	case 'd': case 'D': unit = 86400000; break;
	default: return false;
	}
	*ms = v * unit;
	return true;
}

bool rg_rest_header_parse(const char *line, size_t n, struct rg_rest_limits *out)
{
	static const char weight[] = "x-mbx-used-weight-", orders[] = "x-mbx-order-count-";
	struct rg_rest_counter *c;
	uint32_t *count;
	uint64_t iv, value;
	size_t k = sizeof(weight) - 1;
	bool w;

	if (starts_nocase(line, n, "retry-after:"))
		return header_u64(line, n, &out->retry_after_s);
	w = starts_nocase(line, n, weight);
	if (!w && !starts_nocase(line, n, orders))
		return false;
	if (!interval_ms(line + k, n - k, &iv) || !header_u64(line, n, &value))
		return false;
	c = w ? out->weight : out->orders;
	count = w ? &out->n_weight : &out->n_orders;
	for (uint32_t i = 0; i < *count; i++) {
		if (c[i].interval_ms == iv) {
			c[i].value = value;
			return true;
		}
	}
	if (*count < RG_REST_MAX_INTERVALS) {
		c[*count].interval_ms = iv;
		c[*count].value = value;
		(*count)++;
	}
	return true;
}
