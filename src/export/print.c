// SPDX-License-Identifier: GPL-2.0-only
/* Filters and text/JSON output of telemetry envelopes (print.h). Input is
 * untrusted (a file, a socket): every string is escaped, every pointer that
 * a decoder may leave NULL is checked. */
#include "print.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nettle/base64.h>

#include "bulkhead_abi.h"
#include "json_out.h"

typedef Bulkhead__Telemetry__V1__Envelope Envelope;
typedef Bulkhead__Telemetry__V1__FlowRecord FlowRecord;
typedef Bulkhead__Telemetry__V1__Endpoint Endpoint;
typedef Bulkhead__Telemetry__V1__Alert Alert;
typedef Bulkhead__Telemetry__V1__NodeStats NodeStats;

#define CASE_FLOW BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_FLOW
#define CASE_ALERT BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_ALERT
#define CASE_STATS BULKHEAD__TELEMETRY__V1__ENVELOPE__PAYLOAD_NODE_STATS

void bh_print_time(char *buf, size_t len, unsigned long long ns)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "%llu", ns);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lluZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (ns / 1000000ull) % 1000);
}

/* ------------------------------------------------------------------------ */
/* Filters.                                                                 */

static bool name_is(const char *s, const char *want)
{
	return s && *s && !strcmp(s, want);
}

static bool ep_named(const struct bh_print_filter *f, const Endpoint *ep)
{
	unsigned int i;

	if (!ep)
		return false;
	for (i = 0; i < f->n_workloads; i++)
		if (name_is(ep->workload, f->workloads[i]) ||
		    name_is(ep->external_group, f->workloads[i]))
			return true;
	return false;
}

static bool ep_labeled(const struct bh_print_filter *f, const Endpoint *ep)
{
	unsigned int i;
	size_t j;

	if (!ep)
		return false;
	for (i = 0; i < f->n_labels; i++) {
		for (j = 0; j < ep->n_labels; j++)
			if (ep->labels[j] && !strcmp(ep->labels[j], f->labels[i]))
				break;
		if (j == ep->n_labels)
			return false;
	}
	return true;
}

static bool ep_port(const struct bh_print_filter *f, const Endpoint *ep)
{
	unsigned int i;

	if (!ep)
		return false;
	for (i = 0; i < f->n_ports; i++)
		if (ep->port == f->ports[i])
			return true;
	return false;
}

/* Does one of the n endpoints satisfy every endpoint filter? */
static bool eps_match(const struct bh_print_filter *f, Endpoint *const *eps,
		      size_t n)
{
	bool named = !f->n_workloads, labeled = !f->n_labels,
	     port = !f->n_ports;
	size_t i;

	for (i = 0; i < n; i++) {
		named = named || ep_named(f, eps[i]);
		labeled = labeled || ep_labeled(f, eps[i]);
		port = port || ep_port(f, eps[i]);
	}
	return named && labeled && port;
}

static bool in_window(const struct bh_print_filter *f,
		      unsigned long long start, unsigned long long end)
{
	if (f->since_ns && end < f->since_ns)
		return false;
	if (f->until_ns && start > f->until_ns)
		return false;
	return true;
}

bool bh_print_match(const struct bh_print_filter *f, const Envelope *env)
{
	unsigned int types = f->types ? f->types :
					BH_PRINT_FLOW | BH_PRINT_ALERT;
	Endpoint *eps[2];

	switch (env->payload_case) {
	case CASE_FLOW:
		if (!(types & BH_PRINT_FLOW) || !env->flow)
			return false;
		if (f->verdicts && (env->flow->verdict >= 32 ||
				    !(f->verdicts & (1u << env->flow->verdict))))
			return false;
		eps[0] = env->flow->initiator;
		eps[1] = env->flow->responder;
		return eps_match(f, eps, 2) &&
		       in_window(f, env->flow->start_time_ns,
				 env->flow->end_time_ns);
	case CASE_ALERT: {
		const Alert *a = env->alert;
		bool any = false;
		size_t i;

		if (!(types & BH_PRINT_ALERT) || !a || f->verdicts)
			return false;
		if (!in_window(f, a->time_ns, a->time_ns))
			return false;
		eps[0] = a->source;
		if (eps_match(f, eps, 1))
			return true;
		for (i = 0; i < a->n_targets && !any; i++) {
			eps[0] = a->targets[i];
			any = eps_match(f, eps, 1);
		}
		return any;
	}
	case CASE_STATS:
		if (!(types & BH_PRINT_STATS) || !env->node_stats ||
		    f->verdicts || f->n_workloads || f->n_labels || f->n_ports)
			return false;
		return in_window(f, env->node_stats->time_ns,
				 env->node_stats->time_ns);
	default:
		return false;
	}
}

