// Shared by the browser tests: find Chromium (or say why the tests are skipped), run the demo
// (`node dist/demo/start.js`) as a child process, and keep artifacts of a run.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or null when they can. In CI (CI=true) a missing
 * browser is not a reason to skip: the tests then run and fail on it.
 */
export function browserSkipReason(): string | null {
  if (existsSync(chromiumPath)) return null;
  if (process.env.CI === "true") return null;
  const reason = `Chromium not found at ${chromiumPath} (install it with \`apt-get install chromium\`, or set CHROMIUM_PATH)`;
  // The default reporter only counts skipped tests; say why, once per file.
  console.warn(`browser tests skipped: ${reason}`);
  return reason;
}

/** Launches headless Chromium with the flags that work in containers. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`CI=true and Chromium is missing at ${chromiumPath}: the browser tests are required in CI`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Where a run's screenshots and output go: ARTIFACTS_DIR, else a folder under the temp dir. */
export async function artifactsDir(): Promise<string> {
  const dir = process.env.ARTIFACTS_DIR || path.join(os.tmpdir(), "pattern-quality-artifacts");
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** A running `npm start` demo. */
export interface RunningDemo {
  /** http://127.0.0.1:<port>, as the demo printed it. */
  url: string;
  dir: string;
  /** Everything the demo printed so far. */
  output(): string;
  /** Resolves when the output matches; rejects if the demo exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Ctrl-C: the demo stops Node-RED and the simulator, then exits. Resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** Starts the compiled demo in `dir` on a free port with the given environment. */
export async function startDemo(dir: string, env: Record<string, string> = {}): Promise<RunningDemo> {
  const child: ChildProcess = spawn(process.execPath, [path.join(projectRoot, "dist", "demo", "start.js")], {
    cwd: projectRoot,
    env: { ...process.env, DEMO_DIR: dir, PORT: "0", HA_URL: "", HA_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exitCode: number | null | undefined;
  const watchers = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const watcher of watchers) watcher();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      for (const watcher of watchers) watcher();
      resolve(code);
    }),
  );

  const waitForOutput = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`the demo did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-3000)}`)),
        timeoutMs,
      );
      const check = () => {
        const match = pattern.exec(output);
        if (match) finish(undefined, match);
        else if (exitCode !== undefined)
          finish(new Error(`the demo exited (code ${exitCode}) before printing ${pattern}:\n${output.slice(-3000)}`));
      };
      const finish = (error?: Error, match?: RegExpExecArray) => {
        clearTimeout(timer);
        watchers.delete(check);
        if (error) reject(error);
        else resolve(match!);
      };
      watchers.add(check);
      check();
    });

  const stop = async () => {
    if (exitCode !== undefined) return exitCode;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  try {
    const match = await waitForOutput(/Node-RED editor:\s+(http:\/\/127\.0\.0\.1:\d+)\//, 90_000);
    return { url: match[1]!, dir, output: () => output, waitForOutput, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** GET a JSON document from the running Node-RED. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns a value (not undefined); a safety net, not a measurement. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`);
}
