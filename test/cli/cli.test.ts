import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { main, packageRoot } from "../../src/cli";
import { FeatureSchema } from "../../src/features/schema";
import { FeedbackLog } from "../../src/feedback/log";
import { PatternLearner } from "../../src/learning/learner";
import { saveTrials } from "../../src/model/trial-file";
import { VersionRegistry } from "../../src/versions/registry";
import { tempDir } from "../store/temp-dir";

const run = promisify(execFile);
const CLI = path.resolve(__dirname, "../../dist/src/cli.js");

function learnerModel(): unknown {
  return PatternLearner.create(new FeatureSchema(["confidence", "devices"])).toJSON();
}

/** A version's evaluation as a pattern model records it when its trial ends with `outcome`. */
function evaluation(accuracy: number, samples: number, outcome = "judged alone", against: string | null = null) {
  return {
    method: "challenger",
    samples,
    accuracy,
    kappa: 0.5,
    brier: 0.1,
    logLoss: 0.3,
    against,
    againstAccuracy: against ? 0.8 : null,
    differencePoints: against ? (accuracy - 0.8) * 100 : null,
    interval: against ? ([-3, 7] as [number, number]) : null,
    outcome,
    decidedAt: "2026-11-26T10:00:00Z",
  };
}

/** A store with three versions (v0002 active, after v0001) and two feedback records. */
async function sampleStore(): Promise<string> {
  const dir = await tempDir("pq-cli-");
  const registry = await VersionRegistry.open(dir);
  for (let i = 0; i < 3; i += 1) {
    await registry.save({
      model: learnerModel(),
      kind: i === 0 ? "initial" : "incremental",
      trainedOn: { samples: 10 * i, feedbackWatermark: i },
      metrics: { prequentialAccuracy: 0.7 + i / 10 },
      note: `v${i}`,
    });
  }
  await registry.activate("v0001", { reason: "first", by: "test" });
  await registry.activate("v0002", { reason: "better", by: "test" });
  // Each version's own figures, as a pattern model records them (its trial, and while active).
  await registry.recordFigures("v0001", { evaluation: evaluation(0.7, 50) });
  await registry.recordFigures("v0003", { evaluation: evaluation(0.9, 40) });
  const at = "2026-11-26T10:00:00Z";
  await registry.recordFigures("v0002", {
    live: { samples: 12, correct: 9, accuracy: 0.75, firstActiveAt: at, lastActiveAt: at, throughSeq: 2 },
  });
  await registry.close();
  const log = await FeedbackLog.open(dir);
  await log.append([
    {
      id: "a",
      patternId: "p1",
      label: 1,
      features: { confidence: 1, devices: 2 },
      source: "flow",
      receivedAt: "2026-11-26T10:00:00Z",
    },
    { id: "b", patternId: "p2", label: 0, source: "ha:pattern_feedback", receivedAt: "2026-11-26T11:00:00Z" },
  ]);
  await log.close();
  return dir;
}

const GUARDRAIL_NOTE =
  "auto-update; to be judged beside v0002 on 300 new feedback (sooner when the difference is clear)";

/**
 * A store whose versions have every kind of verdict: v0001 judged alone, v0002 better (active),
 * v0003 worse (rejected), v0004 never judged (superseded before any evidence), v0005 on trial
 * beside v0002 and v0006 waiting for that trial to end, as the store's trials file keeps them.
 */
async function judgedStore(): Promise<string> {
  const dir = await tempDir("pq-cli-");
  const registry = await VersionRegistry.open(dir);
  for (let i = 0; i < 6; i += 1) {
    await registry.save({
      model: learnerModel(),
      kind: i === 0 ? "initial" : "incremental",
      trainedOn: { samples: 100 * (i + 1), feedbackWatermark: 100 * (i + 1) },
      metrics: {},
      note: i === 0 ? "the first version" : GUARDRAIL_NOTE,
    });
  }
  await registry.activate("v0002", { reason: "challenger promoted", by: "auto" });
  await registry.recordFigures("v0001", { evaluation: evaluation(0.8, 300) });
  await registry.recordFigures("v0002", { evaluation: evaluation(0.86, 300, "better", "v0001") });
  await registry.recordFigures("v0003", { evaluation: evaluation(0.7, 120, "worse", "v0002") });
  await registry.close();
  const trial = (version: string) => ({ version, against: "v0002", vsActive: [], vsReference: null });
  await saveTrials(dir, { running: trial("v0005"), waiting: trial("v0006"), setAside: [] });
  return dir;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }, env);
  return { code, stdout, stderr };
}

