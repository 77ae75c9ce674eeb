// audit_bench: the audit journal (engine/journal/) under load.
//
//   audit/throughput  records per second from the engine core's producer
//                     into the page cache: the journal writer (io_uring,
//                     256 KiB blocks, four in flight, SHA-256 chain) on the
//                     other core, against a plain write(2) loop doing the
//                     same chain with one write per record, and one per
//                     block.  A trial stores 1 000 000 records (200 000 for
//                     the per-record loop) into a fresh file and is timed
//                     from the first append until the last record's write
//                     has completed; no fdatasync inside the window.  Seven
//                     trials in rotating order; figures are medians, ratios
//                     medians of the per-trial ratios.  Also the writer's
//                     records per second of CPU it used (its thread and the
//                     kernel's io_uring workers): what one writer core
//                     sustains, which a VM busy with other work does not
//                     hide as it hides the wall-clock rate.
//   audit/append      the engine thread's cost per record: batches of 64
//                     orders, each journaled as its received message with its
//                     decision (rg_journal_order_decided, one ORDER_DECIDED
//                     record since format 4), timed
//                     with the TSC around the batch while the writer drains
//                     on the other core; before each batch (untimed) the
//                     producer waits until the writer is within 4096 records,
//                     as an engine below the writer's capacity would be.
//                     Also a single rg_journal_append per record.
//   audit/chain       the writer's SHA-256 chain alone, per record: full
//                     256 KiB blocks hashed as format 3 did (the records
//                     themselves) and as format 4 does (64-record chunk
//                     digests, sixteen at a time with AVX-512 and the rest
//                     two at a time with the SHA extensions), format 4 with
//                     the SHA extensions alone, and format 4 with OpenSSL
//                     computing each chunk digest; 15 rounds of 40 blocks
//                     each in rotating order, medians.
//   audit/e2e         a model of the engine's order path: a strategy on core
//                     0 sends one order at a time over an rg_ring to an
//                     engine loop on core 1 (the real checks, checks_lab's
//                     state with 100 symbols) that answers over another; in
//                     alternate blocks of 10 000 the loop journals each order
//                     and decision (admit + order_decided).  The writer
//                     thread runs on core 0 throughout, with its production
//                     settings.  40 rounds; overhead = median over rounds of
//                     (p50 with journaling / p50 without) - 1.
//
// Summary: audit_records_per_s, audit_engine_ns_per_record,
// audit_vs_write_ratio, e2e_audit_overhead_pct, then the detail figures
// (audit_chain_v4_ns_per_record, audit_chain_v3_ns_per_record and their
// ratio audit_chain_v3_vs_v4 among them).
// Files go to $RG_BENCH_DIR (default /tmp), removed after each trial.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "audit_loops.h"
#include "harness.h"

