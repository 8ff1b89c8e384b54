#!/usr/bin/python3
"""journalsink.py - stand in for journald: bind a datagram socket where
libsystemd sends (/run/systemd/journal/socket, to be run in a private mount
namespace with a tmpfs on /run), decode native-protocol records and append
them as JSON lines to OUT.  Writes READY once bound; exits on SIGTERM.
"""
import json, os, signal, socket, struct, sys

def decode(data):
    rec, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:  # binary form: NAME\n<le64 length><value>\n
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        rec[k.decode()] = v.decode(errors="replace")
    return rec

def main():
    path, out, ready = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    open(ready, "w").close()
    with open(out, "a") as f:
        while True:
            data = s.recv(1 << 20)
            f.write(json.dumps(decode(data)) + "\n")
            f.flush()

main()
