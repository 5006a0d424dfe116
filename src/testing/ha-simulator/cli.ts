import { randomBytes } from "node:crypto";
import { type GeneratedHome, generateHome } from "../simulation/home-history";
import { HomeAssistantSimulator } from "./simulator";

/**
 * Starts the simulator for `npm run ha-sim` and returns it with the banner to print: a generated
 * home with a past whose logbook ends now, so `pattern-quality suggest` has routines to find.
 * HA_SIM_PORT (default 8123), HA_SIM_TOKEN (default: a fresh random token of the home's
 * Supervisor user, an admin, as an app's connection is), HA_SIM_SEED (default 1), HA_SIM_DAYS
 * (default 28), HA_SIM_WALL_SHARE (default 0.5), HA_SIM_TIME_ZONE (default UTC), and
 * HA_SIM_HOME=empty for a home with nothing in it.
 */
export async function startDemoSimulator(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ simulator: HomeAssistantSimulator; token: string; banner: string; home?: GeneratedHome }> {
  const token = env.HA_SIM_TOKEN ?? randomBytes(24).toString("hex");
  const home =
    env.HA_SIM_HOME === "empty"
      ? undefined
      : generateHome({
          seed: Number(env.HA_SIM_SEED ?? 1),
          days: Number(env.HA_SIM_DAYS ?? 28),
          wallSwitchShare: Number(env.HA_SIM_WALL_SHARE ?? 0.5),
          timeZone: env.HA_SIM_TIME_ZONE ?? "UTC",
        });
  const supervisor = home?.users.find((u) => u.name === "Supervisor");
  const simulator = await HomeAssistantSimulator.start({
    port: Number(env.HA_SIM_PORT ?? 8123),
    tokens: [supervisor === undefined ? { token, admin: true, name: "Demo admin" } : { token, userId: supervisor.id }],
    notifyServices: ["mobile_app_phone"],
    ...(home === undefined ? {} : { home }),
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
    `  Demo token: ${token}   (${supervisor === undefined ? "admin" : "the Supervisor user, an admin, as an app"}; for this simulator only)`,
    home === undefined
      ? "  Home:       empty (HA_SIM_HOME=empty)"
      : `  Home:       seed ${home.seed}, ${home.states.length} entities, ${home.logbook.length} logbook entries ` +
        `until now, time zone ${home.timeZone}, ${home.planted.length} routines planted`,
    "",
    `Suggest:  pattern-quality suggest --ha-url ${url} --token ${token}`,
    "",
    "Control (no auth, 127.0.0.1 only):",
    `  curl -X POST ${url}/sim/events/mobile_app_notification_action ` +
      `-d '{"data":{"action":"PATTERN_APPROVE_demo-pattern"}}'`,
    `  curl -X POST ${url}/sim/states/input_select.pattern_decision ` +
      `-d '{"state":"approve","attributes":{"pattern_id":"demo-pattern"}}'`,
    `  curl -X POST ${url}/sim/act/light.kitchen -d '{"state":"on","by":"wall"}'   (or by user/voice/automation)`,
    `  curl -X POST ${url}/sim/clock -d '{"advance_ms":3600000}'   (time triggers on the way run)`,
    `  curl -X POST ${url}/sim/drop                  (drop all connections)`,
    `  curl -X POST "${url}/sim/restart?ms=3000"     (restart: refuse connections for 3 s)`,
    `  curl ${url}/sim/service-calls`,
    "",
  ].join("\n");
  return { simulator, token, banner, ...(home === undefined ? {} : { home }) };
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
