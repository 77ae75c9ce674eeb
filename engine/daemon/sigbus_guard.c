/*
 * SIGBUS guard (see sigbus_guard.h).  The handler only reads the session
 * table, calls mmap and stores a flag: no locks, no allocation, nothing that
 * is unsafe in a signal handler on Linux.  A fault outside every session
 * mapping is a real bug: the default action is restored and the fault
 * repeats, so the engine dies with a core as it should.
 */
#include "sigbus_guard.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

static struct rg_instance *guarded;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t addr = (uintptr_t)info->si_addr;

	(void)uctx;
	for (uint32_t i = 0; guarded != NULL && i < guarded->n_sessions; i++) {
		struct rg_session *s = &guarded->sessions[i];
		uintptr_t base = (uintptr_t)s->map.base;

		if (addr < base || addr >= base + s->map.size)
			continue;
		if (mmap(s->map.base, s->map.size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0) == MAP_FAILED)
			break;
		__atomic_store_n(&s->revoked, 1, __ATOMIC_RELAXED);
		return;
	}
	signal(sig, SIG_DFL);
}

int rg_sigbus_guard_install(struct rg_instance *in)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	guarded = in;
	return sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -errno;
}
