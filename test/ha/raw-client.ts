import { expect } from "vitest";
import WebSocket from "ws";
import type { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { ADMIN, onCleanup, until } from "./fixtures";

/** A bare protocol client: what a test sends is exactly what goes over the wire. */
export async function rawClient(sim: HomeAssistantSimulator, path = "/api/websocket") {
  const ws = new WebSocket(`${sim.url.replace("http", "ws")}${path}`);
  const inbox: unknown[] = [];
  ws.on("message", (raw) => {
    let m: unknown;
    try {
      m = JSON.parse(raw.toString());
    } catch {
      // Kept as it came, for the faults that send something other than JSON.
      m = { notJson: raw.toString() };
    }
    if (Array.isArray(m)) inbox.push(...m);
    else inbox.push(m);
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  onCleanup(async () => ws.terminate());
  const next = async (count = 1): Promise<unknown> => {
    await until(() => inbox.length >= count, "a message");
    return inbox.splice(0, count)[count - 1];
  };
  const send = (m: unknown) => ws.send(typeof m === "string" ? m : JSON.stringify(m));
  return { ws, inbox, next, send, closed };
}

/** A bare client past the auth phase. */
export async function authed(sim: HomeAssistantSimulator, token = ADMIN) {
  const client = await rawClient(sim);
  await client.next();
  client.send({ type: "auth", access_token: token });
  expect(await client.next()).toEqual({ type: "auth_ok", ha_version: sim.haVersion });
  return client;
}
