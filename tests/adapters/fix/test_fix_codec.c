/*
 * Unit tests of the FIX codec (adapters/fix/fix_codec.c): framing, parsing,
 * validation, encoding, fixed-point decimals, timestamps and the ClOrdID
 * scheme.  Pure functions, so each test is a table of inputs and outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <riskgate/msg.h>

#include "fix_codec.h"
#include "fix_test_util.h"

static const char k_exec_fill[] = "35=8|49=VENUE|56=RG|34=7|52=20240102-10:00:00.000|37=V1|17=E1|11=2-42|150=F|39=1|"
				  "55=AAPL|54=1|38=100|32=40|31=187.25|151=60|14=40|6=187.25|";

static struct rg_fix_msg g_msg;

static void encodes_new_order_that_parses_back(void **state)
{
	(void)state;
	char buf[1024];
	const char *out, *v;
	size_t len, n;
	struct rg_fix_header h = {"RG", "VENUE", 12, "20240102-10:00:00.123", false};
	struct rg_fix_new_order o = {42, "AAPL", 150 * RG_QTY_SCALE, 18725000000, RG_SIDE_SELL, RG_TYPE_LIMIT,
				     RG_TIF_IOC, 3};
	unsigned sum = 0;
	char want_cs[8];

	len = rg_fix_encode_new_order(buf, sizeof(buf), &h, &o, &out);
	assert_true(len > 0);
	assert_int_equal(rg_fix_frame(out, len), (ptrdiff_t)len);
	assert_int_equal(rg_fix_parse(out, len, &g_msg, NULL), RG_FIX_PARSE_OK);
	assert_string_equal(g_msg.msg_type, "D");
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_CL_ORD_ID, &v, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(v, "3-42", 4);
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_PRICE, &v, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(v, "187.25", 6);
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_ORDER_QTY, &v, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(v, "150", 3);
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_SIDE, &v, &n) && v[0] == '2');
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_TIME_IN_FORCE, &v, &n) && v[0] == '3');
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_ORD_TYPE, &v, &n) && v[0] == '2');
	/* BodyLength and CheckSum recomputed independently. */
	const char *body = strstr(out, "\x01" "35=") + 1;
	const char *trailer = out + len - 7;
	char want_len[16];
	snprintf(want_len, sizeof(want_len), "9=%zu\x01", (size_t)(trailer - body));
	assert_memory_equal(out + 10, want_len, strlen(want_len));
	for (const char *p = out; p < trailer; p++)
		sum += (unsigned char)*p;
	snprintf(want_cs, sizeof(want_cs), "10=%03u", sum & 0xff);
	assert_memory_equal(trailer, want_cs, 6);
}

static void encodes_market_order_without_price(void **state)
{
	(void)state;
	char buf[1024];
	const char *out, *v;
	size_t n;
	struct rg_fix_header h = {"RG", "VENUE", 1, "20240102-10:00:00.123", false};
	struct rg_fix_new_order o = {7, "MSFT", 1, 0, RG_SIDE_BUY, RG_TYPE_MARKET, RG_TIF_DAY, 1};
	size_t len = rg_fix_encode_new_order(buf, sizeof(buf), &h, &o, &out);

	assert_int_equal(rg_fix_parse(out, len, &g_msg, NULL), RG_FIX_PARSE_OK);
	assert_false(rg_fix_get(&g_msg, RG_FIX_TAG_PRICE, &v, &n));
	assert_true(rg_fix_get(&g_msg, RG_FIX_TAG_ORDER_QTY, &v, &n));
	assert_int_equal(n, 10);
	assert_memory_equal(v, "0.00000001", 10);
	o.side = 9;
	assert_int_equal(rg_fix_encode_new_order(buf, sizeof(buf), &h, &o, &out), 0);
}

static void encoder_reports_overflow_instead_of_writing_past_the_buffer(void **state)
{
	(void)state;
	char buf[80];
	const char *out;
	struct rg_fix_header h = {"RG", "VENUE", 1, "20240102-10:00:00.123", false};
	struct rg_fix_new_order o = {7, "MSFT", 1, 0, RG_SIDE_BUY, RG_TYPE_MARKET, RG_TIF_DAY, 1};

	for (size_t cap = 0; cap < sizeof(buf); cap++)
		assert_int_equal(rg_fix_encode_new_order(buf, cap, &h, &o, &out), 0);
}

