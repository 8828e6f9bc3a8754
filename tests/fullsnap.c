#include "fullsnap.h"

#include <string.h>

#include "xmem.h"

struct snapshot *
fullsnap_new(void)
{
	struct snapshot *s = snapshot_new();

	s->seq = 1763769600123ull;
	s->timestamp_ns = 1763769600123456789ll;
	s->elapsed_seconds = 1;
	strcpy(s->hostname, "web-1");
	strcpy(s->kernel_release, "6.1.0-13-amd64");
	s->has_uptime = 1;
	s->uptime_seconds = 3600.5;
	s->boot_time_seconds = 1763766000;

	s->has_cpu = 1;
	s->ncores = 2;
	s->cores = xcalloc(2, sizeof(*s->cores));
	for (int i = 0; i < 2; i++) {
		s->cores[i].id = (unsigned)i * 2;	/* cpu1 offline */
		s->cores[i].percent[CPU_USER] = 30;
		s->cores[i].percent[CPU_IDLE] = 70;
		s->cores[i].seconds[CPU_USER] = 100.25 * (i + 1);
	}
	s->cores[0].frequency_hertz = 2.4e9;
	s->cores[1].frequency_hertz = -1;
	s->cpu_total.percent[CPU_USER] = 30;
	s->cpu_total.percent[CPU_IDLE] = 70;
	s->cpu_total.frequency_hertz = -1;
	s->forks = (struct snapshot_counter){ 123456, 12.5 };
	s->context_switches = (struct snapshot_counter){ 987654321, 4321 };
	s->interrupts = (struct snapshot_counter){ 55555, -1 };
	s->procs_running = 3;
	s->procs_blocked = 1;

	s->has_memory = 1;
	s->mem_total_bytes = 8ull << 30;
	s->mem_free_bytes = 1ull << 30;
	s->mem_available_bytes = 6ull << 30;
	s->has_meminfo_available = 1;
	s->meminfo_available_bytes = 6ull << 30;
	s->mem_used_bytes = 2ull << 30;
	s->mem_buffers_bytes = 100 << 20;
	s->mem_cached_bytes = 3ull << 30;
	s->mem_page_cache_bytes = 2900ull << 20;
	s->mem_sreclaimable_bytes = 172ull << 20;
	s->mem_shared_bytes = 50 << 20;
	s->mem_slab_bytes = 300 << 20;
	s->mem_dirty_bytes = 4096;
	s->swap_total_bytes = 1ull << 30;
	s->swap_free_bytes = 1ull << 29;
	s->swap_used_bytes = 1ull << 29;
	s->has_vmstat = 1;
	s->swap_in_bytes = (struct snapshot_counter){ 4096 * 10, 8192 };
	s->swap_out_bytes = (struct snapshot_counter){ 4096 * 20, 0 };
	s->vm_pswpin = 10;
	s->vm_pswpout = 20;

	s->has_load = 1;
	s->load1 = 0.52;
	s->load5 = 0.58;
	s->load15 = 0.59;
	s->tasks_running = 2;
	s->tasks_total = 345;
	s->has_file_nr = 1;
	s->files_allocated = 1984;
	s->files_max = 9223372036854775807ull;
	s->has_sockstat = 1;
	s->sockets_used = 150;
	s->tcp_inuse = 12;
	s->udp_inuse = 3;
	s->has_sockstat6 = 1;
	s->tcp6_inuse = 4;

	s->has_net = 1;
	s->nnets = 2;
	s->nets = xcalloc(2, sizeof(*s->nets));
	s->nets[0].name = xstrdup("eth\"0\\\n");
	s->nets[1].name = xstrdup("wg0");
	for (int k = 0; k < NET_COUNTERS; k++) {
		s->nets[0].c[k] = (struct snapshot_counter){ 1000u * (k + 1), 10.0 * (k + 1) };
		s->nets[1].c[k] = (struct snapshot_counter){ 7, -1 };
	}

	s->has_disks = 1;
	s->ndisks = 2;
	s->disks = xcalloc(2, sizeof(*s->disks));
	s->disks[0].name = xstrdup("sda");
	s->disks[1].name = xstrdup("nvme0n1");
	for (int i = 0; i < 2; i++) {
		s->disks[i].c[DISK_READS] = (struct snapshot_counter){ 100, 5 };
		s->disks[i].c[DISK_WRITES] = (struct snapshot_counter){ 200, 6 };
		s->disks[i].c[DISK_READ_BYTES] = (struct snapshot_counter){ 51200, 2560 };
		s->disks[i].c[DISK_WRITTEN_BYTES] = (struct snapshot_counter){ 102400, 3072 };
		s->disks[i].c[DISK_IO_SECONDS] = (struct snapshot_counter){ 12345, 0.25 };	/* ms */
		s->disks[i].busy_percent = 25;
	}
	s->disks[1].busy_percent = -1;	/* reset: no rate */

	s->has_filesystems = 1;
	s->nfilesystems = 2;
	s->filesystems = xcalloc(2, sizeof(*s->filesystems));
	s->filesystems[0] = (struct snapshot_fs){ xstrdup("/"), xstrdup("/dev/sda1"), xstrdup("ext4"),
	    100ull << 30, 40ull << 30, 35ull << 30, 60ull << 30, 6553600, 6000000, 0 };
	s->filesystems[1] = (struct snapshot_fs){ xstrdup("/mnt/my disk"), xstrdup("/dev/sdb1"),
	    xstrdup("vfat"), 1ull << 30, 1ull << 29, 1ull << 29, 1ull << 29, 0, 0, 1 };

	s->psi[PSI_CPU].present = 1;
	s->psi[PSI_CPU].some = (struct snapshot_psi_line){ 1, 1.5, 2.25, 3, 12.345678 };
	s->psi[PSI_IO].present = 1;
	s->psi[PSI_IO].some = (struct snapshot_psi_line){ 1, 0.5, 0.25, 0.125, 99.5 };
	s->psi[PSI_IO].full = (struct snapshot_psi_line){ 1, 0.25, 0.125, 0.0625, 50.25 };

	s->ntemps = 3;
	s->temps = xcalloc(3, sizeof(*s->temps));
	/* Two chips without a device link (no chip_id): both "nvme", both "temp1". */
	s->temps[0] = (struct snapshot_temp){ .chip = xstrdup("nvme"), .sensor = xstrdup("temp1"),
	    .chip_name = xstrdup("nvme"), .label = xstrdup("Composite"), .celsius = 38.85 };
	s->temps[1] = (struct snapshot_temp){ .chip = xstrdup("nvme"), .sensor = xstrdup("temp1"),
	    .chip_name = xstrdup("nvme"), .celsius = 41 };
	s->temps[2] = (struct snapshot_temp){ .chip = xstrdup("x86_pkg_temp"),
	    .sensor = xstrdup("thermal_zone0"), .celsius = 46 };

	s->daemon.streams_open = 3;
	s->daemon.streams_total = 10;
	s->daemon.requests_total = 7;
	s->daemon.requests_per_second = 2.5;
	s->daemon.request_duration_mean_seconds = -1;
	s->daemon.requests[EP_METRICS][ST_200] = 5;
	s->daemon.requests[EP_PAGE][ST_404] = 2;
	s->daemon.requests[EP_EVENTS][ST_OTHER] = 1;
	for (int b = 0; b <= SNAPSHOT_DURATION_BUCKETS; b++)
		s->daemon.duration_bucket[b] = b < 3 ? 0 : b < 6 ? 4 : 7;	/* cumulative */
	s->daemon.duration_sum_seconds = 0.0123;
	s->daemon.events_sent_total = 1000;
	s->daemon.streams_timed_out_total = 4;
	s->daemon.requests_timed_out_total = 9;
	s->daemon.bytes_sent_total = 123456;
	s->daemon.collect_seconds = 0.000321;
	s->daemon.render_seconds = 0.000123;
	s->daemon.rss_bytes = 6 << 20;
	s->daemon.cpu_seconds_total = 1.25;
	s->daemon.threads = 7;
	s->daemon.start_time_seconds = 1763769000;
	return s;
}
