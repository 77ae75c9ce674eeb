/*
 * The checkpoint thread (checkpointer.h): a shadow struct rg_engine holding
 * only what a replay touches (config, risk state, order routes, recovery
 * record), fed the day file's records as the writer completes them, through
 * the same rg_engine_replay a restart uses, and written out as checkpoints
 * at block boundaries.  Cold: it sleeps a few milliseconds whenever it has
 * caught up.
 */
#include "checkpointer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "day_files.h"
#include "engine_recovery.h"
#include "engine_state.h"
#include "log_line.h"
#include "risk_checkpoint.h"

#define IDLE_NS 5000000L /* 5 ms between looks when caught up */
#define KEEP 2u          /* checkpoints kept per day */

struct rg_checkpointer {
	pthread_t thread;
	const struct rg_config *cfg;
	struct rg_journal *journal;
	int dirfd;
	int cpu;
	uint8_t config_sha256[32];
	uint64_t every_records, every_ns;
	uint64_t trust_seq;          /* the writer's first sequence of this run (rg_jreader_trust_from) */
	int stop;                    /* atomic: the thread leaves at its next record (the stop path goes on) */
	struct rg_engine *shadow;    /* NULL until a day file is open */
	struct rg_jreader *rd;
	int64_t day;
	uint64_t since;              /* records applied since the last checkpoint */
	uint64_t last_ns;            /* when the last checkpoint was written (or the shadow began) */
	bool failed;                 /* gave up: the file did not verify, or the state could not be built */
	uint64_t applied_seq;        /* atomic: the shadow holds every record below this */
	struct rg_checkpointer_stats stats; /* read with atomics */
	pthread_mutex_t mu;          /* guards last and last_gen (the engine takes them on its heartbeat) */
	struct rg_jbody_checkpoint last; /* the newest checkpoint written, for the journal */
	uint64_t last_gen, taken_gen;
};

static void shadow_free(struct rg_checkpointer *c)
{
	if (c->rd != NULL)
		rg_jreader_close(c->rd);
	c->rd = NULL;
	rg_risk_ckpt_shadow_free(c->shadow);
	c->shadow = NULL;
}

/*
 * The start trusted the checkpoint for the records below `anchor`; verify
 * them here, off the start path, as the full replay used to: the chain from
 * the file's header up to the anchor's block (hashed in full: an earlier
 * run wrote them).  0, -EBADMSG logged, or -ECANCELED when `stoppable` and
 * a stop came (the stop path does it again).
 */
static int verify_prefix(struct rg_checkpointer *c, const char *name, uint64_t anchor, bool stoppable)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_jposition pos, at;
	char err[640];
	int rc = rg_jreader_openat(&r, c->dirfd, name, err, sizeof(err));

	if (rc == 0) {
		while ((rc = rg_jreader_next_upto(r, &rec, anchor)) > 0)
			if (stoppable && __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) != 0) {
				rg_jreader_close(r);
				return -ECANCELED;
			}
		rg_jreader_position(r, &pos);
		rg_jreader_position(c->rd, &at);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", rg_jreader_problem(r)->message);
		else if (pos.next_seq != at.next_seq || memcmp(pos.hash, at.hash, RG_JHASH_SIZE) != 0)
			snprintf(err, sizeof(err), "%s: the chain up to sequence %" PRIu64 " does not end in the checkpoint's hash",
				 name, anchor);
		rc = rc < 0 || pos.next_seq != at.next_seq || memcmp(pos.hash, at.hash, RG_JHASH_SIZE) != 0 ? -EBADMSG : 0;
		rg_jreader_close(r);
	}
	if (rc != 0)
		rg_log(RG_LOG_ERROR,
		       "riskgate: journal: the records the start's checkpoint covers do not verify: %s (riskctl audit verify "
		       "names the problem; checkpoints stop)",
		       err);
	else
		rg_log(RG_LOG_INFO, "riskgate: journal: %s verified up to the checkpoint's anchor (sequence below %" PRIu64 ")",
		       name, anchor);
	return rc;
}

