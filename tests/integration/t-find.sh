#!/bin/bash
# t-find.sh - display selection through the real binary, run as an
# unprivileged user against real unix sockets (SPEC §2, §3, §4.1-4.4).
#
# Every case relays a few bytes to fakeserver.py in echo mode and checks
# that stdout is exactly those bytes (and empty on every failure).  Each
# fake server accepts one connection and then exits, so "which server was
# used" is "which server process is gone".
#
# Needs root (to create the test user); exit 0 pass, 77 skip, 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

need_user_runs
tmp_setup
U=xpxuser
ensure_user "$U"
install_proxy_copy
fake_setup
PX_USER=$U		# px runs the proxy as $U
HOST=$(hostname)	# gethostname(), as the binary and xpra use

# --- helpers (local to this script; serve, stale, px, ... in common.sh) ----

# ok_relay CASE INPUT: exit 0, stdout exactly INPUT.
ok_relay() {
	if [ "$RC" != 0 ]; then
		bad "$1" "exit $RC, expected 0; stderr: $(errtext)"
	elif ! printf %s "$2" | cmp -s - "$T/out"; then
		bad "$1" "stdout is not exactly the $(printf %s "$2" | wc -c) echoed bytes: '$(head -c 200 "$T/out")'"
	else
		return 0
	fi
	return 1
}

# ko CASE STATUSES MESSAGE: px_failed, and stderr contains MESSAGE.
ko() {
	px_failed "$1" "$2" || return 1
	if [ -n "$3" ] && ! grep -qF -- "$3" "$T/err"; then
		bad "$1" "stderr lacks '$3': $(errtext)"
		return 1
	fi
}

# used/unused (common.sh): since every server accepts only one
# connection, each passing relay also shows that the binary connected
# once: no probe before the relay (SPEC §4.3).

# --- the cases --------------------------------------------------------------

# 1. session-directory layout <dir>/<N>/socket
c=$T/c1; mkd $U: 700 $c $c/7
serve $U $c/7/socket; s=$SRV_PID
px "one-session" :7 --socket-dirs=$c
ok_relay "session dir <dir>/7/socket" "one-session" && used "session dir" $s

# 2. flat layout <dir>/<host>-<N>
c=$T/c2; mkd $U: 700 $c
serve $U $c/$HOST-8; s=$SRV_PID
px "two-flat" :8 --socket-dirs=$c
ok_relay "flat <dir>/$HOST-8" "two-flat" && used "flat" $s

# 3. session dir preferred over flat in the same dir
c=$T/c3; mkd $U: 700 $c $c/9
serve $U $c/$HOST-9; flat=$SRV_PID
serve $U $c/9/socket; sess=$SRV_PID
px "three" :9 --socket-dirs=$c
ok_relay "session dir before flat" "three" &&
    used "session dir before flat" $sess && unused "session dir before flat" $flat

# 4. directory order: first dir wins, either way round; --socket-dir
#    prepends; repeated --socket-dirs accumulate
a=$T/c4a; b=$T/c4b; mkd $U: 700 $a $b
serve $U $a/$HOST-10; sa=$SRV_PID
serve $U $b/$HOST-10; sb=$SRV_PID
px "four-ab" :10 --socket-dirs=$a:$b
ok_relay "first dir wins (a:b)" "four-ab" && used "first dir wins (a:b)" $sa &&
    unused "first dir wins (a:b)" $sb
serve $U $a/$HOST-10; sa=$SRV_PID
px "four-ba" :10 --socket-dirs=$b:$a
ok_relay "first dir wins (b:a)" "four-ba" && used "first dir wins (b:a)" $sb &&
    unused "first dir wins (b:a)" $sa
serve $U $b/$HOST-10; sb=$SRV_PID
px "four-prepend" :10 --socket-dirs=$a --socket-dir=$b
ok_relay "--socket-dir prepends" "four-prepend" && used "--socket-dir prepends" $sb &&
    unused "--socket-dir prepends" $sa
# only in $a: found only if the second --socket-dirs adds to the first
px "four-acc" :10 --socket-dirs=$a --socket-dirs=$b
ok_relay "repeated --socket-dirs accumulate" "four-acc" &&
    used "repeated --socket-dirs accumulate" $sa
