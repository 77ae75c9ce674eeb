/*
 * The engine's log ring (engine/daemon/engine_log.h): lines come out whole,
 * in order and with their newline; a line too long is cut, not spilled; with
 * no logger thread lines are written directly; and when the sink stops taking
 * lines (a pipe nobody reads) the engine thread does not wait: lines are
 * dropped, counted, and the count is written once the sink moves again, so
 * that every line is either written or counted lost.  Every line carries
 * the UTC time it was logged (microseconds) and its level, as text or, with
 * rg_log_set_json, as one JSON object.
 */
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <time.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine_log.h"

static struct rg_engine_log g_log; /* 96 KiB: not on the stack */

/* Everything readable from fd until EOF, NUL-terminated (caller frees). */
static char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	assert_non_null(buf);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

#define STAMP_LEN 34 /* "2026-11-01T12:34:56.123456Z INFO  " */

static uint64_t real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The stamp's time in us since the epoch (UTC), from "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
static uint64_t stamp_us(const char *line)
{
	struct tm tm;
	unsigned us;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(line, "%Y-%m-%dT%H:%M:%S", &tm));
	assert_int_equal(sscanf(line + 20, "%6u", &us), 1);
	return (uint64_t)timegm(&tm) * 1000000u + us;
}

/* Checks that every line of out starts with a UTC stamp and a level, that
 * each stamp lies in [from_us, to_us], and removes the stamps in place.
 * want_level: the level every line must have (NULL: any). */
static void strip_stamps(char *out, uint64_t from_us, uint64_t to_us, const char *want_level)
{
	regex_t re;
	char *r = out, *w = out;

	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z (INFO |WARN |ERROR) ",
				 REG_EXTENDED), 0);
	while (*r != '\0') {
		char *nl = strchr(r, '\n');
		assert_non_null(nl);
		assert_int_equal(regexec(&re, r, 0, NULL, 0), 0);
		assert_true(stamp_us(r) >= from_us && stamp_us(r) <= to_us);
		if (want_level != NULL)
			assert_memory_equal(r + 28, want_level, strlen(want_level));
		r += STAMP_LEN;
		memmove(w, r, (size_t)(nl - r) + 1);
		w += nl - r + 1;
		r = nl + 1;
	}
	*w = '\0';
	regfree(&re);
}

static char *logged_by(void (*body)(void), bool thread)
{
	int p[2];
	size_t len;
	char *out;

	uint64_t from = real_us(), to;

	assert_int_equal(pipe(p), 0);
	rg_engine_log_init(&g_log, p[1]);
	if (thread)
		assert_int_equal(rg_engine_log_start(&g_log, -1), 0);
	body();
	rg_engine_log_stop(&g_log);
	to = real_us();
	close(p[1]);
	out = slurp(p[0], &len);
	close(p[0]);
	if (!rg_log_is_json())
		strip_stamps(out, from, to, NULL);
	return out;
}

static void three_lines(void)
{
	rg_engine_logf(&g_log, "riskgate: KILL %s by %s", "instance", "riskctl");
	rg_engine_logf(&g_log, "line %d", 2);
	rg_engine_logf(&g_log, "%s", "");
}

static void in_order_with_newlines(void **state)
{
	(void)state;
	char *out = logged_by(three_lines, true);
	assert_string_equal(out, "riskgate: KILL instance by riskctl\nline 2\n\n");
	free(out);
}

static void direct_without_thread(void **state)
{
	(void)state;
	char *out = logged_by(three_lines, false);
	assert_string_equal(out, "riskgate: KILL instance by riskctl\nline 2\n\n");
	assert_int_equal(g_log.head, 0); /* nothing went through the ring */
	free(out);
}

static void long_line(void)
{
	char big[2 * RG_ENGINE_LOG_LINE_MAX];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rg_engine_logf(&g_log, "%s", big);
	rg_engine_logf(&g_log, "after");
}

static void long_line_is_cut(void **state)
{
	(void)state;
	char *out = logged_by(long_line, true);
	char *nl = strchr(out, '\n');

	assert_non_null(nl);
	assert_int_equal((size_t)(nl - out), RG_ENGINE_LOG_LINE_MAX - 1);
	assert_string_equal(nl + 1, "after\n");
	free(out);
}

/* ---- a sink that stops ----------------------------------------------------- */

#define FLOOD 5000

struct reader {
	int fd;
	char *out;
	size_t len;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->out = slurp(r->fd, &r->len);
	return NULL;
}

