// SPDX-License-Identifier: GPL-2.0-only
/* The test packet builder: next-protocol fields, lengths, checksums and
 * errors. Checksums are checked by the receiver's rule (the one's
 * complement sum over the covered bytes, checksum included, is 0xffff);
 * the builder's output was also cross-checked once with scapy. */
#include "bh_test.h"

#include <errno.h>
#include <string.h>

#include "bh_pktgen.h"

static const __u8 a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const __u8 b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 sum16(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* L4 checksum check with the pseudo-header of the IP header at l3. */
static void assert_l4_csum(const __u8 *f, size_t l3, size_t l4, size_t len,
			   __u8 proto)
{
	__u32 sum = proto + (__u32)len;

	if ((f[l3] >> 4) == 4)
		sum = sum16(sum, f + l3 + 12, 8);
	else
		sum = sum16(sum, f + l3 + 8, 32);
	assert_int_equal(fold(sum16(sum, f + l4, len)), 0xffff);
}

static void test_tcp4_qinq(void **state)
{
	static const __u8 mss[4] = { 2, 4, 0x05, 0xb4 };
	struct bh_pktgen g;
	__u8 f[256];
	int len, ip, tcp;

	(void)state;
	bh_pktgen_init(&g, f, sizeof(f));
	assert_int_equal(bh_pktgen_eth(&g, NULL), 0);
	assert_int_equal(bh_pktgen_vlan(&g, BH_PKTGEN_TPID_8021AD, 100), 14);
	assert_int_equal(bh_pktgen_vlan(&g, 0, 4095), 18);
	ip = bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
					.saddr = BH_PKTGEN_IP4(10, 0, 0, 1),
					.daddr = BH_PKTGEN_IP4(10, 0, 0, 2),
					.opts = "\x01\x01\x01", .opts_len = 3,
					.id = 7, .df = true });
	tcp = bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){
					.sport = 1234, .dport = 80,
					.flags = 0x12, .opts = mss,
					.opts_len = sizeof(mss) });
	assert_int_equal(ip, 22);
	assert_int_equal(tcp, 46);
	bh_pktgen_payload(&g, NULL, 11);
	len = bh_pktgen_finish(&g);
	assert_int_equal(len, 46 + 24 + 11);

	assert_int_equal(be16(f + 12), 0x88a8);
	assert_int_equal(be16(f + 14), 100);
	assert_int_equal(be16(f + 16), 0x8100);
	assert_int_equal(be16(f + 18), 4095);
	assert_int_equal(be16(f + 20), 0x0800);
	assert_int_equal(f[ip], 0x46);
	assert_int_equal(be16(f + ip + 2), len - ip);
	assert_int_equal(be16(f + ip + 4), 7);
	assert_int_equal(be16(f + ip + 6), 0x4000);
	assert_int_equal(f[ip + 9], 6);
	assert_int_equal(fold(sum16(0, f + ip, 24)), 0xffff);
	assert_int_equal(f[tcp + 12] >> 4, 6);
	assert_int_equal(f[tcp + 13], 0x12);
	assert_memory_equal(f + tcp + 20, mss, 4);
	assert_l4_csum(f, ip, tcp, len - tcp, 6);
}

