/*
 * Reading journal files: iterate the records of one day file, each block
 * verified (header, sequence, record sizes and types, chain hash) before any
 * of its records is handed out, and name the first bad block or record.
 * (rg_jreader_trust_from lets the checkpoint thread skip the chain hash of
 * blocks its own process's writer sealed; nothing else uses it.)
 * Used by verification, export (riskctl audit) and recovery.
 *
 * The reader uses pread, never mmap: a file that shrinks or changes under it
 * is reported, it cannot crash the reader.  A live file can be read while
 * the writer appends; the reader stops where the written data ends.
 */
#ifndef RG_JOURNAL_READER_H
#define RG_JOURNAL_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "file_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What is wrong with a file, in struct rg_jproblem.kind. */
enum rg_jproblem_kind {
	RG_JPROB_NONE = 0,
	RG_JPROB_IO = 1,             /* the file could not be read */
	RG_JPROB_FILE_HEADER = 2,    /* bad magic, version, sizes or fields in the file header */
	RG_JPROB_BLOCK_HEADER = 3,   /* bad block magic, size, record count or block index */
	RG_JPROB_TRUNCATED = 4,      /* the file ends inside a block */
	RG_JPROB_SEQUENCE = 5,       /* a block or record has the wrong sequence: removed, inserted or reordered */
	RG_JPROB_RECORD = 6,         /* a record's size or type is wrong */
	RG_JPROB_HASH = 7,           /* the block's bytes do not hash to its chain hash: edited */
	RG_JPROB_DATA_AFTER_END = 8, /* non-zero bytes after the zero-filled end of the written data */
	RG_JPROB_LINK = 9,           /* the file does not continue the previous file's chain or sequence */
};

/* The first problem found, with where it is. */
struct rg_jproblem {
	int kind;              /* enum rg_jproblem_kind */
	uint64_t offset;       /* file offset of the bad block (or record, when record >= 0) */
	uint64_t block;        /* index of the bad block */
	int64_t record;        /* index of the bad record within the block, -1 for the block as a whole */
	uint64_t seq;          /* sequence found (record or block), when it applies */
	uint64_t expected_seq; /* sequence expected there */
	char message[512];     /* one line for people, naming all of the above */
};

struct rg_jreader;

/*
 * Opens `path` and checks its file header.  Returns 0 and *out, or -errno
 * (-ENOENT, -EACCES, ...) or -EBADMSG for a bad header, with a message in
 * err.  The reader must be closed even after a later problem.
 */
int rg_jreader_open(struct rg_jreader **out, const char *path, char *err, size_t errlen);

/* Same, for the file `name` in directory dirfd. */
int rg_jreader_openat(struct rg_jreader **out, int dirfd, const char *name, char *err, size_t errlen);

void rg_jreader_close(struct rg_jreader *r);

/* The file header (valid after a successful open). */
const struct rg_jfile_header *rg_jreader_header(const struct rg_jreader *r);

/*
 * Next record: returns 1 and sets *rec (valid until the next call), 0 at the
 * clean end of the data (end of file, or the zero-filled preallocated tail),
 * or -EBADMSG / -EIO when the next block is bad; rg_jreader_problem says
 * what and where.  Only records of a fully verified block are returned.
 */
int rg_jreader_next(struct rg_jreader *r, const struct rg_jrec **rec);

/* The problem that stopped the reader (kind RG_JPROB_NONE when none). */
const struct rg_jproblem *rg_jreader_problem(const struct rg_jreader *r);

/* Where the reader stands: after the last verified block. */
struct rg_jposition {
	uint64_t end_offset;   /* file offset just after the last verified block */
	uint64_t next_seq;     /* sequence the next record must carry */
	uint64_t blocks;       /* verified blocks */
	uint64_t records;      /* records in them */
	uint8_t hash[RG_JHASH_SIZE]; /* chain hash after the last verified block (H(-1) when none) */
};
void rg_jreader_position(const struct rg_jreader *r, struct rg_jposition *out);

/*
 * Like rg_jreader_next, but hands out only records below sequence `limit`
 * (a live file's writer says how far it has written, rg_journal_written):
 * returns 0 without reading when the next record is not below it, so a
 * tail can call again once the writer has gone on.  A tail that got 0 from
 * the file itself (its data ended) calls rg_jreader_rewind_end before
 * trying again.
 */
int rg_jreader_next_upto(struct rg_jreader *r, const struct rg_jrec **rec, uint64_t limit);

/* After a clean end: lets the next call look for blocks written since.
 * No effect after a problem. */
void rg_jreader_rewind_end(struct rg_jreader *r);

/*
 * For a reader following a day file that the journal writer of this same
 * process is writing (the checkpoint thread): blocks whose first sequence
 * is `seq` or later are taken as that writer sealed them.  Their structure
 * is checked as always (magic, sizes, block index, every record's sequence,
 * size and type, and that the first follows the previous block's last), but
 * their chain hash is read from their header instead of being recomputed
 * from the records.  `seq` must be the first sequence the writer wrote in
 * this run (rg_journal_writer_first_seq): blocks from before, written by an
 * earlier run or anyone else, are still verified in full.  Never the
 * default; UINT64_MAX turns it off.  Verification, export and recovery do
 * not use it.
 */
void rg_jreader_trust_from(struct rg_jreader *r, uint64_t seq);

/* The offset of the last verified block (valid when position.blocks > 0). */
uint64_t rg_jreader_last_block_offset(const struct rg_jreader *r);

/*
 * Continues reading at a verified point taken earlier (a checkpoint's
 * anchor): the block `block` at `block_off` must hold the records up to
 * next_seq - 1, end at end_off and carry chain hash `hash`; the reader then
 * stands after it, as if it had verified the file up to there, having
 * counted `records` records.  Returns 0, or -EBADMSG (or -EIO) with a
 * message in err when the file's block there is not that.  Only on a reader
 * that has handed out nothing yet.
 */
int rg_jreader_seek_anchor(struct rg_jreader *r, uint64_t block, uint64_t block_off, uint64_t end_off,
			   uint64_t next_seq, uint64_t records, const uint8_t hash[RG_JHASH_SIZE], char *err,
			   size_t errlen);

/* ---- whole-file verification ------------------------------------------- */

struct rg_jverify {
	struct rg_jfile_header header;
	struct rg_jposition pos;       /* how far the file verified */
	struct rg_jproblem problem;    /* kind RG_JPROB_NONE when the file is good */
};

/*
 * Verifies `path` from its header to the end of its data.  Returns 0 when
 * good, -EBADMSG (with out->problem) when not, or -errno when it cannot be
 * read.  out is filled in every case where the header could be read.
 */
int rg_journal_verify_file(const char *path, struct rg_jverify *out);

/*
 * Checks that file `next` continues file `prev` (both verified): its header's
 * previous hash is prev's last chain hash and its first sequence follows
 * prev's last.  Returns 0, or -EBADMSG with next->problem set (kind LINK).
 */
int rg_journal_verify_link(const struct rg_jverify *prev, struct rg_jverify *next);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_READER_H */
