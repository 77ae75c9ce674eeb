/*
 * riskgate strategy client: header-only, C and C++.
 *
 *   #include <riskgate/client.h>
 *
 * A strategy opens its session by instance and strategy name, looks up symbol
 * ids, submits and cancels orders without ever blocking, and polls reports.
 * Orders go into the session's order ring and reports come back on its report
 * ring (shm/ring.h); the engine knows who sent an order from the segment it
 * arrived on, never from a field in the order.
 *
 * Threading: a struct rg_client is used by one thread at a time (it is the
 * single producer of the order ring and the single consumer of the report
 * ring).  Only one process can hold a session open at once.
 * docs/client.md has a complete example.
 */
#ifndef RG_CLIENT_H
#define RG_CLIENT_H

#include <sys/file.h>
#include <time.h>

#include "abi.h"
#include "decimal.h"
#include "doorbell.h"
#include "msg.h"
#include "ring.h"
#include "segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An open session.  Owns its two mappings until rg_client_close. */
struct rg_client {
	struct rg_seg_map control;            /* the instance's control segment, read-only */
	struct rg_seg_map session;            /* this strategy's session segment, read-write */
	const struct rg_seg_header *ctl_hdr;  /* control header: engine liveness */
	const struct rg_control *ctl;         /* engine state, counters */
	const struct rg_symbol_entry *symbols; /* symbol table (symbol_capacity entries) */
	uint32_t symbol_capacity;             /* entries the table can hold */
	struct rg_session_peer *peer;         /* our heartbeat line in the session */
	struct rg_ring orders;                /* we produce */
	struct rg_ring reports;               /* we consume */
	/* Report numbering (rg_client_poll keeps it; docs/client.md "Lost reports"). */
	uint64_t next_report_seq;             /* report_seq expected next; 0 until the first report (or rg_client_resume_at) */
	uint64_t gap_from, gap_to;            /* report numbers seen skipped and not yet taken (rg_client_take_gap); 0 = none */
	uint64_t reports_lost;                /* report numbers skipped since the session was opened */
};

/* Only in libriskgate-client.so (link -lriskgate-client; every other call of
 * this header is also exported there as a real function, for FFI): a zeroed
 * struct rg_client on the heap (NULL when out of memory) and its release, for
 * callers that cannot size the struct; the shared-memory ABI the library
 * speaks (RG_ABI_VERSION when it was built). */
struct rg_client *rg_client_new(void);
void rg_client_free(struct rg_client *c);
uint32_t rg_client_abi_version(void);

/* CLOCK_MONOTONIC in nanoseconds (vDSO: no system call). */
static inline uint64_t rg_client_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Writes this strategy's heartbeat into its session segment.  With
 * "dead_man" configured, the engine halts a strategy whose heartbeat is
 * older than its timeout (and cancels its open orders); the halt is lifted
 * when the session is opened again.  Call it from the thread that trades,
 * at least every quarter of the timeout (docs/client.md).  One clock read
 * (vDSO) and one store: hot-path safe.
 */
static inline void rg_client_heartbeat(struct rg_client *c)
{
	__atomic_store_n(&c->peer->heartbeat_ns, rg_client_now_ns(), __ATOMIC_RELAXED);
}

/*
 * Opens the session of `strategy` on `instance`.  Returns 0, or a negative
 * errno from rg_seg_attach (-ENOENT no such instance or session, -EACCES not
 * this user's session, -EBADMSG corrupt, -EPROTONOSUPPORT ABI mismatch,
 * -EAGAIN/-ESHUTDOWN engine starting/closed), or -EBUSY when another process
 * holds the session.  `err` (may be NULL) receives a one-line explanation.
 * On failure *c holds nothing that needs closing.  Cold path.
 */
