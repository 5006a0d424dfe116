import { afterEach } from "vitest";
import {
  HomeAssistantConnection,
  type HaConnectionStatus,
  type HomeAssistantConnectionOptions,
} from "../../src/ha/connection";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";

export const ADMIN = "admin-token-7f3a9c1e5b";
export const GUEST = "guest-token-2d8e4b6a0c";

/** Short delays so reconnect tests finish quickly; the auth retry stays long to show it waits. */
export const fast: HomeAssistantConnectionOptions = {
  reconnectDelayMs: 20,
  maxReconnectDelayMs: 100,
  authRetryMs: 60_000,
  pingIntervalMs: 0,
  handshakeTimeoutMs: 2_000,
  authTimeoutMs: 2_000,
};

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Runs after the current test, last registered first. */
export function onCleanup(step: () => Promise<void>): void {
  cleanup.push(step);
}

export async function startSimulator(): Promise<HomeAssistantSimulator> {
  const sim = await HomeAssistantSimulator.start({
    tokens: [
      { token: ADMIN, admin: true, name: "Admin", userId: "user-admin" },
      { token: GUEST, admin: false, name: "Guest", userId: "user-guest" },
    ],
    notifyServices: ["mobile_app_phone", "family"],
  });
  onCleanup(() => sim.stop());
  return sim;
}

export function connectionTo(
  sim: HomeAssistantSimulator,
  options: HomeAssistantConnectionOptions = {},
): { connection: HomeAssistantConnection; statuses: HaConnectionStatus[]; warnings: string[]; subscribed: string[] } {
  const connection = new HomeAssistantConnection({ url: sim.url, token: ADMIN, ...fast, ...options });
  const statuses: HaConnectionStatus[] = [];
  const warnings: string[] = [];
  const subscribed: string[] = [];
  connection.on("status", (s: HaConnectionStatus) => statuses.push(s));
  connection.on("warning", (w: string) => warnings.push(w));
  connection.on("subscribed", (t: string) => subscribed.push(t));
  onCleanup(() => connection.close());
  return { connection, statuses, warnings, subscribed };
}

/** Resolves when `predicate` holds, checking every few milliseconds (gives up after 20 s). */
export async function until(predicate: () => boolean, what = "the condition"): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
