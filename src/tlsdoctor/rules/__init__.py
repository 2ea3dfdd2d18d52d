"""The diagnosis: small rules over Evidence and a Policy, and the ranker.

Importing this package registers every rule in :data:`RULES`.
"""

from __future__ import annotations

from tlsdoctor.rules import (  # noqa: F401  (registration)
    alert,
    cert,
    chain,
    ct,
    ctpolicy,
    logrules,
    mtls,
    ocsp,
    protocol,
    psk,
    transport,
)
from tlsdoctor.rules.base import RULES, Result, Rule
from tlsdoctor.rules.links import link_outcomes
from tlsdoctor.rules.ranker import rank

__all__ = ["RULES", "Result", "Rule", "link_outcomes", "rank"]
