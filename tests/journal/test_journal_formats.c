/*
 * Journal format versions and the block hash: the two-lane SHA-256
 * (engine/journal/sha256_lanes.c) gives OpenSSL's digests for every length;
 * a format-4 block hash is the same whether the chunk digests come from the
 * SHA extensions or from OpenSSL; a file of format 3 (blocks hashing their
 * records directly) still verifies and still fails verification when edited;
 * a writer appending to a format-3 day file (an engine upgraded during the
 * day) keeps that file's scheme, so the file stays verifiable; and a small
 * ring drained by the writer thread gives a file that verifies, whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "journal_test_util.h"
#include "sha256_lanes.h"

static void openssl_sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(p, len, out, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
}

static void fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

static void lanes_match_openssl(void **state)
{
	static const size_t big[] = {1024, 8192, 8191, 65536, 262080};
	uint8_t *a = malloc(262144), *b = malloc(262144);
	uint8_t da[32], db[32], ea[32], eb[32];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	if (!rg_sha256_lanes_available()) {
		free(a);
		free(b);
		skip(); /* the chain then uses OpenSSL alone: nothing of ours to check */
	}
	fill_random(a, 262144, 1);
	fill_random(b, 262144, 2);
	for (size_t len = 0; len <= 300; len++) {
		openssl_sha256(a, len, ea);
		openssl_sha256(b + 1, len, eb); /* unaligned, and a different message */
		rg_sha256_x2(a, len, b + 1, len, da, db);
		assert_memory_equal(da, ea, 32);
		assert_memory_equal(db, eb, 32);
		rg_sha256_x1(b + 1, len, db);
		assert_memory_equal(db, eb, 32);
		/* two lengths: the shorter one ends first, either way round */
		openssl_sha256(b, 300 - len, eb);
		rg_sha256_x2(a, len, b, 300 - len, da, db);
		assert_memory_equal(da, ea, 32);
		assert_memory_equal(db, eb, 32);
		rg_sha256_x2(b, 300 - len, a, len, db, da);
		assert_memory_equal(da, ea, 32);
		assert_memory_equal(db, eb, 32);
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		openssl_sha256(a, big[i], ea);
		openssl_sha256(b, big[i], eb);
		rg_sha256_x2(a, big[i], b, big[i], da, db);
		assert_memory_equal(da, ea, 32);
		assert_memory_equal(db, eb, 32);
	}
	/* the same message in both lanes */
	rg_sha256_x2(a, 8192, a, 8192, da, db);
	openssl_sha256(a, 8192, ea);
	assert_memory_equal(da, ea, 32);
	assert_memory_equal(db, ea, 32);
	free(a);
	free(b);
}

/* Sixteen messages in the lanes of AVX-512 registers: every lane count,
 * lengths of whole blocks from 0 to a chunk, messages at odd addresses. */
static void wide_lanes_match_openssl(void **state)
{
	static const size_t lens[] = {0, 64, 128, 192, 960, 1024, 4096, 8128, 8192, 16384};
	uint8_t *buf = malloc(17 * 16384 + 64), d[16][32], e[32];
	const void *msgs[16];

	(void)state;
	assert_non_null(buf);
	if (!rg_sha256_x16_available()) {
		free(buf);
		skip(); /* the chain then uses the SHA extensions or OpenSSL */
	}
	fill_random(buf, 17 * 16384 + 64, 5);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
		for (unsigned n = 1; n <= 16; n++) {
			for (unsigned l = 0; l < 16; l++)
				msgs[l] = buf + (size_t)l * 16384 + 3 * l + 1;
			memset(d, 0xa5, sizeof(d));
			rg_sha256_x16(msgs, n, lens[k], d);
			for (unsigned l = 0; l < n; l++) {
				openssl_sha256(msgs[l], lens[k], e);
				assert_memory_equal(d[l], e, 32);
			}
			for (unsigned l = n; l < 16; l++) /* lanes past n are not stored */
				for (unsigned i = 0; i < 32; i++)
					assert_int_equal(d[l][i], 0xa5);
		}
	free(buf);
}

