/*
 * fuzz_pipeline: a fuzzed machine read twice by the collector, and each
 * snapshot through every renderer the daemon serves it with.
 *
 * The input is records (fuzz_common.h): "proc/stat", "sys/class/hwmon/...",
 * and the same paths under "later/" for the second tick (without any, the
 * second tick reads the first tree again). A listed file without a record
 * does not exist. Mount points are looked up below a rootfs that has the
 * fixtures' odd directories ("mnt/my disk", "mnt/\"quoted\"&<b>" ...), so
 * their names reach the renderers too.
 *
 * What must hold, beyond no crash, leak or hang:
 *  - the snapshot keeps snapshot.h's promises: CPU percentages in 0..100
 *    that sum to 100, rates < 0 (none) or finite and >= 0, busy within
 *    0..100, used memory within the total, interfaces sorted by name;
 *  - snapjson_render() parses back with jansson, with every name there, as
 *    a string equal to the snapshot's where that is valid UTF-8;
 *  - prom_render() is valid UTF-8 and every line is a HELP or TYPE comment
 *    or `name{label="value",...} number`, label values escaped, each sample
 *    under the family its TYPE named;
 *  - the events of render_tick_create() parse back (tests/sseclient.c) as
 *    one event of their name and the tick's id; the snapshot event's data is
 *    the JSON, and the html event's tags are balanced, its attributes
 *    quoted, and no '<', '>' or '&' stands unescaped in its text.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "collector.h"
#include "fuzz_common.h"
#include "html.h"
#include "prom.h"
#include "render.h"
#include "snapjson.h"
#include "sseclient.h"
#include "strbuf.h"

static const char *const files[] = {
	"proc/stat", "proc/meminfo", "proc/loadavg", "proc/uptime", "proc/vmstat", "proc/net/dev",
	"proc/diskstats", "proc/self/mountinfo", "proc/pressure/cpu", "proc/pressure/memory",
	"proc/pressure/io", "proc/net/sockstat", "proc/net/sockstat6", "proc/sys/fs/file-nr",
	"proc/sys/kernel/hostname", "proc/sys/kernel/osrelease",
	"sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	"sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq",
	"sys/class/hwmon/hwmon0/name", "sys/class/hwmon/hwmon0/temp1_input",
	"sys/class/hwmon/hwmon0/temp1_label", "sys/class/hwmon/hwmon0/temp2_input",
	"sys/class/hwmon/hwmon0/temp2_label", "sys/class/thermal/thermal_zone0/type",
	"sys/class/thermal/thermal_zone0/temp",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* The fixtures' mount points, below our rootfs. */
static const char *const mount_dirs[] = {
	"home", "boot", "run", "mnt/usb", "mnt/my disk", "mnt/\"quoted\"&<b>", "mnt/back\\slash",
	"mnt/tab\tnl\nend",
};

#define SEC 1000000000LL

static char tree[2][PATH_MAX], procfs[2][PATH_MAX], sysfs[2][PATH_MAX], rootfs[PATH_MAX];
static unsigned long runs, interfaces, disks, filesystems, sensors;

/* ---- the snapshot -------------------------------------------------------- */

static void
check_rate(const char *what, double v)
{
	if (isnan(v) || (v >= 0 && !isfinite(v)))
		fuzz_fail("%s: rate %g is neither < 0 nor finite", what, v);
}

static void
check_cpu(const char *what, const struct snapshot_cpu *c, int core)
{
	double sum = 0;

	for (int m = 0; m < CPU_MODES; m++) {
		if (!(c->percent[m] >= 0 && c->percent[m] <= 100))
			fuzz_fail("%s: %s is %g %%", what, snapshot_cpu_mode_names[m], c->percent[m]);
		if (!(c->seconds[m] >= 0) || !isfinite(c->seconds[m]))
			fuzz_fail("%s: %s is %g s", what, snapshot_cpu_mode_names[m], c->seconds[m]);
		sum += c->percent[m];
	}
	if (fabs(sum - 100) > 1e-6)
		fuzz_fail("%s: the modes sum to %.17g %%", what, sum);
	if (core && !(c->frequency_hertz < 0 || isfinite(c->frequency_hertz)))
		fuzz_fail("%s: frequency %g", what, c->frequency_hertz);
}

