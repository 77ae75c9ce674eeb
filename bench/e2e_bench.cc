// End-to-end benchmark: a strategy on one core submits through the client
// header to a real riskgate engine whose hot thread runs on the other core,
// and times each order from submit to its decision (two ring hops and every
// check).  Interleaved in the same run, block by block, with the cache-line
// ping-pong between the same two cores, the machine's floor, so the ratio
// e2e_p50_vs_pingpong carries over between runs of a noisy VM.  Then
// throughput: orders pushed in bursts, decided as fast as the engine can; the
// strategy yields its core (shared with the journal writer) while it waits,
// and engine_tput_strategy_cpu_ns says how much of it it used per order,
// engine_tput_journal_cpu_ns how much the journal's threads did (the writer,
// its io_uring workers' copies into the page cache, the checkpoint thread),
// engine_tput_core0_cpu_ns the two together: the core's time per decided
// order, against the 100 ns 10 M orders/s would leave it.
//
// A third interleaved block sends the same two hops through a bare pair of
// rg_rings with an echo in place of the engine, so the run also says how much
// of the path is the two ring hops and how much the engine adds.
//
// Summary: e2e_oneway_p50_ns, e2e_oneway_p99_ns, pingpong_oneway_ns,
// e2e_p50_vs_pingpong, engine_tput_mops; ring_roundtrip_p50_ns (two bare ring
// hops), ring_roundtrip_vs_pingpong (the floor of any two-hop path, in
// ping-pong units) and e2e_p50_vs_ring_roundtrip (the engine's share);
// engine_idle_pass_ns (one turn of the loop with nothing to do, on average:
// with the path warmer on, as by default, a warm pass of ~450 instructions
// every 5 us of them adds 1-2 ns), clock_read_ns (one read of the TSC pass
// clock the engine loop stamps its passes from) and clock_read_mono_ns (one CLOCK_MONOTONIC
// read, what a pass paid before).
//
// Last, the cost of monitoring: a real riskgate-exporter on the engine's
// instance, scraped every 100 ms (as Prometheus would, ten times more often
// than its usual interval) during half-second blocks of the latency loop,
// interleaved with blocks without scraping, in alternating order.  Both the
// exporter and the scraper run on the strategy's core, never the engine's.
// e2e_exporter_overhead_pct: the median block p50 with scraping against the
// median block p50 without, in percent (noise is a few percent either way);
// e2e_exporter_scrapes: scrapes done meanwhile.
//
// Then the idle policy for shared machines, spin_sleep, on an engine of its
// own: orders sent one at a time 3 ms apart, so that the engine has fallen
// asleep before each (it sleeps after 50 us with nothing to do) and the
// client's doorbell must wake it.  e2e_wakeup_p50_ns / e2e_wakeup_p99_ns:
// submit to decision then; e2e_wakeup_vs_busy_p50: against e2e_oneway_p50_ns
// of the spinning engine in the same run.  idle_cpu_pct_spin_sleep: the CPU
// the sleeping engine's thread used over a second with no orders, in percent
// of one core (a spinning engine: 100).
//
// Then paced flow (e2e/paced, bench/paced_loops.h): a second engine with a
// live sim venue and a populated day (3 000 DAY buys resting on the venue's
// book, 100 000 IOC orders decided before), a strategy sending one order at
// a time at 20 000/s and at 200 000/s, the daemon's own check_ns and
// decision_ns histograms read around each phase; between phases, in the
// same run, the checks' hot loop (checks_bench's: 64 orders back to back on
// a 100-symbol state).  Three rounds, medians.  Summary: paced_check_p50_ns
// and paced_e2e_p50_ns (the daemon's submit-to-decision) at 20 000/s,
// paced_check_vs_hot (paced check p50 / hot-loop check p50, median of the
// rounds' ratios), and paced_200k_check_p50_ns, paced_200k_e2e_p50_ns,
// paced_strategy_e2e_p50_ns (the strategy's own submit-to-report at
// 20 000/s, TSC), hot_check_p50_ns, paced_200k_venue_full (orders the sim
// venue's full request ring turned into VENUE_QUEUE_FULL at 200 000/s).
// Each round also sends the 20 000/s flow once with the engine's path
// warmer off (engine.warm_interval_us 0; after the flow as configured in
// the first and third rounds, before it in the second): paced_check_p50_nowarm_ns,
// paced_check_vs_hot_nowarm and paced_e2e_p50_nowarm_ns, the A/B of the
// warmer within the run.  The keys above are the engine as configured (the
// warmer on by default).
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "e2e_loops.h"
#include "exporter_scrape.h"
#include "harness.h"
#include "paced_loops.h"
#include "ring_loops.h"

