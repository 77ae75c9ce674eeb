/*
 * The FIX adapter: maps riskgate's venue requests and events onto FIX 4.4
 * application messages, on top of the session layer (fix_session.c).
 *
 *   RG_VREQ_NEW     -> NewOrderSingle (D), ClOrdID = "<run>-<engine_seq>"
 *   RG_VREQ_CANCEL  -> OrderCancelRequest (F), OrigClOrdID = the order's,
 *                      ClOrdID = "<run>-<engine_seq>-C<MsgSeqNum>"
 *   RG_VREQ_REPLACE -> OrderCancelReplaceRequest (G), OrigClOrdID = the order's,
 *                      ClOrdID = "<run>-<engine_seq>-R<MsgSeqNum>" (the order's
 *                      ClOrdID from then on, once the venue replaced it)
 *   ExecutionReport (8)   -> RG_VEV_ACK (150=0), RG_VEV_FILL (150=F),
 *                            RG_VEV_CANCELLED (150=4, C, 3), RG_VEV_REJECT (150=8),
 *                            RG_VEV_REPLACED (150=5)
 *   OrderCancelReject (9) -> RG_VEV_CANCEL_REJECT, or RG_VEV_REPLACE_REJECT
 *                            when it answers a replace (434=2)
 *   session up / down     -> RG_VEV_CONNECTED / RG_VEV_DISCONNECTED
 *   malformed message, garbage run -> RG_VEV_PROTOCOL_ERROR (numbers only:
 *                            what, SessionRejectReason, RefTagID, MsgSeqNum,
 *                            bytes skipped), for the engine to journal
 *
 * The order id travels in ClOrdID and is parsed back from it, so no map from
 * venue ids to orders is needed.  `run` (the store's count of adapter starts)
 * keeps ClOrdIDs unique when a restarted engine's sequence starts again at 1;
 * reports about orders of an earlier run are ignored, since the engine that
 * sent them is gone.  The store keeps, per live order, only what a
 * cancel must repeat (side, quantity, symbol) and whether the venue has
 * answered.  Requests that come while the session is not up are refused at
 * once (RG_FIX_REASON_NOT_CONNECTED) rather than held: an order should not
 * reach a venue long after the engine approved it.
 *
 * The thread spins on the request ring and a non-blocking poll() while there
 * is traffic, then waits in poll() 1 ms at a time (never, under the
 * RG_IDLE_SPIN idle policy).
 */
#include "fix_adapter.h"

#include "log_line.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credentials.h"

#define BURST 32u
#define IDLE_SPINS 2000u
#define STATUS_EVERY_NS 100000000ull
#define LOGOUT_WAIT_MS 2000
#define DEFAULT_HEARTBEAT_S 30u
#define DEFAULT_RECONNECT_MIN_NS 500000000ull
#define DEFAULT_RECONNECT_MAX_NS 30000000000ull

struct fix_adapter {
	struct rg_adapter *a;
	const struct rg_venue_cfg *venue;
	pthread_mutex_t status_lock;           /* guards status */
	struct rg_fix_adapter_status status;   /* published by the adapter thread */
	uint64_t status_ns;                    /* when it was last published */
	struct rg_fix_session session;         /* last: large buffers */
};

static void emit(struct fix_adapter *f, uint8_t kind, uint64_t engine_seq, uint32_t symbol, int64_t qty, int64_t px,
		 int64_t leaves, uint32_t reason, uint64_t now)
{
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.engine_seq = engine_seq;
	ev.symbol_id = symbol;
	ev.qty_e8 = qty;
	ev.price_e8 = px;
	ev.leaves_e8 = leaves;
	ev.reason = reason > UINT16_MAX ? UINT16_MAX : (uint16_t)reason;
	ev.venue_ns = now;
	rg_adapter_emit(f->a, &ev);
}

/* The config index of a symbol of this venue, or UINT32_MAX. */
static uint32_t symbol_by_name(const struct fix_adapter *f, const char *name, size_t n)
{
	const struct rg_config *cfg = f->a->cfg;

	for (uint32_t i = 0; i < cfg->n_symbols; i++) {
		const struct rg_symbol_cfg *sym = &cfg->symbols[i];
		if (sym->venue == f->a->venue && strlen(sym->name) == n && memcmp(sym->name, name, n) == 0)
			return i;
	}
	return UINT32_MAX;
}

