#!/usr/bin/python3
"""fakeserver.py - a scriptable stand-in for an xpra server's unix socket.

Listens on --socket, accepts --accept connections (default 1) one after the
other and, per connection, in --mode:
  echo     send back everything received; close after the client's EOF
  exchange send --send bytes (deterministic, from --seed) while reading all
           input; then write "<in-count> <in-sha256> <out-sha256>" to --report
  silent   accept and read, never send; close on the client's EOF
  close    send --send bytes then close at once (no reading)
  halfclose send --send bytes, shutdown(SHUT_WR), then read until EOF
  reset    send --send bytes, wait for the client's first bytes, then close
           leaving them unread (the peer sees ECONNRESET)
  kill     send --send bytes, then SIGKILL itself (no close, no unlink)
  stall    send --send bytes, then neither read nor close until killed
  noaccept listen and never accept (--backlog 0 fills the queue at once)
--delay S waits S seconds after each accept before the mode starts.
Writes its PID to --pidfile once listening.  Exits after the last connection.
"""
import argparse, hashlib, os, random, signal, socket, sys, threading, time

def stream(seed, n):
    rng = random.Random(seed)
    while n > 0:
        k = min(n, 1 << 16)
        yield rng.randbytes(k)
        n -= k

def sender(conn, seed, n, h):
    try:
        for chunk in stream(seed, n):
            h.update(chunk)
            conn.sendall(chunk)
    except OSError:
        pass

def serve(conn, a):
    if a.mode == "echo":
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            conn.sendall(b)
    elif a.mode == "exchange":
        hout = hashlib.sha256()
        t = threading.Thread(target=sender, args=(conn, a.seed, a.send, hout))
        t.start()
        hin, count = hashlib.sha256(), 0
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            hin.update(b); count += len(b)
        t.join()
        if a.report:
            with open(a.report + ".tmp", "w") as f:
                f.write("%d %s %s\n" % (count, hin.hexdigest(), hout.hexdigest()))
            os.rename(a.report + ".tmp", a.report)
    elif a.mode == "silent":
        while conn.recv(1 << 16):
            pass
    elif a.mode == "close":
        for chunk in stream(a.seed, a.send):
            conn.sendall(chunk)
    elif a.mode == "reset":
        for chunk in stream(a.seed, a.send):
            conn.sendall(chunk)
        conn.recv(1, socket.MSG_PEEK)
    elif a.mode == "kill":
        for chunk in stream(a.seed, a.send):
            conn.sendall(chunk)
        os.kill(os.getpid(), signal.SIGKILL)
    elif a.mode == "stall":
        for chunk in stream(a.seed, a.send):
            conn.sendall(chunk)
        while True:
            signal.pause()
    elif a.mode == "halfclose":
        for chunk in stream(a.seed, a.send):
            conn.sendall(chunk)
        conn.shutdown(socket.SHUT_WR)
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
    conn.close()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--mode", default="echo")
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--report")
    p.add_argument("--pidfile")
    p.add_argument("--accept", type=int, default=1)
    p.add_argument("--backlog", type=int, default=8)
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--mode-bits", type=lambda s: int(s, 8), default=0o600)
    a = p.parse_args()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(a.socket)
    os.chmod(a.socket, a.mode_bits)
    s.listen(a.backlog)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    if a.mode == "noaccept":
        while True:
            signal.pause()
    for _ in range(a.accept):
        conn, _ = s.accept()
        time.sleep(a.delay)
        serve(conn, a)
    s.close()
    os.unlink(a.socket)

if __name__ == "__main__":
    sys.exit(main())
