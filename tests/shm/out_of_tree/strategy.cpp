// An out-of-tree C++ strategy built against the installed header and library
// with `pkg-config --cflags --libs riskgate-client` (tests/shm/client_lib_test.sh install).
#include <riskgate/client.h>

#include <cstdio>
#include <cstring>

int main()
{
	rg_client c{};
	char err[256];
	rg_client_position p;
	if (rg_client_open(&c, "no-such-instance-oot", "alpha", err, sizeof(err)) != -ENOENT)
		return 1;
	if (rg_client_abi_version() != RG_ABI_VERSION || std::strcmp(rg_reject_str(RG_REJ_MODIFY_RATE), "MODIFY_RATE") != 0)
		return 1;
	(void)p;
	std::printf("out-of-tree C++: ABI %u\n", rg_client_abi_version());
	return 0;
}
