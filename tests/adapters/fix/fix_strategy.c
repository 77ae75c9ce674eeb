/*
 * A scripted strategy for the FIX end-to-end tests (fix_engine_test.sh): it
 * trades through a riskgate engine whose venue is the QuickFIX acceptor and
 * checks every report the engine sends back.  It uses only the public client
 * header.  Each approved order's engine sequence is printed as
 * "order CLIENT_ID engine_seq N" so the test can find it at the venue (its
 * ClOrdID there is "<run>-N").
 *
 *   fix_strategy INSTANCE trade          buy 10 AAPL (fills), sell 200 MSFT GTC
 *                                        (half fills), cancel it, buy 5 ZZZZ
 *                                        (the venue rejects it), then show that
 *                                        the AAPL fill moved the position: a
 *                                        second buy of 10 is refused
 *                                        MAX_POSITION_QTY (limit 15), a sell of
 *                                        10 fills, and a buy of 10 passes again
 *   fix_strategy INSTANCE roundtrip ID   sell 10 AAPL (client id ID), then buy 10
 *                                        (ID + 1): both fill, the position is
 *                                        where it was
 *   fix_strategy INSTANCE refused ID     buy 10 AAPL with client id ID; the
 *                                        adapter refuses it: no session (1001)
 *   fix_strategy INSTANCE circuit ID     buy 10 AAPL with client id ID; the
 *                                        engine refuses it: CIRCUIT_OPEN
 *   fix_strategy INSTANCE replace ID     buy 2000 MSFT (rests), replace it to 1500
 *                                        at 101.00, then to 3000 at 101.50
 *                                        (REPLACED each), cancel it; buy 10 MSFT
 *                                        (fills at once) and replace it at once:
 *                                        REPLACE_REJECTED after the fill
 * Exit 0 when every step got its expected answers, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <riskgate/client.h>

#define WAIT_NS 10000000000ull
#define STASH 256
#define PRICE_E8 10125000000 /* 101.25 */
#define NOT_CONNECTED 1001   /* RG_FIX_REASON_NOT_CONNECTED (adapters/fix/fix_session.h) */

static struct rg_client g_c;
static struct rg_report g_stash[STASH];
static unsigned g_n;

static void die(const char *fmt, uint64_t a, uint64_t b)
{
	fprintf(stdout, "FAIL: ");
	fprintf(stdout, fmt, a, b);
	fprintf(stdout, "\n");
	exit(1);
}

static uint32_t symbol(const char *name)
{
	uint32_t id;

	if (rg_client_symbol_id(&g_c, name, &id) != 0) {
		printf("FAIL: symbol %s not published by the engine\n", name);
		exit(1);
	}
	return id;
}

/* The next report of `kind` about client_order_id (stashing others). */
static struct rg_report expect(uint64_t client_order_id, uint8_t kind)
{
	uint64_t end = rg_client_now_ns() + WAIT_NS;
	struct rg_report r;

	for (;;) {
		for (unsigned i = 0; i < g_n; i++) {
			if (g_stash[i].client_order_id == client_order_id && g_stash[i].kind == kind) {
				r = g_stash[i];
				/* keep arrival order: two fills of one order stay in sequence */
				memmove(&g_stash[i], &g_stash[i + 1], (g_n - i - 1) * sizeof(g_stash[0]));
				g_n--;
				return r;
			}
		}
		if (rg_client_now_ns() > end)
			die("no report of kind %" PRIu64 " for order %" PRIu64, kind, client_order_id);
		while (g_n < STASH && rg_client_poll(&g_c, &g_stash[g_n], 1) == 1)
			g_n++;
		rg_client_heartbeat(&g_c);
	}
}

/* No report about client_order_id of `kind` is waiting (after the others came). */
static void expect_none(uint64_t client_order_id, uint8_t kind)
{
	while (g_n < STASH && rg_client_poll(&g_c, &g_stash[g_n], 1) == 1)
		g_n++;
	for (unsigned i = 0; i < g_n; i++)
		if (g_stash[i].client_order_id == client_order_id && g_stash[i].kind == kind)
			die("unexpected report of kind %" PRIu64 " for order %" PRIu64, kind, client_order_id);
}

static void send_order(uint64_t id, const char *sym, uint8_t side, int64_t qty, uint8_t tif)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = id;
	o.symbol_id = symbol(sym);
	o.side = side;
	o.type = RG_TYPE_LIMIT;
	o.tif = tif;
	o.qty_e8 = qty * RG_QTY_SCALE;
	o.price_e8 = PRICE_E8;
	o.client_ts_ns = rg_client_now_ns();
	while (!rg_client_submit(&g_c, &o))
		;
}

/* Sends an order and expects it ACCEPTED; prints its engine sequence. */
static void accepted(uint64_t id, const char *sym, uint8_t side, int64_t qty, uint8_t tif)
{
	struct rg_report r;

	send_order(id, sym, side, qty, tif);
	r = expect(id, RG_REPORT_ACCEPTED);
	printf("order %" PRIu64 " engine_seq %" PRIu64 "\n", id, r.engine_seq);
}

