"""App Transport Security: which ATS rules a server breaks, and which exception keys would let it pass.

ATS (Apple, "NSAppTransportSecurity" and "Preventing Insecure Network
Connections") requires TLS 1.2 or newer and forward-secret ECDHE cipher suites
for every URLSession connection unless Info.plist relaxes it.  Like
``nscurl --ats-diagnostics`` this names the keys that would make a connection
pass — but from the server's observed versions and suites, naming the rule.
Certificate trust (chain, name, CT, key sizes) cannot be waived by these keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsdoctor.clients.appconfig import TLS_VERSIONS, AtsConfig
from tlsdoctor.model import ServerScan
from tlsdoctor.wire import registry

_NAMES = {v: k for k, v in TLS_VERSIONS.items()}


@dataclass(frozen=True)
class AtsResult:
    violations: tuple[str, ...]
    """Human-readable ATS rules the server breaks."""
    exceptions: dict[str, str]
    """Info.plist keys (under NSExceptionDomains/HOST) that would allow it."""
    allowed_by: str | None = None
    """The app's own Info.plist key that already allows it, when one does."""


def _fs(code: int) -> bool:
    s = registry.cipher_suite(code)
    return s is not None and s.forward_secrecy


def evaluate(scan: ServerScan, host: str | None, config: AtsConfig | None = None) -> AtsResult:
    accepted = sorted(v for v, ok in scan.versions.items() if ok)
    violations: list[str] = []
    exceptions: dict[str, str] = {}
    if accepted and max(accepted) < 0x0303:
        best = max(accepted)
        violations.append(
            f"ATS requires TLS 1.2 or newer; the server's best is {registry.version_name(best)}"
        )
        exceptions["NSExceptionMinimumTLSVersion"] = _NAMES.get(best, "TLSv1.0")
    allowed = [
        v
        for v in accepted
        if v >= TLS_VERSIONS.get(exceptions.get("NSExceptionMinimumTLSVersion", "TLSv1.2"), 0x0303)
    ]
    suites = [c for v in allowed for c in scan.suites.get(v, ())]
    if allowed and 0x0304 not in allowed and suites and not any(_fs(c) for c in suites):
        violations.append(
            "ATS requires forward secrecy (ECDHE); the server offers only RSA key exchange"
        )
        exceptions["NSExceptionRequiresForwardSecrecy"] = "NO"
    allowed_by = None
    if violations and config is not None:
        if config.allows_arbitrary_loads and not config.domains:
            allowed_by = f"{config.source}: NSAllowsArbitraryLoads = YES"
        dom = config.for_host(host)
        if dom is not None:
            ok_version = "NSExceptionMinimumTLSVersion" not in exceptions or (
                dom.minimum_tls is not None
                and TLS_VERSIONS[dom.minimum_tls]
                <= TLS_VERSIONS[exceptions["NSExceptionMinimumTLSVersion"]]
            )
            ok_fs = (
                "NSExceptionRequiresForwardSecrecy" not in exceptions
                or not dom.requires_forward_secrecy
            )
            if ok_version and ok_fs:
                keys = []
                if dom.minimum_tls:
                    keys.append(f"NSExceptionMinimumTLSVersion = {dom.minimum_tls}")
                if not dom.requires_forward_secrecy:
                    keys.append("NSExceptionRequiresForwardSecrecy = NO")
                allowed_by = f"{config.source}: NSExceptionDomains['{dom.domain}'] " + ", ".join(
                    keys
                )
            else:
                allowed_by = None
    return AtsResult(tuple(violations), exceptions, allowed_by)


def exception_snippet(host: str | None, exceptions: dict[str, str]) -> str:
    """The Info.plist fragment that would allow the connection."""
    lines = [
        "<key>NSAppTransportSecurity</key>",
        "<dict>",
        "  <key>NSExceptionDomains</key>",
        "  <dict>",
        f"    <key>{host or 'example.com'}</key>",
        "    <dict>",
    ]
    for k, v in exceptions.items():
        value = "<false/>" if v == "NO" else f"<string>{v}</string>"
        lines.append(f"      <key>{k}</key>")
        lines.append(f"      {value}")
    lines += ["    </dict>", "  </dict>", "</dict>"]
    return "\n".join(lines)
