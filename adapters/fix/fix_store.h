/*
 * FIX session store: what must survive a restart of the adapter, in one small
 * memory-mapped file per session (venue "store" path).
 *
 *   header   magic, format version, sizes, SenderCompID/TargetCompID of the
 *            session it belongs to, the next outgoing and expected
 *            incoming MsgSeqNum, and the run: how many times an adapter
 *            has started on this store (it prefixes every ClOrdID);
 *   sent     a ring of the last RG_FIX_STORE_SENT application messages
 *            sent, indexed by MsgSeqNum: what a ResendRequest range held;
 *   orders   an open-addressing table of live orders by engine_seq: what an
 *            OrderCancelRequest needs (side, quantity, symbol) and whether
 *            the venue has answered the order yet.  Only orders of the
 *            current run: the engine does not recover the orders of an
 *            earlier process, so rg_fix_store_new_run forgets them.
 *
 * Updates are plain stores into the shared mapping, so they cost no system
 * call and survive a crash of the process (not of the machine: the file is
 * msync'ed only on close).  A store is locked (flock) by the adapter that
 * opened it, so two processes cannot drive one session.
 *
 * Single-threaded: only the adapter thread that opened a store may use it.
 */
#ifndef RG_FIX_STORE_H
#define RG_FIX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fix_codec.h"

#define RG_FIX_STORE_MAGIC 0x3145524f54535846ULL /* "FXSTORE1" */
#define RG_FIX_STORE_VERSION 3u /* 3: an order remembers its replaces (rg_fix_order.replace_seq) */
#define RG_FIX_STORE_SENT 4096u    /* application messages remembered, power of two */
#define RG_FIX_STORE_ORDERS 65536u /* live order slots, power of two; 3/4 usable */

/* One application message sent. */
struct rg_fix_sent {
	uint64_t msg_seq;    /* its MsgSeqNum; 0 = empty */
	uint64_t engine_seq; /* the order it concerns */
	uint32_t run;        /* the run that sent it */
	uint8_t kind;        /* enum rg_venue_request_kind: RG_VREQ_NEW, RG_VREQ_CANCEL or RG_VREQ_REPLACE */
	uint8_t pad[3];
};

enum rg_fix_order_flags {
	RG_FIX_ORDER_ANSWERED = 1,       /* the venue has said something about the order */
	RG_FIX_ORDER_CANCEL_PENDING = 2, /* a cancel was sent and not answered */
	RG_FIX_ORDER_REPLACE_PENDING = 4, /* a replace (35=G) was sent and not answered */
};

/* One live order. */
struct rg_fix_order {
	uint64_t engine_seq; /* key; 0 = empty slot */
	int64_t qty_e8;      /* order quantity (OrderQty of the cancel) */
	uint32_t symbol_id;
	uint8_t side;        /* enum rg_side */
	uint8_t flags;       /* enum rg_fix_order_flags */
	uint16_t pad;
	uint32_t replace_seq; /* MsgSeqNum of the replace that gave it its ClOrdID "<run>-<seq>-R<n>"; 0: none */
	uint32_t pending_seq; /* MsgSeqNum of the replace on its way (RG_FIX_ORDER_REPLACE_PENDING) */
};

struct rg_fix_store_hdr {
	uint64_t magic;                          /* RG_FIX_STORE_MAGIC */
	uint32_t version;                        /* RG_FIX_STORE_VERSION */
	uint32_t hdr_size;                       /* sizeof(struct rg_fix_store_hdr) */
	uint32_t sent_cap;                       /* RG_FIX_STORE_SENT */
	uint32_t order_cap;                      /* RG_FIX_STORE_ORDERS */
	uint64_t next_out_seq;                   /* MsgSeqNum of the next message we send, >= 1 */
	uint64_t next_in_seq;                    /* MsgSeqNum expected next from the venue, >= 1 */
	uint64_t n_orders;                       /* occupied order slots */
	uint32_t run;                            /* current run, >= 1 (rg_fix_store_new_run) */
	uint32_t pad0;
	char sender[RG_FIX_COMP_ID_MAX + 1];     /* SenderCompID the store belongs to */
	char target[RG_FIX_COMP_ID_MAX + 1];     /* TargetCompID */
	uint8_t pad[256 - 56 - 2 * (RG_FIX_COMP_ID_MAX + 1)];
};

_Static_assert(sizeof(struct rg_fix_store_hdr) == 256, "store header is 256 bytes");
_Static_assert(sizeof(struct rg_fix_sent) == 24, "sent entry layout");
_Static_assert(sizeof(struct rg_fix_order) == 32, "order entry layout");

/* A process-local handle on an open store. */
struct rg_fix_store {
	int fd;                      /* the locked file; -1 when closed */
	size_t size;                 /* mapping length */
	struct rg_fix_store_hdr *hdr;
	struct rg_fix_sent *sent;    /* RG_FIX_STORE_SENT entries */
	struct rg_fix_order *orders; /* RG_FIX_STORE_ORDERS entries */
};

/*
 * Opens (creating with mode 0600 when absent) the store at `path` for the
 * session sender -> target, maps and locks it.  Returns 0, or -errno with
 * the cause and the path in err: -EBUSY another process holds it, -EBADMSG
 * not a store of this format, -EINVAL it belongs to another session.
 */
int rg_fix_store_open(struct rg_fix_store *st, const char *path, const char *sender, const char *target, char *err,
		      size_t errlen);

/* Unmaps (after msync) and unlocks; safe on a closed store. */
void rg_fix_store_close(struct rg_fix_store *st);

/* Starts a new run: run + 1, and the live-order table emptied.  Returns how
 * many orders of the previous run it forgot. */
uint64_t rg_fix_store_new_run(struct rg_fix_store *st);

/* Remembers that MsgSeqNum msg_seq carried a request of `kind` for engine_seq
 * (in the current run). */
void rg_fix_store_record_sent(struct rg_fix_store *st, uint64_t msg_seq, uint64_t engine_seq, uint8_t kind);

/* What MsgSeqNum msg_seq carried, or NULL (an admin message, or too old). */
const struct rg_fix_sent *rg_fix_store_sent(const struct rg_fix_store *st, uint64_t msg_seq);

/* The live order engine_seq, or NULL. */
struct rg_fix_order *rg_fix_store_order_find(struct rg_fix_store *st, uint64_t engine_seq);

/* A zeroed slot keyed engine_seq (the existing one if present), or NULL when
 * the table is 3/4 full. */
struct rg_fix_order *rg_fix_store_order_insert(struct rg_fix_store *st, uint64_t engine_seq);

/* Forgets an order returned by find/insert. */
void rg_fix_store_order_remove(struct rg_fix_store *st, struct rg_fix_order *o);

#endif /* RG_FIX_STORE_H */
