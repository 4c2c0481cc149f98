// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy file -> struct bh_policy (docs/policy-language.md).
 *
 * libyaml's document loader gives a node tree in which every node keeps its
 * start mark, so every error names the exact line and column. The walk
 * never stops at the first error: each part is checked on its own and all
 * problems are reported, as a compiler would.
 */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <yaml.h>

#include "arena.h"
#include "hmap.h"
#include "log.h"
#include "syntax.h"

/* A policy for 10,000 workloads is about 2 MiB; this bounds what a typo'd
 * path (a disk image, /dev/zero) can make us read. */
#define BH_POLICY_MAX_BYTES (64u << 20)

/* Aliases let a small file name one subtree many times; nested, that
 * grows exponentially ("billion laughs"). The walk counts nodes and gives
 * up past this many visits per node of the document. */
#define BH_POLICY_VISITS_PER_NODE 16
#define BH_POLICY_VISITS_MIN	  100000

struct bh_loader {
	yaml_document_t doc;
	struct bh_policy *p;
	struct bh_policy_arena *a;
	struct bh_diag *d;
	size_t visits, max_visits;
	bool over_budget;
	int oom; /* -ENOMEM once an allocation failed */
};

/* ------------------------------------------------------------------------ */
/* Nodes, positions, messages.                                              */

static struct bh_policy_pos ld_pos(const yaml_node_t *n)
{
	struct bh_policy_pos pos = {
	    .line = (int)n->start_mark.line + 1,
	    .col = (int)n->start_mark.column + 1,
	};

	return pos;
}

static void ld_msg(struct bh_loader *ld, enum bh_diag_level level,
		   const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ld_msg(struct bh_loader *ld, enum bh_diag_level level,
		   const yaml_node_t *n, const char *fmt, ...)
{
	struct bh_policy_pos pos = ld_pos(n);
	va_list ap;

	va_start(ap, fmt);
	bh_diag_vadd(ld->d, level, pos.line, pos.col, fmt, ap);
	va_end(ap);
}

#define ld_err(ld, n, ...)  ld_msg(ld, BH_DIAG_ERROR, n, __VA_ARGS__)
#define ld_warn(ld, n, ...) ld_msg(ld, BH_DIAG_WARNING, n, __VA_ARGS__)

static yaml_node_t *ld_node(struct bh_loader *ld, int idx)
{
	return yaml_document_get_node(&ld->doc, idx);
}

/* Count a node visit; false once the alias budget is spent. */
static bool ld_visit(struct bh_loader *ld, const yaml_node_t *n)
{
	if (ld->over_budget)
		return false;
	if (++ld->visits <= ld->max_visits)
		return true;
	ld->over_budget = true;
	ld_err(ld, n,
	       "the document expands to more than %zu nodes through aliases; "
	       "refusing to walk it",
	       ld->max_visits);
	return false;
}

static void *ld_calloc(struct bh_loader *ld, size_t n, size_t size)
{
	void *m = bh_policy_arena_calloc(ld->a, n, size);

	if (!m)
		ld->oom = -ENOMEM;
	return m;
}

static const char *ld_node_type(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static bool ld_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* The text of a scalar, copied into the arena; NULL with an error when n
 * is not a non-null scalar without NUL bytes. */
static const char *ld_str(struct bh_loader *ld, const yaml_node_t *n,
			  const char *what)
{
	const char *v = (const char *)n->data.scalar.value;
	const char *s;

	if (n->type != YAML_SCALAR_NODE || ld_is_null(n)) {
		ld_err(ld, n, "%s must be a string, not %s", what,
		       ld_is_null(n) ? "empty" : ld_node_type(n));
		return NULL;
	}
	if (strlen(v) != n->data.scalar.length) {
		ld_err(ld, n, "%s contains a NUL byte", what);
		return NULL;
	}
	s = bh_policy_arena_strndup(ld->a, v, n->data.scalar.length);
	if (!s)
		ld->oom = -ENOMEM;
	return s;
}

static bool ld_seq(struct bh_loader *ld, const yaml_node_t *n, const char *what,
		   size_t *count)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_err(ld, n, "%s must be a list, not %s", what,
		       ld_node_type(n));
		return false;
	}
	*count =
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

static yaml_node_t *ld_item(struct bh_loader *ld, const yaml_node_t *seq,
			    size_t i)
{
	return ld_node(ld, seq->data.sequence.items.start[i]);
}

/* A mapping's fields: keys[] lists the keys this mapping may hold; vals[i]
 * gets the value node of keys[i] or NULL. Unknown and duplicate keys are
 * errors. False (with an error) when n is not a mapping. */
static bool ld_fields(struct bh_loader *ld, const yaml_node_t *n,
		      const char *what, const char *const *keys, size_t n_keys,
		      yaml_node_t **vals)
{
	yaml_node_pair_t *pair;
	yaml_node_t *keyn[8] = {0};
	size_t i;

	memset(vals, 0, n_keys * sizeof(*vals));
	if (n->type != YAML_MAPPING_NODE) {
		ld_err(ld, n, "%s must be a mapping, not %s", what,
		       ld_node_type(n));
		return false;
	}
	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ld_node(ld, pair->key);
		const char *ks;
		char expected[160];
		size_t off = 0;

		if (k->type != YAML_SCALAR_NODE) {
			ld_err(ld, k, "keys of %s must be strings, not %s",
			       what, ld_node_type(k));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		for (i = 0; i < n_keys; i++)
			if (!strcmp(ks, keys[i]))
				break;
		if (i < n_keys && keyn[i]) {
			ld_err(ld, k,
			       "duplicate key '%s' in %s (first at line %d)",
			       ks, what, ld_pos(keyn[i]).line);
			continue;
		}
		if (i < n_keys) {
			keyn[i] = k;
			vals[i] = ld_node(ld, pair->value);
			continue;
		}
		for (i = 0; i < n_keys && off < sizeof(expected); i++)
			off += (size_t)snprintf(expected + off,
						sizeof(expected) - off, "%s%s",
						i ? ", " : "", keys[i]);
		ld_err(ld, k, "unknown key '%.64s' in %s (expected %s)", ks,
		       what, expected);
	}
	return true;
}

#define LD_NKEYS(k) (sizeof(k) / sizeof((k)[0]))

/* ------------------------------------------------------------------------ */
/* Scalars.                                                                 */

static int ld_bool(struct bh_loader *ld, const yaml_node_t *n, const char *what)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (!strcmp(v, "true") || !strcmp(v, "True") ||
		    !strcmp(v, "TRUE"))
			return 1;
		if (!strcmp(v, "false") || !strcmp(v, "False") ||
		    !strcmp(v, "FALSE"))
			return 0;
	}
	ld_err(ld, n, "%s must be true or false", what);
	return -1;
}

