/*
 * Config loader tests: both bundled examples load with exactly the values
 * they spell, and every class of bad input is refused with -EINVAL, the JSON
 * path of the fault and a message that says what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "order_to_trade.h"

#ifndef RG_EXAMPLES_DIR
#error "RG_EXAMPLES_DIR must point at examples/"
#endif

/* A minimal valid config with one place to splice a fragment into each
 * section: %1$s venue extra, %2$s symbol, %3$s account, %4$s strategy,
 * %5$s top-level extra.  Symbol, account and strategy have required keys of
 * their own (CORE_*); a fragment starting with '!' replaces them instead of
 * adding to them, so a test can give a required key a bad value. */
static const char *base =
	"{ \"instance\": \"t\", %5$s"
	"  \"venues\": [ { \"name\": \"V\", \"adapter\": \"sim\" %1$s } ],"
	"  \"symbols\": [ { \"name\": \"AAA\", \"venue\": \"V\" %2$s } ],"
	"  \"accounts\": [ { \"name\": \"A\" %3$s } ],"
	"  \"strategies\": [ { \"name\": \"s1\" %4$s } ] }";
#define CORE_SYMBOL ", \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"1000\", \"max_price\": \"1000\""
#define CORE_ACCOUNT ", \"equity\": \"100000\""
#define CORE_STRATEGY ", \"account\": \"A\""

static void splice(char *out, size_t len, const char *core, const char *fragment)
{
	if (fragment[0] == '!')
		snprintf(out, len, "%s", fragment + 1);
	else
		snprintf(out, len, "%s%s", core, fragment);
}

static int load_with(const char *venue, const char *symbol, const char *account, const char *strategy,
		     const char *top, struct rg_config *cfg, struct rg_config_error *err)
{
	char json[4096], sym[1024], acct[1024], strat[1024];

	splice(sym, sizeof(sym), CORE_SYMBOL, symbol);
	splice(acct, sizeof(acct), CORE_ACCOUNT, account);
	splice(strat, sizeof(strat), CORE_STRATEGY, strategy);
	snprintf(json, sizeof(json), base, venue, sym, acct, strat, top);
	return rg_config_load_string(cfg, json, err);
}

/* Expects the fragment to be refused at `path` with a message containing `words`. */
static void expect_refused(const char *venue, const char *symbol, const char *account, const char *strategy,
			   const char *top, const char *path, const char *words)
{
	struct rg_config cfg;
	struct rg_config_error err;
	int rc = load_with(venue, symbol, account, strategy, top, &cfg, &err);

	if (rc != -EINVAL || strcmp(err.path, path) != 0 || strstr(err.message, words) == NULL)
		fail_msg("expected refusal at %s (\"%s\"), got rc %d at %s: %s", path, words, rc, err.path, err.message);
	assert_null(cfg.symbols); /* nothing left to free */
}

static void both_examples_load(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(rg_config_load_file(&cfg, RG_EXAMPLES_DIR "/default.json", &err), 0);
	assert_string_equal(cfg.instance, "demo");
	assert_string_equal(cfg.journal.dir, "/tmp/riskgate-demo/journal");
	assert_int_equal(cfg.journal.retention_days, 7);
	assert_true(cfg.n_strategies >= 2 && cfg.n_symbols >= 2);
	rg_config_free(&cfg);
	assert_int_equal(rg_config_load_file(&cfg, RG_EXAMPLES_DIR "/conservative.json", &err), 0);
	/* The conservative example's promises, checked value by value. */
	assert_int_equal(cfg.n_symbols, 2);
	assert_int_equal(cfg.accounts[0].min_notional_e8, 10 * RG_PRICE_SCALE);
	assert_int_equal(cfg.accounts[0].max_notional_e8, 500 * RG_PRICE_SCALE);
	assert_int_equal(cfg.symbols[0].max_position_notional_e8, 1000 * RG_PRICE_SCALE);
	assert_int_equal(cfg.accounts[0].max_position_equity_bps, 1000);
	assert_int_equal(cfg.accounts[0].max_gross_equity_bps, 3000);
	assert_int_equal(cfg.accounts[0].daily_loss_bps, 500);
	assert_int_equal(cfg.accounts[0].drawdown_bps, 1000);
	assert_int_equal(cfg.accounts[0].max_orders_per_day, 50);
	assert_int_equal(cfg.venues[0].n_buckets, 2);
	assert_int_equal(cfg.venues[0].buckets[0].count, 15);
	assert_int_equal(cfg.venues[0].buckets[0].window_ns, 1000000000ull);
	assert_int_equal(cfg.venues[0].buckets[1].count, 100);
	assert_int_equal(cfg.venues[0].buckets[1].window_ns, 10000000000ull);
	assert_int_equal(cfg.venues[0].rate_margin_ns, 1000000ull); /* the default */
	assert_int_equal(cfg.venues[0].breaker_consecutive, 3);
	assert_int_equal(cfg.venues[0].breaker_per_hour, 10);
	assert_int_equal(cfg.venues[0].breaker_recovery_ns, 300000000000ull);
	assert_false(cfg.accounts[0].all_symbols);
	assert_int_equal(cfg.accounts[0].n_permitted, 2);
	rg_config_free(&cfg);
}

