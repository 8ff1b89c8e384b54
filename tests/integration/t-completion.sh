#!/bin/bash
# t-completion.sh - the bash completion, packaging/bash-completion/xpra-proxy,
# driven the way readline drives it: bash-completion and the file sourced,
# COMP_WORDS split at COMP_WORDBREAKS as bash splits them, COMP_CWORD,
# COMP_LINE and COMP_POINT set, the function called, COMPREPLY compared.
#
# Cases: the options (context: -c only first, --json only after list),
# `=` and nospace, directories for --socket-dir(s)/--sessions-dir (also the
# last entry of a --socket-dirs list), the subcommands, and the live
# displays of temporary socket directories named on the line (one-shot
# fake servers, a stale socket, another host's socket, a display live in
# two directories, offered once), with ":N" completed across the ':' word
# break.  The one-shot servers still run at the end: completing made no
# connection.  A directory whose unquoting would run a command is skipped.
#
# Runs the binary under test ($XPRA_PROXY, the valgrind wrapper in that
# run) for `list --json`.  Exit 0 pass, 77 skip (no bash-completion), 1 fail.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP/tests/lib/common.sh"

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
COMPLETION=${XPX_COMPLETION:-$TOP/packaging/bash-completion/xpra-proxy}
[ -r "$BASH_COMPLETION" ] ||
    skip "no $BASH_COMPLETION (Debian package bash-completion)"
[ -x "$XPRA_PROXY" ] || skip "no binary at $XPRA_PROXY (run make)"
tmp_setup
need_root
mkdir -m 755 "$T/bin" && fake_setup
unset XPRA_SOCKET_HOSTNAME
HOST=$(hostname)
P=$XPRA_PROXY

# --- the fixtures -----------------------------------------------------------

D=$T/dirs			# for directory completion
mkdir -p "$D/alpha" "$D/beta" || fail "mkdir $D"
touch "$D/bfile" || fail "touch $D/bfile"
S=$T/sock			# a socket directory, the user's and 0700
mkd root 700 "$S" "$S/7344"
serve root "$S/$HOST-7342" --mode silent
SRV42=$SRV_PID
serve root "$S/7344/socket" --mode silent
SRV44=$SRV_PID
stale root "$S/$HOST-7343"
serve root "$S/otherhost-7345" --mode silent
SRV45=$SRV_PID
S2=$T/sock2			# :7342 again
mkd root 700 "$S2"
serve root "$S2/$HOST-7342" --mode silent
SRV42B=$SRV_PID

# --- driving the completion -------------------------------------------------

# The completion runs in this shell, as in an interactive one: no set -u
# (bash-completion does not expect it), compopt recorded rather than run
# (outside a real completion the builtin refuses).
set +u
. "$BASH_COMPLETION" || fail "cannot source $BASH_COMPLETION"
. "$COMPLETION" || fail "cannot source $COMPLETION"
compopt() { COMPOPT+=" $*"; }
[ "$(complete -p xpra-proxy 2>/dev/null)" = \
    "complete -F _xpra_proxy xpra-proxy" ] ||
    fail "not registered: $(complete -p xpra-proxy 2>&1)"

# split_line LINE: COMP_WORDS as bash makes them from LINE (tested lines
# have no quotes): blanks separate words, and a run of COMP_WORDBREAKS
# characters is a word of its own; a trailing blank starts an empty word.
split_line() {
	local line=$1 c i word= brk= breaks=${COMP_WORDBREAKS//[[:blank:]]/}
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == [[:blank:]] ]]; then
			[ -n "$word" ] && COMP_WORDS+=("$word")
			word= brk=
		elif [[ $breaks == *"$c"* ]]; then
			[ -n "$word" ] && [ -z "$brk" ] && COMP_WORDS+=("$word") &&
			    word=
			word+=$c brk=1
		else
			[ -n "$brk" ] && COMP_WORDS+=("$word") && word=
			word+=$c brk=
		fi
	done
	COMP_WORDS+=("$word")	# the word under the cursor, maybe empty
}

