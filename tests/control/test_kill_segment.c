/*
 * Kill segment tests (engine/control/kill_segment.c) on real shared memory:
 * create and attach with every check attach makes, kills put, updated and
 * lifted, the generation the engine polls, snapshots, requests and their
 * answers, the table's reserve for instance kills, a writer that died
 * mid-update, the writer lock, the roster and the Redis status block.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "kill_fixture.h"

struct fx {
	char instance[32];
	struct rg_kill_seg seg;
	char err[256];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rg_operators_cfg ops = rg_test_ops();

	rg_test_instance(f->instance, sizeof(f->instance), "ks");
	if (rg_kill_create(&f->seg, f->instance, &ops, f->err, sizeof(f->err)) != 0) {
		fprintf(stderr, "setup: %s\n", f->err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rg_kill_close(&f->seg);
	rg_kill_unlink(f->instance);
	free(f);
	return 0;
}

static struct rg_kill_scope scope_of(const char *text)
{
	struct rg_kill_scope s;
	char err[128];

	assert_int_equal(rg_kill_scope_parse(text, &s, err, sizeof(err)), 0);
	return s;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t list(struct fx *f, struct rg_kill_entry *out)
{
	uint32_t n = 0;

	assert_int_equal(rg_kill_list(&f->seg, out, RG_KILL_MAX, &n, NULL), 0);
	return n;
}

static void created_segment_has_its_header_and_permissions(void **state)
{
	struct fx *f = *state;
	const struct rg_kill_header *h = &f->seg.shm->hdr;
	struct rg_kill_seg ro, rw;
	struct stat st;

	assert_int_equal(h->magic, RG_KILL_MAGIC);
	assert_int_equal(h->abi_version, RG_KILL_ABI_VERSION);
	assert_int_equal(h->total_size, sizeof(struct rg_kill_shared));
	assert_int_equal(h->kill_capacity, RG_KILL_MAX);
	assert_int_equal(h->creator_pid, getpid());
	assert_string_equal(h->instance, f->instance);
	assert_int_equal(f->seg.shm->generation, 0);
	assert_int_equal(fstat(f->seg.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal((size_t)st.st_size, sizeof(struct rg_kill_shared));
	assert_int_equal(rg_kill_attach(&ro, f->instance, false, f->err, sizeof(f->err)), 0);
	assert_false(ro.writable);
	assert_int_equal(rg_kill_attach(&rw, f->instance, true, f->err, sizeof(f->err)), 0);
	assert_true(rw.writable);
	/* a read-only handle cannot write */
	struct rg_kill_scope inst = scope_of("instance");
	assert_int_equal(rg_kill_apply(&ro, &inst, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err)), -EBADF);
	rg_kill_close(&ro);
	rg_kill_close(&rw);
	rg_kill_close(&ro); /* twice is harmless */
}

