// The research dashboard: the outputs under --runs (#/research), a run (#/research/run/<path>), a
// results store (#/research/sweep/<path>) and a reproduce or study report (#/research/report/<path>).
// Every number comes from the server, which reads the stored files; the page only sorts, filters
// and draws them.
import { ApiError, getJSON } from "../shared/api";
import { el, fill, table } from "../shared/dom";
import { link, onRoute } from "../shared/router";
import { bandChart, type BandLine, lineChart } from "./charts";
import "./research.css";

type Cell = string | number | boolean | null;
interface Output { path: string; kind: string; modified: number; summary: Record<string, number | null> }
interface Series { day: (number | null)[]; accuracy: (number | null)[]; balance: Record<string, (number | null)[]> }
interface GasFunction { function: string; total: number; by_sender: Record<string, number> }
interface Run {
  path: string; metrics: Record<string, any>; config: string | null; agents: string[]; series: Series;
  gas: { by_function: GasFunction[] } | null; plot: boolean;
}
interface Plot { x: string; metric: string; group: string | null; lines: BandLine[] }
interface Sweep {
  path: string; kind: string; columns: string[]; rows: Cell[][]; parameters: string[]; metrics: string[];
  runs: number; failed: number; has_series: boolean; plot: Plot | null;
}
interface Report { path: string; kind: string; html: string; figures: Record<string, { x: string; lines: Record<string, BandLine[]> }> }

const PAGE = "research";
const KIND_PAGE: Record<string, string> = { run: "run", sweep: "sweep", reproduce: "report", study: "report" };
const KIND_NAME: Record<string, string> = { run: "run", sweep: "sweep", reproduce: "reproduce", study: "study" };

const num = (value: Cell | undefined, digits = 4): string =>
  value === null || value === undefined ? "" : typeof value === "number" ? Number(value.toPrecision(digits)).toString() : String(value);
const pct = (value: number | null | undefined) => (value === null || value === undefined ? "–" : `${(100 * value).toFixed(2)}%`);
const problem = (error: unknown) => el("p", { class: "error" }, error instanceof ApiError ? error.message : String(error));
const select = (label: string, options: string[], value: string, onchange: (value: string) => void) => {
  const box = el("select", { "aria-label": label, onchange: () => onchange(box.value) },
    ...options.map((o) => el("option", { value: o, selected: o === value }, o === "" ? "(none)" : o)));
  return el("label", { class: "inline" }, `${label} `, box);
};

onRoute(PAGE, async (root, path) => {
  const [view, ...rest] = path;
  const target = rest.join("/");
  fill(root, el("p", { class: "muted" }, "Loading…"));
  try {
    if (view === "run") await runPage(root, target);
    else if (view === "sweep") await sweepPage(root, target);
    else if (view === "report") await reportPage(root, target);
    else await listPage(root);
  } catch (error) {
    fill(root, el("p", {}, el("a", { href: link(PAGE) }, "← all outputs")), problem(error));
  }
});

function heading(title: string, kind: string, path: string, ...extra: (Node | string)[]): HTMLElement {
  return el("div", {}, el("p", { class: "crumbs" }, el("a", { href: link(PAGE) }, "← all outputs")),
    el("h1", {}, `${title} `, el("code", {}, path)), ...extra, el("span", { hidden: true, "data-kind": kind }));
}

// -- the list ---------------------------------------------------------------------------------------

async function listPage(root: HTMLElement): Promise<void> {
  const { runs, outputs } = await getJSON<{ runs: string | null; outputs: Output[] }>("/api/research/outputs");
  if (runs === null) {
    return fill(root, el("h1", {}, "Research"), el("p", {}, "No runs folder: start sumchain serve with ",
      el("code", {}, "--runs DIR"), " to explore the runs, sweeps and studies written under DIR."));
  }
  const filter = el("input", { type: "search", placeholder: "filter by path or kind", "aria-label": "filter outputs" });
  const body = el("div");
  const draw = () => {
    const words = filter.value.toLowerCase();
    const shown = outputs.filter((o) => `${o.kind} ${o.path}`.toLowerCase().includes(words));
    fill(body, shown.length ? table(["kind", "output", "summary", "written"], shown.map((o) => [
      KIND_NAME[o.kind] ?? o.kind,
      el("a", { href: link(PAGE, KIND_PAGE[o.kind] ?? "run", o.path) }, o.path),
      o.kind === "run" ? `final accuracy ${pct(o.summary.final_accuracy)}, ${num(o.summary.days, 3)} days`
        : o.summary.runs !== undefined ? `${o.summary.runs} runs` : "",
      new Date(o.modified * 1000).toISOString().slice(0, 16).replace("T", " "),
    ]), { class: "outputs" }) : el("p", { class: "muted" }, outputs.length ? "No output matches." :
      "No run folders, sweeps, reproduce or study outputs here yet: write some with sumchain simulate, sweep, reproduce or study --out under this folder."));
  };
  filter.addEventListener("input", draw);
  fill(root, el("h1", {}, "Research"), el("p", { class: "muted" }, "Outputs under ", el("code", {}, runs)), filter, body);
  draw();
}

