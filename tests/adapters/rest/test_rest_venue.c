/*
 * The REST adapter against a local venue: each test starts rest_venue.py
 * (an HTTPS + WebSocket server speaking the Binance-style spot API v3, with
 * a self-signed certificate made at start, that verifies signatures,
 * recvWindow and limits like a venue) on a free loopback port in its own
 * process and directory, starts the adapter as the engine does
 * (rg_adapter_start, TLS verification on, the venue's certificate as the
 * trusted CA) and drives it through its rings.  The venue writes every order,
 * cancel, trade and request it sees, so a test checks what reached it, and
 * that the fills the adapter reported add up to the venue's trades exactly:
 * none lost, none twice.
 *
 * usage: test_rest_venue PYTHON VENUE_SCRIPT
 * RG_TEST_FILTER=pattern runs only the matching tests; RG_TEST_KEEP=1 keeps
 * each test's directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "rest_adapter.h"
#include "rest_codec.h"
#include "venue_limiter.h"

#define WAIT_MS 20000
#define MAX_EVENTS 1024
#define MAX_LINES 256
#define KEY "k3y-Adapter-Test-0123456789abcdef"
#define SECRET "s3cr3t-Adapter-Test-fedcba9876543210"
#define E8 100000000LL
#define BTC 0u
#define ETH 1u

static const char *g_python, *g_venue;
static unsigned g_test_no;

struct fixture {
	struct rg_config cfg;
	struct rg_symbol_cfg symbols[2];
	struct rg_adapter a;
	bool started;
	pid_t venue;
	uint16_t port;
	char dir[64];
	unsigned n_events;
	struct rg_venue_event events[MAX_EVENTS];
	char lines[MAX_LINES][256];
	int saved_stderr; /* >= 0 while stderr goes to the test's file */
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

/* ---- the venue ---------------------------------------------------------------- */

