// ring_bench: latency and throughput of riskgate's SPSC ring (shm/ring.h)
// against the machine's floor and against Concurrency Kit's ck_ring, with two
// threads pinned to two cores.
//
// On a VM whose core-to-core latency drifts, figures taken at different
// times cannot be compared, so each benchmark interleaves what it compares:
//   ring/latency     300 rounds; a round is one block of 5000 round trips
//                    per transport (cache-line ping-pong, line stream,
//                    rg_ring pair, ck_ring pair; see ring_loops.h), the
//                    order rotating each round.  One-way = round trip / 2
//                    per sample; each block gives its p50 and p99.
//   ring/throughput  21 trials; a trial sends 4M messages through rg_ring
//                    one per call, ck_ring one per call, and rg_ring in
//                    bursts of 32, the order rotating each trial.
// Every figure is the median over rounds (trials) of that round's (trial's)
// value, and every ratio (ring_*_vs_*) the median of the ratios within one
// round (trial), whose parts ran milliseconds apart.  The VM of
// docs/benchmarks.md moves between states for seconds at a time (one-way
// ~30, ~55-60 or ~250 ns); pooling all samples of a run that crossed states
// would mix distributions, while a round almost always sits in one state.
// A ratio can therefore differ a little from the quotient of two figures.
// The timed loops are in ring_loops.c.
//
// Flags besides harness.h's: --rg_capacity=N  slots per ring (default 4096)
//                             --rg_verbose=1   per-round and per-trial figures
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "harness.h"
#include "ring_loops.h"

namespace {

unsigned g_capacity = 4096;          // slots per ring: the ring demo's session default
bool g_verbose = false;              // --rg_verbose=1: each round's and trial's figures on stderr
constexpr unsigned kBurst = 32;      // messages per burst call
// ring/latency: kRounds x (kWarm + kSamples) round trips per transport; the
// first kWarm of each block absorb the hand-over and are dropped.
constexpr uint32_t kRounds = 300;
constexpr uint32_t kWarm = 200;
constexpr uint32_t kSamples = 5000;
// ring/throughput: kTrials (plus one discarded warm-up) of kMessages each.
constexpr int kTrials = 21;
constexpr uint64_t kMessages = 4000000;

enum LatKind { kPp, kLines, kRgLat, kCkLat, kNumLat };
enum TputKind { kRgOne, kCkOne, kRgBurst, kNumTput };

// Everything the two threads share, allocated once per benchmark.
struct Lab {
	rgb_pingpong *pp = nullptr;
	rgb_lines *lines = nullptr;
	rgb_rg *rg_req = nullptr, *rg_resp = nullptr, *rg_tput = nullptr;
	rgb_ck *ck_req = nullptr, *ck_resp = nullptr, *ck_tput = nullptr;

	Lab()
	{
		pp = static_cast<rgb_pingpong *>(std::aligned_alloc(4096, 4096));
		if (pp != nullptr)
			std::memset(static_cast<void *>(pp), 0, 4096);
		lines = rgb_lines_create(g_capacity);
		rg_req = rgb_rg_create(g_capacity);
		rg_resp = rgb_rg_create(g_capacity);
		rg_tput = rgb_rg_create(g_capacity);
		ck_req = rgb_ck_create(g_capacity);
		ck_resp = rgb_ck_create(g_capacity);
		ck_tput = rgb_ck_create(g_capacity);
	}
	~Lab()
	{
		std::free(pp);
		rgb_lines_destroy(lines);
		rgb_rg_destroy(rg_req);
		rgb_rg_destroy(rg_resp);
		rgb_rg_destroy(rg_tput);
		rgb_ck_destroy(ck_req);
		rgb_ck_destroy(ck_resp);
		rgb_ck_destroy(ck_tput);
	}
	Lab(const Lab &) = delete;
	Lab &operator=(const Lab &) = delete;
	bool ok() const { return pp && lines && rg_req && rg_resp && rg_tput && ck_req && ck_resp && ck_tput; }
};

enum class Op : uint32_t { kExit, kPpEcho, kLinesEcho, kRgEcho, kCkEcho, kRgConsume, kRgConsumeBurst, kCkConsume };

// The second thread, pinned to g_cpus[1]: takes one command at a time from
// its mailbox line, runs it, answers on its reply line.
class Partner {
public:
	explicit Partner(Lab &lab) : lab_(lab), thread_([this] { run(); })
	{
		RGB_SPIN_UNTIL(state_.load(std::memory_order_acquire) != 0, "partner start");
	}
	~Partner()
	{
		post(Op::kExit, 0, 0);
		thread_.join();
	}
	Partner(const Partner &) = delete;
	Partner &operator=(const Partner &) = delete;

