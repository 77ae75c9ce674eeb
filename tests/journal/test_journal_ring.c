/*
 * Journal ring tests (engine/journal/journal_ring.h): create and attach with
 * every identity check, the ring filling up and refusing appends
 * (backpressure), the admit reserve, gap-free sequences across laps, a
 * producer that died between publishing a record and advancing its head,
 * and the two-record order append being all or nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "journal_test_util.h"

static void create_then_attach_checks_identity(void **state)
{
	struct jt t;
	struct rg_journal j2;
	struct rg_journal_ring_cfg rc = {0};
	char err[256], name[RG_JOURNAL_NAME_MAX];
	int fd;

	(void)state;
	jt_init(&t, "id");
	assert_int_equal(jt_open_ring(&t, 1024), 0);
	assert_true(t.j.created);
	assert_int_equal(rg_journal_next_seq(&t.j), 1);
	assert_true(jt_append_seq(&t.j));

	/* a second open attaches and sees the record */
	rc.instance = t.instance;
	rc.capacity = 1024;
	rc.perms.uid = (uid_t)-1;
	rc.perms.gid = (gid_t)-1;
	rc.perms.mode = 0600;
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), 0);
	assert_false(j2.created);
	assert_int_equal(rg_journal_next_seq(&j2), 2);
	assert_non_null(rg_journal_peek(&j2, 1));
	rg_journal_close(&j2);

	/* another capacity is refused, naming both */
	rc.capacity = 2048;
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "1024"));
	assert_non_null(strstr(err, "2048"));

	/* bad capacity and name */
	rc.capacity = 1000;
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EINVAL);
	rc.capacity = 1024;
	rc.instance = "bad/name";
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EINVAL);
	rc.instance = t.instance;

	/* ABI version and magic are checked */
	t.j.shared->abi_version = 99;
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EPROTONOSUPPORT);
	t.j.shared->abi_version = RG_JOURNAL_ABI_VERSION;
	t.j.shared->magic ^= 1;
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EBADMSG);
	assert_int_equal(rg_journal_attach_readonly(&j2, t.instance, err, sizeof(err)), -EBADMSG);
	t.j.shared->magic ^= 1;

	/* a truncated segment is refused before it is mapped */
	assert_int_equal(rg_journal_name(name, sizeof(name), t.instance), 0);
	fd = shm_open(name, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)rg_journal_memsize(512)), 0);
	close(fd);
	jt_close(&t);
	assert_int_equal(rg_journal_open(&j2, &rc, err, sizeof(err)), -EBADMSG);
	assert_int_equal(rg_journal_attach_readonly(&j2, "nosuchinstance", err, sizeof(err)), -ENOENT);
	jt_fini(&t);
}

static void full_ring_refuses_appends(void **state)
{
	struct jt t;
	uint64_t n = 0;
	struct rg_journal_status_view v;

	(void)state;
	jt_init(&t, "full");
	assert_int_equal(jt_open_ring(&t, 256), 0);
	assert_int_equal(t.j.reserve, 32);
	while (jt_append_seq(&t.j))
		n++;
	assert_int_equal(n, 256);
	assert_false(jt_append_seq(&t.j));
	assert_false(rg_journal_room(&t.j, 1));
	assert_false(rg_journal_admit(&t.j, 2));
	rg_journal_status_read(&t.j, &v);
	assert_int_equal(v.full_count, 2);
	assert_int_equal(v.head - v.written, 256);

	/* the writer stores 100: room for 100 again, and admit keeps the reserve */
	rg_journal_publish_written(&t.j, 101);
	assert_true(rg_journal_room(&t.j, 100));
	assert_false(rg_journal_room(&t.j, 101));
	assert_true(rg_journal_admit(&t.j, 100 - 32));
	assert_false(rg_journal_admit(&t.j, 100 - 32 + 1));
	for (int i = 0; i < 100; i++)
		assert_true(jt_append_seq(&t.j));
	assert_false(jt_append_seq(&t.j));
	jt_fini(&t);
}

