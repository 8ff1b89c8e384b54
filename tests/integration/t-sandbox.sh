#!/bin/bash
# t-sandbox.sh - restricted mode confines itself: while relaying, no new
# privileges, a seccomp filter, one thread, only the expected descriptors;
# over a whole session, no exec and no child; and without seccomp (E10,
# simulated with strace) it warns and still relays.
. "$(dirname "$0")/../lib/common.sh"
tmp_setup
command -v strace >/dev/null || skip "no strace"
sandboxed || skip "built without its sandbox (SANDBOX=0)"
host=$(hostname)
mkdir -m 700 "$T/s"
$PY "$FAKESERVER" --socket "$T/s/$host-61" --mode echo --accept 5 &
track_pid $!
wait_for_socket "$T/s/$host-61" || fail "fake server"
export SSH_ORIGINAL_COMMAND='"/usr/bin/xpra" "_proxy" "61"'

# 1. a live relay, looked at from outside
mkfifo "$T/in"
"$XPRA_PROXY" --restricted --socket-dirs="$T/s" <"$T/in" >"$T/out" 2>"$T/err" &
pid=$!
exec 9>"$T/in"
sleep 0.5
st=/proc/$pid/status
grep -q '^NoNewPrivs:[[:space:]]*1' $st || fail "no PR_SET_NO_NEW_PRIVS"
grep -q '^Seccomp:[[:space:]]*2' $st || fail "no seccomp filter"
grep -q '^Threads:[[:space:]]*1$' $st || fail "more than one thread"
# 0-2, the server socket, and at most libsystemd's journal socket
fds=$(ls /proc/$pid/fd | sort -n | tr '\n' ' ')
extra=0
for fd in $(ls /proc/$pid/fd); do
	[ "$fd" -le 2 ] && continue
	extra=$((extra + 1))
	case $(readlink /proc/$pid/fd/$fd) in
	socket:*) ;;
	*) fail "fd $fd is not a socket: $(readlink /proc/$pid/fd/$fd)";;
	esac
done
[ $extra -ge 1 ] && [ $extra -le 2 ] || fail "unexpected descriptors: $fds"
printf 'sandboxed' >&9
exec 9>&-
wait $pid || fail "relay exit $?"
[ "$(cat "$T/out")" = sandboxed ] || fail "relay output: $(cat "$T/out")"

# 2. a whole session under strace: one execve (ours), no child
printf 'x' | strace -f -qq -e trace=execve,execveat,clone,clone3,fork,vfork \
    -o "$T/trace" "$XPRA_PROXY" --restricted --socket-dirs="$T/s" >/dev/null ||
    fail "traced relay failed"
[ "$(grep -c 'execve(' "$T/trace")" = 1 ] || fail "exec: $(cat "$T/trace")"
! grep -qE '(^|[[:space:]])(clone3?|v?fork)\(' "$T/trace" ||
    fail "a child: $(cat "$T/trace")"

# 3. a kernel without seccomp filters (E10): a warning, and it relays
printf 'y' | strace -qq -o /dev/null -e inject=seccomp:error=EINVAL \
    "$XPRA_PROXY" --restricted --socket-dirs="$T/s" >"$T/out3" 2>"$T/err3" ||
    fail "without seccomp: exit $? ($(cat "$T/err3"))"
[ "$(cat "$T/out3")" = y ] || fail "without seccomp: output"
grep -q 'no seccomp filter' "$T/err3" || fail "without seccomp: no warning"
# 4. a kernel without Landlock: relays all the same
printf 'z' | strace -qq -o /dev/null \
    -e inject=landlock_create_ruleset:error=ENOSYS \
    "$XPRA_PROXY" --restricted --socket-dirs="$T/s" >"$T/out4" 2>"$T/err4" ||
    fail "without Landlock: exit $? ($(cat "$T/err4"))"
[ "$(cat "$T/out4")" = z ] || fail "without Landlock: output"
# 5. socket stdio (inetd-style): the relay's private pipe is made after
# the filter is in place
$PY - "$XPRA_PROXY" "$T/s" <<'PYEOF' || fail "restricted relay over socket stdio"
import os, socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "--restricted", "--socket-dirs=" + sys.argv[2]],
                     stdin=b, stdout=b)
b.close()
a.sendall(b"over a socket")
a.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = a.recv(4096)
    if not d:
        break
    got += d
sys.exit(0 if p.wait(timeout=20) == 0 and got == b"over a socket" else 1)
PYEOF
say "sandbox on, no exec, no child, fd set $fds; seccomp-less kernel warned"
