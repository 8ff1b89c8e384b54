/* test_display.c - the display grammar, table-driven. */
#include <errno.h>
#include <string.h>

#include "sockdir.h"
#include "tests.h"

static void
test_display_table(void)
{
	static const struct {
		const char		*in;
		int			 ret;
		enum display_kind	 kind;
		unsigned int		 number;
		const char		*path;
	} t[] = {
		{ ":100", 0, DISPLAY_NUMBER, 100, NULL },
		{ "100", 0, DISPLAY_NUMBER, 100, NULL },
		{ ":0", 0, DISPLAY_NUMBER, 0, NULL },
		{ "0", 0, DISPLAY_NUMBER, 0, NULL },
		{ ":100.0", 0, DISPLAY_NUMBER, 100, NULL },
		{ "100.2", 0, DISPLAY_NUMBER, 100, NULL },
		{ ":100,opt=val", 0, DISPLAY_NUMBER, 100, NULL },
		{ "wayland-0", 0, DISPLAY_WAYLAND, 0, NULL },
		{ "wayland-12,x=y", 0, DISPLAY_WAYLAND, 12, NULL },
		{ ":wayland-2", 0, DISPLAY_WAYLAND, 2, NULL },	/* list's label */
		{ ":wayland-2,x=y", 0, DISPLAY_WAYLAND, 2, NULL },
		{ "/run/x/sock", 0, DISPLAY_PATH, 0, "/run/x/sock" },
		{ "socket:///run/x/sock", 0, DISPLAY_PATH, 0, "/run/x/sock" },
		{ "socket:/run/x/sock", 0, DISPLAY_PATH, 0, "/run/x/sock" },
		{ "/run/x/sock,a=b", 0, DISPLAY_PATH, 0, "/run/x/sock" },
		{ ":2147483647", 0, DISPLAY_NUMBER, 2147483647, NULL },
		{ ":2147483648", -EINVAL, 0, 0, NULL },
		{ ":99999999999999999999", -EINVAL, 0, 0, NULL },
		{ "", -EINVAL, 0, 0, NULL },
		{ ":", -EINVAL, 0, 0, NULL },
		{ ":-1", -EINVAL, 0, 0, NULL },
		{ ":+1", -EINVAL, 0, 0, NULL },
		{ ":0100", -EINVAL, 0, 0, NULL },
		{ ":0x10", -EINVAL, 0, 0, NULL },
		{ ":1e3", -EINVAL, 0, 0, NULL },
		{ ": 1", -EINVAL, 0, 0, NULL },
		{ ":1 ", -EINVAL, 0, 0, NULL },
		{ ":abc", -EINVAL, 0, 0, NULL },
		{ "::1", -EINVAL, 0, 0, NULL },
		{ ":100.", -EINVAL, 0, 0, NULL },
		{ ":100.x", -EINVAL, 0, 0, NULL },
		{ "wayland-", -EINVAL, 0, 0, NULL },
		{ "wayland-x", -EINVAL, 0, 0, NULL },
		{ ":wayland-", -EINVAL, 0, 0, NULL },
		{ "::wayland-2", -EINVAL, 0, 0, NULL },
		{ ":wayland-02", -EINVAL, 0, 0, NULL },
		{ "mysession", -EINVAL, 0, 0, NULL },
		{ "relative/path", -EINVAL, 0, 0, NULL },
		{ "socket:relative", -EINVAL, 0, 0, NULL },
		{ "socket:", -EINVAL, 0, 0, NULL },
		{ "@xpra/100", -EINVAL, 0, 0, NULL },
		{ "/", -EINVAL, 0, 0, NULL },
	};
	struct display d;
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&d, 0x5a, sizeof(d));
		r = display_parse(t[i].in, &d);
		CU_ASSERT_EQUAL(r, t[i].ret);
		if (r != t[i].ret)
			fprintf(stderr, "\n  display_parse(\"%s\") = %d\n",
			    t[i].in, r);
		if (r < 0) {
			/* untouched on failure */
			CU_ASSERT_EQUAL(d.number, 0x5a5a5a5aU);
			continue;
		}
		CU_ASSERT_EQUAL(d.kind, t[i].kind);
		if (t[i].kind != DISPLAY_PATH)
			CU_ASSERT_EQUAL(d.number, t[i].number);
		if (t[i].path != NULL)
			CU_ASSERT_STRING_EQUAL(d.path, t[i].path);
	}
}

static void
test_display_too_long(void)
{
	char s[PATH_MAX + 16];
	struct display d;

	memset(s, 'a', sizeof(s));
	s[0] = '/';
	s[sizeof(s) - 1] = '\0';
	CU_ASSERT_EQUAL(display_parse(s, &d), -ENAMETOOLONG);
}

static void
test_display_names(void)
{
	struct display d;
	char buf[64];

	CU_ASSERT_EQUAL(display_parse(":7.1", &d), 0);
	CU_ASSERT_EQUAL(display_label(&d, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, ":7");
	CU_ASSERT_EQUAL(display_flat_name(&d, "host", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "host-7");
	CU_ASSERT_EQUAL(display_flat_name(&d, "host", buf, 6), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(display_parse("wayland-3", &d), 0);
	CU_ASSERT_EQUAL(display_label(&d, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "wayland-3");
	CU_ASSERT_EQUAL(display_flat_name(&d, "h", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "h-wayland-3");
	CU_ASSERT_EQUAL(display_parse("/a/b", &d), 0);
	CU_ASSERT_EQUAL(display_flat_name(&d, "h", buf, sizeof(buf)), -EINVAL);
}

static void
test_session_names(void)
{
	static const char *const good[] = { "work", "my-session", "a.b_c",
	    "4922abc", "x", "wayland", "proxy-1", "1.2a",
	    "a234567890123456789012345678901234567890123456789012345678901234" };
	static const char *const bad[] = { "", "100", ":100", "wayland-1",
	    "-x", ".x", "_x", "a/b", "a b", "a:b", "socket:///x", "/x",
	    "wayland-x", "my-wayland-1", "0100", "1.2.3", "1.",
	    "\xc3\xa9t\xc3\xa9",
	    "12345678901234567890123456789012345678901234567890123456789012345" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT(session_name_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT(!session_name_valid(bad[i]));
		if (session_name_valid(bad[i]))
			fprintf(stderr, "\n  name '%s' taken\n", bad[i]);
	}
}

CU_TestInfo display_tests[] = {
	{ "display_parse: every form, every refusal, untouched on error",
	    test_display_table },
	{ "display_parse: a path longer than PATH_MAX is refused",
	    test_display_too_long },
	{ "display_label and display_flat_name: xpra's names",
	    test_display_names },
	{ "session_name_valid: names, never a display or a path",
	    test_session_names },
	CU_TEST_INFO_NULL,
};
