/*
 * The sim adapter: a paper exchange for one venue, so the engine can be run,
 * demonstrated and tested end to end without a real venue.
 *
 * Each symbol of the venue has a reference price that walks randomly on its
 * tick grid (seeded, so a run is repeatable) and is published to the engine
 * every SIM_TICK_NS for the collar and for marking PnL.  Orders are acked;
 * a marketable order (a market order, a buy at or above the price, a sell at
 * or below) fills at the current price, not its limit (the aggressor gets
 * the price improvement), every third one in two parts: the second part of a
 * day/GTC limit order stays marketable and fills at the market of the next
 * price step while its limit still reaches it (resting passively once the
 * market moved away).  A non-marketable day/GTC order rests in a fixed-size
 * book and fills at its limit only when the market reaches it; IOC and FOK
 * remainders are cancelled.  A scripted market (sim.market_file,
 * sim_market.h) holds chosen symbols at chosen prices.  For breaker tests it can fail on purpose: reject a share of new
 * orders (sim.reject_pct) and drop its session periodically
 * (sim.disconnect_every_ms / disconnect_for_ms: DISCONNECTED, rejects while
 * down, CONNECTED; no market data while down, so references go stale) and
 * hold every request for a while before handling it (sim.delay_us), or take
 * none from its request ring while a file exists (sim.hold_file).  It can
 * quote a spread: marketable orders fill half_spread_ticks through the
 * reference (buys at the ask, sells at the bid).  For rate-limit tests it can
 * log the time each new order arrives (sim.receive_log).  All arithmetic is integer; nothing is
 * allocated after init.
 *
 * Replace (RG_VREQ_REPLACE: the new total quantity and price of a resting
 * order): the order's leaves become the new total less what it has filled;
 * a quantity reduction at the same price keeps the order's place in its
 * price level's queue, anything else sends it to the back (REPLACED's
 * `reason` says which: 1 kept, 0 lost).  Places matter when the price only
 * touches a level: then only the first order in the queue at that price fills
 * on the tick; a price that goes through a level fills every order on it.
 * A replace that finds no resting order (filled or cancelled first: a fill
 * racing the replace) or a new total not above what is filled is refused
 * (RG_VEV_REPLACE_REJECT, reason 2 or 4).  A replaced order whose new price
 * crosses the market fills at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapter.h"
#include "clock.h"
#include "owned_file.h"
#include "sim_market.h"

#define SIM_BOOK 8192                 /* resting orders per venue */
#define SIM_PENDING 4096              /* requests arrived and waiting for sim.delay_us */
#define SIM_TICK_NS 10000000ull       /* price step and publication: every 10 ms */
#define SIM_REJECT_BOOK_FULL 1        /* venue reason code: no room to rest */
#define SIM_REJECT_UNKNOWN_ORDER 2    /* venue reason code: cancel of an unknown order */
#define SIM_REJECT_INJECTED 3         /* venue reason code: failure injection (reject_pct, session down) */
#define SIM_REJECT_QTY_FILLED 4       /* venue reason code: a replace's total not above what the order filled */

struct sim_order {
	uint64_t engine_seq; /* 0: free slot */
	int64_t price_e8;
	int64_t leaves_e8;
	uint32_t symbol;
	uint8_t side;
	uint8_t aggressive;  /* the rest of a marketable order: fills at the market while its limit reaches it */
	int64_t qty_e8;      /* total quantity (replace: the new total) */
	uint64_t place;      /* queue place at its price: lower is earlier */
};

struct sim {
	int64_t *price_e8;   /* by symbol id; 0 for symbols of other venues */
	uint8_t *held;       /* by symbol id: 1 while the market file holds its price (no random walk) */
	struct rg_sim_market market; /* sim.market_file */
	uint64_t rng;
	uint64_t next_tick_ns;
	uint64_t next_drop_ns;  /* failure injection: when the session drops next */
	uint64_t up_again_ns;   /* while down: when it comes back; 0 = up */
	uint32_t live;
	uint64_t next_place;    /* queue places handed out */
	uint32_t *touch_first;  /* per tick, by symbol and side: the book index + 1 of the first order at a touched price */
	FILE *receive_log;      /* sim.receive_log, or NULL */
	uint64_t next_hold_check_ns; /* sim.hold_file: when to look for it again */
	bool on_hold;           /* sim.hold_file exists: no request is taken from the ring */
	uint32_t pending_head, pending_count;
	struct {
		uint64_t due_ns;
		struct rg_venue_request req;
	} pending[SIM_PENDING];
	struct sim_order book[SIM_BOOK];
};

