# restricted.sh - one restricted-mode request, checked end to end against
# fake xpra servers: shared by the t-restricted-*.sh scripts (sourced, bash,
# after common.sh, tmp_setup and install_proxy_copy).
#
#   rcase_load [FILE]
#	Read the client command vectors (default tests/data/ssh-commands.tsv:
#	tab-separated id, expect, display, command, note; lines starting with
#	'#' skipped) into the arrays RV_ID RV_EXPECT RV_DISPLAY RV_CMD (same
#	index).  Rows for a session by name (the display a name, not a
#	number) are left out: the fake servers here have no session
#	directories to name them; t-names runs those.  Fails when the file
#	has no rows.
#   rcase_setup USER SOCKDIR
#	Where the next cases' fake servers run: as USER, with their sockets
#	at SOCKDIR/<hostname>-N (SOCKDIR is created 0700 USER's when missing;
#	USER's own leftover sockets for the displays used are removed).
#	Makes the 1 MiB input the accepted cases send.
#   rcase_run NAME EXPECT DISPLAY COMMAND RUNNER [ARG...]
#	Starts the fake servers, runs `RUNNER ARG... COMMAND` (the runner
#	does its own timeout and hands COMMAND to xpra-proxy) with stdin,
#	stdout and stderr redirected to files, and asserts, per EXPECT:
#	  accept  exit 0; the server of display DISPLAY (an `exchange` fake
#		  server, --accept 1) got exactly the 1 MiB sent, stdout is
#		  byte for byte the 1 MiB it sent, it served one connection
#		  and exited; a second live display (when DISPLAY is set) got
#		  no connection.  DISPLAY empty: :100 is the single live
#		  session and must be the one relayed.
#	  probe   exit 0 in under 5 s (the clients allow 10), stdout exactly
#		  what a POSIX shell prints for COMMAND (see rcase_probe_ok),
#		  stderr empty, no connection to the live :100 and :101.
#	  refuse  exit 77, stdout empty, stderr exactly one line starting
#		  `xpra-proxy: refused`, no connection to :100 or :101.
#	"No connection" is proven by a canary: each `echo` fake server
#	accepts one connection only, so after the run the test connects
#	itself and must get its own bytes echoed back (had xpra-proxy
#	connected, the server would have served that and be gone).
#	stdin: the 1 MiB input for accept, /dev/null otherwise.
#	Any mismatch fails the script.  Counts in RCASE_N[accept|probe|refuse].
#	RCASE_SUBSYSTEM=1 for one call: a refused ssh subsystem request;
#	sshd drops a subsystem's stderr, so want it empty instead.
#   rcase_picked I WAY MOD
#	0 when row I of the vectors runs in deployment WAY (0, 1...) of
#	the calling script.  With RCASE_SPREAD=0 every row runs in every
#	way; with RCASE_SPREAD=1 row I runs only where I % MOD is WAY: with
#	MOD the number of ways, each row once per script; with a multiple
#	of it, a sample.  RCASE_SPREAD defaults to 1 in the asan, valgrind
#	and static runs: they run the same parser as the plain pass and are
#	there for memory errors and linking, not for the grammar.
#   rcase_probe_ok COMMAND OUTFILE
#	0 when OUTFILE is what a POSIX shell prints for the paramiko probe
#	COMMAND (`command`: nothing; `echo %OS%`: %OS%; `echo $OSTYPE`:
#	linux-gnu; `which X` / `command -v X`: one line, an absolute path,
#	X itself when X is absolute; `type X`: `X is /path`); else prints why.
#   recipe_lines MATCH-LINE [DROP-REGEX]
#	The shipped sshd recipe ($XPX_RECIPE, packaging/sshd_config.d/
#	xpra-proxy.conf) as sshd_start CONFIG-LINEs, in the array
#	RECIPE_LINES: comments and blank lines dropped, its `Match Group
#	xpra-only` replaced by MATCH-LINE, /usr/bin/xpra-proxy by
#	$PROXY_COPY, and the lines matching DROP-REGEX (sed BRE) removed
#	(for negative controls).  Nothing else is changed; fails when the
#	recipe no longer has the two lines it substitutes.
#   fake_start USER SOCK MODE [FAKESERVER-ARG...]
#	common.sh's serve (fake_setup first if not done): a fakeserver.py
#	as USER listening on SOCK.  Sets FAKE_PID (remembered for fake_reap).
#	fake_begin (same arguments; sets FAKE_PENDING) and fake_ready
#	PENDING (sets FAKE_PID) split it, to start servers side by side.
#   fake_untouched SOCK		the canary above; 0 when nothing connected
#   fake_reap PID		wait (10 s) for that fake server to exit, reap
#				it and untrack its PIDs; 1 when it still runs