/* ------------------------------------------------------------------------ */
/* Text.                                                                    */

/* Untrusted text into a terminal: printable ASCII and UTF-8 pass, control
 * characters become '?'. */
static void put_safe(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static bool ip_text(const ProtobufCBinaryData *ip, char *buf, size_t len,
		    bool *v6)
{
	*v6 = ip->len == 16;
	if (ip->len == 4)
		return inet_ntop(AF_INET, ip->data, buf, (socklen_t)len);
	if (ip->len == 16)
		return inet_ntop(AF_INET6, ip->data, buf, (socklen_t)len);
	return false;
}

static bool has_ports(unsigned int proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/* "[DE AS64500]" after an enriched address: where a remote peer is, without
 * the city and organisation (those are in -o json). Nothing when the
 * record carries no geo fields, so unenriched output is unchanged. */
static void put_geo(FILE *out, const Endpoint *ep)
{
	bool cc = ep->country_code && *ep->country_code;

	if (!cc && !ep->asn)
		return;
	fputc('[', out);
	if (cc)
		put_safe(out, ep->country_code);
	if (ep->asn)
		fprintf(out, cc ? " AS%u" : "AS%u", ep->asn);
	fputc(']', out);
}

static void put_endpoint(FILE *out, const Endpoint *ep, bool ports)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	bool v6 = false;

	if (!ep) {
		fputs("?", out);
		return;
	}
	ip_text(&ep->ip, ip, sizeof(ip), &v6);
	if (ep->workload && *ep->workload) {
		put_safe(out, ep->workload);
	} else {
		if (ep->external_group && *ep->external_group) {
			put_safe(out, ep->external_group);
			fputc('/', out);
		}
		fprintf(out, v6 && ports ? "[%s]" : "%s", ip);
	}
	put_geo(out, ep);
	if (ports)
		fprintf(out, ":%u", ep->port);
}

static void put_proto(FILE *out, const FlowRecord *f)
{
	switch (f->protocol) {
	case 6:
		fputs("tcp", out);
		break;
	case 17:
		fputs("udp", out);
		break;
	case 132:
		fputs("sctp", out);
		break;
	case 1:
	case 58:
		fputs(f->protocol == 1 ? "icmp" : "icmpv6", out);
		if (f->icmp)
			fprintf(out, "(%u/%u)", f->icmp->type, f->icmp->code);
		break;
	default:
		fprintf(out, "proto-%u", f->protocol);
	}
}

static void put_flags(FILE *out, unsigned int flags)
{
	static const char letters[] = "FSRPAUEC";
	int i;

	if (!flags)
		fputc('-', out);
	for (i = 0; i < 8; i++)
		if (flags & (1u << i))
			fputc(letters[i], out);
}

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v,
			     const char *prefix)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	size_t plen = strlen(prefix);

	if (!ev)
		return NULL;
	return strncmp(ev->name, prefix, plen) ? ev->name : ev->name + plen;
}

static void put_verdict(FILE *out, const FlowRecord *f)
{
	fputs((unsigned int)f->verdict < BH_VERDICT_MAX ?
		      bh_verdict_str(f->verdict) :
		      "invalid",
	      out);
	if (f->reason != BULKHEAD__TELEMETRY__V1__REASON__REASON_NONE)
		fprintf(out, "(%s)",
			(unsigned int)f->reason < BH_REASON_MAX ?
				bh_reason_str(f->reason) :
				"invalid");
}

