/*
 * Prints the records still held in an instance's journal ring as JSON
 * lines, in the format of `riskctl audit export --jsonl`: for end-to-end
 * tests of what the engine appends, before (or regardless of whether) a
 * writer has put them in a day file.  A slot holds its record until the
 * producer laps the ring, so every record of a short test is there.
 *
 *   journal_ring_export INSTANCE [EVENT_TYPE]
 *
 * Exit 0 after printing (possibly nothing), 1 when the ring cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "export.h"
#include "journal.h"

int main(int argc, char **argv)
{
	struct rg_journal j;
	struct rg_jnames *names;
	char err[256];
	uint64_t head, first, cap;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: journal_ring_export INSTANCE [EVENT_TYPE]\n");
		return 2;
	}
	if (rg_journal_attach_readonly(&j, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "journal_ring_export: %s\n", err);
		return 1;
	}
	names = rg_jnames_new();
	head = rg_journal_next_seq(&j);
	cap = j.mask + 1;
	first = head > cap ? head - cap : 1;
	for (uint64_t seq = first; seq < head; seq++) {
		const struct rg_jrec *rec = rg_journal_peek(&j, seq);
		struct rg_jrec parts[2];
		unsigned np;
		json_t *o;

		if (rec == NULL)
			continue; /* reserved by the producer, not yet published */
		rg_jnames_learn(names, rec);
		np = rg_jrec_split(rec, parts); /* an ORDER_DECIDED: its two events */
		for (unsigned k = 0; k < np; k++) {
			if (argc == 3 && strcmp(rg_jrec_event_type(&parts[k]), argv[2]) != 0)
				continue;
			o = rg_jrec_to_json(&parts[k], names);
			if (o == NULL)
				continue;
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		}
	}
	rg_jnames_free(names);
	rg_journal_close(&j);
	return 0;
}
