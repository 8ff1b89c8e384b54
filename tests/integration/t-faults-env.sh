#!/bin/bash
# t-faults-env.sh - environment and deployment faults (security.md §6.2:
# E1-E6, E9) and the socket and filesystem faults t-trust.sh and t-find.sh
# do not cover (§6.3: S2, S5, S10, S11, S12), run as an unprivileged
# victim, with a second user as the attacker where one is needed.  Every
# relay is watched from outside (R14: one thread, no child, no exec,
# bounded descriptors and memory) and must be byte-exact.
. "$(dirname "$0")/../lib/common.sh"
need_user_runs
tmp_setup
V=xpxvictim A=xpxattacker
victim_and_attacker $V $A
VHOME=$(getent passwd $V | cut -d: -f6)
AHOME=$(getent passwd $A | cut -d: -f6)
SERVE_OPTS=(--delay 0.3)	# runs live long enough to be watched
# the victim's sessions live in a private directory given on the command
# line, except where the case is about the default directories
VD=$T/victim; mkd $V: 700 "$VD"
AD=$T/attacker; mkd $A: 755 "$AD"
disp=300
next_display() { disp=$((disp + 1)); d=$disp; }

# as_victim CMD...: CMD as the victim (clean environment plus $PENV).
PENV=()
as_victim() { as_user $V ${PENV[@]+"${PENV[@]}"} "$@"; }

# relay_ok CASE INPUT ARGS...: the binary as the victim with INPUT on a
# pipe, watched; exit 0 and stdout exactly INPUT.
relay_ok() {
	local c=$1 in=$2 pid; shift 2
	as_user_argv $V
	# the input's producer must be this shell's child, not the relay's
	{ "${AS_USER[@]}" ${PENV[@]+"${PENV[@]}"} "$P" "$@" <&0 \
	    >"$T/out" 2>"$T/err" & } < <(printf %s "$in"; sleep 0.3)
	pid=$!
	watch_start $pid
	wait_gone $pid 100 || { kill -KILL $pid; bad "$c" "hung"; }
	wait $pid; RC=$?
	watch_check "$c" $pid "${MAX_FDS:-6}"
	relayed_exactly "$c" "$in"
}

# ---- E1: fd 0, 1, 2 closed at start, each alone and all ---------------
# Nothing may reach the server through a socket that became fd 0-2.
next_display
serve $V "$VD/$HOST-$d" --mode exchange --send 5 --report "$T/pids/e1.rep" \
    --accept 4
# (not under valgrind: its own log and descriptors take the closed ones)
e1_cases="0 1 2 all"
in_variant valgrind && e1_cases=
for how in $e1_cases; do
	c=E1-fd-$how-closed; rm -f "$T/pids/e1.rep"
	case $how in
	0)	as_victim "$P" --socket-dir="$VD" :$d <&- >"$T/out" 2>"$T/err";;
	1)	printf data | as_victim "$P" --socket-dir="$VD" :$d >&- 2>"$T/err";;
	2)	printf data | as_victim "$P" --socket-dir="$VD" :$d >"$T/out" 2>&-;;
	all)	as_victim "$P" --socket-dir="$VD" :$d <&- >&- 2>&-;;
	esac
	RC=$?
	[ "$RC" = 0 ] || bad "$c" "exit $RC"
	wait_pidfile "$T/pids/e1.rep" || { bad "$c" "no server report"; continue; }
	read -r n _ <"$T/pids/e1.rep"
	case $how in
	0|all)	[ "$n" = 0 ] || bad "$c" "$n bytes reached the server";;
	*)	[ "$n" = 4 ] || bad "$c" "server got $n bytes, not 4";;
	esac
done

# ---- E2: inherited descriptors 3..1023, a listening socket among them --
c=E2-inherited-fds; next_display
serve $V "$VD/$HOST-$d"
cat >"$T/bin/manyfds.py" <<'PYEOF'
import os, socket, sys
# 1000 inheritable descriptors, a listening unix socket among them
keep = []
lst = socket.socket(socket.AF_UNIX); lst.bind("\0xpx-e2-%d" % os.getpid())
lst.listen(1); lst.set_inheritable(True); keep.append(lst)
while True:
    fd = os.open("/dev/null", os.O_RDONLY)
    os.set_inheritable(fd, True)
    if fd >= 1023:
        break
