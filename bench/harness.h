// Benchmark harness shared by the programs under bench/: thread pinning,
// percentiles, and a main() that wraps Google Benchmark with what bench/run
// needs from every program:
//   --rg_summary=FILE  write the program's summary figures to FILE, one
//                      `name=value` per line (bench/run prints them last);
//                      without it they go to stdout after the benchmarks
//   --rg_cpus=A,B      the two cores two-thread benchmarks pin to (default 0,1)
// Every other argument goes to Google Benchmark (--benchmark_filter=...).
// Exit status: 0, 1 on error, 77 when the machine lacks what the program
// needs (bench/run reports it as skipped).
#ifndef RGB_HARNESS_H
#define RGB_HARNESS_H

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "timing.h"

namespace rgb {

// The two cores of a two-thread benchmark: [0] runs the benchmark thread,
// [1] its partner.
inline int g_cpus[2] = {0, 1};

inline bool cpu_allowed(int cpu)
{
	cpu_set_t set;
	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(set), &set) != 0)
		return false;
	return CPU_ISSET(cpu, &set);
}

// Pins the calling thread to one CPU; false if the kernel refuses.
inline bool pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Nearest-rank percentile (p in (0, 1]) of an ascending vector.
template <typename T>
inline T percentile_sorted(const std::vector<T> &v, double p)
{
	if (v.empty())
		return T();
	size_t rank = (size_t)std::ceil(p * (double)v.size());
	return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1];
}

// Percentile of an ascending vector of clock readings taken with a clock
// that steps by `quantum` ticks.  Such a reading is a true duration rounded
// to a neighbouring step, so the samples pile up on the steps; the
// percentile is interpolated inside the step where it falls, as for grouped
// data (the samples at value v are spread evenly over v +- quantum/2).
// Without that, a percentile can only move by whole steps (10 ns on the VM
// of docs/benchmarks.md).  With quantum <= 1 it is the nearest-rank value.
template <typename T>
inline double percentile_stepped(const std::vector<T> &v, double p, double quantum)
{
	if (v.empty())
		return 0;
	if (quantum <= 1)
		return (double)percentile_sorted(v, p);
	double rank = p * (double)v.size();  // samples below the percentile point
	size_t i = std::min(v.size() - 1, (size_t)rank);
	auto lo = std::lower_bound(v.begin(), v.end(), v[i]) - v.begin();
	auto hi = std::upper_bound(v.begin(), v.end(), v[i]) - v.begin();
	double within = (rank - (double)lo) / (double)(hi - lo);
	return (double)v[i] - quantum / 2 + within * quantum;
}

inline double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The figures a program reports, in the order it adds them.
class Summary {
public:
	void add(const std::string &name, double value, int decimals)
	{
		char buf[64];
		std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
		lines_.emplace_back(name, buf);
	}
	bool write(const std::string &path) const
	{
		FILE *f = path.empty() ? stdout : std::fopen(path.c_str(), "w");
		if (f == nullptr) {
			std::fprintf(stderr, "bench: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
			return false;
		}
		for (const auto &l : lines_)
			std::fprintf(f, "%s=%s\n", l.first.c_str(), l.second.c_str());
		return path.empty() ? std::fflush(f) == 0 : std::fclose(f) == 0;
	}

private:
	std::vector<std::pair<std::string, std::string>> lines_;
};

// Removes `--name=value` from argv and returns value ("" when absent).
inline std::string take_flag(int *argc, char **argv, const char *name)
{
	std::string prefix = std::string("--") + name + "=", value;
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0)
			value = argv[i] + prefix.size();
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = nullptr;
	return value;
}

// main() of a benchmark program: parses the flags above, calibrates the
// clock, checks the cores, runs the registered benchmarks, then asks
// `summarize` for the figures of whatever ran; it returns false when a
// benchmark failed (exit status 1, figures still written).
inline int run_main(int argc, char **argv, const char *prog, bool (*summarize)(Summary &))
{
	std::string summary_path = take_flag(&argc, argv, "rg_summary");
	std::string cpus = take_flag(&argc, argv, "rg_cpus");
	if (!cpus.empty() && std::sscanf(cpus.c_str(), "%d,%d", &g_cpus[0], &g_cpus[1]) != 2) {
		std::fprintf(stderr, "%s: --rg_cpus wants two CPU numbers, e.g. 0,1\n", prog);
		return 1;
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	if (g_cpus[0] == g_cpus[1] || !cpu_allowed(g_cpus[0]) || !cpu_allowed(g_cpus[1])) {
		std::fprintf(stderr, "%s: needs two distinct usable CPUs %d and %d; skipping\n", prog, g_cpus[0],
			     g_cpus[1]);
		return 77;
	}
	double tpn = rgb_timing_init(20.0);
	if (tpn <= 0) {
		std::fprintf(stderr, "%s: no usable clock; skipping\n", prog);
		return 77;
	}
	std::fprintf(stderr, "%s: clock %.4f ticks/ns, step %llu ticks (%.1f ns), cpus %d,%d\n", prog, tpn,
		     (unsigned long long)rgb_tick_quantum, rgb_ticks_to_ns((double)rgb_tick_quantum), g_cpus[0],
		     g_cpus[1]);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	Summary s;
	bool ok = summarize(s);
	return s.write(summary_path) && ok ? 0 : 1;
}

} // namespace rgb

#endif // RGB_HARNESS_H
