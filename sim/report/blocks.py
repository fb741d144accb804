"""Rendering a report, built once as a list of blocks, to Markdown and to self-contained HTML.

A block is `("h1" | "h2" | "h3" | "p", text)`, `("ul", [items])`,
`("table", head, rows)` or `("img", "plots/<file>.png", alt)`. Text may hold
`code` and **bold** spans. Both renderings come from the same blocks, so the
Markdown and HTML reports always say the same thing; the HTML embeds its plots
and fetches nothing.
"""

from __future__ import annotations

import base64
import html
import re

from sim.report.html import page

Block = tuple


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + block[1], ""]
        elif kind == "p":
            out += [block[1], ""]
        elif kind == "ul":
            out += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            head, rows = block[1], block[2]
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "---|" * len(head))
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
            out.append("")
        elif kind == "img":
            out += [f"![{block[2]}]({block[1]})", ""]
    return "\n".join(out).rstrip() + "\n"


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def to_html(blocks: list[Block], plots: dict[str, bytes] | None, title: str) -> str:
    """A self-contained page: the plots are embedded, nothing is fetched."""
    body: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            body.append(f"<{kind}>{_inline(block[1])}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in block[1])
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                for row in block[2]
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            data = base64.b64encode((plots or {})[block[1].removeprefix("plots/")]).decode()
            body.append(f'<img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">')
    return page(title, body)
