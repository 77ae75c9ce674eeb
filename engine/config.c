/*
 * The config loader: a JSON file (docs/config.md) into a struct rg_config,
 * with jansson, strictly.
 *
 * Strict means nothing is guessed: an unknown key, a value of the wrong type,
 * a number out of range, a name that does not resolve or two limits that
 * contradict each other refuse the whole file, with the JSON path of the
 * fault ("$.symbols[2].tick") and a sentence saying what is wrong.  Decimal
 * amounts are exact: they are written as JSON strings ("0.01") or integers
 * and converted digit by digit into fixed-point integers; a JSON real would
 * already have been rounded by the parser, so it is refused.  Secrets never
 * live in the config: only the paths of files holding them.
 *
 * Cold path only; allocates (the symbol table, account permission lists).
 */
#include "config.h"
#include "trading_hours.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixed.h"
#include "owned_file.h"

#define NS_PER_MS 1000000ull

/* Parsing context: the error being built and the current JSON path. */
struct ctx {
	struct rg_config_error *err;
	char path[256];
};

/* ---- errors and paths --------------------------------------------------- */

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->err->path, sizeof(c->err->path), "%s", c->path);
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
static size_t push_key(struct ctx *c, const char *key)
{
	size_t n = strlen(c->path);

	snprintf(c->path + n, sizeof(c->path) - n, ".%s", key);
	return n;
}

static size_t push_index(struct ctx *c, size_t i)
{
	size_t n = strlen(c->path);

	snprintf(c->path + n, sizeof(c->path) - n, "[%zu]", i);
	return n;
}

static void pop(struct ctx *c, size_t n)
{
	c->path[n] = '\0';
}

/* ---- strictness: known keys, no secrets --------------------------------- */

static bool looks_secret(const char *key)
{
	static const char *const words[] = {"password", "passwd", "secret", "api_key", "apikey", "token", "passphrase",
					    "private_key"};
	size_t n = strlen(key);

	if (n > 5 && strcmp(key + n - 5, "_file") == 0)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(key, words[i]) != NULL)
			return true;
	return false;
}

/* Refuses any key of `obj` not in the NULL-terminated `allowed` list. */
static int check_keys(struct ctx *c, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a != NULL && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok) {
			size_t n = push_key(c, key);
			int rc = looks_secret(key)
					 ? fail(c, "secrets never go in the config: put it in a file and give its path "
						   "(e.g. credentials_file, password_file), or use the environment")
					 : fail(c, "unknown key");
			pop(c, n);
			return rc;
		}
	}
	return 0;
}

static int want_object(struct ctx *c, json_t *v)
{
	return json_is_object(v) ? 0 : fail(c, "must be an object");
}

/* ---- scalar readers: each takes the parent object and a key ------------- */

/* The member `key` of obj, or NULL; *n receives the path length to pop. */
static json_t *member(struct ctx *c, json_t *obj, const char *key, size_t *n)
{
	*n = push_key(c, key);
	return json_object_get(obj, key);
}

static int get_string(struct ctx *c, json_t *obj, const char *key, bool required, char *out, size_t len)
{
	size_t n;
	json_t *v = member(c, obj, key, &n);
	int rc = 0;

	if (v == NULL)
		rc = required ? fail(c, "required") : 0;
	else if (!json_is_string(v))
		rc = fail(c, "must be a string");
	else if (json_string_length(v) >= len)
		rc = fail(c, "longer than %zu characters", len - 1);
	else
		snprintf(out, len, "%s", json_string_value(v));
	pop(c, n);
	return rc;
}

static int get_name(struct ctx *c, json_t *obj, const char *key, char *out)
{
	size_t n;
	int rc = get_string(c, obj, key, true, out, RG_NAME_MAX);

	if (rc == 0 && !rg_name_valid(out)) {
		n = push_key(c, key);
		rc = fail(c, "'%s' is not a valid name (1-31 of A-Z a-z 0-9 _ -)", out);
		pop(c, n);
	}
	return rc;
}

static int get_bool(struct ctx *c, json_t *obj, const char *key, bool *out)
{
	size_t n;
	json_t *v = member(c, obj, key, &n);
	int rc = 0;

	if (v != NULL && !json_is_boolean(v))
		rc = fail(c, "must be true or false");
	else if (v != NULL)
		*out = json_is_true(v);
	pop(c, n);
	return rc;
}

/* An integer in [min, max]; absent keeps *out (the default). */
static int get_int(struct ctx *c, json_t *obj, const char *key, bool required, int64_t min, int64_t max,
		   int64_t *out)
{
	size_t n;
	json_t *v = member(c, obj, key, &n);
	int rc = 0;

	if (v == NULL)
		rc = required ? fail(c, "required") : 0;
	else if (!json_is_integer(v))
		rc = fail(c, "must be an integer");
	else if (json_integer_value(v) < min || json_integer_value(v) > max)
		rc = fail(c, "must be between %lld and %lld", (long long)min, (long long)max);
	else
		*out = json_integer_value(v);
	pop(c, n);
	return rc;
}

static int get_u32(struct ctx *c, json_t *obj, const char *key, bool required, uint32_t max, uint32_t *out)
{
	int64_t v = *out;
	int rc = get_int(c, obj, key, required, 0, max, &v);

	*out = (uint32_t)v;
	return rc;
}

/* Milliseconds (integer) into nanoseconds. */
static int get_ms(struct ctx *c, json_t *obj, const char *key, uint64_t max_ms, uint64_t *out_ns)
{
	int64_t v = (int64_t)(*out_ns / NS_PER_MS);
	int rc = get_int(c, obj, key, false, 0, (int64_t)max_ms, &v);

	*out_ns = (uint64_t)v * NS_PER_MS;
	return rc;
}

/*
 * Exact decimal text ("-12.5", "0.00000001") into value * 10^scale_digits.
 * Returns 0, or a message for fail().
 */
static const char *parse_decimal(const char *s, unsigned scale_digits, int64_t *out)
{
	__int128 v = 0;
	unsigned frac = 0;
	bool neg = false, digits = false, dot = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return "is not a decimal number (write it like \"123.45\")";
		if (dot && ++frac > scale_digits)
			return scale_digits == 8 ? "has more than 8 decimal places" : "has more precision than allowed";
		v = v * 10 + (*s - '0');
		digits = true;
		if (v > INT64_MAX)
			return "is too large";
	}
	if (!digits)
		return "is not a decimal number (write it like \"123.45\")";
	for (; frac < scale_digits; frac++) {
		v *= 10;
		if (v > INT64_MAX)
			return "is too large";
	}
	*out = (int64_t)(neg ? -v : v);
	return NULL;
}

/* A decimal amount (price, quantity, money) as *_e8, in [min, max]. */
static int get_e8(struct ctx *c, json_t *obj, const char *key, bool required, int64_t min, int64_t *out)
{
	size_t n;
	json_t *v = member(c, obj, key, &n);
	const char *why = NULL;
	int64_t x = 0;
	int rc = 0;

	if (v == NULL) {
		rc = required ? fail(c, "required") : 0;
	} else if (json_is_integer(v)) {
		if (!rg_mul_i64(json_integer_value(v), (int64_t)RG_E8, &x))
			why = "is too large";
	} else if (json_is_string(v)) {
		why = parse_decimal(json_string_value(v), 8, &x);
	} else if (json_is_real(v)) {
		rc = fail(c, "write decimals as strings, e.g. \"0.01\", so they stay exact");
	} else {
		rc = fail(c, "must be a decimal string or an integer");
	}
	if (why != NULL)
		rc = fail(c, "%s", why);
	else if (rc == 0 && v != NULL && x < min)
		rc = fail(c, min > 0 ? "must be greater than 0" : "must not be negative");
	else if (rc == 0 && v != NULL)
		*out = x;
	pop(c, n);
	return rc;
}

/* A percentage (e.g. 10, "2.5") as basis points, in [0, max_pct] percent. */
static int get_pct(struct ctx *c, json_t *obj, const char *key, int64_t max_pct, uint32_t *out_bps)
{
	size_t n;
	json_t *v = member(c, obj, key, &n);
	const char *why = NULL;
	int64_t bps = 0;
	int rc = 0;

	if (v == NULL) {
		pop(c, n);
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max_pct)
		bps = json_integer_value(v) * 100;
	else if (json_is_string(v))
		why = parse_decimal(json_string_value(v), 2, &bps);
	else if (json_is_real(v))
		why = "write fractional percentages as strings, e.g. \"2.5\", so they stay exact";
	else
		bps = -1;
	if (why != NULL)
		rc = fail(c, "%s%s", why, strcmp(why, "has more precision than allowed") == 0 ? " (0.01%)" : "");
	else if (bps < 0 || bps > max_pct * 100)
		rc = fail(c, "must be a percentage between 0 and %lld", (long long)max_pct);
	else
		*out_bps = (uint32_t)bps;
	pop(c, n);
	return rc;
}