namespace {

constexpr unsigned kRounds = 40;
constexpr uint32_t kSamples = 2000;
constexpr uint32_t kWarm = 100;
constexpr uint64_t kTputOrders = 2000000;
constexpr unsigned kTputTrials = 7;
constexpr unsigned kScrapeRounds = 12;      /* each: one block with scraping, one without */
constexpr double kScrapeBlockS = 0.5;       /* a block spans five scrape intervals */
constexpr unsigned kScrapeIntervalMs = 100;
constexpr uint32_t kWakeSamples = 300;     /* one every kWakeGapUs: about a second */
constexpr uint32_t kWakeGapUs = 3000;

struct Result {
	double e2e_p50 = 0, e2e_p99 = 0, pp = 0, ratio = 0, mops = 0, idle_pass = 0, clock_read = 0, clock_read_mono = 0;
	uint64_t tput_rejected = 0; /* orders the throughput trials saw refused (AUDIT_BACKPRESSURE when the writer lags) */
	double tput_strategy_cpu_ns = 0; /* the strategy's CPU time per order in the throughput trials (median) */
	double tput_journal_cpu_ns = 0;  /* the journal's (writer, its kernel workers, checkpoints) per order, same */
	double ring_rt = 0, ring_vs_pp = 0, e2e_vs_ring = 0;
	double exporter_overhead_pct = 0, scrapes = 0;
	double wake_p50 = 0, wake_p99 = 0, wake_vs_busy = 0, idle_cpu_pct = 0;
	bool ok = false;
	double paced_check = 0, paced_e2e = 0, paced_vs_hot = 0, paced200_check = 0, paced200_e2e = 0;
	double paced_strategy = 0, hot_check = 0, paced200_venue_full = 0;
	double nowarm_check = 0, nowarm_vs_hot = 0, nowarm_e2e = 0;
	bool paced = false, paced_failed = false;
} g_result;

constexpr unsigned kPacedRounds = 3;
constexpr uint32_t kPacedResting = 3000, kPacedDecided = 100000;
constexpr uint32_t kPaced20k = 10000, kPaced200k = 5000; /* half a second; 25 ms (the sim venue answers slower than that rate) */
constexpr unsigned kHotRounds = 2000;

void BM_paced(benchmark::State &state)
{
	std::vector<double> check, e2e, ratio, check200, e2e200, strat, hot, cold_check, cold_ratio, cold_e2e;
	bool failed = false;

	if (!rgb::pin_self(rgb::g_cpus[0])) {
		state.SkipWithError("cannot pin");
		return;
	}
	rgb_paced *p = rgb_paced_create(rgb::g_cpus[1]);
	if (p == nullptr || rgb_paced_populate(p, kPacedResting, kPacedDecided) != 0) {
		rgb_paced_destroy(p);
		g_result.paced_failed = true;
		state.SkipWithError("the paced engine did not start or populate");
		return;
	}
	const uint32_t p_warm_us = rgb_paced_config_warm(p);
	for (auto _ : state) {
		for (unsigned r = 0; r < kPacedRounds && !failed; r++) {
			rgb_paced_result a, b, c;
			double h = rgb_paced_hot_check_ns(kHotRounds);
			/* the same flow with the path warmer off, before or after in turn */
			bool cold_first = r % 2 == 1, ok = h != 0;
			if (ok && cold_first) {
				rgb_paced_set_warm(p, 0);
				ok = rgb_paced_run(p, 20000, kPaced20k, &c) == 0;
				rgb_paced_set_warm(p, p_warm_us);
			}
			ok = ok && rgb_paced_run(p, 20000, kPaced20k, &a) == 0 && rgb_paced_run(p, 200000, kPaced200k, &b) == 0;
			if (ok && !cold_first) {
				rgb_paced_set_warm(p, 0);
				ok = rgb_paced_run(p, 20000, kPaced20k, &c) == 0;
				rgb_paced_set_warm(p, p_warm_us);
			}
			if (!ok || a.not_accepted != 0 || b.not_accepted != 0 || c.not_accepted != 0) {
				failed = true;
				break;
			}
			cold_check.push_back(c.check_p50_ns);
			cold_ratio.push_back(c.check_p50_ns / h);
			cold_e2e.push_back(c.decision_p50_ns);
			hot.push_back(h);
			check.push_back(a.check_p50_ns);
			e2e.push_back(a.decision_p50_ns);
			strat.push_back(a.strategy_p50_ns);
			ratio.push_back(a.check_p50_ns / h);
			check200.push_back(b.check_p50_ns);
			g_result.paced200_venue_full += (double)b.venue_full;
			e2e200.push_back(b.decision_p50_ns);
		}
	}
	rgb_paced_destroy(p);
	if (failed) {
		g_result.paced_failed = true;
		state.SkipWithError("paced orders were not all accepted");
		return;
	}
	g_result.paced_check = rgb::median(check);
	g_result.paced_e2e = rgb::median(e2e);
	g_result.paced_vs_hot = rgb::median(ratio);
	g_result.paced200_check = rgb::median(check200);
	g_result.paced200_e2e = rgb::median(e2e200);
	g_result.paced_strategy = rgb::median(strat);
	g_result.hot_check = rgb::median(hot);
	g_result.nowarm_check = rgb::median(cold_check);
	g_result.nowarm_vs_hot = rgb::median(cold_ratio);
	g_result.nowarm_e2e = rgb::median(cold_e2e);
	g_result.paced = true;
	state.counters["check_p50_ns"] = g_result.paced_check;
	state.counters["e2e_p50_ns"] = g_result.paced_e2e;
	state.counters["check_vs_hot"] = g_result.paced_vs_hot;
}

struct EchoArg {
	rgb_pingpong *pp;
	uint64_t base;
	uint32_t n;
};

void *pp_echo(void *p)
{
	auto *a = static_cast<EchoArg *>(p);
	rgb::pin_self(rgb::g_cpus[1]);
	rgb_pp_echo(a->pp, a->base, a->n);
	return nullptr;
}

struct RingEchoArg {
	rgb_rg *req, *resp;
	uint64_t base;
	uint32_t n;
};

void *ring_echo(void *p)
{
	auto *a = static_cast<RingEchoArg *>(p);
	rgb::pin_self(rgb::g_cpus[1]);
	rgb_rg_echo(a->req, a->resp, a->base, a->n);
	return nullptr;
}

void BM_e2e(benchmark::State &state)
{
	if (!rgb::pin_self(rgb::g_cpus[0])) {
		state.SkipWithError("cannot pin");
		return;
	}
	rgb_e2e *e = rgb_e2e_create(rgb::g_cpus[1]);
	if (e == nullptr) {
		state.SkipWithError("engine did not start");
		return;
	}
	auto *pp = static_cast<rgb_pingpong *>(aligned_alloc(128, sizeof(rgb_pingpong)));
	std::memset(pp, 0, sizeof(*pp));
	rgb_rg *req = rgb_rg_create(4096), *resp = rgb_rg_create(4096);
	if (req == nullptr || resp == nullptr) {
		state.SkipWithError("cannot create the bare rings");
		return;
	}
	double q = (double)rgb_tick_quantum;
	std::vector<uint32_t> rtt(kSamples), ring_rtt(kSamples), lat(kSamples);
	std::vector<double> e50, e99, pps, ratios, mops, strategy_cpu, journal_cpu, rings, ring_vs_pp, e2e_vs_ring;
	uint64_t base = 1, ring_base = 1, bad = 0;

	for (auto _ : state) {
		for (unsigned round = 0; round < kRounds; round++) {
			rgb_e2e_pause(e);
			EchoArg arg{pp, base, kSamples};
			pthread_t t;
			pthread_create(&t, nullptr, pp_echo, &arg);
			rgb_pp_initiate(pp, base, kSamples, rtt.data());
			pthread_join(t, nullptr);
			base += kSamples;
			RingEchoArg rarg{req, resp, ring_base, kSamples};
			pthread_create(&t, nullptr, ring_echo, &rarg);
			bad += rgb_rg_initiate(req, resp, ring_base, kSamples, ring_rtt.data());
			pthread_join(t, nullptr);
			ring_base += kSamples;
			rgb_e2e_resume(e);
			bad += rgb_e2e_latency(e, kSamples, lat.data());

			std::vector<uint32_t> ppb(rtt.begin() + kWarm, rtt.end()), eb(lat.begin() + kWarm, lat.end());
			std::vector<uint32_t> rb(ring_rtt.begin() + kWarm, ring_rtt.end());
			std::sort(ppb.begin(), ppb.end());
			std::sort(eb.begin(), eb.end());
			std::sort(rb.begin(), rb.end());
			double r50 = rgb_ticks_to_ns(rgb::percentile_stepped(rb, 0.50, q));
			double pp50 = rgb_ticks_to_ns(rgb::percentile_stepped(ppb, 0.50, q)) / 2;
			double p50 = rgb_ticks_to_ns(rgb::percentile_stepped(eb, 0.50, q));
			double p99 = rgb_ticks_to_ns(rgb::percentile_stepped(eb, 0.99, q));
			pps.push_back(pp50);
			e50.push_back(p50);
			e99.push_back(p99);
			ratios.push_back(p50 / pp50);
			rings.push_back(r50);
			ring_vs_pp.push_back(r50 / pp50);
			e2e_vs_ring.push_back(p50 / r50);
		}
		for (unsigned t = 0; t < kTputTrials; t++) {
			rgb_tput_cpu cpu{};
			uint64_t ticks = rgb_e2e_throughput(e, kTputOrders, &g_result.tput_rejected, &cpu);
			if (ticks == 0) {
				bad++;
				break;
			}
			mops.push_back((double)kTputOrders / rgb_ticks_to_ns((double)ticks) * 1e3);
			strategy_cpu.push_back((double)cpu.strategy_ns / kTputOrders);
			journal_cpu.push_back((double)cpu.journal_ns / kTputOrders);
		}
	}
	/* Monitoring: blocks of the latency loop with the exporter scraped
	 * every 100 ms and without, interleaved (on/off, then off/on, ...). */
	rgb_scrape *sc = rgb_scrape_start(RGB_EXPORTER_PATH, rgb_e2e_instance(e), rgb::g_cpus[0], kScrapeIntervalMs);
	std::vector<double> with_scrape, without;
	if (sc == nullptr) {
		bad++;
	} else {
		for (unsigned round = 0; round < kScrapeRounds; round++) {
			for (unsigned half = 0; half < 2; half++) {
				bool on = ((round + half) & 1) == 0;
				std::vector<uint32_t> block;
				rgb_scrape_set(sc, on);
				auto t0 = std::chrono::steady_clock::now();
				do {
					bad += rgb_e2e_latency(e, kSamples, lat.data());
					block.insert(block.end(), lat.begin() + kWarm, lat.end());
					/* A breath between chunks: the journal writer shares this
					 * core and must keep up, or orders meet AUDIT_BACKPRESSURE. */
					std::this_thread::sleep_for(std::chrono::milliseconds(5));
				} while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() <
					 kScrapeBlockS);
				std::sort(block.begin(), block.end());
				(on ? with_scrape : without).push_back(rgb_ticks_to_ns(rgb::percentile_stepped(block, 0.50, q)));
			}
		}
		rgb_scrape_set(sc, false);
		g_result.scrapes = (double)rgb_scrape_done(sc);
		if (rgb_scrape_done(sc) == 0 || rgb_scrape_failed(sc) != 0) {
			std::fprintf(stderr, "e2e_bench: %llu scrapes done, %llu failed\n",
				     (unsigned long long)rgb_scrape_done(sc), (unsigned long long)rgb_scrape_failed(sc));
			bad++;
		}
		rgb_scrape_stop(sc);
		double w = rgb::median(with_scrape), wo = rgb::median(without);
		g_result.exporter_overhead_pct = (w - wo) / wo * 100.0;
	}
	/* What one turn of the engine loop costs with nothing to do, and the
	 * clock read it makes: the floor an order waits on before it is seen. */
	rgb_e2e_pause(e);
	rgb_e2e_idle_passes(e, 100000); /* warm */
	g_result.idle_pass = rgb_ticks_to_ns((double)rgb_e2e_idle_passes(e, 1000000)) / 1e6;
	g_result.clock_read = rgb_ticks_to_ns((double)rgb_e2e_clock_reads(1000000, true)) / 1e6;
	g_result.clock_read_mono = rgb_ticks_to_ns((double)rgb_e2e_clock_reads(1000000, false)) / 1e6;
	rgb_e2e_destroy(e);
	rgb_rg_destroy(req);
	rgb_rg_destroy(resp);
	free(pp);
	g_result.e2e_p50 = rgb::median(e50);
	g_result.e2e_p99 = rgb::median(e99);
	g_result.pp = rgb::median(pps);
	g_result.ratio = rgb::median(ratios);
	g_result.mops = rgb::median(mops);
	g_result.tput_strategy_cpu_ns = rgb::median(strategy_cpu);
	g_result.tput_journal_cpu_ns = rgb::median(journal_cpu);
	g_result.ring_rt = rgb::median(rings);
	g_result.ring_vs_pp = rgb::median(ring_vs_pp);
	g_result.e2e_vs_ring = rgb::median(e2e_vs_ring);
	/* spin_sleep: wake-ups and the idle engine's CPU. */
	rgb_e2e *s = rgb_e2e_create_idle(rgb::g_cpus[1], "spin_sleep");
	if (s == nullptr) {
		bad++;
	} else {
		std::vector<uint32_t> wake(kWakeSamples);
		bad += rgb_e2e_wakeup(s, 20, kWakeGapUs, wake.data()); /* warm */
		bad += rgb_e2e_wakeup(s, kWakeSamples, kWakeGapUs, wake.data());
		std::sort(wake.begin(), wake.end());
		g_result.wake_p50 = rgb_ticks_to_ns(rgb::percentile_stepped(wake, 0.50, q));
		g_result.wake_p99 = rgb_ticks_to_ns(rgb::percentile_stepped(wake, 0.99, q));
		g_result.wake_vs_busy = g_result.wake_p50 / g_result.e2e_p50;
		uint64_t c0 = rgb_e2e_engine_cpu_ns(s);
		auto t0 = std::chrono::steady_clock::now();
		std::this_thread::sleep_for(std::chrono::seconds(1));
		double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e9;
		g_result.idle_cpu_pct = (double)(rgb_e2e_engine_cpu_ns(s) - c0) / wall * 100.0;
		rgb_e2e_destroy(s);
	}
	g_result.ok = bad == 0;
	state.counters["e2e_p50_ns"] = g_result.e2e_p50;
	state.counters["e2e_vs_pp"] = g_result.ratio;
	state.counters["tput_mops"] = g_result.mops;
	if (bad != 0)
		state.SkipWithError("orders were not accepted or decisions went missing");
}
BENCHMARK(BM_e2e)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_paced)->Name("e2e/paced")->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

