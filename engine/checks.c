/*
 * The pre-trade checks (the order of evaluation and the definitions are in
 * checks.h).  Each check area is a static inline function over one decision
 * context; rg_risk_check_order runs them in order and the compiler folds them
 * into one straight-line function.
 *
 * Shaped for the approved order, which must cost a few tens of nanoseconds:
 *   - an area asks "anything wrong?" of all its conditions (a compare and a
 *     never-taken jump each, which fuse into one instruction; bytes that
 *     must all be zero are ORed); only when something is does a cold
 *     classifier re-run the conditions in the documented order to name the
 *     first failure, with its limit and value;
 *   - the context never leaves this function (cold helpers get explicit
 *     arguments), so it lives in registers;
 *   - a position's notional is never computed for a limit check:
 *     ceil(e * ref / 10^8) > L  <=>  e * ref > L * 10^8, a 128-bit compare,
 *     and for the symbol's own limits the reference update has already
 *     turned both into one quantity (max_side_qty_e8).
 *
 * Nothing is written until every check has passed; then _rg_commit applies
 * the order in one place: open-order slot, side reservation, account and
 * global reserved notional, rate tokens, daily count, breaker probe,
 * duplicate-guard entry.  The sums it writes were checked for overflow by
 * the checks (and nothing changes their terms in between), so the commit
 * cannot fail half way.
 */
#include "checks.h"

#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "risk_events.h"
#include "self_match.h"

#define RG_LIKELY(x) __builtin_expect(!!(x), 1)
#define RG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RG_COLD __attribute__((cold, noinline))
/* The areas and the commit fold into one function (the context stays in registers). */
#define RG_INLINE static inline __attribute__((always_inline))

#define RG_TRY(expr)                                             \
	do {                                                     \
		enum rg_reject_reason try_ = (expr);             \
		if (RG_UNLIKELY(try_ != RG_REJ_NONE))            \
			return try_;                             \
	} while (0)

typedef unsigned __int128 _rg_u128;

/* x == 0, in a form gcc draws no "it is 0" from: otherwise it keeps x (in
 * memory) to return as the approval's 0 on the path where x was 0. */
RG_INLINE bool _rg_is_zero(uint32_t x)
{
#ifdef __GCC_ASM_FLAG_OUTPUTS__
	bool zero;

	__asm__("test %1, %1" : "=@ccz"(zero) : "r"(x));
	return zero;
#else
	return x == 0;
#endif
}

/*
 * Not a reason: the fast path's "not sure, start again" (an area of the
 * fast instance met a rare state it leaves to the general pipeline: a gate
 * byte set, a breaker not closed, an order-to-trade ratio reached).  Nothing
 * has been written when it is returned; _rg_check_order then runs the
 * general pipeline, which names the outcome.  Never leaves this file.
 */
#define _RG_REDO RG_REJ_REASON_MAX

/* Everything one decision works with.  Never passed out of line. */
struct _rg_ctx {
	struct rg_risk *r;
	const struct rg_order *o;
	struct rg_decision *out;
	struct rg_strategy_state *st;
	struct rg_account_state *acct;
	struct rg_symbol_state *sym;  /* NULL when the symbol id is out of range */
	struct rg_position *pos;      /* NULL likewise */
	struct rg_open_order *orig;   /* replace: its live target, or NULL */
	uint64_t oo_pos;              /* where the new order goes in the open-order index (rg_open_orders_probe) */
	struct rg_credit *credit;     /* venue credit (area 6b): the line the commit moves, or NULL */
	struct rg_position *smp_book; /* self-match (area 11c): the book line the approved order joins, or NULL */
	struct rg_dup_set *dup_set;   /* duplicate guard (area 10): the order's set, where the commit records
				       * it; NULL: the guard is off (or a replace) */
	uint32_t dup_key;             /* and key */
	uint64_t now;
	int64_t orig_leaves_e8;       /* replace: target's leaves (same symbol and side) */
	int64_t orig_reserved_e8;     /* replace: target's reserved notional */
	int64_t notional_e8;          /* the order's notional at its valuation price */
	int64_t value_price_e8;       /* limit price, or reference + band for a market order */
	int64_t side_e8;              /* the order's side of the position after it: > 0 away from zero */
	int64_t new_open_side_e8;     /* open quantity on the order's side with it (area 6 checks the sums the */
	int64_t new_acct_open_e8;     /* account reserved notional with it   commit makes again where it stores */
	int64_t new_global_e8;        /* global gross with it                them) */
	bool market;
	bool buy;
	bool known_sym;               /* sym and pos are set (always on the fast path) */
	bool is_new;                  /* kind NEW (the fast path's only kind) */
	bool replace;                 /* kind REPLACE */
	bool probe;
	bool shrink;                  /* a replace that only lowers its target's quantity and notional */
	bool fast;                    /* the fast instance: its gate passed (no kill, every trading state
				       * ACTIVE, no loss state, no throttle latch), and what it is not sure of
				       * it returns as _RG_REDO */
	uint8_t extra;                /* st->extra as area 11 read it: what the commit does for them, and
				       * RG_EXTRA_OTR_LET_GO */
};

/*
 * Areas 2b, 4 and 5 of the fast instance (run when _rg_limit_order_fits was
 * not sure): a classifier's answer is final.  Its area's test found
 * something and the classifier names it (it re-runs the same conditions);
 * were it to find nothing, the order is refused MALFORMED rather than
 * carried on, so nothing of the fast path outlives the call.
 */
#define _rg_named(c, expr)                                                               \
	__extension__({                                                                  \
		enum rg_reject_reason named_;                                            \
		if ((c)->fast) /* its refusal fills *out (_rg_refuse) */                 \
			_rg_out_init((c)->out, (c)->o);                                  \
		named_ = (expr);                                                         \
		(c)->fast && named_ == RG_REJ_NONE ? RG_REJ_MALFORMED : named_;          \
	})

/*
 * Any other area of the fast instance that finds something wrong leaves the
 * naming of it to the general pipeline (_RG_REDO) instead of calling its
 * classifier, which may find nothing and carry on: the fast path makes no
 * call it comes back from, so none of its values has to outlive a call.
 * (The duplicate guard's refusal, which the benchmarks time, verifies in
 * line.)
 */
#define RG_FAST_REDO(c)                          \
	do {                                     \
		if ((c)->fast)                   \
			return _RG_REDO;         \
	} while (0)

RG_INLINE enum rg_reject_reason _rg_reject(struct rg_decision *out, enum rg_reject_reason why, int64_t limit,
					       int64_t value)
{
	out->reason = (uint16_t)why;
	out->limit = limit;
	out->value = value;
	return why;
}

RG_INLINE void _rg_out_init(struct rg_decision *out, const struct rg_order *o);

/* A refusal by the context's instance: the fast one has not filled *out yet
 * (its approval writes the whole decision at once). */
RG_INLINE enum rg_reject_reason _rg_refuse(struct _rg_ctx *c, enum rg_reject_reason why, int64_t limit,
					       int64_t value)
{
	if (c->fast)
		_rg_out_init(c->out, c->o);
	return _rg_reject(c->out, why, limit, value);
}

/*
 * The order's side of the position once it (and every open order on that
 * side) fills: position + open buys + qty for a buy, -(position - open sells
 * - qty) for a sell, a replace's target excluded.  <= 0 means the order
 * reduces (checks.h).  Sets *open_new to the side's open quantity with the
 * order.  False on int64 overflow.
 */
RG_INLINE bool _rg_side_after(const struct rg_position *p, bool buy, int64_t q, int64_t orig_leaves,
				  int64_t *open_new, int64_t *side)
{
	int64_t open = buy ? p->open_buy_qty_e8 : p->open_sell_qty_e8;
	int64_t pos = buy ? p->qty_e8 : -p->qty_e8; /* positions stay above INT64_MIN */
	int64_t s;

	return rg_add_i64(open, q, open_new) && rg_sub_i64(*open_new, orig_leaves, &s) && rg_add_i64(s, pos, side);
}

/* Does a well-formed order reduce?  For the cold paths; false when unsure. */
static bool _rg_order_reduces(const struct rg_position *p, const struct rg_order *o, int64_t orig_leaves)
{
	int64_t open_new, side;

	if (p == NULL || o->qty_e8 <= 0 || (o->side != RG_SIDE_BUY && o->side != RG_SIDE_SELL))
		return false;
	return _rg_side_after(p, o->side == RG_SIDE_BUY, o->qty_e8, orig_leaves, &open_new, &side) && side <= 0;
}

/* ---- 1. kill switch and trading state ----------------------------------- */

