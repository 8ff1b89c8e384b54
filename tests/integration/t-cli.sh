#!/bin/bash
# t-cli.sh - the binary's contract at its edges: exit statuses for usage
# errors and signals, a terminal refused, `xpra initenv` when installed as
# xpra, _proxy_start* handed to the real xpra, --help/--version, and never
# a byte on stdout when nothing is relayed.
. "$(dirname "$0")/../lib/common.sh"
tmp_setup
host=$(hostname)
mkdir -m 700 "$T/s"

# expect STATUS STDERR-PATTERN CMD...: status, message, empty stdout
expect() {
	local want=$1 pattern=$2; shift 2
	timeout 20 "$@" </dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want ($(cat "$T/err"))"
	[ ! -s "$T/out" ] || fail "$*: wrote to stdout: $(head -c 200 "$T/out")"
	grep -q -- "$pattern" "$T/err" || fail "$*: stderr lacks '$pattern': $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -le 2 ] || fail "$*: more than two lines on stderr"
}

P=$XPRA_PROXY
expect 64 "unknown option '--bogus'" "$P" --bogus :1
expect 64 "invalid display ':abc'" "$P" :abc
expect 64 "invalid display ''" "$P" ""
expect 64 "invalid display ':-1'" "$P" :-1
expect 64 "too many arguments" "$P" :1 :2
expect 64 "too many arguments" "$P" _proxy :1 :2
expect 64 "invalid display '_proxyx'" "$P" _proxyx :1
expect 64 "invalid --wait" "$P" --wait=forever :1
# 0 would be SO_SNDTIMEO {0, 0}: a connect with no time-out at all
expect 64 "invalid --connect-timeout value '0'" "$P" --connect-timeout=0 :1
expect 64 "invalid --connect-timeout value '0.0001'" "$P" \
    --connect-timeout=0.0001 :1
expect 64 "unexpected argument" "$P" list :1
expect 69 "cannot find live server for display :9" "$P" --socket-dirs="$T/s" :9
expect 69 "cannot find any live servers to connect to" "$P" --socket-dirs="$T/s"
expect 69 "cannot find live server for display :9" "$P" --socket-dirs="$T/s" _proxy --start=xterm ":9" --mmap=no

# --help and --version go to stdout (nothing is being relayed)
"$P" --help | grep -q '^usage: xpra-proxy' || fail "--help"
"$P" --version | grep -q '^xpra-proxy [0-9]' || fail "--version"

# installed as "xpra": initenv is silent and succeeds; others refused
ln -s "$XPRA_PROXY_ARGV0" "$T/xpra"
"$T/xpra" initenv </dev/null >"$T/out" 2>"$T/err" || fail "xpra initenv failed"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "xpra initenv printed something"
expect 64 "not supported here" "$T/xpra" start :1

# _proxy_start and the rest of the family: handed to the first xpra in
# PATH that is not this program (not even under the name xpra), argv as
# it came; relative PATH entries never count
mkdir "$T/real" "$T/cwd"
printf '#!/bin/sh\necho "real xpra: $*" >&2\nexit 3\n' >"$T/real/xpra"
printf '#!/bin/sh\necho "relative: $*" >&2\nexit 4\n' >"$T/cwd/xpra"
chmod 755 "$T/real/xpra" "$T/cwd/xpra"
for sub in _proxy_start _proxy_start_desktop _proxy_shadow_start _proxy_run; do
	(cd "$T/cwd" && env PATH=.:"$T":"$T/real" "$P" $sub ":7" --start=xterm \
	    </dev/null >"$T/out" 2>"$T/err")
	rc=$?
	[ $rc = 3 ] && [ "$(cat "$T/err")" = "real xpra: $sub :7 --start=xterm" ] ||
	    fail "$sub: exit $rc, want the real xpra's 3: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$sub: wrote to stdout"