/* One of choices[] (NULL-terminated), returned as its index, or -1. */
static int ld_choice(struct bh_loader *ld, const yaml_node_t *n,
		     const char *what, const char *const *choices)
{
	const char *v;
	char expected[128];
	size_t off = 0;
	int i;

	v = ld_str(ld, n, what);
	if (!v)
		return -1;
	for (i = 0; choices[i]; i++)
		if (!strcmp(v, choices[i]))
			return i;
	for (i = 0; choices[i] && off < sizeof(expected); i++)
		off += (size_t)snprintf(expected + off, sizeof(expected) - off,
					"%s%s",
					!i		 ? ""
					: choices[i + 1] ? ", "
							 : " or ",
					choices[i]);
	ld_err(ld, n, "unknown %s '%.64s' (expected %s)", what, v, expected);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Labels, addresses.                                                       */

static int ld_label_cmp(const void *a, const void *b)
{
	const struct bh_policy_label *x = a, *y = b;

	return strcmp(x->key, y->key);
}

size_t bh_policy_labels_str(const struct bh_policy_label *labels, size_t n,
			    char *buf, size_t size)
{
	size_t i, off = 0;
	int w;

	if (size)
		buf[0] = 0;
	for (i = 0; i < n; i++) {
		w = snprintf(off < size ? buf + off : NULL,
			     off < size ? size - off : 0, "%s%s=%s",
			     i ? "," : "", labels[i].key, labels[i].value);
		if (w > 0)
			off += (size_t)w;
	}
	return off;
}

/* One `key: value` label pair (labels, matchLabels): both strings, in
 * Kubernetes syntax. */
static bool ld_label_pair(struct bh_loader *ld, const yaml_node_t *k,
			  const yaml_node_t *v, const char **ks,
			  const char **vs)
{
	const char *why;

	*ks = ld_str(ld, k, "a label key");
	if (!*ks)
		return false;
	if ((why = bh_syntax_label_key(*ks))) {
		ld_err(ld, k, "bad label key '%.64s': %s", *ks, why);
		return false;
	}
	if (ld_is_null(v)) {
		ld_err(
		    ld, v,
		    "label '%s' has no value (write %s: \"\" for an empty one)",
		    *ks, *ks);
		return false;
	}
	*vs = ld_str(ld, v, "a label value");
	if (!*vs)
		return false;
	if ((why = bh_syntax_label_value(*vs))) {
		ld_err(ld, v, "bad value '%.64s' of label '%s': %s", *vs, *ks,
		       why);
		return false;
	}
	return true;
}

static void ld_labels(struct bh_loader *ld, const yaml_node_t *n,
		      struct bh_policy_workload *w)
{
	yaml_node_pair_t *pair;
	size_t i = 0, j, len;
	char *canon;

	w->canon = "";
	if (!ld_visit(ld, n))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		ld_err(ld, n,
		       "'labels' must be a mapping of key: value, not %s",
		       ld_node_type(n));
		return;
	}
	len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	w->labels = ld_calloc(ld, len, sizeof(*w->labels));
	if (!w->labels)
		return;
	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ld_node(ld, pair->key);
		yaml_node_t *v = ld_node(ld, pair->value);
		const char *ks, *vs;

		if (!ld_label_pair(ld, k, v, &ks, &vs))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(w->labels[j].key, ks))
				break;
		if (j < i) {
			ld_err(ld, k, "duplicate label key '%s'", ks);
			continue;
		}
		w->labels[i].key = ks;
		w->labels[i].value = vs;
		i++;
	}
	w->n_labels = i;
	qsort(w->labels, i, sizeof(*w->labels), ld_label_cmp);
	len = bh_policy_labels_str(w->labels, i, NULL, 0);
	canon = ld_calloc(ld, len + 1, 1);
	if (!canon)
		return;
	bh_policy_labels_str(w->labels, i, canon, len + 1);
	w->canon = canon;
}

/* Append the entries of a list of addresses/CIDRs to *v (arena array of
 * *n, reallocated by copying: lists are short). */
static void ld_prefixes(struct bh_loader *ld, const yaml_node_t *n,
			const char *what, enum bh_syntax_prefix_kind kind,
			struct bh_policy_prefix **v, size_t *nv)
{
	struct bh_policy_prefix *out;
	size_t count, i;

	if (!ld_visit(ld, n) || !ld_seq(ld, n, what, &count))
		return;
	out = ld_calloc(ld, *nv + count, sizeof(*out));
	if (!out)
		return;
	if (*nv)
		memcpy(out, *v, *nv * sizeof(*out));
	for (i = 0; i < count; i++) {
		yaml_node_t *it = ld_item(ld, n, i);
		char err[BH_SYNTAX_ERRLEN];
		struct bh_policy_prefix *pf = &out[*nv];
		const char *s, *why;

		if (!ld_visit(ld, it))
			break;
		s = ld_str(ld, it,
			   kind == BH_PREFIX_CIDR ? "a CIDR" : "an address");
		if (!s)
			continue;
		why = bh_syntax_prefix(s, kind, &pf->addr, &pf->prefixlen, err,
				       sizeof(err));
		if (why) {
			ld_err(ld, it, "%s", why);
			continue;
		}
		pf->pos = ld_pos(it);
		(*nv)++;
	}
	*v = out;
}

