#!/bin/bash
# check-fresh.sh - what `make check-fresh` runs: the README's two commands
# on a bare Debian 12, as a newcomer would run them.
#
#   1. a minimal bookworm root (debootstrap --variant=minbase, from the
#      Debian mirror this machine's apt uses), made once and cached as a
#      tarball in $FRESH_CACHE (default /var/cache/xpra-proxy-fresh);
#   2. unpacked into a new directory; this checkout cloned to
#      /root/xpra-proxy inside it, with the tracked files as they are in
#      the working tree (root's home, mode 0700, where
#      a newcomer working as root would put it); only `make` installed;
#   3. `make demo`, then `make check` (nothing skipped but what is
#      skipped by design in the sanitizer and valgrind passes), run there
#      by root in a chroot inside
#      new mount, PID, IPC and UTS namespaces, with /proc, /sys, /dev,
#      /dev/pts and tmpfs /run and /tmp mounted, and the root bind-mounted
#      on itself so that tests can make mount namespaces of their own;
#   4. everything removed afterwards, even on failure: the mounts die with
#      the mount namespace, the processes with the PID namespace, and the
#      EXIT trap removes the directory.
#
# Needs root, debootstrap and unshare (util-linux); the network to the
# Debian mirror.  Prints each command's time; exit 0 when both passed.
# Env: FRESH_CACHE, FRESH_DIR (where the root is unpacked: a new or empty
# directory; default a new one under /var/tmp), FRESH_KEEP=1 to keep it
# for a post-mortem.
# make demo shares this machine's network namespace (apt needs the
# mirror; its displays :190 and :191 are used by no test); make check runs
# in one of its own with only loopback, so another make check may run
# beside it.
set -u -o pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CACHE=${FRESH_CACHE:-/var/cache/xpra-proxy-fresh}
SUITE=bookworm
say()  { printf 'check-fresh: %s\n' "$*" >&2; }
die()  { say "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root: I debootstrap, mount and chroot"
command -v debootstrap >/dev/null ||
    die "debootstrap not found: apt-get install -y debootstrap"
command -v unshare >/dev/null || die "unshare not found (util-linux)"

# debian_mirror: the URI this machine's apt fetches $SUITE from, in
# deb822 sources or one-line sources.list.
debian_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$SUITE" '
		    /^[ \t]*$/ { if (u != "" && ok) { print u; exit } u = ""; ok = 0 }
		    tolower($1) == "uris:" { u = $2 }
		    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
		    END { if (u != "" && ok) print u }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	    awk -v s="$SUITE" '$1 == "deb" { for (i = 2; i < NF; i++)
		if ($i !~ /^\[/ && $(i + 1) == s) { print $i; exit } }'
}
# security_mirror: the same for $SUITE-security, if apt has one.
security_mirror() { SUITE=$SUITE-security debian_mirror; }

MIRROR=$(debian_mirror | head -n 1)
[ -n "$MIRROR" ] || die "no apt source for $SUITE on this machine"
SECURITY=$(security_mirror | head -n 1)