static inline int rg_client_open(struct rg_client *c, const char *instance, const char *strategy, char *err,
				 size_t errlen)
{
	const struct rg_seg_header *sh;
	int rc;

	memset(c, 0, sizeof(*c));
	c->control.fd = c->session.fd = -1;
	rc = rg_seg_attach(&c->control, instance, NULL, false, err, errlen);
	if (rc != 0)
		return rc;
	rc = rg_seg_attach(&c->session, instance, strategy, true, err, errlen);
	if (rc != 0)
		goto fail;
	if (flock(c->session.fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err != NULL)
			snprintf(err, errlen, "session '%s' on '%s' is already open in another process", strategy, instance);
		goto fail;
	}
	sh = rg_seg_header_of(&c->session);
	c->ctl_hdr = rg_seg_header_of(&c->control);
	c->ctl = (const struct rg_control *)((const char *)c->control.base + c->control.layout.control_off);
	c->symbols = (const struct rg_symbol_entry *)((const char *)c->control.base + c->control.layout.symbols_off);
	c->symbol_capacity = c->ctl_hdr->symbol_capacity;
	c->peer = (struct rg_session_peer *)((char *)c->session.base + c->session.layout.peer_off);
	if (rg_ring_attach(&c->orders, (char *)c->session.base + c->session.layout.order_off,
			   sh->order_ring_capacity) != 0 ||
	    rg_ring_attach(&c->reports, (char *)c->session.base + c->session.layout.report_off,
			   sh->report_ring_capacity) != 0) {
		rc = -EBADMSG;
		if (err != NULL)
			snprintf(err, errlen, "session '%s' on '%s': corrupt ring metadata", strategy, instance);
		goto fail;
	}
	/* Heartbeat first, then pid, then attach_count, each a release: the
	 * engine's dead-man watch reads them in the reverse order (acquire), so
	 * a new pid or attach_count is never seen without its fresh heartbeat. */
	rg_client_heartbeat(c);
	__atomic_store_n(&c->peer->pid, (int32_t)getpid(), __ATOMIC_RELEASE);
	__atomic_fetch_add(&c->peer->attach_count, 1u, __ATOMIC_RELEASE);
	return 0;
fail:
	rg_seg_detach(&c->session);
	rg_seg_detach(&c->control);
	return rc;
}

/* Closes the session: releases the lock and both mappings.  The engine keeps
 * the session; the same or a restarted strategy can open it again. */
static inline void rg_client_close(struct rg_client *c)
{
	if (c->peer != NULL)
		__atomic_store_n(&c->peer->pid, 0, __ATOMIC_RELAXED);
	rg_seg_detach(&c->session);
	rg_seg_detach(&c->control);
	c->peer = NULL;
}

/*
 * Looks up a symbol by name.  Returns 0 and sets *id, or -ENOENT when the
 * engine does not publish that symbol.  Cold path (a linear scan): resolve
 * ids once at start-up.
 */
static inline int rg_client_symbol_id(const struct rg_client *c, const char *name, uint32_t *id)
{
	/* Pairs with the engine's release store of symbol_count after filling the table. */
	uint32_t n = __atomic_load_n(&c->ctl->symbol_count, __ATOMIC_ACQUIRE);
	uint32_t i;

	if (n > c->symbol_capacity)
		n = c->symbol_capacity;
	for (i = 0; i < n; i++) {
		if (strncmp(c->symbols[i].name, name, RG_NAME_MAX) == 0) {
			*id = c->symbols[i].id;
			return 0;
		}
	}
	return -ENOENT;
}

/* The symbol table entry for `id` (tick, lot, minimum), or NULL. */
static inline const struct rg_symbol_entry *rg_client_symbol(const struct rg_client *c, uint32_t id)
{
	uint32_t n = __atomic_load_n(&c->ctl->symbol_count, __ATOMIC_ACQUIRE);

	return id < n && id < c->symbol_capacity ? &c->symbols[id] : NULL;
}

