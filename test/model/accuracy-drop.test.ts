import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Label } from "../../src/feedback/feedback";
import { type Alert, PatternModel } from "../../src/model/pattern-model";
import { hyperplaneStream } from "../../src/testing/simulation/hyperplane";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** Feeds a stationary hyperplane stream (no drift) in batches of 10, labels flipped from `flipFrom` on. */
async function feed(samples: number, flipFrom = Number.POSITIVE_INFINITY): Promise<Alert[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pq-accuracy-drop-"));
  dirs.push(dir);
  const stream = hyperplaneStream({ samples, seed: 4, magnitude: 0, features: 5 });
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: [...stream.schema.names] },
    forest: { trees: 20, maxDepth: 6, seed: 2 },
    alerts: { updateBudgetMs: 60_000 },
  });
  const alerts: Alert[] = [];
  model.on("alert", (alert: Alert) => alerts.push(alert));
  try {
    for (let start = 0; start < samples; start += 10) {
      const batch = [];
      for (let i = start; i < Math.min(samples, start + 10); i++) {
        const x = stream.X[i] as Float64Array;
        const label = (i >= flipFrom ? 1 - (stream.y[i] as number) : stream.y[i]) as Label;
        batch.push({
          id: `f${i}`,
          patternId: `p${i}`,
          label,
          features: Object.fromEntries(stream.schema.names.map((n, j) => [n, x[j] as number])),
        });
      }
      await model.addFeedback(batch);
      await model.settled();
    }
  } finally {
    await model.close();
  }
  return alerts;
}

describe("the accuracy-drop alert", () => {
  it("stays quiet over 5,000 answers of a stationary stream, promotions included", async () => {
    const alerts = await feed(5000);
    expect(alerts.filter((a) => a.type === "accuracy-drop")).toEqual([]);
  }, 120_000);

  it("is raised once when the answers really change", async () => {
    const alerts = await feed(1600, 1000);
    expect(alerts.filter((a) => a.type === "accuracy-drop")).toHaveLength(1);
  }, 120_000);
});
