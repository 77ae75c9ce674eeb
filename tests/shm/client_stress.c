/*
 * Client stress test: a strategy thread drives <riskgate/client.h> (bursts
 * of orders of every size from 1 to 13 with rg_client_submit_burst, lone
 * orders with rg_client_submit, reports read with rg_client_poll) against
 * an engine thread that answers every order with one numbered report, over
 * a real session segment whose rings hold 8 messages, so that bursts often
 * only partly fit and both rings wrap all the time.  Checks every order the
 * engine reads (its kind set by the client, its id and fields in order) and
 * every report the strategy reads (in order, numbered without a gap).  The
 * variant ThreadSanitizer sees (label tsan).
 *
 *   client_stress [--count N]
 *
 * Exits 0 when every order was answered once, in order and intact.  Busy
 * loops spin briefly and then yield, so the test shares a 2-core machine.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <riskgate/client.h>
#include <riskgate/segment.h>

#define CAPACITY 8u

struct engine_arg {
	struct rg_ring orders, reports; /* the engine's handles */
	uint64_t count;
	int stop;   /* set (atomic) by either side when it found something wrong: the other gives up */
};

static void backoff(unsigned *spins)
{
	if (++*spins > 256) {
		*spins = 0;
		sched_yield();
	}
}

/* The fields order `id` carries (its kind left 0: the client must set it). */
static void make_order(struct rg_order *o, uint64_t id)
{
	memset(o, 0, sizeof(*o));
	o->client_order_id = id;
	o->symbol_id = (uint32_t)(id % 3);
	o->side = id & 1 ? RG_SIDE_SELL : RG_SIDE_BUY;
	o->type = RG_TYPE_LIMIT;
	o->tif = RG_TIF_IOC;
	o->qty_e8 = (int64_t)(id % 1000 + 1) * RG_QTY_SCALE;
	o->price_e8 = (int64_t)(id * 7 % 100000) * 1000000;
	o->client_ts_ns = id * 0x9E3779B97F4A7C15ull;
}

static int check_order(const struct rg_order *in, uint64_t id)
{
	struct rg_order want;

	make_order(&want, id);
	want.kind = RG_ORDER_NEW;
	if (memcmp(in, &want, sizeof(want)) != 0) {
		fprintf(stderr, "client_stress: order %" PRIu64 " arrived as %" PRIu64 " (kind %u) or altered\n", id,
			in->client_order_id, in->kind);
		return -1;
	}
	return 0;
}

/* The engine's side: reads orders in bursts and answers each with one
 * ACCEPTED report numbered from 1, waiting for report room as it must. */
static void *engine(void *p)
{
	struct engine_arg *a = p;
	struct rg_order batch[CAPACITY];
	uint64_t got = 0;
	unsigned spins = 0;

	while (got < a->count) {
		unsigned n = rg_ring_pop_burst_spsc(&a->orders, batch, CAPACITY);
		if (__atomic_load_n(&a->stop, __ATOMIC_RELAXED))
			return NULL;
		if (n == 0) {
			backoff(&spins);
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			struct rg_report r;
			if (check_order(&batch[i], got + 1) != 0) {
				__atomic_store_n(&a->stop, 1, __ATOMIC_RELAXED);
				return NULL;
			}
			got++;
			memset(&r, 0, sizeof(r));
			r.kind = RG_REPORT_ACCEPTED;
			r.client_order_id = batch[i].client_order_id;
			r.engine_seq = got;
			r.report_seq = got;
			r.symbol_id = batch[i].symbol_id;
			while (!rg_ring_push_spsc(&a->reports, &r)) {
				if (__atomic_load_n(&a->stop, __ATOMIC_RELAXED))
					return NULL;
				backoff(&spins);
			}
		}
	}
	return NULL;
}