# complete_line LINE: complete at the end of LINE; GOT is COMPREPLY,
# sorted, on one line; COMPOPT what compopt was asked for.
complete_line() {
	split_line "$1"
	COMP_LINE=$1 COMP_POINT=${#1} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_TYPE=9 COMP_KEY=9
	COMPREPLY=() COMPOPT=
	_xpra_proxy xpra-proxy "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	GOT=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | xargs echo)
}

# is CASE LINE WANT: completing LINE offers exactly WANT (sorted words).
is() {
	complete_line "$2"
	[ "$GOT" = "$3" ] || bad "$1" "'$2': got '$GOT', want '$3'"
}

# has CASE LINE WORD... / hasnt: the offer includes (excludes) each WORD.
has() {
	local c=$1 l=$2 w; shift 2
	complete_line "$l"
	for w; do
		[[ " $GOT " == *" $w "* ]] || bad "$c" "'$l': '$w' not in '$GOT'"
	done
}
hasnt() {
	local c=$1 l=$2 w; shift 2
	complete_line "$l"
	for w; do
		[[ " $GOT " != *" $w "* ]] || bad "$c" "'$l': '$w' in '$GOT'"
	done
}

# The splitting above is bash's (checked against readline by hand).
split_line "$P --socket-dirs=/a:/b"
[ "$(printf '%s|' "${COMP_WORDS[@]}")" = "$P|--socket-dirs|=|/a|:|/b|" ] ||
    fail "split_line: $(printf '%s|' "${COMP_WORDS[@]}")"

# --- options ----------------------------------------------------------------

LONG="--allow-display= --connect-timeout= --env= --help --quiet --restricted"
LONG+=" --sessions-dir= --socket-dir= --socket-dirs= --verbose --version"
LONG+=" --wait="
is options-long "$P --" "$LONG"
has options-short "$P -" -c -h -q -V -v --help --socket-dir=
hasnt options-short "$P -" --json
hasnt options-c-first-only "$P -v -" -c
is options-json-after-list "$P list --j" "--json"
is options-after-proxy "$P _proxy :1 --socket-dirs" "--socket-dirs="
is options-prefix "$P --so" "--socket-dir= --socket-dirs="
[[ $COMPOPT == *"-o nospace"* ]] ||
    bad options-nospace "--socket-dir= without nospace: '$COMPOPT'"
is options-verbose "$P --verb" "--verbose"
[[ $COMPOPT != *nospace* ]] ||
    bad options-space "--verbose with nospace: '$COMPOPT'"
is options-after-dashdash "$P -- -" ""

# --- values -----------------------------------------------------------------

is socket-dir "$P --socket-dir=$D/" "$D/alpha $D/beta"
is socket-dir-prefix "$P --socket-dir=$D/a" "$D/alpha"
is socket-dir-space "$P --socket-dir $D/b" "$D/beta"
is socket-dirs "$P --socket-dirs=$D/b" "$D/beta"
# a list: only the last entry, after readline's ':' word break
is socket-dirs-list "$P --socket-dirs=/nonexistent:$D/al" "$D/alpha"
is sessions-dir "$P _proxy :1 --sessions-dir=$D/" "$D/alpha $D/beta"
is no-value-wait "$P --wait=" ""
is no-value-env "$P --env " ""
is unknown-option-value "$P --bogus=$D/" ""

# --- subcommands and displays -----------------------------------------------

is subcommands "$P --socket-dirs=$S " ":7342 :7344 _proxy list"
is subcommand-list "$P --socket-dirs=$S l" "list"
is subcommand-proxy "$P --socket-dirs=$S _" "_proxy"
# ":" and ":73" are words of their own: the replies are what follows ':'
is display-colon "$P --socket-dirs=$S :" "7342 7344"
is display-colon-prefix "$P --socket-dirs $S _proxy :73" "7342 7344"
is display-after-proxy "$P --socket-dirs=$S _proxy " ":7342 :7344"
is display-dir-list "$P --socket-dirs=/nonexistent:$S :73" "7342 7344"
is display-once "$P --socket-dirs=$S2:$S " ":7342 :7344 _proxy list"
has display-socket-dir "$P --socket-dir=$S " :7342 :7344 _proxy list
hasnt display-socket-dir "$P --socket-dir=$S " :7343 :7345
is display-later-option "$P _proxy --socket-dirs=$S --wait 3 " ":7342 :7344"
is nothing-after-display "$P --socket-dirs=$S :7342 " ""
is nothing-after-list "$P --socket-dirs=$S list " ""
is nothing-restricted "$P --restricted --socket-dirs=$S " ""
# a command substitution in a directory is never run
printf '#!/bin/sh\ntouch %s/ran\n' "$T" >"$T/bin/mark" && chmod 755 "$T/bin/mark"
is no-eval "$P --socket-dirs=$S --socket-dirs=\`$T/bin/mark\` :" "7342 7344"
_xpra_proxy_value "\$($T/bin/mark)" >/dev/null &&
    bad no-eval "_xpra_proxy_value took a command substitution"
[ ! -e "$T/ran" ] || bad no-eval "a command substitution ran"

# --- nothing connected ------------------------------------------------------

set -u
sleep 1
for pid in $SRV42 $SRV44 $SRV45 $SRV42B; do
	alive "$pid" || bad no-connection "one-shot server $pid has exited:" \
	    "completing connected to it"
done
cases_done
