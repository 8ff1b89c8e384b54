#!/bin/bash
# t-restricted-xpra: Debian's real xpra 3.1.3 client attaches to a real
# xpra 3.1.3 server through a real OpenSSH sshd on 127.0.0.1, as an
# account restricted by the shipped recipe (packaging/sshd_config.d/
# xpra-proxy.conf: ForceCommand xpra-proxy --restricted, in a Match User
# block).  No --remote-xpra: the client's DEFAULT remote commands must work,
# since the forced command replaces whatever it sends.  Twice:
#   openssh   --ssh=<ssh ...>: one exec of the 3.1 default
#	      `sh -c 'xpra initenv;if [ -x $XDG_RUNTIME_DIR/xpra/run-xpra ]...'`
#   paramiko  --ssh=paramiko (key and host from ~/.ssh/config and
#	      ~/.ssh/known_hosts of a scratch HOME, host as the bare
#	      127.0.0.1): the `which ...` probe(s) answered by xpra-proxy,
#	      then `<run-xpra or xpra> "_proxy" ":N"`
# Each: the client logs "Attached to"; the one relay process is
# `xpra-proxy --restricted` as the user, and its SSH_ORIGINAL_COMMAND is
# exactly that client's default command as recorded in
# tests/data/ssh-commands.tsv for :N (openssh-3.1-default: the sh -c chain
# with `xpra initenv;`; paramiko-3.1-final-run-xpra:
# `$XDG_RUNTIME_DIR/xpra/run-xpra "_proxy" ":N"`, since the first `which`
# probe is answered 0); the server's `xpra info` lists one client; sshd ran
# one forced session (openssh) or two: the probe and the final command
# (paramiko); a server-side
# `xpra detach :N` makes the client leave (exit 0/1) and the relay exit.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-restricted-xpra.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"
. "$TOP/tests/lib/restricted.sh"

U=xpxrx
N=180			# the xpra server's display
M=181			# the client's Xvfb
SESSION=xpx-restricted-$$-$RANDOM

/usr/bin/python3 -c 'import paramiko' 2>/dev/null || skip "no python3-paramiko"
xpra_script_setup "$U"

recipe_lines "Match User $U"
SSHD_NO_LOGIN_CHECK=1 sshd_start "$U" "${RECIPE_LINES[@]}"
xpra_server_start "$U" "$N" --session-name="$SESSION"
xvfb_start "$M"
URL=ssh://$U@127.0.0.1:$SSHD_PORT/$N

# the paramiko backend reads ~/.ssh: give the client a scratch HOME
CHOME=$T/client-home
install -d -m 700 "$CHOME" "$CHOME/.ssh"
printf 'Host 127.0.0.1\n\tIdentityFile %s\n' "$SSH_KEY" >"$CHOME/.ssh/config"
cp "$SSH_KNOWN_HOSTS" "$CHOME/.ssh/known_hosts"

server_clients() { xpra_as "$U" info ":$N" 2>/dev/null | sed -n 's/^clients=//p'; }
diag() {
	printf '\n--- client log (tail):\n'; tail -n 25 "$1"
	printf -- '--- server log (tail):\n'; tail -n 15 "$XPRA_SERVER_LOG"
	printf -- '--- sshd log (tail):\n'; tail -n 15 "$SSHD_LOG"
	printf -- '--- processes of %s:\n' "$U"; ps -u "$U" -o pid=,stat=,args= | cut -c1-200
}

# vector ID: the tsv row ID's command, for display :N instead of :100
vector() {
	local i
	for i in "${!RV_ID[@]}"; do
		[ "${RV_ID[i]}" = "$1" ] || continue
		printf '%s' "${RV_CMD[i]//\":100\"/\":$N\"}"
		return 0
	done
	fail "no vector $1 in $RCASE_VECTORS"
}

