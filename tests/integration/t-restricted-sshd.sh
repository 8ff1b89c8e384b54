#!/bin/bash
# t-restricted-sshd: restricted mode through a real OpenSSH sshd on
# 127.0.0.1, deployed three ways:
#   (a) forcecmd   the shipped recipe packaging/sshd_config.d/xpra-proxy.conf
#		   (binary path and Match line substituted, nothing else)
#   (b) keyopt	   the shipped packaging/authorized_keys.example options
#		   (restrict,command="... --restricted") on the user's key
#   (c) loginshell xpra-proxy is the account's login shell (sshd runs
#		   `xpra-proxy -c <cmd>`), no ForceCommand
# Sessions of each user are fake xpra servers in ~/.xpra (the default
# directories: nothing is passed on the admin side), tests/lib/restricted.sh.
# For each way:
#  * the rows of tests/data/ssh-commands.tsv, each in one of the three
#    ways (rcase_picked: sshd hands every way's command over unchanged,
#    and t-restricted-vectors runs every row through both of the binary's
#    modes; asan, valgrind and static, there for memory errors and
#    linking, take every 4th row), sent by OpenSSH `ssh -T`:
#    accept rows relay 1 MiB each way byte-exact to the right display
#    through one connection; probes answer as a shell would, nothing
#    connected; refusals (and `id`) give 77, empty stdout, one
#    `xpra-proxy: refused` line, nothing connected (refuse-empty is
#    `ssh -T host` with no command: a shell request);
#  * python3-paramiko replaying, on one transport with one exec channel per
#    probe and the clients' 10 s limit, the 3.1 sequence (`which
#    $XDG_RUNTIME_DIR/xpra/run-xpra`, `which xpra`, `xpra "_proxy" ":100"`),
#    the 3.1 sequence as the real client runs it once the first `which`
#    answers 0 (`$XDG_RUNTIME_DIR/xpra/run-xpra "_proxy" ":100"`), and the
#    4.4+ one (`echo %OS%`, `echo $OSTYPE`, `command`, `command -v xpra`,
#    then `"<the path printed>" "_proxy" "100"`): every probe exit 0 with
#    the shell's answer, the final command relays byte-exact; no probe
#    connects (the server accepts one connection: the final one);
#  * sftp: `ssh -s host sftp` gives 77 and nothing on stdout or stderr
#    (sshd drops a subsystem's stderr), the sftp client fails.
# (a) and (b) also block: `ssh -W` to a listening loopback TCP port, `-L`
# through to it, `-R` (ExitOnForwardFailure), and a pty: `ssh -tt`, with a
# command or without, is denied its pty ("PTY allocation request failed":
# the OpenSSH client then closes, exit 255, nothing on stdout).  (c) alone
# grants a pty: xpra-proxy itself refuses a terminal on stdin/stdout
# (non-zero, message, nothing connected).  Negative control: the recipe
# without its DisableForwarding and AllowTcpForwarding lines lets -W reach
# the port (ForceCommand alone does not limit forwarding).
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-restricted-sshd.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"
. "$TOP/tests/lib/restricted.sh"

UA=xpxrs	# (a) the shipped ForceCommand recipe
UB=xpxrk	# (b) the shipped authorized_keys options
UC=xpxrl	# (c) xpra-proxy as the login shell
UX=xpxrc	# control: the recipe without its forwarding lines
KEYS_EXAMPLE=$TOP/packaging/authorized_keys.example
PARAMIKO_EXEC=$TOP/tests/lib/paramiko_exec.py

need_user_runs
$PY -c 'import paramiko' 2>/dev/null || skip "no python3-paramiko"
[ -x /usr/lib/openssh/sftp-server ] || skip "no /usr/lib/openssh/sftp-server"
tmp_setup
for u in $UA $UB $UC $UX; do ensure_user "$u"; done
install_proxy_copy

# (c): the login shell, put back at exit (the copy goes with $T); sshd
# marks a login shell by argv[0], so check-valgrind uses the real binary
usermod -s "$PROXY_COPY_ARGV0" "$UC" || fail "usermod -s $PROXY_COPY_ARGV0 $UC"
xpx_at_exit "usermod -s /bin/sh $UC"

recipe_lines "Match User $UA"
recipe_a=("${RECIPE_LINES[@]}")
recipe_lines "Match User $UX" '^[[:space:]]*\(DisableForwarding\|AllowTcpForwarding\)'
recipe_x=("${RECIPE_LINES[@]}")
say "recipe under test: $(printf '%s; ' "${recipe_a[@]}")"

# the sshd: sftp as Debian ships it; the recipe; then, for the users whose
# restriction is under test, everything the recipe should take away
# switched ON (Match: the first value obtained wins, so the recipe's own
# lines above take precedence for $UA and $UX)
SSHD_NO_LOGIN_CHECK=1 sshd_start "$UA $UB $UC $UX" \
    "Subsystem sftp /usr/lib/openssh/sftp-server" \
    "${recipe_a[@]}" "${recipe_x[@]}" \
    "Match User $UA,$UB,$UX" \
    "	AllowTcpForwarding yes" "	AllowStreamLocalForwarding yes" \
    "	AllowAgentForwarding yes" "	PermitTTY yes" "	PermitTunnel yes"

