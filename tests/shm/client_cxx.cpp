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
	// A burst from C++, into an order ring in local memory that holds 4: the
	// first 4 go in, with their kind set in the ring.
	alignas(RG_RING_GUARD) static unsigned char mem[sizeof(rg_ring_shared) + 4 * sizeof(rg_slot)];
	static rg_control ctl{};
	static rg_session_peer peer{};
	rg_client b{};
	if (rg_ring_init(mem, 4) != 0 || rg_ring_attach(&b.orders, mem, 4) != 0)
		return 1;
	b.ctl = &ctl;
	b.peer = &peer;
	rg_order burst[6]{};
	for (unsigned i = 0; i < 6; i++)
		burst[i].client_order_id = i + 1;
	if (rg_client_submit_burst(&b, burst, 6) != 4)
		return 1;
	rg_order in{};
	for (unsigned i = 0; i < 4; i++)
		if (!rg_ring_pop_spsc(&b.orders, &in) || in.client_order_id != i + 1 || in.kind != RG_ORDER_NEW)
			return 1;
	std::printf("client.h works from C++: %s\n", err);
	return 0;
}
