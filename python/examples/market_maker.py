#!/usr/bin/env python3
"""A small market maker on riskgate's Python client: it rests a bid and an ask
around the symbol's reference price, moves them with replace (never cancel +
new), reads its own position to skew, and stops when riskgate says it may not
open risk.  python3 market_maker.py INSTANCE STRATEGY SYMBOL [REQUOTES]"""
import sys
from decimal import Decimal

import riskgate


def run(instance, strategy, symbol, requotes=20, size=Decimal("1"), half_spread_ticks=50):
    stats = {"replaced": 0, "rejected": 0, "fills": 0}
    with riskgate.Session(instance, strategy) as s:
        sym = s.symbol(symbol)
        live = {}  # side -> current client order id
        for n in range(requotes):
            s.heartbeat()
            if not s.trading()["may_open"]:
                break
            ref = s.position(symbol)["reference"] or Decimal("190")  # before its first order it has none published
            skew = -s.position(symbol)["position"] * sym.tick  # lean against what it holds
            quotes = {"BUY": ref - half_spread_ticks * sym.tick + skew - n % 3 * sym.tick,
                      "SELL": ref + half_spread_ticks * sym.tick + skew + n % 3 * sym.tick}
            for side, px in quotes.items():
                rounding = riskgate.DOWN if side == "BUY" else riskgate.UP
                if side in live:
                    live[side] = s.replace(live[side], symbol, side, size, px, rounding=rounding)
                else:
                    live[side] = s.submit(symbol, side, size, px, rounding=rounding)
            pending = set(live.values())
            for r in s.reports(timeout=2.0):
                if r.kind in ("REPLACED", "VENUE_ACK"):
                    stats["replaced"] += r.kind == "REPLACED"
                    pending.discard(r.client_order_id)
                elif r.kind == "FILL":
                    stats["fills"] += 1
                    pending.discard(r.client_order_id)
                    if r.leaves == 0:
                        live = {k: v for k, v in live.items() if v != r.client_order_id}
                elif r.kind in ("REJECTED", "REPLACE_REJECTED", "VENUE_REJECT"):
                    stats["rejected"] += 1
                    pending.discard(r.client_order_id)
                    live = {k: v for k, v in live.items() if v != r.client_order_id}
                if not pending:
                    break
        for side, oid in live.items():
            s.cancel(oid, symbol)
        for r in s.reports(timeout=1.0):
            pass
    return stats


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    print(run(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 20))
