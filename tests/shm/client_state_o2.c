/*
 * The state reads and decimal helpers of <riskgate/client.h>, compiled at -O2
 * with -Wall -Wextra -Werror -Werror=maybe-uninitialized (C; client_state_o2.cpp
 * is the same file as C++).  The reads are made on a client whose control
 * segment is a zeroed block (no strategy published): each answers -ENOENT
 * and leaves its output zeroed.
 */
#include <riskgate/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static struct rg_control ctl;   /* zeroed: nothing published */
	static struct rg_seg_header hdr; /* the session's name */
	struct rg_client c;
	struct rg_client_account a;
	struct rg_client_position p;
	struct rg_client_trading t;
	int64_t v = 0;
	char buf[RG_DECIMAL_TEXT_MAX];

	memset(&c, 0, sizeof(c));
	c.ctl = &ctl;
	c.session.base = &hdr;
	strcpy(hdr.name, "alpha");
	if (rg_client_read_account(&c, &a) != -ENOENT || rg_client_read_position(&c, 0, &p) != -ENOENT ||
	    rg_client_read_trading(&c, &t) != -ENOENT || a.orders_today != 0 || p.qty_e8 != 0 || t.may_open)
		return 1;
	if (rg_decimal_parse_e8("187.255", RG_ROUND_DOWN, &v) != 0 || rg_decimal_format_e8(buf, sizeof(buf), v) == 0 ||
	    strcmp(buf, "187.255") != 0)
		return 1;
	printf("client state reads and decimals at -O2: %s\n", buf);
	return 0;
}
