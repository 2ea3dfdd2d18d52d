"""The client simulator: would each client complete the handshake and accept the certificate?

For every profile (clients/profiles/*.toml):

1. the handshake half — from the live check, the result of sending that
   client's own ClientHello once (``sources/probe/simulate.py``): the version,
   suite and group the server picked, or the alert it answered with; then the
   client's own limits on what was picked (DH group size, ATS);
2. the certificate half — the same rules as the default diagnosis, run with
   the profile's :class:`~tlsdoctor.clients.policy.Policy` (trust store, key
   sizes, hashes, names, lifetimes, CT with verified SCTs);
3. the app's own configuration when given (``--app-config``): an Info.plist's
   ATS exceptions, an Android network security config's trust anchors and pins.

The first failure a client meets is its verdict, with the error its user sees
(from the profile) linked to the catalog entry that explains it.  Results go
into each finding's per-client verdicts and into ``Report.facts["clients"]``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tlsdoctor.clients import ats as ats_mod
from tlsdoctor.clients.appconfig import AppConfig
from tlsdoctor.clients.policy import Policy
from tlsdoctor.clients.profiles import Profile
from tlsdoctor.model import Attempt, Evidence, Finding, Report, ServerScan, Severity
from tlsdoctor.pki.certinfo import now
from tlsdoctor.rules.transcripts import describe_attempt
from tlsdoctor.wire import registry

HANDSHAKE_RULES = frozenset(
    {
        "protocol.legacy-only",
        "protocol.no-common-version",
        "cipher.no-common-suite",
        "cipher.weak-dh",
        "cipher.no-forward-secrecy",
    }
)
"""Findings the live hello of the client itself decides, when there is one."""

ORDER_HANDSHAKE = 14


@dataclass(frozen=True)
class ClientVerdict:
    client: str
    display: str
    verdict: str
    """"pass", "fail" or "unknown"."""
    reason: str
    finding: str | None = None
    """Id of the finding (or simulator rule) that decides it."""
    error: str | None = None
    """What the client's user sees."""
    catalog: str | None = None
    """The catalog entry explaining ``error`` (``tlsdoctor explain``)."""
    handshake: str | None = None
    """"TLS 1.3, TLS_AES_128_GCM_SHA256" or "alert 70 protocol_version" (live only)."""
    ats_exceptions: dict[str, str] = field(default_factory=dict)
    app_config: str | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "display": self.display,
            "verdict": self.verdict,
            "reason": self.reason,
            "finding": self.finding,
            "error": self.error,
            "catalog": self.catalog,
            "handshake": self.handshake,
            "ats_exceptions": dict(self.ats_exceptions),
            "app_config": self.app_config,
            "notes": list(self.notes),
        }


@dataclass
class _Failure:
    order: int
    finding: str
    reason: str
    source: Finding | None = None


@lru_cache(maxsize=256)
def catalog_entry(text: str) -> str | None:
    """The catalog entry id that explains an error text, if one does."""
    try:
        from tlsdoctor.catalog.index import load
        from tlsdoctor.catalog.lookup import lookup

        res = lookup(text)
        if not res.mentions:
            return None
        return load().head(res.mentions[0].best.entry).id
    except Exception:  # the catalog is a convenience; never fail a diagnosis over it
        return None


def _vname(v: int | None) -> str:
    return registry.version_name(v) if v else "?"


def _handshake_failure(p: Profile, a: Attempt, scan: ServerScan) -> _Failure | None:
    if a.result == "accepted":
        return None
    if a.result == "skipped":
        return None
    server_versions = sorted(v for v, ok in scan.versions.items() if ok)
    offered = p.policy.versions
    common = [v for v in server_versions if v in offered]
    if server_versions and not common:
        rid = (
            "protocol.legacy-only"
            if max(server_versions) < 0x0303
            else "protocol.no-common-version"
        )
        return _Failure(
            ORDER_HANDSHAKE,
            rid,
            f"no common protocol version: the server accepts {', '.join(_vname(v) for v in server_versions)}; "
            f"{p.id} offers {', '.join(_vname(v) for v in offered)}",
        )
    if a.alert is not None and a.alert.description in (40, 71, 47):
        return _Failure(
            ORDER_HANDSHAKE + 1,
            "cipher.no-common-suite",
            f"no common cipher suite or group: the server answered {p.id}'s hello with {describe_attempt(a, negotiated=True)}",
        )
    return _Failure(
        ORDER_HANDSHAKE + 1,
        "handshake.refused",
        f"the server refused {p.id}'s hello: {describe_attempt(a, negotiated=True)}",
    )


