/*
 * The user-data stream over libwebsockets (rest_stream.h).  One client
 * context per adapter, serviced from the adapter's own loop with a
 * non-blocking lws_service, so the REST calls and the stream share one
 * thread and one wait (the adapter polls the stream's socket together with
 * libcurl's).  Messages may arrive in fragments; they are joined in a buffer
 * that grows to the largest message seen and is never shrunk.
 */
#include "rest_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#define PING_AFTER_IDLE_S 20   /* a silent connection is pinged after this */
#define HANG_UP_AFTER_IDLE_S 60 /* and dropped when still silent */

static const lws_retry_bo_t g_idle_policy = {
	.secs_since_valid_ping = PING_AFTER_IDLE_S,
	.secs_since_valid_hangup = HANG_UP_AFTER_IDLE_S,
};

/* libwebsockets' error lines, with every run of 16 or more letters and
 * digits (a listen key, an API key) replaced: they can name a connection's
 * path. */
static void lws_log_scrubbed(int level, const char *line)
{
	char out[256];
	size_t n = 0, run = 0;

	(void)level;
	for (const char *p = line; *p != '\0' && n < sizeof(out) - 8; p++) {
		bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
		run = alnum ? run + 1 : 0;
		if (*p == '\n' || (unsigned char)*p < ' ')
			continue;
		out[n++] = *p;
		if (run == 16) {
			n -= 16;
			memcpy(out + n, "<...>", 5);
			n += 5;
		} else if (run > 16) {
			n--;
		}
	}
	out[n] = '\0';
	fprintf(stderr, "riskgate rest stream: libwebsockets: %s\n", out);
}

static void set_why(struct rg_rest_stream *s, const char *why, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && why[i] != '\0' && k < sizeof(s->why) - 1; i++)
		s->why[k++] = (why[i] >= ' ' && why[i] <= '~') ? why[i] : '?';
	s->why[k] = '\0';
}

static void closed(struct rg_rest_stream *s, const char *why)
{
	if (s->state == RG_STREAM_CONNECTING || s->state == RG_STREAM_UP) {
		s->state = RG_STREAM_CLOSED;
		if (s->why[0] == '\0')
			set_why(s, why, strlen(why));
	}
}

