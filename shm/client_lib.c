/*
 * libriskgate-client.so: every call of <riskgate/client.h> (and the headers
 * it includes: msg.h, decimal.h, client_state.h) as a real, exported
 * function, for languages that reach C through a foreign function interface
 * (python/riskgate uses it through cffi) and for programs that prefer to
 * link rather than inline.  Each function is the header's inline one: the
 * header is included with every public name renamed (_rg_inl_*), and the
 * exported function of the original name calls it.  C and C++ programs that
 * include the header keep the inline versions; tests/shm/client_lib_exports.sh
 * checks that no public inline function of the headers is missing here.
 *
 * Beyond the header: rg_client_new / rg_client_free allocate a struct
 * rg_client for callers that cannot size it, and rg_client_abi_version
 * says which shared-memory ABI the library speaks.
 */

#define rg_reject_str _rg_inl_rg_reject_str
#define rg_report_kind_str _rg_inl_rg_report_kind_str
#define rg_decimal_parse_e8 _rg_inl_rg_decimal_parse_e8
#define rg_decimal_from_mantissa _rg_inl_rg_decimal_from_mantissa
#define rg_decimal_to_mantissa _rg_inl_rg_decimal_to_mantissa
#define rg_decimal_format_e8 _rg_inl_rg_decimal_format_e8
#define rg_decimal_round_to _rg_inl_rg_decimal_round_to
#define rg_client_now_ns _rg_inl_rg_client_now_ns
#define rg_client_heartbeat _rg_inl_rg_client_heartbeat
#define rg_client_open _rg_inl_rg_client_open
#define rg_client_close _rg_inl_rg_client_close
#define rg_client_symbol_id _rg_inl_rg_client_symbol_id
#define rg_client_symbol _rg_inl_rg_client_symbol
#define rg_client_price_e8 _rg_inl_rg_client_price_e8
#define rg_client_qty_e8 _rg_inl_rg_client_qty_e8
#define rg_client_submit _rg_inl_rg_client_submit
#define rg_client_replace _rg_inl_rg_client_replace
#define rg_client_cancel _rg_inl_rg_client_cancel
#define rg_client_poll _rg_inl_rg_client_poll
#define rg_client_next_report_seq _rg_inl_rg_client_next_report_seq
#define rg_client_resume_at _rg_inl_rg_client_resume_at
#define rg_client_take_gap _rg_inl_rg_client_take_gap
#define rg_client_request_replay _rg_inl_rg_client_request_replay
#define rg_client_replay_finished _rg_inl_rg_client_replay_finished
#define rg_client_engine_state _rg_inl_rg_client_engine_state
#define rg_client_engine_heartbeat_ns _rg_inl_rg_client_engine_heartbeat_ns
#define rg_client_engine_alive _rg_inl_rg_client_engine_alive
#define rg_client_account_index _rg_inl_rg_client_account_index
#define rg_client_read_account _rg_inl_rg_client_read_account
#define rg_client_read_position _rg_inl_rg_client_read_position
#define rg_client_read_trading _rg_inl_rg_client_read_trading
#include <stdlib.h>

#include "client.h"

#undef rg_reject_str
#undef rg_report_kind_str
#undef rg_decimal_parse_e8
#undef rg_decimal_from_mantissa
#undef rg_decimal_to_mantissa
#undef rg_decimal_format_e8
#undef rg_decimal_round_to
#undef rg_client_now_ns
#undef rg_client_heartbeat
#undef rg_client_open
#undef rg_client_close
#undef rg_client_symbol_id
#undef rg_client_symbol
#undef rg_client_price_e8
#undef rg_client_qty_e8
#undef rg_client_submit
#undef rg_client_replace
#undef rg_client_cancel
#undef rg_client_poll
#undef rg_client_next_report_seq
#undef rg_client_resume_at
#undef rg_client_take_gap
#undef rg_client_request_replay
#undef rg_client_replay_finished
#undef rg_client_engine_state
#undef rg_client_engine_heartbeat_ns
#undef rg_client_engine_alive
#undef rg_client_account_index
#undef rg_client_read_account
#undef rg_client_read_position
#undef rg_client_read_trading

#define RG_EXPORT __attribute__((visibility("default")))

RG_EXPORT const char *rg_reject_str(unsigned reason);
const char *rg_reject_str(unsigned reason)
{
	return _rg_inl_rg_reject_str(reason);
}

