/*
 * riskgate-loadgen: a strategy process that drives an engine with orders and
 * checks what comes back, using nothing but the public client header.
 *
 * It submits limit orders at a given rate (or as fast as the ring takes
 * them) across a symbol mix, priced around reference hints, with a share of
 * deliberately bad orders (zero quantity, off-tick price, unknown symbol,
 * price outside any collar, broken lot) and, optionally, cancels of resting
 * orders or resting orders left open.  It timestamps every message at
 * submit and measures submit-to-decision latency from its own clock, and it
 * verifies the engine's promise: every message gets exactly one decision
 * (ACCEPTED or REJECTED), never none, never two, and no report is lost (the
 * reports' numbers, report_seq, run without a gap).  It heartbeats every 10 ms
 * from its sending loop, for the engine's dead-man watch (docs/client.md).
 * It spins while a decision is due (the latency it measures is the engine's,
 * not its own wake-up) and naps when nothing is: between paced orders more
 * than IDLE_NAP_MIN_NS apart and while it waits for resting orders, so that
 * on a shared machine it leaves the venue and journal threads their CPU.  It
 * runs on any CPU unless --cpu pins it.
 * SIGINT or SIGTERM ends the sending early; the run then drains and is
 * verified as at its end (a test ends a strategy on an event, not a clock).
 *
 * It ends once everything it is certainly owed has come, however slow the
 * engine and venue are, so that a test reading its counts sees them whole:
 * the decision of every message, and the last report (a fill that leaves
 * nothing, CANCELLED or VENUE_REJECT) of every approved IOC order and of
 * every resting order whose cancel it sent and had approved.  It waits for
 * nothing that may never come: orders left open (--rest-pct) are waited for
 * only with --leave-resting, up to its S seconds, and a resting order whose
 * cancel was refused (or never sent: more than 256 due at once) may stay
 * open.  A last report still missing after 30 s in which none came (or
 * when the engine is gone) is listed and fails the run.  An engine that
 * stops heartbeating is waited for while it holds its instance's lock (it
 * is stalled, not dead: instance_lock.h); once it has let go, the run stops
 * and fails.  It waits for the
 * decisions only with --exit-when-decided (a test that kills the engine with
 * orders still open) or when the instance has a dry-run venue (which
 * answers nothing after the decision; a strategy cannot tell which venue a
 * symbol trades on).
 *
 * Exit: 0 verified, 1 a message lost or decided twice, or an order's last
 * report missing, 2 usage or attach error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <riskgate/client.h>

#include <riskgate/histogram.h>

#include "instance_lock.h"

#define MAX_SYMBOLS 64
#define TRACK_BITS 20 /* in-flight messages tracked: far more than any ring holds */
#define TRACK_SLOTS (1u << TRACK_BITS)
/* Heartbeat from the sending loop every 10 ms: well inside any dead-man
 * timeout (docs/client.md asks for a quarter of it at most). */
#define HEARTBEAT_EVERY_NS 10000000ull
/* Resting orders rest this many ticks from the market: near enough for the
 * cancel to race a fill now and then, or too far for the price walk of a
 * test run to reach them (--rest-pct: left open, they stay open). */
#define CANCEL_REST_TICKS 10
#define OPEN_REST_TICKS 200
/* With no decision due and nothing to send for at least IDLE_NAP_MIN_NS, a
 * turn sleeps until the next send, IDLE_NAP_MAX_NS at most (well inside the
 * heartbeat's 10 ms). */
#define IDLE_NAP_MIN_NS 200000ull
#define IDLE_NAP_MAX_NS 1000000ull
/* An engine heartbeat older than this makes loadgen ask whether the engine
 * is stalled or gone (engine_stalled). */
#define ENGINE_STALE_NS 2000000000ull
/* Messages sent are lost when no decision has come for this long since the
 * sending stopped or the last decision came, whichever is later: a measure of
 * silence, not of how fast a loaded machine decides a backlog. */
#define DRAIN_TIMEOUT_NS 10000000000ull
/* An order's last report that is certainly due is missing when none of
 * those due has come for this long (once every message is decided): a
 * measure of silence, like DRAIN_TIMEOUT_NS. */
