#!/bin/bash
# t-names: sessions by name (`xpra-proxy NAME`, `xpra-proxy _proxy NAME`),
# as an unprivileged user, in xpra 6's layout: $XDG_RUNTIME_DIR/xpra/N/
# holds the socket and the "config" file where the server writes
# `session-name=` when the session was named.  Fake servers stand in for
# the sessions; no server is asked for its name.
#   1. `work` relays to the live session named work, `_proxy play` to the
#      one named play; the others get no connection;
#   2. an unknown name: 69, the live named sessions listed, nothing
#      connected; a named session that is not live does not count;
#   3. two live sessions named work: 64, both listed, nothing connected;
#   4. a display number always wins: `5203` is display :5203;
#   5. a config that is a symbolic link, or that others may write, names
#      nothing;
#   6. restricted mode (SSH_ORIGINAL_COMMAND): paramiko's and openssh's
#      commands for ssh://host/NAME relay to that session; --allow-display
#      applies to the display the name resolves to (77); an unknown name
#      is 69 and an ambiguous one 64, neither listing the sessions; a
#      name starting with a digit is refused (77): only one starting
#      with a letter cannot be a display in any xpra version.
. "$(dirname "$0")/../lib/common.sh"

need_user_runs
tmp_setup
U=xpxnames
ensure_user $U
install_proxy_copy
fake_setup
PX_USER=$U
RT=$T/rt; mkd $U: 700 "$RT" "$RT/xpra"
PENV=(XDG_RUNTIME_DIR="$RT")
DIRS=--socket-dirs=$RT/xpra

# session N [NAME [SOCKET]]: a live one-connection echo server at SOCKET
# (default $RT/xpra/N/socket) whose config in $RT/xpra/N names it NAME
# (none: an unnamed session); SRV_PID
session() {
	mkd $U: 750 "$RT/xpra/$1"
	printf '# xpra server 6.5.3\n\nmode=seamless\n%s' \
	    "${2:+session-name=$2
}" >"$RT/xpra/$1/config"
	chown $U "$RT/xpra/$1/config"; chmod 644 "$RT/xpra/$1/config"
	serve $U "${3:-$RT/xpra/$1/socket}"
}

# fails CASE STATUS TEXT: px_failed, and stderr has TEXT
fails() {
	px_failed "$1" "$2" || return 1
	grep -qF -- "$3" "$T/err" || { bad "$1" "stderr lacks '$3': $(errtext)"; return 1; }
}

session 5201 work; work=$SRV_PID
session 5202 play; play=$SRV_PID
session 5203; unnamed=$SRV_PID
mkd $U: 750 "$RT/xpra/5209"	# named, not live: a stale socket
printf 'session-name=old\n' >"$RT/xpra/5209/config"; chown $U "$RT/xpra/5209/config"
stale $U "$RT/xpra/5209/socket" '-10 min'

# ---- 1.
px "by name" "$DIRS" work
relayed_exactly "work" "by name" && used "work" $work
px "by name too" "$DIRS" _proxy play --mmap=no
relayed_exactly "_proxy play" "by name too" && used "_proxy play" $play
unused "named relays: the unnamed session" $unnamed

# ---- 2. (work and play served their one connection: new ones)
session 5201 work; work=$SRV_PID
session 5202 play; play=$SRV_PID
px "" "$DIRS" nosuch
fails "unknown name" 69 "no live session is named 'nosuch'" &&
    fails "unknown name lists" 69 ":5201 (work), :5202 (play)"
grep -q "(old)" "$T/err" && bad "unknown name" "a session that is not live is listed: $(errtext)"
px "" "$DIRS" old
fails "a dead session's name" 69 "no live session is named 'old'"

# ---- 3.
session 5204 work; work2=$SRV_PID
px "" "$DIRS" work
fails "two named work" 64 "more than one live session is named 'work': :5201, :5204"
unused "two named work: the first" $work
unused "two named work: the second" $work2

