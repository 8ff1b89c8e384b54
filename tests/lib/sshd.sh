# sshd.sh - a private OpenSSH sshd on 127.0.0.1 for the integration scripts
# (sourced, bash, after common.sh and tmp_setup).
#
#   sshd_start USERS [CONFIG-LINE...]
#	USERS is one user or a space-separated list.  Starts
#	`/usr/sbin/sshd -D -f CONFIG -E LOG` on 127.0.0.1 (only) and a free
#	high port, with its own host key, UsePAM no, public keys only,
#	AllowUsers USERS, StrictModes yes.  A fresh ed25519 client key is
#	written to each user's ~/.ssh/authorized_keys (the file is replaced:
#	test users are dedicated), prefixed with $SSHD_KEY_OPTIONS when set
#	(e.g. 'command="...",restrict').  Each CONFIG-LINE is appended to
#	sshd_config verbatim, after the defaults, so Match blocks work.
#	Checks that USERS[0] can log in before returning.
#	Sets: SSHD_PID SSHD_PORT SSHD_DIR SSHD_CONFIG SSHD_LOG SSH_KEY
#	      SSH_KNOWN_HOSTS, ssh_cmd (array: ssh + options + -p PORT),
#	      SSH_OPTS (the same as one string; paths contain no spaces, so
#	      it is also a valid `xpra --ssh=` value).
#   sshd_reload [CONFIG-LINE...]
#	Append lines to the config and SIGHUP sshd (it re-executes itself
#	with the same PID); returns once it listens again.
#   sshd_log_since MARK	lines of the sshd log after line MARK
#   sshd_log_mark		current line count of the sshd log (for the above)
#
# The sshd PID is registered with track_pid; nothing here is stopped by
# name.

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

