/*
 * Journal records as JSON (export.h): the export format of `riskctl audit
 * export --jsonl`.  One function per body type turns its fields into named
 * JSON members; enums become their names, e8 values exact decimal strings
 * next to the raw integers, hashes hex.  Unsigned 64-bit values above
 * INT64_MAX (jansson's integer range) are written as decimal strings.
 */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_format.h"

#define NAMES_MAX_INDEX (1u << 20) /* bound on what a NAME record may make us allocate */

struct name_table {
	char (*v)[RG_NAME_MAX];
	uint32_t n;
};

struct rg_jnames {
	struct name_table t[5]; /* by enum rg_jname_kind */
};

struct rg_jnames *rg_jnames_new(void)
{
	return calloc(1, sizeof(struct rg_jnames));
}

void rg_jnames_free(struct rg_jnames *n)
{
	if (n == NULL)
		return;
	for (unsigned k = 0; k < 5; k++)
		free(n->t[k].v);
	free(n);
}

int rg_jnames_learn(struct rg_jnames *n, const struct rg_jrec *rec)
{
	const struct rg_jbody_name *b = &rec->u.name;
	struct name_table *t;

	if (rec->h.type != RG_JREC_NAME || b->what < RG_JNAME_STRATEGY || b->what > RG_JNAME_VENUE ||
	    b->index >= NAMES_MAX_INDEX)
		return 0;
	t = &n->t[b->what];
	if (b->index >= t->n) {
		uint32_t want = b->index + 1 > 2 * t->n ? b->index + 1 : 2 * t->n;
		char(*v)[RG_NAME_MAX] = realloc(t->v, (size_t)want * RG_NAME_MAX);
		if (v == NULL)
			return -ENOMEM;
		memset(v + t->n, 0, (size_t)(want - t->n) * RG_NAME_MAX);
		t->v = v;
		t->n = want;
	}
	memcpy(t->v[b->index], b->name, RG_NAME_MAX);
	t->v[b->index][RG_NAME_MAX - 1] = '\0';
	return 0;
}

const char *rg_jnames_get(const struct rg_jnames *n, unsigned what, uint32_t index)
{
	if (n == NULL || what < RG_JNAME_STRATEGY || what > RG_JNAME_VENUE || index >= n->t[what].n ||
	    n->t[what].v[index][0] == '\0')
		return NULL;
	return n->t[what].v[index];
}

/* ---- names of values ------------------------------------------------------ */

static const char *event_of_type(unsigned type)
{
	switch (type) {
	case RG_JREC_ENGINE_START: return "ENGINE_STARTED";
	case RG_JREC_ENGINE_STOP: return "ENGINE_STOPPED";
	case RG_JREC_CONFIG_LOADED: return "CONFIG_LOADED";
	case RG_JREC_NAME: return "NAME";
	case RG_JREC_ORDER_RECEIVED: return "ORDER_SUBMITTED";
	case RG_JREC_DECISION: return "ORDER_APPROVED";
	case RG_JREC_ORDER_DECIDED: return "ORDER_APPROVED";
	case RG_JREC_FORWARDED: return "ORDER_FORWARDED";
	case RG_JREC_VENUE_ACK: return "ORDER_ACKED";
	case RG_JREC_FILL: return "ORDER_FILLED";
	case RG_JREC_CANCELLED: return "ORDER_CANCELLED";
	case RG_JREC_VENUE_REJECT: return "VENUE_REJECTED";
	case RG_JREC_REPLACED: return "ORDER_REPLACED";
	case RG_JREC_REPLACE_REJECT: return "REPLACE_REJECTED";
	case RG_JREC_KILL: return "KILL";
	case RG_JREC_RESUME: return "RESUME";
	case RG_JREC_STATE_CHANGE: return "STATE_CHANGE";
	case RG_JREC_ADAPTER_CONNECTED: return "ADAPTER_CONNECTED";
	case RG_JREC_ADAPTER_DISCONNECTED: return "ADAPTER_DISCONNECTED";
	case RG_JREC_VENUE_PROTOCOL_ERROR: return "VENUE_PROTOCOL_ERROR";
	case RG_JREC_POSITION: return "POSITION_SNAPSHOT";
	case RG_JREC_ACCOUNT: return "ACCOUNT_SNAPSHOT";
	case RG_JREC_OPEN_ORDER: return "OPEN_ORDER_SNAPSHOT";
	case RG_JREC_CHECKPOINT: return "CHECKPOINT_WRITTEN";
	default: return "UNKNOWN";
	}
}

