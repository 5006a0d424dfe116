// The suggestion book: what the household was asked, how it answered, and what is asked again.
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SUGGESTIONS_FILE, SuggestionBook } from "../../src/suggestions/book";
import { tempDir } from "../store/temp-dir";

const DAY = 86_400_000;
const T0 = Date.parse("2026-12-07T09:00:00Z");

/** A mined time-of-day pattern, as the miner makes them. */
function kitchen(minute = 405, id = "routine-kitchen", dayClass = "weekdays") {
  return {
    id,
    title: "Turn on Kitchen light at about 06:45 on weekdays",
    description: "Turn on Kitchen light at about 06:45 on weekdays: done by hand on 17 of 20 weekdays, last 2 days ago",
    confidence: 0.8,
    automation: { alias: "Turn on Kitchen light", triggers: [], conditions: [], actions: [], mode: "single" },
    routine: { kind: "time_of_day", change: { entityId: "light.kitchen", to: "on" }, minute, dayClass },
  };
}

async function openBook(clock = { now: T0 }, snoozeDays?: number) {
  const dir = await tempDir();
  const book = await SuggestionBook.open(dir, { clock: () => clock.now, snoozeDays });
  return { dir, book, clock };
}

describe("SuggestionBook", () => {
  it("writes down an offered pattern in its words, with its score and the miner's confidence", async () => {
    const { book } = await openBook();
    const [s] = await book.offer([
      { pattern: kitchen(), score: 0.7, uncertainty: 0.6, reasons: ["Done today: speaks for it"] },
    ]);
    expect(s).toMatchObject({
      patternId: "routine-kitchen",
      title: "Turn on Kitchen light at about 06:45 on weekdays",
      score: 0.7,
      uncertainty: 0.6,
      minerConfidence: 0.8,
      reasons: ["Done today: speaks for it"],
      answer: null,
    });
    expect(book.stateOf(s!)).toBe("new");
    expect(book.pending().map((p) => p.patternId)).toEqual(["routine-kitchen"]);
    await book.close();
  });

  it("skips patterns without an id", async () => {
    const { book } = await openBook();
    expect(await book.offer([{ pattern: { title: "no id" } }, { pattern: 42 }])).toEqual([]);
    await book.close();
  });

  it("counts the asks of the local day and asks an unanswered one again only after the snooze days", async () => {
    const { book, clock } = await openBook();
    await book.offer([{ pattern: kitchen() }, { pattern: kitchen(600, "routine-b") }]);
    await book.recordAsked(["routine-kitchen", "unknown-id"], "phone");
    expect(book.askedOn()).toBe(1);
    expect(book.askable().map((s) => s.patternId)).toEqual(["routine-b"]);
    expect(book.stateOf(book.get("routine-kitchen")!)).toBe("asked");
    clock.now += 7 * DAY;
    expect(book.askedOn()).toBe(0);
    expect(
      book
        .askable()
        .map((s) => s.patternId)
        .sort(),
    ).toEqual(["routine-b", "routine-kitchen"]);
    await book.close();
  });

  it("keeps an answer with who gave it; the same answer twice is one decision", async () => {
    const { book } = await openBook();
    await book.offer([{ pattern: kitchen(), score: 0.9 }]);
    await book.recordAsked(["routine-kitchen"], "phone");
    const first = await book.answer("routine-kitchen", "approve", { by: "user-anna", source: "phone" });
    expect(first.decision).toBe("new");
    expect(first.suggestion.answer).toMatchObject({ answer: "approve", by: "user-anna", source: "phone" });
    expect(first.suggestion.guess).toBe(0.9);
    const again = await book.answer("routine-kitchen", "approve", { by: "user-anna", source: "dashboard" });
    expect(again.decision).toBe("repeat");
    expect(again.suggestion.answer?.source).toBe("phone");
    const changed = await book.answer("routine-kitchen", "reject", { source: "implicit:off" });
    expect(changed.decision).toBe("changed");
    expect(book.answered().map((s) => s.answer?.answer)).toEqual(["reject"]);
    await book.close();
  });

  it("stores an answer for a suggestion it never saw, without showing it as pending", async () => {
    const { book } = await openBook();
    const outcome = await book.answer("gone-pattern", "reject", { by: null, source: "phone" });
    expect(outcome.decision).toBe("new");
    expect(outcome.suggestion.known).toBe(false);
    expect(book.pending()).toEqual([]);
    expect(book.get("gone-pattern")?.answer?.answer).toBe("reject");
    await book.close();
  });

  it("snoozes a Not now for the snooze days, then the suggestion may be asked again", async () => {
    const { book, clock } = await openBook(undefined, 3);
    await book.offer([{ pattern: kitchen() }]);
    await book.recordAsked(["routine-kitchen"], "phone");
    await book.answer("routine-kitchen", "snooze", { by: "u", source: "phone" });
    expect(book.stateOf(book.get("routine-kitchen")!)).toBe("snoozed");
    expect((await book.answer("routine-kitchen", "snooze", { source: "phone" })).decision).toBe("repeat");
    expect(book.askable()).toEqual([]);
    clock.now += 3 * DAY;
    expect(book.askable().map((s) => s.patternId)).toEqual(["routine-kitchen"]);
    await book.close();
  });

  it("never asks a rejected routine again unless it changed materially", async () => {
    const { book } = await openBook();
    await book.offer([{ pattern: kitchen(405) }]);
    await book.answer("routine-kitchen", "reject", { by: "u", source: "phone" });
    // New evidence, the centre 20 minutes later: the same routine, still rejected.
    await book.offer([{ pattern: kitchen(425) }]);
    expect(book.stateOf(book.get("routine-kitchen")!)).toBe("rejected");
    expect(book.askable()).toEqual([]);
    // Now at weekends: a different question under the same id.
    await book.offer([{ pattern: kitchen(425, "routine-kitchen", "weekends") }]);
    expect(book.stateOf(book.get("routine-kitchen")!)).toBe("new");
    expect(book.askable().map((s) => s.patternId)).toEqual(["routine-kitchen"]);
    await book.close();
  });

  it("remembers the automation made from a suggestion and finds the suggestion by it", async () => {
    const { book } = await openBook();
    await book.offer([{ pattern: kitchen() }]);
    await book.recordAutomation("routine-kitchen", {
      automationId: "pattern_quality_routine-kitchen",
      entityId: "automation.turn_on_kitchen_light",
      outcome: "created",
      message: "",
    });
    expect(book.byAutomation("automation.turn_on_kitchen_light")?.patternId).toBe("routine-kitchen");
    expect(book.byAutomation("pattern_quality_routine-kitchen")?.patternId).toBe("routine-kitchen");
    expect(book.byAutomation("automation.other")).toBeUndefined();
    await book.close();
  });

  it("keeps everything across a reopen, and compacts the file to about a line per suggestion", async () => {
    const { dir, book } = await openBook();
    await book.offer([{ pattern: kitchen() }]);
    for (let i = 0; i < 120; i++) await book.offer([{ pattern: kitchen(), score: i / 200 }]);
    await book.answer("routine-kitchen", "approve", { by: "anna", source: "dashboard" });
    await book.close();
    const lines = (await readFile(path.join(dir, SUGGESTIONS_FILE), "utf8")).trim().split("\n");
    expect(lines.length).toBeLessThan(110);
    const reopened = await SuggestionBook.open(dir);
    expect(reopened.get("routine-kitchen")).toMatchObject({ score: 0.595, answer: { answer: "approve", by: "anna" } });
    await reopened.close();
  });

  it("refuses a bad answer or snooze setting, naming it", async () => {
    const dir = await tempDir();
    await expect(SuggestionBook.open(dir, { snoozeDays: 0 })).rejects.toThrow(/snoozeDays/);
    const book = await SuggestionBook.open(dir);
    await expect(book.answer("x", "maybe" as never, { source: "flow" })).rejects.toThrow(/answer: expected approve/);
    await book.close();
  });
});

describe("SuggestionBook: what is current", () => {
  it("leaves a routine the miner no longer offers out of the pending and askable ones, keeping its history", async () => {
    const { book, clock } = await openBook();
    await book.offer([{ pattern: kitchen() }, { pattern: kitchen(600, "routine-b") }]);
    clock.now += 4 * DAY;
    await book.offer([{ pattern: kitchen(600, "routine-b") }]);
    expect(book.pending().map((s) => s.patternId)).toEqual(["routine-b"]);
    expect(book.askable().map((s) => s.patternId)).toEqual(["routine-b"]);
    expect(book.get("routine-kitchen")).toBeDefined();
    await book.close();
  });

  it("tells who shows it when its content changed", async () => {
    const { book } = await openBook();
    const changes: string[][] = [];
    book.on("change", (ids: string[]) => changes.push(ids));
    await book.offer([{ pattern: kitchen() }]);
    await book.answer("routine-kitchen", "approve", { source: "flow" });
    await book.answer("routine-kitchen", "approve", { source: "flow" });
    expect(changes).toEqual([["routine-kitchen"], ["routine-kitchen"]]);
    await book.close();
  });
});