RG_EXPORT const char *rg_report_kind_str(unsigned kind);
const char *rg_report_kind_str(unsigned kind)
{
	return _rg_inl_rg_report_kind_str(kind);
}

RG_EXPORT int rg_decimal_parse_e8(const char *text, enum rg_round mode, int64_t *out_e8);
int rg_decimal_parse_e8(const char *text, enum rg_round mode, int64_t *out_e8)
{
	return _rg_inl_rg_decimal_parse_e8(text, mode, out_e8);
}

RG_EXPORT int rg_decimal_from_mantissa(int64_t mantissa, int exponent, enum rg_round mode, int64_t *out_e8);
int rg_decimal_from_mantissa(int64_t mantissa, int exponent, enum rg_round mode, int64_t *out_e8)
{
	return _rg_inl_rg_decimal_from_mantissa(mantissa, exponent, mode, out_e8);
}

RG_EXPORT void rg_decimal_to_mantissa(int64_t e8, int64_t *mantissa, int *exponent);
void rg_decimal_to_mantissa(int64_t e8, int64_t *mantissa, int *exponent)
{
	_rg_inl_rg_decimal_to_mantissa(e8, mantissa, exponent);
}

RG_EXPORT size_t rg_decimal_format_e8(char *buf, size_t cap, int64_t e8);
size_t rg_decimal_format_e8(char *buf, size_t cap, int64_t e8)
{
	return _rg_inl_rg_decimal_format_e8(buf, cap, e8);
}

RG_EXPORT int rg_decimal_round_to(int64_t value_e8, int64_t step_e8, enum rg_round mode, int64_t *out_e8);
int rg_decimal_round_to(int64_t value_e8, int64_t step_e8, enum rg_round mode, int64_t *out_e8)
{
	return _rg_inl_rg_decimal_round_to(value_e8, step_e8, mode, out_e8);
}

RG_EXPORT uint64_t rg_client_now_ns(void);
uint64_t rg_client_now_ns(void)
{
	return _rg_inl_rg_client_now_ns();
}

RG_EXPORT void rg_client_heartbeat(struct rg_client *c);
void rg_client_heartbeat(struct rg_client *c)
{
	_rg_inl_rg_client_heartbeat(c);
}

RG_EXPORT int rg_client_open(struct rg_client *c, const char *instance, const char *strategy, char *err, size_t errlen);
int rg_client_open(struct rg_client *c, const char *instance, const char *strategy, char *err, size_t errlen)
{
	return _rg_inl_rg_client_open(c, instance, strategy, err, errlen);
}

RG_EXPORT void rg_client_close(struct rg_client *c);
void rg_client_close(struct rg_client *c)
{
	_rg_inl_rg_client_close(c);
}

RG_EXPORT int rg_client_symbol_id(const struct rg_client *c, const char *name, uint32_t *id);
int rg_client_symbol_id(const struct rg_client *c, const char *name, uint32_t *id)
{
	return _rg_inl_rg_client_symbol_id(c, name, id);
}

RG_EXPORT const struct rg_symbol_entry *rg_client_symbol(const struct rg_client *c, uint32_t id);
const struct rg_symbol_entry *rg_client_symbol(const struct rg_client *c, uint32_t id)
{
	return _rg_inl_rg_client_symbol(c, id);
}

RG_EXPORT int rg_client_price_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode, int64_t *price_e8);
int rg_client_price_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode, int64_t *price_e8)
{
	return _rg_inl_rg_client_price_e8(c, id, text, mode, price_e8);
}

RG_EXPORT int rg_client_qty_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode, int64_t *qty_e8);
int rg_client_qty_e8(const struct rg_client *c, uint32_t id, const char *text, enum rg_round mode, int64_t *qty_e8)
{
	return _rg_inl_rg_client_qty_e8(c, id, text, mode, qty_e8);
}

RG_EXPORT bool rg_client_submit(struct rg_client *c, const struct rg_order *order);
bool rg_client_submit(struct rg_client *c, const struct rg_order *order)
{
	return _rg_inl_rg_client_submit(c, order);
}

RG_EXPORT bool rg_client_replace(struct rg_client *c, const struct rg_order *replacement);
bool rg_client_replace(struct rg_client *c, const struct rg_order *replacement)
{
	return _rg_inl_rg_client_replace(c, replacement);
}

