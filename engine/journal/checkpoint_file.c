/*
 * Checkpoint files (checkpoint_file.h): naming, listing, writing them
 * atomically (temporary file, fdatasync, rename, directory sync), pruning the
 * old ones, and reading one back only when this user made it and its SHA-256
 * matches.  What the body means is the engine's (risk_checkpoint.c); this
 * file only moves and checks bytes.
 */
#include "checkpoint_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "owned_file.h"
#include "reader.h"

#define TMP_NAME ".checkpoint.tmp"

int rg_ckpt_name(char *buf, size_t len, uint32_t date, uint64_t anchor_seq)
{
	int n = snprintf(buf, len, "checkpoint-%08" PRIu32 "-%020" PRIu64 ".rgc", date, anchor_seq);

	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

bool rg_ckpt_name_parse(const char *name, uint32_t *date, uint64_t *anchor_seq)
{
	uint32_t d = 0;
	uint64_t s = 0;

	if (strlen(name) != 44 || strncmp(name, "checkpoint-", 11) != 0 || name[19] != '-' ||
	    strcmp(name + 40, ".rgc") != 0)
		return false;
	for (int i = 11; i < 19; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		d = d * 10 + (uint32_t)(name[i] - '0');
	}
	for (int i = 20; i < 40; i++) {
		if (name[i] < '0' || name[i] > '9' || s > (UINT64_MAX - 9) / 10)
			return false;
		s = s * 10 + (uint64_t)(name[i] - '0');
	}
	*date = d;
	*anchor_seq = s;
	return true;
}

/* Calls fn for each checkpoint name in dirfd. */
static int each_ckpt(int dirfd, void (*fn)(const char *name, uint32_t date, uint64_t seq, void *arg), void *arg)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		uint32_t date;
		uint64_t seq;
		if (rg_ckpt_name_parse(de->d_name, &date, &seq))
			fn(de->d_name, date, seq, arg);
	}
	closedir(d);
	return 0;
}

struct list_ctx {
	uint32_t date;
	uint64_t *seqs;
	unsigned max, n;
};

/* Keeps the `max` highest sequences, highest first. */
static void list_one(const char *name, uint32_t date, uint64_t seq, void *arg)
{
	struct list_ctx *c = arg;
	unsigned i;

	(void)name;
	if (date != c->date)
		return;
	for (i = c->n; i > 0 && c->seqs[i - 1] < seq; i--)
		if (i < c->max)
			c->seqs[i] = c->seqs[i - 1];
	if (i < c->max) {
		c->seqs[i] = seq;
		if (c->n < c->max)
			c->n++;
	}
}

int rg_ckpt_list(int dirfd, uint32_t date, uint64_t *seqs, unsigned max)
{
	struct list_ctx c = {date, seqs, max, 0};
	int rc = max == 0 ? 0 : each_ckpt(dirfd, list_one, &c);

	return rc < 0 ? rc : (int)c.n;
}

struct prune_ctx {
	int dirfd;
	uint32_t date;
	uint64_t keep_from; /* sequences at or above stay */
	bool keep_other_dates;
	unsigned removed;
	int rc;
};

static void prune_one(const char *name, uint32_t date, uint64_t seq, void *arg)
{
	struct prune_ctx *c = arg;

	if (date == c->date ? seq >= c->keep_from : c->keep_other_dates)
		return;
	if (unlinkat(c->dirfd, name, 0) == 0)
		c->removed++;
	else if (errno != ENOENT && c->rc == 0)
		c->rc = -errno;
}

int rg_ckpt_prune(int dirfd, uint32_t date, unsigned keep, bool keep_other_dates, unsigned *removed)
{
	uint64_t seqs[RG_CKPT_LIST_MAX];
	struct prune_ctx c = {dirfd, date, 0, keep_other_dates, 0, 0};
	int n;

	if (keep > RG_CKPT_LIST_MAX)
		keep = RG_CKPT_LIST_MAX;
	n = rg_ckpt_list(dirfd, date, seqs, keep);
	if (n < 0)
		return n;
	c.keep_from = keep == 0 ? UINT64_MAX : (n < (int)keep ? 0 : seqs[keep - 1]);
	n = each_ckpt(dirfd, prune_one, &c);
	if (removed != NULL)
		*removed = c.removed;
	return n < 0 ? n : c.rc;
}

