"""The research dashboard's JSON API on real outputs (a run, a sweep, a reproduce, a study) made by
sumchain's own commands, through a real `sumchain serve` (uvicorn, over HTTP)."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pandas as pd
import pytest

from sumchain.experiments.stats import mean_ci


def get(server, route: str, **query) -> tuple[int, dict | bytes, str]:
    url = f"{server.url}/api/research/{route}" + (f"?{urlencode(query)}" if query else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body, kind = response.status, response.read(), response.headers["content-type"]
    except urllib.error.HTTPError as error:
        status, body, kind = error.code, error.read(), error.headers["content-type"]
    return status, json.loads(body) if kind.startswith("application/json") else body, kind


@pytest.fixture(scope="module")
def server(serve, research_runs):  # noqa: F811
    return serve(runs=research_runs)


def test_the_listing_names_every_output_and_its_kind(server):
    status, answer, _ = get(server, "outputs")
    assert status == 200
    kinds = {o["path"]: o["kind"] for o in answer["outputs"]}
    assert kinds == {"runs/default": "run", "sweeps/lr": "sweep", "reproduce": "reproduce", "study": "study"}
    summaries = {o["path"]: o["summary"] for o in answer["outputs"]}
    assert summaries["sweeps/lr"] == {"runs": 12} and 0 <= summaries["runs/default"]["final_accuracy"] <= 1


def test_a_run_is_its_stored_series_metrics_and_gas(server, research_runs):  # noqa: F811
    status, run, _ = get(server, "run", path="runs/default")
    folder = research_runs / "runs/default"
    stored = pd.read_parquet(folder / "timeseries.parquet")
    assert status == 200 and run["agents"] == ["Good", "Bad"]
    assert run["metrics"] == json.loads((folder / "metrics.json").read_text())
    assert run["series"]["day"] == pytest.approx(stored["day"].tolist())
    assert run["series"]["balance"]["Bad"] == pytest.approx(stored["balance.Bad"].tolist())
    measured = stored["accuracy"].notna()
    assert [a is not None for a in run["series"]["accuracy"]] == measured.tolist() and measured.sum() >= 2
    gas = pd.read_csv(folder / "gas.csv")
    totals = {row["function"]: row["total"] for row in run["gas"]["by_function"]}
    assert totals == gas.groupby("function")["gas"].sum().to_dict()
    assert run["gas"]["by_function"][0]["by_sender"] == \
        gas[gas["function"] == run["gas"]["by_function"][0]["function"]].set_index("sender")["gas"].to_dict()
    assert run["config"] == (folder / "config.toml").read_text() and "num_words = 50" in run["config"]


def test_a_sweep_table_has_the_swept_parameters_and_every_run(server, research_runs):  # noqa: F811
    status, sweep, _ = get(server, "sweep", path="sweeps/lr")
    assert status == 200
    assert sorted(sweep["parameters"]) == ["incentive", "learning_rate"]
    assert sweep["runs"] == len(sweep["rows"]) == 12 and sweep["failed"] == 0 and sweep["has_series"]
    assert {"final_accuracy", "gap", "bad_depleted_day", "balance_pct.Good"} <= set(sweep["metrics"])
    plot = sweep["plot"]               # the page's first plot comes with the table
    assert (plot["x"], plot["metric"], plot["group"]) == ("learning_rate", "final_accuracy", "incentive")
    assert plot["lines"] == get(server, "bands", path="sweeps/lr", x="learning_rate", metric="final_accuracy",
                                group="incentive")[1]["lines"]
    row = dict(zip(sweep["columns"], sweep["rows"][0]))
    stored = pd.read_parquet(research_runs / "sweeps/lr/results.parquet").set_index("config_hash")
    assert row["final_accuracy"] == pytest.approx(stored.loc[row["config_hash"], "final_accuracy"])


def test_bands_match_the_reports_interval_on_the_stored_rows(server, research_runs):  # noqa: F811
    status, answer, _ = get(server, "bands", path="sweeps/lr", x="learning_rate", metric="gap", group="incentive")
    assert status == 200 and [line["group"] for line in answer["lines"]] == ["points", "stakeable"]
    stored = pd.read_parquet(research_runs / "sweeps/lr/results.parquet")
    cell = stored[(stored["incentive"] == "points") & (stored["learning_rate"] == 0.05)]["gap"]
    n, mean, _, low, high = mean_ci(cell)
    point = answer["lines"][0]["points"][1]
    assert (point["x"], point["n"]) == (0.05, n) == (0.05, 3)
    assert (point["mean"], point["low"], point["high"]) == pytest.approx((mean, low, high))


def test_bands_refuse_a_column_that_is_not_there(server):
    status, answer, _ = get(server, "bands", path="sweeps/lr", x="learning_rate", metric="nope")
    assert status == 400 and answer["error"] == "no column 'nope' in the results; choose one the table lists"


def test_an_overlay_returns_the_chosen_runs_series_labelled_by_their_values(server, research_runs):  # noqa: F811
    stored = pd.read_parquet(research_runs / "sweeps/lr/results.parquet")
    hashes = stored["config_hash"].tolist()[:2]
    status, answer, _ = get(server, "series", path="sweeps/lr", runs=",".join(hashes))
    assert status == 200 and [r["config_hash"] for r in answer["runs"]] == hashes
    assert answer["runs"][0]["label"].endswith("seed 0") and "learning_rate=" in answer["runs"][0]["label"]
    series = pd.read_parquet(research_runs / "sweeps/lr/timeseries.parquet")
    assert len(answer["runs"][1]["day"]) == (series["config_hash"] == hashes[1]).sum() > 0
    assert get(server, "series", path="sweeps/lr", runs="feedfacefeedface")[0] == 404
    assert get(server, "series", path="sweeps/lr", runs=",".join(hashes * 7))[0] == 400


def test_a_reproduce_report_has_its_figures_as_data_and_pictures(server, research_runs):  # noqa: F811
    status, report, _ = get(server, "report", path="reproduce")
    assert status == 200 and report["kind"] == "reproduce"
    assert "<h1>Reproduction of the SUM parameter study</h1>" in report["html"]
    assert '<img src="/api/research/file?path=reproduce/figures/mean_deposit.png"' in report["html"]
    stored = pd.read_csv(research_runs / "reproduce/stats/mean_deposit_summary.csv")
    [line] = report["figures"]["mean_deposit"]["lines"]["final_accuracy"]
    expected = stored[stored["metric"] == "final_accuracy"]
    assert [p["x"] for p in line["points"]] == expected["value"].tolist()
    assert [p["mean"] for p in line["points"]] == pytest.approx(expected["mean"].tolist())
    status, png, kind = get(server, "file", path="reproduce/figures/mean_deposit.png")
    assert status == 200 and kind == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_study_report_draws_the_bad_share_curve(server):
    status, report, _ = get(server, "report", path="study")
    assert status == 200 and "<h2>The good:bad ratio</h2>" in report["html"]
    figure = report["figures"]["bad_share"]
    assert figure["x"] == "bad_share"
    assert [p["x"] for p in figure["lines"]["gap"][0]["points"]] == [0.1, 0.3, 0.5, 0.7, 0.9]


def test_html_in_a_report_reaches_the_page_as_text(serve, research_runs, tmp_path):  # noqa: F811
    runs = tmp_path / "runs"
    shutil.copytree(research_runs / "study", runs / "evil")
    report = runs / "evil" / "report.md"
    report.write_text(report.read_text() + '\n<script>alert(1)</script> <img src=x onerror="alert(2)">\n\n'
                      "[click](javascript:alert(3)) ![secret](../../../etc/passwd.png) [table](stats/scenarios.csv)\n")
    server = serve(runs=runs)
    status, answer, _ = get(server, "report", path="evil")
    assert status == 200
    assert "<script" not in answer["html"] and "<img src=x" not in answer["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer["html"]
    assert "javascript:" not in answer["html"] and "passwd" not in answer["html"].replace("secret", "")
    assert '<a href="/api/research/file?path=evil/stats/scenarios.csv">table</a>' in answer["html"]


@pytest.mark.parametrize("route, path, status, message", [
    ("run", "../", 400, "path '../' climbs out with '..'; give a path inside --runs"),
    ("run", "runs/../../x", 400, "path 'runs/../../x' climbs out with '..'; give a path inside --runs"),
    ("run", "/etc", 400, "path '/etc' is absolute; give a path relative to --runs"),
    ("file", "/etc/passwd", 400, "path '/etc/passwd' is absolute; give a path relative to --runs"),
    ("file", "reproduce/../../../../etc/passwd", 400, None),
    ("file", "runs/default/metrics.json", 404, None),
    ("file", "runs/default/config.toml", 404, None),
    ("run", "nowhere", 404, "no 'nowhere' under --runs"),
    ("run", "sweeps/lr", 404, "'sweeps/lr' under --runs is not a simulate run folder"),
    ("sweep", "runs/default", 404, None),
    ("report", "sweeps/lr", 404, None),
    ("run", "", 400, "give the output's path relative to --runs, as ?path=FOLDER"),
])
def test_paths_outside_runs_or_of_the_wrong_kind_are_refused_in_one_line(server, route, path, status, message):
    got, answer, _ = get(server, route, path=path)
    assert got == status and "\n" not in answer["error"]
    if message:
        assert answer["error"] == message


def test_encoded_traversal_and_links_out_of_runs_are_refused(serve, research_runs, tmp_path):  # noqa: F811
    runs = tmp_path / "runs"
    shutil.copytree(research_runs / "runs", runs / "runs")
    outside = tmp_path / "outside"
    shutil.copytree(research_runs / "reproduce", outside)
    os.symlink(outside, runs / "link")
    server = serve(runs=runs)
    for raw in ("%2e%2e/outside", "..%2Foutside", "%2Fetc%2Fpasswd"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}/api/research/run?path={raw}", timeout=30)
        assert refused.value.code == 400
    assert get(server, "report", path="link")[0] == 404
    assert get(server, "file", path="link/figures/mean_deposit.png")[0] == 404
    assert [o["path"] for o in get(server, "outputs")[1]["outputs"]] == ["runs/default"]   # the link is not followed


def test_without_runs_the_list_is_empty_and_every_other_route_says_how_to_give_them(serve):
    server = serve(runs=None)
    assert get(server, "outputs")[:2] == (200, {"runs": None, "outputs": []})
    status, answer, _ = get(server, "run", path="runs/default")
    assert status == 404 and answer["error"] == "no runs folder: start sumchain serve with --runs DIR"


def test_a_damaged_table_is_a_one_line_error(serve, research_runs, tmp_path):  # noqa: F811
    runs = tmp_path / "runs"
    shutil.copytree(research_runs / "sweeps", runs / "sweeps")
    (runs / "sweeps/lr/results.parquet").write_bytes(b"not parquet")
    server = serve(runs=runs)
    status, answer, _ = get(server, "sweep", path="sweeps/lr")
    assert status == 422 and "is not readable Parquet" in answer["error"] and "\n" not in answer["error"]
