"""report.md as HTML a page can insert: Markdown's formatting, none of the file's own HTML.

A report quotes user-supplied text (config values, dataset paths, error messages), so its HTML
must never run in the browser: Markdown's raw-HTML rules are turned off (so text that looks like a
tag is escaped and shows as text), and the rendered HTML is rebuilt through
an allow-list of tags and attributes (so links lead only to web pages or to the output's own
files, and images only to its own pictures, both served by the dashboard).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Callable

TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em", "code", "pre",
                  "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "a", "img"})
ALIGN = re.compile(r"text-align:\s*(left|right|center)\b")
"""A table column's alignment, kept as the plain `align` attribute (no style reaches the page)."""
VOID = frozenset({"hr", "br", "img"})
SAFE_LINK = re.compile(r"^(https?://|#|[A-Za-z0-9_][A-Za-z0-9_./-]*$)")
"""Links a report may hold: the web, the page itself, or a relative path (no scheme, no leading /)."""


def render_report(text: str, file_url: Callable[[str], str | None]) -> str:
    """The HTML of Markdown `text`; `file_url` maps a relative path (a link's, an image's) to the URL
    that serves it, None if none does: such an image is dropped (its alt text kept), such a link
    keeps its text only."""
    import markdown

    md = markdown.Markdown(extensions=["tables", "fenced_code"], output_format="html")
    md.preprocessors.deregister("html_block")       # raw HTML in the source is text, escaped on output
    md.inlinePatterns.deregister("html")
    rendered = md.convert(text)
    cleaner = _Cleaner(file_url)
    cleaner.feed(rendered)
    cleaner.close()
    return "".join(cleaner.out)


class _Cleaner(HTMLParser):
    """Re-emits only allowed tags and attributes; text is escaped again on the way out."""

    def __init__(self, file_url: Callable[[str], str | None]):
        super().__init__(convert_charrefs=True)
        self.file_url = file_url
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            return
        values = {name: value or "" for name, value in attrs}
        kept: list[tuple[str, str]] = []
        if tag == "a":
            href = values.get("href", "")
            url = (href if href.startswith(("http", "#")) else self.file_url(href)) if SAFE_LINK.match(href) else None
            kept = [("href", url)] if url else []
        elif tag == "img":
            src = values.get("src", "")
            url = self.file_url(src) if SAFE_LINK.match(src) and src.endswith(".png") \
                and not src.startswith(("http", "#")) else None
            if url is None:
                self.out.append(html.escape(values.get("alt", "")))
                return
            name = src.rsplit("/", 1)[-1].removesuffix(".png")
            kept = [("src", url), ("alt", values.get("alt", "")), ("data-figure", name)]
        elif tag in ("th", "td"):
            align = ALIGN.search(values.get("style", "")) or ALIGN.search(f"text-align: {values.get('align', '')}")
            kept = [("align", align.group(1))] if align else []
        attributes = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in kept)
        self.out.append(f"<{tag}{attributes}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in TAGS and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))
