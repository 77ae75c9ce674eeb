/*
 * Whether an engine serves an instance, asked of the kernel: the engine holds
 * an exclusive flock on /dev/shm/rg.<instance>.lock for as long as it runs
 * (engine/daemon/instance.c), and the kernel drops it the moment the process
 * dies, before anyone reaps it.  A heartbeat only says how long ago the
 * engine last ran; a stalled engine (stopped, starved, in a debugger) and a
 * dead one look alike there.  A pid says little more: a dead engine's pid
 * stays taken while its parent has not reaped it, and may be reused.
 */
#ifndef RG_TOOLS_INSTANCE_LOCK_H
#define RG_TOOLS_INSTANCE_LOCK_H

/* 1: a process holds the instance's lock (its engine lives); 0: nobody does
 * (the engine is gone); -1: cannot tell (no lock file, or /proc/locks
 * unreadable: another mount namespace, no procfs). */
int rg_instance_lock_held(const char *instance);

#endif /* RG_TOOLS_INSTANCE_LOCK_H */
