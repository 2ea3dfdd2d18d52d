"""One diagnosis: sources → Evidence → rules → (follow-up probes) → ranked Report."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tlsdoctor import __version__
from tlsdoctor.clients.policy import POLICIES, Policy
from tlsdoctor.errors import InputError
from tlsdoctor.model import (
    Attempt,
    Chain,
    ChainCert,
    Check,
    Evidence,
    Finding,
    KeyInfo,
    ProbeRequest,
    Report,
    Severity,
    Transcript,
)
from tlsdoctor.rules import link_outcomes, rank, runner

ProbeRunner = Callable[[Sequence[ProbeRequest], Evidence], Evidence]
MAX_PROBE_ROUNDS = 2


def run_rules(
    evidence: Evidence, policy: Policy, offline: bool = True
) -> tuple[list[Finding], list[ProbeRequest], list[Check], list[Check]]:
    """Every rule on ``evidence`` for ``policy``, its trust store loaded first."""
    return runner.run_rules(with_policy_data(evidence, [policy]), policy, offline)


def diagnose(
    evidence: Evidence,
    policy: Policy,
    command: str,
    subject: str | None = None,
    probe: ProbeRunner | None = None,
    facts: dict[str, Any] | None = None,
    summary: str | None = None,
) -> Report:
    """Run the rules; let them ask for follow-up probes (at most two rounds)."""
    offline = not evidence.scans
    evidence = with_policy_data(evidence, [policy])
    findings, requests, passed, not_checked = runner.run_rules(evidence, policy, offline)
    rounds = 0
    while requests and probe is not None and rounds < MAX_PROBE_ROUNDS:
        evidence = with_policy_data(probe(requests, evidence), [policy])
        findings, requests, passed, not_checked = runner.run_rules(evidence, policy, offline)
        rounds += 1
    for note in evidence.notes:
        not_checked.append(Check("source", note))
    ranked = rank(link_outcomes(evidence, findings))
    return Report(
        command=command,
        findings=ranked,
        passed=tuple(passed),
        not_checked=tuple(not_checked),
        sources=evidence.sources,
        subject=subject,
        summary=summary or _summary(ranked),
        facts=facts or {},
        tool_version=__version__,
    )


def _summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No problems found."
    worst = findings[0]
    if worst.severity is Severity.FATAL:
        return "Clients will fail to connect: " + worst.title[0].lower() + worst.title[1:] + "."
    if worst.severity is Severity.WARN:
        return "Clients connect, but: " + worst.title[0].lower() + worst.title[1:] + "."
    return "No problems that stop a handshake."


# ---------------------------------------------------------------- tlsdoctor cert


def _policy(name: str, system: bool, public_roots: str | None) -> Policy:
    base = POLICIES.get(name)
    if base is None:
        raise InputError(f"unknown policy {name!r} (choose from {', '.join(sorted(POLICIES))})")
    return base.with_inputs(public_roots, system)


def with_policy_data(evidence: Evidence, policies: Iterable[Policy]) -> Evidence:
    """The evidence with what these policies name loaded: public root stores, and
    CT log lists for those that verify SCTs (only when there is a chain to judge).  Rules look them up and never read a
    file; the same Evidence comes back when nothing new was needed (chain
    analyses are memoised per Evidence)."""
    if not evidence.chains:
        return evidence  # nothing to judge against roots or logs: load nothing
    from tlsdoctor.pki.trust import load_store

    stores = dict(evidence.trust_stores)
    logs = dict(evidence.ct_log_lists)
    for policy in policies:
        if policy.trust_store not in stores:
            stores[policy.trust_store] = load_store(policy.trust_store)
        if policy.ct_verify and policy.ct_log_list not in logs:
            from tlsdoctor.pki.ctverify import load_log_list

            logs[policy.ct_log_list] = load_log_list(policy.ct_log_list)
    if len(stores) == len(evidence.trust_stores) and len(logs) == len(evidence.ct_log_lists):
        return evidence
    return dataclasses.replace(evidence, trust_stores=stores, ct_log_lists=logs)


def cert_evidence(
    files: Sequence[str],
    host: str | None = None,
    ca_files: Sequence[str] = (),
    key_file: str | None = None,
    passphrase: bytes | None = None,
) -> Evidence:
    """Evidence from certificate files (in served order) and the user's options."""
    from tlsdoctor.sources.certfiles import describe_key_only, load_anchors, load_file

    certs: list[ChainCert] = []
    keys: list[KeyInfo] = []
    notes: list[str] = []
    key_only = None
    for path in files:
        loaded = load_file(path, passphrase)
        certs.extend(loaded.certs)
        keys.extend(loaded.keys)
        notes.extend(loaded.notes)
        if loaded.keys and not loaded.certs:
            key_only = loaded
        elif loaded.keys:
            notes.append(
                f"{os.path.basename(path)}: also holds a private key (not shown); it was "
                "checked against the certificate"
            )
    if not certs:
        if key_only is not None:
            raise InputError(describe_key_only(key_only))
        raise InputError(f"{', '.join(files)}: no certificate found")
    anchors = load_anchors(ca_files, passphrase)
    if key_file:
        loaded = load_file(key_file, passphrase)
        if not loaded.keys:
            raise InputError(f"{key_file}: no private key found for --key")
        keys.extend(loaded.keys)
    source = ", ".join(os.path.basename(f) for f in files)
    chain = Chain(certs=tuple(certs), source=source)
    return Evidence(
        sources=tuple(os.path.basename(f) for f in files),
        chains=(chain,),
        keys=tuple(keys),
        host=host,
        private_anchors=anchors,
        notes=tuple(notes),
    )