const char *rg_jrec_event_type(const struct rg_jrec *rec)
{
	if (rec->h.type == RG_JREC_DECISION && rec->u.decision.reason != RG_REJ_NONE)
		return "ORDER_REJECTED";
	if (rec->h.type == RG_JREC_ORDER_DECIDED && rec->u.order_decided.reason != RG_REJ_NONE)
		return "ORDER_REJECTED";
	if (rec->h.type == RG_JREC_CONFIG_LOADED && rec->u.config.reload)
		return "CONFIG_RELOADED";
	return event_of_type(rec->h.type);
}

bool rg_jevent_type_valid(const char *name)
{
	if (strcmp(name, "ORDER_REJECTED") == 0 || strcmp(name, "CONFIG_RELOADED") == 0)
		return true;
	for (unsigned t = 1; t < 64; t++)
		if (rg_jrec_type_known(t) && strcmp(event_of_type(t), name) == 0)
			return true;
	return false;
}

#define ENUM_CASE(prefix, x) \
	case prefix##x: return #x

static const char *kind_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_ORDER_, NEW);
	ENUM_CASE(RG_ORDER_, CANCEL);
	ENUM_CASE(RG_ORDER_, REPLACE);
	default: return NULL;
	}
}

static const char *side_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_SIDE_, BUY);
	ENUM_CASE(RG_SIDE_, SELL);
	default: return NULL;
	}
}

static const char *type_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_TYPE_, LIMIT);
	ENUM_CASE(RG_TYPE_, MARKET);
	default: return NULL;
	}
}

static const char *tif_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_TIF_, DAY);
	ENUM_CASE(RG_TIF_, IOC);
	ENUM_CASE(RG_TIF_, FOK);
	ENUM_CASE(RG_TIF_, GTC);
	default: return NULL;
	}
}

static const char *scope_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JSCOPE_, INSTANCE);
	ENUM_CASE(RG_JSCOPE_, ACCOUNT);
	ENUM_CASE(RG_JSCOPE_, STRATEGY);
	ENUM_CASE(RG_JSCOPE_, SYMBOL);
	ENUM_CASE(RG_JSCOPE_, VENUE);
	default: return NULL;
	}
}

static const char *source_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JSOURCE_, RISKCTL);
	ENUM_CASE(RG_JSOURCE_, REDIS);
	ENUM_CASE(RG_JSOURCE_, SIGNAL);
	ENUM_CASE(RG_JSOURCE_, DEADMAN);
	ENUM_CASE(RG_JSOURCE_, ENGINE);
	ENUM_CASE(RG_JSOURCE_, CONFIG);
	default: return NULL;
	}
}

static const char *entity_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JENTITY_, INSTANCE);
	ENUM_CASE(RG_JENTITY_, ACCOUNT);
	ENUM_CASE(RG_JENTITY_, STRATEGY);
	ENUM_CASE(RG_JENTITY_, SYMBOL);
	ENUM_CASE(RG_JENTITY_, ACCOUNT_LOSS);
	ENUM_CASE(RG_JENTITY_, BREAKER);
	ENUM_CASE(RG_JENTITY_, THROTTLE);
	default: return NULL;
	}
}