static uint64_t next_random(struct sim *s)
{
	/* xorshift64*: repeatable from the configured seed */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1Dull;
}

static bool emit(struct rg_adapter *a, uint8_t kind, uint64_t seq, uint32_t symbol, int64_t qty, int64_t price,
		 int64_t leaves, uint16_t reason)
{
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.engine_seq = seq;
	ev.symbol_id = symbol;
	ev.qty_e8 = qty;
	ev.price_e8 = price;
	ev.leaves_e8 = leaves;
	ev.reason = reason;
	ev.venue_ns = rg_mono_ns();
	return rg_adapter_emit(a, &ev);
}

/* The receive log, truncated: a file of the engine's user, never through a
 * symbolic link.  NULL with errno set and the cause in why. */
static FILE *open_receive_log(const char *path, char *why, size_t len)
{
	static const struct rg_owned_rule rule = {"receive log", S_IFREG, false, 0022};
	int fd = rg_owned_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, true, &rule, why, len);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		int e = errno;
		close(fd);
		snprintf(why, len, "%s: %s", path, strerror(e));
		errno = e;
	}
	return f;
}

static int sim_init(struct rg_adapter *a, char *err, size_t errlen)
{
	const struct rg_venue_cfg *v = &a->cfg->venues[a->venue];
	char why[256];
	struct sim *s;

	/* Credentials go through the same path as a real venue's: the file must
	 * be readable; its contents are never read into a log. */
	if (v->credentials_file[0] != '\0' && access(v->credentials_file, R_OK) != 0) {
		snprintf(err, errlen, "venue '%s': credentials file %s: %s", v->name, v->credentials_file,
			 strerror(errno));
		return -errno;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->price_e8 = calloc(a->cfg->n_symbols, sizeof(int64_t))) == NULL ||
	    (s->held = calloc(a->cfg->n_symbols, 1)) == NULL ||
	    (s->touch_first = calloc(2u * a->cfg->n_symbols, sizeof(uint32_t))) == NULL) {
		if (s != NULL)
			free(s->price_e8);
		free(s);
		snprintf(err, errlen, "venue '%s': out of memory", v->name);
		return -ENOMEM;
	}
	if (v->sim_receive_log[0] != '\0' && (s->receive_log = open_receive_log(v->sim_receive_log, why, sizeof(why))) == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "venue '%s': %s", v->name, why);
		free(s->price_e8);
		free(s->held);
		free(s->touch_first);
		free(s);
		return rc;
	}
	s->rng = v->sim_seed != 0 ? v->sim_seed : 1;
	for (uint32_t i = 0; i < a->cfg->n_symbols; i++) {
		const struct rg_symbol_cfg *sym = &a->cfg->symbols[i];
		int64_t mid;

		if (sym->venue != a->venue)
			continue;
		mid = sym->reference_price_e8 != 0 ? sym->reference_price_e8
						   : sym->min_price_e8 + (sym->max_price_e8 - sym->min_price_e8) / 2;
		s->price_e8[i] = mid - mid % sym->tick_e8;
	}
	s->market.path = v->sim_market_file;
	rg_sim_market_poll(&s->market, a->cfg, a->venue, s->price_e8, s->held);
	a->priv = s;
	return 0;
}

static void sim_fini(struct rg_adapter *a)
{
	struct sim *s = a->priv;

	if (s != NULL) {
		if (s->receive_log != NULL)
			fclose(s->receive_log);
		free(s->price_e8);
		free(s->held);
		free(s->touch_first);
	}
	free(s);
	a->priv = NULL;
}

static bool crosses(uint8_t side, int64_t limit_e8, int64_t price_e8)
{
	return limit_e8 == 0 || (side == RG_SIDE_BUY ? limit_e8 >= price_e8 : limit_e8 <= price_e8);
}