def chain_facts(evidence: Evidence, policy: Policy) -> dict[str, Any]:
    """The certificates and the chosen path, for renderers and JSON."""
    from tlsdoctor.pki.certinfo import info
    from tlsdoctor.rules.context import chain_views

    out: list[dict[str, Any]] = []
    for v in chain_views(evidence, policy):
        certs = []
        for cc in v.chain.certs:
            ci = info(cc.cert)
            certs.append(
                {
                    "where": str(cc.where),
                    "subject": ci.cert.subject.rfc4514_string(),
                    "issuer": ci.cert.issuer.rfc4514_string(),
                    "not_before": ci.not_before.isoformat(),
                    "not_after": ci.not_after.isoformat(),
                    "key": str(ci.key),
                    "signature": ci.signature_algorithm,
                    "is_ca": ci.is_ca,
                    "san": [f"DNS:{d}" for d in ci.dns_names]
                    + [f"IP:{ip}" for ip in ci.ip_addresses],
                    "sha256": ci.fingerprint.hex(),
                }
            )
        best = v.best
        out.append(
            {
                "source": v.chain.source,
                "certificates": certs,
                "path": [pc.info.name for pc in best.certs],
                "path_end": best.end,
                "anchor": best.anchor.origin if best.anchor else None,
                "anchor_public": best.public,
                "judged_at": v.analysis.at.isoformat(),
                "other_paths": [
                    {
                        "path": [pc.info.name for pc in p.certs],
                        "end": p.end,
                        "problems": [pr.kind for pr in p.problems],
                    }
                    for p in v.analysis.paths[1:]
                ],
            }
        )
    return {"chains": out, "policy": policy.name, "trust_store": policy.trust_store}


