// SPDX-License-Identifier: GPL-2.0-only
/* Capture reader: every link type normalized to Ethernet, timestamps in ns,
 * snaplen, time-ordered merge of several files, and clear errors on
 * truncated, corrupt, unsupported and missing files. The captures are
 * written by libpcap itself into a temporary directory. */
#include "bh_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static char tmpdir[64];

/* IPv4/TCP and IPv6/TCP packets (L3 and up), contents irrelevant here. */
static const __u8 ip4[40] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,
			      10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x01,
			      0xbb, [32] = 0x50, [33] = 0x02 };
static const __u8 ip6[60] = { 0x60, 0, 0, 0, 0, 20, 6, 64, [8] = 0xfd,
			      [23] = 1, [24] = 0xfd, [39] = 2, [40] = 0x30,
			      [41] = 0x39, [42] = 0x01, [43] = 0xbb,
			      [52] = 0x50, [53] = 0x02 };

struct rec {
	__u64 sec, frac; /* frac in the file's precision */
	const __u8 *link; /* link header bytes, linklen of them */
	size_t linklen;
	const __u8 *l3;
	size_t l3len;
	size_t extra; /* bytes on the wire beyond what is captured */
};

static const char *path_of(const char *name)
{
	static char buf[4][256];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", tmpdir, name);
	return buf[n];
}

