// Starts the real Node-RED runtime (red.js) in a child process, for end-to-end and browser tests:
// a temporary user directory, 127.0.0.1 on a free port, a given flows file and settings, and
// this package loaded from its compiled build (dist/) through Node-RED's `nodesDir` setting.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The repository root: the package Node-RED loads (its package.json lists the nodes in dist/). */
export const packageRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

export interface NodeRedOptions {
  /** Flows to deploy: an array of node objects, or the path of a flows file to copy; omit to keep the user directory's (a restart). */
  flows?: unknown[] | string;
  /** Credentials for the flows file (stored unencrypted: the settings set no credential secret). */
  credentials?: Record<string, unknown>;
  /** Extra settings merged into settings.js (JSON-serializable: adminAuth, functionGlobalContext…). */
  settings?: Record<string, unknown>;
  /** Reuse this user directory (a restart) instead of creating a temporary one. */
  userDir?: string;
  /** Use this port (a restart keeps the URL); default: a free port. */
  port?: number;
  /** red.js to run; default: the one in NODE_RED_PATH when set, else the node-red package installed here. */
  redJs?: string;
  /** The Node.js binary; default: the one running the tests. */
  node?: string;
  /** Directories Node-RED loads node modules from; default: this package. */
  nodesDir?: string[];
  /** Environment variables added to the child's. */
  env?: Record<string, string>;
  /** How long to wait for "Started flows" before giving up (a safety net, not a measurement). */
  startTimeoutMs?: number;
}

export interface RunningNodeRed {
  /** http://127.0.0.1:<port> (the editor and admin API are at the root). */
  url: string;
  port: number;
  userDir: string;
  child: ChildProcess;
  /** Everything Node-RED printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output contains the text (or matches the pattern). */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Stops Node-RED the way Ctrl-C does (SIGINT: flows stop, nodes close), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts red.js and resolves once its flows have started. */
export async function startNodeRed(options: NodeRedOptions): Promise<RunningNodeRed> {
  const userDir = options.userDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-red-")));
  const port = options.port ?? (await freePort());
  const flowFile = path.join(userDir, "flows.json");
  if (typeof options.flows === "string") {
    if (path.resolve(options.flows) !== flowFile) await fs.copyFile(options.flows, flowFile);
  } else if (options.flows) {
    await fs.writeFile(flowFile, JSON.stringify(options.flows, null, 2));
  }
  if (options.credentials) {
    await fs.writeFile(path.join(userDir, "flows_cred.json"), JSON.stringify(options.credentials));
  }
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    flowFile: "flows.json",
    credentialSecret: false,
    nodesDir: options.nodesDir ?? [packageRoot],
    logging: { console: { level: "info", metrics: false, audit: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    editorTheme: { tours: false },
    ...options.settings,
  };
  const settingsFile = path.join(userDir, "settings.js");
  await fs.writeFile(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

  // NODE_RED_PATH names another Node-RED installation (the Node-RED 5 test leg).
  const redJs =
    options.redJs ??
    (process.env.NODE_RED_PATH ? path.join(process.env.NODE_RED_PATH, "red.js") : require.resolve("node-red/red.js"));
  const child = spawn(options.node ?? process.execPath, [redJs, "--userDir", userDir, "--settings", settingsFile], {
    cwd: userDir,
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const watchers = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const watcher of watchers) watcher();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      for (const watcher of watchers) watcher();
      resolve(exited);
    });
  });

  const waitForOutput = (pattern: string | RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const matches = () => (typeof pattern === "string" ? output.includes(pattern) : pattern.test(output));
      const timer = setTimeout(
        () =>
          finish(
            new Error(`Node-RED did not print ${String(pattern)} within ${timeoutMs} ms:\n${output.slice(-3000)}`),
          ),
        timeoutMs,
      );
      const check = () => {
        if (matches()) finish();
        else if (exited)
          finish(
            new Error(
              `Node-RED exited (${JSON.stringify(exited)}) before printing ${String(pattern)}:\n${output.slice(-3000)}`,
            ),
          );
      };
      const finish = (error?: Error) => {
        clearTimeout(timer);
        watchers.delete(check);
        if (error) reject(error);
        else resolve();
      };
      watchers.add(check);
      check();
    });

  const stop = async (graceMs = 20_000) => {
    if (exited) return exited;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };

  try {
    await waitForOutput("Started flows", options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop(5_000);
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port, userDir, child, output: () => output, waitForOutput, stop };
}
