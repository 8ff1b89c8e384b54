#!/bin/bash
# t-xpra-start: `xpra start ssh://...` (server auto-start) with Debian's
# real xpra 3.1.3 client and --remote-xpra=<xpra-proxy copy>, through a
# real OpenSSH sshd on 127.0.0.1.  The client runs
#   sh -c 'xpra initenv;if [ -x PROXY ]; then PROXY _proxy_start ":N" ...'
# on the server; xpra-proxy hands _proxy_start over to the real xpra,
# which starts the session and attaches it.  Asserts: the client attaches
# (the new session's xmessage window appears on the client's Xvfb); the
# process attached on the server is /usr/bin/xpra _proxy_start :N ...,
# executed by xpra-proxy in its place (its parent is the shell that ran
# the copy); the new server is LIVE as the user.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-xpra-start.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"

U=xpxstart
N=194			# the display the client asks to start
M=195			# the client's Xvfb

xpra_script_setup "$U"
_xpra_need
_xpra_x11_unix
command -v xmessage >/dev/null || skip "no xmessage (x11-utils)"
/usr/bin/python3 -c 'import PIL' 2>/dev/null || skip "no python3-pil"
[ -e "/tmp/.X$N-lock" ] && fail "X display :$N is already in use"

uid=$(id -u "$U")
RUNDIR=/run/user/$uid
if [ ! -d "$RUNDIR" ]; then
	mkdir -p /run/user && chmod 755 /run/user
	install -d -m 700 -o "$U" "$RUNDIR" || fail "cannot create $RUNDIR"
	xpx_at_exit "rm -rf '$RUNDIR'"
fi
# the server's config: no Xsession (as xpra_server_start's)
conf=$T/xpra-conf
mkdir -p "$conf" && printf 'start =\n' >"$conf/xpra.conf" && chmod -R a+rX "$conf"

# whatever runs as the test user at the end is this test's: the server
# daemonized, so it is nobody's child here
stop_user_processes() {
	xpra_as "$U" stop ":$N" >/dev/null 2>&1
	for _ in $(seq 50); do
		[ -z "$(ps -u "$U" -o pid= | head -n 1)" ] && return 0
		sleep 0.2
	done
	for pid in $(ps -u "$U" -o pid=); do kill -KILL "$pid" 2>/dev/null; done
}
xpx_at_exit stop_user_processes

sshd_start "$U" "Match User $U" "	SetEnv XDG_RUNTIME_DIR=$RUNDIR XPRA_USER_CONF_DIRS=$conf"
xvfb_start "$M"

start_opts=()
for o in "${XPRA_SERVER_OPTS[@]}"; do
	[ "$o" = --daemon=no ] || start_opts+=("$o")
done
t0=$(now)
XPRA_CLIENT_TIMEOUT=150 xpra_client start "ssh://$U@127.0.0.1:$SSHD_PORT/$N" \
    --ssh="$SSH_OPTS" --remote-xpra="$PROXY_COPY" \
    --start="xmessage -timeout 0 xpra-proxy start test" "${start_opts[@]}" \
    --mmap=no --remote-logging=no >"$T/start.log" 2>&1 &
client=$!
track_pid $client
diag() {
	printf '\n--- client log (tail):\n'; tail -n 25 "$T/start.log"
	printf -- '--- server log (tail):\n'; tail -n 25 "$RUNDIR/xpra/:$N.log"
	printf -- '--- sshd log (tail):\n'; tail -n 10 "$SSHD_LOG"
	printf -- '--- processes of %s:\n' "$U"
	ps -u "$U" -o pid=,ppid=,args= | cut -c1-200
}
# attached: the new session's window is on the client's display (a
# 3.1.3 client started this way does not log "Attached to")
win=
for _ in $(seq 45); do
	kill -0 "$client" 2>/dev/null || fail "the client exited: $(diag)"
	win=$(xmessage_window "$M" 2>/dev/null) && break
done
[ -n "$win" ] || fail "the new session's window never appeared on :$M: $(diag)"
say "ok: attached after $(since "$t0") s, its window on :$M: $win"

# the attached process: xpra's _proxy_start, executed by xpra-proxy in
# place of itself, so its parent is the shell that ran the copy
line=$(ps -u "$U" -o pid=,ppid=,args= |
    awk '$4 == "/usr/bin/xpra" && $5 == "_proxy_start"')
[ "$(echo "$line" | grep -c .)" = 1 ] ||
    fail "want one 'xpra _proxy_start' of $U: $(diag)"
parent=$(ps -o args= -p "$(echo "$line" | awk '{ print $2 }')")
[[ $parent == "sh -c "*"$PROXY_COPY _proxy_start"* ]] ||
    fail "the _proxy_start process was not started as $PROXY_COPY: parent '$parent'"
say "ok: $(echo "$line" | cut -c1-120) (parent: $(echo "$parent" | cut -c1-80)...)"
xpra_list "$U" | grep -q "LIVE session at :$N\$" ||
    fail "no LIVE :$N for $U: $(xpra_list "$U")"
say "ok: :$N is LIVE as $U"
exit 0
