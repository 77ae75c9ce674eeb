/*
 * The engine's doorbell (engine idle_policy "spin_sleep"): an engine with
 * nothing to do spins a little, then says it is asleep (rg_control's
 * engine_asleep) and waits in the kernel on the doorbell words of its
 * sessions and adapters (futex_waitv), at most until its next 1 ms tick.
 * Whoever puts work in one of its rings while it sleeps rings that ring's
 * doorbell: increments the word and wakes the engine (FUTEX_WAKE).
 *
 * No wake-up is lost: the producer publishes into its ring, then a seq_cst
 * fence, then reads engine_asleep; the engine stores engine_asleep = 1,
 * then a seq_cst fence, then reads the doorbell words and then the rings.
 * Either the engine sees the work, or the producer sees it asleep and moves
 * the word the engine is about to wait on (a futex wait on a moved word
 * returns at once).  While the engine is awake a ring costs the producer a
 * fence and one load of a line the engine writes only when it sleeps or
 * wakes; against an engine that never sleeps (doorbell_on 0) one load.
 */
#ifndef RG_DOORBELL_H
#define RG_DOORBELL_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * After putting work in a ring the engine reads: rings `bell` when
 * `*asleep` says the engine sleeps.  `private_bell`: the bell is in the
 * engine process's own memory (its adapters), not in shared memory.
 */
static inline void rg_doorbell_ring(const uint32_t *asleep, uint32_t *bell, int private_bell)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(asleep, __ATOMIC_RELAXED) == 0, 1))
		return;
	__atomic_fetch_add(bell, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, bell, private_bell ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 1, NULL, NULL, 0);
}

#endif /* RG_DOORBELL_H */
