/*
 * A strategy that follows a script, for the sim venue's fill rules and its
 * scripted market (sim.market_file): reads commands from stdin, one a line,
 *
 *     order ID buy|sell QTY PRICE day|ioc   send a limit order (client order id ID)
 *     wait-done ID                          until order ID is filled out, cancelled or refused
 *     wait-acked ID                         until order ID is acknowledged by the venue
 *     sleep-ms N                            read reports for N ms
 *     expect-open ID                        order ID has had no fill and is not done
 *     market FILE LINE...                   write "LINE" lines to FILE (a new file renamed over it)
 *
 * and prints every execution as "fill ID QTY PRICE" (decimals) on stdout.
 *
 *   sim_orders INSTANCE STRATEGY SYMBOL < SCRIPT
 * Exit 0 when the script ran through; 1 when a wait timed out (60 s) or an
 * expectation failed (on stderr); 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <riskgate/client.h>

#define DEADLINE_NS 60000000000ull
#define MAX_ORDERS 64

static struct {
	uint64_t id;
	int filled, acked, done;
} orders[MAX_ORDERS];

static int slot(uint64_t id)
{
	for (int i = 0; i < MAX_ORDERS; i++)
		if (orders[i].id == id)
			return i;
	return -1;
}

static void print_e8(int64_t v)
{
	printf("%" PRId64 ".%08" PRId64, v / 100000000, v % 100000000);
}

static void pump(struct rg_client *c)
{
	struct rg_report r[32];
	unsigned n = rg_client_poll(c, r, 32);

	for (unsigned i = 0; i < n; i++) {
		int k = slot(r[i].client_order_id);
		if (k < 0)
			continue;
		switch (r[i].kind) {
		case RG_REPORT_VENUE_ACK: orders[k].acked = 1; break;
		case RG_REPORT_FILL:
			orders[k].filled = 1;
			orders[k].acked = 1;
			printf("fill %" PRIu64 " ", r[i].client_order_id);
			print_e8(r[i].fill.qty_e8);
			putchar(' ');
			print_e8(r[i].fill.price_e8);
			putchar('\n');
			fflush(stdout);
			if (r[i].fill.leaves_e8 == 0)
				orders[k].done = 1;
			break;
		case RG_REPORT_REJECTED:
			fprintf(stderr, "sim_orders: order %" PRIu64 " refused %s\n", r[i].client_order_id,
				rg_reject_str(r[i].reason));
			orders[k].done = 1;
			break;
		case RG_REPORT_CANCELLED:
		case RG_REPORT_VENUE_REJECT: orders[k].done = 1; break;
		default: break;
		}
	}
}

static bool parse_e8(const char *s, int64_t *out)
{
	char *end;
	double whole = strtod(s, &end);

	if (*end != '\0' || whole <= 0)
		return false;
	/* test input only: two decimals at most, exact after rounding */
	*out = (int64_t)(whole * 100.0 + 0.5) * 1000000;
	return true;
}

static int wait_for(struct rg_client *c, uint64_t id, int want_done)
{
	int k = slot(id);
	uint64_t until = rg_client_now_ns() + DEADLINE_NS;

	while (k >= 0 && !(want_done ? orders[k].done : orders[k].acked)) {
		pump(c);
		rg_client_heartbeat(c);
		if (rg_client_now_ns() > until) {
			fprintf(stderr, "sim_orders: order %" PRIu64 " not %s within 60 s\n", id, want_done ? "done" : "acked");
			return 1;
		}
	}
	return k < 0;
}

int main(int argc, char **argv)
{
	struct rg_client c;
	char line[512], err[256];
	uint32_t sym;
	int n = 0;

	if (argc != 4)
		return 2;
	if (rg_client_open(&c, argv[1], argv[2], err, sizeof(err)) != 0 || rg_client_symbol_id(&c, argv[3], &sym) != 0) {
		fprintf(stderr, "sim_orders: %s\n", err);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char cmd[32] = "", a[64] = "", b[64] = "", q[64] = "", p[64] = "", t[16] = "";
		uint64_t id;

		if (sscanf(line, "%31s %63s %63s %63s %63s %15s", cmd, a, b, q, p, t) < 1)
			continue;
		id = strtoull(a, NULL, 10);
		if (strcmp(cmd, "order") == 0 && n < MAX_ORDERS) {
			struct rg_order o = {0};
			int64_t qty, price;
			if (!parse_e8(q, &qty) || !parse_e8(p, &price))
				return 2;
			o.client_order_id = id;
			o.symbol_id = sym;
			o.side = strcmp(b, "buy") == 0 ? RG_SIDE_BUY : RG_SIDE_SELL;
			o.type = RG_TYPE_LIMIT;
			o.tif = strcmp(t, "ioc") == 0 ? RG_TIF_IOC : RG_TIF_DAY;
			o.qty_e8 = qty;
			o.price_e8 = price;
			o.client_ts_ns = rg_client_now_ns();
			orders[n++].id = id;
			while (!rg_client_submit(&c, &o))
				pump(&c);
		} else if (strcmp(cmd, "wait-done") == 0 || strcmp(cmd, "wait-acked") == 0) {
			if (wait_for(&c, id, strcmp(cmd, "wait-done") == 0) != 0)
				return 1;
		} else if (strcmp(cmd, "sleep-ms") == 0) {
			uint64_t until = rg_client_now_ns() + id * 1000000ull;
			while (rg_client_now_ns() < until) {
				struct timespec ms = {0, 1000000};
				pump(&c);
				rg_client_heartbeat(&c);
				nanosleep(&ms, NULL);
			}
		} else if (strcmp(cmd, "expect-open") == 0) {
			int k = slot(id);
			if (k < 0 || orders[k].filled || orders[k].done) {
				fprintf(stderr, "sim_orders: order %" PRIu64 " is not open unfilled\n", id);
				return 1;
			}
		} else if (strcmp(cmd, "market") == 0) {
			char tmp[600], *rest = strstr(line, a) + strlen(a);
			FILE *f;
			snprintf(tmp, sizeof(tmp), "%s.new", a);
			if ((f = fopen(tmp, "w")) == NULL)
				return 1;
			for (char *s = strtok(rest, ";\n"); s != NULL; s = strtok(NULL, ";\n"))
				fprintf(f, "%s\n", s + strspn(s, " "));
			if (fclose(f) != 0 || rename(tmp, a) != 0)
				return 1;
		}
	}
	rg_client_close(&c);
	return 0;
}