static void
check_snapshot(const struct snapshot *s)
{
	if (!isfinite(s->elapsed_seconds) || s->elapsed_seconds < 0)
		fuzz_fail("elapsed %g s", s->elapsed_seconds);
	if (s->has_uptime && (!isfinite(s->uptime_seconds) || s->uptime_seconds < 0))
		fuzz_fail("uptime %g s", s->uptime_seconds);
	if (memchr(s->hostname, '\0', sizeof(s->hostname)) == NULL ||
	    memchr(s->kernel_release, '\0', sizeof(s->kernel_release)) == NULL)
		fuzz_fail("hostname or release not NUL-terminated");
	if (s->has_cpu) {
		if (s->ncores == 0 || s->cores == NULL)
			fuzz_fail("has_cpu without cores");
		check_cpu("cpu total", &s->cpu_total, 0);
		for (size_t i = 0; i < s->ncores; i++)
			check_cpu("cpu core", &s->cores[i], 1);
		check_rate("forks", s->forks.per_second);
		check_rate("context switches", s->context_switches.per_second);
		check_rate("interrupts", s->interrupts.per_second);
	}
	if (s->has_memory) {
		if (s->mem_available_bytes > s->mem_total_bytes || s->mem_used_bytes > s->mem_total_bytes)
			fuzz_fail("memory: available %llu, used %llu of %llu",
			    (unsigned long long)s->mem_available_bytes,
			    (unsigned long long)s->mem_used_bytes, (unsigned long long)s->mem_total_bytes);
		if (s->swap_used_bytes > s->swap_total_bytes)
			fuzz_fail("swap: used %llu of %llu", (unsigned long long)s->swap_used_bytes,
			    (unsigned long long)s->swap_total_bytes);
	}
	if (s->has_vmstat) {
		check_rate("swap in", s->swap_in_bytes.per_second);
		check_rate("swap out", s->swap_out_bytes.per_second);
	}
	if (s->has_load && (!isfinite(s->load1) || !isfinite(s->load5) || !isfinite(s->load15) ||
	    s->load1 < 0 || s->load5 < 0 || s->load15 < 0))
		fuzz_fail("load %g %g %g", s->load1, s->load5, s->load15);
	if (s->nnets > 512 || s->ndisks > 512 || s->nfilesystems > 512)
		fuzz_fail("%zu interfaces, %zu disks, %zu filesystems", s->nnets, s->ndisks,
		    s->nfilesystems);
	for (size_t i = 0; i < s->nnets; i++) {
		if (s->nets[i].name == NULL)
			fuzz_fail("interface %zu has no name", i);
		if (i > 0 && strcmp(s->nets[i - 1].name, s->nets[i].name) > 0)
			fuzz_fail("interfaces not sorted: '%s' before '%s'", s->nets[i - 1].name,
			    s->nets[i].name);
		for (int k = 0; k < NET_COUNTERS; k++)
			check_rate(snapshot_net_counter_names[k], s->nets[i].c[k].per_second);
	}
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct snapshot_disk *d = &s->disks[i];

		if (d->name == NULL)
			fuzz_fail("disk %zu has no name", i);
		for (int k = 0; k < DISK_COUNTERS; k++)
			check_rate("disk", d->c[k].per_second);
		if (isnan(d->busy_percent) || d->busy_percent > 100)
			fuzz_fail("disk %s busy %g %%", d->name, d->busy_percent);
	}
	for (size_t i = 0; i < s->nfilesystems; i++) {
		const struct snapshot_fs *f = &s->filesystems[i];

		if (f->mountpoint == NULL || f->device == NULL || f->fstype == NULL)
			fuzz_fail("filesystem %zu lacks a name", i);
	}
	for (int r = 0; r < PSI_RESOURCES; r++) {
		const struct snapshot_psi_line *l[2] = { &s->psi[r].some, &s->psi[r].full };

		for (int k = 0; k < 2; k++)
			if (l[k]->present && (!isfinite(l[k]->avg10) || !isfinite(l[k]->avg60) ||
			    !isfinite(l[k]->avg300) || !isfinite(l[k]->total_seconds) ||
			    l[k]->total_seconds < 0))
				fuzz_fail("pressure %s: %g %g %g %g", snapshot_psi_names[r], l[k]->avg10,
				    l[k]->avg60, l[k]->avg300, l[k]->total_seconds);
	}
	for (size_t i = 0; i < s->ntemps; i++)
		if (s->temps[i].chip == NULL || s->temps[i].sensor == NULL ||
		    !isfinite(s->temps[i].celsius))
			fuzz_fail("sensor %zu: %g degrees", i, s->temps[i].celsius);
	interfaces += s->nnets;
	disks += s->ndisks;
	filesystems += s->nfilesystems;
	sensors += s->ntemps;
}

