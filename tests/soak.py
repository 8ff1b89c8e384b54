#!/usr/bin/python3
"""soak.py - `make soak`: mixed bulk and interactive traffic through
xpra-proxy for a while, with each relay's memory and descriptors sampled.

    soak.py --proxy BIN --fakeserver PY [--seconds S] [--bulk N]
            [--interactive N] [--bulk-bytes B]

One fakeserver.py (echo, a thread per connection) on a private socket
directory; --bulk sessions that each send --bulk-bytes of random data and
check the echo byte for byte, and --interactive sessions of 64-byte
ping-pongs every 20 ms for 10 s; every session that ends is replaced until
--seconds have passed.  Once a second, VmRSS and the descriptor count of
every live relay are sampled.  Prints a table; exits 1 on any byte
mismatch, a relay exiting non-zero, or RSS or descriptors growing (the
last quarter's peak above the first quarter's by more than 256 KiB, or
by any descriptor).
"""
import argparse, hashlib, itertools, os, random, socket, subprocess, sys
import tempfile
import threading, time

lock = threading.Lock()
stats = dict(sessions=0, bulk=0, interactive=0, bytes=0, errors=0)
samples = []			# (t, rss_kb, fds) per live relay per second
live = {}			# pid -> Popen

def note(k, n=1):
    with lock:
        stats[k] += n

def relay(a, sock_dir):
    p = subprocess.Popen([a.proxy, "--socket-dir=" + sock_dir, ":99"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    with lock:
        live[p.pid] = p
    return p

def finish(p, label):
    rc = p.wait()
    err = p.stderr.read()
    with lock:
        live.pop(p.pid, None)
    if rc != 0:
        print("soak: %s relay exited %d: %r" % (label, rc, err[:200]),
              file=sys.stderr)
        note("errors")

def bulk(a, sock_dir, seed):
    p = relay(a, sock_dir)
    rng, h_in = random.Random(seed), hashlib.sha256()

    def feed():
        left = a.bulk_bytes
        try:
            while left > 0:
                b = rng.randbytes(min(left, 1 << 16))
                h_in.update(b)
                p.stdin.write(b)
                left -= len(b)
            p.stdin.close()
        except OSError:
            pass
    t = threading.Thread(target=feed)
    t.start()
    h_out, n = hashlib.sha256(), 0
    while True:
        b = p.stdout.read(1 << 16)
        if not b:
            break
        h_out.update(b)
        n += len(b)
    t.join()
    finish(p, "bulk")
    if n != a.bulk_bytes or h_in.digest() != h_out.digest():
        print("soak: bulk session %d: %d of %d bytes, digest %s" % (
            seed, n, a.bulk_bytes, "differs" if n == a.bulk_bytes else "-"),
            file=sys.stderr)
        note("errors")
    note("bulk"); note("sessions"); note("bytes", 2 * n)

def interactive(a, sock_dir, seed):
    p = relay(a, sock_dir)
    rng, end, moved = random.Random(seed), time.monotonic() + 10, 0
    while time.monotonic() < end:
        msg = rng.randbytes(64)
        p.stdin.write(msg)
        p.stdin.flush()
        got = b""
        while len(got) < 64:
            b = os.read(p.stdout.fileno(), 64 - len(got))
            if not b:
                break
            got += b
        if got != msg:
            print("soak: interactive session %d: wrong echo" % seed,
                  file=sys.stderr)
            note("errors")
            break
        moved += 128
        time.sleep(0.02)
    p.stdin.close()
    p.stdout.read()
    finish(p, "interactive")
    note("interactive"); note("sessions"); note("bytes", moved)

def sampler(start, stop):
    while not stop.is_set():
        with lock:
            pids = list(live)
        t = time.monotonic() - start
        for pid in pids:
            try:
                with open("/proc/%d/status" % pid) as f:
                    rss = int(next(l for l in f if l.startswith("VmRSS:"))
                              .split()[1])
                fds = len(os.listdir("/proc/%d/fd" % pid))
            except (OSError, StopIteration, ValueError):
                continue
            samples.append((t, rss, fds))
        stop.wait(1)

def worker(kind, a, sock_dir, deadline, seeds):
    while time.monotonic() < deadline:
        kind(a, sock_dir, next(seeds))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--fakeserver", required=True)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--bulk", type=int, default=2)
    ap.add_argument("--interactive", type=int, default=6)
    ap.add_argument("--bulk-bytes", type=int, default=64 << 20)
    a = ap.parse_args()
    sock_dir = tempfile.mkdtemp(prefix="xpx-soak.")
    sock = os.path.join(sock_dir, socket.gethostname() + "-99")
    srv = subprocess.Popen([sys.executable, a.fakeserver, "--socket", sock,
                            "--mode", "echo", "--concurrent",
                            "--accept", "1000000", "--backlog", "64"])
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        start = time.monotonic()
        deadline = start + a.seconds
        seeds = itertools.count(1)	# next() on it is atomic
        stop = threading.Event()
        smp = threading.Thread(target=sampler, args=(start, stop))
        smp.start()
        ws = [threading.Thread(target=worker, args=(bulk, a, sock_dir,
                                                    deadline, seeds))
              for _ in range(a.bulk)]
        ws += [threading.Thread(target=worker, args=(interactive, a,
                                                     sock_dir, deadline,
                                                     seeds))
               for _ in range(a.interactive)]
        for w in ws:
            w.start()
        for w in ws:
            w.join()
        stop.set()
        smp.join()
        elapsed = time.monotonic() - start
    finally:
        srv.kill()
        srv.wait()
        for f in os.listdir(sock_dir):
            os.unlink(os.path.join(sock_dir, f))
        os.rmdir(sock_dir)
    q = elapsed / 4
    first = [s for s in samples if s[0] < q] or samples
    last = [s for s in samples if s[0] >= elapsed - q] or samples
    peak = lambda ss, i: max((s[i] for s in ss), default=0)
    rss_grew = peak(last, 1) > peak(first, 1) + 256
    fds_grew = peak(last, 2) > peak(first, 2)
    print("| measure | value |\n|---|---|")
    for k, v in (("seconds", "%.0f" % elapsed),
                 ("sessions (bulk / interactive)", "%d (%d / %d)" % (
                     stats["sessions"], stats["bulk"], stats["interactive"])),
                 ("bytes relayed", "%d" % stats["bytes"]),
                 ("errors", "%d" % stats["errors"]),
                 ("samples", "%d" % len(samples)),
                 ("max RSS of a relay, KiB", "%d" % peak(samples, 1)),
                 ("max descriptors of a relay", "%d" % peak(samples, 2)),
                 ("peak RSS first / last quarter, KiB", "%d / %d" % (
                     peak(first, 1), peak(last, 1))),
                 ("peak descriptors first / last quarter", "%d / %d" % (
                     peak(first, 2), peak(last, 2))),
                 ("flat", "no" if rss_grew or fds_grew else "yes")):
        print("| %s | %s |" % (k, v))
    return 1 if stats["errors"] or rss_grew or fds_grew else 0

if __name__ == "__main__":
    sys.exit(main())
