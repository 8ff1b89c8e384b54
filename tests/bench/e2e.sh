#!/bin/bash
# e2e.sh ROUNDS BYTES [CIPHERS] - `make bench`'s end-to-end part: a real
# OpenSSH sshd on 127.0.0.1, the client on the same machine, and each way
# of reaching a unix socket through it, interleaved ROUNDS times:
#
#  bulk	`xpb tput` (tests/bench/xpb.c) moves BYTES client→server, server→
#	client and both at once, byte counts checked, once per cipher in
#	CIPHERS ("default" is ssh's own choice; default: "default
#	aes128-gcm@openssh.com"), through
#	  streamlocal	sshd's own forwarding, `ssh -N -L LOCAL:SOCKET`
#			(no relay process: the limit a relay is judged by)
#	  xpra-proxy	`ssh host xpra-proxy :N`
#	  xpra _proxy 3.1.3	`ssh host xpra _proxy :N`, Debian's xpra
#	  xpra _proxy 6.5.3	the same with ../shared/xpra6's build, when
#			XPRA6_PREFIX (default /opt/xpra6) holds it
#	  socat		`ssh host socat STDIO UNIX-CONNECT:SOCKET`
#	The display server (xpb's) listens where every one of them finds
#	display N: ~/.xpra/HOSTNAME-N.  Reported: GiB/s, the CPU of the
#	client's ssh, and the server side's CPU (every descendant of the
#	private sshd: its sshd processes, and the relay).
#  first byte	`xpb start`: exec of `ssh host RELAY` until the echo of one
#	byte comes back through it, beside `xpb floor` of `ssh host true`.
#  xpra	wall time of `xpra version ssh://...` and `xpra info ssh://...` to a
#	real xpra server, the remote command being xpra-proxy or the
#	server's own xpra (3.1.3, and 6.5.3 with its own client and server
#	when built), beside `ssh host true`.
#
# E2E_ONLY=PHASE (bulk, start or xpra) runs that phase alone.
#
# Prints one JSON object per measurement on stdout; progress on stderr.
# Needs root (it creates the users xpxbench and xpxbench6, as the
# integration scripts create theirs), XPB (the xpb binary) and XPRA_PROXY
# in the environment.  Exit 77 when something is missing.  Reuses
# tests/lib/{common,sshd,xpra}.sh; stops only what it started.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"

ROUNDS=${1:-3}
BYTES=${2:-512M}
CIPHERS=${3:-default aes128-gcm@openssh.com}
U=xpxbench		# bulk, first byte, xpra 3.1.3
U6=xpxbench6		# xpra 6.5.3 (its sshd sessions get its environment)
N=150			# the xpra 3.1.3 server
NB=151			# xpb's display server
N6=152			# the xpra 6.5.3 server
[ -x "${XPB:-}" ] || skip "no xpb (XPB=tests/bench/build/xpb)"
command -v socat >/dev/null || skip "no socat"

xpra_script_setup "$U"
ensure_user "$U6"
HOME_U=$(getent passwd "$U" | cut -d: -f6)
HOST=$(hostname)
# the 6.5.3 build, and what its xpra needs in its environment
X6_ENV=$( (xpra6_use && echo "${XPRA_ENV[*]}") 2>/dev/null </dev/null)
X6_BIN=${XPRA6_PREFIX:-/opt/xpra6}/bin/xpra
[ -n "$X6_ENV" ] || say "no xpra 6.5.3 in ${XPRA6_PREFIX:-/opt/xpra6}: its peers are left out"

# (sshd's AllowTcpForwarding gates its streamlocal forwarding too)
sshd_start "$U $U6" "Match User $U" "	AllowStreamLocalForwarding local" \
    "	AllowTcpForwarding local" \
    "Match User $U6" "	SetEnv PATH=${X6_BIN%/xpra}:/usr/bin:/bin $X6_ENV" >&2

