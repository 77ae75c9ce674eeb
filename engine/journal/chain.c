/*
 * The journal's hash chain (file_format.h): SHA-256 through OpenSSL's EVP
 * interface, one reusable context per writer or reader.  The digest is
 * fetched once per context; EVP_DigestInit_ex with it costs no lookup.
 * Format 4 hashes a block's records in chunks first; where the CPU has the
 * SHA extensions the chunk digests are computed two at a time
 * (sha256_lanes.h), which is what lets one writer core keep up with the
 * engine.
 */
#include "file_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sha256_lanes.h"

#define MAX_CHUNKS ((RG_JBLOCK_MAX_RECORDS + RG_JCHUNK_RECORDS - 1) / RG_JCHUNK_RECORDS)

struct rg_jhasher {
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	bool lanes; /* chunk digests two at a time with the SHA extensions */
	bool wide;  /* runs of whole chunks sixteen at a time with AVX-512 */
	uint8_t chunk_digests[MAX_CHUNKS * RG_JHASH_SIZE];
};

int rg_jhasher_new(struct rg_jhasher **out)
{
	struct rg_jhasher *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	h->ctx = EVP_MD_CTX_new();
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (h->ctx == NULL || h->md == NULL) {
		rg_jhasher_free(h);
		return -ENOMEM;
	}
	h->lanes = rg_sha256_lanes_available();
	h->wide = rg_sha256_x16_available();
	*out = h;
	return 0;
}

