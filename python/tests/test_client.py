"""The Python client against a real engine: orders with Decimal prices, replace
and cancel, reject reasons, the strategy's own state, the decimal helpers."""
import errno
import time
from decimal import Decimal

import pytest

import riskgate
from riskgate._ffi import ffi, lib

from conftest import wait_for


def test_the_declarations_match_the_library():
    assert lib.rg_client_abi_version() == 4
    assert ffi.sizeof("struct rg_order") == 56 and ffi.sizeof("struct rg_report") == 56
    assert ffi.sizeof("struct rg_symbol_entry") == 64


def test_decimals_are_exact():
    assert riskgate.to_e8(Decimal("187.25")) == 18725000000
    assert riskgate.to_e8("-0.00000001") == -1
    assert riskgate.from_e8(18725000000) == Decimal("187.25")
    with pytest.raises(ValueError):
        riskgate.to_e8(Decimal("0.000000001"))
    assert riskgate.to_e8(Decimal("0.000000015"), riskgate.NEAREST) == 2
    with pytest.raises(OverflowError):
        riskgate.to_e8(Decimal("1e20"))


def test_no_such_instance_is_a_clear_error():
    with pytest.raises(riskgate.Error) as e:
        riskgate.Session("no-such-instance-py", "alpha")
    assert e.value.errno == errno.ENOENT
    assert "no-such-instance-py" in str(e.value)


def test_symbols_come_with_tick_and_lot(session):
    s = session.symbol("AAPL")
    assert s.tick == Decimal("0.01") and s.lot == Decimal("1")
    with pytest.raises(KeyError):
        session.symbol("NOPE")


def test_off_tick_prices_are_refused_or_rounded_as_asked(session):
    with pytest.raises(ValueError, match="not a multiple"):
        session.price_e8("AAPL", Decimal("187.253"))
    assert session.price_e8("AAPL", Decimal("187.253"), riskgate.DOWN) == 18725000000
    assert session.price_e8("AAPL", Decimal("187.253"), riskgate.UP) == 18726000000


def test_a_resting_order_is_replaced_then_cancelled(session):
    oid = session.buy("AAPL", Decimal("10"), Decimal("185.00"))
    assert wait_for(session, "ACCEPTED", oid).engine_seq > 0
    wait_for(session, "VENUE_ACK", oid)
    rid = session.replace(oid, "AAPL", "BUY", Decimal("6"), Decimal("185.50"))
    r = wait_for(session, "REPLACED", rid)
    assert (r.leaves, r.price) == (Decimal("6"), Decimal("185.50"))
    # The engine refreshes the state view on its heartbeat, not per report.
    deadline = time.monotonic() + 30.0
    while session.position("AAPL")["open_buy"] < Decimal("6") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.position("AAPL")["open_buy"] >= Decimal("6")
    cid = session.cancel(rid, "AAPL")
    wait_for(session, "ACCEPTED", cid)
    wait_for(session, "CANCELLED", rid)


def test_a_replace_of_an_unknown_order_is_rejected_with_its_reason(session):
    rid = session.replace(12345, "AAPL", "BUY", Decimal("1"), Decimal("180"))
    assert wait_for(session, "REJECTED", rid).reason == "UNKNOWN_ORDER"


def test_a_fill_moves_the_strategys_own_state(session):
    before = session.account()
    oid = session.buy("AAPL", Decimal("2"), Decimal("195.00"), tif="IOC")
    f = wait_for(session, "FILL", oid)
    assert f.qty == Decimal("2") and f.leaves == 0
    # The account is published on the fill; poll its state for it (an event, not a sleep).
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        a = session.account()
        if a["orders_today"] > before["orders_today"]:
            break
    assert a["orders_today"] == before["orders_today"] + 1
    assert a["state"] == "ACTIVE"
    t = session.trading()
    assert t["may_open"] and not t["strategy_kill"]
    m = session.symbol_state("AAPL")
    assert m["reference"] is not None and m["max_order_qty"] == Decimal("5000")
    lo, hi = m["collar"]
    assert lo < m["reference"] < hi
    room = session.room("AAPL")
    assert room["order_qty"] == Decimal("5000") and 0 < room["buy"] <= m["max_position_qty"]
    assert room["order_tokens"] > 0


def test_reports_left_by_an_abandoned_iteration_come_next(session):
    oid = session.buy("AAPL", Decimal("1"), Decimal("185.00"))
    # ACCEPTED and VENUE_ACK may come in one read of the ring: stopping at the first keeps the second.
    assert wait_for(session, "ACCEPTED", oid)
    assert wait_for(session, "VENUE_ACK", oid)
    session.cancel(oid, "AAPL")
    wait_for(session, "CANCELLED", oid)


def test_a_limit_breach_names_its_reason(session):
    oid = session.buy("AAPL", Decimal("6000"), Decimal("180"))
    r = wait_for(session, "REJECTED", oid)
    assert r.reason == "MAX_ORDER_QTY" and r.limit == 5000 * 10**8


def decisions(session, ids, timeout=30.0):
    """The ACCEPTED/REJECTED reports of `ids`, in the order they came."""
    got = []
    for r in session.reports(timeout=timeout):
        if r.client_order_id in ids and r.kind in ("ACCEPTED", "REJECTED"):
            got.append(r)
            if len(got) == len(ids):
                return got
    raise AssertionError(f"decisions for {len(got)} of {len(ids)} orders")


def test_a_burst_is_decided_in_order(session):
    ids = session.submit_many([("AAPL", "BUY", Decimal("1"), Decimal("185.00"), "IOC")] * 3 +
                              [{"symbol": "AAPL", "side": "BUY", "qty": "6000", "price": "180"},
                               ("AAPL", "SELL", 1, "195.00", "IOC")])
    assert len(ids) == 5 and ids == sorted(ids)
    got = decisions(session, ids)
    assert [r.client_order_id for r in got] == ids
    assert [r.kind for r in got] == ["ACCEPTED"] * 3 + ["REJECTED", "ACCEPTED"]
    assert got[3].reason == "MAX_ORDER_QTY"


def test_a_bad_order_in_a_burst_writes_none(session):
    with pytest.raises(ValueError, match="not a multiple"):
        session.submit_many([("AAPL", "BUY", 1, "185.00", "IOC"), ("AAPL", "BUY", 1, "185.003", "IOC")])
    # Orders are decided in ring order: had the first gone in, its decision would come before this one's.
    oid = session.buy("AAPL", Decimal("1"), Decimal("185.00"), tif="IOC")
    for r in session.reports(timeout=30.0):
        assert r.client_order_id == oid or r.kind not in ("ACCEPTED", "REJECTED"), r
        if r.client_order_id == oid and r.kind == "ACCEPTED":
            break
    else:
        raise AssertionError("no decision for the order after the bad burst")


def test_the_example_strategy_runs(instance):
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "examples", "market_maker.py")
    spec = importlib.util.spec_from_file_location("market_maker", path)
    mm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mm)
    stats = mm.run(instance, "alpha", "AAPL", requotes=5)
    assert stats["replaced"] >= 1 and stats["rejected"] == 0, stats
