"""What a ClientHello offers, as comparable facts (RFC 8446 §4.1.2, §4.2; RFC 8701).

A profile's offer and a real client's captured ClientHello both reduce to a
:class:`HelloFacts`: versions, cipher suites in order, groups, key-share
groups, signature schemes and extension names in order, GREASE left out.
The tests compare the two field by field; the simulator sends the profile's.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsdoctor.wire import registry
from tlsdoctor.wire.constants import ExtensionType, extension_name, is_grease
from tlsdoctor.wire.hello import ClientHelloProfile, build_client_hello, random_inputs
from tlsdoctor.wire.messages import ClientHello

_SCSV = (0x00FF, 0x5600)


@dataclass(frozen=True)
class HelloFacts:
    versions: tuple[int, ...]
    cipher_suites: tuple[int, ...]
    """In offered order, without GREASE and the signalling values (RFC 5746 SCSV,
    RFC 7507 fallback SCSV)."""
    groups: tuple[int, ...]
    key_share_groups: tuple[int, ...]
    signature_algorithms: tuple[int, ...]
    extensions: tuple[str, ...]
    """Extension names in order, without GREASE, padding and pre_shared_key
    (which vary from one connection to the next)."""
    grease: bool
    signature_algorithms_cert: tuple[int, ...] = ()
    """RFC 8446 §4.2.3, when the client sends the extension."""

    def differences(self, other: HelloFacts) -> list[str]:
        """Human-readable differences, empty when both offer the same."""
        out = []
        for name in (
            "versions",
            "cipher_suites",
            "groups",
            "key_share_groups",
            "signature_algorithms",
            "signature_algorithms_cert",
            "extensions",
        ):
            a, b = getattr(self, name), getattr(other, name)
            if a != b:
                out.append(f"{name}: {_show(name, a)} != {_show(name, b)}")
        return out


def _show(name: str, values: tuple[object, ...]) -> str:
    if name == "cipher_suites":
        return ", ".join(registry.cipher_suite_name(int(v)) for v in values)  # type: ignore[call-overload]
    if name in ("groups", "key_share_groups"):
        return ", ".join(registry.group_name(int(v)) for v in values)  # type: ignore[call-overload]
    if name in ("signature_algorithms", "signature_algorithms_cert"):
        return ", ".join(registry.signature_scheme_name(int(v)) for v in values)  # type: ignore[call-overload]
    if name == "versions":
        return ", ".join(registry.version_name(int(v)) for v in values)  # type: ignore[call-overload]
    return ", ".join(str(v) for v in values)


def facts(ch: ClientHello) -> HelloFacts:
    """The facts of a parsed ClientHello."""
    grease = any(is_grease(c) for c in ch.cipher_suites)
    versions = tuple(v for v in ch.offered_versions if not is_grease(v))
    groups_ext = ch.typed(ExtensionType.supported_groups)
    groups = tuple(g for g in groups_ext.groups if not is_grease(g)) if groups_ext else ()
    ks = ch.typed(ExtensionType.key_share)
    shares = tuple(e.group for e in ks.entries if not is_grease(e.group)) if ks is not None else ()
    sig = ch.typed(ExtensionType.signature_algorithms)
    sigalgs = tuple(sig.schemes) if sig is not None else ()
    sig_cert = ch.typed(ExtensionType.signature_algorithms_cert)
    sigalgs_cert = tuple(sig_cert.schemes) if sig_cert is not None else ()
    varying = (ExtensionType.padding, ExtensionType.pre_shared_key)
    exts = tuple(
        extension_name(e.type)
        for e in ch.extensions
        if not is_grease(e.type) and e.type not in varying
    )
    suites = tuple(c for c in ch.cipher_suites if not is_grease(c) and c not in _SCSV)
    return HelloFacts(versions, suites, groups, shares, sigalgs, exts, grease, sigalgs_cert)


def profile_facts(profile: ClientHelloProfile, server_name: str = "localhost") -> HelloFacts:
    """The facts of the ClientHello ``profile`` sends."""
    return facts(build_client_hello(profile, random_inputs(profile, server_name)))
