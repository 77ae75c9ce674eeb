/*
 * Crash recovery of the risk state from the audit journal: the replay
 * callback rg_journal_recover hands the day's records to, what it rebuilt
 * (kills in force, orders whose venue state is unknown), and what the engine
 * does with that afterwards (re-apply kills to the kill segment, cancel the
 * unknown orders at their venue when it connects).
 *
 * What a replay rebuilds, record by record (docs/audit.md "Engine integration"):
 *   DECISION approved NEW    the open order with its reservation (risk state) and its route (engine),
 *                            the account's orders_today, the engine sequence
 *   DECISION approved CANCEL the target marked cancel-pending
 *   DECISION rejected after approval (VENUE_*): the engine sequence only (never sent: not in orders_today)
 *   VENUE_ACK / FILL / CANCELLED / VENUE_REJECT   through risk_events.h, as live: positions, realized PnL,
 *                            reservations released, throttle fills, breaker failures and successes
 *   ADAPTER_DISCONNECTED     a venue failure for the breaker
 *   STATE_CHANGE             operator trading states, loss latches, throttle latches, breakers (the recorded state)
 *   KILL / RESUME            the kills in force (struct rg_recovered_kills)
 *   POSITION / ACCOUNT / OPEN_ORDER snapshots   the state the day started with
 *   report_seq of DECISION, VENUE_ACK, FILL, CANCELLED, VENUE_REJECT and a strategy's NAME record
 *                            each session's report numbering, which continues where it stopped
 * Event times are the records' CLOCK_MONOTONIC stamps (never later than now), so windows (throttle, breaker
 * hour) come out as they were on the same boot.  Not rebuilt: rate limiters (they start full) and the
 * duplicate guard.
 *
 * With checkpoints on, the replay starts from the newest risk-state checkpoint that verifies
 * (risk_checkpoint.h: everything the table above rebuilds, this struct's counts and kills included) and
 * hands only the records after its anchor to rg_engine_replay; the checkpoint thread (checkpointer.h)
 * builds them with this same callback.  Anything this file starts to rebuild goes into the checkpoint's
 * walk (risk_checkpoint.c) too.
 */
#ifndef RG_ENGINE_RECOVERY_H
#define RG_ENGINE_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "journal.h"

struct rg_engine;
struct rg_kill_seg;

#define RG_RECOVERED_KILLS_MAX 128u

/* One kill in force at the end of the replay (the KILL record's fields). */
struct rg_recovered_kill {
	uint8_t scope;     /* enum rg_jscope (same numbers as enum rg_kill_scope_kind) */
	uint8_t source;    /* enum rg_jsource */
	uint32_t scope_id; /* index within the scope; 0 for the instance */
	uint32_t uid;
	int32_t pid;
	char reason[80];
};

struct rg_recovered_kills {
	uint32_t n;
	bool overflow; /* more kills than RG_RECOVERED_KILLS_MAX were in force: the rest are lost */
	struct rg_recovered_kill k[RG_RECOVERED_KILLS_MAX];
};

/* Applies one KILL (adds, or updates the kill of the same scope and source)
 * or RESUME record (lifts every kill at its scope) to *k; other records are
 * ignored.  The replay calls it for each; tests feed it records directly. */
void rg_recovered_kills_replay(struct rg_recovered_kills *k, const struct rg_jrec *rec);

/* What the replay found. */
struct rg_engine_recovery {
	struct rg_journal_recovery rec;  /* from rg_journal_recover */
	uint64_t seen;                   /* records replayed so far */
	uint64_t now_ns;                 /* CLOCK_MONOTONIC at start: replayed event times are clamped to it */
	uint64_t max_engine_seq;         /* the engine continues after this */
	uint32_t last_type;              /* type of the last record replayed (ENGINE_STOP: a clean stop) */
	uint64_t fills, decisions, ignored; /* counts, for the start-up line */
	uint64_t unknown;                /* live orders carried over: their venue state is unknown */
	bool cancel_due[RG_MAX_VENUES];  /* cancel_unknown_on_restart: cancel them when the venue connects */
	bool query_due[RG_MAX_VENUES];   /* the venue's adapter answers RG_VREQ_QUERY: ask it about them on connect */
	uint32_t unknown_ioc[RG_MAX_VENUES];   /* carried IOC/FOK orders at each venue: done there, outcome unknown */
	uint32_t unknown_replace[RG_MAX_VENUES]; /* carried replaces at each venue with no answer journaled */
	uint64_t unknown_expire_ns[RG_MAX_VENUES]; /* when to settle both (a grace after the venue connects); 0 = not set */
	struct rg_recovered_kills kills; /* kills in force at the end of the replay */
	uint64_t last_report_seq[RG_MAX_STRATEGIES]; /* each session's highest report number journaled: it continues after */
	/* checkpoints (risk_checkpoint.h) */
	bool ckpt_enabled;               /* journal.checkpoint_every_records != 0: load one at start */
	bool ckpt_quiet;                 /* the checkpoint thread's shadow: no log lines */
	uint8_t config_sha256[32];       /* SHA-256 of the config file: a checkpoint must have been taken with it */
	uint64_t ckpt_seq;               /* the checkpoint loaded covers the records below this; 0 = none */
	uint64_t ckpt_records;           /* records of the day file it covers */
	char ckpt_name[48];              /* its file name */
	struct rg_jbody_checkpoint ckpt_journal; /* it, as the start journals it (CHECKPOINT) */
	uint64_t ckpt_forged_seq;        /* a CHECKPOINT record replayed recorded another digest for it: its seq */
};

