"""SCT signature verification against a CT log list (RFC 6962 §3.2, §3.3; RFC 5246 §4.7).

An SCT says "log L saw this certificate at time T", signed with the log's key.
A client counts it only when L is a log it knows (its log list) and the
signature verifies over the right entry:

- an SCT embedded in the certificate signs a *precert_entry*: the SHA-256 of the
  issuer's SubjectPublicKeyInfo and the TBSCertificate without the SCT list
  extension (RFC 6962 §3.2);
- an SCT from the TLS extension or a stapled OCSP response signs an
  *x509_entry*: the certificate's DER.

Log lists are the v2/v3 JSON published by Google (Chrome) and Apple; a shipped
snapshot is used unless the user passes a newer one.  No network.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tlsdoctor.errors import InputError
from tlsdoctor.pki.certinfo import info
from tlsdoctor.pki.sct import Sct

DATA = Path(__file__).resolve().parent.parent / "clients" / "data"

SNAPSHOTS: dict[str, tuple[str, str]] = {
    "google": ("ct_logs_google.json", "Google CT log list (from PyPI ctutlz 0.9.8, 2020-02-12)"),
}
"""Shipped log lists: name -> (file in clients/data, description)."""

X509_ENTRY, PRECERT_ENTRY = 0, 1
_HASH_SHA256, _SIG_RSA, _SIG_ECDSA = 4, 1, 3


@dataclass(frozen=True)
class CtLog:
    log_id: bytes
    """SHA-256 of the log's public key (RFC 6962 §3.2)."""
    description: str
    operator: str
    key_der: bytes
    state: str
    """"usable", "qualified", "readonly", "retired", "rejected", "pending" or "unknown"."""
    state_since: datetime | None = None
    rfc6962: bool = True


@dataclass(frozen=True)
class LogList:
    name: str
    """What the list is: "Google CT log list (… snapshot)", "my_list.json"."""
    logs: Mapping[bytes, CtLog]
    timestamp: datetime | None
    """When the list was made (its log_list_timestamp, or the snapshot date)."""

    def find(self, log_id: bytes) -> CtLog | None:
        return self.logs.get(log_id)


