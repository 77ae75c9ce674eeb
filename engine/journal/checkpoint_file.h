/*
 * Risk-state checkpoint files: checkpoint-YYYYMMDD-<seq>.rgc beside the day
 * file journal-YYYYMMDD.rgj they belong to.  A checkpoint holds the state a
 * replay of that day file builds up to, and not including, sequence <seq>,
 * anchored to the file's block that ends there by its chain hash, so a
 * restart loads it and replays only the records after it.  docs/audit.md
 * describes the bytes; this header is the layout.
 *
 *   header  256 bytes: magic, version, body size, instance, trading day,
 *           the anchor (sequence, block index and offsets, chain hash), the
 *           records it covers, the config's SHA-256, the boot it was taken
 *           on, the state's shape, and the SHA-256 of header + body
 *   body    the state (engine/daemon/risk_checkpoint.c: its layout is the
 *           engine's, valid only for the same config and build)
 *
 * A checkpoint is trusted only as a file the engine's own user made (owned
 * by it, no group or other write), whose digest matches and whose anchor is
 * a block of the day file with that chain hash.  Files are written to a
 * temporary name, synced and renamed into place: a crash leaves the older
 * ones.  Cold path only.
 */
#ifndef RG_JOURNAL_CHECKPOINT_FILE_H
#define RG_JOURNAL_CHECKPOINT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <riskgate/abi.h>

#include "file_format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_CKPT_MAGIC 0x010a54504b434752ULL /* bytes "RGCKPT\n\x01" */
#define RG_CKPT_VERSION 2u /* 2: the self-match books run through the open-order slots */
#define RG_CKPT_HEADER_SIZE 256u
#define RG_CKPT_NAME_MAX 48u
#define RG_CKPT_BODY_MAX (1ull << 32) /* a larger body is refused as damaged */
#define RG_CKPT_LIST_MAX 64u

struct rg_ckpt_header {
	uint64_t magic;               /* RG_CKPT_MAGIC */
	uint32_t version;             /* RG_CKPT_VERSION */
	uint32_t header_size;         /* RG_CKPT_HEADER_SIZE */
	uint64_t body_size;           /* bytes after the header */
	char instance[RG_NAME_MAX];   /* the engine instance */
	int64_t trading_day;          /* the day file's trading day */
	uint32_t date;                /* its YYYYMMDD */
	uint32_t journal_version;     /* the day file's format version */
	uint64_t file_first_seq;      /* the day file's first sequence */
	uint64_t anchor_seq;          /* the state covers the records below this sequence */
	uint64_t anchor_block;        /* index of the day file's block holding record anchor_seq - 1 */
	uint64_t anchor_block_off;    /* that block's file offset */
	uint64_t anchor_end_off;      /* the offset right after it */
	uint64_t records;             /* records of the day file the state covers (anchor_seq - file_first_seq) */
	uint64_t created_real_ns;     /* CLOCK_REALTIME when it was written */
	uint8_t anchor_hash[RG_JHASH_SIZE];   /* the chain hash stored in that block */
	uint8_t config_sha256[RG_JHASH_SIZE]; /* SHA-256 of the config file the state was built with */
	uint8_t boot_id[16];          /* the kernel's boot id: replayed event times are this boot's */
	uint32_t n_accounts, n_strategies, n_symbols, n_venues; /* the state's shape */
	uint8_t digest[RG_JHASH_SIZE];        /* SHA-256 of the header (this field zero) and the body */
};

RG_STATIC_ASSERT(sizeof(struct rg_ckpt_header) == RG_CKPT_HEADER_SIZE, "checkpoint header is 256 bytes");
RG_STATIC_ASSERT(offsetof(struct rg_ckpt_header, anchor_hash) == 128 &&
			 offsetof(struct rg_ckpt_header, boot_id) == 192 &&
			 offsetof(struct rg_ckpt_header, digest) == 224,
		 "checkpoint header layout");

/* "checkpoint-YYYYMMDD-<seq, 20 digits>.rgc".  0, or -EINVAL. */
int rg_ckpt_name(char *buf, size_t len, uint32_t date, uint64_t anchor_seq);

/* Parses such a name; false for anything else. */
bool rg_ckpt_name_parse(const char *name, uint32_t *date, uint64_t *anchor_seq);

/*
 * The anchor sequences of the checkpoints of `date` in directory dirfd,
 * newest first, at most `max`.  Returns how many, or -errno.
 */
int rg_ckpt_list(int dirfd, uint32_t date, uint64_t *seqs, unsigned max);

/*
 * Writes a checkpoint (hdr's digest, magic, version, sizes and created time
 * are filled here) to its name in dirfd: a temporary file of mode 0600,
 * synced, renamed into place, the directory synced.  0, or -errno with
 * err.
 */
int rg_ckpt_write(int dirfd, struct rg_ckpt_header *hdr, const void *body, char *err, size_t errlen);

/* Removes every checkpoint of `date` but the newest `keep`, and every
 * checkpoint of another date (keep_other_dates false).  Counts removals. */
int rg_ckpt_prune(int dirfd, uint32_t date, unsigned keep, bool keep_other_dates, unsigned *removed);

/*
 * Reads and checks the checkpoint `name` in dirfd: a regular file owned by
 * this user and writable by no one else, of this format, whose digest
 * matches.  Returns 0 with the header and a malloc'd body (free it), or
 * -errno / -EBADMSG with the reason in err.
 */
int rg_ckpt_read(int dirfd, const char *name, struct rg_ckpt_header *hdr, void **body, char *err, size_t errlen);

struct rg_jverify;
struct rg_jreader;

/*
 * Checks checkpoint `name` of directory dirfd against the day file at
 * `journal_path`, which verified as *v (rg_journal_verify_file): of this
 * format with a matching digest (whoever owns it: an auditor need not be
 * the engine's user), of the same instance, day, first sequence and
 * format, and anchored at a block of that file holding the anchor's chain
 * hash.  Returns 0 with *hdr, or -EBADMSG / -errno with the reason in err.
 */
int rg_ckpt_verify_anchor(int dirfd, const char *name, const char *journal_path, const struct rg_jverify *v,
			  struct rg_ckpt_header *hdr, char *err, size_t errlen);

/*
 * Positions the fresh reader r after the anchor of the newest checkpoint of
 * its file (in dirfd) that reads back (rg_ckpt_read) and whose anchor is a
 * block of the file with that chain hash.  Returns 1 (its name in used,
 * when given), or 0 when none is: r is untouched.
 */
int rg_ckpt_seek_newest(struct rg_jreader *r, int dirfd, char *used, size_t usedlen);

/* The running kernel's boot id (16 bytes; zeros when unreadable). */
void rg_ckpt_boot_id(uint8_t out[16]);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_CHECKPOINT_FILE_H */
