"""NSS key log files (SSLKEYLOGFILE): secrets by ClientHello random.

Format as NSS documents it and Wireshark, OpenSSL (``s_client -keylogfile``,
``SSL_CTX_set_keylog_callback``), Python (``SSLContext.keylog_filename``),
curl, browsers, BoringSSL and Go write it: one ``LABEL <client random hex>
<secret hex>`` per line, ``#`` comments.  Labels read here: ``CLIENT_RANDOM``
(TLS 1.2 and earlier: the 48-byte master secret) and the TLS 1.3 traffic
secrets of RFC 8446 §7.1 (``CLIENT_HANDSHAKE_TRAFFIC_SECRET``,
``SERVER_HANDSHAKE_TRAFFIC_SECRET``, ``CLIENT_TRAFFIC_SECRET_0``,
``SERVER_TRAFFIC_SECRET_0``, ``CLIENT_EARLY_TRAFFIC_SECRET``); ``RSA``,
``EXPORTER_SECRET`` and other lines are counted and left alone.

Every secret is a :class:`~tlsdoctor.model.Secret`; errors name the file and
a line number, never the line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tlsdoctor.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from tlsdoctor.model import Secret

LABELS = frozenset(
    (
        "CLIENT_RANDOM",
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "CLIENT_EARLY_TRAFFIC_SECRET",
    )
)
MAX_KEYLOG_BYTES = 64 << 20


class KeyLogError(InputError):
    """A key log file that cannot be read."""


class KeyLog:
    """Secrets by client random: ``secrets[client_random][label]``."""

    def __init__(self) -> None:
        self.secrets: dict[bytes, dict[str, Secret]] = {}
        self.lines = 0
        """Key lines read."""
        self.skipped = 0
        """Lines with a label we do not use, or that did not parse."""

    def get(self, client_random: bytes, label: str) -> bytes | None:
        entry = self.secrets.get(client_random)
        if entry is None:
            return None
        secret = entry.get(label)
        if secret is None:
            return None
        value = secret.reveal()
        return value if isinstance(value, bytes) else None

    def has(self, client_random: bytes) -> bool:
        return client_random in self.secrets

    def add_text(self, text: str) -> None:
        from tlsdoctor.model import Secret

        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 3 or parts[0] not in LABELS:
                self.skipped += 1
                continue
            label, random_hex, secret_hex = parts
            try:
                client_random = bytes.fromhex(random_hex)
                secret = bytes.fromhex(secret_hex)
            except ValueError:
                self.skipped += 1
                continue
            if len(client_random) != 32 or not 16 <= len(secret) <= 64:
                self.skipped += 1
                continue
            self.secrets.setdefault(client_random, {})[label] = Secret(secret, kind=label)
            self.lines += 1

    def __repr__(self) -> str:
        return f"KeyLog({len(self.secrets)} sessions, {self.lines} lines)"


def read_keylog(path: str | os.PathLike[str], keylog: KeyLog | None = None) -> KeyLog:
    """Read an NSS key log file.

    A file with only comments is an empty log (OpenSSL writes its header line
    even when a handshake failed before any secret existed); lines that are
    not key log lines give :class:`KeyLogError`."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_KEYLOG_BYTES + 1)
    except OSError as exc:
        raise KeyLogError(f"{name}: cannot open key log ({exc.strerror})") from None
    if len(raw) > MAX_KEYLOG_BYTES:
        raise KeyLogError(f"{name}: key log larger than {MAX_KEYLOG_BYTES >> 20} MiB")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise KeyLogError(
            f"{name}: not an NSS key log file (non-ASCII byte on line {line})"
        ) from None
    log = keylog if keylog is not None else KeyLog()
    before = log.lines
    log.add_text(text)
    meaningful = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if log.lines == before and (meaningful or not text.strip()):
        raise KeyLogError(
            f"{name}: no key log lines (expected 'CLIENT_RANDOM <random> <secret>' or "
            "TLS 1.3 '..._TRAFFIC_SECRET' lines, as SSLKEYLOGFILE writes)"
        )
    return log