static void values_are_exact_fixed_point(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(load_with(", \"rate_limits\": [{\"count\": 20, \"per_ms\": 1000}]",
				   ", \"min_price\": \"0.01\", \"reference_price\": \"123.45\", \"collar_bps\": 250",
				   ", \"max_position_pct_equity\": \"2.5\", \"daily_loss_limit\": 1000",
				   ", \"mode\": \"0640\", \"order_ring\": 256, \"orders_per_second\": 20,"
				   "  \"execution_throttle\": {\"fills\": 5, \"window_ms\": 250}",
				   "\"trading_day\": {\"start_utc\": \"21:30\"},", &cfg, &err),
			 0);
	assert_int_equal(cfg.symbols[0].tick_e8, 1000000);
	assert_int_equal(cfg.symbols[0].lot_e8, 100000000);
	assert_int_equal(cfg.symbols[0].min_qty_e8, 100000000); /* defaults to the lot */
	assert_int_equal(cfg.symbols[0].reference_price_e8, 12345000000);
	assert_int_equal(cfg.symbols[0].collar_bps, 250);
	assert_int_equal(cfg.accounts[0].max_position_equity_bps, 250);
	assert_int_equal(cfg.accounts[0].daily_loss_limit_e8, 1000 * RG_PRICE_SCALE);
	assert_int_equal(cfg.accounts[0].equity_e8, 100000 * RG_PRICE_SCALE);
	assert_true(cfg.accounts[0].all_symbols);
	assert_int_equal(cfg.strategies[0].mode, 0640);
	assert_int_equal(cfg.strategies[0].order_ring_capacity, 256);
	assert_int_equal(cfg.strategies[0].report_ring_capacity, 4096);
	assert_int_equal(cfg.strategies[0].order_rate.count, 20);
	assert_int_equal(cfg.strategies[0].exec_throttle_window_ns, 250000000ull);
	assert_int_equal(cfg.day_start_utc_s, 21 * 3600 + 30 * 60);
	assert_int_equal(rg_config_symbol_index(&cfg, "AAA"), 0);
	assert_int_equal(rg_config_symbol_index(&cfg, "BBB"), -1);
	assert_int_equal(rg_config_strategy_index(&cfg, "s1"), 0);
	rg_config_free(&cfg);
}

static void venue_windows_and_strategy_rate_kinds(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(load_with(", \"rate_limits\": [{\"count\": 20, \"per_ms\": 1000},"
				   " {\"count\": 100, \"per_ms\": 10000}]",
				   "", "", ", \"order_rate\": {\"count\": 5, \"per_ms\": 1000, \"kind\": \"bucket\"},"
				   " \"messages_per_second\": 9",
				   "", &cfg, &err),
			 0);
	assert_int_equal(cfg.venues[0].n_buckets, 2);
	assert_int_equal(cfg.venues[0].buckets[1].count, 100);
	assert_int_equal(cfg.venues[0].buckets[1].window_ns, 10000000000ull);
	assert_int_equal(cfg.strategies[0].order_rate.kind, RG_RATE_BUCKET);
	assert_int_equal(cfg.strategies[0].message_rate.kind, RG_RATE_WINDOW); /* the shorthand: a window */
	assert_int_equal(cfg.strategies[0].message_rate.count, 9);
	rg_config_free(&cfg);
	/* the token buckets' burst is gone: refused with what windows mean */
	expect_refused(", \"rate_limits\": [{\"count\": 20, \"per_ms\": 1000, \"burst\": 5}]", "", "", "", "",
		       "$.venues[0].rate_limits[0].burst", "exact sliding windows");
	expect_refused(", \"rate_limits\": [{\"count\": 1000001, \"per_ms\": 1000}]", "", "", "", "",
		       "$.venues[0].rate_limits[0].count", "between 1 and 1000000");
	expect_refused(", \"rate_limits\": [{\"count\": 20, \"per_ms\": 1000, \"kind\": \"bucket\"}]", "", "", "",
		       "", "$.venues[0].rate_limits[0].kind", "unknown key");
	expect_refused("", "", "", ", \"order_rate\": {\"count\": 5, \"per_ms\": 1000, \"kind\": \"leaky\"}", "",
		       "$.strategies[0].order_rate.kind", "not one of the allowed values");
	expect_refused("", "", "", ", \"order_rate\": {\"count\": 5, \"per_ms\": 1000, \"burst\": 2}", "",
		       "$.strategies[0].order_rate.burst", "unknown key");
	expect_refused("", "", "", ", \"order_rate\": {\"count\": 2000000, \"per_ms\": 1000}", "",
		       "$.strategies[0].order_rate.count", "at most 1000000");
}

