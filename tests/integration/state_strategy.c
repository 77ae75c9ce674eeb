/*
 * A strategy that reads its own state through the client (shm/client_state.h)
 * for the strategy-state integration test (engine_test.sh
 * strategy_state_matches_riskctl): it buys 5 that fill and rests a buy of 7,
 * waits until its reads show both, and prints what it read, in the units
 * riskctl prints, for the test to hold against `riskctl positions --json`
 * and `riskctl stats --json` taken at the same moment.
 *
 *   state_strategy INSTANCE STRATEGY SYMBOL REF trade   trade, then print
 *   state_strategy INSTANCE STRATEGY SYMBOL REF killed  wait until it reads a
 *                                                       kill of itself, print
 * Exit 0 when the reads came as expected, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <riskgate/client.h>

static struct rg_client c;
static uint32_t sym;

static void print_state(void)
{
	struct rg_client_account a;
	struct rg_client_position p;
	struct rg_client_trading t;
	char b[6][RG_DECIMAL_TEXT_MAX];

	if (rg_client_read_account(&c, &a) != 0 || rg_client_read_position(&c, sym, &p) != 0 ||
	    rg_client_read_trading(&c, &t) != 0) {
		printf("read failed\n");
		exit(1);
	}
	rg_decimal_format_e8(b[0], sizeof(b[0]), a.realized_today_e8);
	rg_decimal_format_e8(b[1], sizeof(b[1]), a.open_notional_e8);
	rg_decimal_format_e8(b[2], sizeof(b[2]), p.qty_e8);
	rg_decimal_format_e8(b[3], sizeof(b[3]), p.avg_price_e8);
	rg_decimal_format_e8(b[4], sizeof(b[4]), p.open_buy_qty_e8);
	rg_decimal_format_e8(b[5], sizeof(b[5]), p.open_sell_qty_e8);
	printf("account realized=%s open_notional=%s orders_today=%u orders_left=%u state=%u loss_state=%u\n", b[0],
	       b[1], a.orders_today, a.orders_left_today, a.state, a.loss_state);
	printf("position position=%s avg_price=%s open_buy=%s open_sell=%s\n", b[2], b[3], b[4], b[5]);
	printf("trading may_open=%d strategy_kill=%d instance_kill=%d strategy_state=%u\n", t.may_open, t.strategy_kill,
	       t.instance_kill, t.strategy_state);
	struct rg_client_symbol_state m;
	struct rg_client_room room;
	if (rg_client_read_symbol(&c, sym, &m) != 0 || rg_client_read_room(&c, sym, &room) != 0) {
		printf("symbol read failed\n");
		exit(1);
	}
	rg_decimal_format_e8(b[0], sizeof(b[0]), m.max_order_qty_e8);
	rg_decimal_format_e8(b[1], sizeof(b[1]), m.max_side_qty_e8);
	rg_decimal_format_e8(b[2], sizeof(b[2]), room.max_side_qty_e8 - room.buy_qty_e8);
	rg_decimal_format_e8(b[3], sizeof(b[3]), room.sell_qty_e8 - room.max_side_qty_e8);
	printf("symbol reference_set=%d collar_ok=%d max_order_qty=%s max_side=%s\n", m.ref_price_e8 > 0,
	       m.collar_lo_e8 < m.ref_price_e8 && m.ref_price_e8 < m.collar_hi_e8, b[0], b[1]);
	printf("room side_less_buy=%s sell_less_side=%s orders_left=%u order_tokens_ok=%d\n", b[2], b[3], room.orders_left_today,
	       room.order_tokens > 0);
}

static uint64_t send_buy(uint64_t id, int64_t qty, int64_t price, uint8_t tif)
{
	struct rg_order o = {0};

	o.client_order_id = id;
	o.symbol_id = sym;
	o.side = RG_SIDE_BUY;
	o.type = RG_TYPE_LIMIT;
	o.tif = tif;
	o.qty_e8 = qty;
	o.price_e8 = price;
	while (!rg_client_submit(&c, &o))
		;
	return id;
}

int main(int argc, char **argv)
{
	char err[256];
	int64_t ref, px;
	struct rg_report r[32];

	if (argc != 6 || rg_client_open(&c, argv[1], argv[2], err, sizeof(err)) != 0 ||
	    rg_client_symbol_id(&c, argv[3], &sym) != 0 || rg_decimal_parse_e8(argv[4], RG_ROUND_EXACT, &ref) != 0) {
		fprintf(stderr, "usage: state_strategy INSTANCE STRATEGY SYMBOL REF trade|killed\n");
		return 2;
	}
	uint64_t deadline = rg_client_now_ns() + 30000000000ull;
	if (strcmp(argv[5], "killed") == 0) {
		struct rg_client_trading t;
		while (rg_client_now_ns() < deadline)
			if (rg_client_read_trading(&c, &t) == 0 && t.strategy_kill)
				break;
		print_state();
		rg_client_close(&c);
		return t.strategy_kill && !t.may_open ? 0 : 1;
	}
	/* 5 at a price through the market (fills), 7 well under it (rests). */
	if (rg_client_price_e8(&c, sym, argv[4], RG_ROUND_UP, &px) != 0)
		return 2;
	send_buy(1, 5 * RG_QTY_SCALE, px + 3 * RG_PRICE_SCALE, RG_TIF_IOC);
	send_buy(2, 7 * RG_QTY_SCALE, px - 5 * RG_PRICE_SCALE, RG_TIF_DAY);
	/* Until its reads show both: the fill and the resting order (events, not a sleep). */
	for (;;) {
		struct rg_client_position p;
		rg_client_poll(&c, r, 32);
		rg_client_heartbeat(&c);
		if (rg_client_read_position(&c, sym, &p) == 0 && p.qty_e8 == 5 * RG_QTY_SCALE &&
		    p.open_buy_qty_e8 == 7 * RG_QTY_SCALE)
			break;
		if (rg_client_now_ns() > deadline) {
			printf("the reads never showed the fill and the resting order\n");
			print_state();
			return 1;
		}
	}
	print_state();
	rg_client_close(&c);
	return 0;
}
