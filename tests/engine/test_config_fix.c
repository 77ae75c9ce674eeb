/*
 * Config loader tests of a FIX venue's "fix" object (engine/config.c,
 * docs/adapters.md): every key loads into its field with its unit, defaults
 * apply, the bundled examples/fix-venue.json loads, and each class of bad
 * input is refused with -EINVAL at the JSON path of the fault.  Secrets stay
 * out: a password key is refused, credentials come from the venue's
 * credentials_file or from environment variables the config only names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#ifndef RG_EXAMPLES_DIR
#error "RG_EXAMPLES_DIR must point at examples/"
#endif

/* Venue 0 is a sim venue, venue 1 the FIX venue under test: %1$s is spliced
 * into venue 1 after its "adapter", %2$s after the venues (a third venue). */
static const char *base =
	"{ \"instance\": \"t\","
	"  \"venues\": [ { \"name\": \"SIM\", \"adapter\": \"sim\" },"
	"                { \"name\": \"EXCH\", \"adapter\": \"fix\" %1$s } %2$s ],"
	"  \"symbols\": [ { \"name\": \"AAA\", \"venue\": \"EXCH\", \"tick\": \"0.01\", \"lot\": \"1\","
	"                   \"max_qty\": \"1000\", \"max_price\": \"1000\" } ],"
	"  \"accounts\": [ { \"name\": \"A\", \"equity\": \"100000\" } ],"
	"  \"strategies\": [ { \"name\": \"s1\", \"account\": \"A\" } ] }";

/* The required keys but the port, and all of them. */
#define FIX_REST                                                                                                   \
	"\"host\": \"fix.example.net\", \"sender_comp_id\": \"RISKGATE\", \"target_comp_id\": \"EXCH\","          \
	" \"store\": \"/var/lib/riskgate/exch.store\""
#define FIX_CORE "\"port\": 9878, " FIX_REST

static int load(const char *venue, const char *more, struct rg_config *cfg, struct rg_config_error *err)
{
	char json[4096];

	snprintf(json, sizeof(json), base, venue, more);
	return rg_config_load_string(cfg, json, err);
}

static void expect_refused(const char *venue, const char *more, const char *path, const char *words)
{
	struct rg_config cfg;
	struct rg_config_error err;
	int rc = load(venue, more, &cfg, &err);

	if (rc != -EINVAL || strcmp(err.path, path) != 0 || strstr(err.message, words) == NULL)
		fail_msg("expected refusal at %s (\"%s\"), got rc %d at %s: %s", path, words, rc, err.path, err.message);
	assert_null(cfg.symbols); /* nothing left to free */
}

static void every_fix_key_loads_into_its_field(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const struct rg_venue_cfg *v;

	(void)state;
	assert_int_equal(load(", \"rate_limits\": [{\"count\": 20, \"per_ms\": 1000}],"
			      " \"fix\": { " FIX_CORE ", \"heartbeat_s\": 10, \"reconnect_min_ms\": 250,"
			      " \"reconnect_max_ms\": 8000, \"username_env\": \"EXCH_FIX_USER\","
			      " \"password_env\": \"EXCH_FIX_PASSWORD\" }",
			      "", &cfg, &err),
			 0);
	v = &cfg.venues[1];
	assert_int_equal(v->kind, RG_VENUE_FIX);
	assert_string_equal(v->fix_host, "fix.example.net");
	assert_int_equal(v->fix_port, 9878);
	assert_string_equal(v->fix_sender_comp_id, "RISKGATE");
	assert_string_equal(v->fix_target_comp_id, "EXCH");
	assert_string_equal(v->fix_store_path, "/var/lib/riskgate/exch.store");
	assert_int_equal(v->fix_heartbeat_s, 10);
	assert_int_equal(v->fix_reconnect_min_ns, 250000000ull);
	assert_int_equal(v->fix_reconnect_max_ns, 8000000000ull);
	assert_string_equal(v->fix_username_env, "EXCH_FIX_USER");
	assert_string_equal(v->fix_password_env, "EXCH_FIX_PASSWORD");
	assert_string_equal(v->credentials_file, "");
	/* Rate limits are the venue's, as for any adapter. */
	assert_int_equal(v->n_buckets, 1);
	assert_int_equal(v->buckets[0].count, 20);
	/* The sim venue next to it has no FIX settings. */
	assert_string_equal(cfg.venues[0].fix_host, "");
	rg_config_free(&cfg);
}

