/*
 * Risk-state checkpoints, the engine's side (risk_checkpoint.h): one walk
 * over the state a replay builds, run to size, write, check or load a body,
 * and the recovery step that picks the newest checkpoint that verifies and
 * positions the day file's reader after its anchor.
 *
 * Tables (open orders, routes) go as their count and their occupied slots
 * with slot indexes, so a body stays small when the tables are large and
 * mostly empty, and a loaded table probes exactly as the replayed one.
 */
#include "risk_checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "day_files.h"
#include "engine_journal.h"
#include "engine_recovery.h"
#include "engine_state.h"
#include "log_line.h"

enum walk_mode { W_SIZE, W_SAVE, W_CHECK, W_LOAD };

struct walk {
	enum walk_mode mode;
	unsigned char *buf; /* W_SAVE: written; W_CHECK, W_LOAD: read */
	size_t len, pos;
	bool bad;
	char why[128];
};

static void fail(struct walk *w, const char *why)
{
	if (!w->bad)
		snprintf(w->why, sizeof(w->why), "%s", why);
	w->bad = true;
}

/* Moves n bytes between p and the body, as the mode says. */
static void io(struct walk *w, void *p, size_t n)
{
	if (w->bad)
		return;
	if (w->mode == W_SIZE) {
		w->pos += n;
		return;
	}
	if (n > w->len - w->pos) {
		fail(w, "the body ends early");
		return;
	}
	if (w->mode == W_SAVE)
		memcpy(w->buf + w->pos, p, n);
	else if (w->mode == W_LOAD)
		memcpy(p, w->buf + w->pos, n);
	w->pos += n;
}

#define IO(w, field) io((w), &(field), sizeof(field))

/* A count read from the body (W_CHECK/W_LOAD) or taken from the state. */
static uint64_t io_count(struct walk *w, uint64_t have)
{
	uint64_t n = have;

	if (w->mode == W_CHECK || w->mode == W_LOAD) {
		if (!w->bad && w->len - w->pos >= sizeof(n))
			memcpy(&n, w->buf + w->pos, sizeof(n));
		else
			n = 0;
	}
	io(w, &n, sizeof(n)); /* W_LOAD copies it into n again: same value */
	return n;
}

/*
 * An open-addressed table of `cap` slots of `size` bytes whose key (the
 * first 8 bytes) is 0 when empty: its count, then each occupied slot as
 * (index, bytes).  Loading clears the table first.
 */
static void io_table(struct walk *w, void *slots, uint64_t cap, size_t size, uint64_t *count)
{
	unsigned char *s = slots;
	uint64_t n = io_count(w, *count), k, idx;

	if (n > cap) {
		fail(w, "a table holds more entries than it has slots");
		return;
	}
	if (w->mode == W_SIZE || w->mode == W_SAVE) {
		uint64_t seen = 0;
		for (k = 0; k < cap && seen < n; k++) {
			uint64_t key;
			memcpy(&key, s + k * size, sizeof(key));
			if (key == 0)
				continue;
			idx = k;
			io(w, &idx, sizeof(idx));
			io(w, s + k * size, size);
			seen++;
		}
		if (seen != n)
			fail(w, "a table's count does not match its slots");
		return;
	}
	if (w->mode == W_LOAD) {
		memset(s, 0, cap * size);
		*count = n;
	}
	for (k = 0; k < n && !w->bad; k++) {
		idx = io_count(w, 0);
		if (idx >= cap) {
			fail(w, "a table slot is out of range");
			return;
		}
		io(w, w->mode == W_LOAD ? s + idx * size : NULL, size);
	}
}

/*
 * The open orders' index, free-slot stack and handout (open_orders.h) go as
 * they are, so that a loaded table hands out the same slots and probes the
 * same entries as the replayed one (a later checkpoint is then the same
 * bytes either way).  Only the stack's live part: slots above its top are
 * written before they are read.
 */
static void io_open_order_index(struct walk *w, struct rg_open_orders *t)
{
	uint64_t cap = (uint64_t)t->mask + 1, top = io_count(w, t->free_top);
	bool moves = w->mode == W_SAVE || w->mode == W_LOAD;

	if (top > cap) {
		fail(w, "an open-order free stack is deeper than its table");
		return;
	}
	if (w->mode == W_LOAD)
		t->free_top = (uint32_t)top;
	io(w, moves ? _rg_oo_free(t, (uint32_t)top) : NULL, (size_t)top * sizeof(uint32_t));
	io(w, moves ? _rg_oo_handout(t) : NULL, sizeof(struct rg_oo_handout));
	io(w, moves ? t->index : NULL, (size_t)cap * sizeof(*t->index));
}

