/*
 * riskctl positions: reads the risk view the engine keeps in the control
 * segment (risk_view.h) and prints each account's state, PnL and exposure,
 * then each position that is not flat, with its symbol's name.  Every entry
 * is copied under its seqlock, so a line is never half old, half new.
 * Amounts are exact decimals, never floating point.
 */
#include "riskctl_positions.h"

#include "ctl_reader.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *state_str(uint8_t s)
{
	switch (s) {
	case 0: return "ACTIVE";
	case 1: return "REDUCING";
	case 2: return "HALTED";
	default: return "UNKNOWN";
	}
}

static json_t *amount(int64_t v)
{
	char buf[32];

	rg_format_e8(buf, sizeof(buf), v);
	return json_string(buf);
}

int rg_riskctl_positions(const struct rg_ctl_reader *r, const struct rg_ctl_liveness *live, int json)
{
	const struct rg_control *ctl = r->ctl;
	uint32_t n_accounts = rg_ctl_n_accounts(r);
	uint32_t n_positions = rg_ctl_n_positions(r);
	json_t *accounts = json ? json_array() : NULL, *positions = json ? json_array() : NULL;
	int64_t net[RG_CTL_ACCOUNTS];
	char b[7][32], since[40];

	rg_ctl_net_notionals(r, net);
	if (!json)
		printf("%-16s %-9s %-9s %16s %16s %16s %16s %16s %16s %7s\n", "account", "state", "loss", "realized",
		       "unrealized", "day pnl", "gross", "net", "open notional", "orders");
	for (uint32_t a = 0; a < n_accounts; a++) {
		struct rg_account_view v;
		char name[RG_NAME_MAX];

		rg_ctl_read_account(r, a, &v);
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
			json_object_set_new(json_array_get(accounts, json_array_size(accounts) - 1), "net", amount(net[a]));
			json_object_set_new(json_array_get(accounts, json_array_size(accounts) - 1), "state_since",
					    json_string(rg_format_utc(since, sizeof(since), v.state_since_ns)));
			continue;
		}
		rg_format_e8(b[0], sizeof(b[0]), v.realized_today_e8);
		rg_format_e8(b[1], sizeof(b[1]), v.upnl_e8);
		rg_format_e8(b[2], sizeof(b[2]), v.day_pnl_e8);
		rg_format_e8(b[3], sizeof(b[3]), v.gross_position_e8);
		rg_format_e8(b[4], sizeof(b[4]), v.open_notional_e8);
		rg_format_e8(b[5], sizeof(b[5]), net[a]);
		printf("%-16s %-9s %-9s %16s %16s %16s %16s %16s %16s %7u\n", name, state_str(v.state),
		       state_str(v.loss_state), b[0], b[1], b[2], b[3], b[5], b[4], v.orders_today);
	}
	if (!json)
		printf("\n%-16s %-12s %16s %16s %16s %16s %16s %16s\n", "account", "symbol", "position", "avg price", "mark",
		       "unrealized", "open buy", "open sell");
	for (uint32_t i = 0; i < n_positions; i++) {
		struct rg_position_view p;
		char account[RG_NAME_MAX] = "?", symbol[RG_NAME_MAX] = "?";

		rg_ctl_read_position(r, i, &p);
		if (p.qty_e8 == 0 && p.open_buy_qty_e8 == 0 && p.open_sell_qty_e8 == 0)
			continue;
		if (p.account < n_accounts) {
			memcpy(account, ctl->accounts[p.account].name, sizeof(account));
			account[RG_NAME_MAX - 1] = '\0';
		}
		snprintf(symbol, sizeof(symbol), "%.*s", (int)(RG_NAME_MAX - 1), rg_ctl_symbol_name(r, p.symbol_id));
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
		json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:I}", "instance", r->hdr->instance, "engine",
				      rg_ctl_liveness_json(live), "accounts", accounts, "positions", positions, "unpublished",
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