static void defaults_apply_and_credentials_come_from_a_file(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const struct rg_venue_cfg *v;

	(void)state;
	assert_int_equal(load(", \"credentials_file\": \"/etc/riskgate/exch.credentials\", \"fix\": { " FIX_CORE " }",
			      "", &cfg, &err),
			 0);
	v = &cfg.venues[1];
	assert_int_equal(v->fix_heartbeat_s, 30);
	assert_int_equal(v->fix_reconnect_min_ns, 500000000ull);
	assert_int_equal(v->fix_reconnect_max_ns, 30000000000ull);
	assert_string_equal(v->credentials_file, "/etc/riskgate/exch.credentials");
	assert_string_equal(v->fix_username_env, ""); /* the adapter falls back to RG_FIX_USERNAME */
	assert_string_equal(v->fix_password_env, "");
	rg_config_free(&cfg);
}

static void the_fix_example_loads(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	int fix = -1;

	(void)state;
	if (rg_config_load_file(&cfg, RG_EXAMPLES_DIR "/fix-venue.json", &err) != 0)
		fail_msg("examples/fix-venue.json: %s: %s", err.path, err.message);
	for (uint32_t i = 0; i < cfg.n_venues; i++)
		if (cfg.venues[i].kind == RG_VENUE_FIX)
			fix = (int)i;
	assert_true(fix >= 0);
	assert_true(cfg.venues[fix].fix_host[0] != '\0');
	assert_true(cfg.venues[fix].fix_port > 0);
	assert_true(cfg.venues[fix].fix_store_path[0] != '\0');
	assert_true(cfg.venues[fix].n_buckets >= 1);
	for (uint32_t s = 0; s < cfg.n_symbols; s++)
		assert_int_equal(cfg.symbols[s].venue, fix);
	rg_config_free(&cfg);
}

static void fix_object_is_required_for_fix_and_refused_for_sim(void **state)
{
	(void)state;
	expect_refused("", "", "$.venues[1].fix", "required for adapter \"fix\"");
	expect_refused(", \"fix\": {" FIX_CORE "}, \"sim\": {\"seed\": 3}", "", "$.venues[1].sim",
		       "only for adapter \"sim\"");
	expect_refused(", \"fix\": {" FIX_CORE "}",
		       ", { \"name\": \"SIM2\", \"adapter\": \"sim\", \"fix\": {" FIX_CORE "} }", "$.venues[2].fix",
		       "only for adapter \"fix\"");
	expect_refused(", \"fix\": [1]", "", "$.venues[1].fix", "must be an object");
}

static void unknown_keys_and_secrets_are_refused(void **state)
{
	(void)state;
	expect_refused(", \"fix\": {" FIX_CORE ", \"hots\": \"x\"}", "", "$.venues[1].fix.hots", "unknown key");
	expect_refused(", \"fix\": {" FIX_CORE ", \"password\": \"hunter2\"}", "", "$.venues[1].fix.password",
		       "secrets never go in the config");
	expect_refused(", \"fix\": {" FIX_CORE ", \"username\": \"u\"}", "", "$.venues[1].fix.username",
		       "unknown key");
}

static void missing_and_empty_required_keys_are_refused(void **state)
{
	(void)state;
	expect_refused(", \"fix\": {\"port\": 1, \"sender_comp_id\": \"A\", \"target_comp_id\": \"B\","
		       " \"store\": \"/s\"}",
		       "", "$.venues[1].fix.host", "required");
	expect_refused(", \"fix\": {\"host\": \"h\", \"sender_comp_id\": \"A\", \"target_comp_id\": \"B\","
		       " \"store\": \"/s\"}",
		       "", "$.venues[1].fix.port", "required");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"target_comp_id\": \"B\", \"store\": \"/s\"}",
		       "", "$.venues[1].fix.sender_comp_id", "required");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"sender_comp_id\": \"A\", \"store\": \"/s\"}",
		       "", "$.venues[1].fix.target_comp_id", "required");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"sender_comp_id\": \"A\", \"target_comp_id\": \"B\"}",
		       "", "$.venues[1].fix.store", "required");
	expect_refused(", \"fix\": {\"host\": \"\", \"port\": 1, \"sender_comp_id\": \"A\", \"target_comp_id\": \"B\","
		       " \"store\": \"/s\"}",
		       "", "$.venues[1].fix.host", "must not be empty");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"sender_comp_id\": \"A\", \"target_comp_id\": \"B\","
		       " \"store\": \"\"}",
		       "", "$.venues[1].fix.store", "must not be empty");
}

