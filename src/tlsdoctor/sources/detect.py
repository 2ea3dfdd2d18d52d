"""What kind of evidence an item is, from its content (``tlsdoctor diagnose``).

An item is a file (or ``-`` for standard input) or a piece of text:

- a packet capture: pcap or pcapng magic numbers;
- certificates or keys: PEM blocks, or one DER structure (certificate, PKCS#7,
  PKCS#12, key) that spans the whole file;
- a TLS library's debug log: one of the formats :mod:`tlsdoctor.sources.logs` knows;
- a server to check live: ``host``, ``host:port``, ``[v6]:port`` (not a file);
- otherwise text to look up in the catalog of error codes.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from tlsdoctor.errors import InputError
from tlsdoctor.sources.capture.pcapfile import PCAP_MAGICS, PCAPNG_SHB

_PCAPNG = PCAPNG_SHB.to_bytes(4, "big")
"""A pcapng Section Header Block's type: the same bytes in either byte order."""
HEAD_BYTES = 65536
"""How much of an item is read to tell its kind."""

_HOST = re.compile(
    r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?$"
)
_PATHY = re.compile(
    r"[/\\]|\.(?:pcap|pcapng|cap|pem|crt|cer|der|p7b|p7c|p12|pfx|key|log|txt)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Item:
    kind: str
    """"pcap", "pcapng" (captures), "certs", "log", "host", "text"."""
    name: str
    path: str | None = None
    data: bytes | None = None
    """Content read from standard input."""


def _sniff(head: bytes, size: int) -> str | None:
    """The kind the first bytes of an item say it is; ``size``: the item's whole length."""
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == _PCAPNG:
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
    if _is_der(head, size):
        return "certs"
    return None


def _is_der(head: bytes, size: int) -> bool:
    """One DER SEQUENCE spanning the whole item (a certificate, PKCS#7, PKCS#12, a key).

    Text never has a long-form length byte (0x81-0x84) after its first
    character, so that form is told by structure alone; a short form (under
    128 bytes: only a small key fits) must also load, or a text line starting
    with "0" of just the right length would pass.
    """
    if head[:1] != b"\x30":
        return False
    from tlsdoctor.sources.certfiles import _der_length, load_bytes  # cryptography: only now

    if _der_length(head) != size:
        return False
    if head[1] >= 0x80:
        return True
    try:
        load_bytes(head, "probe")
    except InputError:
        return False
    return True


def recognise(item: str, stdin: bytes | None = None) -> Item:
    """The kind of ``item``; raises InputError for a path that is not there."""
    if item == "-":
        data = stdin if stdin is not None else b""
        kind = _sniff(data[:HEAD_BYTES], len(data)) or "log"
        return Item(kind, "stdin", None, data)
    if os.path.isdir(item):
        raise InputError(f"{item}: is a directory")
    if os.path.exists(item):
        try:
            with open(item, "rb") as fh:
                head = fh.read(HEAD_BYTES)
                st = os.fstat(fh.fileno())
        except OSError as e:
            raise InputError(f"{item}: cannot read ({e.strerror})") from None
        if not head.strip():
            raise InputError(f"{item}: file is empty")
        # A pipe or device has no size: what was read is all there is to judge.
        size = st.st_size if stat.S_ISREG(st.st_mode) else len(head)
        return Item(_sniff(head, size) or "log", os.path.basename(item), item)
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
