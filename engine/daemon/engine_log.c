/*
 * The engine's log (engine_log.h): a single-producer, single-consumer ring
 * of fixed-size lines.  The engine thread formats into the slot at head and
 * publishes it with a release store; the logger thread writes slots out up to
 * head, then publishes tail.  The logger naps a millisecond when there is
 * nothing to write, so a line reaches the log within about that.
 */
#include "engine_log.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOGGER_NAP_NS 1000000L

void rg_engine_log_init(struct rg_engine_log *l, int fd)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
}

/* Whole line or as much as the sink takes; a log that cannot be written is
 * not worth stopping for. */
static void write_line(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void write_slot(const struct rg_engine_log *l, const struct rg_engine_log_slot *slot)
{
	char line[RG_ENGINE_LOG_LINE_MAX + 160];
	size_t n = rg_log_format(line, sizeof(line), slot->real_ns, slot->level, slot->text);

	write_line(__atomic_load_n(&l->fd, __ATOMIC_RELAXED), line, n);
}

/* Writes out every published line; returns how many. */
static unsigned drain(struct rg_engine_log *l, uint64_t *lost_told)
{
	uint64_t t = __atomic_load_n(&l->tail, __ATOMIC_RELAXED);
	uint64_t h = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE);
	uint64_t lost = __atomic_load_n(&l->lost, __ATOMIC_RELAXED);
	unsigned n = 0;

	for (; t != h; t++, n++) {
		write_slot(l, &l->lines[t & (RG_ENGINE_LOG_LINES - 1)]);
		__atomic_store_n(&l->tail, t + 1, __ATOMIC_RELEASE);
	}
	if (lost != *lost_told) {
		rg_log_fd(__atomic_load_n(&l->fd, __ATOMIC_RELAXED), RG_LOG_WARN,
			  "riskgate: %llu log line(s) lost: the log could not keep up",
			  (unsigned long long)(lost - *lost_told));
		*lost_told = lost;
	}
	return n;
}

static void *logger_main(void *arg)
{
	struct rg_engine_log *l = arg;
	uint64_t lost_told = 0;
	struct timespec nap = {0, LOGGER_NAP_NS};

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE))
		if (drain(l, &lost_told) == 0)
			nanosleep(&nap, NULL);
	drain(l, &lost_told);
	return NULL;
}

int rg_engine_log_start(struct rg_engine_log *l, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	if (l->running)
		return 0;
	pthread_attr_init(&attr);
	if (cpu >= 0 && cpu < CPU_SETSIZE && sysconf(_SC_NPROCESSORS_ONLN) > cpu) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	__atomic_store_n(&l->stop, 0, __ATOMIC_RELAXED);
	rc = pthread_create(&l->thread, &attr, logger_main, l);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -rc;
	l->running = 1;
	return 0;
}

void rg_engine_log_stop(struct rg_engine_log *l)
{
	if (!l->running)
		return;
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	pthread_join(l->thread, NULL);
	l->running = 0;
}

void rg_engine_log_at(struct rg_engine_log *l, unsigned level, const char *fmt, ...)
{
	uint64_t h = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
	struct rg_engine_log_slot direct;
	struct rg_engine_log_slot *slot = &direct;
	va_list ap;

	if (l->running) {
		if (h - __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE) >= RG_ENGINE_LOG_LINES) {
			__atomic_store_n(&l->lost, __atomic_load_n(&l->lost, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
			return;
		}
		slot = &l->lines[h & (RG_ENGINE_LOG_LINES - 1)];
	}
	slot->real_ns = rg_log_now();
	slot->level = level;
	va_start(ap, fmt);
	vsnprintf(slot->text, sizeof(slot->text), fmt, ap);
	va_end(ap);
	if (l->running)
		__atomic_store_n(&l->head, h + 1, __ATOMIC_RELEASE);
	else
		write_slot(l, slot);
}
