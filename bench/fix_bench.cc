// fix_bench: cost of the FIX adapter's per-message work in the codec
// (adapters/fix/fix_codec.c), which is all the CPU a message costs the
// adapter apart from the socket call.
//
//   fix/encode_new_order   a NewOrderSingle (35=D) from riskgate's order
//                          fields and a prepared header: ClOrdID, every
//                          field, BodyLength and CheckSum
//                          (rg_fix_encode_new_order)
//   fix/format_time        SendingTime from a CLOCK_REALTIME instant
//                          (rg_fix_format_time), paid once per message sent
//   fix/parse_exec_report  an ExecutionReport (35=8, a fill, 19 fields as
//                          QuickFIX sends it) as the session handles one:
//                          framing, parse with CheckSum, validation of the
//                          header and the required tags, and decoding into
//                          riskgate's terms (rg_fix_frame, rg_fix_parse,
//                          rg_fix_validate, rg_fix_decode_exec)
//   fix/parse_only         rg_fix_parse alone on the same messages
//
// A round handles kBatch distinct messages back to back (sequence numbers,
// ids and quantities differ, so nothing is the same twice in a row), timed
// with the TSC around the batch: the VM's clock steps by 10 ns, too coarse
// for one message.  The figure of a round is its time / kBatch; each figure
// is the median (and p99) over kRounds rounds after kWarm discarded ones.
// The first round of each benchmark checks the results (a message that does
// not parse back, or decodes to other values, fails the run).
//
// Summary (bench/run): the p99 of each, fix_format_time_ns,
// fix_parse_only_ns, and last fix_encode_ns (NewOrderSingle) and
// fix_parse_ns (ExecutionReport, the whole path above).
#include <map>
#include <string>
#include <vector>

#include <riskgate/msg.h>

#include "fix_codec.h"
#include "harness.h"

namespace {

constexpr unsigned kBatch = 64;
constexpr unsigned kRounds = 20000;
constexpr unsigned kWarm = 200;
constexpr size_t kMsgCap = 512;

struct Figure {
	double p50_ns, p99_ns;
};
std::map<std::string, Figure> g_figures;
bool g_failed = false;

Figure summarize_rounds(std::vector<double> &ns)
{
	std::sort(ns.begin(), ns.end());
	return Figure{rgb::percentile_sorted(ns, 0.5), rgb::percentile_sorted(ns, 0.99)};
}

bool fail(benchmark::State &st, const char *why)
{
	st.SkipWithError(why);
	g_failed = true;
	return false;
}

// Runs `round` (returns false on a wrong result) kWarm + kRounds times and
// records the per-message median and p99 under `key`.
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
				fail(st, "a message did not encode, parse or decode to what it should");
				return;
			}
			if (r >= kWarm)
				ns.push_back(rgb_ticks_to_ns((double)(t1 - t0)) / kBatch);
		}
	}
	Figure f = summarize_rounds(ns);
	st.counters["p50_ns"] = f.p50_ns;
	st.counters["p99_ns"] = f.p99_ns;
	g_figures[key] = f;
}

// ---- encode ---------------------------------------------------------------

struct EncodeInput {
	rg_fix_new_order order[kBatch];
	uint64_t seq[kBatch];
};

void make_orders(EncodeInput &in)
{
	static const char *const symbols[] = {"AAPL", "MSFT", "BTC-USD", "IBM"};
	for (unsigned i = 0; i < kBatch; i++) {
		rg_fix_new_order &o = in.order[i];
		o.engine_seq = 1000003 + i * 7;
		o.run = 3;
		o.symbol = symbols[i % 4];
		o.qty_e8 = (int64_t)(1 + i % 50) * 100 * RG_QTY_SCALE;
		o.price_e8 = 18725000000 + (int64_t)(i % 10) * 1000000;
		o.side = i % 2 ? RG_SIDE_SELL : RG_SIDE_BUY;
		o.type = RG_TYPE_LIMIT;
		o.tif = i % 3 ? RG_TIF_DAY : RG_TIF_IOC;
		in.seq[i] = 5000 + i;
	}
}

// The encoded message reads back as the order it came from.
bool encoded_ok(const char *msg, size_t len, const rg_fix_new_order &o)
{
	static rg_fix_msg m;
	int64_t qty = 0, px = 0;
	const char *v;
	size_t n;
	char id[RG_FIX_CLORDID_MAX];
	size_t idn = rg_fix_clordid_new(id, o.run, o.engine_seq);

	return rg_fix_frame(msg, len) == (ptrdiff_t)len && rg_fix_parse(msg, len, &m, nullptr) == RG_FIX_PARSE_OK &&
	       rg_fix_get(&m, RG_FIX_TAG_CL_ORD_ID, &v, &n) && n == idn && std::memcmp(v, id, n) == 0 &&
	       rg_fix_get_e8(&m, RG_FIX_TAG_ORDER_QTY, &qty) == 1 && qty == o.qty_e8 &&
	       rg_fix_get_e8(&m, RG_FIX_TAG_PRICE, &px) == 1 && px == o.price_e8;
}