def diagnose_cert_files(
    files: Sequence[str],
    host: str | None = None,
    ca_files: Sequence[str] = (),
    system: bool = False,
    key_file: str | None = None,
    passphrase: bytes | None = None,
    policy_name: str = "browser",
    public_roots: str | None = None,
    clients: Sequence[str] = (),
    app_config: str | None = None,
    ct_logs: str | None = None,
) -> Report:
    policy = _policy(policy_name, system, public_roots)
    evidence = cert_evidence(files, host, ca_files, key_file, passphrase)
    evidence = with_policy_data(evidence, [policy])  # once: chain_facts and the rules share it
    facts = {**chain_facts(evidence, policy), "host": host}
    report = diagnose(
        evidence,
        policy,
        command="cert",
        subject=", ".join(files) + (f" for {host}" if host else ""),
        facts=facts,
    )
    return with_clients(
        report, evidence, clients, app_config=app_config, public_roots=public_roots, ct_logs=ct_logs
    )


# --------------------------------------------------------------- tlsdoctor check


def _private_key(info: KeyInfo, passphrase: bytes | None) -> Any:
    from cryptography.hazmat.primitives import serialization

    raw = info.secret.reveal()
    data = raw if isinstance(raw, bytes) else raw.encode()
    try:
        return serialization.load_der_private_key(data, passphrase)
    except (ValueError, TypeError):
        raise InputError(
            f"{info.where}: the private key could not be used (encrypted? pass its passphrase)"
        ) from None


def check_options(
    target: str,
    *,
    sni: str | None = None,
    no_sni: bool = False,
    connect: str | None = None,
    alpn: Sequence[str] = (),
    cert_file: str | None = None,
    key_file: str | None = None,
    passphrase: bytes | None = None,
    psk_identity: str | None = None,
    psk: Any = None,
    psk_encoding: str = "hex",
    timeout: float = 10.0,
    started: float | None = None,
    full: bool = False,
) -> Any:
    """CheckOptions from command-line values (files read here, keys kept secret)."""
    from tlsdoctor.sources.certfiles import load_file
    from tlsdoctor.sources.probe.check import CheckOptions

    chain: tuple[bytes, ...] = ()
    key_obj = None
    if cert_file:
        loaded = load_file(cert_file, passphrase)
        if not loaded.certs:
            raise InputError(f"{cert_file}: no certificate found for --cert")
        chain = tuple(c.der for c in loaded.certs)
        keys = list(loaded.keys)
        if key_file:
            kl = load_file(key_file, passphrase)
            if not kl.keys:
                raise InputError(f"{key_file}: no private key found for --key")
            keys = list(kl.keys)
        if not keys:
            raise InputError(
                f"{cert_file}: --cert needs its private key (--key FILE, or a PKCS#12 file)"
            )
        key_obj = _private_key(keys[0], passphrase)
    elif key_file:
        raise InputError("--key needs --cert (the client certificate it belongs to)")
    if timeout <= 0:
        raise InputError("--timeout must be positive")
    return CheckOptions(
        target=target,
        sni=sni,
        no_sni=no_sni,
        connect=connect,
        alpn=tuple(alpn),
        client_chain=chain,
        client_key=key_obj,
        psk_identity=psk_identity,
        psk=psk,
        psk_encoding=psk_encoding,
        timeout=timeout,
        started=started,
        full=full,
    )


def scan_facts(evidence: Evidence) -> dict[str, Any]:
    from tlsdoctor.wire import registry

    out: list[dict[str, Any]] = []
    for s in evidence.scans:
        d = s.default
        out.append(
            {
                "target": s.target,
                "sni": s.sni,
                "addresses": [
                    {"address": a.address, "ok": a.ok, "error": a.error} for a in s.addresses
                ],
                "transport": s.transport,
                "handshakes": s.handshakes,
                "elapsed_s": round(s.elapsed or 0.0, 3),
                "deadline_hit": s.deadline_hit,
                "versions": {registry.version_name(v): ok for v, ok in sorted(s.versions.items())},
                "suites": {
                    registry.version_name(v): [registry.cipher_suite_name(c) for c in cs]
                    for v, cs in sorted(s.suites.items())
                },
                "negotiated": None
                if d is None or d.result != "accepted"
                else {
                    "version": registry.version_name(d.version) if d.version else None,
                    "cipher_suite": registry.cipher_suite_name(d.cipher_suite)
                    if d.cipher_suite is not None
                    else None,
                },
                "ocsp_stapled": s.ocsp is not None,
                "sct_counts": dict(s.sct_counts),
                "client_certificate_requested": s.cert_request is not None,
                "client_certificate_required": s.client_cert_required,
                "dh_bits": s.dh_bits,
                "attempts": [
                    {
                        "purpose": a.purpose,
                        "result": a.result,
                        "version": registry.version_name(a.version) if a.version else None,
                        "cipher_suite": registry.cipher_suite_name(a.cipher_suite)
                        if a.cipher_suite is not None
                        else None,
                        "alert": a.alert.description if a.alert else None,
                    }
                    for a in s.attempts
                ],
            }
        )
    return {"scans": out}


