#!/bin/bash
# t-clean: `xpra-proxy list --clean` as an unprivileged user, in a private
# mount namespace with a stand-in journald.  In the user's directory: an
# old stale socket (removed), a stale one changed a minute ago (a server
# may be starting: kept), a live one (kept, its server never connected
# to when the kernel can tell), a symlink to an old stale socket (neither
# removed), a session directory holding only an old stale socket (both
# removed) and one that also holds xpra's files (the socket only).  In a
# shared sticky directory (like /run/xpra): another user's old stale
# socket, never touched.  Each removal is one journal record; the
# listing printed afterwards no longer shows what was removed; a second
# --clean removes nothing.
. "$(dirname "$0")/../lib/common.sh"

need_user_runs
private_mount_ns "$@"
tmp_setup
journal_sink
U=xpxclean O=xpxcleano
group_users xpxcleang $U $O
install_proxy_copy
fake_setup
HOST=$(hostname)
D=$T/own; mkd $U: 700 "$D"
S=$T/shared; mkd root:xpxcleang 1770 "$S"

stale $U "$D/$HOST-301" '-10 min'
stale $U "$D/$HOST-302" '-1 min'
serve $U "$D/$HOST-303"; live=$SRV_PID
mkd $U: 700 "$T/elsewhere"; stale $U "$T/elsewhere/old-304" '-10 min'
ln -s "$T/elsewhere/old-304" "$D/$HOST-304"
mkd $U: 750 "$D/305"; stale $U "$D/305/socket" '-10 min'
mkd $U: 750 "$D/306"; stale $U "$D/306/socket" '-10 min'
printf 'mode=seamless\n' >"$D/306/config"; chown $U "$D/306/config"
stale $O "$S/$HOST-307" '-10 min'

PX_USER=$U
px "" -v --socket-dirs="$D:$S" list --clean
[ "$RC" = 0 ] || bad "list --clean" "exit $RC: $(errtext)"
for f in "$D/$HOST-301" "$D/305/socket" "$D/305" "$D/306/socket"; do
	[ -e "$f" ] && bad "removed" "$f is still there"
done
for f in "$D/$HOST-302" "$D/$HOST-303" "$T/elsewhere/old-304" "$D/306/config" \
    "$S/$HOST-307"; do
	[ -e "$f" ] || bad "kept" "$f was removed"
done
[ -L "$D/$HOST-304" ] || bad "kept" "the symlink $D/$HOST-304 was removed"
alive $live || bad "live socket" "its server was connected to"
grep -q ":301\|:305\|:306" "$T/out" &&
    bad "listing" "it shows what was removed: $(cat "$T/out")"
grep -q "LIVE session at :303" "$T/out" ||
    bad "listing" "no live :303: $(cat "$T/out")"
n=$(grep -c "removed dead socket" "$T/err")
[ "$n" = 3 ] || bad "stderr" "$n removals reported, want 3: $(errtext)"

px "" --socket-dirs="$D:$S" list --clean
[ "$RC" = 0 ] && [ ! -s "$T/err" ] || bad "second --clean" "exit $RC: $(errtext)"

sleep 0.5
removed=3f0e8b2c6d7a4e51a9c2b7d4e8f10a63
n=$($PY - "$T/journal" "$removed" "$D" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r.get("MESSAGE_ID") == sys.argv[2] and
      r.get("XPRA_SOCKET", "").startswith(sys.argv[3] + "/") and
      r.get("PRIORITY") == "5"]
print(len(ok))
PYEOF
)
[ "$n" = 3 ] || bad "journal" "$n removal records, want 3: $(cat "$T/journal" | head -c 800)"
cases_done
