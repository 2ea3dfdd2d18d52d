"""Record protection: encrypting and decrypting TLS records.

* TLS 1.3 (RFC 8446 §5.2-§5.4): AEAD over TLSInnerPlaintext (content, type,
  zero padding), additional data = the record header, nonce = IV xor sequence
  number; AES-128/256-GCM, ChaCha20-Poly1305, AES-128-CCM(_8).
* TLS 1.2 AEAD (RFC 5246 §6.2.3.3): AES-GCM/CCM with a 4-byte implicit and an
  8-byte explicit nonce (RFC 5288 §3, RFC 6655 §3), ChaCha20-Poly1305 with the
  TLS 1.3-style nonce and no explicit part (RFC 7905 §2); additional data =
  seq_num || type || version || length.
* TLS 1.0-1.2 CBC (RFC 5246 §6.2.3.2, RFC 2246 §6.2.3.2): MAC-then-encrypt with
  HMAC over seq_num || type || version || length || content, or
  encrypt-then-MAC (RFC 7366 §3) with the MAC over the IV and ciphertext.
  TLS 1.1+ sends an explicit IV per record; TLS 1.0 chains the last block.

Each protection object keeps its own sequence number.  ``open`` raises
:class:`~tlsdoctor.wire.errors.DecryptError` (``bad_record_mac``) when a record
does not authenticate, naming the side and the record's stream offset.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from .constants import AlertDescription as AD
from .errors import DecryptError, RecordOverflowError, WireError, side_name
from .keyschedule import next_traffic_secret, traffic_keys
from .prf import KeyBlock
from .records import HEADER, MAX_PLAINTEXT, Record
from .suites import CipherSuite

APPLICATION_DATA = 23


class RecordProtection(Protocol):
    """What the client engine needs from any record protection."""

    seq: int

    def seal(self, content_type: int, data: bytes) -> bytes:
        """One whole record (header included) carrying ``data``."""
        ...

    def open(self, record: Record) -> tuple[int, bytes]:
        """(content type, plaintext) of a record."""
        ...


def _aead(suite: CipherSuite, key: bytes) -> Any:
    if suite.mode == "GCM" and suite.bulk == "AES":
        return AESGCM(key)
    if suite.mode == "POLY1305":
        return ChaCha20Poly1305(key)
    if suite.mode in ("CCM", "CCM_8") and suite.bulk == "AES":
        return AESCCM(key, tag_length=suite.tag_length)
    raise ValueError(f"no AEAD implementation for {suite.name}")


def aead_supported(suite: CipherSuite) -> bool:
    return (suite.bulk == "AES" and suite.mode in ("GCM", "CCM", "CCM_8")) or (
        suite.mode == "POLY1305"
    )


def _rejected(
    p: Tls13Protection | Tls12AeadProtection | Tls12CbcProtection, record: Record, why: str
) -> DecryptError:
    """The record does not open under ``p``'s keys (the receiver's bad_record_mac)."""
    return DecryptError(
        f"record {p.seq} under the {p.suite.name} keys {why}",
        offset=record.offset,
        side=p.side,
        context="bad_record_mac",
    )


def _xor_nonce(iv: bytes, seq: int) -> bytes:
    n = len(iv)
    return (int.from_bytes(iv, "big") ^ seq).to_bytes(n, "big")


class PlaintextProtection:
    """The null protection of a connection's first records."""

    def __init__(self, version: int = 0x0303) -> None:
        self.seq = 0
        self.version = version

    def seal(self, content_type: int, data: bytes) -> bytes:
        self.seq += 1
        return HEADER.pack(content_type, self.version, len(data)) + data

    def open(self, record: Record) -> tuple[int, bytes]:
        self.seq += 1
        return record.content_type, record.fragment


