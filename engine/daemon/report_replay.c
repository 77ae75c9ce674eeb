/*
 * Replays of a session's reports from the journal (report_replay.h).  The
 * replay thread does the file work on the cold core; the engine thread only
 * hands requests over on its heartbeat tick and moves finished reports into
 * the session's report path, so a replayed report is ordered with the live
 * ones and held, like them, while the strategy's ring is full.
 *
 * A session's report numbers grow with the journal's sequence (a number is
 * taken right before the record that carries it is appended), so the first
 * record about a strategy in a day file, or its NAME record there, tells
 * from which number on that file has its reports; the search goes back
 * through the day files until one starts at or before the first number asked.
 */
#include "report_replay.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "day_files.h"
#include "engine_state.h"
#include "journal.h"

/* ---- records back into reports ------------------------------------------ */

bool rg_report_of_record(const struct rg_jrec *rec, struct rg_report *out)
{
	if (rec->h.type == RG_JREC_ORDER_DECIDED) { /* format 4: the decision half */
		struct rg_jrec parts[2];
		rg_jrec_split(rec, parts);
		return rg_report_of_record(&parts[1], out);
	}
	memset(out, 0, sizeof(*out));
	out->flags = RG_REPORT_F_REPLAYED;
	out->report_seq = rg_jrec_report_seq(rec);
	if (out->report_seq == 0)
		return false;
	switch (rec->h.type) {
	case RG_JREC_DECISION: {
		const struct rg_jbody_decision *d = &rec->u.decision;
		out->client_order_id = d->client_order_id;
		out->symbol_id = d->symbol;
		if (d->reason == RG_REJ_NONE) {
			out->kind = RG_REPORT_ACCEPTED;
			out->engine_seq = d->engine_seq;
		} else {
			out->kind = RG_REPORT_REJECTED;
			out->reason = d->reason;
			out->reject.limit = d->limit;
			out->reject.value = d->value;
		}
		return true;
	}
	case RG_JREC_VENUE_ACK:
		out->kind = RG_REPORT_VENUE_ACK;
		out->client_order_id = rec->u.ack.client_order_id;
		out->engine_seq = rec->u.ack.engine_seq;
		out->symbol_id = rec->u.ack.symbol;
		return true;
	case RG_JREC_FILL:
		out->kind = RG_REPORT_FILL;
		out->client_order_id = rec->u.fill.client_order_id;
		out->engine_seq = rec->u.fill.engine_seq;
		out->symbol_id = rec->u.fill.symbol;
		out->fill.qty_e8 = rec->u.fill.qty_e8;
		out->fill.price_e8 = rec->u.fill.price_e8;
		out->fill.leaves_e8 = rec->u.fill.leaves_e8;
		return true;
	case RG_JREC_CANCELLED:
		out->kind = RG_REPORT_CANCELLED;
		out->client_order_id = rec->u.cancelled.client_order_id;
		out->engine_seq = rec->u.cancelled.engine_seq;
		out->symbol_id = rec->u.cancelled.symbol;
		return true;
	case RG_JREC_REPLACED:
		out->kind = RG_REPORT_REPLACED;
		out->client_order_id = rec->u.replaced.client_order_id;
		out->engine_seq = rec->u.replaced.engine_seq;
		out->symbol_id = rec->u.replaced.symbol;
		out->fill.qty_e8 = rec->u.replaced.qty_e8;
		out->fill.price_e8 = rec->u.replaced.price_e8;
		out->fill.leaves_e8 = rec->u.replaced.leaves_e8;
		return true;
	case RG_JREC_REPLACE_REJECT:
	case RG_JREC_VENUE_REJECT:
		out->kind = rec->h.type == RG_JREC_REPLACE_REJECT ? RG_REPORT_REPLACE_REJECTED : RG_REPORT_VENUE_REJECT;
		out->client_order_id = rec->u.venue_reject.client_order_id;
		out->engine_seq = rec->u.venue_reject.engine_seq;
		out->symbol_id = rec->u.venue_reject.symbol;
		out->reject.value = rec->u.venue_reject.venue_code;
		if (rec->h.type == RG_JREC_REPLACE_REJECT && rec->u.venue_reject.unknown)
			out->reason = RG_REJ_REPLACE_OUTCOME_UNKNOWN; /* settled after a restart (engine_recovery.c) */
		return true;
	default:
		return false;
	}
}

/* ---- the replay thread ---------------------------------------------------- */

static bool stopping(const struct rg_report_replay *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED) != 0;
}

