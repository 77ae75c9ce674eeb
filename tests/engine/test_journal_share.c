/*
 * The journal ring's fair share (engine/daemon/journal_share.h) on a real
 * journal ring: a session that floods is refused once it has used its share
 * and the pool while every other session keeps its whole share; live orders'
 * owed records are kept free until the orders are done; records the writer
 * has written are settled and free their session's share again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal_share.h"

#define CAP 4096u
#define RESERVE 512u

struct fx {
	char instance[32];
	struct rg_journal j;
	struct rg_jshare sh;
};

static int setup(void **state)
{
	static struct fx f;
	static unsigned n;
	struct rg_journal_ring_cfg rc = {0};
	char err[256];

	memset(&f, 0, sizeof(f));
	snprintf(f.instance, sizeof(f.instance), "jsh%d_%u", (int)getpid(), n++);
	rc.instance = f.instance;
	rc.capacity = CAP;
	rc.reserve = RESERVE;
	rc.perms = (struct rg_seg_perms){(uid_t)-1, (gid_t)-1, 0600, false};
	assert_int_equal(rg_journal_open(&f.j, &rc, err, sizeof(err)), 0);
	rg_jshare_init(&f.sh, CAP, RESERVE, 2, rg_journal_written(&f.j));
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rg_journal_close(&f->j);
	rg_journal_unlink(f->instance);
	return 0;
}

/* Session i appends what it was admitted for, as the engine does. */
static bool order(struct fx *f, uint32_t i, uint64_t records)
{
	uint8_t body[RG_JREC_BODY_SIZE] = {0};

	if (!rg_jshare_admit(&f->sh, &f->j, i, records, 0))
		return false;
	for (uint64_t k = 0; k < records; k++)
		assert_true(rg_journal_append(&f->j, RG_JREC_DECISION, 1, i, 0, body));
	rg_jshare_charge(&f->sh, i, records, rg_journal_next_seq(&f->j));
	return true;
}

static void a_flooding_session_leaves_the_other_its_share(void **state)
{
	struct fx *f = *state;
	uint64_t share = (CAP - RESERVE) / 4, flood = 0;

	assert_int_equal(f->sh.s[0].share, share);
	/* Nothing is written: session 0 floods until refused. */
	while (order(f, 0, 3))
		flood += 3;
	/* It got its share and the pool (half the ring less the reserve), no more. */
	assert_true(flood > share);
	assert_true(flood <= CAP - RESERVE - share);
	/* Session 1 still gets its whole share. */
	uint64_t other = 0;
	while (order(f, 1, 3))
		other += 3;
	assert_true(other + 3 > share);
	assert_true(other <= share);
	/* And the reserve is still free for records of no session. */
	assert_true(rg_journal_room(&f->j, RESERVE));
}

static void written_records_free_the_share_again(void **state)
{
	struct fx *f = *state;

	while (order(f, 0, 3))
		;
	assert_false(order(f, 0, 3));
	/* The writer writes everything: settled at the next admission. */
	rg_journal_publish_written(&f->j, rg_journal_next_seq(&f->j));
	assert_true(order(f, 0, 3));
	assert_int_equal(f->sh.s[0].pending, 3);
}

static void live_orders_owe_their_records(void **state)
{
	struct fx *f = *state;
	uint64_t live = 0;

	/* Orders going live, none of their records appended yet: the share and
	 * pool end with the owed records alone. */
	while (rg_jshare_admit(&f->sh, &f->j, 0, 0, RG_JSHARE_OWED_PER_ORDER)) {
		rg_jshare_order_live(&f->sh, 0);
		live++;
	}
	assert_int_equal(f->sh.owed_total, live * RG_JSHARE_OWED_PER_ORDER);
	assert_true(live * RG_JSHARE_OWED_PER_ORDER <= CAP - RESERVE - f->sh.s[1].share);
	/* The ring is empty, yet session 0 is refused: the room is owed. */
	assert_true(rg_journal_room(&f->j, CAP));
	assert_false(order(f, 0, 3));
	assert_true(order(f, 1, 3)); /* the other session is not */
	/* Orders done: their room is free again. */
	for (uint64_t k = 0; k < live; k++)
		rg_jshare_order_done(&f->sh, 0);
	assert_int_equal(f->sh.owed_total, 0);
	assert_true(order(f, 0, 3));
}

static void pending_settles_mark_by_mark(void **state)
{
	struct fx *f = *state;

	/* Charges go into marks of about RG_JSHARE_MARK_RECORDS records: three
	 * of 200 share one mark, the fourth starts another. */
	for (unsigned k = 0; k < 4; k++)
		assert_true(order(f, 1, 200));
	assert_int_equal(f->sh.s[1].pending, 800);
	/* The writer passes the first mark only: its 600 records are settled. */
	rg_journal_publish_written(&f->j, rg_journal_next_seq(&f->j) - 200);
	rg_jshare_settle(&f->sh, &f->j);
	assert_int_equal(f->sh.s[1].pending, 200);
	rg_journal_publish_written(&f->j, rg_journal_next_seq(&f->j));
	rg_jshare_settle(&f->sh, &f->j);
	assert_int_equal(f->sh.s[1].pending, 0);
	assert_int_equal(f->sh.unused_total, f->sh.s[0].share + f->sh.s[1].share);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_flooding_session_leaves_the_other_its_share, setup, teardown),
		cmocka_unit_test_setup_teardown(written_records_free_the_share_again, setup, teardown),
		cmocka_unit_test_setup_teardown(live_orders_owe_their_records, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_settles_mark_by_mark, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