# the bulk client runs as U (it owns the display server's socket): its
# own copies of xpb, the key and known_hosts
CL=$T/client
install -d -m 700 -o "$U" -g "$U" "$CL"
install -m 755 "$XPB" "$T/bin/xpb"
install -m 600 -o "$U" -g "$U" "$SSH_KEY" "$CL/id"
install -m 644 "$SSH_KNOWN_HOSTS" "$CL/known_hosts"
install -d -m 700 -o "$U" -g "$U" "$HOME_U/.xpra"
SOCK=$HOME_U/.xpra/$HOST-$NB
as_user_argv "$U"
SSHB=(/usr/bin/ssh -F /dev/null -T -i "$CL/id" -o IdentitiesOnly=yes
    -o BatchMode=yes -o StrictHostKeyChecking=yes
    -o UserKnownHostsFile="$CL/known_hosts" -o GlobalKnownHostsFile=/dev/null
    -o Compression=no -p "$SSHD_PORT")
TO=$U@127.0.0.1

# xpb_as SUBCOMMAND OPTION... -- ARGV: xpb as U; its JSON line
xpb_as() {
	local out
	out=$("${AS_USER[@]}" "$T/bin/xpb" "$@" 2>>"$T/xpb.err" | tail -n 1)
	case $out in
	*'"error"'*) say "$out: $(tail -n 3 "$CL/peers.log" 2>&1 | tr '\n' '|') sshd: $(tail -n 3 "$SSHD_LOG" | tr '\n' '|')" >&2;;
	esac
	printf '%s\n' "${out:-"{\"error\": \"xpb: no output\"}"}"
}

# peer_argv NAME CIPHER: PEER (the words after xpb's "--") and PEER_OPTS
# (xpb options) for one bulk peer; 1 when it is not available
peer_argv() {
	local c=()
	[ "$2" = default ] || c=(-c "$2")
	# the client's ssh gets one unix socket as its stdin and stdout:
	# the same kind of local end as streamlocal's
	PEER_OPTS=(-U)
	case $1 in
	streamlocal)
		PEER_OPTS=(-F "$CL/l.sock")
		PEER=("${SSHB[@]}" "${c[@]}" -N -n -o ExitOnForwardFailure=yes
		    -L "$CL/l.sock:@SOCK@" "$TO");;
	xpra-proxy)
		PEER=("${SSHB[@]}" "${c[@]}" "$TO" "$PROXY_COPY :$NB");;
	"xpra _proxy 3.1.3")
		PEER_OPTS+=(-l)
		PEER=("${SSHB[@]}" "${c[@]}" "$TO" "/usr/bin/xpra _proxy :$NB");;
	"xpra _proxy 6.5.3")
		[ -n "$X6_ENV" ] || return 1
		PEER_OPTS+=(-l)
		PEER=("${SSHB[@]}" "${c[@]}" "$TO" "env $X6_ENV $X6_BIN _proxy :$NB");;
	socat)
		PEER=("${SSHB[@]}" "${c[@]}" "$TO" "socat STDIO UNIX-CONNECT:@SOCK@");;
	esac
}

BULK_PEERS=("streamlocal" "xpra-proxy" "xpra _proxy 3.1.3" "xpra _proxy 6.5.3" "socat")
RELAYS=("xpra-proxy" "xpra _proxy 3.1.3" "xpra _proxy 6.5.3" "socat")

# rotate R WORD...: the words, rotated left by R
rotated() {
	local r=$1; shift
	local a=("$@") n=$# i
	for ((i = 0; i < n; i++)); do
		printf '%s\n' "${a[$(((i + r) % n))]}"
	done
}

only() { [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = "$1" ]; }

# ---- bulk
only bulk &&
for r in $(seq "$ROUNDS"); do
	say "bulk round $r/$ROUNDS ($BYTES each way), ciphers: $CIPHERS" >&2
	for c in $CIPHERS; do
		for d in up down both; do
			while IFS= read -r p; do
				peer_argv "$p" "$c" || continue
				x=$(xpb_as tput -L "$CL/peers.log" -S "$SOCK" -P "$SSHD_PID" \
				    -d "$d" -b "$BYTES" -t 300 "${PEER_OPTS[@]}" -- "${PEER[@]}")
				printf '{"e2e": "tput", "peer": "%s", "cipher": "%s", "dir": "%s", "round": %d, "x": %s}\n' \
				    "$p" "$c" "$d" "$r" "$x"
			done < <(rotated "$r" "${BULK_PEERS[@]}")
		done
	done
done