/* A fresh state for day file `day`, from its newest verified checkpoint. */
static int shadow_open(struct rg_checkpointer *c, int64_t day, bool stoppable, char *err, size_t errlen)
{
	char name[RG_JFILE_NAME_MAX];
	struct rg_jposition pos;
	int rc = rg_risk_ckpt_shadow_new(&c->shadow, c->cfg, c->config_sha256, err, errlen);

	if (rc != 0)
		return rc;
	c->shadow->recovery->ckpt_enabled = true;
	rg_jfile_name(name, sizeof(name), day);
	rc = rg_jreader_openat(&c->rd, c->dirfd, name, err, errlen);
	if (rc != 0)
		return rc;
	rg_jreader_trust_from(c->rd, c->trust_seq);
	rg_risk_ckpt_resume(c->rd, c->dirfd, day, c->shadow);
	if (c->shadow->recovery->ckpt_seq != 0 && (rc = verify_prefix(c, name, c->shadow->recovery->ckpt_seq, stoppable)) != 0) {
		snprintf(err, errlen, "%s does not verify under its checkpoint", name);
		return rc;
	}
	rg_jreader_position(c->rd, &pos);
	__atomic_store_n(&c->applied_seq, pos.next_seq, __ATOMIC_RELAXED);
	c->day = day;
	c->since = 0;
	c->last_ns = rg_mono_ns();
	return 0;
}

static int write_checkpoint(struct rg_checkpointer *c)
{
	struct rg_ckpt_header hdr;
	char err[320];
	uint64_t t0 = rg_mono_ns();
	size_t size = rg_risk_ckpt_size(c->shadow);
	void *body = malloc(size != 0 ? size : 1);
	unsigned removed = 0;
	int rc;

	if (body == NULL)
		return -ENOMEM;
	if (!rg_risk_ckpt_save(c->shadow, body, size, err, sizeof(err))) {
		free(body);
		__atomic_add_fetch(&c->stats.failures, 1, __ATOMIC_RELAXED);
		rg_log(RG_LOG_WARN, "riskgate: journal: no checkpoint taken: the shadow state is inconsistent: %s", err);
		return -EINVAL;
	}
	rg_risk_ckpt_header(c->shadow, c->rd, c->day, &hdr);
	hdr.body_size = size;
	rc = rg_ckpt_write(c->dirfd, &hdr, body, err, sizeof(err));
	free(body);
	if (rc != 0) {
		__atomic_add_fetch(&c->stats.failures, 1, __ATOMIC_RELAXED);
		rg_log(RG_LOG_WARN, "riskgate: journal: %s", err);
		return rc;
	}
	rg_ckpt_prune(c->dirfd, hdr.date, KEEP, false, &removed);
	pthread_mutex_lock(&c->mu);
	rg_risk_ckpt_journal_body(&hdr, &c->last);
	c->last_gen++;
	pthread_mutex_unlock(&c->mu);
	c->since = 0;
	c->last_ns = rg_mono_ns();
	__atomic_store_n(&c->stats.anchor_seq, hdr.anchor_seq, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->stats.written, 1, __ATOMIC_RELEASE);
	char name[RG_CKPT_NAME_MAX];
	rg_ckpt_name(name, sizeof(name), hdr.date, hdr.anchor_seq);
	rg_log(RG_LOG_INFO,
	       "riskgate: journal: checkpoint %s written (%" PRIu64 " record(s) of journal-%08u.rgj, %zu bytes, %" PRIu64
	       " ms)",
	       name, hdr.records, hdr.date, size + RG_CKPT_HEADER_SIZE, (c->last_ns - t0) / 1000000u);
	return 0;
}

/*
 * Whether the writer has written day file `day`'s header yet: it creates the
 * file and writes the header with its first block, so a checkpoint thread
 * starting beside it can find the file empty.  That is not a damaged file.
 */