RCASE_VECTORS=${RCASE_VECTORS:-$TOP/tests/data/ssh-commands.tsv}
RCASE_SIZE=$((1024 * 1024))
XPX_RECIPE=$TOP/packaging/sshd_config.d/xpra-proxy.conf
declare -A RCASE_N=([accept]=0 [probe]=0 [refuse]=0)
RCASE_SPREAD=${RCASE_SPREAD:-$([ -n "${XP_VARIANT:-}" ] && echo 1 || echo 0)}
declare -A _fake_parent=()

rcase_load() {
	local f=${1:-$RCASE_VECTORS} line id expect display cmd
	RV_ID=() RV_EXPECT=() RV_DISPLAY=() RV_CMD=()
	while IFS= read -r line; do
		case $line in '#'*|'') continue;; esac
		# a tab is IFS white space (runs collapse): split on \x1f
		IFS=$'\x1f' read -r id expect display cmd _ \
		    <<<"${line//$'\t'/$'\x1f'}"
		[[ $display == [A-Za-z]* ]] && continue
		RV_ID+=("$id") RV_EXPECT+=("$expect")
		RV_DISPLAY+=("$display") RV_CMD+=("$cmd")
	done <"$f"
	[ ${#RV_ID[@]} -gt 0 ] || fail "no vectors in $f"
}

rcase_picked() {
	[ "$RCASE_SPREAD" = 0 ] || [ $(($1 % $3)) = "$2" ]
}

recipe_lines() {
	grep -q '^Match Group xpra-only$' "$XPX_RECIPE" &&
	    grep -q 'ForceCommand /usr/bin/xpra-proxy --restricted$' "$XPX_RECIPE" ||
	    fail "$XPX_RECIPE: no 'Match Group xpra-only' / 'ForceCommand /usr/bin/xpra-proxy --restricted' to substitute"
	mapfile -t RECIPE_LINES < <(sed -e '/^[[:space:]]*#/d' \
	    -e '/^[[:space:]]*$/d' -e "s|^Match Group xpra-only\$|$1|" \
	    -e "s|/usr/bin/xpra-proxy|$PROXY_COPY|" ${2:+-e "/$2/d"} \
	    "$XPX_RECIPE")
}

fake_start() {
	fake_begin "$@"
	fake_ready "$FAKE_PENDING"
}
fake_begin() {
	local u=$1 sock=$2 mode=$3; shift 3
	[ -n "${SRV:-}" ] || fake_setup
	serve_begin "$u" "$sock" --mode="$mode" "$@"
	FAKE_PENDING=$SRV_PENDING
}
fake_ready() {
	serve_ready "$1"
	FAKE_PID=$SRV_PID
	_fake_parent[$FAKE_PID]=$(ps -o ppid= -p "$FAKE_PID" | tr -d ' ')
}

fake_reap() {
	local pid=$1 parent=${_fake_parent[$1]:-}
	wait_gone "$pid" 50 || return 1
	# serve's background subshell is our child: reaping it frees both
	# numbers
	if [ -n "$parent" ] && [ "$parent" != $$ ]; then
		wait "$parent" 2>/dev/null
		untrack_pid "$parent"
	fi
	untrack_pid "$pid"
	unset "_fake_parent[$pid]"
	return 0
}

fake_untouched() {
	local got
	got=$(timeout 20 $PY "$TOP/tests/lib/sockpeek.py" "$1" xpx-canary 2>&1) &&
	    [ "$got" = xpx-canary ] && return 0
	echo "canary: ${got:-nothing came back}"
	return 1
}

rcase_probe_ok() {
	local cmd=$1 out=$2 n arg line
	n=$(wc -l <"$out")
	line=$(head -n 1 "$out")
	case $cmd in
	command)
		[ ! -s "$out" ] && return 0
		echo "want no output";;
	'echo %OS%')
		[ "$n" = 1 ] && [ "$line" = '%OS%' ] && return 0
		echo "want '%OS%'";;
	'echo $OSTYPE')
		[ "$n" = 1 ] && [ "$line" = linux-gnu ] && return 0
		echo "want 'linux-gnu'";;
	'which '*|'command -v '*)
		arg=${cmd#which }; arg=${arg#command -v }
		if [ "$n" = 1 ] && [ "$(wc -c <"$out")" = $((${#line} + 1)) ]; then
			case $arg in
			/*)	[ "$line" = "$arg" ] && return 0;;
			*)	[[ $line =~ ^/[^[:space:]]+$ ]] && return 0;;
			esac
		fi
		echo "want one line, an absolute path (the argument itself when absolute)";;
	'type '*)
		arg=${cmd#type }
		[ "$n" = 1 ] && [[ $line =~ ^"$arg is /"[^[:space:]]+$ ]] &&
		    return 0
		echo "want '$arg is /<path>'";;
	*)	echo "no known answer for probe '$cmd'";;
	esac
	return 1
}

rcase_setup() {
	local u=$1 dir=$2 n f
	RCASE_USER=$u RCASE_DIR=$dir RCASE_HOST=$(hostname)
	if [ ! -d "$dir" ]; then
		install -d -m 700 -o "$u" -g "$(id -gn "$u")" "$dir" ||
		    fail "cannot create $dir"
	fi
	for n in 100 101; do
		f=$dir/$RCASE_HOST-$n
		if [ -S "$f" ] && [ "$(stat -c %U "$f")" = "$u" ]; then
			rm -f "$f"
		elif [ -e "$f" ]; then
			fail "$f exists and is not a socket of $u"
		fi
	done
	RCASE_WORK=$T/rcase-$u
	install -d -m 700 -o "$u" "$RCASE_WORK" || fail "mkdir $RCASE_WORK"
	if [ ! -s "$T/rcase-in.bin" ]; then
		head -c "$RCASE_SIZE" /dev/urandom >"$T/rcase-in.bin" ||
		    fail "cannot make input"
		RCASE_IN_SHA=$(sha256sum <"$T/rcase-in.bin" | cut -d' ' -f1)
	fi
}

# _rcase_untouched NAME N...: the echo servers of these displays got nothing
_rcase_untouched() {
	local name=$1 n why; shift
	for n; do
		why=$(fake_untouched "$RCASE_DIR/$RCASE_HOST-$n") ||
		    fail "$name: xpra-proxy connected to :$n ($why); fake servers: $(tail -n 5 "$T/server.log" 2>/dev/null)"
		fake_reap "${_rcase_echo[$n]}" ||
		    fail "$name: the fake server of :$n did not exit after the canary"
	done
}

# _rcase_refusal_line NAME ERRFILE: exactly one `xpra-proxy: refused` line
_rcase_refusal_line() {
	local name=$1 err=$2 lines
	if [ "${RCASE_SUBSYSTEM:-0}" = 1 ]; then
		[ -s "$err" ] &&
		    fail "$name: stderr of a subsystem, which sshd drops, is not empty: $(head -c 600 "$err")"
		return 0
	fi
	lines=$(cat "$err")
	[ "$(printf '%s\n' "$lines" | grep -c .)" = 1 ] &&
	    [[ $lines == 'xpra-proxy: refused'* ]] ||
	    fail "$name: stderr is not one 'xpra-proxy: refused' line: $(head -c 600 "$err")"
}

rcase_run() {
	local name=$1 expect=$2 display=$3 cmd=$4; shift 4
	local base rc t0 secs in out err live decoy= report why
	local count rin rout out_sha
	declare -gA _rcase_echo=()
	base=$RCASE_WORK/$(printf '%s' "$name" | tr -c 'A-Za-z0-9.-' _)
	out=$base.out err=$base.err report=$base.report
	rm -f "$out" "$err" "$report"

	local server pending_live pending_decoy=
	case $expect in
	accept)
		live=${display:-100}
		[ -n "$display" ] && decoy=$((display == 101 ? 100 : 101))
		fake_begin "$RCASE_USER" "$RCASE_DIR/$RCASE_HOST-$live" exchange \
		    --send="$RCASE_SIZE" --seed=$((RANDOM + 1)) --report="$report"
		pending_live=$FAKE_PENDING
		in=$T/rcase-in.bin;;
	probe|refuse)
		live=100 decoy=101
		fake_begin "$RCASE_USER" "$RCASE_DIR/$RCASE_HOST-$live" echo
		pending_live=$FAKE_PENDING
		in=/dev/null;;
	*)	fail "$name: unknown expectation '$expect'";;
	esac
	if [ -n "$decoy" ]; then
		fake_begin "$RCASE_USER" "$RCASE_DIR/$RCASE_HOST-$decoy" echo
		pending_decoy=$FAKE_PENDING
	fi
	fake_ready "$pending_live"
	server=$FAKE_PID
	[ "$expect" = accept ] || _rcase_echo[$live]=$FAKE_PID
	if [ -n "$pending_decoy" ]; then
		fake_ready "$pending_decoy"
		_rcase_echo[$decoy]=$FAKE_PID
	fi

	t0=$(date +%s%N)
	"$@" "$cmd" <"$in" >"$out" 2>"$err"
	rc=$?
	secs=$(awk "BEGIN { printf \"%.3f\", ($(date +%s%N) - $t0) / 1e9 }")

	case $expect in
	accept)
		[ "$rc" = 0 ] ||
		    fail "$name: exit $rc (want 0); stderr: $(head -c 600 "$err")"
		fake_reap "$server" ||
		    fail "$name: the server of :$live still runs after the relay (a second connection pending?)"
		[ -s "$report" ] ||
		    fail "$name: the server of :$live wrote no report: $(tail -n 5 "$T/server.log" 2>/dev/null)"
		read -r count rin rout <"$report"
		[ "$count" = "$RCASE_SIZE" ] && [ "$rin" = "$RCASE_IN_SHA" ] ||
		    fail "$name: :$live received $count bytes (sha256 $rin), sent $RCASE_SIZE ($RCASE_IN_SHA)"
		out_sha=$(sha256sum <"$out" | cut -d' ' -f1)
		[ "$(stat -c %s "$out")" = "$RCASE_SIZE" ] && [ "$out_sha" = "$rout" ] ||
		    fail "$name: stdout has $(stat -c %s "$out") bytes (sha256 $out_sha), the server sent $RCASE_SIZE ($rout)"
		[ -n "$display" ] && _rcase_untouched "$name" "$decoy"
		why="relayed 1 MiB each way byte-exact to :$live, one connection"
		[ -n "$display" ] && why="$why, :$decoy untouched"
		[ -s "$err" ] && why="$why; stderr: $(head -n 2 "$err" | tr '\n' ' ')"
		;;
	probe)
		[ "$rc" = 0 ] ||
		    fail "$name: exit $rc (want 0); stdout: $(head -c 200 "$out"); stderr: $(head -c 600 "$err")"
		why=$(rcase_probe_ok "$cmd" "$out") ||
		    fail "$name: probe '$cmd' answered $(od -c "$out" | head -n 4): $why"
		[ -s "$err" ] && fail "$name: probe wrote to stderr: $(head -c 600 "$err")"
		awk "BEGIN { exit !($secs < 5) }" ||
		    fail "$name: probe took $secs s (the clients give up at 10)"
		_rcase_untouched "$name" 100 101
		why="answered $(tr '\n' '|' <"$out"), no connection";;
	refuse)
		[ "$rc" = 77 ] ||
		    fail "$name: exit $rc (want 77); stdout: $(head -c 200 "$out" | od -c | head -n 3); stderr: $(head -c 600 "$err")"
		[ -s "$out" ] &&
		    fail "$name: stdout not empty: $(head -c 200 "$out" | od -c | head -n 3)"
		_rcase_refusal_line "$name" "$err"
		_rcase_untouched "$name" 100 101
		why="$(head -n 1 "$err" | cut -c1-90)"
		[ "${RCASE_SUBSYSTEM:-0}" = 1 ] &&
		    why="no stderr (sshd drops a subsystem's), no connection";;
	esac
	RCASE_N[$expect]=$((RCASE_N[$expect] + 1))
	say "ok: $name ($expect, $secs s): $why"
	rm -f "$out"
}

# run_paramiko USER SEQUENCE FINAL: paramiko_exec.py (needs sshd.sh's
# SSHD_PORT, SSH_KEY, SSH_KNOWN_HOSTS and $PARAMIKO_EXEC): the probes of
# SEQUENCE (31, 31r: 3.1's; 44, 65: 4.4's and 6.5's), then FINAL with
# stdin/stdout.  Every probe must exit 0 with a shell's answer and
# nothing on stderr.  Returns the final command's exit status;
# PARAMIKO_PROBES says what each probe answered, PARAMIKO_SENT the final
# command as sent.
run_paramiko() {
	local u=$1 seq=$2 final=$3 rep probes=() args=() p i st secs perr rc
	case $seq in
	31)	probes=('which $XDG_RUNTIME_DIR/xpra/run-xpra' 'which xpra');;
	31r)	probes=('which $XDG_RUNTIME_DIR/xpra/run-xpra');;
	44|65)	probes=('echo %OS%' 'echo $OSTYPE' 'command' 'command -v xpra');;
	esac
	for p in "${probes[@]}"; do args+=(--probe "$p"); done
	rep=$T/paramiko-$u-$seq
	timeout 120 $PY "$PARAMIKO_EXEC" --port "$SSHD_PORT" --user "$u" \
	    --key "$SSH_KEY" --known-hosts "$SSH_KNOWN_HOSTS" "${args[@]}" \
	    --final "$final" --in /dev/stdin --out /dev/stdout \
	    --report "$rep.json"
	rc=$?
	[ "$rc" = 0 ] || { echo "paramiko_exec: exit $rc: $(cat "$rep.json")" >&2; return 100; }
	# split the report: REP.N.out = call N's stdout; "N status secs
	# stderr command" lines (JSON strings)
	$PY - "$rep" <<'EOF' >"$rep.status" || return 101
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1] + ".json")]
for i, r in enumerate(recs):
    if "stdout" in r:
        open("%s.%d.out" % (sys.argv[1], i), "w").write(r["stdout"])
    print(i, r["status"], r["secs"], json.dumps(r["stderr"]), json.dumps(r["cmd"]))
EOF
	i=0
	for p in "${probes[@]}"; do
		read -r _ st secs perr _ < <(sed -n "$((i + 1))p" "$rep.status")
		[ "$st" = 0 ] || { echo "probe '$p': exit $st, stderr $perr" >&2; return 102; }
		[ "$perr" = '""' ] || { echo "probe '$p': stderr $perr" >&2; return 103; }
		why=$(rcase_probe_ok "$p" "$rep.$i.out") ||
		    { echo "probe '$p' answered '$(cat "$rep.$i.out")': $why" >&2; return 104; }
		PARAMIKO_PROBES="${PARAMIKO_PROBES:-}[$p → $(tr '\n' ' ' <"$rep.$i.out")${secs}s] "
		i=$((i + 1))
	done
	read -r _ st secs perr PARAMIKO_SENT < <(sed -n "$((i + 1))p" "$rep.status")
	[ "$perr" = '""' ] || printf 'final command stderr: %s\n' "$perr" >&2
	return "${st/None/99}"
}

# example_key_options COMMAND [OPTION]: the options of the first line of
# $KEYS_EXAMPLE whose forced command is COMMAND (and that has OPTION),
# /usr/bin/xpra-proxy replaced by $PROXY_COPY; fails unless they include
# restrict.
example_key_options() {
	local o
	o=$(grep -v '^#' "$KEYS_EXAMPLE" | grep -F "${2:-restrict}" |
	    grep -m1 -F "command=\"$1\"" |
	    sed -e 's/ ssh-[a-z0-9-]* .*$//' -e "s|/usr/bin/xpra-proxy|$PROXY_COPY|")
	case $o in
	*restrict*) echo "$o";;
	*) fail "$KEYS_EXAMPLE: no 'restrict,command=\"$1\"' line (got '$o')";;
	esac
}

# run_ssh USER [SSH-OPTION...] COMMAND: sshd.sh's ssh, 30 s at most.
run_ssh() {
	local u=$1 cmd=${*: -1}
	timeout 30 "${ssh_cmd[@]}" "${@:2:$#-2}" "$u@127.0.0.1" "$cmd"
}
