"""Chains diagnosed per second, beside cryptography's bare verification rate.

Not part of `make test`.  Run: `.venv/bin/python bench/chain.py [--seconds S]`.

Both sides start from PEM bytes of a three-certificate chain (leaf, intermediate,
private root) and parse them.  tlsdoctor then builds paths, runs every rule and
ranks the findings; cryptography's `x509.verification` builds and checks one
path.  Our per-certificate caches are cleared before every diagnosis, so no run
reuses an earlier one's parsing or signature checks.  Goal: at least 2,000
chains per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from tlsdoctor.clients.policy import BROWSER
from tlsdoctor.engine import run_rules
from tlsdoctor.lab.pki import ca
from tlsdoctor.model import Chain, ChainCert, Evidence, Where
from tlsdoctor.pki import certinfo
from tlsdoctor.rules import rank


def _rate(fn, seconds: float) -> tuple[float, int]:
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            fn()
        n += 50
    return n / (time.perf_counter() - start), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--key-type", default="ec", choices=["ec", "rsa"])
    args = ap.parse_args()

    root = ca("Bench Root", key_type=args.key_type)
    leaf = root.intermediate("Bench Int", key_type=args.key_type).leaf(
        "bench.test", key_type=args.key_type
    )
    chain_pem = leaf.chain_pem()
    root_pem = root.cert_pem()

    def ours() -> None:
        certinfo._CACHE.clear()
        certinfo._VERIFY_CACHE.clear()
        certs = x509.load_pem_x509_certificates(chain_pem)
        anchor = x509.load_pem_x509_certificate(root_pem)
        ev = Evidence(
            chains=(
                Chain(
                    tuple(ChainCert(c, b"", Where("b", f"cert[{i}]")) for i, c in enumerate(certs)),
                    "b",
                ),
            ),
            private_anchors=(ChainCert(anchor, b"", Where("ca")),),
            host="bench.test",
        )
        findings, _, _, _ = run_rules(ev, BROWSER)
        assert not [f for f in rank(findings) if f.severity > 0]

    now = dt.datetime.now(dt.UTC)

    def theirs() -> None:
        certs = x509.load_pem_x509_certificates(chain_pem)
        anchor = x509.load_pem_x509_certificate(root_pem)
        verifier = (
            PolicyBuilder()
            .store(Store([anchor]))
            .time(now)
            .build_server_verifier(x509.DNSName("bench.test"))
        )
        verifier.verify(certs[0], certs[1:])

    ours()  # warm the public store (loaded once per process)
    r_ours, n_ours = _rate(ours, args.seconds)
    r_theirs, n_theirs = _rate(theirs, args.seconds)
    print(
        f"chain: leaf + intermediate + root ({args.key_type}), all {len(__import__('tlsdoctor.rules', fromlist=['RULES']).RULES)} rules"
    )
    print(f"tlsdoctor diagnosis     {r_ours:8.0f} chains/s  ({n_ours} runs)")
    print(f"cryptography verify     {r_theirs:8.0f} chains/s  ({n_theirs} runs)")
    print(f"ratio (ours/theirs)     {r_ours / r_theirs:8.2f}")
    print(f"goal >= 2000 chains/s:  {'met' if r_ours >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
