/* The snapshot's JSON: units in every name, nulls where there is no value. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fullsnap.h"
#include "snapjson.h"

static json_t *
to_json(const struct snapshot *s)
{
	size_t len;
	char *text = snapjson_render(s, &len);
	json_error_t err;
	json_t *o = json_loads(text, 0, &err);

	ck_assert_msg(o != NULL, "invalid JSON: %s", err.text);
	ck_assert_ptr_null(strchr(text, '\n'));	/* one data: line */
	free(text);
	return o;
}

/* The value at a path like "network.interfaces.0.receive_bytes_per_second". */
static json_t *
at(json_t *o, const char *path)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL && o != NULL; p = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, strtoul(p, NULL, 10)) : json_object_get(o, p);
	ck_assert_msg(o != NULL, "no %s", path);
	return o;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Numbers without a unit: counts of things, ids, ratios with their own name. */
static int
unitless_ok(const char *key)
{
	static const char *const ok[] = {
		"seq", "count", "cpu", "load1", "load5", "load15", "running", "blocked", "total",
		"used", "tcp_inuse", "tcp_orphan", "tcp_timewait", "tcp_alloc", "udp_inuse",
		"tcp6_inuse", "udp6_inuse", "file_handles_allocated", "file_handles_max", "files",
		"files_free", "streams_open", "threads", "status", "celsius",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(key, ok[i]) == 0)
			return 1;
	return 0;
}

/* Every numeric field's name says its unit, or is a count of things. */
static void
check_units(json_t *v, const char *key, const char *path)
{
	static const char *const units[] = {
		"_bytes", "_seconds", "_percent", "_per_second", "_hertz", "_total", "_ns",
	};
	char sub[512];
	const char *k;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, child) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			check_units(child, k, sub);
		}
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			snprintf(sub, sizeof(sub), "%s.%zu", path, i);
			check_units(child, key, sub);
		}
		return;
	}
	if (!json_is_number(v) || key == NULL)
		return;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ends_with(key, units[i]))
			return;
	ck_assert_msg(unitless_ok(key), "%s: a number whose name carries no unit", path);
}

START_TEST(every_number_names_its_unit)
{
	struct snapshot *s = fullsnap_new();
	json_t *o = to_json(s);

	check_units(o, NULL, "");
	json_decref(o);
	snapshot_release(s);
}
END_TEST