/* Starts the venue with extra arguments (NULL terminated list, may be NULL). */
static void start_venue(struct fixture *f, const char *const *extra)
{
	char ready[128], portbuf[16];
	const char *argv[32];
	unsigned n = 0;
	FILE *fp;

	path_in(f, "ready", ready, sizeof(ready));
	unlink(ready);
	argv[n++] = g_python;
	argv[n++] = g_venue;
	argv[n++] = "--dir";
	argv[n++] = f->dir;
	argv[n++] = "--api-key";
	argv[n++] = KEY;
	argv[n++] = "--api-secret";
	argv[n++] = SECRET;
	argv[n++] = "--ref";
	argv[n++] = "BTCUSDT=30000";
	argv[n++] = "--ref";
	argv[n++] = "ETHUSDT=2000";
	for (unsigned i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	f->venue = fork();
	assert_true(f->venue >= 0);
	if (f->venue == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
		execv(g_python, (char *const *)argv);
		_exit(127);
	}
	for (uint64_t end = mono_ms() + WAIT_MS; access(ready, F_OK) != 0; usleep(10000))
		if (mono_ms() > end)
			fail_msg("rest_venue.py did not start");
	fp = fopen(ready, "r");
	assert_non_null(fp);
	assert_non_null(fgets(portbuf, sizeof(portbuf), fp));
	fclose(fp);
	f->port = (uint16_t)atoi(portbuf);
}

static void stop_venue(struct fixture *f)
{
	int st;

	if (f->venue <= 0)
		return;
	kill(f->venue, SIGTERM);
	waitpid(f->venue, &st, 0);
	f->venue = 0;
}

/* Hands the venue commands (one per line) and waits until it ran them. */
static void control(struct fixture *f, const char *commands)
{
	char tmp[128], path[128];
	FILE *fp;

	path_in(f, "control.tmp", tmp, sizeof(tmp));
	path_in(f, "control", path, sizeof(path));
	fp = fopen(tmp, "w");
	assert_non_null(fp);
	fputs(commands, fp);
	fclose(fp);
	assert_int_equal(rename(tmp, path), 0);
	for (uint64_t end = mono_ms() + WAIT_MS; access(path, F_OK) == 0; usleep(5000))
		if (mono_ms() > end)
			fail_msg("the venue did not take the commands");
}

/* Lines of the venue's file `name` into f->lines; returns how many. */
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

static unsigned venue_count(struct fixture *f, const char *name, const char *prefix)
{
	unsigned n = venue_lines(f, name), k = 0;

	for (unsigned i = 0; i < n; i++)
		k += strncmp(f->lines[i], prefix, strlen(prefix)) == 0;
	return k;
}

static bool venue_has(struct fixture *f, const char *name, const char *line)
{
	unsigned n = venue_lines(f, name);

	for (unsigned i = 0; i < n; i++)
		if (strcmp(f->lines[i], line) == 0)
			return true;
	return false;
}

static void wait_venue_count(struct fixture *f, const char *name, const char *prefix, unsigned at_least)
{
	for (uint64_t end = mono_ms() + WAIT_MS; venue_count(f, name, prefix) < at_least; usleep(10000))
		if (mono_ms() > end)
			fail_msg("the venue's %s never had %u lines '%s'", name, at_least, prefix);
}

/* The quantity the venue traded for a client order id (trades.log). */
static int64_t venue_traded(struct fixture *f, const char *client_id)
{
	unsigned n = venue_lines(f, "trades.log");
	size_t k = strlen(client_id);
	int64_t sum = 0;

	for (unsigned i = 0; i < n; i++) {
		char *qty, *end;
		int64_t v;
		if (strncmp(f->lines[i], client_id, k) != 0 || f->lines[i][k] != ' ')
			continue;
		qty = strchr(f->lines[i] + k + 1, ' ') + 1;
		end = strchr(qty, ' ');
		assert_true(rg_rest_e8_parse(qty, (size_t)(end - qty), &v));
		sum += v;
	}
	return sum;
}

/* ---- the adapter ------------------------------------------------------------- */

static void configure(struct fixture *f)
{
	struct rg_venue_cfg *vc = &f->cfg.venues[0];

	snprintf(vc->rest_base_url, sizeof(vc->rest_base_url), "https://127.0.0.1:%u", f->port);
	snprintf(vc->rest_ws_url, sizeof(vc->rest_ws_url), "wss://127.0.0.1:%u/ws", f->port);
	path_in(f, "cert.pem", vc->rest_ca_file, sizeof(vc->rest_ca_file));
}

static void start_adapter_with(struct fixture *f, const char *key, const char *secret)
{
	char err[256];

	configure(f);
	setenv("RG_TEST_REST_KEY", key, 1);
	setenv("RG_TEST_REST_SECRET", secret, 1);
	f->n_events = 0;
	if (rg_adapter_start(&f->a, &f->cfg, 0, -1, err, sizeof(err)) != 0)
		fail_msg("rg_adapter_start: %s", err);
	f->started = true;
}

static void start_adapter(struct fixture *f)
{
	start_adapter_with(f, KEY, SECRET);
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

/* The first collected event of `kind` for engine_seq at or after *from,
 * waiting for it; advances *from past it.  NULL on timeout. */
static const struct rg_venue_event *wait_event_from(struct fixture *f, unsigned *from, uint8_t kind,
						    uint64_t engine_seq)
{
	uint64_t end = mono_ms() + WAIT_MS;

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
	const struct rg_venue_event *ev = wait_event_from(f, &from, kind, engine_seq);

	if (ev == NULL)
		fail_msg("no event of kind %u for order %llu", kind, (unsigned long long)engine_seq);
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

/* Sum of the FILL quantities reported for engine_seq; *last gets the last fill. */
static int64_t filled(struct fixture *f, uint64_t engine_seq, const struct rg_venue_event **last)
{
	int64_t sum = 0;

	pump(f);
	for (unsigned i = 0; i < f->n_events; i++) {
		if (f->events[i].kind == RG_VEV_FILL && f->events[i].engine_seq == engine_seq) {
			sum += f->events[i].qty_e8;
			if (last != NULL)
				*last = &f->events[i];
		}
	}
	return sum;
}

/* Waits until the fills reported for engine_seq add up to qty. */
static void wait_filled(struct fixture *f, uint64_t engine_seq, int64_t qty)
{
	for (uint64_t end = mono_ms() + WAIT_MS; filled(f, engine_seq, NULL) < qty; usleep(2000))
		if (mono_ms() > end)
			fail_msg("order %llu: fills add up to %lld, expected %lld", (unsigned long long)engine_seq,
				 (long long)filled(f, engine_seq, NULL), (long long)qty);
	assert_int_equal(filled(f, engine_seq, NULL), qty);
}

/* Waits for the first answer about a new order: ACK or REJECT. */
static uint8_t wait_answer(struct fixture *f, uint64_t seq)
{
	for (uint64_t end = mono_ms() + WAIT_MS; mono_ms() < end; usleep(1000)) {
		if (count_events(f, RG_VEV_ACK, seq) != 0)
			return RG_VEV_ACK;
		if (count_events(f, RG_VEV_REJECT, seq) != 0)
			return RG_VEV_REJECT;
	}
	fail_msg("no answer to order %llu", (unsigned long long)seq);
	return 0;
}

static void request(struct fixture *f, uint8_t kind, uint64_t seq, uint32_t symbol, uint8_t side, uint8_t type,
		    uint8_t tif, int64_t qty_e8, int64_t price_e8)
{
	struct rg_venue_request r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.engine_seq = seq;
	r.symbol_id = symbol;
	r.side = side;
	r.type = type;
	r.tif = tif;
	r.qty_e8 = qty_e8;
	r.price_e8 = price_e8;
	assert_true(rg_adapter_submit(&f->a, &r));
}

/* A GTC limit order: BTCUSDT at 29000 rests (the reference is 30000). */
static void new_order(struct fixture *f, uint64_t seq, uint32_t symbol, uint8_t side, int64_t qty_e8, int64_t px_e8)
{
	request(f, RG_VREQ_NEW, seq, symbol, side, RG_TYPE_LIMIT, RG_TIF_GTC, qty_e8, px_e8);
}

static void cancel(struct fixture *f, uint64_t seq, uint32_t symbol)
{
	request(f, RG_VREQ_CANCEL, seq, symbol, 0, 0, 0, 0, 0);
}

/* The adapter's status as its next publication after this call has it: the
 * pass that sent an event the test has seen has ended by then (each pass that
 * did something publishes, an idle one every 100 ms), however long a busy
 * machine kept the adapter thread from getting there. */
static struct rg_rest_adapter_status status(struct fixture *f)
{
	struct rg_rest_adapter_status st;
	uint64_t seen;

	assert_int_equal(rg_rest_adapter_status(&f->a, &st), 0);
	seen = st.published;
	for (uint64_t end = mono_ms() + WAIT_MS; st.published == seen; usleep(1000)) {
		if (mono_ms() > end)
			fail_msg("the adapter published no status in %d ms", WAIT_MS);
		assert_int_equal(rg_rest_adapter_status(&f->a, &st), 0);
	}
	return st;
}

/* status() once every call the adapter started has ended (libcurl counts a
 * connection when the call that opened it ends). */
static struct rg_rest_adapter_status quiet_status(struct fixture *f)
{
	struct rg_rest_adapter_status st = status(f);

	for (uint64_t end = mono_ms() + WAIT_MS; st.stats.requests != st.stats.answers_ok + st.stats.answers_refused +
								  st.stats.answers_failed + st.stats.in_doubt +
								  st.stats.not_sent;
	     st = status(f))
		if (mono_ms() > end)
			fail_msg("%llu call(s) still open after %d ms", (unsigned long long)st.stats.requests, WAIT_MS);
	return st;
}

/* Waits for the `nth` RG_VEV_CONNECTED. */
static void wait_connected(struct fixture *f, unsigned nth)
{
	unsigned from = 0;

	for (unsigned i = 0; i < nth; i++)
		if (wait_event_from(f, &from, RG_VEV_CONNECTED, 0) == NULL)
			fail_msg("the adapter did not come up (%u)", i + 1);
}

/* stderr into the test's directory (to look for secrets in it), and back. */
static void capture_stderr(struct fixture *f)
{
	char path[128];
	int fd;

	path_in(f, "stderr.log", path, sizeof(path));
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	f->saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void restore_stderr(struct fixture *f)
{
	if (f->saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(f->saved_stderr, STDERR_FILENO);
	close(f->saved_stderr);
	f->saved_stderr = -1;
}

/* True when the file has `needle` anywhere. */
static bool file_has(const char *path, const char *needle)
{
	char buf[1 << 16];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* ---- fixture ---------------------------------------------------------------------- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rg_venue_cfg *vc;

	if (f == NULL)
		return -1;
	f->saved_stderr = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rg-rest-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->cfg.instance, sizeof(f->cfg.instance), "rt%d", (int)getpid());
	f->cfg.idle_policy = RG_IDLE_SPIN_YIELD;
	f->cfg.n_venues = 1;
	vc = &f->cfg.venues[0];
	snprintf(vc->name, sizeof(vc->name), "RV%d_%u", (int)getpid(), ++g_test_no);
	vc->kind = RG_VENUE_REST;
	vc->n_buckets = 1;
	vc->buckets[0].count = 100000;
	vc->buckets[0].window_ns = 1000000000ull;
	snprintf(vc->rest_api_key_env, sizeof(vc->rest_api_key_env), "RG_TEST_REST_KEY");
	snprintf(vc->rest_api_secret_env, sizeof(vc->rest_api_secret_env), "RG_TEST_REST_SECRET");
	vc->rest_recv_window_ms = 5000;
	vc->rest_timeout_ns = 10000000000ull;
	vc->rest_max_in_flight = 8;
	vc->rest_keepalive_ns = 1800000000000ull;
	vc->rest_reconnect_min_ns = 100000000ull;
	vc->rest_reconnect_max_ns = 400000000ull;
	f->cfg.symbols = f->symbols;
	f->cfg.n_symbols = 2;
	snprintf(f->symbols[BTC].name, sizeof(f->symbols[BTC].name), "BTCUSDT");
	snprintf(f->symbols[ETH].name, sizeof(f->symbols[ETH].name), "ETHUSDT");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	restore_stderr(f);
	stop_adapter(f);
	stop_venue(f);
	rg_venue_limiter_unlink(f->cfg.venues[0].name);
	if (getenv("RG_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", f->dir);
	} else {
		fprintf(stderr, "kept %s\n", f->dir);
	}
	free(f);
	return 0;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void orders_are_signed_acked_filled_and_cancelled(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev, *last = NULL;
	struct rg_rest_adapter_status st;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	/* A resting order: the venue verified the signature, recvWindow and key to take it. */
	new_order(f, 1, BTC, RG_SIDE_BUY, E8 / 2, 29000 * E8);
	ev = wait_event(f, RG_VEV_ACK, 1);
	assert_int_equal(ev->leaves_e8, E8 / 2);
	assert_true(venue_has(f, "orders.log", "rg-1 BTCUSDT BUY LIMIT 0.50000000 29000.00000000 GTC"));
	control(f, "fill 1 0.2");
	ev = wait_event(f, RG_VEV_FILL, 1);
	assert_int_equal(ev->qty_e8, E8 / 5);
	assert_int_equal(ev->price_e8, 29000 * E8);
	assert_int_equal(ev->leaves_e8, 3 * E8 / 10);
	cancel(f, 1, BTC);
	ev = wait_event(f, RG_VEV_CANCELLED, 1);
	assert_true(venue_has(f, "cancels.log", "rg-1 BTCUSDT"));
	/* Marketable, in three trades: three fills, the last closes the order. */
	control(f, "fill_parts 3");
	new_order(f, 2, ETH, RG_SIDE_SELL, 3 * E8, 1990 * E8);
	wait_filled(f, 2, 3 * E8);
	filled(f, 2, &last);
	assert_int_equal(last->leaves_e8, 0);
	assert_int_equal(count_events(f, RG_VEV_FILL, 2), 3);
	assert_int_equal(count_events(f, RG_VEV_CANCELLED, 2), 0);
	/* IOC that cannot fill: acked, then done. DAY is sent as GTC (a 24/7 venue). */
	request(f, RG_VREQ_NEW, 3, BTC, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_IOC, E8, 20000 * E8);
	wait_event(f, RG_VEV_CANCELLED, 3);
	request(f, RG_VREQ_NEW, 4, BTC, RG_SIDE_SELL, RG_TYPE_LIMIT, RG_TIF_DAY, E8, 31000 * E8);
	wait_event(f, RG_VEV_ACK, 4);
	assert_true(venue_has(f, "orders.log", "rg-4 BTCUSDT SELL LIMIT 1.00000000 31000.00000000 GTC"));
	/* Market: fills at the venue's price. */
	control(f, "fill_parts 1");
	request(f, RG_VREQ_NEW, 5, ETH, RG_SIDE_BUY, RG_TYPE_MARKET, RG_TIF_IOC, E8 / 4, 0);
	wait_filled(f, 5, E8 / 4);
	filled(f, 5, &last);
	assert_int_equal(last->price_e8, 2000 * E8);
	/* No cancel-replace at this venue (rest.cancel_replace false); unknown orders. */
	request(f, RG_VREQ_REPLACE, 4, BTC, RG_SIDE_SELL, RG_TYPE_LIMIT, RG_TIF_GTC, E8, 30500 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REPLACE_REJECT, 4)->reason, RG_REST_REASON_NO_REPLACE);
	cancel(f, 99, BTC);
	assert_int_equal(wait_event(f, RG_VEV_CANCEL_REJECT, 99)->reason, RG_REST_REASON_UNKNOWN_ORDER);
	/* A symbol of no venue of ours never leaves. */
	new_order(f, 6, 7, RG_SIDE_BUY, E8, E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 6)->reason, RG_REST_REASON_ENCODE);
	/* Keep-alive: orders one after the other reuse the connection the last
	 * one used (the venue's own count agrees with libcurl's). */
	st = quiet_status(f); /* an order's answer can come after its fill on the stream */
	assert_int_equal(venue_count(f, "events.log", "connection"), st.connections + 1); /* + the stream's */
	uint64_t connections = st.connections;
	for (uint64_t s = 10; s < 20; s++) {
		uint64_t answered = st.stats.answers_ok;
		new_order(f, s, BTC, RG_SIDE_BUY, E8, 28000 * E8);
		for (uint64_t end = mono_ms() + WAIT_MS; (st = status(f)).stats.answers_ok == answered;)
			if (mono_ms() > end)
				fail_msg("order %llu got no answer", (unsigned long long)s);
	}
	assert_true(st.connections <= connections + 1);
	assert_int_equal(venue_count(f, "events.log", "connection"), st.connections + 1);
	assert_int_equal(st.stats.duplicates + st.stats.gaps + st.stats.protocol_errors, 0);
}

static void duplicated_and_reordered_stream_events_fill_exactly_once(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *last = NULL;
	struct rg_rest_adapter_status st;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	control(f, "dup on\nreorder on\nfill_parts 4");
	new_order(f, 1, ETH, RG_SIDE_SELL, 2 * E8, 1990 * E8);
	wait_filled(f, 1, 2 * E8);
	filled(f, 1, &last);
	assert_int_equal(last->leaves_e8, 0);
	assert_int_equal(count_events(f, RG_VEV_ACK, 1), 1);
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 2);
	control(f, "fill 2 0.1\nfill 2 0.2\nfill 2 0.3");
	wait_filled(f, 2, 6 * E8 / 10);
	cancel(f, 2, BTC);
	wait_event(f, RG_VEV_CANCELLED, 2);
	control(f, "dup off\nreorder off");
	assert_int_equal(filled(f, 1, NULL), venue_traded(f, "rg-1"));
	assert_int_equal(filled(f, 2, NULL), venue_traded(f, "rg-2"));
	assert_int_equal(count_events(f, RG_VEV_CANCELLED, 2), 1);
	st = status(f);
	assert_true(st.stats.duplicates > 0);
	assert_int_equal(st.live_orders, 0);
}

static void a_stream_drop_in_the_middle_of_fills_loses_and_doubles_nothing(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *last = NULL, *ev;
	struct rg_rest_adapter_status st;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 1);
	wait_event(f, RG_VEV_ACK, 2);
	control(f, "fill 1 0.1");
	wait_filled(f, 1, E8 / 10);
	/* While the stream is down the venue goes on: two fills and an expiry
	 * that the stream never carries. */
	control(f, "mute on\nfill 1 0.2\nfill 1 0.3\ncancel 2\ndrop_stream\nmute off");
	ev = wait_event(f, RG_VEV_DISCONNECTED, 0);
	assert_int_equal(ev->reason, RG_REST_REASON_STREAM_LOST);
	wait_connected(f, 2);
	wait_filled(f, 1, 6 * E8 / 10);
	filled(f, 1, &last);
	assert_int_equal(last->leaves_e8, 4 * E8 / 10);
	wait_event(f, RG_VEV_CANCELLED, 2);
	control(f, "fill 1 0.4");
	wait_filled(f, 1, E8);
	filled(f, 1, &last);
	assert_int_equal(last->leaves_e8, 0);
	assert_int_equal(count_events(f, RG_VEV_FILL, 1), 4);
	assert_int_equal(filled(f, 1, NULL), venue_traded(f, "rg-1"));
	/* A drop in the middle of a burst of trades of one order. */
	control(f, "fill_parts 5\ndrop_after 3");
	new_order(f, 3, ETH, RG_SIDE_BUY, 5 * E8, 2100 * E8);
	wait_connected(f, 3);
	wait_filled(f, 3, 5 * E8);
	filled(f, 3, &last);
	assert_int_equal(last->leaves_e8, 0);
	assert_int_equal(count_events(f, RG_VEV_FILL, 3), 5);
	assert_int_equal(filled(f, 3, NULL), venue_traded(f, "rg-3"));
	st = status(f);
	assert_true(st.stats.fills_recovered >= 2);
	assert_true(st.stats.stream_drops >= 2);
	assert_int_equal(st.live_orders, 0);
	/* No order reached the venue twice. */
	assert_int_equal(venue_count(f, "orders.log", "rg-"), 3);
}

static void http_429_holds_new_orders_here_and_in_the_shared_limiter(void **state)
{
	struct fixture *f = *state;
	struct rg_venue_limiter l;
	struct rg_rest_adapter_status st;
	char err[256];

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 1);
	control(f, "answer429 1 30");
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 2)->reason, 429);
	/* The back-off: the next order is refused without reaching the venue ... */
	new_order(f, 3, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 3)->reason, RG_REST_REASON_THROTTLED);
	assert_int_equal(venue_count(f, "orders.log", "rg-"), 1);
	/* ... and the engine's limiter, shared with the adapter, has no token either. */
	assert_int_equal(rg_venue_limiter_open(&l, &f->cfg.venues[0], err, sizeof(err)), 0);
	assert_false(rg_venue_limiter_try_acquire(&l, rg_mono_ns()));
	rg_venue_limiter_close(&l);
	st = status(f);
	assert_true(st.throttled);
	assert_int_equal(st.stats.http_429, 1);
	assert_int_equal(st.stats.throttled, 1);
	assert_non_null(strstr(st.last_error, "429"));
}

