#!/bin/bash
# demo.sh - what `make demo` runs: a real xpra 3.1.3 client reaches a real
# xpra 3.1.3 server through a real OpenSSH sshd, with xpra-proxy as the
# server-side command (--remote-xpra).  Fresh Debian 12, as root, no stdin:
#   1. installs what is missing (apt-get, non-interactive);
#   2. builds xpra-proxy (make -C $TOP);
#   3. starts, as the unprivileged user xpxdemo, an xpra server on :190
#      (its own Xvfb, one xmessage window), and a private sshd on
#      127.0.0.1 (only) and a free port, key login for xpxdemo only;
#   4. runs `xpra info ssh://...` and `xpra version ssh://...` through
#      it, with the stock remote command and with xpra-proxy, timed;
#   5. attaches a client (on its own Xvfb :191), shows the relay process,
#      the forwarded window and the server's view of the client, then
#      detaches from the server side;
#   6. stops everything it started, by PID.
# Env: TOP (default: this script's ..), DEMO_USER (default xpxdemo).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export TOP
U=${DEMO_USER:-xpxdemo}
N=190			# the server's display
M=191			# the client's Xvfb
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

hr()   { printf '\n== %s\n' "$*"; }
# show CMD...: print a command line, copy-pastable
show() {
	local a q="'"
	printf '   $'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@,+-]*|"") printf " '%s'" "${a//$q/$q\\$q$q}";;
		*) printf ' %s' "$a";;
		esac
	done
	printf '\n'
}
indent() { sed 's/^/     | /'; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: run me as root (sudo make demo): I create a user, start an sshd" \
	    "on 127.0.0.1 and install missing Debian packages" >&2
	exit 1
fi

# ---- 1. packages
mapfile -t PKGS < <(sed 's/#.*//' "$TOP/packaging/debian-packages" |
    tr -s ' \t' '\n' | grep .)
hr "1. Debian packages"
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
	echo "   all present: ${PKGS[*]}"
else
	echo "   installing: ${missing[*]}"
	show apt-get install -y --no-install-recommends "${missing[@]}"
	{ apt-get update -q && apt-get install -y -q --no-install-recommends \
	    "${missing[@]}"; } </dev/null >/tmp/xpx-demo-apt.log 2>&1 || {
		tail -n 30 /tmp/xpx-demo-apt.log >&2
		echo "demo: apt-get failed (log: /tmp/xpx-demo-apt.log)" >&2
		exit 1
	}
	rm -f /tmp/xpx-demo-apt.log
fi

# ---- 2. build
hr "2. build"
show make -C "$TOP"
make -C "$TOP" </dev/null 2>&1 | tail -n 3 | indent
[ "${PIPESTATUS[0]}" = 0 ] && [ -x "$TOP/xpra-proxy" ] || {
	echo "demo: the build failed" >&2; exit 1; }
XPRA_PROXY=$TOP/xpra-proxy
export XPRA_PROXY

. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"
tmp_setup
ensure_user "$U"
install_proxy_copy
echo "   $("$PROXY_COPY" --version), installed for $U as $PROXY_COPY"

# ---- 3. server and sshd
hr "3. an xpra server as $U on :$N, and a private sshd on 127.0.0.1"
t0=$(now)
xpra_server_start "$U" "$N" --session-name=xpra-proxy-demo
echo "   server pid $XPRA_SERVER_PID, up in $(since "$t0") s; as $U:"
show xpra list
xpra_as "$U" list 2>/dev/null | indent

sshd_start "$U"
echo "   sshd pid $SSHD_PID listening on 127.0.0.1:$SSHD_PORT (config $SSHD_CONFIG)"
URL=ssh://$U@127.0.0.1:$SSHD_PORT/$N
echo "   client ssh command (--ssh=): $SSH_OPTS"

# ---- 4. info and version
hr "4. xpra info / version over ssh"
xvfb_start "$M"
for remote in "" "--remote-xpra=$PROXY_COPY"; do
	label=${remote:-"(default remote command: the stock 'xpra _proxy')"}
	show xpra info "$URL" --ssh="$SSH_OPTS" ${remote:+"$remote"}
	t0=$(now)
	xpra_client info "$URL" --ssh="$SSH_OPTS" ${remote:+"$remote"} \
	    >"$T/info.out" 2>"$T/info.err"
	rc=$?
	secs=$(since "$t0")
	[ "$rc" = 0 ] || fail "xpra info failed ($rc): $(tail -n 10 "$T/info.err")"
	grep -E '^(server\.display|session\.name|server\.mode|server\.pid|clients)=' \
	    "$T/info.out" | indent
	echo "   -> exit 0 in $secs s: $label"
done
show xpra version "$URL" --ssh="$SSH_OPTS" "--remote-xpra=$PROXY_COPY"
t0=$(now)
xpra_client version "$URL" --ssh="$SSH_OPTS" "--remote-xpra=$PROXY_COPY" \
    >"$T/version.out" 2>"$T/version.err" ||
    fail "xpra version failed: $(tail -n 10 "$T/version.err")"
echo "   -> server version $(head -n 1 "$T/version.out") in $(since "$t0") s"

# ---- 5. attach
hr "5. attach a client (on Xvfb :$M) through sshd and xpra-proxy"
# --mmap=no: 127.0.0.1 is "local" to xpra, pixels would bypass ssh;
# --remote-logging=no: a client log packet that crosses the detach makes
# the 3.1.3 server drop the connection without its disconnect packet
ATTACH_OPTS=(--mmap=no --remote-logging=no --printing=no)
show xpra attach "$URL" --ssh="$SSH_OPTS" "--remote-xpra=$PROXY_COPY" "${ATTACH_OPTS[@]}"
t0=$(now)
xpra_attach "$T/attach.log" "$URL" --ssh="$SSH_OPTS" \
    "--remote-xpra=$PROXY_COPY" "${ATTACH_OPTS[@]}"
client_pid=$CLIENT_PID
wait_attached "$client_pid" "$T/attach.log" ||
    fail "the client did not attach: $(tail -n 20 "$T/attach.log")"
grep -m1 'Attached to' "$T/attach.log" | indent
echo "   -> attached in $(since "$t0") s"
echo "   the session on the server host (what sshd runs for the client):"
ps -u "$U" -o pid=,args= | grep -F -- "$PROXY_COPY" | grep -v -e '^ *[0-9]* sh -c' | indent
[ -n "$(proxy_pids "$U")" ] || fail "no xpra-proxy process runs for $U"
case $XPRA_STARTED in
xmessage*)
	win=$(xmessage_window "$M") ||
	    fail "the server's window did not appear on :$M"
	echo "   the server's window, forwarded to the client's display :$M:"
	show xwininfo -root -tree
	echo "$win" | indent
	;;