def _param_failure(p: Profile, a: Attempt, scan: ServerScan) -> _Failure | None:
    """The client's own limits on what the server picked."""
    if a.result != "accepted":
        return None
    floor = p.policy.min_version or min(p.policy.versions)
    if a.version is not None and a.version < floor:
        return _Failure(
            ORDER_HANDSHAKE,
            "protocol.legacy-only",
            f"the server picked {_vname(a.version)}; {p.id} completes handshakes only with "
            f"{_vname(floor)} or newer",
        )
    suite = registry.cipher_suite(a.cipher_suite) if a.cipher_suite is not None else None
    if (
        suite is not None
        and suite.key_exchange == "DHE"
        and scan.dh_bits
        and scan.dh_bits < p.policy.dh_min_bits
    ):
        return _Failure(
            ORDER_HANDSHAKE + 2,
            "cipher.weak-dh",
            f"the server picked {suite.name} with a {scan.dh_bits}-bit DH group; {p.id} requires at least {p.policy.dh_min_bits} bits",
        )
    return None


def _spki_pins(evidence: Evidence, policy: Any) -> set[str]:
    from tlsdoctor.rules.context import chain_views

    out: set[str] = set()
    for v in chain_views(evidence, policy):
        for pc in v.best.certs:
            out.add(base64.b64encode(hashlib.sha256(pc.info.spki_der).digest()).decode())
    return out


def _android_config(
    p: Profile, evidence: Evidence, policy: Any, app: AppConfig | None
) -> tuple[_Failure | None, str | None, list[str]]:
    """Trust anchors and pins of the app's network security config (Android 7+)."""
    from tlsdoctor.rules.context import chain_views

    notes: list[str] = []
    views = chain_views(evidence, policy)
    private = any(v.best.trusted and not v.public for v in views)
    if app is None or app.nsc is None:
        if private and p.policy.ignores_user_cas:
            notes.append(
                "assumed the app trusts the --ca root (bundled via network_security_config); "
                "apps targeting Android 7+ ignore user-installed CAs — pass --app-config to check"
            )
        return None, None, notes
    nsc = app.nsc
    anchors, pins, expiration, where = nsc.for_host(evidence.host)
    named = f"{nsc.source} ({where})"
    if private:
        trusts_user = "user" in anchors
        raw = [a for a in anchors if a.startswith("@raw/")]
        if not trusts_user and not raw:
            return (
                _Failure(
                    9,
                    "android.user-ca-ignored",
                    f"the chain ends at a root you added; {named} trusts only {', '.join(anchors) or 'nothing'} — "
                    'apps targeting Android 7+ ignore user-added CAs unless the config lists <certificates src="user"/> or bundles the root',
                ),
                named,
                notes,
            )
        if raw and not trusts_user:
            notes.append(f"{named} bundles {', '.join(raw)}: assumed to be the --ca root")
    if pins and (expiration is None or expiration >= (evidence.at or now()).date()):
        have = _spki_pins(evidence, policy)
        if not any(pin.digest in have for pin in pins):
            return (
                _Failure(
                    7,
                    "android.pin-mismatch",
                    f"{named} pins {len(pins)} key(s), and no certificate on the served path has one of them",
                ),
                named,
                notes,
            )
    return None, named, notes


def _ats_failure(
    p: Profile, evidence: Evidence, app: AppConfig | None
) -> tuple[_Failure | None, dict[str, str], str | None]:
    if not p.policy.ats or not evidence.scans:
        return None, {}, None
    scan = evidence.scans[0]
    if scan.transport is not None or not scan.versions:
        return None, {}, None
    res = ats_mod.evaluate(scan, evidence.host, app.ats if app else None)
    if not res.violations:
        return None, {}, None
    if res.allowed_by:
        return None, res.exceptions, res.allowed_by
    keys = ", ".join(f"{k} = {v}" for k, v in res.exceptions.items())
    return (
        _Failure(
            ORDER_HANDSHAKE - 1,
            "ats.policy",
            "App Transport Security: "
            + "; ".join(res.violations)
            + f" (exception keys that would allow it: {keys})",
        ),
        res.exceptions,
        None,
    )