/* ------------------------------------------------------------------------ */
/* Selectors and peers.                                                     */

struct ld_peers {
	struct bh_policy_peer *v;
	size_t n, cap;
};

static struct bh_policy_peer *ld_peer_add(struct bh_loader *ld,
					  struct ld_peers *pv)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 4;
		struct bh_policy_peer *v = realloc(pv->v, cap * sizeof(*v));

		if (!v) {
			ld->oom = -ENOMEM;
			return NULL;
		}
		pv->v = v;
		pv->cap = cap;
	}
	memset(&pv->v[pv->n], 0, sizeof(pv->v[0]));
	return &pv->v[pv->n++];
}

static const char *const ld_ops[] = {"In", "NotIn", "Exists", "DoesNotExist",
				     NULL};

static bool ld_sel_expr(struct bh_loader *ld, const yaml_node_t *n,
			struct bh_policy_sel_expr *e)
{
	static const char *const keys[] = {"key", "operator", "values"};
	yaml_node_t *f[LD_NKEYS(keys)];
	bool ok = true;
	size_t count, i;
	int op;

	if (!ld_visit(ld, n) ||
	    !ld_fields(ld, n, "a match expression", keys, LD_NKEYS(keys), f))
		return false;
	e->pos = ld_pos(n);
	if (!f[0] || !f[1]) {
		ld_err(ld, n, "a match expression needs '%s'",
		       !f[0] ? "key" : "operator");
		return false;
	}
	e->key = ld_str(ld, f[0], "'key'");
	if (e->key && bh_syntax_label_key(e->key)) {
		ld_err(ld, f[0], "bad label key '%.64s': %s", e->key,
		       bh_syntax_label_key(e->key));
		ok = false;
	}
	op = ld_choice(ld, f[1], "selector operator", ld_ops);
	if (!e->key || op < 0)
		return false;
	e->op = (enum bh_policy_sel_op)op;
	if (e->op == BH_SEL_EXISTS || e->op == BH_SEL_DOES_NOT_EXIST) {
		if (f[2] && !(f[2]->type == YAML_SEQUENCE_NODE &&
			      f[2]->data.sequence.items.top ==
				  f[2]->data.sequence.items.start)) {
			ld_err(ld, f[2], "operator %s takes no 'values'",
			       ld_ops[op]);
			return false;
		}
		return ok;
	}
	if (!f[2]) {
		ld_err(ld, n, "operator %s needs a non-empty 'values' list",
		       ld_ops[op]);
		return false;
	}
	if (!ld_visit(ld, f[2]) || !ld_seq(ld, f[2], "'values'", &count))
		return false;
	if (!count) {
		ld_err(ld, f[2], "operator %s needs a non-empty 'values' list",
		       ld_ops[op]);
		return false;
	}
	e->values = ld_calloc(ld, count, sizeof(*e->values));
	if (!e->values)
		return false;
	for (i = 0; i < count; i++) {
		yaml_node_t *it = ld_item(ld, f[2], i);
		const char *v;

		if (!ld_visit(ld, it))
			return false;
		v = ld_str(ld, it, "a value");
		if (!v) {
			ok = false;
			continue;
		}
		if (bh_syntax_label_value(v)) {
			ld_err(ld, it, "bad label value '%.64s': %s", v,
			       bh_syntax_label_value(v));
			ok = false;
			continue;
		}
		e->values[e->n_values++] = v;
	}
	return ok;
}

static void ld_selector(struct bh_loader *ld, const yaml_node_t *n,
			yaml_node_t *ml, yaml_node_t *me, struct ld_peers *pv)
{
	struct bh_policy_peer *peer;
	struct bh_policy_sel_expr *ex;
	size_t n_ml = 0, n_me = 0, i;
	yaml_node_pair_t *pair;
	bool ok = true;

	if (ml) {
		if (!ld_visit(ld, ml))
			return;
		if (ml->type != YAML_MAPPING_NODE) {
			ld_err(ld, ml,
			       "'matchLabels' must be a mapping, not %s",
			       ld_node_type(ml));
			ok = false;
		} else {
			n_ml = (size_t)(ml->data.mapping.pairs.top -
					ml->data.mapping.pairs.start);
		}
	}
	if (me) {
		if (!ld_visit(ld, me))
			return;
		if (!ld_seq(ld, me, "'matchExpressions'", &n_me))
			ok = false;
	}
	ex = ld_calloc(ld, n_ml + n_me, sizeof(*ex));
	if (!ex)
		return;
	i = 0;
	if (ml && ml->type == YAML_MAPPING_NODE) {
		for (pair = ml->data.mapping.pairs.start;
		     pair < ml->data.mapping.pairs.top; pair++) {
			yaml_node_t *k = ld_node(ld, pair->key);
			yaml_node_t *v = ld_node(ld, pair->value);
			const char *ks, *vs;
			size_t j;

			if (!ld_visit(ld, v))
				return;
			if (!ld_label_pair(ld, k, v, &ks, &vs)) {
				ok = false;
				continue;
			}
			for (j = 0; j < i; j++)
				if (!strcmp(ex[j].key, ks))
					break;
			if (j < i) {
				ld_err(ld, k,
				       "duplicate key '%s' in 'matchLabels'",
				       ks);
				ok = false;
				continue;
			}
			ex[i].key = ks;
			ex[i].op = BH_SEL_IN;
			ex[i].values = ld_calloc(ld, 1, sizeof(char *));
			if (!ex[i].values)
				return;
			ex[i].values[0] = vs;
			ex[i].n_values = 1;
			ex[i].pos = ld_pos(k);
			i++;
		}
	}
	if (me && me->type == YAML_SEQUENCE_NODE) {
		size_t j;

		for (j = 0; j < n_me; j++) {
			if (ld_sel_expr(ld, ld_item(ld, me, j), &ex[i]))
				i++;
			else
				ok = false;
			if (ld->over_budget)
				return;
		}
	}
	/* A selector with a broken part is dropped: keeping the rest would
	 * select more than the author wrote. The error is reported. */
	if (!ok)
		return;
	peer = ld_peer_add(ld, pv);
	if (!peer)
		return;
	peer->kind = BH_PEER_SELECTOR;
	peer->exprs = ex;
	peer->n_exprs = i;
	peer->pos = ld_pos(n);
}

