// limiter_bench: how much of a venue's allowance the venue rate limiter
// (engine/venue_limiter.h, exact sliding windows in shared memory) lets a
// bursty strategy use, and whether the venue ever sees a limit exceeded.
//
// The workload: 60 s of simulated time of bursts of 20 orders (one every
// 20 us within a burst) separated by random gaps (uniform 50 ms .. 1.5 s:
// about twice what the venue allows on average), against the venue,
// 20 orders per 1 s and 100 per 10 s, with the default 1 ms jitter margin.
// Every order asks the real limiter (a real segment, /rg.rate.<name>) at its
// simulated time; a refused order is dropped (on_throttle reject).
//
//   venue_limit_utilisation   orders admitted / the most any exact limiter
//                             keeping the same margin could admit on the same
//                             arrivals (a reference that admits an order iff
//                             every window, lengthened by the margin, holds
//                             fewer than its count of admitted ones: greedy,
//                             which no sliding-window limiter can beat)
//   venue_limit_violations    windows over a limit at the venue: each admitted
//                             order arrives 50 us plus a random jitter in
//                             [0, margin) after it was sent, and every run of
//                             count + 1 arrivals within a window counts one
//   venue_limiter_acquire_ns  the limiter's cost per order asked (median over
//                             rounds of the whole workload, wall clock)
#include <chrono>
#include <string>
#include <vector>

#include <unistd.h>

#include "harness.h"

extern "C" {
#include "venue_limiter.h"
}

namespace {

constexpr uint64_t kMs = 1000000ull;
constexpr uint64_t kMarginNs = 1 * kMs;
constexpr uint64_t kSimNs = 60000 * kMs;

struct Result {
	double utilisation = 0, violations = 0, acquire_ns = 0;
	size_t offered = 0, admitted = 0, reference = 0;
	bool ok = false;
};
Result g_result;

const rg_rate_limit kLimits[2] = {{20, RG_RATE_WINDOW, 1000 * kMs}, {100, RG_RATE_WINDOW, 10000 * kMs}};

uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

std::vector<uint64_t> workload(uint64_t seed)
{
	std::vector<uint64_t> t;
	uint64_t now = 1000 * kMs, rng = seed;

	while (now < 1000 * kMs + kSimNs) {
		for (int i = 0; i < 20; i++)
			t.push_back(now + (uint64_t)i * 20000);
		now += 50 * kMs + xorshift(&rng) % (1450 * kMs);
	}
	return t;
}

// The exact greedy reference: admits at t iff every window (+ margin) holds
// fewer than its count of the admitted ones.
size_t reference_admits(const std::vector<uint64_t> &offered)
{
	std::vector<uint64_t> got;

	for (uint64_t t : offered) {
		bool ok = true;
		for (const auto &l : kLimits) {
			uint32_t in = 0;
			for (size_t i = got.size(); i > 0 && got[i - 1] + l.window_ns + kMarginNs > t; i--)
				in++;
			ok = ok && in < l.count;
		}
		if (ok)
			got.push_back(t);
	}
	return got.size();
}

size_t violations_at_the_venue(const std::vector<uint64_t> &sent, uint64_t seed)
{
	std::vector<uint64_t> arr;
	uint64_t rng = seed;
	size_t v = 0;

	for (uint64_t t : sent)
		arr.push_back(t + 50000 + xorshift(&rng) % kMarginNs);
	std::sort(arr.begin(), arr.end());
	for (const auto &l : kLimits)
		for (size_t i = 0; i + l.count < arr.size(); i++)
			v += arr[i + l.count] - arr[i] < l.window_ns;
	return v;
}

void BM_limiter(benchmark::State &st)
{
	rg_venue_cfg v;
	char err[256];
	std::vector<uint64_t> offered = workload(0x9E3779B97F4A7C15ull);
	std::vector<double> per;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "bench-limiter-%d", (int)getpid());
	v.n_buckets = 2;
	v.buckets[0] = kLimits[0];
	v.buckets[1] = kLimits[1];
	v.rate_margin_ns = kMarginNs;
	for (auto _ : st) {
		for (int round = 0; round < 21; round++) {
			rg_venue_limiter l;
			std::vector<uint64_t> sent;
			sent.reserve(offered.size());
			rg_venue_limiter_unlink(v.name);
			if (rg_venue_limiter_open(&l, &v, err, sizeof(err)) != 0) {
				st.SkipWithError(err);
				return;
			}
			auto t0 = std::chrono::steady_clock::now();
			for (uint64_t t : offered)
				if (rg_venue_limiter_try_acquire(&l, t))
					sent.push_back(t);
			auto t1 = std::chrono::steady_clock::now();
			per.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (double)offered.size());
			rg_venue_limiter_close(&l);
			rg_venue_limiter_unlink(v.name);
			if (round == 0) {
				g_result.offered = offered.size();
				g_result.admitted = sent.size();
				g_result.violations = (double)violations_at_the_venue(sent, 42);
			}
		}
	}
	g_result.reference = reference_admits(offered);
	g_result.utilisation = (double)g_result.admitted / (double)g_result.reference;
	g_result.acquire_ns = rgb::median(per);
	g_result.ok = true;
	st.counters["offered"] = (double)g_result.offered;
	st.counters["admitted"] = (double)g_result.admitted;
	st.counters["reference"] = (double)g_result.reference;
}

bool summarize(rgb::Summary &s)
{
	if (!g_result.ok)
		return false;
	s.add("venue_limit_offered", (double)g_result.offered, 0);
	s.add("venue_limit_admitted", (double)g_result.admitted, 0);
	s.add("venue_limiter_acquire_ns", g_result.acquire_ns, 1);
	s.add("venue_limit_violations", g_result.violations, 0);
	s.add("venue_limit_utilisation", g_result.utilisation, 4);
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::RegisterBenchmark("limiter/bursts_20_per_1s_100_per_10s", BM_limiter)
		->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
	return rgb::run_main(argc, argv, "limiter_bench", summarize);
}
