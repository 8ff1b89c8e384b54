#!/bin/bash
# t-list-agree.sh - `xpra-proxy list` agrees with Debian's real `xpra list`
# (xpra 3.1.3) line for line on one socket tree (SPEC §4.3, §4.6,
# reference/xpra.md §2.2, §2.3, §3), and `list --json` says the same.
#
# The tree, built as the unprivileged user xpxuser, with a second user
# xpxother, both in group xpxshared:
#   RD  (xpxuser 0700, like $XDG_RUNTIME_DIR/xpra): live, stale (recent and
#       old), unwritable (0400), ":proxy-N", ":wayland-N", names sorted as
#       strings (100 < 20), another hostname's socket, a regular file
#   SH  (root:xpxshared 1775, like /run/xpra): xpxother's live and stale
#       0600 sockets (INACCESSIBLE), xpxuser's own live one
#   HD  (xpxuser 0700, like ~/.xpra): the same display as in RD, a stale one
#   an empty dir, a missing dir, and a symlink to RD (never followed:
#   xpra skips it as the same directory, we as a symlink)
# xpra list is run after ours each time: it deletes stale sockets.  Only
# the part before its "Re-probing unknown sessions" section is compared.
# Then the same against a real xpra 3.1.3 server (skipped if Xvfb is
# missing or XPX_NO_REAL_XPRA=1).  Checked against the documented format
# only (xpra 3.1 cannot tell): session directories <dir>/<N>/socket
# (xpra >= 4.3), and the trust states where we differ from xpra on
# purpose (symlink, foreign listener: INACCESSIBLE).  `list` must not
# connect to any server (a one-shot server survives it).
# XPX_VERBOSE=1 prints both listings of every comparison.
#
# Needs root (to create the users); exit 0 pass, 77 skip, 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

need_user_runs
XPRA=/usr/bin/xpra
[ -x $XPRA ] || skip "no xpra to compare with (Debian package xpra)"
tmp_setup
U=xpxuser
O=xpxother
G=xpxshared
group_users $G $U $O
install_proxy_copy
fake_setup
# live sockets survive xpra's probes (unless a later --accept says otherwise)
SERVE_OPTS=(--accept 1000)
HOST=$(hostname)

# --- helpers (local to this script; serve, stale, mkd, ... in common.sh) --

# ours NAME ARGS...: `xpra-proxy list ARGS` as $U into $T/NAME.
ours() {
	local name=$1; shift
	as_user $U timeout 20 "$PROXY_COPY" list "$@" >"$T/$name" \
	    2>"$T/$name.err"
	RC=$?
}

# theirs NAME ARGS...: `xpra list ARGS` as $U; $T/NAME is the part before
# the re-probe section, $T/NAME.full all of it.
theirs() {
	local name=$1; shift
	as_user $U XPRA_LIST_REPROBE_TIMEOUT=1 timeout 90 $XPRA list "$@" \
	    >"$T/$name.full" 2>"$T/$name.err"
	RC=$?
	sed '/^Re-probing unknown sessions/,$d' "$T/$name.full" >"$T/$name"
}

# agree CASE OURS THEIRS: the same lines, in the same order.
# XPX_VERBOSE=1 shows both outputs.
agree() {
	if [ "${XPX_VERBOSE:-0}" = 1 ]; then
		say "$1: xpra-proxy list:"; sed 's/^/    /' "$T/$2" >&2
		say "$1: xpra list:"; sed 's/^/    /' "$T/$3.full" >&2
	fi
	if ! [ -s "$T/$3" ]; then
		bad "$1" "xpra list printed nothing: $(head -5 "$T/$3.err")"
	elif ! diff -u "$T/$3" "$T/$2" >"$T/diff"; then
		bad "$1" "xpra-proxy list differs from xpra list (--- xpra, +++ ours):"
		sed 's/^/    /' "$T/diff" >&2
	else
		return 0
	fi
	return 1
}

