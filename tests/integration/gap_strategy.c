/*
 * A strategy that loses reports and gets them back: the client side of
 * report numbering and replay (docs/client.md "Lost reports"), against the
 * real engine.
 *
 *   gap_strategy INSTANCE STRATEGY send N STATE_FILE
 *       sends N IOC orders on AAPL (client order ids 1..N), waits until the
 *       engine has decided all of them, reads only the first 5 reports and
 *       writes its state (the report number it expects next, the decisions
 *       it read) to STATE_FILE: the rest stay unread in the report ring.
 *   gap_strategy INSTANCE STRATEGY recover STATE_FILE
 *       (run after the engine was killed and restarted: the old ring and
 *       its unread reports are gone) reopens the session resuming at the
 *       saved number, sends one more order, sees the numbers skipped, asks
 *       for their replay and checks that it got every one of them, in order,
 *       and with them exactly one decision for each of the N orders.
 * Exit 0 when every check holds; 1 otherwise (what failed on stderr); 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <riskgate/client.h>

#define DEADLINE_NS 30000000000ull
#define READ_FIRST 5u

static int fail(const char *what)
{
	fprintf(stderr, "gap_strategy: %s\n", what);
	return 1;
}

static bool submit(struct rg_client *c, uint64_t id, uint32_t sym)
{
	struct rg_order o = {0};
	uint64_t until = rg_client_now_ns() + DEADLINE_NS;

	o.client_order_id = id;
	o.symbol_id = sym;
	o.side = id % 2 ? RG_SIDE_BUY : RG_SIDE_SELL;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_IOC;
	o.qty_e8 = RG_QTY_SCALE;
	/* marketable around the sim venue's 190.00: about half fill */
	o.price_e8 = o.side == RG_SIDE_BUY ? 19050000000 : 18950000000;
	o.client_ts_ns = rg_client_now_ns();
	while (!rg_client_submit(c, &o))
		if (rg_client_now_ns() > until)
			return false;
	return true;
}

static int open_session(struct rg_client *c, const char *instance, const char *strategy, uint32_t *sym)
{
	char err[256];
	uint64_t until = rg_client_now_ns() + DEADLINE_NS;
	int rc;

	while ((rc = rg_client_open(c, instance, strategy, err, sizeof(err))) != 0 || !rg_client_engine_alive(c, 2000000000ull)) {
		if (rc == 0)
			rg_client_close(c);
		if (rg_client_now_ns() > until) {
			fprintf(stderr, "gap_strategy: %s\n", rc != 0 ? err : "the engine is not alive");
			return 1;
		}
		usleep(20000);
	}
	return rg_client_symbol_id(c, "AAPL", sym) == 0 ? 0 : fail("no symbol AAPL");
}

static int send_phase(const char *instance, const char *strategy, uint64_t n, const char *state)
{
	struct rg_client c;
	struct rg_report r[READ_FIRST];
	uint32_t sym;
	unsigned got = 0;
	uint64_t until;
	FILE *f;

	if (open_session(&c, instance, strategy, &sym) != 0)
		return 1;
	for (uint64_t id = 1; id <= n; id++)
		if (!submit(&c, id, sym))
			return fail("the order ring stayed full");
	/* Every order decided (approved or rejected: counted once journaled). */
	for (until = rg_client_now_ns() + DEADLINE_NS;
	     __atomic_load_n(&c.ctl->approved, __ATOMIC_RELAXED) + __atomic_load_n(&c.ctl->rejected, __ATOMIC_RELAXED) < n;)
		if (rg_client_now_ns() > until)
			return fail("the engine did not decide every order");
	for (until = rg_client_now_ns() + DEADLINE_NS; got < READ_FIRST;) {
		got += rg_client_poll(&c, r + got, READ_FIRST - got);
		if (rg_client_now_ns() > until)
			return fail("fewer reports than expected");
	}
	if ((f = fopen(state, "w")) == NULL)
		return fail("cannot write the state file");
	fprintf(f, "next %" PRIu64 "\nsent %" PRIu64 "\n", rg_client_next_report_seq(&c), n);
	for (unsigned i = 0; i < got; i++)
		if (r[i].kind == RG_REPORT_ACCEPTED || r[i].kind == RG_REPORT_REJECTED)
			fprintf(f, "decided %" PRIu64 "\n", r[i].client_order_id);
	fclose(f);
	printf("gap_strategy: sent %" PRIu64 " orders, read %u reports, next report expected %" PRIu64 "\n", n, got,
	       rg_client_next_report_seq(&c));
	rg_client_close(&c);
	return 0;
}