# ---- first byte, beside `ssh host true`
START_N=10
only start &&
for r in $(seq "$ROUNDS"); do
	say "first byte round $r/$ROUNDS ($START_N each)" >&2
	x=$(xpb_as floor -n "$START_N" -- "${SSHB[@]}" "$TO" true)
	printf '{"e2e": "start", "peer": "ssh true", "round": %d, "x": %s}\n' "$r" "$x"
	while IFS= read -r p; do
		peer_argv "$p" default || continue
		x=$(xpb_as start -L "$CL/peers.log" -S "$SOCK" -n "$START_N" \
		    "${PEER_OPTS[@]}" -- "${PEER[@]}")
		printf '{"e2e": "start", "peer": "%s", "round": %d, "x": %s}\n' \
		    "$p" "$r" "$x"
	done < <(rotated "$r" "${RELAYS[@]}")
done

# ---- xpra version / info through ssh
# xpra_run USER SERVER REMOTE-NAME REMOTE ROUND: one `xpra version` and
# one `xpra info` with --remote-xpra=REMOTE, timed
xpra_run() {
	local u=$1 n=$2 name=$3 remote=$4 r=$5 sub t0 t1 rc
	for sub in version info; do
		t0=$(date +%s%N)
		xpra_client "$sub" "ssh://$u@127.0.0.1:$SSHD_PORT/$n" \
		    --ssh="$SSH_OPTS" --remote-xpra="$remote" \
		    >"$T/$sub.out" 2>"$T/$sub.err"
		rc=$?
		t1=$(date +%s%N)
		[ "$rc" = 0 ] || say "$sub $name: exit $rc: $(tail -n 3 "$T/$sub.err" | tr '\n' '|')" >&2
		printf '{"e2e": "xpra", "client": "%s", "cmd": "%s", "peer": "%s", "round": %d, "secs": %.4f, "status": %d}\n' \
		    "$XPRA_VERSION_SHORT" "$sub" "$name" "$r" \
		    "$(awk "BEGIN { print ($t1 - $t0) / 1e9 }")" "$rc"
	done
}
# ssh_true USER ROUND: the wall time of `ssh host true`, as above
ssh_true() {
	local t0 t1
	t0=$(date +%s%N)
	"${ssh_cmd[@]}" "$1@127.0.0.1" true </dev/null >/dev/null 2>&1
	t1=$(date +%s%N)
	printf '{"e2e": "xpra", "client": "%s", "cmd": "ssh true", "peer": "-", "round": %d, "secs": %.4f, "status": 0}\n' \
	    "$XPRA_VERSION_SHORT" "$2" "$(awk "BEGIN { print ($t1 - $t0) / 1e9 }")"
}
# xpra_phase USER SERVER SERVER-XPRA: the rounds, interleaved
xpra_phase() {
	local u=$1 n=$2 own=$3 r
	XPRA_START_CMD=		# no window: `xpra version` needs none
	xpra_server_start "$u" "$n" --session-name="xpx-bench-$$" >&2
	# a warm-up, not printed: the first login and python start pay for
	# cold caches
	xpra_run "$u" "$n" xpra-proxy "$PROXY_COPY" 0 >/dev/null
	xpra_run "$u" "$n" "xpra _proxy" "$own" 0 >/dev/null
	for r in $(seq "$ROUNDS"); do
		say "xpra $XPRA_VERSION_SHORT round $r/$ROUNDS" >&2
		ssh_true "$u" "$r"
		if [ $((r % 2)) = 1 ]; then
			xpra_run "$u" "$n" xpra-proxy "$PROXY_COPY" "$r"
			xpra_run "$u" "$n" "xpra _proxy" "$own" "$r"
		else
			xpra_run "$u" "$n" "xpra _proxy" "$own" "$r"
			xpra_run "$u" "$n" xpra-proxy "$PROXY_COPY" "$r"
		fi
	done
	xpra_server_stop "$u" "$n" >&2
}
only xpra || exit 0
XPRA_VERSION_SHORT=3.1.3
xpra_phase "$U" "$N" /usr/bin/xpra
if [ -n "$X6_ENV" ]; then
	xpra6_use
	# the 6.5.3 client (root) makes /run/user/0/xpra/clients/
	[ -d /run/user/0 ] || xpx_at_exit "rm -rf /run/user/0"
	XPRA_VERSION_SHORT=6.5.3
	xpra_phase "$U6" "$N6" "$X6_BIN"
fi
exit 0