static void self_match_keys(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(load_with("", "", ", \"self_match\": \"cancel_both\", \"self_match_group\": \"desk\"", "", "",
				   &cfg, &err),
			 0);
	assert_int_equal(cfg.accounts[0].self_match, RG_SMP_CANCEL_BOTH);
	assert_string_equal(cfg.accounts[0].self_match_group, "desk");
	rg_config_free(&cfg);
	assert_int_equal(load_with("", "", "", "", "", &cfg, &err), 0);
	assert_int_equal(cfg.accounts[0].self_match, RG_SMP_OFF); /* off unless asked for */
	rg_config_free(&cfg);
	expect_refused("", "", ", \"self_match\": \"cancel\"", "", "", "$.accounts[0].self_match",
		       "not one of the allowed values");
	expect_refused("", "", ", \"self_match_group\": \"desk\"", "", "", "$.accounts[0].self_match_group",
		       "needs \"self_match\" on");
}

static void trading_hours_keys(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const char *xnys = "\"trading_hours\": {\"XNYS\": {\"time_zone\": \"America/New_York\", \"sessions\": "
			   "[{\"open\": \"09:30\", \"close\": \"16:00\"}], \"closed_dates\": [\"2026-12-25\"]}},";
	char top[512];

	(void)state;
	snprintf(top, sizeof(top), "%s", xnys);
	assert_int_equal(load_with(", \"trading_hours\": \"XNYS\"", "", "", "", top, &cfg, &err), 0);
	assert_int_equal(cfg.n_hours, 1);
	assert_int_equal(cfg.venues[0].hours, 1);
	assert_int_equal(cfg.hours[0].open_min[0], 570);
	assert_int_equal(cfg.hours[0].close_min[0], 960);
	assert_int_equal(cfg.hours[0].days, 0x3e); /* Monday to Friday by default */
	assert_int_equal(cfg.hours[0].closed[0], 20812); /* days since 1970-01-01 */
	rg_config_free(&cfg);
	expect_refused(", \"trading_hours\": \"XNAS\"", "", "", "", top, "$.venues[0].trading_hours",
		       "not a schedule");
	expect_refused("", "", "", "",
		       "\"trading_hours\": {\"X\": {\"time_zone\": \"Mars/Olympus\", \"sessions\": "
		       "[{\"open\": \"09:30\", \"close\": \"16:00\"}]}},",
		       "$.trading_hours.X.time_zone", "tzdata");
	expect_refused("", "", "", "",
		       "\"trading_hours\": {\"X\": {\"time_zone\": \"UTC\", \"sessions\": "
		       "[{\"open\": \"16:00\", \"close\": \"09:30\"}]}},",
		       "$.trading_hours.X.sessions[0].close", "after open");
	expect_refused("", "", "", "",
		       "\"trading_hours\": {\"X\": {\"time_zone\": \"UTC\", \"sessions\": "
		       "[{\"open\": \"09:30\", \"close\": \"16:00\"}], \"days\": [\"monday\"]}},",
		       "$.trading_hours.X.days[0]", "not a weekday");
	expect_refused("", "", "", "",
		       "\"trading_hours\": {\"X\": {\"time_zone\": \"UTC\", \"sessions\": "
		       "[{\"open\": \"09:30\", \"close\": \"16:00\"}], \"closed_dates\": [\"2026-13-01\"]}},",
		       "$.trading_hours.X.closed_dates[0]", "YYYY-MM-DD");
}

static void order_to_trade_keys(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(load_with("", "", ", \"order_to_trade\": {\"ratio\": 20, \"floor\": 500, \"action\": \"halted\"}",
				   ", \"order_to_trade\": {\"ratio\": 5}", "", &cfg, &err),
			 0);
	assert_int_equal(cfg.accounts[0].otr.ratio, 20);
	assert_int_equal(cfg.accounts[0].otr.floor, 500);
	assert_int_equal(cfg.accounts[0].otr.action, RG_OTR_HALTED);
	assert_int_equal(cfg.strategies[0].otr.ratio, 5);
	assert_int_equal(cfg.strategies[0].otr.action, RG_OTR_REJECT);
	rg_config_free(&cfg);
	expect_refused("", "", "", ", \"order_to_trade\": {\"floor\": 5}", "", "$.strategies[0].order_to_trade.ratio",
		       "required");
	expect_refused("", "", "", ", \"order_to_trade\": {\"ratio\": 0}", "", "$.strategies[0].order_to_trade.ratio",
		       "at least 1");
	expect_refused("", "", ", \"order_to_trade\": {\"ratio\": 2, \"action\": \"stop\"}", "", "",
		       "$.accounts[0].order_to_trade.action", "not one of the allowed values");
	assert_int_equal(load_with("", "", ", \"venue_credit\": {\"V\": \"2500.50\"}", "", "", &cfg, &err), 0);
	assert_int_equal(cfg.accounts[0].venue_credit_e8[0], 250050000000);
	rg_config_free(&cfg);
	expect_refused("", "", ", \"venue_credit\": {\"W\": \"100\"}", "", "", "$.accounts[0].venue_credit.W",
		       "unknown venue");
}