	bool pinned() const { return state_.load(std::memory_order_acquire) == 1; }

	void post(Op op, uint64_t base, uint64_t n)
	{
		mbox_.op = op;
		mbox_.base = base;
		mbox_.n = n;
		// Pairs with the acquire load of mbox_.gen in run().
		mbox_.gen.store(++gen_, std::memory_order_release);
	}

	// Waits for the last command to finish; returns its error count.
	uint64_t wait()
	{
		// Pairs with the release store of reply_.gen in run().
		RGB_SPIN_UNTIL(reply_.gen.load(std::memory_order_acquire) == gen_, "partner reply");
		return reply_.errors;
	}

private:
	void run()
	{
		// Pairs with the acquire loads of state_ in the constructor and pinned().
		state_.store(rgb::pin_self(rgb::g_cpus[1]) ? 1 : 2, std::memory_order_release);
		for (uint64_t seen = 0;;) {
			// Pairs with the release store of mbox_.gen in post().
			RGB_SPIN_UNTIL(mbox_.gen.load(std::memory_order_acquire) != seen, "partner command");
			seen = mbox_.gen.load(std::memory_order_relaxed);
			uint64_t base = mbox_.base, n = mbox_.n, errors = 0;
			switch (mbox_.op) {
			case Op::kExit:
				return;
			case Op::kPpEcho:
				rgb_pp_echo(lab_.pp, base, (uint32_t)n);
				break;
			case Op::kLinesEcho:
				rgb_lines_echo(lab_.lines, base, (uint32_t)n);
				break;
			case Op::kRgEcho:
				errors = rgb_rg_echo(lab_.rg_req, lab_.rg_resp, base, (uint32_t)n);
				break;
			case Op::kCkEcho:
				errors = rgb_ck_echo(lab_.ck_req, lab_.ck_resp, base, (uint32_t)n);
				break;
			case Op::kRgConsume:
				errors = rgb_rg_consume(lab_.rg_tput, base, n);
				break;
			case Op::kRgConsumeBurst:
				errors = rgb_rg_consume_burst(lab_.rg_tput, base, n, kBurst);
				break;
			case Op::kCkConsume:
				errors = rgb_ck_consume(lab_.ck_tput, base, n);
				break;
			}
			reply_.errors = errors;
			// Pairs with the acquire load of reply_.gen in wait().
			reply_.gen.store(seen, std::memory_order_release);
		}
	}

	struct alignas(128) Mailbox {  // written by the benchmark thread
		std::atomic<uint64_t> gen{0};
		Op op = Op::kExit;
		uint64_t base = 0, n = 0;
	};
	struct alignas(128) Reply {  // written by the partner
		std::atomic<uint64_t> gen{0};
		uint64_t errors = 0;
	};

