import { randomBytes } from "node:crypto";
import { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import { MEMBERS } from "./loop";
import type { DemoOptions } from "./options";

/** The Home Assistant the demo talks to: the embedded simulator, or a real one. */
export interface DemoHomeAssistant {
  /** Base URL (http or https), as the connection node's form takes it. */
  url: string;
  token: string;
  /** One line for the terminal; never contains the token. */
  description: string;
  /** Resolves true once the flow listens for answers (known for the simulator only), false after the timeout. */
  listening(timeoutMs: number): Promise<boolean>;
  /** The household's answer, as an event on Home Assistant's bus. */
  answer(patternId: string, approve: boolean, user: string): Promise<void>;
  stop(): Promise<void>;
}

/** The household's phone, as the simulator's notify service and the answers' origin. */
const PHONE = "mobile_app_household_phone";

/**
 * Starts the simulator, or connects the demo to the real Home Assistant of HA_URL/HA_TOKEN. With
 * the simulator the household answers actionable notifications (`mobile_app_notification_action`,
 * as a phone does); with a real Home Assistant it fires the custom `pattern_feedback` event
 * instead, so no phone is impersonated there.
 */
export async function startHomeAssistant(options: DemoOptions): Promise<DemoHomeAssistant> {
  if (options.homeAssistant) {
    const { url, token } = options.homeAssistant;
    const base = url.replace(/\/+$/, "");
    return {
      url: base,
      token,
      description: `${base} (your Home Assistant)`,
      async answer(patternId, approve) {
        const response = await fetch(`${base}/api/events/pattern_feedback`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ pattern_id: patternId, decision: approve ? "approve" : "reject" }),
        });
        if (!response.ok)
          throw new Error(`Home Assistant refused the pattern_feedback event (HTTP ${response.status})`);
      },
      listening: async () => true,
      stop: async () => undefined,
    };
  }
  const token = randomBytes(24).toString("hex");
  // Each member has a login and a person entity, as in a real household: the dashboard shows their names.
  const users = new Map(MEMBERS.map((member) => [member, randomBytes(16).toString("hex")]));
  const simulator = await HomeAssistantSimulator.start({
    tokens: [{ token, admin: true, name: "Demo admin" }],
    notifyServices: [PHONE],
    people: [...users].map(([member, userId]) => ({ name: member.charAt(0).toUpperCase() + member.slice(1), userId })),
  });
  return {
    url: simulator.url,
    token,
    description: `${simulator.url} (embedded simulator)`,
    async answer(patternId, approve, user) {
      if (!users.has(user)) users.set(user, randomBytes(16).toString("hex"));
      simulator.fireEvent(
        "mobile_app_notification_action",
        { action: `${approve ? "PATTERN_APPROVE_" : "PATTERN_REJECT_"}${patternId}`, device_id: PHONE },
        { origin: "REMOTE", userId: users.get(user)! },
      );
    },
    async listening(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (simulator.subscriptionCount("mobile_app_notification_action") === 0) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return true;
    },
    stop: () => simulator.stop(),
  };
}
