/*
 * Trading hours: the named schedules of the config's "trading_hours"
 * (sessions in a time zone, trading weekdays, closed dates), which venues
 * and symbols refer to; outside its schedule a symbol's new orders are
 * refused MARKET_CLOSED, and cancels pass.
 *
 * Nothing of this runs per order: the symbol's "closed" bit sits in its kill
 * byte (RG_SYM_CLOSED), which the state check already folds into its one
 * "anything wrong?" test.  The bit is set and cleared by rg_hours_tick, which
 * the engine calls on its 1 ms heartbeat: one compare against the earliest
 * time any schedule may change, and only then, a few times a day, the local
 * time of each due schedule and the next time it may change (the next
 * session boundary or local midnight, or the zone's next offset change).
 * Local time comes from the zone's TZif file (/usr/share/zoneinfo, package
 * tzdata), read once at start into a table of offset changes: no TZ
 * variable, no localtime, no system call after start.  A zone's rule past
 * its file's last change is taken as that change's offset (the files
 * riskgate reads run to 2037).
 */
#ifndef RG_TRADING_HOURS_H
#define RG_TRADING_HOURS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RG_ZONEINFO_DIR "/usr/share/zoneinfo"

/* A time zone: its UTC offset before the first change and after each. */
struct rg_tz {
	uint32_t n;       /* offset changes */
	int64_t *at_s;    /* n times (seconds since the epoch, UTC), ascending */
	int32_t *off_s;   /* n offsets in force from at_s[i] */
	int32_t off0_s;   /* offset before at_s[0] */
};

/* Reads the zone `name` (e.g. "America/New_York") from dir (NULL:
 * RG_ZONEINFO_DIR).  0, or -errno with err naming the file.  Cold. */
int rg_tz_load(struct rg_tz *tz, const char *dir, const char *name, char *err, size_t errlen);
void rg_tz_free(struct rg_tz *tz);

/* UTC offset in force at t_s. */
int32_t rg_tz_offset(const struct rg_tz *tz, int64_t t_s);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t rg_days_from_civil(int64_t y, unsigned m, unsigned d);

/* One schedule at run time. */
struct rg_hours_sched {
	struct rg_hours_cfg cfg;         /* a copy: the config it came from may be replaced by a reload */
	struct rg_tz tz;
	int64_t next_s;   /* the state may change at this UTC second; re-evaluate then */
	bool open;
};

/*
 * Is the schedule open at UTC second t_s?  *next_s gets the next UTC second
 * at which it may change (a session boundary, local midnight or an offset
 * change after t_s).  *local_min the local minute of the day at t_s.
 */
bool rg_hours_open_at(const struct rg_hours_sched *s, int64_t t_s, int64_t *next_s, unsigned *local_min);

#ifdef __cplusplus
}
#endif

#endif /* RG_TRADING_HOURS_H */
