"""Broken (and healthy) certificate chains, one per failure the chain rules know.

Each case builds its files with :mod:`tlsdoctor.lab.pki` and says which finding
must come first.  The test-suite, ``make demo`` and the lab servers all use
these same cases, so the manifest of expected findings lives in one place.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from tlsdoctor.lab.pki import (
    CA,
    Issued,
    ca,
    cert_pem,
    key_pem,
    make_key,
    self_signed_leaf,
    utcnow,
    write_file,
)

HOST = "localhost"


@dataclass
class ChainCase:
    name: str
    description: str
    expect_first: str | None
    """Id of the first finding; None for a healthy chain (no FATAL or WARN)."""
    build: Callable[[], Built]
    also_expect: tuple[str, ...] = ()
    """Further finding ids that must be listed."""
    openssl_ok: bool | None = None
    """What ``openssl verify -purpose sslserver -auth_level 2`` says (None: not compared)."""


@dataclass
class Built:
    served: bytes
    """PEM of the chain as served (leaf first unless the case says otherwise)."""
    root: bytes | None
    """PEM of the root the client trusts (``--ca``), or None."""
    host: str = HOST
    key: bytes | None = None
    """PEM of the server's private key when the case checks it (``--key``)."""
    leaf: Issued | None = None
    extra: dict[str, bytes] = field(default_factory=dict)

    def write(self, directory: str) -> dict[str, str]:
        os.makedirs(directory, exist_ok=True)
        paths = {"served": os.path.join(directory, "served.pem")}
        write_file(paths["served"], self.served)
        if self.root is not None:
            paths["ca"] = os.path.join(directory, "ca.pem")
            write_file(paths["ca"], self.root)
        if self.key is not None:
            paths["key"] = os.path.join(directory, "server.key")
            write_file(paths["key"], self.key, private=True)
        for name, data in self.extra.items():
            paths[name] = os.path.join(directory, name)
            write_file(paths[name], data)
        return paths


def _simple(root: CA | None = None, **leaf_kw: object) -> Built:
    root = root or ca("Lab Root")
    inter = root.intermediate("Lab Intermediate")
    leaf = inter.leaf(HOST, **leaf_kw)  # type: ignore[arg-type]
    return Built(served=leaf.chain_pem(), root=root.cert_pem(), leaf=leaf)


def healthy() -> Built:
    return _simple()


def self_signed_non_ca() -> Built:
    leaf = self_signed_leaf(HOST)
    return Built(served=leaf.cert_pem(), root=leaf.cert_pem(), leaf=leaf)


def path_len_violation() -> Built:
    root = ca("Lab Root")
    leaf = root.intermediate("Dev Int A", path_len=0).intermediate("Dev Int B").leaf(HOST)
    return Built(served=leaf.chain_pem(), root=root.cert_pem(), leaf=leaf)


def missing_intermediate() -> Built:
    root = ca("Lab Root")
    leaf = root.intermediate("Lab Intermediate").leaf(
        HOST, aia_issuer_url="http://127.0.0.1:8080/lab-intermediate.der"
    )
    return Built(served=leaf.cert_pem(), root=root.cert_pem(), leaf=leaf)


def private_root_not_trusted() -> Built:
    private = ca("Private Root")
    other = ca("Some Other Root")
    leaf = private.intermediate("Private Intermediate").leaf(HOST)
    return Built(served=leaf.chain_pem(), root=other.cert_pem(), leaf=leaf)


def intermediate_without_bc() -> Built:
    root = ca("Lab Root")
    leaf = root.intermediate("Int Without BC", basic_constraints=False).leaf(HOST)
    return Built(served=leaf.chain_pem(), root=root.cert_pem(), leaf=leaf)


def expired() -> Built:
    start = utcnow() - dt.timedelta(days=120)
    return _simple(not_before=start, not_after=start + dt.timedelta(days=90))


def not_yet_valid() -> Built:
    start = utcnow() + dt.timedelta(days=3)
    return _simple(not_before=start, not_after=start + dt.timedelta(days=90))


def wrong_host() -> Built:
    root = ca("Lab Root")
    leaf = root.intermediate("Lab Intermediate").leaf("other.example", "www.other.example")
    return Built(served=leaf.chain_pem(), root=root.cert_pem(), leaf=leaf)


def ip_as_dns() -> Built:
    root = ca("Lab Root")
    leaf = root.intermediate("Lab Intermediate").leaf("127.0.0.1", ip_as_dns=True)
    return Built(served=leaf.chain_pem(), root=root.cert_pem(), host="127.0.0.1", leaf=leaf)


def wrong_order_extra() -> Built:
    root = ca("Lab Root")
    ia = root.intermediate("Int Upper")
    ib = ia.intermediate("Int Lower")
    leaf = ib.leaf(HOST)
    stray = ca("Stray Root").intermediate("Unrelated Intermediate")
    served = [leaf.cert, ia.cert, stray.cert, ib.cert]
    return Built(served=leaf.chain_pem(served), root=root.cert_pem(), leaf=leaf)


def sha1_leaf() -> Built:
    return _simple(hash="sha1")


def rsa1024_leaf() -> Built:
    return _simple(key_type="rsa", bits=1024)


def client_auth_only() -> Built:
    return _simple(eku=("clientAuth",))


