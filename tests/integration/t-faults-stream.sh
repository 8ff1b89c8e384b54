#!/bin/bash
# t-faults-stream.sh - stream and I/O faults (security.md §6.4, R1-R5,
# R11-R13, R15 (a slow client), and S9 with a real full backlog): the real binary between pipes
# (as under sshd) and tests/lib/fakeserver.py, which sends then closes,
# half-closes, resets, is killed, stops reading or never accepts; clients
# that stop reading or close early.  Each case checks the exit status and
# the bytes, and every run is watched from outside (R14: one thread, no
# child, no exec, at most 6 descriptors, bounded memory).
. "$(dirname "$0")/../lib/common.sh"
tmp_setup
need_root
install_proxy_copy
fake_setup
P=$PROXY_COPY
host=$(hostname)
mkd root 700 "$T/s"
disp=200
# the server waits a little after accepting, so that even the short runs
# live long enough to be watched
SERVE_OPTS=(--delay 0.3)

# Under valgrind the bulk cases move less (every system call is slower).
BIG=$((1 << 30))
in_variant valgrind && BIG=$((64 << 20))

# next_display: a fresh display number in $d for each case.
next_display() { disp=$((disp + 1)); d=$disp; }

# expected SEED N FILE: the first N bytes fakeserver.py sends with SEED.
expected() {
	"$PY" - "$1" "$2" "$3" <<'PYEOF'
import random, sys
rng, n = random.Random(int(sys.argv[1])), int(sys.argv[2])
with open(sys.argv[3], "wb") as f:
    while n > 0:
        k = min(n, 1 << 16)
        f.write(rng.randbytes(k))
        n -= k
PYEOF
}

# is_prefix CASE FILE SEED: FILE is the start of what the server with
# SEED sends (byte-exact, possibly shorter).
is_prefix() {
	local n; n=$(stat -c %s "$2")
	expected "$3" "$n" "$T/expect"
	cmp -s "$2" "$T/expect" || { bad "$1" "output differs from the stream"; return 1; }
}

# start CASE ARGS... (stdin and stdout redirected by the caller): the
# binary on :$d in the background, watched; sets PID.
start() {
	local c=$1; shift
	"$P" --socket-dir="$T/s" "$@" ":$d" <&0 2>"$T/err.$c" &
	PID=$!
	watch_start $PID
}

# finish CASE [STEPS]: wait for PID (at most STEPS of wait_gone's 0.2 s,
# default 150 = 30 s; killed and `bad` if it hangs), set RC and check the
# watch report.  Exits measured (plain, static, asan idle and with the
# other core busy; valgrind idle; valgrind loaded passed): STEPS 25 (~5 s)
# 0.3-1.7 s; 50 (~10 s) at most 2.2 s (S9, valgrind); 150 at most 1.8 s;
# 600 at most 14.5 s (R1-R12-big-both-ways, asan loaded): 2.9x or more.
finish() {
	local c=$1 n=${2:-150}
	if ! wait_gone "$PID" "$n"; then
		kill -KILL "$PID" 2>/dev/null
		bad "$c" "hung (killed); stderr: $(head -c 200 "$T/err.$c")"
	fi
	wait "$PID"; RC=$?
	watch_check "$c" "$PID"
}

# rc_in CASE STATUSES: RC matches the regex STATUSES, else `bad`.
rc_in() {
	[[ "$RC" =~ ^($2)$ ]] && return 0
	bad "$1" "exit $RC, expected $2; stderr: $(head -c 200 "$T/err.$1")"
	return 1
}

# cpu_ticks PID: user+system clock ticks PID has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# settled PID: wait (30 s at most) until PID has used at most one tick in
# half a second: its buffers are full and it waits.  A slow start
# (valgrind, a loaded machine) still moving data is not a spin; a relay
# that spins never settles and the measurement after this says so.
settled() {
	local a b
	for _ in $(seq 60); do
		a=$(cpu_ticks "$1"); sleep 0.5; b=$(cpu_ticks "$1")
		[ $((b - a)) -le 1 ] && return 0
	done
	return 1
}

