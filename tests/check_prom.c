/* The Prometheus text of a snapshot: names, labels, escaping, histogram. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fullsnap.h"
#include "prom.h"
#include "strbuf.h"

static char *
render(const struct snapshot *s)
{
	struct strbuf sb = STRBUF_INIT;

	prom_render(&sb, s);
	return strbuf_detach(&sb, NULL);
}

/* How many times needle is in text. */
static int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

#define HAS(text, want) ck_assert_msg(strstr((text), (want)) != NULL, "missing: %s", (want))
#define HASNT(text, want) ck_assert_msg(strstr((text), (want)) == NULL, "unexpected: %s", (want))

START_TEST(node_exporter_names)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s);

	HAS(t, "node_cpu_seconds_total{cpu=\"2\",mode=\"user\"} 200.50\n");
	HAS(t, "# TYPE node_cpu_scaling_frequency_hertz gauge\nnode_cpu_scaling_frequency_hertz{cpu=\"0\"} 2400000000\n");
	HASNT(t, "node_cpu_scaling_frequency_hertz{cpu=\"2\"}");	/* no cpufreq there */
	HAS(t, "node_memory_MemAvailable_bytes 6442450944\n");
	/* node_exporter's Cached is meminfo's, not free's cache column. */
	HAS(t, "node_memory_Cached_bytes 3040870400\n");
	HAS(t, "node_memory_SReclaimable_bytes 180355072\n");
	HAS(t, "# TYPE node_vmstat_pswpin untyped\nnode_vmstat_pswpin 10\n");
	HAS(t, "node_load15 0.59\n");
	HAS(t, "# TYPE node_forks_total counter\nnode_forks_total 123456\n");
	HAS(t, "node_context_switches_total 987654321\n");
	HAS(t, "node_intr_total 55555\n");
	HAS(t, "node_procs_blocked 1\n");
	HAS(t, "node_filefd_maximum 9.22337203685478e+18\n");
	HAS(t, "node_sockstat_TCP_inuse 12\n");
	HAS(t, "node_sockstat_TCP6_inuse 4\n");
	HAS(t, "node_network_receive_bytes_total{device=\"wg0\"} 7\n");
	HAS(t, "node_network_transmit_drop_total{device=\"wg0\"} 7\n");
	HAS(t, "node_disk_read_bytes_total{device=\"sda\"} 51200\n");
	HAS(t, "node_disk_io_time_seconds_total{device=\"nvme0n1\"} 12.345\n");	/* ms -> s */
	HAS(t, "node_filesystem_avail_bytes{device=\"/dev/sda1\",fstype=\"ext4\",mountpoint=\"/\"} 37580963840\n");
	HAS(t, "node_filesystem_readonly{device=\"/dev/sdb1\",fstype=\"vfat\",mountpoint=\"/mnt/my disk\"} 1\n");
	HAS(t, "node_boot_time_seconds 1763766000\n");
	free(t);
	snapshot_release(s);
}
END_TEST

/*
 * node_memory_MemAvailable_bytes is meminfo's field, as node_exporter's:
 * not there on a kernel without one, and 0 when the kernel says 0, where
 * the JSON's available (free(1)'s) is MemFree.
 */
START_TEST(memavailable_is_the_kernels)
{
	struct snapshot *s = fullsnap_new();
	char *t;

	s->mem_available_bytes = s->mem_free_bytes;
	s->meminfo_available_bytes = 0;
	t = render(s);
	HAS(t, "node_memory_MemAvailable_bytes 0\n");
	free(t);
	s->has_meminfo_available = 0;
	t = render(s);
	HASNT(t, "node_memory_MemAvailable_bytes");
	HAS(t, "node_memory_MemFree_bytes ");
	free(t);
	snapshot_release(s);
}
END_TEST

START_TEST(labels_are_escaped)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s);

	HAS(t, "node_network_receive_bytes_total{device=\"eth\\\"0\\\\\\n\"} 1000\n");
	free(t);
	snapshot_release(s);
}
END_TEST