RG_COLD static enum rg_reject_reason _rg_state_classify(struct rg_decision *out, const struct rg_risk *r,
							const struct rg_account_state *a,
							const struct rg_strategy_state *st,
							const struct rg_symbol_state *sym, const struct rg_position *p,
							const struct rg_order *o, int64_t orig_leaves)
{
	static const enum rg_reject_reason halted[4] = {RG_REJ_INSTANCE_HALTED, RG_REJ_ACCOUNT_HALTED,
							RG_REJ_STRATEGY_HALTED, RG_REJ_SYMBOL_HALTED};
	uint8_t states[4] = {r->instance_state, a->state, st->state, sym != NULL ? sym->state : (uint8_t)RG_STATE_ACTIVE};
	int i;

	if (r->kill)
		return _rg_reject(out, RG_REJ_KILL_SWITCH, 0, RG_RSCOPE_INSTANCE);
	if (a->kill)
		return _rg_reject(out, RG_REJ_KILL_SWITCH, 0, RG_RSCOPE_ACCOUNT);
	if (st->kill)
		return _rg_reject(out, RG_REJ_KILL_SWITCH, 0, RG_RSCOPE_STRATEGY);
	if (sym != NULL && (sym->kill & (RG_KILL_BY_SYMBOL | RG_KILL_BY_VENUE)) != 0)
		return _rg_reject(out, RG_REJ_KILL_SWITCH, 0,
				  (sym->kill & RG_KILL_BY_SYMBOL) ? RG_RSCOPE_SYMBOL : RG_RSCOPE_VENUE);
	if (sym != NULL && (sym->kill & RG_SYM_CLOSED))
		return _rg_reject(out, RG_REJ_MARKET_CLOSED, 0, 0);
	for (i = 0; i < 4; i++) {
		if (states[i] == RG_STATE_HALTED)
			return _rg_reject(out, halted[i], 0, 0);
		if (states[i] == RG_STATE_REDUCING && !_rg_order_reduces(p, o, orig_leaves))
			return _rg_reject(out, RG_REJ_REDUCE_ONLY, 0, p != NULL ? p->qty_e8 : 0);
	}
	return RG_REJ_NONE;
}

/*
 * The fast instance's gate: every byte that must be 0 for an order to pass
 * area 1, area 7's loss state and area 8's throttle latch, laid out as the
 * first bytes of the lines the order reads anyway (instance, account,
 * strategy, symbol) and read as four words.  Anything set: the general
 * pipeline decides (_RG_REDO), and the fast instance skips the loss state
 * and the latch.
 */
RG_INLINE bool _rg_gate_clear(const struct _rg_ctx *c)
{
	uint16_t rw, sw;
	uint32_t aw, tw;

	memcpy(&rw, (const unsigned char *)c->r + offsetof(struct rg_risk, kill), sizeof(rw));
	memcpy(&aw, (const unsigned char *)c->acct + offsetof(struct rg_account_state, state), sizeof(aw));
	memcpy(&tw, (const unsigned char *)c->st + offsetof(struct rg_strategy_state, state), sizeof(tw));
	memcpy(&sw, (const unsigned char *)c->sym + offsetof(struct rg_symbol_state, state), sizeof(sw));
	return _rg_is_zero((uint32_t)rw | aw | tw | sw);
}

RG_INLINE enum rg_reject_reason _rg_check_state(struct _rg_ctx *c)
{
	if (c->fast)
		return RG_LIKELY(_rg_gate_clear(c)) ? RG_REJ_NONE : _RG_REDO;
	/* The kill bytes sit beside the state bytes on lines the order reads anyway. */
	unsigned any = (unsigned)c->r->kill | c->r->instance_state | c->acct->state | c->acct->kill | c->st->state |
		       c->st->kill | (c->known_sym ? (unsigned)c->sym->state | c->sym->kill : 0u);

	if (RG_LIKELY(any == 0))
		return RG_REJ_NONE;
	return _rg_state_classify(c->out, c->r, c->acct, c->st, c->sym, c->pos, c->o, c->orig_leaves_e8);
}

/* ---- 2a. message structure ---------------------------------------------- */

RG_COLD static enum rg_reject_reason _rg_message_classify(struct rg_decision *out, const struct rg_order *o)
{
	uint64_t reserved;

	memcpy(&reserved, o->reserved, sizeof(reserved));
	if (reserved != 0 || o->client_order_id == 0)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	if (o->kind != RG_ORDER_NEW && o->kind != RG_ORDER_REPLACE)
		return _rg_reject(out, RG_REJ_BAD_KIND, 0, o->kind);
	if ((unsigned)o->side - 1u > 1u)
		return _rg_reject(out, RG_REJ_BAD_SIDE, 0, o->side);
	if ((unsigned)o->type - 1u > 1u)
		return _rg_reject(out, RG_REJ_BAD_ORDER_TYPE, 0, o->type);
	if ((unsigned)o->tif - 1u > 3u)
		return _rg_reject(out, RG_REJ_BAD_TIF, 0, o->tif);
	if (o->qty_e8 <= 0)
		return _rg_reject(out, RG_REJ_BAD_QTY, 0, o->qty_e8);
	return _rg_reject(out, RG_REJ_BAD_PRICE, 0, o->price_e8);
}

/*
 * kind, side, type and tif are four adjacent bytes; one 32-bit word checks
 * them all.  Subtracting 1 from each byte maps the valid values to
 * kind {0, 2} (NEW, REPLACE; a cancel never gets here), side {0, 1},
 * type {0, 1}, tif {0..3}; any other bit set, or a borrow from a zero byte
 * (which leaves 0xff in that byte), is invalid.
 */
#define RG_ENUM_BYTES_ONES 0x01010101u
#define RG_ENUM_BYTES_BAD 0xfcfefefdu /* tif ~0x03, type ~0x01, side ~0x01, kind ~0x02 */
_Static_assert(offsetof(struct rg_order, side) == offsetof(struct rg_order, kind) + 1 &&
		       offsetof(struct rg_order, type) == offsetof(struct rg_order, kind) + 2 &&
		       offsetof(struct rg_order, tif) == offsetof(struct rg_order, kind) + 3,
	       "kind, side, type, tif are adjacent bytes");
_Static_assert(RG_ORDER_NEW == 1 && RG_ORDER_REPLACE == 3 && RG_SIDE_SELL == 2 && RG_TYPE_MARKET == 2 &&
		       RG_TIF_GTC == 4,
	       "RG_ENUM_BYTES_BAD encodes these values");
/* The same for the fast path's orders: kind NEW (1) and type LIMIT (1) exactly, a valid side and tif. */
#define RG_ENUM_BYTES_BAD_NEW_LIMIT 0xfcfffeffu /* tif ~0x03, type ~0x00, side ~0x01, kind ~0x00 */
_Static_assert(RG_TYPE_LIMIT == 1 && RG_SIDE_BUY == 1 && RG_TIF_DAY == 1, "RG_ENUM_BYTES_BAD_NEW_LIMIT encodes these");

/* kind, side, type and tif as one word, kind in its low byte. */
RG_INLINE uint32_t _rg_enum_bytes(const struct rg_order *o)
{
	uint32_t enums;

	memcpy(&enums, &o->kind, sizeof(enums));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	enums = __builtin_bswap32(enums);
#endif
	return enums;
}

/*
 * What a replace asks of its target: live, of the same symbol and side, not
 * cancel-pending, not being replaced nor itself a replacement not yet done,
 * resting (a limit order, DAY or GTC, and so the replace), and a change of
 * quantity or price.  A filled order is no longer live: UNKNOWN_ORDER.
 */
