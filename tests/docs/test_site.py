"""The documentation site builds with `mkdocs build --strict`: a broken link, a missing anchor or a page
left out of the navigation fails the suite. The README is the site's front page and holds the test
command CI runs."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sumchain import config
from sumchain.models import MODELS
from sumchain.cli import SUBCOMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def build(root: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(root / "mkdocs.yml"), "--site-dir", str(site)],
                          cwd=root, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})


def copy_site_sources(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_site_builds_strictly(tmp_path):
    done = build(ROOT, tmp_path / "site")
    assert done.returncode == 0, done.stderr[-3000:]
    config_page = (tmp_path / "site" / "reference" / "config" / "index.html").read_text()
    assert "agents.&lt;Name&gt;.unsure_fraction" in config_page and "prediction_market.min_stake" in config_page
    assert "--ofat" in (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()


@pytest.mark.parametrize("damage", ["broken link", "page not in nav"])
def test_strict_build_fails_on_damage(tmp_path, damage):
    root = copy_site_sources(tmp_path)
    if damage == "broken link":
        page = root / "docs" / "concepts" / "datasets.md"
        page.write_text(page.read_text() + "\nSee [nothing](no-such-page.md).\n")
    else:
        (root / "docs" / "orphan.md").write_text("# An orphan\n")
    done = build(root, tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr or "orphan.md" in done.stderr


def reference_hook():
    spec = importlib.util.spec_from_file_location("reference_hook", ROOT / "docs" / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_lists_every_config_key_and_command():
    hook = reference_hook()
    page = hook.config_page()
    keys = set(config.Config(incentive="quality_priced").flat()) | set(
        config.Config(incentive="prediction_market", model="naive_bayes").flat())
    keys |= {f"logistic_regression.{f.name}" for f in dataclasses.fields(MODELS["logistic_regression"].parameters)}
    nested = {row["key"].replace("agents.*.", "agents.<Name>."): row["nested"].replace("agents.*.", "agents.<Name>.")
              for row in config.reference()}
    for key in keys | set(hook.MEANINGS):
        shown = re.sub(r"^agents\.\w+\.", "agents.<Name>.", key)
        assert f"### `{nested[shown]}`" in page, key
        assert nested[shown] == shown or f"- flat key: `{shown}`" in page, key
    assert "### `model.smoothing`" in page and "### `data.name`" in page and "- flat key: `dataset`" in page
    cli = hook.cli_page()
    parser = build_parser()
    for name in SUBCOMMANDS:
        assert f"## `sumchain {name}`" in cli
        sub = hook._subcommands(parser)[name]
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in cli, (name, option)


def test_readme_is_a_front_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 12 * 1024
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_ci_runs_the_readme_test_command():
    """`.ci/run` runs exactly the test command the README shows under "Two commands"."""
    section = README.read_text(encoding="utf-8").split("## Two commands", 1)[1].split("\n## ", 1)[0]
    shown = [line for block in re.findall(r"```\w*\n(.*?)```", section, re.DOTALL)
             for line in block.splitlines() if "pytest" in line]
    assert len(shown) == 1
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert shown[0] in ci
