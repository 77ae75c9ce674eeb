// checks_bench: cost of the pre-trade risk checks (engine/checks.c), the
// whole pipeline and each check area alone, with risk state for 1, 100 and
// 10 000 symbols (checks_lab.h describes the state: every check on).
//
// A round decides one batch of kBatch orders back to back, as the engine
// thread would drain a ring, timed with the TSC around the batch (the VM's
// clock steps by 10 ns, so single decisions cannot be timed); the figure of
// a round is its time / kBatch.  Between rounds, untimed, the lab confirms
// the cancel of whatever was approved, so the state stays the same size.
// Every figure is the median (and p99) over kRounds rounds after kWarm
// discarded ones.
//
//   checks/approve/N      new limit orders that pass every check and commit
//                         (open order inserted, exposure reserved, tokens taken)
//   checks/reject_late/N  the same order again under a new id: refused by the
//                         last check (DUPLICATE_ORDER), so it pays for all ten
//   checks/reject_early/N a limit price outside the collar (check 5)
//   checks/area/K         check area K alone (rg_risk_check_area), 100 symbols
// With 1 and 100 symbols orders go round robin over them: the state stays in
// L1/L2.  With 10 000 symbols each order picks a hashed symbol, so the
// symbol's two hot lines (one 128-byte pair) and the position line usually
// come from L3.
//
// Summary (bench/run): check_pipeline_approve_ns (100 symbols),
// check_pipeline_reject_ns (100 symbols, refused by the last check),
// check_pipeline_approve_10k_ns, and the other sizes and each area under
// their own names.
#include <map>
#include <string>
#include <vector>

#include "checks_lab.h"
#include "harness.h"

