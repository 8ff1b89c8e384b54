/*
 * test_sockdir.c - real sockets in temporary directories: states, order,
 * trust, long paths, the kernel's listener table, and one connection only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stddef.h>

#include "sockdir.h"
#include "tests.h"

#define HOST	"testhost"
#define OTHER_UID	65534

static int skips;

static void
count_skip(void *arg, const char *path, const struct sock_probe *p)
{
	(void)arg;
	(void)path;
	(void)p;
	skips++;
}

/* Connect to display n over dirs (a NULL-terminated list). */
static int
lookup(const char *const *dirs, const char *disp, struct sockdir_lookup *l,
    struct strlist *list)
{
	struct display d;
	size_t i;

	for (i = 0; dirs[i] != NULL; i++)
		strlist_add(list, dirs[i]);
	memset(l, 0, sizeof(*l));
	l->dirs = list;
	l->host = HOST;
	l->uid = getuid();
	l->timeout_ms = 1000;
	l->skipped = count_skip;
	skips = 0;
	CU_ASSERT_EQUAL_FATAL(display_parse(disp, &d), 0);
	return sockdir_connect(l, &d);
}

/* Accept the one pending connection, and make sure there is no second. */
static void
assert_one_connection(int lfd)
{
	int c;

	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CU_ASSERT(c >= 0);
	if (c >= 0)
		close(c);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	CU_ASSERT_EQUAL(accept4(lfd, NULL, NULL, 0), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
}

static void
test_order_and_one_connection(void)
{
	const char *d1 = strdup(fixture_dir()), *d2 = strdup(fixture_dir());
	const char *dirs[] = { d1, d2, NULL };
	struct strlist list = STRLIST_INIT;
	struct sockdir_lookup l;
	char sess[PATH_MAX];
	int flat1, sess1, live2, fd;

	/* d1: stale session socket, live flat; d2: live flat. */
	snprintf(sess, sizeof(sess), "%s/5", d1);
	CU_ASSERT_EQUAL(mkdir(sess, 0700), 0);
	fixture_stale(fixture_path(sess, "socket"));
	flat1 = fixture_listen(fixture_path(d1, HOST "-5"));
	live2 = fixture_listen(fixture_path(d2, HOST "-5"));
	fd = lookup(dirs, ":5", &l, &list);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_STRING_EQUAL(l.path, fixture_path(d1, HOST "-5"));
	CU_ASSERT(l.newest_stale != 0);		/* it saw the stale one */
	assert_one_connection(flat1);
	close(fd);

	/* Now a live session socket in d1 comes first. */
	unlink(fixture_path(sess, "socket"));
	sess1 = fixture_listen(fixture_path(sess, "socket"));
	fd = lookup(dirs, "5", &l, &list);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_STRING_EQUAL(l.path, fixture_path(sess, "socket"));
	assert_one_connection(sess1);
	close(fd);

	/* d1 all stale: d2's live one. */
	close(sess1);
	close(flat1);
	fd = lookup(dirs, ":5", &l, &list);
	CU_ASSERT_STRING_EQUAL(l.path, fixture_path(d2, HOST "-5"));
	assert_one_connection(live2);
	close(fd);
	close(live2);

	/* Everything stale: -ECONNREFUSED; another display: -ENOENT. */
	CU_ASSERT_EQUAL(lookup(dirs, ":5", &l, &list), -ECONNREFUSED);
	CU_ASSERT(l.newest_stale > 0);
	CU_ASSERT_EQUAL(lookup(dirs, ":6", &l, &list), -ENOENT);
	CU_ASSERT_EQUAL(l.newest_stale, 0);
	strlist_clear(&list);
	free((void *)d1);
	free((void *)d2);
}

static void
test_untrusted_candidates(void)
{
	const char *d = strdup(fixture_dir()), *target = strdup(fixture_dir());
	const char *dirs[] = { d, NULL };
	struct strlist list = STRLIST_INIT;
	struct sockdir_lookup l;
	struct sock_probe p;
	int lfd, dfd;

	/* A symlink to a live socket of ours is never followed. */
	lfd = fixture_listen(fixture_path(target, "real"));
	CU_ASSERT_EQUAL(symlink(fixture_path(target, "real"),
	    fixture_path(d, HOST "-1")), 0);
	CU_ASSERT_EQUAL(lookup(dirs, ":1", &l, &list), -EACCES);
	CU_ASSERT(l.saw_inaccessible);
	CU_ASSERT_EQUAL(skips, 1);
	dfd = trust_open_dir(d, getuid());
	CU_ASSERT(dfd >= 0);
	CU_ASSERT(sock_connect_at(dfd, HOST "-1", getuid(), 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_SYMLINK);
	CU_ASSERT_EQUAL(sock_state_of(p.verdict), SOCK_INACCESSIBLE);

	/* A regular file or a FIFO is not a socket. */
	close(open(fixture_path(d, HOST "-2"), O_CREAT | O_WRONLY, 0600));
	CU_ASSERT(sock_connect_at(dfd, HOST "-2", getuid(), 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_NOT_SOCKET);
	CU_ASSERT_EQUAL(mkfifo(fixture_path(d, HOST "-3"), 0600), 0);
	CU_ASSERT(sock_connect_at(dfd, HOST "-3", getuid(), 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_NOT_SOCKET);
	CU_ASSERT(sock_connect_at(dfd, HOST "-4", getuid(), 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_MISSING);
	close(dfd);
	close(lfd);
	strlist_clear(&list);
	free((void *)d);
	free((void *)target);
}

static void
test_foreign_owner_and_peer(void)
{
	const char *d = strdup(fixture_dir());
	struct sock_probe p;
	int lfd, dfd, fd;

	if (getuid() != 0) {
		fprintf(stderr, "\n  (not root: foreign owner/peer skipped)\n");
		free((void *)d);
		return;
	}
	lfd = fixture_listen(fixture_path(d, HOST "-1"));
	/* Owned by another uid: never connected to. */
	CU_ASSERT_EQUAL(chown(fixture_path(d, HOST "-1"), OTHER_UID, 0), 0);
	dfd = trust_open_dir(d, 0);
	CU_ASSERT_FATAL(dfd >= 0);
	CU_ASSERT(sock_connect_at(dfd, HOST "-1", 0, 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_FOREIGN_OWNER);
	CU_ASSERT_EQUAL(p.owner, OTHER_UID);
	close(dfd);
	/* Seen as that uid: the file is theirs, but root listens. */
	CU_ASSERT_EQUAL(chown(d, OTHER_UID, 0), 0);
	dfd = trust_open_dir(d, OTHER_UID);
	CU_ASSERT_FATAL(dfd >= 0);
	fd = sock_connect_at(dfd, HOST "-1", OTHER_UID, 1000, &p);
	CU_ASSERT(fd < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_FOREIGN_PEER);
	CU_ASSERT_EQUAL(p.peer, 0);
	close(dfd);
	close(lfd);
	free((void *)d);
}

static void
test_directory_trust(void)
{
	const char *d = strdup(fixture_dir());
	char sub[PATH_MAX + 16], sticky[PATH_MAX];
	int fd;

	fd = trust_open_dir(d, getuid());
	CU_ASSERT(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(trust_open_dir("relative", getuid()), -EINVAL);
	CU_ASSERT_EQUAL(trust_open_dir("/nonexistent/x", getuid()), -ENOENT);
	/* group-writable, not sticky: refused */
	snprintf(sub, sizeof(sub), "%s/gw", d);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	CU_ASSERT_EQUAL(chmod(sub, 0770), 0);
	CU_ASSERT_EQUAL(trust_open_dir(sub, getuid()), -EPERM);
	/* a symlinked component: refused */
	CU_ASSERT_EQUAL(symlink(d, fixture_path(d, "link")), 0);
	snprintf(sub, sizeof(sub), "%s/link/gw", d);
	CU_ASSERT_EQUAL(trust_open_dir(sub, getuid()), -ELOOP);
	/* a file is not a directory */
	close(open(fixture_path(d, "file"), O_CREAT | O_WRONLY, 0600));
	CU_ASSERT_EQUAL(trust_open_dir(fixture_path(d, "file"), getuid()),
	    -ENOTDIR);
	/* root-owned, group-writable and sticky, like /run/xpra: trusted */
	if (getuid() == 0) {
		snprintf(sticky, sizeof(sticky), "%s/shared", d);
		CU_ASSERT_EQUAL(mkdir(sticky, 0700), 0);
		CU_ASSERT_EQUAL(chmod(sticky, 01775), 0);
		fd = trust_open_dir(sticky, OTHER_UID);
		CU_ASSERT(fd >= 0);
		close(fd);
		/* a session directory must be the user's own */
		snprintf(sub, sizeof(sub), "%s/7", sticky);
		CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
		fd = trust_open_dir(sticky, 0);
		CU_ASSERT_EQUAL(trust_open_subdir(fd, "7", OTHER_UID), -EPERM);
		close(fd);
	}
	free((void *)d);
}

static void
test_long_path(void)
{
	char deep[PATH_MAX], *p;
	const char *dirs[] = { deep, NULL };
	struct strlist list = STRLIST_INIT;
	struct sockdir_lookup l;
	int lfd, fd, i;

	p = deep + strlcpy(deep, fixture_dir(), sizeof(deep));
	for (i = 0; i < 6; i++) {
		p += snprintf(p, sizeof(deep) - (size_t)(p - deep),
		    "/%030d", i);
		CU_ASSERT_EQUAL_FATAL(mkdir(deep, 0700), 0);
	}
	CU_ASSERT(strlen(fixture_path(deep, HOST "-3")) > 108);
	lfd = fixture_listen(fixture_path(deep, HOST "-3"));
	fd = lookup(dirs, ":3", &l, &list);
	CU_ASSERT(fd >= 0);
	CU_ASSERT(strlen(l.path) > 108);
	assert_one_connection(lfd);
	close(fd);
	close(lfd);
	strlist_clear(&list);
}

struct seen {
	int	n;
	char	labels[8][SOCKDIR_LABEL_MAX];
	enum sock_state states[8];
	char	keys[8][256], paths[8][256];	/* the fixture's are short */
};

static void
record(void *arg, const struct sockdir_entry *e)
{
	struct seen *s = arg;

	if (s->n < 8) {
		strlcpy(s->labels[s->n], e->label, SOCKDIR_LABEL_MAX);
		s->states[s->n] = e->state;
		strlcpy(s->keys[s->n], e->key, sizeof(s->keys[0]));
		strlcpy(s->paths[s->n], e->path, sizeof(s->paths[0]));
	}
	s->n++;
}

static void
check_scan(const char *d, const struct sock_listeners *ls)
{
	/* xpra 3.1.3 labels HOST-wayland-0 ":wayland-0" */
	static const char *labels[] = { ":2", ":10", ":10", ":9",
	    ":wayland-0" };
	static const enum sock_state states[] = { SOCK_UNKNOWN, SOCK_LIVE,
	    SOCK_LIVE, SOCK_UNKNOWN, SOCK_LIVE };
	struct seen s = { 0 };
	int i;

	CU_ASSERT_EQUAL(sockdir_scan(d, HOST, getuid(), ls, record, &s), 5);
	CU_ASSERT_EQUAL_FATAL(s.n, 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_STRING_EQUAL(s.labels[i], labels[i]);
		CU_ASSERT_EQUAL(s.states[i], states[i]);
	}
}

static void
test_scan_and_listeners(void)
{
	const char *d = strdup(fixture_dir());
	const struct sock_listener *l;
	struct sock_listeners ls;
	char sub[PATH_MAX];
	int l10, s10, lw;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/10", d);
	mkdir(sub, 0700);
	s10 = fixture_listen(fixture_path(sub, "socket"));
	snprintf(sub, sizeof(sub), "%s/2", d);
	mkdir(sub, 0700);
	fixture_stale(fixture_path(sub, "socket"));
	l10 = fixture_listen(fixture_path(d, HOST "-10"));
	fixture_stale(fixture_path(d, HOST "-9"));
	lw = fixture_listen(fixture_path(d, HOST "-wayland-0"));
	close(fixture_listen(fixture_path(d, "otherhost-11")));
	close(open(fixture_path(d, HOST "-12"), O_CREAT | O_WRONLY, 0600));

	CU_ASSERT_EQUAL_FATAL(sock_listeners_get(&ls), 0);
	CU_ASSERT_EQUAL(stat(fixture_path(d, HOST "-10"), &st), 0);
	l = sock_listeners_find(&ls, st.st_dev, st.st_ino);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->uid, (int64_t)getuid());	/* the kernel tells */
	CU_ASSERT_EQUAL(stat(fixture_path(d, HOST "-9"), &st), 0);
	CU_ASSERT_PTR_NULL(sock_listeners_find(&ls, st.st_dev, st.st_ino));
	check_scan(d, &ls);		/* from the kernel's table */
	check_scan(d, NULL);		/* by connecting */
	sock_listeners_free(&ls);
	sock_listeners_free(&ls);	/* idempotent */
	close(s10);
	close(l10);
	close(lw);
	free((void *)d);
}

static void
test_connect_path(void)
{
	const char *d = strdup(fixture_dir());
	struct sock_probe p;
	int lfd, fd;

	lfd = fixture_listen(fixture_path(d, "direct"));
	fd = sockdir_connect_path(fixture_path(d, "direct"), getuid(), 1000,
	    &p);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_OK);
	CU_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	CU_ASSERT(sockdir_connect_path(fixture_path(d, "nothere"), getuid(),
	    1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_MISSING);
	CU_ASSERT(sockdir_connect_path("/nonexistent/dir/s", getuid(), 1000,
	    &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_MISSING);
	close(lfd);
	free((void *)d);
}

/* A directory is listed by the name it was configured with, as xpra 3.1. */
static void
test_scan_configured_name(void)
{
	const char *d = strdup(fixture_dir());
	char spelt[PATH_MAX + 1], sub[PATH_MAX];
	struct seen k = { 0 };
	int ls, lf;

	snprintf(sub, sizeof(sub), "%s/7", d);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	ls = fixture_listen(fixture_path(sub, "socket"));
	lf = fixture_listen(fixture_path(d, HOST "-7"));
	snprintf(spelt, sizeof(spelt), "%s/", d);
	CU_ASSERT_EQUAL(sockdir_scan(spelt, HOST, getuid(), NULL, record, &k),
	    2);
	CU_ASSERT_EQUAL_FATAL(k.n, 2);
	CU_ASSERT_STRING_EQUAL(k.keys[0], sub);		/* "<d>/7", not "<d>//7" */
	CU_ASSERT_STRING_EQUAL(k.paths[0], fixture_path(sub, "socket"));
	CU_ASSERT_STRING_EQUAL(k.keys[1], spelt);	/* "<d>/" as given */
	CU_ASSERT_STRING_EQUAL(k.paths[1], fixture_path(d, HOST "-7"));
	close(ls);
	close(lf);
	free((void *)d);
}

/*
 * A socket directory reached through a symlink is not searched, however
 * it is given: in socket-dirs (sockdir_resolve() keeps the name, the
 * lookup refuses it) or in a socket path.  Nothing connects.
 */
static void
test_symlinked_dir(void)
{
	const char *d = strdup(fixture_dir());
	struct strlist in = STRLIST_INIT, dirs = STRLIST_INIT;
	struct sockdir_user me = { getuid(), getgid(), "u", "/nonexistent",
	    NULL };
	struct sockdir_lookup l;
	struct display disp;
	struct sock_probe p;
	char real[PATH_MAX], link[PATH_MAX], below[PATH_MAX + 8];
	int lfd, fd;

	snprintf(real, sizeof(real), "%s/real", d);
	snprintf(link, sizeof(link), "%s/link", d);
	CU_ASSERT_EQUAL(mkdir(real, 0700), 0);
	CU_ASSERT_EQUAL(symlink(real, link), 0);
	lfd = fixture_listen(fixture_path(real, HOST "-8"));

	strlist_add(&in, link);
	CU_ASSERT_EQUAL(sockdir_resolve(&in, &me, &dirs), 0);
	CU_ASSERT_EQUAL_FATAL(dirs.n, 1);
	CU_ASSERT_STRING_EQUAL(dirs.v[0], link);	/* not resolved */
	memset(&l, 0, sizeof(l));
	l.dirs = &dirs;
	l.host = HOST;
	l.uid = getuid();
	l.timeout_ms = 1000;
	l.skipped = count_skip;
	skips = 0;
	CU_ASSERT_EQUAL(display_parse(":8", &disp), 0);
	CU_ASSERT_EQUAL(sockdir_connect(&l, &disp), -ENOENT);
	CU_ASSERT_EQUAL(skips, 1);			/* and said so */
	CU_ASSERT_EQUAL(sockdir_scan(link, HOST, getuid(), NULL, record,
	    &(struct seen){ 0 }), -ELOOP);

	/* By path, the symlink last or further up. */
	CU_ASSERT_EQUAL(sockdir_connect_path(fixture_path(link, HOST "-8"),
	    getuid(), 1000, &p), -ELOOP);
	CU_ASSERT_EQUAL(p.verdict, SOCK_SYMLINK);
	snprintf(below, sizeof(below), "%s/sub", real);
	CU_ASSERT_EQUAL(mkdir(below, 0700), 0);
	close(fixture_listen(fixture_path(below, HOST "-9")));
	snprintf(below, sizeof(below), "%s/sub", link);
	CU_ASSERT_EQUAL(sockdir_connect_path(fixture_path(below, HOST "-9"),
	    getuid(), 1000, &p), -ELOOP);
	CU_ASSERT_EQUAL(p.verdict, SOCK_SYMLINK);

	/* The same socket by its real path: the control. */
	fd = sockdir_connect_path(fixture_path(real, HOST "-8"), getuid(),
	    1000, &p);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_OK);
	assert_one_connection(lfd);	/* the control's, and only it */
	if (fd >= 0)
		close(fd);
	close(lfd);
	strlist_clear(&in);
	strlist_clear(&dirs);
	free((void *)d);
}

/* sock_classify(): one verdict per kind of file, for a user and root. */
static void
test_classify_table(void)
{
	static const struct {
		mode_t		 mode;
		uid_t		 owner, uid;
		enum sock_verdict verdict;
		enum sock_state	 state;
	} t[] = {
		{ S_IFSOCK | 0600, 1000, 1000, SOCK_OK, SOCK_LIVE },
		{ S_IFSOCK | 0777, 1000, 1000, SOCK_OK, SOCK_LIVE },
		{ S_IFSOCK | 0400, 1000, 1000, SOCK_DENIED, SOCK_INACCESSIBLE },
		{ S_IFSOCK | 0400, 0, 0, SOCK_OK, SOCK_LIVE },	/* root */
		{ S_IFSOCK | 0666, 1001, 1000, SOCK_FOREIGN_OWNER,
		    SOCK_INACCESSIBLE },
		{ S_IFSOCK | 0600, 0, 1000, SOCK_FOREIGN_OWNER,
		    SOCK_INACCESSIBLE },
		{ S_IFLNK | 0777, 1000, 1000, SOCK_SYMLINK, SOCK_INACCESSIBLE },
		{ S_IFREG | 0600, 1000, 1000, SOCK_NOT_SOCKET, SOCK_DEAD },
		{ S_IFIFO | 0600, 1000, 1000, SOCK_NOT_SOCKET, SOCK_DEAD },
		{ S_IFDIR | 0700, 1000, 1000, SOCK_NOT_SOCKET, SOCK_DEAD },
	};
	struct sock_probe p;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.st_mode = t[i].mode;
		st.st_uid = t[i].owner;
		st.st_mtime = 1234 + (time_t)i;
		CU_ASSERT_EQUAL(sock_classify(&st, t[i].uid, &p),
		    t[i].verdict == SOCK_OK);
		CU_ASSERT_EQUAL(p.verdict, t[i].verdict);
		CU_ASSERT_EQUAL(sock_state_of(p.verdict), t[i].state);
		CU_ASSERT_EQUAL(p.owner, t[i].owner);
		CU_ASSERT_EQUAL(p.mtime, 1234 + (time_t)i);
		CU_ASSERT_EQUAL(p.err == 0, t[i].verdict == SOCK_OK);
	}
}

/* Listen on the abstract socket name ("@..."); the fd, or -1. */
static int
listen_abstract(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int s;

	memcpy(sun.sun_path + 1, name + 1, len - 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0 ||
	    listen(s, 4) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static void
test_abstract(void)
{
	const char *d = strdup(fixture_dir());
	const char *dirs[] = { d, NULL };
	struct strlist list = STRLIST_INIT;
	struct sockdir_lookup l;
	struct sock_probe p;
	struct display disp;
	char name[SOCKDIR_LABEL_MAX], label[32];
	unsigned int n = 60000 + (unsigned int)getpid() % 5000;
	int lfd, file, fd;

	/* xpra's names: the label without ':' */
	CU_ASSERT_EQUAL(display_parse(":5", &disp), 0);
	CU_ASSERT_EQUAL(display_abstract_name(&disp, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "@xpra/5");
	CU_ASSERT_EQUAL(display_abstract_name(&disp, name, 7), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(display_parse("wayland-2", &disp), 0);
	CU_ASSERT_EQUAL(display_abstract_name(&disp, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "@xpra/wayland-2");
	CU_ASSERT_EQUAL(display_parse("/a/b", &disp), 0);
	CU_ASSERT_EQUAL(display_abstract_name(&disp, name, sizeof(name)),
	    -EINVAL);

	/* nobody bound: missing, and the lookup says so */
	snprintf(name, sizeof(name), "@xpra/%u", n);
	snprintf(label, sizeof(label), ":%u", n);
	CU_ASSERT(sock_connect_abstract(name, getuid(), 1000, &p) < 0);
	CU_ASSERT_EQUAL(p.verdict, SOCK_MISSING);
	CU_ASSERT_EQUAL(lookup(dirs, label, &l, &list), -ENOENT);
	strlist_clear(&list);

	/* ours: connected, after the files of the display */
	lfd = listen_abstract(name);
	CU_ASSERT_FATAL(lfd >= 0);
	fd = lookup(dirs, label, &l, &list);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_STRING_EQUAL(l.path, name);
	CU_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	assert_one_connection(lfd);
	strlist_clear(&list);
	snprintf(label, sizeof(label), "%s-%u", HOST, n);
	file = fixture_listen(fixture_path(d, label));
	snprintf(label, sizeof(label), ":%u", n);
	fd = lookup(dirs, label, &l, &list);
	CU_ASSERT(fd >= 0);
	snprintf(label, sizeof(label), "%s-%u", HOST, n);
	CU_ASSERT_STRING_EQUAL(l.path, fixture_path(d, label));
	close(fd);
	assert_one_connection(file);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	CU_ASSERT_EQUAL(accept4(lfd, NULL, NULL, 0), -1);  /* untouched */
	close(file);
	strlist_clear(&list);

	/* someone else's, as the kernel tells: refused */
	fd = sock_connect_abstract(name, getuid() + 1, 1000, &p);
	CU_ASSERT_EQUAL(fd, -EACCES);
	CU_ASSERT_EQUAL(p.verdict, SOCK_FOREIGN_PEER);
	CU_ASSERT_EQUAL(p.peer, getuid());
	CU_ASSERT_EQUAL(sock_state_of(p.verdict), SOCK_INACCESSIBLE);
	CU_ASSERT_EQUAL(sock_connect_abstract("xpra/1", getuid(), 1000, &p),
	    -EINVAL);
	close(lfd);
	free((void *)d);
}

/* What dir/ssh/name links to, or "" */
static const char *
link_of(const char *dir, const char *name)
{
	static char target[PATH_MAX];
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/ssh/%s", dir, name);
	n = readlink(path, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	return target;
}

static void
test_agent_link(void)
{
	const char *sess = strdup(fixture_dir());
	const char *other = strdup(fixture_dir());
	char agent[PATH_MAX], ssh[PATH_MAX + 8], path[PATH_MAX + 64];
	struct agent_link l = AGENT_LINK_INIT;
	uid_t uid = getuid();
	int afd;

	/* xpra's rules: 6.x refuses '/' and '.', master the rest */
	CU_ASSERT(agent_uuid_valid("0123abcdEF_-x"));
	CU_ASSERT(!agent_uuid_valid(""));
	CU_ASSERT(!agent_uuid_valid("a.b"));
	CU_ASSERT(!agent_uuid_valid("../x"));
	CU_ASSERT(!agent_uuid_valid("agent"));
	CU_ASSERT(!agent_uuid_valid("a b"));
	memset(path, 'a', 129);
	path[129] = '\0';
	CU_ASSERT(!agent_uuid_valid(path));
	path[128] = '\0';
	CU_ASSERT(agent_uuid_valid(path));

	strlcpy(agent, fixture_path(other, "agent.1"), sizeof(agent));
	afd = fixture_listen(agent);
	/* no ssh/ in the session directory: the server's to make */
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u1", agent, &l), -ENOENT);
	snprintf(ssh, sizeof(ssh), "%s/ssh", sess);
	CU_ASSERT_EQUAL(mkdir(ssh, 0700), 0);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "a/b", agent, &l),
	    -EINVAL);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u1", "agent.1", &l),
	    -EINVAL);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u1",
	    fixture_path(other, "none"), &l), -ENOENT);
	close(open(fixture_path(other, "file"), O_CREAT | O_WRONLY, 0600));
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u1",
	    fixture_path(other, "file"), &l), -ENOTSOCK);
	CU_ASSERT_EQUAL(l.dirfd, -1);		/* untouched on failure */

	/* made, and removed while it is ours */
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u1", agent, &l), 0);
	CU_ASSERT_STRING_EQUAL(link_of(sess, "u1"), agent);
	CU_ASSERT_EQUAL(agent_link_remove(&l), 0);
	CU_ASSERT_STRING_EQUAL(link_of(sess, "u1"), "");
	CU_ASSERT_EQUAL(l.dirfd, -1);
	CU_ASSERT_EQUAL(agent_link_remove(&l), 0);	/* nothing held */

	/* an old or broken link is replaced; anything else is left */
	snprintf(path, sizeof(path), "%s/u2", ssh);
	CU_ASSERT_EQUAL(symlink("/nonexistent", path), 0);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u2", agent, &l), 0);
	CU_ASSERT_STRING_EQUAL(link_of(sess, "u2"), agent);
	/* replaced by someone else meanwhile: left alone */
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(symlink("/elsewhere", path), 0);
	CU_ASSERT_EQUAL(agent_link_remove(&l), -ESTALE);
	CU_ASSERT_STRING_EQUAL(link_of(sess, "u2"), "/elsewhere");
	snprintf(path, sizeof(path), "%s/u3", ssh);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u3", agent, &l),
	    -EEXIST);

	/* a directory others may write to, or a symlinked ssh/: refused */
	CU_ASSERT_EQUAL(chmod(ssh, 0770), 0);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u4", agent, &l), -EPERM);
	CU_ASSERT_EQUAL(chmod(ssh, 0700), 0);
	CU_ASSERT_EQUAL(rename(ssh, fixture_path(sess, "ssh.real")), 0);
	CU_ASSERT_EQUAL(symlink("ssh.real", ssh), 0);
	CU_ASSERT_EQUAL(agent_link_create(sess, uid, "u4", agent, &l), -ELOOP);
	if (uid == 0) {		/* someone else's agent socket */
		CU_ASSERT_EQUAL(chown(agent, OTHER_UID, 0), 0);
		CU_ASSERT_EQUAL(agent_link_create(other, 0, "u5", agent, &l),
		    -EPERM);
	}
	close(afd);
	free((void *)sess);
	free((void *)other);
}

/* Write dir/name with text, mode 0600. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	int fd = open(fixture_path(dir, name), O_CREAT | O_TRUNC | O_WRONLY,
	    0600);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_session_name(void)
{
	const char *d = strdup(fixture_dir());
	char name[SESSION_NAME_MAX + 1];
	uid_t uid = getuid();

	CU_ASSERT_EQUAL(session_read_name(d, uid, name, sizeof(name)),
	    -ENOENT);				/* no config */
	put_file(d, "config", "# xpra server 6.5.3\n\nmode=seamless\n");
	CU_ASSERT_EQUAL(session_read_name(d, uid, name, sizeof(name)),
	    -ENOENT);				/* no name set */
	put_file(d, "config", "mode=seamless\nsession-name=old\n"
	    "session-name=work\nstart=xterm\n");
	CU_ASSERT_EQUAL(session_read_name(d, uid, name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "work");	/* the last one, as xpra */
	CU_ASSERT_EQUAL(session_read_name(d, uid, name, 4), -ENAMETOOLONG);
	/* anyone may write it, or it is a link: not the server's */
	CU_ASSERT_EQUAL(chmod(fixture_path(d, "config"), 0622), 0);
	CU_ASSERT_EQUAL(session_read_name(d, uid, name, sizeof(name)),
	    -EPERM);
	CU_ASSERT_EQUAL(rename(fixture_path(d, "config"),
	    fixture_path(d, "real")), 0);
	CU_ASSERT_EQUAL(chmod(fixture_path(d, "real"), 0600), 0);
	CU_ASSERT_EQUAL(symlink("real", fixture_path(d, "config")), 0);
	CU_ASSERT_EQUAL(session_read_name(d, uid, name, sizeof(name)),
	    -EPERM);
	if (uid == 0) {				/* someone else's */
		CU_ASSERT_EQUAL(unlink(fixture_path(d, "config")), 0);
		put_file(d, "config", "session-name=work\n");
		CU_ASSERT_EQUAL(chown(fixture_path(d, "config"), OTHER_UID,
		    0), 0);
		CU_ASSERT_EQUAL(session_read_name(d, 0, name, sizeof(name)),
		    -EPERM);
	}
	free((void *)d);
}

static void
test_remove_stale(void)
{
	const char *d = strdup(fixture_dir());
	char sess[PATH_MAX + 8], path[PATH_MAX + 16];
	time_t now = time(NULL) + 3 * SOCKDIR_STALE_RECENT;
	uid_t uid = getuid();
	int lfd;

	fixture_stale(fixture_path(d, "old"));
	CU_ASSERT_EQUAL(sockdir_remove_stale(fixture_path(d, "old"), uid,
	    NULL, time(NULL)), -EBUSY);		/* young: may be starting */
	CU_ASSERT_EQUAL(sockdir_remove_stale(fixture_path(d, "old"), uid,
	    NULL, now), 0);
	CU_ASSERT_EQUAL(access(fixture_path(d, "old"), F_OK), -1);
	lfd = fixture_listen(fixture_path(d, "live"));
	CU_ASSERT_EQUAL(sockdir_remove_stale(fixture_path(d, "live"), uid,
	    NULL, now), -EBUSY);
	close(lfd);
	fixture_stale(fixture_path(d, "target"));
	CU_ASSERT_EQUAL(symlink(fixture_path(d, "target"),
	    fixture_path(d, "link")), 0);
	CU_ASSERT_EQUAL(sockdir_remove_stale(fixture_path(d, "link"), uid,
	    NULL, now), -ENOTSOCK);
	CU_ASSERT_EQUAL(access(fixture_path(d, "target"), F_OK), 0);
	CU_ASSERT_EQUAL(sockdir_remove_stale("relative", uid, NULL, now),
	    -EINVAL);
	/* a session directory goes with its socket when nothing else is in it */
	snprintf(sess, sizeof(sess), "%s/5", d);
	CU_ASSERT_EQUAL(mkdir(sess, 0700), 0);
	snprintf(path, sizeof(path), "%s/socket", sess);
	fixture_stale(path);
	CU_ASSERT_EQUAL(sockdir_remove_stale(path, uid, NULL, now), 0);
	CU_ASSERT_EQUAL(access(sess, F_OK), -1);
	if (uid == 0) {			/* someone else's */
		fixture_stale(fixture_path(d, "theirs"));
		CU_ASSERT_EQUAL(chown(fixture_path(d, "theirs"), OTHER_UID, 0),
		    0);
		CU_ASSERT_EQUAL(sockdir_remove_stale(fixture_path(d, "theirs"),
		    0, NULL, now), -EPERM);
	}
	free((void *)d);
}

CU_TestInfo sockdir_tests[] = {
	{ "sockdir_connect: session dir, then flat, dir order, stale skipped,"
	    " one connection", test_order_and_one_connection },
	{ "sock_connect_at: symlink, file, FIFO, missing",
	    test_untrusted_candidates },
	{ "sock_connect_at: another uid's socket, another uid listening",
	    test_foreign_owner_and_peer },
	{ "trust_open_dir: owner, mode, sticky, symlinks",
	    test_directory_trust },
	{ "sockdir_connect: a socket path longer than 108 bytes",
	    test_long_path },
	{ "sockdir_scan: xpra's order and states, listener table and probe",
	    test_scan_and_listeners },
	{ "sockdir_connect_path: direct paths", test_connect_path },
	{ "sockdir_scan: a directory listed by its configured name",
	    test_scan_configured_name },
	{ "socket-dirs and socket paths through a symlink: not followed",
	    test_symlinked_dir },
	{ "sock_classify: sockets, modes, owners, symlinks, other files",
	    test_classify_table },
	{ "abstract @xpra/N: xpra's names, after the files, peer uid checked",
	    test_abstract },
	{ "agent_link: made by fd, only a symlink replaced, removed if ours",
	    test_agent_link },
	{ "session_read_name: xpra 6's config, only the user's own file",
	    test_session_name },
	{ "sockdir_remove_stale: only old, dead, own sockets; empty session"
	    " directories", test_remove_stale },
	CU_TEST_INFO_NULL,
};
