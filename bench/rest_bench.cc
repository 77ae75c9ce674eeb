// rest_bench: cost of the REST adapter's per-order work in its codec
// (adapters/rest/rest_codec.c), which is all the CPU an order costs the
// adapter apart from libcurl and the socket.
//
//   rest/sign_encode      a new order's query string from riskgate's order
//                         fields (symbol, side, type, time in force,
//                         quantity, price, client order id), its recvWindow
//                         and timestamp, and its HMAC-SHA256 signature in
//                         hex appended (rg_rest_encode_new_order,
//                         rg_rest_query_stamp, rg_rest_query_sign)
//   rest/encode_only      the same without the signature
//   rest/parse_exec_report an executionReport of the user stream (a trade,
//                         all 35 fields as the venue sends them) as the
//                         adapter handles one: JSON scan, decoding of the
//                         fields it uses into riskgate's terms, and the
//                         client order id back to the engine's sequence
//                         (rg_rest_decode_stream, rg_rest_client_id_parse)
//
// A round handles kBatch distinct messages back to back (ids, quantities
// and timestamps differ), timed with the TSC around the batch; the figure
// of a round is its time / kBatch; each figure is the median (and p99) over
// kRounds rounds after kWarm discarded ones.  The first round checks the
// results (a signature that differs from a second computation, or a report
// that decodes to other values, fails the run).
//
// Summary (bench/run): rest_encode_only_ns and the p99s, then last
// rest_sign_encode_ns and rest_parse_ns (the two figures).
#include <map>
#include <string>
#include <vector>

#include <openssl/hmac.h>

#include <riskgate/msg.h>

#include "harness.h"
#include "rest_codec.h"

