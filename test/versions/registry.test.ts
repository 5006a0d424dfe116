import { appendFile, mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  InvalidInputError,
  ModelFormatError,
  StoreCorruptError,
  StoreLockedError,
  StoreWriteError,
  UnknownVersionError,
  VersionInUseError,
} from "../../src/errors";
import { compareTrees } from "../../src/learning/tree-diff";
import { VersionRegistry, type VersionInput } from "../../src/versions/registry";
import { tempDir } from "../store/temp-dir";

const by = { reason: "test", by: "spec" };

function version(trees: number[] = [1, 2, 3], extra: Partial<VersionInput> = {}): VersionInput {
  return {
    model: { format: "toy", trees: trees.map((t) => ({ split: t })) },
    kind: "incremental",
    trainedOn: { samples: 10, feedbackWatermark: 10 },
    metrics: { accuracy: 0.8, drift: false, kappa: null },
    ...extra,
  };
}

function validateToy(json: unknown): void {
  if ((json as { format?: unknown } | null)?.format !== "toy") throw new Error("not a toy model");
}

async function openWith(dir: string, options = {}) {
  return VersionRegistry.open(dir, { validateModel: validateToy, compareModels: compareTrees, ...options });
}

describe("VersionRegistry: versions", () => {
  it("saves versions with monotonic ids and lists them oldest first", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    const first = await registry.save(version([1], { kind: "initial", note: "first" }));
    const second = await registry.save(version([2], { parentId: first.id }));
    expect([first.id, second.id]).toEqual(["v0001", "v0002"]);
    expect(second).toMatchObject({ parentId: "v0001", kind: "incremental", pinned: false, note: null });
    expect(second.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.sizeBytes).toBeGreaterThan(0);
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0001", "v0002"]);
    expect(registry.list({ kind: "initial" }).map((entry) => entry.id)).toEqual(["v0001"]);
    expect(registry.list({ limit: 1 }).map((entry) => entry.id)).toEqual(["v0002"]);
    expect(registry.activeId).toBeNull();
    await registry.close();
  });

  it("gives concurrent saves distinct ids and keeps every one", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    const entries = await Promise.all(Array.from({ length: 8 }, (_, i) => registry.save(version([i]))));
    expect(entries.map((entry) => entry.id)).toEqual([
      "v0001",
      "v0002",
      "v0003",
      "v0004",
      "v0005",
      "v0006",
      "v0007",
      "v0008",
    ]);
    expect(await readdir(path.join(dir, "models"))).toHaveLength(8);
    await registry.close();
  });

  it("never reuses an id, even after the newest version is deleted and the store reopened", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    const second = await registry.save(version());
    await registry.delete(second.id);
    await registry.close();
    const again = await openWith(dir);
    expect((await again.save(version())).id).toBe("v0003");
    await again.close();
  });

  it("loads a saved model back, verified", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    const entry = await registry.save(version([7, 8]));
    expect(await registry.loadModel(entry.id)).toEqual({ format: "toy", trees: [{ split: 7 }, { split: 8 }] });
    await registry.close();
  });

  it("refuses a model that the validator rejects on load", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    const entry = await registry.save({ ...version(), model: { format: "other" } });
    await expect(registry.loadModel(entry.id)).rejects.toBeInstanceOf(ModelFormatError);
    await registry.close();
  });

  it.each([
    ["kind", { kind: "weekly" }],
    ["trainedOn.samples", { trainedOn: { samples: -1, feedbackWatermark: 0 } }],
    ["trainedOn", { trainedOn: null }],
    ["metrics.accuracy", { metrics: { accuracy: Number.NaN } }],
    ["metrics", { metrics: [] }],
    ["note", { note: "x".repeat(2000) }],
    ["parentId", { parentId: "../../etc/passwd" }],
    ["model", { model: undefined }],
  ])("refuses a save with a bad %s and stores nothing", async (field, change) => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await expect(registry.save({ ...version(), ...(change as object) })).rejects.toMatchObject({ field });
    expect(registry.list()).toEqual([]);
    expect(await readdir(path.join(dir, "models"))).toEqual([]);
    await registry.close();
  });

  it("refuses a save that is not an object", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await expect(registry.save(null as never)).rejects.toBeInstanceOf(InvalidInputError);
    await registry.close();
  });

  it("names an unknown version in its error", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    expect(() => registry.get("v0042")).toThrow(UnknownVersionError);
    await expect(registry.activate("v0042", by)).rejects.toThrow(/v0042/);
    await registry.close();
  });

  it.each(["../versions", "v1/../../x", "v0001.json", "", "V0001"])(
    "refuses the id %j as a path trick or typo",
    async (id) => {
      const dir = await tempDir();
      const registry = await openWith(dir);
      expect(() => registry.get(id)).toThrow(InvalidInputError);
      await expect(registry.loadModel(id)).rejects.toMatchObject({ field: "id" });
      await registry.close();
    },
  );

  it("refuses a bad list limit and a bad retention", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    expect(() => registry.list({ limit: -1 })).toThrow(InvalidInputError);
    await registry.close();
    await expect(openWith(dir, { retention: 0 })).rejects.toMatchObject({ field: "retention" });
  });
});

