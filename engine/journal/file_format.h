/*
 * Journal files: one per trading day, journal-YYYYMMDD.rgj in the configured
 * directory.  docs/audit.md describes the bytes; this header is the layout.
 *
 *   file header   256 bytes: magic, version, sizes, instance, trading day,
 *                 first sequence, the previous file's last chain hash
 *   block         64-byte block header + n records of 128 bytes, repeated
 *   tail          zeros (preallocated space not yet written), or nothing
 *
 * Tamper evidence is a hash chain: H(-1) = SHA-256(file header) and
 * H(k) = SHA-256(H(k-1) || block k's header bytes 0..31 || D(0) || D(1) ...),
 * stored in block k's header, where D(i) = SHA-256(the block's records
 * 64i .. 64i+63): chunks of 64 records (8 KiB; the last one may be
 * shorter), whose digests can be computed side by side.  Files of format 3
 * and before hash the records themselves in place of the D(i):
 * H(k) = SHA-256(H(k-1) || header bytes 0..31 || records); the file
 * header's version says which, and a writer appending to an older file
 * keeps its scheme.  The file header carries the previous file's
 * last hash, so the chain runs across days.  Editing a byte changes a
 * block's hash; removing, inserting or reordering records or blocks breaks
 * the sequence and the chain.
 */
#ifndef RG_JOURNAL_FILE_FORMAT_H
#define RG_JOURNAL_FILE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <riskgate/abi.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_JFILE_MAGIC 0x01454c49464a4752ULL  /* bytes "RGJFILE\x01" */
#define RG_JBLOCK_MAGIC 0x010a4b4c424a4752ULL /* bytes "RGJBLK\n\x01" */
#define RG_JFILE_HEADER_SIZE 256u
#define RG_JBLOCK_HEADER_SIZE 64u
#define RG_JBLOCK_MAX_RECORDS 8192u           /* 1 MiB of records: the reader's bound */
#define RG_JHASH_SIZE 32u
#define RG_JCHUNK_RECORDS 64u                 /* records per chunk digest (format 4 on) */
#define RG_JFORMAT_CHUNKED 4u                 /* the first format whose blocks hash chunk digests */
#define RG_JFILE_NAME_MAX 32u                 /* "journal-YYYYMMDD.rgj" + NUL, with room */

struct rg_jfile_header {
	uint64_t magic;               /* RG_JFILE_MAGIC */
	uint32_t version;             /* RG_JOURNAL_FORMAT_VERSION */
	uint32_t header_size;         /* RG_JFILE_HEADER_SIZE */
	uint32_t record_size;         /* RG_JREC_SIZE */
	uint32_t block_header_size;   /* RG_JBLOCK_HEADER_SIZE */
	int64_t trading_day;          /* days since the epoch's first boundary (see rg_jday_of) */
	uint32_t date;                /* YYYYMMDD: the UTC date on which the trading day starts */
	uint32_t day_start_utc_s;     /* the boundary, seconds after 00:00 UTC */
	uint64_t first_seq;           /* sequence of the file's first record */
	uint64_t created_real_ns;     /* CLOCK_REALTIME when the file was created */
	uint64_t prev_last_seq;       /* last sequence of the previous file; 0 when none */
	char instance[RG_NAME_MAX];   /* the engine instance, NUL-terminated */
	uint8_t prev_hash[RG_JHASH_SIZE]; /* the previous file's last chain hash; zeros when none */
	uint8_t zero[RG_JFILE_HEADER_SIZE - 128];
};

struct rg_jblock_header {
	uint64_t magic;               /* RG_JBLOCK_MAGIC */
	uint64_t first_seq;           /* sequence of the block's first record */
	uint32_t n_records;           /* 1..RG_JBLOCK_MAX_RECORDS */
	uint32_t record_size;         /* RG_JREC_SIZE */
	uint64_t block_index;         /* 0, 1, ... within the file */
	uint8_t hash[RG_JHASH_SIZE];  /* H(k), see above */
};

RG_STATIC_ASSERT(sizeof(struct rg_jfile_header) == RG_JFILE_HEADER_SIZE, "file header is 256 bytes");
RG_STATIC_ASSERT(offsetof(struct rg_jfile_header, instance) == 64 && offsetof(struct rg_jfile_header, prev_hash) == 96,
		 "file header layout");
RG_STATIC_ASSERT(sizeof(struct rg_jblock_header) == RG_JBLOCK_HEADER_SIZE, "block header is 64 bytes");
RG_STATIC_ASSERT(offsetof(struct rg_jblock_header, hash) == 32, "block hash follows the hashed part");

