/*
 * The venue's user-data stream: one WebSocket client connection over TLS
 * (libwebsockets), to <ws_url>/<listenKey>, whose text messages are handed
 * whole to the adapter.  The certificate is verified (the system's CA store
 * or the config's ca_file, host name included); pings are answered and sent
 * by libwebsockets, and a connection silent past the idle limit is dropped.
 * Reconnecting, with its backoff and a fresh listen key, is the adapter's.
 *
 * Runs on the adapter's thread only: rg_rest_stream_service does the
 * socket work without blocking (the adapter's poll waits on the socket).
 * The listen key is in the connection's path: never logged here, and
 * libwebsockets' own error lines are scrubbed of anything key-like.
 */
#ifndef RG_REST_STREAM_H
#define RG_REST_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_REST_STREAM_MSG_MAX (1u << 20) /* a longer message is refused as malformed */

enum rg_rest_stream_state {
	RG_STREAM_IDLE = 0,       /* not connected, nothing under way */
	RG_STREAM_CONNECTING = 1,
	RG_STREAM_UP = 2,
	RG_STREAM_CLOSED = 3,     /* was connecting or up, now gone: why in rg_rest_stream.why */
};

struct rg_rest_stream_callbacks {
	void *ctx;
	/* A whole text message (fragments joined); malformed when too long. */
	void (*on_message)(void *ctx, const char *msg, size_t n, bool too_long);
};

struct rg_rest_stream {
	void *context;            /* struct lws_context * */
	void *wsi;                /* struct lws *, NULL when none */
	uint8_t state;            /* enum rg_rest_stream_state */
	bool close_requested;
	char host[128];
	int port;
	char path_prefix[128];    /* ws_url's path, without a trailing '/' */
	char path[320];           /* path_prefix + "/" + listen key: sensitive */
	char why[128];            /* why it closed; never holds the path */
	char *msg;
	size_t msg_len, msg_cap;
	bool msg_too_long;
	struct rg_rest_stream_callbacks cb;
	uint64_t messages;        /* complete messages delivered */
};

/* Parses ws_url ("wss://host[:port][/path]") and creates the TLS client
 * context.  0 or -errno with err.  Cold. */
int rg_rest_stream_init(struct rg_rest_stream *s, const char *ws_url, const char *ca_file,
			const struct rg_rest_stream_callbacks *cb, char *err, size_t errlen);
void rg_rest_stream_fini(struct rg_rest_stream *s);

/* Starts connecting to <ws_url>/<listen_key>; state CONNECTING (or CLOSED
 * at once, with why).  0 or -errno. */
int rg_rest_stream_open(struct rg_rest_stream *s, const char *listen_key);

/* Asks an open connection to close; it reaches CLOSED through service. */
void rg_rest_stream_close(struct rg_rest_stream *s);

/* Moves the connection on without blocking; messages are delivered from
 * here.  Returns nonzero when it did something. */
int rg_rest_stream_service(struct rg_rest_stream *s);

/* The connection's socket (for the adapter's poll), or -1. */
int rg_rest_stream_fd(const struct rg_rest_stream *s);

/* True when libwebsockets has buffered work (TLS data already read) that
 * must be serviced without waiting on the socket. */
bool rg_rest_stream_pending(const struct rg_rest_stream *s);

/* Back to IDLE after CLOSED has been seen. */
static inline void rg_rest_stream_reset(struct rg_rest_stream *s)
{
	if (s->state == RG_STREAM_CLOSED)
		s->state = RG_STREAM_IDLE;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_REST_STREAM_H */
