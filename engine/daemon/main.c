/*
 * riskgate: the engine daemon's entry point.
 *
 * Parses the command line, loads and validates the config, then hands over to
 * the engine (engine.c): create the instance's shared memory, start the venue
 * adapters, and busy-poll on the configured core until SIGTERM or SIGINT,
 * after which it stops accepting, drains the rings and closes the segments.
 * SIGHUP asks for a reload of the config file (engine_control.h).
 * Everything here is cold path.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "engine.h"
#include "engine_control.h"
#include "idle.h"
#include "log_line.h"
#include "risk_checkpoint.h"
#include "tsc_clock.h"

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif

static volatile sig_atomic_t stop_signal;
static struct rg_reload_signal reload_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_reload(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	__atomic_store_n(&reload_signal.pid, (int)si->si_pid, __ATOMIC_RELAXED);
	__atomic_store_n(&reload_signal.uid, (int)si->si_uid, __ATOMIC_RELAXED);
	__atomic_store_n(&reload_signal.asked, 1, __ATOMIC_RELEASE);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: riskgate --config FILE\n"
		"       riskgate --check-config FILE\n"
		"       riskgate --config FILE --verify-checkpoints\n"
		"       riskgate --version | --help\n"
		"\n"
		"  -c, --config FILE    the instance's JSON config (docs/config.md)\n"
		"      --log-format F   text (default): \"<UTC time> <LEVEL> <message>\" lines; json: one JSON\n"
		"                       object a line {\"time\", \"level\", \"msg\"}\n"
		"      --check-config   validate the config, print a summary, and exit: 0 valid, 1 refused\n"
		"      --verify-checkpoints  replay the journal's latest day file and check that each of its\n"
		"                       risk-state checkpoints is the state the replay reaches at its anchor;\n"
		"                       exit 0 all reproduced, 1 not (the engine need not run)\n"
		"  -V, --version        print the version and ABI version\n"
		"  -h, --help           this text\n"
		"\n"
		"Runs until SIGTERM or SIGINT, then stops accepting, drains and closes.  SIGHUP reloads\n"
		"the config file, as `riskctl reload` does (the answer is in the log).\n");
}

static int pin_to_core(int core)
{
	cpu_set_t set;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (core < 0)
		return 0;
	if (core >= ncpu) {
		rg_log(RG_LOG_WARN, "riskgate: engine.core %d does not exist (%ld CPUs online); running unpinned", core, ncpu);
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		rg_log(RG_LOG_ERROR, "riskgate: cannot pin to core %d: %s", core, strerror(errno));
		return -errno;
	}
	return 0;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return -errno;
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_reload;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGHUP, &sa, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file-size limit is the journal writer's EFBIG, not a kill */
	return 0;
}

static void print_summary(const struct rg_config *cfg)
{
	printf("config ok: instance '%s', %u account(s), %u strateg%s, %u venue(s), %u symbol(s)\n", cfg->instance,
	       cfg->n_accounts, cfg->n_strategies, cfg->n_strategies == 1 ? "y" : "ies", cfg->n_venues,
	       cfg->n_symbols);
}

/* Busy-polls until a stop signal, then drains.  The idle policy decides what
 * an empty pass costs: nothing (spin), a sched_yield after a while
 * (spin_yield) or, after a short spin, a sleep its doorbells end (idle.h).
 * Each pass is stamped by the TSC pass clock (tsc_clock.h), read after a
 * pass with work and every few idle passes. */
