/*
 * sessions.c - walk every socket directory with sockdir_scan(), using the
 * kernel's table of listeners (so no server sees a probe), for "list" and
 * for picking the single live session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sessions.h"

/* Why sockdir_scan() refused a directory, in the words of the lookup. */
static const char *
dir_reason(int err)
{
	if (err == -ELOOP)
		return "a symlink on the way, never followed";
	if (err == -EPERM)
		return "unsafe directory owner or mode";
	return strerror(-err);
}

/* Scan every directory of ctx; fn sees every entry.  Count or -errno. */
static int
scan_all(const struct context *ctx, sockdir_entry_fn fn, void *arg)
{
	struct sock_listeners ls;
	bool have_ls;
	size_t i;
	int n, total = 0;

	if (!(have_ls = sock_listeners_get(&ls) == 0))
		log_debug("no listener table from the kernel: probing sockets");
	for (i = 0; i < ctx->dirs.n; i++) {
		n = sockdir_scan(ctx->dirs.v[i], ctx->host, ctx->user.uid,
		    have_ls ? &ls : NULL, fn, arg);
		if (n < 0)
			log_warn("ignoring socket directory %s: %s",
			    ctx->dirs.v[i], dir_reason(n));
		else
			total += n;
	}
	if (have_ls)
		sock_listeners_free(&ls);
	return total;
}

struct printer {
	FILE	*out;
	bool	 json;
	int	 count;
	char	 key[PATH_MAX];
};

static void
json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
print_json(struct printer *pr, const struct sockdir_entry *e)
{
	fputs(pr->count == 0 ? "[\n  {" : ",\n  {", pr->out);
	fputs("\"dir\": ", pr->out);
	json_string(pr->out, e->key);
	fputs(", \"path\": ", pr->out);
	json_string(pr->out, e->path);
	fputs(", \"display\": ", pr->out);
	json_string(pr->out, e->label);
	fprintf(pr->out, ", \"state\": \"%s\", \"uid\": %u, \"mtime\": %lld}",
	    sock_state_name(e->state), (unsigned int)e->owner,
	    (long long)e->mtime);
}

static void
print_entry(void *arg, const struct sockdir_entry *e)
{
	struct printer *pr = arg;

	if (pr->json) {
		print_json(pr, e);
	} else {
		if (pr->count == 0)
			fputs("Found the following xpra sessions:\n", pr->out);
		if (strcmp(pr->key, e->key) != 0) {
			fprintf(pr->out, "%s:\n", e->key);
			strlcpy(pr->key, e->key, sizeof(pr->key));
		}
		fprintf(pr->out, "\t%s session at %s\n",
		    sock_state_name(e->state), e->label);
	}
	pr->count++;
}

int
sessions_list(FILE *out, const struct context *ctx, bool json)
{
	struct printer pr = { out, json, 0, "" };
	int n;

	if ((n = scan_all(ctx, print_entry, &pr)) < 0)
		return n;
	if (json)
		fputs(pr.count == 0 ? "[]\n" : "\n]\n", out);
	else if (pr.count == 0)
		fputs("No xpra sessions found\n", out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return pr.count;
}

struct live {
	struct strlist	labels;		/* distinct, in order */
	struct strlist	paths;		/* first socket of each label */
	int		err;
};

static bool
is_proxy_label(const char *label)
{
	return strncmp(label, ":proxy-", 7) == 0;
}

static void
collect_live(void *arg, const struct sockdir_entry *e)
{
	struct live *lv = arg;
	size_t i;

	if (e->state != SOCK_LIVE || lv->err < 0)
		return;
	for (i = 0; i < lv->labels.n; i++)
		if (strcmp(lv->labels.v[i], e->label) == 0)
			return;
	if ((lv->err = strlist_add(&lv->labels, e->label)) == 0)
		lv->err = strlist_add(&lv->paths, e->path);
}

/* The one live display, ignoring proxies if real sessions exist. */
static int
single_live(const struct live *lv)
{
	size_t i, real = 0;
	int found = -1;

	for (i = 0; i < lv->labels.n; i++)
		if (!is_proxy_label(lv->labels.v[i])) {
			real++;
			found = (int)i;
		}
	if (real == 0 && lv->labels.n == 1)
		return 0;
	return real == 1 ? found : -1;
}

static void
join_labels(const struct strlist *labels, char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < labels->n; i++) {
		if (i > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, labels->v[i], len);
	}
}