/* One of `choices` (NULL-terminated); *out gets its index. */
static int get_choice(struct ctx *c, json_t *obj, const char *key, const char *const *choices, uint8_t *out)
{
	char s[32];
	size_t n;
	int rc = get_string(c, obj, key, false, s, sizeof(s));

	if (rc != 0 || json_object_get(obj, key) == NULL)
		return rc;
	for (uint8_t i = 0; choices[i] != NULL; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	n = push_key(c, key);
	rc = fail(c, "'%s' is not one of the allowed values", s);
	pop(c, n);
	return rc;
}

/* An octal mode string such as "0600". */
static int get_mode(struct ctx *c, json_t *obj, const char *key, mode_t *out)
{
	char s[32], *end;
	size_t n;
	long m;
	int rc = get_string(c, obj, key, false, s, sizeof(s));

	if (rc != 0 || json_object_get(obj, key) == NULL)
		return rc;
	m = strtol(s, &end, 8);
	if (*end != '\0' || s[0] != '0' || m < 0 || m > 0777) {
		n = push_key(c, key);
		rc = fail(c, "must be an octal mode string such as \"0600\"");
		pop(c, n);
		return rc;
	}
	*out = (mode_t)m;
	return 0;
}

/* A user (is_group false) or group name resolved to its numeric id. */
static int get_owner(struct ctx *c, json_t *obj, const char *key, bool is_group, unsigned *out)
{
	char s[64];
	size_t n;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	int rc = get_string(c, obj, key, false, s, sizeof(s));

	if (rc != 0 || json_object_get(obj, key) == NULL)
		return rc;
	if (is_group ? (gr = getgrnam(s)) == NULL : (pw = getpwnam(s)) == NULL) {
		n = push_key(c, key);
		rc = fail(c, "no such %s '%s'", is_group ? "group" : "user", s);
		pop(c, n);
		return rc;
	}
	*out = is_group ? (unsigned)gr->gr_gid : (unsigned)pw->pw_uid;
	return 0;
}

static int get_user(struct ctx *c, json_t *obj, const char *key, uid_t *out)
{
	unsigned id = *out;
	int rc = get_owner(c, obj, key, false, &id);

	*out = (uid_t)id;
	return rc;
}

static int get_group(struct ctx *c, json_t *obj, const char *key, gid_t *out)
{
	unsigned id = *out;
	int rc = get_owner(c, obj, key, true, &id);

	*out = (gid_t)id;
	return rc;
}

static int fail_at(struct ctx *c, const char *key, const char *message);

/* A rate limit object {"count": N, "per_ms": W}; a strategy's may also have
 * "kind": "window" (the default) or "bucket".  A venue's limits are exact
 * windows: the "burst" of the token buckets they once were is refused with
 * an explanation. */
static int get_rate(struct ctx *c, json_t *v, bool venue, struct rg_rate_limit *out)
{
	static const char *const keys[] = {"count", "per_ms", "kind", NULL};
	static const char *const venue_keys[] = {"count", "per_ms", NULL};
	int64_t count = 0, per = 0;
	int rc;

	if ((rc = want_object(c, v)) != 0)
		return rc;
	if (venue && json_object_get(v, "burst") != NULL)
		return fail_at(c, "burst",
			       "venue limits are exact sliding windows: at most \"count\" sends in any \"per_ms\" "
			       "window, all of them back to back if need be, so there is no burst to set; remove it");
	if ((rc = check_keys(c, v, venue ? venue_keys : keys)) != 0 ||
	    (rc = get_int(c, v, "count", true, 1, venue ? RG_VENUE_RATE_MAX_COUNT : UINT32_MAX, &count)) != 0 ||
	    (rc = get_int(c, v, "per_ms", true, 1, 86400000, &per)) != 0)
		return rc;
	out->kind = RG_RATE_WINDOW;
	if (!venue) {
		static const char *const kinds[] = {"window", "bucket", NULL};
		uint8_t k = RG_RATE_WINDOW;
		if ((rc = get_choice(c, v, "kind", kinds, &k)) != 0)
			return rc;
		out->kind = k;
	}
	if (!venue && out->kind == RG_RATE_WINDOW && count > RG_VENUE_RATE_MAX_COUNT) {
		size_t n = push_key(c, "count");
		rc = fail(c, "a window keeps every send time: at most %u (or \"kind\": \"bucket\")",
			  RG_VENUE_RATE_MAX_COUNT);
		pop(c, n);
		return rc;
	}
	out->count = (uint32_t)count;
	out->window_ns = (uint64_t)per * NS_PER_MS;
	return 0;
}

/* "N per second" shorthand: an integer; 0 = unlimited. */
static int get_per_second(struct ctx *c, json_t *obj, const char *key, struct rg_rate_limit *out)
{
	int64_t v = out->count;
	int rc = get_int(c, obj, key, false, 0, 100000000, &v);

	if (rc == 0 && json_object_get(obj, key) != NULL) {
		out->count = (uint32_t)v;
		out->window_ns = v > 0 ? 1000 * NS_PER_MS : 0;
	}
	return rc;
}

/* Iterates the array member `key` of obj; calls fn for each element. */
typedef int (*element_fn)(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i);

static int each(struct ctx *c, struct rg_config *cfg, json_t *obj, const char *key, size_t max, element_fn fn)
{
	size_t n, i, m;
	json_t *arr = member(c, obj, key, &n), *v;
	int rc = 0;

	if (arr == NULL)
		rc = fail(c, "required: at least one entry");
	else if (!json_is_array(arr))
		rc = fail(c, "must be an array");
	else if (json_array_size(arr) == 0)
		rc = fail(c, "must have at least one entry");
	else if (json_array_size(arr) > max)
		rc = fail(c, "at most %zu entries", max);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		m = push_index(c, i);
		rc = want_object(c, v);
		if (rc == 0)
			rc = fn(c, cfg, v, i);
		pop(c, m);
		if (rc != 0)
			break;
	}
	pop(c, n);
	return rc;
}

/* ---- sections ------------------------------------------------------------ */

static int find_name(const char *name, const char *base, size_t stride, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		if (strcmp(base + (size_t)i * stride, name) == 0)
			return (int)i;
	return -1;
}

/* Refuses a duplicate of the name just read into entry `i`. */
static int unique_name(struct ctx *c, const char *base, size_t stride, uint32_t i)
{
	const char *name = base + (size_t)i * stride;
	int first = find_name(name, base, stride, i);

	if (first < 0)
		return 0;
	size_t n = push_key(c, "name");
	int rc = fail(c, "'%s' is already used by entry %d", name, first);
	pop(c, n);
	return rc;
}

/* "rate_margin_us": 0..1 s, default 1 ms. */
static int get_venue_margin(struct ctx *c, json_t *v, uint64_t *out_ns)
{
	int64_t us = 1000;
	int rc = get_int(c, v, "rate_margin_us", false, 0, 1000000, &us);

	*out_ns = (uint64_t)us * 1000u;
	return rc;
}

/* fail() at the member `key` of the current object. */
static int fail_at(struct ctx *c, const char *key, const char *message)
{
	size_t n = push_key(c, key);
	int rc = fail(c, "%s", message);

	pop(c, n);
	return rc;
}

/* A string of 1..len-1 printable ASCII characters, no spaces (a FIX CompID,
 * a host name); `what` names the expectation in the error. */
static int get_token(struct ctx *c, json_t *obj, const char *key, char *out, size_t len, const char *what)
{
	int rc = get_string(c, obj, key, true, out, len);

	if (rc != 0)
		return rc;
	if (out[0] == '\0')
		return fail_at(c, key, "must not be empty");
	for (const char *p = out; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			return fail_at(c, key, what);
	return 0;
}

/* The name of an environment variable: [A-Za-z_][A-Za-z0-9_]*. */
static int get_env_name(struct ctx *c, json_t *obj, const char *key, char *out, size_t len)
{
	int rc = get_string(c, obj, key, false, out, len);

	if (rc != 0 || json_object_get(obj, key) == NULL)
		return rc;
	for (const char *p = out; *p != '\0'; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (p != out && *p >= '0' && *p <= '9')))
			return fail_at(c, key, "must be the name of an environment variable (letters, digits, _)");
	if (out[0] == '\0')
		return fail_at(c, key, "must be the name of an environment variable (letters, digits, _)");
	return 0;
}

/*
 * The venue's "fix" object (adapters/fix, docs/adapters.md): required for
 * adapter "fix", refused for any other.  Credentials stay out of it: the
 * venue's credentials_file, or the names of environment variables.
 */
