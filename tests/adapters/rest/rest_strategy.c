/*
 * A scripted strategy for the REST end-to-end tests (rest_engine_test.sh):
 * one order or cancel per run, through a riskgate engine whose venue is the
 * local REST venue, checking each report the engine sends back against what
 * the command line expects.  It uses only the public client header.  An
 * approved order prints "order ID engine_seq N" (its client order id at the
 * venue is "rg-N").
 *
 *   rest_strategy INSTANCE place ID SYMBOL BUY|SELL QTY PRICE GTC|IOC|DAY EXPECT...
 *   rest_strategy INSTANCE cancel ID ORIG_ID SYMBOL EXPECT...
 *       (accepted is the cancel's own report; the others are about ORIG_ID)
 *   rest_strategy INSTANCE replace ID ORIG_ID SYMBOL BUY|SELL QTY PRICE EXPECT...
 *       (a GTC limit replacing ORIG_ID; every report is about ID, the
 *       replace's own id, which the order carries once replaced)
 *
 * EXPECT, in the order the reports must come:
 *   accepted            ACCEPTED by the engine (prints the engine sequence)
 *   ack                 VENUE_ACK
 *   fill:QTY:LEAVES     a FILL of QTY leaving LEAVES (decimals)
 *   filled:QTY          FILLs adding up to QTY, the last leaving 0
 *   cancelled           CANCELLED
 *   venue_reject:CODE   VENUE_REJECT with reason CODE
 *   replaced:QTY:PRICE:LEAVES  REPLACED with that total, price and open quantity
 *   replace_rejected    REPLACE_REJECTED
 *   ID=EXPECT           any of these about order ID instead (the target of a replace)
 *   rejected:REASON     REJECTED by the engine for REASON (e.g. CIRCUIT_OPEN)
 * Exit 0 when every report came as expected, 1 otherwise.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <riskgate/client.h>

#define WAIT_NS 20000000000ull
#define STASH 256

static struct rg_client g_c;
static struct rg_report g_stash[STASH];
static unsigned g_n;

static void die(const char *what, const char *detail)
{
	printf("FAIL: %s %s\n", what, detail);
	exit(1);
}

/* Decimal text into *10^8; exits on anything else. */
static int64_t e8(const char *s)
{
	int64_t ip = 0, fp = 0;
	int places = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++)
		ip = ip * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && places < 8; p++, places++)
			fp = fp * 10 + (*p - '0');
	if (*p != '\0' || p == s)
		die("not a decimal:", s);
	for (; places < 8; places++)
		fp *= 10;
	return ip * 100000000 + fp;
}

static uint32_t symbol(const char *name)
{
	uint32_t id;

	if (rg_client_symbol_id(&g_c, name, &id) != 0)
		die("symbol not published by the engine:", name);
	return id;
}

/* The next report of `kind` about id (others are stashed). */
static struct rg_report expect(uint64_t id, uint8_t kind)
{
	uint64_t end = rg_client_now_ns() + WAIT_NS;
	struct rg_report r;

	for (;;) {
		for (unsigned i = 0; i < g_n; i++) {
			if (g_stash[i].client_order_id == id && g_stash[i].kind == kind) {
				r = g_stash[i];
				memmove(&g_stash[i], &g_stash[i + 1], (g_n - i - 1) * sizeof(g_stash[0]));
				g_n--;
				return r;
			}
		}
		if (rg_client_now_ns() > end) {
			char what[64];
			snprintf(what, sizeof(what), "%s for order %" PRIu64, rg_report_kind_str(kind), id);
			die("no report", what);
		}
		while (g_n < STASH && rg_client_poll(&g_c, &g_stash[g_n], 1) == 1)
			g_n++;
		rg_client_heartbeat(&g_c);
	}
}

