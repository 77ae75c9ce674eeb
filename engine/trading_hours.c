/*
 * Trading hours (trading_hours.h): reading a zone's TZif file, local time
 * from its table of offset changes, and whether a schedule is open at a UTC
 * instant with the next instant it may change.  Cold: start-up and the
 * engine's heartbeat, a few times a day.
 */
#include "trading_hours.h"

#include "risk_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* A zone name is a relative path of name characters, no "..". */
static bool zone_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '/' ||
		      *p == '_' || *p == '-' || *p == '+'))
			return false;
	return true;
}

/* The TZif counts of the header at p: isutcnt, isstdcnt, leapcnt, timecnt,
 * typecnt, charcnt.  The size of its data block for time size ts. */
static size_t block_size(const unsigned char *p, size_t ts, uint32_t c[6])
{
	for (int i = 0; i < 6; i++)
		c[i] = be32(p + 20 + 4 * i);
	return (size_t)c[3] * ts + c[3] + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * (ts + 4) + c[1] + c[0];
}

static int parse(struct rg_tz *tz, const unsigned char *buf, size_t len)
{
	uint32_t c[6];
	size_t off, need;
	const unsigned char *times, *idx, *types;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		return -EBADMSG;
	off = 44 + block_size(buf, 4, c);
	if (buf[4] >= '2') { /* skip the 32-bit block: the 64-bit one follows */
		if (off + 44 > len || memcmp(buf + off, "TZif", 4) != 0)
			return -EBADMSG;
		need = block_size(buf + off, 8, c);
		off += 44;
		if (off + need > len)
			return -EBADMSG;
		times = buf + off;
		idx = times + (size_t)c[3] * 8;
	} else {
		if (off > len)
			return -EBADMSG;
		times = buf + 44;
		idx = times + (size_t)c[3] * 4;
	}
	types = idx + c[3];
	if (c[4] == 0)
		return -EBADMSG;
	tz->n = c[3];
	tz->at_s = calloc(c[3] + 1u, sizeof(int64_t));
	tz->off_s = calloc(c[3] + 1u, sizeof(int32_t));
	if (tz->at_s == NULL || tz->off_s == NULL)
		return -ENOMEM;
	/* Before the first change: the first non-DST type (RFC 8536), else type 0. */
	tz->off0_s = (int32_t)be32(types);
	for (uint32_t t = 0; t < c[4]; t++)
		if (types[6 * t + 4] == 0) {
			tz->off0_s = (int32_t)be32(types + 6 * t);
			break;
		}
	for (uint32_t i = 0; i < c[3]; i++) {
		if (idx[i] >= c[4])
			return -EBADMSG;
		tz->at_s[i] = buf[4] >= '2' ? be64(times + 8 * (size_t)i) : (int32_t)be32(times + 4 * (size_t)i);
		tz->off_s[i] = (int32_t)be32(types + 6 * (size_t)idx[i]);
		if (i > 0 && tz->at_s[i] <= tz->at_s[i - 1])
			return -EBADMSG;
	}
	return 0;
}

