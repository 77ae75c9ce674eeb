/*
 * Unit tests of the SPSC ring (shm/ring.h), single-threaded: sizing and
 * validation, empty and full, in-place writes and reads, wrap-around,
 * counters near 2^32 and 2^64, partial bursts, lazy publication, and a
 * corrupted consumer position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <riskgate/ring.h>

struct msg {
	uint64_t seq;
	uint64_t check;
	unsigned char fill[RG_SLOT_PAYLOAD - 16];
};
_Static_assert(sizeof(struct msg) == RG_SLOT_PAYLOAD, "test message fills a slot");

static struct msg make_msg(uint64_t seq)
{
	struct msg m;

	m.seq = seq;
	m.check = seq * 0x9E3779B97F4A7C15ull ^ 0xA5A5A5A5u;
	memset(m.fill, (int)(seq & 0xff), sizeof(m.fill));
	return m;
}

static void assert_msg(const struct msg *m, uint64_t seq)
{
	assert_int_equal(m->seq, seq);
	assert_int_equal(m->check, seq * 0x9E3779B97F4A7C15ull ^ 0xA5A5A5A5u);
	for (size_t i = 0; i < sizeof(m->fill); i++)
		assert_int_equal(m->fill[i], (unsigned char)(seq & 0xff));
}

/* A ring in its own aligned allocation, formatted at `start`. */
static struct rg_ring *new_ring(uint64_t cap, uint64_t start)
{
	struct rg_ring *r = malloc(sizeof(*r));
	void *mem = aligned_alloc(RG_RING_GUARD, rg_ring_memsize(cap));

	assert_non_null(r);
	assert_non_null(mem);
	assert_int_equal(_rg_ring_init_at(mem, cap, start), 0);
	assert_int_equal(rg_ring_attach(r, mem, cap), 0);
	return r;
}

static void free_ring(struct rg_ring *r)
{
	free(r->shared);
	free(r);
}

static void memsize_rejects_bad_capacities(void **state)
{
	(void)state;
	assert_int_equal(rg_ring_memsize(0), 0);
	assert_int_equal(rg_ring_memsize(1), 0);
	assert_int_equal(rg_ring_memsize(3), 0);
	assert_int_equal(rg_ring_memsize(1000), 0);
	assert_int_equal(rg_ring_memsize((uint64_t)RG_RING_MAX_CAPACITY * 2), 0);
	assert_int_equal(rg_ring_memsize(2), sizeof(struct rg_ring_shared) + 2 * RG_SLOT_SIZE);
	assert_int_equal(rg_ring_memsize(1024), sizeof(struct rg_ring_shared) + 1024 * RG_SLOT_SIZE);
}

static void init_rejects_null_misaligned_and_bad_capacity(void **state)
{
	void *mem = aligned_alloc(RG_RING_GUARD, rg_ring_memsize(64) + RG_RING_GUARD);

	(void)state;
	assert_int_equal(rg_ring_init(NULL, 64), -EINVAL);
	assert_int_equal(rg_ring_init((char *)mem + 8, 64), -EINVAL);
	assert_int_equal(rg_ring_init(mem, 63), -EINVAL);
	assert_int_equal(rg_ring_init(mem, 64), 0);
	free(mem);
}

static void attach_rejects_capacity_mismatch_and_garbage(void **state)
{
	void *mem = aligned_alloc(RG_RING_GUARD, rg_ring_memsize(64));
	struct rg_ring r;

	(void)state;
	assert_int_equal(rg_ring_init(mem, 64), 0);
	assert_int_equal(rg_ring_attach(&r, mem, 128), -EBADMSG);
	assert_int_equal(rg_ring_attach(&r, mem, 100), -EINVAL);
	assert_int_equal(rg_ring_attach(&r, (char *)mem + 64, 64), -EINVAL);
	memset(mem, 0x5a, sizeof(struct rg_ring_shared));
	assert_int_equal(rg_ring_attach(&r, mem, 64), -EBADMSG);
	free(mem);
}

static void pop_fails_when_empty(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg m;

	(void)state;
	assert_false(rg_ring_pop_spsc(r, &m));
	assert_int_equal(rg_ring_pop_burst_spsc(r, &m, 1), 0);
	assert_int_equal(rg_ring_pending(r, 100), 0);
	free_ring(r);
}

