/*
 * Venue credentials files (credentials.h): "name=value" lines in a regular
 * file of the engine's user (or root) that only its owner may read.  The
 * line buffer is cleared before it goes out of scope, so no secret outlives
 * the copy the caller asked for.
 */
#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

/* The value of "name=value" (trimmed) into c; 1 when the line is c's, 0
 * when not, -1 when the value does not fit. */
static int take(const char *line, struct rg_credential *c)
{
	size_t k = strlen(c->name), n;

	if (strncmp(line, c->name, k) != 0 || line[k] != '=')
		return 0;
	line += k + 1;
	n = strcspn(line, "\r\n");
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= c->cap)
		return -1;
	memcpy(c->out, line, n);
	c->out[n] = '\0';
	c->found = 1;
	return 1;
}

int rg_credentials_read(const char *file, struct rg_credential *creds, unsigned n, char *err, size_t errlen)
{
	/* A regular file of the engine's user (or root, who installed it):
	 * never a FIFO that blocks the start, never credentials another user
	 * chose. */
	static const struct rg_owned_rule rule = {"credentials file", S_IFREG, true, 0};
	char line[1024], why[256];
	struct stat sb;
	FILE *fp;
	int fd, rc = 0;

	for (unsigned i = 0; i < n; i++)
		creds[i].found = 0;
	fd = rg_owned_open(file, O_RDONLY, 0, false, &rule, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "credentials_file: %s", why);
		return fd;
	}
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "credentials_file %s is readable by group or others (chmod 600)", file);
		close(fd);
		return -EACCES;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		rc = -errno;
		close(fd);
		snprintf(err, errlen, "credentials_file %s: %s", file, strerror(-rc));
		return rc;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		for (unsigned i = 0; i < n; i++) {
			int r = take(line, &creds[i]);
			if (r < 0) {
				snprintf(err, errlen, "credentials_file %s: the value of %s is too long", file, creds[i].name);
				rc = -EINVAL;
			}
			if (r != 0)
				break;
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(fp);
	return rc;
}
