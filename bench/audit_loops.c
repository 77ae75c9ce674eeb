/*
 * audit_bench's loops (audit_loops.h): journal throughput with the io_uring
 * writer against plain write(2) consumers, the engine thread's cost per
 * appended record, and a model of the engine's order path with and without
 * journaling.  C, like the other benchmarks' timed loops.
 */
#include "audit_loops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks_lab.h"
#include "journal.h"
#include "timing.h"

struct rgb_audit {
	struct rg_journal j;
	char instance[32];
	char dir[256];
	int cpu;
};

static void remove_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void writer_cfg(const struct rgb_audit *a, struct rg_journal_writer_cfg *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->dir = a->dir;
	wc->cpu = a->cpu;
	/* the throughput is into the page cache: no fdatasync inside the timed window */
	wc->fsync_interval_ns = 3600ull * 1000000000ull;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct rgb_audit *rgb_audit_create(uint64_t capacity, int consumer_cpu)
{
	struct rgb_audit *a = calloc(1, sizeof(*a));
	struct rg_journal_ring_cfg rc;
	const char *base = getenv("RG_BENCH_DIR");
	char err[256];

	if (a == NULL)
		return NULL;
	a->cpu = consumer_cpu;
	snprintf(a->instance, sizeof(a->instance), "rgbaudit%d", (int)getpid());
	snprintf(a->dir, sizeof(a->dir), "%s/rgbaudit.XXXXXX", base != NULL ? base : "/tmp");
	if (mkdtemp(a->dir) == NULL) {
		fprintf(stderr, "audit_bench: mkdtemp %s: %s\n", a->dir, strerror(errno));
		free(a);
		return NULL;
	}
	rg_journal_unlink(a->instance);
	memset(&rc, 0, sizeof(rc));
	rc.instance = a->instance;
	rc.capacity = capacity;
	rc.perms.uid = (uid_t)-1;
	rc.perms.gid = (gid_t)-1;
	rc.perms.mode = 0600;
	if (rg_journal_open(&a->j, &rc, err, sizeof(err)) != 0) {
		fprintf(stderr, "audit_bench: %s\n", err);
		rmdir(a->dir);
		free(a);
		return NULL;
	}
	return a;
}

void rgb_audit_destroy(struct rgb_audit *a)
{
	if (a == NULL)
		return;
	rg_journal_close(&a->j);
	rg_journal_unlink(a->instance);
	remove_files(a->dir);
	rmdir(a->dir);
	free(a);
}

static struct rg_journal_writer *start_writer(struct rgb_audit *a)
{
	struct rg_journal_writer_cfg wc;
	struct rg_journal_writer *w;
	char err[512];

	writer_cfg(a, &wc);
	if (rg_journal_writer_create(&w, &a->j, &wc, err, sizeof(err)) != 0) {
		fprintf(stderr, "audit_bench: %s\n", err);
		return NULL;
	}
	if (rg_journal_writer_start(w) != 0) {
		rg_journal_writer_destroy(w);
		return NULL;
	}
	return w;
}

static void fill_body(unsigned char body[RG_JREC_BODY_SIZE])
{
	struct rg_jbody_fill *f = (struct rg_jbody_fill *)body;

	memset(body, 0, RG_JREC_BODY_SIZE);
	f->client_order_id = 12345;
	f->engine_seq = 678;
	f->qty_e8 = 100000000;
	f->price_e8 = 10000000000;
	f->symbol = 3;
	f->side = RG_SIDE_BUY;
}

/* ---- the write(2) baselines ------------------------------------------------ */

struct plain {
	struct rgb_audit *a;
	bool per_record;
	uint64_t n;
	int rc;
};

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t k = write(fd, c, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Drains n records like the writer (blocks of 2047, SHA-256 chained) but
 * stores them with plain write(2) calls. */
static void *plain_consumer(void *arg)
{
	struct plain *p = arg;
	struct rg_journal *j = &p->a->j;
	const uint32_t max = (256 * 1024 - RG_JBLOCK_HEADER_SIZE) / RG_JREC_SIZE;
	unsigned char *buf = malloc(256 * 1024);
	uint8_t hash[RG_JHASH_SIZE] = {0};
	struct rg_jhasher *h = NULL;
	uint64_t pos = rg_journal_written(j), end = pos + p->n, block = 0;
	char path[300];
	int fd;

	pin(p->a->cpu);
	snprintf(path, sizeof(path), "%s/plain.rgj", p->a->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || buf == NULL || rg_jhasher_new(&h) != 0) {
		p->rc = -EIO;
		goto out;
	}
	while (pos < end) {
		struct rg_jblock_header *bh = (struct rg_jblock_header *)buf;
		uint32_t n = 0;
		while (n < max && pos + n < end) {
			const struct rg_jrec *r = rg_journal_peek(j, pos + n);
			if (r == NULL)
				break;
			memcpy(buf + RG_JBLOCK_HEADER_SIZE + (size_t)n * RG_JREC_SIZE, r, RG_JREC_SIZE);
			if (p->per_record && (p->rc = write_all(fd, r, RG_JREC_SIZE)) != 0)
				goto out;
			n++;
		}
		if (n == 0)
			continue;
		bh->magic = RG_JBLOCK_MAGIC;
		bh->first_seq = pos;
		bh->n_records = n;
		bh->record_size = RG_JREC_SIZE;
		bh->block_index = block++;
		rg_jchain_block(h, RG_JOURNAL_FORMAT_VERSION, hash, bh, buf + RG_JBLOCK_HEADER_SIZE, n, bh->hash);
		memcpy(hash, bh->hash, RG_JHASH_SIZE);
		p->rc = p->per_record ? write_all(fd, bh, RG_JBLOCK_HEADER_SIZE)
				      : write_all(fd, buf, RG_JBLOCK_HEADER_SIZE + (size_t)n * RG_JREC_SIZE);
		if (p->rc != 0)
			goto out;
		pos += n;
		rg_journal_publish_written(j, pos);
	}
out:
	if (p->rc != 0)
		fprintf(stderr, "audit_bench: plain write consumer failed: %s\n", strerror(-p->rc));
	if (fd >= 0)
		close(fd);
	rg_jhasher_free(h);
	free(buf);
	return NULL;
}

static uint64_t cpu_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rgb_audit_throughput(struct rgb_audit *a, enum rgb_audit_consumer c, uint64_t n, uint64_t *consumer_cpu_ns)
{
	uint64_t proc0, self0;
	struct rg_journal_writer *w = NULL;
	struct plain p = {a, c == RGB_AUDIT_WRITE_RECORD, n, 0};
	unsigned char body[RG_JREC_BODY_SIZE];
	pthread_t t;
	uint64_t t0, t1, head;

	fill_body(body);
	remove_files(a->dir);
	if (c == RGB_AUDIT_URING) {
		if ((w = start_writer(a)) == NULL)
			return 0;
	} else if (pthread_create(&t, NULL, plain_consumer, &p) != 0) {
		return 0;
	}
	proc0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	self0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	t0 = rgb_ticks();
	for (uint64_t i = 0; i < n; i++)
		while (!rg_journal_append(&a->j, RG_JREC_FILL, i, 1, 0, body))
			;
	head = rg_journal_next_seq(&a->j);
	RGB_SPIN_UNTIL(rg_journal_written(&a->j) == head || p.rc != 0, "audit throughput: records written");
	t1 = rgb_ticks();
	/* CPU the process spent other than the producer: the consumer thread and
	 * the kernel's io_uring workers writing for it */
	*consumer_cpu_ns = (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0) - (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - self0);
	if (w != NULL) {
		struct rg_journal_status_view v;
		rg_journal_status_read(&a->j, &v);
		if (rg_journal_writer_stop(w) != 0 || v.state == RG_JW_ERROR)
			t1 = t0;
		rg_journal_writer_destroy(w);
	} else {
		pthread_join(t, NULL);
		if (p.rc != 0)
			t1 = t0;
	}
	remove_files(a->dir);
	return t1 - t0;
}

/* ---- the chain's hashing cost ------------------------------------------------ */

double rgb_audit_chain_ticks(unsigned version, bool lanes, bool wide, unsigned blocks)
{
	const uint32_t n = (RG_JW_MAX_BLOCK_BYTES - RG_JBLOCK_HEADER_SIZE) / RG_JREC_SIZE;
	unsigned char *recs = malloc((size_t)n * RG_JREC_SIZE);
	struct rg_jblock_header bh;
	struct rg_jhasher *h = NULL;
	uint8_t hash[RG_JHASH_SIZE] = {0};
	uint64_t t0, t1;

	if (recs == NULL || rg_jhasher_new(&h) != 0) {
		free(recs);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct rg_jrec *r = (struct rg_jrec *)(recs + (size_t)i * RG_JREC_SIZE);
		memset(r, 0, sizeof(*r));
		r->h.seq = i + 1;
		r->h.type = RG_JREC_FILL;
		r->h.size = RG_JREC_SIZE;
		fill_body(r->u.body);
	}
	rg_jhasher_use_lanes(h, lanes);
	rg_jhasher_use_wide(h, lanes && wide);
	memset(&bh, 0, sizeof(bh));
	bh.magic = RG_JBLOCK_MAGIC;
	bh.n_records = n;
	bh.record_size = RG_JREC_SIZE;
	t0 = rgb_ticks();
	for (unsigned b = 0; b < blocks; b++) {
		bh.block_index = b;
		rg_jchain_block(h, version, hash, &bh, recs, n, bh.hash);
		memcpy(hash, bh.hash, sizeof(hash));
	}
	t1 = rgb_ticks();
	rg_jhasher_free(h);
	free(recs);
	return (double)(t1 - t0) / ((double)blocks * n);
}

/* ---- the engine thread's cost ---------------------------------------------- */

bool rgb_audit_append_cost(struct rgb_audit *a, unsigned rounds, unsigned batch, bool pairs, uint64_t lag,
			   double *ticks_per_record)
{
	struct rg_journal_writer *w;
	unsigned char body[RG_JREC_BODY_SIZE];
	struct rg_order o;
	struct rg_decision d;
	uint64_t refused = 0;

	fill_body(body);
	memset(&o, 0, sizeof(o));
	o.qty_e8 = 100000000;
	o.price_e8 = 10000000000;
	o.symbol_id = 3;
	o.kind = RG_ORDER_NEW;
	o.side = RG_SIDE_BUY;
	o.type = RG_TYPE_LIMIT;
	o.tif = RG_TIF_DAY;
	memset(&d, 0, sizeof(d));
	d.symbol = 3;
	remove_files(a->dir);
	if ((w = start_writer(a)) == NULL)
		return false;
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t t0, t1, now = (uint64_t)r * batch;
		RGB_SPIN_UNTIL(rg_journal_next_seq(&a->j) - rg_journal_written(&a->j) <= lag, "audit: writer catching up");
		if (pairs) {
			t0 = rgb_ticks();
			for (unsigned k = 0; k < batch; k++) {
				o.client_order_id = now + k + 1;
				d.engine_seq = now + k + 1;
				refused += !rg_journal_order_decided(&a->j, now + k, 0, 0, &o, &d, 0);
			}
			t1 = rgb_ticks();
			ticks_per_record[r] = (double)(t1 - t0) / batch; /* one ORDER_DECIDED per order */
		} else {
			t0 = rgb_ticks();
			for (unsigned k = 0; k < batch; k++)
				refused += !rg_journal_append(&a->j, RG_JREC_FILL, now + k, 0, 0, body);
			t1 = rgb_ticks();
			ticks_per_record[r] = (double)(t1 - t0) / batch;
		}
	}
	if (rg_journal_writer_stop(w) != 0)
		refused++;
	rg_journal_writer_destroy(w);
	remove_files(a->dir);
	if (refused != 0)
		fprintf(stderr, "audit_bench: %llu appends refused during the cost measurement\n",
			(unsigned long long)refused);
	return refused == 0;
}

/* ---- the e2e model --------------------------------------------------------- */

#define E2E_ORDERS 400000u
#define E2E_RING 4096u

struct rgb_audit_e2e {
	struct rgb_audit *a;
	struct rg_journal_writer *w;
	struct rgb_checks_lab lab;
	void *req_mem, *rep_mem;
	struct rg_ring req_p, req_c, rep_p, rep_c;
	struct rg_order *orders;
	uint32_t next_order;
	pthread_t engine;
	bool engine_started;
	int engine_cpu;
	int stop;     /* atomic */
	int journal;  /* atomic: the engine journals each decision */
};

/* The engine's order path, reduced to what journaling touches: pop, admit,
 * check, journal the order with its decision (one ORDER_DECIDED), answer,
 * release. */
static void *engine_loop(void *arg)
{
	struct rgb_audit_e2e *e = arg;
	struct rg_journal *j = &e->a->j;
	struct rg_order o;
	struct rg_report rep;
	struct rg_decision d;

	pin(e->engine_cpu);
	while (!__atomic_load_n(&e->stop, __ATOMIC_RELAXED)) {
		uint64_t now;
		bool journal;
		unsigned reason;

		if (!rg_ring_pop_spsc(&e->req_c, &o))
			continue;
		journal = __atomic_load_n(&e->journal, __ATOMIC_RELAXED);
		now = e->lab.now;
		e->lab.now += RGB_CHECKS_STEP_NS;
		if (journal && !rg_journal_admit(j, 1)) {
			reason = RG_REJ_AUDIT_BACKPRESSURE;
		} else {
			reason = rg_risk_check_order(e->lab.r, 0, &o, now, &d);
			if (journal)
				rg_journal_order_decided(j, now, 0, 0, &o, &d, 0);
		}
		memset(&rep, 0, sizeof(rep));
		rep.client_order_id = o.client_order_id;
		rep.kind = reason == RG_REJ_NONE ? RG_REPORT_ACCEPTED : RG_REPORT_REJECTED;
		rep.reason = (uint16_t)reason;
		rep.report_seq = o.client_order_id;
		while (!rg_ring_push_spsc(&e->rep_p, &rep))
			;
		if (reason == RG_REJ_NONE)
			rg_risk_on_cancelled(e->lab.r, 0, o.client_order_id, now);
	}
	return NULL;
}

static void *ring_mem(void)
{
	size_t size = rg_ring_memsize(E2E_RING);
	void *m = aligned_alloc(RG_RING_GUARD, (size + RG_RING_GUARD - 1) / RG_RING_GUARD * RG_RING_GUARD);

	if (m != NULL)
		rg_ring_init(m, E2E_RING);
	return m;
}

struct rgb_audit_e2e *rgb_audit_e2e_create(struct rgb_audit *a, int engine_cpu)
{
	struct rgb_audit_e2e *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->a = a;
	e->engine_cpu = engine_cpu;
	remove_files(a->dir);
	e->req_mem = ring_mem();
	e->rep_mem = ring_mem();
	e->orders = malloc(E2E_ORDERS * sizeof(*e->orders));
	if (e->req_mem == NULL || e->rep_mem == NULL || e->orders == NULL || rgb_checks_lab_open(&e->lab, 100) != 0) {
		free(e->req_mem);
		free(e->rep_mem);
		free(e->orders);
		free(e);
		return NULL;
	}
	rgb_checks_orders(&e->lab, e->orders, E2E_ORDERS, RGB_SYMBOLS_ROUND_ROBIN);
	rg_ring_attach(&e->req_p, e->req_mem, E2E_RING);
	rg_ring_attach(&e->req_c, e->req_mem, E2E_RING);
	rg_ring_attach(&e->rep_p, e->rep_mem, E2E_RING);
	rg_ring_attach(&e->rep_c, e->rep_mem, E2E_RING);
	{
		/* the writer with its production settings (fdatasync each second) */
		struct rg_journal_writer_cfg wc;
		char err[512];
		writer_cfg(a, &wc);
		wc.fsync_interval_ns = 0;
		if (rg_journal_writer_create(&e->w, &a->j, &wc, err, sizeof(err)) != 0 ||
		    rg_journal_writer_start(e->w) != 0) {
			fprintf(stderr, "audit_bench: %s\n", err);
			rgb_audit_e2e_destroy(e);
			return NULL;
		}
	}
	if (pthread_create(&e->engine, NULL, engine_loop, e) != 0) {
		rgb_audit_e2e_destroy(e);
		return NULL;
	}
	e->engine_started = true;
	return e;
}

void rgb_audit_e2e_destroy(struct rgb_audit_e2e *e)
{
	if (e == NULL)
		return;
	if (e->engine_started) {
		__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
		pthread_join(e->engine, NULL);
	}
	if (e->w != NULL) {
		rg_journal_writer_stop(e->w);
		rg_journal_writer_destroy(e->w);
	}
	rgb_checks_lab_close(&e->lab);
	free(e->req_mem);
	free(e->rep_mem);
	free(e->orders);
	remove_files(e->a->dir);
	free(e);
}

uint64_t rgb_audit_e2e_round(struct rgb_audit_e2e *e, bool journal, uint32_t n, uint32_t *rtt)
{
	struct rg_report rep;
	uint64_t bad = 0;

	__atomic_store_n(&e->journal, journal ? 1 : 0, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n; i++) {
		const struct rg_order *o = &e->orders[e->next_order++ % E2E_ORDERS];
		uint64_t t0 = rgb_ticks(), t1;

		rg_ring_push_spsc(&e->req_p, o);
		RGB_SPIN_UNTIL(rg_ring_pop_spsc(&e->rep_c, &rep), "audit e2e: decision");
		t1 = rgb_ticks();
		rtt[i] = t1 - t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(t1 - t0);
		bad += rep.kind != RG_REPORT_ACCEPTED || rep.client_order_id != o->client_order_id;
	}
	return bad;
}
