// recovery_bench: how long a restart keeps trading stopped.
//
// A real engine (the daemon's runtime, dry-run sim venue, hot thread on its
// own core) journals a day of orders through the real order path until the
// day's journal holds 10 million records (RGB_RECOVERY_RECORDS overrides),
// is stopped as on SIGTERM (drain, close) and started again on the same
// config: rg_engine_open replays the day's journal before it publishes the
// sessions and says RUNNING.  The start is timed from the call to RUNNING.
//
// Summary: restart_to_running_ms_10m (that start, in ms, scaled to 10
// million records when another count was asked for), replay_ns_per_record
// (the start divided by the records replayed), recovery_records (records in
// the day's journal).  The engine of this version replays the whole day:
// no checkpoints yet (docs/benchmarks.md).
#include <cstdio>
#include <cstdlib>

#include "harness.h"
#include "recovery_loops.h"

namespace {

constexpr uint64_t kRecords = 10000000;

struct Result {
	double restart_ms = 0, ns_per_record = 0, records = 0;
	bool ok = false;
} g_result;

void BM_restart(benchmark::State &state)
{
	const char *env = std::getenv("RGB_RECOVERY_RECORDS");
	uint64_t n = env != nullptr ? std::strtoull(env, nullptr, 10) : kRecords;
	rgb_recovery_result r{};

	if (!rgb::pin_self(rgb::g_cpus[0])) {
		state.SkipWithError("cannot pin");
		return;
	}
	for (auto _ : state) {
		if (rgb_recovery_run(rgb::g_cpus[1], n, &r) != 0) {
			state.SkipWithError("the engine did not restart");
			return;
		}
	}
	g_result.records = (double)r.records;
	g_result.ns_per_record = r.records != 0 ? (double)r.restart_ns / (double)r.records : 0;
	g_result.restart_ms = g_result.ns_per_record * (double)kRecords / 1e6;
	g_result.ok = r.records >= n;
	state.counters["restart_ms"] = (double)r.restart_ns / 1e6;
	state.counters["records"] = (double)r.records;
}
BENCHMARK(BM_restart)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

bool summarize(rgb::Summary &s)
{
	s.add("restart_to_running_ms_10m", g_result.restart_ms, 1);
	s.add("replay_ns_per_record", g_result.ns_per_record, 1);
	s.add("recovery_records", g_result.records, 0);
	return g_result.ok;
}

} // namespace

int main(int argc, char **argv)
{
	return rgb::run_main(argc, argv, "recovery_bench", summarize);
}
