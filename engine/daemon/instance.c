/*
 * Instance lifecycle: who owns an instance's shared memory, and how it is
 * created and torn down.
 *
 * One engine per instance is enforced with flock on "/rg.<instance>.lock": the
 * kernel drops the lock when its holder dies, so a lock we can take while
 * segments exist proves those segments belong to a crashed engine, and they
 * are reclaimed (unlinked and created afresh).  Strategies keep nothing across
 * an engine restart but their session name; they reopen.
 */
#include "instance.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owned_file.h"

static int take_instance_lock(struct rg_instance *in, char *err, size_t errlen)
{
	char name[RG_SEG_NAME_MAX];
	struct rg_seg_map old;

	snprintf(name, sizeof(name), RG_SEG_PREFIX "%s.lock", in->name);
	static const struct rg_owned_rule lock_rule = {"instance lock", S_IFREG, false, 0022};
	int rc;

	in->lock_fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (in->lock_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(-rc));
		return rc;
	}
	/* Another user could have created the lock before us: taking the lock
	 * on a file she owns would let her hold it, or take it, when she likes. */
	rc = rg_owned_check_fd(in->lock_fd, name, &lock_rule, err, errlen);
	if (rc != 0) {
		close(in->lock_fd);
		in->lock_fd = -1;
		return rc;
	}
	if (flock(in->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (rg_seg_attach(&old, in->name, NULL, false, NULL, 0) == 0) {
		snprintf(err, errlen, "instance '%s' is already served by engine pid %d", in->name,
			 (int)rg_seg_header_of(&old)->creator_pid);
		rg_seg_detach(&old);
	} else {
		snprintf(err, errlen, "instance '%s' is already served by another engine", in->name);
	}
	close(in->lock_fd);
	in->lock_fd = -1;
	return -EBUSY;
}

/* The owner a leftover "rg.<instance>.<rest>" of this engine can have: the
 * engine's user, or for a session of a configured strategy its owner. */
static bool leftover_owner_ok(const struct rg_config *cfg, const char *rest, uid_t uid)
{
	if (uid == geteuid())
		return true;
	if (strncmp(rest, "s.", 2) != 0)
		return false;
	for (uint32_t i = 0; i < cfg->n_strategies; i++)
		if (strcmp(rest + 2, cfg->strategies[i].name) == 0)
			return cfg->strategies[i].owner_uid != (uid_t)-1 && uid == cfg->strategies[i].owner_uid;
	return false;
}

/* Unlinks every "/rg.<instance>.*" segment except the lock, the journal ring
 * (it may hold records not yet in a file: the next writer stores them) and the
 * kill segment (kills outlive the engine): leftovers of a crashed engine,
 * including sessions of strategies no longer configured.  A segment under the
 * instance's name that this engine could not have made (owned by another
 * user) is not a leftover: strategies may have talked to whoever made it, so
 * the start is refused with its name and owner rather than the segment
 * quietly replaced.  Returns 0 or -EPERM with err set. */
static int reclaim_leftovers(struct rg_instance *in, const struct rg_config *cfg, char *err, size_t errlen)
{
	char prefix[RG_SEG_NAME_MAX], lock[RG_SEG_NAME_MAX], journal[RG_SEG_NAME_MAX], kill[RG_SEG_NAME_MAX];
	char path[sizeof(((struct dirent *)0)->d_name) + 2];
	struct dirent *d;
	struct stat st;
	DIR *dir = opendir("/dev/shm");
	int rc = 0;

	if (dir == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "rg.%s.", in->name);
	snprintf(lock, sizeof(lock), "rg.%s.lock", in->name);
	snprintf(journal, sizeof(journal), "rg.%s.journal", in->name);
	snprintf(kill, sizeof(kill), "rg.%s.kill", in->name);
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, prefix, strlen(prefix)) != 0 || strcmp(d->d_name, lock) == 0 ||
		    strcmp(d->d_name, journal) == 0 || strcmp(d->d_name, kill) == 0)
			continue;
		if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone meanwhile */
		if (!S_ISREG(st.st_mode) || !leftover_owner_ok(cfg, d->d_name + strlen(prefix), st.st_uid)) {
			snprintf(err, errlen,
				 "/dev/shm/%s: a segment under this instance's name that this engine did not make "
				 "(owned by uid %u, mode %04o): another user may be posing as the engine; refusing to start "
				 "(check who created it, remove it, start again)",
				 d->d_name, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			rc = -EPERM;
			break;
		}
		snprintf(path, sizeof(path), "/%s", d->d_name);
		if (shm_unlink(path) == 0)
			in->reclaimed = true;
	}
	closedir(dir);
	return rc;
}