static struct sim_order *book_find(struct sim *s, uint64_t seq)
{
	for (uint32_t i = 0; i < SIM_BOOK && s->live > 0; i++)
		if (s->book[i].engine_seq == seq)
			return &s->book[i];
	return NULL;
}

static void book_remove(struct sim *s, struct sim_order *o)
{
	o->engine_seq = 0;
	s->live--;
}

/* The price a marketable order of `side` fills at: the market, through the
 * venue's half spread (buys at the ask, sells at the bid). */
static int64_t quote(const struct rg_adapter *a, const struct sim *s, uint32_t symbol, uint8_t side)
{
	const struct rg_symbol_cfg *sym = &a->cfg->symbols[symbol];
	int64_t price = s->price_e8[symbol], half = (int64_t)a->cfg->venues[a->venue].sim_half_spread_ticks * sym->tick_e8;

	if (price == 0 || half == 0)
		return price;
	return side == RG_SIDE_BUY ? price + half : (price - half > 0 ? price - half : sym->tick_e8);
}

static void on_new(struct rg_adapter *a, struct sim *s, const struct rg_venue_request *r)
{
	const struct rg_symbol_cfg *sym = &a->cfg->symbols[r->symbol_id];
	const struct rg_venue_cfg *v = &a->cfg->venues[a->venue];
	int64_t price = s->price_e8[r->symbol_id], leaves = r->qty_e8;

	/* Failure injection: a down session or a drawn reject refuses the order. */
	if (s->up_again_ns != 0 || (v->sim_reject_pct > 0 && next_random(s) % 100 < v->sim_reject_pct)) {
		emit(a, RG_VEV_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, SIM_REJECT_INJECTED);
		return;
	}
	emit(a, RG_VEV_ACK, r->engine_seq, r->symbol_id, 0, 0, leaves, 0);
	price = quote(a, s, r->symbol_id, r->side);
	if (price != 0 && crosses(r->side, r->price_e8, price)) {
		int64_t part = leaves;
		/* Every third marketable order fills in two parts (FOK never splits). */
		if (r->engine_seq % 3 == 0 && r->tif != RG_TIF_FOK && leaves >= 2 * sym->lot_e8)
			part = (leaves / 2) - (leaves / 2) % sym->lot_e8;
		leaves -= part;
		emit(a, RG_VEV_FILL, r->engine_seq, r->symbol_id, part, price, leaves, 0);
		if (leaves > 0 && r->type == RG_TYPE_MARKET) {
			emit(a, RG_VEV_FILL, r->engine_seq, r->symbol_id, leaves, price, 0, 0);
			leaves = 0;
		}
	}
	if (leaves == 0)
		return;
	if (r->tif == RG_TIF_IOC || r->tif == RG_TIF_FOK || r->type == RG_TYPE_MARKET) {
		emit(a, RG_VEV_CANCELLED, r->engine_seq, r->symbol_id, 0, 0, leaves, 0);
		return;
	}
	for (uint32_t i = 0; i < SIM_BOOK; i++) {
		if (s->book[i].engine_seq == 0) {
			s->book[i] = (struct sim_order){r->engine_seq, r->price_e8, leaves, r->symbol_id, r->side,
							leaves != r->qty_e8 /* the rest of a marketable order */, r->qty_e8,
							++s->next_place};
			s->live++;
			return;
		}
	}
	emit(a, RG_VEV_CANCELLED, r->engine_seq, r->symbol_id, 0, 0, leaves, SIM_REJECT_BOOK_FULL);
}

static void on_cancel(struct rg_adapter *a, struct sim *s, const struct rg_venue_request *r)
{
	struct sim_order *o = book_find(s, r->engine_seq);

	if (o == NULL) {
		emit(a, RG_VEV_CANCEL_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, SIM_REJECT_UNKNOWN_ORDER);
		return;
	}
	emit(a, RG_VEV_CANCELLED, o->engine_seq, o->symbol, 0, 0, o->leaves_e8, 0);
	book_remove(s, o);
}