static void limit_headers_hold_orders_before_the_venue_refuses(void **state)
{
	struct fixture *f = *state;
	static const char *const args[] = {"--order-window-s", "86400", "--orders-per-10s", "3", NULL};
	struct rg_venue_cfg *vc = &f->cfg.venues[0];
	struct rg_rest_adapter_status st;

	/* The venue's own limit: 3 orders a day (its X-MBX-ORDER-COUNT-1D header). */
	vc->n_buckets = 2;
	vc->buckets[1].count = 3;
	vc->buckets[1].window_ns = 86400000000000ull;
	start_venue(f, args);
	start_adapter(f);
	wait_connected(f, 1);
	for (uint64_t s = 1; s <= 3; s++) {
		new_order(f, s, BTC, RG_SIDE_BUY, E8, 29000 * E8);
		wait_event(f, RG_VEV_ACK, s);
	}
	/* The third answer said 3 of 3 (an ACK may come on the stream before it) ... */
	for (uint64_t end = mono_ms() + WAIT_MS; !status(f).held;)
		if (mono_ms() > end)
			fail_msg("the venue's order count did not hold new orders");
	/* ... so the fourth is held here, never refused there. */
	new_order(f, 4, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 4)->reason, RG_REST_REASON_THROTTLED);
	assert_int_equal(venue_count(f, "orders.log", "rg-"), 3);
	assert_int_equal(venue_count(f, "requests.log", "POST /api/v3/order 429"), 0);
	st = status(f);
	assert_true(st.held);
	assert_true(st.stats.limit_holds >= 1);
	/* Cancels still go. */
	cancel(f, 1, BTC);
	wait_event(f, RG_VEV_CANCELLED, 1);
}