static void kills_are_put_updated_and_lifted(void **state)
{
	struct fx *f = *state;
	struct rg_kill_entry e[RG_KILL_MAX];
	struct rg_kill_scope inst = scope_of("instance"), s1 = scope_of("strategy:s1");
	char longr[300];
	uint64_t before = realtime_ns(), after;

	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "fat finger", f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_apply(&f->seg, &s1, RG_KSRC_REDIS, "from redis", f->err, sizeof(f->err)), 0);
	after = realtime_ns();
	assert_int_equal(list(f, e), 2);
	assert_int_equal(e[0].scope, RG_SCOPE_INSTANCE);
	assert_int_equal(e[0].source, RG_KSRC_RISKCTL);
	assert_string_equal(e[0].reason, "fat finger");
	assert_string_equal(e[0].name, "");
	assert_int_equal(e[0].uid, getuid());
	assert_int_equal(e[0].pid, getpid());
	assert_true(e[0].time_ns >= before && e[0].time_ns <= after);
	assert_int_equal(e[1].scope, RG_SCOPE_STRATEGY);
	assert_string_equal(e[1].name, "s1");
	assert_int_equal(e[1].source, RG_KSRC_REDIS);

	/* same scope and source: updated in place, not added */
	memset(longr, 'x', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	longr[3] = '\n';
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, longr, f->err, sizeof(f->err)), 1);
	assert_int_equal(list(f, e), 2);
	assert_int_equal(strlen(e[0].reason), RG_KILL_REASON_MAX - 1);
	assert_int_equal(e[0].reason[3], '?');
	/* same scope, another source: a second entry */
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_REDIS_PUBLISH, NULL, f->err, sizeof(f->err)), 0);
	assert_int_equal(list(f, e), 3);
	assert_string_equal(e[2].reason, "(no reason given)");

	/* lift by scope and source */
	assert_int_equal(rg_kill_lift(&f->seg, &inst, RG_KSRC_MASK(RG_KSRC_RISKCTL), f->err, sizeof(f->err)), 1);
	assert_int_equal(rg_kill_lift(&f->seg, &inst, RG_KSRC_MASK(RG_KSRC_RISKCTL), f->err, sizeof(f->err)), 0);
	assert_int_equal(list(f, e), 2);
	assert_int_equal(rg_kill_lift(&f->seg, &s1, RG_KSRC_MASK(RG_KSRC_RISKCTL), f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_lift(&f->seg, NULL, RG_KSRC_ALL, f->err, sizeof(f->err)), 2);
	assert_int_equal(list(f, e), 0);

	/* malformed input */
	struct rg_kill_scope bad = {RG_SCOPE_STRATEGY, "no spaces allowed"};
	assert_int_equal(rg_kill_apply(&f->seg, &bad, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(rg_kill_apply(&f->seg, &inst, 9, "x", f->err, sizeof(f->err)), -EINVAL);
}

static void engine_sees_each_change_through_the_generation(void **state)
{
	struct fx *f = *state;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;
	struct rg_kill_scope a1 = scope_of("account:A1");

	assert_int_equal(rg_kill_reader_init(&r, &f->seg, false), 0);
	assert_int_equal(f->seg.shm->engine_pid, getpid());
	assert_true(rg_kill_changed(&r)); /* the first batch always takes a snapshot */
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_kills, 0);
	assert_false(rg_kill_changed(&r));

	assert_int_equal(rg_kill_apply(&f->seg, &a1, RG_KSRC_RISKCTL, "margin call", f->err, sizeof(f->err)), 0);
	assert_true(rg_kill_changed(&r));
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_false(rg_kill_changed(&r));
	assert_int_equal(snap.generation % 2, 0);
	assert_int_equal(snap.generation, f->seg.shm->generation);
	assert_int_equal(snap.n_kills, 1);
	assert_non_null(rg_kill_snapshot_find(&snap, RG_SCOPE_ACCOUNT, "A1"));
	assert_null(rg_kill_snapshot_find(&snap, RG_SCOPE_ACCOUNT, "A2"));
	assert_null(rg_kill_snapshot_find(&snap, RG_SCOPE_INSTANCE, ""));
	rg_kill_applied(&r);
	assert_int_equal(f->seg.shm->applied_generation, snap.generation);

	/* a lift that lifts nothing writes nothing */
	assert_int_equal(rg_kill_lift(&f->seg, &a1, RG_KSRC_MASK(RG_KSRC_REDIS), f->err, sizeof(f->err)), 0);
	assert_false(rg_kill_changed(&r));
	assert_int_equal(rg_kill_lift(&f->seg, &a1, RG_KSRC_ALL, f->err, sizeof(f->err)), 1);
	assert_true(rg_kill_changed(&r));
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_kills, 0);
	/* who lifted it: the one update since the last snapshot names its writer */
	assert_non_null(rg_kill_snapshot_writer(&snap));
	assert_int_equal(rg_kill_snapshot_writer(&snap)->uid, getuid());
	assert_int_equal(rg_kill_snapshot_writer(&snap)->pid, getpid());
	assert_true(rg_kill_snapshot_writer(&snap)->time_ns > 0);
	/* two updates between snapshots: the writer of the earlier one is not known */
	assert_int_equal(rg_kill_apply(&f->seg, &a1, RG_KSRC_RISKCTL, "again", f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_lift(&f->seg, &a1, RG_KSRC_ALL, f->err, sizeof(f->err)), 1);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_null(rg_kill_snapshot_writer(&snap));
}

static void the_table_keeps_room_for_instance_kills(void **state)
{
	struct fx *f = *state;
	struct rg_kill_scope s, inst = scope_of("instance");
	unsigned i;
	int rc = 0;

	for (i = 0; rc == 0; i++) {
		s.kind = RG_SCOPE_SYMBOL;
		snprintf(s.name, sizeof(s.name), "SYM%u", i);
		rc = rg_kill_apply(&f->seg, &s, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err));
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(i - 1, RG_KILL_MAX - RG_KILL_INSTANCE_RESERVE);
	assert_non_null(strstr(f->err, "kill table full"));
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "stop", f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_REDIS, "stop", f->err, sizeof(f->err)), 0);
	assert_int_equal(f->seg.shm->n_kills, RG_KILL_MAX - RG_KILL_INSTANCE_RESERVE + 2);
}

