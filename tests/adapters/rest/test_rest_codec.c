/*
 * Unit tests of the REST adapter's codec (adapters/rest/rest_codec.c) and
 * JSON scanner (rest_json.c): exact decimals both ways, client order ids,
 * the query of a new order, the HMAC-SHA256 signature of the API's own
 * documented example, the decoding of stream reports, orders, trades,
 * errors, replace answers and limit headers, and the refusal of malformed
 * input of every kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <riskgate/msg.h>

#include "rest_codec.h"
#include "rest_json.h"

#define E8 100000000LL

static void decimals_round_trip_exactly(void **state)
{
	static const struct {
		int64_t v;
		const char *text;
	} cases[] = {
		{0, "0"}, {E8, "1"}, {E8 / 2, "0.5"}, {1, "0.00000001"}, {3000000 * E8 + 1, "3000000.00000001"},
		{-E8 / 4, "-0.25"}, {INT64_MAX, "92233720368.54775807"},
	};
	char buf[RG_REST_E8_TEXT_MAX];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = rg_rest_e8_format(buf, cases[i].v);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(n, strlen(cases[i].text));
		assert_true(rg_rest_e8_parse(buf, n, &v));
		assert_int_equal(v, cases[i].v);
	}
	assert_true(rg_rest_e8_parse("29000.00000000", 14, &v));
	assert_int_equal(v, 29000 * E8);
	assert_true(rg_rest_e8_parse("0.1000000000", 12, &v)); /* trailing zeros past 8 places are exact */
	assert_int_equal(v, E8 / 10);
	/* Not exact, not a number, or too large. */
	static const char *const bad[] = {"0.000000001", "1e5", "", ".5", "5.", "--1", "1.2.3", "92233720368.54775808",
					  "12a", " 1", "1,5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rg_rest_e8_parse(bad[i], strlen(bad[i]), &v))
			fail_msg("'%s' parsed", bad[i]);
}

static void client_ids_carry_the_engine_sequence_and_leg(void **state)
{
	char id[RG_REST_CLIENT_ID_MAX];
	uint64_t seq;
	uint32_t leg;

	(void)state;
	assert_int_equal(rg_rest_client_id(id, "rg", 12345, 0), 8);
	assert_string_equal(id, "rg-12345");
	assert_true(rg_rest_client_id_parse(id, strlen(id), "rg", &seq, &leg));
	assert_int_equal(seq, 12345);
	assert_int_equal(leg, 0);
	rg_rest_client_id(id, "desk7", UINT64_MAX, 4000000000u);
	assert_string_equal(id, "desk7-18446744073709551615-4000000000");
	assert_true(rg_rest_client_id_parse(id, strlen(id), "desk7", &seq, &leg));
	assert_int_equal(seq, UINT64_MAX);
	assert_int_equal(leg, 4000000000u);
	/* Within the API's 36 characters for any sequence below 10^18 and 99999 replaces. */
	rg_rest_client_id(id, "abcdefgh", 999999999999999999ull, 99999);
	assert_true(strlen(id) <= 36);
	static const char *const foreign[] = {"rg-", "rg-0", "rg-01", "rg-1-0", "rg-1-", "rgx-1", "xx-1", "rg-1-2-3",
					      "rg-18446744073709551616", "web_ABC123", "rg"};
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		if (rg_rest_client_id_parse(foreign[i], strlen(foreign[i]), "rg", &seq, &leg))
			fail_msg("'%s' taken for ours", foreign[i]);
}

