"""The live check: a handful of handshakes that see what a server does, as Evidence.

Order of work, all under one deadline (``--timeout``):

1. transport: every address of the name, TCP only;
2. the default handshake, browser-like (TLS 1.3 and 1.2), read to the end of the
   server's flight — in TLS 1.3 decrypted with our own key schedule — for the
   chain, the OCSP staple, SCTs and any CertificateRequest;
3. one ServerHello per protocol version, and per family of TLS 1.2 cipher
   suites (ECDHE AEAD, ECDHE CBC, DHE, RSA, legacy, PSK) — which also finds a
   PSK-only server without a key;
4. when asked for a client certificate: a full handshake without one (and
   with ``--cert/--key``, one with it); with a PSK, a full PSK handshake;
5. differential probes without SNI and without the optional extensions a
   server may insist on.

At most :data:`MAX_HANDSHAKES` connections; each one is kept as an
:class:`~tlsdoctor.model.Attempt` and counted in the report.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import functools
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from tlsdoctor.errors import InputError
from tlsdoctor.model import (
    AddressResult,
    Attempt,
    Chain,
    ChainCert,
    Evidence,
    OcspStaple,
    ProbeRequest,
    Secret,
    ServerScan,
    Side,
    Where,
)
from tlsdoctor.sources.probe import session as sess_mod
from tlsdoctor.sources.probe.session import Session
from tlsdoctor.sources.probe.transport import (
    Deadline,
    Target,
    TransportError,
    connect,
    parse_target,
    resolve,
)
from tlsdoctor.wire import registry
from tlsdoctor.wire.client import ClientConfig
from tlsdoctor.wire.constants import ExtensionType as XT
from tlsdoctor.wire.constants import HandshakeType as H
from tlsdoctor.wire.constants import ProtocolVersion as PV
from tlsdoctor.wire.extensions import CertificateStatusEntry, try_parse
from tlsdoctor.wire.hello import DEFAULT_CIPHER_SUITES, ClientHelloProfile
from tlsdoctor.wire.messages import Certificate, Extension, find_extension
from tlsdoctor.wire.names import alert_label
from tlsdoctor.wire.suites import CipherSuite

MAX_HANDSHAKES = 40
MAX_HANDSHAKES_FULL = 600
"""With --full: one per accepted suite plus one per version and group."""


def allowed_suites(version: int) -> Iterator[tuple[int, CipherSuite]]:
    """Every real (not signalling) cipher suite ``version`` allows, by code point."""
    for code, s in sorted(registry.cipher_suites().items()):
        if not s.is_signalling and s.allowed_in(version):
            yield code, s


def _suites(pred: Any, version: int = PV.TLSv1_2) -> tuple[int, ...]:
    """TLS 1.0-1.2 suites matching ``pred``, strongest first (AEAD, then SHA-2
    MACs, then SHA-1)."""
    out = [
        (not s.is_aead, s.mac in ("sha1", "md5"), s.weak, code)
        for code, s in allowed_suites(version)
        if not s.is_tls13 and pred(s)
    ]
    return tuple(code for *_, code in sorted(out))


@functools.cache
def _families() -> Mapping[str, tuple[int, ...]]:
    """Families of TLS 1.2 suites probed by the default check, one hello each."""
    return {
        "ECDHE AEAD": _suites(
            lambda s: (
                s.key_exchange == "ECDHE" and s.is_aead and s.authentication in ("RSA", "ECDSA")
            )
        ),
        "ECDHE CBC": _suites(
            lambda s: (
                s.key_exchange == "ECDHE"
                and s.mode == "CBC"
                and s.authentication in ("RSA", "ECDSA")
                and not s.weak
            )
        ),
        "DHE": _suites(
            lambda s: s.key_exchange == "DHE" and s.authentication in ("RSA", "DSS") and not s.weak
        ),
        "RSA": _suites(
            lambda s: s.key_exchange == "RSA" and s.authentication == "RSA" and not s.weak
        ),
        "legacy": _suites(
            lambda s: (
                s.weak
                and s.key_exchange in ("RSA", "ECDHE", "DHE")
                and s.authentication != "anon"
                and s.bulk != "NULL"
            )
        ),
        "PSK": _suites(lambda s: s.key_exchange in ("PSK", "ECDHE_PSK", "DHE_PSK")),
    }


def _is_psk_suite(code: int | None) -> bool:
    s = registry.cipher_suite(code) if code is not None else None
    return s is not None and "PSK" in s.key_exchange


@functools.cache
def _tls10_suites() -> tuple[int, ...]:
    return _suites(
        lambda s: (
            s.authentication in ("RSA", "ECDSA", "DSS")
            and not s.is_aead
            and s.bulk != "NULL"
            and s.hash in ("sha1", "sha256")
            and s.mac in ("sha1", "md5")
        ),
        PV.TLSv1_0,
    )


@dataclass
class CheckOptions:
    target: str
    sni: str | None = None
    no_sni: bool = False
    connect: str | None = None
    alpn: tuple[str, ...] = ()
    client_chain: tuple[bytes, ...] = ()
    client_key: Any = field(default=None, repr=False)
    psk_identity: str | None = None
    psk: Secret | None = None
    psk_encoding: str = "hex"
    timeout: float = 10.0
    started: float | None = None
    """When ``timeout`` began to count (:func:`time.monotonic`): the command
    line's budget includes what happened before the check started; None: now."""
    full: bool = False
    concurrency: int = 4


