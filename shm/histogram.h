/*
 * A log-linear latency histogram (HDR-style) in a fixed, pointer-free struct,
 * so it can live in shared memory with one writer and any number of readers.
 *
 * Values are nanoseconds.  Below 2^RG_HIST_SUB_BITS every value has its own
 * bucket; above, each power of two is split into 2^RG_HIST_SUB_BITS equal
 * sub-buckets, so a bucket's width is at most 1/64 of its lower bound
 * (relative error < 1.6 %).  Recording is a count-leading-zeros, two shifts
 * and an add: no division, no floating point.  Values beyond the top bucket
 * (about 2^40 ns, 18 minutes) are clamped into it.
 *
 * In the control segment the engine is the single writer; readers (riskctl)
 * copy the struct and may see a count and buckets from slightly different
 * moments, which is fine for monitoring.
 */
#ifndef RG_HISTOGRAM_H
#define RG_HISTOGRAM_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RG_HIST_SUB_BITS 6u
#define RG_HIST_SUB (1u << RG_HIST_SUB_BITS)
#define RG_HIST_MAX_BITS 40u
#define RG_HIST_BUCKETS ((RG_HIST_MAX_BITS - RG_HIST_SUB_BITS + 1) * RG_HIST_SUB)

struct rg_histogram {
	uint64_t count;                    /* values recorded */
	uint64_t sum;                      /* their sum (saturating) */
	uint64_t min;                      /* smallest value, UINT64_MAX when empty */
	uint64_t max;                      /* largest value */
	uint64_t buckets[RG_HIST_BUCKETS]; /* counts */
};

static inline void rg_histogram_reset(struct rg_histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket index of v. */
static inline uint32_t rg_histogram_index(uint64_t v)
{
	uint32_t msb, shift;

	if (v < RG_HIST_SUB)
		return (uint32_t)v;
	if (v >= (1ull << RG_HIST_MAX_BITS))
		return RG_HIST_BUCKETS - 1;
	msb = 63u - (uint32_t)__builtin_clzll(v);
	shift = msb - RG_HIST_SUB_BITS;
	return (shift + 1) * RG_HIST_SUB + (uint32_t)((v >> shift) & (RG_HIST_SUB - 1));
}

/* Smallest value that lands in bucket i. */
static inline uint64_t rg_histogram_bucket_low(uint32_t i)
{
	uint32_t shift;

	if (i < RG_HIST_SUB)
		return i;
	shift = i / RG_HIST_SUB - 1;
	return ((uint64_t)RG_HIST_SUB + (i % RG_HIST_SUB)) << shift;
}

/* Records one value.  Single writer; O(1), no division. */
static inline void rg_histogram_record(struct rg_histogram *h, uint64_t v)
{
	h->buckets[rg_histogram_index(v)]++;
	h->count++;
	h->sum = h->sum + v < h->sum ? UINT64_MAX : h->sum + v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* The value at `per_million` (500000 = median, 999000 = p99.9): the low end of
 * the bucket holding that rank, capped at max.  0 when empty.  Cold path. */
static inline uint64_t rg_histogram_percentile(const struct rg_histogram *h, uint64_t per_million)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	rank = (h->count * per_million + 999999) / 1000000;
	if (rank == 0)
		rank = 1;
	for (uint32_t i = 0; i < RG_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t low = rg_histogram_bucket_low(i);
			return low > h->max ? h->max : low < h->min ? h->min : low;
		}
	}
	return h->max;
}

#ifdef __cplusplus
}
#endif

#endif /* RG_HISTOGRAM_H */
