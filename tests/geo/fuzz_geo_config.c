// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the "geoip.*" configuration values
 * (bh_geo_config_set): input "key=value". Any crash, or a value accepted
 * outside its documented bounds, is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_geo_bounds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_geo_config cfg;
	const char *why = NULL;
	char *buf, *eq;
	int ret;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	eq = strchr(buf, '=');
	if (!eq) {
		free(buf);
		return 0;
	}
	*eq = '\0';
	bh_geo_config_init(&cfg);
	ret = bh_geo_config_set(&cfg, buf, eq + 1, &why);
	if (ret && !why)
		abort(); /* every refusal says why */
	if (!bh_fuzz_geo_in_bounds(&cfg))
		abort();
	free(buf);
	return 0;
}