@dataclass
class Probe:
    """Shared state of one check: target, deadline, address, attempt log."""

    opts: CheckOptions
    target: Target
    deadline: Deadline
    address: str = ""
    sni: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    sem: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))

    @property
    def source(self) -> str:
        return f"live {self.target.label}"

    def profile(self, **kw: Any) -> ClientHelloProfile:
        base: dict[str, Any] = {"sni": self.sni is not None}
        if self.opts.alpn:
            base["alpn"] = tuple(a.encode() for a in self.opts.alpn)
        base.update(kw)
        return ClientHelloProfile(**base)

    async def attempt(self, purpose: str, config: ClientConfig, until: str) -> Session:
        limit = MAX_HANDSHAKES_FULL if self.opts.full else MAX_HANDSHAKES
        if len(self.attempts) >= limit or self.deadline.expired():
            skipped = Attempt(purpose, "skipped", detail="handshake budget or deadline reached")
            return Session(skipped)
        async with self.sem:
            s = await sess_mod.run(
                self.address, self.target.port, config, self.deadline, purpose, until, self.source
            )
        self.attempts.append(s.attempt)
        return s

    def config(self, profile: ClientHelloProfile, **kw: Any) -> ClientConfig:
        return ClientConfig(profile=profile, server_name=self.sni, **kw)


async def _gather(*aws: Awaitable[Session]) -> list[Session]:
    return list(await asyncio.gather(*aws))


# --------------------------------------------------------------------- transport


async def _addresses(p: Probe) -> tuple[list[AddressResult], str | None, str | None]:
    if p.opts.connect:
        ips = [p.opts.connect]
    else:
        try:
            ips = await resolve(p.target.host, p.target.port, p.deadline)
        except TransportError as e:
            return [], e.kind, e.detail

    async def one(ip: str) -> AddressResult:
        try:
            conn = await connect(
                ip, p.target.port, p.deadline, limit=max(0.5, p.deadline.left() / 2)
            )
        except TransportError as e:
            return AddressResult(ip, False, e.kind)
        conn.close()
        return AddressResult(ip, True)

    results = list(await asyncio.gather(*(one(ip) for ip in ips[:8])))
    if any(r.ok for r in results):
        return results, None, None
    first = results[0] if results else None
    kind = first.error if first and first.error else "unreachable"
    detail = f"TCP connect to {first.address}:{p.target.port}: {kind}" if first else None
    return results, kind, detail


# ----------------------------------------------------------------------- helpers


def _chain_from(cert_msg: Certificate | None, source: str, at: datetime) -> Chain | None:
    if cert_msg is None or not cert_msg.certificate_list:
        return None
    certs = []
    for i, entry in enumerate(cert_msg.certificate_list):
        try:
            c = x509.load_der_x509_certificate(entry.cert_data)
        except ValueError:
            continue
        certs.append(ChainCert(c, entry.cert_data, Where(source, f"cert[{i}]")))
    if not certs:
        return None
    return Chain(certs=tuple(certs), source=source, role=Side.SERVER, served=True, at=at)


