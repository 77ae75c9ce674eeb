/*
 * Secrets from a file or the environment (secret.h).  The file's first line
 * is the secret; a trailing CR/LF is not part of it.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

static int from_file(const char *file, char *out, size_t len, bool *loose, char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t n;
	char more = '\n';
	int fd, rc;

	/* A regular file of the engine's user or root: never a FIFO that would
	 * block the watcher, never a password someone else chose. */
	static const struct rg_owned_rule rule = {"password file", S_IFREG, true, 0};
	fd = rg_owned_open(file, O_RDONLY, 0, false, &rule, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) == 0)
		*loose = (st.st_mode & 0044) != 0;
	/* out was zeroed: reading len - 1 bytes leaves it NUL-terminated. */
	got = read(fd, out, len - 1);
	rc = got < 0 ? -errno : 0;
	n = got > 0 ? strcspn(out, "\r\n") : 0;
	if (got > 0 && n == (size_t)got && n == len - 1 && read(fd, &more, 1) != 1)
		more = '\n';
	close(fd);
	if (rc != 0) {
		snprintf(err, errlen, "password file %s: %s", file, strerror(-rc));
		return rc;
	}
	if (more != '\n' && more != '\r') {
		explicit_bzero(out, len);
		snprintf(err, errlen, "password file %s: first line longer than %zu bytes", file, len - 1);
		return -EINVAL;
	}
	explicit_bzero(out + n, len - n);
	if (n == 0) {
		snprintf(err, errlen, "password file %s: empty first line", file);
		return -EINVAL;
	}
	return 1;
}

int rg_secret_load(const char *file, const char *env, char *out, size_t len, bool *loose, char *err, size_t errlen)
{
	const char *v;

	*loose = false;
	memset(out, 0, len);
	if (file != NULL && file[0] != '\0')
		return from_file(file, out, len, loose, err, errlen);
	v = env != NULL ? getenv(env) : NULL;
	if (v == NULL || v[0] == '\0')
		return 0;
	if (strlen(v) >= len) {
		snprintf(err, errlen, "%s: longer than %zu bytes", env, len - 1);
		return -EINVAL;
	}
	memcpy(out, v, strlen(v));
	return 1;
}
