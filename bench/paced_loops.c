/*
 * Paced flow against the real engine (paced_loops.h).  The engine is the
 * daemon's runtime (bench/engine_lab.h) with a live sim venue: approved
 * orders go to the venue, are acked and filled or cancelled (IOC), and
 * non-marketable DAY orders rest on its book, so the engine carries open
 * orders, routes and a journal that has moved on, as on a trading day.  A
 * strategy then sends one order at a time at a fixed rate; what is read at
 * the end are the daemon's own histograms (check_ns: the check pipeline;
 * decision_ns: the strategy's submit stamp to the decision) as the
 * difference between two snapshots around the phase, plus the strategy's
 * own submit-to-report time.
 */
#include "paced_loops.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks_lab.h"
#include "engine_lab.h"
#include "engine_state.h"
#include "timing.h"

#define RESTING_PRICE_E8 17500000000LL /* 175.00: under the sim's 190.00, within the 10% collar */
#define PACED_BURST 32

struct rgb_paced {
	struct rgb_engine_lab lab;
	uint64_t acked, resting_first, resting_last;
	uint64_t done; /* orders over: rejected, cancelled, filled out, refused by the venue */
	uint16_t last_reason; /* of the last rejection seen, for the message */
};

struct rgb_paced *rgb_paced_create(int engine_cpu)
{
	struct rgb_paced *p = rgb_lab_zalloc(sizeof(*p));

