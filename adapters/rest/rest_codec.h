/*
 * The REST adapter's codec: what one request or one answer costs the adapter
 * apart from the network, with no allocation and no system call.
 *
 *   - decimals: riskgate's fixed-point *_e8 values to and from the venue's
 *     decimal text ("0.5", "30000.01"), exactly;
 *   - requests: the query string of each signed call of the Binance-style
 *     spot API v3 (docs/adapters.md has the parameters), a timestamp and
 *     recvWindow, and the HMAC-SHA256 signature over it (OpenSSL);
 *   - answers: an executionReport of the user-data stream, an order as
 *     the REST calls return it, a trade of myTrades, an error body
 *     {"code", "msg"}, and the limit headers of every response.
 *
 * Client order ids are "<prefix>-<engine_seq>" for an order as sent and
 * "<prefix>-<engine_seq>-<leg>" for its replacement number <leg>; the
 * engine's id travels in them, so the venue's reports map back to the
 * engine's orders without a table of venue ids.
 */
#ifndef RG_REST_CODEC_H
#define RG_REST_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rest_json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_REST_QUERY_MAX 1024     /* a signed query with its signature */
#define RG_REST_CLIENT_ID_MAX 40   /* a client order id with its NUL (the API allows 36 characters) */
#define RG_REST_PREFIX_MAX 8       /* characters of the client id prefix */
#define RG_REST_E8_TEXT_MAX 24     /* "-92233720368.54775808" and a NUL */
#define RG_REST_SIGNATURE_HEX 64

/* ---- decimals ---------------------------------------------------------------- */

/* v / 10^8 as the shortest exact decimal ("12.5", "0.00000001", "7"), NUL
 * terminated; returns its length.  out holds RG_REST_E8_TEXT_MAX bytes. */
size_t rg_rest_e8_format(char *out, int64_t v);

/* Decimal text ("12.50000000", "-0.1", "3") into *out * 10^8, exactly: false
 * on anything else (exponent, a ninth non-zero decimal, overflow). */
bool rg_rest_e8_parse(const char *p, size_t n, int64_t *out);

/* ---- client order ids ------------------------------------------------------------ */

/* "<prefix>-<seq>", or "<prefix>-<seq>-<leg>" when leg > 0, into out
 * (RG_REST_CLIENT_ID_MAX); returns its length. */
size_t rg_rest_client_id(char *out, const char *prefix, uint64_t engine_seq, uint32_t leg);

/* Parses an id made by rg_rest_client_id with `prefix`; false when it is
 * not one of ours (another prefix, a manual order, garbage). */
bool rg_rest_client_id_parse(const char *p, size_t n, const char *prefix, uint64_t *engine_seq, uint32_t *leg);

/* ---- queries ------------------------------------------------------------------- */

struct rg_rest_query {
	size_t len;
	bool overflow;                 /* a parameter did not fit: the query is unusable */
	char buf[RG_REST_QUERY_MAX];   /* "k=v&k=v..." NUL terminated */
};

void rg_rest_query_init(struct rg_rest_query *q);
/* Appends "&key=value"; values are the API's ids, symbols and decimals,
 * which need no percent-encoding (the caller guarantees [A-Za-z0-9._:/-]). */
void rg_rest_query_add(struct rg_rest_query *q, const char *key, const char *value, size_t n);
void rg_rest_query_add_str(struct rg_rest_query *q, const char *key, const char *value);
void rg_rest_query_add_u64(struct rg_rest_query *q, const char *key, uint64_t v);
void rg_rest_query_add_e8(struct rg_rest_query *q, const char *key, int64_t v);

/* riskgate's enums as the API spells them. */
const char *rg_rest_side_str(uint8_t side);          /* "BUY", "SELL" */
const char *rg_rest_tif_str(uint8_t tif);            /* "GTC" (DAY and GTC), "IOC", "FOK" */

/* The parameters of a new order (POST /api/v3/order), up to but without
 * recvWindow, timestamp and signature. */