done
expect 69 "no xpra in PATH" env PATH="$T":relative "$P" _proxy_start :7
expect 69 "no xpra in PATH" env PATH="$T" "$T/xpra" _proxy_start :7
# an "xpra" that runs xpra-proxy again (a wrapper): refused, no loop
mkdir "$T/wrap"
printf '#!/bin/sh\nexec %s "$@"\n' "$P" >"$T/wrap/xpra"
chmod 755 "$T/wrap/xpra"
expect 69 "the xpra in PATH ran xpra-proxy again" env PATH="$T/wrap" \
    "$P" _proxy_start :7

# a terminal on stdin/stdout is refused before any connection
$PY "$FAKESERVER" --socket "$T/s/$host-5" --mode silent --accept 4 &
track_pid $!
wait_for_socket "$T/s/$host-5" || fail "fake server"
$PY - "$P" "$T/s" <<'PYEOF' || fail "a tty was not refused with 64"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--socket-dirs=" + sys.argv[2], ":5"])
out = b""
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.WEXITSTATUS(status) == 64 and b"terminal" in out else 1)
PYEOF

# signals end a relay with 128+N, even when the parent ignored them
for sig in TERM HUP INT; do
	mkfifo "$T/fifo.$sig"
	( trap '' INT; exec "$P" --socket-dirs="$T/s" :5 <"$T/fifo.$sig" >"$T/out.$sig" 2>"$T/err.$sig" ) &
	pid=$!
	exec 9>"$T/fifo.$sig"
	sleep 0.3
	in_variant valgrind && sleep 2	# until it has reset its signals
	kill -s "$sig" "$pid"
	timeout 10 tail --pid="$pid" -f /dev/null || fail "SIG$sig: still running"
	wait "$pid"
	rc=$?
	exec 9>&-
	want=$((128 + $(kill -l "$sig")))
	[ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, want $want"
	[ ! -s "$T/out.$sig" ] || fail "SIG$sig: stdout not empty"
done
# P16: as a login shell, argv is the client's: only "-c COMMAND" is a
# request; everything else is refused at once, without reading stdin
# (sshd may also run the shell for ~/.ssh/rc with xauth data on stdin)
login() {	# login ARGV0 ARGS...: expect 77, a refusal, nothing on stdout
	local a0=$1; shift
	mkfifo "$T/never.$$" 2>/dev/null
	timeout 5 bash -c 'exec -a "$0" "$@"' "$a0" "$XPRA_PROXY_ARGV0" "$@" \
	    <"$T/never.$$" >"$T/lout" 2>"$T/lerr" &
	local pid=$!
	exec 8>"$T/never.$$"	# stdin open, never written: reading would hang
	wait $pid
	local rc=$?
	exec 8>&-
	rm -f "$T/never.$$"
	[ $rc = 77 ] || fail "login shell $a0 $*: exit $rc, want 77"
	[ ! -s "$T/lout" ] || fail "login shell $a0 $*: stdout not empty"
	grep -q 'refused' "$T/lerr" || fail "login shell $a0 $*: no refusal"
}
login -xpra-proxy
login -xpra-proxy -l
login xpra-proxy -c
login xpra-proxy -c 'xpra _proxy :1' extra
login xpra-proxy -c '/bin/sh .ssh/rc'
login xpra-proxy -c 'bash -i'
expect 64 "unknown option '-i'" "$P" -i	# not a login shell: a usage error
login -xpra-proxy -c 'id'

# closed stdio: the socket must not become fd 1 or 2 (E1)
$PY "$FAKESERVER" --socket "$T/s/$host-6" --mode echo &
track_pid $!
wait_for_socket "$T/s/$host-6" || fail "fake server"
printf ping | timeout 20 "$P" --socket-dirs="$T/s" :6 2>&- >"$T/out6" ||
    fail "closed stderr: exit $?"
[ "$(cat "$T/out6")" = ping ] || fail "closed stderr: wrong output"
timeout 20 "$P" --socket-dirs="$T/s" :99 2>&- >&- <&-
[ $? = 69 ] || fail "all stdio closed: want 69"

say "usage, refusals, tty, initenv, signal statuses and closed stdio checked"
