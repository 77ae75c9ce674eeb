/*
 * Whether an engine holds its instance's lock (instance_lock.h): the lock
 * file's device and inode looked up among the kernel's flocks in
 * /proc/locks.  Read-only: taking the lock, even shared and for a moment,
 * could make a restarting engine's own LOCK_EX | LOCK_NB fail.
 */
#include "instance_lock.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <riskgate/abi.h>

int rg_instance_lock_held(const char *instance)
{
	char path[RG_SEG_NAME_MAX + 16], line[256];
	struct stat st;
	FILE *f;
	int held = 0;

	if ((size_t)snprintf(path, sizeof(path), "/dev/shm" RG_SEG_PREFIX "%s.lock", instance) >= sizeof(path) ||
	    stat(path, &st) != 0)
		return -1;
	f = fopen("/proc/locks", "re");
	if (f == NULL)
		return -1;
	/* "1: FLOCK  ADVISORY  WRITE 4242 00:1a:1234 0 EOF"; a waiter's line
	 * has "->" after the number and is not a holder. */
	while (held == 0 && fgets(line, sizeof(line), f) != NULL) {
		char kind[16];
		unsigned maj, min;
		unsigned long long ino;

		if (sscanf(line, "%*d: %15s %*s %*s %*d %x:%x:%llu", kind, &maj, &min, &ino) == 4 &&
		    strcmp(kind, "FLOCK") == 0 && maj == major(st.st_dev) && min == minor(st.st_dev) &&
		    ino == (unsigned long long)st.st_ino)
			held = 1;
	}
	fclose(f);
	return held;
}
