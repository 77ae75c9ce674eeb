// python_bench: submit-to-decision from a Python strategy (python/riskgate,
// cffi over libriskgate-client.so, Debian's python3) against the same from C,
// in one run, on one real engine.
//
// The engine (the daemon's runtime, a dry-run sim venue: an approved order
// is decided and answered without waiting on a venue) runs its hot thread on
// the second core; the strategy runs on the first.  First the C strategy
// (<riskgate/client.h> inline) sends orders one at a time, each timed from
// before rg_client_submit to its decision read by rg_client_poll; then the
// session is handed to `python3 -m riskgate.bench`, which does the same
// through Session.submit (a Decimal price converted by the library) and
// Session.poll (each report made a Python object), timed with perf_counter_ns.
//
// Summary: python_e2e_p50_us, python_e2e_p99_us, c_e2e_p50_us, c_e2e_p99_us
// and python_over_c_p50 (the ratio, the figure to compare across machines).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine_lab.h"
#include "harness.h"

namespace {

constexpr unsigned kWarm = 200;
constexpr unsigned kSamples = 5000;

struct Result {
	double py_p50 = 0, py_p99 = 0, c_p50 = 0, c_p99 = 0;
	bool ok = false;
} g_result;

bool c_samples(rgb_engine_lab &lab, std::vector<double> &us)
{
	rg_report r[16];

	for (unsigned i = 0; i < kWarm + kSamples; i++) {
		rg_order o;
		rgb_engine_lab_order(&o, ++lab.next_id);
		uint64_t t0 = rgb_engine_lab_now();
		if (!rg_client_submit(&lab.client, &o))
			return false;
		bool done = false;
		while (!done) {
			unsigned n = rg_client_poll(&lab.client, r, 16);
			for (unsigned k = 0; k < n; k++)
				if (r[k].client_order_id == o.client_order_id &&
				    (r[k].kind == RG_REPORT_ACCEPTED || r[k].kind == RG_REPORT_REJECTED))
					done = true;
		}
		uint64_t t1 = rgb_engine_lab_now();
		if (i >= kWarm)
			us.push_back((double)(t1 - t0) / 1000.0);
		if (i % 64 == 0)
			rg_client_heartbeat(&lab.client);
	}
	return true;
}

bool python_samples(rgb_engine_lab &lab, double *p50, double *p99)
{
	std::string cmd = std::string("env PYTHONPATH=") + RGB_SOURCE_DIR + "/python RISKGATE_CLIENT_LIB=" + RGB_CLIENT_LIB +
			  " /usr/bin/python3 -m riskgate.bench " + lab.instance + " bench AAPL 190.00 " +
			  std::to_string(kSamples) + " " + std::to_string(rgb::g_cpus[0]);
	FILE *p = popen(cmd.c_str(), "r");
	char line[256] = "";
	unsigned n = 0;

	if (p == nullptr)
		return false;
	bool got = std::fgets(line, sizeof(line), p) != nullptr;
	int rc = pclose(p);
	if (!got || rc != 0 || std::sscanf(line, "p50_us=%lf p99_us=%lf n=%u", p50, p99, &n) != 3 || n != kSamples) {
		std::fprintf(stderr, "python_bench: `%s` failed (exit %d): %s\n", cmd.c_str(), rc, line);
		return false;
	}
	return true;
}

void BM_python_e2e(benchmark::State &st)
{
	for (auto _ : st) {
		rgb_engine_lab lab;
		std::vector<double> c_us;
		char err[256];

		if (!rgb::pin_self(rgb::g_cpus[0]) || rgb_engine_lab_open(&lab, "pyb", rgb::g_cpus[1], "") != 0) {
			st.SkipWithError("cannot start the engine");
			return;
		}
		bool ok = c_samples(lab, c_us);
		rg_client_close(&lab.client); /* the session is the Python strategy's now */
		ok = ok && python_samples(lab, &g_result.py_p50, &g_result.py_p99);
		rg_client_open(&lab.client, lab.instance, "bench", err, sizeof(err));
		rgb_engine_lab_close(&lab);
		if (!ok) {
			st.SkipWithError("a strategy failed");
			return;
		}
		std::sort(c_us.begin(), c_us.end());
		g_result.c_p50 = rgb::percentile_sorted(c_us, 0.50);
		g_result.c_p99 = rgb::percentile_sorted(c_us, 0.99);
		g_result.ok = true;
		st.counters["python_p50_us"] = g_result.py_p50;
		st.counters["c_p50_us"] = g_result.c_p50;
	}
}
BENCHMARK(BM_python_e2e)->Iterations(1)->Unit(benchmark::kMillisecond);

bool summarize(rgb::Summary &s)
{
	if (!g_result.ok)
		return false;
	s.add("python_e2e_p50_us", g_result.py_p50, 2);
	s.add("python_e2e_p99_us", g_result.py_p99, 2);
	s.add("c_e2e_p50_us", g_result.c_p50, 2);
	s.add("c_e2e_p99_us", g_result.c_p99, 2);
	s.add("python_over_c_p50", g_result.c_p50 > 0 ? g_result.py_p50 / g_result.c_p50 : 0, 1);
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	return rgb::run_main(argc, argv, "python_bench", summarize);
}
