import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreLockedError } from "../../src/errors";
import { FeedbackLog } from "../../src/feedback/log";
import { VersionRegistry } from "../../src/versions/registry";
import { tempDir } from "./temp-dir";

const CHILD = path.join(__dirname, "crash-child.cjs");
const DIST = path.resolve(__dirname, "../../dist/src");
const BUILT = path.join(DIST, "versions", "registry.js");
// The child runs a private copy of the build, so a rebuild during the test cannot pull files away.
let distCopy = DIST;
const KILLS = 50;
const RETENTION = 2000;
// Kinds a crash may legitimately leave behind; anything else (a damaged registry, a wrong hash,
// a garbage line in the middle of a log) would mean a write was not atomic.
const CRASH_LEFTOVERS = new Set(["torn-line", "unfinished-save", "recovered-activation"]);

interface RunOutput {
  /** Acknowledged feedback: id and seq. */
  acked: [string, number][];
  activations: string[];
  errors: string[];
}

/** Starts the child, lets it work for `ms` after it is ready, then SIGKILLs it. */
function runAndKill(dir: string, run: number, ms: number): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      PATTERN_QUALITY_DIST: distCopy,
      NODE_PATH: path.resolve(__dirname, "../../node_modules"),
    };
    const child = spawn(process.execPath, [CHILD, dir, String(run), String(RETENTION)], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const output: RunOutput = { acked: [], activations: [], errors: [] };
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") setTimeout(() => child.kill("SIGKILL"), ms);
        else if (line.startsWith("ack ")) {
          const [id, seq] = line.slice(4).split(" ");
          output.acked.push([id!, Number(seq)]);
        } else if (line.startsWith("active ")) output.activations.push(line.slice(7));
        else if (line.startsWith("error ")) output.errors.push(line);
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`the child ended by itself: ${output.errors.join("\n")}${stderr}`));
      else resolve(output);
    });
  });
}

function validateCrashModel(json: unknown): void {
  if ((json as { format?: unknown } | null)?.format !== "crash-test") throw new Error("not the crash-test model");
}

describe("crash safety", () => {
  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first (npm test does)`);
    distCopy = path.join(await mkdtemp(path.join(tmpdir(), "pq-crash-dist-")), "src");
    await cp(DIST, distCopy, { recursive: true });
  });

  afterAll(async () => {
    if (distCopy !== DIST) await rm(path.dirname(distCopy), { recursive: true, force: true });
  });

  it("refuses a second writer while another process holds the store, naming the directory and its pid", async () => {
    const dir = await tempDir("pq-crash-");
    const env = {
      ...process.env,
      PATTERN_QUALITY_DIST: distCopy,
      NODE_PATH: path.resolve(__dirname, "../../node_modules"),
    };
    const child = spawn(process.execPath, [CHILD, dir, "0", String(RETENTION)], {
      stdio: ["ignore", "pipe", "ignore"],
      env,
    });
    try {
      await new Promise<void>((resolve) =>
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()),
      );
      const attempt = VersionRegistry.open(dir);
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(attempt).rejects.toMatchObject({ directory: dir, holderPid: child.pid });
      await expect(FeedbackLog.open(dir)).rejects.toThrow(new RegExp(`${dir} is in use by process ${child.pid}`));
    } finally {
      child.kill("SIGKILL");
      await once(child, "close");
    }
    // Once the holder is gone, its lock is stale and the store opens.
    await (await VersionRegistry.open(dir)).close();
  });

  it(`keeps every acknowledged feedback and a verified active version across ${KILLS} SIGKILLs`, async () => {
    const dir = await tempDir("pq-crash-");
    const acked: [string, number][] = [];
    const leftovers: Record<string, number> = {};
    let activationsAcked = 0;
    for (let run = 0; run < KILLS; run += 1) {
      const output = await runAndKill(dir, run, 20 + Math.floor(Math.random() * 250));
      acked.push(...output.acked);
      activationsAcked += output.activations.length;

      const log = await FeedbackLog.open(dir, { retention: RETENTION });
      const registry = await VersionRegistry.open(dir, { validateModel: validateCrashModel, retention: 5 });
      try {
        for (const problem of [...log.problems, ...registry.problems]) {
          expect(CRASH_LEFTOVERS, `run ${run}: ${problem.message}`).toContain(problem.kind);
          leftovers[problem.kind] = (leftovers[problem.kind] ?? 0) + 1;
        }
        expect(log.problems.length, `run ${run}: only the last line can be torn`).toBeLessThanOrEqual(1);
        // Every acknowledged feedback is there, unless retention dropped it as one of the oldest.
        const firstSeq = log.stats().firstSeq ?? Number.POSITIVE_INFINITY;
        const missing = acked.filter(([id]) => !log.has(id));
        if (missing.length > 0)
          expect(log.size, `run ${run}: acknowledged feedback missing`).toBeGreaterThanOrEqual(RETENTION);
        expect(
          missing.filter(([, seq]) => seq >= firstSeq),
          `run ${run}: lost, not dropped by retention`,
        ).toEqual([]);
        // The registry parses, its pointer agrees with the activation log, and every acknowledged
        // activation of this run is in the log.
        const history = registry.activations();
        const reasons = new Set(history.map((record) => record.reason));
        for (const reason of output.activations) expect(reasons, `run ${run}`).toContain(reason);
        if (history.length > 0) {
          expect(registry.activeId).toBe(history.at(-1)!.to);
          expect(await registry.loadModel(registry.activeId!)).toMatchObject({ format: "crash-test" });
        }
        for (const folder of [dir, path.join(dir, "models")]) {
          expect(
            (await readdir(folder)).filter((name) => name.includes(".tmp-")),
            `run ${run}`,
          ).toEqual([]);
        }
      } finally {
        await registry.close();
        await log.close();
      }
    }
    expect(acked.length).toBeGreaterThan(KILLS);
    expect(activationsAcked).toBeGreaterThan(0);
    console.log(
      `crash test: ${KILLS} kills, ${acked.length} acknowledged feedback, ${activationsAcked} acknowledged activations, recovered: ${JSON.stringify(leftovers)}`,
    );
  }, 180_000);
});
