// A feedback's source is the sender's text; counted by source, it must stay a plain name
// even when it is also the name of something every JavaScript object has.
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli";
import type { Feedback } from "../../src/feedback/feedback";
import { FeedbackLog } from "../../src/feedback/log";
import { tempDir } from "../store/temp-dir";

const SOURCES = ["constructor", "__proto__", "toString", "hasOwnProperty", "flow", "constructor"];

function feedback(i: number, source: string): Feedback {
  return { id: `f${i}`, patternId: "p", label: 1, source, receivedAt: "2026-11-26T10:00:00.000Z" };
}

async function storeWithSources(): Promise<string> {
  const dir = await tempDir("pq-sources-");
  const log = await FeedbackLog.open(dir);
  await log.append(SOURCES.map((source, i) => feedback(i, source)));
  await log.close();
  return dir;
}

// Entries, not an object literal: in a literal `__proto__: 1` would not be a property at all.
const COUNTS: Array<[string, number]> = [
  ["__proto__", 1],
  ["constructor", 2],
  ["flow", 1],
  ["hasOwnProperty", 1],
  ["toString", 1],
];

describe("feedback counted by source", () => {
  it("counts sources named like the properties of every object as plain names", async () => {
    const log = await FeedbackLog.open(await storeWithSources(), { readOnly: true });
    const { bySource } = log.stats();
    await log.close();
    expect(Object.entries(bySource).sort()).toEqual(COUNTS);
  });

  it("prints them so in feedback stats, as text and as JSON", async () => {
    const store = await storeWithSources();
    let text = "";
    expect(await main(["feedback", "stats", "--store", store], { stdout: (t) => (text += t), stderr: () => {} })).toBe(
      0,
    );
    expect(text).toContain("constructor: 2");
    expect(text).toContain("__proto__: 1");
    expect(text).not.toContain("native code");
    let json = "";
    await main(["feedback", "stats", "--json", "--store", store], { stdout: (t) => (json += t), stderr: () => {} });
    expect(Object.entries(JSON.parse(json).bySource).sort()).toEqual(COUNTS);
  });
});
