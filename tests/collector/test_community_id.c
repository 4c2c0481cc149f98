// SPDX-License-Identifier: GPL-2.0-only
/* Community ID v1: the spec's published reference values, and a
 * cross-check of thousands of tuples against an independent Python
 * implementation (community_id_ref.py, hashlib). */
#include "bh_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "community_id.h"

static void parse_addr(const char *s, union bh_addr *a, bool *v6)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->b[12]) == 1) {
		a->b[10] = a->b[11] = 0xff;
		*v6 = false;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, a->b), 1);
	*v6 = true;
}

static void cid(const char *sa, const char *da, __u8 proto, __u16 sp,
		__u16 dp, __u16 seed, char *out)
{
	struct bh_community_tuple t = { .proto = proto, .sport = sp,
					.dport = dp };

	parse_addr(sa, &t.saddr, &t.ipv6);
	parse_addr(da, &t.daddr, &t.ipv6);
	assert_int_equal(bh_community_id_v1(&t, seed, out,
					    BH_COMMUNITY_ID_LEN + 1), 0);
}

/* Values from the spec repository's baseline/baseline_deflt.json (seed 0),
 * each checked in both directions where the spec pairs them. */
static const struct {
	const char *saddr, *daddr;
	__u8 proto;
	__u16 sport, dport;
	const char *id;
	bool symmetric;
} published[] = {
	{ "128.232.110.120", "66.35.250.204", 6, 34855, 80,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", true },
	{ "192.168.1.52", "8.8.8.8", 17, 54585, 53,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", true },
	{ "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	  6, 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", true },
	{ "192.168.170.8", "192.168.170.56", 132, 7, 7,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", true },
	{ "192.168.0.89", "192.168.0.1", 1, 8, 0,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", false },
	{ "192.168.0.1", "192.168.0.89", 1, 0, 0, /* the echo reply */
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", false },
	{ "10.0.0.1", "10.0.0.2", 1, 11, 0, /* one-way: time exceeded */
	  "1:YHxtAirCG//0OzkcVAukqKQN9xM=", false },
	{ "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 0,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", false },
	{ "fe80::200:86ff:fe05:80da", "ff02::2", 58, 133, 0,
	  "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", false },
	{ "10.1.12.1", "10.1.12.2", 46, 0, 0, /* RSVP: no ports */
	  "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", true },
};

static void test_published_values(void **state)
{
	char out[BH_COMMUNITY_ID_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		cid(published[i].saddr, published[i].daddr, published[i].proto,
		    published[i].sport, published[i].dport, 0, out);
		assert_string_equal(out, published[i].id);
		if (!published[i].symmetric)
			continue;
		cid(published[i].daddr, published[i].saddr, published[i].proto,
		    published[i].dport, published[i].sport, 0, out);
		assert_string_equal(out, published[i].id);
	}
}

static void test_rejects_bad_icmp(void **state)
{
	struct bh_community_tuple t = { .proto = 1, .sport = 300 };
	char out[BH_COMMUNITY_ID_LEN + 1];

	(void)state;
	assert_int_equal(bh_community_id_v1(&t, 0, out, sizeof(out)), -EINVAL);
	t.sport = 8;
	assert_int_equal(bh_community_id_v1(&t, 0, out, 8), -EINVAL);
}

/* xorshift: a fixed sequence, so a failure reproduces. */
static __u32 rnd(__u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void random_addr(__u32 *s, bool v6, char *buf, size_t len)
{
	/* Few distinct values, so equal addresses and ports occur. */
	if (v6)
		snprintf(buf, len, "2001:db8::%x:%x", rnd(s) % 3,
			 rnd(s) % 0x10000);
	else
		snprintf(buf, len, "10.%u.%u.%u", rnd(s) % 2, rnd(s) % 3,
			 rnd(s) % 4);
}

static void test_against_python(void **state)
{
	static const __u8 protos[] = { 6, 17, 132, 1, 58, 47, 50 };
	char in_path[] = "/tmp/bh-cid-in-XXXXXX";
	char cmd[1024], line[128], out[BH_COMMUNITY_ID_LEN + 1];
	char sa[64], da[64];
	const int n = 4000;
	__u32 seed_state = 0x1234567;
	FILE *in, *res;
	int fd, i;

	(void)state;
	fd = mkstemp(in_path);
	assert_true(fd >= 0);
	in = fdopen(fd, "w");
	assert_non_null(in);
	for (i = 0; i < n; i++) {
		__u32 s = seed_state;
		__u8 proto = protos[rnd(&s) % sizeof(protos)];
		bool v6 = proto == 58 || (proto != 1 && (rnd(&s) & 1));
		bool ports = proto == 6 || proto == 17 || proto == 132 ||
			     proto == 1 || proto == 58;
		__u16 sp, dp, seed = (rnd(&s) % 4 == 0) ? rnd(&s) & 0xffff : 0;

		if (proto == 1 || proto == 58) {
			sp = rnd(&s) % 256;
			dp = rnd(&s) % 4;
		} else {
			sp = rnd(&s) % 3 ? rnd(&s) % 65536 : 80;
			dp = rnd(&s) % 3 ? rnd(&s) % 65536 : 80;
		}
		random_addr(&s, v6, sa, sizeof(sa));
		random_addr(&s, v6, da, sizeof(da));
		seed_state = s;
		if (ports)
			fprintf(in, "%u %u %s %s %u %u\n", seed, proto, sa, da,
				sp, dp);
		else
			fprintf(in, "%u %u %s %s - -\n", seed, proto, sa, da);
	}
	fclose(in);

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s < %s",
		 bh_test_src_path("tests/collector/community_id_ref.py"),
		 in_path);
	res = popen(cmd, "r");
	assert_non_null(res);
	in = fopen(in_path, "r");
	assert_non_null(in);
	for (i = 0; i < n; i++) {
		unsigned int seed, proto, sp = 0, dp = 0;
		char sps[16], dps[16];

		assert_non_null(fgets(line, sizeof(line), in));
		assert_int_equal(sscanf(line, "%u %u %63s %63s %15s %15s", &seed,
					&proto, sa, da, sps, dps), 6);
		if (sps[0] != '-') {
			sp = atoi(sps);
			dp = atoi(dps);
		}
		cid(sa, da, proto, sp, dp, seed, out);
		assert_non_null(fgets(line, sizeof(line), res));
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(out, line))
			fail_msg("tuple %d (%u %u %s %s %u %u): C %s, Python %s",
				 i, seed, proto, sa, da, sp, dp, out, line);
	}
	fclose(in);
	assert_int_equal(pclose(res), 0);
	unlink(in_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_values),
		cmocka_unit_test(test_rejects_bad_icmp),
		cmocka_unit_test(test_against_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
