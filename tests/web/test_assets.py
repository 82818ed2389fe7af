"""The shipped front end (src/sumchain/web/static/, package data) is exactly what frontend/ builds to,
so an edit of the TypeScript without a rebuild, or a hand edit of a bundle, cannot ship."""

from __future__ import annotations

from pathlib import Path

import sumchain.web.app as web_app
from tests.web.frontend import build, type_errors

REBUILD = "rebuild it: cd frontend && npm ci && node build.mjs, then commit src/sumchain/web/static/"


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def test_the_shipped_assets_are_the_build_of_the_sources(tmp_path):
    built = files(build(tmp_path / "out", tmp_path))
    shipped = files(web_app.STATIC)
    assert sorted(shipped) == sorted(built), f"the shipped files are not the built ones; {REBUILD}"
    differ = [name for name in built if built[name] != shipped[name]]
    assert not differ, f"{', '.join(differ)} differ from a build of frontend/; {REBUILD}"


def test_the_sources_type_check(tmp_path):
    assert type_errors(tmp_path) == ""


def test_the_package_ships_the_assets():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["package-data"]["sumchain.web"] == ["static/*"]
    assert {"index.html", "app.js", "contracts.js", "style.css"} <= set(files(web_app.STATIC))