# ---- 1. the cached minbase root
TARBALL=$CACHE/$SUITE-minbase.tar
if [ ! -s "$TARBALL" ]; then
	say "debootstrap --variant=minbase $SUITE from $MIRROR (cached in $TARBALL)"
	mkdir -p "$CACHE" || die "mkdir $CACHE"
	build=$(mktemp -d "$CACHE/build.XXXXXX") || die "mktemp"
	t0=$(date +%s)
	debootstrap --variant=minbase "$SUITE" "$build" "$MIRROR" \
	    >"$CACHE/debootstrap.log" 2>&1 || {
		tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$build"
		die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
	tar -C "$build" -cf "$TARBALL.new" . && mv "$TARBALL.new" "$TARBALL" ||
	    { rm -rf "$build" "$TARBALL.new"; die "cannot write $TARBALL"; }
	rm -rf "$build"
	say "debootstrap: $(($(date +%s) - t0)) s"
fi

# ---- 2. a new root with the checkout and make
if [ -n "${FRESH_DIR:-}" ]; then
	# never unpack over (and later remove) a directory with anything in it
	[ ! -e "$FRESH_DIR" ] || [ -z "$(ls -A "$FRESH_DIR")" ] ||
	    die "FRESH_DIR=$FRESH_DIR is not empty"
	R=$FRESH_DIR && mkdir -p "$R" || die "mkdir $R"
else
	R=$(mktemp -d /var/tmp/xpx-fresh.XXXXXX) || die "mktemp"
fi
cleanup() {
	[ "${FRESH_KEEP:-0}" = 1 ] && { say "kept $R"; return; }
	rm -rf --one-file-system "$R"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
tar -C "$R" -xf "$TARBALL" || die "cannot unpack $TARBALL"
# the root directory of a machine: mktemp made it 0700, like the build
# directory whose mode the tarball's "." carries
chmod 755 "$R" || die "chmod $R"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
{
	echo "deb $MIRROR $SUITE main"
	echo "deb $MIRROR $SUITE-updates main"
	[ -n "$SECURITY" ] && echo "deb $SECURITY $SUITE-security main"
} >"$R/etc/apt/sources.list"
chmod 700 "$R/root"
# A clone, as a newcomer has it (make deb and make rpm package the
# tracked files, git ls-files), with the tracked files as they are in
# this working tree on top.
git clone -q "$TOP" "$R/root/xpra-proxy" || die "cannot clone $TOP"
git -C "$TOP" ls-files -z | tar -C "$TOP" --null -T - -cf - |
    tar -C "$R/root/xpra-proxy" -xf - || die "cannot copy the checkout"
# the hostname a bare machine has, for xpra's socket names
hostname >"$R/etc/hostname"

# ---- 3. the README's commands, in the chroot
cat >"$R/root/fresh-run.sh" <<'EOF'
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive HOME=/root LANG=C.UTF-8
cd /root/xpra-proxy || exit 1
step() {	# step NAME CMD...: run, time, report
	local t0=$(date +%s) rc
	echo "check-fresh: \$ $*"
	"$@" </dev/null
	rc=$?
	echo "check-fresh: $1 $2: exit $rc after $(($(date +%s) - t0)) s"
	return $rc
}
step apt-get update -q >/root/apt-make.log 2>&1 &&
    step apt-get install -y -q make >>/root/apt-make.log 2>&1 ||
    { tail -n 20 /root/apt-make.log; exit 1; }
if dpkg-query -W pkg-config libbsd-dev 2>/dev/null | grep -q .; then
	echo "check-fresh: the root is not bare: $(dpkg-query -W pkg-config libbsd-dev)"
	exit 1
fi
step make demo || exit 1
# make check in a network namespace of its own, with only loopback up:
# the tests use nothing else (make demo, with its apt-get, cannot), and
# their sshd ports and abstract sockets cannot meet those of anything
# running beside this root.  No iproute2 here: python3 (installed by make
# demo) sets IFF_UP|IFF_RUNNING on lo with SIOCSIFFLAGS.
lo_up='import fcntl, socket, struct
fcntl.ioctl(socket.socket(), 0x8914, struct.pack("16sH14x", b"lo", 0x41))'
step unshare --net /bin/bash -c 'python3 -c "$1" && exec make check' \
    check "$lo_up" 2>&1 | tee /root/check.log
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
# Nothing may be skipped for want of something in this root.  The only
# skips allowed are by design, the same on every machine: t-sandbox in
# the SANDBOX=0 passes (2, ASan; 3, valgrind), t-faults-syscall under
# valgrind (strace cannot inject into it), and t-xpra6 (xpra 6.5.3 is
# built from a script beside a checkout, which a bare machine has not).
# Passes are counted by the "integration:" summary that ends each.
awk '/^integration: /{ n++ } /^SKIP |SKIP: /{ print n + 1 ":" $0 }' \
    /root/check.log >/root/skips
echo "check-fresh: skipped: $(wc -l </root/skips)"
cat /root/skips
if grep -v -E '^(2|3):SKIP t-sandbox |^3:SKIP t-faults-syscall |^[0-9]:SKIP t-xpra6 .*no xpra 6' /root/skips |
    grep -q .; then
	echo "check-fresh: FAIL: a test skipped that should have run here"
	exit 1
fi
EOF
say "root $R (mirror $MIRROR); the checkout in /root/xpra-proxy"
t0=$(date +%s)
unshare --mount --pid --ipc --uts --fork --propagation private \
    /bin/bash -c '
	R=$1
	mount --bind "$R" "$R" &&
	mount -t proc proc "$R/proc" &&
	mount -t sysfs sysfs "$R/sys" &&
	mount --rbind /dev "$R/dev" &&
	mount -t tmpfs -o mode=755 tmpfs "$R/run" &&
	mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || exit 1
	hostname "$(cat "$R/etc/hostname")"
	exec chroot "$R" /bin/bash /root/fresh-run.sh' check-fresh "$R"
rc=$?
say "both commands: exit $rc after $(($(date +%s) - t0)) s in all"
[ "$rc" = 0 ] || die "see the output above"
say "OK: make demo and make check pass on a bare Debian 12 ($SUITE minbase)"
