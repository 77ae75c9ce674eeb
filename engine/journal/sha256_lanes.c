/*
 * Two SHA-256 digests at once with the x86 SHA extensions (sha256_lanes.h).
 *
 * SHA256RNDS2 does two rounds; a 64-byte block is 32 of them in one chain,
 * each waiting for the last, so a single message keeps the unit busy only a
 * fraction of the time.  Here two messages advance block by block side by
 * side: their chains are independent and the core overlaps them.  The
 * message schedule (SHA256MSG1/MSG2) and the state layout (ABEF/CDGH) are
 * the ones Intel documents for these instructions.  tests/journal/
 * test_sha256_lanes.c checks every length from 0 to a few blocks, and large
 * ones, against OpenSSL.
 */
#include "sha256_lanes.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define RG_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* The state as the instructions want it: ABEF and CDGH. */
struct lane {
	__m128i abef, cdgh;
};

bool rg_sha256_lanes_available(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	(void)a;
	(void)c;
	(void)d;
	if ((b & (1u << 29)) == 0) /* SHA */
		return false;
	__cpuid(1, a, b, c, d);
	return (c & (1u << 19)) != 0 && (c & (1u << 9)) != 0; /* SSE4.1, SSSE3 */
}

RG_SHA_TARGET static inline void lane_init(struct lane *l)
{
	__m128i t = _mm_loadu_si128((const __m128i *)&H0[0]);
	__m128i s1 = _mm_loadu_si128((const __m128i *)&H0[4]);

	t = _mm_shuffle_epi32(t, 0xB1);          /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);        /* EFGH */
	l->abef = _mm_alignr_epi8(t, s1, 8);     /* ABEF */
	l->cdgh = _mm_blend_epi16(s1, t, 0xF0);  /* CDGH */
}

RG_SHA_TARGET static inline void lane_final(const struct lane *l, uint8_t out[32])
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i t = _mm_shuffle_epi32(l->abef, 0x1B);  /* FEBA */
	__m128i s1 = _mm_shuffle_epi32(l->cdgh, 0xB1); /* DCHG */
	__m128i s0 = _mm_blend_epi16(t, s1, 0xF0);     /* DCBA */

	s1 = _mm_alignr_epi8(s1, t, 8);                /* HGFE */
	_mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(s0, bswap));
	_mm_storeu_si128((__m128i *)(out + 16), _mm_shuffle_epi8(s1, bswap));
}

/* W[g] (words 4g..4g+3) into w[g & 3], from the four before it. */
RG_SHA_TARGET static inline void schedule(__m128i w[4], unsigned g)
{
	__m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);

	t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
	w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
}

/* Rounds 4g..4g+3. */
RG_SHA_TARGET static inline void rounds(struct lane *l, __m128i w, unsigned g)
{
	__m128i m = _mm_add_epi32(w, _mm_load_si128((const __m128i *)&K[4 * g]));

	l->cdgh = _mm_sha256rnds2_epu32(l->cdgh, l->abef, m);
	l->abef = _mm_sha256rnds2_epu32(l->abef, l->cdgh, _mm_shuffle_epi32(m, 0x0E));
}

RG_SHA_TARGET static inline void load(__m128i w[4], const uint8_t *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

	for (unsigned g = 0; g < 4; g++)
		w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
}

/* One 64-byte block of each of two messages, side by side. */
RG_SHA_TARGET static void compress2(struct lane *a, struct lane *b, const uint8_t *pa, const uint8_t *pb)
{
	struct lane sa = *a, sb = *b;
	__m128i wa[4], wb[4];

	load(wa, pa);
	load(wb, pb);
#pragma GCC unroll 16
	for (unsigned g = 0; g < 16; g++) {
		if (g >= 4) {
			schedule(wa, g);
			schedule(wb, g);
		}
		rounds(&sa, wa[g & 3], g);
		rounds(&sb, wb[g & 3], g);
	}
	a->abef = _mm_add_epi32(a->abef, sa.abef);
	a->cdgh = _mm_add_epi32(a->cdgh, sa.cdgh);
	b->abef = _mm_add_epi32(b->abef, sb.abef);
	b->cdgh = _mm_add_epi32(b->cdgh, sb.cdgh);
}

RG_SHA_TARGET static void compress1(struct lane *a, const uint8_t *pa)
{
	struct lane sa = *a;
	__m128i wa[4];

	load(wa, pa);
#pragma GCC unroll 16
	for (unsigned g = 0; g < 16; g++) {
		if (g >= 4)
			schedule(wa, g);
		rounds(&sa, wa[g & 3], g);
	}
	a->abef = _mm_add_epi32(a->abef, sa.abef);
	a->cdgh = _mm_add_epi32(a->cdgh, sa.cdgh);
}

