/*
 * The FIX adapter against a real FIX engine: each test starts
 * quickfix_acceptor (a QuickFIX exchange behind a fault-injecting wire,
 * quickfix_acceptor.cpp and fault_wire.h) on a free loopback port in its own
 * process and directory, starts the adapter as the engine does
 * (rg_adapter_start) and drives it through its rings.  QuickFIX validates
 * every message the adapter sends against a FIX 4.4 dictionary (a message it
 * finds wrong comes back as a session Reject, which the tests count); the
 * acceptor writes each order and cancel it receives, field by field, and the
 * session messages it gets, so a test can check what reached the venue and
 * prove that no order reached it twice across disconnects and resends.
 *
 * usage: test_fix_quickfix ACCEPTOR DICTIONARY
 * RG_TEST_FILTER=pattern runs only the matching tests; RG_TEST_KEEP=1 keeps
 * each test's directory (QuickFIX's logs are in it).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fix_adapter.h"

#define WAIT_MS 30000 /* a bound on waits for events: a sanitizer build on a busy machine is slow */
#define MAX_EVENTS 512
#define MAX_LINES 64
#define PASSWORD "s3cret-Pa55"

static const char *g_acceptor, *g_dict;

struct fixture {
	struct rg_config cfg;
	struct rg_symbol_cfg symbols[4];
	struct rg_adapter a;
	bool started;
	pid_t acceptor;
	uint16_t port;
	char dir[64];
	unsigned n_events;
	struct rg_venue_event events[MAX_EVENTS];
	char lines[MAX_LINES][128]; /* venue_lines scratch */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void path_in(const struct fixture *f, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", f->dir, name);
}

/* A port nobody listens on right now: bind port 0 and read it back. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* ---- the venue ---------------------------------------------------------- */

static void start_acceptor(struct fixture *f)
{
	char ready[128], port[8];
	uint64_t end;

	path_in(f, "ready", ready, sizeof(ready));
	unlink(ready);
	snprintf(port, sizeof(port), "%u", f->port);
	f->acceptor = fork();
	assert_true(f->acceptor >= 0);
	if (f->acceptor == 0) {
		/* Never outlive the test, even when it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(g_acceptor, g_acceptor, "--port", port, "--dir", f->dir, "--dict", g_dict, "--password",
		      PASSWORD, (char *)NULL);
		_exit(127);
	}
	for (end = mono_ms() + WAIT_MS; access(ready, F_OK) != 0; usleep(10000))
		if (mono_ms() > end)
			fail_msg("quickfix_acceptor did not start");
}

static void stop_acceptor(struct fixture *f)
{
	int st;

	if (f->acceptor <= 0)
		return;
	kill(f->acceptor, SIGTERM);
	waitpid(f->acceptor, &st, 0);
	f->acceptor = 0;
}

/* Hands the acceptor commands and waits until it has run them. */
static void control(struct fixture *f, const char *commands)
{
	char tmp[128], path[128];
	FILE *fp;
	uint64_t end;

	path_in(f, "control.tmp", tmp, sizeof(tmp));
	path_in(f, "control", path, sizeof(path));
	fp = fopen(tmp, "w");
	assert_non_null(fp);
	fputs(commands, fp);
	fclose(fp);
	assert_int_equal(rename(tmp, path), 0);
	for (end = mono_ms() + WAIT_MS; access(path, F_OK) == 0; usleep(5000))
		if (mono_ms() > end)
			fail_msg("quickfix_acceptor did not take the commands");
}

/* Lines of the acceptor's file `name` into f->lines; returns how many. */
static unsigned venue_lines(struct fixture *f, const char *name)
{
	char path[128];
	unsigned n = 0;
	FILE *fp;

	path_in(f, name, path, sizeof(path));
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	while (n < MAX_LINES && fgets(f->lines[n], sizeof(f->lines[n]), fp) != NULL) {
		f->lines[n][strcspn(f->lines[n], "\n")] = '\0';
		n++;
	}
	fclose(fp);
	return n;
}

/* Orders the venue received (f->lines, "ClOrdID Symbol Side Qty OrdType
 * Price TIF"); fails when a ClOrdID came twice. */
static unsigned venue_orders(struct fixture *f)
{
	unsigned n = venue_lines(f, "orders.log");

	for (unsigned i = 0; i < n; i++) {
		size_t k = strcspn(f->lines[i], " ");
		for (unsigned j = 0; j < i; j++)
			if (strncmp(f->lines[i], f->lines[j], k + 1) == 0)
				fail_msg("order %.*s reached the venue twice", (int)k, f->lines[i]);
	}
	return n;
}

/* True when a line of events.log starts with `prefix`. */
static bool venue_event(struct fixture *f, const char *prefix)
{
	unsigned n = venue_lines(f, "events.log");

	for (unsigned i = 0; i < n; i++)
		if (strncmp(f->lines[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void wait_venue_event(struct fixture *f, const char *prefix)
{
	for (uint64_t end = mono_ms() + WAIT_MS; !venue_event(f, prefix); usleep(10000))
		if (mono_ms() > end)
			fail_msg("the venue never logged '%s'", prefix);
}

/* ---- the adapter -------------------------------------------------------- */

static void start_adapter(struct fixture *f, const char *password)
{
	struct rg_venue_cfg *vc = &f->cfg.venues[0];
	char err[256];
	FILE *fp;
	int fd;

	path_in(f, "credentials", vc->credentials_file, sizeof(vc->credentials_file));
	fd = open(vc->credentials_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fprintf(fp, "# test credentials\nusername=riskgate\npassword=%s\n", password);
	fclose(fp);
	f->n_events = 0;
	if (rg_adapter_start(&f->a, &f->cfg, 0, -1, err, sizeof(err)) != 0)
		fail_msg("rg_adapter_start: %s", err);
	f->started = true;
}

static void stop_adapter(struct fixture *f)
{
	if (f->started)
		rg_adapter_stop(&f->a);
	f->started = false;
}

static void pump(struct fixture *f)
{
	while (f->started && f->n_events < MAX_EVENTS &&
	       rg_adapter_poll_events(&f->a, &f->events[f->n_events], 1) == 1)
		f->n_events++;
}

/* The first collected event of `kind` for engine_seq at or after index
 * *from, waiting for it; advances *from past it.  NULL on timeout. */
static const struct rg_venue_event *wait_event_from(struct fixture *f, unsigned *from, uint8_t kind,
						    uint64_t engine_seq, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;

	for (;;) {
		pump(f);
		for (unsigned i = *from; i < f->n_events; i++) {
			if (f->events[i].kind == kind && f->events[i].engine_seq == engine_seq) {
				*from = i + 1;
				return &f->events[i];
			}
		}
		if (mono_ms() > end)
			return NULL;
		usleep(1000);
	}
}

static const struct rg_venue_event *wait_event(struct fixture *f, uint8_t kind, uint64_t engine_seq)
{
	unsigned from = 0;
	const struct rg_venue_event *ev = wait_event_from(f, &from, kind, engine_seq, WAIT_MS);

	if (ev == NULL)
		fail_msg("no event %u for order %llu", kind, (unsigned long long)engine_seq);
	return ev;
}

static unsigned count_events(struct fixture *f, uint8_t kind, uint64_t engine_seq)
{
	unsigned n = 0;

	pump(f);
	for (unsigned i = 0; i < f->n_events; i++)
		n += f->events[i].kind == kind && f->events[i].engine_seq == engine_seq;
	return n;
}

/* Protocol-error events of kind `what` collected so far; *bytes (may be
 * NULL) gets the sum of their bytes_skipped, *last the latest of them. */
static unsigned count_protocol_errors(struct fixture *f, uint8_t what, uint64_t *bytes,
				      const struct rg_venue_event **last)
{
	unsigned n = 0;

	pump(f);
	if (bytes != NULL)
		*bytes = 0;
	for (unsigned i = 0; i < f->n_events; i++) {
		const struct rg_venue_event *ev = &f->events[i];
		if (ev->kind != RG_VEV_PROTOCOL_ERROR || ev->protocol_error != what)
			continue;
		n++;
		if (bytes != NULL)
			*bytes += ev->bytes_skipped;
		if (last != NULL)
			*last = ev;
	}
	return n;
}

static void submit_full(struct fixture *f, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty_units,
			uint8_t side, uint8_t tif)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.engine_seq = engine_seq;
	r.symbol_id = symbol;
	r.qty_e8 = qty_units * RG_QTY_SCALE;
	r.price_e8 = 101 * RG_PRICE_SCALE + RG_PRICE_SCALE / 4;
	r.side = side;
	r.type = RG_TYPE_LIMIT;
	r.tif = tif;
	assert_true(rg_adapter_submit(&f->a, &r));
}

static void submit(struct fixture *f, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty_units)
{
	submit_full(f, kind, engine_seq, symbol, qty_units, RG_SIDE_BUY, RG_TIF_DAY);
}

/* The adapter's status as its next publication after this call has it: the
 * pass that sent an event the test has seen has ended by then (each pass that
 * did something publishes, an idle one every 100 ms), however long a busy
 * machine kept the adapter thread from getting there. */
static struct rg_fix_adapter_status status(struct fixture *f)
{
	struct rg_fix_adapter_status st;
	uint64_t seen;

	assert_int_equal(rg_fix_adapter_status(&f->a, &st), 0);
	seen = st.published;
	for (uint64_t end = mono_ms() + WAIT_MS; st.published == seen; usleep(1000)) {
		if (mono_ms() > end)
			fail_msg("the adapter published no status in %d ms", WAIT_MS);
		assert_int_equal(rg_fix_adapter_status(&f->a, &st), 0);
	}
	return st;
}

/* Waits for the session to come up (RG_VEV_CONNECTED number `nth`). */
static void wait_connected(struct fixture *f, unsigned nth)
{
	unsigned from = 0;

	for (unsigned i = 0; i < nth; i++)
		if (wait_event_from(f, &from, RG_VEV_CONNECTED, 0, WAIT_MS) == NULL)
			fail_msg("session did not come up (%u)", i + 1);
}

/* Sends order engine_seq (qty < 100: the venue fills it fully) and waits
 * for its ack and fill. */
static void trade(struct fixture *f, uint64_t engine_seq, int64_t qty)
{
	const struct rg_venue_event *ev;

	submit(f, RG_VREQ_NEW, engine_seq, 0, qty);
	wait_event(f, RG_VEV_ACK, engine_seq);
	ev = wait_event(f, RG_VEV_FILL, engine_seq);
	assert_int_equal(ev->qty_e8, qty * RG_QTY_SCALE);
	assert_int_equal(ev->price_e8, 10125000000);
	assert_int_equal(ev->leaves_e8, 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rg_venue_cfg *vc;
	static const char *const names[] = {"AAPL", "MSFT", "IBM", "ZZZZ"};

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rg_fix_qf_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->port = free_port();
	f->cfg.n_venues = 1;
	f->cfg.n_symbols = 4;
	f->cfg.symbols = f->symbols;
	f->cfg.idle_policy = RG_IDLE_SPIN_YIELD;
	for (unsigned i = 0; i < 4; i++)
		strcpy(f->symbols[i].name, names[i]);
	vc = &f->cfg.venues[0];
	strcpy(vc->name, "qf");
	vc->kind = RG_VENUE_FIX;
	strcpy(vc->fix_host, "127.0.0.1");
	vc->fix_port = f->port;
	strcpy(vc->fix_sender_comp_id, "RG");
	strcpy(vc->fix_target_comp_id, "VENUE");
	vc->fix_heartbeat_s = 5;
	path_in(f, "rg.store", vc->fix_store_path, sizeof(vc->fix_store_path));
	vc->fix_reconnect_min_ns = 100000000ull;
	vc->fix_reconnect_max_ns = 400000000ull;
	start_acceptor(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	stop_adapter(f);
	stop_acceptor(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (getenv("RG_TEST_KEEP") != NULL)
		fprintf(stderr, "kept %s\n", f->dir);
	else if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void logs_on_and_logs_out(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_int_equal(st.stats.logons, 1);
	assert_int_equal(st.run, 1);
	assert_true(venue_event(f, "logon user=riskgate"));
	stop_adapter(f);
	wait_venue_event(f, "logout");
}

static void orders_reach_the_venue_with_their_fields_and_fills_come_back(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	submit_full(f, RG_VREQ_NEW, 2, 1, 200, RG_SIDE_SELL, RG_TIF_GTC); /* MSFT 200: half fills */
	ev = wait_event(f, RG_VEV_ACK, 2);
	assert_int_equal(ev->symbol_id, 1);
	ev = wait_event(f, RG_VEV_FILL, 2);
	assert_int_equal(ev->qty_e8, 100 * RG_QTY_SCALE);
	assert_int_equal(ev->leaves_e8, 100 * RG_QTY_SCALE);
	assert_int_equal(ev->price_e8, 10125000000);
	assert_int_equal(ev->symbol_id, 1);
	submit(f, RG_VREQ_NEW, 3, 3, 5); /* ZZZZ: unknown at the venue */
	ev = wait_event(f, RG_VEV_REJECT, 3);
	assert_int_equal(ev->reason, 1); /* OrdRejReason 1: unknown symbol */
	assert_int_equal(ev->symbol_id, 3);

	/* What reached the venue, as it came: ClOrdID Symbol Side OrderQty
	 * OrdType Price TimeInForce. */
	assert_int_equal(venue_orders(f), 3);
	assert_string_equal(f->lines[0], "1-1 AAPL 1 10 2 101.25 0");
	assert_string_equal(f->lines[1], "1-2 MSFT 2 200 2 101.25 1");
	assert_string_equal(f->lines[2], "1-3 ZZZZ 1 5 2 101.25 0");
	assert_int_equal(status(f).live_orders, 1); /* order 2 is still open */
	/* QuickFIX found nothing wrong in any message (it would have sent a Reject). */
	assert_int_equal(status(f).stats.rejects_received, 0);
}

static void cancels_are_honoured_and_refused_when_too_late(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	char want[64];

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	submit(f, RG_VREQ_NEW, 10, 2, 5000); /* IBM 5000: rests */
	wait_event(f, RG_VEV_ACK, 10);
	/* Two cancels back to back: the first cancels, the second is too late. */
	submit(f, RG_VREQ_CANCEL, 10, 2, 0);
	submit(f, RG_VREQ_CANCEL, 10, 2, 0);
	wait_event(f, RG_VEV_CANCELLED, 10);
	ev = wait_event(f, RG_VEV_CANCEL_REJECT, 10);
	assert_int_equal(ev->reason, 1); /* CxlRejReason 1: unknown order */
	assert_int_equal(count_events(f, RG_VEV_FILL, 10), 0);
	/* Once done, the adapter itself refuses a cancel. */
	submit(f, RG_VREQ_CANCEL, 10, 2, 0);
	for (uint64_t end = mono_ms() + WAIT_MS; count_events(f, RG_VEV_CANCEL_REJECT, 10) < 2 && mono_ms() < end;)
		usleep(1000);
	assert_int_equal(count_events(f, RG_VEV_CANCEL_REJECT, 10), 2);
	assert_int_equal(status(f).live_orders, 0);
	/* The cancels carried the order's id, symbol, side and quantity. */
	assert_int_equal(venue_lines(f, "cancels.log"), 2);
	for (unsigned i = 0; i < 2; i++) {
		snprintf(want, sizeof(want), " 1-10 IBM 1 5000");
		assert_non_null(strstr(f->lines[i], want));
		assert_true(strncmp(f->lines[i], "1-10-C", 6) == 0);
	}
	assert_string_not_equal(f->lines[0], f->lines[1]); /* each cancel has its own ClOrdID */
	assert_int_equal(status(f).stats.rejects_received, 0);
}

static void replace_at(struct fixture *f, uint64_t engine_seq, uint32_t symbol, int64_t qty_units, int64_t price_e8)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = RG_VREQ_REPLACE;
	r.engine_seq = engine_seq;
	r.symbol_id = symbol;
	r.qty_e8 = qty_units * RG_QTY_SCALE;
	r.price_e8 = price_e8;
	r.side = RG_SIDE_BUY;
	r.type = RG_TYPE_LIMIT;
	r.tif = RG_TIF_DAY;
	assert_true(rg_adapter_submit(&f->a, &r));
}

/* OrderCancelReplaceRequest (35=G) to QuickFIX: price up and down, quantity
 * down and up (each REPLACED with the venue's new quantity, price and
 * leaves, the order's ClOrdID moving to the replace's), a cancel afterwards
 * naming the latest ClOrdID, and the refusals: an order filled before its
 * replace arrives (a fill racing the replace), an unknown order, a quantity
 * not above what is filled (OrderCancelReject 434=2 -> REPLACE_REJECT). */
static void replaces_are_carried_out_and_refused_when_too_late(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	unsigned from = 0;
	static const struct {
		int64_t qty;
		int64_t px_cents;
	} steps[] = {{5000, 10200}, {5000, 10100}, {3000, 10100}, {6000, 10100}};

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	submit(f, RG_VREQ_NEW, 20, 2, 5000); /* IBM 5000: rests */
	wait_event(f, RG_VEV_ACK, 20);
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		replace_at(f, 20, 2, steps[i].qty, steps[i].px_cents * (RG_PRICE_SCALE / 100));
		ev = wait_event_from(f, &from, RG_VEV_REPLACED, 20, WAIT_MS);
		assert_non_null(ev);
		assert_int_equal(ev->qty_e8, steps[i].qty * RG_QTY_SCALE);
		assert_int_equal(ev->price_e8, steps[i].px_cents * (RG_PRICE_SCALE / 100));
		assert_int_equal(ev->leaves_e8, steps[i].qty * RG_QTY_SCALE);
	}
	/* What QuickFIX received: each replace names the ClOrdID the one before gave the order. */
	assert_int_equal(venue_lines(f, "replaces.log"), 4);
	assert_true(strncmp(f->lines[0], "1-20-R", 6) == 0);
	assert_non_null(strstr(f->lines[0], " 1-20 IBM 1 5000 102 0"));
	for (unsigned i = 1; i < 4; i++) {
		char prev[32];
		snprintf(prev, sizeof(prev), "%.*s", (int)strcspn(f->lines[i - 1], " "), f->lines[i - 1]);
		assert_true(strncmp(strchr(f->lines[i], ' ') + 1, prev, strlen(prev)) == 0);
	}
	assert_non_null(strstr(f->lines[3], " IBM 1 6000 101 0"));
	/* A cancel afterwards names the latest ClOrdID. */
	submit(f, RG_VREQ_CANCEL, 20, 2, 0);
	wait_event(f, RG_VEV_CANCELLED, 20);
	char last[32];
	assert_int_equal(venue_lines(f, "replaces.log"), 4);
	snprintf(last, sizeof(last), " %.*s ", (int)strcspn(f->lines[3], " "), f->lines[3]);
	assert_int_equal(venue_lines(f, "cancels.log"), 1);
	assert_non_null(strstr(f->lines[0], last));
	/* A fill races the replace: IBM 10 fills at once, before the replace arrives. */
	submit(f, RG_VREQ_NEW, 21, 2, 10);
	replace_at(f, 21, 2, 5, 101 * RG_PRICE_SCALE);
	ev = wait_event(f, RG_VEV_FILL, 21);
	assert_int_equal(ev->leaves_e8, 0);
	/* The adapter refuses it itself (the order is done) or the venue does (unknown order). */
	ev = wait_event(f, RG_VEV_REPLACE_REJECT, 21);
	assert_true(ev->reason == RG_FIX_REASON_UNKNOWN_ORDER || ev->reason == 1);
	/* Quantity not above what is filled: IBM 500 fills 250 and rests 250; a replace to 200 is refused. */
	submit(f, RG_VREQ_NEW, 22, 2, 500);
	wait_event(f, RG_VEV_FILL, 22);
	replace_at(f, 22, 2, 200, 101 * RG_PRICE_SCALE);
	ev = wait_event(f, RG_VEV_REPLACE_REJECT, 22);
	assert_int_equal(ev->reason, 0);
	/* And above it: leaves are the new total less the fill. */
	replace_at(f, 22, 2, 400, 101 * RG_PRICE_SCALE);
	from = 0;
	ev = wait_event_from(f, &from, RG_VEV_REPLACED, 22, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(ev->leaves_e8, 150 * RG_QTY_SCALE);
	assert_int_equal(status(f).stats.rejects_received, 0);
}

static void dropped_connection_reconnects_without_duplicate_orders(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	unsigned from = 0;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	for (uint64_t i = 1; i <= 3; i++)
		trade(f, i, 10);
	control(f, "drop\n");
	ev = wait_event_from(f, &from, RG_VEV_DISCONNECTED, 0, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(ev->reason, RG_FIX_DOWN_IO);
	wait_connected(f, 2);
	for (uint64_t i = 4; i <= 5; i++)
		trade(f, i, 10);
	assert_int_equal(venue_orders(f), 5);
	assert_int_equal(status(f).stats.logons, 2);
}

static void messages_the_venue_lost_are_gap_filled_not_resent(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	for (uint64_t i = 1; i <= 3; i++)
		trade(f, i, 10);
	/* The venue forgets our last three messages (the three orders) and
	 * drops us: on the next Logon it asks for them again. */
	control(f, "rewind 3\ndrop\n");
	wait_connected(f, 2);
	for (uint64_t i = 4; i <= 5; i++)
		trade(f, i, 10);
	st = status(f);
	assert_true(st.stats.resend_requests_received >= 1);
	assert_true(st.stats.gap_fills_sent >= 1);
	assert_true(venue_event(f, "gap fill"));
	/* Orders 1-3 were answered before the loss: nothing to report. */
	assert_int_equal(st.stats.not_delivered, 0);
	assert_int_equal(venue_orders(f), 5); /* and none twice */
	for (uint64_t i = 1; i <= 5; i++)
		assert_int_equal(count_events(f, RG_VEV_FILL, i), 1);
}

static void an_order_lost_on_the_way_is_gap_filled_and_reported_undelivered(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	/* Order 2 never reaches the venue; order 3 shows it the gap, and it
	 * asks for both again.  Neither is resent: both come back to the engine
	 * as not delivered, so nothing can reach the venue twice or late. */
	control(f, "swallow D\n");
	submit(f, RG_VREQ_NEW, 2, 0, 10);
	submit(f, RG_VREQ_NEW, 3, 0, 10);
	ev = wait_event(f, RG_VEV_REJECT, 2);
	assert_int_equal(ev->reason, RG_FIX_REASON_NOT_DELIVERED);
	ev = wait_event(f, RG_VEV_REJECT, 3);
	assert_int_equal(ev->reason, RG_FIX_REASON_NOT_DELIVERED);
	wait_venue_event(f, "gap fill");
	trade(f, 4, 10);
	st = status(f);
	assert_true(st.stats.resend_requests_received >= 1);
	assert_int_equal(st.stats.not_delivered, 2);
	assert_int_equal(st.live_orders, 0);
	assert_int_equal(st.stats.logons, 1);
	assert_int_equal(venue_orders(f), 2);
	assert_string_equal(f->lines[0], "1-1 AAPL 1 10 2 101.25 0");
	assert_string_equal(f->lines[1], "1-4 AAPL 1 10 2 101.25 0");
	assert_int_equal(count_events(f, RG_VEV_ACK, 2) + count_events(f, RG_VEV_ACK, 3), 0);
}

static void sequence_gap_from_the_venue_triggers_a_resend_request(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	control(f, "skip 5\n");
	trade(f, 2, 10); /* its reports come after a gap of 5 */
	trade(f, 3, 10);
	wait_venue_event(f, "resend request");
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_true(st.stats.resend_requests_sent >= 1);
	assert_true(st.stats.gap_fills_received >= 1);
	/* Resent reports are not delivered twice. */
	assert_int_equal(count_events(f, RG_VEV_ACK, 2), 1);
	assert_int_equal(count_events(f, RG_VEV_FILL, 2), 1);
	assert_int_equal(st.stats.logons, 1);
}

static void garbage_bytes_from_the_venue_are_dropped_and_the_session_stays_up(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	control(f, "garbage\n");
	trade(f, 2, 10);
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_true(st.stats.garbage_bytes >= 20);
	assert_int_equal(st.stats.logons, 1);
	assert_int_equal(count_events(f, RG_VEV_DISCONNECTED, 0), 0);
	assert_int_equal(venue_orders(f), 2);
	/* Reported for the journal: garbage runs that account for every byte, nothing else. */
	uint64_t bytes;
	assert_true(count_protocol_errors(f, RG_VPE_GARBAGE, &bytes, NULL) >= 1);
	assert_int_equal(bytes, st.stats.garbage_bytes);
	assert_int_equal(count_protocol_errors(f, RG_VPE_MALFORMED, NULL, NULL), 0);
	assert_int_equal(count_protocol_errors(f, RG_VPE_BAD_CHECKSUM, NULL, NULL), 0);
}

static void bad_checksum_gets_a_session_reject_and_the_report_comes_again(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	/* Order 2's ack arrives with a wrong CheckSum: rejected (RefTagID 10),
	 * not taken, then asked for again once its fill shows the gap. */
	control(f, "corrupt 8\n");
	trade(f, 2, 10);
	wait_venue_event(f, "reject ");
	assert_true(venue_event(f, "reject 45="));
	unsigned n = venue_lines(f, "events.log");
	bool found = false;
	for (unsigned i = 0; i < n; i++)
		found |= strncmp(f->lines[i], "reject", 6) == 0 && strstr(f->lines[i], " 371=10 373=99") != NULL;
	assert_true(found);
	wait_venue_event(f, "resend request");
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_int_equal(st.stats.garbled_msgs, 1);
	assert_true(st.stats.rejects_sent >= 1);
	assert_int_equal(st.stats.logons, 1);
	assert_int_equal(count_events(f, RG_VEV_ACK, 2), 1);
	assert_int_equal(count_events(f, RG_VEV_FILL, 2), 1);
	const struct rg_venue_event *pe = NULL;
	assert_int_equal(count_protocol_errors(f, RG_VPE_BAD_CHECKSUM, NULL, &pe), 1);
	assert_int_equal(pe->reject_sent, 1);
	assert_int_equal(pe->ref_tag, RG_FIX_TAG_CHECKSUM);
	assert_int_equal(pe->reason, RG_FIX_REJ_OTHER);
	assert_true(pe->ref_seq_num != 0);
}

static void malformed_message_gets_a_session_reject_naming_the_field(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	/* Order 2's ack carries "58=" (a tag without a value): a session
	 * Reject naming tag 58, reason 4; the fill after it is in sequence. */
	control(f, "garble 8\n");
	submit(f, RG_VREQ_NEW, 2, 0, 10);
	ev = wait_event(f, RG_VEV_FILL, 2);
	assert_int_equal(ev->leaves_e8, 0);
	wait_venue_event(f, "reject ");
	unsigned n = venue_lines(f, "events.log");
	bool found = false;
	for (unsigned i = 0; i < n; i++)
		found |= strncmp(f->lines[i], "reject", 6) == 0 && strstr(f->lines[i], " 371=58 373=4") != NULL;
	assert_true(found);
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_int_equal(st.stats.rejects_sent, 1);
	assert_int_equal(st.stats.resend_requests_sent, 0);
	assert_int_equal(count_events(f, RG_VEV_ACK, 2), 0);
	const struct rg_venue_event *pe = NULL;
	assert_int_equal(count_protocol_errors(f, RG_VPE_MALFORMED, NULL, &pe), 1);
	assert_int_equal(pe->reject_sent, 1);
	assert_int_equal(pe->ref_tag, 58);
	assert_int_equal(pe->reason, RG_FIX_REJ_TAG_WITHOUT_VALUE);
	trade(f, 3, 10);
}

static void venue_logout_is_reported_and_the_session_returns(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	unsigned from = 0;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	control(f, "logout\n");
	ev = wait_event_from(f, &from, RG_VEV_DISCONNECTED, 0, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(ev->reason, RG_FIX_DOWN_LOGOUT);
	wait_connected(f, 2);
	trade(f, 1, 10);
	assert_int_equal(status(f).stats.logons, 2);
}

static void restarted_adapter_continues_the_session_with_new_clordids(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	submit(f, RG_VREQ_NEW, 2, 2, 5000); /* rests at the venue */
	wait_event(f, RG_VEV_ACK, 2);
	st = status(f);
	stop_adapter(f);
	/* A new engine process: its sequence starts again at 1. */
	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	trade(f, 2, 10);
	assert_int_equal(venue_orders(f), 4);
	assert_string_equal(f->lines[2], "2-1 AAPL 1 10 2 101.25 0");
	assert_string_equal(f->lines[3], "2-2 AAPL 1 10 2 101.25 0");
	/* The store carried the sequence numbers over: no reset, no resend. */
	assert_int_equal(status(f).run, 2);
	assert_true(status(f).next_out_seq > st.next_out_seq);
	assert_int_equal(status(f).stats.resend_requests_received, 0);
	assert_int_equal(status(f).live_orders, 0);
}

static void wrong_password_fails_the_logon_with_a_clear_error(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	struct rg_fix_adapter_status st;
	char log_path[128], line[512];
	int saved = dup(2), fd;
	bool leaked = false, said = false;
	unsigned from = 0, connected, order_reason;
	FILE *fp;

	/* Capture our own stderr to prove the password is never logged. */
	path_in(f, "stderr.log", log_path, sizeof(log_path));
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	close(fd);
	start_adapter(f, "wrong-Pa55word");
	ev = wait_event_from(f, &from, RG_VEV_DISCONNECTED, 0, WAIT_MS);
	st = status(f);
	submit(f, RG_VREQ_NEW, 1, 0, 10);
	order_reason = wait_event(f, RG_VEV_REJECT, 1)->reason;
	connected = count_events(f, RG_VEV_CONNECTED, 0);
	stop_adapter(f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	assert_non_null(ev);
	assert_int_equal(ev->reason, RG_FIX_DOWN_LOGON_REJECTED);
	assert_int_equal(connected, 0);
	assert_int_equal(order_reason, RG_FIX_REASON_NOT_CONNECTED);
	assert_true(st.stats.logon_rejects >= 1);
	/* QuickFIX's Logout text: "Rejected Logon Attempt: invalid password". */
	assert_non_null(strstr(st.last_error, "logon rejected by venue VENUE: "));
	assert_non_null(strstr(st.last_error, "invalid password"));
	assert_null(strstr(st.last_error, "wrong-Pa55word"));
	assert_true(venue_event(f, "logon refused"));
	assert_int_equal(venue_orders(f), 0);
	fp = fopen(log_path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		fputs(line, stderr);
		leaked |= strstr(line, "wrong-Pa55word") != NULL;
		said |= strstr(line, "logon rejected by venue VENUE: ") != NULL && strstr(line, "invalid password") != NULL;
	}
	fclose(fp);
	assert_false(leaked);
	assert_true(said);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(logs_on_and_logs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(orders_reach_the_venue_with_their_fields_and_fills_come_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(cancels_are_honoured_and_refused_when_too_late, setup, teardown),
		cmocka_unit_test_setup_teardown(replaces_are_carried_out_and_refused_when_too_late, setup, teardown),
		cmocka_unit_test_setup_teardown(dropped_connection_reconnects_without_duplicate_orders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(messages_the_venue_lost_are_gap_filled_not_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(an_order_lost_on_the_way_is_gap_filled_and_reported_undelivered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sequence_gap_from_the_venue_triggers_a_resend_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(garbage_bytes_from_the_venue_are_dropped_and_the_session_stays_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bad_checksum_gets_a_session_reject_and_the_report_comes_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_message_gets_a_session_reject_naming_the_field, setup,
						teardown),
		cmocka_unit_test_setup_teardown(venue_logout_is_reported_and_the_session_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(restarted_adapter_continues_the_session_with_new_clordids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(wrong_password_fails_the_logon_with_a_clear_error, setup, teardown),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: test_fix_quickfix ACCEPTOR DICTIONARY\n");
		return 2;
	}
	g_acceptor = argv[1];
	g_dict = argv[2];
	if (access(g_acceptor, X_OK) != 0 || access(g_dict, R_OK) != 0) {
		fprintf(stderr, "test_fix_quickfix: %s or %s: %s\n", g_acceptor, g_dict, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (getenv("RG_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("RG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