/*
 * A price for symbol `id` from text ("187.253"), rounded to the symbol's tick
 * by `mode` (a buy: RG_ROUND_DOWN; a sell: RG_ROUND_UP; RG_ROUND_EXACT: -EDOM
 * unless it is on the tick).  0 or a negative errno (shm/decimal.h; -ENOENT:
 * no such symbol); *price_e8 is written only on success.
 */
static inline int _rg_client_on_grid(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode,
				     bool price, int64_t *out_e8)
{
	const struct rg_symbol_entry *s = rg_client_symbol(c, id);
	int64_t v;
	int rc;

	if (s == NULL)
		return -ENOENT;
	rc = rg_decimal_parse_e8(text, mode, &v);
	return rc != 0 ? rc : rg_decimal_round_to(v, price ? s->tick_e8 : s->lot_e8, mode, out_e8);
}

static inline int rg_client_price_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode,
				     int64_t *price_e8)
{
	return _rg_client_on_grid(c, id, text, mode, true, price_e8);
}

/* A quantity for symbol `id` from text, rounded to the symbol's lot by
 * `mode` (RG_ROUND_TOWARD_ZERO: never more than asked).  As rg_client_price_e8. */
static inline int rg_client_qty_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode,
				   int64_t *qty_e8)
{
	return _rg_client_on_grid(c, id, text, mode, false, qty_e8);
}

/* Internal: after messages went into the order ring, wakes an engine that
 * sleeps when idle (idle_policy spin_sleep; doorbell.h).  Against an engine
 * that never sleeps: one load of a read-mostly line. */
static inline void _rg_client_doorbell(struct rg_client *c)
{
	if (__builtin_expect(__atomic_load_n(&c->ctl->doorbell_on, __ATOMIC_RELAXED) != 0, 0))
		rg_doorbell_ring(&c->ctl->engine_asleep, &c->peer->doorbell, 0);
}

/* Internal: copies *order into the next free slot of the order ring with
 * its kind set to `kind` there (one copy, the caller's order untouched) and
 * publishes it. */
static inline bool _rg_client_send(struct rg_client *c, const struct rg_order *order, uint8_t kind)
{
	uint64_t pos;
	unsigned char *slot = (unsigned char *)rg_ring_claim_spsc(&c->orders, &pos);

	if (slot == NULL)
		return false;
	memcpy(slot, order, sizeof(*order));
	slot[offsetof(struct rg_order, kind)] = kind;
	rg_ring_commit_spsc(&c->orders, pos);
	_rg_client_doorbell(c);
	return true;
}

/*
 * Submits a new order (its kind is set to RG_ORDER_NEW in the ring; *order
 * is left as it is).  Returns true when it is in the ring, false when the
 * ring is full: nothing was written, retry later.  Never blocks, never drops
 * silently; each accepted order gets exactly one ACCEPTED or REJECTED report.
 */
static inline bool rg_client_submit(struct rg_client *c, const struct rg_order *order)
{
	return _rg_client_send(c, order, RG_ORDER_NEW);
}

/*
 * Submits orders[0], orders[1], ... orders[n - 1] in that order, each as
 * rg_client_submit would (its kind is set to RG_ORDER_NEW in the ring; the
 * array is left as it is).  Returns how many went in: n, fewer when the ring
 * filled (orders[ret] to orders[n - 1] were not written: submit them again
 * later), 0 when it is full.  Each order that went in gets exactly one
 * ACCEPTED or REJECTED report.  Cheaper than n calls of rg_client_submit: the
 * ring's room is looked at, its head stored and the engine's doorbell rung
 * once for the burst.  Never blocks.
 */
static inline unsigned rg_client_submit_burst(struct rg_client *c, const struct rg_order *orders, unsigned n)
{
	/* A copy of the handle, held in registers: the stores into the slots
	 * would make the compiler reload it from *c for every order. */
	struct rg_ring ring = c->orders;

	n = _rg_ring_push_burst(&ring, orders, n, true, offsetof(struct rg_order, kind), RG_ORDER_NEW);
	if (n != 0)
		_rg_client_doorbell(c);
	return n;
}

