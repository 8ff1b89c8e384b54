#!/usr/bin/python3
"""procwatch.py - watch one process from outside until it is gone, and
report what security.md §6.4 R14 asks of every run.

    procwatch.py PID EXE [INTERVAL_MS]

Waits (up to 5 s) until /proc/PID/exe is EXE (the launcher chain such as
setpriv and env execs into it), then samples every INTERVAL_MS (default
20) until PID exits or turns zombie.  Prints one line on stdout:

    samples=N threads_max=T children_max=C fds_max=F anon_max_kb=A
    rss_max_kb=K exe_changed=0|1 fd_kinds=pipe,socket,...

anon_max_kb is the peak of the process's own anonymous memory: the
Anonymous pages of /proc/PID/smaps, less those in AddressSanitizer's
shadow range (memory the sanitizer maps beside the program, not memory
the program uses), over the samples taken before its exit began.  A
relay has no child; only an ASan build's LeakSanitizer makes one, at
exit: a tracer that shares the process's memory and stops it while it
scans, growing its anonymous memory from ~3 to 11-15 MiB (seen
2026-12-05 on kernel 6.18, sampling every millisecond), which stays
until the process is gone.  That is the sanitizer's, not the relay's.
So a sample counts only if no child was seen before or after its smaps
read, or ever before it, and only once the next sample shows the
process still there without a child: the last one before it is gone
may be in that exit.  children_max still counts the tracer.  rss_max_kb (VmHWM) adds
file-backed pages (shared library text) and the shadow; it is reported,
not a measure of the relay.

exe_changed=1 means PID ran some other program after EXE (an exec).
fd_kinds lists the kinds of descriptor ever seen (pipe, socket, null,
tty, file, anon).  Exit 0, or 2 if PID never became EXE.
"""
import os, sys, time

def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None

def exe_of(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None

def gone(pid):
    st = read("/proc/%d/stat" % pid)
    return st is None or st.rsplit(")", 1)[1].split()[0] in ("Z", "X")

def kind(target):
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("socket:"):
        return "socket"
    if target.startswith("anon_inode:"):
        return "anon"
    if target == "/dev/null":
        return "null"
    if target.startswith("/dev/pts/") or target.startswith("/dev/tty"):
        return "tty"
    return "file"

# AddressSanitizer's shadow memory on x86_64: [0x7fff8000, 0x10007fff8000)
# (compiler-rt asan_mapping.h, the default 64-bit Linux mapping).
ASAN_SHADOW = (0x7fff8000, 0x10007fff8000)

def own_anon_kb(pid):
    """Anonymous kB of PID outside ASAN_SHADOW, or None once it is gone."""
    smaps = read("/proc/%d/smaps" % pid)
    if smaps is None:
        return None
    total, shadow = 0, False
    for line in smaps.splitlines():
        head = line.split(None, 1)[0]
        if not head.endswith(":"):
            start, end = (int(x, 16) for x in head.split("-"))
            shadow = start >= ASAN_SHADOW[0] and end <= ASAN_SHADOW[1]
        elif head == "Anonymous:" and not shadow:
            total += int(line.split()[1])
    return total

def children(pid):
    n = 0
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0
    for t in tasks:
        c = read("/proc/%d/task/%s/children" % (pid, t))
        if c:
            n += len(c.split())
    return n

def main():
    pid, exe = int(sys.argv[1]), os.path.realpath(sys.argv[2])
    interval = (int(sys.argv[3]) if len(sys.argv) > 3 else 20) / 1000.0
    deadline = time.monotonic() + 5
    while exe_of(pid) != exe:
        if gone(pid) or time.monotonic() > deadline:
            print("samples=0 never became %s" % exe)
            return 2
        time.sleep(0.002)
    r = dict(samples=0, threads_max=0, children_max=0, fds_max=0,
             anon_max_kb=0, rss_max_kb=0, exe_changed=0)
    kinds = set()
    pending, exiting = None, False
    while not gone(pid):
        status = read("/proc/%d/status" % pid)
        if status is None:
            break
        cur = exe_of(pid)
        if cur is not None and cur != exe:
            r["exe_changed"] = 1
        for line in status.splitlines():
            k, _, v = line.partition(":")
            if k == "Threads":
                r["threads_max"] = max(r["threads_max"], int(v))
            elif k == "VmHWM":
                r["rss_max_kb"] = max(r["rss_max_kb"], int(v.split()[0]))
        kids = children(pid)
        anon = own_anon_kb(pid)
        kids = max(kids, children(pid))
        r["children_max"] = max(r["children_max"], kids)
        exiting = exiting or kids > 0
        if exiting or anon is None:
            pending = None
        else:
            if pending is not None:
                r["anon_max_kb"] = max(r["anon_max_kb"], pending)
            pending = anon
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            fds = []
        r["fds_max"] = max(r["fds_max"], len(fds))
        for fd in fds:
            try:
                kinds.add(kind(os.readlink("/proc/%d/fd/%s" % (pid, fd))))
            except OSError:
                pass
        r["samples"] += 1
        time.sleep(interval)
    print(" ".join("%s=%d" % kv for kv in r.items()) +
          " fd_kinds=" + ",".join(sorted(kinds)))
    return 0

if __name__ == "__main__":
    sys.exit(main())