describe("VersionRegistry: activation and rollback", () => {
  it("activates a version and records who, why and when", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    const entry = await registry.save(version());
    await registry.activate(entry.id, { reason: "first model", by: "flow" });
    expect(registry.activeId).toBe("v0001");
    expect(registry.activations()).toEqual([
      { at: expect.any(String), from: null, to: "v0001", reason: "first model", by: "flow" },
    ]);
    await registry.close();
    const again = await openWith(dir);
    expect(again.activeId).toBe("v0001");
    expect(again.activations()).toHaveLength(1);
    await again.close();
  });

  it("does nothing when the version is already active", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    await registry.activate("v0001", by);
    await registry.activate("v0001", by);
    expect(registry.activations()).toHaveLength(1);
    await registry.close();
  });

  it("refuses an activation without a reason or an author", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    await expect(registry.activate("v0001", { reason: "", by: "x" })).rejects.toMatchObject({ field: "reason" });
    await expect(registry.activate("v0001", { reason: "x" } as never)).rejects.toMatchObject({ field: "by" });
    expect(registry.activeId).toBeNull();
    await registry.close();
  });

  it("rolls back to the version active before the current one", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    for (let i = 0; i < 3; i += 1) await registry.save(version([i]));
    await registry.activate("v0001", by);
    await registry.activate("v0003", by);
    const back = await registry.rollback("previous", { reason: "worse", by: "anna" });
    expect(back.id).toBe("v0001");
    expect(registry.activations().at(-1)).toMatchObject({ from: "v0003", to: "v0001", reason: "worse", by: "anna" });
    await registry.rollback("v0002", by);
    expect(registry.activeId).toBe("v0002");
    await registry.close();
  });

  it("says so when there is no previous version to roll back to", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    await expect(registry.rollback("previous", by)).rejects.toMatchObject({ field: "to" });
    await registry.activate("v0001", by);
    await expect(registry.rollback("previous", by)).rejects.toThrow(/no previous version/);
    await registry.close();
  });

  it("says so when the previous version was deleted", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version([1]));
    await registry.save(version([2]));
    await registry.activate("v0001", by);
    await registry.activate("v0002", by);
    await registry.delete("v0001");
    await expect(registry.rollback("previous", by)).rejects.toBeInstanceOf(UnknownVersionError);
    expect(registry.activeId).toBe("v0002");
    await registry.close();
  });
});