static void publish_symbols(struct rg_instance *in, const struct rg_config *cfg)
{
	for (uint32_t i = 0; i < cfg->n_symbols; i++) {
		const struct rg_symbol_cfg *s = &cfg->symbols[i];
		struct rg_symbol_entry *e = &in->symbols[i];

		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", s->name);
		e->id = i;
		e->enabled = s->enabled;
		e->market_allowed = s->market_allowed;
		e->tick_e8 = s->tick_e8;
		e->lot_e8 = s->lot_e8;
		e->min_qty_e8 = s->min_qty_e8;
	}
	/* Pairs with the acquire load of symbol_count in rg_client_symbol_id. */
	__atomic_store_n(&in->ctl->symbol_count, cfg->n_symbols, __ATOMIC_RELEASE);
}

/* Reports a session's live orders may still owe (an ack and a final report
 * each), plus room for what a burst and the venue events in flight add:
 * the backlog never has to drop one (engine.c, push_report). */
static uint64_t backlog_capacity(const struct rg_strategy_cfg *st)
{
	uint64_t want = 2ull * (st->max_open_orders != 0 ? st->max_open_orders : 4096u) + 256u, cap = 256;

	while (cap < want)
		cap <<= 1;
	return cap;
}

static int create_session_segment(struct rg_instance *in, const struct rg_config *cfg, uint16_t idx, char *err,
				  size_t errlen)
{
	const struct rg_strategy_cfg *st = &cfg->strategies[idx];
	struct rg_session *s = &in->sessions[idx];
	struct rg_seg_perms perms = {st->owner_uid, st->owner_gid, st->mode, cfg->lock_memory};
	int rc;

	rc = rg_seg_create(&s->map, in->name, st->name, st->order_ring_capacity, st->report_ring_capacity, 0, &perms,
			   err, errlen);
	if (rc != 0)
		return rc;
	s->peer = (struct rg_session_peer *)((char *)s->map.base + s->map.layout.peer_off);
	rc = rg_ring_attach(&s->orders, (char *)s->map.base + s->map.layout.order_off, st->order_ring_capacity);
	if (rc == 0)
		rc = rg_ring_attach(&s->reports, (char *)s->map.base + s->map.layout.report_off,
				    st->report_ring_capacity);
	if (rc != 0)
		snprintf(err, errlen, "session '%s': ring setup failed", st->name);
	return rc;
}

static int open_session(struct rg_instance *in, const struct rg_config *cfg, uint16_t idx, char *err,
			size_t errlen)
{
	const struct rg_strategy_cfg *st = &cfg->strategies[idx];
	struct rg_session *s = &in->sessions[idx];
	uint64_t cap = backlog_capacity(st);

	s->strategy = idx;
	snprintf(s->name, sizeof(s->name), "%s", st->name);
	s->revoked = 0;
	s->next_report_seq = 1;
	/* calloc: the pages are only committed as reports actually wait. */
	s->backlog = calloc(cap, sizeof(*s->backlog));
	if (s->backlog == NULL) {
		snprintf(err, errlen, "session '%s': cannot allocate its report backlog (%llu reports)", st->name,
			 (unsigned long long)cap);
		return -ENOMEM;
	}
	s->backlog_mask = cap - 1;
	s->backlog_head = s->backlog_tail = 0;
	return create_session_segment(in, cfg, idx, err, errlen);
}