static bool ld_external_ref(struct bh_loader *ld, const yaml_node_t *n,
			    const struct bh_hmap *ext_names,
			    struct ld_peers *pv)
{
	struct bh_policy_peer *peer;
	const char *name;
	size_t idx;

	if (!ld_visit(ld, n))
		return false;
	name = ld_str(ld, n, "an external group name");
	if (!name)
		return false;
	if (!bh_hmap_get(ext_names, name, strlen(name), &idx)) {
		ld_err(ld, n, "unknown external group '%.64s'", name);
		return false;
	}
	peer = ld_peer_add(ld, pv);
	if (!peer)
		return false;
	peer->kind = BH_PEER_EXTERNAL;
	peer->external = idx;
	peer->pos = ld_pos(n);
	return true;
}

/* One peer (not a list). */
static void ld_peer_one(struct bh_loader *ld, const yaml_node_t *n,
			const char *what, const struct bh_hmap *ext_names,
			struct ld_peers *pv)
{
	static const char *const keys[] = {"matchLabels", "matchExpressions",
					   "external"};
	yaml_node_t *f[LD_NKEYS(keys)];
	struct bh_policy_peer *peer;

	if (!ld_visit(ld, n))
		return;
	if (n->type == YAML_SCALAR_NODE) {
		const char *v = (const char *)n->data.scalar.value;

		if (!strcmp(v, "world") || !strcmp(v, "host")) {
			peer = ld_peer_add(ld, pv);
			if (!peer)
				return;
			peer->kind =
			    !strcmp(v, "world") ? BH_PEER_WORLD : BH_PEER_HOST;
			peer->pos = ld_pos(n);
			return;
		}
		ld_err(ld, n,
		       "unknown peer '%.64s' in %s (expected world, host, a "
		       "selector such as {matchLabels: {app: web}}, {external: "
		       "NAME}, or a list of those)",
		       v, what);
		return;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		ld_err(ld, n, "lists of peers cannot nest (in %s)", what);
		return;
	}
	if (!ld_fields(ld, n, "a peer", keys, LD_NKEYS(keys), f))
		return;
	if (f[2] && (f[0] || f[1])) {
		ld_err(ld, n,
		       "a peer is either a selector or {external: ...}, not "
		       "both: write a list of two peers");
		return;
	}
	if (f[2]) {
		size_t count, i;

		if (f[2]->type != YAML_SEQUENCE_NODE) {
			ld_external_ref(ld, f[2], ext_names, pv);
			return;
		}
		if (!ld_visit(ld, f[2]) ||
		    !ld_seq(ld, f[2], "'external'", &count))
			return;
		if (!count)
			ld_err(ld, f[2], "'external' is an empty list");
		for (i = 0; i < count && !ld->over_budget; i++)
			ld_external_ref(ld, ld_item(ld, f[2], i), ext_names,
					pv);
		return;
	}
	ld_selector(ld, n, f[0], f[1], pv);
}

static void ld_peers(struct bh_loader *ld, const yaml_node_t *n,
		     const char *what, const struct bh_hmap *ext_names,
		     struct bh_policy_peers *out)
{
	struct ld_peers pv = {0};
	size_t count, i;

	out->pos = ld_pos(n);
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_peer_one(ld, n, what, ext_names, &pv);
	} else {
		if (!ld_visit(ld, n) || !ld_seq(ld, n, what, &count))
			return;
		if (!count)
			ld_err(ld, n,
			       "%s is an empty list: it would select nothing",
			       what);
		for (i = 0; i < count && !ld->over_budget; i++)
			ld_peer_one(ld, ld_item(ld, n, i), what, ext_names,
				    &pv);
	}
	if (pv.n) {
		out->v = ld_calloc(ld, pv.n, sizeof(*out->v));
		if (out->v) {
			memcpy(out->v, pv.v, pv.n * sizeof(*out->v));
			out->n = pv.n;
		}
	}
	free(pv.v);
}

/* ------------------------------------------------------------------------ */
/* Sections.                                                                */

static void ld_ports(struct bh_loader *ld, const yaml_node_t *n,
		     struct bh_policy_rule *r)
{
	size_t count, i;

	if (!n) {
		r->ports = ld_calloc(ld, 1, sizeof(*r->ports));
		if (!r->ports)
			return;
		r->ports[0].proto = BH_PROTO_ANY;
		r->ports[0].hi = 65535;
		r->ports[0].pos = r->pos;
		r->n_ports = 1;
		return;
	}
	if (!ld_visit(ld, n) || !ld_seq(ld, n, "'ports'", &count))
		return;
	if (!count) {
		ld_err(ld, n,
		       "'ports' is an empty list: omit it or write [any] for "
		       "every protocol and port");
		return;
	}
	r->ports = ld_calloc(ld, count, sizeof(*r->ports));
	if (!r->ports)
		return;
	for (i = 0; i < count; i++) {
		yaml_node_t *it = ld_item(ld, n, i);
		struct bh_policy_port *pt = &r->ports[r->n_ports];
		char err[BH_SYNTAX_ERRLEN];
		const char *s, *why;

		if (!ld_visit(ld, it))
			return;
		s = ld_str(ld, it, "a port entry");
		if (!s)
			continue;
		why = bh_syntax_port(s, &pt->proto, &pt->lo, &pt->hi, err,
				     sizeof(err));
		if (why) {
			ld_err(ld, it, "%s", why);
			continue;
		}
		pt->pos = ld_pos(it);
		r->n_ports++;
	}
}

static const char *const ld_actions[] = {"deny", "allow", NULL};
static const char *const ld_modes[] = {"enforce", "audit", NULL};

