/*
 * Config loader tests of a REST venue's "rest" object (engine/config.c,
 * docs/adapters.md): every key loads into its field with its unit, defaults
 * apply, the bundled examples/mexc-spot.json loads, and each class of bad
 * input is refused with -EINVAL at the JSON path of the fault.  TLS is not
 * optional: plain http:// and ws:// URLs are refused.  Secrets stay out: an
 * API key or secret key is refused, credentials come from the venue's
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

/* Venue 0 is a sim venue, venue 1 the REST venue under test: %1$s is
 * spliced into venue 1 after its "adapter", %2$s after the venues. */
static const char *base =
	"{ \"instance\": \"t\","
	"  \"venues\": [ { \"name\": \"SIM\", \"adapter\": \"sim\" },"
	"                { \"name\": \"SPOT\", \"adapter\": \"rest\" %1$s } %2$s ],"
	"  \"symbols\": [ { \"name\": \"BTCUSDT\", \"venue\": \"SPOT\", \"tick\": \"0.01\", \"lot\": \"0.0001\","
	"                   \"max_qty\": \"1000\", \"max_price\": \"1000000\" } ],"
	"  \"accounts\": [ { \"name\": \"A\", \"equity\": \"100000\" } ],"
	"  \"strategies\": [ { \"name\": \"s1\", \"account\": \"A\" } ] }";

#define LIMITS "\"rate_limits\": [{\"count\": 20, \"per_ms\": 1000}]"
#define URLS "\"base_url\": \"https://api.example.com\", \"ws_url\": \"wss://stream.example.com:9443/ws\""

static int load(const char *venue, const char *more, struct rg_config *cfg, struct rg_config_error *err)
{
	char json[4096];

	snprintf(json, sizeof(json), base, venue, more);
	return rg_config_load_string(cfg, json, err);
}

static void expect_refused(const char *venue, const char *path, const char *words)
{
	struct rg_config cfg;
	struct rg_config_error err;
	int rc = load(venue, "", &cfg, &err);

	if (rc != -EINVAL || strcmp(err.path, path) != 0 || strstr(err.message, words) == NULL)
		fail_msg("expected refusal at %s (\"%s\"), got rc %d at %s: %s", path, words, rc, err.path, err.message);
	assert_null(cfg.symbols);
}

static void every_rest_key_loads_into_its_field(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const struct rg_venue_cfg *v;

	(void)state;
	assert_int_equal(load(", " LIMITS ", \"rest\": { \"base_url\": \"https://api.example.com:8443/\","
			      " \"ws_url\": \"wss://stream.example.com:9443/ws\", \"ca_file\": \"/etc/ssl/venue.pem\","
			      " \"api_key_header\": \"X-MEXC-APIKEY\", \"client_id_prefix\": \"desk7\","
			      " \"recv_window_ms\": 3000, \"timeout_ms\": 2500, \"max_in_flight\": 32,"
			      " \"request_weight\": {\"count\": 6000, \"per_ms\": 60000, \"reserve\": 100},"
			      " \"cancel_replace\": true, \"listen_key_keepalive_s\": 600, \"reconnect_min_ms\": 250,"
			      " \"reconnect_max_ms\": 8000, \"api_key_env\": \"SPOT_KEY\", \"api_secret_env\": \"SPOT_SECRET\" }",
			      "", &cfg, &err),
			 0);
	v = &cfg.venues[1];
	assert_int_equal(v->kind, RG_VENUE_REST);
	assert_string_equal(v->rest_base_url, "https://api.example.com:8443"); /* the trailing '/' goes */
	assert_string_equal(v->rest_ws_url, "wss://stream.example.com:9443/ws");
	assert_string_equal(v->rest_ca_file, "/etc/ssl/venue.pem");
	assert_string_equal(v->rest_api_key_header, "X-MEXC-APIKEY");
	assert_string_equal(v->rest_client_id_prefix, "desk7");
	assert_int_equal(v->rest_recv_window_ms, 3000);
	assert_int_equal(v->rest_timeout_ns, 2500000000ull);
	assert_int_equal(v->rest_max_in_flight, 32);
	assert_int_equal(v->rest_weight_limit, 6000);
	assert_int_equal(v->rest_weight_window_ns, 60000000000ull);
	assert_int_equal(v->rest_weight_reserve, 100);
	assert_true(v->rest_cancel_replace);
	assert_int_equal(v->rest_keepalive_ns, 600000000000ull);
	assert_int_equal(v->rest_reconnect_min_ns, 250000000ull);
	assert_int_equal(v->rest_reconnect_max_ns, 8000000000ull);
	assert_string_equal(v->rest_api_key_env, "SPOT_KEY");
	assert_string_equal(v->rest_api_secret_env, "SPOT_SECRET");
	assert_string_equal(cfg.venues[0].rest_base_url, "");
	rg_config_free(&cfg);
}

