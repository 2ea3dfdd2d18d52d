"""Client profiles: what each client offers and the policy it applies, loaded from data.

One TOML file per client under ``clients/profiles/`` (see its README.md for the
format).  A profile *is* a :class:`~tlsdoctor.clients.policy.Policy` — the same
rules judge the certificate for every client — plus the ClientHello the client
sends, the words its user sees for each failure, and a citation for every fact
(``[sources]``: an RFC, a vendor document, a library header at a tag, or
"measured: how").  A profile may ``inherit`` another and override some facts.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tlsdoctor.clients.hellofacts import HelloFacts
from tlsdoctor.clients.policy import Policy
from tlsdoctor.errors import InputError
from tlsdoctor.wire import registry
from tlsdoctor.wire.constants import ExtensionType
from tlsdoctor.wire.hello import DEFAULT_EXTENSION_ORDER, ClientHelloProfile
from tlsdoctor.wire.kex import supported as kex_supported

HERE = Path(__file__).resolve().parent
PROFILE_DIR = HERE / "profiles"
DATA_DIR = HERE / "data"

TRUST_STORES: dict[str, str] = {
    "mozilla": "mozilla",
    "system": "system",
    "apple": "apple.pem",
    "google_aosp": "google_aosp.pem",
    "microsoft": "microsoft_windows.pem",
    "openjdk": "openjdk.pem",
    "oracle_java": "oracle_java.pem",
}
"""Trust store names a profile may use -> the policy's store (a shipped snapshot
under clients/data, see its README.md for the package and date of each)."""

_VERSIONS = {
    "TLS 1.3": 0x0304,
    "TLS 1.2": 0x0303,
    "TLS 1.1": 0x0302,
    "TLS 1.0": 0x0301,
    "SSL 3.0": 0x0300,
}
_OFFER_KEYS = (
    "versions",
    "cipher_suites",
    "groups",
    "key_shares",
    "signature_algorithms",
    "signature_algorithms_cert",
    "extensions",
)
_POLICY_FIELDS = {f.name for f in dataclasses.fields(Policy)} - {
    "name",
    "display",
    "errors",
    "sources",
}
_OFFER_OPTIONAL = ("grease", "alpn", "renegotiation_scsv", "signature_algorithms_cert")
_NULLABLE = ("max_validity_days_public", "max_validity_days_all", "min_rsa_bits_private")
"""Policy facts where 0 in the data means "no limit" / "same as public" (TOML has no null)."""


@dataclass(frozen=True)
class Profile:
    id: str
    display: str
    family: str
    """"apple", "chrome", "firefox", "android", "java", "openssl", "python",
    "curl", "go", "wolfssl", "mbedtls", "windows", "gnutls", "node"."""
    current: bool
    """A client in use today (``Healthy: every current client passes``)."""
    policy: Policy
    hello: ClientHelloProfile
    """The ClientHello the simulator sends for this client."""
    offer: HelloFacts
    """The offer as the data states it (what the real client sends)."""
    errors: Mapping[str, str]
    sources: Mapping[str, str]
    runs_here: str | None = None
    """The local program a test compares this profile with, when there is one."""
    notes: tuple[str, ...] = ()
    error_default: str = "the connection fails"
    tags: tuple[str, ...] = field(default_factory=tuple)

    def error_for(self, finding_id: str) -> str:
        """What this client's user sees for ``finding_id``.

        The profile's default error is a certificate error ("NET::ERR_CERT_INVALID",
        -1200): it stands only for certificate findings.  A connection that never
        got that far is named as such, never as a certificate problem.
        """
        hit = self.errors.get(finding_id)
        if hit:
            return hit
        if finding_id.split(".", 1)[0] in ("chain", "cert", "ct", "ocsp", "ats"):
            return self.error_default
        if finding_id.startswith("transport."):
            return f"cannot connect ({finding_id.split('.', 1)[1].replace('-', ' ')})"
        return f"handshake fails ({finding_id})"


def _code(kind: str, value: Any) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.lower().startswith("0x"):
        return int(text, 16)
    if kind == "versions":
        if text in _VERSIONS:
            return _VERSIONS[text]
    elif kind == "cipher_suites":
        cs = registry.cipher_suite_by_name(text)
        if cs is not None:
            return cs.code
    elif kind in ("groups", "key_shares"):
        g = registry.group_by_name(text)
        if g is not None:
            return g.code
    elif kind in ("signature_algorithms", "signature_algorithms_cert"):
        s = registry.signature_scheme_by_name(text)
        if s is not None:
            return s.code
    raise ValueError(f"unknown {kind} value {text!r}")


def _raw(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _merged(name: str, raws: Mapping[str, dict[str, Any]], depth: int = 0) -> dict[str, Any]:
    raw = raws[name]
    parent = raw.get("profile", {}).get("inherits")
    if not parent:
        return raw
    if depth > 4 or parent not in raws:
        raise ValueError(f"profile {name}: bad 'inherits' {parent!r}")
    base = _merged(parent, raws, depth + 1)
    out: dict[str, Any] = {}
    for section in {*base, *raw}:
        b, r = base.get(section, {}), raw.get(section, {})
        out[section] = {**b, **r} if isinstance(b, dict) and isinstance(r, dict) else r or b
    out["profile"] = {**raw.get("profile", {})}
    out["profile"].setdefault("family", base.get("profile", {}).get("family", "?"))
    return out


def _hello(offer: Mapping[str, Any], codes: Mapping[str, tuple[int, ...]]) -> ClientHelloProfile:
    exts = tuple(str(e) for e in offer.get("extensions", ()))
    order = tuple(e for e in exts if e in ExtensionType.__members__)
    if offer.get("grease"):
        order = ("grease", *order, "grease2")
    order = (*order, "padding", "pre_shared_key") if order else DEFAULT_EXTENSION_ORDER
    shares = tuple(g for g in codes["key_shares"] if kex_supported(g))
    if not shares and 0x0304 in codes["versions"]:
        shares = tuple(g for g in codes["groups"] if kex_supported(g))[:1]
    sigalgs_cert: tuple[int, ...] = ()
    if "signature_algorithms_cert" in exts:
        # RFC 8446 §4.2.3: its own list when the client sends one, else the same list.
        sigalgs_cert = codes.get("signature_algorithms_cert") or codes["signature_algorithms"]
    return ClientHelloProfile(
        versions=codes["versions"],
        cipher_suites=codes["cipher_suites"],
        groups=codes["groups"],
        key_share_groups=shares,
        signature_algorithms=codes["signature_algorithms"],
        signature_algorithms_cert=sigalgs_cert,
        alpn=tuple(str(a).encode() for a in offer.get("alpn", ())),
        grease=bool(offer.get("grease", False)),
        extension_order=order,
        status_request="status_request" in exts,
        signed_certificate_timestamp="signed_certificate_timestamp" in exts,
        extended_master_secret="extended_master_secret" in exts,
        encrypt_then_mac="encrypt_then_mac" in exts,
        session_ticket="session_ticket" in exts,
        renegotiation_info="renegotiation_info" in exts,
        renegotiation_scsv=bool(offer.get("renegotiation_scsv", True)),
        post_handshake_auth="post_handshake_auth" in exts,
        record_size_limit=0x4001 if "record_size_limit" in exts else None,
        compat_mode=0x0304 in codes["versions"],
    )


def _policy(
    pid: str,
    display: str,
    raw: Mapping[str, Any],
    codes: Mapping[str, tuple[int, ...]],
    sources: dict[str, str],
    errors: dict[str, str],
) -> Policy:
    kw: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _POLICY_FIELDS:
            raise ValueError(f"profile {pid}: unknown policy fact {key!r}")
        if key == "trust_store":
            if value not in TRUST_STORES:
                raise ValueError(f"profile {pid}: unknown trust store {value!r}")
            target = TRUST_STORES[value]
            kw[key] = target if target in ("mozilla", "system") else f"file:{DATA_DIR / target}"
        elif key in _NULLABLE and value == 0:
            kw[key] = None
        elif key == "weak_signature_hashes":
            kw[key] = frozenset(str(v) for v in value)
        elif isinstance(value, list):
            kw[key] = tuple(value)
        else:
            kw[key] = value
    return Policy(
        name=pid,
        display=display,
        versions=codes["versions"],
        cipher_suites=codes["cipher_suites"],
        groups=codes["groups"],
        signature_algorithms=codes["signature_algorithms"],
        errors=errors,
        sources=sources,
        ct_verify=True,
        **kw,
    )


def _build(pid: str, raw: Mapping[str, Any]) -> Profile:
    meta = raw.get("profile", {})
    offer = raw.get("offer", {})
    policy_raw = raw.get("policy", {})
    sources = {str(k): str(v) for k, v in raw.get("sources", {}).items()}
    missing = [k for k in (*offer, *policy_raw) if k not in sources and k not in _OFFER_OPTIONAL]
    if missing:
        raise ValueError(f"profile {pid}: no source for {', '.join(sorted(missing))}")
    codes = {
        k: tuple(_code(k, v) for v in offer.get(k, ())) for k in _OFFER_KEYS if k != "extensions"
    }
    for k in ("versions", "cipher_suites", "signature_algorithms"):
        if not codes[k]:
            raise ValueError(f"profile {pid}: [offer] needs {k}")
    errors = {str(k): str(v) for k, v in raw.get("errors", {}).items()}
    default = errors.pop("default", "the connection fails")
    display = str(meta.get("display", pid))
    offer_facts = HelloFacts(
        codes["versions"],
        codes["cipher_suites"],
        codes["groups"],
        codes["key_shares"],
        codes["signature_algorithms"],
        tuple(str(e) for e in offer.get("extensions", ())),
        bool(offer.get("grease", False)),
        codes.get("signature_algorithms_cert")
        or (
            codes["signature_algorithms"]
            if "signature_algorithms_cert" in offer.get("extensions", ())
            else ()
        ),
    )
    return Profile(
        id=pid,
        display=display,
        family=str(meta.get("family", pid)),
        current=bool(meta.get("current", True)),
        policy=_policy(pid, display, policy_raw, codes, sources, errors),
        hello=_hello(offer, codes),
        offer=offer_facts,
        errors=errors,
        sources=sources,
        runs_here=meta.get("runs_here"),
        notes=tuple(str(n) for n in meta.get("notes", ())),
        error_default=default,
        tags=tuple(str(t) for t in meta.get("tags", ())),
    )


@cache
def profiles() -> dict[str, Profile]:
    """Every shipped profile, by id, in file-name order."""
    raws: dict[str, dict[str, Any]] = {}
    for path in sorted(PROFILE_DIR.glob("*.toml")):
        raw = _raw(path)
        pid = str(raw.get("profile", {}).get("id", path.stem))
        raws[pid] = raw
    return {pid: _build(pid, _merged(pid, raws)) for pid in raws}


def select(names: list[str] | tuple[str, ...]) -> list[Profile]:
    """Profiles for ``--client NAME`` (repeatable) or ``all``; InputError for an unknown name."""
    known = profiles()
    if not names:
        return []
    if any(n == "all" for n in names):
        return list(known.values())
    out: list[Profile] = []
    for n in names:
        key = n.strip().lower()
        matches = [p for p in known.values() if p.id == key] or [
            p for p in known.values() if p.family == key
        ]
        if not matches:
            raise InputError(f"unknown client {n!r} (tlsdoctor clients lists them; or 'all')")
        out.extend(m for m in matches if m not in out)
    return out
