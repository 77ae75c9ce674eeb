/*
 * A full disk fails closed with a clear error.  A child process (SIGXFSZ
 * ignored, as the engine must) runs the writer thread under a file-size
 * limit (RLIMIT_FSIZE), or on a tiny tmpfs of its own when it may mount one,
 * and appends until the ring refuses: the writer must publish state ERROR
 * with EFBIG / ENOSPC from the write, the ring must fill (the engine's
 * AUDIT_BACKPRESSURE), and stopping the writer must report the error.  The
 * status stays readable from shared memory after the child is gone, as
 * riskctl reads it.  Without the limit, the next writer then writes every
 * record that waited in the ring: nothing was lost.
 *
 *   test_journal_full AUDIT_CLI_DRIVER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "journal_test_util.h"

static const char *g_driver;

struct child_report {
	int ok;                /* 1 when the child got to the end */
	int stop_rc;           /* rg_journal_writer_stop's return */
	int refused;           /* an append was refused (ring full) while in ERROR */
	uint64_t appended;
	struct rg_journal_status_view v;
};

/* The child (ring open): appends until the writer is in ERROR and the ring is full. */
__attribute__((noreturn)) static void fill_until_refused(struct jt *t, int fd)
{
	struct child_report r;
	uint64_t deadline = jt_mono() + 60ull * 1000000000ull;

	memset(&r, 0, sizeof(r));
	if (jt_create_writer(t) != 0 || rg_journal_writer_start(t->w) != 0)
		_exit(3);
	rg_journal_set_clock(&t->j, 0, JT_MAY1_NS);
	while (jt_mono() < deadline) {
		if (jt_append_seq(&t->j)) {
			r.appended++;
			continue;
		}
		rg_journal_status_read(&t->j, &r.v);
		if (r.v.state == RG_JW_ERROR && r.v.head - r.v.written == r.v.capacity) {
			r.refused = 1;
			break;
		}
		usleep(1000);
	}
	r.stop_rc = rg_journal_writer_stop(t->w);
	rg_journal_status_read(&t->j, &r.v);
	r.ok = 1;
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(4);
	jt_close(t);
	_exit(0);
}

/* Forks the child after `prepare` (run in the child: limits, mounts); returns
 * its report, or skips when prepare says the machine cannot do it (77). */
static bool run_child(struct jt *t, int (*prepare)(struct jt *), struct child_report *r)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		signal(SIGXFSZ, SIG_IGN);
		/* the ring first: a file-size limit applies to shared memory too */
		if (jt_open_ring(t, 4096) != 0)
			_exit(3);
		if (prepare(t) != 0)
			_exit(77);
		fill_until_refused(t, p[1]); /* exits */
	}
	close(p[1]);
	n = read(p[0], r, sizeof(*r));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		return false;
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof(*r));
	assert_int_equal(r->ok, 1);
	return true;
}

static int limit_file_size(struct jt *t)
{
	struct rlimit rl = {200 * 1024, 200 * 1024};

	(void)t;
	return setrlimit(RLIMIT_FSIZE, &rl);
}

/* A private mount namespace with a 256 KiB tmpfs over the journal directory
 * (mode 0750: the writer refuses a journal directory other users may write). */
static int small_tmpfs(struct jt *t)
{
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", t->dir, "tmpfs", 0, "size=256k,mode=0750") != 0)
		return -1;
	return 0;
}

static void expect_error_status(const struct child_report *r, int err)
{
	char line[512];

	assert_true(r->refused);
	assert_true(r->appended >= 4096);
	assert_int_equal(r->v.state, RG_JW_ERROR);
	assert_int_equal(r->v.error, err);
	assert_int_equal(r->v.error_op, RG_JOP_WRITE);
	assert_true(r->v.write_errors > 0);
	assert_true(r->v.full_count > 0);
	assert_int_equal(r->v.head - r->v.written, r->v.capacity);
	assert_int_equal(r->stop_rc, -err);
	rg_journal_status_str(&r->v, line, sizeof(line));
	print_message("status: %s\n", line);
	assert_non_null(strstr(line, "ERROR: write journal-20240501.rgj failed"));
	assert_non_null(strstr(line, strerror(err)));
}

static void file_size_limit_fails_closed(void **state)
{
	struct jt t;
	struct child_report r;
	struct rg_journal_status_view v;
	struct jt_seqs s = {0};
	char err[512], path[256], out[300], line[1024];
	struct rg_journal_recovery rec;
	int status;
	pid_t pid;
	FILE *f;

	(void)state;
	jt_init(&t, "fsize");
	assert_true(run_child(&t, limit_file_size, &r));
	expect_error_status(&r, EFBIG);

	/* the status outlives the child, where riskctl reads it */
	assert_int_equal(rg_journal_attach_readonly(&t.j, t.instance, err, sizeof(err)), 0);
	rg_journal_status_read(&t.j, &v);
	assert_int_equal(v.state, RG_JW_ERROR);
	assert_int_equal(v.error, EFBIG);
	rg_journal_close(&t.j);
	snprintf(out, sizeof(out), "%s/status.txt", t.dir);
	pid = fork();
	if (pid == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(99);
		execl(g_driver, "audit", "status", "--instance", t.instance, (char *)NULL);
		_exit(98);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_non_null(strstr(line, "ERROR: write"));
	assert_non_null(strstr(line, "EFBIG"));

	/* room again: the next writer writes everything that waited */
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	s.check_content = true;
	assert_int_equal(rg_journal_recover(t.w, JT_MAY1_NS, jt_collect, &s, &rec, err, sizeof(err)), 0);
	assert_int_equal(s.n, r.appended);
	assert_int_equal(s.first, 1);
	assert_false(s.gap);
	assert_false(s.bad_content);
	assert_true(rec.flushed > 0);
	rg_journal_status_read(&t.j, &v);
	assert_int_equal(v.state, RG_JW_STOPPED);
	jt_close(&t);
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	{
		struct rg_jverify vf;
		assert_int_equal(rg_journal_verify_file(path, &vf), 0);
		assert_int_equal(vf.pos.records, r.appended);
	}
	jt_fini(&t);
}

static void full_tmpfs_fails_closed(void **state)
{
	struct jt t;
	struct child_report r;

	(void)state;
	jt_init(&t, "enospc");
	if (!run_child(&t, small_tmpfs, &r)) {
		jt_fini(&t);
		skip(); /* no permission to mount a tmpfs here: the file-size limit test covers the path */
	}
	expect_error_status(&r, ENOSPC);
	jt_fini(&t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_size_limit_fails_closed),
		cmocka_unit_test(full_tmpfs_fails_closed),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s AUDIT_CLI_DRIVER\n", argv[0]);
		return 2;
	}
	g_driver = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
