#!/bin/bash
# run-integration.sh - run every tests/integration/t-*.sh (sorted), each
# under `timeout 600`; print PASS/SKIP/FAIL per script and a summary.
# Exit status: non-zero when any script failed.
#
# Env in: TOP (the checkout; default: this script's ..), XPRA_PROXY (the
# binary under test; default $TOP/xpra-proxy), XP_VARIANT (asan, static or
# valgrind for those runs; XP_VALGRIND the valgrind command: the scripts
# then run the binary through a wrapper, tests/lib/valgrind.sh, and the
# run fails if any of its logs is not empty).  A script exits 0 to pass,
# 77 to skip, anything else fails.  On failure its output is shown (with
# V=1, always).  XP_TESTS="t-a t-b" runs only those scripts (while
# working on them: make check-valgrind XP_TESTS=t-agent).  Without it,
# XP_LEAVE_OUT="t-c t-d" leaves those out, named once at the end (the
# makefile's per-variant lists, with its reasons).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
XPRA_PROXY=${XPRA_PROXY:-$TOP/xpra-proxy}
XP_VARIANT=${XP_VARIANT:-}
export TOP XPRA_PROXY XP_VARIANT

# The memory bounds (watch_check in tests/lib/common.sh) count the pages
# a relay touched.  With transparent huge pages set to "always", the
# kernel backs anonymous regions 2 MiB at a time: the same ASan relay
# held 3.3 MiB of its own anonymous memory with THP off and 11.2 MiB
# with THP always.  PR_SET_THP_DISABLE (41) is inherited by every process
# the scripts start, sshd and its sessions included, and kept across
# execve, so the bounds hold whatever the machine's THP setting.
if grep -q '^THP_enabled:[[:space:]]*1' /proc/self/status; then
	[ -z "${XP_THP_REEXEC:-}" ] || {
		echo "run-integration: PR_SET_THP_DISABLE did not take" >&2; exit 1; }
	export XP_THP_REEXEC=1
	exec /usr/bin/python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0) != 0:
    sys.exit("run-integration: prctl(PR_SET_THP_DISABLE): " +
             os.strerror(ctypes.get_errno()))
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi

pass=0 skipped=0 failed=0 failures=
out=$(mktemp /tmp/xpx-integration.XXXXXX) || exit 1
vg=
trap 'rm -f "$out"; [ -z "$vg" ] || rm -rf "$vg"' EXIT

if [ "$XP_VARIANT" = valgrind ]; then
	. "$TOP/tests/lib/valgrind.sh"
	vg=$(mktemp -d /tmp/xpx-valgrind.XXXXXX) || exit 1
	mkdir -m 1777 "$vg/logs" && chmod 755 "$vg" || exit 1
	XP_VALGRIND_LOGS=$vg/logs XP_VALGRIND_BIN=$XPRA_PROXY
	XP_VALGRIND_EXE=$(ls /usr/libexec/valgrind/memcheck-*-linux | head -n 1)
	valgrind_wrapper "$XPRA_PROXY" "$vg/xpra-proxy" || exit 1
	XPRA_PROXY=$vg/xpra-proxy
	export XP_VALGRIND XP_VALGRIND_LOGS XP_VALGRIND_BIN XP_VALGRIND_EXE
fi

shopt -s nullglob
scripts=("$TOP"/tests/integration/t-*.sh)
if [ ${#scripts[@]} = 0 ]; then
	echo "integration: no tests/integration/t-*.sh found" >&2
	exit 1
fi
# sorted, independent of the locale
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | LC_ALL=C sort)
if [ -n "${XP_TESTS:-}" ]; then
	mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" |
	    grep -E "/($(echo $XP_TESTS | tr ' ' '|'))\.sh\$")
fi
left_out=
if [ -z "${XP_TESTS:-}" ] && [ -n "${XP_LEAVE_OUT:-}" ]; then
	left_out=$(printf '%s\n' "${scripts[@]}" |
	    grep -E "/($(echo $XP_LEAVE_OUT | tr ' ' '|'))\.sh\$" |
	    xargs -r -n 1 basename -s .sh | tr '\n' ' ')
	mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" |
	    grep -v -E "/($(echo $XP_LEAVE_OUT | tr ' ' '|'))\.sh\$")
fi

for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	timeout -k 10 600 bash "$t" </dev/null >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0)	pass=$((pass + 1))
		echo "PASS $name (${secs}s)"
		[ "${V:-0}" = 1 ] && sed 's/^/    /' "$out";;
	77)	skipped=$((skipped + 1))
		echo "SKIP $name (${secs}s): $(grep -m1 'SKIP:' "$out" | sed 's/.*SKIP: //')";;
	*)	failed=$((failed + 1)); failures="$failures $name"
		[ "$rc" = 124 ] && echo "$name: timed out after 600 s" >>"$out"
		echo "FAIL $name (${secs}s, exit $rc)"
		sed 's/^/    /' "$out";;
	esac
done

echo "integration: $pass passed, $skipped skipped, $failed failed"
[ -z "$left_out" ] || echo "left out of this run: $left_out"
if [ -n "$vg" ]; then
	runs=$(ls "$vg/logs" | wc -l)
	dirty=$(find "$vg/logs" -type f -size +0 | wc -l)
	find "$vg/logs" -type f -size +0 | head -n 5 | xargs -r head -n 60 | cat -v
	echo "valgrind: $runs runs of the binary, $dirty with errors"
	[ "$dirty" = 0 ] || { failed=$((failed + 1)); failures="$failures valgrind"; }
fi
[ "$failed" = 0 ] || { echo "failed:$failures"; exit 1; }
exit 0
