// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the "geoip.*" configuration values
 * (bh_geo_config_set): input "key=value". Any crash, or a value accepted
 * outside its documented bounds, is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo_config.h"

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
	if (cfg.cache_entries > BH_GEO_CACHE_MAX || !cfg.novelty.baseline_ns ||
	    !cfg.novelty.max_identities || !cfg.novelty.max_countries ||
	    !cfg.novelty.max_asns || !cfg.novelty.max_pending ||
	    !cfg.novelty.upload_ratio || cfg.city_db[BH_GEO_PATH_SIZE - 1] ||
	    cfg.asn_db[BH_GEO_PATH_SIZE - 1])
		abort();
	free(buf);
	return 0;
}
