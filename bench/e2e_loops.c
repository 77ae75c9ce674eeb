/*
 * End-to-end loops (e2e_loops.h).  The engine is the real runtime
 * (rg_engine_open / rg_engine_poll) configured from JSON like the daemon;
 * its venue is a dry-run sim venue, so an approved order is decided,
 * reserved, answered and released without waiting on a venue.  What is timed
 * is the strategy's view: from rg_client_submit to the ACCEPTED report, which
 * is two ring hops (order ring, report ring) and the full check pipeline.
 */
#include "e2e_loops.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <riskgate/client.h>

#include "config.h"
#include "engine.h"
#include "timing.h"

struct rgb_e2e {
	struct rg_config cfg;
	struct rg_engine *engine;
	struct rg_client client;
	pthread_t thread;
	int engine_cpu;
	int running;  /* engine thread loops while set */
	uint64_t next_id;
	char instance[32];
	char journal_parent[64], journal_dir[80]; /* the engine journals here; removed at destroy */
};

/* Removes the run's journal files and their directories. */
static void remove_journal(const struct rgb_e2e *e)
{
	DIR *d = opendir(e->journal_dir);
	struct dirent *de;
	char path[400];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", e->journal_dir, de->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(e->journal_dir);
	rmdir(e->journal_parent);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *engine_thread(void *arg)
{
	struct rgb_e2e *e = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(e->engine_cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (__atomic_load_n(&e->running, __ATOMIC_ACQUIRE))
		rg_engine_poll(e->engine, mono_ns());
	return NULL;
}

struct rgb_e2e *rgb_e2e_create(int engine_cpu)
{
	static const char *fmt =
		"{ \"instance\": \"%s\", \"engine\": {\"core\": %d, \"idle_policy\": \"spin\"},"
		"  \"journal\": {\"dir\": \"%s\"},"
		"  \"reference_price_max_age_ms\": 0,"
		"  \"venues\": [ {\"name\": \"%s\", \"adapter\": \"sim\", \"dry_run\": true} ],"
		"  \"symbols\": [ {\"name\": \"AAPL\", \"venue\": \"%s\", \"tick\": \"0.01\", \"lot\": \"1\","
		"                  \"max_qty\": \"100000\", \"max_price\": \"10000\", \"collar_bps\": 1000,"
		"                  \"max_notional\": \"10000000\", \"max_position_qty\": \"1000000\","
		"                  \"reference_price\": \"190.00\"} ],"
		"  \"accounts\": [ {\"name\": \"A\", \"equity\": \"100000000\", \"max_position_pct_equity\": 50,"
		"                   \"max_gross_pct_equity\": 200} ],"
		"  \"strategies\": [ {\"name\": \"bench\", \"account\": \"A\", \"order_ring\": 4096,"
		"                     \"report_ring\": 8192} ] }";
	struct rgb_e2e *e = calloc(1, sizeof(*e));
	struct rg_config_error cerr;
	char json[2048], venue[32], err[512];

	if (e == NULL)
		return NULL;
	snprintf(e->instance, sizeof(e->instance), "e2e%d", (int)getpid());
	snprintf(venue, sizeof(venue), "V%d", (int)getpid());
	snprintf(e->journal_parent, sizeof(e->journal_parent), "/tmp/rg-e2e-%d", (int)getpid());
	snprintf(e->journal_dir, sizeof(e->journal_dir), "%s/journal", e->journal_parent);
	snprintf(json, sizeof(json), fmt, e->instance, engine_cpu, e->journal_dir, venue, venue);
	if (rg_config_load_string(&e->cfg, json, &cerr) != 0) {
		fprintf(stderr, "e2e: config %s: %s\n", cerr.path, cerr.message);
		free(e);
		return NULL;
	}
	if (rg_engine_open(&e->engine, &e->cfg, NULL, mono_ns(), err, sizeof(err)) != 0) {
		fprintf(stderr, "e2e: %s\n", err);
		rg_config_free(&e->cfg);
		free(e);
		return NULL;
	}
	if (rg_client_open(&e->client, e->instance, "bench", err, sizeof(err)) != 0) {
		fprintf(stderr, "e2e: %s\n", err);
		rg_engine_close(e->engine);
		rg_config_free(&e->cfg);
		free(e);
		return NULL;
	}
	e->engine_cpu = engine_cpu;
	rgb_e2e_resume(e);
	return e;
}

void rgb_e2e_pause(struct rgb_e2e *e)
{
	if (!__atomic_load_n(&e->running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&e->running, 0, __ATOMIC_RELEASE);
	pthread_join(e->thread, NULL);
}

void rgb_e2e_resume(struct rgb_e2e *e)
{
	__atomic_store_n(&e->running, 1, __ATOMIC_RELEASE);
	pthread_create(&e->thread, NULL, engine_thread, e);
}

void rgb_e2e_destroy(struct rgb_e2e *e)
{
	if (e == NULL)
		return;
	rgb_e2e_pause(e);
	rg_client_close(&e->client);
	rg_engine_close(e->engine);
	remove_journal(e);
	rg_config_free(&e->cfg);
	free(e);
}

uint64_t rgb_e2e_idle_passes(struct rgb_e2e *e, uint64_t n)
{
	uint64_t t0 = rgb_ticks();

	for (uint64_t i = 0; i < n; i++)
		rg_engine_poll(e->engine, mono_ns());
	return rgb_ticks() - t0;
}

uint64_t rgb_e2e_clock_reads(uint64_t n)
{
	uint64_t t0 = rgb_ticks(), sink = 0;

	for (uint64_t i = 0; i < n; i++)
		sink += mono_ns();
	__asm__ volatile("" : : "r"(sink));
	return rgb_ticks() - t0;
}

static void make_order(struct rg_order *o, uint64_t id)
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

uint64_t rgb_e2e_latency(struct rgb_e2e *e, uint32_t n, uint32_t *lat)
{
	struct rg_report r[8];
	uint64_t bad = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct rg_order o;
		uint64_t id = ++e->next_id, t0;
		bool decided = false;

		make_order(&o, id);
		t0 = rgb_ticks();
		while (!rg_client_submit(&e->client, &o))
			;
		while (!decided) {
			unsigned k = rg_client_poll(&e->client, r, 8);
			for (unsigned j = 0; j < k; j++) {
				if (r[j].client_order_id != id)
					continue;
				lat[i] = (uint32_t)(rgb_ticks() - t0);
				decided = true;
				bad += r[j].kind != RG_REPORT_ACCEPTED;
			}
		}
	}
	return bad;
}

uint64_t rgb_e2e_throughput(struct rgb_e2e *e, uint64_t n)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	uint64_t sent = 0, decided = 0, iter = 0, t0 = rgb_ticks(), guard = mono_ns() + 10000000000ull;

	while (decided < n) {
		if (sent < n && sent - decided < 2048) {
			unsigned want = n - sent < 32 ? (unsigned)(n - sent) : 32;
			for (unsigned i = 0; i < want; i++)
				make_order(&batch[i], ++e->next_id);
			/* the client's submit is one message at a time; push the burst
			 * directly through the order ring the client owns */
			for (unsigned i = 0; i < want; i++)
				batch[i].kind = RG_ORDER_NEW;
			unsigned pushed = rg_ring_push_burst_spsc(&e->client.orders, batch, want);
			e->next_id -= want - pushed;
			sent += pushed;
		}
		unsigned k = rg_client_poll(&e->client, r, 64);
		for (unsigned j = 0; j < k; j++)
			decided += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
		if ((++iter & 0xffff) == 0 && mono_ns() > guard)
			return 0;
	}
	return rgb_ticks() - t0;
}
