"""What kind of evidence an item is, from its content (``tlsdoctor diagnose``).

An item is a file (or ``-`` for standard input) or a piece of text:

- a packet capture: pcap or pcapng magic numbers;
- certificates or keys: PEM blocks, or DER/PKCS#7/PKCS#12 that parse;
- a TLS library's debug log: one of the formats :mod:`tlsdoctor.sources.logs` knows;
- a server to check live: ``host``, ``host:port``, ``[v6]:port`` (not a file);
- otherwise text to look up in the catalog of error codes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from tlsdoctor.errors import InputError

PCAP_MAGIC = (
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\xc3\xd4",
    b"\x4d\x3c\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
)
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_STDIN = 512 * 1024 * 1024

_HOST = re.compile(
    r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$"
)
_PATHY = re.compile(
    r"[/\\]|\.(?:pcap|pcapng|cap|pem|crt|cer|der|p7b|p7c|p12|pfx|key|log|txt)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Item:
    kind: str
    """"capture", "pcapng" (a capture), "certs", "log", "host", "text"."""
    name: str
    path: str | None = None
    data: bytes | None = None
    """Content read from standard input."""

    @property
    def is_capture(self) -> bool:
        return self.kind in ("pcap", "pcapng")


def _sniff(head: bytes) -> str | None:
    if head[:4] in PCAP_MAGIC:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    if b"-----BEGIN " in head and any(
        k in head for k in (b"CERTIFICATE-----", b"PKCS7-----", b"PRIVATE KEY-----", b"CMS-----")
    ):
        # A log that dumps a certificate has many other lines; a PEM file is mostly PEM.
        text_lines = [ln for ln in head.splitlines() if ln.strip()]
        pem_like = sum(
            1
            for ln in text_lines
            if re.fullmatch(rb"[A-Za-z0-9+/=]{16,76}|-----.*-----", ln.strip())
        )
        if not text_lines or pem_like / len(text_lines) > 0.6:
            return "certs"
    if head[:1] == b"\x30":
        from tlsdoctor.sources.certfiles import load_bytes

        try:
            load_bytes(head, "probe")
            return "certs"
        except InputError as e:
            if "PKCS#12" in str(e) or "passphrase" in str(e):
                return "certs"
    return None


def recognise(item: str, stdin: bytes | None = None) -> Item:
    """The kind of ``item``; raises InputError for a path that is not there."""
    if item == "-":
        data = stdin if stdin is not None else b""
        kind = _sniff(data[:65536]) or "log"
        return Item(kind, "stdin", None, data)
    if os.path.isdir(item):
        raise InputError(f"{item}: is a directory")
    if os.path.exists(item):
        try:
            with open(item, "rb") as fh:
                head = fh.read(65536)
        except OSError as e:
            raise InputError(f"{item}: cannot read ({e.strerror})") from None
        if not head.strip():
            raise InputError(f"{item}: file is empty")
        return Item(_sniff(head) or "log", os.path.basename(item), item)
    text = item.strip()
    if (
        _HOST.match(text)
        and not _PATHY.search(text)
        and ("." in text or ":" in text or text == "localhost")
    ):
        return Item("host", text)
    if _PATHY.search(text) and " " not in text:
        raise InputError(f"{item}: no such file")
    return Item("text", text[:40] + ("…" if len(text) > 40 else ""), None, text.encode())