static bool header_written(const struct rg_checkpointer *c, int64_t day)
{
	char name[RG_JFILE_NAME_MAX];
	struct stat sb;

	rg_jfile_name(name, sizeof(name), day);
	return fstatat(c->dirfd, name, &sb, 0) != 0 || sb.st_size >= (off_t)RG_JFILE_HEADER_SIZE;
}

/*
 * Applies what the writer has completed; 1 when records came, 0 when none,
 * -errno.  With `stoppable` (the thread) it returns 0 as soon as a stop is
 * asked, possibly inside a block: the stop path carries on from there.
 */
static int catch_up(struct rg_checkpointer *c, bool stoppable, char *err, size_t errlen)
{
	uint64_t limit = rg_journal_written(c->journal);
	const struct rg_jrec *rec;
	struct rg_jposition pos;
	int64_t latest;
	int rc, got = 0;

	if (c->shadow == NULL) {
		rc = rg_jdir_latest(c->dirfd, INT64_MAX, &latest);
		if (rc <= 0 || !header_written(c, latest))
			return rc <= 0 ? rc : 0;
		rc = shadow_open(c, latest, stoppable, err, errlen);
		if (rc != 0)
			return rc;
	}
	while ((rc = rg_jreader_next_upto(c->rd, &rec, limit)) > 0) {
		rg_engine_replay(rec, c->shadow);
		c->since++;
		got = 1;
		__atomic_store_n(&c->applied_seq, rec->h.seq + 1, __ATOMIC_RELAXED);
		if (stoppable && __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) != 0)
			return 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", rg_jreader_problem(c->rd)->message);
		return rc;
	}
	rg_jreader_position(c->rd, &pos);
	if (pos.next_seq < limit) {
		/* This file's data ended below what is written: the rest is in a
		 * newer day's file.  A restart would replay that one alone. */
		rc = rg_jdir_latest(c->dirfd, INT64_MAX, &latest);
		if (rc > 0 && latest > c->day) {
			if (c->since != 0 && pos.blocks != 0)
				write_checkpoint(c);
			shadow_free(c);
			return 1;
		}
		rg_jreader_rewind_end(c->rd);
	}
	return got;
}

static void give_up(struct rg_checkpointer *c, const char *err)
{
	c->failed = true;
	__atomic_store_n(&c->stats.stopped_on_error, true, __ATOMIC_RELEASE);
	rg_log(RG_LOG_ERROR, "riskgate: journal: checkpoints stopped: %s", err);
	shadow_free(c);
}

/*
 * Nice 19: the thread gets about 1.5 % of the writer's core while the
 * writer, strategies and the kernel's page-cache copy want all of it, so
 * under a flood it falls behind and catches up after (a checkpoint only
 * shortens a restart).  Not SCHED_IDLE: beside a strategy that busy-polls
 * on that core all day it would get almost nothing, and checkpoints would
 * stop bounding a restart.  Any user may lower its own thread's priority.
 */
static void yield_to_core(void)
{
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) != 0)
		rg_log(RG_LOG_INFO, "riskgate: journal: the checkpoint thread keeps the normal priority (nice 19: %s)",
		       strerror(errno));
}