# hold_open FIFO: a writer that keeps FIFO open, sending nothing, until
# $T/go.FIFO exists; then it writes the contents of that file and exits.
hold_open() {
	local f=$1
	mkfifo "$f"
	( while [ ! -e "$f.go" ]; do sleep 0.05; done; cat "$f.go" ) >"$f" &
	track_pid $!
	HOLDER=$!
}

# exchange CASE UP DOWN: UP random bytes from the client while the
# server sends DOWN at the same time; both sides' byte counts and sha256
# must match, exit 0.
exchange() {
	local c=$1 up=$2 down=$3 rep
	next_display
	serve root "$T/s/$host-$d" --mode exchange --send "$down" \
	    --seed "$d" --report "$T/rep.$c"
	mkfifo "$T/o.$c"
	sha256sum <"$T/o.$c" >"$T/osha.$c" &
	local sp=$!
	start "$c" >"$T/o.$c" \
	    < <(head -c "$up" /dev/urandom | tee >(sha256sum >"$T/isha.$c"))
	finish "$c" 600
	wait "$sp"
	wait_pidfile "$T/isha.$c"
	rc_in "$c" 0 || return
	wait_pidfile "$T/rep.$c" || { bad "$c" "no server report"; return; }
	read -r n ish osh <"$T/rep.$c"
	[ "$n" = "$up" ] || { bad "$c" "server got $n bytes of $up"; return; }
	[ "$ish" = "$(cut -d' ' -f1 "$T/isha.$c")" ] ||
	    { bad "$c" "client->server bytes differ"; return; }
	[ "$osh" = "$(cut -d' ' -f1 "$T/osha.$c")" ] ||
	    { bad "$c" "server->client bytes differ"; return; }
	say "$c: $up up, $down down, byte-exact"
}

# --- R1/R12: byte-exact, random (garbage) bytes, edge sizes, both ways --
for n in 0 1 65535 65536 65537; do
	exchange "R1-$n-bytes" "$n" "$n"
done
exchange "R1-R12-big-both-ways" "$BIG" "$BIG"

# --- R2: client EOF first; the server's data still all arrives ----------
exchange "R2-client-eof-first" 1000 $((32 << 20))

# --- R3: the server closes first, with the client still open ------------
c=R3-server-closes; next_display
serve root "$T/s/$host-$d" --mode close --send $((1 << 20)) --seed "$d"
hold_open "$T/i.$c"
start "$c" <"$T/i.$c" >"$T/o.$c"
finish "$c"
rc_in "$c" 0 && [ "$(stat -c %s "$T/o.$c")" = $((1 << 20)) ] &&
    is_prefix "$c" "$T/o.$c" "$d" || bad "$c" "not all of 1 MiB arrived"
touch "$T/i.$c.go"

# R3: half-close: stdout ends at the server's EOF while the client goes
# on sending; the client's later bytes still reach the server.
c=R3-server-half-closes; next_display
serve root "$T/s/$host-$d" --mode halfclose --send $((1 << 20)) --seed "$d"
hold_open "$T/i.$c"
mkfifo "$T/o.$c"
cat <"$T/o.$c" >"$T/of.$c" &
catpid=$!
start "$c" <"$T/i.$c" >"$T/o.$c"
wait_gone $catpid 50 || bad "$c" "stdout still open after the server's EOF"
alive "$PID" || bad "$c" "exited before the client's EOF"
printf 'later bytes' >"$T/i.$c.go"
finish "$c"
rc_in "$c" 0
[ "$(stat -c %s "$T/of.$c")" = $((1 << 20)) ] ||
    bad "$c" "stdout has $(stat -c %s "$T/of.$c") bytes"

# R3: reset: the server closes with the client's bytes unread.
c=R3-server-resets; next_display
serve root "$T/s/$host-$d" --mode reset --send 65536 --seed "$d"
hold_open "$T/i.$c"
start "$c" <"$T/i.$c" >"$T/o.$c"
printf 'unread by the server' >"$T/i.$c.go"
finish "$c"
rc_in "$c" 0
is_prefix "$c" "$T/o.$c" "$d"