/*
 * Asks the engine to replace the live order replacement->orig_client_order_id
 * with *replacement: a new client_order_id (> 0, not live), the same symbol
 * and side, a limit order DAY or GTC, qty_e8 the new open quantity (leaves)
 * and price_e8 the new price.  The engine answers ACCEPTED or REJECTED for
 * the replace, then REPLACED (the order is client_order_id from then on) or
 * REPLACE_REJECTED (the old order stays as it was).  Same return as
 * rg_client_submit.  docs/client.md "Replacing".
 */
static inline bool rg_client_replace(struct rg_client *c, const struct rg_order *replacement)
{
	return _rg_client_send(c, replacement, RG_ORDER_REPLACE);
}

/*
 * Asks the engine to cancel the live order `orig_client_order_id`; the cancel
 * request itself carries `client_order_id`.  Same return as rg_client_submit.
 */
static inline bool rg_client_cancel(struct rg_client *c, uint64_t client_order_id, uint64_t orig_client_order_id,
				    uint32_t symbol_id)
{
	struct rg_order o;

	memset(&o, 0, sizeof(o));
	o.kind = RG_ORDER_CANCEL;
	o.client_order_id = client_order_id;
	o.orig_client_order_id = orig_client_order_id;
	o.symbol_id = symbol_id;
	o.client_ts_ns = rg_client_now_ns();
	if (!rg_ring_push_spsc(&c->orders, &o))
		return false;
	_rg_client_doorbell(c);
	return true;
}

/* Internal: a report whose report_seq is not simply the one expected next:
 * unsequenced, a replayed copy, the first of the session, or after a gap.
 * Returns the number expected after it. */
static inline uint64_t _rg_client_track(struct rg_client *c, uint64_t seq, uint8_t flags, uint64_t next)
{
	if (seq == 0 || (flags & RG_REPORT_F_REPLAYED) != 0)
		return next; /* unsequenced, or a replayed copy of an earlier one */
	if (next != 0 && seq > next) {
		if (c->gap_from == 0)
			c->gap_from = next;
		c->gap_to = seq - 1;
		c->reports_lost += seq - next;
	}
	return seq >= next ? seq + 1 : next;
}

/*
 * Copies up to `max` pending reports into `out`; returns how many (0: none).
 * Checks their numbering as it goes: a report_seq skipped is recorded as
 * lost (rg_client_take_gap).  Hot-path safe: no system call.  Reports are
 * read where they lie in the ring (rg_ring_peek_spsc), copied once and
 * given back once for the whole call.
 */
static inline unsigned rg_client_poll(struct rg_client *c, struct rg_report *out, unsigned max)
{
	/* A copy of the handle, held in registers: the acquire loads would
	 * make the compiler reload it from *c for every report. */
	struct rg_ring ring = c->reports;
	uint64_t pos = rg_ring_read_pos(&ring), next = c->next_report_seq;
	unsigned n;

	for (n = 0; n < max; n++) {
		const void *p = rg_ring_peek_spsc(&ring, pos + n);

		if (p == NULL)
			break;
		memcpy(&out[n], p, sizeof(out[n]));
		uint64_t seq = out[n].report_seq;
		if (__builtin_expect(seq == next && seq != 0 && (out[n].flags & RG_REPORT_F_REPLAYED) == 0, 1))
			next++; /* the number expected: no gap */
		else
			next = _rg_client_track(c, seq, out[n].flags, next);
	}
	rg_ring_release_spsc(&ring, pos + n);
	c->next_report_seq = next;
	return n;
}

/*
 * The report_seq this client expects next (0 before the first report): a
 * strategy that reopens its session (after an engine restart, or as a new
 * process) passes it to rg_client_resume_at on the new session, so that
 * reports it never got are seen as lost.
 */
