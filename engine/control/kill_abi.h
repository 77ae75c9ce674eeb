/*
 * The kill segment "/rg.<instance>.kill": its byte layout.  kill_segment.h is
 * the API over it; docs/operations.md says how operators use it.
 *
 * Who writes what:
 *   header               the creator (the engine), once, magic last (release)
 *   generation + body    writers (riskctl, the Redis watcher), one at a time
 *                        under an OFD write lock on the file, as a seqlock:
 *                        generation odd while a write is in progress, even
 *                        when the body (kills[], cmds[], n_kills, cmd_head)
 *                        is consistent
 *   engine line          the engine: commands done, the generation it applied
 *   results[]            the engine: the outcome of each command
 *   roster               whoever holds the writer lock (the engine at start
 *                        and reload): the names riskctl checks scopes against
 *   redis                the Redis watcher, under its own sequence word
 *
 * Every word that changes after creation is read and written with atomic
 * builtins (acquire loads, release stores), so a copy is never a data race.
 * All integers little-endian, naturally aligned; the asserts pin every offset.
 */
#ifndef RG_KILL_ABI_H
#define RG_KILL_ABI_H

#include <stddef.h>
#include <stdint.h>

#include <riskgate/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_KILL_MAGIC 0x00004c4c494b4752ULL /* "RGKILL\0\0" little-endian */
#define RG_KILL_ABI_VERSION 1u
#define RG_KILL_NAME_MAX 32u     /* scope names, as RG_NAME_MAX */
#define RG_KILL_REASON_MAX 128u  /* reason text, NUL included */
#define RG_KILL_MAX 256u         /* kill entries */
#define RG_KILL_INSTANCE_RESERVE 8u /* entries only instance-wide kills may take */
#define RG_KILL_CMD_MAX 64u      /* commands the engine has not yet taken */
#define RG_KILL_PATH_MAX 256u    /* reload: config path */
#define RG_KILL_MSG_MAX 168u     /* command result text */
#define RG_KILL_ROSTER_ACCOUNTS 64u
#define RG_KILL_ROSTER_STRATEGIES 64u
#define RG_KILL_ROSTER_VENUES 16u
#define RG_KILL_ERROR_MAX 128u   /* Redis status: last error */

/* What a kill entry or command applies to. */
enum rg_kill_scope_kind {
	RG_SCOPE_INSTANCE = 1,
	RG_SCOPE_ACCOUNT = 2,
	RG_SCOPE_STRATEGY = 3,
	RG_SCOPE_SYMBOL = 4,
	RG_SCOPE_VENUE = 5,
};

/* Who wrote a kill entry. */
enum rg_kill_source {
	RG_KSRC_RISKCTL = 1,       /* an operator on the host */
	RG_KSRC_REDIS = 2,         /* a Redis key: present while the key is set */
	RG_KSRC_REDIS_PUBLISH = 3, /* a message on the Redis channel: held until resumed */
	RG_KSRC_REDIS_LOSS = 4,    /* on_redis_loss halt: held until an operator resumes */
};
#define RG_KSRC_MASK(src) (1u << (src))
#define RG_KSRC_ALL (RG_KSRC_MASK(RG_KSRC_RISKCTL) | RG_KSRC_MASK(RG_KSRC_REDIS) | \
		     RG_KSRC_MASK(RG_KSRC_REDIS_PUBLISH) | RG_KSRC_MASK(RG_KSRC_REDIS_LOSS))

/* Operators' requests, taken by the engine once each. */
enum rg_kill_cmd_kind {
	RG_KCMD_SET_STATE = 1,       /* scope instance/account/strategy/symbol, state: enum rg_trading_state */
	RG_KCMD_RESUME_THROTTLE = 2, /* scope strategy: lift its latched execution throttle */
	RG_KCMD_RESET_BREAKER = 3,   /* scope venue: close its circuit breaker */
	RG_KCMD_SET_REFERENCE = 4,   /* scope symbol, price_e8 */
	RG_KCMD_RELOAD = 5,          /* path: the config to load ("" = the engine's own file) */
};

