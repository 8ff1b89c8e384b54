#!/bin/bash
# t-faults-syscall.sh - syscall faults injected into the real binary while
# it relays to fakeserver.py (security.md §4.2 item 5; checklist rows
# R6-R10, S9, E11 of §6.2-6.4).  strace's error injection skips the call
# and returns the error, so each fault is one the kernel could really
# give; where it could not be faithful (short writes, F_SETPIPE_SZ
# refusals), the real kernel mechanism is used instead: tiny pipes, slow
# readers, lowered pipe-max-size / pipe-user-pages-soft for a test user.
#
# Every case checks: exit status; byte-exact data both ways (sha256 at
# both ends, the server's report); no hang (`timeout`); stderr silent on
# success, one line on a refusal, stdout empty then; and the strace log
# itself: one execve (ours), no clone/fork, one process.  Case names are
# checklist rows.  Relay syscalls after a fault are counted, so that an
# EAGAIN storm that made the relay spin would show (no wall-clock speed
# is asserted).
#
# Needs strace; the unprivileged R10 cases need root (the others do not).
# Exit 0 pass, 77 skip, 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

command -v strace >/dev/null || skip "no strace"
[ -x "$XPRA_PROXY" ] || skip "no binary at $XPRA_PROXY (run make)"
# valgrind's own calls would take the faults, and it is a wrapper script
variant_skip valgrind "strace injects into the binary's own syscalls"
tmp_setup
install_proxy_copy
fake_setup
HOST=$(hostname)
BIN=$XPRA_PROXY
TMO=20			# per relay, under strace: a hang ends here
# LeakSanitizer cannot work under ptrace: the other checks can
SAN_ENV=()
in_variant asan &&
    SAN_ENV=(-E "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
STARTED=$(now)

# --- sysctls lowered by the R10 cases, restored whatever happens ----------

declare -A SYSCTL_SAVED=()
restore_sysctls() {
	local k
	for k in "${!SYSCTL_SAVED[@]}"; do
		echo "${SYSCTL_SAVED[$k]}" >"/proc/sys/fs/$k" 2>/dev/null ||
		    say "cannot restore fs.$k=${SYSCTL_SAVED[$k]}"
		unset "SYSCTL_SAVED[$k]"
	done
}
trap 'restore_sysctls; _cleanup' EXIT
# set_sysctl NAME VALUE: fs.NAME, saved first; 1 if not writable.
set_sysctl() {
	[ -n "${SYSCTL_SAVED[$1]+x}" ] ||
	    SYSCTL_SAVED[$1]=$(cat "/proc/sys/fs/$1") || return 1
	echo "$2" >"/proc/sys/fs/$1" 2>/dev/null
}

# --- the client end and the slow server --------------------------------

cat >"$T/client.py" <<'PYEOF'
"""client.py - the client end of one relay.

    client.py --in FILE --out FILE --err FILE [options] -- CMD...

Runs CMD with stdin and stdout on two fresh pipes (--stdio pipe), one
socketpair (socket) or the files themselves (file); feeds FILE and
closes (shutdown) its side, stores all that comes back in --out and CMD's
stderr in --err.  --pipe-size N sets both pipes' capacity before CMD
starts; --read-chunk N and --read-delay S make a slow reader; --pingpong
sends FILE line by line, each only once the previous one came back (an
interactive peer, with an echo server).  Exits with CMD's status, 128+N
for signal N.
"""
import argparse, fcntl, os, socket, subprocess, sys, threading, time

F_SETPIPE_SZ = 1031

def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--in", dest="inp", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--err", required=True)
    p.add_argument("--stdio", choices=("pipe", "socket", "file"),
                   default="pipe")
    p.add_argument("--pipe-size", type=int, default=0)
    p.add_argument("--read-chunk", type=int, default=1 << 16)
    p.add_argument("--read-delay", type=float, default=0.0)
    p.add_argument("--pingpong", action="store_true")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    err = open(a.err, "wb")
    out = open(a.out, "wb")
    if a.stdio == "file":
        with open(a.inp, "rb") as fin:
            rc = subprocess.call(cmd, stdin=fin, stdout=out, stderr=err)
        return rc if rc >= 0 else 128 - rc
    if a.stdio == "pipe":
        r0, w0 = os.pipe()
        r1, w1 = os.pipe()
        if a.pipe_size:
            for fd in (w0, w1):
                fcntl.fcntl(fd, F_SETPIPE_SZ, a.pipe_size)
        proc = subprocess.Popen(cmd, stdin=r0, stdout=w1, stderr=err)
        os.close(r0)
        os.close(w1)
        feed, drain = w0, r1
        def eof():
            os.close(feed)
    else:
        s, t = socket.socketpair()
        proc = subprocess.Popen(cmd, stdin=t, stdout=t, stderr=err)
        t.close()
        feed = drain = s.fileno()
        def eof():
            s.shutdown(socket.SHUT_WR)
    data = open(a.inp, "rb").read()

    def feeder():
        try:
            for i in range(0, len(data), 1 << 16):
                write_all(feed, data[i:i + (1 << 16)])
            eof()
        except OSError:
            pass

    def read_some(n):
        if a.read_delay:
            time.sleep(a.read_delay)
        try:
            b = os.read(drain, min(n, a.read_chunk))
        except OSError:
            b = b""
        out.write(b)
        return b

    if a.pingpong:
        try:
            for line in data.splitlines(keepends=True):
                write_all(feed, line)
                got = 0
                while got < len(line):
                    b = read_some(len(line) - got)
                    if not b:
                        raise OSError("EOF in the middle of a reply")
                    got += len(b)
            eof()
        except OSError:
            pass
    else:
        threading.Thread(target=feeder, daemon=True).start()
    while read_some(1 << 16):
        pass
    out.close()
    rc = proc.wait()
    return rc if rc >= 0 else 128 - rc