/* Trading day of a CLOCK_REALTIME instant: the number of boundaries
 * (day_start_utc_s after 00:00 UTC) since the epoch, as the engine counts. */
static inline int64_t rg_jday_of(uint64_t real_ns, uint32_t day_start_utc_s)
{
	int64_t s = (int64_t)(real_ns / 1000000000ull) - (int64_t)day_start_utc_s;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

/* YYYYMMDD of the UTC date on which trading day `day` starts. */
uint32_t rg_jday_date(int64_t day);

/* "journal-YYYYMMDD.rgj" of trading day `day`.  0, or -EINVAL when it does not fit. */
int rg_jfile_name(char *buf, size_t len, int64_t day);

/* Parses a file name made by rg_jfile_name; returns false for anything else. */
bool rg_jfile_name_parse(const char *name, uint32_t *date);

/* Trading day whose rg_jday_date is `date`, or INT64_MIN for an impossible date. */
int64_t rg_jday_from_date(uint32_t date);

/* ---- the chain (chain.c, OpenSSL libcrypto) ---------------------------- */

struct rg_jhasher; /* a reusable SHA-256 context */

/* 0 and *out, or -ENOMEM. */
int rg_jhasher_new(struct rg_jhasher **out);
void rg_jhasher_free(struct rg_jhasher *h);

/* H(-1): SHA-256 of the 256 header bytes. */
void rg_jchain_seed(struct rg_jhasher *h, const struct rg_jfile_header *hdr, uint8_t out[RG_JHASH_SIZE]);

/* H(k) of a block in a file of format `version` (its header's):
 * SHA-256(prev || bytes 0..31 of its header || the chunk digests of its n
 * records), or before format 4 SHA-256(prev || header bytes || records). */
void rg_jchain_block(struct rg_jhasher *h, uint32_t version, const uint8_t prev[RG_JHASH_SIZE],
		     const struct rg_jblock_header *bh, const void *records, size_t n_records,
		     uint8_t out[RG_JHASH_SIZE]);

/* The same in pieces, for a writer hashing records where they lie (in the
 * journal ring, which may wrap inside a block).  rg_jchain_chunks: D of a
 * chunk of na records at a and, unless b is NULL, of one of nb records at b
 * (two at a time with the SHA extensions).  rg_jchain_chunk_digests: D of m
 * chunks of n_records[i] records at chunks[i] into out (m * 32 bytes):
 * runs of whole chunks sixteen at a time where the CPU has AVX-512, the
 * rest in pairs; rg_jhasher_batch says how many whole chunks make a run
 * worth hashing early (16 with AVX-512, else 2).  rg_jchain_block_digests: H(k)
 * of format 4 from the block's m chunk digests.  rg_jchain_block_v3: H(k)
 * of formats 3 and before, its records in two pieces (nb may be 0). */
void rg_jchain_chunks(struct rg_jhasher *h, const void *a, size_t na, const void *b, size_t nb,
		      uint8_t da[RG_JHASH_SIZE], uint8_t db[RG_JHASH_SIZE]);
void rg_jchain_chunk_digests(struct rg_jhasher *h, const void *const chunks[], const uint32_t n_records[], size_t m,
			     uint8_t *out);
void rg_jchain_block_digests(struct rg_jhasher *h, const uint8_t prev[RG_JHASH_SIZE],
			     const struct rg_jblock_header *bh, const uint8_t *digests, size_t m,
			     uint8_t out[RG_JHASH_SIZE]);
void rg_jchain_block_v3(struct rg_jhasher *h, const uint8_t prev[RG_JHASH_SIZE], const struct rg_jblock_header *bh,
			const void *a, size_t na, const void *b, size_t nb, uint8_t out[RG_JHASH_SIZE]);

/* Chunk digests with the CPU's SHA extensions and AVX-512 (the default
 * where it has them), or each through OpenSSL: the same hashes either way.
 * Returns whether either is in use.  For tests and benchmarks. */
bool rg_jhasher_use_lanes(struct rg_jhasher *h, bool on);
/* Runs of whole chunks sixteen at a time with AVX-512 (the default where the
 * CPU has it) or not; returns whether in use.  For tests and benchmarks. */
bool rg_jhasher_use_wide(struct rg_jhasher *h, bool on);
unsigned rg_jhasher_batch(const struct rg_jhasher *h);

/* Lower-case hex of a hash into buf (65 bytes); returns buf. */
char *rg_jhash_hex(const uint8_t hash[RG_JHASH_SIZE], char *buf);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_FILE_FORMAT_H */
