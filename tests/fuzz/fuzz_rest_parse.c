/*
 * Fuzzes the REST adapter's decoding (adapters/rest/rest_codec.c and
 * rest_json.c) with what a venue could send: the input is handed whole to
 * every decoder the adapter uses on the user stream and on REST answers
 * (an executionReport, an order, a trade, an error, a cancel-replace answer,
 * the server time, a listen key), walked as an array of orders and of
 * trades as openOrders and myTrades are, and cut into lines for the limit
 * header parser.  The input as a whole is also given to the decimal and
 * client-order-id parsers.
 *
 * Checks, trapping on a violation: every span a decoder returns lies inside
 * the input; a decimal that parses formats back to text that parses to the
 * same value; a client order id that parses is rebuilt byte for byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rest_codec.h"
#include "rest_json.h"

static const uint8_t *g_data;
static size_t g_size;

static void inside(const struct rg_json_span *s)
{
	if (s->n != 0 && ((const uint8_t *)s->p < g_data || (const uint8_t *)s->p + s->n > g_data + g_size))
		__builtin_trap();
}

static void check_e8(const char *p, size_t n)
{
	char buf[RG_REST_E8_TEXT_MAX];
	int64_t v, back;

	if (!rg_rest_e8_parse(p, n, &v))
		return;
	size_t k = rg_rest_e8_format(buf, v);
	if (k >= sizeof(buf) || !rg_rest_e8_parse(buf, k, &back) || back != v)
		__builtin_trap();
}

static void check_client_id(const char *p, size_t n)
{
	char buf[RG_REST_CLIENT_ID_MAX + 8];
	uint64_t seq;
	uint32_t leg;

	if (!rg_rest_client_id_parse(p, n, "rg", &seq, &leg))
		return;
	size_t k = rg_rest_client_id(buf, "rg", seq, leg);
	if (k != n || memcmp(buf, p, n) != 0)
		__builtin_trap();
}

static void walk_array(const char *text, size_t n)
{
	struct rg_json_iter it;
	struct rg_json_span v;

	if (!rg_json_array_begin(&it, text, n))
		return;
	while (rg_json_array_next(&it, &v)) {
		struct rg_rest_order_status st;
		struct rg_rest_trade t;
		inside(&v);
		if (v.type != RG_JSON_OBJECT)
			continue;
		if (rg_rest_decode_order(v.p, v.n, &st)) {
			inside(&st.symbol);
			inside(&st.client_id);
			check_client_id(st.client_id.p, st.client_id.n);
		}
		rg_rest_decode_trade(v.p, v.n, &t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct rg_rest_exec x;
	struct rg_rest_order_status st;
	struct rg_rest_trade t;
	struct rg_rest_replace_answer ra;
	struct rg_rest_limits l;
	struct rg_json_span span;
	int64_t code;
	uint64_t ms;

	g_data = data;
	g_size = size;
	if (rg_rest_decode_stream(text, size, &x) == RG_REST_DECODE_OK) {
		inside(&x.symbol);
		inside(&x.client_id);
		inside(&x.orig_client_id);
		if (x.last_qty_e8 < 0 || x.cum_qty_e8 < x.last_qty_e8)
			__builtin_trap();
		check_client_id(x.client_id.p, x.client_id.n);
	}
	if (rg_rest_decode_order(text, size, &st)) {
		inside(&st.client_id);
		inside(&st.orig_client_id);
	}
	rg_rest_decode_trade(text, size, &t);
	if (rg_rest_decode_error(text, size, &code, &span))
		inside(&span);
	if (rg_rest_decode_replace(text, size, &ra)) {
		inside(&ra.cancel_response);
		inside(&ra.new_response);
		if (ra.cancel_response.type == RG_JSON_OBJECT)
			rg_rest_decode_order(ra.cancel_response.p, ra.cancel_response.n, &st);
	}
	rg_rest_decode_time(text, size, &ms);
	if (rg_rest_decode_listen_key(text, size, &span))
		inside(&span);
	walk_array(text, size);
	memset(&l, 0, sizeof(l));
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl != NULL ? (size_t)(nl - (data + at)) + 1 : size - at;
		rg_rest_header_parse(text + at, n, &l);
		at += n;
	}
	if (l.n_weight > RG_REST_MAX_INTERVALS || l.n_orders > RG_REST_MAX_INTERVALS)
		__builtin_trap();
	check_e8(text, size);
	check_client_id(text, size);
	return 0;
}