/* ---- session callbacks: venue -> engine --------------------------------- */

static void on_up(void *ctx, uint64_t now)
{
	struct fix_adapter *f = ctx;

	emit(f, RG_VEV_CONNECTED, 0, 0, 0, 0, 0, 0, now);
}

static void on_down(void *ctx, unsigned reason, uint64_t now)
{
	struct fix_adapter *f = ctx;

	emit(f, RG_VEV_DISCONNECTED, 0, 0, 0, 0, 0, reason, now);
}

static void on_protocol_error(void *ctx, const struct rg_fix_protocol_error *pe, uint64_t now)
{
	struct fix_adapter *f = ctx;
	struct rg_venue_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RG_VEV_PROTOCOL_ERROR;
	ev.protocol_error = pe->what;
	ev.reject_sent = pe->reject_sent ? 1 : 0;
	ev.reason = pe->reject_reason;
	ev.ref_tag = pe->ref_tag;
	ev.ref_seq_num = pe->ref_seq;
	ev.bytes_skipped = pe->bytes;
	ev.venue_ns = now;
	rg_adapter_emit(f->a, &ev);
}

static void on_not_delivered(void *ctx, const struct rg_fix_sent *sent, uint64_t now)
{
	struct fix_adapter *f = ctx;
	struct rg_fix_order *o = rg_fix_store_order_find(&f->session.store, sent->engine_seq);
	uint32_t symbol = o != NULL ? o->symbol_id : 0;

	if (sent->kind == RG_VREQ_REPLACE) {
		if (o != NULL)
			o->flags &= (uint8_t)~RG_FIX_ORDER_REPLACE_PENDING;
		emit(f, RG_VEV_REPLACE_REJECT, sent->engine_seq, symbol, 0, 0, 0, RG_FIX_REASON_NOT_DELIVERED, now);
	} else if (sent->kind == RG_VREQ_NEW) {
		if (o != NULL)
			rg_fix_store_order_remove(&f->session.store, o);
		emit(f, RG_VEV_REJECT, sent->engine_seq, symbol, 0, 0, 0, RG_FIX_REASON_NOT_DELIVERED, now);
	} else {
		if (o != NULL)
			o->flags &= (uint8_t)~RG_FIX_ORDER_CANCEL_PENDING;
		emit(f, RG_VEV_CANCEL_REJECT, sent->engine_seq, symbol, 0, 0, 0, RG_FIX_REASON_NOT_DELIVERED, now);
	}
}

