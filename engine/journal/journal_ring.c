/*
 * Journal ring segments (journal_ring.h): creating the instance's journal
 * ring in shared memory, or attaching to the one a previous engine left with
 * its unwritten records, and reading the writer's status from it.
 *
 * Creation follows shm/segment.c: O_EXCL, ownership and mode from the
 * caller, size, pre-fault (optionally mlock), format.  Attach never trusts
 * the segment: it checks the file size before mapping and every identity
 * field before using the slots.  Nothing here runs on the hot path.
 */
#include "journal_ring.h"

#include "clock.h"
#include "owned_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rg_journal_name(char *buf, size_t len, const char *instance)
{
	int n;

	if (!rg_name_valid(instance))
		return -EINVAL;
	n = snprintf(buf, len, RG_SEG_PREFIX "%s.journal", instance);
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

/* Slot of position p holds p - capacity: never a position the writer expects next. */
static void init_slots(struct rg_journal *j, uint64_t start)
{
	uint64_t cap = j->mask + 1;

	for (uint64_t i = 0; i < cap; i++) {
		struct rg_jrec *r = &j->slots[(start + i) & j->mask];
		memset(r, 0, sizeof(*r));
		r->h.seq = start + i - cap;
	}
}

void _rg_journal_restart_at(struct rg_journal *j, uint64_t seq)
{
	struct rg_journal_shared *s = j->shared;

	init_slots(j, seq);
	s->head = s->cached_written = seq;
	__atomic_store_n(&s->written, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&s->status.durable_seq, seq, __ATOMIC_RELAXED);
}

static void bind(struct rg_journal *j, void *base, size_t size, uint64_t capacity)
{
	j->shared = (struct rg_journal_shared *)base;
	j->slots = (struct rg_jrec *)(j->shared + 1);
	j->mask = capacity - 1;
	j->map_size = size;
}

static void format(struct rg_journal *j, const char *instance, uint64_t capacity, uint64_t start)
{
	struct rg_journal_shared *s = j->shared;

	memset(s, 0, sizeof(*s));
	s->magic = RG_JOURNAL_MAGIC;
	s->abi_version = RG_JOURNAL_ABI_VERSION;
	s->record_size = RG_JREC_SIZE;
	s->capacity = capacity;
	s->total_size = j->map_size;
	s->created_real_ns = rg_real_ns();
	s->creator_pid = (int32_t)getpid();
	s->header_size = sizeof(*s);
	snprintf(s->instance, sizeof(s->instance), "%s", instance);
	_rg_journal_restart_at(j, start);
}

/* Checks the identity block of a mapped segment of `size` bytes. */
static int validate(const struct rg_journal_shared *s, size_t size, uint64_t want_capacity, const char *name, char *err,
		    size_t errlen)
{
	if (s->magic != RG_JOURNAL_MAGIC) {
		snprintf(err, errlen, "%s: not a journal ring (bad magic 0x%016llx)", name, (unsigned long long)s->magic);
		return -EBADMSG;
	}
	if (s->abi_version != RG_JOURNAL_ABI_VERSION) {
		snprintf(err, errlen, "%s: journal ABI version %u, this build speaks %u", name, s->abi_version,
			 RG_JOURNAL_ABI_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (s->record_size != RG_JREC_SIZE || s->header_size != sizeof(*s)) {
		snprintf(err, errlen, "%s: record size %u / header size %u, this build uses %u / %zu", name,
			 s->record_size, s->header_size, RG_JREC_SIZE, sizeof(*s));
		return -EBADMSG;
	}
	if (rg_journal_memsize(s->capacity) == 0 || s->total_size != size || size < rg_journal_memsize(s->capacity)) {
		snprintf(err, errlen, "%s: corrupt journal ring (capacity %llu, size %llu, file %zu bytes)", name,
			 (unsigned long long)s->capacity, (unsigned long long)s->total_size, size);
		return -EBADMSG;
	}
	if (want_capacity != 0 && s->capacity != want_capacity) {
		snprintf(err, errlen,
			 "%s: has %llu records of capacity, the config says %llu; it may hold records not yet on disk, "
			 "so start once with the old capacity to write them, then remove it",
			 name, (unsigned long long)s->capacity, (unsigned long long)want_capacity);
		return -EBADMSG;
	}
	return 0;
}

/* Maps an existing segment; fd is consumed on failure. */
static int attach_fd(struct rg_journal *j, int fd, bool writable, uint64_t want_capacity, char *err, size_t errlen)
{
	struct stat st;
	void *base;
	int rc;

	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: fstat: %s", j->name, strerror(-rc));
		close(fd);
		return rc;
	}
	if (st.st_size < (off_t)sizeof(struct rg_journal_shared) ||
	    (uint64_t)st.st_size > rg_journal_memsize(RG_JOURNAL_MAX_CAPACITY)) {
		snprintf(err, errlen, "%s: truncated or oversized journal ring (%lld bytes)", j->name,
			 (long long)st.st_size);
		close(fd);
		return -EBADMSG;
	}
	base = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "%s: mmap: %s", j->name, strerror(-rc));
		close(fd);
		return rc;
	}
	rc = validate((const struct rg_journal_shared *)base, (size_t)st.st_size, want_capacity, j->name, err, errlen);
	if (rc != 0) {
		munmap(base, (size_t)st.st_size);
		close(fd);
		return rc;
	}
	bind(j, base, (size_t)st.st_size, ((const struct rg_journal_shared *)base)->capacity);
	j->fd = fd;
	j->writable = writable;
	return 0;
}

