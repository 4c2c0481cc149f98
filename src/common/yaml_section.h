/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A standalone YAML file (or buffer) that holds one section of the daemon
 * configuration, e.g. `detect:` or `geoip:` alone, as `bulkhead replay
 * --detect-config` and `--geoip-config` read them: parsed with libyaml,
 * the root checked (a mapping with that one key, once), and the section's
 * value node handed to the part's own loader. Errors are -EINVAL with
 * "FILE:LINE:COLUMN: (root): what is wrong" in err, or -errno for I/O.
 */
#ifndef BH_YAML_SECTION_H
#define BH_YAML_SECTION_H

#include <stdarg.h>
#include <stddef.h>

struct yaml_document_s;
struct yaml_node_s;

/* The part's loader: the value node of the section; name for messages. */
typedef int (*bh_yaml_section_fn)(void *ctx, struct yaml_document_s *doc,
				  struct yaml_node_s *node, const char *name,
				  char *err, size_t errlen);

int bh_yaml_section_load_file(const char *path, const char *section,
			      bh_yaml_section_fn fn, void *ctx, char *err,
			      size_t errlen);
int bh_yaml_section_load_buf(const char *buf, size_t len, const char *name,
			     const char *section, bh_yaml_section_fn fn,
			     void *ctx, char *err, size_t errlen);

/* "FILE:LINE:COLUMN: KEY: message" about node n into err (when set), for
 * every configuration loader; returns -EINVAL. */
int bh_yaml_verr(char *err, size_t errlen, const char *file,
		 const struct yaml_node_s *n, const char *key, const char *fmt,
		 va_list ap) __attribute__((format(printf, 6, 0)));

#endif /* BH_YAML_SECTION_H */
