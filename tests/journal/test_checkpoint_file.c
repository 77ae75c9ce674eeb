/*
 * Checkpoint files (engine/journal/checkpoint_file.h) against a real day
 * file written by the real writer: names, a round trip, the digest, the
 * owner/mode rule, the anchor check (a block of the file with that chain
 * hash), positioning a reader after the newest good one, listing and
 * pruning.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint_file.h"
#include "export.h"
#include "journal_test_util.h"

#define RECORDS 3000

static struct jt g_t;
static char g_file[256];
static int g_dirfd = -1;

static int setup(void **state)
{
	(void)state;
	jt_init(&g_t, "ckpt");
	if (jt_open_ring(&g_t, 4096) != 0 || jt_create_writer(&g_t) != 0)
		return -1;
	rg_journal_set_clock(&g_t.j, 0, JT_MAY1_NS);
	for (int i = 0; i < RECORDS; i++) {
		if (!jt_append_seq(&g_t.j))
			return -1;
		if (i % 500 == 499 && rg_journal_writer_flush(g_t.w) != 0) /* several blocks */
			return -1;
	}
	if (rg_journal_writer_flush(g_t.w) != 0)
		return -1;
	jt_close(&g_t);
	jt_file(&g_t, rg_jday_of(JT_MAY1_NS, 0), g_file, sizeof(g_file));
	g_dirfd = open(g_t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return g_dirfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	close(g_dirfd);
	jt_fini(&g_t);
	return 0;
}

/* A header anchored after the block that ends at or after record `after`,
 * read by a reader trusting the blocks from sequence `trust` on (the
 * checkpoint thread's; UINT64_MAX: none). */
static void anchored_header_trusting(uint64_t after, uint64_t trust, struct rg_ckpt_header *h)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_jposition pos;
	char err[256];

	assert_int_equal(rg_jreader_open(&r, g_file, err, sizeof(err)), 0);
	rg_jreader_trust_from(r, trust);
	while (rg_jreader_next_upto(r, &rec, after + 1) > 0)
		;
	rg_jreader_position(r, &pos);
	memset(h, 0, sizeof(*h));
	snprintf(h->instance, sizeof(h->instance), "%s", rg_jreader_header(r)->instance);
	h->trading_day = rg_jreader_header(r)->trading_day;
	h->date = rg_jreader_header(r)->date;
	h->journal_version = rg_jreader_header(r)->version;
	h->file_first_seq = rg_jreader_header(r)->first_seq;
	h->anchor_seq = pos.next_seq;
	h->anchor_block = pos.blocks - 1;
	h->anchor_block_off = rg_jreader_last_block_offset(r);
	h->anchor_end_off = pos.end_offset;
	h->records = pos.records;
	memcpy(h->anchor_hash, pos.hash, RG_JHASH_SIZE);
	rg_jreader_close(r);
	assert_true(h->anchor_seq > after && h->anchor_seq <= RECORDS + 1);
	assert_true(h->anchor_block >= 1); /* not the first block: the test means something */
}

static void anchored_header(uint64_t after, struct rg_ckpt_header *h)
{
	anchored_header_trusting(after, UINT64_MAX, h);
}

static void remove_all(void)
{
	uint64_t seqs[RG_CKPT_LIST_MAX];
	int n = rg_ckpt_list(g_dirfd, rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), seqs, RG_CKPT_LIST_MAX);

	for (int i = 0; i < n; i++) {
		char name[RG_CKPT_NAME_MAX];
		rg_ckpt_name(name, sizeof(name), rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), seqs[i]);
		unlinkat(g_dirfd, name, 0);
	}
}

static void names_round_trip(void **state)
{
	char name[RG_CKPT_NAME_MAX];
	uint32_t date;
	uint64_t seq;

	(void)state;
	assert_int_equal(rg_ckpt_name(name, sizeof(name), 20240501, 1234567), 0);
	assert_string_equal(name, "checkpoint-20240501-00000000000001234567.rgc");
	assert_true(rg_ckpt_name_parse(name, &date, &seq));
	assert_int_equal(date, 20240501);
	assert_int_equal(seq, 1234567);
	assert_false(rg_ckpt_name_parse("checkpoint-20240501-0000000000000123456x.rgc", &date, &seq));
	assert_false(rg_ckpt_name_parse("journal-20240501.rgj", &date, &seq));
	assert_false(rg_ckpt_name_parse("checkpoint-20240501-00000000000001234567.rgc.tmp", &date, &seq));
}

