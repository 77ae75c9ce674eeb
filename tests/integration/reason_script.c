/*
 * A scripted strategy for the every-reject-reason integration test: against
 * an engine running tests/integration/reasons.json, it sends one message per
 * reason a strategy can provoke (through the sessions of several strategies
 * of that config) and checks that each report carries exactly that reason.
 * It uses only the public client header.
 *
 *   reason_script INSTANCE            run the script; one "ok REASON" line each
 *   reason_script INSTANCE stale      send to DD (its venue down) until
 *                                     STALE_REFERENCE_PRICE comes back (the
 *                                     test has reloaded a 1 s age limit)
 *   reason_script INSTANCE stopping   send until ENGINE_STOPPING comes back
 *                                     (the test has sent the engine SIGTERM)
 *   reason_script INSTANCE fills      buy 100 BBB, sell 40 (account ACCG), and
 *                                     print what the engine's view must show:
 *                                     "expect position P avg A realized R"
 *   reason_script INSTANCE smp_rest  strategy sS (account ACCS, self_match
 *                                     reject_new) leaves a buy of EX resting
 *                                     (at 50, half the market: it rests)
 *   reason_script INSTANCE smp_cross then (after a restart, say): a sell of sS
 *                                     that would cross it is refused
 *                                     SELF_MATCH; strategy sC (ACCC,
 *                                     cancel_resting) rests a buy, and its
 *                                     crossing sell is accepted while the buy
 *                                     is CANCELLED; strategy sT (order_to_trade
 *                                     floor 3) sends 2 orders in smp_rest, 1
 *                                     more and then is refused ORDER_TO_TRADE,
 *                                     and VENUE_CREDIT (account ACCT's 175 at
 *                                     EX's venue, 100 of it from before)
 *   reason_script INSTANCE operator RISKCTL VENUE
 *                                     the reasons only an operator causes:
 *                                     runs RISKCTL kill / resume / set-state on
 *                                     strategy sK (account ACCK), symbol SP and
 *                                     its venue VENUE, the instance, and checks
 *                                     KILL_SWITCH, *_HALTED and REDUCE_ONLY
 * Exit 0 when every step got its expected answer, 1 otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <riskgate/client.h>

/* Each wait is for a report that must come: generous, as a sanitizer build
 * on a busy two-core machine stretches everything. */
#define WAIT_NS 60000000000ull
#define STASH 512

struct session {
	const char *name;
	struct rg_client c;
	struct rg_report stash[STASH]; /* reports read while waiting for another */
	unsigned n_stash;
	uint64_t next_id;
};

static const char *g_instance;
static unsigned g_failed, g_passed;

static void open_session(struct session *s, const char *name)
{
	char err[256];

	s->name = name;
	s->next_id = 1;
	if (rg_client_open(&s->c, g_instance, name, err, sizeof(err)) != 0) {
		fprintf(stderr, "reason_script: %s\n", err);
		exit(1);
	}
}

/* Exact decimal text into value * 10^8 ("99.5", "10"). */
static int64_t e8(const char *text)
{
	int64_t whole = 0, frac = 0, scale = 100000000;
	const char *p = text;

	for (; *p >= '0' && *p <= '9'; p++)
		whole = whole * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	return whole * 100000000 + frac;
}

static uint32_t symbol(struct session *s, const char *name)
{
	uint32_t id;

	if (rg_client_symbol_id(&s->c, name, &id) != 0) {
		fprintf(stderr, "reason_script: symbol %s not published\n", name);
		exit(1);
	}
	return id;
}

/* A day limit buy (or sell) of qty at price, with a fresh id. */
static struct rg_order order(struct session *s, const char *sym, uint8_t side, const char *qty, const char *price)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.client_order_id = s->next_id++;
	o.symbol_id = symbol(s, sym);
	o.kind = RG_ORDER_NEW;
	o.side = side;
	o.type = price != NULL ? RG_TYPE_LIMIT : RG_TYPE_MARKET;
	o.tif = RG_TIF_DAY;
	o.qty_e8 = e8(qty);
	o.price_e8 = price != NULL ? e8(price) : 0;
	return o;
}

/* The next report for client order id that is of one of the kinds in mask
 * (bit = 1 << kind): stashed ones first, in the order they came, then
 * from the ring. */