bool summarize(rgb::Summary &s)
{
	s.add("pingpong_oneway_ns", g_result.pp, 1);
	s.add("e2e_oneway_p50_ns", g_result.e2e_p50, 1);
	s.add("e2e_oneway_p99_ns", g_result.e2e_p99, 1);
	s.add("e2e_p50_vs_pingpong", g_result.ratio, 3);
	s.add("engine_tput_mops", g_result.mops, 2);
	s.add("engine_tput_rejected", (double)g_result.tput_rejected, 0);
	s.add("engine_tput_strategy_cpu_ns", g_result.tput_strategy_cpu_ns, 1);
	s.add("engine_tput_journal_cpu_ns", g_result.tput_journal_cpu_ns, 1);
	/* Core 0's CPU per decided order; 10 M orders/s leaves it 100 ns. */
	s.add("engine_tput_core0_cpu_ns", g_result.tput_strategy_cpu_ns + g_result.tput_journal_cpu_ns, 1);
	s.add("ring_roundtrip_p50_ns", g_result.ring_rt, 1);
	s.add("ring_roundtrip_vs_pingpong", g_result.ring_vs_pp, 3);
	s.add("e2e_p50_vs_ring_roundtrip", g_result.e2e_vs_ring, 3);
	s.add("engine_idle_pass_ns", g_result.idle_pass, 1);
	s.add("clock_read_ns", g_result.clock_read, 1);
	s.add("clock_read_mono_ns", g_result.clock_read_mono, 1);
	s.add("e2e_exporter_overhead_pct", g_result.exporter_overhead_pct, 2);
	s.add("e2e_exporter_scrapes", g_result.scrapes, 0);
	s.add("e2e_wakeup_p50_ns", g_result.wake_p50, 1);
	s.add("e2e_wakeup_p99_ns", g_result.wake_p99, 1);
	s.add("e2e_wakeup_vs_busy_p50", g_result.wake_vs_busy, 2);
	s.add("idle_cpu_pct_spin_sleep", g_result.idle_cpu_pct, 2);
	if (g_result.paced) {
		s.add("paced_check_p50_ns", g_result.paced_check, 1);
		s.add("paced_e2e_p50_ns", g_result.paced_e2e, 1);
		s.add("paced_check_vs_hot", g_result.paced_vs_hot, 2);
		s.add("paced_200k_check_p50_ns", g_result.paced200_check, 1);
		s.add("paced_200k_e2e_p50_ns", g_result.paced200_e2e, 1);
		s.add("paced_strategy_e2e_p50_ns", g_result.paced_strategy, 1);
		s.add("hot_check_p50_ns", g_result.hot_check, 1);
		s.add("paced_200k_venue_full", g_result.paced200_venue_full, 0);
		s.add("paced_check_p50_nowarm_ns", g_result.nowarm_check, 1);
		s.add("paced_check_vs_hot_nowarm", g_result.nowarm_vs_hot, 2);
		s.add("paced_e2e_p50_nowarm_ns", g_result.nowarm_e2e, 1);
	}
	return g_result.ok && !g_result.paced_failed;
}

} // namespace

int main(int argc, char **argv)
{
	return rgb::run_main(argc, argv, "e2e_bench", summarize);
}