static void parses_and_decodes_execution_report_fill(void **state)
{
	(void)state;
	char wire[1024];
	size_t len = fixt_build(wire, sizeof(wire), k_exec_fill, 0);
	struct rg_fix_exec e;
	uint32_t ref = 0;
	unsigned reason = 0;

	assert_int_equal(rg_fix_frame(wire, len), (ptrdiff_t)len);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, NULL), RG_FIX_PARSE_OK);
	assert_int_equal(rg_fix_validate(&g_msg, &ref, &reason), 0);
	assert_int_equal(rg_fix_decode_exec(&g_msg, &e, &ref), 0);
	assert_true(e.ours);
	assert_int_equal(e.run, 2);
	assert_int_equal(e.engine_seq, 42);
	assert_int_equal(e.exec_type, 'F');
	assert_int_equal(e.last_qty_e8, 40 * RG_QTY_SCALE);
	assert_int_equal(e.last_px_e8, 18725000000);
	assert_int_equal(e.leaves_e8, 60 * RG_QTY_SCALE);
	assert_int_equal(e.symbol_len, 4);
	assert_memory_equal(e.symbol, "AAPL", 4);
}

static void decodes_cancel_report_through_the_cancel_clordid(void **state)
{
	(void)state;
	char wire[1024];
	size_t len = fixt_build(wire, sizeof(wire),
				"35=8|49=V|56=RG|34=9|52=20240102-10:00:00.000|37=V1|17=E2|11=2-42-C15|41=2-42|150=4|39=4|"
				"55=AAPL|54=1|151=0|14=0|",
				0);
	struct rg_fix_exec e;
	uint32_t ref = 0;

	assert_int_equal(rg_fix_parse(wire, len, &g_msg, NULL), RG_FIX_PARSE_OK);
	assert_int_equal(rg_fix_decode_exec(&g_msg, &e, &ref), 0);
	assert_true(e.ours);
	assert_int_equal(e.engine_seq, 42);
	assert_int_equal(e.exec_type, '4');
}

static void frame_waits_for_the_rest_of_a_message(void **state)
{
	(void)state;
	char wire[1024];
	size_t len = fixt_build(wire, sizeof(wire), k_exec_fill, 0);

	for (size_t i = 0; i < len; i++)
		assert_int_equal(rg_fix_frame(wire, i), 0);
	assert_int_equal(rg_fix_frame(wire, len), (ptrdiff_t)len);
}

static void frame_skips_garbage_up_to_the_next_message(void **state)
{
	(void)state;
	char wire[1024];
	size_t len;

	memcpy(wire, "xx8=FIX.4.2\x01" "8", 13);
	len = 13 + fixt_build(wire + 13, sizeof(wire) - 13, k_exec_fill, 0);
	assert_int_equal(rg_fix_frame(wire, len), -13);
	assert_int_equal(rg_fix_frame(wire + 13, len - 13), (ptrdiff_t)(len - 13));
	/* Pure garbage keeps nothing; a tail that may start a message is kept. */
	assert_int_equal(rg_fix_frame("hello", 5), -5);
	assert_int_equal(rg_fix_frame("hello8=FI", 9), -5);
}

static void frame_drops_a_message_whose_body_length_is_wrong(void **state)
{
	(void)state;
	char wire[1024];
	size_t len = fixt_build(wire, sizeof(wire), k_exec_fill, 0);
	char *nine = wire + 12; /* first digit of BodyLength */

	(*nine)++;
	assert_true(rg_fix_frame(wire, len + 1) < 0 || rg_fix_frame(wire, len) == 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, NULL), RG_FIX_PARSE_GARBLED);
	/* Non-numeric or oversized BodyLength. */
	assert_true(rg_fix_frame("8=FIX.4.4\x01" "9=x\x01", 15) < 0);
	assert_true(rg_fix_frame("8=FIX.4.4\x01" "9=999999\x01", 20) < 0);
	assert_true(rg_fix_frame("8=FIX.4.4\x01" "9=0\x01" "10=000\x01", 22) < 0);
}

static void parse_rejects_a_bad_checksum_and_salvages_the_sequence_number(void **state)
{
	(void)state;
	char wire[1024];
	size_t len = fixt_build(wire, sizeof(wire), k_exec_fill, 1);
	struct rg_fix_parse_error err;

	assert_int_equal(rg_fix_frame(wire, len), (ptrdiff_t)len);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_BAD_CHECKSUM);
	assert_int_equal(err.seq, 7);
	assert_string_equal(err.msg_type, "8");
}