static void test_ipv6_ext_udp(void **state)
{
	struct bh_pktgen_ipv6 o = { 0 };
	struct bh_pktgen g;
	int len, ip, hbh, ah, frag, dst, udp;
	__u8 f[256];

	(void)state;
	memcpy(o.saddr, a6, 16);
	memcpy(o.daddr, b6, 16);
	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	ip = bh_pktgen_ipv6(&g, &o);
	hbh = bh_pktgen_ipv6_ext(&g, 0, 8);
	ah = bh_pktgen_ipv6_ext(&g, 51, 24);
	frag = bh_pktgen_ipv6_frag(&g, 0, true, 0xdeadbeef);
	dst = bh_pktgen_ipv6_ext(&g, 60, 16);
	udp = bh_pktgen_udp(&g, 5000, 53, 0);
	bh_pktgen_payload(&g, "abc", 3);
	len = bh_pktgen_finish(&g);
	assert_int_equal(len, udp + 8 + 3);
	assert_int_equal(be16(f + 12), 0x86dd);
	assert_int_equal(f[ip] >> 4, 6);
	assert_int_equal(be16(f + ip + 4), len - ip - 40);
	assert_int_equal(f[ip + 6], 0);
	assert_int_equal(f[hbh], 51);
	assert_int_equal(f[hbh + 1], 0);
	assert_int_equal(f[ah], 44);
	assert_int_equal(f[ah + 1], 24 / 4 - 2);
	assert_int_equal(f[frag], 60);
	assert_int_equal(be16(f + frag + 2), 1);
	assert_int_equal(be16(f + frag + 4), 0xdead);
	assert_int_equal(f[dst], 17);
	assert_int_equal(f[dst + 1], 1);
	assert_int_equal(be16(f + udp + 4), 11);
	assert_memory_equal(f + udp + 8, "abc", 3);
	assert_l4_csum(f, ip, udp, 11, 17);
}

static void test_icmp_error_quote(void **state)
{
	struct bh_pktgen g;
	int len, icmp, qip, qudp;
	__u8 f[256];

	(void)state;
	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){ .saddr = 1, .daddr = 2 });
	icmp = bh_pktgen_icmp(&g, 3, 3, 0, 0);
	qip = bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){
					 .saddr = 2, .daddr = 1,
					 .tot_len = 200 });
	qudp = bh_pktgen_udp(&g, 53, 999, 180);
	len = bh_pktgen_finish(&g);
	assert_int_equal(len, qudp + 8);
	assert_int_equal(f[14 + 9], 1);
	assert_int_equal(be16(f + 14 + 2), len - 14);
	assert_int_equal(f[icmp], 3);
	assert_int_equal(f[icmp + 1], 3);
	assert_int_equal(be16(f + qip + 2), 200);
	assert_int_equal(f[qip + 9], 17);
	assert_int_equal(be16(f + qudp + 4), 180);
	assert_int_equal(fold(sum16(0, f + icmp, len - icmp)), 0xffff);
}

static void test_tunnels(void **state)
{
	static const __u8 opt[8] = { 0x01, 0x02, 0x03, 0x01 };
	struct bh_pktgen_ipv6 o = { 0 };
	struct bh_pktgen g;
	int len, udp, gen, ip, vx;
	__u8 f[256];

	(void)state;
	memcpy(o.saddr, a6, 16);
	memcpy(o.daddr, b6, 16);
	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_ipv6(&g, &o);
	udp = bh_pktgen_udp(&g, 1, 6081, 0);
	gen = bh_pktgen_geneve(&g, &(struct bh_pktgen_geneve){
					   .vni = 0x123456, .opts = opt,
					   .opts_len = sizeof(opt) });
	ip = bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){ .saddr = 5,
							   .daddr = 6 });
	bh_pktgen_sctp(&g, 9, 10, 5);
	len = bh_pktgen_finish(&g);
	assert_int_equal(len, ip + 20 + 12);
	assert_int_equal(f[gen], 2); /* version 0, 2 option words */
	assert_int_equal(be16(f + gen + 2), 0x0800);
	assert_int_equal(be16(f + gen + 4), 0x1234);
	assert_int_equal(f[gen + 6], 0x56);
	assert_int_equal(f[ip + 9], 132);
	assert_l4_csum(f, 14, udp, len - udp, 17);

	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){ .saddr = 1, .daddr = 2 });
	bh_pktgen_udp(&g, 1, 6081, 0);
	gen = bh_pktgen_geneve(&g, &(struct bh_pktgen_geneve){ .vni = 1 });
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_arp(&g, 1, 1, 2);
	assert_true(bh_pktgen_finish(&g) > 0);
	assert_int_equal(be16(f + gen + 2), 0x6558);
	assert_int_equal(be16(f + gen + 8 + 12), 0x0806);

	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){ .saddr = 1, .daddr = 2 });
	bh_pktgen_udp(&g, 1, 4789, 0);
	vx = bh_pktgen_vxlan(&g, 0xabcdef);
	bh_pktgen_eth(&g, NULL);
	assert_true(bh_pktgen_finish(&g) > 0);
	assert_int_equal(f[vx], 0x08);
	assert_int_equal(be16(f + vx + 4), 0xabcd);
	assert_int_equal(f[vx + 6], 0xef);
}

