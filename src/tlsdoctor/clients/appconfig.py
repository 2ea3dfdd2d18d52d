"""App configuration as evidence: an iOS Info.plist's ATS keys, an Android network security config.

- iOS / macOS: ``NSAppTransportSecurity`` in Info.plist (Apple's "NSAppTransport
  Security" reference): ``NSAllowsArbitraryLoads``, ``NSAllowsLocalNetworking``,
  ``NSExceptionDomains`` with per-domain ``NSIncludesSubdomains``,
  ``NSExceptionAllowsInsecureHTTPLoads``, ``NSExceptionMinimumTLSVersion``,
  ``NSExceptionRequiresForwardSecrecy``, ``NSRequiresCertificateTransparency``.
- Android: ``res/xml/network_security_config.xml`` (developer.android.com,
  "Network security configuration"): ``base-config`` and ``domain-config``
  with ``trust-anchors`` (``certificates src="system" | "user" | "@raw/…"``),
  ``pin-set`` (SHA-256 SPKI pins, ``expiration``) and ``debug-overrides``.

Both parsers take untrusted bytes: anything malformed is an
:class:`~tlsdoctor.errors.InputError` with one line naming the file.
"""

from __future__ import annotations

import base64
import binascii
import os
import plistlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date

from tlsdoctor.errors import InputError
from tlsdoctor.wire.constants import ProtocolVersion

TLS_VERSIONS: dict[str, int] = {
    "TLSv1.0": ProtocolVersion.TLSv1_0,
    "TLSv1.1": ProtocolVersion.TLSv1_1,
    "TLSv1.2": ProtocolVersion.TLSv1_2,
    "TLSv1.3": ProtocolVersion.TLSv1_3,
}
"""NSExceptionMinimumTLSVersion values (Apple's spelling) and the versions they name."""


def _domain(name: str) -> str:
    return name.lower().rstrip(".")


def _covers(domain: str, include_subdomains: bool, host: str) -> bool:
    """``host`` (already lowercased, no trailing dot) is ``domain`` or, when
    subdomains are included, under it."""
    return host == domain or (include_subdomains and host.endswith("." + domain))


@dataclass(frozen=True)
class AtsDomain:
    domain: str
    includes_subdomains: bool = False
    allows_insecure_http: bool = False
    minimum_tls: str | None = None
    requires_forward_secrecy: bool = True
    requires_ct: bool = False


@dataclass(frozen=True)
class AtsConfig:
    source: str
    allows_arbitrary_loads: bool = False
    allows_local_networking: bool = False
    domains: tuple[AtsDomain, ...] = ()

    def for_host(self, host: str | None) -> AtsDomain | None:
        if not host:
            return None
        h = _domain(host)
        for d in self.domains:
            if _covers(_domain(d.domain), d.includes_subdomains, h):
                return d
        return None


@dataclass(frozen=True)
class Pin:
    digest: str
    """base64 SHA-256 of a SubjectPublicKeyInfo."""


@dataclass(frozen=True)
class NscDomain:
    domains: tuple[tuple[str, bool], ...]
    """(domain, includeSubdomains)."""
    anchors: tuple[str, ...] | None
    """certificates src values; None when the element does not set trust-anchors."""
    pins: tuple[Pin, ...] = ()
    pin_expiration: date | None = None


@dataclass(frozen=True)
class NetworkSecurityConfig:
    source: str
    base_anchors: tuple[str, ...] | None = None
    domains: tuple[NscDomain, ...] = ()
    debug_anchors: tuple[str, ...] | None = None

    def for_host(
        self, host: str | None
    ) -> tuple[tuple[str, ...], tuple[Pin, ...], date | None, str]:
        """(trust anchors, pins, pin expiration, which element decided) for ``host``."""
        h = _domain(host or "")
        best: NscDomain | None = None
        best_len = -1
        for d in self.domains:
            for name, subs in d.domains:
                n = _domain(name)
                if _covers(n, subs, h) and len(n) > best_len:
                    best, best_len = d, len(n)
        if best is not None:
            anchors = (
                best.anchors if best.anchors is not None else (self.base_anchors or ("system",))
            )
            names = ", ".join(n for n, _ in best.domains)
            return anchors, best.pins, best.pin_expiration, f"domain-config {names}"
        return (
            self.base_anchors or ("system",),
            (),
            None,
            "base-config" if self.base_anchors else "defaults",
        )


