"""The dashboard's reading of output folders: seed bands with a known answer, paths kept inside
--runs, kinds recognised, parameters told from metrics."""

from __future__ import annotations

import json
import math
import os
import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain.web import research
from sumchain.web.research import BadRequest, NotFound, confined, seed_bands

T_975_2 = 4.302652729911275
"""Student's t, 97.5th percentile, 2 degrees of freedom: the 95% interval of three seeds."""


def frame(rows):
    return pd.DataFrame(rows, columns=["config_hash", "status", "seed", "num_words", "incentive", "final_accuracy",
                                       "bad_depleted_day"])


def test_seed_bands_are_the_mean_and_student_t_interval_across_seeds():
    rows = frame([
        ("a", "ok", 0, 100, "stakeable", 1.0, None), ("b", "ok", 1, 100, "stakeable", 2.0, None),
        ("c", "ok", 2, 100, "stakeable", 3.0, 4.0), ("d", "ok", 0, 200, "stakeable", 5.0, 1.0),
        ("e", "ok", 1, 200, "stakeable", 5.0, 3.0), ("f", "error", 2, 200, "stakeable", 99.0, None)])
    [line] = seed_bands(rows, "num_words", "final_accuracy")
    first, second = line["points"]
    half = T_975_2 * 1.0 / math.sqrt(3)          # sd of 1, 2, 3 is 1
    assert first == {"x": 100, "runs": 3, "n": 3, "missing": 0, "mean": 2.0, "sd": 1.0,
                     "low": pytest.approx(2 - half), "high": pytest.approx(2 + half)}
    assert first["low"] == pytest.approx(-0.484138, abs=1e-6)
    # the failed run is left out; two equal values: a zero-width interval
    assert (second["runs"], second["n"], second["mean"], second["low"], second["high"]) == (2, 2, 5.0, 5.0, 5.0)
    days = seed_bands(rows, "num_words", "bad_depleted_day")[0]["points"]
    assert (days[0]["n"], days[0]["missing"], days[0]["mean"], days[0]["low"]) == (1, 2, 4.0, None)


def test_seed_bands_draw_one_line_per_value_of_the_second_parameter_in_natural_order():
    rows = frame([(f"{w}{i}{s}", "ok", s, w, i, w / 1000 + s / 100, None)
                  for w in (100, 200) for i in ("stakeable", "points") for s in (0, 1)])
    lines = seed_bands(rows, "num_words", "final_accuracy", group="incentive")
    assert [line["group"] for line in lines] == ["points", "stakeable"]
    assert [p["mean"] for p in lines[0]["points"]] == [pytest.approx(0.105), pytest.approx(0.205)]
    numeric = seed_bands(rows.assign(g=rows["num_words"].map({100: 10, 200: 9})), "incentive", "final_accuracy", "g")
    assert [line["group"] for line in numeric] == ["9", "10"]


def test_seed_bands_refuse_a_column_the_results_do_not_have():
    with pytest.raises(BadRequest, match="no column 'nope'"):
        seed_bands(frame([]), "nope", "final_accuracy")


def test_parameters_are_config_keys_that_vary_apart_from_the_seed():
    rows = frame([("a", "ok", 0, 100, "points", 0.5, None), ("b", "ok", 1, 200, "points", 0.6, None)])
    rows["agents.Good.mean_deposit"] = [5, 50]
    assert research.varied_parameters(rows) == ["num_words", "agents.Good.mean_deposit"]
    assert research.numeric_metrics(rows) == ["final_accuracy", "bad_depleted_day"]


@pytest.mark.parametrize("given, error", [
    ("../outside", BadRequest), ("a/../../outside", BadRequest), ("..", BadRequest), ("/etc/passwd", BadRequest),
    ("C:/Windows", BadRequest), ("a\\..\\b", BadRequest), ("", BadRequest), (None, BadRequest),
    ("nothing-here", NotFound), ("link-out", NotFound), ("link-out/secret", NotFound)])
def test_paths_from_the_browser_stay_inside_runs(tmp_path, given, error):
    runs, outside = tmp_path / "runs", tmp_path / "outside"
    runs.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("x")
    os.symlink(outside, runs / "link-out")
    with pytest.raises(error) as raised:
        confined(runs, given)
    assert "\n" not in str(raised.value)