#define END_TIMEOUT_NS 30000000000ull
enum { RESTING_NO = 0, RESTING_CANCEL = 1, RESTING_OPEN = 2 };
/* What a tracked slot waits for. */
enum {
	AWAIT_DECISION = 0, /* its decision */
	AWAIT_VERDICT = 1,  /* a resting order whose cancel is queued or on its way: that cancel's decision */
	AWAIT_END = 2,      /* an approved order that must end: its last report (counted in st.ends_due) */
};

struct tracked {
	uint64_t id;       /* client order id; 0 = free */
	uint64_t sent_ns;  /* when it was submitted */
	uint64_t orig;     /* a cancel: the order it cancels */
	uint8_t resting;   /* a DAY order: RESTING_CANCEL (we cancel it) or RESTING_OPEN (left open) */
	uint8_t await;     /* AWAIT_* */
};

struct symbol {
	uint32_t id;
	int64_t price_e8; /* reference hint */
	const struct rg_symbol_entry *entry;
};

struct options {
	const char *instance, *strategy, *symbols, *hints, *decisions;
	uint64_t rate, count, duration_s, seed, leave_resting_s, poll_every;
	unsigned bad_pct, cancel_pct, rest_pct;
	int cpu;
	bool progress, json, exit_when_decided;
};

struct stats {
	uint64_t sent, decided, accepted, rejected, acks, fills, cancels, venue_rejects, ring_full, errors, stale;
	uint64_t reports, first_report_seq, last_report_seq; /* numbered reports received, and their range */
	uint64_t resting_left;    /* --rest-pct: resting orders accepted and left live */
	uint64_t filled_out;      /* fills that left nothing (leaves 0) */
	uint64_t ends_due;        /* approved orders whose last report is certain and has not come */
	uint64_t ends_dropped;    /* of those, no longer tracked: their slot was needed 2^20 messages later */
	uint64_t by_reason[RG_REJ_REASON_MAX];
	struct rg_histogram latency;
};

static struct tracked *track;
static FILE *decisions_out; /* --decisions: one line per decision received */
static struct stats st;
/* Client order ids carry the pid in their top half, so a restarted strategy
 * tells the answers meant for its predecessor (still in the ring, or still
 * being decided) from its own. */
