/*
 * Day files (day_files.h, file_format.h): the name of a trading day's file,
 * the day a name stands for, the latest day present in the directory, and
 * retention.  A trading day is labelled with the UTC date on which it
 * starts, so with the boundary at 00:00 UTC the label is the calendar date.
 */
#include "day_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file_format.h"

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), and back: exact, no time_t limits. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

uint32_t rg_jday_date(int64_t day)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		return 0;
	return (uint32_t)y * 10000 + m * 100 + d;
}

int64_t rg_jday_from_date(uint32_t date)
{
	unsigned y = date / 10000, m = date / 100 % 100, d = date % 100;
	int64_t day;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return INT64_MIN;
	day = days_from_civil(y, m, d);
	return rg_jday_date(day) == date ? day : INT64_MIN;
}

int rg_jfile_name(char *buf, size_t len, int64_t day)
{
	uint32_t date = rg_jday_date(day);
	int n;

	if (date == 0)
		return -EINVAL;
	n = snprintf(buf, len, "journal-%08u.rgj", date);
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

bool rg_jfile_name_parse(const char *name, uint32_t *date)
{
	uint32_t v = 0;

	if (strlen(name) != 20 || strncmp(name, "journal-", 8) != 0 || strcmp(name + 16, ".rgj") != 0)
		return false;
	for (int i = 8; i < 16; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	if (rg_jday_from_date(v) == INT64_MIN)
		return false;
	*date = v;
	return true;
}

/* Calls fn(day, name, arg) for every day file; stops at a non-zero return. */
static int each_day_file(int dirfd, int (*fn)(int64_t day, const char *name, void *arg), void *arg)
{
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	errno = 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		uint32_t date;
		if (rg_jfile_name_parse(e->d_name, &date))
			rc = fn(rg_jday_from_date(date), e->d_name, arg);
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = -errno;
	closedir(d);
	return rc;
}

struct latest {
	int64_t not_after, best;
	bool found;
};

static int note_latest(int64_t day, const char *name, void *arg)
{
	struct latest *l = arg;

	(void)name;
	if (day <= l->not_after && (!l->found || day > l->best)) {
		l->best = day;
		l->found = true;
	}
	return 0;
}

int rg_jdir_latest(int dirfd, int64_t not_after, int64_t *day)
{
	struct latest l = {not_after, 0, false};
	int rc = each_day_file(dirfd, note_latest, &l);

	if (rc < 0)
		return rc;
	if (l.found)
		*day = l.best;
	return l.found ? 1 : 0;
}

struct retain {
	int dirfd;
	int64_t oldest_kept;
	uint64_t *removed;
	int first_error;
};

static int remove_old(int64_t day, const char *name, void *arg)
{
	struct retain *r = arg;

	if (day >= r->oldest_kept)
		return 0;
	if (unlinkat(r->dirfd, name, 0) == 0)
		(*r->removed)++;
	else if (r->first_error == 0)
		r->first_error = -errno;
	return 0;
}

int rg_jdir_retain(int dirfd, int64_t today, uint32_t keep_days, uint64_t *removed)
{
	struct retain r = {dirfd, today - (int64_t)keep_days + 1, removed, 0};
	int rc;

	if (keep_days == 0)
		return 0;
	rc = each_day_file(dirfd, remove_old, &r);
	return rc != 0 ? rc : r.first_error;
}