static void digest(const struct rg_ckpt_header *hdr, const void *body, uint8_t out[RG_JHASH_SIZE])
{
	struct rg_ckpt_header h = *hdr;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;

	memset(h.digest, 0, sizeof(h.digest));
	memset(out, 0, RG_JHASH_SIZE);
	if (ctx == NULL)
		return;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, &h, sizeof(h));
	EVP_DigestUpdate(ctx, body, (size_t)hdr->body_size);
	EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int rg_ckpt_write(int dirfd, struct rg_ckpt_header *hdr, const void *body, char *err, size_t errlen)
{
	char name[RG_CKPT_NAME_MAX];
	struct timespec ts;
	int fd, rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	hdr->magic = RG_CKPT_MAGIC;
	hdr->version = RG_CKPT_VERSION;
	hdr->header_size = RG_CKPT_HEADER_SIZE;
	hdr->created_real_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	digest(hdr, body, hdr->digest);
	rc = rg_ckpt_name(name, sizeof(name), hdr->date, hdr->anchor_seq);
	if (rc != 0) {
		snprintf(err, errlen, "checkpoint: bad date %" PRIu32, hdr->date);
		return rc;
	}
	unlinkat(dirfd, TMP_NAME, 0); /* a crashed write's leftover */
	fd = openat(dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "checkpoint: cannot create %s: %s", TMP_NAME, strerror(-rc));
		return rc;
	}
	rc = write_all(fd, hdr, sizeof(*hdr));
	if (rc == 0)
		rc = write_all(fd, body, (size_t)hdr->body_size);
	if (rc == 0 && fdatasync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(dirfd, TMP_NAME, dirfd, name) != 0)
		rc = -errno;
	if (rc != 0) {
		unlinkat(dirfd, TMP_NAME, 0);
		snprintf(err, errlen, "checkpoint: cannot write %s: %s", name, strerror(-rc));
		return rc;
	}
	fsync(dirfd);
	return 0;
}

static int read_ckpt(int dirfd, const char *name, bool owned, struct rg_ckpt_header *hdr, void **body, char *err,
		     size_t errlen)
{
	static const struct rg_owned_rule rule = {"checkpoint", S_IFREG, false, 0022};
	uint8_t want[RG_JHASH_SIZE];
	struct stat st;
	unsigned char *b = NULL;
	ssize_t got;
	int fd, rc;

	*body = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		return rc;
	}
	rc = owned ? rg_owned_check_fd(fd, name, &rule, err, errlen) : 0;
	if (rc != 0)
		goto out;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		goto out;
	}
	rc = -EBADMSG;
	got = pread(fd, hdr, sizeof(*hdr), 0);
	if (got != (ssize_t)sizeof(*hdr) || hdr->magic != RG_CKPT_MAGIC || hdr->header_size != RG_CKPT_HEADER_SIZE) {
		snprintf(err, errlen, "%s: not a checkpoint (bad header)", name);
		goto out;
	}
	if (hdr->version != RG_CKPT_VERSION) {
		snprintf(err, errlen, "%s: checkpoint format %" PRIu32 ", this build reads %u", name, hdr->version,
			 RG_CKPT_VERSION);
		goto out;
	}
	if (hdr->body_size >= RG_CKPT_BODY_MAX || (uint64_t)st.st_size != RG_CKPT_HEADER_SIZE + hdr->body_size) {
		snprintf(err, errlen, "%s: %lld bytes, the header says %" PRIu64, name, (long long)st.st_size,
			 RG_CKPT_HEADER_SIZE + hdr->body_size);
		goto out;
	}
	b = malloc(hdr->body_size != 0 ? (size_t)hdr->body_size : 1);
	if (b == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (uint64_t off = 0; off < hdr->body_size;) {
		got = pread(fd, b + off, (size_t)(hdr->body_size - off), (off_t)(RG_CKPT_HEADER_SIZE + off));
		if (got <= 0) {
			rc = got < 0 ? -errno : -EBADMSG;
			snprintf(err, errlen, "%s: read: %s", name, got < 0 ? strerror(errno) : "short file");
			goto out;
		}
		off += (uint64_t)got;
	}
	digest(hdr, b, want);
	if (memcmp(want, hdr->digest, RG_JHASH_SIZE) != 0) {
		snprintf(err, errlen, "%s: its SHA-256 does not match (the file was changed or damaged)", name);
		goto out;
	}
	rc = 0;
	*body = b;
	b = NULL;
out:
	free(b);
	close(fd);
	return rc;
}