@dataclass(frozen=True)
class AppConfig:
    ats: AtsConfig | None = None
    nsc: NetworkSecurityConfig | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def load(path: str) -> AppConfig:
    """An Info.plist (XML or binary) or a network_security_config.xml, by content."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 * 1024 * 1024 + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read the app configuration ({e.strerror})") from None
    if len(data) > 4 * 1024 * 1024:
        raise InputError(f"{path}: too large for an app configuration file")
    name = os.path.basename(path)
    if data.startswith(b"bplist") or b"<plist" in data[:2048] or b"<!DOCTYPE plist" in data[:2048]:
        return AppConfig(ats=parse_info_plist(data, name))
    if b"network-security-config" in data[:4096]:
        return AppConfig(nsc=parse_network_security_config(data, name))
    raise InputError(f"{name}: not an Info.plist or an Android network_security_config.xml")


# ------------------------------------------------------------------- Info.plist


def _bool(value: object, key: str, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InputError(f"{name}: {key} must be a boolean")


def parse_info_plist(data: bytes, name: str = "Info.plist") -> AtsConfig:
    try:
        doc = plistlib.loads(data)
    except (
        plistlib.InvalidFileException,
        ValueError,
        TypeError,
        OverflowError,
        KeyError,
        IndexError,
        ET.ParseError,
        RecursionError,
    ):
        raise InputError(f"{name}: not a valid property list") from None
    except Exception as e:  # expat and the binary reader raise a few more kinds on garbage
        raise InputError(f"{name}: not a valid property list ({type(e).__name__})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{name}: the property list is not a dictionary")
    ats = doc.get("NSAppTransportSecurity", {})
    if not isinstance(ats, dict):
        raise InputError(f"{name}: NSAppTransportSecurity must be a dictionary")
    domains = []
    exc = ats.get("NSExceptionDomains", {})
    if not isinstance(exc, dict):
        raise InputError(f"{name}: NSExceptionDomains must be a dictionary")
    for domain, keys in exc.items():
        if not isinstance(keys, dict):
            raise InputError(f"{name}: NSExceptionDomains[{domain!r}] must be a dictionary")
        minimum = keys.get("NSExceptionMinimumTLSVersion")
        if minimum is not None and minimum not in TLS_VERSIONS:
            raise InputError(
                f"{name}: NSExceptionMinimumTLSVersion must be one of {', '.join(TLS_VERSIONS)}"
            )
        domains.append(
            AtsDomain(
                domain=str(domain),
                includes_subdomains=_bool(
                    keys.get("NSIncludesSubdomains", False), "NSIncludesSubdomains", name
                ),
                allows_insecure_http=_bool(
                    keys.get("NSExceptionAllowsInsecureHTTPLoads", False),
                    "NSExceptionAllowsInsecureHTTPLoads",
                    name,
                ),
                minimum_tls=minimum,
                requires_forward_secrecy=_bool(
                    keys.get("NSExceptionRequiresForwardSecrecy", True),
                    "NSExceptionRequiresForwardSecrecy",
                    name,
                ),
                requires_ct=_bool(
                    keys.get("NSRequiresCertificateTransparency", False),
                    "NSRequiresCertificateTransparency",
                    name,
                ),
            )
        )
    return AtsConfig(
        source=name,
        allows_arbitrary_loads=_bool(
            ats.get("NSAllowsArbitraryLoads", False), "NSAllowsArbitraryLoads", name
        ),
        allows_local_networking=_bool(
            ats.get("NSAllowsLocalNetworking", False), "NSAllowsLocalNetworking", name
        ),
        domains=tuple(domains),
    )


# ------------------------------------------------------- network_security_config


def _anchors(el: ET.Element | None) -> tuple[str, ...] | None:
    if el is None:
        return None
    ta = el.find("trust-anchors")
    if ta is None:
        return None
    return tuple(c.get("src", "") for c in ta.findall("certificates"))


def _pins(el: ET.Element, name: str) -> tuple[tuple[Pin, ...], date | None]:
    ps = el.find("pin-set")
    if ps is None:
        return (), None
    exp = ps.get("expiration")
    expiration = None
    if exp:
        try:
            expiration = date.fromisoformat(exp)
        except ValueError:
            raise InputError(
                f"{name}: pin-set expiration {exp!r} is not a date (YYYY-MM-DD)"
            ) from None
    pins = []
    for p in ps.findall("pin"):
        if p.get("digest", "SHA-256").upper() != "SHA-256":
            raise InputError(f"{name}: only SHA-256 pins are defined")
        text = (p.text or "").strip()
        try:
            if len(base64.b64decode(text, validate=True)) != 32:
                raise ValueError
        except (binascii.Error, ValueError):
            raise InputError(f"{name}: a pin is not a base64 SHA-256 digest") from None
        pins.append(Pin(text))
    return tuple(pins), expiration


def _domain_configs(el: ET.Element, name: str, depth: int = 0) -> list[NscDomain]:
    out: list[NscDomain] = []
    if depth > 8:
        raise InputError(f"{name}: domain-config nested too deeply")
    for dc in el.findall("domain-config"):
        domains = tuple(
            ((d.text or "").strip(), d.get("includeSubdomains", "false").lower() == "true")
            for d in dc.findall("domain")
        )
        if not domains or any(not d for d, _ in domains):
            raise InputError(f"{name}: a domain-config needs at least one non-empty <domain>")
        pins, exp = _pins(dc, name)
        out.append(NscDomain(domains, _anchors(dc), pins, exp))
        out.extend(_domain_configs(dc, name, depth + 1))
    return out


def parse_network_security_config(
    data: bytes, name: str = "network_security_config.xml"
) -> NetworkSecurityConfig:
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        raise InputError(f"{name}: DTDs and entities are not allowed in a network security config")
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(f"{name}: not well-formed XML") from None
    if root.tag != "network-security-config":
        raise InputError(f"{name}: the root element is not <network-security-config>")
    base = root.find("base-config")
    debug = root.find("debug-overrides")
    return NetworkSecurityConfig(
        source=name,
        base_anchors=_anchors(base),
        domains=tuple(_domain_configs(root, name)),
        debug_anchors=_anchors(debug),
    )