static void check(uint64_t id, const char *want)
{
	struct rg_report r;
	char got[160];

	if (strcmp(want, "accepted") == 0) {
		r = expect(id, RG_REPORT_ACCEPTED);
		printf("order %" PRIu64 " engine_seq %" PRIu64 "\n", id, r.engine_seq);
	} else if (strcmp(want, "ack") == 0) {
		expect(id, RG_REPORT_VENUE_ACK);
	} else if (strcmp(want, "cancelled") == 0) {
		expect(id, RG_REPORT_CANCELLED);
	} else if (strncmp(want, "fill:", 5) == 0) {
		char qty[32];
		const char *leaves = strchr(want + 5, ':');
		if (leaves == NULL || (size_t)(leaves - want - 5) >= sizeof(qty))
			die("bad expectation", want);
		snprintf(qty, sizeof(qty), "%.*s", (int)(leaves - want - 5), want + 5);
		r = expect(id, RG_REPORT_FILL);
		if (r.fill.qty_e8 != e8(qty) || r.fill.leaves_e8 != e8(leaves + 1)) {
			snprintf(got, sizeof(got), "(got qty_e8 %" PRId64 " leaves_e8 %" PRId64 ")", r.fill.qty_e8,
				 r.fill.leaves_e8);
			die(want, got);
		}
	} else if (strncmp(want, "filled:", 7) == 0) {
		int64_t sum = 0, total = e8(want + 7);
		unsigned n = 0;
		do {
			r = expect(id, RG_REPORT_FILL);
			sum += r.fill.qty_e8;
			n++;
		} while (r.fill.leaves_e8 != 0 && sum < total);
		if (sum != total || r.fill.leaves_e8 != 0) {
			snprintf(got, sizeof(got), "(fills add up to %" PRId64 " e-8, leaves %" PRId64 ")", sum,
				 r.fill.leaves_e8);
			die(want, got);
		}
		printf("order %" PRIu64 " filled in %u fills\n", id, n);
	} else if (strncmp(want, "venue_reject:", 13) == 0) {
		r = expect(id, RG_REPORT_VENUE_REJECT);
		if (r.reject.value != strtoll(want + 13, NULL, 10)) {
			snprintf(got, sizeof(got), "(got %" PRId64 ")", r.reject.value);
			die(want, got);
		}
	} else if (strncmp(want, "replaced:", 9) == 0) {
		char qty[32], price[32], leaves[32];
		if (sscanf(want + 9, "%31[0-9.]:%31[0-9.]:%31[0-9.]", qty, price, leaves) != 3)
			die("bad expectation", want);
		r = expect(id, RG_REPORT_REPLACED);
		if (r.fill.qty_e8 != e8(qty) || r.fill.price_e8 != e8(price) || r.fill.leaves_e8 != e8(leaves)) {
			snprintf(got, sizeof(got), "(got qty_e8 %" PRId64 " price_e8 %" PRId64 " leaves_e8 %" PRId64 ")",
				 r.fill.qty_e8, r.fill.price_e8, r.fill.leaves_e8);
			die(want, got);
		}
	} else if (strcmp(want, "replace_rejected") == 0) {
		expect(id, RG_REPORT_REPLACE_REJECTED);
	} else if (strncmp(want, "rejected:", 9) == 0) {
		r = expect(id, RG_REPORT_REJECTED);
		if (strcmp(rg_reject_str(r.reason), want + 9) != 0)
			die(want, rg_reject_str(r.reason));
	} else {
		die("unknown expectation", want);
	}
	printf("ok %" PRIu64 " %s\n", id, want);
}

int main(int argc, char **argv)
{
	char err[256];
	uint64_t id;
	int first;
	bool replace = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 10 && strcmp(argv[2], "place") == 0) { /* at least one expectation */
		first = 9;
	} else if (argc >= 7 && strcmp(argv[2], "cancel") == 0) {
		first = 6;
	} else if (argc >= 10 && strcmp(argv[2], "replace") == 0) {
		first = 9;
		replace = true;
	} else {
		fprintf(stderr, "usage: rest_strategy INSTANCE place ID SYMBOL SIDE QTY PRICE TIF EXPECT... | "
				"cancel ID ORIG_ID SYMBOL EXPECT... | replace ID ORIG_ID SYMBOL SIDE QTY PRICE EXPECT...\n");
		return 2;
	}
	if (rg_client_open(&g_c, argv[1], "alpha", err, sizeof(err)) != 0)
		die("cannot open the session:", err);
	id = strtoull(argv[3], NULL, 10);
	if (replace) {
		struct rg_order o;
		memset(&o, 0, sizeof(o));
		o.client_order_id = id;
		o.orig_client_order_id = strtoull(argv[4], NULL, 10);
		o.symbol_id = symbol(argv[5]);
		o.side = strcmp(argv[6], "SELL") == 0 ? RG_SIDE_SELL : RG_SIDE_BUY;
		o.type = RG_TYPE_LIMIT;
		o.tif = RG_TIF_GTC;
		o.qty_e8 = e8(argv[7]);
		o.price_e8 = e8(argv[8]);
		o.client_ts_ns = rg_client_now_ns();
		while (!rg_client_replace(&g_c, &o))
			;
	} else if (first == 9) {
		struct rg_order o;
		memset(&o, 0, sizeof(o));
		o.client_order_id = id;
		o.symbol_id = symbol(argv[4]);
		o.side = strcmp(argv[5], "SELL") == 0 ? RG_SIDE_SELL : RG_SIDE_BUY;
		o.type = RG_TYPE_LIMIT;
		o.tif = strcmp(argv[8], "IOC") == 0 ? RG_TIF_IOC : strcmp(argv[8], "DAY") == 0 ? RG_TIF_DAY : RG_TIF_GTC;
		o.qty_e8 = e8(argv[6]);
		o.price_e8 = e8(argv[7]);
		o.client_ts_ns = rg_client_now_ns();
		while (!rg_client_submit(&g_c, &o))
			;
	} else {
		while (!rg_client_cancel(&g_c, id, strtoull(argv[4], NULL, 10), symbol(argv[5])))
			;
	}
	for (int i = first; i < argc; i++) {
		const char *want = argv[i], *eq = strchr(want, '=');
		uint64_t about = first == 6 && strcmp(want, "accepted") != 0 ? strtoull(argv[4], NULL, 10) : id;
		if (eq != NULL) { /* ID=EXPECT: a report about another order of this run */
			about = strtoull(want, NULL, 10);
			want = eq + 1;
		}
		check(about, want);
	}
	printf("done\n");
	rg_client_close(&g_c);
	return 0;
}