def key_mismatch() -> Built:
    b = _simple()
    b.key = key_pem(make_key())
    return b


def missing_intermediate_and_expired() -> Built:
    root = ca("Lab Root")
    start = utcnow() - dt.timedelta(days=200)
    leaf = root.intermediate("Lab Intermediate").leaf(
        HOST, not_before=start, not_after=start + dt.timedelta(days=90)
    )
    return Built(served=leaf.cert_pem(), root=root.cert_pem(), leaf=leaf)


def cross_signed_one_expired() -> Built:
    old_root = ca("Old Root")
    new_root = ca("New Root")
    inter = new_root.intermediate("Cross Intermediate")
    start = utcnow() - dt.timedelta(days=400)
    expired_cross = old_root.cross_sign(
        inter, not_before=start, not_after=start + dt.timedelta(days=300)
    )
    leaf = inter.leaf(HOST)
    served = [leaf.cert, inter.cert, expired_cross]
    roots = old_root.cert_pem() + new_root.cert_pem()
    return Built(served=leaf.chain_pem(served), root=roots, leaf=leaf)


def cn_only() -> Built:
    return _simple(san=False)


def healthy_long_private() -> Built:
    return _simple(days=900)


CASES: list[ChainCase] = [
    ChainCase("healthy", "a healthy chain under a private root", None, healthy, openssl_ok=True),
    ChainCase(
        "self-signed-leaf",
        "a self-signed leaf that is not a CA (a device certificate)",
        "chain.self-signed-leaf",
        self_signed_non_ca,
        openssl_ok=True,
    ),
    ChainCase(
        "path-len",
        "root → Dev Int A (pathLen 0) → Dev Int B → leaf",
        "chain.path-len-exceeded",
        path_len_violation,
        openssl_ok=False,
    ),
    ChainCase(
        "missing-intermediate",
        "the server sends only its own certificate",
        "chain.incomplete",
        missing_intermediate,
        openssl_ok=False,
    ),
    ChainCase(
        "untrusted-root",
        "a chain to a private root the client was not given",
        "chain.untrusted-root",
        private_root_not_trusted,
        openssl_ok=False,
    ),
    ChainCase(
        "intermediate-no-bc",
        "an intermediate without basicConstraints",
        "chain.issuer-not-ca",
        intermediate_without_bc,
        openssl_ok=False,
    ),
    ChainCase("expired", "an expired leaf", "cert.expired", expired, openssl_ok=False),
    ChainCase(
        "not-yet-valid",
        "a leaf valid from 3 days from now",
        "cert.not-yet-valid",
        not_yet_valid,
        openssl_ok=False,
    ),
    ChainCase(
        "wrong-host",
        "a certificate for other.example",
        "cert.name-mismatch",
        wrong_host,
        openssl_ok=False,
    ),
    ChainCase(
        "ip-as-dns",
        "127.0.0.1 written as a DNS name",
        "cert.ip-in-dns-san",
        ip_as_dns,
        openssl_ok=False,
    ),
    ChainCase(
        "wrong-order",
        "intermediates in the wrong order, plus an unrelated certificate",
        "chain.wrong-order",
        wrong_order_extra,
        also_expect=("chain.extra-certs",),
        openssl_ok=True,
    ),
    ChainCase(
        "sha1-leaf", "a leaf signed with SHA-1", "cert.weak-signature", sha1_leaf, openssl_ok=False
    ),
    ChainCase("rsa1024-leaf", "an RSA-1024 leaf", "cert.weak-key", rsa1024_leaf, openssl_ok=False),
    ChainCase(
        "client-auth-only",
        "a leaf whose EKU is clientAuth only",
        "cert.eku-missing-server-auth",
        client_auth_only,
        openssl_ok=False,
    ),
    ChainCase(
        "key-mismatch",
        "a private key that belongs to another certificate",
        "cert.key-mismatch",
        key_mismatch,
    ),
    ChainCase(
        "missing-and-expired",
        "an intermediate missing and the leaf expired",
        "chain.incomplete",
        missing_intermediate_and_expired,
        also_expect=("cert.expired",),
        openssl_ok=False,
    ),
    ChainCase(
        "cross-signed",
        "a cross-signed intermediate: one path expired, one valid",
        None,
        cross_signed_one_expired,
        also_expect=("chain.alternate-path",),
        openssl_ok=True,
    ),
    ChainCase(
        "cn-only",
        "a leaf that names the host only in its CN",
        "cert.no-san",
        cn_only,
        openssl_ok=True,
    ),
    ChainCase(
        "long-private",
        "a 900-day leaf under a private root (Apple's 825-day limit)",
        "cert.validity-too-long",
        healthy_long_private,
        openssl_ok=True,
    ),
]

# Chains the lab servers need beyond the offline cases above.
EXTRA_CASES: list[ChainCase] = [
    ChainCase(
        "healthy-rsa",
        "a healthy chain with an RSA-2048 leaf",
        None,
        lambda: _simple(key_type="rsa", bits=2048),
    ),
    ChainCase("must-staple", "a must-staple leaf", None, lambda: _simple(must_staple=True)),
]

BY_NAME = {c.name: c for c in CASES + EXTRA_CASES}

__all__ = ["BY_NAME", "CASES", "Built", "ChainCase", "cert_pem"]
