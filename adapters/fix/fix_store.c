/*
 * FIX session store: sequence numbers, the recent application messages and
 * the live orders of one FIX session, in a memory-mapped file.
 *
 * The file is laid out like the shared-memory segments (docs/shm-abi.md): a
 * header with a magic, a format version and the sizes, checked on open, so a
 * store of another format or of another session is refused with a distinct
 * error instead of being misread.  It is created at its full size with
 * ftruncate, so the mapping never grows and never faults past the end.  The
 * live-order table is open addressing with linear probing and backward-shift
 * deletion: no tombstones, so lookups stay short however long the day runs.
 */
#include "fix_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

#define SENT_MASK (RG_FIX_STORE_SENT - 1)
#define ORDER_MASK (RG_FIX_STORE_ORDERS - 1)

_Static_assert((RG_FIX_STORE_SENT & SENT_MASK) == 0, "sent ring is a power of two");
_Static_assert((RG_FIX_STORE_ORDERS & ORDER_MASK) == 0, "order table is a power of two");

static size_t store_size(void)
{
	return sizeof(struct rg_fix_store_hdr) + RG_FIX_STORE_SENT * sizeof(struct rg_fix_sent) +
	       RG_FIX_STORE_ORDERS * sizeof(struct rg_fix_order);
}