/* The format is UTF-8: Prometheus drops a scrape whose label value is not. */
START_TEST(labels_that_are_not_utf8)
{
	struct snapshot *s = fullsnap_new();
	char *t;

	free(s->nets[1].name);
	s->nets[1].name = strdup("w\xffg0");
	snprintf(s->hostname, sizeof(s->hostname), "caf\xe9\"");
	t = render(s);
	HAS(t, "node_network_receive_bytes_total{device=\"w\xef\xbf\xbdg0\"} ");
	HAS(t, "node_uname_info{nodename=\"caf\xef\xbf\xbd\\\"\",");
	ck_assert_ptr_null(strchr(t, '\xff'));
	free(t);
	snapshot_release(s);
}
END_TEST

/* A kernel without IPv6 has no sockstat6: no TCP6 series, rather than 0. */
START_TEST(sockstat6_only_where_the_kernel_has_it)
{
	struct snapshot *s = fullsnap_new();
	char *t;

	s->has_sockstat6 = 0;
	t = render(s);
	HAS(t, "node_sockstat_TCP_inuse 12\n");
	HASNT(t, "node_sockstat_TCP6_");
	HASNT(t, "node_sockstat_UDP6_");
	free(t);
	snapshot_release(s);
}
END_TEST

START_TEST(pressure_only_where_the_kernel_has_it)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s);

	HAS(t, "# TYPE node_pressure_cpu_waiting_seconds_total counter\n"
	    "node_pressure_cpu_waiting_seconds_total 12.345678\n");
	HASNT(t, "node_pressure_cpu_stalled");	/* no "full" line for cpu */
	HASNT(t, "node_pressure_memory_");	/* no file */
	HAS(t, "node_pressure_io_stalled_seconds_total 50.250000\n");
	free(t);
	memset(s->psi, 0, sizeof(s->psi));
	t = render(s);
	HASNT(t, "node_pressure_");
	free(t);
	snapshot_release(s);
}
END_TEST

START_TEST(temperatures_have_unique_series)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s);

	HAS(t, "node_hwmon_temp_celsius{chip=\"nvme\",sensor=\"temp1\"} 38.85\n");
	HAS(t, "node_hwmon_temp_celsius{chip=\"nvme_1\",sensor=\"temp1\"} 41\n");
	HAS(t, "node_hwmon_sensor_label{chip=\"nvme\",label=\"Composite\",sensor=\"temp1\"} 1\n");
	HASNT(t, "node_hwmon_sensor_label{chip=\"nvme_1\"");	/* no label */
	/* One name per chip label printed, "_1" too: node_exporter's annotation metric. */
	HAS(t, "node_hwmon_chip_names{chip=\"nvme\",chip_name=\"nvme\"} 1\n");
	HAS(t, "node_hwmon_chip_names{chip=\"nvme_1\",chip_name=\"nvme\"} 1\n");
	ck_assert_int_eq(occurrences(t, "node_hwmon_chip_names{chip=\"nvme\","), 1);
	free(t);
	/* A chip without a name file has no chip_name, as in node_exporter. */
	free(s->temps[1].chip_name);
	s->temps[1].chip_name = NULL;
	t = render(s);
	HAS(t, "node_hwmon_temp_celsius{chip=\"nvme_1\",sensor=\"temp1\"} 41\n");
	HASNT(t, "node_hwmon_chip_names{chip=\"nvme_1\"");
	HAS(t, "node_thermal_zone_temp{type=\"x86_pkg_temp\",zone=\"0\"} 46\n");
	free(t);
	s->ntemps = 0;	/* the strings stay owned by the array: freed below */
	t = render(s);
	HASNT(t, "hwmon");
	HASNT(t, "thermal");
	s->ntemps = 3;
	free(t);
	snapshot_release(s);
}
END_TEST