static void parse_rejects_bad_tags_and_empty_values(void **state)
{
	(void)state;
	char wire[1024];
	struct rg_fix_parse_error err;
	size_t len;

	len = fixt_build(wire, sizeof(wire), "35=0|49=V|56=RG|34=3|52=x|abc=1|", 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_BAD_TAG);
	assert_int_equal(err.seq, 3);
	len = fixt_build(wire, sizeof(wire), "35=0|49=V|56=RG|34=3|52=x|58=|", 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_EMPTY_VALUE);
	assert_int_equal(err.ref_tag, 58);
	len = fixt_build(wire, sizeof(wire), "35=0|49=V|56=RG|34=3|52=x|058=a|", 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_BAD_TAG);
	len = fixt_build(wire, sizeof(wire), "49=V|35=0|56=RG|34=3|52=x|", 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_NO_MSG_TYPE);
	len = fixt_build(wire, sizeof(wire), "35=0|49=V|56=RG|34=3|52=x|58", 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, &err), RG_FIX_PARSE_GARBLED);
}

static void parse_refuses_more_fields_than_it_can_hold(void **state)
{
	(void)state;
	char body[2048] = "35=0|49=V|56=RG|34=3|52=x|", wire[4096];
	size_t len;

	for (unsigned i = 0; i < RG_FIX_MAX_FIELDS; i++)
		strcat(body, "58=a|");
	len = fixt_build(wire, sizeof(wire), body, 0);
	assert_int_equal(rg_fix_parse(wire, len, &g_msg, NULL), RG_FIX_PARSE_TOO_MANY_FIELDS);
}

static void validate_reports_the_missing_or_malformed_tag(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		uint32_t tag;
		unsigned reason;
	} cases[] = {
		{"35=8|49=V|56=RG|34=7|52=x|37=V1|11=42|150=0|39=0|55=A|54=1|151=1|14=0|", 17,
		 RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=8|49=V|56=RG|34=7|52=x|37=V1|17=E|11=42|150=F|39=1|55=A|54=1|151=1|14=0|31=1|", 32,
		 RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=8|49=V|56=RG|34=7|52=x|37=V1|17=E|11=42|150=0|39=0|55=A|54=1|151=1.x|14=0|", 151,
		 RG_FIX_REJ_INCORRECT_DATA_FORMAT},
		{"35=0|49=V|56=RG|34=abc|52=x|", 34, RG_FIX_REJ_INCORRECT_DATA_FORMAT},
		{"35=0|49=V|56=RG|52=x|", 34, RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=0|56=RG|34=1|52=x|", 49, RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=2|49=V|56=RG|34=1|52=x|7=1|", 16, RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=4|49=V|56=RG|34=1|52=x|123=Q|36=5|", 123, RG_FIX_REJ_INCORRECT_DATA_FORMAT},
		{"35=A|49=V|56=RG|34=1|52=x|98=0|", 108, RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=9|49=V|56=RG|34=1|52=x|37=V|11=1-C2|41=1|39=0|", 434, RG_FIX_REJ_REQUIRED_TAG_MISSING},
		{"35=1|49=V|56=RG|34=1|52=x|43=maybe|112=t|", 43, RG_FIX_REJ_INCORRECT_DATA_FORMAT},
	};
	char wire[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = fixt_build(wire, sizeof(wire), cases[i].body, 0);
		uint32_t tag = 0;
		unsigned reason = 0;
		assert_int_equal(rg_fix_parse(wire, len, &g_msg, NULL), RG_FIX_PARSE_OK);
		assert_int_equal(rg_fix_validate(&g_msg, &tag, &reason), -1);
		assert_int_equal(tag, cases[i].tag);
		assert_int_equal(reason, cases[i].reason);
	}
}

static void decimals_convert_to_and_from_fixed_point(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		int64_t e8;
	} cases[] = {
		{"1.5", true, 150000000},
		{"-0.00000001", true, -1},
		{"123", true, 12300000000},
		{"0", true, 0},
		{".5", true, 50000000},
		{"5.", true, 500000000},
		{"1.123456780", true, 112345678},
		{"92233720368.54775807", true, INT64_MAX},
		{"1.123456789", false, 0},
		{"92233720368.54775808", false, 0},
		{"92233720369", false, 0},
		{"", false, 0},
		{".", false, 0},
		{"-", false, 0},
		{"1e5", false, 0},
		{"+1", false, 0},
		{"1.2.3", false, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 0;
		assert_int_equal(rg_fix_parse_e8(cases[i].text, strlen(cases[i].text), &v), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].e8);
	}
	/* Encoding round-trips through the shortest text. */
	static const int64_t values[] = {0, 1, -1, 100000000, 150000000, -18725000000, INT64_MAX, INT64_MIN + 1};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[128];
		struct rg_fix_writer w;
		int64_t back;
		w.buf = buf;
		w.cap = sizeof(buf);
		w.pos = 0;
		w.overflow = false;
		rg_fix_add_e8(&w, 44, values[i]);
		assert_false(w.overflow);
		assert_memory_equal(buf, "44=", 3);
		assert_int_equal(buf[w.pos - 1], '\x01');
		assert_true(rg_fix_parse_e8(buf + 3, w.pos - 4, &back));
		assert_int_equal(back, values[i]);
	}
}

