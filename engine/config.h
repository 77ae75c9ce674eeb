/*
 * riskgate configuration model: what a JSON config file (docs/config.md)
 * becomes once engine/config.c has parsed and validated it.  Every value is
 * an integer in the unit its name says; nothing here is floating point.
 *
 * Units:
 *   *_e8        price, quantity or money times 10^8 (RG_PRICE_SCALE, RG_QTY_SCALE)
 *   *_bps       basis points: 10000 = 100 %
 *   *_ns        nanoseconds
 * A limit of 0 means "no limit" unless its comment says otherwise.
 *
 * A struct rg_config is built on the cold path and never changed once the
 * engine uses it; a reload builds a new one and swaps it in.
 */
#ifndef RG_ENGINE_CONFIG_H
#define RG_ENGINE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <riskgate/abi.h>

#define RG_MAX_ACCOUNTS 64
#define RG_MAX_STRATEGIES 64
#define RG_MAX_VENUES 16
#define RG_MAX_VENUE_BUCKETS 4
#define RG_VENUE_RATE_MAX_COUNT 1000000u /* a window limit keeps every send time of its count */
#define RG_PATH_MAX 256

/* Trading state of the instance, an account, a strategy or a symbol. */
enum rg_trading_state {
	RG_STATE_ACTIVE = 0,   /* every check applies */
	RG_STATE_REDUCING = 1, /* only orders that reduce the position pass */
	RG_STATE_HALTED = 2,   /* nothing new passes; cancels still do */
};

enum rg_idle_policy {
	RG_IDLE_SPIN = 0,       /* busy-poll forever: production on a dedicated core */
	RG_IDLE_SPIN_YIELD = 1, /* spin a while, then sched_yield */
	RG_IDLE_SPIN_SLEEP = 2, /* spin a while, then sleep on the rings' doorbells (idle.h): shared machines, tests */
};

enum rg_venue_kind {
	RG_VENUE_SIM = 0, /* the paper exchange in adapters/sim */
	RG_VENUE_FIX = 1, /* FIX 4.4 initiator in adapters/fix */
	RG_VENUE_REST = 2, /* Binance-style spot REST + WebSocket user stream in adapters/rest */
};

/* What the engine does with an approved order when the venue has no token. */
enum rg_throttle_policy {
	RG_THROTTLE_REJECT = 0, /* reject with VENUE_THROTTLED */
	RG_THROTTLE_QUEUE = 1,  /* hold in a bounded per-venue queue */
};

/* How a rate limit counts (a strategy's; a venue's limits are always windows). */
enum rg_rate_kind {
	RG_RATE_WINDOW = 0, /* at most `count` in any sliding window of `window_ns` (the default) */
	RG_RATE_BUCKET = 1, /* a token bucket (GCRA): `count` back to back, then one per window / count */
};

/* A rate limit: at most `count` events per `window_ns`. */
struct rg_rate_limit {
	uint32_t count;     /* events allowed per window; 0 = unlimited */
	uint32_t kind;      /* enum rg_rate_kind */
	uint64_t window_ns; /* window length, > 0 when count > 0 */
};

struct rg_symbol_cfg {
	char name[RG_NAME_MAX];          /* e.g. "AAPL" */
	uint16_t venue;                  /* index into rg_config.venues */
	bool enabled;                    /* false: SYMBOL_DISABLED */
	bool market_allowed;             /* market orders accepted */
	int64_t tick_e8;                 /* price increment (> 0) */
	int64_t lot_e8;                  /* quantity increment (> 0) */
	int64_t min_qty_e8;              /* smallest order quantity (>= lot) */
	int64_t max_qty_e8;              /* largest order quantity (structural range) */
	int64_t min_price_e8;            /* lowest acceptable limit price (> 0) */
	int64_t max_price_e8;            /* highest acceptable limit price */
	int64_t max_order_qty_e8;        /* size check: maximum order quantity; 0 = none */
	int64_t min_notional_e8;         /* size check: minimum order notional; 0 = none */
	int64_t max_notional_e8;         /* size check: maximum order notional; 0 = none */
	uint32_t collar_bps;             /* limit price within +/- this of the reference; 0 = no collar */
	int64_t max_position_qty_e8;     /* |position + open orders on the side| limit; 0 = none */
	int64_t max_position_notional_e8; /* same, valued at the reference price; 0 = none */
	int64_t reference_price_e8;      /* initial reference price; 0 = none until a venue publishes one */
	uint8_t hours;                   /* trading hours: index + 1 into rg_config.hours; 0 = its venue's */
};

