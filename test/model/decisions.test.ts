import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOG_FILE } from "../../src/feedback/log";
import { DECISIONS_KEPT, DECISIONS_LISTED } from "../../src/model/decisions";
import { PatternModel, type PatternModelSettings } from "../../src/model/pattern-model";
import { eventually } from "../support/eventually";
import { fieldOf } from "../support/invalid-input";

const models: PatternModel[] = [];
const dirs: string[] = [];

async function storeDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "decisions-"));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, settings: Partial<PatternModelSettings> = {}): Promise<PatternModel> {
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: ["a", "b"] },
    forest: { trees: 6, maxDepth: 3, seed: 1, bins: 16 },
    autoUpdate: false,
    ...settings,
  });
  models.push(model);
  return model;
}

afterEach(async () => {
  for (const model of models.splice(0)) await model.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** A decision by `user` (none when undefined) on pattern `patternId`, at minute `minute` of a day. */
function decision(patternId: string, label: "approve" | "reject", user: string | undefined, minute: number) {
  const receivedAt = new Date(Date.UTC(2026, 10, 1, 18, minute)).toISOString();
  return { patternId, label, features: { a: minute, b: 1 }, receivedAt, ...(user && { user }) };
}

describe("who decided", () => {
  it("lists the latest decisions newest first, with who made them and their name when known", async () => {
    const model = await open(await storeDir());
    await model.addFeedback([decision("p1", "approve", "user-anna", 1), decision("p2", "reject", "ben", 2)]);
    await model.addFeedback([decision("p3", "reject", undefined, 3)], { source: "ha:pattern_feedback" });
    const { recent } = model.decisions({ names: new Map([["user-anna", "Anna"]]) });
    expect(recent.map((d) => [d.patternId, d.label, d.user, d.name])).toEqual([
      ["p3", "reject", null, null],
      ["p2", "reject", "ben", null],
      ["p1", "approve", "user-anna", "Anna"],
    ]);
    expect(recent[0]).toMatchObject({ seq: 3, source: "ha:pattern_feedback", decidedAt: "2026-11-01T18:03:00.000Z" });
    expect(recent[2]!.lastScore).toBeNull();
  });

  it("counts each person's approvals and rejections, most decisions first, nobody's apart", async () => {
    const model = await open(await storeDir());
    await model.addFeedback([
      decision("p1", "approve", "user-anna", 1),
      decision("p2", "reject", "user-anna", 2),
      decision("p3", "approve", "user-anna", 5),
      decision("p4", "reject", "user-ben", 4),
      decision("p5", "approve", undefined, 3),
    ]);
    const { people } = model.decisions({ names: new Map([["user-ben", "Ben"]]) });
    expect(people).toEqual([
      { user: "user-anna", name: null, approved: 2, rejected: 1, lastDecidedAt: "2026-11-01T18:05:00.000Z" },
      { user: "user-ben", name: "Ben", approved: 0, rejected: 1, lastDecidedAt: "2026-11-01T18:04:00.000Z" },
      { user: null, name: null, approved: 1, rejected: 0, lastDecidedAt: "2026-11-01T18:03:00.000Z" },
    ]);
  });

  it("follows the log as feedback arrives, reading only what is new", async () => {
    const model = await open(await storeDir());
    await model.addFeedback([decision("p1", "approve", "anna", 1)]);
    expect(model.decisions().people).toMatchObject([{ user: "anna", approved: 1 }]);
    await model.addFeedback([decision("p2", "approve", "anna", 2), decision("p3", "reject", "carla", 3)]);
    const view = model.decisions();
    expect(view.people.map((p) => [p.user, p.approved, p.rejected])).toEqual([
      ["anna", 2, 0],
      ["carla", 0, 1],
    ]);
    expect(view.recent.map((d) => d.patternId)).toEqual(["p3", "p2", "p1"]);
  });

  it("gives each decision its pattern's last score, reasons included", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(
      Array.from({ length: 40 }, (_, i) => decision(`h${i}`, i % 2 ? "approve" : "reject", "a", i)),
    );
    await model.update("full", "test");
    model.score({ patternId: "evening", features: { a: 1, b: 1 } });
    const last = model.score({ patternId: "evening", features: { a: 30, b: 1 } }, "payload", { reasons: 2 });
    await model.addFeedback([{ patternId: "evening", label: "approve", user: "user-anna" }]);
    const [latest] = model.decisions({ names: new Map([["user-anna", "Anna"]]) }).recent;
    expect(latest).toMatchObject({ patternId: "evening", user: "user-anna", name: "Anna" });
    expect(latest!.lastScore).toMatchObject({ ...last, scoredAt: expect.any(String) });
    expect(latest!.lastScore!.reasons).toEqual(last.reasons);
  });

  it("lists the patterns scored lately, newest first, with their decision once there is one", async () => {
    const model = await open(await storeDir());
    model.score({ patternId: "hall", features: { a: 1, b: 2 } });
    model.score({ patternId: "porch", features: { a: 2, b: 2 } });
    // Scoring without an id cannot be matched to a decision: not listed.
    model.score({ a: 3, b: 3 });
    model.score({ patternId: "hall", features: { a: 1, b: 3 } });
    await model.addFeedback([{ patternId: "porch", label: "reject", user: "ben" }]);
    const { scored } = model.decisions({ names: new Map([["ben", "Ben Okafor"]]) });
    expect(scored.map((s) => [s.patternId, s.score, s.decision?.label ?? null, s.decision?.name ?? null])).toEqual([
      ["hall", 0.5, null, null],
      ["porch", 0.5, "reject", "Ben Okafor"],
    ]);
  });

  it("lists `limit` decisions (20 by default) and refuses a bad limit or names, naming them", async () => {
    const model = await open(await storeDir());
    await model.addFeedback(Array.from({ length: 30 }, (_, i) => decision(`p${i}`, "approve", "anna", i)));
    expect(model.decisions().recent).toHaveLength(DECISIONS_LISTED);
    expect(model.decisions({ limit: 5 }).recent.map((d) => d.patternId)).toEqual(["p29", "p28", "p27", "p26", "p25"]);
    expect(model.decisions({ limit: 5 }).people).toMatchObject([{ user: "anna", approved: 30 }]);
    for (const limit of [0, 2.5, DECISIONS_KEPT + 1, "5"]) {
      expect(fieldOf(() => model.decisions({ limit } as never))).toBe("options.limit");
    }
    expect(fieldOf(() => model.decisions({ names: { anna: "Anna" } } as never))).toBe("options.names");
    expect(fieldOf(() => model.decisions(null as never))).toBe("options");
  });

  it("keeps counting the whole log when more decisions arrive than it keeps at hand", async () => {
    const model = await open(await storeDir());
    const total = 2 * DECISIONS_KEPT + 50;
    for (let start = 0; start < total; start += 500) {
      const count = Math.min(500, total - start);
      await model.addFeedback(
        Array.from({ length: count }, (_, i) => decision(`p${start + i}`, "approve", "anna", (start + i) % 60)),
      );
      model.decisions();
    }
    const view = model.decisions({ limit: DECISIONS_KEPT });
    expect(view.people).toMatchObject([{ user: "anna", approved: total }]);
    expect(view.recent).toHaveLength(DECISIONS_KEPT);
    expect(view.recent[0]!.patternId).toBe(`p${total - 1}`);
  });

  it("counts what the log holds after a compaction dropped the oldest decisions", async () => {
    const model = await open(await storeDir(), { retention: { feedback: 10 } });
    await model.addFeedback(Array.from({ length: 8 }, (_, i) => decision(`old${i}`, "reject", "ben", i)));
    expect(model.decisions().people).toMatchObject([{ user: "ben", rejected: 8 }]);
    await model.addFeedback(Array.from({ length: 6 }, (_, i) => decision(`new${i}`, "approve", "anna", 10 + i)));
    // Past the retention and its slack, the log drops its oldest records in the background.
    await eventually("the compaction", async () => (model.metrics().feedbackCount === 10 ? true : undefined), 10_000);
    const counts = Object.fromEntries(model.decisions().people.map((p) => [p.user, p.approved + p.rejected]));
    expect(counts).toEqual({ anna: 6, ben: 4 });
  });

  it("reads the decisions again after a restart, without changing the log", async () => {
    const dir = await storeDir();
    const first = await open(dir);
    await first.addFeedback([decision("p1", "approve", "user-anna", 1), decision("p2", "reject", "user-ben", 2)]);
    await first.close();
    const file = path.join(dir, LOG_FILE);
    const before = await fs.readFile(file);
    const model = await open(dir);
    const view = model.decisions();
    expect(view.recent.map((d) => [d.patternId, d.user])).toEqual([
      ["p2", "user-ben"],
      ["p1", "user-anna"],
    ]);
    expect(view.people).toHaveLength(2);
    expect((await fs.readFile(file)).equals(before)).toBe(true);
  });

  it("refuses to read a closed model", async () => {
    const model = await open(await storeDir());
    await model.close();
    expect(() => model.decisions()).toThrow(/closed/);
  });
});
