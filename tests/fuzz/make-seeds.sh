#!/bin/sh
# make-seeds.sh TSV DIR - write the fuzz seed corpus for request_fuzz into
# DIR (emptied first): one file per row of TSV (tests/data/ssh-commands.tsv,
# the command column, no newline), plus derived variants of the first
# accepted rows: wrapped in "sh -c" once and twice more (shlex.quote style,
# as XPRA_SSH_MAGIC_QUOTES nests them), with the agent-forwarding option,
# and padded with blanks to exactly REQUEST_MAX and REQUEST_MAX + 1 bytes;
# and a few shapes the table lacks.
set -eu
tsv=$1 dir=$2
uuid=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
max=8192	# REQUEST_MAX in proxy/request.h

rm -rf "$dir"
mkdir -p "$dir"

# shlex.quote: ' + s with each ' as '"'"' + '
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\"'\"'/g")"
}
pad() {	# pad FILE LEN: blanks up to exactly LEN bytes
	n=$(wc -c <"$1")
	if [ "$n" -le "$2" ]; then
		awk -v n=$(($2 - n)) 'BEGIN { while (n-- > 0) printf " " }' >>"$1"
	fi
}

# awk, not "read": IFS=tab would merge the empty fields.
awk -F '\t' -v dir="$dir" '
	/^#/ || $1 == "" { next }
	{ f = dir "/" $1; printf "%s", $4 > f; close(f); print $1, $2 }
' "$tsv" >"$dir/.rows"
rows=$(wc -l <"$dir/.rows")

while read -r id expect; do
	[ "$expect" = accept ] || continue
	cmd=$(cat "$dir/$id")
	case $id in
	openssh-6.5-default|openssh-3.1-default|paramiko-4.4-final)
		one="sh -c $(quote "$cmd")"
		printf '%s' "$one" >"$dir/$id.nest1"
		printf '%s' "sh -c $(quote "$one")" >"$dir/$id.nest2"
		;;
	esac
	case $id in
	openssh-6.5-default|paramiko-4.4-final)
		printf '%s' "$cmd" | sed "s/\"_proxy\"/\"_proxy\" \"--env=SSH_AGENT_UUID=$uuid\"/; s/ _proxy \"/ _proxy \"--env=SSH_AGENT_UUID=$uuid\" \"/g" >"$dir/$id.agent"
		printf '%s' "$cmd" | sed "s/\"_proxy\"/\"_proxy\" \"--socket-dirs=\/tmp\"/; s/ _proxy \"/ _proxy --socket-dir=\/tmp \"/g" >"$dir/$id.sockdir"
		printf '%s' "$cmd" >"$dir/$id.pad-max"
		pad "$dir/$id.pad-max" $max
		printf '%s' "$cmd" >"$dir/$id.pad-over"
		pad "$dir/$id.pad-over" $((max + 1))
		;;
	esac
done <"$dir/.rows"
rm -f "$dir/.rows"

# Shapes the table lacks: the "type" probe, a bad agent uuid, branches
# that disagree only on the uuid, a wayland display, a screen suffix.
printf '%s' 'type xpra' >"$dir/extra-probe-type"
printf '%s' "\"/usr/bin/xpra\" \"_proxy\" \"--env=SSH_AGENT_UUID=${uuid%?}g\" \":100\"" \
    >"$dir/extra-bad-uuid"
sed 's/\(.*\)0123456789abcdef"/\1fedcba9876543210"/' \
    "$dir/openssh-6.5-default.agent" >"$dir/extra-uuid-mismatch"
printf '%s' 'xpra "_proxy" "wayland-0"' >"$dir/extra-wayland"
printf '%s' 'xpra _proxy :10.0' >"$dir/extra-screen"
echo "seeds: $(ls "$dir" | wc -l) files in $dir ($rows rows of $tsv)"
