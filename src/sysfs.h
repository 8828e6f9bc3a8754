/*
 * sysfs: readers for the files under /sys the collector uses: CPU
 * frequency, block devices, thermal zones and hwmon sensors.
 *
 * Like procfs, each reader takes the directory where sysfs is mounted
 * ("/sys", or "tests/data/<tree>/sys"), keeps no state, does not log, and
 * returns 0 or -1 with errno set. Many of these files are absent on a given
 * machine (a VM has no cpufreq, a container no hwmon): absence is not an
 * error of the daemon, and the collector simply leaves the values out.
 */
#ifndef SSE_SYSFS_H
#define SSE_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/*
 * SYSFS/devices/system/cpu/cpuID/cpufreq/scaling_cur_freq (kHz) as hertz.
 * Fails when the file is missing (no cpufreq driver: most VMs).
 */
int sysfs_read_cpufreq(const char *sysfs, unsigned cpu, double *hertz);

/*
 * 1 when SYSFS/block/NAME exists (NAME is a whole disk, not a partition),
 * 0 when it does not, -1 when SYSFS/block itself cannot be read (then the
 * caller cannot tell disks from partitions). NAME is as /proc/diskstats
 * prints it: a '/' in it ("cciss/c0d0") is looked up as sysfs's '!'.
 * One faccessat() per call (about 4 us): cache the answer per name.
 */
int sysfs_is_whole_disk(const char *sysfs, const char *name);

/*
 * 1 when network interface NAME is virtual: SYSFS/class/net/NAME exists
 * without a device/ link (lo, a bridge, a veth, a bond, a VPN: traffic that
 * a NIC also carries); 0 for a NIC, and when sysfs cannot tell.
 */
int sysfs_net_is_virtual(const char *sysfs, const char *name);

/*
 * 1 when disk NAME is built on other disks (SYSFS/block/NAME/slaves/ is not
 * empty: device-mapper, md RAID), whose I/O those disks count again; else 0.
 */
int sysfs_disk_is_stacked(const char *sysfs, const char *name);

/* One temperature sensor. */
struct sysfs_temp {
	char *chip;	/* heap: hwmon "name" file, or the thermal zone's "type" */
	char *chip_id;	/* heap: node_exporter's chip label (hwmon only, else NULL) */
	char *chip_name;	/* heap: node_exporter's chip_name (the "name" file, cleaned), or NULL */
	char *sensor;	/* heap: "temp1" (hwmon) or "thermal_zone0" */
	char *label;	/* heap: hwmon tempN_label if present, else NULL */
	double celsius;
};

/*
 * Every readable sensor: SYSFS/class/hwmon/hwmon*\/temp*_input first
 * (hwmonN by N, then tempK by K, numerically; hwmonN may be a symlink),
 * then SYSFS/class/thermal/thermal_zone*\/temp (by N). Sensors whose value
 * cannot be read or parsed (a sleeping device answers EAGAIN or ENODATA)
 * are skipped. At most 256 sensors. No sensors, or no class/hwmon and
 * class/thermal at all, is success with *n = 0 and *out = NULL; -1 only
 * when such a directory exists but cannot be listed.
 */
int sysfs_read_temps(const char *sysfs, struct sysfs_temp **out, size_t *n);
void sysfs_temps_free(struct sysfs_temp *temps, size_t n);

#endif
