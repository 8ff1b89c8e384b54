#!/bin/bash
# t-ssh-relay: 64 MiB each way through a real OpenSSH sshd and xpra-proxy to
# a fake xpra server (tests/lib/fakeserver.py, mode exchange) listening as
# the test user at ~/.xpra/<hostname>-N.  Byte-exact both ways (sha256 and
# count), exit status 0, nothing but the server's bytes on stdout; run as
#   ssh user@127.0.0.1 xpra-proxy :N
#   ssh user@127.0.0.1 xpra-proxy _proxy ":N"
#   ssh user@127.0.0.1 sh -c '<the 3.1 client's --remote-xpra command>'
# and a display nobody serves gives 69 with an empty stdout.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-ssh-relay.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"

U=xpxuser
N=160			# display number served by the fake server
NONE=161		# a display nobody serves
SIZE=$((64 * 1024 * 1024))

need_root
[ -x "$XPRA_PROXY" ] || fail "no executable $XPRA_PROXY (run make first)"
tmp_setup
ensure_user "$U"
install_proxy_copy
# the checkout may be unreadable to the test user: copy the fake server too
cp "$FAKESERVER" "$T/bin/fakeserver.py" && chmod 755 "$T/bin/fakeserver.py"

home=$(getent passwd "$U" | cut -d: -f6)
host=$(hostname)
install -d -m 700 -o "$U" -g "$(id -gn "$U")" "$home/.xpra"
SOCK=$home/.xpra/$host-$N
clear_old_sockets "$U" $N $NONE

sshd_start "$U"

# the fake server runs as $U and writes its reports here
install -d -m 700 -o "$U" "$T/reports"

head -c "$SIZE" /dev/urandom >"$T/in.bin" || fail "cannot make input"
in_sha=$(sha256sum <"$T/in.bin" | cut -d' ' -f1)

# relay_case NAME SEED REMOTE-COMMAND
relay_case() {
	local name=$1 seed=$2 cmd=$3 rc t0 t1 report count rin rout out_sha out_size
	report=$T/reports/report-$seed
	spawn_as "$U" "$T/server-$seed.log" /usr/bin/python3 "$T/bin/fakeserver.py" \
	    --socket="$SOCK" --mode=exchange --send="$SIZE" --seed="$seed" \
	    --report="$report"
	wait_for_socket "$SOCK" 100 ||
	    fail "$name: fake server socket $SOCK not there: $(cat "$T/server-$seed.log")"
	t0=$(date +%s.%N)
	timeout 120 "${ssh_cmd[@]}" "$U@127.0.0.1" "$cmd" \
	    <"$T/in.bin" >"$T/out-$seed.bin" 2>"$T/err-$seed.txt"
	rc=$?
	t1=$(date +%s.%N)
	[ "$rc" = 0 ] || fail "$name: exit status $rc (want 0); stderr: $(cat "$T/err-$seed.txt")"
	# the fake server writes its report just before it closes
	for _ in $(seq 100); do [ -s "$report" ] && break; sleep 0.1; done
	[ -s "$report" ] || fail "$name: the fake server wrote no report: $(cat "$T/server-$seed.log")"
	read -r count rin rout <"$report"
	out_size=$(stat -c %s "$T/out-$seed.bin")
	out_sha=$(sha256sum <"$T/out-$seed.bin" | cut -d' ' -f1)
	[ "$count" = "$SIZE" ] ||
	    fail "$name: server received $count bytes, sent $SIZE"
	[ "$rin" = "$in_sha" ] ||
	    fail "$name: server received different bytes (sha256 $rin, sent $in_sha)"
	[ "$out_size" = "$SIZE" ] ||
	    fail "$name: stdout has $out_size bytes, server sent $SIZE (extra or lost bytes)"
	[ "$out_sha" = "$rout" ] ||
	    fail "$name: stdout differs from what the server sent (sha256 $out_sha, want $rout)"
	[ -s "$T/err-$seed.txt" ] && say "$name: stderr: $(head -c 500 "$T/err-$seed.txt")"
	say "ok: $name: 64 MiB each way byte-exact, exit 0, $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
	rm -f "$T/out-$seed.bin"
	# one connection served: the fake server exits and removes its socket
	for _ in $(seq 50); do
		kill -0 "$SPAWN_PID" 2>/dev/null || break
		[ "$(ps -o stat= -p "$SPAWN_PID" | cut -c1)" = Z ] && break
		sleep 0.1
	done
	[ -e "$SOCK" ] && fail "$name: the fake server did not finish: $(cat "$T/server-$seed.log")"
}

relay_case "plain :N" 11 "$PROXY_COPY :$N"
relay_case "_proxy :N" 12 "$PROXY_COPY _proxy \":$N\""
relay_case "3.1 --remote-xpra shape" 13 \
    "sh -c 'xpra initenv;if [ -x $PROXY_COPY ]; then $PROXY_COPY _proxy \":$N\";else echo \"no run-xpra command found\"; exit 1; fi'"

# A display nobody serves: 69 at once, nothing on stdout.
timeout 60 "${ssh_cmd[@]}" "$U@127.0.0.1" "$PROXY_COPY :$NONE" \
    </dev/null >"$T/none.out" 2>"$T/none.err"
rc=$?
[ "$rc" = 69 ] || fail "no server at :$NONE: exit status $rc (want 69); stderr: $(cat "$T/none.err")"
[ -s "$T/none.out" ] && fail "no server at :$NONE: stdout not empty: $(head -c 200 "$T/none.out" | od -c | head -5)"
[ -s "$T/none.err" ] || fail "no server at :$NONE: no message on stderr"
say "ok: no server at :$NONE: exit 69, stdout empty, stderr: $(head -n 1 "$T/none.err")"
exit 0
