/*
 * Mass cancel: the engine cancels, on its own account, every live order in a
 * scope (the whole instance, one account, strategy, symbol or venue).  Used
 * when a kill is put in force (cancel_on_kill) and when a strategy's session
 * is lost (cancel-on-disconnect).
 */
#ifndef RG_MASS_CANCEL_H
#define RG_MASS_CANCEL_H

#include <stdint.h>

struct rg_engine;

enum rg_cancel_scope {
	RG_CANCEL_ALL = 0,      /* every live order; index ignored */
	RG_CANCEL_ACCOUNT = 1,  /* orders of every strategy of account `index` */
	RG_CANCEL_STRATEGY = 2, /* orders of strategy `index` */
	RG_CANCEL_SYMBOL = 3,   /* orders in symbol `index` */
	RG_CANCEL_VENUE = 4,    /* orders routed to venue `index` */
};

/*
 * Engine thread, cold.  An order still held in a venue's queue (never sent)
 * is dropped there: its reservation is released and its strategy gets
 * CANCELLED.  Every other live order gets a cancel request at its venue
 * (journaled as FORWARDED, as every request the engine sends); it
 * stays live until the venue confirms (the usual CANCELLED event), so a fill
 * racing the cancel is still counted.  A dry-run venue has nothing at the
 * venue to cancel.  Returns how many orders were dropped or sent a cancel.
 * A cancel the venue's request ring has no room for is not sent; *missed (may
 * be NULL) counts those, and a caller that wants them all calls again on a
 * later pass: a second cancel of an order is harmless (the venue refuses it).
 * Walks the whole route table: about a millisecond, never per order.
 */
unsigned rg_engine_cancel_where(struct rg_engine *e, enum rg_cancel_scope scope, uint32_t index, uint64_t now_ns,
				unsigned *missed);

/*
 * A mass cancel that some venue's request ring could not take whole is walked
 * again RG_CANCEL_RETRY_EVERY_NS later, and again, until every order in scope
 * has had its cancel, for as long as the venues keep taking cancels: it is
 * given up only when its walks found no room for any cancel for the config's
 * mass_cancel_stall_ms in a row (a venue that stays stuck cannot keep the
 * engine walking; one that drains slowly is walked to the end, however long
 * that takes on a busy machine).  A repeated walk sends cancels only to the
 * orders the walks before had no room for: one the venue has not yet
 * confirmed is not sent a second (a venue slower than the retry would see the
 * first cancels again and again, and the orders behind them none), and only
 * to orders older than the first walk: a kill lifted, or a dead-man halt
 * lifted, while the retry runs does not see the orders sent since cancelled.
 * Zeroed: nothing to retry.
 */
#define RG_CANCEL_RETRY_EVERY_NS 100000000ull

struct rg_cancel_retry {
	uint64_t next_ns;  /* when to walk again; 0 = nothing to retry */
	uint64_t last_seq; /* the newest engine sequence at the first walk: later orders are not walked for */
	uint64_t moved_ns; /* the first walk, or the last one that sent a cancel (or dropped a held order) */
	uint32_t index;
	uint32_t walks;    /* walks repeated so far */
	uint8_t scope;     /* enum rg_cancel_scope */
};

/* What a repeated walk leaves to do. */
enum rg_cancel_retry_step {
	RG_CANCEL_RETRY_DONE = 0,    /* every cancel sent: r is zeroed */
	RG_CANCEL_RETRY_AGAIN = 1,   /* walk again at r->next_ns */
	RG_CANCEL_RETRY_GIVE_UP = 2, /* no room for stall_ns: r is zeroed, the cancels unsent are abandoned */
};

/* The rule, apart from the walk: after a repeated walk at now_ns that sent
 * `sent` cancels (held orders dropped included) and found no room for
 * `not_sent`, counts the walk and says what follows.  A walk that sent
 * anything restarts the stall; one that sent nothing gives up once the last
 * that did (or the first walk) is stall_ns old. */
enum rg_cancel_retry_step rg_cancel_retry_next(struct rg_cancel_retry *r, unsigned sent, unsigned not_sent,
					       uint64_t stall_ns, uint64_t now_ns);

/* rg_engine_cancel_where as a new mass cancel: arms r (its own count of walks)
 * to walk again when a cancel was not sent, disarms it when every one was.  r
 * NULL: no retry to arm (the cancels not sent are counted abandoned).  A walk
 * with cancels not sent is logged with the venues whose ring was full.
 * Returns what rg_engine_cancel_where does. */
unsigned rg_engine_cancel_retrying(struct rg_engine *e, struct rg_cancel_retry *r, enum rg_cancel_scope scope,
				   uint32_t index, uint64_t now_ns, unsigned *missed);

/* On the engine's heartbeat tick: walks again when r is due, logs the walk
 * and counts it (mass_cancel_retries, and mass_cancel_abandoned when it gives
 * up: rg_cancel_retry_next). */
void rg_cancel_retry_tick(struct rg_engine *e, struct rg_cancel_retry *r, uint64_t now_ns);

#endif /* RG_MASS_CANCEL_H */
