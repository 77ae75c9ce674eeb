"""riskgate for Python strategies: a thin, idiomatic layer over libriskgate-client.so.

    from decimal import Decimal
    import riskgate

    with riskgate.Session("demo", "alpha") as s:
        oid = s.buy("AAPL", Decimal("10"), Decimal("187.25"))
        for r in s.reports(timeout=1.0):
            print(r.kind, r.client_order_id, r.reason)

Prices and quantities are decimal.Decimal (or str / int) on the way in and
Decimal on the way out; they travel as riskgate's fixed point (_e8) and are
converted exactly by the library (shm/decimal.h).  A price not on the
symbol's tick (a quantity not on its lot) raises ValueError unless a
rounding direction is given: rounding=riskgate.DOWN, UP, TOWARD_ZERO or
NEAREST.  Nothing here blocks except reports(timeout=...), which polls.
docs/client.md "Python".
"""

import collections as _collections
import errno as _errno
import os as _os
import time as _time
from decimal import Decimal

from ._ffi import ffi, lib

__all__ = ["Session", "Report", "Error", "RingFull", "EXACT", "DOWN", "UP", "TOWARD_ZERO", "NEAREST",
           "to_e8", "from_e8"]

EXACT, DOWN, UP, TOWARD_ZERO, NEAREST = 0, 1, 2, 3, 4

_SIDES = {"BUY": 1, "SELL": 2}
_TIFS = {"DAY": 1, "IOC": 2, "FOK": 3, "GTC": 4}
_STATES = {0: "ACTIVE", 1: "REDUCING", 2: "HALTED"}
_E8 = Decimal(100000000)


class Error(OSError):
    """A call of the client failed: errno says how (ENOENT, EACCES, EBUSY, ...)."""


class RingFull(BlockingIOError):
    """The order ring is full: nothing was written; retry after reading reports."""


def _text(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, str)):
        return str(value)
    raise TypeError(f"riskgate: a price or quantity is a Decimal, int or str, not {type(value).__name__}")


def to_e8(value, rounding=EXACT):
    """A Decimal (int, str) as riskgate's fixed point, exactly (ValueError when it has more
    than 8 decimals and rounding is EXACT, OverflowError when it does not fit)."""
    out = ffi.new("int64_t *")
    rc = lib.rg_decimal_parse_e8(_text(value).encode(), rounding, out)
    if rc == -_errno.ERANGE:
        raise OverflowError(f"riskgate: {value} does not fit riskgate's fixed point")
    if rc != 0:
        raise ValueError(f"riskgate: {value} is not a decimal riskgate can take exactly ({_os.strerror(-rc)})")
    return out[0]


def from_e8(e8):
    """riskgate's fixed point as a Decimal (exact)."""
    return Decimal(int(e8)) / _E8


class Report:
    """One report of the engine (docs/client.md "Reports")."""

    __slots__ = ("kind", "client_order_id", "engine_seq", "report_seq", "symbol_id", "reason", "limit", "value",
                 "qty", "price", "leaves", "replayed")

    def __init__(self, r):
        self.kind = ffi.string(lib.rg_report_kind_str(r.kind)).decode()
        self.client_order_id = r.client_order_id
        self.engine_seq = r.engine_seq
        self.report_seq = r.report_seq
        self.symbol_id = r.symbol_id
        self.replayed = bool(r.flags & 1)
        self.reason = ffi.string(lib.rg_reject_str(r.reason)).decode() if r.kind == 2 else None
        self.limit = self.value = self.qty = self.price = self.leaves = None
        if r.kind in (4, 8):  # FILL, REPLACED
            self.qty, self.price, self.leaves = from_e8(r.fill.qty_e8), from_e8(r.fill.price_e8), from_e8(r.fill.leaves_e8)
        elif r.kind in (2, 6, 9):  # REJECTED, VENUE_REJECT, REPLACE_REJECTED
            self.limit, self.value = r.reject.limit, r.reject.value

    def __repr__(self):
        extra = f" {self.reason}" if self.reason else ""
        if self.qty is not None:
            extra = f" qty={self.qty} price={self.price} leaves={self.leaves}"
        return f"<Report {self.kind} #{self.client_order_id}{extra}>"


