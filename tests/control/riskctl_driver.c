/*
 * Stand-in for riskctl in the tests of tools/riskctl_kill.c: dispatches the
 * operator commands and `status` exactly as riskctl.c does, so the tests run
 * them as separate processes (their own pid, uid and writer lock).
 */
#include <stdio.h>
#include <string.h>

#include "riskctl_kill.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && rg_riskctl_is_control_cmd(argv[1]))
		return rg_riskctl_control_main(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "status") == 0) {
		if (argc >= 4 && strcmp(argv[3], "--json") == 0) {
			json_t *o = rg_riskctl_kill_status_json(argv[2]);
			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
			return 0;
		}
		return rg_riskctl_kill_status_print(stdout, argv[2]) == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: riskctl_driver CMD ... | status INSTANCE [--json]\n");
	rg_riskctl_control_usage(stderr);
	return 2;
}