/* Trading hours (engine/trading_hours.h): a named schedule venues and
 * symbols refer to.  Outside it new orders are refused MARKET_CLOSED. */
#define RG_MAX_HOURS 16
#define RG_HOURS_MAX_SESSIONS 4
#define RG_HOURS_MAX_CLOSED 64
struct rg_hours_cfg {
	char name[RG_NAME_MAX];
	char time_zone[64];              /* IANA name, read from /usr/share/zoneinfo (package tzdata) */
	uint8_t days;                    /* bit d set: local weekday d trades (0 = Sunday .. 6 = Saturday) */
	uint8_t n_sessions;
	uint16_t open_min[RG_HOURS_MAX_SESSIONS];  /* minutes after local midnight */
	uint16_t close_min[RG_HOURS_MAX_SESSIONS]; /* > open: a session is [open, close) */
	uint16_t n_closed;
	int32_t closed[RG_HOURS_MAX_CLOSED];       /* local dates with no trading, days since 1970-01-01 */
};

/* Self-match prevention: what an order that would cross a resting order of
 * its account (or self-match group) gets (engine/self_match.h). */
enum rg_smp_mode {
	RG_SMP_OFF = 0,
	RG_SMP_REJECT_NEW = 1,     /* the new order is refused SELF_MATCH */
	RG_SMP_CANCEL_RESTING = 2, /* the resting orders it would cross are cancelled; it goes */
	RG_SMP_CANCEL_BOTH = 3,    /* both: the resting ones cancelled, the new one refused */
};

/* "order_to_trade": {"ratio", "floor", "action"} (engine/order_to_trade.h). */
struct rg_otr_cfg {
	uint32_t ratio;                  /* messages per fill; 0 = off */
	uint32_t floor;                  /* messages a day always allowed */
	uint8_t action;                  /* enum rg_otr_action: reject, reducing, halted */
};

struct rg_account_cfg {
	char name[RG_NAME_MAX];
	int64_t equity_e8;               /* start-of-day equity (> 0) */
	int64_t min_notional_e8;         /* per-account minimum order notional; 0 = none */
	int64_t max_notional_e8;         /* per-account maximum order notional; 0 = none */
	uint32_t max_position_equity_bps; /* one symbol's exposure as a fraction of equity; 0 = none */
	uint32_t max_gross_equity_bps;   /* gross exposure (sum of |positions| and open orders) / equity; 0 = none */
	int64_t daily_loss_limit_e8;     /* realized + unrealized loss at which the account stops; 0 = none */
	uint32_t daily_loss_bps;         /* same as a fraction of start-of-day equity; 0 = none */
	uint32_t drawdown_bps;           /* drop from the day's equity peak, fraction of start-of-day equity; 0 = none */
	uint8_t loss_state;              /* enum rg_trading_state to enter on a loss/drawdown breach: REDUCING or HALTED */
	uint32_t max_orders_per_day;     /* new orders per trading day; 0 = none */
	bool all_symbols;                /* true: every symbol permitted */
	uint32_t n_permitted;            /* when !all_symbols: entries in permitted[] */
	uint32_t *permitted;             /* when !all_symbols: permitted symbol indexes (owned by the config) */
	uint8_t self_match;              /* enum rg_smp_mode */
	char self_match_group[RG_NAME_MAX]; /* "" = the account alone; accounts of one group must not meet */
	struct rg_otr_cfg otr;           /* "order_to_trade" */
	int64_t venue_credit_e8[RG_MAX_VENUES]; /* "venue_credit": open + filled notional cap per venue; 0 = none */
};

