#!/bin/bash
# t-trust.sh - socket trust (SPEC §4.5, reference/security.md §2.2 and
# §6.3 S1, S2, S3, S4, S6, S7): the victim and the attacker are two different
# unprivileged users (root would bypass socket modes), with real sockets.
#
# Every refused case checks: the exit status, a message on stderr, an
# empty stdout, and that the attacker's server got no connection (its
# one-shot fakeserver is still running).  The control cases check that
# the victim's own sockets still work.
#
# Needs root (to create the users); exit 0 pass, 77 skip, 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

need_user_runs
tmp_setup
V=xpxuser		# victim
A=xpxother		# attacker
G=xpxshared		# both are members, like group xpra for /run/xpra
group_users $G $V $A
install_proxy_copy
fake_setup
PX_USER=$V		# px runs the proxy as the victim...
IN=victim-secret	# ...with these few bytes on stdin
HOST=$(hostname)

# --- helpers (local to this script; serve, mkd, px, ... in common.sh) -----

# REFUSE_MS: a refusal is at once.  Measured per refused case: plain,
# static, asan 40-333 ms (idle and other core busy; asan worst): 5000 is
# 15x that and under the default --wait (10 s) a wrong wait would take.
# valgrind: 602-2441 ms, one 7130 ms outlier (a slow start, likely):
# 15000 (2.1x), under px's `timeout 20` (a 10 s wait is left to the
# other variants).
REFUSE_MS=5000
[ "$XP_VARIANT" = valgrind ] && REFUSE_MS=15000

# refused CASE STATUSES [PATH]: exit status in STATUSES, stdout empty,
# stderr non-empty (and naming PATH, the candidate that was skipped,
# when given: SPEC §4.5 logs every skip at warning level), no hang.
refused() {
	px_failed "$1" "$2" || return 1
	if [ -n "${3:-}" ] && ! grep -qF -- "$3" "$T/err"; then
		bad "$1" "no warning naming $3 on stderr: $(errtext)"
	elif [ $ELAPSED -ge $REFUSE_MS ]; then
		bad "$1" "took ${ELAPSED} ms"
	else
		return 0
	fi
	return 1
}

# untouched CASE PID: that server got no connection at all.
untouched() {
	sleep 0.3
	alive "$2" || bad "$1" "the server (pid $2) got a connection"
}

# relayed CASE: exit 0, stdout exactly the bytes px sent ($IN), echoed.
relayed() { relayed_exactly "$1" "$IN"; }

# --- the tree ---------------------------------------------------------------

SH=$T/shared;	mkd root:$G 1775 $SH	# like /run/xpra
VD=$T/victim;	mkd $V: 700 $VD		# like $XDG_RUNTIME_DIR/xpra
AD=$T/attacker;	mkd $A: 755 $AD		# the attacker's own files
serve $A $AD/evil --mode-bits 666; evil=$SRV_PID	# connectable by anyone

# (g) control: the victim's own socket in its 0700 dir, and in the shared
#     sticky dir (owned by the victim, 0600, as xpra creates it there)
serve $V $VD/$HOST-40; s=$SRV_PID
px "$IN" :40 --socket-dirs=$VD
relayed "(g) own socket in own 0700 dir" || true
serve $V $SH/$HOST-41; s=$SRV_PID
px "$IN" :41 --socket-dirs=$SH
relayed "(g) own socket in root:$G 1775 dir" || true
serve $V $VD/$HOST-42; s=$SRV_PID
px "$IN" "$VD/$HOST-42"
relayed "(g) own socket by path" || true

# (a) a socket owned by the attacker (0666) in the shared sticky dir
serve $A $SH/$HOST-50 --mode-bits 666; sq=$SRV_PID
px "$IN" :50 --socket-dirs=$SH
refused "(a) attacker's socket in shared dir, :50" "69|77" "$SH/$HOST-50"
untouched "(a) attacker's socket in shared dir, :50" $sq
px "$IN" "$SH/$HOST-50"
refused "(a) attacker's socket in shared dir, by path" "69|77" "$SH/$HOST-50"
untouched "(a) attacker's socket in shared dir, by path" $sq
px "$IN" "socket://$SH/$HOST-50"
refused "(a) attacker's socket in shared dir, socket://" "69|77" "$SH/$HOST-50"
untouched "(a) attacker's socket in shared dir, socket://" $sq
px "$IN" --socket-dirs=$SH:$VD
refused "(a) no display: attacker's socket is no candidate" 69
grep -qF "cannot find any live servers to connect to" "$T/err" ||
    bad "(a) no display" "stderr lacks xpra's message: $(errtext)"
untouched "(a) no display: attacker's socket is no candidate" $sq
# (a2) squatting: the attacker's socket first, the victim's real one after
serve $V $VD/$HOST-50; mine=$SRV_PID
px "$IN" :50 --socket-dirs=$SH:$VD
relayed "(a2) squatted display: the victim's own server is used" &&
    untouched "(a2) squatted display: attacker untouched" $sq
