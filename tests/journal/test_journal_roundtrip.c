/*
 * Every record type round-trips: appended through its typed call, written
 * by the real writer (io_uring, a real day file), read back by the verifying
 * reader byte for byte, and exported to JSON with every field checked.  The
 * export command (riskctl audit export --jsonl, run as a process through
 * the audit CLI driver) prints the same objects, and its filters (--type,
 * --strategy, --account, --from, --to) select what they say.
 *
 *   test_journal_roundtrip AUDIT_CLI_DRIVER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "export.h"
#include "journal_test_util.h"

static const char *g_driver;

/* ---- the sample records ---------------------------------------------------- */

#define N_SAMPLES 27 /* records; the export has one line more (ORDER_DECIDED is two events) */
static struct rg_jrec g_sample[N_SAMPLES];
static struct jt g_t;
static char g_file[256];

static struct rg_order sample_order(void)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = 9000000000000000001ull;
	o.orig_client_order_id = 77;
	o.qty_e8 = 150000000;           /* 1.5 */
	o.price_e8 = 10025000000;       /* 100.25 */
	o.client_ts_ns = 123456789;
	o.symbol_id = 2;
	o.kind = RG_ORDER_REPLACE;
	o.side = RG_SIDE_SELL;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_IOC;
	return o;
}

