/*
 * `riskctl audit` as its own program, for the tests: riskctl's main will
 * dispatch to rg_riskctl_audit_main (tools/riskctl_audit.h); this driver
 * calls it the same way, with argv[0] standing for the word "audit".
 */
#include "riskctl_audit.h"

int main(int argc, char **argv)
{
	return rg_riskctl_audit_main(argc, argv);
}
