/*
 * Crashes: nothing the producer appended is lost or written twice.
 *
 * - An engine process (a real fork()ed child with its writer thread
 *   running) is killed with SIGKILL in the middle of a burst; the next
 *   writer writes what was left in the shared ring, and the day's file then
 *   holds every sequence from 1 to the ring's head exactly once, each
 *   record intact.
 * - A producer that dies with no writer at all: every record is in the ring
 *   and the next writer writes them.
 * - A write that completed without the completion being published: the
 *   next writer skips what the file holds.
 * - A torn last block (the process died while writing it): cut off and
 *   rewritten from the ring; when the ring cannot restore it (records
 *   acknowledged as written, or a new ring), the writer refuses to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "journal_test_util.h"

static const uint64_t kNow = JT_MAY1_NS + 12 * 3600 * 1000000000ull;

/* Replays the day's journal after a crash: checks 1..head-1 are all there, once, intact. */
static void expect_all_records(struct jt *t, uint64_t head)
{
	struct rg_journal_recovery rec;
	struct jt_seqs s = {0};
	struct rg_jverify v;
	char err[512], path[256];

	s.check_content = true;
	assert_int_equal(jt_create_writer(t), 0);
	assert_int_equal(rg_journal_recover(t->w, kNow, jt_collect, &s, &rec, err, sizeof(err)), 0);
	print_message("recovery: %llu records written out of the ring, %llu bytes of torn tail cut, %llu replayed\n",
		      (unsigned long long)rec.flushed, (unsigned long long)rec.tail_truncated,
		      (unsigned long long)rec.records);
	assert_true(rec.today);
	assert_int_equal(rec.date, 20240501);
	assert_int_equal(s.n, head - 1);
	assert_int_equal(s.first, 1);
	assert_int_equal(s.next, head);
	assert_false(s.gap);
	assert_false(s.bad_content);
	assert_int_equal(rec.records, head - 1);
	assert_int_equal(rec.next_seq, head);
	assert_int_equal(rg_journal_written(&t->j), head);
	jt_close(t);
	jt_file(t, rg_jday_of(kNow, 0), path, sizeof(path));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, head - 1);
}

/* The child: ring + writer thread, appending until killed; reports progress on fd. */
static void engine_child(struct jt *t, int fd, bool with_writer, uint64_t report_after)
{
	bool reported = false;

	if (jt_open_ring(t, 8192) != 0 || (with_writer && (jt_create_writer(t) != 0 || rg_journal_writer_start(t->w) != 0)))
		_exit(3);
	rg_journal_set_clock(&t->j, 0, kNow);
	for (;;) {
		if (!jt_append_seq(&t->j)) {
			if (!with_writer && !reported) {
				/* the ring is full and nobody drains it */
				if (write(fd, "r", 1) != 1)
					_exit(4);
				reported = true;
			}
			continue;
		}
		if (!reported && rg_journal_next_seq(&t->j) > report_after) {
			if (write(fd, "r", 1) != 1)
				_exit(4);
			reported = true;
		}
	}
}

static void kill_child_midway(struct jt *t, bool with_writer, uint64_t report_after)
{
	int p[2], status;
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		engine_child(t, p[1], with_writer, report_after);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void sigkilled_engine_loses_nothing(void **state)
{
	struct jt t;
	uint64_t head;

	(void)state;
	jt_init(&t, "kill");
	kill_child_midway(&t, true, 300000);
	assert_int_equal(jt_open_ring(&t, 8192), 0);
	assert_false(t.j.created);
	head = rg_journal_next_seq(&t.j);
	assert_true(head > 300000);
	/* some were on disk, some (up to a ring's worth) still in shared memory */
	assert_true(rg_journal_written(&t.j) > 1);
	assert_true(head - rg_journal_written(&t.j) <= 8192);
	expect_all_records(&t, head);
	jt_fini(&t);
}

static void producer_without_writer_loses_nothing(void **state)
{
	struct jt t;
	uint64_t head;

	(void)state;
	jt_init(&t, "nowr");
	kill_child_midway(&t, false, UINT64_MAX);
	assert_int_equal(jt_open_ring(&t, 8192), 0);
	head = rg_journal_next_seq(&t.j);
	assert_int_equal(head, 8193); /* it filled the ring, nothing was written */
	assert_int_equal(rg_journal_written(&t.j), 1);
	expect_all_records(&t, head);
	jt_fini(&t);
}

/* Appends n records and writes them. */
static void write_records(struct jt *t, int n)
{
	for (int i = 0; i < n; i++)
		assert_true(jt_append_seq(&t->j));
	assert_int_equal(rg_journal_writer_flush(t->w), 0);
}

static void written_but_unpublished_is_not_written_twice(void **state)
{
	struct jt t;

	(void)state;
	jt_init(&t, "unpub");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	rg_journal_set_clock(&t.j, 0, kNow);
	assert_int_equal(jt_create_writer(&t), 0);
	write_records(&t, 1000);
	write_records(&t, 500);
	jt_close(&t);
	/* the writer died after its writes completed, before publishing them */
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	rg_journal_publish_written(&t.j, 1001);
	expect_all_records(&t, 1501);
	jt_fini(&t);
}

/* Writes records 1..1600 (blocks of 511, flushed after 1000) and cuts the last block short. */
static void make_torn_tail(struct jt *t, char *path, size_t len)
{
	struct stat st;

	assert_int_equal(jt_open_ring(t, 4096), 0);
	rg_journal_set_clock(&t->j, 0, kNow);
	assert_int_equal(jt_create_writer(t), 0);
	write_records(t, 1000);
	write_records(t, 600);
	jt_close(t);
	jt_file(t, rg_jday_of(kNow, 0), path, len);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 1000), 0);
}

