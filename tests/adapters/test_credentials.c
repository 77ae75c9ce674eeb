/*
 * Venue credentials files (adapters/credentials.c), read by the FIX and REST
 * adapters: the named values are read and trimmed; a file others may read, a
 * file of another user, a FIFO and a value too long are each refused with
 * an error that names the file and never a value, and a FIFO never blocks.
 * The other-user case needs root (to chown); without it that case is
 * skipped.
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

#include "credentials.h"

#define OTHER_UID 65534 /* nobody */
#define SECRET "s3cr3t-value"

static char dir[64], path[128];
static char key[32], secret[32];
static struct rg_credential creds[2];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rgcreds.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/venue.cred", dir);
	creds[0] = (struct rg_credential){"api_key", key, sizeof(key), 0};
	creds[1] = (struct rg_credential){"api_secret", secret, sizeof(secret), 0};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int read_creds(char *err, size_t len)
{
	err[0] = '\0';
	return rg_credentials_read(path, creds, 2, err, len);
}

static void the_named_values_are_read_and_trimmed(void **state)
{
	char err[512];

	(void)state;
	write_file("# venue X\n\napi_key=AK1  \nother=1\napi_secret=" SECRET "\t\r\n", 0600);
	assert_int_equal(read_creds(err, sizeof(err)), 0);
	assert_true(creds[0].found && creds[1].found);
	assert_string_equal(key, "AK1");
	assert_string_equal(secret, SECRET);
	/* a name the file does not have stays not found */
	write_file("api_key=AK2\n", 0400);
	assert_int_equal(read_creds(err, sizeof(err)), 0);
	assert_true(creds[0].found);
	assert_false(creds[1].found);
}

static void a_file_others_may_read_is_refused(void **state)
{
	char err[512];

	(void)state;
	write_file("api_key=AK1\napi_secret=" SECRET "\n", 0640);
	assert_int_equal(read_creds(err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, SECRET));
}

static void a_file_of_another_user_is_refused(void **state)
{
	char err[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("api_key=AK1\napi_secret=" SECRET "\n", 0600);
	assert_int_equal(chown(path, OTHER_UID, (gid_t)-1), 0);
	assert_int_equal(read_creds(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_null(strstr(err, SECRET));
}

static void a_fifo_is_refused_without_blocking(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(read_creds(err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
}

static void a_value_too_long_is_refused_unshown(void **state)
{
	char err[512], text[128];

	(void)state;
	snprintf(text, sizeof(text), "api_key=AK1\napi_secret=%s%s%s\n", SECRET, SECRET, SECRET);
	write_file(text, 0600);
	assert_int_equal(read_creds(err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "api_secret is too long"));
	assert_null(strstr(err, SECRET));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_named_values_are_read_and_trimmed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_file_others_may_read_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_file_of_another_user_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fifo_is_refused_without_blocking, setup, teardown),
		cmocka_unit_test_setup_teardown(a_value_too_long_is_refused_unshown, setup, teardown),
	};
	return cmocka_run_group_tests_name("credentials", tests, NULL, NULL);
}