static void a_source_is_replaced_as_a_whole(void **state)
{
	struct fx *f = *state;
	struct rg_kill_entry e[RG_KILL_MAX];
	struct rg_kill_want want[2];
	struct rg_kill_scope v = scope_of("venue:V");
	uint64_t gen, t0;
	uint32_t n;

	assert_int_equal(rg_kill_apply(&f->seg, &v, RG_KSRC_RISKCTL, "mine", f->err, sizeof(f->err)), 0);
	memset(want, 0, sizeof(want));
	want[0].scope = scope_of("instance");
	snprintf(want[0].reason, sizeof(want[0].reason), "a");
	want[1].scope = scope_of("strategy:s1");
	snprintf(want[1].reason, sizeof(want[1].reason), "b");
	assert_int_equal(rg_kill_replace_source(&f->seg, RG_KSRC_REDIS, want, 2, f->err, sizeof(f->err)), 1);
	assert_int_equal(list(f, e), 3);
	t0 = e[1].time_ns;
	gen = f->seg.shm->generation;
	/* unchanged: nothing written, the generation stays */
	assert_int_equal(rg_kill_replace_source(&f->seg, RG_KSRC_REDIS, want, 2, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->seg.shm->generation, gen);
	/* one reason changes: the other keeps its time */
	snprintf(want[1].reason, sizeof(want[1].reason), "c");
	assert_int_equal(rg_kill_replace_source(&f->seg, RG_KSRC_REDIS, want, 2, f->err, sizeof(f->err)), 1);
	n = list(f, e);
	assert_int_equal(n, 3);
	for (uint32_t i = 0; i < n; i++) {
		if (e[i].source == RG_KSRC_REDIS && e[i].scope == RG_SCOPE_INSTANCE)
			assert_int_equal(e[i].time_ns, t0);
		if (e[i].source == RG_KSRC_REDIS && e[i].scope == RG_SCOPE_STRATEGY)
			assert_string_equal(e[i].reason, "c");
	}
	/* an empty set lifts the source's kills only */
	assert_int_equal(rg_kill_replace_source(&f->seg, RG_KSRC_REDIS, want, 0, f->err, sizeof(f->err)), 1);
	assert_int_equal(list(f, e), 1);
	assert_int_equal(e[0].source, RG_KSRC_RISKCTL);
	assert_string_equal(e[0].name, "V");
}

static struct rg_kill_cmd make_cmd(uint8_t kind, const char *scope, uint8_t state, int64_t price)
{
	struct rg_kill_cmd c;
	struct rg_kill_scope s;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	if (scope != NULL) {
		s = scope_of(scope);
		c.scope = s.kind;
		memcpy(c.name, s.name, sizeof(c.name));
	}
	c.state = state;
	c.price_e8 = price;
	return c;
}

static void requests_are_delivered_once_and_answered(void **state)
{
	struct fx *f = *state;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;
	struct rg_kill_result res;
	struct rg_kill_cmd c1 = make_cmd(RG_KCMD_SET_STATE, "account:A1", RG_STATE_HALTED, 0);
	struct rg_kill_cmd c2 = make_cmd(RG_KCMD_SET_REFERENCE, "symbol:AAA", 0, 12345000000);
	struct rg_kill_cmd c3 = make_cmd(RG_KCMD_RELOAD, NULL, 0, 0);
	struct rg_kill_scope inst = scope_of("instance");

	assert_int_equal(rg_kill_reader_init(&r, &f->seg, false), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(rg_kill_request(&f->seg, &c1, f->err, sizeof(f->err)), 0);
	assert_int_equal(c1.seq, 1);
	assert_int_equal(rg_kill_request(&f->seg, &c2, f->err, sizeof(f->err)), 0);
	assert_int_equal(c2.seq, 2);
	assert_true(rg_kill_changed(&r));
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 2);
	assert_int_equal(snap.cmds[0].seq, 1);
	assert_int_equal(snap.cmds[0].kind, RG_KCMD_SET_STATE);
	assert_int_equal(snap.cmds[0].scope, RG_SCOPE_ACCOUNT);
	assert_string_equal(snap.cmds[0].name, "A1");
	assert_int_equal(snap.cmds[0].state, RG_STATE_HALTED);
	assert_int_equal(snap.cmds[0].uid, getuid());
	assert_int_equal(snap.cmds[0].pid, getpid());
	assert_int_equal(snap.cmds[1].seq, 2);
	assert_int_equal(snap.cmds[1].price_e8, 12345000000);
	assert_string_equal(snap.cmds[1].name, "AAA");

	/* a kill later: the snapshot has it, and no command again */
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 0);
	assert_int_equal(snap.n_kills, 1);

	assert_int_equal(rg_kill_result(&f->seg, 1, &res), -EINPROGRESS);
	rg_kill_command_done(&r, 1, 0, "account A1: ACTIVE -> HALTED");
	rg_kill_command_done(&r, 2, -EINVAL, "AAA: price outside [min_price, max_price]");
	assert_int_equal(rg_kill_result(&f->seg, 1, &res), 0);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.message, "account A1: ACTIVE -> HALTED");
	assert_int_equal(rg_kill_result(&f->seg, 2, &res), 0);
	assert_int_equal(res.rc, -EINVAL);
	assert_int_equal(rg_kill_result(&f->seg, 3, &res), -EINPROGRESS);

	/* reload with and without a path */
	snprintf(c3.path, sizeof(c3.path), "/etc/riskgate/prod.json");
	assert_int_equal(rg_kill_request(&f->seg, &c3, f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 1);
	assert_string_equal(snap.cmds[0].path, "/etc/riskgate/prod.json");
}

