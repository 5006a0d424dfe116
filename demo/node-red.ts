import { spawn, type ChildProcess } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";

/** A Node-RED runtime started as a child process, and how to reach it. */
export interface RunningNodeRed {
  url: string;
  port: number;
  logFile: string;
  /** Resolves with the exit code once the process has ended, whoever ended it. */
  exited: Promise<number | null>;
  /** Asks Node-RED to stop (it closes its nodes, so stores flush), then waits; kills after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The settings file the demo gives Node-RED. `nodesDir` points at the project, so Node-RED loads
 * this package from its package.json; Dashboard 2 is found because Node-RED also scans the
 * node_modules folder it was installed from.
 */
export function settingsSource(options: { root: string; port: number; credentialSecret: string }): string {
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: options.port,
    flowFile: "flows.json",
    flowFilePretty: true,
    credentialSecret: options.credentialSecret,
    nodesDir: [options.root],
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    logging: { console: { level: "info", metrics: false, audit: false } },
    // "file" keeps what a flow must remember across restarts (the suggestions already let through
    // to ask household) in the user directory; the terminal's event list stays in memory.
    contextStorage: { default: { module: "memory" }, file: { module: "localfilesystem" } },
  };
  return `// Written by the demo on every start; edit demo/node-red.ts instead.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/** The credentials file Node-RED would write itself: per node id, encrypted with the secret. */
export function encryptCredentials(secret: string, credentials: Record<string, Record<string, string>>): { $: string } {
  const key = createHash("sha256").update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-ctr", key, iv);
  return {
    $: iv.toString("hex") + cipher.update(JSON.stringify(credentials), "utf8", "base64") + cipher.final("base64"),
  };
}

/** The secret of a demo directory: from the environment, else made once and kept there (mode 600). */
export async function credentialSecret(dir: string, fromEnvironment?: string): Promise<string> {
  if (fromEnvironment) return fromEnvironment;
  const file = path.join(dir, ".credential-secret");
  try {
    return (await fs.readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(24).toString("hex");
  await fs.writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

const LISTENING = /Server now running at (http:\/\/[^\s/]+:(\d+))\//;

/**
 * Starts `red.js` with the user directory and settings file, its output going to `node-red.log`
 * in that directory. Resolves once it listens; rejects (with the log's tail) if it exits first.
 */
export async function startNodeRed(options: {
  dir: string;
  settingsFile: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}): Promise<RunningNodeRed> {
  const redJs = require.resolve("node-red/red.js");
  const logFile = path.join(options.dir, "node-red.log");
  const log = createWriteStream(logFile, { flags: "a" });
  const child: ChildProcess = spawn(
    process.execPath,
    [redJs, "--userDir", options.dir, "--settings", options.settingsFile],
    {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  exited.finally(() => log.end()).catch(() => undefined);

  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`Node-RED did not start within ${options.startTimeoutMs ?? 60_000} ms; see ${logFile}`)),
      options.startTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen = (seen + chunk.toString("utf8")).slice(-4000);
      const match = LISTENING.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], port: Number(match[2]) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`Node-RED exited (code ${code}) before it was ready:\n${seen.split("\n").slice(-15).join("\n")}`),
      );
    });
  });

  const stop = async (graceMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    const { url, port } = await listening;
    return { url, port, logFile, exited, stop };
  } catch (error) {
    await stop(5_000);
    throw error;
  }
}
