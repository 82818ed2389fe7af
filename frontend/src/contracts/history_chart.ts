// Contributions over time: the running counts of data added, refunds and reports against the block
// they happened in, drawn with uPlot from the history's events (nothing is recomputed).
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartEvent { event: string; block: number }

const SERIES: [string, string, string][] = [["added", "contributions added", "#2457c5"],
  ["refund", "refunds", "#1e7b34"], ["report", "reports", "#b3261e"]];

export const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7];

/** A chart of the events' running counts, one point per block with events; null when there are none. */
export function historyChart(events: ChartEvent[], width: number): HTMLElement | null {
  if (!events.length) return null;
  const blocks: number[] = [];
  const counts = SERIES.map(() => [] as number[]);
  const running = SERIES.map(() => 0);
  for (const e of events) {
    const i = SERIES.findIndex(([name]) => name === e.event);
    if (i >= 0) running[i] += 1;
    if (blocks[blocks.length - 1] === e.block) counts.forEach((c, j) => { c[c.length - 1] = running[j]; });
    else {
      blocks.push(e.block);
      counts.forEach((c, j) => c.push(running[j]));
    }
  }
  const box = document.createElement("div");
  box.id = "history-chart";
  new uPlot({
    width,
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: "block", incrs: WHOLE }, { label: "count", incrs: WHOLE }],
    series: [{ label: "block" }, ...SERIES.map(([, label, stroke]) => ({
      label, stroke, width: 2, paths: uPlot.paths.stepped!({ align: 1 }),
    }))],
  }, [blocks, ...counts], box);
  return box;
}