static void test_errors(void **state)
{
	__u8 f[40], big[4 * BH_PKTGEN_MAX_LAYERS + 4];
	struct bh_pktgen g;
	int i;

	(void)state;
	bh_pktgen_init(&g, f, sizeof(f));
	bh_pktgen_eth(&g, NULL);
	bh_pktgen_ipv4(&g, &(struct bh_pktgen_ipv4){ .saddr = 1 });
	assert_int_equal(bh_pktgen_tcp(&g, &(struct bh_pktgen_tcp){ 0 }),
			 -ENOSPC);
	assert_int_equal(bh_pktgen_payload(&g, NULL, 1), -ENOSPC);
	assert_int_equal(bh_pktgen_finish(&g), -ENOSPC);

	bh_pktgen_init(&g, f, sizeof(f));
	assert_int_equal(bh_pktgen_ipv6_ext(&g, 0, 12), -EINVAL);
	assert_int_equal(bh_pktgen_finish(&g), -EINVAL);

	bh_pktgen_init(&g, f, sizeof(f));
	for (i = 0; i < 10; i++)
		assert_int_equal(bh_pktgen_vlan(&g, 0, 1), 4 * i);
	assert_int_equal(bh_pktgen_vlan(&g, 0, 1), -ENOSPC);

	bh_pktgen_init(&g, big, sizeof(big));
	for (i = 0; i < BH_PKTGEN_MAX_LAYERS; i++)
		assert_int_equal(bh_pktgen_vlan(&g, 0, 1), 4 * i);
	assert_int_equal(bh_pktgen_vlan(&g, 0, 1), -E2BIG);
}

static void test_build_flow(void **state)
{
	struct bh_pktgen_flow fl = { .ipv6 = true, .proto = 6, .sport = 1,
				     .dport = 443, .tcp_flags = 0x02,
				     .vlan = 5, .payload_len = 4 };
	__u8 f[128];
	int len;

	(void)state;
	memcpy(fl.saddr, a6, 16);
	memcpy(fl.daddr, b6, 16);
	len = bh_pktgen_build_flow(f, sizeof(f), &fl);
	assert_int_equal(len, 18 + 40 + 20 + 4);
	assert_int_equal(be16(f + 12), 0x8100);
	assert_int_equal(be16(f + 16), 0x86dd);
	assert_int_equal(f[18 + 6], 6);
	assert_memory_equal(f + 18 + 24, b6, 16);
	assert_int_equal(be16(f + 58 + 2), 443);
	assert_l4_csum(f, 18, 58, 24, 6);

	memset(&fl, 0, sizeof(fl));
	fl.proto = 17;
	bh_pktgen_v4mapped(fl.saddr, BH_PKTGEN_IP4(192, 168, 1, 1));
	bh_pktgen_v4mapped(fl.daddr, BH_PKTGEN_IP4(192, 168, 1, 2));
	len = bh_pktgen_build_flow(f, sizeof(f), &fl);
	assert_int_equal(len, 14 + 20 + 8);
	assert_int_equal(be16(f + 14 + 12), 0xc0a8);
	assert_int_equal(f[14 + 19], 2);
	assert_int_equal(f[14 + 9], 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_qinq),
		cmocka_unit_test(test_ipv6_ext_udp),
		cmocka_unit_test(test_icmp_error_quote),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_build_flow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