static void request_weight_at_its_limit_holds_new_orders(void **state)
{
	struct fixture *f = *state;
	static const char *const args[] = {"--weight-window-s", "86400", "--weight-limit", "60", NULL};
	struct rg_venue_cfg *vc = &f->cfg.venues[0];
	struct rg_rest_adapter_status st;
	uint64_t seq = 0;

	/* 60 weight a day, 10 kept for cancels and queries: with the calls of
	 * the start-up, a few orders reach 50. */
	vc->rest_weight_limit = 60;
	vc->rest_weight_window_ns = 86400000000000ull;
	vc->rest_weight_reserve = 10;
	start_venue(f, args);
	start_adapter(f);
	wait_connected(f, 1);
	while (++seq < 60) {
		new_order(f, seq, BTC, RG_SIDE_BUY, E8, 29000 * E8);
		if (wait_answer(f, seq) == RG_VEV_REJECT)
			break;
	}
	assert_int_equal(wait_event(f, RG_VEV_REJECT, seq)->reason, RG_REST_REASON_THROTTLED);
	assert_int_equal(venue_count(f, "requests.log", "POST /api/v3/order 429"), 0);
	st = status(f);
	assert_true(st.held);
}

static void http_418_ban_stops_sending_and_opens_the_breaker(void **state)
{
	struct fixture *f = *state;
	struct rg_rest_adapter_status st;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	control(f, "answer418 60");
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 1)->reason, 418);
	assert_int_equal(wait_event(f, RG_VEV_BANNED, 0)->reason, 418);
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 2)->reason, RG_REST_REASON_BANNED);
	assert_int_equal(venue_count(f, "orders.log", "rg-"), 0);
	st = status(f);
	assert_true(st.banned);
	assert_int_equal(st.stats.http_418, 1);
	assert_int_equal(count_events(f, RG_VEV_BANNED, 0), 1);
}

