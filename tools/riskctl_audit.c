/*
 * riskctl audit (riskctl_audit.h): export a journal as JSON lines, verify
 * its hash chain and sequence, show the journal writer's status.
 *
 * export and verify read day files through the verifying reader
 * (engine/journal/reader.h): a record is only printed once its block has
 * verified, and the first bad block or record stops the command with its
 * description.  Several files are read in the order given and must chain:
 * each one's header names the previous one's last hash and sequence.
 * Arguments are parsed by hand so riskctl's own getopt state does not
 * matter.
 */
#include "riskctl_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "checkpoint_file.h"
#include "export.h"
#include "journal.h"

#define MAX_TYPES 32

struct export_opts {
	bool jsonl;
	bool checkpoints;            /* --checkpoints: a CHECKPOINT line for each checkpoint of a file */
	bool have_from, have_to;
	uint64_t from, to;           /* [from, to) in CLOCK_REALTIME ns */
	const char *strategy;        /* index or name */
	const char *account;
	const char *types[MAX_TYPES];
	unsigned n_types;
	char types_buf[512];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: riskctl audit export FILE... --jsonl [--from TIME] [--to TIME] [--strategy S] [--account A]\n"
		"                           [--type EVENT[,EVENT...]] [--checkpoints]\n"
		"       riskctl audit verify FILE... [--json]\n"
		"       riskctl audit status [--instance NAME] [--json]\n"
		"  TIME     2024-05-01T13:45:00[.123456789]Z, 2024-05-01, or ns since the epoch (UTC); --to is exclusive\n"
		"  S, A     strategy / account name (from the journal's NAME records) or index\n"
		"  EVENT    ORDER_SUBMITTED, ORDER_APPROVED, ORDER_REJECTED, ORDER_FORWARDED, ORDER_ACKED, ORDER_FILLED,\n"
		"           ORDER_CANCELLED, VENUE_REJECTED, KILL, RESUME, STATE_CHANGE, CONFIG_LOADED, CONFIG_RELOADED,\n"
		"           ADAPTER_CONNECTED, ADAPTER_DISCONNECTED, ENGINE_STARTED, ENGINE_STOPPED, NAME,\n"
		"           POSITION_SNAPSHOT, ACCOUNT_SNAPSHOT, OPEN_ORDER_SNAPSHOT\n"
		"  --json   verify: one JSON object; export: the same as --jsonl\n"
		"  --checkpoints  export: after each file's records, one CHECKPOINT line per risk-state checkpoint\n"
		"           beside it (verify always checks them)\n"
		"exit status: 0 good, 1 bad or unreadable journal, 2 usage; status: 4 no journal ring for the instance\n");
}

/* The directory of a day file's path, opened; -errno. */
static int dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The CHECKPOINT records of a day file: anchor, digest and where. */
struct journaled {
	uint64_t n, cap;
	struct {
		uint64_t anchor_seq, seq;
		uint8_t digest[RG_JHASH_SIZE];
	} *v;
};

static int collect_journaled(const struct rg_jrec *rec, void *arg)
{
	struct journaled *j = arg;

	if (rec->h.type != RG_JREC_CHECKPOINT)
		return 0;
	if (j->n == j->cap) {
		uint64_t cap = j->cap != 0 ? j->cap * 2 : 16;
		void *v = realloc(j->v, cap * sizeof(*j->v));
		if (v == NULL)
			return -ENOMEM;
		j->v = v;
		j->cap = cap;
	}
	j->v[j->n].anchor_seq = rec->u.checkpoint.anchor_seq;
	j->v[j->n].seq = rec->h.seq;
	memcpy(j->v[j->n].digest, rec->u.checkpoint.digest, RG_JHASH_SIZE);
	j->n++;
	return 0;
}

/*
 * The checkpoints beside the verified day file `path` (its date's), each
 * checked against it (rg_ckpt_verify_anchor).  With json, an array of
 * outcomes goes into *out; else a line each (BAD ones on stderr).  Returns
 * 1 when one is bad.
 */
