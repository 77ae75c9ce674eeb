/*
 * HTTPS calls of the REST adapter over libcurl's multi interface: a fixed
 * pool of calls (one easy handle each, made once) that share one connection
 * cache, so requests to the venue reuse kept-alive connections (HTTP/1.1, or
 * HTTP/2 streams on one connection when the venue offers it), and several
 * are in flight at once without a thread each.  The certificate of the venue
 * is always verified (the system's CA store, or the config's ca_file), only
 * https:// is spoken, and the API key header is attached to every call.
 *
 * Each response's limit headers (request weight, order counts, Retry-After)
 * are read into the call as they arrive.  Everything runs on the adapter's
 * thread; nothing here is thread-safe.
 */
#ifndef RG_REST_HTTP_H
#define RG_REST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rest_codec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_REST_URL_MAX (256 + RG_REST_QUERY_MAX)
#define RG_REST_BODY_MAX (8u << 20) /* an answer larger than this is refused as malformed */

enum rg_rest_method { RG_HTTP_GET = 0, RG_HTTP_POST = 1, RG_HTTP_PUT = 2, RG_HTTP_DELETE = 3 };

/* What a finished call came to. */
enum rg_rest_outcome {
	RG_REST_ANSWERED = 0, /* an HTTP status and a body came back */
	RG_REST_NOT_SENT = 1, /* failed before the request left (connect, TLS handshake, certificate) */
	RG_REST_IN_DOUBT = 2, /* sent, or maybe sent, but no answer (timeout, connection lost) */
};

struct rg_rest_call {
	void *easy;              /* CURL * */
	bool busy;
	/* set by the caller before rg_rest_http_send, untouched here */
	uint8_t kind;            /* the adapter's enum of calls */
	uint64_t engine_seq;
	uint64_t aux;            /* the adapter's use (a venue order id, a leg, ...) */
	uint32_t symbol_id;
	uint64_t timestamp_ms;   /* the signed call's timestamp */
	/* filled here */
	uint64_t started_ns, finished_ns;     /* CLOCK_MONOTONIC */
	uint64_t started_real_ms, finished_real_ms; /* CLOCK_REALTIME, for the clock offset */
	uint8_t outcome;         /* enum rg_rest_outcome */
	int curl_code;           /* CURLcode; 0 when answered */
	long status;             /* HTTP status when answered */
	struct rg_rest_limits limits;
	char *body;              /* the answer, NUL terminated (grows, never shrinks) */
	size_t body_len, body_cap;
	bool body_overflow;
	char error[128];         /* libcurl's error text; never holds a URL's query or a header */
	char url[RG_REST_URL_MAX];
};

struct rg_rest_http {
	void *multi;             /* CURLM * */
	void *headers;           /* struct curl_slist *: the API key header */
	struct rg_rest_call *calls;
	uint32_t n_calls, in_flight;
	uint64_t connections;    /* connections libcurl opened (the rest were reused) */
	char base_url[192];
	char ca_file[256];
	long timeout_ms;
};

/*
 * Sets up `max_in_flight` calls to base_url ("https://host[:port]"), each
 * carrying "<key_header>: <api_key>" (copied into libcurl's header list,
 * cleared on fini).  ca_file "" trusts the system's CA store.  0 or -errno
 * with err.  Cold; allocates.
 */
int rg_rest_http_init(struct rg_rest_http *h, const char *base_url, const char *ca_file, const char *key_header,
		      const char *api_key, uint32_t max_in_flight, uint64_t timeout_ns, char *err, size_t errlen);

/* Frees every call (aborting those in flight) and the key header. */
void rg_rest_http_fini(struct rg_rest_http *h);

/* A free call, or NULL when max_in_flight are in flight. */
struct rg_rest_call *rg_rest_http_acquire(struct rg_rest_http *h);

/* Number of free calls. */
static inline uint32_t rg_rest_http_free(const struct rg_rest_http *h)
{
	return h->n_calls - h->in_flight;
}

/*
 * Starts `call` (from rg_rest_http_acquire): method on base_url + path, with
 * query ("" for none) as the URL's query string and no body.  0, or -errno
 * (the call is then released and nothing was sent).
 */
int rg_rest_http_send(struct rg_rest_http *h, struct rg_rest_call *call, uint8_t method, const char *path,
		      const char *query);

typedef void (*rg_rest_done_fn)(void *ctx, struct rg_rest_call *call);

/*
 * Waits up to timeout_ms (0: not at all) for activity on the calls' sockets
 * or on extra_fd (-1: none; the user stream's socket), moves the transfers
 * on, and hands each finished call to done(ctx, call); the call is free again
 * once done returns.  done may start new calls.  Returns the number of calls
 * finished.
 */
unsigned rg_rest_http_poll(struct rg_rest_http *h, int extra_fd, int timeout_ms, rg_rest_done_fn done, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_HTTP_H */