static void on_exec_report(struct fix_adapter *f, const struct rg_fix_msg *m, uint64_t now)
{
	struct rg_fix_store *st = &f->session.store;
	struct rg_fix_exec e;
	struct rg_fix_order *o;
	uint32_t ref_tag = 0, symbol;

	if (rg_fix_decode_exec(m, &e, &ref_tag) != 0 || !e.ours) {
		rg_log(RG_LOG_WARN, "riskgate fix venue %s: ExecutionReport for an order riskgate did not send; ignored",
			f->venue->name);
		return;
	}
	if (e.run != st->hdr->run) {
		rg_log(RG_LOG_WARN, "riskgate fix venue %s: ExecutionReport for order %llu of an earlier run (%u); ignored",
			f->venue->name, (unsigned long long)e.engine_seq, e.run);
		return;
	}
	o = rg_fix_store_order_find(st, e.engine_seq);
	symbol = o != NULL ? o->symbol_id : symbol_by_name(f, e.symbol, e.symbol_len);
	if (o != NULL)
		o->flags |= RG_FIX_ORDER_ANSWERED;
	switch (e.exec_type) {
	case '0': /* New */
		emit(f, RG_VEV_ACK, e.engine_seq, symbol, o != NULL ? o->qty_e8 : e.leaves_e8, 0, e.leaves_e8, 0, now);
		break;
	case 'F': /* Trade */
		emit(f, RG_VEV_FILL, e.engine_seq, symbol, e.last_qty_e8, e.last_px_e8, e.leaves_e8, 0, now);
		if (o != NULL && e.leaves_e8 == 0)
			rg_fix_store_order_remove(st, o);
		break;
	case '4': /* Canceled */
	case 'C': /* Expired */
	case '3': /* Done for day */
		emit(f, RG_VEV_CANCELLED, e.engine_seq, symbol, 0, 0, 0, 0, now);
		if (o != NULL)
			rg_fix_store_order_remove(st, o);
		break;
	case '5': { /* Replaced: OrderQty and Price are the order's new ones */
		int64_t qty = o != NULL ? o->qty_e8 : 0, px = 0;
		rg_fix_get_e8(m, RG_FIX_TAG_ORDER_QTY, &qty);
		rg_fix_get_e8(m, RG_FIX_TAG_PRICE, &px);
		if (o != NULL) {
			o->qty_e8 = qty;
			o->replace_seq = o->pending_seq;
			o->pending_seq = 0;
			o->flags &= (uint8_t)~RG_FIX_ORDER_REPLACE_PENDING;
		}
		emit(f, RG_VEV_REPLACED, e.engine_seq, symbol, qty, px, e.leaves_e8, 0, now);
		if (o != NULL && e.leaves_e8 == 0)
			rg_fix_store_order_remove(st, o);
		break;
	}
	case '8': /* Rejected */
		emit(f, RG_VEV_REJECT, e.engine_seq, symbol, 0, 0, 0, e.ord_rej_reason, now);
		if (o != NULL)
			rg_fix_store_order_remove(st, o);
		break;
	default: /* pending states, restatements, status: nothing for the engine */
		break;
	}
}

static void on_cancel_reject(struct fix_adapter *f, const struct rg_fix_msg *m, uint64_t now)
{
	const char *v;
	size_t n;
	uint64_t engine_seq, reason = 0, response_to = 0;
	uint32_t run;
	struct rg_fix_order *o;

	if (!rg_fix_get(m, RG_FIX_TAG_ORIG_CL_ORD_ID, &v, &n) || !rg_fix_clordid_parse(v, n, &run, &engine_seq)) {
		if (!rg_fix_get(m, RG_FIX_TAG_CL_ORD_ID, &v, &n) || !rg_fix_clordid_parse(v, n, &run, &engine_seq)) {
			rg_log(RG_LOG_WARN, "riskgate fix venue %s: OrderCancelReject for an order riskgate did not send",
				f->venue->name);
			return;
		}
	}
	if (run != f->session.store.hdr->run) {
		rg_log(RG_LOG_WARN, "riskgate fix venue %s: OrderCancelReject for order %llu of an earlier run (%u); ignored",
			f->venue->name, (unsigned long long)engine_seq, run);
		return;
	}
	rg_fix_get_u64(m, RG_FIX_TAG_CXL_REJ_REASON, &reason);
	o = rg_fix_store_order_find(&f->session.store, engine_seq);
	if (rg_fix_get_u64(m, RG_FIX_TAG_CXL_REJ_RESPONSE_TO, &response_to) == 1 && response_to == 2) {
		/* The answer to a replace: the order stays as it was. */
		if (o != NULL) {
			o->flags = (uint8_t)((o->flags | RG_FIX_ORDER_ANSWERED) & ~RG_FIX_ORDER_REPLACE_PENDING);
			o->pending_seq = 0;
		}
		emit(f, RG_VEV_REPLACE_REJECT, engine_seq, o != NULL ? o->symbol_id : 0, 0, 0, 0,
		     reason > 999 ? 999 : (uint32_t)reason, now);
		return;
	}
	if (o != NULL)
		o->flags = (uint8_t)((o->flags | RG_FIX_ORDER_ANSWERED) & ~RG_FIX_ORDER_CANCEL_PENDING);
	emit(f, RG_VEV_CANCEL_REJECT, engine_seq, o != NULL ? o->symbol_id : 0, 0, 0, 0,
	     reason > 999 ? 999 : (uint32_t)reason, now);
}

