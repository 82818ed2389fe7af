"""Real, small outputs of every kind the research dashboard reads, made by sumchain's own commands.

One folder per session (`research_runs`), shared by the API and browser tests: a run on the evm
engine (so it has gas.csv), a sweep of two parameters with three seeds, a reproduce of one study
sweep and a study of one section, each on a few hundred samples and 50 words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sumchain.cli import main

SMALL = ["--set", "max_train=100", "--set", "max_test=100", "--set", "num_words=50"]
COMMANDS = {
    "runs/default": ["simulate", "--set", "engine=evm", "--quiet", *SMALL],
    "sweeps/lr": ["sweep", "--set", "learning_rate=0.01,0.05", "--set", "incentive=stakeable,points", "--seeds", "3",
                  "--workers", "1", "--quiet", *SMALL],
    "reproduce": ["reproduce", "--only", "mean_deposit", "--seeds", "2", "--workers", "1", "--quiet", *SMALL],
    "study": ["study", "--only", "bad_share", "--incentives", "stakeable", "--seeds", "2", "--workers", "1",
              "--quiet", *SMALL],
}


def make_outputs(root: Path) -> Path:
    for folder, argv in COMMANDS.items():
        code = main([*argv, "--out", str(root / folder)])
        assert code == 0, f"sumchain {' '.join(argv)} exited {code}"
    return root


@pytest.fixture(scope="session")
def research_runs(tmp_path_factory) -> Path:
    """The runs folder (made once per session, whichever module asks first)."""
    root = tmp_path_factory.getbasetemp() / "research-runs"
    done = root / ".made"
    if not done.exists():
        make_outputs(root)
        done.write_text("")
    return root