int rg_tz_load(struct rg_tz *tz, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[512];
	unsigned char *buf = NULL;
	struct stat st;
	ssize_t got;
	int fd, rc;

	memset(tz, 0, sizeof(*tz));
	if (!zone_name_ok(name)) {
		snprintf(err, errlen, "time zone '%s': not a zone name (e.g. \"America/New_York\")", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : RG_ZONEINFO_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) /* zoneinfo links aliases; follow those it links itself */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "time zone '%s': %s: %s (is the tzdata package installed?)", name, path,
			 strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		close(fd);
		snprintf(err, errlen, "time zone '%s': %s is not a time zone file", name, path);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	got = buf != NULL ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	rc = got == st.st_size ? parse(tz, buf, (size_t)got) : (buf == NULL ? -ENOMEM : -EIO);
	free(buf);
	if (rc != 0) {
		rg_tz_free(tz);
		snprintf(err, errlen, "time zone '%s': %s: %s", name, path,
			 rc == -EBADMSG ? "not a valid TZif file" : strerror(-rc));
	}
	return rc;
}

void rg_tz_free(struct rg_tz *tz)
{
	free(tz->at_s);
	free(tz->off_s);
	memset(tz, 0, sizeof(*tz));
}

/* Index of the last change at or before t_s, or -1. */
static int64_t last_change(const struct rg_tz *tz, int64_t t_s)
{
	int64_t lo = 0, hi = (int64_t)tz->n - 1, found = -1;

	while (lo <= hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (tz->at_s[mid] <= t_s) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

int32_t rg_tz_offset(const struct rg_tz *tz, int64_t t_s)
{
	int64_t i = last_change(tz, t_s);

	return i < 0 ? tz->off0_s : tz->off_s[i];
}

int64_t rg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's days_from_civil */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool rg_hours_open_at(const struct rg_hours_sched *s, int64_t t_s, int64_t *next_s, unsigned *local_min)
{
	const struct rg_hours_cfg *h = &s->cfg;
	int64_t i = last_change(&s->tz, t_s);
	int64_t local = t_s + (i < 0 ? s->tz.off0_s : s->tz.off_s[i]);
	int64_t day = floor_div(local, 86400), sec = local - day * 86400;
	unsigned min = (unsigned)(sec / 60), wday = (unsigned)(((day % 7) + 11) % 7); /* 1970-01-01: Thursday (4) */
	int64_t to_next = 86400 - sec; /* local midnight */
	bool open = false, closed_day = false;

	for (uint16_t k = 0; k < h->n_closed; k++)
		closed_day |= h->closed[k] == day;
	for (uint8_t k = 0; k < h->n_sessions; k++) {
		int64_t o = (int64_t)h->open_min[k] * 60, c = (int64_t)h->close_min[k] * 60;
		open |= sec >= o && sec < c;
		if (o > sec && o - sec < to_next)
			to_next = o - sec;
		if (c > sec && c - sec < to_next)
			to_next = c - sec;
	}
	open = open && !closed_day && ((h->days >> wday) & 1u);
	*next_s = t_s + to_next;
	if ((uint64_t)(i + 1) < s->tz.n && s->tz.at_s[i + 1] < *next_s)
		*next_s = s->tz.at_s[i + 1];
	if (local_min != NULL)
		*local_min = min;
	return open;
}

/* Re-evaluates the schedules whose time has come; moves symbols' bits. */
void rg_risk_hours_tick(struct rg_risk *r, uint64_t now_real_ns)
{
	struct rg_hours_rt *h = r->hours;
	int64_t now_s;

	if (h == NULL || (now_s = (int64_t)(now_real_ns / 1000000000u)) < h->next_s)
		return;
	h->next_s = INT64_MAX;
	for (uint32_t k = 0; k < h->n; k++) {
		struct rg_hours_sched *s = &h->s[k];
		if (now_s >= s->next_s) {
			bool open = rg_hours_open_at(s, now_s, &s->next_s, NULL);
			if (open != s->open) {
				s->open = open;
				for (uint32_t i = 0; i < r->n_symbols; i++)
					if (h->of_symbol[i] == k + 1) {
						if (open)
							r->symbols[i].kill &= (uint8_t)~RG_SYM_CLOSED;
						else
							r->symbols[i].kill |= RG_SYM_CLOSED;
					}
			}
		}
		h->next_s = s->next_s < h->next_s ? s->next_s : h->next_s;
	}
}

int rg_risk_hours_init(struct rg_risk *r, const struct rg_config *cfg, const char *zoneinfo_dir,
		       uint64_t now_real_ns, char *err, size_t errlen)
{
	struct rg_hours_rt *h;
	int rc;

	if (cfg->n_hours == 0)
		return 0;
	h = r->hours = calloc(1, sizeof(*h));
	if (h == NULL || (h->of_symbol = calloc(r->n_symbols + 1u, 1)) == NULL) {
		snprintf(err, errlen, "out of memory for trading hours");
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < cfg->n_hours && k < RG_MAX_HOURS; k++) {
		h->s[k].cfg = cfg->hours[k];
		h->s[k].open = false; /* closed until the first tick finds it open */
		h->s[k].next_s = INT64_MIN;
		h->n = k + 1;
		rc = rg_tz_load(&h->s[k].tz, zoneinfo_dir, cfg->hours[k].time_zone, err, errlen);
		if (rc != 0)
			return rc;
	}
	for (uint32_t i = 0; i < r->n_symbols; i++) {
		uint8_t own = cfg->symbols[i].hours, venue = cfg->symbols[i].venue < cfg->n_venues
								      ? cfg->venues[cfg->symbols[i].venue].hours
								      : 0;
		h->of_symbol[i] = own != 0 ? own : venue;
		if (h->of_symbol[i] > h->n)
			h->of_symbol[i] = 0;
	}
	/* Every symbol with a schedule starts closed; the tick opens those whose
	 * schedule is open now. */
	for (uint32_t i = 0; i < r->n_symbols; i++)
		if (h->of_symbol[i] != 0)
			r->symbols[i].kill |= RG_SYM_CLOSED;
	h->next_s = INT64_MIN;
	rg_risk_hours_tick(r, now_real_ns);
	return 0;
}

void _rg_risk_hours_free(struct rg_risk *r)
{
	if (r->hours == NULL)
		return;
	for (uint32_t k = 0; k < r->hours->n; k++)
		rg_tz_free(&r->hours->s[k].tz);
	free(r->hours->of_symbol);
	free(r->hours);
	r->hours = NULL;
}