static void malformed_requests_are_refused(void **state)
{
	struct fx *f = *state;
	struct rg_kill_cmd c;

	c = make_cmd(RG_KCMD_SET_STATE, "venue:V", RG_STATE_HALTED, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "account, a strategy or a symbol"));
	c = make_cmd(RG_KCMD_SET_STATE, "account:A1", 7, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	c = make_cmd(RG_KCMD_SET_REFERENCE, "symbol:AAA", 0, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "greater than 0"));
	c = make_cmd(RG_KCMD_RESUME_THROTTLE, "account:A1", 0, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "applies to a strategy"));
	c = make_cmd(RG_KCMD_RESET_BREAKER, "venue:V", 0, 0);
	snprintf(c.name, sizeof(c.name), "bad name");
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	c = make_cmd(99, "venue:V", 0, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(f->seg.shm->cmd_head, 0);
}

static void requests_wait_for_the_engine_within_bounds(void **state)
{
	struct fx *f = *state;
	struct rg_kill_cmd c;

	for (unsigned i = 0; i < RG_KILL_CMD_MAX; i++) {
		c = make_cmd(RG_KCMD_RESET_BREAKER, "venue:V", 0, 0);
		assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), 0);
	}
	c = make_cmd(RG_KCMD_RESET_BREAKER, "venue:V", 0, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), -EAGAIN);
	assert_non_null(strstr(f->err, "waiting for the engine"));
}

