/*
 * The exporter and its scraper for e2e_bench (exporter_scrape.h).  The
 * scraper speaks plain HTTP/1.0 over a loopback socket: connect, one GET,
 * read to the end, close, as Prometheus does once per scrape interval.
 */
#include "exporter_scrape.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct rgb_scrape {
	pid_t pid;
	uint16_t port;
	int cpu;
	unsigned interval_ms;
	int on;       /* atomic */
	int stop;     /* atomic */
	uint64_t done, failed; /* atomic */
	pthread_t thread;
};

static int scrape_once(uint16_t port)
{
	static char buf[1 << 16];
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in a;
	ssize_t n;
	size_t total = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + (total < 64 ? total : 64), sizeof(buf) - 65)) > 0)
		total += (size_t)n;
	close(fd);
	ok = total > 1000 && strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 9, "200", 3) == 0;
	return ok ? 0 : -1;
}

static void *scraper(void *arg)
{
	struct rgb_scrape *s = arg;
	struct timespec nap = {(time_t)(s->interval_ms / 1000), (long)(s->interval_ms % 1000) * 1000000L};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&s->on, __ATOMIC_ACQUIRE)) {
			if (scrape_once(s->port) == 0)
				__atomic_add_fetch(&s->done, 1, __ATOMIC_RELAXED);
			else
				__atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED);
		}
		nanosleep(&nap, NULL);
	}
	return NULL;
}

struct rgb_scrape *rgb_scrape_start(const char *exporter, const char *instance, int cpu, unsigned interval_ms)
{
	struct rgb_scrape *s = calloc(1, sizeof(*s));
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)exporter, (char *)"--instance", (char *)instance, (char *)"--listen",
			(char *)"127.0.0.1:0", NULL};
	char line[256];
	int out[2];
	FILE *f;
	cpu_set_t set;

	if (s == NULL || pipe(out) != 0) {
		free(s);
		return NULL;
	}
	s->cpu = cpu;
	s->interval_ms = interval_ms;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	if (posix_spawn(&s->pid, exporter, &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "e2e_bench: cannot start %s: %s\n", exporter, strerror(errno));
		posix_spawn_file_actions_destroy(&fa);
		close(out[0]);
		close(out[1]);
		free(s);
		return NULL;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(s->pid, sizeof(set), &set); /* its server thread is created later and inherits it */
	f = fdopen(out[0], "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, "http://127.0.0.1:");
		if (p != NULL) {
			s->port = (uint16_t)atoi(p + strlen("http://127.0.0.1:"));
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	if (s->port == 0) {
		fprintf(stderr, "e2e_bench: the exporter did not say its port\n");
		rgb_scrape_stop(s);
		return NULL;
	}
	pthread_create(&s->thread, NULL, scraper, s);
	return s;
}

void rgb_scrape_set(struct rgb_scrape *s, bool on)
{
	__atomic_store_n(&s->on, on ? 1 : 0, __ATOMIC_RELEASE);
}

uint64_t rgb_scrape_done(const struct rgb_scrape *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_RELAXED);
}

uint64_t rgb_scrape_failed(const struct rgb_scrape *s)
{
	return __atomic_load_n(&s->failed, __ATOMIC_RELAXED);
}

void rgb_scrape_stop(struct rgb_scrape *s)
{
	if (s == NULL)
		return;
	if (s->port != 0) {
		__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
		pthread_join(s->thread, NULL);
	}
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	free(s);
}