static void nap_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* Hands one report to the engine thread, waiting while the queue is full. */
static bool emit(struct rg_report_replay *r, const struct rg_report *rep)
{
	while (!rg_ring_push_spsc(&r->reports, rep)) {
		if (stopping(r))
			return false;
		nap_us(200);
	}
	return true;
}

/* The lowest report number of `session` day file `day` has (from its first
 * record about the strategy or its NAME record), or 0 when it has none. */
static uint64_t first_number_in(const struct rg_report_replay *r, int dirfd, int64_t day, uint32_t session)
{
	char name[RG_JFILE_NAME_MAX], err[256];
	struct rg_jreader *rd;
	const struct rg_jrec *rec;
	uint64_t first = 0;

	if (rg_jfile_name(name, sizeof(name), day) != 0 || rg_jreader_openat(&rd, dirfd, name, err, sizeof(err)) != 0)
		return 0;
	while (first == 0 && !stopping(r) && rg_jreader_next(rd, &rec) > 0) {
		if (rec->h.type == RG_JREC_NAME && rec->u.name.what == RG_JNAME_STRATEGY && rec->u.name.index == session)
			first = rec->u.name.next_report_seq;
		else if (rec->h.strategy == session)
			first = rg_jrec_report_seq(rec);
	}
	rg_jreader_close(rd);
	return first;
}

/* Reads day file `day` forward, emitting the session's reports numbered
 * from..to; *found counts them, *last the highest number met.  False when
 * the thread is stopping. */
static bool replay_file(struct rg_report_replay *r, int dirfd, int64_t day, const struct rg_replay_request *q,
			uint64_t *found, uint64_t *last)
{
	char name[RG_JFILE_NAME_MAX], err[256];
	struct rg_jreader *rd;
	const struct rg_jrec *rec;
	struct rg_report rep;
	bool ok = true;

	if (rg_jfile_name(name, sizeof(name), day) != 0 || rg_jreader_openat(&rd, dirfd, name, err, sizeof(err)) != 0)
		return true; /* gone (retention): what it held is simply not found */
	while (ok && *last < q->to && rg_jreader_next(rd, &rec) > 0) {
		uint64_t seq;
		if (stopping(r)) {
			ok = false;
			break;
		}
		if (rec->h.strategy != q->session || (seq = rg_jrec_report_seq(rec)) == 0)
			continue;
		if (seq > *last)
			*last = seq;
		if (seq < q->from || seq > q->to || !rg_report_of_record(rec, &rep))
			continue;
		ok = emit(r, &rep);
		(*found)++;
	}
	rg_jreader_close(rd);
	return ok;
}

static void serve(struct rg_report_replay *r, const struct rg_replay_request *q)
{
	int dirfd = rg_journal_writer_dirfd(r->writer);
	int64_t days[RG_REPLAY_MAX_FILES], day = INT64_MAX;
	uint64_t found = 0, last = 0, wanted = q->to >= q->from ? q->to - q->from + 1 : 0;
	unsigned n = 0;
	struct rg_report done;

	/* Every record up to the request must be in a file (the writer is
	 * usually a block behind); a writer that cannot write leaves the rest
	 * unreadable, and the replay says it is incomplete. */
	for (unsigned waited = 0; rg_journal_written(r->journal) < q->journal_head && waited < 5000 && !stopping(r);
	     waited++)
		nap_us(1000);
	/* Day files from the newest back, until one starts at or before `from`. */
	while (wanted != 0 && n < RG_REPLAY_MAX_FILES && rg_jdir_latest(dirfd, day, &day) == 1) {
		uint64_t first = first_number_in(r, dirfd, day, q->session);
		days[n++] = day;
		if ((first != 0 && first <= q->from) || day == INT64_MIN)
			break;
		day--;
	}
	while (n > 0 && last < q->to && replay_file(r, dirfd, days[--n], q, &found, &last))
		;
	memset(&done, 0, sizeof(done));
	done.kind = RG_REPORT_REPLAY_DONE;
	done.client_order_id = q->id;
	done.engine_seq = found;
	done.reject.limit = (int64_t)q->from;
	done.reject.value = (int64_t)q->to;
	done.reason = found == wanted ? 0 : RG_REJ_REPLAY_INCOMPLETE;
	emit(r, &done);
}

