/*
 * Typed appends: one call per record type, for the engine thread.  Each
 * builds the 128-byte record in registers / on the stack and publishes it
 * into the journal ring with rg_journal_append's guarantees: wait-free, no
 * system call, no lock, no allocation; false when the ring is full (nothing
 * written).  now_ns is the engine's CLOCK_MONOTONIC; the realtime stamp is
 * derived (rg_journal_set_clock).  strategy / account are indexes, or
 * RG_JREC_NONE.
 *
 * Order path: call rg_journal_admit(j, 1) before deciding an order (false:
 * reject it with RG_REJ_AUDIT_BACKPRESSURE, unjournaled, and count it), then
 * rg_journal_order_decided, which appends the received message and the
 * decision together as one ORDER_DECIDED record.  Everything else (venue events, kills, state changes)
 * uses the reserve rg_journal_admit keeps free and should not fail; if it
 * does, the journal has been stuck for a long time and the engine should
 * halt trading.
 *
 * Bodies passed by pointer are copied whole: zero them first
 * (memset / `= {0}`) and fill text fields with rg_jtext.  Where a copy
 * matters (fills, acks on a busy day), rg_journal_claim / rg_journal_commit
 * (journal_ring.h) fill the slot in place instead.
 */
#ifndef RG_JOURNAL_APPEND_H
#define RG_JOURNAL_APPEND_H

#include "checks.h"
#include "journal_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Internal: the decision body of order `o` decided as `d`, written into b. */
static inline void _rg_jfill_decision(struct rg_jbody_decision *b, const struct rg_order *o,
				      const struct rg_decision *d, uint64_t report_seq)
{
	memset(b, 0, sizeof(*b));
	b->client_order_id = o->client_order_id;
	b->orig_client_order_id = o->orig_client_order_id;
	b->engine_seq = d->engine_seq;
	b->qty_e8 = o->qty_e8;
	b->price_e8 = o->price_e8;
	b->limit = d->limit;
	b->value = d->value;
	b->symbol = d->symbol;
	b->reason = d->reason;
	b->venue = d->venue;
	b->kind = o->kind;
	b->side = o->side;
	b->type = o->type;
	b->tif = o->tif;
	b->probe = d->probe ? 1 : 0;
	b->report_seq = report_seq;
}

/* Internal: the order body: the message as read, then zeros. */
static inline void _rg_jfill_order(struct rg_jbody_order *b, const struct rg_order *o)
{
	memcpy(&b->order, o, sizeof(*o));
	memset(b->zero, 0, sizeof(b->zero));
}

/* ORDER_RECEIVED: the message as read from the strategy's ring. */
static inline bool rg_journal_order_received(struct rg_journal *j, uint64_t now_ns, uint32_t strategy,
					     uint32_t account, const struct rg_order *o)
{
	struct rg_jrec *slot = rg_journal_claim(j);

	if (slot == NULL)
		return false;
	_rg_jfill_order(&slot->u.order, o);
	rg_journal_commit(j, slot, RG_JREC_ORDER_RECEIVED, now_ns, strategy, account);
	return true;
}

/* DECISION: the verdict `d` on order `o` (approved when d->reason is RG_REJ_NONE),
 * answered with the strategy's report number `report_seq` (0: none). */
static inline bool rg_journal_decision(struct rg_journal *j, uint64_t now_ns, uint32_t strategy, uint32_t account,
				       const struct rg_order *o, const struct rg_decision *d, uint64_t report_seq)
{
	struct rg_jrec *slot = rg_journal_claim(j);

	if (slot == NULL)
		return false;
	_rg_jfill_decision(&slot->u.decision, o, d, report_seq);
	rg_journal_commit(j, slot, RG_JREC_DECISION, now_ns, strategy, account);
	return true;
}

/* An ORDER_DECIDED record's body into slot `a` at ring position `head`, whose
 * header is written, then published. */