n=40; while alive $mine && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
alive $mine && bad "(a2) squatted display" "the victim's server got no connection"

# (b) a symlink planted by the attacker in the shared dir -> its 0666 socket
as_user $A ln -s $AD/evil $SH/$HOST-51 || fail "attacker cannot plant symlink"
px "$IN" :51 --socket-dirs=$SH
refused "(b) attacker's symlink -> attacker's socket, :51" "69|77" "$SH/$HOST-51"
untouched "(b) attacker's symlink -> attacker's socket" $evil
px "$IN" "$SH/$HOST-51"
refused "(b) attacker's symlink -> attacker's socket, by path" "69|77" "$SH/$HOST-51"
untouched "(b) attacker's symlink -> attacker's socket, by path" $evil
px "$IN" --socket-dirs=$SH
refused "(b) no display: symlink is no candidate" 69
untouched "(b) no display: symlink is no candidate" $evil

# (c) symlinks to the victim's own live socket: never followed either
serve $V $VD/$HOST-52; own=$SRV_PID
as_user $A ln -s $VD/$HOST-52 $SH/$HOST-53
px "$IN" :53 --socket-dirs=$SH
refused "(c) attacker's symlink -> victim's socket" "69|77" "$SH/$HOST-53"
untouched "(c) attacker's symlink -> victim's socket" $own
VL=$T/victim-links; mkd $V: 700 $VL
as_user $V ln -s $VD/$HOST-52 $VL/$HOST-54
px "$IN" :54 --socket-dirs=$VL
refused "(c) victim's own symlink -> victim's socket" "69|77" "$VL/$HOST-54"
untouched "(c) victim's own symlink -> victim's socket" $own
px "$IN" "$VL/$HOST-54"
refused "(c) victim's own symlink, by path" "69|77" "$VL/$HOST-54"
untouched "(c) victim's own symlink, by path" $own
# a session dir that is a symlink to the victim's own session dir
mkd $V: 700 $VD/55
serve $V $VD/55/socket; own55=$SRV_PID
as_user $V ln -s $VD/55 $VL/56
px "$IN" :56 --socket-dirs=$VL
refused "(c) session dir <dir>/56 is a symlink" "69|77"
untouched "(c) session dir <dir>/56 is a symlink" $own55

# (d) the socket file is the victim's, the listener is root's: peer check
PD=$T/victim-d; mkd $V: 700 $PD
serve root $PD/$HOST-57 --mode exchange --send 16 --report $T/report57
rootsrv=$SRV_PID
chown $V: $PD/$HOST-57
px "$IN" :57 --socket-dirs=$PD
refused "(d) root listener behind the victim's socket file" 77 "$PD/$HOST-57"
n=40; while [ ! -s $T/report57 ] && alive $rootsrv && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
if [ -s $T/report57 ]; then
	[ "$(cut -d' ' -f1 $T/report57)" = 0 ] ||
	    bad "(d) root listener" "it received $(cut -d' ' -f1 $T/report57) of the victim's bytes"
fi
# the same listener picked with no display: not LIVE for the victim
serve root $PD/$HOST-58 --mode exchange --send 16 --report $T/report58
chown $V: $PD/$HOST-58
px "$IN" --socket-dirs=$PD
refused "(d) no display: root listener behind the victim's file" "69|77"
if [ -s $T/report58 ] && [ "$(cut -d' ' -f1 $T/report58)" != 0 ]; then
	bad "(d) no display" "root listener received the victim's bytes"
fi

# (d3) no display: the victim's one real session plus a root listener
#      behind another victim-owned file: the root one is not a live
#      session of the victim's (INACCESSIBLE), so the real one is used
PD3=$T/victim-d3; mkd $V: 700 $PD3
serve root $PD3/$HOST-59 --mode exchange --send 16 --report $T/report59
chown $V: $PD3/$HOST-59
serve $V $PD3/$HOST-56; mine=$SRV_PID
px "$IN" --socket-dirs=$PD3
relayed "(d3) no display: own session + root listener behind own file" || true
if [ -s $T/report59 ] && [ "$(cut -d' ' -f1 $T/report59)" != 0 ]; then
	bad "(d3) no display" "root listener received the victim's bytes"
fi

