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
--socket @NAME listens on the abstract socket NAME (as xpra 6 binds
@xpra/<display>): no file, no mode bits.
--delay S waits S seconds after each accept before the mode starts.
Writes its PID to --pidfile once listening.  Exits after the last connection.

--concurrent serves each accepted connection in its own thread instead of
one after the other (raising its RLIMIT_NOFILE soft limit to the hard one),
and with --accept 0 accepts until killed.  With it:
  --stats FILE  after every accept and every close, atomically rewrites
                FILE with "accepted=A open=O peak=P closed=C errors=E
                peak_at=S" (S: seconds from listening to the first time
                the peak was reached)
  --hold N      in echo mode, a connection whose client sent EOF is held
                open (not closed) until N connections have been accepted,
                at most --hold-timeout seconds (default 60): with N the
                number of clients, all of them are then open at once
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

class Stats:
    """Counts of a --concurrent server, written to --stats on each change."""
    def __init__(self, path):
        self.path, self.t0 = path, time.monotonic()
        self.cv = threading.Condition()
        self.accepted = self.open = self.peak = self.closed = self.errors = 0
        self.peak_at = 0.0

    def _write(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("accepted=%d open=%d peak=%d closed=%d errors=%d "
                    "peak_at=%.3f\n" % (self.accepted, self.open, self.peak,
                                        self.closed, self.errors,
                                        self.peak_at))
        os.rename(tmp, self.path)

    def opened(self):
        with self.cv:
            self.accepted += 1
            self.open += 1
            if self.open > self.peak:
                self.peak = self.open
                self.peak_at = time.monotonic() - self.t0
            self._write()
            self.cv.notify_all()

    def done(self, error):
        with self.cv:
            self.open -= 1
            self.closed += 1
            self.errors += bool(error)
            self._write()

    def hold(self, n, timeout):
        with self.cv:
            self.cv.wait_for(lambda: self.accepted >= n, timeout)

def serve(conn, a, stats=None):
    if a.mode == "echo":
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            conn.sendall(b)
        if stats and a.hold:
            stats.hold(a.hold, a.hold_timeout)
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
    p.add_argument("--concurrent", action="store_true")
    p.add_argument("--stats")
    p.add_argument("--hold", type=int, default=0)
    p.add_argument("--hold-timeout", type=float, default=60)
    a = p.parse_args()
    if a.concurrent:
        return main_concurrent(a)
    s = listen_on(a)
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
    stop_listening(s, a)

def listen_on(a):
    """A listening socket on --socket (@NAME: abstract)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if a.socket.startswith("@"):
        s.bind("\0" + a.socket[1:])
    else:
        s.bind(a.socket)
        os.chmod(a.socket, a.mode_bits)
    s.listen(a.backlog)
    return s

def stop_listening(s, a):
    s.close()
    if not a.socket.startswith("@"):
        os.unlink(a.socket)

def concurrent_conn(conn, a, stats):
    error = False
    try:
        time.sleep(a.delay)
        serve(conn, a, stats)
    except Exception as e:
        error = True
        print("fakeserver: connection %d: %r" % (conn.fileno(), e),
              file=sys.stderr)
        conn.close()
    stats.done(error)

def main_concurrent(a):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    threading.stack_size(256 << 10)
    s = listen_on(a)
    stats = Stats(a.stats)
    stats._write()
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    threads, n = [], 0
    while a.accept == 0 or n < a.accept:
        conn, _ = s.accept()
        n += 1
        stats.opened()
        t = threading.Thread(target=concurrent_conn, args=(conn, a, stats),
                             daemon=True)
        t.start()
        threads = [x for x in threads if x.is_alive()] + [t]
    stop_listening(s, a)
    for t in threads:
        t.join()
    return 1 if stats.errors else 0

if __name__ == "__main__":
    sys.exit(main())
