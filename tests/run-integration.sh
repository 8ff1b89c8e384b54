#!/bin/bash
# run-integration.sh - run every tests/integration/t-*.sh (sorted), each
# under `timeout 600`; print PASS/SKIP/FAIL per script and a summary.
# Exit status: non-zero when any script failed.
#
# Env in: TOP (the checkout; default: this script's ..), XPRA_PROXY (the
# binary under test; default $TOP/xpra-proxy).  A script exits 0 to pass,
# 77 to skip, anything else fails.  On failure its output is shown (with
# V=1, always).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
XPRA_PROXY=${XPRA_PROXY:-$TOP/xpra-proxy}
export TOP XPRA_PROXY

pass=0 skipped=0 failed=0 failures=
out=$(mktemp /tmp/xpx-integration.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT

shopt -s nullglob
scripts=("$TOP"/tests/integration/t-*.sh)
if [ ${#scripts[@]} = 0 ]; then
	echo "integration: no tests/integration/t-*.sh found" >&2
	exit 1
fi
# sorted, independent of the locale
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | LC_ALL=C sort)

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
[ "$failed" = 0 ] || { echo "failed:$failures"; exit 1; }
exit 0
