// The client header compiles as C++ (-Wall -Wextra -Werror) and its inline
// functions work from a C++ translation unit.
#include <riskgate/client.h>

#include <cstdio>
#include <cstring>

int main()
{
	static_assert(sizeof(rg_order) == RG_SLOT_PAYLOAD, "order fits a slot");
	static_assert(sizeof(rg_report) == RG_SLOT_PAYLOAD, "report fits a slot");
	rg_client c;
	char err[256];
	int rc = rg_client_open(&c, "no-such-instance-cxx", "alpha", err, sizeof(err));
	if (rc != -ENOENT) {
		std::fprintf(stderr, "expected -ENOENT, got %d\n", rc);
		return 1;
	}
	rg_report r{};
	r.kind = RG_REPORT_REJECTED;
	r.reason = RG_REJ_PRICE_COLLAR;
	r.reject.limit = 5;
	if (std::strcmp(rg_reject_str(r.reason), "PRICE_COLLAR") != 0 || r.reject.limit != 5)
		return 1;
	std::printf("client.h works from C++: %s\n", err);
	return 0;
}