/* ---- JSON ---------------------------------------------------------------- */

/* o[key] is a string, equal to want where want is valid UTF-8 (NULL: null allowed). */
static void
json_name(const json_t *o, const char *key, const char *want, const char *where)
{
	const json_t *v = json_object_get(o, key);

	if (want == NULL && json_is_null(v))
		return;
	if (!json_is_string(v))
		fuzz_fail("JSON %s: no string \"%s\" (for '%s')", where, key, want ? want : "(null)");
	if (want != NULL && fuzz_utf8_valid(want, strlen(want)) && strcmp(json_string_value(v), want) != 0)
		fuzz_fail("JSON %s: \"%s\" is '%s', not '%s'", where, key, json_string_value(v), want);
}

/* o[key] is an array of n objects, or null when !present. */
static const json_t *
json_list(const json_t *o, const char *key, int present, size_t n)
{
	const json_t *a = json_object_get(o, key);

	if (!present) {
		if (!json_is_null(a))
			fuzz_fail("JSON: \"%s\" is not null", key);
		return NULL;
	}
	if (!json_is_array(a) || json_array_size(a) != n)
		fuzz_fail("JSON: \"%s\" is not an array of %zu", key, n);
	return a;
}

static void
check_json(const struct snapshot *s, const char *text, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);
	const json_t *a, *net;

	if (root == NULL)
		fuzz_fail("JSON does not parse: %s at %d", err.text, err.position);
	if (strlen(text) != len)
		fuzz_fail("JSON length %zu, but a NUL at %zu", len, strlen(text));
	json_name(json_object_get(root, "host"), "hostname", s->hostname, "host");
	json_name(json_object_get(root, "host"), "kernel_release", s->kernel_release, "host");
	net = json_object_get(root, "network");
	if ((a = json_list(net, "interfaces", s->has_net, s->nnets)) != NULL)
		for (size_t i = 0; i < s->nnets; i++)
			json_name(json_array_get(a, i), "name", s->nets[i].name, "interface");
	if ((a = json_list(root, "disks", s->has_disks, s->ndisks)) != NULL)
		for (size_t i = 0; i < s->ndisks; i++)
			json_name(json_array_get(a, i), "name", s->disks[i].name, "disk");
	if ((a = json_list(root, "filesystems", s->has_filesystems, s->nfilesystems)) != NULL)
		for (size_t i = 0; i < s->nfilesystems; i++) {
			json_name(json_array_get(a, i), "mountpoint", s->filesystems[i].mountpoint, "fs");
			json_name(json_array_get(a, i), "device", s->filesystems[i].device, "fs");
			json_name(json_array_get(a, i), "fstype", s->filesystems[i].fstype, "fs");
		}
	if ((a = json_list(root, "temperatures", 1, s->ntemps)) != NULL)
		for (size_t i = 0; i < s->ntemps; i++) {
			json_name(json_array_get(a, i), "chip", s->temps[i].chip, "sensor");
			json_name(json_array_get(a, i), "sensor", s->temps[i].sensor, "sensor");
			json_name(json_array_get(a, i), "label", s->temps[i].label, "sensor");
		}
	json_decref(root);
}

/* ---- Prometheus text ----------------------------------------------------- */

static const char *
prom_name(const char *p)
{
	if (!(isalpha((unsigned char)*p) || *p == '_' || *p == ':'))
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	return p;
}