/* Appends one record of every type (names first), keeping a copy of each. */
static void append_all(struct rg_journal *j)
{
	struct rg_order o = sample_order();
	struct rg_decision d = {0};
	uint64_t now = 5000;
	int k = 0;

#define KEEP() (g_sample[k] = *rg_journal_peek(j, rg_journal_next_seq(j) - 1), k++)
	{
		struct rg_jbody_engine b = {0};
		b.pid = 4242;
		b.uid = 1000;
		b.abi_version = RG_ABI_VERSION;
		b.config_generation = 1;
		b.cause = RG_JENGINE_START_RECOVERED;
		rg_jtext(b.version, sizeof(b.version), "0.1.0");
		rg_jtext(b.host, sizeof(b.host), "trading-host-1");
		rg_jtext(b.detail, sizeof(b.detail), "recovered 12 records");
		assert_true(rg_journal_engine_start(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	{
		struct rg_jbody_config b = {0};
		for (int i = 0; i < 32; i++)
			b.sha256[i] = (uint8_t)(i * 7);
		b.generation = 3;
		b.reload = 1;
		rg_jtext(b.path, sizeof(b.path), "/etc/riskgate/prod.json");
		assert_true(rg_journal_config_loaded(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	{
		static const struct {
			uint8_t what;
			uint32_t index;
			const char *name;
		} names[] = {{RG_JNAME_STRATEGY, 1, "alpha"}, {RG_JNAME_ACCOUNT, 0, "acct0"},
			     {RG_JNAME_SYMBOL, 2, "AAPL"}, {RG_JNAME_VENUE, 0, "simx"}};
		for (unsigned i = 0; i < 4; i++) {
			struct rg_jbody_name b = {0};
			b.what = names[i].what;
			b.index = names[i].index;
			rg_jtext(b.name, sizeof(b.name), names[i].name);
			if (b.what == RG_JNAME_STRATEGY)
				b.next_report_seq = 40;
			assert_true(rg_journal_name_record(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
			KEEP();
		}
	}
	assert_true(rg_journal_order_received(j, now++, 1, 0, &o));
	KEEP();
	d.reason = RG_REJ_NONE;
	d.venue = 0;
	d.symbol = 2;
	d.engine_seq = 31;
	d.probe = true;
	assert_true(rg_journal_decision(j, now++, 1, 0, &o, &d, 40));
	KEEP();
	d.reason = RG_REJ_MAX_NOTIONAL;
	d.engine_seq = 0;
	d.limit = 1000000000000;
	d.value = 1500000000000;
	d.probe = false;
	assert_true(rg_journal_decision(j, now++, 1, 0, &o, &d, 0));
	KEEP();
	{
		struct rg_jbody_forwarded b = {0};
		b.client_order_id = 9000000000000000001ull;
		b.orig_client_order_id = 77;
		b.engine_seq = 31;
		b.qty_e8 = 150000000;
		b.price_e8 = 10025000000;
		b.symbol = 2;
		b.venue = 0;
		b.kind = RG_ORDER_NEW;
		b.side = RG_SIDE_BUY;
		b.type = RG_TYPE_MARKET;
		b.tif = RG_TIF_DAY;
		assert_true(rg_journal_forwarded(j, now++, 1, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_ack b = {0};
		b.client_order_id = 5;
		b.engine_seq = 31;
		b.symbol = 2;
		b.venue = 0;
		rg_jtext(b.venue_order_id, sizeof(b.venue_order_id), "V-123");
		b.report_seq = 41;
		assert_true(rg_journal_venue_ack(j, now++, 1, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_fill b = {0};
		b.client_order_id = 5;
		b.engine_seq = 31;
		b.qty_e8 = 50000000;
		b.price_e8 = 10020000000;
		b.leaves_e8 = 100000000;
		b.symbol = 2;
		b.venue = 0;
		b.side = RG_SIDE_BUY;
		rg_jtext(b.exec_id, sizeof(b.exec_id), "E-9\x01x"); /* a control byte becomes '?' */
		b.report_seq = 42;
		assert_true(rg_journal_fill(j, now++, 1, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_cancelled b = {0};
		b.client_order_id = 5;
		b.engine_seq = 31;
		b.cancelled_qty_e8 = 100000000;
		b.symbol = 2;
		b.report_seq = 43;
		assert_true(rg_journal_cancelled(j, now++, 1, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_venue_reject b = {0};
		b.client_order_id = 6;
		b.engine_seq = 32;
		b.symbol = 2;
		b.cancel = 1;
		b.venue_code = -17;
		rg_jtext(b.text, sizeof(b.text), "too late to cancel");
		b.report_seq = 44;
		assert_true(rg_journal_venue_reject(j, now++, 1, 0, &b));
		KEEP();
	}
	for (int kill = 1; kill >= 0; kill--) {
		struct rg_jbody_kill b = {0};
		b.scope = RG_JSCOPE_STRATEGY;
		b.scope_id = 1;
		b.source = kill ? RG_JSOURCE_RISKCTL : RG_JSOURCE_REDIS;
		b.uid = 1001;
		b.pid = 777;
		rg_jtext(b.reason, sizeof(b.reason), kill ? "runaway strategy" : "fixed");
		assert_true(kill ? rg_journal_kill(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b)
				 : rg_journal_resume(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	{
		struct rg_jbody_state b = {0};
		b.entity = RG_JENTITY_ACCOUNT_LOSS;
		b.entity_id = 0;
		b.old_state = RG_STATE_ACTIVE;
		b.new_state = RG_STATE_REDUCING;
		b.cause = RG_JCAUSE_LOSS_LIMIT;
		b.reason = RG_REJ_DAILY_LOSS;
		b.value = -500000000000;
		b.limit = 400000000000;
		assert_true(rg_journal_state_change(j, now++, RG_JREC_NONE, 0, &b));
		KEEP();
		memset(&b, 0, sizeof(b));
		b.entity = RG_JENTITY_BREAKER;
		b.entity_id = 0;
		b.old_state = 0;
		b.new_state = 2;
		b.cause = RG_JCAUSE_RECOVERY_TIME;
		assert_true(rg_journal_state_change(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	for (int up = 1; up >= 0; up--) {
		struct rg_jbody_adapter b = {0};
		b.venue = 0;
		b.venue_kind = 1;
		b.error = up ? 0 : 104;
		rg_jtext(b.detail, sizeof(b.detail), up ? "logon" : "connection reset");
		assert_true(up ? rg_journal_adapter_connected(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b)
			       : rg_journal_adapter_disconnected(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	{
		struct rg_jbody_position b = {0};
		b.symbol = 2;
		b.qty_e8 = -250000000;
		b.avg_price_e8 = 9999000000;
		b.open_buy_qty_e8 = 100000000;
		b.open_sell_qty_e8 = 0;
		assert_true(rg_journal_position(j, now++, RG_JREC_NONE, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_account b = {0};
		b.equity_sod_e8 = 100000000000000;
		b.realized_today_e8 = -12345678;
		b.peak_equity_e8 = 100000100000000;
		b.trading_day = 19844;
		b.orders_today = 17;
		b.state = RG_STATE_HALTED;
		b.loss_state = RG_STATE_REDUCING;
		b.loss_reason = RG_REJ_DRAWDOWN;
		assert_true(rg_journal_account(j, now++, RG_JREC_NONE, 0, &b));
		KEEP();
	}
	{
		struct rg_jbody_open_order b = {0};
		b.order = o;
		b.engine_seq = 30;
		b.leaves_e8 = 150000000;
		b.venue = 0;
		assert_true(rg_journal_open_order(j, now++, 1, 0, &b));
		KEEP();
	}
	{ /* a rejected malformed message, then a garbage run */
		struct rg_jbody_protocol_error b = {0};
		b.venue = 0;
		b.venue_kind = 1;
		b.what = RG_JPROTO_MALFORMED;
		b.reject_sent = 1;
		b.reject_reason = 1;
		b.ref_tag = 17;
		b.ref_seq_num = 9000000000000000003ull;
		assert_true(rg_journal_venue_protocol_error(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
		memset(&b, 0, sizeof(b));
		b.venue = 0;
		b.venue_kind = 1;
		b.what = RG_JPROTO_GARBAGE;
		b.bytes_skipped = 4242;
		assert_true(rg_journal_venue_protocol_error(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	{
		struct rg_jbody_engine b = {0};
		b.pid = 4242;
		b.uid = 1000;
		b.cause = RG_JENGINE_STOP_SIGNAL;
		rg_jtext(b.detail, sizeof(b.detail), "SIGTERM");
		assert_true(rg_journal_engine_stop(j, now++, RG_JREC_NONE, RG_JREC_NONE, &b));
		KEEP();
	}
	/* format 4's record of a decided order: the message and a rejection */
	d.reason = RG_REJ_MAX_NOTIONAL;
	d.engine_seq = 0;
	d.limit = 1000000000000;
	d.value = 1500000000000;
	d.probe = false;
	assert_true(rg_journal_order_decided(j, now++, 1, 0, &o, &d, 41));
	KEEP();
#undef KEEP
	assert_int_equal(k, N_SAMPLES);
}

static int setup(void **state)
{
	(void)state;
	jt_init(&g_t, "rt");
	if (jt_open_ring(&g_t, 1024) != 0 || jt_create_writer(&g_t) != 0)
		return -1;
	rg_journal_set_clock(&g_t.j, 5000, JT_MAY1_NS + 13 * 3600 * 1000000000ull); /* 13:00 UTC */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jt_fini(&g_t);
	return 0;
}

/* ---- JSON helpers ---------------------------------------------------------- */

static json_int_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("field %s is not an integer", k);
	return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		fail_msg("field %s is not a string", k);
	return json_string_value(v);
}

static bool jbool(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_boolean(v))
		fail_msg("field %s is not a boolean", k);
	return json_is_true(v);
}

/* ---- tests ----------------------------------------------------------------- */

static void every_type_is_written_and_read_back(void **state)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_journal_writer_info wi;
	char err[512];
	int k = 0;

	(void)state;
	append_all(&g_t.j);
	assert_int_equal(rg_journal_writer_flush(g_t.w), 0);
	rg_journal_writer_info(g_t.w, &wi);
	assert_int_equal(wi.next_seq, 1 + N_SAMPLES);
	jt_file(&g_t, rg_jday_of(JT_MAY1_NS, 0), g_file, sizeof(g_file));
	assert_int_equal(rg_jreader_open(&r, g_file, err, sizeof(err)), 0);
	assert_int_equal(rg_jreader_header(r)->first_seq, 1);
	assert_int_equal(rg_jreader_header(r)->date, 20240501);
	assert_int_equal(rg_jreader_header(r)->version, 5); /* 2: VENUE_PROTOCOL_ERROR, 3: report_seq, 4: chunk digests, 5: CHECKPOINT */
	assert_string_equal(rg_jreader_header(r)->instance, g_t.instance);
	while (rg_jreader_next(r, &rec) > 0) {
		assert_true(k < N_SAMPLES);
		assert_memory_equal(rec, &g_sample[k], RG_JREC_SIZE);
		assert_int_equal(rec->h.seq, k + 1);
		assert_int_equal(rec->h.size, RG_JREC_SIZE);
		assert_int_equal(rec->h.real_ns, JT_MAY1_NS + 13 * 3600 * 1000000000ull + rec->h.mono_ns - 5000);
		k++;
	}
	assert_int_equal(rg_jreader_problem(r)->kind, RG_JPROB_NONE);
	rg_jreader_close(r);
	assert_int_equal(k, N_SAMPLES);
}

static void every_type_exports_its_fields(void **state)
{
	struct rg_jnames *names = rg_jnames_new();
	json_t *o[N_SAMPLES];
	char hex[65];

	(void)state;
	for (int k = 0; k < N_SAMPLES; k++) {
		assert_int_equal(rg_jnames_learn(names, &g_sample[k]), 0);
		o[k] = rg_jrec_to_json(&g_sample[k], names);
		assert_non_null(o[k]);
		assert_int_equal(jint(o[k], "seq"), k + 1);
		assert_int_equal(jint(o[k], "mono_ns"), 5000 + k);
		assert_int_equal(jint(o[k], "real_ns"), (json_int_t)g_sample[k].h.real_ns);
	}
	assert_string_equal(jstr(o[0], "timestamp"), "2024-05-01T13:00:00.000000000Z");
	assert_string_equal(jstr(o[25], "timestamp"), "2024-05-01T13:00:00.000000025Z");

	/* engine start */
	assert_string_equal(jstr(o[0], "event_type"), "ENGINE_STARTED");
	assert_int_equal(jint(o[0], "pid"), 4242);
	assert_int_equal(jint(o[0], "uid"), 1000);
	assert_int_equal(jint(o[0], "abi_version"), RG_ABI_VERSION);
	assert_int_equal(jint(o[0], "config_generation"), 1);
	assert_string_equal(jstr(o[0], "cause"), "START_RECOVERED");
	assert_string_equal(jstr(o[0], "version"), "0.1.0");
	assert_string_equal(jstr(o[0], "host"), "trading-host-1");
	assert_string_equal(jstr(o[0], "detail"), "recovered 12 records");
	assert_null(json_object_get(o[0], "strategy"));
	/* config */
	assert_string_equal(jstr(o[1], "event_type"), "CONFIG_RELOADED");
	assert_string_equal(jstr(o[1], "sha256"), rg_jhash_hex(g_sample[1].u.config.sha256, hex));
	assert_int_equal(jint(o[1], "generation"), 3);
	assert_true(jbool(o[1], "reload"));
	assert_string_equal(jstr(o[1], "path"), "/etc/riskgate/prod.json");
	/* names */
	assert_string_equal(jstr(o[2], "event_type"), "NAME");
	assert_string_equal(jstr(o[2], "what"), "STRATEGY");
	assert_int_equal(jint(o[2], "index"), 1);
	assert_int_equal(jint(o[2], "next_report_seq"), 40);
	assert_string_equal(jstr(o[2], "name"), "alpha");
	assert_string_equal(jstr(o[5], "what"), "VENUE");
	assert_string_equal(jstr(o[5], "name"), "simx");
	/* order received: strategy and account by name */
	assert_string_equal(jstr(o[6], "event_type"), "ORDER_SUBMITTED");
	assert_string_equal(jstr(o[6], "strategy"), "alpha");
	assert_int_equal(jint(o[6], "strategy_id"), 1);
	assert_string_equal(jstr(o[6], "account"), "acct0");
	assert_int_equal(jint(o[6], "account_id"), 0);
	assert_int_equal(jint(o[6], "client_order_id"), 9000000000000000001ll);
	assert_int_equal(jint(o[6], "orig_client_order_id"), 77);
	assert_string_equal(jstr(o[6], "symbol"), "AAPL");
	assert_int_equal(jint(o[6], "symbol_id"), 2);
	assert_string_equal(jstr(o[6], "kind"), "REPLACE");
	assert_string_equal(jstr(o[6], "side"), "SELL");
	assert_string_equal(jstr(o[6], "order_type"), "LIMIT");
	assert_string_equal(jstr(o[6], "tif"), "IOC");
	assert_string_equal(jstr(o[6], "qty"), "1.5");
	assert_int_equal(jint(o[6], "qty_e8"), 150000000);
	assert_string_equal(jstr(o[6], "price"), "100.25");
	assert_int_equal(jint(o[6], "price_e8"), 10025000000);
	assert_int_equal(jint(o[6], "client_ts_ns"), 123456789);
	/* approved */
	assert_string_equal(jstr(o[7], "event_type"), "ORDER_APPROVED");
	assert_string_equal(jstr(o[7], "result"), "APPROVED");
	assert_int_equal(jint(o[7], "engine_seq"), 31);
	assert_string_equal(jstr(o[7], "venue"), "simx");
	assert_true(jbool(o[7], "probe"));
	assert_string_equal(jstr(o[7], "price"), "100.25");
	assert_string_equal(jstr(o[7], "kind"), "REPLACE");
	assert_null(json_object_get(o[7], "reason"));
	assert_int_equal(jint(o[7], "report_seq"), 40);
	/* rejected */
	assert_string_equal(jstr(o[8], "event_type"), "ORDER_REJECTED");
	assert_string_equal(jstr(o[8], "result"), "REJECTED");
	assert_string_equal(jstr(o[8], "reason"), "MAX_NOTIONAL");
	assert_int_equal(jint(o[8], "limit"), 1000000000000);
	assert_int_equal(jint(o[8], "value"), 1500000000000);
	assert_int_equal(jint(o[8], "client_order_id"), 9000000000000000001ll);
	assert_string_equal(jstr(o[8], "qty"), "1.5");
	assert_null(json_object_get(o[8], "report_seq")); /* 0: no report (AUDIT_BACKPRESSURE is never journaled) */
	/* forwarded */
	assert_string_equal(jstr(o[9], "event_type"), "ORDER_FORWARDED");
	assert_int_equal(jint(o[9], "engine_seq"), 31);
	assert_string_equal(jstr(o[9], "venue"), "simx");
	assert_string_equal(jstr(o[9], "kind"), "NEW");
	assert_string_equal(jstr(o[9], "side"), "BUY");
	assert_string_equal(jstr(o[9], "order_type"), "MARKET");
	assert_string_equal(jstr(o[9], "tif"), "DAY");
	assert_int_equal(jint(o[9], "orig_client_order_id"), 77);
	assert_int_equal(jint(o[9], "qty_e8"), 150000000);
	/* ack */
	assert_string_equal(jstr(o[10], "event_type"), "ORDER_ACKED");
	assert_int_equal(jint(o[10], "client_order_id"), 5);
	assert_string_equal(jstr(o[10], "venue_order_id"), "V-123");
	assert_string_equal(jstr(o[10], "symbol"), "AAPL");
	assert_int_equal(jint(o[10], "report_seq"), 41);
	/* fill */
	assert_string_equal(jstr(o[11], "event_type"), "ORDER_FILLED");
	assert_string_equal(jstr(o[11], "qty"), "0.5");
	assert_string_equal(jstr(o[11], "price"), "100.2");
	assert_string_equal(jstr(o[11], "leaves"), "1");
	assert_int_equal(jint(o[11], "leaves_e8"), 100000000);
	assert_string_equal(jstr(o[11], "side"), "BUY");
	assert_string_equal(jstr(o[11], "exec_id"), "E-9?x");
	assert_int_equal(jint(o[11], "report_seq"), 42);
	/* cancelled */
	assert_string_equal(jstr(o[12], "event_type"), "ORDER_CANCELLED");
	assert_string_equal(jstr(o[12], "cancelled_qty"), "1");
	assert_int_equal(jint(o[12], "engine_seq"), 31);
	assert_int_equal(jint(o[12], "report_seq"), 43);
	/* venue reject */
	assert_string_equal(jstr(o[13], "event_type"), "VENUE_REJECTED");
	assert_true(jbool(o[13], "cancel_reject"));
	assert_int_equal(jint(o[13], "venue_code"), -17);
	assert_string_equal(jstr(o[13], "text"), "too late to cancel");
	assert_int_equal(jint(o[13], "client_order_id"), 6);
	assert_int_equal(jint(o[13], "report_seq"), 44);
	/* kill and resume */
	assert_string_equal(jstr(o[14], "event_type"), "KILL");
	assert_string_equal(jstr(o[14], "scope"), "STRATEGY");
	assert_int_equal(jint(o[14], "scope_id"), 1);
	assert_string_equal(jstr(o[14], "scope_name"), "alpha");
	assert_string_equal(jstr(o[14], "source"), "RISKCTL");
	assert_int_equal(jint(o[14], "uid"), 1001);
	assert_int_equal(jint(o[14], "pid"), 777);
	assert_string_equal(jstr(o[14], "reason"), "runaway strategy");
	assert_string_equal(jstr(o[15], "event_type"), "RESUME");
	assert_string_equal(jstr(o[15], "source"), "REDIS");
	assert_string_equal(jstr(o[15], "reason"), "fixed");
	/* state changes */
	assert_string_equal(jstr(o[16], "event_type"), "STATE_CHANGE");
	assert_string_equal(jstr(o[16], "entity"), "ACCOUNT_LOSS");
	assert_string_equal(jstr(o[16], "entity_name"), "acct0");
	assert_string_equal(jstr(o[16], "old_state"), "ACTIVE");
	assert_string_equal(jstr(o[16], "new_state"), "REDUCING");
	assert_string_equal(jstr(o[16], "cause"), "LOSS_LIMIT");
	assert_string_equal(jstr(o[16], "reason"), "DAILY_LOSS");
	assert_int_equal(jint(o[16], "value"), -500000000000);
	assert_int_equal(jint(o[16], "limit"), 400000000000);
	assert_string_equal(jstr(o[16], "account"), "acct0");
	assert_string_equal(jstr(o[17], "entity"), "BREAKER");
	assert_string_equal(jstr(o[17], "entity_name"), "simx");
	assert_string_equal(jstr(o[17], "old_state"), "CLOSED");
	assert_string_equal(jstr(o[17], "new_state"), "HALF_OPEN");
	assert_string_equal(jstr(o[17], "cause"), "RECOVERY_TIME");
	/* adapter */
	assert_string_equal(jstr(o[18], "event_type"), "ADAPTER_CONNECTED");
	assert_string_equal(jstr(o[18], "venue"), "simx");
	assert_string_equal(jstr(o[18], "venue_kind"), "FIX");
	assert_int_equal(jint(o[18], "error"), 0);
	assert_string_equal(jstr(o[18], "detail"), "logon");
	assert_string_equal(jstr(o[19], "event_type"), "ADAPTER_DISCONNECTED");
	assert_int_equal(jint(o[19], "error"), 104);
	assert_string_equal(jstr(o[19], "detail"), "connection reset");
	/* snapshots */
	assert_string_equal(jstr(o[20], "event_type"), "POSITION_SNAPSHOT");
	assert_string_equal(jstr(o[20], "qty"), "-2.5");
	assert_string_equal(jstr(o[20], "avg_price"), "99.99");
	assert_string_equal(jstr(o[20], "open_buy_qty"), "1");
	assert_string_equal(jstr(o[20], "open_sell_qty"), "0");
	assert_string_equal(jstr(o[20], "symbol"), "AAPL");
	assert_string_equal(jstr(o[21], "event_type"), "ACCOUNT_SNAPSHOT");
	assert_string_equal(jstr(o[21], "equity_sod"), "1000000");
	assert_string_equal(jstr(o[21], "realized_today"), "-0.12345678");
	assert_string_equal(jstr(o[21], "peak_equity"), "1000001");
	assert_int_equal(jint(o[21], "trading_day"), 19844);
	assert_int_equal(jint(o[21], "orders_today"), 17);
	assert_string_equal(jstr(o[21], "state"), "HALTED");
	assert_string_equal(jstr(o[21], "loss_state"), "REDUCING");
	assert_string_equal(jstr(o[21], "loss_reason"), "DRAWDOWN");
	assert_string_equal(jstr(o[22], "event_type"), "OPEN_ORDER_SNAPSHOT");
	assert_string_equal(jstr(o[22], "strategy"), "alpha");
	assert_int_equal(jint(o[22], "engine_seq"), 30);
	assert_string_equal(jstr(o[22], "leaves"), "1.5");
	assert_int_equal(jint(o[22], "leaves_e8"), 150000000);
	assert_string_equal(jstr(o[22], "venue"), "simx");
	assert_string_equal(jstr(o[22], "kind"), "REPLACE");
	assert_string_equal(jstr(o[22], "price"), "100.25");
	assert_int_equal(jint(o[22], "client_order_id"), 9000000000000000001ll);
	/* protocol errors */
	assert_string_equal(jstr(o[23], "event_type"), "VENUE_PROTOCOL_ERROR");
	assert_string_equal(jstr(o[23], "venue"), "simx");
	assert_int_equal(jint(o[23], "venue_id"), 0);
	assert_string_equal(jstr(o[23], "venue_kind"), "FIX");
	assert_string_equal(jstr(o[23], "what"), "MALFORMED");
	assert_true(jbool(o[23], "reject_sent"));
	assert_int_equal(jint(o[23], "reject_reason"), 1);
	assert_int_equal(jint(o[23], "ref_tag"), 17);
	assert_int_equal(jint(o[23], "ref_seq_num"), 9000000000000000003ll);
	assert_int_equal(jint(o[23], "bytes_skipped"), 0);
	assert_null(json_object_get(o[23], "strategy"));
	assert_string_equal(jstr(o[24], "what"), "GARBAGE");
	assert_false(jbool(o[24], "reject_sent"));
	assert_null(json_object_get(o[24], "reject_reason"));
	assert_int_equal(jint(o[24], "ref_tag"), 0);
	assert_int_equal(jint(o[24], "ref_seq_num"), 0);
	assert_int_equal(jint(o[24], "bytes_skipped"), 4242);
	assert_string_equal(jstr(o[25], "event_type"), "ENGINE_STOPPED");
	assert_string_equal(jstr(o[25], "cause"), "STOP_SIGNAL");
	assert_string_equal(jstr(o[25], "detail"), "SIGTERM");
	for (int k = 0; k < N_SAMPLES; k++)
		json_decref(o[k]);
	rg_jnames_free(names);
}

/* Without NAME records an export prints indexes; uint64 above INT64_MAX are strings. */
static void without_names_indexes_are_printed(void **state)
{
	struct rg_jrec r = g_sample[6];
	json_t *o;

	(void)state;
	r.u.order.order.client_order_id = UINT64_MAX;
	o = rg_jrec_to_json(&r, NULL);
	assert_non_null(o);
	assert_int_equal(jint(o, "strategy"), 1);
	assert_int_equal(jint(o, "account"), 0);
	assert_int_equal(jint(o, "symbol"), 2);
	assert_string_equal(jstr(o, "client_order_id"), "18446744073709551615");
	json_decref(o);
}

/* Runs the audit CLI with stdout to a file; returns its exit status. */
static int run_cli(const char *out, const char *const *args)
{
	char *argv[32];
	int n = 0, status;
	pid_t pid;

	argv[n++] = (char *)"audit";
	for (; args[n - 1] != NULL; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(99);
		execv(g_driver, argv);
		_exit(98);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Reads the JSON lines of `path`; returns how many, and their seqs. */
static int read_lines(const char *path, json_t **lines, int max)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	int n = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		json_error_t e;
		assert_true(n < max);
		lines[n] = json_loads(buf, 0, &e);
		if (lines[n] == NULL)
			fail_msg("line %d is not JSON: %s", n + 1, e.text);
		n++;
	}
	fclose(f);
	return n;
}

static void export_command_prints_the_same_and_filters(void **state)
{
	char out[300];
	json_t *lines[64];
	struct rg_jnames *names = rg_jnames_new();
	int n;

	(void)state;
	snprintf(out, sizeof(out), "%s/export.jsonl", g_t.dir);
	{
		const char *args[] = {"export", g_file, "--jsonl", NULL};
		assert_int_equal(run_cli(out, args), 0);
	}
	n = read_lines(out, lines, 64);
	assert_int_equal(n, N_SAMPLES + 1);
	for (int k = 0, l = 0; k < N_SAMPLES; k++) {
		struct rg_jrec parts[2];
		unsigned np = rg_jrec_split(&g_sample[k], parts);
		rg_jnames_learn(names, &g_sample[k]);
		for (unsigned i = 0; i < np; i++, l++) {
			json_t *want = rg_jrec_to_json(&parts[i], names);
			assert_true(json_equal(want, lines[l]));
			json_decref(want);
			json_decref(lines[l]);
		}
	}
	/* the ORDER_DECIDED's two lines: the message as submitted, then the verdict, same seq */
	assert_int_equal(g_sample[N_SAMPLES - 1].h.type, RG_JREC_ORDER_DECIDED);
	rg_jnames_free(names);

	{ /* by event type */
		const char *args[] = {"export", g_file, "--jsonl", "--type", "ORDER_REJECTED,KILL", NULL};
		assert_int_equal(run_cli(out, args), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 3);
		assert_string_equal(jstr(lines[0], "reason"), "MAX_NOTIONAL");
		assert_string_equal(jstr(lines[1], "event_type"), "KILL");
		/* the ORDER_DECIDED's verdict half */
		assert_string_equal(jstr(lines[2], "event_type"), "ORDER_REJECTED");
		assert_string_equal(jstr(lines[2], "reason"), "MAX_NOTIONAL");
		assert_int_equal(jint(lines[2], "report_seq"), 41);
		assert_int_equal(jint(lines[2], "seq"), N_SAMPLES);
		for (int k = 0; k < n; k++)
			json_decref(lines[k]);
	}
	{ /* the ORDER_DECIDED's message half, after the ORDER_RECEIVED of format 3 */
		const char *args[] = {"export", g_file, "--jsonl", "--type", "ORDER_SUBMITTED", NULL};
		assert_int_equal(run_cli(out, args), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 2);
		assert_int_equal(jint(lines[1], "seq"), N_SAMPLES);
		assert_true(json_equal(json_object_get(lines[0], "client_order_id"),
				       json_object_get(lines[1], "client_order_id")));
		assert_true(json_equal(json_object_get(lines[0], "client_ts_ns"), json_object_get(lines[1], "client_ts_ns")));
		json_decref(lines[0]);
		json_decref(lines[1]);
	}
	{ /* the new type by name */
		const char *args[] = {"export", g_file, "--jsonl", "--type", "VENUE_PROTOCOL_ERROR", NULL};
		assert_int_equal(run_cli(out, args), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 2);
		assert_string_equal(jstr(lines[0], "what"), "MALFORMED");
		assert_string_equal(jstr(lines[1], "what"), "GARBAGE");
		json_decref(lines[0]);
		json_decref(lines[1]);
	}
	{ /* by strategy name and by index: the 10 records of strategy 1 (11 lines: an ORDER_DECIDED is two) */
		const char *a1[] = {"export", g_file, "--jsonl", "--strategy", "alpha", NULL};
		const char *a2[] = {"export", g_file, "--jsonl", "--strategy", "1", "--type", "ORDER_FILLED", NULL};
		assert_int_equal(run_cli(out, a1), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 11);
		for (int k = 0; k < n; k++) {
			assert_string_equal(jstr(lines[k], "strategy"), "alpha");
			json_decref(lines[k]);
		}
		assert_int_equal(run_cli(out, a2), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 1);
		assert_string_equal(jstr(lines[0], "exec_id"), "E-9?x");
		json_decref(lines[0]);
	}
	{ /* by account */
		const char *args[] = {"export", g_file, "--jsonl", "--account", "acct0", "--type", "STATE_CHANGE", NULL};
		assert_int_equal(run_cli(out, args), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 1);
		assert_string_equal(jstr(lines[0], "entity"), "ACCOUNT_LOSS");
		json_decref(lines[0]);
	}
	{ /* time range: [13:00:00.000000010, 13:00:00.000000012) holds seqs 11 and 12 */
		const char *args[] = {"export", g_file, "--jsonl", "--from", "2024-05-01T13:00:00.000000010Z", "--to",
				      "2024-05-01T13:00:00.000000012Z", NULL};
		assert_int_equal(run_cli(out, args), 0);
		n = read_lines(out, lines, 64);
		assert_int_equal(n, 2);
		assert_int_equal(jint(lines[0], "seq"), 11);
		assert_int_equal(jint(lines[1], "seq"), 12);
		json_decref(lines[0]);
		json_decref(lines[1]);
	}
	{ /* usage errors */
		const char *a1[] = {"export", g_file, NULL};
		const char *a2[] = {"export", g_file, "--jsonl", "--type", "NOT_AN_EVENT", NULL};
		const char *a3[] = {"export", g_file, "--jsonl", "--from", "yesterday", NULL};
		assert_int_equal(run_cli(out, a1), 2);
		assert_int_equal(run_cli(out, a2), 2);
		assert_int_equal(run_cli(out, a3), 2);
	}
	{ /* verify of the good file */
		const char *args[] = {"verify", g_file, NULL};
		assert_int_equal(run_cli(out, args), 0);
	}
}

static void times_and_decimals_parse_and_print(void **state)
{
	uint64_t ns;
	char buf[40];

	(void)state;
	assert_int_equal(rg_jtime_parse("2024-05-01", &ns), 0);
	assert_int_equal(ns, JT_MAY1_NS);
	assert_int_equal(rg_jtime_parse("2024-05-01T13:45:12.5Z", &ns), 0);
	assert_int_equal(ns, JT_MAY1_NS + (13 * 3600 + 45 * 60 + 12) * 1000000000ull + 500000000);
	assert_int_equal(rg_jtime_parse("1714521600000000000", &ns), 0);
	assert_int_equal(ns, JT_MAY1_NS);
	assert_int_equal(rg_jtime_parse("2024-02-30", &ns), -EINVAL);
	assert_int_equal(rg_jtime_parse("2024-05-01T25:00:00Z", &ns), -EINVAL);
	assert_string_equal(rg_jtime_str(JT_MAY1_NS + 1, buf, sizeof(buf)), "2024-05-01T00:00:00.000000001Z");
	assert_string_equal(rg_je8_str(-150000000, buf, sizeof(buf)), "-1.5");
	assert_string_equal(rg_je8_str(1, buf, sizeof(buf)), "0.00000001");
	assert_string_equal(rg_je8_str(INT64_MIN, buf, sizeof(buf)), "-92233720368.54775808");
	assert_int_equal(rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), 20240501);
	assert_int_equal(rg_jday_date(rg_jday_of(JT_MAY1_NS, 22 * 3600)), 20240430);
}

static void long_paths_keep_their_end(void **state)
{
	const char *longp = "/srv/riskgate/instances/production-equities-east/config/engine-2024-05-01.json";
	char path[56];

	(void)state;
	rg_jtext_tail(path, sizeof(path), longp);
	assert_int_equal(strlen(path), 55);
	assert_memory_equal(path, "...", 3);
	assert_string_equal(path + 3, longp + strlen(longp) - 52);
	rg_jtext_tail(path, sizeof(path), "/etc/rg.json");
	assert_string_equal(path, "/etc/rg.json");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_is_written_and_read_back),
		cmocka_unit_test(every_type_exports_its_fields),
		cmocka_unit_test(without_names_indexes_are_printed),
		cmocka_unit_test(export_command_prints_the_same_and_filters),
		cmocka_unit_test(times_and_decimals_parse_and_print),
		cmocka_unit_test(long_paths_keep_their_end),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s AUDIT_CLI_DRIVER\n", argv[0]);
		return 2;
	}
	g_driver = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