static void requests_from_before_the_engine_started_can_be_discarded(void **state)
{
	struct fx *f = *state;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;
	struct rg_kill_result res;
	struct rg_kill_cmd c;

	for (unsigned i = 0; i < 3; i++) {
		c = make_cmd(RG_KCMD_RESUME_THROTTLE, "strategy:s1", 0, 0);
		assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), 0);
	}
	assert_int_equal(rg_kill_reader_init(&r, &f->seg, true), 3);
	assert_int_equal(rg_kill_result(&f->seg, 2, &res), 0);
	assert_int_equal(res.rc, -ECANCELED);
	assert_non_null(strstr(res.message, "no engine was running"));
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 0);
	c = make_cmd(RG_KCMD_RESUME_THROTTLE, "strategy:s2", 0, 0);
	assert_int_equal(rg_kill_request(&f->seg, &c, f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 1);
	assert_string_equal(snap.cmds[0].name, "s2");
	/* without discarding, a restarted engine gets what is pending */
	assert_int_equal(rg_kill_reader_init(&r, &f->seg, false), 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_cmds, 1);
}

static void kills_outlive_the_engine_and_config_perms_are_applied(void **state)
{
	struct fx *f = *state;
	struct rg_kill_entry e[RG_KILL_MAX];
	struct rg_kill_scope inst = scope_of("instance");
	struct rg_operators_cfg ops = {getegid(), 0640};
	struct stat st;

	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "before the crash", f->err, sizeof(f->err)), 0);
	rg_kill_close(&f->seg);
	/* the next engine creates it again: it exists, keeps its kills, takes the config's mode */
	assert_int_equal(rg_kill_create(&f->seg, f->instance, &ops, f->err, sizeof(f->err)), 0);
	assert_int_equal(list(f, e), 1);
	assert_string_equal(e[0].reason, "before the crash");
	assert_int_equal(fstat(f->seg.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, getegid());
}

static void attach_checks_each_fault(void **state)
{
	struct fx *f = *state;
	struct rg_kill_seg s;
	struct rg_operators_cfg ops = rg_test_ops();
	char other[32];

	rg_test_instance(other, sizeof(other), "none");
	assert_int_equal(rg_kill_attach(&s, other, false, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "the engine creates it when it starts"));
	assert_int_equal(rg_kill_attach(&s, "bad name", false, f->err, sizeof(f->err)), -EINVAL);

	/* another ABI version: refused by attach and left alone by create */
	f->seg.shm->hdr.abi_version = RG_KILL_ABI_VERSION + 1;
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(f->err, "ABI version"));
	assert_int_equal(rg_kill_create(&s, f->instance, &ops, f->err, sizeof(f->err)), -EPROTONOSUPPORT);
	assert_int_equal(f->seg.shm->hdr.abi_version, RG_KILL_ABI_VERSION + 1);
	f->seg.shm->hdr.abi_version = RG_KILL_ABI_VERSION;

	f->seg.shm->hdr.magic = 0x1234;
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "not a riskgate kill segment"));
	f->seg.shm->hdr.magic = RG_KILL_MAGIC;

	f->seg.shm->hdr.entry_size = 100;
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "record sizes"));
	f->seg.shm->hdr.entry_size = sizeof(struct rg_kill_entry);

	f->seg.shm->hdr.total_size = 4096;
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "total size"));
	f->seg.shm->hdr.total_size = sizeof(struct rg_kill_shared);

	f->seg.shm->hdr.instance[0] ^= 1;
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "instance name"));
	f->seg.shm->hdr.instance[0] ^= 1;

	f->seg.shm->hdr.magic = 0; /* being created */
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EAGAIN);
	f->seg.shm->hdr.magic = RG_KILL_MAGIC;

	assert_int_equal(ftruncate(f->seg.fd, 100), 0);
	assert_int_equal(rg_kill_attach(&s, f->instance, false, f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "truncated"));
	rg_kill_close(&f->seg);
	assert_int_equal(rg_kill_create(&f->seg, f->instance, &ops, f->err, sizeof(f->err)), -EBADMSG);
}

