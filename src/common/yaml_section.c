// SPDX-License-Identifier: GPL-2.0-only
/* A file holding one configuration section. See yaml_section.h. */
#include "yaml_section.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

int bh_yaml_verr(char *err, size_t errlen, const char *file,
		 const yaml_node_t *n, const char *key, const char *fmt,
		 va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%zu:%zu: %s: %s", file,
			 n->start_mark.line + 1, n->start_mark.column + 1, key,
			 msg);
	return -EINVAL;
}

static int ys_err(char *err, size_t errlen, const char *name,
		  const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int ys_err(char *err, size_t errlen, const char *name,
		  const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = bh_yaml_verr(err, errlen, name, n, "(root)", fmt, ap);
	va_end(ap);
	return ret;
}

static int ys_load(yaml_parser_t *parser, const char *name, const char *section,
		   bh_yaml_section_fn fn, void *ctx, char *err, size_t errlen)
{
	yaml_node_t *root, *value = NULL;
	yaml_document_t doc;
	yaml_node_pair_t *p;
	int ret;

	if (!yaml_parser_load(parser, &doc)) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name,
				 parser->problem_mark.line + 1,
				 parser->problem_mark.column + 1,
				 parser->problem ? parser->problem
						 : "YAML error",
				 parser->context ? " " : "",
				 parser->context ? parser->context : "");
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1:1: empty document", name);
		ret = -EINVAL;
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		ret = ys_err(err, errlen, name, root,
			     "expected a mapping with %s:", section);
		goto out;
	}
	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
		const char *k = kn && kn->type == YAML_SCALAR_NODE
				    ? (const char *)kn->data.scalar.value
				    : NULL;

		if (!k || strcmp(k, section)) {
			ret = ys_err(err, errlen, name, kn,
				     "unknown key '%s' (this file holds only "
				     "%s:)",
				     k ? k : "?", section);
			goto out;
		}
		if (value) {
			ret = ys_err(err, errlen, name, kn,
				     "duplicate key '%s'", section);
			goto out;
		}
		value = yaml_document_get_node(&doc, p->value);
	}
	if (!value) {
		ret =
		    ys_err(err, errlen, name, root, "no %s: section", section);
		goto out;
	}
	ret = fn(ctx, &doc, value, name, err, errlen);
out:
	yaml_document_delete(&doc);
	return ret;
}

int bh_yaml_section_load_buf(const char *buf, size_t len, const char *name,
			     const char *section, bh_yaml_section_fn fn,
			     void *ctx, char *err, size_t errlen)
{
	yaml_parser_t parser;
	int ret;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	ret = ys_load(&parser, name ? name : "<buffer>", section, fn, ctx, err,
		      errlen);
	yaml_parser_delete(&parser);
	return ret;
}

int bh_yaml_section_load_file(const char *path, const char *section,
			      bh_yaml_section_fn fn, void *ctx, char *err,
			      size_t errlen)
{
	yaml_parser_t parser;
	FILE *fp;
	int ret;

	fp = fopen(path, "r");
	if (!fp) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path,
				 strerror(-ret));
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, fp);
	ret = ys_load(&parser, path, section, fn, ctx, err, errlen);
	yaml_parser_delete(&parser);
	fclose(fp);
	return ret;
}
