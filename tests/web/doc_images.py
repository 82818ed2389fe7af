"""Copy the browser tests' screenshots the docs show into docs/images/ (as 128-colour PNGs, a third
of the size): run the web tests, then `python -m tests.web.doc_images`. A contract app screenshot
`contracts-<page>.png` becomes `web-<page>.png`, a dashboard one `research-<page>.png`
becomes `web-research-<page>.png`."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import RESULTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CHOSEN = ("contracts-models", "contracts-add", "contracts-mine", "contracts-others", "contracts-rewards",
          "contracts-history", "contracts-accuracy", "contracts-wallet-wrong-chain",
          "research-list", "research-run", "research-sweep", "research-reproduce-figure")


def main() -> None:
    from PIL import Image

    DOCS_IMAGES.mkdir(exist_ok=True)
    for name in CHOSEN:
        target = DOCS_IMAGES / f"web-{name.removeprefix('contracts-')}.png"
        image = Image.open(RESULTS / f"{name}.png").convert("RGB")
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        print(target)


if __name__ == "__main__":
    main()
