/*
 * Restart loops (recovery_loops.h).  The day is filled through the real
 * order path (one ORDER_DECIDED record an order at the lab's dry-run venue
 * since journal format 4; two before, received and decided), the engine is stopped the way the daemon stops on SIGTERM
 * (drain, then close), and the same config is opened again: rg_engine_open
 * replays the day's journal file before it publishes the sessions and says
 * RUNNING, so its duration is what a restart keeps trading stopped.
 */
#include "recovery_loops.h"

#include <stdio.h>

#include "engine_lab.h"
#include "engine_recovery.h"
#include "engine_state.h"

static uint64_t journaled(const struct rgb_engine_lab *lab)
{
	return rg_journal_next_seq(&lab->engine->journal) - 1;
}

/* Orders in bursts of 32, up to 2048 in flight, until the journal holds n. */
static int fill(struct rgb_engine_lab *lab, uint64_t n)
{
	struct rg_order batch[32];
	struct rg_report r[64];
	uint64_t sent = 0, decided = 0, iter = 0, guard = rgb_engine_lab_now() + 600000000000ull;

	while (journaled(lab) < n || decided < sent) {
		if (journaled(lab) < n && sent - decided < 2048) {
			for (unsigned i = 0; i < 32; i++)
				rgb_engine_lab_order(&batch[i], ++lab->next_id);
			unsigned pushed = rg_client_submit_burst(&lab->client, batch, 32);
			lab->next_id -= 32 - pushed;
			sent += pushed;
		}
		unsigned k = rg_client_poll(&lab->client, r, 64);
		for (unsigned j = 0; j < k; j++)
			decided += r[j].kind == RG_REPORT_ACCEPTED || r[j].kind == RG_REPORT_REJECTED;
		if ((++iter & 0xffff) == 0 && rgb_engine_lab_now() > guard) {
			fprintf(stderr, "recovery_bench: the day was not journaled within 10 minutes\n");
			return -1;
		}
	}
	return 0;
}

int rgb_recovery_run(int engine_cpu, uint64_t n_records, struct rgb_recovery_result *out)
{
	struct rgb_engine_lab lab;
	int rc;

	if (rgb_engine_lab_open(&lab, "rbench", engine_cpu, "") != 0)
		return -1;
	out->every_records = lab.cfg.journal.checkpoint_every_records;
	rc = fill(&lab, n_records);
	if (rc == 0)
		rc = rgb_engine_lab_restart(&lab, &out->records, &out->restart_ns);
	if (rc == 0) {
		out->ckpt_records = lab.engine->recovery->ckpt_records;
		out->replayed = lab.engine->recovery->rec.records;
		lab.cfg.journal.checkpoint_every_records = 0; /* the next start replays the whole day */
		rc = rgb_engine_lab_restart(&lab, &out->full_records, &out->full_ns);
	}
	if (rc == 0)
		out->full_records = lab.engine->recovery->rec.records;
	rgb_engine_lab_close(&lab);
	return rc;
}
