"""The one model every evidence source fills and every rule reads.

Data flows one way (ARCHITECTURE.md): sources build an :class:`Evidence`, rules
turn it into :class:`Finding` objects (or :class:`ProbeRequest` objects asking the
engine for one more observation), the engine ranks them into a :class:`Report`,
and renderers print the report.  Everything here is a frozen dataclass holding
parsed objects, so rules never re-parse bytes.

This module must stay cheap to import: ``tlsdoctor explain`` renders reports
without loading ``cryptography``.  Certificate objects are therefore typed only
for the type checker.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - import for type checkers only
    from cryptography import x509

    from tlsdoctor.pki.ctverify import LogList
    from tlsdoctor.pki.trust import TrustStore

REPORT_SCHEMA_VERSION = "1.0"
"""Version of the JSON report schema (``report/schema/report.schema.json``)."""

REDACTED = "<redacted>"
PEM_PRIVATE_KEY_LABEL = r"[A-Z0-9 ]*PRIVATE KEY"
"""Regular expression for the label of any PEM private key block: "PRIVATE KEY",
"ENCRYPTED PRIVATE KEY" (RFC 7468 §10, §11) and OpenSSL's "RSA PRIVATE KEY",
"EC PRIVATE KEY", "OPENSSH PRIVATE KEY" …"""


class Severity(enum.IntEnum):
    """How bad a finding is.

    FATAL: the handshake fails for some client.  WARN: it works today but is
    fragile or fails for some clients' policies.  INFO: worth knowing.
    """

    INFO = 0
    WARN = 1
    FATAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Side(enum.Enum):
    """A TLS peer."""

    CLIENT = "client"
    SERVER = "server"

    @property
    def other(self) -> Side:
        return Side.SERVER if self is Side.CLIENT else Side.CLIENT


class Secret:
    """A value that must never be shown: private keys, PSKs, key-log secrets.

    ``str()``, ``repr()``, formatting and pickling-by-repr all give
    ``<redacted>``.  Only :meth:`reveal` hands back the value, for code that
    must use it (a PSK handshake, matching a key to a certificate).
    """

    __slots__ = ("_value", "kind")

    def __init__(self, value: bytes | str, kind: str = "secret") -> None:
        self._value = value
        self.kind = kind

    def reveal(self) -> bytes | str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.kind}, {REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self.kind))

    def __reduce__(self) -> Any:  # never pickle the value
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Where:
    """Where a fact was seen: a source id and a place inside it.

    ``source`` names the input ("chain.pem", "live 127.0.0.1:443",
    "capture.pcap#conn3", "device.log"); ``place`` the spot inside it
    ("cert[2]", "frame 14", "line 233"), when there is one.
    """

    source: str
    place: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.place}" if self.place else self.source


@dataclass(frozen=True)
class EvidenceItem:
    """One fact a finding rests on, with where it was observed."""

    where: Where
    fact: str

    def __str__(self) -> str:
        return f"{self.where}: {self.fact}"


# --------------------------------------------------------------------- wire side


@dataclass(frozen=True)
class WireMessage:
    """One protocol message in a transcript.

    ``name`` is the RFC name ("ClientHello", "Certificate", "Alert",
    "ChangeCipherSpec", "ApplicationData"); ``message`` the typed, frozen
    message from :mod:`tlsdoctor.wire.messages` (or ``None`` when the source saw
    only that the message happened, as a debug log often does).
    """

    sender: Side
    name: str
    message: Any = None
    where: Where | None = None
    time: float | None = None
    encrypted: bool = False
    """True when the message travelled encrypted (a TLS 1.3 flight) and was
    read with keys (our own probe's, or a key log)."""
    size: int | None = None


@dataclass(frozen=True)
class Transcript:
    """The ordered, directed messages of one connection."""

    source: str
    messages: tuple[WireMessage, ...] = ()
    client: str | None = None
    """Client endpoint, e.g. "127.0.0.1:50514", when known."""
    server: str | None = None
    """Server endpoint, e.g. "127.0.0.1:443", when known."""
    unseen: tuple[str, ...] = ()
    """What this transcript could not see, and why ("TLS 1.3 flight encrypted:
    pass --keylog")."""

    def __iter__(self) -> Iterator[WireMessage]:
        return iter(self.messages)

    def find(self, name: str, sender: Side | None = None) -> WireMessage | None:
        for m in self.messages:
            if m.name == name and (sender is None or m.sender is sender):
                return m
        return None

    def index(self, msg: WireMessage) -> int:
        for i, m in enumerate(self.messages):
            if m is msg:
                return i
        raise ValueError("message not in transcript")


@dataclass(frozen=True)
class AlertSeen:
    """A TLS alert, who sent it, and what it followed."""

    sender: Side
    level: int
    description: int
    after: str | None = None
    """Name of the last message before the alert ("Certificate")."""
    where: Where | None = None

    @property
    def fatal(self) -> bool:
        return self.level == 2


@dataclass(frozen=True)
class LibraryError:
    """An error a TLS library reported (from a log, an exception, a probe)."""

    library: str
    code: str
    """As written: "-313", "-0x7780", "0A000086", "CERTIFICATE_VERIFY_FAILED"."""
    name: str | None = None
    text: str | None = None
    side: Side | None = None
    where: Where | None = None


@dataclass(frozen=True)
class Outcome:
    """How one connection attempt ended."""

    completed: bool | None
    """True: handshake finished.  False: it failed.  None: not known."""
    alerts: tuple[AlertSeen, ...] = ()
    library_errors: tuple[LibraryError, ...] = ()
    transport: str | None = None
    """Transport-level ending when there is one: "refused", "timeout",
    "reset", "closed", "not-tls"."""
    closed_by: Side | None = None
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None
    where: Where | None = None

    @property
    def first_fatal_alert(self) -> AlertSeen | None:
        return self.first_fatal()

    def first_fatal(self, sender: Side | None = None) -> AlertSeen | None:
        """The first fatal alert, or the first ``sender`` sent."""
        for a in self.alerts:
            if a.fatal and (sender is None or a.sender is sender):
                return a
        return None


# ------------------------------------------------------------------ certificates


@dataclass(frozen=True)
class ChainCert:
    """A parsed certificate and where it came from."""

    cert: x509.Certificate
    der: bytes
    where: Where


@dataclass(frozen=True)
class Chain:
    """Certificates as one peer presented them (or as files gave them).

    ``certs`` keeps the order they were served in; ``certs[0]`` is what the
    peer put first, which a TLS client treats as the leaf.
    """

    certs: tuple[ChainCert, ...]
    source: str
    role: Side = Side.SERVER
    """Whose chain: the server's, or a client certificate chain (mTLS)."""
    served: bool = True
    """True when the order is meaningful (a TLS Certificate message, a
    file the user says is the served chain)."""
    at: datetime | None = None
    """When the chain was seen; rules judge validity at this time (a capture's
    own time), or now when ``None``."""


@dataclass(frozen=True)
class KeyInfo:
    """A private key the user supplied: its public half and where it came from.

    The private key itself is held only as a :class:`Secret`.
    """

    public_key_der: bytes
    """SubjectPublicKeyInfo DER of the public half."""
    description: str
    """"RSA 2048", "EC secp256r1", "Ed25519"."""
    where: Where
    secret: Secret


# ----------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Connection:
    """One connection attempt: its transcript, chains and outcome."""

    id: str
    """Source id of this connection: "live 127.0.0.1:443#tls13",
    "capture.pcap#conn3", "device.log"."""
    transcript: Transcript | None = None
    outcome: Outcome | None = None
    server_name: str | None = None
    """SNI sent, or the name the client wanted to reach."""
    log_side: Side | None = None
    """For a log: which side wrote it."""
    api_calls: tuple[tuple[str, Where], ...] = ()
    """Library API calls in order, where a log shows them."""
    facts: Mapping[str, Any] = field(default_factory=dict)
    """Source-specific observations a rule may use, by documented key
    ("ocsp_stapled", "sct_sources", "ja3" ...)."""


@dataclass(frozen=True, eq=False)
class Evidence:
    """Everything observed, from any number of sources, each tagged with its id."""

    sources: tuple[str, ...] = ()
    chains: tuple[Chain, ...] = ()
    connections: tuple[Connection, ...] = ()
    keys: tuple[KeyInfo, ...] = ()
    host: str | None = None
    """Name or IP the client wants to reach (``--host``, the SNI, the target)."""
    private_anchors: tuple[ChainCert, ...] = ()
    """Roots the user says their client trusts (``--ca``): locally added, so
    policies that exempt private roots (CT, key sizes on some clients) do."""
    at: datetime | None = None
    """Time to judge validity at, when not now."""
    library_errors: tuple[LibraryError, ...] = ()
    """Errors not tied to one connection (a pasted error string)."""
    facts: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """What a source could not read or check, and why."""
    scans: tuple[ServerScan, ...] = ()
    """Live checks of servers (``tlsdoctor check``)."""
    trust_stores: Mapping[str, TrustStore] = field(default_factory=dict)
    """Public root stores by ``Policy.trust_store`` spec, loaded by the engine
    (certifi, the system bundle, a shipped snapshot, ``--public-roots FILE``):
    rules look them up and never read a file."""
    ct_log_lists: Mapping[str, LogList] = field(default_factory=dict)
    """CT log lists by ``Policy.ct_log_list`` name (a shipped snapshot, or
    ``file:PATH`` from ``--ct-logs``), loaded by the engine likewise."""

    def merge(self, other: Evidence) -> Evidence:
        """Evidence from both: the one Evidence ``diagnose`` builds."""
        return Evidence(
            sources=self.sources + tuple(s for s in other.sources if s not in self.sources),
            chains=self.chains + other.chains,
            connections=self.connections + other.connections,
            keys=self.keys + other.keys,
            host=self.host or other.host,
            private_anchors=self.private_anchors + other.private_anchors,
            at=self.at or other.at,
            library_errors=self.library_errors + other.library_errors,
            facts={**other.facts, **self.facts},
            notes=self.notes + other.notes,
            scans=self.scans + other.scans,
            trust_stores={**other.trust_stores, **self.trust_stores},
            ct_log_lists={**other.ct_log_lists, **self.ct_log_lists},
        )


# ---------------------------------------------------------------------- judgement


@dataclass(frozen=True)
class Fix:
    """One way to fix a finding.

    ``target`` says where the fix applies: "openssl", "nginx", "apache",
    "haproxy", "caddy", "wolfssl", "mbedtls", "python", "java", "urlsession",
    "general".
    """

    target: str
    text: str
    snippet: str | None = None


@dataclass(frozen=True)
class Finding:
    """One diagnosis: what is wrong, the facts it rests on, how to fix it."""

    id: str
    severity: Severity
    title: str
    """One sentence a developer who is not a TLS expert understands."""
    explains_outcome: bool = False
    """This is why the observed handshake failed."""
    evidence: tuple[EvidenceItem, ...] = ()
    observed: bool = True
    """Seen directly, versus inferred from other facts."""
    clients: Mapping[str, str] = field(default_factory=dict)
    """Per-client verdicts: {"chrome": "fails: NET::ERR_CERT_AUTHORITY_INVALID"}."""
    fixes: tuple[Fix, ...] = ()
    refs: tuple[str, ...] = ()
    detail: str | None = None
    """Longer explanation (why it matters), when the title is not enough."""
    order: int = 0
    """Where in a client's checking this problem is met (lower: earlier). The
    ranker uses it to put first the problem a client hits first."""


@dataclass(frozen=True)
class ProbeRequest:
    """A rule asking the engine for one more live observation."""

    kind: str
    """What to try: "psk-encoding", "no-sni", "without-extension" ..."""
    params: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    rule_id: str = ""


@dataclass(frozen=True)
class Check:
    """A check that ran and passed, or could not run (with why)."""

    id: str
    text: str


@dataclass(frozen=True)
class Report:
    """The result of one diagnosis, ready for any renderer."""

    command: str
    findings: tuple[Finding, ...] = ()
    """Ranked: the finding that explains the outcome first."""
    passed: tuple[Check, ...] = ()
    not_checked: tuple[Check, ...] = ()
    sources: tuple[str, ...] = ()
    subject: str | None = None
    """What was diagnosed ("chain.pem", "example.com:443")."""
    summary: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    """Structured extras for renderers and JSON (handshake counts, parameters,
    per-connection tables) under documented keys."""
    ladders: tuple[Transcript, ...] = ()
    """Transcripts worth drawing as a ladder diagram."""
    tool_version: str = ""

    @property
    def root_cause(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)


# ------------------------------------------------------------------- live checks


@dataclass(frozen=True)
class Attempt:
    """One probe connection: why it was made, what was offered, what came back."""

    purpose: str
    """"default", "version 0x0303", "suite 0xc02f", "no-sni", "alpn h2",
    "client-cert none", "psk hex", "without encrypt_then_mac" …"""
    result: str
    """"accepted" (ServerHello, and for full handshakes the server's Finished),
    "alert", "closed", "reset", "timeout", "refused", "not-tls", "error"."""
    offered_versions: tuple[int, ...] = ()
    offered_suites: tuple[int, ...] = ()
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None
    alert: AlertSeen | None = None
    detail: str | None = None
    connection: Connection | None = None
    address: str | None = None


@dataclass(frozen=True)
class AddressResult:
    """TCP reachability of one address of the target name."""

    address: str
    ok: bool
    error: str | None = None
    """"refused", "timeout", "unreachable", "reset" when not ok."""


@dataclass(frozen=True)
class OcspStaple:
    """A stapled OCSP response as checked (RFC 6960, RFC 6066 §8)."""

    status: str
    """"good", "revoked", "unknown", or "unparsable"."""
    signer_ok: bool | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    problems: tuple[str, ...] = ()
    scts: int = 0


@dataclass(frozen=True)
class ServerScan:
    """What a live check learned about one server.

    Every field is an observation (or ``None`` when not probed); rules turn
    them into findings.  ``attempts`` keeps every connection made, so the JSON
    report counts them.
    """

    target: str
    """"example.com:443" or "127.0.0.1:8443"."""
    sni: str | None
    addresses: tuple[AddressResult, ...] = ()
    transport: str | None = None
    """None when TLS was spoken; else "refused", "timeout", "unreachable",
    "reset", "closed", "hang", "plain-http", "smtp", "ssh", "not-tls"."""
    transport_detail: str | None = None
    first_bytes: bytes | None = None
    """What a non-TLS server sent first (a banner, an HTTP status line)."""
    versions: Mapping[int, bool] = field(default_factory=dict)
    """Protocol version → accepted."""
    suites: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    """Version → accepted cipher suites (in server preference order when known)."""
    server_preference: bool | None = None
    groups: tuple[int, ...] = ()
    default: Attempt | None = None
    """The first, browser-like handshake."""
    dh_bits: int | None = None
    """Size of the finite-field DH group the server chose, when it chose DHE."""
    ocsp: OcspStaple | None = None
    ocsp_requested: bool = False
    sct_counts: Mapping[str, int] = field(default_factory=dict)
    """SCTs by source: "tls-extension", "ocsp", "certificate"."""
    cert_request: Any = None
    """The server's CertificateRequest (wire message) when it asked for a client certificate."""
    client_cert_required: bool | None = None
    without_client_cert: Attempt | None = None
    with_client_cert: Attempt | None = None
    psk: Mapping[str, Any] = field(default_factory=dict)
    """"only": bool, "suites": accepted PSK suites, "key": Attempt with the given
    key, "identity": str, "encoding": which reading of the key the server
    accepted ("hex", "ascii", "base64"), "tried": {encoding: Attempt}."""
    extensions_required: Mapping[str, str] = field(default_factory=dict)
    """Extension name → what happened without it (an alert)."""
    no_sni: Attempt | None = None
    attempts: tuple[Attempt, ...] = ()
    deadline_hit: bool = False
    elapsed: float | None = None

    @property
    def handshakes(self) -> int:
        return len(self.attempts)

    @property
    def source(self) -> str:
        """The source id of what this check saw: "live example.com:443".

        Chains the check received are named after it ("live example.com:443
        (TLS 1.3)"), as :meth:`saw` tells.
        """
        return f"live {self.target}"

    def where(self, place: str | None = None) -> Where:
        """A place in this check's observations ("CertificateRequest", "cert[0]")."""
        return Where(self.source, place)

    def saw(self, chain: Chain) -> bool:
        """True when ``chain`` is one this check received."""
        return chain.source == self.source or chain.source.startswith(self.source + " ")
