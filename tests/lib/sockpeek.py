#!/usr/bin/python3
"""sockpeek.py - one client connection, to see what a server does with it.

  sockpeek.py ADDRESS [DATA]

ADDRESS is a unix socket path (contains a '/'; @NAME: the abstract socket
NAME) or HOST:PORT (TCP).
Connects (5 s), sends DATA when given, shuts down writing, and copies
everything received until EOF (10 s without data: give up) to stdout.
Exit status 0 when the connection ran to EOF, 1 (reason on stderr) when
connecting, sending or reading failed.
"""
import socket, sys

def main():
    addr = sys.argv[1]
    data = sys.argv[2].encode() if len(sys.argv) > 2 else b""
    try:
        if "/" in addr:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect("\0" + addr[1:] if addr.startswith("@") else addr)
        else:
            host, port = addr.rsplit(":", 1)
            s = socket.create_connection((host, int(port)), 5)
        s.settimeout(10)
        if data:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            sys.stdout.buffer.write(b)
    except OSError as e:
        print("sockpeek %s: %s" % (addr, e), file=sys.stderr)
        return 1
    return 0

sys.exit(main())
