/*
 * Who may use how much of the journal ring: the order path's admission.
 *
 * Two rules keep every record that must be journaled from ever being refused,
 * and one strategy from taking the journal from the others:
 *
 *   - Owed records.  An order in flight can still produce records whatever
 *     happens to new orders: its ack, its last fill or its cancel, and now
 *     and then one more (a partial fill, the cancel a kill sends it, a
 *     refused cancel, its release from a venue's queue, its snapshot at the
 *     day roll).  Each live order (each route) counts RG_JSHARE_OWED_PER_ORDER
 *     records as owed from its approval until it is done, and an order is
 *     admitted only while the ring keeps room for every record owed, plus a
 *     reserve for records of no order (kills, state changes, connections,
 *     names) and for an order's records beyond its three.  Venue events never
 *     need admitting: the room they use was kept for them, and one that still
 *     finds none (the writer stopped) waits in its adapter's stash, engine.c,
 *     as a kill's cancels and a held order's release wait for room: a record
 *     of an order is never refused.
 *
 *   - Fair share.  Each session is guaranteed a share of the ring: half of it
 *     (less the reserve) divided among the sessions.  The other half is a
 *     pool any session may borrow from.  A session's use is the records it
 *     appended that the writer has not yet written (pending) plus those its
 *     live orders owe.  An order is admitted only if, after it, the free
 *     ring still holds the reserve, every record owed and what every other
 *     session has left of its share: so a strategy flooding the engine with
 *     malformed, rate-rejected or any other orders is refused
 *     AUDIT_BACKPRESSURE once it has used its share and the pool, and every
 *     other strategy still has its whole share.
 *
 * Pending counts are settled against the writer's `written` position with a
 * short list of marks per session (position reached, records appended up to
 * it), and free room is computed against the same position, so a stale view
 * errs on the side of refusing.  Everything is integer arithmetic on the
 * engine thread: no system call, no lock; settling reads `written` once.
 */
#ifndef RG_JOURNAL_SHARE_H
#define RG_JOURNAL_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "journal_ring.h"

/* Records kept for each live order (see above). */
#define RG_JSHARE_OWED_PER_ORDER 3u
/* Marks per session; when they run out the newest absorbs more (settled later). */
#define RG_JSHARE_MARKS 64u
#define RG_JSHARE_MARK_RECORDS 512u /* a mark takes records up to this many before a new one starts */

struct rg_jshare_mark {
	uint64_t end;   /* ring position just after the records it counts */
	uint64_t count; /* records of the session before `end` not yet settled */
};

struct rg_jshare_session {
	uint64_t share;   /* records guaranteed to the session */
	uint64_t pending; /* records it appended that are not known to be written */
	uint64_t owed;    /* records its live orders may still produce */
	uint32_t mark_head, mark_tail;
	struct rg_jshare_mark marks[RG_JSHARE_MARKS];
};

struct rg_jshare {
	uint64_t capacity;     /* records in the ring */
	uint64_t reserve;      /* kept for records of no session */
	uint64_t owed_total;   /* records every live order may still produce */
	uint64_t unused_total; /* sum over sessions of what is left of their share */
	uint64_t written;      /* the writer position pending counts and free room are settled against */
	uint32_t n;
	struct rg_jshare_session s[RG_MAX_STRATEGIES];
};

/* Shares for n sessions of a ring of `capacity` records with `reserve` kept;
 * `written` is the writer's position now.  Cold. */
void rg_jshare_init(struct rg_jshare *sh, uint64_t capacity, uint64_t reserve, uint32_t n, uint64_t written);

/* Settles pending counts against the writer's position (one acquire load). */
void rg_jshare_settle(struct rg_jshare *sh, struct rg_journal *j);

static inline uint64_t _rg_jshare_unused(const struct rg_jshare_session *s)
{
	uint64_t used = s->pending + s->owed;

	return s->share > used ? s->share - used : 0;
}

/* Internal: sets session i's pending and owed, keeping unused_total. */
static inline void _rg_jshare_set(struct rg_jshare *sh, uint32_t i, uint64_t pending, uint64_t owed)
{
	struct rg_jshare_session *s = &sh->s[i];
	uint64_t before = _rg_jshare_unused(s);

	s->pending = pending;
	s->owed = owed;
	sh->unused_total = sh->unused_total - before + _rg_jshare_unused(s);
}

/* What session i uses of the ring: pending plus owed records. */
static inline uint64_t rg_jshare_used(const struct rg_jshare *sh, uint32_t i)
{
	return sh->s[i].pending + sh->s[i].owed;
}

/*
 * May session i append `need` records now, and have `owe` more owed (a new
 * order that may go live)?  Settles once and looks again before saying no.
 * Hot path.
 *
 * The rule: after it, the free ring still holds the reserve, every record
 * owed, what every other session has left of its share and what this one
 * has left of its own: free >= d + reserve + owed_total + (unused_total -
 * unused_i) + max(0, unused_i - d), with d = need + owe and unused_i what
 * session i has left before it.  As d - unused_i + max(0, unused_i - d) =
 * max(0, d - unused_i), that is free >= reserve + owed_total + unused_total
 * + max(0, d - unused_i): within its unused share a session is admitted
 * while the ring holds everything guaranteed, beyond it only from the pool.
 */
static inline bool rg_jshare_admit(struct rg_jshare *sh, struct rg_journal *j, uint32_t i, uint64_t need,
				   uint64_t owe)
{
	for (int settled = 0;; settled++) {
		uint64_t in_ring = j->shared->head - sh->written;
		uint64_t free = in_ring < sh->capacity ? sh->capacity - in_ring : 0;
		uint64_t d = need + owe, mine = _rg_jshare_unused(&sh->s[i]);

		if (free >= sh->reserve + sh->owed_total + sh->unused_total + (d > mine ? d - mine : 0))
			return true;
		if (settled)
			return false;
		rg_jshare_settle(sh, j);
	}
}