static void an_unanswered_order_stays_in_doubt_until_the_venue_is_asked(void **state)
{
	struct fixture *f = *state;
	struct rg_venue_cfg *vc = &f->cfg.venues[0];
	const struct rg_venue_event *ev;

	vc->rest_timeout_ns = 1000000000ull;
	vc->rest_recv_window_ms = 1000;
	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	/* Taken by the venue, answered too late, and the stream is silent: only
	 * the adapter's query can tell. */
	control(f, "mute on\nslow_next_order 5");
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	ev = wait_event(f, RG_VEV_ACK, 1);
	assert_int_equal(ev->leaves_e8, E8);
	wait_venue_count(f, "requests.log", "GET /api/v3/order 200", 1);
	assert_int_equal(count_events(f, RG_VEV_REJECT, 1), 0);
	/* Lost on the way: the venue has no such order once recvWindow has passed. */
	control(f, "lose_next_order");
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 2)->reason, RG_REST_REASON_NOT_PLACED);
	wait_venue_count(f, "requests.log", "GET /api/v3/order 400", 1);
	assert_int_equal(count_events(f, RG_VEV_ACK, 2), 0);
	/* Taken, but its answer lost with the connection: libcurl sends it again,
	 * the venue calls that a duplicate, and the order is live, not refused. */
	control(f, "drop_answer_next_order");
	new_order(f, 3, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 3);
	assert_int_equal(count_events(f, RG_VEV_REJECT, 3), 0);
	assert_int_equal(venue_count(f, "orders.log", "rg-3 "), 1);
	control(f, "mute off");
	assert_true(status(f).stats.in_doubt >= 2);
}

