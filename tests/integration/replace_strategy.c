/*
 * A scripted strategy for the replace integration test (engine_test.sh
 * replace_through_the_sim): against an engine with a sim venue that holds
 * every request for a while (sim.delay_us) and a strategy with a modify
 * rate, it replaces a resting order's price up and down and its quantity
 * down and up, provokes each refusal of a replace (unknown, filled, no
 * change, replace pending, cancel pending), races a replace with the fill
 * of its target, and uses up the modify rate.  It leaves one replaced order
 * resting and prints its id and leaves ("resting ID LEAVES_E8 PRICE_E8") for
 * the recovery half of the test.  Only the public client header is used.
 *
 *   replace_strategy INSTANCE STRATEGY SYMBOL REF_PRICE MODIFY_COUNT
 *   replace_strategy INSTANCE STRATEGY SYMBOL REF_PRICE pending
 *       a resting buy of 10, acked, then a replace of it to 6 at 0.50 more,
 *       approved; prints "pending TARGET_ID REPLACEMENT_ID" and exits at once
 *       (the venue holds the replace: the test kills the engine meanwhile)
 *   replace_strategy INSTANCE STRATEGY SYMBOL REF_PRICE unknown REPLACEMENT_ID
 *       (after the restart) waits for the REPLACE_REJECTED about REPLACEMENT_ID
 *       and prints "unknown ID REASON_NAME VALUE"
 * Exit 0 when every step got its expected answer, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <riskgate/client.h>

#define WAIT_NS 30000000000ull
#define KEEP 4096

static struct rg_client c;
static struct rg_report seen[KEEP];
static unsigned n_seen, failed;
static uint32_t sym;
static uint64_t next_id = 1000;
static int64_t ref_e8;

static void pump(void)
{
	struct rg_report r[64];
	unsigned n = rg_client_poll(&c, r, 64);

	rg_client_heartbeat(&c);
	for (unsigned i = 0; i < n && n_seen < KEEP; i++)
		seen[n_seen++] = r[i];
}

/* The report of `kind` about `id`, waiting for it; NULL after WAIT_NS. */
static const struct rg_report *wait_for(uint8_t kind, uint64_t id)
{
	uint64_t deadline = rg_client_now_ns() + WAIT_NS;
	unsigned from = 0;

	for (;;) {
		for (unsigned i = from; i < n_seen; i++)
			if (seen[i].kind == kind && seen[i].client_order_id == id)
				return &seen[i];
		from = n_seen;
		if (rg_client_now_ns() > deadline)
			return NULL;
		pump();
	}
}

static void check(bool ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failed += !ok;
}

/* The decision on `id`: ACCEPTED (returns 0) or REJECTED (its reason); -1 none. */
static int decision(uint64_t id)
{
	uint64_t deadline = rg_client_now_ns() + WAIT_NS;

	while (rg_client_now_ns() < deadline) {
		for (unsigned i = 0; i < n_seen; i++)
			if (seen[i].client_order_id == id &&
			    (seen[i].kind == RG_REPORT_ACCEPTED || seen[i].kind == RG_REPORT_REJECTED))
				return seen[i].kind == RG_REPORT_ACCEPTED ? 0 : seen[i].reason;
		pump();
	}
	return -1;
}

static void send(const struct rg_order *o)
{
	while (!rg_client_submit(&c, o))
		pump();
}

static uint64_t new_order(uint8_t side, int64_t qty, int64_t price)
{
	struct rg_order o = {0};

	o.client_order_id = ++next_id;
	o.symbol_id = sym;
	o.kind = RG_ORDER_NEW;
	o.side = side;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_DAY;
	o.qty_e8 = qty;
	o.price_e8 = price;
	o.client_ts_ns = rg_client_now_ns();
	send(&o);
	return o.client_order_id;
}

static uint64_t replace(uint64_t target, int64_t qty, int64_t price)
{
	struct rg_order o = {0};

	o.client_order_id = ++next_id;
	o.orig_client_order_id = target;
	o.symbol_id = sym;
	o.kind = RG_ORDER_REPLACE;
	o.side = RG_SIDE_BUY;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_DAY;
	o.qty_e8 = qty;
	o.price_e8 = price;
	o.client_ts_ns = rg_client_now_ns();
	while (!rg_client_replace(&c, &o))
		pump();
	return o.client_order_id;
}