static inline uint64_t rg_client_next_report_seq(const struct rg_client *c)
{
	return c->next_report_seq;
}

/* Sets the report_seq expected next (from rg_client_next_report_seq of an
 * earlier session).  Call right after rg_client_open, before polling. */
static inline void rg_client_resume_at(struct rg_client *c, uint64_t next_report_seq)
{
	c->next_report_seq = next_report_seq;
}

/*
 * True when report numbers were skipped since the last call: *from..*to is
 * the range they span (reports inside it that did arrive are among them when
 * several gaps were seen; a replay of the range is harmless for those).
 * Clears the record.  Pass the range to rg_client_request_replay.
 */
static inline bool rg_client_take_gap(struct rg_client *c, uint64_t *from, uint64_t *to)
{
	if (c->gap_from == 0)
		return false;
	*from = c->gap_from;
	*to = c->gap_to;
	c->gap_from = c->gap_to = 0;
	return true;
}

/*
 * Asks the engine to replay this session's reports numbered from..to from
 * its audit journal.  They arrive through rg_client_poll like any report,
 * with RG_REPORT_F_REPLAYED set and their original report_seq, followed by
 * one RG_REPORT_REPLAY_DONE (engine_seq: how many were replayed; reason
 * RG_REJ_REPLAY_INCOMPLETE when the journal could not give every one; its
 * reject.limit and reject.value echo from and to).  Returns the request's
 * number, which the session header's replay_done reaches when the engine
 * has finished it.  One request at a time; a new one replaces one not yet
 * started.  Two stores: hot-path safe.
 */
static inline uint32_t rg_client_request_replay(struct rg_client *c, uint64_t from, uint64_t to)
{
	__atomic_store_n(&c->peer->replay_from, from, __ATOMIC_RELAXED);
	__atomic_store_n(&c->peer->replay_to, to, __ATOMIC_RELAXED);
	/* Pairs with the engine's acquire load of replay_request. */
	return __atomic_add_fetch(&c->peer->replay_request, 1u, __ATOMIC_RELEASE);
}

/* True once the engine has finished replay request `request` (its
 * REPLAY_DONE report is in the ring, or waiting in the engine behind others). */
static inline bool rg_client_replay_finished(const struct rg_client *c, uint32_t request)
{
	const struct rg_seg_header *h = rg_seg_header_of(&c->session);

	return (int32_t)(__atomic_load_n(&h->replay_done, __ATOMIC_ACQUIRE) - request) >= 0;
}

/* The engine's state (enum rg_engine_state) as it last published it. */
static inline uint32_t rg_client_engine_state(const struct rg_client *c)
{
	return __atomic_load_n(&c->ctl->engine_state, __ATOMIC_ACQUIRE);
}

/* The engine's last heartbeat (CLOCK_MONOTONIC ns). */
static inline uint64_t rg_client_engine_heartbeat_ns(const struct rg_client *c)
{
	return __atomic_load_n(&c->ctl_hdr->heartbeat_ns, __ATOMIC_RELAXED);
}

/*
 * True when the engine is RUNNING, its segment is open, and its heartbeat is
 * at most `timeout_ns` old.  A strategy that sees false should stop sending:
 * nobody is checking its orders.
 */
static inline bool rg_client_engine_alive(const struct rg_client *c, uint64_t timeout_ns)
{
	uint64_t hb = rg_client_engine_heartbeat_ns(c), now = rg_client_now_ns();

	return __atomic_load_n(&c->ctl_hdr->state, __ATOMIC_ACQUIRE) == RG_SEG_READY &&
	       rg_client_engine_state(c) == RG_ENGINE_RUNNING && (now < hb || now - hb <= timeout_ns);
}

#ifdef __cplusplus
}
#endif

#include "client_state.h" /* the strategy's own state: rg_client_read_* */

#endif /* RG_CLIENT_H */
