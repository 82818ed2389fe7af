"""report.md as HTML: Markdown's formatting kept, the file's own HTML shown as text, links and
images only where they are safe."""

from __future__ import annotations

from sumchain.web.report_html import render_report


def served(src: str) -> str | None:
    return f"/file?path=out/{src}" if src.startswith(("figures/", "stats/")) else None


def test_formatting_tables_and_figures_render():
    html = render_report("# Title\n\n**bold** and *it*\n\n![pairs](figures/pairs.png)\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n",
                         served)
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert '<img src="/file?path=out/figures/pairs.png" alt="pairs" data-figure="pairs">' in html
    assert '<td align="right">2</td>' in html


def test_html_in_the_report_is_shown_as_text_never_as_markup():
    html = render_report('name <script>alert(1)</script> & <img src=x onerror="alert(2)">\n\n'
                         '<div onclick="alert(3)">block</div>\n\n`<b>code</b>`\n\n| <i>x</i> |\n|---|\n| y |\n', served)
    assert "<script" not in html and "<div" not in html and "<i>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html


def test_links_and_images_only_where_they_are_safe():
    html = render_report("[a](javascript:alert(1)) [b](data:text/html,x) [c](https://example.org/x) [d](stats/x.csv)\n\n"
                         "![e](/etc/passwd) ![f](http://evil/x.png) ![g](other/x.png) ![h](figures/ok.png) [i](other/y.csv)\n", served)
    assert "<a>a</a>" in html and "<a>b</a>" in html
    assert '<a href="https://example.org/x">c</a>' in html and '<a href="/file?path=out/stats/x.csv">d</a>' in html
    assert "passwd" not in html.replace(">e<", "") and "evil" not in html
    assert html.count("<img") == 1 and "e f g" in html.replace("<p>", "").split("<img")[0]
    assert "<a>i</a>" in html                       # a relative link nothing serves keeps its text only