static uint64_t cancel(uint64_t target)
{
	uint64_t id = ++next_id;

	while (!rg_client_cancel(&c, id, target, sym))
		pump();
	return id;
}

static void expect_reject(uint64_t id, unsigned reason, const char *what)
{
	int got = decision(id);

	if (got != (int)reason)
		printf("  %s: got %s\n", what, got < 0 ? "no decision" : got == 0 ? "ACCEPTED" : rg_reject_str((unsigned)got));
	for (unsigned i = 0; got == 0 && i < n_seen; i++)
		if (seen[i].client_order_id == id)
			printf("  %s: %s %u seq %llu\n", what, rg_report_kind_str(seen[i].kind), seen[i].reason,
			       (unsigned long long)seen[i].engine_seq);
	check(got == (int)reason, what);
}

/* Replace `target` and wait for REPLACED; returns the new id (0 on failure). */
static uint64_t replaced(uint64_t target, int64_t qty, int64_t price, const char *what)
{
	uint64_t id = replace(target, qty, price);
	const struct rg_report *r;

	int got = decision(id);
	if (got != 0) {
		printf("  %s: got %s\n", what, got < 0 ? "no decision" : rg_reject_str((unsigned)got));
		check(false, what);
		return 0;
	}
	r = wait_for(RG_REPORT_REPLACED, id);
	if (r == NULL)
		for (unsigned i = 0; i < n_seen; i++)
			if (seen[i].client_order_id == id)
				printf("  %s: %s %u\n", what, rg_report_kind_str(seen[i].kind), seen[i].reason);
	check(r != NULL && r->fill.leaves_e8 == qty && r->fill.price_e8 == price, what);
	return r != NULL ? id : 0;
}