# (e) unsafe directories, each holding the victim's own live socket
# unsafe CASE DIR N [SOCKET]: the victim's own live server on SOCKET
# (default DIR/<host>-N) is refused as :N in DIR, and not reached.
unsafe() {
	local sock=${4:-$2/$HOST-$3} pid
	serve $V "$sock"; pid=$SRV_PID
	px "$IN" ":$3" --socket-dirs="$2"
	refused "$1" "69|77"
	untouched "$1" $pid
}
#   e1: owned by the victim, group-writable, not sticky
E1=$T/e1; mkd $V:$G 770 $E1
unsafe "(e1) victim's dir mode 0770" $E1 60
#   e2: owned by the victim, world-writable, not sticky
E2=$T/e2; mkd $V: 777 $E2
unsafe "(e2) victim's dir mode 0777" $E2 61
#   e3: owned by the victim, world-writable *and* sticky: still not "ours
#       alone", and not root's like /run/xpra
E3=$T/e3; mkd $V: 1777 $E3
unsafe "(e3) victim's dir mode 1777" $E3 62
#   e4: root-owned, group-writable, NOT sticky (a broken /run/xpra)
E4=$T/e4; mkd root:$G 775 $E4
unsafe "(e4) root:$G 0775 (no sticky bit)" $E4 63
#   e5: owned by the attacker (0755; the victim's socket was put there
#       while it was 0777)
E5=$T/e5; mkd $A: 777 $E5
serve $V $E5/$HOST-64; s=$SRV_PID
chmod 755 $E5
px "$IN" :64 --socket-dirs=$E5
refused "(e5) dir owned by another user" "69|77"
untouched "(e5) dir owned by another user" $s
px "$IN" "$E5/$HOST-64"
refused "(e5) dir owned by another user, by path" "69|77"
untouched "(e5) dir owned by another user, by path" $s
#   e6: the victim's 0700 dir inside a directory the attacker owns
E6=$T/e6; mkd $A: 755 $E6; mkd $V: 700 $E6/sub
unsafe "(e6) parent directory owned by another user" $E6/sub 65
#   e7: a session dir <dir>/<N> that is group-writable
E7=$T/e7; mkd $V: 700 $E7; mkd $V:$G 770 $E7/66
unsafe "(e7) session dir <dir>/66 mode 0770" $E7 66 $E7/66/socket
#   e8: a session dir owned by the attacker in the shared sticky dir
mkd $A: 755 $SH/67
serve $A $SH/67/socket --mode-bits 666; s=$SRV_PID
px "$IN" :67 --socket-dirs=$SH
refused "(e8) attacker's session dir in shared dir" "69|77"
untouched "(e8) attacker's session dir in shared dir" $s

# (f) not sockets: regular file, FIFO, directory named like a socket
F=$T/f; mkd $V: 700 $F
as_user $V sh -c "echo x >$F/$HOST-70; mkfifo $F/$HOST-71; mkdir $F/$HOST-72; mkdir $F/73; echo x >$F/73/socket; mkdir $F/74; mkfifo $F/74/socket"
for d in 70 71 72 73 74; do
	px "$IN" :$d --socket-dirs=$F
	refused "(f) not a socket, :$d" 69
done
px "$IN" --socket-dirs=$F
refused "(f) no display, nothing but non-sockets" 69
grep -qF "cannot find any live servers to connect to" "$T/err" ||
    bad "(f) no display" "stderr lacks xpra's message: $(errtext)"

# (h) socket directories reached through a symlink (SPEC §4.5: every
#     component is opened O_NOFOLLOW; README, man page): the victim's own
#     live server behind them is not used, however the path is given.
#     The old code resolved the directory with realpath(3) and relayed.
H=$T/h; mkd $V: 700 $H $H/sub
serve $V $H/$HOST-80 --accept 2; hs=$SRV_PID
serve $V $H/sub/$HOST-81; hsub=$SRV_PID
as_user $V ln -s $H $VL/hdir		# the victim's own symlink
px "$IN" :80 --socket-dirs=$VL/hdir
refused "(h) socket dir is the victim's symlink" 69 "$VL/hdir"
px "$IN" "$VL/hdir/$HOST-80"
refused "(h) socket dir is the victim's symlink, by path" "69|77" "$VL/hdir"
px "$IN" --socket-dirs=$VL/hdir
refused "(h) no display: symlinked socket dir not searched" 69 "$VL/hdir"
px "$IN" :81 --socket-dirs=$VL/hdir/sub
refused "(h) a symlink further up the socket dir" 69 "$VL/hdir/sub"
untouched "(h) symlinked socket dirs" $hs
untouched "(h) symlinked socket dirs" $hsub
#     the attacker's symlink in the shared dir, where the admin's
#     socket-dirs names a directory that did not exist: the attacker would
#     choose where the victim looks
as_user $A ln -s $H $SH/hlink
px "$IN" :80 --socket-dirs=$SH/hlink
refused "(h) socket dir is the attacker's symlink" 69 "$SH/hlink"
untouched "(h) socket dir is the attacker's symlink" $hs
#     control: the same server by the directory's own path
px "$IN" :80 --socket-dirs=$H
relayed "(h) control: the same socket dir by its own path" || true

# the attacker's server was never reached through any case above
alive $evil || bad "summary" "the attacker's 0666 socket got a connection"

cases_done
