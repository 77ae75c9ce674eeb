/*
 * End-to-end loops (e2e_loops.h).  The engine is the real runtime
 * (rg_engine_open / rg_engine_poll) configured from JSON like the daemon;
 * its venue is a dry-run sim venue, so an approved order is decided,
 * reserved, answered and released without waiting on a venue.  What is timed
 * is the strategy's view: from rg_client_submit to the ACCEPTED report, which
 * is two ring hops (order ring, report ring) and the full check pipeline.
 */
#include "e2e_loops.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine_lab.h"
#include "timing.h"
#include "tsc_clock.h"

struct rgb_e2e {
	struct rgb_engine_lab lab;
};

struct rgb_e2e *rgb_e2e_create(int engine_cpu)
{
	return rgb_e2e_create_idle(engine_cpu, "spin");
}

struct rgb_e2e *rgb_e2e_create_idle(int engine_cpu, const char *idle_policy)
{
	struct rgb_e2e *e = rgb_lab_zalloc(sizeof(*e));

	if (e == NULL || rgb_engine_lab_open_idle(&e->lab, "e2e", engine_cpu, "", idle_policy) != 0) {
		free(e);
		return NULL;
	}
	return e;
}

const char *rgb_e2e_instance(const struct rgb_e2e *e)
{
	return e->lab.instance;
}

void rgb_e2e_pause(struct rgb_e2e *e)
{
	rgb_engine_lab_pause(&e->lab);
}

void rgb_e2e_resume(struct rgb_e2e *e)
{
	rgb_engine_lab_resume(&e->lab);
}

void rgb_e2e_destroy(struct rgb_e2e *e)
{
	if (e == NULL)
		return;
	rgb_engine_lab_close(&e->lab);
	free(e);
}

uint64_t rgb_e2e_idle_passes(struct rgb_e2e *e, uint64_t n)
{
	struct rg_pass_clock clock;
	uint64_t t0;

	rg_pass_clock_init(&clock, true);
	t0 = rgb_ticks();
	for (uint64_t i = 0; i < n; i++)
		rg_engine_poll(e->lab.engine, rg_pass_clock_next(&clock, false)); /* as the engine loop's idle passes */
	return rgb_ticks() - t0;
}

uint64_t rgb_e2e_clock_reads(uint64_t n, bool tsc)
{
	struct rg_pass_clock clock;
	uint64_t t0, sink = 0;

	rg_pass_clock_init(&clock, tsc);
	t0 = rgb_ticks();
	for (uint64_t i = 0; i < n; i++)
		sink += rg_pass_clock_now(&clock);
	__asm__ volatile("" : : "r"(sink));
	return rgb_ticks() - t0;
}

uint64_t rgb_e2e_latency(struct rgb_e2e *e, uint32_t n, uint32_t *lat)
{
	struct rg_report r[8];
	uint64_t bad = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct rg_order o;
		uint64_t id = ++e->lab.next_id, t0;
		bool decided = false;

		rgb_engine_lab_order(&o, id);
		t0 = rgb_ticks();
		while (!rg_client_submit(&e->lab.client, &o))
			;
		while (!decided) {
			unsigned k = rg_client_poll(&e->lab.client, r, 8);
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

uint64_t rgb_e2e_wakeup(struct rgb_e2e *e, uint32_t n, uint32_t gap_us, uint32_t *lat)
{
	uint64_t bad = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct timespec gap = {0, (long)gap_us * 1000};
		nanosleep(&gap, NULL);
		bad += rgb_e2e_latency(e, 1, &lat[i]);
	}
	return bad;
}

uint64_t rgb_e2e_engine_cpu_ns(struct rgb_e2e *e)
{
	clockid_t id;
	struct timespec ts;

	if (pthread_getcpuclockid(e->lab.thread, &id) != 0 || clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Polls a strategy with nothing to do makes before it yields its core. */
#define TPUT_SPINS 64

/*
 * The strategy shares core 0 with the journal writer, as a strategy on a
 * two-core deployment does.  When it can neither submit (its window is
 * full) nor read a report, it spins briefly and then yields, so the writer
 * gets the core instead of the scheduler splitting it between the writer
 * and a strategy that only waits.
 */
static uint64_t clock_cpu_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rgb_e2e_throughput(struct rgb_e2e *e, uint64_t n, uint64_t *rejected, struct rgb_tput_cpu *cpu)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	uint64_t sent = 0, decided = 0, iter = 0, t0 = rgb_ticks(), guard = rgb_engine_lab_now() + 10000000000ull;
	unsigned idle = 0;
	uint64_t self0 = clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID), proc0 = clock_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t engine0 = rgb_e2e_engine_cpu_ns(e);

	while (decided < n) {
		bool progress = false;

		if (sent < n && sent - decided < 2048) {
			unsigned want = n - sent < 32 ? (unsigned)(n - sent) : 32;
			for (unsigned i = 0; i < want; i++)
				rgb_engine_lab_order(&batch[i], ++e->lab.next_id);
			/* the client's submit is one message at a time; push the burst
			 * directly through the order ring the client owns */
			for (unsigned i = 0; i < want; i++)
				batch[i].kind = RG_ORDER_NEW;
			unsigned pushed = rg_ring_push_burst_spsc(&e->lab.client.orders, batch, want);
			e->lab.next_id -= want - pushed;
			sent += pushed;
			progress = pushed != 0;
		}
		unsigned k = rg_client_poll(&e->lab.client, r, 64);
		if (k != 0 || progress)
			idle = 0;
		else if (++idle >= TPUT_SPINS) {
			sched_yield();
			idle = 0;
		}
		for (unsigned j = 0; j < k; j++) {
			decided += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
			if (r[j].kind == RG_REPORT_REJECTED && (*rejected)++ == 0)
				fprintf(stderr, "e2e throughput: an order was refused %s\n", rg_reject_str(r[j].reason));
		}
		if ((++iter & 0xffff) == 0 && rgb_engine_lab_now() > guard)
			return 0;
	}
	uint64_t ticks = rgb_ticks() - t0;
	uint64_t self = clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - self0, proc = clock_cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0;
	uint64_t engine = rgb_e2e_engine_cpu_ns(e) - engine0;
	cpu->strategy_ns = self;
	cpu->journal_ns = proc > self + engine ? proc - self - engine : 0;
	/* A writer that fell behind still holds a backlog: let it write
	 * everything, so that what follows (another trial, the latency blocks)
	 * does not meet AUDIT_BACKPRESSURE left over from this flood. */
	while (!rgb_engine_lab_journal_caught_up(&e->lab)) {
		if (rgb_engine_lab_now() > guard)
			return 0;
		sched_yield();
	}
	return ticks;
}