# R3: the server sends, then is SIGKILLed: what it sent still arrives.
c=R3-server-killed-after-send; next_display
serve root "$T/s/$host-$d" --mode kill --send $((1 << 20)) --seed "$d"
hold_open "$T/i.$c"
start "$c" <"$T/i.$c" >"$T/o.$c"
finish "$c"
rc_in "$c" 0
[ "$(stat -c %s "$T/o.$c")" = $((1 << 20)) ] && is_prefix "$c" "$T/o.$c" "$d" ||
    bad "$c" "$(stat -c %s "$T/o.$c") bytes of 1 MiB"
touch "$T/i.$c.go"

# R3: the server is SIGKILLed by someone else in the middle of a stream.
c=R3-server-killed-mid-stream; next_display
serve root "$T/s/$host-$d" --mode exchange --send $((8 << 30)) --seed "$d"
hold_open "$T/i.$c"
start "$c" <"$T/i.$c" >"$T/o.$c"
for _ in $(seq 100); do [ -s "$T/o.$c" ] && break; sleep 0.1; done
kill -KILL "$SRV_PID"
finish "$c" 50
rc_in "$c" 0
[ -s "$T/o.$c" ] && is_prefix "$c" "$T/o.$c" "$d" ||
    bad "$c" "no stream before the kill"
touch "$T/i.$c.go"

# --- R4: the client stops reading and goes away -----------------------
for how in head sleep; do
	c=R4-stdout-reader-gone-$how; next_display
	serve root "$T/s/$host-$d" --mode close --send $((256 << 20)) \
	    --seed "$d"
	hold_open "$T/i.$c"
	if [ $how = head ]; then
		start "$c" <"$T/i.$c" > >(head -c 1000 >"$T/o.$c")
	else
		start "$c" <"$T/i.$c" > >(sleep 0.5)
	fi
	finish "$c" 50
	rc_in "$c" 0
	[ $how = sleep ] || [ "$(stat -c %s "$T/o.$c")" = 1000 ] ||
	    bad "$c" "head got $(stat -c %s "$T/o.$c") bytes"
	# the server sees the relay gone at once (its send fails): measured
	# 17-266 ms in every variant against wait_gone's ~5 s
	wait_gone "$SRV_PID" 25 || bad "$c" "server still writing to a dead relay"
	touch "$T/i.$c.go"
done

# --- R5: one direction stalled, the other keeps moving ------------------
# The server never reads while the client floods; the server's 8 MiB still
# come through, and the relay's memory stays bounded (watch_check).
c=R5-server-stops-reading; next_display
serve root "$T/s/$host-$d" --mode stall --send $((8 << 20)) --seed "$d"
start "$c" >"$T/o.$c" < <(head -c $((256 << 20)) /dev/zero)
for _ in $(seq 100); do
	[ "$(stat -c %s "$T/o.$c")" = $((8 << 20)) ] && break
	sleep 0.1
done
[ "$(stat -c %s "$T/o.$c")" = $((8 << 20)) ] ||
    bad "$c" "only $(stat -c %s "$T/o.$c") of 8 MiB while c->s was stalled"
t0=$(cpu_ticks "$PID"); sleep 2; t1=$(cpu_ticks "$PID")
# 0-1 ticks (100 Hz) in every variant, idle and other core busy: 10x
[ $((t1 - t0)) -le 10 ] || bad "$c" "spins while stalled: $((t1 - t0)) ticks in 2 s"
kill -KILL "$SRV_PID"
finish "$c" 50
rc_in "$c" 0
is_prefix "$c" "$T/o.$c" "$d"

# The client never reads its stdout while it floods an echo server: every
# buffer fills, the relay waits without spinning, and ends when the
# reader goes.
c=R5-client-stops-reading; next_display
serve root "$T/s/$host-$d" --mode echo
mkfifo "$T/o.$c"
sleep 600 <"$T/o.$c" &
sleeper=$!; track_pid $sleeper
start "$c" >"$T/o.$c" < <(head -c $((256 << 20)) /dev/zero)
settled "$PID"
t0=$(cpu_ticks "$PID"); sleep 2; t1=$(cpu_ticks "$PID")
# 0-1 ticks in every variant, idle and other core busy: 10x (it was 33
# under valgrind with the machine loaded when measured 1 s after the
# start: still filling the buffers, hence settled)
[ $((t1 - t0)) -le 10 ] || bad "$c" "spins while blocked: $((t1 - t0)) ticks in 2 s"
alive "$PID" || bad "$c" "gave up while merely blocked"
kill -KILL $sleeper
finish "$c" 50
rc_in "$c" 0