static void write_pcap(const char *name, int dlt, int nano,
		       const struct rec *r, size_t n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(
		dlt, 65535,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d;
	size_t i;

	assert_non_null(p);
	d = pcap_dump_open(p, path_of(name));
	assert_non_null(d);
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };
		__u8 buf[256];

		if (r[i].linklen)
			memcpy(buf, r[i].link, r[i].linklen);
		memcpy(buf + r[i].linklen, r[i].l3, r[i].l3len);
		h.ts.tv_sec = (time_t)r[i].sec;
		h.ts.tv_usec = (suseconds_t)r[i].frac;
		h.caplen = (bpf_u_int32)(r[i].linklen + r[i].l3len);
		h.len = h.caplen + (bpf_u_int32)r[i].extra;
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static struct bh_capture *open1(const char *name)
{
	char *paths[1] = { (char *)path_of(name) };
	char err[512] = "";
	struct bh_capture *c = NULL;

	if (bh_capture_open(&c, paths, 1, err, sizeof(err)))
		fail_msg("open %s: %s", name, err);
	return c;
}

/* The frame must be a synthesized Ethernet header + l3. */
static void expect_frame(const struct bh_capture_pkt *p, __u16 type,
			 const __u8 *l3, size_t l3len)
{
	assert_int_equal(p->caplen, 14 + l3len);
	assert_int_equal(p->frame[12], type >> 8);
	assert_int_equal(p->frame[13], type & 0xff);
	assert_memory_equal(p->frame + 14, l3, l3len);
}

static void test_ethernet_usec(void **state)
{
	static const __u8 eth[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				      0x08, 0x00 };
	const struct rec r[] = {
		{ 100, 1, eth, 14, ip4, 40, 0 },
		{ 100, 999999, eth, 14, ip4, 40, 1000 },
	};
	struct bh_capture_pkt p;
	struct bh_capture *c;
	__u64 done, total;

	(void)state;
	write_pcap("eth.pcap", DLT_EN10MB, 0, r, 2);
	c = open1("eth.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 100000001000ull);
	assert_int_equal(p.caplen, 54);
	assert_int_equal(p.wire_len, 54);
	assert_memory_equal(p.frame, eth, 14);
	assert_int_equal(p.index, 0);
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 100999999000ull);
	/* snaplen shorter than the packet: bytes from the original length */
	assert_int_equal(p.caplen, 54);
	assert_int_equal(p.wire_len, 1054);
	assert_int_equal(p.index, 1);
	assert_int_equal(bh_capture_next(c, &p), 0);
	assert_int_equal(bh_capture_count(c), 2);
	bh_capture_progress(c, &done, &total);
	assert_true(total > 0);
	assert_int_equal(done, total);
	bh_capture_free(&c);
	assert_null(c);
}

static void test_ethernet_nsec(void **state)
{
	static const __u8 eth[14] = { [12] = 0x86, [13] = 0xdd };
	const struct rec r[] = { { 5, 123456789, eth, 14, ip6, 60, 0 } };
	struct bh_capture_pkt p;
	struct bh_capture *c;

	(void)state;
	write_pcap("eth-ns.pcap", DLT_EN10MB, 1, r, 1);
	c = open1("eth-ns.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_int_equal(p.ts_ns, 5123456789ull);
	bh_capture_free(&c);
}

static void test_cooked(void **state)
{
	static const __u8 sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6,
				      0, 0, 0x08, 0x00 };
	static const __u8 sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 7, 0, 1,
				       0, 6, 1, 2, 3, 4, 5, 6 };
	const struct rec r1[] = { { 1, 0, sll, 16, ip4, 40, 100 } };
	const struct rec r2[] = { { 1, 0, sll2, 20, ip6, 60, 0 } };
	struct bh_capture_pkt p;
	struct bh_capture *c;

	(void)state;
	write_pcap("sll.pcap", DLT_LINUX_SLL, 0, r1, 1);
	c = open1("sll.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x0800, ip4, 40);
	/* wire: 16 + 40 + 100 on the wire, minus SLL, plus Ethernet */
	assert_int_equal(p.wire_len, 14 + 40 + 100);
	assert_int_equal(p.ifindex, 0);
	bh_capture_free(&c);

	write_pcap("sll2.pcap", DLT_LINUX_SLL2, 0, r2, 1);
	c = open1("sll2.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x86dd, ip6, 60);
	assert_int_equal(p.wire_len, 14 + 60);
	assert_int_equal(p.ifindex, 7);
	bh_capture_free(&c);
}

static void test_raw_and_loopback(void **state)
{
	static const __u8 null_v4[4] = { 2, 0, 0, 0 };    /* little endian */
	static const __u8 null_v6be[4] = { 0, 0, 0, 30 }; /* big endian host */
	static const __u8 null_other[4] = { 7, 0, 0, 0 };
	static const __u8 loop_v6[4] = { 0, 0, 0, 24 };
	static const __u8 bad[4] = { 0x50, 0, 0, 4 }; /* IP version 5 */
	const struct rec raw[] = {
		{ 1, 0, NULL, 0, ip4, 40, 0 },
		{ 2, 0, NULL, 0, ip6, 60, 0 },
		{ 3, 0, NULL, 0, bad, 4, 0 },
	};
	const struct rec nul[] = {
		{ 1, 0, null_v4, 4, ip4, 40, 0 },
		{ 2, 0, null_v6be, 4, ip6, 60, 0 },
		{ 3, 0, null_other, 4, ip4, 40, 0 },
	};
	const struct rec loop[] = { { 1, 0, loop_v6, 4, ip6, 60, 0 } };
	struct bh_capture_pkt p;
	struct bh_capture *c;

	(void)state;
	write_pcap("raw.pcap", DLT_RAW, 0, raw, 3);
	c = open1("raw.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x0800, ip4, 40);
	assert_int_equal(p.wire_len, 54);
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x86dd, ip6, 60);
	/* neither v4 nor v6: handed over as IPv4 so the parser says
	 * malformed rather than non-IP */
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x0800, bad, 4);
	bh_capture_free(&c);

	write_pcap("null.pcap", DLT_NULL, 0, nul, 3);
	c = open1("null.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x0800, ip4, 40);
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x86dd, ip6, 60);
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x0000, ip4, 40);
	bh_capture_free(&c);

	write_pcap("loop.pcap", DLT_LOOP, 0, loop, 1);
	c = open1("loop.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	expect_frame(&p, 0x86dd, ip6, 60);
	bh_capture_free(&c);
}

static void test_merge_in_time_order(void **state)
{
	static const __u8 eth[14] = { [12] = 0x08 };
	const struct rec a[] = {
		{ 1, 0, eth, 14, ip4, 40, 0 },
		{ 3, 0, eth, 14, ip4, 40, 0 },
		{ 5, 0, eth, 14, ip4, 40, 0 },
	};
	const struct rec b[] = {
		{ 2, 0, eth, 14, ip4, 40, 0 },
		{ 3, 0, eth, 14, ip4, 40, 0 },
		{ 9, 0, eth, 14, ip4, 40, 0 },
	};
	/* expected (second, file, index) */
	const __u64 want[][3] = { { 1, 0, 0 }, { 2, 1, 0 }, { 3, 0, 1 },
				  { 3, 1, 1 }, { 5, 0, 2 }, { 9, 1, 2 } };
	char *paths[2];
	struct bh_capture_pkt p;
	struct bh_capture *c;
	char err[256];
	size_t i;

	(void)state;
	write_pcap("a.pcap", DLT_EN10MB, 0, a, 3);
	write_pcap("b.pcap", DLT_EN10MB, 1, b, 3);
	paths[0] = strdup(path_of("a.pcap"));
	paths[1] = strdup(path_of("b.pcap"));
	assert_int_equal(bh_capture_open(&c, paths, 2, err, sizeof(err)), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(bh_capture_next(c, &p), 1);
		assert_int_equal(p.ts_ns, want[i][0] * 1000000000ull);
		assert_int_equal(p.file, want[i][1]);
		assert_int_equal(p.index, want[i][2]);
	}
	assert_int_equal(bh_capture_next(c, &p), 0);
	bh_capture_free(&c);
	free(paths[0]);
	free(paths[1]);
}

/* Rewrite byte range of a file. */
static void patch_file(const char *path, long off, const void *b, size_t n)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void test_truncated_and_corrupt(void **state)
{
	static const __u8 eth[14] = { [12] = 0x08 };
	const struct rec r[] = {
		{ 1, 0, eth, 14, ip4, 40, 0 },
		{ 2, 0, eth, 14, ip4, 40, 0 },
		{ 3, 0, eth, 14, ip4, 40, 0 },
	};
	/* pcap: 24-byte file header, then 16-byte record headers + 54 */
	const long rec_size = 16 + 54;
	const __u32 huge = 0x7fffffff;
	struct bh_capture_pkt p;
	struct bh_capture *c;
	const char *path;

	(void)state;
	write_pcap("trunc.pcap", DLT_EN10MB, 0, r, 3);
	path = path_of("trunc.pcap");
	assert_int_equal(truncate(path, 24 + 2 * rec_size + 16 + 10), 0);
	c = open1("trunc.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_true(bh_capture_next(c, &p) < 0);
	assert_non_null(strstr(bh_capture_error(c), "trunc.pcap"));
	assert_non_null(strstr(bh_capture_error(c), "packet 2"));
	print_message("truncated: %s\n", bh_capture_error(c));
	bh_capture_free(&c);

	write_pcap("corrupt.pcap", DLT_EN10MB, 0, r, 3);
	path = path_of("corrupt.pcap");
	/* caplen field of the second record (offset 8 in its header) */
	patch_file(path, 24 + rec_size + 8, &huge, sizeof(huge));
	c = open1("corrupt.pcap");
	assert_int_equal(bh_capture_next(c, &p), 1);
	assert_true(bh_capture_next(c, &p) < 0);
	assert_non_null(strstr(bh_capture_error(c), "corrupt.pcap"));
	assert_non_null(strstr(bh_capture_error(c), "packet 1"));
	print_message("corrupt: %s\n", bh_capture_error(c));
	bh_capture_free(&c);
}

static void test_open_errors(void **state)
{
	static const __u8 wifi[4] = { 0 };
	const struct rec r[] = { { 1, 0, wifi, 4, ip4, 40, 0 } };
	char *paths[1];
	struct bh_capture *c = NULL;
	char err[512];
	FILE *f;

	(void)state;
	write_pcap("wifi.pcap", DLT_IEEE802_11, 0, r, 1);
	paths[0] = (char *)path_of("wifi.pcap");
	assert_true(bh_capture_open(&c, paths, 1, err, sizeof(err)) < 0);
	assert_null(c);
	assert_non_null(strstr(err, "wifi.pcap"));
	assert_non_null(strstr(err, "unsupported link type"));

	paths[0] = (char *)path_of("missing.pcap");
	assert_true(bh_capture_open(&c, paths, 1, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "missing.pcap"));

	f = fopen(path_of("text.pcap"), "w");
	assert_non_null(f);
	fputs("this is not a capture file\n", f);
	fclose(f);
	paths[0] = (char *)path_of("text.pcap");
	assert_true(bh_capture_open(&c, paths, 1, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "text.pcap"));

	assert_true(bh_capture_open(&c, paths, 0, err, sizeof(err)) < 0);
}


/* Every record as plain libpcap reads it: the reader's direct reads of
 * classic pcap must agree, across its 4 MiB windows, in both byte orders
 * and timestamp precisions, and when a record is handed to libpcap in the
 * middle of a file (longer than the snapshot length) or at its end (cut
 * short). */
static void compare_with_libpcap(const char *path, bool truncated)
{
	char errbuf[PCAP_ERRBUF_SIZE], *paths[1] = { (char *)path };
	char err[512] = "";
	struct pcap_pkthdr *h;
	struct bh_capture_pkt p;
	struct bh_capture *c = NULL;
	const u_char *d;
	pcap_t *lp;
	__u64 n = 0;
	int r, rc;

	lp = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(lp);
	assert_int_equal(bh_capture_open(&c, paths, 1, err, sizeof(err)), 0);
	while ((r = pcap_next_ex(lp, &h, &d)) == 1) {
		rc = bh_capture_next(c, &p);
		assert_int_equal(rc, 1);
		assert_int_equal(p.index, n);
		assert_int_equal(p.ts_ns, (__u64)h->ts.tv_sec * 1000000000ull +
						  (__u64)h->ts.tv_usec);
		assert_int_equal(p.caplen, h->caplen);
		assert_int_equal(p.wire_len, h->len);
		assert_memory_equal(p.frame, d, h->caplen);
		n++;
	}
	rc = bh_capture_next(c, &p);
	if (truncated) {
		assert_int_equal(r, PCAP_ERROR);
		assert_true(rc < 0);
		assert_non_null(strstr(bh_capture_error(c), pcap_geterr(lp)));
	} else {
		assert_int_equal(r, PCAP_ERROR_BREAK);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(bh_capture_count(c), n);
	bh_capture_free(&c);
	pcap_close(lp);
}

static void put32(FILE *f, __u32 v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	assert_int_equal(fwrite(&v, 4, 1, f), 1);
}

/* n Ethernet records of 60 to 1,500 bytes (bytes from a counter). */
static void write_many(const char *name, bool swap, bool nano, __u32 snaplen,
		       __u32 n, __u32 oversize_at)
{
	FILE *f = fopen(path_of(name), "wb");
	__u8 buf[1600];
	__u32 i, len, j;

	assert_non_null(f);
	put32(f, nano ? 0xa1b23c4d : 0xa1b2c3d4, swap);
	put32(f, swap ? 0x04000200 : 0x00040002, false); /* 2.4 */
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snaplen, swap);
	put32(f, DLT_EN10MB, swap);
	for (i = 0; i < n; i++) {
		len = 60 + (i * 7919u) % 1441;
		if (len > snaplen && i != oversize_at)
			len = snaplen;
		for (j = 0; j < len; j++)
			buf[j] = (__u8)(i + j);
		buf[12] = 0x08;
		buf[13] = 0x00;
		put32(f, 1700000000 + i / 100, swap);
		put32(f, (i % 100) * (nano ? 9999999 : 9999), swap);
		put32(f, len, swap);
		put32(f, len + i % 3, swap);
		assert_int_equal(fwrite(buf, 1, len, f), len);
	}
	fclose(f);
}

static void test_direct_reads_as_libpcap(void **state)
{
	(void)state;
	/* 12,000 records, about 9 MB: three windows */
	write_many("many.pcap", false, false, 65535, 12000, 0);
	compare_with_libpcap(path_of("many.pcap"), false);
	write_many("many-be-ns.pcap", true, true, 65535, 12000, 0);
	compare_with_libpcap(path_of("many-be-ns.pcap"), false);
	/* snaplen 1,000, record 5,000 longer: libpcap's from there on */
	write_many("oversize.pcap", false, false, 1000, 8000, 5000);
	compare_with_libpcap(path_of("oversize.pcap"), false);
	/* cut in the middle of a record beyond the first window */
	write_many("cut.pcap", true, false, 65535, 7000, 0);
	assert_int_equal(truncate(path_of("cut.pcap"), 5000000), 0);
	compare_with_libpcap(path_of("cut.pcap"), true);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bh-capture-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_usec),
		cmocka_unit_test(test_ethernet_nsec),
		cmocka_unit_test(test_cooked),
		cmocka_unit_test(test_raw_and_loopback),
		cmocka_unit_test(test_merge_in_time_order),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_direct_reads_as_libpcap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