static int parse_fix(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"host", "port", "sender_comp_id", "target_comp_id", "heartbeat_s",
					   "store", "reconnect_min_ms", "reconnect_max_ms", "username_env",
					   "password_env", NULL};
	static const char comp_id[] = "must be 1-32 printable ASCII characters without spaces";
	struct rg_venue_cfg *vc = &cfg->venues[i];
	int64_t port = 0, hb = 30, rmin = 500, rmax = 30000;
	size_t n;
	json_t *x = member(c, v, "fix", &n);
	int rc = 0;

	if (x == NULL || vc->kind != RG_VENUE_FIX) {
		pop(c, n);
		if (x == NULL && vc->kind == RG_VENUE_FIX)
			return fail_at(c, "fix", "required for adapter \"fix\" (host, port, comp ids, store)");
		return x == NULL ? 0 : fail_at(c, "fix", "only for adapter \"fix\"");
	}
	if ((rc = want_object(c, x)) != 0 || (rc = check_keys(c, x, keys)) != 0 ||
	    (rc = get_token(c, x, "host", vc->fix_host, sizeof(vc->fix_host),
			    "must be a host name or an address (no spaces)")) != 0 ||
	    (rc = get_int(c, x, "port", true, 1, 65535, &port)) != 0 ||
	    (rc = get_token(c, x, "sender_comp_id", vc->fix_sender_comp_id, sizeof(vc->fix_sender_comp_id),
			    comp_id)) != 0 ||
	    (rc = get_token(c, x, "target_comp_id", vc->fix_target_comp_id, sizeof(vc->fix_target_comp_id),
			    comp_id)) != 0 ||
	    (rc = get_int(c, x, "heartbeat_s", false, 1, 3600, &hb)) != 0 ||
	    (rc = get_string(c, x, "store", true, vc->fix_store_path, sizeof(vc->fix_store_path))) != 0 ||
	    (rc = get_int(c, x, "reconnect_min_ms", false, 1, 600000, &rmin)) != 0 ||
	    (rc = get_int(c, x, "reconnect_max_ms", false, 1, 3600000, &rmax)) != 0 ||
	    (rc = get_env_name(c, x, "username_env", vc->fix_username_env, sizeof(vc->fix_username_env))) != 0 ||
	    (rc = get_env_name(c, x, "password_env", vc->fix_password_env, sizeof(vc->fix_password_env))) != 0)
		goto out;
	if (vc->fix_store_path[0] == '\0') {
		rc = fail_at(c, "store", "must not be empty");
		goto out;
	}
	for (size_t k = 0; k < i; k++) {
		if (cfg->venues[k].kind == RG_VENUE_FIX && strcmp(cfg->venues[k].fix_store_path, vc->fix_store_path) == 0) {
			size_t s = push_key(c, "store");
			rc = fail(c, "already the store of venue '%s': each FIX session needs its own",
				  cfg->venues[k].name);
			pop(c, s);
			goto out;
		}
	}
	if (rmax < rmin) {
		rc = fail_at(c, "reconnect_max_ms", "must not be less than reconnect_min_ms");
		goto out;
	}
	if (vc->credentials_file[0] != '\0' && (vc->fix_username_env[0] != '\0' || vc->fix_password_env[0] != '\0')) {
		rc = fail_at(c, vc->fix_password_env[0] != '\0' ? "password_env" : "username_env",
			     "give either the venue's credentials_file or username_env/password_env, not both");
		goto out;
	}
	vc->fix_port = (uint16_t)port;
	vc->fix_heartbeat_s = (uint32_t)hb;
	vc->fix_reconnect_min_ns = (uint64_t)rmin * NS_PER_MS;
	vc->fix_reconnect_max_ns = (uint64_t)rmax * NS_PER_MS;
out:
	pop(c, n);
	return rc;
}

/* An https:// or wss:// URL: scheme, then a host with an optional port, then
 * (path_ok) an optional path; printable ASCII without spaces or quotes.  A
 * plain http:// or ws:// URL is refused: the venue is always verified. */
