/*
 * journal_tail INSTANCE [EVENT_TYPE]: prints the records still held in a
 * running engine's journal ring, one JSON object a line (the export's
 * format, docs/audit.md), optionally only those of one event_type.  Lets
 * the integration tests see what the engine journaled without a writer.
 * Exit 0, or 2 when the ring cannot be attached.
 */
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "journal_ring.h"

int main(int argc, char **argv)
{
	struct rg_journal j;
	char err[256];
	uint64_t head, from;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: journal_tail INSTANCE [EVENT_TYPE]\n");
		return 2;
	}
	if (rg_journal_attach_readonly(&j, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "journal_tail: %s\n", err);
		return 2;
	}
	head = rg_journal_next_seq(&j);
	from = rg_journal_written(&j);
	if (head - from > j.mask + 1)
		from = head - (j.mask + 1);
	for (uint64_t pos = from; pos < head; pos++) {
		const struct rg_jrec *r = rg_journal_peek(&j, pos);
		json_t *o;

		if (r == NULL || (argc == 3 && strcmp(rg_jrec_event_type(r), argv[2]) != 0))
			continue;
		o = rg_jrec_to_json(r, NULL);
		if (o == NULL)
			continue;
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(o);
	}
	rg_journal_close(&j);
	return 0;
}
