/*
 * riskgate segments: mapping a named shared-memory segment and checking it
 * before use (header-only, shared by the strategy client and the engine), and
 * creating one (engine side, shm/segment.c).
 *
 * Attach never trusts the file: it checks the file size before mapping,
 * validates the header (shm/abi.h) before touching anything else, and returns
 * a distinct negative errno for each way it can fail.
 */
#ifndef RG_SEGMENT_H
#define RG_SEGMENT_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "abi.h"

#if !defined(O_CLOEXEC) || !defined(MAP_SHARED)
#error "riskgate headers need POSIX.1-2008: compile with -std=gnu17, or define _DEFAULT_SOURCE (pkg-config riskgate-client adds it)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Largest file attach will map: a sanity bound far above any real segment. */
#define RG_SEG_MAX_BYTES (1ULL << 32)

/* A mapped segment.  The mapping and fd are owned by this struct until
 * rg_seg_detach. */
struct rg_seg_map {
	void *base;                 /* start of the mapping; struct rg_seg_header */
	size_t size;                /* bytes mapped (the file size at attach) */
	int fd;                     /* the shm fd, kept open for locks; -1 when none */
	struct rg_seg_layout layout; /* offsets, validated */
};

static inline struct rg_seg_header *rg_seg_header_of(const struct rg_seg_map *m)
{
	return (struct rg_seg_header *)m->base;
}

/*
 * Maps the segment of `instance` (control when `session` is NULL, else that
 * strategy's session) and validates it.  `writable` maps it read-write
 * (sessions) instead of read-only (control).
 * Returns 0, or
 *   -EINVAL           a name is not valid
 *   -ENOENT           no such instance or session (engine not running?)
 *   -EACCES           permission denied by the segment's owner/group/mode
 *   -EBADMSG          corrupt or truncated segment
 *   -EPROTONOSUPPORT  the segment has another ABI version
 *   -EAGAIN / -ESHUTDOWN  being created / closed by the engine
 *   other -errno      from open/mmap
 * with a message naming the segment in err (may be NULL).  Cold path.
 */
static inline int rg_seg_attach(struct rg_seg_map *m, const char *instance, const char *session, bool writable,
				char *err, size_t errlen)
{
	char name[RG_SEG_NAME_MAX], why[160], scratch[256];
	uint32_t kind = session == NULL ? RG_SEG_CONTROL : RG_SEG_SESSION;
	struct stat st;
	int fd, rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	m->base = NULL;
	m->size = 0;
	m->fd = -1;
	if (rg_seg_name(name, sizeof(name), instance, session) != 0) {
		snprintf(err, errlen, "invalid instance or session name (1-31 of [A-Za-z0-9_-])");
		return -EINVAL;
	}
	fd = shm_open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT && session == NULL)
			snprintf(err, errlen, "%s: no such instance '%s' (is the engine running?)", name, instance);
		else if (rc == -ENOENT)
			snprintf(err, errlen, "%s: no session '%s' in instance '%s' (not in the engine's config?)", name,
				 session, instance);
		else if (rc == -EACCES)
			snprintf(err, errlen, "%s: permission denied (the segment's owner, group and mode come from the config)",
				 name);
		else
			snprintf(err, errlen, "%s: shm_open: %s", name, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: fstat: %s", name, strerror(-rc));
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(struct rg_seg_header) || (unsigned long long)st.st_size > RG_SEG_MAX_BYTES) {
		rc = -EBADMSG;
		snprintf(err, errlen, "%s: truncated or oversized segment (%lld bytes)", name, (long long)st.st_size);
		goto fail;
	}
	m->size = (size_t)st.st_size;
	m->base = mmap(NULL, m->size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED) {
		rc = -errno;
		m->base = NULL;
		snprintf(err, errlen, "%s: mmap: %s", name, strerror(-rc));
		goto fail;
	}
	rc = rg_seg_validate(m->base, m->size, kind, &m->layout, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", name, why);
		goto fail;
	}
	m->fd = fd;
	return 0;
fail:
	if (m->base != NULL)
		munmap(m->base, m->size);
	m->base = NULL;
	m->size = 0;
	close(fd);
	return rc;
}

/* Unmaps and closes; safe on a zeroed or already detached map. */
static inline void rg_seg_detach(struct rg_seg_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->size = 0;
	m->fd = -1;
}

/* ---- engine side (shm/segment.c, library riskgate_shm) ---------------- */

/* Ownership and locking of a segment the engine creates. */
struct rg_seg_perms {
	uid_t uid;      /* owner, or (uid_t)-1 to keep the creator's */
	gid_t gid;      /* group, or (gid_t)-1 to keep the creator's */
	mode_t mode;    /* permission bits, e.g. 0600 for a session, 0644 for control */
	bool lock_memory; /* mlock the mapping */
};

/*
 * Creates, sizes, pre-faults and formats a segment, owned and moded per
 * `perms`; its state stays INITIALIZING until rg_seg_publish_ready, so the
 * caller can fill it first.  For a control segment pass session NULL and
 * symbol_cap; for a session pass order_cap and report_cap.
 * Returns 0, or -EEXIST (a segment of that name exists: another engine, or a
 * crashed one's leftovers), -EINVAL, -EPERM (chown refused), -ENOMEM/-EAGAIN
 * (mlock), or another -errno; err names the segment and the step.
 */
int rg_seg_create(struct rg_seg_map *m, const char *instance, const char *session, uint32_t order_cap,
		  uint32_t report_cap, uint32_t symbol_cap, const struct rg_seg_perms *perms, char *err, size_t errlen);

/* Marks a created segment READY (release); readers may attach from then on. */
void rg_seg_publish_ready(struct rg_seg_map *m);

/* Marks a segment CLOSED (release): new attaches fail with -ESHUTDOWN. */
void rg_seg_mark_closed(struct rg_seg_map *m);

/* Removes the segment's name; mappings stay valid.  0 or -errno. */
int rg_seg_unlink(const char *instance, const char *session);

#ifdef __cplusplus
}
#endif

#endif /* RG_SEGMENT_H */
