#!/bin/bash
# t-journal.sh - the journal records of a relay and of a refusal, read back
# from a stand-in journald (a datagram socket where libsystemd sends),
# inside a private mount namespace so the host's journal is never touched.
. "$(dirname "$0")/../lib/common.sh"

need_root
private_mount_ns "$@"
tmp_setup
journal_sink

host=$(hostname)
mkdir -m 700 "$T/s"
$PY "$FAKESERVER" --socket "$T/s/$host-42" --mode echo &
track_pid $!
wait_for_socket "$T/s/$host-42" || fail "fake server"
printf 'hello journal' | timeout 20 "$XPRA_PROXY" --socket-dirs="$T/s" :42 \
    > "$T/out" || fail "relay failed: $?"
[ "$(cat "$T/out")" = "hello journal" ] || fail "relay output"
timeout 20 "$XPRA_PROXY" --socket-dirs="$T/s" :43 </dev/null 2>/dev/null
[ $? = 69 ] || fail "missing display: want 69"

# restricted mode: one record per decision
export SSH_CONNECTION="127.0.0.1 40000 127.0.0.1 22"
SSH_ORIGINAL_COMMAND='echo %OS%' timeout 20 "$XPRA_PROXY" --restricted \
    >/dev/null || fail "probe"
SSH_ORIGINAL_COMMAND=$'xpra _proxy :1; rm -rf ~ \e[2J' \
    timeout 20 "$XPRA_PROXY" --restricted 2>/dev/null
[ $? = 77 ] || fail "refusal: want 77"
$PY "$FAKESERVER" --socket "$T/s/$host-44" --mode echo &
track_pid $!
wait_for_socket "$T/s/$host-44" || fail "fake server"
printf 'r' | SSH_ORIGINAL_COMMAND='"/usr/bin/xpra" "_proxy" "44"' \
    timeout 20 "$XPRA_PROXY" --restricted --socket-dirs="$T/s" >/dev/null ||
    fail "restricted relay"
"$XPRA_PROXY" -c 'bash -i' 2>/dev/null
[ $? = 77 ] || fail "login shell refusal: want 77"
# a symlink where a socket should be: skipped, and a warning recorded
ln -s "$T/s/$host-44" "$T/s/$host-45"
SSH_ORIGINAL_COMMAND='xpra _proxy :45' timeout 20 "$XPRA_PROXY" \
    --restricted --socket-dirs="$T/s" </dev/null >/dev/null 2>&1
[ $? = 77 ] || fail "symlinked socket: want 77"
sleep 0.5

check() {	# check DESCRIPTION PYTHON-CONDITION-ON-r
	$PY - "$T/journal" "$2" <<'PYEOF' || fail "$1"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if eval(sys.argv[2], {"r": r})]
if not ok:
    print(json.dumps(recs, indent=1), file=sys.stderr)
sys.exit(0 if len(ok) == 1 else 1)
PYEOF
}
end=a739d9cb45ba4a65af244fa4c599ea21
none=c686c30bf35d499c876d618ab276b829
check "one end record with display, socket, bytes, duration, who closed, status" \
    "r.get('MESSAGE_ID') == '$end' and r['XPRA_DISPLAY'] == ':42' and r['XPRA_SOCKET'] == '$T/s/$host-42' and r['SYSLOG_IDENTIFIER'] == 'xpra-proxy' and r['PRIORITY'] == '6' and r['BYTES_UP'] == '13' and r['BYTES_DOWN'] == '13' and int(r['DURATION_USEC']) > 0 and r['CLOSED_BY'] == 'client' and r['EXIT_STATUS'] == '0'"
check "one no-session record for :43, exit 69" \
    "r.get('MESSAGE_ID') == '$none' and r['XPRA_DISPLAY'] == ':43' and r['EXIT_STATUS'] == '69' and 'cannot find live server for display :43' in r['MESSAGE']"
probe=538d03437ec743498e035a699ec315df
refused=80bac464cb6e4bba817d4028cee298d6
accepted=e5e74a1bf1b64565a64019743df8fc7a
check "a probe record" \
    "r.get('MESSAGE_ID') == '$probe' and r['XPRA_REQUEST'] == 'echo %OS%' and r['SSH_CONNECTION'] == '$SSH_CONNECTION' and r['XPRA_PROXY_MODE'] == 'restricted'"
check "a refusal, escaped, with its reason, at notice" \
    "r.get('MESSAGE_ID') == '$refused' and r['REASON'] == 'bad-byte' and r['XPRA_REQUEST'] == 'xpra _proxy :1; rm -rf ~ \\\\033[2J' and r['PRIORITY'] == '5' and r['EXIT_STATUS'] == '77'"
check "an acceptance for :44" \
    "r.get('MESSAGE_ID') == '$accepted' and r['XPRA_DISPLAY'] == ':44' and r['XPRA_REQUEST'] == '\"/usr/bin/xpra\" \"_proxy\" \"44\"'"
check "a login-shell refusal" \
    "r.get('MESSAGE_ID') == '$refused' and r['XPRA_PROXY_MODE'] == 'login-shell' and r['REASON'] == 'unknown-command' and r['XPRA_REQUEST'] == 'bash -i'"
skipped=64c718daf34d44ec96b7785a1c68c21b
check "a warning for the symlinked socket" \
    "r.get('MESSAGE_ID') == '$skipped' and r['XPRA_SOCKET'] == '$T/s/$host-45' and r['PRIORITY'] == '4' and 'symlink' in r['REASON']"
say "journal records checked: $(wc -l < "$T/journal")"
