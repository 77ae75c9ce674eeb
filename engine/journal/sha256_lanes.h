/*
 * SHA-256 of two messages of the same length at once, for the journal's
 * chunk digests (file_format.h, format 4).  On a CPU with the SHA
 * extensions (x86 SHA-NI) the two messages are hashed in interleaved
 * instruction streams: one stream is bound by the latency of SHA256RNDS2,
 * two fill the time it leaves idle, so a pair costs little more than one.
 * Elsewhere (or when the CPU lacks them) each digest comes from OpenSSL.
 * Either way the digests are plain SHA-256: the file format does not depend
 * on which path computed them.
 */
#ifndef RG_JOURNAL_SHA256_LANES_H
#define RG_JOURNAL_SHA256_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when this CPU has the SHA extensions this file uses. */
bool rg_sha256_lanes_available(void);

/* out_a = SHA-256(a[0..len_a)), out_b = SHA-256(b[0..len_b)), with the SHA
 * extensions; call only when rg_sha256_lanes_available().  The blocks the
 * two have in common go side by side, the longer one's rest alone. */
void rg_sha256_x2(const void *a, size_t len_a, const void *b, size_t len_b, uint8_t out_a[32], uint8_t out_b[32]);

/* out = SHA-256(p[0..len)), with the SHA extensions (same condition). */
void rg_sha256_x1(const void *p, size_t len, uint8_t out[32]);

/* True when this CPU (and OS) has the AVX-512 this file's sixteen lanes use. */
bool rg_sha256_x16_available(void);

/* out[i] = SHA-256(msgs[i][0..len)) for i < n <= 16, sixteen messages in the
 * lanes of AVX-512 registers (lanes past n repeat msgs[0] and are not
 * stored); len a multiple of 64.  Call only when rg_sha256_x16_available(). */
void rg_sha256_x16(const void *const msgs[], unsigned n, size_t len, uint8_t (*out)[32]);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_SHA256_LANES_H */
