/*
 * Kills in force recovered from the journal (engine/daemon/engine_recovery.h):
 * KILL and RESUME records folded into the set in force at the end of a
 * replay, and that set put back into a real kill segment (rg_kill_create)
 * that lacks it, as after a reboot wiped /dev/shm: scope names from the
 * config, sources and reasons kept, nothing applied twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine_recovery.h"
#include "kill_segment.h"

static const char *config_json =
	"{ \"instance\": \"rk\", \"venues\": [ { \"name\": \"V\", \"adapter\": \"sim\" } ],"
	"  \"symbols\": [ { \"name\": \"AAA\", \"venue\": \"V\", \"tick\": \"0.01\", \"lot\": \"1\", \"max_qty\": \"1000\","
	"                   \"max_price\": \"1000\" } ],"
	"  \"accounts\": [ { \"name\": \"A0\", \"equity\": \"100000\" }, { \"name\": \"A1\", \"equity\": \"100000\" } ],"
	"  \"strategies\": [ { \"name\": \"s0\", \"account\": \"A0\" }, { \"name\": \"s1\", \"account\": \"A1\" } ] }";

static struct rg_jrec kill_rec(uint16_t type, uint8_t scope, uint32_t id, uint8_t source, const char *reason)
{
	struct rg_jrec r;

	memset(&r, 0, sizeof(r));
	r.h.type = type;
	r.h.size = RG_JREC_SIZE;
	r.u.kill.scope = scope;
	r.u.kill.scope_id = id;
	r.u.kill.source = source;
	r.u.kill.uid = 1000;
	r.u.kill.pid = 42;
	rg_jtext(r.u.kill.reason, sizeof(r.u.kill.reason), reason);
	return r;
}

static const struct rg_kill_entry *find(const struct rg_kill_entry *e, uint32_t n, uint8_t scope, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].scope == scope && strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

static void kills_in_force_follow_kill_and_resume(void **state)
{
	struct rg_recovered_kills k;
	struct rg_jrec r;

	(void)state;
	memset(&k, 0, sizeof(k));
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_STRATEGY, 1, RG_JSOURCE_RISKCTL, "first");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_STRATEGY, 1, RG_JSOURCE_RISKCTL, "updated");
	rg_recovered_kills_replay(&k, &r);
	assert_int_equal(k.n, 1); /* same scope and source: updated, not added */
	assert_string_equal(k.k[0].reason, "updated");
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_ACCOUNT, 0, RG_JSOURCE_REDIS, "redis says stop");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_ACCOUNT, 1, RG_JSOURCE_RISKCTL, "lifted later");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_RESUME, RG_JSCOPE_ACCOUNT, 1, RG_JSOURCE_RISKCTL, "");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_INSTANCE, 0, RG_JSOURCE_ENGINE, "audit journal stuck");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_FILL, 0, 0, 0, "");
	rg_recovered_kills_replay(&k, &r); /* not a kill: ignored */
	assert_int_equal(k.n, 3);
	assert_false(k.overflow);
}

static void reapply_restores_a_wiped_segment(void **state)
{
	struct rg_recovered_kills k;
	struct rg_config cfg;
	struct rg_config_error cerr;
	struct rg_kill_seg seg;
	struct rg_kill_entry have[RG_KILL_MAX];
	const struct rg_kill_entry *e;
	char instance[32], err[256];
	uint32_t n;
	uint64_t gen;
	struct rg_jrec r;

	(void)state;
	assert_int_equal(rg_config_load_string(&cfg, config_json, &cerr), 0);
	memset(&k, 0, sizeof(k));
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_STRATEGY, 1, RG_JSOURCE_RISKCTL, "ops: s1 misbehaves");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_ACCOUNT, 0, RG_JSOURCE_REDIS, "redis key set");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_INSTANCE, 0, RG_JSOURCE_ENGINE, "audit journal stuck");
	rg_recovered_kills_replay(&k, &r);
	r = kill_rec(RG_JREC_KILL, RG_JSCOPE_VENUE, 9, RG_JSOURCE_RISKCTL, "a venue the config lost");
	rg_recovered_kills_replay(&k, &r);

	snprintf(instance, sizeof(instance), "rk%d", (int)getpid());
	rg_kill_unlink(instance);
	struct rg_operators_cfg ops = {.gid = (gid_t)-1, .mode = 0660};
	assert_int_equal(rg_kill_create(&seg, instance, &ops, err, sizeof(err)), 0);
	assert_int_equal(rg_recovered_kills_reapply(&k, &cfg, &seg, err, sizeof(err)), 3);
	assert_int_equal(rg_kill_list(&seg, have, RG_KILL_MAX, &n, &gen), 0);
	assert_int_equal(n, 3);
	e = find(have, n, RG_SCOPE_STRATEGY, "s1");
	assert_non_null(e);
	assert_int_equal(e->source, RG_KSRC_RISKCTL);
	assert_string_equal(e->reason, "ops: s1 misbehaves");
	e = find(have, n, RG_SCOPE_ACCOUNT, "A0");
	assert_non_null(e);
	assert_int_equal(e->source, RG_KSRC_REDIS);
	assert_string_equal(e->reason, "redis key set");
	e = find(have, n, RG_SCOPE_INSTANCE, "");
	assert_non_null(e);
	assert_int_equal(e->source, RG_KSRC_RISKCTL);
	assert_string_equal(e->reason, "engine: audit journal stuck");
	/* The segment has them now: nothing is applied twice. */
	assert_int_equal(rg_recovered_kills_reapply(&k, &cfg, &seg, err, sizeof(err)), 0);
	assert_int_equal(rg_kill_list(&seg, have, RG_KILL_MAX, &n, &gen), 0);
	assert_int_equal(n, 3);
	rg_kill_close(&seg);
	rg_kill_unlink(instance);
	rg_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kills_in_force_follow_kill_and_resume),
		cmocka_unit_test(reapply_restores_a_wiped_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