def diagnose_check(
    opts: Any,
    *,
    ca_files: Sequence[str] = (),
    policy_name: str = "browser",
    system: bool = False,
    public_roots: str | None = None,
    passphrase: bytes | None = None,
    clients: Sequence[str] = (),
    app_config: str | None = None,
    ct_logs: str | None = None,
) -> Report:
    from tlsdoctor.sources.certfiles import load_anchors
    from tlsdoctor.sources.probe.check import follow_up, run_check

    policy = _policy(policy_name, system, public_roots)
    anchors = load_anchors(ca_files, passphrase)

    import asyncio

    evidence = asyncio.run(run_check(opts))
    evidence = dataclasses.replace(evidence, private_anchors=anchors)
    evidence = with_policy_data(evidence, [policy])

    def probe(requests: Sequence[ProbeRequest], ev: Evidence) -> Evidence:
        return asyncio.run(follow_up(requests, ev, opts))

    facts = {**scan_facts(evidence), **chain_facts(evidence, policy)}
    report = diagnose(
        evidence, policy, command="check", subject=opts.target, probe=probe, facts=facts
    )
    scan = evidence.scans[0] if evidence.scans else None
    ladders: tuple[Transcript, ...] = ()
    if scan is not None and scan.default is not None and scan.default.connection is not None:
        t = scan.default.connection.transcript
        if t is not None and (
            report.worst() == Severity.FATAL or scan.default.result != "accepted"
        ):
            ladders = (t,)
    summary = report.summary
    passed = report.passed
    key = scan.psk.get("key") if scan is not None else None
    if isinstance(key, Attempt) and key.result == "accepted":
        from tlsdoctor.wire import registry

        text = (
            f"PSK handshake completed: {registry.version_name(key.version or 0)}, "
            f"{registry.cipher_suite_name(key.cipher_suite or 0)}"
        )
        passed = (Check("psk.handshake", text), *passed)
        summary = f"{summary} ({text})"
    if scan is not None and scan.default is not None and scan.default.result == "accepted":
        from tlsdoctor.wire import registry

        d = scan.default
        params = f"{registry.version_name(d.version or 0)}, {registry.cipher_suite_name(d.cipher_suite or 0)}"
        summary = f"{summary} (handshake: {params}; {scan.handshakes} handshakes in {scan.elapsed or 0:.2f} s)"
    elif scan is not None:
        summary = f"{summary} ({scan.handshakes} handshakes in {scan.elapsed or 0:.2f} s)"
    report = dataclasses.replace(report, ladders=ladders, summary=summary, passed=passed)
    return with_clients(
        report,
        evidence,
        clients,
        opts=opts,
        app_config=app_config,
        public_roots=public_roots,
        ct_logs=ct_logs,
    )


# ------------------------------------------------------------ client simulator