/* rg_journal_replay_fn: arg is the struct rg_engine. */
int rg_engine_replay(const struct rg_jrec *rec, void *arg);

/*
 * After the replay: rolls the day when the file was an earlier day's, sets
 * the engine sequence, and lists the carried live orders (venue state
 * unknown) on stderr, one line each.  Cold.
 */
void rg_engine_recovery_finish(struct rg_engine *e, uint64_t now_ns, uint64_t now_real_ns);

/* Appends the snapshots of what the engine carries (POSITION, ACCOUNT, OPEN_ORDER):
 * each day's file, and each start, begins with them.  Returns false when the ring refused one. */
bool rg_engine_journal_snapshots(struct rg_engine *e, uint64_t now_ns);

/*
 * Venue `venue` connected: once per start, for each carried order at that
 * venue, asks the adapter what became of it (RG_VREQ_QUERY with the leaves
 * the journal left, when the adapter can answer: its missed fills and end
 * then arrive as venue events) and, with cancel_unknown_on_restart, sends a
 * cancel and journals it; and sets the carried IOC/FOK orders there to be
 * taken as done RG_UNKNOWN_IOC_GRACE_NS later (rg_engine_recovery_tick).
 * Cold.
 */
void rg_engine_recovery_on_connect(struct rg_engine *e, uint16_t venue, uint64_t now_ns);

/*
 * An IOC or FOK order cannot rest at a venue: one carried over a crash with
 * no final report journaled is done there, only its fills are unknown.  Once
 * its venue has connected and had this long to report on it, it is taken as
 * done without a fill: journaled CANCELLED, its reservation released, its
 * strategy told CANCELLED, so orders nobody will ever hear of again do not
 * hold a strategy at MAX_OPEN_ORDERS (or its share of the journal) for the
 * day.  Its fills, if the venue made any, were lost with the crash: the
 * start listed it for reconciliation.
 */
#define RG_UNKNOWN_IOC_GRACE_NS 1000000000ull

/*
 * A replace carried over a crash with no answer journaled (the replacement
 * live beside its replace-pending target, both reserved) gets the same grace
 * after its venue connects: a venue that resends what it sent meanwhile
 * answers it.  Else its outcome is unknown, and it is settled as such:
 * journaled REPLACE_REJECT with `unknown` 1, the target keeping the larger of
 * the two reservations under its own id (rg_risk_on_replace_unknown), the
 * strategy told REPLACE_REJECTED with reason RG_REJ_REPLACE_OUTCOME_UNKNOWN,
 * the operator told in a log line to reconcile it.  When the target ended
 * meanwhile (a cancel_unknown_on_restart cancel), both reservations go.
 */

/* Heartbeat tick: takes due carried IOC/FOK orders as done and settles due
 * carried replaces.  Cold. */
void rg_engine_recovery_tick(struct rg_engine *e, uint64_t now_ns);

/*
 * Puts every kill of `kills` that `seg` lacks (same scope and source) back in
 * force with rg_kill_apply, keeping its reason; for the engine's kill segment
 * after a reboot wiped /dev/shm.  Sources: the journal's RISKCTL and REDIS are
 * the segment's RG_KSRC_RISKCTL and RG_KSRC_REDIS; every other source (signal,
 * dead man, engine, config) becomes RG_KSRC_RISKCTL, held until an operator
 * resumes, with the reason prefixed by the original source ("engine: ...").
 * Returns the number of kills applied (0: the segment had them all), or
 * -errno of the first failure with the cause in err.  Cold.
 */
int rg_recovered_kills_reapply(const struct rg_recovered_kills *kills, const struct rg_config *cfg,
			       struct rg_kill_seg *seg, char *err, size_t errlen);

#endif /* RG_ENGINE_RECOVERY_H */