static inline __attribute__((always_inline)) bool
_rg_journal_put_decided(struct rg_journal *j, struct rg_jrec *a, uint64_t head, const struct rg_order *o,
			uint64_t engine_seq, int64_t limit, int64_t value, uint64_t report_seq, uint32_t symbol,
			uint16_t reason, uint8_t venue, bool probe)
{
	struct rg_jbody_order_decided *b = &a->u.order_decided;

	memcpy(&b->order, o, sizeof(*o));
	b->engine_seq = engine_seq;
	b->limit = limit;
	b->value = value;
	b->report_seq = report_seq;
	b->symbol = symbol;
	b->reason = reason;
	b->venue = venue;
	b->probe = probe ? 1 : 0;
	_rg_journal_publish(a, head);
	__atomic_store_n(&j->shared->head, head + 1, __ATOMIC_RELAXED);
	_rg_journal_prefetch(j, head + 1, 1);
	return true;
}

/*
 * ORDER_DECIDED: the message as read and the verdict on it in one record, the
 * hot path's one call per decided order; report_seq is the number of the
 * report that answers it (0: none).  Every byte of the body is written (no
 * zeroing pass, no copy of a whole decision).  Returns false (nothing
 * written) when the ring is full.  rg_journal_order_verdict takes the
 * verdict's fields one by one (the engine's answer path, which has no
 * rg_decision of the answer to hand), rg_journal_order_decided a decision.
 */
static inline bool rg_journal_order_verdict(struct rg_journal *j, uint64_t now_ns, uint32_t strategy,
					    uint32_t account, const struct rg_order *o, uint64_t engine_seq, int64_t limit,
					    int64_t value, uint64_t report_seq, uint32_t symbol, uint16_t reason, uint8_t venue,
					    bool probe)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t head = s->head;
	struct rg_jrec *a;

	if (__builtin_expect(_rg_journal_free(j, head, 1) < 1, 0)) {
		_rg_journal_refused(s);
		return false;
	}
	a = _rg_journal_slot(j, head);
	_rg_journal_hdr(j, a, RG_JREC_ORDER_DECIDED, now_ns, strategy, account);
	return _rg_journal_put_decided(j, a, head, o, engine_seq, limit, value, report_seq, symbol, reason, venue, probe);
}

/*
 * The ORDER_DECIDED records of one strategy (the engine keeps one run per
 * session and appends its orders' records through it): what their headers
 * share is worked out once, and the room in the ring is looked at once for
 * as long as it lasts.  `end` is a ring position below which every slot is
 * free: a slot below the writer's position plus the capacity stays free
 * whatever is appended meanwhile (the writer's position only moves up), so
 * the bound holds across records, passes and other appends; a record at or
 * past it looks again (_rg_journal_free) and is refused, as
 * rg_journal_order_verdict's, only when the ring is full.  The stamps are set
 * once a pass (rg_journal_run_stamp): the engine's records of one pass share
 * its instant, and the clock offset changes only at its heartbeat.
 */
struct rg_journal_run {
	uint64_t end;     /* ring positions below this are free (0: not looked yet) */
	uint64_t real_ns; /* the records' stamps */
	uint64_t mono_ns;
	uint64_t word;    /* type, size, strategy and account: the header's last 8 bytes */
};

/* A run for the records of `strategy` (its `account`).  Cold. */
static inline void rg_journal_run_init(struct rg_journal_run *run, uint32_t strategy, uint32_t account)
{
	run->end = 0;
	run->real_ns = run->mono_ns = 0;
	run->word = (uint64_t)RG_JREC_ORDER_DECIDED | (uint64_t)RG_JREC_SIZE << 16 | (uint64_t)(uint16_t)strategy << 32 |
		    (uint64_t)(uint16_t)account << 48;
}

/* The stamps of the run's next records: CLOCK_MONOTONIC now_ns. */
static inline void rg_journal_run_stamp(struct rg_journal_run *run, const struct rg_journal *j, uint64_t now_ns)
{
	run->real_ns = now_ns + (uint64_t)j->real_offset_ns;
	run->mono_ns = now_ns;
}

/* rg_journal_order_verdict for a record of the run. */
static inline bool rg_journal_run_verdict(struct rg_journal *j, struct rg_journal_run *run, const struct rg_order *o,
					  uint64_t engine_seq, int64_t limit, int64_t value, uint64_t report_seq,
					  uint32_t symbol, uint16_t reason, uint8_t venue, bool probe)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t head = s->head;
	struct rg_jrec *a;

	if (__builtin_expect(head >= run->end, 0)) {
		run->end = head + _rg_journal_free(j, head, 1);
		if (head >= run->end) {
			_rg_journal_refused(s);
			return false;
		}
	}
	a = _rg_journal_slot(j, head);
	a->h.real_ns = run->real_ns;
	a->h.mono_ns = run->mono_ns;
	memcpy(&a->h.type, &run->word, sizeof(run->word));
	return _rg_journal_put_decided(j, a, head, o, engine_seq, limit, value, report_seq, symbol, reason, venue, probe);
}