static void unknown_keys_are_refused(void **state)
{
	(void)state;
	expect_refused("", "", "", "", "\"colour\": 1,", "$.colour", "unknown key");
	expect_refused(", \"speed\": 1", "", "", "", "", "$.venues[0].speed", "unknown key");
	expect_refused("", ", \"tik\": \"0.01\"", "", "", "", "$.symbols[0].tik", "unknown key");
	expect_refused("", "", "", "", "\"engine\": {\"cores\": 2},", "$.engine.cores", "unknown key");
	expect_refused("", "", "", ", \"execution_throttle\": {\"fills\": 1, \"window_ms\": 5, \"x\": 1}", "",
		       "$.strategies[0].execution_throttle.x", "unknown key");
}

static void secrets_in_the_config_are_refused(void **state)
{
	(void)state;
	expect_refused(", \"api_key\": \"abc\"", "", "", "", "", "$.venues[0].api_key", "secrets never go");
	expect_refused("", "", "", "", "\"redis\": {\"password\": \"hunter2\"},", "$.redis.password", "secrets never go");
	expect_refused(", \"secret\": \"x\"", "", "", "", "", "$.venues[0].secret", "file");
}

static void wrong_types_are_refused(void **state)
{
	(void)state;
	expect_refused("", ", \"enabled\": \"yes\"", "", "", "", "$.symbols[0].enabled", "true or false");
	expect_refused("", "", "", ", \"order_ring\": \"256\"", "", "$.strategies[0].order_ring", "integer");
	expect_refused("", "", ", \"symbols\": 5", "", "", "$.accounts[0].symbols", "\"*\" or an array");
	expect_refused("", "", "", "", "\"engine\": 1,", "$.engine", "object");
	expect_refused("", "!, \"tick\": 0.01, \"lot\": \"1\", \"max_qty\": \"1000\", \"max_price\": \"1000\"", "", "", "", "$.symbols[0].tick", "write decimals as strings");
	expect_refused("", "!, \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"12x\", \"max_price\": \"1000\"", "", "", "", "$.symbols[0].max_qty", "not a decimal");
}

static void missing_required_keys_are_refused(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(rg_config_load_string(&cfg, "{\"instance\": \"x\"}", &err), -EINVAL);
	assert_string_equal(err.path, "$.venues");
	assert_int_equal(rg_config_load_string(&cfg, "{}", &err), -EINVAL);
	assert_string_equal(err.path, "$.instance");
	assert_int_equal(rg_config_load_string(&cfg,
					       "{\"instance\": \"x\", \"venues\": [{\"name\": \"V\", \"adapter\": \"sim\"}],"
					       " \"symbols\": [{\"name\": \"S\", \"venue\": \"V\", \"lot\": \"1\","
					       " \"max_qty\": \"1\", \"max_price\": \"1\"}]}",
					       &err),
			 -EINVAL);
	assert_string_equal(err.path, "$.symbols[0].tick");
	assert_string_equal(err.message, "required");
}

static void out_of_range_values_are_refused(void **state)
{
	(void)state;
	expect_refused(", \"sim\": {\"delay_us\": 10000001}", "", "", "", "", "$.venues[0].sim.delay_us", "between");
	expect_refused(", \"rate_margin_us\": 1000001", "", "", "", "", "$.venues[0].rate_margin_us", "between");
	expect_refused("", ", \"collar_bps\": 10001", "", "", "", "$.symbols[0].collar_bps", "between 0 and 10000");
	expect_refused("", "", ", \"max_position_pct_equity\": 101", "", "", "$.accounts[0].max_position_pct_equity",
		       "between 0 and 100");
	expect_refused("", "", ", \"daily_loss_pct\": \"5.001\"", "", "", "$.accounts[0].daily_loss_pct", "precision");
	expect_refused("", "", "!, \"equity\": \"0\"", "", "", "$.accounts[0].equity", "greater than 0");
	expect_refused("", ", \"min_notional\": \"-5\"", "", "", "", "$.symbols[0].min_notional", "negative");
	expect_refused("", "", "", "", "\"engine\": {\"core\": 5000},", "$.engine.core", "between");
	expect_refused("", "", "", "", "\"trading_day\": {\"start_utc\": \"25:00\"},", "$.trading_day.start_utc",
		       "HH:MM");
	expect_refused("", "", "", ", \"mode\": \"rw-------\"", "", "$.strategies[0].mode", "octal");
}

static void bad_ring_sizes_are_refused(void **state)
{
	(void)state;
	expect_refused("", "", "", ", \"order_ring\": 1000", "", "$.strategies[0].order_ring", "power of two");
	expect_refused("", "", "", ", \"report_ring\": 1", "", "$.strategies[0].report_ring", "power of two");
}

static void too_much_precision_and_overflow_are_refused(void **state)
{
	(void)state;
	expect_refused("", "!, \"tick\": \"0.000000001\", \"lot\": \"1\", \"max_qty\": \"1000\", \"max_price\": \"1000\"", "", "", "", "$.symbols[0].tick", "more than 8 decimal places");
	expect_refused("", "!, \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"100000000000000\", \"max_price\": \"1000\"", "", "", "", "$.symbols[0].max_qty", "too large");
	expect_refused("", "!, \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": 100000000000000, \"max_price\": \"1000\"", "", "", "", "$.symbols[0].max_qty", "too large");
}