static int get_url(struct ctx *c, json_t *obj, const char *key, const char *scheme, bool path_ok, char *out,
		   size_t len)
{
	int rc = get_string(c, obj, key, true, out, len);
	size_t k = strlen(scheme), host;

	if (rc != 0)
		return rc;
	if (strncmp(out, scheme, k) != 0) {
		char why[96];
		snprintf(why, sizeof(why), "must start with %s (TLS with certificate verification is required)", scheme);
		return fail_at(c, key, why);
	}
	for (const char *p = out; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
			return fail_at(c, key, "must be a URL of printable characters without spaces");
	host = strcspn(out + k, "/?#");
	if (host == 0)
		return fail_at(c, key, "has no host");
	if (!path_ok && out[k + host] != '\0' && strcmp(out + k + host, "/") != 0)
		return fail_at(c, key, "must be scheme://host[:port] without a path");
	if (!path_ok && out[k + host] == '/')
		out[k + host] = '\0';
	return 0;
}

/*
 * The venue's "rest" object (adapters/rest, docs/adapters.md): required for
 * adapter "rest", refused for any other.  The API key and secret stay out of
 * it: the venue's credentials_file, or the names of environment variables.
 */
static int parse_rest(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"base_url", "ws_url", "ca_file", "api_key_header", "client_id_prefix",
					   "recv_window_ms", "timeout_ms", "max_in_flight", "request_weight",
					   "cancel_replace", "listen_key_keepalive_s", "reconnect_min_ms",
					   "reconnect_max_ms", "api_key_env", "api_secret_env", NULL};
	static const char *const weight_keys[] = {"count", "per_ms", "reserve", NULL};
	struct rg_venue_cfg *vc = &cfg->venues[i];
	int64_t recv = 5000, timeout = 10000, inflight = 16, keepalive = 1800, rmin = 500, rmax = 30000;
	size_t n, m;
	json_t *x = member(c, v, "rest", &n), *w;
	int rc = 0;

	if (x == NULL || vc->kind != RG_VENUE_REST) {
		pop(c, n);
		if (x == NULL && vc->kind == RG_VENUE_REST)
			return fail_at(c, "rest", "required for adapter \"rest\" (base_url, ws_url)");
		return x == NULL ? 0 : fail_at(c, "rest", "only for adapter \"rest\"");
	}
	if ((rc = want_object(c, x)) != 0 || (rc = check_keys(c, x, keys)) != 0 ||
	    (rc = get_url(c, x, "base_url", "https://", false, vc->rest_base_url, sizeof(vc->rest_base_url))) != 0 ||
	    (rc = get_url(c, x, "ws_url", "wss://", true, vc->rest_ws_url, sizeof(vc->rest_ws_url))) != 0 ||
	    (rc = get_string(c, x, "ca_file", false, vc->rest_ca_file, sizeof(vc->rest_ca_file))) != 0 ||
	    (rc = get_int(c, x, "recv_window_ms", false, 1, 60000, &recv)) != 0 ||
	    (rc = get_int(c, x, "timeout_ms", false, 100, 120000, &timeout)) != 0 ||
	    (rc = get_int(c, x, "max_in_flight", false, 1, 256, &inflight)) != 0 ||
	    (rc = get_bool(c, x, "cancel_replace", &vc->rest_cancel_replace)) != 0 ||
	    (rc = get_int(c, x, "listen_key_keepalive_s", false, 1, 3600, &keepalive)) != 0 ||
	    (rc = get_int(c, x, "reconnect_min_ms", false, 1, 600000, &rmin)) != 0 ||
	    (rc = get_int(c, x, "reconnect_max_ms", false, 1, 3600000, &rmax)) != 0 ||
	    (rc = get_env_name(c, x, "api_key_env", vc->rest_api_key_env, sizeof(vc->rest_api_key_env))) != 0 ||
	    (rc = get_env_name(c, x, "api_secret_env", vc->rest_api_secret_env, sizeof(vc->rest_api_secret_env))) != 0)
		goto out;
	if (json_object_get(x, "api_key_header") != NULL) {
		if ((rc = get_token(c, x, "api_key_header", vc->rest_api_key_header, sizeof(vc->rest_api_key_header),
				    "must be an HTTP header name (letters, digits, -)")) != 0)
			goto out;
		for (const char *p = vc->rest_api_key_header; *p != '\0'; p++) {
			if (!(*p == '-' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
				rc = fail_at(c, "api_key_header", "must be an HTTP header name (letters, digits, -)");
				goto out;
			}
		}
	}
	if (json_object_get(x, "client_id_prefix") != NULL) {
		if ((rc = get_string(c, x, "client_id_prefix", true, vc->rest_client_id_prefix,
				     sizeof(vc->rest_client_id_prefix))) != 0)
			goto out;
		size_t len = strlen(vc->rest_client_id_prefix);
		bool ok = len >= 1 && len <= 8;
		for (const char *p = vc->rest_client_id_prefix; ok && *p != '\0'; p++)
			ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (!ok) {
			rc = fail_at(c, "client_id_prefix", "must be 1-8 letters or digits");
			goto out;
		}
	}
	w = member(c, x, "request_weight", &m);
	if (w != NULL) {
		int64_t count = 0, per = 0, reserve = 0;
		if ((rc = want_object(c, w)) == 0 && (rc = check_keys(c, w, weight_keys)) == 0 &&
		    (rc = get_int(c, w, "count", true, 1, 10000000, &count)) == 0 &&
		    (rc = get_int(c, w, "per_ms", true, 1000, 86400000, &per)) == 0 &&
		    (rc = get_int(c, w, "reserve", false, 0, count - 1, &reserve)) == 0) {
			vc->rest_weight_limit = (uint32_t)count;
			vc->rest_weight_window_ns = (uint64_t)per * NS_PER_MS;
			vc->rest_weight_reserve = (uint32_t)reserve;
		}
	}
	pop(c, m);
	if (rc != 0)
		goto out;
	if (rmax < rmin) {
		rc = fail_at(c, "reconnect_max_ms", "must not be less than reconnect_min_ms");
		goto out;
	}
	if (vc->credentials_file[0] != '\0' && (vc->rest_api_key_env[0] != '\0' || vc->rest_api_secret_env[0] != '\0')) {
		rc = fail_at(c, vc->rest_api_secret_env[0] != '\0' ? "api_secret_env" : "api_key_env",
			     "give either the venue's credentials_file or api_key_env/api_secret_env, not both");
		goto out;
	}
	vc->rest_recv_window_ms = (uint32_t)recv;
	vc->rest_timeout_ns = (uint64_t)timeout * NS_PER_MS;
	vc->rest_max_in_flight = (uint32_t)inflight;
	vc->rest_keepalive_ns = (uint64_t)keepalive * 1000000000ull;
	vc->rest_reconnect_min_ns = (uint64_t)rmin * NS_PER_MS;
	vc->rest_reconnect_max_ns = (uint64_t)rmax * NS_PER_MS;
out:
	pop(c, n);
	if (rc == 0 && vc->n_buckets == 0)
		rc = fail_at(c, "rate_limits",
			     "required for adapter \"rest\": the venue's own order limits, so that riskgate throttles "
			     "before the venue would");
	return rc;
}

/* "HH:MM" (00:00..24:00) into minutes after midnight. */
static int get_hhmm(struct ctx *c, json_t *obj, const char *key, uint16_t *out)
{
	char t[8];
	unsigned h, m;
	char tail;
	size_t n;
	int rc = get_string(c, obj, key, true, t, sizeof(t));

	if (rc != 0)
		return rc;
	if (sscanf(t, "%2u:%2u%c", &h, &m, &tail) != 2 || strlen(t) != 5 || h > 24 || m > 59 || (h == 24 && m != 0)) {
		n = push_key(c, key);
		rc = fail(c, "must be a local time \"HH:MM\" (00:00 to 24:00)");
		pop(c, n);
		return rc;
	}
	*out = (uint16_t)(h * 60 + m);
	return 0;
}

/* One named schedule of "trading_hours": {"time_zone", "sessions": [{"open",
 * "close"}], "days", "closed_dates"}. */
static int parse_hours_entry(struct ctx *c, json_t *v, struct rg_hours_cfg *h)
{
	static const char *const keys[] = {"time_zone", "sessions", "days", "closed_dates", NULL};
	static const char *const session_keys[] = {"open", "close", NULL};
	static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	struct rg_tz tz;
	char err[256];
	json_t *x, *e;
	size_t n, m, i;
	int rc;

	if ((rc = want_object(c, v)) != 0 || (rc = check_keys(c, v, keys)) != 0 ||
	    (rc = get_string(c, v, "time_zone", true, h->time_zone, sizeof(h->time_zone))) != 0)
		return rc;
	/* The zone must be readable now: a schedule that cannot be evaluated would
	 * leave its symbols closed. */
	if ((rc = rg_tz_load(&tz, NULL, h->time_zone, err, sizeof(err))) != 0)
		return fail_at(c, "time_zone", err);
	rg_tz_free(&tz);
	x = member(c, v, "sessions", &n);
	if (x == NULL || !json_is_array(x) || json_array_size(x) == 0 || json_array_size(x) > RG_HOURS_MAX_SESSIONS)
		rc = fail(c, "required: an array of 1 to %d sessions {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}",
			  RG_HOURS_MAX_SESSIONS);
	json_array_foreach(rc == 0 ? x : NULL, i, e) {
		m = push_index(c, i);
		if ((rc = want_object(c, e)) == 0 && (rc = check_keys(c, e, session_keys)) == 0 &&
		    (rc = get_hhmm(c, e, "open", &h->open_min[i])) == 0 &&
		    (rc = get_hhmm(c, e, "close", &h->close_min[i])) == 0 && h->close_min[i] <= h->open_min[i])
			rc = fail_at(c, "close", "must be after open (a session within one local day)");
		pop(c, m);
		if (rc != 0)
			break;
		h->n_sessions = (uint8_t)(i + 1);
	}
	pop(c, n);
	if (rc != 0)
		return rc;
	h->days = 0x3e; /* Monday to Friday */
	x = member(c, v, "days", &n);
	if (x != NULL) {
		h->days = 0;
		if (!json_is_array(x))
			rc = fail(c, "must be an array of weekdays (\"mon\", \"tue\", ... \"sun\")");
		json_array_foreach(rc == 0 ? x : NULL, i, e) {
			int d = -1;
			for (int k = 0; k < 7 && json_is_string(e); k++)
				if (strcmp(json_string_value(e), day_names[k]) == 0)
					d = k;
			if (d < 0) {
				m = push_index(c, i);
				rc = fail(c, "not a weekday (\"mon\", \"tue\", ... \"sun\")");
				pop(c, m);
				break;
			}
			h->days |= (uint8_t)(1u << d);
		}
	}
	pop(c, n);
	if (rc != 0)
		return rc;
	x = member(c, v, "closed_dates", &n);
	if (x != NULL && (!json_is_array(x) || json_array_size(x) > RG_HOURS_MAX_CLOSED))
		rc = fail(c, "must be an array of at most %d dates \"YYYY-MM-DD\"", RG_HOURS_MAX_CLOSED);
	json_array_foreach(rc == 0 && x != NULL ? x : NULL, i, e) {
		unsigned y, mo, d;
		char tail;
		const char *t = json_is_string(e) ? json_string_value(e) : "";
		if (sscanf(t, "%4u-%2u-%2u%c", &y, &mo, &d, &tail) != 3 || strlen(t) != 10 || y < 1970 || mo < 1 ||
		    mo > 12 || d < 1 || d > 31) {
			m = push_index(c, i);
			rc = fail(c, "must be a date \"YYYY-MM-DD\"");
			pop(c, m);
			break;
		}
		h->closed[i] = (int32_t)rg_days_from_civil(y, mo, d);
		h->n_closed = (uint16_t)(i + 1);
	}
	pop(c, n);
	return rc;
}

/* "trading_hours": {"NAME": {...}, ...}: the schedules venues and symbols name. */
static int parse_hours(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	size_t n, m;
	const char *name;
	json_t *x = member(c, root, "trading_hours", &n), *v;
	int rc = 0;

	if (x != NULL && !json_is_object(x))
		rc = fail(c, "must be an object of named schedules");
	else if (x != NULL && json_object_size(x) > RG_MAX_HOURS)
		rc = fail(c, "at most %d schedules", RG_MAX_HOURS);
	json_object_foreach(rc == 0 && x != NULL ? x : NULL, name, v) {
		struct rg_hours_cfg *h = &cfg->hours[cfg->n_hours];
		m = push_key(c, name);
		if (!rg_name_valid(name))
			rc = fail(c, "a schedule's name is 1 to 31 characters of A-Z a-z 0-9 _ -");
		else {
			snprintf(h->name, sizeof(h->name), "%s", name);
			rc = parse_hours_entry(c, v, h);
		}
		pop(c, m);
		if (rc != 0)
			break;
		cfg->n_hours++;
	}
	pop(c, n);
	return rc;
}

/* A venue's or symbol's "trading_hours": the name of a schedule -> index + 1. */
static int hours_of(struct ctx *c, const struct rg_config *cfg, json_t *obj, uint8_t *out)
{
	char name[RG_NAME_MAX] = "";
	size_t n;
	int rc = json_object_get(obj, "trading_hours") != NULL ? get_string(c, obj, "trading_hours", true, name, sizeof(name)) : 0;

	if (rc != 0 || name[0] == '\0')
		return rc;
	for (uint32_t k = 0; k < cfg->n_hours; k++)
		if (strcmp(cfg->hours[k].name, name) == 0) {
			*out = (uint8_t)(k + 1);
			return 0;
		}
	n = push_key(c, "trading_hours");
	rc = fail(c, "'%s' is not a schedule of the top-level \"trading_hours\"", name);
	pop(c, n);
	return rc;
}

static int parse_venue(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"name", "adapter", "dry_run", "on_throttle", "queue_capacity", "rate_limits",
					   "rate_margin_us", "breaker", "credentials_file", "sim", "fix", "rest",
					   "trading_hours", NULL};
	static const char *const kinds[] = {"sim", "fix", "rest", NULL};
	static const char *const throttles[] = {"reject", "queue", NULL};
	static const char *const breaker_keys[] = {"consecutive_failures", "failures_per_hour", "recovery_s", NULL};
	static const char *const sim_keys[] = {"seed", "reject_pct", "disconnect_every_ms", "disconnect_for_ms",
						   "delay_us", "half_spread_ticks", "receive_log", "market_file", "hold_file", NULL};
	struct rg_venue_cfg *vc = &cfg->venues[i];
	json_t *x;
	size_t n, m;
	int rc;

	if ((rc = check_keys(c, v, keys)) != 0 || (rc = get_name(c, v, "name", vc->name)) != 0 ||
	    (rc = unique_name(c, cfg->venues[0].name, sizeof(*vc), (uint32_t)i)) != 0 ||
	    (rc = hours_of(c, cfg, v, &vc->hours)) != 0)
		return rc;
	if (json_object_get(v, "adapter") == NULL) {
		n = push_key(c, "adapter");
		rc = fail(c, "required (\"sim\", \"fix\" or \"rest\")");
		pop(c, n);
		return rc;
	}
	vc->queue_capacity = 1024;
	if ((rc = get_choice(c, v, "adapter", kinds, &vc->kind)) != 0 || (rc = get_bool(c, v, "dry_run", &vc->dry_run)) != 0 ||
	    (rc = get_venue_margin(c, v, &vc->rate_margin_ns)) != 0 ||
	    (rc = get_choice(c, v, "on_throttle", throttles, &vc->throttle_policy)) != 0 ||
	    (rc = get_u32(c, v, "queue_capacity", false, 1u << 20, &vc->queue_capacity)) != 0 ||
	    (rc = get_string(c, v, "credentials_file", false, vc->credentials_file, sizeof(vc->credentials_file))) != 0)
		return rc;
	x = member(c, v, "rate_limits", &n);
	if (x != NULL && !json_is_array(x))
		rc = fail(c, "must be an array of {\"count\", \"per_ms\"}");
	else if (x != NULL && json_array_size(x) > RG_MAX_VENUE_BUCKETS)
		rc = fail(c, "at most %d rate limits", RG_MAX_VENUE_BUCKETS);
	for (size_t b = 0; rc == 0 && x != NULL && b < json_array_size(x); b++) {
		m = push_index(c, b);
		rc = get_rate(c, json_array_get(x, b), true, &vc->buckets[b]);
		vc->n_buckets = (uint32_t)b + 1;
		pop(c, m);
	}
	pop(c, n);
	if (rc != 0)
		return rc;
	x = member(c, v, "breaker", &n);
	if (x != NULL) {
		int64_t rec = 60;
		if ((rc = want_object(c, x)) == 0 && (rc = check_keys(c, x, breaker_keys)) == 0 &&
		    (rc = get_u32(c, x, "consecutive_failures", false, 1000000, &vc->breaker_consecutive)) == 0 &&
		    (rc = get_u32(c, x, "failures_per_hour", false, 1000000, &vc->breaker_per_hour)) == 0 &&
		    (rc = get_int(c, x, "recovery_s", false, 1, 86400, &rec)) == 0)
			vc->breaker_recovery_ns = (uint64_t)rec * 1000000000ull;
	} else {
		vc->breaker_recovery_ns = 60ull * 1000000000ull;
	}
	pop(c, n);
	if (rc != 0)
		return rc;
	x = member(c, v, "sim", &n);
	vc->sim_seed = 1;
	if (x != NULL && vc->kind != RG_VENUE_SIM) {
		pop(c, n);
		return fail_at(c, "sim", "only for adapter \"sim\"");
	}
	if (x != NULL) {
		int64_t seed = 1, delay_us = 0;
		if ((rc = want_object(c, x)) == 0 && (rc = check_keys(c, x, sim_keys)) == 0 &&
		    (rc = get_int(c, x, "seed", false, 0, INT64_MAX, &seed)) == 0 &&
		    (rc = get_u32(c, x, "reject_pct", false, 100, &vc->sim_reject_pct)) == 0 &&
		    (rc = get_ms(c, x, "disconnect_every_ms", 86400000, &vc->sim_disconnect_every_ns)) == 0 &&
		    (rc = get_ms(c, x, "disconnect_for_ms", 3600000, &vc->sim_disconnect_for_ns)) == 0 &&
		    (rc = get_int(c, x, "delay_us", false, 0, 10000000, &delay_us)) == 0 &&
		    (rc = get_u32(c, x, "half_spread_ticks", false, 1000000, &vc->sim_half_spread_ticks)) == 0)
			if ((rc = get_string(c, x, "receive_log", false, vc->sim_receive_log, sizeof(vc->sim_receive_log))) == 0)
				if ((rc = get_string(c, x, "market_file", false, vc->sim_market_file, sizeof(vc->sim_market_file))) == 0)
					rc = get_string(c, x, "hold_file", false, vc->sim_hold_file, sizeof(vc->sim_hold_file));
		vc->sim_delay_ns = (uint64_t)delay_us * 1000u;
		vc->sim_seed = (uint64_t)seed;
	}
	pop(c, n);
	if (rc != 0)
		return rc;
	if ((rc = parse_fix(c, cfg, v, i)) != 0)
		return rc;
	return parse_rest(c, cfg, v, i);
}

