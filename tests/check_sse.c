/* SSE framing: every data line survives, whatever its line ends. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

static const struct {
	const char *name;
	uint64_t id;
	const char *data;
	const char *framed;
} cases[] = {
	{ "snapshot", 7, "{\"a\":1}", "event: snapshot\nid: 7\ndata: {\"a\":1}\n\n" },
	{ NULL, SSE_NO_ID, "x", "data: x\n\n" },
	/* Empty data: one empty data line, which a client still dispatches. */
	{ "ping", SSE_NO_ID, "", "event: ping\ndata: \n\n" },
	{ "html", 1, "<a>\n<b>", "event: html\nid: 1\ndata: <a>\ndata: <b>\n\n" },
	/* A lone CR is a line end to a client: it must split the line too. */
	{ NULL, 2, "a\rb", "id: 2\ndata: a\ndata: b\n\n" },
	{ NULL, 3, "a\r\nb", "id: 3\ndata: a\ndata: b\n\n" },
	{ NULL, 4, "a\n\nb", "id: 4\ndata: a\ndata: \ndata: b\n\n" },
	/* A final line end is kept: the client's data ends with "\n". */
	{ NULL, 5, "a\n", "id: 5\ndata: a\ndata: \n\n" },
	{ NULL, 6, "\r\n\r", "id: 6\ndata: \ndata: \ndata: \n\n" },
	/* A leading space survives: the client strips only the one we add. */
	{ NULL, 0, " lead", "id: 0\ndata:  lead\n\n" },
	{ NULL, UINT64_MAX - 1, "big", "id: 18446744073709551614\ndata: big\n\n" },
};

START_TEST(frames)
{
	struct strbuf sb = STRBUF_INIT;

	sse_frame(&sb, cases[_i].name, cases[_i].id, cases[_i].data, strlen(cases[_i].data));
	ck_assert_str_eq(sb.data, cases[_i].framed);
	ck_assert_uint_eq(sb.len, strlen(cases[_i].framed));
	strbuf_free(&sb);
}
END_TEST

START_TEST(data_with_nul_bytes_is_length_bound)
{
	struct strbuf sb = STRBUF_INIT;
	const char data[] = { 'a', 'b', 'c' };

	sse_frame(&sb, NULL, SSE_NO_ID, data, 2);
	ck_assert_str_eq(sb.data, "data: ab\n\n");
	strbuf_free(&sb);
}
END_TEST

START_TEST(appends_to_existing)
{
	struct strbuf sb = STRBUF_INIT;

	sse_frame(&sb, "a", 1, "1", 1);
	sse_frame(&sb, "b", 1, "2", 1);
	ck_assert_str_eq(sb.data, "event: a\nid: 1\ndata: 1\n\nevent: b\nid: 1\ndata: 2\n\n");
	strbuf_free(&sb);
}
END_TEST

START_TEST(comments)
{
	struct strbuf sb = STRBUF_INIT;

	sse_comment(&sb, "keep-alive");
	sse_comment(&sb, NULL);
	ck_assert_str_eq(sb.data, ": keep-alive\n\n:\n\n");
	strbuf_free(&sb);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = tcase_create("framing");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, frames, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, data_with_nul_bytes_is_length_bound);
	tcase_add_test(tc, appends_to_existing);
	tcase_add_test(tc, comments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
