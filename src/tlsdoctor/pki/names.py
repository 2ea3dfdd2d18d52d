"""Host name and IP address matching (RFC 6125 §6.4, RFC 9525, RFC 5280 §4.2.1.6).

A DNS name matches a dNSName SAN entry, case-insensitively, with a wildcard
allowed only as the whole left-most label; an IP address matches only an
iPAddress SAN entry.  The subject CN is consulted only by clients that still do
so (OpenSSL when no DNS SAN is present) and only when the policy says so.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from tlsdoctor.pki.certinfo import CertInfo


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text or not (text[0].isdigit() or ":" in text):
        return None  # no IPv4 (dotted digits) or IPv6 (colons) address: a name
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _norm(name: str) -> str:
    name = name.strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        return name


def dns_matches(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4.3: exact match, or ``*`` as the whole left-most label."""
    p = _norm(pattern)
    h = _norm(host)
    if not p or not h:
        return False
    if p == h:
        return True
    if not p.startswith("*."):
        return False
    suffix = p[1:]  # ".example.com"
    if suffix.count(".") < 2:  # "*.com" is never allowed
        return False
    if not h.endswith(suffix):
        return False
    label = h[: -len(suffix)]
    return bool(label) and "." not in label


@dataclass(frozen=True)
class NameCheck:
    host: str
    matches: bool
    """Matches under the strict rules (SAN only)."""
    is_ip: bool
    ip_in_dns_san: bool
    """The IP address is written as a dNSName entry, which no client honours."""
    cn_only: bool
    """The certificate has no SAN of the needed kind and names the host in its CN."""


def check_name(ci: CertInfo, host: str) -> NameCheck:
    ip = parse_ip(host)
    if ip is not None:
        ok = ip in ci.ip_addresses
        in_dns = any(_norm(d) == str(ip).lower() for d in ci.dns_names)
        cn_hit = not ci.ip_addresses and any(c.strip() == str(ip) for c in ci.common_names)
        return NameCheck(
            host=str(ip),
            matches=ok,
            is_ip=True,
            ip_in_dns_san=in_dns and not ok,
            cn_only=cn_hit,
        )
    ok = any(dns_matches(d, host) for d in ci.dns_names)
    cn_hit = not ci.dns_names and any(dns_matches(c, host) for c in ci.common_names)
    return NameCheck(
        host=host,
        matches=ok,
        is_ip=False,
        ip_in_dns_san=False,
        cn_only=cn_hit,
    )
