// The day's questions and how answers come back: the budget, the ranking's input, the shapes read.
import { describe, expect, it } from "vitest";
import {
  answerOfAction,
  answerOfFeedback,
  askCandidate,
  chooseToday,
  evidenceOf,
  offersOf,
} from "../../src/suggestions/asking";
import { SuggestionBook } from "../../src/suggestions/book";
import { tempDir } from "../store/temp-dir";

const T0 = Date.parse("2026-12-07T09:00:00Z");
const pattern = (n: number, confidence: number) => ({
  id: `p${n}`,
  title: `Turn on Light ${n}`,
  description: `Turn on Light ${n}: done by hand on ${n} days`,
  confidence,
  routine: { kind: "time_of_day", change: { entityId: `light.l${n}`, to: "on" }, minute: 60 * n, dayClass: "daily" },
});

describe("chooseToday", () => {
  it("asks at most the day's budget, counting today's questions, the miner's most confident first before the model is trained", async () => {
    const clock = { now: T0 };
    const book = await SuggestionBook.open(await tempDir(), { clock: () => clock.now });
    await book.offer([1, 2, 3, 4].map((n) => ({ pattern: pattern(n, n / 10) })));
    const first = chooseToday(book, { asksPerDay: 3, modelReady: false, now: clock.now });
    expect(first.map((s) => s.patternId)).toEqual(["p4", "p3", "p2"]);
    await book.recordAsked(["p4", "p3"], "phone");
    expect(chooseToday(book, { asksPerDay: 3, modelReady: false, now: clock.now }).map((s) => s.patternId)).toEqual([
      "p2",
    ]);
    await book.recordAsked(["p2"], "phone");
    expect(chooseToday(book, { asksPerDay: 3, modelReady: false, now: clock.now })).toEqual([]);
    await book.close();
  });

  it("ranks by the model's score once it is trained", async () => {
    const book = await SuggestionBook.open(await tempDir(), { clock: () => T0 });
    await book.offer([
      { pattern: pattern(1, 0.9), score: 0.2, uncertainty: 0.4 },
      { pattern: pattern(2, 0.1), score: 0.8, uncertainty: 0.4 },
    ]);
    expect(chooseToday(book, { asksPerDay: 1, modelReady: true, now: T0 }).map((s) => s.patternId)).toEqual(["p2"]);
    await book.close();
  });
});

describe("reading what comes in", () => {
  it("pairs pattern-score's results with the patterns, and takes patterns alone", () => {
    const offers = offersOf(
      [
        {
          patternId: "p1",
          score: 0.7,
          uncertainty: 0.6,
          reasons: [{ feature: "area_count", value: 1, contribution: -0.1 }],
        },
      ],
      [pattern(1, 0.5)],
    );
    expect(offers).toEqual([
      { pattern: pattern(1, 0.5), score: 0.7, uncertainty: 0.6, reasons: ["In one room: speaks against it"] },
    ]);
    expect(offersOf(pattern(2, 0.5), undefined)).toEqual([{ pattern: pattern(2, 0.5) }]);
    expect(offersOf({ score: 0.5 }, pattern(3, 0.5))).toEqual([{ pattern: pattern(3, 0.5), score: 0.5 }]);
  });

  it("takes the evidence from the description", () => {
    expect(evidenceOf({ title: "A", description: "A: done 3 times" })).toBe("done 3 times");
    expect(evidenceOf({ title: "A", description: "A" })).toBeUndefined();
    expect(evidenceOf({ title: "A", description: "Something else" })).toBe("Something else");
  });

  it("reads the three buttons' actions, and nothing else", () => {
    const prefixes = {
      approvePrefix: "PATTERN_APPROVE_",
      rejectPrefix: "PATTERN_REJECT_",
      snoozePrefix: "PATTERN_SNOOZE_",
    };
    expect(answerOfAction("PATTERN_SNOOZE_routine-1", prefixes)).toEqual({ patternId: "routine-1", answer: "snooze" });
    expect(answerOfAction("PATTERN_APPROVE_x", prefixes)).toEqual({ patternId: "x", answer: "approve" });
    expect(answerOfAction("PATTERN_REJECT_", prefixes)).toBeNull();
    expect(answerOfAction("OPEN_GARAGE", prefixes)).toBeNull();
    expect(answerOfAction(42, prefixes)).toBeNull();
  });

  it("turns stored feedback into an answer with who and when", () => {
    expect(
      answerOfFeedback({
        patternId: "p",
        label: 0,
        user: "u",
        source: "ha:implicit",
        receivedAt: "2026-12-07T09:00:00Z",
      }),
    ).toEqual({ patternId: "p", answer: "reject", who: { by: "u", source: "ha:implicit", at: T0 } });
    const undated = answerOfFeedback({ patternId: "p", label: 1, source: "flow", receivedAt: "nonsense" });
    expect(undated).toMatchObject({ answer: "approve", who: { by: null } });
  });

  it("gives a never-scored suggestion the ranking's coin toss", async () => {
    const book = await SuggestionBook.open(await tempDir(), { clock: () => T0 });
    const [s] = await book.offer([{ pattern: pattern(1, 0.4) }]);
    expect(askCandidate(s!)).toEqual({
      patternId: "p1",
      score: 0.5,
      uncertainty: 1,
      minerConfidence: 0.4,
      firstSeenMs: T0,
    });
    await book.close();
  });
});
