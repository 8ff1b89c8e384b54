# xpra.sh - Debian's real xpra (3.1.3) server and a client-side Xvfb for the
# integration scripts (sourced, bash, after common.sh and tmp_setup).
# Facts behind the choices: shared/reference/xpra-e2e-notes.md.
#
#   xpra_script_setup USER	a script's set-up (see below)
#   xpra6_use	use the xpra 6.5.3 that ../shared/xpra6/build.sh built in
#		XPRA6_PREFIX (default /opt/xpra6) for everything below,
#		server and client; skip, naming the build command, when it
#		is not there
#   xpra_server_start USER N [XPRA-OPTION...]
#	Runs `xpra start :N --daemon=no ...` as USER under its own Xvfb
#	(xpra spawns it), with every optional subsystem off and a user
#	config dir (XPRA_USER_CONF_DIRS) that empties the packaged
#	`start = /etc/X11/Xsession true`.  Creates /run/user/UID (0700,
#	USER's) to mimic logind when missing (removed again at exit) and
#	/tmp/.X11-unix (root, 1777).  Starts $XPRA_START_CMD (default: an
#	xmessage window when xmessage and python3-pil are installed;
#	empty: nothing); XPRA_STARTED says what was started.
#	Returns once `xpra list` (as USER) shows :N LIVE.  Tracks the
#	server's PID and its children's (Xvfb, the started command).
#	Sets XPRA_SERVER_PID XPRA_SERVER_LOG XPRA_RUNDIR.
#   xpra_server_stop USER N
#	`xpra stop :N` as USER, then waits for the server PID to go
#	(TERM, then KILL, after 20 s).
#   xpra_list USER	`xpra list` as USER
#   xvfb_start M	a root Xvfb on :M for a client; sets XVFB_PID, tracked
#   xvfb_stop		stop it (by PID)
#   xpra_client ARG...	the xpra client as root on :$XVFB_DISPLAY with an
#			empty user config (so root's own config is not read),
#			under `timeout ${XPRA_CLIENT_TIMEOUT:-60}`
#   spawn_as USER LOG [VAR=VALUE...] CMD...
#			CMD as USER in the background, output to LOG;
#			SPAWN_PID is CMD's own PID (tracked)
#   xpra_as USER ARG...	`xpra ARG...` as USER, as a login would run it
#   proxy_pids USER	PIDs of USER's processes running $PROXY_COPY
#   xpra_attach LOG ARG...	a background `xpra attach ARG...` client;
#			CLIENT_PID (tracked)
#   wait_attached PID LOG	until that client says "Attached to"
#   xmessage_window M	the server's xmessage window, once it is on :M
#   xpra_diag USER LOG	for failure messages: the tails of the client's
#			LOG, the server's and the sshd's logs, USER's
#			processes

XPRA_BIN=${XPRA_BIN:-/usr/bin/xpra}

# xpra_script_setup USER: the start of a script with a real xpra:
# need_user_runs, Debian's tools first in PATH (root's PATH may start
# with another python3, and xpra's helpers must find Debian's),
# tmp_setup, USER, install_proxy_copy.
xpra_script_setup() {
	need_user_runs
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	tmp_setup
	ensure_user "$1"
	install_proxy_copy
}
XPRA_SERVER_OPTS=(--daemon=no --html=off --mdns=no --pulseaudio=no
    --notifications=no --speaker=off --microphone=off --webcam=no
    --printing=no --file-transfer=no --dbus-proxy=no --dbus-control=no
    --dbus-launch= --systemd-run=no)
XPRA_ENV=()	# what the xpra in use needs in its environment

xpra6_use() {
	local p=${XPRA6_PREFIX:-/opt/xpra6} site o opts=()
	site=$(ls -d "$p"/lib/python3*/site-packages 2>/dev/null | head -n 1)
	[ -x "$p/bin/xpra" ] && [ -f "$p/.build-xpra.stamp" ] &&
	    [ -n "$site" ] || skip "no xpra 6.5.3 in $p: build it once per" \
	    "machine with: sudo ../shared/xpra6/build.sh --prefix=$p"
	XPRA_BIN=$p/bin/xpra
	XPRA_ENV=(PYTHONPATH="$site" XPRA_SYSTEM_CONF_DIRS="$p/etc/xpra")
	# 6.x has no --dbus-proxy; its client fails on a server that sends
	# no "file" capabilities (client/base/file.py: TypeError)
	for o in "${XPRA_SERVER_OPTS[@]}"; do
		case $o in --dbus-proxy=no|--file-transfer=no) ;; *) opts+=("$o");; esac
	done
	XPRA_SERVER_OPTS=("${opts[@]}")
}