static void new_order_query_has_the_api_parameters(void **state)
{
	struct rg_rest_query q;
	struct rg_rest_new_order o = {"BTCUSDT", "rg", 42, 0, E8 / 2, 29000 * E8 + E8 / 100, RG_SIDE_BUY, RG_TYPE_LIMIT,
				      RG_TIF_IOC};

	(void)state;
	rg_rest_encode_new_order(&q, &o);
	rg_rest_query_stamp(&q, 5000, 1700000000123ull);
	assert_false(q.overflow);
	assert_string_equal(q.buf, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.5&price=29000.01"
				   "&newClientOrderId=rg-42&newOrderRespType=RESULT&recvWindow=5000"
				   "&timestamp=1700000000123");
	o.type = RG_TYPE_MARKET;
	o.side = RG_SIDE_SELL;
	rg_rest_encode_new_order(&q, &o);
	assert_string_equal(q.buf, "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.5&newClientOrderId=rg-42"
				   "&newOrderRespType=RESULT");
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_DAY;
	rg_rest_encode_new_order(&q, &o);
	assert_non_null(strstr(q.buf, "timeInForce=GTC"));
	/* A value that does not fit marks the query unusable instead of cutting it. */
	char big[RG_REST_QUERY_MAX];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rg_rest_query_add_str(&q, "x", big);
	assert_true(q.overflow);
}

