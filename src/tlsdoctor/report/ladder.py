"""The handshake ladder in words: one label per message, shared by every renderer.

Plain text only (no ``rich``): the terminal, Markdown, SVG and JSON renderers
all name a message and its detail the same way.
"""

from __future__ import annotations

from tlsdoctor.model import Transcript, WireMessage


def _is_alert(m: WireMessage) -> bool:
    return m.name == "Alert" and m.message is not None


def message_detail(m: WireMessage) -> str | None:
    """What the message says ("fatal 40 handshake_failure", "TLS 1.3, …"), or None
    when the source saw only that it happened."""
    msg = m.message
    if msg is None:
        return None
    if _is_alert(m):
        from tlsdoctor.wire.names import alert_label

        level = "fatal" if getattr(msg, "level", 2) == 2 else "warning"
        return f"{level} {alert_label(msg.description)}"
    describe = getattr(msg, "describe", None)
    return str(describe()) if callable(describe) else None


def label(m: WireMessage) -> tuple[str, str]:
    """(message name, detail) for one ladder row; encrypted messages say so."""
    detail = message_detail(m) or ""
    if m.encrypted and not _is_alert(m):
        detail = (detail + " " if detail else "") + "[encrypted]"
    return m.name, detail


def ladder_lines(t: Transcript, name_w: int = 19, arrow_w: int = 16) -> list[str]:
    """A client ⇄ server ladder as plain text lines (terminal and Markdown)::

    client              server
    ClientHello         --------------->                     up to TLS 1.3 …
                        <--------------- ServerHello         TLS 1.3, …
    """
    lines = [f"{'client':<{name_w}} {'':<{arrow_w}} {'server':<{name_w}}"]
    for m in t.messages:
        name, detail = label(m)
        name = name[:name_w]
        place = (
            f" ({m.where.place})"
            if m.where and m.where.place and not m.where.place.startswith("record")
            else ""
        )
        if m.sender.value == "client":
            row = f"{name:<{name_w}} {'-' * (arrow_w - 1)}> {'':<{name_w}}"
        else:
            row = f"{'':<{name_w}} <{'-' * (arrow_w - 1)} {name:<{name_w}}"
        lines.append(f"{row} {detail}{place}".rstrip())
    for u in t.unseen:
        lines.append(f"(not seen: {u})")
    return lines
