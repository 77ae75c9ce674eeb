/*
 * ring_bench's timed loops, declared for the C++ harness in ring_bench.cc.
 *
 * Four transports are driven by loops of the same shape (ring_loops.c):
 *   pp     two single-writer cache lines: the machine's core-to-core floor
 *   lines  a control: two arrays of single-writer lines, a fresh line per
 *          message in slot order, no ring logic; what any ring of 64-byte
 *          slots pays for moving to a new line each message
 *   rg     riskgate's rg_ring (shm/ring.h), 56-byte payload in a 64-byte slot
 *   ck     Concurrency Kit's ck_ring, typed SPSC interface, 64-byte elements
 * Each has an "initiate" side (core 0: sends, waits for the echo, records the
 * round trip in ticks) and an "echo" side (core 1), and rg and ck also have a
 * produce/consume pair for throughput.  The rings are opaque here because
 * ck_ring.h is C only.
 *
 * Every message carries a sequence number in its first 8 bytes; consumers
 * count the ones that arrive out of order (the return values named
 * "errors"), which must be zero for a run to be valid.
 */
#ifndef RGB_RING_LOOPS_H
#define RGB_RING_LOOPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RGB_MAX_BURST 256u

/* Two cache lines, each written by one thread only and 128 bytes apart so
 * that the adjacent-line prefetcher never pairs them. */
struct rgb_pp_line {
	uint64_t v;             /* last value written by the line's owner */
	unsigned char pad[120];
} __attribute__((aligned(128)));

struct rgb_pingpong {
	struct rgb_pp_line a;   /* written by the initiator only */
	struct rgb_pp_line b;   /* written by the echo side only */
};

struct rgb_lines; /* two arrays of `capacity` lines: requests and responses */
struct rgb_rg; /* an rg_ring in its own memory, with producer and consumer handles */
struct rgb_ck; /* a ck_ring and its buffer of 64-byte elements */

/* Allocate and format a ring of `capacity` slots (a power of two); NULL on
 * failure.  Pages are touched before return. */
struct rgb_lines *rgb_lines_create(unsigned capacity);
void rgb_lines_destroy(struct rgb_lines *l);
struct rgb_rg *rgb_rg_create(unsigned capacity);
void rgb_rg_destroy(struct rgb_rg *r);
struct rgb_ck *rgb_ck_create(unsigned capacity);
void rgb_ck_destroy(struct rgb_ck *r);

/* Latency: `n` round trips carrying sequence numbers base..base+n-1; the
 * initiator stores round trip i in rtt[i] (ticks, saturated at UINT32_MAX).
 * The echo side must be given the same base and n. */
void rgb_pp_initiate(struct rgb_pingpong *pp, uint64_t base, uint32_t n, uint32_t *rtt);
void rgb_pp_echo(struct rgb_pingpong *pp, uint64_t base, uint32_t n);
void rgb_lines_initiate(struct rgb_lines *l, uint64_t base, uint32_t n, uint32_t *rtt);
void rgb_lines_echo(struct rgb_lines *l, uint64_t base, uint32_t n);
uint64_t rgb_rg_initiate(struct rgb_rg *req, struct rgb_rg *resp, uint64_t base, uint32_t n, uint32_t *rtt);
uint64_t rgb_rg_echo(struct rgb_rg *req, struct rgb_rg *resp, uint64_t base, uint32_t n);
uint64_t rgb_ck_initiate(struct rgb_ck *req, struct rgb_ck *resp, uint64_t base, uint32_t n, uint32_t *rtt);
uint64_t rgb_ck_echo(struct rgb_ck *req, struct rgb_ck *resp, uint64_t base, uint32_t n);

/* Throughput: the producer sends n messages, one call per message (or
 * `burst` per call, at most RGB_MAX_BURST); the consumer receives them the
 * same way and returns how many were out of order. */
void rgb_rg_produce(struct rgb_rg *r, uint64_t base, uint64_t n);
uint64_t rgb_rg_consume(struct rgb_rg *r, uint64_t base, uint64_t n);
void rgb_rg_produce_burst(struct rgb_rg *r, uint64_t base, uint64_t n, unsigned burst);
uint64_t rgb_rg_consume_burst(struct rgb_rg *r, uint64_t base, uint64_t n, unsigned burst);
void rgb_ck_produce(struct rgb_ck *r, uint64_t base, uint64_t n);
uint64_t rgb_ck_consume(struct rgb_ck *r, uint64_t base, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif /* RGB_RING_LOOPS_H */
