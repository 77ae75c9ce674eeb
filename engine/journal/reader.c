/*
 * Journal file reader and verifier (reader.h).  Reads a day file block by
 * block with pread, checks each block completely (header, every record's
 * sequence, size and type, then the chain hash) and only then hands out its
 * records, so a caller never acts on a record of a block that fails.  The
 * first failure is kept as a struct rg_jproblem naming the block, the record
 * and the file offset.
 *
 * The end of the data is the end of the file or the first all-zero block
 * header (the writer preallocates with fallocate, so unwritten space reads
 * as zeros); everything after that must be zero too.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <riskgate/abi.h>

struct rg_jreader {
	int fd;
	char name[256];
	struct rg_jfile_header hdr;
	struct rg_jhasher *hasher;
	unsigned char *buf;  /* records of the current block */
	uint32_t n, i;       /* records in buf, next one to hand out */
	uint64_t off;        /* offset of the next block */
	uint64_t last_off;   /* offset of the last verified block */
	uint64_t next_seq;
	uint64_t blocks, records;
	uint8_t hash[RG_JHASH_SIZE];
	uint64_t trust_seq;  /* blocks starting at or after this sequence are not hashed (UINT64_MAX: none) */
	struct rg_jproblem problem;
	int status;          /* 0 while reading; 1 at the clean end; < 0 after a problem */
};

/* Reads up to len bytes at off, retrying short reads; returns bytes read or -errno. */
static ssize_t read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

