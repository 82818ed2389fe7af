"""Sweep figures: a PNG per sweep, "never exhausted" runs drawn, log and symlog axes handled."""

from __future__ import annotations

import pytest

from sumchain.experiments.study import analyse, study_points
from sumchain.report import figures
from tests.experiments.test_study import fake_results

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def analysis():
    points = study_points(seeds=range(2), only=["start_balance", "prob_mistake", "cost_weight"])
    return analyse(fake_results(points), points)


def test_one_png_per_sweep(analysis, tmp_path):
    paths = figures.write_sweep_figures(analysis.sweeps, tmp_path)
    assert set(paths) == {"start_balance", "prob_mistake", "cost_weight"}
    for name, path in paths.items():
        assert path == tmp_path / f"{name}.png" and path.read_bytes()[:8] == PNG


def test_never_exhausted_runs_are_drawn_on_a_never_line(analysis, tmp_path, monkeypatch):
    drawn = {}
    real = figures._depletion_panel

    def spy(ax, sweep):
        real(ax, sweep)
        drawn["labels"] = [t.get_text() for t in ax.get_yticklabels()]
        drawn["legend"] = [t.get_text() for t in ax.get_legend().get_texts()]
        drawn["xscale"] = ax.get_xscale()

    monkeypatch.setattr(figures, "_depletion_panel", spy)
    figures.sweep_figure(analysis.sweeps["start_balance"], tmp_path / "s.png")
    assert drawn["labels"][-1] == figures.NEVER_LABEL
    assert any("never exhausted (2 runs)" in text for text in drawn["legend"])   # start_balance 100000, 2 seeds


def test_axis_scales_follow_the_values(analysis):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3)
    figures._x_scale(axes[0], [1000, 5000, 10_000, 50_000, 100_000])
    figures._x_scale(axes[1], [0, 0.0001, 0.001, 0.01, 0.05])
    figures._x_scale(axes[2], [1, 2, 3, 25])
    assert [ax.get_xscale() for ax in axes] == ["log", "symlog", "linear"]
    plt.close(fig)
