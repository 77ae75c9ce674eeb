/*
 * The REST adapter's live orders: what it must remember of each order it
 * sent (or found open at the venue) to turn the venue's reports into exactly
 * one riskgate event each -- the quantity it has reported filled, the
 * highest cumulative quantity the venue has shown, whether the venue has
 * ended it -- and what a cancel or a query must repeat.
 *
 * An open-addressing table keyed by engine_seq, allocated once (linear
 * probing, deletion by backward shift: no tombstones, so a long day does
 * not slow it down).  Adapter thread only.
 */
#ifndef RG_REST_ORDERS_H
#define RG_REST_ORDERS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rg_rest_order_state {
	RG_RO_SENT = 1,      /* new order sent, no answer yet */
	RG_RO_IN_DOUBT = 2,  /* the new order's call got no answer: maybe live; the venue is asked */
	RG_RO_LIVE = 3,      /* the venue has it */
	RG_RO_ADOPTED = 4,   /* found open at the venue at start; waits for the engine's query */
};

enum rg_rest_order_flags {
	RG_RO_ACKED = 1u << 0,          /* RG_VEV_ACK emitted */
	RG_RO_CANCEL_SENT = 1u << 1,    /* a cancel is at the venue */
	RG_RO_CANCEL_DUE = 1u << 2,     /* a cancel waits for the venue's back-off to end */
	RG_RO_TRADES_ASKED = 1u << 3,   /* a myTrades call is in flight */
	RG_RO_QUERY_ASKED = 1u << 4,    /* an order query is in flight */
	RG_RO_REPLACING = 1u << 5,      /* a cancel-replace is at the venue (or being settled) */
	RG_RO_ENGINE_QUERY = 1u << 6,   /* the engine asked (RG_VREQ_QUERY): a missing order is answered CANCELLED */
	RG_RO_CANCEL_IN_DOUBT = 1u << 7, /* the cancel's call got no answer: the query decides */
	RG_RO_SEEN_OPEN = 1u << 8,      /* a reconciliation found it in the venue's open orders */
	RG_RO_ORPHAN_LOGGED = 1u << 9,
	RG_RO_FUTURE_SEEN = 1u << 10,   /* the stream spoke of a leg not yet ours: query it once it is */
	RG_RO_NEEDS_QUERY = 1u << 11,   /* a reconciliation did not find it open: ask the venue */
};

/* Where a cancel-replace stands (replace_step). */
enum rg_rest_replace_step {
	RG_RR_NONE = 0,
	RG_RR_SENT = 1,         /* the call is at the venue */
	RG_RR_ASK_NEW = 2,      /* no answer: asking whether the new leg exists */
	RG_RR_ASK_OLD_OK = 3,   /* the new leg exists: asking the old leg's final fill */
	RG_RR_ASK_OLD_FAIL = 4, /* the new leg does not exist: asking what became of the old */
	RG_RR_CATCH_UP = 5,     /* done at the venue: the old leg's last fills are being read */
};

enum rg_rest_order_end {
	RG_RO_END_NONE = 0,
	RG_RO_END_CANCELLED = 1, /* cancelled, expired: RG_VEV_CANCELLED once the fills are in */
	RG_RO_END_REJECTED = 2,  /* refused: RG_VEV_REJECT (or CANCELLED when it was acked) */
	RG_RO_END_FILLED = 3,    /* filled: the last fill (leaves 0) ends it */
};

struct rg_rest_order {
	uint64_t engine_seq;        /* key; 0 = empty slot */
	uint64_t venue_order_id;    /* the current leg's orderId, 0 until known */
	uint64_t prev_order_id;     /* replacing: the leg being replaced */
	int64_t qty_e8;             /* total quantity: filled on earlier legs + this leg's */
	int64_t price_e8;
	int64_t reported_e8;        /* filled quantity reported to the engine, all legs */
	int64_t leg_base_e8;        /* reported_e8 when this leg began */
	int64_t venue_cum_e8;       /* highest cumulative fill the venue showed for this leg */
	int64_t final_cum_e8;       /* the leg's cumulative fill at its end (end != NONE) */
	int64_t new_qty_e8;         /* replacing: the new leg's quantity and price */
	int64_t new_price_e8;
	uint64_t new_order_id;      /* replacing: the new leg's orderId once known */
	int64_t query_leaves_e8;    /* the engine's query: the leaves it holds */
	uint64_t due_ns;            /* when something must be checked (a query, a cancel retry); 0 = nothing */
	uint64_t sent_ns;           /* when the new order (or the last call about it) went */
	uint64_t retry_ns;          /* the back-off of repeated queries, doubling */
	uint64_t timestamp_ms;      /* the new order's signed timestamp (venue time) */
	uint32_t symbol_id;
	uint32_t leg;               /* replacements so far: the client id's suffix */
	uint32_t flags;             /* enum rg_rest_order_flags */
	uint16_t reason;            /* the end's reason */
	uint8_t state;              /* enum rg_rest_order_state */
	uint8_t end;                /* enum rg_rest_order_end */
	uint8_t replace_step;       /* enum rg_rest_replace_step */
	uint8_t side, type, tif;
};

struct rg_rest_orders {
	struct rg_rest_order *slots;
	uint64_t mask;
	uint64_t count;
};

/* Cold: a table of `capacity` slots (a power of two); it holds at most
 * capacity / 2 orders.  0 or -ENOMEM. */
int rg_rest_orders_init(struct rg_rest_orders *t, uint64_t capacity);
void rg_rest_orders_fini(struct rg_rest_orders *t);

/* The order engine_seq, or NULL. */
struct rg_rest_order *rg_rest_orders_find(struct rg_rest_orders *t, uint64_t engine_seq);

/* A zeroed order with its key set, or NULL when the table is half full or
 * the key is present. */
struct rg_rest_order *rg_rest_orders_insert(struct rg_rest_orders *t, uint64_t engine_seq);

/* Removes o (a pointer the table gave); other pointers into the table are
 * invalid afterwards. */
void rg_rest_orders_remove(struct rg_rest_orders *t, struct rg_rest_order *o);

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_ORDERS_H */
