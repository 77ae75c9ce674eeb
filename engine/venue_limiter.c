/*
 * Venue rate limiter segments (venue_limiter.h): creating or attaching the
 * shared words of a venue account's token buckets.
 *
 * Two engines may start at once; the first to take flock on the file formats
 * it while the other waits for the lock, then finds it formatted and checks
 * that its own configuration agrees.  Nothing here runs on the hot path.
 */
#include "venue_limiter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

int rg_venue_limiter_open(struct rg_venue_limiter *l, const struct rg_venue_cfg *v, char *err, size_t errlen)
{
	char name[64];
	struct stat st;
	void *base = MAP_FAILED;
	int fd, rc = 0;

	memset(l, 0, sizeof(*l));
	if (v->n_buckets == 0)
		return 0;
	if (limiter_name(name, sizeof(name), v->name) != 0) {
		snprintf(err, errlen, "venue '%s': invalid name", v->name);
		return -EINVAL;
	}
	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		goto out;
	}
	if (st.st_size == 0 && ftruncate(fd, sizeof(struct rg_limiter_shared)) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: ftruncate: %s", name, strerror(-rc));
		goto out;
	}
	if (st.st_size != 0 && st.st_size != (off_t)sizeof(struct rg_limiter_shared)) {
		rc = -EBADMSG;
		snprintf(err, errlen, "%s: corrupt rate-limit segment (%lld bytes)", name, (long long)st.st_size);
		goto out;
	}
	base = mmap(NULL, sizeof(struct rg_limiter_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "%s: mmap: %s", name, strerror(-rc));
		goto out;
	}
	l->shm = base;
	if (st.st_size == 0) {
		l->shm->version = RG_LIMITER_VERSION;
		l->shm->n_buckets = v->n_buckets;
		memcpy(l->shm->buckets, v->buckets, sizeof(l->shm->buckets));
		l->shm->magic = RG_LIMITER_MAGIC;
	} else if (l->shm->magic != RG_LIMITER_MAGIC || l->shm->version != RG_LIMITER_VERSION) {
		rc = -EBADMSG;
		snprintf(err, errlen, "%s: not a riskgate rate-limit segment of version %u", name, RG_LIMITER_VERSION);
	} else if (!same_buckets(l->shm, v)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: venue '%s' is shared with an engine configured with different rate limits",
			 name, v->name);
	}
	l->n_buckets = v->n_buckets;
	for (uint32_t b = 0; b < v->n_buckets; b++)
		l->interval_ns[b] =
			(v->buckets[b].window_ns + v->rate_margin_ns + v->buckets[b].count - 1) / v->buckets[b].count;
out:
	if (fd >= 0) {
		/* Unlock explicitly: the mapping keeps the open file alive, and
		 * with it a flock that close() alone would not drop. */
		flock(fd, LOCK_UN);
		close(fd);
	}
	if (rc != 0)
		rg_venue_limiter_close(l);
	return rc;
}

void rg_venue_limiter_close(struct rg_venue_limiter *l)
{
	if (l->shm != NULL)
		munmap(l->shm, sizeof(*l->shm));
	l->shm = NULL;
	l->n_buckets = 0;
}

int rg_venue_limiter_unlink(const char *venue)
{
	char name[64];

	if (limiter_name(name, sizeof(name), venue) != 0)
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}
