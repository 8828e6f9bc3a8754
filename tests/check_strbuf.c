/* strbuf: growth, formatting, HTML escaping, detach. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

START_TEST(grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	size_t len;

	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%04d,", i);
	ck_assert_uint_eq(sb.len, 5000);
	ck_assert_uint_eq(strlen(sb.data), 5000);
	ck_assert(memcmp(sb.data + 4995, "0999,", 5) == 0);
	/* One formatted piece larger than the spare room. */
	strbuf_printf(&sb, "%3000s", "x");
	ck_assert_uint_eq(sb.len, 8000);
	p = strbuf_detach(&sb, &len);
	ck_assert_uint_eq(len, 8000);
	ck_assert_ptr_null(sb.data);
	ck_assert_uint_eq(sb.len, 0);
	free(p);
}
END_TEST

START_TEST(detach_empty_gives_empty_string)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *p = strbuf_detach(&sb, &len);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	free(p);
}
END_TEST

static const struct {
	const char *in, *out;
} html_cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "a&b \"c\" 'd'", "a&amp;b &quot;c&quot; &#39;d&#39;" },
	{ "&&", "&amp;&amp;" },
	{ "tail<", "tail&lt;" },
	/* The page's text is UTF-8 like the JSON's: a stray byte is U+FFFD. */
	{ "caf\xc3\xa9 <\xe2\x82\xac>", "caf\xc3\xa9 &lt;\xe2\x82\xac&gt;" },
	{ "a\xff\xfe<b", "a\xef\xbf\xbd\xef\xbf\xbd&lt;b" },
	{ "cut \xc3", "cut \xef\xbf\xbd" },				/* truncated at the end */
	{ "\xc3<", "\xef\xbf\xbd&lt;" },				/* a lead byte before '<' */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* a surrogate */
	/* A CR would be a line break in SSE data: kept as a character. */
	{ "a\rb\r\nc", "a&#13;b&#13;\nc" },
};

START_TEST(html_escape)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_put_html(&sb, html_cases[_i].in);
	ck_assert_str_eq(sb.data ? sb.data : "", html_cases[_i].out);
	strbuf_free(&sb);
}
END_TEST

static const struct {
	const char *in, *out;
} utf8_cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	{ "a\xff" "b", "a\xef\xbf\xbd" "b" },			/* never a UTF-8 byte */
	{ "caf\xe9", "caf\xef\xbf\xbd" },			/* Latin-1 */
	{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },		/* cut short at the end */
	{ "\xe2\x82x", "\xef\xbf\xbd\xef\xbf\xbdx" },	/* cut short mid-string */
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong '/' */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* a surrogate */
	{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* past U+10FFFF */
};

START_TEST(utf8_replaces_what_is_not)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_put_utf8(&sb, utf8_cases[_i].in);
	ck_assert_str_eq(sb.data ? sb.data : "", utf8_cases[_i].out);
	strbuf_free(&sb);
}
END_TEST

START_TEST(reset_keeps_allocation)
{
	struct strbuf sb = STRBUF_INIT;
	char *before;

	strbuf_puts(&sb, "hello");
	before = sb.data;
	strbuf_reset(&sb);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb.data, "");
	strbuf_putc(&sb, 'x');
	ck_assert_ptr_eq(sb.data, before);
	ck_assert_str_eq(sb.data, "x");
	strbuf_free(&sb);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, grows_and_formats);
	tcase_add_test(tc, detach_empty_gives_empty_string);
	tcase_add_loop_test(tc, html_escape, 0, sizeof(html_cases) / sizeof(html_cases[0]));
	tcase_add_test(tc, reset_keeps_allocation);
	tcase_add_loop_test(tc, utf8_replaces_what_is_not, 0,
	    sizeof(utf8_cases) / sizeof(utf8_cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