static uint64_t id_base;
static volatile sig_atomic_t stop_sending; /* SIGINT, SIGTERM */

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_sending = 1;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: riskgate-loadgen --instance NAME --strategy NAME [options]\n"
		"  --rate N           orders per second, paced (a stall skips the send times it missed instead of\n"
		"                     catching up in a burst; 0: as fast as the ring takes them) [10000]\n"
		"  --duration S       seconds to send [10]          --count N   stop after N orders instead\n"
		"                     (SIGINT or SIGTERM stops the sending early; the run drains and is verified)\n"
		"  --symbols A,B      symbol mix [every symbol the engine publishes]\n"
		"  --price A=190,B=1  reference price hints; orders are priced within 0.5%% of them\n"
		"  --bad-pct P        share of deliberately bad orders [0]\n"
		"  --cancel-pct P     share of orders sent as resting DAY orders and then cancelled [0]\n"
		"  --rest-pct P       share of orders sent as resting DAY orders and left open [0]\n"
		"  --leave-resting S  at the end, wait up to S s for the orders left open to be cancelled or\n"
		"                     filled out by something else (an operator's kill), then exit\n"
		"  --exit-when-decided  exit once every message is decided, without waiting for the last report\n"
		"                     (fill, cancel, venue reject) of the orders that must end (IOC, cancelled)\n"
		"  --seed N           random seed [1]          --cpu N   pin to CPU N [not pinned]\n"
		"  --progress         a progress line every second on stderr\n"
		"  --decisions FILE   write \"<client_order_id> ACCEPTED|REJECTED <reason>\" per decision received\n"
		"  --poll-every N     read reports only every N turns of the sending loop (a slow reader) [1]\n"
		"  --json             the summary as one JSON object\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'}, {"strategy", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'r'},     {"duration", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'n'},    {"symbols", required_argument, NULL, 'y'},
		{"price", required_argument, NULL, 'p'},    {"bad-pct", required_argument, NULL, 'b'},
		{"cancel-pct", required_argument, NULL, 'c'}, {"rest-pct", required_argument, NULL, 'R'},
		{"seed", required_argument, NULL, 'S'}, {"leave-resting", required_argument, NULL, 'L'},
		{"cpu", required_argument, NULL, 'C'},      {"progress", no_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
		{"decisions", required_argument, NULL, 'D'}, {"poll-every", required_argument, NULL, 'E'},
		{"exit-when-decided", no_argument, NULL, 'X'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->rate = 10000;
	o->duration_s = 10;
	o->seed = 1;
	o->poll_every = 1;
	o->cpu = -1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->instance = optarg; break;
		case 's': o->strategy = optarg; break;
		case 'r': o->rate = strtoull(optarg, NULL, 10); break;
		case 'd': o->duration_s = strtoull(optarg, NULL, 10); break;
		case 'n': o->count = strtoull(optarg, NULL, 10); break;
		case 'y': o->symbols = optarg; break;
		case 'p': o->hints = optarg; break;
		case 'b': o->bad_pct = (unsigned)atoi(optarg); break;
		case 'c': o->cancel_pct = (unsigned)atoi(optarg); break;
		case 'L': o->leave_resting_s = strtoull(optarg, NULL, 10); break;
		case 'R': o->rest_pct = (unsigned)atoi(optarg); break;
		case 'S': o->seed = strtoull(optarg, NULL, 10) | 1; break;
		case 'C': o->cpu = atoi(optarg); break;
		case 'P': o->progress = true; break;
		case 'j': o->json = true; break;
		case 'D': o->decisions = optarg; break;
		case 'E': o->poll_every = strtoull(optarg, NULL, 10); break;
		case 'X': o->exit_when_decided = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (o->instance == NULL || o->strategy == NULL || optind != argc || o->bad_pct > 100 || o->cancel_pct > 100 ||
	    o->rest_pct > 100 || o->poll_every == 0)
		return -1;
	return 0;
}

/* The hint for `name` in "A=190,B=1.5", as price_e8 (integer arithmetic). */
static int64_t hint_for(const char *hints, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = hints; p != NULL && *p != '\0';) {
		if (strncmp(p, name, len) == 0 && p[len] == '=') {
			int64_t whole = 0, frac = 0, scale = RG_PRICE_SCALE;
			const char *q = p + len + 1;
			for (; *q >= '0' && *q <= '9'; q++)
				whole = whole * 10 + (*q - '0');
			if (*q == '.')
				for (q++; *q >= '0' && *q <= '9' && scale > 1; q++)
					frac = frac * 10 + (*q - '0'), scale /= 10;
			return whole * RG_PRICE_SCALE + frac * scale;
		}
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : NULL;
	}
	return 0;
}

static int pick_symbols(struct rg_client *c, const struct options *o, struct symbol *out, unsigned *n)
{
	*n = 0;
	for (uint32_t id = 0; id < MAX_SYMBOLS; id++) {
		const struct rg_symbol_entry *e = rg_client_symbol(c, id);
		if (e == NULL)
			break;
		if (o->symbols != NULL) {
			const char *p = strstr(o->symbols, e->name);
			size_t len = strlen(e->name);
			if (p == NULL || (p != o->symbols && p[-1] != ',') || (p[len] != ',' && p[len] != '\0'))
				continue;
		}
		out[*n].id = id;
		out[*n].entry = e;
		out[*n].price_e8 = hint_for(o->hints, e->name);
		if (out[*n].price_e8 == 0) {
			fprintf(stderr, "loadgen: no --price hint for %s; orders on it are priced at 100\n", e->name);
			out[*n].price_e8 = 100 * RG_PRICE_SCALE;
		}
		(*n)++;
	}
	return *n > 0 ? 0 : -1;
}

/* Builds order number `seq` (client order id seq): good or deliberately bad;
 * a resting one is a DAY order `rest_ticks` away from the market (0: IOC). */
