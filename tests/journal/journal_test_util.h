/*
 * Helpers shared by the journal tests: a unique instance and a scratch
 * directory per test, a ring + writer opened with test settings, and
 * records whose every byte follows from their sequence, so that a reader
 * can check content as well as order.
 */
#ifndef RG_JOURNAL_TEST_UTIL_H
#define RG_JOURNAL_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

#define JT_DAY_NS (86400ull * 1000000000ull)
/* 2024-05-01T00:00:00Z */
#define JT_MAY1_NS (1714521600ull * 1000000000ull)

struct jt {
	char instance[32];
	char dir[128];
	struct rg_journal j;
	struct rg_journal_writer *w;
	struct rg_journal_writer_cfg wc;
};

static inline uint64_t jt_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void jt_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* A fresh instance name and directory; no ring or writer yet. */
static inline void jt_init(struct jt *t, const char *tag)
{
	static int serial;

	memset(t, 0, sizeof(*t));
	snprintf(t->instance, sizeof(t->instance), "jt%s%d_%d", tag, (int)getpid(), serial++);
	snprintf(t->dir, sizeof(t->dir), "/tmp/rgjournal.%s.XXXXXX", t->instance);
	if (mkdtemp(t->dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	rg_journal_unlink(t->instance);
	t->j.fd = -1;
	t->wc.dir = t->dir;
	t->wc.cpu = -1;
	t->wc.block_bytes = 64 * 1024;
	t->wc.prealloc_bytes = 1 << 20;
	t->wc.flush_ns = 200000;
	t->wc.retry_ns = 20000000;
	t->wc.idle_ns = 50000;
}

/* Opens (or attaches) the ring with `capacity` records; 0 or -errno. */
static inline int jt_open_ring(struct jt *t, uint64_t capacity)
{
	struct rg_journal_ring_cfg rc;
	char err[256];
	int r;

	memset(&rc, 0, sizeof(rc));
	rc.instance = t->instance;
	rc.capacity = capacity;
	rc.perms.uid = (uid_t)-1;
	rc.perms.gid = (gid_t)-1;
	rc.perms.mode = 0600;
	r = rg_journal_open(&t->j, &rc, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "jt_open_ring: %s\n", err);
	return r;
}

static inline int jt_create_writer(struct jt *t)
{
	char err[512];
	int r = rg_journal_writer_create(&t->w, &t->j, &t->wc, err, sizeof(err));

	if (r != 0)
		fprintf(stderr, "jt_create_writer: %s\n", err);
	return r;
}

static inline void jt_close(struct jt *t)
{
	rg_journal_writer_destroy(t->w);
	t->w = NULL;
	rg_journal_close(&t->j);
}

static inline void jt_fini(struct jt *t)
{
	jt_close(t);
	rg_journal_unlink(t->instance);
	jt_rmdir(t->dir);
}

/* Body bytes that follow from seq: what jt_append_seq writes and jt_check_seq expects. */
static inline void jt_body_of(uint64_t seq, unsigned char body[RG_JREC_BODY_SIZE])
{
	uint64_t x = seq * 0x9E3779B97F4A7C15ull;

	for (unsigned i = 0; i < RG_JREC_BODY_SIZE; i++) {
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ull;
		body[i] = (unsigned char)(x >> 56);
	}
	/* a FILL with an exec id that is printable text: body bytes 48.. */
	for (unsigned i = 48; i < RG_JREC_BODY_SIZE; i++)
		body[i] = (unsigned char)('a' + body[i] % 26);
	body[RG_JREC_BODY_SIZE - 1] = 0;
}

/* Appends a FILL whose body and stamps follow from its sequence. */
static inline bool jt_append_seq(struct rg_journal *j)
{
	unsigned char body[RG_JREC_BODY_SIZE];
	uint64_t seq = rg_journal_next_seq(j);

	jt_body_of(seq, body);
	return rg_journal_append(j, RG_JREC_FILL, 1000 + seq, (uint32_t)(seq % 7), (uint32_t)(seq % 3), body);
}

/* True when rec is what jt_append_seq wrote for its sequence. */
static inline bool jt_check_seq(const struct rg_jrec *rec)
{
	unsigned char body[RG_JREC_BODY_SIZE];

	jt_body_of(rec->h.seq, body);
	return rec->h.type == RG_JREC_FILL && rec->h.mono_ns == 1000 + rec->h.seq &&
	       rec->h.strategy == rec->h.seq % 7 && rec->h.account == rec->h.seq % 3 &&
	       memcmp(rec->u.body, body, sizeof(body)) == 0;
}

/* Path of the day file of `day` in t's directory. */
static inline void jt_file(const struct jt *t, int64_t day, char *buf, size_t len)
{
	char name[RG_JFILE_NAME_MAX];

	rg_jfile_name(name, sizeof(name), day);
	snprintf(buf, len, "%s/%s", t->dir, name);
}

/* Number of day files in t's directory. */
static inline int jt_count_files(const struct jt *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *e;
	uint32_t date;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (rg_jfile_name_parse(e->d_name, &date))
			n++;
	closedir(d);
	return n;
}

/* Replay callback collecting sequences: checks they are consecutive. */
struct jt_seqs {
	uint64_t first, next, n;
	bool gap, bad_content;
	bool check_content;
};

static inline int jt_collect(const struct rg_jrec *rec, void *arg)
{
	struct jt_seqs *s = (struct jt_seqs *)arg;

	if (s->n == 0)
		s->first = rec->h.seq;
	else if (rec->h.seq != s->next)
		s->gap = true;
	if (s->check_content && !jt_check_seq(rec))
		s->bad_content = true;
	s->next = rec->h.seq + 1;
	s->n++;
	return 0;
}

#endif /* RG_JOURNAL_TEST_UTIL_H */
