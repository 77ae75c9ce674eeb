/*
 * client_callgrind: what <riskgate/client.h> costs a strategy per order, for
 * instruction counts under valgrind (not a bench/run program: no timing).
 * The engine is engine_lab's (dry-run venue, journal on) with its thread
 * paused, so its passes run here between the strategy's calls.  After a
 * warm-up, N orders go in bursts of 32 (e2e_bench's throughput strategy):
 * built outside the measured calls, submitted by client_submit as MODE says,
 * decided by one engine pass, and read back by client_poll (rg_client_poll,
 * up to 64 reports a call) until the burst's 32 decisions are in.
 *
 *   MODE one:   rg_client_submit, one call an order
 *        ring:  kind set by hand and rg_ring_push_burst_spsc on the client's
 *               order ring (e2e_bench's strategy until rg_client_submit_burst)
 *        burst: rg_client_submit_burst, one call a burst
 *
 *   valgrind --tool=callgrind --toggle-collect=client_submit --toggle-collect=client_poll \
 *       --callgrind-out-file=/tmp/client.cg client_callgrind 20000 burst
 *   callgrind_annotate --inclusive=yes /tmp/client.cg | grep -E 'client_submit|client_poll'
 * Per order: each function's inclusive Ir / N.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_lab.h"
#include "engine_state.h"

enum mode { MODE_ONE, MODE_RING, MODE_BURST };

static uint64_t clock_ns;
static uint64_t polls, reports;

static inline unsigned submit(struct rg_client *c, struct rg_order *batch, unsigned k, enum mode mode)
{
	unsigned n = 0;

	switch (mode) {
	case MODE_ONE:
		while (n < k && rg_client_submit(c, &batch[n]))
			n++;
		break;
	case MODE_RING:
		for (unsigned i = 0; i < k; i++)
			batch[i].kind = RG_ORDER_NEW;
		n = rg_ring_push_burst_spsc(&c->orders, batch, k);
		break;
	case MODE_BURST:
		n = rg_client_submit_burst(c, batch, k);
		break;
	}
	return n;
}

__attribute__((noipa)) static unsigned client_submit(struct rg_client *c, struct rg_order *batch, unsigned k,
						     enum mode mode)
{
	return submit(c, batch, k, mode);
}

__attribute__((noipa)) static unsigned client_poll(struct rg_client *c, struct rg_report *r, unsigned max)
{
	return rg_client_poll(c, r, max);
}

/* One burst of k orders: submitted, decided by one engine pass, read back.
 * Measured: through the noipa functions the recipe collects. */
static int one_burst(struct rgb_engine_lab *lab, unsigned k, enum mode mode, bool measure)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	unsigned got = 0, n;

	for (unsigned i = 0; i < k; i++)
		rgb_engine_lab_order(&batch[i], ++lab->next_id);
	n = measure ? client_submit(&lab->client, batch, k, mode) : submit(&lab->client, batch, k, mode);
	if (n != k)
		return -1;
	rg_engine_poll(lab->engine, clock_ns += 1000);
	for (int spins = 0; got < k && spins < 1000; spins++) {
		n = measure ? client_poll(&lab->client, r, 64) : rg_client_poll(&lab->client, r, 64);
		if (measure) {
			polls++;
			reports += n;
		}
		for (unsigned j = 0; j < n; j++)
			got += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
		if (got < k)
			rg_engine_poll(lab->engine, clock_ns += 1000);
	}
	return got == k ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	const char *m = argc > 2 ? argv[2] : "burst";
	enum mode mode;
	struct rgb_engine_lab lab;
	int rc = 0;

	if (strcmp(m, "one") == 0)
		mode = MODE_ONE;
	else if (strcmp(m, "ring") == 0)
		mode = MODE_RING;
	else if (strcmp(m, "burst") == 0)
		mode = MODE_BURST;
	else
		n = 0;
	if (n == 0 || n % 32 != 0) {
		fprintf(stderr, "usage: client_callgrind [N, a multiple of 32] [one|ring|burst]\n");
		return 2;
	}
	if (rgb_engine_lab_open(&lab, "ccg", 1, "") != 0)
		return 1;
	rgb_engine_lab_pause(&lab);
	clock_ns = rgb_engine_lab_now();
	for (unsigned long done = 0; done < 20000 && rc == 0; done += 32)
		rc = one_burst(&lab, 32, mode, false);
	for (unsigned long done = 0; done < n && rc == 0; done += 32)
		rc = one_burst(&lab, 32, mode, true);
	if (rc != 0)
		fprintf(stderr, "client_callgrind: a submit failed or a decision went missing\n");
	else
		printf("%lu orders in bursts of 32 (%s): %llu reports in %llu polls\n", n, m,
		       (unsigned long long)reports, (unsigned long long)polls);
	rgb_engine_lab_close(&lab);
	return rc == 0 ? 0 : 1;
}