static void a_segment_its_creator_left_unformatted_is_formatted(void **state)
{
	struct fx *f = *state;
	struct rg_operators_cfg ops = rg_test_ops();
	char name[64];
	int fd;

	rg_kill_close(&f->seg);
	rg_kill_unlink(f->instance);
	assert_int_equal(rg_kill_seg_name(name, sizeof(name), f->instance), 0);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600); /* died before ftruncate */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rg_kill_create(&f->seg, f->instance, &ops, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->seg.shm->hdr.magic, RG_KILL_MAGIC);
}

static void a_writer_that_died_mid_update_is_repaired_by_the_next(void **state)
{
	struct fx *f = *state;
	static struct rg_kill_snapshot snap;
	struct rg_kill_reader r;
	struct rg_kill_entry e[RG_KILL_MAX];
	struct rg_kill_scope inst = scope_of("instance"), s2 = scope_of("strategy:s2");
	uint32_t n;

	assert_int_equal(rg_kill_apply(&f->seg, &s2, RG_KSRC_RISKCTL, "kept", f->err, sizeof(f->err)), 0);
	assert_int_equal(rg_kill_reader_init(&r, &f->seg, false), 0);
	/* what a writer killed half-way leaves: an odd generation, a half entry */
	f->seg.shm->generation++;
	f->seg.shm->kills[1].scope = 77;
	f->seg.shm->n_kills = 2;
	assert_true(rg_kill_changed(&r));
	assert_int_equal(rg_kill_snapshot(&r, &snap), -EAGAIN); /* never waits */
	assert_int_equal(rg_kill_list(&f->seg, e, RG_KILL_MAX, &n, NULL), -EAGAIN);
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "next", f->err, sizeof(f->err)), 0);
	assert_int_equal(f->seg.shm->generation % 2, 0);
	assert_int_equal(rg_kill_snapshot(&r, &snap), 0);
	assert_int_equal(snap.n_kills, 2);
	assert_non_null(rg_kill_snapshot_find(&snap, RG_SCOPE_STRATEGY, "s2"));
	assert_non_null(rg_kill_snapshot_find(&snap, RG_SCOPE_INSTANCE, ""));
}

static void a_writer_waits_for_the_lock_only_so_long(void **state)
{
	struct fx *f = *state;
	struct rg_kill_seg other;
	struct rg_kill_scope inst = scope_of("instance");
	struct flock fl;

	assert_int_equal(rg_kill_attach(&other, f->instance, true, f->err, sizeof(f->err)), 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	assert_int_equal(fcntl(other.fd, F_OFD_SETLK, &fl), 0);
	f->seg.lock_timeout_ms = 50;
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err)), -EBUSY);
	assert_non_null(strstr(f->err, "another writer has held the lock"));
	assert_int_equal(f->seg.shm->n_kills, 0);
	fl.l_type = F_UNLCK;
	assert_int_equal(fcntl(other.fd, F_OFD_SETLK, &fl), 0);
	assert_int_equal(rg_kill_apply(&f->seg, &inst, RG_KSRC_RISKCTL, "x", f->err, sizeof(f->err)), 0);
	/* the kernel drops a holder's lock when its file closes */
	fl.l_type = F_WRLCK;
	assert_int_equal(fcntl(other.fd, F_OFD_SETLK, &fl), 0);
	rg_kill_close(&other);
	assert_int_equal(rg_kill_lift(&f->seg, &inst, RG_KSRC_ALL, f->err, sizeof(f->err)), 1);
}

