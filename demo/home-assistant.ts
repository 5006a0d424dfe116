import { randomBytes } from "node:crypto";
import { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import { type GeneratedHome, generateHome } from "../src/testing/simulation/home-history";
import type { DemoOptions } from "./options";
import type { HouseholdState } from "./state";

/** The household's phone: the simulator's notify service, named in the flow's ask household node. */
export const PHONE = "mobile_app_household_phone";

/** The Home Assistant the demo talks to: the embedded simulator with a generated home, or a real one. */
export interface DemoHomeAssistant {
  /** Base URL (http or https), as the connection node's form takes it. */
  url: string;
  token: string;
  /** One line for the terminal; never contains the token. */
  description: string;
  /** The simulator and its home; undefined with a real Home Assistant. */
  simulated?: { simulator: HomeAssistantSimulator; home: GeneratedHome };
  stop(): Promise<void>;
}

/**
 * Starts the simulator serving the generated home of the state's seed (four weeks of logbook
 * ending at `homeEnd`), puts back the automations created before a restart (off ones off) and
 * sets its clock where the household left it; or takes the real Home Assistant of HA_URL/HA_TOKEN.
 * The flow connects as the home's "Supervisor" user, as it would inside the Home Assistant app.
 */
export async function startHomeAssistant(options: DemoOptions, state: HouseholdState): Promise<DemoHomeAssistant> {
  if (options.homeAssistant) {
    const { url, token } = options.homeAssistant;
    const base = url.replace(/\/+$/, "");
    return { url: base, token, description: `${base} (your Home Assistant)`, stop: async () => undefined };
  }
  const home = generateHome({ seed: state.seed, now: new Date(state.homeEnd) });
  const supervisor = home.users.find((user) => user.name === "Supervisor");
  const token = randomBytes(24).toString("hex");
  const simulator = await HomeAssistantSimulator.start({
    home,
    tokens: [{ token, admin: true, ...(supervisor ? { userId: supervisor.id } : {}) }],
    notifyServices: [PHONE],
  });
  for (const kept of state.automations) {
    const response = await fetch(`${simulator.url}/api/config/automation/config/${encodeURIComponent(kept.id)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(kept.config),
    });
    if (!response.ok) throw new Error(`the simulator refused automation ${kept.id} back: HTTP ${response.status}`);
    const entityId = await automationEntity(simulator.url, token, kept.id);
    if (kept.off && entityId) simulator.setState(entityId, "off");
  }
  simulator.setClock(new Date(state.clock));
  return {
    url: simulator.url,
    token,
    description: `${simulator.url} (embedded simulator: a generated home, seed ${state.seed}, 4 weeks of logbook)`,
    simulated: { simulator, home },
    stop: () => simulator.stop(),
  };
}

/** The entity of an automation id: the automation whose state's `id` attribute it is (REST /api/states). */
export async function automationEntity(url: string, token: string, automationId: string): Promise<string | null> {
  const response = await fetch(`${url}/api/states`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return null;
  const states = (await response.json()) as { entity_id: string; attributes?: Record<string, unknown> }[];
  const found = states.find((s) => s.entity_id.startsWith("automation.") && s.attributes?.id === automationId);
  return found?.entity_id ?? null;
}
