#!/bin/bash
# e2e.sh ROUNDS [VARIANTS] - `make bench`'s end-to-end part: the wall time
# of a short real xpra client command, `xpra version ssh://...`, through a
# real OpenSSH sshd on 127.0.0.1 to a real xpra 3.1.3 server, with the
# remote command being Debian's `xpra _proxy` (--remote-xpra=/usr/bin/xpra)
# or xpra-proxy (--remote-xpra=<a copy of the built binary>), interleaved,
# ROUNDS times each.
#
# VARIANTS (default "initenv"): space-separated, each one of
#   initenv	as a client sends it: `sh -c 'xpra initenv; if [ -x P ]...'`
#		(the server's real xpra runs `initenv` first, whichever P)
#   bare	the same with XPRA_INITENV_COMMAND= (no initenv): the proxy's
#		own share of the time
#
# Prints one line per run on stdout: `e2e VARIANT PEER SECONDS STATUS`;
# progress on stderr.  Needs root (it creates the user xpxbench, as the
# integration scripts create theirs).  Exit 77 when something is missing.
# Reuses tests/lib/{common,sshd,xpra}.sh; stops only what it started.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"

ROUNDS=${1:-5}
VARIANTS=${2:-initenv}
U=xpxbench
N=150			# the xpra server's display

xpra_script_setup "$U"

XPRA_START_CMD=		# no window: `xpra version` needs none
sshd_start "$U" >&2
xpra_server_start "$U" "$N" --session-name="xpx-bench-$$" >&2

URL=ssh://$U@127.0.0.1:$SSHD_PORT/$N

# one_run VARIANT PEER REMOTE: time `xpra version URL --remote-xpra=REMOTE`
one_run() {
	local variant=$1 peer=$2 remote=$3 t0 t1 rc
	t0=$(date +%s%N)
	(
		[ "$variant" = bare ] && export XPRA_INITENV_COMMAND=
		xpra_client version "$URL" --ssh="$SSH_OPTS" \
		    --remote-xpra="$remote"
	) >"$T/version.out" 2>"$T/version.err"
	rc=$?
	t1=$(date +%s%N)
	if [ "$rc" = 0 ] && ! grep -q '^3\.1' "$T/version.out"; then
		rc=99
	fi
	[ "$rc" = 0 ] || say "$variant $peer: exit $rc: $(tail -n 3 "$T/version.err" | tr '\n' '|')"
	printf 'e2e %s %s %s %s\n' "$variant" "$peer" \
	    "$(awk "BEGIN { printf \"%.4f\", ($t1 - $t0) / 1e9 }")" "$rc"
}

# a warm-up of each, not printed: the first ssh login and python start
# pay for cold caches
one_run initenv xpra-proxy "$PROXY_COPY" >/dev/null
one_run initenv xpra-_proxy /usr/bin/xpra >/dev/null

for r in $(seq "$ROUNDS"); do
	for v in $VARIANTS; do
		if [ $((r % 2)) = 1 ]; then
			one_run "$v" xpra-proxy "$PROXY_COPY"
			one_run "$v" xpra-_proxy /usr/bin/xpra
		else
			one_run "$v" xpra-_proxy /usr/bin/xpra
			one_run "$v" xpra-proxy "$PROXY_COPY"
		fi
	done
done
xpra_server_stop "$U" "$N" >&2
exit 0