int rg_ckpt_verify_anchor(int dirfd, const char *name, const char *journal_path, const struct rg_jverify *v,
			  struct rg_ckpt_header *hdr, char *err, size_t errlen)
{
	struct rg_jreader *r;
	void *body = NULL;
	uint64_t seq;
	uint32_t date;
	/* An auditor need not be the engine's user: integrity, not trust. */
	int rc = read_ckpt(dirfd, name, false, hdr, &body, err, errlen);

	free(body);
	if (rc != 0)
		return rc;
	if (!rg_ckpt_name_parse(name, &date, &seq) || seq != hdr->anchor_seq || date != hdr->date) {
		snprintf(err, errlen, "%s: its name and anchor disagree", name);
		return -EBADMSG;
	}
	if (strncmp(hdr->instance, v->header.instance, sizeof(hdr->instance)) != 0 || hdr->date != v->header.date ||
	    hdr->trading_day != v->header.trading_day || hdr->file_first_seq != v->header.first_seq ||
	    hdr->journal_version != v->header.version) {
		snprintf(err, errlen, "%s: not a checkpoint of %s (instance, day, first sequence or format differ)", name,
			 journal_path);
		return -EBADMSG;
	}
	if (hdr->anchor_seq > v->pos.next_seq || hdr->records != hdr->anchor_seq - hdr->file_first_seq) {
		snprintf(err, errlen, "%s: anchored at sequence %" PRIu64 ", beyond the file's verified end %" PRIu64, name,
			 hdr->anchor_seq, v->pos.next_seq);
		return -EBADMSG;
	}
	rc = rg_jreader_open(&r, journal_path, err, errlen);
	if (rc != 0)
		return rc;
	rc = rg_jreader_seek_anchor(r, hdr->anchor_block, hdr->anchor_block_off, hdr->anchor_end_off, hdr->anchor_seq,
				    hdr->records, hdr->anchor_hash, err, errlen);
	rg_jreader_close(r);
	return rc;
}

int rg_ckpt_seek_newest(struct rg_jreader *r, int dirfd, char *used, size_t usedlen)
{
	const struct rg_jfile_header *fh = rg_jreader_header(r);
	uint64_t seqs[8];
	int n = rg_ckpt_list(dirfd, fh->date, seqs, 8);

	for (int i = 0; i < n; i++) {
		struct rg_ckpt_header hdr;
		char name[RG_CKPT_NAME_MAX], err[384];
		void *body = NULL;
		int rc;

		rg_ckpt_name(name, sizeof(name), fh->date, seqs[i]);
		rc = rg_ckpt_read(dirfd, name, &hdr, &body, err, sizeof(err));
		free(body);
		if (rc != 0 || hdr.anchor_seq != seqs[i] || hdr.file_first_seq != fh->first_seq ||
		    strncmp(hdr.instance, fh->instance, sizeof(hdr.instance)) != 0 ||
		    hdr.records != hdr.anchor_seq - hdr.file_first_seq)
			continue;
		if (rg_jreader_seek_anchor(r, hdr.anchor_block, hdr.anchor_block_off, hdr.anchor_end_off, hdr.anchor_seq,
					   hdr.records, hdr.anchor_hash, err, sizeof(err)) != 0)
			continue;
		if (used != NULL)
			snprintf(used, usedlen, "%s", name);
		return 1;
	}
	return 0;
}

int rg_ckpt_read(int dirfd, const char *name, struct rg_ckpt_header *hdr, void **body, char *err, size_t errlen)
{
	return read_ckpt(dirfd, name, true, hdr, body, err, errlen);
}

void rg_ckpt_boot_id(uint8_t out[16])
{
	char text[64] = "";
	unsigned k = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	memset(out, 0, 16);
	if (f == NULL)
		return;
	if (fgets(text, sizeof(text), f) == NULL)
		text[0] = '\0';
	fclose(f);
	for (const char *p = text; *p != '\0' && k < 32; p++) {
		int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (v < 0)
			continue;
		out[k / 2] = (uint8_t)(out[k / 2] | (k % 2 == 0 ? v << 4 : v));
		k++;
	}
}