static void on_app(void *ctx, const struct rg_fix_msg *m, uint64_t now)
{
	struct fix_adapter *f = ctx;

	if (m->msg_type_len == 1 && m->msg_type[0] == '8')
		on_exec_report(f, m, now);
	else if (m->msg_type_len == 1 && m->msg_type[0] == '9')
		on_cancel_reject(f, m, now);
	else
		rg_log(RG_LOG_WARN, "riskgate fix venue %s: application message 35=%s ignored", f->venue->name,
			m->msg_type);
}

/* ---- engine -> venue ---------------------------------------------------- */

static void send_new(struct fix_adapter *f, const struct rg_venue_request *r, uint64_t now)
{
	const struct rg_config *cfg = f->a->cfg;
	struct rg_fix_session *s = &f->session;
	struct rg_fix_new_order o;
	struct rg_fix_header h;
	struct rg_fix_order *live;
	const char *msg;
	size_t len;

	if (r->symbol_id >= cfg->n_symbols || cfg->symbols[r->symbol_id].venue != f->a->venue) {
		emit(f, RG_VEV_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, RG_FIX_REASON_ENCODE, now);
		return;
	}
	if (rg_fix_store_order_find(&s->store, r->engine_seq) != NULL ||
	    (live = rg_fix_store_order_insert(&s->store, r->engine_seq)) == NULL) {
		emit(f, RG_VEV_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, RG_FIX_REASON_TABLE_FULL, now);
		return;
	}
	live->qty_e8 = r->qty_e8;
	live->symbol_id = r->symbol_id;
	live->side = r->side;
	o.engine_seq = r->engine_seq;
	o.run = s->store.hdr->run;
	o.symbol = cfg->symbols[r->symbol_id].name;
	o.qty_e8 = r->qty_e8;
	o.price_e8 = r->price_e8;
	o.side = r->side;
	o.type = r->type;
	o.tif = r->tif;
	rg_fix_session_header(s, &h);
	len = rg_fix_encode_new_order(s->scratch, sizeof(s->scratch), &h, &o, &msg);
	if (len == 0 || rg_fix_session_send_app(s, msg, len, r->engine_seq, RG_VREQ_NEW, now) != 0) {
		rg_fix_store_order_remove(&s->store, live);
		emit(f, RG_VEV_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, RG_FIX_REASON_ENCODE, now);
	}
}

/* Begins a cancel (35=F) or replace (35=G) of live order o into the scratch
 * buffer: OrigClOrdID the order's latest ClOrdID, ClOrdID the request's own
 * ("-C" or "-R" with this message's MsgSeqNum), Symbol, Side, TransactTime. */
static void begin_amend(struct fix_adapter *f, struct rg_fix_writer *w, const struct rg_fix_header *h,
			const struct rg_fix_order *o, bool replace)
{
	struct rg_fix_session *s = &f->session;
	char orig[RG_FIX_CLORDID_MAX], id[RG_FIX_CLORDID_MAX];
	uint32_t run = s->store.hdr->run;
	size_t on = rg_fix_clordid_replace(orig, run, o->engine_seq, o->replace_seq);
	size_t in = replace ? rg_fix_clordid_replace(id, run, o->engine_seq, h->seq)
			    : rg_fix_clordid_cancel(id, run, o->engine_seq, h->seq);

	rg_fix_begin(w, s->scratch, sizeof(s->scratch), replace ? "G" : "F", h);
	rg_fix_add_strn(w, RG_FIX_TAG_ORIG_CL_ORD_ID, orig, on);
	rg_fix_add_strn(w, RG_FIX_TAG_CL_ORD_ID, id, in);
	rg_fix_add_str(w, RG_FIX_TAG_SYMBOL, f->a->cfg->symbols[o->symbol_id].name);
	rg_fix_add_char(w, RG_FIX_TAG_SIDE, o->side == RG_SIDE_SELL ? '2' : '1');
	rg_fix_add_strn(w, RG_FIX_TAG_TRANSACT_TIME, h->sending_time, RG_FIX_TIME_LEN);
}