# a missing directory first is skipped silently
serve $U $a/$HOST-10; sa=$SRV_PID
px "four-missing" :10 --socket-dirs=$T/nonexistent:$a
ok_relay "missing dir skipped" "four-missing" && used "missing dir skipped" $sa

# "At once" bounds (ms) for cases 5, 6 and 8, measured on 2 CPUs
# (idle, and with the other core busy with `yes`) under a concurrent
# make check-fresh: plain/static/asan 63-235 ms (asan worst), valgrind
# 783-2385 ms with one 6849 ms outlier (cause not pinned down: a slow
# valgrind start under the concurrent check-fresh, likely; t-trust saw
# 7130 ms).  3000 ms is 12x the fast variants' worst; valgrind gets
# 15000 ms (2.2x its worst), so those cases pass --wait=30: a proxy that
# waited would still exceed the bound (and px's `timeout 20`).
NOWAIT_MS=3000
[ "$XP_VARIANT" = valgrind ] && NOWAIT_MS=15000

# 5. stale in dir1, live in dir2: the live one, at once
a=$T/c5a; b=$T/c5b; mkd $U: 700 $a $b
stale $U $a/$HOST-11
serve $U $b/$HOST-11; s=$SRV_PID
px "five" :11 --socket-dirs=$a:$b --wait=30
ok_relay "stale in dir1, live in dir2" "five" && used "stale+live" $s
[ $ELAPSED -lt $NOWAIT_MS ] || bad "stale+live" "took ${ELAPSED} ms (a live one was there)"

# 6. only an old stale socket: 69 at once, well under --wait
c=$T/c6; mkd $U: 700 $c
stale $U $c/$HOST-12 '-10 min'
px "six" :12 --socket-dirs=$c --wait=30
ko "only old stale -> 69 at once" 69 "cannot find live server for display :12"
[ $ELAPSED -lt $NOWAIT_MS ] || bad "only old stale" "took ${ELAPSED} ms, expected no wait"

# 7. --wait: a recent UNKNOWN socket may be a server starting up.
#    lateserver.py: after DELAY s, "listen" starts listening on the socket
#    it bound at once (a starting server: same file throughout);
#    "replace" unlinks the stale file and binds+listens at once, in one
#    process, as xpra's setup_local_sockets() does on start.  Echoes one
#    connection, writes its pid to PIDFILE.
cat >"$T/bin/lateserver.py" <<'PYEOF'
import os, socket, sys, time
how, path, delay, pidfile = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
with open(pidfile, "w") as f:
    f.write("%d\n" % os.getpid())
s = socket.socket(socket.AF_UNIX)
if how == "listen":
    s.bind(path)
    time.sleep(delay)
else:
    time.sleep(delay)
    os.unlink(path)
    s.bind(path)
s.listen(4)
c, _ = s.accept()
while True:
    b = c.recv(65536)
    if not b:
        break
    c.sendall(b)
c.close()
os.unlink(path)
PYEOF
chmod 755 "$T/bin/lateserver.py"