esac
xpra_as "$U" control ":$N" refresh >/dev/null 2>&1
sleep 1
echo "   the server's view of its client:"
show xpra info ":$N"
xpra_as "$U" info ":$N" 2>/dev/null | grep -E \
    '^(clients|client\.connection\.(input|output)\.bytecount|client\.connection\.output\.count\.draw|client\.argv)=' |
    cut -c1-200 | indent

hr "6. detach from the server side"
show xpra detach ":$N"
t0=$(now)
xpra_as "$U" detach ":$N" 2>&1 | grep -v -e zlib -e lz4 | indent
wait_gone "$client_pid" 150 || fail "the client still runs 30 s after the detach"
wait "$client_pid"
rc=$?
echo "   -> the client left in $(since "$t0") s (exit $rc); its last words:"
grep -E 'server requested disconnect|detach request|Connection lost' "$T/attach.log" | indent
[ "$rc" = 1 ] && echo "   (xpra 3.1.3 clients often say 'Connection lost' and exit 1 after a" \
    "server-side detach; the stock 'xpra _proxy' gives the same)"
sleep 0.5
[ -z "$(proxy_pids "$U")" ] || fail "xpra-proxy still runs after the client left"
echo "   -> no xpra-proxy process left on the server side"

hr "7. clean up"
echo "   stopping the client Xvfb ($XVFB_PID), the xpra server ($XPRA_SERVER_PID), the sshd ($SSHD_PID)"
show xpra stop ":$N"
xvfb_stop
xpra_server_stop "$U" "$N"
echo
echo "demo: OK - a real xpra 3.1.3 client attached through OpenSSH and xpra-proxy"
exit 0