static void make_order(struct rg_order *o, uint64_t seq, const struct symbol *s, uint64_t *rng, bool bad,
		       int64_t rest_ticks)
{
	bool resting = rest_ticks != 0;
	const struct rg_symbol_entry *e = s->entry;
	int64_t tick = e->tick_e8, lots = (int64_t)(rnd(rng) % 5) + 1;
	int64_t offset = (int64_t)(rnd(rng) % 11) - 5; /* ticks around the hint, at most 0.5% */
	int64_t price = s->price_e8 - s->price_e8 % tick;

	memset(o, 0, sizeof(*o));
	o->client_order_id = seq;
	o->symbol_id = s->id;
	o->side = seq & 1 ? RG_SIDE_SELL : RG_SIDE_BUY;
	o->type = RG_TYPE_LIMIT;
	o->tif = resting ? RG_TIF_DAY : RG_TIF_IOC;
	o->qty_e8 = lots * e->lot_e8 < e->min_qty_e8 ? e->min_qty_e8 : lots * e->lot_e8;
	if (offset * tick * 200 > price)
		offset = 0;
	o->price_e8 = price + offset * tick;
	if (resting) {
		/* Rest `rest_ticks` and at least 1% away from the market, inside
		 * any sane collar, so the random walk does not fill it first. */
		int64_t away = price / 100 - (price / 100) % tick;
		if (away < rest_ticks * tick)
			away = rest_ticks * tick;
		o->price_e8 = o->side == RG_SIDE_BUY ? price - away : price + away;
	}
	if (!bad)
		return;
	switch (seq % 5) {
	case 0: o->qty_e8 = 0; break;                          /* BAD_QTY */
	case 1: o->price_e8 += tick > 1 ? tick / 2 : 0; break; /* TICK_SIZE (when the tick allows) */
	case 2: o->symbol_id = 1000000; break;                 /* UNKNOWN_SYMBOL */
	case 3: o->price_e8 = price * 3; break;                /* far outside any collar */
	default: o->side = 7; break;                           /* BAD_SIDE */
	}
}

/* The slot of a message or order, NULL when `id` is not (or no longer) in it. */
static struct tracked *slot_of(uint64_t id)
{
	struct tracked *t = &track[id & (TRACK_SLOTS - 1)];

	return t->id == id ? t : NULL;
}

static void release(struct tracked *t)
{
	if (t->await == AWAIT_END)
		st.ends_due--;
	t->id = 0;
}

/* A decided message: a cancel's verdict settles what its order still owes
 * (approved: the order's last report is due; refused: the order is done
 * already, or may stay open); an approved order goes on waiting for its last
 * report if one is certain: an IOC order's, or a resting order's whose
 * cancel main() queues (AWAIT_VERDICT until that cancel is decided). */
static void on_decided(struct tracked *t, bool accepted)
{
	struct tracked *order = t->orig != 0 ? slot_of(t->orig) : NULL;

	if (order != NULL && order->await == AWAIT_VERDICT) {
		if (accepted) {
			order->await = AWAIT_END;
			st.ends_due++;
		} else {
			release(order);
		}
	}
	if (accepted && t->orig == 0 && t->resting == RESTING_NO) {
		t->await = AWAIT_END;
		st.ends_due++;
	} else if (accepted && t->orig == 0 && t->resting == RESTING_CANCEL) {
		t->await = AWAIT_VERDICT;
	} else {
		t->id = 0;
	}
}

