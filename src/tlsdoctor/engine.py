"""One diagnosis: sources → Evidence → rules → (follow-up probes) → ranked Report."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Any

from tlsdoctor import __version__
from tlsdoctor.clients.policy import POLICIES, Policy
from tlsdoctor.errors import InputError
from tlsdoctor.model import (
    Chain,
    ChainCert,
    Check,
    Evidence,
    Finding,
    KeyInfo,
    ProbeRequest,
    Report,
    Severity,
)
from tlsdoctor.rules import RULES, rank

ProbeRunner = Callable[[Sequence[ProbeRequest], Evidence], Evidence]
MAX_PROBE_ROUNDS = 2


def run_rules(
    evidence: Evidence, policy: Policy
) -> tuple[list[Finding], list[ProbeRequest], list[Check], list[Check]]:
    findings: list[Finding] = []
    requests: list[ProbeRequest] = []
    passed: list[Check] = []
    not_checked: list[Check] = []
    for r in RULES.values():
        if not r.applies(evidence, policy):
            if r.needs and not any(c.text == r.needs for c in not_checked):
                not_checked.append(Check(r.id, r.needs))
            continue
        out = r.run(evidence, policy)
        produced = False
        for item in out:
            if isinstance(item, Finding):
                findings.append(item)
                produced = True
            else:
                requests.append(item)
        if not produced and r.ok:
            passed.append(Check(r.id, r.ok))
    return findings, requests, passed, not_checked


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
    findings, requests, passed, not_checked = run_rules(evidence, policy)
    rounds = 0
    while requests and probe is not None and rounds < MAX_PROBE_ROUNDS:
        evidence = probe(requests, evidence)
        findings, requests, passed, not_checked = run_rules(evidence, policy)
        rounds += 1
    for note in evidence.notes:
        not_checked.append(Check("source", note))
    ranked = rank(findings)
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
    if public_roots:
        return dataclasses.replace(base, trust_store=f"file:{public_roots}")
    if system:
        return dataclasses.replace(base, trust_store="system")
    return base


def cert_evidence(
    files: Sequence[str],
    host: str | None = None,
    ca_files: Sequence[str] = (),
    key_file: str | None = None,
    passphrase: bytes | None = None,
) -> Evidence:
    """Evidence from certificate files (in served order) and the user's options."""
    from tlsdoctor.sources.certfiles import describe_key_only, load_file

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
    anchors: list[ChainCert] = []
    for path in ca_files:
        loaded = load_file(path, passphrase)
        if not loaded.certs:
            if loaded.keys:
                raise InputError(
                    f"{os.path.basename(path)}: --ca expects a CA certificate, but this file holds "
                    "a private key (not shown)"
                )
            raise InputError(f"{path}: no certificate found for --ca")
        anchors.extend(loaded.certs)
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
        private_anchors=tuple(anchors),
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
) -> Report:
    policy = _policy(policy_name, system, public_roots)
    evidence = cert_evidence(files, host, ca_files, key_file, passphrase)
    facts = chain_facts(evidence, policy)
    return diagnose(
        evidence,
        policy,
        command="cert",
        subject=", ".join(files) + (f" for {host}" if host else ""),
        facts=facts,
    )
