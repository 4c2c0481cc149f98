// SPDX-License-Identifier: GPL-2.0-only
/* The reported-flows state file: a round trip between two collectors, and
 * every kind of file that must be refused as a whole. */
#include "bh_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow_state.h"

#define S(x) ((__u64)(x)*1000000000ull)
#define T0   S(1700000000)

static int n_records;

static void on_record(void *ctx, struct bh_flow_record *r)
{
	(void)ctx;
	(void)r;
	n_records++;
}

static struct bh_collector *new_collector(struct bh_clock *clk, __u32 max)
{
	struct bh_collector_opts o;
	struct bh_collector *c = NULL;

	bh_clock_init_replay(clk);
	bh_collector_opts_default(&o);
	o.max_flows = max;
	o.clock = clk;
	o.emit = on_record;
	assert_int_equal(bh_collector_new(&c, &o), 0);
	return c;
}

static struct bh_flow_key key_n(int i)
{
	struct bh_flow_key k;

	memset(&k, 0, sizeof(k));
	k.a.b[10] = 0xff;
	k.a.b[11] = 0xff;
	k.a.b[12] = 10;
	k.a.b[15] = 1;
	k.b = k.a;
	k.b.b[15] = (__u8)(2 + i);
	k.a_port = (__u16)(40000 + i);
	k.b_port = 80;
	k.proto = 6;
	return k;
}

/* Three flows reported and flushed by one collector, saved to path. */
static void save_three(const char *path)
{
	struct bh_collector *c;
	struct bh_clock clk;
	struct bh_flow f;
	size_t n;
	int i;

	c = new_collector(&clk, 16);
	bh_collector_poll_begin(c, T0 + S(2));
	for (i = 0; i < 3; i++) {
		struct bh_flow_key k = key_n(i);

		memset(&f, 0, sizeof(f));
		f.first_seen_ns = T0;
		f.last_seen_ns = T0 + S(1);
		f.packets[0] = f.packets[1] = 3 + (__u64)i;
		f.bytes[0] = f.bytes[1] = 300;
		f.ct_state = BH_CT_ESTABLISHED;
		assert_int_equal(bh_collector_ingest(c, &k, &f, i == 2), 0);
	}
	bh_collector_poll_end(c, T0 + S(2));
	n_records = 0;
	bh_collector_flush(c, T0 + S(3));
	assert_int_equal(n_records, 3);
	assert_int_equal(bh_flow_state_save(c, path, &n), 0);
	assert_int_equal(n, 3);
	bh_collector_free(&c);
}

static char *tmp_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/bh-flow-state-%d", (int)getpid());
	return path;
}

static void test_round_trip(void **state)
{
	const char *path = tmp_path();
	struct bh_collector *c;
	struct bh_clock clk;
	size_t adopted, skipped;
	char why[128];

	(void)state;
	save_three(path);
	/* a table with room for two: the third is skipped, not an error */
	c = new_collector(&clk, 2);
	assert_int_equal(
	    bh_flow_state_load(c, path, &adopted, &skipped, why, sizeof(why)),
	    0);
	assert_int_equal(adopted, 2);
	assert_int_equal(skipped, 1);
	bh_collector_free(&c);

	c = new_collector(&clk, 16);
	assert_int_equal(
	    bh_flow_state_load(c, path, &adopted, &skipped, why, sizeof(why)),
	    0);
	assert_int_equal(adopted, 3);
	assert_int_equal(skipped, 0);
	/* loading twice: every flow is there already */
	assert_int_equal(
	    bh_flow_state_load(c, path, &adopted, &skipped, why, sizeof(why)),
	    0);
	assert_int_equal(adopted, 0);
	assert_int_equal(skipped, 3);
	/* adopted as reported: a flush has nothing to say */
	n_records = 0;
	bh_collector_flush(c, T0 + S(4));
	assert_int_equal(n_records, 0);
	bh_collector_free(&c);
	unlink(path);

	c = new_collector(&clk, 16);
	assert_int_equal(
	    bh_flow_state_load(c, path, &adopted, &skipped, why, sizeof(why)),
	    -ENOENT);
	bh_collector_free(&c);
}

/* Change the saved file: truncate it to len (when >= 0), then write bytes
 * at off (when n > 0). */
static void damage(const char *path, long len, long off, const void *bytes,
		   size_t n)
{
	FILE *f;

	if (len >= 0)
		assert_int_equal(truncate(path, len), 0);
	if (!n)
		return;
	f = fopen(path, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_refused(void **state)
{
	static const __u32 big = 1000, other = 99;
	static const struct {
		long len, off;
		const void *bytes;
		size_t n;
		const char *why;
	} cases[] = {
	    {-1, 0, "BHFLOWX", 8, "not a bulkhead flow state file"},
	    {4, 0, NULL, 0, "not a bulkhead flow state file"},
	    {-1, 8, &other, 4, "another version"},
	    {-1, 12, &other, 4, "another version"}, /* key size */
	    {-1, 16, &other, 4, "another version"}, /* flow size */
	    {-1, 24, &big, 4, "does not match"},    /* count */
	    {100, 0, NULL, 0, "does not match"},    /* cut short */
	};
	const char *path = tmp_path();
	size_t i, adopted, skipped;
	char why[128];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bh_collector *c;
		struct bh_clock clk;

		save_three(path);
		damage(path, cases[i].len, cases[i].off, cases[i].bytes,
		       cases[i].n);
		c = new_collector(&clk, 16);
		assert_int_equal(bh_flow_state_load(c, path, &adopted, &skipped,
						    why, sizeof(why)),
				 -EINVAL);
		if (!strstr(why, cases[i].why))
			fail_msg("case %zu: '%s', want '%s'", i, why,
				 cases[i].why);
		assert_int_equal(adopted, 0);
		bh_collector_free(&c);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