static int on_report(const struct rg_report *r, uint64_t now)
{
	struct tracked *t = &track[r->client_order_id & (TRACK_SLOTS - 1)];

	if (r->report_seq != 0) {
		st.reports++;
		if (st.first_report_seq == 0)
			st.first_report_seq = r->report_seq;
		st.last_report_seq = r->report_seq;
	}

	if ((r->client_order_id & ~0xffffffffull) != id_base) {
		st.stale++; /* for a previous process on this session */
		return 0;
	}
	switch (r->kind) {
	case RG_REPORT_ACCEPTED:
	case RG_REPORT_REJECTED:
		if (t->id != r->client_order_id || t->await != AWAIT_DECISION) {
			fprintf(stderr, "loadgen: decision for message %" PRIu64 " that is not awaiting one (duplicate?)\n",
				r->client_order_id);
			st.errors++;
			return -1;
		}
		rg_histogram_record(&st.latency, now - t->sent_ns);
		st.decided++;
		if (decisions_out != NULL)
			fprintf(decisions_out, "%" PRIu64 " %s %u\n", r->client_order_id,
				r->kind == RG_REPORT_ACCEPTED ? "ACCEPTED" : "REJECTED", (unsigned)r->reason);
		if (r->kind == RG_REPORT_ACCEPTED) {
			st.accepted++;
		} else {
			st.rejected++;
			st.by_reason[r->reason < RG_REJ_REASON_MAX ? r->reason : 0]++;
		}
		on_decided(t, r->kind == RG_REPORT_ACCEPTED);
		return r->kind == RG_REPORT_ACCEPTED && t->orig == 0 ? t->resting : RESTING_NO;
	case RG_REPORT_VENUE_ACK: st.acks++; return 0;
	case RG_REPORT_FILL:
		st.fills++;
		st.filled_out += r->fill.leaves_e8 == 0;
		if (r->fill.leaves_e8 != 0)
			return 0;
		break;
	case RG_REPORT_CANCELLED: st.cancels++; break;
	case RG_REPORT_VENUE_REJECT: st.venue_rejects++; break; /* the order's, or a refused cancel's: an end either way */
	default: st.errors++; return -1;
	}
	/* The order's last report: nothing more is certain about it. */
	if (t->id == r->client_order_id && t->await != AWAIT_DECISION)
		release(t);
	return 0;
}

/* A queued cancel that will not be sent after all: its order may stay open. */
static void forget_verdict(uint64_t order_id)
{
	struct tracked *t = slot_of(order_id);

	if (t != NULL && t->await == AWAIT_VERDICT)
		release(t);
}

/* The approved orders whose last report is due and has not come, on stderr:
 * how many, and up to 10 of their client order ids. */
static void report_missing_ends(const char *why)
{
	unsigned shown = 0;

	fprintf(stderr,
		"loadgen: %" PRIu64 " approved order(s) that must end (IOC, or cancelled by loadgen) got no last report "
		"(a fill leaving nothing, CANCELLED or VENUE_REJECT): %s; among them:",
		st.ends_due, why);
	for (uint32_t i = 0; i < TRACK_SLOTS && shown < 10; i++)
		if (track[i].id != 0 && track[i].await == AWAIT_END) {
			fprintf(stderr, " %" PRIu64 "%s", track[i].id,
				track[i].resting == RESTING_CANCEL ? " (its cancel approved)" : " (IOC)");
			shown++;
		}
	fputc('\n', stderr);
}

static int send_tracked(struct rg_client *c, struct rg_order *o, uint8_t resting, bool cancel)
{
	struct tracked *t = &track[o->client_order_id & (TRACK_SLOTS - 1)];
	bool ok;

	if (t->id != 0 && t->await == AWAIT_DECISION) {
		fprintf(stderr, "loadgen: more than %u messages in flight\n", TRACK_SLOTS);
		return -1;
	}
	if (t->id != 0) { /* an order decided 2^20 messages ago still waits for its end: given up */
		st.ends_dropped += t->await == AWAIT_END;
		release(t);
	}
	t->id = o->client_order_id;
	t->sent_ns = rg_client_now_ns();
	t->resting = resting;
	t->orig = cancel ? o->orig_client_order_id : 0;
	t->await = AWAIT_DECISION;
	o->client_ts_ns = t->sent_ns;
	ok = cancel ? rg_client_cancel(c, o->client_order_id, o->orig_client_order_id, o->symbol_id)
		    : rg_client_submit(c, o);
	if (!ok) {
		t->id = 0;
		st.ring_full++;
		return 1;
	}
	st.sent++;
	return 0;
}

/* When the order after one due at `due` is due: one interval later, but
 * never earlier than CATCH_UP_NS before now.  A loadgen held up (descheduled,
 * its ring full while the engine was busy) sends at its rate from where it
 * is instead of firing every send time it missed in one burst. */
#define CATCH_UP_NS 1000000ull
static uint64_t next_send_after(uint64_t due, uint64_t interval, uint64_t now)
{
	uint64_t next = due + interval;

	return now > CATCH_UP_NS && next < now - CATCH_UP_NS ? now - CATCH_UP_NS + interval : next;
}

