// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the `geoip:` YAML section (bh_geo_config_load_buf).
 * A crash, a refusal without a "file:" message, a change to the
 * configuration on refusal, or a value outside its documented bounds is a
 * finding. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_geo_bounds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bh_geo_config cfg, before;
	char err[512] = "";
	int ret;

	bh_geo_config_init(&cfg);
	before = cfg;
	ret = bh_geo_config_load_buf(&cfg, (const char *)data, size,
				     "/etc/fuzz.yaml", err, sizeof(err));
	if (ret) {
		if (ret != -EINVAL || strncmp(err, "/etc/fuzz.yaml:", 15))
			abort();
		if (memcmp(&cfg, &before, sizeof(cfg)))
			abort(); /* all or nothing */
		return 0;
	}
	if (!bh_fuzz_geo_in_bounds(&cfg))
		abort();
	return 0;
}
