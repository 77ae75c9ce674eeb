/*
 * A monitor's view of an instance: the control segment mapped read-only,
 * whether its engine is alive, and copies of what the engine keeps writing
 * (seqlocked risk view entries, relaxed counters).  riskctl and
 * riskgate-exporter read an instance only through this.
 *
 * Liveness is judged the same way everywhere: no segment, a closed one, or
 * one whose engine process is gone is ABSENT; a segment still being created
 * or an engine replaying its journal is STARTING; DRAINING is STOPPING; a
 * heartbeat older than RG_CTL_STALE_NS is NOT_RESPONDING.  A monitor must
 * not show an engine that is not RUNNING as if its numbers were current.
 */
#ifndef RG_CTL_READER_H
#define RG_CTL_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <riskgate/segment.h>

#define RG_CTL_STALE_NS 2000000000ull /* an engine heartbeat older than this: not responding */

enum rg_ctl_health {
	RG_HEALTH_RUNNING = 0,        /* RUNNING, heartbeat fresh */
	RG_HEALTH_ABSENT = 1,         /* no segment, closed, STOPPED, or the engine's process is gone */
	RG_HEALTH_NOT_RESPONDING = 2, /* RUNNING, but its heartbeat is older than RG_CTL_STALE_NS */
	RG_HEALTH_STARTING = 3,       /* being created, or STARTING (replaying its journal) */
	RG_HEALTH_STOPPING = 4,       /* DRAINING after SIGTERM */
	RG_HEALTH_UNREADABLE = 5,     /* permission denied, corrupt, or another ABI version */
};

/* riskctl's exit statuses (docs/operations.md, "riskctl exit statuses"). */
enum rg_riskctl_exit {
	RG_EXIT_OK = 0,
	RG_EXIT_FAILED = 1,          /* refused, failed, unreadable */
	RG_EXIT_USAGE = 2,
	RG_EXIT_NOT_CONFIRMED = 3,   /* written, but the engine did not confirm within --wait */
	RG_EXIT_NO_ENGINE = 4,       /* no engine runs on the instance */
	RG_EXIT_NOT_RESPONDING = 5,  /* the engine's heartbeat is stale (stuck, stopped or starved) */
	RG_EXIT_STARTING = 6,        /* the engine is starting: not yet taking orders */
	RG_EXIT_STOPPING = 7,        /* the engine is draining after SIGTERM */
	RG_EXIT_STILL_KILLED = 8,    /* resume: a kill from a Redis key still holds the scope */
};

struct rg_ctl_liveness {
	int health;                /* enum rg_ctl_health */
	uint32_t engine_state;     /* enum rg_engine_state (valid when attached) */
	int32_t pid;               /* the engine's pid, 0 when unknown */
	uint64_t heartbeat_age_ns; /* UINT64_MAX when unknown */
	uint64_t heartbeat_ns;     /* the engine's last heartbeat (CLOCK_MONOTONIC), 0 when none: a test waits
				    * for it to move on to know a heartbeat's work (risk view sweep) was done */
	char why[400];             /* one line for people: what is wrong, or "RUNNING" */
};

struct rg_ctl_reader {
	struct rg_seg_map map;
	const struct rg_seg_header *hdr;
	const struct rg_control *ctl;
	const struct rg_symbol_entry *symbols;
	bool attached;
};

/* The report-delivery and session-health counters (docs/operations.md
 * "Look"): one table for riskctl's text and JSON and the exporter. */
struct rg_ctl_counter {
	const char *key;   /* JSON key */
	const char *label; /* riskctl stats text */
	size_t offset;     /* of the uint64_t in struct rg_control */
};
extern const struct rg_ctl_counter rg_ctl_delivery_counters[];
extern const unsigned rg_ctl_n_delivery_counters;

