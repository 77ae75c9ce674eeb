/*
 * The engine's log line format, for every line the riskgate process writes
 * to its log (the engine thread's, the Redis watcher's, the adapters', the
 * daemon's own): a UTC timestamp with microseconds, a level, the text.
 *
 *   text  2026-11-01T12:34:56.123456Z WARN  riskgate: KILL instance by riskctl ...
 *   json  {"time":"2026-11-01T12:34:56.123456Z","level":"warn","msg":"riskgate: KILL ..."}
 *
 * The format is process-wide (riskgate --log-format); text is the default.
 * A line is formatted whole and written with one write(2), so lines from
 * different threads never interleave.  Cold path only.
 */
#ifndef RG_LOG_LINE_H
#define RG_LOG_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_LOG_LINE_MAX 512 /* a formatted line, newline included; longer text is cut */

enum rg_log_level {
	RG_LOG_INFO = 0,  /* what happened: started, a request carried out, a kill lifted */
	RG_LOG_WARN = 1,  /* needs an operator's eye: a kill applied, a venue lost, a retry */
	RG_LOG_ERROR = 2, /* something failed: the journal refused a record, a config refused */
};

/* Chooses JSON lines (true) or text (false) for every line from now on. */
void rg_log_set_json(bool json);
bool rg_log_is_json(void);

/* "INFO", "WARN", "ERROR". */
const char *rg_log_level_str(unsigned level);

/* CLOCK_REALTIME now, in ns. */
uint64_t rg_log_now(void);

/* Formats one line stamped real_ns into buf (newline included, NUL
 * terminated) in the current format; returns its length. */
size_t rg_log_format(char *buf, size_t len, uint64_t real_ns, unsigned level, const char *text);

/* Writes one line, stamped now, to fd (retrying short writes). */
void rg_log_fd(int fd, unsigned level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line to stderr. */
#define rg_log(level, ...) rg_log_fd(2, (level), __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* RG_LOG_LINE_H */
