/*
 * Tamper evidence: a real day file (written by the writer through io_uring,
 * several blocks) is copied and edited the ways an attacker or a failing
 * disk would, and verification must fail naming the first bad block or
 * record: a flipped byte, a record deleted, two records swapped, two blocks
 * swapped, an edited block re-hashed (the next block's chain breaks), a
 * missing write in the middle, a truncated tail, a damaged file header.
 * `riskctl audit verify` (through the audit CLI driver) exits 0 on the good
 * file and 1 on each bad one, naming the place on stderr.  A reader told to
 * trust the blocks from a sequence on (rg_jreader_trust_from, the checkpoint
 * thread's) skips only their chain hash: structural damage is still found,
 * and the blocks before that sequence are still hashed.
 *
 *   test_journal_tamper AUDIT_CLI_DRIVER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "journal_test_util.h"

#define RECORDS 2000 /* 64 KiB blocks hold 511: four blocks */
#define PER_BLOCK ((64 * 1024 - RG_JBLOCK_HEADER_SIZE) / RG_JREC_SIZE)

static const char *g_driver;
static struct jt g_t;
static char g_good[256], g_bad[256];
static unsigned char *g_bytes;
static size_t g_size;

static int setup(void **state)
{
	FILE *f;

	(void)state;
	jt_init(&g_t, "tamper");
	if (jt_open_ring(&g_t, 4096) != 0 || jt_create_writer(&g_t) != 0)
		return -1;
	rg_journal_set_clock(&g_t.j, 0, JT_MAY1_NS);
	for (int i = 0; i < RECORDS; i++)
		if (!jt_append_seq(&g_t.j))
			return -1;
	if (rg_journal_writer_flush(g_t.w) != 0)
		return -1;
	jt_close(&g_t);
	jt_file(&g_t, rg_jday_of(JT_MAY1_NS, 0), g_good, sizeof(g_good));
	snprintf(g_bad, sizeof(g_bad), "%s/tampered.rgj", g_t.dir);
	f = fopen(g_good, "rb");
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	g_size = (size_t)ftell(f);
	rewind(f);
	g_bytes = malloc(g_size);
	if (g_bytes == NULL || fread(g_bytes, 1, g_size, f) != g_size)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(g_bytes);
	jt_fini(&g_t);
	return 0;
}

/* Offset of block b's header and of record r of block b (writer's layout). */
static size_t block_off(unsigned b)
{
	return RG_JFILE_HEADER_SIZE + (size_t)b * (RG_JBLOCK_HEADER_SIZE + PER_BLOCK * RG_JREC_SIZE);
}

static size_t rec_off(unsigned b, unsigned r)
{
	return block_off(b) + RG_JBLOCK_HEADER_SIZE + (size_t)r * RG_JREC_SIZE;
}

