#!/bin/bash
# t-conf-order.sh - xpra's configuration files are read in xpra's order
# (SPEC §4.1, reference/xpra.md §1.1): conf.d/*.conf in name order, then
# xpra.conf, so the admin's socket-dirs in xpra.conf beats the packaged
# conf.d/10_network.conf, as with Debian's xpra 3.1.3 (and 4.x, 5.x:
# xpra/scripts/config.py conf_files()).  xpra 6.0 and later read them the
# other way round; README and the man page say which one xpra-proxy
# follows, and why.
#
# Inside a private mount namespace a copy of Debian's /etc/xpra is
# mounted over /etc/xpra (the host's is never touched): its
# conf.d/10_network.conf says socket-dirs = PKG, xpra.conf says
# socket-dirs = ADM.  `xpra-proxy list` must agree with the real `xpra
# list` (ADM only), a relay must find the display in ADM and not the one in
# PKG, in restricted mode too (the admin's setting is the trust anchor
# there).  Then xpra.conf without socket-dirs: conf.d's PKG is used.
#
# Needs root (the mount namespace, the test user); exit 0 pass, 77 skip,
# 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

need_user_runs
[ -d /etc/xpra ] || skip "no /etc/xpra to mount over (Debian package xpra)"
private_mount_ns "$@"
XPRA=/usr/bin/xpra
[ -x $XPRA ] || say "no xpra: only the expected output is checked"
tmp_setup
U=xpxuser
ensure_user "$U"
install_proxy_copy
fake_setup
PX_USER=$U
HOST=$(hostname)
# live sockets survive xpra list's probes
SERVE_OPTS=(--accept 1000)

ADM=$T/admin;	mkd $U: 700 $ADM	# the admin's, in xpra.conf
PKG=$T/packaged; mkd $U: 700 $PKG	# the package's, in conf.d/
serve $U $ADM/$HOST-81
serve $U $PKG/$HOST-82

# conf XPRA_CONF_LINE: $T/etc (mounted on /etc/xpra) is Debian's tree
# (saved in $T/debian before the mount), with conf.d/10_network.conf's
# socket-dirs lines replaced by PKG, and XPRA_CONF_LINE appended to
# xpra.conf.
DEB=$T/debian CONF=$T/etc
mkd root: 755 $DEB $DEB/conf.d $CONF $CONF/conf.d
cp /etc/xpra/conf.d/*.conf $DEB/conf.d/ 2>/dev/null
[ -f /etc/xpra/xpra.conf ] && cp /etc/xpra/xpra.conf $DEB/
conf() {
	rm -f "$CONF"/conf.d/*.conf
	cp "$DEB"/conf.d/*.conf "$CONF/conf.d/" 2>/dev/null
	touch "$CONF/conf.d/10_network.conf"
	sed -i '/^socket-dirs[[:space:]]*=/d' "$CONF/conf.d/10_network.conf"
	echo "socket-dirs = $PKG" >>"$CONF/conf.d/10_network.conf"
	{ cat "$DEB/xpra.conf" 2>/dev/null; echo "$1"; } >"$CONF/xpra.conf"
	chmod 644 "$CONF"/xpra.conf "$CONF"/conf.d/*.conf
}
conf "socket-dirs = $ADM"
mount --bind "$CONF" /etc/xpra || fail "cannot mount $CONF on /etc/xpra"
[ -f /etc/xpra/conf.d/10_network.conf ] && grep -q "^socket-dirs = $PKG" \
    /etc/xpra/conf.d/10_network.conf || fail "test bug: the copy is not mounted"

# list_both CASE WANT: `xpra-proxy list` is WANT, and so is `xpra list`
# (its part before any re-probe), both as $U with no user config.
list_both() {
	as_user $U timeout 20 "$PROXY_COPY" list >"$T/ours" 2>"$T/ours.err"
	[ $? = 0 ] || bad "$1" "xpra-proxy list failed: $(cat "$T/ours.err")"
	[ "$(cat "$T/ours")" = "$2" ] ||
	    bad "$1" "xpra-proxy list: expected
$2
got:
$(cat "$T/ours")"
	[ -x $XPRA ] || return 0
	as_user $U XPRA_USER_CONF_DIRS=$T/no-user-conf \
	    XPRA_LIST_REPROBE_TIMEOUT=1 timeout 90 $XPRA list >"$T/theirs.full" \
	    2>"$T/theirs.err"
	sed '/^Re-probing unknown sessions/,$d' "$T/theirs.full" >"$T/theirs"
	[ "$(cat "$T/theirs")" = "$2" ] ||
	    bad "$1" "xpra list (the reference) printed:
$(cat "$T/theirs.full")
stderr: $(head -5 "$T/theirs.err")"
}

# relays CASE: px's exit 0 and stdout exactly its input ($2).
relays() {
	if [ "$RC" != 0 ]; then
		bad "$1" "exit $RC, expected 0; stderr: $(errtext)"
	elif [ "$(cat "$T/out")" != "$2" ]; then
		bad "$1" "stdout is not the echoed bytes: '$(head -c 200 "$T/out")'"
	fi
}

# 1. both set: xpra.conf (ADM) wins over conf.d/10_network.conf (PKG)
list_both "xpra.conf beats conf.d/10_network.conf" \
    "$(printf 'Found the following xpra sessions:\n%s:\n\tLIVE session at :81' $ADM)"
px "adm" :81
relays "relay :81 from xpra.conf's socket-dirs" adm
px "pkg" :82
px_failed "no relay :82 from conf.d's overridden socket-dirs" 69
px "nodisplay"
relays "no display: the one session of xpra.conf's dirs" nodisplay

# 2. restricted mode: the admin's xpra.conf is the trust anchor too
PENV=(SSH_ORIGINAL_COMMAND="xpra _proxy :81")
px "radm" --restricted
relays "restricted: :81 from xpra.conf's socket-dirs" radm
PENV=(SSH_ORIGINAL_COMMAND="xpra _proxy :82")
px "rpkg" --restricted
px_failed "restricted: no :82 from conf.d's overridden socket-dirs" 69
PENV=()

# 3. xpra.conf without socket-dirs: the packaged conf.d setting is used
conf "# no socket-dirs here"
list_both "conf.d/10_network.conf alone" \
    "$(printf 'Found the following xpra sessions:\n%s:\n\tLIVE session at :82' $PKG)"
px "pkg2" :82
relays "relay :82 from conf.d's socket-dirs" pkg2

cases_done
