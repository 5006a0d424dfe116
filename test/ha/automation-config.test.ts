// Creating a suggestion's automation in Home Assistant through its config API, against the
// simulator's implementation of it (HA's own answers and errors).
import { describe, expect, it } from "vitest";
import { automationBody, automationIdFor, createAutomation } from "../../src/ha/automation-config";
import { HomeAssistantConnection } from "../../src/ha/connection";
import { restBaseUrl } from "../../src/ha/connection-settings";
import { fast, onCleanup } from "./fixtures";
import { NOW, startHome } from "./simulator-home";

const WAKE_UP = {
  alias: "Turn on Kitchen light at about 06:45 on weekdays",
  description: "Suggested by pattern-quality from routine routine-abc: done by hand on 17 of 20 weekdays.",
  triggers: [{ trigger: "time", at: "06:45:00" }],
  conditions: [{ condition: "time", weekday: ["mon", "tue", "wed", "thu", "fri"] }],
  actions: [{ action: "light.turn_on", target: { entity_id: "light.kitchen" } }],
  mode: "single",
};

async function connected(token = "owner") {
  const sim = await startHome();
  const connection = new HomeAssistantConnection({ url: sim.url, token, ...fast });
  onCleanup(() => connection.close());
  await connection.connect();
  return { sim, connection };
}

describe("createAutomation", () => {
  it("creates the automation under the suggestion's id, finds its entity by unique id, and updates it when asked again", async () => {
    const { sim, connection } = await connected();
    const first = await createAutomation(connection, "routine-abc", WAKE_UP);
    expect(first).toEqual({
      outcome: "created",
      automationId: "pattern_quality_routine-abc",
      entityId: "automation.turn_on_kitchen_light_at_about_06_45_on_weekdays",
      alias: WAKE_UP.alias,
    });
    expect(sim.getState(first.entityId!)?.state).toBe("on");
    const again = await createAutomation(connection, "routine-abc", WAKE_UP);
    expect(again.outcome).toBe("updated");
    expect(again.entityId).toBe(first.entityId);
  });

  it("refuses an id held by an automation that did not come from the suggestion, leaving it untouched", async () => {
    const { connection } = await connected();
    const id = automationIdFor("routine-abc");
    const mine = { ...WAKE_UP, alias: "My own", description: "written by hand" };
    expect((await connection.rest("POST", `config/automation/config/${id}`, mine)).status).toBe(200);
    await expect(createAutomation(connection, "routine-abc", WAKE_UP)).rejects.toMatchObject({
      code: "automation-id-in-use",
      message: expect.stringContaining('already has an automation with the id pattern_quality_routine-abc ("My own")'),
    });
    expect((await connection.rest("GET", `config/automation/config/${id}`)).body).toMatchObject({ alias: "My own" });
  });

  it("passes on Home Assistant's 400 Message malformed", async () => {
    const { connection } = await connected();
    await expect(
      createAutomation(connection, "routine-bad", { ...WAKE_UP, triggers: [{ trigger: "nope" }] }),
    ).rejects.toMatchObject({
      code: "ha-refused",
      message: expect.stringContaining("(400): Message malformed: Invalid trigger 'nope' specified"),
    });
  });

  it("says a non-admin token cannot create automations, never showing the token", async () => {
    const { connection } = await connected("clara");
    const error = await createAutomation(connection, "routine-abc", WAKE_UP).catch((e: Error) => e);
    expect(error).toMatchObject({
      code: "ha-unauthorized",
      message: expect.stringContaining("needs an admin user's token"),
    });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain("clara");
  });

  it("says so when Home Assistant cannot be reached", async () => {
    const connection = new HomeAssistantConnection({ url: "http://127.0.0.1:9", token: "t", ...fast });
    onCleanup(() => connection.close());
    await expect(connection.rest("GET", "config/automation/config/x")).rejects.toMatchObject({
      code: "ha-cannot-connect",
    });
  });

  it("marks the description with the suggestion's id when the automation's own does not name it", () => {
    expect(automationBody("p1", { alias: "", triggers: [], actions: [] })).toMatchObject({
      alias: "Suggestion p1",
      description: "(from pattern-quality suggestion p1)",
    });
    expect(() => automationBody("p1", null)).toThrow(/automation: expected the proposed automation/);
    expect(automationIdFor("a b/c")).toBe("pattern_quality_a_b_c");
    expect(NOW).toBeInstanceOf(Date);
  });
});

describe("restBaseUrl", () => {
  it("derives the REST API from the websocket URL, and uses the Supervisor's inside the app", () => {
    expect(restBaseUrl({ url: "ws://homeassistant.local:8123/api/websocket", mode: "standalone" })).toBe(
      "http://homeassistant.local:8123/api",
    );
    expect(restBaseUrl({ url: "wss://ha.example.org/proxy/api/websocket", mode: "standalone" })).toBe(
      "https://ha.example.org/proxy/api",
    );
    expect(restBaseUrl({ url: "ws://supervisor/core/websocket", mode: "addon" })).toBe("http://supervisor/core/api");
  });
});