/* One sample line, without its '\n'; family is the last TYPE's name. */
static void
prom_sample(const char *line, const char *family, size_t family_len)
{
	const char *p = prom_name(line), *name_end;
	size_t nlen;
	char *end;

	if (p == NULL)
		fuzz_fail("prom: no metric name in '%s'", line);
	name_end = p;
	nlen = (size_t)(name_end - line);
	/* The family, or a histogram's _bucket, _sum or _count of it. */
	if (family == NULL || nlen < family_len || strncmp(line, family, family_len) != 0 ||
	    !(nlen == family_len || strncmp(line + family_len, "_bucket", nlen - family_len) == 0 ||
	    strncmp(line + family_len, "_sum", nlen - family_len) == 0 ||
	    strncmp(line + family_len, "_count", nlen - family_len) == 0))
		fuzz_fail("prom: sample '%s' is not of the family '%.*s' its TYPE names", line,
		    (int)family_len, family ? family : "");
	if (*p == '{') {
		p++;
		while (*p != '}') {
			const char *l = p;

			if (!(isalpha((unsigned char)*p) || *p == '_'))
				fuzz_fail("prom: bad label name in '%s'", line);
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (p == l || p[0] != '=' || p[1] != '"')
				fuzz_fail("prom: label without =\" in '%s'", line);
			for (p += 2; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n')
					fuzz_fail("prom: unterminated label value in '%s'", line);
				if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
					p++;
				else if (*p == '\\')
					fuzz_fail("prom: bad escape in '%s'", line);
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				fuzz_fail("prom: expected , or } in '%s'", line);
		}
		p++;
	}
	if (*p != ' ' || p[1] == '\0')
		fuzz_fail("prom: no value in '%s'", line);
	p++;
	if (strcmp(p, "+Inf") != 0 && strcmp(p, "-Inf") != 0 && strcmp(p, "NaN") != 0) {
		errno = 0;
		strtod(p, &end);
		if (*end != '\0' || end == p || strpbrk(p, "xXiInN") != NULL)
			fuzz_fail("prom: value '%s' in '%s'", p, line);
	}
}

static void
check_prom(const struct snapshot *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *family = NULL;
	size_t family_len = 0;
	char *p, *nl;

	prom_render(&sb, s);
	if (sb.len == 0 || sb.data[sb.len - 1] != '\n')
		fuzz_fail("prom: the exposition does not end with a newline");
	if (strlen(sb.data) != sb.len || !fuzz_utf8_valid(sb.data, sb.len))
		fuzz_fail("prom: the exposition is not UTF-8 text");
	for (p = sb.data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (strncmp(p, "# HELP ", 7) == 0) {
			if (prom_name(p + 7) == NULL || *prom_name(p + 7) != ' ')
				fuzz_fail("prom: bad HELP line '%s'", p);
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			const char *e = prom_name(p + 7);
			static const char *const types[] = { " counter", " gauge", " histogram",
				" summary", " untyped" };
			int ok = 0;

			for (size_t i = 0; e != NULL && i < sizeof(types) / sizeof(types[0]); i++)
				ok |= strcmp(e, types[i]) == 0;
			if (!ok)
				fuzz_fail("prom: bad TYPE line '%s'", p);
			family = p + 7;
			family_len = (size_t)(e - family);
		} else if (*p == '#') {
			fuzz_fail("prom: a comment that is neither HELP nor TYPE: '%s'", p);
		} else {
			prom_sample(p, family, family_len);
		}
	}
	strbuf_free(&sb);
}

/* ---- HTML ---------------------------------------------------------------- */

static int
is_void_element(const char *name, size_t len)
{
	static const char *const voids[] = { "br", "hr", "img", "input", "meta", "link", "wbr" };

	for (size_t i = 0; i < sizeof(voids) / sizeof(voids[0]); i++)
		if (strlen(voids[i]) == len && strncmp(voids[i], name, len) == 0)
			return 1;
	return 0;
}

/* At an '&': a named or numeric character reference, or NULL. */
static const char *
html_entity(const char *p)
{
	const char *q = p + 1;

	if (*q == '#') {
		q++;
		if (*q == 'x' || *q == 'X') {
			q++;
			if (!isxdigit((unsigned char)*q))
				return NULL;
			while (isxdigit((unsigned char)*q))
				q++;
		} else {
			if (!isdigit((unsigned char)*q))
				return NULL;
			while (isdigit((unsigned char)*q))
				q++;
		}
	} else {
		if (!isalpha((unsigned char)*q))
			return NULL;
		while (isalnum((unsigned char)*q))
			q++;
	}
	return *q == ';' ? q + 1 : NULL;
}

/* Every tag closed in order, attributes quoted, no stray < > & in text or values. */
static void
check_html(const char *html)
{
	const char *stack[64];
	size_t stack_len[64], depth = 0;
	const char *p = html;

#define HTML_FAIL(why) fuzz_fail("html: %s at byte %zu: '%.60s'", why, (size_t)(p - html), p)
	while (*p != '\0') {
		if (*p == '&') {
			if ((p = html_entity(p)) == NULL)
				fuzz_fail("html: a bare '&'");
			continue;
		}
		if (*p == '>')
			HTML_FAIL("a bare '>' in text");
		if (*p != '<') {
			p++;
			continue;
		}
		if (p[1] == '/') {
			const char *name = p + 2, *e = name;

			while (isalnum((unsigned char)*e) || *e == '-')
				e++;
			if (*e != '>' || e == name)
				HTML_FAIL("a bad end tag");
			if (depth == 0 || stack_len[depth - 1] != (size_t)(e - name) ||
			    strncmp(stack[depth - 1], name, (size_t)(e - name)) != 0)
				HTML_FAIL("an end tag that closes nothing open");
			depth--;
			p = e + 1;
			continue;
		}
		{
			const char *name = p + 1, *e = name;
			int self_closed = 0;

			if (!isalpha((unsigned char)*e))
				HTML_FAIL("a bare '<' in text");
			while (isalnum((unsigned char)*e) || *e == '-')
				e++;
			p = e;
			for (;;) {
				const char *attr;

				while (*p == ' ')
					p++;
				if (*p == '>')
					break;
				if (p[0] == '/' && p[1] == '>') {
					self_closed = 1;
					p++;
					break;
				}
				attr = p;
				while (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == ':')
					p++;
				if (p == attr)
					HTML_FAIL("a bad attribute");
				if (*p != '=')
					continue;	/* a boolean attribute */
				if (p[1] != '"')
					HTML_FAIL("an unquoted attribute value");
				for (p += 2; *p != '"'; ) {
					if (*p == '\0' || *p == '<' || *p == '>')
						HTML_FAIL("a bad attribute value");
					if (*p == '&') {
						if ((p = html_entity(p)) == NULL)
							fuzz_fail("html: a bare '&' in an attribute");
					} else {
						p++;
					}
				}
				p++;
			}
			p++;	/* the '>' */
			if (!self_closed && !is_void_element(name, (size_t)(e - name))) {
				if (depth == sizeof(stack) / sizeof(stack[0]))
					HTML_FAIL("elements nested too deep");
				stack[depth] = name;
				stack_len[depth++] = (size_t)(e - name);
			}
		}
	}
	if (depth != 0)
		fuzz_fail("html: <%.*s> is never closed", (int)stack_len[depth - 1], stack[depth - 1]);
#undef HTML_FAIL
}

/* ---- the tick's events ---------------------------------------------------- */

static void
check_tick(const struct snapshot *s)
{
	render_tick_t *t = render_tick_create((struct snapshot *)s);
	char id[32];

	/*
	 * The snapshot and html events, and one card's and one chart's in turn:
	 * the other cards and charts are framed alike and are inside html.
	 */
	const int events[] = { RENDER_EV_SNAPSHOT, RENDER_EV_HTML,
		RENDER_EV_CARD + (int)(runs % HTML_CARDS), RENDER_EV_CHART + (int)(runs % HTML_CHARTS) };

	snprintf(id, sizeof(id), "%llu", (unsigned long long)s->seq);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		int ev = events[i];
		sseclient_t *client = sseclient_create();
		const struct sse_event *e;
		const char *frame;
		size_t len;

		if ((frame = render_tick_frame(t, (enum render_event)ev, &len)) == NULL)
			fuzz_fail("tick: no %s event", render_event_name((enum render_event)ev));
		sseclient_feed(client, frame, len);
		if (sseclient_count(client) != 1 || (e = sseclient_event(client, 0)) == NULL)
			fuzz_fail("tick: the %s frame is %zu events", render_event_name((enum render_event)ev),
			    sseclient_count(client));
		if (strcmp(e->type, render_event_name((enum render_event)ev)) != 0 ||
		    strcmp(e->id, id) != 0 || !e->has_id)
			fuzz_fail("tick: event '%s' id '%s', want '%s' id %s", e->type, e->id,
			    render_event_name((enum render_event)ev), id);
		if (ev == RENDER_EV_SNAPSHOT) {
			size_t jlen;
			const char *json = render_tick_json(t, &jlen);

			if (e->data_len != jlen || memcmp(e->data, json, jlen) != 0)
				fuzz_fail("tick: the snapshot event's data is not the JSON");
			check_json(s, json, jlen);
		} else if (ev == RENDER_EV_HTML) {
			if (strlen(e->data) != e->data_len)
				fuzz_fail("tick: a NUL in the html event");
			check_html(e->data);
		}
		sseclient_free(client);
	}
	render_tick_unref(t);
}

