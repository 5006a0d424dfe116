import { describe, expect, it } from "vitest";
import { HomeAssistantError } from "../../src/ha/errors";
import { householdNames, namesOfPeople } from "../../src/ha/people";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { ADMIN, connectionTo, onCleanup, startSimulator } from "./fixtures";

describe("the household's names", () => {
  it("maps each person's user id to their name, from Home Assistant's person entities", async () => {
    const sim = await startSimulator();
    sim.addPerson({ name: "Anna", userId: "user-anna" });
    sim.addPerson({ name: "Ben Okafor", userId: "user-ben", state: "not_home" });
    // A child without a login has no user id: nobody decides as them.
    sim.addPerson({ name: "Mia" });
    sim.setState("light.hall", "on", { friendly_name: "Hall" });
    const { connection } = connectionTo(sim);
    await connection.connect();
    expect(await householdNames(connection)).toEqual(
      new Map([
        ["user-anna", "Anna"],
        ["user-ben", "Ben Okafor"],
      ]),
    );
  });

  it("is empty for a Home Assistant without person entities", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    expect((await householdNames(connection)).size).toBe(0);
  });

  it("reads people the simulator starts with, as Home Assistant keeps them", async () => {
    const sim = await HomeAssistantSimulator.start({
      tokens: [ADMIN],
      people: [{ name: "Carla", userId: "user-carla", id: "carla_r" }],
    });
    onCleanup(() => sim.stop());
    expect(sim.getState("person.carla_r")).toMatchObject({
      state: "home",
      attributes: { user_id: "user-carla", friendly_name: "Carla", id: "carla_r", editable: true, device_trackers: [] },
    });
    const { connection } = connectionTo(sim);
    await connection.connect();
    expect(await householdNames(connection)).toEqual(new Map([["user-carla", "Carla"]]));
  });

  it("rejects as the connection does when Home Assistant refuses get_states", async () => {
    const sim = await startSimulator();
    sim.injectFault("get_states", { kind: "error", code: "unknown_error", message: "boom" }, { times: 1 });
    const { connection } = connectionTo(sim);
    await connection.connect();
    const error = await householdNames(connection).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HomeAssistantError);
    expect((error as HomeAssistantError).code).toBe("ha-command-failed");
  });

  it("names a person without a friendly name by the entity's object id, and skips odd states", () => {
    const names = namesOfPeople([
      { entity_id: "person.dan", state: "home", attributes: { user_id: "user-dan" } },
      { entity_id: "person.eve", state: "home", attributes: { user_id: "", friendly_name: "Eve" } },
      { entity_id: "person.fay", state: "home" },
      { entity_id: "sensor.user", state: "1", attributes: { user_id: "user-x", friendly_name: "X" } },
      null,
      "person.gus",
    ]);
    expect(names).toEqual(new Map([["user-dan", "dan"]]));
  });

  it("refuses an answer that is not a list of states, saying so", () => {
    expect(() => namesOfPeople({ states: [] })).toThrow(
      expect.objectContaining({
        code: "ha-command-failed",
        message: "Home Assistant answered get_states with something other than a list of states.",
      }),
    );
  });
});
