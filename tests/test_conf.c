/* test_conf.c - xpra's configuration files: lines, and precedence. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sockdir.h"
#include "tests.h"

static void
test_split_line_table(void)
{
	static const struct {
		const char	*line;
		int		 ret;
		const char	*key, *value;
	} t[] = {
		{ "socket-dirs = /run/xpra\n", 0, "socket-dirs", "/run/xpra" },
		{ "socket-dirs=/a:/b", 0, "socket-dirs", "/a:/b" },
		{ "  socket-dirs\t=\t~/.xpra  \r\n", 0, "socket-dirs", "~/.xpra" },
		{ "mmap", 0, "mmap", "" },
		{ "key = a = b", 0, "key", "a = b" },
		{ "# socket-dirs = /x", -ENOENT, NULL, NULL },
		{ "   # comment", -ENOENT, NULL, NULL },
		{ "", -ENOENT, NULL, NULL },
		{ " \t \n", -ENOENT, NULL, NULL },
	};
	char buf[256], *key, *value;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		strlcpy(buf, t[i].line, sizeof(buf));
		key = value = NULL;
		CU_ASSERT_EQUAL(conf_split_line(buf, &key, &value), t[i].ret);
		if (t[i].ret < 0) {
			CU_ASSERT_PTR_NULL(key);
			continue;
		}
		CU_ASSERT_STRING_EQUAL(key, t[i].key);
		CU_ASSERT_STRING_EQUAL(value, t[i].value);
	}
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void
test_conf_precedence(void)
{
	struct strlist l = STRLIST_INIT;
	const char *d = fixture_dir();
	char sub[PATH_MAX];

	/* No directory at all, then no setting: 0. */
	CU_ASSERT_EQUAL(conf_socket_dirs("/nonexistent/xpra", &l), 0);
	write_file(fixture_path(d, "xpra.conf"), "mmap = yes\n");
	CU_ASSERT_EQUAL(conf_socket_dirs(d, &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);

	/* Repeated keys in one file build a list, ':' splits. */
	write_file(fixture_path(d, "xpra.conf"),
	    "socket-dirs = /run/user/$UID/xpra\n#socket-dirs = /no\n"
	    "socket-dirs = /run/xpra:~/.xpra\n");
	CU_ASSERT_EQUAL(conf_socket_dirs(d, &l), 1);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_STRING_EQUAL(l.v[0], "/run/user/$UID/xpra");
	CU_ASSERT_STRING_EQUAL(l.v[2], "~/.xpra");
	strlist_clear(&l);

	/*
	 * conf.d/ files in name order, xpra.conf last: xpra.conf's list
	 * wins whole over every conf.d/ file (xpra 3.1.3 conf_files()).
	 */
	snprintf(sub, sizeof(sub), "%s/conf.d", d);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	write_file(fixture_path(sub, "10_network.conf"), "socket-dirs = /ten\n");
	write_file(fixture_path(sub, "50_other.conf"), "speaker = off\n");
	write_file(fixture_path(sub, "90_local.conf"),
	    "socket-dirs = /ninety\nsocket-dirs = /ninety2\n");
	write_file(fixture_path(sub, "95_notconf.txt"), "socket-dirs = /no\n");
	CU_ASSERT_EQUAL(conf_socket_dirs(d, &l), 1);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_STRING_EQUAL(l.v[0], "/run/user/$UID/xpra");
	CU_ASSERT_STRING_EQUAL(l.v[2], "~/.xpra");
	strlist_clear(&l);

	/* Without it in xpra.conf, the last conf.d/ file by name wins. */
	write_file(fixture_path(d, "xpra.conf"), "mmap = yes\n");
	CU_ASSERT_EQUAL(conf_socket_dirs(d, &l), 1);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_STRING_EQUAL(l.v[0], "/ninety");
	CU_ASSERT_STRING_EQUAL(l.v[1], "/ninety2");
	strlist_clear(&l);
}

/*
 * Debian's layout: the admin sets socket-dirs in xpra.conf, the package's
 * conf.d/10_network.conf sets its own.  xpra 3.1 to 5.x use the admin's.
 */
static void
test_conf_admin_wins(void)
{
	struct strlist l = STRLIST_INIT;
	const char *d = fixture_dir();
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/conf.d", d);
	CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
	write_file(fixture_path(sub, "10_network.conf"),
	    "#socket-dirs = /tmp\nsocket-dirs = /run/user/$UID/xpra\n"
	    "socket-dirs = /run/xpra\nsocket-dirs = ~/.xpra\n");
	write_file(fixture_path(d, "xpra.conf"), "socket-dirs = /srv/admin\n");
	CU_ASSERT_EQUAL(conf_socket_dirs(d, &l), 1);
	CU_ASSERT_EQUAL_FATAL(l.n, 1);
	CU_ASSERT_STRING_EQUAL(l.v[0], "/srv/admin");
	strlist_clear(&l);
}

CU_TestInfo conf_tests[] = {
	{ "conf_split_line: key = value, bare keys, comments",
	    test_split_line_table },
	{ "conf_socket_dirs: lists per file, conf.d/ in name order, then "
	    "xpra.conf, last file wins", test_conf_precedence },
	{ "conf_socket_dirs: the admin's xpra.conf beats the packaged "
	    "conf.d/10_network.conf", test_conf_admin_wins },
	CU_TEST_INFO_NULL,
};