static void fill(uint64_t id, int64_t qty, int64_t leaves)
{
	struct rg_report r = expect(id, RG_REPORT_FILL);

	if (r.fill.qty_e8 != qty * RG_QTY_SCALE || r.fill.leaves_e8 != leaves * RG_QTY_SCALE ||
	    r.fill.price_e8 != PRICE_E8)
		die("fill of order %" PRIu64 ": unexpected quantity, price or leaves (qty_e8 %" PRIu64 ")", id,
		    (uint64_t)r.fill.qty_e8);
	printf("ok fill %" PRIu64 " %" PRId64 " leaves %" PRId64 "\n", id, qty, leaves);
}

static void trade_script(void)
{
	struct rg_report r;

	/* 1. Buy 10 AAPL: acked, filled in full at the limit. */
	accepted(1, "AAPL", RG_SIDE_BUY, 10, RG_TIF_DAY);
	expect(1, RG_REPORT_VENUE_ACK);
	fill(1, 10, 0);
	/* 2. Sell 200 MSFT GTC: half fills, the rest rests; 3. cancel it. */
	accepted(2, "MSFT", RG_SIDE_SELL, 200, RG_TIF_GTC);
	expect(2, RG_REPORT_VENUE_ACK);
	fill(2, 100, 100);
	while (!rg_client_cancel(&g_c, 3, 2, symbol("MSFT")))
		;
	r = expect(3, RG_REPORT_ACCEPTED);
	printf("cancel 3 engine_seq %" PRIu64 "\n", r.engine_seq);
	expect(2, RG_REPORT_CANCELLED);
	printf("ok cancelled 2\n");
	/* 4. ZZZZ: the engine approves it, the venue does not know it. */
	accepted(4, "ZZZZ", RG_SIDE_BUY, 5, RG_TIF_DAY);
	r = expect(4, RG_REPORT_VENUE_REJECT);
	if (r.reject.value != 1)
		die("venue reject of order %" PRIu64 ": reason %" PRIu64 ", expected 1 (unknown symbol)", 4,
		    (uint64_t)r.reject.value);
	printf("ok venue reject 4\n");
	/* 5. The fill of order 1 moved the position to 10: another 10 would
	 * make 20 > max_position_qty 15.  (Before the fill, with order 1 done,
	 * nothing would be reserved and this would pass.) */
	send_order(5, "AAPL", RG_SIDE_BUY, 10, RG_TIF_DAY);
	r = expect(5, RG_REPORT_REJECTED);
	if (r.reason != RG_REJ_MAX_POSITION_QTY)
		die("order 5: reason %" PRIu64 ", expected MAX_POSITION_QTY (%" PRIu64 ")", r.reason,
		    RG_REJ_MAX_POSITION_QTY);
	printf("ok rejected 5 MAX_POSITION_QTY\n");
	/* 6. Sell 10: fills, the position is flat; 7. buy 10 passes again. */
	accepted(6, "AAPL", RG_SIDE_SELL, 10, RG_TIF_DAY);
	expect(6, RG_REPORT_VENUE_ACK);
	fill(6, 10, 0);
	accepted(7, "AAPL", RG_SIDE_BUY, 10, RG_TIF_DAY);
	expect(7, RG_REPORT_VENUE_ACK);
	fill(7, 10, 0);
	expect_none(1, RG_REPORT_FILL);
	expect_none(2, RG_REPORT_FILL);
	expect_none(4, RG_REPORT_VENUE_ACK);
}

