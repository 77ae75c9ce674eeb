/*
 * Files and segments the engine trusts only because it made them: the check
 * that an open file is of the expected type, owned by the engine's user (or
 * root, where that is what an installed file looks like) and not writable by
 * anyone else, with an error that says which of these failed.
 *
 * Named things in /dev/shm and in directories other users can write may be
 * created by anyone before the engine looks: another uid can plant a journal
 * ring, kill segment or lock under the instance's name and wait for the engine
 * to adopt it.  Every segment or file the engine opens without O_EXCL goes
 * through rg_owned_check_fd on the descriptor it opened (fstat: no window
 * between the check and the use), and opening by path adds O_NOFOLLOW where a
 * symbolic link could point the engine elsewhere and O_NONBLOCK so that a
 * FIFO in place of a file fails the type check instead of blocking the open.
 *
 * Engine side, cold path only (library riskgate_shm).
 */
#ifndef RG_OWNED_FILE_H
#define RG_OWNED_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a file must be for the engine to use it. */
struct rg_owned_rule {
	const char *what;  /* for errors: "journal ring", "config file", ... */
	mode_t type;       /* S_IFREG or S_IFDIR */
	bool root_ok;      /* root may own it as well as the engine's user (a file an administrator installed) */
	mode_t forbidden;  /* permission bits that must be clear, e.g. 0022: nobody else may write it */
};

/*
 * Checks the open file `fd` (called `name` in the error) against `rule`: its
 * type, its owner (geteuid(), or root when root_ok) and that none of the
 * forbidden permission bits is set.  Returns 0, or
 *   -EINVAL  not of the expected type (a FIFO, a directory, a device...)
 *   -EPERM   owned by another user, or writable by users the rule excludes
 *   -errno   fstat failed
 * with one line in err naming the file, what is wrong and what to do.
 */
int rg_owned_check_fd(int fd, const char *name, const struct rg_owned_rule *rule, char *err, size_t errlen);

/*
 * Opens `path` with `flags` (O_CLOEXEC, O_NOCTTY and O_NONBLOCK are added;
 * O_NOFOLLOW when `nofollow`; `mode` for O_CREAT) and checks it with
 * rg_owned_check_fd; O_NONBLOCK is cleared again before returning.  Returns
 * the descriptor, or -errno (-ELOOP for a symbolic link under nofollow) with
 * the cause in err.
 */
int rg_owned_open(const char *path, int flags, mode_t mode, bool nofollow, const struct rg_owned_rule *rule,
		  char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RG_OWNED_FILE_H */
