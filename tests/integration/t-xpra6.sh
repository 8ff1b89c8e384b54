#!/bin/bash
# t-xpra6: a real xpra 6.5.3 client and server (../shared/xpra6/build.sh,
# in XPRA6_PREFIX, default /opt/xpra6; skipped, naming the build command,
# when it is not built) through a real OpenSSH sshd on 127.0.0.1.  The
# 6.5.3 server runs as an unprivileged user with XDG_RUNTIME_DIR set, so
# it makes the 6.x layout: <rundir>/xpra/N/socket with its session
# directory (config, ssh/), flat sockets, and the abstract @xpra/N.
#  1. unrestricted, --remote-xpra=<xpra-proxy>: `xpra version` and
#     `xpra info` over ssh show this 6.5.3 server;
#  2. restricted (the shipped authorized_keys example's
#     `restrict,agent-forwarding,command="xpra-proxy --restricted"`),
#     the client's own remote command (openssh backend):
#     a. `xpra info ssh://.../N` shows the session;
#     b. by name: `xpra info ssh://.../NAME` (the --session-name the
#        server wrote into its config);
#     c. `xpra attach` with `ssh -A` and a real ssh-agent: attached; while
#        it is, <rundir>/xpra/N/ssh/<uuid> links to the forwarded agent
#        and the agent behind it lists the client's key; after the
#        client is gone, the link is gone;
#     d. the socket files removed: `xpra info` still reaches the server,
#        through @xpra/N (whose listener runs as the user).
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-xpra6.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/restricted.sh"	# example_key_options
. "$TOP/tests/lib/xpra.sh"

U=xpxsix
N=196			# the 6.5.3 server's display
M=197			# the client's Xvfb
NAME=xpx-six-$$
KEYS_EXAMPLE=$TOP/packaging/authorized_keys.example

xpra6_use
command -v ssh-agent >/dev/null || skip "no ssh-agent"
xpra_script_setup "$U"
UID6=$(id -u "$U")
RUNDIR=/run/user/$UID6
HOST=$(hostname)

# diag: the logs' tails, for failure messages
diag() {
	printf '\n--- client log (tail):\n'
	tail -n 25 "$T/attach.log" 2>/dev/null
	printf -- '--- server log (tail):\n'
	tail -n 25 "$XPRA_SERVER_LOG"
	printf -- '--- sshd log (tail):\n'
	tail -n 10 "$SSHD_LOG"
}
# over_ssh CASE SUBCOMMAND ARG...: `xpra SUBCOMMAND ARG...` with the 6.5.3
# client; stdout in $T/SUBCOMMAND.out; `bad CASE` and 1 unless exit 0
over_ssh() {
	local c=$1 sub=$2 rc; shift 2
	xpra_client "$sub" "$@" >"$T/$sub.out" 2>"$T/$sub.err"
	rc=$?
	[ "$rc" = 0 ] && return 0
	bad "$c" "xpra $sub: exit $rc: $(tail -n 15 "$T/$sub.err")"
	return 1
}
# shows_session CASE: the last `xpra info` is this server's
shows_session() {
	if ! grep -q "^session.name=$NAME\$" "$T/info.out"; then
		bad "$1" "xpra info shows no session.name=$NAME: $(grep -m3 -e '^session' -e '^server.display' "$T/info.out")"
	else
		say "ok: $1: session $NAME, $(wc -l <"$T/info.out") lines of info"
	fi
}

# sshd passes the session what logind would have set
sshd_start "$U" "Match User $U" "	SetEnv XDG_RUNTIME_DIR=$RUNDIR" \
    "	AllowAgentForwarding yes"
xpra_server_start "$U" "$N" --session-name="$NAME"
xvfb_start "$M"
URL=ssh://$U@127.0.0.1:$SSHD_PORT
[ -S "$RUNDIR/xpra/$N/socket" ] && [ -f "$RUNDIR/xpra/$N/config" ] ||
    fail "the 6.5.3 server made no $RUNDIR/xpra/$N/{socket,config}: $(ls -la "$RUNDIR/xpra" "$RUNDIR/xpra/$N" 2>&1)"