struct rg_strategy_cfg {
	char name[RG_NAME_MAX];          /* session segment name */
	uint16_t account;                /* index into rg_config.accounts */
	uid_t owner_uid;                 /* owner of its session segment; (uid_t)-1 = the engine's */
	gid_t owner_gid;                 /* group of its session segment; (gid_t)-1 = the engine's */
	mode_t mode;                     /* permission bits of its session segment, e.g. 0600 */
	uint32_t order_ring_capacity;    /* slots, power of two */
	uint32_t report_ring_capacity;   /* slots, power of two */
	struct rg_rate_limit order_rate;   /* new orders per window (GCRA) */
	struct rg_rate_limit message_rate; /* new + cancel + replace per window */
	struct rg_rate_limit modify_rate;  /* replaces per window (GCRA; MODIFY_RATE); count 0 = unlimited */
	uint32_t exec_throttle_fills;    /* fills within exec_throttle_window_ns that halt (latched); 0 = off */
	uint64_t exec_throttle_window_ns;
	uint64_t duplicate_window_ns;    /* identical new order within this window is rejected; 0 = off */
	uint32_t max_open_orders;        /* live orders it may hold (MAX_OPEN_ORDERS beyond); 0 = 4096 */
	uint64_t dead_man_timeout_ns;    /* "dead_man.timeout_ms": heartbeat older than this halts it; 0 = off */
	bool dead_man_cancel;            /* "dead_man.cancel_orders": and cancels its open orders */
	struct rg_otr_cfg otr;           /* "order_to_trade" */
};

struct rg_venue_cfg {
	char name[RG_NAME_MAX];
	uint8_t kind;                    /* enum rg_venue_kind */
	bool dry_run;                    /* decided and journaled, never sent */
	uint8_t throttle_policy;         /* enum rg_throttle_policy */
	uint32_t queue_capacity;         /* RG_THROTTLE_QUEUE: bounded queue length */
	uint8_t hours;                   /* trading hours: index + 1 into rg_config.hours; 0 = always open */
	uint32_t n_buckets;
	struct rg_rate_limit buckets[RG_MAX_VENUE_BUCKETS]; /* all must have a token to send */
	uint64_t rate_margin_ns;         /* jitter allowance: each bucket's window is lengthened by this
					  * so the venue, which counts on arrival, never sees more */
	uint32_t breaker_consecutive;    /* consecutive failures that open the breaker; 0 = off */
	uint32_t breaker_per_hour;       /* failures within the last hour that open it; 0 = off */
	uint64_t breaker_recovery_ns;    /* open -> half-open after this */
	char credentials_file[RG_PATH_MAX]; /* path of the secrets file, "" = none; contents never in config */
	/* sim adapter */
	uint64_t sim_seed;               /* random-walk seed */
	uint32_t sim_reject_pct;         /* share of new orders the sim venue rejects (failure injection) */
	uint64_t sim_disconnect_every_ns; /* drop the session this often; 0 = never */
	uint64_t sim_disconnect_for_ns;  /* and stay down this long */
	uint64_t sim_delay_ns;           /* every request is handled this long after it arrives */
	uint32_t sim_half_spread_ticks;  /* marketable orders fill this many ticks through the reference */
	char sim_receive_log[RG_PATH_MAX]; /* "" or a file getting "<recv_ns> <engine_seq> <client_order_id> <sent_ns>" per new order */
	char sim_market_file[RG_PATH_MAX]; /* "" or the scripted market: "SYMBOL PRICE" / "SYMBOL walk" lines (sim_market.h) */
	char sim_hold_file[RG_PATH_MAX];   /* "" or a path: while it exists the sim takes no request from its ring (tests) */
	/* fix adapter (docs/adapters.md): the venue's JSON object "fix" */
	char fix_host[128];              /* "host": venue address, name or literal; required */
	uint16_t fix_port;               /* "port": 1..65535; required */
	char fix_sender_comp_id[33];     /* "sender_comp_id": SenderCompID (49), 1..32 bytes; required */
	char fix_target_comp_id[33];     /* "target_comp_id": TargetCompID (56), 1..32 bytes; required */
	uint32_t fix_heartbeat_s;        /* "heartbeat_s": HeartBtInt (108), seconds; 0 = 30 */
	char fix_store_path[RG_PATH_MAX]; /* "store": session store file (sequence numbers, live orders); required */
	uint64_t fix_reconnect_min_ns;   /* "reconnect_min_ms": first reconnect delay, doubling; 0 = 500 ms */
	uint64_t fix_reconnect_max_ns;   /* "reconnect_max_ms": ceiling of the reconnect delay; 0 = 30 s */
	/* Without credentials_file, the Logon's Username/Password come from these
	 * environment variables ("username_env", "password_env"), which must then
	 * be set; "" = RG_FIX_USERNAME / RG_FIX_PASSWORD if set.  Names, never values. */
	char fix_username_env[64];
	char fix_password_env[64];
	/* rest adapter (docs/adapters.md): the venue's JSON object "rest" */
	char rest_base_url[192];         /* "base_url": https://host[:port], no path; required */
	char rest_ws_url[192];           /* "ws_url": wss://host[:port]/path of the user-data stream; required */
	char rest_ca_file[RG_PATH_MAX];  /* "ca_file": CA bundle that verifies the venue; "" = the system's */
	char rest_api_key_header[48];    /* "api_key_header": header carrying the API key; "" = X-MBX-APIKEY */
	char rest_client_id_prefix[12];  /* "client_id_prefix": newClientOrderId = <prefix>-<engine_seq>; "" = rg */
	uint32_t rest_recv_window_ms;    /* "recv_window_ms": the signed requests' recvWindow; 0 = 5000 */
	uint64_t rest_timeout_ns;        /* "timeout_ms": a request without an answer by then is in doubt; 0 = 10 s */
	uint32_t rest_max_in_flight;     /* "max_in_flight": requests at the venue at once; 0 = 16 */
	uint32_t rest_weight_limit;      /* "request_weight.count": the venue's weight budget; 0 = not watched */
	uint64_t rest_weight_window_ns;  /* "request_weight.per_ms": its window (a used-weight header's interval) */
	uint32_t rest_weight_reserve;    /* "request_weight.reserve": weight kept for cancels and queries */
	bool rest_cancel_replace;        /* "cancel_replace": the venue has POST /api/v3/order/cancelReplace */
	uint64_t rest_keepalive_ns;      /* "listen_key_keepalive_s": PUT of the listen key this often; 0 = 30 min */
	uint64_t rest_reconnect_min_ns;  /* "reconnect_min_ms": first reconnect delay, doubling; 0 = 500 ms */
	uint64_t rest_reconnect_max_ns;  /* "reconnect_max_ms": ceiling of the reconnect delay; 0 = 30 s */
	/* Without credentials_file, the API key and secret come from these
	 * environment variables ("api_key_env", "api_secret_env"), which must
	 * then be set; "" = RG_REST_API_KEY / RG_REST_API_SECRET.  Names, never values. */
	char rest_api_key_env[64];
	char rest_api_secret_env[64];
};

