// The dashboard example's charts: its "chart points" function, drawn the way Dashboard 2's ui-chart
// draws a category x-axis (with the ECharts Dashboard 2 depends on). The versions must read left
// to right in order, also after a full retrain between incremental updates.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const echarts = createRequire(require.resolve("@flowfuse/node-red-dashboard/package.json"))("echarts");

interface Point {
  version: string;
  series: string;
  value: number | null;
}

const example = JSON.parse(
  readFileSync(path.join(__dirname, "..", "..", "examples", "dashboard.json"), "utf8"),
) as Array<Record<string, any>>;
const pointsNode = example.find((node) => node.type === "function" && node.name === "chart points")!;
// The function node's code, run as Node-RED runs it: a body that receives msg and returns the outputs.
const chartPoints = new Function("msg", pointsNode.func) as (msg: {
  payload: unknown[];
}) => [{ payload: Point[] }, { payload: Point[] }];

/** A version as model-version's `get` gives it; the first and every fifth are full retrains. */
function version(n: number) {
  const kind = n === 1 || n % 5 === 0 ? "full" : "incremental";
  return {
    id: `v${String(n).padStart(4, "0")}`,
    kind,
    metrics: { updateTimeMs: kind === "full" ? 900 + n : 40 + n },
    // The first version goes live without a trial; the newest has not been live yet.
    evaluation: n === 1 ? null : { accuracy: 0.8 + n / 100 },
    live: n === 11 ? null : { accuracy: 0.75 + n / 100 },
  };
}

/**
 * The x-axis labels, left to right, of a ui-chart fed these points as Dashboard 2 feeds ECharts
 * (ui/src/widgets/ui-chart/UIChart.vue, addToChart): one series per `series`, created when its
 * first point arrives, each point appended as [x, y], and a category axis with no list of its own.
 */
function drawnVersions(points: Point[], type: "bar" | "line"): string[] {
  const series: { name: string; type: string; data: [string, number | null][] }[] = [];
  for (const point of points) {
    let target = series.find((s) => s.name === point.series);
    if (!target) {
      target = { name: point.series, type, data: [] };
      series.push(target);
    }
    const at = target.data.findIndex(([x]) => x === point.version);
    if (at >= 0) target.data[at] = [point.version, point.value];
    else target.data.push([point.version, point.value]);
  }
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 1400, height: 300 });
  try {
    chart.setOption({
      animation: false,
      xAxis: { type: "category", axisLabel: { interval: 0 } },
      yAxis: { type: "value" },
      series,
    });
    const svg: string = chart.renderToSVGString();
    return [...svg.matchAll(/<text[^>]*transform="translate\(([\d.]+) [\d.]+\)"[^>]*>(v\d+)<\/text>/g)]
      .map((match) => ({ x: Number(match[1]), id: match[2]! }))
      .sort((a, b) => a.x - b.x)
      .map((label) => label.id);
  } finally {
    chart.dispose();
  }
}

// model-version's list is newest first; the get replies are joined in that order.
const versions = Array.from({ length: 11 }, (_, i) => version(11 - i));
const inOrder = versions.map((v) => v.id).reverse();

describe("the dashboard example's charts", () => {
  it("draw the update times of incremental updates and full retrains in version order", () => {
    const [, time] = chartPoints({ payload: versions });
    expect(drawnVersions(time.payload, "bar")).toEqual(inOrder);
  });

  it("draw each version's trial and live accuracy in version order, a missing figure as a gap", () => {
    const [accuracy] = chartPoints({ payload: versions });
    expect(drawnVersions(accuracy.payload, "line")).toEqual(inOrder);
    expect(accuracy.payload).toContainEqual({ version: "v0001", series: "trial", value: null });
    expect(accuracy.payload).toContainEqual({ version: "v0011", series: "live", value: null });
    expect(accuracy.payload).toContainEqual({ version: "v0005", series: "live", value: 80 });
  });

  it("order versions by number past v9999", () => {
    const [, time] = chartPoints({
      payload: [
        { ...version(2), id: "v10000" },
        { ...version(3), id: "v9999" },
      ],
    });
    expect(time.payload.map((point) => point.version)).toEqual(["v9999", "v10000"]);
  });
});
