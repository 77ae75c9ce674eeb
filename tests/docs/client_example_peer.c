/*
 * Runs docs/client.md's example against real segments.  This program creates
 * the instance's control segment (symbol AAPL, engine RUNNING, fresh
 * heartbeat) and the strategy's session segment, starts the example as a
 * separate process, and answers on the engine's side of the rings: ACCEPTED
 * for a well-formed new order, REJECTED BAD_QTY for a zero quantity, ACCEPTED
 * then CANCELLED for a cancel, ACCEPTED then REPLACED (the new quantity and
 * price) for a replace.  It stands in for the engine until the
 * engine's own integration tests run the example against the real daemon.
 *
 *   client_example_peer PATH_TO_EXAMPLE
 * Exits with the example's status (0: every message decided).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <riskgate/client.h>

static uint64_t report_seq; /* numbered as the engine numbers a session's reports */

static void answer(struct rg_ring *reports, const struct rg_order *o, uint64_t *seq)
{
	struct rg_report r;

	memset(&r, 0, sizeof(r));
	r.client_order_id = o->client_order_id;
	r.symbol_id = o->symbol_id;
	r.report_seq = ++report_seq;
	if (o->kind == RG_ORDER_NEW && o->qty_e8 <= 0) {
		r.kind = RG_REPORT_REJECTED;
		r.reason = RG_REJ_BAD_QTY;
		r.reject.value = o->qty_e8;
	} else {
		r.kind = RG_REPORT_ACCEPTED;
		r.engine_seq = ++*seq;
	}
	while (!rg_ring_push_spsc(reports, &r))
		;
	if (o->kind == RG_ORDER_REPLACE) {
		r.kind = RG_REPORT_REPLACED;
		r.fill.qty_e8 = o->qty_e8;
		r.fill.price_e8 = o->price_e8;
		r.fill.leaves_e8 = o->qty_e8;
		r.report_seq = ++report_seq;
		while (!rg_ring_push_spsc(reports, &r))
			;
	}
	if (o->kind == RG_ORDER_CANCEL) {
		r.kind = RG_REPORT_CANCELLED;
		r.client_order_id = o->orig_client_order_id;
		r.engine_seq = 0;
		r.report_seq = ++report_seq;
		while (!rg_ring_push_spsc(reports, &r))
			;
	}
}

int main(int argc, char **argv)
{
	struct rg_seg_perms p = {(uid_t)-1, (gid_t)-1, 0644, false};
	struct rg_seg_map ctl, sess;
	struct rg_ring orders, reports;
	struct rg_control *control;
	struct rg_symbol_entry *sym;
	char instance[32], err[256];
	uint64_t seq = 0;
	int status = -1;
	pid_t child;

	if (argc != 2) {
		fprintf(stderr, "usage: client_example_peer PATH_TO_EXAMPLE\n");
		return 2;
	}
	snprintf(instance, sizeof(instance), "doc%d", (int)getpid());
	if (rg_seg_create(&ctl, instance, NULL, 0, 0, 4, &p, err, sizeof(err)) != 0 ||
	    (p.mode = 0600, rg_seg_create(&sess, instance, "alpha", 64, 64, 0, &p, err, sizeof(err))) != 0) {
		fprintf(stderr, "client_example_peer: %s\n", err);
		return 1;
	}
	control = (struct rg_control *)((char *)ctl.base + ctl.layout.control_off);
	sym = (struct rg_symbol_entry *)((char *)ctl.base + ctl.layout.symbols_off);
	snprintf(sym->name, sizeof(sym->name), "AAPL");
	sym->enabled = 1;
	sym->tick_e8 = 1000000;
	sym->lot_e8 = RG_QTY_SCALE;
	control->symbol_count = 1;
	control->engine_state = RG_ENGINE_RUNNING;
	rg_seg_header_of(&ctl)->heartbeat_ns = rg_client_now_ns();
	rg_ring_attach(&orders, (char *)sess.base + sess.layout.order_off, 64);
	rg_ring_attach(&reports, (char *)sess.base + sess.layout.report_off, 64);
	rg_seg_publish_ready(&ctl);
	rg_seg_publish_ready(&sess);

	child = fork();
	if (child == 0) {
		execl(argv[1], argv[1], instance, "alpha", "AAPL", (char *)NULL);
		perror("exec");
		_exit(127);
	}
	while (waitpid(child, &status, WNOHANG) == 0) {
		struct rg_order o;
		rg_seg_header_of(&ctl)->heartbeat_ns = rg_client_now_ns();
		if (rg_ring_pop_spsc(&orders, &o))
			answer(&reports, &o, &seq);
		else
			usleep(100);
	}
	rg_seg_unlink(instance, "alpha");
	rg_seg_unlink(instance, NULL);
	rg_seg_detach(&sess);
	rg_seg_detach(&ctl);
	if (!WIFEXITED(status)) {
		fprintf(stderr, "client_example_peer: the example crashed\n");
		return 1;
	}
	return WEXITSTATUS(status);
}
