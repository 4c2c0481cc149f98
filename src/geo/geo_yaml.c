// SPDX-License-Identifier: GPL-2.0-only
/* The `geoip:` section of the daemon configuration from a libyaml
 * document: the tree is walked here, every key and value goes through
 * bh_geo_config_set(), every error names file:line:column. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "geo_config.h"
#include "yaml_section.h"

struct gy_ctx {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	struct bh_geo_config *cfg;
};

static int gy_err(struct gy_ctx *x, const yaml_node_t *n, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int gy_err(struct gy_ctx *x, const yaml_node_t *n, const char *key,
		  const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bh_yaml_verr(x->err, x->errlen, x->file, n, key, fmt, ap);
	va_end(ap);
	return ret;
}

static const char *gy_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE
		   ? (const char *)n->data.scalar.value
		   : NULL;
}

/* An empty value, "~" or "null" written plainly: YAML's null. */
static bool gy_is_null(const yaml_node_t *n)
{
	const char *s = gy_scalar(n);

	return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
		!strcmp(s, "Null") || !strcmp(s, "NULL"));
}

static bool gy_is_path_key(const char *key)
{
	return !strcmp(key, "geoip.city_db") || !strcmp(key, "geoip.asn_db");
}

/* A relative database path is relative to the configuration's directory,
 * as the daemon takes the policy path. */
static int gy_path(struct gy_ctx *x, const yaml_node_t *n, const char *key,
		   const char *v, char *out, size_t len)
{
	const char *slash = strrchr(x->file, '/');
	int w;

	if (!*v || v[0] == '/' || !slash)
		w = snprintf(out, len, "%s", v);
	else
		w = snprintf(out, len, "%.*s/%s", (int)(slash - x->file),
			     x->file, v);
	if (w < 0 || (size_t)w >= len)
		return gy_err(x, n, key, "path too long");
	return 0;
}

static int gy_value(struct gy_ctx *x, const char *key, const yaml_node_t *kn,
		    const yaml_node_t *vn)
{
	char path[BH_GEO_PATH_SIZE];
	const char *v = gy_scalar(vn), *why = NULL;
	int err;

	if (!v)
		return gy_err(x, vn, key, "expected a value, not a %s",
			      vn->type == YAML_MAPPING_NODE ? "mapping"
							    : "list");
	if (gy_is_path_key(key)) {
		err = gy_path(x, vn, key, gy_is_null(vn) ? "" : v, path,
			      sizeof(path));
		if (err)
			return err;
		v = path;
	} else if (gy_is_null(vn)) {
		return gy_err(x, vn, key, "expected a value");
	}
	err = bh_geo_config_set(x->cfg, key, v, &why);
	if (err == -ENOENT)
		return gy_err(x, kn, key,
			      "unknown key (geoip: city_db, asn_db, "
			      "cache_size, novelty; novelty: enabled, "
			      "baseline, aggregate, max_identities, "
			      "max_countries, max_asns, max_pending, "
			      "upload_bytes, upload_ratio)");
	if (err)
		return gy_err(x, vn, key, "%s (got '%s')",
			      why ? why : strerror(-err), v);
	return 0;
}

static int gy_map(struct gy_ctx *x, const yaml_node_t *n, const char *prefix)
{
	yaml_node_pair_t *p, *q;
	char key[128];
	int err;

	if (gy_is_null(n))
		return 0; /* "geoip:" with nothing under it */
	if (n->type != YAML_MAPPING_NODE)
		return gy_err(x, n, prefix, "expected a mapping");
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(x->doc, p->value);
		const char *k = gy_scalar(kn);

		if (!k || !*k)
			return gy_err(x, kn, prefix, "expected a key");
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			const char *o =
			    gy_scalar(yaml_document_get_node(x->doc, q->key));

			if (o && !strcmp(o, k))
				return gy_err(x, kn, prefix,
					      "duplicate key '%s'", k);
		}
		if ((size_t)snprintf(key, sizeof(key), "%s.%s", prefix, k) >=
		    sizeof(key))
			return gy_err(x, kn, prefix, "key too long");
		if (!strcmp(key, "geoip.novelty"))
			err = gy_map(x, vn, key);
		else
			err = gy_value(x, key, kn, vn);
		if (err)
			return err;
	}
	return 0;
}

int bh_geo_config_load_node(struct bh_geo_config *cfg, yaml_document_t *doc,
			    yaml_node_t *node, const char *file, char *err,
			    size_t errlen)
{
	struct bh_geo_config tmp = *cfg;
	struct gy_ctx x = {doc, file ? file : "<config>", err, errlen, &tmp};
	int ret;

	if (!doc || !node)
		return -EINVAL;
	ret = gy_map(&x, node, "geoip");
	if (!ret)
		*cfg = tmp;
	return ret;
}

/* bh_yaml_section_fn */
static int gy_section(void *ctx, yaml_document_t *doc, yaml_node_t *node,
		      const char *name, char *err, size_t errlen)
{
	return bh_geo_config_load_node(ctx, doc, node, name, err, errlen);
}

int bh_geo_config_load_buf(struct bh_geo_config *cfg, const char *buf,
			   size_t len, const char *name, char *err,
			   size_t errlen)
{
	return bh_yaml_section_load_buf(buf, len, name, "geoip", gy_section,
					cfg, err, errlen);
}

int bh_geo_config_load_file(struct bh_geo_config *cfg, const char *path,
			    char *err, size_t errlen)
{
	return bh_yaml_section_load_file(path, "geoip", gy_section, cfg, err,
					 errlen);
}
