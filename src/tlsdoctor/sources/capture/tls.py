"""One captured connection's TLS: records, handshake messages, keys, and what came of it.

RFC 5246 §6.2 and RFC 8446 §5.1 (records: content type, legacy version,
length, at most 2^14 + 2048 bytes of ciphertext), RFC 8446 §5.2 (TLS 1.3 inner
plaintext: the real content type hides inside the encryption), RFC 5246
§7.4 / RFC 8446 §4 (handshake messages, which may span records), RFC 5246
§7.1 (ChangeCipherSpec: what follows from that side is encrypted), RFC 8446
§4.4.4 and §7.1 (which traffic secret protects which records).

TLS is recognised by content, not by port: a direction's first bytes must be a
ClientHello or ServerHello record, or two plausible records in a row.  Data
before TLS (STARTTLS) is skipped, up to :data:`HUNT_LIMIT` bytes.  After a gap
the record boundaries are found again the same way.

Application-data records are skipped by length without copying unless a key
log lets us read them (and then only the small ones once the handshake is
over: alerts, tickets, key updates), so a long transfer costs a few integer
operations per packet.

Messages the capture shows only as ciphertext appear in the transcript with
``encrypted=True`` and ``message=None``: "Finished" (TLS 1.2: the first
handshake record after ChangeCipherSpec), "EncryptedAlert", and for TLS 1.3
without keys "EncryptedHandshake" (a side's first run of encrypted records)
and "EncryptedData" (its next run: tickets, application data or alerts).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tlsdoctor.sources.capture import _peek
from tlsdoctor.sources.capture._peek import Hello
from tlsdoctor.wire.constants import HANDSHAKE_MESSAGE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from tlsdoctor.sources.capture._wire import KeyLookup, RecordDecryptor

REC_MAX = (1 << 14) + 2048
"""RFC 5246 §6.2.3: TLSCiphertext.length limit."""
HS_MAX = 256 << 10
"""Largest handshake message we reassemble (real certificate chains stay far below)."""
HUNT_LIMIT = 64 << 10
"""Bytes of non-TLS data searched for a ClientHello (STARTTLS) before giving up."""
MAX_MESSAGES = 300
"""Transcript messages kept per connection; later ones are counted."""
APP_DECRYPT_FIRST = 32
"""After the handshake, records decrypted per direction regardless of size..."""
APP_DECRYPT_SMALL = 4096
"""...when no longer than this; later only records of alert or key-update size."""
APP_DECRYPT_TINY = 64
TLS13_ALERT_RECORD = 19
"""RFC 8446 §5.2: a TLS 1.3 alert record carries 2 + 1 + 16 (tag) bytes."""

START, RECORDS, RESYNC, OFF = 0, 1, 2, 3

Msg = tuple[int, str, int, Any, int, float, bool, int]
"""One transcript entry, kept raw until the evidence is built: (direction,
name, handshake type or -1, payload, frame, time, encrypted, size).  The
payload is the handshake body (parsed later by :mod:`tlsdoctor.wire`),
(level, description) for an alert, the length for application data, or None.
Nothing here imports the model or the codec: a capture is followed on plain
values, and :mod:`.build` makes the typed objects when they are asked for."""

CLIENT, SERVER = "client", "server"
REPEATING = frozenset((8, 11, 13, 14))
"""EncryptedExtensions, Certificate, CertificateRequest, ServerHelloDone: the
same bytes in every connection to one server."""


_RECORD_HEADER = struct.Struct(">BHH").unpack_from
"""Content type, legacy version, length (RFC 8446 §5.1)."""
_HANDSHAKE_HEADER = struct.Struct(">I").unpack_from
"""Message type (high byte) and 24-bit length (RFC 8446 §4)."""


def _plausible(b: bytes | bytearray | memoryview, j: int) -> int:
    """Length of a plausible record header at ``b[j]`` (5 bytes needed), else -1."""
    t = b[j]
    if 20 <= t <= 24 and b[j + 1] == 3 and b[j + 2] <= 4:
        n = (b[j + 3] << 8) | b[j + 4]
        if 0 < n <= REC_MAX:
            return n
    return -1


def _hello_at(b: bytes | bytearray | memoryview, j: int) -> bool:
    """A ClientHello or ServerHello record starts at ``b[j]`` (10 bytes needed)."""
    return (
        b[j] == 22
        and b[j + 1] == 3
        and b[j + 2] <= 4
        and b[j + 5] in (1, 2)
        and b[j + 6] == 0
        and b[j + 9] == 3
        and ((b[j + 3] << 8) | b[j + 4]) <= REC_MAX
    )


def _none() -> int | None:
    return None


class _Dir:
    """Parsing state of one direction."""

    __slots__ = (
        "app_bytes",
        "app_records",
        "app_seen",
        "body",
        "ccs",
        "cipher",
        "dec_failed",
        "finished",
        "hdr",
        "hs",
        "hunt",
        "hunted",
        "mode",
        "need",
        "rframe",
        "rtype",
        "run",
        "runs",
        "rver",
        "seq",
        "skip",
        "sync_lost",
    )

    def __init__(self) -> None:
        self.mode = START
        self.skip = 0
        """Bytes left of a record skipped without reading."""
        self.need = 0
        """Bytes left of a record being read into ``body``."""
        self.rtype = 0
        self.rver = 0
        self.rframe = 0
        self.hunted = 0
        self.ccs = False
        """TLS 1.2: this side sent ChangeCipherSpec; its records are encrypted."""
        self.cipher: RecordDecryptor | None = None
        self.seq = 0
        self.dec_failed = False
        self.finished = False
        self.app_seen = False
        self.app_records = 0
        self.app_bytes = 0
        self.run: list[int] | None = None
        """The open run of unreadable TLS 1.3 records: [message index, count, bytes]."""
        self.runs = 0
        self.sync_lost = False
        self.hdr = bytearray()
        self.body = bytearray()
        self.hs = bytearray()
        """Handshake bytes waiting for the rest of their message."""
        self.hunt = bytearray()


class ConnInfo:
    """What the capture layer tells a TLS connection about itself."""

    __slots__ = (
        "client_dir",
        "file",
        "id",
        "keylog",
        "on_client_hello",
        "ports",
        "shared",
        "stream",
    )

    def __init__(
        self,
        id: str,
        file: str,
        stream: int,
        ports: tuple[int, int],
        client_dir: Callable[[], int | None],
        keylog: KeyLookup | None,
        on_client_hello: Callable[[TlsConnection], bool] | None = None,
        shared: dict[bytes, bytes] | None = None,
    ) -> None:
        self.id = id
        """"capture.pcap#conn3"."""
        self.file = file
        """Source name used in every place ("capture.pcap")."""
        self.stream = stream
        self.ports = ports
        """Direction 0's source and destination ports."""
        self.client_dir = client_dir
        self.keylog = keylog
        self.on_client_hello = on_client_hello
        """Called with the first ClientHello; False stops following the connection."""
        self.shared = shared if shared is not None else {}
        """Handshake bodies shared by all connections of a capture."""