static void *replay_main(void *arg)
{
	struct rg_report_replay *r = arg;
	struct rg_replay_request q;

	if (r->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(r->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!stopping(r)) {
		if (rg_ring_pop_spsc(&r->requests, &q))
			serve(r, &q);
		else
			nap_us(2000);
	}
	return NULL;
}

int rg_report_replay_start(struct rg_report_replay *r, const struct rg_config *cfg, struct rg_journal *journal,
			   struct rg_journal_writer *writer, int cpu, char *err, size_t errlen)
{
	size_t a = rg_ring_memsize(RG_REPLAY_REQUESTS), b = rg_ring_memsize(RG_REPLAY_QUEUE);
	int rc;

	r->ring_memory = aligned_alloc(RG_RING_GUARD, a + b);
	if (r->ring_memory == NULL) {
		snprintf(err, errlen, "cannot allocate the report replay queues");
		return -ENOMEM;
	}
	rg_ring_init(r->ring_memory, RG_REPLAY_REQUESTS);
	rg_ring_init((char *)r->ring_memory + a, RG_REPLAY_QUEUE);
	rg_ring_attach(&r->requests, r->ring_memory, RG_REPLAY_REQUESTS);
	rg_ring_attach(&r->reports, (char *)r->ring_memory + a, RG_REPLAY_QUEUE);
	r->cfg = cfg;
	r->journal = journal;
	r->writer = writer;
	r->cpu = cpu;
	r->stop = 0;
	rc = -pthread_create(&r->thread, NULL, replay_main, r);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the report replay thread: %s", strerror(-rc));
		free(r->ring_memory);
		r->ring_memory = NULL;
		return rc;
	}
	r->started = true;
	return 0;
}

void rg_report_replay_stop(struct rg_report_replay *r)
{
	if (r->started) {
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
		pthread_join(r->thread, NULL);
		r->started = false;
	}
	free(r->ring_memory);
	r->ring_memory = NULL;
}

/* ---- the engine thread's side --------------------------------------------- */

void rg_report_replay_tick(struct rg_engine *e)
{
	struct rg_report_replay *r = &e->replay;

	if (!r->started)
		return;
	for (uint32_t i = 0; i < e->inst.n_sessions; i++) {
		struct rg_session *s = &e->inst.sessions[i];
		struct rg_replay_request q;
		uint32_t req;

		if (__atomic_load_n(&s->revoked, __ATOMIC_RELAXED))
			continue;
		/* Pairs with the release increment in rg_client_request_replay. */
		req = __atomic_load_n(&s->peer->replay_request, __ATOMIC_ACQUIRE);
		if (req == r->seen[i] || r->order_head - r->order_tail == RG_REPLAY_REQUESTS)
			continue;
		memset(&q, 0, sizeof(q));
		q.from = __atomic_load_n(&s->peer->replay_from, __ATOMIC_RELAXED);
		q.to = __atomic_load_n(&s->peer->replay_to, __ATOMIC_RELAXED);
		/* The strategy's words: held to what exists and to a sane size. */
		if (q.from == 0)
			q.from = 1;
		if (q.to >= s->next_report_seq)
			q.to = s->next_report_seq - 1;
		if (q.to >= q.from && q.to - q.from >= RG_REPLAY_MAX_REPORTS)
			q.to = q.from + RG_REPLAY_MAX_REPORTS - 1;
		q.journal_head = rg_journal_next_seq(&e->journal);
		q.session = i;
		q.id = req;
		if (!rg_ring_push_spsc(&r->requests, &q))
			continue; /* the thread is behind: the next tick tries again */
		r->seen[i] = req;
		r->order[r->order_head++ % RG_REPLAY_REQUESTS] = i;
	}
}

unsigned rg_report_replay_deliver(struct rg_engine *e)
{
	struct rg_report_replay *r = &e->replay;
	unsigned moved = 0;

	while (rg_report_replay_busy(r)) {
		struct rg_session *s = &e->inst.sessions[r->order[r->order_tail % RG_REPLAY_REQUESTS]];

		if (!r->have_item && !(r->have_item = rg_ring_pop_spsc(&r->reports, &r->item)))
			break;
		/* A replayed report owes nothing to the live orders' budget: it
		 * takes room only from what is left over (as a partial fill does). */
		if (!_rg_engine_report_fits(e, s, false))
			break;
		_rg_engine_push_report(e, s, &r->item);
		r->have_item = false;
		moved++;
		if (r->item.kind != RG_REPORT_REPLAY_DONE) {
			e->inst.ctl->reports_replayed++;
			continue;
		}
		/* Pairs with the acquire load in rg_client_replay_finished. */
		__atomic_store_n(&rg_seg_header_of(&s->map)->replay_done, (uint32_t)r->item.client_order_id,
				 __ATOMIC_RELEASE);
		e->inst.ctl->report_replays++;
		r->order_tail++;
	}
	return moved;
}
