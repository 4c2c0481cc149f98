// SPDX-License-Identifier: GPL-2.0-only
#include "endpoints.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "log.h"

static bool label_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	       c == '/';
}

static bool value_char(char c)
{
	return c != '/' && label_key_char(c);
}

bool bh_ep_valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (!n || n > BH_EP_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!value_char(name[i]))
			return false;
	return true;
}

void bh_ep_labels_free(struct bh_ep_label *l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++) {
		free(l[i].key);
		free(l[i].value);
	}
	free(l);
}

static int label_cmp(const void *a, const void *b)
{
	const struct bh_ep_label *x = a, *y = b;

	return strcmp(x->key, y->key);
}

int bh_ep_parse_labels(const char *s, struct bh_ep_label **out, size_t *n,
		       char *why, size_t whylen)
{
	struct bh_ep_label *l = NULL;
	size_t cnt = 0, i;
	const char *p = s;
	int err = -EINVAL;

	*out = NULL;
	*n = 0;
	if (!*s)
		return 0;
	l = calloc(BH_EP_MAX_LABELS, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (;;) {
		const char *eq, *end = p + strcspn(p, ",");
		size_t klen, vlen;

		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq) {
			snprintf(why, whylen, "label '%.*s' is not key=value",
				 (int)(end - p), p);
			goto out;
		}
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		if (!klen || klen > BH_EP_KEY_MAX || vlen > BH_EP_VALUE_MAX) {
			snprintf(why, whylen,
				 "label '%.*s': the key must have 1..%d "
				 "characters, the value at most %d",
				 (int)(end - p), p, BH_EP_KEY_MAX,
				 BH_EP_VALUE_MAX);
			goto out;
		}
		for (i = 0; i < klen; i++)
			if (!label_key_char(p[i]))
				break;
		if (i < klen) {
			snprintf(why, whylen,
				 "label key '%.*s' may only have letters, "
				 "digits and . - _ /",
				 (int)klen, p);
			goto out;
		}
		for (i = 0; i < vlen; i++)
			if (!value_char(eq[1 + i]))
				break;
		if (i < vlen) {
			snprintf(why, whylen,
				 "label value '%.*s' may only have letters, "
				 "digits and . - _",
				 (int)vlen, eq + 1);
			goto out;
		}
		if (cnt == BH_EP_MAX_LABELS) {
			snprintf(why, whylen, "more than %d labels",
				 BH_EP_MAX_LABELS);
			goto out;
		}
		l[cnt].key = strndup(p, klen);
		l[cnt].value = strndup(eq + 1, vlen);
		cnt++;
		if (!l[cnt - 1].key || !l[cnt - 1].value) {
			err = -ENOMEM;
			goto out;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	qsort(l, cnt, sizeof(*l), label_cmp);
	for (i = 1; i < cnt; i++) {
		if (!strcmp(l[i - 1].key, l[i].key)) {
			snprintf(why, whylen, "label key '%s' given twice",
				 l[i].key);
			goto out;
		}
	}
	*out = l;
	*n = cnt;
	return 0;
out:
	bh_ep_labels_free(l, cnt);
	return err;
}

static char *labels_canon(const struct bh_ep_label *l, size_t n)
{
	size_t i, len = 1;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(l[i].key) + strlen(l[i].value) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s=%s", i ? "," : "", l[i].key, l[i].value);
	return s;
}

int bh_ep_parse_addr(const char *s, union bh_addr *addr, char *text,
		     size_t textlen)
{
	struct in_addr v4;

	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		addr->h[5] = 0xffff;
		addr->w[3] = v4.s_addr;
		inet_ntop(AF_INET, &v4, text, (socklen_t)textlen);
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr->b) == 1) {
		inet_ntop(AF_INET6, addr->b, text, (socklen_t)textlen);
		return 0;
	}
	return -EINVAL;
}