static void a_slow_answer_does_not_hold_up_the_next_order(void **state)
{
	struct fixture *f = *state;
	unsigned ack1 = 0, ack2 = 0;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	/* The stream is silent, so each ACK is the REST answer: the second
	 * order's comes back while the first's is still on its way. */
	control(f, "mute on\nslow_order rg-1 3");
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 1);
	wait_event(f, RG_VEV_ACK, 2);
	for (unsigned i = 0; i < f->n_events; i++) {
		if (f->events[i].kind == RG_VEV_ACK && f->events[i].engine_seq == 1)
			ack1 = i;
		if (f->events[i].kind == RG_VEV_ACK && f->events[i].engine_seq == 2)
			ack2 = i;
	}
	assert_true(ack2 < ack1);
	control(f, "mute off");
	assert_int_equal(count_events(f, RG_VEV_REJECT, 1) + count_events(f, RG_VEV_REJECT, 2), 0);
}

static void the_venue_clock_offset_keeps_requests_inside_recv_window(void **state)
{
	struct fixture *f = *state;
	static const char *const args[] = {"--skew-ms", "45000", NULL};
	struct rg_rest_adapter_status st;

	f->cfg.venues[0].rest_recv_window_ms = 2000;
	start_venue(f, args);
	start_adapter(f);
	wait_connected(f, 1);
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 1);
	st = status(f);
	assert_true(st.clock_offset_ms > 40000 && st.clock_offset_ms < 50000);
	/* The venue's clock jumps: refused (-1021), the clock is read again, and orders pass. */
	control(f, "skew 90000");
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 2)->reason, 400);
	for (uint64_t end = mono_ms() + WAIT_MS; status(f).clock_offset_ms < 85000;)
		if (mono_ms() > end)
			fail_msg("the adapter did not read the venue's clock again");
	new_order(f, 3, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 3);
	assert_true(venue_count(f, "events.log", "recvWindow refused") >= 1);
}