# attach NAME WANT-COMMAND WANT-SESSIONS XPRA-ARG...: attach, check the
# command the client sent (exactly WANT-COMMAND) and that sshd started
# WANT-SESSIONS forced sessions for it, detach
attach() {
	local name=$1 want=$2 sessions=$3 log=$T/attach-$1.log
	local t0 relay soc n rc i mark win
	shift 3
	[ -z "$(proxy_pids "$U")" ] ||
	    fail "$name: relays left before the attach: $(proxy_pids "$U")"
	mark=$(sshd_log_mark)
	t0=$(now)
	# --mmap=no: 127.0.0.1 is "local" to xpra; --remote-logging=no: see
	# t-xpra-remote (a log packet crossing the detach)
	SSH_AUTH_SOCK='' HOME=$CHOME xpra_attach "$log" "$URL" "$@" \
	    --mmap=no --remote-logging=no --printing=no
	wait_attached "$CLIENT_PID" "$log"
	case $? in
	1) fail "$name: the client exited before attaching: $(diag "$log")";;
	2) fail "$name: no 'Attached to' after 60 s: $(diag "$log")";;
	esac
	say "ok: $name: $(grep -m1 -o 'Attached to.*' "$log") after $(since "$t0") s"

	relay=$(proxy_pids "$U")
	[ "$(printf '%s\n' "$relay" | grep -c .)" = 1 ] ||
	    fail "$name: want one xpra-proxy process of $U, have: $(ps -u "$U" -o pid=,args=)"
	args=$(ps -o args= -p "$relay")	# (valgrind's, then the binary's)
	[ "$args" = "$PROXY_COPY --restricted" ] ||
	    [[ "$args" == */valgrind*" $PROXY_COPY_ARGV0 --restricted" ]] ||
	    fail "$name: the relay runs as '$(ps -o args= -p "$relay")'"
	soc=$(tr '\0' '\n' <"/proc/$relay/environ" | sed -n 's/^SSH_ORIGINAL_COMMAND=//p')
	[ "$soc" = "$want" ] ||
	    fail "$name: the client sent '$soc', want '$want'"
	say "ok: $name: relay pid $relay '$PROXY_COPY --restricted', SSH_ORIGINAL_COMMAND: $soc"
	n=$(sshd_log_since "$mark" | grep -c 'Starting session: forced-command (config)')
	[ "$n" = "$sessions" ] ||
	    fail "$name: sshd started $n forced sessions, want $sessions: $(sshd_log_since "$mark" | grep 'Starting session')"
	for i in $(seq 50); do
		[ "$(server_clients)" = 1 ] && break
		[ "$i" = 50 ] && fail "$name: the server lists clients=$(server_clients), want 1"
		sleep 0.2
	done
	case $XPRA_STARTED in
	xmessage*)
		win=$(xmessage_window "$M") ||
		    fail "$name: the server's xmessage window never appeared on :$M"
		win="; its window is on :$M: $win";;
	*)	win=;;
	esac
	say "ok: $name: sshd ran $n forced session(s); server :$N ($SESSION) lists 1 client$win"

	t0=$(now)
	xpra_as "$U" detach ":$N" >"$T/detach-$name.out" 2>&1 ||
	    fail "$name: xpra detach :$N: $(cat "$T/detach-$name.out")"
	wait_gone "$CLIENT_PID" 150 ||
	    fail "$name: the client still runs 30 s after 'xpra detach': $(diag "$log")"
	wait "$CLIENT_PID"; rc=$?
	untrack_pid "$CLIENT_PID"
	# 3.1.3 reports the server's disconnect as 0 or "Connection lost" (1)
	case $rc in 0|1) ;; *) fail "$name: client exit $rc after detach: $(diag "$log")";; esac
	wait_gone "$relay" 50 ||
	    fail "$name: xpra-proxy $relay still runs 10 s after the client left"
	say "ok: $name: detached: client exit $rc after $(since "$t0") s, relay gone"
	# the next attach needs the window gone from :M
	for i in $(seq 50); do
		DISPLAY=:$M xwininfo -root -tree 2>/dev/null | grep -q '"xmessage' || break
		sleep 0.2
	done
}

# the 3.1.3 client's commands, as recorded in the vectors; paramiko: the
# first candidate's `which` answers 0, so it runs that candidate
rcase_load
attach openssh "$(vector openssh-3.1-default)" 1 --ssh="$SSH_OPTS"
attach paramiko "$(vector paramiko-3.1-final-run-xpra)" 2 --ssh=paramiko

xvfb_stop
xpra_server_stop "$U" "$N"
[ -z "$(proxy_pids "$U")" ] || fail "xpra-proxy processes left: $(proxy_pids "$U")"
exit 0