static int on_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct rg_rest_stream *s = lws_context_user(lws_get_context(wsi));

	(void)user;
	(void)len;
	if (s == NULL || (s->wsi != NULL && s->wsi != wsi && reason != LWS_CALLBACK_WSI_DESTROY))
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		s->state = RG_STREAM_UP;
		if (s->close_requested)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi))
			break;
		if (!s->msg_too_long && s->msg_len + len + 1 > s->msg_cap) {
			size_t cap = s->msg_cap;
			char *m;
			while (cap < s->msg_len + len + 1)
				cap *= 2;
			m = cap <= RG_REST_STREAM_MSG_MAX ? realloc(s->msg, cap) : NULL;
			if (m == NULL) {
				s->msg_too_long = true;
			} else {
				s->msg = m;
				s->msg_cap = cap;
			}
		}
		if (!s->msg_too_long) {
			memcpy(s->msg + s->msg_len, in, len);
			s->msg_len += len;
			s->msg[s->msg_len] = '\0';
		}
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			s->messages++;
			s->cb.on_message(s->cb.ctx, s->msg, s->msg_len, s->msg_too_long);
			s->msg_len = 0;
			s->msg_too_long = false;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (s->close_requested) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		set_why(s, in != NULL ? (const char *)in : "connection failed", sizeof(s->why));
		s->wsi = NULL;
		closed(s, "connection failed");
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		set_why(s, "the venue closed the stream", 64);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		closed(s, s->close_requested ? "closed by riskgate" : "the connection was lost");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (s->wsi == wsi || s->wsi == NULL) {
			s->wsi = NULL;
			closed(s, "the connection was lost");
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols g_protocols[] = {
	{"riskgate-user-stream", on_event, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

int rg_rest_stream_init(struct rg_rest_stream *s, const char *ws_url, const char *ca_file,
			const struct rg_rest_stream_callbacks *cb, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	const char *p = ws_url + 6, *host_end, *colon;
	size_t hn;

	memset(s, 0, sizeof(*s));
	s->cb = *cb;
	if (strncmp(ws_url, "wss://", 6) != 0) {
		snprintf(err, errlen, "ws_url must start with wss://");
		return -EINVAL;
	}
	host_end = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(host_end - p));
	hn = (size_t)((colon != NULL ? colon : host_end) - p);
	s->port = 443;
	if (colon != NULL) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (end != host_end || port < 1 || port > 65535) {
			snprintf(err, errlen, "ws_url has a bad port");
			return -EINVAL;
		}
		s->port = (int)port;
	}
	if (hn == 0 || hn >= sizeof(s->host) || strlen(host_end) >= sizeof(s->path_prefix)) {
		snprintf(err, errlen, "ws_url host or path too long");
		return -EINVAL;
	}
	memcpy(s->host, p, hn);
	s->host[hn] = '\0';
	strcpy(s->path_prefix, host_end);
	hn = strlen(s->path_prefix);
	while (hn > 0 && s->path_prefix[hn - 1] == '/')
		s->path_prefix[--hn] = '\0';
	s->msg_cap = 4096;
	s->msg = malloc(s->msg_cap);
	if (s->msg == NULL) {
		snprintf(err, errlen, "cannot allocate the stream buffer");
		return -ENOMEM;
	}
	lws_set_log_level(LLL_ERR, lws_log_scrubbed);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = g_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.fd_limit_per_thread = 16;
	info.user = s;
	info.retry_and_idle_policy = &g_idle_policy;
	if (ca_file != NULL && ca_file[0] != '\0')
		info.client_ssl_ca_filepath = ca_file;
	s->context = lws_create_context(&info);
	if (s->context == NULL) {
		snprintf(err, errlen, "cannot create the WebSocket client context (TLS set-up failed?)");
		free(s->msg);
		s->msg = NULL;
		return -EIO;
	}
	return 0;
}

void rg_rest_stream_fini(struct rg_rest_stream *s)
{
	if (s->context != NULL)
		lws_context_destroy(s->context);
	s->context = NULL;
	s->wsi = NULL;
	explicit_bzero(s->path, sizeof(s->path));
	free(s->msg);
	s->msg = NULL;
}

int rg_rest_stream_open(struct rg_rest_stream *s, const char *listen_key)
{
	struct lws_client_connect_info ci;
	struct lws *wsi = NULL;

	if (s->state == RG_STREAM_CONNECTING || s->state == RG_STREAM_UP)
		return -EBUSY;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s", s->path_prefix, listen_key) >= sizeof(s->path))
		return -EINVAL;
	memset(&ci, 0, sizeof(ci));
	ci.context = s->context;
	ci.address = s->host;
	ci.port = s->port;
	ci.path = s->path;
	ci.host = s->host;
	ci.origin = s->host;
	ci.ssl_connection = LCCSCF_USE_SSL;
	ci.ietf_version_or_minus_one = -1;
	ci.local_protocol_name = g_protocols[0].name;
	ci.retry_and_idle_policy = &g_idle_policy;
	ci.pwsi = &wsi;
	s->why[0] = '\0';
	s->close_requested = false;
	s->msg_len = 0;
	s->msg_too_long = false;
	s->state = RG_STREAM_CONNECTING;
	s->wsi = NULL;
	if (lws_client_connect_via_info(&ci) == NULL && wsi == NULL) {
		if (s->state == RG_STREAM_CONNECTING) {
			s->state = RG_STREAM_CLOSED;
			if (s->why[0] == '\0')
				set_why(s, "cannot start the connection", 64);
		}
		return 0;
	}
	if (s->state == RG_STREAM_CONNECTING)
		s->wsi = wsi;
	return 0;
}

void rg_rest_stream_close(struct rg_rest_stream *s)
{
	if (s->wsi == NULL)
		return;
	s->close_requested = true;
	lws_callback_on_writable(s->wsi);
}

int rg_rest_stream_service(struct rg_rest_stream *s)
{
	uint64_t before = s->messages;
	uint8_t state = s->state;

	lws_service(s->context, -1);
	return s->messages != before || s->state != state;
}

int rg_rest_stream_fd(const struct rg_rest_stream *s)
{
	return s->wsi != NULL ? (int)lws_get_socket_fd(s->wsi) : -1;
}

bool rg_rest_stream_pending(const struct rg_rest_stream *s)
{
	return lws_service_adjust_timeout(s->context, 1, 0) == 0;
}