static int venue_of(struct ctx *c, struct rg_config *cfg, json_t *v, uint16_t *out)
{
	char name[RG_NAME_MAX];
	size_t n;
	int rc = get_string(c, v, "venue", true, name, sizeof(name)), idx;

	if (rc != 0)
		return rc;
	idx = rg_config_venue_index(cfg, name);
	if (idx < 0) {
		n = push_key(c, "venue");
		rc = fail(c, "unknown venue '%s'", name);
		pop(c, n);
		return rc;
	}
	*out = (uint16_t)idx;
	return 0;
}

/* Refuses x when it is not a multiple of `step`, naming the key. */
static int multiple_of(struct ctx *c, const char *key, int64_t x, int64_t step, const char *what)
{
	size_t n;
	int rc;

	if (step <= 0 || x % step == 0)
		return 0;
	n = push_key(c, key);
	rc = fail(c, "must be a multiple of the %s", what);
	pop(c, n);
	return rc;
}

/* Refuses min > max (both set), naming the min key. */
static int ordered(struct ctx *c, const char *min_key, int64_t min, const char *max_key, int64_t max)
{
	size_t n;
	int rc;

	if (min == 0 || max == 0 || min <= max)
		return 0;
	n = push_key(c, min_key);
	rc = fail(c, "is above %s", max_key);
	pop(c, n);
	return rc;
}

