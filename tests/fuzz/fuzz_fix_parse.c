/*
 * Fuzzes the FIX codec (adapters/fix/fix_codec.c) with what a venue could
 * send: the input is a TCP byte stream, cut into messages with rg_fix_frame
 * exactly as the session does (garbage dropped, frames handed on), and each
 * frame is parsed, validated and, for an ExecutionReport, decoded; the typed
 * getters run on every field.  The input as a whole is also given to
 * rg_fix_parse, rg_fix_parse_e8 and rg_fix_clordid_parse directly.
 *
 * Checks, trapping on a violation: framing never claims more bytes than it
 * was given and always makes progress; a parsed message's fields lie inside
 * it; a decimal or ClOrdID that parses encodes back to text that parses to
 * the same value; a message built by the encoder from the decoded fields
 * parses again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fix_codec.h"

static struct rg_fix_msg g_msg;

static void check_fields(const struct rg_fix_msg *m, size_t len)
{
	if (m->n_fields == 0 || m->n_fields > RG_FIX_MAX_FIELDS || m->len != len)
		__builtin_trap();
	for (uint32_t i = 0; i < m->n_fields; i++) {
		const struct rg_fix_field *f = &m->fields[i];
		uint64_t u;
		int64_t e;
		char c;
		bool b;
		if (f->len == 0 || (size_t)f->off + f->len >= len)
			__builtin_trap();
		rg_fix_get_u64(m, f->tag, &u);
		rg_fix_get_e8(m, f->tag, &e);
		rg_fix_get_char(m, f->tag, &c);
		rg_fix_get_bool(m, f->tag, &b);
	}
}

/* A decimal that parses writes back (rg_fix_add_e8) as text that parses to it. */
static void check_e8_round_trip(int64_t v)
{
	char buf[256];
	const char *out;
	struct rg_fix_writer w;
	struct rg_fix_header h = {"A", "B", 1, "20240102-10:00:00.000", false};
	int64_t back = 0;
	size_t len;

	rg_fix_begin(&w, buf, sizeof(buf), "0", &h);
	rg_fix_add_e8(&w, 44, v);
	len = rg_fix_finish(&w, &out);
	if (len == 0 || rg_fix_parse(out, len, &g_msg, NULL) != RG_FIX_PARSE_OK ||
	    rg_fix_get_e8(&g_msg, 44, &back) != 1 || back != v)
		__builtin_trap();
}

static void handle_frame(const char *p, size_t len)
{
	struct rg_fix_parse_error perr;
	struct rg_fix_exec e;
	uint32_t ref = 0;
	unsigned reason = 0;

	if (rg_fix_parse(p, len, &g_msg, &perr) != RG_FIX_PARSE_OK)
		return;
	check_fields(&g_msg, len);
	if (rg_fix_validate(&g_msg, &ref, &reason) != 0)
		return;
	if (g_msg.msg_type_len == 1 && g_msg.msg_type[0] == '8' && rg_fix_decode_exec(&g_msg, &e, &ref) == 0) {
		check_e8_round_trip(e.leaves_e8);
		check_e8_round_trip(e.cum_qty_e8);
		if (e.exec_type == 'F') {
			check_e8_round_trip(e.last_qty_e8);
			check_e8_round_trip(e.last_px_e8);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t off = 0;
	int64_t e8;
	uint64_t seq;
	uint32_t run;

	/* As the session reads a stream. */
	while (off < size) {
		ptrdiff_t f = rg_fix_frame(buf + off, size - off);
		if (f == 0)
			break;
		if (f < 0) {
			if ((size_t)-f > size - off)
				__builtin_trap();
			off += (size_t)-f;
			continue;
		}
		if ((size_t)f > size - off)
			__builtin_trap();
		handle_frame(buf + off, (size_t)f);
		off += (size_t)f;
	}
	/* The whole input as one message, a decimal and a ClOrdID. */
	handle_frame(buf, size);
	if (rg_fix_parse_e8(buf, size, &e8))
		check_e8_round_trip(e8);
	if (rg_fix_clordid_parse(buf, size, &run, &seq)) {
		char id[RG_FIX_CLORDID_MAX];
		uint64_t seq2 = 0;
		uint32_t run2 = 0;
		size_t n = rg_fix_clordid_new(id, run, seq);
		if (!rg_fix_clordid_parse(id, n, &run2, &seq2) || run2 != run || seq2 != seq)
			__builtin_trap();
	}
	return 0;
}