def with_clients(
    report: Report,
    evidence: Evidence,
    clients: Sequence[str],
    *,
    opts: Any = None,
    app_config: str | None = None,
    public_roots: str | None = None,
    ct_logs: str | None = None,
) -> Report:
    """``--client NAME`` / ``--clients all``: each client's verdict, merged into the report.

    Live (``opts`` given): each distinct client ClientHello is sent once
    (sources/probe/simulate.py); then every profile's policy runs the rules
    (rules/simulate.py).  Offline: the certificate half only.
    """
    if not clients:
        if app_config:
            raise InputError("--app-config needs --client NAME or --clients all")
        return report
    from tlsdoctor.clients import appconfig
    from tlsdoctor.clients.profiles import select
    from tlsdoctor.rules.simulate import merge, simulate

    profiles = select(list(clients))
    app = appconfig.load(app_config) if app_config else None
    # Loaded before any probe, so that a bad --public-roots or --ct-logs stops us early.
    policies = {p.id: p.policy.with_inputs(public_roots, ct_logs=ct_logs) for p in profiles}
    evidence = with_policy_data(evidence, policies.values())
    hellos: dict[str, Any] = {}
    before = evidence.scans[0].handshakes if evidence.scans else 0
    if opts is not None and evidence.scans and evidence.scans[0].transport is None:
        from tlsdoctor.sources.probe.simulate import simulate_hellos

        evidence, hellos = simulate_hellos(evidence, opts, {p.id: p.hello for p in profiles})
    after = evidence.scans[0].handshakes if evidence.scans else 0
    verdicts, per_client = simulate(evidence, profiles, policies, hellos, app)
    counts = {
        "profiles": len(profiles),
        "live": bool(hellos),
        "distinct_hellos": len({id(a) for a in hellos.values()}),
        "handshakes_added": after - before,
        "handshakes_total": after,
        "public_roots": public_roots,
        "ct_log_list": ", ".join(sorted({lst.name for lst in evidence.ct_log_lists.values()})),
        "app_config": app_config,
    }
    merged = merge(report, verdicts, per_client, counts)
    if hellos:
        merged = dataclasses.replace(merged, facts={**merged.facts, **scan_facts(evidence)})
    failing = sum(1 for v in verdicts if v.verdict == "fail")
    text = f"{len(verdicts) - failing} of {len(verdicts)} clients connect"
    # The root cause may have changed with client-only findings: say the new one,
    # keeping what the command added after the first sentence (handshake, counts).
    before_text = _summary(report.findings)
    rest = (
        (report.summary or "")[len(before_text) :]
        if (report.summary or "").startswith(before_text)
        else ""
    )
    summary = f"{_summary(merged.findings)}{rest} ({text})"
    return dataclasses.replace(merged, summary=summary)


def unreachable(report: Report) -> bool:
    """True when the check never got a TCP connection (exit code 3)."""
    ids = {f.id for f in report.findings}
    return bool(ids & {"transport.refused", "transport.unreachable"})


# ---------------------------------------------------------------- tlsdoctor pcap

MAX_EVIDENCE_CONNECTIONS = 2000
"""Above this many TLS connections, only the failed ones are modelled in full."""


def dedupe_chains(evidence: Evidence) -> Evidence:
    """One copy of each distinct served chain (a capture repeats the same chain per connection).

    Chains that differ only by when they were seen are kept once, at the first
    time; the others' sources are listed in a note.
    """
    seen: dict[tuple[Any, ...], Chain] = {}
    kept: list[Chain] = []
    repeats: dict[str, list[str]] = {}
    for ch in evidence.chains:
        key = (ch.role, tuple(c.der for c in ch.certs))
        first = seen.get(key)
        if first is None:
            seen[key] = ch
            kept.append(ch)
        else:
            repeats.setdefault(first.source, []).append(ch.source.rsplit("#", 1)[-1])
    notes = tuple(
        f"{src}: the same chain was also served in {', '.join(others[:8])}"
        + (f" and {len(others) - 8} more" if len(others) > 8 else "")
        for src, others in repeats.items()
    )
    if len(kept) == len(evidence.chains):
        return evidence
    return dataclasses.replace(
        evidence, chains=tuple(kept), facts={**evidence.facts, "repeated_chains": notes}
    )


