/*
 * Two threads on one journal ring, the variant ThreadSanitizer can see: the
 * producer appends records whose bytes follow from their sequence as fast as
 * the ring lets it (retrying when full), the consumer checks every record's
 * sequence and content as the writer does and publishes `written` in
 * batches.  Exits 0 when every record arrived once, in order and intact.
 *
 *   journal_ring_race [RECORDS]
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>

#include "journal_test_util.h"

static struct jt g_t;
static uint64_t g_records;
static int g_failed;

static void *producer(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < g_records; i++)
		while (!jt_append_seq(&g_t.j))
			sched_yield();
	return NULL;
}

static void *consumer(void *arg)
{
	uint64_t pos = 1, end = 1 + g_records;
	struct rg_jrec copy;

	(void)arg;
	while (pos < end) {
		const struct rg_jrec *r = rg_journal_peek(&g_t.j, pos);
		if (r == NULL) {
			rg_journal_publish_written(&g_t.j, pos);
			sched_yield();
			continue;
		}
		memcpy(&copy, r, sizeof(copy));
		if (copy.h.seq != pos || !jt_check_seq(&copy)) {
			fprintf(stderr, "journal_ring_race: record %" PRIu64 " wrong (seq %" PRIu64 ")\n", pos, copy.h.seq);
			__atomic_store_n(&g_failed, 1, __ATOMIC_RELAXED);
			exit(1);
		}
		pos++;
		if ((pos & 63) == 0)
			rg_journal_publish_written(&g_t.j, pos);
	}
	rg_journal_publish_written(&g_t.j, pos);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t p, c;

	g_records = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	jt_init(&g_t, "race");
	if (jt_open_ring(&g_t, 1024) != 0)
		return 1;
	pthread_create(&c, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	if (rg_journal_next_seq(&g_t.j) != 1 + g_records || rg_journal_written(&g_t.j) != 1 + g_records) {
		fprintf(stderr, "journal_ring_race: head %" PRIu64 " written %" PRIu64 ", want %" PRIu64 "\n",
			rg_journal_next_seq(&g_t.j), rg_journal_written(&g_t.j), 1 + g_records);
		g_failed = 1;
	}
	jt_fini(&g_t);
	if (!g_failed)
		printf("journal_ring_race: %" PRIu64 " records in order and intact\n", g_records);
	return g_failed;
}
