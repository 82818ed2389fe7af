"""Every command the documentation marks as runnable runs, so the pages cannot show a command that fails.

A fenced block whose info string is `bash run` or `python run` is run as written; `bash run-small`
is run with small settings appended to each `sumchain` command that takes `--set` (keys the command
already sets are left alone). Shell blocks hold `sumchain ...` lines only (a `#` starts a comment);
each runs in a subprocess in a fresh folder. Every other `sumchain` command in a shell block (a full
study, a node) is parsed by the real parser and its config keys checked, so none can drift either.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w+)[ \t]+(run[\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
KINDS = {("bash", "run"), ("bash", "run-small"), ("python", "run")}
SMALL = {"max_train": "300", "num_words": "100"}
TAKES_SET = {"simulate", "sweep", "reproduce", "study", "gas", "datasets"}
TIMEOUT_S = 120


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    mode: str
    code: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks_in(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [Block(page, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.group(3))
            for m in FENCE.finditer(text)]


BLOCKS = [block for page in PAGES for block in blocks_in(page)]


def commands(block: Block) -> list[list[str]]:
    """The block's `sumchain` commands as argument lists, small settings appended for `run-small`."""
    found = []
    for line in block.code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        assert words[0] == "sumchain", f"{block}: a runnable shell block holds sumchain commands only: {line!r}"
        if block.mode == "run-small" and len(words) > 1 and words[1] in TAKES_SET:
            given = " ".join(words)
            for key, value in SMALL.items():
                if f"{key}=" not in given:
                    words += ["--set", f"{key}={value}"]
        found.append(words)
    return found


def test_runnable_blocks_are_found():
    """The pages do mark commands to run, and every `run` marker is one this test understands."""
    assert len(BLOCKS) >= 8
    unknown = [str(b) for b in BLOCKS if (b.language, b.mode) not in KINDS]
    assert not unknown, f"unknown runnable block kinds (use bash run, bash run-small, python run): {unknown}"


def test_small_settings_are_appended_only_where_missing():
    block = Block(ROOT / "README.md", 1, "bash", "run-small",
                  "sumchain simulate --set num_words=500  # a comment\nsumchain verify run.sqlite\n")
    assert commands(block) == [["sumchain", "simulate", "--set", "num_words=500", "--set", "max_train=300"],
                               ["sumchain", "verify", "run.sqlite"]]


@pytest.mark.parametrize("block", [b for b in BLOCKS if (b.language, b.mode) in KINDS], ids=str)
def test_block_runs(block, tmp_path):
    if block.language == "python":
        runs = [[sys.executable, "-c", block.code]]
    else:
        runs = [[sys.executable, "-m", "sumchain", *words[1:]] for words in commands(block)]
    assert runs, f"{block}: an empty runnable block"
    for argv in runs:
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S)
        shown = " ".join(argv[2:]) if block.language == "bash" else "the python block"
        assert done.returncode == 0, f"{block}: {shown} exited {done.returncode}:\n{done.stderr[-2000:]}"


SHELL = re.compile(r"^```(?:sh|bash)\b[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def shown_commands() -> list[tuple[str, list[str]]]:
    """Every `sumchain ...` command in every shell block of the pages, run or not, with its place."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in SHELL.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            for offset, row in enumerate(match.group(1).replace("\\\n", " ").splitlines()):
                for part in row.split("&&"):
                    words = shlex.split(part, comments=True)
                    if words[:1] == [".venv/bin/sumchain"]:
                        words[0] = "sumchain"
                    if words[:1] == ["sumchain"]:
                        found.append((f"{page.relative_to(ROOT)}:{line + offset}", words))
    return found


SHOWN = shown_commands()


def test_shown_commands_are_found():
    assert len(SHOWN) >= 25


@pytest.mark.parametrize("place,words", SHOWN, ids=[place for place, _ in SHOWN])
def test_every_shown_command_parses_and_its_settings_are_valid(place, words):
    """Commands too long to run in the suite (a full study, a node) still cannot drift: each one the
    pages show is parsed by the real parser, and the config keys it sets are checked by the config."""
    from sumchain.cli import build_parser
    from sumchain.config import Config
    from sumchain.experiments.grid import axis_from_assignment

    if words[1:] == ["COMMAND", "--help"]:
        return
    args = build_parser().parse_args(words[1:])
    if getattr(args, "assignments", None):
        # a swept key gives one config per value: its first value stands for them all
        overrides = {}
        for text in args.assignments:
            overrides.update(axis_from_assignment(text).overrides(axis_from_assignment(text).values[0]))
        Config.from_overrides(overrides)
