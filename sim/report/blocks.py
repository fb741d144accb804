"""Rendering a report, built once as a list of blocks, to Markdown and to self-contained HTML.

A block is `("h1" | "h2" | "h3" | "p", text)`, `("ul", [items])`,
`("table", head, rows)`, `("img", "plots/<file>.png", alt)` or
`("figure", "plots/<file>.png", caption)`: an image with its caption shown
beneath it in the HTML (in Markdown, as an image). A table may name a fourth
item, the column from which its cells are figures: right-aligned in the HTML,
the Markdown unchanged. `("html", block)` is a block in the HTML only, e.g. the
charts of a Markdown report that leaves them to the PNGs saved beside it. Text
may hold `code` and **bold** spans. Both renderings come from the same blocks,
so the Markdown and HTML reports always say the same thing; the HTML embeds its
plots and fetches nothing.
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
        elif kind in ("img", "figure"):
            out += [f"![{block[2]}]({block[1]})", ""]
    return "\n".join(out).rstrip() + "\n"


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def _embedded(path: str, alt: str, plots: dict[str, bytes] | None) -> str:
    data = base64.b64encode((plots or {})[path.removeprefix("plots/")]).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def to_html(blocks: list[Block], plots: dict[str, bytes] | None, title: str) -> str:
    """A self-contained page: the plots are embedded, nothing is fetched."""
    body: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "html":
            block = block[1]
            kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            body.append(f"<{kind}>{_inline(block[1])}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in block[1])
            figures = block[3] if len(block) > 3 else len(block[1])
            rows = "".join(
                "<tr>"
                + "".join(
                    f'<td class="n">{_inline(c)}</td>' if k >= figures else f"<td>{_inline(c)}</td>"
                    for k, c in enumerate(row)
                )
                + "</tr>"
                for row in block[2]
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            body.append(_embedded(block[1], block[2], plots))
        elif kind == "figure":
            caption = f"{_inline(block[2])} <code>{html.escape(block[1])}</code>"
            img = _embedded(block[1], block[2], plots)
            body.append(f"<figure>{img}<figcaption>{caption}</figcaption></figure>")
    return page(title, body)