static void print_flow(FILE *out, const FlowRecord *f)
{
	static const char *const ends[] = { "-",	  "fin",     "rst",
					    "idle",	  "active",  "evicted",
					    "forced" };
	bool ports = has_ports(f->protocol);
	char t[40];

	bh_print_time(t, sizeof(t), f->end_time_ns);
	fprintf(out, "%s ", t);
	put_endpoint(out, f->initiator, ports);
	fputs(" -> ", out);
	put_endpoint(out, f->responder, ports);
	fputc(' ', out);
	put_proto(out, f);
	fputc(' ', out);
	put_verdict(out, f);
	fputs(" rule=", out);
	if (f->rule && *f->rule)
		put_safe(out, f->rule);
	else if (f->rule_id)
		fprintf(out, "#%u", f->rule_id);
	else
		fputc('-', out);
	fprintf(out, " bytes=%" PRIu64 "/%" PRIu64 " pkts=%" PRIu64 "/%" PRIu64,
		f->initiator_bytes, f->responder_bytes, f->initiator_packets,
		f->responder_packets);
	if (f->protocol == 6) {
		fputs(" flags=", out);
		put_flags(out, f->initiator_tcp_flags);
		fputc('/', out);
		put_flags(out, f->responder_tcp_flags);
	}
	fprintf(out, " end=%s",
		(unsigned int)f->end_reason < sizeof(ends) / sizeof(ends[0]) ?
			ends[f->end_reason] :
			"invalid");
	if (f->record_index)
		fprintf(out, "#%u", f->record_index);
	fputc('\n', out);
}

static void print_alert(FILE *out, const Alert *a)
{
	const char *sev = enum_name(
		&bulkhead__telemetry__v1__severity__descriptor, a->severity,
		"SEVERITY_");
	char t[40], sev_l[16];
	size_t i;

	bh_print_time(t, sizeof(t), a->time_ns);
	for (i = 0; sev && sev[i] && i < sizeof(sev_l) - 1; i++)
		sev_l[i] = (char)(sev[i] | 0x20);
	sev_l[i] = '\0';
	fprintf(out, "%s ALERT %s ", t, sev ? sev_l : "?");
	put_safe(out, a->technique && *a->technique ? a->technique : "-");
	fputc(' ', out);
	put_safe(out, a->detector && *a->detector ? a->detector : "-");
	fputc(' ', out);
	put_endpoint(out, a->source, false);
	fputs(" -> ", out);
	if (a->n_targets)
		put_endpoint(out, a->targets[0],
			     a->targets[0] && a->targets[0]->port);
	else
		fputc('-', out);
	if (a->n_targets > 1)
		fprintf(out, " (+%zu more)", a->n_targets - 1);
	fprintf(out, " score=%.2f flows=%zu", a->score,
		a->n_evidence_flow_ids);
	if (a->count > 1)
		fprintf(out, " count=%u", a->count);
	if (a->state == BULKHEAD__TELEMETRY__V1__ALERT_STATE__ALERT_STATE_UPDATE)
		fputs(" state=update", out);
	else if (a->state ==
		 BULKHEAD__TELEMETRY__V1__ALERT_STATE__ALERT_STATE_CLOSED)
		fputs(" state=closed", out);
	for (i = 0; i < a->n_path; i++) {
		fputs(i ? "->" : " path=", out);
		put_endpoint(out, a->path[i], false);
	}
	fputs(" \"", out);
	put_safe(out, a->summary);
	fputs("\"\n", out);
}

static void print_stats(FILE *out, const NodeStats *s)
{
	uint64_t drops = 0;
	char t[40];
	size_t i;

	for (i = 0; i < s->n_drops; i++)
		if (s->drops[i])
			drops += s->drops[i]->packets;
	bh_print_time(t, sizeof(t), s->time_ns);
	fprintf(out, "%s STATS ", t);
	put_safe(out, s->node && *s->node ? s->node : "-");
	fprintf(out,
		" flows_active=%" PRIu64 " records=%" PRIu64
		" evicted=%" PRIu64 " dropped_pkts=%" PRIu64
		" events_suppressed=%" PRIu64 " export_dropped=%" PRIu64
		" generation=%u",
		s->flows_active, s->records_emitted, s->flows_evicted, drops,
		s->events_suppressed, s->export_dropped, s->policy_generation);
	if (s->detection) {
		uint64_t alerts = 0;

		for (i = 0; i < s->detection->n_detectors; i++)
			if (s->detection->detectors[i])
				alerts += s->detection->detectors[i]->alerts;
		fprintf(out, " alerts=%" PRIu64, alerts);
	}
	fputc('\n', out);
}

