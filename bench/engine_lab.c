/*
 * The benchmarks' engine (engine_lab.h): the daemon's runtime
 * (rg_engine_open / rg_engine_poll) on a thread of its own, and a strategy
 * session on it.  Everything here is setup and teardown; the timed loops are
 * the callers'.
 */
#include "engine_lab.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engine_state.h"
#include "idle.h"

uint64_t rgb_engine_lab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool rgb_engine_lab_journal_caught_up(const struct rgb_engine_lab *lab)
{
	const struct rg_journal *j = &lab->engine->journal;

	return rg_journal_written(j) >= rg_journal_next_seq(j);
}

/* Removes the run's journal files and their directories. */
static void remove_journal(const struct rgb_engine_lab *lab)
{
	DIR *d = opendir(lab->journal_dir);
	struct dirent *de;
	char path[400];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", lab->journal_dir, de->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(lab->journal_dir);
	unlink(lab->log_path);
	rmdir(lab->journal_parent);
}

static void *engine_thread(void *arg)
{
	struct rgb_engine_lab *lab = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(lab->engine_cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	struct rg_pass_clock clock;

	rg_pass_clock_init(&clock, true); /* as the daemon's loop (engine/daemon/main.c) */
	uint64_t now = rg_pass_clock_next(&clock, true);
	while (__atomic_load_n(&lab->running, __ATOMIC_ACQUIRE))
		rg_engine_turn(lab->engine, &clock, &now);
	return NULL;
}

int rgb_engine_lab_open(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json)
{
	return rgb_engine_lab_open_with(lab, prefix, engine_cpu, extra_json, "spin", "\"dry_run\": true", "");
}

int rgb_engine_lab_open_idle(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			     const char *idle_policy)
{
	return rgb_engine_lab_open_with(lab, prefix, engine_cpu, extra_json, idle_policy, "\"dry_run\": true", "");
}

int rgb_engine_lab_open_venue(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			      const char *venue_json, const char *strategy_json)
{
	return rgb_engine_lab_open_with(lab, prefix, engine_cpu, extra_json, "spin", venue_json, strategy_json);
}

int rgb_engine_lab_open_with(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			     const char *idle_policy, const char *venue_json, const char *strategy_json)
{
	static const char *fmt =
		"{ \"instance\": \"%s\", \"engine\": {\"core\": %d, \"idle_policy\": \"%s\"},"
		"  \"journal\": {\"dir\": \"%s\"}, %s"
		"  \"reference_price_max_age_ms\": 0,"
		"  \"venues\": [ {\"name\": \"%s\", \"adapter\": \"sim\", %s} ],"
		"  \"symbols\": [ {\"name\": \"AAPL\", \"venue\": \"%s\", \"tick\": \"0.01\", \"lot\": \"1\","
		"                  \"max_qty\": \"100000\", \"max_price\": \"10000\", \"collar_bps\": 1000,"
		"                  \"max_notional\": \"10000000\", \"max_position_qty\": \"1000000\","
		"                  \"reference_price\": \"190.00\"} ],"
		"  \"accounts\": [ {\"name\": \"A\", \"equity\": \"100000000\", \"max_position_pct_equity\": 50,"
		"                   \"max_gross_pct_equity\": 200} ],"
		"  \"strategies\": [ {\"name\": \"bench\", \"account\": \"A\", \"order_ring\": 4096,"
		"                     %s \"report_ring\": 8192} ] }";
	struct rg_config_error cerr;
	char json[4096], venue[32], err[512];
	int n;

	memset(lab, 0, sizeof(*lab));
	lab->log_fd = -1;
	snprintf(lab->instance, sizeof(lab->instance), "%s%d", prefix, (int)getpid());
	snprintf(venue, sizeof(venue), "V%s%d", prefix, (int)getpid());
	snprintf(lab->journal_parent, sizeof(lab->journal_parent), "/tmp/rg-%s-%d", prefix, (int)getpid());
	snprintf(lab->journal_dir, sizeof(lab->journal_dir), "%s/journal", lab->journal_parent);
	n = snprintf(json, sizeof(json), fmt, lab->instance, engine_cpu, idle_policy, lab->journal_dir, extra_json, venue,
		     venue_json, venue, strategy_json);
	if (n < 0 || (size_t)n >= sizeof(json)) {
		fprintf(stderr, "%s: config too long\n", prefix);
		return -1;
	}
	if (rg_config_load_string(&lab->cfg, json, &cerr) != 0) {
		fprintf(stderr, "%s: config %s: %s\n", prefix, cerr.path, cerr.message);
		return -1;
	}
	if (rg_engine_open(&lab->engine, &lab->cfg, NULL, rgb_engine_lab_now(), err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prefix, err);
		rg_config_free(&lab->cfg);
		return -1;
	}
	if (rg_client_open(&lab->client, lab->instance, "bench", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prefix, err);
		rg_engine_close(lab->engine);
		remove_journal(lab);
		rg_config_free(&lab->cfg);
		return -1;
	}
	snprintf(lab->log_path, sizeof(lab->log_path), "%s/engine.log", lab->journal_parent);
	lab->log_fd = open(lab->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (lab->log_fd >= 0)
		rg_engine_set_log_fd(lab->engine, lab->log_fd);
	lab->engine_cpu = engine_cpu;
	rgb_engine_lab_resume(lab);
	return 0;
}

int rgb_engine_lab_restart(struct rgb_engine_lab *lab, uint64_t *records, uint64_t *open_ns)
{
	char err[512];
	uint64_t t0;

	rgb_engine_lab_pause(lab);
	rg_client_close(&lab->client);
	rg_engine_begin_drain(lab->engine, rgb_engine_lab_now());
	while (!rg_engine_drained(lab->engine, rgb_engine_lab_now()))
		rg_engine_poll(lab->engine, rgb_engine_lab_now());
	*records = rg_journal_next_seq(&lab->engine->journal) - 1;
	rg_engine_close(lab->engine);
	lab->engine = NULL;
	t0 = rgb_engine_lab_now();
	if (rg_engine_open(&lab->engine, &lab->cfg, NULL, t0, err, sizeof(err)) != 0) {
		fprintf(stderr, "restart: %s\n", err);
		return -1;
	}
	*open_ns = rgb_engine_lab_now() - t0;
	if (lab->log_fd >= 0)
		rg_engine_set_log_fd(lab->engine, lab->log_fd);
	if (rg_client_open(&lab->client, lab->instance, "bench", err, sizeof(err)) != 0) {
		fprintf(stderr, "restart: %s\n", err);
		return -1;
	}
	rgb_engine_lab_resume(lab);
	return 0;
}

void rgb_engine_lab_pause(struct rgb_engine_lab *lab)
{
	if (!__atomic_load_n(&lab->running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&lab->running, 0, __ATOMIC_RELEASE);
	pthread_join(lab->thread, NULL);
}

void rgb_engine_lab_resume(struct rgb_engine_lab *lab)
{
	__atomic_store_n(&lab->running, 1, __ATOMIC_RELEASE);
	pthread_create(&lab->thread, NULL, engine_thread, lab);
}

void rgb_engine_lab_close(struct rgb_engine_lab *lab)
{
	rgb_engine_lab_pause(lab);
	rg_client_close(&lab->client);
	rg_engine_close(lab->engine);
	if (lab->log_fd >= 0)
		close(lab->log_fd);
	remove_journal(lab);
	/* What outlives an engine by design (its kill segment, its lock) goes
	 * too: each lab's instance is used once. */
	for (unsigned i = 0; i < 2; i++) {
		char name[RG_SEG_NAME_MAX];
		snprintf(name, sizeof(name), RG_SEG_PREFIX "%s.%s", lab->instance, i == 0 ? "kill" : "lock");
		shm_unlink(name);
	}
	rg_config_free(&lab->cfg);
}

void rgb_engine_lab_order(struct rg_order *o, uint64_t id)
{
	memset(o, 0, sizeof(*o));
	o->client_order_id = id;
	o->symbol_id = 0;
	o->side = id & 1 ? RG_SIDE_SELL : RG_SIDE_BUY;
	o->type = RG_TYPE_LIMIT;
	o->tif = RG_TIF_IOC;
	o->qty_e8 = RG_QTY_SCALE;
	o->price_e8 = 19000000000LL;
}

void *rgb_lab_zalloc(size_t size)
{
	size_t n = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}
