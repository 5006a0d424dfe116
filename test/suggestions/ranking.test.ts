import { describe, expect, it } from "vitest";
import { type AskCandidate, chooseAsks } from "../../src/suggestions/ranking";
import { fieldOf } from "../support/invalid-input";

const DAY = 86_400_000;

function candidate(patternId: string, score: number, extra: Partial<AskCandidate> = {}): AskCandidate {
  return {
    patternId,
    score,
    uncertainty: 1 - Math.abs(2 * score - 1),
    minerConfidence: 0.5,
    firstSeenMs: 10 * DAY,
    ...extra,
  };
}

const ids = (asks: AskCandidate[]) => asks.map((a) => a.patternId);

describe("chooseAsks with a trained model", () => {
  it("asks the likeliest approval when the budget is one", () => {
    const asks = chooseAsks([candidate("a", 0.3), candidate("b", 0.9), candidate("c", 0.55)], 1);
    expect(ids(asks)).toEqual(["b"]);
  });

  it("asks the likeliest approvals, not the suggestions the model is least sure of", () => {
    const pool = [
      candidate("sure-yes", 0.95),
      candidate("likely", 0.8),
      candidate("toss", 0.5),
      candidate("leaning-no", 0.3),
      candidate("sure-no", 0.02),
    ];
    expect(ids(chooseAsks(pool, 3))).toEqual(["sure-yes", "likely", "toss"]);
    expect(ids(chooseAsks(pool, 2))).toEqual(["sure-yes", "likely"]);
  });

  it("breaks equal scores by the miner's confidence, then the newest, then the id", () => {
    const pool = [
      candidate("old-low", 0.5, { minerConfidence: 0.6, firstSeenMs: 1 * DAY }),
      candidate("z-new-high", 0.5, { minerConfidence: 0.9, firstSeenMs: 5 * DAY }),
      candidate("a-new-high", 0.5, { minerConfidence: 0.9, firstSeenMs: 5 * DAY }),
      candidate("old-high", 0.5, { minerConfidence: 0.9, firstSeenMs: 1 * DAY }),
    ];
    expect(ids(chooseAsks(pool, 1))).toEqual(["a-new-high"]);
    // With every score equal (an untrained forest), the order is the miner's.
    expect(ids(chooseAsks(pool, 4))).toEqual(["a-new-high", "z-new-high", "old-high", "old-low"]);
  });

  it("gives the same asks whatever order the candidates come in", () => {
    const pool = Array.from({ length: 20 }, (_, i) => candidate(`p${i}`, ((i * 37) % 100) / 100));
    const reversed = [...pool].reverse();
    expect(ids(chooseAsks(reversed, 5))).toEqual(ids(chooseAsks(pool, 5)));
  });

  it("returns the caller's own candidate objects", () => {
    const given = { ...candidate("a", 0.7), pattern: { title: "Turn on Kitchen light" } };
    expect(chooseAsks([given], 1)[0]).toBe(given);
  });

  it("asks nothing with a budget of zero or no candidates, and everything when the budget is larger", () => {
    expect(chooseAsks([candidate("a", 0.7)], 0)).toEqual([]);
    expect(chooseAsks([], 3)).toEqual([]);
    expect(ids(chooseAsks([candidate("a", 0.7), candidate("b", 0.2)], 10))).toEqual(["a", "b"]);
  });
});

describe("chooseAsks before the model is trained", () => {
  it("asks by the miner's confidence alone, whatever the scores say", () => {
    const pool = [
      candidate("confident", 0.1, { minerConfidence: 0.95 }),
      candidate("scored-high", 0.99, { minerConfidence: 0.4 }),
      candidate("middle", 0.5, { minerConfidence: 0.7 }),
    ];
    expect(ids(chooseAsks(pool, 2, { modelReady: false }))).toEqual(["confident", "middle"]);
    expect(ids(chooseAsks(pool, 2, { modelReady: true }))).toEqual(["scored-high", "middle"]);
  });
});

describe("chooseAsks refuses bad input, naming the field", () => {
  const good = candidate("a", 0.5);

  it.each([
    ["a negative budget", () => chooseAsks([good], -1), "budget"],
    ["a fractional budget", () => chooseAsks([good], 1.5), "budget"],
    ["a budget that is not a number", () => chooseAsks([good], "3" as unknown as number), "budget"],
    ["candidates that are not a list", () => chooseAsks({} as unknown as AskCandidate[], 1), "candidates"],
    ["a candidate that is not an object", () => chooseAsks([null as unknown as AskCandidate], 1), "candidates[0]"],
    ["a score above 1", () => chooseAsks([good, { ...good, patternId: "b", score: 1.2 }], 1), "candidates[1].score"],
    ["a score that is NaN", () => chooseAsks([{ ...good, score: Number.NaN }], 1), "candidates[0].score"],
    ["an uncertainty below 0", () => chooseAsks([{ ...good, uncertainty: -0.1 }], 1), "candidates[0].uncertainty"],
    ["a confidence above 1", () => chooseAsks([{ ...good, minerConfidence: 2 }], 1), "candidates[0].minerConfidence"],
    [
      "a first-seen time that is not finite",
      () => chooseAsks([{ ...good, firstSeenMs: Number.POSITIVE_INFINITY }], 1),
      "candidates[0].firstSeenMs",
    ],
    ["a blank pattern id", () => chooseAsks([{ ...good, patternId: " " }], 1), "candidates[0].patternId"],
    ["a pattern id given twice", () => chooseAsks([good, { ...good }], 1), "candidates[1].patternId"],
    [
      "a modelReady that is not true or false",
      () => chooseAsks([good], 1, { modelReady: "yes" as unknown as boolean }),
      "options.modelReady",
    ],
  ])("%s", (_, run, field) => {
    expect(fieldOf(run)).toBe(field);
  });
});