/* ---- the fuzzed machine --------------------------------------------------- */

static void
make_tree(const struct fuzz_record *r, size_t nr, int later)
{
	char path[64];

	for (size_t i = 0; i < NFILES; i++) {
		const struct fuzz_record *f;

		snprintf(path, sizeof(path), "%s%s", later ? "later/" : "", files[i]);
		if ((f = fuzz_record_find(r, nr, path)) != NULL)
			fuzz_write(tree[later], files[i], f->data, f->len);
		else
			fuzz_remove(tree[later], files[i]);
	}
}

static void
report(void)
{
	printf("fuzz_pipeline: %lu runs; %lu interfaces, %lu disks, %lu filesystems, "
	    "%lu sensors rendered\n", runs, interfaces, disks, filesystems, sensors);
	fflush(stdout);
}

/* Seeds: a fixture tree, or two of them read one after the other. */
static void
make_seeds(const char *data_dir, const char *out_dir)
{
	static const char *const pairs[][2] = {
		{ "host2", "host2-later" }, { "host2", "host2-idle-back" }, { "host2", NULL },
		{ "escape", NULL }, { "cpu64", "host2" }, { "kernel4", NULL }, { "kernel5", NULL },
		{ "oldkernel", NULL }, { "lxc", NULL }, { "sandboxed", NULL }, { "no-cores", NULL },
		{ "garbage", "host2" }, { "broken", NULL }, { "short-fields", NULL },
		{ "empty", "host2" },
	};

	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		char dir[PATH_MAX], name[64], path[80];
		char *buf = NULL;
		size_t len = 0;

		for (int later = 0; later < 2 && pairs[k][later] != NULL; later++) {
			snprintf(dir, sizeof(dir), "%s/%s", data_dir, pairs[k][later]);
			for (size_t i = 0; i < NFILES; i++) {
				snprintf(path, sizeof(path), "%s%s", later ? "later/" : "", files[i]);
				fuzz_seed_append(&buf, &len, path, dir, files[i]);
			}
		}
		snprintf(name, sizeof(name), "%s+%s", pairs[k][0], pairs[k][1] ? pairs[k][1] : "");
		if (len > 0)
			fuzz_seed_write(out_dir, name, buf, len);
		free(buf);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *root;

	(void)argc;
	(void)argv;
	fuzz_seed_mode(make_seeds);
	root = fuzz_scratch();
	for (int k = 0; k < 2; k++) {
		snprintf(tree[k], sizeof(tree[k]), "%s/%c", root, "ab"[k]);
		snprintf(procfs[k], sizeof(procfs[k]), "%s/proc", tree[k]);
		snprintf(sysfs[k], sizeof(sysfs[k]), "%s/sys", tree[k]);
		fuzz_mkdirs(root, k ? "b/sys/class/hwmon/hwmon0" : "a/sys/class/hwmon/hwmon0");
		fuzz_mkdirs(root, k ? "b/sys/class/thermal/thermal_zone0" :
		    "a/sys/class/thermal/thermal_zone0");
		fuzz_mkdirs(root, k ? "b/proc/self" : "a/proc/self");
	}
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", root);
	fuzz_mkdirs(root, "rootfs");
	for (size_t i = 0; i < sizeof(mount_dirs) / sizeof(mount_dirs[0]); i++)
		fuzz_mkdirs(rootfs, mount_dirs[i]);
	atexit(report);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record r[128];
	size_t nr = fuzz_records(data, size, r, 128);
	int later = 0;
	struct snapshot *s[2];
	collector_t *c;
	const char *leaked;

	runs++;
	for (size_t i = 0; i < nr; i++)
		later |= r[i].path_len > 6 && memcmp(r[i].path, "later/", 6) == 0;
	make_tree(r, nr, 0);
	if (later)
		make_tree(r, nr, 1);

	c = collector_create(procfs[0], sysfs[0], 1);
	collector_set_filesystems(c, rootfs, 1);
	s[0] = collector_sample(c, 1700000000 * SEC, 10 * SEC);
	if (later) {
		collector_set_procfs(c, procfs[1]);
		collector_set_sysfs(c, sysfs[1]);
	}
	s[1] = collector_sample(c, 1700000001 * SEC, 11 * SEC + SEC / 2);
	collector_destroy(c);
	if (fuzz_fds_below(fuzz_scratch(), &leaked) != 0)
		fuzz_fail("a file descriptor leaked, open on %s", leaked);

	render_configure(60);	/* each run's charts start afresh */
	for (int k = 0; k < 2; k++) {
		check_snapshot(s[k]);
		check_tick(s[k]);
		check_prom(s[k]);
		snapshot_release(s[k]);
	}
	return 0;
}