	if (p == NULL || rgb_engine_lab_open_venue(&p->lab, "paced", engine_cpu, "", "\"sim\": {\"seed\": 7}",
						"\"max_open_orders\": 8000,") != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void rgb_paced_destroy(struct rgb_paced *p)
{
	if (p == NULL)
		return;
	rgb_engine_lab_close(&p->lab);
	free(p);
}

/* Drains reports; counts acks of the resting orders and decisions of ids
 * >= first_id (a decision of id is ACCEPTED or REJECTED). */
static unsigned drain(struct rgb_paced *p, uint64_t first_id, uint64_t *decided, uint64_t *rejected)
{
	struct rg_report r[64];
	unsigned k = rg_client_poll(&p->lab.client, r, 64);

	for (unsigned j = 0; j < k; j++) {
		uint64_t id = r[j].client_order_id;
		if (r[j].kind == RG_REPORT_VENUE_ACK && id >= p->resting_first && id <= p->resting_last)
			p->acked++;
		p->done += r[j].kind == RG_REPORT_REJECTED || r[j].kind == RG_REPORT_CANCELLED ||
			   (r[j].kind == RG_REPORT_FILL && r[j].fill.leaves_e8 == 0) ||
			   r[j].kind == RG_REPORT_VENUE_REJECT; /* no cancels are sent here */
		if (id >= first_id && (r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED)) {
			(*decided)++;
			*rejected += r[j].kind == RG_REPORT_REJECTED;
			if (r[j].kind == RG_REPORT_REJECTED)
				p->last_reason = r[j].reason;
		}
	}
	return k;
}

static bool submit(struct rgb_paced *p, const struct rg_order *o, uint64_t first_id, uint64_t *decided,
		   uint64_t *rejected)
{
	uint64_t guard = rgb_engine_lab_now() + 5000000000ull;

	while (!rg_client_submit(&p->lab.client, o)) {
		drain(p, first_id, decided, rejected);
		if (rgb_engine_lab_now() > guard)
			return false;
	}
	return true;
}

int rgb_paced_populate(struct rgb_paced *p, uint32_t resting, uint32_t decided_n)
{
	uint64_t first = p->lab.next_id + 1, decided = 0, rejected = 0, guard;
	struct rg_order o;

	/* the resting book: DAY buys under the market */
	p->resting_first = first;
	p->resting_last = first + resting - 1;
	for (uint32_t i = 0; i < resting; i++) {
		rgb_engine_lab_order(&o, ++p->lab.next_id);
		o.side = RG_SIDE_BUY;
		o.tif = RG_TIF_DAY;
		o.price_e8 = RESTING_PRICE_E8;
		if (!submit(p, &o, first, &decided, &rejected))
			goto stuck;
	}
	/* the day's flow so far: IOC orders in bursts, alternating sides, at
	 * most 1 024 of them live at a time */
	p->done = 0;
	guard = rgb_engine_lab_now() + 60000000000ull;
	for (uint32_t i = 0; i < decided_n; i++) {
		while (i - p->done > 1024 && rgb_engine_lab_now() < guard)
			if (drain(p, first, &decided, &rejected) == 0)
				sched_yield();
		rgb_engine_lab_order(&o, ++p->lab.next_id);
		if (!submit(p, &o, first, &decided, &rejected))
			goto stuck;
		if (i % PACED_BURST == PACED_BURST - 1)
			drain(p, first, &decided, &rejected);
	}
	guard = rgb_engine_lab_now() + 20000000000ull;
	while ((decided < (uint64_t)resting + decided_n || p->acked < resting) && rgb_engine_lab_now() < guard)
		if (drain(p, first, &decided, &rejected) == 0)
			sched_yield();
	if (decided < (uint64_t)resting + decided_n || p->acked < resting || rejected != 0) {
		fprintf(stderr,
			"paced: populating: %llu of %llu decided (%llu rejected, the last for %s), %llu of %u resting acked\n",
			(unsigned long long)decided, (unsigned long long)resting + decided_n,
			(unsigned long long)rejected, rg_reject_str(p->last_reason), (unsigned long long)p->acked,
			resting);
		return -1;
	}
	/* let the venue's fills and cancels of the last burst come back */
	guard = rgb_engine_lab_now() + 200000000ull;
	while (rgb_engine_lab_now() < guard)
		if (drain(p, UINT64_MAX, &decided, &rejected) == 0)
			sched_yield();
	return 0;
stuck:
	fprintf(stderr, "paced: populating: the order ring stayed full\n");
	return -1;
}

/* A consistent-enough copy of a histogram the engine thread keeps writing:
 * word by word (each word is whole; the snapshot is taken between phases'
 * orders, so the few values in flight do not matter). */
static void snapshot(const struct rg_histogram *h, struct rg_histogram *out)
{
	const uint64_t *src = (const uint64_t *)h;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*h) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* after - before, bucket by bucket; min and max from the buckets. */
static void difference(const struct rg_histogram *before, const struct rg_histogram *after, struct rg_histogram *d)
{
	rg_histogram_reset(d);
	for (uint32_t i = 0; i < RG_HIST_BUCKETS; i++) {
		d->buckets[i] = after->buckets[i] - before->buckets[i];
		if (d->buckets[i] == 0)
			continue;
		d->count += d->buckets[i];
		if (d->min == UINT64_MAX)
			d->min = rg_histogram_bucket_low(i);
		d->max = i + 1 < RG_HIST_BUCKETS ? rg_histogram_bucket_low(i + 1) - 1 : after->max;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int rgb_paced_run(struct rgb_paced *p, uint64_t rate, uint32_t n, struct rgb_paced_result *out)
{
	struct rg_control *ctl = p->lab.engine->inst.ctl;
	struct rg_histogram c0, c1, d0, d1, dc, dd;
	uint64_t first = p->lab.next_id + 1, interval = 1000000000ull / rate, next, decided = 0, not_accepted = 0;
	uint64_t *sent = calloc(n, sizeof(uint64_t));
	uint32_t *lat = calloc(n, sizeof(uint32_t));
	uint64_t guard;
	struct rg_report r[64];
	struct rg_order o;

	memset(out, 0, sizeof(*out));
	if (sent == NULL || lat == NULL) {
		free(sent);
		free(lat);
		return -1;
	}
	snapshot(&ctl->check_ns, &c0);
	snapshot(&ctl->decision_ns, &d0);
	next = rgb_engine_lab_now();
	guard = next + (uint64_t)n * interval + 10000000000ull;
	for (uint32_t i = 0; i < n || decided < n;) {
		uint64_t now = rgb_engine_lab_now();
		unsigned k;

		if (i < n && now >= next) {
			rgb_engine_lab_order(&o, first + i);
			o.client_ts_ns = now; /* the stamp the daemon's decision_ns starts from */
			if (rg_client_submit(&p->lab.client, &o)) {
				sent[i] = rgb_ticks();
				i++;
				next += interval;
			}
		}
		k = rg_client_poll(&p->lab.client, r, 64);
		for (unsigned j = 0; j < k; j++) {
			uint64_t id = r[j].client_order_id;
			if (id < first || id >= first + n ||
			    (r[j].kind != RG_REPORT_ACCEPTED && r[j].kind != RG_REPORT_REJECTED))
				continue;
			lat[id - first] = (uint32_t)(rgb_ticks() - sent[id - first]);
			decided++;
			if (r[j].kind == RG_REPORT_REJECTED && r[j].reason == RG_REJ_VENUE_QUEUE_FULL) {
				out->venue_full++; /* approved; the venue's request ring was full */
			} else if (r[j].kind != RG_REPORT_ACCEPTED) {
				not_accepted++;
				p->last_reason = r[j].reason;
			}
		}
		/* Nothing awaited and time to spare: give the core to the journal
		 * writer and the venue, which share it. */
		if (k == 0 && decided == i && (i == n || rgb_engine_lab_now() + 5000 < next))
			sched_yield();
		if (now > guard)
			break;
	}
	snapshot(&ctl->check_ns, &c1);
	snapshot(&ctl->decision_ns, &d1);
	p->lab.next_id = first + n - 1;
	difference(&c0, &c1, &dc);
	difference(&d0, &d1, &dd);
	qsort(lat, n, sizeof(*lat), cmp_u32);
	out->check_p50_ns = (double)rg_histogram_percentile(&dc, 500000);
	out->check_p99_ns = (double)rg_histogram_percentile(&dc, 990000);
	out->decision_p50_ns = (double)rg_histogram_percentile(&dd, 500000);
	out->decision_p99_ns = (double)rg_histogram_percentile(&dd, 990000);
	out->strategy_p50_ns = rgb_ticks_to_ns((double)lat[n / 2]);
	out->orders = decided;
	out->not_accepted = not_accepted + (n - decided);
	if (out->not_accepted != 0)
		fprintf(stderr, "paced: at %llu/s, %llu of %u orders decided, %llu not accepted (the last for %s)\n",
			(unsigned long long)rate, (unsigned long long)decided, n, (unsigned long long)not_accepted,
			rg_reject_str(p->last_reason));
	free(sent);
	free(lat);
	/* the venue's answers of the last orders */
	guard = rgb_engine_lab_now() + 50000000ull;
	while (rgb_engine_lab_now() < guard)
		if (rg_client_poll(&p->lab.client, r, 64) == 0)
			sched_yield();
	return decided == n ? 0 : -1;
}

void rgb_paced_set_warm(struct rgb_paced *p, uint32_t interval_us)
{
	rgb_engine_lab_pause(&p->lab);
	rg_path_warmer_set_interval(&p->lab.engine->warm, (uint64_t)interval_us * 1000u, rgb_engine_lab_now());
	rgb_engine_lab_resume(&p->lab);
}

uint32_t rgb_paced_config_warm(const struct rgb_paced *p)
{
	return p->lab.cfg.warm_interval_us;
}

double rgb_paced_hot_check_ns(unsigned rounds)
{
	struct rgb_checks_lab lab;
	struct rg_order batch[64];
	double *ns = calloc(rounds, sizeof(double)), med;

	if (ns == NULL || rgb_checks_lab_open(&lab, 100) != 0) {
		free(ns);
		return 0;
	}
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0, t1;
		rgb_checks_orders(&lab, batch, 64, RGB_SYMBOLS_ROUND_ROBIN);
		t0 = rgb_ticks();
		unsigned ok = rgb_checks_decide(&lab, batch, 64);
		t1 = rgb_ticks();
		rgb_checks_release(&lab, batch, 64);
		ns[r] = ok == 64 ? rgb_ticks_to_ns((double)(t1 - t0)) / 64 : 1e9;
	}
	rgb_checks_lab_close(&lab);
	/* the median, by insertion into the sorted prefix */
	for (unsigned i = 1; i < rounds; i++)
		for (unsigned j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
			double t = ns[j];
			ns[j] = ns[j - 1];
			ns[j - 1] = t;
		}
	med = ns[rounds / 2];
	free(ns);
	return med < 1e9 ? med : 0;
}
