/*
 * The FIX adapter against a raw-socket fake venue on loopback.  The test
 * thread plays the exchange byte by byte, which lets it send what no real
 * FIX engine would: garbage, a bad CheckSum, a message missing a required
 * tag, a sequence number that goes backwards, a ResendRequest for an order
 * it never answered.  The adapter runs on its own thread exactly as under
 * the engine (rg_adapter_start) and is driven through its rings.  Every
 * malformed message and garbage run must also come out of the event ring as
 * one RG_VEV_PROTOCOL_ERROR, for the engine to journal.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fix_adapter.h"
#include "fix_test_util.h"

#define WAIT_MS 30000 /* a bound on waits for events: a sanitizer build on a busy machine is slow */

struct venue {
	int lfd, fd;
	uint16_t port;
	uint64_t out_seq; /* our next MsgSeqNum */
	size_t len;
	char buf[65536];
	char wire[4096];
	struct rg_fix_msg msg;
};

struct fixture {
	struct rg_config cfg;
	struct rg_symbol_cfg symbols[2];
	struct rg_adapter a;
	struct venue v;
	char store[64];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the fake venue ----------------------------------------------------- */

static void venue_listen(struct venue *v)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	v->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(v->lfd >= 0);
	setsockopt(v->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0; /* a free port, chosen by the kernel */
	assert_int_equal(bind(v->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(v->lfd, 4), 0);
	assert_int_equal(getsockname(v->lfd, (struct sockaddr *)&sa, &sl), 0);
	v->port = ntohs(sa.sin_port);
	v->fd = -1;
	v->out_seq = 1;
}

static void venue_accept(struct venue *v)
{
	struct pollfd p = {v->lfd, POLLIN, 0};

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	v->fd = accept(v->lfd, NULL, NULL);
	assert_true(v->fd >= 0);
	v->len = 0;
}

static void venue_close(struct venue *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

/* Next message from the adapter, parsed into v->msg; false on timeout/EOF. */
static bool venue_recv(struct venue *v, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;

	for (;;) {
		ptrdiff_t f = rg_fix_frame(v->buf, v->len);
		if (f > 0) {
			memcpy(v->wire, v->buf, (size_t)f);
			memmove(v->buf, v->buf + f, v->len - (size_t)f);
			v->len -= (size_t)f;
			assert_int_equal(rg_fix_parse(v->wire, (size_t)f, &v->msg, NULL), RG_FIX_PARSE_OK);
			return true;
		}
		assert_true(f == 0); /* the adapter never sends garbage */
		uint64_t now = mono_ms();
		if (now >= end)
			return false;
		struct pollfd p = {v->fd, POLLIN, 0};
		if (poll(&p, 1, (int)(end - now)) != 1)
			return false;
		ssize_t n = recv(v->fd, v->buf + v->len, sizeof(v->buf) - v->len, 0);
		if (n <= 0)
			return false;
		v->len += (size_t)n;
	}
}

/* Next message of type `type`, skipping Heartbeats; fails the test otherwise. */
static struct rg_fix_msg *venue_expect(struct venue *v, const char *type)
{
	while (venue_recv(v, WAIT_MS)) {
		if (strcmp(type, "0") != 0 && strcmp(v->msg.msg_type, "0") == 0)
			continue;
		if (strcmp(v->msg.msg_type, type) != 0)
			fail_msg("expected 35=%s from the adapter, got 35=%s", type, v->msg.msg_type);
		return &v->msg;
	}
	fail_msg("no 35=%s from the adapter within %d ms", type, WAIT_MS);
	return NULL;
}

static uint64_t field_u64(const struct rg_fix_msg *m, uint32_t tag)
{
	uint64_t v = 0;

	if (rg_fix_get_u64(m, tag, &v) != 1)
		fail_msg("tag %u missing or not a number", tag);
	return v;
}

static bool field_is(const struct rg_fix_msg *m, uint32_t tag, const char *want)
{
	const char *v;
	size_t n;

	return rg_fix_get(m, tag, &v, &n) && n == strlen(want) && memcmp(v, want, n) == 0;
}

static void venue_send_raw(struct venue *v, const char *bytes, size_t n)
{
	assert_int_equal(send(v->fd, bytes, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Sends 35=<type> with the standard header at MsgSeqNum `seq` (0: the next
 * one) and `body` ('|' = SOH); checksum_delta != 0 corrupts the CheckSum. */
static void venue_send_seq(struct venue *v, const char *type, uint64_t seq, const char *body, int checksum_delta)
{
	char full[2048], wire[4096];
	size_t n;

	if (seq == 0)
		seq = v->out_seq++;
	snprintf(full, sizeof(full), "35=%s|49=VENUE|56=RG|34=%llu|52=20240102-10:00:00.000|%s", type,
		 (unsigned long long)seq, body);
	n = fixt_build(wire, sizeof(wire), full, checksum_delta);
	venue_send_raw(v, wire, n);
}

static void venue_send(struct venue *v, const char *type, const char *body)
{
	venue_send_seq(v, type, 0, body, 0);
}

/* ---- the adapter side --------------------------------------------------- */

static bool next_event(struct fixture *f, struct rg_venue_event *ev, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;

	do {
		if (rg_adapter_poll_events(&f->a, ev, 1) == 1)
			return true;
		usleep(200);
	} while (mono_ms() < end);
	return false;
}

static struct rg_venue_event expect_event(struct fixture *f, uint8_t kind)
{
	struct rg_venue_event ev;

	if (!next_event(f, &ev, WAIT_MS))
		fail_msg("no event %u from the adapter", kind);
	if (ev.kind != kind)
		fail_msg("expected event %u, got %u (reason %u)", kind, ev.kind, ev.reason);
	return ev;
}

/* The next event, which must be a protocol error of kind `what`. */
static struct rg_venue_event expect_protocol_error(struct fixture *f, uint8_t what)
{
	struct rg_venue_event ev = expect_event(f, RG_VEV_PROTOCOL_ERROR);

	if (ev.protocol_error != what)
		fail_msg("expected protocol error %u, got %u", what, ev.protocol_error);
	assert_int_equal(ev.symbol_id, 0);
	assert_int_equal(ev.price_e8, 0);
	assert_int_equal(ev.leaves_e8, 0);
	assert_true(ev.venue_ns != 0);
	return ev;
}

static void submit(struct fixture *f, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty, int64_t px)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.engine_seq = engine_seq;
	r.symbol_id = symbol;
	r.qty_e8 = qty;
	r.price_e8 = px;
	r.side = RG_SIDE_BUY;
	r.type = RG_TYPE_LIMIT;
	r.tif = RG_TIF_DAY;
	assert_true(rg_adapter_submit(&f->a, &r));
}

/* The adapter's status as its next publication after this call has it: the
 * pass that sent an event the test has seen has ended by then (each pass that
 * did something publishes, an idle one every 100 ms), however long a busy
 * machine kept the adapter thread from getting there. */
static struct rg_fix_adapter_status status(struct fixture *f)
{
	struct rg_fix_adapter_status st;
	uint64_t seen;

	assert_int_equal(rg_fix_adapter_status(&f->a, &st), 0);
	seen = st.published;
	for (uint64_t end = mono_ms() + WAIT_MS; st.published == seen; usleep(1000)) {
		if (mono_ms() > end)
			fail_msg("the adapter published no status in %d ms", WAIT_MS);
		assert_int_equal(rg_fix_adapter_status(&f->a, &st), 0);
	}
	return st;
}

/* Accepts the adapter's connection and completes Logon and the sync
 * TestRequest; returns the Logon's MsgSeqNum. */
static uint64_t handshake(struct fixture *f)
{
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	uint64_t logon_seq;
	char body[128];
	const char *id;
	size_t n;

	venue_accept(v);
	m = venue_expect(v, "A");
	assert_true(field_is(m, RG_FIX_TAG_SENDER_COMP_ID, "RG"));
	assert_true(field_is(m, RG_FIX_TAG_TARGET_COMP_ID, "VENUE"));
	assert_true(field_is(m, RG_FIX_TAG_ENCRYPT_METHOD, "0"));
	assert_true(field_is(m, RG_FIX_TAG_HEART_BT_INT, "30"));
	logon_seq = field_u64(m, RG_FIX_TAG_MSG_SEQ_NUM);
	venue_send(v, "A", "98=0|108=30|");
	m = venue_expect(v, "1");
	assert_true(rg_fix_get(m, RG_FIX_TAG_TEST_REQ_ID, &id, &n));
	snprintf(body, sizeof(body), "112=%.*s|", (int)n, id);
	venue_send(v, "0", body);
	expect_event(f, RG_VEV_CONNECTED);
	return logon_seq;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rg_venue_cfg *vc;
	char err[256];
	int fd;

	if (f == NULL)
		return -1;
	venue_listen(&f->v);
	snprintf(f->store, sizeof(f->store), "/tmp/rg_fix_raw_XXXXXX");
	fd = mkstemp(f->store);
	close(fd);
	unlink(f->store);
	f->cfg.n_venues = 1;
	f->cfg.n_symbols = 2;
	f->cfg.symbols = f->symbols;
	f->cfg.idle_policy = RG_IDLE_SPIN_YIELD;
	strcpy(f->symbols[0].name, "AAPL");
	strcpy(f->symbols[1].name, "MSFT");
	vc = &f->cfg.venues[0];
	strcpy(vc->name, "raw");
	vc->kind = RG_VENUE_FIX;
	strcpy(vc->fix_host, "127.0.0.1");
	vc->fix_port = f->v.port;
	strcpy(vc->fix_sender_comp_id, "RG");
	strcpy(vc->fix_target_comp_id, "VENUE");
	vc->fix_heartbeat_s = 30;
	strcpy(vc->fix_store_path, f->store);
	vc->fix_reconnect_min_ns = 50000000ull;
	vc->fix_reconnect_max_ns = 200000000ull;
	unsetenv("RG_FIX_USERNAME");
	unsetenv("RG_FIX_PASSWORD");
	if (rg_adapter_start(&f->a, &f->cfg, 0, -1, err, sizeof(err)) != 0) {
		fprintf(stderr, "rg_adapter_start: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rg_adapter_stop(&f->a);
	venue_close(&f->v);
	close(f->v.lfd);
	unlink(f->store);
	free(f);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void requests_before_logon_are_refused_as_not_connected(void **state)
{
	struct fixture *f = *state;
	struct rg_venue_event ev;

	submit(f, RG_VREQ_NEW, 5, 0, 100000000, 100000000);
	ev = expect_event(f, RG_VEV_REJECT);
	assert_int_equal(ev.engine_seq, 5);
	assert_int_equal(ev.reason, RG_FIX_REASON_NOT_CONNECTED);
	handshake(f);
}

static void orders_cancels_and_reports_map_both_ways(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	struct rg_venue_event ev;
	char body[512];

	handshake(f);
	submit(f, RG_VREQ_NEW, 42, 0, 100 * RG_QTY_SCALE, 18725000000);
	m = venue_expect(v, "D");
	assert_true(field_is(m, RG_FIX_TAG_CL_ORD_ID, "1-42"));
	assert_true(field_is(m, RG_FIX_TAG_SYMBOL, "AAPL"));
	assert_true(field_is(m, RG_FIX_TAG_ORDER_QTY, "100"));
	assert_true(field_is(m, RG_FIX_TAG_PRICE, "187.25"));
	assert_true(field_is(m, RG_FIX_TAG_SIDE, "1"));
	venue_send(v, "8", "37=V1|17=E1|11=1-42|150=0|39=0|55=AAPL|54=1|38=100|151=100|14=0|6=0|");
	ev = expect_event(f, RG_VEV_ACK);
	assert_int_equal(ev.engine_seq, 42);
	assert_int_equal(ev.symbol_id, 0);
	venue_send(v, "8", "37=V1|17=E2|11=1-42|150=F|39=1|55=AAPL|54=1|38=100|32=40|31=187.2|151=60|14=40|6=187.2|");
	ev = expect_event(f, RG_VEV_FILL);
	assert_int_equal(ev.engine_seq, 42);
	assert_int_equal(ev.qty_e8, 40 * RG_QTY_SCALE);
	assert_int_equal(ev.price_e8, 18720000000);
	assert_int_equal(ev.leaves_e8, 60 * RG_QTY_SCALE);

	submit(f, RG_VREQ_CANCEL, 42, 0, 0, 0);
	m = venue_expect(v, "F");
	assert_true(field_is(m, RG_FIX_TAG_ORIG_CL_ORD_ID, "1-42"));
	assert_true(field_is(m, RG_FIX_TAG_SIDE, "1"));
	assert_true(field_is(m, RG_FIX_TAG_ORDER_QTY, "100"));
	snprintf(body, sizeof(body), "37=V1|17=E3|11=1-42-C%llu|41=1-42|150=4|39=4|55=AAPL|54=1|151=0|14=40|6=187.2|",
		 (unsigned long long)field_u64(m, RG_FIX_TAG_MSG_SEQ_NUM));
	venue_send(v, "8", body);
	ev = expect_event(f, RG_VEV_CANCELLED);
	assert_int_equal(ev.engine_seq, 42);

	/* A rejected order and a rejected cancel. */
	submit(f, RG_VREQ_NEW, 43, 1, RG_QTY_SCALE, RG_PRICE_SCALE);
	venue_expect(v, "D");
	venue_send(v, "8", "37=NONE|17=E4|11=1-43|150=8|39=8|103=1|55=MSFT|54=1|151=0|14=0|6=0|");
	ev = expect_event(f, RG_VEV_REJECT);
	assert_int_equal(ev.engine_seq, 43);
	assert_int_equal(ev.reason, 1);
	assert_int_equal(ev.symbol_id, 1);
	submit(f, RG_VREQ_NEW, 44, 1, RG_QTY_SCALE, RG_PRICE_SCALE);
	venue_expect(v, "D");
	submit(f, RG_VREQ_CANCEL, 44, 1, 0, 0);
	venue_expect(v, "F");
	venue_send(v, "9", "37=V2|11=1-44-C1|41=1-44|39=2|434=1|102=0|");
	ev = expect_event(f, RG_VEV_CANCEL_REJECT);
	assert_int_equal(ev.engine_seq, 44);
	/* A cancel of an order the adapter never sent. */
	submit(f, RG_VREQ_CANCEL, 99, 1, 0, 0);
	ev = expect_event(f, RG_VEV_CANCEL_REJECT);
	assert_int_equal(ev.reason, RG_FIX_REASON_UNKNOWN_ORDER);
}

static void garbage_bytes_are_dropped_and_the_session_stays_up(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	static const char junk[] = "\x00\xff garbage 8=FIX.4.2\x01 9=12\x01 more junk \x01\x01";
	struct rg_fix_adapter_status st;
	struct rg_venue_event ev;

	handshake(f);
	venue_send_raw(v, junk, sizeof(junk) - 1);
	venue_send(v, "1", "112=after-garbage|");
	assert_true(field_is(venue_expect(v, "0"), RG_FIX_TAG_TEST_REQ_ID, "after-garbage"));
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_true(st.stats.garbage_bytes >= sizeof(junk) - 1);
	assert_int_equal(st.stats.rejects_sent, 0);
	/* The run is one event whether the message after it came in the same
	 * read (the run ends at the message) or a later one (the run ends when
	 * the input runs dry); it counts every byte skipped. */
	ev = expect_protocol_error(f, RG_VPE_GARBAGE);
	assert_int_equal(ev.bytes_skipped, st.stats.garbage_bytes);
	assert_int_equal(ev.reject_sent, 0);
	assert_int_equal(ev.ref_seq_num, 0);
	assert_int_equal(ev.ref_tag, 0);
	assert_false(next_event(f, &ev, 50));
	assert_int_equal(st.stats.protocol_errors, 1);
}

static void bad_checksum_gets_a_reject_and_does_not_use_up_the_sequence_number(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	uint64_t seq = v->out_seq;
	struct rg_fix_adapter_status st;
	struct rg_venue_event ev;

	handshake(f);
	seq = v->out_seq;
	venue_send_seq(v, "1", seq, "112=garbled|", 3);
	m = venue_expect(v, "3");
	assert_int_equal(field_u64(m, RG_FIX_TAG_REF_SEQ_NUM), seq);
	assert_int_equal(field_u64(m, RG_FIX_TAG_SESSION_REJECT_REASON), RG_FIX_REJ_OTHER);
	/* The same MsgSeqNum, intact, is accepted: no gap, no ResendRequest. */
	venue_send_seq(v, "1", seq, "112=intact|", 0);
	v->out_seq = seq + 1;
	assert_true(field_is(venue_expect(v, "0"), RG_FIX_TAG_TEST_REQ_ID, "intact"));
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_int_equal(st.stats.garbled_msgs, 1);
	assert_int_equal(st.stats.resend_requests_sent, 0);
	ev = expect_protocol_error(f, RG_VPE_BAD_CHECKSUM);
	assert_int_equal(ev.reject_sent, 1);
	assert_int_equal(ev.reason, RG_FIX_REJ_OTHER);
	assert_int_equal(ev.ref_tag, RG_FIX_TAG_CHECKSUM);
	assert_int_equal(ev.ref_seq_num, seq);
	assert_int_equal(ev.bytes_skipped, 0);
	assert_false(next_event(f, &ev, 50)); /* the intact resend is no error */
}

static void message_missing_a_required_tag_gets_a_reject_naming_it(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	uint64_t seq;
	struct rg_venue_event ev;

	handshake(f);
	seq = v->out_seq;
	venue_send(v, "8", "37=V1|11=1-42|150=0|39=0|55=AAPL|54=1|151=100|14=0|"); /* no ExecID (17) */
	m = venue_expect(v, "3");
	assert_int_equal(field_u64(m, RG_FIX_TAG_REF_SEQ_NUM), seq);
	assert_int_equal(field_u64(m, RG_FIX_TAG_REF_TAG_ID), 17);
	assert_true(field_is(m, RG_FIX_TAG_REF_MSG_TYPE, "8"));
	assert_int_equal(field_u64(m, RG_FIX_TAG_SESSION_REJECT_REASON), RG_FIX_REJ_REQUIRED_TAG_MISSING);
	venue_send(v, "8", "37=V1|11=1-42|17=E|150=0|39=0|55=AAPL|54=1|151=1.x|14=0|");
	m = venue_expect(v, "3");
	assert_int_equal(field_u64(m, RG_FIX_TAG_REF_TAG_ID), 151);
	assert_int_equal(field_u64(m, RG_FIX_TAG_SESSION_REJECT_REASON), RG_FIX_REJ_INCORRECT_DATA_FORMAT);
	/* The rejected messages used up their MsgSeqNums: the next is in order. */
	venue_send(v, "1", "112=next|");
	assert_true(field_is(venue_expect(v, "0"), RG_FIX_TAG_TEST_REQ_ID, "next"));
	/* One protocol error per rejected message, with what its Reject said. */
	ev = expect_protocol_error(f, RG_VPE_MALFORMED);
	assert_int_equal(ev.reject_sent, 1);
	assert_int_equal(ev.reason, RG_FIX_REJ_REQUIRED_TAG_MISSING);
	assert_int_equal(ev.ref_tag, 17);
	assert_int_equal(ev.ref_seq_num, seq);
	ev = expect_protocol_error(f, RG_VPE_MALFORMED);
	assert_int_equal(ev.reject_sent, 1);
	assert_int_equal(ev.reason, RG_FIX_REJ_INCORRECT_DATA_FORMAT);
	assert_int_equal(ev.ref_tag, 151);
	assert_int_equal(ev.ref_seq_num, seq + 1);
	assert_false(next_event(f, &ev, 50));
	assert_int_equal(status(f).stats.resend_requests_sent, 0);
}

static void garbled_logon_is_reported_and_drops_the_connection(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_venue_event ev;

	venue_accept(v);
	venue_expect(v, "A");
	venue_send_seq(v, "A", 1, "98=0|108=30|", 5);
	/* Before Logon completes nothing is rejected: the connection goes. */
	ev = expect_protocol_error(f, RG_VPE_BAD_CHECKSUM);
	assert_int_equal(ev.reject_sent, 0);
	assert_int_equal(ev.ref_tag, RG_FIX_TAG_CHECKSUM);
	assert_int_equal(ev.ref_seq_num, 1);
	assert_false(venue_recv(v, WAIT_MS));
	assert_non_null(strstr(status(f).last_error, "bad CheckSum"));
	/* Never up, so no DISCONNECTED; it connects again and logs on. */
	venue_close(v);
	v->out_seq = 1;
	handshake(f);
}

static void garbage_and_a_bad_sequence_reset_in_one_read_are_one_event_each(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_venue_event ev;
	char wire[1024], full[256];
	size_t n;
	uint64_t seq;

	handshake(f);
	seq = v->out_seq++;
	/* Three pieces of garbage around a reset-mode SequenceReset to 1, in one send. */
	memcpy(wire, "junk\x01", 5);
	n = 5;
	memcpy(wire + n, "8=FIX.4.2\x01 9=1\x01", 15);
	n += 15;
	snprintf(full, sizeof(full), "35=4|49=VENUE|56=RG|34=%llu|52=20240102-10:00:00.000|36=1|",
		 (unsigned long long)seq);
	n += fixt_build(wire + n, sizeof(wire) - n, full, 0);
	memcpy(wire + n, "tail junk", 9);
	n += 9;
	venue_send_raw(v, wire, n);
	assert_int_equal(field_u64(venue_expect(v, "3"), RG_FIX_TAG_REF_TAG_ID), RG_FIX_TAG_NEW_SEQ_NO);
	ev = expect_protocol_error(f, RG_VPE_GARBAGE);
	assert_int_equal(ev.bytes_skipped, 20);
	ev = expect_protocol_error(f, RG_VPE_SEQ_RESET_BACK);
	assert_int_equal(ev.reject_sent, 1);
	assert_int_equal(ev.reason, RG_FIX_REJ_VALUE_OUT_OF_RANGE);
	assert_int_equal(ev.ref_tag, RG_FIX_TAG_NEW_SEQ_NO);
	assert_int_equal(ev.ref_seq_num, seq);
	ev = expect_protocol_error(f, RG_VPE_GARBAGE);
	assert_int_equal(ev.bytes_skipped, 9);
	assert_false(next_event(f, &ev, 50));
	assert_int_equal(status(f).stats.garbage_bytes, 29);
}

static void resend_request_is_gap_filled_and_unanswered_orders_are_reported(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	struct rg_venue_event ev;
	uint64_t first, last;
	char body[128];
	bool dup;

	handshake(f);
	submit(f, RG_VREQ_NEW, 7, 0, RG_QTY_SCALE, RG_PRICE_SCALE);
	first = field_u64(venue_expect(v, "D"), RG_FIX_TAG_MSG_SEQ_NUM);
	submit(f, RG_VREQ_NEW, 8, 0, RG_QTY_SCALE, RG_PRICE_SCALE);
	last = field_u64(venue_expect(v, "D"), RG_FIX_TAG_MSG_SEQ_NUM);
	/* The venue answers order 8 only, then claims it lost everything from 7. */
	venue_send(v, "8", "37=V8|17=E8|11=1-8|150=0|39=0|55=AAPL|54=1|151=1|14=0|");
	assert_int_equal(expect_event(f, RG_VEV_ACK).engine_seq, 8);
	snprintf(body, sizeof(body), "7=%llu|16=0|", (unsigned long long)first);
	venue_send(v, "2", body);
	m = venue_expect(v, "4");
	assert_int_equal(field_u64(m, RG_FIX_TAG_MSG_SEQ_NUM), first);
	assert_int_equal(field_u64(m, RG_FIX_TAG_NEW_SEQ_NO), last + 1);
	assert_true(field_is(m, RG_FIX_TAG_GAP_FILL_FLAG, "Y"));
	assert_int_equal(rg_fix_get_bool(m, RG_FIX_TAG_POSS_DUP_FLAG, &dup), 1);
	assert_true(dup);
	/* Order 7 was never answered: reported undelivered; 8 was, so not. */
	ev = expect_event(f, RG_VEV_REJECT);
	assert_int_equal(ev.engine_seq, 7);
	assert_int_equal(ev.reason, RG_FIX_REASON_NOT_DELIVERED);
	assert_false(next_event(f, &ev, 100));
	/* Nothing was resent: the next message is a fresh one. */
	venue_send(v, "1", "112=after|");
	assert_true(field_is(venue_expect(v, "0"), RG_FIX_TAG_TEST_REQ_ID, "after"));
	assert_int_equal(field_u64(&v->msg, RG_FIX_TAG_MSG_SEQ_NUM), last + 1);
}

static void venue_sequence_gap_triggers_a_resend_request(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;
	uint64_t expected;
	char body[128];

	handshake(f);
	expected = v->out_seq;
	venue_send_seq(v, "1", expected + 3, "112=early|", 0);
	m = venue_expect(v, "2");
	assert_int_equal(field_u64(m, RG_FIX_TAG_BEGIN_SEQ_NO), expected);
	assert_int_equal(field_u64(m, RG_FIX_TAG_END_SEQ_NO), 0);
	/* Fill the gap, then resend the early message as a possible duplicate. */
	snprintf(body, sizeof(body), "123=Y|36=%llu|", (unsigned long long)(expected + 3));
	venue_send_seq(v, "4", expected, body, 0);
	venue_send_seq(v, "1", expected + 3, "43=Y|122=20240102-10:00:00.000|112=early|", 0);
	v->out_seq = expected + 4;
	assert_true(field_is(venue_expect(v, "0"), RG_FIX_TAG_TEST_REQ_ID, "early"));
	assert_int_equal(status(f).next_in_seq, expected + 4);
}

static void sequence_number_going_backwards_ends_the_session(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_venue_event ev;
	struct rg_fix_adapter_status st;

	handshake(f);
	venue_send_seq(v, "0", 1, "", 0);
	venue_expect(v, "5");
	ev = expect_event(f, RG_VEV_DISCONNECTED);
	assert_int_equal(ev.reason, RG_FIX_DOWN_SEQ_TOO_LOW);
	st = status(f);
	assert_non_null(strstr(st.last_error, "MsgSeqNum too low"));
}

static void dropped_connection_is_reported_and_the_session_resumes(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_venue_event ev;
	uint64_t first, second;

	first = handshake(f);
	venue_close(v);
	ev = expect_event(f, RG_VEV_DISCONNECTED);
	assert_int_equal(ev.reason, RG_FIX_DOWN_IO);
	/* Reconnects after the backoff; sequence numbers continue. */
	second = handshake(f);
	assert_true(second > first + 1);
}

static void logout_from_the_venue_is_answered_and_reported(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_venue_event ev;

	handshake(f);
	venue_send(v, "5", "58=end of day|");
	venue_expect(v, "5");
	ev = expect_event(f, RG_VEV_DISCONNECTED);
	assert_int_equal(ev.reason, RG_FIX_DOWN_LOGOUT);
	assert_non_null(strstr(status(f).last_error, "end of day"));
}

static void stopping_the_adapter_logs_out(void **state)
{
	struct fixture *f = *state;
	struct venue *v = &f->v;
	struct rg_fix_msg *m;

	handshake(f);
	/* Answer the Logout from a second thread's view: stop in the
	 * background by closing after we see it. */
	__atomic_store_n(&f->a.stop, 1, __ATOMIC_RELAXED);
	m = venue_expect(v, "5");
	assert_non_null(m);
	venue_send(v, "5", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(requests_before_logon_are_refused_as_not_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(orders_cancels_and_reports_map_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_bytes_are_dropped_and_the_session_stays_up, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_checksum_gets_a_reject_and_does_not_use_up_the_sequence_number,
						setup, teardown),
		cmocka_unit_test_setup_teardown(message_missing_a_required_tag_gets_a_reject_naming_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(garbled_logon_is_reported_and_drops_the_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_and_a_bad_sequence_reset_in_one_read_are_one_event_each, setup,
						teardown),
		cmocka_unit_test_setup_teardown(resend_request_is_gap_filled_and_unanswered_orders_are_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(venue_sequence_gap_triggers_a_resend_request, setup, teardown),
		cmocka_unit_test_setup_teardown(sequence_number_going_backwards_ends_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(dropped_connection_is_reported_and_the_session_resumes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(logout_from_the_venue_is_answered_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(stopping_the_adapter_logs_out, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