def _leaf_extension(cert_msg: Certificate | None, ext_type: int) -> Extension | None:
    """An extension of the leaf's CertificateEntry (TLS 1.3, RFC 8446 §4.4.2)."""
    if cert_msg is None or not cert_msg.certificate_list:
        return None
    return find_extension(cert_msg.certificate_list[0].extensions, ext_type)


def _staple(s: Session) -> bytes | None:
    if s.certificate_status is not None:
        return s.certificate_status.ocsp_response
    ext = _leaf_extension(s.server_certificate, XT.status_request)
    entry = try_parse(ext, H.certificate)  # in a CertificateEntry: a CertificateStatus
    if isinstance(entry, CertificateStatusEntry) and entry.status_type == 1:  # ocsp
        return entry.ocsp_response
    return None


def _sct_count(raw: bytes | None) -> int:
    from tlsdoctor.pki.sct import parse_sct_list

    if not raw:
        return 0
    try:
        return len(parse_sct_list(raw, "tls-extension"))
    except ValueError:
        return 0


def _tls_ext_sct_bytes(s: Session) -> bytes | None:
    """The SignedCertificateTimestampList the server sent in the TLS extension (RFC 6962 §3.3)."""
    ext = s.server_hello.extension(XT.signed_certificate_timestamp) if s.server_hello else None
    if ext is None:
        ext = _leaf_extension(s.server_certificate, XT.signed_certificate_timestamp)
    return ext.data if ext is not None else None


def _psk_candidates(text: bytes) -> dict[str, bytes]:
    """The plausible readings of a PSK as the user typed it."""
    out: dict[str, bytes] = {}
    stripped = text.strip()
    try:
        out["hex"] = binascii.unhexlify(stripped.removeprefix(b"0x"))
    except (binascii.Error, ValueError):
        pass
    out["ascii"] = stripped
    try:
        decoded = base64.b64decode(stripped, validate=True)
        if decoded and decoded not in out.values():
            out["base64"] = decoded
    except (binascii.Error, ValueError):
        pass
    return out


def psk_bytes(secret: Secret, encoding: str) -> bytes:
    raw = secret.reveal()
    text = raw.encode() if isinstance(raw, str) else raw
    readings = _psk_candidates(text)
    if encoding not in readings:
        raise InputError(
            f"the PSK is not valid {encoding} (use --psk-encoding to say how to read it)"
        )
    return readings[encoding]


# ------------------------------------------------------------------------- check