# --- R15: a client slower than the server (sshd reading 32 KiB at a time):
# every byte arrives, and the relay rests while stdout's pipe is backlogged
# instead of waking for each read (relay.c): the reader counts its reads
# and the relay's voluntary context switches (its sleeps) over 64 MiB.
# Measured over 2047 reads: 0.17-0.19 sleeps per read (plain; ASan with
# the other core busy), 0.23 with a CI run beside, 0.95 with the relay
# before resting; the bound is 1/2 (a slower reader, on a loaded machine,
# reads less within a rest's 2 ms cap).  Not under valgrind: there the
# relay itself is the slow end, and the pipe never backs up.
c=R15-client-reads-slowly; next_display
if in_variant valgrind; then
	say "$c: not under valgrind"
else
	serve root "$T/s/$host-$d" --mode exchange --send $((64 << 20)) \
	    --seed "$d" --report "$T/rep.$c"
	hold_open "$T/i.$c"
	mkfifo "$T/o.$c"
	# the reader first (opening a FIFO waits for the other end); it
	# learns the relay's PID from a file
	"$PY" - "$T/pid.$c" "$T/o.$c" "$T/of.$c" $((64 << 20)) >"$T/slow.$c" \
	    2>&1 <<'PYEOF' &
import os, sys, time
pidfile, src, dst, total = sys.argv[1:4] + [int(sys.argv[4])]
def sleeps():
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
fd = os.open(src, os.O_RDONLY)
while not os.path.exists(pidfile):
    time.sleep(0.01)
with open(pidfile) as f:
    pid = f.read().strip()
with open(dst, "wb") as out:
    b = os.read(fd, 32768)
    out.write(b)
    got = len(b)
    time.sleep(0.5)		# the relay fills the pipe, grown to 1 MiB
    s0, reads = sleeps(), 0
    while got < total:
        b = os.read(fd, 32768)
        if not b:
            break
        out.write(b)
        got += len(b)
        reads += 1
        time.sleep(0.0002)
    print(got, reads, sleeps() - s0)
PYEOF
	reader=$!; track_pid $reader
	start "$c" <"$T/i.$c" >"$T/o.$c"
	echo "$PID" >"$T/pid.$c.new" && mv "$T/pid.$c.new" "$T/pid.$c"
	wait_gone "$reader" 300 || bad "$c" "the reader hung"
	read -r got reads sleeps <"$T/slow.$c"
	touch "$T/i.$c.go"
	finish "$c"
	rc_in "$c" 0
	[ "$got" = $((64 << 20)) ] && is_prefix "$c" "$T/of.$c" "$d" ||
	    bad "$c" "$(cat "$T/slow.$c")"
	if [ -n "$reads" ] && [ "$((sleeps * 2))" -le "$reads" ]; then
		say "$c: byte-exact; $sleeps sleeps of the relay for $reads reads"
	else
		bad "$c" "the relay woke for every read: $sleeps sleeps for ${reads:-?} reads"
	fi
fi

# --- R11: SIGTERM, SIGHUP, SIGINT in the middle of a stream -------------
for sig in TERM HUP INT; do
	c=R11-SIG$sig-mid-stream; next_display
	serve root "$T/s/$host-$d" --mode exchange --send $((8 << 30)) \
	    --seed "$d"
	# Signal once a byte came through, not after a fixed 0.5 s: bash starts
	# background jobs with SIGINT ignored, so a SIGINT before the relay's
	# signals_init() was lost and the case hung (seen under valgrind with
	# the other core busy).  First byte measured 0.37-0.46 s plain/static,
	# 0.59-0.85 s asan, ~0.96 s valgrind; the 30 s cap only ends a hang.
	mkfifo "$T/o.$c"	# a FIFO, not >(...): no extra descriptor
	{ head -c 1 >"$T/first.$c"; exec cat >/dev/null; } <"$T/o.$c" &
	track_pid $!
	start "$c" >"$T/o.$c" < <(head -c $((8 << 30)) /dev/zero)
	for _ in $(seq 300); do [ -s "$T/first.$c" ] && break; sleep 0.1; done
	kill -$sig "$PID"
	finish "$c" 25
	rc_in "$c" $((128 + $(kill -l $sig)))
	kill -KILL "$SRV_PID" 2>/dev/null
