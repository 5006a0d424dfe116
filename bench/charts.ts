/**
 * Line charts as plain SVG text, so the benchmark report needs no chart library and renders on
 * GitHub and in any browser.
 */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  /** Fixed y range; by default the data's range. */
  yMin?: number;
  yMax?: number;
  /** Vertical dashed lines, e.g. where a concept changes. */
  markers?: Array<{ x: number; label: string }>;
  width?: number;
  height?: number;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const MARGIN = { left: 64, right: 170, top: 36, bottom: 48 };

/** An SVG line chart; series with no finite points are listed in the legend as "(none)". */
export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 720;
  const height = chart.height ?? 360;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const usable = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && (!chart.logX || x > 0) && (!chart.logY || y > 0);
  const all = chart.series.flatMap((s) => s.points.filter(([x, y]) => usable(x, y)));
  const tx = chart.logX ? Math.log10 : (v: number) => v;
  const ty = chart.logY ? Math.log10 : (v: number) => v;
  let [x0, x1] = extent(all.map(([x]) => tx(x)));
  let [y0, y1] = extent(all.map(([, y]) => ty(y)));
  if (chart.yMin !== undefined) y0 = ty(chart.yMin);
  if (chart.yMax !== undefined) y1 = ty(chart.yMax);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number) => MARGIN.left + ((tx(x) - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((ty(y) - y0) / (y1 - y0)) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const v of ticks(x0, x1, chart.logX)) {
    const x = MARGIN.left + ((v - x0) / (x1 - x0)) * plotW;
    parts.push(`<line x1="${f(x)}" y1="${MARGIN.top}" x2="${f(x)}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${f(x)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${label(v, chart.logX)}</text>`);
  }
  for (const v of ticks(y0, y1, chart.logY)) {
    const y = MARGIN.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
    parts.push(`<line x1="${MARGIN.left}" y1="${f(y)}" x2="${MARGIN.left + plotW}" y2="${f(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${f(y + 4)}" text-anchor="end">${label(v, chart.logY)}</text>`);
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${escapeXml(chart.yLabel)}</text>`,
  );
  for (const marker of chart.markers ?? []) {
    if (!usable(marker.x, 1)) continue;
    const x = px(marker.x);
    parts.push(
      `<line x1="${f(x)}" y1="${MARGIN.top}" x2="${f(x)}" y2="${MARGIN.top + plotH}" stroke="#777" stroke-dasharray="4 3"/>`,
    );
    parts.push(`<text x="${f(x + 3)}" y="${MARGIN.top + 12}" fill="#555">${escapeXml(marker.label)}</text>`);
  }
  chart.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const points = series.points.filter(([x, y]) => usable(x, y));
    if (points.length > 1) {
      const path = points
        .map(([x, y]) => `${f(px(x))},${f(py(Math.min(Math.max(y, chart.yMin ?? y), chart.yMax ?? y)))}`)
        .join(" ");
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${path}"/>`);
    }
    if (points.length <= 12) {
      for (const [x, y] of points) parts.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3" fill="${colour}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(
      `<line x1="${width - MARGIN.right + 12}" y1="${ly}" x2="${width - MARGIN.right + 32}" y2="${ly}" stroke="${colour}" stroke-width="2.5"/>`,
    );
    parts.push(
      `<text x="${width - MARGIN.right + 36}" y="${ly + 4}">${escapeXml(series.name)}${points.length === 0 ? " (none)" : ""}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function extent(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  return [Math.min(...values), Math.max(...values)];
}

/** Tick positions in transformed units: powers of ten on a log axis, round steps otherwise. */
function ticks(lo: number, hi: number, log?: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) out.push(e);
    return out.length > 0 ? out : [lo, hi];
  }
  const raw = (hi - lo) / 5;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? 10 * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(v);
  return out;
}

function label(v: number, log?: boolean): string {
  const value = log ? 10 ** v : v;
  if (Math.abs(value) >= 1000) return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return String(Number(value.toPrecision(3)));
}

function f(v: number): string {
  return v.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