/* One kill in force. */
struct rg_kill_entry {
	uint8_t scope;                  /* enum rg_kill_scope_kind */
	uint8_t source;                 /* enum rg_kill_source */
	uint16_t pad0;
	uint32_t uid;                   /* writer's real uid */
	int32_t pid;                    /* writer's pid */
	uint32_t pad1;
	uint64_t time_ns;               /* CLOCK_REALTIME when written */
	char name[RG_KILL_NAME_MAX];    /* scope's name; "" for the instance */
	char reason[RG_KILL_REASON_MAX]; /* why, NUL-terminated printable text */
	uint8_t pad2[8];
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_entry) == 192, "kill entry is three lines");
RG_STATIC_ASSERT(offsetof(struct rg_kill_entry, time_ns) == 16, "kill entry layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_entry, name) == 24, "kill entry layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_entry, reason) == 56, "kill entry layout");

/* One operator request. */
struct rg_kill_cmd {
	uint64_t seq;                   /* 1, 2, ...: position in the command stream */
	uint64_t time_ns;               /* CLOCK_REALTIME when requested */
	uint32_t uid;
	int32_t pid;
	uint8_t kind;                   /* enum rg_kill_cmd_kind */
	uint8_t scope;                  /* enum rg_kill_scope_kind */
	uint8_t state;                  /* SET_STATE: enum rg_trading_state */
	uint8_t pad0[5];
	int64_t price_e8;               /* SET_REFERENCE */
	char name[RG_KILL_NAME_MAX];
	char path[RG_KILL_PATH_MAX];    /* RELOAD */
	uint8_t pad1[56];
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_cmd) == 384, "command is six lines");
RG_STATIC_ASSERT(offsetof(struct rg_kill_cmd, price_e8) == 32, "command layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_cmd, path) == 72, "command layout");

/* The engine's answer to a command. */
struct rg_kill_result {
	uint64_t seq;                   /* the command answered; 0 = none yet */
	uint64_t time_ns;               /* CLOCK_REALTIME when answered */
	int32_t rc;                     /* 0 done, else -errno */
	uint32_t pad0;
	char message[RG_KILL_MSG_MAX];  /* what was done, or why not */
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_result) == 192, "result is three lines");

/* Redis watcher state, in rg_kill_redis.state. */
enum rg_redis_state {
	RG_REDIS_OFF = 0,         /* no watcher (Redis not configured, or engine not running) */
	RG_REDIS_CONNECTING = 1,  /* started, first connection not yet made */
	RG_REDIS_UP = 2,          /* connected, subscribed, polling */
	RG_REDIS_DOWN = 3,        /* unreachable; reconnecting with backoff */
	RG_REDIS_AUTH_FAILED = 4, /* reachable, but the password or user was refused */
};

/* The Redis watcher's status (its own seqlock: seq odd while it writes). */
struct rg_kill_redis {
	uint32_t seq;
	uint32_t state;                 /* enum rg_redis_state */
	uint64_t since_ns;              /* CLOCK_REALTIME of the last state change */
	uint64_t since_mono_ns;         /* the same in CLOCK_MONOTONIC */
	uint32_t reconnects;            /* successful connections after the first */
	uint32_t failures;              /* failed connection attempts */
	uint32_t poll_ms;               /* its poll interval */
	uint32_t loss_grace_ms;
	uint8_t halt_on_loss;           /* policy on_redis_loss: 0 keep, 1 halt */
	uint8_t loss_halted;            /* it wrote a redis-loss kill during this outage */
	uint16_t pad0;
	int32_t pid;                    /* the engine process it runs in */
	char endpoint[64];              /* "host:port" */
	char last_error[RG_KILL_ERROR_MAX]; /* "" or the last failure, never a secret */
	uint8_t pad1[16];
	/* outside the seqlock, relaxed single words */
	uint64_t heartbeat_mono_ns;     /* CLOCK_MONOTONIC at each pass of its loop */
	uint64_t last_ok_ns;            /* CLOCK_REALTIME of the last successful poll */
	uint8_t pad2[48];
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_redis) == 320, "redis status is five lines");
RG_STATIC_ASSERT(offsetof(struct rg_kill_redis, heartbeat_mono_ns) == 256, "redis status layout");

