/*
 * Attach tests: every way a segment can be wrong gives its own error and a
 * message naming the segment, and no file, however short or hostile, can
 * crash the reader.  Uses real POSIX shared memory segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <riskgate/segment.h>

static char instance[32];

static void unlink_all(void)
{
	rg_seg_unlink(instance, NULL);
	rg_seg_unlink(instance, "alpha");
}

static int setup(void **state)
{
	static unsigned n;

	(void)state;
	snprintf(instance, sizeof(instance), "att%d_%u", (int)getpid(), n++);
	unlink_all();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink_all();
	return 0;
}

static struct rg_seg_perms perms(mode_t mode)
{
	struct rg_seg_perms p = {(uid_t)-1, (gid_t)-1, mode, false};
	return p;
}

/* Creates and publishes a session segment "alpha"; returns its mapping. */
static struct rg_seg_map make_session(void)
{
	struct rg_seg_perms p = perms(0600);
	struct rg_seg_map m;
	char err[256];

	assert_int_equal(rg_seg_create(&m, instance, "alpha", 64, 64, 0, &p, err, sizeof(err)), 0);
	rg_seg_publish_ready(&m);
	return m;
}

/* Opens the raw shm file of the session for tampering. */
static int open_raw(void)
{
	char name[RG_SEG_NAME_MAX];

	assert_int_equal(rg_seg_name(name, sizeof(name), instance, "alpha"), 0);
	int fd = shm_open(name, O_RDWR, 0);
	assert_true(fd >= 0);
	return fd;
}

static int attach_session(char *err, size_t len)
{
	struct rg_seg_map m;
	int rc = rg_seg_attach(&m, instance, "alpha", true, err, len);

	if (rc == 0)
		rg_seg_detach(&m);
	return rc;
}

static void attach_succeeds_on_a_good_segment(void **state)
{
	struct rg_seg_map m = make_session(), a;
	char err[256];

	(void)state;
	assert_int_equal(rg_seg_attach(&a, instance, "alpha", true, err, sizeof(err)), 0);
	assert_int_equal(a.size, m.layout.total);
	assert_int_equal(a.layout.order_off, m.layout.order_off);
	assert_int_equal(a.layout.report_off, m.layout.report_off);
	assert_string_equal(rg_seg_header_of(&a)->name, "alpha");
	rg_seg_detach(&a);
	rg_seg_detach(&m);
}

static void missing_instance_is_enoent(void **state)
{
	char err[256] = "";
	struct rg_seg_map m;

	(void)state;
	assert_int_equal(rg_seg_attach(&m, instance, NULL, false, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, instance));
	assert_non_null(strstr(err, "no such instance"));
	assert_int_equal(rg_seg_attach(&m, instance, "alpha", true, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "alpha"));
}

