/*
 * audit_bench's timed loops, in C (the journal's headers are C):
 *
 *   throughput   a producer on the engine core appends records as fast as
 *                the ring takes them; a consumer on the other core stores
 *                them: the journal writer (io_uring, 256 KiB blocks, 4 in
 *                flight), or a plain write(2) loop (one call per record, or
 *                one per block) keeping the same SHA-256 block chain.  Timed
 *                from the first append to the last record's write completing
 *                (in the page cache; no fdatasync in the window).
 *   append cost  the engine thread's cost per record, batches of appends
 *                timed with the TSC while the writer drains on the other core
 *   e2e model    a strategy on core 0 sends one order at a time through an
 *                rg_ring to an engine loop on core 1 that decides it with the
 *                real checks (bench/checks_lab.h) and answers through another
 *                rg_ring, with or without journaling the order and its
 *                decision; the writer thread runs on core 0 throughout
 */
#ifndef RGB_AUDIT_LOOPS_H
#define RGB_AUDIT_LOOPS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_audit;

/* A journal ring of `capacity` records on a fresh instance and a scratch
 * directory under $RG_BENCH_DIR or /tmp; the consumer runs on consumer_cpu.
 * NULL (message on stderr) on failure. */
struct rgb_audit *rgb_audit_create(uint64_t capacity, int consumer_cpu);
void rgb_audit_destroy(struct rgb_audit *a);

enum rgb_audit_consumer {
	RGB_AUDIT_URING = 0,      /* the journal writer */
	RGB_AUDIT_WRITE_RECORD,   /* write(2) per record */
	RGB_AUDIT_WRITE_BLOCK,    /* write(2) per 256 KiB block */
};

/* Appends n records on the calling thread with consumer `c` storing them;
 * returns elapsed ticks until the last one is stored, 0 on failure, and in
 * *consumer_cpu_ns the CPU time the process spent meanwhile other than the
 * producer's (the consumer thread and the kernel's io_uring workers).  The
 * file is removed afterwards. */
uint64_t rgb_audit_throughput(struct rgb_audit *a, enum rgb_audit_consumer c, uint64_t n, uint64_t *consumer_cpu_ns);

/* With the writer thread draining: `rounds` batches of `batch` records
 * appended on the calling thread, one rg_journal_order_decided (one
 * ORDER_DECIDED record) per order when `pairs`, else one rg_journal_append per record.
 * ns[i] gets batch i's ticks per record.  Before each batch (untimed) it
 * waits until the writer is within `lag` records of the producer.
 * Returns false on failure. */
bool rgb_audit_append_cost(struct rgb_audit *a, unsigned rounds, unsigned batch, bool pairs, uint64_t lag,
			   double *ticks_per_record);

/* The writer's hashing alone: ticks per record to chain `blocks` full
 * 256 KiB blocks the way a file of format `version` hashes them, chunk
 * digests with the SHA extensions when `lanes` (and the CPU has them), runs
 * of them sixteen at a time with AVX-512 when also `wide` (idem), else
 * OpenSSL's.  0 on failure. */
double rgb_audit_chain_ticks(unsigned version, bool lanes, bool wide, unsigned blocks);

struct rgb_audit_e2e;

/* The e2e model: risk state of checks_lab with 100 symbols, engine loop
 * thread pinned to engine_cpu (started here), the journal writer running on
 * the consumer cpu of `a`.  NULL on failure. */
struct rgb_audit_e2e *rgb_audit_e2e_create(struct rgb_audit *a, int engine_cpu);
void rgb_audit_e2e_destroy(struct rgb_audit_e2e *e);

/* n orders one at a time, journaled by the engine loop or not; round trip
 * ticks into rtt[i].  Returns the number not approved (should be 0). */
uint64_t rgb_audit_e2e_round(struct rgb_audit_e2e *e, bool journal, uint32_t n, uint32_t *rtt);

#ifdef __cplusplus
}
#endif

#endif /* RGB_AUDIT_LOOPS_H */
