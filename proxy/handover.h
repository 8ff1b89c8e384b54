/*
 * handover.h - "xpra start ssh://...": the client runs _proxy_start (or
 * _proxy_start_desktop, _proxy_shadow_start, _proxy_run...) on the server,
 * and starting or attaching that session is the real xpra's job.
 */
#ifndef HANDOVER_H
#define HANDOVER_H

/*
 * Execute the real xpra with argv (its subcommand first): the first
 * "xpra" in $PATH (absolute entries only; /usr/bin:/bin when PATH is
 * unset) that is an executable file and not this program (compared by
 * inode with /proc/self/exe, so a link to us named xpra does not count),
 * with XPRA_PROXY_HANDED_OVER set: an "xpra" that runs us again (a
 * wrapper, a copy) then fails instead of looping.  Returns only on
 * failure, after one line on stderr: EX_UNAVAILABLE when there is no such
 * xpra (or /proc is missing, or we were run again), EX_OSERR when it
 * cannot be executed.
 */
int	handover_exec(char *const argv[]);

#endif /* HANDOVER_H */
