/*
 * The journal directory: which day files exist, which is the latest, and
 * removing the ones the retention setting no longer keeps.  File names are
 * journal-YYYYMMDD.rgj (file_format.h); anything else in the directory is
 * left alone.
 */
#ifndef RG_JOURNAL_DAY_FILES_H
#define RG_JOURNAL_DAY_FILES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The latest trading day with a file in the directory `dirfd` that is not
 * after `not_after` (INT64_MAX: any).  Returns 1 and sets *day, 0 when there
 * is none, or -errno from reading the directory.
 */
int rg_jdir_latest(int dirfd, int64_t not_after, int64_t *day);

/*
 * Removes the day files older than the `keep_days` most recent trading days
 * ending with `today` (keep_days 0: keep everything).  Counts removals in
 * *removed.  Returns 0, or the -errno of the first file it could not remove
 * (it still tries the others).
 */
int rg_jdir_retain(int dirfd, int64_t today, uint32_t keep_days, uint64_t *removed);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_DAY_FILES_H */