static void io_window(struct walk *w, struct rg_event_window *win)
{
	IO(w, win->head);
	IO(w, win->count);
	if (win->capacity != 0)
		io(w, win->ts_ns, (size_t)win->capacity * sizeof(uint64_t));
}

static void walk(struct walk *w, struct rg_engine *e)
{
	struct rg_risk *r = e->risk;
	struct rg_engine_recovery *rv = e->recovery;
	uint32_t shape[4] = {r->n_accounts, r->n_strategies, r->n_symbols, r->n_venues}, want[4];

	memcpy(want, shape, sizeof(want));
	if ((w->mode == W_CHECK || w->mode == W_LOAD) && w->len >= sizeof(shape))
		memcpy(shape, w->buf, sizeof(shape));
	io(w, shape, sizeof(shape));
	if (memcmp(shape, want, sizeof(shape)) != 0) {
		fail(w, "the state's shape differs (accounts, strategies, symbols, venues)");
		return;
	}
	IO(w, r->instance_state);
	IO(w, r->day_index);
	IO(w, r->global_gross_e8);
	for (uint32_t s = 0; s < r->n_symbols; s++)
		IO(w, r->symbols[s].state);
	io(w, r->positions, (size_t)r->n_symbols * r->n_accounts * sizeof(*r->positions));
	io(w, r->accounts, (size_t)r->n_accounts * sizeof(*r->accounts));
	for (uint32_t s = 0; s < r->n_strategies; s++) {
		struct rg_strategy_state *st = &r->strategies[s];
		uint64_t count = st->orders.count;
		IO(w, st->state);
		IO(w, st->throttle_latched);
		IO(w, st->throttle_trips);
		IO(w, st->otr_day);
		io_table(w, st->orders.slots, st->orders.mask + 1, sizeof(*st->orders.slots), &count);
		if (w->mode == W_LOAD)
			st->orders.count = (uint32_t)count;
		io_open_order_index(w, &st->orders);
		io_window(w, &st->fills);
	}
	for (uint32_t v = 0; v < r->n_venues; v++) {
		struct rg_breaker *b = &r->venues[v].breaker;
		IO(w, b->state);
		IO(w, b->probe_outstanding);
		IO(w, b->consecutive);
		IO(w, b->opened_ns);
		IO(w, b->probe_ns);
		IO(w, b->opens);
		io_window(w, &b->hour);
	}
	if (r->credit != NULL)
		io(w, r->credit, (size_t)r->n_accounts * r->n_venues * sizeof(*r->credit));
	if (r->smp.heads != NULL) /* the books' lists run through the open-order slots */
		io(w, r->smp.heads, (size_t)r->n_symbols * r->n_accounts * 2 * sizeof(*r->smp.heads));
	io_table(w, e->routes.slots, e->routes.mask + 1, sizeof(*e->routes.slots), &e->routes.count);
	IO(w, rv->seen);
	IO(w, rv->max_engine_seq);
	IO(w, rv->last_type);
	IO(w, rv->fills);
	IO(w, rv->decisions);
	IO(w, rv->ignored);
	IO(w, rv->kills);
	IO(w, rv->last_report_seq);
	if (w->mode == W_CHECK && !w->bad && w->pos != w->len)
		fail(w, "the body is longer than the state");
}

size_t rg_risk_ckpt_size(struct rg_engine *e)
{
	struct walk w = {.mode = W_SIZE};

	walk(&w, e);
	return w.pos;
}

bool rg_risk_ckpt_save(struct rg_engine *e, void *buf, size_t len, char *err, size_t errlen)
{
	struct walk w = {.mode = W_SAVE, .buf = buf, .len = len};

	walk(&w, e);
	if (w.bad)
		snprintf(err, errlen, "%s", w.why);
	return !w.bad && w.pos == len;
}

bool rg_risk_ckpt_check(struct rg_engine *e, const void *body, size_t len, char *err, size_t errlen)
{
	struct walk w = {.mode = W_CHECK, .buf = (unsigned char *)(uintptr_t)body, .len = len};

	walk(&w, e);
	if (w.bad)
		snprintf(err, errlen, "%s", w.why);
	return !w.bad;
}

