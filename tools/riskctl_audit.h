/*
 * `riskctl audit`: the audit journal's operator commands.
 *
 *   riskctl audit export FILE... --jsonl [--from TIME] [--to TIME]
 *                        [--strategy S] [--account A] [--type EVENT[,EVENT...]]
 *   riskctl audit verify FILE...
 *   riskctl audit status [--instance NAME] [--json]
 *
 * riskctl's main dispatches to rg_riskctl_audit_main with argv[0] = "audit"
 * (i.e. rg_riskctl_audit_main(argc - 1, argv + 1)).  Exit status: 0 good,
 * 1 a bad journal (verify, export) or an unreadable one, 2 bad usage.
 */
#ifndef RG_RISKCTL_AUDIT_H
#define RG_RISKCTL_AUDIT_H

int rg_riskctl_audit_main(int argc, char **argv);

#endif /* RG_RISKCTL_AUDIT_H */