int main(int argc, char **argv)
{
	char err[256];
	unsigned modify_count, approved_replaces = 0;

	if (argc != 6 && !(argc == 7 && strcmp(argv[5], "unknown") == 0)) {
		fprintf(stderr, "usage: replace_strategy INSTANCE STRATEGY SYMBOL REF_PRICE MODIFY_COUNT\n");
		return 2;
	}
	ref_e8 = (int64_t)(atof(argv[4]) * 100) * 1000000; /* test input: a price in cents */
	modify_count = (unsigned)atoi(argv[5]);
	if (rg_client_open(&c, argv[1], argv[2], err, sizeof(err)) != 0 || rg_client_symbol_id(&c, argv[3], &sym) != 0) {
		fprintf(stderr, "replace_strategy: %s\n", err);
		return 2;
	}
	const int64_t one = RG_QTY_SCALE, cent = RG_PRICE_SCALE / 100;
	int64_t rest = ref_e8 - 500 * cent; /* 5.00 under the reference: rests for the test's length */

	if (strcmp(argv[5], "unknown") == 0) {
		uint64_t id = strtoull(argv[6], NULL, 10);
		const struct rg_report *r = wait_for(RG_REPORT_REPLACE_REJECTED, id);
		if (r == NULL) {
			printf("FAIL no REPLACE_REJECTED about %" PRIu64 " after the restart\n", id);
			return 1;
		}
		printf("unknown %" PRIu64 " %s %lld\n", id, rg_reject_str(r->reason), (long long)r->reject.value);
		return 0;
	}
	if (strcmp(argv[5], "pending") == 0) {
		uint64_t t = new_order(RG_SIDE_BUY, 10 * one, rest);
		check(decision(t) == 0 && wait_for(RG_REPORT_VENUE_ACK, t) != NULL, "a resting buy is acked");
		uint64_t p = replace(t, 6 * one, rest + 50 * cent);
		check(decision(p) == 0, "its replace is approved");
		printf("pending %" PRIu64 " %" PRIu64 "\n", t, p);
		fflush(stdout);
		return failed == 0 ? 0 : 1; /* no close: the session goes with the process */
	}

	/* A resting order, then its price up and down, its quantity down and up. */
	uint64_t a = new_order(RG_SIDE_BUY, 10 * one, rest);
	check(decision(a) == 0 && wait_for(RG_REPORT_VENUE_ACK, a) != NULL, "a resting buy is acked");
	uint64_t b = replaced(a, 10 * one, rest + 100 * cent, "price up: REPLACED at the new price");
	uint64_t cc = replaced(b, 10 * one, rest - 100 * cent, "price down: REPLACED");
	uint64_t d = replaced(cc, 6 * one, rest - 100 * cent, "quantity down: REPLACED with leaves 6");
	uint64_t e = replaced(d, 12 * one, rest - 100 * cent, "quantity up: REPLACED with leaves 12");
	approved_replaces += 4;
	printf("shrunk %" PRIu64 " grown %" PRIu64 "\n", d, e);
	/* The replaced order answers to its new id only. */
	expect_reject(replace(a, 5 * one, rest), RG_REJ_UNKNOWN_ORDER, "a replaced order's old id is unknown");
	expect_reject(replace(999999, 5 * one, rest), RG_REJ_UNKNOWN_ORDER, "replace of an unknown order");
	expect_reject(replace(e, 12 * one, rest - 100 * cent), RG_REJ_REPLACE_NO_CHANGE, "replace with no change");

	/* Replace pending: the sim holds requests, so the first is on its way. */
	uint64_t f = replace(e, 11 * one, rest - 100 * cent);
	uint64_t f2 = replace(e, 10 * one, rest - 100 * cent);
	uint64_t f3 = replace(f, 10 * one, rest - 100 * cent);
	check(decision(f) == 0, "a replace is approved");
	approved_replaces++;
	expect_reject(f2, RG_REJ_REPLACE_PENDING, "a second replace of the same order");
	expect_reject(f3, RG_REJ_REPLACE_PENDING, "a replace of a replacement not yet done");
	check(wait_for(RG_REPORT_REPLACED, f) != NULL, "the first replace is done");

	/* Cancel pending. */
	uint64_t g = new_order(RG_SIDE_BUY, 3 * one, rest - 200 * cent);
	check(decision(g) == 0 && wait_for(RG_REPORT_VENUE_ACK, g) != NULL, "a second resting buy is acked");
	uint64_t gc = cancel(g);
	expect_reject(replace(g, 2 * one, rest - 200 * cent), RG_REJ_REPLACE_CANCEL_PENDING, "replace of a cancel-pending order");
	check(decision(gc) == 0 && wait_for(RG_REPORT_CANCELLED, g) != NULL, "the cancel is done");

	/* A fill races the replace: the order fills at the venue before the replace reaches it. */
	uint64_t h = new_order(RG_SIDE_BUY, one, ref_e8 + 300 * cent);
	uint64_t hr = replace(h, one, ref_e8 + 290 * cent);
	check(decision(h) == 0 && decision(hr) == 0, "a marketable buy and its replace are approved");
	approved_replaces++;
	const struct rg_report *fill = wait_for(RG_REPORT_FILL, h);
	const struct rg_report *rr = wait_for(RG_REPORT_REPLACE_REJECTED, hr);
	check(fill != NULL && fill->fill.leaves_e8 == 0, "the order fills in full");
	check(rr != NULL && rr->reject.value == 2 && rr > fill, "then its replace is REPLACE_REJECTED (unknown at the venue)");
	expect_reject(replace(h, 2 * one, ref_e8), RG_REJ_UNKNOWN_ORDER, "replace of a filled order");

	/* The modify rate: replaces until it refuses, counting the approved ones. */
	uint64_t cur = f;
	int64_t q = 11 * one;
	for (;;) {
		q = q == 11 * one ? 12 * one : 11 * one;
		uint64_t id = replace(cur, q, rest - 100 * cent);
		int got = decision(id);
		if (got == RG_REJ_MODIFY_RATE)
			break;
		if (got != 0 || wait_for(RG_REPORT_REPLACED, id) == NULL) {
			check(false, "a replace within the modify rate");
			break;
		}
		approved_replaces++;
		cur = id;
		if (approved_replaces > modify_count)
			break;
	}
	printf("  %u replaces approved before MODIFY_RATE\n", approved_replaces);
	check(approved_replaces == modify_count, "MODIFY_RATE once the modify rate is used up");
	int64_t leaves = q == 11 * one ? 12 * one : 11 * one;
	printf("resting %" PRIu64 " %" PRId64 " %" PRId64 "\n", cur, leaves, rest - 100 * cent);
	rg_client_close(&c);
	printf("replace_strategy: %u failed\n", failed);
	return failed == 0 ? 0 : 1;
}