struct rg_rest_new_order {
	const char *symbol;
	const char *prefix;  /* client id prefix */
	uint64_t engine_seq;
	uint32_t leg;        /* 0 */
	int64_t qty_e8;
	int64_t price_e8;    /* ignored for market orders */
	uint8_t side, type, tif;
};
void rg_rest_encode_new_order(struct rg_rest_query *q, const struct rg_rest_new_order *o);

/* Appends "&recvWindow=<ms>&timestamp=<ms>" (the signed calls' freshness). */
void rg_rest_query_stamp(struct rg_rest_query *q, uint32_t recv_window_ms, uint64_t timestamp_ms);

/* ---- signing -------------------------------------------------------------------- */

/* HMAC-SHA256 keyed with the API secret, set up once: each signature then
 * costs only the hash.  Not thread-safe: one per adapter thread. */
struct rg_rest_signer {
	void *mac; /* EVP_MAC_CTX */
};

/* Keys the signer (the secret is copied into OpenSSL's context, which
 * rg_rest_signer_fini clears).  0, or -EINVAL/-ENOMEM. */
int rg_rest_signer_init(struct rg_rest_signer *s, const char *secret, size_t n);
void rg_rest_signer_fini(struct rg_rest_signer *s);

/* The lowercase hex HMAC-SHA256 of data into hex (RG_REST_SIGNATURE_HEX + 1
 * bytes, NUL terminated).  False when OpenSSL fails. */
bool rg_rest_sign_hex(struct rg_rest_signer *s, const void *data, size_t n, char *hex);

/* Appends "&signature=<hex>" over the query as it stands. */
bool rg_rest_query_sign(struct rg_rest_signer *s, struct rg_rest_query *q);

/* ---- answers ---------------------------------------------------------------------- */

enum rg_rest_status {
	RG_REST_ST_UNKNOWN = 0,
	RG_REST_ST_NEW = 1,
	RG_REST_ST_PARTIALLY_FILLED = 2,
	RG_REST_ST_FILLED = 3,
	RG_REST_ST_CANCELED = 4,
	RG_REST_ST_PENDING_CANCEL = 5,
	RG_REST_ST_REJECTED = 6,
	RG_REST_ST_EXPIRED = 7, /* EXPIRED and EXPIRED_IN_MATCH */
};

/* Done for good: no further fills can come. */
static inline bool rg_rest_status_final(uint8_t st)
{
	return st == RG_REST_ST_FILLED || st == RG_REST_ST_CANCELED || st == RG_REST_ST_REJECTED ||
	       st == RG_REST_ST_EXPIRED;
}

enum rg_rest_exec_type {
	RG_REST_X_OTHER = 0,
	RG_REST_X_NEW = 1,
	RG_REST_X_TRADE = 2,
	RG_REST_X_CANCELED = 3,
	RG_REST_X_REJECTED = 4,
	RG_REST_X_EXPIRED = 5,   /* EXPIRED, TRADE_PREVENTION */
	RG_REST_X_REPLACED = 6,
};

/* An executionReport of the user-data stream: the fields riskgate uses. */
struct rg_rest_exec {
	struct rg_json_span symbol;         /* "s" */
	struct rg_json_span client_id;      /* "c": the order's id (a cancel's own id on CANCELED) */
	struct rg_json_span orig_client_id; /* "C": the cancelled order's id on CANCELED, else "" */
	uint64_t order_id;                  /* "i" */
	uint64_t trade_id;                  /* "t", 0 when none (-1 on the wire) */
	uint64_t event_ms;                  /* "E" */
	int64_t qty_e8;                     /* "q" */
	int64_t price_e8;                   /* "p" */
	int64_t last_qty_e8;                /* "l" */
	int64_t last_px_e8;                 /* "L" */
	int64_t cum_qty_e8;                 /* "z" */
	uint8_t exec_type;                  /* "x": enum rg_rest_exec_type */
	uint8_t status;                     /* "X": enum rg_rest_status */
	uint8_t side;                       /* "S": enum rg_side */
};