static void ld_rule(struct bh_loader *ld, const yaml_node_t *n,
		    const struct bh_hmap *ext_names, struct bh_policy_rule *r)
{
	static const char *const keys[] = {"name",  "description", "from", "to",
					   "ports", "action",	   "log"};
	yaml_node_t *f[LD_NKEYS(keys)];
	int v;

	r->pos = ld_pos(n);
	r->action = BH_ACTION_ALLOW;
	if (!ld_visit(ld, n) ||
	    !ld_fields(ld, n, "a rule", keys, LD_NKEYS(keys), f))
		return;
	if (!f[0])
		ld_err(ld, n, "rule is missing 'name'");
	else if ((r->name = ld_str(ld, f[0], "'name'")) &&
		 bh_syntax_name(r->name))
		ld_err(ld, f[0], "bad rule name '%.64s': %s", r->name,
		       bh_syntax_name(r->name));
	if (f[1])
		r->description = ld_str(ld, f[1], "'description'");
	if (!f[2])
		ld_err(ld, n, "rule is missing 'from'");
	else
		ld_peers(ld, f[2], "'from'", ext_names, &r->from);
	if (!f[3])
		ld_err(ld, n, "rule is missing 'to'");
	else
		ld_peers(ld, f[3], "'to'", ext_names, &r->to);
	ld_ports(ld, f[4], r);
	if (f[5] && (v = ld_choice(ld, f[5], "action", ld_actions)) >= 0)
		r->action = (__u8)v;
	if (f[6] && (v = ld_bool(ld, f[6], "'log'")) >= 0)
		r->log = v;
}

static void ld_named(struct bh_loader *ld, const yaml_node_t *n,
		     const char *what, struct bh_policy_workload *w,
		     bool external)
{
	static const char *const wkeys[] = {"name", "labels", "addresses",
					    "cidrs"};
	static const char *const ekeys[] = {"name", "labels", "cidrs"};
	yaml_node_t *f[LD_NKEYS(wkeys)], *cidrs;

	w->pos = ld_pos(n);
	w->canon = "";
	if (!ld_visit(ld, n))
		return;
	if (external) {
		if (!ld_fields(ld, n, what, ekeys, LD_NKEYS(ekeys), f))
			return;
		cidrs = f[2];
		f[2] = NULL;
	} else {
		if (!ld_fields(ld, n, what, wkeys, LD_NKEYS(wkeys), f))
			return;
		cidrs = f[3];
	}
	if (!f[0])
		ld_err(ld, n, "%s is missing 'name'", what);
	else if ((w->name = ld_str(ld, f[0], "'name'")) &&
		 bh_syntax_name(w->name))
		ld_err(ld, f[0], "bad %s name '%.64s': %s", what, w->name,
		       bh_syntax_name(w->name));
	if (f[1])
		ld_labels(ld, f[1], w);
	if (f[2])
		ld_prefixes(ld, f[2], "'addresses'", BH_PREFIX_ADDR,
			    &w->prefixes, &w->n_prefixes);
	if (cidrs)
		ld_prefixes(ld, cidrs, "'cidrs'", BH_PREFIX_CIDR, &w->prefixes,
			    &w->n_prefixes);
	if (external && !cidrs)
		ld_err(ld, n, "external group is missing 'cidrs'");
	else if (!external && !f[2] && !cidrs && w->name)
		ld_warn(ld, n,
			"workload '%s' has no addresses: no traffic can be "
			"attributed to it",
			w->name);
}

/* Load a list section into an arena array; each element by fn. */
static void *ld_section(struct bh_loader *ld, const yaml_node_t *n,
			const char *what, size_t elem, size_t *count)
{
	void *v;

	*count = 0;
	if (!ld_visit(ld, n) || !ld_seq(ld, n, what, count))
		return NULL;
	v = ld_calloc(ld, *count, elem);
	if (!v)
		*count = 0;
	return v;
}

static void ld_overrides(struct bh_loader *ld, const yaml_node_t *n,
			 const struct bh_hmap *ext_names)
{
	static const char *const keys[] = {"selector", "mode"};
	struct bh_policy *p = ld->p;
	size_t count, i;

	p->overrides =
	    ld_section(ld, n, "'overrides'", sizeof(*p->overrides), &count);
	for (i = 0; i < count && !ld->over_budget; i++) {
		struct bh_policy_override *o = &p->overrides[p->n_overrides];
		yaml_node_t *it = ld_item(ld, n, i), *f[LD_NKEYS(keys)];
		int v = -1;

		o->pos = ld_pos(it);
		if (!ld_visit(ld, it) ||
		    !ld_fields(ld, it, "an override", keys, LD_NKEYS(keys), f))
			continue;
		if (!f[0] || !f[1]) {
			ld_err(ld, it, "override is missing '%s'",
			       !f[0] ? "selector" : "mode");
			continue;
		}
		ld_peers(ld, f[0], "'selector'", ext_names, &o->selector);
		v = ld_choice(ld, f[1], "mode", ld_modes);
		if (v < 0 || !o->selector.n)
			continue;
		o->mode = (__u8)v;
		p->n_overrides++;
	}
}

static void ld_defaults(struct bh_loader *ld, const yaml_node_t *n,
			const struct bh_hmap *ext_names)
{
	static const char *const keys[] = {"mode", "action", "conntrack",
					   "overrides", "host_addresses"};
	static const char *const ct[] = {"strict", "loose", NULL};
	yaml_node_t *f[LD_NKEYS(keys)];
	struct bh_policy *p = ld->p;
	int v;

	if (!ld_visit(ld, n) ||
	    !ld_fields(ld, n, "'defaults'", keys, LD_NKEYS(keys), f))
		return;
	if (f[0] && (v = ld_choice(ld, f[0], "mode", ld_modes)) >= 0)
		p->mode = (__u8)v;
	if (f[1] && (v = ld_choice(ld, f[1], "action", ld_actions)) >= 0)
		p->default_action = (__u8)v;
	if (f[2] && (v = ld_choice(ld, f[2], "conntrack mode", ct)) >= 0)
		p->ct_loose = v == 1;
	if (f[3])
		ld_overrides(ld, f[3], ext_names);
	if (f[4])
		ld_prefixes(ld, f[4], "'host_addresses'", BH_PREFIX_EITHER,
			    &p->host, &p->n_host);
}