describe("VersionRegistry: pin, delete, prune, compare", () => {
  it("refuses to delete the active or a pinned version and changes nothing", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version([1]));
    await registry.save(version([2]));
    await registry.activate("v0001", by);
    await registry.pin("v0002");
    await expect(registry.delete("v0001")).rejects.toBeInstanceOf(VersionInUseError);
    await expect(registry.delete("v0002")).rejects.toThrow(/pinned/);
    expect(registry.list()).toHaveLength(2);
    expect((await registry.unpin("v0002")).pinned).toBe(false);
    await registry.delete("v0002");
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0001"]);
    expect(await readdir(path.join(dir, "models"))).toEqual(["v0001.json"]);
    await registry.close();
  });

  it("prunes to the newest N plus pinned and active versions, files and entries together", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir, { retention: 2, autoPrune: false });
    for (let i = 0; i < 6; i += 1) await registry.save(version([i]));
    await registry.activate("v0002", by);
    await registry.pin("v0001");
    expect(await registry.prune()).toEqual({ deleted: ["v0003", "v0004"] });
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0001", "v0002", "v0005", "v0006"]);
    expect((await readdir(path.join(dir, "models"))).sort()).toEqual([
      "v0001.json",
      "v0002.json",
      "v0005.json",
      "v0006.json",
    ]);
    await registry.close();
  });

  it("prunes on every save by default", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir, { retention: 3 });
    for (let i = 0; i < 5; i += 1) await registry.save(version([i]));
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0003", "v0004", "v0005"]);
    await registry.close();
  });

  it("compares two versions: metric deltas, sizes and changed trees", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version([1, 2, 3], { metrics: { accuracy: 0.8, drift: false } }));
    await registry.save(version([1, 2, 9, 10], { metrics: { accuracy: 0.85, brier: 0.1 } }));
    const comparison = await registry.compare("v0001", "v0002");
    expect(comparison.metrics.accuracy!.delta).toBeCloseTo(0.05);
    expect(comparison.metrics.drift).toEqual({ a: false, b: null, delta: null });
    expect(comparison.metrics.brier).toEqual({ a: null, b: 0.1, delta: null });
    expect(comparison.trees).toEqual({ a: 3, b: 4, changed: 2 });
    expect(comparison.sizeBytes.delta).toBe(comparison.sizeBytes.b - comparison.sizeBytes.a);
    await registry.close();
  });

  it("compares models without trees with trees: null", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save({ ...version(), model: { format: "toy" } });
    await registry.save(version());
    expect((await registry.compare("v0001", "v0002")).trees).toBeNull();
    await registry.close();
  });

  it("compares with trees: null when opened without compareModels: it does not look inside models", async () => {
    const dir = await tempDir();
    const registry = await VersionRegistry.open(dir, { validateModel: validateToy });
    await registry.save(version([1, 2]));
    await registry.save(version([1, 3]));
    const comparison = await registry.compare("v0001", "v0002");
    expect(comparison.trees).toBeNull();
    expect(comparison.metrics.accuracy).toEqual({ a: 0.8, b: 0.8, delta: 0 });
    await registry.close();
  });
});

describe("VersionRegistry: export and import", () => {
  it("imports an export from another store under a new id", async () => {
    const source = await openWith(await tempDir());
    await source.save(version([1], { note: "from the lab" }));
    const text = await source.export("v0001");
    await source.close();
    const target = await openWith(await tempDir());
    await target.save(version([5]));
    const imported = await target.import(text);
    expect(imported).toMatchObject({ id: "v0002", kind: "import", parentId: null, importedFrom: { id: "v0001" } });
    expect(imported.note).toContain("from the lab");
    expect(await target.loadModel("v0002")).toEqual({ format: "toy", trees: [{ split: 1 }] });
    await expect(target.import(text)).rejects.toThrow(/already in the registry as v0002/);
    await target.close();
  });

  it("refuses to import its own export again", async () => {
    const registry = await openWith(await tempDir());
    await registry.save(version());
    await expect(registry.import(await registry.export("v0001"))).rejects.toMatchObject({ field: "file" });
    await registry.close();
  });

  it.each([
    ["not JSON", () => "{ nope"],
    ["not an object", () => "[1,2]"],
    ["another format", (text: string) => text.replace('"pattern-quality-version"', '"other"')],
    ["a future format version", (text: string) => text.replace('"formatVersion":1', '"formatVersion":2')],
    ["a tampered metric", (text: string) => text.replace('"accuracy":0.8', '"accuracy":0.99')],
    ["a tampered model", (text: string) => text.replace('{"split":1}', '{"split":2}')],
    ["a model the validator refuses", (text: string) => text.replace('"format":"toy"', '"format":"evil"')],
    ["no model", () => JSON.stringify({ format: "pattern-quality-version", formatVersion: 1, version: {} })],
    [
      "bad metadata",
      () => JSON.stringify({ format: "pattern-quality-version", formatVersion: 1, version: 3, model: {} }),
    ],
  ])("refuses to import %s and changes nothing", async (_name, alter) => {
    const source = await openWith(await tempDir());
    await source.save(version([1]));
    const text = alter(await source.export("v0001"));
    await source.close();
    const dir = await tempDir();
    const target = await openWith(dir);
    await expect(target.import(text)).rejects.toBeInstanceOf(ModelFormatError);
    expect(target.list()).toEqual([]);
    expect(await readdir(path.join(dir, "models"))).toEqual([]);
    await target.close();
  });

  it("refuses to import something that is not text", async () => {
    const registry = await openWith(await tempDir());
    await expect(registry.import(42 as never)).rejects.toMatchObject({ field: "file" });
    await registry.close();
  });
});

