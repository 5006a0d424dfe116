import type { HomeUser } from "../../src/mining/home-data";
import { HomeAssistantSimulator, type SimulatorOptions } from "../../src/testing/ha-simulator/simulator";
import { generateHome } from "../../src/testing/simulation/home-history";
import { onCleanup } from "./fixtures";

/** The end of the generated past; the simulator's clock is set to it. */
export const NOW = new Date("2026-12-07T05:00:00Z");
/** A small home with three days of past, in Berlin. */
export const home = generateHome({ seed: 11, now: NOW, days: 3, entityCount: 80, timeZone: "Europe/Berlin" });

const user = (name: string): HomeUser => home.users.find((u) => u.name === name)!;
export const SUPERVISOR = user("Supervisor");
export const CLOUD = user("Home Assistant Cloud");
export const OWNER = home.users.find((u) => u.is_owner)!;
/** A person with a login who is not an admin. */
export const CLARA = user("Clara");

/** Tokens: "app" is the Supervisor user's (as an app's connection is), "owner" and "clara" are people's. */
export async function startHome(options: SimulatorOptions = {}): Promise<HomeAssistantSimulator> {
  const sim = await HomeAssistantSimulator.start({
    home,
    tokens: [
      { token: "app", userId: SUPERVISOR.id },
      { token: "owner", userId: OWNER.id },
      { token: "clara", userId: CLARA.id },
    ],
    ...options,
  });
  sim.setClock(NOW);
  onCleanup(() => sim.stop());
  return sim;
}

/** Epoch seconds of an ISO time. */
export const seconds = (iso: string): number => new Date(iso).getTime() / 1000;
