// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the whole classifier (parse, identify, conntrack,
 * decide, account, events) of the native engine over a sequence of frames
 * under the test policy. Input: records of [flags:1][len:1][frame:len];
 * flags pick the packet time step and switch the policy mid-sequence.
 * Invariants: the verdict, the drop flag and the counters agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_cases.h"
#include "native.h"

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size);

static struct bh_compiled_policy fz_cp[2];
static int fz_ready;
static __u64 fz_events;

static void fz_event(void *ctx, const struct bh_event *ev)
{
	(void)ctx;
	if (ev->type != BH_EV_NEW_FLOW && ev->type != BH_EV_DENY)
		abort();
	fz_events++;
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct bh_native_opts o = { .flow_capacity = 64, .deny_capacity = 16,
				    .frag_capacity = 16 };
	struct bh_native *n = NULL;
	struct bh_result res;
	struct bh_stats st;
	__u64 now = 1000000000ULL, pkts = 0, sum = 0;
	size_t off = 0;
	unsigned int v;
	int pass;

	if (!fz_ready) {
		if (tp_compile(&tp_policies[P_MAIN], &fz_cp[0]) ||
		    tp_compile(&tp_policies[P_AUDIT], &fz_cp[1]))
			abort();
		fz_ready = 1;
	}
	if (bh_native_new(&n, &o) || bh_native_load_policy(n, &fz_cp[0], 1))
		abort();
	bh_native_set_event_cb(n, fz_event, NULL);
	bh_native_config(n)->ev_rate = 5;
	bh_native_config(n)->deny_cache_rate = 3;
	fz_events = 0;
	while (off + 2 <= size) {
		__u8 flags = data[off], len = data[off + 1];

		off += 2;
		if (len > size - off)
			len = (__u8)(size - off);
		if (flags & 0x80)
			bh_native_load_policy(n, &fz_cp[(flags >> 6) & 1], 2);
		now += (__u64)(flags & 0x3f) * 100000000ULL;
		pass = bh_native_classify(n, data + off, len, len + (flags & 1),
					  1, now, &res);
		if (pass != !res.drop || res.verdict >= BH_VERDICT_MAX ||
		    res.reason >= BH_REASON_MAX ||
		    res.drop != (res.verdict == BH_VERDICT_DENY))
			abort();
		pkts++;
		off += len;
	}
	bh_native_stats(n, &st);
	for (v = 0; v < BH_VERDICT_MAX; v++)
		sum += st.verdict_pkts[v];
	if (sum != pkts || st.ev_sent != fz_events)
		abort();
	bh_native_free(&n);
	return 0;
}