# late CASE DISPLAY ARGS...: start lateserver.py ARGS as $U, then relay.
late() {
	local name=$1 disp=$2 pf=$T/pids/late.$2; shift 2
	as_user $U "$PY" "$T/bin/lateserver.py" "$@" "$pf" 2>>"$T/server.log" &
	track_pid $!
	wait_pidfile "$pf" && track_pid "$(cat "$pf")"
	sleep 0.2	# bound (7a) before the proxy looks
	px "$name" ":$disp" --socket-dirs=$c --wait=10
	ok_relay "$name" "$name"
	# The server listens ~0.8 s after px starts.  Measured 755-982 ms
	# (plain/static/asan, idle and loaded), valgrind 910-1105 ms.  The
	# floor (300: 2.5x under the fewest seen; a proxy that does not wait
	# fails ok_relay anyway) only catches a connect before the listen;
	# the ceiling is 8x the fast variants' worst, and for valgrind 0.8 s
	# plus twice its worst start-up outlier (7.1 s, see NOWAIT_MS).
	[ $ELAPSED -ge 300 ] || bad "$name" "connected after ${ELAPSED} ms, before the server listened?"
	[ $ELAPSED -lt $LATE_MS ] || bad "$name" "took ${ELAPSED} ms for a server up after 1 s"
}
LATE_MS=8000
[ "$XP_VARIANT" = valgrind ] && LATE_MS=15000
c=$T/c7; mkd $U: 700 $c
# 7a. bound but not yet listening; listens 1 s later
late "wait: server starting (bound, listens 1 s later)" 13 listen $c/$HOST-13 1
# 7b. recent stale file, replaced by a new server 1 s later (xpra-style)
stale $U $c/$HOST-14
late "wait: recent stale replaced by a new server 1 s later" 14 replace $c/$HOST-14 1
# 7c. the same with a short gap between unlink and bind (another process
#     removes the stale file, the server binds ~0.3 s later): the wait
#     must not end because the file was briefly absent.  The file goes
#     only once the proxy has seen it stale (its -vv "ignoring" line):
#     under valgrind the proxy can take longer than any fixed delay to
#     start, and a proxy that first looks into the gap rightly finds
#     nothing and exits 69 at once (case 8).
stale $U $c/$HOST-15
rm -f "$T/err"
(
	for _ in $(seq 300); do
		grep -qF "ignoring $c/$HOST-15" "$T/err" 2>/dev/null && break
		sleep 0.1
	done
	rm -f "$c/$HOST-15"
	sleep 0.3
	exec setpriv --reuid=$U --regid=$U --init-groups -- env -i \
	    PATH=/usr/bin:/bin "$PY" "$SRV" --socket "$c/$HOST-15" \
	    --pidfile "$T/pids/late.gap" 2>>"$T/server.log"
) &
track_pid $!
px "wait-gap" -vv :15 --socket-dirs=$c --wait=10
[ -s "$T/pids/late.gap" ] && track_pid "$(cat "$T/pids/late.gap")"
ok_relay "wait: recent stale removed, new server binds 0.3 s later" "wait-gap"

# 7d. a recent stale socket that stays stale: gives up after --wait
c=$T/c7d; mkd $U: 700 $c
stale $U $c/$HOST-14
px "seven-d" :14 --socket-dirs=$c --wait=2
ko "recent stale, never up -> 69 after --wait" 69 "cannot find live server for display :14"
# Measured 2085-2314 ms (plain/static/asan, idle and loaded; asan worst),
# valgrind 2888-3222 ms.  The floor only fails if the wait is cut short
# (load only adds); the ceiling: 2.6x the fast variants' worst, and under
# the default --wait of 10 s that a proxy ignoring --wait=2 would take;
# valgrind: 2 s plus twice its 7.1 s start-up outlier.
WAIT2_MS=6000
[ "$XP_VARIANT" = valgrind ] && WAIT2_MS=16000
[ $ELAPSED -ge 1500 ] && [ $ELAPSED -lt $WAIT2_MS ] ||
    bad "--wait=2 on a recent stale socket" "gave up after ${ELAPSED} ms, expected ~2000"

# 8. display given, nothing there: 69 at once (xpra waits 20 s; we don't)
c=$T/c8; mkd $U: 700 $c
serve $U $c/$HOST-16; other=$SRV_PID
px "eight" :15 --socket-dirs=$c --wait=30
ko "missing display -> 69" 69 "cannot find live server for display :15"
[ $ELAPSED -lt $NOWAIT_MS ] || bad "missing display" "took ${ELAPSED} ms, expected no wait"
unused "missing display" $other

# 9. no display, one live session: used (a stale one does not count)
c=$T/c9; mkd $U: 700 $c
stale $U $c/$HOST-17 '-10 min'
serve $U $c/$HOST-18; s=$SRV_PID
px "nine" --socket-dirs=$c
ok_relay "no display, one live" "nine" && used "no display, one live" $s

# 9b. no display, the same display live in two dirs: one distinct display
a=$T/c9a; b=$T/c9b; mkd $U: 700 $a $b
serve $U $a/$HOST-19; sa=$SRV_PID
serve $U $b/$HOST-19; sb=$SRV_PID
px "nine-b" --socket-dirs=$a:$b
ok_relay "no display, one display in two dirs" "nine-b" &&
    used "no display, one display in two dirs" $sa &&
    unused "no display, one display in two dirs" $sb