START_TEST(groups_and_values)
{
	struct snapshot *s = fullsnap_new();
	json_t *o = to_json(s);

	ck_assert_int_eq(json_integer_value(at(o, "seq")), 1763769600123ll);
	ck_assert_int_eq(json_integer_value(at(o, "cpu.count")), 2);
	ck_assert_int_eq(json_integer_value(at(o, "cpu.cores.1.cpu")), 2);
	ck_assert_double_eq(json_real_value(at(o, "cpu.cores.0.frequency_hertz")), 2.4e9);
	ck_assert(json_is_null(at(o, "cpu.cores.1.frequency_hertz")));
	ck_assert_int_eq(json_integer_value(at(o, "memory.shared_bytes")), 50 << 20);
	ck_assert_int_eq(json_integer_value(at(o, "memory.dirty_bytes")), 4096);
	ck_assert_double_eq(json_real_value(at(o, "swap.in_bytes_per_second")), 8192);
	ck_assert_int_eq(json_integer_value(at(o, "tasks.blocked")), 1);
	ck_assert_double_eq(json_real_value(at(o, "system.forks_per_second")), 12.5);
	ck_assert(json_is_null(at(o, "system.interrupts_per_second")));
	ck_assert_int_eq(json_integer_value(at(o, "system.file_handles_allocated")), 1984);
	ck_assert_str_eq(json_string_value(at(o, "network.interfaces.0.name")), "eth\"0\\\n");
	ck_assert_double_eq(json_real_value(at(o, "network.interfaces.0.transmit_bytes_per_second")), 50);
	ck_assert_int_eq(json_integer_value(at(o, "network.interfaces.0.receive_drop_total")), 4000);
	/* An interface seen once has counters but no rates yet. */
	ck_assert(json_is_null(at(o, "network.interfaces.1.receive_bytes_per_second")));
	ck_assert_int_eq(json_integer_value(at(o, "network.sockets.tcp_inuse")), 12);
	ck_assert_int_eq(json_integer_value(at(o, "network.sockets.tcp6_inuse")), 4);
	ck_assert_double_eq(json_real_value(at(o, "disks.0.io_time_seconds_total")), 12.345);
	ck_assert_double_eq(json_real_value(at(o, "disks.0.busy_percent")), 25);
	ck_assert(json_is_null(at(o, "disks.1.busy_percent")));
	ck_assert_int_eq(json_integer_value(at(o, "disks.0.written_bytes_total")), 102400);
	ck_assert_str_eq(json_string_value(at(o, "filesystems.1.mountpoint")), "/mnt/my disk");
	ck_assert(json_is_true(at(o, "filesystems.1.readonly")));
	ck_assert(json_is_false(at(o, "filesystems.0.readonly")));
	ck_assert_int_eq(json_integer_value(at(o, "filesystems.0.used_bytes")), 60ll << 30);
	ck_assert_double_eq(json_real_value(at(o, "pressure.cpu.some.avg60_percent")), 2.25);
	ck_assert(json_is_null(at(o, "pressure.cpu.full")));
	ck_assert(json_is_null(at(o, "pressure.memory")));
	ck_assert_double_eq(json_real_value(at(o, "pressure.io.full.total_seconds")), 50.25);
	ck_assert_uint_eq(json_array_size(at(o, "temperatures")), 3);
	ck_assert_double_eq_tol(json_real_value(at(o, "temperatures.0.celsius")), 38.9, 1e-9);
	ck_assert(json_is_null(at(o, "temperatures.1.label")));
	ck_assert_int_eq(json_integer_value(at(o, "daemon.request_duration_seconds.count")), 7);
	ck_assert_int_eq(json_integer_value(at(o, "daemon.request_duration_seconds.buckets.3.count")), 4);
	ck_assert_double_eq(json_real_value(at(o, "daemon.request_duration_seconds.buckets.3.le_seconds")),
	    0.001);
	ck_assert_str_eq(json_string_value(at(o, "daemon.requests.0.endpoint")), "/events");
	ck_assert_str_eq(json_string_value(at(o, "daemon.requests.0.status")), "other");
	ck_assert_int_eq(json_integer_value(at(o, "daemon.requests.1.status")), 200);
	ck_assert_int_eq(json_integer_value(at(o, "daemon.bytes_sent_total")), 123456);
	ck_assert_double_eq(json_real_value(at(o, "daemon.collect_seconds")), 0.000321);
	json_decref(o);
	/* No sockstat6 (a kernel without IPv6): unknown, not 0. */
	s->has_sockstat6 = 0;
	o = to_json(s);
	ck_assert_int_eq(json_integer_value(at(o, "network.sockets.tcp_inuse")), 12);
	ck_assert(json_is_null(at(o, "network.sockets.tcp6_inuse")));
	ck_assert(json_is_null(at(o, "network.sockets.udp6_inuse")));
	json_decref(o);
	snapshot_release(s);
}
END_TEST

START_TEST(absent_sources_are_null)
{
	struct snapshot *s = snapshot_new();
	json_t *o;

	s->seq = 1;
	s->daemon.request_duration_mean_seconds = -1;
	o = to_json(s);
	static const char *const null_groups[] = {
		"cpu", "memory", "swap", "load", "tasks", "disks", "filesystems", "pressure",
		"network.interfaces", "network.sockets", "host.uptime_seconds",
		"host.boot_time_seconds", "system.file_handles_max",
	};
	for (size_t i = 0; i < sizeof(null_groups) / sizeof(null_groups[0]); i++)
		ck_assert_msg(json_is_null(at(o, null_groups[i])), "%s is not null", null_groups[i]);
	/* No sensor is not an error: an empty list. */
	ck_assert(json_is_array(at(o, "temperatures")));
	ck_assert_uint_eq(json_array_size(at(o, "temperatures")), 0);
	json_decref(o);
	snapshot_release(s);
}
END_TEST

/*
 * Names need not be UTF-8 (an interface, a mount point, the hostname may
 * hold any byte); jansson refuses such a string, and the key went missing.
 */
START_TEST(names_that_are_not_utf8)
{
	struct snapshot *s = fullsnap_new();
	json_t *o;

	snprintf(s->hostname, sizeof(s->hostname), "caf\xe9");
	free(s->nets[0].name);
	s->nets[0].name = strdup("eth\xff" "0");
	free(s->filesystems[0].mountpoint);
	s->filesystems[0].mountpoint = strdup("/mnt/\xc3");
	o = to_json(s);
	ck_assert_str_eq(json_string_value(at(o, "host.hostname")), "caf\xef\xbf\xbd");
	ck_assert_str_eq(json_string_value(at(o, "network.interfaces.0.name")), "eth\xef\xbf\xbd" "0");
	ck_assert_str_eq(json_string_value(at(o, "filesystems.0.mountpoint")), "/mnt/\xef\xbf\xbd");
	json_decref(o);
	snapshot_release(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("snapjson");
	TCase *tc = tcase_create("snapjson");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_number_names_its_unit);
	tcase_add_test(tc, groups_and_values);
	tcase_add_test(tc, absent_sources_are_null);
	tcase_add_test(tc, names_that_are_not_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