/* The example of the API's documentation (SIGNED endpoint security). */
static void signature_matches_the_documented_example(void **state)
{
	static const char secret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
	static const char query[] = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
				    "&recvWindow=5000&timestamp=1499827319559";
	struct rg_rest_signer s;
	struct rg_rest_query q;
	char hex[RG_REST_SIGNATURE_HEX + 1];

	(void)state;
	assert_int_equal(rg_rest_signer_init(&s, secret, strlen(secret)), 0);
	for (int i = 0; i < 3; i++) { /* the keyed context is reused */
		assert_true(rg_rest_sign_hex(&s, query, strlen(query), hex));
		assert_string_equal(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
	}
	rg_rest_query_init(&q);
	rg_rest_query_add_str(&q, "symbol", "LTCBTC");
	rg_rest_query_add_str(&q, "side", "BUY");
	rg_rest_query_add_str(&q, "type", "LIMIT");
	rg_rest_query_add_str(&q, "timeInForce", "GTC");
	rg_rest_query_add_e8(&q, "quantity", E8);
	rg_rest_query_add_e8(&q, "price", E8 / 10);
	rg_rest_query_stamp(&q, 5000, 1499827319559ull);
	assert_true(rg_rest_query_sign(&s, &q));
	assert_string_equal(q.buf, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
				   "&recvWindow=5000&timestamp=1499827319559"
				   "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
	rg_rest_signer_fini(&s);
	assert_int_equal(rg_rest_signer_init(&s, "", 0), -EINVAL);
}

static const char trade_report[] =
	"{\"e\":\"executionReport\",\"E\":1499405658658,\"s\":\"ETHBTC\",\"c\":\"rg-7\",\"S\":\"BUY\","
	"\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\",\"p\":\"0.10264410\",\"P\":\"0.00000000\","
	"\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\","
	"\"i\":4293153,\"l\":\"0.25000000\",\"z\":\"0.75000000\",\"L\":\"0.10264400\",\"n\":\"0\",\"N\":null,"
	"\"T\":1499405658657,\"t\":77,\"I\":8641984,\"w\":true,\"m\":false,\"M\":false,\"O\":1499405658657,"
	"\"Z\":\"0.07698300\",\"Y\":\"0.02566100\",\"Q\":\"0.00000000\",\"W\":1499405658657,\"V\":\"NONE\"}";

static void stream_reports_decode_into_riskgate_terms(void **state)
{
	struct rg_rest_exec x;
	char msg[1024];

	(void)state;
	assert_int_equal(rg_rest_decode_stream(trade_report, strlen(trade_report), &x), RG_REST_DECODE_OK);
	assert_true(RG_JSON_IS(&x.client_id, "rg-7"));
	assert_true(RG_JSON_IS(&x.symbol, "ETHBTC"));
	assert_int_equal(x.exec_type, RG_REST_X_TRADE);
	assert_int_equal(x.status, RG_REST_ST_PARTIALLY_FILLED);
	assert_int_equal(x.side, RG_SIDE_BUY);
	assert_int_equal(x.order_id, 4293153);
	assert_int_equal(x.trade_id, 77);
	assert_int_equal(x.qty_e8, E8);
	assert_int_equal(x.price_e8, 10264410);
	assert_int_equal(x.last_qty_e8, E8 / 4);
	assert_int_equal(x.last_px_e8, 10264400);
	assert_int_equal(x.cum_qty_e8, 3 * E8 / 4);
	/* A cancel names the original in "C". */
	static const char cancel[] = "{\"e\":\"executionReport\",\"E\":1,\"s\":\"BTCUSDT\",\"c\":\"cxl-9\",\"S\":"
				     "\"SELL\",\"q\":\"2\",\"p\":\"1\",\"x\":\"CANCELED\",\"X\":\"CANCELED\",\"i\":5,"
				     "\"l\":\"0\",\"z\":\"0.5\",\"L\":\"0\",\"t\":-1,\"C\":\"rg-8\"}";
	assert_int_equal(rg_rest_decode_stream(cancel, strlen(cancel), &x), RG_REST_DECODE_OK);
	assert_true(RG_JSON_IS(&x.orig_client_id, "rg-8"));
	assert_int_equal(x.exec_type, RG_REST_X_CANCELED);
	assert_int_equal(x.trade_id, 0);
	/* Other events, and the listen key's expiry. */
	static const char balance[] = "{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":1,\"B\":[{\"a\":\"ETH\",\"f\":"
				      "\"10000.000000\",\"l\":\"0.000000\"}]}";
	assert_int_equal(rg_rest_decode_stream(balance, strlen(balance), &x), RG_REST_DECODE_OTHER);
	static const char expired[] = "{\"e\":\"listenKeyExpired\",\"E\":1576653824250,\"listenKey\":\"abc\"}";
	assert_int_equal(rg_rest_decode_stream(expired, strlen(expired), &x), RG_REST_DECODE_EXPIRED);
	/* Malformed: each missing or wrong field, truncation, garbage. */
	static const char *const cut[] = {"\"s\":\"ETHBTC\",", "\"l\":\"0.25000000\",", "\"z\":\"0.75000000\",",
					  "\"X\":\"PARTIALLY_FILLED\",", "\"i\":4293153,"};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		const char *at = strstr(trade_report, cut[i]);
		size_t k = (size_t)(at - trade_report);
		snprintf(msg, sizeof(msg), "%.*s%s", (int)k, trade_report, at + strlen(cut[i]));
		if (rg_rest_decode_stream(msg, strlen(msg), &x) != RG_REST_DECODE_MALFORMED)
			fail_msg("accepted without %s", cut[i]);
	}
	for (size_t k = 0; k + 1 < sizeof(trade_report) - 1; k += 7)
		assert_int_equal(rg_rest_decode_stream(trade_report, k, &x), RG_REST_DECODE_MALFORMED);
	static const char *const garbage[] = {"", "[]", "null", "{", "{\"e\":\"executionReport\"} x",
					      "{\"e\":executionReport}", "{\"e\":\"executionReport\",\"l\":\"1e3\"}",
					      "{\"a\":\"\\q\"}", "{\"a\":\"\x01\"}"};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		assert_int_equal(rg_rest_decode_stream(garbage[i], strlen(garbage[i]), &x), RG_REST_DECODE_MALFORMED);
	/* A fill larger than the cumulative quantity is impossible. */
	snprintf(msg, sizeof(msg), "%s", trade_report);
	memcpy(strstr(msg, "\"z\":\"0.75") + 5, "0.10", 4);
	assert_int_equal(rg_rest_decode_stream(msg, strlen(msg), &x), RG_REST_DECODE_MALFORMED);
}

static void rest_answers_decode(void **state)
{
	static const char order[] =
		"{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,\"clientOrderId\":\"rg-6\","
		"\"transactTime\":1507725176595,\"price\":\"0.10000000\",\"origQty\":\"10.00000000\","
		"\"executedQty\":\"10.00000000\",\"cummulativeQuoteQty\":\"10.00000000\",\"status\":\"FILLED\","
		"\"timeInForce\":\"GTC\",\"type\":\"MARKET\",\"side\":\"SELL\",\"fills\":[{\"price\":\"4000.0\","
		"\"qty\":\"1.0\",\"commission\":\"4.0\",\"commissionAsset\":\"USDT\",\"tradeId\":56}]}";
	static const char trade[] = "{\"symbol\":\"BNBBTC\",\"id\":28457,\"orderId\":100234,\"orderListId\":-1,"
				    "\"price\":\"4.00000100\",\"qty\":\"12.00000000\",\"quoteQty\":\"48.000012\","
				    "\"commission\":\"10.10000000\",\"commissionAsset\":\"BNB\",\"time\":1499865549590,"
				    "\"isBuyer\":true,\"isMaker\":false,\"isBestMatch\":true}";
	static const char err[] = "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}";
	static const char replace[] =
		"{\"code\":-2021,\"msg\":\"Order cancel-replace partially failed.\",\"data\":{\"cancelResult\":"
		"\"SUCCESS\",\"newOrderResult\":\"FAILURE\",\"cancelResponse\":{\"symbol\":\"BTCUSDT\",\"orderId\":9,"
		"\"clientOrderId\":\"rg-9\",\"origQty\":\"1\",\"executedQty\":\"0.4\",\"status\":\"CANCELED\"},"
		"\"newOrderResponse\":{\"code\":-2010,\"msg\":\"Account has insufficient balance.\"}}}";
	struct rg_rest_order_status st;
	struct rg_rest_trade t;
	struct rg_rest_replace_answer ra;
	struct rg_json_span msg, key;
	int64_t code;
	uint64_t ms;

	(void)state;
	assert_true(rg_rest_decode_order(order, strlen(order), &st));
	assert_int_equal(st.order_id, 28);
	assert_true(RG_JSON_IS(&st.client_id, "rg-6"));
	assert_int_equal(st.status, RG_REST_ST_FILLED);
	assert_int_equal(st.side, RG_SIDE_SELL);
	assert_int_equal(st.orig_qty_e8, 10 * E8);
	assert_int_equal(st.executed_qty_e8, 10 * E8);
	assert_true(st.has_executed);
	assert_true(rg_rest_decode_trade(trade, strlen(trade), &t));
	assert_int_equal(t.id, 28457);
	assert_int_equal(t.order_id, 100234);
	assert_int_equal(t.qty_e8, 12 * E8);
	assert_int_equal(t.price_e8, 400000100);
	assert_true(rg_rest_decode_error(err, strlen(err), &code, &msg));
	assert_int_equal(code, -1021);
	assert_true(RG_JSON_IS(&msg, "Timestamp for this request is outside of the recvWindow."));
	assert_false(rg_rest_decode_error(order, strlen(order), &code, &msg));
	assert_true(rg_rest_decode_replace(replace, strlen(replace), &ra));
	assert_int_equal(ra.cancel_ok, 1);
	assert_int_equal(ra.new_ok, 0);
	assert_true(rg_rest_decode_order(ra.cancel_response.p, ra.cancel_response.n, &st));
	assert_int_equal(st.executed_qty_e8, 4 * E8 / 10);
	assert_false(rg_rest_decode_order(ra.new_response.p, ra.new_response.n, &st));
#define LIT(s) s, strlen(s)
	assert_true(rg_rest_decode_time(LIT("{\"serverTime\":1499827319559}"), &ms));
	assert_int_equal(ms, 1499827319559ull);
	assert_true(rg_rest_decode_listen_key(LIT("{\"listenKey\":\"pqia91ma19a5s61cv6a81va65sdf19v8a65a1\"}"), &key));
	assert_int_equal(key.n, 37);
	assert_false(rg_rest_decode_listen_key(LIT("{\"listenKey\":\"a/../b\"}"), &key)); /* never a path */
	assert_false(rg_rest_decode_order(LIT("{\"orderId\":-1,\"clientOrderId\":\"x\"}"), &st));
	assert_false(rg_rest_decode_trade(LIT("{\"id\":1,\"orderId\":2,\"price\":\"1\",\"qty\":\"0\"}"), &t));
#undef LIT
}

static void limit_headers_are_read_whatever_their_case(void **state)
{
	struct rg_rest_limits l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_true(rg_rest_header_parse("X-MBX-USED-WEIGHT-1M: 1180\r\n", 28, &l));
	assert_true(rg_rest_header_parse("x-mbx-order-count-10s: 7\r\n", 26, &l));
	assert_true(rg_rest_header_parse("X-MBX-ORDER-COUNT-1D: 1200\r\n", 28, &l));
	assert_true(rg_rest_header_parse("Retry-After: 30\r\n", 17, &l));
	assert_true(rg_rest_header_parse("x-mbx-used-weight-1m: 1181\r\n", 28, &l)); /* replaces */
	assert_false(rg_rest_header_parse("X-MBX-USED-WEIGHT: 1180\r\n", 25, &l));
	assert_false(rg_rest_header_parse("Content-Length: 12\r\n", 20, &l));
	assert_false(rg_rest_header_parse("X-MBX-USED-WEIGHT-1X: 3\r\n", 25, &l));
	assert_false(rg_rest_header_parse("Retry-After: soon\r\n", 19, &l));
	assert_int_equal(l.n_weight, 1);
	assert_int_equal(l.weight[0].interval_ms, 60000);
	assert_int_equal(l.weight[0].value, 1181);
	assert_int_equal(l.n_orders, 2);
	assert_int_equal(l.orders[0].interval_ms, 10000);
	assert_int_equal(l.orders[0].value, 7);
	assert_int_equal(l.orders[1].interval_ms, 86400000);
	assert_int_equal(l.retry_after_s, 30);
}

static void json_scanner_walks_nested_values_and_refuses_bad_text(void **state)
{
	static const char doc[] = " [ {\"a\": [1, {\"b\": \"x\\u00e9\"}], \"c\": -1.5e3}, 7, true, null ] ";
	struct rg_json_iter it, in;
	struct rg_json_span k, v;
	unsigned n = 0;
	int64_t i;

	(void)state;
	assert_true(rg_json_array_begin(&it, doc, strlen(doc)));
	while (rg_json_array_next(&it, &v))
		n++;
	assert_true(rg_json_ok(&it));
	assert_int_equal(n, 4);
	assert_true(rg_json_array_begin(&it, doc, strlen(doc)));
	assert_true(rg_json_array_next(&it, &v));
	assert_true(rg_json_object_enter(&in, &v));
	assert_true(rg_json_object_next(&in, &k, &v));
	assert_true(RG_JSON_IS(&k, "a"));
	assert_int_equal(v.type, RG_JSON_ARRAY);
	assert_true(rg_json_object_next(&in, &k, &v));
	assert_int_equal(v.type, RG_JSON_NUMBER);
	assert_false(rg_json_i64(&v, &i)); /* not an integer */
	assert_false(rg_json_object_next(&in, &k, &v));
	assert_true(rg_json_ok(&in));
	/* Too deep, unterminated, trailing commas, bad literals: refused. */
	char deep[200];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	static const char *const bad[] = {"[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":}", "[tru]", "[\"abc]", "[01]",
					  "[1.]", "[-]", "{1:2}", "[1]]"};
	for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
		assert_true(rg_json_array_begin(&it, bad[j], strlen(bad[j])) || bad[j][0] == '{');
		if (bad[j][0] == '{') {
			assert_true(rg_json_object_begin(&it, bad[j], strlen(bad[j])));
			while (rg_json_object_next(&it, &k, &v))
				;
		} else {
			while (rg_json_array_next(&it, &v))
				;
		}
		if (!it.error)
			fail_msg("'%s' accepted", bad[j]);
	}
	assert_true(rg_json_array_begin(&it, deep, strlen(deep)));
	while (rg_json_array_next(&it, &v))
		;
	assert_true(it.error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimals_round_trip_exactly),
		cmocka_unit_test(client_ids_carry_the_engine_sequence_and_leg),
		cmocka_unit_test(new_order_query_has_the_api_parameters),
		cmocka_unit_test(signature_matches_the_documented_example),
		cmocka_unit_test(stream_reports_decode_into_riskgate_terms),
		cmocka_unit_test(rest_answers_decode),
		cmocka_unit_test(limit_headers_are_read_whatever_their_case),
		cmocka_unit_test(json_scanner_walks_nested_values_and_refuses_bad_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