done

# --- R13: a long idle session: no wake-ups, no time-out ------------------
c=R13-idle; next_display
serve root "$T/s/$host-$d" --mode echo
hold_open "$T/i.$c"
start "$c" <"$T/i.$c" >"$T/o.$c"
settled "$PID"	# started (valgrind takes seconds)
sleep 3		# past the 2 s pipe-shrink timer
sw0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$PID/status")
t0=$(cpu_ticks "$PID"); sleep 5; t1=$(cpu_ticks "$PID")
sw1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$PID/status")
# 0 ticks and 0 wake-ups in every variant (valgrind too), idle and other
# core busy: an idle relay sleeps in ppoll; a timer would show here
[ $((t1 - t0)) -le 1 ] || bad "$c" "$((t1 - t0)) CPU ticks in 5 idle seconds"
[ $((sw1 - sw0)) -le 2 ] || bad "$c" "$((sw1 - sw0)) wake-ups in 5 idle seconds"
alive "$PID" || bad "$c" "an idle session ended"
printf 'still here' >"$T/i.$c.go"
finish "$c"
rc_in "$c" 0
[ "$(cat "$T/o.$c")" = "still here" ] || bad "$c" "echo after idle: $(cat "$T/o.$c")"

# --- S9: a full backlog (the server never accepts): a bounded connect ---
c=S9-backlog-full; next_display
serve root "$T/s/$host-$d" --mode noaccept --backlog 0
# fill the queue: connections nobody accepts, held by one process
"$PY" -c 'import socket, sys, time
held = []
for _ in range(4):
    s = socket.socket(socket.AF_UNIX); s.setblocking(False)
    try: s.connect(sys.argv[1])
    except BlockingIOError: break
    held.append(s)
print(len(held), flush=True); time.sleep(600)' "$T/s/$host-$d" >"$T/held" &
track_pid $!
wait_pidfile "$T/held"
t0=$(now)
start "$c" --connect-timeout=1 --wait=1 </dev/null >"$T/o.$c"
finish "$c" 50
rc_in "$c" 69
[ -s "$T/o.$c" ] && bad "$c" "stdout not empty"
[ "$(wc -l <"$T/err.$c")" = 1 ] || bad "$c" "not one line: $(cat "$T/err.$c")"
say "$c: refused after $(since "$t0") s"

# in_connect PID: wait (at most 5 s) until PID blocks in connect(2).
in_connect() {
	local i sc
	# the syscall number is x86_64's: elsewhere, give it time instead
	[ "$(uname -m)" = x86_64 ] || { sleep 0.5; return 0; }
	for i in $(seq 100); do
		read -r sc _ <"/proc/$1/syscall" 2>/dev/null
		[ "$sc" = 42 ] && return 0	# __NR_connect, x86_64
		sleep 0.05
	done
	return 1
}

# S9 and signals: a terminating signal ends a connect blocked on the full
# backlog at once, with 128+N, the long time-out and the short one alike
# (it used to be blocked there: alive until the time-out, then 69).
# Not watched: the relay may be gone before the watcher's first look.
for c in S9-SIGTERM-in-a-30s-connect S9-SIGTERM-in-a-1s-connect; do
	t=30; [ "$c" = S9-SIGTERM-in-a-1s-connect ] && t=1
	"$P" --socket-dir="$T/s" --connect-timeout=$t --wait=0 ":$d" \
	    </dev/null >"$T/o.$c" 2>"$T/err.$c" &
	PID=$!
	in_connect "$PID" || bad "$c" "never blocked in connect"
	kill -TERM "$PID"
	# gone at once: 25 steps of 0.2 s only end a hang
	wait_gone "$PID" 25 || { kill -KILL "$PID"; bad "$c" "hung after SIGTERM"; }
	wait "$PID"; RC=$?
	rc_in "$c" 143
	[ -s "$T/o.$c" ] && bad "$c" "stdout not empty"
done

cases_done
