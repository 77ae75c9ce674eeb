/*
 * Day files: the writer thread closes the day's file at the trading-day
 * boundary and opens the next, whose header chains to the previous file's
 * last hash and sequence; verification of consecutive files checks that
 * link (riskctl audit verify with several files, in order).  A boundary
 * away from midnight (day_start_utc_s) labels files by the day's start
 * date; retention keeps the configured number of days; a restart the same
 * day appends to the day's file; a clock stepped back stays in the open
 * file; a day file appears only whole.
 *
 *   test_journal_rollover AUDIT_CLI_DRIVER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "journal_test_util.h"

#define S_NS 1000000000ull

static const char *g_driver;

static void append_n_at(struct jt *t, uint64_t real_ns, int n)
{
	/* jt_append_seq stamps mono 1000 + seq: real = real_ns + 1000 + seq - seq0 */
	rg_journal_set_clock(&t->j, 1000 + rg_journal_next_seq(&t->j), real_ns);
	for (int i = 0; i < n; i++)
		assert_true(jt_append_seq(&t->j));
}

/* Waits until the writer thread wrote everything appended (60 s at most). */
static void wait_written(struct jt *t)
{
	for (uint64_t end = jt_mono() + 60 * S_NS; rg_journal_written(&t->j) != rg_journal_next_seq(&t->j) && jt_mono() < end;)
		usleep(500);
	assert_int_equal(rg_journal_written(&t->j), rg_journal_next_seq(&t->j));
}

static int run_verify(const char *a, const char *b)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(g_driver, "audit", "verify", a, b, (char *)NULL);
		_exit(98);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void rollover_opens_a_chained_file(void **state)
{
	struct jt t;
	struct rg_jverify v1, v2;
	struct rg_journal_status_view st;
	char f1[256], f2[256];

	(void)state;
	jt_init(&t, "roll");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	assert_int_equal(rg_journal_writer_start(t.w), 0);
	append_n_at(&t, JT_MAY1_NS + JT_DAY_NS - 2 * S_NS, 100); /* May 1, 23:59:58 */
	wait_written(&t);
	append_n_at(&t, JT_MAY1_NS + JT_DAY_NS + S_NS / 2, 150); /* May 2, 00:00:00.5 */
	wait_written(&t);
	assert_int_equal(rg_journal_writer_stop(t.w), 0);
	rg_journal_status_read(&t.j, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.records_written, 250);
	assert_int_equal(st.state, RG_JW_STOPPED);
	assert_int_equal(st.durable_seq, 251);
	assert_int_equal(jt_count_files(&t), 2);

	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), f1, sizeof(f1));
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0) + 1, f2, sizeof(f2));
	assert_int_equal(rg_journal_verify_file(f1, &v1), 0);
	assert_int_equal(rg_journal_verify_file(f2, &v2), 0);
	assert_int_equal(v1.header.date, 20240501);
	assert_int_equal(v2.header.date, 20240502);
	assert_int_equal(v1.pos.records, 100);
	assert_int_equal(v2.pos.records, 150);
	assert_int_equal(v2.header.first_seq, 101);
	assert_int_equal(v2.header.prev_last_seq, 100);
	assert_memory_equal(v2.header.prev_hash, v1.pos.hash, RG_JHASH_SIZE);
	assert_memory_equal(st.last_hash, v2.pos.hash, RG_JHASH_SIZE);
	assert_int_equal(rg_journal_verify_link(&v1, &v2), 0);
	assert_int_equal(rg_journal_verify_link(&v2, &v1), -EBADMSG);
	assert_int_equal(v1.problem.kind, RG_JPROB_LINK);
	assert_int_equal(run_verify(f1, f2), 0);
	assert_int_equal(run_verify(f2, f1), 1);
	jt_fini(&t);
}

static void missing_day_breaks_the_link(void **state)
{
	struct jt t;
	struct rg_jverify v1, v3;
	char f1[256], f3[256];
	int64_t d = rg_jday_of(JT_MAY1_NS, 0);

	(void)state;
	jt_init(&t, "gap");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	for (int k = 0; k < 3; k++) {
		append_n_at(&t, JT_MAY1_NS + (uint64_t)k * JT_DAY_NS + 3600 * S_NS, 20);
		assert_int_equal(rg_journal_writer_flush(t.w), 0);
	}
	jt_close(&t);
	jt_file(&t, d, f1, sizeof(f1));
	jt_file(&t, d + 2, f3, sizeof(f3));
	assert_int_equal(rg_journal_verify_file(f1, &v1), 0);
	assert_int_equal(rg_journal_verify_file(f3, &v3), 0);
	assert_int_equal(rg_journal_verify_link(&v1, &v3), -EBADMSG);
	assert_non_null(strstr(v3.problem.message, "does not continue"));
	assert_int_equal(run_verify(f1, f3), 1);
	jt_fini(&t);
}