static void bad_values_are_refused_at_their_path(void **state)
{
	(void)state;
	expect_refused(", \"fix\": {\"port\": 0, " FIX_REST "}", "", "$.venues[1].fix.port", "between 1 and 65535");
	expect_refused(", \"fix\": {\"port\": 65536, " FIX_REST "}", "", "$.venues[1].fix.port",
		       "between 1 and 65535");
	expect_refused(", \"fix\": {\"port\": \"9878\", " FIX_REST "}", "", "$.venues[1].fix.port",
		       "must be an integer");
	expect_refused(", \"fix\": {\"host\": \"fix example\", \"port\": 1, \"sender_comp_id\": \"A\","
		       " \"target_comp_id\": \"B\", \"store\": \"/s\"}",
		       "", "$.venues[1].fix.host", "no spaces");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"sender_comp_id\": \"A B\", \"target_comp_id\": \"B\","
		       " \"store\": \"/s\"}",
		       "", "$.venues[1].fix.sender_comp_id", "printable ASCII");
	expect_refused(", \"fix\": {\"host\": \"h\", \"port\": 1, \"sender_comp_id\": \"A\","
		       " \"target_comp_id\": \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\", \"store\": \"/s\"}",
		       "", "$.venues[1].fix.target_comp_id", "longer than 32");
	expect_refused(", \"fix\": {" FIX_CORE ", \"heartbeat_s\": 0}", "", "$.venues[1].fix.heartbeat_s",
		       "between 1 and 3600");
	expect_refused(", \"fix\": {" FIX_CORE ", \"reconnect_min_ms\": 0}", "", "$.venues[1].fix.reconnect_min_ms",
		       "between 1 and 600000");
	expect_refused(", \"fix\": {" FIX_CORE ", \"reconnect_min_ms\": 5000, \"reconnect_max_ms\": 1000}", "",
		       "$.venues[1].fix.reconnect_max_ms", "not be less than reconnect_min_ms");
	expect_refused(", \"fix\": {" FIX_CORE ", \"password_env\": \"1PASS\"}", "", "$.venues[1].fix.password_env",
		       "environment variable");
	expect_refused(", \"fix\": {" FIX_CORE ", \"username_env\": \"MY-USER\"}", "", "$.venues[1].fix.username_env",
		       "environment variable");
	expect_refused(", \"fix\": {" FIX_CORE ", \"password_env\": \"\"}", "", "$.venues[1].fix.password_env",
		       "environment variable");
}

static void credentials_have_one_source(void **state)
{
	(void)state;
	expect_refused(", \"credentials_file\": \"/etc/c\", \"fix\": {" FIX_CORE ", \"password_env\": \"P\"}", "",
		       "$.venues[1].fix.password_env", "not both");
	expect_refused(", \"credentials_file\": \"/etc/c\", \"fix\": {" FIX_CORE ", \"username_env\": \"U\"}", "",
		       "$.venues[1].fix.username_env", "not both");
}

static void two_sessions_cannot_share_a_store(void **state)
{
	(void)state;
	expect_refused(", \"fix\": {" FIX_CORE "}",
		       ", { \"name\": \"EXCH2\", \"adapter\": \"fix\", \"fix\": {" FIX_CORE "} }",
		       "$.venues[2].fix.store", "already the store of venue 'EXCH'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fix_key_loads_into_its_field),
		cmocka_unit_test(defaults_apply_and_credentials_come_from_a_file),
		cmocka_unit_test(the_fix_example_loads),
		cmocka_unit_test(fix_object_is_required_for_fix_and_refused_for_sim),
		cmocka_unit_test(unknown_keys_and_secrets_are_refused),
		cmocka_unit_test(missing_and_empty_required_keys_are_refused),
		cmocka_unit_test(bad_values_are_refused_at_their_path),
		cmocka_unit_test(credentials_have_one_source),
		cmocka_unit_test(two_sessions_cannot_share_a_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
