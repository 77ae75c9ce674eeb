/*
 * The pure parts of engine/control: scopes as text, channel messages,
 * reconnect backoff, and reading a secret from a file or the environment.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "backoff.h"
#include "kill_fixture.h"
#include "redis_message.h"
#include "secret.h"

static void scopes_parse_and_print(void **state)
{
	struct rg_kill_scope s;
	char err[160], buf[64];

	(void)state;
	assert_int_equal(rg_kill_scope_parse("instance", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, RG_SCOPE_INSTANCE);
	assert_string_equal(s.name, "");
	assert_int_equal(rg_kill_scope_parse("strategy:mm_1", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, RG_SCOPE_STRATEGY);
	assert_string_equal(s.name, "mm_1");
	assert_string_equal(rg_kill_scope_format(buf, sizeof(buf), s.kind, s.name), "strategy:mm_1");
	assert_int_equal(rg_kill_scope_parse("venue:XNAS", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, RG_SCOPE_VENUE);
	assert_int_equal(rg_kill_scope_parse("account:A", &s, err, sizeof(err)), 0);
	assert_int_equal(rg_kill_scope_parse("symbol:BRK-B", &s, err, sizeof(err)), 0);
	assert_string_equal(rg_kill_scope_format(buf, sizeof(buf), RG_SCOPE_INSTANCE, ""), "instance");

	assert_int_equal(rg_kill_scope_parse("strategy:", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a valid strategy name"));
	assert_int_equal(rg_kill_scope_parse("strategy:a b", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(rg_kill_scope_parse("desk:7", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected instance, account:A"));
	assert_int_equal(rg_kill_scope_parse("instance:x", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(rg_kill_scope_parse("strategy", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(rg_kill_scope_parse("strategy:0123456789012345678901234567890123", &s, err, sizeof(err)), -EINVAL);

	assert_int_equal(rg_kill_state_parse("halted"), RG_STATE_HALTED);
	assert_int_equal(rg_kill_state_parse("REDUCING"), RG_STATE_REDUCING);
	assert_int_equal(rg_kill_state_parse("Active"), RG_STATE_ACTIVE);
	assert_int_equal(rg_kill_state_parse("stopped"), -1);
	assert_string_equal(rg_kill_source_str(RG_KSRC_REDIS_LOSS), "redis-loss");
	assert_string_equal(rg_kill_cmd_str(RG_KCMD_RESET_BREAKER), "reset-breaker");
	assert_string_equal(rg_redis_state_str(RG_REDIS_AUTH_FAILED), "auth-failed");
}

static struct rg_redis_msg parse(const char *text, int want_rc)
{
	struct rg_redis_msg m;
	char err[160];

	assert_int_equal(rg_redis_parse_message(text, strlen(text), &m, err, sizeof(err)), want_rc);
	return m;
}

static void channel_messages_parse_and_unknown_ones_kill(void **state)
{
	struct rg_redis_msg m;
	char big[400];

	(void)state;
	m = parse("kill strategy:s1 quoting wide", 0);
	assert_int_equal(m.action, RG_RMSG_KILL);
	assert_true(m.understood);
	assert_int_equal(m.scope.kind, RG_SCOPE_STRATEGY);
	assert_string_equal(m.scope.name, "s1");
	assert_string_equal(m.reason, "quoting wide");

	m = parse("  KILL   venue:V  \r\n", 0);
	assert_int_equal(m.scope.kind, RG_SCOPE_VENUE);
	assert_string_equal(m.reason, "");

	m = parse("kill the whole thing", 0); /* no scope: the instance */
	assert_int_equal(m.scope.kind, RG_SCOPE_INSTANCE);
	assert_string_equal(m.reason, "the whole thing");

	m = parse("kill", 0);
	assert_int_equal(m.scope.kind, RG_SCOPE_INSTANCE);

	m = parse("resume account:A1", 0);
	assert_int_equal(m.action, RG_RMSG_RESUME);
	assert_int_equal(m.scope.kind, RG_SCOPE_ACCOUNT);
	m = parse("resume", 0);
	assert_int_equal(m.action, RG_RMSG_RESUME);
	assert_int_equal(m.scope.kind, RG_SCOPE_INSTANCE);
	parse("resume strategy", -EINVAL);
	parse("resume strategy:s1 now", -EINVAL);

	m = parse("halt\tall\x01 trading", 0);
	assert_int_equal(m.action, RG_RMSG_KILL);
	assert_false(m.understood);
	assert_int_equal(m.scope.kind, RG_SCOPE_INSTANCE);
	assert_string_equal(m.reason, "halt?all? trading"); /* control bytes never reach a log */

	m = parse("", 0); /* even an empty message kills */
	assert_int_equal(m.action, RG_RMSG_KILL);
	assert_false(m.understood);

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "kill symbol:X ", 14);
	m = parse(big, 0);
	assert_int_equal(strlen(m.reason), RG_KILL_REASON_MAX - 1);
}