/*
 * A burst of one session's messages admitted at once (engine.c, poll_session):
 * rg_jshare_burst_begin asks rg_jshare_admit for the whole burst's records
 * and owed records together; while what the burst has appended and made owed
 * since then, plus the next message's, stays within that (rg_jshare_burst_covers),
 * the next message would have been admitted on its own too, and is, without a
 * look of its own.  Why: admission asks free >= T + max(d, share - used),
 * where T is the reserve, every record owed and the other sessions' unused
 * shares, and d the message's records and owed records.  Appending a record
 * takes one from free; an order of the session going live or done moves T
 * and `used` alike; the session's orders' records are charged at the burst's
 * end, so its pending does not move; an order of another session that is
 * done (a self-match cancel) lowers T or leaves it.  So free0 >= T0 +
 * max(D, share - used0) for the burst's D implies every message's admission
 * while the appended records, the change of the session's owed records and
 * the next message's d add up to no more than D.  A message the burst does
 * not cover (the burst was refused, or a message appended more than it
 * asked for) is charged what the burst appended so far and admitted on its
 * own, as if no burst had been asked: the outcome is always the one message-
 * by-message admission gives.  The engine saves two admissions' and charges'
 * arithmetic per message (about 90 instructions).
 */
struct rg_jshare_burst {
	uint64_t head;                       /* ring position from which the burst's records are not yet charged */
	uint64_t limit;                      /* ring head + the session's owed records may reach this (0: refused) */
	const struct rg_jshare_session *ses; /* the session's counts */
	uint32_t i;                          /* the session */
};

/* Session i appended `n` records, the last of them just before ring position
 * `end`. */
static inline void rg_jshare_charge(struct rg_jshare *sh, uint32_t i, uint64_t n, uint64_t end)
{
	struct rg_jshare_session *s = &sh->s[i];

	uint64_t mine;

	if (n == 0)
		return;
	/* What it has left of its share shrinks by n, down to 0: max(0, share -
	 * used - n) = max(0, max(0, share - used) - n), so unused_total moves by
	 * the part of n its unused share covered (_rg_jshare_set's outcome,
	 * with one look at the share instead of two). */
	mine = _rg_jshare_unused(s);
	sh->unused_total -= mine < n ? mine : n;
	s->pending += n;
	if (s->mark_head != s->mark_tail) {
		struct rg_jshare_mark *last = &s->marks[(s->mark_head - 1) % RG_JSHARE_MARKS];
		if (last->count < RG_JSHARE_MARK_RECORDS || s->mark_head - s->mark_tail == RG_JSHARE_MARKS) {
			last->end = end;
			last->count += n;
			return;
		}
	}
	s->marks[s->mark_head % RG_JSHARE_MARKS] = (struct rg_jshare_mark){end, n};
	s->mark_head++;
}

/* An order of session i went live (a route was added): it owes its records. */
static inline void rg_jshare_order_live(struct rg_jshare *sh, uint32_t i)
{
	sh->owed_total += RG_JSHARE_OWED_PER_ORDER;
	_rg_jshare_set(sh, i, sh->s[i].pending, sh->s[i].owed + RG_JSHARE_OWED_PER_ORDER);
}

/* An order of session i is done (its route went): it owes nothing more. */
static inline void rg_jshare_order_done(struct rg_jshare *sh, uint32_t i)
{
	uint64_t owed = sh->s[i].owed >= RG_JSHARE_OWED_PER_ORDER ? sh->s[i].owed - RG_JSHARE_OWED_PER_ORDER : 0;

	sh->owed_total -= sh->s[i].owed - owed;
	_rg_jshare_set(sh, i, sh->s[i].pending, owed);
}

/* Starts the burst of session i that may append `need` records and make
 * `owe` more owed in all; true when it is admitted whole.  `ask`: false
 * starts it refused, for a burst of one message (admitted alone). */
static inline bool rg_jshare_burst_begin(struct rg_jshare *sh, struct rg_journal *j, uint32_t i, uint64_t need,
					 uint64_t owe, bool ask, struct rg_jshare_burst *b)
{
	b->i = i;
	b->ses = &sh->s[i];
	b->head = rg_journal_next_seq(j);
	b->limit = 0;
	if (!ask || !rg_jshare_admit(sh, j, i, need, owe))
		return false;
	b->limit = b->head + b->ses->owed + need + owe;
	return true;
}

/* True when the burst's admission covers one more message that may append
 * `need` records and make `owe` more owed; else the caller charges the burst
 * (rg_jshare_burst_charge) and admits the message alone (rg_jshare_admit). */
static inline bool rg_jshare_burst_covers(const struct rg_journal *j, const struct rg_jshare_burst *b, uint64_t need,
					  uint64_t owe)
{
	/* (a refused burst, or a burst of one, covers nothing: no look at the ring) */
	return b->limit != 0 && rg_journal_next_seq(j) + b->ses->owed + need + owe <= b->limit;
}

/* Charges the session what the burst appended since its start or the last
 * charge: before a message is admitted alone, and at the burst's end. */
static inline void rg_jshare_burst_charge(struct rg_jshare *sh, const struct rg_journal *j, struct rg_jshare_burst *b)
{
	uint64_t end = rg_journal_next_seq(j);

	if (end == b->head)
		return;
	rg_jshare_charge(sh, b->i, end - b->head, end);
	b->head = end;
}

#endif /* RG_JOURNAL_SHARE_H */
