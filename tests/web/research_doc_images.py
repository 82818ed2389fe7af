"""Copy the research dashboard's screenshots into docs/images/ as `tests.web.doc_images` copies the
contract app's (the same names: web-research-<page>.png): run tests/web/test_browser_research.py,
then `python -m tests.web.research_doc_images`."""

from __future__ import annotations

from tests.web.conftest import RESULTS
from tests.web.doc_images import DOCS_IMAGES

CHOSEN = ("research-list", "research-run", "research-sweep", "research-reproduce-figure")


def main() -> None:
    from PIL import Image

    DOCS_IMAGES.mkdir(exist_ok=True)
    for name in CHOSEN:
        target = DOCS_IMAGES / f"web-{name}.png"
        image = Image.open(RESULTS / f"{name}.png").convert("RGB")
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        print(target)


if __name__ == "__main__":
    main()