static void backoff_doubles_with_jitter_up_to_its_ceiling(void **state)
{
	struct rg_backoff b;
	uint32_t d, seen_low = UINT32_MAX, seen_high = 0;

	(void)state;
	rg_backoff_init(&b, 100, 5000, 42);
	d = rg_backoff_next(&b);
	assert_true(d >= 50 && d <= 100);
	d = rg_backoff_next(&b);
	assert_true(d >= 100 && d <= 200);
	d = rg_backoff_next(&b);
	assert_true(d >= 200 && d <= 400);
	for (uint32_t c = 800; c < 5000; c *= 2) {
		d = rg_backoff_next(&b);
		assert_true(d >= c / 2 && d <= c);
	}
	for (int i = 0; i < 1000; i++) {
		d = rg_backoff_next(&b);
		assert_true(d >= 2500 && d <= 5000);
		seen_low = d < seen_low ? d : seen_low;
		seen_high = d > seen_high ? d : seen_high;
	}
	assert_true(seen_high - seen_low > 1000); /* jitter: not one fixed delay */
	rg_backoff_reset(&b);
	d = rg_backoff_next(&b);
	assert_true(d >= 50 && d <= 100);
	rg_backoff_init(&b, 0, 0, 0); /* degenerate settings stay sane */
	assert_true(rg_backoff_next(&b) >= 1);
}

static void secrets_come_from_a_file_or_the_environment(void **state)
{
	char dir[] = "/tmp/rg_secret_XXXXXX", path[64], out[16], err[256];
	bool loose;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pw", dir);
	f = fopen(path, "w");
	fputs("s3cret\r\nsecond line\n", f);
	fclose(f);
	chmod(path, 0400);
	assert_int_equal(rg_secret_load(path, "RG_TEST_SECRET", out, sizeof(out), &loose, err, sizeof(err)), 1);
	assert_string_equal(out, "s3cret");
	assert_false(loose);
	chmod(path, 0644);
	assert_int_equal(rg_secret_load(path, NULL, out, sizeof(out), &loose, err, sizeof(err)), 1);
	assert_true(loose);

	f = fopen(path, "w");
	fputs("0123456789abcdefXYZ", f); /* longer than out holds */
	fclose(f);
	assert_int_equal(rg_secret_load(path, NULL, out, sizeof(out), &loose, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 15 bytes"));
	assert_null(strstr(err, "0123"));
	f = fopen(path, "w");
	fputs("0123456789abcde\n", f); /* exactly fits */
	fclose(f);
	assert_int_equal(rg_secret_load(path, NULL, out, sizeof(out), &loose, err, sizeof(err)), 1);
	assert_string_equal(out, "0123456789abcde");
	f = fopen(path, "w");
	fputs("\nx\n", f);
	fclose(f);
	assert_int_equal(rg_secret_load(path, NULL, out, sizeof(out), &loose, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty first line"));
	unlink(path);
	assert_int_equal(rg_secret_load(path, NULL, out, sizeof(out), &loose, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	rmdir(dir);

	/* the file wins over the environment; without a file, the environment */
	setenv("RG_TEST_SECRET", "from-env", 1);
	assert_int_equal(rg_secret_load("", "RG_TEST_SECRET", out, sizeof(out), &loose, err, sizeof(err)), 1);
	assert_string_equal(out, "from-env");
	unsetenv("RG_TEST_SECRET");
	assert_int_equal(rg_secret_load(NULL, "RG_TEST_SECRET", out, sizeof(out), &loose, err, sizeof(err)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scopes_parse_and_print),
		cmocka_unit_test(channel_messages_parse_and_unknown_ones_kill),
		cmocka_unit_test(backoff_doubles_with_jitter_up_to_its_ceiling),
		cmocka_unit_test(secrets_come_from_a_file_or_the_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