def simulate(
    evidence: Evidence,
    profiles: Sequence[Profile],
    policies: Mapping[str, Policy],
    hellos: Mapping[str, Attempt] | None = None,
    app: AppConfig | None = None,
) -> tuple[list[ClientVerdict], dict[str, list[Finding]]]:
    """A verdict per profile, and the FATAL findings each client's policy produced
    (``policies``: each profile's, with the user's roots and CT log list, by id)."""
    from tlsdoctor.rules.runner import run_rules

    verdicts: list[ClientVerdict] = []
    per_client: dict[str, list[Finding]] = {}
    scan = evidence.scans[0] if evidence.scans else None
    for p in profiles:
        policy = policies[p.id]
        failures: list[_Failure] = []
        notes: list[str] = []
        handshake = None
        att = (hellos or {}).get(p.id)
        if att is not None and scan is not None:
            handshake = describe_attempt(att, negotiated=True)
            for f in (_handshake_failure(p, att, scan), _param_failure(p, att, scan)):
                if f is not None:
                    failures.append(f)
        ats_fail, ats_exc, ats_allowed = _ats_failure(p, evidence, app)
        if ats_fail is not None:
            failures.append(ats_fail)
        app_named = None
        if ats_allowed:
            app_named = ats_allowed
            notes.append(f"allowed by {ats_allowed}")
            failures = [f for f in failures if f.order > ORDER_HANDSHAKE + 2]
        findings, _, _, _ = run_rules(evidence, policy, offline=False)
        fatal = [f for f in findings if f.severity is Severity.FATAL]
        if att is not None or ats_allowed:
            fatal = [f for f in fatal if f.id not in HANDSHAKE_RULES]
        per_client[p.id] = fatal
        failures.extend(_Failure(f.order, f.id, f.title, f) for f in fatal)
        if p.family == "android":
            af, named, an = _android_config(p, evidence, policy, app)
            notes.extend(an)
            app_named = app_named or named
            if af is not None:
                failures.append(af)
        if not failures:
            reason = "completes the handshake and accepts the certificate"
            if handshake:
                reason = f"handshake {handshake}; certificate accepted"
            verdicts.append(
                ClientVerdict(
                    p.id,
                    p.display,
                    "pass",
                    reason,
                    handshake=handshake,
                    ats_exceptions=ats_exc,
                    app_config=app_named,
                    notes=tuple(notes),
                )
            )
            continue
        first = min(failures, key=lambda f: f.order)
        error = p.error_for(first.finding)
        if first.finding == "ats.policy":
            key = (
                "protocol.legacy-only" if "TLS 1.2" in first.reason else "cipher.no-forward-secrecy"
            )
            error = p.errors.get(key) or p.error_default
        verdicts.append(
            ClientVerdict(
                p.id,
                p.display,
                "fail",
                first.reason,
                finding=first.finding,
                error=error,
                catalog=catalog_entry(error),
                handshake=handshake,
                ats_exceptions=ats_exc,
                app_config=app_named,
                notes=tuple(notes),
            )
        )
    return verdicts, per_client


def _client_text(v: ClientVerdict) -> str:
    if v.verdict == "pass":
        return "accepted"
    return f"fails: {v.error}" if v.error else "fails"


_SIM_TITLES = {
    "ats.policy": "App Transport Security refuses this server",
    "android.user-ca-ignored": "The Android app does not trust the root this chain ends at",
    "android.pin-mismatch": "The Android app's certificate pins match no key on the served path",
    "handshake.refused": "The server refuses this client's ClientHello",
}


def _synthetic(v: ClientVerdict) -> Finding:
    """A finding for a failure only the simulator sees (ATS, app config, a refused hello)."""
    from tlsdoctor.model import EvidenceItem, Fix, Where

    fixes: tuple[Fix, ...] = ()
    if v.ats_exceptions:
        fixes = (
            Fix(
                "general",
                "Best: enable TLS 1.2+ with ECDHE suites on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;).",
            ),
            Fix(
                "urlsession",
                "Or, in the app's Info.plist, add these ATS exception keys for the host (App Review may ask why).",
                ats_mod.exception_snippet(None, v.ats_exceptions),
            ),
        )
    elif v.finding == "android.user-ca-ignored":
        fixes = (
            Fix(
                "general",
                'Bundle the root in the app and list it in network_security_config.xml (or add <certificates src="user"/> for debug builds).',
                '<network-security-config>\n  <base-config>\n    <trust-anchors>\n      <certificates src="@raw/my_root"/>\n      <certificates src="system"/>\n    </trust-anchors>\n  </base-config>\n</network-security-config>',
            ),
        )
    return Finding(
        id=v.finding or "handshake.refused",
        severity=Severity.FATAL,
        title=_SIM_TITLES.get(v.finding or "", "This client refuses the server") + ": " + v.reason,
        evidence=(EvidenceItem(Where(f"client {v.client}", v.app_config), v.reason),),
        clients={},
        fixes=fixes,
        refs=("Apple NSAppTransportSecurity",) if v.finding == "ats.policy" else (),
        order=ORDER_HANDSHAKE,
    )


def merge(
    report: Report,
    verdicts: Sequence[ClientVerdict],
    per_client: Mapping[str, Sequence[Finding]],
    counts: Mapping[str, Any],
) -> Report:
    """The report with per-client verdicts in its findings and the matrix in its facts."""
    from tlsdoctor.rules import rank

    by_id: dict[str, Finding] = {f.id: f for f in report.findings}
    extra: dict[str, Finding] = {}
    clients_for: dict[str, dict[str, str]] = {}
    for v in verdicts:
        if v.verdict != "fail" or v.finding is None:
            continue
        clients_for.setdefault(v.finding, {})[v.client] = _client_text(v)
        if v.finding not in by_id and v.finding not in extra:
            src = next((f for f in per_client.get(v.client, ()) if f.id == v.finding), None)
            if src is not None:
                extra[v.finding] = src
    for v in verdicts:
        if v.verdict == "fail" and v.finding and v.finding not in by_id and v.finding not in extra:
            extra[v.finding] = _synthetic(v)
    findings: list[Finding] = []
    for f in (*report.findings, *extra.values()):
        add = clients_for.get(f.id)
        if add:
            f = dataclasses.replace(f, clients={**f.clients, **add})
        findings.append(f)
    facts = dict(report.facts)
    facts["clients"] = {
        "matrix": [v.as_dict() for v in verdicts],
        **counts,
    }
    return dataclasses.replace(report, findings=rank(findings), facts=facts)