static void torn_tail_is_cut_and_rewritten(void **state)
{
	struct jt t;
	char path[256];
	struct rg_journal_writer_info wi;

	(void)state;
	jt_init(&t, "torn");
	make_torn_tail(&t, path, sizeof(path));
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	rg_journal_publish_written(&t.j, 1001); /* the torn block's write never completed */
	assert_int_equal(jt_create_writer(&t), 0);
	rg_journal_writer_info(t.w, &wi);
	assert_true(wi.tail_truncated > 0);
	/* blocks of 511: 1..511, 512..1000, 1001..1511 survive, 1512..1600 was torn */
	assert_int_equal(wi.next_seq, 1512);
	/* the rewritten block is this writer's: trusted from there, not before */
	assert_int_equal(rg_journal_writer_first_seq(t.w), 1512);
	rg_journal_writer_destroy(t.w);
	t.w = NULL;
	expect_all_records(&t, 1601);
	jt_fini(&t);
}

static void unrepairable_tail_refuses_to_start(void **state)
{
	struct jt t;
	char path[256], err[512];

	(void)state;
	jt_init(&t, "refuse");
	make_torn_tail(&t, path, sizeof(path));
	/* the ring says 1001..1600 were written: the file lost acknowledged records */
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(rg_journal_writer_create(&t.w, &t.j, &t.wc, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "move the file aside"));
	assert_non_null(strstr(err, "ends inside the block"));
	rg_journal_close(&t.j);
	/* a new ring (e.g. after a reboot) cannot restore it either */
	assert_int_equal(rg_journal_unlink(t.instance), 0);
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_true(t.j.created);
	assert_int_equal(rg_journal_writer_create(&t.w, &t.j, &t.wc, err, sizeof(err)), -EBADMSG);
	jt_fini(&t);
}

/* A new ring (the old one gone) continues the sequence after the files. */
static void new_ring_continues_after_the_files(void **state)
{
	struct jt t;
	struct jt_seqs s = {0};
	struct rg_journal_recovery rec;
	char err[512];

	(void)state;
	jt_init(&t, "cont");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	rg_journal_set_clock(&t.j, 0, kNow);
	assert_int_equal(jt_create_writer(&t), 0);
	assert_int_equal(rg_journal_writer_first_seq(t.w), 1); /* a new journal: every block is its own */
	write_records(&t, 700);
	jt_close(&t);
	assert_int_equal(rg_journal_unlink(t.instance), 0);
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	rg_journal_set_clock(&t.j, 0, kNow);
	assert_int_equal(rg_journal_next_seq(&t.j), 1);
	assert_int_equal(jt_create_writer(&t), 0);
	assert_int_equal(rg_journal_next_seq(&t.j), 701);
	assert_int_equal(rg_journal_writer_first_seq(t.w), 701); /* 1..700 are the last run's */
	write_records(&t, 300);
	s.check_content = true;
	assert_int_equal(rg_journal_recover(t.w, kNow, jt_collect, &s, &rec, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1000);
	assert_false(s.gap);
	assert_false(s.bad_content);
	jt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigkilled_engine_loses_nothing),
		cmocka_unit_test(producer_without_writer_loses_nothing),
		cmocka_unit_test(written_but_unpublished_is_not_written_twice),
		cmocka_unit_test(torn_tail_is_cut_and_rewritten),
		cmocka_unit_test(unrepairable_tail_refuses_to_start),
		cmocka_unit_test(new_ring_continues_after_the_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
