/*
 * fuzz_config: config_load() on the input as a config file, and
 * config_parse_listen() on its first line.
 *
 * config.h promises: 0 for a valid file, -1 otherwise, with every problem
 * written as "PATH:LINE: message" (a file that can be read has no problem
 * without a line). So: -1 if and only if something was written; every line
 * written names PATH and a line the file has; and a file taken has every
 * key within its table's bounds and timeout > 2 * heartbeat. A listen
 * address that parses formats back to what parses the same.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_common.h"

static char path[PATH_MAX];
static unsigned long runs, taken, rejected, messages, listens;

/* Lines of the file as getline() counts them. */
static unsigned long
count_lines(const uint8_t *data, size_t size)
{
	unsigned long n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size > 0 && data[size - 1] != '\n');
}

static void
check_messages(const char *out, size_t len, unsigned long nlines)
{
	size_t plen = strlen(path);
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long line;
		char *after;

		if (nl == NULL)
			fuzz_fail("config: a message without a newline: '%.*s'", (int)(end - p), p);
		if ((size_t)(nl - p) <= plen + 1 || strncmp(p, path, plen) != 0 || p[plen] != ':')
			fuzz_fail("config: a message without its path: '%.*s'", (int)(nl - p), p);
		line = strtoul(p + plen + 1, &after, 10);
		if (after == p + plen + 1 || *after != ':' || after[1] != ' ' || after + 2 >= nl)
			fuzz_fail("config: a message without a line: '%.*s'", (int)(nl - p), p);
		if (line == 0 || line > nlines)
			fuzz_fail("config: line %lu of a %lu-line file: '%.*s'", line, nlines,
			    (int)(nl - p), p);
		messages++;
		p = nl + 1;
	}
}

static void
check_config(const struct config *c)
{
	size_t nkeys;
	const struct config_key *k = config_keys(&nkeys);

	for (size_t i = 0; i < nkeys; i++) {
		const char *field = (const char *)c + k[i].offset;
		double v;

		switch (k[i].type) {
		case CONFIG_UINT:
			v = *(const unsigned *)(const void *)field;
			break;
		case CONFIG_SECONDS:
			v = *(const double *)(const void *)field;
			break;
		case CONFIG_SIZE:
			v = (double)*(const size_t *)(const void *)field;
			break;
		case CONFIG_BOOL:
			if (*(const int *)(const void *)field != 0 && *(const int *)(const void *)field != 1)
				fuzz_fail("config: %s is %d", k[i].name, *(const int *)(const void *)field);
			continue;
		case CONFIG_PATH:
			if (field[0] != '/' || memchr(field, '\0', PATH_MAX) == NULL)
				fuzz_fail("config: %s is not an absolute path", k[i].name);
			continue;
		default:
			continue;
		}
		if (!(v >= k[i].min && v <= k[i].max))
			fuzz_fail("config: %s = %g is outside %g .. %g", k[i].name, v, k[i].min, k[i].max);
	}
	if (!(c->timeout > 2ULL * c->heartbeat))
		fuzz_fail("config: timeout %u with heartbeat %u", c->timeout, c->heartbeat);
}

static void
check_listen(const uint8_t *data, size_t size)
{
	struct config_listen l, again;
	char text[512], formatted[128];
	const char *why = NULL;
	unsigned char addr[16];
	size_t n = 0;

	while (n < size && n < sizeof(text) - 1 && data[n] != '\n' && data[n] != '\0')
		n++;
	memcpy(text, data, n);
	text[n] = '\0';
	if (config_parse_listen(text, &l, &why) == -1) {
		if (why == NULL || *why == '\0')
			fuzz_fail("listen: '%s' rejected without a reason", text);
		return;
	}
	listens++;
	if ((l.family != AF_INET && l.family != AF_INET6) || l.port > 65535 ||
	    memchr(l.host, '\0', sizeof(l.host)) == NULL || inet_pton(l.family, l.host, addr) != 1)
		fuzz_fail("listen: '%s' gave family %d host '%.64s' port %u", text, l.family, l.host,
		    l.port);
	config_format_listen(&l, formatted, sizeof(formatted));
	if (config_parse_listen(formatted, &again, &why) == -1 || again.family != l.family ||
	    again.port != l.port || strcmp(again.host, l.host) != 0)
		fuzz_fail("listen: '%s' formats as '%s', which does not parse the same", text, formatted);
}

static void
report(void)
{
	printf("fuzz_config: %lu runs; %lu files taken, %lu rejected with %lu messages; "
	    "%lu listen addresses parsed\n", runs, taken, rejected, messages, listens);
	fflush(stdout);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/fuzz.conf", fuzz_scratch());
	atexit(report);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char *out = NULL;
	size_t len = 0;
	FILE *errors;
	int rc;

	runs++;
	fuzz_write(fuzz_scratch(), "fuzz.conf", data, size);
	if ((errors = open_memstream(&out, &len)) == NULL)
		fuzz_fail("open_memstream failed");
	rc = config_load(path, &c, errors);
	fclose(errors);
	if (rc != 0 && rc != -1)
		fuzz_fail("config_load returned %d", rc);
	if ((rc == 0) != (len == 0))
		fuzz_fail("config_load returned %d with %zu bytes of messages: '%s'", rc, len, out);
	check_messages(out, len, count_lines(data, size));
	if (rc == 0) {
		taken++;
		check_config(&c);
	} else {
		rejected++;
	}
	free(out);
	check_listen(data, size);
	return 0;
}
