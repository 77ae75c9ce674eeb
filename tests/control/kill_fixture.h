/*
 * Shared by the tests of engine/control: a unique instance per test (so
 * parallel CTest runs never share a kill segment), waiting for a condition
 * without asserting how long it took, and a config with the names the Redis
 * keys and the roster come from.
 */
#ifndef RG_TEST_KILL_FIXTURE_H
#define RG_TEST_KILL_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kill_segment.h"

/* Generous: a loaded CI machine must not fail a test by being slow. */
#define RG_TEST_WAIT_MS 20000

static inline void rg_test_instance(char *buf, size_t len, const char *tag)
{
	static unsigned n;

	snprintf(buf, len, "%s%d_%u", tag, (int)getpid(), n++);
}

static inline void rg_test_sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static inline uint64_t rg_test_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Polls cond(arg) every millisecond until it holds or RG_TEST_WAIT_MS passes. */
static inline bool rg_test_wait(bool (*cond)(void *), void *arg)
{
	uint64_t end = rg_test_mono_ns() + (uint64_t)RG_TEST_WAIT_MS * 1000000u;

	while (!cond(arg)) {
		if (rg_test_mono_ns() > end)
			return cond(arg);
		rg_test_sleep_ms(1);
	}
	return true;
}

/* Loads a small config for `instance`: accounts A1 A2, strategies s1 s2,
 * venue V, symbols AAA BBB, plus `extra` top-level keys (e.g. a redis
 * object, ending with a comma).  0 or the loader's error, printed. */
static inline int rg_test_config(struct rg_config *cfg, const char *instance, const char *extra)
{
	char json[4096];
	struct rg_config_error err;
	int rc;

	snprintf(json, sizeof(json),
		 "{ \"instance\": \"%s\", %s"
		 "  \"venues\": [ {\"name\": \"V\", \"adapter\": \"sim\"} ],"
		 "  \"symbols\": [ {\"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"0.01\", \"lot\": \"1\","
		 "                  \"max_qty\": \"1000\", \"max_price\": \"1000\"},"
		 "                 {\"name\": \"BBB\", \"venue\": \"V\", \"tick\": \"0.01\", \"lot\": \"1\","
		 "                  \"max_qty\": \"1000\", \"max_price\": \"1000\"} ],"
		 "  \"accounts\": [ {\"name\": \"A1\", \"equity\": \"100000\"}, {\"name\": \"A2\", \"equity\": \"100000\"} ],"
		 "  \"strategies\": [ {\"name\": \"s1\", \"account\": \"A1\"}, {\"name\": \"s2\", \"account\": \"A2\"} ] }",
		 instance, extra);
	rc = rg_config_load_string(cfg, json, &err);
	if (rc != 0)
		fprintf(stderr, "test config: %s: %s\n", err.path, err.message);
	return rc;
}

/* Operators: the caller's group, the default mode. */
static inline struct rg_operators_cfg rg_test_ops(void)
{
	struct rg_operators_cfg ops = {(gid_t)-1, 0660};

	return ops;
}

#endif /* RG_TEST_KILL_FIXTURE_H */