static void sending_time_is_utc_with_milliseconds(void **state)
{
	(void)state;
	char t[RG_FIX_TIME_LEN + 1];

	rg_fix_format_time(t, 0);
	assert_string_equal(t, "19700101-00:00:00.000");
	rg_fix_format_time(t, 1700000000123456789ull);
	assert_string_equal(t, "20231114-22:13:20.123");
	rg_fix_format_time(t, 951782400000000000ull); /* 2000-02-29 */
	assert_string_equal(t, "20000229-00:00:00.000");
	rg_fix_format_time(t, 4102444799999000000ull);
	assert_string_equal(t, "20991231-23:59:59.999");
}

static void clordids_map_back_to_the_run_and_engine_sequence(void **state)
{
	(void)state;
	char id[RG_FIX_CLORDID_MAX];
	uint64_t seq = 0;
	uint32_t run = 0;

	assert_int_equal(rg_fix_clordid_new(id, 3, 42), 4);
	assert_string_equal(id, "3-42");
	assert_true(rg_fix_clordid_parse(id, 4, &run, &seq));
	assert_int_equal(run, 3);
	assert_int_equal(seq, 42);
	assert_int_equal(rg_fix_clordid_cancel(id, 3, 42, 7), 7);
	assert_string_equal(id, "3-42-C7");
	run = 0;
	seq = 0;
	assert_true(rg_fix_clordid_parse(id, 7, &run, &seq));
	assert_int_equal(run, 3);
	assert_int_equal(seq, 42);
	/* The longest: fits RG_FIX_CLORDID_MAX with its NUL. */
	assert_int_equal(rg_fix_clordid_cancel(id, UINT32_MAX, UINT64_MAX, UINT64_MAX), 10 + 1 + 20 + 2 + 20);
	assert_true(strlen(id) < RG_FIX_CLORDID_MAX);
	assert_true(rg_fix_clordid_parse(id, strlen(id), &run, &seq));
	assert_int_equal(run, UINT32_MAX);
	assert_int_equal(seq, UINT64_MAX);
	static const char *const foreign[] = {"",       "abc",     "42",     "042-1",  "1-042",  "1-42-X1",
					      "1-42-C", "1-42-C0", "1-42-C7x", "1--C7", "-1-42",   "4294967296-1",
					      "1-18446744073709551616", "1-42-C18446744073709551616"};
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		assert_false(rg_fix_clordid_parse(foreign[i], strlen(foreign[i]), &run, &seq));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodes_new_order_that_parses_back),
		cmocka_unit_test(encodes_market_order_without_price),
		cmocka_unit_test(encoder_reports_overflow_instead_of_writing_past_the_buffer),
		cmocka_unit_test(parses_and_decodes_execution_report_fill),
		cmocka_unit_test(decodes_cancel_report_through_the_cancel_clordid),
		cmocka_unit_test(frame_waits_for_the_rest_of_a_message),
		cmocka_unit_test(frame_skips_garbage_up_to_the_next_message),
		cmocka_unit_test(frame_drops_a_message_whose_body_length_is_wrong),
		cmocka_unit_test(parse_rejects_a_bad_checksum_and_salvages_the_sequence_number),
		cmocka_unit_test(parse_rejects_bad_tags_and_empty_values),
		cmocka_unit_test(parse_refuses_more_fields_than_it_can_hold),
		cmocka_unit_test(validate_reports_the_missing_or_malformed_tag),
		cmocka_unit_test(decimals_convert_to_and_from_fixed_point),
		cmocka_unit_test(sending_time_is_utc_with_milliseconds),
		cmocka_unit_test(clordids_map_back_to_the_run_and_engine_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