static bool wait_report(struct session *s, uint64_t id, unsigned mask, struct rg_report *out)
{
	uint64_t deadline = rg_client_now_ns() + WAIT_NS;

	for (;;) {
		for (unsigned i = 0; i < s->n_stash; i++) {
			if (s->stash[i].client_order_id == id && (mask >> s->stash[i].kind) & 1u) {
				*out = s->stash[i];
				/* keep arrival order: a fill must be seen before the
				 * cancel of the remainder that followed it */
				memmove(&s->stash[i], &s->stash[i + 1], (s->n_stash - i - 1) * sizeof(s->stash[0]));
				s->n_stash--;
				return true;
			}
		}
		struct rg_report r[32];
		unsigned n = rg_client_poll(&s->c, r, 32);
		for (unsigned i = 0; i < n; i++)
			if (s->n_stash < STASH)
				s->stash[s->n_stash++] = r[i];
		rg_client_heartbeat(&s->c);
		if (n == 0 && rg_client_now_ns() > deadline)
			return false;
	}
}

#define DECISION ((1u << RG_REPORT_ACCEPTED) | (1u << RG_REPORT_REJECTED))

static bool push(struct session *s, const struct rg_order *o)
{
	for (uint64_t deadline = rg_client_now_ns() + WAIT_NS; rg_client_now_ns() < deadline;)
		if (rg_ring_push_spsc(&s->c.orders, o))
			return true;
	return false;
}

/* Sends o and checks its decision: reason RG_REJ_NONE means ACCEPTED. */
static void expect(struct session *s, const char *what, const struct rg_order *o, uint16_t reason)
{
	struct rg_report r;
	uint16_t got;

	if (!push(s, o) || !wait_report(s, o->client_order_id, DECISION, &r)) {
		printf("FAIL %-28s %s: no decision for order %" PRIu64 "\n", rg_reject_str(reason), what,
		       o->client_order_id);
		g_failed++;
		return;
	}
	got = r.kind == RG_REPORT_ACCEPTED ? RG_REJ_NONE : r.reason;
	if (got != reason) {
		printf("FAIL %-28s %s: got %s\n", rg_reject_str(reason), what,
		       r.kind == RG_REPORT_ACCEPTED ? "ACCEPTED" : rg_reject_str(got));
		g_failed++;
		return;
	}
	printf("ok   %-28s %s\n", reason == RG_REJ_NONE ? "(accepted)" : rg_reject_str(reason), what);
	g_passed++;
}

static void expect_event(struct session *s, const char *what, uint64_t id, uint8_t kind)
{
	struct rg_report r;

	if (!wait_report(s, id, 1u << kind, &r)) {
		printf("FAIL %-28s %s: no such report for order %" PRIu64 "\n", "(venue event)", what, id);
		g_failed++;
		return;
	}
	printf("ok   %-28s %s\n", "(venue event)", what);
}

static void cancel(struct session *s, const char *what, uint64_t target, const char *sym, uint16_t reason)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.kind = RG_ORDER_CANCEL;
	o.client_order_id = s->next_id++;
	o.orig_client_order_id = target;
	o.symbol_id = symbol(s, sym);
	expect(s, what, &o, reason);
}

/* Sends a fresh order every 50 ms until one is refused with reason (WAIT_NS at
 * most): for states the engine reaches by itself, such as a stale reference. */
static void expect_eventually(struct session *s, const char *what, const char *sym, uint16_t reason)
{
	struct rg_report r;
	const char *last = "no answer";

	for (uint64_t deadline = rg_client_now_ns() + WAIT_NS; rg_client_now_ns() < deadline;) {
		char qty[16];
		snprintf(qty, sizeof(qty), "%u", (unsigned)(s->next_id % 500) + 1); /* not a duplicate */
		struct rg_order o = order(s, sym, RG_SIDE_BUY, qty, "99.00");
		if (!push(s, &o) || !wait_report(s, o.client_order_id, DECISION, &r))
			break;
		last = r.kind == RG_REPORT_ACCEPTED ? "ACCEPTED" : rg_reject_str(r.reason);
		if (r.kind == RG_REPORT_REJECTED && r.reason == reason) {
			printf("ok   %-28s %s\n", rg_reject_str(reason), what);
			g_passed++;
			return;
		}
		struct timespec nap = {0, 50000000};
		nanosleep(&nap, NULL);
	}
	printf("FAIL %-28s %s: never refused so (last: %s)\n", rg_reject_str(reason), what, last);
	g_failed++;
}

/* Waits until order id is done at the venue (a fill with nothing left, or
 * the IOC remainder cancelled), so every execution has been marked; returns
 * the quantity filled. */
