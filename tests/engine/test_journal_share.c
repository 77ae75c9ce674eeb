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

static void fx_open(struct fx *f)
{
	static unsigned n;
	struct rg_journal_ring_cfg rc = {0};
	char err[256];

	memset(f, 0, sizeof(*f));
	snprintf(f->instance, sizeof(f->instance), "jsh%d_%u", (int)getpid(), n++);
	rc.instance = f->instance;
	rc.capacity = CAP;
	rc.reserve = RESERVE;
	rc.perms = (struct rg_seg_perms){(uid_t)-1, (gid_t)-1, 0600, false};
	assert_int_equal(rg_journal_open(&f->j, &rc, err, sizeof(err)), 0);
	rg_jshare_init(&f->sh, CAP, RESERVE, 2, rg_journal_written(&f->j));
}

static void fx_close(struct fx *f)
{
	rg_journal_close(&f->j);
	rg_journal_unlink(f->instance);
}

static int setup(void **state)
{
	static struct fx f;

	fx_open(&f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
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

/* unused_total is the sum of what each session has left of its share
 * (rg_jshare_charge keeps it with one look at the share). */
static void assert_unused_total(const struct rg_jshare *sh)
{
	uint64_t sum = 0;

	for (uint32_t k = 0; k < sh->n; k++)
		sum += _rg_jshare_unused(&sh->s[k]);
	assert_int_equal(sh->unused_total, sum);
}

/* Admission as first written (journal_share.h derives the shorter form). */
static bool admit_as_written(const struct rg_jshare *sh, const struct rg_journal *j, uint32_t i, uint64_t need,
			     uint64_t owe)
{
	const struct rg_jshare_session *s = &sh->s[i];
	uint64_t in_ring = j->shared->head - sh->written;
	uint64_t free = in_ring < sh->capacity ? sh->capacity - in_ring : 0;
	uint64_t after = s->pending + s->owed + need + owe;
	uint64_t mine_left = s->share > after ? s->share - after : 0;
	uint64_t others_left = sh->unused_total - _rg_jshare_unused(s);

	return free >= need + sh->reserve + sh->owed_total + owe + others_left + mine_left;
}

/* The admission's short form answers as the rule as written, on states
 * from an empty ring to a full one, within and beyond each share. */
static void admission_is_the_rule_as_written(void **state)
{
	struct fx *f = *state;
	static struct rg_jshare probe;
	unsigned yes = 0, no = 0;

	for (unsigned round = 0; round < 3000; round++) {
		uint32_t i = (round / 7) % 2;
		uint64_t need = round % 5, owe = (round % 3) * RG_JSHARE_OWED_PER_ORDER;
		bool expect;

		rg_jshare_settle(&f->sh, &f->j); /* (so that admission's own settle changes nothing) */
		expect = admit_as_written(&f->sh, &f->j, i, need, owe);
		probe = f->sh;
		assert_int_equal(rg_jshare_admit(&probe, &f->j, i, need, owe), expect);
		yes += expect;
		no += !expect;
		if (round % 11 == 0 && f->sh.s[i].owed != 0)
			rg_jshare_order_done(&f->sh, i);
		else if (round % 4 == 0)
			rg_jshare_order_live(&f->sh, i);
		else
			order(f, i, 1 + round % 23);
		if (round % 700 == 699)
			rg_journal_publish_written(&f->j, rg_journal_next_seq(&f->j) - round % 300);
		assert_unused_total(&f->sh);
	}
	assert_true(yes > 100);
	assert_true(no > 100);
}

/*
 * n messages of session i as the engine takes a burst (engine.c,
 * poll_session): admitted together, each covered by that or else admitted
 * alone.  Each of the first `live` admitted goes live (owes its records) and
 * every admitted one appends `records` (3: more than the 2 asked for, so the
 * burst stops covering and the rest are admitted alone).  Before each message
 * the answer is held against what admitting it alone, on the state of the
 * moment, says (a copy, charged with what the burst appended so far).
 * Returns how many were admitted.
 */
static unsigned burst(struct fx *f, uint32_t i, unsigned n, unsigned live, unsigned records)
{
	static struct rg_jshare alone;
	uint8_t body[RG_JREC_BODY_SIZE] = {0};
	struct rg_jshare_burst b;
	unsigned admitted = 0;

	rg_jshare_burst_begin(&f->sh, &f->j, i, 2ull * n, (uint64_t)RG_JSHARE_OWED_PER_ORDER * n, n > 1, &b);
	for (unsigned k = 0; k < n; k++) {
		bool yes = true;

		alone = f->sh;
		rg_jshare_charge(&alone, i, rg_journal_next_seq(&f->j) - b.head, rg_journal_next_seq(&f->j));
		if (!rg_jshare_burst_covers(&f->j, &b, 2, RG_JSHARE_OWED_PER_ORDER)) {
			rg_jshare_burst_charge(&f->sh, &f->j, &b);
			yes = rg_jshare_admit(&f->sh, &f->j, i, 2, RG_JSHARE_OWED_PER_ORDER);
		}
		assert_int_equal(yes, rg_jshare_admit(&alone, &f->j, i, 2, RG_JSHARE_OWED_PER_ORDER));
		if (!yes)
			continue;
		for (unsigned r = 0; r < records; r++)
			assert_true(rg_journal_append(&f->j, RG_JREC_DECISION, 1, i, 0, body));
		if (admitted++ < live)
			rg_jshare_order_live(&f->sh, i);
	}
	rg_jshare_burst_charge(&f->sh, &f->j, &b);
	return admitted;
}

/* A burst admitted whole admits each of its messages exactly when admitting
 * it alone would, up to and past the edge of the share, whatever the
 * messages append or owe, with the other session using the ring too and the
 * writer catching up now and then. */
static void a_burst_admits_what_single_admissions_admit(void **state)
{
	struct fx *f = *state;
	static struct rg_jshare probe;
	unsigned refused = 0, tight = 0;

	for (unsigned round = 0; round < 600; round++) {
		unsigned n = 1 + round % 32, records = round % 3 == 0 ? 3 : 2;
		unsigned live = records == 3 ? n : round % 5 == 0 ? 0 : n / 2 + round % 7;
		uint32_t i = round % 4 == 3;
		/* Every other burst is admitted with no room to spare: the session
		 * first takes single records until one more would refuse it. */
		while (round % 2 == 0) {
			probe = f->sh;
			if (!rg_jshare_admit(&probe, &f->j, i, 2ull * n + 1, (uint64_t)RG_JSHARE_OWED_PER_ORDER * n) ||
			    !order(f, i, 1))
				break;
		}
		unsigned got = burst(f, i, n, live, records);
		refused += got < n;
		tight += round % 2 == 0 && records == 3 && n > 1 && got > 0;
		/* Most of the burst's orders end at once (dry-run venue), some rest. */
		for (unsigned k = 0; k + 1 < (got < live ? got : live); k++)
			rg_jshare_order_done(&f->sh, i);
		if (round % 6 == 5) /* the writer catches up, all but a few */
			rg_journal_publish_written(&f->j, rg_journal_next_seq(&f->j) - round % 40);
		assert_unused_total(&f->sh);
	}
	assert_true(refused > 10); /* the bursts did reach the edge of the share */
	assert_true(tight > 10);   /* bursts that took more than they asked, with no room to spare */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_flooding_session_leaves_the_other_its_share, setup, teardown),
		cmocka_unit_test_setup_teardown(written_records_free_the_share_again, setup, teardown),
		cmocka_unit_test_setup_teardown(live_orders_owe_their_records, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_settles_mark_by_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(admission_is_the_rule_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(a_burst_admits_what_single_admissions_admit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
