// The accuracy chart: the model's recent accuracy over the answered feedback, as an inline SVG
// that scales with its box (no chart library: the page stays light on a phone), with a dashed
// line where the live version switched and an orange one where the drift detector fired.
import { h, type VNode } from "vue";
import type { FeedView } from "../../src/model/dashboard-feed";
import { percentOfShare, when } from "./format";

const WIDTH = 360;
const HEIGHT = 170;
const PAD = { left: 34, right: 8, top: 18, bottom: 24 };

/** The chart, or a line saying why there is none yet. */
export function accuracyChart(feed: FeedView): VNode {
  const { points, marks } = feed.accuracy;
  if (points.length < 2) {
    return h(
      "p",
      { class: "pq-muted" },
      `The chart fills as the household answers (following since ${when(feed.since)}).`,
    );
  }
  const first = points[0]!.samples;
  const last = points.at(-1)!.samples;
  const lowest = Math.min(...points.map((p) => p.accuracy));
  const yMin = Math.max(0, Math.min(0.5, Math.floor(lowest * 10) / 10));
  const x = (samples: number) =>
    PAD.left + ((samples - first) / Math.max(1, last - first)) * (WIDTH - PAD.left - PAD.right);
  const y = (share: number) => PAD.top + ((1 - share) / (1 - yMin)) * (HEIGHT - PAD.top - PAD.bottom);
  const line = points.map((p) => `${x(p.samples).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(" ");
  const ticks = [yMin, (yMin + 1) / 2, 1];
  const shown = marks.filter((m) => m.samples >= first && m.samples <= last);
  const latest = points.at(-1)!;
  const summary =
    `Recent accuracy ${percentOfShare(latest.accuracy)} after ${latest.samples} answers; ` +
    `${shown.filter((m) => m.kind === "version").length} version switches and ` +
    `${shown.filter((m) => m.kind === "drift").length} drifts marked.`;
  return h("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": summary, class: "pq-chart-svg" }, [
    h("title", summary),
    ...ticks.flatMap((tick) => [
      h("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: "pq-grid" }),
      h(
        "text",
        { x: PAD.left - 4, y: y(tick) + 4, "text-anchor": "end", class: "pq-axis" },
        `${Math.round(tick * 100)}%`,
      ),
    ]),
    h("text", { x: PAD.left, y: HEIGHT - 6, class: "pq-axis" }, String(first)),
    h("text", { x: WIDTH - PAD.right, y: HEIGHT - 6, "text-anchor": "end", class: "pq-axis" }, `${last} answers`),
    ...shown.map((mark) =>
      h("g", { class: mark.kind === "drift" ? "pq-mark-drift" : "pq-mark-version" }, [
        h("line", { x1: x(mark.samples), x2: x(mark.samples), y1: PAD.top - 4, y2: HEIGHT - PAD.bottom }),
        h(
          "text",
          { x: x(mark.samples) + 2, y: mark.kind === "drift" ? HEIGHT - PAD.bottom - 4 : PAD.top - 6 },
          mark.kind === "drift" ? "drift" : mark.label,
        ),
      ]),
    ),
    h("polyline", { points: line, class: "pq-line" }),
  ]);
}