if __name__ == "__main__":
    sys.exit(main())
PYEOF

# slowserver.py: fakeserver.py with small socket buffers on the accepted
# connection and slow reads (at most --chunk bytes per recv, --delay s
# before each): real short writes and EAGAIN for the relay.
cat >"$T/bin/slowserver.py" <<'PYEOF'
import os, runpy, socket, sys, time
opts, rest, args = {}, [], iter(sys.argv[1:])
for x in args:
    if x in ("--buf", "--chunk", "--delay"):
        opts[x] = float(next(args))
    else:
        rest.append(x)
BUF = int(opts.get("--buf", 4096))
CHUNK = int(opts.get("--chunk", 4096))
DELAY = opts.get("--delay", 0.001)

class Slow(socket.socket):
    def accept(self):
        c, addr = super().accept()
        for o in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            c.setsockopt(socket.SOL_SOCKET, o, BUF)
        return c, addr

    def recv(self, n, *a):
        time.sleep(DELAY)
        return super().recv(min(n, CHUNK), *a)

socket.socket = Slow
path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "fakeserver.py")
sys.argv = [path] + rest
runpy.run_path(path, run_name="__main__")
PYEOF
chmod 755 "$T/bin/slowserver.py"

# --- data ------------------------------------------------------------------

mkdir -m 700 "$T/s"
mkdir -m 1777 "$T/rep"
head -c 1048576 /dev/urandom >"$T/up.1m"
head -c 262144 /dev/urandom >"$T/up.256k"
head -c 65536 /dev/urandom >"$T/up.64k"
for i in $(seq 40); do printf 'request %d: %s\n' "$i" "$(head -c 48 /dev/urandom | base64 -w0)"; done >"$T/lines"

TRACE=execve,execveat,clone,clone3,fork,vfork,read,write,splice,ppoll,ioctl,fcntl,openat,socket,connect,setsockopt,pipe2,dup2,shutdown,close
RELAY_START='SO_SNDBUF, [1048576]'	# relay_run's first call

# --- one case ----------------------------------------------------------------

NCASES=0 NFAULTS=0 DISP=100
declare -A SUM=()	# sha256 of input files

sum() { sha256sum "$1" | cut -d' ' -f1; }

# case_ ROW-NAME: a new case with the default knobs: 1 MiB up and 1 MiB
# down through pipes, root, fakeserver.py in exchange mode.
case_() {
	CASE=$1
	NCASES=$((NCASES + 1))
	DISP=$((DISP + 1))
	C_UP=$T/up.1m C_DOWN=1048576 C_SMODE=exchange C_STDIO=pipe
	C_SERVER=fake C_AS=root C_DIR=$T/s C_EXECS=1
	C_CLIENT=() C_POPTS=() C_WRAP=() C_SLOW=() C_USER=()
}