os.execv(sys.argv[1], sys.argv[1:])
PYEOF
chmod 755 "$T/bin/manyfds.py"
as_user_argv $V
"${AS_USER[@]}" "$PY" "$T/bin/manyfds.py" "$P" --socket-dir="$VD" :$d \
    >"$T/out" 2>"$T/err" < <(printf inherited; sleep 1) &
pid=$!
sleep 0.6	# past start-up, inside the relay
nfd=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
# the relay's own /dev/null is close-on-exec; the inherited ones are not
stray=$(for f in /proc/$pid/fd/*; do
	n=${f##*/}
	[ "$n" -le 2 ] && continue
	case $(readlink "$f") in
	socket:*) ;;
	/dev/null) fl=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/$n")
		[ $((8#$fl & 8#2000000)) != 0 ] || echo "$n (inherited)";;
	*) echo "$n ($(readlink "$f"))";;
	esac
done 2>/dev/null)
wait $pid; RC=$?
[ "$RC" = 0 ] && [ "$(cat "$T/out")" = inherited ] ||
    bad $c "exit $RC, out '$(cat "$T/out")': $(errtext)"
in_variant valgrind || { [ "$nfd" -le 5 ] && [ -z "$stray" ]; } ||
    bad $c "$nfd descriptors while relaying (want 0-2, the socket and its own /dev/null): $stray"

# ---- E3: signals ignored and blocked by the parent ---------------------
cat >"$T/bin/sigparent.py" <<'PYEOF'
import os, signal, sys
for s in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP,
          signal.SIGCHLD):
    signal.signal(s, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP,
                                          signal.SIGINT, signal.SIGPIPE})
os.execv(sys.argv[1], sys.argv[1:])
PYEOF
chmod 755 "$T/bin/sigparent.py"
for sig in TERM HUP INT; do
	c=E3-SIG$sig-ignored-and-blocked-by-parent; next_display
	serve $V "$VD/$HOST-$d"
	mkfifo "$T/hold.$sig"
	sleep 60 >"$T/hold.$sig" &
	hold=$!; track_pid $hold
	"${AS_USER[@]}" "$PY" "$T/bin/sigparent.py" "$P" \
	    --socket-dir="$VD" :$d <"$T/hold.$sig" >/dev/null 2>"$T/err" &
	pid=$!
	watch_start $pid
	sleep 0.6
	kill -$sig $pid
	wait_gone $pid 25 || { kill -KILL $pid; bad $c "signal ignored"; }
	wait $pid; RC=$?
	watch_check $c $pid
	[ "$RC" = $((128 + $(kill -l $sig))) ] || bad $c "exit $RC"
	kill $hold 2>/dev/null
done
# SIGPIPE ignored by the parent and the reader gone: an exit, not a hang
c=E3-SIGPIPE-ignored-reader-gone; next_display
serve $V "$VD/$HOST-$d" --mode close --send $((64 << 20))
"${AS_USER[@]}" "$PY" "$T/bin/sigparent.py" "$P" --socket-dir="$VD" :$d \
    </dev/null 2>"$T/err" > >(head -c 10 >/dev/null) &
pid=$!
wait_gone $pid 50 || { kill -KILL $pid; bad $c "hung"; }
wait $pid; RC=$?
[ "$RC" -lt 128 ] || bad $c "exit $RC (a signal)"

# ---- E4: odd stdio: a socketpair, /dev/null, a file, an O_APPEND file --
c=E4-socketpair-stdio; next_display
serve $V "$VD/$HOST-$d"
as_victim "$PY" - "$P" --socket-dir="$VD" :$d <<'PYEOF' >"$T/out" 2>"$T/err" ||
import os, socket, sys
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    os.dup2(b.fileno(), 0); os.dup2(b.fileno(), 1)
    os.execv(sys.argv[1], sys.argv[1:])