static void unknown_references_are_refused(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	expect_refused("", "", "", "!, \"account\": \"NOPE\"", "", "$.strategies[0].account", "unknown account 'NOPE'");
	expect_refused("", "", ", \"symbols\": [\"AAA\", \"ZZZ\"]", "", "", "$.accounts[0].symbols[1]",
		       "unknown symbol 'ZZZ'");
	assert_int_equal(rg_config_load_string(&cfg,
					       "{\"instance\": \"x\", \"venues\": [{\"name\": \"V\", \"adapter\": \"sim\"}],"
					       " \"symbols\": [{\"name\": \"S\", \"venue\": \"W\"}]}",
					       &err),
			 -EINVAL);
	assert_string_equal(err.path, "$.symbols[0].venue");
	assert_non_null(strstr(err.message, "unknown venue 'W'"));
	/* a key given twice in one object is a JSON error */
	assert_int_equal(load_with("", ", \"venue\": \"V\"", "", "", "", &cfg, &err), -EINVAL);
	assert_string_equal(err.path, "$");
	assert_non_null(strstr(err.message, "duplicate"));
	expect_refused("", "", "", ", \"owner\": \"no-such-user-xyz\"", "", "$.strategies[0].owner", "no such user");
	expect_refused("", "", "", ", \"group\": \"no-such-group-xyz\"", "", "$.strategies[0].group", "no such group");
}

static void inconsistent_values_are_refused(void **state)
{
	(void)state;
	expect_refused("", ", \"min_qty\": \"2000\"", "", "", "", "$.symbols[0].min_qty", "above max_qty");
	expect_refused("", ", \"min_price\": \"5000\"", "", "", "", "$.symbols[0].min_price", "above max_price");
	expect_refused("", ", \"min_notional\": \"100\", \"max_notional\": \"10\"", "", "", "",
		       "$.symbols[0].min_notional", "above max_notional");
	expect_refused("", "!, \"tick\": \"0.01\", \"lot\": \"5\", \"min_qty\": \"7\", \"max_qty\": \"1000\", \"max_price\": \"1000\"", "", "", "", "$.symbols[0].min_qty",
		       "multiple of the lot");
	expect_refused("", "!, \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"1000\", \"max_price\": \"1000.005\"", "", "", "", "$.symbols[0].max_price", "multiple of the tick");
	expect_refused("", ", \"reference_price\": \"2000\"", "", "", "", "$.symbols[0].reference_price",
		       "outside [min_price, max_price]");
	expect_refused("", "", ", \"min_notional\": \"50\", \"max_notional\": \"5\"", "", "",
		       "$.accounts[0].min_notional", "above max_notional");
	expect_refused("", "", "", ", \"orders_per_second\": 5, \"order_rate\": {\"count\": 5, \"per_ms\": 1000}",
		       "", "$.strategies[0].order_rate", "not both");
}

static void duplicate_names_are_refused(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;
	const char *json =
		"{ \"instance\": \"t\", \"venues\": [ {\"name\": \"V\", \"adapter\": \"sim\"} ],"
		"  \"symbols\": [ {\"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"1\", \"lot\": \"1\", \"max_qty\": \"9\","
		"                  \"max_price\": \"9\"},"
		"                 {\"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"1\", \"lot\": \"1\", \"max_qty\": \"9\","
		"                  \"max_price\": \"9\"} ],"
		"  \"accounts\": [ {\"name\": \"A\", \"equity\": \"1\"} ], \"strategies\": [ {\"name\": \"s\", \"account\": \"A\"} ] }";

	(void)state;
	assert_int_equal(rg_config_load_string(&cfg, json, &err), -EINVAL);
	assert_string_equal(err.path, "$.symbols[1].name");
	assert_non_null(strstr(err.message, "already used"));
}

static void syntax_errors_give_the_line(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(rg_config_load_string(&cfg, "{\n  \"instance\": \"x\",\n  oops\n}", &err), -EINVAL);
	assert_string_equal(err.path, "$");
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "invalid JSON"));
}

static void missing_file_is_enoent(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(rg_config_load_file(&cfg, "/nonexistent/riskgate.json", &err), -ENOENT);
	assert_non_null(strstr(err.message, "cannot open"));
}

static void bad_name_values_are_refused(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_int_equal(rg_config_load_string(&cfg, "{\"instance\": \"has space\"}", &err), -EINVAL);
	assert_string_equal(err.path, "$.instance");
	assert_non_null(strstr(err.message, "not a valid name"));
}