# ---- 4.
px "the number" "$DIRS" 5203
relayed_exactly "5203 is a display" "the number" && used "5203 is a display" $unnamed

# ---- 5. (5201 and 5204 are both named work: neither may count below)
rm -f "$RT/xpra/5204/config"
printf 'session-name=work\n' >"$T/elsewhere"; chmod 644 "$T/elsewhere"
ln -s "$T/elsewhere" "$RT/xpra/5204/config"
chmod 666 "$RT/xpra/5201/config"
px "" "$DIRS" work
fails "linked or writable configs" 69 "no live session is named 'work'"
unused "linked config" $work2
unused "writable config" $work

# ---- 6. restricted mode: the clients' commands of the tsv's *-by-name rows
# (it looks in xpra's socket-dirs only, from the system's configuration:
# the sockets go in ~/.xpra, where every xpra version looks, the session
# directories in an XDG_RUNTIME_DIR of their own, where nothing earlier
# listens)
RT=$T/rt6; mkd $U: 700 "$RT" "$RT/xpra"
home=$(getent passwd $U | cut -d: -f6); mkd $U: 700 "$home/.xpra"
rm -f "$home/.xpra/$(hostname)"-521[1-4]	# a killed run's
session 5211 work "$home/.xpra/$(hostname)-5211"; work=$SRV_PID
session 5212 play "$home/.xpra/$(hostname)-5212"; play=$SRV_PID
session 5213 twin "$home/.xpra/$(hostname)-5213"; twin1=$SRV_PID
session 5214 twin "$home/.xpra/$(hostname)-5214"; twin2=$SRV_PID
# rx INPUT COMMAND [OPTION...]: px --restricted with SSH_ORIGINAL_COMMAND
rx() {
	local in=$1 cmd=$2; shift 2
	PENV=(XDG_RUNTIME_DIR="$RT" SSH_ORIGINAL_COMMAND="$cmd")
	px "$in" --restricted "$@"
	PENV=(XDG_RUNTIME_DIR="$RT")
}
# vector ID NAME: that row's command, for the session named NAME
vector() {
	awk -F'\t' -v id="$1" '$1 == id { print $4 }' \
	    "$TOP/tests/data/ssh-commands.tsv" | sed "s/my-session/$2/g"
}
rx "" "$(vector paramiko-6.5-by-name work)" --allow-display=5212
fails "restricted, not allowed" 77 "refused (display-not-allowed)"
rx "" "$(vector paramiko-6.5-by-name nosuch)"
fails "restricted, unknown name" 69 "no live session is named 'nosuch'" &&
    grep -q -e play -e ':52' "$T/err" &&
    bad "restricted, unknown name" "the names are listed: $(errtext)"
rx "" "$(vector paramiko-6.5-by-name twin)"
fails "restricted, two named twin" 64 "more than one live session is named 'twin'" &&
    grep -q ':52' "$T/err" &&
    bad "restricted, two named twin" "the displays are listed: $(errtext)"
unused "restricted, two named twin: the first" $twin1
unused "restricted, two named twin: the second" $twin2
rx "" '"/usr/bin/xpra" "_proxy" "2play"'
fails "restricted, digit first" 77 "refused (display)"
unused "restricted refusals: work" $work
unused "restricted refusals: play" $play
rx "restricted paramiko" "$(vector paramiko-6.5-by-name play)" \
    --allow-display=5212
relayed_exactly "restricted, paramiko's command" "restricted paramiko" &&
    used "restricted, paramiko's command" $play
rx "restricted openssh" "$(vector openssh-6.5-by-name work)"
relayed_exactly "restricted, openssh's command" "restricted openssh" &&
    used "restricted, openssh's command" $work
kill $twin1 $twin2 2>/dev/null
rm -f "$home/.xpra/$(hostname)"-521[1-4]
cases_done