static void defaults_apply(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const struct rg_venue_cfg *v;

	(void)state;
	assert_int_equal(load(", " LIMITS ", \"credentials_file\": \"/etc/riskgate/spot.credentials\", \"rest\": { " URLS
			      " }",
			      "", &cfg, &err),
			 0);
	v = &cfg.venues[1];
	assert_int_equal(v->rest_recv_window_ms, 5000);
	assert_int_equal(v->rest_timeout_ns, 10000000000ull);
	assert_int_equal(v->rest_max_in_flight, 16);
	assert_int_equal(v->rest_weight_limit, 0);
	assert_false(v->rest_cancel_replace);
	assert_int_equal(v->rest_keepalive_ns, 1800000000000ull);
	assert_int_equal(v->rest_reconnect_min_ns, 500000000ull);
	assert_int_equal(v->rest_reconnect_max_ns, 30000000000ull);
	assert_string_equal(v->rest_api_key_header, "");   /* the adapter sends X-MBX-APIKEY */
	assert_string_equal(v->rest_client_id_prefix, ""); /* and "rg" */
	assert_string_equal(v->rest_ca_file, "");          /* and trusts the system's CA store */
	assert_string_equal(v->credentials_file, "/etc/riskgate/spot.credentials");
	rg_config_free(&cfg);
}

static void the_mexc_example_loads(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	if (rg_config_load_file(&cfg, RG_EXAMPLES_DIR "/mexc-spot.json", &err) != 0)
		fail_msg("examples/mexc-spot.json: %s: %s", err.path, err.message);
	assert_int_equal(cfg.n_venues, 1);
	assert_int_equal(cfg.venues[0].kind, RG_VENUE_REST);
	assert_string_equal(cfg.venues[0].rest_api_key_header, "X-MEXC-APIKEY");
	assert_true(cfg.venues[0].credentials_file[0] != '\0');
	/* 20 orders a second and 100 per 10 s, the venue's own limits. */
	assert_int_equal(cfg.venues[0].n_buckets, 2);
	assert_int_equal(cfg.venues[0].buckets[0].count, 20);
	assert_int_equal(cfg.venues[0].buckets[0].window_ns, 1000000000ull);
	assert_int_equal(cfg.venues[0].buckets[1].count, 100);
	assert_int_equal(cfg.venues[0].buckets[1].window_ns, 10000000000ull);
	assert_int_equal(cfg.n_symbols, 2);
	assert_int_equal(rg_config_symbol_index(&cfg, "BTCUSDT") >= 0, 1);
	assert_int_equal(rg_config_symbol_index(&cfg, "ETHUSDT") >= 0, 1);
	rg_config_free(&cfg);
}

