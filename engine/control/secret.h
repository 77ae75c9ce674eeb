/*
 * Reading a secret (the Redis password) from a file or the environment,
 * never from the config.  The caller keeps it out of every log line and
 * clears it when done (explicit_bzero).
 */
#ifndef RG_SECRET_H
#define RG_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The first line of `file` (when file is non-empty), else the value of the
 * environment variable `env`, into out (len bytes).  Returns 1 (found), 0
 * (neither given), or -errno with err naming the file but never its content:
 * -ENOENT/-EACCES (file), -EINVAL (empty, or longer than len - 1).
 * *loose is set when the file can be read by users other than its owner.
 */
int rg_secret_load(const char *file, const char *env, char *out, size_t len, bool *loose, char *err, size_t errlen);

#endif /* RG_SECRET_H */
