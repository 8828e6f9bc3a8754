/* A hand-built snapshot with every group filled, for the exporters' tests. */
#ifndef SSE_TESTS_FULLSNAP_H
#define SSE_TESTS_FULLSNAP_H

#include "snapshot.h"

/*
 * Two CPUs (one with a frequency), memory, vmstat, load, two interfaces (one
 * named with a quote, a backslash and a newline, one just appeared: no
 * rates), two disks, two filesystems (one read-only, with a space in its
 * mount point), PSI for cpu (some only) and io, no PSI for memory, three
 * temperatures (two hwmon chips both called "nvme", one thermal zone), and
 * daemon counters with a request-duration histogram.
 */
struct snapshot *fullsnap_new(void);

#endif