static void on_replace(struct rg_adapter *a, struct sim *s, const struct rg_venue_request *r)
{
	struct sim_order *o = book_find(s, r->engine_seq);
	int64_t filled, leaves, price = s->price_e8[r->symbol_id];
	bool kept;

	if (s->up_again_ns != 0) { /* the session is down: refused like a new order */
		emit(a, RG_VEV_REPLACE_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, SIM_REJECT_INJECTED);
		return;
	}
	if (o == NULL) {
		emit(a, RG_VEV_REPLACE_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, SIM_REJECT_UNKNOWN_ORDER);
		return;
	}
	filled = o->qty_e8 - o->leaves_e8;
	leaves = r->qty_e8 - filled;
	if (leaves <= 0 || r->price_e8 <= 0) {
		emit(a, RG_VEV_REPLACE_REJECT, r->engine_seq, o->symbol, 0, 0, 0, SIM_REJECT_QTY_FILLED);
		return;
	}
	kept = r->price_e8 == o->price_e8 && leaves <= o->leaves_e8;
	if (!kept)
		o->place = ++s->next_place;
	o->qty_e8 = r->qty_e8;
	o->price_e8 = r->price_e8;
	o->leaves_e8 = leaves;
	o->aggressive = 0; /* a marketable new price fills below, at the market */
	emit(a, RG_VEV_REPLACED, o->engine_seq, o->symbol, o->qty_e8, o->price_e8, o->leaves_e8, kept ? 1 : 0);
	if (price != 0 && crosses(o->side, o->price_e8, price)) {
		emit(a, RG_VEV_FILL, o->engine_seq, o->symbol, o->leaves_e8, price, 0, 0);
		book_remove(s, o);
	}
}

/* One step of every price, its publication, and the resting orders it crosses. */
static void tick(struct rg_adapter *a, struct sim *s)
{
	rg_sim_market_poll(&s->market, a->cfg, a->venue, s->price_e8, s->held);
	for (uint32_t i = 0; i < a->cfg->n_symbols; i++) {
		const struct rg_symbol_cfg *sym = &a->cfg->symbols[i];
		int64_t p = s->price_e8[i];

		if (p == 0)
			continue;
		if (!s->held[i])
			p += ((int64_t)(next_random(s) % 3) - 1) * sym->tick_e8;
		if (p >= sym->min_price_e8 && p <= sym->max_price_e8)
			s->price_e8[i] = p;
		if (s->up_again_ns == 0) /* a down session sends no market data */
			emit(a, RG_VEV_REFERENCE, 0, i, 0, s->price_e8[i], 0, 0);
	}
	if (s->up_again_ns != 0)
		return;
	/* Through a level: every order on it fills.  At the level: only the first
	 * in its queue (touch_first), after the walk. */
	memset(s->touch_first, 0, 2u * a->cfg->n_symbols * sizeof(uint32_t));
	for (uint32_t i = 0; i < SIM_BOOK && s->live > 0; i++) {
		struct sim_order *o = &s->book[i];
		uint32_t *first;
		int64_t at;
		if (o->engine_seq == 0)
			continue;
		if (o->aggressive) {
			/* Still marketable: it takes the market (price improvement);
			 * once its limit no longer reaches, it rests like any other. */
			at = quote(a, s, o->symbol, o->side);
			if (!crosses(o->side, o->price_e8, at)) {
				o->aggressive = 0;
				continue;
			}
		} else {
			/* Resting: filled at its limit, and only when the market reaches it. */
			if (!crosses(o->side, o->price_e8, s->price_e8[o->symbol]))
				continue;
			if (o->price_e8 == s->price_e8[o->symbol]) {
				first = &s->touch_first[2u * o->symbol + (o->side == RG_SIDE_SELL)];
				if (*first == 0 || s->book[*first - 1].place > o->place)
					*first = i + 1;
				continue;
			}
			at = o->price_e8;
		}
		emit(a, RG_VEV_FILL, o->engine_seq, o->symbol, o->leaves_e8, at, 0, 0);
		book_remove(s, o);
	}
	for (uint32_t k = 0; k < 2u * a->cfg->n_symbols; k++) {
		struct sim_order *o;
		if (s->touch_first[k] == 0)
			continue;
		o = &s->book[s->touch_first[k] - 1];
		emit(a, RG_VEV_FILL, o->engine_seq, o->symbol, o->leaves_e8, o->price_e8, 0, 0);
		book_remove(s, o);
	}
}