# spawn_as USER LOG [VAR=VALUE...] CMD [ARG...]: start CMD as USER in the
# background (stdin /dev/null, stdout+stderr to LOG) and set SPAWN_PID to
# CMD's own PID (as_user is a shell function: $! would be a subshell).
# Both PIDs are tracked.
spawn_as() {
	local u=$1 log=$2 pidf i; shift 2
	pidf=$(mktemp "$T/pid.XXXXXX")
	chown "$u" "$pidf"
	as_user "$u" /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" env "$@" \
	    </dev/null >"$log" 2>&1 &
	track_pid "$!"
	SPAWN_PID=
	for i in $(seq 100); do
		SPAWN_PID=$(cat "$pidf" 2>/dev/null)
		[ -n "$SPAWN_PID" ] && break
		sleep 0.05
	done
	rm -f "$pidf"
	[ -n "$SPAWN_PID" ] || fail "spawn_as $u $*: no PID"
	track_pid "$SPAWN_PID"
}

# Exit hooks that must run after common.sh's _cleanup has stopped the PIDs.
_xpx_exit_hooks=()
_xpx_run_exit_hooks() {
	local h
	for h in "${_xpx_exit_hooks[@]}"; do
		eval "$h"
	done
	return 0
}
xpx_at_exit() {
	_xpx_exit_hooks+=("$1")
	trap '_cleanup; _xpx_run_exit_hooks' EXIT
}

_xpra_need() {
	[ -x "$XPRA_BIN" ] || skip "no $XPRA_BIN (install xpra)"
	command -v Xvfb >/dev/null || skip "no Xvfb (install xvfb)"
	[ -n "$T" ] || fail "call tmp_setup first"
}

# xpra_as USER ARG...: `xpra ARG...` as USER with the XDG_RUNTIME_DIR a
# login would give it (where the server's socket is), 30 s at most.
xpra_as() {
	local u=$1; shift
	as_user "$u" XDG_RUNTIME_DIR="/run/user/$(id -u "$u")" \
	    ${XPRA_ENV[@]+"${XPRA_ENV[@]}"} timeout 30 "$XPRA_BIN" "$@"
}

xpra_list() { xpra_as "$1" list 2>/dev/null; }

# _xpra_x11_unix: the shared X socket dir a non-root Xvfb needs.
_xpra_x11_unix() {
	if [ ! -d /tmp/.X11-unix ]; then
		mkdir -p /tmp/.X11-unix || fail "mkdir /tmp/.X11-unix"
	fi
	chown root:root /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix ||
	    fail "cannot fix /tmp/.X11-unix"
}

xpra_server_start() {
	local u=$1 n=$2; shift 2
	local uid grp conf pid i
	_xpra_need
	uid=$(id -u "$u") || fail "no user $u"
	grp=$(id -gn "$u")
	_xpra_x11_unix
	[ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] &&
	    fail "X display :$n is already in use (/tmp/.X$n-lock)"

	XPRA_RUNDIR=/run/user/$uid
	if [ ! -d "$XPRA_RUNDIR" ]; then
		mkdir -p /run/user && chmod 755 /run/user
		install -d -m 700 -o "$u" -g "$grp" "$XPRA_RUNDIR" ||
		    fail "cannot create $XPRA_RUNDIR"
		xpx_at_exit "rm -rf '$XPRA_RUNDIR'"
	fi

	conf=$T/xpra-conf-$u
	mkdir -p "$conf"
	printf '# test server: no Xsession\nstart =\n' >"$conf/xpra.conf"
	chmod 755 "$conf"; chmod 644 "$conf/xpra.conf"

	# A window needs python3-pil on the server (3.1.3 imports PIL for
	# window icons and drops the client when it cannot).
	local start=()
	XPRA_STARTED=
	if [ -z "${XPRA_START_CMD+set}" ]; then
		if ! command -v xmessage >/dev/null; then
			say "no xmessage (x11-utils): the server starts no window"
		elif ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
			say "no python3-pil: the server starts no window"
		else
			XPRA_STARTED="xmessage -timeout 0 xpra-proxy test window"
		fi
	else
		XPRA_STARTED=$XPRA_START_CMD
	fi
	[ -n "$XPRA_STARTED" ] && start=("--start=$XPRA_STARTED")

	XPRA_SERVER_LOG=$T/xpra-server-$n.log
	say "starting: xpra start :$n ${XPRA_SERVER_OPTS[*]} ${start[*]} $* (as $u)"
	spawn_as "$u" "$XPRA_SERVER_LOG" \
	    XDG_RUNTIME_DIR="$XPRA_RUNDIR" XPRA_USER_CONF_DIRS="$conf" \
	    ${XPRA_ENV[@]+"${XPRA_ENV[@]}"} "$XPRA_BIN" start ":$n" "${XPRA_SERVER_OPTS[@]}" "${start[@]}" "$@"
	XPRA_SERVER_PID=$SPAWN_PID

	for i in $(seq 300); do
		if ! kill -0 "$XPRA_SERVER_PID" 2>/dev/null; then
			fail "xpra server :$n exited early; log: $(tail -n 30 "$XPRA_SERVER_LOG")"
		fi
		if grep -q 'xpra is ready' "$XPRA_SERVER_LOG" &&
		    xpra_list "$u" | grep -q "LIVE session at :$n\$"; then
			break
		fi
		[ "$i" = 300 ] &&
		    fail "xpra server :$n not LIVE after 60 s; log: $(tail -n 30 "$XPRA_SERVER_LOG")"
		sleep 0.2
	done
	# Xvfb and the started command are its children: track them too, in
	# case the server dies without taking them along.
	for pid in $(ps -o pid= --ppid "$XPRA_SERVER_PID"); do
		track_pid "$pid"
	done
	say "xpra server :$n LIVE (pid $XPRA_SERVER_PID, log $XPRA_SERVER_LOG)"
}