static const char *cause_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JCAUSE_, OTHER);
	ENUM_CASE(RG_JCAUSE_, OPERATOR);
	ENUM_CASE(RG_JCAUSE_, LOSS_LIMIT);
	ENUM_CASE(RG_JCAUSE_, DRAWDOWN);
	ENUM_CASE(RG_JCAUSE_, EXEC_THROTTLE);
	ENUM_CASE(RG_JCAUSE_, VENUE_FAILURE);
	ENUM_CASE(RG_JCAUSE_, RECOVERY_TIME);
	ENUM_CASE(RG_JCAUSE_, VENUE_SUCCESS);
	ENUM_CASE(RG_JCAUSE_, DAY_ROLL);
	ENUM_CASE(RG_JCAUSE_, ARITH_FAULT);
	ENUM_CASE(RG_JCAUSE_, CONFIG);
	ENUM_CASE(RG_JCAUSE_, DEAD_MAN);
	ENUM_CASE(RG_JCAUSE_, REATTACHED);
	ENUM_CASE(RG_JCAUSE_, QUARANTINE);
	ENUM_CASE(RG_JCAUSE_, TRUNCATED);
	default: return NULL;
	}
}

static const char *engine_cause_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JENGINE_, START_CLEAN);
	ENUM_CASE(RG_JENGINE_, START_RECOVERED);
	ENUM_CASE(RG_JENGINE_, STOP_SIGNAL);
	ENUM_CASE(RG_JENGINE_, STOP_ERROR);
	ENUM_CASE(RG_JENGINE_, STOP_REQUEST);
	default: return NULL;
	}
}

static const char *protocol_error_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JPROTO_, MALFORMED);
	ENUM_CASE(RG_JPROTO_, BAD_CHECKSUM);
	ENUM_CASE(RG_JPROTO_, GARBAGE);
	ENUM_CASE(RG_JPROTO_, COMP_ID);
	ENUM_CASE(RG_JPROTO_, SEQ_RESET_BACK);
	default: return NULL;
	}
}

static const char *name_kind_str(unsigned v)
{
	switch (v) {
	ENUM_CASE(RG_JNAME_, STRATEGY);
	ENUM_CASE(RG_JNAME_, ACCOUNT);
	ENUM_CASE(RG_JNAME_, SYMBOL);
	ENUM_CASE(RG_JNAME_, VENUE);
	default: return NULL;
	}
}

/* Trading states, breaker states (entity BREAKER) or throttle (ACTIVE / HALTED). */
static const char *state_str(unsigned entity, unsigned v)
{
	static const char *const trading[] = {"ACTIVE", "REDUCING", "HALTED"};
	static const char *const breaker[] = {"CLOSED", "OPEN", "HALF_OPEN"};

	if (v > 2)
		return NULL;
	return entity == RG_JENTITY_BREAKER ? breaker[v] : trading[v];
}

static const char *venue_kind_str(unsigned v)
{
	return v == 0 ? "SIM" : v == 1 ? "FIX" : v == 2 ? "REST" : NULL;
}

/* ---- values --------------------------------------------------------------- */

char *rg_je8_str(int64_t v, char *buf, size_t len)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t ip = a / 100000000u, fp = a % 100000000u;
	char frac[16];
	int n;

	if (fp == 0) {
		snprintf(buf, len, "%s%" PRIu64, v < 0 ? "-" : "", ip);
		return buf;
	}
	n = snprintf(frac, sizeof(frac), "%08" PRIu64, fp);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	snprintf(buf, len, "%s%" PRIu64 ".%s", v < 0 ? "-" : "", ip, frac);
	return buf;
}

