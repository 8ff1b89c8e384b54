#!/bin/bash
# t-agent: ssh-agent forwarding through a real OpenSSH sshd on 127.0.0.1
# with a real ssh-agent (`ssh -A`), as xpra >= 4.4 clients ask for it:
# `... _proxy :N --env=SSH_AGENT_UUID=<uuid>`.  The session directory is
# $XDG_RUNTIME_DIR/xpra/N with the server's ssh/ (sshd sets
# XDG_RUNTIME_DIR to a private directory per user); the session is a fake
# xpra server at ~/.xpra/<hostname>-N.  Two accounts: unrestricted
# (`ssh -A host xpra-proxy _proxy :N --env=...`) and restricted
# (packaging/authorized_keys.example's `restrict,agent-forwarding,command=...`, the
# client's `xpra _proxy :N --env=...`).  For each, while the session runs:
# <session dir>/ssh/<uuid> is a symlink to the forwarded agent socket and
# `ssh-add -l` as the user through it lists the client's key; the link is
# gone once the session ended normally (client EOF), after SIGTERM to
# xpra-proxy (exit 143) and after the server was killed.  Also: a uuid
# with a '.' (6.x would refuse it), and `ssh` without -A, relay without
# making a link; a link someone else put in its place meanwhile is left.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-agent.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/restricted.sh"
. "$TOP/tests/lib/xpra.sh"	# proxy_pids

UU=xpxagu	# unrestricted
UR=xpxagr	# restricted, agent forwarding allowed by its key options
N=190
UUID=$(printf 'xpx-agent-test-%s' "$$" | sha256sum | cut -c1-64)

need_user_runs
command -v ssh-agent >/dev/null || skip "no ssh-agent"
tmp_setup
ensure_user "$UU"
ensure_user "$UR"
install_proxy_copy
fake_setup
HOST=$(hostname)

# XDG_RUNTIME_DIR per user, short: <it>/xpra/N/ssh/<64 hex> must fit in
# a socket address (108 bytes) for ssh-add to connect through the link
declare -A RUN=([$UU]=$T/ru [$UR]=$T/rr)
for u in $UU $UR; do
	home=$(getent passwd "$u" | cut -d: -f6)
	install -d -m 700 -o "$u" "$home/.xpra" "${RUN[$u]}" \
	    "${RUN[$u]}/xpra" "${RUN[$u]}/xpra/$N" "${RUN[$u]}/xpra/$N/ssh" ||
	    fail "cannot make $u's directories"
	rm -f "$home/.xpra/$HOST-$N"
done

SSHD_NO_LOGIN_CHECK=1 sshd_start "$UU $UR" \
    "AllowAgentForwarding yes" \
    "Match User $UU" "	SetEnv XDG_RUNTIME_DIR=${RUN[$UU]}" \
    "Match User $UR" "	SetEnv XDG_RUNTIME_DIR=${RUN[$UR]}"
# the shipped example's line for it
KEYS_EXAMPLE=$TOP/packaging/authorized_keys.example
keyopts=$(example_key_options "/usr/bin/xpra-proxy --restricted" \
    agent-forwarding) || exit 1
SSHD_KEY_OPTIONS=$keyopts sshd_install_key "$UR"

# the client's agent, holding the client's key
ssh-agent -a "$T/agent.sock" -D >"$T/agent.log" 2>&1 &
track_pid $!
for _ in $(seq 50); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK=$T/agent.sock
ssh-add "$SSH_KEY" 2>"$T/ssh-add.err" || fail "ssh-add: $(cat "$T/ssh-add.err")"
FPR=$(ssh-add -l | awk '{ print $2 }')
[ -n "$FPR" ] || fail "the agent holds no key"

# session_start USER REMOTE-COMMAND [SSH-OPTION...]: the fake server, then
# ssh with stdin from a FIFO this shell holds open (closing fd 7 is the
# client's EOF); SRV_PID, SSH_PID
session_start() {
	local u=$1 cmd=$2 home; shift 2
	home=$(getent passwd "$u" | cut -d: -f6)
	rm -f "$home/.xpra/$HOST-$N"	# a killed server's
	serve "$u" "$home/.xpra/$HOST-$N" --mode echo
	rm -f "$T/in.fifo"; mkfifo "$T/in.fifo"
	timeout 60 "${ssh_cmd[@]}" "$@" "$u@127.0.0.1" "$cmd" \
	    <"$T/in.fifo" >"$T/out" 2>"$T/err" &
	SSH_PID=$!
	track_pid $SSH_PID
	exec 7>"$T/in.fifo"
	printf 'hello agent' >&7
}

