// The model's accuracy over time on its manifest's test set: the server's measurements (at most a
// bounded number of blocks, each cached with the test set's hash), drawn with uPlot.
import uPlot from "uplot";
import { WHOLE } from "./history_chart";

export interface AccuracyPoint { block: number; accuracy: number; correct: number; rows: number; time_utc: string }

/** Accuracy (in %) against block, stepped: the model changes only at the blocks measured (where an
 * addition changed it), unless more of them were thinned out. Null when there is nothing to draw. */
export function accuracyChart(points: AccuracyPoint[], width: number): HTMLElement | null {
  if (!points.length) return null;
  const box = document.createElement("div");
  box.id = "accuracy-chart";
  new uPlot({
    width,
    height: 200,
    scales: { x: { time: false }, y: { range: (_u, low, high) => [Math.max(0, Math.floor(low / 5) * 5 - 5), Math.min(100, Math.ceil(high / 5) * 5 + 5)] } },
    axes: [{ label: "block", incrs: WHOLE }, { label: "accuracy (%)" }],
    series: [{ label: "block" }, {
      label: "accuracy on the test set (%)", stroke: "#6a1b9a", width: 2,
      points: { show: true, size: 6 }, paths: uPlot.paths.stepped!({ align: 1 }), value: (_u, v) => (v == null ? "" : `${v.toFixed(1)} %`),
    }],
  }, [points.map((p) => p.block), points.map((p) => (100 * p.correct) / Math.max(1, p.rows))], box);
  return box;
}