struct rg_redis_cfg {
	bool enabled;
	char host[128];
	uint16_t port;
	char key[64];                    /* kill key, default "emergency_stop"; scoped: "<key>:strategy:S" */
	char channel[64];                /* kill channel */
	uint32_t poll_interval_ms;
	char user[64];                   /* ACL user, "" = the default user (AUTH with the password only) */
	char password_file[RG_PATH_MAX]; /* secrets file; or RG_REDIS_PASSWORD in the environment */
	bool halt_on_loss;               /* on_redis_loss: false = keep, true = halt */
	uint32_t loss_grace_ms;
	uint32_t reconnect_min_ms;       /* first reconnect delay, doubling (with jitter) */
	uint32_t reconnect_max_ms;       /* ceiling of the reconnect delay */
	int core;                        /* CPU the watcher thread is pinned to; -1 = unpinned */
};

/* The kill segment "/rg.<instance>.kill" (engine/control/kill_segment.h). */
struct rg_operators_cfg {
	gid_t gid;                       /* its group: the operators who may write it; (gid_t)-1 = the engine's */
	mode_t mode;                     /* its permission bits, default 0660; never writable by others */
};

/* The audit journal (engine/journal, docs/audit.md): "journal" in the config. */
#define RG_JOURNAL_CORE_AUTO (-2) /* the core that is not the engine's: 1 when engine.core is 0, else 0 */
struct rg_journal_cfg {
	char dir[RG_PATH_MAX];           /* day files; default /var/tmp/riskgate/<instance>/journal (created) */
	uint32_t retention_days;         /* day files kept, today included; 0 = keep all */
	uint64_t fsync_interval_ns;      /* fdatasync at most this long after a write (default 1 s) */
	uint32_t ring_capacity;          /* records in the shared-memory ring, power of two (default 65536) */
	int core;                        /* writer thread's CPU; -1 = unpinned; never the engine's core */
	bool cancel_unknown_on_restart;  /* orders left open by a crash are cancelled at the venue on connect */
	uint64_t checkpoint_every_records; /* a risk-state checkpoint after this many records (default 500 000); 0 = none */
	uint64_t checkpoint_interval_ns; /* and this long after the last one when records came (default 60 s); 0 = by count */
};