static void push_fails_when_full(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg m;

	(void)state;
	for (uint64_t i = 0; i < 8; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	m = make_msg(8);
	assert_false(rg_ring_push_spsc(r, &m));
	assert_int_equal(rg_ring_push_burst_spsc(r, &m, 1), 0);
	assert_int_equal(rg_ring_pending(r, 100), 8);
	for (uint64_t i = 0; i < 8; i++) {
		assert_true(rg_ring_pop_spsc(r, &m));
		assert_msg(&m, i);
	}
	assert_false(rg_ring_pop_spsc(r, &m));
	free_ring(r);
}

/* A message written in place: claimed, filled, committed; the claim finds no
 * slot when the ring is full, and nothing is visible before the commit. */
static void claim_and_commit_write_in_place(void **state)
{
	struct rg_ring *r = new_ring(4, 0);
	struct msg m;
	uint64_t pos = 0;
	void *slot;

	(void)state;
	for (uint64_t i = 0; i < 4; i++) {
		assert_non_null(slot = rg_ring_claim_spsc(r, &pos));
		assert_int_equal(pos, i);
		m = make_msg(i);
		memcpy(slot, &m, sizeof(m));
		assert_int_equal(rg_ring_pending(r, 100), i); /* not yet published */
		rg_ring_commit_spsc(r, pos);
		assert_int_equal(rg_ring_pending(r, 100), i + 1);
	}
	assert_null(rg_ring_claim_spsc(r, &pos));
	for (uint64_t i = 0; i < 4; i++) {
		assert_true(rg_ring_pop_spsc(r, &m));
		assert_msg(&m, i);
	}
	assert_non_null(rg_ring_claim_spsc(r, &pos)); /* room again after the pops */
	assert_int_equal(pos, 4);
	free_ring(r);
}

/* Peek reads in place without moving the consumer; the slots go back to
 * the producer only at release, and only up to the position released;
 * across the 2^64 wrap of the counters. */
static void peek_and_release_read_in_place(void **state)
{
	struct rg_ring *r = new_ring(4, UINT64_MAX - 1);
	struct msg m;
	uint64_t pos;

	(void)state;
	pos = rg_ring_read_pos(r);
	assert_int_equal(pos, UINT64_MAX - 1);
	assert_null(rg_ring_peek_spsc(r, pos));
	for (uint64_t i = 0; i < 4; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	for (uint64_t i = 0; i < 4; i++) {
		const struct msg *in = rg_ring_peek_spsc(r, pos + i);
		assert_non_null(in);
		assert_msg(in, i);
	}
	assert_null(rg_ring_peek_spsc(r, pos + 4));
	m = make_msg(4);
	assert_false(rg_ring_push_spsc(r, &m)); /* peeked, not released: still full */
	assert_int_equal(rg_ring_read_pos(r), pos);
	rg_ring_release_spsc(r, pos + 2);
	assert_int_equal(rg_ring_read_pos(r), pos + 2);
	assert_true(rg_ring_push_spsc(r, &m)); /* two slots back */
	m = make_msg(5);
	assert_true(rg_ring_push_spsc(r, &m));
	m = make_msg(6);
	assert_false(rg_ring_push_spsc(r, &m));
	for (uint64_t i = 2; i < 6; i++) {
		assert_true(rg_ring_pop_spsc(r, &m)); /* the other calls carry on from the release */
		assert_msg(&m, i);
	}
	assert_false(rg_ring_pop_spsc(r, &m));
	assert_int_equal(rg_ring_read_pos(r), pos + 6);
	free_ring(r);
}

/* Runs `laps` laps of a mixed single/burst traffic pattern from `start`,
 * checking every message: exercises wrap-around of index and counters. */
static void run_laps(uint64_t cap, uint64_t start, uint64_t messages)
{
	struct rg_ring *r = new_ring(cap, start);
	struct msg batch[7], m;
	uint64_t sent = 0, got = 0;

	while (got < messages) {
		unsigned want = (unsigned)(sent % 7) + 1, n;
		if (sent % 3 == 0) {
			m = make_msg(sent);
			if (sent < messages && rg_ring_push_spsc(r, &m))
				sent++;
		} else {
			for (unsigned i = 0; i < want; i++)
				batch[i] = make_msg(sent + i);
			if (sent + want > messages)
				want = (unsigned)(messages - sent);
			sent += rg_ring_push_burst_spsc(r, batch, want);
		}
		if (got % 2 == 0) {
			n = rg_ring_pop_burst_spsc(r, batch, 5);
			for (unsigned i = 0; i < n; i++)
				assert_msg(&batch[i], got + i);
			got += n;
		} else if (rg_ring_pop_spsc(r, &m)) {
			assert_msg(&m, got);
			got++;
		}
	}
	assert_int_equal(sent, messages);
	assert_false(rg_ring_pop_spsc(r, &m));
	assert_int_equal(r->shared->head, start + messages);
	assert_int_equal(r->shared->tail, start + messages);
	free_ring(r);
}

static void wraps_around_many_laps(void **state)
{
	(void)state;
	run_laps(16, 0, 100000);
	run_laps(2, 0, 1000);
}

static void counters_cross_2_pow_32(void **state)
{
	(void)state;
	run_laps(16, (1ull << 32) - 37, 1000);
}

static void counters_cross_2_pow_64(void **state)
{
	(void)state;
	/* Starts 37 before the 64-bit wrap: positions and sequences wrap to 0. */
	run_laps(16, UINT64_MAX - 36, 1000);
	run_laps(8, UINT64_MAX, 100);
}

static void push_burst_is_partial_when_space_is_short(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg batch[8];

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		batch[i] = make_msg(i);
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 5), 5);
	for (unsigned i = 0; i < 8; i++)
		batch[i] = make_msg(5 + i);
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 8), 3); /* only 3 free */
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 8), 0);
	assert_int_equal(rg_ring_pop_burst_spsc(r, batch, 2), 2);
	assert_msg(&batch[0], 0);
	assert_msg(&batch[1], 1);
	for (unsigned i = 0; i < 8; i++)
		batch[i] = make_msg(8 + i);
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 8), 2);
	assert_int_equal(rg_ring_pop_burst_spsc(r, batch, 8), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_msg(&batch[i], 2 + i);
	free_ring(r);
}

