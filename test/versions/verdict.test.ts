import { describe, expect, it } from "vitest";
import { updatePlace, versionVerdict } from "../../src/versions/verdict";

const judged = (outcome: string) => ({ outcome }) as NonNullable<Parameters<typeof versionVerdict>[0]["evaluation"]>;
const places = { active: "v0002", onTrial: "v0003", waiting: "v0004" };

describe("a version's verdict in words", () => {
  it("is its trial's outcome once it has one, wherever it stands", () => {
    expect(versionVerdict({ id: "v0003", evaluation: judged("worse") }, places)).toBe("worse");
    expect(versionVerdict({ id: "v0002", evaluation: judged("better") }, places)).toBe("better");
    expect(versionVerdict({ id: "v0001", evaluation: judged("superseded by v0002") }, places)).toBe(
      "superseded by v0002",
    );
  });

  it("says why a version has none: on trial, waiting, live, never judged", () => {
    expect(versionVerdict({ id: "v0003", evaluation: null }, places)).toBe("on trial");
    expect(versionVerdict({ id: "v0004", evaluation: null }, places)).toBe("waiting for the trial of v0003 to end");
    expect(versionVerdict({ id: "v0002", evaluation: null }, places)).toBe("live, not judged yet");
    expect(versionVerdict({ id: "v0001", evaluation: null }, places)).toBe("never judged");
  });
});

describe("what became of an update's version, in words", () => {
  it("names the version it is judged beside, or the one whose trial it waits for", () => {
    const trial = { against: "v0003", waitingFor: null };
    expect(updatePlace({ activated: false, trial })).toBe("on trial beside v0003");
    expect(updatePlace({ activated: false, trial: { ...trial, waitingFor: "v0004" } })).toBe(
      "waiting for the trial of v0004 to end",
    );
    expect(updatePlace({ activated: true, trial: null })).toBe("live now");
    expect(updatePlace({ activated: false, trial: null })).toBe("kept back (the active version stays)");
  });
});