namespace {

constexpr unsigned kBatch = 64;
constexpr unsigned kRounds = 20000;
constexpr unsigned kWarm = 200;

struct Figure {
	double p50_ns, p99_ns;
};
std::map<std::string, Figure> g_figures;
bool g_failed = false;

enum Scenario { kApprove, kRejectLate, kRejectEarly };

const char *const kAreaNames[11] = {"",         "state",    "structure", "whitelist", "size",     "collar",
				    "exposure", "loss",     "rates",     "breaker",   "duplicate"};

bool fail(benchmark::State &st, const char *why)
{
	st.SkipWithError(why);
	g_failed = true;
	return false;
}

Figure summarize_rounds(std::vector<double> &ns)
{
	std::sort(ns.begin(), ns.end());
	return Figure{rgb::percentile_sorted(ns, 0.5), rgb::percentile_sorted(ns, 0.99)};
}

// One round of a scenario: prepares the batch (untimed), times it, cleans up.
bool round_once(rgb_checks_lab &lab, Scenario sc, rgb_symbol_pattern pat, std::vector<rg_order> &batch, double *ns)
{
	rg_order first;
	unsigned want = kBatch, got;

	rgb_checks_orders(&lab, batch.data(), kBatch, pat);
	if (sc == kRejectLate) {
		// The original goes first, untimed; the batch repeats it under new ids.
		first = batch[0];
		if (rgb_checks_decide(&lab, &first, 1) != 1)
			return false;
		for (unsigned k = 0; k < kBatch; k++) {
			uint64_t id = batch[k].client_order_id;
			batch[k] = first;
			batch[k].client_order_id = id + (1ull << 40);
		}
		want = 0;
	} else if (sc == kRejectEarly) {
		for (auto &o : batch)
			o.price_e8 = 200ll * 100000000;
		want = 0;
	}
	uint64_t t0 = rgb_ticks();
	got = rgb_checks_decide(&lab, batch.data(), kBatch);
	uint64_t t1 = rgb_ticks();
	*ns = rgb_ticks_to_ns((double)(t1 - t0)) / kBatch;
	rgb_checks_release(&lab, batch.data(), kBatch);
	if (sc == kRejectLate)
		rgb_checks_release(&lab, &first, 1);
	return got == want;
}

// Checks, once and untimed, that the scenario gets the reason it claims to measure.
bool scenario_reason_ok(rgb_checks_lab &lab, Scenario sc)
{
	std::vector<rg_order> o(2);
	rg_decision d;
	bool ok;

	rgb_checks_orders(&lab, o.data(), 2, RGB_SYMBOLS_ROUND_ROBIN);
	if (sc == kApprove) {
		ok = rg_risk_check_order(lab.r, 0, &o[0], lab.now, &d) == RG_REJ_NONE;
	} else if (sc == kRejectEarly) {
		o[0].price_e8 = 200ll * 100000000;
		ok = rg_risk_check_order(lab.r, 0, &o[0], lab.now, &d) == RG_REJ_PRICE_COLLAR;
	} else {
		ok = rg_risk_check_order(lab.r, 0, &o[0], lab.now, &d) == RG_REJ_NONE;
		o[1] = o[0];
		o[1].client_order_id += 1ull << 41;
		ok = ok && rg_risk_check_order(lab.r, 0, &o[1], lab.now + 1, &d) == RG_REJ_DUPLICATE_ORDER;
	}
	rgb_checks_release(&lab, o.data(), 2);
	return ok;
}

void BM_pipeline(benchmark::State &st, Scenario sc, const char *key)
{
	const unsigned n_symbols = (unsigned)st.range(0);
	const rgb_symbol_pattern pat = n_symbols > 1000 ? RGB_SYMBOLS_RANDOM : RGB_SYMBOLS_ROUND_ROBIN;
	rgb_checks_lab lab;
	std::vector<rg_order> batch(kBatch);
	std::vector<double> ns;

	if (!rgb::pin_self(rgb::g_cpus[0])) {
		fail(st, "cannot pin to the benchmark CPU");
		return;
	}
	if (rgb_checks_lab_open(&lab, n_symbols) != 0) {
		fail(st, "cannot build the risk state");
		return;
	}
	if (!scenario_reason_ok(lab, sc)) {
		fail(st, "the scenario does not get the decision it measures");
		rgb_checks_lab_close(&lab);
		return;
	}
	ns.reserve(kRounds);
	for (auto _ : st) {
		for (unsigned r = 0; r < kWarm + kRounds; r++) {
			double v;
			if (!round_once(lab, sc, pat, batch, &v)) {
				fail(st, "a round got an unexpected decision");
				rgb_checks_lab_close(&lab);
				return;
			}
			if (r >= kWarm)
				ns.push_back(v);
		}
	}
	Figure f = summarize_rounds(ns);
	st.counters["p50_ns"] = f.p50_ns;
	st.counters["p99_ns"] = f.p99_ns;
	st.counters["symbols"] = n_symbols;
	g_figures[std::string(key) + (n_symbols == 1 ? "_1" : n_symbols == 100 ? "" : "_10k")] = f;
	rgb_checks_lab_close(&lab);
}

void BM_area(benchmark::State &st)
{
	const unsigned area = (unsigned)st.range(0);
	rgb_checks_lab lab;
	std::vector<rg_order> batch(kBatch);
	std::vector<double> ns;

	if (!rgb::pin_self(rgb::g_cpus[0]) || rgb_checks_lab_open(&lab, 100) != 0) {
		fail(st, "cannot pin or build the risk state");
		return;
	}
	ns.reserve(kRounds);
	for (auto _ : st) {
		for (unsigned r = 0; r < kWarm + kRounds; r++) {
			rgb_checks_orders(&lab, batch.data(), kBatch, RGB_SYMBOLS_ROUND_ROBIN);
			uint64_t t0 = rgb_ticks();
			unsigned ok = rgb_checks_area(&lab, batch.data(), kBatch, area);
			uint64_t t1 = rgb_ticks();
			if (ok != kBatch) {
				fail(st, "an order failed the check it should pass");
				rgb_checks_lab_close(&lab);
				return;
			}
			if (r >= kWarm)
				ns.push_back(rgb_ticks_to_ns((double)(t1 - t0)) / kBatch);
		}
	}
	Figure f = summarize_rounds(ns);
	st.counters["p50_ns"] = f.p50_ns;
	st.counters["p99_ns"] = f.p99_ns;
	g_figures[std::string("check_area_") + kAreaNames[area]] = f;
	rgb_checks_lab_close(&lab);
}

void register_all()
{
	static const int64_t sizes[] = {1, 100, 10000};
	for (int64_t n : sizes) {
		benchmark::RegisterBenchmark("checks/approve", BM_pipeline, kApprove, "check_pipeline_approve")
			->Arg(n)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
		benchmark::RegisterBenchmark("checks/reject_late", BM_pipeline, kRejectLate, "check_pipeline_reject")
			->Arg(n)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
		benchmark::RegisterBenchmark("checks/reject_early", BM_pipeline, kRejectEarly, "check_pipeline_reject_early")
			->Arg(n)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	}
	for (int area = 1; area <= 10; area++)
		benchmark::RegisterBenchmark("checks/area", BM_area)
			->Arg(area)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

bool summarize(rgb::Summary &s)
{
	// The three keys bench/run reports first, then the rest.
	static const char *const first[] = {"check_pipeline_approve", "check_pipeline_reject",
					    "check_pipeline_approve_10k"};
	for (const char *k : first) {
		auto it = g_figures.find(k);
		if (it != g_figures.end())
			s.add(std::string(k) + "_ns", it->second.p50_ns, 1);
	}
	for (const auto &kv : g_figures) {
		bool listed = false;
		for (const char *k : first)
			listed = listed || kv.first == k;
		if (!listed)
			s.add(kv.first + "_ns", kv.second.p50_ns, 1);
		s.add(kv.first + "_p99_ns", kv.second.p99_ns, 1);
	}
	return !g_failed;
}

} // namespace

int main(int argc, char **argv)
{
	register_all();
	return rgb::run_main(argc, argv, "checks_bench", summarize);
}
