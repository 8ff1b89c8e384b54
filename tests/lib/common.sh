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

_cleanup() {
	local pid
	for pid in "${_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${_pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			# PID 1 here may not reap: a zombie counts as gone.
			[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	[ -n "$T" ] && rm -rf "$T"
	return 0
}

# Scratch directory, world-traversable so test users can reach their parts.
tmp_setup() {
	T=$(mktemp -d /tmp/xpxtest.XXXXXX) || exit 1
	chmod 755 "$T"
	trap _cleanup EXIT
	trap 'exit 143' TERM INT HUP
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root to create test users"; }

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

# as_user NAME CMD...: run CMD as NAME with a clean environment.
as_user() {
	local u=$1; shift
	local home; home=$(getent passwd "$u" | cut -d: -f6)
	setpriv --reuid="$u" --regid="$u" --init-groups -- \
	    env -i HOME="$home" USER="$u" LOGNAME="$u" \
	    PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# A copy of the binary any test user can execute (the checkout may be
# under a 0700 home in CI).
install_proxy_copy() {
	mkdir -p "$T/bin"
	cp "$XPRA_PROXY" "$T/bin/xpra-proxy"
	chmod 755 "$T/bin" "$T/bin/xpra-proxy"
	PROXY_COPY=$T/bin/xpra-proxy
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