static void sequences_are_gap_free_across_laps(void **state)
{
	struct jt t;
	uint64_t next = 1;

	(void)state;
	jt_init(&t, "laps");
	assert_int_equal(jt_open_ring(&t, 64), 0);
	for (int lap = 0; lap < 50; lap++) {
		int burst = 1 + (lap * 7) % 64;
		for (int i = 0; i < burst; i++)
			assert_true(jt_append_seq(&t.j));
		for (int i = 0; i < burst; i++) {
			const struct rg_jrec *r = rg_journal_peek(&t.j, next);
			assert_non_null(r);
			assert_int_equal(r->h.seq, next);
			assert_true(jt_check_seq(r));
			next++;
		}
		assert_null(rg_journal_peek(&t.j, next));
		rg_journal_publish_written(&t.j, next);
	}
	jt_fini(&t);
}

/* A producer killed after publishing a record but before advancing head:
 * the next producer must continue after that record, not overwrite it. */
static void attach_resumes_after_published_records(void **state)
{
	struct jt t;
	unsigned char body[RG_JREC_BODY_SIZE] = {0};
	struct rg_jrec *slot;

	(void)state;
	jt_init(&t, "head");
	assert_int_equal(jt_open_ring(&t, 64), 0);
	for (int i = 0; i < 5; i++)
		assert_true(jt_append_seq(&t.j));
	/* publish seq 6 by hand without moving head */
	slot = &t.j.slots[6 & t.j.mask];
	memcpy(slot->u.body, body, sizeof(body));
	slot->h.type = RG_JREC_FILL;
	slot->h.size = RG_JREC_SIZE;
	__atomic_store_n(&slot->h.seq, 6, __ATOMIC_RELEASE);
	rg_journal_close(&t.j);

	assert_int_equal(jt_open_ring(&t, 64), 0);
	assert_false(t.j.created);
	assert_int_equal(rg_journal_next_seq(&t.j), 7);
	assert_true(jt_append_seq(&t.j));
	assert_non_null(rg_journal_peek(&t.j, 6));
	assert_non_null(rg_journal_peek(&t.j, 7));
	jt_fini(&t);
}

/* One ORDER_DECIDED per decided order, or nothing when the ring is full;
 * every byte of its body comes from the order and the decision (the slot's
 * previous record leaves nothing behind), and it splits into the
 * ORDER_RECEIVED and DECISION that format 3 wrote. */
