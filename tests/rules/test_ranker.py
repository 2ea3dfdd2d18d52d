"""The ranker, on its own: a pure function of findings."""

from __future__ import annotations

from tlsdoctor.model import Finding, Severity
from tlsdoctor.rules.ranker import rank


def f(id: str, sev: Severity, order: int = 50, explains: bool = False, clients=None) -> Finding:
    return Finding(
        id=id, severity=sev, title=id, order=order, explains_outcome=explains, clients=clients or {}
    )


def test_outcome_first_then_severity_then_order() -> None:
    ranked = rank(
        [
            f("a.info", Severity.INFO, order=0),
            f("b.warn", Severity.WARN, order=0),
            f("c.fatal-late", Severity.FATAL, order=30),
            f("d.fatal-early", Severity.FATAL, order=10),
            f("e.explains", Severity.WARN, order=99, explains=True),
        ]
    )
    assert [x.id for x in ranked] == [
        "e.explains",
        "d.fatal-early",
        "c.fatal-late",
        "b.warn",
        "a.info",
    ]


def test_more_failing_clients_first_when_otherwise_equal() -> None:
    one = f("a.one", Severity.FATAL, clients={"x": "fails"})
    three = f("z.three", Severity.FATAL, clients={"x": "fails", "y": "fails: E", "z": "fails"})
    assert [x.id for x in rank([one, three])] == ["z.three", "a.one"]


def test_duplicates_collapse_keeping_the_stronger() -> None:
    weak = f("a.same", Severity.WARN)
    strong = Finding(id="a.same", severity=Severity.FATAL, title="a.same")
    assert rank([weak, strong]) == (strong,)


def test_stable_and_pure() -> None:
    items = [f(f"x.{i}", Severity.WARN, order=i % 3) for i in range(10)]
    assert rank(items) == rank(list(reversed(items)))