static void boundary_away_from_midnight(void **state)
{
	struct jt t;
	struct rg_jverify v;
	char path[256];
	int64_t d;

	(void)state;
	jt_init(&t, "off");
	t.wc.day_start_utc_s = 22 * 3600;
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	append_n_at(&t, JT_MAY1_NS + (21 * 3600 + 3599) * S_NS, 10); /* 21:59:59: the day that began Apr 30 22:00 */
	append_n_at(&t, JT_MAY1_NS + 22 * 3600 * S_NS + S_NS, 10);   /* 22:00:01: the next one */
	assert_int_equal(rg_journal_writer_flush(t.w), 0);
	jt_close(&t);
	d = rg_jday_of(JT_MAY1_NS + 21 * 3600 * S_NS, 22 * 3600);
	jt_file(&t, d, path, sizeof(path));
	assert_non_null(strstr(path, "journal-20240430.rgj"));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, 10);
	assert_int_equal(v.header.day_start_utc_s, 22 * 3600);
	jt_file(&t, d + 1, path, sizeof(path));
	assert_non_null(strstr(path, "journal-20240501.rgj"));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, 10);
	assert_int_equal(v.header.first_seq, 11);
	jt_fini(&t);
}

static void retention_keeps_the_last_days(void **state)
{
	struct jt t;
	struct rg_journal_status_view st;
	char path[256];
	int64_t d = rg_jday_of(JT_MAY1_NS, 0);

	(void)state;
	jt_init(&t, "keep");
	t.wc.retention_days = 2;
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	for (int k = 0; k < 4; k++) {
		append_n_at(&t, JT_MAY1_NS + (uint64_t)k * JT_DAY_NS + 3600 * S_NS, 5);
		assert_int_equal(rg_journal_writer_flush(t.w), 0);
	}
	rg_journal_status_read(&t.j, &st);
	assert_int_equal(st.files_removed, 2);
	jt_close(&t);
	assert_int_equal(jt_count_files(&t), 2);
	for (int k = 0; k < 4; k++) {
		jt_file(&t, d + k, path, sizeof(path));
		assert_int_equal(access(path, F_OK) == 0, k >= 2);
	}
	jt_fini(&t);
}

static void restart_appends_to_the_day_file(void **state)
{
	struct jt t;
	struct rg_jverify v;
	struct jt_seqs s = {0};
	char path[256];
	uint64_t n;

	(void)state;
	jt_init(&t, "again");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	append_n_at(&t, JT_MAY1_NS + 9 * 3600 * S_NS, 700);
	assert_int_equal(rg_journal_writer_flush(t.w), 0);
	jt_close(&t);
	/* restart the same day; then the clock steps back a day: stays in this file */
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	append_n_at(&t, JT_MAY1_NS + 10 * 3600 * S_NS, 300);
	append_n_at(&t, JT_MAY1_NS - 3600 * S_NS, 50);
	assert_int_equal(rg_journal_writer_flush(t.w), 0);
	jt_close(&t);
	assert_int_equal(jt_count_files(&t), 1);
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, 1050);
	s.check_content = true;
	assert_int_equal(rg_journal_replay_file(path, jt_collect, &s, &n, NULL, 0), 0);
	assert_int_equal(n, 1050);
	assert_false(s.gap);
	assert_false(s.bad_content);
	jt_fini(&t);
}

/* A day file appears under its name only with its whole header, written
 * and synced under a temporary name first, so that a crash while it is
 * created cannot leave a short day file that the restart must refuse.  A
 * temporary file left by such a crash (here a torn one) is replaced. */
static void a_day_file_appears_only_whole(void **state)
{
	struct jt t;
	struct rg_jverify v;
	struct stat st;
	char path[256], tmp[512];
	FILE *f;

	(void)state;
	jt_init(&t, "whole");
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", t.dir, strrchr(path, '/') + 1);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs("torn", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	append_n_at(&t, JT_MAY1_NS + 3600 * S_NS, 10);
	assert_int_equal(rg_journal_writer_flush(t.w), 0);
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, 10);
	jt_close(&t);
	assert_int_equal(jt_count_files(&t), 1);
	jt_fini(&t);
}

/* Recovery on a day with no file yet replays the latest earlier day's. */
static void recovery_falls_back_to_the_latest_day(void **state)
{
	struct jt t;
	struct jt_seqs s = {0};
	struct rg_journal_recovery rec;
	char err[512];

	(void)state;
	jt_init(&t, "prev");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	append_n_at(&t, JT_MAY1_NS + 3600 * S_NS, 40);
	assert_int_equal(rg_journal_writer_flush(t.w), 0);
	assert_int_equal(rg_journal_recover(t.w, JT_MAY1_NS + 3 * JT_DAY_NS, jt_collect, &s, &rec, err, sizeof(err)), 0);
	assert_false(rec.today);
	assert_int_equal(rec.date, 20240501);
	assert_int_equal(rec.records, 40);
	assert_int_equal(rec.next_seq, 41);
	/* before any file: nothing to replay, not an error */
	memset(&s, 0, sizeof(s));
	assert_int_equal(rg_journal_recover(t.w, JT_MAY1_NS - 5 * JT_DAY_NS, jt_collect, &s, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.records, 0);
	assert_int_equal(rec.date, 0);
	jt_fini(&t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rollover_opens_a_chained_file),
		cmocka_unit_test(missing_day_breaks_the_link),
		cmocka_unit_test(boundary_away_from_midnight),
		cmocka_unit_test(retention_keeps_the_last_days),
		cmocka_unit_test(restart_appends_to_the_day_file),
		cmocka_unit_test(a_day_file_appears_only_whole),
		cmocka_unit_test(recovery_falls_back_to_the_latest_day),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s AUDIT_CLI_DRIVER\n", argv[0]);
		return 2;
	}
	g_driver = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