async def run_check(opts: CheckOptions) -> Evidence:
    try:
        target = parse_target(opts.target)
    except ValueError as e:
        raise InputError(f"{opts.target}: not a host[:port] ({e})") from None
    deadline = Deadline(opts.timeout, opts.started)
    p = Probe(opts, target, deadline, sem=asyncio.Semaphore(opts.concurrency))
    if opts.no_sni:
        p.sni = None
    elif opts.sni:
        p.sni = opts.sni
    else:
        from tlsdoctor.pki.names import parse_ip

        p.sni = None if parse_ip(target.host) is not None else target.host
    now = datetime.now(UTC)
    addresses, tkind, tdetail = await _addresses(p)
    scan = ServerScan(target=target.label, sni=p.sni, addresses=tuple(addresses))
    host = p.sni or target.host
    if tkind is not None:
        scan = dataclasses.replace(
            scan, transport=tkind, transport_detail=tdetail, elapsed=deadline.elapsed()
        )
        return Evidence(sources=(p.source,), scans=(scan,), host=host)
    p.address = next(a.address for a in addresses if a.ok)

    # 2. the default handshake
    default_profile = p.profile(cipher_suites=DEFAULT_CIPHER_SUITES)
    d = await p.attempt("default", p.config(default_profile), "flight")
    if d.transport in (
        "plain-http",
        "smtp",
        "ssh",
        "not-tls",
        "hang",
        "reset",
        "refused",
        "unreachable",
    ):
        scan = dataclasses.replace(
            scan,
            transport=d.transport,
            transport_detail=d.transport_detail,
            first_bytes=d.first_bytes,
            default=d.attempt,
            attempts=tuple(p.attempts),
            deadline_hit=d.transport == "hang",
            elapsed=deadline.elapsed(),
        )
        return Evidence(sources=(p.source,), scans=(scan,), host=host)

    default_version = d.attempt.version if d.accepted else None
    # 3. versions and suite families
    fam = _families()
    version_probes: list[tuple[int, Awaitable[Session]]] = []
    probed: tuple[int, ...] = (PV.TLSv1_0, PV.TLSv1_1, PV.TLSv1_2, PV.TLSv1_3)
    for v in probed:
        if v == default_version and v == PV.TLSv1_3:
            continue
        if v == PV.TLSv1_3:
            prof = p.profile(versions=(v,), cipher_suites=(0x1301, 0x1302, 0x1303))
        elif v == PV.TLSv1_2:
            prof = p.profile(versions=(v,), cipher_suites=DEFAULT_CIPHER_SUITES[3:] + fam["legacy"])
        else:
            prof = p.profile(versions=(v,), cipher_suites=_tls10_suites(), signature_algorithms=())
        purpose = f"version {registry.version_name(v)}"
        version_probes.append((v, p.attempt(purpose, p.config(prof), "flight")))
    family_probes: list[tuple[str, Awaitable[Session]]] = []
    for name, family in fam.items():
        if not family:
            continue
        until = "flight" if name == "DHE" else "hello"
        prof = p.profile(versions=(PV.TLSv1_2,), cipher_suites=family)
        family_probes.append((name, p.attempt(f"suites {name}", p.config(prof), until)))
    results = await _gather(*(aw for _, aw in version_probes), *(aw for _, aw in family_probes))
    vres = dict(zip((v for v, _ in version_probes), results[: len(version_probes)], strict=True))
    fres = dict(zip((n for n, _ in family_probes), results[len(version_probes) :], strict=True))
    versions: dict[int, bool] = {v: s.accepted and s.attempt.version == v for v, s in vres.items()}
    if default_version is not None:
        versions[default_version] = True
    suites: dict[int, list[int]] = {}
    for v, s in vres.items():
        if versions.get(v) and s.attempt.cipher_suite is not None:
            suites.setdefault(v, []).append(s.attempt.cipher_suite)
    if d.accepted and default_version and d.attempt.cipher_suite is not None:
        suites.setdefault(default_version, []).insert(0, d.attempt.cipher_suite)
    dh_bits = None
    for name, s in fres.items():
        if s.accepted and s.attempt.version == PV.TLSv1_2 and s.attempt.cipher_suite is not None:
            lst = suites.setdefault(PV.TLSv1_2, [])
            if s.attempt.cipher_suite not in lst:
                lst.append(s.attempt.cipher_suite)
            if name == "DHE" and s.server_key_exchange is not None:
                dh_bits = s.server_key_exchange.dh_bits
        if s.accepted and s.attempt.version == PV.TLSv1_2:
            versions[PV.TLSv1_2] = True
    psk_accepts = fres.get("PSK")
    non_psk_ok = any(
        s.accepted and not _is_psk_suite(s.attempt.cipher_suite)
        for s in (d, *vres.values(), *(x for n, x in fres.items() if n != "PSK"))
    )
    psk: dict[str, Any] = {}
    if psk_accepts is not None and psk_accepts.accepted:
        psk = {"only": not non_psk_ok, "suites": (psk_accepts.attempt.cipher_suite,)}
    elif opts.psk is not None:
        psk = {"only": not non_psk_ok, "suites": ()}

    # the chain: as served in the default handshake, and in TLS 1.2 if different
    chains: list[Chain] = []
    main = next(
        (
            x
            for x in (d, vres.get(PV.TLSv1_2), vres.get(PV.TLSv1_1), vres.get(PV.TLSv1_0))
            if x is not None and x.server_certificate is not None
        ),
        None,
    )
    main_chain = None
    if main is not None:
        vname = registry.version_name(main.attempt.version or 0) if main.attempt.version else "?"
        main_chain = _chain_from(main.server_certificate, f"{p.source} ({vname})", now)
        if main_chain is not None:
            chains.append(main_chain)
    t12 = vres.get(PV.TLSv1_2)
    if main is not d or t12 is None or t12.server_certificate is None or main_chain is None:
        pass
    else:
        c12 = _chain_from(t12.server_certificate, f"{p.source} (TLS 1.2)", now)
        if c12 is not None and [c.der for c in c12.certs] != [c.der for c in main_chain.certs]:
            chains.append(c12)

    # OCSP and SCTs
    ocsp: OcspStaple | None = None
    sct = {"certificate": 0, "tls-extension": 0, "ocsp": 0}
    sct_raw: dict[str, list[bytes]] = {}
    """The SCT bytes themselves, so client policies can verify them (issue 5)."""
    if main is not None and main_chain is not None:
        from tlsdoctor.pki.certinfo import info
        from tlsdoctor.pki.ocsp import check_staple

        leaf = main_chain.certs[0].cert
        issuer = main_chain.certs[1].cert if len(main_chain.certs) > 1 else None
        staple = _staple(main)
        if staple is None and t12 is not None and t12 is not main:
            staple = _staple(t12)
        if staple is not None:
            ocsp = check_staple(staple, leaf, issuer, now)
            sct["ocsp"] = ocsp.scts
            sct_raw["ocsp-response"] = [staple]
        sct["certificate"] = len(info(leaf).embedded_scts)
        ext_raw = _tls_ext_sct_bytes(main)
        sct["tls-extension"] = _sct_count(ext_raw)
        if ext_raw:
            sct_raw["tls-extension"] = [ext_raw]

    # 4. client certificates
    request_sess = next(
        (s for s in (d, t12) if s is not None and s.certificate_request is not None), None
    )
    cert_request = request_sess.certificate_request if request_sess else None
    without_cert: Attempt | None = None
    with_cert: Attempt | None = None
    required: bool | None = None
    if cert_request is not None and request_sess is not None:
        v = request_sess.attempt.version or PV.TLSv1_3
        prof = (
            p.profile(versions=(v,))
            if v == PV.TLSv1_3
            else p.profile(versions=(PV.TLSv1_2,), cipher_suites=DEFAULT_CIPHER_SUITES[3:])
        )
        tasks = [p.attempt("client-cert none", p.config(prof), "full")]
        if opts.client_chain and opts.client_key is not None:
            tasks.append(
                p.attempt(
                    "client-cert given",
                    p.config(
                        prof, client_certificates=opts.client_chain, client_key=opts.client_key
                    ),
                    "full",
                )
            )
        got = await _gather(*tasks)
        without_cert = got[0].attempt
        required = without_cert.result != "accepted"
        if len(got) > 1:
            with_cert = got[1].attempt

    # PSK with the key
    if opts.psk is not None:
        psk["identity"] = opts.psk_identity
        psk["used_encoding"] = opts.psk_encoding
        key = psk_bytes(opts.psk, opts.psk_encoding)
        s = await _psk_attempt(p, key, f"psk {opts.psk_encoding}")
        psk["key"] = s.attempt
        if s.accepted and s.attempt.cipher_suite is not None:
            psk.setdefault("suites", (s.attempt.cipher_suite,))

    # 5. differential probes
    no_sni = None
    required_ext: dict[str, str] = {}
    diff: list[tuple[str, Awaitable[Session]]] = []
    if p.sni is not None and d.accepted:
        prof = dataclasses.replace(default_profile, sni=False)
        diff.append(
            (
                "server_name",
                p.attempt("no-sni", ClientConfig(profile=prof, server_name=None), "hello"),
            )
        )
    if versions.get(PV.TLSv1_2) and t12 is not None and t12.accepted:
        base12 = p.profile(
            versions=(PV.TLSv1_2,), cipher_suites=DEFAULT_CIPHER_SUITES[3:] + fam["legacy"]
        )
        without = {
            "extended_master_secret": dataclasses.replace(base12, extended_master_secret=False),
            "renegotiation_info": dataclasses.replace(
                base12, renegotiation_info=False, renegotiation_scsv=False
            ),
        }
        for ext, prof12 in without.items():
            diff.append((ext, p.attempt(f"without {ext}", p.config(prof12), "hello")))
    diff_res = await _gather(*(aw for _, aw in diff))
    for (ext, _), s in zip(diff, diff_res, strict=True):
        if ext == "server_name":
            no_sni = s.attempt
        if s.attempt.result in ("alert", "closed", "reset"):
            alert = s.attempt.alert
            what = f"alert {alert_label(alert.description)}" if alert else s.attempt.result
            required_ext[ext] = what

    transport = None
    tdetail = None
    nothing_accepted = not any(versions.values()) and not psk.get("suites")
    if nothing_accepted and (d.transport == "closed" or d.attempt.result == "closed"):
        transport, tdetail = "closed", d.transport_detail
    scan = dataclasses.replace(
        scan,
        transport=transport,
        transport_detail=tdetail,
        versions=versions,
        suites={v: tuple(s) for v, s in suites.items()},
        default=d.attempt,
        dh_bits=dh_bits,
        ocsp=ocsp,
        ocsp_requested=True,
        sct_counts=sct,
        cert_request=cert_request,
        client_cert_required=required,
        without_client_cert=without_cert,
        with_client_cert=with_cert,
        psk=psk,
        extensions_required=required_ext,
        no_sni=no_sni,
        attempts=tuple(p.attempts),
        deadline_hit=deadline.expired(),
        elapsed=deadline.elapsed(),
    )
    if opts.full and transport is None:
        from tlsdoctor.sources.probe.full import enumerate_server

        scan = await enumerate_server(p, scan)
    client_chain: tuple[Chain, ...] = ()
    if opts.client_chain:
        client_chain = (
            Chain(
                certs=tuple(
                    ChainCert(
                        x509.load_der_x509_certificate(der), der, Where("--cert", f"cert[{i}]")
                    )
                    for i, der in enumerate(opts.client_chain)
                ),
                source="--cert",
                role=Side.CLIENT,
            ),
        )
    return Evidence(
        sources=(p.source,),
        chains=tuple(chains) + client_chain,
        scans=(scan,),
        host=host,
        at=now,
        facts={"sct_lists": sct_raw} if sct_raw else {},
    )