static int verify_checkpoints(const char *path, const struct rg_jverify *v, bool quiet, json_t **out)
{
	uint64_t seqs[RG_CKPT_LIST_MAX];
	int dirfd = dir_of(path), n, bad = 0;

	if (out != NULL)
		*out = json_array();
	if (dirfd < 0)
		return 0; /* the file was read: its directory is there; nothing to add */
	n = rg_ckpt_list(dirfd, v->header.date, seqs, RG_CKPT_LIST_MAX);
	struct journaled jr = {0, 0, NULL};
	if (n > 0 && rg_journal_replay_file(path, collect_journaled, &jr, NULL, NULL, 0) != 0) {
		fprintf(stderr, "riskctl audit: %s: cannot read its CHECKPOINT records\n", path);
		bad = 1;
	}
	for (int i = 0; i < n; i++) {
		struct rg_ckpt_header hdr;
		char name[RG_CKPT_NAME_MAX], err[512], hex[2 * RG_JHASH_SIZE + 1], where[64] = "not journaled";
		int rc;

		rg_ckpt_name(name, sizeof(name), v->header.date, seqs[i]);
		rc = rg_ckpt_verify_anchor(dirfd, name, path, v, &hdr, err, sizeof(err));
		/* The journal's CHECKPOINT record of it, when there is one, must
		 * carry its digest: then the file is under the chain too. */
		for (uint64_t k = 0; rc == 0 && k < jr.n; k++) {
			if (jr.v[k].anchor_seq != hdr.anchor_seq)
				continue;
			if (memcmp(jr.v[k].digest, hdr.digest, RG_JHASH_SIZE) != 0) {
				snprintf(err, sizeof(err), "%s: its digest is not the one the journal recorded at sequence %" PRIu64,
					 name, jr.v[k].seq);
				rc = -EBADMSG;
			} else {
				snprintf(where, sizeof(where), "journaled at sequence %" PRIu64, jr.v[k].seq);
			}
		}
		if (rc == -EACCES) { /* the engine's own, mode 0600: not this user's to read */
			if (out == NULL && !quiet)
				printf("%s: checkpoint %s: skipped: not readable by this user\n", path, name);
			continue;
		}
		bad |= rc != 0;
		if (out != NULL) {
			json_array_append_new(*out, rc == 0 ? json_pack("{s:s, s:b, s:I, s:I, s:s, s:s}", "file", name, "ok", 1,
									"anchor_seq", (json_int_t)hdr.anchor_seq, "records",
									(json_int_t)hdr.records, "anchor_hash",
									rg_jhash_hex(hdr.anchor_hash, hex), "journaled", where)
							    : json_pack("{s:s, s:b, s:s}", "file", name, "ok", 0, "problem", err));
		} else if (rc != 0) {
			fprintf(stderr, "riskctl audit: %s: checkpoint %s: BAD: %s\n", path, name, err);
		} else if (!quiet) {
			printf("%s: checkpoint %s: OK: the state of records %" PRIu64 "..%" PRIu64
			       ", anchored at block %" PRIu64 " (chain hash %s), %s\n",
			       path, name, hdr.file_first_seq, hdr.anchor_seq - 1, hdr.anchor_block,
			       rg_jhash_hex(hdr.anchor_hash, hex), where);
		}
	}
	free(jr.v);
	close(dirfd);
	if (n < 0) {
		fprintf(stderr, "riskctl audit: %s: cannot list its checkpoints: %s\n", path, strerror(-n));
		return 1;
	}
	return bad;
}

/* Verifies `path` and, when prev is set, that it continues prev; with
 * json, appends the outcome to it instead of printing. */
