import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir";

const CHILD = path.join(__dirname, "lock-race-child.cjs");
const DIST = path.resolve(__dirname, "../../dist/src");
const BUILT = path.join(DIST, "store", "lock.js");
const TRIALS = 100;

/** A child process that takes and gives back the lock on command, answering one line each time. */
class Contender {
  private answers: ((line: string) => void)[] = [];
  private buffered = "";

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffered += chunk.toString();
      const lines = this.buffered.split("\n");
      this.buffered = lines.pop()!;
      for (const line of lines) this.answers.shift()?.(line);
    });
  }

  /** Sends a command; resolves with the child's one-line answer. */
  ask(command: string): Promise<string> {
    return new Promise((resolve) => {
      this.answers.push(resolve);
      if (command) this.child.stdin.write(`${command}\n`);
    });
  }
}

describe("StoreLock between processes", () => {
  let distCopy = DIST;
  const contenders: Contender[] = [];

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first (npm test does)`);
    // A private copy of the build, so a rebuild during the test cannot pull files away.
    distCopy = path.join(await mkdtemp(path.join(tmpdir(), "pq-lock-dist-")), "src");
    await cp(DIST, distCopy, { recursive: true });
    for (let i = 0; i < 2; i += 1) {
      const child = spawn(process.execPath, [CHILD], { env: { ...process.env, PATTERN_QUALITY_DIST: distCopy } });
      const contender = new Contender(child);
      contenders.push(contender);
      expect(await contender.ask("")).toBe("ready");
    }
  });

  afterAll(async () => {
    for (const { child } of contenders) {
      child.kill("SIGKILL");
      if (child.exitCode === null && child.signalCode === null) await once(child, "close");
    }
    if (distCopy !== DIST) await rm(path.dirname(distCopy), { recursive: true, force: true });
  });

  it(`lets exactly one of two processes take over the same stale lock, ${TRIALS} times out of ${TRIALS}`, async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const stale = JSON.stringify({ pid: gone.pid, processStartedAt: null, acquiredAt: "earlier" });
    const winners: number[] = [];
    const losses = new Set<string>();
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const dir = await tempDir("pq-lock-race-");
      await writeFile(path.join(dir, "race.lock"), stale);
      const at = Date.now() + 30;
      const answers = await Promise.all(contenders.map((contender) => contender.ask(`acquire ${dir} ${at}`)));
      winners.push(answers.filter((answer) => answer === "won").length);
      for (const answer of answers) if (answer !== "won") losses.add(answer);
      await Promise.all(contenders.map((contender) => contender.ask("release")));
    }
    const twoWinners = winners.filter((count) => count === 2).length;
    console.log(`lock race: ${twoWinners} of ${TRIALS} trials with two winners; losers said ${[...losses].join(", ")}`);
    expect(twoWinners).toBe(0);
    expect(winners.every((count) => count === 1)).toBe(true);
    expect([...losses]).toEqual(["lost store-locked"]);
  }, 120_000);
});