# ---- 1. unrestricted, --remote-xpra
c="unrestricted: xpra version"
if over_ssh "$c" version "$URL/$N" --ssh="$SSH_OPTS" \
    --remote-xpra="$PROXY_COPY"; then
	grep -q '^6\.5' "$T/version.out" &&
	    say "ok: $c: $(head -n 1 "$T/version.out")" ||
	    bad "$c" "not 6.5: $(head -c 200 "$T/version.out")"
fi
c="unrestricted: xpra info"
over_ssh "$c" info "$URL/$N" --ssh="$SSH_OPTS" --remote-xpra="$PROXY_COPY" &&
    shows_session "$c"

# ---- 2. restricted: the client's own command
keyopts=$(example_key_options "/usr/bin/xpra-proxy --restricted" \
    agent-forwarding) || exit 1
SSHD_KEY_OPTIONS=$keyopts sshd_install_key "$U"

c="restricted: xpra info"
over_ssh "$c" info "$URL/$N" --ssh="$SSH_OPTS" && shows_session "$c"
c="restricted: by name"
over_ssh "$c" info "$URL/$NAME" --ssh="$SSH_OPTS" && shows_session "$c"

c="restricted: attach with ssh -A"
ssh-agent -a "$T/agent.sock" -D >"$T/agent.log" 2>&1 &
track_pid $!
for _ in $(seq 50); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
ssh-add "$SSH_KEY" 2>"$T/ssh-add.err" </dev/null ||
    fail "ssh-add: $(cat "$T/ssh-add.err")"
FPR=$(SSH_AUTH_SOCK=$T/agent.sock ssh-add -l | awk '{ print $2 }')
SSH_AUTH_SOCK=$T/agent.sock xpra_attach "$T/attach.log" "$URL/$N" \
    --ssh="$SSH_OPTS -A" --mmap=no --remote-logging=no --printing=no
client_pid=$CLIENT_PID
wait_attached "$client_pid" "$T/attach.log"
case $? in
1) bad "$c" "the client exited before attaching: $(diag)";;
2) bad "$c" "no 'Attached to' after 60 s: $(diag)";;
*)	links=$(find "$RUNDIR/xpra/$N/ssh" -maxdepth 1 -type l \
	    ! -name 'agent*' 2>/dev/null)
	if [ "$(echo "$links" | grep -c .)" != 1 ]; then
		bad "$c" "want one uuid link in $RUNDIR/xpra/$N/ssh, have: $(ls -la "$RUNDIR/xpra/$N/ssh" 2>&1)"
	else
		keys=$(as_user "$U" env SSH_AUTH_SOCK="$links" ssh-add -l 2>&1)
		[[ $keys == *"$FPR"* ]] &&
		    say "ok: $c: attached; $links -> $(readlink "$links"), the agent lists the client's key" ||
		    bad "$c" "ssh-add -l through $links: $keys"
	fi
	xpra_as "$U" detach ":$N" >"$T/detach.out" 2>&1
	wait_gone "$client_pid" 150 || { bad "$c" "the client still runs after detach"; kill "$client_pid"; }
	# the relay ends after the client: give it the time valgrind needs
	for _ in $(seq 100); do [ -z "$(proxy_pids "$U")" ] && break; sleep 0.2; done
	if [ -n "$links" ] && [ -L "$links" ]; then
		bad "$c" "the link $links is still there after the session"
	else
		say "ok: $c: detached, the link is gone"
	fi;;
esac

c="restricted: abstract socket only"
rm -f "$RUNDIR/xpra/$N/socket" "$RUNDIR/xpra/$HOST-$N" \
    "$(getent passwd "$U" | cut -d: -f6)/.xpra/$HOST-$N"
over_ssh "$c" info "$URL/$N" --ssh="$SSH_OPTS" && shows_session "$c"

xvfb_stop
xpra_server_stop "$U" "$N"
cases_done