static int64_t expect_done(struct session *s, const char *what, uint64_t id)
{
	struct rg_report r;
	int64_t filled = 0;

	while (wait_report(s, id, (1u << RG_REPORT_FILL) | (1u << RG_REPORT_CANCELLED), &r)) {
		if (r.kind == RG_REPORT_FILL)
			filled += r.fill.qty_e8;
		if (r.kind == RG_REPORT_CANCELLED || r.fill.leaves_e8 == 0) {
			printf("ok   %-28s %s\n", "(venue event)", what);
			return filled;
		}
	}
	printf("FAIL %-28s %s: order %" PRIu64 " not done\n", "(venue event)", what, id);
	g_failed++;
	return filled;
}

/* A symbol no venue prices: NR sits at a FIX venue nobody listens for, and
 * the config gives it no reference_price, so no reference ever comes. */
static void no_reference_price(struct session *s)
{
	struct rg_order o = order(s, "NR", RG_SIDE_BUY, "10", "99.50");

	expect(s, "symbol nobody prices", &o, RG_REJ_NO_REFERENCE_PRICE);
}

/* Drawdown (account ACCW: 100000 equity, 0.01 % drawdown = 10, no daily
 * loss limit): the day's equity peak is the start-of-day equity, and a buy
 * at an ask 20 ticks over the reference is marked 0.20 a share under it.
 * The sim fills some IOC orders in two parts and cancels the rest, so at
 * least 200 of the 400 fill: 40 or more under the peak. */
static void drawdown(void)
{
	static struct session sW;
	struct rg_order o;
	char qty[32];
	int64_t filled;

	open_session(&sW, "sW");
	o = order(&sW, "SP", RG_SIDE_BUY, "400", "101.50"), o.tif = RG_TIF_IOC;
	expect(&sW, "buy 400 at the ask", &o, RG_REJ_NONE);
	filled = expect_done(&sW, "it fills", o.client_order_id);
	o = order(&sW, "SP", RG_SIDE_BUY, "10", "99.00");
	expect(&sW, "a buy 40+ under the equity peak", &o, RG_REJ_DRAWDOWN);
	snprintf(qty, sizeof(qty), "%" PRId64, filled / 100000000);
	o = order(&sW, "SP", RG_SIDE_SELL, qty, "98.50"), o.tif = RG_TIF_IOC;
	expect(&sW, "a sell that closes the position", &o, RG_REJ_NONE);
}