static void a_wrong_key_fails_clearly_without_a_retry_storm(void **state)
{
	struct fixture *f = *state;
	struct rg_rest_adapter_status st;
	char path[128];
	uint64_t first, fourth;

	start_venue(f, NULL);
	capture_stderr(f);
	start_adapter_with(f, "WRONG-" KEY, SECRET);
	assert_int_equal(wait_event(f, RG_VEV_BANNED, 0)->reason, RG_REST_REASON_AUTH);
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REJECT, 1)->reason, RG_REST_REASON_AUTH);
	/* Retries follow the back-off (100, 200, 400, 400 ms): four attempts
	 * take 700 ms at least; a storm would take a few. */
	wait_venue_count(f, "events.log", "auth refused: API key", 1);
	first = mono_ms();
	wait_venue_count(f, "events.log", "auth refused: API key", 4);
	fourth = mono_ms();
	assert_true(fourth - first >= 500);
	st = status(f);
	assert_true(st.auth_failed);
	assert_false(st.up);
	assert_non_null(strstr(st.last_error, "refused the API key"));
	assert_non_null(strstr(st.last_error, "-2015"));
	assert_int_equal(count_events(f, RG_VEV_BANNED, 0), 1);
	assert_int_equal(count_events(f, RG_VEV_CONNECTED, 0), 0);
	assert_int_equal(venue_count(f, "orders.log", "rg-"), 0);
	stop_adapter(f);
	restore_stderr(f);
	path_in(f, "stderr.log", path, sizeof(path));
	assert_true(file_has(path, "refused the API key"));
	assert_false(file_has(path, KEY));
	assert_false(file_has(path, SECRET));
	assert_null(strstr(st.last_error, KEY));
}

static void a_wrong_secret_fails_clearly(void **state)
{
	struct fixture *f = *state;
	struct rg_rest_adapter_status st;
	char path[128];

	start_venue(f, NULL);
	capture_stderr(f);
	start_adapter_with(f, KEY, "WRONG-" SECRET);
	assert_int_equal(wait_event(f, RG_VEV_BANNED, 0)->reason, RG_REST_REASON_AUTH);
	wait_venue_count(f, "events.log", "auth refused: signature", 2);
	st = status(f);
	assert_true(st.auth_failed);
	assert_non_null(strstr(st.last_error, "-1022"));
	assert_int_equal(count_events(f, RG_VEV_CONNECTED, 0), 0);
	stop_adapter(f);
	restore_stderr(f);
	path_in(f, "stderr.log", path, sizeof(path));
	assert_true(file_has(path, "signature"));
	assert_false(file_has(path, KEY));
	assert_false(file_has(path, SECRET));
}

static void cancel_replace_maps_onto_the_venue(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev, *last = NULL;

	f->cfg.venues[0].rest_cancel_replace = true;
	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	new_order(f, 1, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 1);
	control(f, "fill 1 0.25");
	wait_filled(f, 1, E8 / 4);
	/* Replace to 0.8 in all at 29100: the new leg carries what is still open. */
	request(f, RG_VREQ_REPLACE, 1, BTC, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_GTC, 8 * E8 / 10, 29100 * E8);
	ev = wait_event(f, RG_VEV_REPLACED, 1);
	assert_int_equal(ev->qty_e8, 8 * E8 / 10);
	assert_int_equal(ev->price_e8, 29100 * E8);
	assert_int_equal(ev->leaves_e8, 55 * E8 / 100);
	assert_true(venue_has(f, "orders.log", "rg-1-1 BTCUSDT BUY LIMIT 0.55000000 29100.00000000 GTC"));
	assert_true(venue_has(f, "cancels.log", "rg-1 BTCUSDT replace"));
	assert_int_equal(count_events(f, RG_VEV_CANCELLED, 1), 0); /* the old leg's cancel is the replace's */
	control(f, "fill 1 0.55");
	wait_filled(f, 1, 8 * E8 / 10);
	filled(f, 1, &last);
	assert_int_equal(last->leaves_e8, 0);
	assert_int_equal(last->price_e8, 29100 * E8);
	/* Refused: unknown, and a market order. */
	request(f, RG_VREQ_REPLACE, 77, BTC, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_GTC, E8, 29000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REPLACE_REJECT, 77)->reason, RG_REST_REASON_UNKNOWN_ORDER);
	/* The venue cancels the old leg but refuses the new: the order ends. */
	new_order(f, 2, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 2);
	control(f, "replace_new_fails on");
	request(f, RG_VREQ_REPLACE, 2, BTC, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_GTC, E8, 28000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REPLACE_REJECT, 2)->reason, 409);
	ev = wait_event(f, RG_VEV_CANCELLED, 2);
	assert_int_equal(ev->leaves_e8, E8);
	/* The venue refuses the cancel part (the order is gone there): nothing changes. */
	control(f, "replace_new_fails off");
	new_order(f, 3, BTC, RG_SIDE_BUY, E8, 29000 * E8);
	wait_event(f, RG_VEV_ACK, 3);
	control(f, "mute on\ncancel 3");
	request(f, RG_VREQ_REPLACE, 3, BTC, RG_SIDE_BUY, RG_TYPE_LIMIT, RG_TIF_GTC, E8, 28000 * E8);
	assert_int_equal(wait_event(f, RG_VEV_REPLACE_REJECT, 3)->reason, 400);
	control(f, "mute off");
	assert_int_equal(venue_count(f, "orders.log", "rg-3-1"), 0);
}

