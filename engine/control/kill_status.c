/*
 * The kill segment's side blocks (kill_segment.h): readers of the kill
 * table for riskctl and the watcher, the roster of names the engine
 * publishes, and the Redis watcher's status.  The roster and the status each
 * have a single writer and their own sequence word.
 */
#include "kill_segment.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kill_words.h"

int rg_kill_list(const struct rg_kill_seg *s, struct rg_kill_entry *out, uint32_t cap, uint32_t *n,
		 uint64_t *generation)
{
	const struct rg_kill_shared *shm = s->shm;

	for (int tries = 0; tries < RG_KILL_READ_TRIES; tries++) {
		uint64_t g = __atomic_load_n(&shm->generation, __ATOMIC_ACQUIRE);
		uint32_t k;

		if ((g & 1) == 0) {
			k = kw_load32(&shm->n_kills);
			if (k > cap)
				k = cap;
			kw_load(out, shm->kills, k * sizeof(out[0]));
			if (kw_load64(&shm->generation) == g) {
				for (uint32_t i = 0; i < k; i++) {
					out[i].name[sizeof(out[i].name) - 1] = '\0';
					out[i].reason[sizeof(out[i].reason) - 1] = '\0';
				}
				*n = k;
				if (generation != NULL)
					*generation = g;
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

int rg_kill_redis_read(const struct rg_kill_seg *s, struct rg_kill_redis *out)
{
	const struct rg_kill_redis *live = &s->shm->redis;

	for (int tries = 0; tries < RG_KILL_READ_TRIES; tries++) {
		uint32_t q = __atomic_load_n(&live->seq, __ATOMIC_ACQUIRE);
		if ((q & 1) == 0) {
			kw_load(out, live, sizeof(*out));
			if (kw_load32(&live->seq) == q) {
				out->endpoint[sizeof(out->endpoint) - 1] = '\0';
				out->last_error[sizeof(out->last_error) - 1] = '\0';
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

int rg_kill_roster_read(const struct rg_kill_seg *s, struct rg_kill_roster *out)
{
	const struct rg_kill_roster *live = &s->shm->roster;

	for (int tries = 0; tries < RG_KILL_READ_TRIES; tries++) {
		uint32_t q = __atomic_load_n(&live->seq, __ATOMIC_ACQUIRE);
		if ((q & 1) == 0) {
			kw_load(out, live, sizeof(*out));
			if (kw_load32(&live->seq) == q) {
				if (out->n_accounts > RG_KILL_ROSTER_ACCOUNTS)
					out->n_accounts = RG_KILL_ROSTER_ACCOUNTS;
				if (out->n_strategies > RG_KILL_ROSTER_STRATEGIES)
					out->n_strategies = RG_KILL_ROSTER_STRATEGIES;
				if (out->n_venues > RG_KILL_ROSTER_VENUES)
					out->n_venues = RG_KILL_ROSTER_VENUES;
				return 0;
			}
		}
		sched_yield();
	}
	return -EAGAIN;
}

static bool in_list(const char (*names)[RG_KILL_NAME_MAX], uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strncmp(names[i], name, RG_KILL_NAME_MAX) == 0)
			return true;
	return false;
}

int rg_kill_roster_check(const struct rg_kill_roster *r, const struct rg_kill_scope *scope)
{
	switch (scope->kind) {
	case RG_SCOPE_ACCOUNT: return in_list(r->accounts, r->n_accounts, scope->name) ? 0 : -ENOENT;
	case RG_SCOPE_STRATEGY: return in_list(r->strategies, r->n_strategies, scope->name) ? 0 : -ENOENT;
	case RG_SCOPE_VENUE: return in_list(r->venues, r->n_venues, scope->name) ? 0 : -ENOENT;
	default: return 0;
	}
}

/* Single-writer seqlock update of a block that starts with its uint32_t
 * sequence word: the 32 bits after it, then 64-bit words from offset 8. */
static void seq_write(uint32_t *seq, const void *value, size_t bytes)
{
	uint32_t q = kw_load32(seq);

	__atomic_store_n(seq, q | 1u, __ATOMIC_RELAXED);
	__atomic_store_n(seq + 1, ((const uint32_t *)value)[1], __ATOMIC_RELEASE);
	kw_store((char *)seq + 8, (const char *)value + 8, bytes - 8);
	__atomic_store_n(seq, (q | 1u) + 1, __ATOMIC_RELEASE);
}

int rg_kill_publish_roster(struct rg_kill_seg *s, const struct rg_config *cfg)
{
	struct rg_kill_roster *r;

	if (s->shm == NULL || !s->writable)
		return -EBADF;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->n_accounts = cfg->n_accounts < RG_KILL_ROSTER_ACCOUNTS ? cfg->n_accounts : RG_KILL_ROSTER_ACCOUNTS;
	r->n_strategies = cfg->n_strategies < RG_KILL_ROSTER_STRATEGIES ? cfg->n_strategies : RG_KILL_ROSTER_STRATEGIES;
	r->n_venues = cfg->n_venues < RG_KILL_ROSTER_VENUES ? cfg->n_venues : RG_KILL_ROSTER_VENUES;
	r->published_ns = rg_clock_ns(CLOCK_REALTIME);
	for (uint32_t i = 0; i < r->n_accounts; i++)
		snprintf(r->accounts[i], sizeof(r->accounts[i]), "%s", cfg->accounts[i].name);
	for (uint32_t i = 0; i < r->n_strategies; i++)
		snprintf(r->strategies[i], sizeof(r->strategies[i]), "%s", cfg->strategies[i].name);
	for (uint32_t i = 0; i < r->n_venues; i++)
		snprintf(r->venues[i], sizeof(r->venues[i]), "%s", cfg->venues[i].name);
	seq_write(&s->shm->roster.seq, r, sizeof(*r));
	free(r);
	return 0;
}

void rg_kill_redis_write(struct rg_kill_seg *s, const struct rg_kill_redis *status)
{
	seq_write(&s->shm->redis.seq, status, offsetof(struct rg_kill_redis, heartbeat_mono_ns));
}

void rg_kill_redis_heartbeat(struct rg_kill_seg *s, uint64_t mono_ns, uint64_t last_ok_ns)
{
	__atomic_store_n(&s->shm->redis.heartbeat_mono_ns, mono_ns, __ATOMIC_RELAXED);
	if (last_ok_ns != 0)
		__atomic_store_n(&s->shm->redis.last_ok_ns, last_ok_ns, __ATOMIC_RELAXED);
}