# json_agree CASE TEXT JSON: valid JSON, one object per text entry in the
# same order (dir, display, state), with path, owner uid and mtime true
# to the file system.
json_agree() {
	if ! "$PY" -m json.tool "$T/$3" >/dev/null 2>"$T/json.err"; then
		bad "$1" "list --json is not valid JSON: $(head -3 "$T/json.err")"
		return 1
	fi
	"$PY" - "$T/$2" "$T/$3" >"$T/json.diag" 2>&1 <<'PYEOF' ||
import json, os, sys
text, data = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2]))
want, key = [], None
for line in text:
    if line in ("Found the following xpra sessions:", "No xpra sessions found"):
        continue
    if line.startswith("\t"):
        state, _, label = line[1:].partition(" session at ")
        want.append((key, label, state))
    elif line.endswith(":"):
        key = line[:-1]
    else:
        sys.exit("unexpected text line %r" % line)
if not isinstance(data, list):
    sys.exit("not a JSON array")
got = [(e.get("dir"), e.get("display"), e.get("state")) for e in data]
if got != want:
    sys.exit("entries differ:\n text: %s\n json: %s" % (want, got))
for e in data:
    for k in ("dir", "path", "display", "state", "mtime"):
        if k not in e:
            sys.exit("%s: no %r" % (e, k))
    uid = e.get("uid", e.get("owner_uid", e.get("owner")))
    st = os.lstat(e["path"])
    if not e["path"].startswith(os.path.join(e["dir"], "")):
        sys.exit("%s: path not in dir" % e)
    if uid != st.st_uid:
        sys.exit("%s: owner uid %r, file owned by %d" % (e, uid, st.st_uid))
    if e["mtime"] != int(st.st_mtime):
        sys.exit("%s: mtime %r, file says %d" % (e, e["mtime"], int(st.st_mtime)))
PYEOF
	{ bad "$1" "$(cat "$T/json.diag")"; return 1; }
}

# --- the tree ---------------------------------------------------------------

RD=$T/run/user/xpra;	mkd root: 755 $T/run; mkd root: 755 $T/run/user
			mkd $U: 700 $RD
SH=$T/shared;		mkd root:$G 1775 $SH
HD=$T/home/.xpra;	mkd $U: 755 $T/home; mkd $U: 700 $HD
ED=$T/empty;		mkd $U: 700 $ED
LN=$T/rd-link;		ln -s $RD $LN

serve $U $RD/$HOST-100
serve $U $RD/$HOST-20
serve $U $RD/$HOST-proxy-123
serve $U $RD/$HOST-wayland-2		# xpra 3.1.3: ":wayland-2"
serve $U $RD/$HOST-103 --mode-bits 400	# ours, but not writable
serve $U $RD/otherhost-105		# another host's name: ignored
as_user $U sh -c "echo x >$RD/$HOST-106"	# not a socket: ignored
serve $U $RD/$HOST-107 --accept 1; sentinel=$SRV_PID	# sees every probe
serve $O $SH/$HOST-200			# the other user's, 0600
serve $U $SH/$HOST-201			# ours, in the shared dir
serve $U $HD/$HOST-100			# the same display again
make_stale() {
	stale $U $RD/$HOST-101
	stale $U $RD/$HOST-102 '-10 min'
	stale $O $SH/$HOST-202
	stale $U $HD/$HOST-300 '-1 hour'
}
make_stale

DIRS=$RD:$SH:$T/missing:$ED:$HD:$LN

# 1. the whole tree; ours first (xpra deletes stale sockets)
ours ours1 --socket-dirs=$DIRS
[ $RC = 0 ] || bad "list" "exit $RC: $(cat "$T/ours1.err")"
ours ours1.json --socket-dirs=$DIRS --json
[ $RC = 0 ] || bad "list --json" "exit $RC: $(cat "$T/ours1.json.err")"
alive $sentinel || bad "list is read-only" \
    "xpra-proxy list connected to a server (SPEC §4.6: the kernel's listener table)"