static void written_checkpoint_reads_back_and_anchors(void **state)
{
	struct rg_ckpt_header h, back;
	struct rg_jverify v;
	struct rg_jreader *r;
	struct rg_jposition pos;
	char err[384], name[RG_CKPT_NAME_MAX], used[RG_CKPT_NAME_MAX];
	const char body[] = "the state";
	void *got = NULL;

	(void)state;
	remove_all();
	anchored_header(1200, &h);
	h.body_size = sizeof(body);
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	rg_ckpt_name(name, sizeof(name), h.date, h.anchor_seq);
	assert_int_equal(rg_ckpt_read(g_dirfd, name, &back, &got, err, sizeof(err)), 0);
	assert_memory_equal(got, body, sizeof(body));
	assert_int_equal(back.anchor_seq, h.anchor_seq);
	assert_int_equal(back.version, RG_CKPT_VERSION);
	free(got);
	assert_int_equal(rg_journal_verify_file(g_file, &v), 0);
	assert_int_equal(rg_ckpt_verify_anchor(g_dirfd, name, g_file, &v, &back, err, sizeof(err)), 0);
	/* a reader put after it hands out the record at the anchor next */
	assert_int_equal(rg_jreader_open(&r, g_file, err, sizeof(err)), 0);
	assert_int_equal(rg_ckpt_seek_newest(r, g_dirfd, used, sizeof(used)), 1);
	assert_string_equal(used, name);
	rg_jreader_position(r, &pos);
	assert_int_equal(pos.next_seq, h.anchor_seq);
	const struct rg_jrec *rec;
	assert_int_equal(rg_jreader_next(r, &rec), 1);
	assert_int_equal(rec->h.seq, h.anchor_seq);
	while (rg_jreader_next(r, &rec) > 0)
		;
	rg_jreader_position(r, &pos);
	assert_int_equal(pos.next_seq, RECORDS + 1); /* the rest verified from the anchor on */
	assert_int_equal(rg_jreader_problem(r)->kind, RG_JPROB_NONE);
	rg_jreader_close(r);
}

/* The checkpoint thread reads the blocks its own writer sealed without
 * hashing them again: the checkpoint it anchors there is the same, and the
 * full verifier (riskctl audit verify's) accepts it. */
static void checkpoint_from_trusted_reading_verifies(void **state)
{
	struct rg_ckpt_header h, full, back;
	struct rg_jverify v;
	char err[384], name[RG_CKPT_NAME_MAX];
	const char body[] = "the state";
	void *got = NULL;

	(void)state;
	remove_all();
	anchored_header(1700, &full);
	anchored_header_trusting(1700, 1, &h);
	assert_memory_equal(&h, &full, sizeof(h));
	h.body_size = sizeof(body);
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	rg_ckpt_name(name, sizeof(name), h.date, h.anchor_seq);
	assert_int_equal(rg_ckpt_read(g_dirfd, name, &back, &got, err, sizeof(err)), 0);
	free(got);
	assert_int_equal(rg_journal_verify_file(g_file, &v), 0);
	assert_int_equal(rg_ckpt_verify_anchor(g_dirfd, name, g_file, &v, &back, err, sizeof(err)), 0);
}