b.close()
a.sendall(b"over a socketpair"); a.shutdown(socket.SHUT_WR)
got = b""
while True:
    x = a.recv(65536)
    if not x:
        break
    got += x
_, st = os.waitpid(pid, 0)
sys.exit(0 if got == b"over a socketpair" and st == 0 else 1)
PYEOF
    bad $c "relay over socketpair stdio failed: $(errtext)"

c=E4-dev-null-stdin; next_display
serve $V "$VD/$HOST-$d"
as_victim "$P" --socket-dir="$VD" :$d </dev/null >"$T/out" 2>"$T/err"
[ "$?" = 0 ] && [ ! -s "$T/out" ] || bad $c "exit $?, out $(wc -c <"$T/out")"

c=E4-file-stdin-append-stdout; next_display
serve $V "$VD/$HOST-$d"
head -c 300000 /dev/urandom >"$T/e4.in"; chmod 644 "$T/e4.in"
printf 'head:' >"$T/e4.out"; chown $V "$T/e4.out"
as_victim sh -c 'exec "$@" >>"$0"' "$T/e4.out" "$P" --socket-dir="$VD" \
    :$d <"$T/e4.in" 2>"$T/err"
RC=$?
{ printf 'head:'; cat "$T/e4.in"; } | cmp -s - "$T/e4.out" && [ $RC = 0 ] ||
    bad $c "exit $RC; the appended output differs"

# ---- E5: XDG_RUNTIME_DIR bad in every way: only ~/.xpra is used --------
# The victim's session sits in ~/.xpra; the attacker's listener for the
# same display sits wherever the variable points, and the directory list
# is '$XDG_RUNTIME_DIR/xpra' then '~/.xpra' (xpra's built-in default;
# Debian's configuration names /run/user/$UID instead).  The victim must
# reach its own, never the attacker's.
rm -rf "$VHOME/.xpra" "$AHOME/.xpra" "$AHOME/run"	# an earlier run's
mkd $V: 700 "$VHOME/.xpra"
mkd $A: 700 "$AHOME/run" "$AHOME/run/xpra"
mkd $V: 755 "$T/vrun755" "$T/vrun755/xpra"
ln -sfn "$AHOME/run" "$T/link-to-attacker"
: >"$T/afile"
for x in unset relative dotdot other-users symlink file; do
	c=E5-XDG_RUNTIME_DIR-$x; next_display
	serve $A "$AHOME/run/xpra/$HOST-$d"; asrv=$SRV_PID
	serve $V "$VHOME/.xpra/$HOST-$d"
	case $x in
	unset)		PENV=();;
	relative)	PENV=(XDG_RUNTIME_DIR=run);;
	dotdot)		PENV=(XDG_RUNTIME_DIR=$VHOME/../$A/run);;
	other-users)	PENV=(XDG_RUNTIME_DIR=$AHOME/run);;
	symlink)	PENV=(XDG_RUNTIME_DIR=$T/link-to-attacker);;
	file)		PENV=(XDG_RUNTIME_DIR=$T/afile);;
	esac
	relay_ok $c "xdg $x" --socket-dirs='$XDG_RUNTIME_DIR/xpra' \
	    --socket-dirs='~/.xpra' :$d
	alive $asrv || bad $c "the attacker's server got a connection"
	kill $asrv 2>/dev/null
done
PENV=()
# its own 0755 runtime directory is used (not writable by others)
c=E5-XDG_RUNTIME_DIR-own-0755; next_display
serve $V "$T/vrun755/xpra/$HOST-$d"
PENV=(XDG_RUNTIME_DIR=$T/vrun755)
relay_ok $c "own 0755" --socket-dirs='$XDG_RUNTIME_DIR/xpra' :$d
PENV=()

# ---- E6: HOME pointing at someone else's home ---------------------------
c=E6-HOME-elsewhere; next_display
mkd $A: 755 "$AHOME/.xpra"
serve $A "$AHOME/.xpra/$HOST-$d"; asrv=$SRV_PID
serve $V "$VHOME/.xpra/$HOST-$d"
PENV=(HOME=$AHOME)
relay_ok $c "home" :$d
alive $asrv || bad $c "the attacker's server (in \$HOME/.xpra) was used"
kill $asrv 2>/dev/null
PENV=()

