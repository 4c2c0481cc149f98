/* SPDX-License-Identifier: GPL-2.0-only */
/* bulkhead geoip (cmd_geo.c). */
#ifndef BH_CMD_GEO_H
#define BH_CMD_GEO_H

int do_geoip(int argc, char **argv);

#endif /* BH_CMD_GEO_H */