/* Chunk digests of scattered chunks, whole and short, in runs of every
 * length: each is the SHA-256 of its chunk, whichever path computed it. */
static void chunk_digests_match_openssl(void **state)
{
	const size_t chunk = (size_t)RG_JCHUNK_RECORDS * RG_JREC_SIZE;
	uint8_t *buf = malloc(40 * chunk), *out = malloc(40 * 32), e[32];
	const void *chunks[40];
	uint32_t counts[40];
	struct rg_jhasher *h;

	(void)state;
	assert_non_null(buf);
	assert_non_null(out);
	fill_random(buf, 40 * chunk, 6);
	assert_int_equal(rg_jhasher_new(&h), 0);
	for (unsigned wide = 0; wide < 2; wide++) {
		rg_jhasher_use_lanes(h, true);
		rg_jhasher_use_wide(h, wide != 0);
		for (unsigned m = 1; m <= 40; m += 3) {
			for (unsigned i = 0; i < m; i++) {
				chunks[i] = buf + (size_t)((i * 7) % 40) * chunk; /* out of order */
				/* mostly whole; a short one here and there breaks the runs */
				counts[i] = i % 13 == 12 ? 1 + i : RG_JCHUNK_RECORDS;
			}
			rg_jchain_chunk_digests(h, chunks, counts, m, out);
			for (unsigned i = 0; i < m; i++) {
				openssl_sha256(chunks[i], (size_t)counts[i] * RG_JREC_SIZE, e);
				assert_memory_equal(out + (size_t)i * 32, e, 32);
			}
		}
	}
	rg_jhasher_free(h);
	free(buf);
	free(out);
}

/* A format-4 block hash does not depend on how its chunk digests are computed,
 * and differs from the format-3 hash of the same bytes. */
static void chunked_block_hash_is_one_value(void **state)
{
	static const size_t counts[] = {1, 2, 63, 64, 65, 127, 128, 129, 191, 192, 193, 2047};
	uint8_t *recs = malloc((size_t)2047 * RG_JREC_SIZE);
	struct rg_jblock_header bh;
	struct rg_jhasher *h;
	uint8_t prev[32], x[32], y[32], z[32];

	(void)state;
	assert_non_null(recs);
	fill_random(recs, (size_t)2047 * RG_JREC_SIZE, 3);
	fill_random(prev, sizeof(prev), 4);
	assert_int_equal(rg_jhasher_new(&h), 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memset(&bh, 0, sizeof(bh));
		bh.magic = RG_JBLOCK_MAGIC;
		bh.first_seq = 1000;
		bh.n_records = (uint32_t)counts[i];
		bh.record_size = RG_JREC_SIZE;
		rg_jhasher_use_lanes(h, true);
		rg_jchain_block(h, 4, prev, &bh, recs, counts[i], x);
		rg_jhasher_use_wide(h, false);
		rg_jchain_block(h, 4, prev, &bh, recs, counts[i], y);
		assert_memory_equal(x, y, 32);
		rg_jhasher_use_lanes(h, false);
		rg_jchain_block(h, 4, prev, &bh, recs, counts[i], y);
		assert_memory_equal(x, y, 32);
		rg_jchain_block(h, 3, prev, &bh, recs, counts[i], z);
		assert_memory_not_equal(x, z, 32);
	}
	/* one changed byte in the last chunk changes the hash */
	recs[(size_t)2046 * RG_JREC_SIZE + 77] ^= 1;
	rg_jhasher_use_lanes(h, true);
	rg_jchain_block(h, 4, prev, &bh, recs, 2047, y);
	assert_memory_not_equal(x, y, 32);
	rg_jhasher_free(h);
	free(recs);
}

/* ---- a format-3 file ------------------------------------------------------ */

#define RECORDS 1500 /* 64 KiB blocks hold 511: three blocks */

