/*
 * riskgate-ring-demo: two processes exchanging orders over a real session
 * segment, the foundation's stand-in for the engine demo.
 *
 * The parent creates an instance's control and session segments the way the
 * engine does and plays the engine's side of the rings: it drains orders in
 * bursts and answers each with an ACCEPTED report.  The child is a strategy
 * that uses only the public client header: it opens its session, submits
 * orders as fast as the ring takes them and polls reports.  Both print counts;
 * the run fails unless every order got exactly one report, in order.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <riskgate/client.h>

#define BURST 32

static int run_strategy(const char *instance, uint64_t count)
{
	struct rg_client c;
	struct rg_report reports[BURST];
	char err[256];
	uint64_t sent = 0, got = 0, full = 0;
	uint32_t sym;
	int rc = rg_client_open(&c, instance, "demo", err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "strategy: %s\n", err);
		return 1;
	}
	if (rg_client_symbol_id(&c, "DEMO", &sym) != 0) {
		fprintf(stderr, "strategy: symbol DEMO not published\n");
		rg_client_close(&c);
		return 1;
	}
	while (got < count) {
		if (sent < count) {
			struct rg_order o;
			memset(&o, 0, sizeof(o));
			o.client_order_id = sent + 1;
			o.symbol_id = sym;
			o.side = (sent & 1) ? RG_SIDE_SELL : RG_SIDE_BUY;
			o.type = RG_TYPE_LIMIT;
			o.tif = RG_TIF_DAY;
			o.qty_e8 = 100 * RG_QTY_SCALE;
			o.price_e8 = 10000000000LL + (int64_t)(sent % 100) * 1000000;
			o.client_ts_ns = rg_client_now_ns();
			if (rg_client_submit(&c, &o))
				sent++;
			else
				full++;
		}
		unsigned n = rg_client_poll(&c, reports, BURST);
		for (unsigned i = 0; i < n; i++) {
			if (reports[i].kind != RG_REPORT_ACCEPTED || reports[i].client_order_id != got + 1) {
				fprintf(stderr, "strategy: report %" PRIu64 " out of order (id %" PRIu64 ")\n", got + 1,
					reports[i].client_order_id);
				rg_client_close(&c);
				return 1;
			}
			got++;
		}
		if ((got & 0xffff) == 0)
			rg_client_heartbeat(&c);
	}
	printf("strategy: submitted %" PRIu64 " orders, %" PRIu64 " reports received, ring full %" PRIu64 " times\n",
	       sent, got, full);
	rg_client_close(&c);
	return 0;
}

static int run_engine_side(struct rg_seg_map *sess, uint64_t count, pid_t child)
{
	const struct rg_seg_header *h = rg_seg_header_of(sess);
	struct rg_ring orders, reports;
	struct rg_order in[BURST];
	struct rg_report out[BURST];
	uint64_t done = 0, seq = 0, spins = 0;
	int status;

	if (rg_ring_attach(&orders, (char *)sess->base + sess->layout.order_off, h->order_ring_capacity) != 0 ||
	    rg_ring_attach(&reports, (char *)sess->base + sess->layout.report_off, h->report_ring_capacity) != 0)
		return 1;
	while (done < count) {
		unsigned n = rg_ring_pop_burst_spsc(&orders, in, BURST), pushed = 0;
		if (n == 0) {
			if (++spins % 1000000 == 0 && waitpid(child, &status, WNOHANG) == child) {
				fprintf(stderr, "engine side: strategy exited early\n");
				return 1;
			}
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			memset(&out[i], 0, sizeof(out[i]));
			out[i].kind = RG_REPORT_ACCEPTED;
			out[i].client_order_id = in[i].client_order_id;
			out[i].symbol_id = in[i].symbol_id;
			out[i].engine_seq = ++seq;
		}
		while (pushed < n)
			pushed += rg_ring_push_burst_spsc(&reports, out + pushed, n - pushed);
		done += n;
	}
	printf("engine side: received %" PRIu64 " orders, sent %" PRIu64 " reports\n", done, seq);
	return 0;
}

int main(int argc, char **argv)
{
	const char *instance = "ringdemo";
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	struct rg_seg_perms perms = {(uid_t)-1, (gid_t)-1, 0600, false};
	struct rg_seg_map ctl, sess;
	struct rg_symbol_entry *sym;
	struct rg_control *control;
	char err[256];
	int rc, status = 0;
	pid_t child;

	rg_seg_unlink(instance, NULL);
	rg_seg_unlink(instance, "demo");
	perms.mode = 0644;
	if ((rc = rg_seg_create(&ctl, instance, NULL, 0, 0, 16, &perms, err, sizeof(err))) != 0) {
		fprintf(stderr, "ring demo: %s\n", err);
		return 1;
	}
	perms.mode = 0600;
	if ((rc = rg_seg_create(&sess, instance, "demo", 4096, 4096, 0, &perms, err, sizeof(err))) != 0) {
		fprintf(stderr, "ring demo: %s\n", err);
		rg_seg_unlink(instance, NULL);
		return 1;
	}
	control = (struct rg_control *)((char *)ctl.base + ctl.layout.control_off);
	sym = (struct rg_symbol_entry *)((char *)ctl.base + ctl.layout.symbols_off);
	snprintf(sym->name, sizeof(sym->name), "DEMO");
	sym->enabled = 1;
	sym->tick_e8 = 1000000;
	sym->lot_e8 = RG_QTY_SCALE;
	__atomic_store_n(&control->symbol_count, 1u, __ATOMIC_RELEASE);
	__atomic_store_n(&control->engine_state, (uint32_t)RG_ENGINE_RUNNING, __ATOMIC_RELEASE);
	rg_seg_publish_ready(&ctl);
	rg_seg_publish_ready(&sess);

	printf("ring demo: %" PRIu64 " orders from a strategy process to an engine-side process and back\n", count);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		rc = run_strategy(instance, count);
		fflush(stdout);
		_exit(rc);
	}
	rc = child < 0 ? 1 : run_engine_side(&sess, count, child);
	if (child > 0 && waitpid(child, &status, 0) == child && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = 1;
	rg_seg_mark_closed(&sess);
	rg_seg_mark_closed(&ctl);
	rg_seg_unlink(instance, "demo");
	rg_seg_unlink(instance, NULL);
	rg_seg_detach(&sess);
	rg_seg_detach(&ctl);
	printf("ring demo: %s\n", rc == 0 ? "every order got exactly one report, in order" : "FAILED");
	return rc;
}
