"""Making a report safe to paste: names and addresses replaced, secrets never shown.

Secrets are redacted at the source (:class:`~tlsdoctor.model.Secret` renders as
``<redacted>`` everywhere); this module adds a last line of defence for text that
looks like key material, and replaces host names and IP addresses with stable
placeholders from the documentation ranges (RFC 2606 names, RFC 5737 and
RFC 3849 addresses) unless the user keeps them (``--keep-names``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tlsdoctor.model import PEM_PRIVATE_KEY_LABEL, REDACTED, Report

_PEM_PRIVATE = re.compile(
    rf"-----BEGIN ({PEM_PRIVATE_KEY_LABEL})-----.*?(-----END \1-----|\Z)", re.DOTALL
)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![:\w])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![:\w])")
_HOSTLIKE = re.compile(r"^[A-Za-z0-9*](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


def scrub_secrets(text: str) -> str:
    """Remove anything shaped like a PEM private key."""
    return _PEM_PRIVATE.sub(f"[private key {REDACTED}]", text)


def scrub_values(value: Any) -> Any:
    """:func:`scrub_secrets` on every string in a JSON-like structure (keys too)."""
    if isinstance(value, str):
        return scrub_secrets(value)
    if isinstance(value, Mapping):
        return {scrub_values(k): scrub_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_values(v) for v in value]
    return value


def names_in(report: Report) -> list[str]:
    """Host names the report mentions (targets, SNI, SANs, CNs)."""
    found: list[str] = []

    def add(name: str | None) -> None:
        if not name:
            return
        name = name.strip().rstrip(".").lower()
        if name.startswith("*."):
            name = name[2:]
        if _HOSTLIKE.match(name) and name not in found and not name.endswith(".example"):
            found.append(name)

    add(str(report.facts.get("host") or ""))
    for scan in report.facts.get("scans", []) or []:
        if isinstance(scan, Mapping):
            add(str(scan.get("sni") or ""))
            target = str(scan.get("target") or "")
            add(target.rsplit(":", 1)[0].strip("[]"))
    for chain in report.facts.get("chains", []) or []:
        if not isinstance(chain, Mapping):
            continue
        for cert in chain.get("certificates", []) or []:
            for san in cert.get("san", []) or []:
                if str(san).startswith("DNS:"):
                    add(str(san)[4:])
            for part in str(cert.get("subject", "")).split(","):
                if part.startswith("CN="):
                    add(part[3:])
    return sorted(found, key=len, reverse=True)


class Anonymiser:
    """Stable placeholders: the same name always becomes the same placeholder."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.map: dict[str, str] = {}
        for i, n in enumerate(self.names, 1):
            self.map[n] = f"host{i}.example"
        self._v4 = 0
        self._v6 = 0

    def _ip(self, text: str) -> str:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return text
        if ip.is_loopback or ip.is_unspecified:
            return text  # 127.0.0.1 says nothing about anyone
        if text not in self.map:
            if ip.version == 4:
                self._v4 += 1
                self.map[text] = f"192.0.2.{self._v4}"
            else:
                self._v6 += 1
                self.map[text] = f"2001:db8::{self._v6:x}"
        return self.map[text]

    def __call__(self, text: str) -> str:
        for name in self.names:
            text = re.sub(
                rf"(?<![A-Za-z0-9.-]){re.escape(name)}(?![A-Za-z0-9-])",
                self.map[name],
                text,
                flags=re.IGNORECASE,
            )
        text = _IPV4.sub(lambda m: self._ip(m.group(0)), text)
        return _IPV6.sub(
            lambda m: (
                self._ip(m.group(0))
                if "::" in m.group(0) or m.group(0).count(":") >= 3
                else m.group(0)
            ),
            text,
        )


def anonymise(text: str, report: Report, keep_names: bool) -> str:
    """Host names and addresses replaced by placeholders, unless ``keep_names``."""
    return text if keep_names else Anonymiser(names_in(report))(text)
