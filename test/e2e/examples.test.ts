// The example flows, imported as a user would, into the real red.js with this package's build.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, startNodeRed, type RunningNodeRed } from "../support/node-red";
import { eventually } from "../support/eventually";

const require = createRequire(import.meta.url);

const examples = ["learn-and-score.json", "full-loop.json", "dashboard.json"].map((file) => ({
  file,
  flows: JSON.parse(readFileSync(path.join(packageRoot, "examples", file), "utf8")) as Array<Record<string, any>>,
}));

async function get(red: RunningNodeRed, route: string): Promise<any> {
  const res = await fetch(`${red.url}${route}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const built = existsSync(path.join(packageRoot, "dist", "nodes", "pattern-model", "pattern-model.js"));

describe.skipIf(!built && !process.env.CI)("example flows in red.js (skipped before `npm run build`)", () => {
  let red: RunningNodeRed;
  const model = (file: string) => examples.find((e) => e.file === file)!.flows.find((n) => n.type === "pattern-model")!;

  beforeAll(async () => {
    const userDir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-examples-"));
    red = await startNodeRed({
      flows: examples.flatMap((e) => e.flows),
      userDir,
      // Dashboard 2 for the dashboard example, also when NODE_RED_PATH names a Node-RED without it.
      nodesDir: [packageRoot, path.dirname(require.resolve("@flowfuse/node-red-dashboard/package.json"))],
    });
  }, 120_000);

  afterAll(async () => {
    await red?.stop();
    if (red) await fs.rm(red.userDir, { recursive: true, force: true });
  });

  it("every example has a comment node explaining it", () => {
    for (const { flows } of examples) {
      const comment = flows.find((n) => n.type === "comment");
      expect(comment?.info?.length ?? 0).toBeGreaterThan(200);
    }
  });

  it("run on the Node-RED NODE_RED_PATH names (the Node-RED 5 leg), else the installed one", () => {
    const packageJson = process.env.NODE_RED_PATH
      ? path.join(process.env.NODE_RED_PATH, "package.json")
      : require.resolve("node-red/package.json");
    const version = JSON.parse(readFileSync(packageJson, "utf8")).version as string;
    expect(red.output()).toContain(`Node-RED version: v${version}`);
  });

  it("load with every node type known", () => {
    expect(red.output()).not.toMatch(/missing types|Waiting for missing/i);
    expect(red.output()).not.toMatch(/\[error\]/);
  });

  it("learn-and-score: the household-decides button trains versions that then score patterns", async () => {
    const flows = examples[0].flows;
    const decide = flows.find((n) => n.name === "household decides")!;
    const id = model("learn-and-score.json").id;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${red.url}/inject/${decide.id}`, { method: "POST" });
      expect(res.status).toBe(200);
      await eventually("the decisions stored", async () => {
        const metrics = await get(red, `/pattern-quality/${id}/metrics`);
        return metrics.feedbackCount >= (i + 1) * 30 ? metrics : undefined;
      });
    }
    const versions = await eventually("a version", async () => {
      const body = await get(red, `/pattern-quality/${id}/versions`);
      return body.activeVersion ? body : undefined;
    });
    expect(versions.versions.length).toBeGreaterThanOrEqual(1);
  });

  it("full-loop: suggestions are scored, asked about, answered and learned on their own", async () => {
    const id = model("full-loop.json").id;
    const metrics = await eventually("answers learned through the pattern cache", async () => {
      const body = await get(red, `/pattern-quality/${id}/metrics`);
      return body.feedbackCount >= 3 ? body : undefined;
    });
    // Answers carry the pattern id only; the features come from scoring, so nothing stays parked.
    expect(metrics.parkedCount).toBe(0);
  });

  it("dashboard: its simulated household makes the first version by itself, soon after deploy", async () => {
    const id = model("dashboard.json").id;
    // One answer a second; a young model retrains each time its feedback doubles: the first version
    // after its first 10 answers (minSamples), ~10 s after deploy.
    const versions = await eventually(
      "the dashboard model's first version",
      async () => {
        const body = await get(red, `/pattern-quality/${id}/versions`);
        return body.activeVersion ? body : undefined;
      },
      60_000,
    );
    expect(versions.versions.length).toBeGreaterThanOrEqual(1);
    const metrics = await get(red, `/pattern-quality/${id}/metrics`);
    expect(metrics.feedbackCount).toBeGreaterThanOrEqual(10);
    // The widget keeps the page's picture of the model in Dashboard 2's store, for pages that open.
    const widget = examples
      .find((e) => e.file === "dashboard.json")!
      .flows.find((n) => n.type === "pattern-dashboard")!;
    expect(widget.model).toBe(id);
    const stored = await eventually("the widget's snapshot with the first version", async () => {
      // Empty (not JSON) until the widget has published.
      const body = await get(red, `/dashboard/_debug/datastore/${widget.id}`).catch(() => undefined);
      return body?.payload?.model?.activeVersion ? body.payload : undefined;
    });
    expect(stored.problem).toBeNull();
    expect(stored.versions.map((row: { id: string }) => row.id)).toContain(stored.model.activeVersion);
    expect(red.output()).not.toMatch(/\[error\]/);
  }, 90_000);

  it("dashboard: the widget's bundle is served, and the page finds it relative to its own scripts", async () => {
    const bundle = await fetch(`${red.url}/resources/node-red-contrib-pattern-quality/pattern-dashboard.umd.js`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain("PatternDashboard");
    // Relative, so that a proxy's path prefix (Home Assistant's ingress) is kept: /dashboard/assets/ → /.
    const setup = await get(red, "/dashboard/_setup");
    expect(setup.RED.httpAdminRoot).toBe("../..");
  });

  it("each example has its own model: a distinct name and store directory", () => {
    const files = readdirSync(path.join(packageRoot, "examples")).filter((file) => file.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const models = files.map(
      (file) =>
        (JSON.parse(readFileSync(path.join(packageRoot, "examples", file), "utf8")) as Array<Record<string, any>>).find(
          (n) => n.type === "pattern-model",
        )!,
    );
    expect(new Set(models.map((m) => m.name)).size).toBe(models.length);
    expect(new Set(models.map((m) => m.storeDir)).size).toBe(models.length);
    for (const m of models) expect(m.storeDir, m.name).toMatch(/\S/);
  });

  it("the editor gets every node's form, help and icon, with no load error", async () => {
    const list = await (await fetch(`${red.url}/nodes`, { headers: { accept: "application/json" } })).json();
    const ours = list.filter((set: { module: string }) => set.module === "node-red-contrib-pattern-quality");
    const types = ours.flatMap((set: { types: string[] }) => set.types);
    expect(types).toEqual(
      expect.arrayContaining([
        "pattern-model",
        "feedback-collector",
        "incremental-update",
        "model-version",
        "pattern-score",
        "pattern-dashboard",
      ]),
    );
    for (const set of ours) expect(set.err ?? null).toBeNull();

    const html = await (await fetch(`${red.url}/nodes`, { headers: { accept: "text/html" } })).text();
    for (const type of [
      "pattern-model",
      "feedback-collector",
      "incremental-update",
      "model-version",
      "pattern-score",
      "pattern-dashboard",
    ]) {
      expect(html).toContain(`data-template-name="${type}"`);
      expect(html).toMatch(new RegExp(`data-help-name="${type}"[\\s\\S]*?<h3>Details</h3>`));
    }
    for (const icon of ["pattern-feedback.svg", "pattern-score.svg", "pattern-update.svg", "pattern-versions.svg"]) {
      const res = await fetch(`${red.url}/icons/node-red-contrib-pattern-quality/${icon}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<svg");
    }
    const locale = await (
      await fetch(`${red.url}/locales/node-red-contrib-pattern-quality/pattern-model?lng=en-US`)
    ).json();
    expect(locale["pattern-model"].label.updateThreshold).toBe("Update after");
  });
});