def connection_table(result: Any, name: str) -> dict[str, Any]:
    from tlsdoctor.wire import registry

    rows = []
    for s in result.connections:
        outcome = s.status
        if s.alert:
            outcome += f": {s.alert}"
        elif s.ended and s.status != "ok":
            outcome += f": {s.ended}"
        rows.append(
            [
                s.id.rsplit("#", 1)[-1],
                f"{s.client} → {s.server}",
                s.server_name or "",
                s.version_name or "",
                registry.cipher_suite_name(s.cipher_suite) if s.cipher_suite is not None else "",
                outcome,
            ]
        )
    return {
        "title": f"TLS connections in {name}",
        "columns": ["conn", "client → server", "SNI", "version", "cipher suite", "outcome"],
        "rows": rows,
    }


def diagnose_pcap(
    path: str,
    *,
    keylog: str | None = None,
    host: str | None = None,
    port: int | None = None,
    sni: str | None = None,
    ca_files: Sequence[str] = (),
    policy_name: str = "browser",
    system: bool = False,
    public_roots: str | None = None,
) -> Report:
    from tlsdoctor.sources.capture import read_capture
    from tlsdoctor.sources.certfiles import load_anchors

    policy = _policy(policy_name, system, public_roots)
    anchors = load_anchors(ca_files)
    result = read_capture(path, keylog=keylog, host=host, port=port, sni=sni)
    notes: tuple[str, ...] = ()
    if len(result.connections) > MAX_EVIDENCE_CONNECTIONS:
        evidence = result.evidence_for([s.id for s in result.failed])
        notes = (
            f"{len(result.connections)} TLS connections: only the {len(result.failed)} failed ones were diagnosed in full",
        )
    else:
        evidence = result.evidence
    evidence = dedupe_chains(evidence)
    evidence = dataclasses.replace(
        evidence,
        private_anchors=anchors,
        notes=evidence.notes + notes + tuple(evidence.facts.get("repeated_chains", ())),
    )
    table = connection_table(result, os.path.basename(path))
    failed = [s.id for s in result.connections if s.status == "failed"]
    ladders = tuple(
        c.transcript
        for c in evidence.connections
        if c.id in failed[:3] and c.transcript is not None
    )
    n = len(result.connections)
    summary_tail = f"{n} TLS connection{'s' if n != 1 else ''}, {len(failed)} failed"
    evidence = with_policy_data(evidence, [policy])
    report = diagnose(
        evidence,
        policy,
        command="pcap",
        subject=os.path.basename(path),
        facts={"table": table, **chain_facts(evidence, policy)},
    )
    if n == 0:
        summary = "No TLS connection found in the capture."
    else:
        summary = f"{report.summary} ({summary_tail})"
    return dataclasses.replace(report, ladders=ladders, summary=summary)


# ------------------------------------------------------------ tlsdoctor diagnose