static void ld_version(struct bh_loader *ld, const yaml_node_t *root,
		       const yaml_node_t *n)
{
	const char *v;

	if (!n) {
		ld_err(ld, root,
		       "missing 'version: 1' (the policy language version this "
		       "file is written in)");
		return;
	}
	v = (const char *)n->data.scalar.value;
	if (n->type == YAML_SCALAR_NODE && !strcmp(v, "1"))
		return;
	if (n->type == YAML_SCALAR_NODE && v[0] >= '0' && v[0] <= '9' &&
	    strspn(v, "0123456789") == strlen(v))
		ld_err(
		    ld, n,
		    "unsupported version %.16s (this bulkhead reads version 1)",
		    v);
	else
		ld_err(ld, n, "'version' must be 1");
}

/* ------------------------------------------------------------------------ */
/* Checks across sections.                                                  */

enum ld_owner_kind { LD_WORKLOAD, LD_EXTERNAL, LD_HOST };

static const char *const ld_owner_what[] = {"workload", "external group",
					    "host"};

struct ld_owned {
	const struct bh_policy_prefix *pf;
	enum ld_owner_kind kind;
	size_t idx;
};

static int ld_owned_cmp(const void *a, const void *b)
{
	const struct ld_owned *x = a, *y = b;
	int c = memcmp(x->pf->addr.b, y->pf->addr.b, 16);

	if (c)
		return c;
	if (x->pf->prefixlen != y->pf->prefixlen)
		return x->pf->prefixlen < y->pf->prefixlen ? -1 : 1;
	/* Same prefix: in file order, so the later one is reported. */
	if (x->pf->pos.line != y->pf->pos.line)
		return x->pf->pos.line < y->pf->pos.line ? -1 : 1;
	return x->pf->pos.col < y->pf->pos.col	 ? -1
	       : x->pf->pos.col > y->pf->pos.col ? 1
						 : 0;
}

static bool ld_contains(const struct bh_policy_prefix *outer,
			const struct bh_policy_prefix *inner)
{
	unsigned int bits = outer->prefixlen, full = bits / 8;

	if (inner->prefixlen < outer->prefixlen)
		return false;
	if (memcmp(outer->addr.b, inner->addr.b, full))
		return false;
	if (bits % 8) {
		__u8 mask = (__u8)(0xff << (8 - bits % 8));

		return (outer->addr.b[full] & mask) ==
		       (inner->addr.b[full] & mask);
	}
	return true;
}

/* "workload 'web'", "external group 'corp'", "the host". */
static const char *ld_owner(const struct bh_policy *p, const struct ld_owned *o,
			    char *buf, size_t size)
{
	const char *name = o->kind == LD_WORKLOAD   ? p->workloads[o->idx].name
			   : o->kind == LD_EXTERNAL ? p->externals[o->idx].name
						    : NULL;

	if (!name)
		return "the host";
	snprintf(buf, size, "%s '%s'", ld_owner_what[o->kind], name);
	return buf;
}

static void ld_diag_pf(struct bh_loader *ld, enum bh_diag_level level,
		       const struct bh_policy_prefix *pf, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ld_diag_pf(struct bh_loader *ld, enum bh_diag_level level,
		       const struct bh_policy_prefix *pf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_diag_vadd(ld->d, level, pf->pos.line, pf->pos.col, fmt, ap);
	va_end(ap);
}

/* One address or CIDR `cur` against one that contains it or equals it. */
static void ld_overlap(struct bh_loader *ld, const struct ld_owned *outer,
		       const struct ld_owned *cur)
{
	const struct bh_policy *p = ld->p;
	bool same_prefix = outer->pf->prefixlen == cur->pf->prefixlen;
	char a[64], b[64], onb[300], cnb[300];
	const char *on = ld_owner(p, outer, onb, sizeof(onb));
	const char *cn = ld_owner(p, cur, cnb, sizeof(cnb));

	bh_policy_addr_str(&cur->pf->addr, cur->pf->prefixlen, a, sizeof(a));
	bh_policy_addr_str(&outer->pf->addr, outer->pf->prefixlen, b,
			   sizeof(b));
	if (same_prefix && outer->kind == cur->kind && outer->idx == cur->idx) {
		ld_diag_pf(ld, BH_DIAG_WARNING, cur->pf,
			   "%s is listed twice by %s (first at line %d)", a, cn,
			   outer->pf->pos.line);
		return;
	}
	if (outer->kind == LD_WORKLOAD && cur->kind == LD_WORKLOAD) {
		bool same_labels = !strcmp(p->workloads[outer->idx].canon,
					   p->workloads[cur->idx].canon);

		if (same_labels && same_prefix)
			ld_diag_pf(
			    ld, BH_DIAG_WARNING, cur->pf,
			    "%s of %s is also listed by %s (line %d); they "
			    "have the same labels, so the same identity",
			    a, cn, on, outer->pf->pos.line);
		else if (!same_labels && same_prefix)
			ld_diag_pf(ld, BH_DIAG_ERROR, cur->pf,
				   "%s of %s is also claimed by %s (line %d), "
				   "which has different labels",
				   a, cn, on, outer->pf->pos.line);
		else if (!same_labels)
			ld_diag_pf(ld, BH_DIAG_ERROR, cur->pf,
				   "%s of %s lies inside %s of %s (line %d), "
				   "which has different labels",
				   a, cn, b, on, outer->pf->pos.line);
		return;
	}
	/* Nested prefixes of different kinds are fine: the most specific
	 * wins (a cluster subnet inside the corporate range). Equal ones
	 * would leave the identity to chance. */
	if (same_prefix)
		ld_diag_pf(ld, BH_DIAG_ERROR, cur->pf,
			   "%s of %s is also claimed by %s (line %d)", a, cn,
			   on, outer->pf->pos.line);
}

static void ld_check_overlaps(struct bh_loader *ld)
{
	const struct bh_policy *p = ld->p;
	struct ld_owned *v, *stack[129];
	size_t n = p->n_host, i, j, k, depth = 0;

	for (i = 0; i < p->n_workloads; i++)
		n += p->workloads[i].n_prefixes;
	for (i = 0; i < p->n_externals; i++)
		n += p->externals[i].n_prefixes;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		ld->oom = -ENOMEM;
		return;
	}
	k = 0;
	for (i = 0; i < p->n_workloads; i++)
		for (j = 0; j < p->workloads[i].n_prefixes; j++)
			v[k++] = (struct ld_owned){&p->workloads[i].prefixes[j],
						   LD_WORKLOAD, i};
	for (i = 0; i < p->n_externals; i++)
		for (j = 0; j < p->externals[i].n_prefixes; j++)
			v[k++] = (struct ld_owned){&p->externals[i].prefixes[j],
						   LD_EXTERNAL, i};
	for (i = 0; i < p->n_host; i++)
		v[k++] = (struct ld_owned){&p->host[i], LD_HOST, 0};
	qsort(v, n, sizeof(*v), ld_owned_cmp);

	/* Sorted by (address, prefix length), a prefix comes before every
	 * prefix it contains: a stack of the enclosing prefixes finds every
	 * containment in one pass. Equal prefixes keep only the first on the
	 * stack, so the stack holds at most 129 nested prefixes. */
	for (i = 0; i < n; i++) {
		while (depth && !ld_contains(stack[depth - 1]->pf, v[i].pf))
			depth--;
		for (j = depth; j-- > 0;)
			ld_overlap(ld, stack[j], &v[i]);
		if (!depth ||
		    stack[depth - 1]->pf->prefixlen != v[i].pf->prefixlen)
			stack[depth++] = &v[i];
	}
	free(v);
}