static int verify_one(const char *path, struct rg_jverify *prev, struct rg_jverify *cur, bool quiet, json_t *json)
{
	char hex[2 * RG_JHASH_SIZE + 1];
	int rc = rg_journal_verify_file(path, cur);

	if (rc == 0 && prev != NULL)
		rc = rg_journal_verify_link(prev, cur);
	if (rc != 0) {
		fprintf(stderr, "riskctl audit: %s: BAD: %s\n", path, cur->problem.message);
		if (json != NULL)
			json_array_append_new(json, json_pack("{s:s, s:b, s:s}", "file", path, "ok", 0, "problem",
							      cur->problem.message));
		return 1;
	}
	json_t *ckpts = NULL;
	int bad_ckpt = json != NULL ? verify_checkpoints(path, cur, quiet, &ckpts) : 0;

	if (json != NULL)
		json_array_append_new(json, json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:o}", "file", path, "ok", !bad_ckpt,
						      "records", (json_int_t)cur->pos.records, "first_seq",
						      (json_int_t)cur->header.first_seq, "last_seq",
						      (json_int_t)(cur->pos.next_seq - 1), "blocks", (json_int_t)cur->pos.blocks,
						      "instance", cur->header.instance, "day", (json_int_t)cur->header.date,
						      "last_hash", rg_jhash_hex(cur->pos.hash, hex), "checkpoints", ckpts));
	else if (!quiet)
		printf("%s: OK: %" PRIu64 " records (sequence %" PRIu64 "..%" PRIu64 "), %" PRIu64
		       " blocks, instance %s, day %08u, last hash %s\n",
		       path, cur->pos.records, cur->header.first_seq, cur->pos.next_seq - 1, cur->pos.blocks,
		       cur->header.instance, cur->header.date, rg_jhash_hex(cur->pos.hash, hex));
	if (json == NULL)
		bad_ckpt = verify_checkpoints(path, cur, quiet, NULL);
	return bad_ckpt;
}

static int cmd_verify(int argc, char **argv)
{
	struct rg_jverify v[2];
	json_t *files = NULL;
	int bad = 0, n = 0;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			files = files != NULL ? files : json_array();
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			continue;
		if (argv[i][0] == '-') {
			usage(stderr);
			json_decref(files);
			return 2;
		}
		if (verify_one(argv[i], n > 0 ? &v[(n - 1) & 1] : NULL, &v[n & 1], false, files) != 0) {
			bad = 1;
			break;
		}
		n++;
	}
	if (n == 0 && !bad) {
		usage(stderr);
		json_decref(files);
		return 2;
	}
	if (files != NULL) {
		json_t *o = json_pack("{s:o, s:b, s:i}", "files", files, "ok", !bad, "exit_code", bad);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	}
	return bad;
}

static bool matches_index(const char *want, uint16_t index, const struct rg_jnames *names, unsigned what)
{
	const char *name;
	char *end;
	unsigned long v;

	if (want == NULL)
		return true;
	if (index == RG_JREC_NONE)
		return false;
	name = rg_jnames_get(names, what, index);
	if (name != NULL && strcmp(name, want) == 0)
		return true;
	errno = 0;
	v = strtoul(want, &end, 10);
	return errno == 0 && *end == '\0' && end != want && v == index;
}

static bool selected(const struct export_opts *o, const struct rg_jrec *rec, const struct rg_jnames *names)
{
	if (o->have_from && rec->h.real_ns < o->from)
		return false;
	if (o->have_to && rec->h.real_ns >= o->to)
		return false;
	if (!matches_index(o->strategy, rec->h.strategy, names, RG_JNAME_STRATEGY) ||
	    !matches_index(o->account, rec->h.account, names, RG_JNAME_ACCOUNT))
		return false;
	if (o->n_types > 0) {
		const char *ev = rg_jrec_event_type(rec);
		for (unsigned i = 0; i < o->n_types; i++)
			if (strcmp(o->types[i], ev) == 0)
				return true;
		return false;
	}
	return true;
}

/* CHECKPOINT lines for the checkpoints beside the day file `path` read as *v. */
static int export_checkpoints(const char *path, const struct rg_jverify *v)
{
	uint64_t seqs[RG_CKPT_LIST_MAX];
	int dirfd = dir_of(path), n, rc = 0;

	if (dirfd < 0)
		return 0;
	n = rg_ckpt_list(dirfd, v->header.date, seqs, RG_CKPT_LIST_MAX);
	for (int i = n - 1; i >= 0 && rc == 0; i--) { /* oldest first, as the records */
		struct rg_ckpt_header hdr;
		char name[RG_CKPT_NAME_MAX], err[512], hex[2 * RG_JHASH_SIZE + 1], when[64];
		json_t *j;
		int bad;

		rg_ckpt_name(name, sizeof(name), v->header.date, seqs[i]);
		memset(&hdr, 0, sizeof(hdr));
		bad = rg_ckpt_verify_anchor(dirfd, name, path, v, &hdr, err, sizeof(err));
		j = bad == 0 ? json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:I, s:b}", "event_type", "CHECKPOINT",
					 "file", name, "timestamp", rg_jtime_str(hdr.created_real_ns, when, sizeof(when)),
					 "anchor_seq", (json_int_t)hdr.anchor_seq, "records", (json_int_t)hdr.records,
					 "anchor_block", (json_int_t)hdr.anchor_block, "body_bytes",
					 (json_int_t)hdr.body_size, "anchor_hash", rg_jhash_hex(hdr.anchor_hash, hex), "format",
					 (json_int_t)hdr.version, "verified", 1)
			     : json_pack("{s:s, s:s, s:b, s:s}", "event_type", "CHECKPOINT", "file", name, "verified", 0,
					 "problem", err);
		if (j == NULL || json_dumpf(j, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF)
			rc = 1;
		json_decref(j);
	}
	close(dirfd);
	return rc;
}

