/*
 * The REST adapter (adapters/rest): struct rg_adapter_ops for venues of kind
 * RG_VENUE_REST -- crypto spot exchanges speaking the Binance-style spot API
 * v3 (Binance, MEXC and the many that copy it) -- and a status snapshot for
 * tests and tools.
 *
 * Configuration: the venue's "rest" object, its "rate_limits" (the venue's
 * own order limits) and "credentials_file" (engine/config.h,
 * docs/adapters.md).  The API key and secret come from the file (lines
 * "api_key=..." and "api_secret=...", mode 0600 or stricter) or, when no
 * file is configured, from the environment variables the config names
 * (rest.api_key_env / rest.api_secret_env; RG_REST_API_KEY and
 * RG_REST_API_SECRET by default).  The key travels in its header, the secret
 * only keys the HMAC; neither is ever logged.
 */
#ifndef RG_REST_ADAPTER_H
#define RG_REST_ADAPTER_H

#include "adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct rg_adapter_ops rg_rest_adapter_ops;

/* The adapter's own reasons (RG_VEV_REJECT, CANCEL_REJECT, REPLACE_REJECT,
 * CANCELLED, DISCONNECTED, BANNED); a venue's refusal carries its HTTP
 * status instead (400, 401, 403, 409, 418, 429, 5xx), below 1000. */
enum rg_rest_reason {
	RG_REST_REASON_NOT_CONNECTED = 1001,   /* the user stream is not up: no new order goes */
	RG_REST_REASON_ENCODE = 1002,          /* the request could not be built (symbol of another venue, ...) */
	RG_REST_REASON_TABLE_FULL = 1003,      /* the adapter's order table is full */
	RG_REST_REASON_THROTTLED = 1004,       /* not sent: the venue asked to slow down, or its limit is reached */
	RG_REST_REASON_BANNED = 1005,          /* not sent: the venue banned this client (HTTP 418) for now */
	RG_REST_REASON_NOT_PLACED = 1006,      /* the call got no answer and the venue has no such order */
	RG_REST_REASON_UNKNOWN_ORDER = 1007,   /* cancel/replace/query of an order the adapter does not know */
	RG_REST_REASON_STREAM_REJECT = 1008,   /* the user stream reported the order REJECTED */
	RG_REST_REASON_AUTH = 1009,            /* the venue refused the API key or the signature */
	RG_REST_REASON_NO_REPLACE = 1010,      /* the venue has no cancel-replace (rest.cancel_replace false) */
	RG_REST_REASON_IN_DOUBT = 1011,        /* a cancel/replace got no answer and the order is still as it was */
	RG_REST_REASON_NOT_SENT = 1012,        /* the connection failed before the request left */
	RG_REST_REASON_STREAM_LOST = 1013,     /* the user stream dropped (DISCONNECTED) */
	RG_REST_REASON_NOT_REPLACEABLE = 1014, /* a replace of a market order, a finished order, or one busy */
};

enum rg_rest_phase {
	RG_REST_PHASE_TIME = 0,      /* reading the venue's clock */
	RG_REST_PHASE_LISTEN = 1,    /* asking for a listen key */
	RG_REST_PHASE_STREAM = 2,    /* opening the user stream */
	RG_REST_PHASE_RECONCILE = 3, /* reading the venue's open orders, filling gaps */
	RG_REST_PHASE_UP = 4,        /* orders flow */
};

struct rg_rest_stats {
	uint64_t requests;          /* HTTPS calls started */
	uint64_t answers_ok;        /* 2xx */
	uint64_t answers_refused;   /* 4xx */
	uint64_t answers_failed;    /* 5xx */
	uint64_t in_doubt;          /* calls that may have reached the venue but got no answer */
	uint64_t not_sent;          /* calls that failed before leaving */
	uint64_t http_429, http_418;
	uint64_t auth_failures;     /* API key or signature refused */
	uint64_t limit_holds;       /* new orders held because a weight or order count reached its limit */
	uint64_t throttled;         /* new orders refused THROTTLED or BANNED without being sent */
	uint64_t stream_connects;   /* user stream connections established */
	uint64_t stream_drops;      /* ... lost */
	uint64_t stream_messages;
	uint64_t fills;             /* fills reported to the engine */
	uint64_t fills_recovered;   /* of which from REST queries (gaps) */
	uint64_t duplicates;        /* stream reports already accounted for */
	uint64_t gaps;              /* reports that showed a missed fill */
	uint64_t foreign;           /* reports about orders not riskgate's */
	uint64_t unknown;           /* reports about riskgate orders the adapter no longer tracks */
	uint64_t adopted;           /* riskgate orders found open at the venue at start */
	uint64_t orphans;           /* riskgate orders open at the venue that nobody claims */
	uint64_t protocol_errors;
	uint64_t time_syncs;
	uint64_t listen_keys, keepalives;
};

struct rg_rest_adapter_status {
	uint8_t phase;              /* enum rg_rest_phase */
	bool up;                    /* CONNECTED was reported and no DISCONNECTED since */
	bool banned, throttled, held, auth_failed;
	int64_t clock_offset_ms;    /* venue clock - ours */
	uint64_t live_orders;
	uint32_t connections;       /* TLS connections libcurl opened so far (keep-alive reuses them) */
	struct rg_rest_stats stats;
	char last_error[256];       /* the last failure, "" when none; never holds a secret */
	uint64_t published;         /* publications so far: the first after a call holds every pass ended before it */
};

/*
 * Copies the latest status of a started REST adapter into *out.  0, or
 * -EINVAL when `a` is not a running REST adapter.  Any thread; published by
 * the adapter thread after every pass that did something (at most ~100 ms
 * stale otherwise).
 */
int rg_rest_adapter_status(struct rg_adapter *a, struct rg_rest_adapter_status *out);

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_ADAPTER_H */