static void ld_check_names(struct bh_loader *ld)
{
	const struct bh_policy *p = ld->p;
	struct bh_hmap names;
	size_t i, first;

	bh_hmap_init(&names);
	for (i = 0; i < p->n_workloads + p->n_externals; i++) {
		const struct bh_policy_workload *w =
		    i < p->n_workloads ? &p->workloads[i]
				       : &p->externals[i - p->n_workloads];
		const struct bh_policy_workload *o;
		int r;

		if (!w->name)
			continue;
		if (!strcmp(w->name, "world") || !strcmp(w->name, "host")) {
			bh_diag_add(
			    ld->d, BH_DIAG_ERROR, w->pos.line, w->pos.col,
			    "name '%s' is reserved for the built-in identity",
			    w->name);
			continue;
		}
		r = bh_hmap_put(&names, w->name, strlen(w->name), i, &first);
		if (r < 0) {
			ld->oom = r;
			break;
		}
		if (r)
			continue;
		o = first < p->n_workloads
			? &p->workloads[first]
			: &p->externals[first - p->n_workloads];
		bh_diag_add(ld->d, BH_DIAG_ERROR, w->pos.line, w->pos.col,
			    "duplicate name '%s': %s at line %d has it already",
			    w->name,
			    first < p->n_workloads ? "workload"
						   : "external group",
			    o->pos.line);
	}
	bh_hmap_release(&names);

	bh_hmap_init(&names);
	for (i = 0; i < p->n_rules; i++) {
		const struct bh_policy_rule *r = &p->rules[i];
		int ret;

		if (!r->name)
			continue;
		ret = bh_hmap_put(&names, r->name, strlen(r->name), i, &first);
		if (ret < 0) {
			ld->oom = ret;
			break;
		}
		if (!ret)
			bh_diag_add(
			    ld->d, BH_DIAG_ERROR, r->pos.line, r->pos.col,
			    "duplicate rule name '%s' (first at line %d)",
			    r->name, p->rules[first].pos.line);
	}
	bh_hmap_release(&names);
}

/* ------------------------------------------------------------------------ */
/* The document.                                                            */

static void ld_root(struct bh_loader *ld, yaml_node_t *root)
{
	static const char *const keys[] = {"version", "defaults", "workloads",
					   "external", "rules"};
	yaml_node_t *f[LD_NKEYS(keys)];
	struct bh_policy *p = ld->p;
	struct bh_hmap ext_names;
	size_t count, i;

	if (!ld_fields(ld, root, "the policy (top level)", keys, LD_NKEYS(keys),
		       f))
		return;
	ld_version(ld, root, f[0]);
	bh_hmap_init(&ext_names);

	/* External groups first: peers anywhere in the file refer to them. */
	if (f[3]) {
		p->externals = ld_section(ld, f[3], "'external'",
					  sizeof(*p->externals), &count);
		for (i = 0; i < count && !ld->over_budget; i++) {
			struct bh_policy_workload *e = &p->externals[i];

			ld_named(ld, ld_item(ld, f[3], i), "external group", e,
				 true);
			/* Duplicates are reported by ld_check_names. */
			if (e->name &&
			    bh_hmap_put(&ext_names, e->name, strlen(e->name), i,
					NULL) < 0)
				ld->oom = -ENOMEM;
		}
		p->n_externals = count;
	}
	if (f[1])
		ld_defaults(ld, f[1], &ext_names);
	if (f[2]) {
		p->workloads = ld_section(ld, f[2], "'workloads'",
					  sizeof(*p->workloads), &count);
		for (i = 0; i < count && !ld->over_budget; i++)
			ld_named(ld, ld_item(ld, f[2], i), "workload",
				 &p->workloads[i], false);
		p->n_workloads = count;
	}
	if (f[4]) {
		p->rules =
		    ld_section(ld, f[4], "'rules'", sizeof(*p->rules), &count);
		for (i = 0; i < count && !ld->over_budget; i++)
			ld_rule(ld, ld_item(ld, f[4], i), &ext_names,
				&p->rules[i]);
		p->n_rules = count;
		if (count > BH_MAX_RULES)
			ld_err(ld, f[4],
			       "too many rules: %zu (the data plane holds at "
			       "most %d)",
			       count, BH_MAX_RULES);
	}
	bh_hmap_release(&ext_names);
	if (ld->over_budget)
		return;
	ld_check_names(ld);
	ld_check_overlaps(ld);
}