RG_COLD static enum rg_reject_reason _rg_replace_classify(struct rg_decision *out, const struct rg_open_order *t,
							  const struct rg_order *o)
{
	if (t == NULL)
		return _rg_reject(out, RG_REJ_UNKNOWN_ORDER, 0, (int64_t)o->orig_client_order_id);
	if (t->symbol != o->symbol_id || t->side != o->side)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	if (t->flags & RG_OO_CANCEL_PENDING)
		return _rg_reject(out, RG_REJ_REPLACE_CANCEL_PENDING, 0, (int64_t)o->orig_client_order_id);
	if ((t->flags & RG_OO_REPLACE_PENDING) || t->replaces != 0)
		return _rg_reject(out, RG_REJ_REPLACE_PENDING, 0, (int64_t)o->orig_client_order_id);
	if ((t->flags & (RG_OO_MARKET | RG_OO_IOC)) || o->type != RG_TYPE_LIMIT || o->tif == RG_TIF_IOC ||
	    o->tif == RG_TIF_FOK)
		return _rg_reject(out, RG_REJ_REPLACE_NOT_RESTING, 0, (int64_t)o->orig_client_order_id);
	if (t->leaves_qty_e8 == o->qty_e8 && t->price_e8 == o->price_e8)
		return _rg_reject(out, RG_REJ_REPLACE_NO_CHANGE, 0, o->qty_e8);
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_message(struct _rg_ctx *c)
{
	const struct rg_order *o = c->o;
	uint64_t reserved;
	bool bad;

	memcpy(&reserved, o->reserved, sizeof(reserved));
	/* the fast instance's caller has checked the four bytes (RG_ENUM_BYTES_BAD_NEW_LIMIT) */
	bad = (reserved != 0) || (o->client_order_id == 0) ||
	      (!c->fast && ((_rg_enum_bytes(o) - RG_ENUM_BYTES_ONES) & RG_ENUM_BYTES_BAD) != 0) || (o->qty_e8 <= 0) ||
	      (c->market ? o->price_e8 != 0 : o->price_e8 <= 0);
	if (RG_UNLIKELY(bad)) {
		if (c->fast)
			_rg_out_init(c->out, o);
		return _rg_message_classify(c->out, o);
	}
	if (RG_UNLIKELY(rg_open_orders_probe(&c->st->orders, o->client_order_id, &c->oo_pos) != NULL))
		return _rg_refuse(c, RG_REJ_DUPLICATE_CLORDID, 0, (int64_t)o->client_order_id);
	if (RG_UNLIKELY(c->replace))
		return _rg_replace_classify(c->out, c->orig, o);
	return RG_REJ_NONE;
}

/* ---- 3. symbol whitelist ------------------------------------------------ */

/* Bit b (< 64) of x.  As a bt whose flag the branch takes: gcc otherwise
 * turns the bit into a byte and tests that (three more instructions). */
RG_INLINE bool _rg_bit(uint64_t x, uint64_t b)
{
#if defined(__GCC_ASM_FLAG_OUTPUTS__) && defined(__x86_64__)
	bool set;

	__asm__("bt %2, %1" : "=@ccc"(set) : "r"(x), "r"(b));
	return set;
#else
	return (x >> b) & 1u;
#endif
}

RG_INLINE enum rg_reject_reason _rg_check_whitelist(struct _rg_ctx *c)
{
	if (RG_UNLIKELY(!c->known_sym))
		return _rg_refuse(c, RG_REJ_UNKNOWN_SYMBOL, c->r->n_symbols, c->o->symbol_id);
	/* A disabled symbol permits no account (rg_symbol_state). */
	if (RG_UNLIKELY(!_rg_bit(c->sym->permitted_accounts, c->st->account)))
		return _rg_refuse(c, c->sym->enabled ? RG_REJ_SYMBOL_NOT_PERMITTED : RG_REJ_SYMBOL_DISABLED, 0,
				  c->o->symbol_id);
	return RG_REJ_NONE;
}

/* ---- 2b. structure against the symbol ----------------------------------- */

RG_COLD static enum rg_reject_reason _rg_symbol_structure_classify(struct rg_decision *out,
								   const struct rg_symbol_state *s,
								   const struct rg_order *o, bool market)
{
	int64_t q = o->qty_e8, p = o->price_e8;

	if (market && !s->market_allowed)
		return _rg_reject(out, RG_REJ_MARKET_NOT_ALLOWED, 0, 0);
	if (!rg_divisible((uint64_t)q, &s->lot))
		return _rg_reject(out, RG_REJ_LOT_SIZE, (int64_t)rg_divisor_value(&s->lot), q);
	if (q < s->min_qty_e8)
		return _rg_reject(out, RG_REJ_QTY_OUT_OF_RANGE, s->min_qty_e8, q);
	if (q > s->max_qty_e8)
		return _rg_reject(out, RG_REJ_QTY_OUT_OF_RANGE, s->max_qty_e8, q);
	if (!market) {
		if (!rg_divisible((uint64_t)p, &s->tick))
			return _rg_reject(out, RG_REJ_TICK_SIZE, (int64_t)rg_divisor_value(&s->tick), p);
		if (p < s->min_price_e8)
			return _rg_reject(out, RG_REJ_PRICE_OUT_OF_RANGE, s->min_price_e8, p);
		if (p > s->max_price_e8)
			return _rg_reject(out, RG_REJ_PRICE_OUT_OF_RANGE, s->max_price_e8, p);
	}
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_symbol_structure(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	int64_t q = c->o->qty_e8, p = c->o->price_e8;
	bool bad = !rg_divisible((uint64_t)q, &s->lot) | (q < s->min_qty_e8) | (q > s->max_qty_e8);

	if (c->market)
		bad |= !s->market_allowed;
	else
		bad |= !rg_divisible((uint64_t)p, &s->tick) | (p < s->min_price_e8) | (p > s->max_price_e8);
	if (RG_UNLIKELY(bad))
		return _rg_named(c, _rg_symbol_structure_classify(c->out, s, c->o, c->market));
	return RG_REJ_NONE;
}

/* ---- 4. size ------------------------------------------------------------ */

RG_INLINE bool _rg_ref_fresh(const struct rg_symbol_state *s, uint64_t now, uint64_t max_age)
{
	uint64_t age = now > s->ref_ts_ns ? now - s->ref_ts_ns : 0;

	return s->ref_price_e8 > 0 && age <= max_age;
}

/* Sets value_price_e8 and notional_e8.  Returns 1 when valued, 0 when a
 * market order has no usable reference (area 5 refuses it), -1 when the
 * notional overflows. */
RG_INLINE int _rg_value_order(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;

	c->value_price_e8 = c->o->price_e8;
	if (RG_UNLIKELY(c->market)) {
		if (!_rg_ref_fresh(s, c->now, c->r->reference_max_age_ns)) {
			c->notional_e8 = 0;
			return 0;
		}
		c->value_price_e8 = s->market_price_e8;
	}
	if (RG_UNLIKELY(!rg_notional_e8(c->o->qty_e8, c->value_price_e8, &c->notional_e8))) {
		c->notional_e8 = 0;
		return -1;
	}
	return 1;
}

RG_COLD static enum rg_reject_reason _rg_size_classify(struct rg_decision *out, const struct rg_symbol_state *s,
						       const struct rg_account_state *a, int64_t q, int valued,
						       int64_t n)
{
	if (q > s->max_order_qty_e8)
		return _rg_reject(out, RG_REJ_MAX_ORDER_QTY, s->max_order_qty_e8, q);
	if (valued < 0)
		return _rg_reject(out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, q);
	if (valued == 0)
		return RG_REJ_NONE; /* market order without a reference: area 5 refuses it */
	if (n < s->min_notional_e8)
		return _rg_reject(out, RG_REJ_MIN_NOTIONAL, s->min_notional_e8, n);
	if (n > s->max_notional_e8)
		return _rg_reject(out, RG_REJ_MAX_NOTIONAL, s->max_notional_e8, n);
	if (n < a->min_notional_e8)
		return _rg_reject(out, RG_REJ_MIN_NOTIONAL, a->min_notional_e8, n);
	if (n > a->max_notional_e8)
		return _rg_reject(out, RG_REJ_MAX_NOTIONAL, a->max_notional_e8, n);
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_size(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	const struct rg_account_state *a = c->acct;
	int64_t q = c->o->qty_e8, n;
	int valued = _rg_value_order(c);
	bool bad;

	n = c->notional_e8;
	bad = (q > s->max_order_qty_e8) | (valued != 1) | (n < s->min_notional_e8) | (n > s->max_notional_e8) |
	      (n < a->min_notional_e8) | (n > a->max_notional_e8);
	if (RG_UNLIKELY(bad))
		return _rg_named(c, _rg_size_classify(c->out, s, a, q, valued, n));
	return RG_REJ_NONE;
}

/* ---- 5. reference price and collar -------------------------------------- */

RG_COLD static enum rg_reject_reason _rg_collar_classify(struct rg_decision *out, const struct rg_symbol_state *s,
							 uint64_t age, uint64_t max_age, int64_t p, bool market)
{
	if (s->ref_price_e8 <= 0)
		return _rg_reject(out, RG_REJ_NO_REFERENCE_PRICE, 0, 0);
	if (age > max_age)
		return _rg_reject(out, RG_REJ_STALE_REFERENCE_PRICE, (int64_t)max_age,
				  age > INT64_MAX ? INT64_MAX : (int64_t)age);
	if (!market && p < s->collar_lo_e8)
		return _rg_reject(out, RG_REJ_PRICE_COLLAR, s->collar_lo_e8, p);
	if (!market && p > s->collar_hi_e8)
		return _rg_reject(out, RG_REJ_PRICE_COLLAR, s->collar_hi_e8, p);
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_collar(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	uint64_t age = c->now > s->ref_ts_ns ? c->now - s->ref_ts_ns : 0;
	int64_t p = c->o->price_e8;
	bool bad = (s->ref_price_e8 <= 0) | (age > c->r->reference_max_age_ns);

	if (!c->market)
		bad |= (p < s->collar_lo_e8) | (p > s->collar_hi_e8);
	if (RG_UNLIKELY(bad))
		return _rg_named(c, _rg_collar_classify(c->out, s, age, c->r->reference_max_age_ns, p, c->market));
	return RG_REJ_NONE;
}

/* ---- 2b, 4 and 5 at once, for a new limit order --------------------------- */

/* rotr(n * inverse, shift): n / d when d divides n, above UINT64_MAX / d otherwise (fixed.h). */
RG_INLINE uint64_t _rg_quotient_or_big(uint64_t n, uint64_t inverse, unsigned shift)
{
	uint64_t x = n * inverse;

	return (x >> shift) | (x << ((64 - shift) & 63));
}

/*
 * Areas 2b (structure against the symbol), 4 (size) and 5 (reference and
 * collar) of a new limit order that passed 2a and 3, from lines 0 and 1 of
 * its symbol: true when every one of them passes, having set what area 4
 * sets (value price, notional).  False says only "not sure": the areas then
 * run one by one and name the first failure.  Two range tests of a rotated
 * product stand for lot, quantity range, max order quantity, tick, price
 * range and collar (rg_symbol_state); the deadline for a present and fresh
 * reference.
 */
RG_INLINE bool _rg_limit_order_fits(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	const struct rg_account_state *a = c->acct;
	int64_t q = c->o->qty_e8, p = c->o->price_e8, n;
	uint64_t kq = _rg_quotient_or_big((uint64_t)q, s->lot_inverse, s->lot_shift);
	uint64_t kp = _rg_quotient_or_big((uint64_t)p, s->tick_inverse, s->tick_shift);
	/* Branch by branch: a compare and a never-taken jump fuse into one
	 * instruction, where folding the conditions into one costs a setcc and
	 * an and each. */
	if (RG_UNLIKELY(kq - s->qty_k_lo > s->qty_k_span) || RG_UNLIKELY(kp - s->price_k_lo > s->price_k_span) ||
	    RG_UNLIKELY(c->now > s->ref_fresh_until_ns) || RG_UNLIKELY(!rg_notional_e8(q, p, &n)) ||
	    RG_UNLIKELY(n < s->min_notional_e8) || RG_UNLIKELY(n > s->max_notional_e8) ||
	    RG_UNLIKELY(n < a->min_notional_e8) || RG_UNLIKELY(n > a->max_notional_e8))
		return false;
	c->value_price_e8 = p;
	c->notional_e8 = n;
	return true;
}

/* ---- 6. exposure -------------------------------------------------------- */

/* a * b as unsigned 64 x 64 -> 128 (a, b >= 0): one mul.  The empty asm
 * hides where `a` came from, which otherwise leads gcc into a signed
 * widening multiply and a correction term. */
RG_INLINE _rg_u128 _rg_mul_u64(int64_t a, int64_t b)
{
	uint64_t x = (uint64_t)a;

	__asm__("" : "+r"(x));
	return (_rg_u128)x * (uint64_t)b;
}

/* a * *b >= the 128-bit lo, hi at y (a, *b >= 0): a multiply, a compare
 * and a subtract with borrow, the operands in memory (gcc moves 128-bit
 * values through the stack). */
RG_INLINE bool _rg_product_at_least(int64_t a, const int64_t *b, const uint64_t y[2])
{
#if defined(__GCC_ASM_FLAG_OUTPUTS__) && defined(__x86_64__)
	uint64_t lo = (uint64_t)a, hi;
	bool below;

	__asm__("mulq %3\n\tcmp %4, %1\n\tsbb %5, %2"
		: "=@ccc"(below), "+a"(lo), "=d"(hi)
		: "m"(*b), "m"(y[0]), "m"(y[1]));
	return !below;
#else
	return _rg_mul_u64(a, *b) >= ((_rg_u128)y[1] << 64 | y[0]);
#endif
}

RG_COLD static enum rg_reject_reason _rg_exposure_classify(struct rg_decision *out, const struct rg_risk *r,
							   const struct rg_symbol_state *s,
							   const struct rg_account_state *a, int64_t e, _rg_u128 en16,
							   bool gross_ok, int64_t gross, bool global_ok, int64_t global)
{
	int64_t en;

	if (e > s->max_position_qty_e8)
		return _rg_reject(out, RG_REJ_MAX_POSITION_QTY, s->max_position_qty_e8, e);
	if (en16 > (_rg_u128)INT64_MAX * RG_E8 || !rg_notional_e8(e, s->ref_price_e8, &en))
		return _rg_reject(out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, e);
	if (en > s->max_position_notional_e8)
		return _rg_reject(out, RG_REJ_MAX_POSITION_NOTIONAL, s->max_position_notional_e8, en);
	if (en > a->position_equity_limit_e8)
		return _rg_reject(out, RG_REJ_POSITION_EQUITY_PCT, a->position_equity_limit_e8, en);
	if (!gross_ok)
		return _rg_reject(out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, INT64_MAX);
	if (gross > a->gross_limit_e8)
		return _rg_reject(out, RG_REJ_ACCOUNT_GROSS_EXPOSURE, a->gross_limit_e8, gross);
	if (!global_ok)
		return _rg_reject(out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, INT64_MAX);
	if (global > r->global_gross_limit_e8)
		return _rg_reject(out, RG_REJ_GLOBAL_GROSS_EXPOSURE, r->global_gross_limit_e8, global);
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_exposure(struct _rg_ctx *c)
{
	const struct rg_symbol_state *s = c->sym;
	const struct rg_account_state *a = c->acct;
	int64_t n = c->notional_e8, e, gross, global, delta = n - c->orig_reserved_e8; /* both >= 0 */
	_rg_u128 en16;
	bool gross_ok, global_ok, bad;

	/* What the commit will write, and the side after the order; an overflow
	 * here refuses even a reducing order. */
	if (RG_UNLIKELY(!_rg_side_after(c->pos, c->buy, c->o->qty_e8, c->orig_leaves_e8, &c->new_open_side_e8,
					&c->side_e8) ||
			!rg_add_i64(a->open_notional_e8, n, &c->new_acct_open_e8) ||
			!rg_add_i64(c->r->global_gross_e8, n, &c->new_global_e8))) {
		RG_FAST_REDO(c);
		return _rg_reject(c->out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, n);
	}
	e = c->side_e8;
	if (e <= 0)
		return RG_REJ_NONE; /* reducing: never denied by exposure */
	if (c->fast) {
		/* No replace target: the same conditions as one chain of compares and
		 * jumps, the equity limit's product precomputed; the general pipeline
		 * names a refusal. */
		int64_t gross_fast;

		if (RG_UNLIKELY(e > s->max_side_qty_e8) ||
		    RG_UNLIKELY(_rg_product_at_least(e, &s->ref_price_e8, a->position_equity_refused_e16)) ||
		    RG_UNLIKELY(!rg_add_i64(a->gross_position_e8, c->new_acct_open_e8, &gross_fast)) ||
		    RG_UNLIKELY(gross_fast > a->gross_limit_e8) ||
		    RG_UNLIKELY(c->new_global_e8 > c->r->global_gross_limit_e8))
			return _RG_REDO;
		return RG_REJ_NONE;
	}
	if (RG_UNLIKELY(c->orig != NULL) && c->o->qty_e8 <= c->orig_leaves_e8 && n <= c->orig_reserved_e8) {
		c->shrink = true; /* a replace that only lowers what its target reserves: nor by loss (area 7) */
		return RG_REJ_NONE;
	}
	/* e * ref compared with limit * 10^8: the ceiling notional without dividing. */
	en16 = _rg_mul_u64(e, s->ref_price_e8);
	/* The account's gross with the order; when it reserves its whole notional
	 * (no replace target), the open notional with it is already summed, and
	 * with three terms >= 0 either order of the sums overflows alike. */
	if (c->orig_reserved_e8 == 0)
		gross_ok = rg_add_i64(a->gross_position_e8, c->new_acct_open_e8, &gross);
	else
		gross_ok = rg_add_i64(a->gross_position_e8, a->open_notional_e8, &gross) &&
			   rg_add_i64(gross, delta, &gross);
	global_ok = rg_add_i64(c->r->global_gross_e8, delta, &global);
	bad = (e > s->max_side_qty_e8) || (en16 > (_rg_u128)(uint64_t)a->position_equity_limit_e8 * RG_E8) ||
	      !gross_ok || (gross > a->gross_limit_e8) || !global_ok || (global > c->r->global_gross_limit_e8);
	if (RG_UNLIKELY(bad)) {
		RG_FAST_REDO(c);
		return _rg_exposure_classify(c->out, c->r, s, a, e, en16, gross_ok, gross, global_ok, global);
	}
	return RG_REJ_NONE;
}

/* ---- 11a. venue credit --------------------------------------------------- */

/* Not surely within the cap: the arithmetic that names the refusal (open +
 * notional, less a replace's target, plus filled; an overflow refuses), or
 * RG_REJ_NONE. */
RG_COLD static enum rg_reject_reason _rg_credit_classify(struct rg_decision *out, const struct rg_credit *cr,
							 int64_t n, int64_t orig_reserved)
{
	int64_t open, total;

	if (!rg_add_i64(cr->open_e8, n, &open) || !rg_add_i64(open - orig_reserved, cr->filled_e8, &total))
		return _rg_reject(out, RG_REJ_ARITH_OVERFLOW, INT64_MAX, n);
	if (total > cr->limit_e8)
		return _rg_reject(out, RG_REJ_VENUE_CREDIT, cr->limit_e8, total);
	return RG_REJ_NONE;
}

/*
 * The open part takes the whole notional, as the account's reserved
 * notional does; a replace's target is released when it completes, so the
 * cap is held against the growth only: open + (n - orig) + filled <= limit.
 * Asked without a sum that can overflow (open, filled, n, orig and the limit
 * are >= 0): room = limit - filled, then open <= room and n - orig <= room -
 * open.  True is exact; anything else goes to the classifier.  The commit
 * adds n to the line's open part (c->credit).
 */
RG_INLINE enum rg_reject_reason _rg_credit_check(struct _rg_ctx *c)
{
	struct rg_credit *cr = &c->r->credit[c->st->credit_row + c->sym->venue]; /* rg_risk_credit */
	int64_t room = cr->limit_e8 - cr->filled_e8, open = cr->open_e8;

	if (RG_UNLIKELY(open > room) || RG_UNLIKELY(c->notional_e8 - c->orig_reserved_e8 > room - open)) {
		RG_FAST_REDO(c);
		RG_TRY(_rg_credit_classify(c->out, cr, c->notional_e8, c->orig_reserved_e8));
	}
	c->credit = cr;
	return RG_REJ_NONE;
}

/* ---- 7. daily loss and drawdown ----------------------------------------- */

RG_COLD static enum rg_reject_reason _rg_loss_reject(struct rg_decision *out, const struct rg_account_state *a)
{
	if (a->loss_reason == RG_REJ_DRAWDOWN)
		return _rg_reject(out, RG_REJ_DRAWDOWN, a->drawdown_limit_e8,
				  a->peak_equity_e8 - (a->equity_sod_e8 + a->day_pnl_e8));
	return _rg_reject(out, (enum rg_reject_reason)a->loss_reason, -a->loss_limit_e8, a->day_pnl_e8);
}

/* c->side_e8 must be set (area 6 sets it). */
RG_INLINE enum rg_reject_reason _rg_check_loss(struct _rg_ctx *c)
{
	const struct rg_account_state *a = c->acct;

	if (c->fast || RG_LIKELY(a->loss_state == RG_STATE_ACTIVE) || c->shrink) /* fast: the gate saw it */
		return RG_REJ_NONE;
	if (a->loss_state == RG_STATE_HALTED || c->side_e8 > 0)
		return _rg_loss_reject(c->out, a);
	return RG_REJ_NONE;
}

/* ---- 8. rates ----------------------------------------------------------- */

RG_COLD static enum rg_reject_reason _rg_rates_classify(struct rg_decision *out, const struct rg_strategy_state *st,
							const struct rg_account_state *a, bool is_new, uint64_t now)
{
	uint32_t max_open = is_new ? st->orders.max_count : st->orders.max_count + st->orders.max_count / 2;

	if (!is_new && !rg_gcra_conforms(&st->modify_rate, now))
		return _rg_reject(out, RG_REJ_MODIFY_RATE, (int64_t)st->modify_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&st->modify_rate, now) - now));
	if (is_new && !rg_gcra_conforms(&st->order_rate, now))
		return _rg_reject(out, RG_REJ_ORDER_RATE, (int64_t)st->order_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&st->order_rate, now) - now));
	if (is_new && a->orders_today >= a->max_orders_per_day)
		return _rg_reject(out, RG_REJ_DAILY_ORDER_COUNT, a->max_orders_per_day, (int64_t)a->orders_today + 1);
	if (!rg_gcra_conforms(&st->message_rate, now))
		return _rg_reject(out, RG_REJ_MESSAGE_RATE, (int64_t)st->message_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&st->message_rate, now) - now));
	if (st->throttle_latched)
		return _rg_reject(out, RG_REJ_EXECUTION_THROTTLE, st->fills.capacity, st->fills.count);
	if (st->orders.count >= max_open)
		return _rg_reject(out, RG_REJ_MAX_OPEN_ORDERS, max_open, st->orders.count);
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_rates(struct _rg_ctx *c)
{
	const struct rg_strategy_state *st = c->st;
	bool is_new = c->is_new;
	bool bad = !rg_gcra_conforms(&st->message_rate, c->now) || (!c->fast && st->throttle_latched != 0);

	/* A replace is not a new order: its own modify rate (a line a new order
	 * never reads) instead of the order rate and day count; its replacement
	 * may take an open-order slot beside its target until the venue answers
	 * (up to half as many again). */
	if (RG_LIKELY(is_new))
		bad = bad || !rg_gcra_conforms(&st->order_rate, c->now) ||
		      (c->acct->orders_today >= c->acct->max_orders_per_day) || (st->orders.count >= st->orders.max_count);
	else
		bad = bad || !rg_gcra_conforms(&st->modify_rate, c->now) ||
		      (st->orders.count >= st->orders.max_count + st->orders.max_count / 2);

	if (RG_UNLIKELY(bad)) {
		RG_FAST_REDO(c);
		return _rg_rates_classify(c->out, st, c->acct, is_new, c->now);
	}
	return RG_REJ_NONE;
}

