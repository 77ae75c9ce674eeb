/*
 * The engine's side of the kill segment (kill_segment.h): the reader set up
 * at start, the bounded snapshot taken when the generation moved, and the
 * answers to operators' requests.  Snapshots never wait for a writer: a
 * writer mid-update makes them return -EAGAIN, and the next poll batch tries
 * again.
 */
#include "kill_segment.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kill_words.h"

static void write_result(struct rg_kill_shared *shm, uint64_t seq, int rc, const char *message)
{
	struct rg_kill_result res;

	memset(&res, 0, sizeof(res));
	res.seq = seq;
	res.time_ns = rg_clock_ns(CLOCK_REALTIME);
	res.rc = rc;
	snprintf(res.message, sizeof(res.message), "%s", message != NULL ? message : "");
	kw_store(&shm->results[(seq - 1) % RG_KILL_CMD_MAX], &res, sizeof(res));
	/* Pairs with the acquire load of cmd_done in rg_kill_result and rg_kill_request. */
	__atomic_store_n(&shm->cmd_done, seq, __ATOMIC_RELEASE);
}

int rg_kill_reader_init(struct rg_kill_reader *r, struct rg_kill_seg *s, bool discard_pending)
{
	uint64_t done, head;
	int discarded = 0;

	memset(r, 0, sizeof(*r));
	if (s->shm == NULL || !s->writable)
		return -EBADF;
	r->shm = s->shm;
	r->seen = UINT64_MAX;
	__atomic_store_n(&s->shm->engine_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	done = __atomic_load_n(&s->shm->cmd_done, __ATOMIC_ACQUIRE);
	head = __atomic_load_n(&s->shm->cmd_head, __ATOMIC_ACQUIRE);
	if (head < done || head - done > RG_KILL_CMD_MAX)
		head = done; /* corrupt counters: deliver nothing stale */
	if (discard_pending) {
		for (uint64_t q = done + 1; q <= head; q++, discarded++)
			write_result(s->shm, q, -ECANCELED, "requested while no engine was running; not applied");
		done = head;
	}
	r->cmd_taken = done;
	return discarded;
}

int rg_kill_snapshot(struct rg_kill_reader *r, struct rg_kill_snapshot *out)
{
	const struct rg_kill_shared *shm = r->shm;

	for (int tries = 0; tries < RG_KILL_SNAPSHOT_TRIES; tries++) {
		uint64_t g = __atomic_load_n(&shm->generation, __ATOMIC_ACQUIRE), head, pending;
		uint32_t n;

		if (g & 1)
			return -EAGAIN;
		n = kw_load32(&shm->n_kills);
		if (n > RG_KILL_MAX)
			n = RG_KILL_MAX;
		head = kw_load64(&shm->cmd_head);
		pending = head > r->cmd_taken ? head - r->cmd_taken : 0;
		if (pending > RG_KILL_CMD_MAX)
			pending = RG_KILL_CMD_MAX;
		kw_load(out->kills, shm->kills, n * sizeof(out->kills[0]));
		for (uint64_t i = 0; i < pending; i++)
			kw_load(&out->cmds[i], &shm->cmds[(head - pending + i) % RG_KILL_CMD_MAX], sizeof(out->cmds[0]));
		kw_load(&out->last_writer, &shm->last_writer, sizeof(out->last_writer));
		if (kw_load64(&shm->generation) != g)
			continue;
		for (uint32_t i = 0; i < n; i++) {
			out->kills[i].name[RG_KILL_NAME_MAX - 1] = '\0';
			out->kills[i].reason[RG_KILL_REASON_MAX - 1] = '\0';
		}
		for (uint64_t i = 0; i < pending; i++) {
			out->cmds[i].name[RG_KILL_NAME_MAX - 1] = '\0';
			out->cmds[i].path[RG_KILL_PATH_MAX - 1] = '\0';
		}
		out->prev_generation = r->seen;
		out->generation = g;
		out->n_kills = n;
		out->n_cmds = (uint32_t)pending;
		r->seen = g;
		r->cmd_taken = head > r->cmd_taken ? head : r->cmd_taken;
		return 0;
	}
	return -EAGAIN;
}

void rg_kill_applied(struct rg_kill_reader *r)
{
	__atomic_store_n(&r->shm->applied_generation, r->seen, __ATOMIC_RELEASE);
}

void rg_kill_command_done(struct rg_kill_reader *r, uint64_t seq, int rc, const char *message)
{
	if (seq != 0)
		write_result(r->shm, seq, rc, message);
}

const struct rg_kill_entry *rg_kill_snapshot_find(const struct rg_kill_snapshot *snap, uint8_t kind,
						  const char *name)
{
	for (uint32_t i = 0; i < snap->n_kills; i++)
		if (snap->kills[i].scope == kind && strncmp(snap->kills[i].name, name, RG_KILL_NAME_MAX) == 0)
			return &snap->kills[i];
	return NULL;
}
