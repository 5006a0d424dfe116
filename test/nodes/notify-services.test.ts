// The editor's list of phones: Home Assistant's notify.mobile_app_* services through the deployed connection.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { approvalOf } from "../../nodes/automation-create/approval";
import { phoneServices } from "../../nodes/pattern-quality-ha/notify-services";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { errorStatus } from "../../nodes/shared/status";
import { InvalidInputError } from "../../src/errors";
import { questionText } from "../../src/ha/notifier";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { helper, initNodeRed } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

const nodes = [(RED: NodeRedApi) => registerHa(RED, fast)];

describe("GET pattern-quality-ha/<id>/notify-services", () => {
  it("lists the phones Home Assistant can notify", async () => {
    const sim = await startSimulator();
    await helper.load(nodes, [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha") as any;
    ha.register({ id: "someone" });
    await until(() => ha.connection.connected, "the connection");
    const res = await helper.request().get("/pattern-quality-ha/ha/notify-services").expect(200);
    expect(res.body).toEqual({ services: ["notify.mobile_app_phone"] });
  });

  it("says the connection must be deployed, or connected, first", async () => {
    await helper.load(nodes, [{ id: "ha", type: "pattern-quality-ha", url: "http://127.0.0.1:9" }], {
      ha: { token: "t" },
    });
    const missing = await helper.request().get("/pattern-quality-ha/nope/notify-services").expect(404);
    expect(missing.body.error).toMatch(/not deployed/);
    const offline = await helper.request().get("/pattern-quality-ha/ha/notify-services").expect(503);
    expect(offline.body.error).toMatch(/^Not connected to Home Assistant/);
  });

  it("keeps only mobile_app notify services", () => {
    expect(phoneServices({ notify: { mobile_app_b: {}, family: {}, mobile_app_a: {} } })).toEqual([
      "notify.mobile_app_a",
      "notify.mobile_app_b",
    ]);
    expect(phoneServices(null)).toEqual([]);
  });
});

describe("what create automation reads", () => {
  it("takes a pattern, an answer or an approve topic", () => {
    expect(approvalOf({ payload: { id: "p", automation: { alias: "a" } } })).toEqual({
      patternId: "p",
      approved: true,
      automation: { alias: "a" },
    });
    expect(approvalOf({ payload: { patternId: "p", label: 0 } })).toMatchObject({ approved: false });
    expect(approvalOf({ topic: "approve", payload: { patternId: "p" }, pattern: { automation: { x: 1 } } })).toEqual({
      patternId: "p",
      approved: true,
      automation: { x: 1 },
    });
    expect(approvalOf({ payload: { patternId: "p", answer: "snooze" } }).approved).toBe(false);
    expect(() => approvalOf({ payload: { patternId: "p", label: "maybe" } })).toThrow(/msg.payload.label/);
    expect(() => approvalOf({ payload: [] })).toThrow(/msg.payload: expected a pattern/);
  });
});

describe("words", () => {
  it("asks the suggestion as a question with its evidence below", () => {
    expect(questionText("Turn on Kitchen light at about 06:45 on weekdays", "done by hand on 17 of 20 weekdays")).toBe(
      "Turn on Kitchen light at about 06:45 on weekdays?\nDone by hand on 17 of 20 weekdays.",
    );
    expect(questionText("Lock the door.")).toBe("Lock the door?");
  });

  it("shows a rollback with no earlier version as such, not as a bad field", () => {
    expect(errorStatus(new InvalidInputError("to", "there is no previous version to roll back to"))).toEqual({
      fill: "yellow",
      shape: "ring",
      text: "no earlier version",
    });
  });
});
