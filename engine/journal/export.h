/*
 * A journal record as JSON (jansson), for `riskctl audit export --jsonl` and
 * the tests.  Field names and values are in docs/audit.md; every record
 * gives seq, timestamp (RFC 3339 UTC with nanoseconds), real_ns, mono_ns,
 * event_type, strategy / account (name when known, else index) and then its
 * type's fields.  Prices and quantities appear twice: exact decimal strings
 * ("qty": "100.5") and the raw fixed-point integers ("qty_e8").
 */
#ifndef RG_JOURNAL_EXPORT_H
#define RG_JOURNAL_EXPORT_H

#include <jansson.h>

#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Names learned from NAME records, so exports speak the config's names. */
struct rg_jnames;

struct rg_jnames *rg_jnames_new(void);
void rg_jnames_free(struct rg_jnames *n);

/* Learns the name a NAME record carries; other records are ignored.
 * Returns 0 or -ENOMEM. */
int rg_jnames_learn(struct rg_jnames *n, const struct rg_jrec *rec);

/* The name of index `index` of kind `what` (enum rg_jname_kind), or NULL. */
const char *rg_jnames_get(const struct rg_jnames *n, unsigned what, uint32_t index);

/* The export's event_type of a record: "ORDER_SUBMITTED", "ORDER_REJECTED", ...
 * "UNKNOWN" for a type this build does not know. */
const char *rg_jrec_event_type(const struct rg_jrec *rec);

/* True when `name` is an event_type some record can have. */
bool rg_jevent_type_valid(const char *name);

/* The record as a new JSON object (names may be NULL), or NULL without memory. */
json_t *rg_jrec_to_json(const struct rg_jrec *rec, const struct rg_jnames *names);

/* "2024-05-01T13:45:12.123456789Z" into buf (at least 32 bytes). */
char *rg_jtime_str(uint64_t real_ns, char *buf, size_t len);

/* Parses "2024-05-01T13:45:12[.fraction][Z]", "2024-05-01" or integer ns
 * since the epoch.  Returns 0 and *ns, or -EINVAL. */
int rg_jtime_parse(const char *s, uint64_t *ns);

/* Exact decimal of an e8 fixed-point value, e.g. 150000000 -> "1.5"; returns buf (>= 32 bytes). */
char *rg_je8_str(int64_t v, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* RG_JOURNAL_EXPORT_H */