json_agree "list --json = list (tree)" ours1 ours1.json
theirs xpra1 --socket-dirs=$DIRS
agree "tree, --socket-dirs=$DIRS" ours1 xpra1
grep -q '^Re-probing unknown sessions' "$T/xpra1.full" ||
    bad "tree" "test bug: xpra did not re-probe (no UNKNOWN socket?)"

# 2. --socket-dir prepends to the list
make_stale
ours ours2 --socket-dir=$HD --socket-dirs=$RD:$SH
theirs xpra2 --socket-dir=$HD --socket-dirs=$RD:$SH
agree "--socket-dir=HD --socket-dirs=RD:SH" ours2 xpra2

# 3. nothing there
ours ours3 --socket-dirs=$ED:$T/missing
theirs xpra3 --socket-dirs=$ED:$T/missing
agree "no sessions" ours3 xpra3
[ "$(cat "$T/ours3")" = "No xpra sessions found" ] ||
    bad "no sessions" "expected 'No xpra sessions found', got '$(cat "$T/ours3")'"
ours ours3.json --socket-dirs=$ED:$T/missing --json
json_agree "no sessions --json" ours3 ours3.json

# 4. session directories <dir>/<N>/socket (xpra >= 4.3; 3.1 cannot tell):
#    each its own key "<dir>/<N>:", before the dir's flat names
SD=$T/sessions; mkd $U: 700 $SD
mkd $U: 700 $SD/7;  serve $U $SD/7/socket
mkd $U: 700 $SD/10; stale $U $SD/10/socket
mkd $U: 700 $SD/8			# no socket: not listed
mkd $U: 700 $SD/abc; serve $U $SD/abc/socket	# not a display number
serve $U $SD/$HOST-7
ours ours4 --socket-dirs=$SD
ours ours4.json --socket-dirs=$SD --json
want4a=$(printf 'Found the following xpra sessions:\n%s/7:\n\tLIVE session at :7\n%s/10:\n\tUNKNOWN session at :10\n%s:\n\tLIVE session at :7' $SD $SD $SD)
want4b=$(printf 'Found the following xpra sessions:\n%s/10:\n\tUNKNOWN session at :10\n%s/7:\n\tLIVE session at :7\n%s:\n\tLIVE session at :7' $SD $SD $SD)
got4=$(cat "$T/ours4")
[ "$got4" = "$want4a" ] || [ "$got4" = "$want4b" ] ||
    bad "session dirs" "expected:
$want4a
got:
$got4"
json_agree "session dirs --json" ours4 ours4.json

# 5. states where we deliberately differ from xpra 3.1 (SPEC §4.3, §4.5):
#    a symlink to our own live socket and a root listener behind a socket
#    file we own are INACCESSIBLE (xpra follows the link / checks no
#    peer, and says LIVE); a session dir that is a symlink is not listed
TD=$T/trust; mkd $U: 700 $TD
serve $U $TD/$HOST-401; own=$SRV_PID
as_user $U ln -s $TD/$HOST-401 $TD/$HOST-400
serve root $TD/$HOST-402		# root's listener...
chown $U: $TD/$HOST-402			# ...behind a file we own
mkd $U: 700 $T/trust-sess; serve $U $T/trust-sess/socket
as_user $U ln -s $T/trust-sess $TD/403
ours ours5 --socket-dirs=$TD
want5=$(printf 'Found the following xpra sessions:\n%s:\n\tINACCESSIBLE session at :400\n\tLIVE session at :401\n\tINACCESSIBLE session at :402' $TD)
[ "$(cat "$T/ours5")" = "$want5" ] || bad "symlink / foreign listener states" "expected:
$want5
got:
$(cat "$T/ours5")"
alive $own || bad "symlink / foreign listener states" "list connected to a server"

# 6. directories are listed by the names they were configured with, as
#    xpra 3.1.3 lists them (a trailing '/', a doubled '/'), not resolved
make_stale
ours ours7 --socket-dirs=$RD/:$T//home/.xpra
ours ours7.json --socket-dirs=$RD/:$T//home/.xpra --json
json_agree "configured names --json" ours7 ours7.json
theirs xpra7 --socket-dirs=$RD/:$T//home/.xpra
agree "configured names: --socket-dirs=RD/:T//home/.xpra" ours7 xpra7

