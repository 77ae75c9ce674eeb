/*
 * engine_callgrind: orders through the real engine's poll loop on the calling
 * thread, for instruction and cache-miss counts under valgrind (not a
 * bench/run program: no timing).  The engine is engine_lab's (dry-run venue,
 * journal on); its own thread is paused, so every pass runs here.  After a
 * warm-up day of orders, N orders are decided BURST at a time (1: one order
 * per pass, as under paced flow; 32: full bursts), each burst by one call of
 * measured_pass, then as many passes with no traffic by idle_pass.  The
 * passes run on a synthetic clock that advances 1 us a pass, so that the
 * engine's 1 ms heartbeat comes as often under valgrind as without it.
 *
 * Paced flow (IDLE > 0): after each measured burst, IDLE idle passes (the
 * engine's path warmer runs in them, every engine.warm_interval_us of the
 * synthetic clock; WARM_US sets it, 0 = off) and, with NEIGHBOR_KIB, a walk
 * over that much memory of its own standing for whatever else shares the
 * core's caches between two orders (other threads, other tenants of the
 * machine), before the next order.  The measured pass then shows which of
 * the order path's lines left the cache meanwhile, and which the warmer kept:
 *   engine_callgrind 2000 1 20000 50 1024 0    (warmer off)
 *   engine_callgrind 2000 1 20000 50 1024 5    (on, every 5 passes)
 * callgrind_annotate --auto=yes shows the misses line by line.
 *
 *   valgrind --tool=callgrind --cache-sim=yes --toggle-collect=measured_pass \
 *       --toggle-collect=idle_pass --callgrind-out-file=/tmp/engine.cg \
 *       engine_callgrind 2000 1
 *   callgrind_annotate --inclusive=yes /tmp/engine.cg | grep -E 'measured_pass|idle_pass'
 * Per decided order: measured_pass's inclusive Ir (or D1mr, DLmr) / N; per
 * idle pass: idle_pass's / N.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine_lab.h"
#include "engine_state.h"

__attribute__((noipa)) static unsigned measured_pass(struct rg_engine *e, uint64_t now)
{
	return rg_engine_poll(e, now);
}

__attribute__((noipa)) static unsigned idle_pass(struct rg_engine *e, uint64_t now)
{
	return rg_engine_poll(e, now);
}

static uint64_t clock_ns;

/* What else shares the caches between two orders: a walk over `kib` KiB,
 * one write a line. */
__attribute__((noipa)) static void neighbor_walk(volatile uint8_t *buf, size_t kib)
{
	for (size_t i = 0; i < kib * 1024; i += 64)
		buf[i]++;
}

/* The engine's clock for the next pass. */
static uint64_t next_now(void)
{
	return clock_ns += 1000;
}

/* k orders into the session's ring, one pass (measured or not), reports read. */
static int one_burst(struct rgb_engine_lab *lab, unsigned k, bool measure, uint64_t *approved)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	unsigned got = 0;

	for (unsigned i = 0; i < k; i++)
		rgb_engine_lab_order(&batch[i], ++lab->next_id);
	if (rg_client_submit_burst(&lab->client, batch, k) != k)
		return -1;
	if (measure)
		measured_pass(lab->engine, next_now());
	else
		rg_engine_poll(lab->engine, next_now());
	for (int spins = 0; got < k && spins < 1000; spins++) {
		unsigned n = rg_client_poll(&lab->client, r, 64);
		for (unsigned j = 0; j < n; j++) {
			got += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
			*approved += r[j].kind == RG_REPORT_ACCEPTED;
		}
		if (got < k)
			rg_engine_poll(lab->engine, next_now());
	}
	return got == k ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	unsigned burst = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
	unsigned long warm = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
	unsigned long idle = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
	size_t neighbor_kib = argc > 5 ? strtoul(argv[5], NULL, 10) : 0;
	long warm_us = argc > 6 ? strtol(argv[6], NULL, 10) : -1;
	uint8_t *neighbor = neighbor_kib != 0 ? calloc(neighbor_kib, 1024) : NULL;
	struct rgb_engine_lab lab;
	uint64_t approved = 0, warm_approved = 0;

	if (burst == 0 || burst > 32 || n % burst != 0) {
		fprintf(stderr, "usage: engine_callgrind [N] [BURST 1..32, dividing N] [WARMUP] [IDLE] [NEIGHBOR_KIB] "
				"[WARM_US]\n");
		return 2;
	}
	if (neighbor_kib != 0 && neighbor == NULL)
		return 1;
	if (rgb_engine_lab_open(&lab, "cg", 1, "") != 0)
		return 1;
	rgb_engine_lab_pause(&lab);
	clock_ns = rgb_engine_lab_now();
	if (warm_us >= 0)
		rg_path_warmer_set_interval(&lab.engine->warm, (uint64_t)warm_us * 1000u, clock_ns);
	for (unsigned long done = 0; done < warm; done += 32)
		if (one_burst(&lab, 32, false, &warm_approved) != 0) {
			fprintf(stderr, "engine_callgrind: a warm-up decision went missing\n");
			goto fail;
		}
	for (unsigned long done = 0; done < n; done += burst) {
		if (one_burst(&lab, burst, true, &approved) != 0) {
			fprintf(stderr, "engine_callgrind: a decision went missing\n");
			goto fail;
		}
		for (unsigned long i = 0; i < idle; i++) {
			idle_pass(lab.engine, next_now());
			if (neighbor != NULL && i == idle / 2)
				neighbor_walk(neighbor, neighbor_kib);
		}
	}
	for (unsigned long i = 0; i < n; i++)
		idle_pass(lab.engine, next_now());
	printf("decided %lu orders %u per pass (approved %llu) after %lu warm-up orders; %lu idle passes\n", n, burst,
	       (unsigned long long)approved, warm, n);
	rgb_engine_lab_close(&lab);
	free(neighbor);
	return approved == n ? 0 : 1;
fail:
	rgb_engine_lab_close(&lab);
	free(neighbor);
	return 1;
}
