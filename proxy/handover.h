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
 * unset) that is an executable file and not this program, whatever
 * either is named (compared by inode, so a link or copy named xpra that
 * is us does not count).  Returns only on failure, after one line on
 * stderr: EX_UNAVAILABLE when there is no such xpra, EX_OSERR when it
 * cannot be executed.
 */
int	handover_exec(char *const argv[]);

#endif /* HANDOVER_H */