/* The padded last one or two blocks of a message of len bytes whose
 * unprocessed rest is `rest` (len % 64 bytes).  Returns the blocks. */
static unsigned pad(uint8_t tail[128], const uint8_t *rest, size_t len)
{
	size_t r = len % 64;
	unsigned blocks = r < 56 ? 1 : 2;
	uint64_t bits = (uint64_t)len * 8;

	memset(tail, 0, 128);
	memcpy(tail, rest, r);
	tail[r] = 0x80;
	for (unsigned i = 0; i < 8; i++)
		tail[64 * blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
	return blocks;
}

/* One message as a sequence of 64-byte blocks: its own, then its padding. */
struct msg {
	const uint8_t *p;
	size_t full, blocks;
	uint8_t tail[128];
};

static void msg_init(struct msg *m, const void *p, size_t len)
{
	m->p = p;
	m->full = len / 64;
	m->blocks = m->full + pad(m->tail, m->p + 64 * m->full, len);
}

static const uint8_t *msg_block(const struct msg *m, size_t i)
{
	return i < m->full ? m->p + 64 * i : m->tail + 64 * (i - m->full);
}

RG_SHA_TARGET void rg_sha256_x2(const void *a, size_t len_a, const void *b, size_t len_b, uint8_t out_a[32],
				uint8_t out_b[32])
{
	struct msg ma, mb;
	struct lane la, lb;
	size_t i, both;

	msg_init(&ma, a, len_a);
	msg_init(&mb, b, len_b);
	both = ma.blocks < mb.blocks ? ma.blocks : mb.blocks;
	lane_init(&la);
	lane_init(&lb);
	for (i = 0; i < both; i++)
		compress2(&la, &lb, msg_block(&ma, i), msg_block(&mb, i));
	for (size_t k = i; k < ma.blocks; k++)
		compress1(&la, msg_block(&ma, k));
	for (size_t k = i; k < mb.blocks; k++)
		compress1(&lb, msg_block(&mb, k));
	lane_final(&la, out_a);
	lane_final(&lb, out_b);
}

RG_SHA_TARGET void rg_sha256_x1(const void *p, size_t len, uint8_t out[32])
{
	const uint8_t *pa = p;
	uint8_t ta[128];
	struct lane la;
	size_t full = len / 64;
	unsigned blocks;

	lane_init(&la);
	for (size_t i = 0; i < full; i++)
		compress1(&la, pa + 64 * i);
	blocks = pad(ta, pa + 64 * full, len);
	for (unsigned i = 0; i < blocks; i++)
		compress1(&la, ta + 64 * i);
	lane_final(&la, out);
}

/* ---- sixteen lanes with AVX-512 -------------------------------------------
 *
 * Where the vector unit is wide (AVX-512 on a core that executes 512-bit
 * operations at full rate), the plain SHA-256 rounds on sixteen messages in
 * the sixteen 32-bit lanes of a register beat the SHA extensions: a round is
 * about 17 simple operations for sixteen messages, against two SHA256RNDS2
 * for one.  Rotations and three-input logic (VPRORD, VPTERNLOGD) are single
 * instructions.  The messages' words come into lanes by a 16 x 16 transpose
 * of one 64-byte block of each.
 */
#define RG_AVX512_TARGET __attribute__((target("avx512f,avx512bw")))

bool rg_sha256_x16_available(void)
{
	unsigned a, b, c, d, lo, hi;

	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid(1, a, b, c, d);
	if ((c & (1u << 27)) == 0) /* OSXSAVE: XGETBV works */
		return false;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	if ((lo & 0xe6) != 0xe6) /* the OS saves SSE, AVX and the AVX-512 state */
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & (1u << 16)) != 0 && (b & (1u << 30)) != 0; /* AVX512F, AVX512BW */
}

#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define XOR3(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define ADD(x, y) _mm512_add_epi32((x), (y))

/* Row r of `rows` holds lane r's 16 words; afterwards row t holds word t of every lane. */
RG_AVX512_TARGET static inline void transpose16(__m512i rows[16])
{
	__m512i t[16], u[16];

	for (unsigned i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_epi32(rows[i], rows[i + 1]);
		t[i + 1] = _mm512_unpackhi_epi32(rows[i], rows[i + 1]);
	}
	for (unsigned i = 0; i < 16; i += 4) {
		u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);     /* words 4k   of rows i..i+3 */
		u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]); /* words 4k+1 */
		u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]); /* 4k+2 */
		u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]); /* 4k+3 */
	}
	for (unsigned j = 0; j < 4; j++) {
		__m512i ab_lo = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), ab_hi = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
		__m512i cd_lo = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44),
			cd_hi = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);

		rows[j] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0x88);
		rows[4 + j] = _mm512_shuffle_i32x4(ab_lo, cd_lo, 0xDD);
		rows[8 + j] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0x88);
		rows[12 + j] = _mm512_shuffle_i32x4(ab_hi, cd_hi, 0xDD);
	}
}