# link_live CASE USER: while the session runs, the link is there, points at
# a socket, and the agent behind it lists the client's key
link_live() {
	local c=$1 u=$2 link=${RUN[$2]}/xpra/$N/ssh/$UUID target keys
	for _ in $(seq 100); do [ -L "$link" ] && break; sleep 0.1; done
	if [ ! -L "$link" ]; then
		bad "$c" "no link $link while the session runs: $(cat "$T/err")"
		return 1
	fi
	target=$(readlink "$link")
	[ -S "$target" ] || { bad "$c" "$link -> $target, not a socket"; return 1; }
	keys=$(as_user "$u" env SSH_AUTH_SOCK="$link" ssh-add -l 2>&1)
	[[ $keys == *"$FPR"* ]] ||
	    { bad "$c" "ssh-add -l through $link: $keys"; return 1; }
	say "ok: $c: $link -> $target, the agent lists the client's key"
}

# session_end CASE USER STATUS: ssh exited STATUS and the link is gone
session_end() {
	local c=$1 u=$2 want=$3 rc link=${RUN[$2]}/xpra/$N/ssh/$UUID
	exec 7>&-
	wait_gone "$SSH_PID" 100 || { bad "$c" "ssh still runs"; kill "$SSH_PID"; }
	wait "$SSH_PID"; rc=$?
	untrack_pid "$SSH_PID"
	[ "$rc" = "$want" ] || bad "$c" "ssh exit $rc, want $want: $(cat "$T/err")"
	if [ -L "$link" ] || [ -e "$link" ]; then
		bad "$c" "the link $link is still there"
	else
		say "ok: $c: ssh exit $rc, the link is gone"
	fi
	wait_gone "$SRV_PID" 50 || kill "$SRV_PID" 2>/dev/null
}

for mode in unrestricted restricted; do
	if [ $mode = unrestricted ]; then
		u=$UU cmd="$PROXY_COPY _proxy :$N --env=SSH_AGENT_UUID=$UUID"
	else
		u=$UR cmd="xpra _proxy :$N --env=SSH_AGENT_UUID=$UUID"
	fi

	c="$mode: normal end"
	session_start $u "$cmd" -A
	link_live "$c" $u
	session_end "$c" $u 0
	[ "$(cat "$T/out")" = "hello agent" ] ||
	    bad "$c" "stdout '$(head -c 100 "$T/out")', not the echo"

	c="$mode: SIGTERM"
	session_start $u "$cmd" -A
	if link_live "$c" $u; then
		pid=$(proxy_pids $u)
		[ -n "$pid" ] && kill -TERM "$pid" ||
		    bad "$c" "no xpra-proxy of $u: $(ps -u $u -o pid=,args=)"
		# the signal alone ends it: the client's EOF (session_end)
		# comes only after, or it could win the race (exit 0)
		wait_gone "$SSH_PID" 150 ||
		    bad "$c" "ssh still runs 30 s after SIGTERM to $pid"
	fi
	session_end "$c" $u 143

	c="$mode: server killed"
	session_start $u "$cmd" -A
	link_live "$c" $u && kill -KILL "$SRV_PID"
	session_end "$c" $u 0
done

# no link where xpra 6.x would not make one, and none without an agent
c="uuid with a dot"
session_start $UU "$PROXY_COPY _proxy :$N --env=SSH_AGENT_UUID=a.b" -A
sleep 1
[ -e "${RUN[$UU]}/xpra/$N/ssh/a.b" ] && bad "$c" "a link was made"
session_end "$c" $UU 0
c="ssh without -A"
session_start $UU "$PROXY_COPY _proxy :$N --env=SSH_AGENT_UUID=$UUID" -a
sleep 1
[ -e "${RUN[$UU]}/xpra/$N/ssh/$UUID" ] && bad "$c" "a link was made"
session_end "$c" $UU 0
[ "$(cat "$T/out")" = "hello agent" ] || bad "$c" "no echo: $(cat "$T/err")"

# replaced while the relay ran: someone else's link now, left alone
c="replaced meanwhile"
session_start $UU "$PROXY_COPY _proxy :$N --env=SSH_AGENT_UUID=$UUID" -A
if link_live "$c" $UU; then
	as_user $UU ln -sfn /nonexistent/other "${RUN[$UU]}/xpra/$N/ssh/$UUID"
fi
exec 7>&-
wait_gone "$SSH_PID" 100; wait "$SSH_PID"; untrack_pid "$SSH_PID"
[ "$(readlink "${RUN[$UU]}/xpra/$N/ssh/$UUID")" = /nonexistent/other ] ||
    bad "$c" "the other link was removed or changed"
grep -q "replaced while we ran" "$T/err" ||
    bad "$c" "no warning: $(cat "$T/err")"
cases_done