static void send_cancel(struct fix_adapter *f, const struct rg_venue_request *r, uint64_t now)
{
	struct rg_fix_session *s = &f->session;
	struct rg_fix_order *o = rg_fix_store_order_find(&s->store, r->engine_seq);
	struct rg_fix_writer w;
	struct rg_fix_header h;
	const char *msg;
	size_t len;

	if (o == NULL || o->symbol_id >= f->a->cfg->n_symbols) {
		emit(f, RG_VEV_CANCEL_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, RG_FIX_REASON_UNKNOWN_ORDER, now);
		return;
	}
	rg_fix_session_header(s, &h);
	begin_amend(f, &w, &h, o, false);
	rg_fix_add_e8(&w, RG_FIX_TAG_ORDER_QTY, o->qty_e8);
	len = rg_fix_finish(&w, &msg);
	if (len == 0 || rg_fix_session_send_app(s, msg, len, r->engine_seq, RG_VREQ_CANCEL, now) != 0) {
		emit(f, RG_VEV_CANCEL_REJECT, r->engine_seq, o->symbol_id, 0, 0, 0, RG_FIX_REASON_ENCODE, now);
		return;
	}
	o->flags |= RG_FIX_ORDER_CANCEL_PENDING;
}

static void send_replace(struct fix_adapter *f, const struct rg_venue_request *r, uint64_t now)
{
	struct rg_fix_session *s = &f->session;
	struct rg_fix_order *o = rg_fix_store_order_find(&s->store, r->engine_seq);
	struct rg_fix_writer w;
	struct rg_fix_header h;
	const char *msg;
	size_t len;
	char tif;

	if (o == NULL || o->symbol_id >= f->a->cfg->n_symbols) {
		emit(f, RG_VEV_REPLACE_REJECT, r->engine_seq, r->symbol_id, 0, 0, 0, RG_FIX_REASON_UNKNOWN_ORDER, now);
		return;
	}
	if (o->flags & (RG_FIX_ORDER_REPLACE_PENDING | RG_FIX_ORDER_CANCEL_PENDING)) {
		emit(f, RG_VEV_REPLACE_REJECT, r->engine_seq, o->symbol_id, 0, 0, 0, RG_FIX_REASON_PENDING, now);
		return;
	}
	switch (r->tif) {
	case RG_TIF_GTC: tif = '1'; break;
	default: tif = '0'; break; /* DAY: a replace never makes an IOC or FOK (the engine refuses those) */
	}
	rg_fix_session_header(s, &h);
	begin_amend(f, &w, &h, o, true);
	rg_fix_add_e8(&w, RG_FIX_TAG_ORDER_QTY, r->qty_e8);
	rg_fix_add_char(&w, RG_FIX_TAG_ORD_TYPE, '2');
	rg_fix_add_e8(&w, RG_FIX_TAG_PRICE, r->price_e8);
	rg_fix_add_char(&w, RG_FIX_TAG_TIME_IN_FORCE, tif);
	len = rg_fix_finish(&w, &msg);
	if (len == 0 || h.seq > UINT32_MAX ||
	    rg_fix_session_send_app(s, msg, len, r->engine_seq, RG_VREQ_REPLACE, now) != 0) {
		emit(f, RG_VEV_REPLACE_REJECT, r->engine_seq, o->symbol_id, 0, 0, 0, RG_FIX_REASON_ENCODE, now);
		return;
	}
	o->flags |= RG_FIX_ORDER_REPLACE_PENDING;
	o->pending_seq = (uint32_t)h.seq;
}