xpra_server_stop() {
	local u=$1 n=$2 i
	[ -n "${XPRA_SERVER_PID:-}" ] || return 0
	xpra_as "$u" stop ":$n" >"$T/xpra-stop-$n.log" 2>&1
	for i in $(seq 200); do
		kill -0 "$XPRA_SERVER_PID" 2>/dev/null || break
		[ "$(ps -o stat= -p "$XPRA_SERVER_PID" | cut -c1)" = Z ] && break
		[ "$i" = 100 ] && kill -TERM "$XPRA_SERVER_PID" 2>/dev/null
		sleep 0.1
	done
	kill -KILL "$XPRA_SERVER_PID" 2>/dev/null
	wait "$XPRA_SERVER_PID" 2>/dev/null
	XPRA_SERVER_PID=
	return 0
}

xvfb_start() {
	local m=$1 i
	_xpra_need
	_xpra_x11_unix
	[ -e "/tmp/.X$m-lock" ] || [ -e "/tmp/.X11-unix/X$m" ] &&
	    fail "X display :$m is already in use (/tmp/.X$m-lock)"
	XVFB_DISPLAY=$m
	Xvfb ":$m" -screen 0 1280x1024x24 -nolisten tcp -noreset \
	    </dev/null >"$T/xvfb-$m.log" 2>&1 &
	XVFB_PID=$!
	track_pid "$XVFB_PID"
	for i in $(seq 100); do
		DISPLAY=":$m" timeout 5 xdpyinfo >/dev/null 2>&1 && return 0
		kill -0 "$XVFB_PID" 2>/dev/null ||
		    fail "Xvfb :$m exited: $(cat "$T/xvfb-$m.log")"
		sleep 0.1
	done
	fail "Xvfb :$m not answering: $(cat "$T/xvfb-$m.log")"
}

xvfb_stop() {
	[ -n "${XVFB_PID:-}" ] || return 0
	kill -TERM "$XVFB_PID" 2>/dev/null
	wait "$XVFB_PID" 2>/dev/null
	XVFB_PID=
}

xpra_client() {
	mkdir -p "$T/xpra-client-conf"
	: >"$T/xpra-client-conf/xpra.conf"
	timeout -k 5 "${XPRA_CLIENT_TIMEOUT:-60}" \
	    env XPRA_USER_CONF_DIRS="$T/xpra-client-conf" \
	    ${XPRA_ENV[@]+"${XPRA_ENV[@]}"} DISPLAY=":${XVFB_DISPLAY:-0}" \
	    "$XPRA_BIN" "$@"
}

# proxy_pids USER: the relays of this run, USER's processes whose command
# is $PROXY_COPY (the `sh -c` that sshd runs around it does not count).
proxy_pids() {
	ps -u "$1" -o pid=,args= | awk -v p="$PROXY_COPY" \
	    -v r="${PROXY_COPY_ARGV0:-$PROXY_COPY}" '
	$2 == p { print $1; next }	# under valgrind, its argument:
	r != p { for (i = 3; i <= NF; i++) if ($i == r) { print $1; next } }'
}

# xpra_attach LOG ARG...: `xpra attach ARG...` (xpra_client, 120 s at
# most) in the background, all output to LOG; sets CLIENT_PID, tracked.
xpra_attach() {
	local log=$1; shift
	XPRA_CLIENT_TIMEOUT=120 xpra_client attach "$@" >"$log" 2>&1 &
	CLIENT_PID=$!
	track_pid "$CLIENT_PID"
}

# wait_attached PID LOG: until the client PID logs "Attached to" in LOG;
# 1 if it exits first, 2 if it has not attached after 60 s.
wait_attached() {
	local i
	for i in $(seq 300); do
		grep -q 'Attached to' "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		[ "$i" = 300 ] || sleep 0.2
	done
	return 2
}

# xmessage_window M: the line of the server's xmessage window (forwarded
# by the client) in the window tree of :M, as soon as it is there; 1 if
# it is not there after 20 s.
xmessage_window() {
	local i
	for i in $(seq 100); do
		DISPLAY=":$1" xwininfo -root -tree 2>/dev/null |
		    grep -m1 '"xmessage' | sed 's/^ *//' | grep . && return 0
		[ "$i" = 100 ] || sleep 0.2
	done
	return 1
}

xpra_diag() {
	printf '\n--- client log (tail):\n'
	grep -v 'processing packet' "$2" 2>/dev/null | tail -n 25
	printf -- '--- server log (tail):\n'
	tail -n 25 "$XPRA_SERVER_LOG"
	printf -- '--- sshd log (tail):\n'
	tail -n 10 "$SSHD_LOG"
	printf -- '--- processes of %s:\n' "$1"
	ps -u "$1" -o pid=,ppid=,stat=,args= | cut -c1-200
}
