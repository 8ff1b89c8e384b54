# common.sh - shared helpers for the integration scripts (sourced, bash).
#
# Every script: source this, call `tmp_setup`, register what it starts with
# `track_pid PID`; the EXIT trap stops exactly those PIDs and removes the
# scratch directory.  Exit 0 = pass, 77 = skip, anything else = fail.

set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
XPRA_PROXY=${XPRA_PROXY:-$TOP/xpra-proxy}
PY=/usr/bin/python3
FAKESERVER=$TOP/tests/lib/fakeserver.py
TEST_NAME=$(basename "$0" .sh)
_pids=()
T=

say()  { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
skip() { say "SKIP: $*"; exit 77; }

# Remember a PID we started, so the EXIT trap stops it (and only it).
track_pid() { _pids+=("$1"); }

# alive PID: PID runs.  PID 1 here may not reap: a zombie counts as gone.
alive() {
	kill -0 "$1" 2>/dev/null &&
	    [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]
}

_cleanup() {
	local pid
	for pid in "${_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${_pids[@]}"; do
		for _ in $(seq 50); do
			alive "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	[ -n "$T" ] && rm -rf "$T"
	return 0
}

# Scratch directory, world-traversable so test users can reach their parts.
# Also leaves the checkout: every process a script starts, as whatever
# user, inherits a working directory that user may enter (a checkout
# under root's 0700 home is not one; xpra's server spawns its children
# there).
tmp_setup() {
	T=$(mktemp -d /tmp/xpxtest.XXXXXX) || exit 1
	chmod 755 "$T"
	cd / || exit 1
	trap _cleanup EXIT
	trap 'exit 143' TERM INT HUP
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root to create test users"; }

# need_user_runs: what running the binary as test users takes (root to
# create them, the binary, setpriv for as_user); skips otherwise.
need_user_runs() {
	need_root
	[ -x "$XPRA_PROXY" ] || skip "no binary at $XPRA_PROXY (run make)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
}

# ensure_user NAME: an unprivileged account usable by sshd (UsePAM no).
ensure_user() {
	local u=$1
	if ! getent passwd "$u" >/dev/null; then
		useradd -m -s /bin/sh "$u" 2>/dev/null ||
		    getent passwd "$u" >/dev/null || fail "useradd $u"
	fi
	# useradd leaves '!' (locked); sshd without PAM refuses locked ones.
	usermod -p '*' "$u" 2>/dev/null
	chmod 755 "$(getent passwd "$u" | cut -d: -f6)"
}

# as_user_argv NAME: AS_USER holds the words that run a command as NAME
# with a clean environment (each execs the next), so that
# `"${AS_USER[@]}" CMD &` leaves CMD's own PID in $! (a function run in
# the background would be a subshell).
as_user_argv() {
	local home; home=$(getent passwd "$1" | cut -d: -f6)
	AS_USER=(setpriv --reuid="$1" --regid="$1" --init-groups --
	    env -i HOME="$home" USER="$1" LOGNAME="$1"
	    PATH=/usr/local/bin:/usr/bin:/bin)
}

# as_user NAME CMD...: run CMD as NAME with a clean environment.
as_user() {
	local u=$1; shift
	as_user_argv "$u"
	"${AS_USER[@]}" "$@"
}

# A copy of the binary any test user can execute (the checkout may be
# under a 0700 home in CI); under check-valgrind, a copy of the real
# binary (still named xpra-proxy: probes answer with its path) and a
# wrapper in front of it.  PROXY_COPY_ARGV0 is the one to run where
# argv[0] matters (valgrind cannot pass it on).
install_proxy_copy() {
	mkdir -p "$T/bin"
	if [ -n "${XP_VALGRIND_BIN:-}" ]; then
		. "$TOP/tests/lib/valgrind.sh"
		mkdir -p "$T/bin/real" && chmod 755 "$T/bin/real" &&
		    cp "$XP_VALGRIND_BIN" "$T/bin/real/xpra-proxy" &&
		    chmod 755 "$T/bin/real/xpra-proxy" &&
		    valgrind_wrapper "$T/bin/real/xpra-proxy" \
		    "$T/bin/xpra-proxy" || fail "valgrind wrapper"
		PROXY_COPY_ARGV0=$T/bin/real/xpra-proxy
	else
		cp "$XPRA_PROXY" "$T/bin/xpra-proxy"
		PROXY_COPY_ARGV0=$T/bin/xpra-proxy
	fi
	chmod 755 "$T/bin" "$T/bin/xpra-proxy"
	PROXY_COPY=$T/bin/xpra-proxy
}

# The binary to run where argv[0] matters (installed as xpra, a login
# shell): under check-valgrind the real one, unwrapped.
XPRA_PROXY_ARGV0=${XP_VALGRIND_BIN:-$XPRA_PROXY}

# variant_skip NAME REASON: skip this script in the check-NAME run
# (asan, valgrind), for REASON.
variant_skip() {
	[ "${XP_VARIANT:-}" = "$1" ] && skip "not under check-$1: $2"
	return 0
}

# in_variant NAME: this is the check-NAME run (case-level skips).
in_variant() { [ "${XP_VARIANT:-}" = "$1" ]; }

# sandboxed: the binary was built with its sandbox (not SANDBOX=0).
sandboxed() { ! "$XPRA_PROXY" --version | grep -q 'sandbox disabled'; }

# clear_old_sockets USER DISPLAY...: remove what an earlier, killed run
# left: USER's own sockets for those displays in every default socket
# dir; fail if something else sits there.
clear_old_sockets() {
	local u=$1 home host d n f; shift
	home=$(getent passwd "$u" | cut -d: -f6)
	host=$(hostname)
	for d in "$home/.xpra" "/run/user/$(id -u "$u")/xpra" /run/xpra; do
		for n; do
			for f in "$d/$host-$n" "$d/$n/socket"; do
				if [ -S "$f" ] &&
				    [ "$(stat -c %U "$f")" = "$u" ]; then
					rm -f "$f"
				elif [ -e "$f" ]; then
					fail "$f exists and is not a socket of $u"
				fi
			done
		done
	done
}

# wait_for_socket PATH [TENTHS]: until PATH is a socket.
wait_for_socket() {
	local n=${2:-100}
	while [ "$n" -gt 0 ]; do
		[ -S "$1" ] && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# untrack_pid PID...: forget PIDs registered with track_pid once they are
# known to be gone (exited and reaped), so that the EXIT trap never signals
# a number the kernel may since have given to someone else's process.
untrack_pid() {
	local p keep=() q
	for q in "${_pids[@]}"; do
		for p in "$@"; do
			[ "$q" = "$p" ] && continue 2
		done
		keep+=("$q")
	done
	_pids=("${keep[@]}")
}

# wait_pidfile FILE: until FILE is non-empty (a started server wrote its
# PID), 5 s at most; 1 if it never was.
wait_pidfile() {
	local n=100
	while [ ! -s "$1" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	[ -s "$1" ]
}

# wait_gone PID N: until PID is gone (alive), looking N times 0.2 s
# apart; 1 if it still runs after the last look.
wait_gone() {
	local i
	for i in $(seq "$2"); do
		alive "$1" || return 0
		[ "$i" = "$2" ] || sleep 0.2
	done
	return 1
}

# now / since T0: wall-clock seconds, and seconds elapsed since T0 (2 places).
now() { date +%s.%N; }
since() { awk "BEGIN { printf \"%.2f\", $(now) - $1 }"; }

# group_users GROUP USER...: the users (ensure_user), all members of GROUP
# (like group xpra for /run/xpra), so a shared sticky dir can hold both.
group_users() {
	local g=$1 u; shift
	for u; do ensure_user "$u"; done
	groupadd "$g" 2>/dev/null || getent group "$g" >/dev/null ||
	    fail "groupadd $g"
	for u; do usermod -aG "$g" "$u" || fail "usermod -aG $g"; done
}

# mkd OWNER[:GROUP] MODE DIR...: directories with exactly that owner and
# mode (mkdir -p alone would leave root's and the umask's).
mkd() {
	local o=$1 m=$2 d; shift 2
	for d; do
		mkdir -p "$d" && chown "$o" "$d" && chmod "$m" "$d" ||
		    fail "cannot make $d"
	done
}

# --- case-by-case scripts ---------------------------------------------------
# They go on after a failed case, so that one run reports every failure:
# `bad` counts, `cases_done` decides at the end.

FAILED=0

# bad CASE MESSAGE: record a failed case and go on with the others.
bad() { say "FAIL [$1]: $2"; FAILED=$((FAILED + 1)); }

# cases_done: exit 1 if any case failed, else 0 with "ok".
cases_done() {
	[ $FAILED = 0 ] || fail "$FAILED case(s) failed"
	say "ok"
	exit 0
}

# --- one-shot fake xpra servers (fakeserver.py) -----------------------------

# fake_setup: after install_proxy_copy, $SRV is a copy of fakeserver.py
# every test user can run (the checkout may not be readable to them) and
# $T/pids (sticky, world-writable) takes the servers' pidfiles.
fake_setup() {
	SRV=$T/bin/fakeserver.py
	cp "$FAKESERVER" "$SRV" && chmod 755 "$SRV" ||
	    fail "cannot copy fakeserver"
	mkdir -m 1777 "$T/pids"
}

# victim_and_attacker V A: the set-up of a script whose cases run the
# binary as the victim V against the attacker A: both users, the
# binary's copy and the fake server's (fake_setup); P is the binary,
# HOST the host name in socket names.
victim_and_attacker() {
	ensure_user "$1"
	ensure_user "$2"
	install_proxy_copy
	fake_setup
	P=$PROXY_COPY
	HOST=$(hostname)
}

# as_user_or_root USER CMD...: as_user, but root runs CMD as it is (with
# root's environment): the root listeners in the trust cases.
as_user_or_root() {
	if [ "$1" = root ]; then shift; "$@"; else as_user "$@"; fi
}

# serve USER SOCKET [fakeserver options]: start fakeserver.py (echo mode,
# one connection, unless the options say otherwise) as USER, in $SERVE_CWD
# so that a relative SOCKET can name a path > 108 bytes.  $SERVE_OPTS go
# before the options (a later --accept wins).  Returns once the server has
# written its pidfile; tracks it; sets SRV_PID.
# serve_begin takes the same arguments and returns at once, setting
# SRV_PENDING (for serve_ready) to start several servers side by side;
# serve_ready PENDING then waits for that one and sets SRV_PID.
SERVE_CWD=/
SERVE_OPTS=()
_nsrv=0
serve_begin() {
	local u=$1 sock=$2 pf; shift 2
	_nsrv=$((_nsrv + 1)); pf=$T/pids/$_nsrv
	as_user_or_root "$u" sh -c 'cd "$1" && shift && exec "$@"' sh \
	    "$SERVE_CWD" "$PY" "$SRV" --socket "$sock" --pidfile "$pf" \
	    ${SERVE_OPTS[@]+"${SERVE_OPTS[@]}"} "$@" 2>>"$T/server.log" &
	track_pid $!
	SRV_PENDING="$pf $sock"
}
serve_ready() {
	local pf=${1%% *} sock=${1#* }
	wait_pidfile "$pf" ||
	    fail "fake server on $sock did not start: $(tail -3 "$T/server.log")"
	SRV_PID=$(cat "$pf")
	track_pid "$SRV_PID"
}
serve() {
	serve_begin "$@"
	serve_ready "$SRV_PENDING"
}

# stale USER PATH [DATE]: a socket file nobody listens on (bound, then the
# process exits without unlinking), optionally with an old mtime.  Removes
# PATH first, so a stale socket that xpra deleted can be made again.
stale() {
	rm -f "$2"
	as_user "$1" "$PY" -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os._exit(0)' "$2"
	[ -S "$2" ] || fail "cannot make stale socket $2"
	if [ -n "${3:-}" ]; then touch -d "$3" "$2" || fail "touch $2"; fi
}

# --- running the binary as a test user --------------------------------------

# px INPUT ARGS...: run $PROXY_COPY ARGS as $PX_USER with INPUT on stdin
# and the extra environment PENV, under `timeout 20`; sets RC and ELAPSED
# (ms); stdout in $T/out, stderr in $T/err.
PENV=()
px() {
	local in=$1 t0; shift
	t0=$(date +%s%N)
	printf %s "$in" | as_user "$PX_USER" ${PENV[@]+"${PENV[@]}"} \
	    timeout 20 "$PROXY_COPY" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	ELAPSED=$((($(date +%s%N) - t0) / 1000000))
}

# errtext: px's stderr on one line, for failure messages.
errtext() { tr '\n' '|' <"$T/err" | cut -c1-300; }

# used CASE PID / unused CASE PID: did that one-shot fake server (serve,
# one connection) get the connection (it exits after serving it)?
used() {
	local n=40
	while alive "$2" && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	if alive "$2"; then
		bad "$1" "the expected server (pid $2) got no connection"
		return 1
	fi
}
unused() {
	alive "$2" || bad "$1" "a server that must not be used (pid $2) was used"
}

# relayed_exactly CASE WANT: after a run that set RC and wrote $T/out and
# $T/err: exit 0 and stdout exactly WANT.  Otherwise `bad CASE` and 1.
relayed_exactly() {
	if [ "$RC" != 0 ]; then
		bad "$1" "exit $RC, expected 0; stderr: $(errtext)"
	elif [ "$(cat "$T/out")" != "$2" ]; then
		bad "$1" "stdout '$(head -c 200 "$T/out")', not '$(printf %s "$2" | head -c 200)'"
	else
		return 0
	fi
	return 1
}

# px_failed CASE STATUSES: after px, a clean failure: exit status in
# STATUSES ("69" or "64|69"), nothing on stdout, a message on stderr.
# Otherwise `bad CASE` and 1.
px_failed() {
	if ! [[ "$RC" =~ ^($2)$ ]]; then
		bad "$1" "exit $RC, expected $2; stderr: $(errtext)"
	elif [ -s "$T/out" ]; then
		bad "$1" "stdout not empty: '$(head -c 200 "$T/out")'"
	elif [ ! -s "$T/err" ]; then
		bad "$1" "no message on stderr"
	else
		return 0
	fi
	return 1
}

# --- what every run must also show (security.md §6.4 R14) -------------------

PROCWATCH=$TOP/tests/lib/procwatch.py
# The bound on a relay's own anonymous memory (procwatch.py anon_max_kb:
# no file-backed text, no sanitizer shadow), with transparent huge pages
# off (tests/run-integration.sh).  Measured on 2026-12-04 over the 36
# watched runs of t-faults-stream and t-faults-env (idle, interactive,
# floods, 1 GiB each way), with WATCH_LOG set:
#   plain 168-388 kB, STATIC=1 116-400 kB (the copy path adds its two
#   64 KiB buffers): bound 2 MiB, 5x the worst;
#   ASan+UBSan 3392-3712 kB, mostly the sanitizer's allocator and
#   bookkeeping: bound 12 MiB, 3.3x the worst.
# Peak RSS in the same runs was 1.9-3.2 MiB plain and 9.0-9.7 MiB under
# ASan, most of it shared library text and shadow; with THP "always" an
# idle ASan relay's RSS was 16 MiB here (17-21 MiB in a CI run), though
# it touched no more: the reason RSS is not the bound.  On 2026-12-05
# (kernel 6.18) an ASan relay held 3.0-3.8 MiB while relaying, and
# LeakSanitizer's exit-time scan took it to 11-15.5 MiB: procwatch.py
# leaves out the samples of that exit (see there).  With that, the 36
# watched ASan runs gave 3184-3484 kB (a check-fresh beside them): the
# bound is 3.5x the worst.
# Under valgrind the process is valgrind's; memory is not checked there.
if in_variant asan; then
	WATCH_MAX_ANON_KB=${WATCH_MAX_ANON_KB:-12288}
else
	WATCH_MAX_ANON_KB=${WATCH_MAX_ANON_KB:-2048}
fi

# watch_start PID [EXE]: watch PID from outside (procwatch.py) until it is
# gone, once it runs EXE (default $PROXY_COPY, else $XPRA_PROXY); the
# report lands in $T/watch.PID.  Start it right after starting PID, which
# may still be a launcher that execs into EXE (setpriv, env, not timeout).
watch_start() {
	local exe=${2:-${PROXY_COPY:-$XPRA_PROXY}}
	[ -n "${XP_VALGRIND_EXE:-}" ] && exe=$XP_VALGRIND_EXE
	"$PY" "$PROCWATCH" "$1" "$exe" >"$T/watch.$1" 2>&1 &
	_watch_pid=$!
	track_pid $_watch_pid
}

# watch_check CASE PID [MAX_FDS]: after PID is gone, its report showed one
# thread, no child, no exec, at most MAX_FDS (default 6: stdio, the
# socket, two pipes) descriptors and its own anonymous memory at most
# WATCH_MAX_ANON_KB (WATCH_LOG=FILE appends every report to FILE);
# `bad CASE` otherwise.  Under valgrind only threads, children and exec
# are checked (valgrind holds descriptors and memory of its own); under
# ASan, children are not (LeakSanitizer forks a tracer at exit), and its
# tracer's descriptors are allowed (below).
watch_check() {
	local c=$1 r max=${3:-6} v n checks="threads_max:1 exe_changed:0"
	wait "$_watch_pid" 2>/dev/null
	r=$(cat "$T/watch.$2" 2>/dev/null)
	case $r in
	samples=0*|'') bad "$c" "not watched: $r"; return 1;;
	esac
	in_variant asan || checks="$checks children_max:0"
	for v in $checks; do
		n=$(sed -n "s/.*${v%%:*}=\([0-9]*\).*/\1/p" <<<"$r")
		[ "$n" = "${v#*:}" ] || { bad "$c" "${v%%:*}=$n: $r"; return 1; }
	done
	[ -n "${XP_VALGRIND_EXE:-}" ] && return 0
	# ASan: LeakSanitizer's exit-time check runs in a tracer that shares
	# the descriptor table (CLONE_FILES) and may hold /proc/self/task, a
	# thread's status and /proc/self/maps open at once (compiler-rt
	# sanitizer_linux.cpp); the watcher caught one of them (7) in two
	# cases of a loaded CI run on 2026-12-05, so up to 3 more are allowed.
	in_variant asan && max=$((max + 3))
	n=$(sed -n 's/.*fds_max=\([0-9]*\).*/\1/p' <<<"$r")
	[ "$n" -le "$max" ] || { bad "$c" "$n descriptors: $r"; return 1; }
	[ -n "${WATCH_LOG:-}" ] && echo "$c $r" >>"$WATCH_LOG"
	n=$(sed -n 's/.*anon_max_kb=\([0-9]*\).*/\1/p' <<<"$r")
	# a live process always has some: 0 means smaps was never read
	[ "${n:-0}" -gt 0 ] || { bad "$c" "memory not measured: $r"; return 1; }
	[ "$n" -le "$WATCH_MAX_ANON_KB" ] ||
	    { bad "$c" "own anonymous memory $n kB > $WATCH_MAX_ANON_KB: $r"; return 1; }
	return 0
}

# private_mount_ns ARG...: re-run this script (with ARG..., its own
# arguments) in a private mount namespace, once (IN_NS=1 marks the second
# run), so that what it mounts (journal_sink's /run, a config over
# /etc/xpra) is its own; skips where unshare cannot make one.
private_mount_ns() {
	command -v unshare >/dev/null || skip "no unshare (util-linux)"
	[ "${IN_NS:-}" = 1 ] && return 0
	unshare --mount --propagation private true 2>/dev/null ||
	    skip "cannot create a mount namespace here"
	IN_NS=1 exec unshare --mount --propagation private "$BASH" "$0" "$@"
}

# journal_sink: in a private mount namespace (the caller's unshare), a
# tmpfs on /run and tests/lib/journalsink.py on the journal's socket,
# writing each record as a JSON line to $T/journal; returns once it
# listens.
journal_sink() {
	mount -t tmpfs -o mode=755 tmpfs /run || fail "mount tmpfs on /run"
	$PY "$TOP/tests/lib/journalsink.py" /run/systemd/journal/socket \
	    "$T/journal" "$T/ready" &
	track_pid $!
	for _ in $(seq 50); do [ -e "$T/ready" ] && break; sleep 0.1; done
	[ -e "$T/ready" ] || fail "journal sink did not start"
}