namespace {

constexpr unsigned kBatch = 64;
constexpr unsigned kRounds = 20000;
constexpr unsigned kWarm = 200;
constexpr size_t kMsgCap = 1024;
const char kSecret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

struct Figure {
	double p50_ns, p99_ns;
};
std::map<std::string, Figure> g_figures;
bool g_failed = false;

bool fail(benchmark::State &st, const char *why)
{
	st.SkipWithError(why);
	g_failed = true;
	return false;
}

template <typename Round>
void timed_rounds(benchmark::State &st, const char *key, Round round)
{
	std::vector<double> ns;

	if (!rgb::pin_self(rgb::g_cpus[0])) {
		fail(st, "cannot pin to the benchmark CPU");
		return;
	}
	ns.reserve(kRounds);
	for (auto _ : st) {
		for (unsigned r = 0; r < kWarm + kRounds; r++) {
			uint64_t t0 = rgb_ticks();
			bool ok = round(r == 0);
			uint64_t t1 = rgb_ticks();
			if (!ok) {
				fail(st, "a message did not encode, sign or decode to what it should");
				return;
			}
			if (r >= kWarm)
				ns.push_back(rgb_ticks_to_ns((double)(t1 - t0)) / kBatch);
		}
	}
	std::sort(ns.begin(), ns.end());
	Figure f{rgb::percentile_sorted(ns, 0.5), rgb::percentile_sorted(ns, 0.99)};
	st.counters["p50_ns"] = f.p50_ns;
	st.counters["p99_ns"] = f.p99_ns;
	g_figures[key] = f;
}

// ---- sign + encode ------------------------------------------------------------

void make_orders(rg_rest_new_order (&o)[kBatch])
{
	static const char *const symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"};
	for (unsigned i = 0; i < kBatch; i++) {
		o[i].symbol = symbols[i % 4];
		o[i].prefix = "rg";
		o[i].engine_seq = 1000003 + i * 7;
		o[i].leg = 0;
		o[i].qty_e8 = (int64_t)(1 + i % 50) * 1000000;
		o[i].price_e8 = 3000000000000 + (int64_t)(i % 10) * 1000000;
		o[i].side = i % 2 ? RG_SIDE_SELL : RG_SIDE_BUY;
		o[i].type = RG_TYPE_LIMIT;
		o[i].tif = i % 3 ? RG_TIF_GTC : RG_TIF_IOC;
	}
}

// The signature equals OpenSSL's one-shot HMAC of the query before it.
bool signed_ok(const rg_rest_query &q)
{
	const char *sig = std::strstr(q.buf, "&signature=");
	unsigned char md[32];
	unsigned len = 0;
	char hex[65];

	if (sig == nullptr || std::strlen(sig + 11) != 64)
		return false;
	HMAC(EVP_sha256(), kSecret, (int)std::strlen(kSecret), (const unsigned char *)q.buf, (size_t)(sig - q.buf), md,
	     &len);
	for (unsigned i = 0; i < 32; i++)
		std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return len == 32 && std::memcmp(hex, sig + 11, 64) == 0;
}

void BM_sign_encode(benchmark::State &st)
{
	static rg_rest_new_order orders[kBatch];
	static rg_rest_query q[kBatch];
	rg_rest_signer s;

	make_orders(orders);
	if (rg_rest_signer_init(&s, kSecret, std::strlen(kSecret)) != 0) {
		fail(st, "cannot key the signer");
		return;
	}
	timed_rounds(st, "rest_sign_encode", [&](bool check) {
		for (unsigned i = 0; i < kBatch; i++) {
			rg_rest_encode_new_order(&q[i], &orders[i]);
			rg_rest_query_stamp(&q[i], 5000, 1700000000000ull + i);
			if (!rg_rest_query_sign(&s, &q[i]))
				return false;
			if (check && !signed_ok(q[i]))
				return false;
		}
		benchmark::DoNotOptimize(q);
		return true;
	});
	rg_rest_signer_fini(&s);
}

void BM_encode_only(benchmark::State &st)
{
	static rg_rest_new_order orders[kBatch];
	static rg_rest_query q[kBatch];

	make_orders(orders);
	timed_rounds(st, "rest_encode_only", [&](bool check) {
		size_t total = 0;
		for (unsigned i = 0; i < kBatch; i++) {
			rg_rest_encode_new_order(&q[i], &orders[i]);
			rg_rest_query_stamp(&q[i], 5000, 1700000000000ull + i);
			total += q[i].len;
		}
		benchmark::DoNotOptimize(q);
		return !check || (total != 0 && std::strstr(q[0].buf, "newClientOrderId=rg-1000003&") != nullptr);
	});
}

// ---- parse ------------------------------------------------------------------------

struct ParseInput {
	char msg[kBatch][kMsgCap];
	size_t len[kBatch];
	int64_t last_qty[kBatch];
};

// kBatch trade reports as the venue's stream sends them (its field order).
void make_reports(ParseInput &in)
{
	for (unsigned i = 0; i < kBatch; i++) {
		unsigned qty = 1 + i % 90;
		int n = std::snprintf(
			in.msg[i], kMsgCap,
			"{\"e\":\"executionReport\",\"E\":%llu,\"s\":\"BTCUSDT\",\"c\":\"rg-%u\",\"S\":\"BUY\","
			"\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\",\"p\":\"30000.00000000\",\"P\":\"0.00000000\","
			"\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\","
			"\"i\":%u,\"l\":\"0.%08u\",\"z\":\"0.%08u\",\"L\":\"30000.00000000\",\"n\":\"0.00000000\","
			"\"N\":\"USDT\",\"T\":%llu,\"t\":%u,\"I\":%u,\"w\":false,\"m\":false,\"M\":true,"
			"\"O\":1700000000000,\"Z\":\"300.00000000\",\"Y\":\"300.00000000\",\"Q\":\"0.00000000\","
			"\"W\":1700000000000,\"V\":\"EXPIRE_MAKER\"}",
			1700000000100ull + i, 1000003 + i * 7, 900000 + i, qty * 100000, qty * 100000,
			1700000000099ull + i, 500000 + i, 8000000 + i);
		in.len[i] = (size_t)n;
		in.last_qty[i] = (int64_t)qty * 100000;
	}
}

void BM_parse(benchmark::State &st)
{
	static ParseInput in;

	make_reports(in);
	timed_rounds(st, "rest_parse", [&](bool check) {
		uint64_t acc = 0;
		for (unsigned i = 0; i < kBatch; i++) {
			rg_rest_exec x;
			uint64_t seq;
			uint32_t leg;
			if (rg_rest_decode_stream(in.msg[i], in.len[i], &x) != RG_REST_DECODE_OK ||
			    !rg_rest_client_id_parse(x.client_id.p, x.client_id.n, "rg", &seq, &leg))
				return false;
			if (check && (seq != 1000003 + i * 7 || x.last_qty_e8 != in.last_qty[i] ||
				      x.last_px_e8 != 3000000000000 || x.exec_type != RG_REST_X_TRADE ||
				      x.order_id != 900000 + i))
				return false;
			acc += seq + (uint64_t)x.last_qty_e8;
		}
		benchmark::DoNotOptimize(acc);
		return true;
	});
}

void register_all()
{
	benchmark::RegisterBenchmark("rest/sign_encode", BM_sign_encode)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark("rest/encode_only", BM_encode_only)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark("rest/parse_exec_report", BM_parse)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

bool summarize(rgb::Summary &s)
{
	static const char *const order[] = {"rest_encode_only", "rest_sign_encode", "rest_parse"};
	for (const char *k : order) {
		auto it = g_figures.find(k);
		if (it != g_figures.end())
			s.add(std::string(k) + "_p99_ns", it->second.p99_ns, 1);
	}
	for (const char *k : order) {
		auto it = g_figures.find(k);
		if (it != g_figures.end())
			s.add(std::string(k) + "_ns", it->second.p50_ns, 1);
	}
	return !g_failed;
}

} // namespace

int main(int argc, char **argv)
{
	register_all();
	return rgb::run_main(argc, argv, "rest_bench", summarize);
}