int rg_fix_store_open(struct rg_fix_store *st, const char *path, const char *sender, const char *target, char *err,
		      size_t errlen)
{
	size_t size = store_size();
	struct stat sb;
	void *mem = MAP_FAILED;
	bool fresh;
	int rc;

	st->fd = -1;
	st->hdr = NULL;
	if (strlen(sender) > RG_FIX_COMP_ID_MAX || strlen(target) > RG_FIX_COMP_ID_MAX) {
		snprintf(err, errlen, "fix store %s: CompIDs longer than %u bytes", path, RG_FIX_COMP_ID_MAX);
		return -EINVAL;
	}
	/* The store decides the sequence numbers the session resumes with:
	 * never one another user made or a link points at. */
	static const struct rg_owned_rule store_rule = {"FIX session store", S_IFREG, false, 0022};
	char why[256];
	st->fd = rg_owned_open(path, O_RDWR | O_CREAT, 0600, true, &store_rule, why, sizeof(why));
	if (st->fd < 0) {
		rc = st->fd;
		st->fd = -1;
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	if (flock(st->fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "fix store %s: in use by another process", path);
		goto fail;
	}
	if (fstat(st->fd, &sb) != 0) {
		rc = -errno;
		snprintf(err, errlen, "fix store %s: %s", path, strerror(errno));
		goto fail;
	}
	fresh = sb.st_size == 0;
	if (!fresh && (size_t)sb.st_size != size) {
		rc = -EBADMSG;
		snprintf(err, errlen, "fix store %s: size %lld, expected %zu: not a store of this format", path,
			 (long long)sb.st_size, size);
		goto fail;
	}
	if (fresh && ftruncate(st->fd, (off_t)size) != 0) {
		rc = -errno;
		snprintf(err, errlen, "fix store %s: %s", path, strerror(errno));
		goto fail;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, 0);
	if (mem == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "fix store %s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	st->hdr = mem;
	st->size = size;
	st->sent = (struct rg_fix_sent *)(st->hdr + 1);
	st->orders = (struct rg_fix_order *)(st->sent + RG_FIX_STORE_SENT);
	if (fresh) {
		st->hdr->version = RG_FIX_STORE_VERSION;
		st->hdr->hdr_size = sizeof(struct rg_fix_store_hdr);
		st->hdr->sent_cap = RG_FIX_STORE_SENT;
		st->hdr->order_cap = RG_FIX_STORE_ORDERS;
		st->hdr->next_out_seq = 1;
		st->hdr->next_in_seq = 1;
		st->hdr->run = 0;
		strcpy(st->hdr->sender, sender);
		strcpy(st->hdr->target, target);
		st->hdr->magic = RG_FIX_STORE_MAGIC;
		return 0;
	}
	if (st->hdr->magic != RG_FIX_STORE_MAGIC || st->hdr->version != RG_FIX_STORE_VERSION ||
	    st->hdr->hdr_size != sizeof(struct rg_fix_store_hdr) || st->hdr->sent_cap != RG_FIX_STORE_SENT ||
	    st->hdr->order_cap != RG_FIX_STORE_ORDERS || st->hdr->next_out_seq == 0 || st->hdr->next_in_seq == 0) {
		rc = -EBADMSG;
		snprintf(err, errlen, "fix store %s: bad magic, version or sizes: not a store of this format", path);
		goto fail;
	}
	if (memchr(st->hdr->sender, '\0', sizeof(st->hdr->sender)) == NULL ||
	    memchr(st->hdr->target, '\0', sizeof(st->hdr->target)) == NULL || strcmp(st->hdr->sender, sender) != 0 ||
	    strcmp(st->hdr->target, target) != 0) {
		rc = -EINVAL;
		snprintf(err, errlen, "fix store %s: belongs to another session (not %s -> %s)", path, sender, target);
		goto fail;
	}
	return 0;
fail:
	if (mem != MAP_FAILED)
		munmap(mem, size);
	st->hdr = NULL;
	close(st->fd);
	st->fd = -1;
	return rc;
}

void rg_fix_store_close(struct rg_fix_store *st)
{
	if (st->hdr != NULL) {
		msync(st->hdr, st->size, MS_SYNC);
		munmap(st->hdr, st->size);
		st->hdr = NULL;
	}
	if (st->fd >= 0) {
		close(st->fd);
		st->fd = -1;
	}
}

void rg_fix_store_record_sent(struct rg_fix_store *st, uint64_t msg_seq, uint64_t engine_seq, uint8_t kind)
{
	struct rg_fix_sent *s = &st->sent[msg_seq & SENT_MASK];

	s->engine_seq = engine_seq;
	s->run = st->hdr->run;
	s->kind = kind;
	s->msg_seq = msg_seq;
}

const struct rg_fix_sent *rg_fix_store_sent(const struct rg_fix_store *st, uint64_t msg_seq)
{
	const struct rg_fix_sent *s = &st->sent[msg_seq & SENT_MASK];

	return msg_seq != 0 && s->msg_seq == msg_seq ? s : NULL;
}

uint64_t rg_fix_store_new_run(struct rg_fix_store *st)
{
	uint64_t forgotten = st->hdr->n_orders;

	/* Removal leaves no tombstones: an empty table is all zeros already. */
	if (forgotten != 0)
		memset(st->orders, 0, RG_FIX_STORE_ORDERS * sizeof(struct rg_fix_order));
	st->hdr->n_orders = 0;
	st->hdr->run = st->hdr->run == UINT32_MAX ? 1 : st->hdr->run + 1;
	return forgotten;
}

static inline uint32_t home(uint64_t engine_seq)
{
	return (uint32_t)((engine_seq * 0x9E3779B97F4A7C15ull) >> 40) & ORDER_MASK;
}

struct rg_fix_order *rg_fix_store_order_find(struct rg_fix_store *st, uint64_t engine_seq)
{
	uint32_t i = home(engine_seq);

	if (engine_seq == 0)
		return NULL;
	for (uint32_t n = 0; n < RG_FIX_STORE_ORDERS; n++, i = (i + 1) & ORDER_MASK) {
		if (st->orders[i].engine_seq == engine_seq)
			return &st->orders[i];
		if (st->orders[i].engine_seq == 0)
			return NULL;
	}
	return NULL;
}

struct rg_fix_order *rg_fix_store_order_insert(struct rg_fix_store *st, uint64_t engine_seq)
{
	uint32_t i = home(engine_seq);

	if (engine_seq == 0)
		return NULL;
	for (;; i = (i + 1) & ORDER_MASK) {
		struct rg_fix_order *o = &st->orders[i];
		if (o->engine_seq == engine_seq)
			return o;
		if (o->engine_seq == 0) {
			if (st->hdr->n_orders >= RG_FIX_STORE_ORDERS / 4 * 3)
				return NULL;
			memset(o, 0, sizeof(*o));
			o->engine_seq = engine_seq;
			st->hdr->n_orders++;
			return o;
		}
	}
}

void rg_fix_store_order_remove(struct rg_fix_store *st, struct rg_fix_order *o)
{
	uint32_t i = (uint32_t)(o - st->orders), j = i;

	/* Backward-shift: pull later entries of the probe run into the hole
	 * when their home position is not between the hole and them. */
	for (;;) {
		uint32_t k;
		j = (j + 1) & ORDER_MASK;
		if (st->orders[j].engine_seq == 0)
			break;
		k = home(st->orders[j].engine_seq);
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		st->orders[i] = st->orders[j];
		i = j;
	}
	memset(&st->orders[i], 0, sizeof(st->orders[i]));
	st->hdr->n_orders--;
}