/* ---- 11b. order-to-trade ratio ------------------------------------------ */

/* c->extra (not a bit of st->extra): a ratio was reached and area 11b's cold
 * path let the order go (it reduces). */
#define RG_EXTRA_OTR_LET_GO 0x80u
_Static_assert(((RG_OTR_STRATEGY | RG_OTR_ACCOUNT | RG_CREDIT | RG_SMP_ON) & RG_EXTRA_OTR_LET_GO) == 0,
	       "RG_EXTRA_OTR_LET_GO is no bit of st->extra");

/* The strategy's and the account's ratios, when one applies (st->extra). */
RG_COLD static enum rg_reject_reason _rg_otr_classify(struct rg_decision *out, const struct rg_strategy_state *st,
						      const struct rg_account_state *a, int64_t side_e8)
{
	const struct rg_otr *o[2] = {&st->otr_day, &a->otr_day};

	for (int k = 0; k < 2; k++) {
		if (!((st->extra >> k) & 1u) || !rg_otr_breached(o[k]))
			continue;
		if (o[k]->action == RG_OTR_REDUCING && !o[k]->latched && side_e8 <= 0)
			continue; /* reducing: an order that reduces still goes */
		return _rg_reject(out, RG_REJ_ORDER_TO_TRADE, o[k]->allowed, (int64_t)o[k]->msgs + 1);
	}
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_otr(struct _rg_ctx *c, uint8_t x)
{
	bool bad = ((x & RG_OTR_STRATEGY) && rg_otr_breached(&c->st->otr_day)) ||
		   ((x & RG_OTR_ACCOUNT) && rg_otr_breached(&c->acct->otr_day));

	if (RG_UNLIKELY(bad)) {
		RG_FAST_REDO(c);
		c->extra |= RG_EXTRA_OTR_LET_GO; /* if it is let go, the commit counts it the careful way */
		return _rg_otr_classify(c->out, c->st, c->acct, c->side_e8);
	}
	return RG_REJ_NONE;
}

/*
 * An approved order's message counts, when its check found every ratio that
 * applies below its allowance (so the count cannot saturate): rg_otr_count
 * without the saturation, the "ratio off" test (a bit of st->extra set says
 * the ratio is on) and the latch.
 */
RG_INLINE void _rg_otr_commit(struct rg_otr *o)
{
	o->msgs++; /* "halted" latches lazily (order_to_trade.h) */
}

/* The message counts once approved (cancel). */
RG_COLD static void _rg_otr_count(struct rg_strategy_state *st, struct rg_account_state *a)
{
	if (st->extra & RG_OTR_STRATEGY)
		rg_otr_count(&st->otr_day);
	if (st->extra & RG_OTR_ACCOUNT)
		rg_otr_count(&a->otr_day);
}

/* ---- 9. circuit breaker ------------------------------------------------- */

RG_COLD static enum rg_reject_reason _rg_breaker_reject(struct rg_decision *out, const struct rg_breaker *b,
							uint64_t now)
{
	return _rg_reject(out, RG_REJ_CIRCUIT_OPEN, (int64_t)b->recovery_ns,
			  now > b->opened_ns && now - b->opened_ns <= INT64_MAX ? (int64_t)(now - b->opened_ns) : 0);
}

RG_INLINE enum rg_reject_reason _rg_check_breaker(struct _rg_ctx *c)
{
	const struct rg_breaker *b = &c->r->venues[c->sym->venue].breaker;

	if (c->fast) /* closed, or not sure: the probe stays false on the fast path */
		return RG_LIKELY(b->state == RG_BREAKER_CLOSED) ? RG_REJ_NONE : _RG_REDO;
	if (RG_UNLIKELY(!rg_breaker_admits(b, c->now, &c->probe)))
		return _rg_breaker_reject(c->out, b, c->now);
	return RG_REJ_NONE;
}

/* ---- 10. duplicate order ------------------------------------------------ */

/* The order's duplicate-guard hash of symbol, side, price and quantity: its
 * top 8 bits pick the set, its low 32 (never 0: 0 marks an empty way) are
 * the key.  Symbol, kind, side and type are the order's bytes 40-46, read as
 * one word with tif (byte 47, not compared) shifted out; kind is always NEW
 * here, and a market order's price (0) already tells it from a limit order. */
RG_INLINE uint64_t _rg_dup_hash(const struct rg_order *o)
{
	uint64_t fields, h;

	memcpy(&fields, &o->symbol_id, sizeof(fields));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	fields = __builtin_bswap64(fields);
#endif
	h = ((uint64_t)o->price_e8 ^ fields << 8) * 0x9E3779B97F4A7C15ull + (uint64_t)o->qty_e8;

	h *= 0xBF58476D1CE4E5B9ull;
	return h | 1;
}

_Static_assert(RG_DUP_SETS == 256 && RG_DUP_WAYS == 4, "_rg_check_duplicate takes 8 bits and four ways");
_Static_assert(offsetof(struct rg_order, kind) == offsetof(struct rg_order, symbol_id) + 4 &&
		       offsetof(struct rg_order, tif) == offsetof(struct rg_order, symbol_id) + 7,
	       "symbol, kind, side, type, tif are one word, tif its last byte");
_Static_assert(offsetof(struct rg_open_order, price_e8) == offsetof(struct rg_open_order, leaves_qty_e8) + 8 &&
		       offsetof(struct rg_order, price_e8) == offsetof(struct rg_order, qty_e8) + 8,
	       "an open order's leaves and price, an order's quantity and price, are adjacent");
_Static_assert(offsetof(struct rg_dup_detail, price_e8) - offsetof(struct rg_dup_detail, qty_e8) ==
			       offsetof(struct rg_order, price_e8) - offsetof(struct rg_order, qty_e8) &&
		       offsetof(struct rg_dup_detail, side) - offsetof(struct rg_dup_detail, symbol) ==
			       offsetof(struct rg_order, side) - offsetof(struct rg_order, symbol_id) &&
		       offsetof(struct rg_dup_detail, tif) - offsetof(struct rg_dup_detail, symbol) ==
			       offsetof(struct rg_order, tif) - offsetof(struct rg_order, symbol_id),
	       "a way's detail is two runs of the order's bytes");

/* A key matched: is it really the same order, and within the window?
 * Returns the way, or -1. */
RG_INLINE int _rg_dup_verify(const struct rg_dup_set *set, uint32_t key, const struct rg_order *o, uint64_t now,
				  uint64_t window)
{
	unsigned w;

	for (w = 0; w < RG_DUP_WAYS; w++) {
		const struct rg_dup_detail *d = &set->detail[w];
		if (set->key[w] == key && now - set->ts_ns[w] < window && d->price_e8 == o->price_e8 &&
		    d->qty_e8 == o->qty_e8 && d->symbol == o->symbol_id && d->side == o->side)
			return (int)w;
	}
	return -1;
}

/* Does any of the set's four keys equal key?  One compare of four lanes. */
RG_INLINE bool _rg_dup_any(const struct rg_dup_set *set, uint32_t key)
{
#ifdef __SSE2__
	__m128i k = _mm_load_si128((const __m128i *)set->key); /* the set's first 16 bytes */

	return _mm_movemask_epi8(_mm_cmpeq_epi32(k, _mm_set1_epi32((int)key))) != 0;
#else
	return (set->key[0] == key) | (set->key[1] == key) | (set->key[2] == key) | (set->key[3] == key);
#endif
}

/*
 * The fast path only asks whether any way of the set (its first line) holds
 * the same key; the window and the exact fields are looked at only then.
 */
RG_INLINE enum rg_reject_reason _rg_check_duplicate(struct _rg_ctx *c)
{
	const struct rg_strategy_state *st = c->st;
	const struct rg_order *o = c->o;
	struct rg_dup_set *set;
	uint64_t window = st->duplicate_window_ns, h;
	uint32_t key;

	c->dup_set = NULL; /* the commit records nothing */
	if (!c->is_new || window == 0)
		return RG_REJ_NONE;
	h = _rg_dup_hash(o);
	key = c->dup_key = (uint32_t)h;
	set = c->dup_set = &st->dup[h >> (64 - 8)];
	if (RG_UNLIKELY(_rg_dup_any(set, key))) {
		int way = _rg_dup_verify(set, key, o, c->now, window);
		if (way >= 0)
			return _rg_refuse(c, RG_REJ_DUPLICATE_ORDER, (int64_t)window,
					  (int64_t)(c->now - set->ts_ns[way]));
		if (c->fast) /* a hash collision: the general pipeline carries on past it */
			return _RG_REDO;
	}
	return RG_REJ_NONE;
}

/* Takes the set's next way (the oldest). */
RG_INLINE void _rg_dup_record(struct _rg_ctx *c)
{
	struct rg_dup_set *set = c->dup_set;
	unsigned w = set->next & (RG_DUP_WAYS - 1);
	struct rg_dup_detail *d = &set->detail[w];

	set->next = w + 1;
	set->key[w] = c->dup_key;
	set->ts_ns[w] = c->now;
	memcpy(&d->qty_e8, &c->o->qty_e8, 2 * sizeof(int64_t));
	memcpy(&d->symbol, &c->o->symbol_id, sizeof(uint64_t));
}

/* ---- 11c. self-match ----------------------------------------------------- */

/* The order would cross: what the account's mode makes of it. */
RG_COLD static enum rg_reject_reason _rg_self_match_decide(struct rg_decision *out, uint8_t mode, int64_t resting,
							   int64_t price)
{
	out->smp_cancel = mode != RG_SMP_REJECT_NEW;
	if (mode == RG_SMP_CANCEL_RESTING)
		return RG_REJ_NONE;
	return _rg_reject(out, RG_REJ_SELF_MATCH, resting, price);
}

/*
 * The approved order joins its group's book (self_match.h), when area 11c
 * found that it can rest: pushed on its side's list through its slot `e`
 * (number `slot`, all zeros but for what the commit wrote) and its price
 * raises the side's best.
 */
RG_INLINE void _rg_self_match_join(struct _rg_ctx *c, uint32_t slot, struct rg_open_order *e)
{
	struct rg_position *p = c->smp_book;
	uint32_t *heads = rg_smp_heads_of(&c->r->smp, p), id = c->st->smp_id_base + slot;

	if (c->buy)
		rg_smp_push(&heads[0], &p->smp_best[0], rg_smp_key(0, c->o->price_e8), id, e);
	else
		rg_smp_push(&heads[1], &p->smp_best[1], rg_smp_key(1, c->o->price_e8), id, e);
}

/*
 * For an account with self-match on (RG_SMP_ON in the strategy's extra
 * byte), one compare of the order's price, as a key of the other side,
 * against the best key of the group's resting orders of that side, which
 * sits on the position line the order has read (the group leader's, a fixed
 * distance back, when the account does not lead its group).  An order that
 * can rest then joins the book in the commit (c->smp_book).
 */
/* One side of it (`opposite` is the resting side the order could meet, a
 * constant in each instance): reach is the order's price as a key of that
 * side. */
RG_INLINE enum rg_reject_reason _rg_self_match_side(struct _rg_ctx *c, uint8_t smp, struct rg_position *p,
						    uint32_t opposite, int64_t reach)
{
	int64_t best = p->smp_best[opposite];

	if (RG_UNLIKELY(best >= reach)) {
		RG_FAST_REDO(c);
		return _rg_self_match_decide(c->out, smp & RG_SMP_MODE_MASK, opposite ? INT64_MAX - best : best,
					     c->market ? 0 : c->o->price_e8);
	}
	if (!c->market) /* it may rest unless IOC or FOK, which the commit asks (RG_OO_IOC) */
		c->smp_book = p;
	return RG_REJ_NONE;
}

RG_INLINE enum rg_reject_reason _rg_check_self_match(struct _rg_ctx *c)
{
	uint8_t smp = c->acct->smp; /* not 0: RG_SMP_ON is set exactly for such accounts' strategies */
	/* the leader's line: (smp >> 2) lines back, as a byte offset without the shift down */
	struct rg_position *p = (struct rg_position *)((char *)c->pos - (size_t)(smp & ~RG_SMP_MODE_MASK) *
									(sizeof(*p) >> RG_SMP_LEADER_SHIFT));
	int64_t price = c->o->price_e8;

	if (RG_UNLIKELY(c->market)) /* it reaches any resting order; it never rests */
		return _rg_self_match_side(c, smp, p, c->buy, 1);
	if (c->buy) /* meets resting sells (side 1) */
		return _rg_self_match_side(c, smp, p, 1, rg_smp_key(1, price));
	return _rg_self_match_side(c, smp, p, 0, rg_smp_key(0, price));
}

/* ---- 11. the optional limits of issue 16 -------------------------------- */

/*
 * Venue credit, order-to-trade ratio, self-match: behind one byte of the
 * strategy's line 0 (rg_strategy_state.extra) that says which apply, so a
 * strategy with none pays one load and one branch.  Sets c->credit (with
 * RG_CREDIT) for the commit (read only when extra is set).  Self-match is
 * the last check of all: an order that passes it is approved.
 */
RG_INLINE enum rg_reject_reason _rg_check_extra(struct _rg_ctx *c)
{
	uint8_t x = c->extra = c->st->extra;

	if (RG_LIKELY(x == 0))
		return RG_REJ_NONE;
	if (x & RG_CREDIT)
		RG_TRY(_rg_credit_check(c));
	if (x & (RG_OTR_STRATEGY | RG_OTR_ACCOUNT))
		RG_TRY(_rg_check_otr(c, x));
	if (x & RG_SMP_ON)
		RG_TRY(_rg_check_self_match(c));
	return RG_REJ_NONE;
}

/* What the commit does for them (st->extra set); the order took slot
 * number `slot`, `e`. */
RG_INLINE void _rg_commit_extra(struct _rg_ctx *c, uint32_t slot, struct rg_open_order *e)
{
	uint8_t x = c->extra;

	if (c->smp_book != NULL && !(e->flags & RG_OO_IOC)) /* it may rest: it joins its book */
		_rg_self_match_join(c, slot, e);
	if (c->credit != NULL) /* RG_CREDIT: its check set it */
		c->credit->open_e8 += c->notional_e8; /* within the cap: no overflow */
	if (!c->fast && RG_UNLIKELY(x & RG_EXTRA_OTR_LET_GO)) { /* the fast instance never lets one go */ /* a reducing order past a reached ratio */
		_rg_otr_count(c->st, c->acct);
		return;
	}
	if (x & RG_OTR_STRATEGY)
		_rg_otr_commit(&c->st->otr_day);
	if (x & RG_OTR_ACCOUNT)
		_rg_otr_commit(&c->acct->otr_day);
}

/* ---- commit ------------------------------------------------------------- */

RG_INLINE void _rg_commit(struct _rg_ctx *c)
{
	const struct rg_order *o = c->o;
	struct rg_strategy_state *st = c->st;
	uint32_t slot = *_rg_oo_free(&st->orders, st->orders.free_top); /* the one insert_at takes */
	struct rg_open_order *e = rg_open_orders_insert_at(&st->orders, c->oo_pos);
	bool replace = c->replace;
	/* A replacement is the same order at the venue: it keeps its target's
	 * engine sequence (the venue's id for it). */
	uint64_t seq = RG_UNLIKELY(replace) ? c->orig->engine_seq : ++c->r->next_seq;
	uint16_t venue = c->sym->venue;

	e->client_order_id = o->client_order_id;
	/* The rest of the slot is 0: a free slot is all zeros. */
	e->engine_seq = seq;
	if (c->fast) /* a limit order's value price is its limit: both as they sit in the order */
		memcpy(&e->leaves_qty_e8, &o->qty_e8, 2 * sizeof(int64_t));
	else {
		e->leaves_qty_e8 = o->qty_e8;
		e->price_e8 = c->value_price_e8;
	}
	e->reserved_notional_e8 = c->notional_e8;
	e->symbol = o->symbol_id;
	e->venue = venue;
	e->side = o->side;
	/* IOC (2) and FOK (3) cannot rest: a shift of a constant.  A free slot is all zeros, but for what
	 * self-match's join wrote (smp_next, RG_OO_SMP). */
	e->flags |= (uint8_t)((c->market ? RG_OO_MARKET : 0) | ((0xC0u >> o->tif) & RG_OO_IOC));
	_Static_assert(RG_TIF_IOC == 2 && RG_TIF_FOK == 3 && RG_OO_IOC == 0x10u && RG_TIF_GTC == 4,
		       "0xC0 >> tif has bit 4 set for IOC and FOK alone");
	if (RG_UNLIKELY(replace)) {
		e->replaces = o->orig_client_order_id;
		e->flags |= c->orig->flags & RG_OO_ACKED;
		c->orig->flags |= RG_OO_REPLACE_PENDING;
		rg_gcra_consume(&st->modify_rate, c->now);
	}
	st->orders.count++;
	if (c->buy)
		c->pos->open_buy_qty_e8 += o->qty_e8;
	else
		c->pos->open_sell_qty_e8 += o->qty_e8;
	/* The sums area 6 checked for overflow, added again where they are
	 * stored (nothing has changed them since). */
	c->acct->open_notional_e8 += c->notional_e8;
	c->r->global_gross_e8 += c->notional_e8;
	if (RG_LIKELY(c->is_new)) {
		c->acct->orders_today++;
		rg_rate_consume(&st->order_rate, st->order_window, c->now);
		if (c->dup_set != NULL)
			_rg_dup_record(c);
	}
	rg_rate_consume(&st->message_rate, st->message_window, c->now);

	if (RG_UNLIKELY(c->extra != 0))
		_rg_commit_extra(c, slot, e);
	if (RG_UNLIKELY(c->probe))
		rg_breaker_take_probe(&c->r->venues[venue].breaker, c->now);
	if (c->fast) { /* the whole decision at once: nothing has written it */
		*c->out = (struct rg_decision){.reason = RG_REJ_NONE,
					       .venue = venue,
					       .symbol = o->symbol_id,
					       .engine_seq = seq,
					       .oo_slot = slot,
					       .oo_entry = (uint32_t)c->oo_pos};
		return;
	}
	c->out->engine_seq = seq;
	c->out->venue = venue;
	c->out->probe = c->probe;
	c->out->oo_slot = slot;
	c->out->oo_entry = (uint32_t)c->oo_pos;
}

/* ---- cancel ------------------------------------------------------------- */

static enum rg_reject_reason _rg_decide_cancel(struct rg_risk *r, struct rg_strategy_state *st,
					       const struct rg_order *o, uint64_t now, struct rg_decision *out)
{
	struct rg_open_order *target;
	uint64_t reserved;

	memcpy(&reserved, o->reserved, sizeof(reserved));
	if (reserved != 0 || o->client_order_id == 0)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	target = o->orig_client_order_id != 0 ? rg_open_orders_find(&st->orders, o->orig_client_order_id, NULL) : NULL;
	if (target == NULL)
		return _rg_reject(out, RG_REJ_UNKNOWN_ORDER, 0, (int64_t)o->orig_client_order_id);
	out->symbol = target->symbol;
	if (!rg_gcra_conforms(&st->message_rate, now))
		return _rg_reject(out, RG_REJ_MESSAGE_RATE, (int64_t)st->message_rate.interval_ns,
				  (int64_t)(rg_gcra_next_ns(&st->message_rate, now) - now));
	rg_rate_consume(&st->message_rate, st->message_window, now);
	if (RG_UNLIKELY(st->extra != 0)) /* counted, never refused */
		_rg_otr_count(st, &r->accounts[st->account]);
	out->first_cancel = !(target->flags & RG_OO_CANCEL_PENDING);
	target->flags |= RG_OO_CANCEL_PENDING;
	out->engine_seq = target->engine_seq;
	out->venue = target->venue;
	return RG_REJ_NONE;
}

/* ---- entry points ------------------------------------------------------- */

RG_INLINE void _rg_out_init(struct rg_decision *out, const struct rg_order *o)
{
	out->reason = RG_REJ_NONE;
	out->venue = 0;
	out->symbol = o->symbol_id;
	out->engine_seq = 0;
	out->limit = 0;
	out->value = 0;
	out->probe = false;
	out->first_cancel = false;
	out->smp_cancel = false;
}

/*
 * `fast`: the caller has seen a new limit order (kind NEW, type LIMIT) of a
 * known symbol, so every test of the kind, the type and the symbol's range
 * folds away in that instance; the checks themselves are the same code
 * either way.
 */
RG_INLINE void _rg_ctx_init(struct _rg_ctx *c, struct rg_risk *r,
							       struct rg_strategy_state *st,
							       const struct rg_order *o, uint64_t now_ns,
							       struct rg_decision *out, bool fast)
{
	c->r = r;
	c->o = o;
	c->out = out;
	c->now = now_ns;
	c->st = st;
	c->acct = &r->accounts[st->account];
	c->market = fast ? false : o->type == RG_TYPE_MARKET;
	c->is_new = fast ? true : o->kind == RG_ORDER_NEW;
	c->replace = fast ? false : o->kind == RG_ORDER_REPLACE;
	c->buy = o->side == RG_SIDE_BUY;
	c->probe = false;
	c->shrink = false;
	c->smp_book = NULL;
	c->fast = false;
	c->oo_pos = 0; /* set by area 2a's probe */
	c->credit = NULL; /* set by area 11a (RG_CREDIT) */
	c->orig = NULL;
	c->orig_leaves_e8 = 0;
	c->orig_reserved_e8 = 0;
	c->sym = NULL;
	c->pos = NULL;
	c->known_sym = fast || o->symbol_id < r->n_symbols; /* the fast path's caller has seen it */
	if (RG_LIKELY(c->known_sym)) {
		c->sym = &r->symbols[o->symbol_id];
		c->pos = rg_risk_position(r, st->account, o->symbol_id);
		/* Computed here, where its terms are at hand: left to where area 6
		 * first reads it, gcc keeps the terms alive (in memory) instead. */
		__asm__("" : "+r"(c->pos));
	}
	if (RG_UNLIKELY(c->replace) && o->orig_client_order_id != 0) {
		c->orig = rg_open_orders_find(&st->orders, o->orig_client_order_id, NULL);
		if (c->orig != NULL && c->orig->symbol == o->symbol_id && c->orig->side == o->side) {
			c->orig_leaves_e8 = c->orig->leaves_qty_e8;
			c->orig_reserved_e8 = c->orig->reserved_notional_e8;
		}
	}
}

/* The pipeline after the cancel and strategy tests; inlined twice (`fast`).
 * `dry` (rg_risk_check_order_dry, in the fast instance): read only, no slot
 * taken, no commit. */
RG_INLINE enum rg_reject_reason
_rg_decide(struct rg_risk *r, struct rg_strategy_state *st, const struct rg_order *o, uint64_t now_ns,
	   struct rg_decision *out, bool fast, bool dry)
{
	struct _rg_ctx c;

	_rg_ctx_init(&c, r, st, o, now_ns, out, fast);
	c.fast = fast;
	RG_TRY(_rg_check_state(&c));
	RG_TRY(_rg_check_message(&c));
	RG_TRY(_rg_check_whitelist(&c));
	if (!fast || RG_UNLIKELY(!_rg_limit_order_fits(&c))) {
		RG_TRY(_rg_check_symbol_structure(&c));
		RG_TRY(_rg_check_size(&c));
		RG_TRY(_rg_check_collar(&c));
	}
	RG_TRY(_rg_check_exposure(&c));
	RG_TRY(_rg_check_loss(&c));
	RG_TRY(_rg_check_rates(&c));
	RG_TRY(_rg_check_breaker(&c));
	RG_TRY(_rg_check_duplicate(&c));
	if (fast && RG_LIKELY(c.st->extra == 0)) {
		/* The fast instance's commit twice, without the optional limits and
		 * with them: what area 11 hands the commit (credit line, book) stays
		 * in registers, and neither copy asks again whether they apply. */
		c.extra = 0;
		if (dry)
			return RG_REJ_NONE;
		_rg_commit(&c);
		return RG_REJ_NONE;
	}
	RG_TRY(_rg_check_extra(&c));
	if (dry)
		return RG_REJ_NONE;
	_rg_commit(&c);
	return RG_REJ_NONE;
}

/* Replaces, market orders and malformed kinds, and a new limit order the
 * fast instance was not sure of (_RG_REDO): the same checks, out of line. */
__attribute__((noinline)) static enum rg_reject_reason _rg_decide_other(struct rg_risk *r,
									struct rg_strategy_state *st,
									const struct rg_order *o, uint64_t now_ns,
									struct rg_decision *out, bool dry)
{
	return _rg_decide(r, st, o, now_ns, out, false, dry);
}

/*
 * Every kind of order through the general pipeline, a due trading-day roll
 * first: rg_risk_check_order_stepwise, and the engine's check when a roll
 * is due (once a day), so that the hot body makes no call it returns from
 * to carry on.
 */
RG_COLD static enum rg_reject_reason _rg_check_order_general(struct rg_risk *r, uint32_t strategy,
							     const struct rg_order *o, uint64_t now_ns,
							     struct rg_decision *out)
{
	if (now_ns >= r->day_roll_mono_ns)
		_rg_risk_roll_due(r, now_ns);
	_rg_out_init(out, o);
	if (strategy >= r->n_strategies)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	if (o->kind == RG_ORDER_CANCEL)
		return _rg_decide_cancel(r, &r->strategies[strategy], o, now_ns, out);
	return _rg_decide_other(r, &r->strategies[strategy], o, now_ns, out, false);
}

/*
 * The engine's check and the path warmer's read-only one share this body,
 * so that a warm pass runs the very instructions the next order will (and
 * trains the branches they take); `dry` costs the real check a few
 * instructions.  noipa: no clone per value of `dry`.
 */
#if defined(__clang__)
#define RG_NO_CLONE noinline /* clang has no noipa; noinline keeps one body */
#else
#define RG_NO_CLONE noipa
#endif
__attribute__((RG_NO_CLONE, hot)) static enum rg_reject_reason _rg_check_order(struct rg_risk *r, uint32_t strategy,
									const struct rg_order *o, uint64_t now_ns,
									struct rg_decision *out, bool dry)
{
	if (RG_UNLIKELY(now_ns >= r->day_roll_mono_ns)) {
		if (dry) /* a due trading-day roll is the next real order's to make */
			return RG_REJ_MALFORMED;
		return _rg_check_order_general(r, strategy, o, now_ns, out);
	}
	if (RG_UNLIKELY(strategy >= r->n_strategies)) {
		_rg_out_init(out, o);
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	}
	/* a new limit order, of a valid side and tif, of a known symbol */
	if (RG_LIKELY(_rg_is_zero((_rg_enum_bytes(o) - RG_ENUM_BYTES_ONES) & RG_ENUM_BYTES_BAD_NEW_LIMIT) &&
		      o->symbol_id < r->n_symbols)) {
		/* the fast instance fills *out itself */
		enum rg_reject_reason why = _rg_decide(r, &r->strategies[strategy], o, now_ns, out, true, dry);
		if (RG_UNLIKELY(why == _RG_REDO)) {
			_rg_out_init(out, o);
			return _rg_decide_other(r, &r->strategies[strategy], o, now_ns, out, dry);
		}
		return why;
	}
	if (RG_UNLIKELY(dry)) /* a new limit order of a bad side or tif is named; anything else is not the warmer's */
		return o->kind == RG_ORDER_NEW && o->type == RG_TYPE_LIMIT && o->symbol_id < r->n_symbols
			       ? _rg_decide_other(r, &r->strategies[strategy], o, now_ns, out, true)
			       : RG_REJ_MALFORMED;
	_rg_out_init(out, o);
	if (RG_UNLIKELY(o->kind == RG_ORDER_CANCEL))
		return _rg_decide_cancel(r, &r->strategies[strategy], o, now_ns, out);
	return _rg_decide_other(r, &r->strategies[strategy], o, now_ns, out, false);
}

__attribute__((hot)) enum rg_reject_reason rg_risk_check_order(struct rg_risk *r, uint32_t strategy,
							       const struct rg_order *o, uint64_t now_ns,
							       struct rg_decision *out)
{
	return _rg_check_order(r, strategy, o, now_ns, out, false);
}

enum rg_reject_reason rg_risk_check_order_dry(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					      uint64_t now_ns)
{
	struct rg_decision out;

	return _rg_check_order(r, strategy, o, now_ns, &out, true);
}

enum rg_reject_reason rg_risk_check_order_stepwise(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
						   uint64_t now_ns, struct rg_decision *out)
{
	return _rg_check_order_general(r, strategy, o, now_ns, out);
}

enum rg_reject_reason rg_risk_check_area(struct rg_risk *r, uint32_t strategy, const struct rg_order *o,
					 uint64_t now_ns, unsigned area, struct rg_decision *out)
{
	struct _rg_ctx c;
	int64_t open_new;

	_rg_out_init(out, o);
	if (strategy >= r->n_strategies)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	_rg_ctx_init(&c, r, &r->strategies[strategy], o, now_ns, out, false);
	if (area == 1)
		return _rg_check_state(&c);
	if (area == 2) {
		RG_TRY(_rg_check_message(&c));
		if (c.sym == NULL)
			return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
		return _rg_check_symbol_structure(&c);
	}
	if (area == 3)
		return _rg_check_whitelist(&c);
	if (c.sym == NULL || area > 11 || area == 0 || (unsigned)o->side - 1u > 1u || o->qty_e8 <= 0)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	if (area == 4)
		return _rg_check_size(&c);
	if (_rg_value_order(&c) != 1 && area == 6)
		return _rg_reject(out, RG_REJ_MALFORMED, 0, 0);
	if (!_rg_side_after(c.pos, c.buy, o->qty_e8, c.orig_leaves_e8, &open_new, &c.side_e8))
		c.side_e8 = 1;
	switch (area) {
	case 5: return _rg_check_collar(&c);
	case 6: return _rg_check_exposure(&c);
	case 7: return _rg_check_loss(&c);
	case 8: return _rg_check_rates(&c);
	case 9: return _rg_check_breaker(&c);
	case 10: return _rg_check_duplicate(&c);
	default: return _rg_check_extra(&c);
	}
}
