/*
 * The kill segment (kill_segment.h): creating and attaching it, the writers'
 * lock and seqlock updates, and the engine's bounded snapshot.
 *
 * Every word that changes after creation is accessed through atomic
 * builtins; structures are copied 64 bits at a time with acquire loads and
 * release stores (load_words, store_words), which order them against the
 * generation word without standalone fences.
 * A writer that dies mid-update leaves the generation odd; the next writer,
 * holding the lock, drops whatever entries are malformed and completes it.
 */
#include "kill_segment.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <riskgate/abi.h>

#define READ_RETRIES 8       /* the engine's snapshot: then -EAGAIN */
#define LIST_RETRIES 10000   /* other readers: yield between tries */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- word-wise atomic copies ------------------------------------------- */

/* Copies under a seqlock use acquire loads and release stores, word by word,
 * instead of relaxed ones plus standalone fences (ThreadSanitizer cannot model
 * a fence): a data store cannot be seen before the odd generation stored
 * ahead of it, and the reader's closing re-read of the generation cannot pass
 * a data load.  On x86-64 both are plain moves. */
static void load_words(void *dst, const void *src, size_t bytes)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	for (size_t i = 0; i < bytes / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_ACQUIRE);
}

static void store_words(void *dst, const void *src, size_t bytes)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	for (size_t i = 0; i < bytes / 8; i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELEASE);
}

static uint32_t load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

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
	h.created_ns = clock_ns(CLOCK_REALTIME);
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

/* ---- the writers' body ----------------------------------------------------- */

/* A writer's private copy of the seqlocked body. */
struct body {
	uint32_t n_kills;
	uint64_t cmd_head;
	struct rg_kill_entry kills[RG_KILL_MAX];
};

/* What a writer works on: the body as found (old) and as it will be (b). */
struct wctx {
	struct body old, b;
};

static bool text_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static bool entry_ok(const struct rg_kill_entry *e)
{
	if (e->scope < RG_SCOPE_INSTANCE || e->scope > RG_SCOPE_VENUE || e->source < RG_KSRC_RISKCTL ||
	    e->source > RG_KSRC_REDIS_LOSS || !text_ok(e->name, sizeof(e->name)) ||
	    !text_ok(e->reason, sizeof(e->reason)))
		return false;
	return e->scope == RG_SCOPE_INSTANCE ? e->name[0] == '\0' : rg_name_valid(e->name);
}

static void body_load(const struct rg_kill_shared *shm, struct body *b)
{
	b->n_kills = load32(&shm->n_kills);
	if (b->n_kills > RG_KILL_MAX)
		b->n_kills = RG_KILL_MAX;
	b->cmd_head = load64(&shm->cmd_head);
	load_words(b->kills, shm->kills, b->n_kills * sizeof(b->kills[0]));
}

/* Keeps only well-formed entries: after a writer died mid-update. */
static void body_repair(struct body *b)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < b->n_kills; i++)
		if (entry_ok(&b->kills[i]))
			b->kills[out++] = b->kills[i];
	b->n_kills = out;
}

