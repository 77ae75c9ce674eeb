#!/usr/bin/env python3
"""A small market maker on riskgate's Python client: it rests a bid and an ask
around the symbol's reference price, moves them with replace (never cancel +
new), reads its own position to skew, and stops when riskgate says it may not
open risk.  python3 market_maker.py INSTANCE STRATEGY SYMBOL [REQUOTES]"""
import sys
from decimal import Decimal

import riskgate


def run(instance, strategy, symbol, requotes=20, size=Decimal("1"), half_spread_ticks=50):
    stats = {"replaced": 0, "rejected": 0, "fills": 0, "reasons": []}
    with riskgate.Session(instance, strategy) as s:
        sym = s.symbol(symbol)
        live = {}    # side -> the quote's client order id
        quoted = {}  # side -> its price
        prev = {}    # a replace on its way -> the id it replaces (still the quote's if it is refused)
        done = set()  # ids filled in full
        for n in range(requotes):
            s.heartbeat()
            if not s.trading()["may_open"]:
                break
            ref = s.symbol_state(symbol)["reference"] or Decimal("190")
            skew = -s.position(symbol)["position"] * sym.tick  # lean against what it holds
            quotes = {"BUY": ref - half_spread_ticks * sym.tick + skew - n % 3 * sym.tick,
                      "SELL": ref + half_spread_ticks * sym.tick + skew + n % 3 * sym.tick}
            waiting = set()
            for side, px in quotes.items():
                rounding = riskgate.DOWN if side == "BUY" else riskgate.UP
                px = riskgate.from_e8(s.price_e8(symbol, px, rounding))
                if quoted.get(side) == px and side in live:
                    continue  # unchanged: a replace would be refused REPLACE_NO_CHANGE
                quoted[side] = px
                if side in live:
                    new = s.replace(live[side], symbol, side, size, px, rounding=rounding)
                    prev[new] = live[side]
                else:
                    new = s.submit(symbol, side, size, px, rounding=rounding)
                live[side] = new
                waiting.add(new)
            for r in s.reports(timeout=30.0):
                side = next((k for k, v in live.items() if v == r.client_order_id), None)
                if r.kind == "REPLACED":
                    stats["replaced"] += 1
                    prev.pop(r.client_order_id, None)
                elif r.kind == "FILL":
                    stats["fills"] += 1
                    if r.leaves == 0:
                        done.add(r.client_order_id)
                        if side is not None:
                            del live[side]
                elif r.kind in ("REJECTED", "VENUE_REJECT", "REPLACE_REJECTED"):
                    # REPLACE_REJECTED: the quote filled (or ended) before its replace reached the venue
                    stats["rejected"] += r.kind == "REJECTED"
                    stats["reasons"].append(r.reason or r.kind)
                    old = prev.pop(r.client_order_id, None)
                    if side is not None:
                        if old is not None and old not in done:
                            live[side] = old
                        else:
                            del live[side]
                        quoted.pop(side, None)
                if r.kind in ("VENUE_ACK", "REPLACED", "REPLACE_REJECTED", "REJECTED", "VENUE_REJECT") or (
                        r.kind == "FILL" and r.leaves == 0):
                    waiting.discard(r.client_order_id)
                if not waiting:
                    break
        for side, oid in live.items():
            s.cancel(oid, symbol)
        for r in s.reports(timeout=0.5):
            pass
    return stats


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    print(run(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 20))
