import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Feedback } from "../../src/feedback/feedback";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import { householdNames } from "../../src/ha/people";
import { PatternModel } from "../../src/model/pattern-model";
import { connectionTo, onCleanup, startSimulator, until } from "../ha/fixtures";

describe("who decided, from Home Assistant", () => {
  it("records the user who answered on the phone and names them from their person entity", async () => {
    const sim = await startSimulator();
    sim.addPerson({ name: "Anna", userId: "user-anna" });
    sim.addPerson({ name: "Ben", userId: "user-ben" });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "decisions-ha-"));
    const model = await PatternModel.open({
      storeDir: dir,
      schema: { kind: "names", names: ["a"] },
      autoUpdate: false,
    });
    onCleanup(async () => {
      await model.close();
      await fs.rm(dir, { recursive: true, force: true });
    });
    const { connection } = connectionTo(sim);
    await connection.connect();
    const source = new HaFeedbackSource(connection, {});
    onCleanup(() => source.stop());
    const stored: Promise<unknown>[] = [];
    source.on("feedback", (feedback: Feedback) => stored.push(model.addFeedback([feedback])));
    await source.start();

    sim.fireEvent("mobile_app_notification_action", { action: "PATTERN_APPROVE_hall" }, { userId: "user-anna" });
    sim.fireEvent("mobile_app_notification_action", { action: "PATTERN_REJECT_porch" }, { userId: "user-ben" });
    sim.fireEvent("pattern_feedback", { pattern_id: "attic", decision: "approve" }, { userId: "user-anna" });
    // Fired by an automation: Home Assistant records no user.
    sim.fireEvent("pattern_feedback", { pattern_id: "cellar", decision: "reject" });
    await until(() => stored.length === 4);
    await Promise.all(stored);

    const view = model.decisions({ names: await householdNames(connection) });
    expect(view.recent.map((d) => [d.patternId, d.user, d.name])).toEqual([
      ["cellar", null, null],
      ["attic", "user-anna", "Anna"],
      ["porch", "user-ben", "Ben"],
      ["hall", "user-anna", "Anna"],
    ]);
    const people = view.people.map((p) => [p.name, p.approved, p.rejected]);
    expect(people[0]).toEqual(["Anna", 2, 0]);
    expect(people.slice(1)).toEqual(
      expect.arrayContaining([
        ["Ben", 0, 1],
        [null, 0, 1],
      ]),
    );
  });
});