static void kill_switch_keys_load(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	/* defaults: Redis off, kill segment 0660 in the engine's group, cancel on kill, no dead man */
	assert_int_equal(load_with("", "", "", "", "", &cfg, &err), 0);
	assert_false(cfg.redis.enabled);
	assert_int_equal(cfg.operators.mode, 0660);
	assert_int_equal(cfg.operators.gid, (gid_t)-1);
	assert_true(cfg.cancel_on_kill);
	assert_int_equal(cfg.mass_cancel_stall_ns, 5000000000ull);
	assert_int_equal(cfg.strategies[0].dead_man_timeout_ns, 0);
	rg_config_free(&cfg);

	assert_int_equal(load_with("", "", "", ", \"dead_man\": {\"timeout_ms\": 1500, \"cancel_orders\": false}",
				   "\"operators\": {\"group\": \"root\", \"mode\": \"0640\"}, \"cancel_on_kill\": false,"
				   "\"mass_cancel_stall_ms\": 90000,"
				   "\"redis\": {\"host\": \"10.0.0.7\", \"port\": 6380, \"key\": \"stop_all\","
				   " \"channel\": \"ops.kill\", \"poll_ms\": 20, \"user\": \"riskgate\","
				   " \"password_file\": \"/etc/riskgate/redis.pw\", \"on_redis_loss\": \"halt\","
				   " \"loss_grace_ms\": 2000, \"reconnect_min_ms\": 10, \"reconnect_max_ms\": 800, \"core\": 0},",
				   &cfg, &err),
			 0);
	assert_int_equal(cfg.strategies[0].dead_man_timeout_ns, 1500000000ull);
	assert_false(cfg.strategies[0].dead_man_cancel);
	assert_int_equal(cfg.operators.gid, 0);
	assert_int_equal(cfg.operators.mode, 0640);
	assert_false(cfg.cancel_on_kill);
	assert_int_equal(cfg.mass_cancel_stall_ns, 90000000000ull);
	assert_true(cfg.redis.enabled);
	assert_string_equal(cfg.redis.host, "10.0.0.7");
	assert_int_equal(cfg.redis.port, 6380);
	assert_string_equal(cfg.redis.key, "stop_all");
	assert_string_equal(cfg.redis.channel, "ops.kill");
	assert_int_equal(cfg.redis.poll_interval_ms, 20);
	assert_string_equal(cfg.redis.user, "riskgate");
	assert_string_equal(cfg.redis.password_file, "/etc/riskgate/redis.pw");
	assert_true(cfg.redis.halt_on_loss);
	assert_int_equal(cfg.redis.loss_grace_ms, 2000);
	assert_int_equal(cfg.redis.reconnect_min_ms, 10);
	assert_int_equal(cfg.redis.reconnect_max_ms, 800);
	assert_int_equal(cfg.redis.core, 0);
	rg_config_free(&cfg);

	/* an empty redis object turns Redis on with every default */
	assert_int_equal(load_with("", "", "", ", \"dead_man\": {\"timeout_ms\": 100}", "\"redis\": {},", &cfg, &err), 0);
	assert_true(cfg.strategies[0].dead_man_cancel);
	assert_true(cfg.redis.enabled);
	assert_string_equal(cfg.redis.host, "127.0.0.1");
	assert_int_equal(cfg.redis.port, 6379);
	assert_string_equal(cfg.redis.key, "emergency_stop");
	assert_string_equal(cfg.redis.channel, "riskgate.kill");
	assert_int_equal(cfg.redis.poll_interval_ms, 50);
	assert_string_equal(cfg.redis.user, "");
	assert_false(cfg.redis.halt_on_loss);
	assert_int_equal(cfg.redis.loss_grace_ms, 5000);
	assert_int_equal(cfg.redis.reconnect_min_ms, 100);
	assert_int_equal(cfg.redis.reconnect_max_ms, 5000);
	assert_int_equal(cfg.redis.core, -1);
	rg_config_free(&cfg);
}

