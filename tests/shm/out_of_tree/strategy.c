/* An out-of-tree strategy built against the installed <riskgate/client.h> and
 * libriskgate-client with `pkg-config --cflags --libs riskgate-client`
 * (tests/shm/client_lib_test.sh install). */
#include <riskgate/client.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct rg_client *c = rg_client_new(); /* from the library */
	char err[256], text[RG_DECIMAL_TEXT_MAX];
	int64_t px = 0;

	if (c == NULL || rg_client_abi_version() != RG_ABI_VERSION)
		return 1;
	if (rg_client_open(c, "no-such-instance-oot", "alpha", err, sizeof(err)) != -ENOENT)
		return 1;
	if (rg_decimal_parse_e8("187.25", RG_ROUND_EXACT, &px) != 0 || rg_decimal_format_e8(text, sizeof(text), px) == 0 ||
	    strcmp(text, "187.25") != 0)
		return 1;
	rg_client_free(c);
	printf("out-of-tree C: ABI %u, %s\n", rg_client_abi_version(), text);
	return 0;
}