static void print_summary(const struct options *o, double secs, uint64_t reports_lost)
{
	const struct rg_histogram *h = &st.latency;

	if (o->json) {
		printf("{\"sent\": %" PRIu64 ", \"decided\": %" PRIu64 ", \"accepted\": %" PRIu64 ", \"rejected\": %" PRIu64
		       ", \"venue_acks\": %" PRIu64 ", \"fills\": %" PRIu64 ", \"cancelled\": %" PRIu64
		       ", \"venue_rejects\": %" PRIu64 ", \"ring_full\": %" PRIu64 ", \"reports\": %" PRIu64
		       ", \"reports_lost\": %" PRIu64 ", \"latency_ns\": {\"p50\": %" PRIu64
		       ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"p999\": %" PRIu64 ", \"max\": %" PRIu64
		       "}, \"rejected_by_reason\": {",
		       st.sent, st.decided, st.accepted, st.rejected, st.acks, st.fills, st.cancels, st.venue_rejects,
		       st.ring_full, st.reports, reports_lost, rg_histogram_percentile(h, 500000), rg_histogram_percentile(h, 900000),
		       rg_histogram_percentile(h, 990000), rg_histogram_percentile(h, 999000), h->max);
		for (unsigned r = 0, first = 1; r < RG_REJ_REASON_MAX; r++)
			if (st.by_reason[r] != 0) {
				printf("%s\"%s\": %" PRIu64, first ? "" : ", ", rg_reject_str(r), st.by_reason[r]);
				first = 0;
			}
		printf("}}\n");
		return;
	}
	printf("loadgen: %" PRIu64 " messages in %.1f s (%.0f/s), %" PRIu64 " decided: %" PRIu64 " accepted, %" PRIu64
	       " rejected\n",
	       st.sent, secs, (double)st.sent / secs, st.decided, st.accepted, st.rejected);
	printf("venue:   %" PRIu64 " acks, %" PRIu64 " fills, %" PRIu64 " cancelled, %" PRIu64 " venue rejects\n", st.acks,
	       st.fills, st.cancels, st.venue_rejects);
	printf("reports: %" PRIu64 " numbered, %" PRIu64 "..%" PRIu64 ", %" PRIu64 " lost\n", st.reports,
	       st.first_report_seq, st.last_report_seq, reports_lost);
	if (o->leave_resting_s != 0)
		printf("resting: %" PRIu64 " left live, %" PRIu64 " cancelled by others, %" PRIu64 " filled out\n",
		       st.resting_left, st.cancels, st.filled_out);
	for (unsigned r = 0; r < RG_REJ_REASON_MAX; r++)
		if (st.by_reason[r] != 0)
			printf("  rejected %-24s %10" PRIu64 "\n", rg_reject_str(r), st.by_reason[r]);
	printf("submit-to-decision latency (us): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
	       (double)rg_histogram_percentile(h, 500000) / 1e3, (double)rg_histogram_percentile(h, 900000) / 1e3,
	       (double)rg_histogram_percentile(h, 990000) / 1e3, (double)rg_histogram_percentile(h, 999000) / 1e3,
	       (double)h->max / 1e3);
	if (st.ring_full != 0)
		printf("order ring full %" PRIu64 " times (retried; nothing dropped)\n", st.ring_full);
	if (st.stale != 0)
		printf("%" PRIu64 " reports for a previous process on this session were skipped\n", st.stale);
}

/* With no recent heartbeat from a RUNNING engine: whether it is merely
 * stalled (stopped, starved by a busy machine) rather than gone.  It is
 * while it holds its instance's lock, which the kernel drops when it dies;
 * when that cannot be asked, a stale heartbeat counts as gone, as before. */
static bool engine_stalled(const struct rg_client *c, const char *instance)
{
	return __atomic_load_n(&c->ctl_hdr->state, __ATOMIC_ACQUIRE) == RG_SEG_READY &&
	       rg_client_engine_state(c) == RG_ENGINE_RUNNING && rg_instance_lock_held(instance) == 1;
}