START_TEST(daemon_metrics)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s);

	HAS(t, "sse_metricsd_snapshot_seq 1763769600123\n");
	HAS(t, "sse_metricsd_http_requests_total{code=\"200\",endpoint=\"/metrics\"} 5\n");
	HAS(t, "sse_metricsd_http_requests_total{code=\"404\",endpoint=\"page\"} 2\n");
	HAS(t, "sse_metricsd_http_requests_total{code=\"other\",endpoint=\"/events\"} 1\n");
	HAS(t, "# TYPE sse_metricsd_http_request_duration_seconds histogram\n"
	    "sse_metricsd_http_request_duration_seconds_bucket{le=\"0.0001\"} 0\n");
	HAS(t, "sse_metricsd_http_request_duration_seconds_bucket{le=\"0.001\"} 4\n");
	HAS(t, "sse_metricsd_http_request_duration_seconds_bucket{le=\"5\"} 7\n"
	    "sse_metricsd_http_request_duration_seconds_bucket{le=\"+Inf\"} 7\n"
	    "sse_metricsd_http_request_duration_seconds_sum 0.012300000\n"
	    "sse_metricsd_http_request_duration_seconds_count 7\n");
	HAS(t, "sse_metricsd_events_sent_total 1000\n");
	HAS(t, "sse_metricsd_sent_bytes_total 123456\n");
	HAS(t, "sse_metricsd_cpu_seconds_total 1.25\n");
	HAS(t, "sse_metricsd_resident_memory_bytes 6291456\n");
	free(t);
	snapshot_release(s);
}
END_TEST

/*
 * The format's rules: every sample follows its family's HELP and TYPE,
 * counters end in _total, no family is declared twice, and no two samples
 * share name and labels.
 */
START_TEST(exposition_is_well_formed)
{
	struct snapshot *s = fullsnap_new();
	char *t = render(s), *line, *save = NULL;
	char families[256][128], seen[1024][256], family[128] = "", type[32] = "";
	int nfam = 0, nseen = 0;

	for (line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[128], series[256];

		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
			for (int i = 0; i < nfam; i++)
				ck_assert_msg(strcmp(families[i], family) != 0, "%s declared twice", family);
			ck_assert_int_lt(nfam, 256);
			strcpy(families[nfam++], family);
			type[0] = '\0';
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_int_eq(sscanf(line + 7, "%127s %31s", name, type), 2);
			ck_assert_str_eq(name, family);
			if (strcmp(type, "counter") == 0)
				ck_assert_msg(strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_total") == 0,
				    "counter %s does not end in _total", name);
			continue;
		}
		ck_assert_msg(line[0] != '#', "stray comment %s", line);
		ck_assert_msg(type[0] != '\0', "sample before TYPE: %s", line);
		ck_assert_int_eq(sscanf(line, "%127[^{ ]", name), 1);
		ck_assert_msg(strncmp(name, family, strlen(family)) == 0, "%s outside its family %s",
		    name, family);
		snprintf(series, sizeof(series), "%.*s", (int)(strrchr(line, ' ') - line), line);
		for (int i = 0; i < nseen; i++)
			ck_assert_msg(strcmp(seen[i], series) != 0, "duplicate series %s", series);
		ck_assert_int_lt(nseen, 1024);
		strcpy(seen[nseen++], series);
	}
	ck_assert_int_gt(nseen, 100);
	free(t);
	snapshot_release(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, node_exporter_names);
	tcase_add_test(tc, memavailable_is_the_kernels);
	tcase_add_test(tc, labels_are_escaped);
	tcase_add_test(tc, labels_that_are_not_utf8);
	tcase_add_test(tc, sockstat6_only_where_the_kernel_has_it);
	tcase_add_test(tc, pressure_only_where_the_kernel_has_it);
	tcase_add_test(tc, temperatures_have_unique_series);
	tcase_add_test(tc, daemon_metrics);
	tcase_add_test(tc, exposition_is_well_formed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
