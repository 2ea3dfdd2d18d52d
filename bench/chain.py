"""Chains diagnosed per second, beside cryptography's bare verification rate.

Not part of `make test`.  Run: `.venv/bin/python bench/chain.py [--seconds S]`.

Both sides start from PEM bytes of a three-certificate chain (leaf, intermediate,
private root) and parse them.  tlsdoctor then builds paths, runs every rule and
ranks the findings; cryptography's `x509.verification` builds and checks one
path.  Our per-certificate caches are cleared before every diagnosis, so no run
reuses an earlier one's parsing or signature checks.  The two run in alternating
batches of 50, so both see the same machine.  Goal: at least 2,000 chains per
second (the mean rate).
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


def _rates(fns, seconds: float, batch: int = 50) -> list[tuple[float, float, int]]:
    """Each function's rate, measured in alternating batches so that all of them
    see the same machine (this one is shared, and its speed drifts): per function
    (mean rate over all batches, rate of its fastest batch, runs)."""
    spent = [0.0] * len(fns)
    fastest = [float("inf")] * len(fns)
    runs = [0] * len(fns)
    deadline = time.perf_counter() + seconds * len(fns)
    while time.perf_counter() < deadline:
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(batch):
                fn()
            dt_ = time.perf_counter() - t0
            spent[k] += dt_
            fastest[k] = min(fastest[k], dt_)
            runs[k] += batch
    return [(runs[k] / spent[k], batch / fastest[k], runs[k]) for k in range(len(fns))]


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
    (r_ours, best_ours, n_ours), (r_theirs, best_theirs, n_theirs) = _rates(
        [ours, theirs], args.seconds
    )
    print(
        f"chain: leaf + intermediate + root ({args.key_type}), all {len(__import__('tlsdoctor.rules', fromlist=['RULES']).RULES)} rules"
    )
    print("                          mean rate   fastest batch")
    print(f"tlsdoctor diagnosis     {r_ours:8.0f} /s  {best_ours:8.0f} /s  ({n_ours} runs)")
    print(f"cryptography verify     {r_theirs:8.0f} /s  {best_theirs:8.0f} /s  ({n_theirs} runs)")
    print(f"ratio (ours/theirs)     {r_ours / r_theirs:8.2f}")
    print(f"goal >= 2000 chains/s (mean rate):  {'met' if r_ours >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
