"""Benchmark: ``read_capture`` against ``tshark -T fields`` on two captures it builds.

Run: ``.venv/bin/python bench/pcap.py [--keep DIR] [--big-mb 200] [--handshakes 2000]``
(not part of ``make test``).

The captures are made from real TLS handshakes: OpenSSL (through Python's
``ssl`` over memory BIOs) handshakes with freshly made certificates, TLS 1.2
and 1.3, successes and failures (unknown CA, a server that wants a client
certificate and gets an empty one), each under its own SNI.  Those bytes are
laid into Ethernet/IPv4/TCP frames the way a capture on a 1500-byte network
holds them: SYN, SYN-ACK, ACK, segments of at most 1448 bytes, an ACK for
every second segment, FINs, with many connections interleaved.

* ``handshakes.pcap``: at least 2,000 connections, handshake and a little data.
* ``bulk.pcap``: at least 200 MB, mostly application data (16 KiB records)
  after the same handshakes.

Both tools extract, per connection, the SNI, the negotiated version and cipher
suite and the alerts; the bench checks they agree on the connection count and
SNIs, then prints wall time and peak resident memory of each (our side runs in
a child process, measured with ``os.wait4``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MSS = 1448

# ------------------------------------------------------------------ real handshakes


def _cert(
    cn: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    ikey: ec.EllipticCurvePrivateKey,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("bench.example")]), critical=False)
        .sign(ikey, hashes.SHA256())
    )


def _pem(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, sni: str) -> list[tuple[int, bytes]]:
    """One real handshake over memory BIOs: (direction, bytes) flights, 0 = client."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_side=False, server_hostname=sni)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    flights: list[tuple[int, bytes]] = []
    done = [False, False]
    for _ in range(20):
        for i, obj in enumerate((c, s)):
            if not done[i]:
                try:
                    obj.do_handshake()
                    done[i] = True
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError:
                    done = [True, True]
        for d, bio, peer in ((0, c_out, s_in), (1, s_out, c_in)):
            data = bio.read()
            if data:
                flights.append((d, data))
                peer.write(data)
        if all(done):
            break
    return flights


def templates(work: Path, count: int) -> list[list[tuple[int, bytes]]]:
    """``count`` real handshakes: a mix of TLS 1.2/1.3 successes and failures."""
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(4)]
    ca = _cert("Bench CA", keys[0], "Bench CA", keys[0], True)
    other = _cert("Other CA", keys[1], "Other CA", keys[1], True)
    leaf = _cert("bench.example", keys[2], "Bench CA", keys[0], False)
    _pem(work / "ca.pem", ca, None)
    _pem(work / "other.pem", other, None)
    _pem(work / "leaf.pem", leaf, keys[2])
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(work / "leaf.pem", work / "leaf.key")
    mtls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    mtls.load_cert_chain(work / "leaf.pem", work / "leaf.key")
    mtls.verify_mode = ssl.CERT_REQUIRED
    mtls.load_verify_locations(work / "ca.pem")
    out = []
    for i in range(count):
        kind = i % 8
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.check_hostname = False
        client.load_verify_locations(work / ("other.pem" if kind == 6 else "ca.pem"))
        if kind in (0, 1, 2, 7):
            client.maximum_version = ssl.TLSVersion.TLSv1_2
        srv = mtls if kind == 7 else server
        out.append(_handshake(client, srv, f"host{i}.bench.example"))
    return out


# ------------------------------------------------------------------ frames


