/*
 * ring_bench's timed loops (see ring_loops.h).  They live in one C file so
 * that rg_ring and ck_ring are compiled by the same compiler with the same
 * flags and driven by loops of the same shape; only the ring calls differ.
 * ck is used as its documentation intends for inline values: the typed
 * interface from CK_RING_PROTOTYPE, whose enqueue/dequeue copy the whole
 * 64-byte element in and out of the ring buffer.  rg copies its 56-byte
 * payload and publishes with the slot's 8-byte sequence.
 *
 * The pure spins (no pause) are deliberate: both threads are pinned to
 * cores of their own and we time the memory system, not the scheduler.
 */
#include "ring_loops.h"

#include <ck_ring.h>
#include <riskgate/ring.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

/* ---- messages ----------------------------------------------------------- */

/* What rg carries: a sequence number and filler, one slot payload. */
struct rgb_rg_msg {
	uint64_t seq;
	unsigned char filler[RG_SLOT_PAYLOAD - sizeof(uint64_t)];
};
_Static_assert(sizeof(struct rgb_rg_msg) == RG_SLOT_PAYLOAD, "rg message is one payload");

/* What ck carries: a 64-byte element, the same size as an rg slot. */
struct rgb_ck_msg {
	uint64_t seq;
	unsigned char filler[64 - sizeof(uint64_t)];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct rgb_ck_msg) == 64, "ck element is one cache line");

CK_RING_PROTOTYPE(rgb, rgb_ck_msg)

/* ---- rings ---------------------------------------------------------------- */

/* One line of the control stream: a flag its single writer sets. */
struct rgb_line {
	uint64_t v;
	unsigned char pad[56];
} __attribute__((aligned(64)));

struct rgb_lines {
	struct rgb_line *req;  /* written by the initiator only */
	struct rgb_line *resp; /* written by the echo side only */
	uint64_t mask;         /* capacity - 1 */
};

struct rgb_rg {
	struct rg_ring prod __attribute__((aligned(128))); /* producer thread's handle */
	struct rg_ring cons __attribute__((aligned(128))); /* consumer thread's handle */
	void *mem;                                         /* metadata + slots */
};

struct rgb_ck {
	struct ck_ring ring __attribute__((aligned(128))); /* ck's counters, laid out by ck */
	struct rgb_ck_msg *buf;                            /* capacity elements */
};

static void *alloc_pages(size_t size)
{
	size_t rounded = (size + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, rounded);

	if (p != NULL)
		memset(p, 0, rounded);
	return p;
}

struct rgb_lines *rgb_lines_create(unsigned capacity)
{
	struct rgb_lines *l = alloc_pages(sizeof(*l));

	if (l == NULL || capacity < 2 || (capacity & (capacity - 1)) != 0)
		goto fail;
	if ((l->req = alloc_pages((size_t)capacity * sizeof(struct rgb_line))) == NULL ||
	    (l->resp = alloc_pages((size_t)capacity * sizeof(struct rgb_line))) == NULL)
		goto fail;
	l->mask = capacity - 1;
	return l;
fail:
	rgb_lines_destroy(l);
	return NULL;
}

void rgb_lines_destroy(struct rgb_lines *l)
{
	if (l == NULL)
		return;
	free(l->req);
	free(l->resp);
	free(l);
}

struct rgb_rg *rgb_rg_create(unsigned capacity)
{
	struct rgb_rg *r = alloc_pages(sizeof(*r));
	size_t size = rg_ring_memsize(capacity);

	if (r == NULL || size == 0)
		goto fail;
	if ((r->mem = alloc_pages(size)) == NULL)
		goto fail;
	if (rg_ring_init(r->mem, capacity) != 0 || rg_ring_attach(&r->prod, r->mem, capacity) != 0 ||
	    rg_ring_attach(&r->cons, r->mem, capacity) != 0)
		goto fail;
	return r;
fail:
	rgb_rg_destroy(r);
	return NULL;
}

void rgb_rg_destroy(struct rgb_rg *r)
{
	if (r == NULL)
		return;
	free(r->mem);
	free(r);
}

struct rgb_ck *rgb_ck_create(unsigned capacity)
{
	struct rgb_ck *r = alloc_pages(sizeof(*r));