enum rg_rest_decode {
	RG_REST_DECODE_OK = 0,        /* an executionReport, decoded */
	RG_REST_DECODE_OTHER = 1,     /* a valid event of another type (balances, ...): nothing to do */
	RG_REST_DECODE_EXPIRED = 2,   /* listenKeyExpired: the stream must be reopened */
	RG_REST_DECODE_MALFORMED = -1, /* not JSON, or an executionReport without a field it needs */
};

/* Decodes one stream message.  The spans point into msg. */
enum rg_rest_decode rg_rest_decode_stream(const char *msg, size_t n, struct rg_rest_exec *out);

/* An order as the REST calls return it: the answer to a new order (RESULT
 * or FULL), a query, a cancel, and each element of openOrders. */
struct rg_rest_order_status {
	struct rg_json_span symbol;         /* "symbol" */
	struct rg_json_span client_id;      /* "clientOrderId" */
	struct rg_json_span orig_client_id; /* "origClientOrderId" (a cancel's answer) */
	uint64_t order_id;                  /* "orderId" */
	int64_t orig_qty_e8;                /* "origQty" */
	int64_t executed_qty_e8;            /* "executedQty" */
	int64_t price_e8;                   /* "price" */
	uint8_t status;                     /* "status"; UNKNOWN when absent (an ACK answer) */
	uint8_t side;                       /* "side": enum rg_side, 0 when absent */
	bool has_executed;                  /* "executedQty" was present */
};

/* Decodes an order object (the whole text, or a span from an array).  False
 * when malformed or without orderId. */
bool rg_rest_decode_order(const char *text, size_t n, struct rg_rest_order_status *out);

/* One element of myTrades. */
struct rg_rest_trade {
	uint64_t id;       /* "id" */
	uint64_t order_id; /* "orderId" */
	int64_t qty_e8;    /* "qty" */
	int64_t price_e8;  /* "price" */
};
bool rg_rest_decode_trade(const char *text, size_t n, struct rg_rest_trade *out);

/* An error body {"code": -2010, "msg": "..."}: false when it is not one. */
bool rg_rest_decode_error(const char *text, size_t n, int64_t *code, struct rg_json_span *msg);

/* The answer of POST /api/v3/order/cancelReplace, success or failure (a
 * failure carries the same members under "data"). */
struct rg_rest_replace_answer {
	int8_t cancel_ok;                   /* "cancelResult": 1 SUCCESS, 0 FAILURE, -1 absent */
	int8_t new_ok;                      /* "newOrderResult": 1 SUCCESS, 0 FAILURE or NOT_ATTEMPTED, -1 absent */
	struct rg_json_span cancel_response; /* "cancelResponse": an order, an error, or null */
	struct rg_json_span new_response;   /* "newOrderResponse": an order, an error, or null */
};
bool rg_rest_decode_replace(const char *text, size_t n, struct rg_rest_replace_answer *out);

/* GET /api/v3/time: {"serverTime": ms}. */
bool rg_rest_decode_time(const char *text, size_t n, uint64_t *server_ms);

/* POST /api/v3/userDataStream: {"listenKey": "..."} (span into text). */
bool rg_rest_decode_listen_key(const char *text, size_t n, struct rg_json_span *key);

/* ---- headers --------------------------------------------------------------------------- */

#define RG_REST_MAX_INTERVALS 4

/* One counter of a limit header. */
struct rg_rest_counter {
	uint64_t interval_ms; /* from the header's name: X-MBX-USED-WEIGHT-1M is 60000 */
	uint64_t value;
};

/* What a response's headers said about the venue's limits. */
struct rg_rest_limits {
	uint32_t n_weight, n_orders;
	struct rg_rest_counter weight[RG_REST_MAX_INTERVALS], orders[RG_REST_MAX_INTERVALS];
	uint64_t retry_after_s; /* Retry-After, seconds; 0 when absent */
};

/* Reads one header line ("Name: value\r\n") into *out when it is one of the
 * limit headers (X-MBX-USED-WEIGHT-<n><S|M|H|D>, X-MBX-ORDER-COUNT-<n><unit>,
 * Retry-After); names are case-insensitive.  Returns true when it was. */
bool rg_rest_header_parse(const char *line, size_t n, struct rg_rest_limits *out);

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_CODEC_H */