int rg_instance_reopen_session(struct rg_instance *in, const struct rg_config *cfg, uint16_t idx, char *err,
			       size_t errlen)
{
	struct rg_session *s = &in->sessions[idx];
	struct rg_seg_map old = s->map;
	int rc;

	/* The truncated segment's name goes first: a strategy that kept it open
	 * keeps its (dead) mapping; a new open finds the new segment. */
	rc = rg_seg_unlink(in->name, s->name);
	if (rc != 0 && rc != -ENOENT) {
		snprintf(err, errlen, "session '%s': cannot remove the truncated segment: %s", s->name, strerror(-rc));
		return rc;
	}
	rc = create_session_segment(in, cfg, idx, err, errlen);
	if (rc != 0) {
		s->map = old; /* still revoked: the zero mapping stays where the SIGBUS guard put it */
		return rc;
	}
	rg_seg_detach(&old);
	rg_seg_publish_ready(&s->map);
	__atomic_store_n(&s->revoked, 0, __ATOMIC_RELAXED);
	s->revoked_seen = false;
	return 0;
}

int rg_instance_open(struct rg_instance *in, const struct rg_config *cfg, char *err, size_t errlen)
{
	struct rg_seg_perms perms = {(uid_t)-1, cfg->control_gid, cfg->control_mode, cfg->lock_memory};
	int rc;

	memset(in, 0, sizeof(*in));
	in->lock_fd = -1;
	in->control.fd = -1;
	snprintf(in->name, sizeof(in->name), "%s", cfg->instance);
	rc = take_instance_lock(in, err, errlen);
	if (rc != 0)
		return rc;
	rc = reclaim_leftovers(in, cfg, err, errlen);
	if (rc != 0)
		goto fail;
	rc = rg_seg_create(&in->control, in->name, NULL, 0, 0, cfg->n_symbols, &perms, err, errlen);
	if (rc != 0)
		goto fail;
	in->control_header = rg_seg_header_of(&in->control);
	in->ctl = (struct rg_control *)((char *)in->control.base + in->control.layout.control_off);
	in->symbols = (struct rg_symbol_entry *)((char *)in->control.base + in->control.layout.symbols_off);
	in->market = (struct rg_symbol_market *)((char *)in->control.base + in->control.layout.market_off);
	publish_symbols(in, cfg);
	for (uint16_t i = 0; i < cfg->n_strategies; i++) {
		rc = open_session(in, cfg, i, err, errlen);
		if (rc != 0)
			goto fail;
		in->n_sessions = i + 1u;
	}
	rg_seg_publish_ready(&in->control);
	return 0;
fail:
	rg_instance_close(in);
	return rc;
}

void rg_instance_publish_sessions(struct rg_instance *in)
{
	for (uint32_t i = 0; i < in->n_sessions; i++)
		if (!__atomic_load_n(&in->sessions[i].revoked, __ATOMIC_RELAXED))
			rg_seg_publish_ready(&in->sessions[i].map);
}

void rg_instance_close(struct rg_instance *in)
{
	for (uint32_t i = 0; i < in->n_sessions; i++) {
		struct rg_session *s = &in->sessions[i];

		if (s->map.base == NULL)
			continue;
		if (!s->revoked)
			rg_seg_mark_closed(&s->map);
		rg_seg_detach(&s->map);
		rg_seg_unlink(in->name, s->name);
	}
	for (uint32_t i = 0; i < RG_MAX_STRATEGIES; i++) {
		free(in->sessions[i].backlog);
		in->sessions[i].backlog = NULL;
	}
	in->n_sessions = 0;
	if (in->control.base != NULL) {
		__atomic_store_n(&in->ctl->engine_state, (uint32_t)RG_ENGINE_STOPPED, __ATOMIC_RELEASE);
		rg_seg_mark_closed(&in->control);
		rg_seg_detach(&in->control);
		rg_seg_unlink(in->name, NULL);
	}
	if (in->lock_fd >= 0)
		close(in->lock_fd);
	in->lock_fd = -1;
}

void rg_instance_heartbeat(struct rg_instance *in, uint64_t now_ns)
{
	__atomic_store_n(&in->control_header->heartbeat_ns, now_ns, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < in->n_sessions; i++) {
		struct rg_seg_header *h = rg_seg_header_of(&in->sessions[i].map);
		if (__atomic_load_n(&in->sessions[i].revoked, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&h->heartbeat_ns, now_ns, __ATOMIC_RELAXED);
		__atomic_store_n(&h->next_report_seq, in->sessions[i].next_report_seq, __ATOMIC_RELAXED);
	}
}
