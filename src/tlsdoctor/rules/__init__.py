"""The diagnosis: small rules over Evidence and a Policy, and the ranker.

Importing this package registers every rule in :data:`RULES`.
"""

from __future__ import annotations

from tlsdoctor.rules import cert, chain, mtls  # noqa: F401  (registration)
from tlsdoctor.rules.base import RULES, Result, Rule
from tlsdoctor.rules.ranker import rank

__all__ = ["RULES", "Result", "Rule", "rank"]