def test_a_path_inside_runs_resolves(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert confined(tmp_path, "a/b") == (tmp_path / "a" / "b").resolve()
    assert confined(tmp_path, "a/./b/") == (tmp_path / "a" / "b").resolve()


def test_kinds_come_from_the_marker_or_else_from_the_files(tmp_path):
    marked, run, sweep, study, plain = (tmp_path / n for n in ("marked", "run", "sweep", "study", "plain"))
    for folder in (marked, run, sweep, study, plain):
        folder.mkdir()
    (marked / ".sumchain-output").write_text(json.dumps({"kind": "reproduce"}))
    (run / "metrics.json").write_text("{}")
    (run / "timeseries.parquet").write_text("")
    (sweep / "results.parquet").write_text("")
    (study / "results.parquet").write_text("")
    (study / "report.md").write_text("")
    assert [research.kind_of(f) for f in (marked, run, sweep, study, plain)] == \
        ["reproduce", "run", "sweep", "study", None]
    (plain / ".sumchain-output").write_text("damaged")
    assert research.kind_of(plain) is None


def test_listing_finds_outputs_at_any_depth_but_not_inside_one_another(tmp_path):
    for path in ("a/run1", "a/b/c/sweep1", "run2"):
        (tmp_path / path).mkdir(parents=True)
    for path in ("a/run1", "run2"):
        (tmp_path / path / ".sumchain-output").write_text('{"kind": "run"}')
        (tmp_path / path / "metrics.json").write_text('{"final_accuracy": 0.5, "days": 3}')
    (tmp_path / "a/b/c/sweep1/.sumchain-output").write_text('{"kind": "sweep"}')
    (tmp_path / "run2" / "inner").mkdir()
    (tmp_path / "run2" / "inner" / ".sumchain-output").write_text('{"kind": "run"}')
    found = {entry["path"]: entry for entry in research.list_outputs(tmp_path)}
    assert set(found) == {"a/run1", "a/b/c/sweep1", "run2"}
    assert found["run2"]["summary"] == {"final_accuracy": 0.5, "days": 3}
    assert found["a/b/c/sweep1"]["summary"] == {}          # no results table yet


PARTS = st.sampled_from(["a", "b", "..", ".", "", "link-out", "/", "\\", "%2e%2e", "~", "C:", "a\x00"])


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("confined")
    runs, outside = root / "runs", root / "outside"
    (runs / "a" / "b").mkdir(parents=True)
    outside.mkdir()
    os.symlink(outside, runs / "link-out")
    return runs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(PARTS, max_size=6).map("/".join) | st.text(max_size=12))
def test_every_path_resolves_inside_runs_or_is_refused(tree, path):
    try:
        target = confined(tree, path)
    except (BadRequest, NotFound) as error:
        assert "\n" not in str(error)
    else:
        assert target.is_relative_to(tree.resolve()) and target.exists()


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=8))
def test_a_band_holds_its_mean_and_narrows_to_it_only_when_the_seeds_agree(values):
    rows = frame([(str(i), "ok", i, 100, "stakeable", v, None) for i, v in enumerate(values)])
    [[point]] = [line["points"] for line in seed_bands(rows, "num_words", "final_accuracy")]
    assert point["n"] == len(values) and point["mean"] == pytest.approx(sum(values) / len(values), abs=1e-6)
    assert point["low"] <= point["mean"] + 1e-9 and point["mean"] <= point["high"] + 1e-9
    if max(values) - min(values) > 1e-3:
        assert point["high"] - point["low"] > 0


def test_an_overlay_reads_the_parts_a_running_sweep_has_not_folded_yet(research_runs, tmp_path):  # noqa: F811
    folder = tmp_path / "lr"
    shutil.copytree(research_runs / "sweeps/lr", folder)
    whole = pd.read_parquet(folder / "timeseries.parquet")
    (folder / ".timeseries-parts").mkdir()
    for digest, rows in whole.groupby("config_hash"):
        rows.to_parquet(folder / ".timeseries-parts" / f"{digest}.parquet", index=False)
    (folder / "timeseries.parquet").unlink()
    chosen = sorted(whole["config_hash"].unique())[:3]
    runs = research.read_overlay(folder, chosen)
    assert [r["config_hash"] for r in runs] == chosen
    for run in runs:
        stored = whole[whole["config_hash"] == run["config_hash"]].sort_values("day")
        assert run["day"] == pytest.approx(stored["day"].tolist())
        assert run["balance"]["Good"] == pytest.approx(stored["balance.Good"].tolist())