/* 64 rounds on the state s[0..7] (a..h) with the block's words w[0..15]. */
RG_AVX512_TARGET static inline void compress16(__m512i s[8], __m512i w[16])
{
	__m512i a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];

#pragma GCC unroll 64
	for (unsigned t = 0; t < 64; t++) {
		__m512i wt, t1, t2;

		if (t < 16) {
			wt = w[t];
		} else {
			__m512i w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			__m512i s0 = XOR3(ROR(w15, 7), ROR(w15, 18), _mm512_srli_epi32(w15, 3));
			__m512i s1 = XOR3(ROR(w2, 17), ROR(w2, 19), _mm512_srli_epi32(w2, 10));
			wt = w[t & 15] = ADD(ADD(w[t & 15], s0), ADD(w[(t - 7) & 15], s1));
		}
		t1 = ADD(ADD(h, XOR3(ROR(e, 6), ROR(e, 11), ROR(e, 25))),
			 ADD(_mm512_ternarylogic_epi32(e, f, g, 0xCA), ADD(wt, _mm512_set1_epi32((int)K[t]))));
		t2 = ADD(XOR3(ROR(a, 2), ROR(a, 13), ROR(a, 22)), _mm512_ternarylogic_epi32(a, b, c, 0xE8));
		h = g;
		g = f;
		f = e;
		e = ADD(d, t1);
		d = c;
		c = b;
		b = a;
		a = ADD(t1, t2);
	}
	s[0] = ADD(s[0], a);
	s[1] = ADD(s[1], b);
	s[2] = ADD(s[2], c);
	s[3] = ADD(s[3], d);
	s[4] = ADD(s[4], e);
	s[5] = ADD(s[5], f);
	s[6] = ADD(s[6], g);
	s[7] = ADD(s[7], h);
}

RG_AVX512_TARGET void rg_sha256_x16(const void *const msgs[], unsigned n, size_t len, uint8_t (*out)[32])
{
	const __m512i bswap = _mm512_broadcast_i32x4(_mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL));
	const uint8_t *p[16];
	__m512i s[8], w[16];
	uint32_t words[8][16];
	uint64_t bits = (uint64_t)len * 8;

	for (unsigned l = 0; l < 16; l++)
		p[l] = msgs[l < n ? l : 0];
	for (unsigned i = 0; i < 8; i++)
		s[i] = _mm512_set1_epi32((int)H0[i]);
	for (size_t off = 0; off < len; off += 64) {
		for (unsigned l = 0; l < 16; l++)
			w[l] = _mm512_shuffle_epi8(_mm512_loadu_si512(p[l] + off), bswap);
		transpose16(w);
		compress16(s, w);
	}
	/* The padding block of a whole number of blocks is the same for every lane. */
	w[0] = _mm512_set1_epi32((int)0x80000000u);
	for (unsigned t = 1; t < 14; t++)
		w[t] = _mm512_setzero_si512();
	w[14] = _mm512_set1_epi32((int)(uint32_t)(bits >> 32));
	w[15] = _mm512_set1_epi32((int)(uint32_t)bits);
	compress16(s, w);
	for (unsigned i = 0; i < 8; i++)
		_mm512_storeu_si512(words[i], s[i]);
	for (unsigned l = 0; l < n; l++)
		for (unsigned i = 0; i < 8; i++) {
			uint32_t v = words[i][l];
			out[l][4 * i] = (uint8_t)(v >> 24);
			out[l][4 * i + 1] = (uint8_t)(v >> 16);
			out[l][4 * i + 2] = (uint8_t)(v >> 8);
			out[l][4 * i + 3] = (uint8_t)v;
		}
}

#undef ROR
#undef XOR3
#undef ADD

#else /* not x86-64: the callers use OpenSSL */

bool rg_sha256_lanes_available(void)
{
	return false;
}

void rg_sha256_x2(const void *a, size_t len_a, const void *b, size_t len_b, uint8_t out_a[32], uint8_t out_b[32])
{
	(void)a;
	(void)b;
	(void)len_a;
	(void)len_b;
	memset(out_a, 0, 32);
	memset(out_b, 0, 32);
}

void rg_sha256_x1(const void *p, size_t len, uint8_t out[32])
{
	(void)p;
	(void)len;
	memset(out, 0, 32);
}

bool rg_sha256_x16_available(void)
{
	return false;
}

void rg_sha256_x16(const void *const msgs[], unsigned n, size_t len, uint8_t (*out)[32])
{
	(void)msgs;
	(void)len;
	memset(out, 0, (size_t)n * 32);
}

#endif