static void run(struct rg_engine *e)
{
	struct rg_pass_clock clock;

	bool on_tsc = rg_pass_clock_init(&clock, true);

	if (!on_tsc)
		rg_log(RG_LOG_INFO, "riskgate: the TSC is not this machine's clock: passes read CLOCK_MONOTONIC");
	uint64_t now = rg_pass_clock_next(&clock, true);
	while (!stop_signal) {
		rg_engine_turn(e, &clock, &now);
		if (__builtin_expect(clock.dropped_tsc && on_tsc, 0)) {
			rg_engine_log_warn(e, "riskgate: the TSC's rate strayed more than 1% from CLOCK_MONOTONIC "
					      "three times in a row: passes read CLOCK_MONOTONIC from now on");
			on_tsc = false;
		}
	}
	rg_log(RG_LOG_INFO, "riskgate: %s received: draining", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	rg_engine_begin_drain(e, rg_pass_clock_now(&clock));
	while (!rg_engine_drained(e, rg_pass_clock_now(&clock))) {
		if (rg_engine_poll(e, rg_pass_clock_now(&clock)) == 0)
			sched_yield();
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'k'},
		{"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
		{"log-format", required_argument, NULL, 'L'}, {"verify-checkpoints", no_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	bool check_only = false, verify_checkpoints = false;
	struct rg_config cfg;
	struct rg_config_error cerr;
	struct rg_engine *engine = NULL;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'k': check_only = true; break;
		case 'K': verify_checkpoints = true; break;
		case 'V': printf("riskgate %s (shm ABI %u)\n", RG_VERSION, RG_ABI_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		case 'L':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "riskgate: --log-format wants text or json, not '%s'\n", optarg);
				return 2;
			}
			rg_log_set_json(strcmp(optarg, "json") == 0);
			break;
		default: usage(stderr); return 2;
		}
	}
	if (check_only && config_path == NULL && optind + 1 == argc)
		config_path = argv[optind++]; /* riskgate --check-config FILE */
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	rc = rg_config_load_file(&cfg, config_path, &cerr);
	if (rc != 0) {
		if (cerr.line > 0)
			rg_log(RG_LOG_ERROR, "riskgate: %s:%d: %s: %s", config_path, cerr.line, cerr.path, cerr.message);
		else
			rg_log(RG_LOG_ERROR, "riskgate: %s: %s: %s", config_path, cerr.path, cerr.message);
		return 1;
	}
	if (verify_checkpoints) {
		rc = rg_risk_ckpt_verify_replay(&cfg, config_path);
		rg_config_free(&cfg);
		return rc;
	}
	if (check_only) {
		/* A config can be valid and still wrong for this machine: a core
		 * it does not have would leave the engine unpinned. */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		if (cfg.engine_core >= 0 && cfg.engine_core >= ncpu) {
			rg_log(RG_LOG_ERROR, "riskgate: %s: $.engine.core: core %d does not exist on this machine (%ld CPU(s) online: 0..%ld)",
			       config_path, cfg.engine_core, ncpu, ncpu - 1);
			rg_config_free(&cfg);
			return 1;
		}
		print_summary(&cfg);
		rg_config_free(&cfg);
		return 0;
	}
	if (cfg.lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		rg_log(RG_LOG_ERROR, "riskgate: mlockall: %s (raise RLIMIT_MEMLOCK or set engine.lock_memory false)",
		       strerror(errno));
		rg_config_free(&cfg);
		return 1;
	}
	if (install_signals() != 0) {
		rg_config_free(&cfg);
		return 1;
	}
	rc = rg_engine_open(&engine, &cfg, config_path, rg_mono_ns(), err, sizeof(err));
	if (rc != 0) {
		rg_log(RG_LOG_ERROR, "riskgate: %s", err);
		rg_config_free(&cfg);
		return 1;
	}
	rg_log(RG_LOG_INFO, "config ok: instance '%s', %u account(s), %u strateg%s, %u venue(s), %u symbol(s)",
	       cfg.instance, cfg.n_accounts, cfg.n_strategies, cfg.n_strategies == 1 ? "y" : "ies", cfg.n_venues,
	       cfg.n_symbols);
	rg_engine_watch_reload_signal(engine, &reload_signal);
	pin_to_core(cfg.engine_core);
	rg_log(RG_LOG_INFO, "riskgate %s: serving instance '%s' on core %d (pid %d)", RG_VERSION, cfg.instance,
	       cfg.engine_core, (int)getpid());
	run(engine);
	rg_engine_close(engine);
	rg_log(RG_LOG_INFO, "riskgate: instance '%s' closed", cfg.instance);
	rg_config_free(&cfg);
	return 0;
}