void rg_risk_ckpt_load(struct rg_engine *e, const void *body, size_t len)
{
	struct walk w = {.mode = W_LOAD, .buf = (unsigned char *)(uintptr_t)body, .len = len};

	walk(&w, e);
}

void rg_risk_ckpt_header(struct rg_engine *e, const struct rg_jreader *r, int64_t day, struct rg_ckpt_header *hdr)
{
	const struct rg_jfile_header *fh = rg_jreader_header(r);
	struct rg_jposition pos;

	memset(hdr, 0, sizeof(*hdr));
	rg_jreader_position(r, &pos);
	snprintf(hdr->instance, sizeof(hdr->instance), "%s", e->cfg->instance);
	hdr->trading_day = day;
	hdr->date = fh->date;
	hdr->journal_version = fh->version;
	hdr->file_first_seq = fh->first_seq;
	hdr->anchor_seq = pos.next_seq;
	hdr->anchor_block = pos.blocks != 0 ? pos.blocks - 1 : 0;
	hdr->anchor_block_off = rg_jreader_last_block_offset(r);
	hdr->anchor_end_off = pos.end_offset;
	hdr->records = pos.records;
	memcpy(hdr->anchor_hash, pos.hash, RG_JHASH_SIZE);
	memcpy(hdr->config_sha256, e->recovery->config_sha256, RG_JHASH_SIZE);
	rg_ckpt_boot_id(hdr->boot_id);
	hdr->n_accounts = e->risk->n_accounts;
	hdr->n_strategies = e->risk->n_strategies;
	hdr->n_symbols = e->risk->n_symbols;
	hdr->n_venues = e->risk->n_venues;
}

/* Why checkpoint hdr cannot stand for this file and state; NULL when it can. */
static const char *mismatch(struct rg_engine *e, const struct rg_jfile_header *fh, int64_t day,
			    const struct rg_ckpt_header *hdr)
{
	uint8_t boot[16];

	rg_ckpt_boot_id(boot);
	if (strncmp(hdr->instance, e->cfg->instance, sizeof(hdr->instance)) != 0)
		return "it is another instance's";
	if (hdr->trading_day != day || hdr->file_first_seq != fh->first_seq || hdr->journal_version != fh->version)
		return "it is of another day file";
	if (memcmp(hdr->config_sha256, e->recovery->config_sha256, RG_JHASH_SIZE) != 0)
		return "it was taken with another config file (SHA-256 differs)";
	if (memcmp(hdr->boot_id, boot, sizeof(boot)) != 0)
		return "it was taken before a reboot (its event times are of another boot)";
	if (hdr->n_accounts != e->risk->n_accounts || hdr->n_strategies != e->risk->n_strategies ||
	    hdr->n_symbols != e->risk->n_symbols || hdr->n_venues != e->risk->n_venues)
		return "the state's shape differs";
	if (hdr->records != hdr->anchor_seq - hdr->file_first_seq || hdr->records == 0)
		return "its anchor and record count disagree";
	return NULL;
}