void BM_encode(benchmark::State &st)
{
	static EncodeInput in;
	static char buf[kBatch][kMsgCap];
	const char *time = "20240102-14:30:00.123";

	make_orders(in);
	timed_rounds(st, "fix_encode", [&](bool check) {
		size_t total = 0;
		for (unsigned i = 0; i < kBatch; i++) {
			rg_fix_header h = {"RISKGATE", "EXCH", in.seq[i], time, false};
			const char *out;
			size_t len = rg_fix_encode_new_order(buf[i], kMsgCap, &h, &in.order[i], &out);
			benchmark::DoNotOptimize(out);
			if (check && (len == 0 || !encoded_ok(out, len, in.order[i])))
				return false;
			total += len;
		}
		benchmark::DoNotOptimize(total);
		return total != 0;
	});
}

void BM_format_time(benchmark::State &st)
{
	static char out[kBatch][RG_FIX_TIME_LEN + 1];
	const uint64_t base = 1704205800123000000ull; // 2024-01-02 14:30:00.123 UTC

	timed_rounds(st, "fix_format_time", [&](bool check) {
		for (unsigned i = 0; i < kBatch; i++)
			rg_fix_format_time(out[i], base + (uint64_t)i * 1000003);
		benchmark::DoNotOptimize(out);
		return !check || std::strcmp(out[0], "20240102-14:30:00.123") == 0;
	});
}

// ---- parse ----------------------------------------------------------------

struct ParseInput {
	char wire[kBatch][kMsgCap];
	size_t len[kBatch];
	int64_t last_qty[kBatch];
};

// kBatch fills as QuickFIX sends them (its field order), each with its own
// sequence number, ids and quantity.
void make_reports(ParseInput &in)
{
	for (unsigned i = 0; i < kBatch; i++) {
		char body[400];
		unsigned qty = 1 + i % 90;
		int n = std::snprintf(body, sizeof(body),
				      "35=8\x01" "34=%u\x01" "49=EXCH\x01" "52=20240102-14:30:00.123\x01" "56=RISKGATE\x01"
				      "6=187.25\x01" "11=3-%u\x01" "14=%u\x01" "17=X%u\x01" "31=187.25\x01" "32=%u\x01"
				      "37=O%u\x01" "38=100\x01" "39=%c\x01" "54=1\x01" "55=AAPL\x01" "150=F\x01"
				      "151=%u\x01",
				      7000 + i, 1000003 + i * 7, qty, 90000 + i, qty, 1000003 + i * 7,
				      qty == 100 ? '2' : '1', 100 - qty);
		int m = std::snprintf(in.wire[i], kMsgCap, "8=FIX.4.4\x01" "9=%d\x01%s", n, body);
		unsigned sum = 0;
		for (int k = 0; k < m; k++)
			sum += (unsigned char)in.wire[i][k];
		m += std::snprintf(in.wire[i] + m, kMsgCap - (size_t)m, "10=%03u\x01", sum & 0xffu);
		in.len[i] = (size_t)m;
		in.last_qty[i] = (int64_t)qty * RG_QTY_SCALE;
	}
}

void BM_parse(benchmark::State &st)
{
	static ParseInput in;
	static rg_fix_msg m;

	make_reports(in);
	timed_rounds(st, "fix_parse", [&](bool check) {
		uint64_t acc = 0;
		for (unsigned i = 0; i < kBatch; i++) {
			rg_fix_exec e;
			uint32_t ref = 0;
			unsigned reason = 0;
			ptrdiff_t f = rg_fix_frame(in.wire[i], in.len[i]);
			if (f != (ptrdiff_t)in.len[i] || rg_fix_parse(in.wire[i], (size_t)f, &m, nullptr) != RG_FIX_PARSE_OK ||
			    rg_fix_validate(&m, &ref, &reason) != 0 || rg_fix_decode_exec(&m, &e, &ref) != 0)
				return false;
			if (check && (!e.ours || e.run != 3 || e.engine_seq != 1000003 + i * 7 ||
				      e.last_qty_e8 != in.last_qty[i] || e.last_px_e8 != 18725000000 || e.exec_type != 'F'))
				return false;
			acc += e.engine_seq + (uint64_t)e.last_qty_e8;
		}
		benchmark::DoNotOptimize(acc);
		return true;
	});
}

void BM_parse_only(benchmark::State &st)
{
	static ParseInput in;
	static rg_fix_msg m;

	make_reports(in);
	timed_rounds(st, "fix_parse_only", [&](bool) {
		uint32_t fields = 0;
		for (unsigned i = 0; i < kBatch; i++) {
			if (rg_fix_parse(in.wire[i], in.len[i], &m, nullptr) != RG_FIX_PARSE_OK)
				return false;
			fields += m.n_fields;
		}
		benchmark::DoNotOptimize(fields);
		return fields == kBatch * 18;
	});
}

void register_all()
{
	benchmark::RegisterBenchmark("fix/encode_new_order", BM_encode)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark("fix/format_time", BM_format_time)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark("fix/parse_exec_report", BM_parse)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark("fix/parse_only", BM_parse_only)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

bool summarize(rgb::Summary &s)
{
	// The details first; the two figures of the issue last, so that the
	// run ends with them.
	static const char *const order[] = {"fix_format_time", "fix_parse_only", "fix_encode", "fix_parse"};
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
	return rgb::run_main(argc, argv, "fix_bench", summarize);
}
