#!/bin/bash
# t-restricted-vectors: every row of tests/data/ssh-commands.tsv (the
# commands real xpra clients send, plus hostile ones) through the binary
# itself, as an unprivileged user, against fake xpra servers
# (tests/lib/restricted.sh, rcase_run):
#   1. ForceCommand mode: SSH_ORIGINAL_COMMAND=<cmd> xpra-proxy --restricted
#      --socket-dirs=<test dir>
#   2. login-shell mode: xpra-proxy -c <cmd>, sockets in ~/.xpra (the
#      client's argv carries no options: the default directories)
# accept → exit 0, 1 MiB each way byte-exact to that display through one
# connection, the other live display untouched (empty display column: the
# single live session); probe → the answer a POSIX shell gives, exit 0 in
# under 5 s, nothing on stderr, no connection; refuse → exit 77, empty
# stdout, one `xpra-proxy: refused` line, no connection.
# Also (ForceCommand mode): `type X`, `which xpra-proxy`, `command -v
# run-xpra` and `which /abs/path` answered; `which bash`, `command -v sh`,
# `echo hi`, `echo %OS%;id` and a bare `which` refused;
# SSH_ORIGINAL_COMMAND unset (a shell request) and an interactive
# login (argv[0] "-xpra-proxy", no -c) are refused; --allow-display=100
# accepts :100 and --allow-display=101 refuses it; a client-sent
# --socket-dir pointing at a live socket elsewhere is not used.
# Under asan, valgrind and static each row runs in one of the two modes
# (rcase_picked).  Prints the counts accepted/probe/refused per mode.
#
# Run: sudo TOP=$PWD XPRA_PROXY=$PWD/xpra-proxy bash tests/integration/t-restricted-vectors.sh
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/xpra.sh"
. "$TOP/tests/lib/restricted.sh"

U=xpxrv

need_user_runs
tmp_setup
ensure_user "$U"
install_proxy_copy
rcase_load
home=$(getent passwd "$U" | cut -d: -f6)
SOCKS=$T/socks-$U

# the runners: COMMAND is the last argument
run_forced() {	# run_forced [XPRA-PROXY-OPTION...] COMMAND
	local cmd=${*: -1}
	as_user "$U" SSH_ORIGINAL_COMMAND="$cmd" \
	    SSH_CONNECTION="127.0.0.1 40000 127.0.0.1 22" \
	    timeout 30 "$PROXY_COPY" --restricted --socket-dirs="$SOCKS" \
	    "${@:1:$#-1}"
}
run_unset() {	# COMMAND ignored: no SSH_ORIGINAL_COMMAND at all
	as_user "$U" timeout 30 "$PROXY_COPY" --restricted --socket-dirs="$SOCKS"
}
run_login_shell() {
	as_user "$U" timeout 30 "$PROXY_COPY" -c "$1"
}
run_interactive_login() {	# what sshd runs for a shell request
	as_user "$U" timeout 30 /bin/bash -c 'exec -a -xpra-proxy "$0"' \
	    "$PROXY_COPY_ARGV0"
}

# summary LABEL ACCEPT PROBE REFUSE: the counts since those values
summary() {
	say "$1: accepted $((RCASE_N[accept] - $2)), probe $((RCASE_N[probe] - $3)), refused $((RCASE_N[refuse] - $4))"
}

# ---- 1. ForceCommand / command= mode
rcase_setup "$U" "$SOCKS"
for i in "${!RV_ID[@]}"; do
	rcase_picked "$i" 0 2 || continue
	rcase_run "forced/${RV_ID[i]}" "${RV_EXPECT[i]}" "${RV_DISPLAY[i]}" \
	    "${RV_CMD[i]}" run_forced
done
# the rest of the probe interface, and near misses of it
extra=(probe 'type xpra' probe 'which xpra-proxy' probe 'command -v run-xpra'
    probe 'which /usr/bin/xpra-proxy' refuse 'which bash'
    refuse 'command -v sh' refuse 'echo hi' refuse 'echo %OS%;id'
    refuse 'which')
for ((i = 0; i < ${#extra[@]}; i += 2)); do
	rcase_run "forced/extra-${extra[i + 1]}" "${extra[i]}" "" \
	    "${extra[i + 1]}" run_forced
done
rcase_run "forced/no-SSH_ORIGINAL_COMMAND" refuse "" "" run_unset
rcase_run "forced/allow-display=100" accept 100 "xpra _proxy :100" \
    run_forced --allow-display=100
rcase_run "forced/allow-display=101" refuse "" "xpra _proxy :100" \
    run_forced --allow-display=101
# a live :100 of the same user in a directory the admin did not name
install -d -m 700 -o "$U" "$T/elsewhere"
fake_start "$U" "$T/elsewhere/$(hostname)-100" echo
elsewhere=$FAKE_PID
rcase_run "forced/client-socket-dir" accept 100 \
    "xpra _proxy :100 --socket-dir=$T/elsewhere --socket-dirs=$T/elsewhere" \
    run_forced
why=$(fake_untouched "$T/elsewhere/$(hostname)-100") ||
    fail "forced/client-socket-dir: the client's --socket-dir was used ($why)"
fake_reap "$elsewhere" || fail "the fake server in $T/elsewhere did not exit"
summary "ForceCommand mode" 0 0 0
a=${RCASE_N[accept]} p=${RCASE_N[probe]} r=${RCASE_N[refuse]}

# ---- 2. login-shell mode
rcase_setup "$U" "$home/.xpra"
for i in "${!RV_ID[@]}"; do
	rcase_picked "$i" 1 2 || continue
	rcase_run "login-shell/${RV_ID[i]}" "${RV_EXPECT[i]}" "${RV_DISPLAY[i]}" \
	    "${RV_CMD[i]}" run_login_shell
done
rcase_run "login-shell/interactive" refuse "" "" run_interactive_login
summary "login-shell mode" "$a" "$p" "$r"
summary "total" 0 0 0
exit 0