describe("VersionRegistry: corruption and crashes", () => {
  async function threeVersions(dir: string) {
    const registry = await openWith(dir);
    for (let i = 0; i < 3; i += 1) await registry.save(version([i]));
    await registry.activate("v0001", by);
    await registry.activate("v0002", by);
    await registry.pin("v0003");
    await registry.close();
  }

  it("rebuilds a truncated versions.json from the model files, keeping the active version", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const file = path.join(dir, "versions.json");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.slice(0, text.length / 2));
    const registry = await openWith(dir);
    expect(registry.problems.map((problem) => problem.kind)).toEqual(["corrupt-registry", "rebuilt-registry"]);
    expect(registry.problems[0]!.setAsideAs).toMatch(/^versions\.json\.corrupt-/);
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0001", "v0002", "v0003"]);
    expect(registry.activeId).toBe("v0002");
    expect(await registry.loadModel("v0002")).toEqual({ format: "toy", trees: [{ split: 1 }] });
    expect((await registry.save(version())).id).toBe("v0004");
    await registry.close();
    const again = await openWith(dir);
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it("rebuilds a lost versions.json and reports that pins were lost", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await rm(path.join(dir, "versions.json"));
    const registry = await openWith(dir);
    expect(registry.problems[0]!.message).toMatch(/pins were not recoverable/);
    expect(registry.activeId).toBe("v0002");
    expect(registry.get("v0003").pinned).toBe(false);
    await registry.close();
  });

  it("treats garbled versions.json content (valid JSON, wrong shape) as damaged", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await writeFile(
      path.join(dir, "versions.json"),
      JSON.stringify({
        format: "pattern-quality-versions",
        formatVersion: 1,
        nextNumber: 4,
        activeId: "v0009",
        versions: [],
      }),
    );
    const registry = await openWith(dir);
    expect(registry.problems[0]!.kind).toBe("corrupt-registry");
    expect(registry.activeId).toBe("v0002");
    await registry.close();
  });

  it.each([
    ["an entry without hash", { versions: [{ id: "v0001" }] }],
    ["an entry with a bad id", { versions: [{ id: "../x", sha256: "a", sizeBytes: 1 }] }],
    ["null", null],
  ])("treats a registry with %s as damaged", async (_name, body) => {
    const dir = await tempDir();
    await threeVersions(dir);
    const document =
      body === null
        ? null
        : { format: "pattern-quality-versions", formatVersion: 1, nextNumber: 4, activeId: null, ...body };
    await writeFile(path.join(dir, "versions.json"), JSON.stringify(document));
    const registry = await openWith(dir);
    expect(registry.problems[0]!.kind).toBe("corrupt-registry");
    await registry.close();
  });

  it("sets a model file with a wrong hash aside and keeps the last good version active", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const file = path.join(dir, "models", "v0002.json");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace('"split":1', '"split":7'));
    const registry = await openWith(dir);
    expect(registry.problems.map((problem) => problem.kind)).toEqual(["wrong-hash", "active-replaced"]);
    expect(registry.activeId).toBe("v0001");
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0001", "v0003"]);
    expect((await readdir(path.join(dir, "models"))).some((name) => name.startsWith("v0002.json.corrupt-"))).toBe(true);
    expect(registry.activations().at(-1)).toMatchObject({ from: "v0002", to: "v0001", by: "store" });
    await registry.close();
  });

  it("detects a wrong hash of an inactive version when it is loaded", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const file = path.join(dir, "models", "v0003.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"split":2', '"split":5'));
    const registry = await openWith(dir);
    expect(registry.problems).toEqual([]);
    await expect(registry.loadModel("v0003")).rejects.toBeInstanceOf(StoreCorruptError);
    expect(registry.problems[0]).toMatchObject({ kind: "wrong-hash", file: path.join("models", "v0003.json") });
    expect(() => registry.get("v0003")).toThrow(UnknownVersionError);
    expect(registry.activeId).toBe("v0002");
    await registry.close();
  });

  it("detects a missing model file, removes its entry and keeps the last good version active", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await rm(path.join(dir, "models", "v0002.json"));
    const registry = await openWith(dir);
    expect(registry.problems.map((problem) => problem.kind)).toEqual(["missing-model", "active-replaced"]);
    expect(registry.activeId).toBe("v0001");
    await registry.close();
  });

  it("reports a missing model file found on load", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const registry = await openWith(dir);
    await rm(path.join(dir, "models", "v0003.json"));
    await expect(registry.export("v0003")).rejects.toThrow(/missing/);
    expect(registry.problems[0]!.kind).toBe("missing-model");
    await registry.close();
  });

  it("leaves no version active when none verifies", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    await registry.activate("v0001", by);
    await registry.close();
    await writeFile(path.join(dir, "models", "v0001.json"), "{}");
    const again = await openWith(dir);
    expect(again.activeId).toBeNull();
    expect(again.problems.at(-1)!.message).toMatch(/no other version verifies/);
    await again.close();
  });

  it("verify() hashes every file and reports the damaged ones", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const registry = await openWith(dir);
    const file = path.join(dir, "models", "v0001.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"split":0', '"split":4'));
    const problems = await registry.verify();
    expect(problems.map((problem) => problem.file)).toEqual([path.join("models", "v0001.json")]);
    await registry.close();
  });

  it("removes leftovers of an interrupted save and temp files on open", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await writeFile(path.join(dir, "models", "v0004.json"), "half a fi");
    await writeFile(path.join(dir, "models", ".v0004.json.tmp-99-1"), "half");
    await writeFile(path.join(dir, ".versions.json.tmp-99-2"), "half");
    const registry = await openWith(dir);
    expect(registry.problems.map((problem) => problem.kind)).toEqual(["unfinished-save"]);
    expect((await readdir(path.join(dir, "models"))).sort()).toEqual(["v0001.json", "v0002.json", "v0003.json"]);
    expect((await readdir(dir)).filter((name) => name.includes(".tmp-"))).toEqual([]);
    expect((await registry.save(version())).id).toBe("v0004");
    await registry.close();
  });

  it("completes an activation whose record was written but whose pointer switch was cut off", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    const record = { at: new Date().toISOString(), from: "v0002", to: "v0003", reason: "auto update", by: "model" };
    await appendFile(path.join(dir, "activations.jsonl"), `${JSON.stringify(record)}\n`);
    const registry = await openWith(dir);
    expect(registry.activeId).toBe("v0003");
    expect(registry.problems[0]).toMatchObject({ kind: "recovered-activation" });
    await registry.close();
  });

  it("sets a garbage line of the activation log aside", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await appendFile(path.join(dir, "activations.jsonl"), '{"at":"x","from":null,"to":"../etc"}\n{"at":');
    const registry = await openWith(dir);
    expect(registry.problems.map((problem) => problem.kind)).toEqual(["garbage-line", "torn-line"]);
    expect(registry.activations()).toHaveLength(2);
    await registry.close();
  });

  it("sets aside a model file that cannot serve to rebuild the registry", async () => {
    const dir = await tempDir();
    await threeVersions(dir);
    await rm(path.join(dir, "versions.json"));
    const file = path.join(dir, "models", "v0001.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"id":"v0001"', '"id":"v0009"'));
    const registry = await openWith(dir);
    expect(registry.problems[0]).toMatchObject({ kind: "corrupt-model" });
    expect(registry.list().map((entry) => entry.id)).toEqual(["v0002", "v0003"]);
    expect((await registry.save(version())).id).toBe("v0004");
    await registry.close();
  });
});