/* Names the engine serves, so riskctl can refuse a scope that names nothing. */
struct rg_kill_roster {
	uint32_t seq;                   /* seqlock word */
	uint32_t n_accounts, n_strategies, n_venues;
	uint64_t published_ns;          /* CLOCK_REALTIME; 0 = never published */
	uint8_t pad0[40];
	char accounts[RG_KILL_ROSTER_ACCOUNTS][RG_KILL_NAME_MAX];
	char strategies[RG_KILL_ROSTER_STRATEGIES][RG_KILL_NAME_MAX];
	char venues[RG_KILL_ROSTER_VENUES][RG_KILL_NAME_MAX];
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_roster) == 64 + 144 * 32, "roster layout");

/* Written once by the creator. */
struct rg_kill_header {
	uint64_t magic;                 /* RG_KILL_MAGIC, stored last (release) */
	uint32_t abi_version;           /* RG_KILL_ABI_VERSION */
	uint32_t header_size;           /* sizeof(struct rg_kill_header) */
	uint64_t total_size;            /* sizeof(struct rg_kill_shared) */
	uint32_t kill_capacity;         /* RG_KILL_MAX */
	uint32_t cmd_capacity;          /* RG_KILL_CMD_MAX */
	uint32_t entry_size;            /* sizeof(struct rg_kill_entry) */
	uint32_t cmd_size;              /* sizeof(struct rg_kill_cmd) */
	uint32_t result_size;           /* sizeof(struct rg_kill_result) */
	uint32_t roster_size;           /* sizeof(struct rg_kill_roster) */
	int32_t creator_pid;
	uint32_t pad0;
	uint64_t created_ns;            /* CLOCK_REALTIME */
	char instance[RG_KILL_NAME_MAX];
	uint8_t pad1[32];
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_header) == 128, "kill header is two lines");
RG_STATIC_ASSERT(offsetof(struct rg_kill_header, instance) == 64, "kill header layout");

/* Who made the body's last update (under the seqlock, with it): so the engine
 * can journal who lifted a kill, which the table itself no longer shows. */
struct rg_kill_writer_note {
	uint64_t generation; /* the even generation that update published; 0 = none yet */
	uint64_t time_ns;    /* CLOCK_REALTIME */
	uint32_t uid;        /* the writer's real uid */
	int32_t pid;
};
RG_STATIC_ASSERT(sizeof(struct rg_kill_writer_note) == 24, "writer note is three words");

struct rg_kill_shared {
	struct rg_kill_header hdr;                 /* 0 */
	/* the one word the engine polls, alone on its line */
	uint64_t generation;                       /* 128: seqlock of the body; even = stable */
	uint8_t pad0[56];
	/* engine line */
	uint64_t cmd_done;                         /* 192: commands answered, 1..cmd_done (release) */
	uint64_t applied_generation;               /* generation the engine has applied (release) */
	int32_t engine_pid;                        /* engine reading it; 0 = none yet */
	uint8_t pad1[44];
	/* body (under generation) */
	uint32_t n_kills;                          /* 256: entries in use, kills[0..n_kills) */
	uint32_t pad2;
	uint64_t cmd_head;                         /* commands written, 1..cmd_head */
	struct rg_kill_writer_note last_writer;    /* 272: who made the body's last update */
	uint8_t pad3[24];
	struct rg_kill_redis redis;                /* 320 */
	struct rg_kill_roster roster;              /* 640 */
	struct rg_kill_entry kills[RG_KILL_MAX];   /* 5312 */
	struct rg_kill_cmd cmds[RG_KILL_CMD_MAX];  /* slot = (seq - 1) % RG_KILL_CMD_MAX */
	struct rg_kill_result results[RG_KILL_CMD_MAX]; /* slot as cmds[] */
};
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, generation) == 128, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, cmd_done) == 192, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, n_kills) == 256, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, redis) == 320, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, last_writer) == 272, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, roster) == 640, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, kills) == 5312, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, cmds) == 5312 + 256 * 192, "kill segment layout");
RG_STATIC_ASSERT(offsetof(struct rg_kill_shared, results) == 5312 + 256 * 192 + 64 * 384, "kill segment layout");
RG_STATIC_ASSERT(sizeof(struct rg_kill_shared) == 5312 + 256 * 192 + 64 * 384 + 64 * 192, "kill segment size");
RG_STATIC_ASSERT(sizeof(struct rg_kill_shared) % 8 == 0, "copied in 64-bit words");

#ifdef __cplusplus
}
#endif

#endif /* RG_KILL_ABI_H */