/*
 * A producer that crashed between publishing a record (its sequence) and
 * advancing head left a record the writer will store; the next producer must
 * not reuse its sequence.
 */
static void resume_head(struct rg_journal *j)
{
	struct rg_journal_shared *s = j->shared;
	uint64_t written = rg_journal_written(j), head = s->head;

	if (head - written > j->mask + 1)
		head = written; /* corrupt producer block: rescan from what is on disk */
	while (head - written <= j->mask && rg_journal_peek(j, head) != NULL)
		head++;
	s->head = head;
	s->cached_written = written;
}

static int create(struct rg_journal *j, const struct rg_journal_ring_cfg *cfg, char *err, size_t errlen)
{
	size_t size = rg_journal_memsize(cfg->capacity);
	const char *step;
	void *base;
	int fd, rc;

	fd = shm_open(j->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno; /* EEXIST: lost a race with another creator; the caller attaches */
	step = "fchown";
	if ((cfg->perms.uid != (uid_t)-1 || cfg->perms.gid != (gid_t)-1) &&
	    fchown(fd, cfg->perms.uid, cfg->perms.gid) != 0)
		goto fail;
	step = "fchmod";
	if (fchmod(fd, cfg->perms.mode != 0 ? cfg->perms.mode : 0600) != 0)
		goto fail;
	step = "ftruncate";
	if (ftruncate(fd, (off_t)size) != 0)
		goto fail;
	step = "mmap";
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED)
		goto fail;
	bind(j, base, size, cfg->capacity);
	step = "mlock (raise RLIMIT_MEMLOCK or turn lock_memory off)";
	if (cfg->perms.lock_memory && mlock(base, size) != 0) {
		rc = -errno;
		munmap(base, size);
		errno = -rc;
		goto fail;
	}
	format(j, cfg->instance, cfg->capacity, cfg->start_seq != 0 ? cfg->start_seq : 1);
	j->fd = fd;
	j->writable = true;
	j->created = true;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "%s: %s: %s", j->name, step, strerror(-rc));
	close(fd);
	shm_unlink(j->name);
	j->shared = NULL;
	return rc == -EEXIST ? -EIO : rc;
}

int rg_journal_open(struct rg_journal *j, const struct rg_journal_ring_cfg *cfg, char *err, size_t errlen)
{
	char scratch[256];
	int fd, rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (cfg == NULL || rg_journal_name(j->name, sizeof(j->name), cfg->instance) != 0) {
		snprintf(err, errlen, "invalid instance name (1-31 of [A-Za-z0-9_-])");
		return -EINVAL;
	}
	if (rg_journal_memsize(cfg->capacity) == 0 || (cfg->reserve != 0 && cfg->reserve >= cfg->capacity)) {
		snprintf(err, errlen, "%s: capacity must be a power of two in [%u, %u] and the reserve below it", j->name,
			 RG_JOURNAL_MIN_CAPACITY, RG_JOURNAL_MAX_CAPACITY);
		return -EINVAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		fd = shm_open(j->name, O_RDWR | O_CLOEXEC, 0);
		if (fd >= 0) {
			/* Records in a ring another user made would be written into
			 * the journal and replayed as this engine's. */
			static const struct rg_owned_rule ring_rule = {"journal ring", S_IFREG, false, 0022};
			rc = rg_owned_check_fd(fd, j->name, &ring_rule, err, errlen);
			if (rc != 0) {
				close(fd);
				return rc;
			}
			rc = attach_fd(j, fd, true, cfg->capacity, err, errlen);
			if (rc == 0) {
				if (cfg->perms.lock_memory && mlock(j->shared, j->map_size) != 0) {
					rc = -errno;
					snprintf(err, errlen, "%s: mlock: %s", j->name, strerror(-rc));
					rg_journal_close(j);
					return rc;
				}
				resume_head(j);
			}
			break;
		}
		if (errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "%s: shm_open: %s", j->name, strerror(-rc));
			return rc;
		}
		rc = create(j, cfg, err, errlen);
		if (rc != -EEXIST)
			break;
	}
	if (rc == 0) {
		j->reserve = cfg->reserve != 0 ? cfg->reserve : cfg->capacity / 8;
		rg_journal_set_clock(j, rg_mono_ns(), rg_real_ns());
	}
	return rc;
}

