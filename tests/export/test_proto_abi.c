// SPDX-License-Identifier: GPL-2.0-only
/* The proto enums mirror the ABI's (CONVENTIONS.md rule 7): same numbers,
 * same names, same count. Adding a verdict or a reason on one side only
 * fails here. */
#include "bh_test.h"

#include <stdio.h>
#include <string.h>

#include "bulkhead_abi.h"
#include "flow_record.h"
#include "telemetry.pb-c.h"

/* The value of desc named prefix + name must be val. */
static void check_enum_value(const ProtobufCEnumDescriptor *desc,
			 const char *prefix, const char *name, int val)
{
	const ProtobufCEnumValue *v;
	char full[128];

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	v = protobuf_c_enum_descriptor_get_value_by_name(desc, full);
	if (!v)
		fail_msg("%s: no value %s in proto (ABI has it = %d)",
			 desc->name, full, val);
	if (v->value != val)
		fail_msg("%s: %s is %d in proto, %d in the ABI", desc->name,
			 full, v->value, val);
}

#define CHECK_VERDICT(name, val, str)                                          \
	check_enum_value(&bulkhead__telemetry__v1__verdict__descriptor,           \
		     "VERDICT_", #name, val);                                  \
	n++;
#define CHECK_REASON(name, val, str)                                           \
	check_enum_value(&bulkhead__telemetry__v1__reason__descriptor, "REASON_", \
		     #name, val);                                              \
	n++;
#define CHECK_END(name, val, str)                                              \
	check_enum_value(&bulkhead__telemetry__v1__end_reason__descriptor,        \
		     "END_REASON_", #name, val);                               \
	n++;

static void test_verdicts(void **state)
{
	unsigned int n = 0;

	(void)state;
	BH_VERDICT_LIST(CHECK_VERDICT)
	assert_int_equal(n, BH_VERDICT_MAX);
	assert_int_equal(bulkhead__telemetry__v1__verdict__descriptor.n_values,
			 BH_VERDICT_MAX);
}

static void test_reasons(void **state)
{
	unsigned int n = 0;

	(void)state;
	BH_REASON_LIST(CHECK_REASON)
	assert_int_equal(n, BH_REASON_MAX);
	assert_int_equal(bulkhead__telemetry__v1__reason__descriptor.n_values,
			 BH_REASON_MAX);
}

static void test_end_reasons(void **state)
{
	unsigned int n = 0;

	(void)state;
	BH_END_REASON_LIST(CHECK_END)
	assert_int_equal(n, BH_END_MAX);
	assert_int_equal(
		bulkhead__telemetry__v1__end_reason__descriptor.n_values,
		BH_END_MAX);
}

/* Plain enums of the ABI without an X-list: checked value by value. */
static void test_small_enums(void **state)
{
	const ProtobufCEnumDescriptor *kind =
		&bulkhead__telemetry__v1__identity_kind__descriptor;
	const ProtobufCEnumDescriptor *tun =
		&bulkhead__telemetry__v1__tunnel_type__descriptor;
	const ProtobufCEnumDescriptor *dir =
		&bulkhead__telemetry__v1__traffic_direction__descriptor;

	(void)state;
	check_enum_value(kind, "IDENTITY_KIND_", "RESERVED", BH_KIND_RESERVED);
	check_enum_value(kind, "IDENTITY_KIND_", "WORKLOAD", BH_KIND_WORKLOAD);
	check_enum_value(kind, "IDENTITY_KIND_", "EXTERNAL", BH_KIND_EXTERNAL);
	assert_int_equal(kind->n_values, 3);
	check_enum_value(tun, "TUNNEL_TYPE_", "UNSPEC", BH_TUN_NONE);
	check_enum_value(tun, "TUNNEL_TYPE_", "VXLAN", BH_TUN_VXLAN);
	check_enum_value(tun, "TUNNEL_TYPE_", "GENEVE", BH_TUN_GENEVE);
	assert_int_equal(tun->n_values, 3);
	check_enum_value(dir, "TRAFFIC_DIRECTION_", "UNKNOWN", BH_TDIR_UNKNOWN);
	check_enum_value(dir, "TRAFFIC_DIRECTION_", "INGRESS", BH_TDIR_INGRESS);
	check_enum_value(dir, "TRAFFIC_DIRECTION_", "EGRESS", BH_TDIR_EGRESS);
	check_enum_value(dir, "TRAFFIC_DIRECTION_", "LOCAL", BH_TDIR_LOCAL);
	assert_int_equal(dir->n_values, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_end_reasons),
		cmocka_unit_test(test_small_enums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
