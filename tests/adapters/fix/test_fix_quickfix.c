/*
 * The FIX adapter against a real FIX engine: each test starts
 * quickfix_acceptor (a QuickFIX exchange, quickfix_acceptor.cpp) on a free
 * loopback port in its own process and directory, starts the adapter as the
 * engine does (rg_adapter_start) and drives it through its rings.  The
 * acceptor validates every message against a FIX 4.4 dictionary and records
 * each NewOrderSingle's ClOrdID, so a test can prove that no order reached
 * the venue twice across disconnects and resend requests.
 *
 * usage: test_fix_quickfix ACCEPTOR DICTIONARY
 * Exits 77 (skipped) when ACCEPTOR is empty: built without libquickfix-dev.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fix_adapter.h"

#define WAIT_MS 10000
#define MAX_EVENTS 256
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

/* ClOrdIDs the venue received, in order; fails on any duplicate. */
static unsigned venue_orders(struct fixture *f, char ids[][32], unsigned max)
{
	char path[128], line[64];
	unsigned n = 0;
	FILE *fp;

	path_in(f, "orders.log", path, sizeof(path));
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL && n < max) {
		line[strcspn(line, "\n")] = '\0';
		for (unsigned i = 0; i < n; i++)
			if (strcmp(ids[i], line) == 0)
				fail_msg("order %s reached the venue twice", line);
		snprintf(ids[n++], 32, "%s", line);
	}
	fclose(fp);
	return n;
}

static bool venue_event_logged(struct fixture *f, const char *what)
{
	char path[128], line[64];
	bool found = false;
	FILE *fp;

	path_in(f, "events.log", path, sizeof(path));
	fp = fopen(path, "r");
	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strncmp(line, what, strlen(what)) == 0 && line[strlen(what)] == '\n';
	fclose(fp);
	return found;
}

/* ---- adapter side ------------------------------------------------------- */

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
	while (f->n_events < MAX_EVENTS && rg_adapter_poll_events(&f->a, &f->events[f->n_events], 1) == 1)
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

static void submit(struct fixture *f, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty_units)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.engine_seq = engine_seq;
	r.symbol_id = symbol;
	r.qty_e8 = qty_units * RG_QTY_SCALE;
	r.price_e8 = 101 * RG_PRICE_SCALE + RG_PRICE_SCALE / 4;
	r.side = RG_SIDE_BUY;
	r.type = RG_TYPE_LIMIT;
	r.tif = RG_TIF_DAY;
	assert_true(rg_adapter_submit(&f->a, &r));
}

static struct rg_fix_adapter_status status(struct fixture *f)
{
	struct rg_fix_adapter_status st;

