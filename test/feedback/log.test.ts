import { appendFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError, StoreLockedError, StoreWriteError } from "../../src/errors";
import type { Feedback } from "../../src/feedback/feedback";
import { FeedbackLog } from "../../src/feedback/log";
import { validateFeedback } from "../../src/feedback/validate";
import { tempDir } from "../store/temp-dir";

function feedback(id: string, extra: Partial<Feedback> = {}): Feedback {
  return {
    id,
    patternId: `p-${id}`,
    label: 1,
    features: { confidence: 0.5, devices: 2 },
    source: "flow",
    receivedAt: "2026-11-26T10:00:00.000Z",
    ...extra,
  };
}

describe("FeedbackLog", () => {
  it("stores appended feedback with increasing seq and replays it on open", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    const { added } = await log.append([feedback("a"), feedback("b", { label: 0, user: "anna" })]);
    expect(added.map((record) => record.seq)).toEqual([1, 2]);
    await log.close();
    const again = await FeedbackLog.open(dir);
    expect([...again.entries()]).toEqual(added);
    expect(again.watermark).toBe(2);
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it("stores a feedback id only once and reports the duplicates", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await log.append([feedback("a")]);
    const result = await log.append([feedback("a"), feedback("b"), feedback("b")]);
    expect(result.duplicates).toEqual(["a", "b"]);
    expect(result.added.map((record) => record.id)).toEqual(["b"]);
    expect(log.size).toBe(2);
    expect(log.stats().duplicates).toBe(2);
    await log.close();
    const again = await FeedbackLog.open(dir);
    expect((await again.append([feedback("a")])).duplicates).toEqual(["a"]);
    await again.close();
  });

  it("treats concurrent appends of the same id as one", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    const [first, second] = await Promise.all([log.append([feedback("x")]), log.append([feedback("x")])]);
    expect(first.added).toHaveLength(1);
    expect(second.duplicates).toEqual(["x"]);
    await log.close();
  });

  it("commits concurrent appends together with fewer fsyncs than appends", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([feedback(`f${i}`)])));
    expect(log.size).toBe(50);
    expect(log.stats().syncs).toBeLessThan(50);
    await log.close();
  });

  it("returns entries from a given seq on", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await log.append(["a", "b", "c", "d"].map((id) => feedback(id)));
    expect([...log.entries(3)].map((record) => record.id)).toEqual(["c", "d"]);
    expect([...log.entries(99)]).toEqual([]);
    expect(log.get("b")?.seq).toBe(2);
    expect(log.get("zz")).toBeUndefined();
    expect(log.has("a")).toBe(true);
    await log.close();
  });

  it("refuses a batch with a bad item, naming the field, and stores none of it", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await expect(log.append([feedback("ok"), feedback("bad", { label: 7 as never })])).rejects.toMatchObject({
      field: "feedback[1].label",
    });
    expect(log.size).toBe(0);
    expect(log.has("ok")).toBe(false);
    await log.close();
  });

  it("refuses something that is not an array", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await expect(log.append("nope" as never)).rejects.toBeInstanceOf(InvalidInputError);
    await log.close();
  });

  it("sets a torn last line aside, reports it and keeps the rest", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await log.append([feedback("a")]);
    await log.close();
    await appendFile(path.join(dir, "feedback.jsonl"), '{"seq":2,"id":"b","patt');
    const again = await FeedbackLog.open(dir);
    expect(again.size).toBe(1);
    expect(again.problems).toHaveLength(1);
    expect(again.problems[0]).toMatchObject({ kind: "torn-line", file: "feedback.jsonl" });
    const aside = again.problems[0]!.setAsideAs!;
    expect(await readFile(path.join(dir, aside), "utf8")).toContain('\\"id\\":\\"b\\"');
    await again.append([feedback("c")]);
    await again.close();
    const third = await FeedbackLog.open(dir);
    expect([...third.entries()].map((record) => record.id)).toEqual(["a", "c"]);
    expect(third.problems).toEqual([]);
    await third.close();
  });

  it("sets a garbage line in the middle aside and keeps the lines around it", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "feedback.jsonl");
    const line = (seq: number, id: string) => `${JSON.stringify({ seq, ...feedback(id) })}\n`;
    await writeFile(file, `${line(1, "a")}not json at all\n${line(2, "b")}{"seq":3,"id":"c"}\n${line(2, "d")}`);
    const log = await FeedbackLog.open(dir);
    expect([...log.entries()].map((record) => record.id)).toEqual(["a", "b"]);
    expect(log.problems).toHaveLength(1);
    expect(log.problems[0]).toMatchObject({ kind: "garbage-line", count: 3, lines: [2, 4, 5] });
    expect(log.problems[0]!.message).toMatch(
      /^feedback\.jsonl: 3 damaged lines set aside \(line 2: .*; line 4: .*; line 5: seq 2 is out of order \(after 2\)\)$/,
    );
    expect(log.stats().problems).toBe(3);
    await log.close();
    expect((await readdir(dir)).some((name) => name.startsWith("feedback.jsonl.corrupt-"))).toBe(true);
  });

  it("sets aside only the one record whose seq was changed upwards, in one problem", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await log.append(Array.from({ length: 600 }, (_, i) => feedback(`s${i + 1}`)));
    await log.close();
    const file = path.join(dir, "feedback.jsonl");
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[299] = lines[299]!.replace('"seq":300,', '"seq":4396,');
    await writeFile(file, lines.join("\n"));
    const again = await FeedbackLog.open(dir);
    expect(again.size).toBe(599);
    expect(again.has("s300")).toBe(false);
    expect([...again.entries(299)].slice(0, 2).map((record) => record.seq)).toEqual([299, 301]);
    expect(again.problems).toHaveLength(1);
    expect(again.problems[0]).toMatchObject({ kind: "garbage-line", count: 1, lines: [300] });
    expect(again.problems[0]!.message).toBe("feedback.jsonl line 300: seq 4396 is out of order (between 299 and 301)");
    expect(await readFile(path.join(dir, again.problems[0]!.setAsideAs!), "utf8")).toContain('\\"seq\\":4396');
    expect((await again.append([feedback("next")])).added[0]!.seq).toBe(601);
    await again.close();
    const third = await FeedbackLog.open(dir);
    expect(third.problems).toEqual([]);
    expect(third.size).toBe(600);
    await third.close();
  });

  it("sets aside only the record whose seq was changed downwards", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "feedback.jsonl");
    const seqs = [1, 2, 3, 1, 5, 6];
    await writeFile(file, seqs.map((seq, i) => `${JSON.stringify({ seq, ...feedback(`d${i}`) })}\n`).join(""));
    const log = await FeedbackLog.open(dir);
    expect([...log.entries()].map((record) => record.id)).toEqual(["d0", "d1", "d2", "d4", "d5"]);
    expect(log.problems.map((problem) => problem.message)).toEqual([
      "feedback.jsonl line 4: seq 1 is out of order (between 3 and 5)",
    ]);
    await log.close();
  });

  it("keeps the most records in order when several seqs were changed, setting the fewest aside", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "feedback.jsonl");
    // Two neighbours raised, one lowered, the last raised (which leaves the order intact: kept).
    const seqs = [1, 2, 9000, 9001, 5, 6, 7, 2, 9, 10, 50];
    await writeFile(file, seqs.map((seq, i) => `${JSON.stringify({ seq, ...feedback(`m${i}`) })}\n`).join(""));
    const log = await FeedbackLog.open(dir);
    expect([...log.entries()].map((record) => record.seq)).toEqual([1, 2, 5, 6, 7, 9, 10, 50]);
    expect(log.problems).toHaveLength(1);
    expect(log.problems[0]).toMatchObject({ count: 3, lines: [3, 4, 8] });
    expect(log.stats().problems).toBe(3);
    expect(log.watermark).toBe(50);
    await log.close();
  });

  it("sets aside the second of two records with the same id, wherever the first was", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "feedback.jsonl");
    const records = [
      { seq: 1, ...feedback("a") },
      { seq: 2, ...feedback("b") },
      { seq: 3, ...feedback("a") },
    ];
    await writeFile(file, records.map((record) => `${JSON.stringify(record)}\n`).join(""));
    const log = await FeedbackLog.open(dir);
    expect([...log.entries()].map((record) => record.seq)).toEqual([1, 2]);
    expect(log.problems.map((problem) => problem.message)).toEqual(['feedback.jsonl line 3: id "a" appears twice']);
    await log.close();
  });

  it("drops the oldest records beyond the retention and reports how many", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 5 });
    for (let i = 0; i < 8; i += 1) await log.append([feedback(`r${i}`)]);
    const { dropped } = await log.compact();
    expect(log.stats().dropped).toBeGreaterThanOrEqual(3);
    expect(dropped + log.stats().dropped).toBeGreaterThanOrEqual(3);
    expect([...log.entries()].map((record) => record.id)).toEqual(["r3", "r4", "r5", "r6", "r7"]);
    expect(log.has("r0")).toBe(false);
    await log.close();
    const again = await FeedbackLog.open(dir, { retention: 5 });
    expect([...again.entries()].map((record) => record.id)).toEqual(["r3", "r4", "r5", "r6", "r7"]);
    expect(again.watermark).toBe(8);
    await again.close();
  });

  it("loses nothing appended while a compaction runs", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 100 });
    await log.append(Array.from({ length: 300 }, (_, i) => feedback(`old${i}`)));
    const compaction = log.compact();
    const appends = Array.from({ length: 40 }, (_, i) => log.append([feedback(`new${i}`)]));
    await Promise.all([compaction, ...appends]);
    await log.close();
    const again = await FeedbackLog.open(dir, { retention: 1000 });
    const ids = new Set([...again.entries()].map((record) => record.id));
    for (let i = 0; i < 40; i += 1) expect(ids.has(`new${i}`)).toBe(true);
    expect(ids.has("old0")).toBe(false);
    expect(ids.has("old299")).toBe(true);
    expect(again.problems).toEqual([]);
    await again.close();
  });

  it("compacts on its own once the retention is exceeded by a tenth", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 10 });
    await log.append(Array.from({ length: 12 }, (_, i) => feedback(`a${i}`)));
    await log.close();
    const again = await FeedbackLog.open(dir, { retention: 10 });
    expect(again.size).toBe(10);
    expect(again.lastCompactionError).toBeNull();
    await again.close();
  });

  it("applies a lowered retention when it opens", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 100 });
    await log.append(Array.from({ length: 30 }, (_, i) => feedback(`a${i}`)));
    await log.close();
    const smaller = await FeedbackLog.open(dir, { retention: 10 });
    await smaller.close();
    expect(smaller.stats().dropped).toBe(20);
    const again = await FeedbackLog.open(dir, { retention: 10 });
    expect([...again.entries()][0]!.id).toBe("a20");
    await again.close();
  });

  it("reads records back after a compaction moved them, by seq and by id", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 3 });
    for (let i = 0; i < 5; i += 1) await log.append([feedback(`k${i}`, { patternId: `p${i}` })]);
    await log.compact();
    expect(log.get("k4")).toMatchObject({ seq: 5, patternId: "p4" });
    expect(log.get("k0")).toBeUndefined();
    expect([...log.entries(4)].map((record) => record.id)).toEqual(["k3", "k4"]);
    await log.append([feedback("k5")]);
    expect([...log.entries()].map((record) => record.seq)).toEqual([3, 4, 5, 6]);
    await log.close();
  });

  it("reads a log edited by hand with blank lines", async () => {
    const dir = await tempDir();
    const line = (seq: number, id: string) => `${JSON.stringify({ seq, ...feedback(id) })}\n`;
    await writeFile(path.join(dir, "feedback.jsonl"), `\n${line(1, "a")}\n\n${line(2, "b")}`);
    const log = await FeedbackLog.open(dir);
    expect(log.problems).toEqual([]);
    expect(log.get("b")?.seq).toBe(2);
    await log.append([feedback("c")]);
    expect([...log.entries()].map((record) => record.id)).toEqual(["a", "b", "c"]);
    await log.close();
  });

  it("reports when the first and the last feedback were received", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    expect(log.stats()).toMatchObject({ firstReceivedAt: null, lastReceivedAt: null, firstSeq: null, watermark: 0 });
    await log.append([
      feedback("a", { receivedAt: "2026-01-01T00:00:00Z" }),
      feedback("b", { receivedAt: "2026-02-01T00:00:00Z" }),
    ]);
    expect(log.stats()).toMatchObject({
      firstReceivedAt: "2026-01-01T00:00:00Z",
      lastReceivedAt: "2026-02-01T00:00:00Z",
    });
    await log.close();
  });

  it("reads records across many read chunks", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    // Long notes in the user field make the file span several 1 MB read chunks.
    const items = Array.from({ length: 12_000 }, (_, i) => feedback(`big${i}`, { user: "u".repeat(200) }));
    await log.append(items);
    let count = 0;
    let last = 0;
    for (const record of log.entries()) {
      expect(record.seq).toBe(last + 1);
      last = record.seq;
      count += 1;
    }
    expect(count).toBe(12_000);
    expect(log.stats().bytes).toBeGreaterThan(3 * (1 << 20));
    await log.close();
  });

  it("says nothing to drop when under the retention", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir, { retention: 10 });
    await log.append([feedback("a")]);
    expect(await log.compact()).toEqual({ dropped: 0 });
    await log.close();
  });

  it("refuses a bad retention", async () => {
    const dir = await tempDir();
    await expect(FeedbackLog.open(dir, { retention: 0 })).rejects.toMatchObject({ field: "retention" });
  });

  it("refuses a second writer on the same directory, naming it", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    const second = FeedbackLog.open(dir);
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(second).rejects.toThrow(dir);
    await log.close();
    const third = await FeedbackLog.open(dir);
    await third.close();
  });

  it("counts approvals, rejections, sources and feedback without features", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    const { features: _omitted, ...bare } = feedback("b", { label: 0, source: "ha:mobile_app_notification_action" });
    await log.append([feedback("a"), bare]);
    const stats = log.stats();
    expect(stats).toMatchObject({
      records: 2,
      approved: 1,
      rejected: 1,
      withoutFeatures: 1,
      bySource: { flow: 1, "ha:mobile_app_notification_action": 1 },
      firstSeq: 1,
      watermark: 2,
    });
    expect(stats.bytes).toBeGreaterThan(0);
    await log.close();
  });

  it("reads a log read-only without the lock, leaving damage in place", async () => {
    const dir = await tempDir();
    const writer = await FeedbackLog.open(dir);
    await writer.append([feedback("a")]);
    await appendFile(path.join(dir, "feedback.jsonl"), "garbage\n");
    const reader = await FeedbackLog.open(dir, { readOnly: true });
    expect(reader.size).toBe(1);
    expect(reader.problems[0]?.kind).toBe("garbage-line");
    expect(reader.problems[0]?.setAsideAs).toBeUndefined();
    expect([...reader.entries()].map((record) => record.id)).toEqual(["a"]);
    await expect(reader.append([feedback("b")])).rejects.toMatchObject({ code: "store-read-only" });
    await expect(reader.compact()).rejects.toMatchObject({ code: "store-read-only" });
    await reader.close();
    await writer.close();
  });

  it("refuses appends after close", async () => {
    const dir = await tempDir();
    const log = await FeedbackLog.open(dir);
    await log.close();
    await log.close();
    await expect(log.append([feedback("a")])).rejects.toMatchObject({ code: "store-closed" });
  });

  it("reports a directory where the log file belongs as a store write error", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "feedback.jsonl"));
    await expect(FeedbackLog.open(dir)).rejects.toBeInstanceOf(StoreWriteError);
    // The lock was given back: a second attempt fails for the same reason, not as "locked".
    await expect(FeedbackLog.open(dir)).rejects.toBeInstanceOf(StoreWriteError);
  });

  it("reports a file where the store directory belongs", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "store"), "x");
    await expect(FeedbackLog.open(path.join(dir, "store"))).rejects.toThrow(/a file or directory is in the way/);
  });
});

describe("validateFeedback", () => {
  it("accepts approve/reject words and returns a clean copy", () => {
    const checked = validateFeedback({ ...feedback("a"), label: "rejected", extra: 1 });
    expect(checked.label).toBe(0);
    expect(checked).not.toHaveProperty("extra");
  });

  it.each([
    [null, "feedback"],
    [{ ...feedback("a"), id: "" }, "feedback.id"],
    [{ ...feedback("a"), id: "x".repeat(300) }, "feedback.id"],
    [{ ...feedback("a"), patternId: 3 }, "feedback.patternId"],
    [{ ...feedback("a"), receivedAt: "yesterday" }, "feedback.receivedAt"],
    [{ ...feedback("a"), features: [1] }, "feedback.features"],
    [{ ...feedback("a"), features: { x: Number.NaN } }, "feedback.features.x"],
    [{ ...feedback("a"), user: 5 }, "feedback.user"],
  ])("refuses %j naming %s", (value, field) => {
    expect(() => validateFeedback(value)).toThrow(expect.objectContaining({ field }));
  });
});