static void damaged_foreign_or_misanchored_are_refused(void **state)
{
	struct rg_ckpt_header h, back;
	struct rg_jverify v;
	struct rg_jreader *r;
	char err[384], name[RG_CKPT_NAME_MAX], path[512];
	const char body[] = "the state";
	void *got = NULL;
	int fd;

	(void)state;
	remove_all();
	assert_int_equal(rg_journal_verify_file(g_file, &v), 0);
	anchored_header(2000, &h);
	h.body_size = sizeof(body);
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	rg_ckpt_name(name, sizeof(name), h.date, h.anchor_seq);
	snprintf(path, sizeof(path), "%s/%s", g_t.dir, name);
	/* one byte of the body changed: the digest says so */
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "T", 1, RG_CKPT_HEADER_SIZE), 1);
	close(fd);
	assert_int_equal(rg_ckpt_read(g_dirfd, name, &back, &got, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "SHA-256"));
	/* writable by others: refused whatever its bytes */
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(rg_ckpt_read(g_dirfd, name, &back, &got, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(rg_ckpt_read(g_dirfd, name, &back, &got, err, sizeof(err)), 0);
	free(got);
	/* a valid file whose anchor hash is not the file's: refused, the reader stays at the start */
	h.anchor_hash[0] ^= 1;
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	assert_int_equal(rg_ckpt_verify_anchor(g_dirfd, name, g_file, &v, &back, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "chain hash"));
	assert_int_equal(rg_jreader_open(&r, g_file, err, sizeof(err)), 0);
	assert_int_equal(rg_ckpt_seek_newest(r, g_dirfd, NULL, 0), 0);
	struct rg_jposition pos;
	rg_jreader_position(r, &pos);
	assert_int_equal(pos.next_seq, 1);
	rg_jreader_close(r);
	/* an anchor off a block boundary */
	h.anchor_hash[0] ^= 1;
	h.anchor_block_off += RG_JREC_SIZE;
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	assert_int_equal(rg_ckpt_verify_anchor(g_dirfd, name, g_file, &v, &back, err, sizeof(err)), -EBADMSG);
	remove_all();
}

static void listed_newest_first_and_pruned(void **state)
{
	struct rg_ckpt_header h;
	uint64_t seqs[8];
	unsigned removed = 0;
	char err[256];
	const char body[] = "x";

	(void)state;
	remove_all();
	for (uint64_t s = 10; s <= 40; s += 10) {
		memset(&h, 0, sizeof(h));
		h.date = rg_jday_date(rg_jday_of(JT_MAY1_NS, 0));
		h.anchor_seq = s;
		h.body_size = sizeof(body);
		assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	}
	h.date = 20000101; /* another day's */
	h.anchor_seq = 99;
	assert_int_equal(rg_ckpt_write(g_dirfd, &h, body, err, sizeof(err)), 0);
	assert_int_equal(rg_ckpt_list(g_dirfd, rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), seqs, 8), 4);
	assert_int_equal(seqs[0], 40);
	assert_int_equal(seqs[3], 10);
	assert_int_equal(rg_ckpt_prune(g_dirfd, rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), 2, false, &removed), 0);
	assert_int_equal(removed, 3);
	assert_int_equal(rg_ckpt_list(g_dirfd, rg_jday_date(rg_jday_of(JT_MAY1_NS, 0)), seqs, 8), 2);
	assert_int_equal(seqs[0], 40);
	assert_int_equal(seqs[1], 30);
	assert_int_equal(rg_ckpt_list(g_dirfd, 20000101, seqs, 8), 0);
	remove_all();
}

/* The journal's CHECKPOINT record (format 5): known, and exported with its fields. */
static void checkpoint_record_exports(void **state)
{
	struct rg_jrec r;
	json_t *o;
	char hex[2 * RG_JHASH_SIZE + 1];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.h.seq = 7;
	r.h.type = RG_JREC_CHECKPOINT;
	r.h.size = RG_JREC_SIZE;
	r.h.strategy = r.h.account = RG_JREC_NONE;
	r.u.checkpoint.anchor_seq = 5;
	r.u.checkpoint.records = 4;
	r.u.checkpoint.anchor_block = 1;
	r.u.checkpoint.body_size = 99;
	memset(r.u.checkpoint.digest, 0xab, RG_JHASH_SIZE);
	assert_true(rg_jrec_type_known(RG_JREC_CHECKPOINT));
	assert_true(rg_jevent_type_valid("CHECKPOINT_WRITTEN"));
	o = rg_jrec_to_json(&r, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event_type")), "CHECKPOINT_WRITTEN");
	assert_int_equal(json_integer_value(json_object_get(o, "anchor_seq")), 5);
	assert_int_equal(json_integer_value(json_object_get(o, "records")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "body_bytes")), 99);
	assert_string_equal(json_string_value(json_object_get(o, "digest")), rg_jhash_hex(r.u.checkpoint.digest, hex));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(written_checkpoint_reads_back_and_anchors),
		cmocka_unit_test(checkpoint_from_trusted_reading_verifies),
		cmocka_unit_test(damaged_foreign_or_misanchored_are_refused),
		cmocka_unit_test(listed_newest_first_and_pruned),
		cmocka_unit_test(checkpoint_record_exports),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
