// The Home Assistant app's options over its household flow: each part (mining, questions on the
// phone, creating automations) turned off and on by its option; an option applied only when it
// changed since the last start, so a setting changed in the editor stays.
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../browser/support";

const { applyOptions, appliedOptions, householdFlow } = createRequire(import.meta.url)(
  path.join(projectRoot, "addon", "household.js"),
) as {
  applyOptions(
    flows: Record<string, unknown>[],
    options: Record<string, unknown>,
    previous?: Record<string, unknown> | null,
  ): { changes: string[]; problems: string[] };
  appliedOptions(options: Record<string, unknown>): Record<string, unknown>;
  householdFlow(): Record<string, unknown>[];
};

describe("the app's options over the household flow", () => {
  it("turns each part of the household flow off by its option, and on again", () => {
    const flows = householdFlow();
    const offOptions = { mine_routines: false, create_automations: false, phone_notify_service: "", asks_per_day: 0 };
    const off = applyOptions(flows, offOptions);
    const node = (id: string) => flows.find((n) => n.id === id)!;
    expect(node("pq-home-detect").d).toBe(true);
    expect(node("pq-home-create").d).toBe(true);
    expect(node("pq-home-ask")).toMatchObject({ notifyService: "", asksPerDay: 0 });
    expect(off.changes).toEqual(["mining routines off", "creating automations off", "0 questions a day"]);
    const on = {
      mine_routines: true,
      create_automations: true,
      phone_notify_service: "mobile_app_x",
      asks_per_day: 3,
    };
    applyOptions(flows, on, appliedOptions(offOptions));
    expect(node("pq-home-detect").d).toBeUndefined();
    expect(node("pq-home-create").d).toBeUndefined();
    expect(node("pq-home-ask").notifyService).toBe("notify.mobile_app_x");
  });

  it("leaves a setting changed in the editor alone while its option stays as it was", () => {
    const flows = householdFlow();
    const options = { mine_routines: true, create_automations: true, phone_notify_service: "", asks_per_day: 3 };
    const ask = flows.find((n) => n.id === "pq-home-ask")!;
    // Chosen in the editor's "Ask on" list after the first start; the option is still empty.
    ask.notifyService = "notify.mobile_app_annas_phone";
    expect(applyOptions(flows, options, appliedOptions(options)).changes).toEqual([]);
    expect(ask.notifyService).toBe("notify.mobile_app_annas_phone");
  });

  it("takes a phone named with or without notify., and refuses what is not a notify service", () => {
    const flows = householdFlow();
    const ask = flows.find((n) => n.id === "pq-home-ask")!;
    applyOptions(flows, { phone_notify_service: "notify.mobile_app_annas_phone" });
    expect(ask.notifyService).toBe("notify.mobile_app_annas_phone");
    const refused = applyOptions(flows, { phone_notify_service: "light.kitchen; rm -rf" });
    expect(ask.notifyService).toBe("");
    expect(refused.problems).toEqual([expect.stringContaining("is not a notify service")]);
  });
});
