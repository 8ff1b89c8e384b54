#!/usr/bin/python3
"""bench.py - `make bench`: xpra-proxy against its peers, SPEC section 8.

Drives tests/bench/build/xpb (the C load generator and measurer, one
measurement per call, one JSON line back) over several rounds, the peers
interleaved and their order rotated every round so that machine noise hits
all alike, and takes medians.  Then the end-to-end part (e2e.sh, through
a real sshd: bulk against sshd's own streamlocal forwarding, first byte
against `ssh true`, real xpra clients), reported first.  Writes
results/<UTC time>/ (results.md, raw.jsonl, e2e.log, *.dat, chart.gp,
chart.png) and points results/latest at it.  Never asserts a timing: it
reports, with the targets (SPEC section 8, issue 13) beside.

Usage: bench.py --xpb PATH --proxy PATH [--proxy-static PATH]
       [--baseline PATH] [--reference PATH] --top DIR [--quick]
       [--report DIR]
--report: write DIR's results.md and chart again from its res.json,
measuring nothing (after a change to the report itself).
--reference: tests/bench/refrelay, the least a splice relay can do,
measured as one more peer; xpra-proxy is compared with it round by round.
--proxy-static: a STATIC=1 build, measured as one more peer.
--baseline: an earlier build of xpra-proxy (make bench BASELINE=REV),
measured as one more peer, so that a change is compared in one run.
Environment: QUICK=1 is --quick; BENCH_ROUNDS, BENCH_BYTES override.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import pwd
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GIB = 1 << 30
MIB = 1 << 20

# SPEC section 8
TARGET_RATIO = 0.9
TARGET_CPU = 0.12       # relay s/GiB
TARGET_START_MS = 1.5
TARGET_RSS_KIB = 1024

DIRS = [("up", "c→s"), ("down", "s→c"), ("both", "both")]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Peer:
    def __init__(self, name, argv, linger=False, need=None):
        self.name = name
        self.argv = argv
        self.linger = linger
        self.need = need or argv[0]
        self.missing = None

    @property
    def direct(self):
        return self.argv == ["direct"]

    def opts(self):
        return ["-l"] if self.linger else []


LIMIT = "streamlocal"               # sshd's own forwarding, end to end
E2E_LABEL = {
    "streamlocal": "streamlocal: `ssh -N -L LOCAL:SOCKET`",
    "xpra-proxy": "`xpra-proxy :N`",
    "xpra _proxy 3.1.3": "`xpra _proxy :N`, 3.1.3",
    "xpra _proxy 6.5.3": "`xpra _proxy :N`, 6.5.3",
    "socat": "`socat STDIO UNIX-CONNECT:SOCKET`",
    "ssh true": "`true` (no relay)",
}
DENSITY_MAX = 1000                  # idle sessions, the most run_density runs
DISCOVERY_N = 159                   # the display run_discovery looks for
STATIC = "xpra-proxy STATIC=1"     # the opt-in static-pie build
REFERENCE = "reference relay"       # tests/bench/refrelay.c
BASELINE = "xpra-proxy baseline"    # an earlier build, for a change's effect
OURS = ("xpra-proxy", STATIC)


def make_peers(proxy, proxy_static, baseline, reference):
    peers = [
        Peer("no relay", ["direct"], need="-"),
        Peer("xpra-proxy", [proxy, "@SOCK@"]),
    ]
    if reference:
        peers.append(Peer(REFERENCE, [reference, "@SOCK@"]))
    if proxy_static:
        peers.append(Peer(STATIC, [proxy_static, "@SOCK@"]))
    if baseline:
        peers.append(Peer(BASELINE, [baseline, "@SOCK@"]))
    peers += [
        Peer("socat", ["/usr/bin/socat", "STDIO", "UNIX-CONNECT:@SOCK@"]),
        Peer("nc -N -U", ["/bin/nc.openbsd", "-N", "-U", "@SOCK@"]),
        Peer("xpra _proxy", ["/usr/bin/xpra", "_proxy", "socket://@SOCK@"],
             linger=True),
    ]
    pkg = {"/usr/bin/socat": "socat", "/bin/nc.openbsd": "netcat-openbsd",
           "/usr/bin/xpra": "xpra"}
    for p in peers:
        if p.need != "-" and not os.access(p.need, os.X_OK):
            p.missing = "not installed (apt-get install -y %s)" % \
                pkg.get(p.need, p.need)
    return peers


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.xpb = args.xpb
        self.top = args.top
        self.peers = make_peers(args.proxy, args.proxy_static,
                                args.baseline, args.reference)
        self.proxy = args.proxy
        self.rounds = int(os.environ.get("BENCH_ROUNDS",
                                         1 if self.quick else 5))
        self.bytes = int(os.environ.get("BENCH_BYTES",
                                        256 * MIB if self.quick else GIB))
        self.start_n = 20 if self.quick else 60
        self.start_batch = 10
        self.ping_n = 2000 if self.quick else 10000
        self.ping_rounds = 1 if self.quick else 3
        self.idle_n = 100
        self.idle_n_xpra = 10
        self.e2e_rounds = 1 if self.quick else 3
        self.e2e_bytes = 128 * MIB if self.quick else 512 * MIB
        self.e2e_ciphers = "default aes128-gcm@openssh.com"
        self.notes = []
        self.res = {}
        if args.report:		# write an earlier run's report again
            self.out = os.path.realpath(args.report)
            with open(os.path.join(self.out, "res.json")) as fh:
                saved = json.load(fh)
            self.res = saved["res"]
            for k, v in saved["sizes"].items():
                setattr(self, k, v)
            return
        stamp = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%SZ")
        self.out = os.path.join(args.results, stamp)
        os.makedirs(self.out, exist_ok=True)
        self.raw = open(os.path.join(self.out, "raw.jsonl"), "w")
        self.errlog = os.path.join(self.out, "peers-stderr.log")

    SIZES = ("rounds", "bytes", "start_n", "ping_n", "ping_rounds",
             "idle_n_xpra", "e2e_rounds", "e2e_bytes")

    def save(self):
        """res.json: what --report needs to write the report again."""
        self.res["machine"] = self.machine_info()
        with open(os.path.join(self.out, "res.json"), "w") as fh:
            json.dump({"res": self.res, "sizes": {
                k: getattr(self, k) for k in self.SIZES}}, fh)

    # ---- running xpb -----------------------------------------------------

    def xpb_run(self, sub, opts, peer, prefix=(), timeout=600, tag=None,
                xpb=None):
        cmd = list(prefix) + [xpb or self.xpb, sub, "-L", self.errlog] + \
            list(opts) + peer.opts() + ["--"] + peer.argv
        t0 = time.monotonic()
        try:
            cp = subprocess.run(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=timeout,
                                stdin=subprocess.DEVNULL, text=True)
            out = cp.stdout.strip().splitlines()
            r = json.loads(out[-1]) if out else \
                {"error": "no output: " + cp.stderr.strip()[-300:]}
        except subprocess.TimeoutExpired:
            r = {"error": "timed out after %d s" % timeout}
        except ValueError as e:
            r = {"error": "bad output: %s" % e}
        r["peer"] = peer.name
        r["wall"] = round(time.monotonic() - t0, 3)
        if tag:
            r["tag"] = tag
        self.raw.write(json.dumps(r) + "\n")
        self.raw.flush()
        if "error" in r:
            log("%s %s %s: %s" % (sub, peer.name, tag or "", r["error"]))
        return r

    def live_peers(self):
        return [p for p in self.peers if not p.missing]

    @staticmethod
    def rotate(seq, r):
        r %= len(seq)
        return seq[r:] + seq[:r]

    # ---- measurements ----------------------------------------------------

    def run_tput(self):
        peers = self.live_peers()
        t = {p.name: {d: [] for d, _ in DIRS} for p in peers}
        for r in range(self.rounds):
            log("throughput round %d/%d (%d MiB per direction)" %
                (r + 1, self.rounds, self.bytes // MIB))
            for d, _ in DIRS:
                for p in self.rotate(peers, r):
                    x = self.xpb_run("tput", ["-d", d, "-b", str(self.bytes),
                                              "-t", "300"], p, tag=d)
                    t[p.name][d].append(x)
        self.res["tput"] = t

    def run_start(self):
        peers = [p for p in self.live_peers() if not p.direct]
        s = {p.name: {"ns": [], "hwm": [], "alone": 0, "n": 0, "err": None}
             for p in peers}
        floor, vfloor = [], []
        batches = self.start_n // self.start_batch
        log("start-up: %d x %d per peer, and the floor" %
            (batches, self.start_batch))
        fl = Peer("floor", [], need="-")
        vf = Peer("xpra-proxy --version", [self.proxy, "--version"],
                  need="-")
        for b in range(batches):
            x = self.xpb_run("floor", ["-n", str(self.start_batch)], fl)
            floor += x.get("ns", [])
            x = self.xpb_run("floor", ["-n", str(self.start_batch)], vf)
            vfloor += x.get("ns", [])
            for p in self.rotate(peers, b):
                x = self.xpb_run("start", ["-n", str(self.start_batch)], p)
                if "error" in x:
                    s[p.name]["err"] = x["error"]
                    continue
                s[p.name]["ns"] += x["ns"]
                s[p.name]["hwm"] += x["hwm_kib"]
                s[p.name]["alone"] += x["exited_alone"]
                s[p.name]["n"] += x["n"]
        self.res["start"] = s
        self.res["floor"] = floor
        self.res["vfloor"] = vfloor

    def run_discovery(self):
        """Start-up with the display to find: `xpra-proxy :N` (its
        configuration, passwd entry, socket directories and the
        listener table) against `xpra-proxy PATH` and the reference
        relay given the same path, as the bench user, the display
        server at ~/.xpra/HOSTNAME-N as xpra 3.1 and 6.x put it."""
        ug, who = self.bench_user()
        if ug is None or not self.args.reference:
            self.res["discovery"] = {"_error": "needs root and "
                                     "--reference"}
            return
        pw = pwd.getpwnam(who)
        xdir = os.path.join(pw.pw_dir, ".xpra")
        os.makedirs(xdir, exist_ok=True)
        os.chown(xdir, pw.pw_uid, pw.pw_gid)
        os.chmod(xdir, 0o700)
        sock = os.path.join(xdir, "%s-%d" % (platform.node(), DISCOVERY_N))
        # copies the user can run (the checkout may be under a 0700 home)
        bindir = tempfile.mkdtemp(prefix="xpx-bench-")
        os.chmod(bindir, 0o755)
        xpb, proxy, ref = (shutil.copy(f, bindir) for f in (
            self.xpb, self.proxy, self.args.reference))
        peers = [Peer("xpra-proxy :N", [proxy, ":%d" % DISCOVERY_N]),
                 Peer("xpra-proxy PATH", [proxy, sock]),
                 Peer(REFERENCE + " PATH", [ref, sock])]
        if self.args.proxy_static:
            static = os.path.join(bindir, "xpra-proxy-static")
            shutil.copy(self.args.proxy_static, static)
            peers.append(Peer(STATIC + " :N", [static, ":%d" %
                                                DISCOVERY_N]))
        prefix = ["setpriv", "--reuid=%d" % pw.pw_uid,
                  "--regid=%d" % pw.pw_gid, "--init-groups", "env", "-i",
                  "HOME=" + pw.pw_dir, "USER=" + who, "LOGNAME=" + who,
                  "PATH=/usr/bin:/bin"]
        d = {p.name: [] for p in peers}
        batches = self.start_n // self.start_batch
        log("start-up with display discovery: %d x %d per peer, as %s" %
            (batches, self.start_batch, who))
        for b in range(batches):
            for p in self.rotate(peers, b):
                x = self.xpb_run("start", ["-n", str(self.start_batch),
                                           "-S", sock], p, prefix=prefix,
                                 tag="discovery", xpb=xpb)
                d[p.name] += x.get("ns", [])
        shutil.rmtree(bindir, ignore_errors=True)
        self.res["discovery"] = d

    def write_discovery(self, w):
        d = self.res.get("discovery", {})
        if "_error" in d:
            w("Start-up with display discovery: not measured (%s)." %
              d["_error"])
            w("")
            return
        w("### Start-up with the display to find (display server at "
          "~/.xpra/HOSTNAME-%d, as the bench user)" % DISCOVERY_N)
        w("")
        w("| peer | median ms | p10 ms | p90 ms |")
        w("|---|---:|---:|---:|")
        for name, v in d.items():
            w("| %s | %s | %s | %s |" % (
                name, self.f(self.ms(self.med(v))),
                self.f(self.ms(self.pct(v, .1))),
                self.f(self.ms(self.pct(v, .9)))))
        w("")

    def run_ping(self):
        peers = self.live_peers()
        pg = {p.name: {"pinned": [], "free": [], "cpu": [], "err": None}
              for p in peers}
        for r in range(self.ping_rounds):
            log("ping-pong round %d/%d (%d x 64 B, pinned to CPU 0 and "
                "free)" % (r + 1, self.ping_rounds, self.ping_n))
            for p in self.rotate(peers, r):
                for mode in ("pinned", "free"):
                    pre = ["taskset", "-c", "0"] if mode == "pinned" else []
                    x = self.xpb_run("ping", ["-n", str(self.ping_n),
                                              "-s", "64"], p, prefix=pre,
                                     tag=mode)
                    if "error" in x:
                        pg[p.name]["err"] = x["error"]
                        continue
                    pg[p.name][mode] += x["ns"]
                    if mode == "pinned":
                        pg[p.name]["cpu"].append(x["relay_cpu_ns_per_rt"])
        self.res["ping"] = pg

    def bench_user(self):
        """uid:gid of the unprivileged user the idle sessions run as."""
        if os.geteuid() != 0:
            return None, "the invoking user (not root)"
        try:
            pw = pwd.getpwnam("xpxbench")
        except KeyError:
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", "xpxbench"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            try:
                pw = pwd.getpwnam("xpxbench")
            except KeyError:
                pw = pwd.getpwnam("nobody")
        return "%d:%d" % (pw.pw_uid, pw.pw_gid), pw.pw_name

    def run_idle(self):
        ug, who = self.bench_user()
        self.res["idle_user"] = who
        idle = {}
        for p in self.live_peers():
            if p.direct:
                continue
            n = self.idle_n_xpra if p.name == "xpra _proxy" else self.idle_n
            # xpra-proxy shrinks its pipes after 2-4 s of quiet
            settle = 5000 if p.name in OURS + (BASELINE,) else 1000
            log("idle: %d sessions of %s, 4 MiB burst each, then %.0f s "
                "quiet" % (n, p.name, settle / 1000))
            opts = ["-n", str(n), "-B", "4M", "-w", str(settle)]
            if ug:
                opts += ["-u", ug]
            idle[p.name] = self.xpb_run("idle", opts, p, timeout=300)
        self.res["idle"] = idle

    def run_density(self):
        """Idle xpra-proxy sessions of one user at 1 and DENSITY_MAX (100
        is run_idle's): memory per relay and the user's pipe budget."""
        ug, _ = self.bench_user()
        p = next((p for p in self.live_peers() if p.name == "xpra-proxy"),
                 None)
        dens = {}
        for n in (1, DENSITY_MAX):
            log("density: %d idle xpra-proxy sessions, 4 MiB burst each, "
                "then 5 s quiet" % n)
            opts = ["-n", str(n), "-B", "4M", "-w", "5000"]
            if ug:
                opts += ["-u", ug]
            dens[str(n)] = self.xpb_run("idle", opts, p, timeout=600)
        dens[str(self.idle_n)] = self.res["idle"].get("xpra-proxy", {})
        self.res["density"] = dens

    def write_density(self, w):
        dens = self.res.get("density", {})
        rows = sorted((int(n), x) for n, x in dens.items()
                      if x and "error" not in x)
        if not rows:
            return
        soft = rows[0][1]["user_pages_soft"]
        w("### Memory per idle xpra-proxy session, and the pipe budget")
        w("")
        w("| idle sessions | PSS per relay | RSS per relay | pipe pages "
          "per session, settled | stdio pipes left short (over the soft "
          "limit) | a new pipe grows to 1 MiB, settled |")
        w("|---:|---:|---:|---:|---:|---|")
        for n, x in rows:
            st = x["settled"]
            w("| %d | %.0f KiB | %.0f KiB | %.1f | %d | %s |" % (
                n, st["pss_kib"] / n, st["rss_kib"] / n,
                (st["stdio_pages"] + st["own_pages"]) / n,
                x.get("short_stdio_pipes", 0),
                "yes" if x["grows_settled"] else "**no**"))
        w("")
        w("pipe-user-pages-soft is %d pages here.  A session under sshd "
          "holds three pipes (stdin, stdout, stderr) of %d pages each at "
          "rest: from session %d on, a user's new pipes get one or two "
          "pages, and none can grow for bulk data; right after a burst, "
          "before the 2 s shrink, a relay holds up to 512 pages of them." %
          (soft, 16, soft // 48 + 1))
        w("")

    def run_e2e(self):
        log("end to end through a real sshd: bulk (%d round(s) of %d MiB "
            "each way, ciphers %s), first byte, xpra version/info" %
            (self.e2e_rounds, self.e2e_bytes // MIB, self.e2e_ciphers))
        env = dict(os.environ, TOP=self.top, XPRA_PROXY=self.proxy,
                   XPB=self.xpb)
        e = {"tput": [], "start": [], "xpra": []}
        try:
            cp = subprocess.run(["bash", os.path.join(self.top, "tests",
                                                      "bench", "e2e.sh"),
                                 str(self.e2e_rounds), str(self.e2e_bytes),
                                 self.e2e_ciphers],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env,
                                timeout=3600, stdin=subprocess.DEVNULL)
            rc, out, err = cp.returncode, cp.stdout, cp.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = -1, "", "timed out after 3600 s"
        with open(os.path.join(self.out, "e2e.log"), "w") as f:
            f.write(out + "\n--- stderr\n" + err)
        for line in out.splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            self.raw.write(json.dumps(j) + "\n")
            if j.get("e2e") in e:
                e[j["e2e"]].append(j)
        if rc != 0:
            e["_error"] = ("skipped: " if rc == 77 else "failed (exit %d): "
                           % rc) + " | ".join(err.strip().splitlines()[-3:])
        self.res["e2e"] = e

    # ---- statistics --------------------------------------------------------

    @staticmethod
    def med(v):
        return statistics.median(v) if v else None

    @staticmethod
    def pct(v, q):
        if not v:
            return None
        s = sorted(v)
        return s[min(len(s) - 1, int(len(s) * q))]

    def tput_summary(self):
        """name -> dir -> dict of medians."""
        out = {}
        for name, dd in self.res["tput"].items():
            out[name] = {}
            for d, runs in dd.items():
                ok = [x for x in runs if "error" not in x]
                bad = [x for x in runs if "error" in x]
                unver = [x for x in ok if not x.get("verified")]
                moved = [x["bytes"] * (2 if d == "both" else 1) / GIB
                         for x in ok]
                m = {
                    "n": len(ok), "errors": len(bad),
                    "unverified": len(unver),
                    "error": bad[0]["error"] if bad else None,
                    "gibps": self.med([x["gibps"] for x in ok]),
                    "gibps_all": [x["gibps"] for x in ok],
                    "cpu_relay": self.med([x["cpu_relay"] / g
                                           for x, g in zip(ok, moved)]),
                    "cpu_procs": self.med([(x["cpu_relay"] + x["cpu_client"]
                                            + x["cpu_server"]) / g
                                           for x, g in zip(ok, moved)]),
                    "cpu_host": self.med([x["cpu_host"] / g
                                          for x, g in zip(ok, moved)]),
                    "hwm": max([x["hwm_kib"] for x in ok], default=None),
                    "anon": max([x["anon_kib"] for x in ok], default=None),
                    "file": max([x["file_kib"] for x in ok], default=None),
                    "alone": sum(1 for x in ok if x.get("exited_alone")),
                    "bytes": ok[0]["bytes"] if ok else None,
                }
                out[name][d] = m
        return out

    def reference_ratios(self):
        """dir -> xpra-proxy ÷ reference relay per round (GiB/s, relay
        CPU per GiB), from the runs of the same round, or None."""
        t = self.res["tput"]
        if REFERENCE not in t or "xpra-proxy" not in t:
            return None
        out = {}
        for d, _ in DIRS:
            pairs = [(a, b) for a, b in zip(t["xpra-proxy"][d], t[REFERENCE][d])
                     if "error" not in a and "error" not in b]
            out[d] = {
                "gibps": [a["gibps"] / b["gibps"] for a, b in pairs
                          if b["gibps"]],
                "cpu": [a["cpu_relay"] / b["cpu_relay"] for a, b in pairs
                        if b["cpu_relay"]],
            }
        return out

    # ---- output ------------------------------------------------------------

    @staticmethod
    def f(v, fmt="%.2f", none="–"):
        return none if v is None else fmt % v

    # ---- end to end ----------------------------------------------------------

    def e2e_bulk(self):
        """(cipher, peer, dir) -> list of runs; the peers in order seen."""
        runs, peers = {}, []
        for j in self.res["e2e"]["tput"]:
            if j["peer"] not in peers:
                peers.append(j["peer"])
            runs.setdefault((j["cipher"], j["peer"], j["dir"]), []).append(j)
        return runs, peers

    @staticmethod
    def server_cpu(x):
        """s/GiB of the server side: sshd processes plus the relay."""
        g = x["bytes"] * (2 if x["dir"] == "both" else 1) / GIB
        return (x["cpu_sshd"] + x["cpu_sshd_child"]) / g

    @staticmethod
    def ok_runs(rs):
        return [j["x"] for j in rs if "error" not in j["x"]]

    def e2e_ratio(self, runs, cipher, peer, d, key):
        """peer ÷ streamlocal, round by round: list of ratios."""
        a = {j["round"]: j["x"] for j in runs.get((cipher, peer, d), [])
             if "error" not in j["x"]}
        b = {j["round"]: j["x"] for j in runs.get((cipher, LIMIT, d), [])
             if "error" not in j["x"]}
        return [key(a[r]) / key(b[r]) for r in sorted(a) if r in b and
                key(b[r])]

    def write_e2e(self, w):
        e = self.res["e2e"]
        runs, peers = self.e2e_bulk()
        ciphers = []
        for j in e["tput"]:
            if j["cipher"] not in ciphers:
                ciphers.append(j["cipher"])
        w("## End to end, through a real sshd on 127.0.0.1")
        w("")
        if "_error" in e:
            w("* %s" % e["_error"])
            w("")
        if runs:
            n = max(len(v) for v in runs.values())
            w("### Bulk: %d MiB each direction, %d round%s, byte counts "
              "checked" % (self.e2e_bytes // MIB, n, "" if n == 1 else "s"))
            w("")
            w("The client (xpb) and its ssh on the same machine; the ssh's "
              "stdin and stdout are one unix socket, like the local end of "
              "`ssh -L`.  **streamlocal** is sshd's own forwarding to the "
              "socket (`ssh -N -L LOCAL:SOCKET`, no relay process): the "
              "limit.  Medians; × is to streamlocal in the same round.  "
              "Server CPU: every process under the private sshd (its sshd "
              "processes and the relay), s per GiB moved.")
            w("")
            w("| cipher | remote command | c→s GiB/s | s→c GiB/s | both "
              "GiB/s | server CPU s/GiB c→s / s→c / both | of which the "
              "relay | client ssh CPU s/GiB | verified |")
            w("|---|---|---:|---:|---:|---:|---:|---:|---|")
            for c in ciphers:
                for p in peers:
                    cells, cpu, relay, client = [], [], [], []
                    nver = ntot = 0
                    for d, _ in DIRS:
                        rs = runs.get((c, p, d), [])
                        ok = self.ok_runs(rs)
                        ntot += len(rs)
                        nver += sum(1 for x in ok if x.get("verified"))
                        g = self.med([x["gibps"] for x in ok])
                        r = self.med(self.e2e_ratio(runs, c, p, d,
                                                    lambda x: x["gibps"]))
                        cells.append("ERR" if g is None else "%.3f%s" % (
                            g, "" if p == LIMIT or r is None else
                            " (%.2f×)" % r))
                        sc = self.med([self.server_cpu(x) for x in ok])
                        rc = self.med(self.e2e_ratio(runs, c, p, d,
                                                     self.server_cpu))
                        cpu.append(self.f(sc, "%.2f") + (
                            "" if p == LIMIT or rc is None else
                            " (%.2f×)" % rc))
                        gib = [x["bytes"] * (2 if d == "both" else 1) / GIB
                               for x in ok]
                        relay.append(self.f(self.med(
                            [x["cpu_sshd_child"] / b
                             for x, b in zip(ok, gib)]), "%.2f"))
                        client.append(self.f(self.med(
                            [x["cpu_relay"] / b for x, b in zip(ok, gib)]),
                            "%.2f"))
                    w("| %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |" % (
                        c, E2E_LABEL.get(p, p), cells[0], cells[1],
                        cells[2], " / ".join(cpu),
                        "–" if p == LIMIT else " / ".join(relay),
                        " / ".join(client), nver, ntot))
            w("")
            w("xpra _proxy outlives its session (it never closes the "
              "display's connection): its runs are checked by the byte "
              "counts alone.")
            w("")
        st = {}
        for j in e["start"]:
            if "error" in j["x"]:
                continue
            st.setdefault(j["peer"], []).extend(j["x"].get("ns", []))
        if st:
            w("### First byte: exec of `ssh host COMMAND` to the echo of "
              "one byte, beside `ssh host true` (default cipher)")
            w("")
            w("| remote command | median ms | p10 ms | p90 ms | median − "
              "`ssh true` |")
            w("|---|---:|---:|---:|---:|")
            base = self.med(st.get("ssh true", []))
            for p in ["ssh true"] + [x for x in st if x != "ssh true"]:
                v = st.get(p)
                if not v:
                    continue
                w("| %s | %.1f | %.1f | %.1f | %s |" % (
                    E2E_LABEL.get(p, p), self.ms(self.med(v)),
                    self.ms(self.pct(v, .1)), self.ms(self.pct(v, .9)),
                    "–" if p == "ssh true" or base is None else
                    "%+.1f ms" % self.ms(self.med(v) - base)))
            w("")
        xs = {}
        for j in e["xpra"]:
            if j["status"] == 0 and j["round"] > 0:
                xs.setdefault((j["client"], j["cmd"], j["peer"]),
                              []).append(j["secs"])
        if xs:
            w("### `xpra version ssh://…` and `xpra info ssh://…`: wall "
              "time, median s")
            w("")
            w("| client and server | command | --remote-xpra=xpra-proxy | "
              "the server's own `xpra _proxy` | saved | `ssh host true` |")
            w("|---|---|---:|---:|---:|---:|")
            for cl in ("3.1.3", "6.5.3"):
                t = self.med(xs.get((cl, "ssh true", "-"), []))
                for cmd in ("version", "info"):
                    a = self.med(xs.get((cl, cmd, "xpra-proxy"), []))
                    b = self.med(xs.get((cl, cmd, "xpra _proxy"), []))
                    if a is None and b is None:
                        continue
                    w("| xpra %s | %s | %s | %s | %s | %s |" % (
                        cl, cmd, self.f(a, "%.3f"), self.f(b, "%.3f"),
                        self.f(b - a if a and b else None, "%.3f s"),
                        self.f(t, "%.3f")))
            w("")
            w("The client sends `sh -c 'xpra initenv; …P _proxy :N'` (3.1.3) "
              "or its 6.x equivalent with P the --remote-xpra path.")
            w("")
        for line in self.e2e_targets():
            w("* " + line)
        w("")

    def e2e_targets(self):
        runs, peers = self.e2e_bulk()
        lines = []

        def verdict(ok):
            return "**met**" if ok else "**MISSED**"
        ciphers = sorted({c for c, _, _ in runs}, key=lambda c: c != "default")
        for c in ciphers:
            if (c, "xpra-proxy", "up") not in runs:
                continue
            for what, key, target, cmp in (
                    ("throughput", lambda x: x["gibps"], 0.97,
                     lambda r, t: r >= t),
                    ("server CPU per GiB", self.server_cpu, 1.05,
                     lambda r, t: r <= t)):
                rs = []
                ok = True
                for d, label in DIRS:
                    r = self.med(self.e2e_ratio(runs, c, "xpra-proxy", d,
                                                key))
                    ok = ok and r is not None and cmp(r, target)
                    rs.append("%s %s" % (label, self.f(r, "%.2f×")))
                lines.append("%s %s %.2f× streamlocal, cipher %s: %s (%s)" %
                             (what, "≥" if target < 1 else "≤", target, c,
                              verdict(ok), ", ".join(rs)))
        st = {}
        for j in self.res["e2e"]["start"]:
            if "error" not in j["x"]:
                st.setdefault(j["peer"], []).extend(j["x"].get("ns", []))
        if st.get("xpra-proxy") and st.get("ssh true"):
            a, b = self.med(st["xpra-proxy"]), self.med(st["ssh true"])
            lines.append("first byte ≤ `ssh true` + 3 ms: %s (%.1f ms, "
                         "`ssh true` %.1f ms: %+.1f ms)" % (
                             verdict(a <= b + 3e6), self.ms(a), self.ms(b),
                             self.ms(a - b)))
        return lines

    def write_reference(self, w):
        rr = self.reference_ratios()
        if rr is None:
            return
        w("### xpra-proxy ÷ reference relay, round by round")
        w("")
        w("The reference relay (tests/bench/refrelay.c) splices straight "
          "between the stdio pipes, grown to 1 MiB, and the socket, and "
          "does nothing else.  Each ratio compares the two runs of one "
          "round; target: throughput ≥ 1.00× in the median, relay CPU "
          "≤ 1.00×.")
        w("")
        w("| direction | throughput × median | min – max | relay CPU × "
          "median | min – max | rounds |")
        w("|---|---:|---:|---:|---:|---:|")
        for d, label in DIRS:
            g, c = rr[d]["gibps"], rr[d]["cpu"]
            w("| %s | %s | %s | %s | %s | %d |" % (
                label, self.f(self.med(g), "%.2f×"),
                "%.2f – %.2f" % (min(g), max(g)) if g else "–",
                self.f(self.med(c), "%.2f×"),
                "%.2f – %.2f" % (min(c), max(c)) if c else "–", len(g)))
        w("")

    def write(self):
        ts = self.tput_summary()
        md = []
        w = md.append
        info = self.res.get("machine") or self.machine_info()
        w("# xpra-proxy benchmark%s" % (" (QUICK)" if self.quick else ""))
        w("")
        for k, v in info:
            w("* %s: %s" % (k, v))
        w("")
        w("Medians over the rounds; peers interleaved, their order rotated "
          "every round.  The relay's stdin and stdout are pipes, as under "
          "sshd; the display server is a unix socket.  “no relay”: the "
          "client on the socket itself.  Ratios (×) are to no relay in the "
          "same run.  Numbers from a shared, noisy 2-CPU machine: compare "
          "within a run.")
        w("")
        for p in self.peers:
            if p.missing:
                w("* **%s**: %s — not measured" % (p.name, p.missing))
        if any(p.missing for p in self.peers):
            w("")

        self.write_e2e(w)

        # throughput
        w("## The harness, no sshd: bulk throughput (%d MiB each "
          "direction, %d round%s)" %
          (self.bytes // MIB, self.rounds, "" if self.rounds == 1 else "s"))
        w("")
        w("| peer | c→s GiB/s | s→c GiB/s | both GiB/s | relay CPU s/GiB "
          "c→s / s→c / both | relay+client+server CPU s/GiB (c→s / s→c / "
          "both) | host CPU s/GiB (c→s / s→c / both) | peak RSS | verified |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        base = ts.get("no relay", {})
        for p in self.peers:
            if p.missing or p.name not in ts:
                continue
            s = ts[p.name]
            cells = []
            for d, _ in DIRS:
                m = s[d]
                if m["gibps"] is None:
                    cells.append("ERR")
                    continue
                b = base.get(d, {}).get("gibps")
                r = " (%.2f×)" % (m["gibps"] / b) if b and not p.direct \
                    else ""
                cells.append("%.2f%s" % (m["gibps"], r))
            relay = " / ".join(self.f(s[d]["cpu_relay"], "%.3f")
                               for d, _ in DIRS) if not p.direct else "–"
            procs = " / ".join(self.f(s[d]["cpu_procs"], "%.3f")
                               for d, _ in DIRS)
            host = " / ".join(self.f(s[d]["cpu_host"], "%.2f")
                              for d, _ in DIRS)
            hwm = max([s[d]["hwm"] or 0 for d, _ in DIRS])
            rss = "–" if p.direct else "%.1f MiB" % (hwm / 1024)
            nver = sum(s[d]["n"] - s[d]["unverified"] for d, _ in DIRS)
            ntot = sum(s[d]["n"] + s[d]["errors"] for d, _ in DIRS)
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |" %
              ((p.name,) + tuple(cells) + (relay, procs, host, rss, nver,
                                           ntot)))
        w("")
        w("CPU is seconds per GiB moved, over the transfer only (from "
          "/proc/PID/task/*/schedstat: start-up and teardown excluded); "
          "“both” moves 2× the bytes.  Host CPU is all CPUs of the machine "
          "(/proc/stat, 10 ms ticks), so it includes other load.  Peak RSS "
          "is the relay's VmHWM.  Verified: runs whose byte counts matched "
          "exactly, with EOF after the last byte.")
        errs = [(n, d, ts[n][d]["error"]) for n in ts for d, _ in DIRS
                if ts[n][d]["error"]]
        for n, d, e in errs:
            w("* %s %s: %s" % (n, d, e))
        w("")
        self.write_reference(w)

        # start-up
        st = self.res["start"]
        fl = self.res["floor"]
        w("## Start-up: exec of the relay to the first echoed byte "
          "(%d runs each)" % self.start_n)
        w("")
        w("| peer | median ms | p10 ms | p90 ms | RSS at first byte | "
          "exits by itself on EOF |")
        w("|---|---:|---:|---:|---:|---|")
        w("| fork+exec of /bin/true (floor) | %s | %s | %s | – | – |" %
          (self.f(self.ms(self.med(fl)), "%.2f"),
           self.f(self.ms(self.pct(fl, .1))),
           self.f(self.ms(self.pct(fl, .9)))))
        vf = self.res["vfloor"]
        w("| fork+exec of `xpra-proxy --version` (loader and libraries, "
          "no work) | %s | %s | %s | – | – |" %
          (self.f(self.ms(self.med(vf))), self.f(self.ms(self.pct(vf, .1))),
           self.f(self.ms(self.pct(vf, .9)))))
        for p in self.peers:
            if p.name not in st:
                continue
            x = st[p.name]
            if not x["ns"]:
                w("| %s | ERR: %s | | | | |" % (p.name, x["err"]))
                continue
            w("| %s | %s | %s | %s | %.1f MiB | %d/%d |" %
              (p.name, self.f(self.ms(self.med(x["ns"]))),
               self.f(self.ms(self.pct(x["ns"], .1))),
               self.f(self.ms(self.pct(x["ns"], .9))),
               self.med(x["hwm"]) / 1024, x["alone"], x["n"]))
        w("")
        w("The floors run to the child's exit (waitpid); the peers until "
          "the echo of a byte written to their stdin comes out of their "
          "stdout, through the display server.")
        w("")
        self.write_discovery(w)

        # ping
        pg = self.res["ping"]
        w("## 64-byte round trips (%d × %d per peer)" %
          (self.ping_rounds, self.ping_n))
        w("")
        w("| peer | pinned p50 µs | pinned p99 µs | free p50 µs | "
          "free p99 µs | relay CPU µs per round trip (pinned) |")
        w("|---|---:|---:|---:|---:|---:|")
        for p in self.peers:
            if p.name not in pg:
                continue
            x = pg[p.name]
            if not x["pinned"]:
                w("| %s | ERR: %s | | | | |" % (p.name, x["err"]))
                continue
            w("| %s | %s | %s | %s | %s | %s |" %
              (p.name, self.f(self.us(self.med(x["pinned"])), "%.1f"),
               self.f(self.us(self.pct(x["pinned"], .99)), "%.1f"),
               self.f(self.us(self.med(x["free"])), "%.1f"),
               self.f(self.us(self.pct(x["free"], .99)), "%.1f"),
               "–" if p.direct else
               self.f(self.us(self.med(x["cpu"])), "%.1f")))
        w("")
        w("Pinned: every process (client, relay, server) on CPU 0 "
          "(`taskset -c 0`); free: the scheduler's choice.  Percentiles "
          "over all round trips of all rounds.")
        w("")

        # idle
        idle = self.res["idle"]
        w("## Idle sessions and the user's pipe budget")
        w("")
        w("Sessions of one user (%s), each connected, then in turn a "
          "4 MiB burst each way, then quiet.  Pages are 4 KiB pipe slots "
          "counted against `pipe-user-pages-soft` (%s here): the relay's "
          "stdin and stdout pipes (F_GETPIPE_SZ on the harness's ends) plus "
          "any pipe the relay opened itself." %
          (self.res.get("idle_user"),
           next((x.get("user_pages_soft") for x in idle.values()
                 if "error" not in x), "?")))
        w("")
        w("| peer | sessions | pages, 1 idle session | pages, all fresh | "
          "pages, 1 session after its burst | pages, all after the bursts "
          "| pages, all settled | a new pipe can grow to 1 MiB: after the "
          "bursts / settled | PSS of all, settled |")
        w("|---|---:|---:|---:|---:|---:|---:|---|---:|")
        for p in self.peers:
            if p.name not in idle:
                continue
            x = idle[p.name]
            if "error" in x:
                w("| %s | ERR: %s | | | | | | | |" % (p.name, x["error"]))
                continue
            n = x["sessions"]

            def pages(c):
                return c["stdio_pages"] + c["own_pages"]
            w("| %s | %d | %d | %d | %d | %d | %d | %s / %s | %.1f MiB |" %
              (p.name, n, pages(x["fresh"]) // n, pages(x["fresh"]),
               x["one_session_peak_pages"], pages(x["after_bursts"]),
               pages(x["settled"]),
               "yes" if x["grows_after_bursts"] else "**no**",
               "yes" if x["grows_settled"] else "**no**",
               x["settled"]["pss_kib"] / 1024))
        w("")
        if "xpra _proxy" in idle:
            w("xpra _proxy: %d sessions only (each is a ~24 MiB Python "
              "process)." % self.idle_n_xpra)
            w("")
        self.write_density(w)

        # targets
        w("## SPEC §8 targets")
        w("")
        for line in self.targets(ts):
            w("* " + line)
        w("")
        w("Chart: chart.png (this folder).  Raw data: raw.jsonl.")
        text = "\n".join(md) + "\n"
        with open(os.path.join(self.out, "results.md"), "w") as fh:
            fh.write(text)
        self.chart(ts)
        latest = os.path.join(self.args.results, "latest")
        if self.args.report:
            return text
        try:
            if os.path.islink(latest) or os.path.exists(latest):
                os.unlink(latest)
            os.symlink(os.path.basename(self.out), latest)
        except OSError:
            pass
        return text

    @staticmethod
    def ms(v):
        return None if v is None else v / 1e6

    @staticmethod
    def us(v):
        return None if v is None else v / 1e3

    def targets(self, ts):
        lines = []
        xp, base = ts.get("xpra-proxy"), ts.get("no relay")

        def verdict(ok):
            return "**met**" if ok else "**MISSED**"
        if xp and base:
            rs = []
            ok = True
            for d, label in DIRS:
                a, b = xp[d]["gibps"], base[d]["gibps"]
                if a is None or b is None:
                    ok = False
                    rs.append("%s ERR" % label)
                    continue
                ok = ok and a / b >= TARGET_RATIO
                rs.append("%s %.2f×" % (label, a / b))
            lines.append("throughput ≥ %.1f× no relay each direction: %s "
                         "(%s)" % (TARGET_RATIO, verdict(ok), ", ".join(rs)))
            cpus = [xp[d]["cpu_relay"] for d, _ in DIRS]
            ok = all(c is not None and c <= TARGET_CPU for c in cpus)
            lines.append("relay CPU ≤ %.2f s/GiB: %s (%s)" % (
                TARGET_CPU, verdict(ok), ", ".join(
                    "%s %s" % (label, self.f(c, "%.3f"))
                    for (d, label), c in zip(DIRS, cpus))))
        st = self.res["start"].get("xpra-proxy")
        if st and st["ns"]:
            m = self.ms(self.med(st["ns"]))
            fl = self.ms(self.med(self.res["floor"]))
            vf = self.ms(self.med(self.res["vfloor"]))
            lines.append("start-up ≤ %.1f ms median: %s (%.2f ms; floor "
                         "/bin/true %.2f ms, so %.2f ms of its own, of which "
                         "%.2f ms are exec and library loading alone: "
                         "`xpra-proxy --version` takes %.2f ms)" % (
                             TARGET_START_MS, verdict(m <= TARGET_START_MS),
                             m, fl, m - fl, vf - fl, vf))
        dv = self.res.get("discovery", {})
        if dv.get("xpra-proxy :N") and dv.get(REFERENCE + " PATH"):
            a = self.ms(self.med(dv["xpra-proxy :N"]))
            b = self.ms(self.med(dv[REFERENCE + " PATH"]))
            c = self.ms(self.med(dv.get("xpra-proxy PATH", [])))
            lines.append("start-up of `xpra-proxy :N` ≤ reference relay "
                         "given the path + 0.3 ms: %s (%.2f ms, reference "
                         "%.2f ms: %+.2f ms; `xpra-proxy PATH` %s ms)" % (
                             verdict(a <= b + 0.3), a, b, a - b,
                             self.f(c)))
        for name in OURS:
            x = ts.get(name)
            if not x:
                continue
            hwm = max([x[d]["hwm"] or 0 for d, _ in DIRS])
            an = max([x[d]["anon"] or 0 for d, _ in DIRS])
            fi = max([x[d]["file"] or 0 for d, _ in DIRS])
            lines.append("peak RSS ≤ 1 MiB, %s: %s (%.2f MiB: %.2f MiB "
                         "file-backed (binary and shared libraries), %.2f "
                         "MiB anon)" % (
                             "default build" if name == "xpra-proxy" else
                             "`STATIC=1` build", verdict(
                                 hwm <= TARGET_RSS_KIB), hwm / 1024,
                             fi / 1024, an / 1024))
        pg = self.res["ping"]
        if "xpra-proxy" in pg and pg["xpra-proxy"]["pinned"]:
            mine = self.med(pg["xpra-proxy"]["pinned"])
            others = {n: self.med(x["pinned"]) for n, x in pg.items()
                      if n not in OURS + ("no relay", BASELINE) and x["pinned"]}
            if others:
                best = min(others, key=others.get)
                lines.append("round trip no slower than the best peer "
                             "(pinned p50): %s (xpra-proxy %.1f µs, best "
                             "peer %s %.1f µs; no relay %s µs)" % (
                                 verdict(mine <= others[best]),
                                 mine / 1e3, best, others[best] / 1e3,
                                 self.f(self.us(self.med(
                                     pg.get("no relay", {}).get("pinned",
                                                                []))),
                                     "%.1f")))
        idle = self.res["idle"].get("xpra-proxy")
        if idle and "error" not in idle:
            soft = idle["user_pages_soft"]
            settled = idle["settled"]["stdio_pages"] + \
                idle["settled"]["own_pages"]
            after = idle["after_bursts"]["stdio_pages"] + \
                idle["after_bursts"]["own_pages"]
            ok = idle["grows_settled"] and settled * 4 < soft
            lines.append(
                "%d idle sessions leave the pipe budget alone: %s (%d of %d "
                "pages once settled; a new pipe grows to 1 MiB: %s.  Right "
                "after the bursts, before the 2 s shrink: %d pages (%d per "
                "session at most), new pipe grows: %s)" % (
                    idle["sessions"], verdict(ok), settled, soft,
                    "yes" if idle["grows_settled"] else "no", after,
                    idle["one_session_peak_pages"],
                    "yes" if idle["grows_after_bursts"] else "no"))
        return lines

    def machine_info(self):
        def sh(cmd):
            try:
                return subprocess.run(cmd, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True,
                                      timeout=20).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                return "?"
        git = sh(["git", "-C", self.top, "describe", "--always", "--dirty"])
        socat = sh(["/usr/bin/socat", "-V"]).splitlines()
        socat = next((x for x in socat if "version" in x), "?")
        return [
            ("when", datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M "
                                                         "UTC")),
            ("host", "Linux %s, %d CPUs, load average %s at the end" %
             (platform.release(), os.cpu_count(),
              " ".join("%.2f" % x for x in os.getloadavg()))),
            ("xpra-proxy", "%s (git %s)" % (self.proxy, git)),
        ] + ([(STATIC, self.args.proxy_static)] if self.args.proxy_static
             else []) + ([(BASELINE, self.args.baseline)]
                         if self.args.baseline else []) + [
            ("peers", "%s; OpenBSD nc (Debian netcat-openbsd); xpra %s" %
             (socat.strip(), sh(["dpkg-query", "-W", "-f=${Version}",
                                 "xpra"]))),
            ("mode", ("QUICK: " if self.quick else "") +
             "%d round(s) of %d MiB; client and server move %d KiB per "
             "call" % (self.rounds, self.bytes // MIB, 128)),
        ]

    def chart(self, ts):
        peers = [p.name for p in self.peers if p.name in ts]
        d = self.out

        def q(s):
            return '"%s"' % s.replace('"', "'")
        with open(os.path.join(d, "tput.dat"), "w") as fh:
            fh.write("dir " + " ".join(q(p) for p in peers) + "\n")
            for dd, label in DIRS:
                fh.write(q(label) + " " + " ".join(
                    self.f(ts[p][dd]["gibps"], "%.4f", "NaN")
                    for p in peers) + "\n")
        relays = [p for p in peers if p != "no relay"]
        with open(os.path.join(d, "cpu.dat"), "w") as fh:
            fh.write("dir " + " ".join(q(p) for p in relays) + "\n")
            for dd, label in DIRS:
                fh.write(q(label) + " " + " ".join(
                    self.f(ts[p][dd]["cpu_relay"], "%.5f", "NaN")
                    for p in relays) + "\n")
        st = self.res["start"]
        with open(os.path.join(d, "start.dat"), "w") as fh:
            fh.write("%s %.4f\n" % (q("/bin/true"),
                                    self.ms(self.med(self.res["floor"]))
                                    or 0))
            fh.write("%s %.4f\n" % (q("xpra-proxy --version"),
                                    self.ms(self.med(self.res["vfloor"]))
                                    or 0))
            for p in peers:
                if p in st and st[p]["ns"]:
                    fh.write("%s %.4f\n" % (q(p),
                                            self.ms(self.med(st[p]["ns"]))))
        pg = self.res["ping"]
        with open(os.path.join(d, "ping.dat"), "w") as fh:
            for p in peers:
                if p in pg and pg[p]["pinned"]:
                    x = pg[p]
                    fh.write("%s %.2f %.2f %.2f %.2f\n" % (
                        q(p), self.us(self.med(x["pinned"])),
                        self.us(self.pct(x["pinned"], .99)),
                        self.us(self.med(x["free"])) or 0,
                        self.us(self.pct(x["free"], .99)) or 0))
        runs, epeers = self.e2e_bulk()
        for fn, key in (("e2e.dat", lambda x: x["gibps"]),
                        ("e2ecpu.dat", self.server_cpu)):
            with open(os.path.join(d, fn), "w") as fh:
                fh.write("dir " + " ".join(q(p) for p in epeers) + "\n")
                for dd, label in DIRS:
                    fh.write(q(label) + " " + " ".join(
                        self.f(self.med([key(x) for x in self.ok_runs(
                            runs.get(("default", p, dd), []))]), "%.4f",
                            "NaN") for p in epeers) + "\n")
        ncol = len(peers)
        gp = """# gnuplot script written by tests/bench/bench.py
set terminal pngcairo size 1600,1600 font "DejaVu Sans,11" noenhanced
set output "chart.png"
set multiplot layout 3,2 title "xpra-proxy vs peers (%(title)s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set title "End to end through sshd, default cipher (GiB/s, higher is better)"
set ylabel "GiB/s"
set yrange [0:*]
plot for [i=2:%(n3)d] "e2e.dat" using i:xtic(1) title columnhead(i) lc (i-1)
set title "End to end: server-side CPU, sshd + relay (s/GiB, lower is better)"
set ylabel "s/GiB"
plot for [i=2:%(n3)d] "e2ecpu.dat" using i:xtic(1) title columnhead(i) lc (i-1)
set title "Harness, no sshd: bulk throughput (GiB/s, higher is better)"
set ylabel "GiB/s"
set yrange [0:*]
plot for [i=2:%(n1)d] "tput.dat" using i:xtic(1) title columnhead(i) lc (i-1)
set title "Harness: relay CPU per GiB moved (s, log scale, lower is better)"
set ylabel "s/GiB"
set yrange [0.03:*]
set logscale y
plot for [i=2:%(n2)d] "cpu.dat" using i:xtic(1) title columnhead(i) lc i, \\
     %(cpu)s with lines lw 2 dt 2 lc rgb "red" title "target %(cpu)s s/GiB"
set title "Start-up to first echoed byte (ms, median, log scale)"
set ylabel "ms"
set style data boxes
set boxwidth 0.6
set yrange [0.3:1000]
set xrange [-0.6:*]
set key top left
set xtics rotate by -15
plot "start.dat" using 0:2:xtic(1) notitle lc rgb "#4477aa", \\
     "" using 0:2:(sprintf("%%.1f", $2)) with labels offset 0,0.8 notitle, \\
     %(st)s with lines lw 2 dt 2 lc rgb "red" title "target %(st)s ms"
set yrange [3:*]
set xrange [*:*]
set key top right
set xtics norotate
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set title "64-byte round trip (µs, log scale, lower is better)"
set ylabel "µs"
plot "ping.dat" using 2:xtic(1) title "pinned p50", \\
     "" using 3 title "pinned p99", \\
     "" using 4 title "free p50", \\
     "" using 5 title "free p99"
unset multiplot
""" % {"title": ("QUICK, " if self.quick else "") + "%d MiB, %d round(s)"
       % (self.bytes // MIB, self.rounds), "n1": ncol + 1,
       "n2": len(relays) + 1, "n3": len(epeers) + 1, "cpu": TARGET_CPU,
       "st": TARGET_START_MS}
        with open(os.path.join(d, "chart.gp"), "w") as fh:
            fh.write(gp)
        if shutil.which("gnuplot"):
            cp = subprocess.run(["gnuplot", "chart.gp"], cwd=d,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
            if cp.returncode != 0:
                log("gnuplot failed: " + cp.stdout.strip()[-500:])
        else:
            log("no gnuplot: chart.gp written, chart.png not drawn "
                "(apt-get install -y gnuplot-nox)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xpb", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--proxy-static", default=None,
                    help="a STATIC=1 build, measured as one more peer")
    ap.add_argument("--baseline", default=None,
                    help="an earlier build, measured as one more peer")
    ap.add_argument("--reference", default=None,
                    help="the reference splice relay, one more peer")
    ap.add_argument("--top", required=True)
    ap.add_argument("--results", default=None)
    ap.add_argument("--report", default=None, metavar="DIR",
                    help="write DIR's report again from its res.json "
                    "(after a change to the report), measuring nothing")
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("QUICK", "") not in ("", "0"))
    args = ap.parse_args()
    args.xpb = os.path.abspath(args.xpb)
    args.proxy = os.path.abspath(args.proxy)
    if args.proxy_static:
        args.proxy_static = os.path.abspath(args.proxy_static)
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    args.top = os.path.abspath(args.top)
    args.results = os.path.abspath(args.results or
                                   os.path.join(args.top, "results"))
    t0 = time.monotonic()
    # 1,000 idle sessions need some 3,000 descriptors in xpb
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    b = Bench(args)
    if args.report:
        print(b.write())
        return
    log("results in %s" % b.out)
    b.run_tput()
    b.run_start()
    b.run_discovery()
    b.run_ping()
    b.run_idle()
    b.run_density()
    b.run_e2e()
    b.save()
    text = b.write()
    print(text)
    log("done in %.0f s: %s/results.md, %s/chart.png" %
        (time.monotonic() - t0, b.out, b.out))


if __name__ == "__main__":
    main()
