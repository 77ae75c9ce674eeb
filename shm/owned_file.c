/*
 * The engine's ownership check of the files and segments it opens
 * (owned_file.h).  The check is made on the descriptor, after the open, so
 * nothing can be swapped in between; the message names the owner by name
 * and number, because "owned by uid 65534" alone sends an operator to
 * /etc/passwd.
 */
#include "owned_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *user_of(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char scratch[1024];

	if (getpwuid_r(uid, &pw, scratch, sizeof(scratch), &res) == 0 && res != NULL)
		snprintf(buf, len, "uid %u (%s)", (unsigned)uid, pw.pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFLNK: return "a symbolic link";
	default: return "of an unknown type";
	}
}

int rg_owned_check_fd(int fd, const char *name, const struct rg_owned_rule *rule, char *err, size_t errlen)
{
	char owner[96], engine[96];
	struct stat st;
	uid_t me = geteuid();
	int rc;

	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: fstat: %s", rule->what, name, strerror(-rc));
		return rc;
	}
	if ((st.st_mode & S_IFMT) != rule->type) {
		snprintf(err, errlen, "%s %s: is %s, not %s: refusing it", rule->what, name, type_name(st.st_mode),
			 type_name(rule->type));
		return -EINVAL;
	}
	if (st.st_uid != me && !(rule->root_ok && st.st_uid == 0)) {
		snprintf(err, errlen,
			 "%s %s: owned by %s, not by the engine's %s%s: another user may have planted it; "
			 "refusing it (check who created it, remove it, start again)",
			 rule->what, name, user_of(st.st_uid, owner, sizeof(owner)), user_of(me, engine, sizeof(engine)),
			 rule->root_ok ? " or root" : "");
		return -EPERM;
	}
	if ((st.st_mode & rule->forbidden) != 0) {
		snprintf(err, errlen, "%s %s: mode %04o lets %s write it; refusing it (chmod %s)", rule->what, name,
			 (unsigned)(st.st_mode & 07777), (st.st_mode & rule->forbidden & 0002) ? "every user" : "its group",
			 (rule->forbidden & 0020) ? "go-w" : "o-w");
		return -EPERM;
	}
	return 0;
}

int rg_owned_open(const char *path, int flags, mode_t mode, bool nofollow, const struct rg_owned_rule *rule,
		  char *err, size_t errlen)
{
	int fd, rc;

	fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), mode);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP && nofollow)
			snprintf(err, errlen, "%s %s: is a symbolic link: refusing it", rule->what, path);
		else
			snprintf(err, errlen, "%s %s: cannot open: %s", rule->what, path, strerror(-rc));
		return rc;
	}
	rc = rg_owned_check_fd(fd, path, rule, err, errlen);
	if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: fcntl: %s", rule->what, path, strerror(-rc));
	}
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return fd;
}
