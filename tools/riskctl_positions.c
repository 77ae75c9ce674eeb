/*
 * riskctl positions: reads the risk view the engine keeps in the control
 * segment (risk_view.h) and prints each account's state, PnL and exposure,
 * then each position that is not flat, with its symbol's name.  Every entry
 * is copied under its seqlock, so a line is never half old, half new.
 * Amounts are exact decimals, never floating point.
 */
#include "riskctl_positions.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

void rg_format_e8(char *buf, size_t len, int64_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char frac[9];
	int n;

	snprintf(frac, sizeof(frac), "%08" PRIu64, mag % 100000000u);
	for (n = 7; n >= 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	snprintf(buf, len, "%s%" PRIu64 "%s%s", v < 0 ? "-" : "", mag / 100000000u, n >= 0 ? "." : "", frac);
}

static const char *state_str(uint8_t s)
{
	switch (s) {
	case 0: return "ACTIVE";
	case 1: return "REDUCING";
	case 2: return "HALTED";
	default: return "UNKNOWN";
	}
}

static void read_account(const struct rg_account_view *live, struct rg_account_view *out)
{
	uint32_t seq;

	do {
		seq = rg_view_read_begin(&live->seq);
		rg_view_copy(out, live, sizeof(*out));
	} while (rg_view_read_retry(&live->seq, seq));
}

static void read_position(const struct rg_position_view *live, struct rg_position_view *out)
{
	uint32_t seq;

	do {
		seq = rg_view_read_begin(&live->seq);
		rg_view_copy(out, live, sizeof(*out));
	} while (rg_view_read_retry(&live->seq, seq));
}

static json_t *amount(int64_t v)
{
	char buf[32];

	rg_format_e8(buf, sizeof(buf), v);
	return json_string(buf);
}

int rg_riskctl_positions(const struct rg_seg_map *control, int json)
{
	const struct rg_control *ctl = (const struct rg_control *)((const char *)control->base + control->layout.control_off);
	const struct rg_symbol_entry *symbols =
		(const struct rg_symbol_entry *)((const char *)control->base + control->layout.symbols_off);
	uint32_t n_symbols = __atomic_load_n(&ctl->symbol_count, __ATOMIC_ACQUIRE);
	uint32_t n_accounts = ctl->n_accounts < RG_CTL_ACCOUNTS ? ctl->n_accounts : RG_CTL_ACCOUNTS;
	uint32_t n_positions = __atomic_load_n(&ctl->n_positions, __ATOMIC_ACQUIRE);
	json_t *accounts = json ? json_array() : NULL, *positions = json ? json_array() : NULL;
	char b[6][32];

	if (n_positions > RG_CTL_POSITIONS)
		n_positions = RG_CTL_POSITIONS;
	if (!json)
		printf("%-16s %-9s %-9s %16s %16s %16s %16s %16s %7s\n", "account", "state", "loss", "realized",
		       "unrealized", "day pnl", "gross", "open notional", "orders");
	for (uint32_t a = 0; a < n_accounts; a++) {
		struct rg_account_view v;
		char name[RG_NAME_MAX];

		read_account(&ctl->accounts[a], &v);
		memcpy(name, v.name, sizeof(name));
		name[RG_NAME_MAX - 1] = '\0';
		if (json) {
			json_array_append_new(
				accounts, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "account", name,
						    "state", state_str(v.state), "loss_state", state_str(v.loss_state),
						    "equity_sod", amount(v.equity_sod_e8), "realized", amount(v.realized_today_e8),
						    "unrealized", amount(v.upnl_e8), "day_pnl", amount(v.day_pnl_e8), "peak_equity",
						    amount(v.peak_equity_e8), "gross", amount(v.gross_position_e8), "open_notional",
						    amount(v.open_notional_e8), "orders_today", (json_int_t)v.orders_today));
			continue;
		}
		rg_format_e8(b[0], sizeof(b[0]), v.realized_today_e8);
		rg_format_e8(b[1], sizeof(b[1]), v.upnl_e8);
		rg_format_e8(b[2], sizeof(b[2]), v.day_pnl_e8);
		rg_format_e8(b[3], sizeof(b[3]), v.gross_position_e8);
		rg_format_e8(b[4], sizeof(b[4]), v.open_notional_e8);
		printf("%-16s %-9s %-9s %16s %16s %16s %16s %16s %7u\n", name, state_str(v.state),
		       state_str(v.loss_state), b[0], b[1], b[2], b[3], b[4], v.orders_today);
	}
	if (!json)
		printf("\n%-16s %-12s %16s %16s %16s %16s %16s %16s\n", "account", "symbol", "position", "avg price", "mark",
		       "unrealized", "open buy", "open sell");
	for (uint32_t i = 0; i < n_positions; i++) {
		struct rg_position_view p;
		char account[RG_NAME_MAX] = "?", symbol[RG_NAME_MAX] = "?";

		read_position(&ctl->positions[i], &p);
		if (p.qty_e8 == 0 && p.open_buy_qty_e8 == 0 && p.open_sell_qty_e8 == 0)
			continue;
		if (p.account < n_accounts) {
			memcpy(account, ctl->accounts[p.account].name, sizeof(account));
			account[RG_NAME_MAX - 1] = '\0';
		}
		if (p.symbol_id < n_symbols) {
			memcpy(symbol, symbols[p.symbol_id].name, sizeof(symbol));
			symbol[RG_NAME_MAX - 1] = '\0';
		}
		if (json) {
			json_array_append_new(positions,
					      json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "account", account, "symbol",
							symbol, "position", amount(p.qty_e8), "avg_price", amount(p.avg_price_e8),
							"mark", amount(p.mark_price_e8), "unrealized", amount(p.upnl_e8),
							"open_buy", amount(p.open_buy_qty_e8), "open_sell",
							amount(p.open_sell_qty_e8)));
			continue;
		}
		rg_format_e8(b[0], sizeof(b[0]), p.qty_e8);
		rg_format_e8(b[1], sizeof(b[1]), p.avg_price_e8);
		rg_format_e8(b[2], sizeof(b[2]), p.mark_price_e8);
		rg_format_e8(b[3], sizeof(b[3]), p.upnl_e8);
		rg_format_e8(b[4], sizeof(b[4]), p.open_buy_qty_e8);
		rg_format_e8(b[5], sizeof(b[5]), p.open_sell_qty_e8);
		printf("%-16s %-12s %16s %16s %16s %16s %16s %16s\n", account, symbol, b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	if (json) {
		json_t *o = json_pack("{s:o, s:o, s:I}", "accounts", accounts, "positions", positions, "unpublished",
				      (json_int_t)__atomic_load_n(&ctl->positions_unpublished, __ATOMIC_RELAXED));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else if (__atomic_load_n(&ctl->positions_unpublished, __ATOMIC_RELAXED) != 0) {
		printf("(%" PRIu64 " positions not shown: the view holds %u)\n",
		       __atomic_load_n(&ctl->positions_unpublished, __ATOMIC_RELAXED), RG_CTL_POSITIONS);
	}
	return 0;
}
