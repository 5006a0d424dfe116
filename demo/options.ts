import path from "node:path";

/** How the demo runs, read from the environment (see the README's "Demo" section). */
export interface DemoOptions {
  /** The project root: Node-RED loads this package from here. */
  root: string;
  /** Node-RED's user directory; the model store, flows, log and the household's state live below it. */
  dir: string;
  /** Port for Node-RED on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** A real Home Assistant, when both are set; otherwise the embedded simulator is used. */
  homeAssistant?: { url: string; token: string };
  /** Real seconds a simulated day lasts (the simulator's clock runs this much faster than real time). */
  daySeconds: number;
  /** After this many answers the household's taste changes (drift); kept across restarts. */
  tasteChangeAfter: number;
  /** False: the household stays silent (DEMO_ANSWERS=0); answer on the dashboard yourself. */
  householdAnswers: boolean;
  /** Seed of the generated home (a new one is chosen and kept on the first start). */
  seed?: number;
  /** Secret that encrypts Node-RED's credentials file. */
  credentialSecret?: string;
}

/** Reads the demo options; bad values are errors naming the variable. */
export function demoOptions(env: NodeJS.ProcessEnv, root: string): DemoOptions {
  const haUrl = env.HA_URL?.trim();
  const haToken = env.HA_TOKEN?.trim();
  if (Boolean(haUrl) !== Boolean(haToken)) {
    throw new Error(
      "HA_URL and HA_TOKEN go together: set both to use a real Home Assistant, or neither for the simulator",
    );
  }
  const options: DemoOptions = {
    root,
    dir: path.resolve(root, env.DEMO_DIR?.trim() || ".demo"),
    port: integer(env, "PORT", 1880, 0, 65535),
    daySeconds: number(env, "DEMO_DAY_SECONDS", 60, 2, 86_400),
    tasteChangeAfter: integer(env, "DEMO_TASTE_CHANGE_AFTER", 10, 1, Number.MAX_SAFE_INTEGER),
    householdAnswers: env.DEMO_ANSWERS?.trim() !== "0",
  };
  if (env.DEMO_SEED?.trim()) options.seed = integer(env, "DEMO_SEED", 1, 1, 2 ** 31 - 1);
  if (haUrl && haToken) options.homeAssistant = { url: haUrl, token: haToken };
  const secret = env.NODE_RED_CREDENTIAL_SECRET?.trim();
  if (secret) options.credentialSecret = secret;
  return options;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = number(env, name, fallback, min, max);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got ${value}`);
  return value;
}