struct rg_config {
	char instance[RG_NAME_MAX];
	int engine_core;                 /* CPU the hot thread is pinned to; -1 = unpinned */
	uint8_t idle_policy;             /* enum rg_idle_policy */
	uint32_t warm_interval_us;       /* idle: a warm pass of the order path this often (path_warmer.h); 0 = off */
	bool lock_memory;                /* mlock segments and the engine's memory */
	mode_t control_mode;             /* permission bits of the control segment, e.g. 0644 */
	gid_t control_gid;               /* group of the control segment; (gid_t)-1 = the engine's */
	uint32_t day_start_utc_s;        /* trading day starts this many seconds after 00:00 UTC */
	uint64_t reference_max_age_ns;   /* older reference prices are stale; 0 = never stale */
	int64_t global_gross_limit_e8;   /* gross exposure across all accounts; 0 = none */
	uint32_t n_accounts, n_strategies, n_venues, n_symbols;
	struct rg_account_cfg accounts[RG_MAX_ACCOUNTS];
	struct rg_strategy_cfg strategies[RG_MAX_STRATEGIES];
	struct rg_venue_cfg venues[RG_MAX_VENUES];
	struct rg_symbol_cfg *symbols;   /* n_symbols entries (owned by the config) */
	struct rg_redis_cfg redis;
	struct rg_operators_cfg operators;
	bool cancel_on_kill;             /* a kill cancels every open order in its scope (default true) */
	uint64_t mass_cancel_stall_ns;   /* a mass cancel's walks again give up after this long without room (5 s) */
	struct rg_journal_cfg journal;
	uint32_t n_hours;
	struct rg_hours_cfg hours[RG_MAX_HOURS]; /* "trading_hours": the named schedules */
};

/* Error from loading a config: the JSON path of the fault and why. */
struct rg_config_error {
	char path[256];    /* e.g. "$.symbols[2].tick" or "$" for file-level errors */
	char message[256]; /* e.g. "must be a positive multiple of 0.00000001" */
	int line;          /* line in the file, 0 when unknown */
};

/*
 * Loads and validates the JSON config at `file` into *cfg.  Returns 0, or
 * -errno: -ENOENT/-EACCES for the file, -EINVAL for any content error, with
 * the JSON path and a message in *err.  On failure *cfg holds nothing to free.
 * Cold path; allocates.
 */
int rg_config_load_file(struct rg_config *cfg, const char *file, struct rg_config_error *err);

/*
 * Opens a config file for reading as the loader does: a regular file owned by
 * the engine's user or root and writable by nobody else (never a FIFO, which
 * would block).  Returns the descriptor or -errno with the cause in err.  For
 * whoever reads the file again (its SHA-256 for the journal).
 */
int rg_config_open_file(const char *file, char *err, size_t errlen);

/* Same, from a NUL-terminated JSON text (for tests and the fuzzer). */
int rg_config_load_string(struct rg_config *cfg, const char *json, struct rg_config_error *err);

/* Frees what a loaded config owns; safe on a zeroed config. */
void rg_config_free(struct rg_config *cfg);

/* Index of the named symbol/account/venue/strategy, or -1. */
int rg_config_symbol_index(const struct rg_config *cfg, const char *name);
int rg_config_account_index(const struct rg_config *cfg, const char *name);
int rg_config_venue_index(const struct rg_config *cfg, const char *name);
int rg_config_strategy_index(const struct rg_config *cfg, const char *name);

#endif /* RG_ENGINE_CONFIG_H */