static void rest_object_and_rate_limits_are_required_for_rest_only(void **state)
{
	(void)state;
	expect_refused(", " LIMITS, "$.venues[1].rest", "required for adapter \"rest\"");
	expect_refused(", \"rest\": {" URLS "}", "$.venues[1].rate_limits", "the venue's own order limits");
	expect_refused(", " LIMITS ", \"rest\": {" URLS "}, \"sim\": {\"seed\": 3}", "$.venues[1].sim",
		       "only for adapter \"sim\"");
	struct rg_config cfg;
	struct rg_config_error err;
	assert_int_equal(load(", " LIMITS ", \"rest\": {" URLS "}", ", { \"name\": \"S2\", \"adapter\": \"sim\", \"rest\": {} }",
			      &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.path, "$.venues[2].rest");
}

static void plain_http_and_bad_urls_are_refused(void **state)
{
	(void)state;
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"http://api.example.com\", \"ws_url\": \"wss://s/ws\"}",
		       "$.venues[1].rest.base_url", "must start with https://");
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"https://api.example.com\", \"ws_url\": \"ws://s/ws\"}",
		       "$.venues[1].rest.ws_url", "must start with wss://");
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"https://api.example.com/api/v3\", \"ws_url\": \"wss://s\"}",
		       "$.venues[1].rest.base_url", "without a path");
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"https://\", \"ws_url\": \"wss://s\"}",
		       "$.venues[1].rest.base_url", "has no host");
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"https://a b\", \"ws_url\": \"wss://s\"}",
		       "$.venues[1].rest.base_url", "without spaces");
	expect_refused(", " LIMITS ", \"rest\": {\"ws_url\": \"wss://s\"}", "$.venues[1].rest.base_url", "required");
	expect_refused(", " LIMITS ", \"rest\": {\"base_url\": \"https://a\"}", "$.venues[1].rest.ws_url", "required");
}

static void bad_values_and_secrets_are_refused_at_their_path(void **state)
{
	(void)state;
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"api_key\": \"abc\"}", "$.venues[1].rest.api_key",
		       "secrets never go in the config");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"api_secret\": \"abc\"}", "$.venues[1].rest.api_secret",
		       "secrets never go in the config");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"recv_window_ms\": 60001}", "$.venues[1].rest.recv_window_ms",
		       "between 1 and 60000");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"timeout_ms\": 10}", "$.venues[1].rest.timeout_ms",
		       "between 100 and 120000");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"max_in_flight\": 0}", "$.venues[1].rest.max_in_flight",
		       "between 1 and 256");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"client_id_prefix\": \"rg-1\"}",
		       "$.venues[1].rest.client_id_prefix", "1-8 letters or digits");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"client_id_prefix\": \"abcdefghi\"}",
		       "$.venues[1].rest.client_id_prefix", "1-8 letters or digits");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"api_key_header\": \"X MBX\"}",
		       "$.venues[1].rest.api_key_header", "HTTP header name");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"api_key_header\": \"X_MBX\"}",
		       "$.venues[1].rest.api_key_header", "HTTP header name");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"request_weight\": {\"count\": 100}}",
		       "$.venues[1].rest.request_weight.per_ms", "required");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"request_weight\": {\"count\": 100, \"per_ms\": 60000,"
		       " \"reserve\": 100}}",
		       "$.venues[1].rest.request_weight.reserve", "between 0 and 99");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"reconnect_min_ms\": 900, \"reconnect_max_ms\": 800}",
		       "$.venues[1].rest.reconnect_max_ms", "must not be less than reconnect_min_ms");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"api_key_env\": \"1KEY\"}", "$.venues[1].rest.api_key_env",
		       "name of an environment variable");
	expect_refused(", " LIMITS ", \"credentials_file\": \"/c\", \"rest\": {" URLS ", \"api_secret_env\": \"S\"}",
		       "$.venues[1].rest.api_secret_env", "not both");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"cancel_replace\": 1}", "$.venues[1].rest.cancel_replace",
		       "true or false");
	expect_refused(", " LIMITS ", \"rest\": {" URLS ", \"base\": 1}", "$.venues[1].rest.base", "unknown key");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rest_key_loads_into_its_field),
		cmocka_unit_test(defaults_apply),
		cmocka_unit_test(the_mexc_example_loads),
		cmocka_unit_test(rest_object_and_rate_limits_are_required_for_rest_only),
		cmocka_unit_test(plain_http_and_bad_urls_are_refused),
		cmocka_unit_test(bad_values_and_secrets_are_refused_at_their_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
