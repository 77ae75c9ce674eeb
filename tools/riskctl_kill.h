/*
 * riskctl's operator commands on the kill segment (engine/control):
 *
 *   riskctl kill   [--scope SCOPE] --reason TEXT      SCOPE: instance (default), account:A,
 *   riskctl resume [--scope SCOPE | --all] [--force]         strategy:S, symbol:X, venue:V
 *   riskctl set-state --scope account:A|strategy:S|symbol:X ACTIVE|REDUCING|HALTED
 *   riskctl resume-throttle --strategy S
 *   riskctl reset-breaker --venue V
 *   riskctl set-reference --symbol X --price P
 *   riskctl reload [--config FILE]
 * each with [--instance NAME] [--wait MS]; and the kill switch part of
 * `riskctl status`.  riskctl.c dispatches here.
 */
#ifndef RG_RISKCTL_KILL_H
#define RG_RISKCTL_KILL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* True when `cmd` is one of the commands above (rg_riskctl_control_main runs it). */
bool rg_riskctl_is_control_cmd(const char *cmd);

/*
 * Runs `riskctl CMD ...`: argv[1] is the command; it parses its own options,
 * --instance NAME (default $RISKGATE_INSTANCE, else "demo") included.
 * With --json it prints one JSON object (command, instance, engine,
 * messages, errors, ok, exit_code, and what the command did).
 * Returns the exit status (enum rg_riskctl_exit): 0 done and confirmed by
 * the engine, 1 refused or failed (the reason on stderr), 2 bad usage, 3
 * written but not confirmed within --wait, 4 no engine runs (a kill or
 * resume is written and applies when one starts), 5 the engine is not
 * responding, 6 starting, 7 stopping, 8 resume left a scope killed by a
 * Redis key.
 */
int rg_riskctl_control_main(int argc, char **argv);

/* Appends the commands' usage lines to riskctl's usage text. */
void rg_riskctl_control_usage(FILE *f);

/*
 * For `riskctl status`: every kill in force (scope, source, since, by whom,
 * reason) and the Redis watcher's status, as lines on out.  Works whether or
 * not the engine runs.  Returns 0, or -errno when the kill segment cannot be
 * read (the reason is printed as a line; status goes on).
 */
int rg_riskctl_kill_status_print(FILE *out, const char *instance);

/* The same as a new JSON object {"kills": [...], "generation", "applied_generation",
 * "redis": {...}}, or {"error": "..."}; the caller owns it (json_decref). */
json_t *rg_riskctl_kill_status_json(const char *instance);

#endif /* RG_RISKCTL_KILL_H */
