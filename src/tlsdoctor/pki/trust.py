"""Trust stores: which roots a client trusts, and whether each is public or private.

The public store is Mozilla's (the ``certifi`` bundle) by default, or the
operating system's bundle (``--system``); roots the user adds (``--ca``) are
*private*: policies that apply only to publicly trusted roots (Certificate
Transparency, Apple's 398-day limit) do not apply to paths ending there.
No network: every store is a local file.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography import x509

from tlsdoctor.errors import InputError
from tlsdoctor.pki.certinfo import CertInfo, info

SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, OpenBSD
    "/etc/ssl/ca-bundle.pem",  # openSUSE
)


@dataclass(frozen=True)
class Anchor:
    cert: x509.Certificate
    public: bool
    origin: str
    """Where the anchor came from: "mozilla (certifi 2026.05.20)", "--ca root.pem"."""

    @property
    def info(self) -> CertInfo:
        return info(self.cert)


@dataclass
class TrustStore:
    """Anchors indexed by subject name (DER) for path building."""

    anchors: list[Anchor] = field(default_factory=list)
    description: str = ""
    _by_subject: dict[bytes, list[Anchor]] = field(default_factory=dict)
    _by_fingerprint: dict[bytes, Anchor] = field(default_factory=dict)

    def add(self, cert: x509.Certificate, public: bool, origin: str) -> None:
        ci = info(cert)
        if ci.fingerprint in self._by_fingerprint:
            return
        a = Anchor(cert, public, origin)
        self.anchors.append(a)
        self._by_subject.setdefault(ci.subject_der, []).append(a)
        self._by_fingerprint[ci.fingerprint] = a

    def issuers_of(self, cert: x509.Certificate) -> list[Anchor]:
        return self._by_subject.get(info(cert).issuer_der, [])

    def find(self, cert: x509.Certificate) -> Anchor | None:
        """The anchor this very certificate is, or one with its name and key."""
        ci = info(cert)
        hit = self._by_fingerprint.get(ci.fingerprint)
        if hit is not None:
            return hit
        for a in self._by_subject.get(ci.subject_der, []):
            if a.info.spki_der == ci.spki_der:
                return a
        return None

    def with_private(self, certs: Iterable[x509.Certificate], origin: str) -> TrustStore:
        """A copy of this store plus the user's private roots."""
        out = TrustStore(description=self.description)
        for a in self.anchors:
            out.add(a.cert, a.public, a.origin)
        for c in certs:
            out.add(c, False, origin)
        return out

    def __len__(self) -> int:
        return len(self.anchors)


def _load_bundle(path: str) -> list[x509.Certificate]:
    with open(path, "rb") as fh:
        data = fh.read()
    with warnings.catch_warnings():
        # A few old roots have non-positive serial numbers; they are still roots.
        warnings.simplefilter("ignore")
        return x509.load_pem_x509_certificates(data)


def load_store(spec: str) -> TrustStore:
    """The store a :attr:`~tlsdoctor.clients.policy.Policy.trust_store` spec names:
    "mozilla", "system", "none" or "file:PATH"."""
    kind, _, bundle = spec.partition(":")
    try:
        return public_store(kind, bundle or None)
    except OSError as e:
        raise InputError(f"{bundle}: cannot read the root bundle ({e.strerror})") from None
    except ValueError:
        raise InputError(f"{bundle}: not a PEM bundle of root certificates") from None


@lru_cache(maxsize=8)
def public_store(kind: str = "mozilla", bundle: str | None = None) -> TrustStore:
    """The public roots: "mozilla" (certifi), "system", "file" (``bundle``), "none"."""
    store = TrustStore()
    if kind == "none":
        store.description = "no public roots"
        return store
    if kind == "file" and bundle:
        path = bundle
        origin = f"public roots from {os.path.basename(bundle)}"
    elif kind == "system":
        path = next((p for p in SYSTEM_BUNDLES if os.path.exists(p)), "")
        origin = f"system roots ({path})"
        if not path:
            store.description = "no system root bundle found"
            return store
    else:
        import certifi

        path = certifi.where()
        origin = f"Mozilla roots (certifi {getattr(certifi, '__version__', '?')})"
    for cert in _load_bundle(path):
        store.add(cert, True, origin)
    store.description = f"{origin}, {len(store)} roots"
    return store
