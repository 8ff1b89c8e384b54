#!/bin/bash
# t-xpra6: a real xpra 6.5.3 client and server (../shared/xpra6/build.sh,
# in XPRA6_PREFIX, default /opt/xpra6; skipped, naming the build command,
# when it is not built) through a real OpenSSH sshd on 127.0.0.1.  The
# 6.5.3 server runs as an unprivileged user with XDG_RUNTIME_DIR set, so
# it makes the 6.x layout: <rundir>/xpra/N/socket with its session
# directory (config, ssh/), flat sockets, and the abstract @xpra/N.  The
# sshd session gets the 6.5.3 xpra first in PATH (for `xpra start`).
#  A. unrestricted, --remote-xpra=<xpra-proxy>:
#     1. `xpra version` and `xpra info` show this 6.5.3 server (openssh
#        backend), and `xpra info` with the paramiko backend;
#     2. `xpra attach`: attached, the server's window on the client's
#        display, exactly one relay, no stock `xpra _proxy`;
#     3. `xpra start ssh://.../N2 --start=xmessage`: the relay hands
#        `_proxy_start` to the real 6.5.3 xpra, which starts N2 and
#        attaches (its window appears);
#  B. `command="xpra-proxy"` (forced, not restricted): the client's own
#     command is ignored, the single live session relayed (`xpra info`);
#  C. restricted, the shipped authorized_keys example's
#     `restrict,agent-forwarding,command="xpra-proxy --restricted"`,
#     with the client's own commands:
#     1. `xpra info`, by display and by session name (openssh), and by
#        display with the paramiko backend (its probes answered);
#     2. `xpra attach` with `ssh -A` and a real ssh-agent: while attached
#        <rundir>/xpra/N/ssh/<uuid> links to the forwarded agent and the
#        agent behind it lists the client's key; afterwards it is gone;
#  D. the shipped sshd recipe (ForceCommand xpra-proxy --restricted):
#     1. `xpra attach`: attached;
#     2. the socket files removed: `xpra info` still reaches the server,
#        through @xpra/N (its listener runs as the user).
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-xpra6.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/restricted.sh"	# example_key_options, recipe_lines
. "$TOP/tests/lib/xpra.sh"

U=xpxsix
N=196			# the 6.5.3 server's display
N2=198			# the display `xpra start ssh://` starts
M=197			# the client's Xvfb
NAME=xpx-six-$$
KEYS_EXAMPLE=$TOP/packaging/authorized_keys.example

xpra6_use
command -v ssh-agent >/dev/null || skip "no ssh-agent"
xpra_script_setup "$U"
_xpra_x11_unix
[ -e "/tmp/.X$N2-lock" ] && fail "X display :$N2 is already in use"
RUNDIR=/run/user/$(id -u "$U")
HOST=$(hostname)
XPRA6_DIR=$(dirname "$(dirname "$XPRA_BIN")")

# the 6.5.3 client (root) makes /run/user/0/xpra/clients/
[ -d /run/user/0 ] || xpx_at_exit "rm -rf /run/user/0"
# the client's home: paramiko reads ~/.ssh, which must not be root's
mkdir -p "$T/client-home/.ssh" && chmod 700 "$T/client-home/.ssh"
export HOME=$T/client-home