# ---- E9: /proc not mounted: the fchdir fallback, the peer still checked --
c=E9-no-proc; next_display
serve $V "$VD/$HOST-$d"
if in_variant valgrind || in_variant asan; then
	say "SKIP [$c]: valgrind and LeakSanitizer need /proc themselves"
elif unshare -m true 2>/dev/null; then
	printf 'no proc' | unshare -m sh -c 'mount -t tmpfs none /proc &&
	    exec "$@"' sh setpriv --reuid=$V --regid=$V --init-groups -- \
	    env -i HOME="$VHOME" "$P" --socket-dir="$VD" :$d \
	    >"$T/out" 2>"$T/err"
	[ $? = 0 ] && [ "$(cat "$T/out")" = 'no proc' ] ||
	    bad $c "without /proc: $(errtext)"
	# an attacker listening on the victim's socket file: still refused
	next_display
	serve $A "$AD/$HOST-$d"; asrv=$SRV_PID
	chmod 777 "$AD/$HOST-$d"
	mkd $V: 700 "$T/e9v"
	ln "$AD/$HOST-$d" "$T/e9v/$HOST-$d" 2>/dev/null ||
	    cp -a "$AD/$HOST-$d" "$T/e9v/"
	chown -h $V "$T/e9v/$HOST-$d"
	printf x | unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' \
	    sh setpriv --reuid=$V --regid=$V --init-groups -- env -i \
	    HOME="$VHOME" "$P" --socket-dir="$T/e9v" :$d >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" = 77 ] || [ "$RC" = 69 ] || bad $c-peer "exit $RC: $(errtext)"
	[ -s "$T/out" ] && bad $c-peer "relayed to the attacker"
	kill $asrv 2>/dev/null
else
	say "SKIP [$c]: no mount namespaces here"
fi

# ---- S2: a directory component swapped while lookups run ---------------
# Root (standing for anyone who can) swaps the victim's session directory
# for a symlink to the attacker's, back and forth; 60 lookups in a row
# never reach the attacker's listener and always end cleanly.  Under
# valgrind 15 (here and in S12, a quarter): each run costs a second of
# its start-up, and its lookups run ~20x slower, so each one spans many
# more swaps anyway.
S2_RUNS=60 S12_RUNS=40
in_variant valgrind && S2_RUNS=15 S12_RUNS=10
c=S2-component-swap-race; next_display
mkd $V: 700 "$T/s2" "$T/s2/real" "$T/s2/real/$d"
mkd $A: 755 "$AD/$d"
serve $V "$T/s2/real/$d/socket" --accept 1000 --mode echo
vsrv=$SRV_PID
serve $A "$AD/$d/socket" --accept 1000 --mode exchange --report "$T/pids/s2.att"
asrv=$SRV_PID
( while :; do
	mv -T "$T/s2/real" "$T/s2/away" 2>/dev/null
	ln -sfn "$AD" "$T/s2/real"
	rm -f "$T/s2/real"
	mv -T "$T/s2/away" "$T/s2/real" 2>/dev/null
done ) &
swapper=$!; track_pid $swapper
SERVE_OPTS=()
ok=0 other=0
for _ in $(seq $S2_RUNS); do
	printf race | as_victim "$P" --socket-dir="$T/s2/real" --wait=0 :$d \
	    >"$T/out" 2>"$T/err"
	RC=$?
	case $RC in
	0)	[ "$(cat "$T/out")" = race ] && ok=$((ok + 1)) ||
		    bad $c "wrong bytes: $(cat "$T/out")";;
	69|77)	other=$((other + 1)); [ -s "$T/out" ] && bad $c "stdout on $RC";;
	*)	bad $c "exit $RC: $(errtext)";;
	esac
done
kill $swapper; wait $swapper 2>/dev/null
[ -e "$T/pids/s2.att" ] && bad $c "the attacker's listener got a connection"
say "$c: $S2_RUNS lookups during the swaps: $ok relayed, $other refused, 0 to the attacker"
kill $vsrv $asrv 2>/dev/null
SERVE_OPTS=(--delay 0.3)