/* The strategy's side; 0 when every order was answered in order. */
static int strategy(struct rg_client *c, uint64_t count, const int *stop)
{
	struct rg_order batch[13];
	struct rg_report r[CAPACITY + 3];
	uint64_t sent = 0, answered = 0, from, to;
	unsigned spins = 0, round = 0;

	while (answered < count) {
		unsigned progress = 0;

		if (__atomic_load_n(stop, __ATOMIC_RELAXED))
			return -1; /* the engine thread found a bad order */

		if (sent < count) {
			unsigned want = round++ % 13 + 1, n;
			if (want > count - sent)
				want = (unsigned)(count - sent);
			for (unsigned i = 0; i < want; i++)
				make_order(&batch[i], sent + 1 + i);
			if (round % 5 == 0)
				n = rg_client_submit(c, &batch[0]) ? 1 : 0;
			else
				n = rg_client_submit_burst(c, batch, want);
			sent += n;
			progress += n;
		}
		unsigned k = rg_client_poll(c, r, round % 11 + 1);
		for (unsigned j = 0; j < k; j++) {
			answered++;
			if (r[j].kind != RG_REPORT_ACCEPTED || r[j].client_order_id != answered ||
			    r[j].report_seq != answered) {
				fprintf(stderr, "client_stress: report %" PRIu64 " is about order %" PRIu64 " (seq %" PRIu64
						", kind %u)\n", answered, r[j].client_order_id, r[j].report_seq, r[j].kind);
				return -1;
			}
		}
		progress += k;
		if (progress == 0)
			backoff(&spins);
	}
	if (rg_client_take_gap(c, &from, &to) || c->reports_lost != 0 || rg_client_next_report_seq(c) != count + 1) {
		fprintf(stderr, "client_stress: the client's numbering is off (next %" PRIu64 ", lost %" PRIu64 ")\n",
			rg_client_next_report_seq(c), c->reports_lost);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rg_seg_perms perms = {(uid_t)-1, (gid_t)-1, 0600, false};
	struct rg_seg_map ctl, sess;
	struct engine_arg a;
	struct rg_client c;
	char instance[32], err[256];
	pthread_t t;
	int rc = 1;

	memset(&a, 0, sizeof(a));
	a.count = 1000000;
	if (argc == 3 && strcmp(argv[1], "--count") == 0)
		a.count = strtoull(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: client_stress [--count N]\n");
		return 2;
	}
	snprintf(instance, sizeof(instance), "cstress%d", (int)getpid());
	if (rg_seg_create(&ctl, instance, NULL, 0, 0, 4, &perms, err, sizeof(err)) != 0 ||
	    rg_seg_create(&sess, instance, "alpha", CAPACITY, CAPACITY, 0, &perms, err, sizeof(err)) != 0) {
		fprintf(stderr, "client_stress: %s\n", err);
		rg_seg_unlink(instance, NULL);
		return 1;
	}
	((struct rg_control *)((char *)ctl.base + ctl.layout.control_off))->engine_state = RG_ENGINE_RUNNING;
	if (rg_ring_attach(&a.orders, (char *)sess.base + sess.layout.order_off, CAPACITY) != 0 ||
	    rg_ring_attach(&a.reports, (char *)sess.base + sess.layout.report_off, CAPACITY) != 0)
		goto out;
	rg_seg_publish_ready(&ctl);
	rg_seg_publish_ready(&sess);
	if (rg_client_open(&c, instance, "alpha", err, sizeof(err)) != 0) {
		fprintf(stderr, "client_stress: %s\n", err);
		goto out;
	}
	pthread_create(&t, NULL, engine, &a);
	rc = strategy(&c, a.count, &a.stop) == 0 ? 0 : 1;
	if (rc != 0)
		__atomic_store_n(&a.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	rg_client_close(&c);
	if (rc == 0)
		printf("client_stress: %" PRIu64 " orders answered in order\n", a.count);
out:
	rg_seg_unlink(instance, "alpha");
	rg_seg_unlink(instance, NULL);
	rg_seg_detach(&sess);
	rg_seg_detach(&ctl);
	return rc;
}