def diagnose_items(
    items: Sequence[str],
    *,
    stdin: bytes | None = None,
    keylog: str | None = None,
    ca_files: Sequence[str] = (),
    host: str | None = None,
    check: dict[str, Any] | None = None,
    policy_name: str = "browser",
    system: bool = False,
    public_roots: str | None = None,
    passphrase: bytes | None = None,
    announce: Callable[[str], None] | None = None,
) -> Report:
    """One report from any mix of evidence: captures, logs, certificates, hosts, text.

    Each item's kind is recognised from its content and announced; all the
    evidence meets in one :class:`Evidence`, so rules combine facts from
    several sources (a client's alert in a capture, the chain a live check saw).
    """
    import io
    import tempfile

    from tlsdoctor.errors import NotRecognisedError
    from tlsdoctor.sources.certfiles import load_anchors
    from tlsdoctor.sources.detect import recognise

    policy = _policy(policy_name, system, public_roots)
    say = announce or (lambda _msg: None)
    anchors = load_anchors(ca_files, passphrase)
    evidence = Evidence()
    extra: list[Finding] = []
    inputs: list[str] = []
    tables: list[dict[str, Any]] = []
    ladders: list[Transcript] = []
    check_opts: list[Any] = []
    recognised = 0
    tmpdir = tempfile.TemporaryDirectory(prefix="tlsdoctor-")
    try:
        for raw in items:
            item = recognise(raw, stdin if raw == "-" else None)
            path = item.path
            if item.data is not None and item.kind in ("pcap", "pcapng", "certs"):
                path = os.path.join(tmpdir.name, "stdin")
                with open(path, "wb") as fh:
                    fh.write(item.data)
            if item.kind in ("pcap", "pcapng"):
                from tlsdoctor.sources.capture import read_capture

                assert path is not None
                result = read_capture(path, keylog=keylog)
                ev = dedupe_chains(
                    result.evidence
                    if len(result.connections) <= MAX_EVIDENCE_CONNECTIONS
                    else result.evidence_for([s.id for s in result.failed])
                )
                failed = [s.id for s in result.connections if s.status == "failed"]
                msg = f"reading {item.name} as {item.kind}, {len(result.connections)} TLS connection(s), {len(failed)} failed"
                tables.append(connection_table(result, item.name))
                ladders += [
                    c.transcript
                    for c in ev.connections
                    if c.id in failed[:2] and c.transcript is not None
                ]
            elif item.kind == "certs":
                assert path is not None
                ev = cert_evidence([path], host=host, passphrase=passphrase)
                n = sum(len(ch.certs) for ch in ev.chains)
                msg = f"reading {item.name} as certificates: {n} certificate(s)" + (
                    f", {len(ev.keys)} private key(s) (not shown)" if ev.keys else ""
                )
            elif item.kind == "log":
                from tlsdoctor.logreport import unknown_findings
                from tlsdoctor.sources.logs import read_log

                source: Any = io.BytesIO(item.data) if item.data is not None else path
                result_log = read_log(source, item.name)
                if result_log.format is None:
                    found = unknown_findings(result_log)
                    extra += list(found)
                    msg = f"{item.name}: not a log format tlsdoctor knows (tried: {', '.join(result_log.tried)}); {len(found)} error code(s) explained"
                    if found:
                        recognised += 1
                    inputs.append(msg)
                    say(msg)
                    continue
                ev = result_log.evidence
                msg = f"reading {item.name} as {result_log.title or result_log.format}, {len(ev.connections)} connection(s)"
                ladders += [c.transcript for c in ev.connections[:1] if c.transcript is not None]
            elif item.kind == "host":
                import asyncio

                from tlsdoctor.sources.probe.check import run_check

                opts = check_options(item.name, **(check or {}))
                check_opts.append(opts)
                ev = asyncio.run(run_check(opts))
                scan = ev.scans[0]
                msg = f"checking {scan.target} live: {scan.handshakes} handshake(s) in {scan.elapsed or 0:.2f} s"
            else:
                from tlsdoctor.catalog.explain import explain_text

                text = (item.data or b"").decode("utf-8", "replace")
                try:
                    explained = explain_text(text)
                except NotRecognisedError:
                    msg = f"text '{item.name}': no error code or message the catalog knows"
                    inputs.append(msg)
                    say(msg)
                    continue
                extra += list(explained.findings)
                msg = f"explaining text '{item.name}': {len(explained.findings)} code(s) or message(s) recognised"
                recognised += 1
                inputs.append(msg)
                say(msg)
                continue
            recognised += 1
            inputs.append(msg)
            say(msg)
            evidence = evidence.merge(ev)
    finally:
        tmpdir.cleanup()
    if recognised == 0:
        raise NotRecognisedError("nothing recognised in: " + ", ".join(items))
    evidence = dataclasses.replace(
        evidence,
        private_anchors=evidence.private_anchors + anchors,
        host=host or evidence.host,
    )

    def probe(requests: Sequence[ProbeRequest], ev: Evidence) -> Evidence:
        import asyncio

        from tlsdoctor.sources.probe.check import follow_up

        for opts in check_opts:
            ev = asyncio.run(follow_up(requests, ev, opts))
        return ev

    evidence = with_policy_data(evidence, [policy])
    facts: dict[str, Any] = {"inputs": inputs, **chain_facts(evidence, policy)}
    if evidence.scans:
        facts.update(scan_facts(evidence))
    if tables:
        facts["table"] = (
            tables[0]
            if len(tables) == 1
            else {
                "title": "TLS connections in the captures",
                "columns": tables[0]["columns"],
                "rows": [r for t in tables for r in t["rows"]],
            }
        )
    report = diagnose(
        evidence,
        policy,
        command="diagnose",
        subject=", ".join(items),
        probe=probe if check_opts else None,
        facts=facts,
    )
    findings = rank([*report.findings, *extra])
    worst = findings[0] if findings else None
    summary = (
        report.summary
        if report.findings
        else (f"{worst.title}." if worst is not None else "No problems found.")
    )
    return dataclasses.replace(
        report, findings=findings, ladders=tuple(ladders[:3]), summary=summary
    )


