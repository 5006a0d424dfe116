/**
 * A child process that generates a home and serves it from the Home Assistant simulator, behind
 * a recording proxy: the mining section's reader and Node-RED talk to it over the network, so
 * the simulator's own work (serializing a day of logbook per request) does not run on the event
 * loop whose lag is measured. Driven over IPC: `start` → `ready {url}`, `requests` → the
 * `logbook/get_events` the proxy saw, `stop`.
 */
import { HomeAssistantSimulator, type SimulatorOptions } from "../../src/testing/ha-simulator/simulator";
import { type GeneratedHome, generateHome } from "../../src/testing/simulation/home-history";
import { RecordingProxy } from "./speed";

/** What the parent sends. */
export type SimChildRequest =
  | { type: "start"; seed: number; now: string; token: string }
  | { type: "requests" }
  | { type: "reset" }
  | { type: "stop" };

let sim: HomeAssistantSimulator | undefined;
let proxy: RecordingProxy | undefined;

async function handle(message: SimChildRequest): Promise<void> {
  if (message.type === "start") {
    const home = generateHome({ seed: message.seed, now: new Date(message.now) });
    // A simulator without a home to serve answers logbook/get_events with unknown_command: the section says so.
    const options: SimulatorOptions & { home?: GeneratedHome } = { home, tokens: [message.token] };
    sim = await HomeAssistantSimulator.start(options);
    proxy = await RecordingProxy.start(sim.websocketUrl);
    process.send?.({ type: "ready", url: proxy.url, entries: home.logbook.length });
  } else if (message.type === "requests") {
    process.send?.({ type: "requests", requests: proxy?.logbookRequests() ?? [] });
  } else if (message.type === "reset") {
    proxy?.commands.splice(0);
    process.send?.({ type: "reset" });
  } else {
    await proxy?.stop();
    await sim?.stop();
    process.exit(0);
  }
}

process.on("message", (message: SimChildRequest) => {
  handle(message).catch((error: unknown) => {
    process.send?.({ type: "error", message: error instanceof Error ? error.message : String(error) });
  });
});
