/*
 * The documentation against the code, so they cannot drift apart:
 * - every key of the parser's table (config_keys()) has an entry in
 *   man/sse-metricsd.conf.5 stating its type, default, range and whether
 *   SIGHUP applies it, and a "#key = default" line in data/sse-metricsd.conf;
 * - every key the page documents is one the parser knows (or one listed
 *   below as landing from another branch);
 * - every option "sse-metricsd -h" prints has an entry in sse-metricsd.8.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CONF_PAGE	SRCDIR "/man/sse-metricsd.conf.5"
#define DAEMON_PAGE	SRCDIR "/man/sse-metricsd.8"
#define SHIPPED_CONF	SRCDIR "/data/sse-metricsd.conf"
/* The pages and the shipped file spell PKGDATADIR for a /usr install. */
#define SHIPPED_PKGDATADIR "/usr/share/sse-metricsd"

struct lines {
	char **v;
	size_t n;
};

static struct lines
read_lines(const char *path)
{
	struct lines l = { NULL, 0 };
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t size = 0;
	ssize_t len;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((len = getline(&line, &size, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		l.v = realloc(l.v, (l.n + 1) * sizeof(*l.v));
		ck_assert_ptr_nonnull(l.v);
		l.v[l.n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return l;
}

static void
free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* 1 if line is ".It Ic NAME" followed by nothing or a blank. */
static int
is_key_entry(const char *line, const char *name)
{
	size_t len = strlen(name);

	return strncmp(line, ".It Ic ", 7) == 0 && strncmp(line + 7, name, len) == 0 &&
	    (line[7 + len] == '\0' || line[7 + len] == ' ');
}

/*
 * The body of key name's entry: the lines after its .It up to the next .It
 * or .El. Returns the index of the .It line, or l->n when there is none;
 * fails when there are two.
 */
static size_t
find_entry(const struct lines *l, const char *name, size_t *end)
{
	size_t at = l->n;

	for (size_t i = 0; i < l->n; i++) {
		if (!is_key_entry(l->v[i], name))
			continue;
		ck_assert_msg(at == l->n, "%s: two entries for %s (lines %zu and %zu)",
		    CONF_PAGE, name, at + 1, i + 1);
		at = i;
	}
	if (at == l->n)
		return at;
	for (*end = at + 1; *end < l->n; (*end)++)
		if (strncmp(l->v[*end], ".It ", 4) == 0 || strcmp(l->v[*end], ".El") == 0)
			break;
	return at;
}

/* 1 if one of lines [from, to) is exactly want. */
static int
has_line(const struct lines *l, size_t from, size_t to, const char *want)
{
	for (size_t i = from; i < to; i++)
		if (strcmp(l->v[i], want) == 0)
			return 1;
	return 0;
}

/* v as the page writes a bound: "0.05", "1000000", "16K", "64M". */
static void
format_bound(enum config_type type, double v, char *buf, size_t len)
{
	unsigned long long n = (unsigned long long)v;

	if (type == CONFIG_SIZE && n != 0 && n % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", n >> 30);
	else if (type == CONFIG_SIZE && n != 0 && n % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", n >> 20);
	else if (type == CONFIG_SIZE && n != 0 && n % (1ULL << 10) == 0)
		snprintf(buf, len, "%lluK", n >> 10);
	else
		snprintf(buf, len, "%.15g", v);
}

/* The word the page uses for a type; NULL for a type this test does not know. */
static const char *
type_word(enum config_type type)
{
	switch (type) {
	case CONFIG_LISTEN:
		return "address";
	case CONFIG_UINT:
		return "integer";
	case CONFIG_SECONDS:
		return "number";
	case CONFIG_SIZE:
		return "size";
	case CONFIG_PATH:
		return "path";
	case CONFIG_BOOL:
		return "boolean";
	default:
		return NULL;
	}
}

static int
has_range(enum config_type type)
{
	return type == CONFIG_UINT || type == CONFIG_SECONDS || type == CONFIG_SIZE;
}

/* The default as the page and the shipped file write it. */
static void
shipped_default(const struct config_key *k, char *buf, size_t len)
{
	size_t plen = strlen(PKGDATADIR);

	if (strncmp(k->default_value, PKGDATADIR, plen) == 0)
		snprintf(buf, len, "%s%s", SHIPPED_PKGDATADIR, k->default_value + plen);
	else
		snprintf(buf, len, "%s", k->default_value);
}

START_TEST(every_key_has_a_full_entry)
{
	struct lines page = read_lines(CONF_PAGE);
	size_t nkeys;
	const struct config_key *keys = config_keys(&nkeys);
	char want[PATH_MAX + 64], def[PATH_MAX], lo[32], hi[32];

	for (size_t i = 0; i < nkeys; i++) {
		const struct config_key *k = &keys[i];
		const char *word = type_word(k->type);
		size_t end = 0, at = find_entry(&page, k->name, &end);
		int said_type = 0;

		ck_assert_msg(at < page.n, "%s: no entry '.It Ic %s'", CONF_PAGE, k->name);
		if (word != NULL) {
			snprintf(want, sizeof(want), "Type: %s.", word);
			ck_assert_msg(has_line(&page, at, end, want), "%s: %s: no line '%s'",
			    CONF_PAGE, k->name, want);
		} else {
			for (size_t j = at; j < end; j++)
				said_type |= strncmp(page.v[j], "Type: ", 6) == 0;
			ck_assert_msg(said_type, "%s: %s: no 'Type:' line", CONF_PAGE, k->name);
		}

		shipped_default(k, def, sizeof(def));
		snprintf(want, sizeof(want), "Default: %s.", def);
		ck_assert_msg(has_line(&page, at, end, want), "%s: %s: no line '%s'",
		    CONF_PAGE, k->name, want);

		if (has_range(k->type)) {
			format_bound(k->type, k->min, lo, sizeof(lo));
			format_bound(k->type, k->max, hi, sizeof(hi));
			snprintf(want, sizeof(want), "Range: %s to %s.", lo, hi);
			ck_assert_msg(has_line(&page, at, end, want), "%s: %s: no line '%s'",
			    CONF_PAGE, k->name, want);
		}

		ck_assert_msg(has_line(&page, at, end, k->reload ? "SIGHUP applies it." :
		    "Needs a restart."), "%s: %s: expected '%s'", CONF_PAGE, k->name,
		    k->reload ? "SIGHUP applies it." : "Needs a restart.");
		ck_assert_msg(!has_line(&page, at, end, k->reload ? "Needs a restart." :
		    "SIGHUP applies it."), "%s: %s: says both reload and restart",
		    CONF_PAGE, k->name);
	}
	free_lines(&page);
}
END_TEST

START_TEST(every_documented_key_is_known)
{
	struct lines page = read_lines(CONF_PAGE);
	size_t nkeys, documented = 0;
	const struct config_key *keys = config_keys(&nkeys);
	int in_keys = 0;

	for (size_t i = 0; i < page.n; i++) {
		const char *line = page.v[i];
		char name[64];
		int known = 0;

		if (strncmp(line, ".Sh ", 4) == 0)
			in_keys = strcmp(line, ".Sh KEYS") == 0;
		if (!in_keys || sscanf(line, ".It Ic %63s", name) != 1)
			continue;
		documented++;
		for (size_t j = 0; j < nkeys; j++)
			known |= strcmp(keys[j].name, name) == 0;
		ck_assert_msg(known, "%s:%zu: key '%s' is not in the parser's table",
		    CONF_PAGE, i + 1, name);
	}
	ck_assert_uint_ge(documented, nkeys);
	free_lines(&page);
}
END_TEST

START_TEST(every_key_is_in_the_shipped_file)
{
	struct lines conf = read_lines(SHIPPED_CONF);
	size_t nkeys;
	const struct config_key *keys = config_keys(&nkeys);
	char want[PATH_MAX + 64], def[PATH_MAX];

	for (size_t i = 0; i < nkeys; i++) {
		shipped_default(&keys[i], def, sizeof(def));
		snprintf(want, sizeof(want), "#%s = %s", keys[i].name, def);
		ck_assert_msg(has_line(&conf, 0, conf.n, want), "%s: no line '%s'",
		    SHIPPED_CONF, want);
	}
	free_lines(&conf);
}
END_TEST

/* Each "  -c, --config FILE" line of the usage has ".It Fl c ... Fl \-config". */
START_TEST(every_option_is_documented)
{
	struct lines page = read_lines(DAEMON_PAGE);
	FILE *p = popen(DAEMON_PATH " -h", "r");
	char *line = NULL, longopt[64], want_short[16], want_long[80];
	size_t size = 0, options = 0;
	char opt;

	ck_assert_ptr_nonnull(p);
	while (getline(&line, &size, p) != -1) {
		int found = 0;

		if (sscanf(line, "  -%c, --%63[a-z-]", &opt, longopt) != 2)
			continue;
		options++;
		snprintf(want_short, sizeof(want_short), ".It Fl %c", opt);
		snprintf(want_long, sizeof(want_long), "Fl \\-%s", longopt);
		for (size_t i = 0; i < page.n && !found; i++)
			found = strncmp(page.v[i], want_short, strlen(want_short)) == 0 &&
			    (page.v[i][strlen(want_short)] == ' ' ||
			    page.v[i][strlen(want_short)] == '\0') &&
			    strstr(page.v[i], want_long) != NULL;
		ck_assert_msg(found, "%s: no '%s ... %s' for -%c, --%s", DAEMON_PAGE,
		    want_short, want_long, opt, longopt);
	}
	free(line);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_ge(options, 6);	/* -c -l -t -v -V -h at least */
	free_lines(&page);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("manpage");
	TCase *tc = tcase_create("manpage");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_key_has_a_full_entry);
	tcase_add_test(tc, every_documented_key_is_known);
	tcase_add_test(tc, every_key_is_in_the_shipped_file);
	tcase_add_test(tc, every_option_is_documented);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