static size_t read_file(const char *path, unsigned char **out)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*out = malloc((size_t)n);
	assert_non_null(*out);
	assert_int_equal(fread(*out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (size_t)n;
}

static void write_file(const char *path, const unsigned char *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Rewrites a file as an engine of format 3 wrote it: its version in the
 * header and every block hashed over its records. */
static void make_format3(const char *path)
{
	unsigned char *c;
	size_t size = read_file(path, &c), off = RG_JFILE_HEADER_SIZE;
	struct rg_jfile_header *fh = (struct rg_jfile_header *)c;
	struct rg_jhasher *h;
	uint8_t hash[32];

	assert_int_equal(fh->version, RG_JOURNAL_FORMAT_VERSION);
	fh->version = 3;
	assert_int_equal(rg_jhasher_new(&h), 0);
	rg_jchain_seed(h, fh, hash);
	while (off + RG_JBLOCK_HEADER_SIZE <= size) {
		struct rg_jblock_header *bh = (struct rg_jblock_header *)(c + off);
		if (bh->magic != RG_JBLOCK_MAGIC)
			break;
		rg_jchain_block(h, 3, hash, bh, c + off + RG_JBLOCK_HEADER_SIZE, bh->n_records, bh->hash);
		memcpy(hash, bh->hash, 32);
		off += RG_JBLOCK_HEADER_SIZE + (size_t)bh->n_records * RG_JREC_SIZE;
	}
	rg_jhasher_free(h);
	write_file(path, c, size);
	free(c);
}

static void write_records(struct jt *t, unsigned n)
{
	rg_journal_set_clock(&t->j, 0, JT_MAY1_NS);
	for (unsigned i = 0; i < n; i++)
		assert_true(jt_append_seq(&t->j));
	assert_int_equal(rg_journal_writer_flush(t->w), 0);
}

static void format3_file_verifies_and_is_appended_in_its_scheme(void **state)
{
	struct jt t;
	struct rg_jverify v;
	struct jt_seqs seqs = {.check_content = true};
	char path[256], err[512];
	unsigned char *c;
	size_t size;
	uint64_t n = 0;

	(void)state;
	jt_init(&t, "fmt3");
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	write_records(&t, RECORDS);
	jt_close(&t);
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.header.version, RG_JOURNAL_FORMAT_VERSION);

	/* As format 4 on would hash it, a format-3 header does not verify; rehashed
	 * the format-3 way it does. */
	size = read_file(path, &c);
	((struct rg_jfile_header *)c)->version = 3;
	write_file(path, c, size);
	assert_int_equal(rg_journal_verify_file(path, &v), -EBADMSG);
	((struct rg_jfile_header *)c)->version = RG_JOURNAL_FORMAT_VERSION;
	write_file(path, c, size);
	free(c);
	make_format3(path);
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.header.version, 3);
	assert_int_equal(v.pos.records, RECORDS);

	/* An edit in a format-3 file is still caught. */
	size = read_file(path, &c);
	c[RG_JFILE_HEADER_SIZE + RG_JBLOCK_HEADER_SIZE + 5 * RG_JREC_SIZE + 40] ^= 0x10;
	write_file(path, c, size);
	assert_int_equal(rg_journal_verify_file(path, &v), -EBADMSG);
	assert_int_equal(v.problem.kind, RG_JPROB_HASH);
	c[RG_JFILE_HEADER_SIZE + RG_JBLOCK_HEADER_SIZE + 5 * RG_JREC_SIZE + 40] ^= 0x10;
	write_file(path, c, size);
	free(c);

	/* A new engine of format 4 appends to the day's format-3 file. */
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	assert_int_equal(rg_journal_next_seq(&t.j), RECORDS + 1);
	write_records(&t, 700);
	jt_close(&t);
	assert_int_equal(jt_count_files(&t), 1);
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.header.version, 3);
	assert_int_equal(v.pos.records, RECORDS + 700);
	assert_int_equal(rg_journal_replay_file(path, jt_collect, &seqs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, RECORDS + 700);
	assert_false(seqs.gap);
	assert_false(seqs.bad_content);
	jt_fini(&t);
}

