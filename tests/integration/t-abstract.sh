#!/bin/bash
# t-abstract: xpra >= 6.0 servers on Linux also listen on the abstract
# socket @xpra/<display> (reference/xpra6.md §2).  xpra-proxy tries it
# after the display's socket files, and relays only when SO_PEERCRED says
# the listener runs as the user: an abstract name has no owner and no
# mode, anyone may bind it first (xpra #4686 let one user into another's
# session that way).  As an unprivileged victim, with a second user as
# the squatter, inside a private mount namespace with a stand-in journald:
#   1. only an abstract listener of the victim's (no socket file): `:N`,
#      `N`, `_proxy N` and `wayland-N` relay byte-exact through it;
#   2. a live socket file and a live abstract socket: the file is used,
#      the abstract listener gets no connection;
#   3. a stale socket file and a live abstract socket: the abstract one;
#   4. the squatter's listener on the victim's @xpra/N, nothing else:
#      77, one warning naming it, nothing on stdout, the squatter
#      receives no byte; restricted mode the same, and the journal holds
#      a warning record (SOCKET @xpra/N, the reason);
#   5. the squatter on @xpra/N and the victim's own live file for N: the
#      file is used and the squatter never sees a connection.
. "$(dirname "$0")/../lib/common.sh"

need_user_runs
private_mount_ns "$@"
tmp_setup
journal_sink
V=xpxabv A=xpxaba
victim_and_attacker $V $A
VD=$T/victim; mkd $V: 700 "$VD"
# abstract names are shared by the whole network namespace: numbers no
# other script uses
disp=5100
next_display() { disp=$((disp + 1)); d=$disp; }

# run_victim CASE INPUT ARGS...: the binary as the victim; RC, $T/out, $T/err
run_victim() {
	local in=$2; shift 2
	printf %s "$in" | as_user $V ${PENV[@]+"${PENV[@]}"} timeout 20 "$P" \
	    "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
PENV=()

# untouched CASE ADDRESS: the one-connection echo server there got nothing
untouched() {
	local got
	got=$(timeout 20 $PY "$TOP/tests/lib/sockpeek.py" "$2" canary 2>&1)
	[ "$got" = canary ] || bad "$1" "$2 was connected to (canary: '$got')"
}

# squatted CASE REPORT: 77, one warning about @xpra/$d on stderr, nothing
# on stdout, and the squatter's report says it received nothing
squatted() {
	if [ "$RC" != 77 ]; then
		bad "$1" "exit $RC, want 77; stderr: $(errtext)"
	elif [ -s "$T/out" ]; then
		bad "$1" "stdout not empty: '$(head -c 100 "$T/out")'"
	elif ! grep -q "^xpra-proxy: ignoring @xpra/$d: the listener runs as another user$" "$T/err"; then
		bad "$1" "no warning about the squatter: $(errtext)"
	else
		for _ in $(seq 50); do [ -s "$2" ] && break; sleep 0.1; done
		[ "$(cut -d' ' -f1 "$2" 2>/dev/null)" = 0 ] ||
		    bad "$1" "the squatter received bytes: $(cat "$2" 2>/dev/null || echo 'no report')"
	fi
}

# ---- 1. only the abstract socket -------------------------------------------
next_display
serve $V "@xpra/$d" --accept 3
for a in ":$d" "$d" "_proxy $d"; do
	# shellcheck disable=SC2086
	run_victim "abstract $a" "via @xpra/$d" --socket-dirs="$VD" $a
	relayed_exactly "only @xpra/$d: xpra-proxy $a" "via @xpra/$d"
done
serve $V "@xpra/wayland-$d"
run_victim w "wayland" --socket-dirs="$VD" "wayland-$d"
relayed_exactly "only @xpra/wayland-$d: xpra-proxy wayland-$d" wayland

# ---- 2. a live file first ---------------------------------------------------
next_display
serve $V "$VD/$HOST-$d"
serve $V "@xpra/$d"
run_victim 2 "file first" --socket-dirs="$VD" ":$d"
relayed_exactly "live file and live abstract: the file" "file first" &&
    untouched "live file and live abstract: abstract untouched" "@xpra/$d"

# ---- 3. a stale file, then the abstract socket ------------------------------
next_display
stale $V "$VD/$HOST-$d" '-10 min'
serve $V "@xpra/$d"
run_victim 3 "past the stale file" --socket-dirs="$VD" --wait=0 ":$d"
relayed_exactly "stale file, live abstract: the abstract" "past the stale file"

# ---- 4. a squatter, nothing else ---------------------------------------------
next_display
serve $A "@xpra/$d" --mode exchange --send 5 --report "$T/pids/squat4.rep"
run_victim 4 "secret" --socket-dirs="$VD" ":$d"
squatted "squatter on @xpra/$d: refused" "$T/pids/squat4.rep"
next_display
serve $A "@xpra/$d" --mode exchange --send 5 --report "$T/pids/squat4r.rep"
PENV=(SSH_ORIGINAL_COMMAND="xpra _proxy :$d"
    SSH_CONNECTION="127.0.0.1 40000 127.0.0.1 22")
run_victim 4r "secret" --restricted --socket-dirs="$VD"
PENV=()
squatted "squatter on @xpra/$d, restricted: refused" "$T/pids/squat4r.rep"
squat_r=$d

# ---- 5. a squatter, and the victim's own file --------------------------------
next_display
serve $A "@xpra/$d"
serve $V "$VD/$HOST-$d"
run_victim 5 "own file" --socket-dirs="$VD" ":$d"
relayed_exactly "squatter and own file: the file" "own file" &&
    untouched "squatter and own file: squatter untouched" "@xpra/$d"

# ---- the journal --------------------------------------------------------------
sleep 0.5
skipped=64c718daf34d44ec96b7785a1c68c21b
$PY - "$T/journal" "@xpra/$squat_r" "$skipped" <<'PYEOF' ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r.get("MESSAGE_ID") == sys.argv[3] and
      r.get("XPRA_SOCKET") == sys.argv[2] and r.get("PRIORITY") == "4" and
      "another user" in r.get("REASON", "")]
sys.exit(0 if len(ok) == 1 else 1)
PYEOF
    bad "journal" "no single warning record for $squat_r's squatter: $(grep -F "@xpra/$squat_r" "$T/journal" | head -c 600)"
cases_done
