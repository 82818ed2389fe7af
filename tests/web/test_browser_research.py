"""The research dashboard in a real browser (headless Chromium) over real outputs: each page loads
without a console error or a failed request, the charts are drawn (their pixels are checked), the
legend names accuracy and every agent, the results table sorts and filters. A screenshot of each
page goes to the test results (the docs' images are copied from there)."""

from __future__ import annotations

import pytest


COLOURS = {"accuracy": (0x24, 0x57, 0xC5), "Good": (0xC2, 0x41, 0x0C), "Bad": (0x1E, 0x7B, 0x34)}
"""The first three line colours of frontend/src/research/charts.ts, in the run chart's order."""

COUNT_PIXELS = """([selector, colours]) => {
  const canvas = document.querySelector(selector);
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const counts = colours.map(() => 0);
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] < 200) continue;
    painted++;
    colours.forEach(([r, g, b], k) => {
      if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60) counts[k]++;
    });
  }
  return { painted, counts, width: canvas.width, height: canvas.height };
}"""


@pytest.fixture(scope="module")
def server(serve, research_runs):  # noqa: F811
    return serve(runs=research_runs)


def open_page(new_page, server, hash_: str, ready: str):
    watched = new_page()
    watched.page.goto(f"{server.url}/{hash_}")
    watched.page.wait_for_selector(ready)
    return watched


def pixels(page, selector: str, colours) -> dict:
    return page.evaluate(COUNT_PIXELS, [selector, [list(c) for c in colours]])


def test_the_list_shows_every_output_with_a_link_to_its_page(server, new_page):
    watched = open_page(new_page, server, "#/research", "table.outputs")
    page = watched.page
    links = {a.text_content(): a.get_attribute("href") for a in page.query_selector_all("table.outputs a")}
    assert links == {"runs/default": "#/research/run/runs%2Fdefault", "sweeps/lr": "#/research/sweep/sweeps%2Flr",
                     "reproduce": "#/research/report/reproduce", "study": "#/research/report/study"}
    page.fill("input[aria-label='filter outputs']", "sweep")
    assert [a.text_content() for a in page.query_selector_all("table.outputs a")] == ["sweeps/lr"]
    page.fill("input[aria-label='filter outputs']", "")
    watched.screenshot("research-list")
    assert watched.problems == []


def test_a_run_page_draws_accuracy_and_every_agents_balance(server, new_page):
    watched = open_page(new_page, server, "#/research/run/runs%2Fdefault", "#run-chart canvas")
    page = watched.page
    legend = [th.text_content().strip() for th in page.query_selector_all("#run-chart .u-legend .u-series th")]
    assert legend == ["day", "accuracy", "Good", "Bad"]
    drawn = pixels(page, "#run-chart canvas", COLOURS.values())
    assert drawn["painted"] > 1000, f"the run chart looks blank: {drawn}"
    assert all(count > 30 for count in drawn["counts"]), f"a line is missing from the run chart: {drawn}"
    # click an agent in the legend: its line goes, the others stay
    page.click("#run-chart .u-legend .u-series:nth-child(4)")
    assert "u-off" in page.get_attribute("#run-chart .u-legend .u-series:nth-child(4)", "class")
    hidden = pixels(page, "#run-chart canvas", COLOURS.values())
    assert hidden["counts"][2] < 5 and hidden["counts"][1] > 30
    page.click("#run-chart .u-legend .u-series:nth-child(4)")
    gas = [row.query_selector("td").text_content() for row in page.query_selector_all("table.gas tbody tr")]
    assert set(gas) == {"add_data", "refund", "report"}
    watched.screenshot("research-run")
    assert watched.problems == []


def column(page, name: str) -> list[str]:
    headers = [th.text_content() for th in page.query_selector_all("table.results thead th")]
    at = headers.index(name) + 1
    return [td.text_content() for td in page.query_selector_all(f"table.results tbody tr td:nth-child({at})")]


def test_a_sweep_table_sorts_and_filters_and_its_charts_are_drawn(server, new_page):
    watched = open_page(new_page, server, "#/research/sweep/sweeps%2Flr", "#bands-chart canvas")
    page = watched.page
    assert len(column(page, "seed")) == 12
    page.click("table.results th:text-is('honest_balance_pct')")
    values = [float(v) for v in column(page, "honest_balance_pct")]
    assert values == sorted(values) and values[0] < values[-1]
    page.click("table.results th:text-is('honest_balance_pct')")
    assert [float(v) for v in column(page, "honest_balance_pct")] == sorted(values, reverse=True)
    page.click("table.results th:text-is('incentive')")
    assert column(page, "incentive") == ["points"] * 6 + ["stakeable"] * 6
    page.fill("input[aria-label='filter runs']", "incentive=points seed=2")
    assert column(page, "incentive") == ["points"] * 2 and column(page, "seed") == ["2", "2"]
    page.fill("input[aria-label='filter runs']", "")
    legend = [th.text_content().strip() for th in page.query_selector_all("#bands-chart .u-legend .u-series th")]
    assert legend[0] == "learning_rate" and "incentive=points" in legend and "incentive=stakeable" in legend
    assert pixels(page, "#bands-chart canvas", [(0x24, 0x57, 0xC5)])["painted"] > 1000
    page.select_option("select[aria-label=metric]", "gap")          # another metric: asked of the server
    page.wait_for_selector("#bands-chart[data-drawn='learning_rate gap incentive']")
    assert pixels(page, "#bands-chart canvas", [(0xC2, 0x41, 0x0C)])["counts"][0] > 30
    # overlay two runs' time series
    boxes = page.query_selector_all("table.results tbody input[type=checkbox]")
    boxes[0].check()
    boxes[-1].check()
    page.wait_for_function("() => document.querySelectorAll('#overlay-chart .u-legend .u-series').length === 3")
    overlay = [th.text_content().strip() for th in page.query_selector_all("#overlay-chart .u-legend .u-series th")]
    assert len(overlay) == 3 and all("seed" in label for label in overlay[1:])
    assert pixels(page, "#overlay-chart canvas", [(0x24, 0x57, 0xC5)])["counts"][0] > 30
    watched.screenshot("research-sweep")
    assert watched.problems == []


@pytest.mark.parametrize("output, figure", [("reproduce", "mean_deposit"), ("study", "bad_share")])
def test_a_report_page_shows_the_report_with_its_figures_interactive(server, new_page, output, figure):
    watched = open_page(new_page, server, f"#/research/report/{output}", ".figure-chart canvas")
    page = watched.page
    assert page.query_selector("article.report h1") is not None
    still = f".figure details img[data-figure={figure}]"        # the PNG is kept, folded away
    page.wait_for_function(f"() => document.querySelector('{still}').complete")
    assert page.eval_on_selector(still, "img => img.naturalWidth") > 0
    assert pixels(page, ".figure-chart canvas", [(0x24, 0x57, 0xC5)])["counts"][0] > 30
    page.select_option(".figure select", "gap")
    assert pixels(page, ".figure-chart canvas", [(0x24, 0x57, 0xC5)])["counts"][0] > 30
    whole = watched.screenshot(f"research-{output}")
    page.locator(".figure").first.screenshot(path=str(whole.with_name(f"research-{output}-figure.png")))
    assert watched.problems == []