__attribute__((format(printf, 6, 7))) static int problem(struct rg_jreader *r, int kind, uint64_t offset,
							  int64_t record, int code, const char *fmt, ...)
{
	struct rg_jproblem *p = &r->problem;
	char what[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->kind = kind;
	p->offset = offset;
	p->block = r->blocks;
	p->record = record;
	if (kind == RG_JPROB_FILE_HEADER || kind == RG_JPROB_IO)
		snprintf(p->message, sizeof(p->message), "%.200s: %.224s", r->name, what);
	else if (record >= 0)
		snprintf(p->message, sizeof(p->message),
			 "%.200s: block %" PRIu64 " record %" PRId64 " (offset %" PRIu64 "): %.224s",
			 r->name, r->blocks, record, offset, what);
	else
		snprintf(p->message, sizeof(p->message), "%.200s: block %" PRIu64 " (offset %" PRIu64 "): %.224s", r->name,
			 r->blocks, offset, what);
	r->status = code;
	return code;
}

static int check_header(struct rg_jreader *r)
{
	const struct rg_jfile_header *h = &r->hdr;

	if (h->magic != RG_JFILE_MAGIC)
		return problem(r, RG_JPROB_FILE_HEADER, 0, -1, -EBADMSG, "not a riskgate journal file (bad magic)");
	/* Versions add record types and (4) the chunked block hash, chosen by
	 * the version: older files read as they are. */
	if (h->version == 0 || h->version > RG_JOURNAL_FORMAT_VERSION)
		return problem(r, RG_JPROB_FILE_HEADER, 0, -1, -EBADMSG,
			       "journal format version %u, this build reads 1 to %u", h->version,
			       RG_JOURNAL_FORMAT_VERSION);
	if (h->header_size != RG_JFILE_HEADER_SIZE || h->record_size != RG_JREC_SIZE ||
	    h->block_header_size != RG_JBLOCK_HEADER_SIZE)
		return problem(r, RG_JPROB_FILE_HEADER, 0, -1, -EBADMSG,
			       "bad sizes in the file header (header %u, record %u, block header %u)", h->header_size,
			       h->record_size, h->block_header_size);
	if (memchr(h->instance, '\0', sizeof(h->instance)) == NULL || !rg_name_valid(h->instance) ||
	    h->day_start_utc_s >= 86400 || h->date != rg_jday_date(h->trading_day) || h->first_seq == 0 ||
	    !all_zero(h->zero, sizeof(h->zero)))
		return problem(r, RG_JPROB_FILE_HEADER, 0, -1, -EBADMSG, "corrupt file header");
	return 0;
}

static int open_fd(struct rg_jreader **out, int fd, const char *name, char *err, size_t errlen)
{
	struct rg_jreader *r = calloc(1, sizeof(*r));
	ssize_t got;
	int rc;

	*out = NULL;
	if (r == NULL || (r->buf = malloc((size_t)RG_JBLOCK_MAX_RECORDS * RG_JREC_SIZE)) == NULL ||
	    rg_jhasher_new(&r->hasher) != 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (r != NULL) {
			free(r->buf);
			free(r);
		}
		close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	snprintf(r->name, sizeof(r->name), "%s", name);
	got = read_at(fd, &r->hdr, sizeof(r->hdr), 0);
	if (got < 0)
		rc = problem(r, RG_JPROB_IO, 0, -1, (int)got, "read: %s", strerror((int)-got));
	else if ((size_t)got < sizeof(r->hdr))
		rc = problem(r, RG_JPROB_FILE_HEADER, 0, -1, -EBADMSG, "shorter than a file header (%zd bytes)", got);
	else
		rc = check_header(r);
	if (rc != 0) {
		snprintf(err, errlen, "%s", r->problem.message);
		rg_jreader_close(r);
		return rc;
	}
	rg_jchain_seed(r->hasher, &r->hdr, r->hash);
	r->off = RG_JFILE_HEADER_SIZE;
	r->next_seq = r->hdr.first_seq;
	r->trust_seq = UINT64_MAX;
	*out = r;
	return 0;
}

int rg_jreader_openat(struct rg_jreader **out, int dirfd, const char *name, char *err, size_t errlen)
{
	char scratch[256];
	int fd;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	/* A day file in the engine's journal directory is never a symbolic link. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | (dirfd != AT_FDCWD ? O_NOFOLLOW : 0));
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		*out = NULL;
		return rc;
	}
	return open_fd(out, fd, name, err, errlen);
}

int rg_jreader_open(struct rg_jreader **out, const char *path, char *err, size_t errlen)
{
	return rg_jreader_openat(out, AT_FDCWD, path, err, errlen);
}

void rg_jreader_close(struct rg_jreader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	rg_jhasher_free(r->hasher);
	free(r->buf);
	free(r);
}

const struct rg_jfile_header *rg_jreader_header(const struct rg_jreader *r)
{
	return &r->hdr;
}

const struct rg_jproblem *rg_jreader_problem(const struct rg_jreader *r)
{
	return &r->problem;
}

void rg_jreader_position(const struct rg_jreader *r, struct rg_jposition *out)
{
	out->end_offset = r->off;
	out->next_seq = r->next_seq;
	out->blocks = r->blocks;
	out->records = r->records;
	memcpy(out->hash, r->hash, RG_JHASH_SIZE);
}

/* The data ended at `off` with zeros: everything after must be zero too. */
static int check_tail(struct rg_jreader *r, uint64_t off)
{
	unsigned char *chunk = r->buf;
	const size_t len = (size_t)RG_JBLOCK_MAX_RECORDS * RG_JREC_SIZE;

	for (;;) {
		ssize_t got = read_at(r->fd, chunk, len, off);
		if (got < 0)
			return problem(r, RG_JPROB_IO, off, -1, (int)got, "read: %s", strerror((int)-got));
		for (ssize_t k = 0; k < got; k++)
			if (chunk[k] != 0)
				return problem(r, RG_JPROB_DATA_AFTER_END, off + (uint64_t)k, -1, -EBADMSG,
					       "non-zero data at offset %" PRIu64 " after the end of the journal data at %" PRIu64
					       " (a block is missing or was zeroed)",
					       off + (uint64_t)k, r->off);
		if ((size_t)got < len) {
			r->status = 1;
			return 0;
		}
		off += (uint64_t)got;
	}
}

static int check_block(struct rg_jreader *r, const struct rg_jblock_header *bh)
{
	uint64_t last;
	size_t bytes;
	ssize_t got;
	uint8_t hash[RG_JHASH_SIZE];

	if (bh->magic != RG_JBLOCK_MAGIC)
		return problem(r, RG_JPROB_BLOCK_HEADER, r->off, -1, -EBADMSG,
			       "bad block magic (bytes were edited, removed or inserted before it)");
	if (bh->record_size != RG_JREC_SIZE || bh->n_records == 0 || bh->n_records > RG_JBLOCK_MAX_RECORDS)
		return problem(r, RG_JPROB_BLOCK_HEADER, r->off, -1, -EBADMSG, "bad block header (%u records of %u bytes)",
			       bh->n_records, bh->record_size);
	if (bh->block_index != r->blocks)
		return problem(r, RG_JPROB_BLOCK_HEADER, r->off, -1, -EBADMSG,
			       "block index %" PRIu64 ", expected %" PRIu64 " (blocks removed or reordered)",
			       bh->block_index, r->blocks);
	last = bh->first_seq + bh->n_records - 1;
	if (bh->first_seq != r->next_seq) {
		problem(r, RG_JPROB_SEQUENCE, r->off, -1, -EBADMSG,
			"records %" PRIu64 "..%" PRIu64 " start at sequence %" PRIu64 ", expected %" PRIu64
			" (records removed or reordered)",
			bh->first_seq, last, bh->first_seq, r->next_seq);
		r->problem.seq = bh->first_seq;
		r->problem.expected_seq = r->next_seq;
		return r->status;
	}
	bytes = (size_t)bh->n_records * RG_JREC_SIZE;
	got = read_at(r->fd, r->buf, bytes, r->off + RG_JBLOCK_HEADER_SIZE);
	if (got < 0)
		return problem(r, RG_JPROB_IO, r->off, -1, (int)got, "read: %s", strerror((int)-got));
	/* Records first, even in a block the file cuts short: a record removed
	 * from the last block is named as such, not as a short file. */
	for (uint32_t k = 0; k < (size_t)got / RG_JREC_SIZE; k++) {
		const struct rg_jrec *rec = (const struct rg_jrec *)(r->buf + (size_t)k * RG_JREC_SIZE);
		uint64_t want = bh->first_seq + k, at = r->off + RG_JBLOCK_HEADER_SIZE + (uint64_t)k * RG_JREC_SIZE;
		if (rec->h.seq != want) {
			problem(r, RG_JPROB_SEQUENCE, at, k, -EBADMSG,
				"sequence %" PRIu64 ", expected %" PRIu64 " (a record was removed, inserted or moved)",
				rec->h.seq, want);
			r->problem.seq = rec->h.seq;
			r->problem.expected_seq = want;
			return r->status;
		}
		if (rec->h.size != RG_JREC_SIZE || !rg_jrec_type_known(rec->h.type)) {
			problem(r, RG_JPROB_RECORD, at, k, -EBADMSG, "sequence %" PRIu64 ": bad size %u or type %u", want,
				rec->h.size, rec->h.type);
			r->problem.seq = want;
			return r->status;
		}
	}
	if ((size_t)got < bytes)
		return problem(r, RG_JPROB_TRUNCATED, r->off, -1, -EBADMSG,
			       "the file ends inside the block (records %" PRIu64 "..%" PRIu64 ": %zd of %zu bytes)",
			       bh->first_seq, last, got, bytes);
	/* A block this process's writer sealed carries the hash it computed: the
	 * structure above is checked, the records are not hashed again. */
	if (bh->first_seq >= r->trust_seq)
		memcpy(hash, bh->hash, RG_JHASH_SIZE);
	else
		rg_jchain_block(r->hasher, r->hdr.version, r->hash, bh, r->buf, bh->n_records, hash);
	if (memcmp(hash, bh->hash, RG_JHASH_SIZE) != 0) {
		problem(r, RG_JPROB_HASH, r->off, -1, -EBADMSG,
			"records %" PRIu64 "..%" PRIu64 " do not match the block's chain hash (bytes were edited)",
			bh->first_seq, last);
		r->problem.seq = bh->first_seq;
		return r->status;
	}
	memcpy(r->hash, hash, RG_JHASH_SIZE);
	r->last_off = r->off;
	r->off += RG_JBLOCK_HEADER_SIZE + bytes;
	r->next_seq = last + 1;
	r->blocks++;
	r->records += bh->n_records;
	r->n = bh->n_records;
	r->i = 0;
	return 0;
}

int rg_jreader_next(struct rg_jreader *r, const struct rg_jrec **rec)
{
	struct rg_jblock_header bh;
	ssize_t got;
	int rc;

	if (r->i < r->n) {
		*rec = (const struct rg_jrec *)(r->buf + (size_t)r->i++ * RG_JREC_SIZE);
		return 1;
	}
	if (r->status != 0)
		return r->status > 0 ? 0 : r->status;
	got = read_at(r->fd, &bh, sizeof(bh), r->off);
	if (got < 0)
		return problem(r, RG_JPROB_IO, r->off, -1, (int)got, "read: %s", strerror((int)-got));
	if (got == 0) {
		r->status = 1;
		return 0;
	}
	if (all_zero(&bh, (size_t)got)) {
		rc = check_tail(r, r->off);
		return rc;
	}
	if ((size_t)got < sizeof(bh))
		return problem(r, RG_JPROB_TRUNCATED, r->off, -1, -EBADMSG, "the file ends inside a block header");
	rc = check_block(r, &bh);
	if (rc != 0)
		return rc;
	return rg_jreader_next(r, rec);
}

int rg_jreader_next_upto(struct rg_jreader *r, const struct rg_jrec **rec, uint64_t limit)
{
	if (r->i >= r->n && r->next_seq >= limit && r->status == 0)
		return 0;
	return rg_jreader_next(r, rec);
}

void rg_jreader_trust_from(struct rg_jreader *r, uint64_t seq)
{
	r->trust_seq = seq;
}

void rg_jreader_rewind_end(struct rg_jreader *r)
{
	if (r->status > 0)
		r->status = 0;
}

uint64_t rg_jreader_last_block_offset(const struct rg_jreader *r)
{
	return r->last_off;
}

int rg_jreader_seek_anchor(struct rg_jreader *r, uint64_t block, uint64_t block_off, uint64_t end_off,
			   uint64_t next_seq, uint64_t records, const uint8_t hash[RG_JHASH_SIZE], char *err,
			   size_t errlen)
{
	struct rg_jblock_header bh;
	ssize_t got;

	if (r->blocks != 0 || r->status != 0) {
		snprintf(err, errlen, "%s: the reader has already read", r->name);
		return -EINVAL;
	}
	got = read_at(r->fd, &bh, sizeof(bh), block_off);
	if (got < 0) {
		snprintf(err, errlen, "%s: read at %" PRIu64 ": %s", r->name, block_off, strerror((int)-got));
		return (int)got;
	}
	if (got != (ssize_t)sizeof(bh) || bh.magic != RG_JBLOCK_MAGIC || bh.record_size != RG_JREC_SIZE ||
	    bh.n_records == 0 || bh.n_records > RG_JBLOCK_MAX_RECORDS || bh.block_index != block ||
	    bh.first_seq + bh.n_records != next_seq ||
	    block_off + RG_JBLOCK_HEADER_SIZE + (uint64_t)bh.n_records * RG_JREC_SIZE != end_off) {
		snprintf(err, errlen,
			 "%s: no block %" PRIu64 " ending before sequence %" PRIu64 " at offset %" PRIu64, r->name,
			 block, next_seq, block_off);
		return -EBADMSG;
	}
	if (memcmp(bh.hash, hash, RG_JHASH_SIZE) != 0) {
		snprintf(err, errlen, "%s: block %" PRIu64 " (records to %" PRIu64 ") has another chain hash", r->name,
			 block, next_seq - 1);
		return -EBADMSG;
	}
	memcpy(r->hash, hash, RG_JHASH_SIZE);
	r->last_off = block_off;
	r->off = end_off;
	r->next_seq = next_seq;
	r->blocks = block + 1;
	r->records = records;
	r->n = r->i = 0;
	return 0;
}

int rg_journal_verify_file(const char *path, struct rg_jverify *out)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	char err[320];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rg_jreader_open(&r, path, err, sizeof(err));
	if (rc != 0) {
		out->problem.kind = rc == -EBADMSG ? RG_JPROB_FILE_HEADER : RG_JPROB_IO;
		out->problem.record = -1;
		snprintf(out->problem.message, sizeof(out->problem.message), "%s", err);
		return rc;
	}
	out->header = r->hdr;
	while ((rc = rg_jreader_next(r, &rec)) > 0)
		;
	rg_jreader_position(r, &out->pos);
	out->problem = r->problem;
	rg_jreader_close(r);
	return rc;
}

int rg_journal_verify_link(const struct rg_jverify *prev, struct rg_jverify *next)
{
	struct rg_jproblem *p = &next->problem;
	const char *why = NULL;

	if (memcmp(next->header.prev_hash, prev->pos.hash, RG_JHASH_SIZE) != 0)
		why = "its previous-file hash is not the previous file's last chain hash";
	else if (next->header.first_seq != prev->pos.next_seq || next->header.prev_last_seq + 1 != prev->pos.next_seq)
		why = "its first sequence does not follow the previous file's last";
	else if (strcmp(next->header.instance, prev->header.instance) != 0)
		why = "it belongs to another instance";
	else if (next->header.trading_day <= prev->header.trading_day)
		why = "its trading day is not after the previous file's";
	if (why == NULL)
		return 0;
	memset(p, 0, sizeof(*p));
	p->kind = RG_JPROB_LINK;
	p->record = -1;
	p->seq = next->header.first_seq;
	p->expected_seq = prev->pos.next_seq;
	snprintf(p->message, sizeof(p->message),
		 "day %08u does not continue day %08u: %s (first sequence %" PRIu64 ", previous file ends before %" PRIu64 ")",
		 next->header.date, prev->header.date, why, next->header.first_seq, prev->pos.next_seq);
	return -EBADMSG;
}
