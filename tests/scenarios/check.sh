#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Cross-check every ground-truth file in pcaps/ against its capture.
set -eu
exec /usr/bin/python3 "${BH_SOURCE_DIR:?}/tools/gen/check_truth.py" \
	"$BH_SOURCE_DIR/pcaps"
