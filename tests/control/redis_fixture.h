/*
 * A real redis-server for a test: started on a free loopback port with its
 * own temporary directory and no persistence, stopped with SIGKILL (as a
 * crash would), restartable on the same port.  A machine without
 * redis-server makes the test exit 77 (skipped); tools/deps.sh installs it.
 */
#ifndef RG_TEST_REDIS_FIXTURE_H
#define RG_TEST_REDIS_FIXTURE_H

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kill_fixture.h"

struct rg_redis_server {
	pid_t pid;
	int port;
	char dir[64];
	char password[64];  /* "" = none */
};

static inline bool rg_redis_available(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

static inline int rg_redis_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* A connection as a test client (authenticated when the server has a password). */
static inline redisContext *rg_redis_client(const struct rg_redis_server *s)
{
	struct timeval tv = {2, 0};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
	redisReply *r;

	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	if (s->password[0] != '\0') {
		r = redisCommand(c, "AUTH %s", s->password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
			return NULL;
		}
		freeReplyObject(r);
	}
	return c;
}

static inline bool rg_redis_pings(void *arg)
{
	redisContext *c = rg_redis_client((const struct rg_redis_server *)arg);
	redisReply *r = c != NULL ? redisCommand(c, "PING") : NULL;
	bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;

	if (r != NULL)
		freeReplyObject(r);
	if (c != NULL)
		redisFree(c);
	return ok;
}

/* Runs redis-server on s->port (picks one when 0).  0 when it answers PING. */
static inline int rg_redis_start(struct rg_redis_server *s)
{
	char port[16], log[128];

	if (s->port == 0)
		s->port = rg_redis_free_port();
	if (s->dir[0] == '\0') {
		snprintf(s->dir, sizeof(s->dir), "/tmp/rg_redis_XXXXXX");
		if (mkdtemp(s->dir) == NULL)
			return -1;
	}
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(log, sizeof(log), "%s/redis.log", s->dir);
	s->pid = fork();
	if (s->pid == 0) {
		if (s->password[0] != '\0')
			execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s->dir,
			       "--save", "", "--appendonly", "no", "--logfile", log, "--requirepass", s->password, (char *)NULL);
		else
			execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s->dir,
			       "--save", "", "--appendonly", "no", "--logfile", log, (char *)NULL);
		_exit(127);
	}
	if (s->pid < 0 || !rg_test_wait(rg_redis_pings, s)) {
		fprintf(stderr, "redis-server on port %d did not start (log: %s)\n", s->port, log);
		return -1;
	}
	return 0;
}

/* Kills the server as a crash would (SIGKILL) and reaps it. */
static inline void rg_redis_kill(struct rg_redis_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* Stops it and removes its directory. */
static inline void rg_redis_stop(struct rg_redis_server *s)
{
	char cmd[128];

	rg_redis_kill(s);
	if (s->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", s->dir);
	}
	s->dir[0] = '\0';
}

/* Runs one command as a test client; true when Redis answered without error. */
static inline bool rg_redis_do(const struct rg_redis_server *s, const char *fmt, const char *a, const char *b)
{
	redisContext *c = rg_redis_client(s);
	redisReply *r = c != NULL ? redisCommand(c, fmt, a, b) : NULL;
	bool ok = r != NULL && r->type != REDIS_REPLY_ERROR;

	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		fprintf(stderr, "redis: %s\n", r->str);
	if (r != NULL)
		freeReplyObject(r);
	if (c != NULL)
		redisFree(c);
	return ok;
}

#endif /* RG_TEST_REDIS_FIXTURE_H */