static int parse_symbol(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"name", "venue", "tick", "lot", "min_qty", "max_qty", "min_price",
					   "max_price", "max_order_qty", "min_notional", "max_notional", "collar_bps",
					   "max_position_qty", "max_position_notional", "enabled", "market_orders",
					   "reference_price", "trading_hours", NULL};
	struct rg_symbol_cfg *s = &cfg->symbols[i];
	int64_t collar = 0;
	int rc;

	s->enabled = true;
	if ((rc = check_keys(c, v, keys)) != 0 || (rc = get_name(c, v, "name", s->name)) != 0 ||
	    (rc = unique_name(c, cfg->symbols[0].name, sizeof(*s), (uint32_t)i)) != 0 ||
	    (rc = venue_of(c, cfg, v, &s->venue)) != 0 || (rc = hours_of(c, cfg, v, &s->hours)) != 0 ||
	    (rc = get_e8(c, v, "tick", true, 1, &s->tick_e8)) != 0 ||
	    (rc = get_e8(c, v, "lot", true, 1, &s->lot_e8)) != 0)
		return rc;
	s->min_qty_e8 = s->lot_e8;
	s->min_price_e8 = s->tick_e8;
	if ((rc = get_e8(c, v, "min_qty", false, 1, &s->min_qty_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_qty", true, 1, &s->max_qty_e8)) != 0 ||
	    (rc = get_e8(c, v, "min_price", false, 1, &s->min_price_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_price", true, 1, &s->max_price_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_order_qty", false, 0, &s->max_order_qty_e8)) != 0 ||
	    (rc = get_e8(c, v, "min_notional", false, 0, &s->min_notional_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_notional", false, 0, &s->max_notional_e8)) != 0 ||
	    (rc = get_int(c, v, "collar_bps", false, 0, 10000, &collar)) != 0 ||
	    (rc = get_e8(c, v, "max_position_qty", false, 0, &s->max_position_qty_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_position_notional", false, 0, &s->max_position_notional_e8)) != 0 ||
	    (rc = get_bool(c, v, "enabled", &s->enabled)) != 0 ||
	    (rc = get_bool(c, v, "market_orders", &s->market_allowed)) != 0 ||
	    (rc = get_e8(c, v, "reference_price", false, 0, &s->reference_price_e8)) != 0)
		return rc;
	s->collar_bps = (uint32_t)collar;
	if ((rc = multiple_of(c, "min_qty", s->min_qty_e8, s->lot_e8, "lot")) != 0 ||
	    (rc = multiple_of(c, "max_qty", s->max_qty_e8, s->lot_e8, "lot")) != 0 ||
	    (rc = multiple_of(c, "min_price", s->min_price_e8, s->tick_e8, "tick")) != 0 ||
	    (rc = multiple_of(c, "max_price", s->max_price_e8, s->tick_e8, "tick")) != 0 ||
	    (rc = multiple_of(c, "reference_price", s->reference_price_e8, s->tick_e8, "tick")) != 0 ||
	    (rc = ordered(c, "min_qty", s->min_qty_e8, "max_qty", s->max_qty_e8)) != 0 ||
	    (rc = ordered(c, "min_price", s->min_price_e8, "max_price", s->max_price_e8)) != 0 ||
	    (rc = ordered(c, "min_notional", s->min_notional_e8, "max_notional", s->max_notional_e8)) != 0)
		return rc;
	if (s->reference_price_e8 != 0 &&
	    (s->reference_price_e8 < s->min_price_e8 || s->reference_price_e8 > s->max_price_e8)) {
		size_t n = push_key(c, "reference_price");
		rc = fail(c, "is outside [min_price, max_price]");
		pop(c, n);
	}
	return rc;
}

static int parse_account_symbols(struct ctx *c, struct rg_config *cfg, json_t *v, struct rg_account_cfg *a)
{
	size_t n, m;
	json_t *x = member(c, v, "symbols", &n), *e;
	size_t i;
	int rc = 0;

	a->all_symbols = true;
	if (x == NULL || (json_is_string(x) && strcmp(json_string_value(x), "*") == 0)) {
		pop(c, n);
		return 0;
	}
	if (!json_is_array(x)) {
		rc = fail(c, "must be \"*\" or an array of symbol names");
		pop(c, n);
		return rc;
	}
	a->all_symbols = false;
	a->permitted = calloc(json_array_size(x) + 1, sizeof(*a->permitted));
	if (a->permitted == NULL) {
		pop(c, n);
		return -ENOMEM;
	}
	json_array_foreach(x, i, e) {
		int idx = json_is_string(e) ? rg_config_symbol_index(cfg, json_string_value(e)) : -1;
		m = push_index(c, i);
		if (!json_is_string(e))
			rc = fail(c, "must be a symbol name");
		else if (idx < 0)
			rc = fail(c, "unknown symbol '%s'", json_string_value(e));
		else
			a->permitted[a->n_permitted++] = (uint32_t)idx;
		pop(c, m);
		if (rc != 0)
			break;
	}
	pop(c, n);
	return rc;
}

/* "venue_credit": {"VENUE": money, ...}: the account's cap per venue. */
static int parse_venue_credit(struct ctx *c, struct rg_config *cfg, json_t *v, struct rg_account_cfg *a)
{
	size_t n, m;
	const char *name;
	json_t *x = member(c, v, "venue_credit", &n), *e;
	int rc = 0;

	if (x != NULL && !json_is_object(x))
		rc = fail(c, "must be an object of venue names and notional caps");
	json_object_foreach(rc == 0 && x != NULL ? x : NULL, name, e) {
		int idx = rg_config_venue_index(cfg, name);
		if (idx < 0) {
			m = push_key(c, name);
			rc = fail(c, "unknown venue '%s'", name);
			pop(c, m);
		} else {
			rc = get_e8(c, x, name, true, 1, &a->venue_credit_e8[idx]);
		}
		if (rc != 0)
			break;
	}
	(void)e;
	pop(c, n);
	return rc;
}

/* "order_to_trade": {"ratio": N, "floor": M, "action": "reject"|"reducing"|"halted"}. */
static int parse_otr(struct ctx *c, json_t *v, struct rg_otr_cfg *o)
{
	static const char *const keys[] = {"ratio", "floor", "action", NULL};
	static const char *const actions[] = {"reject", "reducing", "halted", NULL};
	size_t n;
	json_t *x = member(c, v, "order_to_trade", &n);
	int rc = 0;

	if (x != NULL && ((rc = want_object(c, x)) != 0 || (rc = check_keys(c, x, keys)) != 0 ||
			  (rc = get_u32(c, x, "ratio", true, 1000000, &o->ratio)) != 0 ||
			  (rc = get_u32(c, x, "floor", false, UINT32_MAX, &o->floor)) != 0 ||
			  (rc = get_choice(c, x, "action", actions, &o->action)) != 0))
		;
	else if (x != NULL && o->ratio == 0)
		rc = fail_at(c, "ratio", "must be at least 1 (messages per fill)");
	pop(c, n);
	return rc;
}

static int parse_account(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"name", "equity", "min_notional", "max_notional", "max_position_pct_equity",
					   "max_gross_pct_equity", "daily_loss_limit", "daily_loss_pct", "drawdown_pct",
					   "on_loss", "max_orders_per_day", "symbols", "self_match", "self_match_group",
					   "order_to_trade", "venue_credit", NULL};
	static const char *const on_loss[] = {"active", "reducing", "halted", NULL};
	static const char *const smp[] = {"off", "reject_new", "cancel_resting", "cancel_both", NULL};
	struct rg_account_cfg *a = &cfg->accounts[i];
	int rc;

	a->loss_state = RG_STATE_REDUCING;
	if ((rc = check_keys(c, v, keys)) != 0 || (rc = get_name(c, v, "name", a->name)) != 0 ||
	    (rc = unique_name(c, cfg->accounts[0].name, sizeof(*a), (uint32_t)i)) != 0 ||
	    (rc = get_e8(c, v, "equity", true, 1, &a->equity_e8)) != 0 ||
	    (rc = get_e8(c, v, "min_notional", false, 0, &a->min_notional_e8)) != 0 ||
	    (rc = get_e8(c, v, "max_notional", false, 0, &a->max_notional_e8)) != 0 ||
	    (rc = get_pct(c, v, "max_position_pct_equity", 100, &a->max_position_equity_bps)) != 0 ||
	    (rc = get_pct(c, v, "max_gross_pct_equity", 10000, &a->max_gross_equity_bps)) != 0 ||
	    (rc = get_e8(c, v, "daily_loss_limit", false, 0, &a->daily_loss_limit_e8)) != 0 ||
	    (rc = get_pct(c, v, "daily_loss_pct", 100, &a->daily_loss_bps)) != 0 ||
	    (rc = get_pct(c, v, "drawdown_pct", 100, &a->drawdown_bps)) != 0 ||
	    (rc = get_choice(c, v, "on_loss", on_loss, &a->loss_state)) != 0 ||
	    (rc = get_u32(c, v, "max_orders_per_day", false, UINT32_MAX, &a->max_orders_per_day)) != 0 ||
	    (rc = get_choice(c, v, "self_match", smp, &a->self_match)) != 0 || (rc = parse_otr(c, v, &a->otr)) != 0 ||
	    (rc = parse_venue_credit(c, cfg, v, a)) != 0 ||
	    (json_object_get(v, "self_match_group") != NULL &&
	     (rc = get_name(c, v, "self_match_group", a->self_match_group)) != 0) ||
	    (rc = ordered(c, "min_notional", a->min_notional_e8, "max_notional", a->max_notional_e8)) != 0 ||
	    (rc = parse_account_symbols(c, cfg, v, a)) != 0)
		return rc;
	if (a->self_match_group[0] != '\0' && a->self_match == RG_SMP_OFF) {
		size_t n = push_key(c, "self_match_group");
		rc = fail(c, "needs \"self_match\" on: a group is the accounts whose orders must not meet");
		pop(c, n);
		return rc;
	}
	if (a->loss_state == RG_STATE_ACTIVE) {
		size_t n = push_key(c, "on_loss");
		rc = fail(c, "must be \"reducing\" or \"halted\"");
		pop(c, n);
	}
	return rc;
}

static int ring_size(struct ctx *c, json_t *v, const char *key, uint32_t *out)
{
	size_t n;
	int rc = get_u32(c, v, key, false, RG_RING_MAX_CAPACITY, out);

	if (rc == 0 && !rg_ring_capacity_valid(*out)) {
		n = push_key(c, key);
		rc = fail(c, "must be a power of two between %u and %u", RG_RING_MIN_CAPACITY, RG_RING_MAX_CAPACITY);
		pop(c, n);
	}
	return rc;
}

/* Refuses an object that gives both spellings of one setting. */
static int one_of(struct ctx *c, json_t *v, const char *a, const char *b)
{
	size_t n;
	int rc;

	if (json_object_get(v, a) == NULL || json_object_get(v, b) == NULL)
		return 0;
	n = push_key(c, b);
	rc = fail(c, "give either %s or %s, not both", a, b);
	pop(c, n);
	return rc;
}

/* "dead_man": {"timeout_ms": N, "cancel_orders": true}: the strategy's heartbeat watchdog. */
static int parse_dead_man(struct ctx *c, json_t *v, struct rg_strategy_cfg *s)
{
	static const char *const keys[] = {"timeout_ms", "cancel_orders", NULL};
	size_t n;
	json_t *x = member(c, v, "dead_man", &n);
	int64_t ms = 0;
	int rc = 0;

	s->dead_man_cancel = true;
	if (x != NULL && (rc = want_object(c, x)) == 0 && (rc = check_keys(c, x, keys)) == 0 &&
	    (rc = get_int(c, x, "timeout_ms", true, 1, 3600000, &ms)) == 0)
		rc = get_bool(c, x, "cancel_orders", &s->dead_man_cancel);
	s->dead_man_timeout_ns = (uint64_t)ms * NS_PER_MS;
	pop(c, n);
	return rc;
}

static int parse_strategy(struct ctx *c, struct rg_config *cfg, json_t *v, size_t i)
{
	static const char *const keys[] = {"name", "account", "owner", "group", "mode", "order_ring", "report_ring",
					   "orders_per_second", "order_rate", "messages_per_second", "message_rate",
					   "modifies_per_second", "modify_rate", "execution_throttle", "duplicate_window_ms",
					   "max_open_orders", "dead_man", "order_to_trade", NULL};
	static const char *const throttle_keys[] = {"fills", "window_ms", NULL};
	struct rg_strategy_cfg *s = &cfg->strategies[i];
	char account[RG_NAME_MAX];
	json_t *x;
	size_t n;
	int rc, idx;

	s->owner_uid = (uid_t)-1;
	s->owner_gid = (gid_t)-1;
	s->mode = 0600;
	s->order_ring_capacity = s->report_ring_capacity = 4096;
	if ((rc = check_keys(c, v, keys)) != 0 || (rc = get_name(c, v, "name", s->name)) != 0 ||
	    (rc = unique_name(c, cfg->strategies[0].name, sizeof(*s), (uint32_t)i)) != 0 ||
	    (rc = get_string(c, v, "account", true, account, sizeof(account))) != 0)
		return rc;
	idx = rg_config_account_index(cfg, account);
	if (idx < 0) {
		n = push_key(c, "account");
		rc = fail(c, "unknown account '%s'", account);
		pop(c, n);
		return rc;
	}
	s->account = (uint16_t)idx;
	if ((rc = get_user(c, v, "owner", &s->owner_uid)) != 0 || (rc = get_group(c, v, "group", &s->owner_gid)) != 0 ||
	    (rc = get_mode(c, v, "mode", &s->mode)) != 0 || (rc = ring_size(c, v, "order_ring", &s->order_ring_capacity)) != 0 ||
	    (rc = ring_size(c, v, "report_ring", &s->report_ring_capacity)) != 0 ||
	    (rc = get_per_second(c, v, "orders_per_second", &s->order_rate)) != 0 ||
	    (rc = get_per_second(c, v, "messages_per_second", &s->message_rate)) != 0 ||
	    (rc = get_per_second(c, v, "modifies_per_second", &s->modify_rate)) != 0 ||
	    (rc = get_ms(c, v, "duplicate_window_ms", 86400000, &s->duplicate_window_ns)) != 0 ||
	    (rc = get_u32(c, v, "max_open_orders", false, 1u << 20, &s->max_open_orders)) != 0)
		return rc;
	if ((rc = one_of(c, v, "orders_per_second", "order_rate")) != 0 ||
	    (rc = one_of(c, v, "messages_per_second", "message_rate")) != 0 ||
	    (rc = one_of(c, v, "modifies_per_second", "modify_rate")) != 0)
		return rc;
	if ((x = member(c, v, "order_rate", &n)) != NULL)
		rc = get_rate(c, x, false, &s->order_rate);
	pop(c, n);
	if (rc == 0 && (x = member(c, v, "message_rate", &n)) != NULL)
		rc = get_rate(c, x, false, &s->message_rate);
	if (rc == 0)
		pop(c, n);
	if (rc == 0 && (x = member(c, v, "modify_rate", &n)) != NULL)
		rc = get_rate(c, x, false, &s->modify_rate);
	if (rc == 0)
		pop(c, n);
	if (rc == 0 && (x = member(c, v, "execution_throttle", &n)) != NULL) {
		if ((rc = want_object(c, x)) == 0 && (rc = check_keys(c, x, throttle_keys)) == 0 &&
		    (rc = get_u32(c, x, "fills", true, 1000000, &s->exec_throttle_fills)) == 0)
			rc = get_ms(c, x, "window_ms", 86400000, &s->exec_throttle_window_ns);
		if (rc == 0 && s->exec_throttle_window_ns == 0) {
			size_t m = push_key(c, "window_ms");
			rc = fail(c, "required and > 0");
			pop(c, m);
		}
	}
	if (rc == 0)
		pop(c, n);
	if (rc == 0)
		rc = parse_otr(c, v, &s->otr);
	return rc == 0 ? parse_dead_man(c, v, s) : rc;
}

static int parse_engine(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"core", "idle_policy", "lock_memory", "control_mode", "control_group",
					   "warm_interval_us", NULL};
	static const char *const idle[] = {"spin", "spin_yield", "spin_sleep", NULL};
	size_t n;
	json_t *v = member(c, root, "engine", &n);
	int64_t core = cfg->engine_core, warm = cfg->warm_interval_us;
	int rc = 0;

	if (v != NULL && (rc = want_object(c, v)) == 0 && (rc = check_keys(c, v, keys)) == 0 &&
	    (rc = get_int(c, v, "core", false, -1, 1023, &core)) == 0 &&
	    (rc = get_choice(c, v, "idle_policy", idle, &cfg->idle_policy)) == 0 &&
	    (rc = get_bool(c, v, "lock_memory", &cfg->lock_memory)) == 0 &&
	    (rc = get_mode(c, v, "control_mode", &cfg->control_mode)) == 0 &&
	    (rc = get_int(c, v, "warm_interval_us", false, 0, 1000000, &warm)) == 0)
		rc = get_group(c, v, "control_group", &cfg->control_gid);
	cfg->engine_core = (int)core;
	cfg->warm_interval_us = (uint32_t)warm;
	pop(c, n);
	return rc;
}

static int parse_trading_day(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"start_utc", NULL};
	char hhmm[8];
	unsigned h, m;
	char tail;
	size_t n, k;
	json_t *v = member(c, root, "trading_day", &n);
	int rc = 0;

	if (v != NULL && (rc = want_object(c, v)) == 0 && (rc = check_keys(c, v, keys)) == 0 &&
	    (rc = get_string(c, v, "start_utc", false, hhmm, sizeof(hhmm))) == 0 &&
	    json_object_get(v, "start_utc") != NULL) {
		if (sscanf(hhmm, "%2u:%2u%c", &h, &m, &tail) != 2 || h > 23 || m > 59 || strlen(hhmm) != 5) {
			k = push_key(c, "start_utc");
			rc = fail(c, "must be a UTC time \"HH:MM\"");
			pop(c, k);
		} else {
			cfg->day_start_utc_s = h * 3600 + m * 60;
		}
	}
	pop(c, n);
	return rc;
}

/* Cross-field checks of the redis section. */
static int check_redis(struct ctx *c, const struct rg_redis_cfg *r)
{
	const char *key = NULL, *why = NULL;
	size_t n;
	int rc;

	if (r->poll_interval_ms == 0)
		key = "poll_ms", why = "must be > 0";
	else if (r->host[0] == '\0')
		key = "host", why = "must not be empty";
	else if (r->key[0] == '\0' || strpbrk(r->key, " \t\r\n") != NULL)
		key = "key", why = "must be a non-empty key name without spaces";
	else if (r->channel[0] == '\0' || strpbrk(r->channel, " \t\r\n") != NULL)
		key = "channel", why = "must be a non-empty channel name without spaces";
	else if (strpbrk(r->user, " \t\r\n") != NULL)
		key = "user", why = "must not contain spaces";
	else if (r->reconnect_min_ms == 0)
		key = "reconnect_min_ms", why = "must be > 0";
	else if (r->reconnect_max_ms < r->reconnect_min_ms)
		key = "reconnect_max_ms", why = "must not be below reconnect_min_ms";
	if (key == NULL)
		return 0;
	n = push_key(c, key);
	rc = fail(c, "%s", why);
	pop(c, n);
	return rc;
}

static int parse_redis(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"host",          "port",          "key",           "channel",
					   "poll_ms",       "user",          "password_file", "on_redis_loss",
					   "loss_grace_ms", "reconnect_min_ms", "reconnect_max_ms", "core", NULL};
	static const char *const loss[] = {"keep", "halt", NULL};
	struct rg_redis_cfg *r = &cfg->redis;
	size_t n;
	json_t *v = member(c, root, "redis", &n);
	int64_t port = 6379, core = -1;
	uint8_t halt = 0;
	int rc = 0;

	snprintf(r->host, sizeof(r->host), "127.0.0.1");
	snprintf(r->key, sizeof(r->key), "emergency_stop");
	snprintf(r->channel, sizeof(r->channel), "riskgate.kill");
	r->poll_interval_ms = 50;
	r->loss_grace_ms = 5000;
	r->reconnect_min_ms = 100;
	r->reconnect_max_ms = 5000;
	r->core = -1;
	if (v != NULL) {
		r->enabled = true;
		if ((rc = want_object(c, v)) == 0 && (rc = check_keys(c, v, keys)) == 0 &&
		    (rc = get_string(c, v, "host", false, r->host, sizeof(r->host))) == 0 &&
		    (rc = get_int(c, v, "port", false, 1, 65535, &port)) == 0 &&
		    (rc = get_string(c, v, "key", false, r->key, sizeof(r->key))) == 0 &&
		    (rc = get_string(c, v, "channel", false, r->channel, sizeof(r->channel))) == 0 &&
		    (rc = get_u32(c, v, "poll_ms", false, 60000, &r->poll_interval_ms)) == 0 &&
		    (rc = get_string(c, v, "user", false, r->user, sizeof(r->user))) == 0 &&
		    (rc = get_string(c, v, "password_file", false, r->password_file, sizeof(r->password_file))) == 0 &&
		    (rc = get_choice(c, v, "on_redis_loss", loss, &halt)) == 0 &&
		    (rc = get_u32(c, v, "loss_grace_ms", false, 3600000, &r->loss_grace_ms)) == 0 &&
		    (rc = get_u32(c, v, "reconnect_min_ms", false, 60000, &r->reconnect_min_ms)) == 0 &&
		    (rc = get_u32(c, v, "reconnect_max_ms", false, 600000, &r->reconnect_max_ms)) == 0)
			rc = get_int(c, v, "core", false, -1, 1023, &core);
		r->port = (uint16_t)port;
		r->core = (int)core;
		r->halt_on_loss = halt == 1;
		if (rc == 0)
			rc = check_redis(c, r);
		if (rc == 0 && r->core >= 0 && r->core == cfg->engine_core) {
			size_t k = push_key(c, "core");
			rc = fail(c, "must not be the engine's core (engine.core): the watcher never runs on the hot core");
			pop(c, k);
		}
	}
	pop(c, n);
	return rc;
}

/* "operators": {"group", "mode"}: who may write the kill segment. */
static int parse_operators(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"group", "mode", NULL};
	size_t n, k;
	json_t *v = member(c, root, "operators", &n);
	int rc = 0;

	if (v != NULL && (rc = want_object(c, v)) == 0 && (rc = check_keys(c, v, keys)) == 0 &&
	    (rc = get_group(c, v, "group", &cfg->operators.gid)) == 0 &&
	    (rc = get_mode(c, v, "mode", &cfg->operators.mode)) == 0) {
		k = push_key(c, "mode");
		if (cfg->operators.mode & 0002)
			rc = fail(c, "must not let others write the kill segment (only the operators' group may)");
		else if ((cfg->operators.mode & 0600) != 0600)
			rc = fail(c, "must give the owner (the engine) read and write");
		pop(c, k);
	}
	pop(c, n);
	return rc;
}