// -- a run ------------------------------------------------------------------------------------------

async function runPage(root: HTMLElement, path: string): Promise<void> {
  const run = await getJSON<Run>("/api/research/run", { path });
  const m = run.metrics;
  const chart = el("div", { id: "run-chart" });
  const facts: [string, string][] = [
    ["accuracy", `initial ${pct(m.initial_accuracy)}, final ${pct(m.final_accuracy)}, baseline ${pct(m.baseline_accuracy)}`],
    ["gap", `${num(m.gap, 3)} points`],
    ["days simulated", num(m.days, 4)],
    ["malicious balance exhausted", m.bad_min_pct === null ? "no malicious agents"
      : m.bad_depleted_day === null ? `never (lowest ${num(m.bad_min_pct, 3)}% of start)` : `day ${num(m.bad_depleted_day, 3)}`],
    ...run.agents.map((a): [string, string] => [`balance ${a}`, `${num(m.balances?.[a], 7)} (${num(m.balance_pct?.[a], 4)}% of start)`]),
    ["calls", `${m.counts?.adds ?? 0} adds, ${m.counts?.refunds ?? 0} refunds, ${m.counts?.reports ?? 0} reports`],
  ];
  fill(root, heading("Run", "run", path),
    el("dl", { class: "facts card" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("h2", {}, "Accuracy and balances against days"),
    el("p", { class: "muted" }, "Drag to zoom, double-click to reset; click a name in the legend to hide or show it."),
    chart, gasSection(run), declinedSection(m),
    el("details", { class: "card" }, el("summary", {}, "every metric (metrics.json)"), el("pre", {}, JSON.stringify(m, null, 2))),
    run.config ? el("details", { class: "card" }, el("summary", {}, "config.toml"), el("pre", {}, run.config)) : null,
    run.plot ? el("p", {}, el("a", { href: fileUrl(`${path}/plot.png`), target: "_blank" }, "the run's static plot (plot.png)")) : null);
  lineChart(chart, {
    x: run.series.day.map((d) => d ?? NaN), xLabel: "day", yLabel: "accuracy (%)", y2Label: "balance (coins)",
    lines: [
      { label: "accuracy", values: run.series.accuracy.map((a) => (a === null ? null : 100 * a)), points: true },
      ...run.agents.map((agent) => ({ label: agent, values: run.series.balance[agent], scale: "y2" as const, points: false })),
    ],
  });
}

const fileUrl = (path: string) => `/api/research/file?path=${encodeURIComponent(path)}`;

function gasSection(run: Run): Node {
  if (!run.gas) return el("p", { class: "muted" }, "No gas: this run's engine does not meter gas (run with --set engine=evm).");
  const rows = run.gas.by_function;
  // agents in the chart's order and colours (the accuracy line takes the first colour)
  const senders = Array.from(new Set([...run.agents, ...rows.flatMap((r) => Object.keys(r.by_sender))]))
    .filter((s) => rows.some((r) => s in r.by_sender));
  const colour = (s: string) => `c${(run.agents.indexOf(s) + 1) % 12}`;
  const top = Math.max(...rows.map((r) => r.total), 1);
  const bar = (r: GasFunction) => el("div", { class: "bar" }, ...senders.map((s) =>
    el("span", { class: `seg ${colour(s)}`, style: `width:${(100 * (r.by_sender[s] ?? 0)) / top}%`, title: `${s}: ${(r.by_sender[s] ?? 0).toLocaleString("en")} gas` })));
  return el("div", {}, el("h2", {}, "Gas per function"),
    el("p", { class: "muted" }, "Gas each agent's calls used, by contract function; the bars split each total by agent: ",
      ...senders.flatMap((s) => [el("span", { class: `swatch ${colour(s)}` }), ` ${s} `])),
    table(["function", ...senders, "total", ""], rows.map((r) => [
      el("code", {}, r.function), ...senders.map((s) => (r.by_sender[s] ?? 0).toLocaleString("en")), r.total.toLocaleString("en"), bar(r)]),
    { class: "gas" }));
}

function declinedSection(m: Record<string, any>): Node | null {
  const declined = Object.entries((m.counts?.declined ?? {}) as Record<string, number>).sort((a, b) => b[1] - a[1]);
  if (!declined.length) return null;
  return el("details", { class: "card" }, el("summary", {}, "Declined turns, by the contract's reason"),
    table(["reason", "turns"], declined.map(([reason, count]) => [reason, count.toLocaleString("en")])));
}

// -- a results store ----------------------------------------------------------------------------------

async function sweepPage(root: HTMLElement, path: string): Promise<void> {
  const sweep = await getJSON<Sweep>("/api/research/sweep", { path });
  const title = sweep.kind === "sweep" ? "Sweep" : `Results of ${sweep.kind}`;
  const plot = el("div", { class: "card" });
  const overlay = el("div", { class: "card" });
  const chosen = new Set<string>();
  fill(root, heading(title, sweep.kind, path,
      el("p", { class: "muted" }, `${sweep.runs} runs (${sweep.failed} failed); swept: ${sweep.parameters.join(", ") || "nothing (one point)"}`),
      sweep.kind !== "sweep" ? el("p", {}, el("a", { href: link(PAGE, "report", path) }, "its report")) : ""),
    el("h2", {}, "Parameter against metric"), plot,
    el("h2", {}, "Runs"), resultsTable(sweep, chosen, () => drawOverlay(overlay, path, sweep, chosen)),
    el("h2", {}, "Chosen runs over time"), overlay);
  bandsControls(plot, path, sweep);
  drawOverlay(overlay, path, sweep, chosen);
}

function bandsControls(box: HTMLElement, path: string, sweep: Sweep): void {
  const parameters = sweep.parameters.length ? sweep.parameters : ["seed"];
  if (!sweep.plot) return fill(box, el("p", { class: "muted" }, "No finished runs to plot yet."));
  const state = { x: sweep.plot.x, metric: sweep.plot.metric, group: sweep.plot.group ?? "" };
  const chart = el("div", { id: "bands-chart" });
  const note = el("p", { class: "muted" });
  let asked = 0;
  const draw = async (first?: Plot) => {
    const mine = ++asked;        // only the latest choice is drawn
    try {
      const group = state.group === state.x ? "" : state.group;
      const answer = first ?? await getJSON<{ lines: BandLine[] }>("/api/research/bands", { path, x: state.x, metric: state.metric, group });
      if (mine !== asked) return;
      bandChart(chart, answer.lines, state.x, state.metric, group);
      chart.dataset.drawn = `${state.x} ${state.metric} ${group}`;
      const runs = answer.lines.flatMap((l) => l.points);
      note.textContent = `Mean across seeds with its 95% Student-t interval (shaded); ${runs.length} points. ` +
        (runs.some((p) => (p.n ?? 0) < 2) ? "A point with fewer than 2 values has no interval." : "");
    } catch (error) {
      if (mine === asked) fill(chart, problem(error));
    }
  };
  fill(box, el("div", { class: "row" },
    select("x", parameters, state.x, (v) => { state.x = v; void draw(); }),
    select("metric", sweep.metrics, state.metric, (v) => { state.metric = v; void draw(); }),
    select("group by", ["", ...sweep.parameters], state.group, (v) => { state.group = v; void draw(); })),
  chart, note);
  void draw(sweep.plot);
}

function resultsTable(sweep: Sweep, chosen: Set<string>, changed: () => void): Node {
  const columns = sweep.columns.filter((c) => c !== "config_hash" && c !== "error");
  const index = (c: string) => sweep.columns.indexOf(c);
  const hashAt = index("config_hash");
  let sortBy = -1;
  let ascending = true;
  const filter = el("input", { type: "search", placeholder: "filter: text, or column=value (e.g. incentive=points)", "aria-label": "filter runs" });
  const count = el("span", { class: "muted" });
  const body = el("tbody");
  const header = el("tr", {}, el("th", {}, ""), ...columns.map((c) => el("th", {
    class: "sortable", title: "sort", onclick: () => { const i = index(c); ascending = sortBy === i ? !ascending : true; sortBy = i; draw(); },
  }, c)));
  const matches = (row: Cell[]) => filter.value.split(/\s+/).filter(Boolean).every((word) => {
    const [key, value] = word.includes("=") ? word.split("=", 2) : [null, word];
    if (key !== null && index(key) >= 0) return num(row[index(key)], 12) === value || String(row[index(key)]) === value;
    return row.some((cell) => num(cell, 12).toLowerCase().includes(word.toLowerCase()));
  });
  const draw = () => {
    const rows = sweep.rows.filter(matches);
    if (sortBy >= 0) {
      rows.sort((a, b) => {
        const [p, q] = [a[sortBy], b[sortBy]];
        const order = p === null ? 1 : q === null ? -1 : typeof p === "number" && typeof q === "number" ? p - q : String(p).localeCompare(String(q));
        return ascending || p === null || q === null ? order : -order;
      });
    }
    for (const th of Array.from(header.querySelectorAll("th.sortable"))) {
      th.setAttribute("aria-sort", columns[Array.from(header.children).indexOf(th) - 1] === sweep.columns[sortBy] ? (ascending ? "ascending" : "descending") : "none");
    }
    count.textContent = `${rows.length} of ${sweep.rows.length} runs shown` + (sweep.has_series ? "; tick runs to draw them over time" : "");
    fill(body, ...rows.map((row) => {
      const hash = String(row[hashAt]);
      const box = el("input", { type: "checkbox", "aria-label": `choose run ${hash}`, checked: chosen.has(hash), disabled: !sweep.has_series,
        onchange: () => { if (box.checked) chosen.add(hash); else chosen.delete(hash); changed(); } });
      const error = row[index("error")];
      return el("tr", { title: error ? String(error) : hash, class: row[index("status")] === "ok" ? "" : "failed" }, el("td", {}, box),
        ...columns.map((c) => el("td", { class: typeof row[index(c)] === "number" ? "num" : "" }, num(row[index(c)]))));
    }));
  };
  filter.addEventListener("input", draw);
  draw();
  return el("div", {}, el("div", { class: "row" }, filter, count),
    el("div", { class: "scroll" }, el("table", { class: "results" }, el("thead", {}, header), body)));
}

let overlayAsked = 0;

async function drawOverlay(box: HTMLElement, path: string, sweep: Sweep, chosen: Set<string>): Promise<void> {
  const asked = ++overlayAsked;      // a quicker answer to an earlier choice must not replace a later one
  if (!sweep.has_series) return fill(box, el("p", { class: "muted" }, "This folder stores no time series."));
  if (!chosen.size) return fill(box, el("p", { class: "muted" }, "Tick runs in the table to overlay their accuracy or balances."));
  try {
    const { runs } = await getJSON<{ runs: ({ config_hash: string; label: string } & Series)[] }>(
      "/api/research/series", { path, runs: Array.from(chosen).join(",") });
    if (asked !== overlayAsked) return;
    const agents = Array.from(new Set(runs.flatMap((r) => Object.keys(r.balance))));
    const chart = el("div", { id: "overlay-chart" });
    const show = (what: string) => {
      // runs sample days at different times: put every run on the union of their days
      const days = Array.from(new Set(runs.flatMap((r) => r.day.filter((d): d is number => d !== null)))).sort((a, b) => a - b);
      lineChart(chart, { x: days, xLabel: "day", yLabel: what === "accuracy" ? "accuracy (%)" : `${what} balance (coins)`,
        lines: runs.map((r) => {
          const values = what === "accuracy" ? r.accuracy.map((a) => (a === null ? null : 100 * a)) : r.balance[what] ?? [];
          const at = new Map(r.day.map((d, i) => [d, values[i]]));
          return { label: r.label, values: days.map((d) => at.get(d) ?? null), points: what === "accuracy" };
        }) });
    };
    fill(box, select("show", ["accuracy", ...agents], "accuracy", show), chart);
    show("accuracy");
  } catch (error) {
    if (asked === overlayAsked) fill(box, problem(error));
  }
}

// -- reproduce and study reports ----------------------------------------------------------------------

async function reportPage(root: HTMLElement, path: string): Promise<void> {
  const report = await getJSON<Report>("/api/research/report", { path });
  const body = el("article", { class: "report card" });
  // The one place HTML from the server is inserted: report.md rendered by the server with raw HTML
  // turned off and rebuilt through an allow-list of tags (sumchain.web.report_html).
  const template = document.createElement("template");
  template.innerHTML = report.html;
  body.append(template.content);
  fill(root, heading(report.kind === "study" ? "Study" : "Reproduction", report.kind, path,
    el("p", {}, el("a", { href: link(PAGE, "sweep", path) }, "its results table"))), body);
  for (const img of Array.from(body.querySelectorAll<HTMLImageElement>("img[data-figure]"))) {
    const figure = report.figures[img.dataset.figure ?? ""];
    if (!figure) continue;
    const metrics = Object.keys(figure.lines);
    const chart = el("div", { class: "figure-chart" });
    const draw = (metric: string) => bandChart(chart, figure.lines[metric], figure.x, metric);
    const start = metrics.includes("final_accuracy") ? "final_accuracy" : metrics.includes("gap") ? "gap" : metrics[0];
    const holder = img.closest("p") ?? img;
    const still = el("details", {}, el("summary", {}, "the static figure"));
    holder.replaceWith(el("div", { class: "figure" }, select("metric", metrics, start, draw), chart, still));
    still.append(img);
    draw(start);
  }
}
