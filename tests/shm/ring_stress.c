/*
 * Ring stress test: moves tens of millions of messages through one rg_ring
 * between two processes (over a real session segment) or two threads (for
 * ThreadSanitizer), mixing single, burst and in-place (claim / commit,
 * peek / release) calls on both sides, and checks
 * every message's sequence and payload.
 *
 *   ring_stress --processes|--threads [--count N]
 *
 * Exits 0 when every message arrived once, in order and intact.  Busy loops
 * spin briefly and then yield, so the test shares a 2-core machine.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <riskgate/segment.h>

struct msg {
	uint64_t seq;
	uint64_t words[(RG_SLOT_PAYLOAD - 8) / 8];
};
_Static_assert(sizeof(struct msg) == RG_SLOT_PAYLOAD, "message fills a slot");

static void fill(struct msg *m, uint64_t seq)
{
	m->seq = seq;
	for (unsigned i = 0; i < sizeof(m->words) / 8; i++)
		m->words[i] = (seq + i) * 0x9E3779B97F4A7C15ull;
}

static int check(const struct msg *m, uint64_t seq)
{
	if (m->seq != seq) {
		fprintf(stderr, "ring_stress: expected message %" PRIu64 ", got %" PRIu64 "\n", seq, m->seq);
		return -1;
	}
	for (unsigned i = 0; i < sizeof(m->words) / 8; i++) {
		if (m->words[i] != (seq + i) * 0x9E3779B97F4A7C15ull) {
			fprintf(stderr, "ring_stress: message %" PRIu64 " payload word %u corrupt\n", seq, i);
			return -1;
		}
	}
	return 0;
}

static void backoff(unsigned *spins)
{
	if (++*spins > 256) {
		*spins = 0;
		sched_yield();
	}
}

static void produce(struct rg_ring *r, uint64_t count)
{
	struct msg batch[16];
	uint64_t sent = 0;
	unsigned spins = 0;

	while (sent < count) {
		unsigned want = (unsigned)(sent % 16) + 1, n;
		if (want > count - sent)
			want = (unsigned)(count - sent);
		if (sent % 5 == 0) {
			fill(&batch[0], sent);
			n = rg_ring_push_spsc(r, &batch[0]) ? 1 : 0;
		} else if (sent % 7 == 0) { /* written in place */
			uint64_t pos;
			void *slot = rg_ring_claim_spsc(r, &pos);
			n = 0;
			if (slot != NULL) {
				fill(slot, sent);
				rg_ring_commit_spsc(r, pos);
				n = 1;
			}
		} else {
			for (unsigned i = 0; i < want; i++)
				fill(&batch[i], sent + i);
			n = rg_ring_push_burst_spsc(r, batch, want);
		}
		if (n == 0)
			backoff(&spins);
		sent += n;
	}
}

static int consume(struct rg_ring *r, uint64_t count)
{
	struct msg batch[16];
	uint64_t got = 0;
	unsigned spins = 0;

	while (got < count) {
		unsigned n;
		if (got % 3 == 0) {
			n = rg_ring_pop_spsc(r, &batch[0]) ? 1 : 0;
		} else if (got % 3 == 1) { /* read in place */
			uint64_t pos = rg_ring_read_pos(r);
			const struct msg *m;
			for (n = 0; n < 16 && (m = rg_ring_peek_spsc(r, pos + n)) != NULL; n++)
				if (check(m, got + n) != 0)
					return -1;
			rg_ring_release_spsc(r, pos + n);
			got += n;
			if (n == 0)
				backoff(&spins);
			continue;
		} else {
			n = rg_ring_pop_burst_spsc(r, batch, 16);
		}
		if (n == 0) {
			backoff(&spins);
			continue;
		}
		for (unsigned i = 0; i < n; i++)
			if (check(&batch[i], got + i) != 0)
				return -1;
		got += n;
	}
	return 0;
}

struct producer_arg {
	struct rg_ring *ring;
	uint64_t count;
};

static void *producer_thread(void *p)
{
	struct producer_arg *a = p;

	produce(a->ring, a->count);
	return NULL;
}

static int run_threads(uint64_t count)
{
	const uint64_t cap = 1024;
	void *mem = aligned_alloc(RG_RING_GUARD, rg_ring_memsize(cap));
	struct rg_ring prod, cons;
	struct producer_arg arg;
	pthread_t t;
	int rc;

	if (mem == NULL || rg_ring_init(mem, cap) != 0 || rg_ring_attach(&prod, mem, cap) != 0 ||
	    rg_ring_attach(&cons, mem, cap) != 0)
		return -1;
	arg.ring = &prod;
	arg.count = count;
	if (pthread_create(&t, NULL, producer_thread, &arg) != 0)
		return -1;
	rc = consume(&cons, count);
	pthread_join(t, NULL);
	free(mem);
	return rc;
}

static int run_processes(uint64_t count)
{
	struct rg_seg_perms perms = {(uid_t)-1, (gid_t)-1, 0600, false};
	struct rg_seg_map seg;
	struct rg_ring ring;
	char instance[32], err[256];
	int rc, status;
	pid_t child;

	snprintf(instance, sizeof(instance), "stress%d", (int)getpid());
	if (rg_seg_create(&seg, instance, "s", 1024, 2, 0, &perms, err, sizeof(err)) != 0) {
		fprintf(stderr, "ring_stress: %s\n", err);
		return -1;
	}
	rg_seg_publish_ready(&seg);
	rg_seg_unlink(instance, "s"); /* the mapping lives on; nothing to clean up on failure */
	if (rg_ring_attach(&ring, (char *)seg.base + seg.layout.order_off, 1024) != 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		produce(&ring, count);
		_exit(0);
	}
	rc = consume(&ring, count);
	if (rc != 0)
		kill(child, SIGKILL);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = -1;
	rg_seg_detach(&seg);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t count = 50000000;
	int threads = -1;
	struct timespec t0, t1;
	double secs;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0)
			threads = 1;
		else if (strcmp(argv[i], "--processes") == 0)
			threads = 0;
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else
			threads = -1, i = argc;
	}
	if (threads < 0) {
		fprintf(stderr, "usage: ring_stress --processes|--threads [--count N]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = threads ? run_threads(count) : run_processes(count);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc != 0) {
		fprintf(stderr, "ring_stress: FAILED\n");
		return 1;
	}
	printf("ring_stress (%s): %" PRIu64 " messages checked in %.2f s (%.1f M/s)\n", threads ? "threads" : "processes",
	       count, secs, (double)count / secs / 1e6);
	return 0;
}