# 10. no display, two live sessions: refused with xpra's message, 64
#     (the command line must name one: EX_USAGE, see the man page)
c=$T/c10; mkd $U: 700 $c $c/21
serve $U $c/$HOST-20; s1=$SRV_PID
serve $U $c/21/socket; s2=$SRV_PID
px "ten" --socket-dirs=$c
ko "no display, two live" "64" "there are multiple servers running, please specify"
unused "no display, two live" $s1; unused "no display, two live" $s2

# 11. no display, nothing live at all
c=$T/c11; e=$T/c11e; mkd $U: 700 $c $e
stale $U $c/$HOST-22 '-10 min'
px "eleven" --socket-dirs=$c:$e:$T/nonexistent
ko "no display, none live" 69 "cannot find any live servers to connect to"
px "eleven-b" --socket-dirs=$e
ko "no display, empty dir" 69 "cannot find any live servers to connect to"

# 12. every display form reaches the same server
c=$T/c12; mkd $U: 700 $c
p=$c/$HOST-23
forms=(:23 23 :23.0 ":23,foo=bar" "socket://$p" "socket:$p" "$p" "$p,opt=1")
serve $U $p --accept ${#forms[@]}; s=$SRV_PID
i=0
for f in "${forms[@]}"; do
	i=$((i + 1))
	px "form-$i" "$f" --socket-dirs=$c
	ok_relay "display form '$f'" "form-$i"
done
used "all display forms used the one server" $s
# wayland-N: <dir>/<host>-wayland-N
serve $U $c/$HOST-wayland-3; s=$SRV_PID
px "wl" wayland-3 --socket-dirs=$c
ok_relay "display form wayland-3" "wl" && used "wayland-3" $s
# ...and ":wayland-3", the label `list` prints for it (as xpra 3.1.3 does)
serve $U $c/$HOST-wayland-3; s=$SRV_PID
px "wl-label" :wayland-3 --socket-dirs=$c
ok_relay "display form :wayland-3 (list's label)" "wl-label" &&
    used ":wayland-3" $s

# 12b. the _proxy drop-in: display, then xpra's options (ignored or used)
serve $U $c/$HOST-24; s=$SRV_PID
px "dropin" _proxy :24 --socket-dirs=$c --compress=0 --encoding=rgb
ok_relay "_proxy :N --socket-dirs=... --xpra-opts" "dropin" && used "_proxy" $s

# 13. XPRA_SOCKET_HOSTNAME names the flat prefix
c=$T/c13; mkd $U: 700 $c
serve $U $c/fakehost-30; s=$SRV_PID
serve $U $c/$HOST-31; real=$SRV_PID
px "thirteen-a" :30 --socket-dirs=$c
ko "other hostname's socket ignored" 69 "cannot find live server for display :30"
unused "other hostname's socket ignored" $s
PENV=(XPRA_SOCKET_HOSTNAME=fakehost)
px "thirteen" :30 --socket-dirs=$c
ok_relay "XPRA_SOCKET_HOSTNAME=fakehost" "thirteen" && used "XPRA_SOCKET_HOSTNAME" $s
px "thirteen-c" :31 --socket-dirs=$c
ko "XPRA_SOCKET_HOSTNAME hides the real hostname's socket" 69 \
    "cannot find live server for display :31"
unused "XPRA_SOCKET_HOSTNAME hides the real hostname's socket" $real
PENV=()

# 14. a socket path longer than sun_path (108 bytes)
deep=$T/c14
mkd $U: 700 "$deep"
for i in 1 2 3 4 5 6; do
	deep=$deep/dddddddddddddddddddddddddddddd$i
	mkd $U: 700 "$deep"
done
long=$deep/$HOST-40
[ ${#long} -gt 108 ] || fail "test bug: path only ${#long} bytes"
SERVE_CWD=$deep
serve $U $HOST-40 --accept 2; s=$SRV_PID
SERVE_CWD=/
px "long-n" :40 --socket-dirs=$deep
ok_relay "${#long}-byte socket path by display number" "long-n"
px "long-path" "$long"
ok_relay "${#long}-byte socket path given directly" "long-path"
used "long path" $s

# 15. bad display strings: usage error, nothing attempted
for f in :abc :-1 "" ":1x" "socket:relative" "wayland-x" ":23.x"; do
	px "bad" "$f" --socket-dirs=$T/c12
	ko "bad display '$f' -> 64" 64 ""
done

cases_done
