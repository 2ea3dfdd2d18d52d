"""Readable labels for code points, for messages ("42 bad_certificate").

Thin wrappers over :mod:`tlsdoctor.wire.registry` that never fail: an unknown
code is shown as its number.
"""

from __future__ import annotations


def alert_label(description: int) -> str:
    """ "42 bad_certificate" (RFC 8446 §6, IANA TLS Alerts registry)."""
    try:
        from tlsdoctor.wire import registry

        name = registry.alert_name(description)
    except (ImportError, AttributeError, KeyError):
        name = None
    return f"{description} {name}" if name else str(description)