	Mailbox mbox_;
	Reply reply_;
	uint64_t gen_ = 0;           // benchmark thread's count of posts
	std::atomic<int> state_{0};  // 0 starting, 1 pinned, 2 could not pin
	Lab &lab_;
	std::thread thread_;         // last: starts once the rest is built
};

struct Latency {
	double p50_ns[kNumLat], p99_ns[kNumLat];  // one-way, medians over rounds, by LatKind
	double rg_p50_vs_pp, rg_p99_vs_pp;        // medians of the per-round ratios
	double rg_p50_vs_lines;
};

struct Throughput {
	double mops[kNumTput];                    // median trial, by TputKind
	double rg_vs_ck, burst_vs_ck;             // medians of the per-trial ratios
};

std::optional<Latency> g_latency;
std::optional<Throughput> g_throughput;
bool g_failed = false;

// Pins this thread and checks the lab and the partner; false (and the
// benchmark marked as failed) when any of it is impossible.
bool setup(benchmark::State &st, Lab &lab, Partner &partner)
{
	if (!lab.ok())
		st.SkipWithError("cannot allocate the rings");
	else if (!rgb::pin_self(rgb::g_cpus[0]) || !partner.pinned())
		st.SkipWithError("cannot pin the two threads");
	else
		return true;
	g_failed = true;
	return false;
}

void BM_latency(benchmark::State &st)
{
	Lab lab;
	Partner partner(lab);
	if (!setup(st, lab, partner))
		return;

	const uint32_t n = kWarm + kSamples;
	const double q = (double)rgb_tick_quantum;
	std::vector<uint32_t> rtt(n), block;
	std::vector<double> p50s[kNumLat], p99s[kNumLat];  // one-way ns, per round
	std::vector<double> p50_vs_pp, p99_vs_pp, p50_vs_lines;
	uint64_t base[kNumLat] = {1, 1, 1, 1}, errors = 0;

	for (auto _ : st) {
		for (uint32_t round = 0; round < kRounds; round++) {
			double p50[kNumLat], p99[kNumLat];
			for (int j = 0; j < kNumLat; j++) {
				int k = (int)((round + j) % kNumLat);
				switch (k) {
				case kPp:
					partner.post(Op::kPpEcho, base[k], n);
					rgb_pp_initiate(lab.pp, base[k], n, rtt.data());
					break;
				case kLines:
					partner.post(Op::kLinesEcho, base[k], n);
					rgb_lines_initiate(lab.lines, base[k], n, rtt.data());
					break;
				case kRgLat:
					partner.post(Op::kRgEcho, base[k], n);
					errors += rgb_rg_initiate(lab.rg_req, lab.rg_resp, base[k], n, rtt.data());
					break;
				case kCkLat:
					partner.post(Op::kCkEcho, base[k], n);
					errors += rgb_ck_initiate(lab.ck_req, lab.ck_resp, base[k], n, rtt.data());
					break;
				}
				errors += partner.wait();
				base[k] += n;
				block.assign(rtt.begin() + kWarm, rtt.end());
				std::sort(block.begin(), block.end());
				p50[k] = rgb_ticks_to_ns(rgb::percentile_stepped(block, 0.50, q)) / 2;
				p99[k] = rgb_ticks_to_ns(rgb::percentile_stepped(block, 0.99, q)) / 2;
				p50s[k].push_back(p50[k]);
				p99s[k].push_back(p99[k]);
			}
			if (g_verbose)
				std::fprintf(stderr, "latency round %u one-way p50/p99 ns: pp %.1f/%.1f lines %.1f/%.1f "
					     "rg %.1f/%.1f ck %.1f/%.1f\n", round, p50[kPp], p99[kPp], p50[kLines],
					     p99[kLines], p50[kRgLat], p99[kRgLat], p50[kCkLat], p99[kCkLat]);
			p50_vs_pp.push_back(p50[kRgLat] / p50[kPp]);
			p99_vs_pp.push_back(p99[kRgLat] / p99[kPp]);
			p50_vs_lines.push_back(p50[kRgLat] / p50[kLines]);
		}
	}
	if (errors != 0) {
		st.SkipWithError("messages arrived out of order");
		g_failed = true;
		return;
	}

	Latency lat{};
	const char *names[kNumLat] = {"pp", "lines", "rg", "ck"};
	for (int k = 0; k < kNumLat; k++) {
		lat.p50_ns[k] = rgb::median(p50s[k]);
		lat.p99_ns[k] = rgb::median(p99s[k]);
		st.counters[std::string(names[k]) + "_p50_ns"] = lat.p50_ns[k];
		st.counters[std::string(names[k]) + "_p99_ns"] = lat.p99_ns[k];
	}
	lat.rg_p50_vs_pp = rgb::median(p50_vs_pp);
	lat.rg_p99_vs_pp = rgb::median(p99_vs_pp);
	lat.rg_p50_vs_lines = rgb::median(p50_vs_lines);
	st.counters["rg_p50_vs_pp"] = lat.rg_p50_vs_pp;
	st.counters["rg_p99_vs_pp"] = lat.rg_p99_vs_pp;
	st.counters["samples"] = (double)kRounds * kSamples;
	g_latency = lat;
}

void BM_throughput(benchmark::State &st)
{
	Lab lab;
	Partner partner(lab);
	if (!setup(st, lab, partner))
		return;

	std::vector<double> mops[kNumTput], rg_vs_ck, burst_vs_ck;
	uint64_t base = 1, errors = 0;

	for (auto _ : st) {
		for (int trial = -1; trial < kTrials; trial++) {
			for (int j = 0; j < kNumTput; j++) {
				int k = (trial + 1 + j) % kNumTput;
				uint64_t t0 = rgb_ticks();
				switch (k) {
				case kRgOne:
					partner.post(Op::kRgConsume, base, kMessages);
					rgb_rg_produce(lab.rg_tput, base, kMessages);
					break;
				case kCkOne:
					partner.post(Op::kCkConsume, base, kMessages);
					rgb_ck_produce(lab.ck_tput, base, kMessages);
					break;
				case kRgBurst:
					partner.post(Op::kRgConsumeBurst, base, kMessages);
					rgb_rg_produce_burst(lab.rg_tput, base, kMessages, kBurst);
					break;
				}
				errors += partner.wait();
				uint64_t t1 = rgb_ticks();
				base += kMessages;
				if (trial >= 0)
					mops[k].push_back((double)kMessages * 1e3 / rgb_ticks_to_ns((double)(t1 - t0)));
			}
			if (g_verbose)
				std::fprintf(stderr, "throughput trial %d Mops: rg %.2f ck %.2f rg_burst %.2f\n", trial,
					     mops[kRgOne].empty() ? 0 : mops[kRgOne].back(),
					     mops[kCkOne].empty() ? 0 : mops[kCkOne].back(),
					     mops[kRgBurst].empty() ? 0 : mops[kRgBurst].back());
			if (trial >= 0) {
				rg_vs_ck.push_back(mops[kRgOne].back() / mops[kCkOne].back());
				burst_vs_ck.push_back(mops[kRgBurst].back() / mops[kCkOne].back());
			}
		}
	}
	if (errors != 0) {
		st.SkipWithError("messages arrived out of order");
		g_failed = true;
		return;
	}

	Throughput tp{};
	const char *names[kNumTput] = {"rg", "ck", "rg_burst"};
	for (int k = 0; k < kNumTput; k++) {
		tp.mops[k] = rgb::median(mops[k]);
		st.counters[std::string(names[k]) + "_mops"] = tp.mops[k];
		st.counters[std::string(names[k]) + "_min"] = *std::min_element(mops[k].begin(), mops[k].end());
		st.counters[std::string(names[k]) + "_max"] = *std::max_element(mops[k].begin(), mops[k].end());
	}
	tp.rg_vs_ck = rgb::median(rg_vs_ck);
	tp.burst_vs_ck = rgb::median(burst_vs_ck);
	st.counters["rg_vs_ck"] = tp.rg_vs_ck;
	st.counters["burst_vs_ck"] = tp.burst_vs_ck;
	g_throughput = tp;
}

BENCHMARK(BM_latency)->Name("ring/latency")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_throughput)->Name("ring/throughput")->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