void bh_print_text(FILE *out, const Envelope *env)
{
	if (env->payload_case == CASE_FLOW && env->flow)
		print_flow(out, env->flow);
	else if (env->payload_case == CASE_ALERT && env->alert)
		print_alert(out, env->alert);
	else if (env->payload_case == CASE_STATS && env->node_stats)
		print_stats(out, env->node_stats);
}

/* ------------------------------------------------------------------------ */
/* JSON, by walking the message descriptors: every field of the schema,    */
/* present and future, without a hand-written printer per message.         */

static bool is_address_field(const char *name)
{
	size_t n = strlen(name);

	return n >= 2 && !strcmp(name + n - 2, "ip");
}

static void json_bytes(FILE *out, const ProtobufCFieldDescriptor *fd,
		       const ProtobufCBinaryData *b)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6;

	if (is_address_field(fd->name) && ip_text(b, ip, sizeof(ip), &v6)) {
		fprintf(out, "\"%s\"", ip);
		return;
	}
	fputc('"', out);
	if (b->len) {
		char chunk[4 * 256 / 3 + 8];
		size_t off;

		/* Whole 3-byte groups per chunk, so chunks concatenate. */
		for (off = 0; off < b->len; off += 192) {
			size_t n = b->len - off > 192 ? 192 : b->len - off;

			base64_encode_raw(chunk, n, b->data + off);
			fwrite(chunk, 1, BASE64_ENCODE_RAW_LENGTH(n), out);
		}
	}
	fputc('"', out);
}

static void json_message(FILE *out, const ProtobufCMessage *m);

/* The shortest form that reads back as the same double (0.93, not
 * 0.92999999999999994), as other JSON printers do. */
static void put_double(FILE *out, double d)
{
	char buf[32];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", d);
	fputs(buf, out);
}

/* One value of field fd at p (an element of a repeated field, or the
 * field itself). */
static void json_value(FILE *out, const ProtobufCFieldDescriptor *fd,
		       const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(out, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(out, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(out, "\"%" PRId64 "\"", *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(out, "\"%" PRIu64 "\"", *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		double d = fd->type == PROTOBUF_C_TYPE_FLOAT ?
				   *(const float *)p :
				   *(const double *)p;

		if (d != d)
			fputs("\"NaN\"", out);
		else if (d > 1.7976931348623157e308)
			fputs("\"Infinity\"", out);
		else if (d < -1.7976931348623157e308)
			fputs("\"-Infinity\"", out);
		else
			put_double(out, d);
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(fd->descriptor,
							     *(const int *)p);

		if (ev)
			bh_json_str(out, ev->name);
		else
			fprintf(out, "%d", *(const int *)p);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		bh_json_str(out, *(char *const *)p);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		json_bytes(out, fd, p);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		json_message(out, *(ProtobufCMessage *const *)p);
		break;
	}
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* proto3 JSON leaves out fields at their default value. */
static bool is_default(const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return !((const ProtobufCBinaryData *)p)->len;
	case PROTOBUF_C_TYPE_MESSAGE:
		return !*(void *const *)p;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	default: {
		size_t sz = type_size(fd->type);

		return sz == 8 ? !*(const uint64_t *)p :
		       sz == 4 ? !*(const uint32_t *)p :
				 !*(const protobuf_c_boolean *)p;
	}
	}
}

static void json_message(FILE *out, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d;
	const char *base = (const char *)m;
	bool first = true;
	unsigned int i;

	if (!m) {
		fputs("null", out);
		return;
	}
	d = m->descriptor;
	fputc('{', out);
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const void *p = base + fd->offset;

		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)(base + fd->quantifier_offset) !=
			    fd->id)
				continue;
		} else if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			if (!*(const size_t *)(base + fd->quantifier_offset))
				continue;
		} else if (is_default(fd, p)) {
			continue;
		}
		if (!first)
			fputc(',', out);
		first = false;
		bh_json_str(out, fd->name);
		fputc(':', out);
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base +
						      fd->quantifier_offset);
			const char *arr = *(char *const *)p;
			size_t j, sz = type_size(fd->type);

			fputc('[', out);
			for (j = 0; j < n; j++) {
				if (j)
					fputc(',', out);
				json_value(out, fd, arr + j * sz);
			}
			fputc(']', out);
		} else {
			json_value(out, fd, p);
		}
	}
	fputc('}', out);
}

void bh_print_json(FILE *out, const Envelope *env)
{
	json_message(out, &env->base);
	fputc('\n', out);
}