static void script(void)
{
	static struct session s1, sO, sR, sM, sE, sX, sD, sG, sL;
	struct rg_order o;

	open_session(&s1, "s1");
	/* ---- message structure ---- */
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.reserved[3] = 1;
	expect(&s1, "reserved bytes set", &o, RG_REJ_MALFORMED);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.kind = 9;
	expect(&s1, "kind 9", &o, RG_REJ_BAD_KIND);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.kind = RG_ORDER_REPLACE, o.orig_client_order_id = 1;
	expect(&s1, "replace of an unknown order", &o, RG_REJ_UNKNOWN_ORDER);
	o = order(&s1, "AAA", 3, "10", "99.50");
	expect(&s1, "side 3", &o, RG_REJ_BAD_SIDE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.type = 7;
	expect(&s1, "order type 7", &o, RG_REJ_BAD_ORDER_TYPE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.tif = 9;
	expect(&s1, "time in force 9", &o, RG_REJ_BAD_TIF);
	o = order(&s1, "AAA", RG_SIDE_BUY, "0", "99.50");
	expect(&s1, "quantity 0", &o, RG_REJ_BAD_QTY);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "0");
	expect(&s1, "limit price 0", &o, RG_REJ_BAD_PRICE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", NULL);
	expect(&s1, "market order on AAA", &o, RG_REJ_MARKET_NOT_ALLOWED);
	o = order(&s1, "AAA", RG_SIDE_BUY, "15", "99.50");
	expect(&s1, "15 with lot 10", &o, RG_REJ_LOT_SIZE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.505");
	expect(&s1, "99.505 with tick 0.01", &o, RG_REJ_TICK_SIZE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "200000", "99.50");
	expect(&s1, "quantity over max_qty", &o, RG_REJ_QTY_OUT_OF_RANGE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "1001");
	expect(&s1, "price over max_price", &o, RG_REJ_PRICE_OUT_OF_RANGE);
	/* ---- whitelist ---- */
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.50"), o.symbol_id = 999;
	expect(&s1, "symbol id 999", &o, RG_REJ_UNKNOWN_SYMBOL);
	o = order(&s1, "OFF", RG_SIDE_BUY, "10", "99.50");
	expect(&s1, "disabled symbol", &o, RG_REJ_SYMBOL_DISABLED);
	o = order(&s1, "NOTP", RG_SIDE_BUY, "10", "99.50");
	expect(&s1, "symbol not permitted to ACC", &o, RG_REJ_SYMBOL_NOT_PERMITTED);
	o = order(&s1, "HC", RG_SIDE_BUY, "10", "99.50");
	expect(&s1, "outside its trading hours (never)", &o, RG_REJ_MARKET_CLOSED);
	/* ---- size ---- */
	o = order(&s1, "AAA", RG_SIDE_BUY, "6000", "99.50");
	expect(&s1, "6000 over max_order_qty 5000", &o, RG_REJ_MAX_ORDER_QTY);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "5.00");
	expect(&s1, "notional 50 under 100", &o, RG_REJ_MIN_NOTIONAL);
	o = order(&s1, "AAA", RG_SIDE_BUY, "4000", "99.50");
	expect(&s1, "notional 398000 over 300000", &o, RG_REJ_MAX_NOTIONAL);
	o = order(&s1, "BIG", RG_SIDE_BUY, "90000000000", "90000000000");
	expect(&s1, "notional beyond 64 bits", &o, RG_REJ_ARITH_OVERFLOW);
	/* ---- collar ---- */
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "110.00");
	expect(&s1, "110 outside 100 +/- 1%", &o, RG_REJ_PRICE_COLLAR);
	/* ---- identity of orders ---- */
	struct rg_order resting = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.10");
	expect(&s1, "resting buy", &resting, RG_REJ_NONE);
	o = order(&s1, "AAA", RG_SIDE_BUY, "10", "99.10");
	expect(&s1, "same order again within the window", &o, RG_REJ_DUPLICATE_ORDER);
	o = order(&s1, "AAA", RG_SIDE_BUY, "20", "99.20"), o.client_order_id = resting.client_order_id;
	expect(&s1, "id of a live order reused", &o, RG_REJ_DUPLICATE_CLORDID);
	cancel(&s1, "cancel of an unknown order", 987654, "AAA", RG_REJ_UNKNOWN_ORDER);
	cancel(&s1, "cancel of the resting buy", resting.client_order_id, "AAA", RG_REJ_NONE);
	expect_event(&s1, "resting buy cancelled at the venue", resting.client_order_id, RG_REPORT_CANCELLED);
	/* ---- venue: breaker and rate limit ---- */
	no_reference_price(&s1);
	o = order(&s1, "CB", RG_SIDE_BUY, "10", "99.50");
	expect(&s1, "order to the failing venue", &o, RG_REJ_NONE);
	expect_event(&s1, "venue rejects it", o.client_order_id, RG_REPORT_VENUE_REJECT);
	o = order(&s1, "CB", RG_SIDE_BUY, "10", "99.51");
	expect(&s1, "breaker open after 1 failure", &o, RG_REJ_CIRCUIT_OPEN);
	o = order(&s1, "TT", RG_SIDE_BUY, "10", "99.50");
	expect(&s1, "first order of 1 per 10 min", &o, RG_REJ_NONE);
	o = order(&s1, "TT", RG_SIDE_BUY, "10", "99.51");
	expect(&s1, "second order of 1 per 10 min", &o, RG_REJ_VENUE_THROTTLED);
	/* ---- per-strategy rates and counts ---- */
	open_session(&sO, "sO");
	o = order(&sO, "AAA", RG_SIDE_BUY, "10", "99.20");
	expect(&sO, "first live order of max 1", &o, RG_REJ_NONE);
	o = order(&sO, "AAA", RG_SIDE_BUY, "10", "99.21");
	expect(&sO, "second live order of max 1", &o, RG_REJ_MAX_OPEN_ORDERS);
	open_session(&sR, "sR");
	o = order(&sR, "AAA", RG_SIDE_BUY, "10", "99.30");
	expect(&sR, "first order of 1 per 10 min", &o, RG_REJ_NONE);
	o = order(&sR, "AAA", RG_SIDE_BUY, "10", "99.31");
	expect(&sR, "second order of 1 per 10 min", &o, RG_REJ_ORDER_RATE);
	open_session(&sM, "sM");
	o = order(&sM, "AAA", RG_SIDE_BUY, "10", "99.40");
	expect(&sM, "first message of 2 per 10 min", &o, RG_REJ_NONE);
	cancel(&sM, "second message of 2 per 10 min", o.client_order_id, "AAA", RG_REJ_NONE);
	o = order(&sM, "AAA", RG_SIDE_BUY, "10", "99.41");
	expect(&sM, "third message of 2 per 10 min", &o, RG_REJ_MESSAGE_RATE);
	open_session(&sE, "sE");
	/* EX has no collar (and a venue of its own): the buy is marketable
	 * wherever its price walked. */
	o = order(&sE, "EX", RG_SIDE_BUY, "10", "105.00"), o.tif = RG_TIF_IOC;
	expect(&sE, "marketable buy", &o, RG_REJ_NONE);
	expect_event(&sE, "it fills", o.client_order_id, RG_REPORT_FILL);
	o = order(&sE, "EX", RG_SIDE_BUY, "10", "99.50");
	expect(&sE, "order after 1 fill of max 1", &o, RG_REJ_EXECUTION_THROTTLE);
	open_session(&sD, "sD");
	o = order(&sD, "AAA", RG_SIDE_BUY, "10", "99.50");
	expect(&sD, "first order of 1 a day", &o, RG_REJ_NONE);
	o = order(&sD, "AAA", RG_SIDE_BUY, "10", "99.51");
	expect(&sD, "second order of 1 a day", &o, RG_REJ_DAILY_ORDER_COUNT);
	/* ---- exposure, open orders counted at once (account ACCX) ---- */
	open_session(&sX, "sX");
	o = order(&sX, "AAA", RG_SIDE_BUY, "500", "99.50");
	expect(&sX, "resting buy 500 of max position 600", &o, RG_REJ_NONE);
	o = order(&sX, "AAA", RG_SIDE_BUY, "200", "99.50");
	expect(&sX, "200 more: 700 over 600", &o, RG_REJ_MAX_POSITION_QTY);
	o = order(&sX, "PN", RG_SIDE_BUY, "400", "99.50");
	expect(&sX, "39800 over position notional 30000", &o, RG_REJ_MAX_POSITION_NOTIONAL);
	o = order(&sX, "BBB", RG_SIDE_BUY, "1100", "99.50");
	expect(&sX, "109450 over 10% of equity", &o, RG_REJ_POSITION_EQUITY_PCT);
	o = order(&sX, "BBB", RG_SIDE_BUY, "900", "99.50");
	expect(&sX, "resting buy, gross 139300", &o, RG_REJ_NONE);
	o = order(&sX, "PN", RG_SIDE_BUY, "200", "99.50");
	expect(&sX, "19900 more: gross over 15% of equity", &o, RG_REJ_ACCOUNT_GROSS_EXPOSURE);
	o = order(&sX, "AAA", RG_SIDE_SELL, "100", "99.60");
	expect(&sX, "a sell within every limit", &o, RG_REJ_NONE);
	open_session(&sG, "sG");
	o = order(&sG, "BBB", RG_SIDE_BUY, "35000", "99.50");
	expect(&sG, "3482500 over the global gross 3000000", &o, RG_REJ_GLOBAL_GROSS_EXPOSURE);
	/* ---- daily loss: a buy at a venue quoting 20 ticks each side of the
	 * reference is marked 0.20 a share under water (limit 0.10) ---- */
	open_session(&sL, "sL");
	o = order(&sL, "SP", RG_SIDE_BUY, "10", "101.00"), o.tif = RG_TIF_IOC;
	expect(&sL, "buy at the ask", &o, RG_REJ_NONE);
	expect_event(&sL, "it fills", o.client_order_id, RG_REPORT_FILL); /* marked before it is reported */
	o = order(&sL, "SP", RG_SIDE_BUY, "10", "99.00");
	expect(&sL, "a buy after the loss limit", &o, RG_REJ_DAILY_LOSS);
	o = order(&sL, "SP", RG_SIDE_SELL, "10", "99.00"), o.tif = RG_TIF_IOC;
	expect(&sL, "a sell that closes the position", &o, RG_REJ_NONE);
	drawdown();
}

/* A venue that went down sends no market data: its reference ages. */
static int stale(void)
{
	static struct session s1;

	open_session(&s1, "s1");
	s1.next_id = 4000000;
	expect_eventually(&s1, "reference older than 1 s", "DD", RG_REJ_STALE_REFERENCE_PRICE);
	printf("reason_script: %u steps ok, %u failed\n", g_passed, g_failed);
	return g_failed == 0 ? 0 : 1;
}

/* After SIGTERM: orders are answered ENGINE_STOPPING while the engine drains. */
static int stopping(void)
{
	static struct session s;
	struct rg_order o;
	struct rg_report r;

	open_session(&s, "s1");
	for (uint64_t deadline = rg_client_now_ns() + WAIT_NS; rg_client_now_ns() < deadline;) {
		char px[16];
		snprintf(px, sizeof(px), "99.%02u", (unsigned)(s.next_id % 90));
		o = order(&s, "AAA", RG_SIDE_BUY, "10", px);
		if (!push(&s, &o) || !wait_report(&s, o.client_order_id, DECISION, &r))
			break;
		if (r.kind == RG_REPORT_REJECTED && r.reason == RG_REJ_ENGINE_STOPPING) {
			printf("ok   %-28s order during the drain\n", rg_reject_str(RG_REJ_ENGINE_STOPPING));
			return 0;
		}
	}
	printf("FAIL %-28s no order was answered ENGINE_STOPPING\n", rg_reject_str(RG_REJ_ENGINE_STOPPING));
	return 1;
}

/* Sends a marketable IOC order and adds up its fills until it is done.  Its
 * limit is 0.1 % inside the collar's edge around the reference as it is now:
 * the sim's market walks while the test runs, the longer the slower the
 * machine, so a price fixed around the start's 100 fell outside the collar. */
static bool trade(struct session *s, uint8_t side, const char *qty, int64_t *filled_e8, __int128 *value_e16)
{
	struct rg_order o = order(s, "BBB", side, qty, "100");
	struct rg_client_symbol_state sym;
	struct rg_report r;
	int64_t margin;
	int rc;

	while ((rc = rg_client_read_symbol(&s->c, o.symbol_id, &sym)) == -EAGAIN)
		;
	if (rc != 0 || sym.ref_price_e8 == 0) {
		printf("FAIL %-28s no reference for BBB (%d)\n", "(symbol)", rc);
		g_failed++;
		return false;
	}
	margin = sym.ref_price_e8 / 1000 / sym.tick_e8 * sym.tick_e8 + sym.tick_e8;
	o.price_e8 = side == RG_SIDE_BUY ? sym.collar_hi_e8 - margin : sym.collar_lo_e8 + margin;
	o.price_e8 += side == RG_SIDE_BUY ? -(o.price_e8 % sym.tick_e8) : (sym.tick_e8 - o.price_e8 % sym.tick_e8) % sym.tick_e8;
	o.tif = RG_TIF_IOC;
	*filled_e8 = 0;
	*value_e16 = 0;
	expect(s, side == RG_SIDE_BUY ? "marketable buy" : "marketable sell", &o, RG_REJ_NONE);
	while (wait_report(s, o.client_order_id, (1u << RG_REPORT_FILL) | (1u << RG_REPORT_CANCELLED), &r)) {
		if (r.kind == RG_REPORT_CANCELLED)
			return true; /* the IOC remainder */
		*filled_e8 += r.fill.qty_e8;
		*value_e16 += (__int128)r.fill.qty_e8 * r.fill.price_e8;
		if (r.fill.leaves_e8 == 0)
			return true;
	}
	return false;
}

static void print_e8(const char *label, int64_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	printf(" %s %s%" PRIu64 ".%08" PRIu64, label, v < 0 ? "-" : "", mag / 100000000u, mag % 100000000u);
}

/* Fills move positions and PnL: the expected figures, computed here from the
 * fills the strategy received, for the test to compare with riskctl. */
static int fills(void)
{
	static struct session s;
	int64_t bought = 0, sold = 0;
	__int128 buy_value = 0, sell_value = 0;

	open_session(&s, "sG");
	if (!trade(&s, RG_SIDE_BUY, "100", &bought, &buy_value) || !trade(&s, RG_SIDE_SELL, "40", &sold, &sell_value) ||
	    bought != e8("100") || sold != e8("40")) {
		printf("FAIL fills: bought %" PRId64 ", sold %" PRId64 " (e8)\n", bought, sold);
		return 1;
	}
	/* Average cost of the buys; the sells realize (sell price - average) on 40. */
	int64_t avg = (int64_t)(buy_value / bought);
	int64_t realized = (int64_t)((sell_value - (__int128)sold * avg) / 100000000);
	printf("expect");
	print_e8("position", bought - sold);
	print_e8("avg", avg);
	print_e8("realized", realized);
	printf("\n");
	return g_failed == 0 ? 0 : 1;
}

/* Runs `RISKCTL ARGS --instance INSTANCE`, which must succeed (it waits for the engine). */
static void ctl(const char *riskctl, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' %s --instance '%s' >/dev/null", riskctl, args, g_instance);
	if (system(cmd) != 0) {
		printf("FAIL riskctl %s\n", args);
		g_failed++;
	}
}

/* A buy with a quantity of its own (s1 has a duplicate guard). */
static void expect_buy(struct session *s, const char *sym, const char *what, uint16_t reason)
{
	static unsigned n;
	char qty[16];

	snprintf(qty, sizeof(qty), "%u", 10 * (++n % 90 + 2));
	struct rg_order o = order(s, sym, RG_SIDE_BUY, qty, "99.50");

	expect(s, what, &o, reason);
}

static int operator_script(const char *riskctl, const char *venue)
{
	static struct session sK, s1;
	char args[256];
	uint64_t live;
	struct rg_order o;

	open_session(&sK, "sK");
	open_session(&s1, "s1");
	/* A resting order, to show a kill lets its cancel through (cancel_on_kill is off here). */
	o = order(&sK, "AAA", RG_SIDE_BUY, "10", "99.50");
	live = o.client_order_id;
	expect(&sK, "a resting order before the kills", &o, RG_REJ_NONE);
	/* ---- kills of each scope ---- */
	ctl(riskctl, "kill --scope strategy:sK --reason 'reason script'");
	expect_buy(&sK, "AAA", "strategy sK killed", RG_REJ_KILL_SWITCH);
	expect_buy(&s1, "AAA", "strategy s1 trades beside the killed sK", RG_REJ_NONE);
	cancel(&sK, "a cancel passes the kill", live, "AAA", RG_REJ_NONE);
	ctl(riskctl, "resume --scope strategy:sK");
	expect_buy(&sK, "AAA", "strategy sK resumed", RG_REJ_NONE);
	ctl(riskctl, "kill --scope account:ACCK --reason 'reason script'");
	expect_buy(&sK, "AAA", "account ACCK killed", RG_REJ_KILL_SWITCH);
	ctl(riskctl, "resume --scope account:ACCK");
	ctl(riskctl, "kill --scope symbol:SP --reason 'reason script'");
	expect_buy(&sK, "SP", "symbol SP killed", RG_REJ_KILL_SWITCH);
	expect_buy(&sK, "AAA", "AAA trades beside the killed SP", RG_REJ_NONE);
	ctl(riskctl, "resume --scope symbol:SP");
	snprintf(args, sizeof(args), "kill --scope venue:%s --reason 'reason script'", venue);
	ctl(riskctl, args);
	expect_buy(&sK, "SP", "SP's venue killed", RG_REJ_KILL_SWITCH);
	expect_buy(&sK, "AAA", "AAA (another venue) trades beside it", RG_REJ_NONE);
	snprintf(args, sizeof(args), "resume --scope venue:%s", venue);
	ctl(riskctl, args);
	expect_buy(&sK, "SP", "SP's venue resumed", RG_REJ_NONE);
	ctl(riskctl, "kill --reason 'reason script'");
	expect_buy(&s1, "AAA", "instance killed", RG_REJ_KILL_SWITCH);
	ctl(riskctl, "resume --scope instance");
	/* ---- trading states ---- */
	ctl(riskctl, "set-state --scope instance HALTED");
	expect_buy(&s1, "AAA", "instance HALTED", RG_REJ_INSTANCE_HALTED);
	ctl(riskctl, "set-state --scope instance ACTIVE");
	ctl(riskctl, "set-state --scope account:ACCK HALTED");
	expect_buy(&sK, "AAA", "account ACCK HALTED", RG_REJ_ACCOUNT_HALTED);
	ctl(riskctl, "set-state --scope account:ACCK ACTIVE");
	ctl(riskctl, "set-state --scope strategy:sK HALTED");
	expect_buy(&sK, "AAA", "strategy sK HALTED", RG_REJ_STRATEGY_HALTED);
	ctl(riskctl, "set-state --scope strategy:sK REDUCING");
	/* sK only ever bought: a buy cannot reduce. */
	expect_buy(&sK, "AAA", "strategy sK REDUCING, a buy", RG_REJ_REDUCE_ONLY);
	ctl(riskctl, "set-state --scope strategy:sK ACTIVE");
	ctl(riskctl, "set-state --scope symbol:SP HALTED");
	expect_buy(&sK, "SP", "symbol SP HALTED", RG_REJ_SYMBOL_HALTED);
	ctl(riskctl, "set-state --scope symbol:SP ACTIVE");
	expect_buy(&sK, "SP", "everything ACTIVE again", RG_REJ_NONE);
	printf("reason_script: %u steps ok, %u failed\n", g_passed, g_failed);
	return g_failed == 0 ? 0 : 1;
}

/* Self-match: the resting buy (ids from 1000000, so a second run after a
 * restart reuses none of them). */
static int smp_rest(void)
{
	static struct session sS;
	struct rg_order o;

	open_session(&sS, "sS");
	sS.next_id = 1000000;
	o = order(&sS, "EX", RG_SIDE_BUY, "1", "50.00");
	expect(&sS, "a buy that rests", &o, RG_REJ_NONE);
	expect_event(&sS, "acknowledged by the venue", o.client_order_id, RG_REPORT_VENUE_ACK);
	/* order-to-trade: strategy sT may send 3 messages before a fill; 2 now */
	static struct session sT;
	open_session(&sT, "sT");
	sT.next_id = 1000000;
	for (int k = 0; k < 2; k++) {
		o = order(&sT, "EX", RG_SIDE_BUY, "1", "50.00");
		expect(&sT, "order-to-trade: below the floor", &o, RG_REJ_NONE);
	}
	return g_failed == 0 ? 0 : 1;
}

static int smp_cross(void)
{
	static struct session sS, sC;
	struct rg_order o, buy;

	open_session(&sS, "sS");
	sS.next_id = 2000000;
	o = order(&sS, "EX", RG_SIDE_SELL, "1", "50.00");
	expect(&sS, "a sell at the resting buy's price", &o, RG_REJ_SELF_MATCH);
	o = order(&sS, "EX", RG_SIDE_SELL, "1", "50.01");
	expect(&sS, "a sell a tick above it", &o, RG_REJ_NONE);
	open_session(&sC, "sC");
	sC.next_id = 3000000 + (uint64_t)(rg_client_now_ns() % 1000000) * 16;
	buy = order(&sC, "EX", RG_SIDE_BUY, "1", "50.00");
	expect(&sC, "cancel_resting: a buy that rests", &buy, RG_REJ_NONE);
	expect_event(&sC, "acknowledged by the venue", buy.client_order_id, RG_REPORT_VENUE_ACK);
	o = order(&sC, "EX", RG_SIDE_SELL, "1", "50.00");
	expect(&sC, "cancel_resting: the crossing sell goes", &o, RG_REJ_NONE);
	expect_event(&sC, "cancel_resting: the resting buy is cancelled", buy.client_order_id, RG_REPORT_CANCELLED);
	/* order-to-trade: the two messages before the restart still count */
	static struct session sT;
	open_session(&sT, "sT");
	sT.next_id = 2000000;
	o = order(&sT, "EX", RG_SIDE_BUY, "1", "50.00");
	expect(&sT, "order-to-trade: the third message", &o, RG_REJ_NONE);
	o = order(&sT, "EX", RG_SIDE_BUY, "1", "20.00");
	expect(&sT, "order-to-trade: the fourth, no fill yet", &o, RG_REJ_ORDER_TO_TRADE);
	/* venue credit 175 at EX's venue: 150 open (100 from before the restart) */
	o = order(&sT, "EX", RG_SIDE_BUY, "1", "30.00");
	expect(&sT, "venue credit: 180 of 175", &o, RG_REJ_VENUE_CREDIT);
	printf("reason_script: %u steps ok, %u failed\n", g_passed, g_failed);
	return g_failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[2], "operator") == 0) {
		g_instance = argv[1];
		return operator_script(argv[3], argv[4]);
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: reason_script INSTANCE [stale|stopping|fills|smp_rest|smp_cross|operator RISKCTL VENUE]\n");
		return 2;
	}
	g_instance = argv[1];
	if (argc == 3 && strcmp(argv[2], "stale") == 0)
		return stale();
	if (argc == 3 && strcmp(argv[2], "stopping") == 0)
		return stopping();
	if (argc == 3 && strcmp(argv[2], "fills") == 0)
		return fills();
	if (argc == 3 && strcmp(argv[2], "smp_rest") == 0)
		return smp_rest();
	if (argc == 3 && strcmp(argv[2], "smp_cross") == 0)
		return smp_cross();
	script();
	printf("reason_script: %u steps ok, %u failed\n", g_passed, g_failed);
	return g_failed == 0 ? 0 : 1;
}
