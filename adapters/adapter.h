/*
 * riskgate venue adapter interface.
 *
 * An adapter connects the engine to one venue.  It runs on its own thread
 * (never the engine's hot core) and talks to the engine through two
 * in-process SPSC rings (shm/ring.h): the engine pushes venue requests (new
 * order, cancel) into the adapter's request ring, and the adapter pushes venue
 * events (ack, fill, cancel, reject, reference price, connection state,
 * protocol errors) into its event ring, which the engine drains.  Both messages fill one 56-byte
 * slot payload.
 *
 * Writing a new adapter: implement struct rg_adapter_ops and register it in
 * rg_adapter_ops_find (adapters/adapter.c); docs/adapters.md has the steps.
 */
#ifndef RG_ADAPTER_H
#define RG_ADAPTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <riskgate/doorbell.h>
#include <riskgate/msg.h>
#include <riskgate/ring.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Engine -> adapter. */
enum rg_venue_request_kind {
	RG_VREQ_NEW = 1,    /* send a new order */
	RG_VREQ_CANCEL = 2, /* cancel the order engine_seq */
	RG_VREQ_REPLACE = 3, /* replace the order engine_seq: qty_e8 the new total quantity, price_e8 the new
			      * price; answered RG_VEV_REPLACED or RG_VEV_REPLACE_REJECT (adapters with
			      * RG_ADAPTER_CAN_REPLACE; the engine sends none yet) */
	RG_VREQ_QUERY = 4,  /* what became of the order engine_seq, which the engine carried over a restart with
			     * qty_e8 still open (its leaves): the adapter reports the fills the engine missed and
			     * the order's end if it ended (adapters with RG_ADAPTER_CAN_QUERY) */
};

struct rg_venue_request {
	uint64_t engine_seq;      /* the engine's id for the order; the venue-facing order id */
	uint64_t client_order_id; /* the strategy's id, for logs and FIX ClOrdID mapping */
	int64_t qty_e8;           /* new: quantity */
	int64_t price_e8;         /* new: limit price; 0 for market */
	uint64_t sent_ns;         /* engine's CLOCK_MONOTONIC when it forwarded the request */
	uint32_t symbol_id;       /* index into the config's symbols */
	uint8_t kind;             /* enum rg_venue_request_kind */
	uint8_t side;             /* enum rg_side */
	uint8_t type;             /* enum rg_order_type */
	uint8_t tif;              /* enum rg_time_in_force */
	uint16_t strategy;        /* index of the owning strategy */
	uint8_t reserved[6];
};

/* Adapter -> engine. */
enum rg_venue_event_kind {
	RG_VEV_ACK = 1,           /* order accepted by the venue */
	RG_VEV_FILL = 2,          /* execution: qty, price, leaves */
	RG_VEV_CANCELLED = 3,     /* order done (cancelled, IOC remainder, expired) */
	RG_VEV_REJECT = 4,        /* venue refused the new order */
	RG_VEV_CANCEL_REJECT = 5, /* venue refused a cancel; the order stays live */
	RG_VEV_REFERENCE = 6,     /* reference price for symbol_id: price_e8 */
	RG_VEV_CONNECTED = 7,     /* session up */
	RG_VEV_DISCONNECTED = 8,  /* session down: a venue failure for the breaker */
	RG_VEV_PROTOCOL_ERROR = 9, /* the venue sent something malformed (enum rg_venue_protocol_error) */
	RG_VEV_REPLACED = 10,      /* replace done: qty_e8 the new total, price_e8 the new price, leaves_e8 open now */
	RG_VEV_REPLACE_REJECT = 11, /* replace refused; the order stays as it was */
	RG_VEV_BANNED = 12,        /* the venue refuses this client (HTTP 418 ban, credentials refused): the
				    * engine opens the venue's breaker at once; reason says why */
};

/* What was wrong, in a RG_VEV_PROTOCOL_ERROR event (`protocol_error`).  One
 * event per malformed message; a run of garbage bytes is one event.  Only
 * numbers travel: never bytes from the wire. */
enum rg_venue_protocol_error {
	RG_VPE_MALFORMED = 1,      /* a message failed parsing or validation (reject_reason, ref_tag say how) */
	RG_VPE_BAD_CHECKSUM = 2,   /* a framed message with a wrong CheckSum */
	RG_VPE_GARBAGE = 3,        /* bytes that cannot start a message were skipped (bytes_skipped) */
	RG_VPE_COMP_ID = 4,        /* a message not from the venue's CompID to ours (the session is dropped) */
	RG_VPE_SEQ_RESET_BACK = 5, /* a SequenceReset that would lower the sequence number */
};

struct rg_venue_event {
	union {
		uint64_t engine_seq;  /* the order concerned; 0 for reference/connection events */
		uint64_t ref_seq_num; /* protocol error: the offending message's sequence number, 0 when unknown */
	};
	union {
		int64_t qty_e8;         /* fill: quantity of this execution */
		uint64_t bytes_skipped; /* protocol error (RG_VPE_GARBAGE): bytes dropped */
	};
	int64_t price_e8;     /* fill: execution price; reference: the price */
	int64_t leaves_e8;    /* fill: quantity still open after it */
	uint64_t venue_ns;    /* adapter's CLOCK_MONOTONIC when it received/produced the event */
	uint32_t symbol_id;
	uint16_t reason;      /* reject: venue-specific reason code, 0 when none; disconnected: why;
			       * protocol error: the session-level reject reason sent (FIX 373) */
	uint8_t kind;         /* enum rg_venue_event_kind */
	uint8_t protocol_error; /* protocol error: enum rg_venue_protocol_error; else 0 */
	uint32_t ref_tag;     /* protocol error: the tag refused, 0 when none */
	uint8_t reject_sent;  /* protocol error: 1 when a session-level reject (with `reason`) was sent */
	uint8_t reserved[3];
};