int rg_journal_attach_readonly(struct rg_journal *j, const char *instance, char *err, size_t errlen)
{
	char scratch[256];
	int fd, rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (rg_journal_name(j->name, sizeof(j->name), instance) != 0) {
		snprintf(err, errlen, "invalid instance name (1-31 of [A-Za-z0-9_-])");
		return -EINVAL;
	}
	fd = shm_open(j->name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(err, errlen, "%s: no journal ring for instance '%s' (engine never started with a journal?)",
				 j->name, instance);
		else
			snprintf(err, errlen, "%s: shm_open: %s", j->name, strerror(-rc));
		return rc;
	}
	return attach_fd(j, fd, false, 0, err, errlen);
}

void rg_journal_close(struct rg_journal *j)
{
	if (j->shared != NULL)
		munmap(j->shared, j->map_size);
	if (j->fd >= 0)
		close(j->fd);
	j->shared = NULL;
	j->slots = NULL;
	j->fd = -1;
}

int rg_journal_unlink(const char *instance)
{
	char name[RG_JOURNAL_NAME_MAX];

	if (rg_journal_name(name, sizeof(name), instance) != 0)
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}

#define LD(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)

void rg_journal_status_read(const struct rg_journal *j, struct rg_journal_status_view *out)
{
	const struct rg_journal_status *st = &j->shared->status;

	out->state = LD(st->state);
	out->error = LD(st->error);
	out->error_op = LD(st->error_op);
	out->file_date = LD(st->file_date);
	out->error_real_ns = LD(st->error_real_ns);
	out->heartbeat_ns = LD(st->heartbeat_ns);
	out->durable_seq = LD(st->durable_seq);
	out->records_written = LD(st->records_written);
	out->blocks_written = LD(st->blocks_written);
	out->bytes_written = LD(st->bytes_written);
	out->fsyncs = LD(st->fsyncs);
	out->write_errors = LD(st->write_errors);
	out->rotations = LD(st->rotations);
	out->files_removed = LD(st->files_removed);
	for (int i = 0; i < 4; i++) {
		uint64_t w = LD(st->last_hash[i]);
		memcpy(out->last_hash + 8 * i, &w, 8);
	}
	out->head = LD(j->shared->head);
	out->written = LD(j->shared->written);
	out->full_count = LD(j->shared->full_count);
	out->capacity = j->mask + 1;
}

const char *rg_journal_state_str(uint32_t state)
{
	switch (state) {
	case RG_JW_STOPPED: return "STOPPED";
	case RG_JW_RUNNING: return "RUNNING";
	case RG_JW_ERROR: return "ERROR";
	default: return "UNKNOWN";
	}
}

const char *rg_journal_op_str(uint32_t op)
{
	switch (op) {
	case RG_JOP_NONE: return "none";
	case RG_JOP_OPEN: return "open";
	case RG_JOP_FALLOCATE: return "fallocate";
	case RG_JOP_WRITE: return "write";
	case RG_JOP_FSYNC: return "fdatasync";
	case RG_JOP_TRUNCATE: return "truncate";
	case RG_JOP_RETENTION: return "retention";
	case RG_JOP_ROTATE: return "rotate";
	default: return "unknown";
	}
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOSPC: return "ENOSPC";
	case EFBIG: return "EFBIG";
	case EIO: return "EIO";
	case EDQUOT: return "EDQUOT";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	case ENOENT: return "ENOENT";
	case EBADMSG: return "EBADMSG";
	default: return "errno";
	}
}

char *rg_journal_status_str(const struct rg_journal_status_view *v, char *buf, size_t len)
{
	uint64_t waiting = v->head - v->written;
	char file[32] = "no file";

	if (v->file_date != 0)
		snprintf(file, sizeof(file), "journal-%08u.rgj", v->file_date);
	if (v->state == RG_JW_ERROR)
		snprintf(buf, len, "ERROR: %s %s failed: %s (%s %d); %llu of %llu records wait in the ring", rg_journal_op_str(v->error_op),
			 file, strerror(v->error), errno_name(v->error), v->error, (unsigned long long)waiting,
			 (unsigned long long)v->capacity);
	else
		snprintf(buf, len, "%s: %s, %llu records written, %llu waiting, %llu appends refused",
			 rg_journal_state_str(v->state), file, (unsigned long long)v->records_written,
			 (unsigned long long)waiting, (unsigned long long)v->full_count);
	return buf;
}
