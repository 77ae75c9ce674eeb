/*
 * A hostile strategy: writes random bytes into its order ring's slots (only
 * the client order id is kept readable, so the answers can be counted) and
 * checks that every one of them is rejected and the engine stays alive.
 *
 *   garbage_strategy INSTANCE STRATEGY COUNT
 * Exit 0: COUNT rejections, engine alive.  1 otherwise.
 *
 *   garbage_strategy INSTANCE STRATEGY truncate
 * Sends 10 messages, waits for their answers, then truncates its own session
 * segment to nothing (the engine's next look at it faults) and exits without
 * closing (its own mapping is gone too).  Exit 0 when the truncation was made.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <riskgate/client.h>

static int truncate_own_session(struct rg_client *c)
{
	unsigned char bytes[RG_SLOT_PAYLOAD] = {0};
	struct rg_report r[16];
	unsigned answered = 0;

	for (uint64_t id = 1; id <= 10; id++) {
		memcpy(bytes, &id, sizeof(id));
		bytes[48] = 1; /* a reserved byte set: MALFORMED */
		while (!rg_ring_push_spsc(&c->orders, bytes))
			;
	}
	for (uint64_t deadline = rg_client_now_ns() + 30000000000ull; answered < 10 && rg_client_now_ns() < deadline;)
		answered += rg_client_poll(c, r, 16);
	if (answered < 10 || ftruncate(c->session.fd, 0) != 0) {
		fprintf(stderr, "garbage_strategy: %s\n", answered < 10 ? "no answers" : strerror(errno));
		return 1;
	}
	printf("garbage_strategy: truncated session after %u answers\n", answered);
	fflush(stdout);
	_exit(0); /* no rg_client_close: its peer line is gone with the pages */
}

int main(int argc, char **argv)
{
	struct rg_client c;
	struct rg_report r[64];
	char err[256];
	uint64_t count, sent = 0, rejected = 0, other = 0, seed = 0x9E3779B97F4A7C15ull;

	if (argc != 4 || rg_client_open(&c, argv[1], argv[2], err, sizeof(err)) != 0) {
		fprintf(stderr, "garbage_strategy: %s\n", argc != 4 ? "usage: INSTANCE STRATEGY COUNT" : err);
		return 1;
	}
	if (strcmp(argv[3], "truncate") == 0)
		return truncate_own_session(&c);
	count = strtoull(argv[3], NULL, 10);
	for (uint64_t deadline = rg_client_now_ns() + 10000000000ull;
	     (sent < count || rejected + other < count) && rg_client_now_ns() < deadline;) {
		if (sent < count) {
			unsigned char bytes[RG_SLOT_PAYLOAD];
			for (size_t i = 0; i < sizeof(bytes); i++) {
				seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
				bytes[i] = (unsigned char)seed;
			}
			uint64_t id = sent + 1;
			memcpy(bytes, &id, sizeof(id)); /* client_order_id */
			if (rg_ring_push_spsc(&c.orders, bytes))
				sent++;
		}
		unsigned n = rg_client_poll(&c, r, 64);
		for (unsigned i = 0; i < n; i++) {
			if (r[i].kind == RG_REPORT_REJECTED)
				rejected++;
			else
				other++;
		}
		rg_client_heartbeat(&c);
	}
	bool alive = rg_client_engine_alive(&c, 2000000000ull);
	printf("garbage_strategy: %" PRIu64 " random messages, %" PRIu64 " rejected, %" PRIu64 " other answers, engine %s\n",
	       sent, rejected, other, alive ? "alive" : "DEAD");
	rg_client_close(&c);
	return sent == count && rejected + other == count && alive ? 0 : 1;
}