class TlsConnection:
    """The :class:`~tlsdoctor.sources.capture.tcp.Sink` of one TCP connection."""

    # Slots: a capture makes thousands of these, and reads their fields per record.
    __slots__ = (
        "alerts",
        "app_bytes",
        "client",
        "client_hello",
        "client_random",
        "dirs",
        "dropped_messages",
        "ends",
        "etm",
        "facts",
        "filtered_out",
        "finished",
        "first_frame",
        "gaps",
        "group",
        "hrr",
        "info",
        "is_tls",
        "keys_missing",
        "messages",
        "notes",
        "server_hello",
        "suite",
        "tls13",
        "undecrypted",
        "unread_runs",
        "unseen",
        "version",
        "wants_data",
    )

    def __init__(self, info: ConnInfo) -> None:
        self.wants_data = True
        self.finished = (False, False)
        """Each direction's Finished seen (set by :meth:`release`)."""
        self.app_bytes = (0, 0)
        self.undecrypted = False
        """Some encrypted records of the handshake stayed unread (set by :meth:`release`)."""
        self.client: int | None = None
        """Direction the client sends in, once known."""
        self.is_tls = False
        self.filtered_out = False
        self.dropped_messages = 0
        self.client_hello: Hello | None = None
        self.client_random: bytes | None = None
        self.server_hello: Hello | None = None
        self.hrr = False
        self.version: int | None = None
        self.tls13 = False
        self.suite: int | None = None
        self.group: int | None = None
        self.etm = False
        self.keys_missing = False
        self.first_frame: int | None = None
        self.info = info
        self.dirs: tuple[_Dir, ...] = (_Dir(), _Dir())
        self.messages: list[Msg] = []
        self.alerts: list[tuple[int, int, int, str | None, int]] = []
        """(direction, level, description, name of the message before, frame)."""
        self.ends: list[tuple[int, str, int, float]] = []
        """(direction, "FIN"/"RST", frame, time)."""
        self.gaps: list[tuple[int, int, int]] = []
        """(direction, bytes, frame)."""
        self.notes: list[str] = []
        self.unseen: list[str] = []
        self.facts: dict[str, Any] = {}
        self.unread_runs: list[list[int]] = []

    def release(self) -> None:
        """The connection ended: keep what the model needs, drop the buffers."""
        a, b = self.dirs
        self.finished = (a.finished, b.finished)
        self.app_bytes = (a.app_bytes, b.app_bytes)
        self.undecrypted = any(
            st.dec_failed or (st.cipher is None and not st.finished) for st in self.dirs
        )
        self.side(0)  # settle who is who before the state goes
        for hello in (self.client_hello, self.server_hello):
            if hello is not None:
                hello.exts = {}
        self.dirs = ()
        self.info.client_dir = _none
        self.info.on_client_hello = None

    # ------------------------------------------------------------ who is who

    def side(self, d: int) -> str:
        """ "client" or "server": who sends in direction ``d``."""
        c = self.client
        if c is None:
            c = self.info.client_dir()
            if c is None:
                # Neither SYN nor ClientHello: take the lower port as the server's.
                p = self.info.ports
                c = 0 if p[1] <= p[0] else 1
                self.facts["sides_guessed"] = True
            self.client = c
        return CLIENT if d == c else SERVER

    def note(self, text: str) -> None:
        if len(self.notes) < 20:
            self.notes.append(f"{self.info.id}: {text}")
        elif len(self.notes) == 20:
            self.notes.append(f"{self.info.id}: further notes left out")

    def _add(
        self,
        d: int,
        name: str,
        frame: int,
        ts: float,
        payload: Any = None,
        encrypted: bool = False,
        size: int = 0,
        htype: int = -1,
    ) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append((d, name, htype, payload, frame, ts, encrypted, size))
        else:
            self.dropped_messages += 1

    def _last_name(self) -> str | None:
        for msg in reversed(self.messages):
            if msg[1] not in ("FIN", "RST"):
                return msg[1]
        return None

    # ------------------------------------------------------------ sink API

    def data(self, d: int, p: bytes | memoryview, frame: int, ts: float) -> None:
        st = self.dirs[d]
        n = len(p)
        if st.skip >= n:  # inside a record we skip: the hot path of long transfers
            st.skip -= n
            return
        rest: bytes | memoryview | None = p
        if st.mode == START and not st.hunt and not st.hunted and n >= 10 and _hello_at(p, 0):
            rest = self._enter_records(d, st, 0, frame, p)
        while rest:
            if st.mode == RECORDS:
                rest = self._records(d, st, rest, frame, ts)
            elif st.mode == OFF:
                return
            else:
                rest = self._hunt(d, st, rest, frame, ts)

    def gap(self, d: int, length: int, frame: int, ts: float) -> None:
        st = self.dirs[d]
        if len(self.gaps) < 50:
            self.gaps.append((d, length, frame))
        if st.mode == OFF:
            return
        if st.mode == RECORDS and st.skip >= length:
            st.skip -= length  # lost inside a skipped record: boundaries still known
            return
        if st.mode == RECORDS:
            what = "record" if st.need else "record header"
            if st.need and st.need > length:
                st.skip = st.need - length  # rest of the broken record, then sync again
                st.need = 0
                st.body = bytearray()
                self._lost_record(d, st, frame)
                return
            self._lost_record(d, st, frame)
            self.note(
                f"{length} bytes of the {self.side(d)}'s stream missing before frame "
                f"{frame} ({what} lost); looking for the next record"
            )
        st.mode = RESYNC if st.mode != START else START
        st.hunt = bytearray()
        st.need = 0
        st.skip = 0
        st.hdr = bytearray()
        st.body = bytearray()

    def _lost_record(self, d: int, st: _Dir, frame: int) -> None:
        if st.hs:
            st.hs = bytearray()
            self.note(f"a {self.side(d)} handshake message lost to a gap before frame {frame}")
        if st.cipher is not None:
            st.cipher = None
            st.dec_failed = True
            self.note(
                f"{self.side(d)} records after frame {frame} not decrypted: a gap "
                "hid a record, so the record numbers are unknown"
            )
        st.sync_lost = True

    def end(self, d: int, how: str, frame: int, ts: float) -> None:
        self.ends.append((d, how, frame, ts))
        if self.first_frame is not None:
            self._add(d, how, frame, ts)

    # ------------------------------------------------------- finding TLS

    def _hunt(
        self, d: int, st: _Dir, p: bytes | memoryview, frame: int, ts: float
    ) -> bytes | memoryview | None:
        """Search for where TLS records start; the bytes from there on, once found."""
        buf = st.hunt
        buf += p
        size = len(buf)
        start = st.mode == START
        answer_to_hello = (
            start and st.hunted == 0 and self.client_hello is not None and d != self.client
        )
        first_answer = answer_to_hello and "answer_not_tls" not in self.facts and size >= 2
        if first_answer and not (20 <= buf[0] <= 23 and buf[1] == 3):
            # What a web, mail or SSH server says to a ClientHello: keep its
            # first bytes so a rule can name the protocol.
            self.facts["answer_not_tls"] = (bytes(buf[:64]), frame)
        if answer_to_hello and size >= 6 and _plausible(buf, 0) > 0:
            # A record header right where the answer starts needs no second one to
            # confirm it: a server's whole answer may be one 7-byte alert.
            return self._enter_records(d, st, 0, frame, buf)
        j = buf.find(b"\x03", 1) - 1
        while j >= 0:
            if size - j < 10:
                break
            if start and _hello_at(buf, j):
                return self._enter_records(d, st, j, frame, buf)
            n = _plausible(buf, j)
            if n > 0:
                if answer_to_hello and j == 0:
                    return self._enter_records(d, st, j, frame, buf)
                k = j + 5 + n
                if k + 5 > size:
                    break  # wait for the bytes that would confirm it
                if _plausible(buf, k) > 0:
                    return self._enter_records(d, st, j, frame, buf)
            j = buf.find(b"\x03", j + 2) - 1
        keep_from = j if j >= 0 else max(0, size - 9)
        if keep_from:
            st.hunted += keep_from
            del buf[:keep_from]
        self._hunt_limit(d, st)
        return None

    def _hunt_limit(self, d: int, st: _Dir) -> None:
        if st.mode == START and st.hunted > HUNT_LIMIT:
            st.mode = OFF
            st.hunt = bytearray()
            other = self.dirs[1 - d]
            gave_up = other.mode in (START, OFF) and other.hunted > HUNT_LIMIT
            if not self.is_tls and (gave_up or d == self.info.client_dir()):
                self.wants_data = False

    def _enter_records(
        self, d: int, st: _Dir, j: int, frame: int, buf: bytes | bytearray | memoryview
    ) -> bytes | memoryview:
        st.hunt = bytearray()
        if st.mode == START:
            offset = st.hunted + j
            if buf[j] == 22 and buf[j + 5] == 1 and self.client is None:
                self.client = d
            if offset:
                self.facts.setdefault("tls_starts_after", {})[self.side(d)] = offset
                self.note(
                    f"the {self.side(d)}'s TLS starts after {offset} bytes of other data "
                    "(STARTTLS?)"
                )
            if self.info.client_dir() is None and not (buf[j] == 22 and buf[j + 5] in (1, 2)):
                self.facts["mid_stream"] = True
        elif st.sync_lost:
            self.note(f"{self.side(d)} records found again at frame {frame}")
        st.mode = RECORDS
        self.is_tls = True
        if self.first_frame is None:
            self.first_frame = frame
        return buf[j:] if isinstance(buf, memoryview) else memoryview(bytes(buf[j:]))

    # ------------------------------------------------------------ records

    def _records(
        self, d: int, st: _Dir, p: bytes | memoryview, frame: int, ts: float
    ) -> bytes | memoryview | None:
        """Read records; what is left over when the stream stops looking like TLS."""
        n = len(p)
        i = 0
        if st.hdr:  # a header begun in the earlier segment: read on with it in front
            if len(st.hdr) + n < 5:
                st.hdr += p
                return None
            p = bytes(st.hdr) + bytes(p)
            n = len(p)
            st.hdr = bytearray()
        elif st.skip or st.need:  # finish the record an earlier segment started
            i = self._resume(d, st, p, frame, ts)
            if st.mode != RECORDS:
                return p[i:] if st.mode != OFF and i < n else None
        while i < n:
            if n - i < 5:
                st.hdr = bytearray(p[i:])
                return None
            rtype, rver, rlen = _RECORD_HEADER(p, i)
            if not (20 <= rtype <= 24 and 0x0300 <= rver <= 0x0304 and 0 < rlen <= REC_MAX):
                if 20 <= rtype <= 23 and rver >> 8 == 3 and rlen == 0:
                    i += 5
                    continue  # an empty record: legal before TLS 1.3, carries nothing
                return self._desync(d, st, p, i + 5, rtype, frame)
            st.rver = rver
            i += 5
            left = n - i
            if rtype == 23 and (st.cipher is None or not self._want_app(st, rlen)):
                self._unread_app_record(d, st, rlen, frame, ts)
                if left >= rlen:
                    i += rlen
                    continue
                st.skip = rlen - left
                return None
            if left >= rlen:  # the whole record is here: no buffering
                body = bytes(p[i : i + rlen])
                i += rlen
                if rtype == 22 and not st.ccs:  # plaintext handshake: what _record would do
                    self._handshake_bytes(d, st, body, frame, ts, False)
                else:
                    self._record(d, st, rtype, body, frame, ts)
                if st.mode != RECORDS:
                    return p[i:] if st.mode != OFF else None
                continue
            st.rtype = rtype
            st.need = rlen - left
            st.body = bytearray(p[i:])
            return None
        return None

    def _resume(self, d: int, st: _Dir, p: bytes | memoryview, frame: int, ts: float) -> int:
        """How many bytes of ``p`` complete a record begun in an earlier segment."""
        n = len(p)
        if st.skip:
            k = min(st.skip, n)
            st.skip -= k
            return k
        if st.need:
            k = min(st.need, n)
            st.body += p[:k]
            st.need -= k
            if not st.need:
                body = bytes(st.body)
                st.body = bytearray()
                self._record(d, st, st.rtype, body, frame, ts)
            return k
        return 0

    def _desync(
        self, d: int, st: _Dir, p: bytes | memoryview, i: int, rtype: int, frame: int
    ) -> bytes | memoryview:
        self.note(
            f"the {self.side(d)}'s stream at frame {frame} does not continue "
            f"with a TLS record (byte 0x{rtype:02x}); looking for the next record"
        )
        st.mode = RESYNC
        st.sync_lost = True
        self._lost_record(d, st, frame)
        st.hunt = bytearray()
        return p[i:]

    def _want_app(self, st: _Dir, rlen: int) -> bool:
        if st.cipher is None:
            return False
        if not st.finished:
            return True
        if st.app_records < APP_DECRYPT_FIRST:
            return rlen <= APP_DECRYPT_SMALL
        return rlen <= APP_DECRYPT_TINY

    def _record(self, d: int, st: _Dir, rtype: int, body: bytes, frame: int, ts: float) -> None:
        if st.cipher is not None and (rtype == 23 or (st.ccs and not self.tls13)):
            self._decrypt(d, st, rtype, body, frame, ts)
            return
        if rtype == 22:
            if st.ccs and not self.tls13:
                self._unread_handshake_12(d, st, len(body), frame, ts)
            else:
                self._handshake_bytes(d, st, body, frame, ts, False)
        elif rtype == 21:
            if (st.ccs and not self.tls13) or (
                # a capture that began after the handshake: the alert is encrypted
                # unless it looks like a plaintext one (2 bytes, warning or fatal)
                self.client_hello is None
                and self.facts.get("mid_stream")
                and (len(body) != 2 or body[0] not in (1, 2))
            ):
                self._add(d, "EncryptedAlert", frame, ts, None, True, len(body))
                self.facts.setdefault("encrypted_alerts", []).append((self.side(d), frame))
            else:
                self._alerts(d, body, frame, ts, False)
        elif rtype == 20:
            self._ccs(d, st, frame, ts)
        elif rtype == 23:
            self._unread_app_record(d, st, len(body), frame, ts)

    def _decrypt(self, d: int, st: _Dir, rtype: int, body: bytes, frame: int, ts: float) -> None:
        cipher = st.cipher
        assert cipher is not None
        seq = st.seq
        st.seq += 1
        from tlsdoctor.sources.capture._wire import DecryptFailed

        try:
            inner, plain = cipher.decrypt(rtype, st.rver, body, seq)
        except DecryptFailed:
            st.cipher = None
            st.dec_failed = True
            self.note(
                f"the {self.side(d)}'s record at frame {frame} does not decrypt with the "
                "key log's secrets (a key log from another session, or a damaged stream); "
                "its later records are left unread"
            )
            self.unseen.append(
                f"{self.side(d)} records from frame {frame} on: they do not decrypt "
                "with the key log's secrets"
            )
            if rtype == 23:
                self._unread_app_record(d, st, len(body), frame, ts)
            return
        if st.finished:
            st.app_records += 1
        if inner == 22:
            self._handshake_bytes(d, st, plain, frame, ts, True)
        elif inner == 21:
            self._alerts(d, plain, frame, ts, True)
        elif inner == 23:
            self._app_data(d, st, len(plain), frame, ts, True)
        elif inner == 20:
            self._ccs(d, st, frame, ts)

    # ----------------------------------------------------- unreadable records

    def _unread_app_record(self, d: int, st: _Dir, rlen: int, frame: int, ts: float) -> None:
        if st.cipher is not None or st.finished or (st.ccs and not self.tls13):
            st.seq += 1  # keep counting: a later record may still be read
        if self.tls13 and (not st.finished or st.dec_failed):
            self._unread_run(d, st, rlen, frame, ts)
            return
        if not self.tls13 and self.server_hello is None and self.client == d:
            name = "EarlyData" if self.client_hello is not None else "ApplicationData"
            self._add(d, name, frame, ts, None, True, rlen)
            return
        self._app_data(d, st, rlen, frame, ts, False)

    def _unread_run(self, d: int, st: _Dir, rlen: int, frame: int, ts: float) -> None:
        """TLS 1.3 without keys: merge a side's consecutive encrypted records."""
        self.dirs[1 - d].run = None
        st.app_bytes += rlen
        run = st.run
        msgs = self.messages
        if run is not None and run[0] == len(msgs) - 1:
            msg = msgs[-1]
            if msg[0] == d:  # one more record of the open run
                run[1] += 1
                run[2] += rlen
                msgs[-1] = (*msg[:7], run[2])
                self._log_run(d, rlen, frame)
                return
        if st.runs >= 2:
            self._log_run(d, rlen, frame)
            return
        st.runs += 1
        name = "EncryptedHandshake" if st.runs == 1 else "EncryptedData"
        self._add(d, name, frame, ts, None, True, rlen)
        st.run = [len(self.messages) - 1, 1, rlen]
        if st.runs == 1:
            self.facts.setdefault("tls13_unread_records", {})[self.side(d)] = frame
        self._log_run(d, rlen, frame)

    def _log_run(self, d: int, rlen: int, frame: int) -> None:
        """The first runs of unread records, in order: [direction, records, bytes, frame]."""
        log = self.unread_runs
        if log and log[-1][0] == d:
            log[-1][1] += 1
            log[-1][2] += rlen
        elif len(log) < 6:
            log.append([d, 1, rlen, frame])

    def _unread_handshake_12(self, d: int, st: _Dir, size: int, frame: int, ts: float) -> None:
        st.seq += 1
        if st.finished:
            name = "EncryptedHandshake"  # renegotiation or HelloRequest, under encryption
        else:
            name = "Finished"
            st.finished = True
        self._add(d, name, frame, ts, None, True, size)

    def _app_data(self, d: int, st: _Dir, size: int, frame: int, ts: float, read: bool) -> None:
        st.app_bytes += size
        if st.app_seen:
            return
        st.app_seen = True
        self._add(d, "ApplicationData", frame, ts, size, True, size)
        if not read and self.tls13:
            return
        self.facts.setdefault("application_data_from", {})[self.side(d)] = frame

    # ------------------------------------------------------ readable content

    def _ccs(self, d: int, st: _Dir, frame: int, ts: float) -> None:
        self._add(d, "ChangeCipherSpec", frame, ts, None, False, 1)
        if self.tls13 or st.ccs or self.server_hello is None:
            return  # TLS 1.3's compatibility CCS (RFC 8446 §D.4) changes nothing
        st.ccs = True
        st.seq = 0
        st.cipher = self._tls12_cipher(d)

    def _alerts(self, d: int, body: bytes, frame: int, ts: float, encrypted: bool) -> None:
        if len(body) % 2 or not body:
            self.note(f"malformed alert record from the {self.side(d)} at frame {frame}")
            return
        for k in range(0, min(len(body), 16), 2):
            level, desc = body[k], body[k + 1]
            self.alerts.append((d, level, desc, self._last_name(), frame))
            self._add(d, "Alert", frame, ts, (level, desc), encrypted, 2)

    def _handshake_bytes(
        self, d: int, st: _Dir, data: bytes, frame: int, ts: float, encrypted: bool
    ) -> None:
        hs = st.hs
        if not hs:  # whole messages in one record: the usual case, no copying
            p, n = 0, len(data)
            while n - p >= 4:
                (head,) = _HANDSHAKE_HEADER(data, p)
                hlen = head & 0xFFFFFF
                if n - p - 4 < hlen:
                    break
                self._handshake(d, st, head >> 24, data[p + 4 : p + 4 + hlen], frame, ts, encrypted)
                p += 4 + hlen
                if st.hs is not hs or not self.dirs:
                    return
            if p == n:
                return
            data = data[p:]
        hs += data
        while len(hs) >= 4:
            htype = hs[0]
            hlen = (hs[1] << 16) | (hs[2] << 8) | hs[3]
            if hlen > HS_MAX:
                self.note(
                    f"{self.side(d)} handshake message of {hlen} bytes at frame {frame} "
                    "is too large to read; the rest of its handshake is left unread"
                )
                hs.clear()
                return
            if len(hs) < 4 + hlen:
                return
            body = bytes(hs[4 : 4 + hlen])
            del hs[: 4 + hlen]
            self._handshake(d, st, htype, body, frame, ts, encrypted)
            if st.hs is not hs:
                return

    def _handshake(
        self, d: int, st: _Dir, htype: int, body: bytes, frame: int, ts: float, encrypted: bool
    ) -> None:
        if self.client is None and htype in (1, 2):
            self.client = d if htype == 1 else 1 - d
        name = HANDSHAKE_MESSAGE_NAMES.get(htype) or f"handshake type {htype}"
        if htype == 1:
            ch = _peek.client_hello(body)
            if ch is not None:
                self._add(d, name, frame, ts, body, encrypted, len(body), htype)
                self._on_client_hello(ch, frame)
                return
        elif htype == 2:
            sh = _peek.server_hello(body)
            if sh is not None:
                if sh.is_hello_retry_request:
                    name = "HelloRetryRequest"
                self._add(d, name, frame, ts, body, encrypted, len(body), htype)
                self._on_server_hello(sh, frame)
                return
        else:
            if htype in REPEATING:  # one copy of a chain served a thousand times
                shared = self.info.shared
                body = shared.get(body) or (
                    shared.setdefault(body, body) if len(shared) < 4096 else body
                )
            msgs = self.messages
            if len(msgs) < MAX_MESSAGES:
                msgs.append((d, name, htype, body, frame, ts, encrypted, len(body)))
            else:
                self.dropped_messages += 1
        if htype == 11:
            empty = _peek.certificate_empty(body, self.tls13)
            if self.side(d) == CLIENT and empty is not None:
                key = "client_certificate_empty" if empty else "client_certificate_sent"
                self.facts.setdefault(key, frame)
        elif htype == 13:
            self.facts.setdefault("client_certificate_requested", frame)
        elif htype == 12:
            group = _peek.named_group(body)
            if group is not None:
                self.group = group
        elif htype == 8:
            alpn = _peek.encrypted_extensions_alpn(body)
            if alpn is not None:
                self.facts["alpn"] = alpn
        elif htype == 20:
            if not st.finished:
                st.finished = True
                if self.tls13 and encrypted:
                    st.cipher = self._tls13_cipher(d, "TRAFFIC_SECRET_0")
                    st.seq = 0
        elif htype == 24 and self.tls13 and st.cipher is not None:
            st.cipher = st.cipher.next_generation()
            st.seq = 0
        elif htype in (1, 2):  # a hello that does not parse: keep it, wire says why later
            self._add(d, name, frame, ts, body, encrypted, len(body), htype)

    def _on_client_hello(self, ch: Hello, frame: int) -> None:
        if self.client_hello is not None:
            self.facts.setdefault("second_client_hello", frame)
            return
        self.client_hello = ch
        self.client_random = ch.random
        sni = ch.server_name()
        if sni is not None:
            self.facts["sni"] = sni
        self.facts["client_hello"] = frame
        alpn = ch.alpn()
        if alpn:
            self.facts["alpn_offered"] = alpn
        cb = self.info.on_client_hello
        if cb is not None and not cb(self):
            self.filtered_out = True
            self.wants_data = False
            for st in self.dirs:
                st.mode = OFF

    def _on_server_hello(self, sh: Hello, frame: int) -> None:
        if sh.is_hello_retry_request:
            self.hrr = True  # only TLS 1.3 has it (RFC 8446 §4.1.4)
            self.tls13 = True
            self.version = sh.selected_version()
            self.facts["hello_retry_request"] = frame
            group = sh.key_share_group()
            if group is not None:
                self.facts["hrr_group"] = group
            return
        if self.server_hello is not None:
            return
        self.server_hello = sh
        self.version = sh.selected_version()
        self.suite = sh.suite
        self.tls13 = self.version == 0x0304
        self.facts["server_hello"] = frame
        if self.tls13:
            self.group = sh.key_share_group()
            self.facts["resumed"] = 41 in sh.exts
            for d in (0, 1):
                st = self.dirs[d]
                st.cipher = self._tls13_cipher(d, "HANDSHAKE_TRAFFIC_SECRET")
                st.seq = 0
            if self.dirs[0].cipher is None and self.dirs[1].cipher is None:
                self.keys_missing = True
        else:
            self.etm = 22 in sh.exts
            ch = self.client_hello
            if ch is not None and ch.session_id and ch.session_id == sh.session_id:
                self.facts["resumed"] = True
            alpn = sh.alpn()
            if alpn:
                self.facts["alpn"] = alpn[0]

    # ------------------------------------------------------------- keys

    def _tls13_cipher(self, d: int, which: str) -> RecordDecryptor | None:
        kl = self.info.keylog
        cr = self.client_random
        if kl is None or cr is None or self.suite is None:
            return None
        label = ("CLIENT_" if self.side(d) == CLIENT else "SERVER_") + which
        secret = kl(cr, label)
        if secret is None:
            return None
        from tlsdoctor.sources.capture import _wire

        try:
            return _wire.tls13_decryptor(self.suite, secret)
        except _wire.DecryptFailed as exc:
            self.note(f"cannot decrypt with suite 0x{self.suite:04x}: {exc}")
            return None

    def _tls12_cipher(self, d: int) -> RecordDecryptor | None:
        kl = self.info.keylog
        cr = self.client_random
        sh = self.server_hello
        if kl is None or cr is None or sh is None or self.suite is None:
            return None
        master = kl(cr, "CLIENT_RANDOM")
        if master is None:
            self.keys_missing = True
            return None
        from tlsdoctor.sources.capture import _wire

        try:
            return _wire.tls12_decryptor(
                self.suite,
                self.version or 0x0303,
                master,
                cr,
                sh.random,
                self.side(d) == CLIENT,
                self.etm,
            )
        except _wire.DecryptFailed as exc:
            self.note(f"cannot decrypt with suite 0x{self.suite:04x}: {exc}")
            return None