static unsigned drain_requests(struct fix_adapter *f, uint64_t now)
{
	struct rg_venue_request r;
	unsigned n = 0;

	while (n < BURST) {
		bool up = f->session.state == RG_FIX_ACTIVE;
		/* Up but the socket is backed up: leave requests in the ring. */
		if (up && !rg_fix_session_ready(&f->session))
			break;
		if (!rg_ring_pop_spsc(&f->a->requests, &r))
			break;
		n++;
		if (r.kind == RG_VREQ_NEW) {
			if (up)
				send_new(f, &r, now);
			else
				emit(f, RG_VEV_REJECT, r.engine_seq, r.symbol_id, 0, 0, 0, RG_FIX_REASON_NOT_CONNECTED, now);
		} else if (r.kind == RG_VREQ_REPLACE) {
			if (up)
				send_replace(f, &r, now);
			else
				emit(f, RG_VEV_REPLACE_REJECT, r.engine_seq, r.symbol_id, 0, 0, 0,
				     RG_FIX_REASON_NOT_CONNECTED, now);
		} else if (r.kind == RG_VREQ_CANCEL) {
			if (up)
				send_cancel(f, &r, now);
			else
				emit(f, RG_VEV_CANCEL_REJECT, r.engine_seq, r.symbol_id, 0, 0, 0,
				     RG_FIX_REASON_NOT_CONNECTED, now);
		}
	}
	return n;
}

/* ---- status ------------------------------------------------------------- */

static void publish(struct fix_adapter *f, uint64_t now)
{
	struct rg_fix_session *s = &f->session;

	pthread_mutex_lock(&f->status_lock);
	f->status.state = s->state;
	f->status.run = s->store.hdr->run;
	f->status.next_out_seq = s->store.hdr->next_out_seq;
	f->status.next_in_seq = s->store.hdr->next_in_seq;
	f->status.live_orders = s->store.hdr->n_orders;
	f->status.stats = s->stats;
	memcpy(f->status.last_error, s->last_error, sizeof(f->status.last_error));
	f->status.published++;
	pthread_mutex_unlock(&f->status_lock);
	f->status_ns = now;
}

int rg_fix_adapter_status(struct rg_adapter *a, struct rg_fix_adapter_status *out)
{
	struct fix_adapter *f;

	if (a == NULL || a->ops != &rg_fix_adapter_ops || a->priv == NULL)
		return -EINVAL;
	f = a->priv;
	pthread_mutex_lock(&f->status_lock);
	*out = f->status;
	pthread_mutex_unlock(&f->status_lock);
	return 0;
}

/* ---- credentials -------------------------------------------------------- */

static int read_credentials(const struct rg_venue_cfg *v, struct rg_fix_session_cfg *sc, char *err, size_t errlen)
{
	if (v->credentials_file[0] == '\0') {
		const char *un = v->fix_username_env[0] != '\0' ? v->fix_username_env : "RG_FIX_USERNAME";
		const char *pn = v->fix_password_env[0] != '\0' ? v->fix_password_env : "RG_FIX_PASSWORD";
		const char *u = getenv(un), *p = getenv(pn);
		/* Named in the config: the operator means it to be there. */
		if ((u == NULL && v->fix_username_env[0] != '\0') || (p == NULL && v->fix_password_env[0] != '\0')) {
			snprintf(err, errlen, "venue '%s': environment variable %s (fix.%s) is not set", v->name,
				 u == NULL && v->fix_username_env[0] != '\0' ? un : pn,
				 u == NULL && v->fix_username_env[0] != '\0' ? "username_env" : "password_env");
			return -ENOENT;
		}
		if ((u != NULL && strlen(u) >= sizeof(sc->username)) || (p != NULL && strlen(p) >= sizeof(sc->password))) {
			snprintf(err, errlen, "venue '%s': %s or %s too long", v->name, un, pn);
			return -EINVAL;
		}
		if (u != NULL)
			strcpy(sc->username, u);
		if (p != NULL)
			strcpy(sc->password, p);
		return 0;
	}
	struct rg_credential creds[2] = {{"username", sc->username, sizeof(sc->username), 0},
					 {"password", sc->password, sizeof(sc->password), 0}};
	char why[320];
	int rc = rg_credentials_read(v->credentials_file, creds, 2, why, sizeof(why));

	if (rc != 0)
		snprintf(err, errlen, "venue '%s': %s", v->name, why);
	return rc;
}

/* ---- ops ---------------------------------------------------------------- */