int
sessions_pick(const struct context *ctx, char *ret_path, size_t len,
    char *ret_label, char *reterr_labels, size_t labels_len)
{
	struct live lv = { STRLIST_INIT, STRLIST_INIT, 0 };
	int i, r;

	if ((r = scan_all(ctx, collect_live, &lv)) >= 0 && (r = lv.err) == 0) {
		if (lv.labels.n == 0) {
			r = -ENOENT;
		} else if ((i = single_live(&lv)) < 0) {
			join_labels(&lv.labels, reterr_labels, labels_len);
			r = -EEXIST;
		} else if (strlcpy(ret_path, lv.paths.v[i], len) >= len) {
			r = -ENAMETOOLONG;
		} else {
			strlcpy(ret_label, lv.labels.v[i], SOCKDIR_LABEL_MAX);
		}
	}
	strlist_clear(&lv.labels);
	strlist_clear(&lv.paths);
	return r;
}

/*
 * Of the live displays lv, those whose session is named name, into
 * matches; the names the others have (": name" after the label) into
 * known.  Returns 0 or -ENOMEM.
 */
static int
match_names(const struct context *ctx, const struct proxy_opts *o,
    const struct live *lv, const char *name, struct strlist *matches,
    struct strlist *known)
{
	char dir[PATH_MAX], have[SESSION_NAME_MAX * 4], entry[PATH_MAX];
	size_t i;
	int r;

	for (i = 0; i < lv->labels.n; i++) {
		if (context_session_dir(ctx, o, lv->labels.v[i], dir,
		    sizeof(dir)) < 0 || session_read_name(dir, ctx->user.uid,
		    have, sizeof(have)) < 0)
			continue;	/* no name to be read */
		if (strcmp(have, name) == 0) {
			r = strlist_add(matches, lv->labels.v[i]);
		} else {
			snprintf(entry, sizeof(entry), "%s (%s)",
			    lv->labels.v[i], have);
			r = strlist_add(known, entry);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int
sessions_find_name(const struct context *ctx, const struct proxy_opts *o,
    const char *name, char *ret_label, char *reterr_names, size_t names_len)
{
	struct live lv = { STRLIST_INIT, STRLIST_INIT, 0 };
	struct strlist matches = STRLIST_INIT, known = STRLIST_INIT;
	int r;

	if ((r = scan_all(ctx, collect_live, &lv)) >= 0 &&
	    (r = lv.err) == 0 &&
	    (r = match_names(ctx, o, &lv, name, &matches, &known)) == 0) {
		if (matches.n == 1) {
			strlcpy(ret_label, matches.v[0], SOCKDIR_LABEL_MAX);
		} else if (matches.n == 0) {
			join_labels(&known, reterr_names, names_len);
			r = -ENOENT;
		} else {
			join_labels(&matches, reterr_names, names_len);
			r = -EEXIST;
		}
	}
	strlist_clear(&lv.labels);
	strlist_clear(&lv.paths);
	strlist_clear(&matches);
	strlist_clear(&known);
	return r;
}

struct cleaner {
	struct strlist	paths;		/* the user's UNKNOWN sockets */
	uid_t		uid;
	int		err;
};

static void
collect_stale(void *arg, const struct sockdir_entry *e)
{
	struct cleaner *cl = arg;

	if (e->state == SOCK_UNKNOWN && e->owner == cl->uid && cl->err == 0)
		cl->err = strlist_add(&cl->paths, e->path);
}

int
sessions_clean(const struct context *ctx)
{
	struct cleaner cl = { STRLIST_INIT, ctx->user.uid, 0 };
	struct log_fields f = LOG_FIELDS_INIT;
	struct sock_listeners ls;
	bool have_ls;
	size_t i;
	int r, removed = 0;

	if ((r = scan_all(ctx, collect_stale, &cl)) < 0 || (r = cl.err) < 0) {
		strlist_clear(&cl.paths);
		return r;
	}
	have_ls = sock_listeners_get(&ls) == 0;
	for (i = 0; i < cl.paths.n; i++) {
		r = sockdir_remove_stale(cl.paths.v[i], ctx->user.uid,
		    have_ls ? &ls : NULL, time(NULL));
		f.socket = cl.paths.v[i];
		if (r == 0) {
			log_event(LOG_NOTICE, LOG_ID_SOCKET_REMOVED, &f,
			    "removed dead socket %s", cl.paths.v[i]);
			removed++;
		} else {
			log_debug("kept %s: %s", cl.paths.v[i], r == -EBUSY ?
			    "live, or changed in the last 2 minutes" :
			    strerror(-r));
		}
	}
	if (have_ls)
		sock_listeners_free(&ls);
	strlist_clear(&cl.paths);
	return removed;
}
