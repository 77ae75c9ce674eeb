// kill_bench: how long a kill takes to reach the engine.
//
//   kill/shm            riskctl's write (rg_kill_apply on an attached writer
//                       handle: lock, seqlock update, unlock) on one core, to
//                       the engine-side reader on the other core holding a
//                       snapshot that contains the kill.  The reader does what
//                       the engine's loop does once per batch: one load of the
//                       generation, and a snapshot when it moved.
//   kill/redis_set      SET emergency_stop from a hiredis client, to the
//                       reader's snapshot showing the kill the watcher wrote
//                       (the watcher polls every 50 ms, the default).  Each
//                       SET waits a random fraction of the poll interval first,
//                       so the samples cover the whole poll phase.
//   kill/redis_publish  PUBLISH "kill instance ..." on the kill channel, to
//                       the same.
//
// Every sample is a one-way time between two cores, both read from the
// invariant TSC.  Not included: riskctl's own start-up and attach (a process
// launch, milliseconds), and the engine's integration (at most one more poll
// batch, sub-microsecond, before the next order is rejected).
//
// Summary: kill_shm_us, kill_redis_set_ms, kill_redis_publish_ms (each the
// p99 of its samples, the figure the targets bound), with _p50 and
// _max of each; kill_shm_write_us (p50 of the writer's call alone) and
// kill_redis_poll_ms (the poll interval used).
#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <time.h>

#include "harness.h"
#include "kill_loops.h"

namespace {

constexpr unsigned kShmWarm = 100;
constexpr unsigned kShmSamples = 5000;
constexpr unsigned kSetSamples = 100;
constexpr unsigned kPublishSamples = 300;
constexpr unsigned kPollMs = 50;
constexpr unsigned kTimeoutMs = 5000;

struct Stats {
	double p50 = 0, p99 = 0, max = 0;
	bool ran = false;
};
Stats g_shm, g_write, g_set, g_pub;
bool g_failed = false;
bool g_redis_missing = false;

Stats stats_of(std::vector<double> v)
{
	Stats s;
	std::sort(v.begin(), v.end());
	s.p50 = rgb::percentile_sorted(v, 0.50);
	s.p99 = rgb::percentile_sorted(v, 0.99);
	s.max = v.empty() ? 0 : v.back();
	s.ran = !v.empty();
	return s;
}

double ticks_us(uint64_t from, uint64_t to)
{
	return to > from ? rgb_ticks_to_ns((double)(to - from)) / 1e3 : 0.0;
}

void sleep_us(unsigned us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
	nanosleep(&ts, nullptr);
}

rgb_kill_lab *open_lab(benchmark::State &st)
{
	char err[256];
	if (!rgb::pin_self(rgb::g_cpus[0])) {
		st.SkipWithError("cannot pin");
		g_failed = true;
		return nullptr;
	}
	rgb_kill_lab *lab = rgb_kill_lab_open(rgb::g_cpus[1], err, sizeof(err));
	if (lab == nullptr) {
		std::fprintf(stderr, "kill_bench: %s\n", err);
		st.SkipWithError("cannot create the kill segment");
		g_failed = true;
	}
	return lab;
}

void BM_shm(benchmark::State &st)
{
	rgb_kill_lab *lab = open_lab(st);
	std::vector<double> lat, write;
	unsigned mark = 1;

	if (lab == nullptr)
		return;
	for (auto _ : st) {
		for (unsigned i = 0; i < kShmWarm + kShmSamples; i++, mark++) {
			uint64_t t0, t1, seen;
			if (rgb_kill_shm_kill(lab, mark, &t0, &t1) != 0 ||
			    (seen = rgb_kill_wait_mark(lab, mark, 1, kTimeoutMs)) == 0 || rgb_kill_shm_resume(lab) != 0 ||
			    rgb_kill_wait_mark(lab, 0, 1, kTimeoutMs) == 0) {
				st.SkipWithError("a kill was not seen");
				g_failed = true;
				break;
			}
			if (i >= kShmWarm) {
				lat.push_back(ticks_us(t0, seen));
				write.push_back(ticks_us(t0, t1));
			}
		}
	}
	g_shm = stats_of(lat);
	g_write = stats_of(write);
	st.counters["p50_us"] = g_shm.p50;
	st.counters["p99_us"] = g_shm.p99;
	rgb_kill_lab_close(lab);
}
BENCHMARK(BM_shm)->Name("kill/shm")->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_redis(benchmark::State &st, bool publish)
{
	rgb_kill_lab *lab = open_lab(st);
	std::vector<double> lat;
	std::mt19937 rng(12345);
	char err[256];
	unsigned mark = 1, n = publish ? kPublishSamples : kSetSamples;

	if (lab == nullptr)
		return;
	int rc = rgb_kill_lab_redis(lab, kPollMs, err, sizeof(err));
	if (rc != 0) {
		std::fprintf(stderr, "kill_bench: %s\n", err);
		st.SkipWithError(rc == 77 ? "redis-server not installed (skipped)" : "cannot start Redis and the watcher");
		if (rc == 77)
			g_redis_missing = true;
		else
			g_failed = true;
		rgb_kill_lab_close(lab);
		return;
	}
	for (auto _ : st) {
		for (unsigned i = 0; i < n; i++, mark++) {
			uint64_t t0 = 0, seen;
			sleep_us((unsigned)(rng() % (kPollMs * 1000)));
			rc = publish ? rgb_kill_redis_publish(lab, mark, &t0) : rgb_kill_redis_set(lab, mark, &t0);
			if (rc != 0 || (seen = rgb_kill_wait_mark(lab, mark, 0, kTimeoutMs)) == 0 ||
			    (publish ? rgb_kill_redis_publish_resume(lab) : rgb_kill_redis_del(lab)) != 0 ||
			    rgb_kill_wait_mark(lab, 0, 0, kTimeoutMs) == 0) {
				st.SkipWithError("a Redis kill was not seen");
				g_failed = true;
				break;
			}
			lat.push_back(ticks_us(t0, seen) / 1e3);
		}
	}
	(publish ? g_pub : g_set) = stats_of(lat);
	st.counters["p50_ms"] = (publish ? g_pub : g_set).p50;
	st.counters["p99_ms"] = (publish ? g_pub : g_set).p99;
	rgb_kill_lab_close(lab);
}
BENCHMARK_CAPTURE(BM_redis, set, false)->Name("kill/redis_set")->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_redis, publish, true)
	->Name("kill/redis_publish")
	->Iterations(1)
	->Unit(benchmark::kMillisecond)
	->UseRealTime();

void add(rgb::Summary &s, const char *key, const Stats &st, int decimals)
{
	if (!st.ran)
		return;
	std::string k(key);
	s.add(k, st.p99, decimals);
	s.add(k + "_p50", st.p50, decimals);
	s.add(k + "_max", st.max, decimals);
}

bool summarize(rgb::Summary &s)
{
	add(s, "kill_shm_us", g_shm, 2);
	if (g_write.ran)
		s.add("kill_shm_write_us", g_write.p50, 2);
	add(s, "kill_redis_set_ms", g_set, 2);
	add(s, "kill_redis_publish_ms", g_pub, 3);
	if (g_set.ran || g_pub.ran)
		s.add("kill_redis_poll_ms", kPollMs, 0);
	if (g_redis_missing)
		std::fprintf(stderr, "kill_bench: redis-server not installed: no Redis figures (tools/deps.sh installs it)\n");
	return !g_failed;
}

} // namespace

int main(int argc, char **argv)
{
	return rgb::run_main(argc, argv, "kill_bench", summarize);
}
