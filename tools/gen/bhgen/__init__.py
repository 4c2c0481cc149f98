# SPDX-License-Identifier: GPL-2.0-only
"""bulkhead's scenario generator (tools/gen/scenarios.py)."""
