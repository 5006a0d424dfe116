import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StoreLockedError, StoreWriteError } from "../../src/errors";
import { sha256 } from "../../src/store/files";
import { processStartTime, StoreLock } from "../../src/store/lock";
import { tempDir } from "./temp-dir";

async function lockFileOf(dir: string, holder: object): Promise<void> {
  await writeFile(path.join(dir, "test.lock"), JSON.stringify({ acquiredAt: "earlier", ...holder }));
}

/** The pid of a process that has exited. */
async function goneProcess(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await once(child, "exit");
  return child.pid!;
}

/** A process that stays alive until killed. */
function liveProcess(): ChildProcess {
  return spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"]);
}

/** Writes a stale lock and, as a process taking it over would, its claim held by `claimant`. */
async function staleLockClaimedBy(dir: string, claimant: number, generation = 1): Promise<string> {
  const stale = JSON.stringify({ pid: await goneProcess(), processStartedAt: null, acquiredAt: "earlier" });
  await writeFile(path.join(dir, "test.lock"), stale);
  const claim = path.join(dir, `test.lock.takeover-${sha256(stale).slice(0, 16)}-${generation}`);
  await writeFile(
    claim,
    JSON.stringify({ pid: claimant, processStartedAt: processStartTime(claimant), acquiredAt: "now" }),
  );
  return claim;
}

describe("StoreLock", () => {
  it("takes over a lock whose process has exited", async () => {
    const dir = await tempDir();
    await lockFileOf(dir, { pid: await goneProcess(), processStartedAt: null });
    const lock = await StoreLock.acquire(dir, "test");
    await lock.release();
  });

  it("takes over a lock torn by a crash while it was written", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "test.lock"), '{"pid":');
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("takes over a lock left by an earlier process with this same pid (a restarted container)", async () => {
    const dir = await tempDir();
    await lockFileOf(dir, { pid: process.pid, processStartedAt: 0 });
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("takes over a lock whose pid now belongs to a process that started later", async () => {
    const dir = await tempDir();
    const child = liveProcess();
    try {
      await lockFileOf(dir, { pid: child.pid, processStartedAt: 1000 });
      await (await StoreLock.acquire(dir, "test")).release();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses a lock held by a live process, naming the directory and the pid", async () => {
    const dir = await tempDir();
    const child = liveProcess();
    try {
      await lockFileOf(dir, { pid: child.pid, processStartedAt: processStartTime(child.pid!) });
      const attempt = StoreLock.acquire(dir, "test");
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(attempt).rejects.toMatchObject({ directory: dir, holderPid: child.pid });
      await expect(attempt).rejects.toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses a second lock on the same directory in one process", async () => {
    const dir = await tempDir();
    const lock = await StoreLock.acquire(dir, "test");
    await expect(StoreLock.acquire(dir, "test")).rejects.toThrow(/already open for writing in this process/);
    await lock.release();
    await lock.release();
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("reports a directory that does not exist as a store write error", async () => {
    const dir = await tempDir();
    await expect(StoreLock.acquire(path.join(dir, "nowhere"), "test")).rejects.toBeInstanceOf(StoreWriteError);
  });

  it("takes over a stale lock whose takeover was begun by a process that died, and clears what it left", async () => {
    const dir = await tempDir();
    await staleLockClaimedBy(dir, await goneProcess());
    await writeFile(path.join(dir, `.test.lock.tmp-${await goneProcess()}-1`), "half-made");
    const lock = await StoreLock.acquire(dir, "test");
    expect(await readdir(dir)).toEqual(["test.lock"]);
    expect(JSON.parse(await readFile(lock.file, "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("waits for a live process taking the same stale lock over, then refuses, naming that process", async () => {
    const dir = await tempDir();
    const child = liveProcess();
    try {
      const claim = await staleLockClaimedBy(dir, child.pid!);
      const attempt = StoreLock.acquire(dir, "test");
      // The claimant finishes: its claim goes and its own lock appears, whole, in the stale one's place.
      setTimeout(async () => {
        const fresh = path.join(dir, "fresh");
        await writeFile(fresh, JSON.stringify({ pid: child.pid, processStartedAt: processStartTime(child.pid!) }));
        await rename(fresh, path.join(dir, "test.lock"));
        await rename(claim, path.join(dir, "claim-done"));
      }, 50);
      await expect(attempt).rejects.toMatchObject({ holderPid: child.pid, message: /in use by process/ });
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses, naming it, when a live process taking over the stale lock never finishes", async () => {
    const dir = await tempDir();
    const child = liveProcess();
    try {
      await staleLockClaimedBy(dir, child.pid!, 1);
      const attempt = StoreLock.acquire(dir, "test");
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(attempt).rejects.toMatchObject({
        holderPid: child.pid,
        message: new RegExp(`process ${child.pid} is taking over its stale lock`),
      });
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("leaves a half-made lock file of a live process alone", async () => {
    const dir = await tempDir();
    const child = liveProcess();
    try {
      const half = `.test.lock.tmp-${child.pid}-1`;
      await writeFile(path.join(dir, half), "being written");
      await (await StoreLock.acquire(dir, "test")).release();
      expect(await readdir(dir)).toEqual([half]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("gives one of two acquires at once in one process the lock and refuses the other", async () => {
    const dir = await tempDir();
    const results = await Promise.allSettled([StoreLock.acquire(dir, "test"), StoreLock.acquire(dir, "test")]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    await (
      results.find((result) => result.status === "fulfilled") as PromiseFulfilledResult<StoreLock>
    ).value.release();
  });

  it("does not remove, on release, a lock that another process has taken over", async () => {
    const dir = await tempDir();
    const lock = await StoreLock.acquire(dir, "test");
    await lockFileOf(dir, { pid: 4242, processStartedAt: null });
    await lock.release();
    expect(JSON.parse(await readFile(lock.file, "utf8"))).toMatchObject({ pid: 4242 });
  });

  it("knows the start time of a running process and not of a missing one", () => {
    const started = processStartTime(process.pid);
    expect(started).not.toBeNull();
    expect(Math.abs(started! - (Date.now() - process.uptime() * 1000))).toBeLessThan(5000);
    expect(processStartTime(2 ** 30)).toBeNull();
  });
});