@dataclass(frozen=True)
class SctCheck:
    """One SCT as a client would judge it."""

    source: str
    """"certificate", "tls-extension" or "ocsp"."""
    log_id: bytes
    timestamp: datetime
    status: str
    """"valid", "bad-signature", "unknown-log", "newer-than-list", "future",
    "unsupported"."""
    log: CtLog | None = None

    @property
    def counts(self) -> bool:
        return self.status == "valid"

    def describe(self) -> str:
        name = (
            self.log.description
            if self.log
            else "log " + base64.b64encode(self.log_id).decode()[:12] + "…"
        )
        text = {
            "valid": "signature verifies",
            "bad-signature": "signature does NOT verify",
            "unknown-log": "the log is not in the log list: counts as none",
            "newer-than-list": "the log is not in the (older) log list snapshot: cannot be judged",
            "future": "timestamp lies in the future: counts as none",
            "unsupported": "signature algorithm not supported",
        }[self.status]
        return f"{self.source} SCT from {name} ({self.timestamp:%Y-%m-%d}): {text}"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def parse_log_list(data: bytes, name: str, snapshot_date: datetime | None = None) -> LogList:
    """A v2 or v3 log list (Google's or Apple's JSON); ``InputError`` when it is not one."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{name}: not a CT log list (not JSON)") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("operators"), list):
        raise InputError(f"{name}: not a CT log list (no 'operators' array)")
    logs: dict[bytes, CtLog] = {}
    latest: datetime | None = None
    for op in doc["operators"]:
        if not isinstance(op, dict):
            continue
        operator = str(op.get("name", "?"))
        entries = [(e, True) for e in op.get("logs", []) or []]
        entries += [(e, False) for e in op.get("tiled_logs", []) or []]
        for entry, rfc in entries:
            log = _log(entry, operator, rfc)
            if log is None:
                continue
            logs[log.log_id] = log
            if log.state_since and (latest is None or log.state_since > latest):
                latest = log.state_since
    stamp = _parse_time(doc.get("log_list_timestamp")) or snapshot_date or latest
    return LogList(name, logs, stamp)


def _log(entry: Any, operator: str, rfc: bool) -> CtLog | None:
    if not isinstance(entry, dict):
        return None
    try:
        key = base64.b64decode(str(entry.get("key", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not key:
        return None
    log_id = hashlib.sha256(key).digest()
    state, since = "unknown", None
    st = entry.get("state")
    if isinstance(st, dict) and st:
        state = next(iter(st))
        inner = st[state]
        since = _parse_time(inner.get("timestamp")) if isinstance(inner, dict) else None
    return CtLog(log_id, str(entry.get("description", "?")), operator, key, state, since, rfc)


@lru_cache(maxsize=8)
def load_log_list(which: str = "google") -> LogList:
    """A shipped snapshot by name, or ``file:PATH``."""
    if which.startswith("file:"):
        path = which[5:]
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise InputError(f"{path}: cannot read the CT log list ({e.strerror})") from None
        return parse_log_list(data, Path(path).name)
    if which not in SNAPSHOTS:
        raise InputError(
            f"unknown CT log list {which!r} (choose from {', '.join(SNAPSHOTS)} or file:PATH)"
        )
    fname, desc = SNAPSHOTS[which]
    return parse_log_list((DATA / fname).read_bytes(), desc)


def _signed_data(sct: Sct, entry_type: int, entry: bytes) -> bytes:
    body = struct.pack(">BBQH", 0, 0, sct.timestamp_ms, entry_type) + entry
    return body + struct.pack(">H", len(sct.extensions)) + sct.extensions


def _len24(data: bytes) -> bytes:
    return len(data).to_bytes(3, "big") + data


def precert_entry(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    """PreCert (RFC 6962 §3.2): issuer_key_hash, then the TBS without the SCT list."""
    spki = info(issuer).spki_der
    return hashlib.sha256(spki).digest() + _len24(cert.tbs_precertificate_bytes)


def x509_entry(cert_der: bytes) -> bytes:
    return _len24(cert_der)


def verify_signature(
    key_der: bytes, hash_alg: int, sig_alg: int, signature: bytes, data: bytes
) -> bool | None:
    """True / False, or None when the algorithm is not one RFC 6962 allows."""
    if hash_alg != _HASH_SHA256:
        return None
    try:
        key = serialization.load_der_public_key(key_der)
    except (ValueError, UnsupportedAlgorithm):
        return None
    try:
        if sig_alg == _SIG_ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
        if sig_alg == _SIG_RSA and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return None


def check_sct(
    sct: Sct,
    source: str,
    entry_type: int,
    entry: bytes,
    logs: LogList,
    at: datetime,
) -> SctCheck:
    """Judge one SCT."""
    ts = sct.timestamp
    log_id = sct.log_id
    log = logs.find(log_id)
    if log is None:
        newer = logs.timestamp is not None and ts > logs.timestamp
        return SctCheck(source, log_id, ts, "newer-than-list" if newer else "unknown-log")
    if ts > at:
        return SctCheck(source, log_id, ts, "future", log)
    ok = verify_signature(
        log.key_der,
        sct.hash_algorithm,
        sct.signature_algorithm,
        sct.signature,
        _signed_data(sct, entry_type, entry),
    )
    status = "unsupported" if ok is None else ("valid" if ok else "bad-signature")
    return SctCheck(source, log_id, ts, status, log)


def check_all(
    leaf: x509.Certificate,
    leaf_der: bytes,
    issuer: x509.Certificate | None,
    delivered: Mapping[str, Iterable[Sct]],
    logs: LogList,
    at: datetime,
) -> list[SctCheck]:
    """Every SCT for ``leaf``: embedded ones and those ``delivered`` by TLS/OCSP."""
    out: list[SctCheck] = []
    embedded = info(leaf).embedded_scts
    if embedded:
        entry = precert_entry(leaf, issuer) if issuer is not None else None
        for e in embedded:
            if entry is None:
                log = logs.find(e.log_id)
                out.append(SctCheck("certificate", e.log_id, e.timestamp, "unsupported", log))
                continue
            out.append(check_sct(e, "certificate", PRECERT_ENTRY, entry, logs, at))
    x_entry = x509_entry(leaf_der)
    for source, scts in delivered.items():
        for s in scts:
            out.append(check_sct(s, source, X509_ENTRY, x_entry, logs, at))
    return out