	if (r == NULL || capacity < 2 || (capacity & (capacity - 1)) != 0)
		goto fail;
	if ((r->buf = alloc_pages((size_t)capacity * sizeof(struct rgb_ck_msg))) == NULL)
		goto fail;
	ck_ring_init(&r->ring, capacity);
	return r;
fail:
	rgb_ck_destroy(r);
	return NULL;
}

void rgb_ck_destroy(struct rgb_ck *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

static inline uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- latency: ping-pong of two lines -------------------------------------- */

void rgb_pp_initiate(struct rgb_pingpong *pp, uint64_t base, uint32_t n, uint32_t *rtt)
{
	uint64_t prev = rgb_ticks();

	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = base + i;

		__atomic_store_n(&pp->a.v, want, __ATOMIC_RELEASE);
		RGB_SPIN_UNTIL(__atomic_load_n(&pp->b.v, __ATOMIC_ACQUIRE) == want, "ping-pong reply");
		uint64_t now = rgb_ticks();
		rtt[i] = sat32(now - prev);
		prev = now;
	}
}

void rgb_pp_echo(struct rgb_pingpong *pp, uint64_t base, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = base + i;

		RGB_SPIN_UNTIL(__atomic_load_n(&pp->a.v, __ATOMIC_ACQUIRE) == want, "ping-pong request");
		__atomic_store_n(&pp->b.v, want, __ATOMIC_RELEASE);
	}
}

/* ---- latency: a stream of lines, one per message -------------------------- */

void rgb_lines_initiate(struct rgb_lines *l, uint64_t base, uint32_t n, uint32_t *rtt)
{
	uint64_t prev = rgb_ticks();

	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = base + i, k = want & l->mask;

		__atomic_store_n(&l->req[k].v, want, __ATOMIC_RELEASE);
		RGB_SPIN_UNTIL(__atomic_load_n(&l->resp[k].v, __ATOMIC_ACQUIRE) == want, "line-stream reply");
		uint64_t now = rgb_ticks();
		rtt[i] = sat32(now - prev);
		prev = now;
	}
}

void rgb_lines_echo(struct rgb_lines *l, uint64_t base, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = base + i, k = want & l->mask;

		RGB_SPIN_UNTIL(__atomic_load_n(&l->req[k].v, __ATOMIC_ACQUIRE) == want, "line-stream request");
		__atomic_store_n(&l->resp[k].v, want, __ATOMIC_RELEASE);
	}
}

/* ---- latency: a request ring and a response ring -------------------------- */

uint64_t rgb_rg_initiate(struct rgb_rg *req, struct rgb_rg *resp, uint64_t base, uint32_t n, uint32_t *rtt)
{
	struct rgb_rg_msg m;
	uint64_t errors = 0, prev;

	memset(&m, 0, sizeof(m));
	prev = rgb_ticks();
	for (uint32_t i = 0; i < n; i++) {
		m.seq = base + i;
		RGB_SPIN_UNTIL(rg_ring_push_spsc(&req->prod, &m), "rg request ring space");
		RGB_SPIN_UNTIL(rg_ring_pop_spsc(&resp->cons, &m), "rg response");
		errors += m.seq != base + i;
		uint64_t now = rgb_ticks();
		rtt[i] = sat32(now - prev);
		prev = now;
	}
	return errors;
}

uint64_t rgb_rg_echo(struct rgb_rg *req, struct rgb_rg *resp, uint64_t base, uint32_t n)
{
	struct rgb_rg_msg m;
	uint64_t errors = 0;

	for (uint32_t i = 0; i < n; i++) {
		RGB_SPIN_UNTIL(rg_ring_pop_spsc(&req->cons, &m), "rg request");
		errors += m.seq != base + i;
		RGB_SPIN_UNTIL(rg_ring_push_spsc(&resp->prod, &m), "rg response ring space");
	}
	return errors;
}

uint64_t rgb_ck_initiate(struct rgb_ck *req, struct rgb_ck *resp, uint64_t base, uint32_t n, uint32_t *rtt)
{
	struct rgb_ck_msg m;
	uint64_t errors = 0, prev;

	memset(&m, 0, sizeof(m));
	prev = rgb_ticks();
	for (uint32_t i = 0; i < n; i++) {
		m.seq = base + i;
		RGB_SPIN_UNTIL(ck_ring_enqueue_spsc_rgb(&req->ring, req->buf, &m), "ck request ring space");
		RGB_SPIN_UNTIL(ck_ring_dequeue_spsc_rgb(&resp->ring, resp->buf, &m), "ck response");
		errors += m.seq != base + i;
		uint64_t now = rgb_ticks();
		rtt[i] = sat32(now - prev);
		prev = now;
	}
	return errors;
}

