/*
 * The latency buckets the exporter publishes, cut from the engine's
 * log-linear histogram (shm/histogram.h, 64 buckets per power of two) at
 * every bucket boundary that is a quarter of a power of two: 16, 32, 48 ns,
 * then 64, 80, 96, 112, 128, 160, ... up to 2^36 ns (68.7 s), 124 bounds.
 * A bound is exact: the engine counts whole nanoseconds, so "le" is the
 * largest value below the boundary (le 79 ns = every value under 80 ns) and
 * each cumulative count is a sum of whole engine buckets.  Values from
 * 2^36 ns on fall in +Inf only.
 */
#ifndef RG_LATENCY_BUCKETS_H
#define RG_LATENCY_BUCKETS_H

#include <stdint.h>

#include <riskgate/histogram.h>

#define RG_LB_FIRST_OCTAVE RG_HIST_SUB_BITS /* 2^6 = 64 ns */
#define RG_LB_LAST_OCTAVE 35u               /* its last bound is 1.75 * 2^35 ns; the next, 2^36 */
#define RG_LB_PER_OCTAVE 4u
#define RG_LB_COUNT (3u + (RG_LB_LAST_OCTAVE - RG_LB_FIRST_OCTAVE + 1u) * RG_LB_PER_OCTAVE + 1u)

/* Engine bucket index at which exported bound k begins (k < RG_LB_COUNT). */
static inline uint32_t rg_lb_index(uint32_t k)
{
	if (k < 3)
		return 16u * (k + 1u); /* 16, 32, 48 ns: one engine bucket per ns below 64 */
	k -= 3;
	/* octave o starts at engine index (o - RG_HIST_SUB_BITS + 1) * 64 */
	return (k / RG_LB_PER_OCTAVE + 1u) * RG_HIST_SUB + (k % RG_LB_PER_OCTAVE) * (RG_HIST_SUB / RG_LB_PER_OCTAVE);
}

/* The bound's "le" in nanoseconds: the largest value counted under it. */
static inline uint64_t rg_lb_le_ns(uint32_t k)
{
	return rg_histogram_bucket_low(rg_lb_index(k)) - 1u;
}

/* Cumulative counts: cum[k] = values <= rg_lb_le_ns(k); returns the total. */
static inline uint64_t rg_lb_cumulative(const struct rg_histogram *h, uint64_t *cum)
{
	uint64_t run = 0;
	uint32_t i = 0;

	for (uint32_t k = 0; k < RG_LB_COUNT; k++) {
		for (uint32_t end = rg_lb_index(k); i < end; i++)
			run += h->buckets[i];
		cum[k] = run;
	}
	for (; i < RG_HIST_BUCKETS; i++)
		run += h->buckets[i];
	return run;
}

#endif /* RG_LATENCY_BUCKETS_H */