class Symbol:
    __slots__ = ("id", "name", "tick", "lot", "min_qty", "enabled")

    def __init__(self, e):
        self.id = e.id
        self.name = ffi.string(e.name).decode()
        self.tick, self.lot, self.min_qty = from_e8(e.tick_e8), from_e8(e.lot_e8), from_e8(e.min_qty_e8)
        self.enabled = bool(e.enabled)

    def __repr__(self):
        return f"<Symbol {self.name} tick={self.tick} lot={self.lot}>"


class Session:
    """The strategy's session with a riskgate engine (one thread at a time)."""

    def __init__(self, instance, strategy, next_id=None):
        self._c = lib.rg_client_new()
        if self._c == ffi.NULL:
            raise MemoryError("riskgate: no memory for a client")
        err = ffi.new("char[256]")
        rc = lib.rg_client_open(self._c, instance.encode(), strategy.encode(), err, 256)
        if rc != 0:
            lib.rg_client_free(self._c)
            self._c = None
            raise Error(-rc, ffi.string(err).decode())
        self._symbols = {}
        self._order = ffi.new("struct rg_order *")
        self._reports = ffi.new("struct rg_report[64]")
        self._unread = _collections.deque()  # reports read from the ring and not yet handed out
        # Ids unique across restarts of the strategy: microseconds since the epoch, then counting.
        self._next_id = next_id if next_id is not None else _time.time_ns() // 1000

    # ---- lifecycle ------------------------------------------------------------

    def close(self):
        if self._c is not None:
            lib.rg_client_close(self._c)
            lib.rg_client_free(self._c)
            self._c = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def heartbeat(self):
        lib.rg_client_heartbeat(self._c)

    def engine_alive(self, timeout=2.0):
        return bool(lib.rg_client_engine_alive(self._c, int(timeout * 1e9)))

    # ---- symbols and numbers --------------------------------------------------

    def symbol(self, name):
        """The symbol `name` (id, tick, lot as Decimal); KeyError when the engine does not publish it."""
        s = self._symbols.get(name)
        if s is None:
            idp = ffi.new("uint32_t *")
            if lib.rg_client_symbol_id(self._c, name.encode(), idp) != 0:
                raise KeyError(f"riskgate: symbol {name} is not traded here")
            s = self._symbols[name] = Symbol(lib.rg_client_symbol(self._c, idp[0]))
        return s

    def _on_grid(self, fn, sym, value, rounding, what):
        out = ffi.new("int64_t *")
        rc = fn(self._c, sym.id, _text(value).encode(), rounding, out)
        if rc == -_errno.EDOM:
            step = sym.tick if what == "price" else sym.lot
            raise ValueError(f"riskgate: {what} {value} is not a multiple of {sym.name}'s {step} "
                             f"(pass rounding=riskgate.DOWN/UP/TOWARD_ZERO/NEAREST)")
        if rc == -_errno.ERANGE:
            raise OverflowError(f"riskgate: {what} {value} does not fit")
        if rc != 0:
            raise ValueError(f"riskgate: {what} {value}: {_os.strerror(-rc)}")
        return out[0]

    def price_e8(self, symbol, price, rounding=EXACT):
        return self._on_grid(lib.rg_client_price_e8, self.symbol(symbol), price, rounding, "price")

    def qty_e8(self, symbol, qty, rounding=EXACT):
        return self._on_grid(lib.rg_client_qty_e8, self.symbol(symbol), qty, rounding, "quantity")

    # ---- orders ---------------------------------------------------------------

    def _take_id(self, client_order_id):
        if client_order_id is not None:
            return client_order_id
        self._next_id += 1
        return self._next_id

    def _fill(self, kind, symbol, side, qty, price, tif, client_order_id, orig, rounding):
        o = self._order
        sym = self.symbol(symbol)
        o.client_order_id = self._take_id(client_order_id)
        o.orig_client_order_id = orig
        o.symbol_id = sym.id
        o.side = _SIDES[side]
        o.type = 2 if price is None else 1
        o.tif = _TIFS[tif]
        o.qty_e8 = self.qty_e8(symbol, qty, TOWARD_ZERO if rounding != EXACT else EXACT)
        o.price_e8 = 0 if price is None else self.price_e8(symbol, price, rounding)
        o.client_ts_ns = lib.rg_client_now_ns()
        o.kind = kind
        return o

    def submit(self, symbol, side, qty, price=None, tif="DAY", client_order_id=None, rounding=EXACT):
        """A new order (price None: a market order); returns its client order id.  RingFull when
        the order ring is full (nothing was written)."""
        o = self._fill(1, symbol, side, qty, price, tif, client_order_id, 0, rounding)
        if not lib.rg_client_submit(self._c, o):
            raise RingFull("riskgate: the order ring is full")
        return o.client_order_id

    _BURST_FIELDS = ("symbol", "side", "qty", "price", "tif")

    def submit_many(self, orders, rounding=EXACT):
        """New orders in one go, in the order given: each a dict of submit's arguments or a tuple
        (symbol, side, qty[, price[, tif]]).  Returns the ids of those that went in: all, or the first
        ones when the ring filled (the rest were not written: submit them again later).  Every order is
        converted first, so a bad one raises before any is written.  One ring update and one doorbell
        for the lot (rg_client_submit_burst)."""
        specs = [dict(o) if isinstance(o, dict) else dict(zip(self._BURST_FIELDS, o)) for o in orders]
        if not specs:
            return []
        batch = ffi.new("struct rg_order[]", len(specs))
        ids = []
        for k, o in enumerate(specs):
            filled = self._fill(1, o["symbol"], o["side"], o["qty"], o.get("price"), o.get("tif", "DAY"),
                                o.get("client_order_id"), 0, o.get("rounding", rounding))
            batch[k] = filled[0]
            ids.append(filled.client_order_id)
        return ids[:lib.rg_client_submit_burst(self._c, batch, len(specs))]

    def buy(self, symbol, qty, price=None, **kw):
        return self.submit(symbol, "BUY", qty, price, **kw)

    def sell(self, symbol, qty, price=None, **kw):
        return self.submit(symbol, "SELL", qty, price, **kw)

    def replace(self, orig_client_order_id, symbol, side, qty, price, tif="DAY", client_order_id=None,
                rounding=EXACT):
        """Replaces a live order's quantity (the new open quantity) and price; returns the
        replacement's id, the order's id once REPLACED comes."""
        o = self._fill(3, symbol, side, qty, price, tif, client_order_id, orig_client_order_id, rounding)
        if not lib.rg_client_replace(self._c, o):
            raise RingFull("riskgate: the order ring is full")
        return o.client_order_id

    def cancel(self, orig_client_order_id, symbol, client_order_id=None):
        """Cancels a live order; returns the cancel request's own id."""
        cid = self._take_id(client_order_id)
        if not lib.rg_client_cancel(self._c, cid, orig_client_order_id, self.symbol(symbol).id):
            raise RingFull("riskgate: the order ring is full")
        return cid

    # ---- reports --------------------------------------------------------------

    def _read_ring(self):
        n = lib.rg_client_poll(self._c, self._reports, 64)
        self._unread.extend(Report(self._reports[i]) for i in range(n))
        return n

    def poll(self, max_reports=64):
        """The reports waiting now (a list, maybe empty, at most max_reports; the rest stay for the
        next call); never blocks."""
        if not self._unread:
            self._read_ring()
        return [self._unread.popleft() for _ in range(min(max_reports, len(self._unread)))]

    def reports(self, timeout=0.0, spin=2000):
        """Yields reports as they come, until none came for `timeout` seconds (0: those waiting now).
        Heartbeats while it waits; after `spin` empty polls it naps 50 us between polls, leaving the
        core to others (the engine's venue threads share it on a small machine)."""
        deadline = _time.monotonic() + timeout
        idle = 0
        while True:
            if self._unread or self._read_ring():
                # One at a time: a caller that stops iterating leaves the rest for the next call.
                yield self._unread.popleft()
                deadline = _time.monotonic() + timeout
                idle = 0
            elif _time.monotonic() >= deadline:
                return
            else:
                lib.rg_client_heartbeat(self._c)
                idle += 1
                if idle > spin:
                    _time.sleep(0.00005)

    # ---- the strategy's own state ---------------------------------------------

    def _read(self, fn, ctype, *args):
        out = ffi.new(ctype)
        rc = fn(self._c, *args, out)
        if rc != 0:
            raise Error(-rc, "riskgate: the engine has not published this strategy's state")
        return out

    def account(self):
        """The account's PnL and day counters (Decimal amounts)."""
        a = self._read(lib.rg_client_read_account, "struct rg_client_account *")
        return {"equity_sod": from_e8(a.equity_sod_e8), "realized": from_e8(a.realized_today_e8),
                "unrealized": from_e8(a.upnl_e8), "day_pnl": from_e8(a.day_pnl_e8),
                "peak_equity": from_e8(a.peak_equity_e8), "gross": from_e8(a.gross_position_e8),
                "open_notional": from_e8(a.open_notional_e8), "orders_today": a.orders_today,
                "orders_left_today": None if a.orders_left_today == 0xFFFFFFFF else a.orders_left_today,
                "state": _STATES.get(a.state, str(a.state)), "loss_state": _STATES.get(a.loss_state, str(a.loss_state))}

    def position(self, symbol):
        """The account's position in `symbol` and its open orders there (Decimal)."""
        p = self._read(lib.rg_client_read_position, "struct rg_client_position *", self.symbol(symbol).id)
        return {"position": from_e8(p.qty_e8), "avg_price": from_e8(p.avg_price_e8),
                "open_buy": from_e8(p.open_buy_qty_e8), "open_sell": from_e8(p.open_sell_qty_e8),
                "unrealized": from_e8(p.upnl_e8), "reference": from_e8(p.mark_price_e8) if p.mark_price_e8 else None}

    def symbol_state(self, symbol):
        """The symbol's reference price (None before the first), its age in seconds, the collar and limits
        (Decimal; None: no limit)."""
        m = self._read(lib.rg_client_read_symbol, "struct rg_client_symbol_state *", self.symbol(symbol).id)
        lim = lambda v: None if v == 0x7FFFFFFFFFFFFFFF else from_e8(v)
        return {"reference": from_e8(m.ref_price_e8) if m.ref_price_e8 else None, "age": m.ref_age_ns / 1e9,
                "collar": (from_e8(m.collar_lo_e8), lim(m.collar_hi_e8)), "max_order_qty": lim(m.max_order_qty_e8),
                "max_notional": lim(m.max_notional_e8), "min_notional": from_e8(m.min_notional_e8),
                "max_position_qty": lim(m.max_position_qty_e8), "max_position_notional": lim(m.max_position_notional_e8),
                "state": _STATES.get(m.state), "kill": bool(m.kill)}

    def room(self, symbol):
        """What the strategy may still send in `symbol`: quantity to buy and to sell under the symbol's position
        limits, one order's size, orders left today and rate tokens (None: no limit)."""
        r = self._read(lib.rg_client_read_room, "struct rg_client_room *", self.symbol(symbol).id)
        lim = lambda v: None if v == 0x7FFFFFFFFFFFFFFF else from_e8(v)
        tok = lambda v: None if v == 0xFFFFFFFF else v
        return {"buy": lim(r.buy_qty_e8), "sell": lim(r.sell_qty_e8), "order_qty": lim(r.order_qty_e8),
                "order_notional": lim(r.order_notional_e8), "orders_left_today": tok(r.orders_left_today),
                "order_tokens": tok(r.order_tokens), "modify_tokens": tok(r.modify_tokens)}

    def trading(self):
        """Whether the strategy may open risk now, and the states and kills that say so."""
        t = self._read(lib.rg_client_read_trading, "struct rg_client_trading *")
        return {"may_open": bool(t.may_open), "instance": _STATES.get(t.instance_state),
                "account": _STATES.get(t.account_state), "loss": _STATES.get(t.loss_state),
                "strategy": _STATES.get(t.strategy_state), "instance_kill": bool(t.instance_kill),
                "strategy_kill": bool(t.strategy_kill), "dead_man_tripped": bool(t.dead_man_tripped),
                "throttle_latched": bool(t.throttle_latched)}
