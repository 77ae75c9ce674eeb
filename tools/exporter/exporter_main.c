/*
 * riskgate-exporter: an instance's metrics over HTTP, for Prometheus and
 * for people.  A process of its own that only reads the instance's shared
 * memory (the control segment, and the kill segment when its group admits
 * it), so it costs the engine's hot thread nothing and can be restarted at
 * any time.
 *
 *   GET /metrics        Prometheus text 0.0.4, or OpenMetrics 1.0 when the
 *                       scraper's Accept header asks for it (Prometheus does)
 *   GET /               the live dashboard: one self-contained page, drawn
 *                       in the browser from /api/snapshot
 *   GET /api/snapshot   JSON: riskctl stats --json plus accounts, kills and
 *                       latency buckets
 *
 * libmicrohttpd serves requests on one internal thread, one at a time; each
 * request maps the segments afresh, so an engine restart is followed.
 * Listens on 127.0.0.1 unless told otherwise: metrics show positions and
 * PnL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <riskgate/abi.h>

#include "metrics_text.h"
#include "snapshot_json.h"
#include "strbuf.h"

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif
#define DEFAULT_LISTEN "127.0.0.1:9470"

extern const char rg_dashboard_html[];     /* dashboard.html, embedded at build time */
extern const unsigned long rg_dashboard_html_len;

struct server {
	char instance[RG_NAME_MAX];
};

static void usage(FILE *f)
{
	fprintf(f, "usage: riskgate-exporter [--instance NAME] [--listen ADDR:PORT]\n"
		   "  --instance NAME     instance to export (default: $RISKGATE_INSTANCE or \"demo\")\n"
		   "  --listen ADDR:PORT  where to serve (default " DEFAULT_LISTEN "; [::1]:PORT for IPv6;\n"
		   "                      port 0 picks a free one and prints it)\n"
		   "serves /metrics (Prometheus / OpenMetrics), / (dashboard), /api/snapshot (JSON)\n");
}

/* "127.0.0.1:9470", "0.0.0.0:9470", "[::1]:9470" into addr; 0 or -EINVAL. */
static int parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(addr, 0, sizeof(*addr));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)addr;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -EINVAL;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct server *srv = cls;
	struct rg_strbuf b = {0};
	size_t len;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics") == 0) {
		const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
		bool om = accept != NULL && strstr(accept, "application/openmetrics-text") != NULL;
		rg_metrics_write(&b, srv->instance, om);
		body = rg_strbuf_take(&b, &len);
		if (body == NULL)
			return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		return reply(c, MHD_HTTP_OK, om ? RG_METRICS_CT_OPENMETRICS : RG_METRICS_CT_PROMETHEUS, body, len,
			     MHD_RESPMEM_MUST_FREE);
	}
	if (strcmp(url, "/api/snapshot") == 0) {
		json_t *o = rg_snapshot_json(srv->instance);
		body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (body == NULL)
			return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		return reply(c, MHD_HTTP_OK, "application/json", body, strlen(body), MHD_RESPMEM_MUST_FREE);
	}
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)rg_dashboard_html,
			     (size_t)rg_dashboard_html_len, MHD_RESPMEM_PERSISTENT);
	return text(c, MHD_HTTP_NOT_FOUND, "not found: try /, /metrics or /api/snapshot\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'}, {"listen", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *instance = getenv("RISKGATE_INSTANCE") != NULL ? getenv("RISKGATE_INSTANCE") : "demo";
	const char *listen_at = DEFAULT_LISTEN;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct server srv;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t stop;
	char shown[80];
	int c, sig;

	while ((c = getopt_long(argc, argv, "i:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'i': instance = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("riskgate-exporter %s (shm ABI %u)\n", RG_VERSION, RG_ABI_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!rg_name_valid(instance)) {
		fprintf(stderr, "riskgate-exporter: '%s' is not a valid instance name\n", instance);
		return 2;
	}
	if (parse_listen(listen_at, &addr, &addr_len) != 0) {
		fprintf(stderr, "riskgate-exporter: --listen %s: want ADDR:PORT, e.g. 127.0.0.1:9470 or [::1]:9470\n",
			listen_at);
		return 2;
	}
	snprintf(srv.instance, sizeof(srv.instance), "%s", instance);
	/* Stop signals are taken by sigwait below, never by the server thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				     (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)64, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "riskgate-exporter: cannot listen on %s (in use, or not an address of this host?)\n",
			listen_at);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(shown, sizeof(shown), "%.*s:%u", (int)(strrchr(listen_at, ':') - listen_at), listen_at,
		 info != NULL ? (unsigned)info->port : 0u);
	printf("riskgate-exporter %s: instance '%s' on http://%s/ (metrics: http://%s/metrics)\n", RG_VERSION, instance,
	       shown, shown);
	fflush(stdout);
	while (sigwait(&stop, &sig) != 0)
		;
	MHD_stop_daemon(d);
	printf("riskgate-exporter: %s received: stopped\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