static int export_file(const char *path, const struct export_opts *o, struct rg_jnames *names,
		       struct rg_jverify *prev, bool *have_prev)
{
	struct rg_jreader *r;
	const struct rg_jrec *rec;
	struct rg_jverify cur;
	char err[512];
	int rc;

	rc = rg_jreader_open(&r, path, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "riskctl audit: %s\n", err);
		return 1;
	}
	memset(&cur, 0, sizeof(cur));
	cur.header = *rg_jreader_header(r);
	if (*have_prev) {
		/* The link needs the previous file's end; this file's own
		 * verification happens block by block below. */
		cur.pos.next_seq = cur.header.first_seq;
		if (rg_journal_verify_link(prev, &cur) != 0) {
			fprintf(stderr, "riskctl audit: %s: BAD: %s\n", path, cur.problem.message);
			rg_jreader_close(r);
			return 1;
		}
	}
	while ((rc = rg_jreader_next(r, &rec)) > 0) {
		struct rg_jrec parts[2];
		unsigned np;
		if (rg_jnames_learn(names, rec) != 0) {
			fprintf(stderr, "riskctl audit: out of memory\n");
			rc = -ENOMEM;
			break;
		}
		/* An ORDER_DECIDED (format 4) exports as its two events, same seq. */
		np = rg_jrec_split(rec, parts);
		for (unsigned k = 0; k < np && rc > 0; k++) {
			json_t *j;
			if (!selected(o, &parts[k], names))
				continue;
			j = rg_jrec_to_json(&parts[k], names);
			if (j == NULL || json_dumpf(j, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF) {
				json_decref(j);
				fprintf(stderr, "riskctl audit: writing the export failed\n");
				rc = -EIO;
			}
			json_decref(j);
		}
		if (rc < 0)
			break;
	}
	if (rc < 0 && rc != -ENOMEM && rc != -EIO)
		fprintf(stderr, "riskctl audit: %s: BAD: %s (records after this point are not exported)\n", path,
			rg_jreader_problem(r)->message);
	prev->header = cur.header;
	rg_jreader_position(r, &prev->pos);
	*have_prev = true;
	rg_jreader_close(r);
	if (rc == 0 && o->checkpoints && export_checkpoints(path, prev) != 0) {
		fprintf(stderr, "riskctl audit: writing the export failed\n");
		return 1;
	}
	return rc < 0 ? 1 : 0;
}

