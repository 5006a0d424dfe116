import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, watch } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreLockedError } from "../../src/errors";
import { FeedbackLog } from "../../src/feedback/log";
import { VersionRegistry } from "../../src/versions/registry";
import { tempDir } from "./temp-dir";

const CHILD = path.join(__dirname, "crash-child.cjs");
const COMPACTION_CHILD = path.join(__dirname, "compaction-child.cjs");
const DIST = path.resolve(__dirname, "../../dist/src");
const BUILT = path.join(DIST, "versions", "registry.js");
// The child runs a private copy of the build, so a rebuild during the test cannot pull files away.
let distCopy = DIST;
const KILLS = 50;
const RETENTION = 2000;
// Kills that must land inside a compaction (before its new file takes the log's place).
const COMPACTION_KILLS = 25;
const COMPACTION_RETENTION = 1500;
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

/**
 * Starts the compaction child and SIGKILLs it at a random instant inside a compaction: when the
 * compaction's new file appears in the directory, plus 0–`spreadMs`. Says whether the kill left
 * that compaction unfinished (its file still there: the child never got to switch to it).
 */
function killDuringCompaction(
  dir: string,
  run: number,
  spreadMs: number,
): Promise<{ acked: [string, number][]; unfinished: boolean }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PATTERN_QUALITY_DIST: distCopy };
    const child = spawn(process.execPath, [COMPACTION_CHILD, dir, String(run), String(COMPACTION_RETENTION)], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const compactionFile = `.feedback.jsonl.tmp-${child.pid}-`;
    const acked: [string, number][] = [];
    let errors = "";
    let buffered = "";
    let watcher: ReturnType<typeof watch> | null = null;
    // A child that never compacts is killed anyway, and the run does not count.
    const fallback = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") {
          watcher = watch(dir, (_event, name) => {
            if (!name?.startsWith(compactionFile) || !watcher) return;
            watcher.close();
            watcher = null;
            setTimeout(() => child.kill("SIGKILL"), Math.random() * spreadMs);
          });
        } else if (line.startsWith("ack ")) {
          const [id, seq] = line.slice(4).split(" ");
          acked.push([id!, Number(seq)]);
        } else errors += `${line}\n`;
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(fallback);
      (watcher as ReturnType<typeof watch> | null)?.close();
      if (signal !== "SIGKILL") reject(new Error(`the child ended by itself: ${errors}`));
      else resolve({ acked, unfinished: readdirSync(dir).some((name) => name.startsWith(compactionFile)) });
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
      } finally {
        await registry.close();
        await log.close();
      }
      // Checked once closed: opening the log may start a compaction of its own, with its own temp file.
      for (const folder of [dir, path.join(dir, "models")]) {
        expect(
          (await readdir(folder)).filter((name) => name.includes(".tmp-")),
          `run ${run}: what the kill left half-written is cleared on open`,
        ).toEqual([]);
      }
    }
    expect(acked.length).toBeGreaterThan(KILLS);
    expect(activationsAcked).toBeGreaterThan(0);
    console.log(
      `crash test: ${KILLS} kills, ${acked.length} acknowledged feedback, ${activationsAcked} acknowledged activations, recovered: ${JSON.stringify(leftovers)}`,
    );
  }, 180_000);

  it(`keeps every acknowledged feedback within the retention across ${COMPACTION_KILLS} SIGKILLs inside compactions`, async () => {
    const dir = await tempDir("pq-crash-compaction-");
    const acked: [string, number][] = [];
    let runs = 0;
    let unfinished = 0;
    for (; unfinished < COMPACTION_KILLS && runs < 4 * COMPACTION_KILLS; runs += 1) {
      const output = await killDuringCompaction(dir, runs, 6);
      acked.push(...output.acked);
      if (output.unfinished) unfinished += 1;

      const log = await FeedbackLog.open(dir, { retention: COMPACTION_RETENTION });
      try {
        for (const problem of log.problems) expect(problem.kind, `run ${runs}: ${problem.message}`).toBe("torn-line");
        const { firstSeq } = log.stats();
        // Retention dropped only records older than the newest COMPACTION_RETENTION.
        if (acked.length >= COMPACTION_RETENTION) {
          expect(log.size, `run ${runs}`).toBeGreaterThanOrEqual(COMPACTION_RETENTION);
          expect(firstSeq, `run ${runs}`).toBeLessThanOrEqual(log.watermark - COMPACTION_RETENTION + 1);
        }
        const lost = acked.filter(([id, seq]) => seq >= (firstSeq ?? 1) && !log.has(id));
        expect(lost, `run ${runs}: acknowledged, within the retention, and lost`).toEqual([]);
      } finally {
        await log.close();
      }
      expect(
        readdirSync(dir).filter((name) => name.includes(".tmp-")),
        `run ${runs}: the unfinished compaction's file is cleared on open`,
      ).toEqual([]);
    }
    console.log(
      `compaction crash test: ${runs} kills, ${unfinished} inside an unfinished compaction, ` +
        `${acked.length} acknowledged feedback, none lost`,
    );
    expect(unfinished).toBeGreaterThanOrEqual(COMPACTION_KILLS);
  }, 240_000);
});
