/*
 * The kill segment's lifetime (kill_segment.h): its name, creating it with
 * the operators' group and mode, attaching it with every check in order, and
 * the permission message that names the group allowed to write.  The writers
 * are kill_writer.c, the engine's reader kill_reader.c, the roster and the
 * Redis status kill_status.c.
 */
#include "kill_segment.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <riskgate/abi.h>

#include "owned_file.h"

#include "kill_words.h"

/* ---- names, errors ------------------------------------------------------- */

int rg_kill_seg_name(char *buf, size_t len, const char *instance)
{
	int n;

	if (!rg_name_valid(instance))
		return -EINVAL;
	n = snprintf(buf, len, RG_SEG_PREFIX "%s.kill", instance);
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

static const char *group_name(gid_t gid, char *buf, size_t len)
{
	struct group gr, *res = NULL;
	char scratch[1024];

	if (getgrgid_r(gid, &gr, scratch, sizeof(scratch), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s", gr.gr_name);
	else
		snprintf(buf, len, "%u", (unsigned)gid);
	return buf;
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char scratch[1024];

	if (getpwuid_r(uid, &pw, scratch, sizeof(scratch), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

/* The sentence for EACCES: who may do what, from the file's owner, group and mode. */
static void permission_message(char *err, size_t errlen, const char *name, bool writable)
{
	char path[RG_KILL_SEG_NAME_MAX + 16], grp[64], usr[64];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: permission denied", name);
		return;
	}
	group_name(st.st_gid, grp, sizeof(grp));
	user_name(st.st_uid, usr, sizeof(usr));
	if (writable)
		snprintf(err, errlen,
			 "permission denied: only group %s may write the kill segment %s (owner %s, mode %04o)", grp,
			 name, usr, (unsigned)(st.st_mode & 07777));
	else
		snprintf(err, errlen, "permission denied: only owner %s and group %s may read the kill segment %s (mode %04o)",
			 usr, grp, name, (unsigned)(st.st_mode & 07777));
	if (writable && (st.st_mode & 0020) == 0)
		snprintf(err + strlen(err), errlen - strlen(err), "; the mode gives the group no write access");
}

/* ---- validation ---------------------------------------------------------- */

/* Checks a header copied out of the mapping against this build. */
static int check_header(const struct rg_kill_header *h, const char *instance, size_t file_size, const char *name,
			char *err, size_t errlen)
{
	const char *what = NULL;

	if (h->magic == 0) {
		snprintf(err, errlen, "%s: being created (try again)", name);
		return -EAGAIN;
	}
	if (h->magic != RG_KILL_MAGIC) {
		snprintf(err, errlen, "%s: not a riskgate kill segment", name);
		return -EBADMSG;
	}
	if (h->abi_version != RG_KILL_ABI_VERSION) {
		snprintf(err, errlen,
			 "%s: kill segment ABI version %u, this build speaks %u (note its kills with the matching riskctl, "
			 "remove it once no engine runs, restart, and kill again)",
			 name, h->abi_version, RG_KILL_ABI_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (h->header_size != sizeof(struct rg_kill_header))
		what = "header size";
	else if (h->total_size != sizeof(struct rg_kill_shared))
		what = "total size";
	else if (h->kill_capacity != RG_KILL_MAX || h->cmd_capacity != RG_KILL_CMD_MAX)
		what = "capacities";
	else if (h->entry_size != sizeof(struct rg_kill_entry) || h->cmd_size != sizeof(struct rg_kill_cmd) ||
		 h->result_size != sizeof(struct rg_kill_result) || h->roster_size != sizeof(struct rg_kill_roster))
		what = "record sizes";
	else if (file_size < sizeof(struct rg_kill_shared))
		what = "file shorter than its layout";
	else if (strncmp(h->instance, instance, sizeof(h->instance)) != 0)
		what = "instance name";
	if (what == NULL)
		return 0;
	snprintf(err, errlen, "%s: corrupt kill segment (%s)", name, what);
	return -EBADMSG;
}

static void format(struct rg_kill_shared *shm, const char *instance)
{
	struct rg_kill_header h;

	memset(shm, 0, sizeof(*shm));
	memset(&h, 0, sizeof(h));
	h.abi_version = RG_KILL_ABI_VERSION;
	h.header_size = sizeof(struct rg_kill_header);
	h.total_size = sizeof(struct rg_kill_shared);
	h.kill_capacity = RG_KILL_MAX;
	h.cmd_capacity = RG_KILL_CMD_MAX;
	h.entry_size = sizeof(struct rg_kill_entry);
	h.cmd_size = sizeof(struct rg_kill_cmd);
	h.result_size = sizeof(struct rg_kill_result);
	h.roster_size = sizeof(struct rg_kill_roster);
	h.creator_pid = (int32_t)getpid();
	h.created_ns = rg_clock_ns(CLOCK_REALTIME);
	snprintf(h.instance, sizeof(h.instance), "%s", instance);
	memcpy(&shm->hdr, &h, sizeof(h));
	/* Pairs with the acquire load of magic in map_and_check. */
	__atomic_store_n(&shm->hdr.magic, RG_KILL_MAGIC, __ATOMIC_RELEASE);
}

/* Maps fd and checks it; on success fills s. */
static int map_and_check(struct rg_kill_seg *s, int fd, const char *instance, bool writable, char *err,
			 size_t errlen)
{
	struct rg_kill_header h;
	struct stat st;
	void *base;
	size_t size;
	int rc;

	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: fstat: %s", s->name, strerror(-rc));
		return rc;
	}
	if (st.st_size < (off_t)sizeof(struct rg_kill_header) || st.st_size > (off_t)(16u << 20)) {
		snprintf(err, errlen, "%s: truncated or oversized kill segment (%lld bytes)", s->name,
			 (long long)st.st_size);
		return -EBADMSG;
	}
	size = (size_t)st.st_size;
	base = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "%s: mmap: %s", s->name, strerror(-rc));
		return rc;
	}
	memset(&h, 0, sizeof(h));
	h.magic = __atomic_load_n(&((const struct rg_kill_header *)base)->magic, __ATOMIC_ACQUIRE);
	if (h.magic == RG_KILL_MAGIC)
		memcpy(&h, base, sizeof(h));
	rc = check_header(&h, instance, size, s->name, err, errlen);
	if (rc != 0) {
		munmap(base, size);
		return rc;
	}
	if (size != sizeof(struct rg_kill_shared)) {
		munmap(base, size);
		base = mmap(NULL, sizeof(struct rg_kill_shared), writable ? PROT_READ | PROT_WRITE : PROT_READ,
			    MAP_SHARED, fd, 0);
		if (base == MAP_FAILED) {
			rc = -errno;
			snprintf(err, errlen, "%s: mmap: %s", s->name, strerror(-rc));
			return rc;
		}
	}
	s->shm = (struct rg_kill_shared *)base;
	s->fd = fd;
	s->writable = writable;
	return 0;
}

static void init_handle(struct rg_kill_seg *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->lock_timeout_ms = RG_KILL_LOCK_TIMEOUT_MS;
}

int rg_kill_attach(struct rg_kill_seg *s, const char *instance, bool writable, char *err, size_t errlen)
{
	int fd, rc;

	init_handle(s);
	if (rg_kill_seg_name(s->name, sizeof(s->name), instance) != 0) {
		snprintf(err, errlen, "invalid instance name (1-31 of [A-Za-z0-9_-])");
		return -EINVAL;
	}
	fd = shm_open(s->name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(err, errlen, "%s: no kill segment for instance '%s' (the engine creates it when it starts)",
				 s->name, instance);
		else if (rc == -EACCES)
			permission_message(err, errlen, s->name, writable);
		else
			snprintf(err, errlen, "%s: shm_open: %s", s->name, strerror(-rc));
		return rc;
	}
	rc = map_and_check(s, fd, instance, writable, err, errlen);
	if (rc != 0)
		close(fd);
	return rc;
}

/* Sets group and mode of an existing segment to what the config says. */
static int apply_perms(struct rg_kill_seg *s, const struct rg_operators_cfg *ops, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (fstat(s->fd, &st) != 0)
		goto fail;
	if (ops->gid != (gid_t)-1 && st.st_gid != ops->gid && fchown(s->fd, (uid_t)-1, ops->gid) != 0)
		goto fail;
	if ((st.st_mode & 07777) != ops->mode && fchmod(s->fd, ops->mode) != 0)
		goto fail;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "%s: cannot set the group and mode the config gives (%s); it is owned by uid %u", s->name,
		 strerror(-rc), (unsigned)st.st_uid);
	return rc;
}

/* A segment whose creator died before formatting it: empty, or magic never stored. */
static bool abandoned(int fd)
{
	struct stat st;
	uint64_t magic = 0;

	if (fstat(fd, &st) != 0)
		return false;
	if (st.st_size == 0)
		return true;
	return st.st_size == (off_t)sizeof(struct rg_kill_shared) && pread(fd, &magic, sizeof(magic), 0) == sizeof(magic) &&
	       magic == 0;
}

int rg_kill_create(struct rg_kill_seg *s, const char *instance, const struct rg_operators_cfg *ops, char *err,
		   size_t errlen)
{
	const char *step = "shm_open";
	bool created = true;
	void *base;
	int fd, rc;

	init_handle(s);
	if (rg_kill_seg_name(s->name, sizeof(s->name), instance) != 0) {
		snprintf(err, errlen, "invalid instance name (1-31 of [A-Za-z0-9_-])");
		return -EINVAL;
	}
	fd = shm_open(s->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = shm_open(s->name, O_RDWR | O_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
			if (rc == -EACCES)
				permission_message(err, errlen, s->name, true);
			else
				snprintf(err, errlen, "%s: shm_open: %s", s->name, strerror(-rc));
			return rc;
		}
		/* A kill segment another user made would let her lift this
		 * engine's kills and write its operators' requests. */
		static const struct rg_owned_rule kill_rule = {"kill segment", S_IFREG, false, 0};
		rc = rg_owned_check_fd(fd, s->name, &kill_rule, err, errlen);
		if (rc != 0) {
			close(fd);
			return rc;
		}
		if (!abandoned(fd)) {
			rc = map_and_check(s, fd, instance, true, err, errlen);
			if (rc != 0)
				close(fd);
			else if ((rc = apply_perms(s, ops, err, errlen)) != 0)
				rg_kill_close(s);
			return rc;
		}
	}
	if (fd < 0)
		goto fail_errno;
	step = "fchown";
	if (ops->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, ops->gid) != 0)
		goto fail_errno;
	step = "fchmod";
	if (fchmod(fd, ops->mode) != 0)
		goto fail_errno;
	step = "ftruncate";
	if (ftruncate(fd, (off_t)sizeof(struct rg_kill_shared)) != 0)
		goto fail_errno;
	step = "mmap";
	base = mmap(NULL, sizeof(struct rg_kill_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED)
		goto fail_errno;
	format((struct rg_kill_shared *)base, instance);
	s->shm = (struct rg_kill_shared *)base;
	s->fd = fd;
	s->writable = true;
	return 0;

fail_errno:
	rc = -errno;
	snprintf(err, errlen, "%s: %s: %s", s->name, step, strerror(-rc));
	if (fd >= 0)
		close(fd);
	if (created && fd >= 0)
		shm_unlink(s->name);
	return rc;
}

void rg_kill_close(struct rg_kill_seg *s)
{
	if (s->shm != NULL)
		munmap(s->shm, sizeof(*s->shm));
	if (s->fd >= 0)
		close(s->fd);
	s->shm = NULL;
	s->fd = -1;
	s->writable = false;
}

int rg_kill_unlink(const char *instance)
{
	char name[RG_KILL_SEG_NAME_MAX];

	if (rg_kill_seg_name(name, sizeof(name), instance) != 0)
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}
