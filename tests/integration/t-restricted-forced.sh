#!/bin/bash
# t-restricted-forced: xpra-proxy as the login shell of an account that
# also has a forced command naming xpra-proxy (the man page's recommended
# shell for a ForceCommand account), and the probe's own path accepted
# back, through a real OpenSSH sshd on 127.0.0.1:
#   (a) forcecmd  login shell xpra-proxy + the shipped recipe's
#		  `ForceCommand xpra-proxy --restricted` (path substituted):
#		  sshd runs `xpra-proxy -c 'xpra-proxy --restricted'`
#   (b) keyopt    login shell xpra-proxy + the shipped authorized_keys
#		  example's pinned line, `restrict,command="xpra-proxy
#		  --restricted --allow-display=100"`: the option must apply
#   (c) renamed   login shell /bin/sh + ForceCommand of a copy NOT named
#		  xpra-proxy (xpx-under-test --restricted): `command -v xpra`
#		  answers that path and a 6.5.3 paramiko client sends it back,
#		  `"<path>" "_proxy" "100" "--env=SSH_AGENT_UUID=..."`
#   (d) self	  login shell = that renamed copy + ForceCommand naming it:
#		  the forced line is recognised by /proc/self/exe
# For (a) and (b), between them: every row of tests/data/ssh-commands.tsv sent by
# `ssh -T` gives what the row says (tests/lib/restricted.sh rcase_run:
# accept relays 1 MiB each way byte-exact to the right display, probes
# answer as a shell would, refusals exit 77 with one `xpra-proxy: refused`
# line and nothing connected); `ssh -T host` with no command is refused
# with the no-command reason; the paramiko sequences of 3.1, 4.4 and
# 6.5.3 (probes, then what `command -v` printed) relay.  (b) also refuses
# :101 (display-not-allowed) and serves a request without a display with
# :100 while :101 is live too.  Both: a client that sends xpra-proxy's
# own command line (`<path> --restricted --socket-dirs=/tmp`) gets it
# parsed as a request, never as options: refused.
# (c) and (d): the 6.5.3 paramiko sequence relays; the renamed path of
# another directory is refused (unknown-command).
# XPX_FORCED_WAYS (default "a b c d") runs only the ways named.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-restricted-forced.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/sshd.sh"
. "$TOP/tests/lib/xpra.sh"
. "$TOP/tests/lib/restricted.sh"

UA=xpxff	# (a) login shell + ForceCommand
UB=xpxfk	# (b) login shell + command= with --allow-display=100
UR=xpxfr	# (c) /bin/sh + ForceCommand of a renamed copy
US=xpxfs	# (d) the renamed copy as shell + ForceCommand naming it
KEYS_EXAMPLE=$TOP/packaging/authorized_keys.example
PARAMIKO_EXEC=$TOP/tests/lib/paramiko_exec.py
UUID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

need_user_runs
$PY -c 'import paramiko' 2>/dev/null || skip "no python3-paramiko"
tmp_setup
for u in $UA $UB $UR $US; do ensure_user "$u"; done
install_proxy_copy
# the renamed copy: the real binary (argv[0] and /proc/self/exe matter)
RENAMED=$T/bin/xpx-under-test
cp "$XPRA_PROXY_ARGV0" "$RENAMED" && chmod 755 "$RENAMED" || fail "cp $RENAMED"

for u in $UA $UB; do
	usermod -s "$PROXY_COPY_ARGV0" "$u" || fail "usermod -s $PROXY_COPY_ARGV0 $u"
	xpx_at_exit "usermod -s /bin/sh $u"
done
usermod -s /bin/sh "$UR" || fail "usermod -s /bin/sh $UR"
usermod -s "$RENAMED" "$US" || fail "usermod -s $RENAMED $US"
xpx_at_exit "usermod -s /bin/sh $US"

recipe_lines "Match User $UA"
recipe_a=("${RECIPE_LINES[@]}")
PROXY_COPY=$RENAMED recipe_lines "Match User $UR,$US"
recipe_r=("${RECIPE_LINES[@]}")
say "recipe (a): $(printf '%s; ' "${recipe_a[@]}")"
say "recipe (c)(d): $(printf '%s; ' "${recipe_r[@]}")"

SSHD_NO_LOGIN_CHECK=1 sshd_start "$UA $UB $UR $US" \
    "${recipe_a[@]}" "${recipe_r[@]}"

# (b): the example's pinned line, path replaced
keyopts=$(example_key_options \
    "/usr/bin/xpra-proxy --restricted --allow-display=100") || exit 1
SSHD_KEY_OPTIONS=$keyopts sshd_install_key "$UB"
say "$UB's key options: $keyopts"

