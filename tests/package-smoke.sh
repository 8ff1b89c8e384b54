#!/bin/bash
# package-smoke.sh - the Debian package, end to end (make check-package):
# `make deb` into a scratch directory, lintian on it (no E: or W:), then
# dpkg -i, the installed /usr/bin/xpra-proxy relaying a few MiB to a unix
# socket server byte for byte and (the package's autopkgtest, run as a
# plain script) between a real xpra client and server, and dpkg --purge
# leaving none of its files.
#
# As root only (dpkg); never touches an xpra-proxy package that was
# installed before it started.  The build runs the package's build-time
# tests too (packaging/debian/rules), so that CI exercises that hook;
# DEB_BUILD_OPTIONS from the environment is passed on.
# Exit 0 = pass, 77 = skip, anything else = fail.

. "$(dirname "$0")/lib/common.sh"
tmp_setup

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i and dpkg --purge)"
git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    skip "$TOP is not a git checkout (make deb copies git ls-files)"
for c in dpkg-buildpackage dh lintian; do
	command -v "$c" >/dev/null || fail "$c not found: install the" \
	    "Debian packages dpkg-dev, debhelper and lintian"
done

# The package database is the machine owner's: refuse to replace or purge
# an xpra-proxy they installed (any state dpkg still knows, even
# config-files).
pkg_state() { dpkg-query -W -f='${db:Status-Status}' xpra-proxy 2>/dev/null; }
st=$(pkg_state)
if [ -n "$st" ] && [ "$st" != not-installed ]; then
	fail "the package xpra-proxy is already on this machine (state: $st)." \
	    "This test installs and purges its own build and will not touch" \
	    "it: remove it with dpkg --purge xpra-proxy (a killed run of this" \
	    "test may have left it) and run the test again."
fi

# From here on the package is ours: whatever happens, purge it at exit,
# in whatever state a failed step left it (half-installed too), before
# common.sh's cleanup removes $T.
purge_ours() {
	local st; st=$(pkg_state)
	[ -z "$st" ] || [ "$st" = not-installed ] ||
	    dpkg --purge xpra-proxy >/dev/null 2>&1 ||
	    echo "package-smoke: dpkg --purge xpra-proxy failed at exit" >&2
}
trap 'purge_ours; _cleanup' EXIT

# ---- build and lint
say "make deb (log: $T/deb.log)"
t0=$(now)
make -C "$TOP" deb DEBDIR="$T/deb" >"$T/deb.log" 2>&1 ||
    { tail -n 40 "$T/deb.log" >&2; fail "make deb"; }
say "make deb: $(since "$t0") s"
ver=$(dpkg-parsechangelog -l "$TOP/packaging/debian/changelog" -S Version)
deb=$T/deb/xpra-proxy_${ver}_$(dpkg --print-architecture).deb
changes=${deb%.deb}.changes
[ -f "$deb" ] && [ -f "$changes" ] || fail "no $deb or $changes"

# --info --pedantic for the record; only E: and W: fail.
lintian --info --pedantic --fail-on error,warning "$changes" \
    >"$T/lintian.log" 2>&1
lst=$?
grep -v '^running with root privileges' "$T/lintian.log" >&2
[ $lst = 0 ] || fail "lintian: E: or W: tags (exit $lst)"
say "lintian: no E: or W: ($(grep -c '^[IP]: ' "$T/lintian.log") I:/P:)"

# ---- install
dpkg -i "$deb" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log" >&2; fail "dpkg -i $deb"; }
[ "$(pkg_state)" = installed ] || fail "not installed after dpkg -i"
dpkg -L xpra-proxy >"$T/files" || fail "dpkg -L"
for f in /usr/bin/xpra-proxy /usr/share/man/man1/xpra-proxy.1.gz \
    /usr/share/bash-completion/completions/xpra-proxy \
    /usr/share/doc/xpra-proxy/examples/xpra-proxy.conf \
    /usr/share/doc/xpra-proxy/examples/authorized_keys.example; do
	grep -qx "$f" "$T/files" || fail "$f is not in the package"
done
v=$(/usr/bin/xpra-proxy --version) || fail "xpra-proxy --version: exit $?"
[ "$v" = "xpra-proxy $ver" ] || fail "--version says '$v', want 'xpra-proxy $ver'"

# ---- relay: 4 MiB of random bytes through the installed binary to an
# echo server on a unix socket and back, compared byte for byte
mkdir -m 700 "$T/srv"
head -c 4194304 /dev/urandom >"$T/in"
/usr/bin/python3 "$FAKESERVER" --socket "$T/srv/sock" --mode echo &
track_pid $!
wait_for_socket "$T/srv/sock" 600 || fail "echo server did not start"
timeout 300 /usr/bin/xpra-proxy "$T/srv/sock" <"$T/in" >"$T/out" \
    2>"$T/relay.err" || fail "relay: exit $?: $(cat "$T/relay.err")"
cmp "$T/in" "$T/out" || fail "relay: output differs from input"
say "relay: 4 MiB each way through /usr/bin/xpra-proxy, byte-exact"

# ---- the package's autopkgtest, run directly: the installed binary
# between Debian's xpra client and server (its Depends: xpra, xvfb, socat)
for c in xpra Xvfb socat; do
	command -v "$c" >/dev/null || fail "$c not found: install the Debian" \
	    "packages xpra, xvfb and socat"
done
mkdir "$T/autopkgtest" || fail "mkdir $T/autopkgtest"
AUTOPKGTEST_TMP=$T/autopkgtest sh "$TOP/packaging/debian/tests/relay-to-xpra" \
    >&2 || fail "packaging/debian/tests/relay-to-xpra"

# ---- purge: nothing left but directories other packages still own
dpkg --purge xpra-proxy >"$T/purge.log" 2>&1 ||
    { cat "$T/purge.log" >&2; fail "dpkg --purge"; }
st=$(pkg_state)
[ -z "$st" ] || [ "$st" = not-installed ] ||
    fail "dpkg-query: state '$st' after purge"
left=0
while IFS= read -r f; do
	[ "$f" = /. ] && continue	# dpkg -L's name for the root
	[ -e "$f" ] || [ -L "$f" ] || continue
	[ -d "$f" ] && dpkg -S "$f" >/dev/null 2>&1 && continue
	say "left after purge: $f"
	left=$((left + 1))
done <"$T/files"
[ $left = 0 ] || fail "$left path(s) of the package left after purge"
say "OK: built, lintian clean, installed, relayed (bytes, xpra), purged" \
    "($(wc -l <"$T/files") paths gone or shared)"