int main(int argc, char **argv)
{
	struct options o;
	struct rg_client c;
	struct symbol syms[MAX_SYMBOLS];
	struct rg_report reports[64];
	uint64_t pending_cancels[256];
	unsigned n_syms, n_cancels = 0;
	uint64_t rng, seq = 0, orders = 0, start, end, next_progress, next_heartbeat, interval, stopped_ns = 0, turns = 0;
	uint64_t next_send, decided_ns = 0, ended_ns = 0;
	char err[256];
	int status = 0;
	bool ends_timed_out = false, said_stalled = false;

	if (parse_options(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	if (o.decisions != NULL && (decisions_out = fopen(o.decisions, "w")) == NULL) {
		perror(o.decisions);
		return 2;
	}
	if (rg_client_open(&c, o.instance, o.strategy, err, sizeof(err)) != 0) {
		fprintf(stderr, "loadgen: %s\n", err);
		return 2;
	}
	/* A dry-run venue answers nothing after the decision, and a strategy
	 * cannot tell which venue a symbol trades on: with one in the
	 * instance, only the decisions are certain. */
	for (uint32_t v = 0; v < __atomic_load_n(&c.ctl->n_venues, __ATOMIC_ACQUIRE) && v < RG_CTL_VENUES; v++)
		if (c.ctl->venues[v].dry_run && !o.exit_when_decided) {
			fprintf(stderr, "loadgen: venue %.*s is dry-run: waiting for the decisions only\n", RG_NAME_MAX,
				c.ctl->venues[v].name);
			o.exit_when_decided = true;
		}
	track = calloc(TRACK_SLOTS, sizeof(*track));
	if (track == NULL || pick_symbols(&c, &o, syms, &n_syms) != 0) {
		fprintf(stderr, "loadgen: no symbols to trade\n");
		rg_client_close(&c);
		return 2;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rg_histogram_reset(&st.latency);
	id_base = (uint64_t)getpid() << 32;
	rng = o.seed;
	interval = o.rate > 0 ? 1000000000ull / o.rate : 0;
	start = rg_client_now_ns();
	end = start + o.duration_s * 1000000000ull;
	next_progress = start + 1000000000ull;
	next_send = start;
	/* The set-up since rg_client_open stamped the first heartbeat may have
	 * taken a while (a sanitizer build): beat again before the first order. */
	rg_client_heartbeat(&c);
	next_heartbeat = start + HEARTBEAT_EVERY_NS;
	for (;;) {
		uint64_t now = rg_client_now_ns();
		/* --count and --rate are in orders; cancels come on top (seq numbers both). */
		bool sending = !stop_sending && (o.count ? orders < o.count : now < end), busy = n_cancels > 0;
		uint64_t decided_before = st.decided, ends_before = st.ends_due;
		bool ends_in = st.ends_due == 0 || o.exit_when_decided;
		unsigned n;

		if (!sending && stopped_ns == 0)
			stopped_ns = now;
		if (!sending && st.decided == st.sent && n_cancels == 0 && ends_in &&
		    (st.cancels + st.filled_out >= st.resting_left || now - stopped_ns > o.leave_resting_s * 1000000000ull))
			break;
		if (n_cancels > 0) {
			struct rg_order cx;
			memset(&cx, 0, sizeof(cx));
			cx.client_order_id = id_base | ++seq;
			cx.orig_client_order_id = pending_cancels[n_cancels - 1];
			cx.symbol_id = syms[0].id;
			if (send_tracked(&c, &cx, RESTING_NO, true) == 0)
				n_cancels--;
			else
				seq--;
		} else if (sending && (interval == 0 || now >= next_send)) {
			struct rg_order ord;
			bool bad = o.bad_pct > 0 && rnd(&rng) % 100 < o.bad_pct;
			bool resting = !bad && o.cancel_pct > 0 && rnd(&rng) % 100 < o.cancel_pct;
			bool left_open = !bad && !resting && o.rest_pct > 0 && rnd(&rng) % 100 < o.rest_pct;
			make_order(&ord, id_base | (seq + 1), &syms[rnd(&rng) % n_syms], &rng, bad,
				   resting ? CANCEL_REST_TICKS : left_open ? OPEN_REST_TICKS : 0);
			int rc = send_tracked(&c, &ord, resting ? RESTING_CANCEL : left_open ? RESTING_OPEN : RESTING_NO, false);
			if (rc < 0) {
				status = 1;
				break;
			}
			if (rc == 0) {
				seq++;
				orders++;
				next_send = next_send_after(next_send, interval, now);
			}
			busy = true;
		}
		n = ++turns % o.poll_every == 0 || !sending ? rg_client_poll(&c, reports, 64) : 0;
		now = rg_client_now_ns();
		for (unsigned i = 0; i < n; i++) {
			int rc = on_report(&reports[i], now);
			if (rc < 0)
				status = 1;
			else if (rc == RESTING_OPEN)
				st.resting_left++;
			else if (rc == RESTING_CANCEL && n_cancels < 256)
				pending_cancels[n_cancels++] = reports[i].client_order_id;
			else if (rc == RESTING_CANCEL)
				forget_verdict(reports[i].client_order_id); /* not cancelled: may stay open */
		}
		if (now >= next_heartbeat) {
			rg_client_heartbeat(&c);
			next_heartbeat = now + HEARTBEAT_EVERY_NS;
		}
		if (now >= next_progress) {
			if (!rg_client_engine_alive(&c, ENGINE_STALE_NS)) {
				if (!engine_stalled(&c, o.instance)) {
					fprintf(stderr, "loadgen: the engine is not alive; stopping\n");
					status = 1;
					break;
				}
				if (!said_stalled)
					fprintf(stderr, "loadgen: no heartbeat from the engine for %.1f s, but it still holds instance "
						"%s: waiting for it\n", (double)(now - rg_client_engine_heartbeat_ns(&c)) / 1e9,
						o.instance);
				said_stalled = true;
			} else {
				said_stalled = false;
			}
			if (o.progress)
				fprintf(stderr, "loadgen: %3" PRIu64 " s  sent %10" PRIu64 "  decided %10" PRIu64 "  accepted %10" PRIu64
					"  rejected %9" PRIu64 "\n",
					(uint64_t)((now - start) / 1000000000u), st.sent, st.decided, st.accepted, st.rejected);
			next_progress += 1000000000ull;
		}
		if (st.decided != decided_before)
			decided_ns = now;
		if (st.ends_due < ends_before)
			ended_ns = now;
		if (stopped_ns != 0 && st.decided != st.sent &&
		    now - (decided_ns > stopped_ns ? decided_ns : stopped_ns) > DRAIN_TIMEOUT_NS) {
			fprintf(stderr, "loadgen: %" PRIu64 " messages got no decision within the drain timeout\n",
				st.sent - st.decided);
			status = 1;
			break;
		}
		if (stopped_ns != 0 && st.decided == st.sent && n_cancels == 0 && !ends_in) {
			uint64_t since = decided_ns > stopped_ns ? decided_ns : stopped_ns;
			since = ended_ns > since ? ended_ns : since;
			if (now - since > END_TIMEOUT_NS) {
				report_missing_ends("none came for 30 s");
				ends_timed_out = true;
				status = 1;
				break;
			}
		}
		if (!busy && n == 0 && st.decided == st.sent) {
			uint64_t nap = IDLE_NAP_MAX_NS;
			if (sending)
				nap = interval == 0 || next_send <= now ? 0 : next_send - now < nap ? next_send - now : nap;
			if (nap >= IDLE_NAP_MIN_NS) {
				struct timespec ts = {0, (long)nap};
				nanosleep(&ts, NULL);
			}
		}
	}
	if (st.ends_due != 0 && !o.exit_when_decided && !ends_timed_out) {
		report_missing_ends("the run stopped before they came");
		status = 1;
	}
	if (st.ends_dropped != 0)
		fprintf(stderr,
			"loadgen: %" PRIu64 " order(s) were not waited for to the end: their slots were needed %u "
			"messages later\n",
			st.ends_dropped, TRACK_SLOTS);
	print_summary(&o, (double)(rg_client_now_ns() - start) / 1e9, c.reports_lost);
	if (status == 0 && st.decided == st.sent && st.errors == 0 && c.reports_lost == 0)
		printf("verified: every one of %" PRIu64 " messages got exactly one decision, no report lost\n", st.sent);
	else
		status = 1;
	if (c.reports_lost != 0)
		fprintf(stderr, "loadgen: %" PRIu64 " report(s) lost: their numbers were skipped\n", c.reports_lost);
	rg_client_close(&c);
	if (decisions_out != NULL && fclose(decisions_out) != 0) {
		perror(o.decisions);
		status = 1;
	}
	free(track);
	return status;
}
