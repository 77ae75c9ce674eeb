/*
 * The waiting side of the doorbell (<riskgate/doorbell.h>): how the engine
 * thread falls asleep on the doorbell words of the rings it reads.
 *
 *     rg_doorbell_wait_begin(&d, asleep);   asleep = 1 (seq_cst)
 *     rg_doorbell_wait_add(&d, bell, ...);  each ring's bell: its value now (seq_cst)
 *     if (every ring is still empty)        look again, after the bells
 *             rg_doorbell_wait_until(&d, until);
 *     rg_doorbell_wait_end(asleep);
 *
 * A producer publishes into its ring, moves its bell, then reads asleep
 * and, if it reads 1, wakes the waiter (all seq_cst; <riskgate/doorbell.h>
 * has the argument).  Whatever the interleaving, either the look after the
 * bells sees the message or the wait finds a bell moved (and returns at
 * once) or is woken: no wake-up is lost (tests/engine/test_doorbell.c races
 * the two).  No fence: ThreadSanitizer follows it.
 */
#ifndef RG_DOORBELL_WAIT_H
#define RG_DOORBELL_WAIT_H

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_PRIVATE_FLAG
#define FUTEX_PRIVATE_FLAG 128
#endif

#define RG_DOORBELL_WAIT_MAX FUTEX_WAITV_MAX
#define RG_DOORBELL_MOVED (-1L)   /* a bell had moved before the wait began */
#define RG_DOORBELL_TIMEOUT (-2L) /* until_ns came */

struct rg_doorbell_wait {
	struct futex_waitv w[RG_DOORBELL_WAIT_MAX];
	unsigned n;
};

static inline void rg_doorbell_wait_begin(struct rg_doorbell_wait *d, uint32_t *asleep)
{
	d->n = 0;
	__atomic_store_n(asleep, 1, __ATOMIC_SEQ_CST);
}

/* A bell to wait on (its value now); `private_bell`: in this process's own
 * memory.  False when RG_DOORBELL_WAIT_MAX bells are in already. */
static inline bool rg_doorbell_wait_add(struct rg_doorbell_wait *d, uint32_t *bell, bool private_bell)
{
	struct futex_waitv *w = &d->w[d->n];

	if (d->n == RG_DOORBELL_WAIT_MAX)
		return false;
	w->val = __atomic_load_n(bell, __ATOMIC_SEQ_CST);
	w->uaddr = (uint64_t)(uintptr_t)bell;
	w->flags = FUTEX_32 | (private_bell ? FUTEX_PRIVATE_FLAG : 0);
	w->__reserved = 0;
	d->n++;
	return true;
}

/*
 * Waits until a bell moves from the value _add read, or CLOCK_MONOTONIC
 * until_ns.  Returns the index of the bell that woke it, RG_DOORBELL_MOVED,
 * RG_DOORBELL_TIMEOUT, -EINTR (a signal), or -ENOSYS (no futex_waitv: Linux
 * before 5.16; the caller sleeps by other means).
 */
static inline long rg_doorbell_wait_until(struct rg_doorbell_wait *d, uint64_t until_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(until_ns / 1000000000ull), .tv_nsec = (long)(until_ns % 1000000000ull)};
	long rc = syscall(SYS_futex_waitv, d->w, d->n, 0, &ts, CLOCK_MONOTONIC);

	if (rc >= 0)
		return rc;
	if (errno == EAGAIN)
		return RG_DOORBELL_MOVED;
	if (errno == ETIMEDOUT)
		return RG_DOORBELL_TIMEOUT;
	return -errno;
}

static inline void rg_doorbell_wait_end(uint32_t *asleep)
{
	__atomic_store_n(asleep, 0, __ATOMIC_RELEASE);
}

#endif /* RG_DOORBELL_WAIT_H */