class Writer:
    """A pcap file written frame by frame (Ethernet, IPv4, TCP)."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1_700_000_000.0
        self.frames = 0
        self.eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"

    def tcp(
        self,
        src: bytes,
        dst: bytes,
        sp: int,
        dp: int,
        seq: int,
        ack: int,
        flags: int,
        payload: bytes = b"",
    ) -> None:
        tcp = struct.pack(
            "!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0
        )
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
        frame = self.eth + ip + tcp + payload
        self.t += 0.00002
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(frame), len(frame)))
        self.f.write(frame)
        self.frames += 1

    def close(self) -> None:
        self.f.close()


def connection(i: int, flights: list[tuple[int, bytes]], bulk: int) -> Iterator[tuple]:
    """The packets of one connection, as arguments to :meth:`Writer.tcp`."""
    rnd = random.Random(i)
    cli = bytes((10, 1, (i >> 8) & 0xFF, i & 0xFF))
    srv = bytes((10, 2, 0, 1))
    cport = 20000 + i % 40000
    seq = [rnd.getrandbits(32), rnd.getrandbits(32)]
    ends = ((cli, srv, cport, 443), (srv, cli, 443, cport))
    yield (*ends[0], seq[0], 0, 0x02)
    yield (*ends[1], seq[1], seq[0] + 1, 0x12)
    seq = [seq[0] + 1, seq[1] + 1]
    yield (*ends[0], seq[0], seq[1], 0x10)
    stream = list(flights)
    if bulk:
        record = os.urandom(16384)
        body = b"".join(b"\x17\x03\x03\x40\x00" + record for _ in range(bulk // 16389 + 1))
        stream.append((1, body))
    for d, data in stream:
        for n, k in enumerate(range(0, len(data), MSS), 1):
            chunk = data[k : k + MSS]
            yield (*ends[d], seq[d], seq[1 - d], 0x18, chunk)
            seq[d] += len(chunk)
            if n % 2 == 0:
                yield (*ends[1 - d], seq[1 - d], seq[d], 0x10)
        yield (*ends[1 - d], seq[1 - d], seq[d], 0x10)
    yield (*ends[0], seq[0], seq[1], 0x11)
    yield (*ends[1], seq[1], seq[0] + 1, 0x11)
    yield (*ends[0], seq[0] + 1, seq[1] + 1, 0x10)


def build(
    path: Path, tpl: list[list[tuple[int, bytes]]], conns: int, bulk: int, parallel: int = 32
) -> int:
    """Write ``conns`` connections, ``parallel`` at a time, packets interleaved."""
    w = Writer(path)
    active: list[Iterator[tuple]] = []
    started = 0
    while started < conns or active:
        while len(active) < parallel and started < conns:
            active.append(connection(started, tpl[started % len(tpl)], bulk))
            started += 1
        for it in list(active):
            for _ in range(4):
                pkt = next(it, None)
                if pkt is None:
                    active.remove(it)
                    break
                w.tcp(*pkt)
    w.close()
    return w.frames


# ------------------------------------------------------------------ measuring

# The driver ends the way the installed ``tlsdoctor`` command does
# (``tlsdoctor.cli:run``): flush the output, then ``os._exit`` without tearing
# down the interpreter's objects one by one.
OURS = """
import os, sys
from tlsdoctor.sources.capture import read_capture
r = read_capture(sys.argv[1])
out = sys.stdout
for c in r.connections:
    alerts = ",".join(str(a[2]) for a in c.alerts)
    out.write(f"{c.stream}\\t{c.server_name}\\t{c.version}\\t{c.cipher_suite}\\t{alerts}\\n")
out.flush()
os._exit(0)
"""

TSHARK_FIELDS = [
    "tcp.stream",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.record.version",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.ciphersuite",
    "tls.alert_message.desc",
]


# Our side runs as an installed program would: with its bytecode cached.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process.

    The peak comes from GNU time (``%M``), which forks the tool itself: a
    child's ``ru_maxrss`` otherwise starts at the size of the process that
    forked it (this bench, holding a capture builder), not at zero.
    """
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        p = subprocess.Popen([*timer, *cmd], stdout=f, stderr=subprocess.PIPE, env=CHILD_ENV)
        _, err = p.communicate()
        wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with status {p.returncode}")
    lines = err.decode("utf-8", "replace").strip().splitlines()
    peak_kib = int(lines[-1]) if timer and lines and lines[-1].isdigit() else 0
    return wall, peak_kib // 1024