/* Why `dir` cannot become the journal directory, or NULL: it need not
 * exist yet (the engine creates it), but a file in its place, or a file
 * where one of its parents should be, would only fail at start. */
static const char *dir_unusable(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? NULL : "is not a directory (a file of that name exists)";
	return errno == ENOTDIR ? "cannot be a directory: a part of the path is a file" : NULL;
}

/* "journal": where and how the audit journal is written. */
static int parse_journal(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"dir", "retention_days", "fsync_interval_ms", "ring_capacity", "core",
					   "cancel_unknown_on_restart", "checkpoint_every_records", "checkpoint_interval_ms",
					   NULL};
	struct rg_journal_cfg *j = &cfg->journal;
	size_t n, k;
	json_t *v = member(c, root, "journal", &n);
	int64_t core = j->core, cap = j->ring_capacity, every = (int64_t)j->checkpoint_every_records;
	int rc = 0;

	snprintf(j->dir, sizeof(j->dir), "/var/tmp/riskgate/%s/journal", cfg->instance);
	if (v != NULL && (rc = want_object(c, v)) == 0 && (rc = check_keys(c, v, keys)) == 0 &&
	    (rc = get_string(c, v, "dir", false, j->dir, sizeof(j->dir))) == 0 &&
	    (rc = get_u32(c, v, "retention_days", false, 36500, &j->retention_days)) == 0 &&
	    (rc = get_ms(c, v, "fsync_interval_ms", 60000, &j->fsync_interval_ns)) == 0 &&
	    (rc = get_int(c, v, "ring_capacity", false, 64, 1 << 24, &cap)) == 0 &&
	    (rc = get_int(c, v, "core", false, -1, 1023, &core)) == 0 &&
	    (rc = get_int(c, v, "checkpoint_every_records", false, 0, 1000000000000ll, &every)) == 0 &&
	    (rc = get_ms(c, v, "checkpoint_interval_ms", 86400000, &j->checkpoint_interval_ns)) == 0)
		rc = get_bool(c, v, "cancel_unknown_on_restart", &j->cancel_unknown_on_restart);
	j->checkpoint_every_records = (uint64_t)every;
	if (rc == 0 && v != NULL) {
		const char *key = NULL, *why = NULL;
		if (j->dir[0] != '/')
			key = "dir", why = "must be an absolute path";
		else if (j->fsync_interval_ns == 0)
			key = "fsync_interval_ms", why = "must be > 0";
		else if ((cap & (cap - 1)) != 0)
			key = "ring_capacity", why = "must be a power of two (64 to 16777216)";
		else if (core >= 0 && core == cfg->engine_core)
			key = "core", why = "must not be the engine's core (engine.core): the writer never runs on the hot core";
		else if ((why = dir_unusable(j->dir)) != NULL)
			key = "dir";
		if (key != NULL) {
			k = push_key(c, key);
			rc = fail(c, "%s", why);
			pop(c, k);
		}
	}
	j->ring_capacity = (uint32_t)cap;
	j->core = (int)core;
	if (j->core == RG_JOURNAL_CORE_AUTO)
		j->core = cfg->engine_core == 0 ? 1 : 0;
	pop(c, n);
	return rc;
}