static void order_decided_is_one_record_or_nothing(void **state)
{
	struct jt t;
	struct rg_order o = {0};
	struct rg_decision d = {0};
	struct rg_jrec parts[2], want;
	const struct rg_jrec *r;

	(void)state;
	jt_init(&t, "pair");
	assert_int_equal(jt_open_ring(&t, 64), 0);
	for (int i = 0; i < 64; i++)
		assert_true(jt_append_seq(&t.j));
	o.client_order_id = 42;
	o.orig_client_order_id = 41;
	o.qty_e8 = 300000000;
	o.price_e8 = 12345000000;
	o.client_ts_ns = 777;
	o.symbol_id = 3;
	o.kind = RG_ORDER_REPLACE;
	o.side = RG_SIDE_SELL;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_IOC;
	o.reserved[7] = 0x5a;
	d.reason = RG_REJ_MAX_NOTIONAL;
	d.symbol = 3;
	d.limit = 10;
	d.value = 11;
	assert_false(rg_journal_order_decided(&t.j, 5, 1, 0, &o, &d, 9));
	assert_int_equal(rg_journal_next_seq(&t.j), 65);
	assert_null(rg_journal_peek(&t.j, 65));

	rg_journal_publish_written(&t.j, 2); /* the slot of seq 1 (a FILL) is reused */
	assert_true(rg_journal_order_decided(&t.j, 5, 1, 0, &o, &d, 9));
	assert_int_equal(rg_journal_next_seq(&t.j), 66);
	r = rg_journal_peek(&t.j, 65);
	assert_non_null(r);
	assert_int_equal(r->h.type, RG_JREC_ORDER_DECIDED);
	assert_int_equal(r->h.size, RG_JREC_SIZE);
	assert_int_equal(r->h.strategy, 1);
	assert_int_equal(rg_jrec_report_seq(r), 9);
	memset(&want, 0, sizeof(want));
	want.u.order_decided.order = o;
	want.u.order_decided.limit = 10;
	want.u.order_decided.value = 11;
	want.u.order_decided.report_seq = 9;
	want.u.order_decided.symbol = 3;
	want.u.order_decided.reason = RG_REJ_MAX_NOTIONAL;
	assert_memory_equal(r->u.body, want.u.body, RG_JREC_BODY_SIZE);

	assert_int_equal(rg_jrec_split(r, parts), 2);
	assert_int_equal(parts[0].h.type, RG_JREC_ORDER_RECEIVED);
	assert_int_equal(parts[0].h.seq, 65);
	assert_memory_equal(&parts[0].u.order.order, &o, sizeof(o));
	assert_int_equal(parts[1].h.type, RG_JREC_DECISION);
	assert_int_equal(parts[1].h.seq, 65);
	assert_int_equal(parts[1].u.decision.client_order_id, 42);
	assert_int_equal(parts[1].u.decision.orig_client_order_id, 41);
	assert_int_equal(parts[1].u.decision.qty_e8, 300000000);
	assert_int_equal(parts[1].u.decision.kind, RG_ORDER_REPLACE);
	assert_int_equal(parts[1].u.decision.tif, RG_TIF_IOC);
	assert_int_equal(parts[1].u.decision.reason, RG_REJ_MAX_NOTIONAL);
	assert_int_equal(parts[1].u.decision.limit, 10);
	assert_int_equal(parts[1].u.decision.value, 11);
	assert_int_equal(parts[1].u.decision.report_seq, 9);

	/* approved: engine_seq, venue and probe */
	rg_journal_publish_written(&t.j, 3);
	memset(&d, 0, sizeof(d));
	d.symbol = 3;
	d.engine_seq = 1234;
	d.venue = 15;
	d.probe = true;
	assert_true(rg_journal_order_decided(&t.j, 6, 1, 0, &o, &d, 10));
	r = rg_journal_peek(&t.j, 66);
	assert_non_null(r);
	rg_jrec_split(r, parts);
	assert_int_equal(parts[1].u.decision.reason, RG_REJ_NONE);
	assert_int_equal(parts[1].u.decision.engine_seq, 1234);
	assert_int_equal(parts[1].u.decision.venue, 15);
	assert_int_equal(parts[1].u.decision.probe, 1);
	assert_int_equal(parts[1].u.decision.limit, 0);

	/* any other record splits into itself */
	r = rg_journal_peek(&t.j, 64);
	assert_int_equal(rg_jrec_split(r, parts), 1);
	assert_memory_equal(&parts[0], r, sizeof(*r));
	jt_fini(&t);
}

/* The realtime stamp is the monotonic stamp plus the synced offset. */
static void realtime_stamp_follows_the_clock_pair(void **state)
{
	struct jt t;

	(void)state;
	jt_init(&t, "clk");
	assert_int_equal(jt_open_ring(&t, 64), 0);
	rg_journal_set_clock(&t.j, 1000, JT_MAY1_NS);
	assert_true(jt_append_seq(&t.j)); /* mono 1001 */
	assert_int_equal(rg_journal_peek(&t.j, 1)->h.real_ns, JT_MAY1_NS + 1);
	assert_int_equal(rg_journal_peek(&t.j, 1)->h.mono_ns, 1001);
	jt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_then_attach_checks_identity),
		cmocka_unit_test(full_ring_refuses_appends),
		cmocka_unit_test(sequences_are_gap_free_across_laps),
		cmocka_unit_test(attach_resumes_after_published_records),
		cmocka_unit_test(order_decided_is_one_record_or_nothing),
		cmocka_unit_test(realtime_stamp_follows_the_clock_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
