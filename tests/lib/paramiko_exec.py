#!/usr/bin/python3
"""paramiko_exec.py - replay what xpra's paramiko backend does over ONE ssh
transport: each --probe on its own exec channel, polled for its exit status
with the clients' 10 s limit (xpra 3.1 paramiko_run_remote_xpra, 4.4+
run_test_command), then optionally the --final command on a channel with
xpra's window size, fed --in and copied to --out until EOF.

  paramiko_exec.py --port P --user U --key KEY --known-hosts FILE
                   [--host 127.0.0.1] [--probe CMD]...
                   [--final CMD --in FILE --out FILE] [--report FILE]

The host key must be in FILE (as [host]:port): unknown keys are rejected.
In --final, "{last}" is replaced by the last non-empty line of the previous
probe's stdout (what 4.4-6.3 take as the path of xpra).
Writes one JSON object per channel to --report (default stdout), in order:
  {"cmd", "status" (null on timeout), "stdout", "stderr", "secs",
   "timeout" (bool)}; the final one has "stdout_bytes" instead of stdout.
Exit status: 0 when every channel ran (whatever their statuses), 2 when
the connection or authentication failed, 3 when a probe timed out (the
clients give up there), 4 when the final command did not finish in 60 s.
"""
import argparse, json, sys, threading, time

import paramiko

PROBE_LIMIT = 10
WINDOW_SIZE = 2 ** 27 - 1      # xpra's XPRA_SSH_WINDOW_SIZE default


def drain(chan, limit):
    """stdout and stderr of a finished channel, until EOF or limit s."""
    out, err = b"", b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        moved = False
        if chan.recv_ready():
            out += chan.recv(65536)
            moved = True
        if chan.recv_stderr_ready():
            err += chan.recv_stderr(65536)
            moved = True
        if not moved:
            if chan.eof_received and not chan.recv_stderr_ready():
                break
            time.sleep(0.01)
    return out, err


def probe(transport, cmd):
    chan = transport.open_session(window_size=None, max_packet_size=0,
                                  timeout=60)
    t0 = time.monotonic()
    chan.exec_command(cmd)
    timed_out = False
    while not chan.exit_status_ready():
        if time.monotonic() - t0 > PROBE_LIMIT:
            timed_out = True
            break
        time.sleep(0.01)
    secs = time.monotonic() - t0
    status = None if timed_out else chan.recv_exit_status()
    out, err = (b"", b"") if timed_out else drain(chan, 2)
    chan.close()
    return {"cmd": cmd, "status": status, "secs": round(secs, 3),
            "stdout": out.decode(errors="replace"),
            "stderr": err.decode(errors="replace"), "timeout": timed_out}


def final(transport, cmd, infile, outfile):
    chan = transport.open_session(window_size=WINDOW_SIZE,
                                  max_packet_size=0, timeout=60)
    t0 = time.monotonic()
    chan.exec_command(cmd)
    err = []

    def feed():
        try:
            with open(infile, "rb") as f:
                for b in iter(lambda: f.read(65536), b""):
                    chan.sendall(b)
            chan.shutdown_write()
        except (OSError, EOFError, paramiko.SSHException):
            pass

    def errs():
        while True:
            b = chan.recv_stderr(65536)
            if not b:
                break
            err.append(b)

    threads = [threading.Thread(target=feed, daemon=True),
               threading.Thread(target=errs, daemon=True)]
    for t in threads:
        t.start()
    chan.settimeout(60)
    n = 0
    timed_out = False
    with open(outfile, "wb") as f:
        while True:
            try:
                b = chan.recv(65536)
            except OSError:         # socket.timeout
                timed_out = True
                break
            if not b:
                break
            f.write(b)
            n += len(b)
    status = None
    if not timed_out:
        end = time.monotonic() + 30
        while not chan.exit_status_ready() and time.monotonic() < end:
            time.sleep(0.01)
        if chan.exit_status_ready():
            status = chan.recv_exit_status()
        else:
            timed_out = True
    for t in threads:
        t.join(5)
    chan.close()
    return {"cmd": cmd, "status": status,
            "secs": round(time.monotonic() - t0, 3), "stdout_bytes": n,
            "stderr": b"".join(err).decode(errors="replace"),
            "timeout": timed_out}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--known-hosts", required=True)
    p.add_argument("--probe", action="append", default=[])
    p.add_argument("--final")
    p.add_argument("--in", dest="infile")
    p.add_argument("--out")
    p.add_argument("--report")
    a = p.parse_args()
    rep = open(a.report, "w") if a.report else sys.stdout

    client = paramiko.SSHClient()
    client.load_host_keys(a.known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(a.host, a.port, username=a.user, key_filename=a.key,
                       look_for_keys=False, allow_agent=False, timeout=20,
                       auth_timeout=20, banner_timeout=20)
    except Exception as e:      # any failure to connect or authenticate
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}),
              file=rep, flush=True)
        return 2
    transport = client.get_transport()
    last = ""
    rc = 0
    try:
        for cmd in a.probe:
            r = probe(transport, cmd)
            print(json.dumps(r), file=rep, flush=True)
            if r["timeout"]:
                return 3
            lines = [x for x in r["stdout"].splitlines() if x.strip()]
            last = lines[-1] if lines else ""
        if a.final:
            r = final(transport, a.final.replace("{last}", last),
                      a.infile, a.out)
            print(json.dumps(r), file=rep, flush=True)
            if r["timeout"]:
                rc = 4
    finally:
        client.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
