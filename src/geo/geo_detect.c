// SPDX-License-Identifier: GPL-2.0-only
/* The geo novelty detector plugged into the detection engine. See
 * geo_detect.h. */
#include "geo_detect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bh_geo_detector {
	struct bh_detector det; /* the engine keeps a pointer to it */
	struct bh_geo *geo;
	struct bh_geo_novelty *nov;
	unsigned int id;
};

static bool gd_is_workload(const struct bh_detect_peer *p)
{
	return p->identity >= BH_ID_FIRST_USER && !p->external;
}

static __u32 gd_wkey(const struct bh_detect_peer *p)
{
	return p->workload ? p->workload : p->identity;
}

/* "1.2 MiB", "17.2 KiB", "512 B" */
static void gd_fmt_size(char *buf, size_t len, __u64 b)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

/* "SC (Seychelles), AS64511 Example Offshore Hosting" */
static void gd_fmt_where(char *buf, size_t len, const struct bh_geo_info *g)
{
	int n = 0;

	buf[0] = '\0';
	if (g->flags & BH_GEO_F_COUNTRY)
		n = snprintf(buf, len, "%s", g->country);
	if (n >= 0 && (size_t)n < len && (g->flags & BH_GEO_F_COUNTRY_NAME))
		n += snprintf(buf + n, len - (size_t)n, " (%s)",
			      g->country_name);
	if (n >= 0 && (size_t)n < len && (g->flags & BH_GEO_F_ASN))
		n += snprintf(buf + n, len - (size_t)n, "%sAS%u", n ? ", " : "",
			      g->asn);
	if (n >= 0 && (size_t)n < len && (g->flags & BH_GEO_F_ORG))
		snprintf(buf + n, len - (size_t)n, " %s", g->as_org);
}

/* One open alert per workload and novelty (its country and/or AS), so that
 * the flows of one finding update one alert. */
static void gd_keys(struct bh_detect_ctx *ctx, const struct bh_geo_finding *f,
		    struct bh_detect_hit *h)
{
	struct {
		__u32 tag, what;
		char country[BH_GEO_CC_SIZE];
		__u32 asn;
	} t;
	__u32 s[2] = {0x67656f00, f->identity}; /* "geo" */

	memset(&t, 0, sizeof(t));
	t.tag = 0x67656f01;
	t.what = f->what;
	if (f->what & BH_GEO_NEW_COUNTRY)
		memcpy(t.country, f->geo.country, sizeof(t.country));
	if (f->what & BH_GEO_NEW_ASN)
		t.asn = f->geo.asn;
	h->source_key = bh_detect_hash(ctx->d, s, sizeof(s)) | 1;
	h->target_key = bh_detect_hash(ctx->d, &t, sizeof(t)) | 1;
}

static void gd_raise(struct bh_detect_ctx *ctx, struct bh_geo_detector *gd,
		     const struct bh_geo_finding *f)
{
	static const char *const what[] = {
	    [BH_GEO_NEW_COUNTRY] = "a country",
	    [BH_GEO_NEW_ASN] = "an AS",
	    [BH_GEO_NEW_COUNTRY | BH_GEO_NEW_ASN] = "a country and an AS",
	};
	struct bh_detect_hit h = {
	    .detector = gd->id,
	    .technique = bh_geo_technique_id(f->technique),
	    /* geo severities are the proto's numbers, the engine's are one
	     * less (no UNSPEC) */
	    .severity = (enum bh_detect_severity)(f->severity - 1),
	    .score = f->score,
	};
	char where[200], out[24], in[24];
	struct bh_detect_names nm;
	struct bh_detect_alert *a;
	bool is_new;

	gd_keys(ctx, f, &h);
	a = bh_detect_hit(ctx, &h, &is_new);
	if (!a)
		return; /* allowlisted */
	bh_detect_alert_flow_target(ctx, a, true, &nm);
	gd_fmt_where(where, sizeof(where), &f->geo);
	gd_fmt_size(out, sizeof(out), f->bytes_out);
	gd_fmt_size(in, sizeof(in), f->bytes_in);
	bh_detect_alert_summary(
	    a,
	    "%s talked to %s in %s, %s it never contacted during its "
	    "baseline: %u flow%s, %s sent, %s received; %s",
	    nm.src, nm.dst, where, what[f->what & 3], f->flows,
	    f->flows == 1 ? "" : "s", out, in,
	    f->technique == BH_GEO_TECH_T1041
		? "check what it uploaded (possible exfiltration)"
		: "check for command and control");
	bh_detect_commit(ctx, a, is_new);
}