static void bad_kill_switch_keys_are_refused(void **state)
{
	(void)state;
	expect_refused("", "", "", "", "\"redis\": {\"poll_ms\": 0},", "$.redis.poll_ms", "> 0");
	expect_refused("", "", "", "", "\"redis\": {\"poll_ms\": \"50\"},", "$.redis.poll_ms", "integer");
	expect_refused("", "", "", "", "\"redis\": {\"port\": 70000},", "$.redis.port", "between 1 and 65535");
	expect_refused("", "", "", "", "\"redis\": {\"key\": \"\"},", "$.redis.key", "non-empty");
	expect_refused("", "", "", "", "\"redis\": {\"key\": \"emergency stop\"},", "$.redis.key", "without spaces");
	expect_refused("", "", "", "", "\"redis\": {\"channel\": \"\"},", "$.redis.channel", "non-empty");
	expect_refused("", "", "", "", "\"redis\": {\"host\": \"\"},", "$.redis.host", "must not be empty");
	expect_refused("", "", "", "", "\"redis\": {\"on_redis_loss\": \"panic\"},", "$.redis.on_redis_loss",
		       "not one of the allowed values");
	expect_refused("", "", "", "", "\"redis\": {\"reconnect_min_ms\": 500, \"reconnect_max_ms\": 100},",
		       "$.redis.reconnect_max_ms", "below reconnect_min_ms");
	expect_refused("", "", "", "", "\"redis\": {\"reconnect_min_ms\": 0},", "$.redis.reconnect_min_ms", "> 0");
	expect_refused("", "", "", "", "\"redis\": {\"core\": -2},", "$.redis.core", "between -1 and 1023");
	expect_refused("", "", "", "", "\"engine\": {\"core\": 1}, \"redis\": {\"core\": 1},", "$.redis.core",
		       "must not be the engine's core");
	expect_refused("", "", "", "", "\"redis\": {\"loss_grace_ms\": -1},", "$.redis.loss_grace_ms", "between");
	expect_refused("", "", "", "", "\"redis\": {\"pass\": 1},", "$.redis.pass", "unknown key");
	expect_refused("", "", "", "", "\"redis\": {\"auth_token\": \"x\"},", "$.redis.auth_token", "secrets never go");
	expect_refused("", "", "", "", "\"redis\": [],", "$.redis", "object");
	expect_refused("", "", "", "", "\"operators\": {\"mode\": \"0662\"},", "$.operators.mode",
		       "must not let others write");
	expect_refused("", "", "", "", "\"operators\": {\"mode\": \"0460\"},", "$.operators.mode",
		       "owner (the engine) read and write");
	expect_refused("", "", "", "", "\"operators\": {\"mode\": \"660\"},", "$.operators.mode", "octal");
	expect_refused("", "", "", "", "\"operators\": {\"group\": \"no-such-group-xyz\"},", "$.operators.group",
		       "no such group");
	expect_refused("", "", "", "", "\"operators\": {\"owner\": \"root\"},", "$.operators.owner", "unknown key");
	expect_refused("", "", "", "", "\"cancel_on_kill\": 1,", "$.cancel_on_kill", "true or false");
	expect_refused("", "", "", "", "\"mass_cancel_stall_ms\": 99,", "$.mass_cancel_stall_ms", "between 100 and 3600000");
	expect_refused("", "", "", "", "\"mass_cancel_stall_ms\": \"5s\",", "$.mass_cancel_stall_ms", "integer");
	expect_refused("", "", "", ", \"dead_man\": {}", "", "$.strategies[0].dead_man.timeout_ms", "required");
	expect_refused("", "", "", ", \"dead_man\": {\"timeout_ms\": 0}", "", "$.strategies[0].dead_man.timeout_ms",
		       "between 1 and 3600000");
	expect_refused("", "", "", ", \"dead_man\": {\"timeout_ms\": 10, \"cancel_orders\": \"yes\"}", "",
		       "$.strategies[0].dead_man.cancel_orders", "true or false");
	expect_refused("", "", "", ", \"dead_man\": {\"timeout_ms\": 10, \"policy\": 1}", "",
		       "$.strategies[0].dead_man.policy", "unknown key");
	expect_refused("", "", "", ", \"dead_man\": 5", "", "$.strategies[0].dead_man", "object");
}

static void journal_keys_load(void **state)
{
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	/* defaults: a directory per instance, everything kept, 1 s sync, 64 Ki records, the other core */
	assert_int_equal(load_with("", "", "", "", "", &cfg, &err), 0);
	assert_string_equal(cfg.journal.dir, "/var/tmp/riskgate/t/journal");
	assert_int_equal(cfg.journal.retention_days, 0);
	assert_int_equal(cfg.journal.fsync_interval_ns, 1000000000ull);
	assert_int_equal(cfg.journal.ring_capacity, 65536);
	assert_int_equal(cfg.journal.core, 0);
	assert_false(cfg.journal.cancel_unknown_on_restart);
	rg_config_free(&cfg);
	assert_int_equal(load_with("", "", "", "", "\"engine\": {\"core\": 0},", &cfg, &err), 0);
	assert_int_equal(cfg.journal.core, 1);
	rg_config_free(&cfg);
	assert_int_equal(load_with("", "", "", "",
				   "\"journal\": {\"dir\": \"/srv/audit\", \"retention_days\": 30, "
				   "\"fsync_interval_ms\": 250, \"ring_capacity\": 1024, \"core\": -1, "
				   "\"cancel_unknown_on_restart\": true},",
				   &cfg, &err),
			 0);
	assert_string_equal(cfg.journal.dir, "/srv/audit");
	assert_int_equal(cfg.journal.retention_days, 30);
	assert_int_equal(cfg.journal.fsync_interval_ns, 250000000ull);
	assert_int_equal(cfg.journal.ring_capacity, 1024);
	assert_int_equal(cfg.journal.core, -1);
	assert_true(cfg.journal.cancel_unknown_on_restart);
	rg_config_free(&cfg);
}

