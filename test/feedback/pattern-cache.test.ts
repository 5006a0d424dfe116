import { appendFile, readFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError, StoreLockedError } from "../../src/errors";
import type { Feedback } from "../../src/feedback/feedback";
import { PatternCache } from "../../src/feedback/pattern-cache";
import { tempDir } from "../store/temp-dir";

function decision(id: string, patternId: string): Feedback {
  return {
    id,
    patternId,
    label: 1,
    source: "ha:mobile_app_notification_action",
    receivedAt: "2026-11-26T10:00:00.000Z",
  };
}

describe("PatternCache", () => {
  it("remembers the features of a pattern across a restart", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.remember("hall-light", { confidence: 0.9, devices: 2 });
    await cache.close();
    const again = await PatternCache.open(dir);
    expect(again.lookup("hall-light")).toEqual({ confidence: 0.9, devices: 2 });
    expect(again.seenAt("hall-light")).toMatch(/^\d{4}-/);
    expect(again.lookup("unknown")).toBeUndefined();
    await again.close();
  });

  it("keeps the newest features of a pattern", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.remember("p", { a: 1 });
    await cache.remember("p", { a: 2 });
    expect(cache.lookup("p")).toEqual({ a: 2 });
    await cache.close();
  });

  it("does not write a pattern seen again with the same features", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.remember("p", { a: 1 });
    await cache.remember("p", { a: 1 });
    await cache.close();
    expect((await readFile(path.join(dir, "patterns.jsonl"), "utf8")).trim().split("\n")).toHaveLength(1);
  });

  it("forgets the least recently seen pattern beyond its bound", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir, { maxPatterns: 2 });
    await cache.remember("a", { x: 1 });
    await cache.remember("b", { x: 2 });
    await cache.remember("a", { x: 1 });
    await cache.remember("c", { x: 3 });
    expect([cache.lookup("a"), cache.lookup("b"), cache.lookup("c")]).toEqual([{ x: 1 }, undefined, { x: 3 }]);
    expect(cache.size).toBe(2);
    await cache.close();
  });

  it("parks feedback for an unknown pattern with a warning and hands it over once", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    const { warning } = await cache.park(decision("f1", "new-pattern"));
    expect(warning).toMatch(/new-pattern.*not known yet/);
    await cache.park(decision("f1", "new-pattern"));
    await cache.park(decision("f2", "other"));
    expect(cache.parkedCount).toBe(2);
    await cache.close();
    const again = await PatternCache.open(dir);
    expect(again.parkedFeedback().map((item) => item.id)).toEqual(["f1", "f2"]);
    expect(again.takeParked("new-pattern").map((item) => item.id)).toEqual(["f1"]);
    expect(again.takeParked("nothing")).toEqual([]);
    await again.close();
    const third = await PatternCache.open(dir);
    expect(third.parkedFeedback().map((item) => item.id)).toEqual(["f2"]);
    await third.close();
  });

  it("hands parked feedback over once, even before its removal is on disk", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.park(decision("f1", "p"));
    const first = cache.takeParked("p");
    const second = cache.takeParked("p");
    expect(first.map((item) => item.id)).toEqual(["f1"]);
    expect(second).toEqual([]);
    expect(cache.parkedCount).toBe(0);
    await cache.close();
  });

  it("drops the oldest parked feedback beyond its bound and counts it", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir, { maxParked: 2 });
    for (const id of ["a", "b", "c"]) await cache.park(decision(id, "p"));
    expect(cache.parkedFeedback().map((item) => item.id)).toEqual(["b", "c"]);
    expect(cache.droppedParkedCount).toBe(1);
    await cache.close();
  });

  it("rewrites its file once most lines are superseded, keeping the live state", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    for (let i = 0; i < 1010; i += 1) await cache.remember("p", { x: i });
    await cache.remember("q", { x: 1 });
    await cache.close();
    const lines = (await readFile(path.join(dir, "patterns.jsonl"), "utf8")).trim().split("\n");
    expect(lines.length).toBeLessThan(100);
    const again = await PatternCache.open(dir);
    expect(again.lookup("p")).toEqual({ x: 1009 });
    expect(again.lookup("q")).toEqual({ x: 1 });
    await again.close();
  });

  it("sets damaged lines aside and reports them", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.remember("p", { x: 1 });
    await cache.close();
    await appendFile(
      path.join(dir, "patterns.jsonl"),
      '{"t":"pattern","patternId":"q"}\n{"t":"what"}\n{"t":"park","feedback":{}}\n{"t":"take","patternId":""}\n{"t":"pat',
    );
    const again = await PatternCache.open(dir);
    // One problem per kind of damage, not one per line.
    expect(again.problems).toMatchObject([
      { kind: "garbage-line", count: 4, lines: [2, 3, 4, 5] },
      { kind: "torn-line", count: 1, lines: [6] },
    ]);
    expect(again.problems[0]!.message).toMatch(/^patterns\.jsonl: 4 damaged lines set aside \(line 2: .*; 1 more\)$/);
    expect(again.lookup("p")).toEqual({ x: 1 });
    await again.close();
  });

  it("refuses bad input, naming the field", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await expect(cache.remember("", { x: 1 })).rejects.toMatchObject({ field: "patternId" });
    await expect(cache.remember("p", { x: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ field: "features.x" });
    await expect(cache.park({ ...decision("a", "p"), label: 3 as never })).rejects.toMatchObject({
      field: "feedback.label",
    });
    expect(cache.size).toBe(0);
    await cache.close();
    await expect(PatternCache.open(dir, { maxPatterns: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("refuses a second writer, reads read-only beside it and refuses writes after close", async () => {
    const dir = await tempDir();
    const cache = await PatternCache.open(dir);
    await cache.remember("p", { x: 1 });
    await expect(PatternCache.open(dir)).rejects.toBeInstanceOf(StoreLockedError);
    const reader = await PatternCache.open(dir, { readOnly: true });
    expect(reader.lookup("p")).toEqual({ x: 1 });
    await expect(reader.remember("q", { x: 1 })).rejects.toMatchObject({ code: "store-read-only" });
    await reader.close();
    await cache.close();
    await cache.close();
    await expect(cache.park(decision("a", "p"))).rejects.toMatchObject({ code: "store-closed" });
  });
});