/* A ring of 64 slots with the writer draining it: blocks are bounded by the
 * ring and end at odd places, chunk digests of every length; the file must
 * hold every record, byte for byte, and verify. */
static void blocks_across_the_ring_end_verify(void **state)
{
	struct jt t;
	struct rg_jverify v;
	struct jt_seqs seqs = {.check_content = true};
	char path[256], err[512];
	uint64_t n = 0, deadline;
	const unsigned total = 20000;

	(void)state;
	jt_init(&t, "wrap");
	t.wc.flush_ns = 20000; /* small blocks at odd places */
	assert_int_equal(jt_open_ring(&t, 64), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	rg_journal_set_clock(&t.j, 0, JT_MAY1_NS);
	assert_int_equal(rg_journal_writer_start(t.w), 0);
	deadline = jt_mono() + 60000000000ull;
	for (unsigned i = 0; i < total;) {
		if (jt_append_seq(&t.j))
			i++;
		else
			assert_true(jt_mono() < deadline); /* the writer frees slots as its writes complete */
	}
	assert_int_equal(rg_journal_writer_stop(t.w), 0);
	jt_close(&t);
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.pos.records, total);
	assert_true(v.pos.blocks > total / 64); /* blocks were bounded by the ring, so most wrapped or ended at odd slots */
	assert_int_equal(rg_journal_replay_file(path, jt_collect, &seqs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, total);
	assert_false(seqs.gap);
	assert_false(seqs.bad_content);
	jt_fini(&t);
}

/* The writer hashes batches of whole chunks (2, or 16 with AVX-512) as
 * records come in, straight from the ring slots.  A ring of 4096 and blocks
 * of 2047 records (256 KiB), filled 3500 records at a time: every round's
 * first block starts 3500 slots after the last round's, and its tenth chunk
 * wraps around the ring's end inside a batch hashed before the block is
 * full; blocks end inside a chunk.  Every record must be in the file, byte
 * for byte, and the chain must verify. */
static void chunks_across_the_ring_end_verify(void **state)
{
	struct jt t;
	struct rg_jverify v;
	struct jt_seqs seqs = {.check_content = true};
	char path[256], err[512];
	uint64_t n = 0;
	const unsigned rounds = 5, per_round = 3500;

	(void)state;
	jt_init(&t, "chunkwrap");
	t.wc.block_bytes = 256 * 1024;
	assert_int_equal(jt_open_ring(&t, 4096), 0);
	assert_int_equal(jt_create_writer(&t), 0);
	for (unsigned r = 0; r < rounds; r++)
		write_records(&t, per_round);
	jt_close(&t);
	jt_file(&t, rg_jday_of(JT_MAY1_NS, 0), path, sizeof(path));
	assert_int_equal(rg_journal_verify_file(path, &v), 0);
	assert_int_equal(v.header.version, RG_JOURNAL_FORMAT_VERSION);
	assert_int_equal(v.pos.records, rounds * per_round);
	assert_int_equal(v.pos.blocks, 2 * rounds); /* 2047 + 1453 a round */
	assert_int_equal(rg_journal_replay_file(path, jt_collect, &seqs, &n, err, sizeof(err)), 0);
	assert_int_equal(n, rounds * per_round);
	assert_false(seqs.gap);
	assert_false(seqs.bad_content);
	jt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lanes_match_openssl),
		cmocka_unit_test(wide_lanes_match_openssl),
		cmocka_unit_test(chunk_digests_match_openssl),
		cmocka_unit_test(chunked_block_hash_is_one_value),
		cmocka_unit_test(format3_file_verifies_and_is_appended_in_its_scheme),
		cmocka_unit_test(blocks_across_the_ring_end_verify),
		cmocka_unit_test(chunks_across_the_ring_end_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
