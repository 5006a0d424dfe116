import { randomBytes } from "node:crypto";
import { HomeAssistantSimulator } from "./simulator";

/**
 * Starts the simulator for `npm run ha-sim` and returns it with the banner to print.
 * HA_SIM_PORT (default 8123) and HA_SIM_TOKEN (default: a fresh random admin token) configure it.
 */
export async function startDemoSimulator(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ simulator: HomeAssistantSimulator; token: string; banner: string }> {
  const token = env.HA_SIM_TOKEN ?? randomBytes(24).toString("hex");
  const simulator = await HomeAssistantSimulator.start({
    port: Number(env.HA_SIM_PORT ?? 8123),
    tokens: [{ token, admin: true, name: "Demo admin" }],
    notifyServices: ["mobile_app_phone"],
  });
  simulator.setState("input_select.pattern_decision", "pending", {
    options: ["pending", "approve", "reject"],
    pattern_id: "demo-pattern",
  });
  const url = simulator.url;
  const banner = [
    `Simulated Home Assistant ${simulator.haVersion}`,
    `  URL:        ${url}`,
    `  Websocket:  ${simulator.websocketUrl}`,
    `  Demo token: ${token}   (admin; for this simulator only)`,
    "",
    "Control (no auth, 127.0.0.1 only):",
    `  curl -X POST ${url}/sim/events/mobile_app_notification_action ` +
      `-d '{"data":{"action":"PATTERN_APPROVE_demo-pattern"}}'`,
    `  curl -X POST ${url}/sim/states/input_select.pattern_decision ` +
      `-d '{"state":"approve","attributes":{"pattern_id":"demo-pattern"}}'`,
    `  curl -X POST ${url}/sim/drop                  (drop all connections)`,
    `  curl -X POST "${url}/sim/restart?ms=3000"     (restart: refuse connections for 3 s)`,
    `  curl ${url}/sim/service-calls`,
    "",
  ].join("\n");
  return { simulator, token, banner };
}

/** Runs the demo as a program: prints the banner and stops on SIGINT/SIGTERM. Resolves to the stop function. */
export async function runDemo(
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<() => Promise<void>> {
  const { simulator, banner } = await startDemoSimulator(env);
  write(banner);
  const stop = async (): Promise<void> => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await simulator.stop();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return stop;
}

// Run only as a program, not when imported.
if (/[\\/]ha-simulator[\\/]cli\.js$/.test(process.argv[1] ?? "")) {
  runDemo().catch((err: Error) => {
    process.stderr.write(`Cannot start the simulator: ${err.message}\n`);
    process.exitCode = 1;
  });
}