static int count_of(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	return json_is_array(v) ? (int)json_array_size(v) : 0;
}

static int parse_root(struct ctx *c, struct rg_config *cfg, json_t *root)
{
	static const char *const keys[] = {"instance", "engine", "trading_day", "reference_price_max_age_ms",
					   "global_gross_limit", "accounts", "strategies", "venues", "symbols",
					   "redis", "operators", "cancel_on_kill", "mass_cancel_stall_ms", "journal",
					   "trading_hours", NULL};
	int nsym = count_of(root, "symbols");
	int64_t stall_ms;
	int rc;

	if ((rc = want_object(c, root)) != 0 || (rc = check_keys(c, root, keys)) != 0 ||
	    (rc = get_name(c, root, "instance", cfg->instance)) != 0 || (rc = parse_engine(c, cfg, root)) != 0 ||
	    (rc = parse_trading_day(c, cfg, root)) != 0 ||
	    (rc = get_ms(c, root, "reference_price_max_age_ms", 86400000ull * 7, &cfg->reference_max_age_ns)) != 0 ||
	    (rc = get_e8(c, root, "global_gross_limit", false, 0, &cfg->global_gross_limit_e8)) != 0)
		return rc;
	/* Sections in dependency order: schedules, venues, symbols, accounts, strategies. */
	if ((rc = parse_hours(c, cfg, root)) != 0 || (rc = each(c, cfg, root, "venues", RG_MAX_VENUES, parse_venue)) != 0)
		return rc;
	cfg->n_venues = (uint32_t)count_of(root, "venues");
	if (nsym > 0 && (cfg->symbols = calloc((size_t)nsym, sizeof(*cfg->symbols))) == NULL)
		return -ENOMEM;
	cfg->n_symbols = (uint32_t)nsym; /* lookups during parsing see only the names filled so far */
	if ((rc = each(c, cfg, root, "symbols", RG_MAX_SYMBOLS, parse_symbol)) != 0)
		return rc;
	if ((rc = each(c, cfg, root, "accounts", RG_MAX_ACCOUNTS, parse_account)) != 0)
		return rc;
	cfg->n_accounts = (uint32_t)count_of(root, "accounts");
	if ((rc = each(c, cfg, root, "strategies", RG_MAX_STRATEGIES, parse_strategy)) != 0)
		return rc;
	cfg->n_strategies = (uint32_t)count_of(root, "strategies");
	if ((rc = parse_operators(c, cfg, root)) != 0 || (rc = get_bool(c, root, "cancel_on_kill", &cfg->cancel_on_kill)) != 0)
		return rc;
	stall_ms = (int64_t)(cfg->mass_cancel_stall_ns / NS_PER_MS);
	if ((rc = get_int(c, root, "mass_cancel_stall_ms", false, 100, 3600000, &stall_ms)) != 0)
		return rc;
	cfg->mass_cancel_stall_ns = (uint64_t)stall_ms * NS_PER_MS;
	if ((rc = parse_journal(c, cfg, root)) != 0)
		return rc;
	return parse_redis(c, cfg, root);
}

/* ---- public -------------------------------------------------------------- */

static void set_defaults(struct rg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine_core = 1;
	cfg->idle_policy = RG_IDLE_SPIN;
	cfg->warm_interval_us = 5;
	cfg->control_mode = 0644;
	cfg->control_gid = (gid_t)-1;
	cfg->reference_max_age_ns = 5000 * NS_PER_MS;
	cfg->operators.gid = (gid_t)-1;
	cfg->operators.mode = 0660;
	cfg->cancel_on_kill = true;
	cfg->mass_cancel_stall_ns = 5000 * NS_PER_MS;
	cfg->journal.fsync_interval_ns = 1000 * NS_PER_MS;
	cfg->journal.ring_capacity = 1u << 16;
	cfg->journal.core = RG_JOURNAL_CORE_AUTO;
	cfg->journal.checkpoint_every_records = 500000;
	cfg->journal.checkpoint_interval_ns = 60000 * NS_PER_MS;
}

static int load(struct rg_config *cfg, json_t *root, struct rg_config_error *err)
{
	struct ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.err = err;
	snprintf(c.path, sizeof(c.path), "$");
	rc = parse_root(&c, cfg, root);
	json_decref(root);
	if (rc != 0) {
		if (rc == -ENOMEM)
			fail(&c, "out of memory");
		rg_config_free(cfg);
	}
	return rc;
}

static void syntax_error(struct rg_config_error *err, const json_error_t *je)
{
	snprintf(err->path, sizeof(err->path), "$");
	snprintf(err->message, sizeof(err->message), "invalid JSON: %s (column %d)", je->text, je->column);
	err->line = je->line;
}

int rg_config_load_string(struct rg_config *cfg, const char *json, struct rg_config_error *err)
{
	json_error_t je;
	json_t *root;

	set_defaults(cfg);
	memset(err, 0, sizeof(*err));
	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		syntax_error(err, &je);
		return -EINVAL;
	}
	return load(cfg, root, err);
}

int rg_config_open_file(const char *file, char *err, size_t errlen)
{
	/* A config decides every limit: one that anyone but its owner (the
	 * engine's user or root) could have written is refused, and so is a
	 * FIFO, which would block the open (and --check-config) forever. */
	static const struct rg_owned_rule rule = {"config file", S_IFREG, true, 0022};

	return rg_owned_open(file, O_RDONLY, 0, false, &rule, err, errlen);
}

int rg_config_load_file(struct rg_config *cfg, const char *file, struct rg_config_error *err)
{
	char msg[sizeof(err->message)];
	json_error_t je;
	json_t *root;
	FILE *f;
	int fd;

	set_defaults(cfg);
	memset(err, 0, sizeof(*err));
	fd = rg_config_open_file(file, msg, sizeof(msg));
	if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
		int rc = fd < 0 ? fd : -errno;
		if (fd >= 0) {
			close(fd);
			snprintf(msg, sizeof(msg), "%s: %s", file, strerror(-rc));
		}
		snprintf(err->path, sizeof(err->path), "$");
		snprintf(err->message, sizeof(err->message), "%s", msg);
		return rc;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (root == NULL) {
		syntax_error(err, &je);
		return -EINVAL;
	}
	return load(cfg, root, err);
}

void rg_config_free(struct rg_config *cfg)
{
	for (uint32_t i = 0; i < RG_MAX_ACCOUNTS; i++) {
		free(cfg->accounts[i].permitted);
		cfg->accounts[i].permitted = NULL;
	}
	free(cfg->symbols);
	cfg->symbols = NULL;
	cfg->n_symbols = 0;
}

int rg_config_symbol_index(const struct rg_config *cfg, const char *name)
{
	return cfg->symbols == NULL ? -1 : find_name(name, cfg->symbols[0].name, sizeof(cfg->symbols[0]), cfg->n_symbols);
}

int rg_config_account_index(const struct rg_config *cfg, const char *name)
{
	return find_name(name, cfg->accounts[0].name, sizeof(cfg->accounts[0]), cfg->n_accounts);
}

int rg_config_venue_index(const struct rg_config *cfg, const char *name)
{
	return find_name(name, cfg->venues[0].name, sizeof(cfg->venues[0]), cfg->n_venues);
}

int rg_config_strategy_index(const struct rg_config *cfg, const char *name)
{
	return find_name(name, cfg->strategies[0].name, sizeof(cfg->strategies[0]), cfg->n_strategies);
}