static void pop_burst_returns_only_what_is_there(void **state)
{
	struct rg_ring *r = new_ring(64, 0);
	struct msg batch[32], m;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	assert_int_equal(rg_ring_pop_burst_spsc(r, batch, 32), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_msg(&batch[i], i);
	assert_int_equal(rg_ring_pop_burst_spsc(r, batch, 32), 0);
	free_ring(r);
}

/* The consumer publishes lazily; a producer that filled the ring must still
 * see the space freed by single pops once the consumer finds it empty, and by
 * every burst pop. */
static void producer_sees_space_after_single_pops(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg m;

	(void)state;
	for (uint64_t i = 0; i < 8; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	assert_true(rg_ring_pop_spsc(r, &m)); /* one pop: may not be published yet */
	for (uint64_t i = 1; i < 8; i++)
		assert_true(rg_ring_pop_spsc(r, &m));
	assert_false(rg_ring_pop_spsc(r, &m)); /* empty: publishes */
	assert_int_equal(r->shared->published_tail, 8);
	for (uint64_t i = 8; i < 16; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	free_ring(r);
}

static void single_pops_publish_every_quarter_ring(void **state)
{
	struct rg_ring *r = new_ring(64, 0);
	struct msg m;

	(void)state;
	for (uint64_t i = 0; i < 64; i++) {
		m = make_msg(i);
		assert_true(rg_ring_push_spsc(r, &m));
	}
	for (uint64_t i = 0; i < 15; i++)
		assert_true(rg_ring_pop_spsc(r, &m));
	assert_int_equal(r->shared->published_tail, 0);
	assert_true(rg_ring_pop_spsc(r, &m)); /* 16th: a quarter of the ring consumed */
	assert_int_equal(r->shared->published_tail, 16);
	m = make_msg(64);
	assert_true(rg_ring_push_spsc(r, &m));
	free_ring(r);
}

static void producer_sees_space_after_burst_pop(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg batch[8];

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		batch[i] = make_msg(i);
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 8), 8);
	assert_int_equal(rg_ring_pop_burst_spsc(r, batch, 3), 3);
	assert_int_equal(r->shared->published_tail, 3);
	assert_int_equal(rg_ring_push_burst_spsc(r, batch, 8), 3);
	free_ring(r);
}

/* A peer that writes a consumer position ahead of the producer must make the
 * producer see a full ring, never overwrite unread slots. */
static void corrupt_consumer_position_reads_as_full(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg m = make_msg(0);

	(void)state;
	assert_true(rg_ring_push_spsc(r, &m));
	r->shared->published_tail = 1000;
	r->shared->cached_tail = 1000;
	assert_false(rg_ring_push_spsc(r, &m));
	assert_int_equal(rg_ring_push_burst_spsc(r, &m, 1), 0);
	r->shared->published_tail = UINT64_MAX / 2;
	assert_false(rg_ring_push_spsc(r, &m));
	free_ring(r);
}

/* A slot with a sequence that does not match stops the consumer: garbage a
 * producer leaves in a slot is never read as a message. */
static void consumer_ignores_slots_with_wrong_sequence(void **state)
{
	struct rg_ring *r = new_ring(8, 0);
	struct msg m;

	(void)state;
	r->slots[0].seq = 5;
	assert_false(rg_ring_pop_spsc(r, &m));
	r->slots[0].seq = 0;
	memset(r->slots[0].payload, 0, RG_SLOT_PAYLOAD);
	assert_true(rg_ring_pop_spsc(r, &m));
	assert_int_equal(m.seq, 0);
	free_ring(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memsize_rejects_bad_capacities),
		cmocka_unit_test(init_rejects_null_misaligned_and_bad_capacity),
		cmocka_unit_test(attach_rejects_capacity_mismatch_and_garbage),
		cmocka_unit_test(pop_fails_when_empty),
		cmocka_unit_test(push_fails_when_full),
		cmocka_unit_test(claim_and_commit_write_in_place),
		cmocka_unit_test(peek_and_release_read_in_place),
		cmocka_unit_test(wraps_around_many_laps),
		cmocka_unit_test(counters_cross_2_pow_32),
		cmocka_unit_test(counters_cross_2_pow_64),
		cmocka_unit_test(push_burst_is_partial_when_space_is_short),
		cmocka_unit_test(pop_burst_returns_only_what_is_there),
		cmocka_unit_test(producer_sees_space_after_single_pops),
		cmocka_unit_test(single_pops_publish_every_quarter_ring),
		cmocka_unit_test(producer_sees_space_after_burst_pop),
		cmocka_unit_test(corrupt_consumer_position_reads_as_full),
		cmocka_unit_test(consumer_ignores_slots_with_wrong_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