uint64_t rgb_ck_echo(struct rgb_ck *req, struct rgb_ck *resp, uint64_t base, uint32_t n)
{
	struct rgb_ck_msg m;
	uint64_t errors = 0;

	for (uint32_t i = 0; i < n; i++) {
		RGB_SPIN_UNTIL(ck_ring_dequeue_spsc_rgb(&req->ring, req->buf, &m), "ck request");
		errors += m.seq != base + i;
		RGB_SPIN_UNTIL(ck_ring_enqueue_spsc_rgb(&resp->ring, resp->buf, &m), "ck response ring space");
	}
	return errors;
}

/* ---- throughput ------------------------------------------------------------ */

void rgb_rg_produce(struct rgb_rg *r, uint64_t base, uint64_t n)
{
	struct rgb_rg_msg m;

	memset(&m, 0, sizeof(m));
	for (uint64_t i = 0; i < n; i++) {
		m.seq = base + i;
		RGB_SPIN_UNTIL(rg_ring_push_spsc(&r->prod, &m), "rg ring space");
	}
}

uint64_t rgb_rg_consume(struct rgb_rg *r, uint64_t base, uint64_t n)
{
	struct rgb_rg_msg m;
	uint64_t errors = 0;

	for (uint64_t i = 0; i < n; i++) {
		RGB_SPIN_UNTIL(rg_ring_pop_spsc(&r->cons, &m), "rg message");
		errors += m.seq != base + i;
	}
	return errors;
}

void rgb_rg_produce_burst(struct rgb_rg *r, uint64_t base, uint64_t n, unsigned burst)
{
	struct rgb_rg_msg msgs[RGB_MAX_BURST];

	memset(msgs, 0, sizeof(msgs));
	if (burst == 0 || burst > RGB_MAX_BURST)
		burst = RGB_MAX_BURST;
	for (uint64_t i = 0; i < n;) {
		unsigned b = n - i < burst ? (unsigned)(n - i) : burst, done = 0;

		for (unsigned k = 0; k < b; k++)
			msgs[k].seq = base + i + k;
		RGB_SPIN_UNTIL((done += rg_ring_push_burst_spsc(&r->prod, msgs + done, b - done)) == b,
			       "rg ring space (burst)");
		i += b;
	}
}

uint64_t rgb_rg_consume_burst(struct rgb_rg *r, uint64_t base, uint64_t n, unsigned burst)
{
	struct rgb_rg_msg msgs[RGB_MAX_BURST];
	uint64_t errors = 0;

	if (burst == 0 || burst > RGB_MAX_BURST)
		burst = RGB_MAX_BURST;
	for (uint64_t i = 0; i < n;) {
		unsigned want = n - i < burst ? (unsigned)(n - i) : burst, got;

		RGB_SPIN_UNTIL((got = rg_ring_pop_burst_spsc(&r->cons, msgs, want)) != 0, "rg messages (burst)");
		for (unsigned k = 0; k < got; k++)
			errors += msgs[k].seq != base + i + k;
		i += got;
	}
	return errors;
}

void rgb_ck_produce(struct rgb_ck *r, uint64_t base, uint64_t n)
{
	struct rgb_ck_msg m;

	memset(&m, 0, sizeof(m));
	for (uint64_t i = 0; i < n; i++) {
		m.seq = base + i;
		RGB_SPIN_UNTIL(ck_ring_enqueue_spsc_rgb(&r->ring, r->buf, &m), "ck ring space");
	}
}

uint64_t rgb_ck_consume(struct rgb_ck *r, uint64_t base, uint64_t n)
{
	struct rgb_ck_msg m;
	uint64_t errors = 0;

	for (uint64_t i = 0; i < n; i++) {
		RGB_SPIN_UNTIL(ck_ring_dequeue_spsc_rgb(&r->ring, r->buf, &m), "ck message");
		errors += m.seq != base + i;
	}
	return errors;
}
