/*
 * `riskctl events`: the journal's operator and state-change records, live.
 *
 *   riskctl events [--instance NAME] [--json] [--backlog N] [--count N]
 *                  [--timeout MS] [--all | --type EVENT[,EVENT...]]
 *
 * Follows the instance's journal ring (/rg.<instance>.journal) as the
 * engine appends to it and prints each KILL, RESUME, STATE_CHANGE,
 * CONFIG_LOADED/RELOADED, ENGINE_STARTED/STOPPED, ADAPTER_CONNECTED/
 * DISCONNECTED and VENUE_PROTOCOL_ERROR record (--all: every record), one
 * line each, or with --json one JSON object per line in the format of
 * `riskctl audit export --jsonl`.  riskctl's main dispatches to it with
 * argv[0] = "events".
 */
#ifndef RG_RISKCTL_EVENTS_H
#define RG_RISKCTL_EVENTS_H

/* Returns the exit status: 0 (SIGINT/SIGTERM, --count reached, or --timeout
 * without --count), 1 (--timeout before --count records, or the ring was
 * unreadable), 2 usage, 4 no journal ring for the instance. */
int rg_riskctl_events_main(int argc, char **argv);

#endif /* RG_RISKCTL_EVENTS_H */
