/*
 * Client API tests: the header-only strategy client against real segments,
 * with the test itself playing the engine's side of the rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <riskgate/client.h>

struct fixture {
	char instance[32];
	struct rg_seg_map ctl, sess;
	struct rg_control *control;
	struct rg_ring orders, reports; /* engine-side handles */
};

static int setup(void **state)
{
	static unsigned n;
	struct fixture *f = calloc(1, sizeof(*f));
	struct rg_seg_perms p = {(uid_t)-1, (gid_t)-1, 0644, false};
	struct rg_symbol_entry *sym;
	const char *names[] = {"AAPL", "MSFT"};
	char err[256];

	snprintf(f->instance, sizeof(f->instance), "cli%d_%u", (int)getpid(), n++);
	assert_int_equal(rg_seg_create(&f->ctl, f->instance, NULL, 0, 0, 8, &p, err, sizeof(err)), 0);
	p.mode = 0600;
	assert_int_equal(rg_seg_create(&f->sess, f->instance, "alpha", 8, 8, 0, &p, err, sizeof(err)), 0);
	f->control = (struct rg_control *)((char *)f->ctl.base + f->ctl.layout.control_off);
	sym = (struct rg_symbol_entry *)((char *)f->ctl.base + f->ctl.layout.symbols_off);
	for (uint32_t i = 0; i < 2; i++) {
		snprintf(sym[i].name, sizeof(sym[i].name), "%s", names[i]);
		sym[i].id = i;
		sym[i].enabled = 1;
		sym[i].tick_e8 = 1000000;
		sym[i].lot_e8 = RG_QTY_SCALE;
	}
	f->control->symbol_count = 2;
	f->control->engine_state = RG_ENGINE_RUNNING;
	rg_seg_header_of(&f->ctl)->heartbeat_ns = rg_client_now_ns();
	assert_int_equal(rg_ring_attach(&f->orders, (char *)f->sess.base + f->sess.layout.order_off, 8), 0);
	assert_int_equal(rg_ring_attach(&f->reports, (char *)f->sess.base + f->sess.layout.report_off, 8), 0);
	rg_seg_publish_ready(&f->ctl);
	rg_seg_publish_ready(&f->sess);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rg_seg_unlink(f->instance, "alpha");
	rg_seg_unlink(f->instance, NULL);
	rg_seg_detach(&f->sess);
	rg_seg_detach(&f->ctl);
	free(f);
	return 0;
}

static struct rg_order limit_order(uint64_t id)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = id;
	o.symbol_id = 0;
	o.side = RG_SIDE_BUY;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_DAY;
	o.qty_e8 = 10 * RG_QTY_SCALE;
	o.price_e8 = 150 * RG_PRICE_SCALE;
	return o;
}

static void open_and_close_a_session(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_session_peer *peer = (struct rg_session_peer *)((char *)f->sess.base + f->sess.layout.peer_off);

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	assert_int_equal(peer->pid, getpid());
	assert_int_equal(peer->attach_count, 1);
	rg_client_close(&c);
	assert_int_equal(peer->pid, 0);
	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	assert_int_equal(peer->attach_count, 2);
	rg_client_close(&c);
}