static inline bool rg_journal_order_decided(struct rg_journal *j, uint64_t now_ns, uint32_t strategy,
					    uint32_t account, const struct rg_order *o, const struct rg_decision *d,
					    uint64_t report_seq)
{
	return rg_journal_order_verdict(j, now_ns, strategy, account, o, d->engine_seq, d->limit, d->value, report_seq,
					d->symbol, d->reason, (uint8_t)d->venue, d->probe);
}

/* The other record types take their body (record.h) by pointer. */
#define RG_JOURNAL_TYPED_APPEND(fn, body_type, rec_type)                                                        \
	static inline bool fn(struct rg_journal *j, uint64_t now_ns, uint32_t strategy, uint32_t account,        \
			      const struct body_type *b)                                                         \
	{                                                                                                        \
		return rg_journal_append(j, rec_type, now_ns, strategy, account, b);                            \
	}

RG_JOURNAL_TYPED_APPEND(rg_journal_forwarded, rg_jbody_forwarded, RG_JREC_FORWARDED)
RG_JOURNAL_TYPED_APPEND(rg_journal_venue_ack, rg_jbody_ack, RG_JREC_VENUE_ACK)
RG_JOURNAL_TYPED_APPEND(rg_journal_fill, rg_jbody_fill, RG_JREC_FILL)
RG_JOURNAL_TYPED_APPEND(rg_journal_cancelled, rg_jbody_cancelled, RG_JREC_CANCELLED)
RG_JOURNAL_TYPED_APPEND(rg_journal_venue_reject, rg_jbody_venue_reject, RG_JREC_VENUE_REJECT)
RG_JOURNAL_TYPED_APPEND(rg_journal_kill, rg_jbody_kill, RG_JREC_KILL)
RG_JOURNAL_TYPED_APPEND(rg_journal_resume, rg_jbody_kill, RG_JREC_RESUME)
RG_JOURNAL_TYPED_APPEND(rg_journal_state_change, rg_jbody_state, RG_JREC_STATE_CHANGE)
RG_JOURNAL_TYPED_APPEND(rg_journal_config_loaded, rg_jbody_config, RG_JREC_CONFIG_LOADED)
RG_JOURNAL_TYPED_APPEND(rg_journal_adapter_connected, rg_jbody_adapter, RG_JREC_ADAPTER_CONNECTED)
RG_JOURNAL_TYPED_APPEND(rg_journal_adapter_disconnected, rg_jbody_adapter, RG_JREC_ADAPTER_DISCONNECTED)
RG_JOURNAL_TYPED_APPEND(rg_journal_venue_protocol_error, rg_jbody_protocol_error, RG_JREC_VENUE_PROTOCOL_ERROR)
RG_JOURNAL_TYPED_APPEND(rg_journal_engine_start, rg_jbody_engine, RG_JREC_ENGINE_START)
RG_JOURNAL_TYPED_APPEND(rg_journal_engine_stop, rg_jbody_engine, RG_JREC_ENGINE_STOP)
RG_JOURNAL_TYPED_APPEND(rg_journal_name_record, rg_jbody_name, RG_JREC_NAME)
RG_JOURNAL_TYPED_APPEND(rg_journal_position, rg_jbody_position, RG_JREC_POSITION)
RG_JOURNAL_TYPED_APPEND(rg_journal_account, rg_jbody_account, RG_JREC_ACCOUNT)
RG_JOURNAL_TYPED_APPEND(rg_journal_open_order, rg_jbody_open_order, RG_JREC_OPEN_ORDER)
RG_JOURNAL_TYPED_APPEND(rg_journal_checkpoint, rg_jbody_checkpoint, RG_JREC_CHECKPOINT)

#undef RG_JOURNAL_TYPED_APPEND

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_APPEND_H */