# (b): the first example line's options, path replaced
keyopts=$(example_key_options "/usr/bin/xpra-proxy --restricted") || exit 1
SSHD_KEY_OPTIONS=$keyopts sshd_install_key "$UB"
say "$UB's key options: $keyopts"

# ---- runners (COMMAND last; run_ssh: tests/lib/restricted.sh)
run_subsystem() {	# run_subsystem USER NAME
	timeout 30 "${ssh_cmd[@]}" -T -s "$1@127.0.0.1" "$2"
}
# run_paramiko: tests/lib/restricted.sh

# ---- a TCP service on loopback for the forwarding checks: greets every
# connection with a banner and logs it
TCP_LOG=$T/tcp.log
: >"$TCP_LOG"
$PY - "$T/tcp.port" "$TCP_LOG" <<'EOF' >"$T/tcp.err" 2>&1 &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, peer = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("connection from %s:%d\n" % peer)
    try:
        c.sendall(b"xpx-tcp-banner\n")
    except OSError:
        pass
    c.close()
EOF
track_pid $!
for _ in $(seq 50); do [ -s "$T/tcp.port" ] && break; sleep 0.1; done
TCP_PORT=$(cat "$T/tcp.port") || fail "the TCP service did not start: $(cat "$T/tcp.err")"
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# tcp_read PORT: what a connection to 127.0.0.1:PORT receives
tcp_read() {
	timeout 20 $PY "$TOP/tests/lib/sockpeek.py" "127.0.0.1:$1" 2>&1
}

# forwarding_blocked NAME USER: -W, -L, -R and a pty, none of which may work
forwarding_blocked() {
	local name=$1 u=$2 rc lport rport got pid mark
	mark=$(sshd_log_mark)
	timeout 30 "${ssh_cmd[@]}" -W "127.0.0.1:$TCP_PORT" "$u@127.0.0.1" \
	    </dev/null >"$T/w.out" 2>"$T/w.err"
	rc=$?
	[ "$rc" != 0 ] && [ ! -s "$T/w.out" ] && [ ! -s "$TCP_LOG" ] ||
	    fail "$name: ssh -W 127.0.0.1:$TCP_PORT: exit $rc, got '$(head -c 100 "$T/w.out")', service log: $(cat "$TCP_LOG")"
	say "ok: $name: ssh -W blocked (exit $rc: $(grep -v '^$' "$T/w.err" | head -n 1)); sshd: $(sshd_log_since "$mark" | grep -m1 -i 'refused\|prohibit')"

	lport=$(free_port)
	timeout 60 "${ssh_cmd[@]}" -N -L "127.0.0.1:$lport:127.0.0.1:$TCP_PORT" \
	    "$u@127.0.0.1" </dev/null >"$T/l.out" 2>"$T/l.err" &
	pid=$!
	track_pid "$pid"
	for _ in $(seq 100); do
		$PY -c "import socket; socket.create_connection(('127.0.0.1', $lport), 1)" \
		    2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	got=$(tcp_read "$lport")
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; untrack_pid "$pid"
	[ -z "$got" ] && [ ! -s "$TCP_LOG" ] ||
	    fail "$name: ssh -L $lport:127.0.0.1:$TCP_PORT: a connection got '$got', service log: $(cat "$TCP_LOG")"
	say "ok: $name: ssh -L blocked (the forwarded connection got nothing; ssh: $(grep -m1 -i 'open failed\|prohibit' "$T/l.err"))"

	rport=$(free_port)
	timeout 30 "${ssh_cmd[@]}" -N -o ExitOnForwardFailure=yes \
	    -R "127.0.0.1:$rport:127.0.0.1:$TCP_PORT" "$u@127.0.0.1" \
	    </dev/null >"$T/r.out" 2>"$T/r.err"
	rc=$?
	got=$(tcp_read "$rport")
	[ "$rc" = 255 ] && [[ $got != *xpx-tcp-banner* ]] && [ ! -s "$TCP_LOG" ] ||
	    fail "$name: ssh -R $rport:127.0.0.1:$TCP_PORT: exit $rc (want 255), port $rport gave '$got'"
	say "ok: $name: ssh -R refused (exit 255: $(grep -m1 -i 'forward' "$T/r.err"))"

	# a pty: sshd refuses it, and the OpenSSH client then gives up
	for cmd in 'xpra _proxy :100' ''; do
		timeout 30 "${ssh_cmd[@]}" -tt -e none "$u@127.0.0.1" "$cmd" \
		    <"$T/rcase-in.bin" >"$T/tt.out" 2>"$T/tt.err"
		rc=$?
		[ "$rc" = 255 ] && [ ! -s "$T/tt.out" ] &&
		    grep -q '^PTY allocation request failed' "$T/tt.err" ||
		    fail "$name: ssh -tt '$cmd': exit $rc (want 255 and 'PTY allocation request failed'), stdout $(head -c 100 "$T/tt.out" | od -c | head -n 2), stderr: $(cat "$T/tt.err")"
	done
	say "ok: $name: ssh -tt (with and without a command): no pty (exit 255, $(head -n 1 "$T/tt.err"))"
}

