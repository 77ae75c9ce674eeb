/*
 * The REST adapter's HTTPS calls over libcurl multi (rest_http.h).  Each
 * call keeps its easy handle and body buffer for the adapter's life: a call
 * costs libcurl's own work and no set-up of ours.  Whether a failed call may
 * have reached the venue is decided from libcurl's result and the bytes it
 * sent, because an order whose request may have arrived must be treated as
 * possibly live (the adapter then asks the venue), never as refused.
 */
#include "rest_http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;

static void curl_init_once(void)
{
	g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rg_rest_call *c = arg;
	size_t n = size * nmemb;

	if (c->body_overflow || c->body_len + n + 1 > RG_REST_BODY_MAX) {
		c->body_overflow = true;
		return n; /* drain it; the answer is refused as malformed */
	}
	if (c->body_len + n + 1 > c->body_cap) {
		size_t cap = c->body_cap * 2;
		char *b;
		while (cap < c->body_len + n + 1)
			cap *= 2;
		b = realloc(c->body, cap);
		if (b == NULL) {
			c->body_overflow = true;
			return n;
		}
		c->body = b;
		c->body_cap = cap;
	}
	memcpy(c->body + c->body_len, data, n);
	c->body_len += n;
	c->body[c->body_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rg_rest_call *c = arg;
	size_t n = size * nmemb;

	rg_rest_header_parse(data, n, &c->limits);
	return n;
}

int rg_rest_http_init(struct rg_rest_http *h, const char *base_url, const char *ca_file, const char *key_header,
		      const char *api_key, uint32_t max_in_flight, uint64_t timeout_ns, char *err, size_t errlen)
{
	char line[256];
	int rc = -ENOMEM;

	memset(h, 0, sizeof(*h));
	pthread_once(&g_curl_once, curl_init_once);
	if (g_curl_init_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(g_curl_init_rc));
		return -EIO;
	}
	if (strlen(base_url) >= sizeof(h->base_url) || strlen(ca_file) >= sizeof(h->ca_file)) {
		snprintf(err, errlen, "base_url or ca_file too long");
		return -EINVAL;
	}
	strcpy(h->base_url, base_url);
	strcpy(h->ca_file, ca_file);
	h->timeout_ms = (long)(timeout_ns / 1000000u);
	if ((size_t)snprintf(line, sizeof(line), "%s: %s", key_header, api_key) >= sizeof(line)) {
		explicit_bzero(line, sizeof(line));
		snprintf(err, errlen, "API key too long");
		return -EINVAL;
	}
	h->headers = curl_slist_append(NULL, line);
	explicit_bzero(line, sizeof(line));
	h->multi = curl_multi_init();
	h->calls = calloc(max_in_flight, sizeof(*h->calls));
	if (h->headers == NULL || h->multi == NULL || h->calls == NULL)
		goto fail;
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_in_flight);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)max_in_flight);
	for (uint32_t i = 0; i < max_in_flight; i++) {
		struct rg_rest_call *c = &h->calls[i];
		CURL *e = curl_easy_init();
		if (e == NULL)
			goto fail;
		c->easy = e;
		h->n_calls = i + 1;
		c->body_cap = 4096;
		c->body = malloc(c->body_cap);
		if (c->body == NULL)
			goto fail;
		c->body[0] = '\0';
		curl_easy_setopt(e, CURLOPT_PRIVATE, c);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->error);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)h->headers);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->ca_file[0] != '\0')
			curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms < 5000 ? h->timeout_ms : 5000L);
		curl_easy_setopt(e, CURLOPT_USERAGENT, "riskgate");
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot set up libcurl");
	rg_rest_http_fini(h);
	return rc;
}

void rg_rest_http_fini(struct rg_rest_http *h)
{
	for (uint32_t i = 0; i < h->n_calls; i++) {
		struct rg_rest_call *c = &h->calls[i];
		if (c->busy && h->multi != NULL)
			curl_multi_remove_handle(h->multi, c->easy);
		curl_easy_cleanup(c->easy);
		free(c->body);
	}
	free(h->calls);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	for (struct curl_slist *s = h->headers; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(h->headers);
	memset(h, 0, sizeof(*h));
}

struct rg_rest_call *rg_rest_http_acquire(struct rg_rest_http *h)
{
	for (uint32_t i = 0; i < h->n_calls; i++) {
		if (!h->calls[i].busy) {
			h->calls[i].busy = true;
			h->in_flight++;
			return &h->calls[i];
		}
	}
	return NULL;
}

static void release(struct rg_rest_http *h, struct rg_rest_call *c)
{
	c->busy = false;
	h->in_flight--;
}

int rg_rest_http_send(struct rg_rest_http *h, struct rg_rest_call *c, uint8_t method, const char *path,
		      const char *query)
{
	static const char *const names[] = {"GET", "POST", "PUT", "DELETE"};
	CURL *e = c->easy;
	int n;

	n = snprintf(c->url, sizeof(c->url), "%s%s%s%s", h->base_url, path, query[0] != '\0' ? "?" : "", query);
	if (n < 0 || (size_t)n >= sizeof(c->url) || method > RG_HTTP_DELETE) {
		release(h, c);
		return -EINVAL;
	}
	c->body_len = 0;
	c->body[0] = '\0';
	c->body_overflow = false;
	c->error[0] = '\0';
	c->status = 0;
	c->curl_code = 0;
	c->outcome = RG_REST_IN_DOUBT;
	memset(&c->limits, 0, sizeof(c->limits));
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	if (method == RG_HTTP_GET) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	} else {
		/* Everything travels in the query string: an empty body. */
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method == RG_HTTP_POST ? (char *)NULL : names[method]);
	}
	c->started_ns = rg_mono_ns();
	c->started_real_ms = real_ms();
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		release(h, c);
		return -EIO;
	}
	return 0;
}

/* Whether a failed transfer can have reached the venue. */
static uint8_t outcome_of(CURL *e, CURLcode rc)
{
	long sent = 0;

	switch (rc) {
	case CURLE_OK: return RG_REST_ANSWERED;
	case CURLE_UNSUPPORTED_PROTOCOL: case CURLE_URL_MALFORMAT: case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_CERTPROBLEM:
		return RG_REST_NOT_SENT;
	default:
		curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &sent);
		return sent > 0 ? RG_REST_IN_DOUBT : RG_REST_NOT_SENT;
	}
}

unsigned rg_rest_http_poll(struct rg_rest_http *h, int extra_fd, int timeout_ms, rg_rest_done_fn done, void *ctx)
{
	struct curl_waitfd wfd = {.fd = extra_fd, .events = CURL_WAIT_POLLIN, .revents = 0};
	CURLMsg *m;
	int running = 0, left = 0;
	unsigned finished = 0;

	if (timeout_ms > 0)
		curl_multi_poll(h->multi, extra_fd >= 0 ? &wfd : NULL, extra_fd >= 0 ? 1u : 0u, timeout_ms, NULL);
	if (h->in_flight == 0)
		return 0;
	curl_multi_perform(h->multi, &running);
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct rg_rest_call *c = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		c->curl_code = (int)m->data.result;
		c->outcome = outcome_of(m->easy_handle, m->data.result);
		if (c->outcome == RG_REST_ANSWERED)
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &c->status);
		long opened = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &opened);
		h->connections += opened > 0 ? (uint64_t)opened : 0;
		curl_multi_remove_handle(h->multi, m->easy_handle);
		c->finished_ns = rg_mono_ns();
		c->finished_real_ms = real_ms();
		done(ctx, c);
		release(h, c);
		finished++;
	}
	return finished;
}