# srv_start: this case's server (serve, common.sh); SRV_PIDS: what serve
# tracked for it.  C_SERVER=stale: a socket file that was just bound and
# nobody listens on, as a starting server leaves it.
srv_start() {
	local n=${#_pids[@]} SRV=$SRV
	if [ "$C_SERVER" = stale ]; then
		"$PY" -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os._exit(0)' \
		    "$C_DIR/$HOST-$DISP" || fail "cannot make a stale socket"
		SRV_PIDS=() SRV_PID=
		return
	fi
	[ "$C_SERVER" = slow ] && SRV=$T/bin/slowserver.py
	serve "$C_AS" "$C_DIR/$HOST-$DISP" --mode "$C_SMODE" \
	    --send "$C_DOWN" --seed "$DISP" --report "$T/rep/$DISP" \
	    ${C_SLOW[@]+"${C_SLOW[@]}"}
	SRV_PIDS=("${_pids[@]:$n}")
}

# srv_stop: the server gone (it exits after its one connection, or is
# told to), reaped, and forgotten.
srv_stop() {
	local p
	[ -n "$SRV_PID" ] || return 0
	wait_gone "$SRV_PID" "${1:-25}" || kill -TERM "$SRV_PID" 2>/dev/null
	wait_gone "$SRV_PID" 25 || kill -KILL "$SRV_PID" 2>/dev/null
	for p in "${SRV_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	untrack_pid "${SRV_PIDS[@]}"
}

# run STRACE-OPTION...: the relay under strace with those options (the
# injections), as the case's knobs say.  Sets RC, TR (the strace log),
# FAULTS (injected), ELAPSED (s).
run() {
	local t0
	srv_start
	rm -f "$T/out" "$T/err"
	TR=$T/trace.$DISP
	t0=$(now)
	"$PY" "$T/client.py" --in "$C_UP" --out "$T/out" --err "$T/err" \
	    --stdio "$C_STDIO" ${C_CLIENT[@]+"${C_CLIENT[@]}"} -- \
	    timeout -k 5 "$TMO" strace -f -qq -o "$TR" -e trace="$TRACE" \
	    ${C_USER[@]+"${C_USER[@]}"} ${SAN_ENV[@]+"${SAN_ENV[@]}"} "$@" \
	    ${C_WRAP[@]+"${C_WRAP[@]}"} \
	    "$BIN" --socket-dirs="$C_DIR" ${C_POPTS[@]+"${C_POPTS[@]}"} ":$DISP"
	RC=$?
	ELAPSED=$(since "$t0")
	FAULTS=$(grep -c '(INJECTED)' "$TR" 2>/dev/null)
	NFAULTS=$((NFAULTS + ${FAULTS:-0}))
}

# trace_clean: the strace log shows C_EXECS execve (ours; 2 with a
# launcher such as prlimit that execs the binary), no other process.
trace_clean() {
	local n
	[ -s "$TR" ] || { bad "$CASE" "no strace log"; return 1; }
	n=$(grep -cE '^[0-9]+ +execve(at)?\(' "$TR")
	if [ "$n" != "$C_EXECS" ]; then
		bad "$CASE" "$n execve in the trace, want $C_EXECS: $(grep -E 'execve' "$TR" | head -3)"
		return 1
	fi
	if [ "$C_EXECS" != 1 ] && ! grep -E '^[0-9]+ +execve\(' "$TR" |
	    tail -1 | grep -qF "execve(\"$BIN\""; then
		bad "$CASE" "the last execve is not the binary's"
		return 1
	fi
	if grep -qE '^[0-9]+ +(clone3?|v?fork)\(' "$TR"; then
		bad "$CASE" "a child: $(grep -E '(clone3?|v?fork)\(' "$TR" | head -2)"
		return 1
	fi
	n=$(awk '{ print $1 }' "$TR" | sort -u | wc -l)
	[ "$n" = 1 ] || { bad "$CASE" "$n processes in the trace"; return 1; }
	return 0
}

# faulted MIN: at least MIN faults were really injected.
faulted() {
	[ "${FAULTS:-0}" -ge "$1" ] && return 0
	bad "$CASE" "only ${FAULTS:-0} faults injected, want $1 (calibration?)"
	return 1
}

# injected_only ERE: every injected call matched ERE (no fault landed
# outside the relay: the `when=` numbers were calibrated right).
injected_only() {
	local stray
	stray=$(grep '(INJECTED)' "$TR" | grep -vE "$1" | head -2)
	[ -z "$stray" ] && return 0
	bad "$CASE" "a fault landed elsewhere: $stray"
	return 1
}

# relay_calls: relay syscalls after relay_run started.
relay_calls() {
	sed -n "/$(printf %s "$RELAY_START" | sed 's/[][]/\\&/g')/,\$p" "$TR" |
	    grep -cE '^[0-9]+ +(splice|ppoll|read|write|ioctl)\('
}

# --- outcomes: expect_* check one and say why not (bad); the checks of
# the trace follow (faulted, injected_only, ...); `passed` says ok.

# expect_ok [MIN-FAULTS]: exit 0, silent, every byte both ways
# (exchange: the server's report against the input and stdout; echo:
# stdout is the input), MIN-FAULTS faults really injected, a clean trace.
expect_ok() {
	local why='' rep=$T/rep/$DISP count in out i
	if [ "$RC" != 0 ]; then
		why="exit $RC; stderr: $(errtext)"
	elif [ -s "$T/err" ]; then
		why="stderr not empty: $(errtext)"
	elif [ "$C_SMODE" = echo ]; then
		cmp -s "$C_UP" "$T/out" ||
		    why="stdout differs from the input ($(stat -c %s "$T/out") of $(stat -c %s "$C_UP") bytes)"
	else
		for i in $(seq 100); do [ -s "$rep" ] && break; sleep 0.05; done
		if ! read -r count in out <"$rep" 2>/dev/null; then
			why="no report from the server: $(tail -2 "$T/server.log")"
		elif [ "$count" != "$(stat -c %s "$C_UP")" ] ||
		    [ "$in" != "${SUM[$C_UP]}" ]; then
			why="upstream: the server got $count bytes, sha256 $in"
		elif [ "$out" != "$(sum "$T/out")" ]; then
			why="downstream: stdout $(stat -c %s "$T/out") bytes, sha256 differs"
		fi
	fi
	srv_stop
	[ -z "$why" ] || { bad "$CASE" "$why"; return 1; }
	faulted "${1:-0}" && trace_clean || return 1
	OUTCOME="exit 0, bytes exact"
}

# expect_refused STATUSES [MIN-FAULTS]: a clean refusal: that status
# (< 128), nothing on stdout, one line on stderr.
expect_refused() {
	srv_stop 0
	px_failed "$CASE" "$1" || return 1
	if [ "$RC" -ge 128 ]; then
		bad "$CASE" "exit $RC: a signal death"; return 1
	fi
	if [ "$(wc -l <"$T/err")" != 1 ]; then
		bad "$CASE" "$(wc -l <"$T/err") lines on stderr: $(errtext)"; return 1
	fi
	faulted "${2:-0}" && trace_clean || return 1
	OUTCOME="exit $RC, '$(head -1 "$T/err")'"
}

# expect_broken STATUS [MIN-FAULTS]: a relay that failed midway: that
# status, one line on stderr, stdout a non-empty prefix of what was sent
# (echo server).
expect_broken() {
	local n
	srv_stop
	if ! [[ "$RC" =~ ^($1)$ ]]; then
		bad "$CASE" "exit $RC, expected $1; stderr: $(errtext)"; return 1
	fi
	if [ "$(wc -l <"$T/err")" != 1 ]; then
		bad "$CASE" "$(wc -l <"$T/err") lines on stderr: $(errtext)"; return 1
	fi
	n=$(stat -c %s "$T/out")
	if [ "$n" = 0 ] || ! cmp -s -n "$n" "$T/out" "$C_UP"; then
		bad "$CASE" "stdout ($n bytes) is not a prefix of the input"; return 1
	fi
	faulted "${2:-0}" && trace_clean || return 1
	OUTCOME="exit $RC after $n bytes, '$(head -1 "$T/err")'"
}

# passed: the case passed: say so, with what it took.
passed() {
	say "ok [$CASE]: $OUTCOME; $FAULTS faults, $(relay_calls) relay calls, ${ELAPSED}s"
}

# bounded_calls: the relay did not spin on its faults: at most 4 calls per
# fault plus 2 per 4 KiB moved plus 200 (a spin makes thousands), and no
# splice wasted on an end that was not ready.
bounded_calls() {
	local calls max bytes
	calls=$(relay_calls)
	bytes=$(($(stat -c %s "$C_UP") + C_DOWN))
	max=$((4 * FAULTS + 2 * bytes / 4096 + 200))
	if [ "$calls" -gt "$max" ]; then
		bad "$CASE" "$calls relay syscalls for $FAULTS faults and $bytes bytes (max $max): spinning"
		return 1
	fi
	no_wasted_splices
}

# no_wasted_splices: with pipe stdio (one splice per direction), no splice
# reads an end the last ppoll did not report: the socket only when it was
# readable (or stdout writable), stdin only when it was readable (or the
# socket writable).  A splice on an end that is not ready is a syscall
# wasted per wake-up; it also let a fault injected on every other splice
# land on the same pump forever (a livelock found by R7 under load).
no_wasted_splices() {
	local sock wasted
	[ "$C_STDIO" = pipe ] || return 0
	sock=$(grep -F "$RELAY_START" "$TR" |
	    sed -nE '1s/^[0-9]+ +setsockopt\(([0-9]+),.*/\1/p')
	wasted=$(awk -v sock="$sock" '
	    $2 ~ /^ppoll\(/ {
		rev = $0; sub(/.*\) = [0-9]+ \(\[/, "", rev)
		in_ready = rev ~ /fd=0, revents=/
		out_ready = rev ~ /fd=1, revents=/
		sock_in = rev ~ ("fd=" sock ", revents=[^}]*(POLLIN|POLLHUP|POLLERR)")
		sock_out = rev ~ ("fd=" sock ", revents=[^}]*(POLLOUT|POLLHUP|POLLERR)")
		next
	    }
	    $2 == "splice(" sock "," && !sock_in && !out_ready { n++ }
	    $2 == "splice(0," && !in_ready && !sock_out { n++ }
	    END { print n + 0 }' "$TR")
	[ "$wasted" = 0 ] && return 0
	bad "$CASE" "$wasted splices on an end ppoll did not report ready"
	return 1
}

# evidence DESCRIPTION ERE: the trace shows ERE outside the injections
# (a real EAGAIN, a real short write, a real refusal).
evidence() {
	grep -v '(INJECTED)' "$TR" | grep -qE "$2" && return 0
	bad "$CASE" "no $1 in the trace"
	return 1
}

# short_writes DESCRIPTION FD-ERE: the trace shows a real write(2) to
# such an fd that moved less than it was given, or found no room.
short_writes() {
	local n
	n=$(grep -v '(INJECTED)' "$TR" | awk -v fds="$2" '
	    $2 ~ "^write\\((" fds "),"  &&
	    match($0, /, [0-9]+\) += (-1 EAGAIN .*|[0-9]+)$/) {
		split(substr($0, RSTART + 2), a, /\) += /)
		if (a[2] ~ /EAGAIN/ || a[2] + 0 < a[1] + 0)
			n++
	    } END { print n + 0 }')
	[ "$n" -gt 0 ] && return 0
	bad "$CASE" "no $1 in the trace"
	return 1
}

for f in "$T/up.1m" "$T/up.256k" "$T/up.64k" "$T/lines"; do SUM[$f]=$(sum "$f"); done

# --- calibration: which call number is which, in a plain relay -------------
# `when=` counts calls from exec; the dynamic loader and getpwuid come
# first.  A traced relay says where ours start.

case_ calibration		# 1 MiB each way: the pipes are grown
run
expect_ok || fail "a plain relay under strace fails"
no_wasted_splices || fail "a plain relay wastes splices"
passed
BASE=$TR
# nth SYSCALL TEXT: the number of the first SYSCALL call whose line
# contains TEXT.  before SYSCALL TEXT: SYSCALL calls before the first line
# containing TEXT.
nth() {
	awk -v sc="$1(" -v s="$2" 'index($2, sc) == 1 { n++
	    if (index($0, s)) { print n; exit } }' "$BASE"
}
before() {
	awk -v sc="$1(" -v s="$2" 'index($0, s) { print n + 0; exit }
	    index($2, sc) == 1 { n++ }' "$BASE"
}
READ0=$(before read "$RELAY_START")
WRITE0=$(before write "$RELAY_START")
FCNTL0=$(before fcntl "$RELAY_START")
OPEN_MAIN=$(($(before openat 'fcntl(0, F_GETFD)') + 1))
OPEN_WALK=$(nth openat 'openat(AT_FDCWD, "/", ')
OPEN_SOCK=$(nth openat "\"$HOST-$DISP\"")
OPEN_NULL=$(nth openat '"/dev/null", O_RDONLY|O_CLOEXEC')
SOCK_OURS=$(nth socket 'SOCK_STREAM|SOCK_CLOEXEC, 0)')
CONN_OURS=$(nth connect '"/proc/self/fd/')
SNDBUF=$(nth setsockopt "$RELAY_START")
GROW=$(nth fcntl 'F_SETPIPE_SZ')
for v in READ0 WRITE0 FCNTL0 OPEN_WALK OPEN_SOCK OPEN_NULL SOCK_OURS \
    CONN_OURS SNDBUF GROW; do
	[ -n "${!v}" ] || fail "calibration: $v not found in $(head -c 300 "$BASE")"
done
say "calibrated: reads before the relay $READ0, writes $WRITE0, fcntl $FCNTL0;" \
    "openat: main $OPEN_MAIN, walk $OPEN_WALK, socket $OPEN_SOCK, /dev/null" \
    "$OPEN_NULL; socket() $SOCK_OURS, connect $CONN_OURS, setsockopt $SNDBUF;" \
    "the first F_SETPIPE_SZ is fcntl $GROW"
NCASES=0 NFAULTS=0

# --- R6: EINTR, retried: no loss, no duplication --------------------------

case_ R6-splice-EINTR-first
run -e inject=splice:error=EINTR:when=1
expect_ok 1 && passed

case_ R6-splice-EINTR-every-third
run -e inject=splice:error=EINTR:when=2+3
expect_ok 3 && passed

case_ R6-splice-EINTR-every-third-socket-stdio	# through the private pipes
C_STDIO=socket
run -e inject=splice:error=EINTR:when=2+3
expect_ok 3 && passed

# ppoll: an interactive peer, so that there are many waits
case_ R6-ppoll-EINTR-first-20
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run -e inject=ppoll:error=EINTR:when=1..20
expect_ok 20 && passed

case_ R6-ppoll-EINTR-every-other
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run -e inject=ppoll:error=EINTR:when=2+2
expect_ok 20 && passed

case_ R6-ppoll-EINTR-every-other-bulk
run -e inject=ppoll:error=EINTR:when=1+2
expect_ok 1 && passed

# read/write: stdio a regular file, so the copy path from the start
case_ R6-read-EINTR-copy-path
C_STDIO='file'
run -e inject=read:error=EINTR:when=$((READ0 + 1))..$((READ0 + 30))+2
expect_ok 5 && injected_only ' read\((0|[3-9]),' && passed

case_ R6-write-EINTR-copy-path
C_STDIO='file'
run -e inject=write:error=EINTR:when=$((WRITE0 + 1))..$((WRITE0 + 30))+2
expect_ok 5 && injected_only ' write\((1|[3-9]),' && passed

# the copy path after a splice refusal: pipes, made non-blocking then
case_ R6-read-write-EINTR-fallback-path
run -e inject=splice:error=EINVAL \
    -e inject=read:error=EINTR:when=$((READ0 + 1))..$((READ0 + 40))+3 \
    -e inject=write:error=EINTR:when=$((WRITE0 + 1))..$((WRITE0 + 40))+3
expect_ok 6 && injected_only ' (splice|read|write)\((0|1|[3-9]),' && passed

case_ R6-connect-EINTR		# tried again at once (sockdir connect_path)
run -e inject=connect:error=EINTR:when=$CONN_OURS
expect_ok 1 && injected_only '/proc/self/fd/' && passed

# --- R7: EAGAIN storms: wait and retry, bytes exact, no spinning ------------

case_ R7-splice-EAGAIN-storm-first-50
run -e inject=splice:error=EAGAIN:when=1..50
expect_ok 50 && bounded_calls && passed

case_ R7-splice-EAGAIN-storm-every-other-splice
run -e inject=splice:error=EAGAIN:when=1+2
expect_ok 5 && bounded_calls && passed

case_ R7-splice-EAGAIN-storm-socket-stdio
C_STDIO=socket
run -e inject=splice:error=EAGAIN:when=1..100
expect_ok 50 && bounded_calls && passed

# no fault at all: an interactive session makes one splice per message and
# direction, each after ppoll said that end is ready; a splice that only
# finds the input drained (EAGAIN) is a call wasted per message
case_ R7-interactive-no-wasted-splices
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run
if expect_ok && no_wasted_splices; then
	lines=$(wc -l <"$T/lines")
	splices=$(grep -cE '^[0-9]+ +splice\(' "$TR")
	eagain=$(grep -cE '^[0-9]+ +splice\(.* EAGAIN ' "$TR")
	if [ "$splices" -gt $((2 * lines + 4)) ] || [ "$eagain" -gt 2 ]; then
		bad "$CASE" "$splices splices ($eagain EAGAIN) for $lines messages each way"
	else
		OUTCOME="$OUTCOME; $splices splices, $eagain EAGAIN for $lines messages"
		passed
	fi
fi

case_ R7-read-write-EAGAIN-storm-fallback-path
run -e inject=splice:error=EINVAL \
    -e inject=read:error=EAGAIN:when=$((READ0 + 1))..$((READ0 + 30)) \
    -e inject=write:error=EAGAIN:when=$((WRITE0 + 1))..$((WRITE0 + 30))
expect_ok 30 && injected_only ' (splice|read|write)\((0|1|[3-9]),' &&
    bounded_calls && passed

# --- R8: splice refused: the read/write fallback, same bytes ---------------

for err in EINVAL ENOSYS; do
	case_ R8-splice-$err-pipes
	run -e inject=splice:error=$err
	expect_ok 2 && evidence "read/write on stdio" '^[0-9]+ +write\(1, ' &&
	    passed

	case_ R8-splice-$err-socket-stdio
	C_STDIO=socket
	run -e inject=splice:error=$err
	expect_ok 2 && evidence "read/write on stdio" '^[0-9]+ +write\(1, ' &&
	    passed
done

# An interactive peer: each request waits for its reply.  A fallback that
# left stdin blocking would sit in read(0) with the reply undelivered.
case_ R8-splice-EINVAL-interactive
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run -e inject=splice:error=EINVAL
expect_ok 2 && passed

# Mid-stream (after bytes moved, here some requests answered) a refusal
# is an I/O error, reported cleanly, and what was delivered is intact.
case_ R8-splice-EINVAL-midstream
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run -e inject=splice:error=EINVAL:when=20+
expect_broken 74 1 && passed

# --- R9: real short writes: tiny pipes, a slow reader, small buffers -------

# stdout a 4 KiB pipe read 4 KiB per ms; 2 MiB down
case_ R9-tiny-stdout-pipe-splice
C_UP=$T/up.256k C_DOWN=2097152
C_CLIENT=(--pipe-size 4096 --read-chunk 4096 --read-delay 0.001)
run
expect_ok 0 && evidence "EAGAIN from a full stdout pipe" \
    '^[0-9]+ +splice\([0-9]+, NULL, 1, .* = -1 EAGAIN' && passed

case_ R9-tiny-stdout-pipe-copy	# write(2) to it: partial writes
C_UP=$T/up.256k C_DOWN=2097152
C_CLIENT=(--pipe-size 4096 --read-chunk 4096 --read-delay 0.001)
run -e inject=splice:error=EINVAL
expect_ok 2 && short_writes "short write to stdout" 1 && passed

# The server reads 4 KiB per ms with 4 KiB socket buffers; our SO_SNDBUF
# request is skipped (retval=0: as if net.core.wmem_max clamped it), so
# the relay's socket fills at the kernel's default size.
case_ R9-slow-server-splice
C_SERVER=slow C_SLOW=(--buf 4096 --chunk 4096 --delay 0.001) C_DOWN=262144
run -e inject=setsockopt:retval=0:when=$SNDBUF
expect_ok 1 && evidence "EAGAIN from a full socket" \
    '^[0-9]+ +splice\(0, NULL, [0-9]+, .* = -1 EAGAIN' && passed

case_ R9-slow-server-copy
C_SERVER=slow C_SLOW=(--buf 4096 --chunk 4096 --delay 0.001) C_DOWN=262144
run -e inject=setsockopt:retval=0:when=$SNDBUF -e inject=splice:error=EINVAL
expect_ok 3 && short_writes "short write to the socket" '[3-9]' && passed

# --- R10: F_SETPIPE_SZ refused: the default size, bytes exact --------------

# Injected from the first pipe resize on: only resizes may be hit
# (checked); the earlier F_GETFD/F_GETFL/F_SETFL calls stay real.
case_ R10-F_SETPIPE_SZ-EPERM-injected
run -e inject=fcntl:error=EPERM:when=$GROW+
expect_ok 1 && injected_only 'F_SETPIPE_SZ' && passed

# For real: an unprivileged relay over lowered limits (restored at once,
# and by the EXIT trap)
FUSER=xpxfault
r10_user() {	# r10_user SYSCTL VALUE
	case_ "R10-$1-$2"
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		say "skip [$CASE]: needs root and setpriv"; return
	fi
	ensure_user "$FUSER"
	[ -d "$T/u" ] || mkd "$FUSER" 700 "$T/u"
	C_AS=$FUSER C_DIR=$T/u C_USER=(-u "$FUSER") BIN=$PROXY_COPY
	if ! set_sysctl "$1" "$2"; then
		restore_sysctls; say "skip [$CASE]: fs.$1 not writable"; return
	fi
	run
	restore_sysctls
	BIN=$XPRA_PROXY
	expect_ok 0 &&
	    evidence "refused F_SETPIPE_SZ" 'F_SETPIPE_SZ, [0-9]+\) += -1 EPERM' ||
	    return
	if grep -qE 'F_SETPIPE_SZ, [0-9]+\) += [0-9]' "$TR"; then
		bad "$CASE" "a pipe grew: $(grep -m1 -E 'F_SETPIPE_SZ.* += [0-9]' "$TR")"
	else
		passed
	fi
}
r10_user pipe-max-size 65536
r10_user pipe-user-pages-soft 1

# --- S9: connect refused or never answered: a clean, bounded failure -------

case_ S9-connect-EAGAIN
C_UP=$T/up.64k C_POPTS=(--wait=0)
run -e inject=connect:error=EAGAIN
expect_refused 69 1 && passed

case_ S9-connect-EAGAIN-wait-1s	# waits as for a starting server, then gives up
C_UP=$T/up.64k C_POPTS=(--wait=1)
run -e inject=connect:error=EAGAIN
if expect_refused 69 5; then
	# measured 1.17-1.44 s (plain, static, asan; idle and other core
	# busy; asan worst; not run under valgrind): 8 s is 5.5x that
	if awk "BEGIN { exit !($ELAPSED < 8) }"; then passed
	else bad "$CASE" "--wait=1 took ${ELAPSED}s"; fi
fi

case_ S9-connect-EAGAIN-once	# tried again: the relay goes on
run -e inject=connect:error=EAGAIN:when=$CONN_OURS
expect_ok 1 && passed

case_ S9-connect-ECONNREFUSED
C_UP=$T/up.64k C_POPTS=(--wait=0)
run -e inject=connect:error=ECONNREFUSED
expect_refused 69 1 && passed

# --- E11: out of descriptors (and memory): refused cleanly, or relayed -----

case_ E11-socket-EMFILE
C_UP=$T/up.64k
run -e inject=socket:error=EMFILE:when=$SOCK_OURS
expect_refused 71 1 && passed

# A starting server: the first round finds the socket stale, the second
# gets EMFILE.  That is 71 at once, not 69 after --wait (it was: the
# retry rounds lost the resource error with the skip callback).
case_ E11-socket-EMFILE-on-a-retry
C_UP=$T/up.64k C_SERVER=stale C_POPTS=(--wait=3)
run -e inject=socket:error=EMFILE:when=$((SOCK_OURS + 1))+
expect_refused 71 1 && passed

case_ E11-openat-EMFILE-from-start
C_UP=$T/up.64k
run -e inject=openat:error=EMFILE:when=$OPEN_MAIN+
expect_refused 71 1 && passed

case_ E11-openat-EMFILE-socket-dirs
C_UP=$T/up.64k
run -e inject=openat:error=EMFILE:when=$OPEN_WALK+
expect_refused 71 1 && passed

case_ E11-openat-EMFILE-socket-file
C_UP=$T/up.64k
run -e inject=openat:error=EMFILE:when=$OPEN_SOCK
expect_refused 71 1 && injected_only "\"$HOST-$DISP\"" && passed

case_ E11-openat-EMFILE-dev-null	# handing stdout back: close(1) instead
run -e inject=openat:error=EMFILE:when=$OPEN_NULL
expect_ok 1 && injected_only '"/dev/null"' && passed

case_ E11-pipe2-EMFILE-socket-stdio
C_UP=$T/up.64k C_STDIO=socket
run -e inject=pipe2:error=EMFILE
expect_refused 71 1 && passed

for n in 4 5 6 8 9; do
	for stdio in pipe socket; do
		case_ E11-nofile-$n-$stdio-stdio
		C_UP=$T/up.256k C_DOWN=262144 C_STDIO=$stdio C_EXECS=2
		C_WRAP=(prlimit --nofile=$n --)
		run
		# the lookup needs 6 (descriptors 0-5); the relay keeps the
		# socket and /dev/null, and socket stdio's private pipes need 4
		# more: 9
		if [ "$n" -ge 9 ] || { [ "$n" -ge 6 ] && [ $stdio = pipe ]; }; then
			expect_ok 0 && passed
		else
			expect_refused 71 0 && passed
		fi
	done
done

case_ E11-socket-ENOBUFS
C_UP=$T/up.64k
run -e inject=socket:error=ENOBUFS:when=$SOCK_OURS
expect_refused 71 1 && passed

case_ E11-connect-ENOMEM
C_UP=$T/up.64k
run -e inject=connect:error=ENOMEM:when=$CONN_OURS
expect_refused 71 1 && passed

case_ E11-pipe2-ENOMEM-socket-stdio
C_UP=$T/up.64k C_STDIO=socket
run -e inject=pipe2:error=ENOMEM
expect_refused 71 1 && passed

case_ E11-splice-ENOMEM-midstream
C_SMODE=echo C_UP=$T/lines C_DOWN=0 C_CLIENT=(--pingpong)
run -e inject=splice:error=ENOMEM:when=20
expect_broken 74 1 && passed

say "$NCASES cases, $NFAULTS faults injected, $(since "$STARTED")s"
cases_done
