/*
 * Venue credentials from a file of "name=value" lines, for adapters whose
 * secrets are more than one line (an API key and its secret): the file must
 * be a regular file of the engine's user (or root) readable by its owner
 * only; values are trimmed, '#' starts a comment line.  Nothing read is ever
 * written anywhere; the caller clears its copies with explicit_bzero when
 * done.  The FIX and REST adapters both read theirs with it.
 */
#ifndef RG_CREDENTIALS_H
#define RG_CREDENTIALS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rg_credential {
	const char *name; /* e.g. "api_key" */
	char *out;        /* receives the value, NUL terminated */
	size_t cap;       /* bytes at out */
	int found;        /* set to 1 when the file had it */
};

/*
 * Reads `file` into creds[0..n).  Returns 0, or -errno with err naming the
 * file and the fault but never a value: -ENOENT/-EACCES (cannot open),
 * -EPERM (owned by another user), -EINVAL (not a regular file: a FIFO, a
 * directory; or a value too long), -EACCES (readable by group or others:
 * chmod 600).  Names the file does not have are left with found = 0.  Cold.
 */
int rg_credentials_read(const char *file, struct rg_credential *creds, unsigned n, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RG_CREDENTIALS_H */