def compare(path: Path, work: Path, rounds: int) -> dict[str, float]:
    """Both tools, ``rounds`` times, alternating (this machine is shared): the median
    of each one's wall time and of the per-round ratio, and each one's peak RSS."""
    ours_out, theirs_out = work / "ours.txt", work / "tshark.txt"
    cmd = [
        "tshark",
        "-r",
        str(path),
        "-n",
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-Y",
        "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message",
    ]
    for fld in TSHARK_FIELDS:
        cmd += ["-e", fld]
    ours_t, theirs_t, ratios, ours_mb, theirs_mb = [], [], [], 0, 0
    for _ in range(rounds):
        o = run([sys.executable, "-c", OURS, str(path)], ours_out)
        t = run(cmd, theirs_out)
        ours_t.append(o[0])
        theirs_t.append(t[0])
        ratios.append(t[0] / o[0])
        ours_mb, theirs_mb = max(ours_mb, o[1]), max(theirs_mb, t[1])
    ours = (statistics.median(ours_t), ours_mb)
    theirs = (statistics.median(theirs_t), theirs_mb)
    ratio = statistics.median(ratios)
    ours_per, theirs_per = _ours(ours_out), _theirs(theirs_out)
    return {
        "ours_s": ours[0],
        "ours_mb": ours[1],
        "tshark_s": theirs[0],
        "tshark_mb": theirs[1],
        "conns": len(ours_per),
        "ratio": ratio,
        "agree": float(ours_per == theirs_per),
    }


Row = tuple[str, int, int, tuple[int, ...]]
"""Per connection: SNI, version, cipher suite, alert descriptions."""


def _ours(out: Path) -> dict[int, Row]:
    rows = {}
    for line in out.read_text().splitlines():
        stream, sni, version, suite, alerts = line.split("\t")
        descs = tuple(sorted(int(a) for a in alerts.split(",") if a))
        rows[int(stream)] = (sni, int(version), int(suite), descs)
    return rows


def _theirs(out: Path) -> dict[int, Row]:
    per: dict[int, dict[str, object]] = {}
    for line in out.read_text().splitlines():
        stream, types, sni, rec_versions, selected, suites, alerts = line.split("\t")
        row = per.setdefault(int(stream), {"alerts": []})
        kinds = types.split(",")
        if "1" in kinds and sni:
            row["sni"] = sni
        if "2" in kinds:
            row["suite"] = int(suites.split(",")[-1], 16)
            row["version"] = int((selected or rec_versions).split(",")[-1], 16)
        if alerts:
            row["alerts"] += [int(a) for a in alerts.split(",")]  # type: ignore[operator]
    return {
        k: (
            str(v.get("sni", "None")),
            int(v.get("version", 0)),  # type: ignore[call-overload]
            int(v.get("suite", 0)),  # type: ignore[call-overload]
            tuple(sorted(v["alerts"])),  # type: ignore[call-overload]
        )
        for k, v in per.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--handshakes", type=int, default=2400)
    ap.add_argument("--big-mb", type=int, default=210)
    ap.add_argument("--keep", type=Path, help="build the captures here and keep them")
    ap.add_argument("--rounds", type=int, default=5, help="runs of each tool (median taken)")
    args = ap.parse_args()
    if shutil.which("tshark") is None:
        raise SystemExit("tshark is not installed")
    work = args.keep or Path(tempfile.mkdtemp(prefix="tlsdoctor-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tpl = templates(work, 48)
    small = work / "handshakes.pcap"
    n_small = build(small, tpl, args.handshakes, 0)
    per_conn = 1 << 20
    big = work / "bulk.pcap"
    n_big = build(big, tpl, args.big_mb * (1 << 20) // per_conn + 1, per_conn)
    print(f"built captures in {time.perf_counter() - t0:.1f} s in {work}")
    subprocess.run([sys.executable, "-c", "import tlsdoctor.sources.capture"], env=CHILD_ENV)
    print(
        f"{'capture':<16}{'MB':>8}{'frames':>10}{'conns':>7}{'ours s':>9}{'tshark s':>10}"
        f"{'faster':>8}{'ours MB':>9}{'tshark MB':>11}  agree"
    )
    for path, frames in ((small, n_small), (big, n_big)):
        r = compare(path, work, args.rounds)
        print(
            f"{path.name:<16}{path.stat().st_size / 1e6:>8.1f}{frames:>10}{int(r['conns']):>7}"
            f"{r['ours_s']:>9.2f}{r['tshark_s']:>10.2f}{r['ratio']:>7.1f}x"
            f"{int(r['ours_mb']):>9}{int(r['tshark_mb']):>11}  {'yes' if r['agree'] else 'NO'}"
        )
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
