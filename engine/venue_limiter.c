/*
 * Venue rate limiter segments (venue_limiter.h): creating or attaching the
 * shared rings of a venue account's sliding windows.
 *
 * Every engine using a venue's segment holds a shared flock on it while it
 * runs.  An engine that finds no other user formats the segment when it is
 * new or does not match (left by stopped engines of another version or other
 * limits); one that finds users checks that its own configuration agrees.
 * Two engines may start at once: the one holding the exclusive lock formats,
 * the other waits for its shared lock.  Nothing here runs on the hot path.
 */
#include "venue_limiter.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

static int limiter_name(char *buf, size_t len, const char *venue)
{
	int n = snprintf(buf, len, "/rg.rate.%s", venue);

	return rg_name_valid(venue) && n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

static bool same_buckets(const struct rg_limiter_shared *s, const struct rg_venue_cfg *v)
{
	if (s->n_buckets != v->n_buckets)
		return false;
	for (uint32_t b = 0; b < v->n_buckets; b++)
		if (s->buckets[b].count != v->buckets[b].count || s->buckets[b].window_ns != v->buckets[b].window_ns)
			return false;
	return true;
}

/* The segment's size for these limits. */
static size_t segment_size(const struct rg_venue_cfg *v)
{
	size_t n = sizeof(struct rg_limiter_shared);

	for (uint32_t b = 0; b < v->n_buckets; b++)
		n += (size_t)v->buckets[b].count * sizeof(uint64_t);
	return n;
}

/* Each limit's count and span (window + margin), into the handle. */
static int shape(struct rg_venue_limiter *l, const struct rg_venue_cfg *v, char *err, size_t errlen)
{
	l->n_buckets = v->n_buckets;
	for (uint32_t b = 0; b < v->n_buckets; b++) {
		if (v->buckets[b].count == 0 || v->buckets[b].count > RG_VENUE_RATE_MAX_COUNT || v->buckets[b].window_ns == 0) {
			snprintf(err, errlen, "venue '%s': rate limit %u: needs a count of 1..%u and a window", v->name, b,
				 RG_VENUE_RATE_MAX_COUNT);
			return -EINVAL;
		}
		l->count[b] = v->buckets[b].count;
		l->span_ns[b] = v->buckets[b].window_ns + v->rate_margin_ns;
	}
	return 0;
}

/* Points the handle's rings and heads into the mapping. */
static void locate(struct rg_venue_limiter *l)
{
	uint64_t *ring = l->shm->slots;

	for (uint32_t b = 0; b < l->n_buckets; b++) {
		l->ring[b] = ring;
		l->head[b] = &l->shm->head[b].v;
		ring += l->count[b];
	}
}

/* What an attaching engine finds wrong with the segment (mapped, at least a
 * header long), or 0. */
static int check_segment(const struct rg_limiter_shared *shm, off_t size, const struct rg_venue_cfg *v,
			 const char *name, char *err, size_t errlen)
{
	if (shm->magic != RG_LIMITER_MAGIC || shm->version != RG_LIMITER_VERSION) {
		snprintf(err, errlen, "%s: not a riskgate rate-limit segment of version %u", name, RG_LIMITER_VERSION);
		return -EBADMSG;
	}
	if (!same_buckets(shm, v)) {
		snprintf(err, errlen, "%s: venue '%s' is shared with an engine configured with different rate limits",
			 name, v->name);
		return -EINVAL;
	}
	if (size != (off_t)segment_size(v)) {
		snprintf(err, errlen, "%s: corrupt rate-limit segment (%lld bytes)", name, (long long)size);
		return -EBADMSG;
	}
	for (uint32_t b = 0; b < v->n_buckets; b++)
		if (_RG_WL_POS(shm->head[b].v) >= v->buckets[b].count) {
			snprintf(err, errlen, "%s: corrupt rate-limit segment (limit %u's head)", name, b);
			return -EBADMSG;
		}
	return 0;
}

/* A fresh segment: every ring empty (slots hold 1: time 0 of lap -1). */
static void format(struct rg_limiter_shared *shm, const struct rg_venue_cfg *v, size_t size)
{
	size_t slots = (size - sizeof(*shm)) / sizeof(uint64_t);

	memset(shm, 0, sizeof(*shm));
	for (size_t i = 0; i < slots; i++)
		shm->slots[i] = 1;
	shm->version = RG_LIMITER_VERSION;
	shm->n_buckets = v->n_buckets;
	memcpy(shm->buckets, v->buckets, sizeof(shm->buckets));
	__atomic_store_n(&shm->magic, RG_LIMITER_MAGIC, __ATOMIC_RELEASE);
}

int rg_venue_limiter_open(struct rg_venue_limiter *l, const struct rg_venue_cfg *v, char *err, size_t errlen)
{
	char name[64];
	struct stat st;
	void *base;
	bool alone;
	int rc;

	memset(l, 0, sizeof(*l));
	if (v->n_buckets == 0)
		return 0;
	rc = shape(l, v, err, errlen);
	if (rc != 0)
		return rc;
	if (limiter_name(name, sizeof(name), v->name) != 0) {
		snprintf(err, errlen, "venue '%s': invalid name", v->name);
		return -EINVAL;
	}
	l->fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		return rc;
	}
	l->has_fd = true;
	/* Words another user made could hand this engine tokens the venue never
	 * granted, or none at all. */
	static const struct rg_owned_rule rate_rule = {"venue rate segment", S_IFREG, false, 0022};
	rc = rg_owned_check_fd(l->fd, name, &rate_rule, err, errlen);
	if (rc != 0)
		goto out;
	/* Every process using the segment holds a shared lock on it for as long
	 * as it does.  One that gets the exclusive lock at once is alone with
	 * it, and may format it: new, or left by engines that have all stopped
	 * (of an older version, or with other limits).  The others wait for the
	 * shared lock (only while someone formats) and must agree with it. */
	alone = flock(l->fd, LOCK_EX | LOCK_NB) == 0;
	if ((!alone && errno != EWOULDBLOCK) || (!alone && flock(l->fd, LOCK_SH) != 0) || fstat(l->fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		goto out;
	}
	if (alone && st.st_size != (off_t)segment_size(v)) {
		if (ftruncate(l->fd, 0) != 0 || ftruncate(l->fd, (off_t)segment_size(v)) != 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: ftruncate: %s", name, strerror(-rc));
			goto out;
		}
		st.st_size = (off_t)segment_size(v);
	}
	if (st.st_size < (off_t)sizeof(struct rg_limiter_shared)) {
		snprintf(err, errlen, "%s: corrupt rate-limit segment (%lld bytes)", name, (long long)st.st_size);
		rc = -EBADMSG;
		goto out;
	}
	/* Mapped whole, whatever its size, so that another engine's limits can be
	 * read and named before the size is held against them. */
	l->size = (size_t)st.st_size;
	base = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "%s: mmap: %s", name, strerror(-rc));
		goto out;
	}
	l->shm = base;
	rc = check_segment(l->shm, st.st_size, v, name, err, errlen);
	if (rc != 0 && alone) {
		/* Kept when it agrees: the rings hold the recent sends, which a
		 * restarted engine must still count. */
		format(l->shm, v, l->size);
		rc = 0;
	}
	if (rc == 0)
		locate(l);
	if (rc == 0 && alone && flock(l->fd, LOCK_SH) != 0) { /* converts: others may attach now */
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
	}
out:
	if (rc != 0)
		rg_venue_limiter_close(l);
	return rc;
}

void rg_venue_limiter_close(struct rg_venue_limiter *l)
{
	if (l->shm != NULL)
		munmap(l->shm, l->size);
	if (l->has_fd) {
		/* Unlock explicitly: a mapping elsewhere in this process could keep
		 * the open file, and with it the lock, alive. */
		flock(l->fd, LOCK_UN);
		close(l->fd);
	}
	l->shm = NULL;
	l->has_fd = false;
	l->n_buckets = 0;
}

int rg_venue_limiter_unlink(const char *venue)
{
	char name[64];

	if (limiter_name(name, sizeof(name), venue) != 0)
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}
