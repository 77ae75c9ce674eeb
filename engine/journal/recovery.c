/*
 * Recovery (journal.h): at engine start, write out what a crashed engine
 * left in the journal ring, then replay the day's journal file record by
 * record to a callback that rebuilds the risk state.  The replay goes
 * through the verifying reader, so a tampered or damaged file stops it with
 * the reader's description of the first bad block.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "day_files.h"

static int replay(struct rg_jreader *r, rg_journal_replay_fn fn, void *arg, uint64_t *records, uint64_t *first,
		  char *err, size_t errlen)
{
	const struct rg_jrec *rec;
	int rc;

	while ((rc = rg_jreader_next(r, &rec)) > 0) {
		if (*records == 0 && first != NULL)
			*first = rec->h.seq;
		(*records)++;
		rc = fn(rec, arg);
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", rg_jreader_problem(r)->message);
	return rc;
}

int rg_journal_recover(struct rg_journal_writer *w, uint64_t now_real_ns, rg_journal_replay_fn fn, void *arg,
		       struct rg_journal_recovery *out, char *err, size_t errlen)
{
	return rg_journal_recover_from(w, now_real_ns, NULL, fn, arg, out, err, errlen);
}

int rg_journal_recover_from(struct rg_journal_writer *w, uint64_t now_real_ns, rg_journal_resume_fn resume,
			    rg_journal_replay_fn fn, void *arg, struct rg_journal_recovery *out, char *err,
			    size_t errlen)
{
	const struct rg_journal_writer_cfg *cfg = rg_journal_writer_cfg(w);
	struct rg_journal_writer_info before, after;
	char name[RG_JFILE_NAME_MAX], scratch[320];
	struct rg_jreader *r;
	int64_t today, day;
	int rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	memset(out, 0, sizeof(*out));
	rg_journal_writer_info(w, &before);
	rc = rg_journal_writer_flush(w);
	rg_journal_writer_info(w, &after);
	out->flushed = after.next_seq - before.next_seq;
	out->next_seq = after.next_seq;
	out->tail_truncated = after.tail_truncated;
	if (rc != 0) {
		snprintf(err, errlen, "journal: writing the records left in the ring failed: %s", strerror(-rc));
		return rc;
	}
	today = rg_jday_of(now_real_ns, cfg->day_start_utc_s);
	rc = rg_jdir_latest(rg_journal_writer_dirfd(w), today, &day);
	if (rc < 0) {
		snprintf(err, errlen, "journal directory %s: %s", cfg->dir, strerror(-rc));
		return rc;
	}
	out->trading_day = today;
	if (rc == 0)
		return 0;
	out->trading_day = day;
	out->date = rg_jday_date(day);
	out->today = day == today;
	rg_jfile_name(name, sizeof(name), day);
	rc = rg_jreader_openat(&r, rg_journal_writer_dirfd(w), name, err, errlen);
	if (rc != 0)
		return rc;
	if (resume != NULL && (rc = resume(r, rg_journal_writer_dirfd(w), day, arg)) != 0) {
		rg_jreader_close(r);
		return rc;
	}
	rc = replay(r, fn, arg, &out->records, &out->first_seq, err, errlen);
	rg_jreader_close(r);
	return rc;
}

int rg_journal_replay_file(const char *path, rg_journal_replay_fn fn, void *arg, uint64_t *records, char *err,
			   size_t errlen)
{
	struct rg_jreader *r;
	char scratch[320];
	uint64_t n = 0;
	int rc;

	if (err == NULL) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	rc = rg_jreader_open(&r, path, err, errlen);
	if (rc != 0)
		return rc;
	rc = replay(r, fn, arg, &n, NULL, err, errlen);
	rg_jreader_close(r);
	if (records != NULL)
		*records = n;
	return rc;
}
