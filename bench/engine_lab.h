/*
 * A real riskgate engine for the benchmarks that time a strategy's view of
 * it (e2e_bench, kill_bench): engine/daemon's runtime on its own instance,
 * configured from JSON like the daemon, with a dry-run sim venue (an approved
 * order is decided, answered and released without waiting on a venue), its
 * hot thread pinned to one core, a journal and its log in a scratch
 * directory (so that its lines do not crowd the benchmark's output), and one
 * strategy session ("bench") opened through <riskgate/client.h>.
 */
#ifndef RGB_ENGINE_LAB_H
#define RGB_ENGINE_LAB_H

#include <pthread.h>
#include <stdint.h>

#include <riskgate/client.h>

#include "config.h"
#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rgb_engine_lab {
	struct rg_config cfg;
	struct rg_engine *engine;
	struct rg_client client; /* the strategy's session */
	uint64_t next_id;        /* the last client_order_id used (the strategy's, beside its session) */
	pthread_t thread;
	int engine_cpu;
	/* The engine thread reads it every turn: on a line of its own, or every
	 * order the strategy sends would move the line under it (false sharing
	 * with the client's state cost the engine one cross-core transfer an
	 * order, 300 ns one way in the VM's slow state, depending on heap layout). */
	int running __attribute__((aligned(64))); /* engine thread loops while set */
	char running_pad[60];
	char instance[32];
	char journal_parent[64], journal_dir[80]; /* removed at close */
	char log_path[96];       /* the engine's log lines (KILL, RESUME, ...), removed at close */
	int log_fd;
};

/*
 * Starts the engine on instance "<prefix><pid>" with its hot thread on
 * engine_cpu and opens the strategy's session.  extra_json: more top-level
 * config members, each followed by a comma (e.g. "\"redis\": {...},"), or "".
 * 0, or -1 with a message on stderr.
 */
int rgb_engine_lab_open(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json);
/* The same with engine.idle_policy `idle_policy` ("spin", "spin_yield", "spin_sleep"). */
int rgb_engine_lab_open_idle(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			     const char *idle_policy);
/* The same with the venue's own members (e.g. "\"sim\": {\"seed\": 7}" for a
 * live sim venue that acks, fills and rests orders) and more members of the
 * strategy, each followed by a comma; rgb_engine_lab_open's venue is
 * "\"dry_run\": true", its strategy has none. */
int rgb_engine_lab_open_venue(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			      const char *venue_json, const char *strategy_json);
/* All of the above: idle policy, venue members, strategy members. */
int rgb_engine_lab_open_with(struct rgb_engine_lab *lab, const char *prefix, int engine_cpu, const char *extra_json,
			     const char *idle_policy, const char *venue_json, const char *strategy_json);
void rgb_engine_lab_close(struct rgb_engine_lab *lab);

/*
 * Stops the engine as the daemon does on SIGTERM (drain, close), with the
 * day's journal written out, and opens it again on the same config and
 * journal: *records the records journaled when it stopped, *open_ns how
 * long the new rg_engine_open took (the replay of the day's journal
 * included) until RUNNING.  The strategy's session is opened again.  0, or
 * -1 with a message on stderr.
 */
int rgb_engine_lab_restart(struct rgb_engine_lab *lab, uint64_t *records, uint64_t *open_ns);

/* Stops / restarts the engine thread (so another loop can use its core). */
void rgb_engine_lab_pause(struct rgb_engine_lab *lab);
void rgb_engine_lab_resume(struct rgb_engine_lab *lab);

/* True when the journal writer has written every record appended so far
 * (callable from any thread while the engine runs). */
bool rgb_engine_lab_journal_caught_up(const struct rgb_engine_lab *lab);

/* An order the lab's config approves (1 AAPL at 190.00, IOC), numbered id. */
void rgb_engine_lab_order(struct rg_order *o, uint64_t id);

/* Zeroed memory aligned to a cache line, for a struct holding a lab (its
 * `running` flag is line-aligned; calloc aligns to 16); free() frees it. */
void *rgb_lab_zalloc(size_t size);

/* CLOCK_MONOTONIC in ns, the clock the engine runs on. */
uint64_t rgb_engine_lab_now(void);

#ifdef __cplusplus
}
#endif

#endif /* RGB_ENGINE_LAB_H */