static void stalled_sink_drops_and_counts(void **state)
{
	(void)state;
	int p[2];
	pthread_t t;
	struct reader rd;
	char *line, *save = NULL;
	unsigned written = 0, lost = 0, lost_lines = 0;
	long last = -1;

	uint64_t from = real_us();

	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, 4096) > 0); /* the smallest pipe: about 60 of these lines fill it */
	rg_engine_log_init(&g_log, p[1]);
	assert_int_equal(rg_engine_log_start(&g_log, -1), 0);
	/* Nobody reads the pipe yet: the logger blocks in write, the ring fills,
	 * and the rest of the flood is dropped, the writer never waiting. */
	for (unsigned i = 0; i < FLOOD; i++)
		rg_engine_logf(&g_log, "line %u ........................................................", i);
	assert_true(__atomic_load_n(&g_log.lost, __ATOMIC_RELAXED) > 0);
	/* The sink moves again: what the ring holds is written, then the count. */
	rd.fd = p[0];
	assert_int_equal(pthread_create(&t, NULL, reader_main, &rd), 0);
	rg_engine_log_stop(&g_log);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	strip_stamps(rd.out, from, real_us(), NULL);
	/* Lines in increasing order, and counts of the lost: together, the flood. */
	for (line = strtok_r(rd.out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		unsigned k;
		if (sscanf(line, "riskgate: %u log line(s) lost", &k) == 1) {
			lost += k;
			lost_lines++;
			continue;
		}
		assert_int_equal(sscanf(line, "line %u", &k), 1);
		assert_true((long)k > last);
		last = k;
		written++;
	}
	assert_true(lost_lines >= 1);
	assert_true(written >= RG_ENGINE_LOG_LINES); /* the ring's worth came out at least */
	assert_int_equal(written + lost, FLOOD);
	assert_int_equal(lost, __atomic_load_n(&g_log.lost, __ATOMIC_RELAXED));
	free(rd.out);
}

static void levels(void)
{
	rg_engine_log_at(&g_log, RG_LOG_WARN, "riskgate: KILL %s", "instance");
	rg_engine_log_at(&g_log, RG_LOG_ERROR, "riskgate: journal full");
	rg_engine_logf(&g_log, "riskgate: RESUME instance");
}

static void lines_carry_their_level(void **state)
{
	(void)state;
	char *out = logged_by(levels, true);

	assert_string_equal(out, "riskgate: KILL instance\nriskgate: journal full\nriskgate: RESUME instance\n");
	free(out);
	/* the levels themselves, line by line */
	int p[2];
	size_t len;
	assert_int_equal(pipe(p), 0);
	rg_engine_log_init(&g_log, p[1]);
	rg_engine_log_at(&g_log, RG_LOG_WARN, "w");
	rg_log_fd(p[1], RG_LOG_ERROR, "e %d", 1);
	close(p[1]);
	out = slurp(p[0], &len);
	close(p[0]);
	assert_non_null(strstr(out, "Z WARN  w\n"));
	assert_non_null(strstr(out, "Z ERROR e 1\n"));
	free(out);
}

static void json_lines(void)
{
	rg_engine_log_at(&g_log, RG_LOG_WARN, "riskgate: KILL strategy:s1 by riskctl: \"fat\\finger\"\tnow");
	rg_engine_logf(&g_log, "second");
}

static void json_lines_are_objects_with_time_level_msg(void **state)
{
	(void)state;
	uint64_t from = real_us(), to;
	char *out, *line, *save = NULL;
	unsigned n = 0;

	rg_log_set_json(true);
	out = logged_by(json_lines, true);
	to = real_us();
	rg_log_set_json(false);
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save), n++) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		assert_non_null(o);
		assert_true(json_is_string(json_object_get(o, "time")));
		uint64_t t = stamp_us(json_string_value(json_object_get(o, "time")));
		assert_true(t >= from && t <= to);
		assert_string_equal(json_string_value(json_object_get(o, "level")), n == 0 ? "warn" : "info");
		assert_string_equal(json_string_value(json_object_get(o, "msg")),
				    n == 0 ? "riskgate: KILL strategy:s1 by riskctl: \"fat\\finger\"\tnow" : "second");
		json_decref(o);
	}
	assert_int_equal(n, 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_with_newlines),
		cmocka_unit_test(direct_without_thread),
		cmocka_unit_test(long_line_is_cut),
		cmocka_unit_test(stalled_sink_drops_and_counts),
		cmocka_unit_test(lines_carry_their_level),
		cmocka_unit_test(json_lines_are_objects_with_time_level_msg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