describe("pattern-quality CLI", () => {
  it("lists versions with the active one marked", async () => {
    const store = await sampleStore();
    const { code, stdout } = await cli(["versions", "list", "--store", store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s*\*\s+v0002\s+incremental/m);
    expect(stdout.indexOf("v0003")).toBeLessThan(stdout.indexOf("v0001"));
  });

  it("shows each version's own accuracy: evaluated on its trial, and live while active", async () => {
    const store = await sampleStore();
    const { stdout } = await cli(["versions", "list", "--store", store]);
    expect(stdout).toMatch(/v0001\s+initial\s+\S+ \S+\s+0\s+70\.0 % \(50\)\s+-/);
    expect(stdout).toMatch(/\*\s+v0002\s+incremental\s+\S+ \S+\s+10\s+-\s+75\.0 % \(12\)/);
    expect(stdout).toMatch(/v0003\s+incremental\s+\S+ \S+\s+20\s+90\.0 % \(40\)/);
    const shown = (await cli(["versions", "show", "v0003", "--store", store])).stdout;
    expect(shown).toMatch(/evaluation:\s+90\.0 % on 40 new feedback/);
    expect(shown).toMatch(/live:\s+never active/);
  });

  it("says each version's verdict beneath its row: judged, rejected, never judged, on trial, waiting", async () => {
    const store = await judgedStore();
    const { code, stdout, stderr } = await cli(["versions", "list", "--store", store]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    // Each version's row, then its verdict, under the kind column.
    const verdictOf = (id: string) => stdout.match(new RegExp(`^.*\\b${id}\\b.*\\n\\s+verdict: (.*)$`, "m"))?.[1];
    expect(verdictOf("v0001")).toBe("judged alone");
    expect(verdictOf("v0002")).toBe("better");
    expect(verdictOf("v0003")).toBe("worse");
    expect(verdictOf("v0004")).toBe("never judged");
    expect(verdictOf("v0005")).toBe("on trial");
    expect(verdictOf("v0006")).toBe("waiting for the trial of v0005 to end");
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\s+id\s+kind\s+created\s+samples\s+evaluated\s+live\s+pinned$/);
    const kindColumn = lines[0]!.indexOf("kind");
    for (const line of lines) {
      expect(line.length, line).toBeLessThanOrEqual(100);
      if (/^\s+(verdict|note):/.test(line)) expect(line.indexOf(line.trim()), line).toBe(kindColumn);
    }
    // A note longer than the room wraps, continued under its own text.
    const note = lines.findIndex((line) => line.includes("note:    auto-update;"));
    expect(lines[note + 1]).toMatch(new RegExp(`^ {${kindColumn + "note:    ".length}}\\S`));
    expect(`${lines[note]} ${lines[note + 1]!.trim()}`).toContain(GUARDRAIL_NOTE);
  });

  it("gives each version's verdict as JSON, and in show", async () => {
    const store = await judgedStore();
    const listed = JSON.parse((await cli(["versions", "list", "--json", "--store", store])).stdout);
    expect(
      Object.fromEntries(listed.versions.map((entry: { id: string; verdict: string }) => [entry.id, entry.verdict])),
    ).toEqual({
      v0001: "judged alone",
      v0002: "better",
      v0003: "worse",
      v0004: "never judged",
      v0005: "on trial",
      v0006: "waiting for the trial of v0005 to end",
    });
    expect((await cli(["versions", "show", "v0003", "--store", store])).stdout).toMatch(/^ {2}verdict:\s+worse$/m);
  });

  it("says the active version is live and not judged yet, and warns of a damaged trials file", async () => {
    const store = await sampleStore();
    await writeFile(path.join(store, "trials.json"), "{ not json");
    const { code, stdout, stderr } = await cli(["versions", "list", "--store", store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\bv0002\b.*\n\s+verdict: live, not judged yet$/m);
    expect(stderr).toMatch(/warning: trials\.json is damaged .*versions on trial are not shown as such/);
    // Left for the model to set aside when it starts: the command line only reads.
    expect(await readFile(path.join(store, "trials.json"), "utf8")).toBe("{ not json");
  });

  it("holds automatic activation after a rollback, and resumes it", async () => {
    const store = await sampleStore();
    await cli(["versions", "rollback", "--store", store, "--by", "anna"]);
    const listed = (await cli(["versions", "list", "--store", store])).stdout;
    expect(listed).toMatch(/\*H\s+v0001/);
    expect(listed).toMatch(/held at v0001 by anna/);
    const resumed = await cli(["versions", "resume", "--store", store, "--json"]);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: { version: "v0001", by: "anna" } });
    const again = await cli(["versions", "resume", "--store", store]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing is held/);
  });

  it("lists versions as JSON, filtered, with the store from the environment", async () => {
    const store = await sampleStore();
    const { code, stdout } = await cli(["versions", "list", "--json", "--kind", "incremental", "--limit", "1"], {
      PATTERN_QUALITY_STORE: store,
    });
    expect(code).toBe(0);
    const listed = JSON.parse(stdout);
    expect(listed.activeId).toBe("v0002");
    expect(listed.versions.map((entry: { id: string }) => entry.id)).toEqual(["v0003"]);
  });

  it("lists pinned versions only, and says when there are none", async () => {
    const store = await sampleStore();
    expect((await cli(["versions", "list", "--pinned", "--store", store])).stdout).toBe("no versions\n");
  });

  it("shows one version with its activations", async () => {
    const store = await sampleStore();
    const { code, stdout } = await cli(["versions", "show", "v0002", "--store", store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/v0002 \(active\)/);
    expect(stdout).toMatch(/by test \(better\)/);
    const json = JSON.parse((await cli(["versions", "show", "v0001", "--store", store, "--json"])).stdout);
    expect(json).toMatchObject({ id: "v0001", active: false, kind: "initial" });
  });

  it("rolls back to the previous version and records the reason", async () => {
    const store = await sampleStore();
    const { code, stdout } = await cli([
      "versions",
      "rollback",
      "--store",
      store,
      "--reason",
      "worse today",
      "--by",
      "anna",
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe("active: v0001 (was v0002); automatic activation held (versions resume ends it)\n");
    const registry = await VersionRegistry.open(store, { readOnly: true });
    expect(registry.activations().at(-1)).toMatchObject({ to: "v0001", reason: "worse today", by: "anna" });
    await registry.close();
  });

  it("rolls back to a given version, reporting it as JSON", async () => {
    const store = await sampleStore();
    const { stdout } = await cli(["versions", "rollback", "v0003", "--store", store, "--json"]);
    expect(JSON.parse(stdout)).toMatchObject({
      from: "v0002",
      to: "v0003",
      hold: { version: "v0003", by: expect.any(String) },
    });
  });

  it("pins, unpins and prunes", async () => {
    const store = await sampleStore();
    expect((await cli(["versions", "pin", "v0001", "--store", store])).stdout).toBe("v0001 pinned\n");
    expect((await cli(["versions", "prune", "--retention", "1", "--store", store])).stdout).toBe("nothing to prune\n");
    expect((await cli(["versions", "unpin", "v0001", "--store", store])).stdout).toBe("v0001 unpinned\n");
    expect((await cli(["versions", "prune", "--retention", "1", "--store", store])).stdout).toBe("deleted v0001\n");
  });

  it("exports a version to stdout or a file and imports it into another store", async () => {
    const store = await sampleStore();
    const exported = await cli(["versions", "export", "v0001", "--store", store]);
    expect(JSON.parse(exported.stdout).version.id).toBe("v0001");
    const file = path.join(await tempDir("pq-cli-"), "v0001.json");
    expect((await cli(["versions", "export", "v0001", "--store", store, "--out", file])).stdout).toBe(
      `wrote ${file}\n`,
    );
    const other = await tempDir("pq-cli-");
    const imported = await cli(["versions", "import", file, "--store", other, "--json"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ id: "v0001", kind: "import", importedFrom: { id: "v0001" } });
  });

  it("refuses to import a tampered file with exit code 1 and changes nothing", async () => {
    const store = await sampleStore();
    const file = path.join(await tempDir("pq-cli-"), "x.json");
    await writeFile(
      file,
      (await cli(["versions", "export", "v0001", "--store", store])).stdout.replace(
        '"prequentialAccuracy":0.7',
        '"prequentialAccuracy":0.9',
      ),
    );
    const { code, stderr } = await cli(["versions", "import", file, "--store", store]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/does not match its digest/);
    expect((await cli(["versions", "list", "--json", "--store", store])).stdout).not.toContain("v0004");
  });

  it("refuses to import a file that is not a learner model", async () => {
    const source = await tempDir("pq-cli-");
    const registry = await VersionRegistry.open(source);
    await registry.save({
      model: { not: "a forest" },
      kind: "full",
      trainedOn: { samples: 0, feedbackWatermark: 0 },
      metrics: {},
    });
    const text = await registry.export("v0001");
    await registry.close();
    const file = path.join(source, "export.json");
    await writeFile(file, text);
    const { code, stderr } = await cli(["versions", "import", file, "--store", await tempDir("pq-cli-")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot import/);
  });

  it("prints feedback counts, as text and as JSON", async () => {
    const store = await sampleStore();
    const text = await cli(["feedback", "stats", "--store", store]);
    expect(text.stdout).toMatch(/records:\s+2 \(approved 1, rejected 1\)/);
    expect(text.stdout).toMatch(/without features: 1/);
    const json = JSON.parse((await cli(["feedback", "stats", "--json", "--store", store])).stdout);
    expect(json).toMatchObject({ records: 2, watermark: 2, bySource: { flow: 1, "ha:pattern_feedback": 1 } });
  });

  it("exports the feedback log as JSON lines, from a seq on, to stdout or a file", async () => {
    const store = await sampleStore();
    const all = await cli(["feedback", "export", "--store", store]);
    expect(
      all.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).id),
    ).toEqual(["a", "b"]);
    expect((await cli(["feedback", "export", "--from", "2", "--store", store])).stdout).toContain('"id":"b"');
    const file = path.join(await tempDir("pq-cli-"), "feedback.jsonl");
    await cli(["feedback", "export", "--store", store, "--out", file]);
    expect((await readFile(file, "utf8")).split("\n")).toHaveLength(3);
  });

  it("warns about damage it finds while reading", async () => {
    const store = await sampleStore();
    await writeFile(
      path.join(store, "feedback.jsonl"),
      `${await readFile(path.join(store, "feedback.jsonl"), "utf8")}oops\n`,
    );
    const { code, stderr } = await cli(["feedback", "stats", "--store", store]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: feedback\.jsonl line 3/);
    await writeFile(path.join(store, "versions.json"), "{");
    expect((await cli(["versions", "list", "--store", store])).stderr).toMatch(/warning: versions\.json is damaged/);
  });

  it.each([
    [[], /no command/],
    [["versions", "list"], /no store directory/],
    [["versions", "fly", "--store", "x"], /unknown versions command "fly"/],
    [["feedback", "fly", "--store", "x"], /unknown feedback command/],
    [["nothing", "--store", "x"], /unknown command "nothing"/],
    [["versions", "list", "--bogus"], /Unknown option/],
    [["versions", "show", "--store", "x"], /exactly one version id/],
    [["versions", "rollback", "a", "b", "--store", "/nonexistent"], /one version id or previous/],
    [["versions", "list", "--limit", "many", "--store", "/nonexistent"], /--limit expects a whole number/],
    [["versions", "prune", "--retention", "0", "--store", "/nonexistent"], /--retention expects a whole number ≥ 1/],
  ])("answers %j with usage and exit code 2", async (args, message) => {
    const { code, stderr } = await cli(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage: pattern-quality/);
  });

  it("prints help with exit code 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/versions rollback/);
  });

  it.each([
    [["versions", "show", "v0042"], /there is no version v0042/],
    [["versions", "show", "../../etc"], /expected a version id/],
    [["versions", "list", "--kind", "weekly"], /--kind: expected one of/],
    [["versions", "import", "/nonexistent/file.json"], /cannot read \/nonexistent\/file\.json/],
    [["versions", "export", "v0001", "--out", "/nonexistent/dir/x.json"], /cannot write/],
    [["feedback", "export", "--out", "/nonexistent/dir/x.jsonl"], /cannot write/],
  ])("answers %j with a clear error and exit code 1", async (args, message) => {
    const store = await sampleStore();
    const { code, stderr } = await cli([...(args as string[]), "--store", store]);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it("refuses to change a directory that is not a store", async () => {
    const dir = await tempDir("pq-cli-");
    const { code, stderr } = await cli(["versions", "rollback", "--store", dir]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not a pattern-quality store/);
    expect(existsSync(path.join(dir, "versions.json"))).toBe(false);
  });

  it("reports an error as JSON with its code when --json is given", async () => {
    const store = await sampleStore();
    const { code, stderr } = await cli(["versions", "show", "v0042", "--store", store, "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toEqual({ error: { code: "unknown-version", message: expect.stringMatching(/v0042/) } });
  });

  it("says which directory is missing", async () => {
    for (const group of [
      ["versions", "list"],
      ["feedback", "stats"],
    ]) {
      const { code, stderr } = await cli([...group, "--store", "/nonexistent/store"]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/there is no store directory \/nonexistent\/store/);
    }
  });

  it("refuses a change while another process writes to the store", async () => {
    const store = await sampleStore();
    const writer = await VersionRegistry.open(store);
    const { code, stderr } = await cli(["versions", "pin", "v0001", "--store", store]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`${store}.*already open for writing`));
    expect((await cli(["versions", "list", "--store", store])).code).toBe(0);
    await writer.close();
  });

  it("finds the package root from the sources and from dist", () => {
    const root = packageRoot();
    expect(existsSync(path.join(root, "package.json"))).toBe(true);
    expect(packageRoot(path.join(root, "dist", "src"))).toBe(root);
    expect(() => packageRoot("/")).toThrow(/package root/);
  });
});

describe("pattern-quality CLI, compiled, as a child process", () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  });

  it("lists versions and exits with 0", async () => {
    const store = await sampleStore();
    const { stdout } = await run(process.execPath, [CLI, "versions", "list", "--store", store, "--json"]);
    expect(JSON.parse(stdout).activeId).toBe("v0002");
  });

  it("exits with 2 on a usage error and 1 on an unknown version", async () => {
    const store = await sampleStore();
    await expect(run(process.execPath, [CLI, "versions"])).rejects.toMatchObject({ code: 2 });
    const failure = run(process.execPath, [CLI, "versions", "show", "v0099", "--store", store]);
    await expect(failure).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/no version v0099/) });
  });

  it("rolls back, visible to the next command", async () => {
    const store = await sampleStore();
    await run(process.execPath, [CLI, "versions", "rollback", "previous", "--store", store]);
    const { stdout } = await run(process.execPath, [CLI, "versions", "show", "v0001", "--store", store, "--json"]);
    expect(JSON.parse(stdout).active).toBe(true);
  });

  it("runs the benchmark's help through the bench command", async () => {
    const { stdout } = await run(process.execPath, [CLI, "bench", "--help"]);
    expect(stdout).toMatch(/usage: npm run bench/);
  });

  it("passes a failing benchmark's exit code on as 1", async () => {
    const { code, stderr } = await cli(["bench", "--no-such-flag"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown argument/);
  });
});
