"""The handshake ladder as an SVG drawing: client on the left, server on the right.

Each message is an arrow in the direction it travelled; encrypted ones are
dashed; alerts are red and labelled with their description; the drawing ends
with what the transcript could not see.
"""

from __future__ import annotations

from html import escape

from tlsdoctor.model import Transcript
from tlsdoctor.report.ladder import label

ROW = 28
LEFT, RIGHT = 120, 520
WIDTH = 900


def ladder_svg(t: Transcript) -> str:
    rows = len(t.messages) + len(t.unseen)
    height = 60 + ROW * max(rows, 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ladder" role="img" '
        f'aria-label="handshake ladder" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>',
        f'<text x="{LEFT}" y="18" text-anchor="middle" class="lane">client</text>',
        f'<text x="{RIGHT}" y="18" text-anchor="middle" class="lane">server</text>',
        f'<line x1="{LEFT}" y1="26" x2="{LEFT}" y2="{height - 8}" class="life"/>',
        f'<line x1="{RIGHT}" y1="26" x2="{RIGHT}" y2="{height - 8}" class="life"/>',
    ]
    y = 48
    for m in t.messages:
        name, detail = label(m)
        short = detail if len(detail) <= 52 else detail[:51] + "…"
        from_x, to_x = (LEFT, RIGHT) if m.sender.value == "client" else (RIGHT, LEFT)
        cls = "msg alert" if name == "Alert" else "msg"
        dash = ' stroke-dasharray="6 4"' if m.encrypted else ""
        out.append(
            f'<g class="{cls}" data-name="{escape(name)}" data-sender="{m.sender.value}">'
            f'<line x1="{from_x}" y1="{y}" x2="{to_x}" y2="{y}" marker-end="url(#arr)"{dash}/>'
            f'<text x="{(LEFT + RIGHT) // 2}" y="{y - 6}" text-anchor="middle">{escape(name)}</text>'
            f'<text x="{RIGHT + 12}" y="{y + 4}" class="detail">{escape(short)}</text></g>'
        )
        y += ROW
    for u in t.unseen:
        out.append(f'<text x="{LEFT}" y="{y}" class="unseen">not seen: {escape(u[:90])}</text>')
        y += ROW
    out.append("</svg>")
    return "".join(out)