static int fix_init(struct rg_adapter *a, char *err, size_t errlen)
{
	const struct rg_venue_cfg *v = &a->cfg->venues[a->venue];
	struct rg_fix_session_callbacks cb;
	struct rg_fix_session_cfg sc;
	struct fix_adapter *f;
	uint64_t forgotten;
	int rc;

	memset(&sc, 0, sizeof(sc));
	if (strlen(v->fix_host) >= sizeof(sc.host) || strlen(v->fix_sender_comp_id) > RG_FIX_COMP_ID_MAX ||
	    strlen(v->fix_target_comp_id) > RG_FIX_COMP_ID_MAX || strlen(v->fix_store_path) >= sizeof(sc.store_path)) {
		snprintf(err, errlen, "venue '%s': fix host, CompIDs or store path too long", v->name);
		return -EINVAL;
	}
	strcpy(sc.host, v->fix_host);
	sc.port = v->fix_port;
	strcpy(sc.sender, v->fix_sender_comp_id);
	strcpy(sc.target, v->fix_target_comp_id);
	strcpy(sc.store_path, v->fix_store_path);
	sc.heartbeat_s = v->fix_heartbeat_s != 0 ? v->fix_heartbeat_s : DEFAULT_HEARTBEAT_S;
	sc.reconnect_min_ns = v->fix_reconnect_min_ns != 0 ? v->fix_reconnect_min_ns : DEFAULT_RECONNECT_MIN_NS;
	sc.reconnect_max_ns = v->fix_reconnect_max_ns != 0 ? v->fix_reconnect_max_ns : DEFAULT_RECONNECT_MAX_NS;
	rc = read_credentials(v, &sc, err, errlen);
	if (rc != 0)
		goto out;
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "venue '%s': cannot allocate the FIX adapter", v->name);
		rc = -ENOMEM;
		goto out;
	}
	f->a = a;
	f->venue = v;
	pthread_mutex_init(&f->status_lock, NULL);
	cb.ctx = f;
	cb.on_app = on_app;
	cb.on_up = on_up;
	cb.on_down = on_down;
	cb.on_not_delivered = on_not_delivered;
	cb.on_protocol_error = on_protocol_error;
	rc = rg_fix_session_init(&f->session, &sc, &cb, err, errlen);
	if (rc != 0) {
		char why[200];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "venue '%s': %s", v->name, why);
		rg_fix_session_fini(&f->session);
		pthread_mutex_destroy(&f->status_lock);
		free(f);
		goto out;
	}
	forgotten = rg_fix_store_new_run(&f->session.store);
	if (forgotten != 0)
		rg_log(RG_LOG_WARN,
			"riskgate fix venue %s: run %u; %llu orders of the previous run were still open and are no "
			"longer tracked (their reports will be ignored)",
			v->name, f->session.store.hdr->run, (unsigned long long)forgotten);
	a->priv = f;
	publish(f, rg_mono_ns());
out:
	explicit_bzero(&sc, sizeof(sc));
	return rc;
}

static void fix_run(struct rg_adapter *a)
{
	struct fix_adapter *f = a->priv;
	bool spin_only = a->cfg->idle_policy == RG_IDLE_SPIN;
	unsigned idle = 0;

	while (!rg_adapter_stopping(a)) {
		uint64_t now = rg_mono_ns();
		uint8_t state = f->session.state;
		unsigned work;

		work = rg_fix_session_poll(&f->session, now, !spin_only && idle > IDLE_SPINS ? 1 : 0);
		now = rg_mono_ns();
		work += drain_requests(f, now);
		if (work != 0 || state != f->session.state || now - f->status_ns > STATUS_EVERY_NS)
			publish(f, now);
		idle = work != 0 ? 0 : idle + 1;
	}
	rg_fix_session_stop(&f->session, LOGOUT_WAIT_MS);
	publish(f, rg_mono_ns());
}

static void fix_fini(struct rg_adapter *a)
{
	struct fix_adapter *f = a->priv;

	if (f == NULL)
		return;
	rg_fix_session_fini(&f->session);
	pthread_mutex_destroy(&f->status_lock);
	free(f);
	a->priv = NULL;
}

const struct rg_adapter_ops rg_fix_adapter_ops = {
	.kind = "fix",
	.caps = RG_ADAPTER_CAN_REPLACE,
	.init = fix_init,
	.run = fix_run,
	.fini = fix_fini,
};