/* Failure injection: drop the session every disconnect_every, for disconnect_for. */
static void disconnects(struct rg_adapter *a, struct sim *s, uint64_t now)
{
	const struct rg_venue_cfg *v = &a->cfg->venues[a->venue];

	if (v->sim_disconnect_every_ns == 0)
		return;
	if (s->up_again_ns == 0 && now >= s->next_drop_ns) {
		s->up_again_ns = now + v->sim_disconnect_for_ns;
		emit(a, RG_VEV_DISCONNECTED, 0, 0, 0, 0, 0, 0);
	} else if (s->up_again_ns != 0 && now >= s->up_again_ns) {
		s->up_again_ns = 0;
		s->next_drop_ns = now + v->sim_disconnect_every_ns;
		emit(a, RG_VEV_CONNECTED, 0, 0, 0, 0, 0, 0);
	}
}

static void sim_run(struct rg_adapter *a)
{
	struct sim *s = a->priv;
	struct rg_venue_request batch[32];
	unsigned idle = 0;

	emit(a, RG_VEV_CONNECTED, 0, 0, 0, 0, 0, 0);
	s->next_tick_ns = rg_mono_ns();
	s->next_drop_ns = s->next_tick_ns + a->cfg->venues[a->venue].sim_disconnect_every_ns;
	while (!rg_adapter_stopping(a)) {
		const char *hold = a->cfg->venues[a->venue].sim_hold_file;
		unsigned room = SIM_PENDING - s->pending_count, n;
		uint64_t now = rg_mono_ns();

		/* A test holds the venue with a file: requests stay in the ring.
		 * Only a file of the engine's own user counts. */
		if (hold[0] != '\0' && now >= s->next_hold_check_ns) {
			struct stat st;
			s->on_hold = lstat(hold, &st) == 0 && st.st_uid == geteuid();
			s->next_hold_check_ns = now + SIM_TICK_NS;
		}
		n = s->on_hold ? 0 : rg_ring_pop_burst_spsc(&a->requests, batch, room < 32 ? room : 32);

		/* Arrival: logged, then held for delay_us (0: handled below at once). */
		for (unsigned i = 0; i < n; i++) {
			uint32_t at = (s->pending_head + s->pending_count++) % SIM_PENDING;
			if (s->receive_log != NULL && batch[i].kind == RG_VREQ_NEW)
				fprintf(s->receive_log, "%llu %llu %llu %llu\n", (unsigned long long)now,
					(unsigned long long)batch[i].engine_seq, (unsigned long long)batch[i].client_order_id,
					(unsigned long long)batch[i].sent_ns);
			s->pending[at].due_ns = now + a->cfg->venues[a->venue].sim_delay_ns;
			s->pending[at].req = batch[i];
		}
		while (s->pending_count != 0 && s->pending[s->pending_head].due_ns <= now) {
			const struct rg_venue_request *r = &s->pending[s->pending_head].req;
			if (r->symbol_id >= a->cfg->n_symbols || s->price_e8[r->symbol_id] == 0)
				emit(a, RG_VEV_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, SIM_REJECT_UNKNOWN_ORDER);
			else if (r->kind == RG_VREQ_NEW)
				on_new(a, s, r);
			else if (r->kind == RG_VREQ_CANCEL)
				on_cancel(a, s, r);
			else if (r->kind == RG_VREQ_REPLACE)
				on_replace(a, s, r);
			s->pending_head = (s->pending_head + 1) % SIM_PENDING;
			s->pending_count--;
		}
		if (n != 0 && s->receive_log != NULL)
			fflush(s->receive_log); /* readable while the venue runs */
		if (now >= s->next_tick_ns) {
			tick(a, s);
			s->next_tick_ns = now + SIM_TICK_NS;
		}
		disconnects(a, s, now);
		/* Shares a core with strategies: spin briefly, then yield, then nap. */
		if (n != 0) {
			idle = 0;
		} else if (++idle > 20000) {
			struct timespec nap = {0, 500000}; /* idle: 0.5 ms naps, not 20 us (a shared machine's CPU) */
			nanosleep(&nap, NULL);
		} else if (idle > 200) {
			sched_yield();
		}
	}
}

const struct rg_adapter_ops rg_sim_adapter_ops = {
	.kind = "sim",
	.caps = RG_ADAPTER_CAN_REPLACE,
	.init = sim_init,
	.run = sim_run,
	.fini = sim_fini,
};