_sshd_write_config() {
	local users=$1; shift
	{
		cat <<EOF
# private test sshd ($TEST_NAME); loopback only
Port $SSHD_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $SSHD_DIR/host_ed25519
PidFile none
UsePAM no
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitRootLogin no
PermitEmptyPasswords no
AllowUsers $users
StrictModes yes
AuthorizedKeysFile .ssh/authorized_keys
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowStreamLocalForwarding no
PermitTunnel no
GatewayPorts no
PermitUserEnvironment no
PermitUserRC no
LoginGraceTime 30
MaxStartups 50:30:100
LogLevel VERBOSE
EOF
		local line
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$SSHD_CONFIG"
}

# _sshd_listening FROM-LINE: wait until the log says it listens.
_sshd_listening() {
	local from=$1 n=100
	while [ "$n" -gt 0 ]; do
		if tail -n +"$from" "$SSHD_LOG" 2>/dev/null |
		    grep -q "Server listening on 127.0.0.1 port $SSHD_PORT"; then
			return 0
		fi
		kill -0 "$SSHD_PID" 2>/dev/null || return 1
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

_sshd_install_key() {
	local u=$1 home grp
	home=$(getent passwd "$u" | cut -d: -f6)
	grp=$(id -gn "$u")
	[ -n "$home" ] && [ -d "$home" ] || fail "sshd_start: no home for $u"
	install -d -m 700 -o "$u" -g "$grp" "$home/.ssh"
	{
		if [ -n "${SSHD_KEY_OPTIONS:-}" ]; then
			printf '%s ' "$SSHD_KEY_OPTIONS"
		fi
		cat "$SSH_KEY.pub"
	} >"$home/.ssh/authorized_keys.new"
	chown "$u:$grp" "$home/.ssh/authorized_keys.new"
	chmod 600 "$home/.ssh/authorized_keys.new"
	mv -f "$home/.ssh/authorized_keys.new" "$home/.ssh/authorized_keys"
}

sshd_start() {
	local users=$1; shift
	local first=${users%% *} u try
	[ -x "$SSHD_BIN" ] || skip "no $SSHD_BIN (install openssh-server)"
	command -v ssh >/dev/null || skip "no ssh (install openssh-client)"
	[ -n "$T" ] || fail "sshd_start: call tmp_setup first"

	# privilege separation directory; apt does not start sshd here
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 0755 /run/sshd ||
		    fail "cannot create /run/sshd"
	fi

	SSHD_DIR=$T/sshd
	SSHD_CONFIG=$SSHD_DIR/sshd_config
	SSHD_LOG=$SSHD_DIR/sshd.log
	SSH_KEY=$SSHD_DIR/id_ed25519
	SSH_KNOWN_HOSTS=$SSHD_DIR/known_hosts
	mkdir -p "$SSHD_DIR" && chmod 700 "$SSHD_DIR"
	ssh-keygen -q -t ed25519 -N '' -C "xpx-host" \
	    -f "$SSHD_DIR/host_ed25519" </dev/null || fail "ssh-keygen host"
	ssh-keygen -q -t ed25519 -N '' -C "xpx-client-$TEST_NAME" \
	    -f "$SSH_KEY" </dev/null || fail "ssh-keygen client"
	for u in $users; do
		_sshd_install_key "$u"
	done

	SSHD_PID=
	for try in 1 2 3 4 5 6 7 8; do
		SSHD_PORT=$(/usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
		_sshd_write_config "$users" "$@"
		"$SSHD_BIN" -t -f "$SSHD_CONFIG" 2>"$SSHD_DIR/config-test.err" ||
		    fail "sshd rejects its config: $(cat "$SSHD_DIR/config-test.err")"
		: >"$SSHD_LOG"
		"$SSHD_BIN" -D -f "$SSHD_CONFIG" -E "$SSHD_LOG" </dev/null &
		SSHD_PID=$!
		track_pid "$SSHD_PID"
		_sshd_listening 1 && break
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		say "sshd did not start on port $SSHD_PORT (try $try): $(tail -n 3 "$SSHD_LOG")"
		SSHD_PID=
	done
	[ -n "$SSHD_PID" ] || fail "could not start sshd; log: $(cat "$SSHD_LOG")"

	{
		printf '[127.0.0.1]:%s ' "$SSHD_PORT"; cat "$SSHD_DIR/host_ed25519.pub"
		# paramiko looks up the bare host name
		printf '127.0.0.1 '; cat "$SSHD_DIR/host_ed25519.pub"
	} >"$SSH_KNOWN_HOSTS"

	ssh_cmd=(ssh -F /dev/null -i "$SSH_KEY" -o IdentitiesOnly=yes
	    -o BatchMode=yes -o StrictHostKeyChecking=yes
	    -o UserKnownHostsFile="$SSH_KNOWN_HOSTS"
	    -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=20
	    -p "$SSHD_PORT")
	SSH_OPTS="${ssh_cmd[*]}"

	# Prove a login works (unless a ForceCommand makes `true` meaningless:
	# then the caller checks what it needs).
	if [ "${SSHD_NO_LOGIN_CHECK:-}" != 1 ]; then
		local out
		out=$(timeout 30 "${ssh_cmd[@]}" "$first@127.0.0.1" \
		    'echo xpx-login-ok' </dev/null 2>&1)
		case $out in
		*xpx-login-ok*) ;;
		*) fail "ssh login as $first failed: $out; sshd log: $(tail -n 20 "$SSHD_LOG")";;
		esac
	fi
	say "sshd pid $SSHD_PID on 127.0.0.1:$SSHD_PORT for $users"
}

sshd_log_mark() { wc -l <"$SSHD_LOG"; }

sshd_log_since() { tail -n +"$(($1 + 1))" "$SSHD_LOG"; }

sshd_reload() {
	local line mark
	for line in "$@"; do
		printf '%s\n' "$line" >>"$SSHD_CONFIG"
	done
	"$SSHD_BIN" -t -f "$SSHD_CONFIG" 2>"$SSHD_DIR/config-test.err" ||
	    fail "sshd rejects its config: $(cat "$SSHD_DIR/config-test.err")"
	mark=$(sshd_log_mark)
	kill -HUP "$SSHD_PID" || fail "sshd $SSHD_PID is gone"
	_sshd_listening "$((mark + 1))" ||
	    fail "sshd did not come back after SIGHUP: $(sshd_log_since "$mark")"
}

# sshd_install_key USER: (re)write USER's ~/.ssh/authorized_keys with the
# client key $SSH_KEY, prefixed with $SSHD_KEY_OPTIONS when set: after
# sshd_start, gives one user key options (command=, restrict) the others
# do not have.
sshd_install_key() { _sshd_install_key "$1"; }
