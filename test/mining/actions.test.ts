import { describe, expect, it } from "vitest";
import { actionFor, actionPhrase, isPassingState, triggerPhrase } from "../../src/mining/actions";
import { HomeIndex } from "../../src/mining/home-index";
import { smallHome } from "./logbook-builder";

describe("a change as the service call that repeats it", () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ["light", "on", "light.turn_on", "Turn on Lamp"],
    ["switch", "off", "switch.turn_off", "Turn off Lamp"],
    ["fan", "auto", undefined, undefined],
    ["cover", "open", "cover.open_cover", "Open Lamp"],
    ["cover", "closed", "cover.close_cover", "Close Lamp"],
    ["cover", "stopped", undefined, undefined],
    ["lock", "locked", "lock.lock", "Lock Lamp"],
    ["lock", "unlocked", "lock.unlock", "Unlock Lamp"],
    ["lock", "open", undefined, undefined],
    ["media_player", "playing", "media_player.media_play", "Play Lamp"],
    ["media_player", "paused", "media_player.media_pause", "Pause Lamp"],
    ["media_player", "on", "media_player.turn_on", "Turn on Lamp"],
    ["media_player", "off", "media_player.turn_off", "Turn off Lamp"],
    ["media_player", "idle", undefined, undefined],
    ["climate", "off", "climate.turn_off", "Turn off Lamp"],
    ["climate", "heat_cool", "climate.set_hvac_mode", "Set Lamp to heat cool"],
    ["climate", "unknown_mode", undefined, undefined],
    ["vacuum", "cleaning", "vacuum.start", "Start Lamp"],
    ["vacuum", "docked", "vacuum.return_to_base", "Dock Lamp"],
    ["vacuum", "error", undefined, undefined],
    ["input_select", "Movie", "input_select.select_option", "Set Lamp to Movie"],
    ["scene", "activated", "scene.turn_on", "Activate Lamp"],
    ["input_button", "activated", "input_button.press", "Press Lamp"],
    ["sensor", "on", undefined, undefined],
  ];
  for (const [domain, to, service, words] of cases) {
    it(`${domain} to ${to}: ${service ?? "no action"}`, () => {
      const action = actionFor(domain, to);
      expect(action?.service).toBe(service);
      expect(action === undefined ? undefined : actionPhrase(action, "Lamp")).toBe(words);
    });
  }

  it("gives the data a state needs", () => {
    expect(actionFor("climate", "heat")?.data).toEqual({ hvac_mode: "heat" });
    expect(actionFor("select", "Eco")?.data).toEqual({ option: "Eco" });
  });

  it("tells passing and unknown states from chosen ones", () => {
    expect(["opening", "unavailable", "unknown", "jammed"].every(isPassingState)).toBe(true);
    expect(isPassingState("open")).toBe(false);
  });
});

describe("a trigger in words", () => {
  const cases: [string, string, string | undefined, string][] = [
    ["binary_sensor", "on", "window", "Door opens"],
    ["binary_sensor", "off", "garage_door", "Door closes"],
    ["binary_sensor", "on", "occupancy", "Door detects someone"],
    ["binary_sensor", "off", "motion", "Door clears"],
    ["binary_sensor", "on", undefined, "Door turns on"],
    ["sun", "below_horizon", undefined, "the sun sets"],
    ["sun", "above_horizon", undefined, "the sun rises"],
    ["person", "home", undefined, "Door comes home"],
    ["device_tracker", "not_home", undefined, "Door leaves home"],
    ["person", "Work", undefined, "Door is at Work"],
    ["scene", "activated", undefined, "Door is activated"],
    ["light", "off", undefined, "Door turns off"],
    ["cover", "open", undefined, "Door opens"],
    ["cover", "closed", undefined, "Door closes"],
    ["cover", "stopped", undefined, "Door is stopped"],
    ["lock", "unlocked", undefined, "Door is unlocked"],
    ["media_player", "playing", undefined, "Door starts playing"],
    ["input_select", "movie_night", undefined, "Door changes to movie night"],
  ];
  for (const [domain, to, deviceClass, words] of cases) {
    it(`${domain} ${to}${deviceClass ? ` (${deviceClass})` : ""}: "${words}"`, () => {
      expect(triggerPhrase(domain, to, "Door", deviceClass)).toBe(words);
    });
  }
});

describe("what the registries say of an entity", () => {
  it("names an entity by its friendly name, its registry name, its device's, or its object id in words", () => {
    const home = smallHome({
      names: { "light.kitchen": "  Kitchen light " },
      entities: [
        { entity_id: "light.kitchen", device_id: "dev-kitchen-light", area_id: null, platform: "hue" },
        { entity_id: "light.desk", device_id: null, area_id: "office", platform: "hue", name: "Desk lamp" },
        { entity_id: "light.hall", device_id: "dev-hall-light", area_id: null, platform: "hue", original_name: " " },
        { entity_id: "switch.pump", device_id: null, area_id: null, platform: "shelly" },
      ],
    });
    const index = new HomeIndex(home);
    expect(index.name("light.kitchen")).toBe("Kitchen light");
    expect(index.name("light.desk")).toBe("Desk lamp");
    expect(index.name("light.hall")).toBe("Hall light");
    expect(index.name("switch.pump")).toBe("Pump");
    expect(index.name("switch.garden_pump")).toBe("Garden pump");
    expect(index.areaId("light.desk")).toBe("office");
    expect(index.areaId("light.hall")).toBe("hallway");
    expect(index.areaId("switch.pump")).toBeUndefined();
    expect(index.deviceId("light.desk")).toBeUndefined();
  });

  it("treats every entity as present when the home told nothing of its entities", () => {
    const index = new HomeIndex(smallHome({ names: {}, entities: [] }));
    expect(index.exists("light.anything")).toBe(true);
    expect(new HomeIndex(smallHome()).exists("light.gone")).toBe(false);
  });
});