# sftp_refused NAME USER
sftp_refused() {
	local name=$1 u=$2 rc
	RCASE_SUBSYSTEM=1 rcase_run "$name/ssh-s-sftp" refuse "" sftp \
	    run_subsystem "$u"
	timeout 30 sftp -b /dev/null "${ssh_cmd[@]:1:${#ssh_cmd[@]}-3}" \
	    -o Port="$SSHD_PORT" "$u@127.0.0.1" </dev/null >"$T/sftp.out" 2>"$T/sftp.err"
	rc=$?
	[ "$rc" != 0 ] || fail "$name: the sftp client succeeded: $(cat "$T/sftp.err")"
	say "ok: $name: sftp client fails (exit $rc: $(head -n 1 "$T/sftp.err"))"
}

# one_way NAME USER WAY: the vectors of way WAY (rcase_picked), paramiko,
# sftp
RCASE_SPREAD=1 SPREAD=3
[ -z "$XP_VARIANT" ] || SPREAD=12
one_way() {
	local name=$1 u=$2 way=$3 i a=${RCASE_N[accept]} p=${RCASE_N[probe]} r=${RCASE_N[refuse]}
	rcase_setup "$u" "$(getent passwd "$u" | cut -d: -f6)/.xpra"
	for i in "${!RV_ID[@]}"; do
		rcase_picked "$i" "$way" $SPREAD || continue
		rcase_run "$name/${RV_ID[i]}" "${RV_EXPECT[i]}" "${RV_DISPLAY[i]}" \
		    "${RV_CMD[i]}" run_ssh "$u" -T
	done
	rcase_run "$name/id" refuse "" id run_ssh "$u" -T
	for seq in 31 31r 44; do
		case $seq in
		31)	final='xpra "_proxy" ":100"';;
		31r)	final='$XDG_RUNTIME_DIR/xpra/run-xpra "_proxy" ":100"';;
		44)	final='"{last}" "_proxy" "100"';;
		esac
		PARAMIKO_PROBES=
		rcase_run "$name/paramiko-$seq" accept 100 "$final" \
		    run_paramiko "$u" "$seq"
		say "    probes: $PARAMIKO_PROBES"
	done
	sftp_refused "$name" "$u"
	say "$name: accepted $((RCASE_N[accept] - a)), probe $((RCASE_N[probe] - p)), refused $((RCASE_N[refuse] - r))"
}

rcase_load
one_way forcecmd "$UA" 0
forwarding_blocked forcecmd "$UA"
one_way keyopt "$UB" 1
forwarding_blocked keyopt "$UB"
one_way loginshell "$UC" 2
declare -A tty_echo=()

# (c) alone does not refuse a pty (no recipe here): xpra-proxy must, before
# connecting anywhere
for n in 100 101; do
	fake_start "$UC" "$RCASE_DIR/$RCASE_HOST-$n" echo
	tty_echo[$n]=$FAKE_PID
done
timeout 30 "${ssh_cmd[@]}" -tt -e none "$UC@127.0.0.1" 'xpra _proxy :100' \
    </dev/null >"$T/tt.out" 2>"$T/tt.err"
rc=$?
[ $rc = 77 ] || fail "loginshell: ssh -tt 'xpra _proxy :100' with a pty: exit $rc (want xpra-proxy's refusal, 77): $(cat "$T/tt.out" "$T/tt.err")"
grep -qi 'terminal' "$T/tt.out" ||
    fail "loginshell: ssh -tt: no message about the terminal: $(cat "$T/tt.out")"
for n in 100 101; do
	why=$(fake_untouched "$RCASE_DIR/$RCASE_HOST-$n") ||
	    fail "loginshell: ssh -tt: xpra-proxy connected to :$n ($why)"
	fake_reap "${tty_echo[$n]}" || fail "fake server :$n did not exit"
done
say "ok: loginshell: ssh -tt gets a pty and xpra-proxy refuses it (exit $rc: $(tr -d '\r' <"$T/tt.out" | head -n 1)), nothing connected"

# ---- negative control: without DisableForwarding/AllowTcpForwarding the
# forced command does not stop -W
timeout 30 "${ssh_cmd[@]}" -W "127.0.0.1:$TCP_PORT" "$UX@127.0.0.1" \
    </dev/null >"$T/wx.out" 2>"$T/wx.err"
grep -q xpx-tcp-banner "$T/wx.out" ||
    fail "control: the recipe without DisableForwarding/AllowTcpForwarding should let -W through (exit $?): $(cat "$T/wx.err")"
say "ok: control: recipe minus DisableForwarding+AllowTcpForwarding: ssh -W reached 127.0.0.1:$TCP_PORT ($(cat "$TCP_LOG"))"
say "total: accepted ${RCASE_N[accept]}, probe ${RCASE_N[probe]}, refused ${RCASE_N[refuse]}"
exit 0