static void *run(void *arg)
{
	struct rg_checkpointer *c = arg;
	char err[512];

	if (c->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	yield_to_core();
	for (;;) {
		int rc = c->failed ? 0 : catch_up(c, true, err, sizeof(err));
		struct rg_jposition pos = {0};

		if (rc == -ECANCELED)
			shadow_free(c); /* a stop came while verifying the start's part: the stop path starts over */
		else if (rc < 0)
			give_up(c, err);
		/* A stop may have cut a block short: no checkpoint of that state
		 * here; the stop path reads on to a block boundary. */
		if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) != 0)
			break;
		if (c->rd != NULL)
			rg_jreader_position(c->rd, &pos);
		if (!c->failed && c->shadow != NULL && c->since != 0 && pos.blocks != 0 &&
		    (c->since >= c->every_records || (c->every_ns != 0 && rg_mono_ns() - c->last_ns >= c->every_ns)))
			write_checkpoint(c);
		if (rc <= 0) {
			struct timespec ts = {0, IDLE_NS};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/*
 * The final checkpoint of a clean stop, on the stopping thread (not the
 * nice 19 one, which a busy core could keep waiting): reads on from
 * where the thread left off to the end of what the writer wrote, and writes
 * a checkpoint there.
 */
static void finish(struct rg_checkpointer *c)
{
	char err[512];
	struct rg_jposition pos = {0};
	int rc;

	if (c->failed)
		return;
	while ((rc = catch_up(c, false, err, sizeof(err))) > 0)
		;
	if (rc < 0) {
		give_up(c, err);
		return;
	}
	if (c->shadow == NULL)
		return;
	rg_jreader_position(c->rd, &pos);
	if (c->since != 0 && pos.blocks != 0 && pos.next_seq >= rg_journal_written(c->journal))
		write_checkpoint(c);
}

int rg_checkpointer_start(struct rg_checkpointer **out, struct rg_engine *e, const uint8_t config_sha256[32],
			  char *err, size_t errlen)
{
	const struct rg_config *cfg = e->cfg;
	struct rg_checkpointer *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (c == NULL)
		return -ENOMEM;
	c->cfg = cfg;
	c->journal = &e->journal;
	pthread_mutex_init(&c->mu, NULL);
	c->cpu = cfg->journal.core;
	c->every_records = cfg->journal.checkpoint_every_records;
	c->every_ns = cfg->journal.checkpoint_interval_ns;
	c->trust_seq = rg_journal_writer_first_seq(e->journal_writer);
	memcpy(c->config_sha256, config_sha256, sizeof(c->config_sha256));
	c->dirfd = fcntl(rg_journal_writer_dirfd(e->journal_writer), F_DUPFD_CLOEXEC, 3);
	if (c->dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "checkpoints: cannot duplicate the journal directory: %s", strerror(-rc));
		free(c);
		return rc;
	}
	rc = -pthread_create(&c->thread, NULL, run, c);
	if (rc != 0) {
		snprintf(err, errlen, "checkpoints: cannot start the thread: %s", strerror(-rc));
		close(c->dirfd);
		free(c);
		return rc;
	}
	pthread_setname_np(c->thread, "rg-checkpoint"); /* top -H, perf */
	*out = c;
	return 0;
}

void rg_checkpointer_stop(struct rg_checkpointer *c, bool final)
{
	if (c == NULL)
		return;
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(c->thread, NULL);
	if (final)
		finish(c);
	shadow_free(c);
	close(c->dirfd);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

bool rg_checkpointer_take(struct rg_checkpointer *c, struct rg_jbody_checkpoint *out)
{
	bool got = false;

	if (c == NULL || pthread_mutex_trylock(&c->mu) != 0)
		return false; /* busy writing one: the next heartbeat takes it */
	if (c->last_gen != c->taken_gen) {
		*out = c->last;
		c->taken_gen = c->last_gen;
		got = true;
	}
	pthread_mutex_unlock(&c->mu);
	return got;
}

void rg_checkpointer_stats(const struct rg_checkpointer *c, struct rg_checkpointer_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	out->written = __atomic_load_n(&c->stats.written, __ATOMIC_ACQUIRE);
	out->anchor_seq = __atomic_load_n(&c->stats.anchor_seq, __ATOMIC_RELAXED);
	out->failures = __atomic_load_n(&c->stats.failures, __ATOMIC_RELAXED);
	out->stopped_on_error = __atomic_load_n(&c->stats.stopped_on_error, __ATOMIC_ACQUIRE);
	out->applied_seq = __atomic_load_n(&c->applied_seq, __ATOMIC_RELAXED);
	uint64_t written = rg_journal_written(c->journal);
	out->behind = written > out->applied_seq ? written - out->applied_seq : 0;
}