/*
 * Maps the instance's control segment read-only and judges its engine.
 * Returns 0 when mapped (whatever the health: a STARTING or stuck engine's
 * segment can still be read), else -errno of the attach with live->why
 * saying what it means.  Close with rg_ctl_close either way.  Cold.
 */
int rg_ctl_open(struct rg_ctl_reader *r, const char *instance, struct rg_ctl_liveness *live);
void rg_ctl_close(struct rg_ctl_reader *r);

/* Judges the mapped engine again (its state and heartbeat now). */
void rg_ctl_liveness(const struct rg_ctl_reader *r, struct rg_ctl_liveness *live);

/* The riskctl exit status for a health (RG_EXIT_OK for RUNNING). */
int rg_ctl_health_exit(int health);

/* "RUNNING", "ABSENT", "NOT_RESPONDING", "STARTING", "STOPPING", "UNREADABLE". */
const char *rg_ctl_health_str(int health);

/* {"health": ..., "engine_state": ..., "pid": ..., "heartbeat_age_us": ..., "detail": ...}. */
json_t *rg_ctl_liveness_json(const struct rg_ctl_liveness *live);

/* Consistent copies of risk view entries (seqlocked). */
void rg_ctl_read_account(const struct rg_ctl_reader *r, uint32_t i, struct rg_account_view *out);
void rg_ctl_read_position(const struct rg_ctl_reader *r, uint32_t i, struct rg_position_view *out);

/* Valid entries of each table, bounded by its capacity. */
uint32_t rg_ctl_n_accounts(const struct rg_ctl_reader *r);
uint32_t rg_ctl_n_positions(const struct rg_ctl_reader *r);
uint32_t rg_ctl_n_strategies(const struct rg_ctl_reader *r);
uint32_t rg_ctl_n_venues(const struct rg_ctl_reader *r);
uint32_t rg_ctl_n_symbols(const struct rg_ctl_reader *r);

/* Each account's net notional (signed position x mark, summed over its
 * positions; x 10^8, exact, saturated to int64) into net[0 .. rg_ctl_n_accounts). */
void rg_ctl_net_notionals(const struct rg_ctl_reader *r, int64_t *net);

/* Copies a name field of the segment, NUL-terminated whatever it holds. */
static inline void rg_ctl_name(char out[RG_NAME_MAX], const char *field)
{
	memcpy(out, field, RG_NAME_MAX);
	out[RG_NAME_MAX - 1] = '\0';
}

/* Symbol id's name, or "?" for an id the table does not hold. */
const char *rg_ctl_symbol_name(const struct rg_ctl_reader *r, uint32_t id);

/* A copy of a histogram the engine keeps writing; count is made the sum
 * of the copied buckets, so cumulative buckets end exactly at count. */
void rg_ctl_read_histogram(const struct rg_histogram *live, struct rg_histogram *out);

/* Relaxed loads of single-writer words. */
static inline uint64_t rg_ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline uint32_t rg_ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline int32_t rg_ldi32(const int32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline uint8_t rg_ld8(const uint8_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The engine's CLOCK_MONOTONIC now (the clock of every *_mono_ns field). */
uint64_t rg_ctl_mono_ns(void);

const char *rg_ctl_engine_state_str(uint32_t state);
const char *rg_ctl_trading_state_str(uint32_t state);  /* ACTIVE, REDUCING, HALTED */
const char *rg_ctl_breaker_str(uint32_t state);        /* CLOSED, OPEN, HALF_OPEN */
const char *rg_ctl_venue_session_str(uint32_t state);  /* UNKNOWN, UP, DOWN */

/* Writes a scaled-by-10^8 integer as an exact decimal ("-12.5", "0.00000001"). */
void rg_format_e8(char *buf, size_t len, int64_t v);

/* "2024-05-01T12:00:00.123456Z" from CLOCK_REALTIME ns ("-" for 0). */
const char *rg_format_utc(char *buf, size_t len, uint64_t real_ns);

#endif /* RG_CTL_READER_H */
