// SPDX-License-Identifier: GPL-2.0-only
/* Fuzzer for what `bulkhead observe` does with untrusted bytes: the stream
 * reader (fed in two pieces), envelope decoding, filters, text and JSON
 * output. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "print.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *null;

	if (!null)
		null = fopen("/dev/null", "w");
	return null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bh_print_filter filters[] = {
		{ .types = BH_PRINT_FLOW | BH_PRINT_ALERT | BH_PRINT_STATS },
		{ .workloads = { "web-1" }, .n_workloads = 1,
		  .labels = { "app=db" }, .n_labels = 1, .ports = { 5432 },
		  .n_ports = 1, .since_ns = 1, .until_ns = ~0ull >> 1 },
		{ .verdicts = 1u << 2 },
	};
	struct bh_stream_reader r;
	size_t cut = size ? data[0] % (size + 1) : 0;
	const uint8_t *msg;
	size_t len, i;
	uint64_t off;

	bh_stream_reader_init(&r);
	r.max_msg = 1 << 16;
	for (i = 0; i < 2; i++) {
		if (bh_stream_reader_feed(&r, i ? data + cut : data,
					  i ? size - cut : cut))
			break;
		while (bh_stream_reader_next(&r, &msg, &len, &off) == 1) {
			Bulkhead__Telemetry__V1__Envelope *env =
				bulkhead__telemetry__v1__envelope__unpack(
					NULL, len, msg);
			size_t f;

			if (!env)
				continue;
			for (f = 0; f < sizeof(filters) / sizeof(filters[0]);
			     f++)
				bh_print_match(&filters[f], env);
			bh_print_text(sink(), env);
			bh_print_json(sink(), env);
			bulkhead__telemetry__v1__envelope__free_unpacked(env,
									 NULL);
		}
	}
	bh_stream_reader_finish(&r);
	bh_stream_reader_release(&r);
	return 0;
}
