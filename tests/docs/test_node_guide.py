"""The guide "Running on an Ethereum node" (docs/guides/ethereum-node.md), run as written against a
real dev node.

The convention, for whoever edits that page (its code blocks):
- ```` ```sh node ```` and ```` ```python node ````: the test runs the block as written, the blocks in
  the order of the page, sh blocks in one shared working directory (each command must exit 0),
  python blocks in one shared namespace (blocks that need no node use `bash run`/`python run`, which
  tests/docs/test_doc_commands.py runs);
- `advance=N` (```` ```sh node advance=60 ````): the node's clock moves N seconds (evm_increaseTime +
  evm_mine) before the block runs: the "a minute later" or "a day later" of the text;
- a block without `run` is not run: a long-running command (`sumchain node`: the test's own dev node
  stands in for it), a placeholder URL or key, an output sample, a simulation of minutes.
How blocks see the node: the section's URL `http://127.0.0.1:8545` is replaced by the test node's;
a `sumchain ...` command of an sh block runs in the test's process (`sumchain.cli.main` with the
command's words as the shell splits them: a new Python process per command would cost seconds each
for its imports), any other command in `bash -e`; `SUMCHAIN_RPC_KEYS` holds the keys
of the dev node's first two accounts as `owner` and `alice`, and no signer variable is set, so the
node's unlocked accounts send the command-line transactions.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from sumchain.cli import main
from sumchain.engines.rpc import KEYS_VARIABLE
from tests.live.deployment import OWNER_KEY, SIGNER_VARIABLES, advance, fresh_node

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "ethereum-node.md"
NODE_URL = "http://127.0.0.1:8545"
ALICE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
LANGUAGES = ("sh", "python")
ATTRIBUTES = ("advance",)


@dataclass
class Block:
    number: int                      # its place among the section's blocks, from 1
    language: str
    code: str
    run: bool
    attributes: dict[str, str] = field(default_factory=dict)



def section_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for number, match in enumerate(FENCE.finditer(text), start=1):
        words = match.group(1).split()
        attributes = dict(word.split("=", 1) for word in words[2:] if "=" in word)
        blocks.append(Block(number, words[0] if words else "", match.group(2),
                            len(words) > 1 and words[1] == "node", attributes))
    return blocks


def test_the_run_blocks_follow_the_convention():
    blocks = [b for b in section_blocks() if b.run]
    assert {b.language for b in blocks} == set(LANGUAGES)
    for block in blocks:
        assert set(block.attributes) <= set(ATTRIBUTES), block
        assert int(block.attributes.get("advance", 0)) >= 0
    # The contributor commands, their dry run and the Python API are all run.
    code = "\n".join(b.code for b in blocks)
    assert "sumchain deploy" in code
    for command in ("status", "predict", "add", "contributions", "refund", "report"):
        assert f"sumchain contract {command}" in code
    assert "--dry-run" in code and "deploy_rpc(" in code and "trainer.refund(" in code


def test_the_section_runs_as_written(dev_node, tmp_path, monkeypatch):
    url = dev_node.url
    fresh_node(url)                           # a fresh chain for the section's story
    for name in SIGNER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(KEYS_VARIABLE, f"owner={OWNER_KEY},alice={ALICE_KEY}")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    ran = 0
    for block in (b for b in section_blocks() if b.run):
        advance(url, int(block.attributes.get("advance", 0)))
        code = block.code.replace(NODE_URL, url)
        if block.language == "sh":
            _run_shell(block, code, tmp_path)
        else:
            exec(compile(code, f"guide block {block.number}", "exec"), namespace)
        ran += 1
    assert ran >= 8


def _run_shell(block: Block, code: str, folder: Path) -> None:
    for line in commands(code):
        words = shlex.split(line, comments=True)
        if words[:1] == ["sumchain"]:
            with redirect_stdout(io.StringIO()) as out, redirect_stderr(io.StringIO()) as err:
                status = main(words[1:])
            assert status == 0, f"guide block {block.number}: {line}\n{out.getvalue()}\n{err.getvalue()}"
        elif words:
            done = subprocess.run(["bash", "-e", "-c", line], cwd=folder, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"guide block {block.number}: {line}\n{done.stdout}\n{done.stderr}"


def commands(code: str) -> list[str]:
    """The block's command lines, a line ending in a backslash joined with the next."""
    return [line for line in code.replace("\\\n", " ").splitlines() if line.strip()]
