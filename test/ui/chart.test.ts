import { describe, expect, it } from "vitest";
import { placeLabels } from "../../ui/pattern-dashboard/chart";
import { SeededRandom } from "../../src/testing/simulation/random";

/** A label's span on the chart, as placeLabels places it (5.6 px a character). */
function span(x: number, anchor: "start" | "end", text: string): [number, number] {
  const w = text.length * 5.6;
  return anchor === "start" ? [x, x + w] : [x - w, x];
}

describe("the accuracy chart's mark labels", () => {
  it("never overlap and never leave the chart, however close the version switches (random charts)", () => {
    const random = new SeededRandom(5);
    for (let chart = 0; chart < 500; chart++) {
      const width = 240 + random.int(1200);
      const count = 1 + random.int(40);
      const xs = Array.from({ length: count }, () => 34 + random.next() * (width - 42));
      const texts = xs.map((_, i) => `v${String(i + 1).padStart(4, "0")}`);
      const placed = placeLabels(xs, texts, width);
      const byRow = new Map<number, Array<[number, number]>>();
      placed.forEach((label, i) => {
        if (!label) return;
        const [left, right] = span(label.x, label.anchor, texts[i] as string);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(right).toBeLessThanOrEqual(width - 8 + 1e-9);
        const row = byRow.get(label.row) ?? [];
        for (const [l, r] of row) expect(right < l || left > r).toBe(true);
        row.push([left, right]);
        byRow.set(label.row, row);
      });
    }
  });

  it("labels every switch when there is room, and the last one left of its line at the right edge", () => {
    const placed = placeLabels([50, 150, 250, 355], ["v0001", "v0002", "v0003", "v0004"], 360);
    expect(placed.every((label) => label !== null)).toBe(true);
    expect(placed[3]).toMatchObject({ anchor: "end" });
    // Ten switches within a few answers: two rows, the rest left out rather than drawn over each other.
    const crowded = placeLabels(
      Array.from({ length: 10 }, (_, i) => 100 + i),
      Array.from({ length: 10 }, (_, i) => `v00${10 + i}`),
      360,
    );
    expect(crowded.filter((label) => label !== null)).toHaveLength(2);
  });
});