static int parse_types(struct export_opts *o, const char *arg)
{
	char *save = NULL, *tok;

	if (snprintf(o->types_buf, sizeof(o->types_buf), "%s", arg) >= (int)sizeof(o->types_buf))
		return -1;
	for (tok = strtok_r(o->types_buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (!rg_jevent_type_valid(tok)) {
			fprintf(stderr, "riskctl audit: unknown event type '%s'\n", tok);
			return -1;
		}
		if (o->n_types == MAX_TYPES)
			return -1;
		o->types[o->n_types++] = tok;
	}
	return o->n_types > 0 ? 0 : -1;
}

static int cmd_export(int argc, char **argv)
{
	struct export_opts o;
	const char *files[256];
	unsigned n_files = 0;
	struct rg_jnames *names;
	struct rg_jverify prev;
	bool have_prev = false;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--jsonl") == 0 || strcmp(a, "--json") == 0) {
			o.jsonl = true;
		} else if (strcmp(a, "--checkpoints") == 0) {
			o.checkpoints = true;
		} else if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0) {
			uint64_t *t = a[2] == 'f' ? &o.from : &o.to;
			if (val == NULL || rg_jtime_parse(val, t) != 0) {
				fprintf(stderr, "riskctl audit: %s wants a time, e.g. 2024-05-01T13:45:00Z\n", a);
				return 2;
			}
			*(a[2] == 'f' ? &o.have_from : &o.have_to) = true;
			i++;
		} else if (strcmp(a, "--strategy") == 0 || strcmp(a, "--account") == 0) {
			if (val == NULL) {
				usage(stderr);
				return 2;
			}
			*(a[2] == 's' ? &o.strategy : &o.account) = val;
			i++;
		} else if (strcmp(a, "--type") == 0) {
			if (val == NULL || parse_types(&o, val) != 0) {
				usage(stderr);
				return 2;
			}
			i++;
		} else if (a[0] == '-' || n_files == sizeof(files) / sizeof(files[0])) {
			usage(stderr);
			return 2;
		} else {
			files[n_files++] = a;
		}
	}
	if (!o.jsonl || n_files == 0) {
		fprintf(stderr, "riskctl audit export: %s\n", n_files == 0 ? "no FILE" : "--jsonl is the only format, and required");
		usage(stderr);
		return 2;
	}
	names = rg_jnames_new();
	if (names == NULL)
		return 1;
	memset(&prev, 0, sizeof(prev));
	for (unsigned i = 0; i < n_files && rc == 0; i++)
		rc = export_file(files[i], &o, names, &prev, &have_prev);
	rg_jnames_free(names);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}

static int cmd_status(int argc, char **argv)
{
	const char *instance = getenv("RISKGATE_INSTANCE");
	struct rg_journal_status_view v;
	struct rg_journal j;
	char err[256], line[512], hex[2 * RG_JHASH_SIZE + 1];
	bool json = false;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--instance") == 0 && i + 1 < argc) {
			instance = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (instance == NULL)
		instance = "demo";
	rc = rg_journal_attach_readonly(&j, instance, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "riskctl audit: %s\n", err);
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:i}", "instance", instance, "error", err, "exit_code",
					      rc == -ENOENT ? 4 : 1);
			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
		}
		return rc == -ENOENT ? 4 : 1; /* 4: no engine ever ran on the instance (riskctl's exit statuses) */
	}
	rg_journal_status_read(&j, &v);
	rg_journal_close(&j);
	rg_jhash_hex(v.last_hash, hex);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}",
				      "instance", instance, "state", rg_journal_state_str(v.state), "error", (int)v.error,
				      "error_op", rg_journal_op_str(v.error_op), "file_date", (json_int_t)v.file_date,
				      "next_seq", (json_int_t)v.head, "written_seq", (json_int_t)v.written,
				      "durable_seq", (json_int_t)v.durable_seq, "records_written",
				      (json_int_t)v.records_written, "blocks_written", (json_int_t)v.blocks_written,
				      "bytes_written", (json_int_t)v.bytes_written, "appends_refused",
				      (json_int_t)v.full_count, "write_errors", (json_int_t)v.write_errors, "capacity",
				      (json_int_t)v.capacity, "last_hash", hex, "summary",
				      rg_journal_status_str(&v, line, sizeof(line)));
		if (o == NULL)
			return 1;
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		return 0;
	}
	printf("journal    %s\n", rg_journal_status_str(&v, line, sizeof(line)));
	printf("sequence   next %" PRIu64 ", written below %" PRIu64 ", synced below %" PRIu64 " (ring %" PRIu64
	       " records)\n",
	       v.head, v.written, v.durable_seq, v.capacity);
	printf("written    %" PRIu64 " records, %" PRIu64 " blocks, %" PRIu64 " bytes, %" PRIu64 " syncs, %" PRIu64
	       " rotations, %" PRIu64 " files removed\n",
	       v.records_written, v.blocks_written, v.bytes_written, v.fsyncs, v.rotations, v.files_removed);
	printf("errors     %" PRIu64 " (last: %s %s), appends refused %" PRIu64 "\n", v.write_errors,
	       rg_journal_op_str(v.error_op), v.error != 0 ? strerror(v.error) : "none", v.full_count);
	printf("last hash  %s\n", hex);
	return 0;
}

int rg_riskctl_audit_main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 2, argv + 2);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc - 2, argv + 2);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(argc - 2, argv + 2);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "riskctl audit: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