static void a_restarted_adapter_adopts_open_orders_and_answers_the_engine(void **state)
{
	struct fixture *f = *state;
	const struct rg_venue_event *ev;
	struct rg_rest_adapter_status st;

	start_venue(f, NULL);
	start_adapter(f);
	wait_connected(f, 1);
	for (uint64_t s = 1; s <= 3; s++) {
		new_order(f, s, BTC, RG_SIDE_BUY, E8, 29000 * E8);
		wait_event(f, RG_VEV_ACK, s);
	}
	control(f, "fill 1 0.2");
	wait_filled(f, 1, E8 / 5);
	stop_adapter(f);
	/* While riskgate is away: order 1 fills more, order 2 ends, 3 rests. */
	control(f, "fill 1 0.3\ncancel 2");
	start_adapter(f);
	wait_connected(f, 1);
	st = status(f);
	assert_int_equal(st.stats.adopted, 2);
	/* The engine's journal knew order 1 with 0.8 open: the 0.3 it missed comes now, once. */
	request(f, RG_VREQ_QUERY, 1, BTC, 0, 0, 0, 8 * E8 / 10, 0);
	ev = wait_event(f, RG_VEV_FILL, 1);
	assert_int_equal(ev->qty_e8, 3 * E8 / 10);
	assert_int_equal(ev->leaves_e8, E8 / 2);
	/* Order 2 ended while away. */
	request(f, RG_VREQ_QUERY, 2, BTC, 0, 0, 0, E8, 0);
	ev = wait_event(f, RG_VEV_CANCELLED, 2);
	assert_int_equal(ev->leaves_e8, E8);
	/* Order 3 rests: followed again, without events until it trades. */
	request(f, RG_VREQ_QUERY, 3, BTC, 0, 0, 0, E8, 0);
	control(f, "fill 3 1");
	ev = wait_event(f, RG_VEV_FILL, 3);
	assert_int_equal(ev->leaves_e8, 0);
	/* An order the venue never had. */
	request(f, RG_VREQ_QUERY, 9, BTC, 0, 0, 0, E8, 0);
	ev = wait_event(f, RG_VEV_CANCELLED, 9);
	assert_int_equal(ev->reason, RG_REST_REASON_NOT_PLACED);
	/* A repeated query adds nothing. */
	request(f, RG_VREQ_QUERY, 1, BTC, 0, 0, 0, 8 * E8 / 10, 0);
	control(f, "fill 1 0.5");
	wait_filled(f, 1, E8 / 2 + 3 * E8 / 10);
	assert_int_equal(count_events(f, RG_VEV_FILL, 1), 2);
	assert_int_equal(count_events(f, RG_VEV_ACK, 1), 0);
	assert_int_equal(count_events(f, RG_VEV_ACK, 3), 0);
	st = status(f);
	assert_int_equal(st.stats.orphans, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(orders_are_signed_acked_filled_and_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicated_and_reordered_stream_events_fill_exactly_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_stream_drop_in_the_middle_of_fills_loses_and_doubles_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(http_429_holds_new_orders_here_and_in_the_shared_limiter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(limit_headers_hold_orders_before_the_venue_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(request_weight_at_its_limit_holds_new_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(http_418_ban_stops_sending_and_opens_the_breaker, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unanswered_order_stays_in_doubt_until_the_venue_is_asked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_slow_answer_does_not_hold_up_the_next_order, setup, teardown),
		cmocka_unit_test_setup_teardown(the_venue_clock_offset_keeps_requests_inside_recv_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_wrong_key_fails_clearly_without_a_retry_storm, setup, teardown),
		cmocka_unit_test_setup_teardown(a_wrong_secret_fails_clearly, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_replace_maps_onto_the_venue, setup, teardown),
		cmocka_unit_test_setup_teardown(a_restarted_adapter_adopts_open_orders_and_answers_the_engine, setup,
						teardown),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s PYTHON VENUE_SCRIPT\n", argv[0]);
		return 2;
	}
	g_python = argv[1];
	g_venue = argv[2];
	if (getenv("RG_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("RG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
