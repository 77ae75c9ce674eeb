/*
 * checkpoint_callgrind: the checkpoint thread's cost per journal record, for
 * instruction counts under valgrind (not a bench/run program: no timing).
 * engine_lab's engine (dry-run venue, journal and checkpoints on) decides N
 * orders on the calling thread, 32 a pass (its own thread paused); the
 * journal writer writes them and the checkpoint thread (checkpointer.c)
 * follows the day file, reading each block back and replaying its records
 * into its shadow state.  The driver waits until the thread has applied
 * every record written, then stops the engine (the stop writes the last
 * checkpoint).  Everything the thread's catch-up does (reading, checking,
 * hashing where it hashes, replaying) runs under catch_up:
 *
 *   valgrind --tool=callgrind --toggle-collect='catch_up*' \
 *       --callgrind-out-file=/tmp/ckpt.cg checkpoint_callgrind 100000
 *   callgrind_annotate --inclusive=yes /tmp/ckpt.cg | head -30
 * Per record: the total Ir / the records it prints.  (valgrind has neither
 * AVX-512 nor the SHA extensions: hashing runs through OpenSSL there, which
 * costs more instructions than the lanes the CPU uses.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "checkpointer.h"
#include "engine_lab.h"
#include "engine_state.h"

static uint64_t clock_ns;

/* 32 orders into the session's ring and the passes that decide them. */
static int one_burst(struct rgb_engine_lab *lab)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	unsigned got = 0;

	for (unsigned i = 0; i < 32; i++) {
		rgb_engine_lab_order(&batch[i], ++lab->next_id);
		batch[i].kind = RG_ORDER_NEW;
	}
	if (rg_ring_push_burst_spsc(&lab->client.orders, batch, 32) != 32)
		return -1;
	for (int spins = 0; got < 32 && spins < 100000; spins++) {
		unsigned n;
		rg_engine_poll(lab->engine, clock_ns += 1000);
		n = rg_client_poll(&lab->client, r, 64);
		for (unsigned j = 0; j < n; j++)
			got += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
	}
	return got == 32 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	struct rgb_engine_lab lab;
	struct rg_checkpointer_stats st;
	struct timespec pause = {0, 1000000};
	int rc = 1;

	if (rgb_engine_lab_open(&lab, "ckcg", 1, "") != 0)
		return 1;
	if (lab.engine->checkpointer == NULL) {
		fprintf(stderr, "checkpoint_callgrind: the engine has no checkpoint thread\n");
		goto out;
	}
	rgb_engine_lab_pause(&lab);
	clock_ns = rgb_engine_lab_now();
	for (unsigned long done = 0; done < n; done += 32) {
		if (one_burst(&lab) != 0) {
			fprintf(stderr, "checkpoint_callgrind: a decision went missing\n");
			goto out;
		}
		while (rg_journal_admit(&lab.engine->journal, 4096) == false) /* the writer catches up */
			nanosleep(&pause, NULL);
	}
	/* Until the writer has written everything and the thread applied it. */
	for (;;) {
		rg_checkpointer_stats(lab.engine->checkpointer, &st);
		if (rgb_engine_lab_journal_caught_up(&lab) && st.behind == 0 && st.applied_seq != 0)
			break;
		nanosleep(&pause, NULL);
	}
	printf("checkpoint thread applied every record below sequence %llu (%lu orders decided)\n",
	       (unsigned long long)st.applied_seq, n);
	rc = 0;
out:
	rgb_engine_lab_close(&lab);
	return rc;
}