# ---- runners (COMMAND last; run_ssh: tests/lib/restricted.sh)
run_no_command() {	# run_no_command USER IGNORED: a shell request
	timeout 30 "${ssh_cmd[@]}" -T "$1@127.0.0.1"
}
# run_paramiko: tests/lib/restricted.sh
# final command of each paramiko sequence ({last}: what command -v printed)
paramiko_final() {
	case $1 in
	31)	echo 'xpra "_proxy" ":100"';;
	44)	echo '"{last}" "_proxy" ":100"';;
	65)	echo "\"{last}\" \"_proxy\" \"100\" \"--env=SSH_AGENT_UUID=$UUID\"";;
	esac
}
paramiko_ways() {	# paramiko_ways NAME USER SEQ...
	local name=$1 u=$2 seq; shift 2
	for seq; do
		PARAMIKO_SENT=
		rcase_run "$name/paramiko-$seq" accept 100 "$(paramiko_final "$seq")" \
		    run_paramiko "$u" "$seq"
		say "    final command sent: $PARAMIKO_SENT"
	done
}
# refused_because NAME REASON: the last refusal's stderr names REASON
refused_because() {
	local f
	f=$RCASE_WORK/$(printf '%s' "$1" | tr -c 'A-Za-z0-9.-' _).err
	grep -q "^xpra-proxy: refused ($2)" "$f" ||
	    fail "$1: want the reason $2: $(cat "$f")"
}

# the tsv rows of way WAY (rcase_picked: each row in one of (a) and (b);
# asan, valgrind and static every 4th row: t-restricted-sshd and
# t-restricted-vectors run the same parser over every row, here the
# forced plumbing is under test), no command, paramiko
RCASE_SPREAD=1 SPREAD=2
[ -z "$XP_VARIANT" ] || SPREAD=8
all_vectors() {	# all_vectors NAME USER WAY
	local name=$1 u=$2 way=$3 i a=${RCASE_N[accept]} p=${RCASE_N[probe]} r=${RCASE_N[refuse]}
	for i in "${!RV_ID[@]}"; do
		rcase_picked "$i" "$way" $SPREAD || continue
		rcase_run "$name/${RV_ID[i]}" "${RV_EXPECT[i]}" "${RV_DISPLAY[i]}" \
		    "${RV_CMD[i]}" run_ssh "$u" -T
		case ${RV_ID[i]} in
		refuse-start*|refuse-*-start|refuse-proxy-run)
			refused_because "$name/${RV_ID[i]}" server-start;;
		esac
	done
	rcase_run "$name/no-command" refuse "" "" run_no_command "$u"
	refused_because "$name/no-command" no-command
	rcase_run "$name/own-options" refuse "" \
	    "$PROXY_COPY --restricted --socket-dirs=/tmp" run_ssh "$u" -T
	paramiko_ways "$name" "$u" 31 44 65
	say "$name: accepted $((RCASE_N[accept] - a)), probe $((RCASE_N[probe] - p)), refused $((RCASE_N[refuse] - r))"
}

rcase_load
WAYS=" ${XPX_FORCED_WAYS:-a b c d} "
way_on() { [[ $WAYS == *" $1 "* ]]; }

# ---- (a)
if way_on a; then
	rcase_setup "$UA" "$(getent passwd "$UA" | cut -d: -f6)/.xpra"
	all_vectors forcecmd "$UA" 0
fi

# ---- (b)
if way_on b; then
	rcase_setup "$UB" "$(getent passwd "$UB" | cut -d: -f6)/.xpra"
	all_vectors keyopt "$UB" 1
	rcase_run keyopt/allow-display-101 refuse "" 'xpra _proxy :101' \
	    run_ssh "$UB" -T
	refused_because keyopt/allow-display-101 display-not-allowed
	# no display, :100 and :101 both live: the pinned :100, :101 untouched
	rcase_run keyopt/allow-display-none accept 100 'xpra _proxy' \
	    run_ssh "$UB" -T
fi

# ---- (c), (d)
for way in c:renamed:$UR d:self:$US; do
	way_on "${way%%:*}" || continue
	way=${way#*:}
	name=${way%%:*} u=${way#*:}
	rcase_setup "$u" "$(getent passwd "$u" | cut -d: -f6)/.xpra"
	paramiko_ways "$name" "$u" 44 65
	case $PARAMIKO_SENT in
	*"$RENAMED"*) ;;
	*) fail "$name: the 6.5.3 client sent $PARAMIKO_SENT, not the path $RENAMED";;
	esac
	rcase_run "$name/exact-path" accept 100 "\"$RENAMED\" \"_proxy\" \"100\"" \
	    run_ssh "$u" -T
	rcase_run "$name/other-dir" refuse "" "\"/tmp/elsewhere/xpx-under-test\" \"_proxy\" \"100\"" \
	    run_ssh "$u" -T
	refused_because "$name/other-dir" unknown-command
	rcase_run "$name/xpra" accept 101 'xpra _proxy :101' run_ssh "$u" -T
done
say "total: accepted ${RCASE_N[accept]}, probe ${RCASE_N[probe]}, refused ${RCASE_N[refuse]}"
exit 0