static void write_bad(const unsigned char *bytes, size_t size)
{
	FILE *f = fopen(g_bad, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/* A copy of the good file to edit. */
static unsigned char *copy(void)
{
	unsigned char *c = malloc(g_size + RG_JREC_SIZE);

	assert_non_null(c);
	memcpy(c, g_bytes, g_size);
	return c;
}

/* Runs `audit verify path`; returns its exit status, stderr in errbuf. */
static int cli_verify(const char *path, char *errbuf, size_t len)
{
	char errfile[300];
	int status;
	pid_t pid;
	FILE *f;
	size_t n;

	snprintf(errfile, sizeof(errfile), "%s/verify.err", g_t.dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600), null = open("/dev/null", O_WRONLY);
		if (fd < 0 || null < 0 || dup2(fd, 2) < 0 || dup2(null, 1) < 0)
			_exit(99);
		execl(g_driver, "audit", "verify", path, (char *)NULL);
		_exit(98);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	f = fopen(errfile, "r");
	assert_non_null(f);
	n = fread(errbuf, 1, len - 1, f);
	errbuf[n] = '\0';
	fclose(f);
	return WEXITSTATUS(status);
}

/* Verifies the tampered copy: must fail with `kind` at block/record, and the CLI must say so. */
static void expect_bad(int kind, uint64_t block, int64_t record, const char *cli_words)
{
	struct rg_jverify v;
	char msg[1024];

	assert_int_equal(rg_journal_verify_file(g_bad, &v), -EBADMSG);
	if (v.problem.kind != kind)
		fail_msg("problem kind %d, expected %d: %s", v.problem.kind, kind, v.problem.message);
	assert_int_equal(v.problem.block, block);
	assert_int_equal(v.problem.record, record);
	assert_int_equal(cli_verify(g_bad, msg, sizeof(msg)), 1);
	if (strstr(msg, cli_words) == NULL)
		fail_msg("verify said \"%s\", expected it to mention \"%s\"", msg, cli_words);
}

static void good_file_verifies(void **state)
{
	struct rg_jverify v;
	char msg[1024];

	(void)state;
	assert_int_equal(rg_journal_verify_file(g_good, &v), 0);
	assert_int_equal(v.problem.kind, RG_JPROB_NONE);
	assert_int_equal(v.pos.records, RECORDS);
	assert_int_equal(v.pos.blocks, (RECORDS + PER_BLOCK - 1) / PER_BLOCK);
	assert_int_equal(v.header.first_seq, 1);
	assert_int_equal(v.pos.next_seq, RECORDS + 1);
	assert_int_equal(v.pos.end_offset, g_size); /* the writer trimmed the preallocated tail */
	assert_int_equal(cli_verify(g_good, msg, sizeof(msg)), 0);
}

static void flipped_byte_is_detected(void **state)
{
	unsigned char *c = copy();

	(void)state;
	c[rec_off(1, 10) + 50] ^= 0x01; /* a body byte of record 10 of block 1 */
	write_bad(c, g_size);
	expect_bad(RG_JPROB_HASH, 1, -1, "block 1 ");
	/* a flipped sequence byte names the record itself */
	memcpy(c, g_bytes, g_size);
	c[rec_off(2, 7)] ^= 0x04;
	write_bad(c, g_size);
	expect_bad(RG_JPROB_SEQUENCE, 2, 7, "block 2 record 7");
	free(c);
}

static void deleted_record_is_detected(void **state)
{
	unsigned char *c = copy();
	size_t at = rec_off(2, 100);

	(void)state;
	memmove(c + at, c + at + RG_JREC_SIZE, g_size - at - RG_JREC_SIZE);
	write_bad(c, g_size - RG_JREC_SIZE);
	expect_bad(RG_JPROB_SEQUENCE, 2, 100, "block 2 record 100");
	/* one removed from the last block: named too, though the block is now short */
	at = rec_off(3, 5);
	memcpy(c, g_bytes, g_size);
	memmove(c + at, c + at + RG_JREC_SIZE, g_size - at - RG_JREC_SIZE);
	write_bad(c, g_size - RG_JREC_SIZE);
	expect_bad(RG_JPROB_SEQUENCE, 3, 5, "block 3 record 5");
	/* the last record of the file removed: the last block is cut short */
	write_bad(g_bytes, g_size - RG_JREC_SIZE);
	expect_bad(RG_JPROB_TRUNCATED, 3, -1, "block 3 ");
	free(c);
}

static void swapped_records_are_detected(void **state)
{
	unsigned char *c = copy();
	unsigned char tmp[RG_JREC_SIZE];

	(void)state;
	memcpy(tmp, c + rec_off(0, 3), RG_JREC_SIZE);
	memcpy(c + rec_off(0, 3), c + rec_off(0, 4), RG_JREC_SIZE);
	memcpy(c + rec_off(0, 4), tmp, RG_JREC_SIZE);
	write_bad(c, g_size);
	expect_bad(RG_JPROB_SEQUENCE, 0, 3, "block 0 record 3");
	free(c);
}

static void swapped_blocks_are_detected(void **state)
{
	unsigned char *c = copy();
	size_t len = block_off(2) - block_off(1);

	(void)state;
	memcpy(c + block_off(1), g_bytes + block_off(2), len);
	memcpy(c + block_off(2), g_bytes + block_off(1), len);
	write_bad(c, g_size);
	expect_bad(RG_JPROB_BLOCK_HEADER, 1, -1, "blocks removed or reordered");
	free(c);
}

/* Editing a record and recomputing its block's hash moves the failure to
 * the next block: the chain carries every earlier byte. */
static void rehashed_edit_breaks_the_next_block(void **state)
{
	unsigned char *c = copy();
	struct rg_jblock_header *bh = (struct rg_jblock_header *)(c + block_off(1));
	struct rg_jblock_header *prev = (struct rg_jblock_header *)(c + block_off(0));
	struct rg_jhasher *h;
	struct rg_jrec *r = (struct rg_jrec *)(c + rec_off(1, 20));

	(void)state;
	r->u.fill.qty_e8 += 100000000; /* one more share filled */
	assert_int_equal(rg_jhasher_new(&h), 0);
	rg_jchain_block(h, RG_JOURNAL_FORMAT_VERSION, prev->hash, bh, c + block_off(1) + RG_JBLOCK_HEADER_SIZE, bh->n_records, bh->hash);
	rg_jhasher_free(h);
	write_bad(c, g_size);
	expect_bad(RG_JPROB_HASH, 2, -1, "block 2 ");
	free(c);
}

static void missing_block_write_is_detected(void **state)
{
	unsigned char *c = copy();

	(void)state;
	/* block 1 never reached the disk (a write lost in the middle): zeros */
	memset(c + block_off(1), 0, block_off(2) - block_off(1));
	write_bad(c, g_size);
	expect_bad(RG_JPROB_DATA_AFTER_END, 1, -1, "after the end of the journal data");
	free(c);
}

static void damaged_header_is_detected(void **state)
{
	unsigned char *c = copy();
	struct rg_jverify v;
	char msg[1024];

	(void)state;
	c[0] ^= 0xff;
	write_bad(c, g_size);
	assert_int_equal(rg_journal_verify_file(g_bad, &v), -EBADMSG);
	assert_int_equal(v.problem.kind, RG_JPROB_FILE_HEADER);
	assert_int_equal(cli_verify(g_bad, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "not a riskgate journal file"));
	/* an edited header field the header check cannot judge (its creation
	 * time) still breaks block 0's chain */
	memcpy(c, g_bytes, g_size);
	((struct rg_jfile_header *)c)->created_real_ns ^= 1;
	write_bad(c, g_size);
	expect_bad(RG_JPROB_HASH, 0, -1, "block 0 ");
	free(c);
}

static void replay_stops_at_the_bad_block(void **state)
{
	unsigned char *c = copy();
	struct jt_seqs s = {0};
	uint64_t n;
	char err[512];

	(void)state;
	c[rec_off(2, 5) + 40] ^= 0x80;
	write_bad(c, g_size);
	s.check_content = true;
	assert_int_equal(rg_journal_replay_file(g_bad, jt_collect, &s, &n, err, sizeof(err)), -EBADMSG);
	/* blocks 0 and 1 were handed out, nothing of block 2 */
	assert_int_equal(n, 2 * PER_BLOCK);
	assert_false(s.gap);
	assert_false(s.bad_content);
	assert_non_null(strstr(err, "block 2 "));
	free(c);
}

/* Reads the tampered copy with blocks from sequence `trust` on trusted:
 * returns what the reader ended with, its problem in *p, records in *n. */
static int read_trusting(uint64_t trust, struct rg_jproblem *p, uint64_t *n)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	char err[512];
	int rc;

	assert_int_equal(rg_jreader_open(&r, g_bad, err, sizeof(err)), 0);
	rg_jreader_trust_from(r, trust);
	*n = 0;
	while ((rc = rg_jreader_next(r, &rec)) > 0)
		++*n;
	*p = *rg_jreader_problem(r);
	rg_jreader_close(r);
	return rc;
}

static void expect_trusted_bad(uint64_t trust, int kind, uint64_t block)
{
	struct rg_jproblem p;
	uint64_t n;

	assert_int_equal(read_trusting(trust, &p, &n), -EBADMSG);
	if (p.kind != kind)
		fail_msg("trusting from %llu: problem kind %d, expected %d: %s", (unsigned long long)trust, p.kind, kind,
			 p.message);
	assert_int_equal(p.block, block);
	assert_int_equal(n, block * PER_BLOCK); /* nothing of the bad block handed out */
}

static void trusted_reader_skips_only_the_hash(void **state)
{
	unsigned char *c = copy();
	struct rg_jproblem p;
	uint64_t n;
	const uint64_t block2 = 2 * PER_BLOCK + 1; /* first sequence of block 2 */

	(void)state;
	/* an edited record byte in block 1: the default reader and one trusting
	 * from block 2 on both hash block 1 and refuse it */
	c[rec_off(1, 10) + 50] ^= 0x01;
	write_bad(c, g_size);
	expect_trusted_bad(UINT64_MAX, RG_JPROB_HASH, 1);
	expect_trusted_bad(block2, RG_JPROB_HASH, 1);
	/* the same edit in a trusted block is not hashed: what trust means */
	memcpy(c, g_bytes, g_size);
	c[rec_off(2, 10) + 50] ^= 0x01;
	write_bad(c, g_size);
	expect_trusted_bad(UINT64_MAX, RG_JPROB_HASH, 2);
	assert_int_equal(read_trusting(block2, &p, &n), 0);
	assert_int_equal(n, RECORDS);
	/* structure is checked in trusted blocks: a record's sequence */
	memcpy(c, g_bytes, g_size);
	c[rec_off(2, 7)] ^= 0x04;
	write_bad(c, g_size);
	expect_trusted_bad(1, RG_JPROB_SEQUENCE, 2);
	/* a block's first sequence not following the previous block's last */
	memcpy(c, g_bytes, g_size);
	((struct rg_jblock_header *)(c + block_off(2)))->first_seq += 1;
	write_bad(c, g_size);
	expect_trusted_bad(1, RG_JPROB_SEQUENCE, 2);
	/* a record removed */
	memcpy(c, g_bytes, g_size);
	memmove(c + rec_off(2, 100), c + rec_off(2, 101), g_size - rec_off(2, 101));
	write_bad(c, g_size - RG_JREC_SIZE);
	expect_trusted_bad(1, RG_JPROB_SEQUENCE, 2);
	/* blocks swapped: the index (and the chain link's sequence) says so */
	memcpy(c, g_bytes, g_size);
	memcpy(c + block_off(1), g_bytes + block_off(2), block_off(2) - block_off(1));
	memcpy(c + block_off(2), g_bytes + block_off(1), block_off(2) - block_off(1));
	write_bad(c, g_size);
	expect_trusted_bad(1, RG_JPROB_BLOCK_HEADER, 1);
	/* a bad record type */
	memcpy(c, g_bytes, g_size);
	((struct rg_jrec *)(c + rec_off(3, 2)))->h.type = 0xffff;
	write_bad(c, g_size);
	expect_trusted_bad(1, RG_JPROB_RECORD, 3);
	/* a block header's magic */
	memcpy(c, g_bytes, g_size);
	c[block_off(3)] ^= 0x10;
	write_bad(c, g_size);
	expect_trusted_bad(1, RG_JPROB_BLOCK_HEADER, 3);
	free(c);
}

/* Trusted or not, the position after the file (the hash a checkpoint is
 * anchored to) is the same: taken from the block header the writer sealed. */
static void trusted_reader_ends_on_the_same_hash(void **state)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_jposition trusted;
	struct rg_jverify v;
	char err[512];

	(void)state;
	assert_int_equal(rg_journal_verify_file(g_good, &v), 0);
	assert_int_equal(rg_jreader_open(&r, g_good, err, sizeof(err)), 0);
	rg_jreader_trust_from(r, 1);
	while (rg_jreader_next(r, &rec) > 0)
		assert_true(jt_check_seq(rec));
	rg_jreader_position(r, &trusted);
	assert_int_equal(rg_jreader_problem(r)->kind, RG_JPROB_NONE);
	rg_jreader_close(r);
	assert_int_equal(trusted.next_seq, v.pos.next_seq);
	assert_int_equal(trusted.blocks, v.pos.blocks);
	assert_int_equal(trusted.end_offset, v.pos.end_offset);
	assert_memory_equal(trusted.hash, v.pos.hash, RG_JHASH_SIZE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file_verifies),
		cmocka_unit_test(flipped_byte_is_detected),
		cmocka_unit_test(deleted_record_is_detected),
		cmocka_unit_test(swapped_records_are_detected),
		cmocka_unit_test(swapped_blocks_are_detected),
		cmocka_unit_test(rehashed_edit_breaks_the_next_block),
		cmocka_unit_test(missing_block_write_is_detected),
		cmocka_unit_test(damaged_header_is_detected),
		cmocka_unit_test(replay_stops_at_the_bad_block),
		cmocka_unit_test(trusted_reader_skips_only_the_hash),
		cmocka_unit_test(trusted_reader_ends_on_the_same_hash),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s AUDIT_CLI_DRIVER\n", argv[0]);
		return 2;
	}
	g_driver = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