static int recover_phase(const char *instance, const char *strategy, const char *state)
{
	struct rg_client c;
	struct rg_report r[64];
	uint64_t next = 0, n = 0, id, from, to, expect, replayed = 0, until;
	uint8_t *decided;
	uint32_t sym, req;
	bool done = false, own = false;
	char line[128];
	FILE *f = fopen(state, "r");

	if (f == NULL || fscanf(f, "next %" SCNu64 "\nsent %" SCNu64 "\n", &next, &n) != 2 || next == 0 || n == 0)
		return fail("bad state file");
	decided = calloc(n + 2, 1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "decided %" SCNu64, &id) == 1 && id >= 1 && id <= n)
			decided[id]++;
	fclose(f);
	if (open_session(&c, instance, strategy, &sym) != 0)
		return 1;
	rg_client_resume_at(&c, next);
	if (!submit(&c, n + 1, sym))
		return fail("could not send after the restart");
	for (until = rg_client_now_ns() + DEADLINE_NS; !own;) {
		unsigned k = rg_client_poll(&c, r, 64);
		for (unsigned i = 0; i < k; i++)
			own |= r[i].client_order_id == n + 1 &&
			       (r[i].kind == RG_REPORT_ACCEPTED || r[i].kind == RG_REPORT_REJECTED);
		if (rg_client_now_ns() > until)
			return fail("no decision for the order sent after the restart");
	}
	if (!rg_client_take_gap(&c, &from, &to))
		return fail("no gap seen: the reports left unread before the crash were not missed");
	if (from != next || to < from)
		return fail("the gap does not start where the strategy stopped reading");
	printf("gap_strategy: reports %" PRIu64 "..%" PRIu64 " lost (%" PRIu64 "); asking for a replay\n", from, to,
	       c.reports_lost);
	req = rg_client_request_replay(&c, from, to);
	expect = from;
	for (until = rg_client_now_ns() + DEADLINE_NS; !done;) {
		unsigned k = rg_client_poll(&c, r, 64);
		for (unsigned i = 0; i < k; i++) {
			if (r[i].kind == RG_REPORT_REPLAY_DONE) {
				if (r[i].client_order_id != req || r[i].reason != 0 || r[i].engine_seq != to - from + 1 ||
				    (uint64_t)r[i].reject.limit != from || (uint64_t)r[i].reject.value != to)
					return fail("REPLAY_DONE does not say every report asked for was replayed");
				done = true;
				continue;
			}
			if (!(r[i].flags & RG_REPORT_F_REPLAYED))
				continue; /* a live report */
			if (r[i].report_seq != expect++)
				return fail("replayed reports out of order or with a hole");
			replayed++;
			if ((r[i].kind == RG_REPORT_ACCEPTED || r[i].kind == RG_REPORT_REJECTED) &&
			    r[i].client_order_id >= 1 && r[i].client_order_id <= n)
				decided[r[i].client_order_id]++;
		}
		if (rg_client_now_ns() > until)
			return fail("no REPLAY_DONE");
	}
	if (expect != to + 1 || !rg_client_replay_finished(&c, req))
		return fail("the replay stopped short");
	for (id = 1; id <= n; id++)
		if (decided[id] != 1) {
			fprintf(stderr, "gap_strategy: order %" PRIu64 " has %u decisions\n", id, decided[id]);
			return 1;
		}
	printf("gap_strategy: replayed %" PRIu64 " reports (%" PRIu64 "..%" PRIu64 "); every one of %" PRIu64
	       " orders has exactly one decision\n",
	       replayed, from, to, n);
	free(decided);
	rg_client_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[3], "send") == 0)
		return send_phase(argv[1], argv[2], strtoull(argv[4], NULL, 10), argv[5]);
	if (argc == 5 && strcmp(argv[3], "recover") == 0)
		return recover_phase(argv[1], argv[2], argv[4]);
	fprintf(stderr, "usage: gap_strategy INSTANCE STRATEGY send N STATE_FILE | recover STATE_FILE\n");
	return 2;
}
