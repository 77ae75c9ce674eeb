/*
 * The ownership check of the files and segments the engine opens
 * (shm/owned_file.c): a file of the engine's user passes; one owned by
 * another uid, one others may write, a FIFO, a directory where a file is
 * expected and a symbolic link under O_NOFOLLOW are each refused with an
 * error naming the file and what is wrong, and a FIFO never blocks the open.
 * Run as root so that files can be given to another uid (chown); not root:
 * exits 77 (skipped).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "owned_file.h"

#define OTHER_UID 65534 /* nobody */

static char dir[64];

static const struct rg_owned_rule file_rule = {"journal ring", S_IFREG, false, 0022};

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void make_file(const char *name, mode_t mode, uid_t uid)
{
	char p[128];
	int fd;

	path_of(p, sizeof(p), name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	if (uid != (uid_t)-1)
		assert_int_equal(fchown(fd, uid, (gid_t)-1), 0);
	close(fd);
}

static int open_checked(const char *name, const struct rg_owned_rule *rule, bool nofollow, char *err, size_t len)
{
	char p[128];
	int fd;

	path_of(p, sizeof(p), name);
	fd = rg_owned_open(p, O_RDONLY, 0, nofollow, rule, err, len);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void accepts_a_file_of_the_engines_user(void **state)
{
	char err[512] = "";

	(void)state;
	make_file("mine", 0600, (uid_t)-1);
	assert_int_equal(open_checked("mine", &file_rule, true, err, sizeof(err)), 0);
	make_file("mine_readable", 0644, (uid_t)-1);
	assert_int_equal(open_checked("mine_readable", &file_rule, true, err, sizeof(err)), 0);
}

static void refuses_a_file_of_another_uid(void **state)
{
	char err[512] = "";

	(void)state;
	make_file("planted", 0600, OTHER_UID);
	assert_int_equal(open_checked("planted", &file_rule, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "journal ring"));
	assert_non_null(strstr(err, "planted"));
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_non_null(strstr(err, "another user may have planted it"));
}

static void root_ok_accepts_root_but_not_others(void **state)
{
	static const struct rg_owned_rule cfg_rule = {"config file", S_IFREG, true, 0022};
	char err[512] = "";

	(void)state;
	make_file("by_root", 0644, 0);
	assert_int_equal(open_checked("by_root", &cfg_rule, false, err, sizeof(err)), 0);
	make_file("by_other", 0644, OTHER_UID);
	assert_int_equal(open_checked("by_other", &cfg_rule, false, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "or root"));
}

static void refuses_a_file_others_may_write(void **state)
{
	char err[512] = "";

	(void)state;
	make_file("world", 0666, (uid_t)-1);
	assert_int_equal(open_checked("world", &file_rule, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 0666"));
	assert_non_null(strstr(err, "every user"));
	make_file("group", 0620, (uid_t)-1);
	assert_int_equal(open_checked("group", &file_rule, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "its group"));
}

static void refuses_a_fifo_without_blocking(void **state)
{
	char p[128], err[512] = "";

	(void)state;
	path_of(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* No writer ever opens it: a blocking open would hang the test. */
	assert_int_equal(open_checked("fifo", &file_rule, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is a FIFO, not a regular file"));
}

static void refuses_a_directory_for_a_file_and_the_reverse(void **state)
{
	static const struct rg_owned_rule dir_rule = {"journal directory", S_IFDIR, true, 0022};
	char p[128], err[512] = "";
	int fd;

	(void)state;
	path_of(p, sizeof(p), "sub");
	assert_int_equal(mkdir(p, 0750), 0);
	assert_int_equal(open_checked("sub", &file_rule, true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is a directory, not a regular file"));
	fd = rg_owned_open(p, O_RDONLY | O_DIRECTORY, 0, false, &dir_rule, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(p, 01777), 0); /* a sticky /tmp-like directory: anyone may add files */
	fd = rg_owned_open(p, O_RDONLY | O_DIRECTORY, 0, false, &dir_rule, err, sizeof(err));
	assert_int_equal(fd, -EPERM);
	assert_non_null(strstr(err, "mode 1777"));
}

static void refuses_a_symbolic_link_under_nofollow(void **state)
{
	char target[128], link[128], err[512] = "";

	(void)state;
	make_file("target", 0600, (uid_t)-1);
	path_of(target, sizeof(target), "target");
	path_of(link, sizeof(link), "link");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(open_checked("link", &file_rule, true, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "is a symbolic link"));
	/* followed when the caller allows it: the target is checked */
	assert_int_equal(open_checked("link", &file_rule, false, err, sizeof(err)), 0);
}

static void check_fd_sees_the_opened_file(void **state)
{
	char p[128], err[512] = "";
	int fd;

	(void)state;
	make_file("swapped", 0600, (uid_t)-1);
	path_of(p, sizeof(p), "swapped");
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	/* The descriptor is what is checked: changing the file's owner after
	 * the open is seen, whatever the name points at meanwhile. */
	assert_int_equal(fchown(fd, OTHER_UID, (gid_t)-1), 0);
	assert_int_equal(rg_owned_check_fd(fd, p, &file_rule, err, sizeof(err)), -EPERM);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_a_file_of_the_engines_user),
		cmocka_unit_test(refuses_a_file_of_another_uid),
		cmocka_unit_test(root_ok_accepts_root_but_not_others),
		cmocka_unit_test(refuses_a_file_others_may_write),
		cmocka_unit_test(refuses_a_fifo_without_blocking),
		cmocka_unit_test(refuses_a_directory_for_a_file_and_the_reverse),
		cmocka_unit_test(refuses_a_symbolic_link_under_nofollow),
		cmocka_unit_test(check_fd_sees_the_opened_file),
	};
	char cmd[128];
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_owned_file: needs root to give files to another uid; skipped\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "/tmp/rg-owned.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_owned_file: could not remove %s\n", dir);
	return rc;
}