void rg_jhasher_free(struct rg_jhasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

/* EVP calls on a fetched SHA-256 with valid buffers cannot fail short of
 * memory corruption; a failure leaves a zero hash, which verification
 * reports as a mismatch rather than passing silently. */
static void digest(struct rg_jhasher *h, const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc,
		   uint8_t out[RG_JHASH_SIZE])
{
	unsigned int len = 0;

	if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 || EVP_DigestUpdate(h->ctx, a, na) != 1 ||
	    (nb != 0 && EVP_DigestUpdate(h->ctx, b, nb) != 1) || (nc != 0 && EVP_DigestUpdate(h->ctx, c, nc) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != RG_JHASH_SIZE)
		memset(out, 0, RG_JHASH_SIZE);
}

void rg_jchain_seed(struct rg_jhasher *h, const struct rg_jfile_header *hdr, uint8_t out[RG_JHASH_SIZE])
{
	digest(h, hdr, sizeof(*hdr), NULL, 0, NULL, 0, out);
}

bool rg_jhasher_use_lanes(struct rg_jhasher *h, bool on)
{
	h->lanes = on && rg_sha256_lanes_available();
	h->wide = on && rg_sha256_x16_available();
	return h->lanes || h->wide;
}

bool rg_jhasher_use_wide(struct rg_jhasher *h, bool on)
{
	h->wide = on && rg_sha256_x16_available();
	return h->wide;
}

/* Sixteen lanes cost the same however many are used: below this many whole
 * chunks, pairs on the SHA extensions are cheaper (about 39 against 54 ns a
 * record for a full set, on the machine of docs/benchmarks.md). */
#define WIDE_MIN 12u

unsigned rg_jhasher_batch(const struct rg_jhasher *h)
{
	return h->wide ? 16u : 2u;
}

void rg_jchain_chunk_digests(struct rg_jhasher *h, const void *const chunks[], const uint32_t n_records[], size_t m,
			     uint8_t *out)
{
	size_t i = 0;

	while (i < m) {
		uint8_t *d = out + i * RG_JHASH_SIZE;
		size_t run = 0;

		while (h->wide && run < 16 && i + run < m && n_records[i + run] == RG_JCHUNK_RECORDS)
			run++;
		if (run >= WIDE_MIN) {
			rg_sha256_x16(chunks + i, (unsigned)run, (size_t)RG_JCHUNK_RECORDS * RG_JREC_SIZE,
				      (uint8_t(*)[RG_JHASH_SIZE])d);
			i += run;
		} else if (i + 1 < m) {
			rg_jchain_chunks(h, chunks[i], n_records[i], chunks[i + 1], n_records[i + 1], d, d + RG_JHASH_SIZE);
			i += 2;
		} else {
			rg_jchain_chunks(h, chunks[i], n_records[i], NULL, 0, d, NULL);
			i++;
		}
	}
}

/* D(i) of every chunk of n records into h->chunk_digests; returns the count. */
static size_t chunk_digests(struct rg_jhasher *h, const uint8_t *recs, size_t n)
{
	const void *chunks[MAX_CHUNKS];
	uint32_t counts[MAX_CHUNKS];
	size_t m = (n + RG_JCHUNK_RECORDS - 1) / RG_JCHUNK_RECORDS;

	for (size_t i = 0; i < m; i++) {
		chunks[i] = recs + i * RG_JCHUNK_RECORDS * RG_JREC_SIZE;
		counts[i] = (uint32_t)(n - i * RG_JCHUNK_RECORDS < RG_JCHUNK_RECORDS ? n - i * RG_JCHUNK_RECORDS
										       : RG_JCHUNK_RECORDS);
	}
	rg_jchain_chunk_digests(h, chunks, counts, m, h->chunk_digests);
	return m;
}

void rg_jchain_chunks(struct rg_jhasher *h, const void *a, size_t na, const void *b, size_t nb,
		      uint8_t da[RG_JHASH_SIZE], uint8_t db[RG_JHASH_SIZE])
{
	if (h->lanes && b != NULL) {
		rg_sha256_x2(a, na * RG_JREC_SIZE, b, nb * RG_JREC_SIZE, da, db);
		return;
	}
	if (h->lanes)
		rg_sha256_x1(a, na * RG_JREC_SIZE, da);
	else
		digest(h, a, na * RG_JREC_SIZE, NULL, 0, NULL, 0, da);
	if (b != NULL)
		digest(h, b, nb * RG_JREC_SIZE, NULL, 0, NULL, 0, db);
}

void rg_jchain_block_digests(struct rg_jhasher *h, const uint8_t prev[RG_JHASH_SIZE],
			     const struct rg_jblock_header *bh, const uint8_t *digests, size_t m,
			     uint8_t out[RG_JHASH_SIZE])
{
	digest(h, prev, RG_JHASH_SIZE, bh, offsetof(struct rg_jblock_header, hash), digests, m * RG_JHASH_SIZE, out);
}

void rg_jchain_block_v3(struct rg_jhasher *h, const uint8_t prev[RG_JHASH_SIZE], const struct rg_jblock_header *bh,
			const void *a, size_t na, const void *b, size_t nb, uint8_t out[RG_JHASH_SIZE])
{
	unsigned int len = 0;

	if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1 || EVP_DigestUpdate(h->ctx, prev, RG_JHASH_SIZE) != 1 ||
	    EVP_DigestUpdate(h->ctx, bh, offsetof(struct rg_jblock_header, hash)) != 1 ||
	    (na != 0 && EVP_DigestUpdate(h->ctx, a, na * RG_JREC_SIZE) != 1) ||
	    (nb != 0 && EVP_DigestUpdate(h->ctx, b, nb * RG_JREC_SIZE) != 1) ||
	    EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != RG_JHASH_SIZE)
		memset(out, 0, RG_JHASH_SIZE);
}

void rg_jchain_block(struct rg_jhasher *h, uint32_t version, const uint8_t prev[RG_JHASH_SIZE],
		     const struct rg_jblock_header *bh, const void *records, size_t n_records,
		     uint8_t out[RG_JHASH_SIZE])
{
	size_t m;

	if (version < RG_JFORMAT_CHUNKED || n_records > RG_JBLOCK_MAX_RECORDS) {
		digest(h, prev, RG_JHASH_SIZE, bh, offsetof(struct rg_jblock_header, hash), records,
		       n_records * RG_JREC_SIZE, out);
		return;
	}
	m = chunk_digests(h, records, n_records);
	digest(h, prev, RG_JHASH_SIZE, bh, offsetof(struct rg_jblock_header, hash), h->chunk_digests,
	       m * RG_JHASH_SIZE, out);
}

char *rg_jhash_hex(const uint8_t hash[RG_JHASH_SIZE], char *buf)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < RG_JHASH_SIZE; i++) {
		buf[2 * i] = hex[hash[i] >> 4];
		buf[2 * i + 1] = hex[hash[i] & 15];
	}
	buf[2 * RG_JHASH_SIZE] = '\0';
	return buf;
}
