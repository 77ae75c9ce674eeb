/*
 * Internal to engine/control's kill segment files: the word-wise atomic
 * copies every access to the segment goes through, and a clock read.
 *
 * Copies under a seqlock use acquire loads and release stores, word by word,
 * instead of relaxed ones plus standalone fences (ThreadSanitizer cannot model
 * a fence): a data store cannot be seen before the odd generation stored
 * ahead of it, and a reader's closing re-read of the generation cannot pass a
 * data load.  On x86-64 both are plain moves.
 */
#ifndef RG_KILL_WORDS_H
#define RG_KILL_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"

#define RG_KILL_SNAPSHOT_TRIES 8   /* the engine's snapshot: then -EAGAIN, never a wait */
#define RG_KILL_READ_TRIES 10000   /* other readers: yield between tries */

static inline void kw_load(void *dst, const void *src, size_t bytes)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	for (size_t i = 0; i < bytes / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_ACQUIRE);
}

static inline void kw_store(void *dst, const void *src, size_t bytes)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	for (size_t i = 0; i < bytes / 8; i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELEASE);
}

static inline uint32_t kw_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint64_t kw_load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

#endif /* RG_KILL_WORDS_H */