int rg_risk_ckpt_resume(struct rg_jreader *r, int dirfd, int64_t day, void *arg)
{
	struct rg_engine *e = arg;
	struct rg_engine_recovery *rv = e->recovery;
	const struct rg_jfile_header *fh = rg_jreader_header(r);
	uint64_t seqs[8];
	int n;

	if (!rv->ckpt_enabled)
		return 0;
	n = rg_ckpt_list(dirfd, fh->date, seqs, 8);
	if (n <= 0) {
		if (!rv->ckpt_quiet)
			rg_log(n < 0 ? RG_LOG_WARN : RG_LOG_INFO,
			       "riskgate: journal: %s checkpoint of journal-%08u.rgj%s%s: full replay",
			       n < 0 ? "cannot list the" : "no", fh->date, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		struct rg_ckpt_header hdr;
		char name[RG_CKPT_NAME_MAX], why[384];
		void *body = NULL;
		const char *bad = NULL;
		int rc;

		rg_ckpt_name(name, sizeof(name), fh->date, seqs[i]);
		rc = rg_ckpt_read(dirfd, name, &hdr, &body, why, sizeof(why));
		if (rc == 0 && hdr.anchor_seq != seqs[i])
			bad = "its name and anchor disagree";
		if (rc == 0 && bad == NULL)
			bad = mismatch(e, fh, day, &hdr);
		if (rc == 0 && bad == NULL && !rg_risk_ckpt_check(e, body, (size_t)hdr.body_size, why, sizeof(why)))
			rc = -EBADMSG;
		if (rc == 0 && bad == NULL)
			rc = rg_jreader_seek_anchor(r, hdr.anchor_block, hdr.anchor_block_off, hdr.anchor_end_off,
						    hdr.anchor_seq, hdr.records, hdr.anchor_hash, why, sizeof(why));
		if (rc != 0 || bad != NULL) {
			if (!rv->ckpt_quiet)
				rg_log(RG_LOG_WARN, "riskgate: journal: checkpoint %s refused: %s; %s", name,
				       bad != NULL ? bad : why, i + 1 < n ? "trying an older one" : "full replay");
			free(body);
			continue;
		}
		rg_risk_ckpt_load(e, body, (size_t)hdr.body_size);
		free(body);
		rv->ckpt_seq = hdr.anchor_seq;
		rv->ckpt_records = hdr.records;
		rg_risk_ckpt_journal_body(&hdr, &rv->ckpt_journal);
		snprintf(rv->ckpt_name, sizeof(rv->ckpt_name), "%s", name);
		if (!rv->ckpt_quiet) {
			char hex[2 * RG_JHASH_SIZE + 1];
			rg_log(RG_LOG_INFO,
			       "riskgate: journal: checkpoint %s verified (block %" PRIu64 " chain hash %.16s..., sequence "
			       "below %" PRIu64 "): loaded the state of %" PRIu64 " record(s), replaying the rest",
			       name, hdr.anchor_block, rg_jhash_hex(hdr.anchor_hash, hex), hdr.anchor_seq, hdr.records);
		}
		return 0;
	}
	return 0;
}

void rg_risk_ckpt_journal_body(const struct rg_ckpt_header *hdr, struct rg_jbody_checkpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->anchor_seq = hdr->anchor_seq;
	out->records = hdr->records;
	out->anchor_block = hdr->anchor_block;
	out->body_size = hdr->body_size;
	memcpy(out->anchor_hash, hdr->anchor_hash, sizeof(out->anchor_hash));
	memcpy(out->digest, hdr->digest, sizeof(out->digest));
}

/* ---- shadow state ------------------------------------------------------- */

int rg_risk_ckpt_shadow_new(struct rg_engine **out, const struct rg_config *cfg, const uint8_t config_sha256[32],
			    char *err, size_t errlen)
{
	struct rg_engine *e = calloc(1, sizeof(*e));
	int rc;

	*out = e;
	if (e == NULL)
		return -ENOMEM;
	e->cfg = cfg;
	e->recovery = calloc(1, sizeof(*e->recovery));
	if (e->recovery == NULL)
		return -ENOMEM;
	e->recovery->now_ns = UINT64_MAX;
	e->recovery->ckpt_quiet = true;
	memcpy(e->recovery->config_sha256, config_sha256, RG_JHASH_SIZE);
	rc = rg_risk_create(&e->risk, cfg, rg_mono_ns(), rg_real_ns(), err, errlen);
	if (rc != 0)
		return rc;
	e->risk->day_roll_mono_ns = UINT64_MAX;
	rc = rg_order_routes_init(&e->routes, ROUTE_CAPACITY);
	if (rc != 0)
		snprintf(err, errlen, "cannot allocate the shadow's order routes");
	return rc;
}

void rg_risk_ckpt_shadow_free(struct rg_engine *e)
{
	if (e == NULL)
		return;
	rg_order_routes_fini(&e->routes);
	rg_risk_destroy(e->risk);
	free(e->recovery);
	free(e);
}

/* ---- riskgate --verify-checkpoints ---------------------------------------- */

/* Compares the shadow at the reader's position with checkpoint `name`; prints the verdict. */
static int compare_one(struct rg_engine *e, struct rg_jreader *r, int dirfd, const char *name, uint64_t anchor)
{
	struct rg_ckpt_header hdr;
	struct rg_jposition pos;
	void *body = NULL, *mine = NULL;
	char err[384];
	size_t size;
	int rc;

	rg_jreader_position(r, &pos);
	rc = rg_ckpt_read(dirfd, name, &hdr, &body, err, sizeof(err));
	if (rc != 0) {
		printf("%s: BAD: %s\n", name, err);
		return 1;
	}
	rc = 1;
	if (pos.next_seq != anchor || hdr.anchor_seq != anchor || memcmp(pos.hash, hdr.anchor_hash, RG_JHASH_SIZE) != 0) {
		printf("%s: BAD: its anchor (sequence %" PRIu64 ") is not a block boundary of the file with that chain "
		       "hash (the replay stands at %" PRIu64 ")\n",
		       name, hdr.anchor_seq, pos.next_seq);
		goto out;
	}
	if (memcmp(hdr.config_sha256, e->recovery->config_sha256, RG_JHASH_SIZE) != 0) {
		printf("%s: BAD: taken with another config file (SHA-256 differs): run with that config\n", name);
		goto out;
	}
	size = rg_risk_ckpt_size(e);
	mine = malloc(size != 0 ? size : 1);
	if (mine == NULL) {
		printf("%s: out of memory\n", name);
		goto out;
	}
	if (!rg_risk_ckpt_save(e, mine, size, err, sizeof(err))) {
		printf("%s: the replayed state cannot be written out: %s\n", name, err);
		goto out;
	}
	if (size != hdr.body_size || memcmp(mine, body, size) != 0) {
		size_t k = 0;
		while (k < size && k < hdr.body_size && ((unsigned char *)mine)[k] == ((unsigned char *)body)[k])
			k++;
		printf("%s: BAD: the replay of records %" PRIu64 "..%" PRIu64 " gives another state (first difference "
		       "at body byte %zu of %zu; the checkpoint has %" PRIu64 ")\n",
		       name, hdr.file_first_seq, anchor - 1, k, size, hdr.body_size);
		goto out;
	}
	printf("%s: OK: reproduced by the replay of records %" PRIu64 "..%" PRIu64 " (%zu bytes of state)\n", name,
	       hdr.file_first_seq, anchor - 1, size);
	rc = 0;
out:
	free(body);
	free(mine);
	return rc;
}

int rg_risk_ckpt_verify_replay(const struct rg_config *cfg, const char *config_path)
{
	uint64_t seqs[RG_CKPT_LIST_MAX];
	uint8_t sha[RG_JHASH_SIZE];
	char name[RG_JFILE_NAME_MAX], err[512];
	struct rg_engine *e = NULL;
	struct rg_jreader *r = NULL;
	const struct rg_jrec *rec;
	int64_t day;
	int dirfd, n, bad = 0, rc;

	if (rg_file_sha256(config_path, sha) != 0) {
		fprintf(stderr, "riskgate: cannot read %s\n", config_path);
		return 1;
	}
	dirfd = open(cfg->journal.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "riskgate: journal directory %s: %s\n", cfg->journal.dir, strerror(errno));
		return 1;
	}
	rc = rg_jdir_latest(dirfd, INT64_MAX, &day);
	if (rc <= 0) {
		printf("riskgate: no day file in %s: no checkpoint to verify\n", cfg->journal.dir);
		close(dirfd);
		return rc < 0;
	}
	rg_jfile_name(name, sizeof(name), day);
	rc = rg_risk_ckpt_shadow_new(&e, cfg, sha, err, sizeof(err));
	if (rc == 0)
		rc = rg_jreader_openat(&r, dirfd, name, err, sizeof(err));
	n = rc == 0 ? rg_ckpt_list(dirfd, rg_jreader_header(r)->date, seqs, RG_CKPT_LIST_MAX) : rc;
	if (rc != 0 || n < 0) {
		fprintf(stderr, "riskgate: %s: %s\n", name, rc != 0 ? err : strerror(-n));
		bad = 1;
		n = 0;
	}
	if (n == 0 && !bad)
		printf("riskgate: %s has no checkpoint\n", name);
	for (int i = n - 1; i >= 0; i--) { /* oldest first: one replay passes them all */
		char ck[RG_CKPT_NAME_MAX];
		rg_ckpt_name(ck, sizeof(ck), rg_jreader_header(r)->date, seqs[i]);
		while ((rc = rg_jreader_next_upto(r, &rec, seqs[i])) > 0)
			rg_engine_replay(rec, e);
		if (rc < 0) {
			printf("%s: BAD: the day file does not verify before its anchor: %s\n", ck,
			       rg_jreader_problem(r)->message);
			bad = 1;
			break;
		}
		bad |= compare_one(e, r, dirfd, ck, seqs[i]);
	}
	if (r != NULL)
		rg_jreader_close(r);
	rg_risk_ckpt_shadow_free(e);
	close(dirfd);
	return bad;
}
