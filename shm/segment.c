/*
 * Segment creation, the engine's side of the shared-memory contract.
 *
 * A segment is born in four steps so that no reader ever sees half of one:
 * shm_open with O_EXCL (a leftover or a rival engine is an error, never
 * silently reused), chown/chmod to what the config says, size and pre-fault
 * the memory (optionally mlock it), then format the header and rings while
 * the state word still says INITIALIZING.  The engine fills what it wants
 * (symbol table) and only then publishes READY with a release store.
 */
#include "segment.h"

#include <string.h>
#include <time.h>

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int format_segment(struct rg_seg_map *m, const char *instance, const char *session, uint32_t order_cap,
			  uint32_t report_cap, uint32_t symbol_cap)
{
	struct rg_seg_header *h = rg_seg_header_of(m);
	int rc;

	memset(m->base, 0, sizeof(*h));
	h->magic = RG_SEG_MAGIC;
	h->abi_version = RG_ABI_VERSION;
	h->kind = session != NULL ? RG_SEG_SESSION : RG_SEG_CONTROL;
	h->header_size = sizeof(*h);
	h->slot_size = RG_SLOT_SIZE;
	h->total_size = m->layout.total;
	h->creator_pid = (int32_t)getpid();
	h->created_realtime_ns = realtime_ns();
	snprintf(h->instance, sizeof(h->instance), "%s", instance);
	h->state = RG_SEG_INITIALIZING;
	if (session == NULL) {
		h->symbol_capacity = symbol_cap;
		return 0;
	}
	snprintf(h->name, sizeof(h->name), "%s", session);
	h->order_ring_capacity = order_cap;
	h->report_ring_capacity = report_cap;
	rc = rg_ring_init((char *)m->base + m->layout.order_off, order_cap);
	if (rc == 0)
		rc = rg_ring_init((char *)m->base + m->layout.report_off, report_cap);
	return rc;
}

int rg_seg_create(struct rg_seg_map *m, const char *instance, const char *session, uint32_t order_cap,
		  uint32_t report_cap, uint32_t symbol_cap, const struct rg_seg_perms *perms, char *err, size_t errlen)
{
	char name[RG_SEG_NAME_MAX], scratch[256];
	const char *step;
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
	rc = session != NULL ? rg_session_layout(order_cap, report_cap, &m->layout)
			     : rg_control_layout(symbol_cap, &m->layout);
	if (rc != 0) {
		snprintf(err, errlen, "%s: ring capacities must be powers of two in [%u, %u], symbols in [1, %u]", name,
			 RG_RING_MIN_CAPACITY, RG_RING_MAX_CAPACITY, RG_MAX_SYMBOLS);
		return rc;
	}
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EEXIST)
			snprintf(err, errlen, "%s: already exists (another engine on this instance, or a crashed one's leftovers)",
				 name);
		else
			snprintf(err, errlen, "%s: shm_open: %s", name, strerror(-rc));
		return rc;
	}
	step = "fchown";
	if ((perms->uid != (uid_t)-1 || perms->gid != (gid_t)-1) && fchown(fd, perms->uid, perms->gid) != 0)
		goto fail_errno;
	step = "fchmod";
	if (fchmod(fd, perms->mode) != 0)
		goto fail_errno;
	step = "ftruncate";
	if (ftruncate(fd, (off_t)m->layout.total) != 0)
		goto fail_errno;
	step = "mmap";
	m->size = m->layout.total;
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto fail_errno;
	}
	step = "mlock (raise RLIMIT_MEMLOCK or turn lock_memory off)";
	if (perms->lock_memory && mlock(m->base, m->size) != 0)
		goto fail_errno;
	rc = format_segment(m, instance, session, order_cap, report_cap, symbol_cap);
	if (rc != 0) {
		snprintf(err, errlen, "%s: formatting rings failed", name);
		goto fail;
	}
	m->fd = fd;
	return 0;

fail_errno:
	rc = -errno;
	snprintf(err, errlen, "%s: %s: %s", name, step, strerror(-rc));
fail:
	if (m->base != NULL)
		munmap(m->base, m->size);
	m->base = NULL;
	m->size = 0;
	close(fd);
	shm_unlink(name);
	return rc;
}

void rg_seg_publish_ready(struct rg_seg_map *m)
{
	/* Pairs with the acquire load of state in rg_seg_validate. */
	__atomic_store_n(&rg_seg_header_of(m)->state, (uint32_t)RG_SEG_READY, __ATOMIC_RELEASE);
}

void rg_seg_mark_closed(struct rg_seg_map *m)
{
	__atomic_store_n(&rg_seg_header_of(m)->state, (uint32_t)RG_SEG_CLOSED, __ATOMIC_RELEASE);
}

int rg_seg_unlink(const char *instance, const char *session)
{
	char name[RG_SEG_NAME_MAX];

	if (rg_seg_name(name, sizeof(name), instance, session) != 0)
		return -EINVAL;
	return shm_unlink(name) == 0 ? 0 : -errno;
}