class Tls13Protection:
    """TLS 1.3 record protection for one direction (RFC 8446 §5.2)."""

    def __init__(self, suite: CipherSuite, traffic_secret: bytes, side: object = None) -> None:
        self.suite = suite
        self.side = side_name(side)
        self._install(traffic_secret)

    def __repr__(self) -> str:
        return f"Tls13Protection({self.suite.name}, seq={self.seq}, keys=<redacted>)"

    def _install(self, secret: bytes) -> None:
        self._secret = secret
        key, self._iv = traffic_keys(self.suite.hash, secret, self.suite.key_length, 12)
        self._aead = _aead(self.suite, key)
        self.seq = 0

    def update(self) -> None:
        """Move to the next traffic secret after a KeyUpdate (RFC 8446 §7.2)."""
        self._install(next_traffic_secret(self.suite.hash, self._secret))

    def seal(self, content_type: int, data: bytes, padding: int = 0) -> bytes:
        inner = data + bytes((content_type,)) + bytes(padding)
        header = HEADER.pack(APPLICATION_DATA, 0x0303, len(inner) + self.suite.tag_length)
        body = self._aead.encrypt(_xor_nonce(self._iv, self.seq), inner, header)
        self.seq += 1
        return header + body

    def open(self, record: Record) -> tuple[int, bytes]:
        header = HEADER.pack(record.content_type, record.version, len(record.fragment))
        try:
            inner: bytes = self._aead.decrypt(
                _xor_nonce(self._iv, self.seq), record.fragment, header
            )
        except (InvalidTag, ValueError):
            raise _rejected(self, record, "did not authenticate") from None
        self.seq += 1
        if len(inner) > MAX_PLAINTEXT + 1:
            raise RecordOverflowError(
                f"inner plaintext of at most {MAX_PLAINTEXT + 1} bytes",
                offset=record.offset,
                side=self.side,
                found=f"{len(inner)} bytes",
            )
        content = inner.rstrip(b"\x00")
        if not content:
            raise WireError(
                "a content type after the padding (RFC 8446 §5.4)",
                offset=record.offset,
                side=self.side,
                context="TLSInnerPlaintext",
                found="only zero bytes",
                alert=AD.unexpected_message,
            )
        return content[-1], content[:-1]


class Tls12AeadProtection:
    """TLS 1.2 AEAD protection for one direction."""

    def __init__(
        self, suite: CipherSuite, key: bytes, fixed_iv: bytes, version: int = 0x0303,
        side: object = None,
    ) -> None:  # fmt: skip
        self.suite = suite
        self.version = version
        self.side = side_name(side)
        self._aead = _aead(suite, key)
        self._iv = fixed_iv
        self._chacha = suite.mode == "POLY1305"
        self.seq = 0

    def __repr__(self) -> str:
        return f"Tls12AeadProtection({self.suite.name}, seq={self.seq}, keys=<redacted>)"

    def _nonce(self, explicit: bytes) -> bytes:
        if self._chacha:
            return _xor_nonce(self._iv, self.seq)
        return self._iv + explicit

    def seal(self, content_type: int, data: bytes) -> bytes:
        seq = self.seq.to_bytes(8, "big")
        explicit = b"" if self._chacha else seq
        aad = seq + HEADER.pack(content_type, self.version, len(data))
        body = explicit + self._aead.encrypt(self._nonce(explicit), data, aad)
        self.seq += 1
        return HEADER.pack(content_type, self.version, len(body)) + body

    def open(self, record: Record) -> tuple[int, bytes]:
        frag = record.fragment
        n_explicit = 0 if self._chacha else 8
        plain_len = len(frag) - n_explicit - self.suite.tag_length
        if plain_len < 0:
            raise DecryptError(
                "record too short for its nonce and tag",
                offset=record.offset,
                side=self.side,
                context="bad_record_mac",
            )
        explicit = frag[:n_explicit]
        aad = self.seq.to_bytes(8, "big") + HEADER.pack(
            record.content_type, record.version, plain_len
        )
        try:
            plain: bytes = self._aead.decrypt(self._nonce(explicit), frag[n_explicit:], aad)
        except (InvalidTag, ValueError):
            raise _rejected(self, record, "did not authenticate") from None
        self.seq += 1
        return record.content_type, plain


def _block_cipher(suite: CipherSuite, key: bytes) -> Any:
    if suite.bulk == "AES":
        return algorithms.AES(key)
    if suite.bulk == "CAMELLIA":
        from cryptography.hazmat.decrepit.ciphers.algorithms import Camellia

        return Camellia(key)
    if suite.bulk == "3DES":
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

        return TripleDES(key)
    raise ValueError(f"no CBC implementation for {suite.name}")


def cbc_supported(suite: CipherSuite) -> bool:
    return suite.mode == "NULL" or (
        suite.mode == "CBC" and suite.bulk in ("AES", "CAMELLIA", "3DES")
    )


