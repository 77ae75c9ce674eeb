"""The C declarations of libriskgate-client.so that the Python client uses,
for cffi's ABI mode (no compiler needed at run time).  They mirror
shm/msg.h, shm/abi.h (struct rg_symbol_entry), shm/client_state.h and
shm/decimal.h; tests/python checks the sizes against the library's own."""

import ctypes.util
import os

import cffi

CDEF = """
struct rg_order {
    uint64_t client_order_id; uint64_t orig_client_order_id; int64_t qty_e8; int64_t price_e8;
    uint64_t client_ts_ns; uint32_t symbol_id; uint8_t kind; uint8_t side; uint8_t type; uint8_t tif;
    uint8_t reserved[8];
};
struct rg_fill_detail { int64_t qty_e8; int64_t price_e8; int64_t leaves_e8; };
struct rg_reject_detail { int64_t limit; int64_t value; int64_t reserved; };
struct rg_report {
    uint64_t client_order_id; uint64_t engine_seq;
    union { struct rg_fill_detail fill; struct rg_reject_detail reject; };
    uint64_t report_seq; uint32_t symbol_id; uint16_t reason; uint8_t kind; uint8_t flags;
};
struct rg_symbol_entry {
    char name[32]; uint32_t id; uint8_t enabled; uint8_t market_allowed; uint8_t pad[2];
    int64_t tick_e8; int64_t lot_e8; int64_t min_qty_e8;
};
struct rg_client_account {
    int64_t equity_sod_e8; int64_t realized_today_e8; int64_t upnl_e8; int64_t day_pnl_e8; int64_t peak_equity_e8;
    int64_t gross_position_e8; int64_t open_notional_e8; uint32_t orders_today; uint32_t max_orders_per_day;
    uint32_t orders_left_today; uint16_t loss_reason; uint8_t state; uint8_t loss_state; uint16_t account;
};
struct rg_client_position {
    int64_t qty_e8; int64_t avg_price_e8; int64_t open_buy_qty_e8; int64_t open_sell_qty_e8; int64_t upnl_e8;
    int64_t mark_price_e8; bool published;
};
struct rg_client_trading {
    uint8_t instance_state; uint8_t account_state; uint8_t loss_state; uint8_t strategy_state;
    bool instance_kill; bool strategy_kill; bool dead_man_tripped; bool throttle_latched; bool may_open;
};
struct rg_client_symbol_state {
    int64_t tick_e8, lot_e8, min_qty_e8; int64_t ref_price_e8; uint64_t ref_age_ns;
    int64_t collar_lo_e8, collar_hi_e8; int64_t max_order_qty_e8, max_qty_e8, min_notional_e8, max_notional_e8;
    int64_t min_price_e8, max_price_e8; int64_t max_position_qty_e8, max_position_notional_e8; int64_t max_side_qty_e8;
    uint8_t state; bool kill; bool enabled, market_allowed;
};
struct rg_client_room {
    int64_t buy_qty_e8; int64_t sell_qty_e8; int64_t order_qty_e8; int64_t order_notional_e8; int64_t max_side_qty_e8;
    uint32_t orders_left_today; uint32_t order_tokens; uint32_t modify_tokens;
};
struct rg_client;

struct rg_client *rg_client_new(void);
void rg_client_free(struct rg_client *c);
uint32_t rg_client_abi_version(void);
int rg_client_open(struct rg_client *c, const char *instance, const char *strategy, char *err, size_t errlen);
void rg_client_close(struct rg_client *c);
uint64_t rg_client_now_ns(void);
void rg_client_heartbeat(struct rg_client *c);
bool rg_client_engine_alive(const struct rg_client *c, uint64_t timeout_ns);
int rg_client_symbol_id(const struct rg_client *c, const char *name, uint32_t *id);
const struct rg_symbol_entry *rg_client_symbol(const struct rg_client *c, uint32_t id);
int rg_client_price_e8(const struct rg_client *c, uint32_t id, const char *text, int mode, int64_t *price_e8);
int rg_client_qty_e8(const struct rg_client *c, uint32_t id, const char *text, int mode, int64_t *qty_e8);
bool rg_client_submit(struct rg_client *c, const struct rg_order *order);
unsigned rg_client_submit_burst(struct rg_client *c, const struct rg_order *orders, unsigned n);
bool rg_client_replace(struct rg_client *c, const struct rg_order *replacement);
bool rg_client_cancel(struct rg_client *c, uint64_t client_order_id, uint64_t orig_client_order_id, uint32_t symbol_id);
unsigned rg_client_poll(struct rg_client *c, struct rg_report *out, unsigned max);
int rg_client_read_account(const struct rg_client *c, struct rg_client_account *out);
int rg_client_read_position(const struct rg_client *c, uint32_t symbol_id, struct rg_client_position *out);
int rg_client_read_trading(const struct rg_client *c, struct rg_client_trading *out);
int rg_client_read_symbol(const struct rg_client *c, uint32_t id, struct rg_client_symbol_state *out);
int rg_client_read_room(const struct rg_client *c, uint32_t id, struct rg_client_room *out);
const char *rg_reject_str(unsigned reason);
const char *rg_report_kind_str(unsigned kind);
int rg_decimal_parse_e8(const char *text, int mode, int64_t *out_e8);
size_t rg_decimal_format_e8(char *buf, size_t cap, int64_t e8);
"""

ffi = cffi.FFI()
ffi.cdef(CDEF)


def _load():
    path = os.environ.get("RISKGATE_CLIENT_LIB")
    candidates = [path] if path else ["libriskgate-client.so.0", ctypes.util.find_library("riskgate-client")]
    errors = []
    for c in candidates:
        if not c:
            continue
        try:
            return ffi.dlopen(c)
        except OSError as e:
            errors.append(f"{c}: {e}")
    raise OSError("riskgate: cannot load libriskgate-client.so (install riskgate, or set RISKGATE_CLIENT_LIB): "
                  + "; ".join(errors or ["not found"]))


lib = _load()