int main(int argc, char **argv)
{
	char err[256];
	uint64_t id;

	if (argc < 3 || (strcmp(argv[2], "trade") != 0 && argc != 4)) {
		fprintf(stderr, "usage: fix_strategy INSTANCE trade | roundtrip ID | refused ID | circuit ID\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (rg_client_open(&g_c, argv[1], "alpha", err, sizeof(err)) != 0) {
		printf("FAIL: %s\n", err);
		return 1;
	}
	if (strcmp(argv[2], "trade") == 0) {
		trade_script();
	} else if (strcmp(argv[2], "roundtrip") == 0) {
		id = strtoull(argv[3], NULL, 10);
		accepted(id, "AAPL", RG_SIDE_SELL, 10, RG_TIF_DAY);
		expect(id, RG_REPORT_VENUE_ACK);
		fill(id, 10, 0);
		accepted(id + 1, "AAPL", RG_SIDE_BUY, 10, RG_TIF_IOC);
		expect(id + 1, RG_REPORT_VENUE_ACK);
		fill(id + 1, 10, 0);
	} else if (strcmp(argv[2], "refused") == 0) {
		struct rg_report r;
		id = strtoull(argv[3], NULL, 10);
		accepted(id, "AAPL", RG_SIDE_BUY, 10, RG_TIF_DAY);
		r = expect(id, RG_REPORT_VENUE_REJECT);
		if (r.reject.value != NOT_CONNECTED)
			die("order %" PRIu64 ": venue reject reason %" PRIu64 ", expected 1001 (no session)", id,
			    (uint64_t)r.reject.value);
		printf("ok refused %" PRIu64 " not connected\n", id);
	} else if (strcmp(argv[2], "circuit") == 0) {
		struct rg_report r;
		id = strtoull(argv[3], NULL, 10);
		send_order(id, "AAPL", RG_SIDE_BUY, 10, RG_TIF_DAY);
		r = expect(id, RG_REPORT_REJECTED);
		if (r.reason != RG_REJ_CIRCUIT_OPEN)
			die("order %" PRIu64 ": reason %" PRIu64 ", expected CIRCUIT_OPEN", id, r.reason);
		printf("ok rejected %" PRIu64 " CIRCUIT_OPEN\n", id);
	} else if (strcmp(argv[2], "replace") == 0) {
		struct rg_report r;
		struct rg_order o;
		static const struct {
			int64_t qty;
			int64_t px_e8;
		} steps[] = {{1500, 10100000000}, {3000, 10150000000}};
		uint64_t cur;
		id = strtoull(argv[3], NULL, 10);
		accepted(id, "MSFT", RG_SIDE_BUY, 2000, RG_TIF_DAY);
		expect(id, RG_REPORT_VENUE_ACK);
		cur = id;
		for (unsigned i = 0; i < 2; i++) {
			memset(&o, 0, sizeof(o));
			o.client_order_id = id + 1 + i;
			o.orig_client_order_id = cur;
			o.symbol_id = symbol("MSFT");
			o.side = RG_SIDE_BUY;
			o.type = RG_TYPE_LIMIT;
			o.tif = RG_TIF_DAY;
			o.qty_e8 = steps[i].qty * RG_QTY_SCALE;
			o.price_e8 = steps[i].px_e8;
			while (!rg_client_replace(&g_c, &o))
				;
			expect(o.client_order_id, RG_REPORT_ACCEPTED);
			r = expect(o.client_order_id, RG_REPORT_REPLACED);
			if (r.fill.leaves_e8 != o.qty_e8 || r.fill.price_e8 != o.price_e8)
				die("replace %" PRIu64 ": leaves_e8 %" PRIu64 " not as asked", o.client_order_id,
				    (uint64_t)r.fill.leaves_e8);
			printf("ok replaced %" PRIu64 " leaves %" PRId64 "\n", o.client_order_id, steps[i].qty);
			cur = o.client_order_id;
		}
		while (!rg_client_cancel(&g_c, id + 3, cur, symbol("MSFT")))
			;
		expect(id + 3, RG_REPORT_ACCEPTED);
		expect(cur, RG_REPORT_CANCELLED);
		printf("ok cancelled %" PRIu64 "\n", cur);
		/* A fill races the replace. */
		send_order(id + 4, "MSFT", RG_SIDE_BUY, 10, RG_TIF_DAY);
		memset(&o, 0, sizeof(o));
		o.client_order_id = id + 5;
		o.orig_client_order_id = id + 4;
		o.symbol_id = symbol("MSFT");
		o.side = RG_SIDE_BUY;
		o.type = RG_TYPE_LIMIT;
		o.tif = RG_TIF_DAY;
		o.qty_e8 = 5 * RG_QTY_SCALE;
		o.price_e8 = PRICE_E8;
		while (!rg_client_replace(&g_c, &o))
			;
		expect(id + 4, RG_REPORT_ACCEPTED);
		for (uint64_t end = rg_client_now_ns() + WAIT_NS; rg_client_now_ns() < end;) {
			bool accepted5 = false;
			while (g_n < STASH && rg_client_poll(&g_c, &g_stash[g_n], 1) == 1)
				g_n++;
			for (unsigned i = 0; i < g_n; i++) {
				if (g_stash[i].client_order_id == id + 5 && g_stash[i].kind == RG_REPORT_REJECTED) {
					/* The engine had the fill before the replace: refused by the engine instead. */
					if (g_stash[i].reason != RG_REJ_UNKNOWN_ORDER)
						die("replace %" PRIu64 " rejected %" PRIu64, id + 5, g_stash[i].reason);
					fill(id + 4, 10, 0);
					printf("ok replace %" PRIu64 " rejected UNKNOWN_ORDER (the fill came first)\n", id + 5);
					printf("done\n");
					rg_client_close(&g_c);
					return 0;
				}
				accepted5 |= g_stash[i].client_order_id == id + 5 && g_stash[i].kind == RG_REPORT_ACCEPTED;
			}
			if (accepted5)
				break;
		}
		expect(id + 5, RG_REPORT_ACCEPTED);
		fill(id + 4, 10, 0);
		r = expect(id + 5, RG_REPORT_REPLACE_REJECTED);
		printf("ok replace rejected %" PRIu64 " reason %" PRId64 "\n", id + 5, r.reject.value);
	} else {
		fprintf(stderr, "fix_strategy: unknown script %s\n", argv[2]);
		return 2;
	}
	printf("done\n");
	rg_client_close(&g_c);
	return 0;
}