diag() { xpra_diag "$U" "$T/client.log"; }
# over_ssh CASE SUBCOMMAND ARG...: `xpra SUBCOMMAND ARG...` with the 6.5.3
# client; stdout in $T/SUBCOMMAND.out; `bad CASE` and 1 unless exit 0
over_ssh() {
	local c=$1 sub=$2 rc; shift 2
	xpra_client "$sub" "$@" >"$T/$sub.out" 2>"$T/$sub.err"
	rc=$?
	[ "$rc" = 0 ] && return 0
	bad "$c" "xpra $sub: exit $rc: $(tail -n 15 "$T/$sub.err" "$T/$sub.out" | cut -c1-200)"
	return 1
}
# info CASE ARG...: `xpra info ARG...` shows this server's session
info() {
	local c=$1; shift
	over_ssh "$c" info "$@" || return 1
	# (6.5.3 lists the name only in the server's argv)
	if grep -q -F -- "--session-name=$NAME'" "$T/info.out"; then
		say "ok: $c: session $NAME"
	else
		bad "$c" "xpra info does not name session $NAME: $(head -c 300 "$T/info.out")"
	fi
}
# paramiko: the client's paramiko backend, the host key not checked
# (this sshd's key is new) and nothing written to known_hosts; it logs
# in with ~/.ssh/id_ed25519 (it skips the agent when sshd offers only
# "publickey")
paramiko() {
	XPRA_SSH_VERIFY_HOSTKEY=0 XPRA_SSH_ADD_KEY=0 "$@" --ssh=paramiko
}
# attached CASE [XPRA-OPTION...]: `xpra attach` until "Attached to", the
# server's window on :M; CLIENT_PID; 1 (after `bad`) otherwise
attached() {
	local c=$1; shift
	xpra_attach "$T/client.log" "$URL/$N" --mmap=no --remote-logging=no \
	    --printing=no "$@"
	wait_attached "$CLIENT_PID" "$T/client.log"
	case $? in
	1) bad "$c" "the client exited before attaching: $(diag)"; return 1;;
	2) bad "$c" "no 'Attached to' after 60 s: $(diag)"; return 1;;
	esac
	case $XPRA_STARTED in
	xmessage*) xmessage_window "$M" >/dev/null || {
		bad "$c" "the server's window never appeared on :$M: $(diag)"
		return 1; };;
	esac
	say "ok: $c: attached${XPRA_STARTED:+, the window on :$M}"
}
# detached CASE: `xpra detach`, the client and the relay gone
detached() {
	xpra_as "$U" detach ":$N" >"$T/detach.out" 2>&1
	wait_gone "$CLIENT_PID" 150 ||
	    { bad "$1" "the client still runs after detach"; kill "$CLIENT_PID"; }
	for _ in $(seq 100); do [ -z "$(proxy_pids "$U")" ] && return 0; sleep 0.2; done
	bad "$1" "relays left after detach: $(proxy_pids "$U")"
}

# sshd passes the session what logind would have set, and the 6.5.3 xpra
# (sshd takes the first SetEnv only: one line)
sshd_start "$U" "Match User $U" "	AllowAgentForwarding yes" \
    "	SetEnv XDG_RUNTIME_DIR=$RUNDIR PATH=$XPRA6_DIR/bin:/usr/bin:/bin ${XPRA_ENV[*]}"
# the client's agent holds its key (paramiko logs in with it)
ssh-agent -a "$T/agent.sock" -D >"$T/agent.log" 2>&1 &
track_pid $!
for _ in $(seq 50); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK=$T/agent.sock
ssh-add "$SSH_KEY" 2>"$T/ssh-add.err" </dev/null ||
    fail "ssh-add: $(cat "$T/ssh-add.err")"
FPR=$(ssh-add -l | awk '{ print $2 }')
cp "$SSH_KEY" "$HOME/.ssh/id_ed25519" && chmod 600 "$HOME/.ssh/id_ed25519" ||
    fail "cannot give the client its key"
xpra_server_start "$U" "$N" --session-name="$NAME"
xvfb_start "$M"
URL=ssh://$U@127.0.0.1:$SSHD_PORT
[ -S "$RUNDIR/xpra/$N/socket" ] && [ -f "$RUNDIR/xpra/$N/config" ] ||
    fail "the 6.5.3 server made no $RUNDIR/xpra/$N/{socket,config}: $(ls -la "$RUNDIR/xpra" "$RUNDIR/xpra/$N" 2>&1)"

# ---- A. unrestricted, --remote-xpra
R=--remote-xpra=$PROXY_COPY
c="A1 version"
if over_ssh "$c" version "$URL/$N" --ssh="$SSH_OPTS" "$R"; then
	grep -q '^6\.5' "$T/version.out" &&
	    say "ok: $c: $(head -n 1 "$T/version.out")" ||
	    bad "$c" "not 6.5: $(head -c 200 "$T/version.out")"
fi
info "A1 info" "$URL/$N" --ssh="$SSH_OPTS" "$R"
paramiko info "A1 info, paramiko" "$URL/$N" "$R"

c="A2 attach"
if attached "$c" --ssh="$SSH_OPTS" "$R"; then
	n=$(proxy_pids "$U" | grep -c .)
	[ "$n" = 1 ] || bad "$c" "$n relays, want 1: $(diag)"
	ps -u "$U" -o args= | grep -q "^[^ ]*xpra _proxy" &&
	    bad "$c" "a stock xpra _proxy runs: $(diag)"
	detached "$c"