static void bad_journal_keys_are_refused(void **state)
{
	(void)state;
	expect_refused("", "", "", "", "\"journal\": [],", "$.journal", "object");
	expect_refused("", "", "", "", "\"journal\": {\"path\": \"/x\"},", "$.journal.path", "unknown key");
	expect_refused("", "", "", "", "\"journal\": {\"dir\": 5},", "$.journal.dir", "string");
	expect_refused("", "", "", "", "\"journal\": {\"dir\": \"rel/dir\"},", "$.journal.dir", "absolute");
	expect_refused("", "", "", "", "\"journal\": {\"retention_days\": -1},", "$.journal.retention_days",
		       "between 0 and 36500");
	expect_refused("", "", "", "", "\"journal\": {\"fsync_interval_ms\": 0},", "$.journal.fsync_interval_ms",
		       "> 0");
	expect_refused("", "", "", "", "\"journal\": {\"ring_capacity\": 1000},", "$.journal.ring_capacity",
		       "power of two");
	expect_refused("", "", "", "", "\"journal\": {\"ring_capacity\": 32},", "$.journal.ring_capacity",
		       "between 64 and 16777216");
	expect_refused("", "", "", "", "\"engine\": {\"core\": 1}, \"journal\": {\"core\": 1},", "$.journal.core",
		       "must not be the engine's core");
	expect_refused("", "", "", "", "\"journal\": {\"core\": -2},", "$.journal.core", "between -1 and 1023");
	expect_refused("", "", "", "", "\"journal\": {\"cancel_unknown_on_restart\": \"yes\"},",
		       "$.journal.cancel_unknown_on_restart", "true or false");
}

/* journal.dir need not exist (the engine creates it), but a file in its
 * place, or in place of one of its parents, is refused when the config is
 * checked, not when the engine starts. */
static void journal_dir_that_is_a_file_is_refused(void **state)
{
	char dir[] = "/tmp/rg-cfgdir.XXXXXX", file[64], top[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/afile", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(top, sizeof(top), "\"journal\": {\"dir\": \"%s\"},", file);
	expect_refused("", "", "", "", top, "$.journal.dir", "is not a directory");
	snprintf(top, sizeof(top), "\"journal\": {\"dir\": \"%s/journal\"},", file);
	expect_refused("", "", "", "", top, "$.journal.dir", "a part of the path is a file");
	/* a directory, or one that does not exist yet: fine */
	struct rg_config cfg;
	struct rg_config_error err;
	snprintf(top, sizeof(top), "\"journal\": {\"dir\": \"%s\"},", dir);
	assert_int_equal(load_with("", "", "", "", top, &cfg, &err), 0);
	rg_config_free(&cfg);
	snprintf(top, sizeof(top), "\"journal\": {\"dir\": \"%s/not/yet\"},", dir);
	assert_int_equal(load_with("", "", "", "", top, &cfg, &err), 0);
	rg_config_free(&cfg);
	unlink(file);
	rmdir(dir);
}

/* A FIFO as the config path would block the open until a writer came (the
 * engine and --check-config hung): it is refused at once as not a file. */
static void fifo_config_is_refused_without_blocking(void **state)
{
	char dir[] = "/tmp/rg-cfgfifo.XXXXXX", fifo[64];
	struct rg_config cfg;
	struct rg_config_error err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/config.json", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(rg_config_load_file(&cfg, fifo, &err), -EINVAL);
	assert_string_equal(err.path, "$");
	assert_non_null(strstr(err.message, "is a FIFO, not a regular file"));
	unlink(fifo);
	rmdir(dir);
}

/* A config others may write is refused: it decides every limit. */
static void config_others_may_write_is_refused(void **state)
{
	char path[] = "/tmp/rg-cfgmode.XXXXXX";
	struct rg_config cfg;
	struct rg_config_error err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}", 2), 2);
	assert_int_equal(fchmod(fd, 0666), 0);
	close(fd);
	assert_int_equal(rg_config_load_file(&cfg, path, &err), -EPERM);
	assert_non_null(strstr(err.message, "mode 0666"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_examples_load),
		cmocka_unit_test(values_are_exact_fixed_point),
		cmocka_unit_test(venue_windows_and_strategy_rate_kinds),
		cmocka_unit_test(self_match_keys),
		cmocka_unit_test(trading_hours_keys),
		cmocka_unit_test(order_to_trade_keys),
		cmocka_unit_test(unknown_keys_are_refused),
		cmocka_unit_test(secrets_in_the_config_are_refused),
		cmocka_unit_test(wrong_types_are_refused),
		cmocka_unit_test(missing_required_keys_are_refused),
		cmocka_unit_test(out_of_range_values_are_refused),
		cmocka_unit_test(bad_ring_sizes_are_refused),
		cmocka_unit_test(too_much_precision_and_overflow_are_refused),
		cmocka_unit_test(unknown_references_are_refused),
		cmocka_unit_test(inconsistent_values_are_refused),
		cmocka_unit_test(duplicate_names_are_refused),
		cmocka_unit_test(syntax_errors_give_the_line),
		cmocka_unit_test(missing_file_is_enoent),
		cmocka_unit_test(bad_name_values_are_refused),
		cmocka_unit_test(kill_switch_keys_load),
		cmocka_unit_test(bad_kill_switch_keys_are_refused),
		cmocka_unit_test(journal_keys_load),
		cmocka_unit_test(bad_journal_keys_are_refused),
		cmocka_unit_test(journal_dir_that_is_a_file_is_refused),
		cmocka_unit_test(fifo_config_is_refused_without_blocking),
		cmocka_unit_test(config_others_may_write_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
