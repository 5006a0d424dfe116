// The accuracy chart: the model's recent accuracy over the answered feedback, as an inline SVG
// that scales with its box (no chart library: the page stays light on a phone), with a dashed
// line where the live version switched and an orange one where the drift detector fired.
import { h, type VNode } from "vue";
import type { FeedView } from "../../src/model/dashboard-feed";
import { percentOfShare, when } from "./format";

const HEIGHT = 190;
const PAD = { left: 34, right: 8, top: 28, bottom: 34 };
/** Width of a character of the 9 px mark labels, a little generous: labels never touch. */
const CHAR = 5.6;
/** Rows of mark labels above the plot (versions) and below it (drifts); a label that fits in none is left out. */
const LABEL_ROWS = 2;

/** One mark's label, placed: where it starts, which way it runs, in which row. */
interface PlacedLabel {
  x: number;
  anchor: "start" | "end";
  row: number;
}

/**
 * Places the marks' labels left to right in rows so that none overlaps another or leaves the
 * chart: a label runs right of its line, or left of it near the right edge; in the first row it
 * fits, else it is left out (its line stays, and the marks are counted in the chart's title).
 */
export function placeLabels(xs: readonly number[], texts: readonly string[], width: number): Array<PlacedLabel | null> {
  const rowEnds = Array.from({ length: LABEL_ROWS }, () => Number.NEGATIVE_INFINITY);
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const placed: Array<PlacedLabel | null> = xs.map(() => null);
  for (const { x, i } of order) {
    const w = (texts[i] as string).length * CHAR;
    const rightward = x + 2 + w <= width - PAD.right;
    const left = rightward ? x + 2 : x - 2 - w;
    const right = rightward ? x + 2 + w : x - 2;
    if (left < 0) continue;
    const row = rowEnds.findIndex((end) => left > end + 4);
    if (row < 0) continue;
    rowEnds[row] = right;
    placed[i] = { x: rightward ? x + 2 : x - 2, anchor: rightward ? "start" : "end", row };
  }
  return placed;
}

/** The chart at the card's width (`width` in px), or a line saying why there is none yet. */
export function accuracyChart(feed: FeedView, width = 360): VNode {
  const WIDTH = Math.max(240, Math.round(width));
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
  const attributes = { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img" };
  return h("svg", { ...attributes, "aria-label": summary, class: "pq-chart-svg" }, [
    h("title", summary),
    ...ticks.flatMap((tick) => [
      h("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: "pq-grid" }),
      h(
        "text",
        { x: PAD.left - 4, y: y(tick) + 4, "text-anchor": "end", class: "pq-axis" },
        `${Math.round(tick * 100)}%`,
      ),
    ]),
    h("text", { x: PAD.left, y: HEIGHT - 4, class: "pq-axis" }, String(first)),
    h("text", { x: WIDTH - PAD.right, y: HEIGHT - 4, "text-anchor": "end", class: "pq-axis" }, `${last} answers`),
    ...marksOf(shown, x, WIDTH, "version"),
    ...marksOf(shown, x, WIDTH, "drift"),
    h("polyline", { points: line, class: "pq-line" }),
  ]);
}

/** The marks of one kind: their lines, and their labels where they fit (versions above the plot, drifts below). */
function marksOf(
  marks: FeedView["accuracy"]["marks"],
  x: (samples: number) => number,
  width: number,
  kind: "version" | "drift",
): VNode[] {
  const own = marks.filter((m) => m.kind === kind);
  const texts = own.map((m) => (kind === "drift" ? "drift" : m.label));
  const labels = placeLabels(
    own.map((m) => x(m.samples)),
    texts,
    width,
  );
  return own.map((mark, i) => {
    const label = labels[i];
    const at = x(mark.samples);
    const y = (row: number) => (kind === "version" ? PAD.top - 6 - row * 11 : HEIGHT - PAD.bottom + 12 + row * 11);
    return h("g", { class: kind === "drift" ? "pq-mark-drift" : "pq-mark-version" }, [
      h("line", { x1: at, x2: at, y1: PAD.top - 2, y2: HEIGHT - PAD.bottom }),
      label ? h("text", { x: label.x, y: y(label.row), "text-anchor": label.anchor }, texts[i]) : null,
    ]);
  });
}
