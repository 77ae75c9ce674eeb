// recovery_bench: how long a restart keeps trading stopped.
//
// A real engine (the daemon's runtime, dry-run sim venue, hot thread on its
// own core) journals a day of orders through the real order path until the
// day's journal holds 10 million records (RGB_RECOVERY_RECORDS overrides),
// is stopped as on SIGTERM (drain, close) and started again on the same
// config: rg_engine_open replays the day's journal before it publishes the
// sessions and says RUNNING.  The start is timed from the call to RUNNING.
//
// Checkpoints are on (the default: every 500 000 records and at a clean stop),
// so the start loads the last checkpoint and replays what follows it.  The
// engine is then stopped again and started with checkpoints off, which
// replays the whole day: that start gives the replay's cost per record.
//
// Summary: restart_to_running_ms_10m (the start with checkpoints, in ms; as
// measured, not scaled: it does not grow with the day), replay_ns_per_record
// (the start with checkpoints off divided by the records it replayed),
// restart_full_replay_ms_10m (that start scaled to 10 million records: what
// a restart cost before checkpoints), restart_after_crash_ms_10m_max (the
// start with checkpoints plus checkpoint_every_records replayed at
// replay_ns_per_record: a crash just before the next checkpoint; computed),
// recovery_records (records in the day's journal), recovery_replayed
// (records replayed after the checkpoint).  docs/benchmarks.md.
#include <cstdio>
#include <cstdlib>

#include "harness.h"
#include "recovery_loops.h"

namespace {

constexpr uint64_t kRecords = 10000000;

struct Result {
	double restart_ms = 0, ns_per_record = 0, records = 0, full_ms_10m = 0, crash_ms_max = 0, replayed = 0;
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
	g_result.replayed = (double)r.replayed;
	g_result.ns_per_record = r.full_records != 0 ? (double)r.full_ns / (double)r.full_records : 0;
	g_result.restart_ms = (double)r.restart_ns / 1e6;
	g_result.full_ms_10m = g_result.ns_per_record * (double)kRecords / 1e6;
	g_result.crash_ms_max = g_result.restart_ms + g_result.ns_per_record * (double)r.every_records / 1e6;
	/* the checkpointed start must have loaded a checkpoint of the day */
	g_result.ok = r.records >= n && r.ckpt_records != 0 && r.full_records >= r.records;
	state.counters["restart_ms"] = (double)r.restart_ns / 1e6;
	state.counters["full_replay_ms"] = (double)r.full_ns / 1e6;
	state.counters["records"] = (double)r.records;
	state.counters["replayed"] = (double)r.replayed;
}
BENCHMARK(BM_restart)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

bool summarize(rgb::Summary &s)
{
	s.add("restart_to_running_ms_10m", g_result.restart_ms, 1);
	s.add("replay_ns_per_record", g_result.ns_per_record, 1);
	s.add("restart_full_replay_ms_10m", g_result.full_ms_10m, 1);
	s.add("restart_after_crash_ms_10m_max", g_result.crash_ms_max, 1);
	s.add("recovery_records", g_result.records, 0);
	s.add("recovery_replayed", g_result.replayed, 0);
	return g_result.ok;
}

} // namespace

int main(int argc, char **argv)
{
	return rgb::run_main(argc, argv, "recovery_bench", summarize);
}
