// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the daemon config loader must report errors, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_daemon_config *c = NULL;
	FILE *null = fopen("/dev/null", "w");

	if (!bh_daemon_config_load_buf("fuzz.yaml", data, size, &c, null)) {
		/* a loaded config is usable */
		bh_daemon_config_match(c, "veth0", NULL);
	}
	bh_daemon_config_free(&c);
	if (null)
		fclose(null);
	return 0;
}
