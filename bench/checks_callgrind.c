/*
 * checks_callgrind: N approved orders through rg_risk_check_order, for an
 * instruction count under valgrind (not a bench/run program: no timing).
 * Same state and orders as checks_bench's checks/approve/100.  Prints how
 * many orders it decided and how many were approved.
 *
 *   checks_callgrind [N [SYMBOLS [reject|early]]]
 * SYMBOLS (default 100; above 1000 each order takes a hashed symbol, as
 * checks/approve/10000); "reject": checks/reject_late's orders instead, each
 * batch's first order approved and the rest refused DUPLICATE_ORDER by the
 * last check, so Ir / N is about the refused order's cost; "early":
 * checks/reject_early's, every order refused PRICE_COLLAR.
 *
 *   valgrind --tool=callgrind --toggle-collect=rg_risk_check_order \
 *       --callgrind-out-file=/tmp/checks.cg checks_callgrind 100000
 *   callgrind_annotate /tmp/checks.cg | head -20
 * Instructions per approved order = the "PROGRAM TOTALS" Ir / 100000
 * (--toggle-collect counts only inside rg_risk_check_order and its callees).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks_lab.h"

#define BATCH 64u

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, done = 0, approved = 0;
	unsigned symbols = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100;
	bool reject = argc > 3 && strcmp(argv[3], "reject") == 0, early = argc > 3 && strcmp(argv[3], "early") == 0;
	struct rgb_checks_lab lab;
	struct rg_order batch[BATCH];

	if (rgb_checks_lab_open(&lab, symbols) != 0)
		return 1;
	while (done < n) {
		unsigned k = n - done < BATCH ? (unsigned)(n - done) : BATCH;
		rgb_checks_orders(&lab, batch, k, symbols > 1000 ? RGB_SYMBOLS_RANDOM : RGB_SYMBOLS_ROUND_ROBIN);
		for (unsigned i = 1; reject && i < k; i++) {
			uint64_t id = batch[i].client_order_id;
			batch[i] = batch[0];
			batch[i].client_order_id = id + (1ull << 40);
		}
		for (unsigned i = 0; early && i < k; i++)
			batch[i].price_e8 = 200ll * 100000000; /* outside the collar, as checks/reject_early */
		approved += rgb_checks_decide(&lab, batch, k);
		rgb_checks_release(&lab, batch, early ? 0 : reject ? 1 : k);
		done += k;
	}
	printf("decided %lu orders, approved %lu, %u symbols\n", done, approved, symbols);
	rgb_checks_lab_close(&lab);
	return approved == (early ? 0 : reject ? (n + BATCH - 1) / BATCH : n) ? 0 : 1;
}
