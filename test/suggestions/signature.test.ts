// When a rejected routine counts as a new question: the signature and what "material" means.
import { describe, expect, it } from "vitest";
import { changedMaterially, signatureOf } from "../../src/suggestions/signature";

const timeOfDay = (minute: number, to = "on", dayClass = "weekdays") => ({
  routine: { kind: "time_of_day", change: { entityId: "light.kitchen", to }, minute, dayClass },
});
const sequence = (action = "light.hall") => ({
  routine: {
    kind: "sequence",
    trigger: { entityId: "binary_sensor.door", to: "on" },
    action: { entityId: action, to: "on" },
  },
});

describe("changedMaterially", () => {
  it("is false for the same routine with its centre moved within the window, across midnight too", () => {
    expect(changedMaterially(signatureOf(timeOfDay(405)), signatureOf(timeOfDay(440)))).toBe(false);
    expect(changedMaterially(signatureOf(timeOfDay(1430)), signatureOf(timeOfDay(20)))).toBe(false);
  });

  it("is true for a centre moved by more than the window, another state, another day class", () => {
    expect(changedMaterially(signatureOf(timeOfDay(405)), signatureOf(timeOfDay(480)))).toBe(true);
    expect(changedMaterially(signatureOf(timeOfDay(405)), signatureOf(timeOfDay(405, "off")))).toBe(true);
    expect(changedMaterially(signatureOf(timeOfDay(405)), signatureOf(timeOfDay(405, "on", "daily")))).toBe(true);
  });

  it("compares sequences by trigger and action, and flow patterns by their automation", () => {
    expect(changedMaterially(signatureOf(sequence()), signatureOf(sequence()))).toBe(false);
    expect(changedMaterially(signatureOf(sequence()), signatureOf(sequence("light.porch")))).toBe(true);
    const flow = (entity: string) => ({ automation: { triggers: [], actions: [{ action: "light.turn_on", entity }] } });
    expect(signatureOf(flow("a")).kind).toBe("automation");
    expect(changedMaterially(signatureOf(flow("a")), signatureOf(flow("a")))).toBe(false);
    expect(changedMaterially(signatureOf(flow("a")), signatureOf(flow("b")))).toBe(true);
    expect(changedMaterially(signatureOf(sequence()), signatureOf(flow("a")))).toBe(true);
  });
});
