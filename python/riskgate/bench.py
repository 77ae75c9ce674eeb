"""Submit-to-decision from Python, for bench/run python (bench/python_bench.cc
starts the engine and compares with C in the same run):

    python3 -m riskgate.bench INSTANCE STRATEGY SYMBOL PRICE COUNT [CPU]

Sends COUNT orders (1 SYMBOL at PRICE, IOC; a Decimal price converted by the
library as a strategy would), one at a time, each timed from before
Session.submit to the Report of its decision read by Session.poll, and prints
`p50_us=... p99_us=... n=...`."""
import os
import sys
import time
from decimal import Decimal

import riskgate


def main(argv):
    instance, strategy, symbol, price, count = argv[1], argv[2], argv[3], Decimal(argv[4]), int(argv[5])
    if len(argv) > 6:
        os.sched_setaffinity(0, {int(argv[6])})
    samples = []
    with riskgate.Session(instance, strategy) as s:
        one = Decimal(1)
        for i in range(200 + count):
            t0 = time.perf_counter_ns()
            oid = s.submit(symbol, "BUY", one, price, tif="IOC")
            done = False
            while not done:
                for r in s.poll():
                    if r.client_order_id == oid and r.kind in ("ACCEPTED", "REJECTED"):
                        if r.kind == "REJECTED":
                            sys.exit(f"riskgate.bench: order rejected {r.reason}")
                        done = True
            t1 = time.perf_counter_ns()
            if i >= 200:
                samples.append(t1 - t0)
            if i % 64 == 0:
                s.heartbeat()
    samples.sort()
    p50 = samples[len(samples) // 2] / 1000.0
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] / 1000.0
    print(f"p50_us={p50:.2f} p99_us={p99:.2f} n={len(samples)}")


if __name__ == "__main__":
    main(sys.argv)
