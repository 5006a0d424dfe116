// The demo's household: it reads a question's words to tell what kind of routine it is about,
// answers by a hidden taste the standard features can see too, decides the same way after a
// restart, and keeps its taste and progress in the demo directory.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { answerFor, kindOf, NOISE, wants } from "../../demo/household";
import { loadState, newState, saveState } from "../../demo/state";

const sequence = "Turn on Hallway light when Front door opens?\nfollowed 66 of 75 times, on 28 days, last today.";
const weekdays = "Turn on Kitchen light at about 06:51 on weekdays?\ndone by hand on 17 of 20 weekdays, last today.";
const everyDay = "Lock Front door lock at about 23:50 every day?\ndone by hand on 23 of 26 days, last today.";

describe("the demo household", () => {
  it("tells a sequence, a routine kept to some days and an every-day routine apart by the question's words", () => {
    expect(kindOf(sequence)).toBe("sequence");
    expect(kindOf(weekdays)).toBe("some-days");
    expect(kindOf("Activate Good morning at about 08:37 at weekends?")).toBe("some-days");
    expect(kindOf(everyDay)).toBe("every-day");
  });

  it("wants sequences and some-days routines first, and every-day routines after its taste changed", () => {
    expect([wants("sequences-and-weekdays", "sequence"), wants("sequences-and-weekdays", "some-days")]).toEqual([
      true,
      true,
    ]);
    expect(wants("sequences-and-weekdays", "every-day")).toBe(false);
    expect([wants("every-day", "every-day"), wants("every-day", "sequence")]).toEqual([true, false]);
  });

  it("answers by its taste but for about one answer in ten, and the same way for the same seed", () => {
    let against = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const answer = answerFor("sequences-and-weekdays", 5, `routine-${i}`, everyDay, false);
      if (answer === "approve") against++;
      expect(answerFor("sequences-and-weekdays", 5, `routine-${i}`, everyDay, false)).toBe(answer);
    }
    expect(against / runs).toBeGreaterThan(NOISE - 0.03);
    expect(against / runs).toBeLessThan(NOISE + 0.03);
  });

  it("says Not now only the first time it is asked", () => {
    const firstAnswers = Array.from({ length: 200 }, (_, i) =>
      answerFor("every-day", 9, `routine-${i}`, everyDay, true),
    );
    expect(firstAnswers).toContain("snooze");
    for (let i = 0; i < 200; i++) expect(answerFor("every-day", 9, `routine-${i}`, everyDay, false)).not.toBe("snooze");
  });

  it("keeps its changed taste and its progress in the demo directory", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-demo-state-"));
    try {
      expect(await loadState(dir)).toBeNull();
      const state = newState(42, new Date("2026-12-07T03:18:30Z"));
      expect(state).toMatchObject({ homeEnd: "2026-12-07T03:18:00.000Z", clock: state.homeEnd, answers: 0 });
      state.taste = "every-day";
      state.answers = 11;
      state.automations.push({
        id: "pattern_quality_routine-1",
        config: { alias: "Turn on Kitchen light" },
        off: true,
      });
      await saveState(dir, state);
      expect(await loadState(dir)).toEqual(state);
      expect(await fs.readdir(dir)).toEqual(["household.json"]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