static void ld_yaml_error(struct bh_loader *ld, const yaml_parser_t *y)
{
	const char *what = y->error == YAML_READER_ERROR     ? "YAML reader"
			   : y->error == YAML_SCANNER_ERROR  ? "YAML syntax"
			   : y->error == YAML_PARSER_ERROR   ? "YAML syntax"
			   : y->error == YAML_COMPOSER_ERROR ? "YAML"
							     : "YAML";
	const char *problem = y->problem ? y->problem : "unknown error";

	if (y->error == YAML_MEMORY_ERROR) {
		ld->oom = -ENOMEM;
		return;
	}
	if (y->error == YAML_READER_ERROR) {
		/* Encoding errors have a byte offset, not a mark. */
		bh_diag_add(ld->d, BH_DIAG_ERROR, 0, 0,
			    "%s error: %s at byte %zu", what, problem,
			    y->problem_offset);
		return;
	}
	if (y->context)
		bh_diag_add(ld->d, BH_DIAG_ERROR, (int)y->problem_mark.line + 1,
			    (int)y->problem_mark.column + 1,
			    "%s error: %s %s (line %zu)", what, problem,
			    y->context, y->context_mark.line + 1);
	else
		bh_diag_add(ld->d, BH_DIAG_ERROR, (int)y->problem_mark.line + 1,
			    (int)y->problem_mark.column + 1, "%s error: %s",
			    what, problem);
}

static void ld_sha256(const void *buf, size_t len, char out[65])
{
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	unsigned int i;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_digest(&ctx, sizeof(md), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void bh_policy_free(struct bh_policy **p)
{
	struct bh_policy_arena *a;

	if (!p || !*p)
		return;
	a = (*p)->arena;
	/* The policy itself lives in its arena. */
	bh_policy_arena_free(&a);
	*p = NULL;
}

int bh_policy_load_buf(const char *name, const void *buf, size_t len,
		       struct bh_policy **out, struct bh_diag *diags)
{
	struct bh_loader ld = {.d = diags};
	size_t errors0 = diags->n_errors;
	yaml_parser_t parser;
	yaml_node_t *root;
	bool have_doc = false;
	int err = 0;

	*out = NULL;
	if (!diags->file && name) {
		diags->file = strdup(name);
		if (!diags->file)
			return -ENOMEM;
	}
	ld.a = bh_policy_arena_new();
	if (!ld.a)
		return -ENOMEM;
	ld.p = bh_policy_arena_calloc(ld.a, 1, sizeof(*ld.p));
	if (!ld.p) {
		err = -ENOMEM;
		goto out_arena;
	}
	ld.p->arena = ld.a;
	ld.p->default_action = BH_ACTION_DENY;
	ld.p->mode = BH_MODE_ENFORCE;
	ld.p->path = bh_policy_arena_strndup(ld.a, name ? name : "<policy>",
					     strlen(name ? name : "<policy>"));
	if (!ld.p->path) {
		err = -ENOMEM;
		goto out_arena;
	}
	ld_sha256(buf, len, ld.p->sha256);

	if (!yaml_parser_initialize(&parser)) {
		err = -ENOMEM;
		goto out_arena;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		ld_yaml_error(&ld, &parser);
		goto out_parser;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&ld.doc);
	if (!root) {
		bh_diag_add(diags, BH_DIAG_ERROR, 0, 0,
			    "the file holds no policy (empty document)");
		goto out_parser;
	}
	ld.max_visits = (size_t)(ld.doc.nodes.top - ld.doc.nodes.start) *
			    BH_POLICY_VISITS_PER_NODE +
			BH_POLICY_VISITS_MIN;
	ld_root(&ld, root);

	/* One policy per file: a second document is a mistake, not a
	 * second policy. */
	{
		yaml_document_t next;

		if (!yaml_parser_load(&parser, &next)) {
			ld_yaml_error(&ld, &parser);
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&next);

			if (r2)
				ld_err(&ld, r2,
				       "a second YAML document: a policy file "
				       "holds one document");
			yaml_document_delete(&next);
		}
	}

out_parser:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
	if (!err && ld.oom)
		err = ld.oom;
	if (!err && diags->n_errors > errors0)
		err = -EINVAL;
	if (!err) {
		*out = ld.p;
		return 0;
	}
out_arena:
	bh_policy_arena_free(&ld.a);
	return err;
}

int bh_policy_load(const char *path, struct bh_policy **out,
		   struct bh_diag *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, err;

	*out = NULL;
	if (!diags->file) {
		diags->file = strdup(path);
		if (!diags->file)
			return -ENOMEM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		bh_diag_add(diags, BH_DIAG_ERROR, 0, 0, "cannot open: %s",
			    strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		bh_diag_add(diags, BH_DIAG_ERROR, 0, 0, "cannot stat: %s",
			    strerror(-err));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		bh_diag_add(diags, BH_DIAG_ERROR, 0, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > BH_POLICY_MAX_BYTES) {
		err = -EFBIG;
		bh_diag_add(diags, BH_DIAG_ERROR, 0, 0,
			    "the file is larger than %u MiB: not a policy",
			    BH_POLICY_MAX_BYTES >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			bh_diag_add(diags, BH_DIAG_ERROR, 0, 0,
				    "cannot read: %s", strerror(-err));
			goto out;
		}
		if (!r)
			break; /* shrank while reading: take what is there */
		len += (size_t)r;
	}
	err = bh_policy_load_buf(path, buf, len, out, diags);
out:
	free(buf);
	close(fd);
	return err;
}