static void invalid_names_are_einval(void **state)
{
	struct rg_seg_map m;
	struct rg_seg_perms p = perms(0600);

	(void)state;
	assert_int_equal(rg_seg_attach(&m, "../etc", NULL, false, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_attach(&m, "", NULL, false, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_attach(&m, "a", "x/y", true, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_attach(&m, "0123456789012345678901234567890123", NULL, false, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_create(&m, "bad name", NULL, 0, 0, 4, &p, NULL, 0), -EINVAL);
}

static void create_refuses_an_existing_segment(void **state)
{
	struct rg_seg_map m = make_session(), again;
	struct rg_seg_perms p = perms(0600);
	char err[256];

	(void)state;
	assert_int_equal(rg_seg_create(&again, instance, "alpha", 64, 64, 0, &p, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	rg_seg_detach(&m);
}

static void create_refuses_bad_capacities(void **state)
{
	struct rg_seg_map m;
	struct rg_seg_perms p = perms(0600);

	(void)state;
	assert_int_equal(rg_seg_create(&m, instance, "alpha", 100, 64, 0, &p, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_create(&m, instance, NULL, 0, 0, 0, &p, NULL, 0), -EINVAL);
	assert_int_equal(rg_seg_create(&m, instance, NULL, 0, 0, RG_MAX_SYMBOLS + 1, &p, NULL, 0), -EINVAL);
}

static void wrong_magic_is_ebadmsg(void **state)
{
	struct rg_seg_map m = make_session();
	char err[256];

	(void)state;
	rg_seg_header_of(&m)->magic ^= 1;
	assert_int_equal(attach_session(err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a riskgate segment"));
	assert_non_null(strstr(err, instance));
	rg_seg_detach(&m);
}

static void wrong_abi_version_is_eprotonosupport(void **state)
{
	struct rg_seg_map m = make_session();
	char err[256];

	(void)state;
	rg_seg_header_of(&m)->abi_version = RG_ABI_VERSION + 1;
	assert_int_equal(attach_session(err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "ABI version"));
	rg_seg_detach(&m);
}

static void truncated_segment_is_ebadmsg(void **state)
{
	struct rg_seg_map m = make_session();
	char err[256];
	int fd = open_raw();

	(void)state;
	assert_int_equal(ftruncate(fd, (off_t)m.layout.total - 4096), 0);
	assert_int_equal(attach_session(err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(ftruncate(fd, 100), 0); /* shorter than a header */
	assert_int_equal(attach_session(err, sizeof(err)), -EBADMSG);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(attach_session(err, sizeof(err)), -EBADMSG);
	close(fd);
	rg_seg_detach(&m);
}

static void sizes_that_disagree_are_ebadmsg(void **state)
{
	struct rg_seg_map m = make_session();
	struct rg_seg_header *h = rg_seg_header_of(&m);

	(void)state;
	h->header_size += 64;
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->header_size -= 64;
	h->slot_size = 128;
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->slot_size = RG_SLOT_SIZE;
	h->order_ring_capacity = 128; /* layout no longer matches total_size */
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->order_ring_capacity = 100; /* not a power of two */
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->order_ring_capacity = 1u << 30; /* would need far more than the file */
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->order_ring_capacity = 64;
	h->total_size += 4096;
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->total_size -= 4096;
	h->kind = RG_SEG_CONTROL;
	assert_int_equal(attach_session(NULL, 0), -EBADMSG);
	h->kind = RG_SEG_SESSION;
	assert_int_equal(attach_session(NULL, 0), 0);
	rg_seg_detach(&m);
}

static void initializing_is_eagain_and_closed_is_eshutdown(void **state)
{
	struct rg_seg_perms p = perms(0600);
	struct rg_seg_map m;
	char err[256];

	(void)state;
	assert_int_equal(rg_seg_create(&m, instance, "alpha", 64, 64, 0, &p, err, sizeof(err)), 0);
	assert_int_equal(attach_session(err, sizeof(err)), -EAGAIN);
	rg_seg_publish_ready(&m);
	assert_int_equal(attach_session(err, sizeof(err)), 0);
	rg_seg_mark_closed(&m);
	assert_int_equal(attach_session(err, sizeof(err)), -ESHUTDOWN);
	rg_seg_header_of(&m)->state = 77;
	assert_int_equal(attach_session(err, sizeof(err)), -EBADMSG);
	rg_seg_detach(&m);
}

/* Random bytes over the header, and random sizes, only ever produce one of
 * the documented errors. */
static void hostile_headers_never_crash(void **state)
{
	struct rg_seg_map m = make_session();
	struct rg_seg_header *h = rg_seg_header_of(&m), good = *h;
	unsigned char *bytes = (unsigned char *)h;
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		*h = good;
		/* Keep magic and version right half the time to reach deeper checks. */
		for (size_t i = round % 2 ? 0 : 8; i < sizeof(*h); i++)
			if (rand_r(&seed) % 8 == 0)
				bytes[i] = (unsigned char)rand_r(&seed);
		int rc = attach_session(NULL, 0);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT || rc == -EAGAIN || rc == -ESHUTDOWN);
		rc = rg_seg_validate(bytes, (size_t)(rand_r(&seed) % (m.size + 1)), RG_SEG_SESSION, NULL, NULL, 0);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT || rc == -EAGAIN || rc == -ESHUTDOWN);
	}
	rg_seg_detach(&m);
}

static void validate_checks_buffers_directly(void **state)
{
	unsigned char buf[512];
	char err[128];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rg_seg_validate(NULL, 0, RG_SEG_CONTROL, NULL, err, sizeof(err)), -EBADMSG);
	assert_int_equal(rg_seg_validate(buf, 10, RG_SEG_CONTROL, NULL, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(rg_seg_validate(buf, sizeof(buf), RG_SEG_CONTROL, NULL, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "bad magic"));
}

static void control_segment_round_trips(void **state)
{
	struct rg_seg_perms p = perms(0644);
	struct rg_seg_map m, a;
	char err[256];

	(void)state;
	assert_int_equal(rg_seg_create(&m, instance, NULL, 0, 0, 100, &p, err, sizeof(err)), 0);
	rg_seg_publish_ready(&m);
	assert_int_equal(rg_seg_attach(&a, instance, NULL, false, err, sizeof(err)), 0);
	assert_int_equal(rg_seg_header_of(&a)->symbol_capacity, 100);
	assert_int_equal(rg_seg_header_of(&a)->kind, RG_SEG_CONTROL);
	assert_int_equal(rg_seg_header_of(&a)->creator_pid, getpid());
	/* a control segment is not a session */
	assert_int_equal(rg_seg_validate(a.base, a.size, RG_SEG_SESSION, NULL, NULL, 0), -EBADMSG);
	rg_seg_detach(&a);
	rg_seg_detach(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attach_succeeds_on_a_good_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_instance_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_names_are_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(create_refuses_an_existing_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(create_refuses_bad_capacities, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_magic_is_ebadmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_abi_version_is_eprotonosupport, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_segment_is_ebadmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(sizes_that_disagree_are_ebadmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(initializing_is_eagain_and_closed_is_eshutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_headers_never_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(validate_checks_buffers_directly, setup, teardown),
		cmocka_unit_test_setup_teardown(control_segment_round_trips, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