fi

c="A3 xpra start"
start_opts=()
for o in "${XPRA_SERVER_OPTS[@]}"; do
	[ "$o" = --daemon=no ] || start_opts+=("$o")
done
XPRA_CLIENT_TIMEOUT=150 xpra_client start "$URL/$N2" --ssh="$SSH_OPTS" "$R" \
    --start="xmessage -timeout 0 xpra-proxy start test" "${start_opts[@]}" \
    --remote-logging=no >"$T/client.log" 2>&1 &
start_client=$!
track_pid $start_client
win=
for _ in $(seq 6); do	# the start takes a few seconds: 2 minutes at most
	kill -0 "$start_client" 2>/dev/null || break
	win=$(xmessage_window "$M") && break
done
if [ -z "$win" ]; then
	bad "$c" "the started session's window never appeared on :$M: $(diag; tail -n 30 "$RUNDIR/xpra/$N2/server.log")"
elif ! xpra_as "$U" list 2>/dev/null | grep -q "LIVE session at :$N2\$"; then
	bad "$c" "no LIVE :$N2 for $U: $(xpra_as "$U" list 2>&1)"
else
	say "ok: $c: :$N2 started by the real 6.5.3 xpra, attached, its window on :$M"
fi
xpra_as "$U" stop ":$N2" >/dev/null 2>&1
wait_gone "$start_client" 100 || kill "$start_client" 2>/dev/null
for _ in $(seq 100); do
	xpra_as "$U" list 2>/dev/null | grep -q "LIVE session at :$N2\$" || break
	sleep 0.2
done

# ---- B. forced, not restricted: the single live session
SSHD_KEY_OPTIONS="command=\"$PROXY_COPY\"" sshd_install_key "$U"
info "B forced xpra-proxy" "$URL/$N" --ssh="$SSH_OPTS"

# ---- C. restricted by the key's command=
keyopts=$(example_key_options "/usr/bin/xpra-proxy --restricted" \
    agent-forwarding) || exit 1
SSHD_KEY_OPTIONS=$keyopts sshd_install_key "$U"
info "C1 restricted info" "$URL/$N" --ssh="$SSH_OPTS"
info "C1 restricted, by name" "$URL/$NAME" --ssh="$SSH_OPTS"
paramiko info "C1 restricted, paramiko" "$URL/$N"

c="C2 restricted attach, ssh -A"
if attached "$c" --ssh="$SSH_OPTS -A"; then
	link=$(find "$RUNDIR/xpra/$N/ssh" -maxdepth 1 -type l ! -name 'agent*')
	if [ "$(echo "$link" | grep -c .)" != 1 ]; then
		bad "$c" "want one uuid link in $RUNDIR/xpra/$N/ssh: $(ls -la "$RUNDIR/xpra/$N/ssh" 2>&1)"
		link=
	else
		keys=$(as_user "$U" env SSH_AUTH_SOCK="$link" ssh-add -l 2>&1)
		[[ $keys == *"$FPR"* ]] &&
		    say "ok: $c: $link -> $(readlink "$link"), the agent lists the client's key" ||
		    bad "$c" "ssh-add -l through $link: $keys"
	fi
	detached "$c"
	if [ -n "$link" ] && [ -L "$link" ]; then
		bad "$c" "the link $link is still there after the session"
	else
		say "ok: $c: detached, the link is gone"
	fi
fi

# ---- D. the shipped sshd recipe
sshd_install_key "$U"
recipe_lines "Match User $U"
sshd_reload "${RECIPE_LINES[@]}"
attached "D1 recipe attach" --ssh="$SSH_OPTS" && detached "D1 recipe attach"

home=$(getent passwd "$U" | cut -d: -f6)
rm -f "$RUNDIR/xpra/$N/socket" "$RUNDIR/xpra/$HOST-$N" "$home/.xpra/$HOST-$N"
left=$(find "$RUNDIR" "$home" /tmp/xpra -type s 2>/dev/null)
[ -z "$left" ] || bad "D2 abstract socket only" "socket files left: $left"
info "D2 abstract socket only" "$URL/$N" --ssh="$SSH_OPTS"

xvfb_stop
xpra_server_stop "$U" "$N"
cases_done
