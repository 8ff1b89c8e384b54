#!/bin/bash
# check-interface.sh - one list of options: those `xpra-proxy --help`
# prints must be exactly those of the man page's option list (the .Fl of
# its .It lines, after "The options are as follows:"), those the parser in
# proxy/cli.c spells out, and those the bash completion offers (at the
# start of a line, and after `list`).  The man page's SYNOPSIS may use no
# other.  Prints every difference; exit 0 when there is none, else 1.
#
# Env in: TOP (the checkout; default: this script's ..), XPRA_PROXY (the
# binary; default $TOP/xpra-proxy).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
XPRA_PROXY=${XPRA_PROXY:-$TOP/xpra-proxy}
MAN=$TOP/man/xpra-proxy.1
CLI=$TOP/proxy/cli.c
COMPLETION=$TOP/packaging/bash-completion/xpra-proxy
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
# Spelled by the parser, on purpose in no list: -vv is -v twice.
PARSER_ONLY="-vv"
cd / || exit 1

T=$(mktemp -d /tmp/xpx-interface.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
failed=0

# names: option names (-x, --name) in stdin, sorted, one a line.
names() {
	grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' |
	    sed 's/^[^-]*//' | LC_ALL=C sort -u
}

# compare NAME-A FILE-A NAME-B FILE-B: the same lines, or each difference.
compare() {
	local only
	only=$(LC_ALL=C comm -23 "$2" "$4" | xargs)
	[ -z "$only" ] || echo "interface: in $1, not in $3: $only"
	local other
	other=$(LC_ALL=C comm -13 "$2" "$4" | xargs)
	[ -z "$other" ] || echo "interface: in $3, not in $1: $other"
	[ -z "$only$other" ] || failed=1
}

# --help
"$XPRA_PROXY" --help >"$T/help.txt" ||
    { echo "interface: $XPRA_PROXY --help failed" >&2; exit 1; }
names <"$T/help.txt" >"$T/help"

# The man page: the .It lines of the option list ("Fl Fl name" is --name),
# and every .Fl of the SYNOPSIS.
# mdoc_flags: from mdoc lines on stdin, each Fl's flag.
mdoc_flags() {
	awk '{
		sub(/^\./, "")
		for (i = 1; i <= NF; i++) {
			if ($i != "Fl")
				continue
			if ($(i + 1) == "Fl") {
				print "--" $(i + 2); i += 2
			} else if ($(i + 1) ~ /^[A-Za-z]/) {
				print "-" $(i + 1); i++
			}
		}
	}' | LC_ALL=C sort -u
}
awk '/^The options are as follows:/ { on = 1; next }
    on && /^\.Bl/ { depth++ }
    on && /^\.El/ { if (--depth == 0) exit }
    on && depth == 1 && /^\.It / { print }' "$MAN" | mdoc_flags >"$T/man"
sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$MAN" | grep '^\.' |
    mdoc_flags >"$T/synopsis"
[ -s "$T/man" ] || { echo "interface: no option list found in $MAN"; exit 1; }

# The parser: every string literal in proxy/cli.c that is an option (not
# in a comment: those lines start with "/*" or " *").
sed -e 's|/\*.*\*/||' -e '/^[[:space:]]*\/\{0,1\}\*/d' "$CLI" |
    grep -oE '"--?[A-Za-z][A-Za-z0-9-]*"' | tr -d '"' |
    grep -vxF -e "$PARSER_ONLY" | LC_ALL=C sort -u >"$T/parser"

compare "--help" "$T/help" "the man page's option list" "$T/man"
compare "proxy/cli.c" "$T/parser" "--help" "$T/help"
LC_ALL=C comm -23 "$T/synopsis" "$T/man" >"$T/syn-only"
if [ -s "$T/syn-only" ]; then
	echo "interface: in the man page's SYNOPSIS, not in its option list:" \
	    "$(xargs <"$T/syn-only")"
	failed=1
fi

# The bash completion, run: what it offers for "-" first on the line and
# after "list" (-c is offered only first, --json only after list).
if [ ! -r "$BASH_COMPLETION" ]; then
	echo "interface: cannot check the completion: no $BASH_COMPLETION" \
	    "(install the Debian package bash-completion)"
	failed=1
else
	XPRA_PROXY=$XPRA_PROXY bash -c '
	. "$1" && . "$2" || exit 1
	compopt() { :; }
	offer() {
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
		COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_xpra_proxy xpra-proxy "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	}
	offer "$XPRA_PROXY" -
	offer "$XPRA_PROXY" list -' sh "$BASH_COMPLETION" "$COMPLETION" \
	    >"$T/completion.txt" ||
	    { echo "interface: cannot run the completion"; exit 1; }
	sed 's/=$//' "$T/completion.txt" | names >"$T/completion"
	compare "--help" "$T/help" "the bash completion" "$T/completion"
fi

if [ $failed = 0 ]; then
	echo "interface: $(wc -l <"$T/help") options, the same in --help," \
	    "the man page, proxy/cli.c and the bash completion"
fi
exit $failed
