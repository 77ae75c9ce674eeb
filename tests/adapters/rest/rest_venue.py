#!/usr/bin/env python3
"""A local crypto spot venue for the REST adapter's tests.

It speaks the documented subset of the Binance-style spot API v3 that
riskgate's `rest` adapter uses (docs/adapters.md), over HTTPS with a
self-signed certificate it makes at start (openssl), and the user-data
stream over a WebSocket (RFC 6455, written here: the standard library has
none) on the same port:

  GET    /api/v3/time                  serverTime (with --skew-ms)
  POST   /api/v3/userDataStream        listen key (API key only)
  PUT    /api/v3/userDataStream        keep-alive
  GET    /ws/<listenKey>               the user stream: executionReport events
  POST   /api/v3/order                 new order (LIMIT GTC/IOC/FOK, MARKET)
  DELETE /api/v3/order                 cancel by origClientOrderId or orderId
  GET    /api/v3/order                 query by origClientOrderId or orderId
  GET    /api/v3/openOrders            open orders (of a symbol)
  GET    /api/v3/myTrades              trades (of an order)
  POST   /api/v3/order/cancelReplace   STOP_ON_FAILURE

It checks what a real venue checks: the API key header (401, -2015), the
HMAC-SHA256 signature over the query (400, -1022), the timestamp against
recvWindow (400, -1021), parameters, duplicate client order ids among open
orders; it counts request weight per minute and orders per 10 s (headers
X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S), answers 429 with Retry-After
past a limit and 418 after repeated violations.

Matching: a LIMIT order at or through the symbol's reference price (--ref)
fills at once at its limit price, in `fill_parts` trades; MARKET fills at
the reference; the rest rests (GTC) or expires (IOC, FOK).  Resting orders
fill when the test says so.

The test drives it through DIR/control (commands one per line, the file is
removed once they ran) and reads what it saw in DIR: ready (the port),
cert.pem (the CA to trust), orders.log, cancels.log, requests.log,
trades.log, events.log.  Faults on command: duplicated and reordered stream
events, muted stream (events lost), dropped stream connections, 429/418
answers, a slow or lost answer to an order, a replace whose new order
fails, a clock step.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import queue
import secrets
import select
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WEIGHTS = {
    ("GET", "/api/v3/time"): 1,
    ("POST", "/api/v3/userDataStream"): 2,
    ("PUT", "/api/v3/userDataStream"): 2,
    ("DELETE", "/api/v3/userDataStream"): 2,
    ("POST", "/api/v3/order"): 1,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/openOrders"): 6,
    ("GET", "/api/v3/myTrades"): 20,
    ("POST", "/api/v3/order/cancelReplace"): 1,
}
E8 = 100000000


def dec(text):
    """Decimal text to an integer * 10^8 (exact); ValueError otherwise."""
    if not isinstance(text, str) or text == "" or text.count(".") > 1:
        raise ValueError(text)
    neg = text.startswith("-")
    if neg:
        text = text[1:]
    ip, _, fp = text.partition(".")
    if not ip.isdigit() or (fp and not fp.isdigit()) or len(fp.rstrip("0")) > 8:
        raise ValueError(text)
    v = int(ip) * E8 + int((fp + "00000000")[:8])
    return -v if neg else v


def txt(v):
    """An integer * 10^8 as the venue writes decimals: 8 places."""
    s = "-" if v < 0 else ""
    v = abs(v)
    return "%s%d.%08d" % (s, v // E8, v % E8)


class Venue:
    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.lock = threading.RLock()
        self.api_key = args.api_key
        self.secret = args.api_secret.encode()
        self.skew_ms = args.skew_ms
        self.refs = {}
        for item in args.ref:
            sym, _, price = item.partition("=")
            self.refs[sym] = dec(price)
        self.orders = {}  # orderId -> order dict
        self.by_client = {}  # clientOrderId -> latest orderId
        self.trades = []  # every trade
        self.next_order_id = 1000
        self.next_trade_id = 5000
        self.listen_key = None
        self.streams = []  # live Stream objects
        # limits
        self.weight_limit = args.weight_limit
        self.orders_per_10s = args.orders_per_10s
        self.weight_used = {}  # minute -> weight
        self.order_count = {}  # 10 s window -> orders
        self.violations = 0
        # faults
        self.fill_parts = 1
        self.dup = False
        self.reorder = False
        self.mute = False
        self.drop_after = None
        self.answer429 = 0
        self.retry429 = 1
        self.answer418 = 0
        self.retry418 = 60
        self.slow_next_order = 0.0
        self.slow_ids = {}  # client id -> seconds its answer is late
        self.lose_next_order = False
        self.lost_ids = set()  # client ids whose every request is lost
        self.drop_answer_next_order = False
        self.reject_next = 0
        self.replace_new_fails = False

    # ---- time and logs -------------------------------------------------------
    def now_ms(self):
        return int(time.time() * 1000) + self.skew_ms

    def log(self, name, line):
        with open(os.path.join(self.dir, name), "a") as f:
            f.write(line + "\n")

    # ---- limits ----------------------------------------------------------------
    def take_weight(self, weight):
        window = self.now_ms() // (self.args.weight_window_s * 1000)
        used = self.weight_used.get(window, 0) + weight
        self.weight_used = {window: used}
        return used

    def used_weight(self):
        return self.weight_used.get(self.now_ms() // (self.args.weight_window_s * 1000), 0)

    def take_order_count(self):
        window = self.now_ms() // (self.args.order_window_s * 1000)
        n = self.order_count.get(window, 0) + 1
        self.order_count = {window: n}
        return n

    def orders_in_window(self):
        return self.order_count.get(self.now_ms() // (self.args.order_window_s * 1000), 0)

    def window_left_s(self, seconds):
        ms = seconds * 1000
        return max(1, (ms - self.now_ms() % ms + 999) // 1000)

    # ---- the stream ------------------------------------------------------------
    def publish(self, event):
        """Sends an event to every stream (faults applied there)."""
        if self.mute:
            self.log("events.log", "muted %s %s" % (event.get("x", event.get("e")), event.get("c", "")))
            return
        for s in list(self.streams):
            s.send(event)
            if self.dup:
                s.send(event)
        if self.drop_after is not None:
            self.drop_after -= 1
            if self.drop_after <= 0:
                self.drop_after = None
                self.drop_streams("drop after N events")

    def drop_streams(self, why):
        for s in list(self.streams):
            s.drop()
        self.log("events.log", "stream dropped (%s)" % why)

    def report(self, o, x, cancel_id="", last_qty=0, last_px=0, trade_id=-1):
        ev = {
            "e": "executionReport", "E": self.now_ms(), "s": o["symbol"],
            "c": cancel_id if x == "CANCELED" and cancel_id else o["clientOrderId"],
            "S": o["side"], "o": o["type"], "f": o["timeInForce"], "q": txt(o["origQty"]),
            "p": txt(o["price"]), "P": "0.00000000", "F": "0.00000000", "g": -1,
            "C": o["clientOrderId"] if x == "CANCELED" else "",
            "x": x, "X": o["status"], "r": "NONE", "i": o["orderId"], "l": txt(last_qty),
            "z": txt(o["executedQty"]), "L": txt(last_px), "n": "0", "N": None, "T": self.now_ms(),
            "t": trade_id, "I": 1, "w": o["status"] in ("NEW", "PARTIALLY_FILLED"), "m": False, "M": False,
            "O": o["time"], "Z": txt(o["quote"]), "Y": txt(last_qty * last_px // E8), "Q": "0.00000000",
            "W": o["time"], "V": "NONE",
        }
        self.publish(ev)

    # ---- orders ------------------------------------------------------------------
    def order_json(self, o):
        return {
            "symbol": o["symbol"], "orderId": o["orderId"], "orderListId": -1,
            "clientOrderId": o["clientOrderId"], "price": txt(o["price"]), "origQty": txt(o["origQty"]),
            "executedQty": txt(o["executedQty"]), "cummulativeQuoteQty": txt(o["quote"]),
            "status": o["status"], "timeInForce": o["timeInForce"], "type": o["type"], "side": o["side"],
            "stopPrice": "0.00000000", "icebergQty": "0.00000000", "time": o["time"],
            "updateTime": self.now_ms(), "isWorking": True, "workingTime": o["time"],
            "origQuoteOrderQty": "0.00000000", "selfTradePreventionMode": "NONE",
        }

    def is_open(self, o):
        return o["status"] in ("NEW", "PARTIALLY_FILLED")

    def trade(self, o, qty, price):
        qty = min(qty, o["origQty"] - o["executedQty"])
        if qty <= 0:
            return
        self.next_trade_id += 1
        o["executedQty"] += qty
        o["quote"] += qty * price // E8
        o["status"] = "FILLED" if o["executedQty"] == o["origQty"] else "PARTIALLY_FILLED"
        t = {"symbol": o["symbol"], "id": self.next_trade_id, "orderId": o["orderId"], "orderListId": -1,
             "price": txt(price), "qty": txt(qty), "quoteQty": txt(qty * price // E8), "commission": "0",
             "commissionAsset": "USDT", "time": self.now_ms(), "isBuyer": o["side"] == "BUY",
             "isMaker": False, "isBestMatch": True}
        self.trades.append(t)
        self.log("trades.log", "%s %d %s %s" % (o["clientOrderId"], self.next_trade_id, txt(qty), txt(price)))
        self.report(o, "TRADE", last_qty=qty, last_px=price, trade_id=self.next_trade_id)

    def match(self, o):
        """A new order meets the book: marketable ones fill, the rest rest or expire."""
        ref = self.refs.get(o["symbol"], 100 * E8)
        if o["type"] == "MARKET":
            price, marketable = ref, True
        else:
            price = o["price"]
            marketable = price >= ref if o["side"] == "BUY" else price <= ref
        if marketable:
            left = o["origQty"]
            parts = max(1, self.fill_parts)
            for i in range(parts):
                q = left if i == parts - 1 else max(1, o["origQty"] // parts)
                q = min(q, left)
                if q <= 0:
                    break
                self.trade(o, q, price)
                left -= q
        elif o["timeInForce"] in ("IOC", "FOK") or o["type"] == "MARKET":
            o["status"] = "EXPIRED"
            self.report(o, "EXPIRED")

    def place(self, p, client_id=None):
        """Validates and places a new order; returns (order, None) or (None, (status, code, msg))."""
        sym = p.get("symbol", "")
        if sym not in self.refs:
            return None, (400, -1121, "Invalid symbol.")
        side, typ = p.get("side"), p.get("type")
        if side not in ("BUY", "SELL") or typ not in ("LIMIT", "MARKET"):
            return None, (400, -1102, "Mandatory parameter 'side' or 'type' was not sent or is invalid.")
        try:
            qty = dec(p.get("quantity", ""))
            price = dec(p["price"]) if typ == "LIMIT" else 0
        except (ValueError, KeyError):
            return None, (400, -1100, "Illegal characters found in parameter 'quantity' or 'price'.")
        tif = p.get("timeInForce", "GTC" if typ == "LIMIT" else "")
        if qty <= 0 or (typ == "LIMIT" and (price <= 0 or tif not in ("GTC", "IOC", "FOK"))):
            return None, (400, -1013, "Filter failure: LOT_SIZE")
        cid = client_id or p.get("newClientOrderId") or ("venue-" + secrets.token_hex(6))
        prev = self.by_client.get(cid)
        if prev is not None and self.is_open(self.orders[prev]):
            return None, (400, -2010, "Duplicate order sent.")
        if self.reject_next > 0:
            self.reject_next -= 1
            return None, (400, -2010, "Account has insufficient balance for requested action.")
        self.next_order_id += 1
        o = {"symbol": sym, "orderId": self.next_order_id, "clientOrderId": cid, "price": price, "origQty": qty,
             "executedQty": 0, "quote": 0, "status": "NEW", "timeInForce": tif or "GTC", "type": typ,
             "side": side, "time": self.now_ms()}
        self.orders[o["orderId"]] = o
        self.by_client[cid] = o["orderId"]
        self.log("orders.log", "%s %s %s %s %s %s %s" % (cid, sym, side, typ, txt(qty), txt(price), tif or "-"))
        self.report(o, "NEW")
        self.match(o)
        return o, None

    def find(self, p):
        if "orderId" in p:
            try:
                o = self.orders.get(int(p["orderId"]))
            except ValueError:
                o = None
        else:
            oid = self.by_client.get(p.get("origClientOrderId", ""))
            o = self.orders.get(oid) if oid is not None else None
        if o is not None and o["symbol"] != p.get("symbol"):
            return None
        return o

    def cancel(self, o, cancel_id=""):
        o["status"] = "CANCELED"
        self.report(o, "CANCELED", cancel_id=cancel_id or ("cancel-" + secrets.token_hex(4)))

    # ---- control -----------------------------------------------------------------
    def order_of_seq(self, seq):
        """The latest order whose client id is <prefix>-seq (any leg)."""
        best = None
        for cid, oid in self.by_client.items():
            parts = cid.split("-")
            if len(parts) >= 2 and parts[1] == seq:
                if best is None or oid > best:
                    best = oid
        return self.orders.get(best) if best is not None else None

    def control(self, line):
        w = line.split()
        if not w:
            return
        cmd = w[0]
        if cmd == "fill":  # fill SEQ QTY [PRICE]
            o = self.order_of_seq(w[1])
            if o is None or not self.is_open(o):
                self.log("events.log", "control: no open order %s" % w[1])
                return
            self.trade(o, dec(w[2]), dec(w[3]) if len(w) > 3 else o["price"])
        elif cmd == "cancel":  # the venue ends an order (expiry, admin)
            o = self.order_of_seq(w[1])
            if o is not None and self.is_open(o):
                o["status"] = "EXPIRED"
                self.report(o, "EXPIRED")
        elif cmd == "fill_parts":
            self.fill_parts = int(w[1])
        elif cmd == "dup":
            self.dup = w[1] == "on"
        elif cmd == "reorder":
            self.reorder = w[1] == "on"
            for s in list(self.streams):
                s.reorder = self.reorder
        elif cmd == "mute":
            self.mute = w[1] == "on"
        elif cmd == "drop_stream":
            self.drop_streams("control")
        elif cmd == "drop_after":
            self.drop_after = int(w[1])
        elif cmd == "answer429":
            self.answer429 = int(w[1])
            self.retry429 = int(w[2]) if len(w) > 2 else 1
        elif cmd == "answer418":
            self.answer418 = 1
            self.retry418 = int(w[1])
        elif cmd == "slow_next_order":
            self.slow_next_order = float(w[1])
        elif cmd == "slow_order":  # slow_order CLIENT_ID SECONDS
            self.slow_ids[w[1]] = float(w[2])
        elif cmd == "lose_next_order":  # the request and every retry of it vanish unanswered
            self.lose_next_order = True
        elif cmd == "drop_answer_next_order":  # taken, but the connection drops before the answer
            self.drop_answer_next_order = True
        elif cmd == "reject_next":
            self.reject_next = int(w[1])
        elif cmd == "replace_new_fails":
            self.replace_new_fails = w[1] == "on"
        elif cmd == "weight_limit":
            self.weight_limit = int(w[1])
        elif cmd == "orders_per_10s":
            self.orders_per_10s = int(w[1])
        elif cmd == "skew":
            self.skew_ms = int(w[1])
        elif cmd == "expire_key":
            self.publish({"e": "listenKeyExpired", "E": self.now_ms(), "listenKey": self.listen_key})
            self.listen_key = None
            self.drop_streams("listen key expired")
        else:
            self.log("events.log", "control: unknown command %s" % cmd)
            return
        self.log("events.log", "control: %s" % line)

    def control_loop(self):
        path = os.path.join(self.dir, "control")
        while True:
            if os.path.exists(path):
                with open(path) as f:
                    lines = f.read().splitlines()
                with self.lock:
                    for line in lines:
                        try:
                            self.control(line)
                        except Exception as e:  # a test's typo must not kill the venue
                            self.log("events.log", "control: %s failed: %r" % (line, e))
                os.unlink(path)
            time.sleep(0.02)


class Stream:
    """One user-stream WebSocket: a sender thread writing queued events."""

    def __init__(self, venue, sock):
        self.venue = venue
        self.sock = sock
        self.q = queue.Queue()
        self.alive = True
        self.reorder = venue.reorder
        self.held = None

    def send(self, event):
        if not self.reorder:
            self.q.put(event)
        elif self.held is None:
            self.held = event
        else:
            self.q.put(event)
            self.q.put(self.held)
            self.held = None

    def drop(self):
        self.alive = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
        self.sock.sendall(head + payload)

    def read_frame(self):
        """One client frame (masked), or None when the connection ended."""
        def exact(n):
            b = b""
            while len(b) < n:
                chunk = self.sock.recv(n - len(b))
                if not chunk:
                    raise ConnectionError
                b += chunk
            return b
        h = exact(2)
        opcode, n = h[0] & 0x0F, h[1] & 0x7F
        if n == 126:
            n = int.from_bytes(exact(2), "big")
        elif n == 127:
            n = int.from_bytes(exact(8), "big")
        mask = exact(4) if h[1] & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(exact(n)))
        return opcode, data

    def run(self):
        last_held = time.time()
        try:
            while self.alive:
                try:
                    ev = self.q.get(timeout=0.02)
                    self.frame(0x1, json.dumps(ev, separators=(",", ":")).encode())
                    continue
                except queue.Empty:
                    pass
                if self.held is not None and time.time() - last_held > 0.2:
                    with self.venue.lock:
                        if self.held is not None:
                            self.q.put(self.held)
                            self.held = None
                    last_held = time.time()
                readable = self.sock.pending() > 0 or select.select([self.sock], [], [], 0)[0]
                if readable:
                    opcode, data = self.read_frame()
                    if opcode == 0x9:
                        self.frame(0xA, data)
                    elif opcode == 0x8:
                        self.frame(0x8, data[:2])
                        break
        except (OSError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self.alive = False
            with self.venue.lock:
                if self in self.venue.streams:
                    self.venue.streams.remove(self)
            self.venue.log("events.log", "stream closed")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "restvenue"

    def log_message(self, fmt, *args):
        pass

    @property
    def venue(self):
        return self.server.venue

    def answer(self, status, body, headers=None):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, msg, headers=None):
        self.answer(status, {"code": code, "msg": msg}, headers)

    def do_GET(self):
        self.handle_call("GET")

    def do_POST(self):
        self.handle_call("POST")

    def do_PUT(self):
        self.handle_call("PUT")

    def do_DELETE(self):
        self.handle_call("DELETE")

    def handle_call(self, method):
        v = self.venue
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if method == "GET" and path.startswith("/ws/"):
            return self.websocket(path[4:])
        total = url.query + body
        params = dict(urllib.parse.parse_qsl(total, keep_blank_values=True))
        with v.lock:
            status = self.dispatch(method, path, params, total)
        v.log("requests.log", "%s %s %s" % (method, path, status))

    def limit_headers(self, order=False):
        v = self.venue
        h = {"X-MBX-USED-WEIGHT-" + interval_name(v.args.weight_window_s): v.used_weight()}
        if order:
            h["X-MBX-ORDER-COUNT-" + interval_name(v.args.order_window_s)] = v.orders_in_window()
        return h

    def dispatch(self, method, path, params, total):
        v = self.venue
        weight = WEIGHTS.get((method, path))
        if weight is None:
            self.error(404, -1000, "Unknown endpoint.")
            return 404
        if v.answer418 > 0:
            v.answer418 -= 1
            self.error(418, -1003, "Way too many requests; IP banned.", {"Retry-After": v.retry418})
            return 418
        used = v.take_weight(weight)
        if v.answer429 > 0 or used > v.weight_limit:
            if v.answer429 > 0:
                v.answer429 -= 1
                retry = v.retry429
            else:
                retry = v.window_left_s(v.args.weight_window_s)
            v.violations += 1
            if v.violations > v.args.ban_after:
                v.violations = 0
                self.error(418, -1003, "Way too many requests; IP banned.", {"Retry-After": 60})
                return 418
            h = self.limit_headers()
            h["Retry-After"] = retry
            self.error(429, -1003, "Too many requests; please use the websocket for live updates.", h)
            return 429
        if path != "/api/v3/time":
            key = self.headers.get(v.args.key_header)
            if key != v.api_key:
                v.log("events.log", "auth refused: API key")
                self.error(401, -2015, "Invalid API-key, IP, or permissions for action.", self.limit_headers())
                return 401
        if path == "/api/v3/time":
            self.answer(200, {"serverTime": v.now_ms()}, self.limit_headers())
            return 200
        if path == "/api/v3/userDataStream":
            return self.user_stream(method, params)
        # Signed calls from here on.
        sig = params.get("signature", "")
        signed = total.rsplit("&signature=", 1)[0] if "&signature=" in total else None
        want = hmac.new(v.secret, (signed or "").encode(), hashlib.sha256).hexdigest()
        if signed is None or not hmac.compare_digest(sig, want):
            v.log("events.log", "auth refused: signature")
            self.error(400, -1022, "Signature for this request is not valid.", self.limit_headers())
            return 400
        try:
            ts = int(params.get("timestamp", ""))
            rw = int(params.get("recvWindow", "5000"))
        except ValueError:
            self.error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
            return 400
        now = v.now_ms()
        if rw > 60000 or ts < now - rw or ts > now + 1000:
            v.log("events.log", "recvWindow refused: timestamp %d server %d window %d" % (ts, now, rw))
            self.error(400, -1021, "Timestamp for this request is outside of the recvWindow.", self.limit_headers())
            return 400
        if path == "/api/v3/order" and method == "POST":
            return self.new_order(params)
        if path == "/api/v3/order" and method == "DELETE":
            o = v.find(params)
            if o is None or not v.is_open(o):
                self.error(400, -2011, "Unknown order sent.", self.limit_headers())
                return 400
            v.log("cancels.log", "%s %s" % (o["clientOrderId"], o["symbol"]))
            v.cancel(o, params.get("newClientOrderId", ""))
            self.answer(200, dict(v.order_json(o), origClientOrderId=o["clientOrderId"]), self.limit_headers())
            return 200
        if path == "/api/v3/order" and method == "GET":
            o = v.find(params)
            if o is None:
                self.error(400, -2013, "Order does not exist.", self.limit_headers())
                return 400
            self.answer(200, v.order_json(o), self.limit_headers())
            return 200
        if path == "/api/v3/openOrders":
            sym = params.get("symbol")
            out = [v.order_json(o) for o in v.orders.values() if v.is_open(o) and (sym is None or o["symbol"] == sym)]
            self.answer(200, out, self.limit_headers())
            return 200
        if path == "/api/v3/myTrades":
            sym = params.get("symbol")
            oid = int(params["orderId"]) if "orderId" in params else None
            out = [t for t in v.trades if t["symbol"] == sym and (oid is None or t["orderId"] == oid)]
            self.answer(200, out[: int(params.get("limit", "500"))], self.limit_headers())
            return 200
        if path == "/api/v3/order/cancelReplace":
            return self.cancel_replace(params)
        self.error(404, -1000, "Unknown endpoint.")
        return 404

    def user_stream(self, method, params):
        v = self.venue
        if method == "POST":
            if v.listen_key is None:
                v.listen_key = secrets.token_urlsafe(45).replace("-", "a").replace("_", "b")
            v.log("events.log", "listen key issued")
            self.answer(200, {"listenKey": v.listen_key}, self.limit_headers())
            return 200
        if params.get("listenKey") != v.listen_key or v.listen_key is None:
            self.error(400, -1125, "This listenKey does not exist.", self.limit_headers())
            return 400
        if method == "DELETE":
            v.listen_key = None
        v.log("events.log", "listen key %s" % ("kept alive" if method == "PUT" else "closed"))
        self.answer(200, {}, self.limit_headers())
        return 200

    def new_order(self, params):
        v = self.venue
        cid = params.get("newClientOrderId", "")
        if v.lose_next_order or cid in v.lost_ids:
            v.lose_next_order = False
            v.lost_ids.add(cid)
            v.log("events.log", "lost an order request")
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return 0
        if v.orders_in_window() >= v.orders_per_10s:
            v.violations += 1
            h = self.limit_headers(order=True)
            h["Retry-After"] = v.window_left_s(v.args.order_window_s)
            self.error(429, -1015, "Too many new orders; current limit is %d orders per %d SECOND."
                       % (v.orders_per_10s, v.args.order_window_s), h)
            return 429
        v.take_order_count()
        o, err = v.place(params)
        if err is not None:
            self.error(err[0], err[1], err[2], self.limit_headers(order=True))
            return err[0]
        if v.drop_answer_next_order:
            v.drop_answer_next_order = False
            v.log("events.log", "dropped the answer to an order")
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return 0
        if v.slow_next_order > 0 or cid in v.slow_ids:
            delay = v.slow_ids.pop(cid, 0) or v.slow_next_order
            v.slow_next_order = 0
            v.lock.release()
            try:
                time.sleep(delay)
            finally:
                v.lock.acquire()
        self.answer(200, v.order_json(o), self.limit_headers(order=True))
        return 200

    def cancel_replace(self, params):
        v = self.venue
        if params.get("cancelReplaceMode") != "STOP_ON_FAILURE":
            self.error(400, -1102, "cancelReplaceMode must be STOP_ON_FAILURE here.")
            return 400
        old = v.find({"symbol": params.get("symbol"), "origClientOrderId": params.get("cancelOrigClientOrderId")})
        if old is None or not v.is_open(old):
            data = {"cancelResult": "FAILURE", "newOrderResult": "NOT_ATTEMPTED",
                    "cancelResponse": {"code": -2011, "msg": "Unknown order sent."}, "newOrderResponse": None}
            self.answer(400, {"code": -2022, "msg": "Order cancel-replace failed.", "data": data},
                        self.limit_headers(order=True))
            return 400
        v.take_order_count()
        v.log("cancels.log", "%s %s replace" % (old["clientOrderId"], old["symbol"]))
        v.cancel(old)
        cancel_json = dict(v.order_json(old), origClientOrderId=old["clientOrderId"])
        if v.replace_new_fails:
            err = (400, -2010, "Account has insufficient balance for requested action.")
        else:
            new, err = v.place(params, client_id=params.get("newClientOrderId"))
        if err is not None:
            data = {"cancelResult": "SUCCESS", "newOrderResult": "FAILURE", "cancelResponse": cancel_json,
                    "newOrderResponse": {"code": err[1], "msg": err[2]}}
            self.answer(409, {"code": -2021, "msg": "Order cancel-replace partially failed.", "data": data},
                        self.limit_headers(order=True))
            return 409
        self.answer(200, {"cancelResult": "SUCCESS", "newOrderResult": "SUCCESS", "cancelResponse": cancel_json,
                          "newOrderResponse": v.order_json(new)}, self.limit_headers(order=True))
        return 200

    def websocket(self, key):
        v = self.venue
        with v.lock:
            ok = v.listen_key is not None and key == v.listen_key
        if not ok or self.headers.get("Upgrade", "").lower() != "websocket":
            v.log("events.log", "stream refused")
            self.error(400, -1125, "This listenKey does not exist.")
            return
        accept = base64.b64encode(hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        s = Stream(v, self.connection)
        with v.lock:
            v.streams.append(s)
        v.log("events.log", "stream open")
        s.run()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, venue, ctx):
        self.venue = venue
        self.ctx = ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread.
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.venue.log("events.log", "tls handshake failed: %s" % e.__class__.__name__)
            return
        with self.venue.lock:
            self.venue.log("events.log", "connection")
        try:
            Handler(tls, client_address, self)
        except (OSError, ssl.SSLError):
            pass


def interval_name(seconds):
    """A window as the venue's header names spell it: 1M, 10S, 1D."""
    for unit, n in (("D", 86400), ("H", 3600), ("M", 60)):
        if seconds % n == 0:
            return "%d%s" % (seconds // n, unit)
    return "%dS" % seconds


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--api-secret", required=True)
    ap.add_argument("--key-header", default="X-MBX-APIKEY")
    ap.add_argument("--skew-ms", type=int, default=0)
    ap.add_argument("--ref", action="append", default=[], help="SYMBOL=PRICE, a tradable symbol")
    ap.add_argument("--weight-limit", type=int, default=6000)
    ap.add_argument("--orders-per-10s", type=int, default=100, help="orders per order window")
    ap.add_argument("--order-window-s", type=int, default=10)
    ap.add_argument("--weight-window-s", type=int, default=60)
    ap.add_argument("--ban-after", type=int, default=1000000, help="429s before a 418")
    args = ap.parse_args()
    if not args.ref:
        args.ref = ["BTCUSDT=30000", "ETHUSDT=2000"]
    os.makedirs(args.dir, exist_ok=True)
    cert, key = make_cert(args.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    venue = Venue(args)
    server = Server(("127.0.0.1", args.port), venue, ctx)
    threading.Thread(target=venue.control_loop, daemon=True).start()
    tmp = os.path.join(args.dir, "ready.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(args.dir, "ready"))
    try:
        server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