	usleep(150000); /* the adapter publishes at least every 100 ms */
	assert_int_equal(rg_fix_adapter_status(&f->a, &st), 0);
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
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void logs_on_and_logs_out(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;
	uint64_t end;

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_int_equal(st.stats.logons, 1);
	assert_true(venue_event_logged(f, "logon"));
	stop_adapter(f);
	for (end = mono_ms() + WAIT_MS; !venue_event_logged(f, "logout"); usleep(10000))
		if (mono_ms() > end)
			fail_msg("the venue never saw the logout");
}

static void orders_fill_fully_partially_or_are_rejected(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	char ids[16][32];

	start_adapter(f, PASSWORD);
	wait_connected(f, 1);
	trade(f, 1, 10);
	submit(f, RG_VREQ_NEW, 2, 1, 200); /* MSFT 200: half fills */
	ev = wait_event(f, RG_VEV_ACK, 2);
	assert_int_equal(ev->symbol_id, 1);
	ev = wait_event(f, RG_VEV_FILL, 2);
	assert_int_equal(ev->qty_e8, 100 * RG_QTY_SCALE);
	assert_int_equal(ev->leaves_e8, 100 * RG_QTY_SCALE);
	assert_int_equal(ev->price_e8, 10125000000);
	assert_int_equal(ev->symbol_id, 1);
	submit(f, RG_VREQ_NEW, 3, 3, 5); /* ZZZZ: unknown at the venue */
	ev = wait_event(f, RG_VEV_REJECT, 3);
	assert_int_equal(ev->reason, 1);
	assert_int_equal(ev->symbol_id, 3);
	assert_int_equal(venue_orders(f, ids, 16), 3);
	assert_string_equal(ids[0], "1");
	assert_string_equal(ids[1], "2");
	assert_string_equal(ids[2], "3");
	assert_int_equal(status(f).live_orders, 1); /* order 2 is still open */
}

static void cancels_are_honoured_and_refused_when_too_late(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;

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
	usleep(100000);
	assert_int_equal(count_events(f, RG_VEV_CANCEL_REJECT, 10), 2);
	assert_int_equal(status(f).live_orders, 0);
}

static void dropped_connection_reconnects_without_duplicate_orders(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	unsigned from = 0;
	char ids[16][32];

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
	assert_int_equal(venue_orders(f, ids, 16), 5);
	assert_int_equal(status(f).stats.logons, 2);
}

static void messages_the_venue_lost_are_gap_filled_not_resent(void **state)
{
	struct fixture *f = *state;
	struct rg_fix_adapter_status st;
	char ids[16][32];

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
	/* Orders 1-3 were answered before the loss: nothing to report. */
	assert_int_equal(st.stats.not_delivered, 0);
	assert_int_equal(venue_orders(f, ids, 16), 5); /* and none twice */
	for (uint64_t i = 1; i <= 5; i++)
		assert_int_equal(count_events(f, RG_VEV_FILL, i), 1);
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
	st = status(f);
	assert_int_equal(st.state, RG_FIX_ACTIVE);
	assert_true(st.stats.resend_requests_sent >= 1);
	assert_true(st.stats.gap_fills_received >= 1);
	/* Resent reports are not delivered twice. */
	assert_int_equal(count_events(f, RG_VEV_ACK, 2), 1);
	assert_int_equal(count_events(f, RG_VEV_FILL, 2), 1);
	assert_int_equal(st.stats.logons, 1);
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
	assert_non_null(strstr(status(f).last_error, "requested by the test"));
}

static void wrong_password_fails_the_logon_with_a_clear_error(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	struct rg_fix_adapter_status st;
	char log_path[128], line[512];
	int saved = dup(2), fd;
	bool leaked = false;
	unsigned from = 0;
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
	stop_adapter(f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	assert_non_null(ev);
	assert_int_equal(ev->reason, RG_FIX_DOWN_LOGON_REJECTED);
	assert_int_equal(count_events(f, RG_VEV_CONNECTED, 0), 0);
	assert_true(st.stats.logon_rejects >= 1);
	assert_non_null(strstr(st.last_error, "logon rejected by venue VENUE: invalid password"));
	assert_null(strstr(st.last_error, "wrong-Pa55word"));
	assert_true(venue_event_logged(f, "logon refused"));
	fp = fopen(log_path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		fputs(line, stderr);
		leaked |= strstr(line, "wrong-Pa55word") != NULL;
	}
	fclose(fp);
	assert_false(leaked);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(logs_on_and_logs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(orders_fill_fully_partially_or_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(cancels_are_honoured_and_refused_when_too_late, setup, teardown),
		cmocka_unit_test_setup_teardown(dropped_connection_reconnects_without_duplicate_orders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(messages_the_venue_lost_are_gap_filled_not_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(sequence_gap_from_the_venue_triggers_a_resend_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(venue_logout_is_reported_and_the_session_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_fails_the_logon_with_a_clear_error, setup, teardown),
	};

	if (argc < 3 || argv[1][0] == '\0') {
		fprintf(stderr, "test_fix_quickfix: built without libquickfix-dev (tools/deps.sh); skipping\n");
		return 77;
	}
	g_acceptor = argv[1];
	g_dict = argv[2];
	if (access(g_acceptor, X_OK) != 0) {
		fprintf(stderr, "test_fix_quickfix: %s: %s; skipping\n", g_acceptor, strerror(errno));
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