# 7. a socket directory reached through a symlink is not listed (SPEC
#    §4.5; xpra follows it and lists it under the link's name), and
#    stderr says why; the same directory by its own name is
ours ours8 --socket-dirs=$LN
[ "$(cat "$T/ours8")" = "No xpra sessions found" ] &&
    grep -qF "$LN" "$T/ours8.err" ||
    bad "symlinked socket dir" "expected 'No xpra sessions found' and a warning naming $LN, got:
$(cat "$T/ours8")
stderr: $(cat "$T/ours8.err")"
ours ours8b --socket-dirs=$LN:$RD
grep -qx "$RD:" "$T/ours8b" && ! grep -q "^$LN" "$T/ours8b" ||
    bad "symlinked socket dir, then its target" "expected $RD listed, $LN not:
$(cat "$T/ours8b")"

# 8. a real xpra 3.1.3 server, flat sockets in RD and SH
real_server() {
	local n xd=$T/xrt conf=$T/xconf t0 pid
	command -v Xvfb >/dev/null || { say "no Xvfb: real-server part skipped"; return; }
	[ -d /tmp/.X11-unix ] || { mkdir -m 1777 /tmp/.X11-unix; }
	for n in $(seq $((47300 + $$ % 80)) 47399); do
		[ -e /tmp/.X$n-lock ] || [ -e /tmp/.X11-unix/X$n ] || break
	done
	mkd $U: 700 $xd
	mkd root: 755 $conf; echo "start =" >$conf/xpra.conf	# no Xsession
	make_stale
	t0=$(date +%s)
	as_user $U XDG_RUNTIME_DIR=$xd XAUTHORITY=$xd/Xauthority \
	    XPRA_USER_CONF_DIRS=$conf timeout 60 $XPRA start :$n \
	    --daemon=no --html=off --mdns=no --pulseaudio=no \
	    --notifications=no --speaker=off --microphone=off --webcam=no \
	    --printing=no --file-transfer=no --dbus-proxy=no \
	    --dbus-control=no --dbus-launch= --systemd-run=no --start= \
	    --socket-dirs=$RD:$SH >"$T/xpra-server.log" 2>&1 &
	track_pid $!
	# the server's own pid (timeout's child), to stop it first
	for _ in $(seq 50); do
		pid=$(pgrep -u $U -f "^/usr/bin/python3 $XPRA start :$n " | head -1)
		[ -n "$pid" ] && break; sleep 0.1
	done
	[ -n "$pid" ] && track_pid "$pid"
	for _ in $(seq 150); do
		[ -S $RD/$HOST-$n ] && [ -S $SH/$HOST-$n ] && grep -q "xpra is ready" "$T/xpra-server.log" && break
		sleep 0.2
	done
	if ! grep -q "xpra is ready" "$T/xpra-server.log"; then
		bad "real xpra server" "did not start in $(($(date +%s) - t0)) s: $(tail -3 "$T/xpra-server.log")"
		return
	fi
	say "real xpra server :$n ready after $(($(date +%s) - t0)) s"
	ours ours6 --socket-dirs=$RD:$SH
	ours ours6.json --socket-dirs=$RD:$SH --json
	json_agree "real xpra server --json" ours6 ours6.json
	theirs xpra6 --socket-dirs=$RD:$SH
	agree "real xpra server :$n" ours6 xpra6
	grep -qx "	LIVE session at :$n" "$T/ours6" ||
	    bad "real xpra server" "ours does not list :$n as LIVE"
	[ "$(grep -c "LIVE session at :$n\$" "$T/ours6")" = 2 ] ||
	    bad "real xpra server" "expected :$n LIVE in both RD and SH"
	[ -n "$pid" ] && kill -TERM "$pid"
	for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
}
if [ "${XPX_NO_REAL_XPRA:-0}" = 1 ]; then
	say "XPX_NO_REAL_XPRA=1: real-server part skipped"
else
	real_server
fi

cases_done