# ---- S5: an abstract @xpra/N squatted by the attacker --------------------
# tried after the files, and refused by its peer uid (t-abstract.sh has
# the rest: relaying through the victim's own, the journal record)
c=S5-abstract-squat; next_display
SERVE_OPTS=()
serve $A "@xpra/$d" --mode exchange --report "$T/pids/s5.att"
printf x | as_victim "$P" :$d >"$T/out" 2>"$T/err"
RC=$?
[ "$RC" = 77 ] && [ ! -s "$T/out" ] &&
    grep -q "ignoring @xpra/$d: the listener runs as another user" "$T/err" ||
    bad $c "exit $RC, stdout '$(cat "$T/out")', stderr: $(errtext)"
for _ in $(seq 50); do [ -s "$T/pids/s5.att" ] && break; sleep 0.1; done
[ "$(cut -d' ' -f1 "$T/pids/s5.att" 2>/dev/null)" = 0 ] ||
    bad $c "the attacker's listener received bytes: $(cat "$T/pids/s5.att" 2>/dev/null)"
SERVE_OPTS=(--delay 0.3)

# ---- S10: socket paths of 107, 108, 109 and ~4000 bytes ------------------
for len in 107 108 109 4000; do
	c=S10-path-$len-bytes; next_display
	base=$T/s10-$len; mkd $V: 700 "$base"
	dir=$base
	# pad with directories until <dir>/<host>-<d> is exactly len bytes
	while [ $((${#dir} + 1 + ${#HOST} + 1 + ${#d})) -lt "$len" ]; do
		need=$((len - ${#dir} - 1 - ${#HOST} - 1 - ${#d}))
		if [ $need -gt 201 ]; then n=200; elif [ $need -gt 1 ]; then
			n=$((need - 1)); else n=1; fi
		[ $need -ge 2 ] || break
		part=$(head -c $n /dev/zero | tr '\0' d)
		dir=$dir/$part
	done
	path=$dir/$HOST-$d
	if [ ${#path} != "$len" ]; then
		say "$c: made ${#path} bytes (cannot pad exactly)"
	fi
	( cd "$base" && mkdir -p "${dir#"$base"/}" ) 2>/dev/null ||
	    python3 -c 'import os,sys; os.makedirs(sys.argv[1])' "$dir"
	chown -R $V "$base"; chmod -R 700 "$base"
	SERVE_CWD=$dir serve $V "$HOST-$d"
	relay_ok $c "len $len" --socket-dir="$dir" :$d
done

# ---- S11: a host name that is not a file name ----------------------------
c=S11-hostname-not-a-file-name; next_display
if unshare -u true 2>/dev/null; then
	mkd $V: 700 "$T/s11" "$T/s11/sub"
	printf '' | unshare -u "$PY" -c 'import os, socket, sys
socket.sethostname("../" + sys.argv[1])
os.execvp(sys.argv[2], sys.argv[2:])' evil setpriv --reuid=$V --regid=$V \
	    --init-groups -- env -i HOME="$VHOME" "$P" \
	    --socket-dir="$T/s11/sub" :$d >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" = 71 ] && grep -q 'host name' "$T/err" ||
	    bad $c "exit $RC: $(errtext)"
else
	say "SKIP [$c]: no UTS namespaces here"
fi

# ---- S12: the runtime directory removed and re-created during lookups ----
c=S12-runtime-dir-vanishes; next_display
mkd $V: 700 "$T/s12"
( while :; do
	mkdir -p "$T/s12/run/xpra" 2>/dev/null
	chown -R $V "$T/s12/run" 2>/dev/null; chmod -R 700 "$T/s12/run"
	rm -rf "$T/s12/run"
done ) &
churn=$!; track_pid $churn
for _ in $(seq $S12_RUNS); do
	PENV=(XDG_RUNTIME_DIR=$T/s12/run)
	as_victim "$P" --wait=0 :$d </dev/null >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" = 69 ] || [ "$RC" = 77 ] || bad $c "exit $RC: $(errtext)"
done
PENV=()
kill $churn; wait $churn 2>/dev/null

cases_done
