"""Certification path building and structural validation (RFC 5280 §6, RFC 4158).

Given a leaf, the certificates a peer served (in any order) and a trust store,
:func:`build_paths` finds every path from the leaf towards a trust anchor,
following subject/issuer names, key identifiers and signatures, including
cross-signed alternatives.  :func:`validate_path` then gives each certificate on
a path its structural problems (dates, CA flag, path length, key usage), and
:func:`analyse` picks the path a client would take: a trusted one with the
fewest problems.  Policy questions (key sizes, hashes, names, CT) are for the
rules; this module answers "does a path exist, and what breaks it".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from tlsdoctor.pki.certinfo import CertInfo, info, now, verifies
from tlsdoctor.pki.trust import Anchor, TrustStore

MAX_DEPTH = 10
MAX_PATHS = 16


@dataclass(frozen=True)
class PathCert:
    cert: x509.Certificate
    served_index: int | None
    """Position in the served chain, or None when it came from the trust store."""

    @property
    def info(self) -> CertInfo:
        return info(self.cert)


@dataclass(frozen=True)
class Problem:
    """One structural reason a path fails, tied to a certificate on it."""

    kind: str
    """The finding id that reports it: "cert.expired", "chain.path-len-exceeded"…"""
    index: int
    """Position on the path (0 is the leaf)."""
    detail: str


@dataclass
class Path:
    certs: list[PathCert]
    """Leaf first; the last is the anchor when the path is trusted."""
    end: str
    """"trusted", "untrusted-root" (ends at a self-signed root not in the store),
    or "incomplete" (the last certificate's issuer was not found)."""
    anchor: Anchor | None = None
    problems: list[Problem] = field(default_factory=list)
    bad_signature_from: list[x509.Certificate] = field(default_factory=list)
    """Certificates whose name matched the last certificate's issuer but whose
    key did not verify its signature (an "incomplete" path only)."""

    @property
    def trusted(self) -> bool:
        return self.end == "trusted"

    @property
    def last(self) -> PathCert:
        return self.certs[-1]

    @property
    def public(self) -> bool | None:
        return self.anchor.public if self.anchor is not None else None

    def names(self) -> str:
        return " → ".join(f"'{pc.info.name}'" for pc in self.certs)


def _key_ids_differ(ci: CertInfo, issuer: CertInfo) -> bool:
    """Both key identifiers are present and name different keys."""
    return ci.aki is not None and issuer.ski is not None and ci.aki != issuer.ski


def _issuer_candidates(
    cert: x509.Certificate, pool: list[PathCert], used: set[bytes]
) -> list[PathCert]:
    ci = info(cert)
    out = []
    for pc in pool:
        pci = pc.info
        if pci.fingerprint in used or pci.subject_der != ci.issuer_der:
            continue
        if _key_ids_differ(ci, pci):
            continue
        out.append(pc)
    return out


def build_paths(
    leaf: x509.Certificate, served: list[x509.Certificate], store: TrustStore
) -> list[Path]:
    """Every path from ``leaf`` upwards, at most :data:`MAX_PATHS`."""
    leaf_index = next((i for i, c in enumerate(served) if c is leaf), None)
    pool = [PathCert(c, i) for i, c in enumerate(served) if c is not leaf]
    results: list[Path] = []

    def walk(path: list[PathCert], used: set[bytes]) -> None:
        if len(results) >= MAX_PATHS:
            return
        cur = path[-1]
        ci = cur.info
        anchor = store.find(cur.cert)
        if anchor is not None:
            results.append(Path(list(path), "trusted", anchor))
            return
        if ci.self_issued and ci.self_signed:
            results.append(Path(list(path), "untrusted-root"))
            return
        if len(path) >= MAX_DEPTH:
            results.append(Path(list(path), "incomplete"))
            return
        found = False
        bad_sig: list[x509.Certificate] = []
        for a in store.issuers_of(cur.cert):
            ai = a.info
            if ai.fingerprint in used or _key_ids_differ(ci, ai):
                continue
            if verifies(cur.cert, a.cert):
                results.append(Path([*path, PathCert(a.cert, None)], "trusted", a))
                found = True
            else:
                bad_sig.append(a.cert)
        for cand in _issuer_candidates(cur.cert, pool, used):
            if not verifies(cur.cert, cand.cert):
                bad_sig.append(cand.cert)
                continue
            found = True
            walk([*path, cand], used | {cand.info.fingerprint})
        if not found:
            results.append(Path(list(path), "incomplete", bad_signature_from=bad_sig))

    start = PathCert(leaf, leaf_index)
    walk([start], {start.info.fingerprint})
    return results


def validate_path(path: Path, at: datetime) -> None:
    """Fill ``path.problems``: dates, CA flag, key usage, path length, CA purpose."""
    problems: list[Problem] = []
    n = len(path.certs)
    for i, pc in enumerate(path.certs):
        ci = pc.info
        is_anchor = path.trusted and i == n - 1
        if i == 0 and n == 1 and ci.self_signed and not ci.is_ca:
            problems.append(
                Problem("chain.self-signed-leaf", 0, "the leaf is self-signed and not a CA")
            )
        if not is_anchor or i == 0:
            if at < ci.not_before:
                problems.append(
                    Problem("cert.not-yet-valid", i, f"not valid before {ci.not_before}")
                )
            elif at > ci.not_after:
                problems.append(Problem("cert.expired", i, f"expired {ci.not_after}"))
        if i == 0:
            continue
        # i >= 1: this certificate issued path.certs[i - 1].
        if is_anchor and not ci.is_ca and ci.basic_constraints is None and ci.self_signed:
            # Old v1 roots have no basicConstraints; a trusted self-signed v1 root is
            # accepted as an anchor by OpenSSL and browsers alike.
            continue
        if not ci.is_ca:
            problems.append(
                Problem(
                    "chain.issuer-not-ca",
                    i,
                    "no basicConstraints extension"
                    if ci.basic_constraints is None
                    else "basicConstraints cA is FALSE",
                )
            )
        if ci.key_cert_sign is False:
            problems.append(Problem("chain.issuer-key-usage", i, "keyUsage lacks keyCertSign"))
        if ci.path_len is not None:
            # RFC 5280 §4.2.1.9: number of non-self-issued intermediate CA
            # certificates that may follow this one (the leaf does not count).
            below = sum(1 for pc2 in path.certs[1:i] if not pc2.info.self_issued)
            if below > ci.path_len:
                problems.append(
                    Problem(
                        "chain.path-len-exceeded",
                        i,
                        f"pathLenConstraint={ci.path_len} but {below} CA certificate(s) below it",
                    )
                )
        if not is_anchor and not ci.allows_server_auth():
            problems.append(
                Problem(
                    "chain.ca-eku",
                    i,
                    "extendedKeyUsage of this CA excludes serverAuth ("
                    + ", ".join(ci.eku_names)
                    + ")",
                )
            )
    path.problems = problems


@dataclass
class Analysis:
    """The paths of one chain, best first, and facts the chain rules share."""

    leaf: x509.Certificate
    served: list[x509.Certificate]
    paths: list[Path]
    at: datetime

    @property
    def best(self) -> Path:
        return self.paths[0]

    @property
    def public(self) -> bool | None:
        """Whether the chosen path ends at a publicly trusted root."""
        return self.best.public


def _rank(p: Path) -> tuple[int, int, int]:
    end = {"trusted": 0, "untrusted-root": 1, "incomplete": 2}[p.end]
    return (end, len(p.problems), len(p.certs))


def analyse(
    served: list[x509.Certificate],
    store: TrustStore,
    at: datetime | None = None,
    leaf: x509.Certificate | None = None,
) -> Analysis:
    when = at or now()
    # A TLS client treats the first certificate served as the leaf.
    leaf = leaf if leaf is not None else served[0]
    paths = build_paths(leaf, served, store)
    for p in paths:
        validate_path(p, when)
    paths.sort(key=_rank)
    return Analysis(leaf=leaf, served=served, paths=paths, at=when)
