/*
 * Unit tests of the FIX session store (adapters/fix/fix_store.c): sequence
 * numbers and live orders survive a reopen, a new run (an adapter start)
 * keeps the sequence numbers and forgets the orders, a store of another session or
 * format is refused with a distinct error, two openers exclude each other,
 * and the live-order table keeps every key findable through inserts and
 * backward-shift removals.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fix_store.h"

static char g_path[64];

static int setup(void **state)
{
	(void)state;
	int fd;

	snprintf(g_path, sizeof(g_path), "/tmp/rg_fix_store_XXXXXX");
	fd = mkstemp(g_path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(g_path); /* the store creates it */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(g_path);
	return 0;
}

static void sequence_numbers_and_orders_survive_a_reopen(void **state)
{
	(void)state;
	struct rg_fix_store st;
	struct rg_fix_order *o;
	char err[256];

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	assert_int_equal(st.hdr->next_out_seq, 1);
	assert_int_equal(st.hdr->next_in_seq, 1);
	st.hdr->next_out_seq = 17;
	st.hdr->next_in_seq = 9;
	o = rg_fix_store_order_insert(&st, 42);
	assert_non_null(o);
	o->qty_e8 = 5;
	o->side = 2;
	rg_fix_store_record_sent(&st, 16, 42, 1);
	rg_fix_store_close(&st);

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	assert_int_equal(st.hdr->next_out_seq, 17);
	assert_int_equal(st.hdr->next_in_seq, 9);
	o = rg_fix_store_order_find(&st, 42);
	assert_non_null(o);
	assert_int_equal(o->qty_e8, 5);
	assert_int_equal(o->side, 2);
	assert_non_null(rg_fix_store_sent(&st, 16));
	assert_int_equal(rg_fix_store_sent(&st, 16)->engine_seq, 42);
	assert_null(rg_fix_store_sent(&st, 15));
	assert_null(rg_fix_store_sent(&st, 16 + RG_FIX_STORE_SENT));
	rg_fix_store_close(&st);
}

static void a_new_run_keeps_sequence_numbers_and_forgets_orders(void **state)
{
	(void)state;
	struct rg_fix_store st;
	char err[256];

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	assert_int_equal(rg_fix_store_new_run(&st), 0);
	assert_int_equal(st.hdr->run, 1);
	st.hdr->next_out_seq = 30;
	st.hdr->next_in_seq = 20;
	for (uint64_t k = 1; k <= 3; k++)
		assert_non_null(rg_fix_store_order_insert(&st, k));
	rg_fix_store_record_sent(&st, 29, 3, 1);
	rg_fix_store_close(&st);

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	assert_int_equal(st.hdr->run, 1);
	assert_int_equal(rg_fix_store_new_run(&st), 3);
	assert_int_equal(st.hdr->run, 2);
	assert_int_equal(st.hdr->n_orders, 0);
	for (uint64_t k = 1; k <= 3; k++)
		assert_null(rg_fix_store_order_find(&st, k));
	assert_int_equal(st.hdr->next_out_seq, 30);
	assert_int_equal(st.hdr->next_in_seq, 20);
	/* What was sent stays, marked with the run that sent it. */
	assert_non_null(rg_fix_store_sent(&st, 29));
	assert_int_equal(rg_fix_store_sent(&st, 29)->run, 1);
	rg_fix_store_record_sent(&st, 30, 1, 1);
	assert_int_equal(rg_fix_store_sent(&st, 30)->run, 2);
	rg_fix_store_close(&st);
}

static void store_of_another_session_is_refused(void **state)
{
	(void)state;
	struct rg_fix_store st;
	char err[256];

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	rg_fix_store_close(&st);
	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "OTHER", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "another session"));
}

static void file_of_another_format_is_refused(void **state)
{
	(void)state;
	struct rg_fix_store st;
	char err[256];
	int fd = open(g_path, O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a store", 11), 11);
	close(fd);
	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), -EBADMSG);
}

static void second_opener_gets_ebusy(void **state)
{
	(void)state;
	struct rg_fix_store a, b;
	char err[256];

	assert_int_equal(rg_fix_store_open(&a, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	assert_int_equal(rg_fix_store_open(&b, g_path, "RG", "VENUE", err, sizeof(err)), -EBUSY);
	rg_fix_store_close(&a);
	assert_int_equal(rg_fix_store_open(&b, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	rg_fix_store_close(&b);
}

static void order_table_finds_every_key_through_inserts_and_removals(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct rg_fix_store st;
	char err[256];
	static bool live[3 * N + 1];
	uint64_t x = 88172645463325252ull;

	memset(live, 0, sizeof(live));
	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	for (int round = 0; round < 200000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t key = 1 + x % (3 * N);
		struct rg_fix_order *o = rg_fix_store_order_find(&st, key);
		assert_int_equal(o != NULL, live[key]);
		if (o != NULL) {
			assert_int_equal(o->qty_e8, (int64_t)key);
			rg_fix_store_order_remove(&st, o);
			live[key] = false;
		} else {
			o = rg_fix_store_order_insert(&st, key);
			assert_non_null(o);
			o->qty_e8 = (int64_t)key;
			live[key] = true;
		}
	}
	uint64_t n = 0;
	for (uint64_t k = 1; k <= 3 * N; k++) {
		struct rg_fix_order *o = rg_fix_store_order_find(&st, k);
		assert_int_equal(o != NULL, live[k]);
		n += live[k];
	}
	assert_int_equal(st.hdr->n_orders, n);
	rg_fix_store_close(&st);
}

static void order_table_refuses_inserts_beyond_three_quarters(void **state)
{
	(void)state;
	struct rg_fix_store st;
	char err[256];
	uint64_t k;

	assert_int_equal(rg_fix_store_open(&st, g_path, "RG", "VENUE", err, sizeof(err)), 0);
	for (k = 1; k <= RG_FIX_STORE_ORDERS / 4 * 3; k++)
		assert_non_null(rg_fix_store_order_insert(&st, k));
	assert_null(rg_fix_store_order_insert(&st, k));
	assert_null(rg_fix_store_order_insert(&st, 0));
	rg_fix_store_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sequence_numbers_and_orders_survive_a_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(a_new_run_keeps_sequence_numbers_and_forgets_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(store_of_another_session_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(file_of_another_format_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(second_opener_gets_ebusy, setup, teardown),
		cmocka_unit_test_setup_teardown(order_table_finds_every_key_through_inserts_and_removals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(order_table_refuses_inserts_beyond_three_quarters, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