struct bh_endpoint *bh_ep_find(struct bh_ep_registry *r,
			       const union bh_addr *addr)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!memcmp(&r->v[i].addr, addr, sizeof(*addr)))
			return &r->v[i];
	return NULL;
}

struct bh_endpoint *bh_ep_find_name(struct bh_ep_registry *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

static void ep_release(struct bh_endpoint *e)
{
	free(e->addr_str);
	free(e->name);
	free(e->labels_str);
	bh_ep_labels_free(e->labels, e->n_labels);
	memset(e, 0, sizeof(*e));
}

int bh_ep_add(struct bh_ep_registry *r, const char *addr, const char *name,
	      const char *labels, char *why, size_t whylen)
{
	char text[INET6_ADDRSTRLEN];
	struct bh_endpoint e = {0};
	int err;

	if (bh_ep_parse_addr(addr, &e.addr, text, sizeof(text))) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address",
			 addr);
		return -EINVAL;
	}
	if (bh_ep_find(r, &e.addr)) {
		snprintf(why, whylen, "endpoint %s is registered already",
			 text);
		return -EEXIST;
	}
	if (!name)
		name = text;
	if (!bh_ep_valid_name(name)) {
		snprintf(why, whylen,
			 "name '%s' must have 1..%d letters, digits, . - _",
			 name, BH_EP_NAME_MAX);
		return -EINVAL;
	}
	if (bh_ep_find_name(r, name)) {
		snprintf(why, whylen, "an endpoint named '%s' exists already",
			 name);
		return -EEXIST;
	}
	err = bh_ep_parse_labels(labels, &e.labels, &e.n_labels, why, whylen);
	if (err)
		return err;
	e.addr_str = strdup(text);
	e.name = strdup(name);
	e.labels_str = labels_canon(e.labels, e.n_labels);
	if (!e.addr_str || !e.name || !e.labels_str)
		goto oom;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct bh_endpoint *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = e;
	return 0;
oom:
	ep_release(&e);
	snprintf(why, whylen, "out of memory");
	return -ENOMEM;
}

int bh_ep_del(struct bh_ep_registry *r, const union bh_addr *addr)
{
	struct bh_endpoint *e = bh_ep_find(r, addr);

	if (!e)
		return -ENOENT;
	ep_release(e);
	/* keep registration order: list output and the state file read as
	 * the endpoints came */
	memmove(e, e + 1, (size_t)(&r->v[r->n] - (e + 1)) * sizeof(*e));
	r->n--;
	return 0;
}

void bh_ep_registry_release(struct bh_ep_registry *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		ep_release(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int bh_ep_save(const struct bh_ep_registry *r, const char *path)
{
	struct bh_atomic_file a;
	size_t i;
	int err;

	err = bh_atomic_open(&a, path);
	if (err)
		return err;
	fprintf(a.f, "# bulkhead runtime endpoints: ADDRESS NAME LABELS\n");
	for (i = 0; i < r->n; i++)
		fprintf(a.f, "%s %s %s\n", r->v[i].addr_str, r->v[i].name,
			r->v[i].n_labels ? r->v[i].labels_str : "-");
	return bh_atomic_close(&a, 0);
}

int bh_ep_load(struct bh_ep_registry *r, const char *path)
{
	char line[1024];
	int lineno = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *addr, *name, *labels, *save = NULL, why[160];
		int err;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		addr = strtok_r(line, " ", &save);
		name = strtok_r(NULL, " ", &save);
		labels = strtok_r(NULL, " ", &save);
		if (!addr || !name || !labels || strtok_r(NULL, " ", &save)) {
			pr_warn("%s:%d: not 'ADDRESS NAME LABELS': skipped\n",
				path, lineno);
			continue;
		}
		err =
		    bh_ep_add(r, addr, name, strcmp(labels, "-") ? labels : "",
			      why, sizeof(why));
		if (err == -ENOMEM) {
			fclose(f);
			return err;
		}
		if (err)
			pr_warn("%s:%d: %s: skipped\n", path, lineno, why);
	}
	fclose(f);
	return 0;
}