char *rg_jtime_str(uint64_t real_ns, char *buf, size_t len)
{
	int64_t days = (int64_t)(real_ns / 1000000000ull / 86400);
	uint64_t sod = real_ns / 1000000000ull % 86400;
	uint32_t date = rg_jday_date(days);

	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%09uZ", date / 10000, date / 100 % 100, date % 100,
		 (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
		 (unsigned)(real_ns % 1000000000ull));
	return buf;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int rg_jtime_parse(const char *s, uint64_t *ns)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0;
	uint64_t frac = 0;
	int64_t day;
	int n = 0, k;

	if (s == NULL)
		return -EINVAL;
	if (all_digits(s) && strlen(s) > 8) {
		char *end;
		errno = 0;
		*ns = strtoull(s, &end, 10);
		return errno == 0 && *end == '\0' ? 0 : -EINVAL;
	}
	if (sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2u:%2u:%2u%n", &h, &mi, &sec, &n) != 3 || n != 8 || h > 23 || mi > 59 || sec > 60)
			return -EINVAL;
		s += 1 + n;
		if (*s == '.') {
			for (k = 0, s++; *s >= '0' && *s <= '9'; s++, k++)
				if (k < 9)
					frac = frac * 10 + (uint64_t)(*s - '0');
			if (k == 0)
				return -EINVAL;
			for (; k < 9; k++)
				frac *= 10;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0')
		return -EINVAL;
	day = rg_jday_from_date(y * 10000 + mo * 100 + d);
	if (day == INT64_MIN || day < 0)
		return -EINVAL;
	*ns = ((uint64_t)day * 86400 + h * 3600ull + mi * 60ull + sec) * 1000000000ull + frac;
	return 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static void put(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static void put_u64(json_t *o, const char *k, uint64_t v)
{
	char buf[24];

	if (v <= (uint64_t)INT64_MAX) {
		put(o, k, json_integer((json_int_t)v));
	} else {
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		put(o, k, json_string(buf));
	}
}

static void put_i64(json_t *o, const char *k, int64_t v)
{
	put(o, k, json_integer((json_int_t)v));
}

/* "name": "1.5" and "name_e8": 150000000 */
static void put_e8(json_t *o, const char *k, int64_t v)
{
	char buf[32], key[48];

	put(o, k, json_string(rg_je8_str(v, buf, sizeof(buf))));
	snprintf(key, sizeof(key), "%s_e8", k);
	put_i64(o, key, v);
}

/* A field's text: NUL-terminated within `size` bytes (a corrupt record may not be). */
static void put_text(json_t *o, const char *k, const char *field, size_t size)
{
	char buf[128];
	size_t n = strnlen(field, size < sizeof(buf) - 1 ? size : sizeof(buf) - 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)field[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	put(o, k, json_string(buf));
}

static void put_enum(json_t *o, const char *k, const char *name, unsigned v)
{
	put(o, k, name != NULL ? json_string(name) : json_integer(v));
}

/* "symbol": "AAPL" (or its index when no NAME record gave one) and "symbol_id". */
static void put_named(json_t *o, const char *k, const struct rg_jnames *names, unsigned what, uint32_t index)
{
	const char *n = rg_jnames_get(names, what, index);
	char key[48];

	put(o, k, n != NULL ? json_string(n) : json_integer(index));
	snprintf(key, sizeof(key), "%s_id", k);
	put(o, key, json_integer(index));
}

static void put_order(json_t *o, const struct rg_order *x, const struct rg_jnames *names)
{
	put_u64(o, "client_order_id", x->client_order_id);
	put_u64(o, "orig_client_order_id", x->orig_client_order_id);
	put_named(o, "symbol", names, RG_JNAME_SYMBOL, x->symbol_id);
	put_enum(o, "kind", kind_str(x->kind), x->kind);
	put_enum(o, "side", side_str(x->side), x->side);
	put_enum(o, "order_type", type_str(x->type), x->type);
	put_enum(o, "tif", tif_str(x->tif), x->tif);
	put_e8(o, "qty", x->qty_e8);
	put_e8(o, "price", x->price_e8);
	put_u64(o, "client_ts_ns", x->client_ts_ns);
	if (memcmp(x->reserved, "\0\0\0\0\0\0\0\0", sizeof(x->reserved)) != 0) {
		char hex[2 * sizeof(x->reserved) + 1];
		for (size_t i = 0; i < sizeof(x->reserved); i++)
			snprintf(hex + 2 * i, 3, "%02x", x->reserved[i]);
		put(o, "reserved", json_string(hex));
	}
}

/* The strategy's report a record stands for, when it has one. */
static void put_report_seq(json_t *o, uint64_t report_seq)
{
	if (report_seq != 0)
		put_u64(o, "report_seq", report_seq);
}

static void put_decision(json_t *o, const struct rg_jbody_decision *b, const struct rg_jnames *names)
{
	put_u64(o, "client_order_id", b->client_order_id);
	put_u64(o, "orig_client_order_id", b->orig_client_order_id);
	put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
	put_enum(o, "kind", kind_str(b->kind), b->kind);
	put_enum(o, "side", side_str(b->side), b->side);
	put_enum(o, "order_type", type_str(b->type), b->type);
	put_enum(o, "tif", tif_str(b->tif), b->tif);
	put_e8(o, "qty", b->qty_e8);
	put_e8(o, "price", b->price_e8);
	put(o, "result", json_string(b->reason == RG_REJ_NONE ? "APPROVED" : "REJECTED"));
	if (b->reason != RG_REJ_NONE) {
		put(o, "reason", json_string(rg_reject_str(b->reason)));
		put_i64(o, "limit", b->limit);
		put_i64(o, "value", b->value);
	} else {
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put(o, "probe", json_boolean(b->probe != 0));
	}
	put_report_seq(o, b->report_seq);
}

static void put_body(json_t *o, const struct rg_jrec *r, const struct rg_jnames *names)
{
	const void *u = &r->u;

	switch (r->h.type) {
	case RG_JREC_ORDER_RECEIVED:
		put_order(o, &r->u.order.order, names);
		break;
	case RG_JREC_DECISION:
		put_decision(o, &r->u.decision, names);
		break;
	case RG_JREC_ORDER_DECIDED: {
		/* Exporters split it (rg_jrec_split); alone it reads as its decision
		 * with the message's own fields. */
		struct rg_jrec parts[2];
		rg_jrec_split(r, parts);
		put_decision(o, &parts[1].u.decision, names);
		put_u64(o, "client_ts_ns", r->u.order_decided.order.client_ts_ns);
		break;
	}
	case RG_JREC_FORWARDED: {
		const struct rg_jbody_forwarded *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "orig_client_order_id", b->orig_client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_enum(o, "kind", kind_str(b->kind), b->kind);
		put_enum(o, "side", side_str(b->side), b->side);
		put_enum(o, "order_type", type_str(b->type), b->type);
		put_enum(o, "tif", tif_str(b->tif), b->tif);
		put_e8(o, "qty", b->qty_e8);
		put_e8(o, "price", b->price_e8);
		break;
	}
	case RG_JREC_VENUE_ACK: {
		const struct rg_jbody_ack *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_text(o, "venue_order_id", b->venue_order_id, sizeof(b->venue_order_id));
		put_report_seq(o, b->report_seq);
		break;
	}
	case RG_JREC_FILL: {
		const struct rg_jbody_fill *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_enum(o, "side", side_str(b->side), b->side);
		put_e8(o, "qty", b->qty_e8);
		put_e8(o, "price", b->price_e8);
		put_e8(o, "leaves", b->leaves_e8);
		put_text(o, "exec_id", b->exec_id, sizeof(b->exec_id));
		put_report_seq(o, b->report_seq);
		break;
	}
	case RG_JREC_CANCELLED: {
		const struct rg_jbody_cancelled *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_e8(o, "cancelled_qty", b->cancelled_qty_e8);
		put_report_seq(o, b->report_seq);
		break;
	}
	case RG_JREC_REPLACED: {
		const struct rg_jbody_replaced *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "orig_client_order_id", b->orig_client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_e8(o, "qty", b->qty_e8);
		put_e8(o, "price", b->price_e8);
		put_e8(o, "leaves", b->leaves_e8);
		put_i64(o, "venue_code", b->venue_code);
		put_report_seq(o, b->report_seq);
		break;
	}
	case RG_JREC_REPLACE_REJECT:
	case RG_JREC_VENUE_REJECT: {
		const struct rg_jbody_venue_reject *b = u;
		put_u64(o, "client_order_id", b->client_order_id);
		put_u64(o, "engine_seq", b->engine_seq);
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put(o, "cancel_reject", json_boolean(b->cancel != 0));
		if (r->h.type == RG_JREC_REPLACE_REJECT)
			put(o, "outcome_unknown", json_boolean(b->unknown != 0));
		put_i64(o, "venue_code", b->venue_code);
		put_text(o, "text", b->text, sizeof(b->text));
		put_report_seq(o, b->report_seq);
		break;
	}
	case RG_JREC_KILL:
	case RG_JREC_RESUME: {
		const struct rg_jbody_kill *b = u;
		static const unsigned scope_names[] = {0, 0, RG_JNAME_ACCOUNT, RG_JNAME_STRATEGY, RG_JNAME_SYMBOL,
						       RG_JNAME_VENUE};
		const char *n = b->scope < 6 ? rg_jnames_get(names, scope_names[b->scope], b->scope_id) : NULL;
		put_enum(o, "scope", scope_str(b->scope), b->scope);
		put(o, "scope_id", json_integer(b->scope_id));
		if (n != NULL)
			put(o, "scope_name", json_string(n));
		put_enum(o, "source", source_str(b->source), b->source);
		put_u64(o, "uid", b->uid);
		put_i64(o, "pid", b->pid);
		put_text(o, "reason", b->reason, sizeof(b->reason));
		break;
	}
	case RG_JREC_STATE_CHANGE: {
		const struct rg_jbody_state *b = u;
		static const unsigned entity_names[] = {0, 0, RG_JNAME_ACCOUNT, RG_JNAME_STRATEGY, RG_JNAME_SYMBOL,
							RG_JNAME_ACCOUNT, RG_JNAME_VENUE, RG_JNAME_STRATEGY};
		const char *n = b->entity < 8 ? rg_jnames_get(names, entity_names[b->entity], b->entity_id) : NULL;
		put_enum(o, "entity", entity_str(b->entity), b->entity);
		put(o, "entity_id", json_integer(b->entity_id));
		if (n != NULL)
			put(o, "entity_name", json_string(n));
		put_enum(o, "old_state", state_str(b->entity, b->old_state), b->old_state);
		put_enum(o, "new_state", state_str(b->entity, b->new_state), b->new_state);
		put_enum(o, "cause", cause_str(b->cause), b->cause);
		if (b->reason != RG_REJ_NONE)
			put(o, "reason", json_string(rg_reject_str(b->reason)));
		put_i64(o, "value", b->value);
		put_i64(o, "limit", b->limit);
		break;
	}
	case RG_JREC_CONFIG_LOADED: {
		const struct rg_jbody_config *b = u;
		char hex[2 * RG_JHASH_SIZE + 1];
		put(o, "sha256", json_string(rg_jhash_hex(b->sha256, hex)));
		put(o, "generation", json_integer(b->generation));
		put(o, "reload", json_boolean(b->reload != 0));
		put_text(o, "path", b->path, sizeof(b->path));
		break;
	}
	case RG_JREC_ADAPTER_CONNECTED:
	case RG_JREC_ADAPTER_DISCONNECTED: {
		const struct rg_jbody_adapter *b = u;
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_enum(o, "venue_kind", venue_kind_str(b->venue_kind), b->venue_kind);
		put_i64(o, "error", b->error);
		put_text(o, "detail", b->detail, sizeof(b->detail));
		break;
	}
	case RG_JREC_VENUE_PROTOCOL_ERROR: {
		const struct rg_jbody_protocol_error *b = u;
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		put_enum(o, "venue_kind", venue_kind_str(b->venue_kind), b->venue_kind);
		put_enum(o, "what", protocol_error_str(b->what), b->what);
		put(o, "reject_sent", json_boolean(b->reject_sent != 0));
		if (b->reject_sent)
			put(o, "reject_reason", json_integer(b->reject_reason));
		put(o, "ref_tag", json_integer(b->ref_tag));
		put_u64(o, "ref_seq_num", b->ref_seq_num);
		put_u64(o, "bytes_skipped", b->bytes_skipped);
		break;
	}
	case RG_JREC_ENGINE_START:
	case RG_JREC_ENGINE_STOP: {
		const struct rg_jbody_engine *b = u;
		put_i64(o, "pid", b->pid);
		put_u64(o, "uid", b->uid);
		put(o, "abi_version", json_integer(b->abi_version));
		put(o, "config_generation", json_integer(b->config_generation));
		put_enum(o, "cause", engine_cause_str(b->cause), b->cause);
		put_text(o, "version", b->version, sizeof(b->version));
		put_text(o, "host", b->host, sizeof(b->host));
		put_text(o, "detail", b->detail, sizeof(b->detail));
		break;
	}
	case RG_JREC_NAME: {
		const struct rg_jbody_name *b = u;
		put_enum(o, "what", name_kind_str(b->what), b->what);
		put(o, "index", json_integer(b->index));
		put_text(o, "name", b->name, sizeof(b->name));
		if (b->next_report_seq != 0)
			put_u64(o, "next_report_seq", b->next_report_seq);
		break;
	}
	case RG_JREC_POSITION: {
		const struct rg_jbody_position *b = u;
		put_named(o, "symbol", names, RG_JNAME_SYMBOL, b->symbol);
		put_e8(o, "qty", b->qty_e8);
		put_e8(o, "avg_price", b->avg_price_e8);
		put_e8(o, "open_buy_qty", b->open_buy_qty_e8);
		put_e8(o, "open_sell_qty", b->open_sell_qty_e8);
		break;
	}
	case RG_JREC_ACCOUNT: {
		const struct rg_jbody_account *b = u;
		put_e8(o, "equity_sod", b->equity_sod_e8);
		put_e8(o, "realized_today", b->realized_today_e8);
		put_e8(o, "peak_equity", b->peak_equity_e8);
		put_i64(o, "trading_day", b->trading_day);
		put(o, "orders_today", json_integer(b->orders_today));
		put_enum(o, "state", state_str(RG_JENTITY_ACCOUNT, b->state), b->state);
		put_enum(o, "loss_state", state_str(RG_JENTITY_ACCOUNT, b->loss_state), b->loss_state);
		if (b->loss_reason != RG_REJ_NONE)
			put(o, "loss_reason", json_string(rg_reject_str(b->loss_reason)));
		break;
	}
	case RG_JREC_OPEN_ORDER: {
		const struct rg_jbody_open_order *b = u;
		put_order(o, &b->order, names);
		put_u64(o, "engine_seq", b->engine_seq);
		put_e8(o, "leaves", b->leaves_e8);
		put_named(o, "venue", names, RG_JNAME_VENUE, b->venue);
		break;
	}
	case RG_JREC_CHECKPOINT: {
		const struct rg_jbody_checkpoint *b = u;
		char hex[2 * RG_JHASH_SIZE + 1];
		put_u64(o, "anchor_seq", b->anchor_seq);
		put_u64(o, "records", b->records);
		put_u64(o, "anchor_block", b->anchor_block);
		put_u64(o, "body_bytes", b->body_size);
		put(o, "anchor_hash", json_string(rg_jhash_hex(b->anchor_hash, hex)));
		put(o, "digest", json_string(rg_jhash_hex(b->digest, hex)));
		break;
	}
	default:
		break;
	}
}

json_t *rg_jrec_to_json(const struct rg_jrec *rec, const struct rg_jnames *names)
{
	json_t *o = json_object();
	char ts[40];

	if (o == NULL)
		return NULL;
	put_u64(o, "seq", rec->h.seq);
	put(o, "timestamp", json_string(rg_jtime_str(rec->h.real_ns, ts, sizeof(ts))));
	put_u64(o, "real_ns", rec->h.real_ns);
	put_u64(o, "mono_ns", rec->h.mono_ns);
	put(o, "event_type", json_string(rg_jrec_event_type(rec)));
	if (rec->h.strategy != RG_JREC_NONE)
		put_named(o, "strategy", names, RG_JNAME_STRATEGY, rec->h.strategy);
	if (rec->h.account != RG_JREC_NONE)
		put_named(o, "account", names, RG_JNAME_ACCOUNT, rec->h.account);
	put_body(o, rec, names);
	return o;
}
