/* test_dirs.c - socket-dirs expansion and de-duplication. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"
#include "tests.h"

static const struct sockdir_user user = {
	1000, 1001, "alice", "/home/alice", "/run/user/1000",
};
static const struct sockdir_user user_no_xdg = {
	1000, 1001, "alice", "/home/alice", NULL,
};

static void
test_expand_table(void)
{
	static const struct {
		const char			*in;
		const struct sockdir_user	*u;
		int				 ret;
		const char			*out;
	} t[] = {
		{ "/run/xpra", &user, 0, "/run/xpra" },
		{ "~/.xpra", &user, 0, "/home/alice/.xpra" },
		{ "~", &user, 0, "/home/alice" },
		{ "$XDG_RUNTIME_DIR/xpra", &user, 0, "/run/user/1000/xpra" },
		{ "$XDG_RUNTIME_DIR/xpra", &user_no_xdg, 0,
		    "/run/user/1000/xpra" },
		{ "${XDG_RUNTIME_DIR}/xpra", &user, 0, "/run/user/1000/xpra" },
		{ "/run/user/$UID/xpra", &user, 0, "/run/user/1000/xpra" },
		{ "/tmp/$UID-$GID", &user, 0, "/tmp/1000-1001" },
		{ "$HOME/x", &user, 0, "/home/alice/x" },
		{ "/srv/$USER/s", &user, 0, "/srv/alice/s" },
		{ "/srv/${USER}x", &user, 0, "/srv/alicex" },
		{ "/tmp/$NOPE/x", &user, -ENOENT, NULL },
		{ "/tmp/$PID", &user, -ENOENT, NULL },
		{ "/tmp/${UID", &user, -ENOENT, NULL },
		{ "/tmp/$", &user, -ENOENT, NULL },
		{ "relative/dir", &user, -EINVAL, NULL },
		{ "~other/x", &user, -EINVAL, NULL },
		{ "", &user, -EINVAL, NULL },
	};
	char buf[PATH_MAX];
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = sockdir_expand(t[i].in, t[i].u, buf, sizeof(buf));
		CU_ASSERT_EQUAL(r, t[i].ret);
		if (r != t[i].ret)
			fprintf(stderr, "\n  expand(\"%s\") = %d\n", t[i].in, r);
		if (r == 0 && t[i].out != NULL)
			CU_ASSERT_STRING_EQUAL(buf, t[i].out);
	}
	CU_ASSERT_EQUAL(sockdir_expand("~/.xpra", &user, buf, 8),
	    -ENAMETOOLONG);
}

/*
 * Kept as configured (xpra 3.1 lists "/x/a/" as "/x/a/"), told apart by
 * the directory's identity, never resolved through a symlink: a symlinked
 * entry stays in the list, once, so that its lookup says it is ignored.
 */
static void
test_resolve_dedup(void)
{
	struct strlist in = STRLIST_INIT, out = STRLIST_INIT;
	struct sockdir_user me = user;
	const char *d = fixture_dir();
	char a[PATH_MAX], a_slash[PATH_MAX + 1], a_dbl[PATH_MAX + 1];
	char b[PATH_MAX], link[PATH_MAX], missing[PATH_MAX];

	me.uid = getuid();		/* the fixture's owner */
	snprintf(a, sizeof(a), "%s/a", d);
	snprintf(a_slash, sizeof(a_slash), "%s/", a);
	snprintf(a_dbl, sizeof(a_dbl), "%s//a", d);
	snprintf(b, sizeof(b), "%s/b", d);
	snprintf(link, sizeof(link), "%s/link", d);
	snprintf(missing, sizeof(missing), "%s/missing", d);
	CU_ASSERT_EQUAL(mkdir(a, 0700), 0);
	CU_ASSERT_EQUAL(mkdir(b, 0700), 0);
	CU_ASSERT_EQUAL(symlink(a, link), 0);
	strlist_add(&in, b);
	strlist_add(&in, missing);
	strlist_add(&in, link);		/* a symlink: kept, never resolved */
	strlist_add(&in, a_slash);	/* a, spelt as configured */
	strlist_add(&in, a);		/* the same directory again */
	strlist_add(&in, a_dbl);	/* and again */
	strlist_add(&in, "/nonexistent/$NOPE");
	strlist_add(&in, b);
	strlist_add(&in, link);
	CU_ASSERT_EQUAL(sockdir_resolve(&in, &me, &out), 0);
	CU_ASSERT_EQUAL_FATAL(out.n, 3);
	CU_ASSERT_STRING_EQUAL(out.v[0], b);
	CU_ASSERT_STRING_EQUAL(out.v[1], link);
	CU_ASSERT_STRING_EQUAL(out.v[2], a_slash);
	strlist_clear(&in);
	strlist_clear(&out);
	CU_ASSERT_EQUAL(out.n, 0);
	strlist_clear(NULL);
}

static void
test_strlist_split(void)
{
	struct strlist l = STRLIST_INIT;

	CU_ASSERT_EQUAL(strlist_add_split(&l, "/a::/b:"), 0);
	CU_ASSERT_EQUAL(strlist_add_split(&l, "/c"), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_STRING_EQUAL(l.v[0], "/a");
	CU_ASSERT_STRING_EQUAL(l.v[1], "/b");
	CU_ASSERT_STRING_EQUAL(l.v[2], "/c");
	strlist_clear(&l);
}

CU_TestInfo dirs_tests[] = {
	{ "sockdir_expand: ~, $UID, $GID, $HOME, $USER, $XDG_RUNTIME_DIR, "
	    "unknown skipped", test_expand_table },
	{ "sockdir_resolve: configured names kept, same directory once, "
	    "symlinks not resolved, missing skipped", test_resolve_dedup },
	{ "strlist_add_split: colon lists, empty parts dropped",
	    test_strlist_split },
	CU_TEST_INFO_NULL,
};
