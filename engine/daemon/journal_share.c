/*
 * The journal ring's fair share (journal_share.h): setting the shares up and
 * settling the sessions' pending counts against the writer's position.  The
 * admission itself is inline in the header; these two are not per order.
 */
#include "journal_share.h"

#include <string.h>

void rg_jshare_init(struct rg_jshare *sh, uint64_t capacity, uint64_t reserve, uint32_t n, uint64_t written)
{
	memset(sh, 0, sizeof(*sh));
	sh->capacity = capacity;
	sh->reserve = reserve < capacity ? reserve : capacity;
	sh->written = written;
	sh->n = n;
	for (uint32_t i = 0; i < n; i++) {
		/* Half the ring (less the reserve) is guaranteed, divided evenly;
		 * the other half is a pool for whoever needs more. */
		sh->s[i].share = (capacity - sh->reserve) / (2ull * n);
		sh->unused_total += sh->s[i].share;
	}
}

void rg_jshare_settle(struct rg_jshare *sh, struct rg_journal *j)
{
	uint64_t w = rg_journal_written(j);

	if (w == sh->written)
		return;
	sh->written = w;
	for (uint32_t i = 0; i < sh->n; i++) {
		struct rg_jshare_session *s = &sh->s[i];
		uint64_t done = 0;

		while (s->mark_tail != s->mark_head && s->marks[s->mark_tail % RG_JSHARE_MARKS].end <= w)
			done += s->marks[s->mark_tail++ % RG_JSHARE_MARKS].count;
		if (done != 0)
			_rg_jshare_set(sh, i, s->pending >= done ? s->pending - done : 0, s->owed);
	}
}