namespace {

constexpr uint64_t kRing = 65536;
constexpr uint64_t kTputRecords = 1000000;
constexpr uint64_t kTputRecordsPerWrite = 200000;
constexpr unsigned kTputTrials = 7;
constexpr unsigned kAppendRounds = 20000;
constexpr unsigned kAppendBatch = 64;
constexpr unsigned kE2eRounds = 40;
constexpr uint32_t kE2eSamples = 10000;
constexpr uint32_t kE2eWarm = 200;

struct Figures {
	double uring_rps = 0, block_rps = 0, record_rps = 0, vs_write = 0, vs_block = 0;
	double pair_ns = 0, pair_p99_ns = 0, single_ns = 0, single_p99_ns = 0;
	double e2e_off = 0, e2e_on = 0, e2e_off_p99 = 0, e2e_on_p99 = 0, overhead_pct = 0;
	double writer_capacity = 0;
	double chain_v3 = 0, chain_v4 = 0, chain_v4_shani = 0, chain_v4_openssl = 0, chain_ratio = 0;
	bool tput = false, append = false, e2e = false, chain = false;
} g;
bool g_failed = false;

bool fail(benchmark::State &st, const char *why)
{
	st.SkipWithError(why);
	g_failed = true;
	return false;
}

double rate(uint64_t n, uint64_t ticks)
{
	return ticks == 0 ? 0 : (double)n / (rgb_ticks_to_ns((double)ticks) * 1e-9);
}

void BM_throughput(benchmark::State &st)
{
	std::vector<double> u, b, r, vw, vb, cap;

	// the calling thread is the engine's producer; the consumer takes the other core
	if (!rgb::pin_self(rgb::g_cpus[1])) {
		fail(st, "cannot pin");
		return;
	}
	rgb_audit *a = rgb_audit_create(kRing, rgb::g_cpus[0]);
	if (a == nullptr) {
		fail(st, "cannot create the journal");
		return;
	}
	for (auto _ : st) {
		uint64_t cpu = 0;
		rgb_audit_throughput(a, RGB_AUDIT_URING, kTputRecords, &cpu); // warm-up, discarded
		for (unsigned t = 0; t < kTputTrials; t++) {
			double x[3] = {0, 0, 0};
			for (unsigned k = 0; k < 3; k++) {
				unsigned which = (t + k) % 3;
				uint64_t n = which == RGB_AUDIT_WRITE_RECORD ? kTputRecordsPerWrite : kTputRecords;
				uint64_t ticks = rgb_audit_throughput(a, (rgb_audit_consumer)which, n, &cpu);
				if (ticks == 0) {
					fail(st, "a throughput trial failed");
					rgb_audit_destroy(a);
					return;
				}
				x[which] = rate(n, ticks);
				if (which == RGB_AUDIT_URING && cpu != 0)
					cap.push_back((double)n / ((double)cpu * 1e-9));
			}
			u.push_back(x[RGB_AUDIT_URING]);
			r.push_back(x[RGB_AUDIT_WRITE_RECORD]);
			b.push_back(x[RGB_AUDIT_WRITE_BLOCK]);
			vw.push_back(x[RGB_AUDIT_URING] / x[RGB_AUDIT_WRITE_RECORD]);
			vb.push_back(x[RGB_AUDIT_URING] / x[RGB_AUDIT_WRITE_BLOCK]);
		}
	}
	rgb_audit_destroy(a);
	g.uring_rps = rgb::median(u);
	g.record_rps = rgb::median(r);
	g.block_rps = rgb::median(b);
	g.vs_write = rgb::median(vw);
	g.vs_block = rgb::median(vb);
	g.writer_capacity = cap.empty() ? 0 : rgb::median(cap);
	g.tput = true;
	st.counters["uring_Mrps"] = g.uring_rps / 1e6;
	st.counters["uring_Mrps_min"] = *std::min_element(u.begin(), u.end()) / 1e6;
	st.counters["uring_Mrps_max"] = *std::max_element(u.begin(), u.end()) / 1e6;
	st.counters["write_block_Mrps"] = g.block_rps / 1e6;
	st.counters["write_record_Mrps"] = g.record_rps / 1e6;
}

void BM_append(benchmark::State &st)
{
	std::vector<double> pair(kAppendRounds), single(kAppendRounds);

	if (!rgb::pin_self(rgb::g_cpus[1])) {
		fail(st, "cannot pin");
		return;
	}
	rgb_audit *a = rgb_audit_create(kRing, rgb::g_cpus[0]);
	if (a == nullptr) {
		fail(st, "cannot create the journal");
		return;
	}
	for (auto _ : st) {
		if (!rgb_audit_append_cost(a, kAppendRounds, kAppendBatch, true, 4096, pair.data()) ||
		    !rgb_audit_append_cost(a, kAppendRounds, kAppendBatch, false, 4096, single.data())) {
			fail(st, "appends were refused");
			rgb_audit_destroy(a);
			return;
		}
	}
	rgb_audit_destroy(a);
	// the first rounds fault in and warm the ring: drop them
	pair.erase(pair.begin(), pair.begin() + 200);
	single.erase(single.begin(), single.begin() + 200);
	std::sort(pair.begin(), pair.end());
	std::sort(single.begin(), single.end());
	g.pair_ns = rgb_ticks_to_ns(rgb::percentile_sorted(pair, 0.5));
	g.pair_p99_ns = rgb_ticks_to_ns(rgb::percentile_sorted(pair, 0.99));
	g.single_ns = rgb_ticks_to_ns(rgb::percentile_sorted(single, 0.5));
	g.single_p99_ns = rgb_ticks_to_ns(rgb::percentile_sorted(single, 0.99));
	g.append = true;
	st.counters["pair_ns_per_record"] = g.pair_ns;
	st.counters["single_ns_per_record"] = g.single_ns;
}

void BM_chain(benchmark::State &st)
{
	constexpr unsigned kRoundsChain = 15, kBlocks = 40;
	std::vector<double> v3, v4, v4s, v4o, ratio;

	for (auto _ : st) {
		for (unsigned r = 0; r < kRoundsChain; r++) {
			/* 0: format 3; 1: format 4; 2: format 4 with OpenSSL; 3: format 4 without AVX-512 */
			double x[4] = {0, 0, 0, 0};
			for (unsigned k = 0; k < 4; k++) {
				unsigned which = (r + k) % 4;
				x[which] = rgb_audit_chain_ticks(which == 0 ? 3 : 4, which != 2, which == 1, kBlocks);
				if (x[which] == 0) {
					fail(st, "chain measurement failed");
					return;
				}
			}
			v3.push_back(rgb_ticks_to_ns(x[0]));
			v4.push_back(rgb_ticks_to_ns(x[1]));
			v4o.push_back(rgb_ticks_to_ns(x[2]));
			v4s.push_back(rgb_ticks_to_ns(x[3]));
			ratio.push_back(x[0] / x[1]);
		}
	}
	g.chain_v3 = rgb::median(v3);
	g.chain_v4 = rgb::median(v4);
	g.chain_v4_openssl = rgb::median(v4o);
	g.chain_v4_shani = rgb::median(v4s);
	g.chain_ratio = rgb::median(ratio);
	g.chain = true;
	st.counters["v3_ns_per_record"] = g.chain_v3;
	st.counters["v4_ns_per_record"] = g.chain_v4;
	st.counters["v4_openssl_ns_per_record"] = g.chain_v4_openssl;
	st.counters["v4_shani_ns_per_record"] = g.chain_v4_shani;
}

double oneway_ns(std::vector<uint32_t> &v, double p)
{
	std::sort(v.begin(), v.end());
	return rgb_ticks_to_ns(rgb::percentile_stepped(v, p, (double)rgb_tick_quantum)) / 2;
}

void BM_e2e(benchmark::State &st)
{
	std::vector<double> on50, off50, on99, off99, ratio;
	std::vector<uint32_t> rtt(kE2eSamples);

	if (!rgb::pin_self(rgb::g_cpus[0])) {
		fail(st, "cannot pin");
		return;
	}
	rgb_audit *a = rgb_audit_create(kRing, rgb::g_cpus[0]);
	rgb_audit_e2e *e = a != nullptr ? rgb_audit_e2e_create(a, rgb::g_cpus[1]) : nullptr;
	if (e == nullptr) {
		fail(st, "cannot start the e2e model");
		rgb_audit_destroy(a);
		return;
	}
	for (auto _ : st) {
		for (unsigned r = 0; r < kE2eRounds; r++) {
			double p50[2], p99[2];
			for (unsigned k = 0; k < 2; k++) {
				bool journal = ((r + k) & 1) != 0;
				if (rgb_audit_e2e_round(e, journal, kE2eSamples, rtt.data()) != 0) {
					fail(st, "an order was not approved");
					rgb_audit_e2e_destroy(e);
					rgb_audit_destroy(a);
					return;
				}
				std::vector<uint32_t> v(rtt.begin() + kE2eWarm, rtt.end());
				p50[journal] = oneway_ns(v, 0.5);
				p99[journal] = oneway_ns(v, 0.99);
			}
			off50.push_back(p50[0]);
			on50.push_back(p50[1]);
			off99.push_back(p99[0]);
			on99.push_back(p99[1]);
			ratio.push_back(p50[1] / p50[0]);
		}
	}
	rgb_audit_e2e_destroy(e);
	rgb_audit_destroy(a);
	g.e2e_off = rgb::median(off50);
	g.e2e_on = rgb::median(on50);
	g.e2e_off_p99 = rgb::median(off99);
	g.e2e_on_p99 = rgb::median(on99);
	g.overhead_pct = (rgb::median(ratio) - 1) * 100;
	g.e2e = true;
	st.counters["oneway_p50_off_ns"] = g.e2e_off;
	st.counters["oneway_p50_on_ns"] = g.e2e_on;
	st.counters["overhead_pct"] = g.overhead_pct;
}

bool summarize(rgb::Summary &s)
{
	if (g.tput)
		s.add("audit_records_per_s", g.uring_rps, 0);
	if (g.append)
		s.add("audit_engine_ns_per_record", g.pair_ns, 2);
	if (g.tput)
		s.add("audit_vs_write_ratio", g.vs_write, 2);
	if (g.e2e)
		s.add("e2e_audit_overhead_pct", g.overhead_pct, 1);
	if (g.tput) {
		s.add("audit_vs_block_write_ratio", g.vs_block, 3);
		s.add("audit_writer_cpu_records_per_s", g.writer_capacity, 0);
		s.add("audit_write_record_records_per_s", g.record_rps, 0);
		s.add("audit_write_block_records_per_s", g.block_rps, 0);
	}
	if (g.append) {
		s.add("audit_engine_p99_ns_per_record", g.pair_p99_ns, 2);
		s.add("audit_append_ns", g.single_ns, 2);
		s.add("audit_append_p99_ns", g.single_p99_ns, 2);
	}
	if (g.chain) {
		s.add("audit_chain_v4_ns_per_record", g.chain_v4, 2);
		s.add("audit_chain_v3_ns_per_record", g.chain_v3, 2);
		s.add("audit_chain_v4_openssl_ns_per_record", g.chain_v4_openssl, 2);
		s.add("audit_chain_v4_shani_ns_per_record", g.chain_v4_shani, 2);
		s.add("audit_chain_v3_vs_v4", g.chain_ratio, 2);
	}
	if (g.e2e) {
		s.add("e2e_model_oneway_p50_off_ns", g.e2e_off, 1);
		s.add("e2e_model_oneway_p50_on_ns", g.e2e_on, 1);
		s.add("e2e_model_oneway_p99_off_ns", g.e2e_off_p99, 1);
		s.add("e2e_model_oneway_p99_on_ns", g.e2e_on_p99, 1);
	}
	return !g_failed;
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::RegisterBenchmark("audit/throughput", BM_throughput)->Iterations(1)->UseRealTime()->Unit(
		benchmark::kMillisecond);
	benchmark::RegisterBenchmark("audit/append", BM_append)->Iterations(1)->UseRealTime()->Unit(
		benchmark::kMillisecond);
	benchmark::RegisterBenchmark("audit/chain", BM_chain)->Iterations(1)->UseRealTime()->Unit(
		benchmark::kMillisecond);
	benchmark::RegisterBenchmark("audit/e2e", BM_e2e)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	return rgb::run_main(argc, argv, "audit_bench", summarize);
}