RG_EXPORT bool rg_client_cancel(struct rg_client *c, uint64_t client_order_id, uint64_t orig_client_order_id, uint32_t symbol_id);
bool rg_client_cancel(struct rg_client *c, uint64_t client_order_id, uint64_t orig_client_order_id, uint32_t symbol_id)
{
	return _rg_inl_rg_client_cancel(c, client_order_id, orig_client_order_id, symbol_id);
}

RG_EXPORT unsigned rg_client_poll(struct rg_client *c, struct rg_report *out, unsigned max);
unsigned rg_client_poll(struct rg_client *c, struct rg_report *out, unsigned max)
{
	return _rg_inl_rg_client_poll(c, out, max);
}

RG_EXPORT uint64_t rg_client_next_report_seq(const struct rg_client *c);
uint64_t rg_client_next_report_seq(const struct rg_client *c)
{
	return _rg_inl_rg_client_next_report_seq(c);
}

RG_EXPORT void rg_client_resume_at(struct rg_client *c, uint64_t next_report_seq);
void rg_client_resume_at(struct rg_client *c, uint64_t next_report_seq)
{
	_rg_inl_rg_client_resume_at(c, next_report_seq);
}

RG_EXPORT bool rg_client_take_gap(struct rg_client *c, uint64_t *from, uint64_t *to);
bool rg_client_take_gap(struct rg_client *c, uint64_t *from, uint64_t *to)
{
	return _rg_inl_rg_client_take_gap(c, from, to);
}

RG_EXPORT uint32_t rg_client_request_replay(struct rg_client *c, uint64_t from, uint64_t to);
uint32_t rg_client_request_replay(struct rg_client *c, uint64_t from, uint64_t to)
{
	return _rg_inl_rg_client_request_replay(c, from, to);
}

RG_EXPORT bool rg_client_replay_finished(const struct rg_client *c, uint32_t request);
bool rg_client_replay_finished(const struct rg_client *c, uint32_t request)
{
	return _rg_inl_rg_client_replay_finished(c, request);
}

RG_EXPORT uint32_t rg_client_engine_state(const struct rg_client *c);
uint32_t rg_client_engine_state(const struct rg_client *c)
{
	return _rg_inl_rg_client_engine_state(c);
}

RG_EXPORT uint64_t rg_client_engine_heartbeat_ns(const struct rg_client *c);
uint64_t rg_client_engine_heartbeat_ns(const struct rg_client *c)
{
	return _rg_inl_rg_client_engine_heartbeat_ns(c);
}

RG_EXPORT bool rg_client_engine_alive(const struct rg_client *c, uint64_t timeout_ns);
bool rg_client_engine_alive(const struct rg_client *c, uint64_t timeout_ns)
{
	return _rg_inl_rg_client_engine_alive(c, timeout_ns);
}

RG_EXPORT int rg_client_account_index(const struct rg_client *c);
int rg_client_account_index(const struct rg_client *c)
{
	return _rg_inl_rg_client_account_index(c);
}

RG_EXPORT int rg_client_read_account(const struct rg_client *c, struct rg_client_account *out);
int rg_client_read_account(const struct rg_client *c, struct rg_client_account *out)
{
	return _rg_inl_rg_client_read_account(c, out);
}

RG_EXPORT int rg_client_read_position(const struct rg_client *c, uint32_t symbol_id, struct rg_client_position *out);
int rg_client_read_position(const struct rg_client *c, uint32_t symbol_id, struct rg_client_position *out)
{
	return _rg_inl_rg_client_read_position(c, symbol_id, out);
}

RG_EXPORT int rg_client_read_trading(const struct rg_client *c, struct rg_client_trading *out);
int rg_client_read_trading(const struct rg_client *c, struct rg_client_trading *out)
{
	return _rg_inl_rg_client_read_trading(c, out);
}

RG_EXPORT struct rg_client *rg_client_new(void);
struct rg_client *rg_client_new(void)
{
	return (struct rg_client *)calloc(1, sizeof(struct rg_client));
}

RG_EXPORT void rg_client_free(struct rg_client *c);
void rg_client_free(struct rg_client *c)
{
	free(c);
}

RG_EXPORT uint32_t rg_client_abi_version(void);
uint32_t rg_client_abi_version(void)
{
	return RG_ABI_VERSION;
}
