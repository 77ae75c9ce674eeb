/*
 * Log lines (log_line.h): the one place that knows what a riskgate log line
 * looks like.  The time is formatted from CLOCK_REALTIME with gmtime_r, so
 * it is UTC whatever the host's zone; JSON text is escaped here (quotes,
 * backslashes, control characters), never passed through.
 */
#include "log_line.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_json;

void rg_log_set_json(bool json)
{
	__atomic_store_n(&log_json, json ? 1 : 0, __ATOMIC_RELAXED);
}

bool rg_log_is_json(void)
{
	return __atomic_load_n(&log_json, __ATOMIC_RELAXED) != 0;
}

const char *rg_log_level_str(unsigned level)
{
	switch (level) {
	case RG_LOG_WARN: return "WARN";
	case RG_LOG_ERROR: return "ERROR";
	default: return "INFO";
	}
}

uint64_t rg_log_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "2026-11-01T12:34:56.123456Z" */
static void utc(char *buf, size_t len, uint64_t real_ns)
{
	time_t s = (time_t)(real_ns / 1000000000u);
	struct tm tm;
	size_t n;

	if (gmtime_r(&s, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(real_ns / 1000u % 1000000u));
}

size_t rg_log_format(char *buf, size_t len, uint64_t real_ns, unsigned level, const char *text)
{
	char when[40];
	size_t n, t;

	utc(when, sizeof(when), real_ns);
	if (!rg_log_is_json()) {
		int w = snprintf(buf, len, "%s %-5s %s", when, rg_log_level_str(level), text);
		n = w < 0 ? 0 : (size_t)w >= len - 1 ? len - 2 : (size_t)w;
		/* one line: a newline inside the text would start a line without a stamp */
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\r')
				buf[i] = ' ';
		buf[n++] = '\n';
		buf[n] = '\0';
		return n;
	}
	n = (size_t)snprintf(buf, len, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", when,
			     level == RG_LOG_WARN ? "warn" : level == RG_LOG_ERROR ? "error" : "info");
	for (t = 0; text[t] != '\0' && n + 8 < len; t++) {
		unsigned char c = (unsigned char)text[t];
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(buf + n, len - n, "\\u%04x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	buf[n++] = '}';
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

void rg_log_fd(int fd, unsigned level, const char *fmt, ...)
{
	char text[RG_LOG_LINE_MAX], line[RG_LOG_LINE_MAX + 96];
	const char *p = line;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = strlen(text);
	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	n = rg_log_format(line, sizeof(line), rg_log_now(), level, text);
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}
