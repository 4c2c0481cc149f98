// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the `detect:` YAML loader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_detect_config cfg;
	char err[256];

	bh_detect_config_defaults(&cfg);
	if (!bh_detect_config_load_buf(&cfg, (const char *)data, size,
				       "fuzz.yaml", err, sizeof(err))) {
		/* whatever loads must validate */
		if (bh_detect_config_validate(&cfg, err, sizeof(err)))
			__builtin_trap();
	} else if (!memchr(err, ':', sizeof(err))) {
		__builtin_trap(); /* errors name file:line:column */
	}
	bh_detect_config_clear(&cfg);
	return 0;
}