bool summarize(rgb::Summary &s)
{
	if (g_latency) {
		const Latency &l = *g_latency;
		s.add("pingpong_oneway_ns", l.p50_ns[kPp], 1);
		s.add("pingpong_oneway_p99_ns", l.p99_ns[kPp], 1);
		s.add("linestream_oneway_ns", l.p50_ns[kLines], 1);
		s.add("ring_oneway_p50_ns", l.p50_ns[kRgLat], 1);
		s.add("ring_oneway_p99_ns", l.p99_ns[kRgLat], 1);
		s.add("ring_p50_vs_pingpong", l.rg_p50_vs_pp, 3);
		s.add("ring_p99_vs_pingpong", l.rg_p99_vs_pp, 3);
		s.add("ring_p50_vs_linestream", l.rg_p50_vs_lines, 3);
		s.add("ck_ring_oneway_p50_ns", l.p50_ns[kCkLat], 1);
		s.add("ck_ring_oneway_p99_ns", l.p99_ns[kCkLat], 1);
	}
	if (g_throughput) {
		const Throughput &t = *g_throughput;
		s.add("ring_tput_mops", t.mops[kRgOne], 2);
		s.add("ring_burst_tput_mops", t.mops[kRgBurst], 2);
		s.add("ck_ring_tput_mops", t.mops[kCkOne], 2);
		s.add("ring_tput_vs_ck", t.rg_vs_ck, 3);
		s.add("ring_burst_tput_vs_ck", t.burst_vs_ck, 3);
	}
	return !g_failed;
}

} // namespace

int main(int argc, char **argv)
{
	std::string cap = rgb::take_flag(&argc, argv, "rg_capacity");
	if (!cap.empty()) {
		char *end;
		unsigned long c = std::strtoul(cap.c_str(), &end, 10);
		if (*end != '\0' || c < 2 || c > (1u << 24) || (c & (c - 1)) != 0) {
			std::fprintf(stderr, "ring_bench: --rg_capacity wants a power of two in [2, 2^24]\n");
			return 1;
		}
		g_capacity = (unsigned)c;
	}
	g_verbose = rgb::take_flag(&argc, argv, "rg_verbose") == "1";
	return rgb::run_main(argc, argv, "ring_bench", summarize);
}