static void the_roster_names_what_the_engine_serves(void **state)
{
	struct fx *f = *state;
	struct rg_config cfg;
	struct rg_kill_roster roster;
	struct rg_kill_scope s;

	assert_int_equal(rg_kill_roster_read(&f->seg, &roster), 0);
	assert_int_equal(roster.published_ns, 0);
	assert_int_equal(rg_test_config(&cfg, f->instance, ""), 0);
	assert_int_equal(rg_kill_publish_roster(&f->seg, &cfg), 0);
	rg_config_free(&cfg);
	assert_int_equal(rg_kill_roster_read(&f->seg, &roster), 0);
	assert_true(roster.published_ns > 0);
	assert_int_equal(roster.n_accounts, 2);
	assert_int_equal(roster.n_strategies, 2);
	assert_int_equal(roster.n_venues, 1);
	assert_string_equal(roster.strategies[1], "s2");
	s = scope_of("strategy:s1");
	assert_int_equal(rg_kill_roster_check(&roster, &s), 0);
	s = scope_of("strategy:s9");
	assert_int_equal(rg_kill_roster_check(&roster, &s), -ENOENT);
	s = scope_of("account:A2");
	assert_int_equal(rg_kill_roster_check(&roster, &s), 0);
	s = scope_of("venue:W");
	assert_int_equal(rg_kill_roster_check(&roster, &s), -ENOENT);
	s = scope_of("symbol:ANY");
	assert_int_equal(rg_kill_roster_check(&roster, &s), 0);
}

static void the_redis_status_block_round_trips(void **state)
{
	struct fx *f = *state;
	struct rg_kill_redis st, got;

	assert_int_equal(rg_kill_redis_read(&f->seg, &got), 0);
	assert_int_equal(got.state, RG_REDIS_OFF);
	memset(&st, 0, sizeof(st));
	st.state = RG_REDIS_DOWN;
	st.since_ns = 123;
	st.reconnects = 4;
	st.halt_on_loss = 1;
	snprintf(st.endpoint, sizeof(st.endpoint), "127.0.0.1:6379");
	snprintf(st.last_error, sizeof(st.last_error), "connect to 127.0.0.1:6379: Connection refused");
	rg_kill_redis_write(&f->seg, &st);
	rg_kill_redis_heartbeat(&f->seg, 777, 888);
	assert_int_equal(rg_kill_redis_read(&f->seg, &got), 0);
	assert_int_equal(got.seq % 2, 0);
	assert_int_equal(got.state, RG_REDIS_DOWN);
	assert_int_equal(got.since_ns, 123);
	assert_int_equal(got.reconnects, 4);
	assert_int_equal(got.halt_on_loss, 1);
	assert_string_equal(got.endpoint, "127.0.0.1:6379");
	assert_string_equal(got.last_error, "connect to 127.0.0.1:6379: Connection refused");
	assert_int_equal(got.heartbeat_mono_ns, 777);
	assert_int_equal(got.last_ok_ns, 888);
	/* a status write leaves the engine's generation alone */
	assert_int_equal(f->seg.shm->generation, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(created_segment_has_its_header_and_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(kills_are_put_updated_and_lifted, setup, teardown),
		cmocka_unit_test_setup_teardown(engine_sees_each_change_through_the_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(the_table_keeps_room_for_instance_kills, setup, teardown),
		cmocka_unit_test_setup_teardown(a_source_is_replaced_as_a_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(requests_are_delivered_once_and_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_requests_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(requests_wait_for_the_engine_within_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(requests_from_before_the_engine_started_can_be_discarded, setup, teardown),
		cmocka_unit_test_setup_teardown(kills_outlive_the_engine_and_config_perms_are_applied, setup, teardown),
		cmocka_unit_test_setup_teardown(attach_checks_each_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(a_segment_its_creator_left_unformatted_is_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(a_writer_that_died_mid_update_is_repaired_by_the_next, setup, teardown),
		cmocka_unit_test_setup_teardown(a_writer_waits_for_the_lock_only_so_long, setup, teardown),
		cmocka_unit_test_setup_teardown(the_roster_names_what_the_engine_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(the_redis_status_block_round_trips, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