# ----------------------------------------------------------------- tlsdoctor log


def diagnose_log(
    source: Any,
    name: str | None = None,
    fmt: str | None = None,
    ca_files: Sequence[str] = (),
    host: str | None = None,
    policy_name: str = "browser",
    system: bool = False,
    public_roots: str | None = None,
) -> Report:
    """``tlsdoctor log``: read the log, run the rules, rank: root cause first."""
    from tlsdoctor.logreport import UnknownLogFormat, log_facts, unknown_findings
    from tlsdoctor.sources.certfiles import load_anchors
    from tlsdoctor.sources.logs import read_log

    policy = _policy(policy_name, system, public_roots)
    anchors = load_anchors(ca_files)
    result = read_log(source, name, fmt)
    label = result.name
    if result.format is None:
        findings = unknown_findings(result)
        tried = ", ".join(result.tried)
        message = f"{label}: not a log format tlsdoctor knows (tried: {tried})"
        if findings:
            message += f"; {len(findings)} error code(s) in it are explained in the report"
        report = Report(
            command="log",
            findings=findings,
            sources=(label,),
            subject=label,
            summary=(
                f"Unknown log format (tried: {tried}). "
                + (
                    "What the catalog says about the error codes in it follows."
                    if findings
                    else "No line in it names an error code the catalog knows."
                )
            ),
            facts={"log": {"format": None, "tried": list(result.tried), "lines": result.lines}},
            tool_version=__version__,
        )
        raise UnknownLogFormat(message, report, result)
    evidence: Evidence = result.evidence
    if anchors or host:
        evidence = dataclasses.replace(
            evidence, private_anchors=evidence.private_anchors + anchors, host=host or evidence.host
        )
    title = result.title or result.format
    report = diagnose(
        evidence,
        policy,
        command="log",
        subject=f"{label} ({title})",
        facts=log_facts(result),
    )
    return dataclasses.replace(report, summary=_log_summary(result, evidence, report))


def _log_summary(result: Any, evidence: Evidence, report: Report) -> str | None:
    from tlsdoctor.logreport import success_summary

    if not evidence.connections:
        return f"The log was read as {result.title}, but it shows no TLS handshake."
    ok = success_summary(result)
    if ok is None:
        return report.summary
    root = report.root_cause
    if root is not None and root.severity is Severity.FATAL:
        return ok[:-1] + ", but: " + root.title[0].lower() + root.title[1:] + "."
    return ok