static int lock_fd(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Allocates *w, takes the writer lock within lock_timeout_ms and loads the body. */
static int writer_begin(struct rg_kill_seg *s, struct wctx **wp, char *err, size_t errlen)
{
	struct wctx *w;
	uint64_t deadline;
	int rc;

	*wp = NULL;
	if (s->shm == NULL || !s->writable) {
		snprintf(err, errlen, "%s: not attached for writing", s->name);
		return -EBADF;
	}
	if ((w = malloc(sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	deadline = clock_ns(CLOCK_MONOTONIC) + (uint64_t)s->lock_timeout_ms * 1000000u;
	while (lock_fd(s->fd, F_WRLCK) != 0) {
		rc = -errno;
		if (rc != -EAGAIN && rc != -EACCES && rc != -EINTR) {
			snprintf(err, errlen, "%s: writer lock: %s", s->name, strerror(-rc));
			free(w);
			return rc;
		}
		if (clock_ns(CLOCK_MONOTONIC) > deadline) {
			snprintf(err, errlen, "%s: another writer has held the lock for %u ms (a stopped riskctl?)",
				 s->name, s->lock_timeout_ms);
			free(w);
			return -EBUSY;
		}
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	body_load(s->shm, &w->old);
	w->b.n_kills = w->old.n_kills;
	w->b.cmd_head = w->old.cmd_head;
	memcpy(w->b.kills, w->old.kills, w->old.n_kills * sizeof(w->old.kills[0])); /* not all 48 KiB */
	if (load64(&s->shm->generation) & 1)
		body_repair(&w->b);
	*wp = w;
	return 0;
}

static void writer_end(struct rg_kill_seg *s, struct wctx *w)
{
	lock_fd(s->fd, F_UNLCK);
	free(w);
}

/* Publishes *b: only the entries that differ from *old, under the seqlock. */
static void writer_publish(struct rg_kill_seg *s, const struct body *b, const struct body *old)
{
	struct rg_kill_shared *shm = s->shm;
	uint64_t g = load64(&shm->generation);

	if ((g & 1) == 0)
		__atomic_store_n(&shm->generation, ++g, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < b->n_kills; i++)
		if (i >= old->n_kills || memcmp(&b->kills[i], &old->kills[i], sizeof(b->kills[i])) != 0)
			store_words(&shm->kills[i], &b->kills[i], sizeof(b->kills[i]));
	__atomic_store_n(&shm->n_kills, b->n_kills, __ATOMIC_RELEASE);
	__atomic_store_n(&shm->cmd_head, b->cmd_head, __ATOMIC_RELEASE);
	/* Pairs with the acquire load in rg_kill_changed / the readers. */
	__atomic_store_n(&shm->generation, g + 1, __ATOMIC_RELEASE);
}

/* Printable ASCII only, at most RG_KILL_REASON_MAX - 1 bytes. */
static void copy_reason(char *dst, const char *src)
{
	size_t i = 0;

	if (src == NULL || src[0] == '\0')
		src = "(no reason given)";
	for (; src[i] != '\0' && i < RG_KILL_REASON_MAX - 1; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	memset(dst + i, 0, RG_KILL_REASON_MAX - i);
}

static int check_scope(const struct rg_kill_scope *scope, char *err, size_t errlen)
{
	bool ok = scope->kind == RG_SCOPE_INSTANCE
			  ? scope->name[0] == '\0'
			  : scope->kind >= RG_SCOPE_ACCOUNT && scope->kind <= RG_SCOPE_VENUE && rg_name_valid(scope->name);

	if (!ok)
		snprintf(err, errlen, "invalid scope (kind %u, name '%.31s')", scope->kind, scope->name);
	return ok ? 0 : -EINVAL;
}

static bool same_scope(const struct rg_kill_entry *e, const struct rg_kill_scope *scope)
{
	return e->scope == scope->kind && strncmp(e->name, scope->name, sizeof(e->name)) == 0;
}

static void fill_entry(struct rg_kill_entry *e, const struct rg_kill_scope *scope, uint8_t source, const char *reason)
{
	memset(e, 0, sizeof(*e));
	e->scope = scope->kind;
	e->source = source;
	e->uid = (uint32_t)getuid();
	e->pid = (int32_t)getpid();
	e->time_ns = clock_ns(CLOCK_REALTIME);
	snprintf(e->name, sizeof(e->name), "%s", scope->name);
	copy_reason(e->reason, reason);
}

/* Adds or updates (scope, source) in *b.  0 added, 1 updated, -ENOSPC. */
static int body_put(struct body *b, const struct rg_kill_scope *scope, uint8_t source, const char *reason)
{
	uint32_t limit = scope->kind == RG_SCOPE_INSTANCE ? RG_KILL_MAX : RG_KILL_MAX - RG_KILL_INSTANCE_RESERVE;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		if (same_scope(&b->kills[i], scope) && b->kills[i].source == source) {
			fill_entry(&b->kills[i], scope, source, reason);
			return 1;
		}
	}
	if (b->n_kills >= limit)
		return -ENOSPC;
	fill_entry(&b->kills[b->n_kills++], scope, source, reason);
	return 0;
}

int rg_kill_apply(struct rg_kill_seg *s, const struct rg_kill_scope *scope, uint8_t source, const char *reason,
		  char *err, size_t errlen)
{
	struct wctx *w;
	int rc;

	if ((rc = check_scope(scope, err, errlen)) != 0)
		return rc;
	if (source < RG_KSRC_RISKCTL || source > RG_KSRC_REDIS_LOSS) {
		snprintf(err, errlen, "invalid kill source %u", source);
		return -EINVAL;
	}
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	rc = body_put(&w->b, scope, source, reason);
	if (rc >= 0)
		writer_publish(s, &w->b, &w->old);
	else
		snprintf(err, errlen, "%s: kill table full (%u entries; %u kept for instance-wide kills)", s->name,
			 RG_KILL_MAX, RG_KILL_INSTANCE_RESERVE);
	writer_end(s, w);
	return rc;
}

/* Removes entries matching (scope or any, source in mask); returns how many. */
static int body_remove(struct body *b, const struct rg_kill_scope *scope, unsigned mask)
{
	uint32_t out = 0;
	int removed = 0;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		const struct rg_kill_entry *e = &b->kills[i];
		if ((scope == NULL || same_scope(e, scope)) && (mask & RG_KSRC_MASK(e->source)) != 0)
			removed++;
		else
			b->kills[out++] = *e;
	}
	b->n_kills = out;
	return removed;
}

int rg_kill_lift(struct rg_kill_seg *s, const struct rg_kill_scope *scope, unsigned source_mask, char *err,
		 size_t errlen)
{
	struct wctx *w;
	int rc;

	if (scope != NULL && (rc = check_scope(scope, err, errlen)) != 0)
		return rc;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	rc = body_remove(&w->b, scope, source_mask);
	if (rc > 0 || (load64(&s->shm->generation) & 1))
		writer_publish(s, &w->b, &w->old);
	writer_end(s, w);
	return rc;
}

/* Whether the kills of `source` in b are exactly want[0..n). */
static bool source_matches(const struct body *b, uint8_t source, const struct rg_kill_want *want, uint32_t n)
{
	uint32_t have = 0;

	for (uint32_t i = 0; i < b->n_kills; i++) {
		const struct rg_kill_entry *e = &b->kills[i];
		bool found = false;
		if (e->source != source)
			continue;
		have++;
		for (uint32_t j = 0; j < n && !found; j++) {
			char reason[RG_KILL_REASON_MAX];
			copy_reason(reason, want[j].reason);
			found = same_scope(e, &want[j].scope) && strncmp(e->reason, reason, sizeof(reason)) == 0;
		}
		if (!found)
			return false;
	}
	return have == n;
}

int rg_kill_replace_source(struct rg_kill_seg *s, uint8_t source, const struct rg_kill_want *want, uint32_t n,
			   char *err, size_t errlen)
{
	struct wctx *w;
	struct body *b;
	int rc = 0;

	if (s->shm == NULL) {
		snprintf(err, errlen, "kill segment not attached");
		return -EBADF;
	}
	for (uint32_t j = 0; j < n; j++)
		if ((rc = check_scope(&want[j].scope, err, errlen)) != 0)
			return rc;
	if ((b = malloc(sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = rg_kill_list(s, b->kills, RG_KILL_MAX, &b->n_kills, NULL) == 0 && source_matches(b, source, want, n);
	free(b);
	if (rc)
		return 0;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	if (!source_matches(&w->b, source, want, n) || (load64(&s->shm->generation) & 1)) {
		/* Kills that stay keep their time and writer: "since" holds. */
		body_remove(&w->b, NULL, RG_KSRC_MASK(source));
		for (uint32_t j = 0; j < n && rc >= 0; j++) {
			const struct rg_kill_entry *prev = NULL;
			char reason[RG_KILL_REASON_MAX];
			copy_reason(reason, want[j].reason);
			for (uint32_t i = 0; i < w->old.n_kills && prev == NULL; i++)
				if (w->old.kills[i].source == source && same_scope(&w->old.kills[i], &want[j].scope) &&
				    strncmp(w->old.kills[i].reason, reason, sizeof(reason)) == 0)
					prev = &w->old.kills[i];
			rc = body_put(&w->b, &want[j].scope, source, want[j].reason);
			if (rc == 0 && prev != NULL)
				w->b.kills[w->b.n_kills - 1] = *prev;
		}
		if (rc >= 0) {
			writer_publish(s, &w->b, &w->old);
			rc = 1;
		} else {
			snprintf(err, errlen, "%s: kill table full (%u entries)", s->name, RG_KILL_MAX);
		}
	}
	writer_end(s, w);
	return rc;
}

/* ---- commands -------------------------------------------------------------- */

static int check_cmd(const struct rg_kill_cmd *c, char *err, size_t errlen)
{
	struct rg_kill_scope scope;
	uint8_t want = 0;

	switch (c->kind) {
	case RG_KCMD_SET_STATE:
		if (c->scope != RG_SCOPE_ACCOUNT && c->scope != RG_SCOPE_STRATEGY && c->scope != RG_SCOPE_SYMBOL) {
			snprintf(err, errlen, "set-state applies to an account, a strategy or a symbol");
			return -EINVAL;
		}
		if (c->state > RG_STATE_HALTED) {
			snprintf(err, errlen, "invalid trading state %u", c->state);
			return -EINVAL;
		}
		want = c->scope;
		break;
	case RG_KCMD_RESUME_THROTTLE: want = RG_SCOPE_STRATEGY; break;
	case RG_KCMD_RESET_BREAKER: want = RG_SCOPE_VENUE; break;
	case RG_KCMD_SET_REFERENCE:
		want = RG_SCOPE_SYMBOL;
		if (c->price_e8 <= 0) {
			snprintf(err, errlen, "a reference price must be greater than 0");
			return -EINVAL;
		}
		break;
	case RG_KCMD_RELOAD:
		if (!text_ok(c->path, sizeof(c->path))) {
			snprintf(err, errlen, "config path longer than %u bytes", RG_KILL_PATH_MAX - 1);
			return -EINVAL;
		}
		return 0;
	default:
		snprintf(err, errlen, "unknown request kind %u", c->kind);
		return -EINVAL;
	}
	if (c->scope != want) {
		snprintf(err, errlen, "%s applies to a %s", rg_kill_cmd_str(c->kind), rg_kill_scope_kind_str(want));
		return -EINVAL;
	}
	scope.kind = c->scope;
	memcpy(scope.name, c->name, sizeof(scope.name));
	return text_ok(c->name, sizeof(c->name)) ? check_scope(&scope, err, errlen) : -EINVAL;
}

int rg_kill_request(struct rg_kill_seg *s, struct rg_kill_cmd *cmd, char *err, size_t errlen)
{
	struct rg_kill_shared *shm;
	struct wctx *w;
	uint64_t done, g;
	int rc;

	if ((rc = check_cmd(cmd, err, errlen)) != 0)
		return rc;
	if ((rc = writer_begin(s, &w, err, errlen)) != 0)
		return rc;
	shm = s->shm;
	done = __atomic_load_n(&shm->cmd_done, __ATOMIC_ACQUIRE);
	if (w->b.cmd_head - done >= RG_KILL_CMD_MAX) {
		snprintf(err, errlen, "%s: %u requests are waiting for the engine (is it running?)", s->name,
			 RG_KILL_CMD_MAX);
		writer_end(s, w);
		return -EAGAIN;
	}
	cmd->seq = ++w->b.cmd_head;
	cmd->time_ns = clock_ns(CLOCK_REALTIME);
	cmd->uid = (uint32_t)getuid();
	cmd->pid = (int32_t)getpid();
	memset(cmd->pad0, 0, sizeof(cmd->pad0));
	memset(cmd->pad1, 0, sizeof(cmd->pad1));
	/* The slot is written inside the update, so a reader's copy of it is
	 * checked by the same generation as cmd_head. */
	g = load64(&shm->generation);
	if ((g & 1) == 0)
		__atomic_store_n(&shm->generation, g + 1, __ATOMIC_RELAXED);
	store_words(&shm->cmds[(cmd->seq - 1) % RG_KILL_CMD_MAX], cmd, sizeof(*cmd));
	writer_publish(s, &w->b, &w->old);
	writer_end(s, w);
	return 0;
}

int rg_kill_result(const struct rg_kill_seg *s, uint64_t seq, struct rg_kill_result *out)
{
	const struct rg_kill_result *slot;

	if (seq == 0 || __atomic_load_n(&s->shm->cmd_done, __ATOMIC_ACQUIRE) < seq)
		return -EINPROGRESS;
	slot = &s->shm->results[(seq - 1) % RG_KILL_CMD_MAX];
	load_words(out, slot, sizeof(*out));
	if (out->seq != seq || load64(&slot->seq) != seq)
		return -ESTALE;
	out->message[sizeof(out->message) - 1] = '\0';
	return 0;
}

/* ---- readers ------------------------------------------------------------------ */

int rg_kill_list(const struct rg_kill_seg *s, struct rg_kill_entry *out, uint32_t cap, uint32_t *n,
		 uint64_t *generation)
{
	const struct rg_kill_shared *shm = s->shm;

	for (int tries = 0; tries < LIST_RETRIES; tries++) {
		uint64_t g = __atomic_load_n(&shm->generation, __ATOMIC_ACQUIRE);
		uint32_t k;

		if ((g & 1) == 0) {
			k = load32(&shm->n_kills);
			if (k > cap)
				k = cap;
			load_words(out, shm->kills, k * sizeof(out[0]));
			if (load64(&shm->generation) == g) {
				for (uint32_t i = 0; i < k; i++) {
					out[i].name[sizeof(out[i].name) - 1] = '\0';
					out[i].reason[sizeof(out[i].reason) - 1] = '\0';
				}
				*n = k;
				if (generation != NULL)
					*generation = g;
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

int rg_kill_redis_read(const struct rg_kill_seg *s, struct rg_kill_redis *out)
{
	const struct rg_kill_redis *live = &s->shm->redis;

	for (int tries = 0; tries < LIST_RETRIES; tries++) {
		uint32_t q = __atomic_load_n(&live->seq, __ATOMIC_ACQUIRE);
		if ((q & 1) == 0) {
			load_words(out, live, sizeof(*out));
			if (load32(&live->seq) == q) {
				out->endpoint[sizeof(out->endpoint) - 1] = '\0';
				out->last_error[sizeof(out->last_error) - 1] = '\0';
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

int rg_kill_roster_read(const struct rg_kill_seg *s, struct rg_kill_roster *out)
{
	const struct rg_kill_roster *live = &s->shm->roster;

	for (int tries = 0; tries < LIST_RETRIES; tries++) {
		uint32_t q = __atomic_load_n(&live->seq, __ATOMIC_ACQUIRE);
		if ((q & 1) == 0) {
			load_words(out, live, sizeof(*out));
			if (load32(&live->seq) == q) {
				if (out->n_accounts > RG_KILL_ROSTER_ACCOUNTS)
					out->n_accounts = RG_KILL_ROSTER_ACCOUNTS;
				if (out->n_strategies > RG_KILL_ROSTER_STRATEGIES)
					out->n_strategies = RG_KILL_ROSTER_STRATEGIES;
				if (out->n_venues > RG_KILL_ROSTER_VENUES)
					out->n_venues = RG_KILL_ROSTER_VENUES;
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

static bool in_list(const char (*names)[RG_KILL_NAME_MAX], uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strncmp(names[i], name, RG_KILL_NAME_MAX) == 0)
			return true;
	return false;
}

int rg_kill_roster_check(const struct rg_kill_roster *r, const struct rg_kill_scope *scope)
{
	switch (scope->kind) {
	case RG_SCOPE_ACCOUNT: return in_list(r->accounts, r->n_accounts, scope->name) ? 0 : -ENOENT;
	case RG_SCOPE_STRATEGY: return in_list(r->strategies, r->n_strategies, scope->name) ? 0 : -ENOENT;
	case RG_SCOPE_VENUE: return in_list(r->venues, r->n_venues, scope->name) ? 0 : -ENOENT;
	default: return 0;
	}
}

/* ---- the engine ------------------------------------------------------------------ */

/* Single-writer seqlock update of a block that starts with its uint32_t
 * sequence word: the 32 bits after it, then 64-bit words from offset 8. */
static void seq_write(uint32_t *seq, const void *value, size_t bytes)
{
	uint32_t q = load32(seq);

	__atomic_store_n(seq, q | 1u, __ATOMIC_RELAXED);
	__atomic_store_n(seq + 1, ((const uint32_t *)value)[1], __ATOMIC_RELEASE);
	store_words((char *)seq + 8, (const char *)value + 8, bytes - 8);
	__atomic_store_n(seq, (q | 1u) + 1, __ATOMIC_RELEASE);
}

int rg_kill_publish_roster(struct rg_kill_seg *s, const struct rg_config *cfg)
{
	struct rg_kill_roster *r;

	if (s->shm == NULL || !s->writable)
		return -EBADF;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->n_accounts = cfg->n_accounts < RG_KILL_ROSTER_ACCOUNTS ? cfg->n_accounts : RG_KILL_ROSTER_ACCOUNTS;
	r->n_strategies = cfg->n_strategies < RG_KILL_ROSTER_STRATEGIES ? cfg->n_strategies : RG_KILL_ROSTER_STRATEGIES;
	r->n_venues = cfg->n_venues < RG_KILL_ROSTER_VENUES ? cfg->n_venues : RG_KILL_ROSTER_VENUES;
	r->published_ns = clock_ns(CLOCK_REALTIME);
	for (uint32_t i = 0; i < r->n_accounts; i++)
		snprintf(r->accounts[i], sizeof(r->accounts[i]), "%s", cfg->accounts[i].name);
	for (uint32_t i = 0; i < r->n_strategies; i++)
		snprintf(r->strategies[i], sizeof(r->strategies[i]), "%s", cfg->strategies[i].name);
	for (uint32_t i = 0; i < r->n_venues; i++)
		snprintf(r->venues[i], sizeof(r->venues[i]), "%s", cfg->venues[i].name);
	seq_write(&s->shm->roster.seq, r, sizeof(*r));
	free(r);
	return 0;
}

static void write_result(struct rg_kill_shared *shm, uint64_t seq, int rc, const char *message)
{
	struct rg_kill_result res;

	memset(&res, 0, sizeof(res));
	res.seq = seq;
	res.time_ns = clock_ns(CLOCK_REALTIME);
	res.rc = rc;
	snprintf(res.message, sizeof(res.message), "%s", message != NULL ? message : "");
	store_words(&shm->results[(seq - 1) % RG_KILL_CMD_MAX], &res, sizeof(res));
	/* Pairs with the acquire load of cmd_done in rg_kill_result and rg_kill_request. */
	__atomic_store_n(&shm->cmd_done, seq, __ATOMIC_RELEASE);
}

int rg_kill_reader_init(struct rg_kill_reader *r, struct rg_kill_seg *s, bool discard_pending)
{
	uint64_t done, head;
	int discarded = 0;

	memset(r, 0, sizeof(*r));
	if (s->shm == NULL || !s->writable)
		return -EBADF;
	r->shm = s->shm;
	r->seen = UINT64_MAX;
	__atomic_store_n(&s->shm->engine_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	done = __atomic_load_n(&s->shm->cmd_done, __ATOMIC_ACQUIRE);
	head = __atomic_load_n(&s->shm->cmd_head, __ATOMIC_ACQUIRE);
	if (head < done || head - done > RG_KILL_CMD_MAX)
		head = done; /* corrupt counters: deliver nothing stale */
	if (discard_pending) {
		for (uint64_t q = done + 1; q <= head; q++, discarded++)
			write_result(s->shm, q, -ECANCELED, "requested while no engine was running; not applied");
		done = head;
	}
	r->cmd_taken = done;
	return discarded;
}

int rg_kill_snapshot(struct rg_kill_reader *r, struct rg_kill_snapshot *out)
{
	const struct rg_kill_shared *shm = r->shm;

	for (int tries = 0; tries < READ_RETRIES; tries++) {
		uint64_t g = __atomic_load_n(&shm->generation, __ATOMIC_ACQUIRE), head, pending;
		uint32_t n;

		if (g & 1)
			return -EAGAIN;
		n = load32(&shm->n_kills);
		if (n > RG_KILL_MAX)
			n = RG_KILL_MAX;
		head = load64(&shm->cmd_head);
		pending = head > r->cmd_taken ? head - r->cmd_taken : 0;
		if (pending > RG_KILL_CMD_MAX)
			pending = RG_KILL_CMD_MAX;
		load_words(out->kills, shm->kills, n * sizeof(out->kills[0]));
		for (uint64_t i = 0; i < pending; i++)
			load_words(&out->cmds[i], &shm->cmds[(head - pending + i) % RG_KILL_CMD_MAX], sizeof(out->cmds[0]));
		if (load64(&shm->generation) != g)
			continue;
		for (uint32_t i = 0; i < n; i++) {
			out->kills[i].name[RG_KILL_NAME_MAX - 1] = '\0';
			out->kills[i].reason[RG_KILL_REASON_MAX - 1] = '\0';
		}
		for (uint64_t i = 0; i < pending; i++) {
			out->cmds[i].name[RG_KILL_NAME_MAX - 1] = '\0';
			out->cmds[i].path[RG_KILL_PATH_MAX - 1] = '\0';
		}
		out->generation = g;
		out->n_kills = n;
		out->n_cmds = (uint32_t)pending;
		r->seen = g;
		r->cmd_taken = head > r->cmd_taken ? head : r->cmd_taken;
		return 0;
	}
	return -EAGAIN;
}

void rg_kill_applied(struct rg_kill_reader *r)
{
	__atomic_store_n(&r->shm->applied_generation, r->seen, __ATOMIC_RELEASE);
}

void rg_kill_command_done(struct rg_kill_reader *r, uint64_t seq, int rc, const char *message)
{
	if (seq != 0)
		write_result(r->shm, seq, rc, message);
}

const struct rg_kill_entry *rg_kill_snapshot_find(const struct rg_kill_snapshot *snap, uint8_t kind,
						  const char *name)
{
	for (uint32_t i = 0; i < snap->n_kills; i++)
		if (snap->kills[i].scope == kind && strncmp(snap->kills[i].name, name, RG_KILL_NAME_MAX) == 0)
			return &snap->kills[i];
	return NULL;
}

/* ---- the Redis watcher's status --------------------------------------------------- */

void rg_kill_redis_write(struct rg_kill_seg *s, const struct rg_kill_redis *status)
{
	seq_write(&s->shm->redis.seq, status, offsetof(struct rg_kill_redis, heartbeat_mono_ns));
}

void rg_kill_redis_heartbeat(struct rg_kill_seg *s, uint64_t mono_ns, uint64_t last_ok_ns)
{
	__atomic_store_n(&s->shm->redis.heartbeat_mono_ns, mono_ns, __ATOMIC_RELAXED);
	if (last_ok_ns != 0)
		__atomic_store_n(&s->shm->redis.last_ok_ns, last_ok_ns, __ATOMIC_RELAXED);
}