static void open_of_unknown_session_names_it(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	char err[256];

	assert_int_equal(rg_client_open(&c, f->instance, "nosuch", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nosuch"));
	assert_int_equal(rg_client_open(&c, "nosuchinstance", "alpha", err, sizeof(err)), -ENOENT);
}

static void second_process_gets_ebusy_until_close(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	int status;
	pid_t pid;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	pid = fork();
	if (pid == 0) {
		struct rg_client other;
		_exit(rg_client_open(&other, f->instance, "alpha", NULL, 0) == -EBUSY ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rg_client_close(&c);
	pid = fork();
	if (pid == 0) {
		struct rg_client other;
		int rc = rg_client_open(&other, f->instance, "alpha", NULL, 0);
		rg_client_close(&other);
		_exit(rc == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void symbol_lookup(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	uint32_t id = 99;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	assert_int_equal(rg_client_symbol_id(&c, "MSFT", &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(rg_client_symbol_id(&c, "AAPL", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(rg_client_symbol_id(&c, "GOOG", &id), -ENOENT);
	assert_non_null(rg_client_symbol(&c, 1));
	assert_int_equal(rg_client_symbol(&c, 1)->tick_e8, 1000000);
	assert_null(rg_client_symbol(&c, 2));
	rg_client_close(&c);
}

static void submit_is_false_when_full_and_drops_nothing(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_order o, in;
	uint64_t accepted = 0, seen = 0;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	for (uint64_t id = 1; id <= 20; id++) {
		o = limit_order(id);
		o.kind = 0; /* submit must set it */
		if (rg_client_submit(&c, &o))
			accepted++;
	}
	assert_int_equal(accepted, 8); /* the order ring holds 8 */
	while (rg_ring_pop_spsc(&f->orders, &in)) {
		seen++;
		assert_int_equal(in.kind, RG_ORDER_NEW);
		assert_int_equal(in.client_order_id, seen);
		assert_int_equal(in.qty_e8, 10 * RG_QTY_SCALE);
	}
	assert_int_equal(seen, accepted);
	o = limit_order(21);
	assert_true(rg_client_submit(&c, &o));
	rg_client_close(&c);
}

/* A burst goes in from its first order on, as far as the ring has room:
 * the rest is left for the caller, nothing is written for it. */
static void submit_burst_takes_what_fits(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_order batch[12], in;
	uint64_t seen = 0;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	for (unsigned i = 0; i < 12; i++) {
		batch[i] = limit_order(i + 1);
		batch[i].kind = 0; /* the burst must set it in the ring */
		batch[i].qty_e8 = (int64_t)(i + 1) * RG_QTY_SCALE;
	}
	assert_int_equal(rg_client_submit_burst(&c, batch, 5), 5);
	assert_int_equal(rg_client_submit_burst(&c, batch + 5, 5), 3); /* the order ring holds 8: 3 fit */
	assert_int_equal(rg_client_submit_burst(&c, batch + 8, 4), 0); /* full */
	assert_int_equal(rg_client_submit_burst(&c, batch, 0), 0);
	for (unsigned i = 0; i < 12; i++)
		assert_int_equal(batch[i].kind, 0); /* the caller's orders are left as they were */
	while (rg_ring_pop_spsc(&f->orders, &in)) {
		seen++;
		assert_int_equal(in.kind, RG_ORDER_NEW);
		assert_int_equal(in.client_order_id, seen);
		assert_int_equal(in.qty_e8, (int64_t)seen * RG_QTY_SCALE);
		assert_int_equal(in.price_e8, 150 * RG_PRICE_SCALE);
	}
	assert_int_equal(seen, 8);
	/* Room again (the engine published its position when it found the ring
	 * empty): the rest goes in, across the ring's wrap. */
	assert_int_equal(rg_client_submit_burst(&c, batch + 8, 4), 4);
	while (rg_ring_pop_spsc(&f->orders, &in)) {
		seen++;
		assert_int_equal(in.kind, RG_ORDER_NEW);
		assert_int_equal(in.client_order_id, seen);
	}
	assert_int_equal(seen, 12);
	rg_client_close(&c);
}

/* Against an engine that sleeps when idle, a burst rings the doorbell once,
 * and a burst that found the ring full does not ring it. */
static void submit_burst_rings_the_doorbell_once(void **state)
{
	struct fixture *f = *state;
	struct rg_session_peer *peer = (struct rg_session_peer *)((char *)f->sess.base + f->sess.layout.peer_off);
	struct rg_client c;
	struct rg_order batch[8], in;

	f->control->doorbell_on = 1; /* engine_asleep stays 0: no futex wake */
	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	for (unsigned i = 0; i < 8; i++)
		batch[i] = limit_order(i + 1);
	assert_int_equal(peer->doorbell, 0);
	assert_int_equal(rg_client_submit_burst(&c, batch, 6), 6);
	assert_int_equal(peer->doorbell, 1);
	assert_true(rg_client_submit(&c, &batch[6]));
	assert_int_equal(peer->doorbell, 2);
	assert_int_equal(rg_client_submit_burst(&c, batch + 7, 1), 1);
	assert_int_equal(peer->doorbell, 3);
	assert_int_equal(rg_client_submit_burst(&c, batch, 8), 0); /* full */
	assert_int_equal(peer->doorbell, 3);
	assert_true(rg_ring_pop_spsc(&f->orders, &in));
	assert_int_equal(in.client_order_id, 1);
	rg_client_close(&c);
}

/* A replace goes in as RG_ORDER_REPLACE whatever the caller's kind says, and
 * neither it nor a submit changes the caller's order. */
static void replace_and_submit_set_the_kind_in_the_ring_only(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_order o = limit_order(5), in;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	o.kind = RG_ORDER_CANCEL;
	o.orig_client_order_id = 4;
	assert_true(rg_client_replace(&c, &o));
	assert_true(rg_client_submit(&c, &o));
	assert_int_equal(o.kind, RG_ORDER_CANCEL);
	assert_true(rg_ring_pop_spsc(&f->orders, &in));
	assert_int_equal(in.kind, RG_ORDER_REPLACE);
	assert_int_equal(in.client_order_id, 5);
	assert_int_equal(in.orig_client_order_id, 4);
	assert_int_equal(in.qty_e8, 10 * RG_QTY_SCALE);
	assert_true(rg_ring_pop_spsc(&f->orders, &in));
	assert_int_equal(in.kind, RG_ORDER_NEW);
	assert_false(rg_ring_pop_spsc(&f->orders, &in));
	rg_client_close(&c);
}

static void cancel_carries_both_ids(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_order in;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	assert_true(rg_client_cancel(&c, 7, 3, 1));
	assert_true(rg_ring_pop_spsc(&f->orders, &in));
	assert_int_equal(in.kind, RG_ORDER_CANCEL);
	assert_int_equal(in.client_order_id, 7);
	assert_int_equal(in.orig_client_order_id, 3);
	assert_int_equal(in.symbol_id, 1);
	assert_true(in.client_ts_ns > 0);
	rg_client_close(&c);
}

static void poll_returns_reports_in_order(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_report r, out[16];

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	assert_int_equal(rg_client_poll(&c, out, 16), 0);
	for (uint64_t i = 1; i <= 5; i++) {
		memset(&r, 0, sizeof(r));
		r.kind = i == 3 ? RG_REPORT_REJECTED : RG_REPORT_ACCEPTED;
		r.reason = i == 3 ? RG_REJ_MAX_NOTIONAL : 0;
		r.client_order_id = i;
		assert_true(rg_ring_push_spsc(&f->reports, &r));
	}
	assert_int_equal(rg_client_poll(&c, out, 2), 2);
	assert_int_equal(rg_client_poll(&c, out + 2, 16), 3);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(out[i].client_order_id, i + 1);
	assert_int_equal(out[2].kind, RG_REPORT_REJECTED);
	assert_string_equal(rg_reject_str(out[2].reason), "MAX_NOTIONAL");
	assert_int_equal(rg_client_poll(&c, out, 16), 0);
	rg_client_close(&c);
}

static void push_numbered(struct fixture *f, uint64_t seq, uint8_t flags)
{
	struct rg_report r;

	memset(&r, 0, sizeof(r));
	r.kind = RG_REPORT_FILL;
	r.client_order_id = 100 + seq;
	r.report_seq = seq;
	r.flags = flags;
	assert_true(rg_ring_push_spsc(&f->reports, &r));
}

/* The client follows report_seq: skipped numbers are a gap it reports once
 * (rg_client_take_gap) and counts; unsequenced reports and replayed copies
 * do not move the numbering. */
static void poll_detects_a_lost_report(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_report out[16];
	uint64_t from = 0, to = 0;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	push_numbered(f, 1, 0);
	push_numbered(f, 2, 0);
	push_numbered(f, 0, 0); /* unsequenced (AUDIT_BACKPRESSURE) */
	push_numbered(f, 3, 0);
	assert_int_equal(rg_client_poll(&c, out, 16), 4);
	assert_false(rg_client_take_gap(&c, &from, &to));
	assert_int_equal(rg_client_next_report_seq(&c), 4);
	push_numbered(f, 5, 0); /* 4 lost */
	push_numbered(f, 6, 0);
	push_numbered(f, 9, 0); /* 7 and 8 lost */
	assert_int_equal(rg_client_poll(&c, out, 16), 3);
	assert_int_equal(c.reports_lost, 3);
	assert_true(rg_client_take_gap(&c, &from, &to));
	assert_int_equal(from, 4);
	assert_int_equal(to, 8);
	assert_false(rg_client_take_gap(&c, &from, &to)); /* taken once */
	/* The replayed copies of 4, 7 and 8 do not look like a new gap. */
	push_numbered(f, 4, RG_REPORT_F_REPLAYED);
	push_numbered(f, 7, RG_REPORT_F_REPLAYED);
	push_numbered(f, 10, 0);
	assert_int_equal(rg_client_poll(&c, out, 16), 3);
	assert_false(rg_client_take_gap(&c, &from, &to));
	assert_int_equal(rg_client_next_report_seq(&c), 11);
	rg_client_close(&c);
}

/* The numbering's edge cases: an unsequenced report before the first
 * numbered one starts nothing; the first numbered one sets the count; a
 * replayed copy carrying the number expected next does not take it. */
static void poll_numbering_edge_cases(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_report out[4];
	uint64_t from = 0, to = 0;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	push_numbered(f, 0, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 1);
	assert_int_equal(rg_client_next_report_seq(&c), 0);
	push_numbered(f, 7, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 1);
	assert_int_equal(rg_client_next_report_seq(&c), 8);
	assert_false(rg_client_take_gap(&c, &from, &to));
	push_numbered(f, 8, RG_REPORT_F_REPLAYED);
	push_numbered(f, 0, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 2);
	assert_int_equal(rg_client_next_report_seq(&c), 8);
	push_numbered(f, 8, 0);
	push_numbered(f, 9, 0);
	push_numbered(f, 11, 0); /* 10 lost */
	push_numbered(f, 12, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 4);
	assert_int_equal(out[2].report_seq, 11);
	assert_int_equal(rg_client_next_report_seq(&c), 13);
	assert_int_equal(c.reports_lost, 1);
	assert_true(rg_client_take_gap(&c, &from, &to));
	assert_int_equal(from, 10);
	assert_int_equal(to, 10);
	rg_client_close(&c);
}

/* A reopened session (a restarted engine or process) resumes the numbering:
 * reports the old session never delivered are a gap on the first one read. */
static void resume_at_finds_reports_lost_between_sessions(void **state)
{
	struct fixture *f = *state;
	struct rg_client c;
	struct rg_report out[4];
	uint64_t from = 0, to = 0;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	rg_client_resume_at(&c, 41);
	push_numbered(f, 45, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 1);
	assert_true(rg_client_take_gap(&c, &from, &to));
	assert_int_equal(from, 41);
	assert_int_equal(to, 44);
	rg_client_close(&c);
	/* Without a resume point the first report is taken as the start. */
	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	push_numbered(f, 46, 0);
	assert_int_equal(rg_client_poll(&c, out, 4), 1);
	assert_false(rg_client_take_gap(&c, &from, &to));
	rg_client_close(&c);
}

/* A replay request is two words and a counter in the peer line; it is
 * finished when the engine's replay_done reaches its number. */
static void replay_request_is_published(void **state)
{
	struct fixture *f = *state;
	struct rg_session_peer *peer = (struct rg_session_peer *)((char *)f->sess.base + f->sess.layout.peer_off);
	struct rg_seg_header *h = rg_seg_header_of(&f->sess);
	struct rg_client c;
	uint32_t req;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	req = rg_client_request_replay(&c, 4, 8);
	assert_int_equal(req, 1);
	assert_int_equal(peer->replay_from, 4);
	assert_int_equal(peer->replay_to, 8);
	assert_int_equal(peer->replay_request, 1);
	assert_false(rg_client_replay_finished(&c, req));
	h->replay_done = req;
	assert_true(rg_client_replay_finished(&c, req));
	assert_int_equal(rg_client_request_replay(&c, 9, 9), 2);
	assert_false(rg_client_replay_finished(&c, 2));
	rg_client_close(&c);
}

static void engine_liveness(void **state)
{
	struct fixture *f = *state;
	struct rg_seg_header *h = rg_seg_header_of(&f->ctl);
	struct rg_client c;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	h->heartbeat_ns = rg_client_now_ns();
	assert_true(rg_client_engine_alive(&c, 1000000000ull));
	h->heartbeat_ns = rg_client_now_ns() - 3000000000ull;
	assert_false(rg_client_engine_alive(&c, 1000000000ull));
	h->heartbeat_ns = rg_client_now_ns();
	f->control->engine_state = RG_ENGINE_DRAINING;
	assert_false(rg_client_engine_alive(&c, 1000000000ull));
	assert_int_equal(rg_client_engine_state(&c), RG_ENGINE_DRAINING);
	f->control->engine_state = RG_ENGINE_RUNNING;
	assert_true(rg_client_engine_alive(&c, 1000000000ull));
	rg_seg_mark_closed(&f->ctl);
	assert_false(rg_client_engine_alive(&c, 1000000000ull));
	rg_client_close(&c);
}

static void heartbeat_updates_the_peer_line(void **state)
{
	struct fixture *f = *state;
	struct rg_session_peer *peer = (struct rg_session_peer *)((char *)f->sess.base + f->sess.layout.peer_off);
	struct rg_client c;
	uint64_t before;

	assert_int_equal(rg_client_open(&c, f->instance, "alpha", NULL, 0), 0);
	peer->heartbeat_ns = 0;
	before = rg_client_now_ns();
	rg_client_heartbeat(&c);
	assert_true(peer->heartbeat_ns >= before);
	assert_true(peer->heartbeat_ns <= rg_client_now_ns());
	rg_client_close(&c);
}

static void reject_reasons_all_have_names(void **state)
{
	unsigned named = 0;

	(void)state;
	for (unsigned r = 1; r < RG_REJ_REASON_MAX; r++)
		if (strcmp(rg_reject_str(r), "UNKNOWN_REASON") != 0)
			named++;
	assert_true(named >= 45);
	assert_string_equal(rg_reject_str(RG_REJ_KILL_SWITCH), "KILL_SWITCH");
	assert_string_equal(rg_reject_str(RG_REJ_ENGINE_STOPPING), "ENGINE_STOPPING");
	assert_string_equal(rg_reject_str(999), "UNKNOWN_REASON");
	assert_string_equal(rg_report_kind_str(RG_REPORT_FILL), "FILL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_and_close_a_session, setup, teardown),
		cmocka_unit_test_setup_teardown(open_of_unknown_session_names_it, setup, teardown),
		cmocka_unit_test_setup_teardown(second_process_gets_ebusy_until_close, setup, teardown),
		cmocka_unit_test_setup_teardown(symbol_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(submit_is_false_when_full_and_drops_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(submit_burst_takes_what_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(submit_burst_rings_the_doorbell_once, setup, teardown),
		cmocka_unit_test_setup_teardown(replace_and_submit_set_the_kind_in_the_ring_only, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_carries_both_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(poll_returns_reports_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(poll_detects_a_lost_report, setup, teardown),
		cmocka_unit_test_setup_teardown(poll_numbering_edge_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_at_finds_reports_lost_between_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(replay_request_is_published, setup, teardown),
		cmocka_unit_test_setup_teardown(engine_liveness, setup, teardown),
		cmocka_unit_test_setup_teardown(heartbeat_updates_the_peer_line, setup, teardown),
		cmocka_unit_test(reject_reasons_all_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
