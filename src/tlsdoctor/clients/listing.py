"""``tlsdoctor clients``: the profiles, what each offers, and its main policy facts."""

from __future__ import annotations

import json
from typing import Any

from tlsdoctor.clients.profiles import Profile, profiles
from tlsdoctor.wire import registry


def _store(p: Profile) -> str:
    ts = p.policy.trust_store
    return ts.rsplit("/", 1)[-1].removesuffix(".pem") if ts.startswith("file:") else ts


def _row(p: Profile) -> dict[str, Any]:
    pol = p.policy
    return {
        "id": p.id,
        "display": p.display,
        "family": p.family,
        "current": p.current,
        "runs_here": p.runs_here,
        "versions": [registry.version_name(v) for v in pol.versions],
        "cipher_suites": len(pol.cipher_suites),
        "trust_store": _store(p),
        "ct": pol.ct_policy if pol.ct_required else None,
        "max_validity_days": {
            "public": pol.max_validity_days_public,
            "all": pol.max_validity_days_all,
        },
        "min_rsa_bits": {"public": pol.min_rsa_bits, "private": pol.min_rsa(False)},
        "weak_signature_hashes": sorted(pol.weak_signature_hashes),
        "dh_min_bits": pol.dh_min_bits,
        "ats": pol.ats,
        "must_staple_enforced": pol.must_staple_enforced,
        "revocation": pol.revocation,
        "sources": dict(p.sources),
    }


def listing(fmt: str = "terminal", show_sources: bool = False) -> str:
    rows = [_row(p) for p in profiles().values()]
    if fmt == "json":
        return json.dumps({"clients": rows}, indent=2) + "\n"
    lines = [
        f"{'client':<14} {'versions':<22} {'roots':<18} {'CT':<11} {'max days':<10} {'RSA min':<10} notes"
    ]
    for r in rows:
        vers = ", ".join(v.replace("TLS ", "") for v in r["versions"])
        days = r["max_validity_days"]
        lim = "/".join(str(d) for d in (days["public"], days["all"]) if d) or "-"
        rsa = r["min_rsa_bits"]
        rsa_text = (
            str(rsa["public"])
            if rsa["public"] == rsa["private"]
            else f"{rsa['public']}/{rsa['private']}"
        )
        notes = []
        if r["ats"]:
            notes.append("ATS")
        if r["must_staple_enforced"]:
            notes.append("must-staple")
        if r["revocation"] != "none":
            notes.append(f"revocation {r['revocation']}")
        if r["runs_here"]:
            notes.append(f"measured ({r['runs_here']})")
        if not r["current"]:
            notes.append("older")
        lines.append(
            f"{r['id']:<14} {vers:<22} {r['trust_store']:<18} {r['ct'] or '-':<11} {lim:<10} {rsa_text:<10} {', '.join(notes)}"
        )
        if show_sources:
            for k, v in r["sources"].items():
                lines.append(f"    {k}: {v}")
    lines.append("")
    lines.append(
        "--client NAME (repeatable) or --clients all with `tlsdoctor check` / `tlsdoctor cert`."
    )
    return "\n".join(lines) + "\n"
