/*
 * Adapter runtime: what every venue adapter shares.  Allocates the two rings
 * between the engine and the adapter thread, starts the thread pinned away
 * from the engine's core, and stops it.  An adapter kind only supplies
 * init/run/fini (struct rg_adapter_ops); see adapters/sim.c.
 */
#include "adapter.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct rg_adapter_ops rg_sim_adapter_ops;
extern const struct rg_adapter_ops rg_fix_adapter_ops;
extern const struct rg_adapter_ops rg_rest_adapter_ops;

const struct rg_adapter_ops *rg_adapter_ops_find(uint8_t kind)
{
	switch (kind) {
	case RG_VENUE_SIM: return &rg_sim_adapter_ops;
	case RG_VENUE_FIX: return &rg_fix_adapter_ops;
	case RG_VENUE_REST: return &rg_rest_adapter_ops;
	default: return NULL;
	}
}

static void *adapter_thread(void *arg)
{
	struct rg_adapter *a = arg;

	if (a->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	a->ops->run(a);
	return NULL;
}

int rg_adapter_start(struct rg_adapter *a, const struct rg_config *cfg, uint16_t venue, int cpu, char *err,
		     size_t errlen)
{
	size_t one = rg_ring_memsize(RG_ADAPTER_RING_SLOTS);
	int rc;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->venue = venue;
	a->cpu = cpu < sysconf(_SC_NPROCESSORS_ONLN) ? cpu : -1;
	a->ops = rg_adapter_ops_find(cfg->venues[venue].kind);
	if (a->ops == NULL) {
		snprintf(err, errlen, "venue '%s': this build has no adapter of that kind", cfg->venues[venue].name);
		return -ENOTSUP;
	}
	a->ring_memory = aligned_alloc(RG_RING_GUARD, 2 * one);
	if (a->ring_memory == NULL) {
		snprintf(err, errlen, "venue '%s': cannot allocate adapter rings", cfg->venues[venue].name);
		return -ENOMEM;
	}
	rg_ring_init(a->ring_memory, RG_ADAPTER_RING_SLOTS);
	rg_ring_init((char *)a->ring_memory + one, RG_ADAPTER_RING_SLOTS);
	rg_ring_attach(&a->requests, a->ring_memory, RG_ADAPTER_RING_SLOTS);
	rg_ring_attach(&a->events, (char *)a->ring_memory + one, RG_ADAPTER_RING_SLOTS);
	rc = a->ops->init(a, err, errlen);
	if (rc != 0)
		goto fail;
	rc = -pthread_create(&a->thread, NULL, adapter_thread, a);
	if (rc != 0) {
		snprintf(err, errlen, "venue '%s': cannot start the adapter thread", cfg->venues[venue].name);
		a->ops->fini(a);
		goto fail;
	}
	return 0;
fail:
	free(a->ring_memory);
	memset(a, 0, sizeof(*a));
	return rc;
}

void rg_adapter_stop(struct rg_adapter *a)
{
	if (a->ops == NULL)
		return;
	__atomic_store_n(&a->stop, 1, __ATOMIC_RELAXED);
	pthread_join(a->thread, NULL);
	a->ops->fini(a);
	free(a->ring_memory);
	memset(a, 0, sizeof(*a));
}

bool rg_adapter_emit(struct rg_adapter *a, const struct rg_venue_event *ev)
{
	while (!rg_ring_push_spsc(&a->events, ev)) {
		if (rg_adapter_stopping(a))
			return false;
		sched_yield();
	}
	/* Pairs with the release store in rg_adapter_set_doorbell. */
	uint32_t *bell = __atomic_load_n(&a->doorbell, __ATOMIC_ACQUIRE);
	if (bell != NULL)
		rg_doorbell_ring(a->engine_asleep, bell, 1);
	return true;
}