class Tls12CbcProtection:
    """CBC (or NULL-cipher) protection with HMAC, MAC-then-encrypt or
    encrypt-then-MAC, for one direction."""

    def __init__(
        self,
        suite: CipherSuite,
        key: bytes,
        mac_key: bytes,
        iv: bytes = b"",
        version: int = 0x0303,
        encrypt_then_mac: bool = False,
        side: object = None,
    ) -> None:
        self.suite = suite
        self.version = version
        self.etm = encrypt_then_mac
        self.side = side_name(side)
        self._mac_key = mac_key
        self._mac_hash = suite.mac
        self._mac_len = suite.mac_length
        self._null = suite.mode == "NULL"
        self._algo = None if self._null else _block_cipher(suite, key)
        self._bs = suite.block_size or 1
        self._explicit_iv = version >= 0x0302
        self._iv = iv  # TLS 1.0: IV of the next record (chained)
        self.seq = 0

    def __repr__(self) -> str:
        return f"Tls12CbcProtection({self.suite.name}, seq={self.seq}, keys=<redacted>)"

    def _mac(self, content_type: int, version: int, data: bytes) -> bytes:
        head = self.seq.to_bytes(8, "big") + HEADER.pack(content_type, version, len(data))
        return hmac.digest(self._mac_key, head + data, self._mac_hash)

    def _crypt(self, iv: bytes, data: bytes, encrypt: bool) -> bytes:
        cipher = Cipher(self._algo, modes.CBC(iv))  # type: ignore[arg-type]
        ctx = cipher.encryptor() if encrypt else cipher.decryptor()
        return ctx.update(data) + ctx.finalize()

    def _pad(self, n: int) -> bytes:
        pad = self._bs - (n % self._bs)
        return bytes((pad - 1,)) * pad

    def seal(self, content_type: int, data: bytes) -> bytes:
        if self._null:
            body = data + self._mac(content_type, self.version, data)
        else:
            iv = os.urandom(self._bs) if self._explicit_iv else self._iv
            if self.etm:
                ct = self._crypt(iv, data + self._pad(len(data)), True)
                body = (iv if self._explicit_iv else b"") + ct
                body += self._mac(content_type, self.version, body)
            else:
                plain = data + self._mac(content_type, self.version, data)
                ct = self._crypt(iv, plain + self._pad(len(plain)), True)
                body = (iv if self._explicit_iv else b"") + ct
            if not self._explicit_iv:
                self._iv = ct[-self._bs :]
        self.seq += 1
        return HEADER.pack(content_type, self.version, len(body)) + body

    def open(self, record: Record) -> tuple[int, bytes]:
        frag, ctype, ver = record.fragment, record.content_type, record.version
        if self._null:
            if len(frag) < self._mac_len:
                raise _rejected(self, record, "is shorter than its MAC")
            data, tag = frag[: len(frag) - self._mac_len], frag[len(frag) - self._mac_len :]
            if not hmac.compare_digest(tag, self._mac(ctype, ver, data)):
                raise _rejected(self, record, "has a MAC that does not verify")
            self.seq += 1
            return ctype, data
        bs, iv_len = self._bs, (self._bs if self._explicit_iv else 0)
        if self.etm:
            body_len = len(frag) - self._mac_len
            if body_len < iv_len + bs or (body_len - iv_len) % bs:
                raise _rejected(self, record, "has a length that cannot be CBC with a MAC")
            body, tag = frag[:body_len], frag[body_len:]
            if not hmac.compare_digest(tag, self._mac(ctype, ver, body)):
                raise _rejected(self, record, "has a MAC that does not verify (encrypt-then-MAC)")
            iv = body[:iv_len] if self._explicit_iv else self._iv
            plain = self._crypt(iv, body[iv_len:], False)
            if not self._explicit_iv:
                self._iv = body[-bs:]
            data = self._unpad(record, plain)
        else:
            if len(frag) < iv_len + bs or (len(frag) - iv_len) % bs:
                raise _rejected(self, record, "has a length that is not whole CBC blocks")
            iv = frag[:iv_len] if self._explicit_iv else self._iv
            plain = self._crypt(iv, frag[iv_len:], False)
            if not self._explicit_iv:
                self._iv = frag[-bs:]
            unpadded = self._unpad(record, plain)
            if len(unpadded) < self._mac_len:
                raise _rejected(self, record, "is shorter than its MAC")
            data = unpadded[: len(unpadded) - self._mac_len]
            tag = unpadded[len(unpadded) - self._mac_len :]
            if not hmac.compare_digest(tag, self._mac(ctype, ver, data)):
                raise _rejected(self, record, "has a MAC that does not verify (MAC-then-encrypt)")
        self.seq += 1
        return ctype, data

    def _unpad(self, record: Record, plain: bytes) -> bytes:
        pad = plain[-1]
        if pad + 1 > len(plain) or plain[-pad - 1 :] != bytes((pad,)) * (pad + 1):
            raise _rejected(self, record, "has bad CBC padding")
        return plain[: -pad - 1]


def tls12_protection(
    suite: CipherSuite,
    version: int,
    keys: KeyBlock,
    client: bool,
    encrypt_then_mac: bool = False,
    side: object = None,
) -> RecordProtection:
    """Protection for the client's (``client=True``) or the server's writes."""
    key = keys.client_key if client else keys.server_key
    iv = keys.client_iv if client else keys.server_iv
    mac_key = keys.client_mac_key if client else keys.server_mac_key
    if suite.is_aead:
        return Tls12AeadProtection(suite, key, iv, version, side)
    return Tls12CbcProtection(suite, key, mac_key, iv, version, encrypt_then_mac, side)


def tls12_supported(suite: CipherSuite) -> bool:
    """Suites whose records this module can protect in TLS 1.0-1.2."""
    return aead_supported(suite) if suite.is_aead else cbc_supported(suite)