RG_STATIC_ASSERT(sizeof(struct rg_venue_request) == RG_SLOT_PAYLOAD, "request fills one slot");
RG_STATIC_ASSERT(sizeof(struct rg_venue_event) == RG_SLOT_PAYLOAD, "event fills one slot");
RG_STATIC_ASSERT(offsetof(struct rg_venue_event, ref_tag) == 48 && offsetof(struct rg_venue_event, reserved) == 53,
		 "event layout");

struct rg_adapter;

/* What an adapter kind implements.  Every function is called on the cold
 * path by the engine's control thread, except where noted. */
/* What an adapter kind can do beyond new orders and cancels (rg_adapter_ops.caps). */
enum rg_adapter_caps {
	RG_ADAPTER_CAN_QUERY = 1u << 0,   /* answers RG_VREQ_QUERY: the engine asks about carried orders on connect */
	RG_ADAPTER_CAN_REPLACE = 1u << 1, /* answers RG_VREQ_REPLACE */
};

struct rg_adapter_ops {
	const char *kind; /* "sim", "fix", "rest" */
	uint32_t caps;    /* enum rg_adapter_caps */
	/* Allocates private state in a->priv, reads credentials (file or
	 * environment); 0 or -errno with a message in err. */
	int (*init)(struct rg_adapter *a, char *err, size_t errlen);
	/* Body of the adapter thread: loop until a->stop is set, draining
	 * a->requests and producing into a->events.  Returns when stopped. */
	void (*run)(struct rg_adapter *a);
	/* Frees a->priv. */
	void (*fini)(struct rg_adapter *a);
};

/* One adapter instance: one venue. */
struct rg_adapter {
	const struct rg_adapter_ops *ops;
	const struct rg_config *cfg;  /* the engine's config (read-only) */
	uint16_t venue;               /* index into cfg->venues */
	struct rg_ring requests;      /* engine -> adapter (engine produces) */
	struct rg_ring events;        /* adapter -> engine (adapter produces) */
	void *ring_memory;            /* backing memory of both rings */
	pthread_t thread;
	int cpu;                      /* CPU to pin the adapter thread to; -1 = unpinned */
	int stop;                     /* nonzero: the thread must return (relaxed atomic store/load) */
	const uint32_t *engine_asleep; /* the engine's "asleep" flag and its adapters' doorbell (doorbell.h), */
	uint32_t *doorbell;            /* NULL when the engine never sleeps (rg_adapter_set_doorbell) */
	void *priv;                   /* the adapter kind's state */
};

#define RG_ADAPTER_RING_SLOTS 4096u

/* The ops of an adapter kind ("sim", "fix", "rest"), or NULL when unknown. */
const struct rg_adapter_ops *rg_adapter_ops_find(uint8_t kind);

/*
 * Creates the adapter of venue `venue` (its rings, its kind's state) and
 * starts its thread, pinned to `cpu` (-1: unpinned).  0 or -errno with the
 * cause in err.  Cold path; *a must be zeroed.
 */
int rg_adapter_start(struct rg_adapter *a, const struct rg_config *cfg, uint16_t venue, int cpu, char *err,
		     size_t errlen);

/*
 * An engine that sleeps when idle (idle_policy spin_sleep) hands a started
 * adapter its "asleep" flag and the doorbell word it waits on: from then on
 * rg_adapter_emit rings it after each event it puts in the ring while the
 * engine sleeps (doorbell.h).  Events emitted before go unrung: the engine
 * does not sleep before it runs.
 */
static inline void rg_adapter_set_doorbell(struct rg_adapter *a, const uint32_t *engine_asleep, uint32_t *doorbell)
{
	a->engine_asleep = engine_asleep;
	__atomic_store_n(&a->doorbell, doorbell, __ATOMIC_RELEASE);
}

/* Stops the thread, frees everything; safe on a zeroed or stopped adapter. */
void rg_adapter_stop(struct rg_adapter *a);

/* Engine side: hands a request to the adapter; false when its ring is full. */
static inline bool rg_adapter_submit(struct rg_adapter *a, const struct rg_venue_request *req)
{
	return rg_ring_push_spsc(&a->requests, req);
}

/* Engine side: copies up to max pending events; returns how many. */
static inline unsigned rg_adapter_poll_events(struct rg_adapter *a, struct rg_venue_event *ev, unsigned max)
{
	return rg_ring_pop_burst_spsc(&a->events, ev, max);
}

/* Adapter side: true once rg_adapter_stop has asked the thread to return. */
static inline bool rg_adapter_stopping(const struct rg_adapter *a)
{
	return __atomic_load_n(&a->stop, __ATOMIC_RELAXED) != 0;
}

/* Adapter side: pushes an event, waiting (yielding) while the engine's ring
 * is full; false only when stopping. */
bool rg_adapter_emit(struct rg_adapter *a, const struct rg_venue_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* RG_ADAPTER_H */
