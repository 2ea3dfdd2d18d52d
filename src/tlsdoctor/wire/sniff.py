"""What an answer to a ClientHello is, from its first bytes (RFC 8446 §5.1).

A TLS record starts with a content type (20–23) and a major version 3.  Other
answers have their own tells: an HTTP status line (RFC 9112 §4), an SMTP
greeting (RFC 5321 §4.2), an SSH identification string (RFC 4253 §4.2).
"""

from __future__ import annotations


def classify_answer(data: bytes) -> str | None:
    """None when ``data`` starts like a TLS record; else "closed", "plain-http",
    "smtp", "ssh" or "not-tls"."""
    if not data:
        return "closed"
    if data[0] in (0x14, 0x15, 0x16, 0x17) and (len(data) < 2 or data[1] == 0x03):
        return None
    head = data[:16]
    if head.startswith(b"HTTP/") or head[:1] == b"<":
        return "plain-http"
    if head.startswith(b"SSH-"):
        return "ssh"
    if head[:3] in (b"220", b"554") and (len(head) == 3 or head[3:4] in (b" ", b"-")):
        return "smtp"
    return "not-tls"