static void gd_flow(struct bh_detect_ctx *ctx, void *state, void *priv)
{
	struct bh_geo_finding found[BH_GEO_CONTACT_FINDINGS];
	const struct bh_detect_flow *f = ctx->f;
	struct bh_geo_detector *gd = priv;
	struct bh_geo_contact c;
	struct bh_geo_info g;
	int i, n;

	(void)state;
	bh_geo_novelty_expire(gd->nov, ctx->now_ns);
	if (gd_is_workload(&f->resp))
		bh_geo_novelty_touch(gd->nov, gd_wkey(&f->resp), f->start_ns);
	if (!gd_is_workload(&f->init))
		return;
	bh_geo_novelty_touch(gd->nov, gd_wkey(&f->init), f->start_ns);
	if (!f->resp.external)
		return;
	if (!ctx->first) {
		/* a later view of a counted flow: its bytes so far */
		n = bh_geo_novelty_flow_bytes(gd->nov, gd_wkey(&f->init), f->id,
					      f->bytes[BH_DETECT_FWD],
					      f->bytes[BH_DETECT_REV], found);
		for (i = 0; i < n; i++)
			gd_raise(ctx, gd, &found[i]);
		return;
	}
	/* not found: a contact without country or AS, counted as such */
	bh_geo_lookup(gd->geo, &f->resp.addr, &g);
	memset(&c, 0, sizeof(c));
	c.identity = gd_wkey(&f->init);
	c.ts_ns = f->start_ns;
	c.flow_id = f->id;
	c.remote = f->resp.addr;
	c.geo = &g;
	c.bytes_out = f->bytes[BH_DETECT_FWD];
	c.bytes_in = f->bytes[BH_DETECT_REV];
	n = bh_geo_novelty_contact(gd->nov, &c, found);
	for (i = 0; i < n; i++)
		gd_raise(ctx, gd, &found[i]);
}

static int gd_baseline_save(void *priv, FILE *fp)
{
	struct bh_geo_detector *gd = priv;

	return bh_geo_novelty_save(gd->nov, fp);
}

static int gd_baseline_load(void *priv, char **fields, unsigned int n,
			    const char **why)
{
	struct bh_geo_detector *gd = priv;

	return bh_geo_novelty_load(gd->nov, fields, n, why);
}

int bh_geo_detector_new(struct bh_geo_detector **out, struct bh_detect *d,
			struct bh_geo *geo,
			const struct bh_geo_novelty_config *cfg)
{
	struct bh_geo_detector *gd;
	int err;

	*out = NULL;
	if (!d || !geo || !cfg)
		return -EINVAL;
	gd = calloc(1, sizeof(*gd));
	if (!gd)
		return -ENOMEM;
	gd->geo = geo;
	gd->det.name = "geo_novelty";
	gd->det.flow = gd_flow;
	/* what each workload learned survives a restart */
	gd->det.baseline_tag = "geo";
	gd->det.baseline_save = gd_baseline_save;
	gd->det.baseline_load = gd_baseline_load;
	err = bh_geo_novelty_new(&gd->nov, cfg);
	if (!err)
		err = bh_detect_register(d, &gd->det, gd, &gd->id);
	if (err) {
		bh_geo_detector_free(&gd);
		return err;
	}
	*out = gd;
	return 0;
}

void bh_geo_detector_free(struct bh_geo_detector **pgd)
{
	if (!pgd || !*pgd)
		return;
	bh_geo_novelty_free(&(*pgd)->nov);
	free(*pgd);
	*pgd = NULL;
}

unsigned int bh_geo_detector_id(const struct bh_geo_detector *gd)
{
	return gd->id;
}

void bh_geo_detector_stats(const struct bh_geo_detector *gd,
			   struct bh_geo_novelty_stats *st)
{
	bh_geo_novelty_get_stats(gd ? gd->nov : NULL, st);
}