describe("VersionRegistry: safety", () => {
  it("refuses a second writer on the same directory, naming it", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await expect(openWith(dir)).rejects.toBeInstanceOf(StoreLockedError);
    await expect(openWith(dir)).rejects.toThrow(dir);
    await registry.close();
    await (await openWith(dir)).close();
  });

  it("reads read-only beside a writer and refuses changes", async () => {
    const dir = await tempDir();
    const writer = await openWith(dir);
    await writer.save(version());
    await writer.activate("v0001", by);
    const reader = await openWith(dir, { readOnly: true });
    expect(reader.activeId).toBe("v0001");
    expect(await reader.loadModel("v0001")).toMatchObject({ format: "toy" });
    await expect(reader.pin("v0001")).rejects.toMatchObject({ code: "store-read-only" });
    await reader.close();
    await writer.close();
  });

  it("reports damage read-only without touching the files", async () => {
    const dir = await tempDir();
    const writer = await openWith(dir);
    await writer.save(version());
    await writer.close();
    await writeFile(path.join(dir, "versions.json"), "garbage");
    const file = path.join(dir, "models", "v0001.json");
    const reader = await openWith(dir, { readOnly: true });
    expect(reader.problems.map((problem) => problem.kind)).toEqual(["corrupt-registry", "rebuilt-registry"]);
    expect(reader.list()).toHaveLength(1);
    await writeFile(file, (await readFile(file, "utf8")).replace('"split":1', '"split":4'));
    await expect(reader.loadModel("v0001")).rejects.toBeInstanceOf(StoreCorruptError);
    expect(await readFile(path.join(dir, "versions.json"), "utf8")).toBe("garbage");
    await reader.close();
  });

  it("refuses operations after close", async () => {
    const registry = await openWith(await tempDir());
    await registry.close();
    await registry.close();
    await expect(registry.save(version())).rejects.toMatchObject({ code: "store-closed" });
  });

  it("reports a save that cannot write its model file and changes nothing", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    // A file where the models directory belongs: as real a write failure as a read-only disk.
    await rm(path.join(dir, "models"), { recursive: true });
    await writeFile(path.join(dir, "models"), "in the way");
    await expect(registry.save(version())).rejects.toBeInstanceOf(StoreWriteError);
    expect(registry.list()).toHaveLength(1);
    await registry.close();
  });

  it("keeps its state when the registry file cannot be written", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version());
    // A directory where versions.json belongs: the rename of the new registry over it fails.
    await rm(path.join(dir, "versions.json"));
    await mkdir(path.join(dir, "versions.json"));
    await expect(registry.pin("v0001")).rejects.toBeInstanceOf(StoreWriteError);
    expect(registry.get("v0001").pinned).toBe(false);
    await expect(registry.save(version())).rejects.toBeInstanceOf(StoreWriteError);
    expect(await readdir(path.join(dir, "models"))).toEqual(["v0001.json"]);
    await rmdir(path.join(dir, "versions.json"));
    expect((await registry.pin("v0001")).pinned).toBe(true);
    await registry.close();
  });

  it("reports an unreadable versions.json on open and gives the directory back", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "versions.json"));
    await expect(openWith(dir)).rejects.toBeInstanceOf(StoreWriteError);
    await expect(openWith(dir)).rejects.toThrow(/cannot read/);
  });

  it("records the way back when an activation cannot move the pointer, and stays on the old version", async () => {
    const dir = await tempDir();
    const registry = await openWith(dir);
    await registry.save(version([1]));
    await registry.save(version([2]));
    await registry.activate("v0001", by);
    await rm(path.join(dir, "versions.json"));
    await mkdir(path.join(dir, "versions.json"));
    await expect(registry.activate("v0002", by)).rejects.toBeInstanceOf(StoreWriteError);
    expect(registry.activeId).toBe("v0001");
    expect(registry.activations().at(-1)).toMatchObject({ from: "v0002", to: "v0001", by: "store" });
    await rmdir(path.join(dir, "versions.json"));
    await registry.pin("v0001");
    await registry.close();
    const again = await openWith(dir);
    expect(again.activeId).toBe("v0001");
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it.skipIf(process.getuid?.() === 0)(
    "reports a read-only directory (not as root, where chmod does not stop writes)",
    async () => {
      const { chmod } = await import("node:fs/promises");
      const dir = await tempDir();
      const registry = await openWith(dir);
      await registry.save(version());
      await chmod(path.join(dir, "models"), 0o500);
      await expect(registry.save(version())).rejects.toThrow(/read-only or not writable/);
      await chmod(path.join(dir, "models"), 0o700);
      await registry.close();
    },
  );
});
