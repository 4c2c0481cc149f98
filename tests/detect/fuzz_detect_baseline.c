// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the baseline file reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect_int.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_detect_config cfg;
	struct bh_detect *d;
	FILE *fp;

	if (!size)
		return 0;
	bh_detect_config_defaults(&cfg);
	cfg.max_edges = 64; /* small tables: eviction paths too */
	cfg.max_workloads = 32;
	if (bh_detect_new(&d, &cfg, NULL, NULL))
		__builtin_trap();
	fp = fmemopen((void *)data, size, "r");
	if (fp) {
		bh_log_set_level(BH_LOG_WARN);
		bh_detect_baseline_read(d, fp, "fuzz");
		fclose(fp);
	}
	bh_detect_free(&d);
	bh_detect_config_clear(&cfg);
	return 0;
}
