"""TCP for probes: resolve every address, connect with a deadline, classify failures.

One :class:`Deadline` bounds a whole check (``--timeout``): every wait takes
``deadline.left()``, so a silent server ends the check on time instead of after
minutes.  Non-TLS answers (an HTTP status line, an SMTP greeting, an SSH
identification string) are recognised from their first bytes by
:func:`tlsdoctor.wire.sniff.classify_answer`.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import time
from dataclasses import dataclass


class Deadline:
    """A point in time every step of one check must finish by."""

    def __init__(self, seconds: float, start: float | None = None) -> None:
        """``seconds`` from ``start`` (a :func:`time.monotonic` value; now when None)."""
        self.seconds = seconds
        self.created = time.monotonic()
        self.start = self.created if start is None else start
        self.end = self.start + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.left() <= 0

    def elapsed(self) -> float:
        """Seconds since the check began (not since ``start``: the budget may be older)."""
        return time.monotonic() - self.created


class TransportError(Exception):
    """A connection could not be made or broke; ``kind`` is the transport outcome."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Target:
    host: str
    port: int

    @property
    def label(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_target(text: str, default_port: int = 443) -> Target:
    """ "host", "host:port", "[v6]:port" or a bare IPv6 address."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:] else default_port
        return Target(host, port)
    if text.count(":") > 1:  # a bare IPv6 address
        ipaddress.ip_address(text)
        return Target(text, default_port)
    host, sep, port_text = text.partition(":")
    if sep and not port_text.isdigit():
        raise ValueError(f"bad port {port_text!r}")
    port = int(port_text) if sep else default_port
    if not host or not 0 < port < 65536:
        raise ValueError(f"bad target {text!r}")
    return Target(host, port)


async def resolve(host: str, port: int, deadline: Deadline) -> list[str]:
    """Every A and AAAA address of ``host`` (an IP literal resolves to itself)."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=deadline.left()
        )
    except TimeoutError:
        raise TransportError("unreachable", f"resolving {host} timed out") from None
    except socket.gaierror as e:
        raise TransportError("unresolvable", f"cannot resolve {host}: {e.strerror}") from None
    out: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in out:
            out.append(ip)
    return out


def _classify_oserror(e: OSError) -> str:
    if isinstance(e, ConnectionRefusedError) or e.errno == errno.ECONNREFUSED:
        return "refused"
    if isinstance(e, ConnectionResetError) or e.errno == errno.ECONNRESET:
        return "reset"
    if e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        return "unreachable"
    return "unreachable"


class Conn:
    """One TCP connection with deadline-bounded reads."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: str
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.address = address
        self.received = bytearray()

    async def send(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.writer.write(data)
            await self.writer.drain()
        except OSError as e:
            raise TransportError(
                _classify_oserror(e), f"sending failed: {e.strerror or e}"
            ) from None

    async def recv(self, timeout: float) -> bytes:
        """Up to 64 KiB; b"" on EOF.  Raises TransportError("hang") on timeout."""
        try:
            data = await asyncio.wait_for(self.reader.read(65536), timeout=max(timeout, 0.001))
        except TimeoutError:
            raise TransportError("hang", "no data before the deadline") from None
        except OSError as e:
            raise TransportError(
                _classify_oserror(e), f"receiving failed: {e.strerror or e}"
            ) from None
        self.received += data[: max(0, 256 - len(self.received))]
        return data

    def close(self) -> None:
        try:
            self.writer.close()
        except OSError:
            pass


async def connect(address: str, port: int, deadline: Deadline, limit: float | None = None) -> Conn:
    timeout = deadline.left() if limit is None else min(limit, deadline.left())
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port), timeout=max(timeout, 0.001)
        )
    except TimeoutError:
        raise TransportError("unreachable", f"TCP connect to {address}:{port} timed out") from None
    except OSError as e:
        kind = _classify_oserror(e)
        text = "connection refused" if kind == "refused" else (e.strerror or str(e))
        raise TransportError(kind, f"TCP connect to {address}:{port}: {text}") from None
    return Conn(reader, writer, address)
