// Interactive line charts on uPlot: drag to zoom (double-click resets), hover for values in the
// legend, click a legend entry to hide or show that line. Bands (a 95% interval) are drawn as a
// filled area between two faint lines. The page draws only numbers the server sent.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const COLORS = ["#2457c5", "#c2410c", "#1e7b34", "#7c3aed", "#b3261e", "#0e7490", "#a16207", "#be185d",
  "#4d7c0f", "#475569", "#9333ea", "#0f766e"];

export interface Line {
  label: string;
  values: (number | null)[];
  scale?: "y" | "y2";
  color?: string;
  band?: { low: (number | null)[]; high: (number | null)[] };
  points?: boolean;
}

export interface ChartSpec {
  x: number[];
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  lines: Line[];
  xNames?: string[];          // a categorical axis: x holds 0..n-1 and these are the tick labels
  logX?: boolean;
  height?: number;
}

const fmt = (value: number | null | undefined, digits = 4): string =>
  value === null || value === undefined || !Number.isFinite(value) ? "–" : Number(value.toPrecision(digits)).toString();

/** Draw `spec` into `target` (replacing what it held); the chart follows the target's width. */
export function lineChart(target: HTMLElement, spec: ChartSpec): uPlot {
  target.replaceChildren();
  target.classList.add("chart");
  const series: uPlot.Series[] = [{ label: spec.xLabel, value: (_u, v) => (spec.xNames ? spec.xNames[v] ?? "" : fmt(v, 5)) }];
  const data: (number | null)[][] = [spec.x];
  const bands: uPlot.Band[] = [];
  spec.lines.forEach((line, i) => {
    const color = line.color ?? COLORS[i % COLORS.length];
    const scale = line.scale ?? "y";
    series.push({ label: line.label, stroke: color, width: 2, scale, spanGaps: true,
      points: { show: line.points ?? spec.x.length < 40 }, value: (_u, v) => fmt(v) });
    data.push(line.values);
    if (line.band) {
      const at = data.length;
      for (const [which, values] of [["95% high", line.band.high], ["95% low", line.band.low]] as const) {
        series.push({ label: `${line.label} ${which}`, stroke: color + "55", width: 1, scale, spanGaps: true,
          points: { show: false }, value: (_u, v) => fmt(v) });
        data.push(values);
      }
      bands.push({ series: [at, at + 1], fill: color + "22" });
    }
  });
  const axes: uPlot.Axis[] = [
    { label: spec.xLabel, ...(spec.xNames ? { splits: () => spec.xNames!.map((_, i) => i),
      values: (_u: uPlot, ticks: number[]) => ticks.map((t) => spec.xNames![t] ?? "") } : {}) },
    { label: spec.yLabel, scale: "y", size: 60 },
  ];
  if (spec.y2Label) axes.push({ label: spec.y2Label, scale: "y2", side: 1, size: 70, grid: { show: false } });
  const width = () => Math.max(320, Math.min(target.clientWidth || 900, 1100));
  const chart = new uPlot({
    width: width(), height: spec.height ?? 340, series, axes, bands,
    scales: { x: { time: false, ...(spec.logX ? { distr: 3 } : {}),
      ...(spec.xNames ? { range: [-0.5, spec.xNames.length - 0.5] as uPlot.Range.MinMax } : {}) } },
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
  }, data as uPlot.AlignedData, target);
  const observer = new ResizeObserver(() => {
    if (!target.isConnected) return observer.disconnect();
    if (Math.abs(chart.width - width()) > 4) chart.setSize({ width: width(), height: chart.height });
  });
  observer.observe(target);
  return chart;
}

export interface BandPoint { x: number | string | boolean | null; n: number | null; mean: number | null; low: number | null; high: number | null }
export interface BandLine { group: string | null; points: BandPoint[] }

/** A parameter-against-metric chart from server-computed bands: a line per group, its 95% band shaded. */
export function bandChart(target: HTMLElement, lines: BandLine[], xLabel: string, yLabel: string, groupLabel = ""): uPlot {
  const values = Array.from(new Set(lines.flatMap((line) => line.points.map((p) => p.x))));
  const numeric = values.every((v) => typeof v === "number");
  values.sort((a, b) => (numeric ? (a as number) - (b as number) : String(a).localeCompare(String(b))));
  const x = numeric ? (values as number[]) : values.map((_, i) => i);
  const at = (line: BandLine, key: "mean" | "low" | "high") =>
    values.map((v) => line.points.find((p) => p.x === v)?.[key] ?? null);
  const positive = numeric && x.every((v) => v > 0);
  return lineChart(target, {
    x, xLabel, yLabel, xNames: numeric ? undefined : values.map(String),
    logX: positive && Math.max(...x) / Math.min(...x) >= 100,     // a sweep over decades (deposits, waits)
    lines: lines.map((line) => ({ label: line.group === null ? yLabel : groupLabel ? `${groupLabel}=${line.group}` : line.group,
      values: at(line, "mean"), points: true,
      band: { low: at(line, "low"), high: at(line, "high") } })),
  });
}
