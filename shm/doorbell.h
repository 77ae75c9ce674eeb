/*
 * The engine's doorbell (engine idle_policy "spin_sleep"): an engine with
 * nothing to do spins a little, then says it is asleep (rg_control's
 * engine_asleep) and waits in the kernel on the doorbell words of its
 * sessions and adapters (futex_waitv), at most until its next 1 ms tick.
 * Whoever puts work in one of its rings rings that ring's doorbell: it
 * increments the word and, when the engine says it is asleep, wakes it
 * (FUTEX_WAKE).
 *
 * No wake-up is lost, with seq_cst atomics only: the producer publishes
 * into its ring, increments its bell (seq_cst), then reads engine_asleep
 * (seq_cst); the engine stores engine_asleep = 1 (seq_cst), reads the bells
 * (seq_cst), then the rings, and waits for the bells to move from what it
 * read.  If the increment comes first, the engine's read of the bell sees
 * it and, through it, the message; if the engine's read comes first, its
 * engine_asleep = 1 came before the increment, so the producer reads 1 and
 * wakes it, and a wait that begins after the increment returns at once (the
 * bell moved).  While the engine is awake a message costs the producer one
 * atomic increment of its own line and one load of a line the engine writes
 * only when it sleeps or wakes; against an engine that never sleeps
 * (doorbell_on 0) one load.
 */
#ifndef RG_DOORBELL_H
#define RG_DOORBELL_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * After putting work in a ring the engine reads: moves `bell` and, when
 * `*asleep` says the engine sleeps, wakes it.  `private_bell`: the bell is
 * in the engine process's own memory (its adapters), not in shared memory.
 */
static inline void rg_doorbell_ring(const uint32_t *asleep, uint32_t *bell, int private_bell)
{
	__atomic_fetch_add(bell, 1, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(asleep, __ATOMIC_SEQ_CST) == 0, 1))
		return;
	syscall(SYS_futex, bell, private_bell ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 1, NULL, NULL, 0);
}

#endif /* RG_DOORBELL_H */