async def _psk_attempt(p: Probe, key: bytes, purpose: str) -> Session:
    prof = p.profile(versions=(PV.TLSv1_2,), cipher_suites=_families()["PSK"])
    ident = (p.opts.psk_identity or "Client_identity").encode()
    cfg = p.config(prof, psk=Secret(key, "PSK"), psk_identity=ident)
    return await p.attempt(purpose, cfg, "full")


async def follow_up(
    requests: Sequence[ProbeRequest], evidence: Evidence, opts: CheckOptions
) -> Evidence:
    """Run the probes rules asked for; return the evidence with their results."""
    if not evidence.scans:
        return evidence
    scan = evidence.scans[0]
    target = parse_target(opts.target)
    deadline = Deadline(max(1.0, opts.timeout / 2))
    if opts.started is not None:  # the whole command's budget: follow-ups fit in it too
        deadline = Deadline(min(deadline.end, opts.started + opts.timeout) - deadline.start)
    p = Probe(
        opts,
        target,
        deadline,
        address=scan.addresses[0].address if scan.addresses else target.host,
        sni=scan.sni,
    )
    p.attempts = list(scan.attempts)
    psk = dict(scan.psk)
    for req in requests:
        if req.kind == "psk-encodings" and opts.psk is not None:
            raw = opts.psk.reveal()
            text = raw.encode() if isinstance(raw, str) else raw
            tried: dict[str, Attempt] = {}
            for enc, key in _psk_candidates(text).items():
                if enc == opts.psk_encoding:
                    continue
                s = await _psk_attempt(p, key, f"psk {enc}")
                tried[enc] = s.attempt
                if s.accepted:
                    psk["encoding"] = enc
                    break
            psk["tried"] = tried
    scan = dataclasses.replace(scan, psk=psk, attempts=tuple(p.attempts))
    return dataclasses.replace(evidence, scans=(scan, *evidence.scans[1:]))


def check(opts: CheckOptions) -> Evidence:
    return asyncio.run(run_check(opts))
