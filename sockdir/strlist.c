/* strlist.c - a growable list of owned strings, and path joining. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockdir.h"

int
strlist_add(struct strlist *l, const char *s)
{
	char **v, *copy;

	if ((copy = strdup(s)) == NULL)
		return -ENOMEM;
	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL) {
		free(copy);
		return -ENOMEM;
	}
	v[l->n++] = copy;
	l->v = v;
	return 0;
}

int
strlist_add_split(struct strlist *l, const char *s)
{
	char *copy, *p, *part;
	int r = 0;

	if ((copy = strdup(s)) == NULL)
		return -ENOMEM;
	p = copy;
	while (r == 0 && (part = strsep(&p, ":")) != NULL)
		if (*part != '\0')
			r = strlist_add(l, part);
	free(copy);
	return r;
}

int
strlist_add_all(struct strlist *l, const struct strlist *src)
{
	size_t i;
	int r;

	for (i = 0; i < src->n; i++)
		if ((r = strlist_add(l, src->v[i])) < 0)
			return r;
	return 0;
}

void
strlist_clear(struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
path_join(char *buf, size_t len, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	int n;

	n = snprintf(buf, len, "%s%s%s", dir,
	    dl > 0 && dir[dl - 1] == '/' ? "" : "/", name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
